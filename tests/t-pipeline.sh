#!/bin/sh
# The filters chained by pipes, as an operator would: a private CA and a
# server certificate made without a single intermediate file except the
# keys, then checked by openssl and by our own verify, info and tlsagen.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP

# Root: key to a file (keys never go to a terminal), CSR and self-signed
# certificate through a pipe.
sslm-keygen -t ec -c secp384r1 -o "$w/root.key"
sslm-csrgen --ca -k "$w/root.key" --cn "Pipe Root" -O Pipes -C NZ |
    sslm-casign --self -K "$w/root.key" -d 3650 >"$w/root.pem"
chk "root: made through a pipe" openssl x509 -in "$w/root.pem" -noout
chk "root: self-signed and a CA (openssl verify)" \
    openssl verify -CAfile "$w/root.pem" "$w/root.pem"

# Leaf: the key is teed to a file while it flows into csrgen.
sslm-keygen -t rsa -b 2048 | tee "$w/leaf.key" |
    sslm-csrgen -k - --cn www.pipe.test -n pipe.test -n 192.0.2.7 -O Pipes -C NZ |
    sslm-casign -K "$w/root.key" -C "$w/root.pem" -d 30 |
    cat - "$w/root.pem" | sslm-chainbuild -k "$w/leaf.key" -p fullchain \
    >"$w/fullchain.pem"
n=$(grep -c 'BEGIN CERTIFICATE' "$w/fullchain.pem")
if [ "$n" -eq 2 ]; then
	ok "leaf: fullchain of two certificates out of the pipe"
else
	notok "leaf: fullchain of two certificates out of the pipe" "$n"
fi
chk "leaf: key is a valid RSA key (openssl pkey -check)" \
    openssl pkey -in "$w/leaf.key" -check -noout
openssl x509 -in "$w/fullchain.pem" >"$w/leaf.pem"
chk "leaf: openssl verify with the root, for the name" \
    openssl verify -CAfile "$w/root.pem" -verify_hostname www.pipe.test "$w/leaf.pem"
chk "leaf: openssl verify for the IP SAN" \
    openssl verify -CAfile "$w/root.pem" -verify_ip 192.0.2.7 "$w/leaf.pem"

# Our own predicates on the same pipe output.
run_in "$w/fullchain.pem" sslm-verify -C "$w/root.pem" -n pipe.test -k "$w/leaf.key" -
expect_rc 0 "verify: the fullchain from stdin is valid for pipe.test with its key"
run_in "$w/fullchain.pem" sslm-verify -C "$w/root.pem" -n other.test -
expect_rc 1 "verify: not valid for another name"
run_in "$w/fullchain.pem" sslm-verify -C "$w/root.pem" -a 2099-01-01 -
expect_rc 1 "verify: not valid after expiry"

# info agrees with openssl on the leaf read from a pipe.
run_in "$w/fullchain.pem" sslm-info --json
expect_rc 0 "info: reads the fullchain from stdin"
serial=$(openssl x509 -in "$w/leaf.pem" -noout -serial | cut -d= -f2 |
    tr 'A-F' 'a-f' | sed 's/^0*//')
fp=$(openssl x509 -in "$w/leaf.pem" -noout -fingerprint -sha256 | cut -d= -f2 |
    tr -d : | tr 'A-F' 'a-f')
expect_jq ".[0].serial == \"$serial\" and .[0].sha256 == \"$fp\"" \
    "info: serial and fingerprint agree with openssl"
expect_jq '.[1].is_ca and (.[0].is_ca | not)' "info: CA flags"

# tlsagen from the pipe agrees with ldns-dane on the same certificate.
sslm-tlsagen -a pipe.test -r 443/tcp/3/1/1 <"$w/fullchain.pem" >"$w/tlsa"
mine=$(grep -v '^;' "$w/tlsa" | head -1 | awk '{print $NF}')
theirs=$(ldns-dane -n -c "$w/leaf.pem" create pipe.test 443 3 1 1 2>/dev/null |
    awk '{print $NF}')
if [ -n "$mine" ] && [ "$mine" = "$theirs" ]; then
	ok "tlsagen: 3 1 1 from a pipe equals ldns-dane"
else
	notok "tlsagen: 3 1 1 from a pipe equals ldns-dane" "$mine" "$theirs"
fi

# A broken pipe in the middle: csrgen gets nothing, casign must fail
# cleanly and nothing must look like a certificate.
: | sslm-csrgen -k - --cn x.test -O X -C NZ >"$w/empty.csr" 2>"$w/err" || true
run_in "$w/empty.csr" sslm-casign -K "$w/root.key" -C "$w/root.pem"
expect_rc 3 "casign: an empty request from a failed pipe is refused"
if [ -s "$T_OUT" ]; then
	notok "casign: nothing on stdout" "$(head -c 100 "$T_OUT")"
else
	ok "casign: nothing on stdout"
fi
