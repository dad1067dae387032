# shellcheck shell=sh
# SC2154/SC2034: the state of the run (options, tables, the service in
# hand) is set and used across sslm-mgr and its steps, listed below;
# sslm-mgr sources this file, and the lint checks it there too.
# shellcheck disable=SC2154,SC2034
# SPDX-License-Identifier: MIT
#
# probe.sh: what the servers present (sslm-probe).  A roll that changes
# what a service's servers must present leaves <sdir>/.probe-pending
# (probe_hold); its lines name the sets whose TLSA records stay in the
# apex file (build_apex) until every server of the service presents curr
# and, for DANE, a published record matches it (probe_run, after the
# reloads).  Then the held records go (probe_withdraw: the apex file
# again, production, the DNS refresh).  -s --probe shows the same
# per service, server and address, and changes nothing (probe_status).
# Sourced by sslm-mgr.
#
# Reads:   g s sdir apex ndane dns_srv (the service in hand); $tmp/probe.tsv
#          (class, probe entry), $tmp/pairs.tsv, $tmp/services.tsv;
#          probe_res, probe_dane, SSLM_PROBE_OPTS (extra sslm-probe
#          options, for tests); curr's cert.pem and tlsa.rr.
# Writes:  <sdir>/.probe-pending; $tmp/probe.*; probe_groups (the groups
#          whose held records may go), probe_rc; failed, nfailed.
# Returns: probe_wanted 0 yes 1 no; probe_service 0 every server presents
#          curr, 1 one does not, 3 one could not be probed; the others 0.

# probe_targets: the servers of the service in hand, "host:port<TAB>
# connect<TAB>kind" a line in $tmp/probe.targets: the probe lists of the
# server classes whose svc_depends name it (kind class, connect the
# address after "@" or "-"); without any, for a DANE service (unless
# probe_dane is false), the owners of curr's TLSA records (kind dane),
# the apex only when the certificate names it.  1 when it cannot tell.
probe_targets() {
	awk -F "$TAB" -v OFS="$TAB" -v g="$g" -v s="$s" '
	    FILENAME == ARGV[1] { e[$1] = e[$1] (e[$1] == "" ? "" : "\n") $2
	      next }
	    $3 == s && ($2 == g || $2 == "any" || $2 == "all" || $2 == "*") &&
	      ($1 in e) && !($1 in done) { done[$1] = 1
	      n = split(e[$1], a, "\n")
	      for (i = 1; i <= n; i++) {
	        t = a[i]; c = "-"
	        if ((k = index(t, "@")) > 0) { c = substr(t, k + 1)
	          t = substr(t, 1, k - 1) }
	        if (!((t FS c) in seen)) { seen[t FS c] = 1
	          print t, c, "class" } } }' \
	    "$tmp/probe.tsv" "$tmp/pairs.tsv" >"$tmp/probe.targets" || return 1
	[ ! -s "$tmp/probe.targets" ] || return 0
	[ "$ndane" -gt 0 ] && [ "$probe_dane" = true ] || return 0
	_pc=$(link_target "$sdir" curr)
	[ -n "$_pc" ] && [ -s "$sdir/$_pc/tlsa.rr" ] || return 0
	# shellcheck disable=SC2310 # its status: the names of the cert
	_pn=$(certfact "$sdir/$_pc/cert.pem" '.sans.dns // [] | .[]') ||
	    return 1
	tlsa_records "$sdir/$_pc/tlsa.rr" | awk -F "$TAB" -v OFS="$TAB" \
	    -v apex="$apex" -v names="$_pn" '
	    BEGIN { n = split(tolower(names), a, "\n")
	      for (i = 1; i <= n; i++) named[a[i]] = 1 }
	    { o = tolower($1); sub(/\.$/, "", o)
	      if (split(o, l, ".") < 3 || l[1] !~ /^_[0-9]+$/ || l[2] != "_tcp")
	        next
	      h = substr(o, length(l[1]) + length(l[2]) + 3)
	      if (h == apex && !(apex in named)) next
	      t = h ":" substr(l[1], 2)
	      if (!(t in seen)) { seen[t] = 1; print t, "-", "dane" } }' \
	    >"$tmp/probe.targets"
}

# probe_wanted: the service in hand has servers to probe.
probe_wanted() {
	# shellcheck disable=SC2310 # it checks its commands
	probe_targets || return 0
	[ -s "$tmp/probe.targets" ]
}

