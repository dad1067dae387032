#!/bin/sh
# sslm-status on its own, on a store made by the real tools: the JSON
# against openssl (dates, serial, SPKI), tests/renew_oracle.py (due,
# renew_at) and python3 (the arithmetic of the reasons); both sides of
# every decision (due, expired, roll ready and its DANE gate, late,
# missing curr, an unreadable cert, a configuration error); a hostile
# cert.pem and a truncated .ari give one line and exit 3; the metrics;
# and nothing in the store changes.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
t=""
TMPDIR=$w
export TMPDIR
ORACLE="python3 $SSLM_TOP/tests/renew_oracle.py"

ca_self_tree status
sh "$SSLM_TOP/examples/ca-self/make-ca" root >/dev/null 2>&1
run sslm-mgr -renew
expect_rc 0 "setup: first renew"
run sslm-mgr -roll
expect_rc 0 "setup: first roll"
c=$t/certs
S=$c/example.com/web-ec
web=$S/curr/cert.pem
sslm-conf -k >"$w/conf.json"
C=$w/conf.json
now=$(date +%s)

ep() { date -u -d "$(openssl x509 -in "$1" -noout "-$2" | cut -d= -f2)" +%s; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
# py EXPR: the value of a python3 expression
py() { python3 -c "print($1)"; }
snap() {
	find "$@" -printf '%p %y %m %T@ %s %l\n' | sort
	find "$@" -type f -exec sha256sum {} + | sort
}
snap "$t" >"$w/before"

# ---- a fine store -------------------------------------------------------------
run sslm-status -j -a "@$now" -c "$C"
expect_rc 0 "fine: exit 0"
n=$(wc -l <"$T_OUT")
same "fine: one line per service" "$n" 4
n=$(wc -c <"$T_ERR")
same "fine: nothing on stderr" "$n" 0
jq -s . "$T_OUT" >"$w/fine.json"
cp "$w/fine.json" "$T_OUT"
expect_jq '[.[] | keys_unsorted] | all(. == ["group", "service", "curr",
    "next", "prev", "status", "renew_work", "roll_work"])' \
    "fine: the members of a service"
expect_jq 'all(.[]; .roll_work == false)' "fine: no next, no roll work"
expect_jq '[.[].curr | keys_unsorted] | all(. == ["dir", "subject", "issuer",
    "serial", "not_before", "not_after", "lifetime_days", "seconds_left",
    "sans", "key", "sig_alg", "spki_sha256", "complete", "expired", "due",
    "renew_at", "due_msg", "ari_poll", "roll_ready", "reason"])' \
    "fine: the members of curr, in order"
expect_jq 'all(.[]; .renew_work == false and .curr.ari_poll == false)' \
    "fine: no renew work, no CA window to fetch"
expect_jq 'all(.[]; .status == 0 and .curr.complete and (.curr.expired | not)
    and .curr.due == false and .next == null)' "fine: all complete, none due"
W=$(jq -c '.[] | select(.service == "web-ec")' "$w/fine.json")
v=$(printf '%s' "$W" | jq -r .curr.not_after)
same "openssl: notAfter" "$v" "$(iso "$(ep "$web" enddate)")"
v=$(printf '%s' "$W" | jq -r .curr.not_before)
same "openssl: notBefore" "$v" "$(iso "$(ep "$web" startdate)")"
v=$(printf '%s' "$W" | jq -r .curr.serial)
want=$(openssl x509 -in "$web" -noout -serial | cut -d= -f2 |
    tr 'A-F' 'a-f' | sed 's/^0*//')
same "openssl: serial" "$v" "$want"
v=$(printf '%s' "$W" | jq -r .curr.spki_sha256)
want=$(openssl x509 -in "$web" -noout -pubkey | openssl pkey -pubin \
    -outform DER | sha256sum | cut -d' ' -f1)
same "openssl: SPKI SHA-256" "$v" "$want"
v=$(printf '%s' "$W" | jq .curr.seconds_left)
same "python3: seconds_left is notAfter - now" "$v" \
    "$(py "$(ep "$web" enddate) - $now")"
