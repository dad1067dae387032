#!/bin/sh
# Configuration mistakes that would give a wrong certificate: a leaf with
# no signing_ca, a prod_cert_dir whose parent is missing (sslm-conf and
# through sslm-mgr, whose other services still renew and whose bad
# service keeps its store and production copy); misspelt keys of every
# table naming the key they resemble; each warning once per run; the
# selection forms of ssl-mgr (ca:[ALL], grp:[a, b]) in sslm-conf,
# sslm-prodcopy and sslm-mgr; an expired CA named by its notAfter under a
# moved clock.  Oracles: grep -n of the files, openssl x509, ls, jq.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
t=""	# set by ca_self_tree
TMPDIR=$w
export TMPDIR

# listing DIR: every entry under DIR with its type, link target, size and
# content hash, sorted (what "unchanged" means for a store).
listing() {
	(cd "$1" && find . -printf '%p %y %l %s\n' | sort &&
	    find . -type f -exec sha256sum {} + | sort)
}

# count_err REGEX: lines of stderr of the last run matching REGEX.
count_err() {
	grep -Ec -- "$1" "$T_ERR" || :
}

# ---- a leaf without signing_ca ------------------------------------------------
ca_self_tree leaf
C=$t/conf.d
edit "$C/example.com/web-ec" "^signing_ca = 'my-int'\n" ''
run sslm-conf -c "$C"
expect_rc 3 "leaf without signing_ca: exit 3"
expect_err_match "^sslm-conf: $C/example.com/web-ec:$(lineof "$C/example.com/web-ec" '^service =')+: signing_ca: missing: a service outside group ca needs the CA that signs it" \
    "leaf without signing_ca: one line naming file:line and the key"
check "leaf without signing_ca: nothing on stdout" test ! -s "$T_OUT"
run sslm-conf -k -c "$C"
expect_rc 3 "leaf without signing_ca, -k: exit 3"
expect_jq '.groups[1].services | (map(select(.service == "web-ec"))[0].error |
    test("web-ec:[0-9]+: signing_ca: missing")) and
    (map(select(.service == "mail-ec"))[0].signer.ca == "my-int")' \
    "leaf without signing_ca, -k: the service carries the error, the others resolve"
ca_self_tree leaf
edit "$C/example.com/web-ec" "^signing_ca = 'my-int'" "signing_ca = ''"
run sslm-conf -c "$C"
expect_rc 3 "leaf with signing_ca = '': exit 3"
expect_err_match "^sslm-conf: $C/example.com/web-ec:$(lineof "$C/example.com/web-ec" '^signing_ca =')+: signing_ca: empty: " \
    "leaf with signing_ca = '': names the line of signing_ca"
edit "$C/example.com/web-ec" "^signing_ca = ''" "signing_ca = 'self'"
run sslm-conf -c "$C" example.com:web-ec
expect_rc 0 "leaf with signing_ca = 'self': an explicit self-signed leaf loads"
expect_jq '.groups[0].services[0].signer == {"type": "self"}' \
    "leaf with signing_ca = 'self': self-signed"
# The private CA's root may leave signing_ca out (ssl-mgr's '' = a root).
edit "$C/ca/my-root" "^signing_ca = 'self'\n" ''
run sslm-conf -c "$C" ca:my-root
expect_rc 0 "root in group ca without signing_ca: loads"
expect_jq '.groups[0].services[0].signer == {"type": "self"}' \
    "root in group ca without signing_ca: self-signed root"

