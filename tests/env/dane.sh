# DNSSEC, a validating resolver and a TLS server on loopback for DANE
# tests (sourced after tests/env/dns.sh, POSIX sh).
#
#   dane_keys            a KSK and a ZSK for example.test (ldns-keygen,
#                        ECDSAP256SHA256) in DNS_DIR/keys, and the KSK's
#                        DS (ldns-key2ds) in DNS_DIR/ds
#   dane_records FILE    zone lines (relative to example.test.) added to
#                        the zone at every signing
#   dane_include FILE    the zone $INCLUDEs FILE from the next signing on,
#                        whenever FILE exists (a [dns] tlsa_dirs copy)
#   dane_sign_window INCEPTION EXPIRATION
#                        every later signing gives its signatures this
#                        validity (ldns-signzone -i/-e, YYYYMMDDhhmmss
#                        UTC) instead of ldns-signzone's default (now to
#                        4 weeks on, by the signer's clock)
#   dane_sign_reload     bump the serial, write the zone, flatten it
#                        (nsd-checkzone -p: ldns cannot read $INCLUDE),
#                        sign it (ldns-signzone), reload NSD and poll
#                        until the primary serves the new serial; NSD
#                        then NOTIFYs the secondary
#   dane_dns_restart_cmd FILE LOG
#                        write FILE, a [dns] restart_cmd for sslm-mgr:
#                        it appends its arguments to LOG, insists on
#                        --serial_bump example.test and runs
#                        dane_sign_reload
#   dane_unbound_start DIR
#                        unbound on DANE_RESOLVER port 53 (root only;
#                        127.0.10.3, or a free 127.0.11.x when another
#                        test holds port 53 there; each address is
#                        claimed by one test at a time under
#                        /tmp/sslm-test-dane-claims, so that two tests,
#                        or two suites, never share one unbound),
#                        validating example.test with the DS of
#                        dane_keys, stub to both authoritative servers;
#                        polls until this unbound (its own TXT token)
#                        answers with AD set
#                        (DANE_UNBOUND_EXTRA, when set, holds more
#                        lines for its server: section, e.g.
#                        domain-insecure: for answers without AD)
#   dane_unbound_stop
#   dane_tls_start DIR PORT CERT KEY
#                        openssl s_server -www on 127.0.0.1:PORT with
#                        CERT and KEY (stopping the one DIR had), polls
#                        until the server presents CERT; the server
#                        inherits the caller's descriptors
#   dane_tls_restart_cmd FILE DIR PORT CERT KEY LOG [detach]
#                        write FILE, a server restart_cmd for sslm-mgr
#                        that logs its arguments to LOG and runs
#                        dane_tls_start with DIR PORT CERT KEY (nothing
#                        while CERT does not exist yet); with detach the
#                        server starts as a service manager would start
#                        it: in real time (without libfaketime) and with
#                        none of the run's descriptors above 2 (the
#                        faketime command waits for every process that
#                        holds its pipe)
#   dane_tls_stop DIR
#   dane_free_port       a TCP port free on 127.0.0.1
#   dane_spki CERT       the TLSA 3 1 1 data of CERT (openssl)
#   dane_presented PORT  the TLSA 3 1 1 data of the certificate the
#                        server on 127.0.0.1:PORT presents (openssl)
#   dane_stop            stop unbound (the TLS server: dane_tls_stop)
#
# Every wait is a bounded poll (dns_poll); daemons are stopped by pid.
# Return status: 0 ok, 1 failure (with a reason on stderr).

DANE_RESOLVER=127.0.10.3

