#!/bin/sh
# sslm-acme-account, sslm-acme-order, sslm-acme-revoke against a real
# Pebble on loopback (with NSD for its DNS and nginx for http-01), and a
# small TLS stub for the answers Pebble never gives (malformed JSON, 500,
# foreign URLs, profiles, ARI).  Results are checked with openssl, jq,
# python3 and Pebble's management interface.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/pebble.sh"

w=$SSLM_TMP

# ---- a server that cannot be reached (no Pebble needed) -----------------
# A refused port and a listener that accepts but never answers: each
# tool fails at once (refused) or at the connect timeout / deadline
# (silent), exit 3, with one line naming the URL.  A python3 listener
# writes its port once it listens; the test polls for that file.
# secs CMD...: run CMD, elapsed whole seconds in $T_SECS.
secs() {
	_t0=$(date +%s)
	run "$@"
	T_SECS=$(($(date +%s) - _t0))
}
# fast WHAT MAX: the last timed run took at most MAX seconds.
fast() {
	if [ "$T_SECS" -le "$2" ]; then
		ok "$1"
	else
		notok "$1" "$T_SECS s, at most $2 s expected"
	fi
}
if command -v python3 >/dev/null 2>&1; then
	refused=https://127.0.0.1:$(pebble_free_port)/dir
	secs sslm-acme-account -A "$w/none" -D "$refused" create --agree-tos
	expect_rc 3 "refused: sslm-acme-account exits 3"
	expect_err_match "^sslm-acme-account: $refused: cannot connect: Connection refused$" \
	    "refused: sslm-acme-account names the URL and the reason"
	expect_err_lines 1 "refused: sslm-acme-account: one line"
	fast "refused: sslm-acme-account fails at once, no retries" 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$w/ari.key" -subj /CN=ari.test -days 30 \
	    -out "$w/ari.pem" 2>/dev/null
	secs sslm-acme-order -D "$refused" ari "$w/ari.pem"
	expect_rc 3 "refused: sslm-acme-order ari exits 3"
	expect_err_match "^sslm-acme-order: $refused: cannot connect: Connection refused$" \
	    "refused: sslm-acme-order says the same"
	expect_err_lines 1 "refused: sslm-acme-order: one line"
	fast "refused: sslm-acme-order fails at once" 1
	python3 -c 'import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    held.append(s.accept()[0])' "$w/silent.port" &
	echo $! >"$w/silent.pid"
	trap '_pebble_kill "$w/silent.pid"' EXIT INT TERM
	if _pebble_poll 100 test -s "$w/silent.port"; then
		silent=https://127.0.0.1:$(cat "$w/silent.port")/dir
		secs sslm-acme-account -w 2 -A "$w/none" -D "$silent" \
		    create --agree-tos
		expect_rc 3 "silent server: sslm-acme-account exits 3"
		expect_err_match "^sslm-acme-account: $silent: cannot connect: no answer before the deadline of 2 seconds$" \
		    "silent server, -w 2: names the URL and the deadline"
		expect_err_lines 1 "silent server: one line"
		fast "silent server, -w 2: fails within the deadline" 4
		secs sslm-acme-account -A "$w/none" -D "$silent" \
		    create --agree-tos
		expect_rc 3 "silent server, default deadline: exits 3"
		expect_err_match "^sslm-acme-account: $silent: cannot connect: no TLS answer within 10 seconds$" \
		    "silent server, default deadline: the 10 s connect timeout"
		expect_err_lines 1 "silent server, default deadline: one line"
		fast "silent server: fails at the connect timeout, no retries" 12
		if [ "$T_SECS" -ge 9 ]; then
			ok "silent server: waited for the connect timeout"
		else
			notok "silent server: waited for the connect timeout" \
			    "$T_SECS s"
		fi
	else
		notok "silent python3 listener starts"
	fi
	_pebble_kill "$w/silent.pid"
	trap - EXIT INT TERM
fi

for p in pebble nsd nsd-control nginx curl dig jq openssl python3; do
	if ! command -v "$p" >/dev/null 2>&1; then
		skip "acme: $p is not installed"
		exit 0
	fi
done

stop_all() {
	for d in pa pb pc; do pebble_stop "$w/$d"; done
	pebble_web_stop "$w/web"
	pebble_nsd_stop "$w/nsd"
	_pebble_kill "$w/stub.pid"
}
trap stop_all EXIT INT TERM

pebble_ca "$w/ca" || { notok "test CA"; exit 1; }
pebble_nsd_start "$w/nsd" acme.test || { notok "nsd starts"; exit 1; }
pebble_web_start "$w/web" || { notok "nginx starts"; exit 1; }
HP=$(cat "$w/web/port")
DNS=127.0.0.1:$(cat "$w/nsd/port")
pebble_start "$w/pa" "$w/ca" "$HP" "$DNS" PEBBLE_WFE_NONCEREJECT=0 \
    PEBBLE_ALTERNATE_ROOTS=2 PEBBLE_CHAIN_LENGTH=3 ||
    { notok "pebble starts"; exit 1; }
pebble_start "$w/pb" "$w/ca" "$HP" "$DNS" PEBBLE_WFE_NONCEREJECT=50 ||
    { notok "pebble (nonce reject 50) starts"; exit 1; }
pebble_start "$w/pc" "$w/ca" "$HP" "$DNS" PEBBLE_WFE_NONCEREJECT=0 \
    PEBBLE_EAB="kid-1" || { notok "pebble (EAB) starts"; exit 1; }
