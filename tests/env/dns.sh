# Authoritative DNS on loopback for tests (sourced, POSIX sh).
#
# An NSD primary on 127.0.10.1 and a Knot secondary on 127.0.10.2, both on
# one free high port, for the zone example.test: SOA, NS ns1/ns2 (glue
# 127.0.10.1 / 127.0.10.2), MX, A records, and $INCLUDE of a records
# file the test sets.  Knot follows the primary by NOTIFY + AXFR.
#
#   dns_start DIR        write configs, start both daemons, poll until
#                        both serve the zone; sets DNS_DIR and DNS_PORT
#   dns_stop             stop everything dns_start started (by pid)
#   dns_set_records FILE zone lines (relative to example.test.) that
#                        replace the included records file
#   dns_reload           bump the serial, reload NSD (nsd-control), poll
#                        until the primary serves the new serial; NSD
#                        then NOTIFYs Knot
#   dns_sync             poll until the secondary serves the primary's
#                        serial
#   dns_freeze/dns_thaw  knotc zone-freeze / zone-thaw on the secondary
#   dns_serial ADDR      the SOA serial ADDR serves (dig, recursion off)
#   dns_wait_serial ADDR SERIAL
#                        poll until ADDR serves SERIAL
#   dns_blackhole ADDR   a UDP socket on ADDR:DNS_PORT that reads and
#                        never answers (for timeouts); stopped by dns_stop
#   dns_free_port        a port free for UDP and TCP on 127.0.10.1-3
#
# Nothing here uses the system resolver or a system-wide port; every
# wait is a bounded poll.  Return status: 0 ok, 1 failure (with a reason
# on stderr).

DNS_ZONE=example.test
DNS_PRIMARY=127.0.10.1
DNS_SECONDARY=127.0.10.2

dns_free_port() {
	python3 -c 'import socket, random
for _ in range(200):
    port = random.randint(20000, 60000)
    socks = []
    try:
        for a in ("127.0.10.1", "127.0.10.2", "127.0.10.3"):
            for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                s = socket.socket(socket.AF_INET, t)
                socks.append(s)
                s.bind((a, port))
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(port)
    break
else:
    raise SystemExit(1)'
}

# dns_dig ADDR ARGS...: dig straight at a test server, recursion off.
# Never under libfaketime (a restart_cmd of a simulated clock): dig
# 9.18 hangs there, and the servers it asks keep the real time anyway.
dns_dig() {
	_dd=$1
	shift
	LD_PRELOAD="" dig @"$_dd" -p "$DNS_PORT" +norecurse +time=1 +tries=1 "$@"
}

dns_serial() {
	dns_dig "$1" "$DNS_ZONE" SOA +short 2>/dev/null | awk '{ print $3 }'
}

# dns_poll N CMD...: run CMD up to N times, 50 ms apart, until it succeeds.
dns_poll() {
	_dn=$1
	shift
	_di=0
	while [ "$_di" -lt "$_dn" ]; do
		"$@" && return 0
		sleep 0.05
		_di=$((_di + 1))
	done
	return 1
}

dns_has_serial() {
	[ "$(dns_serial "$1")" = "$2" ]
}

dns_wait_serial() {
	dns_poll 200 dns_has_serial "$1" "$2" && return 0
	echo "dns: $1 does not serve serial $2 (it has $(dns_serial "$1"))" >&2
	return 1
}

dns_write_zone() {
	cat >"$DNS_DIR/nsd/$DNS_ZONE.zone.tmp" <<EOF
\$ORIGIN $DNS_ZONE.
\$TTL 60
@	IN SOA ns1 hostmaster $(cat "$DNS_DIR/serial") 3600 600 86400 60
@	IN NS ns1
@	IN NS ns2
@	IN MX 10 mx1
ns1	IN A $DNS_PRIMARY
ns2	IN A $DNS_SECONDARY
mx1	IN A 127.0.10.25
www	IN A 127.0.10.80
\$INCLUDE $DNS_DIR/records.inc
EOF
	mv "$DNS_DIR/nsd/$DNS_ZONE.zone.tmp" "$DNS_DIR/nsd/$DNS_ZONE.zone"
}

dns_set_records() {
	cp "$1" "$DNS_DIR/records.inc.tmp" &&
	    mv "$DNS_DIR/records.inc.tmp" "$DNS_DIR/records.inc"
}

dns_reload() {
	_ds=$(($(cat "$DNS_DIR/serial") + 1))
	echo "$_ds" >"$DNS_DIR/serial"
	dns_write_zone || return 1
	nsd-control -c "$DNS_DIR/nsd/nsd.conf" reload "$DNS_ZONE" \
	    >"$DNS_DIR/nsd-control.out" 2>&1 || {
		echo "dns: nsd-control reload: $(cat "$DNS_DIR/nsd-control.out")" >&2
		return 1
	}
	dns_wait_serial "$DNS_PRIMARY" "$_ds"
}

dns_sync() {
	dns_wait_serial "$DNS_SECONDARY" "$(cat "$DNS_DIR/serial")"
}

