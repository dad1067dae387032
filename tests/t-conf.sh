#!/bin/sh
# sslm-conf: the example trees, discovery, selection, and malformed
# variants of the examples (exit code and file:line of each error).
. "$SSLM_TOP/tests/lib.sh"

ex=$SSLM_TOP/examples
w=$SSLM_TMP

# variant NAME EXAMPLE: a scratch copy of an example tree; prints its conf.d.
# The letsencrypt example's /etc/ssl-mgr/prod-certs moves into the copy
# (sslm-conf refuses a prod_cert_dir whose parent is missing).
variant() {
	rm -rf "${w:?}/$1"
	mkdir -p "$w/$1/etc"
	cp -R "$ex/$2/conf.d" "$w/$1/"
	sed -i "s|'/etc/ssl-mgr/prod-certs'|'$w/$1/etc/prod-certs'|" \
	    "$w/$1/conf.d/ssl-mgr.conf"
	echo "$w/$1/conf.d"
}

# expect_bad WHAT CONFDIR RELFILE LINE MSG-REGEX [OPERANDS...]
expect_bad() {
	_what=$1 _cd=$2 _f=$3 _l=$4 _re=$5
	shift 5
	run sslm-conf -c "$_cd" "$@"
	expect_rc 3 "$_what: exit 3"
	if [ -s "$T_OUT" ]; then
		notok "$_what: nothing on stdout" "stdout: $(head -c 200 "$T_OUT")"
	else
		ok "$_what: nothing on stdout"
	fi
	expect_err_match "^sslm-conf: $_cd/$_f:$_l: $_re" \
	    "$_what: message names $_f:$_l"
}

# ---- the examples load cleanly and agree with an independent reader ------
for e in ca-self letsencrypt; do
	d=$(variant "ex-$e" "$e")
	run sslm-conf -c "$d"
	expect_rc 0 "$e: loads"
	expect_err_lines 0 "$e: no warnings"
	cp "$T_OUT" "$w/$e.json"
	checks_from "$e: the oracle finished" \
	    python3 "$SSLM_TOP/tests/conf_oracle.py" "$d" "$w/$e.json"
done

# A leaf without signing_ca: with -k, its error; the oracle agrees.
d=$(variant unsigned ca-self)
sed -i "/^signing_ca = /d" "$d/example.com/web-ec"
run sslm-conf -k -c "$d"
expect_rc 3 "unsigned leaf: exit 3"
expect_err_match "^sslm-conf: $d/example.com/web-ec:[0-9]+: signing_ca: missing" \
    "unsigned leaf: file:line and key"
cp "$T_OUT" "$w/unsigned.json"
checks_from "unsigned leaf: the oracle finished" \
    python3 "$SSLM_TOP/tests/conf_oracle.py" "$d" "$w/unsigned.json"

run cat "$w/ca-self.json"
expect_jq '.sslm_conf == 1 and .test == false' "ca-self: schema version"
expect_jq '[.groups[].domain] == ["ca", "example.com"]' \
    "ca-self: groups in config order"
expect_jq '.groups[0].services | map(.service) == ["my-root", "my-int"]' \
    "ca-self: CA services in order"
expect_jq '.groups[0].services[0].signer == {"type": "self"}' \
    "ca-self: my-root is self-signed"
expect_jq '.groups[0].services[1].signer == {"type": "local", "ca": "my-root"}' \
    "ca-self: my-int signed by my-root"
expect_jq '[.groups[1].services[].signer.ca] == ["my-int", "my-int"]' \
    "ca-self: leaves signed by my-int"
expect_jq '.groups[1].services[] | select(.service == "mail-ec") |
    .dane_tls[1].subtype == "SANS"' "ca-self: dane subtype kept"
expect_jq '.groups[1].dns_primary == {"server": "127.0.0.1", "port": 53}' \
    "ca-self: dns_primary default applies to example.com"
expect_jq '.globals.dns_xtra_ns == []' "ca-self: no public resolvers"
expect_jq '[.servers | keys_unsorted[]] == ["smtp", "imap", "web", "other"]' \
    "ca-self: all four server classes"

