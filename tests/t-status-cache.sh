#!/bin/sh
# sslm-status reads a certificate file once per run: sets that share a
# file (hard links) are parsed once, and files that are not the same
# file are never taken for each other, not even when they have the same
# size and mtime.  The store is made here: 48 services, each with its own
# self-signed certificate (openssl), padded to one size and stamped with
# one mtime; 8 more hard-link the set of the first.  openssl is the
# oracle for each service's serial and dates; strace counts the reads.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
t=""
ca_self_tree cache
c=$t/certs
N=48
L=8
stamp=20260101-00:00:00

# The configuration: a group of N + L copies of web-ec, no example.com.
edit "$t/conf.d/ssl-mgr.conf" "services = \\['web-ec', 'mail-ec'\\]" \
    "services = ['*']" "domain = 'example.com'" "domain = 'fleet.test'"
mkdir "$t/conf.d/fleet.test"
openssl ecparam -genkey -name prime256v1 -noout -out "$w/k.pem" 2>/dev/null
for f in privkey csr chain fullchain bundle; do
	cp "$w/k.pem" "$w/$f.pem"
done
i=0
while [ "$i" -lt $((N + L)) ]; do
	s=$(printf 's%03d' "$i")
	sed -e "s/^group = .*/group = 'fleet.test'/" \
	    -e "s/^service = .*/service = '$s'/" \
	    "$SSLM_TOP/examples/ca-self/conf.d/example.com/web-ec" \
	    >"$t/conf.d/fleet.test/$s"
	mkdir -p "$c/fleet.test/$s"
	ln -s "db/$stamp" "$c/fleet.test/$s/curr"
	if [ "$i" -lt "$N" ]; then
		d=$c/fleet.test/$s/db/$stamp
		mkdir -p "$d"
		for f in privkey csr chain fullchain bundle; do
			cp "$w/$f.pem" "$d/$f.pem"
		done
		openssl req -x509 -new -key "$w/k.pem" -days "$((100 + i))" \
		    -subj "/CN=$s.fleet.test" -out "$d/cert.pem" 2>/dev/null
	else
		cp -al "$c/fleet.test/s000/db" "$c/fleet.test/$s/db"
	fi
	i=$((i + 1))
done
rm -rf "$t/conf.d/example.com"
# One size and one mtime for every certificate file.
max=0
for f in "$c"/fleet.test/s*/db/*/cert.pem; do
	n=$(wc -c <"$f")
	[ "$n" -le "$max" ] || max=$n
done
for f in "$c"/fleet.test/s*/db/*/cert.pem; do
	n=$(wc -c <"$f")
	while [ "$n" -lt "$max" ]; do
		printf '\n' >>"$f"
		n=$((n + 1))
	done
	touch -d '2026-01-01 00:00:00 UTC' "$f"
done
sizes=$(for f in "$c"/fleet.test/s*/db/*/cert.pem; do
	stat -c '%s %Y' "$f"; done | sort -u | wc -l)
same "setup: every certificate file has one size and mtime" "$sizes" 1
inodes=$(for f in "$c"/fleet.test/s*/db/*/cert.pem; do
	stat -c '%i' "$f"; done | sort -u | wc -l)
same "setup: $N distinct certificate files" "$inodes" "$N"
sslm-conf -k >"$w/conf.json" 2>"$w/conf.err"
n=$(jq '[.groups[] | select(.domain == "fleet.test") | .services[]] |
    length' "$w/conf.json")
same "setup: sslm-conf lists every service" "$n" $((N + L))

# ---- every service gets the facts of its own file ----------------------------
run sslm-status -j -c "$w/conf.json" fleet.test
expect_rc 0 "distinct files, one size and mtime: exit 0"
jq -r 'select(.group == "fleet.test") | [.service, .curr.serial,
    .curr.not_after] | @tsv' "$T_OUT" >"$w/got.tsv"
i=0
while [ "$i" -lt $((N + L)) ]; do
	s=$(printf 's%03d' "$i")
	f=$c/fleet.test/$s/curr/cert.pem
	ser=$(openssl x509 -in "$f" -noout -serial | cut -d= -f2 |
	    tr 'A-F' 'a-f' | sed 's/^0*//')
	na=$(date -u -d "$(openssl x509 -in "$f" -noout -enddate |
	    cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
	printf '%s\t%s\t%s\n' "$s" "$ser" "$na"
	i=$((i + 1))
done >"$w/want.tsv"
if cmp -s "$w/got.tsv" "$w/want.tsv"; then
	ok "every service: its own serial and expiry (openssl)"
else
	notok "every service: its own serial and expiry (openssl)" \
	    "$(diff "$w/want.tsv" "$w/got.tsv" | head -n 8)"
fi

# ---- a file shared by hard links is read once -----------------------------------
if command -v strace >/dev/null 2>&1; then
	strace -f -e trace=openat -o "$w/st.trace" sslm-status -j \
	    -c "$w/conf.json" fleet.test >/dev/null 2>&1
	reads=$(grep -c 'fleet\.test/.*/cert\.pem", O_RDONLY' "$w/st.trace")
	same "$N files under $((N + L)) services: $N reads of a cert.pem" \
	    "$reads" "$N"
else
	notok "strace is installed (scripts/deps)"
fi

# ---- selection operands, one per service, looked up by name -------------------
set --
i=0
while [ "$i" -lt $((N + L)) ]; do
	set -- "$@" "fleet.test:$(printf 's%03d' "$i")"
	i=$((i + 1))
done
run sslm-status -j -c "$w/conf.json" "$@"
expect_rc 0 "$((N + L)) operands, a service each: exit 0"
n=$(jq -s 'map(.service) | unique | length' "$T_OUT")
same "$((N + L)) operands: every service once" "$n" $((N + L))
run sslm-status -j -c "$w/conf.json" fleet.test:s001 fleet.test
expect_rc 0 "a service, then its whole group: exit 0 (each operand names something)"
n=$(wc -l <"$T_OUT")
same "a service, then its whole group: every service once" "$n" $((N + L))
run sslm-status -j -c "$w/conf.json" fleet.test:s001 fleet.test:nothere
expect_rc 3 "an operand that names no service: exit 3"
expect_err_match '^sslm-status: fleet\.test:nothere: no such service$' \
    "an operand that names no service: named"
run sslm-status -j -c "$w/conf.json" fleet.test:s001 nothere.test
expect_rc 3 "an operand that names no group: exit 3"
expect_err_match '^sslm-status: nothere\.test: no such group$' \
    "an operand that names no group: named"
