#!/bin/sh
# t comes from mgr_site (tests/env/mgr-acme.sh), which the linter cannot follow
# shellcheck disable=SC2154
# make bench, ACME part: one certificate for 2 names with an existing
# account, http-01, against a Pebble on loopback (tests/env/pebble.sh and
# mgr-acme.sh: Pebble, nginx for the answers, a small NSD as Pebble's DNS
# and the dns-01 zone).  sslm-acme-order (order, publish the files,
# finish) and the whole pipeline (sslm-mgr -renew -f of one service)
# beside uacme on the same Pebble: wall time (hyperfine, N runs) and HTTP
# requests, counted in Pebble's log ("calling handler()", one line a
# request) and, for sslm-acme-order, from its own -v count.  Then ten
# dns-01 certificates due together beside one (sslm-mgr -renew -f of a
# tree of ten services and of one), as a ratio.  Pebble rejects no
# nonces here, so the counts are those of a clean run.  Everything stays on 127.0.0.1; uacme is given
# the test CA through a private mount namespace (its libcurl-gnutls reads
# no CA variable), and without uacme, or without the means to give it the
# CA, its row is skipped.
# Usage: sh bench/acme.sh [RUNS] (default 5).  Exit 0, or 3 on failure.
set -u
umask 077
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
export PATH
runs=${1:-5}
# mgr-acme.sh reads SSLM_TOP; it sets t (mgr_site)
# shellcheck disable=SC2034,SC2154
SSLM_TOP=$top
. "$top/tests/env/pebble.sh"
. "$top/tests/env/mgr-acme.sh"
unset SSL_CERT_FILE CURL_CA_BUNDLE || true

for p in pebble nsd nsd-control nginx curl jq openssl hyperfine python3; do
	if ! command -v "$p" >/dev/null 2>&1; then
		echo "bench acme: skipped: $p is not installed"
		exit 0
	fi
done

w=$(mktemp -d "${TMPDIR:-/tmp}/sslm-bench-acme.XXXXXX") || exit 3
stop_all() {
	mgr_bed_stop
	rm -rf "$w"
}
trap stop_all EXIT
trap 'exit 3' INT TERM

fail() {
	echo "bench acme: $*" >&2
	exit 3
}

zone=bench.test
n1=a.$zone
n2=b.$zone
mgr_bed "$w" "$zone" PEBBLE_WFE_NONCEREJECT=0 ||
    fail "the test bed (Pebble, NSD, nginx) does not start"
url=$(cat "$w/pebble/url")
ca=$w/ca/ca.pem
plog=$w/pebble/pebble.log
chall=$w/web/www/.well-known/acme-challenge

# requests: the requests Pebble has answered so far.
requests() {
	grep -c 'calling handler()' "$plog"
}

# ---- sslm: account once, then order + publish + finish -------------------------
sslm-acme-account create -A "$w/sslm-acct" -D "$url" --ca-file "$ca" \
    --agree-tos >/dev/null 2>"$w/err" || fail "sslm account: $(cat "$w/err")"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$w/csr.key" -subj "/CN=$n1" \
    -addext "subjectAltName=DNS:$n1,DNS:$n2" -out "$w/csr.pem" \
    >/dev/null 2>&1 || fail "openssl req"
cat >"$w/sslm-one" <<EOF
#!/bin/sh
# One certificate: order, the http-01 files, finish, files removed.
set -e
sslm-acme-order \$1 -A '$w/sslm-acct' -D '$url' --ca-file '$ca' order \\
    -c http-01 '$w/csr.pem' >'$w/order.json' 2>'$w/order.err'
jq -r '.challenges[] | select(.status == "pending") |
    [.token, .key_authorization] | @tsv' '$w/order.json' |
    while IFS='	' read -r tok ka; do
	printf '%s' "\$ka" >'$chall'/"\$tok"
done
sslm-acme-order \$1 -A '$w/sslm-acct' -D '$url' --ca-file '$ca' finish \\
    --csr '$w/csr.pem' <'$w/order.json' >'$w/sslm-chain.pem' \\
    2>'$w/finish.err'
