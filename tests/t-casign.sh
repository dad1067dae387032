#!/bin/sh
# sslm-casign: a private CA (root, intermediate, leaf) checked by openssl
# verify, x509 -ext/-text and python3 (key identifiers, serials, validity);
# refusals: forged requests, non-CA issuers, expired CAs, wrong keys,
# malformed, truncated and oversized input; usage errors.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP

# A tiny DER reader and the checks that need arithmetic, in python3.
cat >"$w/oracle.py" <<'EOF'
import base64, datetime, hashlib, sys

def tlv(b, i):
    tag = b[i]; n = b[i + 1]; i += 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(b[i:i + k], "big"); i += k
    return tag, b[i:i + n], i + n

def pem_der(path):
    lines = open(path).read().split("\n")
    body = [l for l in lines if l and not l.startswith("-----")]
    return base64.b64decode("".join(body))

cmd = sys.argv[1]
if cmd == "keyid":
    # RFC 5280 4.2.1.2 (1): SHA-1 of the subjectPublicKey BIT STRING value
    # (without its unused-bits octet), from a DER SubjectPublicKeyInfo.
    spki = open(sys.argv[2], "rb").read()
    _, seq, _ = tlv(spki, 0)
    _, _, i = tlv(seq, 0)
    tag, bits, _ = tlv(seq, i)
    assert tag == 0x03 and bits[0] == 0
    print(hashlib.sha1(bits[1:]).hexdigest().upper())
elif cmd == "days":
    # "notBefore=... GMT" / "notAfter=..." lines: whole days between them.
    f = "%b %d %H:%M:%S %Y GMT"
    d = {}
    for l in open(sys.argv[2]):
        k, v = l.strip().split("=", 1)
        d[k] = datetime.datetime.strptime(" ".join(v.split()), f)
    s = (d["notAfter"] - d["notBefore"]).total_seconds()
    print("%d" % (s // 86400) if s % 86400 == 0 else "%.3f" % (s / 86400))
elif cmd == "start":
    f = "%b %d %H:%M:%S %Y GMT"
    v = open(sys.argv[2]).read().strip().split("=", 1)[1]
    t = datetime.datetime.strptime(" ".join(v.split()), f)
    print(t.strftime("%Y-%m-%dT%H:%M:%SZ"))
elif cmd == "serial":
    # serial=HEX: positive, at most 20 octets, top bit clear, not zero.
    h = open(sys.argv[2]).read().strip().split("=", 1)[1]
    v = int(h, 16)
    print("ok" if 0 < v < (1 << 159) and len(h) <= 40 else "bad " + h)
elif cmd == "forge":
    # Flip one bit in the last octet of the DER (inside the signature).
    der = bytearray(pem_der(sys.argv[2]))
    der[-1] ^= 0x01
    b = base64.b64encode(bytes(der)).decode()
    print("-----BEGIN CERTIFICATE REQUEST-----")
    for i in range(0, len(b), 64):
        print(b[i:i + 64])
    print("-----END CERTIFICATE REQUEST-----")
EOF

# ext FILE NAME: the lines of one extension of a certificate.
ext() {
	openssl x509 -in "$1" -noout -ext "$2" 2>/dev/null
}

# keyid_of CERT SKI|AKI: the identifier as upper-case hex without colons.
keyid_of() {
	case $2 in
	SKI) ext "$1" subjectKeyIdentifier ;;
	AKI) ext "$1" authorityKeyIdentifier ;;
	esac | sed -n '2p' | tr -d ' :' | sed 's/^keyid//'
}

# txt CERT REGEX WHAT: openssl x509 -text matches.
txt() {
	if openssl x509 -in "$1" -noout -text 2>/dev/null | grep -Eq -- "$2"
	then ok "$3"
	else notok "$3" "x509 -text does not match /$2/"; fi
}

# notxt CERT REGEX WHAT
notxt() {
	if [ -s "$1" ] && ! openssl x509 -in "$1" -noout -text 2>/dev/null |
	    grep -Eq -- "$2"; then ok "$3"
	else notok "$3" "x509 -text matches /$2/"; fi
}

