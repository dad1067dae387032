#!/bin/sh
# Commands from the configuration run as argument vectors, exactly as
# sslm.conf(5) says, in every place: each [dns] restart_cmd string is one
# program path (not split at spaces or ';', not glob-expanded); a server
# class restart_cmd and a post_copy_cmd are split at white space into
# words, and no word is glob-expanded.  Paths with a space and a '*', with
# decoys that a split or a glob would run.  Oracle: what the programs
# record of their own name and arguments.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
t=""	# set by ca_self_tree
TMPDIR=$w
export TMPDIR
me=$(hostname)
calls=$w/calls
: >"$calls"

# prog PATH: a program that records "its-name args" (name as called).
prog() {
	mkdir -p "${1%/*}"
	cat >"$1" <<EOF
#!/bin/sh
printf '%s|%s\n' "\${0##*/}" "\$*" >>"$calls"
EOF
	chmod 755 "$1"
}
b="$w/bin dir"
prog "$b/rs*"		# the [dns] program, a literal '*' in its name
prog "$b/rs-decoy"	# what a glob of rs* would also run
prog "$b/rs"		# what a split at the space would run ...
prog "$w/bin"		# ... or this, for the directory part
mkdir -p "$b/rs a;"
prog "$b/rs a;/x"	# a second [dns] program: a space and a ';'
# The class and post copy commands are split at white space (as
# ssl-mgr): their program has a '*' but no space.
p="$w/bin2"
prog "$p/pw*"
prog "$p/pw-decoy"

ca_self_tree argv
: >"$t/arg-decoy"	# what a glob of arg* would expand to (cwd)
edit "$t/conf.d/ssl-mgr.conf" \
    '^\[globals\]' "[globals]
    post_copy_cmd = [['$me', '$p/pw* post arg*']]" \
    '^\[dns\].*' "[dns]
    tlsa_dirs = ['./dns/include-tlsa']
    restart_cmd = ['$b/rs*', '$b/rs a;/x']
    depends = ['tlsa']

[web]
    servers = ['$me']
    restart_cmd = '$p/pw* web arg*'
    svc_depends = [['any', ['mail-ec']]]
    skip_prod_copy = true
"
if ! { sh "$SSLM_TOP/examples/ca-self/make-ca" root && sslm-mgr -renew &&
    sslm-mgr -roll; } >"$w/boot.out" 2>&1; then
	notok "bootstrap: CA, renew, roll" "$(tail -5 "$w/boot.out")"
	exit 1
fi
ok "bootstrap: CA, renew, roll"
: >"$calls"

# A changed mail-ec: new TLSA records (DNS restart), web reload (its
# svc_depends), post copy.  Started in $t, where arg* would match.
cd "$t" || exit 1
run env -i PATH=/usr/bin:/bin HOME="$w" TMPDIR="$w" SSL_MGR_TOPDIR="$t" \
    "$SSLM_BIN/sslm-mgr" -renew -f example.com:mail-ec
expect_rc 0 "renew with commands whose paths hold a space and a '*'"
same "[dns] restart_cmd: each string one program, unsplit, unexpanded, in order" \
    "$(grep -E '^(rs|x)' "$calls" | cut -d'|' -f1 | tr '\n' ' ')" "rs* x "
same "[dns] restart_cmd: --serial_bump and the domain" \
    "$(grep '^x|' "$calls" | cut -d'|' -f2)" "--serial_bump example.com"
same "class restart_cmd: split into words, no glob (program and argument)" \
    "$(grep '|web' "$calls")" "pw*|web arg*"
same "post_copy_cmd: split into words, no glob, host last" \
    "$(grep '|post' "$calls")" "pw*|post arg* $me"
check "no decoy ran (rs-decoy, pw-decoy, rs, bin)" \
    test "$(grep -c -E '^(rs-decoy|pw-decoy|rs|bin)\|' "$calls")" -eq 0
check "the log names the DNS program as one path" \
    grep -qF "dns: $b/rs a;/x --serial_bump example.com: done" "$t/logs/sslm"
