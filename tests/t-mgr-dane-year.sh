#!/bin/sh
# Variables come from the sourced tests/lib.sh and tests/env files, which
# the linter cannot follow under "$SSLM_TOP".
# shellcheck disable=SC2154,SC2153,SC2034
# A year of weekly cron for a DANE service (issue 9), under a simulated
# clock: only sslm-mgr is driven, as cron starts it (env -i, faketime):
# -renew every Tuesday at 14:30, -roll at 16:30 and, while a next still
# waits, every hour of the afternoon after (README, Everyday use).  The
# private CA of examples/ca-self (ten years) signs a 45-day mail leaf with
# TLSA 3 1 1 records on a signed zone (NSD primary, Knot secondary, both
# re-signed by the [dns] restart_cmd) checked through a validating
# unbound; the [smtp] restart_cmd restarts an openssl s_server with
# production's curr.  Two renewals run with the secondary frozen: one
# thawed before the roll, one after it.
#
# Oracles, none of them sslm: tests/renew_oracle.py (is curr due, when
# will a new certificate be), openssl (fingerprints, dates, the 3 1 1
# hashes), dig at each authoritative server, ldns-dane verify through
# unbound after every run, and a model of the roll gate kept from what
# the test itself saw in DNS.
#
# The clocks: sslm-mgr and all it starts (keygen, casign, sslm-nscheck,
# the DNS restart and its signer) see the simulated time; NSD, Knot,
# unbound, ldns-dane and the TLS server (started detached, as a service
# manager would) see the real one.  So the zone is signed with one fixed
# validity window that covers the real time of the test and the whole
# simulated year (dane_sign_window), checked by ldns-verify-zone under
# both clocks.  unbound caches nothing (cache-max-ttl 0), so the
# real-time resolver sees each change at once; the 2 x TTL wait of the
# roll gate is counted on the simulated clock, like every other age.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/dns.sh"
. "$SSLM_TOP/tests/env/dane.sh"
. "$SSLM_TOP/tests/env/dane-mgr.sh"

dane_test_init
trap 'exit 3' INT TERM
weeks=52
ttl=300		# dane_tls_ttl: the roll waits 2 x TTL = 10 minutes
roll_mins=60	# min_roll_mins

if [ "$(id -u)" -ne 0 ]; then
	skip "a year of DANE cron: unbound needs port 53 and sslm-mgr reloads servers only as root"
	exit 0
fi

# epoch WHEN: seconds of a UTC time; utc SECONDS: YYYYMMDDhhmmss.
epoch() { date -u -d "$1 UTC" +%s; }
utc() { date -u -d "@$1" +%Y%m%d%H%M%S; }

day0=2027-01-05		# a Tuesday: the first cron week
boot=$(epoch "2027-01-04 09:00:00")
end=$(($(epoch "$day0 00:00:00") + weeks * 7 * 86400))

# ---- the servers --------------------------------------------------------------
# Signatures valid from a day before the earlier of the two clocks to a
# month after the later one.
now=$(date +%s)
sig_lo=$(((now < boot ? now : boot) - 86400))
sig_hi=$(((now > end ? now : end) + 30 * 86400))
DANE_PORT=$(dane_free_port)
P=$DANE_PORT
if dane_zone_up "$w/dns" "$(utc "$sig_lo")" "$(utc "$sig_hi")" 2>"$w/env.err" &&
    dane_unbound_start "$w/unbound" 2>>"$w/env.err"; then
	ok "signed $zone on NSD and Knot (port $DNS_PORT), validated by unbound"
else
	notok "signed $zone on NSD and Knot, validated by unbound" \
	    "$(cat "$w/env.err")"
	exit 1
fi
DANE_TLS_ON=1
DANE_VERIFY_ON=1

# ---- the store ------------------------------------------------------------------
calls=$w/calls
: >"$calls"
dane_mail_store year "$ttl" "$calls" detach
t=${t:?}
M=$t/certs/$zone/mail
tlsa=$t/certs/$zone/tlsa.$zone
tlsa_copy=$DNS_DIR/tlsa/tlsa.$zone
# A 45-day leaf; a roll two hours after the renew.  The target of 10.25
# days lies off the tenth-of-a-day grid of the jitter, so no renewal time
# falls within seconds of a 14:30 run, where the seconds a run takes
# would decide.
edit "$t/conf.d/ca/my-int" '^    sign_end_days = 90' '    sign_end_days = 45'
edit "$t/conf.d/ssl-mgr.conf" \
    '^    min_roll_mins = 0' "    min_roll_mins = $roll_mins" \
    '^    target_3650 = ' "    target_45 = 10.25
    rand_adj_45 = 2
    target_3650 = "