jq -r '.challenges[].token // empty' '$w/order.json' |
    while read -r tok; do rm -f '$chall'/"\$tok"; done
EOF
chmod 755 "$w/sslm-one"

r0=$(requests)
"$w/sslm-one" -v || fail "sslm: $(cat "$w/order.err" "$w/finish.err")"
sslm_req=$(($(requests) - r0))
sslm_own=$(cat "$w/order.err" "$w/finish.err" |
    sed -n 's/^sslm-acme-order: \([0-9]*\) http requests$/\1/p' |
    awk '{ s += $1 } END { print s + 0 }')
pebble_root "$w/pebble" 0 "$w/root.pem" || fail "pebble root"
# The product is real: the chain verifies against Pebble's root.
sed -n '/-----END CERTIFICATE-----/q;p' "$w/sslm-chain.pem" >"$w/leaf.pem"
echo '-----END CERTIFICATE-----' >>"$w/leaf.pem"
openssl verify -CAfile "$w/root.pem" -untrusted "$w/sslm-chain.pem" \
    "$w/leaf.pem" >/dev/null 2>&1 || fail "sslm: the chain does not verify"
r0=$(requests)
hyperfine -N --warmup 1 --runs "$runs" --export-json "$w/sslm.json" \
    -n sslm "$w/sslm-one" >/dev/null 2>"$w/err" ||
    fail "hyperfine (sslm): $(tail -3 "$w/err")"
sslm_all=$((sslm_req + $(requests) - r0))

# ---- peak memory with a production CA file ---------------------------------------
# Against a public CA the ACME tools load the system bundle (every root
# Debian trusts), not the test CA alone: the same run with that bundle
# plus Pebble's CA, the peak of its largest process (GNU time).
rss_bundle=""
if [ -f /etc/ssl/certs/ca-certificates.crt ] && [ -x /usr/bin/time ]; then
	cat /etc/ssl/certs/ca-certificates.crt "$ca" >"$w/bundle.pem"
	n_roots=$(grep -c 'BEGIN CERTIFICATE' "$w/bundle.pem")
	sed "s|--ca-file '$ca'|--ca-file '$w/bundle.pem'|" "$w/sslm-one" \
	    >"$w/sslm-one-bundle"
	chmod 755 "$w/sslm-one-bundle"
	rss_small=$(/usr/bin/time -f %M "$w/sslm-one" 2>&1 >/dev/null | tail -1)
	rss_bundle=$(/usr/bin/time -f %M "$w/sslm-one-bundle" 2>&1 >/dev/null |
	    tail -1)
	case "$rss_small$rss_bundle" in
	*[!0-9]* | "") fail "peak memory: $rss_small / $rss_bundle" ;;
	esac
fi

# ---- sslm-mgr: the whole pipeline, one http-01 service, existing account -------
SSLM_NSCHECK_OPTS="-p $(cat "$w/nsd/port") -w 20"
export SSLM_NSCHECK_OPTS
# tree NAME: an sslm tree for the zone whose CAs are this Pebble (t).
tree() {
	mgr_site "$1" <"$w/ca-info.conf"
}
mgr_pebble_cas "$url" "$ca" >"$w/ca-info.conf"
# timed_mgr NAME JSON: N runs of sslm-mgr -renew -f in tree t (the first
# run, not timed, made its accounts); the mean requests a run in
# MGR_REQ (one decimal), over the warm-up and the timed runs.
timed_mgr() {
	sslm-mgr -renew >/dev/null 2>"$w/err" ||
	    fail "$1: the first renew: $(tail -3 "$w/err")"
	r0=$(requests)
	hyperfine -N --warmup 1 --runs "$runs" --export-json "$2" -n "$1" \
	    "sslm-mgr -renew -f" >/dev/null 2>"$w/err" ||
	    fail "hyperfine ($1): $(tail -3 "$w/err")"
	MGR_REQ=$(awk -v t="$(($(requests) - r0))" -v n="$((runs + 1))" \
	    'BEGIN { printf "%.1f", t / n }')
}
tree one
mgr_service web pebble-http "$n1" "$n2"
timed_mgr "sslm-mgr -renew -f" "$w/mgr.json"
mgr_req=$MGR_REQ
mgr_good "$t/certs/$zone/web/next" ||
    fail "sslm-mgr: the new set does not verify"

