# Shared helpers for tests/t-*.sh (sourced, POSIX sh).
# Each check prints one line: "ok - what" or "not ok - what", and on
# failure the evidence (indented) below it.
# Environment from tests/run: SSLM_BIN SSLM_TOP SSLM_SHARED SSLM_TMP.

T_OUT="$SSLM_TMP/out"
T_ERR="$SSLM_TMP/err"
T_CHK="$SSLM_TMP/check.out"
T_RC=0

ok() { echo "ok - $1"; }
# notok WHAT EVIDENCE...: every line of the evidence is indented, so that
# no line of a value can pass for a check line of its own.
notok() {
	echo "not ok - $1"
	shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/    /'; done
}
skip() { echo "skip - $1"; }

# run CMD ARGS...: run a command, keep stdout, stderr and status.
run() {
	"$@" >"$T_OUT" 2>"$T_ERR"
	T_RC=$?
}

# run_in STDIN_FILE CMD ARGS...
run_in() {
	_in=$1
	shift
	"$@" <"$_in" >"$T_OUT" 2>"$T_ERR"
	T_RC=$?
}

# expect_rc N WHAT: the last run exited N.
expect_rc() {
	if [ "$T_RC" -eq "$1" ]; then
		ok "$2"
	else
		notok "$2" "exit $T_RC, expected $1" \
		    "stderr: $(head -c 400 "$T_ERR")"
	fi
}

# expect_err_match REGEX WHAT: stderr of the last run matches (grep -E).
expect_err_match() {
	if grep -Eq -- "$1" "$T_ERR"; then
		ok "$2"
	else
		notok "$2" "stderr does not match /$1/" \
		    "stderr: $(head -c 400 "$T_ERR")"
	fi
}

# expect_err_lines N WHAT: stderr has exactly N lines.
expect_err_lines() {
	_n=$(wc -l <"$T_ERR")
	if [ "$_n" -eq "$1" ]; then
		ok "$2"
	else
		notok "$2" "stderr has $_n lines, expected $1" \
		    "stderr: $(head -c 400 "$T_ERR")"
	fi
}

# expect_jq FILTER WHAT: jq -e FILTER is true on stdout of the last run.
# An empty stdout never passes (jq -e is true on no input).
expect_jq() {
	if [ -s "$T_OUT" ] && [ "$(jq -e "$1" "$T_OUT" 2>/dev/null)" = true ]
	then
		ok "$2"
	else
		notok "$2" "jq -e '$1' is not true" \
		    "stdout: $(head -c 400 "$T_OUT")"
	fi
}

# need_shared: succeed when ../shared test data is present.
need_shared() {
	[ -d "$SSLM_SHARED/testdata/$1" ]
}

# same WHAT GOT WANT: ok when the string GOT equals WANT.  Two empty
# strings are "not ok": an empty value (a stub's output, a missing file, a
# failed command) proves nothing.  To check that something is empty,
# compare a count (wc -c, grep -c) or use test -z / test ! -s.
same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		ok "$1"
	elif [ -z "$2" ] && [ -z "$3" ]; then
		notok "$1" "got and want are both empty: that proves nothing"
	else
		notok "$1" "got:  $2" "want: $3"
	fi
}

# check WHAT CMD...: ok when CMD succeeds; its stdout and stderr are kept
# and shown on failure.  Where CMD compares two values, an empty value
# never passes: `test A OP B` or `[ A OP B ]` with OP = or != and an empty
# A or B, and `cmp [-s] F1 F2` of two empty (or missing) files.
check() {
	_w=$1
	shift
	_e=
	case $#:$1:${3-} in
	4:test:= | 4:test:!= | 5:\[:= | 5:\[:!=)
		[ -n "$2" ] && [ -n "$4" ] || _e="an empty value compared: $*"
		;;
	3:cmp:* | 4:cmp:*)
		_a='' _b=''
		for _f; do _a=$_b _b=$_f; done
		[ -s "$_a" ] || [ -s "$_b" ] || _e="two empty files compared: $*"
		;;
	esac
	if [ -n "$_e" ]; then
		notok "$_w" "$_e"
	elif "$@" >"$T_CHK" 2>&1; then
		ok "$_w"
	else
		_o=$(head -c 400 "$T_CHK")
		notok "$_w" "failed: $*" ${_o:+"output: $_o"}
	fi
}

# chk: the former name of check, kept for the tests that still use it.
chk() { check "$@"; }

# checks_from WHAT CMD...: run CMD, a program (an oracle, a conformance
# runner) that prints its own "ok", "not ok" and "skip" lines, and pass
# its stdout on; it stays in $T_OUT.  A crash would drop its checks
# without a word, so WHAT is "not ok" unless CMD printed a check line,
# wrote nothing on stderr, and exited 0, or 1 after a "not ok" line.
checks_from() {
	_w=$1
	shift
	run "$@" || :
	cat "$T_OUT"
	_n=$(grep -Ec '^(ok|not ok|skip) ' "$T_OUT") || :
	_f=$(grep -c '^not ok ' "$T_OUT") || :
	if [ "$_n" -gt 0 ] && [ ! -s "$T_ERR" ] &&
	    { [ "$T_RC" -eq 0 ] || { [ "$T_RC" -eq 1 ] && [ "$_f" -gt 0 ]; }; }
	then
		ok "$_w"
	else
		notok "$_w" "exit $T_RC after $_n check lines" \
		    "stderr: $(head -c 400 "$T_ERR")"
	fi
}

# lineof FILE REGEX: number of the first line matching REGEX.
lineof() {
	grep -n -E -- "$2" "$1" | head -1 | cut -d: -f1
}

# ca_self_tree NAME [noprobe]: a fresh scratch copy of examples/ca-self
# under $SSLM_TMP/NAME; sets t to it and SSL_MGR_TOPDIR for sslm-mgr.
# noprobe: probe_dane = false, for a test whose DANE names no server
# serves (a roll would ask the system resolver for their addresses).
ca_self_tree() {
	t=$SSLM_TMP/$1
	rm -rf "$t"
	mkdir -p "$t"
	cp -R "$SSLM_TOP/examples/ca-self/conf.d" "$t/"
	if [ "${2:-}" = noprobe ]; then
		sed -i 's/^\[globals\]$/&\n    probe_dane = false/' \
		    "$t/conf.d/ssl-mgr.conf"
	fi
	SSL_MGR_TOPDIR=$t
	export SSL_MGR_TOPDIR
}

# edit FILE PATTERN TEXT [PATTERN TEXT ...]: replace each Python regular
# expression (multi-line, dot matches newline) by TEXT; fails when one
# matches nothing.
edit() {
	python3 - "$@" <<'EOF'
import re, sys
p = sys.argv[1]
s = open(p).read()
for pat, rep in zip(sys.argv[2::2], sys.argv[3::2]):
    s2 = re.sub(pat, lambda m: rep, s, flags=re.S | re.M)
    if s2 == s:
        sys.exit("edit: no match for " + pat)
    s = s2
open(p, "w").write(s)
EOF
}
