#!/bin/sh
# sslm-tlsagen: TLSA data for every usage/selector/matching type against
# ldns-dane, danetool and openssl; owner names (apex, MX hosts, SANs,
# wildcards); zone-file validity with ldns-read-zone; JSON; errors.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
cd "$w" || exit 1

# ---- fixtures -----------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ec.key -out ec.pem -days 30 -subj /CN=mail.example.com \
    -addext "subjectAltName=DNS:mail.example.com,DNS:example.com,DNS:Smtp.Example.COM,DNS:*.example.com,IP:127.0.0.1" \
    2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.pem \
    -days 30 -subj /CN=www.example.com \
    -addext "subjectAltName=DNS:www.example.com" 2>/dev/null
openssl pkey -in ec.key -pubout -out ec.pub
cat ec.pem rsa.pem >chain.pem

# records FILE: the record lines of a text output (no comments).
records() {
	grep -v '^;;' "$1"
}

# ossl_data CERT SELECTOR MATCH: the association data by openssl alone.
ossl_data() {
	if [ "$2" -eq 0 ]; then
		openssl x509 -in "$1" -outform der >"$w/der"
	else
		openssl x509 -in "$1" -pubkey -noout |
		    openssl pkey -pubin -outform der >"$w/der"
	fi
	case $3 in
	0) od -An -v -tx1 "$w/der" | tr -d ' \n' ;;
	1) openssl dgst -sha256 -r "$w/der" | cut -d' ' -f1 ;;
	2) openssl dgst -sha512 -r "$w/der" | cut -d' ' -f1 ;;
	esac
}

# ---- every usage, selector and matching type, three oracles ------------
for c in ec rsa; do
	for u in 2 3; do
		for s in 0 1; do
			for m in 0 1 2; do
				t="$c $u $s $m"
				run sslm-tlsagen -1 -a example.com -c "$c.pem" \
				    -r "443/tcp/$u/$s/$m" -n example.com
				expect_rc 0 "$t: exit 0"
				ours=$(records "$T_OUT" |
				    awk '{print $1, $4, $5, $6, $7}')
				ref=$(ldns-dane -n -c "$c.pem" create \
				    example.com 443 "$u" "$s" "$m" |
				    awk '{print $1, $5, $6, $7, $8}')
				same "$t: equals ldns-dane" "$ours" "$ref"
				ref=$(ossl_data "$c.pem" "$s" "$m")
				same "$t: equals openssl" \
				    "$(echo "$ours" | cut -d' ' -f5)" "$ref"
				[ "$m" -eq 0 ] && continue
				set -- --tlsa-rr --host=example.com --port=443 \
				    "--load-certificate=$c.pem"
				[ "$u" -eq 2 ] && set -- "$@" --ca
				[ "$s" -eq 0 ] && set -- "$@" --x509
				[ "$m" -eq 2 ] && set -- "$@" --hash=sha512
				ref=$(danetool "$@" | tr -d '()' |
				    awk '{print $1, $4+0, $5+0, $6+0, $7}')
				same "$t: equals danetool" "$ours" "$ref"
			done
		done
	done
done

run sslm-tlsagen -a example.com -c ec.pem -r 443/tcp/DANE-EE/SPKI/SHA2-256 \
    -r 443/tcp/dane-ta/cert/sha2-512 -n example.com -1
ref=$(ldns-dane -n -c ec.pem create example.com 443 3 1 1 | cut -f5)
same "RFC 7218 acronyms: DANE-EE SPKI SHA2-256" \
    "$(records "$T_OUT" | head -1 | cut -d' ' -f4-)" "$ref"
ref=$(ldns-dane -n -c ec.pem create example.com 443 2 0 2 | cut -f5)
same "RFC 7218 acronyms, any case: dane-ta cert sha2-512" \
    "$(records "$T_OUT" | sed -n 2p | cut -d' ' -f4-)" "$ref"

# ---- from a key --------------------------------------------------------
for m in 0 1 2; do
	ref=$(sslm-tlsagen -1 -a example.com -c ec.pem -r "25/tcp/3/1/$m" \
	    -m mx.example.com)
	run sslm-tlsagen -1 -a example.com -k ec.key -r "25/tcp/3/1/$m" \
	    -m mx.example.com
	same "private key: 3 1 $m equals the certificate's" "$(cat "$T_OUT")" \
	    "$ref"
	run sslm-tlsagen -1 -a example.com -k ec.pub -r "25/tcp/3/1/$m" \
	    -m mx.example.com
	same "public key: 3 1 $m equals the certificate's" "$(cat "$T_OUT")" \
	    "$ref"
