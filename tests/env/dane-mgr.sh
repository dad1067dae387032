# The sslm-mgr side of the DANE tests: a store for the mail service of
# example.test, and oracles that ask the servers, not sslm (sourced after
# tests/lib.sh, tests/env/dns.sh and tests/env/dane.sh; POSIX sh).
#
#   dane_test_init       the scratch of a DANE test: w and TMPDIR (exported)
#                        are SSLM_TMP, zone is example.test, t_start the
#                        time now; dane_cleanup runs at exit
#   dane_cleanup         stop the TLS server, unbound and the DNS servers
#   dane_zone_up DIR [INCEPTION EXPIRATION]
#                        dns_start DIR, dane_keys, the zone with
#                        mail.example.test and the $INCLUDE of
#                        DNS_DIR/tlsa/tlsa.example.test, signed (with
#                        that validity window when given, see
#                        dane_sign_window), served by both servers
#   dane_mail_store NAME TTL LOG [detach]
#                        ca_self_tree NAME (sets t and SSL_MGR_TOPDIR)
#                        with one group, example.test, and one service,
#                        mail: EC P-256 signed by my-int, TLSA 3 1 1 with
#                        TTL for mail.example.test (SANS) and
#                        mx1.example.test (MX) on DANE_PORT; [[dns_primary]]
#                        the NSD primary; [dns] tlsa_dirs DNS_DIR/tlsa and
#                        restart_cmd SSLM_TMP/dns-restart (re-sign and
#                        reload); [smtp] restart_cmd SSLM_TMP/smtp-restart
#                        (the TLS server in SSLM_TMP/tls on DANE_PORT with
#                        production's curr; detach: see
#                        dane_tls_restart_cmd); both log their arguments
#                        to LOG; when DANE_TLS_ON and DANE_VERIFY_ON are
#                        1, [smtp] probe lists both names (mx1 at
#                        127.0.0.1) and probe_resolver is the validating
#                        unbound, else probe_dane = false
#   dane_tlsa_at ADDR NAME
#                        the TLSA 3 1 1 data ADDR serves for
#                        _DANE_PORT._tcp.NAME.example.test, lower case,
#                        one per line, sorted (dig, recursion off)
#   dane_served WHAT HASH...
#                        ok when every authoritative server serves
#                        exactly these hashes at both owner names
#   dane_presents HASH WHAT
#                        ok when the TLS server presents the key with
#                        HASH (only when DANE_TLS_ON is 1)
#   dane_ok STEP         ok when ldns-dane verify, through the validating
#                        unbound, accepts the TLS server at both owner
#                        names (only when DANE_VERIFY_ON is 1); counts
#                        the calls in DANE_N and the failures in
#                        DANE_NFAIL
#
# Set DANE_PORT (the TLS server's port) before use.

DANE_TLS_ON=0
DANE_VERIFY_ON=0
DANE_N=0
DANE_NFAIL=0

# shellcheck disable=SC2034 # zone and t_start are the test's
dane_test_init() {
	w=$SSLM_TMP
	TMPDIR=$w
	export TMPDIR
	zone=$DNS_ZONE
	t_start=$(date +%s)
	trap dane_cleanup EXIT
}

dane_cleanup() {
	dane_tls_stop "$SSLM_TMP/tls"
	dane_stop
	dns_stop
}

