#!/bin/sh
# sslm-csrgen: requests checked by openssl req (signature, subject order,
# no empty RDNs, SANs, leaf and CA extensions, digest), from options, from
# a service object and from pipes; malformed keys and names; usage errors.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$w/ec.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$w/rsa.key" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$w/ed.key" 2>/dev/null

# csr_text: the request of the last run as openssl req -text, or "".
csr_text() {
	openssl req -in "$T_OUT" -noout -text 2>/dev/null
}

# has REGEX WHAT: openssl req -text of the last output matches.
has() {
	if csr_text | grep -Eq -- "$1"; then
		ok "$2"
	else
		notok "$2" "req -text does not match /$1/" \
		    "$(csr_text | grep -A1 -E 'Subject:|Alternative|Usage|Basic')"
	fi
}

# hasnt REGEX WHAT
hasnt() {
	if [ -s "$T_OUT" ] && ! csr_text | grep -Eq -- "$1"; then
		ok "$2"
	else
		notok "$2" "req -text matches /$1/"
	fi
}

# verifies WHAT: openssl req -verify accepts the last output.
verifies() {
	if openssl req -in "$T_OUT" -verify -noout 2>&1 |
	    grep -q 'verify OK'; then
		ok "$1: openssl req -verify"
	else
		notok "$1: openssl req -verify" \
		    "$(openssl req -in "$T_OUT" -verify -noout 2>&1 | head -2)"
	fi
}

# subject_is STRING WHAT: the subject, in order, as openssl prints it.
subject_is() {
	_s=$(openssl req -in "$T_OUT" -noout -subject -nameopt compat \
	    2>/dev/null)
	if [ "$_s" = "subject=$1" ]; then
		ok "$2"
	else
		notok "$2" "got '$_s'" "expected 'subject=$1'"
	fi
}

# ---- a leaf from options ----------------------------------------------------
run sslm-csrgen -k "$w/ec.key" --cn www.example.com -O 'Example Org' \
    --ou Web -L Springfield --st Oregon -C us -E admin@example.com \
    -n '*.example.com' -n 192.0.2.10 -n 2001:db8::10 -n example.com
expect_rc 0 "leaf: exit 0"
expect_err_lines 0 "leaf: quiet"
cp "$T_OUT" "$w/leaf.csr"
verifies "leaf"
subject_is "/CN=www.example.com/C=US/ST=Oregon/L=Springfield/O=Example Org/OU=Web/emailAddress=admin@example.com" \
    "leaf: subject in the order CN C ST L O OU email"
has "^ +DNS:www.example.com, DNS:\\*.example.com, IP Address:192.0.2.10, IP Address:2001:DB8:0:0:0:0:0:10, DNS:example.com$" \
    "leaf: SANs: CN first, wildcard, IPv4, IPv6"
has "X509v3 Basic Constraints: critical" "leaf: basicConstraints critical"
has "^ +CA:FALSE$" "leaf: CA:FALSE"
# ssl-mgr's request (spec 6.2): keyUsage and EKU not critical; an EC key
# gets keyAgreement, never keyEncipherment (RFC 8813).
has "X509v3 Key Usage: *$" "leaf: keyUsage not critical"
has "^ +Digital Signature, Key Agreement$" \
    "leaf ec: digitalSignature, keyAgreement"
has "X509v3 Extended Key Usage: *$" "leaf: EKU not critical"
has "^ +TLS Web Server Authentication, TLS Web Client Authentication, E-mail Protection, Code Signing, Time Stamping$" \
    "leaf: EKU serverAuth, clientAuth, emailProtection, codeSigning, timeStamping"
has "Signature Algorithm: ecdsa-with-SHA384" "leaf: sha384 by default"
if [ "$(head -1 "$w/leaf.csr")" = "-----BEGIN CERTIFICATE REQUEST-----" ]
then ok "leaf: PKCS#10 PEM"
else notok "leaf: PKCS#10 PEM" "$(head -1 "$w/leaf.csr")"; fi

# An independent parse of the request's subject: no empty RDN anywhere.
run sslm-csrgen -k "$w/ec.key" --cn a.example.com -O X -C US --ou '' \
    -L '' --st '' -E ''
