#!/bin/sh
# Variables come from the sourced tests/lib.sh and tests/env files, which
# the linter cannot follow under "$SSLM_TOP" (and mgr_w, mgr_zone go to
# them); the awk programs given to check are single-quoted on purpose.
# shellcheck disable=SC2154,SC2016,SC2034
# sslm-acme-order and sslm-mgr against a hostile ACME server
# (tests/hostile_acme.py on loopback, a self-signed certificate made by
# openssl here): by default it answers the whole flow correctly, and per
# case it lies at one step (identifiers that are zone lines, outside the
# apex, 2,000 characters or *.*; extra, repeated or null authorizations;
# tokens with /..; URLs of another origin; Retry-After: 0; no Location;
# an empty certificate; huge headers, nonces and bodies; a server slower
# than the deadline).  Each case: exit 3, one line naming the server, a
# bounded time and number of requests (the server's own log counts them),
# and nothing written: no order on stdout, the account files, the zone
# directory (acme_dir), the store and production as they were.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/pebble.sh"
. "$SSLM_TOP/tests/env/mgr-acme.sh"

w=$SSLM_TMP
TMPDIR=$w
export TMPDIR
for p in openssl python3 jq; do
	if ! command -v "$p" >/dev/null 2>&1; then
		skip "hostile acme: $p is not installed"
		exit 0
	fi
done
trap 'hostile_stop "$w/srv"' EXIT INT TERM

# ---- the server ----------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$w/srv.key" -out "$w/srv.pem" -days 2 \
    -subj "/CN=sslm hostile acme" -addext subjectAltName=IP:127.0.0.1 \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,digitalSignature 2>/dev/null
if hostile_start "$w/srv" hostile_acme.py "$w/srv.pem" "$w/srv.key"; then
	ok "hostile server listens on loopback"
else
	notok "hostile server listens on loopback" "$(cat "$w/srv/err")"
	exit 1
fi
P=$(cat "$w/srv/port")
H=https://127.0.0.1:$P
CA=$w/srv.pem

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$w/r.key" -subj /CN=a.hostile.test \
    -addext "subjectAltName=DNS:a.hostile.test,DNS:*.hostile.test" \
    -out "$w/r.csr" 2>/dev/null

# reqs CASE: the requests the server saw for CASE so far.
reqs() {
	grep -c "^$1 " "$w/srv/log"
}
# timed CMD...: run CMD; elapsed seconds in T_SECS.
timed() {
	_t0=$(date +%s)
	run "$@"
	T_SECS=$(($(date +%s) - _t0))
}
# within WHAT MAX: the last timed run took at most MAX seconds.
within() {
	if [ "$T_SECS" -le "$2" ]; then ok "$1"; else
		notok "$1" "$T_SECS s, at most $2 s expected"; fi
}
# at_most WHAT N MAX: N <= MAX.
at_most() {
	if [ "$2" -le "$3" ]; then ok "$1"; else notok "$1" "$2 > $3"; fi
}

# ---- the correct flow (the twin of every case below) ---------------------------
D=$H/good/dir
run sslm-acme-account -A "$w/acct" -D "$D" --ca-file "$CA" create --agree-tos
expect_rc 0 "good: account created"
run sslm-acme-order -A "$w/acct" -D "$D" --ca-file "$CA" order -c dns-01 \
    "$w/r.csr"
expect_rc 0 "good: dns-01 order for a name and a wildcard"
cp "$T_OUT" "$w/good.json"
expect_jq '[.challenges[] | .txt_name] | sort == ["_acme-challenge.a.hostile.test",
    "_acme-challenge.hostile.test"]' "good: the TXT names of the request's names"
expect_jq '[.challenges[] | select(.wildcard) | .identifier.value] ==
    ["hostile.test"]' "good: the wildcard authorization is marked"
run sslm-acme-order -A "$w/acct" -D "$D" --ca-file "$CA" finish \
    --csr "$w/r.csr" "$w/good.json"
expect_rc 0 "good: finish"
cp "$T_OUT" "$w/good.pem"
check "good: the first poll (of the order) a second after the answers" \
    awk '$1 == "good" && $3 ~ /^\/chal\// { c = $4 }
    $1 == "good" && $3 ~ /^\/(authz|order)\// && c && !a { a = $4 }
    END { exit !(c && a - c >= 0.9) }' "$w/srv/log"
