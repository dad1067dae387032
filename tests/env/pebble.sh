# A throw-away ACME test bed on loopback (sourced, POSIX sh): Pebble, an
# authoritative NSD for its DNS, and nginx for http-01.
#
#   pebble_free_port            print a TCP port nobody listens on.
#   pebble_ca DIR               a small CA (DIR/ca.pem, DIR/ca.key) and a
#                               server certificate for 127.0.0.1 and
#                               localhost (DIR/server.pem, DIR/server.key)
#                               that Pebble serves and clients trust.
#   pebble_nsd_start DIR ZONE   NSD on 127.0.0.1:<free port>, authoritative
#                               for ZONE: the apex and every name below it
#                               have A 127.0.0.1 (no AAAA).  DIR/port.
#   pebble_nsd_txt DIR NAME VAL add a TXT record (NAME without the zone's
#                               trailing dot), bump the serial, reload and
#                               poll until NSD serves it.
#   pebble_nsd_clear DIR        remove every TXT record (reload, as above).
#   pebble_nsd_stop DIR
#   pebble_web_start DIR        nginx on 127.0.0.1:<free port> serving
#                               DIR/www (write the key authorizations to
#                               DIR/www/.well-known/acme-challenge/TOKEN).
#                               DIR/port.
#   pebble_web_stop DIR
#   pebble_start DIR CA HTTPPORT DNS [VAR=VALUE ...]
#                               Pebble with the certificate of pebble_ca
#                               directory CA, validating http-01 on
#                               HTTPPORT and resolving through DNS
#                               (ADDR:PORT), environment VAR=VALUE added
#                               (PEBBLE_VA_NOSLEEP=1 and
#                               PEBBLE_AUTHZREUSE=0 are the defaults);
#                               with PEBBLE_EAB set to "kid1 kid2 ..." the
#                               instance requires External Account Binding
#                               and DIR/eab-<kid> holds each base64url key.
#                               Writes DIR/url (the directory URL),
#                               DIR/mgmt (the management URL), DIR/pid;
#                               polls until the directory answers.
#   pebble_root DIR N OUT       the root (N = 0) or alternate root N in OUT.
#   pebble_stop DIR
#   hostile_start DIR SCRIPT ARGS...
#                               python3 tests/SCRIPT (a hostile server of
#                               the suite) with ARGS DIR/port DIR/log, in
#                               the background (DIR/pid, DIR/err); polls
#                               until it has written the port it listens
#                               on to DIR/port.  hostile_stop DIR.
#
# Everything listens on 127.0.0.1 only; nothing uses the system resolver.
# Return status: 0 ok, 1 failure (the daemon's log is in DIR).

