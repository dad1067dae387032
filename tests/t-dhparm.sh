#!/bin/sh
# sslm-dhparm: RFC 7919 groups equal openssl's, generated groups are safe
# primes with generator 2, the dhparam.pem link, the age rule, -f, -s,
# missing directories, no temporary files left, usage errors.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
cd "$w" || exit 1

# clean DIR WHAT: DIR holds only the expected names (no temporary files).
clean() {
	_extra=
	for _f in "$1"/* "$1"/.[!.]*; do
		[ -e "$_f" ] || [ -L "$_f" ] || continue
		case ${_f##*/} in
		dh-ffdhe[0-9]*.pem | dh[0-9]*.pem | dhparam.pem) ;;
		*) _extra="$_extra ${_f##*/}" ;;
		esac
	done
	if [ -z "$_extra" ]; then
		ok "$2"
	else
		notok "$2" "left behind: $_extra"
	fi
}

mtime() {
	stat -c %Y "$1"
}

# ---- the default list: every RFC 7919 group, link to ffdhe8192 ----------
mkdir -p def
run sslm-dhparm def
expect_rc 0 "default keys: exit 0"
same "default keys: report lines, each group once" "$(cat "$T_OUT")" \
    " dhparam : def
         : def/dh
           - ffdhe8192
           - ffdhe6144
           - ffdhe4096
           - ffdhe3072
           - ffdhe2048
             default def/dh/dhparam.pem -> dh-ffdhe8192.pem"
same "default keys: dhparam.pem -> dh-ffdhe8192.pem (first -k item)" \
    "$(readlink def/dh/dhparam.pem)" dh-ffdhe8192.pem
for g in 2048 3072 4096 6144 8192; do
	openssl genpkey -genparam -algorithm DH -pkeyopt "group:ffdhe$g" \
	    -out "ref$g.pem" 2>/dev/null
	a=$(openssl pkeyparam -in "def/dh/dh-ffdhe$g.pem" -text -noout)
	b=$(openssl pkeyparam -in "ref$g.pem" -text -noout)
	if [ -n "$b" ] && [ "$a" = "$b" ] &&
	    echo "$a" | grep -q "^GROUP: ffdhe$g\$"; then
		ok "ffdhe$g: the group openssl genpkey makes"
	else
		notok "ffdhe$g: the group openssl genpkey makes" \
		    "$(echo "$a" | head -2)"
	fi
	run openssl dhparam -in "def/dh/dh-ffdhe$g.pem" -check -noout
	expect_rc 0 "ffdhe$g: openssl dhparam -check"
done
same "dh directory is 0750" "$(stat -c %a def/dh)" 750
same "parameter files are 0644" "$(stat -c %a def/dh/dh-ffdhe2048.pem)" 644
clean def/dh "default keys: no temporary files"

# ---- nothing to do: no work, link kept ------------------------------------
old=$(mtime def/dh/dh-ffdhe8192.pem)
touch -d '400 days ago' def/dh/dh-ffdhe4096.pem
run sslm-dhparm def
expect_rc 0 "second run: exit 0"
same "second run: nothing made, link right" "$(cat "$T_OUT")" " dhparam : def
         : def/dh"
same "second run: files untouched" "$(mtime def/dh/dh-ffdhe8192.pem)" "$old"
if [ "$(mtime def/dh/dh-ffdhe4096.pem)" -lt "$(($(date +%s) - 300 * 86400))" ]
then
	ok "named groups are never remade for age"
else
	notok "named groups are never remade for age"
fi

# ---- the link is created or corrected even when nothing is made ----------
ln -sf dh-ffdhe2048.pem def/dh/dhparam.pem
run sslm-dhparm def
expect_rc 0 "wrong link: exit 0"
same "wrong link: corrected and reported" "$(tail -1 "$T_OUT")" \
    "             default def/dh/dhparam.pem -> dh-ffdhe8192.pem"
same "wrong link: corrected" "$(readlink def/dh/dhparam.pem)" dh-ffdhe8192.pem
rm def/dh/dhparam.pem
echo stale >def/dh/dhparam.pem
run sslm-dhparm -k ffdhe3072,ffdhe2048 def
expect_rc 0 "a plain file for the link: exit 0"
same "a plain file is replaced by the link to the first -k item" \
    "$(readlink def/dh/dhparam.pem)" dh-ffdhe3072.pem
