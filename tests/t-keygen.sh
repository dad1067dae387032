#!/bin/sh
# sslm-keygen: every key type and size class checked by openssl pkey,
# curves, the service object, O_EXCL 0600 files, the terminal refusal and
# usage errors.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP

# pkey_ok FILE WHAT: openssl accepts the key as a consistent private key.
pkey_ok() {
	if openssl pkey -in "$1" -check -noout 2>&1 | grep -q '^Key is valid$'
	then
		ok "$2: openssl pkey -check"
	else
		notok "$2: openssl pkey -check" \
		    "$(openssl pkey -in "$1" -check -noout 2>&1 | head -3)"
	fi
}

# text_has FILE REGEX WHAT: openssl pkey -text shows REGEX.
text_has() {
	if openssl pkey -in "$1" -noout -text 2>/dev/null | grep -Eq -- "$2"
	then
		ok "$3"
	else
		notok "$3" "pkey -text does not match /$2/"
	fi
}

# pkcs8 FILE WHAT: unencrypted PKCS#8 PEM and nothing else.
pkcs8() {
	if [ "$(head -1 "$1")" = "-----BEGIN PRIVATE KEY-----" ] &&
	    [ "$(tail -1 "$1")" = "-----END PRIVATE KEY-----" ] &&
	    [ "$(grep -c -- '-----' "$1")" -eq 2 ]; then
		ok "$2: PKCS#8 PEM"
	else
		notok "$2: PKCS#8 PEM" "$(head -1 "$1")"
	fi
}

# ---- key types -------------------------------------------------------------
run sslm-keygen
expect_rc 0 "default key: exit 0"
expect_err_lines 0 "default key: quiet"
cp "$T_OUT" "$w/def.pem"
pkey_ok "$w/def.pem" "default key"
pkcs8 "$w/def.pem" "default key"
text_has "$w/def.pem" "NIST CURVE: P-384" "default key is EC P-384"

for c in secp256r1:P-256 prime256v1:P-256 P-256:P-256 secp384r1:P-384 \
    P-384:P-384 secp521r1:P-521 P-521:P-521; do
	name=${c%%:*} nist=${c#*:}
	run sslm-keygen -t ec -c "$name"
	expect_rc 0 "ec $name: exit 0"
	cp "$T_OUT" "$w/ec-$name.pem"
	pkey_ok "$w/ec-$name.pem" "ec $name"
	text_has "$w/ec-$name.pem" "NIST CURVE: $nist$" "ec $name is $nist"
done
pkcs8 "$w/ec-P-521.pem" "ec P-521"

for b in 2048 3072; do
	run sslm-keygen --ktype rsa --rsa-bits "$b"
	expect_rc 0 "rsa $b: exit 0"
	cp "$T_OUT" "$w/rsa-$b.pem"
	pkey_ok "$w/rsa-$b.pem" "rsa $b"
	pkcs8 "$w/rsa-$b.pem" "rsa $b"
	text_has "$w/rsa-$b.pem" "^Private-Key: \\($b bit" "rsa $b: size"
	text_has "$w/rsa-$b.pem" "^publicExponent: 65537" "rsa $b: e = 65537"
done

run sslm-keygen -t ed25519
expect_rc 0 "ed25519: exit 0"
cp "$T_OUT" "$w/ed.pem"
pkey_ok "$w/ed.pem" "ed25519"
pkcs8 "$w/ed.pem" "ed25519"
text_has "$w/ed.pem" "^ED25519 Private-Key" "ed25519: type"

# Two keys are different keys.
if [ "$(openssl pkey -in "$w/ec-P-256.pem" -pubout)" != \
    "$(openssl pkey -in "$w/ec-secp256r1.pem" -pubout)" ]; then
	ok "two runs give two keys"
else
	notok "two runs give two keys"
fi

# ---- from a service object ---------------------------------------------------
conf=$SSLM_TOP/examples/ca-self/conf.d
sslm-conf -c "$conf" >"$w/conf.json" 2>/dev/null
jq '.groups[1].services[0] | .key = {"ktype": "ec", "ec_algo": "secp521r1",
    "rsa_bits": 4096}' "$w/conf.json" >"$w/svc-ec.json"