check "good: one poll of the order for both names, no authorization polled" \
    awk '$1 == "good" && $3 ~ /^\/chal\// { c = 1 }
    c && $3 ~ /^\/authz\// { a++ } c && $3 == "/order/1" { o++ }
    END { exit !(c && a == 0 && o >= 1) }' "$w/srv/log"
check "good: openssl verifies the chain against the server's root" \
    openssl verify -CAfile "$CA" -untrusted "$w/good.pem" "$w/good.pem"
run sslm-acme-order -A "$w/acct" -D "$D" --ca-file "$CA" order "$w/r.csr"
expect_rc 0 "good: http-01 order"
expect_jq '[.challenges[] | .http_path] | length == 2' \
    "good: two http-01 paths"

# acct CASE: an account directory for CASE's directory (the same key).
acct() {
	rm -rf "$w/a-$1"
	mkdir "$w/a-$1"
	cp "$w/acct/account.key" "$w/a-$1/"
	printf '{"directory": "%s", "url": "%s", "status": "valid"}\n' \
	    "$H/$1/dir" "$H/$1/acct/1" >"$w/a-$1/account.json"
	cp -R "$w/a-$1" "$w/a-$1.before"
}
# hostile PHASE CASE REGEX MAXREQ MAXSECS [ARGS]: the phase (order or
# finish) of CASE fails cleanly: exit 3, one line on stderr that names the
# server and matches REGEX, nothing on stdout, the account untouched, at
# most MAXREQ requests and MAXSECS seconds.
hostile() {
	_ph=$1 _c=$2 _re=$3 _mr=$4 _ms=$5
	shift 5
	_n0=$(reqs "$_c")
	if [ "$_ph" = order ]; then
		timed sslm-acme-order -A "$w/a-$_c" -D "$H/$_c/dir" \
		    --ca-file "$CA" order "$@" "$w/r.csr"
	else
		timed sslm-acme-order -A "$w/a-$_c" -D "$H/$_c/dir" \
		    --ca-file "$CA" finish --csr "$w/r.csr" "$@"
	fi
	expect_rc 3 "$_c: $_ph exits 3"
	expect_err_lines 1 "$_c: one line"
	expect_err_match "^sslm-acme-order: https://127\\.0\\.0\\.1:$P/" \
	    "$_c: names the server"
	expect_err_match "$_re" "$_c: says why"
	check "$_c: nothing on stdout" test ! -s "$T_OUT"
	check "$_c: the account files as they were" \
	    diff -r "$w/a-$_c.before" "$w/a-$_c"
	at_most "$_c: at most $_mr requests" $(($(reqs "$_c") - _n0)) "$_mr"
	within "$_c: within $_ms s" "$_ms"
}

# ---- a batch: each order alone, the bound on the requests in flight -----------
# Six orders of one directory in one batch-order, and a seventh whose
# account directory is missing; the server ("hold") answers each newOrder
# after 0.5 s and counts its requests in flight (the oracle of the bound).
acct hold
: >"$w/hold.tsv"
for i in 1 2 3 4 5 6; do
	printf '%s\t%s\t%s\tdns-01\t-\t-\t%s\t%s\t%s\n' "$H/hold/dir" "$CA" \
	    "$w/a-hold" "$w/r.csr" "$w/hold-$i.json" "$w/hold-$i.err" \
	    >>"$w/hold.tsv"
done
cp "$w/hold.tsv" "$w/hold1.tsv"
printf '%s\t%s\t%s\tdns-01\t-\t-\t%s\t%s\t%s\n' "$H/hold/dir" "$CA" \
    "$w/a-none" "$w/r.csr" "$w/hold-7.json" "$w/hold-7.err" >>"$w/hold1.tsv"
