#!/bin/sh
# sslm-mgr -s as a monitor runs it: a status with no task changes nothing
# (a full listing of the tree with modes, mtimes and contents is the same
# before and after, also as a user who can only read the store and on a
# read-only copy; a remote host of a server class is not contacted), its
# exit status under a simulated clock (0 fine, 1 due or next late, 3
# expired or missing), the --json fields against openssl and
# tests/renew_oracle.py, the --prom file read by a parser of the text
# exposition format written here, the last run result after a failing
# renew, and --sync.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
t=""
TMPDIR=$w
export TMPDIR
ORACLE="python3 $SSLM_TOP/tests/renew_oracle.py"

# A remote host in a server class: a run that copies to production
# reaches it through SSLM_SSH, which records the call and fails.
cat >"$w/ssh" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$w/ssh.calls"
exit 255
EOF
chmod 0755 "$w/ssh"
SSLM_SSH=$w/ssh
export SSLM_SSH

ca_self_tree status
sh "$SSLM_TOP/examples/ca-self/make-ca" root >/dev/null 2>&1
run sslm-mgr -renew
expect_rc 0 "setup: first renew"
run sslm-mgr -roll
expect_rc 0 "setup: first roll"
edit "$t/conf.d/ssl-mgr.conf" '^\[smtp\]\n    servers = \[\]' \
    "[smtp]
    servers = ['mx1.remote.test']"
c=$t/certs
p=$t/prod-certs

# snap DIR...: every entry with type, mode, mtime, size, link target and
# the SHA-256 of regular files.
snap() {
	find "$@" -printf '%p %y %m %T@ %s %l\n' | sort
	find "$@" -type f -exec sha256sum {} + | sort
}

# ---- status changes nothing ----------------------------------------------------
: >"$w/ssh.calls"
snap "$t" >"$w/before"
cp "$t/logs/sslm" "$w/log.before"
run sslm-mgr -s
expect_rc 0 "status: a fine store exits 0"
snap "$t" >"$w/after"
# The log is the one change: the status lines appended (as ssl-mgr).
grep -v -e "^$t/logs/sslm " -e "  $t/logs/sslm\$" "$w/before" >"$w/before.nolog"
grep -v -e "^$t/logs/sslm " -e "  $t/logs/sslm\$" "$w/after" >"$w/after.nolog"
check "status: store, production unchanged (modes, mtimes, contents)" \
    cmp "$w/before.nolog" "$w/after.nolog"
check "status: the log only grew (the old log is its start)" \
    cmp -n "$(wc -c <"$w/log.before")" "$w/log.before" "$t/logs/sslm"
check "status: what it appended is the status run" \
    grep -q 'status: example.com:web-ec: status 0 (fine)' "$t/logs/sslm"
snap "$t" >"$w/before"
n=$(wc -l <"$w/ssh.calls")
same "status: the remote host of [smtp] is not contacted" "$n" 0
run sslm-mgr -s --json
expect_rc 0 "status --json: exit 0"
snap "$t" >"$w/after"
check "status --json: nothing changed" cmp "$w/before" "$w/after"
# the twin: a renew does copy to the remote host (and fails there)
cp -a "$t" "$w/twin"
SSL_MGR_TOPDIR=$w/twin run sslm-mgr -renew -f example.com:web-ec
expect_rc 3 "twin: a renew copies to the remote host, whose ssh fails: exit 3"
check "twin: the remote host was contacted through SSLM_SSH" \
    grep -q 'mx1.remote.test' "$w/ssh.calls"
snap "$w/twin" >"$w/twin.after"
sed "s|$t|$w/twin|g" "$w/before" >"$w/twin.before"
if cmp -s "$w/twin.before" "$w/twin.after"; then
	notok "twin: the renew changed the tree (the listing can tell)"
else
	ok "twin: the renew changed the tree (the listing can tell)"
fi

