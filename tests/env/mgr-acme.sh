# sslm-mgr trees against the ACME test bed of pebble.sh (sourced, POSIX
# sh, after tests/env/pebble.sh).
#
#   mgr_bed W ZONE [VAR=VALUE ...]
#                           the test CA (W/ca), NSD for ZONE (W/nsd), nginx
#                           (W/web) and one Pebble (W/pebble) on loopback;
#                           Pebble's root in W/root.pem; W/dns-restart, a
#                           restart_cmd that loads W/acme/acme-challenge.*
#                           into NSD and appends its arguments to
#                           W/dns-restarts; W/sites/ZONE, the web root
#                           nginx serves; VAR=VALUE go to Pebble's
#                           environment (pebble_start).  The restart_cmd
#                           sets its own PATH (the caller's), as an
#                           operator's script under cron would.  Return
#                           status 0 when all run.
#   mgr_bed_stop            stop what mgr_bed started.
#   mgr_site NAME           a fresh sslm TOP W/NAME for ZONE whose
#                           ssl-mgr.conf uses the bed (min_roll_mins 0, no
#                           public resolvers); ca-info.conf is read from
#                           standard input.  Sets t and SSL_MGR_TOPDIR.
#   mgr_pebble_cas URL CAFILE
#                           print the ca-info.conf of two CAs of the ACME
#                           directory URL (trusted through CAFILE):
#                           pebble-http (http-01) and pebble-dns (dns-01).
#   mgr_service NAME CA CN SAN...
#                           the service file conf.d/ZONE/NAME of t.
#   mgr_good DIR            DIR is a complete set that openssl verifies
#                           against Pebble's root.

mgr_bed() {
	mgr_w=$1 mgr_zone=$2
	shift 2
	pebble_ca "$mgr_w/ca" && pebble_nsd_start "$mgr_w/nsd" "$mgr_zone" &&
	    pebble_web_start "$mgr_w/web" &&
	    pebble_start "$mgr_w/pebble" "$mgr_w/ca" \
	    "$(cat "$mgr_w/web/port")" "127.0.0.1:$(cat "$mgr_w/nsd/port")" \
	    "$@" &&
	    pebble_root "$mgr_w/pebble" 0 "$mgr_w/root.pem" || return 1
	# The DNS restart_cmd: the acme-challenge files become the zone's
	# TXT records and NSD reloads; each call is counted.
	{
		echo '#!/bin/sh'
		echo "PATH='$PATH'"
		echo "export PATH"
		echo "echo \"\$*\" >>'$mgr_w/dns-restarts'"
		echo ". '$SSLM_TOP/tests/env/pebble.sh'"
		echo "cat '$mgr_w/acme'/acme-challenge.* >'$mgr_w/nsd/txt' 2>/dev/null"
		echo "_pebble_nsd_reload '$mgr_w/nsd'"
	} >"$mgr_w/dns-restart" && chmod 755 "$mgr_w/dns-restart" &&
	    mkdir -p "$mgr_w/acme" "$mgr_w/sites" &&
	    ln -s "$mgr_w/web/www" "$mgr_w/sites/$mgr_zone"
}

mgr_bed_stop() {
	pebble_stop "$mgr_w/pebble" 2>/dev/null
	pebble_web_stop "$mgr_w/web" 2>/dev/null
	pebble_nsd_stop "$mgr_w/nsd" 2>/dev/null
}

mgr_site() {
	t=$mgr_w/$1
	rm -rf "$t"
	mkdir -p "$t/conf.d/$mgr_zone"
	SSL_MGR_TOPDIR=$t
	export SSL_MGR_TOPDIR
	cat >"$t/conf.d/ssl-mgr.conf" <<X
[globals]
    prod_cert_dir = './prod-certs'
    logdir = './logs'
    min_roll_mins = 0
    dns_check_delay = 0
    dns_xtra_ns = []

[[groups]]
    domain = '$mgr_zone'
    services = 'ALL'
    active = true

[[dns_primary]]
    domain = '$mgr_zone'
    server = '127.0.0.1'
    port = $(cat "$mgr_w/nsd/port")

[dns]
    acme_dir = '$mgr_w/acme'
    restart_cmd = '$mgr_w/dns-restart'

[web]
    server_dir = '$mgr_w/sites'
X
	cat >"$t/conf.d/ca-info.conf"
}

mgr_pebble_cas() {
	for _v in http dns; do
		printf "[pebble-%s]\n    ca_type = 'acme'\n" "$_v"
		printf "    ca_validation = '%s-01'\n" "$_v"
		printf "    acme_directory = '%s'\n    acme_ca_file = '%s'\n\n" \
		    "$1" "$2"
	done
}

mgr_service() {
	_n=$1 _ca=$2 _cn=$3
	shift 3
	_s=""
	for _x in "$@"; do _s="$_s'$_x', "; done
	cat >"$t/conf.d/$mgr_zone/$_n" <<X
name = '$_n'
group = '$mgr_zone'
service = '$_n'
signing_ca = '$_ca'

[KeyOpts]
    ktype = 'ec'
    ec_algo = 'secp256r1'

[X509]
    CN = '$_cn'
    O = 'Test'
    C = 'NZ'
    email = 'hostmaster@$mgr_zone'
    sans = [$_s]
X
}

mgr_good() {
	for _f in privkey.pem csr.pem cert.pem chain.pem fullchain.pem bundle.pem; do
		[ -s "$1/$_f" ] || return 1
	done
	openssl verify -CAfile "$mgr_w/root.pem" -untrusted "$1/chain.pem" \
	    "$1/cert.pem" >/dev/null 2>&1
}