# probe_hold: before a roll, when the service has servers to probe: its
# curr (about to become prev) joins the sets <sdir>/.probe-pending holds;
# without a curr, or without TLSA records, the file only asks for the
# probe.  Dies when the store does not take it.
probe_hold() {
	# shellcheck disable=SC2310 # a predicate
	probe_wanted || return 0
	_hc=$(link_target "$sdir" curr)
	{
		[ ! -s "$sdir/.probe-pending" ] || cat "$sdir/.probe-pending"
		[ -z "$_hc" ] || [ ! -s "$sdir/$_hc/tlsa.rr" ] ||
		    printf '%s\n' "$_hc"
	} | awk '!seen[$0]++' >"$sdir/.probe-pending.tmp" ||
	    die "$sdir/.probe-pending.tmp: cannot write"
	{ mv -f "$sdir/.probe-pending.tmp" "$sdir/.probe-pending" &&
	    sync "$sdir"; } || die "$sdir/.probe-pending: cannot write"
}

# probe_one TARGET CONNECT KIND CERT: sslm-probe of one server, expecting
# CERT; its verdict per address, "address<TAB>ok|bad|error<TAB>reason"
# a line, in $tmp/probe.verdict and the report in $tmp/probe.json.
# 0 every address presents CERT (and, for DANE, a published record
# matches it), 1 one does not, 3 it could not be probed, 4 the name has
# no address (a DANE owner nothing serves).
probe_one() {
	_pot=$1 _pok=$3
	_poc=""
	[ "$2" = "-" ] || _poc=$2
	set -- -j -e "$4"
	[ -z "$probe_res" ] || set -- "$@" -r "$probe_res"
	[ -z "$_poc" ] || set -- "$@" -c "$_poc"
	_prc=0
	# shellcheck disable=SC2086 # the test's options, split on purpose
	sslm-probe "$@" ${SSLM_PROBE_OPTS:-} -- "$_pot" >"$tmp/probe.json" \
	    2>"$tmp/probe.err" 3<&- 4<&- 5<&- 6<&- 7<&- 8>&- 9>&- || _prc=$?
	# A failure before any address (the lookups) leaves no report, only
	# its one line (jq -e is true on empty input: test for content).
	if [ "$_prc" -gt 1 ] && { [ ! -s "$tmp/probe.json" ] ||
	    ! jq -e '.addresses | length > 0' "$tmp/probe.json" \
	    >/dev/null 2>&1; }; then
		_pw=$(tail -1 "$tmp/probe.err") || _pw=""
		_pw=${_pw#sslm-probe: }
		[ -n "$_pw" ] || _pw="sslm-probe failed (status $_prc)"
		printf '%s\t%s\t%s\n' "-" error "$_pw" >"$tmp/probe.verdict"
		case "$_pw" in *": no address") [ "$_pok" != dane ] || return 4 ;; esac
		return 3
	fi
	jq -r --arg kind "$_pok" '.tlsa.state as $ts | .addresses[] |
	    (if .error != null then ["error", .error]
	     elif .expect.match != true then ["bad",
	       "presents another certificate than curr (SPKI \(.leaf.spki_sha256 // "?" | .[0:16])...)"]
	     elif $ts == "secure" and .dane.matched == null then ["bad",
	       "DANE: no published TLSA record matches: \(.dane.error // "no match")"]
	     elif $ts == "bogus" or $ts == "unusable" then ["bad",
	       "DANE: the TLSA records are \($ts)"]
	     elif $kind == "dane" and $ts == "none" then ["bad",
	       "DANE: no TLSA record is published for it"]
	     else ["ok", "presents curr" + (if .dane.matched != null then
	       ", DANE \(.dane.matched | .[0:5]) matched" else "" end)] end) as $v |
	    [.address, $v[0], $v[1]] | @tsv' "$tmp/probe.json" \
	    >"$tmp/probe.verdict" 2>/dev/null || {
		printf '%s\t%s\t%s\n' "-" error "sslm-probe: no report" \
		    >"$tmp/probe.verdict"
		return 3
	}
	# What each address presents, for -s --probe --json.
	jq -c --arg t "$_pot" '{target: $t, tlsa: .tlsa.state,
	    addresses: [.addresses[] | {address, tls_version,
	      leaf: (.leaf | if . == null then null else
	        {subject, not_after, spki_sha256, sans} end),
	      pkix_valid: .pkix.valid, dane_valid: .dane.valid,
	      dane_matched: .dane.matched, expect_match: .expect.match}]}' \
	    "$tmp/probe.json" >>"$tmp/probe.reports" 2>/dev/null || true
	if grep -q "${TAB}error$TAB" "$tmp/probe.verdict"; then return 3; fi
	if grep -q "${TAB}bad$TAB" "$tmp/probe.verdict"; then return 1; fi
	[ -s "$tmp/probe.verdict" ] || return 3
	return 0
}