# days_are CERT N WHAT: notAfter - notBefore is N days.
days_are() {
	openssl x509 -in "$1" -noout -startdate -enddate \
	    | sed 's/^notBefore/notBefore/' >"$w/dates"
	_d=$(python3 "$w/oracle.py" days "$w/dates")
	same "$3" "$_d" "$2"
}

# refused RE WHAT: the last run exited 3, printed nothing, said RE.
refused() {
	expect_rc 3 "$2: exit 3"
	expect_err_match "^sslm-casign: .*$1" "$2: message"
	expect_err_lines 1 "$2: one line"
	if [ ! -s "$T_OUT" ]; then ok "$2: no output"
	else notok "$2: no output"; fi
}

# ---- the private CA: root, intermediate, leaf ----------------------------------
sslm-keygen -t ec -c P-384 >"$w/root.key"
sslm-csrgen -k "$w/root.key" --ca --cn 'Test Root' -O Test -C US \
    >"$w/root.csr"
run sslm-casign --self -K "$w/root.key" -d 3650 "$w/root.csr"
expect_rc 0 "root: exit 0"
expect_err_lines 0 "root: quiet"
cp "$T_OUT" "$w/root.pem"
txt "$w/root.pem" "Issuer: CN = Test Root, C = US, O = Test" "root: issuer"
txt "$w/root.pem" "Subject: CN = Test Root, C = US, O = Test" "root: subject"
txt "$w/root.pem" "Version: 3" "root: X.509 v3"
if openssl verify -CAfile "$w/root.pem" "$w/root.pem" >/dev/null 2>&1; then
	ok "root: verifies as its own anchor"
else
	notok "root: verifies as its own anchor"
fi
days_are "$w/root.pem" 3650 "root: 3650 days"
txt "$w/root.pem" "Signature Algorithm: ecdsa-with-SHA384" \
    "root: sha384 by default"

sslm-keygen -t ec -c P-256 >"$w/int.key"
sslm-csrgen -k "$w/int.key" --ca --cn 'Test Int' -O Test -C US \
    >"$w/int.csr"
run_in "$w/int.csr" sslm-casign -K "$w/root.key" -C "$w/root.pem" \
    --days 1000 --digest sha512
expect_rc 0 "intermediate (CSR on stdin): exit 0"
cp "$T_OUT" "$w/int.pem"
txt "$w/int.pem" "Issuer: CN = Test Root" "intermediate: issuer = root subject"
txt "$w/int.pem" "Subject: CN = Test Int" "intermediate: subject from CSR"
days_are "$w/int.pem" 1000 "intermediate: 1000 days"
txt "$w/int.pem" "Signature Algorithm: ecdsa-with-SHA512" \
    "intermediate: -m sha512"

# The leaf, all through pipes.
sslm-keygen -t rsa -b 2048 | tee "$w/leaf.key" |
    sslm-csrgen -k - --cn www.example.com -O Test -C US \
    -n '*.example.com' -n 192.0.2.1 -n 2001:db8::1 |
    sslm-casign -K "$w/int.key" -C "$w/int.pem" >"$w/leaf.pem" \
    2>"$w/leaf.err"
if [ -s "$w/leaf.pem" ] && [ ! -s "$w/leaf.err" ]; then
	ok "leaf: keygen | csrgen | casign"
else
	notok "leaf: keygen | csrgen | casign" "$(cat "$w/leaf.err")"
fi
txt "$w/leaf.pem" "Issuer: CN = Test Int" "leaf: issuer = intermediate"
days_are "$w/leaf.pem" 90 "leaf: 90 days by default"

if openssl verify -CAfile "$w/root.pem" -untrusted "$w/int.pem" \
    "$w/leaf.pem" >"$w/verify.out" 2>&1; then
	ok "openssl verify: root -> intermediate -> leaf"
else
	notok "openssl verify: root -> intermediate -> leaf" \
	    "$(cat "$w/verify.out")"
fi
if openssl verify -CAfile "$w/root.pem" -untrusted "$w/int.pem" \
    -purpose sslserver -verify_hostname foo.example.com "$w/leaf.pem" \
    >/dev/null 2>&1; then
	ok "openssl verify: sslserver purpose, wildcard host"
else
	notok "openssl verify: sslserver purpose, wildcard host"