clean def/dh "link changes: no temporary files"

# ---- generated groups ------------------------------------------------------
mkdir -p gen
run sslm-dhparm -b 512 -k 512,ffdhe2048,512,FFDHE2048 gen
expect_rc 0 "512 bits with -b 512: exit 0"
same "duplicate -k items: made once" "$(grep -c '^           - ' "$T_OUT")" 2
same "link to a generated group" "$(readlink gen/dh/dhparam.pem)" dh512.pem
run openssl dhparam -in gen/dh/dh512.pem -check -noout
expect_rc 0 "dh512.pem: openssl dhparam -check (safe prime)"
run openssl pkeyparam -in gen/dh/dh512.pem -text -noout
if grep -q '^DH Parameters: (512 bit)' "$T_OUT" &&
    grep -Eq '^G: +2 \(0x2\)' "$T_OUT"; then
	ok "dh512.pem: 512 bits, generator 2"
else
	notok "dh512.pem: 512 bits, generator 2" "$(head -3 "$T_OUT")"
fi
same "dh512.pem: PKCS#3 PEM" "$(head -1 gen/dh/dh512.pem)" \
    "-----BEGIN DH PARAMETERS-----"

# ---- the age rule ---------------------------------------------------------
cp gen/dh/dh512.pem old512.pem
touch -d '200 days ago' gen/dh/dh512.pem gen/dh/dh-ffdhe2048.pem
named=$(mtime gen/dh/dh-ffdhe2048.pem)
run sslm-dhparm -b 512 -a 300 -k 512,ffdhe2048 gen
expect_rc 0 "200 days old, -a 300: exit 0"
same "200 days old, -a 300: kept" "$(cat "$T_OUT")" " dhparam : gen
         : gen/dh"
run sslm-dhparm -b 512 -k 512,ffdhe2048 gen
expect_rc 0 "200 days old, default age 120: exit 0"
same "200 days old, default age 120: only the generated group is remade" \
    "$(grep '^           - ' "$T_OUT")" "           - 512"
if ! cmp -s old512.pem gen/dh/dh512.pem &&
    [ "$(mtime gen/dh/dh512.pem)" -gt "$named" ]; then
	ok "dh512.pem: new parameters"
else
	notok "dh512.pem: new parameters"
fi
same "named group: not remade" "$(mtime gen/dh/dh-ffdhe2048.pem)" "$named"
run sslm-dhparm -f -b 512 -k 512,ffdhe2048 gen
expect_rc 0 "-f: exit 0"
same "-f: everything remade" "$(grep -c '^           - ' "$T_OUT")" 2
if [ "$(mtime gen/dh/dh-ffdhe2048.pem)" -gt "$named" ]; then
	ok "-f: the named group file is rewritten"
else
	notok "-f: the named group file is rewritten"
fi
clean gen/dh "generated groups: no temporary files"

# ---- -s: sub-directories except ca, missing directories ------------------
mkdir -p top/example.com top/other.org top/CA top/.hidden
: >top/afile
run sslm-dhparm -s -k ffdhe2048 top/ nosuchdir
expect_rc 0 "-s with one missing dir: exit 0"
expect_err_match '^sslm-dhparm: nosuchdir: no such directory, ignored$' \
    "missing dir: warning"
same "-s: every sub-directory in order" "$(cat "$T_OUT")" " dhparam : top
         : top/example.com/dh
           - ffdhe2048
             default top/example.com/dh/dhparam.pem -> dh-ffdhe2048.pem
         : top/other.org/dh
           - ffdhe2048
             default top/other.org/dh/dhparam.pem -> dh-ffdhe2048.pem"
if [ ! -e top/CA/dh ] && [ ! -e top/.hidden/dh ] && [ ! -e top/dh ]; then
	ok "-s: ca (any case), dot directories and the top left alone"
else
	notok "-s: ca (any case), dot directories and the top left alone"
fi
mkdir -p empty/ca
run sslm-dhparm -s empty
expect_rc 0 "-s without sub-directories: exit 0"
expect_err_match 'empty: no sub-directories \(other than ca\)' \
    "-s without sub-directories: warning"