ok "test bed: nsd, nginx and three pebbles on loopback"

CA=$w/ca/ca.pem
UA=$(cat "$w/pa/url")
UB=$(cat "$w/pb/url")
UC=$(cat "$w/pc/url")
CHDIR=$w/web/www/.well-known/acme-challenge

# csr FILE SAN...: a P-256 key FILE.key and request FILE for the names.
csr() {
	_f=$1
	shift
	_s=
	for _n in "$@"; do
		case "$_n" in
		[0-9]*) _s="$_s${_s:+,}IP:$_n" ;;
		*) _s="$_s${_s:+,}DNS:$_n" ;;
		esac
	done
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$_f.key" -subj "/CN=$1" -addext "subjectAltName=$_s" \
	    -out "$_f" 2>/dev/null
}

# publish ORDER: the key authorizations of every pending challenge.
publish() {
	jq -r '.challenges[] | select(.status == "pending") |
	    [.type, .token, .key_authorization, .txt_name // "",
	    .txt_value // ""] | @tsv' "$1" >"$w/pub.tsv"
	while IFS="$(printf '\t')" read -r _t _tok _ka _tn _tv; do
		case "$_t" in
		http-01) printf '%s' "$_ka" >"$CHDIR/$_tok" ;;
		dns-01) pebble_nsd_txt "$w/nsd" "$_tn" "$_tv" ;;
		esac
	done <"$w/pub.tsv"
}

# reqs FILE: the request count printed by -v in FILE.
reqs() {
	sed -n 's/^sslm-acme-order: \([0-9]*\) http requests$/\1/p' "$1"
}

# issue ACCT URL CHAL CSR OUT [ORDER-OPTIONS]: order, publish, finish.
issue() {
	_ia=$1 _iu=$2 _ic=$3 _ir=$4 _io=$5
	shift 5
	sslm-acme-order -v -A "$_ia" -D "$_iu" --ca-file "$CA" order \
	    -c "$_ic" "$@" "$_ir" >"$_io.order" 2>"$_io.err1" || return 1
	publish "$_io.order"
	sslm-acme-order -v -A "$_ia" -D "$_iu" --ca-file "$CA" finish \
	    --csr "$_ir" ${IPREF:+--preferred-chain "$IPREF"} "$_io.order" \
	    >"$_io" 2>"$_io.err2"
}

# pebble_count DIR: requests Pebble has logged so far.
pebble_count() {
	grep -c 'calling handler' "$1/pebble.log"
}

# ---- usage ------------------------------------------------------------
run sslm-acme-order
expect_rc 2 "order: no arguments: exit 2"
run sslm-acme-order -A "$w/a" -D "$UA" -c tls-alpn-01 order
expect_rc 2 "order: unknown challenge type: exit 2"
run sslm-acme-order -A "$w/a" -D "$UA" finish
expect_rc 2 "finish without --csr: exit 2"
run sslm-acme-account -D "$UA" create
expect_rc 2 "account without -A: exit 2"
run sslm-acme-account -A "$w/a" -D "$UA" create --eab-kid x
expect_rc 2 "account: --eab-kid without --eab-key-file: exit 2"
run sslm-acme-revoke -A "$w/a" -k "$w/x" -D "$UA" "$w/x"
expect_rc 2 "revoke: -A and -k together: exit 2"
run sslm-acme-revoke -A "$w/a" -D "$UA" -r nosuch "$w/x"
expect_rc 2 "revoke: unknown reason: exit 2"
run sslm-acme-order -V
expect_rc 0 "order -V: exit 0"

# ---- accounts ---------------------------------------------------------
A=$w/acct-a
run sslm-acme-account -A "$A" -D "$UA" --ca-file "$CA" create
expect_rc 3 "account: new without --agree-tos: exit 3"
expect_err_match 'creating an account needs --agree-tos' \
    "account: says --agree-tos is needed"
if [ -e "$A/account.key" ]; then
	notok "account: no key left behind without --agree-tos"
else
	ok "account: no key left behind without --agree-tos"
fi
run sslm-acme-account -v -A "$A" -D "$UA" --ca-file "$CA" create \
    -e hostmaster@acme.test --agree-tos
expect_rc 0 "account: create"
expect_jq '.status == "valid" and .key_alg == "ES256" and
    .contact == ["mailto:hostmaster@acme.test"]' "account: valid, ES256, contact"
cp "$T_OUT" "$w/acct-a.out"
url1=$(jq -r .url "$T_OUT")
tp=$(jq -r .thumbprint "$T_OUT")
if [ "$(stat -c %a "$A/account.key")" = 600 ]; then
	ok "account: key is 0600"
else
	notok "account: key is 0600" "mode $(stat -c %a "$A/account.key")"
fi
run openssl pkey -in "$A/account.key" -check -noout
expect_rc 0 "account: key passes openssl pkey -check"
run jq -e --arg u "$url1" --arg d "$UA" \
    '.url == $u and .directory == $d and .status == "valid"' \
    "$A/account.json"
expect_rc 0 "account: account.json holds directory, url, status"
# the RFC 7638 thumbprint, computed independently from the public key
openssl pkey -in "$A/account.key" -pubout -outform DER 2>/dev/null |
    tail -c 64 >"$w/pub.xy"
