#!/bin/sh
# The sourced tests/env files set t_start, w, zone and DNS_PORT and read
# DANE_TLS_ON; shellcheck cannot follow sources under "$SSLM_TOP".
# shellcheck disable=SC2154,SC2153,SC2034
# DANE end to end through the real sslm-mgr (issue 6): a signed zone on an
# NSD primary and a Knot secondary (tests/env/dns.sh), re-signed by the
# [dns] restart_cmd; unbound validating it with the zone's DS; a TLS
# server (openssl s_server) presenting the production curr of the mail
# service, restarted by the [smtp] restart_cmd.  The cycle: bootstrap,
# renew with the secondary frozen, roll refused (records not everywhere),
# thaw, roll refused until 2 x TTL, roll, final DNS refresh; ldns-dane
# verify through unbound must accept the server at every step.  Oracles:
# ldns-dane, dig +norecurse at each authoritative server, openssl.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/dns.sh"
. "$SSLM_TOP/tests/env/dane.sh"
. "$SSLM_TOP/tests/env/dane-mgr.sh"

dane_test_init

# elapsed: seconds since the start of the test.
elapsed() {
	echo $(($(date +%s) - t_start))
}


# ---- the servers --------------------------------------------------------------
DANE_PORT=$(dane_free_port)
P=$DANE_PORT
if dane_zone_up "$w/dns" 2>"$w/env.err"; then
	ok "signed $zone on the NSD primary and the Knot secondary (port $DNS_PORT)"
else
	notok "signed $zone on the NSD primary and the Knot secondary" \
	    "$(cat "$w/env.err")"
	exit 1
fi
chk "ldns-verify-zone accepts the signed zone" \
    ldns-verify-zone "$DNS_DIR/nsd/$zone.zone"

# As root (CI): unbound on port 53 for ldns-dane, and sslm-mgr reloads
# the TLS server.  Otherwise only the DNS side of the cycle is checked.
is_root=0
[ "$(id -u)" -ne 0 ] || is_root=1
DANE_TLS_ON=$is_root
root_ok=0
if [ "$is_root" -eq 0 ]; then
	skip "ldns-dane and TLS server checks: unbound needs port 53 and sslm-mgr reloads servers only as root"
elif dane_unbound_start "$w/unbound" 2>"$w/env.err"; then
	root_ok=1
	DANE_VERIFY_ON=1
	ok "unbound on $DANE_RESOLVER validates $zone with its DS"
else
	notok "unbound on $DANE_RESOLVER validates $zone with its DS" \
	    "$(cat "$w/env.err")"
fi

# ---- the store ------------------------------------------------------------------
calls=$w/calls
: >"$calls"
dane_mail_store dane 2 "$calls"
t=${t:?}
c=$t/certs
M=$c/$zone/mail
run sslm-conf
expect_rc 0 "config for $zone loads"
expect_jq ".globals.dns_xtra_ns == [] and .globals.dns_check_delay == 0 and
    (.groups[] | select(.domain == \"$zone\") | .dns_primary ==
    {server: \"$DNS_PRIMARY\", port: $DNS_PORT})" \
    "config: no extra resolvers, no delay, the loopback primary"
SSLM_NSCHECK_OPTS="-p $DNS_PORT"
SSLM_DANE_WAIT=3
export SSLM_NSCHECK_OPTS SSLM_DANE_WAIT

# ---- bootstrap ------------------------------------------------------------------------
run sh "$SSLM_TOP/examples/ca-self/make-ca" root
expect_rc 0 "make-ca root"
run sslm-mgr -renew
expect_rc 0 "bootstrap renew: exit 0"
chk "bootstrap renew: the DNS restart ran with --serial_bump $zone" \
    grep -qx -- "--serial_bump $zone" "$calls"
run sslm-mgr -roll
expect_rc 0 "bootstrap roll: exit 0"
chk "bootstrap roll: rolled at once (no curr to protect)" grep -q 'rolled:' "$T_OUT"
h1=$(dane_spki "$M/curr/cert.pem")
if [ "$is_root" -eq 1 ]; then
	chk "bootstrap roll: the TLS server was started (smtp reload)" \
	    grep -qx smtp "$calls"
	# The restart script leaves its descriptors to s_server on purpose.
	lk=$(ls -l "/proc/$(cat "$w/tls/tls.pid")/fd" 2>&1)
	case "$lk" in
	*"$c/.lock"*)
		notok "bootstrap: the TLS server sslm-mgr started holds no store lock" "$lk" ;;
	*) ok "bootstrap: the TLS server sslm-mgr started holds no store lock" ;;
	esac
	# Nor a file of the run's scratch directory (a loop's input), while
	# the listing does show the server's own log.
	case "$lk" in
	*"$w/sslm-mgr."*)
		notok "bootstrap: the TLS server holds no file of sslm-mgr's scratch" "$lk" ;;
	*"$w/tls/tls.log"*)
		ok "bootstrap: the TLS server holds no file of sslm-mgr's scratch" ;;
	*) notok "bootstrap: the TLS server's descriptors can be listed" "$lk" ;;
	esac
	run sslm-mgr
	expect_rc 0 "bootstrap: the next run gets the lock"
