#!/bin/sh
# The fuzz harnesses (fuzz/, make fuzz): each builds and runs ~3 s from
# its seeds without a crash, replays the inputs of fuzz/regress/<name>
# (what the fuzzers found, fixed since); fuzz/run.sh reports a real
# libFuzzer crash as one; and what they found, through the programs.
. "$SSLM_TOP/tests/lib.sh"

if ! command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1; then
	skip "fuzz: no clang (scripts/deps installs it)"
	exit 0
fi
run nice make -s -C "$SSLM_TOP" fuzz-build
expect_rc 0 "make fuzz-build: the harnesses build"
[ "$T_RC" -eq 0 ] || exit 0

secs=${FUZZ_SECONDS:-3}
for c in "$SSLM_TOP"/fuzz/fuzz_*.c; do
	n=$(basename "$c" .c)
	n=${n#fuzz_}
	run nice sh "$SSLM_TOP/fuzz/run.sh" -t "$secs" -w "$SSLM_TMP/work" "$n"
	if [ "$T_RC" -eq 0 ] && grep -q "^$n: [0-9][0-9]* runs in .*, no crash" \
	    "$T_OUT"; then
		ok "fuzz $(cat "$T_OUT")"
	else
		notok "fuzz $n: ${secs} s without a crash" "exit $T_RC" \
		    "$(cat "$T_OUT")" \
		    "$(grep -E -A3 'ERROR|fuzz_assert|last message' \
		    "$SSLM_TMP/work/$n.log" | head -20)"
	fi
	[ -d "$SSLM_TOP/fuzz/regress/$n" ] || continue
	for f in "$SSLM_TOP/fuzz/regress/$n"/*; do
		run "$SSLM_TOP/build/fuzz/fuzz_$n" "$f"
		if [ "$T_RC" -eq 0 ] && grep -q '^Executed ' "$T_ERR"; then
			ok "fuzz $n: regress/$(basename "$f") replays cleanly"
		else
			notok "fuzz $n: regress/$(basename "$f") replays cleanly" \
			    "exit $T_RC" "$(grep -E -A2 'ERROR|fuzz_assert|last message' \
			    "$T_ERR" | head -12)"
		fi
	done
done

# The twin: a harness that does crash is reported as a crash, with the
# input kept, and run.sh fails.
b=$SSLM_TMP/boom
mkdir -p "$b/seeds"
cat >"$b/boom.c" <<'C'
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n >= 1 && d[0] == 'b')
		abort();
	return 0;
}
C
printf 'b' >"$b/crashes"
mkdir -p "$b/seeds/boom"
cp "$b/crashes" "$b/seeds/boom/"
run "${FUZZ_CC:-clang}" -fsanitize=fuzzer -o "$b/fuzz_boom" "$b/boom.c"
expect_rc 0 "fuzz: a crashing harness builds"
run sh "$SSLM_TOP/fuzz/run.sh" -t 3 -b "$b" boom
if [ "$T_RC" -eq 1 ] && grep -q '^boom: crash after .*: ' "$T_OUT"; then
	a=$(sed -n 's/^boom: crash after [^:]*: \([^ ]*\) .*/\1/p' "$T_OUT")
	check "fuzz: run.sh keeps the crashing input" cmp "$b/crashes" "$a"
	ok "fuzz: run.sh reports a crash and fails"
else
	notok "fuzz: run.sh reports a crash and fails" "exit $T_RC" \
	    "$(cat "$T_OUT")"
fi

# What the fuzzers found, through the programs: a PEM label with a
# control character is no armour line (RFC 7468), and the message that
# says so is printable.
printf -- '-----BEGIN PRIVATE KEY-----\nMC4=\n-----END PRIVATE\005-----\n' \
    >"$SSLM_TMP/ctrl.pem"
run sslm-info "$SSLM_TMP/ctrl.pem"
expect_rc 3 "sslm-info: a PEM END label with a control character: exit 3"
expect_err_match "ctrl.pem:1: PRIVATE KEY block has no END line" \
    "sslm-info: the block without a valid END line is named"
n=$(tr -d '\n\t -~' <"$T_ERR" | wc -c)
same "sslm-info: the message is printable" "$n" 0
printf -- '-----BEGIN PRIVATE KEY-----\nMC4=\n-----END PRIVATE KEY-----\n' \
    >"$SSLM_TMP/ok.pem"
run sslm-info "$SSLM_TMP/ok.pem"
if ! grep -q 'no END line' "$T_ERR"; then
	ok "sslm-info: the same block with a printable END label is read"
else
	notok "sslm-info: the same block with a printable END label is read" \
	    "$(head -c 400 "$T_ERR")"
fi
