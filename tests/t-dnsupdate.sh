#!/bin/sh
# sslm-dnsupdate: usage, key file and input checks, then the real binary
# against a real Knot primary on loopback (tests/env/knot-update.sh) that
# accepts updates signed with TSIG keys.  dig (recursion off) is the
# independent oracle for what the server serves; sslm-nscheck a second
# one.  The secret must never show in any output.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/dns.sh"
. "$SSLM_TOP/tests/env/knot-update.sh"

w=$SSLM_TMP
A=127.0.10.1
Z=example.test
trap 'knotup_stop; [ -f "$w/tcphole.pid" ] && kill "$(cat "$w/tcphole.pid")"' EXIT
: >"$w/all.log"

# up ARGS...: run sslm-dnsupdate, keep every output for the secret check.
up() {
	run sslm-dnsupdate "$@"
	cat "$T_OUT" "$T_ERR" >>"$w/all.log"
}

# upk JSON [ARGS...]: update the test server with the sha256 key.
upk() {
	printf '%s\n' "$1" >"$w/in.json"
	shift
	up -s "$A" -p "$DNS_PORT" -z "$Z" -k "$KNOTUP_KEY" "$@" "$w/in.json"
}

expect_out_empty() {
	if [ -s "$T_OUT" ]; then
		notok "$1" "stdout: $(head -c 200 "$T_OUT")"
	else
		ok "$1"
	fi
}

# txt NAME: the TXT records dig sees at NAME, one a line, sorted.
txt() {
	dig @"$A" -p "$DNS_PORT" +norecurse +time=1 +tries=1 +short \
	    "$1" TXT | sort
}

# expect_txt WHAT NAME LINE...: dig shows exactly these records.
expect_txt() {
	_what=$1
	_name=$2
	shift 2
	_want=$(for l in "$@"; do printf '%s\n' "$l"; done | sort)
	_got=$(txt "$_name")
	if [ "$_got" = "$_want" ]; then
		ok "$_what"
	else
		notok "$_what" "dig: $_got" "want: $_want"
	fi
}

# tlsa NAME: "u s m hex" lines (lower case hex, no blanks), sorted.
tlsa() {
	dig @"$A" -p "$DNS_PORT" +norecurse +time=1 +tries=1 +short \
	    "$1" TLSA | awk '{ h = ""; for (i = 4; i <= NF; i++) h = h $i
	    print $1, $2, $3, tolower(h) }' | sort
}

# ---- usage ----------------------------------------------------------------
for args in "" "-x" "-s 127.0.0.1" "-z example.test" \
    "-s 127.0.0.1 -z example.test -p 0" "-s 127.0.0.1 -z example.test -p x" \
    "-s 127.0.0.1 -z example.test -t 0" "-s 127.0.0.1 -z example.test a b"
do
	# shellcheck disable=SC2086
	up $args
	expect_rc 2 "usage: '$args' exits 2"
done
up -h
expect_rc 0 "-h exits 0"
chk "-h prints usage on stdout" grep -q '^usage: sslm-dnsupdate' "$T_OUT"
up -V
expect_rc 0 "-V exits 0"
chk "-V prints the version" grep -Eq '^sslm-dnsupdate [0-9]' "$T_OUT"

# ---- the server ------------------------------------------------------------
if ! knotup_start "$w/dns" 2>"$w/knot.err"; then
	notok "knot primary starts" "$(cat "$w/knot.err")"
	exit 0
fi
ok "knot primary starts"
S=$KNOTUP_SECRET
N1=_acme-challenge.x.example.test

# ---- replace TXT, then shrink, then grow -------------------------------------
upk '{"replace": [{"name": "'$N1'", "type": "TXT", "ttl": 60,
    "values": ["tok-one", "tok-two"]}]}'
expect_rc 0 "replace TXT: exit 0"
expect_jq '.zone == "example.test" and .rcode == "NOERROR" and
    .added == 2 and .deleted == 1 and .server == "'$A'" and
    .port == '"$DNS_PORT"' and .key == "sslm-test-key"' \
    "replace TXT: JSON result"
expect_txt "replace TXT: dig shows exactly the two values" "$N1" \
    '"tok-one"' '"tok-two"'
expect_txt "replace TXT: an unrelated TXT record is untouched" \
    "_acme-challenge.kept.$Z" '"unrelated"'