run sslm-dhparm nosuch1 top/afile
expect_rc 3 "no usable directory: exit 3"
expect_err_match '^sslm-dhparm: no usable directories$' \
    "no usable directory: message"

# ---- JSON ----------------------------------------------------------------
mkdir -p js
run sslm-dhparm -j -k ffdhe2048,ffdhe3072 js
expect_jq '. == [{"dir": "js/dh", "made": ["dh-ffdhe2048.pem",
    "dh-ffdhe3072.pem"], "kept": [], "link": "dh-ffdhe2048.pem",
    "link_changed": true}]' "json: what was made"
run sslm-dhparm -j -k ffdhe2048,ffdhe3072 js
expect_jq '.[0].made == [] and .[0].kept == ["dh-ffdhe2048.pem",
    "dh-ffdhe3072.pem"] and .[0].link_changed == false' "json: what was kept"

# ---- failures ------------------------------------------------------------
mkdir -p blocked
: >blocked/dh
run sslm-dhparm -k ffdhe2048 blocked
expect_rc 3 "dh is a file: exit 3"
expect_err_match '^sslm-dhparm: blocked/dh: not a directory$' \
    "dh is a file: message"
for bad in "-k 1024" "-k ffdhe1024" "-k ffdhe2048,,512" "-k x" "-k 99999" \
    "-a -1" "-a 1d" "-b 256" "-b 4096" "-k 512"; do
	# shellcheck disable=SC2086 # the option and its value
	run sslm-dhparm $bad gen
	expect_rc 2 "bad option $bad: exit 2"
	expect_err_match '^sslm-dhparm: -[kab] ' "bad option $bad: message"
done
run sslm-dhparm
expect_rc 2 "no directory: exit 2"
expect_err_match '^usage: sslm-dhparm' "no directory: usage"
run sslm-dhparm -h
expect_rc 0 "-h: exit 0"
if grep -q '^usage: sslm-dhparm' "$T_OUT"; then
	ok "-h: usage on stdout"
else
	notok "-h: usage on stdout"
fi
run sslm-dhparm -V
expect_rc 0 "-V: exit 0"
same "-V: version" "$(cat "$T_OUT")" "sslm-dhparm 0.1.0"

# ---- progress: at a terminal only -----------------------------------------
# Generating says on a terminal which file and size it works on, rewriting
# its line each second, and ends the line with the time it took; a named
# group (instant) and any run whose standard error is not a terminal
# (cron, a pipe) print nothing there.
mkdir -p tty
run python3 "$SSLM_TOP/tests/ptyrun.py" "$T_OUT" "$w/tty.err" \
    sslm-dhparm -b 512 -k 512,ffdhe2048 tty
cp "$w/tty.err" "$T_ERR"
expect_rc 0 "at a terminal: exit 0"
tr '\r' '\n' <"$T_ERR" | sed '/^$/d' >"$w/tty.lines"
if grep -Eq '^sslm-dhparm: tty/dh/dh512\.pem: generating 512-bit parameters, [0-9]+ s$' \
    "$w/tty.lines"; then
	ok "at a terminal: says which file and size it is generating"
else
	notok "at a terminal: says which file and size it is generating" \
	    "$(cat "$w/tty.lines")"
fi
if tail -1 "$w/tty.lines" | grep -Eq '^sslm-dhparm: tty/dh/dh512\.pem: generated 512-bit parameters in [0-9]+ s$' &&
    [ "$(grep -c '' "$T_ERR")" -eq 1 ]; then
	ok "at a terminal: one line, rewritten, ending with the time taken"
else
	notok "at a terminal: one line, rewritten, ending with the time taken" \
	    "$(cat -A "$T_ERR" | head -c 400)"
fi
if grep -q 'ffdhe' "$T_ERR"; then
	notok "at a terminal: nothing for a named group" "$(cat "$T_ERR")"
else
	ok "at a terminal: nothing for a named group"
fi
same "at a terminal: stdout as before" "$(grep -c '^           - ' "$T_OUT")" 2
check "at a terminal: the file is made" test -s tty/dh/dh512.pem
run sslm-dhparm -f -b 512 -k 512 tty
expect_rc 0 "not a terminal: exit 0"
expect_err_lines 0 "not a terminal: nothing on stderr while generating"
