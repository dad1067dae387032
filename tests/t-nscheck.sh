#!/bin/sh
# sslm-nscheck: usage and input errors, then the real binary against a
# real NSD primary and Knot secondary on loopback (tests/env/dns.sh):
# in sync, frozen then thawed, never catching up, unreachable and silent
# addresses, wrong values, absent records, TLSA, TCP on truncation.
# dig is the independent oracle for what the servers serve.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/dns.sh"

w=$SSLM_TMP
trap 'dns_stop' EXIT

# expect_out_empty WHAT: nothing on stdout.
expect_out_empty() {
	if [ -s "$T_OUT" ]; then
		notok "$1" "stdout: $(head -c 200 "$T_OUT")"
	else
		ok "$1"
	fi
}

# now_ms: wall clock in milliseconds.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# check_le WHAT A B: A <= B.
check_le() {
	if [ "$2" -le "$3" ]; then
		ok "$1"
	else
		notok "$1" "$2 > $3"
	fi
}

# bad_input WHAT JSON MSG-REGEX: exit 3, the message after "file: " (or
# "file:" when the regex starts with a colon: line and column), no stdout.
bad_input() {
	printf '%s\n' "$2" >"$w/bad.json"
	run sslm-nscheck -w 0 "$w/bad.json"
	expect_rc 3 "$1: exit 3"
	case $3 in
	:*) _re=$3 ;;
	*) _re=": $3" ;;
	esac
	expect_err_match "^sslm-nscheck: $w/bad.json$_re" "$1: message"
	expect_out_empty "$1: nothing on stdout"
}

# ---- usage ----------------------------------------------------------------
for args in "-x" "a b" "-w x" "-w -1" "-t 0" "-p 70000" "-i 5" \
    "-a ns1.example.test" "-a bad_name=127.0.0.1" "-a ns1.example.test=host"
do
	# shellcheck disable=SC2086
	run sslm-nscheck $args
	expect_rc 2 "usage: $args"
done
run sslm-nscheck -a ns1.example.test=nothost
expect_err_match "^sslm-nscheck: --ns-addr nothost: not an IP" \
    "usage: --ns-addr names the bad address"
run sslm-nscheck -h
expect_rc 0 "-h exits 0"
if grep -q '^usage: sslm-nscheck' "$T_OUT"; then
	ok "-h prints usage on stdout"
else
	notok "-h prints usage on stdout" "stdout: $(cat "$T_OUT")"
fi
run sslm-nscheck -V
expect_rc 0 "-V exits 0"
if grep -Eq '^sslm-nscheck [0-9]' "$T_OUT"; then
	ok "-V prints the version"
else
	notok "-V prints the version" "stdout: $(cat "$T_OUT")"
fi

# ---- bad input: exit 3 before any query ---------------------------------------
P='"primary": {"server": "127.0.0.1", "port": 9}'
bad_input "syntax error" '{"apex": ' ":[0-9]+:[0-9]+: unexpected token"
bad_input "not a JSON object" '"example.test"' ":1:[0-9]+: '\\[' or '\\{' expected"
bad_input "not an object" '["example.test"]' "\\[0\\]: not an object"
bad_input "empty array" '[]' "between 1 and"
bad_input "missing apex" "{$P}" "apex: missing"
bad_input "bad apex" "{\"apex\": \"exa mple.test\", $P}" \
    "apex: not a valid DNS name"
bad_input "missing primary" '{"apex": "example.test"}' \
    "primary: missing or not an object"
bad_input "bad primary port" \
    '{"apex": "example.test", "primary": {"server": "127.0.0.1", "port": 0}}' \
    "primary.port: not a port number"
bad_input "primary host name without -S" \
    '{"apex": "example.test", "primary": {"server": "ns.example.test"}}' \
    "primary.server: a host name needs --system-resolver"
bad_input "unknown key" "{\"apex\": \"example.test\", $P, \"presnt\": []}" \
    "presnt: unknown key"
bad_input "duplicate key" "{\"apex\": \"a.test\", \"apex\": \"b.test\", $P}" \
    ":1:[0-9]+: duplicate object key"