tp2=$(python3 -c 'import base64, hashlib, sys
xy = open(sys.argv[1], "rb").read()
b = lambda v: base64.urlsafe_b64encode(v).rstrip(b"=").decode()
jwk = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}" % (
    b(xy[:32]), b(xy[32:]))
print(b(hashlib.sha256(jwk.encode()).digest()))' "$w/pub.xy")
if [ "$tp" = "$tp2" ]; then
	ok "account: thumbprint agrees with python"
else
	notok "account: thumbprint agrees with python" "$tp != $tp2"
fi
# A kept account (account.json for this directory) is not asked again
# (RFC 8555 7.3.1: its URL is all a request needs): Pebble sees nothing.
n0=$(pebble_count "$w/pa")
run sslm-acme-account -v -A "$A" -D "$UA" --ca-file "$CA" create
expect_rc 0 "account: second create gives the kept account"
expect_jq ".url == \"$url1\"" "account: same URL"
check "account: the kept account costs no request (Pebble's log)" \
    test "$(pebble_count "$w/pa")" -eq "$n0"
# its twins: --check asks the server, and so does a lost account.json
run sslm-acme-account -v -A "$A" -D "$UA" --ca-file "$CA" create --check
expect_rc 0 "account: --check finds the account"
expect_jq ".url == \"$url1\"" "account: --check: same URL"
check "account: --check asks Pebble: 3 requests" \
    test "$(pebble_count "$w/pa")" -eq $((n0 + 3))
expect_err_match '^sslm-acme-account: 3 http requests$' \
    "account: --check: its own count says 3 too"
mv "$A/account.json" "$w/account.json.kept"
run sslm-acme-account -A "$A" -D "$UA" --ca-file "$CA" create
expect_rc 0 "account: without account.json the key's account is found"
expect_jq ".url == \"$url1\"" "account: without account.json: same URL"
check "account: without account.json: 3 more requests" \
    test "$(pebble_count "$w/pa")" -eq $((n0 + 6))
check "account: account.json made again, with the URL" \
    jq -e ".url == \"$url1\"" "$A/account.json"
# An account.json of another directory is no account of this one: the
# other server is asked (and registers the key).
cp -R "$A" "$w/acct-other"
nb=$(pebble_count "$w/pb")
run sslm-acme-account -A "$w/acct-other" -D "$UB" --ca-file "$CA" create \
    --agree-tos
expect_rc 0 "account: kept for another directory: the new one is asked"
check "account: kept for another directory: Pebble b saw newAccount" \
    test "$(pebble_count "$w/pb")" -gt "$nb"
check "account: kept for another directory: account.json is the new one's" \
    jq -e ".directory == \"$UB\"" "$w/acct-other/account.json"
keyline=$(sed -n 2p "$A/account.key")
if grep -qF -- "$keyline" "$w/acct-a.out" "$T_OUT" "$T_ERR" "$A/account.json"
then
	notok "account: the key appears nowhere but its file"
else
	ok "account: the key appears nowhere but its file"
fi
run sslm-acme-account -A "$A" -D "$UA" --ca-file "$CA" show
expect_rc 0 "account: show"
expect_jq ".url == \"$url1\" and .thumbprint == \"$tp\"" \
    "account: show gives url and thumbprint"
run sslm-acme-account -A "$A" -D "$UB" --ca-file "$CA" show
expect_rc 3 "account: another directory: exit 3"
expect_err_match 'the account belongs to' "account: says whose it is"

# ---- http-01: two names, then an IP address -------------------------------
csr "$w/r1.csr" a.acme.test b.acme.test
before=$(pebble_count "$w/pa")
run sslm-acme-order -v -A "$A" -D "$UA" --ca-file "$CA" order "$w/r1.csr"
expect_rc 0 "order: http-01 for two names"
cp "$T_OUT" "$w/o1.json"
n1=$(reqs "$T_ERR")
expect_jq '[.identifiers[] | "\(.type):\(.value)"] | sort ==
    ["dns:a.acme.test", "dns:b.acme.test"]' "order: identifiers of the CSR"
expect_jq "[.challenges[] | .type == \"http-01\" and .status == \"pending\"
    and (.url | startswith(\"https://\")) and
    .key_authorization == .token + \".$tp\" and
    .http_path == \"/.well-known/acme-challenge/\" + .token] | all" \
    "order: http-01 challenges with key authorization and path"
expect_jq '(.order | startswith("https://")) and (.finalize |
    startswith("https://")) and .status == "pending" and
    (.account | length) > 0 and (.directory | length) > 0' \
    "order: order, finalize, status, account, directory"
publish "$w/o1.json"
run sslm-acme-order -v -A "$A" -D "$UA" --ca-file "$CA" finish \
    --csr "$w/r1.csr" "$w/o1.json"
expect_rc 0 "finish: http-01 issuance"
cp "$T_OUT" "$w/c1.pem"
n2=$(reqs "$T_ERR")
after=$(pebble_count "$w/pa")
# Two names: directory, nonce, newOrder, 2 authorizations; 2 answers, a
# poll of the order (not of each authorization), finalize, a poll, the
# certificate.
if [ -n "$n1" ] && [ -n "$n2" ] && [ $((n1 + n2)) -le 11 ]; then
	ok "requests for one issuance: $((n1 + n2)) (at most 11)"
else
	notok "requests for one issuance at most 11" "order $n1 finish $n2"
fi
if [ $((after - before)) -eq $((n1 + n2)) ]; then
	ok "pebble's log counts the same requests"
else
	notok "pebble's log counts the same requests" \
	    "pebble $((after - before)), ours $((n1 + n2))"
fi
pebble_root "$w/pa" 0 "$w/root0.pem"
pebble_root "$w/pa" 1 "$w/root1.pem"
pebble_root "$w/pa" 2 "$w/root2.pem"
run openssl verify -CAfile "$w/root0.pem" -untrusted "$w/c1.pem" \
    "$w/c1.pem"
expect_rc 0 "finish: openssl verify accepts the chain (default root)"
run openssl x509 -in "$w/c1.pem" -noout -ext subjectAltName
if grep -q 'DNS:a.acme.test' "$T_OUT" && grep -q 'DNS:b.acme.test' \
    "$T_OUT"; then
	ok "finish: the certificate names both names"
else
	notok "finish: the certificate names both names" "$(cat "$T_OUT")"
fi
csr "$w/r1ip.csr" 127.0.0.1 g.acme.test
run issue "$A" "$UA" http-01 "$w/r1ip.csr" "$w/c1ip.pem"
expect_rc 0 "http-01 issuance for an IP address and a name"
check "order: an RFC 8738 ip identifier" jq -e '[.identifiers[] |
    select(.type == "ip" and .value == "127.0.0.1")] | length == 1' \
    "$w/c1ip.pem.order"