# ---- a user who can only read the store; a read-only copy --------------------
pub=$(mktemp -d /tmp/sslm-status.XXXXXX)
trap 'rm -rf "$pub"' EXIT
chmod 0755 "$pub"
mkdir -m 1777 "$pub/tmp"
cp -a "$t" "$pub/tree"
chmod -R a+rX "$pub/tree"
# The programs as installed (the checkout may sit where nobody cannot
# look), and an ssh that records its calls where nobody can write.
mkdir -m 0755 "$pub/bin"
cp "$SSLM_BIN"/sslm-* "$pub/bin/"
chmod 0755 "$pub/bin"/*
mkdir -m 0755 "$pub/libexec"
cp -R "$SSLM_BIN/../libexec/sslm" "$pub/libexec/"
chmod -R a+rX "$pub/libexec"
cat >"$pub/ssh" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$pub/tmp/ssh.calls"
exit 255
EOF
chmod 0755 "$pub/ssh"
asnobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    env -i ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	        ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} TMPDIR="$pub/tmp" SSL_MGR_TOPDIR="$pub/tree" \
	    PATH=/usr/bin:/bin SSLM_SSH="$pub/ssh" "$pub/bin/sslm-mgr" "$@"
}
snap "$pub/tree" >"$w/before"
run asnobody -s
expect_rc 0 "nobody: status of a store it can only read exits 0"
check "nobody: the output lists web-ec" grep -q '^  web-ec$' "$T_OUT"
n=$(wc -c <"$T_ERR")
same "nobody: nothing on stderr (no chmod, lock or log error)" "$n" 0
run asnobody -s --json
expect_rc 0 "nobody: status --json exits 0"
expect_jq '[.services[] | .curr.due == false] | length == 4 and all' \
    "nobody: --json has the four services, none due"
snap "$pub/tree" >"$w/after"
check "nobody: nothing changed" cmp "$w/before" "$w/after"
check "nobody: the remote host was not contacted" test ! -e "$pub/tmp/ssh.calls"
# and the twin: a renew as nobody cannot take the lock
run asnobody -renew
expect_rc 3 "nobody: a renew (which writes) fails"
expect_err_match "$pub/tree/certs" "nobody: ... on the store it cannot write"
cp -a "$t" "$w/ro"
chmod -R a-w "$w/ro"
snap "$w/ro" >"$w/before"
SSL_MGR_TOPDIR=$w/ro run sslm-mgr -s --json
expect_rc 0 "read-only copy: status exits 0"
snap "$w/ro" >"$w/after"
check "read-only copy: nothing changed, not even by root" \
    cmp "$w/before" "$w/after"
chmod -R u+w "$w/ro"

# ---- exit status and --json under a simulated clock ---------------------------
# at EPOCH ARGS...: sslm-mgr at that (ticking) time
at() {
	_at=$(date -u -d "@$1" '+%Y-%m-%d %H:%M:%S')
	shift
	TZ=UTC faketime -f "@$_at" sslm-mgr "$@"
}
ep() { date -u -d "$(openssl x509 -in "$1" -noout "-$2" | cut -d= -f2)" +%s; }
sslm-conf >"$w/conf.json"
web=$c/example.com/web-ec/curr/cert.pem
mail=$c/example.com/mail-ec/curr/cert.pem
wra=$($ORACLE decide "$w/conf.json" "$(date +%s)" "$web" | jq .renew_at)
mra=$($ORACLE decide "$w/conf.json" "$(date +%s)" "$mail" | jq .renew_at)
first=$wra last=$mra
[ "$mra" -ge "$wra" ] || { first=$mra last=$wra; }
# an hour of slack before the renewal time (sslm-due(1))
run at $((first - 3600 - 120)) -s
expect_rc 0 "clock: two minutes before the first leaf is due: exit 0"
check "clock: not due: no DUE mark" test "$(grep -c 'DUE' "$T_OUT")" = 0
run at $((last + 60)) -s
expect_rc 1 "clock: both leaves due: exit 1"
n=$(grep -c '\*\* DUE \*\*' "$T_OUT")
same "clock: the two due leaves are marked" "$n" 2
expect_err_match 'example.com:web-ec: curr: due' "clock: stderr names the due service"
run at $((last + 60)) -s --json
expect_rc 1 "clock: --json due: exit 1"
for s in web-ec mail-ec; do
	f=$c/example.com/$s/curr/cert.pem
	o=$($ORACLE decide "$w/conf.json" $((last + 60)) "$f")
	ra=$(date -u -d "@$(printf '%s' "$o" | jq .renew_at)" +%Y-%m-%dT%H:%M:%SZ)
	expect_jq ".services[] | select(.service == \"$s\") | .curr |
	    .due == $(printf '%s' "$o" | jq .due) and .renew_at == \"$ra\" and
	    .expired == false and (.reason | startswith(\"due: renew at $ra\"))" \
	    "clock: $s due and renew_at agree with renew_oracle.py"
done
expect_jq '.services[] | select(.service == "my-root") | .curr.due == false and
    (.curr.reason | startswith("not due until"))' "clock: the root is not due"
na=$(ep "$web" enddate)
run at $((na + 60)) -s
expect_rc 3 "clock: expired leaves: exit 3"
check "clock: the expired certificate is marked" grep -q 'EXPIRED' "$T_OUT"
run at $((na + 60)) -s --json
expect_jq '.services[] | select(.service == "web-ec") | .curr.expired and .status == 3' \
    "clock: --json says expired"
if TZ=UTC faketime -f "@$(date -u -d "@$((na + 60))" '+%Y-%m-%d %H:%M:%S')" \
    openssl x509 -in "$web" -noout -checkend 0 >/dev/null; then
	notok "clock: openssl agrees web-ec has expired then"
else
	ok "clock: openssl agrees web-ec has expired then"
fi
# missing curr
cp -a "$t" "$w/miss"
rm "$w/miss/certs/example.com/web-ec/curr"
SSL_MGR_TOPDIR=$w/miss run sslm-mgr -s
expect_rc 3 "missing curr: exit 3"
check "missing curr: says so" grep -q 'MISSING' "$T_OUT"
check "missing curr: status made no curr" \
    test ! -L "$w/miss/certs/example.com/web-ec/curr"

# a next waiting for its roll: too young, ready, late
edit "$t/conf.d/ssl-mgr.conf" '^\[smtp\]\n    servers = \[.*?\]' \
    "[smtp]
    servers = []" 'min_roll_mins = 0' 'min_roll_mins = 60'
run sslm-mgr -renew -f example.com:web-ec
expect_rc 0 "next: renew -f makes one"
nb=$(ep "$c/example.com/web-ec/next/cert.pem" startdate)
run at $((nb + 30 * 60 + 5)) -s --json example.com:web-ec
expect_rc 0 "next too young: exit 0"
expect_jq '.services[0].next | .roll_ready == false and .late == false and
    .reason == "next too young (30 of 60 minutes)"' "next too young: reason and roll_ready"
run at $((nb + 61 * 60)) -s --json example.com:web-ec
expect_rc 0 "next old enough: exit 0"
expect_jq '.services[0].next | .roll_ready == true and .late == false' \
    "next old enough: roll_ready"
run at $((nb + (60 + 2880) * 60 + 120)) -s example.com:web-ec
expect_rc 1 "next waiting past min_roll_mins + 2 days: exit 1"
check "next late: marked" grep -q 'LATE' "$T_OUT"
run at $((nb + (60 + 2880) * 60 + 120)) -s -late-mins 5000 example.com:web-ec
expect_rc 0 "next late: -late-mins 5000 moves the limit: exit 0"

# ---- --prom --------------------------------------------------------------------
cat >"$w/prom.py" <<'EOF'
# A parser of the Prometheus text exposition format (0.0.4), written
# from its description: prints "name{k=v,...} value" per sample, sorted
# labels; exits 1 on a malformed line or a sample with no TYPE.
import re, sys
name = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*$')
lab = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')
typed, out = {}, []
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.rstrip('\n')
    if not line:
        continue
    if line.startswith('#'):
        f = line.split(None, 3)
        if len(f) >= 3 and f[1] in ('HELP', 'TYPE'):
            if not name.match(f[2]):
                sys.exit('line %d: bad name' % n)
            if f[1] == 'TYPE':
                if f[2] in typed or len(f) < 4 or f[3] not in (
                        'counter', 'gauge', 'histogram', 'summary', 'untyped'):
                    sys.exit('line %d: bad TYPE' % n)
                typed[f[2]] = f[3]
        continue
    m = re.match(r'([^{\s]+)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$', line)
    if not m or not name.match(m.group(1)):
        sys.exit('line %d: not a sample: %s' % (n, line))
    if m.group(1) not in typed:
        sys.exit('line %d: %s has no TYPE before it' % (n, m.group(1)))
    ls, rest = {}, m.group(3) or ''
    while rest:
        lm = lab.match(rest)
        if not lm:
            sys.exit('line %d: bad labels' % n)
        ls[lm.group(1)] = lm.group(2)
        rest = rest[lm.end():]
    float(m.group(4))
    out.append('%s{%s} %s' % (m.group(1), ','.join(
        '%s=%s' % kv for kv in sorted(ls.items())), m.group(4)))
print('\n'.join(out))
EOF
mkdir -p "$w/prom"
run sslm-mgr -s --prom "$w/prom/sslm.prom"
expect_rc 0 "prom: -s --prom exits 0"
check "prom: the file parses" python3 "$w/prom.py" "$w/prom/sslm.prom"
python3 "$w/prom.py" "$w/prom/sslm.prom" >"$w/prom.txt"
same "prom: mode 0644" "$(stat -c %a "$w/prom/sslm.prom")" 644
n=$(find "$w/prom" -mindepth 1 | wc -l)
same "prom: no temporary file left beside it" "$n" 1
v=$(grep '^sslm_cert_not_after_seconds{group=example.com,service=web-ec,set=curr} ' \
    "$w/prom.txt" | cut -d' ' -f2)
same "prom: web-ec notAfter agrees with openssl" "$v" "$(ep "$web" enddate)"
v=$(grep '^sslm_cert_renew_at_seconds{group=example.com,service=mail-ec,set=curr} ' \
    "$w/prom.txt" | cut -d' ' -f2)
same "prom: mail-ec renew time agrees with renew_oracle.py" "$v" "$mra"
for m in sslm_cert_due sslm_cert_expired sslm_next_roll_ready \
    sslm_service_status sslm_last_run_success; do
	check "prom: has $m" grep -q "^$m{" "$w/prom.txt"
done
v=$(grep '^sslm_last_run_success{group=example.com,service=web-ec}' \
    "$w/prom.txt" | cut -d' ' -f2)
same "prom: web-ec's last run (renew -f) succeeded" "$v" 1
i1=$(stat -c %i "$w/prom/sslm.prom")
# a failing renew of web-ec: its copy to the remote host fails
edit "$t/conf.d/ssl-mgr.conf" '^\[smtp\]\n    servers = \[\]' \
    "[smtp]
    servers = ['mx1.remote.test']"
run sslm-mgr -renew -f example.com:web-ec --prom "$w/prom/sslm.prom"
expect_rc 3 "prom: the renew fails (remote copy)"
python3 "$w/prom.py" "$w/prom/sslm.prom" >"$w/prom.txt"
v=$(grep '^sslm_last_run_success{group=example.com,service=web-ec}' \
    "$w/prom.txt" | cut -d' ' -f2)
same "prom: after the failing renew, web-ec's last run failed" "$v" 0
n=$(grep -c '^sslm_last_run_success{group=ca,' "$w/prom.txt")
same "prom: a run of example.com:web-ec has the metrics of web-ec only" "$n" 0
i2=$(stat -c %i "$w/prom/sslm.prom")
run sslm-mgr -s --prom "$w/prom/all.prom"
python3 "$w/prom.py" "$w/prom/all.prom" >"$w/prom.txt"
v=$(grep '^sslm_last_run_success{group=ca,service=my-root}' \
    "$w/prom.txt" | cut -d' ' -f2)
same "prom: my-root (not in that run) keeps its last result" "$v" 1
v=$(grep '^sslm_last_run_success{group=example.com,service=web-ec}' \
    "$w/prom.txt" | cut -d' ' -f2)
same "prom: a status run keeps web-ec's failed result" "$v" 0
check "prom: replaced by a rename (a new inode)" test "$i1" != "$i2"
# a directory it cannot write: exit 3, the old file untouched
mkdir -m 0555 "$pub/prom"
run asnobody -s --prom "$pub/prom/sslm.prom"
expect_rc 3 "prom: an unwritable directory: exit 3"
expect_err_match 'sslm.prom' "prom: the message names the file"

# ---- --sync ---------------------------------------------------------------------
edit "$t/conf.d/ssl-mgr.conf" '^\[smtp\]\n    servers = \[.*?\]' \
    "[smtp]
    servers = []"
run sslm-mgr -roll -f
expect_rc 0 "sync: a roll brings production up to date"
run sslm-mgr -s --sync
expect_rc 0 "sync: production in sync: exit 0"
rm "$p/example.com/web-ec/curr/cert.pem"
run sslm-mgr -s
expect_rc 0 "sync: without --sync production is not looked at"
check "sync: and not repaired" test ! -e "$p/example.com/web-ec/curr/cert.pem"
run sslm-mgr -s --sync --json
expect_rc 1 "sync: --sync notices production differs: exit 1"
expect_jq '.production_in_sync == false' "sync: --json says production_in_sync false"
expect_err_match 'mismatch' "sync: names the mismatch"
check "sync: still not repaired" test ! -e "$p/example.com/web-ec/curr/cert.pem"
run sslm-mgr --sync
expect_rc 2 "sync: --sync without -s is a usage error"
