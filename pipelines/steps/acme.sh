# shellcheck shell=sh
# SC2154/SC2034: the state of the run (options, tables, the service in
# hand) is set and used across sslm-mgr and its steps, listed below;
# sslm-mgr sources this file, and the lint checks it there too.
# shellcheck disable=SC2154,SC2034
# SPDX-License-Identifier: MIT
#
# acme.sh: the ACME orders of the run, batched: make_set finds the
# account (acme_order: sslm-acme-account, which asks the server only for
# a new account) and records each pending order (acme_pending); acme_batch
# then places every order in one sslm-acme-order batch-order (the orders
# of one directory share its directory fetch and nonces, at most
# [globals] acme_parallel requests in flight), publishes every challenge
# at once (http-01 files on the web servers, dns-01 records in acme_dir
# and by RFC 2136), one DNS restart, one wait (sslm-nscheck), finishes
# every order in one batch-finish, then per order sslm-chainbuild and
# make_tlsa, and takes the answers away.  Each order fails alone.
# Sourced by sslm-mgr.
#
# Reads:   svc (.signer, .x509.email), the account dir <sdir>/acme (or
#          acme.test), $conf (web servers, dns_check_delay, dns_xtra_ns),
#          $tmp/acme_dirs, $tmp/acme.pending and $tmp/acme.<n>.{vars,svc}.
# Writes:  <sdir>/acme*/ (account), <new>/order.json, the challenge files and
#          records, $tmp/acme.{pending,down,dns,expect,lagging,refused,
#          row,orders.tsv,finish.tsv,failed}, $tmp/acme.<n>.{oerr,ferr},
#          $tmp/http/, $tmp/txt/, $tmp/nscheck.*; a_* (the signer),
#          acme_dns_why; through publish_set the new next.
# Returns: acme_order 0 or 1 (fail_msg); acme_batch 0 (a failed order is
#          a failed service).

# ---- ACME (batched: order all, publish all, one DNS refresh, one wait) -------

