#!/bin/sh
# tests/env/installed.sh sets inst_home; shellcheck cannot follow it.
# shellcheck disable=SC2154
# make install and make uninstall (issue 10), as an operator runs them:
# make install DESTDIR=... PREFIX=/usr/local puts the programs, manuals,
# examples, cron file and systemd units in place, with the paths of the
# install in the units; the installed sslm-mgr and the installed ca-self
# example then work under cron's environment (env -i PATH=/usr/bin:/bin,
# where /usr/local/bin is not in PATH).  Oracles: the source tree (what
# must be installed), cmp, openssl verify, systemd-analyze verify.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/installed.sh"

d=$SSLM_TMP/dest
pfx=/usr/local
ex=$d$pfx/share/doc/sslm/examples
minst() { run make -s -C "$SSLM_TOP" --no-print-directory "$@"; }

# ---- what lands where ------------------------------------------------------

minst install DESTDIR="$d" PREFIX="$pfx"
expect_rc 0 "make install DESTDIR PREFIX=$pfx: exit 0"

# names: the file names under a directory, one a line, sorted.
names() { (cd "$1" && find . -mindepth 1 -maxdepth 1 | sed 's|^\./||' | sort); }
want=$( { names "$SSLM_TOP/tools" | sed -n 's/^\(.*\)\.c$/sslm-\1/p'
    names "$SSLM_TOP/pipelines" | grep '^sslm-'; } | sort)
same "bindir: every program of tools/ and pipelines/" \
    "$(names "$d$pfx/bin")" "$want"
n=0
for p in $want; do [ -x "$d$pfx/bin/$p" ] || n=$((n + 1)); done
same "bindir: all executable" "$n" 0
same "libexec/sslm: every step of pipelines/steps" \
    "$(names "$d$pfx/libexec/sslm")" "$(names "$SSLM_TOP/pipelines/steps")"
n=0
for f in "$SSLM_TOP"/pipelines/steps/*.sh; do
	b=${f##*/}
	cmp -s "$f" "$d$pfx/libexec/sslm/$b" || n=$((n + 1))
	[ "$(stat -c %a "$d$pfx/libexec/sslm/$b")" = 644 ] || n=$((n + 1))
done
same "libexec/sslm: the steps as in the tree, mode 0644" "$n" 0
n=0 m=0
for f in "$SSLM_TOP"/man/*.[1-8]; do
	m=$((m + 1))
	b=${f##*/}
	cmp -s "$f" "$d$pfx/share/man/man${b##*.}/$b" || n=$((n + 1))
done
same "mandir: every manual in its section ($m)" "$n" 0
check "examples: ca-self/conf.d as in the tree" \
    diff -r "$SSLM_TOP/examples/ca-self/conf.d" "$ex/ca-self/conf.d"
check "examples: letsencrypt/conf.d as in the tree" \
    diff -r "$SSLM_TOP/examples/letsencrypt/conf.d" "$ex/letsencrypt/conf.d"
check "examples: make-ca executable" test -x "$ex/ca-self/make-ca"
same "examples: the six units" "$(names "$ex/systemd" | tr '\n' ' ')" \
    "$(names "$SSLM_TOP/examples/systemd" | tr '\n' ' ')"
check "examples: the units are those of the unit dir" \
    diff -r "$ex/systemd" "$d$pfx/lib/systemd/system"

# ---- the templates got the paths of this install ---------------------------

same "cron file: every line calls $pfx/bin, quiet" \
    "$(grep -E '^[0-9]' "$ex/crons/sslm" | awk '{ print $7, $8 }' | sort -u)" \
    "$pfx/bin/sslm-dhparm -s
$pfx/bin/sslm-mgr -q"
same "cron file: renew Tuesday 14:30, roll 17:30 and 19:30" \
    "$(grep -E '^[0-9]' "$ex/crons/sslm" | awk '{ print $1, $2, $5, $9 }')" \
    "30 2 2 /etc/ssl-mgr/prod-certs
30 14 2 -renew
30 17 2 -roll
30 19 2 -roll"
same "timers: the same times as the cron file" \
    "$(cat "$ex/systemd"/sslm-*.timer | sed -n 's/^OnCalendar=//p')" \
    "Tue 02:30
Tue 14:30
Tue 17:30
Tue 19:30"
same "units: sslm-mgr runs quiet, with the configuration of /etc/ssl-mgr" \
    "$(sed -n 's/^\(ExecStart\|Environment\)=//p' "$ex/systemd"/sslm-r*.service)" \
    "SSL_MGR_TOPDIR=/etc/ssl-mgr
$pfx/bin/sslm-mgr -q -renew
SSL_MGR_TOPDIR=/etc/ssl-mgr
$pfx/bin/sslm-mgr -q -roll --wait"
check "cron file: not put in /etc unless asked" test ! -e "$d/etc/cron.d"
same "/etc/ssl-mgr 0755, conf.d 0750, empty" \
    "$(stat -c '%a' "$d/etc/ssl-mgr" "$d/etc/ssl-mgr/conf.d" | tr '\n' ' ')$(names "$d/etc/ssl-mgr/conf.d" | wc -l)" \
    "755 750 0"

