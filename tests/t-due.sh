#!/bin/sh
# sslm-due: the renewal decision against an independent oracle
# (tests/renew_oracle.py, written from ssl-mgr's spec 5.4), on
# certificates whose dates openssl ca set, from half an hour to ten
# years; jitter bounds; empty and partial tables; the ARI window and its
# state file; bad input.
. "$SSLM_TOP/tests/lib.sh"
w=$SSLM_TMP/due
mkdir -p "$w"
cd "$w" || exit 1
ORACLE="python3 $SSLM_TOP/tests/renew_oracle.py"

# ---- certificates with exact dates (openssl ca) ---------------------------

cat >ca.cnf <<'EOF'
[ca]
default_ca = d
[d]
database = ./index.txt
new_certs_dir = ./new
serial = ./serial
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
EOF
mkdir -p new
: >index.txt
echo 01 >serial
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout k.pem -subj /CN=due.example -out r.pem 2>/dev/null
# mkcert OUT START END: a certificate valid from START to END (epoch).
mkcert() {
	openssl ca -batch -config ca.cnf -selfsign -keyfile k.pem -in r.pem \
	    -startdate "$(date -u -d "@$2" +%Y%m%d%H%M%SZ)" \
	    -enddate "$(date -u -d "@$3" +%Y%m%d%H%M%SZ)" -notext \
	    -out "$1" >/dev/null 2>&1
}
utc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

T0=1798761600	# 2027-01-01T00:00:00Z

# ---- the table at a lifetime: sslm-due -l against the oracle ---------------

lifes="0 0.0208333 0.25 0.5 0.75 0.99 1 1.5 2 3 5 7 10 30 44.5 45 59.9 60
89.99 90 100 120 200 299.5 300 365 397 1000 3650"
# tables: built-in, an empty one (= built-in), a partial one, ca-self's
printf '[]\n' >empty.json
printf '[{"lifetime": 90, "target": 30, "rand_adj": 0}]\n' >partial.json
printf '[{"lifetime": 10, "target": 2, "rand_adj": 1},
 {"lifetime": 45, "target": 20, "rand_adj": 3}]\n' >two.json
sslm-conf -c "$SSLM_TOP/examples/ca-self/conf.d" >caself.json 2>/dev/null
for tb in - empty.json partial.json two.json caself.json; do
	# shellcheck disable=SC2086
	$ORACLE lifetime "$tb" $lifes >want.txt
	: >got.jsonl
	for l in $lifes; do
		if [ "$tb" = - ]; then
			sslm-due -j -l "$l"
		else
			sslm-due -j -c "$tb" -l "$l"
		fi >>got.jsonl
	done
	jq -r '"\(.lifetime) \(.target) \(.rand_adj)"' got.jsonl >got.txt
	# the lifetimes as written (jq prints 0.0208333 alike, 1.5 alike)
	# shellcheck disable=SC2086
	printf '%s\n' $lifes | paste -d ' ' - got.txt | cut -d' ' -f1,3,4 >got2.txt
	mv got2.txt got.txt
	bad=$(paste -d ' ' got.txt want.txt | awk '
	    { if ($1 != $4 || ($2 - $5) ^ 2 > 1e-18 || ($3 - $6) ^ 2 > 1e-18)
	        print }')
	n=$(wc -l <got.txt)
	if [ -z "$bad" ] && [ "$n" -eq 29 ]; then
		ok "table $tb: target and rand_adj of 29 lifetimes agree with the oracle"
	else
		notok "table $tb: lookup differs from the oracle ($n lines)" "$bad"
	fi
done

# a table given in any order is sorted by lifetime
printf '[{"lifetime": 45, "target": 20, "rand_adj": 3},
 {"lifetime": 10, "target": 2, "rand_adj": 1}]\n' >two-rev.json
: >rev.txt
: >fwd.txt
for l in 5 10 20 45 60; do
	sslm-due -j -c two-rev.json -l "$l" | jq -c . >>rev.txt
	sslm-due -j -c two.json -l "$l" | jq -c . >>fwd.txt
