#!/bin/sh
# sslm-tlsa-hash: ssl-mgr's interface (dir, default ./) and output, the
# value against openssl's pipeline, a certificate whose key field is not
# canonical DER (the two computations disagree), and broken input.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
cd "$w" || exit 1

# ossl DIR: the DANE 3 1 1 value of DIR/cert.pem by openssl alone.
ossl() {
	openssl x509 -in "$1/cert.pem" -pubkey -noout |
	    openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1
}

mkdir ec rsa odd bad empty none
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes \
    -keyout ec/privkey.pem -out ec/cert.pem -days 30 -subj /CN=ec.test \
    2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa/privkey.pem \
    -out rsa/cert.pem -days 30 -subj /CN=rsa.test 2>/dev/null
# A chain file as cert.pem: the first certificate counts.
cat rsa/cert.pem ec/cert.pem >rsa/fullchain.pem

for d in ec rsa; do
	run sslm-tlsa-hash "$d"
	expect_rc 0 "$d: exit 0"
	same "$d: ssl-mgr's output, the hash is openssl's" "$(cat "$T_OUT")" \
	    "Matched:
tlsa hash: $(ossl "$d")"
	expect_err_lines 0 "$d: nothing on stderr"
done
run sslm-tlsa-hash "$w/ec/"
same "a trailing slash is fine" "$(sed -n 2p "$T_OUT")" \
    "tlsa hash: $(ossl ec)"
(cd rsa && sslm-tlsa-hash) >"$T_OUT" 2>"$T_ERR"
# shellcheck disable=SC2034 # read by expect_rc
T_RC=$?
expect_rc 0 "no operand: ./"
same "no operand: the hash of ./cert.pem" "$(sed -n 2p "$T_OUT")" \
    "tlsa hash: $(ossl rsa)"
check "the two keys give two hashes" [ "$(ossl ec)" != "$(ossl rsa)" ]

# The RSA certificate with its AlgorithmIdentifier re-encoded without
# the NULL parameters: the field's bytes differ from the canonical DER
# that openssl's pipeline (and the library) re-encode.
python3 - rsa/cert.pem >odd/cert.pem <<'PY'
import base64, sys
def tlv(b, i):
    l, j = b[i + 1], i + 2
    if l & 0x80:
        n = l & 0x7f
        l, j = int.from_bytes(b[j:j + n], "big"), j + n
    return j, j + l
def kids(b):
    s, e = tlv(b, 0)
    out = []
    while s < e:
        _, ce = tlv(b, s)
        out.append(b[s:ce])
        s = ce
    return out
def seq(parts):
    body = b"".join(parts)
    n = len(body)
    if n < 128:
        return bytes([0x30, n]) + body
    nb = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x30, 0x80 | len(nb)]) + nb + body
pem = open(sys.argv[1]).read().split("-----")[2]
cert = kids(base64.b64decode(pem))
tbs = kids(cert[0])
k = 6 if tbs[0][0] == 0xa0 else 5
spki = kids(tbs[k])
spki[0] = seq(kids(spki[0])[:1])
tbs[k] = seq(spki)
cert[0] = seq(tbs)
b = base64.b64encode(seq(cert)).decode()
print("-----BEGIN CERTIFICATE-----")
for i in range(0, len(b), 64):
    print(b[i:i + 64])
print("-----END CERTIFICATE-----")
PY
field=$(openssl x509 -in odd/cert.pem -outform DER | python3 -c '
import hashlib, subprocess, sys
der = sys.stdin.buffer.read()
out = subprocess.run(["openssl", "asn1parse", "-inform", "DER"],
    input=der, capture_output=True).stdout.decode()
# the SubjectPublicKeyInfo: the depth-2 SEQUENCE right after the
# subject (the depth-2 SEQUENCE before the first "BIT STRING" at d=3)
lines = out.splitlines()
for n, l in enumerate(lines):
    if "d=3" in l and "BIT STRING" in l:
        break
for l in reversed(lines[:n]):
    if "d=2" in l and "SEQUENCE" in l:
        off = int(l.split(":")[0])
        hl = int(l.split("hl=")[1].split()[0])
        ln = int(l.split("l=")[2].split()[0])
        print(hashlib.sha256(der[off:off + hl + ln]).hexdigest())
        break
')
run sslm-tlsa-hash odd
expect_rc 3 "a non-canonical key field: exit 3"
same "non-canonical: both values shown, internal = openssl's pipeline" \
    "$(cat "$T_OUT")" "** Warning: Mismatched:
 internal: $(ossl odd)
  in cert: $field"
check "non-canonical: the two values differ" [ "$(ossl odd)" != "$field" ]
same "non-canonical: one line on stderr" "$(cat "$T_ERR")" \
    "sslm-tlsa-hash: odd/cert.pem: the two hashes differ"

# ---- broken input: one line naming the file, exit 3, nothing on stdout --
printf -- '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' \
    >bad/cert.pem
: >empty/cert.pem
for d in bad empty none; do
	run sslm-tlsa-hash "$d"
	expect_rc 3 "$d cert.pem: exit 3"
	expect_err_lines 1 "$d cert.pem: one line"
	expect_err_match "^sslm-tlsa-hash: $d/cert.pem(:[0-9]+)?: " \
	    "$d cert.pem: the line names the file"
	check "$d cert.pem: nothing on stdout" test ! -s "$T_OUT"
done
run sslm-tlsa-hash ec rsa
expect_rc 2 "two operands: usage, exit 2"
run sslm-tlsa-hash -s
expect_rc 2 "an unknown option: exit 2"
run sslm-tlsa-hash -h
expect_rc 0 "-h: exit 0"
expect_err_lines 0 "-h: the usage goes to stdout"
check "-h: the usage names [dir]" grep -q 'sslm-tlsa-hash .*\[dir\]' "$T_OUT"
