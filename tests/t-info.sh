#!/bin/sh
# sslm-info: every certificate of the system trust store against openssl,
# keys of every kind, bundles, CSRs (good and forged), odd PEM, the
# expiry predicate, the summary text, and malformed input.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP

# nothing_secret WHAT KEYFILE OUTFILE: no base64 line of the key's body
# and no "PRIVATE" appears in the output.
nothing_secret() {
	_leak=0
	grep -q PRIVATE "$3" && _leak=1
	grep -v -e '^-----' "$2" >"$w/body"
	grep -F -x -q -f "$w/body" "$3" && _leak=1
	# Also any 16 characters of a body line, wherever they appear.
	while IFS= read -r _l; do
		_frag=$(printf '%s' "$_l" | cut -c 9-24)
		[ ${#_frag} -eq 16 ] && grep -F -q -- "$_frag" "$3" && _leak=1
	done <"$w/body"
	if [ "$_leak" -eq 0 ]; then
		ok "$1"
	else
		notok "$1" "output shows key material: $(head -c 300 "$3")"
	fi
}

# osl_spki KEYFILE [-pubin]: SHA-256 of the DER SPKI, by openssl.
osl_spki() {
	openssl pkey -in "$1" ${2:+"$2"} -pubout -outform der |
	    openssl dgst -sha256 -r | cut -d' ' -f1
}

# osl_epoch "openssl date": seconds since the epoch (python, not us).
osl_epoch() {
	python3 -c 'import sys, calendar, time
print(calendar.timegm(time.strptime(" ".join(sys.argv[1].split()),
    "%b %d %H:%M:%S %Y GMT")))' "$1"
}

# ---- (a) the system trust store agrees with openssl x509 ---------------
if [ -d /usr/share/ca-certificates ]; then
	checks_from "trust store: the oracle finished" \
	    find /usr/share/ca-certificates -name '*.crt' -type f -exec \
	    python3 "$SSLM_TOP/tests/info_oracle.py" "$SSLM_BIN/sslm-info" {} +
	n=$(grep -c '^ok - ' "$T_OUT")
	if [ "$n" -ge 100 ]; then
		ok "trust store: $n certificates checked"
	else
		notok "trust store: only $n certificates checked"
	fi
else
	notok "trust store: /usr/share/ca-certificates is missing"
fi

# ---- (b) keys of every kind ---------------------------------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$w/p256.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
    -out "$w/p384.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 \
    -out "$w/p521.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 \
    -out "$w/k256.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$w/rsa2048.pem" 2>/dev/null
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 \
    -out "$w/pss.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$w/ed25519.pem" 2>/dev/null
openssl genpkey -algorithm ED448 -out "$w/ed448.pem" 2>/dev/null
openssl genpkey -algorithm X25519 -out "$w/x25519.pem" 2>/dev/null
openssl ecparam -genkey -name secp384r1 -noout -out "$w/sec1.pem"
openssl genrsa -traditional -out "$w/pkcs1.pem" 3072 2>/dev/null

for k in p256 p384 p521 k256 rsa2048 pss ed25519 ed448 x25519 sec1 pkcs1; do
	f=$w/$k.pem
	openssl pkey -in "$f" -text_pub -noout >"$w/$k.txt"
	bits=$(sed -n 's/.*Public-Key: (\([0-9]*\) bit).*/\1/p' "$w/$k.txt")
	nist=$(sed -n 's/^NIST CURVE: //p' "$w/$k.txt")
	oid=$(sed -n 's/^ASN1 OID: //p' "$w/$k.txt")
	hdr=$(head -1 "$w/$k.txt")
	case $hdr in
	ED25519*) type=ed25519 ;;
	ED448*) type=ed448 ;;
	X25519*) type=x25519 ;;
	*) if [ -n "$oid" ]; then type=ec
	elif openssl pkey -in "$f" -text_pub -noout 2>/dev/null |
	    grep -q 'PSS'; then type=rsa-pss
	else type=rsa; fi ;;
	esac
	run sslm-info --json "$f"
	expect_rc 0 "$k: exit 0"
	cp "$T_OUT" "$w/$k.json"
	expect_jq ".[0].type == \"private_key\" and
	    .[0].key.type == \"$type\"" "$k: private key of type $type"
	if [ -n "$bits" ]; then
		expect_jq ".[0].key.bits == $bits" "$k: $bits bits, as openssl"
	fi
	if [ "$type" = ec ]; then
		want=${nist:-$oid}
		expect_jq ".[0].key.curve == \"$want\"" "$k: curve $want"
	else
		expect_jq '.[0].key | has("curve") | not' "$k: no curve"
	fi
	expect_jq ".[0].spki_sha256 == \"$(osl_spki "$f")\"" \
	    "$k: spki_sha256 as openssl"
	nothing_secret "$k: json shows no key material" "$f" "$w/$k.json"
	run sslm-info "$f"
	cp "$T_OUT" "$w/$k.out"
	nothing_secret "$k: text shows no key material" "$f" "$w/$k.out"
	run_in "$f" sslm-info -v
	expect_rc 0 "$k: -v from stdin"
	cp "$T_OUT" "$w/$k.v"
	nothing_secret "$k: -v shows no key material" "$f" "$w/$k.v"
	tail -n +4 "$w/$k.v" >"$w/$k.vt"
	if cmp -s "$w/$k.vt" "$w/$k.txt"; then
		ok "$k: -v is openssl pkey -text_pub"
	else
		notok "$k: -v is openssl pkey -text_pub" \
		    "$(diff "$w/$k.vt" "$w/$k.txt" | head -5)"
	fi
	# The public half alone.
	openssl pkey -in "$f" -pubout -out "$w/$k.pub"
	run sslm-info -j "$w/$k.pub"
	expect_jq ".[0].type == \"public_key\" and
	    .[0].key.type == \"$type\" and
	    .[0].spki_sha256 == \"$(osl_spki "$w/$k.pub" -pubin)\"" \
	    "$k: public key"
