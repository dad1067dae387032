# shellcheck shell=sh
# SC2154/SC2034: the state of the run (options, tables, the service in
# hand) is set and used across sslm-mgr and its steps, listed below;
# sslm-mgr sources this file, and the lint checks it there too.
# shellcheck disable=SC2154,SC2034
# SPDX-License-Identifier: MIT
#
# dane.sh: the TLSA records.  The roll gate (dane_gate, dane_seen: are
# next's records on every authoritative server, for 2 x TTL), the
# observation at the end of a run (dane_observe), and the apex file
# certs/<grp>/tlsa.<grp> from the tlsa.rr of every curr and next
# (build_apex), copied to the [dns] tlsa_dirs and sent as RFC 2136 updates
# (sslm-dnsupdate).  Sourced by sslm-mgr.
#
# Reads:   svc (.dane_tls_ttl), sdir, g, apex, ndane, dns_srv, dns_port,
#          $conf (dns_xtra_ns, the group's services), $tmp/conf-all.json,
#          $tmp/services.tsv, $tmp/services.jsonl, $tmp/primaries.tsv,
#          $tmp/tlsa_dirs; the sets' tlsa.rr.
# Writes:  <sdir>/.tlsa-seen ("db/<stamp> <seconds>"), certs/<g>/tlsa.<g>,
#          <tlsa_dir>/tlsa.<g>, $tmp/tlsa.*, $tmp/dane.*, $tmp/upd.*;
#          dane_age, dane_why, apex_written, tlsa_changed, dns_domains,
#          tlsa_copy_failed.
# Returns: dane_gate and dane_seen 0 yes, 1 no (said, or dane_why);
#          dns_update 0 sent, 1 failed (warned); the others 0.

# dane_gate NEXTDIR: a DANE service rolls only when next's TLSA records
# are served by every authoritative server of the apex, and have been for
# at least twice their TTL (the first time they were seen everywhere is
# kept as "db/stamp seconds" in $sdir/.tlsa-seen, outside the set: a set
# holds only the files sslm-prodcopy accepts).  0 to roll; otherwise says
# what is missing.
dane_gate() {
	[ "$ndane" -gt 0 ] && [ -s "$1/tlsa.rr" ] || return 0
	if [ -z "$dns_srv" ]; then
		say "            roll refused: no [[dns_primary]] for $apex to check the TLSA records"
		return 1
	fi
	if ! command -v sslm-nscheck >/dev/null 2>&1; then
		say "            roll refused: sslm-nscheck is not installed"
		return 1
	fi
	step "dane-check"
	# shellcheck disable=SC2310 # it checks its commands
	if ! dane_seen "$1"; then
		sayi "            roll refused: next TLSA records are not on every authoritative server: $dane_why"
		return 1
	fi
	if ! _ttl=$(jq -r '.dane_tls_ttl' "$svc"); then
		say "            roll refused: $svc: cannot read dane_tls_ttl"
		return 1
	fi
	_need=$((2 * _ttl))
	if [ "$dane_age" -lt "$_need" ]; then
		sayi "            roll refused: next TLSA records seen everywhere $dane_age s ago, need 2 x TTL = $_need s"
		return 1
	fi
	sayv "            next TLSA records on every server for $dane_age s"
	return 0
}

# dane_seen SETDIR: are the set's TLSA records on every authoritative
# server (tlsa_everywhere)?  Keeps the first time they were, as
# "db/<stamp> <seconds>" in $sdir/.tlsa-seen (outside the set), and sets
# dane_age to the seconds since; else dane_why says what lags.
dane_seen() {
	dane_age=0
	# shellcheck disable=SC2310 # it checks its commands
	if ! tlsa_everywhere "$1"; then
		rm -f "$sdir/.tlsa-seen"
		return 1
	fi
	_now=$(date +%s) || { dane_why="date failed"; return 1; }
	_set=db/${1##*/}
	_seen=""
	[ ! -s "$sdir/.tlsa-seen" ] ||
	    _seen=$(awk -v s="$_set" '$1 == s { print $2 }' "$sdir/.tlsa-seen")
	case "$_seen" in
	"" | *[!0-9]*)
		_seen=$_now
		if ! { printf '%s %s\n' "$_set" "$_now" >"$sdir/.tlsa-seen.tmp" &&
		    mv -f "$sdir/.tlsa-seen.tmp" "$sdir/.tlsa-seen"; }; then
			rm -f "$sdir/.tlsa-seen.tmp"
			dane_why="$sdir/.tlsa-seen: cannot record when the records were seen"
			return 1
		fi
		;;
	esac
	dane_age=$((_now - _seen))
	return 0
}