fi
if openssl verify -CAfile "$w/root.pem" -untrusted "$w/int.pem" \
    -verify_ip 2001:db8::1 "$w/leaf.pem" >/dev/null 2>&1; then
	ok "openssl verify: IPv6 SAN"
else
	notok "openssl verify: IPv6 SAN"
fi

# ---- key identifiers --------------------------------------------------------------
for c in root int leaf; do
	openssl x509 -in "$w/$c.pem" -noout -pubkey |
	    openssl pkey -pubin -outform DER >"$w/$c.spki" 2>/dev/null
	want=$(python3 "$w/oracle.py" keyid "$w/$c.spki")
	same "$c: SKI = SHA-1 of the subjectPublicKey (RFC 5280 method 1)" \
	    "$(keyid_of "$w/$c.pem" SKI)" "$want"
done
same "leaf: AKI = intermediate SKI (quirk 11 fixed)" \
    "$(keyid_of "$w/leaf.pem" AKI)" "$(keyid_of "$w/int.pem" SKI)"
same "intermediate: AKI = root SKI" "$(keyid_of "$w/int.pem" AKI)" \
    "$(keyid_of "$w/root.pem" SKI)"
same "root: AKI = its own SKI" "$(keyid_of "$w/root.pem" AKI)" \
    "$(keyid_of "$w/root.pem" SKI)"

# ---- extensions: the CA decides -----------------------------------------------------
# ext_has FILE WHAT REGEX...: every REGEX matches a line of FILE.
ext_has() {
	_f=$1 _what=$2
	shift 2
	for _re in "$@"; do
		if ! grep -Eq -- "$_re" "$_f"; then
			notok "$_what" "no line matches /$_re/" "$(cat "$_f")"
			return
		fi
	done
	ok "$_what"
}

# ssl-mgr's usages and criticality (spec 6.2-6.4): keyUsage and EKU not
# critical, the five EKUs on CAs too; an EC key gets keyAgreement, an RSA
# key keyEncipherment (each what its algorithm can do).
ekus='^ *TLS Web Server Authentication, TLS Web Client Authentication, E-mail Protection, Code Signing, Time Stamping$'
ext "$w/root.pem" basicConstraints,keyUsage,extendedKeyUsage >"$w/root.ext"
ext_has "$w/root.ext" \
    "root: critical CA:TRUE; keyCertSign, cRLSign, digitalSignature, keyAgreement; EKU" \
    'Basic Constraints: critical' '^ *CA:TRUE$' 'Key Usage: *$' \
    '^ *Digital Signature, Key Agreement, Certificate Sign, CRL Sign$' \
    'Extended Key Usage: *$' "$ekus"
ext "$w/int.pem" basicConstraints,keyUsage,extendedKeyUsage >"$w/int.ext"
if cmp -s "$w/root.ext" "$w/int.ext"; then
	ok "intermediate: the same CA extensions"
else
	notok "intermediate: the same CA extensions" "$(cat "$w/int.ext")"
fi
notxt "$w/int.pem" "Alternative Name" "intermediate: no SAN"
ext "$w/leaf.pem" basicConstraints,keyUsage,extendedKeyUsage,subjectAltName \
    >"$w/leaf.ext"
ext_has "$w/leaf.ext" \
    "leaf rsa: critical CA:FALSE; digitalSignature, keyEncipherment; EKU" \
    'Basic Constraints: critical' '^ *CA:FALSE$' 'Key Usage: *$' \
    '^ *Digital Signature, Key Encipherment$' 'Extended Key Usage: *$' \
    "$ekus"
if grep -q '^ *DNS:www.example.com, DNS:\*.example.com, IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1$' \
    "$w/leaf.ext"; then
	ok "leaf: SANs copied from the request"
else
	notok "leaf: SANs copied from the request" "$(cat "$w/leaf.ext")"
fi

# A request asking for more than it may get: its SANs are taken, and its
# key usages only narrow the CA's set (a leaf never gets keyCertSign).
openssl req -new -key "$w/int.key" -subj /CN=greedy.example.com \
    -addext 'subjectAltName=DNS:greedy.example.com' \
    -addext 'basicConstraints=critical,CA:FALSE,pathlen:3' \
    -addext 'keyUsage=critical,keyCertSign,digitalSignature' \
    -addext 'extendedKeyUsage=codeSigning,timeStamping,OCSPSigning' \
    -addext 'nsComment=hello' >"$w/greedy.csr" 2>/dev/null
