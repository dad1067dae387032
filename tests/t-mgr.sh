#!/bin/sh
# sslm-mgr end to end over a scratch copy of examples/ca-self: bootstrap of
# the private CA, renew, roll, status, clean, reuse, apex TLSA file,
# production copy, reloads, locking, broken services, and a kill at every
# step of renew and roll.  Oracles: openssl verify / x509 / pkey, jq.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
t=""	# set by ca_self_tree
TMPDIR=$w
export TMPDIR


# spki FILE: the TLSA 3 1 1 data of a certificate, by openssl.
spki() {
	openssl x509 -in "$1" -noout -pubkey |
	    openssl pkey -pubin -outform der | openssl dgst -sha256 -r |
	    cut -d' ' -f1
}

# valid_set DIR ROOT INT: a complete set whose cert verifies.
valid_set() {
	for _f in privkey.pem csr.pem cert.pem chain.pem fullchain.pem bundle.pem; do
		[ -s "$1/$_f" ] || return 1
	done
	openssl verify -CAfile "$2" -untrusted "$1/chain.pem" "$1/cert.pem" \
	    >/dev/null 2>&1 || return 1
	# the key belongs to the certificate
	[ "$(openssl pkey -in "$1/privkey.pem" -pubout 2>/dev/null | sha256sum)" = \
	    "$(openssl x509 -in "$1/cert.pem" -noout -pubkey | sha256sum)" ]
}

ca_self_tree e2e noprobe
c=$t/certs
root=$c/ca/my-root/curr/cert.pem

# ---- usage -------------------------------------------------------------------
run sslm-mgr -bogus
expect_rc 2 "usage: unknown option exits 2"
run sslm-mgr -keys
expect_rc 2 "usage: a dev option without dev exits 2"
expect_err_match 'dev option' "usage: says it is a dev option"
run sslm-mgr -roll-mins soon
expect_rc 2 "usage: -roll-mins needs a number"
run sslm-mgr -h
expect_rc 0 "usage: -h exits 0"
chk "usage: -h lists -renew" grep -q -- '-renew' "$T_OUT"

# ---- first run: the CA must exist before it signs ------------------------------
run sslm-mgr -renew
expect_rc 3 "renew before the CA exists fails"
expect_err_match 'ca:my-int: CA my-root has no complete current set' \
    "the failure names the service and the missing CA"

ca_self_tree e2e noprobe
run sh "$SSLM_TOP/examples/ca-self/make-ca" root
expect_rc 0 "make-ca root: exit 0"
run sslm-mgr -renew
expect_rc 0 "first renew: exit 0"
run sslm-mgr -roll
expect_rc 0 "first roll: exit 0"
for s in web-ec mail-ec; do
	chk "$s: curr verifies with the intermediate and the root" \
	    valid_set "$c/example.com/$s/curr" "$root"
	chk "$s: chain.pem is intermediate + root" \
	    openssl verify -CAfile "$root" -untrusted "$c/ca/my-int/curr/cert.pem" \
	    "$c/example.com/$s/curr/cert.pem"
	chk "$s: no next after the roll" test ! -e "$c/example.com/$s/next"
	m=$(stat -c %a "$c/example.com/$s/curr/privkey.pem" "$c/example.com/$s/curr/bundle.pem" "$c/example.com/$s/curr/cert.pem" | tr '\n' ' ')
	if [ "$m" = "600 600 644 " ]; then
		ok "$s: modes privkey 600, bundle 600, cert 644"
	else
		notok "$s: modes privkey 600, bundle 600, cert 644" "$m"
	fi
	chk "$s: production copy equals curr" \
	    cmp "$c/example.com/$s/curr/fullchain.pem" "$t/prod-certs/example.com/$s/curr/fullchain.pem"
done
chk "ca: the intermediate is issued by the root" \
    openssl verify -CAfile "$root" "$c/ca/my-int/curr/cert.pem"
h=$(spki "$c/example.com/mail-ec/curr/cert.pem")
chk "apex TLSA file holds mail-ec's 3 1 1 data (openssl)" \
    grep -q "_25._tcp.mail.example.com.* 3 1 1 $h\$" "$c/example.com/tlsa.example.com"
