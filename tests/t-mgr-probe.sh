#!/bin/sh
# The sourced tests/env files set t_start, w, zone, DNS_PORT and
# DANE_RESOLVER; shellcheck cannot follow sources under "$SSLM_TOP".
# shellcheck disable=SC2154,SC2153,SC2034
# A DANE roll proves itself at the servers (issue 13, item 2): after the
# reloads of a roll sslm-mgr probes every server of the service
# (sslm-probe, through the validating unbound) and withdraws the old
# TLSA record only when each presents the new curr.  A server that was
# not reloaded keeps the old record in the apex file and in DNS, the run
# exits non-zero naming it, every later cron run probes again, and the
# first run after the operator's reload withdraws the record.  The twins:
# a reloaded server (withdrawn at once), probe_dane = false (the old
# behaviour), -s --probe with and without a mismatch, a dead server, bad
# probe entries.  Oracles: dig at each authoritative server, ldns-dane
# verify through unbound, openssl s_client for what the server presents,
# jq.  Every sslm-mgr runs as cron runs it: env -i PATH=/usr/bin:/bin.
. "$SSLM_TOP/tests/lib.sh"
. "$SSLM_TOP/tests/env/dns.sh"
. "$SSLM_TOP/tests/env/dane.sh"
. "$SSLM_TOP/tests/env/dane-mgr.sh"

dane_test_init

if [ "$(id -u)" -ne 0 ]; then
	skip "sslm-mgr probes: unbound needs port 53 and sslm-mgr reloads servers only as root"
	exit 0
fi

DANE_PORT=$(dane_free_port)
P=$DANE_PORT
if dane_zone_up "$w/dns" 2>"$w/env.err" &&
    dane_unbound_start "$w/unbound" 2>>"$w/env.err"; then
	ok "signed $zone on NSD and Knot, validated by unbound on $DANE_RESOLVER"
else
	notok "signed $zone on NSD and Knot, validated by unbound" \
	    "$(cat "$w/env.err")"
	exit 1
fi
DANE_TLS_ON=1
DANE_VERIFY_ON=1
calls=$w/calls
: >"$calls"
dane_mail_store probe 1 "$calls" detach
t=${t:?}
c=$t/certs
M=$c/$zone/mail
apexf=$c/$zone/tlsa.$zone
mkdir -p "$w/home"

# cron ARGS...: the installed sslm-mgr as cron runs it.
cron() {
	env -i ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
	    PATH=/usr/bin:/bin HOME="$w/home" SSL_MGR_TOPDIR="$t" \
	    SSLM_NSCHECK_OPTS="-p $DNS_PORT" SSLM_DANE_WAIT=3 \
	    SSLM_PROBE_OPTS="-t 3" "$SSLM_BIN/sslm-mgr" "$@" \
	    >"$T_OUT" 2>"$T_ERR"
	T_RC=$?
}
# apex_has HASH...: the apex file holds exactly these 3 1 1 hashes.
apex_has() {
	_want=$(printf '%s\n' "$@" | sort)
	_got=$(awk '/^;/ { next } /TLSA/ { print tolower($NF) }' "$apexf" |
	    sort -u)
	[ "$_got" = "$_want" ]
}
# verify_ok: ldns-dane, through unbound, accepts the server at the SAN.
verify_ok() {
	ldns-dane -r "$DANE_RESOLVER" verify "mail.$zone" "$P" \
	    >"$w/dane.out" 2>&1
}
# roll_until: -roll until it rolls (the 2 x TTL gate is 2 s), bounded by
# 30 s of wall time; the last run's output stays in T_OUT.
roll_until() {
	_dl=$(($(date +%s) + 30))
	while [ "$(date +%s)" -le "$_dl" ]; do
		cron -roll "$zone:mail"
		grep -q 'rolled:' "$T_OUT" && return 0
		# Refused for the gate (exit 0), or for a probe still pending.
		grep -q 'roll refused' "$T_OUT" || return 1
	done
	return 1
}

# ---- bad probe entries: one line naming the file and line, nothing done ---------
cp "$t/conf.d/ssl-mgr.conf" "$w/conf.good"
sed -i "s|^    probe = \[.*|    probe = ['mail.$zone']|" "$t/conf.d/ssl-mgr.conf"
cron -renew
expect_rc 3 "a probe entry without a port: exit 3"
expect_err_match "ssl-mgr.conf:[0-9]+: smtp.probe: \"mail.$zone\" is not host:port" \
    "a probe entry without a port: the file, line and entry are named"
