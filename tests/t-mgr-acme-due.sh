#!/bin/sh
# Variables come from the sourced tests/lib.sh and tests/env files, which
# the linter cannot follow under "$SSLM_TOP".
# shellcheck disable=SC2154
# When sslm-mgr renews an ACME certificate, driven as cron drives it: a
# plain -renew (no -f), then -roll, in an empty environment, against a
# real Pebble on loopback.  Pebble 2.4.0 has no renewalInfo, so the
# [renew_info] table decides; orders are counted in Pebble's own log.  A
# complete next that waits for its roll is kept.  Through a proxy that
# adds renewalInfo to Pebble (tests/env/ari.py), the CA's window decides:
# Retry-After is honoured, the new order replaces the old certificate,
# an answer that cannot be used is reported and the table decides.  Later
# times come from faketime.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/pebble.sh"
. "$SSLM_TOP/tests/env/mgr-acme.sh"
. "$SSLM_TOP/tests/env/ari.sh"

w=$SSLM_TMP
zone=acme.test
for p in pebble nsd nginx faketime python3 jq openssl curl; do
	if ! command -v "$p" >/dev/null 2>&1; then
		notok "$p is installed (scripts/deps)"
		exit 0
	fi
done

cleanup() {
	ari_proxy_stop "$w/proxy" 2>/dev/null
	mgr_bed_stop
}
trap cleanup EXIT

if mgr_bed "$w" "$zone" &&
    ari_proxy_start "$w/proxy" "$w/ca" "$(cat "$w/pebble/url")"; then
	ok "test bed: Pebble, NSD, nginx and the ARI proxy start"
else
	notok "test bed: Pebble, NSD, nginx and the ARI proxy start" \
	    "$(tail -3 "$w"/*/*.log 2>/dev/null)"
	exit 0
fi
px=$w/proxy
mkdir -p "$w/home"

# mgr_at EPOCH ARGS...: sslm-mgr as cron runs it, with nothing in the
# environment but PATH, HOME and the tree; with EPOCH, every program of
# the run starts with the clock at that time (faketime).
mgr_at() {
	_at=$1
	shift
	if [ -n "$_at" ]; then
		set -- faketime -f "@$_at" "$SSLM_BIN/sslm-mgr" "$@"
	else
		set -- "$SSLM_BIN/sslm-mgr" "$@"
	fi
	env -i ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} PATH=/usr/bin:/bin HOME="$w/home" \
	    SSL_MGR_TOPDIR="$t" FAKETIME_FMT=%s "$@"
}
mgr() {
	mgr_at "" "$@"
}

# orders: the orders Pebble has added (its log, not ours).
orders() {
	grep -c 'Added order' "$w/pebble/pebble.log"
}
# issued: the serial of the last certificate Pebble issued (hex, lower
# case, no leading zeros, as serial prints it).
issued() {
	sed -n 's/.*Issued certificate serial 0*\([0-9a-f]*\) .*/\1/p' \
	    "$w/pebble/pebble.log" | tail -1
}
serial() {
	openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' |
	    sed 's/^0*//'
}
fingerprint() {
	openssl x509 -in "$1" -noout -fingerprint -sha256
}
# epoch CERT startdate|enddate
epoch() {
	date -d "$(openssl x509 -in "$1" -noout "-$2" | cut -d= -f2)" +%s
}
iso() {
	date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ
}
# line_has FILE A B: a line of FILE holds both strings.
line_has() {
	grep -F -- "$2" "$1" | grep -qF -- "$3"
}
now_past() {
	[ "$(date +%s)" -ge "$1" ]
}
# differ WHAT A B: ok when A and B are set and not equal.
differ() {
	if [ -n "$2" ] && [ -n "$3" ] && [ "$2" != "$3" ]; then
		ok "$1"
	else
		notok "$1" "a: $2" "b: $3"
	fi
}

# tree NAME URL CN: a tree W/NAME with one http-01 service, web, for CN
# from the ACME directory URL; S is its store directory.
tree() {
	mgr_site "$1" <<X
[acme-ca]
    ca_type = 'acme'
    ca_validation = 'http-01'
    acme_directory = '$2'
    acme_ca_file = '$w/ca/ca.pem'
X
	mgr_service web acme-ca "$3"
	S=$t/certs/$zone/web
}