run openssl x509 -in "$w/c1ip.pem" -noout -ext subjectAltName
expect_err_lines 0 "the IP certificate is readable"
check "the certificate names the IP address" grep -q 'IP Address:127.0.0.1' \
    "$T_OUT"
run sslm-acme-order -A "$A" -D "$UA" --ca-file "$CA" finish \
    --csr "$w/r1.csr" "$w/o1.json"
expect_rc 3 "finish: a finished order again: exit 3"

# ---- dns-01: apex and wildcard ------------------------------------------
csr "$w/r2.csr" w.acme.test '*.w.acme.test'
run sslm-acme-order -A "$A" -D "$UA" --ca-file "$CA" order -c dns-01 \
    "$w/r2.csr"
expect_rc 0 "order: dns-01 for apex and wildcard"
cp "$T_OUT" "$w/o2.json"
expect_jq '[.challenges[] | .txt_name == "_acme-challenge.w.acme.test"] |
    all' "order: one TXT name for apex and wildcard"
expect_jq '[.challenges[] | select(.identifier.value == "w.acme.test") |
    .wildcard] == [true, false] or [.challenges[] |
    select(.identifier.value == "w.acme.test") | .wildcard] == [false, true]'\
    "order: the wildcard authorization is marked"
jq -r '.challenges[] | "\(.key_authorization) \(.txt_value)"' "$w/o2.json" \
    >"$w/o2.txt"
check "order: TXT values agree with python" python3 -c '
import base64, hashlib, sys
for line in open(sys.argv[1]):
    ka, tv = line.split()
    d = hashlib.sha256(ka.encode()).digest()
    assert base64.urlsafe_b64encode(d).rstrip(b"=").decode() == tv
' "$w/o2.txt"
publish "$w/o2.json"
run sslm-acme-order -A "$A" -D "$UA" --ca-file "$CA" finish \
    --csr "$w/r2.csr" "$w/o2.json"
expect_rc 0 "finish: dns-01 issuance"
cp "$T_OUT" "$w/c2.pem"
run openssl verify -CAfile "$w/root0.pem" -untrusted "$w/c2.pem" \
    "$w/c2.pem"
expect_rc 0 "finish: openssl verify accepts the wildcard chain"
run openssl x509 -in "$w/c2.pem" -noout -ext subjectAltName
expect_err_lines 0 "finish: wildcard certificate readable"
check "finish: wildcard SAN present" grep -q 'DNS:\*.w.acme.test' "$T_OUT"
pebble_nsd_clear "$w/nsd"

csr "$w/r3.csr" 127.0.0.2
run sslm-acme-order -A "$A" -D "$UA" --ca-file "$CA" order -c dns-01 \
    "$w/r3.csr"
expect_rc 3 "order: dns-01 for an IP address: exit 3"
expect_err_match 'ip 127.0.0.2: no dns-01 challenge offered' \
    "order: says no dns-01 for the IP"

# ---- a challenge that fails ------------------------------------------------
csr "$w/r4.csr" c.acme.test
run sslm-acme-order -A "$A" -D "$UA" --ca-file "$CA" order "$w/r4.csr"
cp "$T_OUT" "$w/o4.json"
tok=$(jq -r '.challenges[0].token' "$w/o4.json")
printf 'wrong' >"$CHDIR/$tok"
run sslm-acme-order -A "$A" -D "$UA" --ca-file "$CA" finish \
    --csr "$w/r4.csr" "$w/o4.json"
expect_rc 3 "finish: wrong http-01 file: exit 3"
expect_err_match '^sslm-acme-order: https://[^ ]*/authZ/[^ ]*: dns c.acme.test: urn:ietf:params:acme:error:unauthorized: ' \
    "finish: names the identifier and pebble's problem"
check "finish: nothing on stdout after a failure" test ! -s "$T_OUT"

csr "$w/r5.csr" d.acme.test
run sslm-acme-order -A "$A" -D "$UA" --ca-file "$CA" order -c dns-01 \
    "$w/r5.csr"
