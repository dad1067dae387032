#!/bin/sh
# make bench: wall time (hyperfine) and peak memory of the everyday
# operations, on scratch copies of the examples.  Prints a table; the
# numbers are for comparison between versions, not pass/fail tests.
set -eu
umask 077
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
export PATH
unset SSL_MGR_TOPDIR || true
w=$(mktemp -d "${TMPDIR:-/tmp}/sslm-bench.XXXXXX")
trap 'rm -rf "$w"' EXIT
cd "$w"

# A store with the private CA and both services, rolled.
cp -R "$top/examples/ca-self/conf.d" .
sh "$top/examples/ca-self/make-ca" root >/dev/null
sslm-mgr -renew >/dev/null
sslm-mgr -roll >/dev/null
sslm-keygen -t ec -o ec.key
cert=certs/example.com/web-ec/curr/cert.pem
cat /usr/share/ca-certificates/*/*.crt >trust.pem
# The letsencrypt example as installed in /etc/ssl-mgr, with its
# production tree in the scratch directory (its parent must exist).
mkdir le
cp -R "$top/examples/letsencrypt/conf.d" le/
sed -i "s|^\( *prod_cert_dir = \).*|\1'./prod-certs'|" le/conf.d/ssl-mgr.conf

# peak CMD...: the peak resident set (KiB) of a command and the children
# it waited for, as GNU time reports it.
peak() {
	/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
}

hyperfine -N --warmup 2 --runs 20 --export-json bench.json \
    -n "sslm-conf (letsencrypt example)" "sslm-conf -c $w/le/conf.d" \
    -n "sslm-info --json (system trust store, $(grep -c BEGIN trust.pem) certs)" "sslm-info --json trust.pem" \
    -n "sslm-keygen P-384" "sslm-keygen -t ec -c secp384r1" \
    -n "sslm-tlsagen 3 1 1" "sslm-tlsagen -a example.com -r 25/tcp/3/1/1 -c $cert" \
    -n "sslm-verify" "sslm-verify -C certs/ca/my-root/curr/cert.pem certs/example.com/web-ec/curr" \
    -n "sslm-mgr -s (4 services)" "sslm-mgr -s" \
    -n "sslm-mgr -renew, nothing due" "sslm-mgr -renew" >/dev/null 2>&1 || {
	echo "bench: hyperfine failed" >&2
	exit 3
}
printf '%-48s %10s %10s\n' "operation" "mean ms" "+/- ms"
jq -r '.results[] | [.command, (.mean * 1000 * 10 | round / 10),
    (.stddev * 1000 * 10 | round / 10)] | @tsv' bench.json |
    while IFS=$(printf '\t') read -r n m s; do
	printf '%-48s %10s %10s\n' "$n" "$m" "$s"
done
echo
printf '%-48s %10s\n' "peak memory" "KiB"
printf '%-48s %10s\n' "sslm-conf (letsencrypt example)" \
    "$(peak sslm-conf -c "$w/le/conf.d")"
printf '%-48s %10s\n' "sslm-info --json (trust store)" \
    "$(peak sslm-info --json trust.pem)"
printf '%-48s %10s\n' "sslm-mgr -renew -f (one service, whole run)" \
    "$(peak sslm-mgr -renew -f example.com:web-ec)"

# ACME: one certificate from a Pebble on loopback, sslm beside uacme.
sh "$top/bench/acme.sh" || {
	echo "bench: the ACME part failed" >&2
	exit 3
}

# Fleet scale: -s, -s --json and a renew with nothing due over 10, 1,000
# and 10,000 services, and 1,000 with a certificate each.
echo
sh "$top/bench/fleet.sh" || {
	echo "bench: the fleet part failed" >&2
	exit 3
}

# DNS: from the last secondary converging to sslm-nscheck's return.
echo
sh "$top/bench/nscheck.sh" || {
	echo "bench: the DNS part failed" >&2
	exit 3
}
