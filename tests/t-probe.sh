#!/bin/sh
# The sourced tests/env files set DNS_DIR, DNS_PORT, DANE_RESOLVER and
# SRV_ROOT; shellcheck cannot follow sources under "$SSLM_TOP".
# shellcheck disable=SC2153,SC2154
# DANE_UNBOUND_EXTRA is read by tests/env/dane.sh.
# shellcheck disable=SC2034
# sslm-probe against real servers on loopback (issue 13): nginx (HTTPS,
# a server block per name and address), Postfix (SMTP STARTTLS on port
# 25 of a 127.0.20.x), Dovecot (IMAP STARTTLS, IMAPS, POP3 STLS), two
# Python peers (a refused STARTTLS, a peer that never answers); the
# signed zone example.test on the NSD primary and the Knot secondary,
# validated by unbound.  Oracles: openssl s_client (-verify_return_error,
# -starttls, -dane_tlsa_domain/-dane_tlsa_rrdata), ldns-dane verify
# through unbound, dig +dnssec for the AD bit, openssl x509 for the
# facts of each certificate.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/dns.sh"
. "$SSLM_TOP/tests/env/dane.sh"
. "$SSLM_TOP/tests/env/servers.sh"

w=$SSLM_TMP
TMPDIR=$w
export TMPDIR
cleanup() {
	srv_stop
	dane_stop
	dns_stop
}
trap cleanup EXIT

# ---- usage errors (no server needed) ------------------------------------------------
run sslm-probe web.example.test
expect_rc 2 "usage: an operand without a port"
expect_err_match '^sslm-probe: web.example.test: not host:port' \
    "usage: the operand is named"
run sslm-probe ::1:443
expect_rc 2 "usage: an IPv6 address without brackets"
run sslm-probe -t 0 web.example.test:443
expect_rc 2 "usage: -t 0"
run sslm-probe --starttls ftp web.example.test:21
expect_rc 2 "usage: --starttls ftp"
expect_err_match 'starttls ftp: not smtp, imap, pop3 or none' \
    "usage: --starttls names the bad value"
run sslm-probe -h
expect_rc 0 "-h: exit 0"

if [ "$(id -u)" -ne 0 ]; then
	skip "sslm-probe servers: unbound needs port 53, Postfix port 25 (root only)"
	exit 0
fi

# ---- certificates: a root, a good and an old key, an expired leaf --------------------
ca=$w/ca
mkdir -p "$ca"
names="web ins ta exp3 expired dual duo imap mail mail512 bad pkix1 peer"
sans=$(for n in $names; do printf 'DNS:%s.example.test,' "$n"; done)
sans=${sans%,}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$ca/root.key" -out "$ca/root.pem" -subj "/CN=probe test root" \
    -days 30 -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>"$w/openssl.err"
printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    "$sans" >"$ca/ext"
# leaf NAME [faketime-date]: NAME.key, NAME.pem signed by the root.
leaf() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$ca/$1.key" -out "$ca/$1.csr" -subj "/CN=$1" \
	    2>>"$w/openssl.err" || return 1
	if [ -n "${2:-}" ]; then
		faketime "$2" openssl x509 -req -in "$ca/$1.csr" -CA "$ca/root.pem" \
		    -CAkey "$ca/root.key" -days 30 -extfile "$ca/ext" \
		    -out "$ca/$1.pem" 2>>"$w/openssl.err"
	else
		openssl x509 -req -in "$ca/$1.csr" -CA "$ca/root.pem" \
		    -CAkey "$ca/root.key" -days 10 -extfile "$ca/ext" \
		    -out "$ca/$1.pem" 2>>"$w/openssl.err"
	fi
}
if leaf good && leaf old && leaf exp "2020-01-01 00:00:00"; then
	ok "certificates: a root, good, old and an expired leaf"
else
	notok "certificates: a root, good, old and an expired leaf" \
	    "$(cat "$w/openssl.err")"
	exit 1
fi
cat "$ca/good.pem" "$ca/root.pem" >"$ca/good-full.pem"
check "the expired leaf expired (openssl x509 -checkend 0 fails)" \
    sh -c "! openssl x509 -in '$ca/exp.pem' -noout -checkend 0 >/dev/null"
hgood=$(dane_spki "$ca/good.pem")
hold=$(dane_spki "$ca/old.pem")
hexp=$(dane_spki "$ca/exp.pem")
hca=$(dane_spki "$ca/root.pem")
hgood512=$(openssl x509 -in "$ca/good.pem" -noout -pubkey |
    openssl pkey -pubin -outform der | openssl dgst -sha512 -r | cut -d' ' -f1)

