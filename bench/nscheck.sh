#!/bin/sh
# make bench, DNS part: "last secondary converged -> sslm-nscheck
# returns".  An NSD primary and a Knot secondary on loopback
# (tests/env/dns.sh); each run freezes the secondary, gives the primary a
# new TXT value, starts sslm-nscheck waiting for it and, at a random
# moment 1 to 2 s later (a secondary that is late), thaws the secondary.
# bench/nscheck_lat.py asks the secondary its SOA every millisecond from
# the thaw on, and measures from the first answer with the new serial to
# the exit of sslm-nscheck, on its own clock.  Prints the median, the
# fastest and the slowest of the runs beside the issue's numbers.
# Usage: bench/nscheck.sh [runs] (default 15).  NSCHECK=path measures
# another sslm-nscheck (an older build, for a before/after).
set -eu
umask 077
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
export PATH
runs=${1:-15}
nscheck=${NSCHECK:-$top/bin/sslm-nscheck}
w=$(mktemp -d "${TMPDIR:-/tmp}/sslm-bench-dns.XXXXXX")
# shellcheck source=../tests/env/dns.sh
. "$top/tests/env/dns.sh"
trap 'dns_stop; rm -rf "$w"' EXIT

if ! dns_start "$w/dns" 2>"$w/dns.err"; then
	echo "bench: nsd and knot do not start: $(cat "$w/dns.err")" >&2
	exit 3
fi
i=0
: >"$w/lat"
while [ "$i" -lt "$runs" ]; do
	printf '_acme-challenge IN TXT "v%s"\n' "$i" >"$w/rec"
	if ! { dns_sync && dns_freeze && dns_set_records "$w/rec" &&
	    dns_reload; }; then
		echo "bench: the primary does not take run $i's value" >&2
		exit 3
	fi
	jq -n --argjson port "$DNS_PORT" --arg v "v$i" '{apex: "example.test",
	    primary: {server: "127.0.10.1", port: $port},
	    present: [{name: "_acme-challenge.example.test", type: "TXT",
	      values: [$v]}], absent: [], xtra_ns: []}' >"$w/doc.json"
	python3 "$top/bench/nscheck_lat.py" "$nscheck" "$w/doc.json" \
	    "$DNS_SECONDARY" "$DNS_PORT" "$(cat "$DNS_DIR/serial")" \
	    knotc -c "$DNS_DIR/knot/knot.conf" -b zone-thaw example.test \
	    >>"$w/lat" || {
		echo "bench: run $i of sslm-nscheck failed" >&2
		exit 3
	}
	i=$((i + 1))
done
printf '%-48s %10s %10s %10s %10s %10s\n' "dns" "median ms" "min ms" \
    "max ms" "issue ms" "goal ms"
sort -n "$w/lat" | awk -v n="$runs" '{ v[NR] = $1 } END {
	m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	printf "%-48s %10.0f %10.0f %10.0f %10s %10s\n",
	    "last secondary converged -> nscheck returns", m, v[1], v[n],
	    "356", "<= 100" }'
