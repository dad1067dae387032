#!/bin/sh
# sslm-chainbuild: order, checks and the store's four files, judged by the
# openssl CLI (pkcs7 -print_certs for order, verify, pkey, x509).
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
cd "$w" || exit 1

# ---- a small PKI made with the openssl CLI ---------------------------------
cat >ext.cnf <<'EOF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:www.example.com
EOF

serial=100
# key NAME: a new P-256 key NAME.key
key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1.key" 2>/dev/null
}
# root NAME CN: self-signed CA NAME.pem (key NAME.key, made if missing)
root() {
	[ -f "$1.key" ] || key "$1"
	openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 3650 \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" \
	    -out "$1.pem" 2>/dev/null
}
# sign NAME CN ISSUER SECTION: NAME.pem for NAME.key (made if missing),
# issued by ISSUER.pem/ISSUER.key with the extensions of SECTION
sign() {
	[ -f "$1.key" ] || key "$1"
	serial=$((serial + 1))
	openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr" &&
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
	    -set_serial "$serial" -days 365 -extfile ext.cnf \
	    -extensions "$4" -out "$1.pem" 2>/dev/null
}
# subjects FILE: the subjects of FILE's certificates, in order, one a line
subjects() {
	openssl crl2pkcs7 -nocrl -certfile "$1" |
	    openssl pkcs7 -print_certs -noout | sed -n 's/^subject=//p'
}
# expect_subjects FILE WHAT CN...: FILE holds exactly these, in order
expect_subjects() {
	_f=$1 _what=$2
	shift 2
	_want=$(for _c; do echo "CN = $_c"; done)
	_got=$(subjects "$_f" 2>&1)
	if [ -s "$_f" ] && [ "$_got" = "$_want" ]; then
		ok "$_what"
	else
		notok "$_what" "got: $(echo "$_got" | tr '\n' '|')" \
		    "want: $(echo "$_want" | tr '\n' '|')"
	fi
}
# expect_nothing DIR WHAT: DIR is empty (nothing written, no temp file)
expect_nothing() {
	if [ -z "$(ls -A "$1")" ]; then
		ok "$2"
	else
		notok "$2" "left: $(find "$1" | tr '\n' ' ')"
	fi
}

root root1 "Test Root 1"
root root2 "Test Root 2"
sign int "Test Int" root1 ca
# The alternate: the same subject and key, cross-signed by root 2.
cp int.key intx.key
sign intx "Test Int" root2 ca
sign leaf "www.example.com" int leaf
sign leaf2 "other.example.com" int leaf
key stranger
# A forged intermediate: one byte of its signature (the DER's last) flipped.
openssl x509 -in int.pem -outform DER -out int.der
python3 - int.der <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-1] ^= 0x01
open(sys.argv[1], "wb").write(b)
EOF
openssl x509 -inform DER -in int.der -out forged.pem
# A loop: A and B each issued by the other.
key a
key b
cp a.key a0.key
root a0 "Loop A"
cp b.key b0.key
root b0 "Loop B"
sign a "Loop A" b0 ca
sign b "Loop B" a0 ca
sign lleaf "loop.example.com" a leaf

for f in root1 root2 int intx leaf leaf2 forged a b lleaf; do
	if [ -s "$f.pem" ]; then :; else notok "setup: $f.pem"; fi
done

# ---- the good case: shuffled input, several files -------------------------
mkdir out1
run sslm-chainbuild -k leaf.key -o out1 root1.pem leaf.pem int.pem
expect_rc 0 "shuffled files: exit 0"
expect_err_lines 0 "shuffled files: nothing dropped"
expect_subjects out1/cert.pem "cert.pem is the leaf" www.example.com
expect_subjects out1/chain.pem "chain.pem is int, root" "Test Int" \
    "Test Root 1"
expect_subjects out1/fullchain.pem "fullchain.pem is leaf, int, root" \
    www.example.com "Test Int" "Test Root 1"
expect_subjects out1/bundle.pem "bundle.pem holds leaf, int, root" \
    www.example.com "Test Int" "Test Root 1"