done
same "sec1: label is EC PRIVATE KEY" "$(head -1 "$w/sec1.pem")" \
    "-----BEGIN EC PRIVATE KEY-----"
same "pkcs1: label is RSA PRIVATE KEY" "$(head -1 "$w/pkcs1.pem")" \
    "-----BEGIN RSA PRIVATE KEY-----"
run sslm-info "$w/p384.pem"
same "p384: text Key algo" "$(grep '^Key algo' "$T_OUT")" \
    "Key algo : prvkey-secp384r1"
run sslm-info "$w/pkcs1.pem"
same "pkcs1: text Key algo" "$(grep '^Key algo' "$T_OUT")" \
    "Key algo : prvkey-rsa-3072"
run sslm-info "$w/ed25519.pub"
same "ed25519 public: text Key algo" "$(grep '^Key algo' "$T_OUT")" \
    "Key algo : pubkey-ed25519"

# ---- (c) a small CA, a leaf, bundles, CSRs ---------------------------------
cat >"$w/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = DNS:mail.example.com,DNS:www.example.com,IP:192.0.2.7,IP:2001:db8:1:2:3:4:5:6
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[csr]
subjectAltName = DNS:mail.example.com,DNS:www.example.com
EOF
openssl req -x509 -new -key "$w/p384.pem" -config "$w/ca.cnf" \
    -extensions ca -subj "/C=US/O=Example CA/CN=Example Root" -days 3650 \
    -sha384 -out "$w/ca.pem"
openssl req -new -key "$w/p256.pem" -config "$w/ca.cnf" -reqexts csr \
    -subj "/C=US/O=Example Company/OU=IT Mail/CN=mail.example.com/emailAddress=hostmaster@example.com" \
    -out "$w/leaf.csr"
openssl x509 -req -in "$w/leaf.csr" -CA "$w/ca.pem" -CAkey "$w/p384.pem" \
    -set_serial 0x00ff01 -days 90 -sha384 -extfile "$w/ca.cnf" \
    -extensions leaf -out "$w/leaf.pem" 2>/dev/null
cat "$w/p256.pem" "$w/leaf.pem" "$w/ca.pem" >"$w/bundle.pem"

run sslm-info -j "$w/bundle.pem"
expect_rc 0 "bundle: exit 0"
expect_jq '[.[].type] == ["private_key", "certificate", "certificate"] and
    [.[].index] == [0, 1, 2]' "bundle: key, leaf, CA in order"
