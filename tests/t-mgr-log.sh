#!/bin/sh
# The log of sslm-mgr tells the story of each service, as ssl-mgr's does:
# every step (new key, new CSR, signed by whom, TLSA written, next set),
# the renew reason or why not, the roll reason or why not, the production
# copy per service, each post copy and reload with its result, cleaning,
# the warnings of the tools, the status of a -s run; one timestamped line
# per event.  Also -s -v (ssl-mgr's "cert status" header) and that verb =
# true in ssl-mgr.conf changes no output (as in ssl-mgr).  Run as cron
# runs it (env -i PATH=/usr/bin:/bin).  Oracles: readlink for the sets,
# openssl x509 -enddate for the dates, date(1) for the time window of each
# run, the calls the restart commands record.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
t=""	# set by ca_self_tree
TMPDIR=$w
export TMPDIR
me=$(hostname)
calls=$w/calls
SSLM_DANE_WAIT=1
export SSLM_DANE_WAIT

cat >"$w/rec" <<EOF
#!/bin/sh
echo "\$*" >>"$calls"
[ ! -e "$w/fail-\$1" ] || { echo "\$1 is broken"; exit 4; }
EOF
chmod 755 "$w/rec"

ca_self_tree log
log=$t/logs/sslm
edit "$t/conf.d/ssl-mgr.conf" \
    '^\[globals\]' "[globals]
    verb = true
    renew_expire_days = 30
    post_copy_cmd = [['$me', '$w/rec post']]" \
    '^\[smtp\].*?(?=^\[web\])' "[smtp]
    servers = ['$me']
    restart_cmd = '$w/rec smtp'
    svc_depends = [['example.com', ['mail-ec']]]

" \
    '^\[web\].*' "[web]
    servers = ['$me']
    restart_cmd = '$w/rec web'
    svc_depends = [['any', ['web-ec']]]
    skip_prod_copy = true
"

# cron RUN-ARGS...: sslm-mgr as cron starts it; T_OUT, T_ERR, T_RC, and
# the part of the log this run wrote in $w/run.log.  t0/t1: the seconds
# before and after it.
cron() {
	_n=0
	[ ! -f "$log" ] || _n=$(wc -l <"$log")
	t0=$(date +%s)
	run env -i PATH=/usr/bin:/bin HOME="$w" TMPDIR="$w" \
	    SSL_MGR_TOPDIR="$t" SSLM_DANE_WAIT=1 "$SSLM_BIN/sslm-mgr" "$@"
	t1=$(date +%s)
	tail -n +"$((_n + 1))" "$log" >"$w/run.log"
}
# has WHAT REGEX: the run's log has a line matching REGEX (after the
# time stamp); hasnt: none does.
has() {
	if grep -Eq -- "^[0-9: -]{19}  $2" "$w/run.log"; then
		ok "$1"
	else
		notok "$1" "no log line matches /$2/" "$(head -40 "$w/run.log")"
	fi
}
hasnt() {
	if grep -Eq -- "^[0-9: -]{19}  $2" "$w/run.log"; then
		notok "$1" "$(grep -E -- "$2" "$w/run.log" | head -3)"
	else
		ok "$1"
	fi
}
# stamps WHAT: every line of the run's log starts with a local time
# "YYYY-MM-DD HH:MM:SS" and two spaces, within the run's seconds.
stamps() {
	_bad=$(awk -v a="$(date -d "@$t0" '+%Y-%m-%d %H:%M:%S')" \
	    -v b="$(date -d "@$t1" '+%Y-%m-%d %H:%M:%S')" '
	    { s = substr($0, 1, 19) }
	    s !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/ ||
	    substr($0, 20, 2) != "  " || s < a || s > b { print; exit }' \
	    "$w/run.log")
	if [ -s "$w/run.log" ] && [ -z "$_bad" ]; then
		ok "$1"
	else
		notok "$1" "line: $_bad" "run: $t0..$t1"
	fi
}
# iso FILE: notAfter of the certificate FILE as YYYY-MM-DDTHH:MM:SSZ.
iso() {
	TZ=UTC date -d "$(openssl x509 -noout -enddate -in "$1" |
	    sed 's/^notAfter=//')" '+%Y-%m-%dT%H:%M:%SZ'
}
c=$t/certs

# ---- the CA, then the first renew of the leaves ------------------------------------
cron -renew ca:my-root
expect_rc 0 "renew ca:my-root as cron runs it"
has "my-root: the reason (no curr)" '            no curr cert \(first cert or missed roll\): new cert$'
has "my-root: new key pair" '            new key pair$'
has "my-root: self-signed" '            new cert: self-signed$'
has "my-root: the new set is next" "            next is now $(readlink "$c/ca/my-root/next")\$"
cron -roll ca:my-root
has "my-root roll: the reason (no curr)" '            okay to roll: no curr$'
has "my-root roll: what curr is now" "            rolled: curr is now $(readlink "$c/ca/my-root/curr")\$"
cron -renew ca:my-int
cron -roll ca:my-int
: >"$calls"

