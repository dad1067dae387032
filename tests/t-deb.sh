#!/bin/sh
# The Debian package (issue 10): make deb builds sslm_<version>_<arch>.deb
# under build/deb, lintian finds no error or warning, the package holds
# the programs, manuals, examples and units (none enabled, nothing under
# /etc), its postinst makes only the missing parts of /etc/ssl-mgr, and
# the tree unpacked with dpkg -x runs the ca-self demo under cron's
# environment.  Nothing is installed on this machine (no dpkg -i).
# Oracles: dpkg-deb, lintian, lib/sslm.h, systemd-analyze, openssl.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/installed.sh"

ver=$(sslm_version)
arch=$(dpkg --print-architecture)
deb=$SSLM_TOP/build/deb/sslm_${ver}_$arch.deb
names() { (cd "$1" && find . -mindepth 1 -maxdepth 1 | sed 's|^\./||' | sort); }
parent_debs() { find "$SSLM_TOP/.." -maxdepth 1 -name 'sslm*_*' | wc -l; }

# ---- the build ---------------------------------------------------------------

before=$(parent_debs)
run make -s -C "$SSLM_TOP" --no-print-directory deb
expect_rc 0 "make deb: exit 0"
same "make deb: says where the package is" "$(tail -1 "$T_OUT")" "deb: $deb"
check "make deb: the package is there" test -s "$deb"
same "make deb: nothing new in the parent of the checkout" \
    "$(parent_debs)" "$before"
same "the package's version is the one of lib/sslm.h" \
    "$(dpkg-deb -f "$deb" Package Version Architecture)" \
    "Package: sslm
Version: $ver
Architecture: $arch"
# The twin: a changelog that lags the version stops make deb at once.
cp=$SSLM_TMP/tree
mkdir -p "$cp"
(cd "$SSLM_TOP" && tar -cf - Makefile lib/sslm.h debian) | tar -xf - -C "$cp"
sed -i "1s/($ver)/(0.0.9)/" "$cp/debian/changelog"
run make -s -C "$cp" --no-print-directory deb
check "make deb with debian/changelog at 0.0.9 fails" test "$T_RC" -ne 0
expect_err_match "^sslm: debian/changelog says 0.0.9, lib/sslm.h $ver$" \
    "... naming both versions"
check "... before building anything" test ! -e "$cp/build"

run lintian --fail-on error,warning "$deb"
expect_rc 0 "lintian --fail-on error,warning: exit 0"
same "lintian: no error or warning line" \
    "$(grep -c '^[EW]: ' "$T_OUT")" 0
same "Depends: jq and the libraries; Recommends: rsync, ssh, drill" \
    "$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | grep -c '^ *\(jq\|libssl3\|libldns3\|libcurl4\|libjansson4\)')+$(dpkg-deb -f "$deb" Recommends)" \
    "5+rsync, openssh-client, ldnsutils"

# ---- what is in it ------------------------------------------------------------

dpkg -c "$deb" | awk '{ print substr($1, 1, 1), $6 }' | sed 's| \./| /|' \
    >"$SSLM_TMP/contents"
n=0
for p in $( { names "$SSLM_TOP/tools" | sed -n 's/^\(.*\)\.c$/sslm-\1/p'
    names "$SSLM_TOP/pipelines" | grep '^sslm-'; }); do
	grep -qx -e "- /usr/bin/$p" "$SSLM_TMP/contents" || n=$((n + 1))
done
same "every program in /usr/bin" "$n" 0
n=0
for p in $(names "$SSLM_TOP/pipelines/steps"); do
	grep -qx -e "- /usr/libexec/sslm/$p" "$SSLM_TMP/contents" ||
	    n=$((n + 1))
done
same "every step of sslm-mgr in /usr/libexec/sslm" "$n" 0
n=0
for f in "$SSLM_TOP"/man/*.[1-8]; do
	b=${f##*/}
	grep -qx -e "- /usr/share/man/man${b##*.}/$b.gz" "$SSLM_TMP/contents" ||
	    n=$((n + 1))