expect_jq '.[0].spki_sha256 == .[1].spki_sha256' \
    "bundle: key matches the leaf"
nothing_secret "bundle: json shows no key material" "$w/p256.pem" "$T_OUT"
cp "$T_OUT" "$w/bundle.json"
lfp=$(openssl x509 -in "$w/leaf.pem" -noout -fingerprint -sha256 |
    sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
expect_jq ".[1].sha256 == \"$lfp\"" "leaf: sha256 as openssl"
expect_jq '.[1].serial == "ff01"' "leaf: serial without leading zeros"
expect_jq '.[1].sans == {"dns": ["mail.example.com", "www.example.com"],
    "ip": ["192.0.2.7", "2001:db8:1:2:3:4:5:6"]}' "leaf: sans"
expect_jq '.[1].eku == ["serverAuth", "clientAuth"] and .[1].is_ca == false' \
    "leaf: eku, not a CA"
expect_jq '.[2].is_ca == true and .[2].eku == []' "CA: is a CA"
ski=$(openssl x509 -in "$w/ca.pem" -noout -ext subjectKeyIdentifier |
    sed -n 's/^ \{1,\}//p' | tr -d ':' | tr 'A-F' 'a-f')
expect_jq ".[2].ski == \"$ski\" and .[1].aki == \"$ski\"" \
    "leaf: aki is the CA's ski (openssl -ext)"
expect_jq '.[1].key == {"type": "ec", "bits": 256, "curve": "P-256"} and
    .[1].sig_alg == "ecdsa-with-SHA384" and .[1].lifetime_days == 90' \
    "leaf: key, signature algorithm, lifetime"
subj=$(openssl x509 -in "$w/leaf.pem" -noout -subject -nameopt RFC2253 |
    sed 's/^subject=//')
expect_jq ".[1].subject == \"$subj\"" "leaf: subject as openssl RFC2253"
run sslm-info "$w/bundle.pem"
same "bundle: three summaries" "$(grep -c '^-\{70\}$' "$T_OUT")" 3
run_in "$w/bundle.pem" sslm-info -
same "bundle: stdin is labelled stdin" "$(sed -n 2p "$T_OUT")" stdin

# CSR: good and forged.
run sslm-info -j "$w/leaf.csr"
expect_jq '.[0].type == "csr" and .[0].signature_ok == true' \
    "csr: signature ok"
expect_jq ".[0].subject == \"$subj\" and
    .[0].spki_sha256 == \"$(osl_spki "$w/p256.pem")\"" "csr: subject, key"
expect_jq '.[0].sans.dns == ["mail.example.com", "www.example.com"] and
    .[0].sig_alg == "ecdsa-with-SHA256"' "csr: sans, signature algorithm"
openssl req -in "$w/leaf.csr" -outform der -out "$w/leaf.der"
python3 -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-1] ^= 1
open(sys.argv[2], "wb").write(b)' "$w/leaf.der" "$w/forged.der"
openssl req -inform der -in "$w/forged.der" -out "$w/forged.csr"
# openssl 3.0 req -verify exits 0 either way; read what it says.
if openssl req -in "$w/forged.csr" -verify -noout 2>&1 |
    grep -q 'verify failure'; then
	ok "forged csr: openssl agrees it is bad"
else
	notok "forged csr: openssl agrees it is bad"
fi
if openssl req -in "$w/leaf.csr" -verify -noout 2>&1 |
    grep -q 'verify OK'; then
	ok "good csr: openssl agrees it is good"
else
	notok "good csr: openssl agrees it is good"
fi
run sslm-info -j "$w/forged.csr"
expect_rc 0 "forged csr: still described"
expect_jq '.[0].signature_ok == false' "forged csr: signature_ok false"
run sslm-info "$w/forged.csr"
same "forged csr: text says BAD" "$(grep '^Signature' "$T_OUT")" \
    "Signature: BAD"