run cat "$w/letsencrypt.json"
expect_jq '.groups[] | select(.domain == "example.com") | .services[] |
    select(.service == "mail-ec") | .dane_tls[0].subtype == "MX"' \
    "letsencrypt: dane subtype normalised to MX"
expect_jq '.cas["le-dns"].type == "acme" and .cas["le-dns"].validation == "dns-01"' \
    "letsencrypt: certbot CA is ACME dns-01"
expect_jq '[.groups[].services[] | select(.signer.type == "acme") |
    .signer.directory] | length > 0 and
    all(. == "https://acme-v02.api.letsencrypt.org/directory")' \
    "letsencrypt: ACME signers use Let's Encrypt production"
expect_jq '.groups[] | select(.domain == "example.com") | .services[] |
    select(.service == "mail-rsa") | .key == {"ktype": "rsa",
    "ec_algo": "secp384r1", "rsa_bits": 4096}' \
    "letsencrypt: mail-rsa key options"
expect_jq '[.. | objects | select(has("acme_eab_hmac_key"))] | length == 0' \
    "letsencrypt: no EAB secret in the document"

run sslm-conf -t -c "$w/ex-letsencrypt/conf.d"
expect_rc 0 "-t: loads"
expect_jq '.test and (.globals.prod_cert_dir | endswith(".test"))' \
    "-t: prod_cert_dir gets .test"
expect_jq '[.groups[].services[] | select(.signer.type == "acme") |
    .signer.directory] | all(. ==
    "https://acme-staging-v02.api.letsencrypt.org/directory")' \
    "-t: ACME signers use staging"

# ---- discovery -------------------------------------------------------------
d=$(variant disc ca-self)
top=$(cd "$d/.." && pwd -P)
run sh -c 'cd "$1" && sslm-conf' sh "$top"
expect_rc 0 "discovery: ./conf.d"
expect_jq ".topdir == \"$top\"" "discovery: topdir is the cwd"
# shellcheck disable=SC2016
run env SSL_MGR_TOPDIR="$top" sh -c 'cd / && sslm-conf'
expect_rc 0 "discovery: SSL_MGR_TOPDIR"
expect_jq ".confdir == \"$top/conf.d\" and .certs_dir == \"$top/certs\"" \
    "discovery: SSL_MGR_TOPDIR gives confdir and certs_dir"
# shellcheck disable=SC2016
run env SSL_MGR_TOPDIR="$w/nonexistent" sh -c 'cd "$1" && sslm-conf' sh "$top"
expect_rc 0 "discovery: SSL_MGR_TOPDIR without conf.d falls back to ./conf.d"
run sslm-conf -c "$w/nonexistent/conf.d"
expect_rc 3 "discovery: missing conf.d is an error"
expect_err_match "nonexistent/conf.d: no such directory" \
    "discovery: names the directory"

# ---- selection ---------------------------------------------------------------
run sslm-conf -c "$d" example.com:mail-ec
expect_rc 0 "select grp:svc"
expect_jq '[.groups[] | .domain + ":" + (.services | map(.service) |
    join(","))] == ["example.com:mail-ec"]' "select grp:svc: one service"
run sslm-conf -c "$d" example.com
expect_jq '.groups[0].services | map(.service) == ["mail-ec", "web-ec"]' \
    "select bare grp: every service, sorted"
run sslm-conf -c "$d" example.com:web-ec example.com:mail-ec ca:my-int
expect_jq '[.groups[] | .domain + ":" + (.services | map(.service) |
    join(","))] == ["example.com:web-ec,mail-ec", "ca:my-int"]' \
    "select: repeated groups accumulate"
echo "just some notes" >"$d/example.com/README"
ln -s mail-ec "$d/example.com/mail-link"
cp "$d/example.com/web-ec" "$d/example.com/.hidden"
run sslm-conf -c "$d" 'example.com:ALL'
expect_jq '.groups[0].services | map(.service) == ["mail-ec", "web-ec"]' \
    "select ALL: only regular service files"
run sslm-conf -c "$d" 'example.com:*'
expect_jq '.groups[0].services | map(.service) == ["mail-ec", "web-ec"]' \
    "select *: same as ALL"