cp "$T_OUT" "$w/o5.json"
pebble_nsd_txt "$w/nsd" _acme-challenge.d.acme.test wrongvalue
run sslm-acme-order -A "$A" -D "$UA" --ca-file "$CA" finish \
    --csr "$w/r5.csr" "$w/o5.json"
expect_rc 3 "finish: wrong TXT record: exit 3"
expect_err_match ': dns d.acme.test: urn:ietf:params:acme:error:unauthorized: ' \
    "finish: names the dns-01 identifier and the problem"
pebble_nsd_clear "$w/nsd"

# the request and the order must agree; orders are bound to the account
run sslm-acme-order -A "$A" -D "$UA" --ca-file "$CA" finish \
    --csr "$w/r4.csr" "$w/o1.json"
expect_rc 3 "finish: CSR of another order: exit 3"
expect_err_match "does not name the order's identifiers" \
    "finish: says the CSR does not match"
jq '.challenges[0].authz = "https://evil.example/authz/1"' "$w/o1.json" \
    >"$w/o1-evil.json"
run sslm-acme-order -A "$A" -D "$UA" --ca-file "$CA" finish \
    --csr "$w/r1.csr" "$w/o1-evil.json"
expect_rc 3 "finish: an authorization URL on another host: exit 3"
expect_err_match 'not an https URL of 127.0.0.1:' \
    "finish: refuses the foreign URL"
head -c 100 "$w/o1.json" >"$w/o1-trunc.json"
run sslm-acme-order -A "$A" -D "$UA" --ca-file "$CA" finish \
    --csr "$w/r1.csr" "$w/o1-trunc.json"
expect_rc 3 "finish: truncated order JSON: exit 3"
expect_err_match 'not an order' "finish: says it is not an order"

# ---- malformed and oversized input ----------------------------------------
printf -- '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n' \
    >"$w/bad.csr"
run sslm-acme-order -A "$A" -D "$UA" --ca-file "$CA" order "$w/bad.csr"
expect_rc 3 "order: malformed CSR: exit 3"
head -c 1100000 /dev/zero | tr '\0' 'A' >"$w/big.csr"
run_in "$w/big.csr" sslm-acme-order -A "$A" -D "$UA" --ca-file "$CA" order
expect_rc 3 "order: CSR over 1 MiB on stdin: exit 3"
expect_err_match 'larger than' "order: says the input is too large"
# a forged request: flip a byte of the signature
openssl req -in "$w/r4.csr" -outform DER -out "$w/r4.der" 2>/dev/null
python3 -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-5] ^= 1
open(sys.argv[1], "wb").write(b)' "$w/r4.der"
openssl req -inform DER -in "$w/r4.der" -out "$w/forged.csr" 2>/dev/null
run sslm-acme-order -A "$A" -D "$UA" --ca-file "$CA" order "$w/forged.csr"
expect_rc 3 "order: forged CSR signature: exit 3"
expect_err_match 'signature does not verify' "order: says the signature is bad"

# ---- alternate chains -------------------------------------------------
cn1=$(openssl x509 -in "$w/root1.pem" -noout -subject -nameopt multiline |
    sed -n 's/^ *commonName *= *//p')
csr "$w/r6.csr" e.acme.test
IPREF=$cn1
export IPREF
run issue "$A" "$UA" http-01 "$w/r6.csr" "$w/c6.pem"
expect_rc 0 "preferred chain: issuance naming alternate root 1"
unset IPREF
# the issuer CN of every certificate of a chain, in order
issuers() {
	openssl crl2pkcs7 -nocrl -certfile "$1" |
	    openssl pkcs7 -print_certs -noout |
	    sed -n 's/^issuer=.*CN *= *//p'
}
last=$(issuers "$w/c6.pem" | tail -1)
if [ "$last" = "$cn1" ]; then
	ok "preferred chain: the last issuer is alternate root 1"
else
	notok "preferred chain: the last issuer is alternate root 1" \
	    "'$last' != '$cn1'"
fi
run openssl verify -CAfile "$w/root1.pem" -untrusted "$w/c6.pem" "$w/c6.pem"
expect_rc 0 "preferred chain: verifies against /roots/1"
run openssl verify -CAfile "$w/root0.pem" -untrusted "$w/c6.pem" "$w/c6.pem"
expect_rc 2 "preferred chain: does not verify against /roots/0"
IPREF="no such root"
export IPREF
run issue "$A" "$UA" http-01 "$w/r6.csr" "$w/c7.pem"
expect_rc 0 "preferred chain: naming no root still issues"
unset IPREF
check "preferred chain: notes that none matched" \
    grep -q 'no chain issued by no such root' "$w/c7.pem.err2"
run openssl verify -CAfile "$w/root0.pem" -untrusted "$w/c7.pem" "$w/c7.pem"
expect_rc 0 "preferred chain: the default chain otherwise"
n=$(grep -c BEGIN "$w/c7.pem")
issuers "$w/c7.pem" >"$w/c7.issuers"
if [ "$n" -ge 3 ] && ! grep -qF "$cn1" "$w/c7.issuers"; then
	ok "chain length: $n certificates, none issued by root 1"
else
	notok "chain length: at least 3, none issued by root 1" \
	    "$(cat "$w/c7.issuers")"
fi

# ---- revocation -------------------------------------------------------
serial() {
	openssl x509 -in "$1" -noout -serial | cut -d= -f2 |
	    tr 'A-F' 'a-f' | sed 's/^0*//'
}
status() {
	curl -sf --cacert "$CA" \
	    "$(cat "$w/pa/mgmt")/cert-status-by-serial/$(serial "$1")"
}
run sslm-acme-revoke -A "$A" -D "$UA" --ca-file "$CA" -r superseded \
    "$w/c1.pem"