done
same "every manual in /usr/share/man" "$n" 0
e=/usr/share/doc/sslm/examples
same "examples: both conf.d trees, make-ca, the cron file, the units" \
    "$(grep -c "^- $e/\(ca-self/conf.d/\|letsencrypt/conf.d/\|ca-self/make-ca$\|crons/sslm$\|systemd/sslm-\)" "$SSLM_TMP/contents")" \
    "$(( $(find "$SSLM_TOP/examples/ca-self" "$SSLM_TOP/examples/letsencrypt" \
    -type f | wc -l) + 1 + 6))"
same "the six units in /lib/systemd/system" \
    "$(grep -c '^- /lib/systemd/system/sslm-[a-z]*\.\(service\|timer\)$' "$SSLM_TMP/contents")" 6
same "no symlink (no enabled unit), nothing under /etc" \
    "$(grep -c '^l \|/etc/' "$SSLM_TMP/contents")" 0

ctl=$SSLM_TMP/control
dpkg-deb -e "$deb" "$ctl"
check "no conffiles" test ! -e "$ctl/conffiles"
same "postinst starts no unit and enables only what was enabled" \
    "$(grep -c 'deb-systemd-invoke\|systemctl.*start' "$ctl/postinst")+$(grep -c 'deb-systemd-helper enable' "$ctl/postinst")" \
    "0+$(grep -c 'deb-systemd-helper --quiet was-enabled' "$ctl/postinst")"
# The literal line of the script, $r included.
# shellcheck disable=SC2016
check "postinst: the layout code of debian/sslm.postinst" \
    grep -qF 'install -d -m 0750 "$r/etc/ssl-mgr/conf.d"' "$ctl/postinst"
same "postrm removes nothing of /etc/ssl-mgr" \
    "$(grep -v '^[[:space:]]*#' "$ctl/postrm" | grep -c 'ssl-mgr\|rm ')" 0

# ---- postinst against a scratch root (DPKG_ROOT) -------------------------------

r1=$SSLM_TMP/root-new
mkdir -p "$r1"
run env DPKG_ROOT="$r1" sh "$SSLM_TOP/debian/sslm.postinst" configure
expect_rc 0 "postinst configure on an empty root: exit 0"
same "... makes /etc/ssl-mgr 0755 and conf.d 0750, empty" \
    "$(stat -c '%a' "$r1/etc/ssl-mgr" "$r1/etc/ssl-mgr/conf.d" 2>&1 | tr '\n' ' ')$(names "$r1/etc/ssl-mgr/conf.d" | wc -l)" \
    "755 750 0"
r2=$SSLM_TMP/root-old
mkdir -p "$r2/etc/ssl-mgr/conf.d/example.com"
cp "$SSLM_TOP/examples/ca-self/conf.d/ssl-mgr.conf" "$r2/etc/ssl-mgr/conf.d/"
chmod 0700 "$r2/etc/ssl-mgr" "$r2/etc/ssl-mgr/conf.d"
(cd "$r2" && find . -exec stat -c '%a %n' {} + | sort) >"$SSLM_TMP/old.before"
run env DPKG_ROOT="$r2" sh "$SSLM_TOP/debian/sslm.postinst" configure
expect_rc 0 "postinst configure over an ssl-mgr configuration: exit 0"
check "... leaves every file and mode of it as it was" cmp \
    "$SSLM_TMP/old.before" "$(cd "$r2" && find . -exec stat -c '%a %n' {} + |
    sort >"$SSLM_TMP/old.after"; echo "$SSLM_TMP/old.after")"
check "... and the configuration's content" cmp \
    "$SSLM_TOP/examples/ca-self/conf.d/ssl-mgr.conf" \
    "$r2/etc/ssl-mgr/conf.d/ssl-mgr.conf"
run env DPKG_ROOT="$r2" sh "$SSLM_TOP/debian/sslm.postinst" bogus
expect_rc 1 "postinst with an unknown argument: exit 1"

# ---- the unpacked package under cron's environment -----------------------------

root=$SSLM_TMP/root
run dpkg -x "$deb" "$root"
expect_rc 0 "dpkg -x into a scratch root"
inst_version "$root" /usr
inst_demo "$root" /usr "$SSLM_TMP/work"
inst_units "$root" /lib/systemd/system /usr/bin