bad_input "unsupported type" "{\"apex\": \"example.test\", $P, \"present\":
    [{\"name\": \"example.test\", \"type\": \"MX\", \"values\": [\"x\"]}]}" \
    "present\\[0\\]\\.type: not TXT or TLSA"
bad_input "name outside the apex" "{\"apex\": \"example.test\", $P,
    \"present\": [{\"name\": \"x.example.org\", \"type\": \"TXT\",
    \"values\": [\"x\"]}]}" "present\\[0\\]\\.name: not in the apex's zone"
bad_input "bad owner name" "{\"apex\": \"example.test\", $P, \"absent\":
    [{\"name\": \"a_b.example.test\", \"type\": \"TXT\"}]}" \
    "absent\\[0\\]\\.name: not a valid DNS name"
bad_input "bad TLSA value" "{\"apex\": \"example.test\", $P, \"present\":
    [{\"name\": \"_25._tcp.example.test\", \"type\": \"TLSA\",
    \"values\": [\"3 1 1 xyz\"]}]}" \
    "present\\[0\\]\\.values\\[0\\]: not \"usage selector mtype hex\""
bad_input "odd TLSA hex" "{\"apex\": \"example.test\", $P, \"present\":
    [{\"name\": \"_25._tcp.example.test\", \"type\": \"TLSA\",
    \"values\": [\"3 1 1 abc\"]}]}" "present\\[0\\]\\.values\\[0\\]: not"
bad_input "empty present values" "{\"apex\": \"example.test\", $P,
    \"present\": [{\"name\": \"example.test\", \"type\": \"TXT\",
    \"values\": []}]}" "present\\[0\\]\\.values: empty for a present record"
bad_input "value not a string" "{\"apex\": \"example.test\", $P,
    \"present\": [{\"name\": \"example.test\", \"type\": \"TXT\",
    \"values\": [1]}]}" "present\\[0\\]\\.values\\[0\\]: not a string"
bad_input "exact on absent" "{\"apex\": \"example.test\", $P,
    \"absent\": [{\"name\": \"example.test\", \"type\": \"TXT\",
    \"exact\": true}]}" "absent\\[0\\]\\.exact: only for present records"
bad_input "bad xtra_ns" "{\"apex\": \"example.test\", $P,
    \"xtra_ns\": [\"127.0.0.1:99999\"]}" "xtra_ns\\[0\\]: bad port"
bad_input "xtra_ns host name without -S" "{\"apex\": \"example.test\", $P,
    \"xtra_ns\": [\"dns.example.test\"]}" \
    "xtra_ns\\[0\\]: a host name needs --system-resolver"
bad_input "second document bad" "[{\"apex\": \"example.test\", $P}, 5]" \
    "\\[1\\]: not an object"
python3 -c 'print("{\"apex\": \"example.test\", \"x\": \"" + "a" * 1100000 + "\"}")' \
    >"$w/big.json"
run sslm-nscheck "$w/big.json"
expect_rc 3 "oversized input: exit 3"
expect_out_empty "oversized input: nothing on stdout"

# ---- the servers ----------------------------------------------------------------
if ! dns_start "$w/dns" 2>"$w/dns.err"; then
	notok "nsd primary and knot secondary start" "$(cat "$w/dns.err")"
	exit 1
fi
ok "nsd primary and knot secondary start on port $DNS_PORT"
PORT=$DNS_PORT
nsc() {
	sslm-nscheck -p "$PORT" "$@"
}

# doc FILE PRESENT ABSENT [XTRA]: write an expectation document (jq).
doc() {
	jq -n --argjson port "$PORT" --argjson present "$2" \
	    --argjson absent "$3" --argjson xtra "${4:-[]}" \
	    '{apex: "example.test", primary: {server: "127.0.10.1",
	    port: $port}, present: $present, absent: $absent,
	    xtra_ns: $xtra}' >"$1"
}

# txt NAME VALUE...: a JSON record entry.
txt() {
	_n=$1
	shift
	jq -n --arg n "$_n" '{name: $n, type: "TXT", values: $ARGS.positional}' \
	    --args "$@"
}

HASH=$(printf 'sslm test key' | openssl dgst -sha256 -r | cut -d' ' -f1)
HASHU=$(echo "$HASH" | tr 'a-f' 'A-F')
big1=$(printf '%0200d' 1)
big7=$(printf '%0200d' 7)
{
	printf '_acme-challenge IN TXT "abc"\n'
	printf '_acme-challenge IN TXT "second"\n'
	printf '_25._tcp.mx1 IN TLSA 3 1 1 %s\n' "$HASHU"
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		printf 'big IN TXT "%s"\n' "$(printf '%0200d' "$i")"
	done
} >"$w/rec1"
dns_set_records "$w/rec1"
if dns_reload && dns_sync; then
	ok "records published and transferred"
else
	notok "records published and transferred"
fi
S1=$(dns_serial 127.0.10.1)
if [ -n "$S1" ] && [ "$S1" = "$(dns_serial 127.0.10.2)" ]; then
	ok "dig: both servers serve serial $S1"
else
	notok "dig: both servers serve serial $S1" \
	    "secondary: $(dns_serial 127.0.10.2)"
fi

# ---- all in sync: 0 at once -------------------------------------------------------
doc "$w/sync.json" "[$(txt _acme-challenge.example.test abc)]" '[]'
t0=$(now_ms)
run nsc "$w/sync.json"
t1=$(now_ms)
expect_rc 0 "in sync: exit 0"
expect_err_lines 0 "in sync: nothing on stderr"
check_le "in sync: returns at once ($((t1 - t0)) ms)" $((t1 - t0)) 500
expect_jq ".converged == true and .serial == $S1 and .elapsed_ms < 500" \
    "in sync: report converged at the primary's serial"
expect_jq '[.servers[] | [.name, .address, .port]] ==
    [["ns1.example.test", "127.0.10.1", '"$PORT"'],
     ["ns2.example.test", "127.0.10.2", '"$PORT"']]' \
    "in sync: both NS names found through the primary, with addresses"
expect_jq "[.servers[] | .serial == $S1 and .records_ok and .error == null
    and .converged_ms != null and .missing == [] and .unexpected == []] |
    all" "in sync: every server entry complete"
expect_jq '.xtra == [] and .primary == {"address": "127.0.10.1",
    "port": '"$PORT"'}' "in sync: primary and xtra in the report"
run_in "$w/sync.json" nsc
expect_rc 0 "in sync: from stdin"
# shellcheck disable=SC2002 # the point is a pipe
cat "$w/sync.json" | nsc - >"$T_OUT" 2>"$T_ERR"
T_RC=$?
expect_rc 0 "in sync: from a pipe"
expect_jq '.converged' "in sync: from a pipe, report"

# ---- TXT RRsets: contained, exact, absent -------------------------------------------
doc "$w/x.json" "[$(txt _acme-challenge.example.test abc second)]" '[]'
run nsc -w 0 "$w/x.json"
expect_rc 0 "two TXT values at one name"
doc "$w/x.json" "[$(txt _acme-challenge.example.test abc)]" '[]'
jq '.present[0].exact = true' "$w/x.json" >"$w/x2.json"
run nsc -w 0 "$w/x2.json"
expect_rc 1 "exact RRset with a value too many: exit 1"
expect_jq '[.servers[].unexpected] == [[{"name":
    "_acme-challenge.example.test", "type": "TXT", "value": "second"}],
    [{"name": "_acme-challenge.example.test", "type": "TXT",
    "value": "second"}]]' "exact: the extra value is unexpected everywhere"
expect_err_match 'ns2\.example\.test \(127\.0\.10\.2 port '"$PORT"'\): unexpected TXT _acme-challenge\.example\.test "second"' \
    "exact: stderr names the extra value"
doc "$w/x.json" "[$(txt _acme-challenge.example.test abcd)]" '[]'
run nsc -w 0 "$w/x.json"
expect_rc 1 "a value that is only a prefix is missing (no substring match)"
doc "$w/x.json" '[]' "[$(txt nothere.example.test)]"
run nsc -w 0 "$w/x.json"
expect_rc 0 "absent RRset at a name that does not exist"
doc "$w/x.json" '[]' "[$(txt _acme-challenge.example.test old)]"
run nsc -w 0 "$w/x.json"
expect_rc 0 "absent value not served, other values are"
doc "$w/x.json" '[]' "[$(txt _acme-challenge.example.test abc)]"
run nsc -w 0 "$w/x.json"
expect_rc 1 "absent value still served: exit 1"
expect_jq '[.servers[] | .records_ok == false and
    .unexpected[0].value == "abc"] | all' \
    "absent value served: unexpected on both servers"