ttl=$(dig @"$A" -p "$DNS_PORT" +norecurse +noall +answer "$N1" TXT |
    awk 'NR == 1 { print $2 }')
if [ "$ttl" = 60 ]; then ok "replace TXT: TTL 60"; else
	notok "replace TXT: TTL 60" "ttl: $ttl"; fi

upk '{"replace": [{"name": "'$N1'.", "type": "txt",
    "values": ["tok-three"]}]}'
expect_rc 0 "replace again: exit 0"
expect_txt "replace again: the set shrinks to exactly the new value" \
    "$N1" '"tok-three"'

upk '{"replace": [{"name": "'$N1'", "type": "TXT",
    "values": ["a", "b", "c", "b"]}]}'
expect_jq '.added == 3' "duplicate values are sent once"
expect_txt "replace with three values" "$N1" '"a"' '"b"' '"c"'

# ---- delete values, delete the RRset ---------------------------------------------
upk '{"delete": [{"name": "'$N1'", "type": "TXT", "values": ["b"]}]}'
expect_rc 0 "delete a value: exit 0"
expect_jq '.added == 0 and .deleted == 1' "delete a value: JSON counts"
expect_txt "delete a value: the others stay" "$N1" '"a"' '"c"'
upk '{"delete": [{"name": "'$N1'", "type": "TXT", "values": []}]}'
expect_rc 0 "delete the RRset: exit 0"
expect_txt "delete the RRset: dig shows nothing" "$N1"
upk '{"replace": [{"name": "'$N1'", "type": "TXT", "values": ["z"]}]}'
upk '{"delete": [{"name": "'$N1'", "type": "TXT"}]}'
expect_rc 0 "delete without values: exit 0"
expect_txt "delete without values: the RRset is gone" "$N1"

# ---- long TXT: split into character-strings of 255 bytes -----------------------------
long=$(python3 -c 'print("L" * 600)')
upk '{"replace": [{"name": "'$N1'", "type": "TXT", "values": ["'"$long"'"]}]}'
expect_rc 0 "600-byte TXT: exit 0"
s255=$(python3 -c 'print("L" * 255)')
s90=$(python3 -c 'print("L" * 90)')
expect_txt "600-byte TXT: three strings 255 + 255 + 90" "$N1" \
    "\"$s255\" \"$s255\" \"$s90\""

# ---- TLSA ----------------------------------------------------------------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$w/svc.key" 2>/dev/null
h1=$(openssl pkey -in "$w/svc.key" -pubout -outform DER |
    openssl dgst -sha256 -r | cut -c1-64)
h1up=$(printf '%s' "$h1" | tr 'a-f' 'A-F')
N2=_25._tcp.mx1.example.test
upk '{"replace": [{"name": "'$N2'", "type": "TLSA", "ttl": 120,
    "values": ["3 1 1 '"$(printf '%s' "$h1up" | cut -c1-20) $(printf '%s' "$h1up" | cut -c21-)"'",
    "3 0 1 '"$(printf '%064d' 0)"'"]}]}'
expect_rc 0 "TLSA replace: exit 0"
want=$(printf '3 0 1 %064d\n3 1 1 %s\n' 0 "$h1" | sort)
got=$(tlsa "$N2")
if [ "$got" = "$want" ]; then ok "TLSA replace: dig shows the two records"
else notok "TLSA replace: dig shows the two records" "got $got" "want $want"; fi
upk '{"replace": [{"name": "'$N2'", "type": "TLSA", "values": ["3 1 1 '"$h1"'"]}]}'
got=$(tlsa "$N2")
if [ "$got" = "3 1 1 $h1" ]; then ok "TLSA replace: shrinks to one record"
else notok "TLSA replace: shrinks to one record" "got $got"; fi

# ---- sslm-nscheck as a second oracle ---------------------------------------------------------
cat >"$w/expect.json" <<EOF
{"apex": "$Z", "primary": {"server": "$A", "port": $DNS_PORT},
 "present": [{"name": "$N2", "type": "TLSA", "values": ["3 1 1 $h1"],
              "exact": true},
             {"name": "$N1", "type": "TXT", "values": ["$long"],
              "exact": true}],
 "absent": [{"name": "$N2", "type": "TLSA",
             "values": ["3 0 1 $(printf '%064d' 0)"]}]}
