#!/bin/sh
# sslm-mgr -renew, dns-01 against a real Pebble whose DNS is the lagging
# secondary: an NSD primary and a Knot secondary for example.test on
# loopback (tests/env/dns.sh), Pebble asking only the secondary.  The
# secondary is frozen before the run, so the TXT records the DNS
# restart_cmd puts on the primary do not reach it; sslm-mgr must wait
# (sslm-nscheck), keep waiting while the secondary lags, and go on within
# a second of the thaw; the issuance succeeds on the first try.  dig,
# openssl and Pebble's own log are the independent witnesses.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/pebble.sh"
. "$SSLM_TOP/tests/env/dns.sh"

w=$SSLM_TMP
TMPDIR=$w
export TMPDIR
for p in pebble nsd nsd-control knotd knotc curl dig jq openssl python3; do
	if ! command -v "$p" >/dev/null 2>&1; then
		skip "dns-01 lag: $p is not installed"
		exit 0
	fi
done

mgrpid=""
cleanup() {
	[ -z "$mgrpid" ] || kill "$mgrpid" 2>/dev/null
	pebble_stop "$w/pebble" 2>/dev/null
	dns_stop 2>/dev/null
}
trap cleanup EXIT INT TERM

# now_ms: wall clock in milliseconds.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# check_lt WHAT A B: A < B.
check_lt() {
	if [ "$2" -lt "$3" ]; then ok "$1"; else notok "$1" "$2 >= $3"; fi
}

# ---- test bed: NSD primary + Knot secondary, Pebble asking the secondary -------
# (no nonce rejections: each request of the first try is counted once)
if pebble_ca "$w/ca" && dns_start "$w/dns" 2>"$w/dns.err" &&
    pebble_start "$w/pebble" "$w/ca" "$(pebble_free_port)" \
    "$DNS_SECONDARY:$DNS_PORT" PEBBLE_WFE_NONCEREJECT=0; then
	ok "test bed: NSD primary, Knot secondary, Pebble resolving through the secondary"
else
	notok "test bed: NSD primary, Knot secondary, Pebble resolving through the secondary" \
	    "$(cat "$w/dns.err" 2>/dev/null)" "$(tail -3 "$w/pebble/pebble.log" 2>/dev/null)"
	exit 0
fi
pebble_root "$w/pebble" 0 "$w/root.pem"
chk "pebble: its DNS for challenges is the secondary" grep -qF \
    "DNS resolver for ACME challenges: $DNS_SECONDARY:$DNS_PORT" "$w/pebble/pebble.log"
url=$(cat "$w/pebble/url")
zone=$DNS_ZONE

# The DNS restart_cmd: the acme-challenge file becomes the zone's records
# on the primary (serial bumped, NSD reloaded, NOTIFY to the secondary);
# each call is counted.
{
	echo '#!/bin/sh'
	echo "echo \"\$*\" >>'$w/dns-restarts'"
	echo ". '$SSLM_TOP/tests/env/dns.sh'"
	echo "DNS_DIR='$w/dns' DNS_PORT='$DNS_PORT'"
	echo "cat '$w/acme'/acme-challenge.* >'$w/records' 2>/dev/null"
	echo "dns_set_records '$w/records' && dns_reload"
} >"$w/dns-restart"
chmod 755 "$w/dns-restart"
mkdir -p "$w/acme"
: >"$w/dns-restarts"

t=$w/site
mkdir -p "$t/conf.d/$zone"
SSL_MGR_TOPDIR=$t
export SSL_MGR_TOPDIR
cat >"$t/conf.d/ssl-mgr.conf" <<X
[globals]
    prod_cert_dir = './prod-certs'
    logdir = './logs'
    min_roll_mins = 0
    dns_check_delay = 0
    dns_xtra_ns = []

[[groups]]
    domain = '$zone'
    services = 'ALL'
    active = true

[[dns_primary]]
    domain = '$zone'
    server = '$DNS_PRIMARY'
    port = $DNS_PORT

[dns]
    acme_dir = '$w/acme'
    restart_cmd = '$w/dns-restart'
X
cat >"$t/conf.d/ca-info.conf" <<X
[pebble-dns]
    ca_type = 'acme'
    ca_validation = 'dns-01'
    acme_directory = '$url'
    acme_ca_file = '$w/ca/ca.pem'
X
cat >"$t/conf.d/$zone/lag" <<X
name = 'lag'
group = '$zone'
service = 'lag'
signing_ca = 'pebble-dns'

[KeyOpts]
    ktype = 'ec'
    ec_algo = 'secp256r1'

[X509]
    CN = 'lag.$zone'
    O = 'Test'
    C = 'NZ'
    email = 'hostmaster@$zone'
    sans = ['lag.$zone', '*.lag.$zone']
X

# ---- the secondary is frozen, then the renew starts -------------------------------
S1=$(dns_serial "$DNS_SECONDARY")
if dns_freeze; then
	ok "knotc: the secondary is frozen at serial $S1"
else
	notok "knotc: the secondary is frozen at serial $S1"
