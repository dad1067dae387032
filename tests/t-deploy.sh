#!/bin/sh
# sslm-deploy: run a command here (status, output, empty stdin) or over
# the one ssh rule (the exact argv the ssh command gets: SSLM_SSH split at
# blanks, confdir/ssh_config with a space in its path, BatchMode always);
# copy a directory with rsync through a fake ssh that runs rsync's remote
# side on this machine; an unreachable host; usage errors.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
cd "$w" || exit 1
unset SSLM_SSH

# ---- run on this machine -----------------------------------------------------------
# shellcheck disable=SC2016 # $# and $1 are the command's own
run sslm-deploy run localhost -- sh -c 'echo "out $#: $1"; echo err >&2; exit 7' x 'a b'
expect_rc 7 "run here: the command's exit status"
same "run here: its output passed through" "$(cat "$T_OUT")" "out 1: a b"
same "run here: its stderr passed through" "$(cat "$T_ERR")" "err"
echo "from stdin" >"$w/in"
run_in "$w/in" sslm-deploy run LocalHost -- sh -c 'cat; echo end'
expect_rc 0 "run here: localhost in any case"
same "run here: stdin is empty" "$(cat "$T_OUT")" "end"
me=$(hostname)
run sslm-deploy run "$me" -- true
expect_rc 0 "run here: the host name is this machine"
run sslm-deploy run "${me%%.*}" -- true
expect_rc 0 "run here: its short form too"
run sslm-deploy run localhost -- "$w/no-such-program"
expect_rc 3 "run here: a missing program: exit 3"
expect_err_match "^sslm-deploy: localhost: $w/no-such-program: No such file or directory\$" \
    "run here: the line names host and reason"

# ---- run over ssh: the argv the ssh command receives ------------------------------------------
# rec: one line per argument, in brackets; the calls in $w/calls.
mkdir -p "$w/bin"
cat >"$w/bin/rec" <<EOF
#!/bin/sh
for a; do printf '[%s]\n' "\$a"; done >>"$w/calls"
echo "rec ran"
exit \${REC_RC:-0}
EOF
chmod 0755 "$w/bin/rec"
cp "$w/bin/rec" "$w/bin/ssh"

: >"$w/calls"
SSLM_SSH="$w/bin/rec   -p	2222" run sslm-deploy run mx1.example.net -- \
    printf '%s\n' 'a b' '*'
expect_rc 0 "run over SSLM_SSH: exit 0"
same "run over SSLM_SSH: its output passed through" "$(cat "$T_OUT")" "rec ran"
same "run over SSLM_SSH: SSLM_SSH split at blanks, BatchMode, host, one word per argument" \
    "$(cat "$w/calls")" "[-p]
[2222]
[-o]
[BatchMode=yes]
[mx1.example.net]
[printf]
[%s\\n]
[a b]
[*]"

REC_RC=5 SSLM_SSH="$w/bin/rec" run sslm-deploy run mx1.example.net -- true
expect_rc 5 "run over SSLM_SSH: the remote command's status"

# Without SSLM_SSH: ssh (here the recorder first in PATH), with
# confdir/ssh_config when it exists.
cd_="$w/conf dir"
mkdir -p "$cd_"
: >"$w/calls"
PATH="$w/bin:$PATH" run sslm-deploy -c "$cd_" run mx1.example.net -- id
expect_rc 0 "run over ssh, no ssh_config: exit 0"
same "run over ssh, no ssh_config: plain ssh" "$(cat "$w/calls")" "[-o]
[BatchMode=yes]
[mx1.example.net]
[id]"
: >"$cd_/ssh_config"
: >"$w/calls"
PATH="$w/bin:$PATH" run sslm-deploy -c "$cd_" run mx1.example.net -- id
expect_rc 0 "run over ssh with ssh_config: exit 0"
same "run over ssh with ssh_config: -F and the path with a space, one word" \
    "$(cat "$w/calls")" "[-F]
[$cd_/ssh_config]
[-o]
[BatchMode=yes]
[mx1.example.net]
[id]"
: >"$w/calls"
SSLM_SSH="$w/bin/rec" run sslm-deploy -c "$cd_" run mx1.example.net -- id
same "run: SSLM_SSH wins over ssh_config" "$(head -1 "$w/calls")" "[-o]"

# An unreachable host: ssh's 255.
cat >"$w/bin/dead" <<'EOF'
#!/bin/sh
echo "ssh: connect to host port 22: Connection refused" >&2
exit 255
EOF
chmod 0755 "$w/bin/dead"
SSLM_SSH="$w/bin/dead" run sslm-deploy run far.example.net -- true
expect_rc 3 "unreachable host: exit 3"
expect_err_match "^sslm-deploy: far\\.example\\.net: $w/bin/dead exited 255\$" \
    "unreachable host: one line naming the host and the reason"