# ---- through sslm-mgr: the bad service fails alone, unchanged -------------------
ca_self_tree mgr
C=$t/conf.d
run sh -c 'cd "$1" && sh "$2/examples/ca-self/make-ca" root' sh "$t" "$SSLM_TOP"
expect_rc 0 "mgr: make-ca root"
run sslm-mgr -renew
expect_rc 0 "mgr: first renew"
run sslm-mgr -roll
expect_rc 0 "mgr: first roll"
listing "$t/certs/example.com/web-ec" >"$w/store.before"
listing "$t/prod-certs/example.com/web-ec" >"$w/prod.before"
mail_next0=$(readlink "$t/certs/example.com/mail-ec/next" || :)
edit "$C/example.com/web-ec" "^signing_ca = 'my-int'\n" ''
run sslm-mgr -renew
expect_rc 3 "mgr: -renew with a leaf missing signing_ca: exit 3"
expect_err_match "^sslm-conf: .*conf.d/example.com/web-ec:[0-9]+: signing_ca: missing" \
    "mgr: -renew says which file and line"
run sslm-mgr -renew -f
expect_rc 3 "mgr: -renew -f: exit 3"
same "mgr: the error line is given once" \
    "$(count_err 'web-ec:[0-9]+: signing_ca: missing')" 1
mail_next=$(readlink "$t/certs/example.com/mail-ec/next" || :)
check "mail-ec renewed beside the bad service" test -n "$mail_next"
check "mail-ec: a new next" test "$mail_next" != "${mail_next0:-none}"
check "mail-ec: its production next is the new set" cmp \
    "$t/certs/example.com/mail-ec/next/cert.pem" \
    "$t/prod-certs/example.com/mail-ec/next/cert.pem"
listing "$t/certs/example.com/web-ec" >"$w/store.after"
listing "$t/prod-certs/example.com/web-ec" >"$w/prod.after"
check "web-ec: store unchanged" cmp "$w/store.before" "$w/store.after"
check "web-ec: production unchanged" cmp "$w/prod.before" "$w/prod.after"
check "web-ec: no next was made" test ! -e "$t/certs/example.com/web-ec/next"

# ---- prod_cert_dir whose parent is missing -------------------------------------
edit "$C/example.com/web-ec" "^service = 'web-ec'\n" "service = 'web-ec'
signing_ca = 'my-int'
"
cp "$C/ssl-mgr.conf" "$w/ssl-mgr.conf.keep"
edit "$C/ssl-mgr.conf" "prod_cert_dir = './prod-certs'" \
    "prod_cert_dir = './typo/prod-certs'"
pl=$(lineof "$C/ssl-mgr.conf" '^    prod_cert_dir =')
run sslm-conf -c "$C"
expect_rc 3 "prod_cert_dir without parent: exit 3"
expect_err_match "^sslm-conf: $C/ssl-mgr.conf:$pl: prod_cert_dir: $t/typo: No such file or directory \\(only the last part of $t/typo/prod-certs is created\\)$" \
    "prod_cert_dir without parent: names file:line and the missing parent"
expect_err_lines 1 "prod_cert_dir without parent: one line"
run sslm-mgr -renew -f
expect_rc 3 "prod_cert_dir without parent: sslm-mgr -renew exit 3"
expect_err_match "ssl-mgr.conf:$pl: prod_cert_dir: " \
    "prod_cert_dir without parent: sslm-mgr passes the line on"
check "prod_cert_dir without parent: nothing created" test ! -e "$t/typo"
: >"$t/afile"
edit "$C/ssl-mgr.conf" "'./typo/prod-certs'" "'./afile/prod-certs'"
run sslm-conf -c "$C"
expect_rc 3 "prod_cert_dir under a file: exit 3"
expect_err_match "ssl-mgr.conf:$pl: prod_cert_dir: $t/afile: not a directory" \
    "prod_cert_dir under a file: says so"
edit "$C/ssl-mgr.conf" "'./afile/prod-certs'" "'./prod-new'"
run sslm-conf -c "$C"
expect_rc 0 "prod_cert_dir whose last part is missing: loads"
run sslm-mgr -renew -f example.com:web-ec
expect_rc 0 "prod_cert_dir whose last part is missing: sslm-mgr renews"
check "prod_cert_dir whose last part is missing: created with the copy" \
    cmp "$t/certs/example.com/web-ec/next/cert.pem" \
    "$t/prod-new/example.com/web-ec/next/cert.pem"
