# shellcheck shell=sh
# SC2154/SC2034: the state of the run (options, tables, the service in
# hand) is set and used across sslm-mgr and its steps, listed below;
# sslm-mgr sources this file, and the lint checks it there too.
# shellcheck disable=SC2154,SC2034
# SPDX-License-Identifier: MIT
#
# renew.sh: a new next set for one service: is it due (sslm-due), key
# (sslm-keygen), CSR (sslm-csrgen), certificate and chain (sslm-casign,
# sslm-chainbuild; ACME in acme.sh), TLSA records (sslm-tlsagen), then
# publish_set names it and points next at it.  Sourced by sslm-mgr.
#
# Reads:   the service: svc (its resolved JSON), g, s, sdir (its store dir),
#          apex, signer, signer_ca, ndane, nmx, dns_srv, dns_port; the
#          tasks t_*; $tmp/renew_info.json; the curr and next sets.
# Writes:  <sdir>/db/.new-<stamp>, renamed to <sdir>/db/<stamp> and linked as
#          next; <sdir>/.ari (the CA's renewal window, through sslm-due);
#          $tmp/err, $tmp/due.out, $tmp/ca-<name>.json, $tmp/mx*;
#          stamp, due_msg, fail_msg, changed_services.
# Returns: do_renew 0, or 1 when the service failed (service_failed
#          said why); make_set MAKE_SET_OK, MAKE_SET_ACME_PENDING (an
#          ACME order placed: acme_batch finishes the set) or 1 (fail_msg);
#          renew_due 0 due, 1 not due, 3 failed (due_msg).

# make_set's outcomes besides 1 (failed: fail_msg says why).
MAKE_SET_OK=0			# the set is complete in NEWDIR
MAKE_SET_ACME_PENDING=10	# an ACME order is placed: acme_batch finishes it

# ---- renew timing: sslm-due decides (tables, or the ACME CA's ARI window) ----

# renew_due CERT: 0 when due, 1 when not, 3 when sslm-due failed (its
# message in due_msg).  For an ACME service the CA's renewal window is
# asked when sslm-due says it is time to (a new certificate, or past
# Retry-After); the time picked in it is kept in $sdir/.ari, outside the set.
renew_due() {
	_dc=$1
	set -- -c "$tmp/renew_info.json"
	if [ "$signer" = acme ] && [ "$o_test" -eq 0 ] && [ "$o_debug" -eq 0 ]
	then
		set -- "$@" -S "$sdir/.ari"
		if sslm-due -P -S "$sdir/.ari" "$_dc" 2>"$tmp/err"; then
			# shellcheck disable=SC2310 # it checks its commands
			if ! acme_args; then
				due_msg="cannot read the ACME signer of the service"
				return 3
			fi
			step "acme-ari"
			# shellcheck disable=SC2310 # the tool's status, no more
			if run_acme sslm-acme-order ari "$_dc" >"$tmp/ari.json" \
			    2>"$tmp/err"; then
				set -- "$@" -A "$tmp/ari.json"
			else
				_why=$(tail -1 "$tmp/err") || _why=""
				warn "$g:$s: renewal information: $_why"
			fi
		fi
	fi
	_drc=0
	sslm-due "$@" "$_dc" >"$tmp/due.out" 2>"$tmp/err" || _drc=$?
	# Warnings (an ARI answer not used) are the operator's business.
	[ "$_drc" -gt 1 ] || tool_warnings
	case "$_drc" in
	0 | 1) due_msg=$(cat "$tmp/due.out") || due_msg="" ;;
	*) due_msg=$(tail -1 "$tmp/err") || due_msg=""; _drc=3 ;;
	esac
	return "$_drc"
}

# ---- signing ---------------------------------------------------------------------