run sslm-conf -c "$d" 'example.com:../ca/my-root'
expect_rc 3 "select: unsafe service name refused"
expect_err_match 'is not a safe service name' "select: says why"
run sslm-conf -c "$d" '../etc:x'
expect_rc 3 "select: unsafe group name refused"
run sslm-conf -c "$d" example.com:nope
expect_rc 3 "select: missing service file fails"
expect_err_match "^sslm-conf: $d/example.com/nope: " "select: missing file named"

# ---- options -----------------------------------------------------------------
run sslm-conf --bogus
expect_rc 2 "usage: unknown option exits 2"
run sslm-conf -V
expect_rc 0 "-V: exit 0"
if grep -Eq '^sslm-conf [0-9]+\.[0-9]+' "$T_OUT"; then
	ok "-V: prints the version"
else
	notok "-V: prints the version" "$(cat "$T_OUT")"
fi

# ---- EAB ---------------------------------------------------------------------
d=$(variant eab letsencrypt)
cat >>"$d/ca-info.conf" <<'X'

[pebble-eab]
    ca_type = 'acme'
    ca_validation = 'http-01'
    acme_directory = 'https://127.0.0.1:14000/dir'
    acme_eab_kid = 'kid-1'
    acme_eab_hmac_key = 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W'
X
run sslm-conf -c "$d"
expect_rc 0 "eab: loads"
if grep -q zWNDZM6eQGHW "$T_OUT"; then
	notok "eab: the HMAC key is not in the document"
else
	ok "eab: the HMAC key is not in the document"
fi
expect_jq '.cas["pebble-eab"] | .acme_eab and .acme_eab_kid == "kid-1"' \
    "eab: kid and flag"
run sslm-conf -c "$d" -K pebble-eab
expect_rc 0 "eab: -K exit 0"
if [ "$(cat "$T_OUT")" = zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W ]; then
	ok "eab: -K prints the key alone"
else
	notok "eab: -K prints the key alone" "$(cat "$T_OUT")"
fi
run sslm-conf -c "$d" -K le-dns
expect_rc 3 "eab: -K for a CA without a key fails"

# ---- renew timing ----------------------------------------------------------
d=$(variant renew ca-self)
sed -i 's/^\[globals\]/[globals]\n    renew_expire_days = 21\n    renew_expire_days_spread = 3/' "$d/ssl-mgr.conf"
sed -i 's/^\[renew_info\]/[renew_info]\n    renew_target_30 = 9/; /target_90 = 25/d; /rand_adj_90 = 2/d' "$d/ssl-mgr.conf"
run sslm-conf -c "$d"
expect_rc 0 "renew_info: deprecated keys load"
expect_jq '.renew_info[] | select(.lifetime == 90) | .target == 21 and .rand_adj == 3' \
    "renew_info: renew_expire_days -> target_90, spread -> rand_adj_90"
expect_err_match "ssl-mgr.conf:[0-9]+: renew_expire_days: deprecated" \
    "renew_info: deprecation warned with the line"
expect_jq '.renew_info[] | select(.lifetime == 30) | .target == 9 and .rand_adj == 0' \
    "renew_info: renew_target_30 adds a point"
expect_jq '[.renew_info[].lifetime] == [0,1,2,5,10,30,45,60,90,120,300,3650]' \
    "renew_info: points sorted, built-ins kept"
# The inserted rand_adj keeps the curve: halfway between 120 (5) and 300 (0).
sed -i 's/^\[renew_info\]/[renew_info]\n    target_210 = 50/' "$d/ssl-mgr.conf"
run sslm-conf -c "$d"
expect_jq '.renew_info[] | select(.lifetime == 210) | .target == 50 and .rand_adj == 2.5' \
    "renew_info: a new point keeps the other column's curve"

# ---- server classes ----------------------------------------------------------
d=$(variant classes letsencrypt)
cat >>"$d/ssl-mgr.conf" <<'X'

[imap]
    servers = ['imap.internal.example.com']
    restart_cmd = ['/usr/bin/doveadm reload', '', '/bin/true  now']
    svc_depends = [['example.com', ['mail-rsa', 'mail-ec']],
                   ['example.net', ['web-ec']],
                   ['any', 'web-ec']]