# ---- the servers ------------------------------------------------------------------------
fail_env() {
	notok "$1" "$(cat "$w/env.err")"
	exit 1
}
srv_root_init || { notok "a server directory below /tmp"; exit 1; }
A25=$(srv_free_addr25) || { notok "a 127.0.20.x with port 25 free"; exit 1; }
PH=$(srv_free_port)
PI=$(srv_free_port)
PIS=$(srv_free_port)
PP=$(srv_free_port)
PX=$(srv_free_port)
PJ=$(srv_free_port)
PS=$(srv_free_port)
PN=$(srv_free_port)
cat >"$w/zone.inc" <<EOF
web	IN A 127.0.0.1
ins	IN A 127.0.0.1
_$PH._tcp.ins	IN TLSA 3 1 1 $hold
ta	IN A 127.0.0.1
exp3	IN A 127.0.0.1
expired	IN A 127.0.0.1
dual	IN A 127.0.0.1
dual	IN AAAA ::1
duo	IN A 127.0.0.1
duo	IN AAAA ::1
nosan	IN A 127.0.0.1
imap	IN A 127.0.0.1
peer	IN A 127.0.0.1
mail	IN A $A25
mail512	IN A $A25
bad	IN A $A25
pkix1	IN A $A25
mx9	IN A $A25
_25._tcp.mx9	IN TLSA 3 1 1 $hgood
_25._tcp.mail	IN TLSA 3 1 1 $hgood
_25._tcp.mail512	IN TLSA 3 1 2 $hgood512
_25._tcp.bad	IN TLSA 3 1 1 $hold
_25._tcp.pkix1	IN TLSA 1 1 1 $hgood
_$PH._tcp.ta	IN TLSA 2 1 1 $hca
_$PH._tcp.exp3	IN TLSA 3 1 1 $hexp
_$PH._tcp.dual	IN TLSA 3 1 1 $hgood
_$PH._tcp.duo	IN TLSA 3 1 1 $hgood
cn	IN A 127.0.0.1
_$PH._tcp.cn	IN CNAME _$PH._tcp.dual
cnmx	IN CNAME mail
cnbad	IN CNAME mail
_25._tcp.cnbad	IN TLSA 3 1 1 $hold
cnmx2	IN CNAME bad
mx.ins	IN A $A25
cnins	IN CNAME mx.ins
_25._tcp.cnins	IN TLSA 3 1 1 $hgood
x.ins	IN CNAME mail
mailnt	IN A $A25
cnown	IN CNAME mailnt
_25._tcp.cnown	IN TLSA 3 1 1 $hgood
EOF
if dns_start "$w/dns" 2>"$w/env.err" && dane_keys 2>>"$w/env.err" &&
    dane_records "$w/zone.inc" && dane_sign_reload 2>>"$w/env.err" &&
    dns_sync 2>>"$w/env.err"; then
	ok "signed example.test on NSD and Knot (port $DNS_PORT)"
else
	fail_env "signed example.test on NSD and Knot"
fi
# ins.example.test: signed, but unbound treats it as insecure (no AD).
DANE_UNBOUND_EXTRA='	domain-insecure: "ins.example.test."'
dane_unbound_start "$w/unbound" 2>"$w/env.err" ||
    fail_env "unbound validates example.test"
R=$DANE_RESOLVER
ok "unbound on $R validates example.test"

S=$SRV_ROOT
cp "$ca/old.pem" "$S/web.pem"
cp "$ca/old.key" "$S/web.key"
cat >"$w/servers.conf" <<EOF
server {
	listen 127.0.0.1:$PH ssl;
	server_name web.example.test ins.example.test;
	ssl_certificate $S/web.pem;
	ssl_certificate_key $S/web.key;
}
server {
	listen 127.0.0.1:$PH ssl;
	server_name ta.example.test;
	ssl_certificate $ca/good-full.pem;
	ssl_certificate_key $ca/good.key;
}
server {
	listen 127.0.0.1:$PH ssl;
	server_name expired.example.test exp3.example.test;
	ssl_certificate $ca/exp.pem;
	ssl_certificate_key $ca/exp.key;
}
server {
	listen 127.0.0.1:$PH ssl;
	server_name dual.example.test;
	ssl_certificate $ca/good.pem;
	ssl_certificate_key $ca/good.key;
}
server {
	listen 127.0.0.1:$PH ssl;
	server_name duo.example.test;
	ssl_certificate $ca/old.pem;
	ssl_certificate_key $ca/old.key;
}
server {
	listen [::1]:$PH ssl;
	server_name duo.example.test;
	ssl_certificate $ca/good.pem;
	ssl_certificate_key $ca/good.key;
}
server {
	listen [::1]:$PH ssl;
	server_name dual.example.test;
	ssl_certificate $ca/old.pem;
	ssl_certificate_key $ca/old.key;
}
EOF
srv_nginx_start "$PH" "$w/servers.conf" 2>"$w/env.err" ||
    fail_env "nginx on 127.0.0.1 and ::1 port $PH"
ok "nginx on 127.0.0.1 and ::1 port $PH"
srv_postfix_start "$A25" "$ca/good.pem" "$ca/good.key" 2>"$w/env.err" ||
    fail_env "postfix smtpd on $A25:25"
ok "postfix smtpd on $A25:25"
srv_dovecot_start "$PI" "$PIS" "$PP" "$ca/good.pem" "$ca/good.key" \
    2>"$w/env.err" || fail_env "dovecot imap $PI, imaps $PIS, pop3 $PP"
ok "dovecot imap $PI, imaps $PIS, pop3 $PP"
if srv_peer_start p454 127.0.0.1 "$PX" smtp-454 2>"$w/env.err" &&
    srv_peer_start pinj 127.0.0.1 "$PJ" smtp-inject 2>>"$w/env.err" &&
    srv_peer_start psil 127.0.0.1 "$PS" silent 2>>"$w/env.err" &&
    srv_peer_start pimap 127.0.0.1 "$PN" imap-no 2>>"$w/env.err"; then
	ok "python peers: refused STARTTLS (smtp, imap), plaintext injection, silence"
else
	fail_env "python peers"
fi