run sslm-casign -K "$w/int.key" -C "$w/int.pem" "$w/greedy.csr"
expect_rc 0 "greedy request: exit 0"
cp "$T_OUT" "$w/greedy.pem"
notxt "$w/greedy.pem" "Certificate Sign|OCSP|Netscape|pathlen|critical, *$|Usage: critical" \
    "greedy request: keyCertSign, OCSPSigning, criticality, other extensions not granted"
txt "$w/greedy.pem" "^ +Digital Signature$" "leaf ec: the digitalSignature asked for"
txt "$w/greedy.pem" "^ +Code Signing, Time Stamping$" \
    "greedy request: the EKUs asked for, of the CA's set"
txt "$w/greedy.pem" "DNS:greedy.example.com" "greedy request: SAN kept"
# A request whose usages leave nothing the CA grants is refused.
# no_usage EXT MESSAGE WHAT
no_usage() {
	openssl req -new -key "$w/int.key" -subj /CN=none.example.com \
	    -addext 'subjectAltName=DNS:none.example.com' -addext "$1" \
	    >"$w/none.csr" 2>/dev/null
	run sslm-casign -K "$w/int.key" -C "$w/int.pem" "$w/none.csr"
	expect_rc 3 "$3: exit 3"
	expect_err_match "^sslm-casign: $2" "$3: message"
}
no_usage extendedKeyUsage=OCSPSigning \
    "extendedKeyUsage: none asked for is granted" "request for OCSPSigning only"
no_usage keyUsage=keyEncipherment \
    "keyUsage: none asked for applies to the leaf.s ec key" \
    "ec request for keyEncipherment only"

# ---- serials --------------------------------------------------------------------
for c in root int leaf greedy; do
	openssl x509 -in "$w/$c.pem" -noout -serial >"$w/$c.serial"
	same "$c: serial positive, non-zero, at most 20 bytes" \
	    "$(python3 "$w/oracle.py" serial "$w/$c.serial")" ok
done
if [ "$(cat "$w/leaf.serial")" != "$(cat "$w/greedy.serial")" ]; then
	ok "serials differ"
else
	notok "serials differ"
fi

# ---- validity: --at, clamping, the service object -------------------------------------
run sslm-casign --self -K "$w/root.key" --at 2030-01-02T03:04:05Z -d 7 \
    "$w/root.csr"
expect_rc 0 "--at: exit 0"
cp "$T_OUT" "$w/at.pem"
openssl x509 -in "$w/at.pem" -noout -startdate >"$w/at.start"
same "--at: notBefore is the given time" \
    "$(python3 "$w/oracle.py" start "$w/at.start")" 2030-01-02T03:04:05Z
days_are "$w/at.pem" 7 "--at: 7 days"

# A short intermediate: the leaf is cut to its end, with one warning.
run sslm-casign -K "$w/root.key" -C "$w/root.pem" -d 10 "$w/int.csr"
cp "$T_OUT" "$w/short.pem"
sslm-csrgen -k "$w/leaf.key" --cn short.example.com >"$w/short-leaf.csr"
run sslm-casign -K "$w/int.key" -C "$w/short.pem" -d 90 "$w/short-leaf.csr"
expect_rc 0 "clamp: exit 0"
expect_err_lines 1 "clamp: one warning"
expect_err_match "^sslm-casign: notAfter cut to .*, the end of the CA" \
    "clamp: warning text"
cp "$T_OUT" "$w/clamped.pem"
same "clamp: leaf notAfter = CA notAfter" \
    "$(openssl x509 -in "$w/clamped.pem" -noout -enddate)" \
    "$(openssl x509 -in "$w/short.pem" -noout -enddate)"

conf=$SSLM_TOP/examples/ca-self/conf.d
sslm-conf -c "$conf" >"$w/conf.json" 2>/dev/null
jq '.groups[0].services[1] | .ca = {"sign_end_days": 30,
    "digest": "sha256"}' "$w/conf.json" >"$w/int-svc.json"