# _dane_free_resolver: 127.0.10.3 or a 127.0.11.x whose port 53 is free
# for UDP and TCP.
_dane_free_resolver() {
	python3 -c 'import os, random, socket, sys
claims, me = sys.argv[1], sys.argv[2]
os.makedirs(claims, mode=0o700, exist_ok=True)
def claim(a):
    # An address is claimed atomically (mkdir) by one test at a time; a
    # claim whose test is gone is taken over.
    d = os.path.join(claims, a)
    for _ in range(2):
        try:
            os.mkdir(d)
        except FileExistsError:
            try:
                pid = int(open(os.path.join(d, "pid")).read())
                os.kill(pid, 0)
                return False
            except (OSError, ValueError):
                try:
                    os.unlink(os.path.join(d, "pid"))
                except OSError:
                    pass
                try:
                    os.rmdir(d)
                except OSError:
                    return False
                continue
        open(os.path.join(d, "pid"), "w").write(me)
        return True
    return False
cand = ["127.0.10.3"] + random.sample(["127.0.11.%d" % i
                                       for i in range(1, 255)], 254)
for a in cand:
    if not claim(a):
        continue
    socks = []
    try:
        for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, t)
            socks.append(s)
            s.bind((a, 53))
    except OSError:
        d = os.path.join(claims, a)
        os.unlink(os.path.join(d, "pid"))
        os.rmdir(d)
        continue
    finally:
        for s in socks:
            s.close()
    print(a)
    break
else:
    raise SystemExit(1)' "$_DANE_CLAIMS" "$$"
}

# Where tests claim their resolver addresses (one test an address, also
# between two suites on one machine).
_DANE_CLAIMS=/tmp/sslm-test-dane-claims
# _dane_unclaim: this test's claim of DANE_RESOLVER released.
_dane_unclaim() {
	_dc=$_DANE_CLAIMS/$DANE_RESOLVER
	[ "$(cat "$_dc/pid" 2>/dev/null)" = "$$" ] || return 0
	rm -f "$_dc/pid"
	rmdir "$_dc" 2>/dev/null || true
}

dane_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

dane_keys() {
	_dk=$DNS_DIR/keys
	mkdir -p "$_dk" || return 1
	(
		cd "$_dk" || exit 1
		ldns-keygen -a ECDSAP256SHA256 -k "$DNS_ZONE" >ksk.name &&
		    ldns-keygen -a ECDSAP256SHA256 "$DNS_ZONE" >zsk.name
	) || { echo "dane: ldns-keygen failed" >&2; return 1; }
	ldns-key2ds -n -2 "$_dk/$(cat "$_dk/ksk.name").key" >"$DNS_DIR/ds"
	if ! grep -q "IN[[:space:]]*DS" "$DNS_DIR/ds"; then
		echo "dane: ldns-key2ds failed" >&2
		return 1
	fi
}

dane_records() {
	cp "$1" "$DNS_DIR/static.inc"
}

dane_include() {
	printf '%s\n' "$1" >"$DNS_DIR/include"
}

dane_sign_window() {
	printf '%s %s\n' "$1" "$2" >"$DNS_DIR/sign.window"
}

dane_sign_reload() {
	# shellcheck disable=SC2046
	set -- $(awk '{ print "-i", $1, "-e", $2 }' "$DNS_DIR/sign.window" \
	    2>/dev/null)
	_ds=$(($(cat "$DNS_DIR/serial") + 1))
	echo "$_ds" >"$DNS_DIR/serial"
	_inc=$(cat "$DNS_DIR/include" 2>/dev/null)
	cat "$DNS_DIR/static.inc" >"$DNS_DIR/records.inc" 2>/dev/null
	if [ -n "$_inc" ] && [ -f "$_inc" ]; then
		echo "\$INCLUDE $_inc" >>"$DNS_DIR/records.inc"
	fi
	dns_write_zone || return 1
	_dz=$DNS_DIR/nsd/$DNS_ZONE.zone
	_dk=$DNS_DIR/keys
	if ! nsd-checkzone -p "$DNS_ZONE" "$_dz" >"$DNS_DIR/flat.zone" \
	    2>"$DNS_DIR/sign.err" ||
	    ! ldns-signzone "$@" -f "$DNS_DIR/signed.zone" "$DNS_DIR/flat.zone" \
	    "$_dk/$(cat "$_dk/zsk.name")" "$_dk/$(cat "$_dk/ksk.name")" \
	    2>>"$DNS_DIR/sign.err"; then
		echo "dane: signing failed: $(head -3 "$DNS_DIR/sign.err")" >&2
		return 1
	fi
	mv "$DNS_DIR/signed.zone" "$_dz" || return 1
	nsd-control -c "$DNS_DIR/nsd/nsd.conf" reload "$DNS_ZONE" \
	    >"$DNS_DIR/nsd-control.out" 2>&1 || {
		echo "dns: nsd-control reload: $(cat "$DNS_DIR/nsd-control.out")" >&2
		return 1
	}
	dns_wait_serial "$DNS_PRIMARY" "$_ds"
}