done
ref=$(sslm-tlsagen -a example.com -c rsa.pem -r 25/tcp/2/1/2 -m mx.example.com)
run_in rsa.key sslm-tlsagen -a example.com -k - -r 25/tcp/2/1/2 -m mx.example.com
same "rsa private key from a pipe: 2 1 2 equals the certificate's" \
    "$(cat "$T_OUT")" "$ref"
run sslm-tlsagen -a example.com -k ec.key -r 25/tcp/3/0/1
expect_rc 2 "selector 0 from a key: exit 2"
expect_err_match '25/tcp: selector 0 \(Cert\) needs the certificate' \
    "selector 0 from a key: message"
if [ -s "$T_OUT" ]; then
	notok "selector 0 from a key: no output"
else
	ok "selector 0 from a key: no output"
fi

# ---- owner names -------------------------------------------------------
run sslm-tlsagen -a Example.COM. -c ec.pem -r 25/tcp/3/1/1 \
    -m mx1.example.com. -m MX2.example.com -m mx1.example.com -m example.com
expect_rc 0 "two mx hosts: exit 0"
same "apex + both mx hosts, lower case, no duplicates" \
    "$(records "$T_OUT" | cut -d' ' -f1 | tr '\n' ' ')" \
    "_25._tcp.example.com. _25._tcp.mx1.example.com. _25._tcp.mx2.example.com. "
same "header names the apex" "$(sed -n 2p "$T_OUT")" ";; tlsa example.com"

run sslm-tlsagen -a example.com -c ec.pem -r 443/tcp/3/1/1
expect_rc 0 "sans of the certificate: exit 0"
same "apex once, then each dns san; no ip, no wildcard" \
    "$(records "$T_OUT" | cut -d' ' -f1 | tr '\n' ' ')" \
    "_443._tcp.example.com. _443._tcp.mail.example.com. _443._tcp.smtp.example.com. "
expect_err_match 'ec.pem: wildcard san \*\.example\.com: no tlsa owner for it, skipped' \
    "wildcard san: note on stderr"
expect_err_lines 1 "wildcard san: the only message"

run sslm-tlsagen -a example.com -c ec.pem -r 443/tcp/3/1/1 -n www.example.com \
    -n '*.example.com' -n 192.0.2.1
same "-n replaces the certificate's sans" \
    "$(records "$T_OUT" | cut -d' ' -f1 | tr '\n' ' ')" \
    "_443._tcp.example.com. _443._tcp.www.example.com. "
expect_err_match '^sslm-tlsagen: -n: wildcard san' "-n wildcard: noted"

run sslm-tlsagen -a example.com -c ec.pem -r 25/tcp/3/1/1 -m mx.example.com
expect_err_lines 0 "mx item: no note about the wildcard san"
run sslm-tlsagen -a example.com -c ec.pem -r 25/tcp/3/1/1 -r 443/tcp/3/1/1 \
    -m mx.provider.net -m mx.example.com -m notexample.com \
    -n www.example.com -n www.example.org -n a.b.example.com
same "names outside the apex's zone are left out" \
    "$(records "$T_OUT" | cut -d' ' -f1 | tr '\n' ' ')" \
    "_25._tcp.example.com. _25._tcp.mx.example.com. _443._tcp.example.com. _443._tcp.www.example.com. _443._tcp.a.b.example.com. "
expect_err_match '^sslm-tlsagen: mx host mx.provider.net: not in the zone example.com, skipped' \
    "mx host outside the zone: note"
expect_err_match '^sslm-tlsagen: mx host notexample.com: not in the zone' \
    "mx host that only ends like the apex: note"
expect_err_match '^sslm-tlsagen: san www.example.org: not in the zone' \
    "san outside the zone: note"
expect_err_lines 3 "outside the zone: one note per name"
run sslm-tlsagen -a example.com -c ec.pem -r 25/tcp/3/1/1/SANS -m mx.example.com \
    -n mail.example.com
same "port 25 with subtype SANS uses the sans" \
    "$(records "$T_OUT" | cut -d' ' -f1 | tr '\n' ' ')" \
    "_25._tcp.example.com. _25._tcp.mail.example.com. "
