#!/bin/sh
# sslm-nscheck against a hostile authoritative server (tests/hostile_dns.py
# on loopback): malformed messages, wrong IDs and questions, compression
# loops, overlong lengths, truncation games over TCP, silence, huge and
# offsite NS sets.  Each case must end in a clean failure (exit 1 or 3),
# lines on stderr that name the server, within its deadline, in bounded
# memory; "good" is the twin that converges.  Then one case through
# sslm-mgr: a DANE roll whose primary sends a compression loop is refused
# and the store stays as it was.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
t=""	# set by ca_self_tree
TMPDIR=$w
export TMPDIR
srv_pid=""
trap 'srv_stop' EXIT

srv_stop() {
	[ -z "$srv_pid" ] || kill "$srv_pid" 2>/dev/null
	[ -z "$srv_pid" ] || wait "$srv_pid" 2>/dev/null
	srv_pid=""
}
# srv_start MODE: the hostile server in MODE; sets port.
srv_start() {
	srv_stop
	rm -f "$w/port"
	python3 "$SSLM_TOP/tests/hostile_dns.py" "$1" "$w/port" "$w/queries" \
	    2>"$w/srv.err" &
	srv_pid=$!
	# bounded: the server writes the port once it listens
	timeout 10 sh -c "while [ ! -s '$w/port' ]; do sleep 0.02; done" ||
	    return 1
	port=$(cat "$w/port")
}

# measure CMD...: run CMD; "rc milliseconds max-rss-KiB" on stdout, its
# stdout and stderr in $w/out and $w/err.
measure() {
	python3 - "$@" <<'PYEOF'
import os, resource, subprocess, sys, time
w = os.environ["W"]
t0 = time.monotonic()
with open(w + "/out", "w") as o, open(w + "/err", "w") as e:
    p = subprocess.run(sys.argv[1:], stdout=o, stderr=e)
ms = int((time.monotonic() - t0) * 1000)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(p.returncode, ms, rss)
PYEOF
}
W=$w
export W

input() {
	cat <<EOF
{"apex": "example.test", "primary": {"server": "127.0.0.1", "port": $port},
 "xtra_ns": [],
 "present": [{"name": "_acme-challenge.example.test", "type": "TXT",
              "values": ["token"]}]}
EOF
}

# The deadline 2 s, queries 400 ms: a case may take 2 s + 2 x 0.4 s, and
# we allow 1.5 s on a loaded machine.
limit=4300
for mode in good silent short wrong-id random ptr-loop rdlength label-long \
    servfail nxdomain refused not-aa wrong-question tc-closed tc-slow \
    tc-huge-length many-ns ns-offsite glue-bad txt-huge soa-short \
    qdcount-0 many-answers; do
	if ! srv_start "$mode"; then
		notok "$mode: the hostile server starts" "$(cat "$w/srv.err")"
		continue
	fi
	input >"$w/in.json"
	read -r rc ms rss <<EOF
$(measure "$SSLM_BIN/sslm-nscheck" -p "$port" -w 2 -t 400 "$w/in.json")
EOF
	first=$(head -1 "$w/err")
	if [ "$mode" = good ]; then
		same "good: converges (exit 0; the twin of the cases below)" "$rc" 0
		continue
	fi
	case "$rc" in
	1 | 3) ok "$mode: a clean failure (exit $rc)" ;;
	*) notok "$mode: a clean failure (exit 1 or 3)" "exit $rc" \
	    "stderr: $(head -c 300 "$w/err")" ;;
	esac
	if [ -s "$w/err" ] && ! grep -qv '^sslm-nscheck: ' "$w/err" &&
	    grep -q "127\.0\.0\.1\|example\.test\|ns1" "$w/err" &&
	    [ "$(awk 'length > 400' "$w/err" | wc -l)" -eq 0 ]; then
		ok "$mode: says why, naming the server (\"$first\")"
	else
		notok "$mode: says why in bounded lines naming the server" \
		    "stderr: $(head -c 400 "$w/err")"
	fi
	check "$mode: within the deadline ($ms ms < $limit ms)" \
	    test "$ms" -lt "$limit"
	check "$mode: bounded memory ($rss KiB < 65536)" test "$rss" -lt 65536
done
# ns-offsite: nothing was asked of the world (no system resolver without
# -S): the names are refused, not looked up.
srv_start ns-offsite
input >"$w/in.json"
"$SSLM_BIN/sslm-nscheck" -p "$port" -w 2 -t 400 "$w/in.json" \
    >/dev/null 2>"$w/err"
check "ns-offsite: the NS name outside the zone is refused, not resolved" \
    grep -q 'iana-servers.net' "$w/err"
srv_stop
# A query that saw only answers that do not parse or do not match says
# so; a silent server is a plain timeout.
for mode in ptr-loop wrong-id silent; do
	srv_start "$mode"
	input >"$w/in.json"
	"$SSLM_BIN/sslm-nscheck" -p "$port" -w 0 -t 400 "$w/in.json" \
	    >/dev/null 2>"$w/err"
	want='SOA: timeout, only malformed or mismatched answers$'
	[ "$mode" != silent ] || want='SOA: timeout$'
	check "$mode: the message says what came ($(head -1 "$w/err"))" \
	    grep -q -- "$want" "$w/err"
	srv_stop
done

# ---- through sslm-mgr: a DANE roll against a hostile primary --------------------------
ca_self_tree roll
edit "$t/conf.d/ssl-mgr.conf" \
    "server = '127.0.0.1'\n    port = 53" "server = '127.0.0.1'
    port = 1"
if ! { sh "$SSLM_TOP/examples/ca-self/make-ca" root && sslm-mgr -renew &&
    sslm-mgr -roll && sslm-mgr -renew -f example.com:mail-ec; } \
    >"$w/boot.out" 2>&1; then
	notok "bootstrap: CA, renew, roll, a new next for mail-ec" \
	    "$(tail -5 "$w/boot.out")"
	exit 1
fi
ok "bootstrap: CA, renew, roll, a new next for mail-ec"
srv_start ptr-loop
edit "$t/conf.d/ssl-mgr.conf" "port = 1" "port = $port"
# (certs/.last-run records the run, by design: left out)
snap() {
	find "$t/certs" "$t/prod-certs" -mindepth 1 ! -name .last-run \
	    -printf '%p %y %l %T@\n' | sort
}
snap >"$w/before"
SSLM_NSCHECK_OPTS="-p $port -t 400" SSLM_DANE_WAIT=2 \
    run sslm-mgr -roll -roll-mins 0 example.com:mail-ec
snap >"$w/after"
check "roll with a hostile primary: refused, said" \
    grep -q 'roll refused: next TLSA records are not on every authoritative server' "$T_OUT"
check "roll with a hostile primary: store and production unchanged" \
    cmp "$w/before" "$w/after"
n=$(grep -c . "$w/queries")
check "roll with a hostile primary: the primary was asked ($n queries)" \
    test "$n" -gt 0
srv_stop