dane_dns_restart_cmd() {
	cat >"$1" <<EOF
#!/bin/sh
# [dns] restart_cmd for the DANE test: re-sign and reload example.test.
# nsd-control and nsd-checkzone are in sbin, which cron's PATH may lack.
PATH=\$PATH:/usr/sbin:/sbin
DNS_DIR='$DNS_DIR'
DNS_PORT='$DNS_PORT'
. '$SSLM_TOP/tests/env/dns.sh'
. '$SSLM_TOP/tests/env/dane.sh'
echo "\$*" >>'$2'
[ "\$1" = --serial_bump ] && [ "\$2" = "\$DNS_ZONE" ] && [ \$# -eq 2 ] || {
	echo "unexpected arguments: \$*" >&2
	exit 2
}
dane_sign_reload
EOF
	chmod 755 "$1"
}

_dane_ad() {
	dig @"$DANE_RESOLVER" +time=1 +tries=1 +dnssec "$DNS_ZONE" SOA \
	    2>/dev/null | grep -q '^;; flags:.* ad[ ;]'
}
# _dane_ours: the unbound answering on DANE_RESOLVER is this test's (its
# token), validating this test's zone.  Another test's unbound that took
# the same address first (between the free check and the bind) answers
# with its own token: ours then cannot bind (so-reuseport: no) and exits.
_dane_ours() {
	[ "$(dig @"$DANE_RESOLVER" +time=1 +tries=1 +short TXT \
	    id.sslm-test-instance 2>/dev/null)" = "\"$_dane_token\"" ] && _dane_ad
}

# dane_unbound_start DIR: unbound on a free address, up to five tries
# when another test's unbound takes the address first.
dane_unbound_start() {
	_dut=0
	while ! _dane_unbound_try "$1"; do
		_dut=$((_dut + 1))
		[ "$_dut" -lt 5 ] && [ -e "$DANE_UDIR/lost" ] || return 1
		_dane_kill "$DANE_UDIR/pid"
		_dane_unclaim
	done
}

_dane_unbound_try() {
	DANE_UDIR=$1
	mkdir -p "$DANE_UDIR" || return 1
	rm -f "$DANE_UDIR/lost"
	DANE_RESOLVER=$(_dane_free_resolver) || {
		echo "dane: port 53 is taken on 127.0.10.3 and 127.0.11.0/24" >&2
		return 1
	}
	_dane_token=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	cp "$DNS_DIR/ds" "$DANE_UDIR/ta.ds" || return 1
	cat >"$DANE_UDIR/unbound.conf" <<EOF
server:
	interface: $DANE_RESOLVER
	port: 53
	do-ip6: no
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$DANE_UDIR"
	pidfile: "$DANE_UDIR/unbound.pid"
	logfile: "$DANE_UDIR/unbound.log"
	use-syslog: no
	verbosity: 1
	val-log-level: 2
	num-threads: 1
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	local-zone: "." refuse
	local-zone: "test." nodefault
	local-zone: "$DNS_ZONE." transparent
	local-zone: "sslm-test-instance." static
	local-data: 'id.sslm-test-instance. IN TXT "$_dane_token"'
	so-reuseport: no
	trust-anchor-file: "$DANE_UDIR/ta.ds"
	cache-max-ttl: 0
	cache-max-negative-ttl: 1
	aggressive-nsec: no
${DANE_UNBOUND_EXTRA:-}
remote-control:
	control-enable: no
stub-zone:
	name: "$DNS_ZONE."
	stub-addr: $DNS_PRIMARY@$DNS_PORT
	stub-addr: $DNS_SECONDARY@$DNS_PORT
EOF
	unbound-checkconf "$DANE_UDIR/unbound.conf" >"$DANE_UDIR/check.out" \
	    2>&1 || {
		echo "dane: unbound.conf: $(tail -2 "$DANE_UDIR/check.out")" >&2
		return 1
	}
	unbound -d -c "$DANE_UDIR/unbound.conf" </dev/null \
	    >"$DANE_UDIR/stdout" 2>&1 &
	echo "$!" >"$DANE_UDIR/pid"
	_dup=$(cat "$DANE_UDIR/pid")
	_dui=0
	while [ "$_dui" -lt 200 ]; do
		_dane_ours && return 0
		if _dane_gone "$_dup"; then
			true >"$DANE_UDIR/lost"	# the address went to another
			break
		fi
		sleep 0.05
		_dui=$((_dui + 1))
	done
	{
		echo "dane: unbound does not validate $DNS_ZONE on $DANE_RESOLVER: $(tail -3 \
		    "$DANE_UDIR/unbound.log" "$DANE_UDIR/stdout" 2>/dev/null)" >&2
		return 1
	}
}