# tlsa_everywhere SETDIR: the set's TLSA records are on every
# authoritative server of the apex, the [[dns_primary]] and the
# dns_xtra_ns (sslm-nscheck); else dane_why says what lags.
tlsa_everywhere() {
	dane_why="$1/tlsa.rr: cannot read the records"
	# shellcheck disable=SC2310 # awk's status: reading the file
	tlsa_records "$1/tlsa.rr" >"$tmp/tlsa.all" || return 1
	cut -f1,3 "$tmp/tlsa.all" >"$tmp/tlsa.expect" || return 1
	_xns=$(jq -c .globals.dns_xtra_ns "$conf") || return 1
	jq -R -s --arg a "$apex" --arg srv "$dns_srv" --argjson port "$dns_port" \
	    --argjson x "$_xns" \
	    '{apex: $a, primary: {server: $srv, port: $port}, xtra_ns: $x,
	      present: [split("\n")[] | select(length > 0) | split("\t") |
	        {name: (.[0] | rtrimstr(".")), type: "TLSA", values: [.[1]]}]}' \
	    "$tmp/tlsa.expect" >"$tmp/dane.json" || return 1
	dane_why=""
	# shellcheck disable=SC2086
	if ! sslm-nscheck -w "${SSLM_DANE_WAIT:-10}" ${SSLM_NSCHECK_OPTS:-} \
	    "$tmp/dane.json" >"$tmp/dane.out" 2>"$tmp/err"; then
		# The first laggard, else the summary (or another error).
		dane_why=$(grep -v 'not converged after' "$tmp/err" | head -1) ||
		    dane_why=""
		[ -n "$dane_why" ] || dane_why=$(tail -1 "$tmp/err") ||
		    dane_why="sslm-nscheck failed"
		return 1
	fi
}

# dane_observe: at the end of a run that did not roll, start the 2 x TTL
# clock of every DANE next whose records are already everywhere, so a
# roll hours later (cron) finds them old enough.
dane_observe() {
	command -v sslm-nscheck >/dev/null 2>&1 || return 0
	svc_cols line gi group service signer signer_ca ndane nmx bad \
	    >"$tmp/observe.rows"
	while IFS=$TAB read -r _line _gi _g _s _sg _sc _nd _nm _bad <&5; do
		if [ "$_bad" -ne 0 ] || [ "$_nd" -eq 0 ]; then
			continue
		fi
		svc_use "$_line" "$_gi" "$_g" "$_s" "$_sg" "$_sc" "$_nd" "$_nm" "$_bad"
		_nx=$(link_target "$sdir" next)
		_cu=$(link_target "$sdir" curr)
		if [ -z "$_nx" ] || [ ! -s "$sdir/$_nx/tlsa.rr" ] ||
		    [ "$_nx" = "$_cu" ]; then
			continue
		fi
		if [ -s "$sdir/.tlsa-seen" ] &&
		    awk -v s="$_nx" '$1 == s { f = 1 } END { exit !f }' \
		    "$sdir/.tlsa-seen"; then
			continue
		fi
		[ -n "$dns_srv" ] || continue
		step "dane-observe"
		# shellcheck disable=SC2310 # it checks its commands
		if dane_seen "$sdir/$_nx"; then
			sayv "  $g:$s: next TLSA records on every server"
		else
			sayv "  $g:$s: next TLSA records not everywhere yet: $dane_why"
		fi
	done 5<"$tmp/observe.rows"
}

# ---- apex TLSA file (spec 5.10.2, fixed) --------------------------------------------

# The services that count for the apex file: those of this run and those
# the configuration lists for the group.
apex_services() {
	{
		jq -r ".groups[$gi].services[].service" "$conf"
		if [ -s "$tmp/conf-all.json" ]; then
			jq -r --arg g "$g" '.groups[] | select(.domain == $g) |
			    .services[].service' "$tmp/conf-all.json"
		fi
	} | sort -u
}

