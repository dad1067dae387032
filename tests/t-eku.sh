#!/bin/sh
# The key usages of private-CA certificates (issue 12 item 1): ssl-mgr's
# keyUsage and extendedKeyUsage, not critical, on EC and RSA leaves of a
# local CA and self-signed ones, on the CAs too (spec 6.2-6.4), made by
# sslm-mgr -renew from examples/ca-self; [X509] eku / key_usage narrow
# them; sslm-conf refuses unknown names in one line and warns for an ACME
# service.  Oracles: openssl verify -purpose, openssl x509 -text, GnuTLS
# certtool --verify (for the local CA's chains: certtool takes no CA:FALSE
# certificate as a trust anchor, so not for the self-signed leaves).
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
t=""	# set by ca_self_tree
TMPDIR=$w
export TMPDIR

# leaf FILE KTYPE SIGNER [X509 LINE...]: a service file of example.com.
leaf() {
	_f=$1 _kt=$2 _sg=$3
	shift 3
	_s=$(basename "$_f")
	{
		printf "name = '%s'\ngroup = 'example.com'\nservice = '%s'\n" \
		    "$_s" "$_s"
		printf "signing_ca = '%s'\n\n[KeyOpts]\n    ktype = '%s'\n" \
		    "$_sg" "$_kt"
		printf "\n[X509]\n    CN = '%s.example.com'\n    O = 'Test'\n" \
		    "$_s"
		printf "    C = 'US'\n    email = 'hostmaster@example.com'\n"
		for _l; do printf '    %s\n' "$_l"; done
	} >"$_f"
}

ca_self_tree eku
C=$t/conf.d
leaf "$C/example.com/web-rsa" rsa my-int
leaf "$C/example.com/self-ec" ec self
leaf "$C/example.com/self-rsa" rsa self
leaf "$C/example.com/narrow" ec my-int "eku = ['serverAuth']" \
    "key_usage = ['digitalSignature']"
edit "$C/ssl-mgr.conf" "services = \['web-ec', 'mail-ec'\]" \
    "services = ['web-ec', 'mail-ec', 'web-rsa', 'self-ec', 'self-rsa', 'narrow']"

# ---- sslm-conf: the resolved sets ---------------------------------------------
run sslm-conf -c "$C"
expect_rc 0 "conf: exit 0"
expect_jq '[.groups[] | .services[] | {(.service): [.x509.key_usage, .x509.eku]}] | add |
    (.["my-root"] == .["my-int"]) and
    .["my-int"][0] == ["digitalSignature", "keyAgreement", "keyCertSign", "cRLSign"] and
    .["web-ec"][0] == ["digitalSignature", "keyAgreement"] and
    .["web-rsa"][0] == ["digitalSignature", "keyEncipherment"] and
    ([.["my-int"], .["web-ec"], .["web-rsa"], .["self-ec"]] | map(.[1]) | unique) ==
	[["serverAuth", "clientAuth", "emailProtection", "codeSigning", "timeStamping"]] and
    .narrow == [["digitalSignature"], ["serverAuth"]]' \
    "conf: x509.key_usage and x509.eku resolved per group and key type"

# ---- the certificates of one renew ----------------------------------------------
run sh "$SSLM_TOP/examples/ca-self/make-ca" root
expect_rc 0 "make-ca root: exit 0"
run sslm-mgr -renew
expect_rc 0 "renew: exit 0"
run sslm-mgr -roll
expect_rc 0 "roll: exit 0"
S=$t/certs
root=$S/ca/my-root/curr/cert.pem
int=$S/ca/my-int/curr/cert.pem

# verdict WHAT WANT RC OK-REGEX NO-REGEX: a verifier that exited RC with
# its output in $w/v.out was meant to accept (WANT 0) or to refuse, and
# said so in the words of OK-REGEX or NO-REGEX.
verdict() {
	if [ "$2" -eq 0 ] && [ "$3" -eq 0 ] && grep -Eq -- "$4" "$w/v.out"
	then
		ok "$1 verifies"
	elif [ "$2" -ne 0 ] && [ "$3" -ne 0 ] && grep -Eq -- "$5" "$w/v.out"
	then
		ok "$1 refused"
	else
		notok "$1: exit $3, want $2" "$(tail -5 "$w/v.out")"
	fi
}

