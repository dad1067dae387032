# Real TLS servers on loopback for sslm-probe tests (sourced after
# tests/env/dns.sh, POSIX sh): Postfix (SMTP with STARTTLS), Dovecot
# (IMAP with STARTTLS, IMAPS, POP3 with STLS), nginx (HTTPS, one server
# block per name and address), and two small Python peers for what real
# servers do not do.  Each runs with its own configuration in a
# directory of its own and is stopped by pid.
#
#   srv_root_init        SRV_ROOT: a fresh directory below /tmp that the
#                        daemons' unprivileged users may traverse (the
#                        test's scratch is 0700); srv_stop removes it
#   srv_free_port        a TCP port free on 127.0.0.1 and ::1
#   srv_free_addr25      a 127.0.20.x whose TCP port 25 is free
#   srv_up ADDR PORT     poll until ADDR:PORT accepts a connection
#   srv_postfix_start ADDR CERT KEY
#                        Postfix's master and smtpd on ADDR:25 with
#                        STARTTLS (smtpd_tls_security_level may), the
#                        certificate CERT (PEM chain) and key KEY; no mail
#                        is accepted
#   srv_dovecot_start IMAP IMAPS POP3 CERT KEY
#                        Dovecot on 127.0.0.1: imap (STARTTLS) on port
#                        IMAP, imaps on IMAPS, pop3 (STLS) on POP3
#   srv_nginx_start PORT CONF
#                        nginx with the server blocks in file CONF (the
#                        caller's; listen lines with PORT); polls PORT
#   srv_nginx_reload     nginx -s reload (the caller polls for the effect)
#   srv_peer_start NAME ADDR PORT MODE
#                        a Python peer on ADDR:PORT: MODE "smtp-454"
#                        greets, offers STARTTLS and refuses it with 454;
#                        "smtp-inject" answers 220 to STARTTLS followed
#                        by plaintext; "imap-no" greets as IMAP and
#                        answers STARTTLS with NO; "silent" accepts and
#                        never writes
#   srv_servfail_start NAME ADDR PORT
#                        a DNS "resolver" on UDP ADDR:PORT that answers
#                        every query SERVFAIL, as a validating resolver
#                        answers bogus data
#   srv_tlsa_fake_start NAME ADDR PORT OWNER HEX
#                        a DNS "resolver" on UDP ADDR:PORT that answers
#                        every TLSA query with AD set and one record
#                        "3 1 1 HEX" owned by OWNER ("-": the question's
#                        name), other types with no data
#   srv_stop             stop everything started, remove SRV_ROOT
#
# Every wait is a bounded poll (dns_poll).  Return status: 0 ok, 1
# failure (a reason on stderr).

SRV_ROOT=
SRV_PIDS=

srv_root_init() {
	SRV_ROOT=$(mktemp -d /tmp/sslm-srv.XXXXXX) && chmod 755 "$SRV_ROOT"
}

# _srv_mkdir DIR...: directories the daemons' users may traverse (the
# tests run under umask 077).
_srv_mkdir() {
	mkdir -p "$@" && chmod 755 "$@"
}

srv_free_port() {
	python3 -c 'import socket
for _ in range(100):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    t = socket.socket(socket.AF_INET6)
    try:
        t.bind(("::1", p))
    except OSError:
        continue
    finally:
        s.close()
        t.close()
    print(p)
    break
else:
    raise SystemExit(1)'
}

srv_free_addr25() {
	python3 -c 'import random, socket
for a in random.sample(["127.0.20.%d" % i for i in range(1, 255)], 254):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((a, 25))
    except OSError:
        continue
    finally:
        s.close()
    print(a)
    break
else:
    raise SystemExit(1)'
}

_srv_connects() {
	python3 -c 'import socket, sys
socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()' \
	    "$1" "$2" 2>/dev/null
}

srv_up() {
	dns_poll 200 _srv_connects "$1" "$2" || {
		echo "servers: nothing listens on $1 port $2" >&2
		return 1
	}
}

# _srv_bg NAME CMD...: CMD in the background, its pid remembered.
_srv_bg() {
	_sn=$1
	shift
	"$@" </dev/null >"$SRV_ROOT/$_sn.out" 2>&1 &
	echo "$!" >"$SRV_ROOT/$_sn.pid"
	SRV_PIDS="$SRV_PIDS $_sn"
}