# acme_args: the account and server of the service's signer; 1 when the
# service's JSON cannot be read.
acme_args() {
	_av=$(jq -r '.signer | @sh "a_dir=\(.directory) a_cafile=\(.ca_file)",
	    @sh "a_val=\(.validation) a_chain=\(.preferred_chain)",
	    @sh "a_prof=\(.profile) a_kid=\(.eab_kid) a_eab=\(.eab)"' "$svc") ||
	    return 1
	eval "$_av"
	# Staging accounts are other accounts: keep them apart.
	a_acct=$sdir/acme
	[ "$o_test" -eq 0 ] || a_acct=$sdir/acme.test
}

# run_acme TOOL SUBCOMMAND ARGS...: a tool with the signer's options and
# the deadline of one ACME call ([globals] acme_timeout).
run_acme() {
	_tool=$1
	_sub=$2
	shift 2
	if [ -n "$a_cafile" ]; then
		"$_tool" "$_sub" -A "$a_acct" -D "$a_dir" -w "$acme_timeout" \
		    --ca-file "$a_cafile" "$@"
	else
		"$_tool" "$_sub" -A "$a_acct" -D "$a_dir" -w "$acme_timeout" "$@"
	fi
}

# acme_order NEWDIR: the account (the one kept, or found or made by the
# server), then the row of the order for NEWDIR/csr.pem in $tmp/acme.row
# (acme_pending adds it to the batch; acme_batch places it).
acme_order() {
	_an=$1
	if [ "$o_debug" -eq 1 ]; then
		fail_msg="debug mode (-d) places no ACME orders"
		return 1
	fi
	# shellcheck disable=SC2310 # it checks its commands
	if ! acme_args; then
		fail_msg="$svc: cannot read the ACME signer"
		return 1
	fi
	# A directory that could not be fetched is not asked again in this
	# run: one message, not one timeout per service.
	if [ -s "$tmp/acme.down" ] &&
	    _down=$(awk -F '\t' -v d="$a_dir" '$1 == d { print $2; exit }' \
	    "$tmp/acme.down") && [ -n "$_down" ]; then
		fail_msg="ACME account: $a_dir failed earlier in this run: $_down"
		return 1
	fi
	{ mkdir -p "$a_acct" && chmod 0700 "$a_acct"; } || {
		fail_msg="$a_acct: cannot create the account directory"
		return 1; }
	step "acme-account"
	set -- --agree-tos
	_email=$(jq -r .x509.email "$svc") || {
		fail_msg="$svc: cannot read x509.email"; return 1; }
	[ -z "$_email" ] || set -- "$@" -e "$_email"
	# The EAB key goes from sslm-conf to the account tool through a pipe:
	# it is never written to a file.
	_acrc=0
	if [ "$a_eab" = true ]; then
		set -- "$@" --eab-kid "$a_kid" --eab-key-file -
		rm -f "$tmp/eab.failed"
		# shellcheck disable=SC2310 # the tool's status, no more
		{ sslm-conf -c "$confdir" -K "$signer_ca" 2>"$tmp/eab.err" ||
		    echo "$?" >"$tmp/eab.failed"; } |
		    run_acme sslm-acme-account create "$@" >"$tmp/acct.json" \
		    2>"$tmp/err" || _acrc=$?
		if [ -e "$tmp/eab.failed" ]; then
			_why=$(tail -1 "$tmp/eab.err") || _why=""
			fail_msg="EAB key of $signer_ca: ${_why:-sslm-conf failed}"
			return 1
		fi
	else
		# shellcheck disable=SC2310 # the tool's status, no more
		run_acme sslm-acme-account create "$@" >"$tmp/acct.json" \
		    2>"$tmp/err" || _acrc=$?
	fi
	if [ "$_acrc" -ne 0 ]; then
		_why=$(tail -1 "$tmp/err") || _why=""
		fail_msg="ACME account: $_why"
		case "$_why" in
		"sslm-acme-account: $a_dir: "*)
			printf '%s\t%s\n' "$a_dir" \
			    "${_why#"sslm-acme-account: $a_dir: "}" >>"$tmp/acme.down" ;;
		esac
		return 1
	fi
	step "acme-order"
	_cu=$(link_target "$sdir" curr)
	_rp=-
	[ -z "$_cu" ] || [ ! -s "$sdir/$_cu/cert.pem" ] ||
	    _rp=$sdir/$_cu/cert.pem
	# The columns of a batch-order row (sslm-acme-order(1)), "-" for none;
	# acme_pending adds OUT and ERR.
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s' "$a_dir" "${a_cafile:--}" \
	    "$a_acct" "$a_val" "${a_prof:--}" "$_rp" "$_an/csr.pem" \
	    >"$tmp/acme.row" || {
		fail_msg="$tmp: cannot keep the ACME order"; return 1; }
}

# acme_pending NEWDIR: remember what acme_batch needs for this service;
# 1 when the scratch directory does not take it.
acme_pending() {
	_pn=$(wc -l <"$tmp/acme.pending") || return 1
	_pn=$((_pn + 1))
	cp "$svc" "$tmp/acme.$_pn.svc" || return 1
	# One value a line (sslm-conf allows no control characters in them).
	printf '%s\n' "$g" "$s" "$sdir" "$stamp" "$apex" "$signer_ca" "$ndane" \
	    "$nmx" "$dns_srv" "$dns_port" "$1" >"$tmp/acme.$_pn.vars" ||
	    return 1
	{ cat "$tmp/acme.row" &&
	    printf '\t%s\t%s\n' "$1/order.json" "$tmp/acme.$_pn.oerr"; } \
	    >>"$tmp/acme.orders.tsv" || return 1
	printf '%s\n' "$_pn" >>"$tmp/acme.pending" || return 1
	sayv "            ACME order queued"
}

# acme_load N: the values acme_pending kept for pending order N.
acme_load() {
	{
		read -r g; read -r s; read -r sdir; read -r stamp; read -r apex
		read -r signer_ca; read -r ndane; read -r nmx; read -r dns_srv
		read -r dns_port; read -r new
	} <"$tmp/acme.$1.vars"
	svc=$tmp/acme.$1.svc
	_svc_gi=""	# dns_srv is this order's: svc_use asks again
}

# b64url WORD: WORD is base64url (RFC 4648 5), 1 to 256 characters.
b64url() {
	case $1 in
	'' | *[!A-Za-z0-9_-]*) return 1 ;;
	esac
	[ "${#1}" -le 256 ]
}