# Text before, between and after blocks; comments; an unknown label.
{
	echo
	echo "# leading comment and text"
	cat "$w/leaf.pem"
	echo "Subject: some openssl -text junk"
	echo "-----BEGIN FOO BAR-----"
	echo "aGVsbG8K"
	echo "-----END FOO BAR-----"
	cat "$w/ca.pem"
	echo "trailing text"
} >"$w/mixed.pem"
run sslm-info -j "$w/mixed.pem"
expect_rc 0 "mixed: exit 0"
expect_jq '[.[].type] == ["certificate", "other", "certificate"] and
    .[1].label == "FOO BAR" and .[1].line == 20' \
    "mixed: text skipped, unknown label reported with its line"
run sslm-info "$w/mixed.pem"
expect_rc 0 "mixed: text exit 0"
same "mixed: unknown label in text" "$(grep '^type:' "$T_OUT")" \
    "type: FOO BAR (not inspected)"
run sslm-info -v "$w/mixed.pem"
expect_rc 0 "mixed: -v exit 0"
openssl x509 -in "$w/leaf.pem" -text -noout >"$w/leaf.txt"
sed -n '4,/^-\{70\}$/p' "$T_OUT" | sed '$d' >"$w/leaf.v"
if cmp -s "$w/leaf.v" "$w/leaf.txt"; then
	ok "leaf: -v is openssl x509 -text"
else
	notok "leaf: -v is openssl x509 -text" \
	    "$(diff "$w/leaf.v" "$w/leaf.txt" | head -5)"
fi

# openssl ecparam without -noout writes EC PARAMETERS before the key.
openssl ecparam -genkey -name prime256v1 -out "$w/ecp.pem"
run sslm-info -j "$w/ecp.pem"
expect_jq '[.[].type] == ["other", "private_key"] and
    .[1].key.curve == "P-256"' "ecparam -genkey: parameters and SEC1 key"

# TRUSTED CERTIFICATE.
openssl x509 -in "$w/ca.pem" -trustout -addtrust serverAuth \
    -out "$w/trusted.pem"
same "trusted: label" "$(head -1 "$w/trusted.pem")" \
    "-----BEGIN TRUSTED CERTIFICATE-----"
