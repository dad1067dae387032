#!/bin/sh
# Variables come from the sourced tests/lib.sh and tests/env files, which
# the linter cannot follow under "$SSLM_TOP".
# shellcheck disable=SC2154
# sslm-mgr with ACME signers, against a real Pebble on loopback with an
# authoritative NSD for dns-01 and nginx for http-01: renew and roll of an
# http-01 service and a dns-01 service (apex + wildcard), account reuse,
# a dry run, External Account Binding from the configuration, ten dns-01
# services in one batch (one DNS restart, one wait) beside a failing one,
# and a failed challenge that leaves next untouched.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/pebble.sh"
. "$SSLM_TOP/tests/env/mgr-acme.sh"

w=$SSLM_TMP
TMPDIR=$w
export TMPDIR
zone=acme.test

cleanup() {
	mgr_bed_stop
	pebble_stop "$w/pebble-eab" 2>/dev/null
}
trap cleanup EXIT

if mgr_bed "$w" "$zone" &&
    pebble_start "$w/pebble-eab" "$w/ca" "$(cat "$w/web/port")" \
    "127.0.0.1:$(cat "$w/nsd/port")" PEBBLE_EAB=kid-1; then
	ok "test bed: Pebble, NSD and nginx start"
else
	notok "test bed: Pebble, NSD and nginx start" \
	    "$(tail -3 "$w"/*/*.log 2>/dev/null)"
	exit 0
fi
nsdport=$(cat "$w/nsd/port")
url=$(cat "$w/pebble/url")
eaburl=$(cat "$w/pebble-eab/url")
eabkey=$(cat "$w/pebble-eab/eab-kid-1")

# site NAME: an sslm TOP for zone acme.test whose CAs are the Pebbles.
site() {
	mgr_site "$1" <<X
[pebble-http]
    ca_type = 'acme'
    ca_validation = 'http-01'
    acme_directory = '$url'
    acme_ca_file = '$w/ca/ca.pem'

[pebble-dns]
    ca_type = 'letsencrypt'
    ca_validation = 'dns-01'
    acme_directory = '$url'
    acme_ca_file = '$w/ca/ca.pem'

[pebble-down]
    ca_type = 'certbot'
    ca_validation = 'dns-01'
    acme_directory = 'https://127.0.0.1:1/dir'
    acme_ca_file = '$w/ca/ca.pem'

[pebble-eab]
    ca_type = 'acme'
    ca_validation = 'http-01'
    acme_directory = '$eaburl'
    acme_ca_file = '$w/ca/ca.pem'
    acme_eab_kid = 'kid-1'
    acme_eab_hmac_key = '$eabkey'

[pebble-eab-missing]
    ca_type = 'acme'
    ca_validation = 'http-01'
    acme_directory = '$eaburl'
    acme_ca_file = '$w/ca/ca.pem'
X
}

# Names of the orders: every renew uses the nscheck port of the zone.
SSLM_NSCHECK_OPTS="-p $nsdport -w 20"
export SSLM_NSCHECK_OPTS

# ---- http-01 and dns-01 (apex + wildcard) through renew and roll -----------------
site main
mgr_service web-http pebble-http "a.$zone" "b.$zone"
mgr_service wild-dns pebble-dns "$zone" "*.$zone"
: >"$w/dns-restarts"
run sslm-mgr -renew
expect_rc 0 "renew: exit 0"
for s in web-http wild-dns; do
	chk "renew: $s has a next from Pebble that openssl verifies" \
	    mgr_good "$t/certs/$zone/$s/next"
done
openssl x509 -in "$t/certs/$zone/wild-dns/next/cert.pem" -noout \
    -ext subjectAltName >"$w/sans" 2>&1
chk "renew: the wildcard is in the dns-01 certificate" grep -qF "DNS:*.$zone" "$w/sans"
chk "renew: one DNS restart for the dns-01 batch" \
    test "$(wc -l <"$w/dns-restarts")" -eq 1
chk "renew: the DNS restart names the apex" grep -qx -- "--serial_bump $zone" \
    "$w/dns-restarts"