fi
steps=$w/steps
: >"$steps"
# At a terminal, as an operator runs it: the wait says who lags.
: >"$w/mgr.err"
SSLM_NSCHECK_OPTS="-p $DNS_PORT -w 60" SSLM_TEST_STEPS=$steps \
    python3 "$SSLM_TOP/tests/ptyrun.py" "$w/mgr.out" "$w/mgr.err" \
    sslm-mgr -renew &
mgrpid=$!
log=$t/logs/sslm

# The wait has started: the log says so and the pipeline is at its step.
if dns_poll 1200 grep -q 'dns-01: waiting for every authoritative server' \
    "$log" 2>/dev/null && grep -qx '[0-9]* acme-dns-wait' "$steps"; then
	ok "renew: the dns-01 wait has started"
else
	notok "renew: the dns-01 wait has started" \
	    "stdout: $(head -c 300 "$w/mgr.out")" "stderr: $(head -c 300 "$w/mgr.err")"
fi
S2=$(dns_serial "$DNS_PRIMARY")
txt=$(dns_dig "$DNS_PRIMARY" "_acme-challenge.lag.$zone" TXT +short | wc -l)
chk "dig: the primary serves the two TXT records at serial $S2" \
    test "$txt" -eq 2 -a "$S2" -gt "$S1"
chk "dig: the secondary lags at serial $S1, without them" test \
    "$(dns_serial "$DNS_SECONDARY")" = "$S1" -a \
    -z "$(dns_dig "$DNS_SECONDARY" "_acme-challenge.lag.$zone" TXT +short)"

# The lag is the subject: three seconds later sslm-mgr still waits and
# has answered no challenge.
sleep 3
if kill -0 "$mgrpid" 2>/dev/null && ! grep -q 'acme-finish' "$steps"; then
	ok "renew: still waiting 3 s later, while the secondary lags"
else
	notok "renew: still waiting 3 s later, while the secondary lags" \
	    "steps: $(tr '\n' ' ' <"$steps")" "stderr: $(head -c 300 "$w/mgr.err")"
fi
chk "dig: the secondary still at serial $S1" \
    test "$(dns_serial "$DNS_SECONDARY")" = "$S1"
chk "pebble: no challenge answered before the thaw" \
    test "$(grep -c 'POST /chalZ/' "$w/pebble/pebble.log")" -eq 0
check "terminal: the wait names the zone that still lags" dns_poll 200 \
    grep -q "^sslm-nscheck: waiting [0-9]* s: $zone: .* still lag" "$w/mgr.err"

# ---- thaw: the wait ends within a second, the run soon after -------------------------
# (seen by polling every 50 ms: the time measured is at most 50 ms late)
t0=$(now_ms)
dns_thaw
dns_poll 1200 grep -q 'acme-finish' "$steps"
t1=$(now_ms)
wait "$mgrpid"
# shellcheck disable=SC2034 # read by expect_rc
T_RC=$?
mgrpid=""
t2=$(now_ms)
cp "$w/mgr.out" "$T_OUT"
cp "$w/mgr.err" "$T_ERR"
echo "# thaw -> end of the wait: $((t1 - t0)) ms; thaw -> sslm-mgr exit: $((t2 - t0)) ms"
check_lt "thaw: the wait ends within 1.5 s of the thaw ($((t1 - t0)) ms)" \
    $((t1 - t0)) 1500
expect_rc 0 "renew: exit 0"
chk "dig: the secondary caught up to serial $S2" \
    test "$(dns_serial "$DNS_SECONDARY")" -ge "$S2"
n=$t/certs/$zone/lag/next
chk "renew: a next set" test -s "$n/cert.pem" -a -s "$n/chain.pem"
chk "openssl: next verifies against Pebble's root" \
    openssl verify -CAfile "$w/root.pem" -untrusted "$n/chain.pem" "$n/cert.pem"
openssl x509 -in "$n/cert.pem" -noout -ext subjectAltName >"$w/sans" 2>&1
chk "openssl: both names in the certificate" \
    grep -q "DNS:lag.$zone, DNS:\*.lag.$zone\|DNS:\*.lag.$zone, DNS:lag.$zone" "$w/sans"
chk "renew: exactly one DNS restart ($(wc -l <"$w/dns-restarts"))" \
    test "$(wc -l <"$w/dns-restarts")" -eq 1
chk "renew: one propagation wait" \
    test "$(grep -c 'waiting for every authoritative server' "$log")" -eq 1
check "renew: no warning, only progress lines" \
    test "$(grep -cv '^sslm-nscheck: waiting [0-9]* s: ' "$w/mgr.err")" -eq 0

# First try: Pebble was asked once per challenge, validated each once
# through the secondary, and nothing failed.
pl=$w/pebble/pebble.log
nc=$(grep -c 'POST /chalZ/' "$pl")
nv=$(grep -c 'set VALID by completed challenge' "$pl")
nf=$(grep -ci 'invalid\|error\|fail' "$pl")
chk "pebble: each of the two challenges answered once ($nc)" test "$nc" -eq 2
chk "pebble: both authorizations valid by their challenge ($nv)" test "$nv" -eq 2
chk "pebble: no failed validation ($nf lines)" test "$nf" -eq 0
chk "pebble: one order" test "$(grep -c 'POST /order-plz' "$pl")" -eq 1