# purpose P WANT CERT [ANCHOR]: openssl verify -purpose P of CERT against
# ANCHOR (default: my-root with my-int as the intermediate).
purpose() {
	if [ -n "${4-}" ]; then
		openssl verify -purpose "$1" -CAfile "$4" "$3" >"$w/v.out" 2>&1
	else
		openssl verify -purpose "$1" -CAfile "$root" -untrusted "$int" \
		    "$3" >"$w/v.out" 2>&1
	fi
	verdict "${3#"$S"/}: -purpose $1" "$2" $? ': OK$' \
	    'unsuitable certificate purpose'
}

# gnutls CERT ANCHOR [PURPOSE-OID [WANT]]: certtool --verify of CERT (with
# its chain) against ANCHOR.
gnutls() {
	certtool --verify --load-ca-certificate "$2" --infile "$1" \
	    ${3:+--verify-purpose="$3"} >"$w/v.out" 2>&1
	verdict "${1#"$S"/}: certtool --verify${3:+ $3}" "${4-0}" $? \
	    'Chain verification output: Verified' \
	    'Chain verification output: Not verified.* intended purpose'
}

# usages CERT KU-LINE EKU-LINE: x509 -text shows keyUsage and EKU not
# critical with these values, basicConstraints critical.
usages() {
	openssl x509 -in "$1" -noout -text >"$w/x.txt" 2>&1
	if grep -Eq 'X509v3 Basic Constraints: critical' "$w/x.txt" &&
	    grep -A1 -E 'X509v3 Key Usage: *$' "$w/x.txt" |
	    grep -Eq "^ *$2\$" &&
	    grep -A1 -E 'X509v3 Extended Key Usage: *$' "$w/x.txt" |
	    grep -Eq "^ *$3\$"; then
		ok "${1#"$S"/}: $2; $3; KU and EKU not critical"
	else
		notok "${1#"$S"/}: $2; $3; KU and EKU not critical" \
		    "$(grep -A1 -E 'Usage|Basic' "$w/x.txt")"
	fi
}

five='TLS Web Server Authentication, TLS Web Client Authentication, E-mail Protection, Code Signing, Time Stamping'
usages "$root" 'Digital Signature, Key Agreement, Certificate Sign, CRL Sign' \
    "$five"
usages "$int" 'Digital Signature, Key Agreement, Certificate Sign, CRL Sign' \
    "$five"
for s in web-ec mail-ec self-ec; do
	usages "$S/example.com/$s/curr/cert.pem" \
	    'Digital Signature, Key Agreement' "$five"
done
for s in web-rsa self-rsa; do
	usages "$S/example.com/$s/curr/cert.pem" \
	    'Digital Signature, Key Encipherment' "$five"
done
usages "$S/example.com/narrow/curr/cert.pem" 'Digital Signature' \
    'TLS Web Server Authentication'

# The CAs: cRLSign for both; a leaf is no CRL signer.
purpose crlsign 0 "$root" "$root"
purpose crlsign 0 "$int" "$root"
purpose crlsign 1 "$S/example.com/web-ec/curr/cert.pem"
gnutls "$S/ca/my-int/curr/fullchain.pem" "$root"

# Every leaf of the default set: TLS server and client, S/MIME signing.
for s in web-ec mail-ec web-rsa; do
	for p in sslserver sslclient smimesign; do
		purpose "$p" 0 "$S/example.com/$s/curr/cert.pem"
	done
	gnutls "$S/example.com/$s/curr/fullchain.pem" "$root"
	gnutls "$S/example.com/$s/curr/fullchain.pem" "$root" \
	    1.3.6.1.5.5.7.3.4