run sslm-tlsagen -a example.com -c ec.pem -r 587/tcp/3/1/1/mx -m mx.example.com \
    -n mail.example.com
same "subtype mx on another port uses the mx hosts" \
    "$(records "$T_OUT" | cut -d' ' -f1 | tr '\n' ' ')" \
    "_587._tcp.example.com. _587._tcp.mx.example.com. "
run sslm-tlsagen -a example.com -c ec.pem -r 25/tcp/3/1/1 -m .
expect_err_match '25/tcp: uses the mx hosts, none given' "mx item without -m: note"
same "mx item without -m (null mx only): apex only" \
    "$(records "$T_OUT" | wc -l | tr -d ' ')" 1

run sslm-tlsagen -a example.com -c ec.pem -r 443/tcp/3/1/1 -r 443/tcp/3/1/1 \
    -n example.com -n mail.example.com
same "identical items: no duplicate records" \
    "$(records "$T_OUT" | wc -l | tr -d ' ')" 2

# ---- service object, ttl, header ----------------------------------------
# A real service object of sslm-conf, with items fixed here so that the
# test does not follow edits of the example.
sslm-conf -c "$SSLM_TOP/examples/ca-self/conf.d" |
    jq '.groups[1].services[] | select(.service == "mail-ec") |
    .dane_tls = [
    {"port": 25, "proto": "tcp", "usage": 3, "selector": 1, "match_type": 1,
     "subtype": ""},
    {"port": 465, "proto": "tcp", "usage": 3, "selector": 1, "match_type": 1,
     "subtype": "SANS"}] | .dane_tls_ttl = 300 |
    .x509.CN = "mail.example.com" |
    .x509.sans = ["mail.example.com", "smtp.example.com"]' >svc.json
run sslm-tlsagen -a example.com -s svc.json -c ec.pem -m mx1.example.com \
    -S 20240101-10:00:00
expect_rc 0 "service mail-ec: exit 0"
same "service: header with service and stamp" \
    "$(head -3 "$T_OUT" | tr '\n' '|')" \
    ";;|;; tlsa example.com mail-ec 20240101-10:00:00|;;|"
same "service: owners from dane_tls, mx for 25, sans for 465, ttl 300" \
    "$(records "$T_OUT" | cut -d' ' -f1-5 | tr '\n' '|')" \
    "_25._tcp.example.com. 300 IN TLSA 3|_25._tcp.mx1.example.com. 300 IN TLSA 3|_465._tcp.example.com. 300 IN TLSA 3|_465._tcp.mail.example.com. 300 IN TLSA 3|_465._tcp.smtp.example.com. 300 IN TLSA 3|"
jq '.x509.CN = "cn.example.com"' svc.json >cn.json
run sslm-tlsagen -a example.com -s cn.json -c ec.pem -r 443/tcp/3/1/1
same "service: the CN first when it is not among the sans" \
    "$(records "$T_OUT" | cut -d' ' -f1 | tr '\n' ' ')" \
    "_443._tcp.example.com. _443._tcp.cn.example.com. _443._tcp.mail.example.com. _443._tcp.smtp.example.com. "
run sslm-tlsagen -a example.com -s svc.json -c ec.pem -m mx1.example.com -t 0
same "-t 0: no ttl" "$(records "$T_OUT" | head -1 | cut -d' ' -f2-4)" \
    "IN TLSA 3"
run sslm-tlsagen -a example.com -s svc.json -c ec.pem -m mx1.example.com -t 86400 \
    -r 443/tcp/3/1/1 -n www.example.com
same "-t and -r and -n override the service" \
    "$(records "$T_OUT" | cut -d' ' -f1,2 | tr '\n' '|')" \
    "_443._tcp.example.com. 86400|_443._tcp.www.example.com. 86400|"
run_in svc.json sslm-tlsagen -a example.com -s - -c ec.pem -m mx1.example.com
expect_rc 0 "service from a pipe: exit 0"
same "service from a pipe: 5 records" \
    "$(records "$T_OUT" | wc -l | tr -d ' ')" 5
jq '.dane_tls = []' svc.json >nodane.json
run sslm-tlsagen -a example.com -s nodane.json -c ec.pem
if [ "$T_RC" -eq 0 ] && [ ! -s "$T_OUT" ]; then
	ok "service without dane_tls: empty output, exit 0"
else
	notok "service without dane_tls: empty output, exit 0" "rc $T_RC"
