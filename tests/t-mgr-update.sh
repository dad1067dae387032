#!/bin/sh
# sslm-mgr with [dns] update_server: the TLSA records of the apex go to a
# Knot primary as RFC 2136 updates signed with TSIG (sslm-dnsupdate), for
# curr + next after a renew and for the new curr alone after the roll.
# Oracle: dig +norecurse against the primary, and openssl for the hashes.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/dns.sh"
. "$SSLM_TOP/tests/env/knot-update.sh"

w=$SSLM_TMP
TMPDIR=$w
export TMPDIR
t=""	# set by ca_self_tree
trap 'knotup_stop 2>/dev/null' EXIT

if knotup_start "$w/knot"; then
	ok "test bed: a Knot primary that takes signed updates"
else
	notok "test bed: a Knot primary that takes signed updates"
	exit 0
fi

spki() {
	openssl x509 -in "$1" -noout -pubkey |
	    openssl pkey -pubin -outform der | openssl dgst -sha256 -r |
	    cut -d' ' -f1
}
# served NAME: the TLSA data the primary serves at NAME, one a line.
served() {
	dig @127.0.10.1 -p "$DNS_PORT" +norecurse +short "$1" TLSA |
	    awk '{ h = ""; for (i = 4; i <= NF; i++) h = h $i; print tolower(h) }' |
	    sort
}

ca_self_tree upd noprobe
# The example's group becomes example.test, its mail service a DANE one.
mv "$t/conf.d/example.com" "$t/conf.d/example.test"
for f in "$t/conf.d/example.test"/*; do
	sed -i 's/example\.com/example.test/g' "$f"
done
sed -i "s/example\.com/example.test/g; s|^\[dns\]|[dns]\n    update_server = '127.0.10.1'\n    update_port = $DNS_PORT\n    update_key_file = '$KNOTUP_KEY'|" \
    "$t/conf.d/ssl-mgr.conf"
run sslm-conf
chk "config: loads with the update keys" test "$T_RC" -eq 0

sh "$SSLM_TOP/examples/ca-self/make-ca" root >/dev/null 2>&1
run sslm-mgr -renew
expect_rc 0 "renew: exit 0"
m=$t/certs/example.test/mail-ec
h1=$(spki "$m/next/cert.pem")
chk "renew: the primary serves next's record at the SAN owner" \
    test "$(served _25._tcp.mail.example.test)" = "$h1"
chk "renew: and at the apex owner" test "$(served _465._tcp.example.test)" = "$h1"
run sslm-mgr -roll
expect_rc 0 "first roll: exit 0"

run sslm-mgr -renew -f example.test:mail-ec
expect_rc 0 "second renew: exit 0"
h2=$(spki "$m/next/cert.pem")
want=$(printf '%s\n%s\n' "$h1" "$h2" | sort)
chk "during the roll: curr and next served" \
    test "$(served _25._tcp.smtp.example.test)" = "$want"
run sslm-mgr -roll -f example.test:mail-ec
expect_rc 0 "roll: exit 0"
chk "after the roll: only the new curr served" \
    test "$(served _25._tcp.smtp.example.test)" = "$h2"
if grep -qF "$KNOTUP_SECRET" "$t/logs/sslm" "$T_OUT" "$T_ERR"; then
	notok "the TSIG secret appears in no log or output"
else
	ok "the TSIG secret appears in no log or output"
fi

# A wrong key: the run fails and says so; the records stay as they were.
printf 'sslm-test-key. hmac-sha256 %s\n' "$(openssl rand -base64 32)" \
    >"$w/wrong.key"
chmod 600 "$w/wrong.key"
sed -i "s|update_key_file = .*|update_key_file = '$w/wrong.key'|" \
    "$t/conf.d/ssl-mgr.conf"
run sslm-mgr -renew -f example.test:mail-ec
expect_rc 3 "wrong key: exit 3"
expect_err_match 'dns update of example.test at 127.0.10.1: .*BADSIG' \
    "wrong key: the server's answer is named"
chk "wrong key: the served records are unchanged" \
    test "$(served _25._tcp.smtp.example.test)" = "$h2"