# ---- 1. Pebble without renewalInfo: the table decides -----------------
tree cron "$(cat "$w/pebble/url")" "a.$zone"
n=$(orders)
run mgr -renew
expect_rc 0 "first renew: exit 0"
same "first renew: one order in Pebble's log" "$(orders)" "$((n + 1))"
run mgr -roll
expect_rc 0 "first roll: exit 0"
chk "first roll: curr verifies against Pebble's root" mgr_good "$S/curr"
curr=$(readlink "$S/curr")
fp=$(fingerprint "$S/curr/cert.pem")

n=$(orders)
run mgr -renew
expect_rc 0 "not due: exit 0"
same "not due: no order in Pebble's log" "$(orders)" "$n"
chk "not due: no next" test ! -L "$S/next"
same "not due: curr unchanged" "$(readlink "$S/curr")" "$curr"
chk "not due: the log says why" grep -q 'cert up to date: renew not needed' \
    "$t/logs/sslm"

# A target longer than Pebble's five years: due at once.
cat >>"$t/conf.d/ssl-mgr.conf" <<X

[renew_info]
    target_300 = 400
X
run mgr -renew
expect_rc 0 "due by [renew_info]: exit 0"
chk "due by [renew_info]: says Renew now" grep -q 'Renew now' "$T_OUT"
same "due by [renew_info]: exactly one order in Pebble's log" "$(orders)" \
    "$((n + 1))"
chk "due by [renew_info]: next verifies against Pebble's root" \
    mgr_good "$S/next"
same "due by [renew_info]: next holds the certificate Pebble issued" \
    "$(serial "$S/next/cert.pem")" "$(issued)"
nx=$(readlink "$S/next")
fpn=$(fingerprint "$S/next/cert.pem")
run mgr -roll
expect_rc 0 "roll: exit 0"
same "roll: curr is the former next" "$(readlink "$S/curr")" "$nx"
same "roll: curr/cert.pem is the new certificate" \
    "$(fingerprint "$S/curr/cert.pem")" "$fpn"
differ "roll: curr/cert.pem changed" "$(fingerprint "$S/curr/cert.pem")" "$fp"
run openssl verify -CAfile "$w/root.pem" -untrusted "$S/curr/chain.pem" \
    "$S/curr/cert.pem"
expect_rc 0 "roll: openssl verifies curr against Pebble's root"
chk "roll: no next left" test ! -L "$S/next"

# ---- 2. a complete next waiting for its roll is kept ------------------
# Due one ten-thousandth of the lifetime after issuance (4.4 hours of
# Pebble's five years), so two certificates issued 3 s apart can be
# told apart; no roll for 10 hours.
edit "$t/conf.d/ssl-mgr.conf" 'target_300 = 400' 'target_300 = 299.97' \
    'min_roll_mins = 0' 'min_roll_mins = 600'
curr=$(readlink "$S/curr")
nb=$(epoch "$S/curr/cert.pem" startdate)
off=$((($(epoch "$S/curr/cert.pem" enddate) - nb) / 10000))
# curr's renewal time is nb + off (+ 1 at the latest); sslm-due(1) says
# due from an hour before it
due=$((nb + off - 3600 + 2))
_pebble_poll 50 now_past $((nb + 3))
n=$(orders)
run mgr_at "$due" -renew
expect_rc 0 "curr due: exit 0"
chk "curr due: says Renew now" grep -q 'Renew now' "$T_OUT"
same "curr due: one order in Pebble's log" "$(orders)" "$((n + 1))"
chk "curr due: next verifies" mgr_good "$S/next"
nx=$(readlink "$S/next")
chk "curr due: next issued 3 s after curr or later" \
    test "$(epoch "$S/next/cert.pem" startdate)" -ge $((nb + 3))
run mgr -roll
expect_rc 0 "roll too soon: exit 0"
chk "roll too soon: says so" grep -q 'too soon to roll' "$T_OUT"
same "roll too soon: next kept" "$(readlink "$S/next")" "$nx"
same "roll too soon: curr kept" "$(readlink "$S/curr")" "$curr"
n=$(orders)
run mgr_at "$due" -renew
expect_rc 0 "pending next: exit 0"
chk "pending next: curr is due" grep -q 'Renew now' "$T_OUT"
chk "pending next: says the next waits for its roll" \
    grep -q "next $nx is complete and waits for its roll: no new set" "$T_OUT"