done
if [ -s rev.txt ] && cmp -s rev.txt fwd.txt; then
	ok "a table out of order gives the same values as sorted"
else
	notok "a table out of order" "$(paste rev.txt fwd.txt | head -3)"
fi

# The sample values of spec 5.4 (built-in table), to the digits given.
while read -r l t r; do
	sslm-due -j -l "$l" >s.json
	if jq -e --argjson t "$t" --argjson r "$r" \
	    '((.target - $t) | fabs) < 0.005 and ((.rand_adj - $r) | fabs) < 0.005' \
	    s.json >/dev/null; then
		ok "spec 5.4 sample: lifetime $l -> target $t, rand_adj $r"
	else
		notok "spec 5.4 sample: lifetime $l" "$(cat s.json)"
	fi
done <<'EOF'
90 30 0
89.99 29.997 0
45 10 0
44.5 9.93 0
60 20 0
30 7.86 0
10 5 0
7 3.2 0
6 2.6 0
2 1 0
1 0.5 0
100 35 1.67
120 45 5
200 51.67 2.78
365 73 0
397 79.4 0
EOF
# the sub-day fix: half a day is between the points 0 (0.25) and 1 (0.5)
sslm-due -j -l 0.5 >s.json
same "sub-day lifetime interpolates (ssl-mgr returned -1)" \
    "$(jq -r .target s.json)" 0.375

# ---- decisions on real certificates -------------------------------------------

# lifetimes in seconds: 30 min, 1 h, 12 h, 1, 2, 7, 45, 90, 100, 120,
# 200, 365 and 3650 days
i=0
for sec in 1800 3600 43200 86400 172800 604800 3888000 7776000 8640000 \
    10368000 17280000 31536000 315360000; do
	i=$((i + 1))
	mkcert "c$i.pem" "$T0" $((T0 + sec))
done
ncert=$i
i=1
nagree=0
nbad=""
: >all.jsonl
: >oall.jsonl
while [ "$i" -le "$ncert" ]; do
	at=$($ORACLE decide - "$T0" "c$i.pem" | jq -r .renew_at)
	# due from an hour before the oracle's time: a second before that
	# not due; at it, at the time and after expiry due; at issue due
	# only when the lead covers the lifetime
	set -- $((at - 3601)) $((at - 3600)) "$at" "$T0" $((T0 + 400000000))
	$ORACLE decide - "$(echo "$@" | tr ' ' ,)" "c$i.pem" >>oall.jsonl
	for when in "$@"; do
		rc=0
		sslm-due -j -a "@$when" "c$i.pem" >d.json 2>d.err || rc=$?
		printf '{"rc": %s, "when": %s, "file": "c%s.pem", "d": %s}\n' \
		    "$rc" "$when" "$i" "$(cat d.json)" >>all.jsonl
	done
	i=$((i + 1))
done
# every case against the oracle's line for the same file and time
jq -r -s --slurpfile o oall.jsonl '.[] | . as $c |
    ($o | map(select(.file == $c.file and .now == $c.when))[0]) as $w |
    if $w != null and $c.rc == (if $w.due then 0 else 1 end) and
      $c.d.due == $w.due and
      ($c.d.renew_at | fromdateiso8601) == $w.renew_at and
      $c.d.jitter == $w.jitter and
      (($c.d.target - $w.target) | fabs) < 1e-9 and
      (($c.d.lifetime_days - $w.lifetime) | fabs) < 1e-9
    then "agree" else "\($c.file)@\($c.when)(rc \($c.rc))" end' \
    all.jsonl >cmp.txt 2>&1
nagree=$(grep -c '^agree$' cmp.txt)
nbad=$(grep -v '^agree$' cmp.txt | tr '\n' ' ')
if [ -z "$nbad" ] && [ "$nagree" -eq $((ncert * 5)) ]; then
	ok "decision: $nagree cases (30 min .. 10 years, each side of the renew time) agree with the oracle"
else
	notok "decision differs from the oracle" "$nbad"
fi