# probe_service MODE: every server of the service in hand against its
# curr (MODE roll: warnings for what is wrong; status: a line each), and
# without a resolver to ask, curr's TLSA records on every authoritative
# server (sslm-nscheck).  Lines "target<TAB>address<TAB>verdict<TAB>
# reason" in $tmp/probe.lines; its status (0, 1, 3).
probe_service() {
	: >"$tmp/probe.lines"
	: >"$tmp/probe.reports"
	# shellcheck disable=SC2310 # it checks its commands
	if ! probe_targets; then
		printf '%s\t-\terror\tcannot tell its servers\n' "$g:$s" \
		    >"$tmp/probe.lines"
		return 3
	fi
	[ -s "$tmp/probe.targets" ] || return 0
	_ps=0
	_pdn=0
	_psc=$(link_target "$sdir" curr)
	if [ -z "$_psc" ] || [ ! -s "$sdir/$_psc/cert.pem" ]; then
		printf '%s\t-\terror\tno curr certificate\n' "$g:$s" \
		    >"$tmp/probe.lines"
		return 3
	fi
	while IFS=$TAB read -r _pt _pcn _pk <&5; do
		_r=0
		# shellcheck disable=SC2310 # the probe's status
		probe_one "$_pt" "$_pcn" "$_pk" "$sdir/$_psc/cert.pem" || _r=$?
		if [ "$_r" -eq 4 ]; then
			printf '%s\t-\tnone\tno address: nothing to probe\n' \
			    "$_pt" >>"$tmp/probe.lines"
			continue
		fi
		_pdn=$((_pdn + 1))
		awk -F "$TAB" -v OFS="$TAB" -v t="$_pt" '{ print t, $0 }' \
		    "$tmp/probe.verdict" >>"$tmp/probe.lines"
		[ "$_r" -le "$_ps" ] || _ps=$_r
	done 5<"$tmp/probe.targets"
	# The records a DANE client finds: without a validating resolver,
	# curr's on every authoritative server (when a server was probed).
	if [ -z "$probe_res" ] && [ "$ndane" -gt 0 ] && [ "$_pdn" -gt 0 ] &&
	    [ -n "$dns_srv" ] &&
	    [ -s "$sdir/$_psc/tlsa.rr" ]; then
		# shellcheck disable=SC2310 # it checks its commands
		if ! tlsa_everywhere "$sdir/$_psc"; then
			printf '%s\t-\tbad\tcurr TLSA records not on every authoritative server: %s\n' \
			    "$g:$s" "$dane_why" >>"$tmp/probe.lines"
			[ "$_ps" -ge 1 ] || _ps=1
		fi
	fi
	return "$_ps"
}