expect_rc 0 "revoke: by account key"
run status "$w/c1.pem"
expect_jq '.Status == "Revoked" and .Reason == 4' \
    "revoke: pebble reports it revoked, reason superseded"
run sslm-acme-revoke -A "$A" -D "$UA" --ca-file "$CA" "$w/c1.pem"
expect_rc 3 "revoke: twice: exit 3"
expect_err_match 'revoke-cert: urn:ietf:params:acme:error:alreadyRevoked: ' \
    "revoke: says already revoked"
run sslm-acme-revoke -k "$w/r1.csr.key" -D "$UA" --ca-file "$CA" "$w/c2.pem"
expect_rc 3 "revoke: with another certificate's key: exit 3"
expect_err_match 'not the key of' "revoke: says it is not its key"
run_in "$w/r2.csr.key" sslm-acme-revoke -k - -D "$UA" --ca-file "$CA" \
    -r keyCompromise "$w/c2.pem"
expect_rc 0 "revoke: by the certificate's key (from stdin)"
run status "$w/c2.pem"
expect_jq '.Status == "Revoked" and .Reason == 1' \
    "revoke: pebble reports it revoked, reason keyCompromise"

# ---- key rollover -------------------------------------------------------
cp "$A/account.key" "$w/old.key"
run sslm-acme-account -A "$A" -D "$UA" --ca-file "$CA" rollover
expect_rc 0 "rollover"
expect_jq ".url == \"$url1\" and .thumbprint != \"$tp\"" \
    "rollover: same account, new thumbprint"
if cmp -s "$A/account.key" "$w/old.key"; then
	notok "rollover: account.key replaced"
else
	ok "rollover: account.key replaced"
fi
check "rollover: new key 0600" test "$(stat -c %a "$A/account.key")" = 600
check "rollover: no temporary left" test ! -e "$A/account.key.new"
csr "$w/r8.csr" f.acme.test
run issue "$A" "$UA" http-01 "$w/r8.csr" "$w/c8.pem"
expect_rc 0 "rollover: issuance with the new key"
mkdir -p "$w/acct-old"
cp "$w/old.key" "$w/acct-old/account.key"
cp "$A/account.json" "$w/acct-old/account.json"
run sslm-acme-account -A "$w/acct-old" -D "$UA" --ca-file "$CA" show
expect_rc 3 "rollover: the old key no longer works"

# ---- badNonce at 50% ------------------------------------------------------
B=$w/acct-b
run sslm-acme-account -A "$B" -D "$UB" --ca-file "$CA" create --agree-tos
expect_rc 0 "nonce reject 50%: account created"
pebble_root "$w/pb" 0 "$w/rootb.pem"
good=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	csr "$w/n$i.csr" "n$i.acme.test"
	if issue "$B" "$UB" http-01 "$w/n$i.csr" "$w/n$i.pem" &&
	    openssl verify -CAfile "$w/rootb.pem" -untrusted \
	    "$w/n$i.pem" "$w/n$i.pem" >/dev/null 2>&1; then
		good=$((good + 1))
	fi
done
if [ "$good" -eq 10 ]; then
	ok "nonce reject 50%: 10 issuances in a row"
else
	notok "nonce reject 50%: 10 issuances in a row" "$good of 10" \
	    "$(cat "$w"/n*.pem.err* | grep -v ' -> ' | head -5)"
fi
check "nonce reject 50%: bad nonces were retried" \
    grep -q 'bad nonce, retrying' "$w"/n1.pem.err1 "$w"/n*.pem.err*

# ---- External Account Binding ---------------------------------------
C=$w/acct-c
run sslm-acme-account -A "$C" -D "$UC" --ca-file "$CA" create --agree-tos
expect_rc 3 "eab: without the binding: exit 3"
expect_err_match 'externalAccountRequired' "eab: says a binding is required"
rm -rf "$C"
printf 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n' >"$w/eab-wrong"
run sslm-acme-account -A "$C" -D "$UC" --ca-file "$CA" create --agree-tos \
    --eab-kid kid-1 --eab-key-file "$w/eab-wrong"
expect_rc 3 "eab: wrong HMAC key: exit 3"
expect_err_match 'urn:ietf:params:acme:error:' "eab: reports pebble's problem"
rm -rf "$C"
run_in "$w/pc/eab-kid-1" sslm-acme-account -A "$C" -D "$UC" --ca-file "$CA" \
    create --agree-tos --eab-kid kid-1 --eab-key-file -
expect_rc 0 "eab: with the key on stdin"
expect_jq '.status == "valid"' "eab: account valid"
check "eab: the HMAC key is not printed" test -z "$(grep -lF \
    "$(cat "$w/pc/eab-kid-1")" "$T_OUT" "$T_ERR" "$C/account.json")"

# ---- an RSA account (RS256) ------------------------------------------------
R=$w/acct-rsa
run sslm-acme-account --rsa -A "$R" -D "$UA" --ca-file "$CA" create \
    --agree-tos
expect_rc 0 "rsa: account created"
expect_jq '.key_alg == "RS256"' "rsa: signs with RS256"
run openssl pkey -in "$R/account.key" -noout -text
check "rsa: a 2048-bit key" grep -q 'Private-Key: (2048 bit' "$T_OUT"
csr "$w/r9.csr" h.acme.test
run issue "$R" "$UA" http-01 "$w/r9.csr" "$w/c9.pem"
expect_rc 0 "rsa: issuance with an RSA account"

