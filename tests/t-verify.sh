#!/bin/sh
# sslm-verify: each verdict (and its reason line) against `openssl verify`
# with the same anchors, intermediates, time, purpose and name.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
cd "$w" || exit 1

# ---- a PKI made with the openssl CLI -----------------------------------------
cat >ext.cnf <<'EOF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyCertSign
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:www.example.com, DNS:*.example.net, IP:192.0.2.10, IP:2001:db8::1
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:client.example.com
EOF

serial=200
# mkcert NAME CN ISSUER SECTION DAYS: NAME.pem and a new key NAME.key;
# ISSUER "self" makes a self-signed CA
mkcert() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1.key" 2>/dev/null || return 1
	if [ "$3" = self ]; then
		openssl req -x509 -new -key "$1.key" -subj "/CN=$2" \
		    -days "$5" -addext "basicConstraints=critical,CA:TRUE" \
		    -addext "keyUsage=critical,keyCertSign,cRLSign" \
		    -out "$1.pem" 2>/dev/null
		return
	fi
	serial=$((serial + 1))
	openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr" &&
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
	    -set_serial "$serial" -days "$5" -extfile ext.cnf \
	    -extensions "$4" -out "$1.pem" 2>/dev/null
}
# agree WHAT ARGS...: `openssl verify ARGS` gives the last run's verdict
# (0 = valid, anything else = not valid).
agree() {
	_w=$1 _mine=$T_RC
	shift
	openssl verify "$@" >"$w/oracle.out" 2>&1
	_theirs=$?
	if { [ "$_mine" -eq 0 ] && [ "$_theirs" -eq 0 ]; } ||
	    { [ "$_mine" -eq 1 ] && [ "$_theirs" -ne 0 ]; }; then
		ok "$_w: openssl verify agrees"
	else
		notok "$_w: openssl verify agrees" "ours $_mine, theirs" \
		    "$_theirs: $(head -c 300 "$w/oracle.out")"
	fi
}
# reason RE WHAT: exit 1 with exactly one line on stderr matching RE
reason() {
	expect_rc 1 "$2: exit 1"
	expect_err_lines 1 "$2: one reason line"
	expect_err_match "$1" "$2: the reason"
}

mkcert root1 "Test Root 1" self - 3650
mkcert root2 "Test Root 2" self - 3650
mkcert int "Test Int" root1 ca 730
mkcert leaf "www.example.com" int server 90
mkcert client "client.example.com" int client 90
# A leaf used as an issuer (CA:FALSE), and what it signed.
mkcert bad "bad.example.com" leaf server 90
# A forged intermediate: its signature's last byte flipped.
openssl x509 -in int.pem -outform DER -out int.der
python3 - int.der <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-1] ^= 0x01
open(sys.argv[1], "wb").write(b)
EOF
openssl x509 -inform DER -in int.der -out forged.pem
cat leaf.pem int.pem >full.pem
cat leaf.pem int.pem root1.pem >full-root.pem
for f in root1 root2 int leaf client bad forged; do
	check "setup: $f.pem" test -s "$f.pem"
done
# Times past the leaf's notAfter and before everyone's notBefore.
late=$(date -u -d '+200 days' +%Y-%m-%dT%H:%M:%SZ)
late_epoch=$(date -u -d '+200 days' +%s)
early_epoch=$(date -u -d '2000-01-01' +%s)
ok_args="-purpose sslserver -CAfile root1.pem -untrusted int.pem"

# ---- valid ------------------------------------------------------------------
run sslm-verify -C root1.pem -c int.pem leaf.pem
expect_rc 0 "valid: exit 0"
expect_err_lines 0 "valid: stderr empty"
check "valid: says so on stdout" grep -qx 'leaf.pem: valid' "$T_OUT"
# shellcheck disable=SC2086
agree "valid" $ok_args leaf.pem
run sslm-verify -C root1.pem full.pem
expect_rc 0 "leaf + intermediate in one file: exit 0"
run_in full.pem sslm-verify -C root1.pem
expect_rc 0 "from stdin: exit 0"
cat full.pem root2.pem | sslm-verify --ca-file root1.pem - >"$T_OUT" 2>"$T_ERR"
T_RC=$?
expect_rc 0 "from a pipe, \"-\", with a stray certificate: exit 0"
run sslm-verify -C root1.pem -c root2.pem --chain int.pem leaf.pem
expect_rc 0 "-c twice: exit 0"
run sslm-verify -C root1.pem --chain int.pem --at "$late" -p any root1.pem
expect_rc 0 "the root itself, trusted: exit 0"

