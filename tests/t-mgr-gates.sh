#!/bin/sh
# The decisions of sslm-mgr after the renewal (the tests the mutations of
# tests/mutations need): the roll gate (age, no curr, incomplete next),
# the crash repair of next == curr, the DANE gate (2 x TTL, records
# missing, no dns_primary, the .tlsa-seen clock), reload planning (depends
# tokens, svc_depends pairs, a failed production copy, a failed reload,
# DNS last, -d) and clean (what is kept, leftovers, not after a failure).
# Each "nothing happened" has its "it happened" twin.  Oracles: readlink,
# ls, cmp, openssl x509 -startdate, the calls the restart commands log,
# dig-free NSD/Knot servers for the DANE part (tests/env/dns.sh).
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/dns.sh"

w=$SSLM_TMP
t=""	# set by ca_self_tree
TMPDIR=$w
export TMPDIR
trap dns_stop EXIT
me=$(hostname)
calls=$w/calls
# A DNS check that fails gives up after 1 s.
SSLM_DANE_WAIT=1
export SSLM_DANE_WAIT

# The restart commands log their arguments; $w/fail-WORD makes the one
# called with WORD first fail.
cat >"$w/rec" <<EOF
#!/bin/sh
echo "\$*" >>"$calls"
[ ! -e "$w/fail-\$1" ]
EOF
cat >"$w/dnsrec" <<EOF
#!/bin/sh
echo "dns \$*" >>"$calls"
[ ! -e "$w/fail-dns" ]
EOF
chmod 755 "$w/rec" "$w/dnsrec"

# classes SMTP IMAP WEB OTHER: the [dns] and server class sections, each
# argument the depends and svc_depends lines of that class.
classes() {
	cat <<EOF
[dns]
    tlsa_dirs = ['./dns/include-tlsa']
    restart_cmd = '$w/dnsrec'
    depends = ['dns']

[smtp]
    servers = ['$me']
    restart_cmd = '$w/rec smtp'
    $1

[imap]
    servers = ['$me']
    restart_cmd = '$w/rec imap'
    $2

[web]
    servers = ['$me']
    restart_cmd = '$w/rec web'
    skip_prod_copy = true
    $3

[other]
    servers = ['$me']
    restart_cmd = '$w/rec other'
    $4
EOF
}

# made: what the restart commands logged since the last call (then the
# log is emptied); lines LINE...: those lines, for comparing with it.
made() {
	cat "$calls"
	: >"$calls"
}
lines() {
	printf '%s\n' "$@"
}

# from_base NAME: a fresh copy of the bootstrapped store; sets t, c.
from_base() {
	t=$w/$1
	rm -rf "$t"
	cp -a "$w/base" "$t"
	SSL_MGR_TOPDIR=$t
	export SSL_MGR_TOPDIR
	c=$t/certs
	: >"$calls"
	rm -f "$w"/fail-*
}