o=$($ORACLE decide "$C" "$now" "$web")
ra=$(printf '%s' "$o" | jq .renew_at)
v=$(printf '%s' "$W" | jq -r .curr.renew_at)
same "renew_oracle.py: renew_at" "$v" "$(iso "$ra")"
v=$(printf '%s' "$W" | jq -r .curr.reason)
same "fine: the reason" "$v" "not due until $(iso "$ra")"
v=$(printf '%s' "$W" | jq -r .curr.dir)
same "fine: dir is the target of curr" "$v" "$(readlink "$S/curr")"

# the text: the same facts, in ssl-mgr's layout
run sslm-status -v -a "@$now" -c "$C" example.com:web-ec
expect_rc 0 "text: exit 0"
same "text: the group, then the service" "$(sed -n '1p;2p' "$T_OUT" |
    tr '\n' '|')" "example.com|  web-ec|"
left=$(($(ep "$web" enddate) - now))
want=$(python3 -c "s = $left
print('%4dd %02d:%02d:%02d' % (s // 86400, s % 86400 // 3600, s % 3600 // 60, s % 60))")
check "text: expires, with the time left (python3)" grep -qF \
    "curr         : expires: $(date -u -d "@$(ep "$web" enddate)" \
    '+%Y-%m-%d %H:%M:%S UTC') ($want)" "$T_OUT"
check "text: sans with -v" grep -qF \
    "sans : ['example.com', 'www.example.com', '127.0.0.1', '::1']" "$T_OUT"
check "text: the status line" grep -qF "status : not due until $(iso "$ra")" \
    "$T_OUT"
run sslm-status -b -a "@$now" -c "$C" example.com:web-ec
n=$(grep -c 'web-ec' "$T_OUT")
same "text -b: no group or service line" "$n" 0
snap "$t" >"$w/after"
check "reads only: the tree is unchanged (modes, mtimes, contents)" \
    cmp "$w/before" "$w/after"

# ---- due, expired ---------------------------------------------------------------
at=$((ra - 3600 - 120))
run sslm-status -j -a "@$at" -c "$C" example.com:web-ec
expect_rc 0 "due: two minutes before the hour of slack: exit 0"
expect_jq '.renew_work == false' "not due: no renew work"
jq .renew_info "$C" >"$w/ri.json"
dm=$(sslm-due -a "@$at" -c "$w/ri.json" "$web")
expect_jq ".curr.due_msg == \"$dm\"" "not due: due_msg is sslm-due's answer"
expect_jq ".curr.due_msg | startswith(\"Current cert expires: $(date -u -d \
    "@$(ep "$web" enddate)" '+%Y-%m-%d %H:%M:%S UTC')\")" \
    "not due: due_msg has notAfter (openssl)"
at=$((ra + 60))
run sslm-status -j -a "@$at" -c "$C" example.com:web-ec
expect_rc 1 "due: past renew_at: exit 1"
expect_jq '.renew_work == true and (.curr.due_msg | endswith("Renew now"))' \
    "due: renew work, and sslm-due's answer says so"
o=$($ORACLE decide "$C" "$at" "$web")
lead=$(printf '%s' "$o" | python3 -c "import json, sys, math
d = json.load(sys.stdin); x = (d['target'] + d['jitter']) * 10
r = math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)
print(('%g' % (r / 10)))")
expect_jq ".curr.due and .status == 1 and .curr.reason ==
    \"due: renew at $(iso "$ra"), $lead days before expiry\"" \
    "due: the reason, with the days before expiry (python3)"
expect_err_match "^sslm-status: example.com:web-ec: curr: due: renew at" \
    "due: one line on stderr names the service"
expect_err_lines 1 "due: one line"
na=$(ep "$web" enddate)
at=$((na + 3 * 86400 + 50))
run sslm-status -j -a "@$at" -c "$C" example.com:web-ec
expect_rc 3 "expired: exit 3"
expect_jq '.curr.expired and .status == 3 and .curr.reason ==
    "expired 3 days ago"' "expired: 3 days ago"
at=$((na + 2 * 3600 + 5))
run sslm-status -j -a "@$at" -c "$C" example.com:web-ec
expect_jq '.curr.reason == "expired 2 hours ago"' "expired: 2 hours ago"
run sslm-status -j -a "@$((na - 1))" -c "$C" example.com:web-ec
expect_jq '.curr.expired == false' "expired: not a second before notAfter"
run sslm-status -j -a "@$na" -c "$C" example.com:web-ec
expect_jq '.curr.expired and .curr.reason == "expired 0 minutes ago"' \
    "expired: at notAfter"
run sslm-status -a "@$((na + 60))" -c "$C" example.com:web-ec
check "expired: the text marks it" grep -q '\*\* EXPIRED \*\*' "$T_OUT"

# ---- next: too young, ready, late ----------------------------------------------
run sslm-mgr -renew -f example.com:web-ec
expect_rc 0 "next: renew -f makes one"
nb=$(ep "$S/next/cert.pem" startdate)
run sslm-status -j -r 60 -a "@$((nb + 30 * 60 + 5))" -c "$C" example.com:web-ec
expect_rc 0 "next too young: exit 0"
expect_jq '.next | .roll_ready == false and .late == false and
    .age_minutes == 30 and .reason == "next too young (30 of 60 minutes)"' \
    "next too young: roll_ready false, the reason"
expect_jq '.next | keys_unsorted | .[-3:] == ["reason", "late",
    "age_minutes"]' "next: late and age_minutes after reason"
run sslm-status -j -r 60 -a "@$((nb + 60 * 60))" -c "$C" example.com:web-ec
expect_jq '.next | .roll_ready and .reason == "ready to roll (60 minutes old)"' \
    "next exactly min_roll_mins old: ready"
late=$((nb + (60 + 2880) * 60 + 120))
run sslm-status -j -r 60 -a "@$late" -c "$C" example.com:web-ec
expect_rc 1 "next late: exit 1"
expect_jq '.next | .late and .reason ==
    "late: next waits 2942 minutes, more than 60 + 2880; ready to roll (2942 minutes old)"' \
    "next late: the reason"
expect_err_match "^sslm-status: example.com:web-ec: next: late" \
    "next late: stderr names next"
run sslm-status -j -r 60 -l 5000 -a "@$late" -c "$C" example.com:web-ec
expect_rc 0 "next late: -l 5000 moves the limit: exit 0"
run sslm-status -j -r 60 -a "@$((nb + (60 + 2880) * 60 + 59))" -c "$C" \
    example.com:web-ec
expect_jq '.next.late == false and .status == 0' \
    "next: exactly min_roll_mins + late_mins old is not late"
cp -a "$t" "$w/inc"
sed "s|$t|$w/inc|g" "$C" >"$w/inc.json"
# a roll a killed run left half done: next is curr, shown as no next
ln -sfn "$(readlink "$w/inc/certs/example.com/web-ec/curr")" \
    "$w/inc/certs/example.com/web-ec/next.tmp"
mv "$w/inc/certs/example.com/web-ec/next" "$w/next.save"
mv -T "$w/inc/certs/example.com/web-ec/next.tmp" \
    "$w/inc/certs/example.com/web-ec/next"
run sslm-status -j -a "@$nb" -c "$w/inc.json" example.com:web-ec
expect_jq '.next == null and .curr != null' "half a roll: next that is curr is no next"
rm "$w/inc/certs/example.com/web-ec/next"
mv "$w/next.save" "$w/inc/certs/example.com/web-ec/next"
# no curr: next is ready to roll at once
rm "$w/inc/certs/example.com/web-ec/curr"
run sslm-status -j -a "@$nb" -c "$w/inc.json" example.com:web-ec
expect_rc 3 "missing curr: exit 3"
expect_jq '.curr == null and .status == 3' "missing curr: curr null"
expect_err_match "^sslm-status: example.com:web-ec: no curr$" \
    "missing curr: stderr says no curr"
run sslm-status -a "@$nb" -c "$w/inc.json" example.com:web-ec
check "missing curr: the text says MISSING" grep -q 'MISSING: no curr link' \
    "$T_OUT"

# ---- the DANE gate ------------------------------------------------------------------
jq '(.groups[] | select(.domain == "example.com") | .services[] |
    select(.service == "web-ec")) |= (.dane_tls = [{"port": 443,
    "proto": "tcp", "subtype": ""}] | .dane_tls_ttl = 600)' "$C" \
    >"$w/dane.json"
nx=$(readlink "$S/next")
cp -a "$t" "$w/dane"
sed "s|$t|$w/dane|g" "$w/dane.json" >"$w/dane2.json"
D=$w/dane/certs/example.com/web-ec
old=$((nb + 120 * 60))
run sslm-status -j -a "@$old" -c "$w/dane2.json" example.com:web-ec
expect_jq '.next.roll_ready' "dane: no tlsa.rr in next: no gate"
printf '_443._tcp.example.com. IN TLSA 3 1 1 00\n' >"$D/next/tlsa.rr"
run sslm-status -j -a "@$old" -c "$w/dane2.json" example.com:web-ec
expect_jq '.next.roll_ready == false and .next.reason ==
    "next TLSA records not yet seen on every authoritative server"' \
    "dane: not seen: not ready"
printf '%s %s\n' "$nx" $((old - 1199)) >"$D/.tlsa-seen"
run sslm-status -j -a "@$old" -c "$w/dane2.json" example.com:web-ec
expect_jq '.next.roll_ready == false and .next.reason ==
    "next TLSA records seen everywhere 1199 s ago, need 2 x TTL = 1200 s"' \
    "dane: seen 1199 s ago, TTL 600: not ready"
printf 'db/other 1\n%s %s\n' "$nx" $((old - 1200)) >"$D/.tlsa-seen"
run sslm-status -j -a "@$old" -c "$w/dane2.json" example.com:web-ec
expect_jq '.next.roll_ready and .next.reason == "ready to roll (120 minutes old)"' \
    "dane: seen 2 x TTL ago: ready"
printf '%s 12x\n' "$nx" >"$D/.tlsa-seen"
run sslm-status -j -a "@$old" -c "$w/dane2.json" example.com:web-ec
expect_jq '.next.reason | startswith("next TLSA records not yet seen")' \
    "dane: a time that is not a number counts as not seen"
jq '(.groups[] | select(.domain == "example.com")) |= del(.dns_primary)' \
    "$w/dane2.json" >"$w/dane3.json"
run sslm-status -j -a "@$old" -c "$w/dane3.json" example.com:web-ec
expect_jq '.next.roll_ready == false and .next.reason ==
    "no [[dns_primary]] to check the TLSA records"' "dane: no dns_primary"

# ---- an unreadable or hostile cert.pem, a truncated .ari, a bad service --------
cp -a "$t" "$w/bad"
sed "s|$t|$w/bad|g" "$C" >"$w/bad.json"
B=$w/bad/certs/example.com/web-ec
cu=$(readlink "$B/curr")
head -c 300 "$web" >"$B/$cu/cert.pem"
run sslm-status -j -c "$w/bad.json" example.com:web-ec
expect_rc 3 "truncated cert.pem: exit 3"
expect_jq ".curr == {\"dir\": \"$cu\", \"error\": \"cannot read cert.pem\"}
    and .status == 3" "truncated cert.pem: the set's error"
expect_err_lines 1 "truncated cert.pem: one line on stderr"
expect_err_match "^sslm-status: example.com:web-ec: curr: cannot read cert.pem$" \
    "truncated cert.pem: the line names the service and the set"
run sslm-status -c "$w/bad.json" example.com:web-ec
check "truncated cert.pem: the text says so" grep -q 'failed to read cert' \
    "$T_OUT"
# garbage: a private key where the certificate should be, binary bytes,
# a file over the bound
cp "$B/$cu/privkey.pem" "$B/$cu/cert.pem"
run sslm-status -j -c "$w/bad.json" example.com:web-ec
expect_jq '.curr.error == "cannot read cert.pem"' "a key in cert.pem: not read"
n=$(grep -c 'PRIVATE' "$T_OUT" "$T_ERR" | awk -F: '{ s += $2 } END { print s }')
same "a key in cert.pem: nothing of it is printed" "$n" 0
head -c 4000 /dev/urandom >"$B/$cu/cert.pem"
run sslm-status -j -c "$w/bad.json" example.com:web-ec
expect_rc 3 "random bytes: exit 3"
expect_err_lines 1 "random bytes: one line on stderr"
{ cat "$web"; head -c 1100000 /dev/zero | tr '\0' 'A'; } >"$B/$cu/cert.pem"
run sslm-status -j -c "$w/bad.json" example.com:web-ec
expect_jq '.curr.error == "cannot read cert.pem"' "over 1 MiB: not read"
rm "$B/$cu/cert.pem"
mkdir "$B/$cu/cert.pem"
run sslm-status -j -c "$w/bad.json" example.com:web-ec
expect_jq '.curr.error == "cannot read cert.pem"' "a directory as cert.pem: not read"
rmdir "$B/$cu/cert.pem"
cp "$web" "$B/$cu/cert.pem"
# an ACME service with a truncated .ari
jq '(.groups[].services[] | select(.service == "web-ec")) |= (.signer.type =
    "acme")' "$w/bad.json" >"$w/acme.json"