same "pending next: no order in Pebble's log" "$(orders)" "$n"
same "pending next: the same next" "$(readlink "$S/next")" "$nx"
# Once the next is due itself, it is replaced.
due2=$(($(epoch "$S/next/cert.pem" startdate) + off - 3600 + 2))
run mgr_at "$due2" -renew
expect_rc 0 "next due itself: exit 0"
same "next due itself: one order in Pebble's log" "$(orders)" "$((n + 1))"
differ "next due itself: a new next" "$(readlink "$S/next")" "$nx"
chk "next due itself: the new next verifies" mgr_good "$S/next"
nx=$(readlink "$S/next")
run mgr -renew -f
expect_rc 0 "renew -f: exit 0"
same "renew -f: one more order in Pebble's log" "$(orders)" "$((n + 2))"
differ "renew -f: a new next" "$(readlink "$S/next")" "$nx"
chk "renew -f: the new next verifies" mgr_good "$S/next"

# ---- 3. ARI through the proxy: the CA's window decides ----------------
tree ari "$(cat "$px/url")" "r.$zone"
now=$(date +%s)
ws=$(iso $((now + 10 * 86400)))
we=$(iso $((now + 11 * 86400)))
expl=https://ca.example/ari/why-$now
ari_proxy_window "$px" "$ws" "$we" 3600 "$expl"
run mgr -renew
expect_rc 0 "ari: first certificate: exit 0"
same "ari: first certificate: one newOrder through the proxy" \
    "$(ari_proxy_count "$px" newOrder)" 1
chk "ari: the first order replaces nothing" test "$(ari_proxy_orders "$px" |
    jq -r 'has("replaces")')" = false
run mgr -roll
expect_rc 0 "ari: first roll: exit 0"
chk "ari: curr verifies" mgr_good "$S/curr"
cid=$(ari_cert_id "$S/curr/cert.pem")
g=$(ari_proxy_count "$px" renewalInfo)
n=$(orders)
run mgr -renew
expect_rc 0 "ari: window in the future: exit 0"
same "ari: window in the future: one renewalInfo GET" \
    "$(ari_proxy_count "$px" renewalInfo)" "$((g + 1))"
same "ari: the GET names the certID of curr (computed by ari.py)" \
    "$(jq -r 'select(.kind == "renewalInfo") | .id' "$px/log" | tail -1)" "$cid"
same "ari: window in the future: no newOrder" \
    "$(ari_proxy_count "$px" newOrder)" 1
same "ari: window in the future: no order in Pebble's log" "$(orders)" "$n"
chk "ari: window in the future: no next" test ! -L "$S/next"
run jq -e --arg s "$ws" --arg e "$we" --arg h "$(openssl x509 \
    -in "$S/curr/cert.pem" -outform DER | sha256sum | cut -d' ' -f1)" \
    '.supported and .window.start == $s and .window.end == $e and
    .renew_at >= $s and .renew_at <= $e and .cert_sha256 == $h' "$S/.ari"
expect_rc 0 "ari: .ari holds the window, a renew_at inside it, curr's hash"
chk "ari: the log names the window and the explanation URL" \
    grep -qF "(ARI window $(echo "$ws" | tr T ' ' | sed 's/Z$/ UTC/') to $(echo \
    "$we" | tr T ' ' | sed 's/Z$/ UTC/'), see $expl)" "$t/logs/sslm"
ra=$(jq -r .renew_at "$S/.ari")
run mgr -renew
expect_rc 0 "ari: before Retry-After: exit 0"
same "ari: before Retry-After: no renewalInfo GET" \
    "$(ari_proxy_count "$px" renewalInfo)" "$((g + 1))"
run mgr_at $((now + 7200)) -renew
expect_rc 0 "ari: after Retry-After: exit 0"
same "ari: after Retry-After: one more renewalInfo GET" \
    "$(ari_proxy_count "$px" renewalInfo)" "$((g + 2))"
same "ari: the same window keeps the same renew_at" \
    "$(jq -r .renew_at "$S/.ari")" "$ra"
same "ari: after Retry-After: no order in Pebble's log" "$(orders)" "$n"
# -t decides by the table: the staging CA does not know this certificate
# (its first run fills prod-certs.test and reloads everything; the DNS
# restart of this bed fails then, which is not the point here)
run mgr_at $((now + 4 * 3600)) -renew -t
same "ari: -t, past Retry-After: no renewalInfo GET" \
    "$(ari_proxy_count "$px" renewalInfo)" "$((g + 2))"