# links DIR NAME TARGET [NAME TARGET ...]: each DIR/NAME points at its
# TARGET, and no TARGET is empty.
links() {
	_ld=$1
	shift
	while [ $# -ge 2 ]; do
		[ -n "$2" ] && [ "$(readlink "$_ld/$1")" = "$2" ] || return 1
		shift 2
	done
}

# ln_set DIR NAME TARGET: point a link as a killed run may have left it.
ln_set() {
	ln -sfn "$3" "$1/$2"
}

# at EPOCH CMD...: CMD with the clock stopped at EPOCH (libfaketime; the
# monotonic clock, which DNS timeouts use, keeps running).
at() {
	_e=$1
	shift
	TZ=UTC faketime --exclude-monotonic -f \
	    "$(TZ=UTC date -d "@$_e" '+%Y-%m-%d %H:%M:%S')" "$@"
}

# ---- the store all parts start from --------------------------------------------
ca_self_tree base noprobe
# No [[dns_primary]]: DANE rolls here are refused without asking DNS
# (the DNS part below has its own tree and servers).
edit "$t/conf.d/ssl-mgr.conf" \
    '^\[globals\]' "[globals]
    post_copy_cmd = [['$me', '$w/rec post']]" \
    '^\[\[dns_primary\]\].*?(?=^#)' '' \
    '^\[dns\].*' "$(classes \
    "svc_depends = [['example.com', ['mail-ec']]]" \
    "depends = ['cert']" \
    "svc_depends = [['any', ['web-ec']]]" \
    "depends = ['tlsa']")"
run sslm-conf
expect_rc 0 "config: four server classes and a DNS restart_cmd load"
if ! { sh "$SSLM_TOP/examples/ca-self/make-ca" root && sslm-mgr -renew &&
    sslm-mgr -roll; } >"$w/boot.out" 2>&1; then
	notok "bootstrap: CA, renew, roll" "$(tail -5 "$w/boot.out")"
	exit 1
fi
ok "bootstrap: CA, renew, roll"

# ---- reloads ----------------------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	skip "reloads: sslm-mgr reloads servers only as root"
else
from_base reload
run sslm-mgr -renew -f example.com:web-ec
expect_rc 0 "renew web-ec: exit 0"
chk "web-ec changed: post copy, imap (depends cert), web (any web-ec); no smtp, other or DNS" \
    test "$(made)" = "$(lines "post $me" imap web)"
run sslm-mgr -roll example.com:web-ec
expect_rc 0 "roll web-ec: exit 0"
chk "web-ec rolled: the same classes reload (a roll is a change, not a resync)" \
    test "$(made)" = "$(lines "post $me" imap web)"

run sslm-mgr -renew -f example.com:mail-ec
expect_rc 0 "renew mail-ec: exit 0"
chk "mail-ec changed: post copy, smtp (example.com mail-ec), imap, other (depends tlsa), DNS last" \
    test "$(made)" = "$(lines "post $me" smtp imap other "dns --serial_bump example.com")"
chk "renew mail-ec: tlsa_dirs has the new apex file" \
    cmp "$c/example.com/tlsa.example.com" "$t/dns/include-tlsa/tlsa.example.com"

run sslm-mgr -s
chk "no change: no post copy, no reload, no DNS" test -z "$(made)"

cp "$t/dns/include-tlsa/tlsa.example.com" "$w/tlsa.before"
run sslm-mgr -d -renew -f example.com:mail-ec
expect_rc 0 "-d renew mail-ec: exit 0"
chk "-d: no post copy, no reload, no DNS restart run" test -z "$(made)"
chk "-d: the apex file of the store changed" \
    sh -c "! cmp -s '$w/tlsa.before' '$c/example.com/tlsa.example.com'"
chk "-d: the tlsa_dirs copy did not" \
    cmp "$w/tlsa.before" "$t/dns/include-tlsa/tlsa.example.com"
chk "-d: says what it would have run" \
    grep -q "would run $w/dnsrec --serial_bump example.com" "$T_OUT"

# A failed reload: DNS is held back, the run fails, nothing is cleaned.
m=$c/example.com/mail-ec
cp -a "$m/curr/" "$m/db/20200101-00:00:00"
mkdir "$m/db/.new-20200101-00:00:00"
touch -d 2020-01-01 "$m/db/20200101-00:00:00"
touch "$w/fail-smtp"
run sslm-mgr -clean-keep 1 -renew -f example.com:mail-ec
expect_rc 3 "smtp reload fails: exit 3"
expect_err_match 'failed:.* reloads' "smtp reload fails: the summary says reloads"
chk "smtp reload fails: the other classes reload, DNS does not restart" \
    test "$(made)" = "$(lines "post $me" smtp imap other)"
chk "a failed run cleans nothing: the old unused set stays" \
    test -d "$m/db/20200101-00:00:00"
chk "a failed run cleans nothing: the .new- leftover stays" \
    test -d "$m/db/.new-20200101-00:00:00"
rm "$w/fail-smtp"

touch "$w/fail-dns"
run sslm-mgr -renew -f example.com:mail-ec
expect_rc 3 "DNS restart fails: exit 3"
expect_err_match 'failed:.* reloads' "DNS restart fails: the summary says reloads"
chk "DNS restart fails: it ran, after the servers" \
    test "$(made)" = "$(lines "post $me" smtp imap other "dns --serial_bump example.com")"
rm "$w/fail-dns"

run sslm-mgr -dns -s example.com
chk "-dns without a change: DNS restart for the selected group only" \
    test "$(made)" = "$(lines "dns --serial_bump example.com")"
run sslm-mgr -dns -renew -f example.com:mail-ec
chk "-dns with changed TLSA records: the domain is passed once" \
    test "$(made)" = "$(lines "post $me" smtp imap other "dns --serial_bump example.com")"

# Production behind the store: copied again, and every server reloads.
rm -r "$t/prod-certs/example.com/web-ec"
run sslm-mgr
expect_rc 0 "production resync: exit 0"
chk "production resync: the lost copy is back" \
    cmp "$c/example.com/web-ec/curr/cert.pem" "$t/prod-certs/example.com/web-ec/curr/cert.pem"
chk "production resync: post copy, every class reloads, DNS" \
    test "$(made)" = "$(lines "post $me" smtp imap web other "dns --serial_bump")"

# A production copy that fails: the servers keep what they have.
rm -r "$t/prod-certs/example.com/web-ec"
echo "not a directory" >"$t/prod-certs/example.com/web-ec"
run sslm-mgr -renew -f example.com:web-ec
expect_rc 3 "production copy fails: exit 3"
expect_err_match 'failed:.*production-copy' "production copy fails: the summary says so"
if grep -qxE 'smtp|imap|web|other|dns.*' "$calls"; then
	notok "production copy fails: no server reloads, no DNS" "$(cat "$calls")"
else
	ok "production copy fails: no server reloads, no DNS"
fi
: >"$calls"
run sslm-mgr dev -fsr -s
chk "dev -fsr after a failed production copy: every class and DNS" \
    test "$(made)" = "$(lines smtp imap web other "dns --serial_bump")"

# svc_depends: 'all' and '*' match every group; a service or a domain
# pair matches the whole name only.
from_base pairs
edit "$t/conf.d/ssl-mgr.conf" '^\[dns\].*' "$(classes \
    "svc_depends = [['example.com', ['mail']]]" \
    "svc_depends = [['all', ['web-ec']]]" \
    "svc_depends = [['any', ['web']]]" \
    "svc_depends = [['*', ['web-ec']]]")"
run sslm-mgr -renew -f example.com:web-ec example.com:mail-ec
expect_rc 0 "pairs: renew web-ec and mail-ec: exit 0"
chk "pairs: all/web-ec and */web-ec fire; example.com/mail and any/web do not" \
    test "$(made)" = "$(lines "post $me" imap other "dns --serial_bump example.com")"
fi

# ---- clean ------------------------------------------------------------------------
from_base clean
S=$c/example.com/web-ec
A=$(readlink "$S/curr")
for d in 20200101-00:00:01 20200101-00:00:02 20210101-00:00:00 \
    20220101-00:00:00 20230101-00:00:00 keep-me; do
	cp -a "$S/$A/" "$S/db/$d"
done
mkdir "$S/db/.new-20240101-00:00:00"
ln_set "$S" prev db/20200101-00:00:01
ln_set "$S" next db/20200101-00:00:02
for d in "$A" db/20200101-00:00:01 db/20200101-00:00:02 db/keep-me; do
	touch -d 2020-01-01 "$S/$d"
done
for y in 2021 2022 2023; do
	touch -d "$y-01-01" "$S/db/${y}0101-00:00:00"
done
# a store group with no conf.d directory
o=$c/old.example/svc
mkdir -p "$o/db"
cp -a "$S/$A/" "$o/db/20200101-00:00:00"
cp -a "$S/$A/" "$o/db/20210101-00:00:00"
ls -a "$S/db" >"$w/db.before"

run sslm-mgr -clean-keep 1 ca:my-root
expect_rc 0 "clean ca:my-root: exit 0"
ls -a "$S/db" >"$w/db.after"
chk "clean of another service: web-ec keeps every set and the leftover" \
    cmp "$w/db.before" "$w/db.after"

run sslm-mgr -clean-all -clean-keep 0 ca:my-root
expect_rc 0 "clean -clean-all -clean-keep 0: exit 0"
for d in "$A" db/20200101-00:00:01 db/20200101-00:00:02; do
	chk "clean: $d (curr, prev or next) kept although older" test -d "$S/$d"
done
for l in curr next prev; do
	chk "clean: $l still resolves" test -d "$S/$l/"
done
chk "clean: keep 0 counts as 1: the newest unused set stays" \
    test -d "$S/db/20230101-00:00:00"
chk "clean: the older unused sets go" \
    test ! -e "$S/db/20220101-00:00:00" -a ! -e "$S/db/20210101-00:00:00"
chk "clean: the .new- leftover goes" test ! -e "$S/db/.new-20240101-00:00:00"
chk "clean: a directory not named like a set stays" test -d "$S/db/keep-me"
chk "clean -clean-all: a group without conf.d is left alone" \
    test -d "$o/db/20200101-00:00:00" -a -d "$o/db/20210101-00:00:00"

# ---- roll gate ----------------------------------------------------------------------
from_base roll
S=$c/example.com/web-ec
run sslm-mgr -renew -f example.com:web-ec
n1=$(readlink "$S/next")
rm "$S/curr"
run sslm-mgr -roll -roll-mins 60 example.com:web-ec
expect_rc 0 "no curr: exit 0"
chk "no curr: a young next rolls at once" links "$S" curr "$n1"
chk "no curr: no prev made" test ! -L "$S/prev"

run sslm-mgr -renew -f example.com:web-ec
n2=$(readlink "$S/next")
nb=$(openssl x509 -in "$S/next/cert.pem" -noout -startdate | cut -d= -f2)
nb=$(date -u -d "$nb" +%s)
run at $((nb + 3599)) sslm-mgr -roll -roll-mins 60 example.com:web-ec
expect_rc 0 "next 59:59 old, -roll-mins 60: exit 0"
chk "next 59:59 old, -roll-mins 60: curr unchanged" \
    links "$S" curr "$n1" next "$n2"
run at $((nb + 3600)) sslm-mgr -roll -roll-mins 60 example.com:web-ec
expect_rc 0 "next 60:00 old, -roll-mins 60: exit 0"
chk "next 60:00 old, -roll-mins 60: next became curr" \
    links "$S" curr "$n2"
chk "next 60:00 old: the old curr became prev" \
    links "$S" prev "$n1"
chk "next 60:00 old: no next left" test ! -e "$S/next"

run sslm-mgr -renew -f example.com:web-ec
n3=$(readlink "$S/next")
cp "$S/next/chain.pem" "$w/chain.pem"
: >"$S/next/chain.pem"
run sslm-mgr -roll example.com:web-ec
expect_rc 3 "next with an empty chain.pem: exit 3"
expect_err_match 'web-ec: next is incomplete: chain.pem' \
    "next with an empty chain.pem: says which file"
chk "next with an empty chain.pem: curr unchanged" links "$S" curr "$n2"
cp "$w/chain.pem" "$S/next/chain.pem"
mv "$S/next/bundle.pem" "$w/bundle.pem"
run sslm-mgr -roll example.com:web-ec
expect_rc 3 "next without bundle.pem: exit 3"
chk "next without bundle.pem: curr unchanged" links "$S" curr "$n2"
mv "$w/bundle.pem" "$S/next/bundle.pem"
# A next whose cert.pem cannot be read has no age: it does not roll (it
# did once, aged from midnight by date -d "").
cp "$S/next/cert.pem" "$w/cert.pem"
printf 'not a certificate\n' >"$S/next/cert.pem"
run sslm-mgr -roll example.com:web-ec
expect_rc 3 "next with an unreadable cert.pem: exit 3"
expect_err_match 'web-ec: next/cert.pem: cannot read its notBefore' \
    "next with an unreadable cert.pem: says so"
chk "next with an unreadable cert.pem: curr and next unchanged" \
    links "$S" curr "$n2" next "$n3"
cp "$w/cert.pem" "$S/next/cert.pem"

run sslm-mgr dev -keys -csr example.com:web-ec
n4=$(readlink "$S/next")
chk "dev -keys -csr: a next without a certificate" \
    test "$n4" != "$n3" -a -s "$S/next/csr.pem" -a ! -e "$S/next/cert.pem"
run sslm-mgr -roll example.com:web-ec
expect_rc 0 "next without a certificate: exit 0 (nothing to roll)"
chk "next without a certificate: curr and next unchanged" \
    links "$S" curr "$n2" next "$n4"

# A roll killed between the curr and the next link leaves next == curr:
# any run drops that next, and only that one.
M=$c/example.com/mail-ec
mc=$(readlink "$M/curr")
ln_set "$M" next "$mc"
run sslm-mgr
expect_rc 0 "next == curr: a run with no job: exit 0"
chk "next == curr: the next link is gone" test ! -L "$M/next"
chk "next == curr: curr unchanged" links "$M" curr "$mc"
chk "a next other than curr is kept" links "$S" next "$n4"

run sslm-mgr -renew -f example.com:web-ec
n5=$(readlink "$S/next")
run sslm-mgr -roll -f -roll-mins 60 example.com:web-ec
expect_rc 0 "-roll -f: exit 0"
chk "-roll -f: a young next rolls" links "$S" curr "$n5"

# The DANE gate looks only at a service with dane_tls and a next with
# TLSA records (there is no dns_primary here: a check would refuse).
run sslm-mgr -renew -f example.com:web-ec example.com:mail-ec
n6=$(readlink "$S/next")
m1=$(readlink "$M/next")
cp "$M/curr/tlsa.rr" "$S/next/tlsa.rr"
rm "$M/next/tlsa.rr"
run sslm-mgr -roll example.com:web-ec example.com:mail-ec
expect_rc 0 "roll without a DANE check: exit 0"
chk "no dane_tls, next has tlsa.rr: rolled without a DNS check" \
    links "$S" curr "$n6"
chk "dane_tls, next has no tlsa.rr: rolled without a DNS check" \
    links "$M" curr "$m1"

# ---- DANE gate with NSD and Knot ------------------------------------------------------
zone=example.test
if ! dns_start "$w/dns" 2>"$w/env.err"; then
	notok "DANE: NSD primary and Knot secondary for $zone" "$(cat "$w/env.err")"
	exit 1
fi
ok "DANE: NSD primary and Knot secondary for $zone (port $DNS_PORT)"
SSLM_NSCHECK_OPTS="-p $DNS_PORT"
export SSLM_NSCHECK_OPTS
ca_self_tree dane noprobe
cp -a "$w/base/certs" "$t/"
rm -r "$t/conf.d/example.com" "$t/certs/example.com"
mkdir "$t/conf.d/$zone"
# mail-ec of the example, as mail of the test zone (dane_tls_ttl 300).
sed -e "s/example\.com/$zone/g" -e "s/'mail-ec'/'mail'/" \
    "$SSLM_TOP/examples/ca-self/conf.d/example.com/mail-ec" >"$t/conf.d/$zone/mail"
sed -i -e "s/domain = 'example.com'/domain = '$zone'/" \
    -e "s/\['web-ec', 'mail-ec'\]/['mail']/" \
    -e "s/server = '127.0.0.1'/server = '$DNS_PRIMARY'/" \
    -e "s/port = 53\$/port = $DNS_PORT/" "$t/conf.d/ssl-mgr.conf"
cp "$t/conf.d/ssl-mgr.conf" "$w/dane.conf"
c=$t/certs
M=$c/$zone/mail
seen=$M/.tlsa-seen
# publish: the apex file's records on both servers.
publish() {
	dns_set_records "$c/$zone/tlsa.$zone" && dns_reload && dns_sync
}
run sslm-mgr -renew
expect_rc 0 "DANE: first renew: exit 0"
run sslm-mgr -roll
d0=$(readlink "$M/curr")
chk "DANE: the first roll needs no DNS check (no curr)" test -n "$d0"
publish
run sslm-mgr -renew -f "$zone:mail"
d1=$(readlink "$M/next")
chk "DANE: records of next not served: no first-seen time" test ! -e "$seen"
publish
run sslm-mgr -d "$zone:mail"
chk "DANE: -d starts no 2 x TTL clock" test ! -e "$seen"
t0=$(date +%s)
run sslm-mgr "$zone:mail"
t1=$(date +%s)
set="" ts=0
[ ! -s "$seen" ] || read -r set ts <"$seen"
chk "DANE: a run that does not roll starts the clock for next ($set $ts)" \
    test "$set" = "$d1" -a "$ts" -ge "$t0" -a "$ts" -le "$t1"
run sslm-mgr -roll "$zone:mail"
chk "DANE: seen just now: roll refused" links "$M" curr "$d0"
chk "DANE: the first-seen time is kept" test "$(cat "$seen")" = "$d1 $ts"
run at $((ts + 599)) sslm-mgr -roll "$zone:mail"
expect_rc 0 "DANE: seen 599 s ago: exit 0"
chk "DANE: seen 599 s ago (TTL 300): roll refused" \
    links "$M" curr "$d0" next "$d1"
run at $((ts + 600)) sslm-mgr -roll "$zone:mail"
expect_rc 0 "DANE: seen 600 s ago: exit 0"
chk "DANE: seen 600 s ago: rolled" \
    links "$M" curr "$d1" prev "$d0"

run sslm-mgr -renew -f "$zone:mail"
d2=$(readlink "$M/next")
echo "$d2 1000000000" >"$seen"
run sslm-mgr "$zone:mail"
chk "DANE: a run that does not roll does not check a next seen before" \
    test "$(cat "$seen")" = "$d2 1000000000"
run sslm-mgr -roll "$zone:mail"
chk "DANE: next's records not served: roll refused" \
    links "$M" curr "$d1"
chk "DANE: next's records not served: the first-seen time is dropped" \
    test ! -e "$seen"
publish
run sslm-mgr -roll "$zone:mail"
chk "DANE: served again: the 2 x TTL clock starts again, roll refused" \
    links "$M" curr "$d1"
edit "$t/conf.d/ssl-mgr.conf" "^\\[\\[dns_primary\\]\\].*?(?=^#)" ""
echo "$d2 1000000000" >"$seen"
run sslm-mgr -roll "$zone:mail"
expect_rc 0 "DANE: no [[dns_primary]]: exit 0"
chk "DANE: no [[dns_primary]]: roll refused" links "$M" curr "$d1"
chk "DANE: no [[dns_primary]]: says so" \
    grep -q "roll refused: no \[\[dns_primary\]\] for $zone" "$T_OUT"
chk "DANE: no [[dns_primary]]: no other complaint" test ! -s "$T_ERR"
chk "DANE: no [[dns_primary]]: the first-seen time is kept" \
    test "$(cat "$seen")" = "$d2 1000000000"
cp "$w/dane.conf" "$t/conf.d/ssl-mgr.conf"
run sslm-mgr -roll "$zone:mail"
chk "DANE: the same next with the dns_primary back: rolled" \
    links "$M" curr "$d2"
