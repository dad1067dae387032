#!/bin/sh
# TOML 1.0 parser (lib/toml.c) through `sslm-conf -T`: the toml-test
# conformance suite (tests/toml_test.py) and our own edge cases.
set -eu
umask 077
# shellcheck source=tests/lib.sh disable=SC1091
. "$SSLM_TOP/tests/lib.sh"

d=$SSLM_TMP

if command -v python3 >/dev/null 2>&1; then
	checks_from "toml-test conformance: the runner finished" \
	    python3 "$SSLM_TOP/tests/toml_test.py"
else
	skip "toml-test conformance: python3 not found"
fi

# An invalid UTF-8 byte on line 3 is reported on line 3, in one line.
printf 'a = 1\n# fine\nb = "x\377y"\nc = 2\n' >"$d/utf8.toml"
run sslm-conf -T "$d/utf8.toml" || :
expect_rc 3 "toml: invalid utf-8 exits 3"
expect_err_match "^sslm-conf: $d/utf8\\.toml:3: invalid utf-8\$" \
    "toml: invalid utf-8 names line 3"
expect_err_lines 1 "toml: invalid utf-8 is one line"

# An overlong encoding and an encoded surrogate are not UTF-8 either.
printf 'a = "\300\257"\n' >"$d/overlong.toml"
run sslm-conf -T "$d/overlong.toml" || :
expect_rc 3 "toml: overlong utf-8 exits 3"
expect_err_match ":1: invalid utf-8\$" "toml: overlong utf-8 rejected"
printf '\n\nk = "\355\240\200"\n' >"$d/surrogate.toml"
run sslm-conf -T "$d/surrogate.toml" || :
expect_rc 3 "toml: utf-8 surrogate exits 3"
expect_err_match ":3: invalid utf-8\$" "toml: utf-8 surrogate rejected"

# A missing file: exit 3, one line naming the path.
run sslm-conf -T "$d/no-such.toml" || :
expect_rc 3 "toml: missing file exits 3"
expect_err_match "^sslm-conf: $d/no-such\\.toml: " \
    "toml: missing file message names the path"
expect_err_lines 1 "toml: missing file message is one line"

# The 64-bit integer limits come out exactly.
printf 'max = 9223372036854775807\nmin = -9223372036854775808\n' \
    >"$d/int64.toml"
run sslm-conf -T "$d/int64.toml" || :
expect_rc 0 "toml: 64-bit integer limits accepted"
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d == {"max": 9223372036854775807,
                    "min": -9223372036854775808} else 1)' "$T_OUT"; then
	ok "toml: 64-bit integer limits printed exactly"
else
	notok "toml: 64-bit integer limits printed exactly" \
	    "stdout: $(head -c 400 "$T_OUT")"
fi

# One past either limit is an error, not a wrapped value.
printf 'a = 1\nbig = 9223372036854775808\n' >"$d/big.toml"
run sslm-conf -T "$d/big.toml" || :
expect_rc 3 "toml: 9223372036854775808 rejected"
expect_err_match ":2: integer 9223372036854775808 out of range\$" \
    "toml: integer overflow message names line 2"
printf 'small = -9223372036854775809\n' >"$d/small.toml"
run sslm-conf -T "$d/small.toml" || :
expect_rc 3 "toml: -9223372036854775809 rejected"
printf 'hex = 0x8000000000000000\n' >"$d/hex.toml"
run sslm-conf -T "$d/hex.toml" || :
expect_rc 3 "toml: 0x8000000000000000 rejected"

# Deep nesting is a clean error, not a stack overflow.
awk 'BEGIN { printf "a = "; for (i = 0; i < 10000; i++) printf "[";
    print "" }' >"$d/deep.toml"
run sslm-conf -T "$d/deep.toml" || :
expect_rc 3 "toml: 10000 nested arrays rejected"
expect_err_match ":1: nested deeper than [0-9]+ levels\$" \
    "toml: deep nesting message"