expect_err_match 'ns1\.example\.test .*: unexpected TXT _acme-challenge\.example\.test "abc"' \
    "absent value served: stderr names it"
doc "$w/x.json" '[]' "[$(txt _acme-challenge.example.test)]"
run nsc -w 0 "$w/x.json"
expect_rc 1 "whole RRset must be absent but is served: exit 1"
expect_jq '[.servers[0].unexpected[].value] | sort == ["abc", "second"]' \
    "whole RRset absent: every served value listed"

# ---- TLSA: normalised comparison, oracle dig --------------------------------------------
got=$(dns_dig 127.0.10.2 _25._tcp.mx1.example.test TLSA +short |
    tr -d ' ' | tr 'A-F' 'a-f')
if [ "$got" = "311$HASH" ]; then
	ok "dig: the secondary serves the TLSA record"
else
	notok "dig: the secondary serves the TLSA record" "got: $got"
fi
tlsa() {
	jq -n --arg v "$1" \
	    '[{name: "_25._tcp.mx1.example.test", type: "tlsa", values: [$v]}]'
}
doc "$w/x.json" "$(tlsa "3 1 1 $HASH")" '[]'
run nsc -w 0 "$w/x.json"
expect_rc 0 "TLSA in lower-case hex matches"
hs=$(echo "$HASHU" | cut -c1-20)
he=$(echo "$HASHU" | cut -c21-)
doc "$w/x.json" "$(tlsa "3  1 1 $hs $he")" '[]'
run nsc -w 0 "$w/x.json"
expect_rc 0 "TLSA in upper case with blanks matches"
doc "$w/x.json" "$(tlsa "3 1 2 $HASH")" '[]'
run nsc -w 0 "$w/x.json"
expect_rc 1 "TLSA with another matching type is missing"
wrong=$(printf 'other key' | openssl dgst -sha256 -r | cut -d' ' -f1)
doc "$w/x.json" "$(tlsa "3 1 1 $wrong")" '[]'
run nsc -w 0 "$w/x.json"
expect_rc 1 "TLSA with a wrong hash: exit 1"
expect_jq "[.servers[].missing[0].value] == [\"3 1 1 $wrong\", \"3 1 1 $wrong\"]" \
    "TLSA wrong hash: missing on both servers"