# ---- uacme: account once, then issue (hook writes the http-01 files) -----------
uacme_row=""
if ! command -v uacme >/dev/null 2>&1; then
	uacme_row="uacme is not installed (apt-get install uacme): skipped"
elif [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1 ||
    ! unshare -m true 2>/dev/null ||
    [ ! -f /etc/ssl/certs/ca-certificates.crt ]; then
	uacme_row="uacme: needs root and unshare(1) to trust Pebble's CA: skipped"
else
	cat >"$w/uacme-hook" <<EOF
#!/bin/sh
# uacme hook: METHOD TYPE IDENT TOKEN AUTH; http-01 only.
case "\$1:\$2" in
begin:http-01) printf '%s' "\$5" >'$chall'/"\$4" ;;
done:http-01 | failed:http-01) rm -f '$chall'/"\$4" ;;
*) exit 1 ;;
esac
EOF
	# uacme-ns CMD...: CMD where the system CA bundle is the test CA
	# (a bind mount in a private mount namespace: nothing else sees it).
	cat >"$w/uacme-ns" <<EOF
#!/bin/sh
mount --bind '$ca' /etc/ssl/certs/ca-certificates.crt && exec "\$@"
EOF
	cat >"$w/uacme-one" <<EOF
#!/bin/sh
exec uacme -o -f -c '$w/uacme' -a '$url' -t EC -h '$w/uacme-hook' \\
    issue '$n1' '$n2'
EOF
	chmod 755 "$w/uacme-hook" "$w/uacme-ns" "$w/uacme-one"
	if ! unshare -m "$w/uacme-ns" uacme -y -c "$w/uacme" -a "$url" -t EC \
	    new >/dev/null 2>"$w/err"; then
		fail "uacme new: $(tail -3 "$w/err")"
	fi
	r0=$(requests)
	unshare -m "$w/uacme-ns" "$w/uacme-one" >/dev/null 2>"$w/err" ||
	    fail "uacme issue: $(tail -3 "$w/err")"
	uacme_req=$(($(requests) - r0))
	openssl verify -CAfile "$w/root.pem" -untrusted "$w/uacme/$n1/cert.pem" \
	    "$w/uacme/$n1/cert.pem" >/dev/null 2>&1 ||
	    fail "uacme: the chain does not verify"
	# hyperfine itself runs in the namespace: the timed command is
	# uacme alone, as for sslm.
	# uacme keeps the old certificate as cert-SECONDS.pem: two runs in
	# one second collide, so each run starts without one (not timed).
	r0=$(requests)
	unshare -m "$w/uacme-ns" hyperfine -N --warmup 1 --runs "$runs" \
	    --prepare "rm -f $w/uacme/$n1/cert.pem" \
	    --export-json "$w/uacme.json" -n uacme "$w/uacme-one" \
	    >/dev/null 2>"$w/err" ||
	    fail "hyperfine (uacme): $(tail -3 "$w/err")"
	uacme_all=$((uacme_req + $(requests) - r0))
fi

# ---- ten dns-01 certificates due together, beside one --------------------------
tree dns1
mgr_service d1 pebble-dns "d1.$zone"
timed_mgr "dns-01, one service" "$w/dns1.json"
dns1_req=$MGR_REQ
tree dns10
i=1
while [ "$i" -le 10 ]; do
	mgr_service "d$i" pebble-dns "d$i.$zone"
	i=$((i + 1))
done
timed_mgr "dns-01, ten services" "$w/dns10.json"
dns10_req=$MGR_REQ
i=1
while [ "$i" -le 10 ]; do
	mgr_good "$t/certs/$zone/d$i/next" ||
	    fail "ten dns-01: d$i does not verify"
	i=$((i + 1))
