# ACME Renewal Information (RFC 9773) for tests (sourced, POSIX sh, after
# tests/env/pebble.sh): a reverse proxy that adds renewalInfo to an ACME
# server without it (Pebble 2.4.0), and the certificate identifier.  The
# Python side is tests/env/ari.py.
#
#   ari_cert_id CERT            print the ARI certID of CERT (parsed from
#                               its DER by ari.py, not by openssl or sslm).
#   ari_proxy_start DIR CA URL  the proxy on 127.0.0.1:<free port> with the
#                               server certificate of pebble_ca directory
#                               CA, in front of the ACME directory URL;
#                               DIR/url is its own directory URL.  Polls
#                               until it answers.
#   ari_proxy_window DIR START END RETRY-AFTER [EXPLANATION-URL]
#                               what renewalInfo answers from now on (RFC
#                               3339 times; RETRY-AFTER empty for none).
#   ari_proxy_garbage DIR       renewalInfo answers malformed JSON.
#   ari_proxy_count DIR KIND    how many renewalInfo GETs (KIND
#                               renewalInfo) the proxy has answered, or
#                               orders (newOrder) it has seen created (201:
#                               a request refused for a bad nonce and sent
#                               again counts once).
#   ari_proxy_orders DIR        the payload of every order created, one
#                               JSON object a line.
#   ari_proxy_stop DIR

ari_cert_id() {
	python3 "$SSLM_TOP/tests/env/ari.py" certid "$1"
}

# _ari_control DIR JSON: replace the proxy's control file in one rename.
_ari_control() {
	printf '%s\n' "$2" >"$1/control.tmp" && mv "$1/control.tmp" "$1/control"
}

ari_proxy_start() {
	mkdir -p "$1" || return 1
	: >"$1/log"
	_ari_control "$1" '{"garbage": true}' || return 1
	_ap=$(pebble_free_port) || return 1
	python3 "$SSLM_TOP/tests/env/ari.py" proxy "$_ap" "$2/server.pem" \
	    "$2/server.key" "$3" "$2/ca.pem" "$1" >"$1/proxy.log" 2>&1 &
	echo $! >"$1/pid"
	echo "https://127.0.0.1:$_ap/dir" >"$1/url"
	echo "$2/ca.pem" >"$1/cafile"
	_pebble_poll 100 curl -sf --cacert "$2/ca.pem" "$(cat "$1/url")"
}

ari_proxy_window() {
	_ari_control "$1" "$(jq -cn --arg s "$2" --arg e "$3" --arg r "$4" \
	    --arg x "${5:-}" '{start: $s, end: $e,
	    retry_after: (if $r == "" then null else ($r | tonumber) end),
	    explanation: (if $x == "" then null else $x end)}')"
}

ari_proxy_garbage() {
	_ari_control "$1" '{"garbage": true}'
}

ari_proxy_count() {
	jq -r --arg k "$2" 'select(.kind == $k and (.status // 201) == 201) |
	    .kind' "$1/log" | wc -l
}

ari_proxy_orders() {
	jq -c 'select(.kind == "newOrder" and .status == 201) | .payload' \
	    "$1/log"
}

ari_proxy_stop() {
	_pebble_kill "$1/pid"
}