chk "a probe entry without a port: no store made" test ! -e "$M"
sed -i "s|^    probe = \[.*|    probe = ['mail.$zone:25@mail.$zone']|" "$t/conf.d/ssl-mgr.conf"
cron -renew
expect_rc 3 "a probe entry reaching a name after @: exit 3"
expect_err_match "smtp.probe: \"mail.$zone:25@mail.$zone\": after @: not an IP address" \
    "a probe entry reaching a name after @: named"
cp "$w/conf.good" "$t/conf.d/ssl-mgr.conf"
sed -i "s|^    probe_resolver = .*|    probe_resolver = 'unbound'|" "$t/conf.d/ssl-mgr.conf"
cron -s
expect_rc 3 "probe_resolver not an address: exit 3"
expect_err_match "probe_resolver: \"unbound\" is not an IP address" \
    "probe_resolver not an address: named"
cp "$w/conf.good" "$t/conf.d/ssl-mgr.conf"
run env SSL_MGR_TOPDIR="$t" "$SSLM_BIN/sslm-mgr" -renew --probe
expect_rc 2 "--probe without -s: usage error"

# A second service of the group, without DANE, that the [smtp] class
# (svc_depends mail) does not serve.
sed -e "s/^service = 'mail'/service = 'web'/" -e "/^dane_tls/d" \
    -e "s/mail\.$zone/www.$zone/g" "$t/conf.d/$zone/mail" >"$t/conf.d/$zone/web"
sed -i "s/^    services = \['mail'\]/    services = ['mail', 'web']/" \
    "$t/conf.d/ssl-mgr.conf"
cp "$t/conf.d/ssl-mgr.conf" "$w/conf.good"

# ---- bootstrap: the first curr is probed too -----------------------------------------
run env PATH="$SSLM_BIN:/usr/bin:/bin" SSL_MGR_TOPDIR="$t" \
    sh "$SSLM_TOP/examples/ca-self/make-ca" root
expect_rc 0 "make-ca root"
cron -renew
expect_rc 0 "bootstrap renew: exit 0"
cron -roll
expect_rc 0 "bootstrap roll: exit 0"
h1=$(dane_spki "$M/curr/cert.pem")
chk "bootstrap roll: the server was probed and presents curr" \
    grep -q "probe: $zone:mail: mail.$zone:$P \[127.0.0.1\]: presents curr, DANE 3 1 1 matched" "$T_OUT"
chk "bootstrap roll: mx1 probed at the address its entry names" \
    grep -q "probe: $zone:mail: mx1.$zone:$P \[127.0.0.1\]: presents curr" "$T_OUT"
chk "bootstrap roll: nothing left pending" test ! -e "$M/.probe-pending"
chk "bootstrap roll: web (no DANE, no class probes it) rolled, unprobed" \
    sh -c "test -L '$c/$zone/web/curr' && ! test -e '$c/$zone/web/.probe-pending' &&
    ! grep -q 'probe: $zone:web' '$T_OUT'"