cfp=$(openssl x509 -in "$w/ca.pem" -noout -fingerprint -sha256 |
    sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
run sslm-info -j "$w/trusted.pem"
expect_jq ".[0].type == \"certificate\" and .[0].sha256 == \"$cfp\"" \
    "trusted: the certificate's own fingerprint"

# DH parameters.
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 \
    -out "$w/dh.pem" 2>/dev/null
dhbits=$(openssl pkeyparam -in "$w/dh.pem" -text -noout |
    sed -n 's/.*(\([0-9]*\) bit).*/\1/p')
run sslm-info -j "$w/dh.pem"
expect_jq ".[0].type == \"dh_parameters\" and .[0].bits == $dhbits and
    .[0].group == \"ffdhe2048\"" "dh: $dhbits bits, ffdhe2048"
run sslm-info "$w/dh.pem"
expect_rc 0 "dh: text exit 0"
run sslm-info -v "$w/dh.pem"
expect_rc 0 "dh: -v exit 0"

openssl genpkey -genparam -algorithm DHX -pkeyopt dh_rfc5114:2 \
    -out "$w/dhx.pem" 2>/dev/null
same "dhx: label" "$(head -1 "$w/dhx.pem")" \
    "-----BEGIN X9.42 DH PARAMETERS-----"
run sslm-info -j "$w/dhx.pem"
expect_jq '.[0].type == "dh_parameters" and .[0].bits == 2048' \
    "dhx: X9.42 parameters, 2048 bits"

# PKCS#1 public key.
openssl rsa -in "$w/pkcs1.pem" -RSAPublicKey_out -out "$w/rsapub.pem" \
    2>/dev/null
same "rsa public: label" "$(head -1 "$w/rsapub.pem")" \
    "-----BEGIN RSA PUBLIC KEY-----"
run sslm-info -j "$w/rsapub.pem"
expect_jq ".[0].type == \"public_key\" and .[0].key.bits == 3072 and
    .[0].spki_sha256 == \"$(osl_spki "$w/pkcs1.pem")\"" \
    "rsa public: PKCS#1 public key"

# ---- (d) malformed input ------------------------------------------------
head -n 5 "$w/leaf.pem" >"$w/trunc.pem"
{ echo "text"; echo; cat "$w/trunc.pem"; } >"$w/trunc2.pem"
run sslm-info "$w/trunc2.pem"
expect_rc 3 "truncated: exit 3"
expect_err_match "^sslm-info: $w/trunc2.pem:3: .*no END" \
    "truncated: message names file:line"
run_in "$w/trunc.pem" sslm-info -j
expect_rc 3 "truncated on stdin: exit 3"
expect_err_match "^sslm-info: stdin:1: " "truncated on stdin: stdin:1"
{
	cat "$w/ca.pem"
	echo "-----BEGIN CERTIFICATE-----"
	echo "!!!! this is not base64 @@@@"
	echo "-----END CERTIFICATE-----"
} >"$w/garbage.pem"
gl=$(($(wc -l <"$w/ca.pem") + 1))
run sslm-info -j "$w/garbage.pem"
expect_rc 3 "garbage base64: exit 3"
expect_err_match "^sslm-info: $w/garbage.pem:$gl: bad certificate" \
    "garbage base64: message names the block's line $gl"
expect_jq 'length == 1' "garbage base64: the good block is still shown"
# Well-formed base64 that is not a certificate.
{
	echo "-----BEGIN CERTIFICATE-----"
	echo "aGVsbG8gd29ybGQK"
	echo "-----END CERTIFICATE-----"
} >"$w/notder.pem"
run sslm-info "$w/notder.pem"
expect_rc 3 "not DER: exit 3"
expect_err_match "^sslm-info: $w/notder.pem:1: bad certificate" \
    "not DER: message names line 1"
{
	echo "-----BEGIN PRIVATE KEY-----"
	echo "aGVsbG8gd29ybGQK"
	echo "-----END PRIVATE KEY-----"
} >"$w/badkey.pem"
run sslm-info "$w/badkey.pem"
expect_rc 3 "bad private key: exit 3"
expect_err_match "^sslm-info: $w/badkey.pem:1: bad private key" \
    "bad private key: message"
python3 -c 'import sys
sys.stdout.write("# padding\n" * 120000)' >"$w/big.pem"
cat "$w/ca.pem" >>"$w/big.pem"
run sslm-info "$w/big.pem"
expect_rc 3 "oversized file: exit 3"
expect_err_match "larger than" "oversized file: message"
run_in "$w/big.pem" sslm-info -j
expect_rc 3 "oversized stdin: exit 3"
if [ -s "$T_OUT" ] && [ "$(jq length "$T_OUT")" != 0 ]; then
	notok "oversized stdin: nothing described"
else
	ok "oversized stdin: nothing described"
fi
run sslm-info "$w/nonexistent.pem"
expect_rc 3 "nonexistent: exit 3"
expect_err_match "^sslm-info: $w/nonexistent.pem: No such file" \
    "nonexistent: message"
run sslm-info "$w/nonexistent.pem" "$w/ca.pem"
expect_rc 3 "nonexistent then good: exit 3"
same "nonexistent then good: the good file is shown" \
    "$(grep -c '^Subject' "$T_OUT")" 1
: >"$w/empty"
run sslm-info "$w/empty"
expect_rc 3 "empty: exit 3"
expect_err_match "no PEM block" "empty: message"
ln -s "$w/ca.pem" "$w/link.pem"
run sslm-info -j "$w/link.pem"
expect_rc 0 "symbolic link: followed"
run sslm-info --bogus
expect_rc 2 "bad option: exit 2"
run sslm-info -e soon "$w/ca.pem"
expect_rc 2 "-e not a number: exit 2"
run sslm-info -e -1 "$w/ca.pem"
expect_rc 2 "-e negative: exit 2"
run sslm-info -a yesterday "$w/ca.pem"
expect_rc 2 "-a not a time: exit 2"
run sslm-info -j -v "$w/ca.pem"
expect_rc 2 "-j with -v: exit 2"
run sslm-info -h
expect_rc 0 "-h: exit 0"
run sslm-info -V
expect_rc 0 "-V: exit 0"
same "-V: version line" "$(cat "$T_OUT")" "sslm-info 0.1.0"

# ---- (e) the expiry predicate -------------------------------------------
na=$(osl_epoch "$(openssl x509 -in "$w/leaf.pem" -noout -enddate |
    sed 's/^notAfter=//')")
nb=$(osl_epoch "$(openssl x509 -in "$w/leaf.pem" -noout -startdate |
    sed 's/^notBefore=//')")
run sslm-info -e 4 -a "@$((na - 5 * 86400))" "$w/leaf.pem"
expect_rc 0 "-e 4, 5 days left: exit 0"
same "-e alone prints nothing" "$(wc -c <"$T_OUT")" 0
run sslm-info -e 6 -a "@$((na - 5 * 86400))" "$w/leaf.pem"
expect_rc 1 "-e 6, 5 days left: exit 1"
run sslm-info -e 0 -a "@$((na - 1))" "$w/leaf.pem"
expect_rc 0 "-e 0, one second left: exit 0"
run sslm-info -e 0 -a "@$((na + 1))" "$w/leaf.pem"
expect_rc 1 "-e 0, expired: exit 1"
run sslm-info --expires-within 6 --json --at "@$((na - 5 * 86400))" \
    "$w/bundle.pem"
expect_rc 1 "-e with --json: exit 1"
expect_jq ".[1].seconds_left == $((5 * 86400)) and
    .[2].seconds_left > 0" "-e with --json: output and seconds_left"
run sslm-info -e 6 -t -a "@$((na - 5 * 86400))" "$w/leaf.csr" "$w/p256.pem"
expect_rc 0 "-e: CSRs and keys never expire"
run sslm-info -j -a "@$((na + 100))" "$w/leaf.pem"
expect_jq '.[0].seconds_left == -100' "seconds_left may be negative"
run sslm-info -e 6 -a "@$((na - 5 * 86400))" "$w/leaf.pem" "$w/garbage.pem"
expect_rc 3 "-e: bad input wins over expiring"

# ---- (f) the summary text against openssl's own view -----------------------
at=$((nb + 3 * 86400 + 3723))
run sslm-info -a "@$at" "$w/leaf.pem"
expect_rc 0 "text: exit 0"
cp "$T_OUT" "$w/leaf.out"
same "text: rule" "$(sed -n 1p "$w/leaf.out")" \
    "----------------------------------------------------------------------"
same "text: file label" "$(sed -n 2p "$w/leaf.out")" "$w/leaf.pem"
same "text: empty line" "$(sed -n '3{s/^$/(empty)/;p;}' "$w/leaf.out")" \
    "(empty)"
iss=$(openssl x509 -in "$w/leaf.pem" -noout -issuer -nameopt RFC2253 |
    sed 's/^issuer=//')
same "text: Issuer is openssl's RFC 2253 issuer" \
    "$(grep '^Issuer' "$w/leaf.out")" "Issuer   : $iss"
same "text: Subject is openssl's RFC 2253 subject" \
    "$(grep '^Subject' "$w/leaf.out")" "Subject  : $subj"
want=$(python3 -c 'import sys, time
na, nb, at = (int(x) for x in sys.argv[1:])
d = lambda s: time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(s))
dur = lambda s: "%4dd %02d:%02d:%02d" % (s // 86400, s % 86400 // 3600,
    s % 3600 // 60, s % 60)
print("Expires  : %s (%s)" % (d(na), dur(na - at)))
print("Issued   : %s (%s ago) (%d day cert)" % (d(nb), dur(at - nb),
    round((na - nb) / 86400)))' "$na" "$nb" "$at")
same "text: Expires and Issued from openssl's dates" \
    "$(grep -E '^(Expires|Issued)' "$w/leaf.out")" "$want"
sans=$(openssl x509 -in "$w/leaf.pem" -noout -ext subjectAltName |
    sed -n 's/^ \{1,\}//p' | sed 's/DNS://g; s/IP Address://g' |
    tr '[:upper:]' '[:lower:]')
same "text: Sans as openssl -ext subjectAltName" \
    "$(grep '^Sans' "$w/leaf.out")" "Sans     : $sans"
curve=$(openssl x509 -in "$w/leaf.pem" -noout -text |
    sed -n 's/^ *ASN1 OID: //p')
[ "$curve" = prime256v1 ] && curve=secp256r1
same "text: Pubkey from openssl's curve" "$(grep '^Pubkey' "$w/leaf.out")" \
    "Pubkey   : pubkey-$curve"
sig=$(openssl x509 -in "$w/leaf.pem" -noout -text |
    sed -n 's/^ *Signature Algorithm: //p' | head -1)
same "text: Sig algo as openssl" "$(grep '^Sig algo' "$w/leaf.out")" \
    "Sig algo : $sig"
same "text: fields in ssl-mgr order" \
    "$(sed -n '4,$p' "$w/leaf.out" | cut -c 1-9 | tr -d ' ' | tr '\n' ,)" \
    "Expires,Issued,Issuer,Subject,Sans,Pubkey,Sigalgo,"
run sslm-info -a "@$((na + 90061))" "$w/leaf.pem"
same "text: expired shows ago" "$(grep '^Expires' "$T_OUT" |
    sed 's/.*(//')" "   1d 01:01:01 ago)"