SSLM_SSH="$w/nothing-here" run sslm-deploy run far.example.net -- true
expect_rc 3 "missing ssh command: exit 3"
expect_err_match "^sslm-deploy: far\\.example\\.net: $w/nothing-here: No such file or directory\$" \
    "missing ssh command: named"

# ---- copy ------------------------------------------------------------------------------
# fakessh: an ssh for rsync on one machine: checks that each -F file
# exists (rsync's -e splitting kept the path whole), drops the options
# and the host, and runs the rest as ssh's remote login shell would.
cat >"$w/bin/fakessh" <<EOF
#!/bin/sh
umask 022
while :; do
	case \$1 in
	-F) [ -f "\$2" ] || { echo "fakessh: no file \$2" >&2; exit 255; }
	    printf '%s\n' "\$2" >>"$w/fcalls"; shift 2 ;;
	-o) shift 2 ;;
	*) break ;;
	esac
done
printf 'host %s\n' "\$1" >>"$w/fcalls"
shift
exec sh -c "\$*"
EOF
chmod 0755 "$w/bin/fakessh"
cp "$w/bin/fakessh" "$w/bin/ssh"

mkdir -p "$w/src/apex/.well-known/acme-challenge" "$w/dest"
printf 'token' >"$w/src/apex/.well-known/acme-challenge/tok"
chmod 0600 "$w/src/apex/.well-known/acme-challenge/tok"
: >"$w/fcalls"
SSLM_SSH="$w/bin/fakessh" run sslm-deploy copy "$w/src" "web1.example.net:$w/dest"
expect_rc 0 "copy over SSLM_SSH: exit 0"
check "copy: the file arrived" cmp "$w/src/apex/.well-known/acme-challenge/tok" \
    "$w/dest/apex/.well-known/acme-challenge/tok"
same "copy: files 644, directories 755" \
    "$(stat -c %a "$w/dest/apex/.well-known/acme-challenge/tok" "$w/dest/apex")" \
    "644
755"
same "copy: rsync reached the host" "$(cat "$w/fcalls")" "host web1.example.net"
check "copy: nothing on stdout" test ! -s "$T_OUT"

# The ssh_config of a confdir with a space and a quote in its path,
# through rsync's own -e splitting.
qd="$w/it's conf"
mkdir -p "$qd" "$w/dest2"
: >"$qd/ssh_config"
: >"$w/fcalls"
PATH="$w/bin:$PATH" run sslm-deploy -c "$qd" copy "$w/src" "web1.example.net:$w/dest2"
expect_rc 0 "copy with ssh_config in a path with a space and a quote: exit 0"
same "copy: ssh got -F and the whole path" "$(cat "$w/fcalls")" "$qd/ssh_config
host web1.example.net"
check "copy: the file arrived through ssh_config" \
    test -f "$w/dest2/apex/.well-known/acme-challenge/tok"

# Over ssh even to this machine (the caller copies here itself).
: >"$w/fcalls"
SSLM_SSH="$w/bin/fakessh" run sslm-deploy copy "$w/src" "localhost:$w/dest2"
expect_rc 0 "copy to localhost: exit 0"
same "copy to localhost: over ssh" "$(cat "$w/fcalls")" "host localhost"

SSLM_SSH="$w/bin/dead" run sslm-deploy copy "$w/src" "far.example.net:$w/dest"
expect_rc 3 "copy to an unreachable host: exit 3"
expect_err_match "^sslm-deploy: far\\.example\\.net: copy to far\\.example\\.net:$w/dest/ failed: rsync exited [0-9]+\$" \
    "copy to an unreachable host: the line names the host"
run sslm-deploy copy "$w/no-such-dir" "web1.example.net:$w/dest"
expect_rc 3 "copy of a missing directory: exit 3"
expect_err_match "^sslm-deploy: $w/no-such-dir: not a directory\$" \
    "copy of a missing directory: named"

# ---- usage ---------------------------------------------------------------------------------
for args in "" "run" "run localhost" "run localhost true" \
    "run localhost -- " "run localhost -- -x" "run -bad -- true" \
    "run a_b.test -- true" "copy $w/src" "copy $w/src web1.example.net" \
    "copy $w/src web1.example.net:rel" "copy $w/src -x:/d" "push a b" "-Z"; do
	# shellcheck disable=SC2086 # the words of each case
	run sslm-deploy $args
	expect_rc 2 "usage: '$args': exit 2"
	expect_err_match '^usage: sslm-deploy' "usage: '$args': the usage"
done
run sslm-deploy -h
expect_rc 0 "-h: exit 0"
run sslm-deploy -V
expect_rc 0 "-V: exit 0"