fi
dns_sync
dane_served "bootstrap: both servers serve curr's TLSA at both names" "$h1"
dane_presents "$h1" "bootstrap: the TLS server presents curr"
if [ "$root_ok" -eq 1 ]; then
	if dig @"$DANE_RESOLVER" +dnssec "_$P._tcp.mail.$zone" TLSA |
	    grep -q '^;; flags:.* ad[ ;]'; then
		ok "bootstrap: unbound answers the TLSA query with AD set"
	else
		notok "bootstrap: unbound answers the TLSA query with AD set"
	fi
fi
dane_ok "bootstrap"

# ---- renew with the secondary frozen ---------------------------------------------------------
ser0=$(dns_serial "$DNS_SECONDARY")
if dns_freeze; then ok "secondary frozen"; else notok "secondary frozen"; fi
: >"$calls"
cur=$(readlink "$M/curr")
run sslm-mgr -renew -f "$zone:mail"
expect_rc 0 "renew -f: exit 0"
h2=$(dane_spki "$M/next/cert.pem")
chk "renew -f: next has a new key" test -n "$h2" -a "$h2" != "$h1"
chk "renew -f: the DNS restart ran" grep -qx -- "--serial_bump $zone" "$calls"
ok_both=1
for n in mail mx1; do
	[ "$(dane_tlsa_at "$DNS_PRIMARY" "$n")" = "$(printf '%s\n' "$h1" "$h2" | sort)" ] ||
	    ok_both=0
done
chk "renew: the primary serves curr + next at both names" test "$ok_both" -eq 1
chk "renew: the frozen secondary still serves serial $ser0" \
    test "$(dns_serial "$DNS_SECONDARY")" = "$ser0"
chk "renew: the frozen secondary has only curr's record" \
    test "$(dane_tlsa_at "$DNS_SECONDARY" mail)" = "$h1"
dane_presents "$h1" "renew: the TLS server still presents curr"
dane_ok "renew, secondary lagging"

# ---- roll refused while the secondary lags -----------------------------------------------------
nxt=$(readlink "$M/next")
t0=$(date +%s)
run sslm-mgr -roll "$zone:mail"
t1=$(date +%s)
expect_rc 0 "roll while frozen: exit 0 (a refusal is not a failure)"
if grep -q 'roll refused: next TLSA records are not on every authoritative server' \
    "$T_OUT"; then
	ok "roll while frozen: refused, records not on every authoritative server"
	if grep -q "server: .*ns2.$zone ($DNS_SECONDARY port $DNS_PORT)" "$T_OUT"; then
		ok "roll while frozen: the refusal names the lagging secondary"
	else
		notok "roll while frozen: the refusal names the lagging secondary" \
		    "stdout: $(cat "$T_OUT")"
	fi
else
	notok "roll while frozen: refused, records not on every authoritative server" \
	    "stdout: $(cat "$T_OUT")"
fi
chk "roll while frozen: curr unchanged" test "$(readlink "$M/curr")" = "$cur"
chk "roll while frozen: next unchanged" test "$(readlink "$M/next")" = "$nxt"
chk "roll while frozen: no first-seen time kept" test ! -e "$M/.tlsa-seen"
chk "roll while frozen: bounded by SSLM_DANE_WAIT ($((t1 - t0)) s)" \
    test $((t1 - t0)) -le 10
dane_presents "$h1" "roll while frozen: the TLS server still presents curr"
dane_ok "roll refused, secondary lagging"

# ---- thaw, then the 2 x TTL wait -----------------------------------------------------------------
if dns_thaw && dns_sync; then
	ok "secondary thawed and caught up"
else
	notok "secondary thawed and caught up"
