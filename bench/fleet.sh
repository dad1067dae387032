#!/bin/sh
# make bench, fleet part: sslm-mgr -s, -s --json and a -renew with nothing
# due over synthetic stores of 10, 1,000 and 10,000 services (one issued
# set of the private CA example, hard-linked into every service; the
# service files are copies of web-ec), and over 1,000 services that each
# have a certificate of their own ("1000d": self-signed by openssl, made
# once and kept in ~/.cache/sslm-bench).  Prints each as a mean, as a
# ratio to the 10-service store of the same run, and beside the numbers
# of issue 15 (1,002 services) and its goals.
# Usage: bench/fleet.sh [sizes...] (default 10 1000 10000 1000d; the
# first is the reference of the ratios)
set -eu
umask 077
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
export PATH
unset SSL_MGR_TOPDIR || true
w=$(mktemp -d "${TMPDIR:-/tmp}/sslm-fleet.XXXXXX")
trap 'rm -rf "$w"' EXIT
[ $# -gt 0 ] || set -- 10 1000 10000 1000d
cache=${XDG_CACHE_HOME:-$HOME/.cache}/sslm-bench/distinct

# The seed: the private CA example, renewed and rolled.
mkdir "$w/seed"
cp -R "$top/examples/ca-self/conf.d" "$w/seed/"
(cd "$w/seed" && SSL_MGR_TOPDIR=$w/seed sh "$top/examples/ca-self/make-ca" \
    root && SSL_MGR_TOPDIR=$w/seed sslm-mgr -renew &&
    SSL_MGR_TOPDIR=$w/seed sslm-mgr -roll) >/dev/null 2>&1 || {
	echo "bench: cannot make the seed store" >&2
	exit 3
}

# distinct N: N self-signed certificates in the cache, one a service
# (ten years, so that none is due while it is kept; made again after a
# year).  One key signs them all: only the certificates differ.
distinct() {
	mkdir -p "$cache"
	find "$cache" -name 's*.pem' -mtime +365 -exec rm -f {} + 2>/dev/null ||
	    true
	[ -s "$cache/key.pem" ] || openssl ecparam -genkey -name prime256v1 \
	    -noout -out "$cache/key.pem" 2>/dev/null
	_i=0
	while [ "$_i" -lt "$1" ]; do
		_c=$cache/$(printf 's%05d' "$_i").pem
		[ -s "$_c" ] || openssl req -x509 -new -key "$cache/key.pem" \
		    -days 3650 -subj "/CN=$(printf 's%05d' "$_i").fleet.example" \
		    -out "$_c" 2>/dev/null || return 1
		_i=$((_i + 1))
	done
}

# fleet N[d]: $w/fN, the seed plus a group fleet.example with N services
# (d: each with its certificate from the cache).
fleet() {
	_n=${1%d}
	_cd=""
	if [ "$_n" != "$1" ]; then
		distinct "$_n" || {
			echo "bench: cannot make $_n certificates in $cache" >&2
			exit 3
		}
		_cd=$cache
	fi
	python3 - "$w/seed" "$w/f$1" "$_n" "$_cd" <<'PYEOF'
import os, shutil, sys
seed, d, n, cd = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
shutil.copytree(seed + "/conf.d", d + "/conf.d")
shutil.copytree(seed + "/certs", d + "/certs", symlinks=True)
p = d + "/conf.d/ssl-mgr.conf"
s = open(p).read().replace("[[groups]]\n    domain = 'example.com'",
    "[[groups]]\n    domain = 'fleet.example'\n    services = ['*']\n"
    "    active = true\n\n[[groups]]\n    domain = 'example.com'", 1)
# mail-ec's DANE records want a DNS server the bench does not run: its
# every renew would fail.  web-ec stays.
s = s.replace("services = ['web-ec', 'mail-ec']", "services = ['web-ec']", 1)
open(p, "w").write(s)
os.makedirs(d + "/conf.d/fleet.example")
src = open(seed + "/conf.d/example.com/web-ec").read()
setd = os.readlink(seed + "/certs/example.com/web-ec/curr")
one = seed + "/certs/example.com/web-ec/" + setd
for i in range(n):
    name = "s%05d" % i
    open(d + "/conf.d/fleet.example/" + name, "w").write(
        src.replace("group = 'example.com'", "group = 'fleet.example'")
        .replace("service = 'web-ec'", "service = '%s'" % name))
    sd = d + "/certs/fleet.example/" + name
    os.makedirs(sd + "/" + setd)
    for f in os.listdir(one):
        if cd and f == "cert.pem":
            shutil.copyfile(cd + "/" + name + ".pem", sd + "/" + setd + "/" + f)
        else:
            os.link(one + "/" + f, sd + "/" + setd + "/" + f)
    os.symlink(setd, sd + "/curr")
PYEOF
	# The first run copies production; the ones measured find nothing due.
	SSL_MGR_TOPDIR=$w/f$1 sslm-mgr -renew >/dev/null 2>&1
}

for n in "$@"; do
	fleet "$n"
	runs=10
	[ "${n%d}" -lt 5000 ] || runs=3
	l="${n%d} services"
	[ "${n%d}" = "$n" ] || l="$l, a cert each"
	hyperfine -N --warmup 1 --runs "$runs" --export-json "$w/f$n.json" \
	    -n "sslm-mgr -s ($l)" \
	    "env SSL_MGR_TOPDIR=$w/f$n sslm-mgr -s" \
	    -n "sslm-mgr -s --json ($l)" \
	    "env SSL_MGR_TOPDIR=$w/f$n sslm-mgr -s --json" \
	    -n "sslm-mgr -renew, nothing due ($l)" \
	    "env SSL_MGR_TOPDIR=$w/f$n sslm-mgr -renew" >/dev/null 2>&1 || {
		echo "bench: hyperfine failed on $n services" >&2
		exit 3
	}
	rm -rf "$w/f$n"
done

# The issue's numbers (sslm then, 1,002 services, ms) and its goals, by
# row: -s, -s --json, -renew nothing due.
ref() {
	case "$1:$2" in
	1000:0 | 1000d:0) echo "45500 <=1000" ;;
	1000:1 | 1000d:1) echo "98000 <=1000" ;;
	1000:2 | 1000d:2) echo "49000 <=2000" ;;
	10000:0) echo "- <=10000" ;;
	*) echo "- -" ;;
	esac
}
printf '%-60s %10s %10s %10s %10s\n' "fleet" "mean ms" "x first" \
    "issue ms" "goal ms"
files=""
for n in "$@"; do files="$files $w/f$n.json"; done
# shellcheck disable=SC2086 # paths of our scratch directory, no spaces
jq -r -s --argjson sizes "$(printf '%s\n' "$@" | jq -R . | jq -s .)" '
    (.[0].results | map(.mean)) as $base |
    to_entries[] | $sizes[.key] as $n | .value.results | to_entries[] |
    [$n, .key, .value.command, (.value.mean * 1000 | round),
     ((.value.mean / $base[.key]) * 10 | round / 10)] | @tsv' \
    $files |
    while IFS=$(printf '\t') read -r n k c m r; do
	# shellcheck disable=SC2046 # two words
	set -- $(ref "$n" "$k")
	printf '%-60s %10s %10s %10s %10s\n' "$c" "$m" "$r" "$1" "$2"
done