dane_zone_up() {
	printf 'mail IN A 127.0.0.1\n' >"$1.static"
	dns_start "$1" && dane_keys || return 1
	[ $# -lt 3 ] || dane_sign_window "$2" "$3"
	dane_records "$1.static" && dane_include "$DNS_DIR/tlsa/tlsa.$DNS_ZONE" &&
	    dane_sign_reload && dns_sync
}

dane_mail_store() {
	ca_self_tree "$1"
	# shellcheck disable=SC2154 # t: set by ca_self_tree
	_dp=$t/prod-certs/$DNS_ZONE/mail
	dane_dns_restart_cmd "$SSLM_TMP/dns-restart" "$3"
	dane_tls_restart_cmd "$SSLM_TMP/smtp-restart" "$SSLM_TMP/tls" \
	    "$DANE_PORT" "$_dp/curr/cert.pem" "$_dp/curr/privkey.pem" "$3" \
	    "${4:-}"
	rm -r "$t/conf.d/example.com"
	mkdir "$t/conf.d/$DNS_ZONE"
	# Two owner names: mail.example.test (the SAN) and mx1.example.test
	# (the MX host, asked of the dns_primary), both on the TLS server's
	# port.
	cat >"$t/conf.d/$DNS_ZONE/mail" <<EOF
name = 'Example.test mail'
group = '$DNS_ZONE'
service = 'mail'
signing_ca = 'my-int'
dane_tls = [[$DANE_PORT, 'tcp', 3, 1, 1, 'SANS'], [$DANE_PORT, 'tcp', 3, 1, 1, 'MX']]
dane_tls_ttl = $2

[KeyOpts]
    ktype = 'ec'
    ec_algo = 'secp256r1'

[X509]
    CN = 'mail.$DNS_ZONE'
    O = 'Example Certs'
    C = 'US'
    sans = ['mail.$DNS_ZONE']
EOF
	edit "$t/conf.d/ssl-mgr.conf" \
	    "^\\[\\[groups\\]\\]\\n    domain = 'example.com'.*?(?=^#)" "[[groups]]
    domain = '$DNS_ZONE'
    services = ['mail']
    active = true

" \
	    "^\\[\\[dns_primary\\]\\].*?(?=^#)" "[[dns_primary]]
    domain = '$DNS_ZONE'
    server = '$DNS_PRIMARY'
    port = $DNS_PORT

" \
	    "^\\[dns\\].*?(?=^\\[smtp\\])" "[dns]
    tlsa_dirs = ['$DNS_DIR/tlsa']
    restart_cmd = '$SSLM_TMP/dns-restart'
    depends = ['dns']

" \
	    "^\\[smtp\\].*?(?=^\\[web\\])" "[smtp]
    servers = ['$(hostname)']
    restart_cmd = '$SSLM_TMP/smtp-restart smtp'
    svc_depends = [['$DNS_ZONE', ['mail']]]

"
	# After a roll the servers are probed (sslm-probe) through the
	# validating unbound, mx1 at the TLS server's address (its A record
	# is another); without the TLS server or unbound, not at all.
	if [ "$DANE_TLS_ON" -eq 1 ] && [ "$DANE_VERIFY_ON" -eq 1 ]; then
		edit "$t/conf.d/ssl-mgr.conf" "^\\[globals\\]\\n" "[globals]
    probe_resolver = '$DANE_RESOLVER'
" "^    svc_depends = \\[\\['$DNS_ZONE', \\['mail'\\]\\]\\]\\n" "    svc_depends = [['$DNS_ZONE', ['mail']]]
    probe = ['mail.$DNS_ZONE:$DANE_PORT', 'mx1.$DNS_ZONE:$DANE_PORT@127.0.0.1']
"
	else
		edit "$t/conf.d/ssl-mgr.conf" "^\\[globals\\]\\n" "[globals]
    probe_dane = false
"
	fi
}

dane_tlsa_at() {
	dns_dig "$1" "_$DANE_PORT._tcp.$2.$DNS_ZONE" TLSA +short |
	    awk '$1 == 3 && $2 == 1 && $3 == 1 { $1 = $2 = $3 = ""; gsub(/ /, "")
	    print tolower($0) }' | sort
}

dane_served() {
	_what=$1
	shift
	_want=$(printf '%s\n' "$@" | sort)
	_bad=""
	for _s in "$DNS_PRIMARY" "$DNS_SECONDARY"; do
		for _n in mail mx1; do
			_got=$(dane_tlsa_at "$_s" "$_n")
			[ "$_got" = "$_want" ] ||
			    _bad="$_bad [$_s $_n: $(echo "$_got" | tr '\n' ' ')]"
		done
	done
	if [ -z "$_bad" ]; then
		ok "$_what"
	else
		notok "$_what" "$_bad"
	fi
}

dane_presents() {
	[ "$DANE_TLS_ON" -eq 1 ] || return 0
	_got=$(dane_presented "$DANE_PORT")
	if [ "$_got" = "$1" ]; then
		ok "$2"
	else
		notok "$2" "presented $_got, expected $1"
	fi
}

# mx1 is made to connect to 127.0.0.1 with -a; its TLSA records still
# come through the resolver.
dane_ok() {
	[ "$DANE_VERIFY_ON" -eq 1 ] || return 0
	_bad=""
	for _a in "verify mail.$DNS_ZONE $DANE_PORT" \
	    "-n -a 127.0.0.1 verify mx1.$DNS_ZONE $DANE_PORT"; do
		DANE_N=$((DANE_N + 1))
		# shellcheck disable=SC2086
		if ! ldns-dane -r "$DANE_RESOLVER" $_a >"$SSLM_TMP/dane.out" 2>&1
		then
			DANE_NFAIL=$((DANE_NFAIL + 1))
			_bad="$_bad [$_a: $(tr '\n' ' ' <"$SSLM_TMP/dane.out")]"
		fi
	done
	if [ -z "$_bad" ]; then
		ok "$1: ldns-dane verify through unbound accepts the server"
	else
		notok "$1: ldns-dane verify through unbound accepts the server" \
		    "$_bad"
	fi
}