run sslm-status -j -a "@$now" -c "$w/acme.json" example.com:web-ec
expect_jq '.curr.due == false and .status == 0' "acme, no .ari: the table decides"
printf '{"cert_sha256": "ab' >"$B/.ari"
run sslm-status -j -a "@$now" -c "$w/acme.json" example.com:web-ec
expect_rc 3 "truncated .ari: exit 3"
expect_jq ".curr.due == null and .curr.reason ==
    \"cannot decide the renewal: $B/.ari: not a JSON object\"" \
    "truncated .ari: the reason names the file"
expect_err_lines 1 "truncated .ari: one line on stderr"
expect_err_match "example.com:web-ec: curr: cannot decide the renewal: $B/.ari" \
    "truncated .ari: the line names the file"
run sslm-status -t -j -a "@$now" -c "$w/acme.json" example.com:web-ec
expect_rc 0 "truncated .ari, -t: no ARI, the table decides"
# a window about curr decides; one about another certificate does not
h=$(openssl x509 -in "$web" -outform DER | sha256sum | cut -d' ' -f1)
cat >"$B/.ari" <<EOF
{"cert_sha256": "$h", "supported": true,
 "window": {"start": "$(iso $((now - 200)))", "end": "$(iso $((now - 100)))"},
 "renew_at": "$(iso $((now - 150)))", "next_check": "$(iso $((now + 60)))"}