# ---- time --------------------------------------------------------------------
run sslm-verify -C root1.pem -c int.pem --at "$late" leaf.pem
reason "^sslm-verify: leaf.pem: depth 0 CN=www.example.com: certificate has expired$" \
    "expired (--at after notAfter)"
# shellcheck disable=SC2086
agree "expired" $ok_args -attime "$late_epoch" leaf.pem
run sslm-verify -C root1.pem -c int.pem -a "@$early_epoch" leaf.pem
reason "^sslm-verify: leaf.pem: depth [0-2] CN=[^:]*: certificate is not yet valid$" \
    "not yet valid (--at before notBefore)"
# shellcheck disable=SC2086
agree "not yet valid" $ok_args -attime "$early_epoch" leaf.pem
run sslm-verify -C root1.pem -c int.pem -a "@$((late_epoch - 150 * 86400))" \
    leaf.pem
expect_rc 0 "--at inside the validity: exit 0"

# ---- names --------------------------------------------------------------------
for n in www.example.com foo.example.net 192.0.2.10 2001:db8::1 \
    2001:DB8:0:0:0:0:0:1; do
	run sslm-verify -C root1.pem -c int.pem -n "$n" leaf.pem
	expect_rc 0 "name $n: exit 0"
	case $n in
	*:* | [0-9]*) o="-verify_ip $n" ;;
	*) o="-verify_hostname $n" ;;
	esac
	# shellcheck disable=SC2086
	agree "name $n" $ok_args $o leaf.pem
done
for n in mail.example.com a.b.example.net example.net WWW.EXAMPLE.COM.evil; do
	run sslm-verify -C root1.pem -c int.pem --name "$n" leaf.pem
	reason "^sslm-verify: leaf.pem: depth 0 CN=www.example.com: hostname mismatch$" \
	    "wrong name $n"
	# shellcheck disable=SC2086
	agree "wrong name $n" $ok_args -verify_hostname "$n" leaf.pem
done
run sslm-verify -C root1.pem -c int.pem -n WWW.Example.COM leaf.pem
expect_rc 0 "names are case-insensitive: exit 0"
run sslm-verify -C root1.pem -c int.pem -n 192.0.2.11 leaf.pem
reason "depth 0 CN=www.example.com: IP address mismatch$" "wrong IP"
# shellcheck disable=SC2086
agree "wrong IP" $ok_args -verify_ip 192.0.2.11 leaf.pem

# ---- trust, issuers, signatures ---------------------------------------------------
run sslm-verify -C root2.pem -c int.pem leaf.pem
reason "^sslm-verify: leaf.pem: depth 1 CN=Test Int: unable to get local issuer certificate$" \
    "unknown root (-C another root)"
agree "unknown root" -purpose sslserver -CAfile root2.pem -untrusted int.pem \
    leaf.pem
run sslm-verify -c int.pem leaf.pem
reason "unable to get local issuer certificate \\(a private root: trust it with -C FILE; an intermediate: give it with -c FILE\\)$" \
    "not in the system store: says how to trust it"
agree "system store" -purpose sslserver -untrusted int.pem leaf.pem
run sslm-verify -C root1.pem leaf.pem
reason "depth 0 CN=www.example.com: unable to get local issuer certificate$" \
    "missing intermediate"
agree "missing intermediate" -purpose sslserver -CAfile root1.pem leaf.pem
cat leaf.pem int.pem >nonca-chain.pem
run sslm-verify -C root1.pem -c nonca-chain.pem bad.pem
reason "^sslm-verify: bad.pem: depth 1 CN=www.example.com: invalid CA certificate$" \
    "non-CA issuer (a leaf used as issuer)"
agree "non-CA issuer" -purpose sslserver -CAfile root1.pem \
    -untrusted nonca-chain.pem bad.pem