cp "$w/ssl-mgr.conf.keep" "$C/ssl-mgr.conf"

# ---- misspelt keys name the key they resemble ----------------------------------
# near FILE REGEX SHOWN SUGGESTION WHAT / far FILE REGEX SHOWN WHAT: the
# warning of the last run for the line matching REGEX in FILE.
near() {
	expect_err_match "^sslm-conf: warning: $1:$(lineof "$1" "$2"): $3: unknown (key|table), ignored \\(did you mean $4\\?\\)$" "$5"
}
far() {
	expect_err_match "^sslm-conf: warning: $1:$(lineof "$1" "$2"): $3: unknown (key|table), ignored$" "$4"
}
ca_self_tree keys
C=$t/conf.d
M=$C/ssl-mgr.conf
printf 'clean_kep = 3\n' | cat - "$M" >"$w/m" && mv "$w/m" "$M"
edit "$M" '^\[globals\]\n' "[globals]
    prod_cert_dri = './p'
    colour = 'blue'
" '^\[\[groups\]\]\n' "[[groups]]
    activ = true
    comment = 'x'
" '^\[\[dns_primary\]\]\n' "[[dns_primary]]
    prot = 53
    ttl = 5
" '^\[dns\]\n' "[dns]
    tlsa_dir = ['x']
    zone = 'example.com'
" '^\[smtp\]\n' "[smpt]
    x = 1

[mailer]
    x = 1

[smtp]
    restart_cmds = ['x']
    hosts = ['x']
"
edit "$C/ca-info.conf" '^\[my-int\]\n' "[my-int]
    ca_dsec = 'x'
    colour = 'blue'
"
S=$C/example.com/web-ec
edit "$S" "^signing_ca = 'my-int'\n" '' '^\[KeyOpts\]\n' "sigining_ca = 'my-int'
owner = 'me'

[KeyOpts]
    ec_alog = 'secp256r1'
    curve = 'x'
" '^\[X509\]\n' "[X509]
    snas = ['x']
    Cn = 'x'
    altnames = ['x']
"
edit "$C/ca/my-int" '^\[CA\]\n' "[CA]
    sign_end_day = 9
    lifetime = 9
"
run sslm-conf -k -c "$C"
near "$M" '^clean_kep' clean_kep clean_keep "top level: clean_kep -> clean_keep"
near "$M" 'prod_cert_dri' globals.prod_cert_dri prod_cert_dir \
    "globals: prod_cert_dri -> prod_cert_dir"
far "$M" 'colour' globals.colour "globals: colour, no suggestion"
near "$M" '^\[smpt\]' smpt smtp "tables: [smpt] -> smtp"
far "$M" '^\[mailer\]' mailer "tables: [mailer], no suggestion"
near "$M" 'activ =' groups.activ active "groups: activ -> active"
far "$M" 'comment =' groups.comment "groups: comment, no suggestion"
near "$M" 'prot =' dns_primary.prot port "dns_primary: prot -> port"
far "$M" 'ttl =' dns_primary.ttl "dns_primary: ttl, no suggestion"
near "$M" 'tlsa_dir =' dns.tlsa_dir tlsa_dirs "dns: tlsa_dir -> tlsa_dirs"
far "$M" 'zone =' dns.zone "dns: zone, no suggestion"
near "$M" 'restart_cmds =' smtp.restart_cmds restart_cmd \
    "servers: restart_cmds -> restart_cmd"
far "$M" 'hosts =' smtp.hosts "servers: hosts, no suggestion"
near "$C/ca-info.conf" 'ca_dsec' my-int.ca_dsec ca_desc "ca-info: ca_dsec -> ca_desc"
far "$C/ca-info.conf" 'colour' my-int.colour "ca-info: colour, no suggestion"
near "$S" '^sigining_ca' sigining_ca signing_ca \
    "service: sigining_ca -> signing_ca"