chk "apex TLSA file copied to tlsa_dirs" \
    cmp "$c/example.com/tlsa.example.com" "$t/dns/include-tlsa/tlsa.example.com"
{
	printf "\$ORIGIN example.com.\n@ 300 IN SOA ns. h. 1 1 1 1 1\n"
	grep -v '^;' "$c/example.com/tlsa.example.com"
} >"$w/zone"
chk "apex TLSA file is valid zone data (ldns-read-zone)" ldns-read-zone "$w/zone"
n=$(ldns-read-zone "$w/zone" | grep -c 'IN	TLSA')
if [ "$n" -eq 6 ]; then
	ok "apex TLSA file: 6 records (2 ports x apex + 2 SANs)"
else
	notok "apex TLSA file: 6 records" "$n"
fi

# ---- a second renew does nothing ----------------------------------------------------
snap() { find "$c" -path '*/db/*' -prune -o -type l -printf '%p %l\n' | sort; }
snap >"$w/before"
run sslm-mgr -renew
expect_rc 0 "second renew: exit 0"
snap >"$w/after"
chk "second renew: no link changed" cmp "$w/before" "$w/after"
if grep -q renewed "$T_OUT"; then
	notok "second renew: nothing renewed" "$(cat "$T_OUT")"
else
	ok "second renew: nothing renewed"
fi

# ... and its twin: the same plain renew on a copy of the store whose
# table makes the 90-day leaves due (the reproduction of issue 9) renews
# exactly the leaves; the ten-year CAs stay.
t2=$w/e2e-due
rm -rf "$t2"
cp -a "$t" "$t2"
edit "$t2/conf.d/ssl-mgr.conf" 'target_90 = 25 ' 'target_90 = 95 '
SSL_MGR_TOPDIR=$t2
run sslm-mgr -renew
SSL_MGR_TOPDIR=$t
expect_rc 0 "due renew: exit 0"
for s in web-ec mail-ec; do
	chk "due renew: $s has a new next" valid_set "$t2/certs/example.com/$s/next" \
	    "$t2/certs/ca/my-root/curr/cert.pem"
	same "due renew: $s curr unchanged" \
	    "$(readlink "$t2/certs/example.com/$s/curr")" \
	    "$(readlink "$c/example.com/$s/curr")"
	# serial and fingerprint, not notBefore: a fast machine issues
	# the due renew within the second of the first issue
	nb=$(openssl x509 -in "$t2/certs/example.com/$s/next/cert.pem" -noout -serial -fingerprint -sha256)
	ob=$(openssl x509 -in "$c/example.com/$s/curr/cert.pem" -noout -serial -fingerprint -sha256)
	if [ -n "$nb" ] && [ -n "$ob" ] && [ "$nb" != "$ob" ]; then
		ok "due renew: $s next is a new certificate (openssl serial)"
	else
		notok "due renew: $s next is a new certificate" "$nb"
	fi
done
for s in my-root my-int; do
	chk "due renew: ca:$s not due, no next" test ! -e "$t2/certs/ca/$s/next"
done
chk "due renew: the line says why" grep -q 'Renew now' "$T_OUT"
# and the other way round: the ten-year CAs due (the self-signed root,
# the intermediate it signs), the leaves not
t3=$w/e2e-ca-due
rm -rf "$t3"
cp -a "$t" "$t3"
edit "$t3/conf.d/ssl-mgr.conf" 'target_3650 = 365 ' 'target_3650 = 3700 '
SSL_MGR_TOPDIR=$t3
run sslm-mgr -renew
SSL_MGR_TOPDIR=$t
expect_rc 0 "CA due renew: exit 0"
chk "CA due renew: my-root (self-signed) has a new next" valid_set \
    "$t3/certs/ca/my-root/next" "$t3/certs/ca/my-root/next/cert.pem"
chk "CA due renew: my-int has a new next, signed by the current root" \
    valid_set "$t3/certs/ca/my-int/next" "$t3/certs/ca/my-root/curr/cert.pem"
for s in web-ec mail-ec; do
	chk "CA due renew: $s not due, no next" test ! -e "$t3/certs/example.com/$s/next"
done