run sslm-info -a "@$((nb - 60))" "$w/leaf.pem"
same "text: not yet valid shows from now" "$(grep '^Issued' "$T_OUT" |
    sed 's/^[^(]*(//')" "   0d 00:01:00 from now) (90 day cert)"
# Long SAN lists wrap (ssl-mgr's rule) once the names on a line pass 60
# characters; continuation lines are indented 11 spaces.
i=0 alt=
while [ "$i" -lt 12 ]; do
	alt="${alt:+$alt,}DNS:host$i.example.com"
	i=$((i + 1))
done
openssl req -x509 -new -key "$w/p256.pem" -subj "/CN=many" -days 1 \
    -addext "subjectAltName=$alt" -out "$w/many.pem" 2>/dev/null
run sslm-info "$w/many.pem"
sed -n '/^Sans/,/^Pubkey/p' "$T_OUT" | sed '$d' >"$w/sans.txt"
if python3 -c 'import sys
lines = open(sys.argv[1]).read().splitlines()
want = [n[4:] for n in sys.argv[2].split(",")]
assert lines[0].startswith("Sans     : ")
assert all(l.startswith(" " * 11) and l[11] != " " for l in lines[1:])
rows = [[n for n in l[11:].split(", ") if n] for l in lines]
for i, r in enumerate(rows):
    r[-1] = r[-1].rstrip(",")
    total = sum(map(len, r))
    if i < len(rows) - 1:
        assert total > 60 and total - len(r[-1]) <= 60, r
        assert lines[i].endswith(","), lines[i]
    else:
        assert total - len(r[-1]) <= 60