fi

# ---- zone-file validity, multi-line records ----------------------------
# zone FILE...: a zone with an SOA and the records of FILEs.
zone() {
	printf '%s\n' "\$ORIGIN example.com." "\$TTL 3600"
	printf '@ IN SOA ns1 hostmaster 1 7200 3600 1209600 3600\n@ IN NS ns1\n'
	cat "$@"
}
sslm-tlsagen -a example.com -c rsa.pem -r 443/tcp/3/0/0 -r 443/tcp/3/1/2 \
    -r 443/tcp/3/1/1 -r 25/tcp/3/1/0 -m mx1.example.com -t 300 \
    -S s1 >multi.rr 2>/dev/null
sslm-tlsagen -1 -a example.com -c rsa.pem -r 443/tcp/3/0/0 -r 443/tcp/3/1/2 \
    -r 443/tcp/3/1/1 -r 25/tcp/3/1/0 -m mx1.example.com -t 300 \
    >one.rr 2>/dev/null
if grep -q '^ *[0-9a-f]* )$' multi.rr && [ "$(wc -l <multi.rr)" -gt 20 ]; then
	ok "long records use the multi-line form"
else
	notok "long records use the multi-line form" "$(head -c 300 multi.rr)"
fi
zone multi.rr >multi.zone
run ldns-read-zone multi.zone
expect_rc 0 "multi-line records: ldns-read-zone accepts the zone"
grep TLSA "$T_OUT" | sort >canon-multi
zone one.rr >one.zone
ldns-read-zone one.zone | grep TLSA | sort >canon-one
if [ -s canon-one ] && cmp -s canon-multi canon-one &&
    [ "$(wc -l <canon-one)" -eq 8 ]; then
	ok "multi-line and one-line forms are the same 8 records"
else
	notok "multi-line and one-line forms are the same 8 records" \
	    "$(diff canon-multi canon-one | head -5)"
fi
sed 's/ )$//' multi.rr >broken.rr
zone broken.rr >broken.zone
run ldns-read-zone broken.zone
if [ "$T_RC" -ne 0 ]; then
	ok "control: ldns-read-zone rejects an unclosed record"
else
	notok "control: ldns-read-zone rejects an unclosed record"
fi

# ---- JSON ----------------------------------------------------------------
run sslm-tlsagen -j -a example.com -c rsa.pem -r 443/tcp/3/0/0 \
    -r 443/tcp/3/1/2 -r 443/tcp/3/1/1 -r 25/tcp/3/1/0 -m mx1.example.com \
    -t 300
expect_rc 0 "json: exit 0"
expect_jq 'length == 8 and all(.[]; (keys | sort) ==
    ["data", "match_type", "owner", "selector", "ttl", "usage"])' \
    "json: 8 records with the documented keys"
jq -r '.[] | "\(.owner) \(.ttl) IN TLSA \(.usage) \(.selector) \(.match_type) \(.data)"' \
    "$T_OUT" >json.rr
records one.rr >one-records.rr
if cmp -s json.rr one-records.rr; then
	ok "json: the same records as the text"
else
	notok "json: the same records as the text" \
	    "$(diff json.rr one-records.rr | head -4)"
fi
run sslm-tlsagen -j -a example.com -c ec.pem -r 25/tcp/3/1/1 -t -5
expect_jq '.[0].ttl == 0' "json: ttl 0 when none"

# ---- inputs: pipes, chains ---------------------------------------------
ref=$(sslm-tlsagen -a example.com -c ec.pem -r 25/tcp/3/0/1 2>/dev/null)
run_in chain.pem sslm-tlsagen -a example.com -r 25/tcp/3/0/1
same "chain on stdin: the first certificate" "$(cat "$T_OUT")" "$ref"

# ---- failures --------------------------------------------------------------
# fails RC WHAT REGEX CMD...: exit RC, message, nothing on stdout.
fails() {
	_rc=$1 _what=$2 _re=$3
	shift 3
	run "$@"
	expect_rc "$_rc" "$_what: exit $_rc"
	expect_err_match "$_re" "$_what: message"
	if [ -s "$T_OUT" ]; then
		notok "$_what: nothing on stdout" "$(head -c 200 "$T_OUT")"
	else
		ok "$_what: nothing on stdout"
	fi
}
sed '3s/^..../AAAA/; 4s/^..../!!!!/' ec.pem >bad.pem
fails 3 "malformed pem" '^sslm-tlsagen: bad.pem:1: bad certificate: ' \
    sslm-tlsagen -a example.com -c bad.pem -r 25/tcp/3/1/1