# ---- status -------------------------------------------------------------------
run sslm-mgr -s
expect_rc 0 "status: exit 0"
for s in my-root my-int web-ec mail-ec; do
	chk "status: lists $s" grep -q "^  $s\$" "$T_OUT"
done
n=$(grep -c 'curr         : expires:' "$T_OUT")
if [ "$n" -eq 4 ]; then
	ok "status: a curr line per service"
else
	notok "status: a curr line per service" "$n"
fi
run sslm-mgr -s --json
expect_rc 0 "status --json: exit 0"
expect_jq '.services | length == 4' "status --json: four services"
e=$(openssl x509 -in "$c/example.com/web-ec/curr/cert.pem" -noout -enddate | cut -d= -f2)
e=$(date -u -d "$e" +%Y-%m-%dT%H:%M:%SZ)
expect_jq ".services[] | select(.service == \"web-ec\") | .curr.not_after == \"$e\"" \
    "status --json: web-ec expiry agrees with openssl"

# ---- roll too soon, then forced --------------------------------------------------------
cur=$(readlink "$c/example.com/web-ec/curr")
run sslm-mgr -renew -f example.com:web-ec
expect_rc 0 "renew -f web-ec: exit 0"
nxt=$(readlink "$c/example.com/web-ec/next")
chk "renew -f: a new next" test -n "$nxt" -a "$nxt" != "$cur"
chk "renew -f: next verifies" valid_set "$c/example.com/web-ec/next" "$root"
chk "renew -f: production has next too" \
    cmp "$c/example.com/web-ec/next/cert.pem" "$t/prod-certs/example.com/web-ec/next/cert.pem"
run sslm-mgr -roll -roll-mins 60 example.com:web-ec
expect_rc 0 "roll too soon: exit 0"
chk "roll too soon: says so" grep -q 'too soon to roll' "$T_OUT"
chk "roll too soon: curr unchanged" test "$(readlink "$c/example.com/web-ec/curr")" = "$cur"
run sslm-mgr -roll -f -roll-mins 60 example.com:web-ec
expect_rc 0 "roll -f: exit 0"
chk "roll -f: next became curr" test "$(readlink "$c/example.com/web-ec/curr")" = "$nxt"
chk "roll -f: old curr became prev" test "$(readlink "$c/example.com/web-ec/prev")" = "$cur"
chk "roll -f: production next removed" test ! -e "$t/prod-certs/example.com/web-ec/next"
chk "roll -f: curr/info written" grep -q 'web-ec rolled to curr' "$c/example.com/web-ec/curr/info"

# ---- reuse keeps the TLSA data; a new key changes it ---------------------------------------
m=$c/example.com/mail-ec
old=$(spki "$m/curr/cert.pem")
run sslm-mgr -renew -f -r example.com:mail-ec
expect_rc 0 "renew -f -r: exit 0"
chk "renew -r: same key" cmp "$m/curr/privkey.pem" "$m/next/privkey.pem"
chk "renew -r: next TLSA data unchanged" test "$(spki "$m/next/cert.pem")" = "$old"
chk "renew -r: next is a new certificate" sh -c "! cmp -s '$m/curr/cert.pem' '$m/next/cert.pem'"
run sslm-mgr -renew -f example.com:mail-ec
new=$(spki "$m/next/cert.pem")
chk "renew without -r: new TLSA data" test "$new" != "$old"
chk "during the roll the apex file has curr's records" \
    grep -q " 3 1 1 $old\$" "$c/example.com/tlsa.example.com"
chk "during the roll the apex file has next's records" \
    grep -q " 3 1 1 $new\$" "$c/example.com/tlsa.example.com"
run sslm-mgr -roll -f example.com:mail-ec
chk "after the roll the apex file has the new records" \
    grep -q " 3 1 1 $new\$" "$c/example.com/tlsa.example.com"
if grep -q " 3 1 1 $old\$" "$c/example.com/tlsa.example.com"; then
	notok "after the roll the old records are gone"
else
	ok "after the roll the old records are gone"
fi
chk "after the roll tlsa_dirs has the new file" \
    cmp "$c/example.com/tlsa.example.com" "$t/dns/include-tlsa/tlsa.example.com"