# acme_name_ok NAME APEX: NAME is a lower-case LDH host name, at most 253
# bytes, equal to APEX or under it.
acme_name_ok() {
	case $1 in
	'' | *[!a-z0-9.-]* | .* | *. | *..* | -* | *.-* | *-.*)
		return 1 ;;
	esac
	[ "${#1}" -le 253 ] || return 1
	case $1 in
	"$2" | *".$2") return 0 ;;
	esac
	return 1
}

# acme_chall_ok: every row of $tmp/chall.tsv (type, token, key
# authorization, TXT name, TXT value) can become a file name or a zone
# line for the apex in hand; else 1 with the reason in acme_bad.  The
# tool checked them: this is the second lock, before anything is written.
acme_chall_ok() {
	_la=$(printf '%s' "$apex" | tr '[:upper:]' '[:lower:]') || return 1
	while IFS=$TAB read -r _ty _tok _ka _tn _tv; do
		# shellcheck disable=SC2310 # a predicate
		if ! b64url "$_tok" || [ "${_ka%%.*}" != "$_tok" ] ||
		    ! b64url "${_ka#*.}"; then
			acme_bad="a challenge token or key authorization that is not base64url"
			return 1
		fi
		case "$_ty" in
		http-01) ;;
		dns-01)
			# shellcheck disable=SC2310 # a predicate
			if [ "${_tn#_acme-challenge.}" = "$_tn" ] ||
			    ! acme_name_ok "${_tn#_acme-challenge.}" "$_la"; then
				acme_bad="the TXT name is not _acme-challenge. and a name under $apex"
				return 1
			fi
			# shellcheck disable=SC2310 # a predicate
			if ! b64url "$_tv"; then
				acme_bad="a TXT value that is not base64url"
				return 1
			fi
			;;
		*)
			acme_bad="a challenge of an unknown type"
			return 1 ;;
		esac
	done <"$tmp/chall.tsv"
}

# web_hosts: the [web] servers, or this host when there are none.
web_hosts() {
	_wh=$(jget '.servers.web.servers[]')
	printf '%s\n' "${_wh:-$host_short}"
}