# systemd-analyze on a copy: the targets it needs stay out of the install.
rm -rf "$SSLM_TMP/vroot"
cp -a "$d" "$SSLM_TMP/vroot"
inst_units "$SSLM_TMP/vroot" "$pfx/lib/systemd/system" "$pfx/bin"

# ---- the installed programs under cron's environment -----------------------

inst_version "$d" "$pfx"
cp -a "$d$pfx/bin" "$SSLM_TMP/nobin"
rm "$SSLM_TMP/nobin/sslm-conf"
# Only the system tools it needs on PATH: an sslm installed in /usr/bin
# on this machine must not stand in for the missing one.
mkdir -p "$SSLM_TMP/sysbin"
for p in readlink sed mktemp rm cat; do
	ln -sf "$(command -v "$p")" "$SSLM_TMP/sysbin/$p"
done
run env -i PATH="$SSLM_TMP/sysbin" TMPDIR="$SSLM_TMP" /bin/sh \
    "$SSLM_TMP/nobin/sslm-mgr" -V
expect_rc 3 "sslm-mgr -V with no sslm-conf beside it: exit 3"
expect_err_match '^sslm-mgr: cannot run sslm-conf' "... and says so"
ln -s "$d$pfx/bin/sslm-mgr" "$SSLM_TMP/sslm-mgr-link"
run cron_env "$SSLM_TMP/sslm-mgr-link" -V
expect_rc 0 "a symlink to the installed sslm-mgr finds its siblings"

inst_demo "$d" "$pfx" "$SSLM_TMP/work"

run cron_env "$ex/ca-self/make-ca" -x
expect_rc 2 "make-ca with an unknown operand: exit 2"

# ---- crondir, PREFIX=/usr, an existing /etc/ssl-mgr ------------------------

d2=$SSLM_TMP/dest2
mkdir -p "$d2/etc/ssl-mgr/conf.d"
chmod 0700 "$d2/etc/ssl-mgr/conf.d"
printf '[globals]\n    logdir = "/x"\n' >"$d2/etc/ssl-mgr/conf.d/ssl-mgr.conf"
cp "$d2/etc/ssl-mgr/conf.d/ssl-mgr.conf" "$SSLM_TMP/conf.orig"
minst install DESTDIR="$d2" PREFIX=/usr crondir=/etc/cron.d
expect_rc 0 "make install PREFIX=/usr crondir=/etc/cron.d: exit 0"
check "crondir: the cron file is in /etc/cron.d" \
    grep -q "^30 14 \* \* 2	root	/usr/bin/sslm-mgr -q -renew$" \
    "$d2/etc/cron.d/sslm"
jobs=$(grep -E '^[0-9]' "$d2/etc/cron.d/sslm" | tr -s ' \t' ' ')
same "README (Everyday use): the lines of the shipped cron file" \
    "$(sed -n '/^## Everyday use/,/^## /p' "$SSLM_TOP/README.md" |
    grep -E '^    [0-9]' | tr -s ' \t' ' ' | sed 's/^ //')" "$jobs"
same "sslm-mgr(1) EXAMPLES: the sslm-mgr lines of the shipped cron file" \
    "$(sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$SSLM_TOP/man/sslm-mgr.1" |
    grep -E '^[0-9]+ [0-9]+ ' | tr -s ' \t' ' ')" \
    "$(printf '%s\n' "$jobs" | grep sslm-mgr)"
same "PREFIX=/usr: the units run /usr/bin/sslm-mgr" \
    "$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' \
    "$d2/usr/lib/systemd/system/sslm-renew.service")" /usr/bin/sslm-mgr
same "an existing conf.d keeps its mode" \
    "$(stat -c '%a' "$d2/etc/ssl-mgr/conf.d")" 700
check "... and its file" cmp "$SSLM_TMP/conf.orig" \
    "$d2/etc/ssl-mgr/conf.d/ssl-mgr.conf"
same "... and nothing is added to it" \
    "$(names "$d2/etc/ssl-mgr/conf.d")" ssl-mgr.conf
minst uninstall DESTDIR="$d2" PREFIX=/usr crondir=/etc/cron.d
expect_rc 0 "make uninstall PREFIX=/usr crondir=/etc/cron.d: exit 0"
check "uninstall: the cron file of crondir is gone" \
    test ! -e "$d2/etc/cron.d/sslm"
check "uninstall: the configuration stays" cmp "$SSLM_TMP/conf.orig" \
    "$d2/etc/ssl-mgr/conf.d/ssl-mgr.conf"

# ---- make uninstall removes the same set -----------------------------------

minst uninstall DESTDIR="$d" PREFIX="$pfx"
expect_rc 0 "make uninstall DESTDIR PREFIX=$pfx: exit 0"
same "uninstall: no file left under $pfx" \
    "$(find "$d$pfx" -type f | wc -l)" 0
check "uninstall: share/doc/sslm is gone" test ! -e "$d$pfx/share/doc/sslm"
check "uninstall: /etc/ssl-mgr stays" test -d "$d/etc/ssl-mgr/conf.d"
