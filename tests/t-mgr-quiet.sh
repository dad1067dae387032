#!/bin/sh
# sslm-mgr as cron runs it: found by its own path under env -i
# PATH=/usr/bin:/bin, -q silent when nothing happened and saying what
# changed when something did, the same warning once per run (and in the
# log), the reasons of failed post_copy_cmd / reload / production copies
# on stderr and in the log, -d printing what it would change, and the
# single-dash "-opt=value" forms of ssl-mgr.  Oracles: openssl, cmp, grep.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
t=""
TMPDIR=$w
export TMPDIR
B=$SSLM_BIN

# cron NAME ARGS...: sslm-mgr ARGS in cron's environment, by its path.
cron() {
	env -i ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} PATH=/usr/bin:/bin HOME="$w" TMPDIR="$w" SSL_MGR_TOPDIR="$t" \
	    ${SSLM_SSH:+SSLM_SSH="$SSLM_SSH"} "$B/sslm-mgr" "$@"
}

# ---- the programs find each other ---------------------------------------------
ca_self_tree quiet
c=$t/certs
run cron -V
expect_rc 0 "cron env: -V exits 0"
same "cron env: -V prints the version" "$(cut -d' ' -f1 "$T_OUT")" sslm-mgr
# Twin: alone in a directory, it cannot find them, and says so.  (PATH
# holds only the system tools it needs, so that an sslm installed in
# /usr/bin on this machine does not stand in.)
mkdir -p "$w/lone" "$w/sysbin"
cp "$B/sslm-mgr" "$w/lone/sslm-mgr"
for p in readlink sed mktemp rm cat; do
	ln -sf "$(command -v "$p")" "$w/sysbin/$p"
done
run env -i PATH="$w/sysbin" TMPDIR="$w" /bin/sh "$w/lone/sslm-mgr" -V
expect_rc 3 "sslm-mgr without its programs: -V fails"
expect_err_match '^sslm-mgr: cannot run sslm-conf' "... and says what it could not run"

# ---- -q: nothing printed when nothing happened, the change when it did -------------
{ cron -renew -f ca:my-root && cron -roll -f ca:my-root &&
    cron -renew -f ca:my-int && cron -roll -f ca:my-int; } >"$w/boot.out" 2>&1
check "cron env: the CA is made" test -s "$c/ca/my-int/curr/cert.pem"
run cron -q -renew
expect_rc 0 "-q first renew: exit 0"
check "-q renew that made sets: says which service" grep -qx '  web-ec' "$T_OUT"
check "-q renew that made sets: says renewed" grep -q 'web-ec: renewed: next expires' "$T_OUT"
check "-q renew that made sets: names the group" grep -qx 'example.com' "$T_OUT"
check "-q renew: no line for the CA group where nothing happened" \
    test "$(grep -c '^ca$' "$T_OUT")" -eq 0
run cron -q -roll
expect_rc 0 "-q roll: exit 0"
check "-q roll that rolled: says so" grep -q 'rolled: curr is now' "$T_OUT"
for s in web-ec mail-ec; do
	check "$s: curr verifies against the root" openssl verify \
	    -CAfile "$c/ca/my-root/curr/cert.pem" \
	    -untrusted "$c/ca/my-int/curr/cert.pem" "$c/example.com/$s/curr/cert.pem"
done
mkdir -p "$w/links"
ln -sf "$B/sslm-mgr" "$w/links/sslm-mgr"
run env -i ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} PATH="$w/links:/usr/bin:/bin" TMPDIR="$w" SSL_MGR_TOPDIR="$t" sslm-mgr -s
expect_rc 0 "a symlink to sslm-mgr on PATH finds the programs beside the real file"
run cron -q -renew
expect_rc 0 "-q renew, nothing due: exit 0"
same "-q renew, nothing due: no output at all" \
    "$(wc -c <"$T_OUT") $(wc -c <"$T_ERR")" "0 0"
run cron -q -roll
same "-q roll, nothing to roll: no output at all" \
    "$(wc -c <"$T_OUT") $(wc -c <"$T_ERR")" "0 0"
run cron -renew
expect_rc 0 "renew without -q, nothing due: exit 0"
check "without -q the groups and services are listed" grep -qx '  mail-ec' "$T_OUT"
check "a quiet run still logs its services" grep -q '  mail-ec$' "$t/logs/sslm"

# A renew made, but too young to roll: -q says nothing of the wait.
edit "$t/conf.d/ssl-mgr.conf" 'min_roll_mins = 0' 'min_roll_mins = 90'
run cron -q -renew -f example.com:web-ec
check "-q forced renew: says renewed" grep -q 'renewed' "$T_OUT"
run cron -q -roll
same "-q roll of a young next: no output" "$(wc -c <"$T_OUT")" 0
check "... the wait is in the log" grep -q 'too soon to roll' "$t/logs/sslm"
run cron -roll
check "without -q the wait is shown" grep -q 'too soon to roll' "$T_OUT"