# acme_publish: every pending challenge at once.  http-01 answers go to
# <server_dir>/<apex>/.well-known/acme-challenge/ on the web servers;
# dns-01 records go to <acme_dir>/acme-challenge.<apex>, then one DNS
# restart for all apexes and one wait.
acme_publish() {
	rm -rf "$tmp/http" "$tmp/txt"
	mkdir -p "$tmp/http" "$tmp/txt"
	: >"$tmp/acme.expect"
	: >"$tmp/acme.dns"
	: >"$tmp/acme.lagging"
	: >"$tmp/acme.refused"
	while IFS= read -r _pn; do
		acme_load "$_pn"
		# an order that failed has no file (acme_place)
		[ -s "$new/order.json" ] || continue
		jq -r '.challenges[] | select(.status != "valid") |
		    [.type, .token, .key_authorization, (.txt_name // "-"),
		     (.txt_value // "-")] | @tsv' "$new/order.json" \
		    >"$tmp/chall.tsv" || continue
		acme_bad=""
		# shellcheck disable=SC2310 # a predicate; acme_bad says why
		if ! acme_chall_ok; then
			printf '%s\t%s\n' "$_pn" "${acme_bad:-unreadable}" \
			    >>"$tmp/acme.refused"
			continue
		fi
		while IFS=$TAB read -r _ty _tok _ka _tn _tv; do
			case "$_ty" in
			http-01)
				_hd=$tmp/http/$apex/.well-known/acme-challenge
				mkdir -p "$_hd"
				printf '%s' "$_ka" >"$_hd/$_tok"
				chmod 0644 "$_hd/$_tok"
				;;
			dns-01)
				printf '%s\n' "$_pn" >>"$tmp/acme.dns"
				printf '%s. 60 IN TXT "%s"\n' "$_tn" "$_tv" \
				    >>"$tmp/txt/$apex"
				printf '%s\t%s\t%s\t%s\t%s\n' "$apex" "$dns_srv" \
				    "$dns_port" "$_tn" "$_tv" >>"$tmp/acme.expect"
				;;
			esac
		done <"$tmp/chall.tsv"
	done <"$tmp/acme.pending"
	_wdir=$(jget '.servers.web.server_dir')
	_hl=$(ls "$tmp/http")
	if [ -n "$_hl" ]; then
		if [ -z "$_wdir" ]; then
			warn "http-01 needs [web] server_dir"
		else
			for _h in $(web_hosts); do
				step "acme-http-publish"
				# shellcheck disable=SC2310 # a predicate
				if is_local_host "$_h"; then
					# File by file: <server_dir>/<apex> may be
					# a link to the site's document root.
					(cd "$tmp/http" && find . -type f) |
					while IFS= read -r _f; do
						(umask 022 &&
						    mkdir -p "$_wdir/${_f%/*}" &&
						    cp "$tmp/http/$_f" "$_wdir/$_f") ||
						    warn "http-01: cannot write $_wdir/$_f"
					done
				elif ! sslm-deploy -c "$confdir" copy "$tmp/http" \
				    "$_h:$_wdir" </dev/null >>"$logfile" 2>&1; then
					warn "http-01: copying the answers to $_h failed"
				fi
			done
		fi
	fi
	_tl=$(ls "$tmp/txt")
	if [ -n "$_tl" ]; then
		for _a in "$tmp"/txt/*; do
			_a=${_a##*/}
			while IFS= read -r _d; do
				(umask 022 && mkdir -p "$_d" &&
				    cp "$tmp/txt/$_a" "$_d/.acme-challenge.$_a.tmp" &&
				    chmod 0644 "$_d/.acme-challenge.$_a.tmp" &&
				    mv -f "$_d/.acme-challenge.$_a.tmp" \
				    "$_d/acme-challenge.$_a") ||
				    warn "dns-01: cannot write $_d/acme-challenge.$_a"
			done <"$tmp/acme_dirs"
		done
		for _a in "$tmp"/txt/*; do
			_a=${_a##*/}
			# the same records as an RFC 2136 update
			awk '{ print $1 "\t" $5 }' "$tmp/txt/$_a" |
			    jq -R -s 'split("\n") | map(select(length > 0) |
			    split("\t")) | group_by(.[0]) | {replace: map({name:
			    (.[0][0] | rtrimstr(".")), type: "TXT", ttl: 60,
			    values: map(.[1] | ltrimstr("\"") | rtrimstr("\""))})}' \
			    >"$tmp/upd.json"
			step "dns-update-txt"
			# shellcheck disable=SC2310 # it warns; the wait judges
			dns_update "$_a" "$tmp/upd.json" || true
		done
		step "acme-dns-restart"
		# shellcheck disable=SC2046,SC2310 # apex names (no spaces,
		# checked by sslm-conf); it warns, and the wait judges
		dns_restart $(ls "$tmp/txt") || true
		acme_dns_wait
	fi
}
# on every authoritative server (sslm-nscheck).
acme_dns_wait() {
	_delay=$(jget .globals.dns_check_delay)
	if [ "$_delay" -gt 0 ]; then
		sayi "  dns-01: waiting $_delay s (dns_check_delay)"
		sleep "$_delay"
	fi
	if ! command -v sslm-nscheck >/dev/null 2>&1; then
		acme_dns_why="sslm-nscheck is not installed"
		cut -f1 "$tmp/acme.expect" | sort -u >"$tmp/acme.lagging"
		return 0
	fi
	_xns=$(jq -c .globals.dns_xtra_ns "$conf")
	jq -R -s --argjson x "$_xns" '
	    split("\n") | map(select(length > 0) | split("\t")) |
	    group_by(.[0]) | map({apex: .[0][0],
	      primary: {server: .[0][1], port: (.[0][2] | tonumber)},
	      present: [.[] | {name: .[3], type: "TXT", values: [.[4]]}],
	      xtra_ns: $x})' "$tmp/acme.expect" >"$tmp/nscheck.json"
	sayi "  dns-01: waiting for every authoritative server"
	step "acme-dns-wait"
	_nrc=0
	if [ -t 2 ]; then
		# At a terminal, its progress lines (which servers still lag)
		# go there as they come; its messages are kept as well.
		# shellcheck disable=SC2086
		{ _rc=0; sslm-nscheck -P ${SSLM_NSCHECK_OPTS:-} \
		    "$tmp/nscheck.json" 2>&1 >"$tmp/nscheck.out" || _rc=$?
		    echo "$_rc" >"$tmp/nscheck.rc"; } | tee "$tmp/err" >&2
		_nrc=$(cat "$tmp/nscheck.rc")
	else
		# shellcheck disable=SC2086
		sslm-nscheck ${SSLM_NSCHECK_OPTS:-} "$tmp/nscheck.json" \
		    >"$tmp/nscheck.out" 2>"$tmp/err" || _nrc=$?
	fi
	if [ "$_nrc" -ne 0 ]; then
		# Answering now would let the CA ask a server that has not got
		# the record: those orders wait for the next run instead.
		acme_dns_why=$(grep -v -e 'not converged after' \
		    -e '^sslm-nscheck: waiting [0-9]* s: ' "$tmp/err" | head -1)
		[ -n "$acme_dns_why" ] || acme_dns_why=$(tail -1 "$tmp/err")
		warn "dns-01: the records did not reach every server: $acme_dns_why"
		# Only the apexes that did not converge hold their orders back.
		if ! jq -r '.[] | select(.converged | not) | .apex' \
		    "$tmp/nscheck.out" >"$tmp/acme.lagging" 2>/dev/null ||
		    [ ! -s "$tmp/acme.lagging" ]; then
			cut -f1 "$tmp/acme.expect" | sort -u >"$tmp/acme.lagging"
		fi
	fi
}