# both polarities, exit code and message: the 45-day certificate c7
$ORACLE decide - "$T0" c7.pem >o.json
at=$(jq -r .renew_at o.json)
run sslm-due -a "@$((at - 86400 * 3))" c7.pem
expect_rc 1 "45-day cert, 3 days before its renew time: not due (exit 1)"
same "not due: the message says when" "$(cat "$T_OUT")" \
    "Current cert expires: 2027-02-15 00:00:00 UTC (  13d 00:00:00) Renew in 3.0 days"
run sslm-due -a "@$at" c7.pem
expect_rc 0 "45-day cert at its renew time: due (exit 0)"
same "due: the message says renew now" "$(cat "$T_OUT")" \
    "Current cert expires: 2027-02-15 00:00:00 UTC (  10d 00:00:00) Renew now"
run sslm-due -q -a "@$((at - 3600))" c7.pem
expect_rc 0 "45-day cert an hour before its renew time: due (a weekly cron at the minute it was made)"
run sslm-due -q -a "@$((at - 3601))" c7.pem
expect_rc 1 "45-day cert an hour and a second before: not due"
run sslm-due -q -a "@$((T0 + 86400 * 50))" c7.pem
expect_rc 0 "expired cert: due"
same "-q prints nothing" "$(wc -c <"$T_OUT")" 0
# a table that makes every certificate due (target beyond the lifetime)
printf '[{"lifetime": 45, "target": 50, "rand_adj": 0}]\n' >big.json
run sslm-due -c big.json -a "@$T0" c7.pem
expect_rc 0 "target longer than the lifetime: due at issue"
run sslm-due -c partial.json -a "@$T0" c7.pem
expect_rc 1 "partial table (90 -> 30): a 45-day cert is not due at issue"

# ---- jitter: bounds, steps of 0.1, spread, stable ------------------------------

: >jit.jsonl
i=0
while [ "$i" -lt 40 ]; do
	i=$((i + 1))
	mkcert "j$i.pem" "$T0" $((T0 + 120 * 86400 + i))
	sslm-due -j -a "@$T0" "j$i.pem" >>jit.jsonl
done
jq -r .jitter jit.jsonl >jit.txt
same "jitter: 40 values" "$(grep -c . jit.txt)" 40
# shellcheck disable=SC2016
chk "jitter within +/- rand_adj (5 days at 120 days)" \
    awk '$1 < -5 || $1 > 5 { exit 1 }' jit.txt
# shellcheck disable=SC2016
chk "jitter in steps of 0.1" \
    awk '{ v = $1 * 10; d = v - int(v); if (d < 0) d = -d
        if (d > 1e-6 && d < 1 - 1e-6) exit 1 }' jit.txt
nd=$(sort -u jit.txt | wc -l)
if [ "$nd" -ge 15 ]; then
	ok "jitter spreads: $nd distinct values over 40 certificates"
else
	notok "jitter does not spread" "$(sort -u jit.txt | tr '\n' ' ')"
fi
chk "jitter takes both signs" sh -c 'grep -q -- "^-" jit.txt && grep -qv -- "^-" jit.txt'
sslm-due -j -a "@$T0" j7.pem | jq -r .jitter >j1
sslm-due -j -a "@$((T0 + 86400))" j7.pem | jq -r .jitter >j2
same "jitter is the same at every run for one certificate" "$(cat j1)" "$(cat j2)"
# shellcheck disable=SC2046
$ORACLE decide - "$T0" $(i=1; while [ $i -le 40 ]; do echo "j$i.pem"; i=$((i + 1)); done) |
    jq -r .jitter >ojit.txt
if paste jit.txt ojit.txt | awk '($1 - $2) ^ 2 > 1e-18 { exit 1 }'; then
	ok "jitter of 40 certificates agrees with the oracle"
else
	notok "jitter differs from the oracle" "$(paste jit.txt ojit.txt | head)"
fi