EOF
run sslm-nscheck -p "$DNS_PORT" -w 2 "$w/expect.json"
expect_rc 0 "sslm-nscheck confirms the TLSA and the joined long TXT"

# ---- several entries in one update, from a pipe and from stdin ----------------------------------
doc='{"delete": [{"name": "'$N2'", "type": "TLSA"}],
 "replace": [{"name": "'$N1'", "type": "TXT", "values": ["p1"]},
             {"name": "_acme-challenge.y.example.test", "type": "TXT",
              "values": ["p2"]}]}'
printf '%s\n' "$doc" | sslm-dnsupdate -s "$A:$DNS_PORT" -z "$Z." \
    -k "$KNOTUP_KEY" >"$w/pipe.out" 2>"$w/pipe.err"
rc=$?
cat "$w/pipe.out" "$w/pipe.err" >>"$w/all.log"
if [ "$rc" -eq 0 ] && [ "$(jq -c '[.added, .deleted]' "$w/pipe.out")" = "[2,3]" ]
then ok "from a pipe, with ADDR:PORT: one update of three entries"
else notok "from a pipe, with ADDR:PORT: one update of three entries" \
    "rc $rc" "$(cat "$w/pipe.out" "$w/pipe.err")"; fi
expect_txt "one update: first name" "$N1" '"p1"'
expect_txt "one update: second name" "_acme-challenge.y.$Z" '"p2"'
if [ -z "$(tlsa "$N2")" ]; then ok "one update: TLSA RRset deleted"
else notok "one update: TLSA RRset deleted" "$(tlsa "$N2")"; fi
printf '%s\n' '{"replace": [{"name": "'$N1'", "type": "TXT", "values": ["stdin"]}]}' \
    >"$w/stdin.json"
run_in "$w/stdin.json" sslm-dnsupdate -s "$A" -p "$DNS_PORT" -z "$Z" \
    -k "$KNOTUP_KEY" -
cat "$T_OUT" "$T_ERR" >>"$w/all.log"
expect_rc 0 "from stdin (-): exit 0"
expect_txt "from stdin (-): applied" "$N1" '"stdin"'

# ---- other key file formats and hmac-sha512 --------------------------------------------------
(umask 077 && printf 'key "sslm-test-key." {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
    "$S" >"$w/bind.key")
upk '{"replace": [{"name": "'$N1'", "type": "TXT", "values": ["bind"]}]}' \
    -k "$w/bind.key"
expect_rc 0 "BIND key file: exit 0"
expect_txt "BIND key file: applied" "$N1" '"bind"'
(umask 077 && printf '# hmac-sha256:sslm-test-key.:%s\nkey:\n  - id: sslm-test-key.\n    algorithm: hmac-sha256\n    secret: %s\n' \
    "$S" "$S" >"$w/knot.key")
upk '{"replace": [{"name": "'$N1'", "type": "TXT", "values": ["knot"]}]}' \
    -k "$w/knot.key"
expect_rc 0 "Knot key file: exit 0"
expect_txt "Knot key file: applied" "$N1" '"knot"'
upk '{"replace": [{"name": "'$N1'", "type": "TXT", "values": ["sha512"]}]}' \
    -k "$KNOTUP_KEY512" -v
expect_rc 0 "hmac-sha512 key: exit 0"
expect_err_match "answer tsig verified" "hmac-sha512 key: answer TSIG verified (-v)"
expect_txt "hmac-sha512 key: applied" "$N1" '"sha512"'

# ---- refused updates ---------------------------------------------------------------------------
printf '%s\n' '{"replace": [{"name": "'$N1'", "type": "TXT", "values": ["evil"]}]}' \
    >"$w/evil.json"
up -s "$A" -p "$DNS_PORT" -z "$Z" "$w/evil.json"
expect_rc 3 "no key: exit 3"
expect_err_match "^sslm-dnsupdate: $Z at $A port $DNS_PORT: rcode (NOTAUTH|REFUSED)\$" \
    "no key: names the rcode"
expect_err_lines 1 "no key: one line"
expect_out_empty "no key: nothing on stdout"
expect_txt "no key: records unchanged" "$N1" '"sha512"'