expect_err_match "missing TLSA _25\\._tcp\\.mx1\\.example\\.test 3 1 1 $wrong" \
    "TLSA wrong hash: stderr names the record"
doc "$w/x.json" '[]' "$(tlsa "3 1 1 $HASHU")"
run nsc -w 0 "$w/x.json"
expect_rc 1 "TLSA that must be withdrawn but is served: exit 1"

# ---- TCP when truncated ---------------------------------------------------------------
if dns_dig 127.0.10.2 big.example.test TXT +notcp +ignore +bufsize=1232 |
    grep -q 'flags:.* tc'; then
	ok "dig: the big RRset is truncated over UDP"
else
	notok "dig: the big RRset is truncated over UDP"
fi
doc "$w/x.json" "[$(txt big.example.test "$big7" "$big1")]" '[]'
run nsc -w 0 "$w/x.json"
expect_rc 0 "truncated answer: retried over TCP, records found"

# ---- several documents in one wait -------------------------------------------------------
doc "$w/a.json" "[$(txt _acme-challenge.example.test abc)]" '[]'
doc "$w/b.json" "$(tlsa "3 1 1 $HASH")" '[]'
jq -s . "$w/a.json" "$w/b.json" >"$w/ab.json"
run nsc -w 0 "$w/ab.json"
expect_rc 0 "array of two documents: exit 0"
expect_jq 'type == "array" and length == 2 and all(.converged)' \
    "array of two documents: two reports"