expect_rc 0 "empty fields: exit 0"
subject_is "/CN=a.example.com/C=US/O=X" "empty fields: omitted (quirk 12)"
# The RDNs are the SETs at depth 3 (in the subject SEQUENCE).
n=$(openssl asn1parse -in "$T_OUT" 2>/dev/null | grep -c 'd=3 .*cons: SET')
if [ "$n" -eq 3 ]; then ok "empty fields: three RDNs in the DER"
else notok "empty fields: three RDNs in the DER" "$n SETs"; fi
if openssl asn1parse -in "$T_OUT" 2>/dev/null | grep -Eq 'STRING +:$'
then notok "empty fields: no empty string in the DER"
else ok "empty fields: no empty string in the DER"; fi

# The CN is not added twice; a SAN given in upper case is the same name.
run sslm-csrgen -k "$w/ec.key" --cn mail.example.com -n MAIL.example.com \
    -n smtp.example.com
has "^ +DNS:mail.example.com, DNS:smtp.example.com$" \
    "CN already among the SANs: once"
# A leaf without CN: SANs only, and they are critical (empty subject).
run sslm-csrgen -k "$w/ec.key" -n only.example.com
expect_rc 0 "no subject: exit 0"
verifies "no subject"
has "X509v3 Subject Alternative Name: critical" \
    "no subject: subjectAltName critical"

# RSA: keyEncipherment; -d picks the digest.
run sslm-csrgen -k "$w/rsa.key" --cn rsa.example.com -d sha256
expect_rc 0 "rsa: exit 0"
verifies "rsa"
has "^ +Digital Signature, Key Encipherment$" \
    "rsa: keyEncipherment, no keyAgreement"
has "Signature Algorithm: sha256WithRSAEncryption" "rsa: -d sha256"
for d in sha512 SHA3-256 sha3_384 sha3_512; do
	run sslm-csrgen -k "$w/rsa.key" --cn d.example.com --digest "$d"
	expect_rc 0 "rsa -d $d: exit 0"
	lc=$(echo "$d" | tr 'A-Z_' 'a-z-')
	case $lc in
	sha3-*) re="RSA-SHA3-${lc#sha3-}" ;;
	*) re="sha${lc#sha}WithRSAEncryption" ;;
	esac
	has "Signature Algorithm: $re" "rsa -d $d: signature algorithm"
	verifies "rsa -d $d"
done
run sslm-csrgen -k "$w/ec.key" --cn d.example.com -d sha512
has "Signature Algorithm: ecdsa-with-SHA512" "ec -d sha512"
# ECDSA with SHA-3: OpenSSL before 3.2 signs but cannot verify; sslm
# either makes a request that verifies or refuses in one line.
run sslm-csrgen -k "$w/ec.key" --cn d.example.com -d sha3_256
if [ "$T_RC" -eq 0 ]; then
	verifies "ec -d sha3_256 (accepted by this OpenSSL)"
else
	expect_rc 3 "ec -d sha3_256 (unverifiable here): exit 3"
	expect_err_match "cannot verify the signature it makes" \
	    "ec -d sha3_256: message"
	if [ ! -s "$T_OUT" ]; then ok "ec -d sha3_256: no output"
	else notok "ec -d sha3_256: no output"; fi
fi

# ---- a CA request -------------------------------------------------------------
run sslm-csrgen -k "$w/ec.key" --ca --cn 'My Root CA' -O 'Example Certs' -C US
expect_rc 0 "ca: exit 0"
verifies "ca"
has "^ +CA:TRUE$" "ca: CA:TRUE"
has "X509v3 Basic Constraints: critical" "ca: basicConstraints critical"
has "^ +Digital Signature, Key Agreement, Certificate Sign, CRL Sign$" \
    "ca: keyCertSign, cRLSign, digitalSignature, keyAgreement"
hasnt "Alternative Name" "ca: the CN is not a SAN"
has "^ +TLS Web Server Authentication, TLS Web Client Authentication, E-mail Protection, Code Signing, Time Stamping$" \
    "ca: ssl-mgr's five EKUs (spec 6.2)"