# ---- ssl-mgr's single-dash "-opt=value" -------------------------------------------
run cron -q -roll -roll-mins=0
expect_rc 0 "-roll-mins=0: exit 0"
check "-roll-mins=0 rolls the young next" grep -q 'rolled: curr is now' "$T_OUT"
check "... web-ec has no next left" test ! -e "$c/example.com/web-ec/next"
run cron -roll -roll-mins=soon
expect_rc 2 "-roll-mins=soon: usage error"
n0=$(find "$c/example.com/web-ec/db" -mindepth 1 -maxdepth 1 | wc -l)
for _ in 1 2; do
	cron -q -renew -f example.com:web-ec >/dev/null 2>&1
	cron -q -roll -roll-mins=0 >/dev/null 2>&1
done
n1=$(find "$c/example.com/web-ec/db" -mindepth 1 -maxdepth 1 | wc -l)
check "two more renew+roll add two sets" test "$n1" -eq $((n0 + 2))
run cron -q -renew -clean-keep=1 example.com:web-ec
expect_rc 0 "-clean-keep=1: exit 0"
n2=$(find "$c/example.com/web-ec/db" -mindepth 1 -maxdepth 1 | wc -l)
check "-clean-keep=1 keeps curr, prev and one unused set" test "$n2" -eq 3
run cron -renew -clean-keep=-1
expect_rc 2 "-clean-keep=-1: usage error"

# ---- the same warning once per run, and in the log ---------------------------------
edit "$t/conf.d/ssl-mgr.conf" 'clean_keep = 5' 'clean_keep = 5
    renew_expire_days = 25'
run cron -q -renew
expect_rc 0 "deprecated key: the run works"
same "deprecated key: one warning per run" \
    "$(grep -c 'renew_expire_days: deprecated' "$T_ERR")" 1
check "deprecated key: the warning is in the log" \
    grep -q 'renew_expire_days: deprecated' "$t/logs/sslm"
edit "$t/conf.d/ssl-mgr.conf" '    renew_expire_days = 25\n' ''

# ---- failures say why, on stderr and in the log --------------------------------------
cat >"$w/pcc" <<EOF
#!/bin/sh
echo "pcc: starting for \$1"
echo "pcc: disk quota exceeded on \$1" >&2
exit 4
EOF
cat >"$w/rel" <<EOF
#!/bin/sh
echo "rel: \$1: service not found" >&2
exit 5
EOF
chmod 755 "$w/pcc" "$w/rel"
me=$(hostname)
python3 - "$t/conf.d/ssl-mgr.conf" "$me" "$w/pcc" "$w/rel" <<'EOF'
import re, sys
p, host, pcc, rel = sys.argv[1:5]
s = open(p).read()
s = s.replace("[globals]\n", "[globals]\n    post_copy_cmd = [['%s', '%s']]\n"
              % (host, pcc), 1)
s = re.sub(r"\[web\].*", "[web]\n    servers = ['%s']\n"
           "    restart_cmd = '%s web'\n"
           "    svc_depends = [['any', ['web-ec']]]\n" % (host, rel),
           s, flags=re.S)
open(p, "w").write(s)
EOF
run cron -q -renew -f example.com:web-ec
expect_rc 3 "failing reload: exit 3"
expect_err_match "post_copy_cmd $w/pcc $me failed \\(status 4, continuing\\): pcc: disk quota exceeded on $me" \
    "post_copy_cmd failure: the reason on stderr"
check "post_copy_cmd failure: the reason in the log" \
    grep -q "post_copy_cmd .* failed (status 4, continuing): pcc: disk quota exceeded" "$t/logs/sslm"
expect_err_match "web: $me: $w/rel web failed \\(status 5\\): rel: web: service not found" \
    "reload failure: the reason on stderr"
check "reload failure: the reason in the log" \
    grep -q "rel: web: service not found" "$t/logs/sslm"
expect_err_match '^sslm-mgr: failed: reloads$' "the last line names what failed"
edit "$t/conf.d/ssl-mgr.conf" "    post_copy_cmd = [^\n]*\n" "" \
    "restart_cmd = '[^']*/rel web'" "restart_cmd = '/bin/true'"

# A production copy to a host that fails: its reason, and no claim that
# production was updated.
cat >"$w/badssh" <<EOF
#!/bin/sh
echo "badssh: connect to host \$3 port 22: No route to host" >&2
exit 255
EOF
chmod 755 "$w/badssh"
edit "$t/conf.d/ssl-mgr.conf" "servers = \\['$me'\\]" "servers = ['far.example.net']"
run sslm-conf -c "$t/conf.d"
if [ "$T_RC" -ne 0 ]; then
	notok "remote copy config loads" "$(head -c 400 "$T_ERR")"
fi
web_prod=$t/prod-certs/example.com/web-ec/next/cert.pem
run env -i ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} PATH=/usr/bin:/bin HOME="$w" TMPDIR="$w" SSL_MGR_TOPDIR="$t" \
    SSLM_SSH="$w/badssh" "$B/sslm-mgr" -v -renew -f example.com:web-ec
expect_rc 3 "remote copy failure: exit 3"
expect_err_match 'far.example.net' "remote copy failure: stderr names the host"
check "remote copy failure: the reason is in the log" grep -q 'far.example.net' "$t/logs/sslm"
check "remote copy failure: no 'production copies updated'" \
    test "$(grep -c 'production copies updated' "$T_OUT")" -eq 0