# ca_conf NAME: the resolved service of the local CA (cached).
ca_conf() {
	if [ ! -s "$tmp/ca-$1.json" ]; then
		sslm-conf -c "$confdir" "ca:$1" 2>"$tmp/ca.err" |
		    jq '.groups[0].services[0]' >"$tmp/ca-$1.json" || true
		if ! jq -e '.service' "$tmp/ca-$1.json" >/dev/null 2>&1; then
			rm -f "$tmp/ca-$1.json"
			_why=$(tail -1 "$tmp/ca.err") || _why=""
			fail_msg="CA $1: $_why"
			return 1
		fi
	fi
	printf '%s\n' "$tmp/ca-$1.json"
}

# mx_hosts APEX: the MX hosts of the apex, asked of its dns_primary.
mx_hosts() {
	_srv=$dns_srv
	_port=$dns_port
	if [ -z "$_srv" ]; then
		fail_msg="DANE records for MX hosts need a [[dns_primary]] for $1"
		return 1
	fi
	if ! drill -p "$_port" "$1" "@$_srv" MX >"$tmp/mx.out" 2>&1 ||
	    ! grep -q 'rcode: NOERROR' "$tmp/mx.out"; then
		fail_msg="MX query for $1 at $_srv port $_port failed"
		return 1
	fi
	awk '/^;; ANSWER SECTION:/ { a = 1; next } /^;;/ { a = 0 }
	    a && $4 == "MX" { print $6 }' "$tmp/mx.out"
}

# make_set NEWDIR SRCDIR: key, CSR, certificate, chain files and TLSA
# records for the service in $svc, per the t_* tasks.  Fails with fail_msg.
make_set() {
	_n=$1 _src=$2
	# key
	if [ "$t_new_keys" -eq 1 ]; then
		step "keygen"
		sslm-keygen -s "$svc" -o "$_n/privkey.pem" 2>"$tmp/err" || {
			fail_msg="keygen: $(tail -1 "$tmp/err")"; return 1; }
		tool_warnings
		sayv "            new key pair"
	elif [ -n "$_src" ] && [ -s "$_src/privkey.pem" ]; then
		cp -p "$_src/privkey.pem" "$_n/privkey.pem" || {
			fail_msg="$_n/privkey.pem: cannot copy the key"; return 1; }
		sayv "            key kept from ${_src#"$sdir"/}"
	elif [ "$t_copy" -eq 1 ]; then
		fail_msg="no key to reuse: curr has no privkey.pem (renew without -r)"
		return 1
	else
		fail_msg="no key: next has no privkey.pem (use dev -keys)"
		return 1
	fi
	# CSR (a fresh one whenever the key is new or -csr: SAN changes count)
	if [ "$t_new_csr" -eq 1 ] || [ "$t_new_keys" -eq 1 ] ||
	    [ -z "$_src" ] || [ ! -s "$_src/csr.pem" ]; then
		step "csrgen"
		sslm-csrgen -k "$_n/privkey.pem" -s "$svc" >"$_n/csr.pem" \
		    2>"$tmp/err" || {
			fail_msg="csrgen: $(tail -1 "$tmp/err")"; return 1; }
		tool_warnings
		sayv "            new CSR"
	else
		cp -p "$_src/csr.pem" "$_n/csr.pem" || {
			fail_msg="$_n/csr.pem: cannot copy the CSR"; return 1; }
		sayv "            CSR kept from ${_src#"$sdir"/}"
	fi
	[ "$t_new_cert" -eq 1 ] || [ "$t_renew_due" -eq 1 ] ||
	    return "$MAKE_SET_OK"
	# certificate and chain files
	step "sign"
	case "$signer" in
	self)
		sslm-casign --self -K "$_n/privkey.pem" -s "$svc" \
		    "$_n/csr.pem" >"$_n/cert.pem" 2>"$tmp/err" || {
			fail_msg="casign: $(tail -1 "$tmp/err")"; return 1; }
		tool_warnings
		sayv "            new cert: self-signed"
		{ cp "$_n/cert.pem" "$_n/chain.pem" &&
		    cp "$_n/cert.pem" "$_n/fullchain.pem" &&
		    cat "$_n/privkey.pem" "$_n/cert.pem" >"$_n/bundle.pem"; } || {
			fail_msg="$_n: cannot write the chain files"; return 1; }
		;;
	local)
		_ca=$certs/ca/$signer_ca/curr
		# shellcheck disable=SC2310 # a predicate: tests only
		if ! set_complete "$_ca"; then
			fail_msg="CA $signer_ca has no complete current set in $_ca (renew and roll ca:$signer_ca first)"
			return 1
		fi
		# shellcheck disable=SC2310 # ca_conf checks its commands
		_cj=$(ca_conf "$signer_ca") || return 1
		sslm-casign -K "$_ca/privkey.pem" -C "$_ca/cert.pem" -s "$_cj" \
		    "$_n/csr.pem" >"$_n/cert.pem" 2>"$tmp/err" || {
			fail_msg="casign: $(tail -1 "$tmp/err")"; return 1; }
		tool_warnings
		sayv "            new cert: signed by $signer_ca"
		step "chainbuild"
		cat "$_n/cert.pem" "$_ca/fullchain.pem" >"$tmp/certs.pem" || {
			fail_msg="$tmp/certs.pem: cannot write"; return 1; }
		sslm-chainbuild -k "$_n/privkey.pem" -o "$_n" "$tmp/certs.pem" \
		    2>"$tmp/err" || {
			fail_msg="chainbuild: $(tail -1 "$tmp/err")"; return 1; }
		tool_warnings
		;;
	acme)
		# shellcheck disable=SC2310 # acme_order checks its commands
		acme_order "$_n" || return 1
		return "$MAKE_SET_ACME_PENDING"
		;;
	*)
		fail_msg="unknown signer $signer"
		return 1
		;;
	esac
	# shellcheck disable=SC2310 # make_tlsa checks its commands
	make_tlsa "$_n" || return 1
	return "$MAKE_SET_OK"
}