EOF
run sslm-status -j -a "@$now" -c "$w/acme.json" example.com:web-ec
expect_jq ".curr.due and .curr.renew_at == \"$(iso $((now - 150)))\" and
    .curr.reason == \"due (the CA renewal window: renew at $(iso $((now - 150))))\"" \
    "ari: the cached window decides"
# curr due, a complete next that is not due waits: fine; an incomplete
# one does not count
expect_jq '.next.complete and .next.due == false and .status == 0' \
    "due curr with a complete next waiting that is not due: status 0"
expect_rc 0 "due curr with a next waiting: exit 0"
mv "$B/next/chain.pem" "$w/chain.pem"
run sslm-status -j -a "@$now" -c "$w/acme.json" example.com:web-ec
expect_jq '.curr.due and .next.complete == false and .next.roll_ready == false
    and .next.reason == "next is incomplete" and .status == 1' \
    "incomplete next: not ready, and the due curr counts: status 1"
mv "$w/chain.pem" "$B/next/chain.pem"
sed -i "s/$h/00$h/" "$B/.ari"
run sslm-status -j -a "@$now" -c "$w/acme.json" example.com:web-ec
expect_jq '.curr.due == false' "ari: a window about another certificate does not"
# a service whose configuration failed
jq '(.groups[].services[] | select(.service == "mail-ec")) |= {service,
    group, error: "mail-ec:3: key: bad"}' "$C" >"$w/err.json"