dns_knotc() {
	knotc -c "$DNS_DIR/knot/knot.conf" -b "$@" >"$DNS_DIR/knotc.out" 2>&1 || {
		echo "dns: knotc $*: $(cat "$DNS_DIR/knotc.out")" >&2
		return 1
	}
}

dns_freeze() {
	dns_knotc zone-freeze "$DNS_ZONE"
}

dns_thaw() {
	dns_knotc zone-thaw "$DNS_ZONE"
}

dns_alive() {
	[ -f "$DNS_DIR/$1.pid" ] && kill -0 "$(cat "$DNS_DIR/$1.pid")" 2>/dev/null
}

dns_start() {
	DNS_DIR=$1
	mkdir -p "$DNS_DIR/nsd" "$DNS_DIR/knot/db" "$DNS_DIR/knot/zones" ||
	    return 1
	DNS_PORT=$(dns_free_port) || { echo "dns: no free port" >&2; return 1; }
	echo "$DNS_PORT" >"$DNS_DIR/port"
	echo 2024010100 >"$DNS_DIR/serial"
	: >"$DNS_DIR/records.inc"
	dns_write_zone || return 1
	_dn=$DNS_DIR/nsd
	cat >"$_dn/nsd.conf" <<EOF
server:
	ip-address: $DNS_PRIMARY@$DNS_PORT
	username: ""
	chroot: ""
	database: ""
	zonesdir: "$_dn"
	zonelistfile: "$_dn/zone.list"
	xfrdfile: "$_dn/xfrd.state"
	xfrdir: "$_dn"
	pidfile: "$_dn/nsd.pid"
	logfile: "$_dn/nsd.log"
	server-count: 1
	verbosity: 1
	do-ip6: no
remote-control:
	control-enable: yes
	control-interface: "$_dn/nsd.ctl"
zone:
	name: $DNS_ZONE
	zonefile: "$_dn/$DNS_ZONE.zone"
	notify: $DNS_SECONDARY@$DNS_PORT NOKEY
	provide-xfr: $DNS_SECONDARY NOKEY
	outgoing-interface: $DNS_PRIMARY
EOF
	_dk=$DNS_DIR/knot
	cat >"$_dk/knot.conf" <<EOF
server:
    rundir: "$_dk"
    pidfile: "$_dk/knot.pid"
    listen: $DNS_SECONDARY@$DNS_PORT
database:
    storage: "$_dk/db"
control:
    listen: "$_dk/knot.sock"
log:
  - target: "$_dk/knot.log"
    any: info
remote:
  - id: primary
    address: $DNS_PRIMARY@$DNS_PORT
    via: $DNS_SECONDARY
acl:
  - id: from_primary
    address: $DNS_PRIMARY
    action: notify
zone:
  - domain: $DNS_ZONE
    storage: "$_dk/zones"
    master: primary
    acl: from_primary
    zonefile-sync: -1
    zonefile-load: none
    journal-content: none
EOF
	nsd -d -c "$_dn/nsd.conf" </dev/null >"$_dn/stdout" 2>&1 &
	echo "$!" >"$DNS_DIR/nsd.pid"
	knotd -c "$_dk/knot.conf" </dev/null >"$_dk/stdout" 2>&1 &
	echo "$!" >"$DNS_DIR/knot.pid"
	dns_poll 200 dns_has_serial "$DNS_PRIMARY" 2024010100 || {
		echo "dns: nsd does not answer: $(tail -3 "$_dn/nsd.log" \
		    "$_dn/stdout" 2>/dev/null)" >&2
		return 1
	}
	dns_poll 200 dns_has_serial "$DNS_SECONDARY" 2024010100 || {
		echo "dns: knot does not serve the zone: $(tail -3 \
		    "$_dk/knot.log" "$_dk/stdout" 2>/dev/null)" >&2
		return 1
	}
	dns_alive nsd && dns_alive knot
}

dns_blackhole() {
	_dh=$DNS_DIR/hole.$1
	rm -f "$_dh.ready"
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
open(sys.argv[3], "w").close()
while True:
    s.recv(65535)' "$1" "$DNS_PORT" "$_dh.ready" </dev/null \
	    >/dev/null 2>&1 &
	echo "$!" >"$DNS_DIR/hole.pid"
	dns_poll 100 test -f "$_dh.ready" || {
		echo "dns: blackhole on $1 did not start" >&2
		return 1
	}
}

dns_kill() {
	[ -f "$DNS_DIR/$1.pid" ] || return 0
	_dp=$(cat "$DNS_DIR/$1.pid")
	kill "$_dp" 2>/dev/null && dns_poll 100 dns_gone "$_dp"
	wait "$_dp" 2>/dev/null
	rm -f "$DNS_DIR/$1.pid"
}

dns_gone() {
	! kill -0 "$1" 2>/dev/null
}

dns_stop() {
	[ -n "${DNS_DIR:-}" ] || return 0
	dns_kill hole
	dns_kill knot
	dns_kill nsd
}