# Ed25519: for a CA; the digest is ignored.
run sslm-csrgen -k "$w/ed.key" -a --cn 'Ed Root' -d sha512
expect_rc 0 "ed25519 ca: exit 0"
verifies "ed25519 ca"
has "Signature Algorithm: ED25519" "ed25519 ca: signed without a digest"
run sslm-csrgen -k "$w/ed.key" --cn ed.example.com
expect_rc 3 "ed25519 leaf: exit 3"
expect_err_match "ed25519 keys are for the private CA only" \
    "ed25519 leaf: message"

# ---- from a service object ---------------------------------------------------
conf=$SSLM_TOP/examples/ca-self/conf.d
sslm-conf -c "$conf" >"$w/conf.json" 2>/dev/null
jq '.groups[1].services[] | select(.service == "mail-ec")' \
    "$w/conf.json" >"$w/mail.json"
jq '.groups[0].services[0]' "$w/conf.json" >"$w/root.json"
cn=$(jq -r '.x509.CN' "$w/mail.json")
run sslm-csrgen -k "$w/ec.key" -s "$w/mail.json"
expect_rc 0 "service leaf: exit 0"
verifies "service leaf"
subject_is "/CN=$cn/C=US/O=Example Certs/emailAddress=hostmaster@example.com" \
    "service leaf: subject from x509, empties left out"
want=$(jq -r '.x509.sans | map("DNS:" + .) | join(", ")' "$w/mail.json")
has "^ +$want$" "service leaf: SANs from x509.sans"
has "^ +CA:FALSE$" "service leaf: a leaf"
run sslm-csrgen -k "$w/ec.key" -s "$w/mail.json" -O Other --email '' \
    -n alt.example.com
subject_is "/CN=$cn/C=US/O=Other" "service leaf: options override"
has "^ +DNS:$cn, DNS:alt.example.com$" "service leaf: -n replaces the sans"
run sslm-csrgen --key "$w/ec.key" --service "$w/root.json"
expect_rc 0 "service ca: exit 0"
has "^ +CA:TRUE$" "service in group ca: a CA request"
subject_is "/CN=My Root CA/C=US/O=Example Certs" "service ca: subject"
hasnt "Alternative Name" "service ca: no SAN"
# The service from stdin, the key from a file.
run_in "$w/mail.json" sslm-csrgen -k "$w/ec.key" -s -
expect_rc 0 "service from stdin: exit 0"
verifies "service from stdin"
printf '{"x509": {"CN": 5}}\n' >"$w/bad.json"
run sslm-csrgen -k "$w/ec.key" -s "$w/bad.json"
expect_rc 3 "service x509.CN not a string: exit 3"
expect_err_match "x509.CN: not a string" "service bad type: message"
printf '{"x509": {"CN": "a.example.com", "sans": "b"}}\n' >"$w/bad2.json"
run sslm-csrgen -k "$w/ec.key" -s "$w/bad2.json"
expect_rc 3 "service x509.sans not an array: exit 3"
printf '{"key": {}}\n' >"$w/nox.json"
run sslm-csrgen -k "$w/ec.key" -s "$w/nox.json"
expect_rc 3 "service without x509: exit 3"

# ---- pipes --------------------------------------------------------------------
sslm-keygen -t ec -c P-384 | sslm-csrgen --cn pipe.example.com -O X -C US \
    >"$w/pipe.csr" 2>"$T_ERR"
cp "$w/pipe.csr" "$T_OUT"
verifies "key through a pipe"
has "NIST CURVE: P-384" "key through a pipe: the key's curve"
run_in "$w/rsa.key" sslm-csrgen -k - --cn stdin.example.com
expect_rc 0 "-k -: exit 0"
verifies "-k -"

# ---- bad names ------------------------------------------------------------------
for n in 'a..example.com' '10.0.0.0/8' 'foo_bar.example.com' \
    'www.*.example.com' 'example.com.' '-a.example.com' '' \
    "$(printf 'a%.0s' $(seq 1 64)).example.com"; do
	run sslm-csrgen -k "$w/ec.key" --cn ok.example.com -n "$n"
	expect_rc 3 "bad SAN '$n': exit 3"
	if [ ! -s "$T_OUT" ]; then ok "bad SAN '$n': no output"
	else notok "bad SAN '$n': no output"; fi