X
# Keep only the [imap] appended above: drop the example's own section.
awk 'BEGIN{n=0} /^\[imap\]/{n++; if (n==1) {skip=1; next}} /^\[/{if(!/^\[imap\]/)skip=0} !skip' \
    "$d/ssl-mgr.conf" >"$d/x" && mv "$d/x" "$d/ssl-mgr.conf"
run sslm-conf -c "$d"
expect_rc 0 "classes: loads"
expect_jq '.servers.imap.svc_depends | length == 3 and .[2].services == ["web-ec"]' \
    "classes: every svc_depends pair kept"
expect_jq '.servers.imap.restart_cmd == [["/usr/bin/doveadm", "reload"], ["/bin/true", "now"]]' \
    "classes: restart_cmd split into words, empty skipped"

# ---- keep going ----------------------------------------------------------------
d=$(variant keep ca-self)
sed -i "s/\[25, 'tcp', 3, 1, 1, 'SANS'\]/[25, 'tcp', 3, 1]/" "$d/example.com/mail-ec"
run sslm-conf -k -c "$d"
expect_rc 3 "keep going: exit 3"
expect_jq '.groups[1].services | (.[0].service == "web-ec" and
    (.[0].x509.sans | length) > 0) and (.[1].error | test("mail-ec:[0-9]+: dane_tls"))' \
    "keep going: the good service resolved, the bad one carries its error"
expect_err_match "1 service with errors" "keep going: summary on stderr"

# ---- malformed variants: exit 3 and file:line ------------------------------------
m=example.com/mail-ec
d=$(variant dane4 ca-self)
sed -i "s/\[25, 'tcp', 3, 1, 1, 'SANS'\]/[25, 'tcp', 3, 1]/" "$d/$m"
expect_bad "dane_tls 4 elements" "$d" "$m" "$(lineof "$d/$m" '^dane_tls =')" \
    'dane_tls: item 1 needs 5 or 6 elements$'

d=$(variant dane0 ca-self)
sed -i "s/^dane_tls = .*/dane_tls = [\n  [25, 'tcp', 3, 1, 1],\n  []]/" "$d/$m"
expect_bad "dane_tls empty item" "$d" "$m" "$(lineof "$d/$m" '^  \[\]')" \
    'dane_tls: item 2 needs 5 or 6 elements$'

d=$(variant daneusage ca-self)
sed -i "s/\[25, 'tcp', 3, 1, 1, 'SANS'\]/[25, 'tcp', 1, 1, 1]/" "$d/$m"
expect_bad "dane usage 1" "$d" "$m" "$(lineof "$d/$m" '^dane_tls =')" \
    'dane_tls: item 1: bad usage'

d=$(variant danesub ca-self)
sed -i "s/'SANS'\]/'AAAA']/" "$d/$m"
expect_bad "dane subtype" "$d" "$m" "$(lineof "$d/$m" '^dane_tls =')" \
    'dane_tls: item 1: subtype must be MX or SANS'

d=$(variant daneport ca-self)
sed -i "s/\[465, 'tcp'/[65536, 'tcp'/" "$d/$m"
expect_bad "dane port" "$d" "$m" "$(lineof "$d/$m" '^dane_tls =')" \
    'dane_tls: item 2: bad port'

d=$(variant curve ca-self)
sed -i "s/ec_algo = .*/ec_algo = 'brainpoolP384r1'/" "$d/$m"
expect_bad "unknown curve" "$d" "$m" "$(lineof "$d/$m" 'ec_algo =')" \
    'KeyOpts.ec_algo: unsupported curve "brainpoolP384r1"'

d=$(variant ktype ca-self)
sed -i "s/ktype = .*/ktype = 'dsa'/" "$d/$m"
expect_bad "unknown ktype" "$d" "$m" "$(lineof "$d/$m" 'ktype =')" \
    'KeyOpts.ktype: "dsa" is not ec or rsa'

d=$(variant ed ca-self)
sed -i "s/ktype = .*/ktype = 'ed25519'/" "$d/$m"
expect_bad "ed25519 leaf" "$d" "$m" "$(lineof "$d/$m" 'ktype =')" \
    'KeyOpts.ktype: ed25519 is for the private CA only'