pebble_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# _pebble_poll N CMD...: run CMD every 0.1 s until it succeeds, N tries.
_pebble_poll() {
	_pn=$1
	shift
	while [ "$_pn" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_pn=$((_pn - 1))
	done
	return 1
}

_pebble_gone() {
	! kill -0 "$1" 2>/dev/null
}

# _pebble_kill PIDFILE: stop the process by its pid and wait until gone.
_pebble_kill() {
	[ -s "$1" ] || return 0
	_pp=$(cat "$1")
	kill "$_pp" 2>/dev/null || { rm -f "$1"; return 0; }
	_pebble_poll 100 _pebble_gone "$_pp"
	rm -f "$1"
}

pebble_ca() {
	mkdir -p "$1" || return 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$1/ca.key" -out "$1/ca.pem" -days 2 \
	    -subj "/CN=sslm test ca for pebble" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign \
	    >/dev/null 2>&1 || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1/server.key" -out "$1/server.csr" -subj "/CN=localhost" \
	    >/dev/null 2>&1 || return 1
	printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	    "basicConstraints=critical,CA:FALSE" \
	    "extendedKeyUsage=serverAuth" >"$1/server.ext"
	openssl x509 -req -in "$1/server.csr" -CA "$1/ca.pem" \
	    -CAkey "$1/ca.key" -CAcreateserial -days 2 \
	    -extfile "$1/server.ext" -out "$1/server.pem" >/dev/null 2>&1
}

# ---- NSD --------------------------------------------------------------

_pebble_zone() {
	_zd=$1
	_zs=$(($(cat "$_zd/serial") + 1))
	echo "$_zs" >"$_zd/serial"
	{
		printf '%sORIGIN %s.\n%sTTL 1\n' '$' "$(cat "$_zd/zone")" '$'
		printf '@ IN SOA ns1 hostmaster %s 60 60 600 1\n' "$_zs"
		printf '@ IN NS ns1\n@ IN A 127.0.0.1\n* IN A 127.0.0.1\n'
		cat "$_zd/txt"
	} >"$_zd/zone.db.tmp" && mv "$_zd/zone.db.tmp" "$_zd/zone.db"
}

pebble_nsd_start() {
	_nd=$1
	mkdir -p "$_nd" || return 1
	echo "$2" >"$_nd/zone"
	echo 0 >"$_nd/serial"
	: >"$_nd/txt"
	_pebble_zone "$_nd" || return 1
	pebble_free_port >"$_nd/port" || return 1
	cat >"$_nd/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1
	port: $(cat "$_nd/port")
	do-ip6: no
	username: ""
	chroot: ""
	database: ""
	zonesdir: "$_nd"
	pidfile: "$_nd/nsd.pid"
	logfile: "$_nd/nsd.log"
	xfrdfile: "$_nd/xfrd.state"
	zonelistfile: "$_nd/zone.list"
	xfrdir: "$_nd"
	verbosity: 1
remote-control:
	control-enable: yes
	control-interface: "$_nd/nsd.ctl"
zone:
	name: "$2"
	zonefile: "$_nd/zone.db"
EOF
	nsd -d -c "$_nd/nsd.conf" >>"$_nd/nsd.log" 2>&1 &
	echo $! >"$_nd/nsd.pid.sh"
	_pebble_poll 100 dig +short +norec +time=1 +tries=1 \
	    -p "$(cat "$_nd/port")" @127.0.0.1 SOA "$2"
}

# _pebble_nsd_has DIR NAME VALUE: NSD serves that TXT record.
_pebble_nsd_has() {
	dig +short +norec +time=1 +tries=1 -p "$(cat "$1/port")" \
	    @127.0.0.1 TXT "$2" | grep -qF "\"$3\""
}

_pebble_nsd_reload() {
	_pebble_zone "$1" || return 1
	nsd-control -c "$1/nsd.conf" reload "$(cat "$1/zone")" \
	    >>"$1/nsd.log" 2>&1
}

pebble_nsd_txt() {
	printf '%s. IN TXT "%s"\n' "$2" "$3" >>"$1/txt"
	_pebble_nsd_reload "$1" || return 1
	_pebble_poll 100 _pebble_nsd_has "$1" "$2" "$3"
}

pebble_nsd_clear() {
	: >"$1/txt"
	_pebble_nsd_reload "$1"
}

pebble_nsd_stop() {
	_pebble_kill "$1/nsd.pid.sh"
}

# ---- nginx ------------------------------------------------------------

pebble_web_start() {
	_wd=$1
	mkdir -p "$_wd/www/.well-known/acme-challenge" "$_wd/tmp" || return 1
	pebble_free_port >"$_wd/port" || return 1
	cat >"$_wd/nginx.conf" <<EOF
worker_processes 1;
pid $_wd/nginx.pid;
error_log $_wd/error.log;
$( [ "$(id -u)" -eq 0 ] && echo "user root root;" )
events { worker_connections 64; }
http {
	access_log $_wd/access.log;
	client_body_temp_path $_wd/tmp/body;
	proxy_temp_path $_wd/tmp/proxy;
	fastcgi_temp_path $_wd/tmp/fastcgi;
	uwsgi_temp_path $_wd/tmp/uwsgi;
	scgi_temp_path $_wd/tmp/scgi;
	default_type text/plain;
	server {
		listen 127.0.0.1:$(cat "$_wd/port");
		root $_wd/www;
	}
}
EOF
	nginx -p "$_wd" -e "$_wd/error.log" -c "$_wd/nginx.conf" \
	    -g 'daemon off;' >"$_wd/nginx.out" 2>&1 &
	echo $! >"$_wd/nginx.pid.sh"
	echo ready >"$_wd/www/ready"
	_pebble_poll 100 curl -sf "http://127.0.0.1:$(cat "$_wd/port")/ready"
}

pebble_web_stop() {
	_pebble_kill "$1/nginx.pid.sh"
}

# ---- Pebble -----------------------------------------------------------

pebble_start() {
	_pd=$1 _pca=$2 _php=$3 _pdns=$4
	shift 4
	mkdir -p "$_pd" || return 1
	_plp=$(pebble_free_port) && _pmp=$(pebble_free_port) &&
	    _ptp=$(pebble_free_port) || return 1
	_peab=false _pkeys=
	for _pv in "$@"; do
		case "$_pv" in
		PEBBLE_EAB=*) _peab=true ;;
		esac
	done
	if [ "$_peab" = true ]; then
		for _pv in "$@"; do
			case "$_pv" in
			PEBBLE_EAB=*) ;;
			*) continue ;;
			esac
			for _pk in ${_pv#PEBBLE_EAB=}; do
				openssl rand -base64 48 | tr '+/' '-_' |
				    tr -d '=\n' >"$_pd/eab-$_pk" || return 1
				_pkeys="$_pkeys${_pkeys:+,}
      \"$_pk\": \"$(cat "$_pd/eab-$_pk")\""
			done
		done
	fi
	cat >"$_pd/config.json" <<EOF
{
  "pebble": {
    "listenAddress": "127.0.0.1:$_plp",
    "managementListenAddress": "127.0.0.1:$_pmp",
    "certificate": "$_pca/server.pem",
    "privateKey": "$_pca/server.key",
    "httpPort": $_php,
    "tlsPort": $_ptp,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": $_peab,
    "externalAccountMACKeys": {$_pkeys
    }
  }
}
EOF
	echo "https://127.0.0.1:$_plp/dir" >"$_pd/url"
	echo "https://127.0.0.1:$_pmp" >"$_pd/mgmt"
	echo "$_pca/ca.pem" >"$_pd/cafile"
	env PEBBLE_VA_NOSLEEP=1 PEBBLE_AUTHZREUSE=0 "$@" \
	    pebble -config "$_pd/config.json" -dnsserver "$_pdns" \
	    >"$_pd/pebble.log" 2>&1 &
	echo $! >"$_pd/pid"
	_pebble_poll 200 curl -sf --cacert "$_pca/ca.pem" "$(cat "$_pd/url")"
}

pebble_root() {
	curl -sf --cacert "$(cat "$1/cafile")" \
	    "$(cat "$1/mgmt")/roots/$2" >"$3"
}

pebble_stop() {
	_pebble_kill "$1/pid"
}

hostile_start() {
	_hd=$1 _hs=$2
	shift 2
	mkdir -p "$_hd" || return 1
	python3 "$SSLM_TOP/tests/$_hs" "$@" "$_hd/port" "$_hd/log" \
	    >"$_hd/err" 2>&1 &
	echo $! >"$_hd/pid"
	_pebble_poll 100 test -s "$_hd/port"
}

hostile_stop() {
	_pebble_kill "$1/pid"
}
