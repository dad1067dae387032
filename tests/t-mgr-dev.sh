#!/bin/sh
# sslm-mgr dev mode and clean: -keys -csr -cert -copy -ntoc -certs-prod,
# -clean-all, and the option combinations that make no sense.
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
TMPDIR=$w
export TMPDIR
t=$w/dev
mkdir -p "$t"
cp -R "$SSLM_TOP/examples/ca-self/conf.d" "$t/"
SSL_MGR_TOPDIR=$t
export SSL_MGR_TOPDIR
c=$t/certs
s=$c/example.com/web-ec
root=$c/ca/my-root/curr/cert.pem

valid() {
	openssl verify -CAfile "$root" -untrusted "$1/chain.pem" "$1/cert.pem" \
	    >/dev/null 2>&1
}

sh "$SSLM_TOP/examples/ca-self/make-ca" root >/dev/null 2>&1
sslm-mgr -renew >/dev/null 2>&1
sslm-mgr -roll >/dev/null 2>&1

run sslm-mgr -r -s
expect_rc 2 "-r without -renew is a usage error"
run sslm-mgr --json
expect_rc 2 "--json without -s is a usage error"
run sslm-mgr dev -keys -copy example.com:web-ec
expect_rc 2 "dev -keys with -copy is a usage error"

run sslm-mgr dev -keys -csr -cert example.com:web-ec
expect_rc 0 "dev -keys -csr -cert: exit 0"
n1=$(readlink "$s/next")
chk "dev -keys -csr -cert: a complete next that verifies" valid "$s/next"
chk "dev -keys -csr -cert: a new key" sh -c "! cmp -s '$s/curr/privkey.pem' '$s/next/privkey.pem'"

run sslm-mgr dev -csr example.com:web-ec
expect_rc 0 "dev -csr: exit 0"
n2=$(readlink "$s/next")
chk "dev -csr: a fresh next" test "$n2" != "$n1"
chk "dev -csr: the key of the previous next" cmp "$s/$n1/privkey.pem" "$s/next/privkey.pem"
chk "dev -csr: a new CSR for that key" sh -c "openssl req -in '$s/next/csr.pem' -noout -verify"
chk "dev -csr: no certificate yet" test ! -e "$s/next/cert.pem"
run sslm-mgr -roll -f example.com:web-ec
expect_rc 3 "roll of an incomplete next fails"
expect_err_match 'next is incomplete: privkey.pem|next is incomplete: cert.pem' \
    "roll of an incomplete next says what is missing"
chk "roll of an incomplete next: curr unchanged" valid "$s/curr"

run sslm-mgr dev -cert example.com:web-ec
expect_rc 0 "dev -cert: exit 0"
chk "dev -cert: the key and CSR carried over" cmp "$s/$n2/csr.pem" "$s/next/csr.pem"
chk "dev -cert: a complete next that verifies" valid "$s/next"

n3=$(readlink "$s/next")
run sslm-mgr dev -ntoc -roll-mins 1000 example.com:web-ec
expect_rc 0 "dev -ntoc: exit 0"
chk "dev -ntoc: next is curr at once" test "$(readlink "$s/curr")" = "$n3"

run sslm-mgr dev -copy -csr -cert example.com:web-ec
expect_rc 0 "dev -copy -csr -cert: exit 0"
chk "dev -copy: the key of curr" cmp "$s/curr/privkey.pem" "$s/next/privkey.pem"
chk "dev -copy: a new certificate" sh -c "! cmp -s '$s/curr/cert.pem' '$s/next/cert.pem'"

# -certs-prod: a damaged production copy is restored.
rm -f "$t/prod-certs/example.com/web-ec/curr/cert.pem"
run sslm-mgr dev -certs-prod -s example.com:web-ec
expect_rc 0 "dev -certs-prod: exit 0"
chk "dev -certs-prod: production restored" \
    cmp "$s/curr/cert.pem" "$t/prod-certs/example.com/web-ec/curr/cert.pem"

# -clean-all cleans every group of the store, not only the selected one.
for _ in 1 2 3; do
	sslm-mgr -renew -f example.com:web-ec >/dev/null 2>&1
done
before=$(find "$s/db" -mindepth 1 -maxdepth 1 | wc -l)
run sslm-mgr -s -clean-keep 1 ca:my-root
after=$(find "$s/db" -mindepth 1 -maxdepth 1 | wc -l)
chk "clean without -clean-all leaves other groups alone" test "$after" -eq "$before"
run sslm-mgr -s -clean-all -clean-keep 1 ca:my-root
expect_rc 0 "-clean-all: exit 0"
refs=$(for l in curr next prev; do readlink "$s/$l"; done | sort -u | wc -l)
after=$(find "$s/db" -mindepth 1 -maxdepth 1 | wc -l)
chk "-clean-all: web-ec cleaned to its referenced sets + 1" \
    test "$after" -eq $((refs + 1))
# A directory that is not a set is never removed.
mkdir "$s/db/keep-me"
run sslm-mgr -s -clean-all -clean-keep 1
chk "clean: an unexpected directory is left alone" test -d "$s/db/keep-me"

# -s --json: stdout is JSON only, even with -v and a renew in the same run.
run sslm-mgr -s --json -v -renew -f example.com:web-ec
expect_rc 0 "-s --json -v -renew: exit 0"
chk "-s --json: stdout is one JSON document" jq -e '.services | length == 1' "$T_OUT"
run sslm-mgr --status=yes
expect_rc 2 "--status=yes: a usage error"
expect_err_match 'option --status takes no value' "--status=yes: says why"
run sslm-mgr -s --clean-keep=2 example.com:web-ec
expect_rc 0 "--clean-keep=2: accepted"

# A lost tlsa_dirs copy is mended by the next run, readable by a DNS server.
rm -rf "$t/dns"
run sslm-mgr example.com:mail-ec
chk "tlsa_dirs: a lost copy is restored" \
    cmp "$c/example.com/tlsa.example.com" "$t/dns/include-tlsa/tlsa.example.com"
chk "tlsa_dirs: directory 0755, file 0644" test \
    "$(stat -c %a "$t/dns/include-tlsa" "$t/dns/include-tlsa/tlsa.example.com" | tr '\n' ' ')" = "755 644 "

# -n: a dry run makes the sets and keeps none.
before=$(readlink "$s/next")
run sslm-mgr -renew -f -n example.com:web-ec
expect_rc 0 "-n: exit 0"
chk "-n: next untouched" test "$(readlink "$s/next")" = "$before"
chk "-n: says so" grep -q 'dry run: new set made and discarded' "$T_OUT"
n=$(find "$s/db" -maxdepth 1 -name '.new-*' | wc -l)
chk "-n: nothing left behind" test "$n" -eq 0