srv_postfix_start() {
	_sd=$SRV_ROOT/postfix
	_srv_mkdir "$_sd" "$_sd/etc" "$_sd/spool" "$_sd/data" || return 1
	chown postfix "$_sd/data" || return 1
	cp "$2" "$_sd/cert.pem" && cp "$3" "$_sd/key.pem" || return 1
	cat >"$_sd/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $_sd/spool
data_directory = $_sd/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mail.example.test
mydestination =
local_recipient_maps =
alias_maps =
smtpd_relay_restrictions = reject
maillog_file_prefixes = $_sd
maillog_file = $_sd/maillog
smtpd_tls_chain_files = $_sd/key.pem, $_sd/cert.pem
smtpd_tls_security_level = may
smtpd_tls_session_cache_database =
EOF
	cat >"$_sd/etc/master.cf" <<EOF
$1:25 inet n - n - - smtpd
anvil unix - - n - 1 anvil
tlsmgr unix - - n 1000? 1 tlsmgr
proxymap unix - - n - - proxymap
postlog unix-dgram n - n - 1 postlogd
EOF
	chmod 644 "$_sd/etc/main.cf" "$_sd/etc/master.cf" || return 1
	# master in the foreground (-d): one process of the test's group,
	# stopped by pid like the others.  check makes the queue directories.
	postfix -c "$_sd/etc" check >"$_sd/check.out" 2>&1 || {
		echo "servers: postfix check: $(tail -2 "$_sd/check.out")" >&2
		return 1
	}
	_srv_bg postfix "$(postconf -c "$_sd/etc" -h daemon_directory)/master" \
	    -c "$_sd/etc" -d
	srv_up "$1" 25 || {
		echo "servers: postfix: $(tail -2 "$SRV_ROOT/postfix.out" \
		    "$_sd/maillog" 2>/dev/null)" >&2
		return 1
	}
}

srv_dovecot_start() {
	_sd=$SRV_ROOT/dovecot
	_srv_mkdir "$_sd" || return 1
	cp "$4" "$_sd/cert.pem" && cp "$5" "$_sd/key.pem" || return 1
	cat >"$_sd/dovecot.conf" <<EOF
protocols = imap pop3
listen = 127.0.0.1
base_dir = $_sd/run
state_dir = $_sd/state
log_path = $_sd/dovecot.log
ssl = yes
ssl_cert = <$_sd/cert.pem
ssl_key = <$_sd/key.pem
default_internal_user = dovecot
default_login_user = dovenull
passdb {
  driver = static
  args = nopassword=y
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$_sd/home
}
service imap-login {
  inet_listener imap {
    port = $1
  }
  inet_listener imaps {
    port = $2
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $3
  }
  inet_listener pop3s {
    port = 0
  }
}
EOF
	chmod 644 "$_sd/dovecot.conf" || return 1
	_srv_bg dovecot dovecot -F -c "$_sd/dovecot.conf"
	srv_up 127.0.0.1 "$1" && srv_up 127.0.0.1 "$2" &&
	    srv_up 127.0.0.1 "$3"
}

srv_nginx_start() {
	_sd=$SRV_ROOT/nginx
	_srv_mkdir "$_sd" "$_sd/tmp" || return 1
	cat >"$_sd/nginx.conf" <<EOF
worker_processes 1;
pid $_sd/nginx.pid;
error_log $_sd/error.log;
user root root;
events { worker_connections 64; }
http {
	access_log $_sd/access.log;
	client_body_temp_path $_sd/tmp/body;
	proxy_temp_path $_sd/tmp/proxy;
	fastcgi_temp_path $_sd/tmp/fastcgi;
	uwsgi_temp_path $_sd/tmp/uwsgi;
	scgi_temp_path $_sd/tmp/scgi;
	default_type text/plain;
	include $2;
}
EOF
	_srv_bg nginx nginx -p "$_sd" -e "$_sd/error.log" -c "$_sd/nginx.conf" \
	    -g 'daemon off;'
	srv_up 127.0.0.1 "$1" && srv_up ::1 "$1"
}

srv_nginx_reload() {
	_sd=$SRV_ROOT/nginx
	# The workers before: a reload is done when none of them is left
	# (until then an old worker may still answer with the old files).
	_nm=$(cat "$_sd/nginx.pid" 2>/dev/null) || _nm=""
	_old=""
	[ -z "$_nm" ] || _old=$(pgrep -P "$_nm" | tr '\n' ' ')
	nginx -p "$_sd" -e "$_sd/error.log" -c "$_sd/nginx.conf" -s reload \
	    >"$_sd/reload.out" 2>&1 || {
		echo "servers: nginx reload: $(cat "$_sd/reload.out")" >&2
		return 1
	}
	_srv_old_gone() {
		for _op in $_old; do
			! kill -0 "$_op" 2>/dev/null || return 1
		done
		return 0
	}
	_srv_i=0
	while [ "$_srv_i" -lt 400 ]; do
		_srv_old_gone && return 0
		sleep 0.05
		_srv_i=$((_srv_i + 1))
	done
	echo "servers: nginx reload: the old workers ($_old) did not end" >&2
	return 1
}