wrong=$(openssl rand -base64 32)
(umask 077 && printf 'sslm-test-key. hmac-sha256 %s\n' "$wrong" >"$w/wrong.key")
up -s "$A" -p "$DNS_PORT" -z "$Z" -k "$w/wrong.key" "$w/evil.json"
expect_rc 3 "wrong secret: exit 3"
expect_err_match ": rcode NOTAUTH, tsig BADSIG\$" "wrong secret: NOTAUTH, BADSIG"
expect_out_empty "wrong secret: nothing on stdout"
(umask 077 && printf 'sslm-test-key. hmac-sha256 //8=\n' >"$w/slash.key")
up -s "$A" -p "$DNS_PORT" -z "$Z" -k "$w/slash.key" "$w/evil.json"
expect_err_match ": rcode NOTAUTH, tsig BADSIG\$" \
    "a secret starting with // is read (not a comment): BADSIG"
(umask 077 && printf 'no-such-key. hmac-sha256 %s\n' "$S" >"$w/other.key")
up -s "$A" -p "$DNS_PORT" -z "$Z" -k "$w/other.key" "$w/evil.json"
expect_rc 3 "unknown key name: exit 3"
expect_err_match ": rcode NOTAUTH, tsig BADKEY\$" "unknown key name: BADKEY"
(umask 077 && printf 'sslm-test-key. hmac-sha512 %s\n' "$S" >"$w/alg.key")
up -s "$A" -p "$DNS_PORT" -z "$Z" -k "$w/alg.key" "$w/evil.json"
expect_rc 3 "wrong algorithm for the key: exit 3"
expect_err_match ": rcode NOTAUTH, tsig BAD(KEY|SIG|ALG)\$" \
    "wrong algorithm for the key: a TSIG error"
expect_txt "refused updates: records unchanged" "$N1" '"sha512"'
printf '%s\n' '{"replace": [{"name": "www.example.test", "type": "TXT", "values": ["x"]}],
  "delete": [{"name": "'$N1'", "type": "TXT"}]}' >"$w/mixed.json"
up -s "$A" -p "$DNS_PORT" -z "$Z" -k "$KNOTUP_KEY" -t 3000 "$w/mixed.json"
expect_rc 0 "TXT at another name and a delete in one update: exit 0"
expect_txt "TXT at another name and a delete: the delete happened" "$N1"

# ---- key file checks: refused before any packet ----------------------------------------------------
# The server is a closed port: had a packet been sent, the message would
# be "connection refused".
closed=$(dns_free_port)
cp "$KNOTUP_KEY" "$w/open.key"
chmod 644 "$w/open.key"
up -s "$A" -p "$closed" -z "$Z" -k "$w/open.key" "$w/evil.json"
expect_rc 3 "key file 0644: exit 3"
expect_err_match "^sslm-dnsupdate: $w/open.key: mode 644: group or others" \
    "key file 0644: refused, names the mode"
expect_err_lines 1 "key file 0644: one line, no connection attempted"
chmod 640 "$w/open.key"
up -s "$A" -p "$closed" -z "$Z" -k "$w/open.key" "$w/evil.json"
expect_rc 3 "key file 0640: refused"
ln -s "$KNOTUP_KEY" "$w/link.key"
up -s "$A" -p "$closed" -z "$Z" -k "$w/link.key" "$w/evil.json"
expect_rc 3 "key file symlink: exit 3"
expect_err_match "link.key: a symbolic link" "key file symlink: refused"
mkdir "$w/dir.key"
chmod 700 "$w/dir.key"
up -s "$A" -p "$closed" -z "$Z" -k "$w/dir.key" "$w/evil.json"
expect_err_match "dir.key: not a regular file" "key directory: refused"
if [ "$(id -u)" -eq 0 ]; then
	cp "$KNOTUP_KEY" "$w/nobody.key"
	chown 65534 "$w/nobody.key"
	up -s "$A" -p "$closed" -z "$Z" -k "$w/nobody.key" "$w/evil.json"
	expect_err_match "nobody.key: owned by uid 65534, not by the caller" \
	    "key file of another user: refused"
else
	skip "key file of another user (needs root for chown)"