run sslm-status -j -a "@$now" -c "$w/err.json" example.com:mail-ec
expect_rc 3 "config error: exit 3"
expect_jq '. == {"group": "example.com", "service": "mail-ec",
    "error": "mail-ec:3: key: bad", "status": 3}' "config error: the object"
expect_err_match '^sslm-status: example.com:mail-ec: configuration: mail-ec:3: key: bad$' \
    "config error: the line"
run sslm-status -a "@$now" -c "$w/err.json" example.com:mail-ec
check "config error: the text" grep -qF \
    "         config       : error: mail-ec:3: key: bad" "$T_OUT"

# ---- the metrics ---------------------------------------------------------------------
mkdir -p "$w/prom"
printf 'example.com\tweb-ec\t1700000000\tok\nnosuch\tsvc\t1\tok\n' \
    >"$c/.last-run"
pnow=$((nb + 60))
run sslm-status -q -a "@$pnow" -c "$C" -p "$w/prom/sslm.prom"
expect_rc 0 "prom: -q exits 0"
n=$(wc -c <"$T_OUT")
same "prom: -q prints nothing" "$n" 0
same "prom: mode 0644" "$(stat -c %a "$w/prom/sslm.prom")" 644
n=$(find "$w/prom" -mindepth 1 | wc -l)
same "prom: no temporary file left" "$n" 1
n=$(grep -c '^# TYPE sslm_[a-z_]* gauge$' "$w/prom/sslm.prom")
same "prom: ten families" "$n" 10
v=$(grep '^sslm_cert_not_after_seconds{group="example.com",service="web-ec",set="curr"} ' \
    "$w/prom/sslm.prom" | cut -d' ' -f2)
