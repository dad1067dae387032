#!/bin/sh
# Variables come from the sourced tests/lib.sh and tests/env files, which
# the linter cannot follow under "$SSLM_TOP".
# shellcheck disable=SC2154,SC2034
# sslm-mgr -renew with many ACME services at once, as cron runs it (env -i
# PATH=/usr/bin:/bin), against a real Pebble with NSD (dns-01) and nginx
# (http-01) on loopback: the orders of a run are placed and finished in
# batches that share one directory fetch, each order alone.  Four http-01
# and four dns-01 services beside one whose name Pebble cannot resolve:
# it fails alone, the eight are issued; the twin where all succeed; a
# kept account is not asked again.  Oracles: openssl verify against
# Pebble's root, Pebble's own log (its requests and the paths).
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/pebble.sh"
. "$SSLM_TOP/tests/env/mgr-acme.sh"

w=$SSLM_TMP
TMPDIR=$w
export TMPDIR
zone=acme.test
trap mgr_bed_stop EXIT

# No nonce rejected: Pebble's counts are those of a clean run.
if mgr_bed "$w" "$zone" PEBBLE_WFE_NONCEREJECT=0; then
	ok "test bed: Pebble, NSD and nginx start"
else
	notok "test bed: Pebble, NSD and nginx start" \
	    "$(tail -3 "$w"/*/*.log 2>/dev/null)"
	exit 0
fi
url=$(cat "$w/pebble/url")
plog=$w/pebble/pebble.log
mkdir -p "$w/home"

mgr_pebble_cas "$url" "$w/ca/ca.pem" >"$w/ca-info.conf"
mgr_site batch <"$w/ca-info.conf"
good="h1 h2 h3 h4 d1 d2 d3 d4"
for i in 1 2 3 4; do
	mgr_service "h$i" pebble-http "h$i.$zone"
	mgr_service "d$i" pebble-dns "d$i.$zone"
done
# A name under no zone NSD serves: Pebble cannot validate it.
mgr_service lost pebble-http "lost.elsewhere.test"

# cron ARGS...: sslm-mgr as cron runs it; Pebble's log lines of the run
# in $w/run.log.
cron() {
	_n0=$(wc -l <"$plog")
	env -i ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
	    PATH=/usr/bin:/bin HOME="$w/home" TMPDIR="$w" SSL_MGR_TOPDIR="$t" \
	    SSLM_NSCHECK_OPTS="-p $(cat "$w/nsd/port") -w 20" \
	    "$SSLM_BIN/sslm-mgr" "$@" >"$T_OUT" 2>"$T_ERR"
	T_RC=$?
	tail -n +"$((_n0 + 1))" "$plog" >"$w/run.log"
}
# reqs [PATTERN]: requests Pebble answered in the last run (matching).
reqs() {
	grep 'calling handler()' "$w/run.log" | grep -c -e "${1:-.}"
}
# issued: how many of the good services have a next that openssl
# verifies against Pebble's root.
issued() {
	_k=0
	for s in $good; do
		if mgr_good "$t/certs/$zone/$s/next"; then _k=$((_k + 1)); fi
	done
	echo "$_k"
}

# ---- one order fails, the others are issued ---------------------------------------
cron -renew
expect_rc 3 "renew: exit 3 (one service failed)"
expect_err_match "failed: $zone:lost\$" "renew: only lost in the summary"
expect_err_match "$zone:lost: ACME finish: .*urn:ietf:params:acme:error" \
    "renew: lost fails at finish with Pebble's problem"
chk "renew: the eight others issued ($(issued))" test "$(issued)" -eq 8
chk "renew: lost has no next" test ! -e "$t/certs/$zone/lost/next"
n=$(find "$t/certs/$zone/lost/db" -maxdepth 1 -name '.new-*' | wc -l)
chk "renew: lost left no half-built set" test "$n" -eq 0
chk "renew: nine accounts made (Pebble's newAccount)" \
    test "$(reqs 'POST /sign-me-up')" -eq 9
# Each account tool fetches the directory on its own; the batches of
# orders once between them (finish needs none).
chk "renew: one directory fetch for the orders, beside the nine accounts" \
    test "$(reqs 'GET /dir')" -eq 10
chk "renew: nine orders placed" test "$(reqs 'POST /order-plz')" -eq 9
chk "renew: one DNS restart" test "$(wc -l <"$w/dns-restarts")" -eq 1

# ---- its twin: all succeed; the kept accounts cost nothing --------------------------
rm "$t/conf.d/$zone/lost"
: >"$w/dns-restarts"
before=$(readlink "$t/certs/$zone/h1/next")
cron -renew -f
expect_rc 0 "renew -f, all good: exit 0"
chk "renew -f: eight new sets" test "$(readlink "$t/certs/$zone/h1/next")" != "$before"
chk "renew -f: all eight verify ($(issued))" test "$(issued)" -eq 8
chk "renew -f: no account asked again (no newAccount)" \
    test "$(reqs 'POST /sign-me-up')" -eq 0
chk "renew -f: one directory fetch for the run" test "$(reqs 'GET /dir')" -eq 1
chk "renew -f: one nonce fetched an order, none for the finishes" \
    test "$(reqs 'HEAD /nonce-plz')" -eq 8
r=$(reqs)
# A name each: the directory (shared), a nonce, newOrder, the
# authorization; the answer, a poll of the order, finalize, a poll, the
# certificate: 8 a certificate and one more for the run.
chk "renew -f: requests per certificate, Pebble's count ($r for 8): at most 8 + 1" \
    test "$r" -le $((8 * 8 + 1))
chk "renew -f: no authorization polled after the answers" test \
    "$(awk '/POST \/chalZ\// { c = 1 } c && /POST \/authZ\// { n++ }
    END { print n + 0 }' "$w/run.log")" -eq 0
chk "renew -f: one DNS restart" test "$(wc -l <"$w/dns-restarts")" -eq 1

# ---- a kept account the server no longer knows -------------------------------------
# (account.json names an account URL Pebble never made)
a=$t/certs/$zone/h1/acme
jq '.url |= sub("[^/]*$"; "lost")' "$a/account.json" >"$w/acct.json"
cp "$w/acct.json" "$a/account.json"
cron -renew -f "$zone:h1"
expect_rc 3 "account lost: exit 3"
expect_err_match "$zone:h1: ACME order: .*accountDoesNotExist.*the next run asks for the account again" \
    "account lost: Pebble's problem and what happens next"
chk "account lost: the old account file kept aside" cmp "$w/acct.json" \
    "$a/account.json.lost"
cron -renew -f "$zone:h1"
expect_rc 0 "account lost, the next run: exit 0"
chk "account lost, the next run: the key's account found again" test \
    "$(reqs 'POST /sign-me-up')" -eq 1
chk "account lost, the next run: account.json names a real account" \
    test "$(jq -r .url "$a/account.json")" != "$(jq -r .url "$w/acct.json")"
chk "account lost, the next run: a new set that verifies" \
    mgr_good "$t/certs/$zone/h1/next"