d=$(variant rsabits ca-self)
sed -i "s/ktype = .*/ktype = 'rsa'\n    rsa_bits = 1024/" "$d/$m"
expect_bad "rsa_bits 1024" "$d" "$m" "$(lineof "$d/$m" 'rsa_bits =')" \
    'KeyOpts.rsa_bits: 1024 is out of range 2048..8192'

d=$(variant country ca-self)
sed -i "s/C = 'US'/C = 'USA'/" "$d/$m"
expect_bad "country code" "$d" "$m" "$(lineof "$d/$m" "C = 'USA'")" \
    'X509.C: must be a two-letter country code'

d=$(variant san ca-self)
sed -i "s/'smtp.example.com'\]/'smtp.example.com',\n        'bad_name!.example.com']/" "$d/$m"
expect_bad "bad SAN" "$d" "$m" "$(lineof "$d/$m" 'bad_name')" \
    'X509.sans: "bad_name!.example.com" is not a host name'

d=$(variant group ca-self)
sed -i "s/^group = .*/group = 'example.org'/" "$d/$m"
expect_bad "group mismatch" "$d" "$m" "$(lineof "$d/$m" '^group =')" \
    'group: "example.org", expected "example.com"'

d=$(variant service ca-self)
sed -i "s/^service = .*/service = 'web-ec'/" "$d/$m"
expect_bad "service mismatch" "$d" "$m" "$(lineof "$d/$m" '^service =')" \
    'service: "web-ec", expected "mail-ec"'

d=$(variant table ca-self)
printf '\n[Extras]\n    x = 1\n' >>"$d/$m"
expect_bad "unknown table" "$d" "$m" "$(lineof "$d/$m" '^\[Extras\]')" \
    'Extras: unknown table'

d=$(variant sca ca-self)
sed -i "s/^signing_ca = .*/signing_ca = 'nobody'/" "$d/$m"
expect_bad "unknown signing_ca" "$d" "$m" "$(lineof "$d/$m" '^signing_ca =')" \
    'signing_ca: unknown CA "nobody"'

d=$(variant catype ca-self)
sed -i "s/ca_type = 'local'/ca_type = 'bogus'/" "$d/ca-info.conf"
expect_bad "bad ca_type" "$d" ca-info.conf "$(lineof "$d/ca-info.conf" "'bogus'")" \
    'ca_type: "bogus" is not self, local'

d=$(variant digest ca-self)
sed -i "s/digest = .*/digest = 'md5'/" "$d/ca/my-int"
expect_bad "bad digest" "$d" ca/my-int "$(lineof "$d/ca/my-int" 'digest =')" \
    'CA.digest: unsupported digest'

d=$(variant toml ca-self)
printf 'broken = \n' >>"$d/ssl-mgr.conf"
expect_bad "invalid TOML" "$d" ssl-mgr.conf "$(wc -l <"$d/ssl-mgr.conf" | tr -d ' ')" ''

d=$(variant host ca-self)
sed -i "s/^\[smtp\]/[smtp]\n    servers = ['bad host.example.com']/; /^    servers = \[\]/d" "$d/ssl-mgr.conf"
expect_bad "bad server host" "$d" ssl-mgr.conf "$(lineof "$d/ssl-mgr.conf" 'bad host')" \
    'smtp.servers: "bad host.example.com" is not a host name'

d=$(variant port ca-self)
sed -i "s/port = 53/port = 70000/" "$d/ssl-mgr.conf"
expect_bad "dns_primary port" "$d" ssl-mgr.conf "$(lineof "$d/ssl-mgr.conf" 'port = 70000')" \
    'dns_primary.port: 70000 is out of range 1..65535'

d=$(variant ctrl ca-self)
sed -i 's|^    prod_cert_dir = .*|    prod_cert_dir = "./prod\\ncerts"|' "$d/ssl-mgr.conf"
expect_bad "control character in a path" "$d" ssl-mgr.conf \
    "$(lineof "$d/ssl-mgr.conf" 'prod_cert_dir =')" \
    'prod_cert_dir: control characters are not allowed'

d=$(variant depends ca-self)
sed -i "s/depends = \['dns'\]/depends = ['dsn']/" "$d/ssl-mgr.conf"
expect_bad "unknown depends token" "$d" ssl-mgr.conf \
    "$(lineof "$d/ssl-mgr.conf" "'dsn'")" 'smtp.depends: "dsn" is not one of'