# ---- xtra_ns --------------------------------------------------------------------------------
doc "$w/x.json" "[$(txt _acme-challenge.example.test abc)]" '[]' \
    "[\"127.0.10.2:$PORT\"]"
run nsc -w 0 "$w/x.json"
expect_rc 0 "xtra_ns resolver with the records: exit 0"
expect_jq ".xtra | length == 1 and .[0].name == \"127.0.10.2:$PORT\" and
    .[0].records_ok and .[0].serial == $S1" "xtra_ns: in the report"
doc "$w/x.json" "[$(txt _acme-challenge.example.test abc)]" '[]' \
    "[\"127.0.10.3:$PORT\"]"
run nsc -w 0 -t 300 "$w/x.json"
expect_rc 1 "xtra_ns resolver unreachable: exit 1"
expect_jq '.xtra[0].error == "connection refused" and
    (.servers | all(.converged_ms != null))' \
    "xtra_ns unreachable: named with its error, the NS are fine"

# ---- discovery errors: exit 3 --------------------------------------------------------------
jq ".primary.server = \"127.0.10.3\"" "$w/sync.json" >"$w/x.json"
run nsc -t 300 "$w/x.json"
expect_rc 3 "primary unreachable: exit 3"
expect_err_match "^sslm-nscheck: primary 127\\.0\\.10\\.3 port $PORT: example\\.test SOA: connection refused" \
    "primary unreachable: message"
expect_out_empty "primary unreachable: nothing on stdout"
jq '.apex = "other.test" | .present = []' "$w/sync.json" >"$w/x.json"
run nsc "$w/x.json"
expect_rc 3 "apex the primary does not serve: exit 3"
expect_err_match "other\\.test SOA: rcode REFUSED" \
    "apex not served: message names the rcode"
jq '.apex = "www.example.test" | .present = []' "$w/sync.json" >"$w/x.json"
run nsc "$w/x.json"
expect_rc 3 "apex that is not a zone apex: exit 3"
expect_err_match "www\\.example\\.test: no SOA record at the primary" \
    "not a zone apex: message"
run nsc -6 "$w/sync.json"
expect_rc 3 "-6 and NS names without IPv6 addresses: exit 3"
expect_err_match "NS ns1\\.example\\.test: no IPv6 address from the primary" \
    "-6: message names the NS"
run nsc -4 -w 0 "$w/sync.json"
expect_rc 0 "-4: the IPv4 addresses are checked"

# ---- an unreachable and a silent address: bounded, named ------------------------------------
t0=$(now_ms)
run nsc -w 1 -t 300 -a "ns2.example.test=127.0.10.3" "$w/sync.json"
t1=$(now_ms)
expect_rc 1 "closed port: exit 1"
check_le "closed port: bounded by the deadline ($((t1 - t0)) ms)" \
    $((t1 - t0)) 1800
expect_jq '.servers[1] | .address == "127.0.10.3" and
    .error == "connection refused" and .serial == null and
    .converged_ms == null' "closed port: named with its error"
expect_jq '.servers[0].converged_ms != null' "closed port: ns1 converged"
expect_err_match "^sslm-nscheck: ns2\\.example\\.test \\(127\\.0\\.10\\.3 port $PORT\\): connection refused" \
    "closed port: stderr names it"
if dns_blackhole 127.0.10.3 2>"$w/hole.err"; then
	ok "a silent UDP server on 127.0.10.3"
else
	notok "a silent UDP server on 127.0.10.3" "$(cat "$w/hole.err")"
fi
t0=$(now_ms)
run nsc -w 1 -t 300 -a "ns2.example.test=127.0.10.3:$PORT" "$w/sync.json"
t1=$(now_ms)
expect_rc 1 "silent server: exit 1"
check_le "silent server: deadline plus one timeout ($((t1 - t0)) ms)" \
    $((t1 - t0)) 1800