run sslm-verify -C root1.pem -c forged.pem leaf.pem
reason "^sslm-verify: leaf.pem: depth 1 CN=Test Int: certificate signature failure$" \
    "forged intermediate"
agree "forged intermediate" -purpose sslserver -CAfile root1.pem \
    -untrusted forged.pem leaf.pem

# ---- purpose --------------------------------------------------------------------
run sslm-verify -C root1.pem -c int.pem client.pem
reason "depth 0 CN=client.example.com: unsuitable certificate purpose$" \
    "client certificate as a server"
agree "client certificate as a server" -purpose sslserver -CAfile root1.pem \
    -untrusted int.pem client.pem
run sslm-verify -C root1.pem -c int.pem -p sslclient client.pem
expect_rc 0 "-p sslclient: exit 0"
agree "-p sslclient" -purpose sslclient -CAfile root1.pem -untrusted int.pem \
    client.pem
run sslm-verify -C root1.pem -c int.pem --purpose any client.pem
expect_rc 0 "-p any: exit 0"
run sslm-verify -C root1.pem -c int.pem -p sslclient leaf.pem
reason "unsuitable certificate purpose$" "server certificate as a client"
agree "server as client" -purpose sslclient -CAfile root1.pem \
    -untrusted int.pem leaf.pem

# ---- key -------------------------------------------------------------------------
run sslm-verify -C root1.pem -c int.pem -k leaf.key leaf.pem
expect_rc 0 "the leaf's key: exit 0"
run sslm-verify -C root1.pem -c int.pem -k int.key leaf.pem
reason "^sslm-verify: leaf.pem: depth 0 CN=www.example.com: key does not match the certificate$" \
    "another key"
run_in leaf.key sslm-verify -C root1.pem -c int.pem -k - leaf.pem
expect_rc 0 "key from stdin: exit 0"

# ---- JSON ------------------------------------------------------------------------
run sslm-verify -j -C root1.pem -c int.pem -n www.example.com -k leaf.key \
    leaf.pem
expect_rc 0 "json, valid: exit 0"
expect_jq '.valid == true and .error == null and .depth == null and
    .name == "www.example.com" and .key_matches == true' \
    "json, valid: verdict fields"
expect_jq '[.chain[].subject] == ["CN=www.example.com", "CN=Test Int",
    "CN=Test Root 1"] and [.chain[].issuer] == ["CN=Test Int",
    "CN=Test Root 1", "CN=Test Root 1"]' "json, valid: the path to the anchor"
na=$(openssl x509 -in leaf.pem -noout -enddate -dateopt iso_8601 |
    sed 's/^notAfter=//; s/ /T/')
expect_jq ".chain[0].not_after == \"$na\"" "json: not_after as openssl says"
run sslm-verify --json -C root1.pem -c int.pem --at "$late" -k int.key leaf.pem
expect_rc 1 "json, expired: exit 1"
expect_jq '.valid == false and .error == "certificate has expired" and
    .depth == 0 and .name == null and .key_matches == false' \
    "json, expired: verdict fields"
expect_err_lines 1 "json, expired: the reason line on stderr too"
run sslm-verify -j -C root1.pem -c int.pem -k int.key leaf.pem
expect_jq '.valid == false and .depth == 0 and
    .error == "key does not match the certificate"' "json, key mismatch"

# ---- the store's directory form ------------------------------------------------------
mkdir -p store/db
cp leaf.pem store/db/cert.pem
cat int.pem root1.pem >store/db/chain.pem
cp leaf.key store/db/privkey.pem
run sslm-verify -C root1.pem store/db
expect_rc 0 "directory form: exit 0"
check "directory form: names cert.pem" grep -qx 'store/db/cert.pem: valid' \
    "$T_OUT"
agree "directory form" -purpose sslserver -CAfile root1.pem \
    -untrusted store/db/chain.pem store/db/cert.pem
run sslm-verify -C root1.pem store/db/privkey.pem
expect_rc 0 "a file inside the directory: exit 0"
run sslm-verify -C root1.pem --at "$late" store/db/
reason "^sslm-verify: store/db/cert.pem: depth 0 CN=www.example.com: certificate has expired$" \
    "directory form, expired"