head -c 300 ec.pem >trunc.pem
fails 3 "truncated pem" 'trunc.pem:1: CERTIFICATE block has no END line' \
    sslm-tlsagen -a example.com -c trunc.pem -r 25/tcp/3/1/1
{ cat ec.pem; head -c 1100000 /dev/zero | tr '\0' 'A'; } >big.pem
fails 3 "oversized input" 'big.pem: larger than 1048576 bytes' \
    sslm-tlsagen -a example.com -c big.pem -r 25/tcp/3/1/1
fails 3 "no certificate" '^sslm-tlsagen: ec.key: no certificate$' \
    sslm-tlsagen -a example.com -c ec.key -r 25/tcp/3/1/1
fails 3 "missing file" '^sslm-tlsagen: nosuch.pem: No such file' \
    sslm-tlsagen -a example.com -c nosuch.pem -r 25/tcp/3/1/1
fails 3 "certificate as a key" 'ec.pem: no private or public key' \
    sslm-tlsagen -a example.com -k ec.pem -r 25/tcp/3/1/1
sed '3s/^..../!!!!/' ec.key >badkey.pem
fails 3 "malformed key" 'badkey.pem:1: bad private key: ' \
    sslm-tlsagen -a example.com -k badkey.pem -r 25/tcp/3/1/1
openssl pkey -in ec.key -aes128 -passout pass:secret -out enc.key
fails 3 "encrypted key" 'enc.key:1: encrypted private keys are not supported' \
    sslm-tlsagen -a example.com -k enc.key -r 25/tcp/3/1/1
{ cat ec.key; head -c 70000 /dev/zero | tr '\0' 'A'; } >bigkey.pem
fails 3 "oversized key" 'bigkey.pem: larger than 65536 bytes' \
    sslm-tlsagen -a example.com -k bigkey.pem -r 25/tcp/3/1/1
echo '{"dane_tls": [' >badsvc.json
fails 3 "malformed service json" '^sslm-tlsagen: badsvc.json:[0-9]+: ' \
    sslm-tlsagen -a example.com -c ec.pem -s badsvc.json
jq '.dane_tls[0].usage = 1' svc.json >badsvc.json
fails 3 "service with a bad dane item" \
    'badsvc.json: dane_tls\[0\]: usage must be 2 \(DANE-TA\) or 3' \
    sslm-tlsagen -a example.com -c ec.pem -s badsvc.json
jq '.x509.sans += ["bad name"]' svc.json >badsvc.json
fails 3 "service with a bad san" 'badsvc.json: san bad name: not a dns name' \
    sslm-tlsagen -a example.com -c ec.pem -s badsvc.json
jq '.dane_tls[0].selector = 0' svc.json >sel0.json
fails 3 "service selector 0 with a key" 'selector 0 \(Cert\) needs the certificate' \
    sslm-tlsagen -a example.com -k ec.key -s sel0.json
for r in 25/tcp/3/1 25/tcp/3/1/1/MX/x 25/tcp/4/1/1 0/tcp/3/1/1 65536/tcp/3/1/1 \
    25/icmp/3/1/1 25/tcp/3/2/1 25/tcp/3/1/3 25/tcp/3/1/1/XX x/tcp/3/1/1 \
    25//3/1/1 25/tcp/3/1/-1 25/tcp/3/1/1/; do
	fails 2 "bad -r $r" "^sslm-tlsagen: -r $r: " \
	    sslm-tlsagen -a example.com -c ec.pem -r "$r"
done
for a in 'exa mple.com' -bad.example.com a..b '' '*.example.com' 1.2.3.4; do
	re=$(printf '%s' "$a" | sed 's/[*.]/\\&/g')
	fails 2 "bad apex '$a'" "^sslm-tlsagen: -a $re: not a domain name" \
	    sslm-tlsagen -a "$a" -c ec.pem -r 25/tcp/3/1/1
done
fails 2 "no apex" '^sslm-tlsagen: -a apex is required' \
    sslm-tlsagen -c ec.pem -r 25/tcp/3/1/1
fails 2 "no items" '^usage: ' sslm-tlsagen -a example.com -c ec.pem
fails 2 "bad -m" '^sslm-tlsagen: -m mx_1: not a host name' \
    sslm-tlsagen -a example.com -c ec.pem -r 25/tcp/3/1/1 -m mx_1