# ---- oracles ------------------------------------------------------------------------------
# presented NAME ADDR PORT [s_client options]: the PEM leaf the server gives.
presented() {
	_n=$1 _a=$2 _p=$3
	shift 3
	openssl s_client -connect "$_a:$_p" -servername "$_n" "$@" \
	    </dev/null 2>/dev/null | openssl x509 2>/dev/null
}
fp() {
	openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
# tlsa NAME PORT: the TLSA data unbound gives, one "u s m hex" a line.
tlsa() {
	dig @"$R" +short TLSA "_$2._tcp.$1" |
	    awk 'NF >= 4 { h = ""; for (i = 4; i <= NF; i++) h = h $i
		print $1, $2, $3, tolower(h) }'
}
# ad NAME PORT: unbound's answer for the TLSA name has AD set.
ad() {
	dig @"$R" +dnssec TLSA "_$2._tcp.$1" | grep -q '^;; flags:.* ad[ ;]'
}
# s_dane NAME ADDR PORT STARTTLS [options]: openssl's DANE verdict with
# the TLSA records unbound gives, verification errors fatal.
s_dane() {
	_n=$1 _a=$2 _p=$3 _s=$4
	shift 4
	set -- -dane_tlsa_domain "$_n" "$@"
	_rr=$(tlsa "$_n" "$_p")
	while IFS= read -r _l; do
		[ -n "$_l" ] && set -- "$@" -dane_tlsa_rrdata "$_l"
	done <<EOF
$_rr
EOF
	[ "$_s" = none ] || set -- -starttls "$_s" "$@"
	openssl s_client -connect "$_a:$_p" -servername "$_n" \
	    -verify_return_error "$@" </dev/null >"$w/s_dane.out" 2>&1
}
notafter() {
	date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" \
	    +%Y-%m-%dT%H:%M:%SZ
}

# ---- https: a server not reloaded, then reloaded ----------------------------------------------
run sslm-probe -j -C "$ca/root.pem" -r "$R" -e "$ca/good.pem" web.example.test:"$PH"
expect_rc 1 "https, not reloaded: --expect the new certificate: exit 1"
expect_jq '.expect.match == false and .pkix.valid == true and .valid == false' \
    "https, not reloaded: expect.match false, PKIX still valid"
expect_err_match "^sslm-probe: web.example.test\\[127.0.0.1\\]:$PH: serves another certificate than $ca/good.pem\$" \
    "https, not reloaded: one line names host, address, port and the file"
expect_err_lines 1 "https, not reloaded: one line on stderr"
same "oracle: the server presents the old certificate (openssl s_client)" \
    "$(presented web.example.test 127.0.0.1 "$PH" | fp)" \
    "$(fp <"$ca/old.pem")"
cp "$ca/good.pem" "$S/web.pem.new" && mv "$S/web.pem.new" "$S/web.pem"
cp "$ca/good.key" "$S/web.key.new" && mv "$S/web.key.new" "$S/web.key"
web_good() {
	[ "$(presented web.example.test 127.0.0.1 "$PH" | fp)" = \
	    "$(fp <"$ca/good.pem")" ]
}
if srv_nginx_reload 2>"$w/env.err" && dns_poll 200 web_good; then
	ok "nginx reloaded: it presents the new certificate (openssl s_client)"
else
	notok "nginx reloaded: it presents the new certificate" "$(cat "$w/env.err")"
fi
run sslm-probe -j -C "$ca/root.pem" -r "$R" -e "$ca/good.pem" web.example.test:"$PH"
expect_rc 0 "https, reloaded: exit 0"
expect_jq ".host == \"web.example.test\" and .port == $PH and
    .address == \"127.0.0.1\" and .starttls == \"none\" and .valid == true and
    .expect.match == true and .pkix.valid == true and .dane.valid == null and
    .dane.matched == null and .tlsa.state == \"none\" and
    (.addresses | length) == 1" \
    "https, reloaded: expect.match, PKIX valid, no TLSA: dane.valid null"
expect_jq ".leaf.spki_sha256 == \"$hgood\" and .leaf.not_after == \"$(notafter "$ca/good.pem")\" and
    .leaf.subject == \"CN=good\" and (.leaf.sans.dns | index(\"web.example.test\")) != null" \
    "https: leaf facts as openssl x509 gives them"
check "oracle: openssl s_client verifies web.example.test with the root" \
    openssl s_client -connect "127.0.0.1:$PH" -servername web.example.test \
    -CAfile "$ca/root.pem" -verify_hostname web.example.test \
    -verify_return_error </dev/null
check "oracle: unbound answers no TLSA for web, securely (AD)" ad web.example.test "$PH"
check "oracle: no TLSA record for web (dig)" test "$(tlsa web.example.test "$PH" | wc -l)" -eq 0
run sslm-probe -r "$R" web.example.test:"$PH"
expect_rc 1 "https without -C: the private root is not trusted: exit 1"
expect_err_match "web.example.test\\[127.0.0.1\\]:$PH: PKIX: unable to get local issuer certificate" \
    "https without -C: the PKIX reason"
run sslm-probe -j -C "$ca/root.pem" -r "$R" nosan.example.test:"$PH"
expect_rc 1 "https for a name the certificate does not hold, no TLSA: exit 1"
expect_jq '.pkix.valid == false and .pkix.error == "hostname mismatch" and .dane.valid == null' \
    "no such name: PKIX hostname mismatch"