check "remote copy failure: the local copy says partly updated" \
    grep -q 'only partly updated' "$T_OUT"
check "remote copy failure: the local production copy was made" \
    cmp "$c/example.com/web-ec/next/cert.pem" "$web_prod"
edit "$t/conf.d/ssl-mgr.conf" "servers = \\['far.example.net'\\]" "servers = []"
cron -q -roll -roll-mins=0 >/dev/null 2>&1

# ---- -d: prints what it would change in production, changes nothing there -----------
find "$t/prod-certs" -type f -exec md5sum {} + | sort >"$w/prod.before"
run cron -d -renew -f example.com:mail-ec
expect_rc 0 "-d renew: exit 0"
check "-d: the production copy is printed" \
    grep -q "debug: replace $t/prod-certs/example.com/mail-ec/next with a copy" "$T_OUT"
find "$t/prod-certs" -type f -exec md5sum {} + | sort >"$w/prod.after"
check "-d: production unchanged" cmp "$w/prod.before" "$w/prod.after"
check "-d: no claim that production was updated" \
    test "$(grep -c 'production copies updated' "$T_OUT")" -eq 0
check "-d: the store has the new next (as ssl-mgr)" test -e "$c/example.com/mail-ec/next"
# Twin: the same without -d copies it.
run cron -q -renew
expect_rc 0 "after -d, a normal run: exit 0"
check "after -d, a normal run brings production up to date" \
    cmp "$c/example.com/mail-ec/next/cert.pem" "$t/prod-certs/example.com/mail-ec/next/cert.pem"

# ---- an ACME directory that cannot be reached: one attempt, one reason --------------
ca_self_tree acme-down
c=$t/certs
cat >>"$t/conf.d/ca-info.conf" <<EOF2

[acme-x]
    ca_desc = 'an ACME server that is down'
    ca_type = 'certbot'
    ca_validation = 'http-01'
    acme_directory = 'https://127.0.0.1:1/dir'
EOF2
for s in web-ec mail-ec; do
	edit "$t/conf.d/example.com/$s" "signing_ca = 'my-int'" "signing_ca = 'acme-x'"
done
run cron -q -renew example.com
expect_rc 3 "ACME server down: exit 3"
same "ACME server down: the directory is tried for one service only" \
    "$(grep -c 'https://127.0.0.1:1/dir: .*onnect' "$T_ERR")" 1
expect_err_match 'example.com:(web|mail)-ec: ACME account: https://127.0.0.1:1/dir failed earlier in this run' \
    "ACME server down: the other service says why it was not tried"
expect_err_match '^sslm-mgr: failed: example.com:(web|mail)-ec example.com:(web|mail)-ec$' \
    "ACME server down: both services failed"
check "ACME server down: no next made" test ! -e "$c/example.com/web-ec/next"

# ---- a reload on a remote host: over ssh by the one rule, one word per argument ------
ca_self_tree remote-reload
c=$t/certs
# The "remote" host is this machine: rsync's far side runs here (into the
# same production tree); any other command is recorded, not run.
cat >"$w/recssh" <<EOF2
#!/bin/sh
{ echo "call"; for a in "\$@"; do printf '[%s]\n' "\$a"; done; } >>"$w/recssh.log"
[ "\$1 \$2" = "-o BatchMode=yes" ] && shift 2
shift
case "\$1" in rsync) exec "\$@" ;; esac
exit 0
EOF2
chmod 755 "$w/recssh"
: >"$w/recssh.log"
python3 - "$t/conf.d/ssl-mgr.conf" <<'EOF2'
import re, sys
p = sys.argv[1]
s = open(p).read()
s = re.sub(r"\[web\].*", "[web]\n    servers = ['far.example.net']\n"
           "    restart_cmd = '/usr/sbin/nginx -s reload'\n"
           "    svc_depends = [['any', ['web-ec']]]\n", s, flags=re.S)
open(p, "w").write(s)
EOF2
run sslm-conf -c "$t/conf.d"
expect_rc 0 "remote reload config loads"
SSLM_SSH=$w/recssh
export SSLM_SSH
{ cron -renew -f ca:my-root && cron -roll -f ca:my-root &&
    cron -renew -f ca:my-int && cron -roll -f ca:my-int; } >"$w/boot.out" 2>&1
check "remote reload: the CA is made" test -s "$c/ca/my-int/curr/cert.pem"
: >"$w/recssh.log"
run env -i ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} PATH=/usr/bin:/bin HOME="$w" TMPDIR="$w" SSL_MGR_TOPDIR="$t" \
    SSLM_SSH="$w/recssh" "$B/sslm-mgr" -q -renew -f example.com:web-ec
expect_rc 0 "remote reload: exit 0"
check "remote reload: the command reached the host as separate words" \
    grep -qzF "$(printf '[-o]\n[BatchMode=yes]\n[far.example.net]\n[/usr/sbin/nginx]\n[-s]\n[reload]\n')" \
    "$w/recssh.log"