done
for s in self-ec self-rsa; do
	c=$S/example.com/$s/curr/cert.pem
	for p in sslserver sslclient smimesign; do
		purpose "$p" 0 "$c" "$c"
	done
done

# The narrowed set: serverAuth only.
c=$S/example.com/narrow/curr/cert.pem
purpose sslserver 0 "$c"
purpose smimesign 1 "$c"
purpose sslclient 1 "$c"
gnutls "$S/example.com/narrow/curr/fullchain.pem" "$root" 1.3.6.1.5.5.7.3.1
gnutls "$S/example.com/narrow/curr/fullchain.pem" "$root" \
    1.3.6.1.5.5.7.3.4 1

# ---- sslm-conf refuses what casign would not grant ----------------------------------
# bad_name FILE REGEX-MESSAGE WHAT: sslm-conf fails in one line at the
# line of the bad name, with the exit code of its other errors.
bad_name() {
	run sslm-conf -c "$C"
	expect_rc 3 "$3: exit 3"
	expect_err_lines 1 "$3: one line"
	expect_err_match "^sslm-conf: $1:$(lineof "$1" "$4"): $2" \
	    "$3: file:line and the message"
}
f=$C/example.com/narrow
edit "$f" "'serverAuth'" "'serverauth'"
bad_name "$f" "X509.eku: \"serverauth\" is not one of serverAuth, clientAuth, emailProtection, codeSigning, timeStamping \(did you mean serverAuth\?\)$" \
    "eku = ['serverauth']" "eku ="
edit "$f" "'serverauth'" "'OCSPSigning'"
bad_name "$f" "X509.eku: \"OCSPSigning\" is not one of serverAuth, .*timeStamping$" \
    "eku = ['OCSPSigning']" "eku ="
edit "$f" "'OCSPSigning'" "'serverAuth'" \
    "'digitalSignature'" "'digitalSignatur', 'keyAgreement'"
bad_name "$f" "X509.key_usage: \"digitalSignatur\" is not one of digitalSignature, keyAgreement \(did you mean digitalSignature\?\)$" \
    "key_usage = ['digitalSignatur']" "key_usage ="
edit "$f" "'digitalSignatur'" "'keyEncipherment'"
bad_name "$f" "X509.key_usage: \"keyEncipherment\" is not one of digitalSignature, keyAgreement$" \
    "key_usage of an ec key: keyEncipherment" "key_usage ="
edit "$f" "key_usage = \[[^]]*\]" "key_usage = []"
bad_name "$f" "X509.key_usage: expected a list of one or more of digitalSignature, keyAgreement$" \
    "key_usage = []" "key_usage ="
edit "$f" "key_usage = \[\]" "key_usage = ['keyCertSign']"
bad_name "$f" "X509.key_usage: \"keyCertSign\" is not one of digitalSignature, keyAgreement$" \
    "key_usage of a leaf: keyCertSign" "key_usage ="
edit "$f" "key_usage = \['keyCertSign'\]" ""
edit "$C/ca/my-int" "O = 'Example Certs'" "O = 'Example Certs'
    key_usage = ['digitalSignature', 'cRLSign']"
bad_name "$C/ca/my-int" "X509.key_usage: a CA needs keyCertSign$" \
    "key_usage of a CA without keyCertSign" "key_usage ="
edit "$C/ca/my-int" "^    key_usage = \[[^]]*\]" ""

# An ACME service: the CA decides; the keys have no effect, with a warning.
cat >>"$C/ca-info.conf" <<'EOF'

[le-http]
    ca_desc = "Let's Encrypt, http-01"
    ca_type = 'certbot'
    ca_validation = 'http-01'
EOF
edit "$f" "^signing_ca = 'my-int'" "signing_ca = 'le-http'"
run sslm-conf -c "$C"
expect_rc 0 "acme service with eku: exit 0"
expect_err_match "^sslm-conf: warning: $f:$(lineof "$f" "eku ="): X509.eku: no effect: an ACME CA chooses the usages of its certificates$" \
    "acme service with eku: a warning at its line"
expect_err_lines 1 "acme service with eku: one warning"
