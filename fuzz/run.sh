#!/bin/sh
# SPDX-License-Identifier: MIT
# Run fuzz harnesses (built by make fuzz-build into build/fuzz) for SECS
# seconds each, one after the other, from the seeds of fuzz/seeds.sh.
# Prints one line a harness: "NAME: N runs in S s, no crash" or
# "NAME: crash after N runs: ARTIFACT" (libFuzzer stops at the first
# crash, so a harness has 0 or 1), its log in WORK/NAME.log; exits 1
# when a harness crashed or did not run.
# The corpus found so far is kept in WORK/corpus/NAME (the seeds are
# only read); WORK defaults to build/fuzz/work.  -b DIR: the harnesses
# are DIR/fuzz_NAME and the seeds DIR/seeds/NAME (made there when DIR/seeds
# is missing); default build/fuzz.
# Usage: fuzz/run.sh [-t SECS] [-w WORK] [-b DIR] NAME...
set -eu
umask 077
top=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: fuzz/run.sh [-t SECS] [-w WORK] [-b DIR] NAME..."
secs=60
bdir=$top/build/fuzz
work=
while getopts t:w:b: c; do
	case $c in
	t) secs=$OPTARG ;;
	w) work=$OPTARG ;;
	b) bdir=$OPTARG ;;
	*) echo "$usage" >&2; exit 2 ;;
	esac
done
work=${work:-$bdir/work}
shift $((OPTIND - 1))
case $secs in
'' | *[!0-9]* | 0) echo "fuzz: -t $secs: not a number of seconds" >&2; exit 2 ;;
esac
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }
seeds=$bdir/seeds
if [ ! -d "$seeds" ]; then
	rm -rf "$seeds.tmp"
	sh "$top/fuzz/seeds.sh" "$seeds.tmp"
	mv "$seeds.tmp" "$seeds"
fi
mkdir -p "$work"
rc=0
for n; do
	f=$bdir/fuzz_$n
	log=$work/$n.log
	if [ ! -x "$f" ]; then
		echo "$n: $f: not built (make fuzz-build)"
		rc=1
		continue
	fi
	mkdir -p "$work/corpus/$n" "$seeds/$n"
	frc=0
	"$f" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$work/$n-" \
	    "$work/corpus/$n" "$seeds/$n" >"$log" 2>&1 || frc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
	art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	if [ "$frc" -eq 0 ] && [ -n "$runs" ] && [ -n "$took" ]; then
		echo "$n: $runs runs in $took s, no crash"
	elif [ -n "$art" ]; then
		echo "$n: crash after ${runs:-?} runs: $art (log $log)"
		rc=1
	else
		echo "$n: exit $frc without a result (log $log)"
		rc=1
	fi
done
exit $rc