run sslm-conf
cp "$T_OUT" "$w/conf.json"
expect_rc 0 "config loads"
expect_jq ".globals.min_roll_mins == $roll_mins and
    (.renew_info[] | select(.lifetime == 45)) == {lifetime: 45, target: 10.25, rand_adj: 2} and
    (.groups[] | select(.domain == \"$zone\") | .services[0].dane_tls_ttl == $ttl)" \
    "config: min_roll_mins $roll_mins, 45-day point 10.25 +/- 2, TTL $ttl"
mkdir -p "$w/home"

# cron WHEN ARGS...: sslm-mgr ARGS at the simulated UTC time WHEN, in
# cron's bare environment (crontab variables for the test's DNS port and
# a short DANE wait); keeps stdout, stderr and status like run.
cron() {
	_cw=$1
	shift
	# sslm-mgr by its installed path, on cron's own PATH; it finds the
	# other programs beside itself (make-ca needs them on PATH).
	_cp=$SSLM_BIN:/usr/bin:/bin
	if [ "$1" = sslm-mgr ]; then
		shift
		set -- "$SSLM_BIN/sslm-mgr" "$@"
		_cp=/usr/bin:/bin
	fi
	env -i ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} PATH="$_cp" HOME="$w/home" \
	    SSL_MGR_TOPDIR="$t" SSLM_NSCHECK_OPTS="-p $DNS_PORT" SSLM_DANE_WAIT=3 \
	    faketime "$_cw UTC" "$@" >"$T_OUT" 2>"$T_ERR"
	T_RC=$?
}

# ---- oracles ------------------------------------------------------------------------
# certid CERT: its SHA-256 fingerprint and notAfter (one openssl call).
certid() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 -enddate 2>&1 |
	    tr '\n' ' '
}
notbefore() {
	date -u -d "$(openssl x509 -in "$1" -noout -startdate |
	    sed 's/^notBefore=//')" +%s
}
# lifetime CERT: notAfter - notBefore in seconds (openssl).
lifetime() {
	echo $(($(date -u -d "$(openssl x509 -in "$1" -noout -enddate |
	    sed 's/^notAfter=//')" +%s) - $(notbefore "$1")))
}
# oracle NOW CERT: tests/renew_oracle.py's answer for CERT at NOW: due
# (true or false) and ra, the time from which it is due.
oracle() {
	_or=$(python3 "$SSLM_TOP/tests/renew_oracle.py" decide "$w/conf.json" \
	    "$1" "$2" | jq -r '"\(.due) \(.renew_at)"')
	due=${_or% *}
	ra=${_or#* }
}
# predict NOW: the oracle's renewal time of curr, and the first cron
# week (0 = day0) whose 14:30 run comes at or after it.
predict() {
	oracle "$1" "$M/curr/cert.pem"
	_wo=$((ra - $(epoch "$day0 14:30:00")))
	pred_week=0
	[ "$_wo" -le 0 ] || pred_week=$(((_wo + 604799) / 604800))
	[ "$pred_week" -ge "$weeks" ] || n_pred=$((n_pred + 1))
}
# tlsa_file FILE: its records as "owner ttl usage selector type hash".
tlsa_file() {
	awk '$1 !~ /^;/ && $4 == "TLSA" { print $1, $2, $5, $6, $7, tolower($8) }' \
	    "$1" | sort
}
# tlsa_want HASH...: the records of these keys at the apex (every item
# has one, sslm-tlsagen(1)) and at both owner names.
tlsa_want() {
	for _h in "$@"; do
		for _n in "" mail. mx1.; do
			echo "_$P._tcp.$_n$zone. $ttl 3 1 1 $_h"
		done
	done | sort
}
# on_all HASH: both authoritative servers serve HASH at both names (one
# dig per server, recursion off).
on_all() {
	for _s in "$DNS_PRIMARY" "$DNS_SECONDARY"; do
		[ "$(dns_dig "$_s" +noall +answer "_$P._tcp.mail.$zone" TLSA \
		    "_$P._tcp.mx1.$zone" TLSA | awk -v h="$1" '$4 == "TLSA" &&
		    tolower($8 $9) == h { n[$1] = 1 } END { print length(n) }')" \
		    -eq 2 ] || return 1
	done
}
# nsets: how many sets the mail service's db holds.
nsets() {
	set -- "$M"/db/*
	echo $#
}
# tls_pid: the pid of the TLS server the [smtp] restart_cmd started.
tls_pid() { cat "$w/tls/tls.pid" 2>/dev/null; }
# unchanged: "same" when the TLSA file is what it was before the run.
unchanged() { cmp -s "$tlsa" "$w/tlsa.before" && echo same; }
# step HASH WHAT: after every run the live server and DNS agree: both
# authoritative servers publish the key HASH the TLS server presents (as
# dane_presents found when it last started) at both names, and ldns-dane
# accepts the server through unbound.
step() {
	if on_all "$1"; then
		ok "$2: both servers publish the key the TLS server presents"
	else
		notok "$2: both servers publish the key the TLS server presents" \
		    "not on both: $1"
	fi
	dane_ok "$2"
}

# ---- bootstrap (Monday) ---------------------------------------------------------------
cron "2027-01-04 09:00:00" sh "$SSLM_TOP/examples/ca-self/make-ca" root
expect_rc 0 "2027-01-04 09:00 make-ca root: exit 0"
ca=$t/certs/ca
ca_id="$(certid "$ca/my-root/curr/cert.pem") $(certid "$ca/my-int/curr/cert.pem")"
# The intermediate, signed a moment later, is cut to the root's end.
same "make-ca: a ten-year root, an intermediate that ends with it" \
    "$(lifetime "$ca/my-root/curr/cert.pem") $(openssl x509 -noout -enddate \
    -in "$ca/my-int/curr/cert.pem")" "$((3650 * 86400)) $(openssl x509 \
    -noout -enddate -in "$ca/my-root/curr/cert.pem")"
cron "2027-01-04 10:00:00" sslm-mgr -renew
expect_rc 0 "2027-01-04 10:00 first renew: exit 0"
cron "2027-01-04 10:05:00" sslm-mgr -roll
expect_rc 0 "2027-01-04 10:05 first roll: exit 0"
chk "first roll: a curr, no next" test -s "$M/curr/cert.pem" -a ! -e "$M/next"
same "first roll: the leaf lives 45 days" "$(lifetime "$M/curr/cert.pem")" \
    $((45 * 86400))
hc=$(dane_spki "$M/curr/cert.pem")
cid=$(certid "$M/curr/cert.pem")
same "first roll: the TLSA file holds curr" "$(tlsa_file "$tlsa")" \
    "$(tlsa_want "$hc")"
dns_sync
dane_served "first roll: both servers serve curr" "$hc"
dane_presents "$hc" "first roll: the TLS server presents curr"
step "$hc" "first roll"
n_pred=0
predict "$(epoch "2027-01-04 10:05:00")"

# ---- the year -----------------------------------------------------------------------
n_due=0 n_idle=0 n_rolls=0 n_refused=0 n_roll_idle=0 n_extra=0 n_runs=3
n_edge=0 cycle=0 frozen=0 first_seen="" nid="" hn=""

# renew_week: the Tuesday 14:30 run and what it must have done.  curr
# is due from ra on, by the oracle.
renew_week() {
	when="$day 14:30:00"
	wt="week $wk ($when)"
	t0=$(epoch "$when")
	ndb=$(nsets)
	cp "$tlsa" "$w/tlsa.before"
	pid=$(tls_pid)
	: >"$calls"
	due=false
	[ "$t0" -lt "$ra" ] || due=true
	# Renewals 2 and 4 are made with the secondary frozen.
	if [ "$due" = true ] && { [ "$cycle" -eq 1 ] || [ "$cycle" -eq 3 ]; }; then
		dns_freeze && frozen=1
	fi
	r0=$(date +%s)
	cron "$when" sslm-mgr -renew
	t1=$((t0 + $(date +%s) - r0 + 1))
	n_runs=$((n_runs + 1))
	expect_rc 0 "$wt renew: exit 0"
	# No decision may change while the run lasts.
	[ "$ra" -le "$t0" ] || [ "$ra" -gt "$t1" ] || n_edge=$((n_edge + 1))
	same "$wt renew: curr untouched (openssl fingerprint, notAfter)" \
	    "$(certid "$M/curr/cert.pem")" "$cid"
	if [ -e "$M/next" ]; then made=true; else made=false; fi
	same "$wt renew: a next iff the oracle has curr due (from $(utc "$ra")Z)" \
	    "$made" "$due"
	if [ "$due" = true ]; then
		renew_made
	else
		n_idle=$((n_idle + 1))
		same "$wt renew: no new set, TLSA file as it was, no restart" \
		    "$(nsets) $(unchanged) $(wc -c <"$calls") $(tls_pid)" \
		    "$ndb same 0 $pid"
		step "$hc" "$wt renew (not due)"
	fi
}

# renew_made: the checks of a renew that made a next.
renew_made() {
	n_due=$((n_due + 1))
	cycle=$((cycle + 1))
	oracle "$t0" "$M/curr/cert.pem"
	same "$wt renew: the oracle asked now says due; renewal $cycle comes in the week predicted at issuance" \
	    "$due $wk" "true $pred_week"
	hn=$(dane_spki "$M/next/cert.pem")
	nid=$(certid "$M/next/cert.pem")
	nb=$(notbefore "$M/next/cert.pem")
	chk "$wt renew: next is a new key, issued during the run, for 45 days" \
	    test "$hn" != "$hc" -a "$nb" -ge "$t0" -a "$nb" -le "$t1" \
	    -a "$(lifetime "$M/next/cert.pem")" -eq $((45 * 86400))
	same "$wt renew: the TLSA file holds curr and next" \
	    "$(tlsa_file "$tlsa")" "$(tlsa_want "$hc" "$hn")"
	chk "$wt renew: the tlsa_dirs copy is the same file" cmp "$tlsa" "$tlsa_copy"
	chk "$wt renew: the DNS restart ran for $zone" \
	    grep -qx -- "--serial_bump $zone" "$calls"
	first_seen=""
	if [ "$frozen" -eq 1 ]; then
		chk "$wt renew: the primary serves curr and next, the frozen secondary curr only" \
		    test "$(dane_tlsa_at "$DNS_PRIMARY" mail)" = \
		    "$(printf '%s\n' "$hc" "$hn" | sort)" -a \
		    "$(dane_tlsa_at "$DNS_SECONDARY" mail)" = "$hc"
	else
		dns_sync
		dane_served "$wt renew: both servers serve curr and next" "$hc" "$hn"
		# The run's own DNS check saw them: the 2 x TTL clock runs.
		first_seen=$t0
	fi
	dane_presents "$hc" "$wt renew: the restarted TLS server presents curr"
	step "$hc" "$wt renew (due)"
	if [ "$cycle" -eq 4 ]; then
		dns_thaw && dns_sync && frozen=0
		dane_served "$wt: thawed before the roll: both servers serve curr and next" \
		    "$hc" "$hn"
		step "$hc" "$wt thawed"
	fi
}

# roll_run HH:MM: one roll run, checked against the model of the gate:
# next rolls when it is min_roll_mins old and its records have been on
# both servers for 2 x TTL since a run first saw them there; a run that
# finds them missing starts over.
roll_run() {
	when="$day $1:00"
	wt="week $wk ($when)"
	t0=$(epoch "$when")
	all=0 want=false
	if [ -e "$M/next" ]; then
		if ! on_all "$hn"; then
			first_seen=""
		elif [ -z "$first_seen" ]; then
			first_seen=$t0
			all=1
		else
			all=1
			[ $((t0 - first_seen)) -lt $((2 * ttl)) ] ||
			    [ $((t0 - nb)) -lt $((roll_mins * 60)) ] || want=true
		fi
	fi
	cp "$tlsa" "$w/tlsa.before"
	pid=$(tls_pid)
	: >"$calls"
	cron "$when" sslm-mgr -roll
	n_runs=$((n_runs + 1))
	expect_rc 0 "$wt roll: exit 0"
	_cid=$(certid "$M/curr/cert.pem")
	if [ ! -e "$w/next.pending" ]; then
		n_roll_idle=$((n_roll_idle + 1))
		same "$wt roll: no next: curr, TLSA file and servers untouched" \
		    "$_cid $(unchanged) $(wc -c <"$calls") $(tls_pid)" \
		    "$cid same 0 $pid"
		step "$hc" "$wt roll (nothing to roll)"
		return 0
	fi
	rolled=false
	[ "$_cid" != "$nid" ] || rolled=true
	same "$wt roll: rolled=$want: next $(((t0 - nb) / 60)) min old, on both servers: $all, seen for $((first_seen ? t0 - first_seen : 0)) s (gate: $roll_mins min, 2 x TTL)" \
	    "$rolled" "$want"
	if [ "$rolled" = false ]; then
		n_refused=$((n_refused + 1))
		same "$wt roll refused: curr and next kept, TLSA file and servers untouched" \
		    "$_cid $(certid "$M/next/cert.pem") $(unchanged) $(wc -c \
		    <"$calls") $(tls_pid)" "$cid $nid same 0 $pid"
		step "$hc" "$wt roll refused"
		return 0
	fi
	n_rolls=$((n_rolls + 1))
	rm "$w/next.pending"
	seen=$((first_seen ? t0 - first_seen : 0))
	chk "$wt roll: next's records were on NSD and Knot $seen s >= 2 x TTL before" \
	    test "$all" -eq 1 -a "$seen" -ge $((2 * ttl))
	same "$wt roll: old curr is prev, no next" \
	    "$(certid "$M/prev/cert.pem")$(test ! -e "$M/next" || echo next)" "$cid"
	same "$wt roll: the smtp restart, then the DNS refresh" "$(cat "$calls")" \
	    "$(printf 'smtp\n--serial_bump %s' "$zone")"
	chk "$wt roll: the TLS server was restarted" test "$(tls_pid)" != "$pid"
	dane_presents "$hn" "$wt roll: the TLS server presents the new curr"
	same "$wt roll: the TLSA file holds only the new curr" \
	    "$(tlsa_file "$tlsa")" "$(tlsa_want "$hn")"
	chk "$wt roll: the tlsa_dirs copy is the same file" cmp "$tlsa" "$tlsa_copy"
	cid=$nid hc=$hn
	dns_sync
	dane_served "$wt roll: both servers serve only the new curr" "$hc"
	step "$hc" "$wt roll"
	first_seen=""
	predict "$t0"
}

wk=0
while [ "$wk" -lt "$weeks" ]; do
	day=$(date -u -d "$day0 + $((wk * 7)) days" +%Y-%m-%d)
	renew_week
	[ ! -e "$M/next" ] || : >"$w/next.pending"
	roll_run 16:30
	if [ "$frozen" -eq 1 ]; then
		dns_thaw && dns_sync && frozen=0
		dane_served "week $wk: thawed after the roll: both servers serve curr and next" \
		    "$hc" "$hn"
		step "$hc" "week $wk thawed"
	fi
	hr=17
	while [ -e "$w/next.pending" ] && [ "$hr" -le 23 ]; do
		n_extra=$((n_extra + 1))
		roll_run "$hr:30"
		hr=$((hr + 1))
	done
	chk "week $wk: no next left waiting after the afternoon's roll runs" \
	    test ! -e "$M/next"
	wk=$((wk + 1))
done

# ---- the year's counts --------------------------------------------------------------
chk "the year: $wk weeks of cron, $n_runs sslm-mgr runs" test "$wk" -eq "$weeks"
chk "the year: both polarities, $n_due renewals and $n_idle weeks not due" \
    test "$n_due" -ge 1 -a "$n_idle" -ge 1
same "the year: renewals made = renewals the oracle predicted at issuance" \
    "$n_due" "$n_pred"
same "the year: every renewal rolled the same afternoon" "$n_rolls" "$n_due"
chk "the year: $n_refused roll runs refused, $n_roll_idle with nothing to roll, $n_extra extra runs" \
    test "$n_refused" -ge 3 -a "$n_roll_idle" -ge 1
same "the year: no renewal time within a run (knife edges)" "$n_edge" 0
oracle "$end" "$ca/my-int/curr/cert.pem"
same "the year: the CA was not due and kept its certificates" \
    "$(certid "$ca/my-root/curr/cert.pem") $(certid "$ca/my-int/curr/cert.pem") $due" \
    "$ca_id false"
same "the year: old sets cleaned: curr, prev and clean_keep 5 of the $((n_due + 1)) made" \
    "$(nsets)" $((n_due + 1 < 7 ? n_due + 1 : 7))
chk "the zone signed in the simulated year verifies in real time" \
    ldns-verify-zone "$DNS_DIR/nsd/$zone.zone"
chk "... and at the simulated year's end" \
    faketime "$day 23:59:00 UTC" ldns-verify-zone "$DNS_DIR/nsd/$zone.zone"
chk "... and not after its window (negative)" \
    sh -c "! faketime '@$((sig_hi + 86400))' ldns-verify-zone '$DNS_DIR/nsd/$zone.zone'"
if [ "$DANE_NFAIL" -eq 0 ] && [ "$DANE_N" -gt 0 ]; then
	ok "ldns-dane: $DANE_N verifications over the year, zero failures ($(($(date +%s) - t_start)) s)"
else
	notok "ldns-dane: zero failures over the year" "$DANE_NFAIL of $DANE_N failed"
fi
