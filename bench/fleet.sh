#!/bin/sh
# make bench, fleet part: sslm-mgr -s, -s --json and a -renew with nothing
# due over synthetic stores of 10, 1,000 and 10,000 services (one issued
# set of the private CA example, hard-linked into every service; the
# service files are copies of web-ec).  Prints each as a mean and as a
# ratio to the 10-service store of the same run.
# Usage: bench/fleet.sh [sizes...] (default 10 1000 10000)
set -eu
umask 077
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
export PATH
unset SSL_MGR_TOPDIR || true
w=$(mktemp -d "${TMPDIR:-/tmp}/sslm-fleet.XXXXXX")
trap 'rm -rf "$w"' EXIT
[ $# -gt 0 ] || set -- 10 1000 10000

# The seed: the private CA example, renewed and rolled.
mkdir "$w/seed"
cp -R "$top/examples/ca-self/conf.d" "$w/seed/"
(cd "$w/seed" && SSL_MGR_TOPDIR=$w/seed sh "$top/examples/ca-self/make-ca" \
    root && SSL_MGR_TOPDIR=$w/seed sslm-mgr -renew &&
    SSL_MGR_TOPDIR=$w/seed sslm-mgr -roll) >/dev/null 2>&1 || {
	echo "bench: cannot make the seed store" >&2
	exit 3
}

# fleet N: $w/fN, the seed plus a group fleet.example with N services.
fleet() {
	python3 - "$w/seed" "$w/f$1" "$1" <<'PYEOF'
import os, shutil, sys
seed, d, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
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
        os.link(one + "/" + f, sd + "/" + setd + "/" + f)
    os.symlink(setd, sd + "/curr")
PYEOF
	# The first run copies production; the ones measured find nothing due.
	SSL_MGR_TOPDIR=$w/f$1 sslm-mgr -renew >/dev/null 2>&1
}

for n in "$@"; do
	fleet "$n"
	runs=10
	[ "$n" -lt 5000 ] || runs=3
	hyperfine -N --warmup 1 --runs "$runs" --export-json "$w/f$n.json" \
	    -n "sslm-mgr -s ($n services)" \
	    "env SSL_MGR_TOPDIR=$w/f$n sslm-mgr -s" \
	    -n "sslm-mgr -s --json ($n services)" \
	    "env SSL_MGR_TOPDIR=$w/f$n sslm-mgr -s --json" \
	    -n "sslm-mgr -renew, nothing due ($n services)" \
	    "env SSL_MGR_TOPDIR=$w/f$n sslm-mgr -renew" >/dev/null 2>&1 || {
		echo "bench: hyperfine failed on $n services" >&2
		exit 3
	}
	rm -rf "$w/f$n"
done

printf '%-48s %10s %10s\n' "fleet" "mean ms" "x first"
files=""
for n in "$@"; do files="$files $w/f$n.json"; done
# shellcheck disable=SC2086 # paths of our scratch directory, no spaces
jq -r -s '
    (.[0].results | map(.mean)) as $base |
    .[] | .results | to_entries[] |
    [.value.command, (.value.mean * 1000 | round),
     ((.value.mean / $base[.key]) * 10 | round / 10)] | @tsv' \
    $files |
    while IFS=$(printf '\t') read -r c m r; do
	printf '%-48s %10s %10s\n' "$c" "$m" "$r"
done