jq '.groups[1].services[0] | .key = {"ktype": "rsa", "ec_algo": "secp384r1",
    "rsa_bits": 2048}' "$w/conf.json" >"$w/svc-rsa.json"
run sslm-keygen -s "$w/svc-ec.json"
expect_rc 0 "service ec: exit 0"
cp "$T_OUT" "$w/svc-ec.pem"
text_has "$w/svc-ec.pem" "NIST CURVE: P-521" "service ec: curve from key.ec_algo"
run sslm-keygen --service "$w/svc-ec.json" -c P-256
cp "$T_OUT" "$w/svc-ec2.pem"
text_has "$w/svc-ec2.pem" "NIST CURVE: P-256" "service ec: -c overrides"
run sslm-keygen -s "$w/svc-rsa.json"
cp "$T_OUT" "$w/svc-rsa.pem"
text_has "$w/svc-rsa.pem" "^Private-Key: \\(2048 bit" \
    "service rsa: type and bits from key"
# The real example service (ec secp384r1), through stdin.
jq '.groups[0].services[0]' "$w/conf.json" >"$w/root.json"
run_in "$w/root.json" sslm-keygen -s -
cp "$T_OUT" "$w/root.pem"
text_has "$w/root.pem" "NIST CURVE: P-384" "service from stdin"

printf '[1, 2]\n' >"$w/notobj.json"
run sslm-keygen -s "$w/notobj.json"
expect_rc 3 "service not an object: exit 3"
expect_err_match "^sslm-keygen: .*notobj.json: not a service object" \
    "service not an object: message"
printf '{"key": {"ktype": 7}}\n' >"$w/badtype.json"
run sslm-keygen -s "$w/badtype.json"
expect_rc 3 "service key.ktype not a string: exit 3"
expect_err_match "key.ktype: not a string" "service bad type: message"
printf '{"key": {"ktype": "dsa"}}\n' >"$w/dsa.json"
run sslm-keygen -s "$w/dsa.json"
expect_rc 3 "service key.ktype dsa: exit 3"
expect_err_match "^sslm-keygen: dsa: unsupported key type" \
    "service dsa: message"
printf '{"key": {"ktype": "ec", "ec_algo": "brainpoolP256r1"}}\n' \
    >"$w/bp.json"
run sslm-keygen -s "$w/bp.json"
expect_rc 3 "service unknown curve: exit 3"
expect_err_match "brainpoolP256r1: unsupported curve" \
    "service unknown curve: message"
printf '{"key": {"ktype": "rsa", "rsa_bits": 1024}}\n' >"$w/small.json"
run sslm-keygen -s "$w/small.json"
expect_rc 3 "service rsa 1024: exit 3"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$w/huge.json"
run sslm-keygen -s "$w/huge.json"
expect_rc 3 "service over 1 MiB: exit 3"
expect_err_match "larger than" "service over 1 MiB: message"
printf '{"key": ' >"$w/trunc.json"
run sslm-keygen -s "$w/trunc.json"
expect_rc 3 "service truncated JSON: exit 3"

# ---- files: O_EXCL, 0600, nothing left on failure ---------------------------
run sslm-keygen -t ec -c P-256 -o "$w/new.key"
expect_rc 0 "-o: exit 0"
if [ ! -s "$T_OUT" ]; then ok "-o: nothing on stdout"
else notok "-o: nothing on stdout"; fi
mode=$(stat -c %a "$w/new.key")
if [ "$mode" = 600 ]; then ok "-o: file mode 0600"
else notok "-o: file mode 0600" "mode $mode"; fi
pkey_ok "$w/new.key" "-o file"
cp "$w/new.key" "$w/new.copy"
(umask 022 && sslm-keygen -o "$w/umask.key" 2>/dev/null)
mode=$(stat -c %a "$w/umask.key")
if [ "$mode" = 600 ]; then ok "-o: 0600 under umask 022"
else notok "-o: 0600 under umask 022" "mode $mode"; fi

