#!/bin/sh
# Which services a run copies to production (good_services): not one
# whose configuration did not load, not one that failed in this run; the
# others, and the failed one again once it works.  The private CA
# example with web-ec, web2 (signed by the root) and broken (a signing
# CA that does not exist); web2 fails when the root's key is gone.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
t=""
TMPDIR=$w
export TMPDIR
ca_self_tree prodsel noprobe
c=$t/certs
p=$t/prod-certs/example.com
edit "$t/conf.d/ssl-mgr.conf" "services = \\['web-ec', 'mail-ec'\\]" \
    "services = ['web-ec', 'web2', 'broken']"
sed -e "s/^service = .*/service = 'web2'/" \
    -e "s/^signing_ca = .*/signing_ca = 'my-root'/" \
    "$t/conf.d/example.com/web-ec" >"$t/conf.d/example.com/web2"
sed -e "s/^service = .*/service = 'broken'/" \
    -e "s/^signing_ca = .*/signing_ca = 'nothere'/" \
    "$t/conf.d/example.com/web-ec" >"$t/conf.d/example.com/broken"
sh "$SSLM_TOP/examples/ca-self/make-ca" root >/dev/null 2>&1
run sslm-mgr -renew
expect_rc 3 "setup: a renew with a broken service: exit 3"
expect_err_match '^sslm-mgr: failed: example\.com:broken$' \
    "setup: only the broken service failed, production was copied"
check "setup: web-ec in production" test -s "$p/web-ec/next/cert.pem"
check "setup: web2 in production" test -s "$p/web2/next/cert.pem"
check "setup: broken not in production" test ! -e "$p/broken"

# web2 cannot be signed now; production loses its copy before the run.
mv "$c/ca/my-root/curr/privkey.pem" "$w/root-key.pem"
rm -rf "$p/web2"
old=$(sha256sum <"$p/web-ec/next/cert.pem")
run sslm-mgr -renew -f example.com
expect_rc 3 "web2 fails: exit 3"
expect_err_match '^sslm-mgr: failed:( example\.com:(web2|broken)){2}$' \
    "web2 fails: the summary names web2 and broken, not the production copy"
new=$(sha256sum <"$p/web-ec/next/cert.pem")
if [ "$new" != "$old" ] && cmp -s "$p/web-ec/next/cert.pem" \
    "$c/example.com/web-ec/next/cert.pem"; then
	ok "web2 fails: web-ec's new next is in production"
else
	notok "web2 fails: web-ec's new next is in production"
fi
check "web2 fails: its production copy is not made" test ! -e "$p/web2"
check "web2 fails: broken is still not in production" test ! -e "$p/broken"

# Twin: with the key back, web2 goes to production again.
mv "$w/root-key.pem" "$c/ca/my-root/curr/privkey.pem"
run sslm-mgr -renew -f example.com:web2
expect_rc 0 "web2 works again: exit 0"
check "web2 works again: production has its next" \
    cmp "$p/web2/next/cert.pem" "$c/example.com/web2/next/cert.pem"

# ---- -q: a renew where nothing is due says nothing (the idle group) -----
run sslm-mgr -q -renew ca
expect_rc 0 "-q renew, nothing due: exit 0"
n=$(wc -c <"$T_OUT")
same "-q renew, nothing due: nothing on stdout" "$n" 0
run sslm-mgr -renew ca
expect_rc 0 "renew, nothing due: exit 0"
if grep -qx '  my-root' "$T_OUT" && grep -qx '  my-int' "$T_OUT"; then
	ok "renew, nothing due: without -q each service is named"
else
	notok "renew, nothing due: without -q each service is named" \
	    "$(head -c 300 "$T_OUT")"
fi

# ---- --sync checks the services whose configuration loaded ----------------
run sslm-mgr -s --sync
expect_rc 3 "-s --sync with a broken service: exit 3 (its status)"
if grep -qx 'production: in sync with the store' "$T_OUT" &&
    ! grep -q 'cannot check' "$T_ERR"; then
	ok "-s --sync: production is checked without the broken service"
else
	notok "-s --sync: production is checked without the broken service" \
	    "$(tail -n 3 "$T_OUT")" "$(tail -n 3 "$T_ERR")"
fi
run sslm-mgr -v -renew ca
expect_rc 0 "-v renew, nothing due: exit 0"
n=$(grep -c '^            cert up to date: renew not needed$' "$T_OUT")
same "-v renew, nothing due: each service says it is up to date" "$n" 2
n=$(grep -c '^            Current cert expires: ' "$T_OUT")
same "-v renew, nothing due: each service shows sslm-due's answer" "$n" 2