# build_apex: certs/<g>/tlsa.<g> from curr, next and the held sets
# (<svc>/.probe-pending) of every service; whole records (also multi-line
# ones) are de-duplicated.  Sets
# tlsa_changed=1 when the records differ from before.
build_apex() {
	_f=$certs/$g/tlsa.$g
	_new=$tmp/tlsa.new
	: >"$tmp/tlsa.body"
	for _s in $(apex_services); do
		# curr, next, and the sets whose records stay until every
		# server presents curr (probe.sh), "held" in the comment.
		_held=""
		[ ! -s "$certs/$g/$_s/.probe-pending" ] ||
		    _held=$(cat "$certs/$g/$_s/.probe-pending") ||
		    die "$certs/$g/$_s/.probe-pending: cannot read"
		for _l in curr next $_held; do
			case "$_l" in
			curr | next) _t=$(link_target "$certs/$g/$_s" "$_l") ;;
			db/*/* | db/.*) continue ;;
			db/?*) _t=$_l _l=held ;;
			*) continue ;;
			esac
			[ -n "$_t" ] || continue
			_rr=$certs/$g/$_s/$_t/tlsa.rr
			[ -s "$_rr" ] || continue
			printf ';;\n;; %s %s\n;;\n' "$_s" "$_l" >>"$tmp/tlsa.body"
			grep -v '^;' "$_rr" >>"$tmp/tlsa.body" || true
		done
	done
	awk '
	    # Join a parenthesised record into one unit; comment repeats.
	    /^[ \t]*$/ { next }
	    /^;;/ { print; next }
	    { u = (u == "" ? $0 : u "\n" $0)
	      o = gsub(/\(/, "(", u); c = gsub(/\)/, ")", u)
	      if (o > c) next
	      key = u; gsub(/[ \t\n()]+/, " ", key)
	      if (key in seen) { n = split(u, a, "\n")
	        for (i = 1; i <= n; i++) print ";; " a[i] }
	      else { seen[key] = 1; print u; recs++ }
	      u = "" }
	    END { exit recs > 0 ? 0 : 1 }' "$tmp/tlsa.body" >"$tmp/tlsa.recs" &&
	    _have=1 || _have=0
	_old=$(grep -v '^;' "$_f" 2>/dev/null | tr -s ' \t' ' ' | sort | cksum || true)
	rm -f "$tmp/tlsa.old"
	[ ! -e "$_f" ] || cp "$_f" "$tmp/tlsa.old"
	if [ "$_have" -eq 1 ]; then
		{
			printf ';;\n;; TLSA %s\n;;\n' "$g"
			cat "$tmp/tlsa.recs"
			printf '\n'
		} >"$_new"
		_nw=$(grep -v '^;' "$_new" | tr -s ' \t' ' ' | sort | cksum)
		if cmp -s "$_new" "$_f"; then
			tlsa_dirs_sync
			return 0
		fi
		step "apex-tlsa"
		{ cp "$_new" "$_f.tmp" && chmod 0644 "$_f.tmp" &&
		    sync "$_f.tmp" && mv -f "$_f.tmp" "$_f"; } ||
		    die "$_f: cannot write the TLSA records of $g"
		log "  $g: tlsa.$g written"
	else
		if [ ! -e "$_f" ]; then
			tlsa_dirs_sync
			return 0
		fi
		step "apex-tlsa"
		rm -f "$_f" || die "$_f: cannot remove"
		log "  $g: tlsa.$g removed: no TLSA records left"
		_nw=""
	fi
	sync "$certs/$g" || die "$certs/$g: cannot sync"
	apex_written="$apex_written $g"
	# Comments only (curr/next labels): copy, but no DNS work.
	if [ "$_nw" != "$_old" ]; then
		tlsa_changed=1
		dns_domains="$dns_domains $g"
		sayv "  TLSA records of $g changed"
		tlsa_update "$tmp/tlsa.old" "$_f"
	fi
	tlsa_dirs_sync
}

# tlsa_records FILE: "owner<TAB>ttl<TAB>u s m hex" for each TLSA record of
# a tlsa.rr or tlsa.<apex> file (multi-line records joined; ttl empty when
# the record has none).
tlsa_records() {
	awk '/^;/ || /^[ \t]*$/ { next }
	    { u = (u == "" ? $0 : u " " $0)
	      o = gsub(/\(/, "", u); c = gsub(/\)/, "", u); d += o - c
	      if (d > 0) next
	      n = split(u, f, /[ \t]+/); r = ""; t = ""
	      for (i = 1; i <= n; i++) if (f[i] == "TLSA") break
	      if (f[2] ~ /^[0-9]+$/) t = f[2]
	      for (j = i + 1; j <= n; j++) r = r (r == "" ? "" : " ") f[j]
	      print f[1] "\t" t "\t" r; u = "" }' "$1"
}

# dns_update ZONE JSONFILE: send one RFC 2136 update to [dns]
# update_server (nothing when none is configured).
dns_update() {
	_uz=$1
	[ -n "$upd_server" ] || return 0
	if [ "$o_debug" -eq 1 ]; then
		_uj=$(jq -c . "$2") || _uj="(unreadable $2)"
		say "    debug: would send to $upd_server: $_uj"
		return 0
	fi
	set -- -s "$upd_server" -p "$upd_port" -z "$1" "$2"
	[ -z "$upd_key" ] || set -- -k "$upd_key" "$@"
	if ! sslm-dnsupdate "$@" >"$tmp/upd.out" 2>"$tmp/upd.err"; then
		log_file "$tmp/upd.out" "    "
		_why=$(tail -1 "$tmp/upd.err") || _why=""
		warn "dns update of $_uz at $upd_server: $_why"
		return 1
	fi
	log_file "$tmp/upd.out" "    "
	sayv "  dns update of $_uz sent to $upd_server"
}

# tlsa_update OLD NEW: the TLSA RRsets of the apex file NEW replace those
# of OLD on the update server; owners that disappeared are deleted.
tlsa_update() {
	[ -n "$upd_server" ] || return 0
	# shellcheck disable=SC2310 # awk's status: the old file may be gone
	tlsa_records "$1" 2>/dev/null >"$tmp/upd.old" || : >"$tmp/upd.old"
	[ -e "$1" ] || : >"$tmp/upd.old"
	if [ -e "$2" ]; then tlsa_records "$2" >"$tmp/upd.new"; else : >"$tmp/upd.new"; fi
	jq -R -s --rawfile old "$tmp/upd.old" '
	    def recs: split("\n") | map(select(length > 0) | split("\t"));
	    (recs) as $n | ($old | recs) as $o |
	    {replace: ($n | group_by(.[0]) | map({name: (.[0][0] | rtrimstr(".")),
	       type: "TLSA", ttl: ((.[0][1] | select(length > 0) | tonumber) // 300),
	       values: (map(.[2]) | unique)})),
	     delete: ([$o[] | .[0]] - [$n[] | .[0]] | unique |
	       map({name: rtrimstr("."), type: "TLSA"}))}' \
	    "$tmp/upd.new" >"$tmp/upd.json"
	step "dns-update-tlsa"
	# shellcheck disable=SC2310 # it warns; the failure is counted
	dns_update "$g" "$tmp/upd.json" || tlsa_copy_failed=1
}

# tlsa_dirs_sync: every [dns] tlsa_dirs copy equals certs/<g>/tlsa.<g>
# (or is absent with it); a copy lost or a directory added is mended.
tlsa_dirs_sync() {
	_f=$certs/$g/tlsa.$g
	while IFS= read -r _d; do
		if [ -e "$_f" ] && cmp -s "$_f" "$_d/tlsa.$g"; then
			continue
		fi
		[ -e "$_f" ] || [ -e "$_d/tlsa.$g" ] || continue
		if [ "$o_debug" -eq 1 ]; then
			say "  debug: would update $_d/tlsa.$g"
			continue
		fi
		# The DNS server reads this directory: 0755, file 0644.
		if ! (umask 022 && mkdir -p "$_d"); then
			warn "$_d: cannot create"
			tlsa_copy_failed=1
			continue
		fi
		if [ -e "$_f" ]; then
			if ! { cp "$_f" "$_d/.tlsa.$g.tmp" &&
			    chmod 0644 "$_d/.tlsa.$g.tmp" &&
			    mv -f "$_d/.tlsa.$g.tmp" "$_d/tlsa.$g"; }; then
				rm -f "$_d/.tlsa.$g.tmp"
				warn "$_d/tlsa.$g: copy failed"
				tlsa_copy_failed=1
				continue
			fi
			log "  $g: tlsa.$g copied to $_d"
		elif rm -f "$_d/tlsa.$g"; then
			log "  $g: tlsa.$g removed from $_d"
		else
			warn "$_d/tlsa.$g: cannot remove"
			tlsa_copy_failed=1
		fi
	done <"$tmp/tlsa_dirs"
}