# _dane_gone PID: no such process, or only a zombie left (a daemon a
# restart_cmd started is reaped by init, which may be slow to do so).
_dane_gone() {
	! kill -0 "$1" 2>/dev/null ||
	    [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# _dane_kill PIDFILE: stop that process, poll until it is gone.
_dane_kill() {
	[ -f "$1" ] || return 0
	_dp=$(cat "$1")
	kill "$_dp" 2>/dev/null && dns_poll 100 _dane_gone "$_dp"
	wait "$_dp" 2>/dev/null
	rm -f "$1"
}

dane_unbound_stop() {
	[ -n "${DANE_UDIR:-}" ] || return 0
	_dane_kill "$DANE_UDIR/pid"
	_dane_unclaim
}

dane_spki() {
	openssl x509 -in "$1" -noout -pubkey 2>/dev/null |
	    openssl pkey -pubin -outform der 2>/dev/null |
	    openssl dgst -sha256 -r | cut -d' ' -f1
}

dane_presented() {
	openssl s_client -connect "127.0.0.1:$1" </dev/null 2>/dev/null |
	    openssl x509 -noout -pubkey 2>/dev/null |
	    openssl pkey -pubin -outform der 2>/dev/null |
	    openssl dgst -sha256 -r | cut -d' ' -f1
}

_dane_presents() {
	[ "$(dane_presented "$1")" = "$2" ]
}

dane_tls_start() {
	mkdir -p "$1" || return 1
	_dane_kill "$1/tls.pid"
	# Own copies: the server must not see a half-copied production file.
	cp "$3" "$1/cert.pem" && cp "$4" "$1/key.pem" || return 1
	# The descriptors of the caller are left open on purpose, as a
	# careless restart script would: sslm-mgr must not pass its lock on.
	openssl s_server -www -accept "127.0.0.1:$2" -cert "$1/cert.pem" \
	    -key "$1/key.pem" </dev/null >"$1/tls.log" 2>&1 &
	echo "$!" >"$1/tls.pid"
	_dh=$(dane_spki "$1/cert.pem")
	dns_poll 200 _dane_presents "$2" "$_dh" || {
		echo "dane: s_server on port $2 does not present $3:" \
		    "$(tail -3 "$1/tls.log")" >&2
		return 1
	}
}

dane_tls_restart_cmd() {
	cat >"$1" <<EOF
#!/bin/sh
# A server restart_cmd for the DANE test: restart the TLS server with the
# production certificate, as a mail server reload would.
DNS_DIR='$DNS_DIR'
. '$SSLM_TOP/tests/env/dns.sh'
. '$SSLM_TOP/tests/env/dane.sh'
echo "\$*" >>'$6'
# No production certificate yet (the first renew): nothing to serve.
[ -s '$4' ] || exit 0
EOF
	[ "${7:-}" != detach ] || cat >>"$1" <<'EOF'
unset LD_PRELOAD FAKETIME FAKETIME_SHARED
exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
EOF
	echo "dane_tls_start '$2' '$3' '$4' '$5'" >>"$1"
	chmod 755 "$1"
}

dane_tls_stop() {
	_dane_kill "$1/tls.pid"
}

dane_stop() {
	dane_unbound_stop
}