(cd store/db && sslm-verify -C ../../root1.pem cert.pem) >"$T_OUT" 2>"$T_ERR"
T_RC=$?
check "cert.pem in the current directory: named cert.pem" \
    grep -qx 'cert.pem: valid' "$T_OUT"
cp forged.pem store/db/chain.pem
run sslm-verify -C root1.pem store/db
reason "depth 1 CN=Test Int: certificate signature failure$" \
    "directory form, forged chain.pem"
mkdir store/empty
run sslm-verify -C root1.pem store/empty
expect_rc 3 "directory without cert.pem: exit 3"
expect_err_match "store/empty: no cert.pem and chain.pem there" \
    "directory without cert.pem: says so"
mkdir store/self
cp root1.pem store/self/cert.pem
cp root1.pem store/self/chain.pem
run sslm-verify -C root1.pem -p any store/self
expect_rc 0 "self-signed service directory (cert = chain): exit 0"

# ---- bad input ------------------------------------------------------------------------
head -c 300 leaf.pem >trunc.pem
run sslm-verify -C root1.pem trunc.pem
expect_rc 3 "truncated certificate: exit 3"
expect_err_match "trunc.pem:1: CERTIFICATE block has no END line" \
    "truncated certificate: says so"
{ echo "-----BEGIN CERTIFICATE-----"; echo "bm90IGEgY2VydGlmaWNhdGU="
  echo "-----END CERTIFICATE-----"; } >bad-pem.pem
run sslm-verify -C root1.pem bad-pem.pem
expect_rc 3 "malformed certificate: exit 3"
expect_err_match "^sslm-verify: bad-pem.pem:1: bad certificate" \
    "malformed certificate: named"
run sslm-verify -C bad-pem.pem leaf.pem
expect_rc 3 "malformed trust file: exit 3"
: >empty.pem
run sslm-verify -C root1.pem empty.pem
expect_rc 3 "no certificate: exit 3"
expect_err_match "empty.pem: no certificate" "no certificate: says so"
run sslm-verify -C empty.pem leaf.pem
expect_rc 3 "empty trust file: exit 3"
python3 -c 'import sys; sys.stdout.write("#" * (1024 * 1024 + 1))' >big.pem
cat leaf.pem >>big.pem
run sslm-verify -C root1.pem big.pem
expect_rc 3 "oversized input: exit 3"
expect_err_match "big.pem: larger than 1048576 bytes" "oversized input: says so"
run sslm-verify -C root1.pem -c big.pem leaf.pem
expect_rc 3 "oversized chain: exit 3"
run sslm-verify -C root1.pem no-such-file.pem
expect_rc 3 "missing file: exit 3"
run sslm-verify -C root1.pem -k trunc.pem leaf.pem
expect_rc 3 "key file without a key: exit 3"

# ---- usage -----------------------------------------------------------------------------
run sslm-verify -p webserver leaf.pem
expect_rc 2 "unknown purpose: exit 2"
run sslm-verify -n 'bad name!' leaf.pem
expect_rc 2 "bad host name: exit 2"
run sslm-verify --at yesterday leaf.pem
expect_rc 2 "bad time: exit 2"
run sslm-verify leaf.pem int.pem
expect_rc 2 "two operands: exit 2"
run_in leaf.key sslm-verify -k - -C root1.pem
expect_rc 2 "key and certificate both on stdin: exit 2"
run sslm-verify --bogus
expect_rc 2 "unknown option: exit 2"
run sslm-verify -V
check "-V: prints the version" grep -q '^sslm-verify [0-9]' "$T_OUT"

# ---- a store of the ca-self example: its own root, or how to trust one ------
# A service signed by the store's local CA verifies against the store's
# root (certs/ca/<root>/curr/cert.pem, found by walking up) without -C;
# out of the store, the one line says how to trust the private root.
t=""	# set by ca_self_tree
ca_self_tree store
(cd "$t" && sh "$SSLM_TOP/examples/ca-self/make-ca" root &&
    sslm-mgr -renew && sslm-mgr -roll) >store.log 2>&1 ||
    notok "ca-self store built" "$(tail -5 store.log)"