done
run sslm-csrgen -k "$w/ec.key" --cn ok.example.com -n 10.0.0.0/8
expect_err_match "^sslm-csrgen: 10.0.0.0/8: not a DNS name, wildcard or IP address$" \
    "bad SAN: one clear line"
expect_err_lines 1 "bad SAN: one line"
run sslm-csrgen -k "$w/ec.key" --cn 'My Server'
expect_rc 3 "leaf CN that is not a name: exit 3"
run sslm-csrgen -k "$w/ec.key" -O X -C US
expect_rc 3 "leaf without any name: exit 3"
expect_err_match "no name" "leaf without any name: message"
run sslm-csrgen -k "$w/ec.key" --ca -O X
expect_rc 3 "ca without CN: exit 3"
run sslm-csrgen -k "$w/ec.key" --cn a.example.com -C USA
expect_rc 3 "three-letter country: exit 3"
expect_err_match "not a two-letter country code" "country: message"
run sslm-csrgen -k "$w/ec.key" --cn a.example.com -O "$(printf 'a\tb')"
expect_rc 3 "control character: exit 3"
run sslm-csrgen -k "$w/ec.key" --cn "$(printf 'a%.0s' $(seq 1 65))"
expect_rc 3 "CN over 64 characters: exit 3"

# ---- bad keys -------------------------------------------------------------------
head -3 "$w/ec.key" >"$w/trunc.key"
run sslm-csrgen -k "$w/trunc.key" --cn a.example.com
expect_rc 3 "truncated key: exit 3"
expect_err_match "no END line" "truncated key: message"
{ echo '-----BEGIN PRIVATE KEY-----'; echo 'bm90IGEga2V5'
  echo '-----END PRIVATE KEY-----'; } >"$w/garbage.key"
run sslm-csrgen -k "$w/garbage.key" --cn a.example.com
expect_rc 3 "malformed key: exit 3"
expect_err_match "bad private key" "malformed key: message"
run sslm-csrgen -k "$w/leaf.csr" --cn a.example.com
expect_rc 3 "no key in the file: exit 3"
expect_err_match "no private key" "no key in the file: message"
{ cat "$w/ec.key"; head -c 1100000 /dev/zero | tr '\0' 'A'; } >"$w/huge.key"
run sslm-csrgen -k "$w/huge.key" --cn a.example.com
expect_rc 3 "oversized key file: exit 3"
expect_err_match "larger than" "oversized key file: message"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 \
    -out "$w/weak.key" 2>/dev/null
run sslm-csrgen -k "$w/weak.key" --cn a.example.com
expect_rc 3 "rsa 1024 key: exit 3"
expect_err_match "rsa key of 1024 bits" "rsa 1024 key: message"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 \
    -out "$w/k1.key" 2>/dev/null
run sslm-csrgen -k "$w/k1.key" --cn a.example.com
expect_rc 3 "secp256k1 key: exit 3"
openssl pkey -in "$w/ec.key" -aes128 -passout pass:x -out "$w/enc.key" \
    2>/dev/null
run sslm-csrgen -k "$w/enc.key" --cn a.example.com
expect_rc 3 "encrypted key: exit 3"
expect_err_match "encrypted private keys are not supported" \
    "encrypted key: message"
run sslm-csrgen -k "$w/missing.key" --cn a.example.com
expect_rc 3 "missing key file: exit 3"

# ---- usage ---------------------------------------------------------------------
for args in "-x" "operand" "-d md5" "-d" "-k"; do
	# shellcheck disable=SC2086
	run sslm-csrgen --cn a.example.com $args
	expect_rc 2 "usage: $args: exit 2"
done
run sslm-csrgen --cn a.example.com -s -
expect_rc 2 "usage: key and service both on stdin: exit 2"
run sslm-csrgen -V
expect_rc 0 "-V: exit 0"
# -h and --help: tests/t-build.sh checks them for every program.