# ---- ARI against pebble (no renewalInfo) -------------------------------
run sslm-acme-order -D "$UA" --ca-file "$CA" ari "$w/c8.pem"
expect_rc 0 "ari: pebble without renewalInfo"
aki=$(openssl x509 -in "$w/c8.pem" -noout -ext authorityKeyIdentifier |
    sed -n 's/^ *\(keyid:\)\{0,1\}\([0-9A-Fa-f:]\{20,\}\).*/\2/p' | tr -d ':')
ser=$(openssl x509 -in "$w/c8.pem" -noout -serial | cut -d= -f2)
cid=$(python3 -c 'import base64, sys
b = lambda h: base64.urlsafe_b64encode(bytes.fromhex(h)).rstrip(b"=").decode()
s = sys.argv[2]
s = s if len(s) % 2 == 0 else "0" + s
if int(s[:2], 16) & 0x80: s = "00" + s
print(b(sys.argv[1]) + "." + b(s))' "$aki" "$ser")
expect_jq ".supported == false and .cert_id == \"$cid\"" \
    "ari: certificate identifier agrees with openssl and python"

# ---- deactivation ---------------------------------------------------------
run sslm-acme-account -A "$B" -D "$UB" --ca-file "$CA" deactivate
expect_rc 0 "deactivate"
expect_jq '.status == "deactivated"' "deactivate: status deactivated"
run sslm-acme-order -A "$B" -D "$UB" --ca-file "$CA" order "$w/n1.csr"
expect_rc 3 "deactivate: the account cannot order"
expect_err_match 'urn:ietf:params:acme:error:unauthorized' \
    "deactivate: pebble's problem reported"

# ---- a stub for bad answers --------------------------------------------
cat >"$w/stub.py" <<'EOF'
import http.server, json, ssl, sys
port, cert, key, cid = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
base = "https://127.0.0.1:%d" % port
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def send(self, code, body, ctype="application/json"):
        b = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        self.send_header("Replay-Nonce", "c3R1Yk5vbmNl")
        self.end_headers()
        self.wfile.write(b)
    def dirdoc(self, p, **extra):
        d = {"newNonce": base + p + "/nonce",
             "newAccount": base + p + "/acct",
             "newOrder": base + p + "/order"}
        d.update(extra)
        return json.dumps(d)
    def do_HEAD(self):
        self.send(200, "")
    def do_POST(self):
        if self.path == "/sub/order":
            self.send(400, json.dumps({
                "type": "urn:ietf:params:acme:error:rejectedIdentifier",
                "detail": "two names are refused",
                "subproblems": [
                    {"type": "urn:ietf:params:acme:error:rejectedIdentifier",
                     "detail": "no thanks",
                     "identifier": {"type": "dns", "value": "x.acme.test"}},
                    {"type": "urn:ietf:params:acme:error:caa",
                     "detail": "caa forbids",
                     "identifier": {"type": "dns", "value": "y.acme.test"}}]}),
                "application/problem+json")
        else:
            self.send(500, "{}")
    def do_GET(self):
        p = self.path
        if p == "/bad/dir":
            self.send(200, '{"newNonce": "x", ')
        elif p == "/esc/dir":
            self.send(200, '{"newNonce": \x1b[2J')
        elif p == "/ctrl/dir":
            self.send(200, self.dirdoc("/ctrl").replace(
                "/ctrl/nonce", "/ctrl/\\u001b[2Jnonce"))
        elif p == "/500/dir":
            self.send(500, "oops", "text/plain")
        elif p == "/array/dir":
            self.send(200, "[1, 2]")
        elif p == "/http/dir":
            self.send(200, self.dirdoc("/http").replace(
                "https://127.0.0.1", "http://127.0.0.1"))
        elif p == "/big/dir":
            self.send(200, '{"x": "' + "a" * (2 * 1024 * 1024) + '"}')
        elif p == "/500post/dir":
            self.send(200, self.dirdoc("/500post"))
        elif p == "/sub/dir":
            self.send(200, self.dirdoc("/sub"))
        elif p == "/ari/dir":
            self.send(200, self.dirdoc("/ari",
                renewalInfo=base + "/ari/renewalInfo",
                meta={"profiles": {"classic": "the usual"}}))
        elif p == "/ari/renewalInfo/" + cid:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Retry-After", "21600")
            b = json.dumps({"suggestedWindow": {
                "start": "2030-01-01T00:00:00Z",
                "end": "2030-01-02T00:00:00Z"}}).encode()
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)
        else:
            self.send(404, '{"type": "about:blank"}',
                      "application/problem+json")
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
s = http.server.HTTPServer(("127.0.0.1", port), H)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()
EOF
SP=$(pebble_free_port)
python3 "$w/stub.py" "$SP" "$w/ca/server.pem" "$w/ca/server.key" "$cid" \
    >"$w/stub.log" 2>&1 &
echo $! >"$w/stub.pid"
_pebble_poll 100 curl -sf --cacert "$CA" "https://127.0.0.1:$SP/ari/dir" ||
    notok "stub starts"
S=https://127.0.0.1:$SP