assert sum(rows, []) == want, (rows, want)
assert len(rows) >= 2' "$w/sans.txt" "$alt"; then
	ok "text: long Sans wrap after 60 characters of names, all kept"
else
	notok "text: long Sans wrap after 60 characters of names, all kept" \
	    "$(cat "$w/sans.txt")"
fi

# ---- -s, as ssl-mgr's usage line shows it: the summary ------------------
run sslm-info "$w/leaf.pem" "$w/ca.pem"
cp "$T_OUT" "$w/plain.txt"
run sslm-info -s "$w/leaf.pem" "$w/ca.pem"
expect_rc 0 "-s: exit 0"
expect_err_lines 0 "-s: not taken for a file name (nothing on stderr)"
check "-s: the summary, as without options" cmp "$T_OUT" "$w/plain.txt"
check "-s: the summary has the leaf's subject" \
    grep -q '^Subject  : .*CN=mail.example.com' "$T_OUT"
run sslm-info --summary "$w/leaf.pem" "$w/ca.pem"
check "--summary: the same" cmp "$T_OUT" "$w/plain.txt"
run sslm-info -s -j "$w/leaf.pem"
expect_rc 2 "-s with -j: usage, exit 2"
run sslm-info -s -v "$w/leaf.pem"
expect_rc 2 "-s with -v: usage, exit 2"
run sslm-info -h
check "-h: the usage shows -s" grep -q '^usage: sslm-info \[-jstv\]' "$T_OUT"