# hold_batch N LIST: batch-order -j N over LIST; the server's log lines
# of it in $w/hold.log.
hold_batch() {
	_n0=$(wc -l <"$w/srv/log")
	timed sslm-acme-order -j "$1" batch-order "$2"
	tail -n +"$((_n0 + 1))" "$w/srv/log" | grep '^hold ' >"$w/hold.log"
}
# hold_peak: the most requests in flight at once, as the server saw them.
hold_peak() {
	awk '$5 > m { m = $5 } END { print m + 0 }' "$w/hold.log"
}
# hold_orders: how many of the six orders are there, each naming both
# names of the request (jq).
hold_orders() {
	_k=0
	for i in 1 2 3 4 5 6; do
		jq -e '.identifiers | length == 2' "$w/hold-$i.json" \
		    >/dev/null 2>&1 && _k=$((_k + 1))
	done
	echo "$_k"
}
hold_batch 1 "$w/hold1.tsv"
expect_rc 3 "batch, -j 1, one order without an account: exit 3"
expect_err_match "hold1\.tsv: 1 of 7 orders failed" \
    "batch, -j 1: the summary counts the one failure"
check "batch, -j 1: the six others are placed" test "$(hold_orders)" -eq 6
check "batch, -j 1: the seventh has no order" test ! -e "$w/hold-7.json" \
    -a ! -e "$w/hold-7.json.tmp"
check "batch, -j 1: the seventh says why in its own file" \
    grep -q "a-none/account.key" "$w/hold-7.err"
check "batch, -j 1: the others' files say nothing" \
    test ! -s "$w/hold-1.err" -a ! -s "$w/hold-6.err"
check "batch, -j 1: one request in flight at a time (the server's count: $(hold_peak))" \
    test "$(hold_peak)" -eq 1
check "batch, -j 1: the six newOrders one after another (3 s at least)" \
    test "$T_SECS" -ge 3
check "batch: one directory fetch for the batch" \
    test "$(grep -c '^hold GET /dir ' "$w/hold.log")" -eq 1
rm -f "$w"/hold-?.json
hold_batch 3 "$w/hold.tsv"
expect_rc 0 "batch, -j 3: exit 0"
check "batch, -j 3: the six orders are placed" test "$(hold_orders)" -eq 6
p3=$(hold_peak)
check "batch, -j 3: at most 3 requests in flight, and more than one ($p3)" \
    test "$p3" -ge 2 -a "$p3" -le 3
check "batch, -j 3: the newOrders overlap (under 3 s: $T_SECS s)" \
    test "$T_SECS" -lt 3
check "batch, -j 3: one directory fetch for the batch" \
    test "$(grep -c '^hold GET /dir ' "$w/hold.log")" -eq 1
# Twenty orders, more than the 16 in progress at once: each one that
# starts later takes a nonce an earlier one left (the server counts the
# newNonce requests: at most 16 for 20 orders).
: >"$w/many.tsv"
i=1
while [ "$i" -le 20 ]; do
	printf '%s\t%s\t%s\tdns-01\t-\t-\t%s\t%s\t%s\n' "$D" "$CA" "$w/acct" \
	    "$w/r.csr" "$w/many-$i.json" "$w/many-$i.err" >>"$w/many.tsv"
	i=$((i + 1))
done
_n0=$(wc -l <"$w/srv/log")
run sslm-acme-order -j 4 batch-order "$w/many.tsv"
expect_rc 0 "batch of 20: exit 0"
check "batch of 20: twenty orders" \
    test "$(find "$w" -maxdepth 1 -name 'many-*.json' | wc -l)" -eq 20
nn=$(tail -n +"$((_n0 + 1))" "$w/srv/log" | grep -c '^good HEAD /nonce ')
check "batch of 20: the later orders reuse nonces ($nn newNonce for 20)" \
    test "$nn" -le 16
# A directory that cannot be had within the deadline: the first order
# of it fails with the reason, the others with the same, without asking.
mkdir "$w/a-slowb"
cp "$w/acct/account.key" "$w/a-slowb/"
printf '{"directory": "%s", "url": "%s", "status": "valid"}\n' \
    "$H/slow/dir" "$H/slow/acct/1" >"$w/a-slowb/account.json"
: >"$w/slow.tsv"
for i in 1 2 3; do
	printf '%s\t%s\t%s\tdns-01\t-\t-\t%s\t%s\t%s\n' "$H/slow/dir" "$CA" \
	    "$w/a-slowb" "$w/r.csr" "$w/slow-$i.json" "$w/slow-$i.err" \
	    >>"$w/slow.tsv"
done
_n0=$(wc -l <"$w/srv/log")
timed sslm-acme-order -w 2 batch-order "$w/slow.tsv"
expect_rc 3 "batch, slow directory: exit 3"
for i in 1 2 3; do
	check "batch, slow directory: order $i says why" grep -q \
	    "slow/dir: no complete answer before the deadline of 2 seconds\$" \
	    "$w/slow-$i.err"