# stubacct DIR URL: an account directory for the stub (never registered)
stubacct() {
	mkdir -p "$1"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1/account.key" 2>/dev/null
	printf '{"directory": "%s", "url": "%s", "status": "valid"}\n' \
	    "$2" "$S/acct/1" >"$1/account.json"
}
run sslm-acme-order -D "$S/bad/dir" --ca-file "$CA" ari "$w/c8.pem"
expect_rc 3 "stub: malformed JSON directory: exit 3"
expect_err_match "^sslm-acme-order: $S/bad/dir: HTTP 200: malformed JSON: " \
    "stub: says malformed JSON"
run sslm-acme-order -D "$S/esc/dir" --ca-file "$CA" ari "$w/c8.pem"
expect_rc 3 "stub: malformed JSON with an escape byte: exit 3"
expect_err_match "^sslm-acme-order: $S/esc/dir: HTTP 200: malformed JSON: " \
    "stub: malformed JSON with an escape byte: says so"
if LC_ALL=C grep -q "$(printf '\033')" "$T_ERR"; then
	notok "stub: the server's escape byte is not printed" "$(cat -v "$T_ERR")"
else
	ok "stub: the server's escape byte is not printed"
fi
# found by fuzz/fuzz_acme: a URL of the server is quoted printably
run sslm-acme-order -D "$S/ctrl/dir" --ca-file "$CA" ari "$w/c8.pem"
expect_rc 3 "stub: a directory URL with an escape byte: exit 3"
expect_err_match "newNonce: $S/ctrl/\\?\\[2Jnonce: not an https URL" \
    "stub: a directory URL with an escape byte: refused, shown with ?"
if LC_ALL=C grep -q "$(printf '\033')" "$T_ERR"; then
	notok "stub: the escape byte of the URL is not printed" "$(cat -v "$T_ERR")"
else
	ok "stub: the escape byte of the URL is not printed"
fi
run sslm-acme-order -D "$S/array/dir" --ca-file "$CA" ari "$w/c8.pem"
expect_rc 3 "stub: a directory that is not an object: exit 3"
run sslm-acme-order -w 4 -D "$S/500/dir" --ca-file "$CA" ari "$w/c8.pem"
expect_rc 3 "stub: HTTP 500: exit 3"
expect_err_match "^sslm-acme-order: $S/500/dir: HTTP 500$" "stub: says HTTP 500"
run sslm-acme-order -D "$S/http/dir" --ca-file "$CA" ari "$w/c8.pem"
expect_rc 3 "stub: http:// URLs in the directory: exit 3"
expect_err_match 'newNonce: http://127.0.0.1:[0-9]*/http/nonce: not an https URL' \
    "stub: refuses the http URL"
run sslm-acme-order -D "$S/big/dir" --ca-file "$CA" ari "$w/c8.pem"
expect_rc 3 "stub: answer over 1 MiB: exit 3"
expect_err_match 'answer larger than 1048576 bytes' "stub: says too large"
run sslm-acme-order -D "$S/ari/dir" --ca-file "$CA" ari "$w/c8.pem"
expect_rc 0 "stub: ari with renewalInfo"
expect_jq '.supported and .suggested_window.start == "2030-01-01T00:00:00Z"
    and .suggested_window.end == "2030-01-02T00:00:00Z" and
    .retry_after == 21600' "stub: ari window and Retry-After"
stubacct "$w/acct-s" "$S/ari/dir"
run sslm-acme-order -A "$w/acct-s" -D "$S/ari/dir" --ca-file "$CA" order \
    --profile nosuch "$w/r4.csr"
expect_rc 3 "stub: a profile the server does not list: exit 3"
expect_err_match 'the server has no profile nosuch' "stub: names the profile"
stubacct "$w/acct-sub" "$S/sub/dir"
csr "$w/rs.csr" x.acme.test y.acme.test
run sslm-acme-order -A "$w/acct-sub" -D "$S/sub/dir" --ca-file "$CA" order \
    "$w/rs.csr"
expect_rc 3 "stub: a problem with subproblems: exit 3"
expect_err_lines 3 "stub: one line per problem"
expect_err_match "^sslm-acme-order: $S/sub/order: urn:ietf:params:acme:error:rejectedIdentifier: two names are refused$" \
    "stub: the problem's line"
expect_err_match "^sslm-acme-order: $S/sub/order: y.acme.test: urn:ietf:params:acme:error:caa: caa forbids$" \
    "stub: a subproblem's line names its identifier"
stubacct "$w/acct-500" "$S/500post/dir"
run sslm-acme-order -w 4 -A "$w/acct-500" -D "$S/500post/dir" \
    --ca-file "$CA" order "$w/rs.csr"
expect_rc 3 "stub: POST answered 500: exit 3"
expect_err_match "/500post/order: HTTP 500$" "stub: says HTTP 500 for the POST"
run sslm-acme-order -A "$A" -D "$UA" --ca-file "$CA" order \
    --profile classic "$w/r4.csr"
expect_rc 0 "pebble: --profile without server profiles still orders"
expect_err_match 'note: the server has no profiles; classic ignored' \
    "pebble: notes the profile is ignored"
run sslm-acme-order -D "http://127.0.0.1:$SP/ari/dir" ari "$w/c8.pem"
expect_rc 3 "an http directory URL: exit 3"
expect_err_match 'not an https URL' "says https only"
run sslm-acme-order -D "$S/ari/dir" ari "$w/c8.pem"
expect_rc 3 "the system store does not trust the test CA: exit 3"