cron -renew
expect_rc 0 "renew of the leaves as cron runs it"
stamps "renew: every line stamped with the local time of the run"
has "renew: the start names the options and the store" "start: sslm-mgr -renew \(pid [0-9]+, store $c\)\$"
has "renew: a warning of sslm-conf is in the log" 'sslm-conf: warning: .*ssl-mgr.conf:[0-9]+: renew_expire_days: deprecated'
has "my-int: not due, and why" '            Current cert expires: .* Renew in +[0-9.]+ days'
has "my-int: up to date" '            cert up to date: renew not needed$'
for sv in web-ec mail-ec; do
	nx=$(readlink "$c/example.com/$sv/next")
	has "$sv: new key pair" '            new key pair$'
	has "$sv: new CSR" '            new CSR$'
	has "$sv: signed by my-int" '            new cert: signed by my-int$'
	has "$sv: its next set" "            next is now $nx\$"
	has "$sv: renewed, with next's notAfter (openssl)" \
	    "            $sv: renewed: next expires $(iso "$c/example.com/$sv/next/cert.pem")\$"
	has "$sv: production copy of next" "production: example.com:$sv: next $nx\$"
done
n=$(grep -c 'TLSA records written' "$w/run.log")
same "renew: TLSA written once, for mail-ec (DANE) and not web-ec" "$n" 1
has "renew: the apex TLSA file" '  example.com: tlsa.example.com written$'
has "renew: tlsa_dirs copy" "  example.com: tlsa.example.com copied to "
has "renew: post copy and its result" "post copy: $w/rec post $me: done\$"
has "renew: smtp reload on the host, done" "    smtp: $me: $w/rec smtp: done\$"
has "renew: web reload on the host, done" "    web: $me: $w/rec web: done\$"
has "renew: cleaning" 'cleaning: keeping 5 unused sets per service$'
has "renew: done" 'done$'
same "renew: the reloads ran (their record)" "$(sort "$calls" | tr '\n' ' ')" \
    "post $me smtp web "
check "renew: stdout names the production copy per service" \
    grep -qx "production: example.com:web-ec: next $(readlink "$c/example.com/web-ec/next")" "$T_OUT"
check "verb = true in ssl-mgr.conf: stdout has no verbose step lines (as ssl-mgr)" \
    test "$(grep -c 'new key pair\|new CSR' "$T_OUT")" -eq 0

# ---- a renew with nothing due: the twin -------------------------------------------
: >"$calls"
cron -renew
expect_rc 0 "renew, nothing due"
has "nothing due: web-ec up to date" '            cert up to date: renew not needed$'
hasnt "nothing due: no new key" 'new key pair'
hasnt "nothing due: no production copy" '^production: '
hasnt "nothing due: no reload" ': done$'
same "nothing due: no command ran" "$(wc -c <"$calls" | tr -d ' ')" 0

# ---- roll: the reason, production, reloads --------------------------------------------
: >"$calls"
cron -roll -roll-mins 0
expect_rc 0 "roll"
cu=$(readlink "$c/example.com/web-ec/curr")
has "roll: web-ec okay, and why (its first curr)" '            okay to roll: no curr$'
has "roll: what curr is now" "            rolled: curr is now $cu\$"
has "roll: production: curr replaced, next removed" "production: example.com:web-ec: curr $cu, next removed\$"
has "roll: my-root has nothing to roll" '            nothing to roll: no next cert$'

# A roll refused: too soon (the twin of the roll above).
cron -renew -f example.com:web-ec
cron -roll -roll-mins 500 example.com:web-ec
has "roll refused: too soon, and by how much" '            too soon to roll: next is [0-9]+ mins old < 500 mins$'
hasnt "roll refused: nothing rolled" 'rolled: curr is now'
cron -roll -roll-mins 0 example.com:web-ec
has "roll: okay, and why (old enough)" '            okay to roll: next is 0 mins old$'
has "roll: ... rolled" "            rolled: curr is now $(readlink "$c/example.com/web-ec/curr")\$"

# ---- a reload that fails: its result in the log --------------------------------------
touch "$w/fail-smtp"
cron -renew -f example.com:mail-ec
expect_rc 3 "a failed reload fails the run"
has "failed reload: the log names host, command, status and output" \
    "warning: smtp: $me: $w/rec smtp failed \(status 4\): smtp is broken\$"
has "failed reload: the command's output is in the log" '      \| smtp is broken$'
has "failed reload: the end says what failed" 'done with errors: reloads$'
rm -f "$w/fail-smtp"