far "$S" '^owner' owner "service: owner, no suggestion"
near "$S" 'ec_alog' KeyOpts.ec_alog ec_algo "KeyOpts: ec_alog -> ec_algo"
far "$S" 'curve =' KeyOpts.curve "KeyOpts: curve, no suggestion"
near "$S" 'snas' X509.snas sans "X509: snas -> sans"
near "$S" '^    Cn =' X509.Cn CN "X509: Cn -> CN (case)"
far "$S" 'altnames' X509.altnames "X509: altnames, no suggestion"
near "$C/ca/my-int" 'sign_end_day =' CA.sign_end_day sign_end_days \
    "CA: sign_end_day -> sign_end_days"
far "$C/ca/my-int" 'lifetime =' CA.lifetime "CA: lifetime, no suggestion"
expect_err_match "web-ec:[0-9]+: signing_ca: missing" \
    "service: the misspelt signing_ca also leaves the leaf without a CA"
# An unknown table of a service file is an error, with the suggestion.
edit "$C/example.com/mail-ec" '^\[KeyOpts\]' '[Keyopts]'
run sslm-conf -c "$C" example.com:mail-ec
expect_rc 3 "service: [Keyopts] is an error"
expect_err_match "mail-ec:$(lineof "$C/example.com/mail-ec" '^\[Keyopts\]'): Keyopts: unknown table \\(.*did you mean KeyOpts\\?\\)$" \
    "service: [Keyopts] -> KeyOpts"

# ---- each warning once per run ----------------------------------------------------
ca_self_tree once
C=$t/conf.d
edit "$C/ssl-mgr.conf" "services = \\['web-ec', 'mail-ec'\\]" \
    "services = ['web-ec', 'mail-ec', 'web-ec']" \
    '^\[globals\]\n' "[globals]
    renew_expire_days = 20
"
edit "$C/example.com/web-ec" '^\[X509\]\n' "[X509]
    snas = ['x']
"
run sslm-conf -c "$C"
expect_rc 0 "once: loads"
expect_jq '.groups[1].services | map(.service) == ["web-ec", "mail-ec"]' \
    "once: a service listed twice is loaded once"
same "once: the service's warning once" "$(count_err 'web-ec:[0-9]+: X509.snas')" 1
same "once: the deprecation once" "$(count_err 'renew_expire_days: deprecated')" 1
run sslm-conf -c "$C" example.com:web-ec 'example.com:web-ec,web-ec' 'example.com:[web-ec]'
expect_jq '.groups[0].services | map(.service) == ["web-ec"]' \
    "once: operands naming a service thrice load it once"
same "once: no line of stderr twice" "$(sort "$T_ERR" | uniq -d | wc -l)" 0
same "once: the warning is there" "$(count_err 'X509.snas')" 1

# ---- selection forms -----------------------------------------------------------------
# shellcheck disable=SC2012
cas=$(ls "$C/ca" | sort | paste -sd, -)
for f in 'ca:[ALL]' 'ca:[*]' 'ca:ALL' 'ca:*' 'ca' 'ca:[my-int, ALL]'; do
	run sslm-conf -c "$C" "$f"
	expect_rc 0 "select $f: loads"
	same "select $f: every CA service" \
	    "$(jq -r '[.groups[0].services[].service] | join(",")' "$T_OUT")" "$cas"
done
run sslm-conf -c "$C" 'example.com:[mail-ec, web-ec]'
expect_jq '[.groups[0].services[].service] == ["mail-ec", "web-ec"]' \
    "select grp:[a, b] (one operand): both, in order"
run sslm-conf -c "$C" 'example.com:[mail-ec,' 'web-ec]' 'ca:[my-root]'
expect_jq '[.groups[] | .domain + ":" + ([.services[].service] | join(","))] ==
    ["example.com:mail-ec,web-ec", "ca:my-root"]' \
    "select grp:[a, b] split by the shell: joined"