done
check "batch, slow directory: asked once" test "$(tail -n +"$((_n0 + 1))" \
    "$w/srv/log" | grep -c '^slow GET /dir ')" -eq 1
within "batch, slow directory: within 5 s" 5
run sslm-acme-order -j 3 batch-order "$w/srv/log"
expect_rc 3 "batch: a list that is not one exits 3"
expect_err_match "log:1: not 9 tab-separated columns" "batch: names the bad row"
run sslm-acme-order -j 0 batch-order "$w/hold.tsv"
expect_rc 2 "batch: -j 0 is a usage error"
run sslm-acme-order -D "$H/hold/dir" batch-order "$w/hold.tsv"
expect_rc 2 "batch: -D is the rows' business (usage)"

# ---- what the server names: identifiers, authorizations, tokens, URLs -----------
for c in zoneline outside long wild2 wildfake wildnoflag orderids orderdup \
    manyauthz dupauthz \
    nullauthz mixauthz token longtoken foreignauthz foreignloc foreignchal \
    noloc; do
	acct "$c"
done
hostile order zoneline \
    'authz/0: an authorization for dns hostile.test. 60 IN A 6.6.6.6 ; x, which the request does not name$' \
    3 2 -c dns-01
hostile order outside \
    'an authorization for dns victim.example.org, which the request does not name$' \
    3 2 -c dns-01
hostile order long 'an authorization for dns a{60}\.a+, which the request does not name$' \
    3 2 -c dns-01
hostile order wild2 \
    'authz/1: an authorization for wildcard dns \*\.hostile\.test, which the request does not name$' \
    4 2 -c dns-01
hostile order wildfake \
    'authz/0: an authorization for wildcard dns a\.hostile\.test, which the request does not name$' \
    3 2 -c dns-01
hostile order wildnoflag \
    'authz/1: an authorization for dns \*\.hostile\.test, which the request does not name$' \
    4 2 -c dns-01
hostile order orderids 'order/1: the order names 3 identifiers, 2 were asked for$' 2 2
hostile order orderdup 'order/1: the order names dns A\.HOSTILE\.TEST twice$' 2 2
hostile order manyauthz 'order/1: 100 authorizations for 2 identifiers$' 2 2
check "manyauthz: no authorization was fetched" \
    test "$(grep -c '^manyauthz POST /authz/' "$w/srv/log")" -eq 0
hostile order dupauthz 'authz/0: a second authorization for dns a\.hostile\.test$' 4 2
hostile order nullauthz 'order/1: authorizations\[0\] is not a URL$' 2 2
hostile order mixauthz 'order/1: 3 authorizations for 2 identifiers$' 2 2
hostile order token 'authz/0: malformed challenge token \(RFC 8555 8\.1: base64url, 22 to 256 characters\)$' 3 2
hostile order longtoken 'authz/0: malformed challenge token' 3 2 -c dns-01
hostile order foreignauthz 'order/1: authorizations\[0\]: https://127\.0\.0\.2:'"$P"'/foreignauthz/authz/0: not an https URL of 127\.0\.0\.1:'"$P"'$' 2 2
hostile order foreignloc 'new-order: Location: https://evil\.example/order/1: not an https URL of 127\.0\.0\.1:'"$P"'$' 2 2
hostile order foreignchal 'url: https://evil\.example/chal/0/dns-01: not an https URL of 127\.0\.0\.1:'"$P"'$' 3 2 -c dns-01
hostile order noloc 'new-order: HTTP 201 without the Location of the order$' 2 2

# ---- finish: polling, the certificate ------------------------------------------
# order ORDERCASE: a (correct) order of the case, for its finish.
order() {
	acct "$1"
	sslm-acme-order -A "$w/a-$1" -D "$H/$1/dir" --ca-file "$CA" order \
	    -c dns-01 "$w/r.csr" >"$w/o-$1.json" 2>"$w/o-$1.err" ||
	    notok "$1: the order" "$(cat "$w/o-$1.err")"
}
# Retry-After: 0 on an order that stays processing: one poll a second at
# most (the floor), and no more than SSLM_ACME_POLLS (10) of them.
order ra0
hostile finish ra0 'order/1: still processing after 10 polls$' 20 16 \
    -w 30 "$w/o-ra0.json"