# make_tlsa DIR: tlsa.rr for the certificate in DIR, when the service has
# dane_tls items.  Fails with fail_msg.
make_tlsa() {
	_td=$1
	[ "$ndane" -gt 0 ] || return 0
	step "tlsagen"
	set -- -c "$_td/cert.pem" -s "$svc" -a "$apex" --stamp "$stamp"
	if [ "$nmx" -gt 0 ]; then
		# shellcheck disable=SC2310 # mx_hosts checks its commands
		mx_hosts "$apex" >"$tmp/mx" || return 1
		while IFS= read -r _m; do
			set -- "$@" -m "$_m"
		done <"$tmp/mx"
	fi
	sslm-tlsagen "$@" >"$_td/tlsa.rr" 2>"$tmp/err" || {
		fail_msg="tlsagen: $(tail -1 "$tmp/err")"; return 1; }
	tool_warnings
	sayv "            TLSA records written: tlsa.rr"
}

# public_modes DIR: what servers and DNS tools read is 0644; keys and
# bundles stay 0600 (they were created so).
public_modes() {
	for _f in csr.pem cert.pem chain.pem fullchain.pem tlsa.rr; do
		[ ! -f "$1/$_f" ] || chmod 0644 "$1/$_f" || return 1
	done
	chmod 0600 "$1/privkey.pem" || return 1
	[ ! -f "$1/bundle.pem" ] || chmod 0600 "$1/bundle.pem"
}

# next_waits CERT: 0 when CERT is not due (sslm-due says 1), so a complete
# next with it waits for its roll; 1 when due or undecidable.
next_waits() {
	_nw=0
	sslm-due -q -c "$tmp/renew_info.json" "$1" 2>/dev/null || _nw=$?
	[ "$_nw" -eq 1 ]
}