srv_peer_start() {
	rm -f "$SRV_ROOT/$1.ready"
	_srv_bg "$1" python3 -c 'import socket, sys, threading
addr, port, mode, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(8)
open(ready, "w").close()
held = []
def smtp(c):
    f = c.makefile("rb")
    c.sendall(b"220 peer.example.test ESMTP\r\n")
    while True:
        line = f.readline(1000)
        if not line:
            return
        cmd = line.strip().upper()
        if cmd.startswith(b"EHLO"):
            c.sendall(b"250-peer.example.test\r\n250 STARTTLS\r\n")
        elif cmd == b"STARTTLS" and mode == "smtp-454":
            c.sendall(b"454 4.7.0 TLS not available due to local problem\r\n")
        elif cmd == b"STARTTLS":
            c.sendall(b"220 2.0.0 Ready to start TLS\r\n250 injected\r\n")
        else:
            c.sendall(b"502 5.5.2 no\r\n")
def imap(c):
    f = c.makefile("rb")
    c.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] peer ready\r\n")
    while True:
        line = f.readline(1000)
        if not line:
            return
        tag = line.split(b" ")[0]
        c.sendall(b"* BYE not today\r\n" + tag + b" NO STARTTLS disabled\r\n")
while True:
    c, _ = s.accept()
    if mode == "imap-no":
        threading.Thread(target=imap, args=(c,), daemon=True).start()
    elif mode == "silent":
        held.append(c)
    else:
        threading.Thread(target=smtp, args=(c,), daemon=True).start()' \
	    "$2" "$3" "$4" "$SRV_ROOT/$1.ready"
	dns_poll 100 test -f "$SRV_ROOT/$1.ready" || {
		echo "servers: peer $1 did not start: $(cat "$SRV_ROOT/$1.out")" >&2
		return 1
	}
}

# _srv_fake_dns NAME ADDR PORT servfail|tlsa [OWNER HEX]: the two fake
# resolvers above, on UDP.
_srv_fake_dns() {
	rm -f "$SRV_ROOT/$1.ready"
	_srv_bg "$1" python3 -c 'import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
mode = sys.argv[4]
if mode == "tlsa":
    if sys.argv[5] == "-":
        owner = b"\xc0\x0c"
    else:
        owner = b"".join(bytes([len(l)]) + l.encode()
                         for l in sys.argv[5].split(".")) + b"\0"
    data = bytes([3, 1, 1]) + bytes.fromhex(sys.argv[6])
open(sys.argv[3], "w").close()
while True:
    m, peer = s.recvfrom(65535)
    if len(m) < 12:
        continue
    end = 12
    while end < len(m) and m[end] != 0:
        end += m[end] + 1
    q = m[12:end + 5]
    qtype = struct.unpack("!H", m[end + 1:end + 3])[0] if len(q) > 4 else 0
    an = b""
    if mode == "servfail":
        # the question only: QR, the RD of the query, RA, rcode 2
        flags = bytes([0x80 | (m[2] & 0x01), 0x82])
    else:
        if qtype == 52:
            an = owner + struct.pack("!HHIH", 52, 1, 60, len(data)) + data
        # QR, the RD of the query, RA and AD, rcode 0
        flags = bytes([0x80 | (m[2] & 0x01), 0xa0])
    s.sendto(m[:2] + flags + struct.pack("!HHHH", 1, 1 if an else 0, 0, 0) +
        q + an, peer)' "$2" "$3" "$SRV_ROOT/$1.ready" "$4" "$5" "$6"
	dns_poll 100 test -f "$SRV_ROOT/$1.ready" || {
		echo "servers: $1 did not start: $(cat "$SRV_ROOT/$1.out")" >&2
		return 1
	}
}

srv_servfail_start() {
	_srv_fake_dns "$1" "$2" "$3" servfail
}

srv_tlsa_fake_start() {
	_srv_fake_dns "$1" "$2" "$3" tlsa "$4" "$5"
}

_srv_gone() {
	! kill -0 "$1" 2>/dev/null
}

srv_stop() {
	[ -n "$SRV_ROOT" ] || return 0
	for _sn in $SRV_PIDS; do
		_sp=$(cat "$SRV_ROOT/$_sn.pid" 2>/dev/null) || continue
		kill "$_sp" 2>/dev/null && dns_poll 200 _srv_gone "$_sp"
		wait "$_sp" 2>/dev/null
	done
	SRV_PIDS=
	rm -rf "$SRV_ROOT"
	SRV_ROOT=
}
