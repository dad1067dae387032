# A Knot primary on loopback that accepts RFC 2136 updates signed with a
# TSIG key (sourced, POSIX sh; needs tests/env/dns.sh for dns_free_port,
# dns_poll and dns_kill).
#
# The zone example.test on 127.0.10.1 at a free high port, loaded from a
# zone file, with an ACL that allows updates of TXT and TLSA records
# signed with the key "sslm-test-key." (hmac-sha256) or "sslm-test-512."
# (hmac-sha512), both with fresh random secrets.
#
#   knotup_start DIR     write the key, the config and the zone, start
#                        knotd, poll until it serves the zone; sets
#                        DNS_DIR, DNS_PORT, KNOTUP_SECRET and KNOTUP_KEY
#                        (a key file "name algorithm secret", mode 0600),
#                        KNOTUP_SECRET512 and KNOTUP_KEY512 (the same for
#                        the hmac-sha512 key)
#   knotup_stop          stop knotd (by pid)
#
# Return status: 0 ok, 1 failure (with a reason on stderr).

KNOTUP_ZONE=example.test
KNOTUP_ADDR=127.0.10.1
KNOTUP_KEYNAME=sslm-test-key.
KNOTUP_KEYNAME512=sslm-test-512.

knotup_has_zone() {
	[ -n "$(dig @"$KNOTUP_ADDR" -p "$DNS_PORT" +norecurse +time=1 \
	    +tries=1 +short "$KNOTUP_ZONE" SOA 2>/dev/null)" ]
}

knotup_start() {
	DNS_DIR=$1
	_kd=$DNS_DIR/knot
	mkdir -p "$_kd/db" "$_kd/zones" || return 1
	DNS_PORT=$(dns_free_port) || { echo "knot: no free port" >&2; return 1; }
	KNOTUP_SECRET=$(openssl rand -base64 32) || return 1
	KNOTUP_SECRET512=$(openssl rand -base64 64 | tr -d '\n') || return 1
	KNOTUP_KEY=$DNS_DIR/tsig.key
	KNOTUP_KEY512=$DNS_DIR/tsig512.key
	(umask 077 && printf '%s hmac-sha256 %s\n' "$KNOTUP_KEYNAME" \
	    "$KNOTUP_SECRET" >"$KNOTUP_KEY" &&
	    printf '%s hmac-sha512 %s\n' "$KNOTUP_KEYNAME512" \
	    "$KNOTUP_SECRET512" >"$KNOTUP_KEY512") || return 1
	cat >"$_kd/zones/$KNOTUP_ZONE.zone" <<EOF
\$ORIGIN $KNOTUP_ZONE.
\$TTL 60
@	IN SOA ns1 hostmaster 2024010100 3600 600 86400 60
@	IN NS ns1
ns1	IN A $KNOTUP_ADDR
www	IN A 127.0.10.80
_acme-challenge.kept IN TXT "unrelated"
EOF
	(umask 077 && cat >"$_kd/knot.conf" <<EOF
server:
    rundir: "$_kd"
    pidfile: "$_kd/knot.pid"
    listen: $KNOTUP_ADDR@$DNS_PORT
database:
    storage: "$_kd/db"
control:
    listen: "$_kd/knot.sock"
log:
  - target: "$_kd/knot.log"
    any: info
key:
  - id: $KNOTUP_KEYNAME
    algorithm: hmac-sha256
    secret: $KNOTUP_SECRET
  - id: $KNOTUP_KEYNAME512
    algorithm: hmac-sha512
    secret: $KNOTUP_SECRET512
acl:
  - id: update_with_key
    key: [$KNOTUP_KEYNAME, $KNOTUP_KEYNAME512]
    action: update
    update-type: [TXT, TLSA]
zone:
  - domain: $KNOTUP_ZONE
    storage: "$_kd/zones"
    file: "$KNOTUP_ZONE.zone"
    acl: update_with_key
    zonefile-sync: -1
    journal-content: changes
EOF
	) || return 1
	knotd -c "$_kd/knot.conf" </dev/null >"$_kd/stdout" 2>&1 &
	echo "$!" >"$DNS_DIR/knot.pid"
	dns_poll 200 knotup_has_zone || {
		echo "knot: does not serve the zone: $(tail -3 \
		    "$_kd/knot.log" "$_kd/stdout" 2>/dev/null)" >&2
		return 1
	}
}

knotup_stop() {
	[ -n "${DNS_DIR:-}" ] || return 0
	dns_kill knot
}
