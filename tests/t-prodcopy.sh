#!/bin/sh
# sslm-prodcopy: the production copy of curr, next and tlsa.<grp> from a
# store built by hand; the sync check; -d; bad CONF.json; a concurrent
# reader never sees a mix; kill -9 at every step, then a rerun finishes
# the job; remote copies to real sshd servers on loopback.
#
# Remote copies: the remote path is the local path, and every test "host"
# is this machine.  To see a remote copy that is really separate, each
# test sshd runs in its own mount namespace in which a scratch directory
# (remote1, remote2) is bind-mounted over the production path (see
# tests/env/sshd.sh).  What rsync writes through sshd lands there, and the
# local production tree is not touched by it.  Without mount namespaces
# (not root, no user namespaces) the remote checks are skipped.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/sshd.sh"

w=$SSLM_TMP
G=example.com
C=$w/certs
P=$w/prod
FILES="privkey.pem csr.pem cert.pem chain.pem fullchain.pem bundle.pem tlsa.rr"

# mkset SVC STAMP: a complete set certs/G/SVC/db/STAMP whose files each
# hold "STAMP name"; keys and bundles 0600; mtimes in 2020.
mkset() {
	_d="$C/$G/$1/db/$2"
	mkdir -p "$_d"
	for _f in $FILES; do
		printf '%s %s\n' "$2" "$_f" >"$_d/$_f"
	done
	chmod 644 "$_d"/*
	chmod 600 "$_d/privkey.pem" "$_d/bundle.pem"
	touch -d '2020-01-02 03:04:05' "$_d"/*
}

# link SVC LNAME [STAMP]: point LNAME at db/STAMP, or remove it.
link() {
	rm -f "$C/$G/$1/$2"
	if [ -n "${3:-}" ]; then ln -s "db/$3" "$C/$G/$1/$2"; fi
}

# mkconf OUT PROD [SERVERS]: a CONF.json like sslm-conf's, for the store
# C, services web, mail and a broken one; SERVERS merged into .servers.
mkconf() {
	jq -n --arg c "$C" --arg p "$2" --arg cd "$w/conf" \
	    --argjson s "${3:-"{}"}" '{
	    sslm_conf: 1, confdir: $cd, certs_dir: $c,
	    globals: {prod_cert_dir: $p},
	    servers: ({smtp: {servers: [], skip_prod_copy: false},
		imap: {servers: [], skip_prod_copy: false},
		web: {servers: [], skip_prod_copy: false},
		other: {servers: [], skip_prod_copy: false}} * $s),
	    groups: [{domain: "example.com", services: [
		{service: "web", group: "example.com"},
		{service: "mail", group: "example.com"},
		{service: "broken", group: "example.com", error: "bad"}]},
		{domain: "ca", services: [{service: "my-root"}]}]}' >"$1"
}

# listing DIR: every entry below DIR with type, mode, mtime (to the ns).
listing() {
	(cd "$1" && find . -mindepth 1 -printf '%y %m %T@ %p\n' | sort)
}

# rlisting DIR: as listing, without directory mtimes (rsync with
# --delay-updates touches directories after setting their times).
rlisting() {
	(cd "$1" && find . -mindepth 1 \( -type d -printf '%y %m %p\n' \) -o \
	    -printf '%y %m %T@ %p\n' | sort)
}

# same_set SRC DST: DST is a real directory with the same regular files,
# bytes, modes and mtimes as SRC (a store link).
same_set() {
	[ -d "$2" ] && [ ! -L "$2" ] &&
	    [ "$(listing "$1")" = "$(listing "$2")" ] &&
	    diff -r "$1/" "$2/" >/dev/null
}

# one_stamp DIR: DIR holds the 7 files of one single set (no mix).
one_stamp() {
	[ "$(find "$1" -type f | wc -l)" -eq 7 ] &&
	    [ "$(cat "$1"/* | cut -d' ' -f1 | sort -u | wc -l)" -eq 1 ]
}

no_leftovers() {
	[ -z "$(find "$1" -name '.*')" ]
}

absent() { [ ! -e "$1" ] && [ ! -L "$1" ]; }

# rawlink SVC LNAME TARGET: a link with any target.
rawlink() {
	rm -f "$C/$G/$1/$2"
	ln -s "$3" "$C/$G/$1/$2"
}

mkdir -p "$w/conf"
mkset web 20260101-10:00:00
mkset web 20260301-10:00:00
mkset mail M1
link web curr 20260101-10:00:00
link web next 20260301-10:00:00
link mail curr M1
printf 'tlsa one\n' >"$C/$G/tlsa.$G"
touch -d '2021-05-06 07:08:09' "$C/$G/tlsa.$G"
mkconf "$w/c.json" "$P"

# ---- usage ----------------------------------------------------------------
run sslm-prodcopy
expect_rc 2 "usage: -c is required"
run sslm-prodcopy -x -c "$w/c.json"
expect_rc 2 "usage: unknown option"
run sslm-prodcopy -c "$w/c.json" 'bad/group'
expect_rc 2 "usage: an unsafe group operand"
expect_err_match '^sslm-prodcopy: bad/group: "bad/group" is not ca or a domain$' \
    "usage: the operand is named"
run sslm-prodcopy -c "$w/c.json" "$G:../x"
expect_rc 2 "usage: an unsafe service operand"
run sslm-prodcopy -h
expect_rc 0 "-h exits 0"
run sslm-prodcopy -V
expect_rc 0 "-V exits 0"
check "-V prints the version" grep -q '^sslm-prodcopy [0-9]' "$T_OUT"
check "usage leaves no production tree" absent "$P"

# ---- the sync check on an empty production tree -----------------------------
run sslm-prodcopy -n -c "$w/c.json"
expect_rc 1 "-n: not in sync before the first copy"
expect_err_lines 4 "-n: one line per mismatch (web curr, next; mail curr; tlsa)"
expect_err_match "^sslm-prodcopy: mismatch: $C/$G/web/curr vs $P/$G/web/curr\$" \
    "-n: mismatch line names both paths"
expect_jq '.in_sync == false' "-n: in_sync false"
check "-n creates nothing" absent "$P"

# ---- first copy ---------------------------------------------------------------
run sslm-prodcopy -c "$w/c.json"
expect_rc 0 "first copy"
expect_err_lines 0 "first copy: quiet"
expect_jq '.changed == [{"group": "example.com", "service": "web",
    "curr": true, "next": true}, {"group": "example.com",
    "service": "mail", "curr": true, "next": false}] and
    .tlsa_changed == ["example.com"] and .remote == [] and
    .in_sync == false' "first copy: JSON says what changed"
check "web curr: same files, bytes, modes, mtimes" \
    same_set "$C/$G/web/curr" "$P/$G/web/curr"
check "web next: same files, bytes, modes, mtimes" \
    same_set "$C/$G/web/next" "$P/$G/web/next"
check "mail curr copied" same_set "$C/$G/mail/curr" "$P/$G/mail/curr"
check "mail next absent" absent "$P/$G/mail/next"
check "privkey.pem and bundle.pem are 0600" test \
    "$(stat -c %a "$P/$G/web/curr/privkey.pem" "$P/$G/web/curr/bundle.pem" |
    sort -u)" = 600
check "cert.pem keeps 0644" test "$(stat -c %a "$P/$G/web/curr/cert.pem")" = 644
check "directories are 0750" test "$(stat -c %a "$P" "$P/$G" "$P/$G/web" \
    "$P/$G/web/curr" "$P/$G/web/next" | sort -u)" = 750
check "tlsa copied with its mtime" test \
    "$(stat -c '%s %Y' "$C/$G/tlsa.$G")" = "$(stat -c '%s %Y' "$P/$G/tlsa.$G")"
check "tlsa bytes" cmp -s "$C/$G/tlsa.$G" "$P/$G/tlsa.$G"
check "the broken service is skipped" absent "$P/$G/broken"
check "a group with nothing in the store gets no directory" absent "$P/ca"
check "no leftovers" no_leftovers "$P"

# ---- second run: nothing to do ---------------------------------------------------
ino=$(stat -c %i "$P/$G/web/curr" "$P/$G/web/next" "$P/$G/mail/curr" \
    "$P/$G/tlsa.$G")
run sslm-prodcopy -c "$w/c.json"
expect_rc 0 "second copy"
expect_jq '.changed == [] and .tlsa_changed == [] and .in_sync == true' \
    "second copy: nothing changed"
check "second copy: no directory or file replaced" test "$ino" = \
    "$(stat -c %i "$P/$G/web/curr" "$P/$G/web/next" "$P/$G/mail/curr" \
    "$P/$G/tlsa.$G")"
run sslm-prodcopy -n -c "$w/c.json"
expect_rc 0 "-n: in sync after the copy"
expect_err_lines 0 "-n: in sync, nothing on stderr"
expect_jq '.in_sync == true' "-n: in_sync true"

# ---- drift in production is found and repaired ----------------------------------
printf 'tampered\n' >"$P/$G/web/curr/cert.pem"
touch -d '2020-01-02 03:04:05' "$P/$G/web/curr/cert.pem"
run sslm-prodcopy -n -c "$w/c.json"
expect_rc 1 "-n: a changed byte is a mismatch"
expect_err_lines 1 "-n: only that set mismatches"
chmod 640 "$P/$G/mail/curr/chain.pem"
printf 'x\n' >"$P/$G/web/next/extra.pem"
mkdir -p "$P/$G/dh"
printf 'dh\n' >"$P/$G/dh/dhparam.pem"
run sslm-prodcopy -c "$w/c.json"
expect_rc 0 "repair"
expect_jq '.changed == [{"group": "example.com", "service": "web",
    "curr": true, "next": true}, {"group": "example.com",
    "service": "mail", "curr": true, "next": false}]' \
    "repair: changed bytes, an extra file and a changed mode are replaced"
check "repair: web curr restored" same_set "$C/$G/web/curr" "$P/$G/web/curr"
check "repair: extra file gone" absent "$P/$G/web/next/extra.pem"
check "repair: mode restored" test "$(stat -c %a "$P/$G/mail/curr/chain.pem")" = 644
check "repair: the group's dh directory is left alone" \
    test -f "$P/$G/dh/dhparam.pem"

# ---- roll: curr switched, next gone; tlsa changed --------------------------------
link web curr 20260301-10:00:00
link web next
printf 'tlsa two\n' >"$C/$G/tlsa.$G"
ino=$(stat -c %i "$P/$G/web/curr")
run sslm-prodcopy -d -c "$w/c.json"
expect_rc 0 "-d after a roll"
expect_err_match "^sslm-prodcopy: debug: replace $P/$G/web/curr with a copy of $C/$G/web/curr\$" \
    "-d: prints the directory swap"
expect_err_match "^sslm-prodcopy: debug: remove $P/$G/web/next\$" \
    "-d: prints the removal"
expect_err_match "^sslm-prodcopy: debug: copy $C/$G/tlsa.$G to $P/$G/tlsa.$G\$" \
    "-d: prints the tlsa copy"
expect_jq '.changed == [{"group": "example.com", "service": "web",
    "curr": true, "next": true}] and .tlsa_changed == ["example.com"]' \
    "-d: JSON says what would change"
check "-d: curr not replaced" test "$ino" = "$(stat -c %i "$P/$G/web/curr")"
check "-d: next still there" test -d "$P/$G/web/next"
check "-d: tlsa unchanged" grep -q 'tlsa one' "$P/$G/tlsa.$G"

run sslm-prodcopy -c "$w/c.json"
expect_rc 0 "copy after a roll"
expect_jq '.changed == [{"group": "example.com", "service": "web",
    "curr": true, "next": true}] and .tlsa_changed == ["example.com"]' \
    "roll: curr replaced, next removed, tlsa copied"
check "roll: curr is the old next" same_set "$C/$G/web/curr" "$P/$G/web/curr"
check "roll: curr holds the 0301 set" grep -q '^20260301-10:00:00 ' \
    "$P/$G/web/curr/cert.pem"
check "roll: curr is a new directory" test "$ino" != \
    "$(stat -c %i "$P/$G/web/curr")"
check "roll: next removed" absent "$P/$G/web/next"
check "roll: tlsa updated" cmp -s "$C/$G/tlsa.$G" "$P/$G/tlsa.$G"
check "roll: no leftovers" no_leftovers "$P"

rm "$C/$G/tlsa.$G"
run sslm-prodcopy -c "$w/c.json"
expect_rc 0 "tlsa removed from the store"
expect_jq '.changed == [] and .tlsa_changed == ["example.com"]' \
    "tlsa removal reported"
check "tlsa removed from production" absent "$P/$G/tlsa.$G"

# ---- selection ------------------------------------------------------------------------
mkset mail M2
link mail next M2
run sslm-prodcopy -c "$w/c.json" "$G:web"
expect_rc 0 "operand grp:svc"
expect_jq '.changed == []' "grp:web leaves mail alone"
check "mail next not copied" absent "$P/$G/mail/next"
run sslm-prodcopy -c "$w/c.json" "$G:nosuch"
expect_rc 3 "operand naming an unknown service"
expect_err_match "^sslm-prodcopy: $G:nosuch: no such service\$" \
    "unknown service named"
run sslm-prodcopy -c "$w/c.json" "$G"
expect_rc 0 "operand grp"
expect_jq '.changed == [{"group": "example.com", "service": "mail",
    "curr": false, "next": true}]' "grp selects all its services"
check "mail next copied" same_set "$C/$G/mail/next" "$P/$G/mail/next"
link mail next
run sslm-prodcopy -c "$w/c.json" "$G:ALL"
expect_rc 0 "operand grp:ALL"
expect_jq '.changed == [{"group": "example.com", "service": "mail",
    "curr": false, "next": true}]' "grp:ALL selects all its services"
check "mail next removed again" absent "$P/$G/mail/next"
link mail next M2
sslm-prodcopy -c "$w/c.json" >/dev/null

# ---- configuration from a pipe ------------------------------------------------------------
run_in "$w/c.json" sslm-prodcopy -n -c -
expect_rc 0 "CONF.json from stdin"

# ---- bad CONF.json and bad stores ----------------------------------------------------
jq '.groups[0].services[0].service = "../x"' "$w/c.json" >"$w/bad1.json"
run sslm-prodcopy -c "$w/bad1.json"
expect_rc 3 "unsafe service name: exit 3"
expect_err_match '^sslm-prodcopy: conf.json: groups\[0\]\.services\[0\]\.service: unsafe service name$' \
    "unsafe service name: clear line"
check "unsafe service name: nothing on stdout" test ! -s "$T_OUT"
jq '.groups[0].domain = "a/b"' "$w/c.json" >"$w/bad2.json"
run sslm-prodcopy -c "$w/bad2.json"
expect_rc 3 "unsafe group name: exit 3"
jq 'del(.globals.prod_cert_dir)' "$w/c.json" >"$w/bad3.json"
run sslm-prodcopy -c "$w/bad3.json"
expect_rc 3 "missing prod_cert_dir: exit 3"
expect_err_match '^sslm-prodcopy: conf.json: globals.prod_cert_dir: missing or not a string$' \
    "missing prod_cert_dir: clear line"
jq '.servers.smtp.servers = ["-oProxyCommand=x"]' "$w/c.json" >"$w/bad4.json"
run sslm-prodcopy -c "$w/bad4.json"
expect_rc 3 "host that is an option: exit 3"
expect_err_match 'servers.smtp.servers\[0\]: not a host name' \
    "bad host: clear line"
printf '{"certs_dir": ' >"$w/bad5.json"
run sslm-prodcopy -c "$w/bad5.json"
expect_rc 3 "truncated JSON: exit 3"
run sslm-prodcopy -c "$w/nonexistent.json"
expect_rc 3 "missing CONF.json: exit 3"
# Only the last part of prod_cert_dir is made (sslm-conf checks it too).
jq --arg p "$w/no-parent/prod" '.globals.prod_cert_dir = $p' "$w/c.json" \
    >"$w/bad6.json"
run sslm-prodcopy -c "$w/bad6.json"
expect_rc 3 "prod_cert_dir with a missing parent: exit 3"
expect_err_match "^sslm-prodcopy: $w/no-parent/prod: parent $w/no-parent: No such file or directory\$" \
    "missing parent: the line names the parent"
check "missing parent: not created" absent "$w/no-parent"

snap=$(listing "$P")
rawlink mail curr ../../../../etc
run sslm-prodcopy -c "$w/c.json"
expect_rc 3 "link out of the store: exit 3"
expect_err_match "^sslm-prodcopy: $C/$G/mail/curr: link target \"../../../../etc\" is not db/<name>\$" \
    "link out of the store: clear line"
expect_jq '.changed == []' "link out of the store: JSON still printed"
rawlink mail curr db/../../web/db/20260301-10:00:00
run sslm-prodcopy -c "$w/c.json"
expect_rc 3 "link db/../..: exit 3"
link mail curr M1
ln -s /etc/passwd "$C/$G/mail/db/M1/evil.pem"
run sslm-prodcopy -c "$w/c.json"
expect_rc 3 "a symlink inside a set: exit 3"
expect_err_match "^sslm-prodcopy: $C/$G/mail/curr/evil.pem: not a regular file\$" \
    "a symlink inside a set: clear line"
check "failures changed nothing in production" test "$snap" = "$(listing "$P")"
rm "$C/$G/mail/db/M1/evil.pem"
mv "$C/$G/mail/db" "$w/maildb"
ln -s "$w/maildb" "$C/$G/mail/db"
run sslm-prodcopy -c "$w/c.json"
expect_rc 3 "db that is a symlink: refused"
rm "$C/$G/mail/db"
mv "$w/maildb" "$C/$G/mail/db"
rm "$C/$G/mail/curr"
mkdir "$C/$G/mail/curr"
run sslm-prodcopy -n -c "$w/c.json"
expect_rc 3 "curr that is not a link: exit 3"
expect_err_match "^sslm-prodcopy: $C/$G/mail/curr: not a symbolic link\$" \
    "curr not a link: clear line"
rmdir "$C/$G/mail/curr"
link mail curr M1
run sslm-prodcopy -c "$w/c.json"
expect_rc 0 "store repaired: copy works again"

# ---- a reader never sees a mix ---------------------------------------------------------
# The reader opens the directory once (cd) and reads cert.pem and then
# privkey.pem in it, as a server that opens the directory would; while
# the tool replaces curr 40 times.  A read that fails (the directory was
# deleted under it after a swap) is not a mix; a pair of two stamps is.
link web next
: >"$w/reads"
rm -f "$w/stop"
(
	n=0 mix=0
	while [ ! -e "$w/stop" ]; do
		if cd "$P/$G/web/curr" 2>/dev/null; then
			c=$(cat cert.pem 2>/dev/null) &&
			    k=$(cat privkey.pem 2>/dev/null) && {
				n=$((n + 1))
				[ "${c%% *}" = "${k%% *}" ] || mix=$((mix + 1))
			}
			cd / || exit 1
		fi
	done
	echo "$n $mix" >"$w/reads"
) &
rpid=$!
i=0 fails=0
while [ "$i" -lt 40 ]; do
	if [ $((i % 2)) -eq 0 ]; then s=20260101-10:00:00; else s=20260301-10:00:00; fi
	link web curr "$s"
	sslm-prodcopy -c "$w/c.json" "$G:web" >/dev/null 2>&1 || fails=$((fails + 1))
	i=$((i + 1))
done
touch "$w/stop"
wait "$rpid"
read -r nreads nmix <"$w/reads"
check "reader: 40 replacements succeeded" test "$fails" -eq 0
check "reader: read pairs while curr was replaced ($nreads)" test "$nreads" -gt 0
check "reader: no mixed pair" test "$nmix" -eq 0

# ---- kill -9 at every step, then rerun ---------------------------------------------------
# Before: web curr=0101 next=0301, mail curr=M1 no next, tlsa one.
# After:  web curr=0301 no next, mail next=M2, tlsa three.
link web curr 20260101-10:00:00
link web next 20260301-10:00:00
link mail next
printf 'tlsa one\n' >"$C/$G/tlsa.$G"
sslm-prodcopy -c "$w/c.json" >/dev/null
rm -rf "$w/before"
cp -a "$P" "$w/before"
link web curr 20260301-10:00:00
link web next
link mail next M2
printf 'tlsa three\n' >"$C/$G/tlsa.$G"
n=1 bad=
while [ "$n" -lt 200 ]; do
	rm -rf "$P"
	cp -a "$w/before" "$P"
	SSLM_TEST_CRASH_AT=$n sslm-prodcopy -c "$w/c.json" >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 137 ] || break
	# At the instant of the kill every live set is whole.
	for d in web/curr web/next mail/curr mail/next; do
		[ -e "$P/$G/$d" ] || continue
		one_stamp "$P/$G/$d" || bad="$bad $n:$d"
	done
	[ -d "$P/$G/web/curr" ] || bad="$bad $n:no-curr"
	sslm-prodcopy -c "$w/c.json" >/dev/null 2>&1 || bad="$bad $n:rerun"
	same_set "$C/$G/web/curr" "$P/$G/web/curr" &&
	    absent "$P/$G/web/next" &&
	    same_set "$C/$G/mail/next" "$P/$G/mail/next" &&
	    same_set "$C/$G/mail/curr" "$P/$G/mail/curr" &&
	    cmp -s "$C/$G/tlsa.$G" "$P/$G/tlsa.$G" &&
	    no_leftovers "$P" || bad="$bad $n:final"
	n=$((n + 1))
done
check "crash hook: the uninterrupted run finishes (rc $rc)" test "$rc" -eq 0
check "crash hook: killed at $((n - 1)) distinct steps" test "$n" -gt 20
if [ -z "$bad" ]; then
	ok "after each kill: live sets whole, rerun ends correct, no leftovers"
else
	notok "after each kill: live sets whole, rerun ends correct" "$bad"
fi

# ---- remote copies through sshd ------------------------------------------------------------
R=$w/rp/prod
mkdir -p "$R" "$w/remote1" "$w/remote2"
started=0
trap 'sshd_stop "$w/s1"; sshd_stop "$w/s2"' EXIT
if sshd_start "$w/s1" "$w/remote1" "$R" &&
    sshd_start "$w/s2" "$w/remote2" "$R"; then
	started=1
	ok "two sshd servers answer on loopback"
elif [ "$?" -eq 2 ]; then
	skip "remote copies: no mount namespaces here"
else
	notok "two sshd servers answer on loopback" \
	    "$(tail -3 "$w/s1/sshd.log" "$w/s2/sshd.log" 2>/dev/null)"
fi
if [ "$started" -eq 1 ]; then
	{
		sshd_host_entry "$w/s1" smtp1.test
		sshd_host_entry "$w/s2" web1.test
		sshd_dead_entry dead.test
	} >"$w/conf/ssh_config"
	me=$(hostname)
	mkconf "$w/r.json" "$R" "$(jq -n --arg me "$me" '{
	    smtp: {servers: ["smtp1.test", "localhost", $me]},
	    web: {servers: ["web1.test"], skip_prod_copy: true},
	    other: {servers: ["smtp1.test"]}}')"
	run sslm-prodcopy -c "$w/r.json"
	expect_rc 0 "remote: copy to smtp1.test"
	expect_jq '.remote == [{"host": "smtp1.test", "ok": true,
	    "error": null}]' \
	    "remote: one host; local names, duplicates and skip_prod_copy skipped"
	check "remote: the remote tree equals production (modes, file mtimes)" \
	    test "$(rlisting "$R")" = "$(rlisting "$w/remote1")"
	check "remote: same bytes" diff -r "$R" "$w/remote1"
	check "remote: skip_prod_copy host got nothing" \
	    test -z "$(ls -A "$w/remote2")"
	check "remote: the sshd log shows the session" \
	    grep -q 'Accepted publickey' "$w/s1/sshd.log"

	printf 'tampered\n' >"$w/remote1/$G/web/curr/cert.pem"
	touch "$w/remote1/$G/web/curr/.remote-marker"
	check "remote: the remote tree is not the local one" \
	    absent "$R/$G/web/curr/.remote-marker"
	run sslm-prodcopy -d -c "$w/r.json"
	expect_rc 0 "remote -d"
	expect_err_match "^sslm-prodcopy: debug: run: rsync -a --delete --delay-updates --mkpath -e 'ssh -F $w/conf/ssh_config -o BatchMode=yes' $R/ smtp1.test:$R/\$" \
	    "remote -d: prints the rsync command"
	check "remote -d: nothing copied" grep -q tampered \
	    "$w/remote1/$G/web/curr/cert.pem"
	run sslm-prodcopy -c "$w/r.json"
	expect_rc 0 "remote: rerun"
	check "remote: a changed remote file is restored" \
	    cmp -s "$R/$G/web/curr/cert.pem" "$w/remote1/$G/web/curr/cert.pem"
	check "remote: an extra remote file is deleted" \
	    absent "$w/remote1/$G/web/curr/.remote-marker"

	# An unreachable host fails; the others still get their copy.
	link mail next
	mkconf "$w/r2.json" "$R" "$(jq -n '{
	    smtp: {servers: ["dead.test"]},
	    imap: {servers: ["smtp1.test"]},
	    web: {servers: ["web1.test"], skip_prod_copy: true}}')"
	run sslm-prodcopy -c "$w/r2.json"
	expect_rc 3 "remote: an unreachable host makes exit 3"
	expect_jq '.remote | length == 2 and .[0].host == "dead.test" and
	    .[0].ok == false and (.[0].error | type == "string") and
	    .[1] == {"host": "smtp1.test", "ok": true, "error": null}' \
	    "remote: the failure is in the JSON, the next host went on"
	expect_err_match '^sslm-prodcopy: dead.test: copy to .* failed: rsync exited [0-9]+$' \
	    "remote: the failed host is named"
	check "remote: smtp1.test got the change despite the failure" \
	    absent "$w/remote1/$G/mail/next"

	# SSLM_SSH overrides the ssh_config of confdir: here smtp1.test
	# reaches the second server.
	sshd_host_entry "$w/s2" smtp1.test >"$w/alt_config"
	SSLM_SSH="ssh -F $w/alt_config" run sslm-prodcopy -c "$w/r.json"
	expect_rc 0 "remote: SSLM_SSH chooses the ssh options"
	check "remote: SSLM_SSH reached the other server" \
	    test "$(rlisting "$R")" = "$(rlisting "$w/remote2")"

	jq '.globals.prod_cert_dir = "rel/prod"' "$w/r.json" >"$w/r3.json"
	mkdir -p "$w/rel"
	(cd "$w" && run sslm-prodcopy -c "$w/r3.json"
	    expect_rc 3 "remote: a relative prod_cert_dir refuses remote copies"
	    expect_err_match '^sslm-prodcopy: rel/prod: remote copy needs an absolute path$' \
		"remote: relative path named")
	sshd_stop "$w/s1"
	sshd_stop "$w/s2"
	check "sshd servers stopped" test ! -e "$w/s1/bg.pid"
fi