if openssl s_client -connect "127.0.0.1:$PH" -servername nosan.example.test \
    -CAfile "$ca/root.pem" -verify_hostname nosan.example.test \
    -verify_return_error </dev/null >"$w/snosan.out" 2>&1; then
	notok "oracle: openssl s_client -verify_hostname refuses nosan"
else
	check "oracle: openssl s_client -verify_hostname refuses nosan" \
	    grep -q 'hostname mismatch' "$w/snosan.out"
fi
run sslm-probe -C "$ca/root.pem" -c 127.0.0.1 web.example.test:"$PH"
expect_rc 0 "https, --connect-to without a resolver: exit 0"
if grep -q "^web.example.test\\[127.0.0.1\\]:$PH: valid" "$T_OUT" &&
    grep -q "spki_sha256: $hgood" "$T_OUT"; then
	ok "text output: the verdict line and the SPKI hash"
else
	notok "text output: the verdict line and the SPKI hash" "$(cat "$T_OUT")"
fi

# ---- TLSA records without AD: no DANE, PKIX decides ---------------------------------------------
run sslm-probe -j -C "$ca/root.pem" -r "$R" ins.example.test:"$PH"
expect_rc 0 "insecure TLSA (no AD) that does not match: ignored, PKIX valid: exit 0"
expect_jq ".tlsa.state == \"insecure\" and .dane.valid == false and .dane.matched == null and
    .pkix.valid == true and (.tlsa.records == [\"3 1 1 $hold\"])" \
    "insecure TLSA: state insecure, dane.valid false, the record listed"
check "oracle: unbound answers the TLSA of ins without AD" sh -c \
    "dig @'$R' +dnssec TLSA '_$PH._tcp.ins.example.test' | grep -q '^;; flags:' &&
    ! dig @'$R' +dnssec TLSA '_$PH._tcp.ins.example.test' | grep -q '^;; flags:.* ad[ ;]'"
check "oracle: the record is there (dig)" test "$(tlsa ins.example.test "$PH")" = "3 1 1 $hold"
if ldns-dane -r "$R" verify ins.example.test "$PH" >"$w/ldns.out" 2>&1; then
	notok "oracle: ldns-dane refuses the insecure TLSA" "$(cat "$w/ldns.out")"
else
	ok "oracle: ldns-dane refuses the insecure TLSA"
fi
run sslm-probe -r "$R" ins.example.test:"$PH"
expect_rc 1 "insecure TLSA, PKIX not trusted (no -C): exit 1"
expect_err_match "ins.example.test\\[127.0.0.1\\]:$PH: PKIX: .*\\(the TLSA records are not signed: no DANE\\)" \
    "insecure TLSA: the reason says the records are not signed"

# ---- smtp STARTTLS on port 25 with DANE ----------------------------------------------------------
run sslm-probe -j -r "$R" mail.example.test:25
expect_rc 0 "smtp DANE 3 1 1: exit 0 (DANE decides, PKIX without -C fails)"
expect_jq ".starttls == \"smtp\" and .address == \"$A25\" and .dane.valid == true and
    .dane.matched == \"3 1 1 $hgood\" and .pkix.valid == false and
    .tlsa.state == \"secure\" and .leaf.spki_sha256 == \"$hgood\"" \
    "smtp DANE 3 1 1: matched, secure, the served key"
check "oracle: unbound answers the TLSA of mail with AD" ad mail.example.test 25
check "oracle: openssl s_client -starttls smtp verifies mail by DANE" \
    s_dane mail.example.test "$A25" 25 smtp
check "oracle: openssl names the DANE-EE match" \
    grep -q 'DANE TLSA 3 1 1 .*matched EE certificate' "$w/s_dane.out"
run sslm-probe -j -r "$R" mail512.example.test:25
expect_rc 0 "smtp DANE 3 1 2: exit 0"
expect_jq ".dane.matched == \"3 1 2 $hgood512\"" "smtp DANE 3 1 2: the SHA-512 record matched"
check "oracle: openssl verifies mail512 by DANE 3 1 2" \
    s_dane mail512.example.test "$A25" 25 smtp
run sslm-probe -j -r "$R" bad.example.test:25
expect_rc 1 "smtp, a TLSA record that does not match: exit 1"
expect_jq '.dane.valid == false and .dane.matched == null and .tlsa.state == "secure"' \
    "smtp, no match: dane.valid false"
expect_err_match "^sslm-probe: bad.example.test\\[$A25\\]:25: DANE: " \
    "smtp, no match: the reason line names host and address"
if s_dane bad.example.test "$A25" 25 smtp; then
	notok "oracle: openssl s_client rejects bad's TLSA" "$(tail -5 "$w/s_dane.out")"
else
	ok "oracle: openssl s_client rejects bad's TLSA"
fi
run sslm-probe -j -C "$ca/root.pem" -r "$R" pkix1.example.test:25
expect_rc 1 "smtp, only a PKIX-EE(1) record: unusable on port 25 (RFC 7672): exit 1"
expect_jq '.tlsa.state == "unusable" and .tlsa.usable == 0 and .dane.valid == false and .pkix.valid == true' \
    "smtp, usage 1: no usable record, though PKIX is valid"
expect_err_match "pkix1.example.test\\[$A25\\]:25: DANE: no usable TLSA record \\(SMTP" \
    "smtp, usage 1: the reason says so"
check "oracle: outside SMTP's rules openssl accepts the 1 1 1 record (PKIX + match)" \
    s_dane pkix1.example.test "$A25" 25 smtp -CAfile "$ca/root.pem"

# A DANE-EE match ignores the name: mx9 is in no SAN of the certificate.
run sslm-probe -j -r "$R" mx9.example.test:25
expect_rc 0 "smtp DANE-EE for a name the certificate does not hold: exit 0"
expect_jq ".dane.matched == \"3 1 1 $hgood\" and
    (.leaf.sans.dns | index(\"mx9.example.test\")) == null" \
    "DANE-EE: matched though mx9 is no SAN"
check "oracle: openssl accepts mx9 by DANE-EE without name checks" \
    s_dane mx9.example.test "$A25" 25 smtp -dane_ee_no_namechecks
if s_dane mx9.example.test "$A25" 25 smtp; then
	notok "oracle: with name checks openssl refuses mx9" "$(tail -3 "$w/s_dane.out")"
else
	ok "oracle: with name checks openssl refuses mx9"
fi

# ---- RFC 7672 2.2.2: the MX host's address records, CNAME'd hosts ---------------------------------
# Postfix's posttls-finger is the oracle: the reference SMTP DANE client,
# with unbound as its resolver (a private mount namespace's resolv.conf).
# ptf NAME: its report for [NAME]:25 in $w/ptf.out; true when it
# verified the server (by DANE: no CA file is given).
printf 'nameserver %s\noptions trust-ad\n' "$R" >"$w/resolv.conf"
chmod 644 "$w/resolv.conf"	# posttls-finger reads it as the postfix user
mkdir "$w/ptf"
printf 'compatibility_level = 3.6\ninet_protocols = ipv4\n' >"$w/ptf/main.cf"
ptf() {
	# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
	MAIL_CONFIG=$w/ptf unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf &&
	    exec posttls-finger -c -l dane -t 5 -T 10 "[$2]:25"' sh \
	    "$w/resolv.conf" "$1.example.test" >"$w/ptf.out" 2>&1
	grep -q 'Verified TLS connection established' "$w/ptf.out"
}
# ptf_not NAME: the check that posttls-finger does not verify NAME.
ptf_not() {
	if ptf "$1"; then
		notok "oracle: posttls-finger does not verify $1" "$(tail -3 "$w/ptf.out")"
	else
		ok "oracle: posttls-finger does not verify $1"
	fi
}
# cnmx CNAME mail (signed throughout), no TLSA of its own: mail's decide.
run sslm-probe -j -r "$R" cnmx.example.test:25
expect_rc 0 "CNAME'd MX host, signed chain: exit 0 by the expanded name's TLSA"
expect_jq ".tlsa.name == \"_25._tcp.mail.example.test\" and .tlsa.address_dnssec == true and
    .dane.matched == \"3 1 1 $hgood\"" \
    "CNAME'd MX host: tlsa.name is the expanded name's, matched"
check "oracle: posttls-finger verifies cnmx by DANE" ptf cnmx
# cnbad CNAME mail, with a wrong record of its own: the expanded name's
# records come first.
run sslm-probe -j -r "$R" cnbad.example.test:25
expect_rc 0 "CNAME'd MX host with its own wrong record: exit 0 (the expanded name first)"
expect_jq '.tlsa.name == "_25._tcp.mail.example.test"' \
    "CNAME'd MX host with its own record: the expanded name's were used"
check "oracle: posttls-finger verifies cnbad by DANE" ptf cnbad
# cnmx2 CNAME bad: the expanded name's wrong record decides (twin).
run sslm-probe -j -r "$R" cnmx2.example.test:25
expect_rc 1 "CNAME to bad: exit 1 (the expanded name's record does not match)"
expect_jq '.tlsa.name == "_25._tcp.bad.example.test" and .dane.valid == false' \
    "CNAME to bad: the expanded name's records, not matched"
ptf_not cnmx2
# cnown CNAME mailnt, which has no TLSA records: cnown's own decide.
run sslm-probe -j -r "$R" cnown.example.test:25
expect_rc 0 "CNAME'd MX host, no TLSA at the expanded name: exit 0 by its own"
expect_jq '.tlsa.name == "_25._tcp.cnown.example.test" and .dane.valid == true' \
    "no TLSA at the expanded name: the host's own records were used"
check "oracle: posttls-finger verifies cnown by DANE" ptf cnown
# cnins: a signed CNAME into the insecure ins.example.test.  The chain is
# not signed throughout, but its first link is: DANE applies, at the
# host's own name.
run sslm-probe -j -r "$R" cnins.example.test:25
expect_rc 0 "signed CNAME into an insecure zone: exit 0 by the host's own TLSA"
expect_jq '.tlsa.name == "_25._tcp.cnins.example.test" and .tlsa.address_dnssec == true and
    .dane.valid == true' "signed CNAME into an insecure zone: the host's own records"
check "oracle: posttls-finger verifies cnins by DANE" ptf cnins
# x.ins: its CNAME is insecure: no DANE, and no TLSA is asked for.
run sslm-probe -j -r "$R" x.ins.example.test:25
expect_rc 1 "insecure address records: exit 1 (no DANE, PKIX without -C fails)"
expect_jq '.tlsa.address_dnssec == false and .tlsa.state == "insecure" and
    .tlsa.name == null and .dane.valid == false' \
    "insecure address records: address_dnssec false, no TLSA name"
expect_err_match "x.ins.example.test\\[$A25\\]:25: PKIX: .*address records are not signed: no DANE" \
    "insecure address records: the reason says why there is no DANE"
check "oracle: dig: unbound's answer for x.ins's address has no AD" sh -c \
    "! dig @'$R' +dnssec A x.ins.example.test | grep -q '^;; flags:.* ad[ ;]'"
ptf_not x.ins

# ---- a resolver that answers SERVFAIL (bogus data) --------------------------------------------------
PF=$(srv_free_port)
srv_servfail_start sf 127.0.0.1 "$PF" 2>"$w/env.err" ||
    fail_env "a SERVFAIL resolver on 127.0.0.1 port $PF"
run sslm-probe -j -r "127.0.0.1@$PF" -c "$A25" mail.example.test:25
expect_rc 1 "address records answered SERVFAIL: exit 1, PKIX is no fallback"
expect_jq '.tlsa.state == "bogus" and .dane.valid == false and .valid == false' \
    "SERVFAIL: tlsa.state bogus, dane.valid false"
expect_err_match "mail.example.test\\[$A25\\]:25: TLSA not used: the address records of mail.example.test: A lookup: rcode SERVFAIL" \
    "SERVFAIL: on port 25 the address records come first, and the line says so"
run sslm-probe -j -r "127.0.0.1@$PF" -c 127.0.0.1 web.example.test:"$PH"
expect_rc 1 "TLSA answered SERVFAIL (not SMTP): exit 1"
expect_err_match "web.example.test\\[127.0.0.1\\]:$PH: TLSA _$PH._tcp.web.example.test: SERVFAIL" \
    "SERVFAIL, not SMTP: the reason line names the TLSA name"
check "oracle: dig gets SERVFAIL from it" sh -c \
    "dig @127.0.0.1 -p '$PF' +time=1 +tries=1 TLSA _25._tcp.mail.example.test | grep -q 'status: SERVFAIL'"

# ---- a resolver whose TLSA answer has another owner ----------------------------------------------------
# Records beside the answer are not the answer: only the question's
# name (or its CNAME chain's end) counts.  Twin: the same resolver with
# the question's owner is believed.
for o in other here; do
	PT=$(srv_free_port)
	ow=_25._tcp.other.example.test
	[ $o = here ] && ow=-
	srv_tlsa_fake_start "tf$o" 127.0.0.1 "$PT" "$ow" "$hgood" 2>"$w/env.err" ||
	    fail_env "a TLSA resolver on 127.0.0.1 port $PT"
	run sslm-probe -j -r "127.0.0.1@$PT" -c "$A25" mail.example.test:25
	if [ $o = other ]; then
		expect_jq '.tlsa.state == "none" and (.tlsa.records | length) == 0 and
		    .dane.matched == null' \
		    "TLSA owned by another name: not taken, no DANE"
		check "oracle: dig shows the record's owner is _25._tcp.other" sh -c \
		    "dig @127.0.0.1 -p '$PT' +time=1 +tries=1 +noall +answer TLSA _25._tcp.mail.example.test |
		     grep -q '^_25._tcp.other.example.test.*TLSA'"
	else
		expect_rc 0 "TLSA owned by the question's name: exit 0"
		expect_jq ".tlsa.state == \"secure\" and .dane.matched == \"3 1 1 $hgood\"" \
		    "TLSA owned by the question's name: taken and matched"
	fi
done

# ---- imap STARTTLS, imaps, pop3 STLS (Dovecot) ----------------------------------------------------
for c in "imap:$PI" "none:$PIS" "pop3:$PP"; do
	pr=${c%%:*}
	po=${c#*:}
	run sslm-probe -j -C "$ca/root.pem" -r "$R" -s "$pr" imap.example.test:"$po"
	expect_rc 0 "dovecot --starttls $pr port $po: exit 0"
	expect_jq ".starttls == \"$pr\" and .pkix.valid == true and .leaf.spki_sha256 == \"$hgood\"" \
	    "dovecot --starttls $pr: PKIX valid, the served key"
	set -- -connect "127.0.0.1:$po" -servername imap.example.test \
	    -CAfile "$ca/root.pem" -verify_hostname imap.example.test \
	    -verify_return_error
	[ "$pr" = none ] || set -- "$@" -starttls "$pr"
	check "oracle: openssl s_client ($pr) verifies imap.example.test port $po" \
	    sh -c 'openssl s_client "$@" </dev/null' sh "$@"
done
run sslm-probe -C "$ca/root.pem" -c 127.0.0.1 imap.example.test:"$PI"
expect_rc 3 "imap port without --starttls: implicit TLS fails: exit 3"
expect_err_match "^sslm-probe: imap.example.test\\[127.0.0.1\\]:$PI: TLS handshake: " \
    "imap port without --starttls: the handshake failure named"

# ---- a refused STARTTLS, plaintext injection --------------------------------------------------------
run sslm-probe -r "$R" -s smtp peer.example.test:"$PX"
expect_rc 3 "a 454 STARTTLS reply: exit 3"
expect_err_match "^sslm-probe: peer.example.test\\[127.0.0.1\\]:$PX: STARTTLS reply: \"454 4.7.0 TLS not available" \
    "a 454 STARTTLS reply: host, address and the reply"
expect_err_lines 1 "a 454 STARTTLS reply: one line"
openssl s_client -connect "127.0.0.1:$PX" -starttls smtp </dev/null \
    >"$w/s454.out" 2>&1 || :
check "oracle: openssl s_client gets no certificate after the 454" \
    sh -c "! grep -q 'BEGIN CERTIFICATE' '$w/s454.out'"
run sslm-probe -r "$R" -s imap peer.example.test:"$PN"
expect_rc 3 "IMAP STARTTLS answered NO: exit 3"
expect_err_match "^sslm-probe: peer.example.test\\[127.0.0.1\\]:$PN: STARTTLS reply: \"a001 NO STARTTLS disabled\"\$" \
    "IMAP STARTTLS answered NO: the tagged reply named (the untagged line skipped)"
openssl s_client -connect "127.0.0.1:$PN" -starttls imap </dev/null \
    >"$w/simap.out" 2>&1 || :
check "oracle: openssl s_client -starttls imap gets no certificate there" \
    sh -c "! grep -q 'BEGIN CERTIFICATE' '$w/simap.out'"
run sslm-probe -j -r "$R" -s smtp peer.example.test:"$PJ"
expect_rc 3 "plaintext after the STARTTLS go-ahead: exit 3"
expect_err_match "peer.example.test\\[127.0.0.1\\]:$PJ: plaintext after the STARTTLS go-ahead" \
    "plaintext after the go-ahead: refused as an injection"
expect_jq ".error != null and .leaf == null and .valid == false" \
    "injection: the JSON says error, no leaf"

# ---- a server that never answers ------------------------------------------------------------------------
for s in none smtp; do
	t0=$(date +%s%N)
	# timeout(1): a probe that ignores its bound must not hold the test.
	run timeout 10 sslm-probe -t 2 -s "$s" -c 127.0.0.1 peer.example.test:"$PS"
	ms=$((($(date +%s%N) - t0) / 1000000))
	expect_rc 3 "silent peer, --starttls $s: exit 3"
	expect_err_match "peer.example.test\\[127.0.0.1\\]:$PS: .*timeout" \
	    "silent peer, --starttls $s: a timeout named"
	check "silent peer, --starttls $s: returns after -t 2 s, before 4 s ($ms ms)" \
	    test "$ms" -ge 1900 -a "$ms" -lt 4000
done
timeout 3 openssl s_client -connect "127.0.0.1:$PS" </dev/null >/dev/null 2>&1
check "oracle: openssl s_client gets nothing in 3 s either (timeout)" test $? -eq 124

# ---- an expired chain ----------------------------------------------------------------------------------------
run sslm-probe -j -C "$ca/root.pem" -r "$R" expired.example.test:"$PH"
expect_rc 1 "expired chain, no TLSA: exit 1"
expect_jq '.pkix.valid == false and .pkix.error == "certificate has expired" and .dane.valid == null' \
    "expired chain: PKIX says expired"
expect_err_match "expired.example.test\\[127.0.0.1\\]:$PH: PKIX: certificate has expired" \
    "expired chain: the reason line"
if openssl s_client -connect "127.0.0.1:$PH" -servername expired.example.test \
    -CAfile "$ca/root.pem" -verify_return_error </dev/null >"$w/sexp.out" 2>&1; then
	notok "oracle: openssl s_client rejects the expired chain"
else
	check "oracle: openssl s_client rejects the expired chain" \
	    grep -q 'certificate has expired' "$w/sexp.out"
fi
run sslm-probe -j -C "$ca/root.pem" -r "$R" exp3.example.test:"$PH"
expect_rc 0 "expired leaf with a DANE-EE 3 1 1 record: exit 0 (RFC 7671 5.1)"
expect_jq ".dane.valid == true and .pkix.valid == false and .dane.matched == \"3 1 1 $hexp\"" \
    "expired leaf, DANE-EE: DANE valid, PKIX not"
check "oracle: openssl s_client accepts it by DANE-EE" \
    s_dane exp3.example.test 127.0.0.1 "$PH" none
check "oracle: ldns-dane verify accepts exp3 through unbound" \
    ldns-dane -r "$R" verify exp3.example.test "$PH"

# ---- DANE-TA 2 1 1 --------------------------------------------------------------------------------------------
run sslm-probe -j -r "$R" ta.example.test:"$PH"
expect_rc 0 "DANE-TA 2 1 1 (root in the chain, no -C): exit 0"
expect_jq ".dane.matched == \"2 1 1 $hca\" and .pkix.valid == false and .leaf.spki_sha256 == \"$hgood\"" \
    "DANE-TA: the root's record matched"
check "oracle: ldns-dane verify accepts ta through unbound" \
    ldns-dane -r "$R" verify ta.example.test "$PH"
check "oracle: openssl s_client accepts ta by DANE-TA" \
    s_dane ta.example.test 127.0.0.1 "$PH" none

# ---- two addresses, one with the wrong certificate ----------------------------------------------------------
run sslm-probe -j -C "$ca/root.pem" -r "$R" dual.example.test:"$PH"
expect_rc 1 "dual: ::1 serves the wrong certificate: exit 1"
expect_jq "(.addresses | length) == 2 and .valid == false and
    .addresses[0].address == \"127.0.0.1\" and .addresses[0].valid == true and
    .addresses[0].dane.matched == \"3 1 1 $hgood\" and
    .addresses[1].address == \"::1\" and .addresses[1].valid == false and
    .addresses[1].dane.valid == false and .addresses[1].leaf.spki_sha256 == \"$hold\" and
    .address == null" \
    "dual: each address reported, ::1 not valid"
expect_err_match "^sslm-probe: dual.example.test\\[::1\\]:$PH: DANE: " \
    "dual: the line names ::1"
expect_err_lines 1 "dual: one line, for ::1 only"
if ldns-dane -r "$R" verify dual.example.test "$PH" >"$w/ldns.out" 2>&1; then
	notok "oracle: ldns-dane rejects dual" "$(cat "$w/ldns.out")"
else
	ok "oracle: ldns-dane rejects dual"
fi
check "oracle: ldns-dane accepts dual on IPv4 only (-4)" \
    ldns-dane -4 -r "$R" verify dual.example.test "$PH"
same "oracle: ::1 presents the old certificate (openssl s_client)" \
    "$(presented dual.example.test '[::1]' "$PH" | fp)" "$(fp <"$ca/old.pem")"
run sslm-probe -j -C "$ca/root.pem" -r "$R" duo.example.test:"$PH"
expect_rc 1 "duo: the first address (127.0.0.1) serves the wrong certificate: exit 1"
expect_jq '.valid == false and .addresses[0].valid == false and .addresses[1].valid == true' \
    "duo: 127.0.0.1 not valid, ::1 valid"
expect_err_match "^sslm-probe: duo.example.test\\[127.0.0.1\\]:$PH: DANE: " \
    "duo: the line names 127.0.0.1"
if ldns-dane -r "$R" verify duo.example.test "$PH" >"$w/ldns.out" 2>&1; then
	notok "oracle: ldns-dane rejects duo" "$(cat "$w/ldns.out")"
else
	check "oracle: ldns-dane rejects duo at 127.0.0.1 only" \
	    grep -q '^::1 dane-validated successfully' "$w/ldns.out"
fi
run sslm-probe -C "$ca/root.pem" -r "$R" -c '[::1]' dual.example.test:"$PH"
expect_rc 1 "dual --connect-to [::1]: exit 1"
run sslm-probe -C "$ca/root.pem" -r "$R" -c 127.0.0.1 dual.example.test:"$PH"
expect_rc 0 "dual --connect-to 127.0.0.1: exit 0"

# ---- the TLSA name is a CNAME: the records at its target count ------------------------------------
run sslm-probe -j -r "$R" cn.example.test:"$PH"
expect_rc 0 "cn: _port._tcp.cn is a CNAME to dual's records: exit 0"
expect_jq ".tlsa.state == \"secure\" and (.tlsa.records | length) == 1 and
    .dane.valid == true and .dane.matched == \"3 1 1 $hgood\"" \
    "cn: the record at the CNAME's target matched"
check "oracle: unbound answers the CNAME and the target's TLSA (dig)" sh -c \
    "dig @'$R' +noall +answer TLSA '_$PH._tcp.cn.example.test' | grep -q 'CNAME[[:space:]]*_$PH._tcp.dual.example.test.' &&
     dig @'$R' +noall +answer TLSA '_$PH._tcp.cn.example.test' | grep -q '^_$PH._tcp.dual.example.test.*TLSA'"
# DANE-EE binds the key, not the name (RFC 7671 5.1): the certificate
# does not name cn
if s_dane cn.example.test 127.0.0.1 "$PH" none -dane_ee_no_namechecks; then
	ok "oracle: openssl s_client accepts cn with those records"
else
	notok "oracle: openssl s_client accepts cn with those records" \
	    "$(grep -i 'verif\|error\|dane' "$w/s_dane.out" | head -5)"
fi

# ---- an address as the host: no SNI, the name check is of the address ------------------------------------
run sslm-probe -j -C "$ca/root.pem" "[::1]:$PH"
expect_rc 1 "[::1]: the certificate names no address: exit 1"
expect_jq '.host == "::1" and .address == "::1" and .pkix.error == "IP address mismatch" and .tlsa.state == "unchecked"' \
    "[::1]: PKIX says IP address mismatch, DANE unchecked"
expect_err_match "^sslm-probe: ::1\\[::1\\]:$PH: PKIX: IP address mismatch" \
    "[::1]: the reason line"
if openssl s_client -connect "[::1]:$PH" -CAfile "$ca/root.pem" -verify_ip ::1 \
    -verify_return_error </dev/null >"$w/sip.out" 2>&1; then
	notok "oracle: openssl s_client -verify_ip ::1 refuses it"
else
	check "oracle: openssl s_client -verify_ip ::1 refuses it" \
	    grep -q 'IP address mismatch' "$w/sip.out"
fi

# ---- resolver failures -------------------------------------------------------------------------------------------
dead=$(srv_free_port)
run sslm-probe -r "127.0.0.1@$dead" -t 1 mail.example.test:25
expect_rc 3 "a resolver that does not answer: exit 3"
expect_err_match "^sslm-probe: mail.example.test:25: address lookup at 127.0.0.1: " \
    "a resolver that does not answer: the first lookup (on port 25 the addresses) named"
run sslm-probe -r "127.0.0.1@$dead" -t 1 web.example.test:"$PH"
expect_rc 3 "a resolver that does not answer, not SMTP: exit 3"
expect_err_match "^sslm-probe: web.example.test:$PH: TLSA lookup at 127.0.0.1: " \
    "a resolver that does not answer, not SMTP: the TLSA lookup named"
run sslm-probe -r "$R" nothere.example.test:443
expect_rc 3 "a name without addresses: exit 3"
expect_err_match "nothere.example.test:443: no address" "a name without addresses: said so"