fi
dane_served "thawed: both servers serve curr + next at both names" "$h1" "$h2"
dane_ok "thawed"
: >"$calls"
tries=0
rolled=0
refusals=0
first_seen=""
# Bounded by time, not by a count of runs: 2 x TTL is 4 s.
deadline=$(($(date +%s) + 30))
while [ "$(date +%s)" -le "$deadline" ]; do
	tries=$((tries + 1))
	run sslm-mgr -roll "$zone:mail"
	if [ "$T_RC" -ne 0 ]; then
		notok "roll after the thaw: exit 0" "$(cat "$T_ERR")"
		break
	fi
	if grep -q 'rolled:' "$T_OUT"; then
		rolled=1
		break
	fi
	if ! grep -Eq 'roll refused: next TLSA records seen everywhere [0-9]+ s ago, need 2 x TTL = 4 s' \
	    "$T_OUT"; then
		notok "roll after the thaw: refused only for 2 x TTL" "$(cat "$T_OUT")"
		break
	fi
	refusals=$((refusals + 1))
	[ -n "$first_seen" ] || first_seen=$(awk '{ print $2 }' "$M/.tlsa-seen")
	[ "$(readlink "$M/curr")" = "$cur" ] || {
		notok "roll refused: curr unchanged"
		break
	}
	dane_ok "roll refused (2 x TTL), try $tries"
done
t_roll=$(date +%s)
chk "roll after the thaw: refused for 2 x TTL first ($refusals times)" \
    test "$refusals" -ge 1
chk "roll after the thaw: rolled within $tries runs" test "$rolled" -eq 1
chk "roll: not before 2 x TTL after first seen everywhere ($((t_roll - ${first_seen:-0})) s)" \
    test -n "$first_seen" -a $((t_roll - ${first_seen:-0})) -ge 4
chk "roll: next became curr" test "$(readlink "$M/curr")" = "$nxt"
chk "roll: old curr became prev" test "$(readlink "$M/prev")" = "$cur"
chk "roll: no next left" test ! -e "$M/next"
# The mail server reloads before the DNS refresh withdraws the old records.
if [ "$is_root" -eq 1 ]; then
	want_calls=$(printf 'smtp\n--serial_bump %s' "$zone")
else
	want_calls="--serial_bump $zone"
fi
if [ "$(cat "$calls")" = "$want_calls" ]; then
	ok "roll: smtp reload, then the DNS refresh"
else
	notok "roll: smtp reload, then the DNS refresh" "$(cat "$calls")"
fi
dane_presents "$h2" "roll: the TLS server presents the new curr"
dane_ok "rolled, DNS refreshed on the primary"
if dns_sync; then ok "final refresh reached the secondary"; else
	notok "final refresh reached the secondary"; fi
dane_served "final: only the new curr's record on both servers at both names" "$h2"
dane_ok "final"

# ---- the oracle rejects what is no longer published ----------------------------------------------
if [ "$root_ok" -eq 1 ]; then
	if dane_tls_start "$w/tls" "$P" "$M/prev/cert.pem" "$M/prev/privkey.pem" \
	    2>"$w/env.err" &&
	    ! ldns-dane -r "$DANE_RESOLVER" verify "mail.$zone" "$P" \
	    >"$w/dane.out" 2>&1; then
		ok "negative: ldns-dane rejects the old certificate after the refresh"
	else
		notok "negative: ldns-dane rejects the old certificate after the refresh" \
		    "$(cat "$w/env.err" "$w/dane.out")"
	fi
	"$w/smtp-restart" restore >/dev/null 2>&1
	dane_presents "$h2" "negative: the TLS server is back on curr"
fi

# ---- -roll -f: no DNS check, with a warning ---------------------------------------------------------
run sslm-mgr -renew -f "$zone:mail"
expect_rc 0 "renew -f again: exit 0"
h3=$(dane_spki "$M/next/cert.pem")
dns_sync
dane_served "renew again: both servers serve curr + next" "$h2" "$h3"
# The renew itself saw the records everywhere and started the 2 x TTL
# clock, so a roll later does not start counting from zero.
chk "renew again: the first-seen time of next is kept" \
    grep -q "^$(readlink "$M/next") [0-9][0-9]*\$" "$M/.tlsa-seen"
run sslm-mgr -roll -f "$zone:mail"
expect_rc 0 "roll -f: exit 0"
expect_err_match "$zone:mail: rolling without checking the TLSA records in DNS" \
    "roll -f: warns that it rolls without checking DNS"
chk "roll -f: rolled at once" test "$(dane_spki "$M/curr/cert.pem")" = "$h3"
dns_sync
dane_served "roll -f: the refresh leaves only the newest record" "$h3"
dane_presents "$h3" "roll -f: the TLS server presents the newest curr"
dane_ok "after roll -f"

if [ "$root_ok" -eq 1 ]; then
	if [ "$DANE_NFAIL" -eq 0 ] && [ "$DANE_N" -gt 0 ]; then
		ok "ldns-dane: $DANE_N verifications over the cycle, zero failures ($(elapsed) s)"
	else
		notok "ldns-dane: zero failures over the cycle" \
		    "$DANE_NFAIL of $DANE_N failed"
	fi
fi