run sslm-casign -K "$w/int.key" -C "$w/int.pem" -s "$w/int-svc.json" \
    "$w/short-leaf.csr"
expect_rc 0 "service: exit 0"
cp "$T_OUT" "$w/svc.pem"
days_are "$w/svc.pem" 30 "service: ca.sign_end_days"
txt "$w/svc.pem" "Signature Algorithm: ecdsa-with-SHA256" "service: ca.digest"
run sslm-casign -K "$w/int.key" -C "$w/int.pem" -s "$w/int-svc.json" \
    -d 5 -m sha384 "$w/short-leaf.csr"
cp "$T_OUT" "$w/svc2.pem"
days_are "$w/svc2.pem" 5 "service: -d overrides"
txt "$w/svc2.pem" "Signature Algorithm: ecdsa-with-SHA384" \
    "service: -m overrides"
jq '.groups[0].services[1] | .ca = {"sign_end_days": -1, "digest": ""}' \
    "$w/conf.json" >"$w/neg-svc.json"
run sslm-casign -K "$w/int.key" -C "$w/int.pem" -s "$w/neg-svc.json" \
    "$w/short-leaf.csr"
cp "$T_OUT" "$w/neg.pem"
days_are "$w/neg.pem" 1 "service: sign_end_days below 1 is one day"
printf '{"ca": {"sign_end_days": "x"}}\n' >"$w/bad-svc.json"
run sslm-casign -K "$w/int.key" -C "$w/int.pem" -s "$w/bad-svc.json" \
    "$w/short-leaf.csr"
refused "ca.sign_end_days: not an integer" "service: bad days"
printf '{"ca": {"digest": "md5"}}\n' >"$w/md5-svc.json"
run sslm-casign -K "$w/int.key" -C "$w/int.pem" -s "$w/md5-svc.json" \
    "$w/short-leaf.csr"
refused "unsupported digest md5" "service: md5"

# ---- digests and key types ---------------------------------------------------------
sslm-keygen -t rsa -b 2048 >"$w/rroot.key"
sslm-csrgen -k "$w/rroot.key" --ca --cn 'RSA Root' >"$w/rroot.csr"
for m in sha256 sha384 sha512 sha3_256 sha3_384 sha3_512; do
	run sslm-casign --self -K "$w/rroot.key" -m "$m" "$w/rroot.csr"
	expect_rc 0 "rsa root -m $m: exit 0"
	cp "$T_OUT" "$w/rroot-$m.pem"
	case $m in
	sha3_*) re="RSA-SHA3-${m#sha3_}" ;;
	*) re="${m}WithRSAEncryption" ;;
	esac
	txt "$w/rroot-$m.pem" "Signature Algorithm: $re" \
	    "rsa root -m $m: signature algorithm"
	if openssl verify -CAfile "$w/rroot-$m.pem" "$w/rroot-$m.pem" \
	    >/dev/null 2>&1; then ok "rsa root -m $m: openssl verify"
	else notok "rsa root -m $m: openssl verify"; fi
done
sslm-keygen -t ed25519 >"$w/ed.key"
sslm-csrgen -k "$w/ed.key" --ca --cn 'Ed Root' >"$w/ed.csr"
run sslm-casign --self -K "$w/ed.key" -m sha512 "$w/ed.csr"
expect_rc 0 "ed25519 root: exit 0"
cp "$T_OUT" "$w/ed.pem"
txt "$w/ed.pem" "Signature Algorithm: ED25519" "ed25519 root: no digest"
run sslm-casign -K "$w/ed.key" -C "$w/ed.pem" "$w/short-leaf.csr"
expect_rc 0 "ed25519 CA signs a leaf: exit 0"
cp "$T_OUT" "$w/ed-leaf.pem"
if openssl verify -CAfile "$w/ed.pem" "$w/ed-leaf.pem" >/dev/null 2>&1; then
	ok "ed25519 CA: openssl verify"
else
	notok "ed25519 CA: openssl verify"
fi
# The CA key from stdin, the request from a file.
run_in "$w/int.key" sslm-casign -K - -C "$w/int.pem" "$w/short-leaf.csr"
expect_rc 0 "-K -: exit 0"