# a jitter larger than the target never moves the renewal past expiry:
# lifetime 120 with one point 10 -> 1 +/- 5 gives target 12 +/- 60
printf '[{"lifetime": 10, "target": 1, "rand_adj": 5}]\n' >wide.json
nneg=0
nwrong=""
i=0
# shellcheck disable=SC2046
$ORACLE decide wide.json "$T0" $(while [ $i -lt 40 ]; do i=$((i + 1)); echo "j$i.pem"; done) >o40.json
i=0
: >w40.jsonl
while [ "$i" -lt 40 ]; do
	i=$((i + 1))
	sslm-due -j -c wide.json -a "@$T0" "j$i.pem" >>w40.jsonl
done
# where target + jitter < 0, the renewal is at expiry (oracle and sslm-due)
jq -r -s --slurpfile o o40.json '.[] | . as $d |
    ($o | map(select(.file == $d.file))[0]) as $w |
    select($w.target + $w.jitter < 0) |
    if $d.renew_at == $d.not_after and
      ($d.not_after | fromdateiso8601) == $w.renew_at
    then "ok" else $d.file end' w40.jsonl >wcmp.txt
nneg=$(grep -c . wcmp.txt)
nwrong=$(grep -v '^ok$' wcmp.txt | tr '\n' ' ')
if [ "$nneg" -gt 0 ] && [ -z "$nwrong" ]; then
	ok "jitter below -target: renewed at expiry, not after ($nneg certificates)"
else
	notok "jitter below -target" "negative leads: $nneg, wrong:$nwrong"
fi

# ---- bad input: one line, exit 3 (2 for usage) --------------------------------

run sslm-due nosuch.pem
expect_rc 3 "missing certificate file: exit 3"
expect_err_match '^sslm-due: nosuch.pem: ' "missing file: the message names it"
run sslm-due k.pem
expect_rc 3 "a private key is not a certificate: exit 3"
expect_err_match 'k.pem: no certificate' "no certificate: named"
printf '[{"lifetime": 90, "target": -1, "rand_adj": 0}]\n' >neg.json
run sslm-due -c neg.json c7.pem
expect_rc 3 "negative target: exit 3"
expect_err_match 'neg.json: renew_info\[0\]' "negative target: the message names the file and point"
printf '[{"lifetime": 90, "target": 1, "rand_adj": 0}, {"lifetime": 90, "target": 2, "rand_adj": 0}]\n' >dup.json
run sslm-due -c dup.json c7.pem
expect_rc 3 "two points at one lifetime: exit 3"
printf '{"renew_info": [' >trunc.json
run sslm-due -c trunc.json c7.pem
expect_rc 3 "truncated JSON table: exit 3"
expect_err_match 'trunc.json:1: ' "truncated JSON: file and line named"
run sslm-due -a yesterday c7.pem
expect_rc 2 "bad -a time: usage error"
run sslm-due -l -3
expect_rc 2 "negative lifetime: usage error"
run sslm-due c7.pem c8.pem
expect_rc 2 "two certificates: usage error"
run sslm-due -P c7.pem
expect_rc 2 "-P without -S: usage error"

# ---- ARI: the window decides, picked once, Retry-After ---------------------------

# c8: 90 days from T0; windows inside its life
ari() {	# ari FILE START END RETRY [URL]
	jq -n --arg s "$(utc "$2")" --arg e "$(utc "$3")" --argjson r "$4" \
	    --arg u "${5:-}" '{cert_id: "x", supported: true,
	    suggested_window: {start: $s, end: $e}, retry_after: $r} +
	    (if $u == "" then {} else {explanation_url: $u} end)' >"$1"
}
WS=$((T0 + 50 * 86400))
WE=$((T0 + 52 * 86400))
ari a1.json "$WS" "$WE" 3600 https://ca.example/why
rm -f st.json
NOW=$((T0 + 10 * 86400))
run sslm-due -P -S st.json -a "@$NOW" c8.pem
expect_rc 0 "ARI poll: no state yet -> ask the CA"
run sslm-due -j -S st.json -A a1.json -a "@$NOW" c8.pem
expect_rc 1 "ARI window 50-52 days ahead, asked at day 10: not due"
expect_jq '.source == "ari"' "ARI: the window decides"
chk "ARI: state file written" test -s st.json
pick=$(jq -r '.renew_at | fromdateiso8601' st.json)
if [ "$pick" -ge "$WS" ] && [ "$pick" -le "$WE" ]; then
	ok "ARI: the time picked lies in the window"
