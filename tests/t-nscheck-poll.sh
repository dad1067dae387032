#!/bin/sh
# sslm-nscheck's rounds adapt: against a real NSD primary and Knot
# secondary on loopback (tests/env/dns.sh), the wait between rounds
# starts at 10 ms and doubles up to the interval while no server's
# answers change, and is 10 ms again after a round that saw a change (a
# secondary thawed to a new serial, the records arriving), so the check
# ends within a round or two of the last server catching up.  The test
# drives each change itself (knotc thaw, an NSD reload), dig tells when
# a server serves it, and the -v lines of sslm-nscheck tell its rounds.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/dns.sh"

w=$SSLM_TMP
bgpid=""
trap '[ -z "$bgpid" ] || kill "$bgpid" 2>/dev/null; dns_stop' EXIT

# rounds: "N<TAB>NAP<TAB>changed|same" for each round line of bg.err.
rounds() {
	sed -n 's/^sslm-nscheck: round \([0-9]*\): .*pending\(.*\), next round in \([0-9]*\) ms$/\1\t\3\t\2/p' \
	    "$w/bg.err" | awk -F '\t' -v OFS='\t' '{
		print $1, $2, ($3 ~ /answers changed/ ? "changed" : "same") }'
}
# nrounds: how many round lines bg.err has.
nrounds() {
	rounds | wc -l
}
# naps_from N: the naps of the rounds after the first N, space-separated.
naps_from() {
	rounds | awk -F '\t' -v n="$1" 'NR > n { printf "%s%s", s, $2; s = " " }'
}
# cap_after N: a round after the first N waits the whole interval.
cap_after() {
	rounds | awk -F '\t' -v n="$1" 'NR > n && $2 == 160 { f = 1 }
	    END { exit !f }'
}
# changed_after N: the number of the first round after the first N that
# saw a change; none: false.
changed_after() {
	rounds | awk -F '\t' -v n="$1" 'NR > n && $3 == "changed" {
	    print NR; f = 1; exit } END { exit !f }'
}
has_changed_after() {
	changed_after "$1" >/dev/null
}

if ! dns_start "$w/dns" 2>"$w/dns.err"; then
	notok "nsd primary and knot secondary start" "$(cat "$w/dns.err")"
	exit 1
fi
ok "nsd primary and knot secondary start on port $DNS_PORT"
PORT=$DNS_PORT

printf '_acme-challenge IN TXT "a"\n' >"$w/ra"
printf '_acme-challenge IN TXT "b"\n' >"$w/rb"
printf '_acme-challenge IN TXT "c"\n' >"$w/rc"
if ! { dns_set_records "$w/ra" && dns_reload && dns_sync; }; then
	notok "both servers serve the first records"
	exit 1
fi
S0=$(dns_serial 127.0.10.2)
# The secondary stays at S0 while the primary moves on to S1.
dns_freeze && dns_set_records "$w/rb" && dns_reload
S1=$(dns_serial 127.0.10.1)
if [ "$(dns_serial 127.0.10.2)" = "$S0" ] && [ "$S1" != "$S0" ]; then
	ok "dig: the frozen secondary is at $S0, the primary at $S1"
else
	notok "dig: the frozen secondary is at $S0, the primary at $S1" \
	    "secondary: $(dns_serial 127.0.10.2)"
fi

# Both servers wait for a value neither serves yet.
jq -n --argjson port "$PORT" '{apex: "example.test",
    primary: {server: "127.0.10.1", port: $port},
    present: [{name: "_acme-challenge.example.test", type: "TXT",
      values: ["c"]}], absent: [], xtra_ns: []}' >"$w/c.json"
sslm-nscheck -v -i 160 -w 60 -p "$PORT" "$w/c.json" >"$w/bg.out" \
    2>"$w/bg.err" &
bgpid=$!

# ---- nothing changes: the wait doubles up to the interval ---------------------
if dns_poll 200 cap_after 0; then
	ok "unchanged answers: the rounds reach the interval"
else
	notok "unchanged answers: the rounds reach the interval" \
	    "$(head -c 600 "$w/bg.err")"
fi
got=$(naps_from 0 | cut -d' ' -f1-5)
if [ "$got" = "10 20 40 80 160" ]; then
	ok "unchanged answers: waits of 10, 20, 40, 80, 160 ms"
else
	notok "unchanged answers: waits of 10, 20, 40, 80, 160 ms" "got: $got"
fi
got=$(rounds | awk -F '\t' 'NR <= 5 { printf "%s%s", s, $3; s = " " }')
if [ "$got" = "changed same same same same" ]; then
	ok "unchanged answers: only the first round counts as a change"
else
	notok "unchanged answers: only the first round counts as a change" \
	    "got: $got"
fi

# ---- the secondary moves to S1 (still without "c"): 10 ms again -------------------
n0=$(nrounds)
dns_thaw && dns_sync
n1=$(nrounds)
if dns_poll 200 has_changed_after "$n0"; then
	ok "thawed secondary at a new serial: a round sees the change"
else
	notok "thawed secondary at a new serial: a round sees the change" \
	    "$(tail -c 600 "$w/bg.err")"
fi
k=$(changed_after "$n0") || k=0
if [ "$k" -gt 0 ] && [ "$k" -le $((n1 + 2)) ]; then
	ok "the change is seen within two rounds of dig seeing S1"
else
	notok "the change is seen within two rounds of dig seeing S1" \
	    "round $k, $n1 rounds when dig saw it"
fi
got=$(rounds | awk -F '\t' -v k="$k" 'NR == k { print $2 }')
if [ "$got" = 10 ]; then
	ok "after the change the next round comes in 10 ms"
else
	notok "after the change the next round comes in 10 ms" "got: $got ms" \
	    "$(rounds | tail -n 8)"
fi
# Then nothing changes again: doubling resumes from there.
if dns_poll 200 cap_after "$k"; then
	ok "unchanged again: the rounds reach the interval again"
else
	notok "unchanged again: the rounds reach the interval again" \
	    "$(tail -c 600 "$w/bg.err")"
fi
got=$(naps_from $((k - 1)) | cut -d' ' -f1-5)
if [ "$got" = "10 20 40 80 160" ]; then
	ok "unchanged again: waits of 10, 20, 40, 80, 160 ms"
else
	notok "unchanged again: waits of 10, 20, 40, 80, 160 ms" "got: $got"
fi

# ---- "c" arrives on both servers: the check ends within a round or two -----------
dns_set_records "$w/rc" && dns_reload && dns_sync
S2=$(dns_serial 127.0.10.2)
n2=$(nrounds)
wait "$bgpid"
# shellcheck disable=SC2034 # read by expect_rc
T_RC=$?
bgpid=""
cp "$w/bg.out" "$T_OUT"
cp "$w/bg.err" "$T_ERR"
expect_rc 0 "both servers serve \"c\": exit 0"
n3=$(nrounds)
check_rounds=$((n3 - n2))
if [ "$check_rounds" -le 2 ]; then
	ok "at most two rounds wait after dig sees S2 everywhere ($check_rounds)"
else
	notok "at most two rounds wait after dig sees S2 everywhere" \
	    "$check_rounds rounds: $(rounds | tail -n 6)"
fi
expect_jq ".converged and all(.servers[]; .serial == $S2 and .records_ok)" \
    "the report: both servers converged at $S2"
dns_stop
