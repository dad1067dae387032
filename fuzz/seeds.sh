#!/bin/sh
# SPDX-License-Identifier: MIT
# Make the seed corpora of the fuzz harnesses in DIR/<harness>/:
#   toml   the TOML documents of ../shared/testdata/toml-test (valid and
#          invalid; SSLM_SHARED overrides ../shared)
#   pem    certificates, a CSR, keys and DH parameters made here with
#          openssl, PEM and DER
#   chain  chains of those certificates in several orders, PEM and DER
#   acme   hand-written ACME answers (headers, empty line, JSON body)
#   dns    wire-format answers (fuzz/dnsseeds.py)
# Usage: fuzz/seeds.sh DIR
set -eu
umask 077
[ $# -eq 1 ] || { echo "usage: fuzz/seeds.sh DIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
shared=${SSLM_SHARED:-$top/../shared}
out=$1
mkdir -p "$out/toml" "$out/pem" "$out/chain" "$out/acme" "$out/dns"

# toml: the conformance suite, flattened (a name from the path)
tt=$shared/testdata/toml-test
if [ ! -d "$tt" ]; then
	echo "seeds: $tt: missing (the TOML seeds)" >&2
	exit 3
fi
find "$tt/valid" "$tt/invalid" -name '*.toml' | while IFS= read -r f; do
	n=${f#"$tt"/}
	cp "$f" "$out/toml/$(printf '%s' "$n" | tr '/' '_')"
done

# pem and chain: a root, an intermediate, two leaves (EC and RSA)
w=$(mktemp -d "${TMPDIR:-/tmp}/sslm-seeds.XXXXXX")
trap 'rm -rf "$w"' EXIT INT TERM
o() { openssl "$@" 2>/dev/null; }
o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$w/ca.key"
o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$w/int.key"
o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$w/leaf.key"
o genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$w/rsa.key"
o genpkey -algorithm ED25519 -out "$w/ed.key"
o req -x509 -new -key "$w/ca.key" -subj /CN=Seed\ Root -days 30 \
    -addext basicConstraints=critical,CA:true -out "$w/ca.pem"
cat >"$w/ext" <<'X'
[ca]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:www.example.com, DNS:*.example.com, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
X
o req -new -key "$w/int.key" -subj /O=Seed/CN=Seed\ Intermediate \
    -out "$w/int.csr"
o x509 -req -in "$w/int.csr" -CA "$w/ca.pem" -CAkey "$w/ca.key" \
    -CAcreateserial -days 30 -extfile "$w/ext" -extensions ca \
    -out "$w/int.pem"
for k in leaf rsa; do
	o req -new -key "$w/$k.key" -subj /CN=www.example.com \
	    -addext subjectAltName=DNS:www.example.com,DNS:example.com \
	    -out "$w/$k.csr"
	o x509 -req -in "$w/$k.csr" -CA "$w/int.pem" -CAkey "$w/int.key" \
	    -CAcreateserial -days 30 -extfile "$w/ext" -extensions leaf \
	    -out "$w/$k.pem"
done
o pkey -in "$w/leaf.key" -pubout -out "$w/leaf.pub"
o genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$w/dh.pem"
for f in ca int leaf rsa; do
	cp "$w/$f.pem" "$out/pem/$f.crt.pem"
	o x509 -in "$w/$f.pem" -outform DER -out "$out/pem/$f.crt.der"
done
cp "$w/leaf.csr" "$out/pem/leaf.csr.pem"
o req -in "$w/leaf.csr" -outform DER -out "$out/pem/leaf.csr.der"
for k in leaf rsa ed; do
	cp "$w/$k.key" "$out/pem/$k.key.pem"
	o pkey -in "$w/$k.key" -outform DER -out "$out/pem/$k.key.der"
done
cp "$w/leaf.pub" "$out/pem/leaf.pub.pem"
cp "$w/dh.pem" "$out/pem/dh.pem"
cat "$w/leaf.key" "$w/leaf.pem" "$w/leaf.csr" >"$out/pem/mixed.pem"
for c in "leaf int ca" "ca int leaf" "int leaf" "rsa leaf int" \
    "leaf leaf int" "int ca"; do
	n=$(printf '%s' "$c" | tr ' ' '-')
	: >"$out/chain/$n.pem"
	: >"$out/chain/$n.der"
	for f in $c; do
		cat "$w/$f.pem" >>"$out/chain/$n.pem"
		cat "$out/pem/$f.crt.der" >>"$out/chain/$n.der"
	done
done

# acme: one answer each, as fuzz_acme reads them
a=$out/acme
u=https://acme.test
crlf() { sed 's/$/\r/'; }
{ printf 'HTTP/1.1 200 OK\nContent-Type: application/json\n\n' | crlf
  printf '{"newNonce": "%s/nonce", "newAccount": "%s/acct",' "$u" "$u"
  printf ' "newOrder": "%s/order", "revokeCert": "%s/revoke",' "$u" "$u"
  printf ' "keyChange": "%s/kc", "renewalInfo": "%s/ari",' "$u" "$u"
  printf ' "meta": {"termsOfService": "%s/tos",' "$u"
  printf ' "profiles": {"classic": "x", "shortlived": "y"}}}'
} >"$a/directory"
{ printf 'HTTP/1.1 201 Created\nReplay-Nonce: oFvnlFP1wIhRlYS2jTaXbA\n' | crlf
  printf 'Location: %s/acct/1\n\n' "$u" | crlf
  printf '{"status": "valid", "contact": ["mailto:a@example.com"],'
  printf ' "orders": "%s/acct/1/orders"}' "$u"
} >"$a/account"
{ printf 'HTTP/1.1 201 Created\nReplay-Nonce: zincv8Z3yTnXxrQk2Tj_0A\n' | crlf
  printf 'Location: %s/order/1\nRetry-After: 3\n\n' "$u" | crlf
  printf '{"status": "pending", "expires": "2026-01-08T00:00:00Z",'
  printf ' "identifiers": [{"type": "dns", "value": "www.example.com"},'
  printf ' {"type": "dns", "value": "*.example.com"}],'
  printf ' "authorizations": ["%s/authz/1", "%s/authz/2"],' "$u" "$u"
  printf ' "finalize": "%s/order/1/finalize"}' "$u"
} >"$a/order"
{ printf 'HTTP/1.1 200 OK\nRetry-After: Wed, 21 Oct 2026 07:28:00 GMT\n' | crlf
  printf 'Link: <%s/dir>;rel="index", <%s/cert/1/alt>;rel=alternate\n\n' \
      "$u" "$u" | crlf
  printf '{"status": "valid", "certificate": "%s/cert/1",' "$u"
  printf ' "identifiers": [{"type": "dns", "value": "www.example.com"}],'
  printf ' "authorizations": ["%s/authz/1"],' "$u"
  printf ' "finalize": "%s/order/1/finalize"}' "$u"
} >"$a/order-valid"
for t in dns-01 http-01; do
	{ printf 'HTTP/1.1 200 OK\n\n' | crlf
	  printf '{"status": "pending", "expires": "2026-01-08T00:00:00Z",'
	  printf ' "identifier": {"type": "dns", "value": "example.com"},'
	  printf ' "wildcard": false, "challenges": ['
	  printf '{"type": "%s", "status": "pending",' "$t"
	  printf ' "url": "%s/chall/1",' "$u"
	  printf ' "token": "DGyRejmCefe7v4NfDGDKfA0123456789_-abc"},'
	  printf '{"type": "tls-alpn-01", "status": "pending",'
	  printf ' "url": "%s/chall/2", "token": "x"}]}' "$u"
	} >"$a/authz-$t"
done
{ printf 'HTTP/1.1 200 OK\n\n' | crlf
  printf '{"status": "invalid",'
  printf ' "identifier": {"type": "dns", "value": "*.example.com"},'
  printf ' "wildcard": true, "challenges": [{"type": "dns-01",'
  printf ' "status": "invalid", "url": "%s/chall/3",' "$u"
  printf ' "token": "DGyRejmCefe7v4NfDGDKfA0123456789",'
  printf ' "error": {"type": "urn:ietf:params:acme:error:dns",'
  printf ' "detail": "no TXT record found"}}]}'
} >"$a/authz-invalid"
{ printf 'HTTP/1.1 400 Bad Request\n' | crlf
  printf 'Content-Type: application/problem+json\n\n' | crlf
  printf '{"type": "urn:ietf:params:acme:error:rejectedIdentifier",'
  printf ' "detail": "Some of the identifiers are rejected",'
  printf ' "status": 400, "subproblems": [{"type":'
  printf ' "urn:ietf:params:acme:error:malformed", "detail":'
  printf ' "Invalid underscore in DNS name \\"_example.org\\"",'
  printf ' "identifier": {"type": "dns", "value": "_example.org"}}]}'
} >"$a/problem"
{ printf 'HTTP/1.1 400 Bad Request\nReplay-Nonce: bm9uY2U\n\n' | crlf
  printf '{"type": "urn:ietf:params:acme:error:badNonce",'
  printf ' "detail": "JWS has an invalid anti-replay nonce"}'
} >"$a/badnonce"
printf '{"status": "processing"}' >"$a/body-only"

python3 "$top/fuzz/dnsseeds.py" "$out/dns"