else
	notok "ARI: pick $pick outside $WS..$WE"
fi
same "ARI: state keeps the window start" "$(jq -r '.window.start' st.json)" "$(utc "$WS")"
same "ARI: Retry-After 3600 -> next check an hour later" \
    "$(jq -r '.next_check | fromdateiso8601' st.json)" $((NOW + 3600))
run sslm-due -P -S st.json -a "@$((NOW + 600))" c8.pem
expect_rc 1 "ARI poll: 10 minutes later, before Retry-After -> do not ask"
run sslm-due -P -S st.json -a "@$((NOW + 3600))" c8.pem
expect_rc 0 "ARI poll: after Retry-After -> ask again"
run sslm-due -P -S st.json -a "@$NOW" c7.pem
expect_rc 0 "ARI poll: state of another certificate -> ask"
# decided from the state alone, both sides of the pick
run sslm-due -S st.json -a "@$((pick - 1))" c8.pem
expect_rc 1 "ARI: a second before the picked time: not due"
run sslm-due -S st.json -a "@$pick" c8.pem
expect_rc 0 "ARI: at the picked time: due"
expect_err_lines 0 "ARI: no warning on a good state"
run sslm-due -S st.json -a "@$pick" c8.pem
if grep -q 'ARI window .* see https://ca.example/why' "$T_OUT"; then
	ok "ARI: the message shows the window and explanationURL"
else
	notok "ARI: message" "$(cat "$T_OUT")"
fi
# the same window again keeps the pick; a moved window picks anew
run sslm-due -j -S st.json -A a1.json -a "@$((NOW + 7200))" c8.pem
same "ARI: same window, the pick stays" \
    "$(jq -r '.renew_at | fromdateiso8601' st.json)" "$pick"
WS2=$((T0 + 20 * 86400))
WE2=$((T0 + 21 * 86400))
ari a2.json "$WS2" "$WE2" 0
run sslm-due -j -S st.json -A a2.json -a "@$NOW" c8.pem
pick2=$(jq -r '.renew_at | fromdateiso8601' st.json)
if [ "$pick2" -ge "$WS2" ] && [ "$pick2" -le "$WE2" ]; then
	ok "ARI: a moved window gets a new pick inside it"
else
	notok "ARI: moved window: pick $pick2 outside $WS2..$WE2"
fi
same "ARI: no Retry-After -> ask again in 6 hours" \
    "$(jq -r '.next_check | fromdateiso8601' st.json)" $((NOW + 21600))
# a state about another certificate does not decide
run sslm-due -j -S st.json -a "@$NOW" c7.pem
expect_jq '.source == "table"' "ARI: a state about another certificate is ignored"
# the pick is random: fresh states for one window pick different times
: >picks
for n in 1 2 3 4 5 6; do
	rm -f stp.json
	sslm-due -q -S stp.json -A a1.json -a "@$NOW" c8.pem
	jq -r .renew_at stp.json >>picks
done
np=$(sort -u picks | grep -c .)
if [ "$np" -ge 4 ]; then
	ok "ARI: six fresh picks in one window give $np different times"
else
	notok "ARI: picks are not random" "$(sort picks | uniq -c)"
fi
# a window in the past: due now
ari a3.json $((T0 + 86400)) $((T0 + 2 * 86400)) 5
run sslm-due -j -S st.json -A a3.json -a "@$NOW" c8.pem
expect_rc 0 "ARI: a window that lies in the past: due now"
same "ARI: Retry-After 5 s is raised to a minute" \
    "$(jq -r '.next_check | fromdateiso8601' st.json)" $((NOW + 60))
ari a4.json "$WS" "$WE" 864000
run sslm-due -j -S st.json -A a4.json -a "@$NOW" c8.pem
same "ARI: Retry-After of 10 days is cut to a day" \
    "$(jq -r '.next_check | fromdateiso8601' st.json)" $((NOW + 86400))