expect_jq '.servers[1].error == "timeout"' "silent server: error timeout"
expect_jq '.servers[0].converged_ms != null and
    .servers[0].converged_ms < 800' \
    "silent server: does not hold up the other server"
dns_kill hole

# ---- frozen secondary: wait, then 0 within a second of the thaw --------------------------------
printf '_acme-challenge IN TXT "v2"\n' >"$w/rec2"
dns_freeze && dns_set_records "$w/rec2" && dns_reload
S2=$(dns_serial 127.0.10.1)
if [ "$(dns_serial 127.0.10.2)" = "$S1" ] && [ "$S2" != "$S1" ]; then
	ok "dig: frozen secondary still at $S1, primary at $S2"
else
	notok "dig: frozen secondary still at $S1, primary at $S2" \
	    "secondary: $(dns_serial 127.0.10.2)"
fi
doc "$w/v2.json" "[$(txt _acme-challenge.example.test v2)]" \
    "[$(txt _acme-challenge.example.test abc)]"
nsc -v -w 30 "$w/v2.json" >"$w/bg.out" 2>"$w/bg.err" &
bgpid=$!
if dns_poll 200 grep -q 'round 1: 1 server pending' "$w/bg.err"; then
	ok "frozen: nscheck waits for the secondary"
else
	notok "frozen: nscheck waits for the secondary" \
	    "stderr: $(head -c 300 "$w/bg.err")"
fi
dns_thaw
t0=$(now_ms)
wait "$bgpid"
# shellcheck disable=SC2034 # read by expect_rc
T_RC=$?
t1=$(now_ms)
cp "$w/bg.out" "$T_OUT"
cp "$w/bg.err" "$T_ERR"
expect_rc 0 "thawed: exit 0"
check_le "thawed: returns within a second of the thaw ($((t1 - t0)) ms)" \
    $((t1 - t0)) 1000
expect_jq ".serial == $S2 and .servers[1].converged_ms >
    .servers[0].converged_ms and all(.servers[]; .serial == $S2)" \
    "thawed: the secondary converged later, at the new serial"
if dns_dig 127.0.10.2 _acme-challenge.example.test TXT +short |
    grep -qx '"v2"'; then
	ok "dig: the secondary now serves v2"
else
	notok "dig: the secondary now serves v2"
fi

# ---- a secondary that never catches up: 1 at the deadline, named ------------------------------
printf '_acme-challenge IN TXT "v3"\n' >"$w/rec3"
dns_freeze && dns_set_records "$w/rec3" && dns_reload
S3=$(dns_serial 127.0.10.1)
doc "$w/v3.json" "[$(txt _acme-challenge.example.test v3)]" '[]'
t0=$(now_ms)
run nsc -w 2 "$w/v3.json"
t1=$(now_ms)
expect_rc 1 "never catches up: exit 1"
check_le "never catches up: waited the deadline (2000 <= $((t1 - t0)) ms)" \
    2000 $((t1 - t0))
check_le "never catches up: and not much longer" $((t1 - t0)) 3000
expect_err_match "^sslm-nscheck: ns2\\.example\\.test \\(127\\.0\\.10\\.2 port $PORT\\): serial $S2, primary $S3\$" \
    "never catches up: stderr names the serial"
expect_err_match "^sslm-nscheck: ns2\\.example\\.test .*: missing TXT _acme-challenge\\.example\\.test \"v3\"\$" \
    "never catches up: stderr names the wrong TXT value"