check "cert.pem is the leaf byte for byte" cmp leaf.pem out1/cert.pem
cat leaf.pem int.pem root1.pem >want-full.pem
check "fullchain.pem = leaf + int + root" cmp want-full.pem out1/fullchain.pem
run openssl verify -CAfile root1.pem -untrusted out1/chain.pem out1/cert.pem
expect_rc 0 "openssl verify accepts cert.pem with chain.pem"
m=$(stat -c %a out1/bundle.pem)
same "bundle.pem is 0600" "$m" 600
m=$(stat -c %a out1/cert.pem out1/chain.pem out1/fullchain.pem | sort -u)
same "other files are 0644" "$m" 644
a=$(openssl pkey -in out1/bundle.pem -pubout 2>/dev/null)
b=$(openssl x509 -in leaf.pem -noout -pubkey)
same "bundle.pem key is the leaf's key" "$a" "$b"
sed -n '/BEGIN PRIVATE KEY/,/END PRIVATE KEY/p' leaf.key >want-bundle.pem
cat want-full.pem >>want-bundle.pem
check "bundle.pem = key + fullchain" cmp want-bundle.pem out1/bundle.pem
run openssl pkey -in out1/bundle.pem -check -noout
expect_rc 0 "bundle.pem key passes pkey -check"
same "no temp file left" "$(find out1 -name '*tmp*' | wc -l)" 0

# Again over the old files: replaced atomically, same contents.
cat int.pem root1.pem leaf.pem >mixed.pem
run sslm-chainbuild --key leaf.key --dir out1 mixed.pem
expect_rc 0 "one shuffled file, rewrite: exit 0"
check "rewrite: same fullchain" cmp want-full.pem out1/fullchain.pem

# From a pipe, each part on stdout.
for p in cert chain fullchain bundle; do
	cat root1.pem int.pem leaf.pem | sslm-chainbuild -k leaf.key \
	    -p "$p" >"pipe-$p.pem" 2>"$T_ERR"
	T_RC=$?
	expect_rc 0 "stdin pipe, -p $p: exit 0"
	check "stdin pipe, -p $p: same as $p.pem" \
	    cmp out1/"$p".pem "pipe-$p.pem"
done
cat root1.pem int.pem leaf.pem | sslm-chainbuild -k leaf.key - >pipe.pem
check "default product is the full chain" cmp want-full.pem pipe.pem

# -R drops the root.
run sslm-chainbuild -R -k leaf.key -p chain int.pem root1.pem leaf.pem
expect_rc 0 "--no-root: exit 0"
check "--no-root: chain.pem is the intermediate alone" cmp int.pem "$T_OUT"

# Without a key: cert, chain and fullchain still work.
run sslm-chainbuild -p fullchain leaf.pem root1.pem int.pem
expect_rc 0 "no key: exit 0"
check "no key: full chain in order" cmp want-full.pem "$T_OUT"

# ---- alternates and duplicates ---------------------------------------------
run sslm-chainbuild -k leaf.key -p fullchain intx.pem leaf.pem int.pem \
    root1.pem
expect_rc 0 "alternate chain: exit 0"
expect_subjects "$T_OUT" "alternate: path to the root that was given" \
    www.example.com "Test Int" "Test Root 1"
cp "$T_OUT" alt.pem
run openssl verify -CAfile root1.pem -untrusted alt.pem leaf.pem
expect_rc 0 "alternate: openssl verify agrees with the path chosen"
run sslm-chainbuild -k leaf.key -p fullchain intx.pem leaf.pem int.pem \
    root1.pem
expect_err_match "certificate 1 \(subject CN=Test Int\): not on the leaf's path, dropped" \
    "alternate: the cross-signed intermediate is dropped with a note"
run sslm-chainbuild -k leaf.key -p chain int.pem intx.pem leaf.pem root2.pem
expect_rc 0 "alternate via root 2: exit 0"
cat intx.pem root2.pem >want-x.pem
check "alternate via root 2: the cross-signed path" cmp want-x.pem "$T_OUT"
run sslm-chainbuild -k leaf.key -p chain leaf.pem int.pem intx.pem
check "two alternates, no root: the first given wins" cmp int.pem "$T_OUT"
run sslm-chainbuild -k leaf.key -p fullchain leaf.pem int.pem int.pem \
    root1.pem leaf.pem
expect_rc 0 "duplicates: exit 0"
check "duplicates: dropped from the output" cmp want-full.pem "$T_OUT"
expect_err_match "certificate 3 \(subject CN=Test Int\): duplicate of certificate 2, dropped" \
    "duplicates: noted"
run sslm-chainbuild -k leaf.key -p fullchain leaf.pem leaf2.pem int.pem
expect_rc 0 "second leaf with a key: exit 0"
expect_err_match "certificate 2 \(subject CN=other.example.com\): not on" \
    "second leaf with a key: dropped with a note"