n=$(grep -c '^ra0 POST /order/1 ' "$w/srv/log")
check "ra0: exactly 10 polls of the order" test "$n" -eq 10
awk '$1 == "ra0" && $3 == "/order/1" { if (p) print $4 - p; p = $4 }' \
    "$w/srv/log" >"$w/ra0.gaps"
check "ra0: at least 0.9 s between two polls (Retry-After: 0 is 1 s)" \
    awk 'BEGIN { m = 99 } { if ($1 < m) m = $1 } END { exit !(NR == 9 && m >= 0.9) }' \
    "$w/ra0.gaps"
# its twin: a Retry-After HTTP-date 3 s ahead is waited for, then issued
# issued CASE WHAT: finish the order of CASE: exit 0 and a chain openssl
# verifies.
issued() {
	run sslm-acme-order -A "$w/a-$1" -D "$H/$1/dir" --ca-file "$CA" \
	    finish --csr "$w/r.csr" "$w/o-$1.json"
	expect_rc 0 "$1: $2"
	check "$1: openssl verifies the chain" \
	    openssl verify -CAfile "$CA" -untrusted "$T_OUT" "$T_OUT"
}
order radate
issued radate "issued after the wait"
awk '$1 == "radate" && $3 == "/finalize/1" { f = 1 }
    $1 == "radate" && f && $3 ~ /^\/(finalize|order)\/1$/ { print $4 }' \
    "$w/srv/log" >"$w/radate.t"
check "radate: the poll came at least 2 s after finalize (HTTP-date honoured)" \
    awk 'NR == 1 { f = $1 } NR == 2 { d = $1 - f } END { exit !(NR == 2 && d >= 2) }' \
    "$w/radate.t"
# An order still pending when its challenges are answered is polled
# again (Retry-After: 1), not finalized: the server refuses a finalize
# before "ready" (403 orderNotReady), so finishing proves the wait ...
order pendonce
issued pendonce "issued after a second poll"
check "pendonce: two polls of the order, then one finalize" \
    awk '$1 == "pendonce" && $3 == "/order/1" && !f { o++ }
    $1 == "pendonce" && $3 == "/finalize/1" { f++ }
    END { exit !(o == 2 && f == 1) }' "$w/srv/log"
# ... and one that stays pending ends at the ceiling of polls, saying so
order pendforever
hostile finish pendforever 'order/1: still waiting for its authorizations after 10 polls$' \
    16 16 -w 30 "$w/o-pendforever.json"
check "pendforever: exactly 10 polls of the order, no finalize" \
    awk '$1 == "pendforever" && $3 == "/order/1" { o++ }
    $1 == "pendforever" && $3 == "/finalize/1" { f++ }
    END { exit !(o == 10 && f == 0) }' "$w/srv/log"
order foreigncert
hostile finish foreigncert 'certificate: https://evil\.example/cert/1: not an https URL of 127\.0\.0\.1:'"$P"'$' \
    8 4 "$w/o-foreigncert.json"
order emptycert
hostile finish emptycert 'cert/1: HTTP 200 with an empty certificate answer$' \
    8 4 "$w/o-emptycert.json"

# ---- transport: headers, nonces, bodies, a slow server ---------------------------
for c in bighdr bigline bignonce endless slow; do acct "$c"; done
hostile order bighdr 'bighdr/dir: header too large \(over 65536 bytes\)$' 1 3
hostile order bigline 'bigline/dir: header too large \(over 102400 bytes\)$' 1 3
hostile order bignonce 'bignonce/dir: header too large \(over 102400 bytes\)$' 1 3
hostile order endless 'endless/dir: answer larger than 1048576 bytes$' 1 3
hostile order slow 'slow/dir: no complete answer before the deadline of 3 seconds$' 1 5 -w 3

# The other tools say the same, and a new account leaves no key behind.
run sslm-acme-account -A "$w/acct-new" -D "$H/bignonce/dir" --ca-file "$CA" \
    create --agree-tos
expect_rc 3 "bignonce: sslm-acme-account exits 3"
expect_err_lines 1 "bignonce: sslm-acme-account: one line"
expect_err_match "^sslm-acme-account: $H/bignonce/dir: header too large" \
    "bignonce: sslm-acme-account says why"