# ---- refusals ------------------------------------------------------------------------
python3 "$w/oracle.py" forge "$w/short-leaf.csr" >"$w/forged.csr"
if openssl req -in "$w/forged.csr" -verify -noout 2>&1 | grep -q 'verify OK'
then
	notok "forged request: openssl also rejects it"
else
	ok "forged request: openssl also rejects it"
fi
run sslm-casign -K "$w/int.key" -C "$w/int.pem" "$w/forged.csr"
refused "signature does not verify" "forged request"
python3 "$w/oracle.py" forge "$w/root.csr" >"$w/forged-root.csr"
run sslm-casign --self -K "$w/root.key" "$w/forged-root.csr"
refused "signature does not verify" "forged root request"

run sslm-casign -K "$w/leaf.key" -C "$w/leaf.pem" "$w/short-leaf.csr"
refused "not a CA certificate \\(no basicConstraints CA:TRUE\\)" \
    "leaf as CA"
openssl req -x509 -new -key "$w/int.key" -subj '/CN=No KU CA' -days 30 \
    -addext 'basicConstraints=critical,CA:TRUE' \
    -addext 'keyUsage=critical,digitalSignature' >"$w/noku.pem" 2>/dev/null
run sslm-casign -K "$w/int.key" -C "$w/noku.pem" "$w/short-leaf.csr"
refused "no keyUsage keyCertSign" "CA without keyCertSign"

run sslm-casign --self -K "$w/root.key" --at 2001-01-01 -d 30 "$w/root.csr"
cp "$T_OUT" "$w/old-root.pem"
run sslm-casign -K "$w/root.key" -C "$w/old-root.pem" "$w/int.csr"
refused "the CA certificate has expired at" "expired CA"
run sslm-casign -K "$w/root.key" -C "$w/old-root.pem" --at 2001-01-15 \
    "$w/int.csr"
expect_rc 0 "expired CA: fine at a time it was valid (--at)"
run sslm-casign -K "$w/root.key" -C "$w/root.pem" --at 2001-01-15 \
    "$w/int.csr"
refused "not valid yet at 2001-01-15T00:00:00Z" "CA not valid yet"

run sslm-casign -K "$w/root.key" -C "$w/int.pem" "$w/short-leaf.csr"
refused "the CA key does not match the CA certificate" "wrong CA key"
run sslm-casign --self -K "$w/int.key" "$w/root.csr"
refused "--self: the key does not match the request" "--self, wrong key"

run sslm-casign -K "$w/root.key" -C "$w/rroot-sha256.pem" "$w/int.csr"
refused "does not match" "CA key of another type"

# pathlen:0 may not sign CAs.
openssl req -x509 -new -key "$w/int.key" -subj '/CN=Pathlen0' -days 30 \
    -addext 'basicConstraints=critical,CA:TRUE,pathlen:0' \
    -addext 'keyUsage=critical,keyCertSign,cRLSign' >"$w/pl0.pem" \
    2>/dev/null
run sslm-casign -K "$w/int.key" -C "$w/pl0.pem" "$w/int.csr"
refused "pathlen 0: this CA may not sign CAs" "pathlen 0 CA, CA request"
run sslm-casign -K "$w/int.key" -C "$w/pl0.pem" "$w/short-leaf.csr"
expect_rc 0 "pathlen 0 CA, leaf request: exit 0"

# Requests the CA will not sign.
openssl req -new -key "$w/int.key" -subj /CN=nosan.example.com \
    >"$w/nosan.csr" 2>/dev/null
run sslm-casign -K "$w/int.key" -C "$w/int.pem" "$w/nosan.csr"
refused "a leaf request needs a subjectAltName" "leaf without SAN"
openssl req -new -key "$w/int.key" -subj /CN=mail.example.com \
    -addext 'subjectAltName=email:a@example.com' >"$w/email.csr" 2>/dev/null
run sslm-casign -K "$w/int.key" -C "$w/int.pem" "$w/email.csr"
refused "neither a DNS name nor an IP address" "rfc822Name SAN"
openssl req -new -key "$w/int.key" -subj /CN=x \
    -addext 'subjectAltName=DNS:bad..name' >"$w/badname.csr" 2>/dev/null