n=$(find "$w/web/www/.well-known/acme-challenge" -type f | wc -l)
chk "renew: http-01 answers removed afterwards" test "$n" -eq 0
chk "renew: acme-challenge file emptied afterwards" test ! -s "$w/acme/acme-challenge.$zone"
chk "renew: account key 0600" \
    test "$(stat -c %a "$t/certs/$zone/web-http/acme/account.key")" = 600
acct=$(jq -r .url "$t/certs/$zone/web-http/acme/account.json")
run sslm-mgr -roll
expect_rc 0 "roll: exit 0"
for s in web-http wild-dns; do
	chk "roll: $s curr verifies" mgr_good "$t/certs/$zone/$s/curr"
	chk "roll: $s production copy" cmp "$t/certs/$zone/$s/curr/fullchain.pem" \
	    "$t/prod-certs/$zone/$s/curr/fullchain.pem"
done
run sslm-mgr -renew -f "$zone:web-http"
expect_rc 0 "second renew: exit 0"
chk "second renew: the same account" test \
    "$(jq -r .url "$t/certs/$zone/web-http/acme/account.json")" = "$acct"
chk "second renew: a new next" mgr_good "$t/certs/$zone/web-http/next"
before=$(readlink "$t/certs/$zone/wild-dns/curr")
run sslm-mgr -renew
expect_rc 0 "renew, nothing due: exit 0"
chk "renew, nothing due: no new set" test \
    "$(readlink "$t/certs/$zone/wild-dns/curr")" = "$before" -a ! -e "$t/certs/$zone/wild-dns/next"
# ... and its twin: a table whose target exceeds the lifetime of
# Pebble's certificates makes wild-dns due; the plain renew orders it.
life=$(( ($(date -d "$(openssl x509 -in "$t/certs/$zone/wild-dns/curr/cert.pem" \
    -noout -enddate | cut -d= -f2)" +%s) - $(date -d "$(openssl x509 -in \
    "$t/certs/$zone/wild-dns/curr/cert.pem" -noout -startdate | cut -d= -f2)" +%s)) / 86400 ))
cp "$t/conf.d/ssl-mgr.conf" "$w/ssl-mgr.conf.keep"
printf '\n[renew_info]\n    target_%s = %s\n' "$life" $((life + 1)) >>"$t/conf.d/ssl-mgr.conf"
run sslm-mgr -renew "$zone:wild-dns"
expect_rc 0 "renew, due by the table: exit 0"
chk "renew, due by the table: a new next that verifies" mgr_good "$t/certs/$zone/wild-dns/next"
chk "renew, due by the table: curr unchanged" test \
    "$(readlink "$t/certs/$zone/wild-dns/curr")" = "$before"
cp "$w/ssl-mgr.conf.keep" "$t/conf.d/ssl-mgr.conf"

# ---- -n: the whole exchange, nothing kept ---------------------------------------------
before=$(readlink "$t/certs/$zone/web-http/next")
run sslm-mgr -renew -f -n "$zone:web-http"
expect_rc 0 "dry run: exit 0"
chk "dry run: next untouched" test "$(readlink "$t/certs/$zone/web-http/next")" = "$before"
chk "dry run: says it discarded the certificate" grep -q 'dry run' "$T_OUT"
chk "dry run: a staging account of its own" test -s "$t/certs/$zone/web-http/acme.test/account.json"
chk "dry run: the production account untouched" test \
    "$(jq -r .url "$t/certs/$zone/web-http/acme/account.json")" = "$acct"
run sslm-mgr -renew -f -d "$zone:web-http"
expect_rc 3 "debug mode: ACME services fail"
expect_err_match 'web-http: debug mode \(-d\) places no ACME orders' \
    "debug mode: says why"
chk "debug mode: next untouched" test "$(readlink "$t/certs/$zone/web-http/next")" = "$before"

# ---- External Account Binding from the configuration ----------------------------------
site eab
mgr_service with-eab pebble-eab "e.$zone"
SSLM_TEST_STEPS=$w/eab.steps run sslm-mgr -renew
expect_rc 0 "EAB: exit 0 with the key from ca-info.conf"
chk "EAB: a certificate" test -s "$t/certs/$zone/with-eab/next/cert.pem"
if grep -qF "$eabkey" "$t/logs/sslm" "$T_OUT" "$T_ERR"; then
	notok "EAB: the HMAC key appears in no output or log"