check "bignonce: no account key made" test ! -e "$w/acct-new/account.key"
run sslm-acme-revoke -A "$w/a-bigline" -D "$H/bigline/dir" --ca-file "$CA" \
    "$w/good.pem"
expect_rc 3 "bigline: sslm-acme-revoke exits 3"
expect_err_lines 1 "bigline: sslm-acme-revoke: one line"
expect_err_match "^sslm-acme-revoke: $H/bigline/dir: header too large" \
    "bigline: sslm-acme-revoke says why"

# ---- sslm-mgr -renew with a dns-01 service ------------------------------------
# The bed of mgr-acme.sh without its servers: no name server answers at
# the dns_primary port; the DNS restart_cmd records that it ran and what
# the acme_dir files held.
mgr_w=$w mgr_zone=hostile.test
mkdir -p "$w/nsd" "$w/acme" "$w/sites/hostile.test"
pebble_free_port >"$w/nsd/port"
{
	echo '#!/bin/sh'
	echo "echo \"\$*\" >>'$w/dns-restarts'"
	echo "cat '$w/acme'/acme-challenge.* >>'$w/restart.seen' 2>/dev/null"
} >"$w/dns-restart"
chmod 755 "$w/dns-restart"
printf '; the zone file of hostile.test before the run\n' \
    >"$w/acme/acme-challenge.hostile.test"
cp -R "$w/acme" "$w/acme.before"
SSLM_NSCHECK_OPTS="-p $(cat "$w/nsd/port") -w 1"
export SSLM_NSCHECK_OPTS

# site CASE [SECS]: a tree whose CAs are the server's CASE (dns-01 and
# http-01), acme_timeout SECS (default: none set), one service svc.
site() {
	mgr_site "m-$1" <<X
[hostile-dns]
    ca_type = 'acme'
    ca_validation = 'dns-01'
    acme_directory = '$H/$1/dir'
    acme_ca_file = '$CA'

[hostile-http]
    ca_type = 'acme'
    ca_validation = 'http-01'
    acme_directory = '$H/$1/dir'
    acme_ca_file = '$CA'
X
	[ -z "${2:-}" ] || sed -i "s/^\[globals\]/[globals]\n    acme_timeout = $2/" \
	    "$t/conf.d/ssl-mgr.conf"
	if [ "${3:-}" = hostile-http ]; then
		mgr_service svc hostile-http a.hostile.test a.hostile.test
	else
		mgr_service svc hostile-dns a.hostile.test a.hostile.test \
		    '*.hostile.test'
	fi
	rm -f "$w/dns-restarts" "$w/restart.seen" "$w/finish.seen"
}
# untouched CASE: the run changed nothing it must not: the restart_cmd did
# not run, acme_dir and the web root hold what they held, no set in the
# store, nothing in production.
untouched() {
	check "$1: the DNS restart_cmd did not run" test ! -e "$w/dns-restarts"
	check "$1: acme_dir as it was" diff -r "$w/acme.before" "$w/acme"
	check "$1: no http-01 answer in the web root" \
	    test "$(find "$w/sites/hostile.test/" -type f | wc -l)" -eq 0
	check "$1: no certificate set in the store" test "$(find \
	    "$t/certs/hostile.test/svc" -name '*.pem' ! -path '*/acme*' \
	    2>/dev/null | wc -l)" -eq 0
	check "$1: no next" test ! -e "$t/certs/hostile.test/svc/next" -a \
	    ! -L "$t/certs/hostile.test/svc/next"
	check "$1: nothing in production" test "$(find "$t/prod-certs" \
	    -type f 2>/dev/null | wc -l)" -eq 0
	check "$1: no order finished" test ! -e "$w/finish.seen"
}
# mgr_fails CASE REGEX: the last run failed svc with one line matching.
mgr_fails() {
	expect_rc 3 "$1: sslm-mgr -renew exits 3"
	check "$1: one line names the service" \
	    test "$(grep -c '^sslm-mgr: hostile.test:svc: ' "$T_ERR")" -eq 1
	expect_err_match "^sslm-mgr: hostile.test:svc: $2" "$1: says why"
}

site zoneline
timed sslm-mgr -renew
mgr_fails "mgr zoneline" "ACME order: sslm-acme-order: $H/zoneline/authz/0: an authorization for dns hostile.test. 60 IN A 6.6.6.6 ; x, which the request does not name$"
untouched "mgr zoneline"
within "mgr zoneline: within 10 s" 10