run sslm-casign -K "$w/int.key" -C "$w/int.pem" "$w/badname.csr"
refused "subjectAltName entry 1 is malformed" "malformed DNS SAN"
openssl req -new -key "$w/int.key" -subj / \
    -addext 'basicConstraints=critical,CA:TRUE' >"$w/nosubj.csr" 2>/dev/null
run sslm-casign -K "$w/root.key" -C "$w/root.pem" "$w/nosubj.csr"
refused "a CA request needs a subject" "CA request without subject"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 \
    -out "$w/weak.key" 2>/dev/null
openssl req -new -key "$w/weak.key" -subj /CN=weak.example.com \
    -addext 'subjectAltName=DNS:weak.example.com' >"$w/weak.csr" 2>/dev/null
run sslm-casign -K "$w/int.key" -C "$w/int.pem" "$w/weak.csr"
refused "rsa key of 1024 bits" "weak key in the request"

# Malformed, truncated, oversized, wrong kind of input.
{ echo '-----BEGIN CERTIFICATE REQUEST-----'; echo 'bm90IGEgcmVxdWVzdA=='
  echo '-----END CERTIFICATE REQUEST-----'; } >"$w/garbage.csr"
run sslm-casign -K "$w/int.key" -C "$w/int.pem" "$w/garbage.csr"
refused "bad certificate request" "malformed request PEM"
head -5 "$w/short-leaf.csr" >"$w/trunc.csr"
run sslm-casign -K "$w/int.key" -C "$w/int.pem" "$w/trunc.csr"
refused "no END line" "truncated request"
{ cat "$w/short-leaf.csr"; head -c 1100000 /dev/zero | tr '\0' '#'; } \
    >"$w/huge.csr"
run sslm-casign -K "$w/int.key" -C "$w/int.pem" "$w/huge.csr"
refused "larger than" "request over 1 MiB"
run sslm-casign -K "$w/int.key" -C "$w/int.pem" "$w/leaf.pem"
refused "no certificate request" "a certificate instead of a request"
: >"$w/empty.csr"
run_in "$w/empty.csr" sslm-casign -K "$w/int.key" -C "$w/int.pem"
refused "stdin: no certificate request" "empty stdin"
head -4 "$w/int.pem" >"$w/trunc-ca.pem"
run sslm-casign -K "$w/int.key" -C "$w/trunc-ca.pem" "$w/short-leaf.csr"
refused "no END line" "truncated CA certificate"
sed '3s/./#/' "$w/int.pem" >"$w/bad-ca.pem"
run sslm-casign -K "$w/int.key" -C "$w/bad-ca.pem" "$w/short-leaf.csr"
refused "bad certificate" "malformed CA certificate"
run sslm-casign -K "$w/int.key" -C "$w/int.key" "$w/short-leaf.csr"
refused "no certificate" "CA file without a certificate"
head -3 "$w/int.key" >"$w/trunc.key"
run sslm-casign -K "$w/trunc.key" -C "$w/int.pem" "$w/short-leaf.csr"
refused "no END line" "truncated CA key"
run sslm-casign -K "$w/missing.key" -C "$w/int.pem" "$w/short-leaf.csr"
refused "missing.key: No such file" "missing CA key"

# ---- usage -------------------------------------------------------------------------------
for args in "" "--self" "-C $w/int.pem" "--self -K $w/root.key -C $w/root.pem" \
    "-K $w/int.key -C $w/int.pem a b" "-K $w/int.key -C $w/int.pem -d 0" \
    "-K $w/int.key -C $w/int.pem -d 36501" "-K $w/int.key -C $w/int.pem -d x" \
    "-K $w/int.key -C $w/int.pem -m md5" "-K $w/int.key -C $w/int.pem --at soon" \
    "-K - -C $w/int.pem" "-x"; do
	# shellcheck disable=SC2086
	run sslm-casign $args
	expect_rc 2 "usage: '$args': exit 2"
done
run sslm-casign -K "$w/int.key" -C "$w/int.pem" -m md5
expect_err_match "^sslm-casign: -m md5: unsupported digest$" "usage: -m md5: message"
run sslm-casign -V
expect_rc 0 "-V: exit 0"
# -h and --help: tests/t-build.sh checks them for every program.