# acme_unpublish: take the answers away again.
acme_unpublish() {
	_wdir=$(jget '.servers.web.server_dir')
	if [ -n "$_wdir" ] && [ -d "$tmp/http" ]; then
		(cd "$tmp/http" && find . -type f) >"$tmp/http.list"
		for _h in $(web_hosts); do
			while IFS= read -r _f; do
				# shellcheck disable=SC2310 # a predicate; a
				# leftover answer is harmless (the token is spent)
				if is_local_host "$_h"; then
					rm -f "$_wdir/$_f"
				else
					run_cmd "$_h" rm -f "$_wdir/$_f" || true
				fi
			done <"$tmp/http.list"
		done
	fi
	if [ -d "$tmp/txt" ]; then
		for _a in "$tmp"/txt/*; do
			[ -e "$_a" ] || continue
			_a=${_a##*/}
			while IFS= read -r _d; do
				true >"$_d/acme-challenge.$_a" 2>/dev/null || true
			done <"$tmp/acme_dirs"
			awk '{ print $1 }' "$tmp/txt/$_a" | sort -u |
			    jq -R -s 'split("\n") | map(select(length > 0)) |
			    {delete: map({name: rtrimstr("."), type: "TXT"})}' \
			    >"$tmp/upd.json"
			# shellcheck disable=SC2310 # it warns; the empty file stays
			dns_update "$_a" "$tmp/upd.json" || true
		done
	fi
}

# acme_tool_why FILE: the reason in the last line of a tool's messages.
acme_tool_why() {
	_why=$(tail -1 "$1" 2>/dev/null) || _why=""
	printf '%s\n' "${_why:-sslm-acme-order failed without a message}"
}

# acme_run_batch SUBCOMMAND LIST: sslm-acme-order batch-order or
# batch-finish over LIST, acme_timeout for each order, at most
# acme_parallel requests in flight to one server.  Its own status is not
# the services': each row's file says how that one went.
acme_run_batch() {
	sslm-acme-order "$1" -w "$acme_timeout" -j "$acme_parallel" "$2" \
	    </dev/null >/dev/null 2>"$tmp/err" || true
}

# acme_place: every queued order at once; an order that could not be
# placed goes to $tmp/acme.failed with its reason.  When the server no
# longer knows the account, its account.json becomes account.json.lost.
acme_place() {
	step "acme-orders"
	acme_run_batch batch-order "$tmp/acme.orders.tsv"
	while IFS= read -r _pn; do
		acme_load "$_pn"
		[ ! -s "$new/order.json" ] || continue
		_why=$(acme_tool_why "$tmp/acme.$_pn.oerr")
		case "$_why" in
		*urn:ietf:params:acme:error:accountDoesNotExist*)
			# The kept account is gone from the server: the next
			# run's sslm-acme-account asks it again (and finds or
			# registers the key's account); the old file stays.
			# shellcheck disable=SC2310 # it checks its commands
			acme_args || die "$svc: cannot read the ACME signer"
			if mv -f "$a_acct/account.json" \
			    "$a_acct/account.json.lost"; then
				_why="$_why (the next run asks for the account again)"
			fi ;;
		esac
		printf '%s\tACME order: %s\n' "$_pn" "$_why" >>"$tmp/acme.failed"
	done <"$tmp/acme.pending"
}