cron -s --probe --json
expect_rc 0 "bootstrap: -s --probe --json: exit 0"
expect_jq "[.services[] | select(.service == \"web\") | .probe[]] == [] and
    [.services[] | select(.service == \"mail\") | .probe[] | .verdict] ==
    [\"ok\", \"ok\"]" "bootstrap: -s --probe --json: mail's two servers ok, web has none"
dns_sync
dane_served "bootstrap: both servers serve curr's record" "$h1"
chk "bootstrap: ldns-dane accepts the server" verify_ok

# ---- a roll whose server is not reloaded --------------------------------------------------
cron -renew -f "$zone:mail"
expect_rc 0 "renew -f: exit 0"
h2=$(dane_spki "$M/next/cert.pem")
chk "renew -f: next has a new key" test -n "$h2" -a "$h2" != "$h1"
dns_sync
dane_served "renew: both servers serve curr + next" "$h1" "$h2"
old=$(readlink "$M/curr")
# The mail server's reload command "forgets" to reload.
cp "$w/smtp-restart" "$w/smtp-restart.real"
printf '#!/bin/sh\necho "$*" >>%s\nexit 0\n' "$calls" >"$w/smtp-restart"
: >"$calls"
if roll_until; then ok "roll (server not reloaded): rolled"; else
	notok "roll (server not reloaded): rolled" "$(cat "$T_OUT" "$T_ERR")"; fi
expect_rc 3 "roll (server not reloaded): exit 3"
expect_err_match "sslm-mgr: $zone:mail: mail.$zone:$P \[127.0.0.1\]: presents another certificate than curr" \
    "roll (server not reloaded): the server and address are named"
expect_err_match "sslm-mgr: $zone:mail: a server does not present curr: the TLSA records of $old stay" \
    "roll (server not reloaded): says the old records stay"
chk "roll (server not reloaded): curr is the new set" \
    test "$(dane_spki "$M/curr/cert.pem")" = "$h2"
chk "roll (server not reloaded): the old set is held in .probe-pending" \
    test "$(cat "$M/.probe-pending")" = "$old"
chk "roll (server not reloaded): the old set is still in the store" \
    test -s "$M/$old/tlsa.rr"
chk "roll (server not reloaded): the apex file keeps both records" apex_has "$h1" "$h2"
chk "roll (server not reloaded): the apex file labels the old one held" \
    grep -q "^;; mail held\$" "$apexf"
dane_served "roll (server not reloaded): DNS keeps both records" "$h1" "$h2"
chk "roll (server not reloaded): the server still presents the old key (s_client)" \
    test "$(dane_presented "$P")" = "$h1"
chk "roll (server not reloaded): ldns-dane still accepts the server" verify_ok
chk "roll (server not reloaded): .last-run records the failure" \
    grep -q "^$zone	mail	[0-9]*	failed\$" "$c/.last-run"

# -s --probe shows it, changes nothing.
# tree_sum: every path of the store with its mode, size and mtime.
tree_sum() {
	find "$c" -printf '%p %m %s %T@ %l\n' | sort | cksum
}
before=$(tree_sum)
cron -s --probe
expect_rc 1 "-s --probe, server behind: exit 1"
chk "-s --probe, server behind: a line names the server and what it presents" \
    grep -q "^probe: $zone:mail: mail.$zone:$P \[127.0.0.1\]: bad: presents another certificate than curr (SPKI $(printf '%.16s' "$h1")\.\.\.)" "$T_OUT"
cron -s --probe --json
expect_rc 1 "-s --probe --json, server behind: exit 1"
expect_jq "[.services[] | select(.service == \"mail\") | .probe[] |
    select(.server == \"mail.$zone:$P\" and .address == \"127.0.0.1\") |
    .verdict] == [\"bad\"]" "-s --probe --json: the verdict per server and address"
expect_jq "[.services[] | select(.service == \"mail\") | .probe[] |
    select(.server == \"mail.$zone:$P\") | [.leaf.spki_sha256, .expect_match,
    .tlsa]] == [[\"$(dane_presented "$P")\", false, \"secure\"]]" \
    "-s --probe --json: what is served (the key s_client sees), not curr, TLSA secure"
chk "-s --probe: the store did not change" \
    test "$(tree_sum)" = "$before"

# The next cron run (nothing due) probes again and keeps the records.
cron -renew
expect_rc 3 "cron renew, server still behind: exit 3"
expect_err_match "mail.$zone:$P \[127.0.0.1\]: presents another certificate than curr" \
    "cron renew, server still behind: named again"
chk "cron renew, server still behind: the records stay" apex_has "$h1" "$h2"
chk "cron renew, server still behind: still pending" test -s "$M/.probe-pending"
# A second roll while the server is still behind: both old sets are
# held, and cleaning keeps the older one too, though no link names it.
cron -renew -f "$zone:mail"
expect_rc 3 "renew -f, server still behind: exit 3 (the probe again)"
h2b=$(dane_spki "$M/next/cert.pem")
dns_sync
old2=$(readlink "$M/curr")
if roll_until; then ok "second roll, server still behind: rolled"; else
	notok "second roll, server still behind: rolled" "$(cat "$T_OUT" "$T_ERR")"; fi
expect_rc 3 "second roll, server still behind: exit 3"
chk "second roll: .probe-pending holds both old sets" \
    test "$(cat "$M/.probe-pending")" = "$(printf '%s\n%s' "$old" "$old2")"
chk "second roll: the apex file keeps all three records" apex_has "$h1" "$h2" "$h2b"
dns_sync
dane_served "second roll: DNS keeps all three records" "$h1" "$h2" "$h2b"
chk "second roll: ldns-dane still accepts the server" verify_ok
# Two sets nothing uses (each next replaced by the next renew -f); a run
# for the CA alone probes nothing, so it cleans, and -clean-all reaches
# every service: the older unused set goes, the held ones stay though
# no link names the older.
cron -renew -f "$zone:mail"
n1=$(readlink "$M/next")
cron -renew -f "$zone:mail"
n2=$(readlink "$M/next")
cron -renew -f "$zone:mail"
h2c=$(dane_spki "$M/next/cert.pem")
chk "three renews -f: three new sets" \
    test -n "$n1" -a -n "$n2" -a "$n1" != "$n2" -a "$(readlink "$M/next")" != "$n2"
cron -renew -clean-all --clean-keep 1 ca:my-int
expect_rc 0 "a renew of ca:my-int -clean-all --clean-keep 1: exit 0"
chk "-clean-all --clean-keep 1: the older unused set of mail was cleaned" \
    test ! -e "$M/$n1" -a -d "$M/$n2"
chk "-clean-all --clean-keep 1: the older held set is kept (no link names it)" \
    test -d "$M/$old" -a "$(readlink "$M/prev")" != "$old"
dns_sync
old3=$(readlink "$M/curr")
if roll_until; then ok "third roll, server still behind: rolled"; else
	notok "third roll, server still behind: rolled" "$(cat "$T_OUT" "$T_ERR")"; fi
chk "third roll: the apex file keeps all four records" \
    apex_has "$h1" "$h2" "$h2b" "$h2c"
h2=$h2c
old="$old $old2 $old3"

# ---- the operator reloads; the next cron run withdraws -------------------------------------
cp "$w/smtp-restart.real" "$w/smtp-restart"
"$w/smtp-restart" smtp >"$w/env.err" 2>&1
chk "reload by hand: the server presents the new curr (s_client)" \
    test "$(dane_presented "$P")" = "$h2"
cron -s --probe --json
expect_rc 0 "-s --probe --json, server reloaded: exit 0"
expect_jq "[.services[] | select(.service == \"mail\") | .probe[] | .verdict] |
    length == 2 and all(. == \"ok\")" "-s --probe --json: both servers ok"
expect_jq "[.services[] | select(.service == \"mail\") | .probe[] |
    [.leaf.spki_sha256, .expect_match, .dane_matched]] | unique ==
    [[\"$(dane_presented "$P")\", true, \"3 1 1 $(dane_presented "$P")\"]]" \
    "-s --probe --json: both present the key s_client sees, curr, and its 3 1 1 record matched"
: >"$calls"
cron -renew
expect_rc 0 "cron renew after the reload: exit 0"
chk "cron renew after the reload: the old records go" \
    grep -q "probe: $zone:mail: every server presents curr: the TLSA records of $old go" "$T_OUT"
chk "cron renew after the reload: the apex file has only the new record" apex_has "$h2"
chk "cron renew after the reload: nothing pending" test ! -e "$M/.probe-pending"
chk "cron renew after the reload: the DNS refresh ran" \
    grep -qx -- "--serial_bump $zone" "$calls"
dns_sync
dane_served "cron renew after the reload: DNS serves only the new record" "$h2"
chk "cron renew after the reload: ldns-dane accepts the server" verify_ok
cron -renew
expect_rc 0 "the next cron run: exit 0"
chk "the next cron run: no probe (nothing pending)" sh -c "! grep -q probe: '$T_OUT'"

# ---- the twin: a roll whose server reloads withdraws in the same run -----------------------
cron -renew -f "$zone:mail"
h3=$(dane_spki "$M/next/cert.pem")
dns_sync
old=$(readlink "$M/curr")
: >"$calls"
if roll_until; then ok "roll (server reloaded): rolled"; else
	notok "roll (server reloaded): rolled" "$(cat "$T_OUT" "$T_ERR")"; fi
expect_rc 0 "roll (server reloaded): exit 0"
chk "roll (server reloaded): reload, then one DNS refresh" \
    test "$(cat "$calls")" = "$(printf 'smtp\n--serial_bump %s' "$zone")"
chk "roll (server reloaded): the apex file has only the new record" apex_has "$h3"
chk "roll (server reloaded): nothing pending" test ! -e "$M/.probe-pending"
dns_sync
dane_served "roll (server reloaded): DNS serves only the new record" "$h3"
chk "roll (server reloaded): ldns-dane accepts the server" verify_ok

# ---- a record that never reached DNS: the resolver's RRset matches nothing ----------------
# The DNS restart "forgets" to publish; a forced roll reloads the server
# with a key no published record names.
cp "$w/dns-restart" "$w/dns-restart.real"
printf '#!/bin/sh\necho "$*" >>%s\nexit 0\n' "$calls" >"$w/dns-restart"
cron -renew -f "$zone:mail"
hx=$(dane_spki "$M/next/cert.pem")
chk "DNS not refreshed: the primary does not serve next's record (dig)" \
    sh -c "! dig @$DNS_PRIMARY -p $DNS_PORT +norecurse +short _$P._tcp.mail.$zone TLSA |
    tr -d ' ' | tr 'A-F' 'a-f' | grep -q '$hx'"
oldx=$(readlink "$M/curr")
cron -roll -f "$zone:mail"
expect_rc 3 "roll -f, record not in DNS: exit 3"
expect_err_match "mail.$zone:$P \[127.0.0.1\]: DANE: no published TLSA record matches" \
    "roll -f, record not in DNS: the server and the reason are named"
chk "roll -f, record not in DNS: the old records are held" \
    test "$(cat "$M/.probe-pending")" = "$oldx"
chk "roll -f, record not in DNS: the server presents the new curr (s_client)" \
    test "$(dane_presented "$P")" = "$hx"
chk "roll -f, record not in DNS: ldns-dane rejects the server too" \
    sh -c "! ldns-dane -r $DANE_RESOLVER verify mail.$zone $P >/dev/null 2>&1"
# The zone gets the records (the restart_cmd by hand); once unbound
# serves the new record, the next cron run withdraws the old.
cp "$w/dns-restart.real" "$w/dns-restart"
"$w/dns-restart" --serial_bump "$zone" >"$w/env.err" 2>&1
dns_sync
# unbound_has HASH: the validating resolver's TLSA answer names HASH.
unbound_has() {
	dig @"$DANE_RESOLVER" +short "_$P._tcp.mail.$zone" TLSA | tr -d ' ' |
	    tr 'A-F' 'a-f' | grep -q "$1"
}
chk "DNS refreshed by hand: unbound serves the new record" dns_poll 100 unbound_has "$hx"
cron -renew
expect_rc 0 "cron renew, record now in DNS: exit 0"
chk "cron renew, record now in DNS: the old records go" apex_has "$hx"
chk "cron renew, record now in DNS: nothing pending" test ! -e "$M/.probe-pending"
chk "cron renew, record now in DNS: ldns-dane accepts the server" verify_ok

# ---- a server that does not answer -------------------------------------------------------
dane_tls_stop "$w/tls"
cron -s --probe
expect_rc 3 "-s --probe, server down: exit 3"
chk "-s --probe, server down: the reason names the connection" \
    grep -q "^probe: $zone:mail: mail.$zone:$P \[127.0.0.1\]: error: connect: " "$T_OUT"
"$w/smtp-restart" smtp >"$w/env.err" 2>&1

# ---- without a resolver: curr's records must be on every authoritative server -------------
# Both servers at their address: no name goes to the system resolver.
cp "$t/conf.d/ssl-mgr.conf" "$w/conf.res"
sed -i -e "/^    probe_resolver = /d" -e "s|^    probe = \[.*|    probe = ['mail.$zone:$P@127.0.0.1', 'mx1.$zone:$P@127.0.0.1']|" \
    "$t/conf.d/ssl-mgr.conf"
if dns_freeze; then ok "no resolver: secondary frozen"; else notok "no resolver: secondary frozen"; fi
# A forced roll with the secondary still without the new record: the
# server reloads, yet a DANE client asking the secondary finds no match.
cron -renew -f "$zone:mail"
expect_rc 0 "no resolver: renew -f, secondary frozen: exit 0"
h3=$(dane_spki "$M/next/cert.pem")
cron -roll -f "$zone:mail"
expect_rc 3 "no resolver, record missing on the secondary: exit 3"
expect_err_match "curr TLSA records not on every authoritative server: .*ns2.$zone" \
    "no resolver, record missing on the secondary: the secondary is named"
chk "no resolver, record missing on the secondary: the old records stay" \
    test -s "$M/.probe-pending"
chk "no resolver, record missing on the secondary: the server presents curr (s_client)" \
    test "$(dane_presented "$P")" = "$h3"
if dns_thaw && dns_sync; then ok "no resolver: secondary thawed"; else notok "no resolver: secondary thawed"; fi
cron -renew
expect_rc 0 "no resolver, secondary caught up: the cron run withdraws: exit 0"
chk "no resolver, secondary caught up: nothing pending" test ! -e "$M/.probe-pending"
chk "no resolver, secondary caught up: the apex file has only the new record" apex_has "$h3"
dns_sync
dane_served "no resolver, secondary caught up: DNS serves only the new record" "$h3"
cp "$w/conf.res" "$t/conf.d/ssl-mgr.conf"

# ---- dev -certs-prod and -fsr probe every service of the run ------------------------------
dane_tls_start "$w/tls" "$P" "$M/prev/cert.pem" "$M/prev/privkey.pem" \
    2>"$w/env.err"
chk "a server back on the old certificate (s_client)" \
    test "$(dane_presented "$P")" = "$(dane_spki "$M/prev/cert.pem")"
cron dev -certs-prod "$zone:mail"
expect_rc 3 "dev -certs-prod, server on the old certificate: exit 3"
expect_err_match "mail.$zone:$P \[127.0.0.1\]: presents another certificate than curr" \
    "dev -certs-prod: the server is named"
chk "dev -certs-prod: the next run is asked to probe again" \
    test -e "$M/.probe-pending" -a ! -s "$M/.probe-pending"
chk "dev -certs-prod: no records held (none were withdrawn)" apex_has "$h3"
cron dev -fsr -dns "$zone:mail"
expect_rc 0 "dev -fsr -dns (the server reloads): exit 0"
chk "dev -fsr: the server was probed and presents curr" \
    grep -q "probe: $zone:mail: mail.$zone:$P \[127.0.0.1\]: presents curr" "$T_OUT"
chk "dev -fsr: nothing pending" test ! -e "$M/.probe-pending"

# ---- without class lists: the owners of the TLSA records; probe_dane = false ---------------
sed -i "/^    probe = \[/d" "$t/conf.d/ssl-mgr.conf"
cron -s --probe --json
owners=$(awk '/^;/ { next } /TLSA/ { o = tolower($1); sub(/\.$/, "", o)
    split(o, l, "."); h = substr(o, length(l[1]) + length(l[2]) + 3)
    if (h != "'"$zone"'") print h ":" substr(l[1], 2) }' "$M/curr/tlsa.rr" |
    sort -u | tr '\n' ' ')
chk "no class list: the servers are the TLSA owners but the apex ($owners)" \
    test "$(jq -r '[.services[] | select(.service == "mail") | .probe[] |
    .server] | unique | join(" ")' "$T_OUT") " = "$owners"
sed -i "s|^    probe_resolver = .*|&\n    probe_dane = false|" "$t/conf.d/ssl-mgr.conf"
cron -s --probe --json
expect_rc 0 "probe_dane = false: -s --probe exits 0"
expect_jq '[.services[] | select(.service == "mail") | .probe[]] == []' \
    "probe_dane = false: no server to probe"
cron -renew -f "$zone:mail"
h4=$(dane_spki "$M/next/cert.pem")
dns_sync
printf '#!/bin/sh\necho "$*" >>%s\nexit 0\n' "$calls" >"$w/smtp-restart"
if roll_until; then ok "probe_dane = false: rolled"; else
	notok "probe_dane = false: rolled" "$(cat "$T_OUT" "$T_ERR")"; fi
expect_rc 0 "probe_dane = false, server not reloaded: exit 0 (not probed)"
chk "probe_dane = false: the old record goes at once" apex_has "$h4"
chk "probe_dane = false: nothing pending" test ! -e "$M/.probe-pending"