d=$(variant wild letsencrypt)
w1=example.com/web-ec
sed -i "s/^signing_ca = .*/signing_ca = 'le-http'/" "$d/$w1"
sed -i "s/^\( *sans = \[\)/\1'*.example.com', /" "$d/$w1"
expect_bad "wildcard with http-01" "$d" "$w1" "$(lineof "$d/$w1" '^signing_ca')" \
    'signing_ca: \*.example.com needs dns-01'

d=$(variant pcc letsencrypt)
sed -i '/post_copy_cmd/,/\]\]*$/d' "$d/ssl-mgr.conf"
sed -i "s/^\[globals\]/[globals]\n    post_copy_cmd = [['example.com']]/" "$d/ssl-mgr.conf"
expect_bad "post_copy_cmd shape" "$d" ssl-mgr.conf \
    "$(lineof "$d/ssl-mgr.conf" 'post_copy_cmd')" \
    'post_copy_cmd: item 1 must be \[host, cmd\]'

d=$(variant nogroupdir ca-self)
rm -rf "$d/example.com"
expect_bad "group without directory" "$d" ssl-mgr.conf \
    "$(lineof "$d/ssl-mgr.conf" "domain = 'example.com'")" \
    'groups.domain: no directory'

# Warnings: unknown keys are reported with their line and do not fail.
d=$(variant warn ca-self)
sed -i "s/^\[KeyOpts\]/[KeyOpts]\n    bits = 4096/" "$d/$m"
sed -i "s/^\[globals\]/[globals]\n    colour = 'blue'/" "$d/ssl-mgr.conf"
run sslm-conf -c "$d"
expect_rc 0 "warnings: exit 0"
expect_err_match "$d/$m:$(lineof "$d/$m" 'bits =' ): KeyOpts.bits: ignored, the key is rsa_bits" \
    "warnings: [KeyOpts] bits named with its line"
expect_err_match "$d/ssl-mgr.conf:$(lineof "$d/ssl-mgr.conf" 'colour'): globals.colour: unknown key" \
    "warnings: unknown global named with its line"

# -h: usage on stdout, exit 0.
run sslm-conf -h
expect_rc 0 "-h: exit 0"
if grep -q '^usage: sslm-conf' "$T_OUT"; then
	ok "-h: usage on stdout"
else
	notok "-h: usage on stdout" "$(cat "$T_OUT")"
fi

# A local CA carries no ACME settings.
run cat "$w/ca-self.json"
expect_jq '.cas["my-int"] | .type == "local" and .acme_directory == "" and .profile == ""' \
    "local CA: no ACME directory or profile"

# dns-01 answers go into the group's zone: a SAN outside it is refused.
d=$(variant outside letsencrypt)
sed -i "s/^\( *sans = \[\)/\1'www.example.org', /" "$d/$w1"
expect_bad "dns-01 SAN outside the apex" "$d" "$w1" "$(lineof "$d/$w1" '^signing_ca')" \
    'signing_ca: www.example.org is not in example.com'

# A CA service without sign_end_days is warned about (1-day certificates).
d=$(variant days ca-self)
sed -i '/sign_end_days/d' "$d/ca/my-int"
run sslm-conf -c "$d"
expect_rc 0 "CA without sign_end_days: loads"
expect_err_match "ca/my-int:[0-9]+: CA.sign_end_days: not set" \
    "CA without sign_end_days: warned"
expect_jq '.groups[0].services[1].ca.sign_end_days == 1' \
    "CA without sign_end_days: 1 day, as ssl-mgr"

# RFC 2136 keys in [dns]: the primary taking updates and its TSIG key file.
d=$(variant update ca-self)
sed -i "s|^\[dns\]|[dns]\n    update_server = '127.0.0.1'\n    update_port = 5353\n    update_key_file = 'keys/tsig.key'|" "$d/ssl-mgr.conf"
run sslm-conf -c "$d"
expect_rc 0 "update keys: load"
expect_jq ".dns.update_server == \"127.0.0.1\" and .dns.update_port == 5353 and
    .dns.update_key_file == \"$(cd "$d/.." && pwd -P)/keys/tsig.key\"" \
    "update keys: server, port and the key file from TOP"