fi
up -s "$A" -p "$closed" -z "$Z" -k "$w/none.key" "$w/evil.json"
expect_rc 3 "missing key file: exit 3"
# bad_key WHAT CONTENT REGEX
bad_key() {
	(umask 077 && printf '%s\n' "$2" >"$w/bad.key")
	up -s "$A" -p "$closed" -z "$Z" -k "$w/bad.key" "$w/evil.json"
	expect_rc 3 "$1: exit 3"
	expect_err_match "^sslm-dnsupdate: $w/bad.key: $3" "$1: message"
}
bad_key "key: md5" "k. hmac-md5 $S" "algorithm not hmac-sha256"
bad_key "key: bad base64" "k. hmac-sha256 ab*d" "secret is not base64"
bad_key "key: two fields" "k. hmac-sha256" "no key name"
bad_key "key: two keys" "key \"a\" { algorithm hmac-sha256; secret \"$S\"; };
key \"b\" { algorithm hmac-sha256; secret \"$S\"; };" "one key expected"
bad_key "key: bad name" "a..b hmac-sha256 $S" "not a valid key name"
bad_key "key: empty" "" "no key name"

# ---- names, types and values -------------------------------------------------------------------------
# bad_input WHAT JSON REGEX: exit 3, message, nothing on stdout, nothing sent.
bad_input() {
	printf '%s\n' "$2" >"$w/bad.json"
	up -s "$A" -p "$closed" -z "$Z" -k "$KNOTUP_KEY" "$w/bad.json"
	expect_rc 3 "$1: exit 3"
	expect_err_match "^sslm-dnsupdate: $w/bad.json$3" "$1: message"
	expect_out_empty "$1: nothing on stdout"
}
R='{"replace": [{"name": '
bad_input "name outside the zone" "$R"'"x.other.test", "type": "TXT", "values": ["v"]}]}' \
    ': replace\[0\]\.name: not at or under the zone'
bad_input "name that only ends like the zone" "$R"'"xexample.test", "type": "TXT", "values": ["v"]}]}' \
    ': replace\[0\]\.name: not at or under the zone'
bad_input "invalid name" "$R"'"a..example.test", "type": "TXT", "values": ["v"]}]}' \
    ': replace\[0\]\.name: not a valid DNS name'
bad_input "type A" "$R"'"'$N1'", "type": "A", "values": ["1.2.3.4"]}]}' \
    ': replace\[0\]\.type: not TXT or TLSA'
bad_input "malformed TLSA" "$R"'"'$N2'", "type": "TLSA", "values": ["3 1 1 zz"]}]}' \
    ': replace\[0\]\.values\[0\]: not "usage selector mtype hex"'
bad_input "TLSA sha256 of the wrong length" "$R"'"'$N2'", "type": "TLSA", "values": ["3 1 1 abcd"]}]}' \
    ': replace\[0\]\.values\[0\]: not "usage'
bad_input "TLSA usage 4" "$R"'"'$N2'", "type": "TLSA", "values": ["4 1 1 '"$h1"'"]}]}' \
    ': replace\[0\]\.values\[0\]: not "usage'
bad_input "TXT over 4000 bytes" "$R"'"'$N1'", "type": "TXT", "values": ["'"$(python3 -c 'print("x" * 4001)')"'"]}]}' \
    ': replace\[0\]\.values\[0\]: holds NUL or is too long'
bad_input "TXT with NUL" "$R"'"'$N1'", "type": "TXT", "values": ["a\u0000b"]}]}' \
    ':[0-9]+:[0-9]+: '
bad_input "negative ttl" "$R"'"'$N1'", "type": "TXT", "ttl": -1, "values": ["v"]}]}' \
    ': replace\[0\]\.ttl: not an integer'
bad_input "ttl in a delete" '{"delete": [{"name": "'$N1'", "type": "TXT", "ttl": 5}]}' \
    ': delete\[0\]\.ttl: unknown key'
bad_input "replace without values" "$R"'"'$N1'", "type": "TXT"}]}' \
    ': replace\[0\]\.values: missing or not an array'
bad_input "unknown top key" '{"add": []}' ': add: unknown key'
bad_input "nothing to update" '{"replace": [], "delete": []}' \
    ': \(top\): nothing to update'
bad_input "not an object" '[1]' ': \(top\): not an object'
bad_input "syntax error" '{"replace": ' ':[0-9]+:[0-9]+: '
bad_input "truncated input" "$(head -c 40 "$w/evil.json")" ':[0-9]+:[0-9]+: '
python3 -c 'import sys; sys.stdout.write("{\"delete\": [" + " " * (1024 * 1024) + "]}")' \
    >"$w/big.json"