# ---- -s: the status in the log, -s -v ------------------------------------------------
cron -s
expect_rc 0 "-s"
cu=$(readlink "$c/example.com/web-ec/curr")
has "-s: a status line per service, with curr and its notAfter (openssl)" \
    "status: example.com:web-ec: status 0 \(fine\): curr $cu expires $(iso "$c/example.com/web-ec/curr/cert.pem"): "
has "-s: the CA too" "status: ca:my-root: status 0 \(fine\): curr "
has "-s: the end, with the status" 'done: status 0$'
check "-s: no 'cert status' header without -v" \
    test "$(grep -c 'cert status' "$T_OUT")" -eq 0
check "-s with verb = true: no sans line (only -v shows it, as ssl-mgr)" \
    test "$(grep -c ' sans : ' "$T_OUT")" -eq 0
cron -s --json
expect_rc 0 "-s --json"
same "-s --json (a monitoring poll) writes no log (the twin of -s above)" \
    "$(wc -c <"$w/run.log" | tr -d ' ')" 0
cron -s -v
n=$(grep -c '^    cert status$' "$T_OUT")
same "-s -v: a 'cert status' header per service (4)" "$n" 4
check "-s -v: the header right after the service line" \
    awk '/^  web-ec$/ { getline l; exit l != "    cert status" }' "$T_OUT"
check "-s -v: the sans line" grep -q '^                 sans : ' "$T_OUT"

# A status run whose log cannot be written still answers (it changes
# nothing); a renew refuses.
mv "$t/logs" "$t/logs.d"
: >"$t/logs"
cron -s
expect_rc 0 "-s with an unwritable log directory still works"
check "... and prints the status" grep -q '^  web-ec$' "$T_OUT"
cron -renew
expect_rc 3 "-renew with an unwritable log directory fails"
expect_err_match "logs: cannot create the log directory" "... saying which directory"
rm -f "$t/logs"
mv "$t/logs.d" "$t/logs"

# ---- a killed run leaves no log writer behind --------------------------------------------
SSLM_TEST_CRASH_AT=3 "$SSLM_BIN/sslm-mgr" -renew -f example.com:web-ec \
    >/dev/null 2>&1 &
kpid=$!
wait "$kpid"
# The writer ends when the FIFO closes: wait for that, bounded (5 s).
# Its argv names its run's pid (LOG_END): only this run's writer counts,
# not those of other tests' runs going on beside it.
# shellcheck disable=SC2016 # $1 is the inner shell's
check "killed run: no log writer left running" timeout 5 sh -c \
    'while pgrep -f "sslm-mgr: end of lo[g] $1 " >/dev/null; do sleep 0.05; done' \
    sh "$kpid"

# ---- the scratch of killed runs: removed by the next run ----------------------------
# (the run above was killed: its scratch is in $w, with its pid)
n=$(find "$w" -maxdepth 1 -name 'sslm-mgr.*' -type d | wc -l)
check "killed run: its scratch is left (with a pid file)" test "$n" -ge 1
mkdir "$w/sslm-mgr.live" "$w/sslm-mgr.fresh" "$w/sslm-mgr.old" \
    "$w/sslm-mgr.other"
echo "$$" >"$w/sslm-mgr.live/pid"		# this test's shell: alive
touch -d '2 days ago' "$w/sslm-mgr.old"		# no pid file, two days old
echo 999999999 >"$w/sslm-mgr.other/pid"		# no such process, but ...
chown nobody "$w/sslm-mgr.other"		# ... not this user's
: >"$w/sslm-mgr-args.OLD"
touch -d '2 days ago' "$w/sslm-mgr-args.OLD"
cron -s
left=$(find "$w" -maxdepth 1 -name 'sslm-mgr*' -printf '%f\n' | sort | tr '\n' ' ')
same "next run: killed runs' scratch removed; a live run's, a fresh one's and another user's kept" \
    "$left" "sslm-mgr.fresh sslm-mgr.live sslm-mgr.other "
# A run under a clock a year ahead (faketime) judges a pid-less scratch
# by its age against its own scratch, not the clock: one made a moment ago
# (another run, before its pid file) is kept, one two days older goes.
rm -rf "${w:?}"/sslm-mgr.*
mkdir "$w/sslm-mgr.justmade" "$w/sslm-mgr.twodays"
touch -d '2 days ago' "$w/sslm-mgr.twodays"
run env -i PATH=/usr/bin:/bin HOME="$w" TMPDIR="$w" SSL_MGR_TOPDIR="$t" \
    faketime -f "@$(date -u -d '+1 year' '+%Y-%m-%d %H:%M:%S')" \
    "$SSLM_BIN/sslm-mgr" -s
left=$(find "$w" -maxdepth 1 -name 'sslm-mgr*' -printf '%f\n' | sort | tr '\n' ' ')
same "a clock a year ahead: the scratch made a moment ago kept, the two-day-old one removed" \
    "$left" "sslm-mgr.justmade "