# A server slower than acme_timeout: the account call ends at the
# deadline (the server would answer after 30 s, the tools' own default is
# 300 s).
site slow 3
timed sslm-mgr -renew
mgr_fails "mgr slow" "ACME account: sslm-acme-account: $H/slow/dir: no complete answer before the deadline of 3 seconds$"
untouched "mgr slow"
within "mgr slow: acme_timeout = 3 bounds the run (10 s)" 10

# ---- the shell's own check: an order tool that lets a bad value through ---------
# A copy of the installed tree whose sslm-acme-order prints $w/stub.json
# for "order" (whatever the server said) and, for "finish", records the
# files of the web root in $w/finish.seen and fails.
mkdir -p "$w/fake/bin" "$w/fake/libexec"
for f in "$SSLM_BIN"/sslm-*; do
	ln -s "$f" "$w/fake/bin/${f##*/}"
done
rm "$w/fake/bin/sslm-mgr" "$w/fake/bin/sslm-acme-order"
cp "$SSLM_BIN/sslm-mgr" "$w/fake/bin/sslm-mgr"
ln -s "$SSLM_TOP/libexec/sslm" "$w/fake/libexec/sslm"
# sslm-mgr calls "batch-order -w N -j N LIST" and "batch-finish ...": the
# product of each row goes to its OUT, its messages to its ERR (the last
# two columns).
cat >"$w/fake/bin/sslm-acme-order" <<X
#!/bin/sh
cmd=\$1
shift 5
tab=\$(printf '\\t')
while IFS=\$tab read -r c1 c2 c3 c4 c5 c6 c7 c8 c9; do
	case "\$cmd" in
	batch-order) cat '$w/stub.json' >"\$c8" ;;
	batch-finish) find '$w/sites/' -type f >'$w/finish.seen'
		echo "sslm-acme-order: stub: no finish" >"\$c8" ;;
	*) echo "sslm-acme-order: stub: no \$cmd" >&2; exit 3 ;;
	esac
done <"\$1"
X
chmod 755 "$w/fake/bin/sslm-acme-order"
TOK=hostileTokenAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
TXT=dN1VAkG7S1qc78kweQCcIuFChT4uhZtcDmdrMBuoTk8
# stub TYPE TOKEN TXTNAME: the order the stub prints.
stub() {
	jq -n --arg ty "$1" --arg tok "$2" --arg tn "$3" --arg tv "$TXT" \
	    --arg u "$H/good/order/1" '{order: $u, finalize: $u, status:
	    "pending", identifiers: [], challenges: [{status: "pending",
	    type: $ty, token: $tok, key_authorization: ($tok + ".x"),
	    txt_name: $tn, txt_value: $tv}]}' >"$w/stub.json"
}
site good
stub dns-01 "$TOK" 'hostile.test. 60 IN A 6.6.6.6 ; x'
run "$w/fake/bin/sslm-mgr" -renew
mgr_fails "shell, zone line" "ACME order: refused: the TXT name is not _acme-challenge. and a name under hostile.test$"
untouched "shell, zone line"
stub dns-01 "$TOK" '_acme-challenge.x. 60 IN A 6.6.6.6 ; x.hostile.test'
run "$w/fake/bin/sslm-mgr" -renew -f
mgr_fails "shell, zone line under the apex" "ACME order: refused: the TXT name is not _acme-challenge. and a name under hostile.test$"
untouched "shell, zone line under the apex"
stub dns-01 "$TOK" '_acme-challenge.victim.example.org'
run "$w/fake/bin/sslm-mgr" -renew -f
mgr_fails "shell, outside the apex" "ACME order: refused: the TXT name is not _acme-challenge. and a name under hostile.test$"
untouched "shell, outside the apex"
stub dns-01 "$TOK/.." '_acme-challenge.a.hostile.test'
run "$w/fake/bin/sslm-mgr" -renew -f
mgr_fails "shell, token with /.." "ACME order: refused: a challenge token or key authorization that is not base64url$"
untouched "shell, token with /.."
site good "" hostile-http
stub http-01 '../../../x' '-'
run "$w/fake/bin/sslm-mgr" -renew
mgr_fails "shell, http-01 token ../../../x" "ACME order: refused: a challenge token or key authorization that is not base64url$"
untouched "shell, http-01 token ../../../x"
stub http-01 'sub/hostileTokenAAAAAAAAAAAAAAAAAAAA' '-'
run "$w/fake/bin/sslm-mgr" -renew -f
mgr_fails "shell, http-01 token with a /" "ACME order: refused: a challenge token or key authorization that is not base64url$"
untouched "shell, http-01 token with a /"
check "shell, http-01: nothing outside the web root either" \
    test "$(find "$w" -maxdepth 2 -name x -newer "$w/stub.json" | wc -l)" -eq 0