up -s "$A" -p "$closed" -z "$Z" "$w/big.json"
expect_rc 3 "input over 1 MiB: exit 3"
expect_err_match "big.json: larger than" "input over 1 MiB: message"
up -s "$A" -p "$closed" -z "bad..zone" "$w/evil.json"
expect_rc 3 "invalid zone name: exit 3"
up -s "ns1.example.test" -z "$Z" "$w/evil.json"
expect_rc 3 "server by host name: exit 3"
expect_err_match "ns1.example.test: not an IP address" "server by host name: refused"

# ---- network failures ---------------------------------------------------------------------------------
up -s "$A" -p "$closed" -z "$Z" -k "$KNOTUP_KEY" "$w/evil.json"
expect_rc 3 "closed port: exit 3"
expect_err_match ": connection refused\$" "closed port: connection refused"
python3 -c 'import socket, sys
s = socket.socket()
s.bind(("127.0.10.1", int(sys.argv[1])))
s.listen(4)
open(sys.argv[2], "w").close()
while True:
    c, _ = s.accept()' "$closed" "$w/tcphole.ready" </dev/null >/dev/null 2>&1 &
echo "$!" >"$w/tcphole.pid"
dns_poll 100 test -f "$w/tcphole.ready"
t0=$(date +%s%N)
up -s "$A" -p "$closed" -z "$Z" -k "$KNOTUP_KEY" -t 500 "$w/evil.json"
t1=$(date +%s%N)
expect_rc 3 "silent server: exit 3"
expect_err_match ": timeout\$" "silent server: timeout"
el=$(((t1 - t0) / 1000000))
if [ "$el" -ge 450 ] && [ "$el" -lt 3000 ]; then ok "silent server: bounded by -t (${el} ms)"
else notok "silent server: bounded by -t" "${el} ms"; fi
kill "$(cat "$w/tcphole.pid")" && rm -f "$w/tcphole.pid"

# ---- forged answers: a fake server that echoes the update as an answer -------------------------------
# fake MODE: "echo" keeps the request's TSIG (its MAC is not a response
# MAC), "strip" answers NOERROR without any TSIG.
fake() {
	rm -f "$w/fake.ready"
	python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.10.1", int(sys.argv[1])))
s.listen(4)
open(sys.argv[3], "w").close()
c, _ = s.accept()
n = int.from_bytes(c.recv(2, socket.MSG_WAITALL), "big")
m = bytearray(c.recv(n, socket.MSG_WAITALL))
m[2] |= 0x80
if sys.argv[2] == "strip":
    o = 12
    while m[o]:
        o += m[o] + 1
    m = m[:o + 5]
    m[6:12] = bytes(6)
c.sendall(len(m).to_bytes(2, "big") + m)
c.close()' "$closed" "$1" "$w/fake.ready" </dev/null >/dev/null 2>&1 &
	echo "$!" >"$w/tcphole.pid"
	dns_poll 100 test -f "$w/fake.ready"
}
fake echo
up -s "$A" -p "$closed" -z "$Z" -k "$KNOTUP_KEY" "$w/evil.json"
expect_rc 3 "forged answer MAC: exit 3"
expect_err_match ": tsig of the answer does not verify\$" "forged answer MAC: refused"
expect_out_empty "forged answer MAC: nothing on stdout"
wait "$(cat "$w/tcphole.pid")" 2>/dev/null; rm -f "$w/tcphole.pid"
fake strip
up -s "$A" -p "$closed" -z "$Z" -k "$KNOTUP_KEY" "$w/evil.json"
expect_rc 3 "unsigned NOERROR answer: exit 3"
expect_err_match ": answer not signed\$" "unsigned NOERROR answer: refused"
wait "$(cat "$w/tcphole.pid")" 2>/dev/null; rm -f "$w/tcphole.pid"
fake strip
up -s "$A" -p "$closed" -z "$Z" "$w/evil.json"
expect_rc 0 "unsigned answer to an unsigned update: accepted"
wait "$(cat "$w/tcphole.pid")" 2>/dev/null; rm -f "$w/tcphole.pid"

# ---- the secret never shows ------------------------------------------------------------------------------
if grep -qF -e "$S" -e "$KNOTUP_SECRET512" -e "$wrong" "$w/all.log"; then
	notok "no secret in any stdout or stderr" "found in $w/all.log"
elif [ -s "$w/all.log" ]; then
	ok "no secret in any stdout or stderr ($(wc -l <"$w/all.log") lines checked)"
else
	notok "no secret in any stdout or stderr" "no output captured"
fi