fails 2 "bad -n" '^sslm-tlsagen: -n: san a b: not a dns name' \
    sslm-tlsagen -a example.com -c ec.pem -r 25/tcp/3/1/1 -n 'a b'
fails 2 "bad -t" '^sslm-tlsagen: -t 1h: not a ttl' \
    sslm-tlsagen -a example.com -c ec.pem -r 25/tcp/3/1/1 -t 1h
fails 2 "bad -S" '^sslm-tlsagen: -S: a stamp is at most' \
    sslm-tlsagen -a example.com -c ec.pem -r 25/tcp/3/1/1 -S 'a b'
fails 2 "-c and -k" '^usage: ' \
    sslm-tlsagen -a example.com -c ec.pem -k ec.key -r 25/tcp/3/1/1
fails 2 "service and certificate both stdin" 'cannot both be stdin' \
    sslm-tlsagen -a example.com -s -
fails 2 "operand" '^usage: ' \
    sslm-tlsagen -a example.com -c ec.pem -r 25/tcp/3/1/1 extra

run sslm-tlsagen -h
expect_rc 0 "-h: exit 0"
if grep -q '^usage: sslm-tlsagen' "$T_OUT"; then
	ok "-h: usage on stdout"
else
	notok "-h: usage on stdout"
fi
run sslm-tlsagen -V
same "-V: version" "$(cat "$T_OUT")" "sslm-tlsagen 0.1.0"
if [ -w /dev/full ]; then
	sslm-tlsagen -a example.com -c ec.pem -r 25/tcp/3/1/1 >/dev/full 2>"$T_ERR"
	T_RC=$?
	expect_rc 3 "full disk: exit 3"
fi

# ---- selector 1 hashes the certificate's own SubjectPublicKeyInfo ------------------
# An RSA certificate whose AlgorithmIdentifier omits the NULL parameters
# (a form OpenSSL reads but never writes): the 3 1 1 data is the hash of
# the bytes in the certificate, which DANE clients match, not of the
# key's canonical re-encoding.  The oracle cuts the SPKI out of the DER.
openssl x509 -in rsa.pem -outform der -out rsa.der
python3 - rsa.der rsa-nonull.der rsa-nonull.spki <<'PYEOF'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
alg = bytes.fromhex("300d06092a864886f70d0101010500")
i = d.find(alg)
assert i > 0
def hdr(b, p):
    # (header length, content length) of the TLV at p (long form up to 3)
    n = b[p + 1]
    if n < 0x80:
        return 2, n
    k = n & 0x7f
    return 2 + k, int.from_bytes(b[p + 2:p + 2 + k], "big")
def shrink(b, p, by):
    h, n = hdr(b, p)
    k = h - 2
    b[p + 2:p + 2 + k] = (n - by).to_bytes(k, "big")
# The SPKI starts at its SEQUENCE header just before the AlgorithmIdentifier.
spki = i - 4
assert d[spki] == 0x30 and d[spki + 1] == 0x82
d[i:i + len(alg)] = bytes.fromhex("300b06092a864886f70d010101")
shrink(d, spki, 2)
shrink(d, 4, 2)      # TBSCertificate
shrink(d, 0, 2)      # Certificate
h, n = hdr(d, spki)
open(sys.argv[2], "wb").write(d)
open(sys.argv[3], "wb").write(d[spki:spki + h + n])
PYEOF
openssl x509 -inform der -in rsa-nonull.der -out rsa-nonull.pem 2>"$w/err"
want=$(openssl dgst -sha256 -r rsa-nonull.spki | cut -d' ' -f1)
canon=$(openssl x509 -in rsa-nonull.pem -noout -pubkey | openssl pkey -pubin \
    -outform der | openssl dgst -sha256 -r | cut -d' ' -f1)
chk "no-NULL RSA certificate: its SPKI bytes differ from the canonical form" \
    test -n "$want" -a "$want" != "$canon"
run sslm-tlsagen -a example.com -r 25/tcp/3/1/1 -c rsa-nonull.pem
expect_rc 0 "no-NULL RSA certificate: sslm-tlsagen exit 0"
chk "no-NULL RSA certificate: 3 1 1 is the hash of the certificate's SPKI bytes" \
    grep -q "TLSA 3 1 1 $want\$" "$T_OUT"