# Key identifiers: a CA of the same name but another key is not the issuer
# (no "not signed by" error), and the AKI that ssl-mgr's CA copies from
# the CSR (the subject's own SKI) is ignored.
sign int2 "Test Int" root1 ca
run sslm-chainbuild -k leaf.key -p fullchain leaf.pem int2.pem
expect_rc 0 "same-name CA with another key: exit 0 (incomplete chain)"
check "same-name CA with another key: not taken as issuer" cmp leaf.pem "$T_OUT"
expect_err_match "certificate 2 \(subject CN=Test Int\): not on the leaf's path" \
    "same-name CA with another key: dropped with a note"
ski=$(openssl x509 -in leaf.pem -noout -ext subjectKeyIdentifier | tail -1 |
    tr -d ' :')
printf '%s\n' "subjectKeyIdentifier = hash" \
    "authorityKeyIdentifier = DER:30168014$ski" >quirk.cnf
openssl req -new -key leaf.key -subj "/CN=quirk.example.com" -out q.csr &&
    openssl x509 -req -in q.csr -CA int.pem -CAkey int.key -set_serial 999 \
    -days 30 -extfile quirk.cnf -out quirk.pem 2>/dev/null
run sslm-chainbuild -k leaf.key -p fullchain root1.pem quirk.pem int.pem
expect_rc 0 "ssl-mgr's self AKI: exit 0"
expect_subjects "$T_OUT" "ssl-mgr's self AKI: ordered by signature" \
    quirk.example.com "Test Int" "Test Root 1"

# A self-signed certificate alone is its own chain (ssl-mgr 6.3).
mkdir outr
run sslm-chainbuild -k root1.key -o outr root1.pem
expect_rc 0 "self-signed alone: exit 0"
check "self-signed: chain.pem is the cert" cmp root1.pem outr/chain.pem
check "self-signed: fullchain.pem is the cert" cmp root1.pem outr/fullchain.pem

# An incomplete chain is fine unless --complete.
run sslm-chainbuild -k leaf.key -p fullchain leaf.pem
expect_rc 0 "leaf alone: exit 0"
check "leaf alone: fullchain is the leaf" cmp leaf.pem "$T_OUT"
run sslm-chainbuild -k leaf.key -p fullchain leaf.pem int.pem
expect_rc 0 "no root given: exit 0"
mkdir out2
run sslm-chainbuild --complete -k leaf.key -o out2 leaf.pem root1.pem
expect_rc 3 "missing intermediate, --complete: exit 3"
expect_err_match "^sslm-chainbuild: chain stops at CN=Test Int: issuer not in the input$" \
    "missing intermediate: message names the missing issuer"
expect_nothing out2 "missing intermediate: nothing written"
run sslm-chainbuild -c -k leaf.key -p fullchain leaf.pem int.pem root1.pem
expect_rc 0 "--complete with the root: exit 0"

# ---- refusals: nothing is written ------------------------------------------
mkdir out3
run sslm-chainbuild -k stranger.key -o out3 leaf.pem int.pem root1.pem
expect_rc 3 "key mismatch: exit 3"
expect_err_match "^sslm-chainbuild: key mismatch: the key does not match the leaf, certificate 1 \(subject CN=www.example.com\)$" \
    "key mismatch: says so"
expect_nothing out3 "key mismatch: nothing written"
run sslm-chainbuild -k stranger.key -o out3 leaf.pem leaf2.pem int.pem
expect_rc 3 "key of no certificate: exit 3"
expect_err_match "no certificate issued for this key" \
    "key of no certificate: says so"
run sslm-chainbuild -k int.key -o out3 leaf.pem int.pem
expect_rc 3 "key of the intermediate: exit 3"
expect_err_match "key matches certificate 2 \(subject CN=Test Int\), which is no leaf" \
    "key of the intermediate: says so"
run sslm-chainbuild -p fullchain leaf.pem leaf2.pem int.pem
expect_rc 3 "two leaves without a key: exit 3"
expect_err_match "two leaves: certificate 1 \(subject CN=www.example.com\) and certificate 2 \(subject CN=other.example.com\)" \
    "two leaves: both named"
run sslm-chainbuild -k leaf.key -o out3 leaf.pem forged.pem root1.pem
expect_rc 3 "forged intermediate: exit 3"
expect_err_match "^sslm-chainbuild: certificate 2 \(subject CN=Test Int\) is not signed by certificate 3 \(subject CN=Test Root 1\)$" \
    "forged intermediate: names it and its issuer"