c=$t/certs
sroot=$c/ca/my-root/curr/cert.pem
svc=$c/example.com/web-ec/curr
check "ca-self store: the root and the service exist" \
    test -s "$sroot" -a -s "$svc/cert.pem" -a -s "$svc/chain.pem"
run sslm-verify -n www.example.com "$svc"
expect_rc 0 "store dir: valid without -C (the store's own root)"
same "store dir: says valid" "$(cat "$T_OUT")" "$svc/cert.pem: valid"
expect_err_lines 0 "store dir: nothing on stderr"
agree "store dir" -CAfile "$sroot" -untrusted "$svc/chain.pem" \
    -verify_hostname www.example.com "$svc/cert.pem"
run sslm-verify "$svc/cert.pem"
expect_rc 0 "a file of the store dir: the same"
run sslm-verify -n www.example.com "$svc/"
expect_rc 0 "store dir with a trailing slash: the same"
# chain.pem without the root: the root comes from the store, by issuer.
mkdir "$c/example.com/web-ec/noroot"
cp "$svc/cert.pem" "$c/example.com/web-ec/noroot/"
cp "$c/ca/my-int/curr/cert.pem" "$c/example.com/web-ec/noroot/chain.pem"
run sslm-verify "$c/example.com/web-ec/noroot"
expect_rc 0 "store dir, chain without the root: the store's root is used"
agree "chain without the root" -CAfile "$sroot" \
    -untrusted "$c/ca/my-int/curr/cert.pem" "$svc/cert.pem"

# The same files out of the store: the private root is unknown.
mkdir away away-noroot
cp "$svc/cert.pem" "$svc/chain.pem" away/
cp "$c/example.com/web-ec/noroot/cert.pem" \
    "$c/example.com/web-ec/noroot/chain.pem" away-noroot/
run sslm-verify away
reason '^sslm-verify: away/cert.pem: depth 2 .*CN=.*: self.signed certificate in certificate chain \(a private root: trust it with -C FILE\)$' \
    "out of the store, root in chain.pem"
agree "out of the store" -untrusted away/chain.pem away/cert.pem
run sslm-verify away-noroot
reason 'unable to get local issuer certificate \(a private root: trust it with -C FILE; an intermediate: give it with -c FILE\)$' \
    "out of the store, no root"
run sslm-verify -C "$sroot" away
expect_rc 0 "out of the store, -C root: valid"
# -C is the only anchor when given: no store root, and no -C hint.
run sslm-verify -C root1.pem "$svc"
reason 'depth 2 .*: self.signed certificate in certificate chain$' \
    "store dir with another -C root"
agree "store dir with another -C root" -CAfile root1.pem \
    -untrusted "$svc/chain.pem" "$svc/cert.pem"
# The store's root is the file under certs/ca, not the root of chain.pem:
# a store whose my-root is another certificate does not verify.
cp -R "$t" forged
rm -f "$(cd forged/certs/ca/my-root/curr && pwd -P)/cert.pem"
cp root2.pem "$(cd forged/certs/ca/my-root/curr && pwd -P)/cert.pem"
run sslm-verify forged/certs/example.com/web-ec/curr
reason 'self.signed certificate in certificate chain \(a private root' \
    "a store whose root is another certificate"
# An intermediate under certs/ca is no trust anchor.
cp -R "$t" introot
cp "$c/ca/my-int/curr/cert.pem" "$(cd introot/certs/ca/my-root/curr &&
    pwd -P)/cert.pem"
run sslm-verify introot/certs/example.com/web-ec/noroot
reason 'unable to get local issuer certificate' \
    "an intermediate under certs/ca is not trusted as a root"

# The production copy (real directories under prod-certs) is in the same
# tree: its ca group gives the roots; the CAs' own directories verify.
psvc=$t/prod-certs/example.com/web-ec/curr
check "ca-self store: a production copy of the service exists" \
    test -s "$psvc/cert.pem" -a ! -L "$t/prod-certs/example.com/web-ec/curr"