run sslm-keygen --output "$w/new.key"
expect_rc 3 "-o existing file: exit 3"
expect_err_match "^sslm-keygen: .*new.key: File exists" \
    "-o existing file: message"
if cmp -s "$w/new.key" "$w/new.copy"; then ok "-o: existing key untouched"
else notok "-o: existing key untouched"; fi
ln -s "$w/elsewhere.key" "$w/link.key"
run sslm-keygen -o "$w/link.key"
expect_rc 3 "-o dangling symlink: exit 3"
if [ ! -e "$w/elsewhere.key" ]; then ok "-o: symlink not followed"
else notok "-o: symlink not followed"; fi
run sslm-keygen -o "$w/nodir/x.key"
expect_rc 3 "-o in a missing directory: exit 3"
run sslm-keygen -t rsa -s "$w/small.json" -o "$w/fail.key"
if [ ! -e "$w/fail.key" ]; then ok "failed run leaves no file"
else notok "failed run leaves no file"; fi
if [ -w /dev/full ]; then
	sslm-keygen >/dev/full 2>"$w/full.err"
	rc=$?
	if [ "$rc" -eq 3 ] && grep -q '^sslm-keygen: stdout: ' "$w/full.err"
	then
		ok "stdout write error (/dev/full): exit 3"
	else
		notok "stdout write error (/dev/full): exit 3" "exit $rc" \
		    "$(cat "$w/full.err")"
	fi
fi

# ---- terminal refusal ---------------------------------------------------------
if command -v script >/dev/null 2>&1; then
	script -qec "sslm-keygen -t ec; echo \"rc=\$?\"" /dev/null \
	    >"$w/tty.out" 2>&1 </dev/null
	if grep -q 'rc=3' "$w/tty.out" &&
	    grep -q 'refusing to write a private key to a terminal' \
	    "$w/tty.out" && ! grep -q 'PRIVATE KEY' "$w/tty.out"; then
		ok "terminal on stdout: refused, exit 3, no key shown"
	else
		notok "terminal on stdout: refused, exit 3, no key shown" \
		    "$(head -c 300 "$w/tty.out")"
	fi
	script -qec "sslm-keygen -t ec -o '$w/tty.key'; echo \"rc=\$?\"" \
	    /dev/null >"$w/tty2.out" 2>&1 </dev/null
	if grep -q 'rc=0' "$w/tty2.out" && [ -s "$w/tty.key" ]; then
		ok "terminal with -o: allowed"
	else
		notok "terminal with -o: allowed" "$(head -c 300 "$w/tty2.out")"
	fi
else
	skip "terminal refusal: no script(1) to make a pty"
fi

# ---- usage -------------------------------------------------------------------
for args in "-t dsa" "-c secp224r1" "-b 1024" "-b 9000" "-b x" "-x" \
    "extra" "-o"; do
	# shellcheck disable=SC2086
	run sslm-keygen $args
	expect_rc 2 "usage: $args: exit 2"
done
run sslm-keygen -b 1024
expect_err_match "^sslm-keygen: -b 1024: not a number in 2048..8192" \
    "usage: -b 1024: message"
run sslm-keygen -V
expect_rc 0 "-V: exit 0"
if grep -Eq '^sslm-keygen [0-9]+\.[0-9]+\.[0-9]+$' "$T_OUT"; then
	ok "-V: version line"
else
	notok "-V: version line" "$(cat "$T_OUT")"
fi
# -h and --help: tests/t-build.sh checks them for every program.