expect_err_lines 1 "forged intermediate: one message"
expect_nothing out3 "forged intermediate: nothing written"
run openssl verify -CAfile root1.pem -untrusted forged.pem leaf.pem
check "forged intermediate: openssl verify refuses too" [ "$T_RC" -ne 0 ]
run sslm-chainbuild -p fullchain forged.pem root1.pem leaf.pem
expect_rc 3 "forged intermediate, no key: exit 3"
expect_err_match "certificate 1 \(subject CN=Test Int\) is not signed by certificate 2" \
    "forged intermediate, no key: named"
run sslm-chainbuild -p fullchain a.pem b.pem
expect_rc 3 "two certificates issuing each other: exit 3"
expect_err_match "^sslm-chainbuild: loop: " "mutual issuers: a loop"
run sslm-chainbuild -k lleaf.key -p fullchain a.pem lleaf.pem b.pem
expect_rc 3 "leaf under a loop: exit 3"
expect_err_match "loop: certificate 3 \(subject CN=Loop B\) is issued by certificate 1 \(subject CN=Loop A\), already in the chain" \
    "leaf under a loop: names both"
run openssl verify -CAfile root1.pem -untrusted a.pem lleaf.pem
check "loop: openssl verify finds no path either" [ "$T_RC" -ne 0 ]

# ---- malformed, truncated, oversized input ----------------------------------
head -c 400 leaf.pem >trunc.pem
run sslm-chainbuild -k leaf.key -o out3 trunc.pem int.pem
expect_rc 3 "truncated PEM: exit 3"
expect_err_match "^sslm-chainbuild: trunc.pem:1: CERTIFICATE block has no END line" \
    "truncated PEM: message names the file and line"
expect_nothing out3 "truncated PEM: nothing written"
{ echo "-----BEGIN CERTIFICATE-----"; echo "bm90IGEgY2VydGlmaWNhdGU="
  echo "-----END CERTIFICATE-----"; } >bad.pem
run sslm-chainbuild -p cert bad.pem
expect_rc 3 "malformed certificate: exit 3"
expect_err_match "^sslm-chainbuild: bad.pem:1: bad certificate" \
    "malformed certificate: named"
run_in /dev/null sslm-chainbuild -p cert
expect_rc 3 "empty stdin: exit 3"
expect_err_match "no certificate in the input" "empty stdin: says so"
python3 -c 'import sys; sys.stdout.write("#" * (1024 * 1024 + 1))' >big.pem
cat leaf.pem >>big.pem
run sslm-chainbuild -p cert big.pem
expect_rc 3 "oversized input: exit 3"
expect_err_match "big.pem: larger than 1048576 bytes" "oversized input: says so"
head -c 100 leaf.key >trunc.key
run sslm-chainbuild -k trunc.key -o out3 leaf.pem
expect_rc 3 "truncated key: exit 3"
expect_nothing out3 "truncated key: nothing written"
run sslm-chainbuild -k leaf.key -o "$w/no/such/dir" leaf.pem
expect_rc 3 "missing output directory: exit 3"

# ---- usage -------------------------------------------------------------------
run sslm-chainbuild -p everything leaf.pem
expect_rc 2 "-p with an unknown part: exit 2"
run sslm-chainbuild -o out3 leaf.pem
expect_rc 2 "-o without a key: exit 2"
run sslm-chainbuild -p bundle leaf.pem
expect_rc 2 "-p bundle without a key: exit 2"
run sslm-chainbuild -k leaf.key -o out3 -p cert leaf.pem
expect_rc 2 "-o with -p: exit 2"
run_in leaf.pem sslm-chainbuild -k - -p cert -
expect_rc 2 "key and certificates both on stdin: exit 2"
run sslm-chainbuild --bogus
expect_rc 2 "unknown option: exit 2"
run sslm-chainbuild -V
expect_rc 0 "-V: exit 0"
check "-V: prints the version" grep -q '^sslm-chainbuild [0-9]' "$T_OUT"
expect_nothing out3 "usage errors: nothing written"
# A private key is never printed on a terminal (script(1) gives one).
if command -v script >/dev/null 2>&1; then
	script -qec "sslm-chainbuild -k leaf.key -p bundle leaf.pem" \
	    /dev/null >tty.out 2>&1
	T_RC=$?
	expect_rc 2 "-p bundle on a terminal: exit 2"
	check "-p bundle on a terminal: no key shown" \
	    [ "$(grep -c PRIVATE tty.out)" -eq 0 ]
	check "-p bundle on a terminal: says why" \
	    grep -q 'will not print a private key on a terminal' tty.out
else
	notok "-p bundle on a terminal: script(1) is missing"
fi