# a window reaching past expiry is clipped to notAfter
ari a5.json $((T0 + 89 * 86400)) $((T0 + 120 * 86400)) 60
run sslm-due -j -S st.json -A a5.json -a "@$NOW" c8.pem
same "ARI: window end clipped to the certificate's expiry" \
    "$(jq -r '.window.end | fromdateiso8601' st.json)" $((T0 + 90 * 86400))
# the server has no renewalInfo: the table decides
jq -n '{cert_id: "x", supported: false}' >a6.json
run sslm-due -j -S st.json -A a6.json -a "@$NOW" c8.pem
expect_rc 1 "no renewalInfo: the table decides (not due at day 10)"
expect_jq '.source == "table" and .ari == null' "no renewalInfo: source table"
same "no renewalInfo: recorded in the state" "$(jq -r .supported st.json)" false
# bad answers are not stored; the table (or the old window) decides
ari st-good.json "$WS" "$WE" 3600
run sslm-due -S st.json -A st-good.json -a "@$NOW" c8.pem
cp st.json st.before
ari a7.json "$WE" "$WS" 60
run sslm-due -j -S st.json -A a7.json -a "@$NOW" c8.pem
expect_rc 1 "ARI window that ends before it starts: not used, exit by the old window"
expect_err_match 'a7.json: suggested_window ends before it starts' "bad window: named"
chk "bad window: state unchanged" cmp -s st.json st.before
printf 'not json' >a8.json
pick=$(jq -r '.renew_at | fromdateiso8601' st.json)
run sslm-due -S st.json -A a8.json -a "@$pick" c8.pem
expect_rc 0 "unreadable ARI answer: the stored window still decides (due at the pick)"
expect_err_match 'a8.json: renewal information not used' "unreadable answer: warned"
chk "unreadable answer: state unchanged" cmp -s st.json st.before
ari a9.json $((T0 + 100 * 86400)) $((T0 + 101 * 86400)) 60
rm -f st.json
run sslm-due -j -S st.json -A a9.json -a "@$NOW" c8.pem
expect_err_match 'starts after the certificate expires' "window after expiry: refused"
expect_jq '.source == "table"' "window after expiry: the table decides"
chk "window after expiry: no state written" test ! -e st.json
# the CA's explanationURL goes into the message and sslm-mgr's log: one
# that is not a URL (a newline that would forge a log line, an escape
# sequence, a space) makes the answer unusable, from -A or from a state
ari a10.json "$WS" "$WE" 60 "$(printf 'https://ca.example/\n2026-01-01 00:00:00  rolled: forged')"
run sslm-due -j -S st.json -A a10.json -a "@$NOW" c8.pem
expect_err_match 'a10.json: explanation_url: not a URL' \
    "explanationURL with a newline: refused"
expect_jq '.source == "table" and (.message | contains("forged") | not)' \
    "explanationURL with a newline: the table decides, the message is clean"
chk "explanationURL with a newline: no state written" test ! -e st.json
ari a11.json "$WS" "$WE" 60 "https://ca.example/$(printf '\033[2J')x"
run sslm-due -S st.json -A a11.json -a "@$NOW" c8.pem
expect_err_match 'a11.json: explanation_url: not a URL' \
    "explanationURL with an escape sequence: refused"
ari a12.json "$WS" "$WE" 60 "https://ca.example/a b"
run sslm-due -S st.json -A a12.json -a "@$NOW" c8.pem
expect_err_match 'a12.json: explanation_url: not a URL' \
    "explanationURL with a space: refused"
run sslm-due -j -S st.json -A a1.json -a "@$NOW" c8.pem
expect_jq '.source == "ari"' "a good explanationURL: the window decides"
jq '.explanation_url = "https://ca.example/\u001b[2J"' st.json >st.tmp &&
    mv st.tmp st.json
run sslm-due -j -S st.json -a "@$NOW" c8.pem
expect_err_match 'st.json: explanation_url: not a URL' \
    "a state whose explanationURL is not a URL: refused"
expect_jq '.source == "table"' "a state whose explanationURL is not a URL: the table decides"