# refused OPERAND REGEX: sslm-conf refuses the operand, saying why.
refused() {
	run sslm-conf -c "$C" "$1"
	expect_rc 3 "select $1: exit 3"
	expect_err_match "$2" "select $1: says why"
}
refused 'ca:[my-root' '^sslm-conf: ca:\[my-root: no closing \]$'
refused 'ca:[]' 'ca:\[\]: no service between \[ and \]$'
refused 'ca:[my-root]x' 'ca:\[my-root\]x: text after \]$'
refused 'ca:[../x]' '"../x" is not a safe service name$'
refused 'bad/grp:[ALL]' '"bad/grp" is not ca or a domain$'

# sslm-prodcopy reads the same forms (tree mgr: a store and production).
C=$t/../mgr/conf.d
sslm-conf -c "$C" >"$w/c.json"
run sslm-prodcopy -n -c "$w/c.json" 'ca:[ALL]'
expect_rc 0 "prodcopy ca:[ALL]: in sync"
# (web-ec went to prod-new above: production is behind for it)
run sslm-prodcopy -n -c "$w/c.json" 'example.com:[mail-ec,' 'web-ec]'
expect_rc 1 "prodcopy grp:[a, b] split: web-ec seen as out of sync"
expect_err_match 'mismatch: .*/example.com/web-ec/next vs' \
    "prodcopy grp:[a, b] split: web-ec was selected"
run sslm-prodcopy -n -c "$w/c.json" 'ca:[my-root,' 'my-int]'
expect_rc 0 "prodcopy ca:[a, b] split: in sync"
run sslm-prodcopy -n -c "$w/c.json" 'ca:[my-root, nosuch]'
expect_rc 3 "prodcopy grp:[a, nosuch]: exit 3"
expect_err_match '^sslm-prodcopy: ca:nosuch: no such service$' \
    "prodcopy grp:[a, nosuch]: names the service"
run sslm-prodcopy -n -c "$w/c.json" 'ca:[my-root'
expect_rc 2 "prodcopy ca:[my-root: usage, exit 2"
# sslm-mgr passes the operands to sslm-conf.
run env SSL_MGR_TOPDIR="$t/../mgr" sslm-mgr -s 'ca:[ALL]'
expect_rc 0 "mgr -s ca:[ALL]: exit 0"
check "mgr -s ca:[ALL]: lists my-root" grep -q 'my-root' "$T_OUT"
check "mgr -s ca:[ALL]: lists my-int" grep -q 'my-int' "$T_OUT"
check "mgr -s ca:[ALL]: not the leaves" test "$(grep -c 'web-ec' "$T_OUT")" = 0

# ---- an expired CA is named by its notAfter --------------------------------------
T=$t/../mgr
int=$T/certs/ca/my-int/curr
end=$(openssl x509 -in "$int/cert.pem" -noout -enddate | sed 's/^notAfter=//')
endz=$(date -u -d "$end" '+%Y-%m-%dT%H:%M:%SZ')
later=$(date -u -d "$end + 30 days" '+%Y-%m-%d %H:%M:%S')
run env SSL_MGR_TOPDIR="$T" TZ=UTC faketime -f "@$later" \
    sslm-mgr -renew -f example.com:web-ec
expect_rc 3 "expired CA under a moved clock: renew fails"
expect_err_match "the CA certificate has expired at $endz \\(notAfter; signing at " \
    "expired CA: the message gives the CA's notAfter (openssl)"
if grep -q "expired at $(date -u -d "$later" '+%Y-%m-%d')" "$T_ERR"; then
	notok "expired CA: not the current time as the expiry" "$(cat "$T_ERR")"
else
	ok "expired CA: not the current time as the expiry"
fi
run env TZ=UTC faketime -f "@$later" sslm-casign -K "$int/privkey.pem" \
    -C "$int/cert.pem" "$T/certs/example.com/web-ec/curr/csr.pem"
expect_rc 3 "expired CA, sslm-casign: exit 3"
expect_err_match "cert.pem: the CA certificate has expired at $endz \\(notAfter; signing at $(date -u -d "$later" '+%Y-%m-%dT%H:%M')" \
    "expired CA, sslm-casign: notAfter, then the signing time"