same "prom: notAfter agrees with openssl" "$v" "$(ep "$web" enddate)"
v=$(grep -c '^sslm_next_roll_ready{group="example.com",service="web-ec"} 1$' \
    "$w/prom/sslm.prom")
same "prom: web-ec's next may roll" "$v" 1
v=$(grep '^sslm_last_run_timestamp_seconds{group="example.com",service="web-ec"} ' \
    "$w/prom/sslm.prom" | cut -d' ' -f2)
same "prom: the last run of web-ec" "$v" 1700000000
n=$(grep -c 'nosuch' "$w/prom/sslm.prom")
same "prom: a record of an unknown service is left out" "$n" 0
same "prom: the timestamp" "$(tail -1 "$w/prom/sslm.prom")" \
    "sslm_status_timestamp_seconds $pnow"
printf 'example.com\tweb-ec\tsoon\tok\n' >"$c/.last-run"
run sslm-status -q -c "$C" -p "$w/prom/sslm.prom"
expect_rc 3 "prom: a bad .last-run: exit 3"
expect_err_match "\.last-run:1: not a run record" "prom: the line names the file"
rm -f "$c/.last-run"
run sslm-status -q -c "$C" -p "$w/nodir/sslm.prom"
expect_rc 3 "prom: no such directory: exit 3"
expect_err_lines 1 "prom: one line"
expect_err_match "nodir/sslm.prom: cannot write the metrics" \
    "prom: the line names the file"

# ---- usage, operands, the configuration ----------------------------------------------
run sslm-status -j
expect_rc 2 "usage: -c is needed"
run sslm-status -j -c "$C" nosuch.example
expect_rc 3 "an operand that names nothing: exit 3"
expect_err_match "nosuch.example: no such group" "... says so"
run sslm-status -j -c "$C" example.com:nosuch
expect_err_match "example.com:nosuch: no such service" "a service that is not there"
run sslm-status -r soon -c "$C"
expect_rc 2 "a roll-mins that is not a number: exit 2"
printf '{"certs_dir": "/x", "groups": [' >"$w/trunc.json"
run sslm-status -c "$w/trunc.json"
expect_rc 3 "a truncated conf.json: exit 3"
expect_err_lines 1 "a truncated conf.json: one line"
expect_err_match "trunc.json" "... naming the file"
jq '.groups[0].domain = "../etc"' "$C" >"$w/evil.json"
run sslm-status -c "$w/evil.json"
expect_rc 3 "an unsafe group name: exit 3"

# ---- reads only --------------------------------------------------------------------------
cp -a "$t" "$w/ro"
sed "s|$t|$w/ro|g" "$C" >"$w/ro.json"
chmod -R a-w "$w/ro"
snap "$w/ro" >"$w/ro.before"
run sslm-status -j -c "$w/ro.json"
expect_rc 0 "read-only copy: exit 0"
snap "$w/ro" >"$w/ro.after"
check "read-only copy: nothing changed" cmp "$w/ro.before" "$w/ro.after"
chmod -R u+w "$w/ro"

# ---- roll work: a next, and a roll a killed run left half done -------------------
cu=$(readlink "$S/curr")
rm -f "$S/next"
ln -s "$cu" "$S/next"
run sslm-status -j -b -a "@$now" -c "$C" example.com:web-ec
expect_jq '.roll_work == true and .next == null' \
    "half-done roll (next is curr): roll work, though no next is shown"
rm "$S/next"
run sslm-mgr -renew -f example.com:web-ec
run sslm-status -j -b -a "@$now" -c "$C" example.com:web-ec
expect_jq '.roll_work == true and .next.dir == "'"$(readlink "$S/next")"'"' \
    "a next: roll work"