# acme_why N: why pending order N goes no further (placing it failed,
# the shell refused a value, its dns-01 records did not arrive); nothing
# when it may be finished.
acme_why() {
	_ref=$(awk -F '\t' -v n="$1" '$1 == n { print $2; exit }' \
	    "$tmp/acme.failed") || _ref="ACME order: unreadable"
	if [ -n "$_ref" ]; then
		printf '%s\n' "$_ref"
		return 0
	fi
	_ref=$(awk -F '\t' -v n="$1" '$1 == n { print $2; exit }' \
	    "$tmp/acme.refused") || _ref="unreadable"
	if [ -n "$_ref" ]; then
		printf 'ACME order: refused: %s\n' "$_ref"
	elif grep -qx "$1" "$tmp/acme.dns" &&
	    grep -qxF -e "$apex" "$tmp/acme.lagging"; then
		printf 'dns-01 records not on every authoritative server: %s\n' \
		    "$acme_dns_why"
	fi
}

# acme_finish_all: every order that may be finished, at once, each into
# <new>/acme-chain.pem (its messages in $tmp/acme.<n>.ferr).
acme_finish_all() {
	: >"$tmp/acme.finish.tsv"
	while IFS= read -r _pn; do
		acme_load "$_pn"
		_ref=$(acme_why "$_pn")
		[ -z "$_ref" ] || continue
		# shellcheck disable=SC2310 # it checks its commands
		acme_args || die "$svc: cannot read the ACME signer"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$a_dir" \
		    "${a_cafile:--}" "$a_acct" "$new/csr.pem" "${a_chain:--}" \
		    "$new/order.json" "$new/acme-chain.pem" \
		    "$tmp/acme.$_pn.ferr" >>"$tmp/acme.finish.tsv"
	done <"$tmp/acme.pending"
	[ -s "$tmp/acme.finish.tsv" ] || return 0
	step "acme-finish"
	acme_run_batch batch-finish "$tmp/acme.finish.tsv"
}

# acme_batch: place every order, publish, wait, finish them all, then
# each one's chain and set; clean up.
acme_batch() {
	[ -s "$tmp/acme.pending" ] || return 0
	: >"$tmp/acme.failed"
	acme_place
	acme_publish
	acme_finish_all
	while IFS= read -r _pn <&4; do
		acme_load "$_pn"
		_ref=$(acme_why "$_pn")
		if [ -n "$_ref" ]; then
			service_failed "$_ref"
			rm -rf "$new"
			continue
		fi
		fail_msg=""
		# shellcheck disable=SC2310 # make_tlsa checks its commands and
		# says why in fail_msg
		if [ ! -s "$new/acme-chain.pem" ]; then
			_why=$(acme_tool_why "$tmp/acme.$_pn.ferr")
			fail_msg="ACME finish: $_why"
		elif ! sslm-chainbuild -k "$new/privkey.pem" -o "$new" \
		    "$new/acme-chain.pem" 2>"$tmp/err"; then
			_why=$(tail -1 "$tmp/err") || _why=""
			fail_msg="chainbuild: $_why"
		elif ! make_tlsa "$new"; then
			[ -n "$fail_msg" ] || fail_msg="tlsagen failed"
		fi
		rm -f "$new/acme-chain.pem" "$new/order.json"
		if [ -n "$fail_msg" ]; then
			service_failed "$fail_msg"
			rm -rf "$new"
		elif [ "$o_dry" -eq 1 ]; then
			say "  $g:$s: dry run: certificate issued and discarded"
			rm -rf "$new"
		else
			publish_set "$new"
		fi
	done 4<"$tmp/acme.pending"
	acme_unpublish
}
