#!/bin/sh
# sslm-nscheck against a hostile authoritative server
# (tests/hostile_dns.py: UDP and TCP on one loopback port): by default it
# serves CASE.test correctly (SOA, NS with glue, the TXT record), and per
# case it lies (no AA bit, another message ID, a compression loop, an
# RDLENGTH past the end, TC then a broken TCP answer, 1,000 NS names, NS
# names without glue outside the zone, silence, another question).  Each
# case: the exit status of sslm-nscheck(1), one line naming the server or
# the apex (two for a wait that did not converge), no report where it fails, a bounded time and number of queries
# (the server's log counts them).
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/pebble.sh"

w=$SSLM_TMP
for p in python3 jq; do
	if ! command -v "$p" >/dev/null 2>&1; then
		skip "hostile dns: $p is not installed"
		exit 0
	fi
done
trap 'hostile_stop "$w/dns"' EXIT INT TERM
if hostile_start "$w/dns" hostile_dns.py; then
	ok "hostile dns server listens on loopback"
else
	notok "hostile dns server listens on loopback" "$(cat "$w/dns/err")"
	exit 1
fi
P=$(cat "$w/dns/port")

# ns CASE RC REGEX MAXQ MAXSECS: sslm-nscheck -w 2 on CASE.test exits RC
# with one line matching REGEX (none for 0), at most MAXQ queries and
# MAXSECS seconds; a report only when RC is 0 or 1.
ns() {
	_c=$1 _rc=$2 _re=$3 _mq=$4 _ms=$5
	jq -n --arg a "$_c.test" --argjson p "$P" '{apex: $a, primary:
	    {server: "127.0.0.1", port: $p}, present: [{name:
	    ("_acme-challenge." + $a), type: "TXT", values: ["expected"]}],
	    xtra_ns: []}' >"$w/$_c.json"
	_n0=$(grep -c "^$_c " "$w/dns/log")
	_t0=$(date +%s)
	run sslm-nscheck -p "$P" -w 2 "$w/$_c.json"
	_secs=$(($(date +%s) - _t0))
	expect_rc "$_rc" "$_c: exit $_rc"
	if [ -n "$_re" ] && [ "$_rc" -eq 1 ]; then
		# the lagging server, then the summary of the wait
		expect_err_lines 2 "$_c: two lines"
		expect_err_match "^sslm-nscheck: $_re" "$_c: says why"
		expect_err_match "^sslm-nscheck: $_c\\.test: not converged after [0-9]+ ms$" \
		    "$_c: says it did not converge"
	elif [ -n "$_re" ]; then
		expect_err_lines 1 "$_c: one line"
		expect_err_match "^sslm-nscheck: $_re" "$_c: says why"
	else
		expect_err_lines 0 "$_c: no message"
	fi
	case $_rc in
	3) check "$_c: no report" test ! -s "$T_OUT" ;;
	*) expect_jq ".apex == \"$_c.test\"" "$_c: a report for the apex" ;;
	esac
	_q=$(($(grep -c "^$_c " "$w/dns/log") - _n0))
	if [ "$_q" -le "$_mq" ]; then ok "$_c: at most $_mq queries"; else
		notok "$_c: at most $_mq queries" "$_q"; fi
	if [ "$_secs" -le "$_ms" ]; then ok "$_c: within $_ms s"; else
		notok "$_c: within $_ms s" "$_secs s"; fi
}

ns good 0 '' 8 2
expect_jq '.converged and .serial == 1 and ([.servers[] | .records_ok] ==
    [true])' "good: converged, serial 1, the record served"
ns noaa 1 "ns\\.noaa\\.test \\(127\\.0\\.0\\.1 port $P\\): not authoritative$" 40 4
expect_jq '.converged == false and .servers[0].error == "not authoritative"' \
    "noaa: the report names the server that is not authoritative"
for c in wrongid ptrloop rdlen qmismatch; do
	ns "$c" 3 "primary 127\\.0\\.0\\.1 port $P: $c\\.test SOA: timeout, only malformed or mismatched answers$" 6 3
done
ns silent 3 "primary 127\\.0\\.0\\.1 port $P: silent\\.test SOA: timeout$" 6 3
ns trunc 3 "primary 127\\.0\\.0\\.1 port $P: trunc\\.test SOA: connection closed$" 4 3
ns manyns 3 'manyns\.test: more than 32 NS records$' 4 3
ns nsout 3 'nsout\.test: NS ns\.victim\.example\.org: no address from the primary' 4 3