run sslm-verify -n www.example.com "$psvc"
expect_rc 0 "production copy: valid without -C"
same "production copy: says valid" "$(cat "$T_OUT")" "$psvc/cert.pem: valid"
for ca in my-root my-int; do
	run sslm-verify "$c/ca/$ca/curr"
	expect_rc 0 "the CA $ca's own directory: valid without -C"
	agree "the CA $ca" -CAfile "$sroot" -untrusted "$c/ca/$ca/curr/chain.pem" \
	    "$c/ca/$ca/curr/cert.pem"
done

# ---- -t: ssl-mgr's text, the facts of each certificate from openssl ----------
# want_text VERDICT REASON CERT CHAIN...: what -t -a @$at must print.
at=$(($(date +%s) + 86400))
want_text() {
	python3 "$SSLM_TOP/tests/verify_text_oracle.py" "$at" "$@" >"$w/want.txt"
}
# text_is WHAT: stdout of the last run is $w/want.txt.
text_is() {
	if [ -s "$w/want.txt" ] && cmp -s "$T_OUT" "$w/want.txt"; then
		ok "$1"
	else
		notok "$1" "$(diff "$w/want.txt" "$T_OUT" | head -20)"
	fi
}
run sslm-verify -t -a "@$at" "$svc"
expect_rc 0 "-t, store dir: exit 0"
expect_err_lines 0 "-t, store dir: nothing on stderr"
want_text Verified "" "$svc/cert.pem" "$svc/chain.pem"
text_is "-t, store dir: ssl-mgr's form, the fields as openssl says"
check "-t, store dir: ** Verified ** for grep" \
    grep -qx '	Certificate \*\* Verified \*\*' "$T_OUT"
same "-t, store dir: a block per certificate of chain.pem" \
    "$(sed -n '/^Chain Info:$/,$p' "$T_OUT" | grep -c '^Subject  : ')" \
    "$(grep -c 'BEGIN CERTIFICATE' "$svc/chain.pem")"
run sslm-verify --text "$svc/fullchain.pem"
expect_rc 0 "--text, a file of the store dir: exit 0"
check "--text, a file of the store dir: Verified" \
    grep -q '\*\* Verified \*\*' "$T_OUT"

run sslm-verify -t -a "@$at" away
expect_rc 1 "-t, out of the store: exit 1"
expect_err_lines 1 "-t, out of the store: the reason line on stderr"
why=$(sed 's/^sslm-verify: away\/cert.pem: //' "$T_ERR")
want_text Failed "$why" away/cert.pem away/chain.pem
text_is "-t, out of the store: Failed, Cert bad: the reason, the fields"
check "-t, out of the store: the reason says to give -C" \
    grep -q '^Cert bad: depth 2 .*(a private root: trust it with -C FILE)$' \
    "$T_OUT"
check "-t, out of the store: no Verified" test "$(grep -c Verified "$T_OUT")" = 0
run sslm-verify -t -C "$sroot" -a "@$at" away
expect_rc 0 "-t, out of the store with -C: exit 0"
want_text Verified "" away/cert.pem away/chain.pem
text_is "-t, out of the store with -C: Verified"
run sslm-verify -t --at "$late" "$svc"
expect_rc 1 "-t, store dir, expired: exit 1"
check "-t, expired: Failed and the reason" grep -qx \
    'Cert bad: depth 0 .*CN=example.com: certificate has expired' "$T_OUT"

# The file form: the file's certificates, then the -c ones.
run sslm-verify -t -a "@$at" -C root1.pem -c int.pem -c root1.pem full.pem
expect_rc 0 "-t, file form: exit 0"
want_text Verified "" full.pem int.pem root1.pem
text_is "-t, file form: the file's certificates, then the -c files'"
run sslm-verify -t -a "@$at" -C root1.pem -c int.pem -n mail.example.com leaf.pem
expect_rc 1 "-t, file form, wrong name: exit 1"
want_text Failed "depth 0 CN=www.example.com: hostname mismatch" leaf.pem int.pem
text_is "-t, file form, wrong name: Failed and the reason"

run sslm-verify -t -j "$svc"
expect_rc 2 "-t with -j: usage error"
sslm-verify -t "$svc" >/dev/full 2>"$T_ERR"
T_RC=$?
expect_rc 3 "-t on a full disk: exit 3"