# The twin: a good value is written and the restart runs (the wait then
# fails: nobody serves the zone).
site good
stub dns-01 "$TOK" '_acme-challenge.a.hostile.test'
run "$w/fake/bin/sslm-mgr" -renew
expect_rc 3 "shell, a good name: exit 3 (no DNS server to see it)"
check "shell, a good name: the DNS restart_cmd ran" test -s "$w/dns-restarts"
check "shell, a good name: the record was in acme_dir for it" grep -qxF \
    "_acme-challenge.a.hostile.test. 60 IN TXT \"$TXT\"" "$w/restart.seen"
site good "" hostile-http
stub http-01 "$TOK" '-'
run "$w/fake/bin/sslm-mgr" -renew
expect_rc 3 "shell, a good token: exit 3 (the stub finishes nothing)"
check "shell, a good token: its answer was in the web root for finish" \
    grep -qxF "$w/sites/hostile.test/.well-known/acme-challenge/$TOK" \
    "$w/finish.seen"

# ---- sslm-mgr: [globals] acme_parallel bounds the requests in flight -------------
# Three dns-01 services (the same names) against "hold", whose newOrders
# are answered after 0.5 s; the server counts its requests in flight.
# sslm-mgr runs as cron runs it.  Their records reach no DNS server, so
# the orders are placed and not finished: the placing is the subject.
# mgr_hold N: renew a tree with acme_parallel = N; the server's lines of
# the run in $w/hold.log.
mgr_hold() {
	site hold
	sed -i "s/^\[globals\]/[globals]\n    acme_parallel = $1/" \
	    "$t/conf.d/ssl-mgr.conf"
	for x in svc2 svc3; do
		mgr_service "$x" hostile-dns a.hostile.test a.hostile.test \
		    '*.hostile.test'
	done
	_n0=$(wc -l <"$w/srv/log")
	env -i PATH=/usr/bin:/bin HOME="$w" TMPDIR="$w" SSL_MGR_TOPDIR="$t" \
	    SSLM_NSCHECK_OPTS="$SSLM_NSCHECK_OPTS" "$SSLM_BIN/sslm-mgr" -renew \
	    >"$T_OUT" 2>"$T_ERR"
	T_RC=$?
	tail -n +"$((_n0 + 1))" "$w/srv/log" | grep '^hold ' >"$w/hold.log"
}
mgr_hold 1
expect_rc 3 "mgr, acme_parallel = 1: exit 3 (no DNS server for the records)"
check "mgr, acme_parallel = 1: three orders placed" \
    test "$(grep -c '^hold POST /new-order ' "$w/hold.log")" -eq 3
check "mgr, acme_parallel = 1: one request in flight at a time ($(hold_peak))" \
    test "$(hold_peak)" -eq 1
check "mgr, acme_parallel = 1: each service failed at the wait, not the order" \
    test "$(grep -c 'dns-01 records not on every authoritative server' \
    "$T_ERR")" -eq 3
mgr_hold 3
expect_rc 3 "mgr, acme_parallel = 3: exit 3 (no DNS server for the records)"
check "mgr, acme_parallel = 3: three orders placed" \
    test "$(grep -c '^hold POST /new-order ' "$w/hold.log")" -eq 3
p3=$(hold_peak)
check "mgr, acme_parallel = 3: more than one request in flight, at most 3 ($p3)" \
    test "$p3" -ge 2 -a "$p3" -le 3
# each new account fetches the directory on its own; the batch once
check "mgr: one directory fetch for the run's orders, beside the accounts'" \
    test "$(grep -c '^hold GET /dir ' "$w/hold.log")" -eq \
    $(($(grep -c '^hold POST /acct ' "$w/hold.log") + 1))