expect_jq ".converged == false and .elapsed_ms >= 2000 and
    .servers[1].serial == $S2 and .servers[1].converged_ms == null and
    .servers[1].records_ok == false and
    .servers[1].missing == [{\"name\": \"_acme-challenge.example.test\",
    \"type\": \"TXT\", \"value\": \"v3\"}] and
    .servers[0].converged_ms != null" \
    "never catches up: report names ns2 and what it lacks"
if [ "$(grep -c 'ns1\.example\.test' "$T_ERR")" -eq 0 ]; then
	ok "never catches up: ns1 not named"
else
	notok "never catches up: ns1 not named" "$(cat "$T_ERR")"
fi
# The same wait at a terminal says every 3 s which server lags and for
# how long (one line each time); through a pipe (cron) it says nothing
# until the end.
run python3 "$SSLM_TOP/tests/ptyrun.py" "$T_OUT" "$w/tty.err" \
    sslm-nscheck -p "$PORT" -w 4 "$w/v3.json"
cp "$w/tty.err" "$T_ERR"
expect_rc 1 "at a terminal: still exit 1"
expect_err_match "^sslm-nscheck: waiting 3 s: example\\.test: ns2\\.example\\.test \\(127\\.0\\.10\\.2 port $PORT\\) still lag\$" \
    "at a terminal: the lagging server and the time waited"
if grep -q '^sslm-nscheck: waiting.*ns1\.example\.test' "$T_ERR"; then
	notok "at a terminal: the server in sync is not named" "$(cat "$T_ERR")"
else
	ok "at a terminal: the server in sync is not named"
fi
if [ "$(grep -c 'still lag' "$T_ERR")" -eq 1 ] &&
    [ "$(grep -c '^sslm-nscheck: ' "$T_ERR")" -eq "$(wc -l <"$T_ERR")" ]
then
	ok "at a terminal: one progress line in 4 s, each line whole"
else
	notok "at a terminal: one progress line in 4 s, each line whole" \
	    "$(cat "$T_ERR")"
fi
expect_jq '.converged == false' "at a terminal: stdout is the report"
run nsc -w 4 "$w/v3.json"
expect_rc 1 "through a pipe: exit 1"
if grep -q 'waiting\|still lag' "$T_ERR"; then
	notok "through a pipe: no progress lines" "$(cat "$T_ERR")"
else
	ok "through a pipe: no progress lines"
fi
expect_err_match "^sslm-nscheck: example\\.test: not converged after" \
    "through a pipe: the end is still reported"
run nsc -P -w 4 "$w/v3.json"
expect_rc 1 "-P through a pipe: exit 1"
expect_err_match "^sslm-nscheck: waiting 3 s: example\\.test: ns2\\.example\\.test .* still lag\$" \
    "-P through a pipe: the progress line all the same"
dns_thaw && dns_sync

# ---- a wrong value on one server, its serial newer -------------------------------------------
# Edit the secondary's copy directly: Knot bumps its serial past the
# primary's, so only the records tell the servers apart.
kc() {
	knotc -c "$DNS_DIR/knot/knot.conf" "$@" >>"$w/knotc.log" 2>&1
}
if kc zone-begin example.test &&
    kc zone-unset example.test _acme-challenge TXT &&
    kc zone-set example.test _acme-challenge 60 TXT forged &&
    kc zone-commit example.test; then
	ok "knotc: the secondary's TXT replaced"
else
	notok "knotc: the secondary's TXT replaced" "$(cat "$w/knotc.log")"
fi
S4=$(dns_serial 127.0.10.2)
run nsc -w 1 "$w/v3.json"
expect_rc 1 "wrong TXT value on one server: not converged"
expect_jq ".servers[1].serial == $S4 and .servers[1].serial != .serial and
    .servers[1].missing[0].value == \"v3\" and
    .servers[0].converged_ms != null" \
    "wrong TXT value: newer serial accepted, the value is missing"
jq '.absent = [{name: "_acme-challenge.example.test", type: "TXT",
    values: ["forged"]}] | .present = []' "$w/v3.json" >"$w/x.json"
run nsc -w 0 "$w/x.json"
expect_rc 1 "forged value that must be absent: exit 1"
expect_jq '.servers[1].unexpected[0].value == "forged" and
    .servers[0].records_ok' "forged value: unexpected on ns2 only"
jq '.present = []' "$w/v3.json" >"$w/x.json"
run nsc -w 0 "$w/x.json"
expect_rc 0 "serial newer than the primary's counts as caught up"

dns_stop
if dns_alive nsd || dns_alive knot; then
	notok "daemons stopped"
else
	ok "daemons stopped"
fi