done

# mean TOTAL: requests per run over the counted run, the warm-up and the
# timed runs, one decimal.
mean() {
	awk -v t="$1" -v n="$((runs + 2))" 'BEGIN { printf "%.1f", t / n }'
}

# ---- the table ----------------------------------------------------------------
echo
echo "ACME: one certificate, 2 names, existing account, http-01, Pebble on loopback ($runs runs)"
echo "(requests: Pebble's count for the first run, its mean over all $((runs + 2)) runs, and the client's own -v count)"
fmt='%-24s %9s %9s %9s %9s %9s\n'
# shellcheck disable=SC2059 # one format for the table
printf "$fmt" "tool" "mean ms" "+/- ms" "requests" "req mean" "own -v"
# row NAME JSON REQUESTS MEAN OWN
row() {
	jq -r --arg n "$1" --arg r "$3" --arg m "$4" --arg o "$5" \
	    '.results[0] | [$n, (.mean * 1000 * 10 | round / 10),
	     (.stddev * 1000 * 10 | round / 10), $r, $m, $o] | @tsv' "$2" |
	    while IFS=$(printf '\t') read -r a b c d e f; do
		# shellcheck disable=SC2059
		printf "$fmt" "$a" "$b" "$c" "$d" "$e" "$f"
	done
}
row "sslm-acme-order" "$w/sslm.json" "$sslm_req" "$(mean "$sslm_all")" \
    "$sslm_own"
row "sslm-mgr -renew -f" "$w/mgr.json" "-" "$mgr_req" "-"
if [ -z "$uacme_row" ]; then
	uv=$(uacme -V 2>&1 | sed -n 's/^uacme: version //p')
	row "uacme ${uv:-}" "$w/uacme.json" "$uacme_req" \
	    "$(mean "$uacme_all")" "-"
	sm=$(jq '.results[0].mean' "$w/sslm.json")
	um=$(jq '.results[0].mean' "$w/uacme.json")
	fewer=no
	[ "$sslm_req" -gt "$uacme_req" ] || fewer=yes
	faster=$(jq -rn --argjson s "$sm" --argjson u "$um" \
	    'if $s < $u then "yes" else "no" end')
	echo "goal: requests <= uacme: $fewer ($sslm_req vs $uacme_req);" \
	    "wall time < uacme: $faster"
	mm=$(jq '.results[0].mean' "$w/mgr.json")
	jq -rn --argjson s "$mm" --argjson u "$um" --arg r "$mgr_req" \
	    --arg ur "$(mean "$uacme_all")" '"sslm-mgr -renew -f / uacme:" +
	    " wall \($s / $u * 100 | round / 100)x (goal <= 1)," +
	    " requests \($r) vs \($ur) (goal <= 11)"'
else
	echo "$uacme_row"
fi
if [ -n "$rss_bundle" ]; then
	echo "peak memory, order + finish: $((rss_small / 1024)).$((rss_small % 1024 * 10 / 1024)) MiB" \
	    "with the test CA, $((rss_bundle / 1024)).$((rss_bundle % 1024 * 10 / 1024)) MiB with the" \
	    "system bundle ($n_roots certificates) (goal <= 16 MiB)"
fi
echo
echo "ACME: ten dns-01 certificates due together beside one (sslm-mgr -renew -f, $runs runs)"
# shellcheck disable=SC2059 # one format for the table
printf "$fmt" "tree" "mean ms" "+/- ms" "-" "req mean" "-"
row "one service" "$w/dns1.json" "-" "$dns1_req" "-"
row "ten services" "$w/dns10.json" "-" "$dns10_req" "-"
jq -rn --argjson a "$(jq '.results[0].mean' "$w/dns1.json")" \
    --argjson b "$(jq '.results[0].mean' "$w/dns10.json")" \
    '"ten / one: \($b / $a * 100 | round / 100)x (goal <= 2)"'