d=$(variant update2 ca-self)
sed -i "s|^\[dns\]|[dns]\n    update_key_file = 'tsig.key'|" "$d/ssl-mgr.conf"
expect_bad "update_key_file alone" "$d" ssl-mgr.conf \
    "$(lineof "$d/ssl-mgr.conf" 'update_key_file')" \
    'dns.update_key_file: needs dns.update_server'
d=$(variant update3 ca-self)
sed -i "s|^\[dns\]|[dns]\n    update_server = 'not a host'|" "$d/ssl-mgr.conf"
expect_bad "update_server syntax" "$d" ssl-mgr.conf \
    "$(lineof "$d/ssl-mgr.conf" 'update_server')" \
    'dns.update_server: "not a host" is not a host name'

# dns_check_delay: no fixed sleep unless the operator sets one (nscheck
# waits exactly); a value set stays.
d=$(variant delay ca-self)
sed -i '/dns_check_delay/d' "$d/ssl-mgr.conf"
run sslm-conf -c "$d"
expect_jq '.globals.dns_check_delay == 0' "dns_check_delay: default 0"
sed -i 's/^\[globals\]/[globals]\n    dns_check_delay = 30/' "$d/ssl-mgr.conf"
run sslm-conf -c "$d"
expect_jq '.globals.dns_check_delay == 30' "dns_check_delay: a set value stays"

# acme_timeout: sslm-mgr's deadline of one ACME call, 120 s unless set,
# 1..86400; a misspelt key is named, not silently taken for the default.
d=$(variant acmet ca-self)
run sslm-conf -c "$d"
expect_jq '.globals.acme_timeout == 120' "acme_timeout: default 120"
sed -i 's/^\[globals\]/[globals]\n    acme_timeout = 30/' "$d/ssl-mgr.conf"
run sslm-conf -c "$d"
expect_jq '.globals.acme_timeout == 30' "acme_timeout: a set value stays"
sed -i 's/acme_timeout = 30/acme_timeout = 0/' "$d/ssl-mgr.conf"
expect_bad "acme_timeout 0" "$d" ssl-mgr.conf \
    "$(lineof "$d/ssl-mgr.conf" 'acme_timeout')" 'acme_timeout: '
sed -i 's/acme_timeout = 0/acme_timeout = 86401/' "$d/ssl-mgr.conf"
expect_bad "acme_timeout over a day" "$d" ssl-mgr.conf \
    "$(lineof "$d/ssl-mgr.conf" 'acme_timeout')" 'acme_timeout: '
sed -i 's/acme_timeout = 86401/acme_timout = 30/' "$d/ssl-mgr.conf"
run sslm-conf -c "$d"
expect_err_match "ssl-mgr.conf:$(lineof "$d/ssl-mgr.conf" 'acme_timout'): globals.acme_timout: unknown key, ignored \\(did you mean acme_timeout\\?\\)" \
    "acme_timeout misspelt: a warning naming the line and the key"
expect_jq '.globals.acme_timeout == 120' "acme_timeout misspelt: the default"

# acme_parallel: requests in flight to one ACME server, 4 unless set,
# 1..64.
d=$(variant acmep ca-self)
run sslm-conf -c "$d"
expect_jq '.globals.acme_parallel == 4' "acme_parallel: default 4"
sed -i 's/^\[globals\]/[globals]\n    acme_parallel = 1/' "$d/ssl-mgr.conf"
run sslm-conf -c "$d"
expect_jq '.globals.acme_parallel == 1' "acme_parallel: a set value stays"
sed -i 's/acme_parallel = 1/acme_parallel = 0/' "$d/ssl-mgr.conf"
expect_bad "acme_parallel 0" "$d" ssl-mgr.conf \
    "$(lineof "$d/ssl-mgr.conf" 'acme_parallel')" 'acme_parallel: '
sed -i 's/acme_parallel = 0/acme_parallel = 65/' "$d/ssl-mgr.conf"
expect_bad "acme_parallel over 64" "$d" ssl-mgr.conf \
    "$(lineof "$d/ssl-mgr.conf" 'acme_parallel')" 'acme_parallel: '