same "ari: -t: no order in Pebble's log" "$(orders)" "$n"

# The window moves into the past (asked for after the next Retry-After).
ari_proxy_window "$px" "$(iso $((now - 2 * 86400)))" \
    "$(iso $((now - 86400)))" 3600 "$expl"
run mgr_at $((now + 4 * 3600)) -renew
expect_rc 0 "ari: window in the past: exit 0"
same "ari: window in the past: one more renewalInfo GET" \
    "$(ari_proxy_count "$px" renewalInfo)" "$((g + 3))"
chk "ari: window in the past: Renew now, with the explanation URL" \
    line_has "$T_OUT" "Renew now (ARI window" ", see $expl)"
same "ari: window in the past: exactly one newOrder" \
    "$(ari_proxy_count "$px" newOrder)" 2
same "ari: window in the past: one order in Pebble's log" "$(orders)" \
    "$((n + 1))"
same "ari: the newOrder replaces the certID of the old certificate" \
    "$(ari_proxy_orders "$px" | tail -1 | jq -r .replaces)" "$cid"
chk "ari: window in the past: next verifies" mgr_good "$S/next"
run mgr -roll
expect_rc 0 "ari: second roll: exit 0"
cid=$(ari_cert_id "$S/curr/cert.pem")

# Answers that cannot be used: a warning, and the table decides.
ari_proxy_window "$px" "$we" "$ws" 3600
g=$(ari_proxy_count "$px" renewalInfo)
run mgr -renew
expect_rc 0 "ari: a window that ends before it starts: exit 0"
expect_err_match "^sslm-mgr: $zone:web: .*suggested_window ends before it starts" \
    "ari: a window that ends before it starts: a warning says so"
same "ari: a window that ends before it starts: asked" \
    "$(ari_proxy_count "$px" renewalInfo)" "$((g + 1))"
same "ari: a window that ends before it starts: the table: no newOrder" \
    "$(ari_proxy_count "$px" newOrder)" 2
ari_proxy_window "$px" "$ws" "$we" 3600 "$(printf \
    'https://ca.example/\n2026-01-01 00:00:00  rolled: curr is now FORGED')"
run mgr -renew
expect_rc 0 "ari: an explanationURL with a newline: exit 0"
expect_err_match "^sslm-mgr: $zone:web: .*explanation_url: not a URL" \
    "ari: an explanationURL with a newline: a warning says so"
if grep -q FORGED "$t/logs/sslm" "$T_OUT" "$T_ERR"; then
	notok "ari: an explanationURL with a newline: no forged log line" \
	    "$(grep FORGED "$t/logs/sslm" "$T_OUT" "$T_ERR")"
else
	ok "ari: an explanationURL with a newline: no forged log line"
fi
same "ari: an explanationURL with a newline: the table: no newOrder" \
    "$(ari_proxy_count "$px" newOrder)" 2
ari_proxy_garbage "$px"
run mgr -renew
expect_rc 0 "ari: garbage: the run exits 0"
expect_err_match "^sslm-mgr: $zone:web: renewal information: .*/renewalInfo/$cid: .*malformed JSON" \
    "ari: garbage: a warning names the renewalInfo URL"
same "ari: garbage: asked" "$(ari_proxy_count "$px" renewalInfo)" "$((g + 3))"
same "ari: garbage: the table (not due): no newOrder" \
    "$(ari_proxy_count "$px" newOrder)" 2
chk "ari: garbage: no next" test ! -L "$S/next"
cat >>"$t/conf.d/ssl-mgr.conf" <<X

[renew_info]
    target_300 = 400
X
n=$(orders)
run mgr -renew
expect_rc 0 "ari: garbage, due by the table: exit 0"
expect_err_match "renewal information: .*/renewalInfo/$cid: .*malformed JSON" \
    "ari: garbage, due by the table: the warning again"
same "ari: garbage, due by the table: one newOrder" \
    "$(ari_proxy_count "$px" newOrder)" 3
same "ari: garbage, due by the table: one order in Pebble's log" \
    "$(orders)" "$((n + 1))"
chk "ari: garbage, due by the table: next verifies" mgr_good "$S/next"