# ---- clean keeps N -----------------------------------------------------------------------
for _ in 1 2 3; do
	run sslm-mgr -renew -f example.com:web-ec
done
run sslm-mgr -s -clean-keep 1 example.com:web-ec
expect_rc 0 "clean: exit 0"
refs=$(for l in curr next prev; do readlink "$c/example.com/web-ec/$l"; done | sort -u | wc -l)
all=$(find "$c/example.com/web-ec/db" -mindepth 1 -maxdepth 1 -type d | wc -l)
if [ "$all" -eq $((refs + 1)) ]; then
	ok "clean: referenced sets + 1 kept ($all)"
else
	notok "clean: referenced sets + 1 kept" "$all dirs, $refs referenced"
fi
for l in curr next prev; do
	chk "clean: $l still resolves" test -d "$c/example.com/web-ec/$l/"
done

# ---- lock ----------------------------------------------------------------------------------
run flock "$c/.lock" sslm-mgr -roll
expect_rc 3 "lock: a second run fails"
expect_err_match 'another sslm-mgr run holds' "lock: says why"

# ---- a broken service fails only itself --------------------------------------------------
cp -a "$t" "$w/broken"
SSL_MGR_TOPDIR=$w/broken
sed -i "s/^dane_tls = .*/dane_tls = [[25, 'tcp', 3, 1]]/" \
    "$w/broken/conf.d/example.com/mail-ec"
before=$(readlink "$w/broken/certs/example.com/web-ec/next" || true)
run sslm-mgr -renew -f
expect_rc 3 "broken service: exit 3"
expect_err_match 'failed:.*example.com:mail-ec' "broken service: named in the summary"
after=$(readlink "$w/broken/certs/example.com/web-ec/next")
chk "broken service: web-ec still renewed" test "$after" != "$before"
chk "broken service: web-ec still copied to production" \
    cmp "$w/broken/certs/example.com/web-ec/next/cert.pem" \
    "$w/broken/prod-certs/example.com/web-ec/next/cert.pem"
export SSL_MGR_TOPDIR="$t"

# ---- reloads fire exactly when their dependencies do ----------------------------------------
ca_self_tree reload noprobe
c=$t/certs
root=$c/ca/my-root/curr/cert.pem
me=$(hostname)
cat >"$w/rec" <<EOF
#!/bin/sh
echo "\$*" >>"$w/reloads"
EOF
chmod 755 "$w/rec"
python3 - "$t/conf.d/ssl-mgr.conf" "$me" "$w/rec" <<'EOF'
import re, sys
p, host, rec = sys.argv[1:4]
s = open(p).read()
s = re.sub(r"\[smtp\].*?(?=\n\[)", "[smtp]\n    servers = ['%s']\n"
           "    restart_cmd = '%s smtp'\n"
           "    svc_depends = [['example.com', ['mail-ec']]]\n" % (host, rec),
           s, flags=re.S)
s = re.sub(r"\[web\].*", "[web]\n    servers = ['%s']\n"
           "    restart_cmd = ['%s web', '%s web-again']\n"
           "    svc_depends = [['any', ['web-ec']]]\n" % (host, rec, rec),
           s, flags=re.S)
open(p, "w").write(s)
EOF
run sslm-conf
chk "reload config loads" test "$T_RC" -eq 0
sh "$SSLM_TOP/examples/ca-self/make-ca" root >/dev/null 2>&1
sslm-mgr -renew >/dev/null 2>&1
sslm-mgr -roll >/dev/null 2>&1
: >"$w/reloads"
if [ "$(id -u)" -eq 0 ]; then
	run sslm-mgr -renew -f example.com:web-ec
	chk "reload: web-ec change reloads web (both commands)" \
	    test "$(cat "$w/reloads")" = "$(printf 'web\nweb-again')"
	: >"$w/reloads"
	run sslm-mgr -renew -f example.com:mail-ec
	chk "reload: mail-ec change reloads smtp only" \
	    test "$(cat "$w/reloads")" = "smtp"
	: >"$w/reloads"
	run sslm-mgr -s
	chk "reload: no change, no reload" test ! -s "$w/reloads"
	run sslm-mgr -d -renew -f example.com:web-ec
	chk "reload -d: nothing run" test ! -s "$w/reloads"
	chk "reload -d: the action is printed" grep -q "would run on $me: $w/rec web" "$T_OUT"
	run sslm-mgr dev -fsr -s
	chk "dev -fsr: every class reloads" \
	    test "$(sort "$w/reloads" | tr '\n' ' ')" = "smtp web web-again "
