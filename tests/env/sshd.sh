# A throw-away OpenSSH server on 127.0.0.1 for tests (sourced, POSIX sh).
#
#   sshd_start DIR [SRC DST]   keys, config, a free port; start sshd and
#                              poll until a login works.  With SRC and DST
#                              the server runs in its own mount namespace
#                              where directory SRC is bind-mounted on DST
#                              (needs root or user namespaces): a "remote"
#                              host whose DST is a different directory from
#                              the local DST, on the same machine.
#   sshd_stop DIR              stop it (by its pid) and wait until gone.
#   sshd_host_entry DIR NAME   print an ssh_config Host block for NAME that
#                              reaches the server of DIR.
#   sshd_dead_entry NAME       a Host block for NAME on a closed port.
#   sshd_free_port             print a TCP port nobody listens on.
#
# sshd_start writes DIR/ssh_config with a block for each name of
# $SSHD_HOSTS (default "smtp1.test web1.test"); DIR/sshd.log is its log.
# The client logs in as the current user (root in CI), with its own key
# (DIR/client_key) and the server's key pinned (DIR/known_hosts).
# Return status: 0 ok, 1 the server did not come up, 2 no mount namespace.

sshd_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

sshd_host_entry() {
	printf 'Host %s\n' "$2"
	printf '\tHostName 127.0.0.1\n\tPort %s\n\tUser %s\n' \
	    "$(cat "$1/port")" "$(id -un)"
	printf '\tIdentityFile %s/client_key\n\tIdentitiesOnly yes\n' "$1"
	printf '\tUserKnownHostsFile %s/known_hosts\n' "$1"
	printf '\tStrictHostKeyChecking yes\n\tBatchMode yes\n'
	printf '\tConnectTimeout 5\n\tLogLevel ERROR\n'
}

sshd_dead_entry() {
	printf 'Host %s\n\tHostName 127.0.0.1\n\tPort %s\n' "$1" \
	    "$(sshd_free_port)"
	printf '\tBatchMode yes\n\tConnectTimeout 5\n\tLogLevel ERROR\n'
}

sshd_start() {
	_sd=$1
	mkdir -p "$_sd" || return 1
	rm -f "$_sd/host_key" "$_sd/host_key.pub" "$_sd/client_key" \
	    "$_sd/client_key.pub"
	ssh-keygen -q -t ed25519 -N '' -C sslm-test-host \
	    -f "$_sd/host_key" </dev/null >/dev/null || return 1
	ssh-keygen -q -t ed25519 -N '' -C sslm-test-client \
	    -f "$_sd/client_key" </dev/null >/dev/null || return 1
	cp "$_sd/client_key.pub" "$_sd/authorized_keys" || return 1
	sshd_free_port >"$_sd/port" || return 1
	_sp=$(cat "$_sd/port")
	printf '[127.0.0.1]:%s %s\n' "$_sp" \
	    "$(cut -d' ' -f1-2 "$_sd/host_key.pub")" >"$_sd/known_hosts"
	cat >"$_sd/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $_sp
HostKey $_sd/host_key
PidFile $_sd/sshd.pid
AuthorizedKeysFile $_sd/authorized_keys
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowTcpForwarding no
X11Forwarding no
LogLevel VERBOSE
EOF
	: >"$_sd/ssh_config"
	for _h in ${SSHD_HOSTS:-smtp1.test web1.test}; do
		sshd_host_entry "$_sd" "$_h" >>"$_sd/ssh_config"
	done
	# As root, sshd wants its privilege separation directory.
	if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
		mkdir -p /run/sshd && chmod 755 /run/sshd
	fi
	if [ $# -ge 3 ]; then
		unshare -m true 2>/dev/null || return 2
		# unshare without --fork execs: $! is the sshd itself.
		# shellcheck disable=SC2016
		unshare -m sh -c 'mount --bind "$1" "$2" &&
		    exec /usr/sbin/sshd -D -f "$3" -E "$4"' sh "$2" "$3" \
		    "$_sd/sshd_config" "$_sd/sshd.log" </dev/null \
		    >/dev/null 2>&1 &
	else
		/usr/sbin/sshd -D -f "$_sd/sshd_config" -E "$_sd/sshd.log" \
		    </dev/null >/dev/null 2>&1 &
	fi
	echo "$!" >"$_sd/bg.pid"
	# Poll (bounded) until a login works; give up if sshd died.
	_si=0
	while [ "$_si" -lt 50 ]; do
		if ssh -F "$_sd/ssh_config" \
		    "$(echo "${SSHD_HOSTS:-smtp1.test}" | cut -d' ' -f1)" \
		    true </dev/null >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$(cat "$_sd/bg.pid")" 2>/dev/null || return 1
		sleep 0.1
		_si=$((_si + 1))
	done
	return 1
}

sshd_stop() {
	[ -f "$1/bg.pid" ] || return 0
	_sp=$(cat "$1/bg.pid")
	kill "$_sp" 2>/dev/null || { rm -f "$1/bg.pid"; return 0; }
	_si=0
	while [ "$_si" -lt 50 ] && kill -0 "$_sp" 2>/dev/null; do
		sleep 0.1
		_si=$((_si + 1))
	done
	wait "$_sp" 2>/dev/null
	rm -f "$1/bg.pid"
}