# probe_run: after the reloads, every service of the run that has
# <sdir>/.probe-pending (with dev -certs-prod or -fsr, every service of
# the run): when every server presents curr the file goes and its group
# joins probe_groups; else the service failed, said per server, the held
# records stay, and the file is there for the next run to probe again.
probe_run() {
	probe_groups=""
	_pall=0
	[ "$d_prod" -eq 0 ] && [ "$d_fsr" -eq 0 ] || _pall=1
	svc_cols line gi group service signer signer_ca ndane nmx bad \
	    >"$tmp/probe.rows"
	while IFS=$TAB read -r _line _gi _g _s _sg _sc _nd _nm _bad <&3; do
		if [ "$_bad" -ne 0 ] || { [ "$_pall" -eq 0 ] &&
		    [ ! -e "$certs/$_g/$_s/.probe-pending" ]; }; then
			continue
		fi
		case " $failed " in *" $_g:$_s "*) continue ;; esac
		svc_use "$_line" "$_gi" "$_g" "$_s" "$_sg" "$_sc" "$_nd" "$_nm" "$_bad"
		if [ "$o_debug" -eq 1 ]; then
			say "  debug: would probe the servers of $g:$s"
			continue
		fi
		step "probe"
		_pr=0
		# shellcheck disable=SC2310 # its status is the answer
		probe_service roll || _pr=$?
		# No server to probe (any more): nothing to say or hold.
		if [ "$_pr" -eq 0 ] && [ ! -s "$tmp/probe.targets" ] &&
		    [ ! -e "$sdir/.probe-pending" ]; then
			continue
		fi
		_held=""
		[ ! -s "$sdir/.probe-pending" ] ||
		    _held=$(tr '\n' ' ' <"$sdir/.probe-pending") || _held=""
		while IFS=$TAB read -r _pt _pa _pv _pw; do
			_lbl=$_pt
			[ "$_pa" = "-" ] || _lbl="$_pt [$_pa]"
			case "$_pv" in
			ok) say "  probe: $g:$s: $_lbl: $_pw" ;;
			none) sayv "  probe: $g:$s: $_lbl: $_pw" ;;
			*) warn "$g:$s: $_lbl: $_pw" ;;
			esac
		done <"$tmp/probe.lines"
		if [ "$_pr" -ne 0 ]; then
			_k=""
			[ -z "$_held" ] || _k=": the TLSA records of ${_held% } stay"
			warn "$g:$s: a server does not present curr$_k"
			if [ ! -e "$sdir/.probe-pending" ] &&
			    ! true >"$sdir/.probe-pending"; then
				warn "$sdir/.probe-pending: cannot write"
			fi
			failed="$failed $g:$s"
			nfailed=$((nfailed + 1))
			continue
		fi
		step "probe-done"
		if [ -e "$sdir/.probe-pending" ]; then
			{ rm -f "$sdir/.probe-pending" && sync "$sdir"; } ||
			    die "$sdir/.probe-pending: cannot remove"
		fi
		if [ -n "$_held" ]; then
			say "  probe: $g:$s: every server presents curr: the TLSA records of ${_held% } go"
			case " $probe_groups " in
			*" $g "*) ;;
			*) probe_groups="$probe_groups $g" ;;
			esac
		else
			sayv "  probe: $g:$s: every server presents curr"
		fi
	done 3<"$tmp/probe.rows"
}

# probe_withdraw: the apex file of each group in probe_groups without the
# records the probes released, production, and the DNS refresh.
probe_withdraw() {
	[ -n "$probe_groups" ] || return 0
	tlsa_changed=0
	dns_domains=""
	while IFS=$TAB read -r gi g _gnd <&7; do
		case " $probe_groups " in *" $g "*) build_apex ;; esac
	done 7<"$tmp/groups.tsv"
	[ "$tlsa_changed" -eq 1 ] || return 0
	case " $failed " in *" production-copy "*) return 0 ;; esac
	deploy_prod
	deploy_dns "tlsa dns"
}

# probe_status: -s --probe: every service of the run that has servers,
# a line per server and address (text), or objects in $tmp/probe.jsonl
# (--json: the verdict, and what the address presents from sslm-probe's
# report in $tmp/probe.reports); probe_rc the highest status (0, 1 or 3).
probe_status() {
	probe_rc=0
	: >"$tmp/probe.jsonl"
	svc_cols line gi group service signer signer_ca ndane nmx bad \
	    >"$tmp/probe.rows"
	while IFS=$TAB read -r _line _gi _g _s _sg _sc _nd _nm _bad <&3; do
		[ "$_bad" -eq 0 ] || continue
		svc_use "$_line" "$_gi" "$_g" "$_s" "$_sg" "$_sc" "$_nd" "$_nm" "$_bad"
		_pr=0
		# shellcheck disable=SC2310 # its status is the answer
		probe_service status || _pr=$?
		[ "$_pr" -le "$probe_rc" ] || probe_rc=$_pr
		if [ "$o_json" -eq 1 ]; then
			jq -R -s -c --arg g "$g" --arg s "$s" \
			    --slurpfile r "$tmp/probe.reports" '{group: $g,
			    service: $s, servers: [split("\n")[] |
			    select(length > 0) | split("\t") | . as $l |
			    ([$r[] | select(.target == $l[0]) | .tlsa as $ts |
			      .addresses[] | select(.address == $l[1]) |
			      . + {tlsa: $ts} | del(.address)] | first // {}) as $f |
			    {server: .[0],
			    address: (if .[1] == "-" then null else .[1] end),
			    verdict: .[2], reason: .[3]} + $f]}' "$tmp/probe.lines" \
			    >>"$tmp/probe.jsonl" || die "$tmp/probe.lines: cannot read"
			continue
		fi
		while IFS=$TAB read -r _pt _pa _pv _pw; do
			_lbl=$_pt
			[ "$_pa" = "-" ] || _lbl="$_pt [$_pa]"
			out "probe: $g:$s: $_lbl: $_pv: $_pw"
		done <"$tmp/probe.lines"
	done 3<"$tmp/probe.rows"
}