else
	skip "reloads need root"
fi

# ---- kill at every step ----------------------------------------------------------------------
# A baseline store with curr for every service; each run is killed with
# SIGKILL at step k, curr must still be complete and valid, and a normal
# rerun must finish the job.
ca_self_tree kill noprobe
sh "$SSLM_TOP/examples/ca-self/make-ca" root >/dev/null 2>&1
sslm-mgr -renew >/dev/null 2>&1
sslm-mgr -roll >/dev/null 2>&1
base=$w/kill-base
rm -rf "$base"
cp -a "$t" "$base"

# steps CMD...: how many steps a run of sslm-mgr CMD has.
steps() {
	rm -rf "$w/kt"
	cp -a "$base" "$w/kt"
	: >"$w/steps"
	SSL_MGR_TOPDIR=$w/kt SSLM_TEST_STEPS=$w/steps sslm-mgr "$@" >/dev/null 2>&1
	wc -l <"$w/steps" | tr -d ' '
}

kill_each() {
	what=$1
	shift
	n=$(steps "$@")
	if [ "$n" -lt 3 ]; then
		notok "kill $what: the run has steps" "$n"
		return
	fi
	k=1
	bad=""
	while [ "$k" -le "$n" ]; do
		rm -rf "$w/kt"
		cp -a "$base" "$w/kt"
		kc=$w/kt/certs
		SSL_MGR_TOPDIR=$w/kt SSLM_TEST_CRASH_AT=$k sslm-mgr "$@" >/dev/null 2>&1 || true
		valid_set "$kc/example.com/mail-ec/curr" "$kc/ca/my-root/curr/cert.pem" ||
		    bad="$bad $k:curr-after-kill"
		SSL_MGR_TOPDIR=$w/kt sslm-mgr "$@" >/dev/null 2>&1 ||
		    bad="$bad $k:rerun-failed"
		check_after "$kc" || bad="$bad $k:final-state"
		k=$((k + 1))
	done
	if [ -z "$bad" ]; then
		ok "kill $what at each of $n steps: curr valid, rerun finishes"
	else
		notok "kill $what at each of $n steps" "failed at:$bad"
	fi
}

# After renew -f: a complete next that verifies, in the apex file and in
# production, and no half-built sets left.
check_after() {
	_m=$1/example.com/mail-ec
	valid_set "$_m/next" "$1/ca/my-root/curr/cert.pem" || return 1
	grep -q " 3 1 1 $(spki "$_m/next/cert.pem")\$" "$1/example.com/tlsa.example.com" ||
	    return 1
	cmp -s "$_m/next/cert.pem" "$w/kt/prod-certs/example.com/mail-ec/next/cert.pem" ||
	    return 1
	! ls -d "$_m"/db/.new-* >/dev/null 2>&1
}
kill_each "renew" -renew -f example.com:mail-ec

# For roll: the baseline gets a next first.
SSL_MGR_TOPDIR=$base sslm-mgr -renew -f example.com:mail-ec >/dev/null 2>&1
check_after() {
	_m=$1/example.com/mail-ec
	[ ! -e "$_m/next" ] || return 1
	[ "$(readlink "$_m/curr")" = "$(readlink "$base/certs/example.com/mail-ec/next")" ] ||
	    return 1
	[ "$(readlink "$_m/prev")" = "$(readlink "$base/certs/example.com/mail-ec/curr")" ] ||
	    return 1
	valid_set "$_m/curr" "$1/ca/my-root/curr/cert.pem" || return 1
	cmp -s "$_m/curr/cert.pem" "$w/kt/prod-certs/example.com/mail-ec/curr/cert.pem" ||
	    return 1
	[ ! -e "$w/kt/prod-certs/example.com/mail-ec/next" ]
}
kill_each "roll" -roll -f example.com:mail-ec