expect_err_lines 1 "toml: deep nesting message is one line"
awk 'BEGIN { printf "a = "; for (i = 0; i < 10000; i++) printf "{b = ";
    print "" }' >"$d/deepinl.toml"
run sslm-conf -T "$d/deepinl.toml" || :
expect_rc 3 "toml: 10000 nested inline tables rejected"
awk 'BEGIN { printf "["; for (i = 0; i < 10000; i++) printf "a.";
    print "b]" }' >"$d/deephdr.toml"
run sslm-conf -T "$d/deephdr.toml" || :
expect_rc 3 "toml: a 10000-level table header rejected"

# 100 levels are fine.
awk 'BEGIN { printf "a = "; for (i = 0; i < 100; i++) printf "[";
    for (i = 0; i < 100; i++) printf "]"; print "" }' >"$d/ok100.toml"
run sslm-conf -T "$d/ok100.toml" || :
expect_rc 0 "toml: 100 nested arrays accepted"

# Redefinitions name the offending line.
printf '[a]\nx = 1\n\n[a]\n' >"$d/twice.toml"
run sslm-conf -T "$d/twice.toml" || :
expect_rc 3 "toml: table defined twice exits 3"
expect_err_match ":4: table \"a\" already defined\$" \
    "toml: table defined twice names line 4"
printf 'a = 1\nb = 2\na = 3\n' >"$d/dup.toml"
run sslm-conf -T "$d/dup.toml" || :
expect_rc 3 "toml: duplicate key exits 3"
expect_err_match ":3: duplicate key \"a\"\$" "toml: duplicate key, line 3"

# A file over the 1 MiB limit is refused before parsing.
awk 'BEGIN { for (i = 0; i < 40000; i++)
    printf "k%d = \"%s\"\n", i, "xxxxxxxxxxxxxxxxxxxx" }' >"$d/huge.toml"
run sslm-conf -T "$d/huge.toml" || :
expect_rc 3 "toml: file over 1 MiB rejected"
expect_err_match "huge\\.toml: larger than 1048576 bytes\$" \
    "toml: size limit message"

# Many keys in one table parse in reasonable time (hash index).
awk 'BEGIN { for (i = 0; i < 60000; i++) printf "k%d = %d\n", i, i }' \
    >"$d/many.toml"
run sslm-conf -T "$d/many.toml" || :
expect_rc 0 "toml: 60000 keys in one table"
expect_jq '.k59999 == 59999 and (keys | length) == 60000' \
    "toml: 60000 keys all present"

# Date-times are normalised to 'T' and 'Z'; the fraction stays.
printf 'a = 1979-05-27 07:32:00.5z\nb = 1979-05-27t07:32:00\n' >"$d/dt.toml"
run sslm-conf -T "$d/dt.toml" || :
expect_rc 0 "toml: date-times exits 0"
expect_jq '.a == "1979-05-27T07:32:00.5Z" and .b == "1979-05-27T07:32:00"' \
    "toml: date-time normalised"

# Dotted keys may define a table a header only implied; after that no
# header may define it.
printf '[a.b.c]\nx = 1\n[a]\nb.d = 2\n' >"$d/implied.toml"
run sslm-conf -T "$d/implied.toml" || :
expect_rc 0 "toml: dotted keys in an implied table exits 0"
expect_jq '.a.b.c.x == 1 and .a.b.d == 2' \
    "toml: dotted keys define an implied table"
printf '[a.b.c]\n[a]\nb.d = 2\n[a.b]\n' >"$d/implied2.toml"
run sslm-conf -T "$d/implied2.toml" || :
expect_rc 3 "toml: header after dotted keys exits 3"
expect_err_match ":4: table \"b\" already defined\$" \
    "toml: header after dotted keys defined the table"
printf '[a.b]\n[a]\nb.d = 2\n' >"$d/defined.toml"
run sslm-conf -T "$d/defined.toml" || :
expect_rc 3 "toml: dotted keys into a defined table exits 3"
expect_err_match ":3: cannot extend table \"b\" with dotted keys\$" \
    "toml: dotted keys cannot extend a table defined by a header"