do_renew() {
	_curr=$(link_target "$sdir" curr)
	_nx=$(link_target "$sdir" next)
	if [ "$t_renew_due" -eq 1 ] && [ -n "$_curr" ] &&
	    [ -s "$sdir/$_curr/cert.pem" ]; then
		_rd=0
		# shellcheck disable=SC2310 # its status is the answer (0, 1, 3)
		renew_due "$sdir/$_curr/cert.pem" || _rd=$?
		case "$_rd" in
		0) ;;
		1)
			sayv "            $due_msg"
			sayv "            cert up to date: renew not needed"
			return 0 ;;
		*)
			service_failed "curr/cert.pem: $due_msg"
			return 1 ;;
		esac
		say "            $due_msg"
	elif [ -z "$_curr" ]; then
		say "            no curr cert (first cert or missed roll): new cert"
	else
		sayv "            new set without the expiry check (-f or dev)"
	fi
	# A complete next still waiting for its roll is kept: another would
	# cost an ACME order and restart the DANE clock.  -f makes a new one;
	# so does a next that is itself due.
	# shellcheck disable=SC2310 # predicates: their status is the answer
	if [ "$t_renew_due" -eq 1 ] && [ -n "$_nx" ] && [ "$_nx" != "$_curr" ] &&
	    set_complete "$sdir/$_nx" && next_waits "$sdir/$_nx/cert.pem"; then
		sayi "            next $_nx is complete and waits for its roll: no new set"
		return 0
	fi
	_src=""
	if [ "$t_copy" -eq 1 ]; then
		[ -n "$_curr" ] && _src=$sdir/$_curr
	else
		[ -z "$_nx" ] || _src=$sdir/$_nx
	fi
	{ mkdir -p "$sdir/db" && chmod 0750 "$sdir" "$sdir/db"; } ||
	    die "$sdir/db: cannot create"
	# shellcheck disable=SC2310 # it checks its commands
	stamp=$(new_stamp "$sdir/db") || die "$sdir/db: cannot name a new set"
	_new=$sdir/db/.new-$stamp
	step "mkdir"
	mkdir -m 0750 "$_new" || die "$_new: cannot create"
	fail_msg=""
	_mrc=0
	# shellcheck disable=SC2310 # make_set checks its commands
	make_set "$_new" "$_src" || _mrc=$?
	case "$_mrc" in
	"$MAKE_SET_OK")
		if [ "$o_dry" -eq 1 ]; then
			say "            $s: dry run: new set made and discarded"
			rm -rf "$_new"
		else
			publish_set "$_new"
		fi ;;
	"$MAKE_SET_ACME_PENDING")	# acme_batch finishes it
		# shellcheck disable=SC2310 # it checks its commands
		if ! acme_pending "$_new"; then
			service_failed "$tmp: cannot keep the pending ACME order"
			rm -rf "$_new"
			return 1
		fi ;;
	*)
		service_failed "$fail_msg"
		rm -rf "$_new"
		return 1 ;;
	esac
}

# publish_set NEWDIR: give a complete set its name and point next at it.
publish_set() {
	# shellcheck disable=SC2310 # it checks its commands
	public_modes "$1" || die "$1: cannot set the modes of the files"
	# Everything on disk before the set gets its real name and the link.
	sync "$1"/* "$1" || die "$1: cannot sync"
	step "publish-set"
	{ mv "$1" "$sdir/db/$stamp" && sync "$sdir/db"; } ||
	    die "$sdir/db/$stamp: cannot name the new set"
	step "link-next"
	set_link "$sdir" next "db/$stamp"
	changed_services="$changed_services $g:$s"
	sayv "            next is now db/$stamp"
	if [ -s "$sdir/db/$stamp/cert.pem" ]; then
		# shellcheck disable=SC2310 # it checks its commands
		_na=$(certfact "$sdir/db/$stamp/cert.pem" .not_after) ||
		    _na="(cannot read cert.pem)"
		say "            $s: renewed: next expires $_na"
	fi
}
