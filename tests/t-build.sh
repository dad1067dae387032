#!/bin/sh
# The build system: install layout, the missing-dependency message, lint.
. "$SSLM_TOP/tests/lib.sh"

dest=$SSLM_TMP/dest
run make -s -C "$SSLM_TOP" install DESTDIR="$dest" PREFIX=/usr
expect_rc 0 "make install: exit 0"
for t in "$SSLM_TOP"/tools/*.c "$SSLM_TOP"/pipelines/sslm-*; do
	[ -e "$t" ] || continue
	n=$(basename "$t" .c)
	case "$n" in
	sslm-*) ;;
	*) n=sslm-$n ;;
	esac
	if [ -x "$dest/usr/bin/$n" ]; then
		ok "make install: /usr/bin/$n"
	else
		notok "make install: /usr/bin/$n" "$(ls "$dest/usr/bin" 2>&1)"
	fi
done
for m in "$SSLM_TOP"/man/*.[1-8]; do
	s=${m##*.}
	if [ -f "$dest/usr/share/man/man$s/$(basename "$m")" ]; then
		ok "make install: man$s/$(basename "$m")"
	else
		notok "make install: man$s/$(basename "$m")"
	fi
done
run make -s -C "$SSLM_TOP" uninstall DESTDIR="$dest" PREFIX=/usr
left=$(find "$dest" -type f | wc -l)
if [ "$T_RC" -eq 0 ] && [ "$left" -eq 0 ]; then
	ok "make uninstall removes every file"
else
	notok "make uninstall removes every file" "$(find "$dest" -type f)"
fi

# A missing library stops the build with a message that says what to do.
run make -s -C "$SSLM_TOP" pkgcheck PKGS="openssl sslm-no-such-lib"
if [ "$T_RC" -ne 0 ] && grep -q 'sslm-no-such-lib.*scripts/deps' "$T_ERR"; then
	ok "pkgcheck: a missing library is named"
else
	notok "pkgcheck: a missing library is named" "rc $T_RC" "$(cat "$T_ERR")"
fi

# The version every program prints is the one in lib/sslm.h.
v=$(sed -n 's/^#define SSLM_VERSION[^"]*"\(.*\)"/\1/p' "$SSLM_TOP/lib/sslm.h")
for t in "$SSLM_BIN"/sslm-*; do
	n=$(basename "$t")
	case "$n" in sslm-mgr) continue ;; esac
	run "$t" -V
	if [ "$T_RC" -eq 0 ] && [ "$(cat "$T_OUT")" = "$n $v" ]; then
		ok "$n -V"
	else
		notok "$n -V" "rc $T_RC: $(cat "$T_OUT") $(cat "$T_ERR")"
	fi
done

# -h and --help: usage on stdout, exit 0, the same in every program.
for t in "$SSLM_BIN"/sslm-*; do
	n=$(basename "$t")
	for h in -h --help; do
		run "$t" "$h"
		if [ "$T_RC" -eq 0 ] && grep -q "^usage: $n" "$T_OUT" &&
		    [ ! -s "$T_ERR" ]; then
			ok "$n $h: usage on stdout, exit 0"
		else
			notok "$n $h: usage on stdout, exit 0" "rc $T_RC" \
			    "$(head -2 "$T_OUT") $(head -2 "$T_ERR")"
		fi
	done
done

run make -s -C "$SSLM_TOP" lint
expect_rc 0 "make lint is clean"