else
	ok "EAB: the HMAC key appears in no output or log"
fi
# A run killed right after the account was made leaves its scratch: the
# key is not in it (it went through a pipe), and the next run removes it.
n=$(awk '$2 == "acme-order" { print $1; exit }' "$w/eab.steps")
site eab2
mgr_service with-eab pebble-eab "e2.$zone"
mkdir -p "$w/eabtmp"
TMPDIR=$w/eabtmp SSLM_TEST_CRASH_AT=$n sslm-mgr -renew >/dev/null 2>&1
chk "EAB: the killed run left its scratch (and an account)" test \
    -n "$(ls "$w/eabtmp")" -a -s "$t/certs/$zone/with-eab/acme/account.json"
if grep -rqF "$eabkey" "$w/eabtmp"; then
	notok "EAB: the HMAC key is in no file of the scratch"
else
	ok "EAB: the HMAC key is in no file of the scratch"
fi
TMPDIR=$w/eabtmp run sslm-mgr -s
chk "EAB: the next run removed the killed run's scratch" \
    test "$(find "$w/eabtmp" -mindepth 1 | wc -l)" -eq 0
site noeab
mgr_service no-eab pebble-eab-missing "f.$zone"
run sslm-mgr -renew
expect_rc 3 "EAB missing: exit 3"
expect_err_match 'no-eab: ACME account: .*externalAccountRequired' \
    "EAB missing: Pebble's problem is named"
chk "EAB missing: no next" test ! -e "$t/certs/$zone/no-eab/next"

# ---- ten dns-01 services in one batch, one more failing -----------------------------------
site ten
i=1
while [ "$i" -le 10 ]; do
	mgr_service "d$i" pebble-dns "d$i.$zone"
	i=$((i + 1))
done
mgr_service d11 pebble-down "d11.$zone"
: >"$w/dns-restarts"
run sslm-mgr -renew
expect_rc 3 "ten: exit 3 (one failed)"
expect_err_match "failed: $zone:d11\$" "ten: only d11 in the summary"
n=0
i=1
while [ "$i" -le 10 ]; do
	if mgr_good "$t/certs/$zone/d$i/next"; then n=$((n + 1)); fi
	i=$((i + 1))
done
chk "ten: all ten issued ($n)" test "$n" -eq 10
chk "ten: one DNS restart for the batch" test "$(wc -l <"$w/dns-restarts")" -eq 1
chk "ten: one propagation wait" \
    test "$(grep -c 'waiting for every authoritative server' "$T_OUT")" -eq 1
chk "ten: d11 has no next" test ! -e "$t/certs/$zone/d11/next"

# ---- a challenge that fails leaves next untouched -----------------------------------------
site bad
mgr_service good-one pebble-http "g.$zone"
sslm-mgr -renew >/dev/null 2>&1
before=$(readlink "$t/certs/$zone/good-one/next")
# The web root no longer answers for the zone: validation fails.  The
# failing order also names gx, which no order has validated: Pebble may
# reuse g's valid authorization from the run above (it did, in CI).
rm "$w/sites/$zone"
mkdir "$w/sites/$zone"
mgr_service good-one pebble-http "g.$zone" "g.$zone" "gx.$zone"
run sslm-mgr -renew -f
expect_rc 3 "failed challenge: exit 3"
expect_err_match 'good-one: ACME finish: .*urn:ietf:params:acme:error' \
    "failed challenge: the problem is named"
chk "failed challenge: next untouched" \
    test "$(readlink "$t/certs/$zone/good-one/next")" = "$before"
n=$(find "$t/certs/$zone/good-one/db" -maxdepth 1 -name '.new-*' | wc -l)
chk "failed challenge: no half-built set" test "$n" -eq 0
rm -rf "${w:?}/sites/$zone"
ln -s "$w/web/www" "$w/sites/$zone"
