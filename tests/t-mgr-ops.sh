#!/bin/sh
# sslm-mgr around the store: a signer that is not available, post_copy_cmd,
# the DNS restart (after the servers, only when TLSA records changed), the
# log, and remote servers through a real sshd on loopback (production copy
# by rsync and reloads over ssh).
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/sshd.sh"

w=$SSLM_TMP
t=""	# set by ca_self_tree
TMPDIR=$w
export TMPDIR

bootstrap() {
	sh "$SSLM_TOP/examples/ca-self/make-ca" root >/dev/null 2>&1 &&
	    sslm-mgr -renew >/dev/null 2>&1 && sslm-mgr -roll >/dev/null 2>&1
}

# ---- an ACME server that is down fails its service only ------------------------
ca_self_tree acme
cat >>"$t/conf.d/ca-info.conf" <<'EOF'

[le-http]
    ca_type = 'certbot'
    ca_validation = 'http-01'
    # Loopback only: a closed port stands for an ACME server that is down.
    acme_directory = 'https://127.0.0.1:1/dir'
EOF
edit "$t/conf.d/example.com/web-ec" "^signing_ca = .*?$" "signing_ca = 'le-http'"
sh "$SSLM_TOP/examples/ca-self/make-ca" root >/dev/null 2>&1
run sslm-mgr -renew
expect_rc 3 "ACME signer: exit 3"
expect_err_match 'example.com:web-ec: ACME account: .*127.0.0.1:1' \
    "ACME signer: the service fails with a line naming the server"
expect_err_match 'failed:.*example.com:web-ec' "ACME signer: named in the summary"
chk "ACME signer: mail-ec still renewed" test -s "$t/certs/example.com/mail-ec/next/cert.pem"
chk "ACME signer: no set left for web-ec" sh -c "! ls '$t'/certs/example.com/web-ec/db/* >/dev/null 2>&1"

# ---- post copy, DNS restart, order ---------------------------------------------------
ca_self_tree hooks
me=$(hostname)
cat >"$w/rec" <<EOF
#!/bin/sh
echo "\$*" >>"$w/calls"
EOF
chmod 755 "$w/rec"
edit "$t/conf.d/ssl-mgr.conf" \
    '^\[globals\]' "[globals]
    post_copy_cmd = [['$me', '$w/rec post']]" \
    '^\[dns\].*?(?=^\[smtp\])' "[dns]
    tlsa_dirs = ['./dns/include-tlsa']
    restart_cmd = '$w/rec'
    depends = ['dns']

" \
    '^\[smtp\].*?(?=^\[web\])' "[smtp]
    servers = ['$me']
    restart_cmd = '$w/rec smtp'
    svc_depends = [['example.com', ['mail-ec']]]

"
run sslm-conf
chk "hooks: config loads" test "$T_RC" -eq 0
bootstrap
if [ "$(id -u)" -eq 0 ]; then
	: >"$w/calls"
	run sslm-mgr -renew -f example.com:web-ec
	expect_rc 0 "hooks: renew web-ec"
	chk "hooks: web-ec change: post copy only, no smtp, no DNS" \
	    test "$(cat "$w/calls")" = "post $me"
	: >"$w/calls"
	run sslm-mgr -renew -f example.com:mail-ec
	expect_rc 0 "hooks: renew mail-ec"
	chk "hooks: mail-ec change: post copy, smtp reload, then DNS with the domain" \
	    test "$(cat "$w/calls")" = "$(printf 'post %s\nsmtp\n--serial_bump example.com' "$me")"
	: >"$w/calls"
	run sslm-mgr -s
	chk "hooks: no change: nothing runs" test ! -s "$w/calls"
	run sslm-mgr -dns -s example.com
	chk "hooks: -dns runs the DNS restart for the selected group" \
	    test "$(cat "$w/calls")" = "--serial_bump example.com"
else
	skip "hooks need root"
fi

# A bad operand stops the run before anything is done.
run sslm-mgr -renew example.com/mail-ec
expect_rc 3 "bad operand: exit 3"
expect_err_match 'is not ca or a domain' "bad operand: sslm-conf says why"
expect_err_lines 1 "bad operand: one line"

# ---- the log -----------------------------------------------------------------------------
log=$t/logs/sslm
chk "log: exists" test -s "$log"
if grep -qvE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}  ' "$log"; then
	notok "log: every line starts with a timestamp" "$(grep -vE '^[0-9]{4}-' "$log" | head -3)"
else
	ok "log: every line starts with a timestamp"
fi
leak=""
for k in "$t"/certs/*/*/db/*/privkey.pem; do
	sed -n '2p' "$k" | cut -c1-32 >"$w/keyline"
	! grep -qF -f "$w/keyline" "$log" || leak="$leak $k"
done
if grep -q 'PRIVATE KEY' "$log" || [ -n "$leak" ]; then
	notok "log: no key material" "$leak"
else
	ok "log: no key material"
fi

# ---- remote servers through a real sshd -------------------------------------------------
ca_self_tree remote
R=$t/prod-certs
# The remote host sees its own directory at the production path.
mkdir -p "$R" "$w/remote1"
if sshd_start "$w/s1" "$w/remote1" "$R"; then
	sshd_host_entry "$w/s1" smtp1.test >"$t/conf.d/ssh_config"
	edit "$t/conf.d/ssl-mgr.conf" \
	    '^\[smtp\].*?(?=^\[web\])' "[smtp]
    servers = ['smtp1.test']
    restart_cmd = '$w/rec remote-smtp'
    svc_depends = [['example.com', ['mail-ec']]]

"
	bootstrap
	m=example.com/mail-ec
	chk "remote: production copy reached the host" \
	    cmp "$t/certs/$m/curr/cert.pem" "$w/remote1/$m/curr/cert.pem"
	chk "remote: bundle stays 0600 there" \
	    test "$(stat -c %a "$w/remote1/$m/curr/bundle.pem")" = 600
	: >"$w/calls"
	run sslm-mgr -renew -f example.com:mail-ec
	expect_rc 0 "remote: renew mail-ec"
	chk "remote: next reached the host" \
	    cmp "$t/certs/$m/next/cert.pem" "$w/remote1/$m/next/cert.pem"
	if [ "$(id -u)" -eq 0 ]; then
		chk "remote: the reload ran over ssh" test "$(cat "$w/calls")" = remote-smtp
		chk "remote: sshd saw the session" grep -q 'Accepted publickey' "$w/s1/sshd.log"
	fi
	: >"$w/calls"
	run sslm-mgr -renew -f example.com:web-ec
	chk "remote: web-ec change does not reload smtp" test ! -s "$w/calls"
	sshd_stop "$w/s1"
	run sslm-mgr -renew -f example.com:mail-ec
	expect_rc 3 "remote: an unreachable host fails the run"
	expect_err_match 'smtp1.test' "remote: the message names the host"
	chk "remote: the local store still renewed" test -s "$t/certs/$m/next/cert.pem"
else
	case $? in
	2) skip "remote: no mount namespace here" ;;
	*) notok "remote: sshd did not start" "$(tail -5 "$w/s1/sshd.log" 2>/dev/null)" ;;
	esac
fi
