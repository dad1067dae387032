# shellcheck shell=sh
# SC2154/SC2034: the state of the run (options, tables, the service in
# hand) is set and used across sslm-mgr and its steps, listed below;
# sslm-mgr sources this file, and the lint checks it there too.
# shellcheck disable=SC2154,SC2034
# SPDX-License-Identifier: MIT
#
# deploy.sh: production and the servers.  The production copy of every
# service that did not fail (sslm-prodcopy), post_copy_cmd, the reloads of
# the server classes whose depends or svc_depends fire, the DNS restart.
# Sourced by sslm-mgr.
#
# Reads:   $conf (post_copy_cmd, server classes, restart_cmd),
#          $tmp/services.tsv, $tmp/classes.tsv, $tmp/pairs.tsv;
#          failed, changed_services, apex_written, tlsa_changed,
#          dns_domains, d_prod, d_fsr, o_dns, o_debug.
# Writes:  production (through sslm-prodcopy), the log (command output),
#          $tmp/prod.json, $tmp/cmd.out, $tmp/words, $tmp/changed;
#          prod_changed, d_fsr (a resync reloads everything), failed,
#          nfailed ("production-copy", "reloads").
# Returns: deploy_* 0 (their failures are counted in failed/nfailed);
#          run_cmd and dns_restart the status of the command.

# run_logged CMD...: CMD with no input, its output in $tmp/cmd.out (for
# cmd_reason) and in the log, each line under the command; returns its
# status.  9>&-: a daemon a command starts must not hold the store's
# lock; 8>&-: nor the log's FIFO; 3<&-: nor the input of the reload loop
# (a file of the scratch).
run_logged() {
	_lrc=0
	"$@" </dev/null >"$tmp/cmd.out" 2>&1 3<&- 4<&- 6<&- 7<&- 8>&- 9>&- ||
	    _lrc=$?
	log_file "$tmp/cmd.out" "      | "
	return "$_lrc"
}

# dns_restart APEX...: every [dns] restart_cmd with --serial_bump.  Each
# entry is one program path, not split and not expanded (sslm.conf(5));
# sslm-conf refused control characters, so it is one line of the list.
dns_restart() {
	[ "$dns_nrestart" -gt 0 ] || return 0
	jq -r '.dns.restart_cmd[][0]' "$conf" >"$tmp/dns.progs" ||
	    die "$conf: cannot read [dns] restart_cmd"
	while IFS= read -r _p <&4; do
		[ -n "$_p" ] || continue
		if [ "$o_debug" -eq 1 ]; then
			say "    debug: would run $_p --serial_bump $*"
		else
			_drc=0
			# shellcheck disable=SC2310 # the command's status, no more
			run_logged "$_p" --serial_bump "$@" || _drc=$?
			if [ "$_drc" -ne 0 ]; then
				_why=$(cmd_reason "$tmp/cmd.out")
				warn "dns: $_p --serial_bump $* failed (status $_drc): $_why"
				return 1
			fi
			say "    dns: $_p --serial_bump $*: done"
		fi
	done 4<"$tmp/dns.progs"
}

# acme_dns_wait: the dns_check_delay floor, then until the TXT records are

run_cmd() {
	# run_cmd HOST WORD...: locally or over ssh; -d prints instead.
	_h=$1
	shift
	if [ "$o_debug" -eq 1 ]; then
		say "    debug: would run on $_h: $*"
		return 0
	fi
	# sslm-deploy: here when HOST is this machine, else over ssh by the
	# one ssh rule (SSLM_SSH, conf.d/ssh_config), one word per argument.
	run_logged sslm-deploy -c "$confdir" run "$_h" -- "$@"
}

# deploy_prod: sslm-prodcopy for the services that did not fail; sets
# prod_changed, and d_fsr when production was behind the store in a way
# this run does not explain.
# Production gets every service that did not fail; a failed one keeps
# what production had (its store may hold a half-finished attempt).
deploy_prod() {
	prod_changed=0
	set -- -c "$conf"
	[ "$o_debug" -eq 0 ] || set -- -d "$@"
	# shellcheck disable=SC2310 # it checks its commands
	ngood=$(good_services "$tmp/prod.sel" skipfailed) ||
	    die "$tmp/prod.sel: cannot write"
	_sel=$(cat "$tmp/prod.sel") || die "$tmp/prod.sel: cannot read"
	# One name a line (sslm-conf refused control characters): split at
	# newlines only, no globbing.
	set -f
	_ifs=$IFS
	IFS=$NL
	# shellcheck disable=SC2086 # split on purpose, see above
	set -- "$@" $_sel
	IFS=$_ifs
	set +f
	if [ "$ngood" -gt 0 ]; then
		step "prodcopy"
		prod_ok=1
		sslm-prodcopy "$@" >"$tmp/prod.json" 2>"$tmp/err" || prod_ok=0
		# Its messages: what -d would do goes to stdout; reasons of a
		# failure go to stderr and the log.
		while IFS= read -r _l; do
			case "$_l" in
			"sslm-prodcopy: debug: "*) say "  ${_l#sslm-prodcopy: }" ;;
			*) printf '%s\n' "$_l" >&2; log "error: $_l" ;;
			esac
		done <"$tmp/err"
		if [ "$prod_ok" -eq 0 ]; then
			failed="$failed production-copy"
			nfailed=$((nfailed + 1))
		fi
		_nch=0
		if [ -s "$tmp/prod.json" ]; then
			_nch=$(jq '(.changed | length) + (.tlsa_changed | length)' \
			    "$tmp/prod.json") || die "$tmp/prod.json: not sslm-prodcopy's report"
		fi
		[ "$o_debug" -eq 1 ] || prod_report
		if [ "$_nch" -gt 0 ]; then
			prod_changed=1
			if [ "$o_debug" -eq 1 ]; then
				:
			elif [ "$prod_ok" -eq 1 ]; then
				sayv "production copies updated in $prod"
			else
				say "production copies in $prod only partly updated"
			fi
			# Production was behind the store in a way this run does not
			# explain: resync, and reload everything as ssl-mgr does.
			_nun=$(jq --arg c "$changed_services" --arg a "$apex_written" '
			    ($c | split(" ")) as $cs | ($a | split(" ")) as $aw |
			    [(.changed[] | select((.group + ":" + .service) as $k |
			      $cs | index($k) | not)),
			     (.tlsa_changed[] | select(. as $g | $aw | index($g) | not))]
			    | length' "$tmp/prod.json") ||
			    die "$tmp/prod.json: not sslm-prodcopy's report"
			if [ "$_nun" -gt 0 ]; then
				say "production resync: reloading servers"
				d_fsr=1
			fi
		fi
	fi
}

# prod_report: from sslm-prodcopy's report, a line for each service whose
# production copy changed (which sets, as the store names them now), for
# each apex TLSA file, and for each remote host (copied, or why not).
prod_report() {
	[ -s "$tmp/prod.json" ] || return 0
	jq -r '(.changed[] | ["svc", .group, .service, .curr, .next]),
	    (.tlsa_changed[] | ["tlsa", .]),
	    (.remote[] | ["host", .host, .ok, (.error // "")]) | @tsv' \
	    "$tmp/prod.json" >"$tmp/prod.lines" ||
	    die "$tmp/prod.json: not sslm-prodcopy's report"
	while IFS=$TAB read -r _k _a _b _c _d; do
		case "$_k" in
		svc)
			_what=""
			for _l in curr next; do
				[ "$_l" = curr ] && _ch=$_c || _ch=$_d
				[ "$_ch" = true ] || continue
				_t=$(link_target "$certs/$_a/$_b" "$_l")
				[ -n "$_t" ] || _t=removed
				_what="$_what, $_l $_t"
			done
			say "production: $_a:$_b: ${_what#, }" ;;
		tlsa)
			say "production: tlsa.$_a updated" ;;
		host)
			if [ "$_b" = true ]; then
				say "production: copied to $_a"
			else
				log "production: copy to $_a failed: $_c"
			fi ;;
		esac
	done <"$tmp/prod.lines"
}

# deploy_post_copy: every post_copy_cmd, after a production change or
# with dev -certs-prod; a failure is a warning.
deploy_post_copy() {
	if [ "$prod_changed" -eq 1 ] || [ "$d_prod" -eq 1 ]; then
		i=0
		while [ "$i" -lt "$npcc" ]; do
			h=$(jget ".globals.post_copy_cmd[$i].host")
			jq -r ".globals.post_copy_cmd[$i].cmd[]" "$conf" >"$tmp/words"
			set --
			while IFS= read -r w; do set -- "$@" "$w"; done <"$tmp/words"
			if [ "$o_debug" -eq 1 ]; then
				say "  debug: would run post copy: $* $h"
			else
				_prc=0
				# shellcheck disable=SC2310 # the command's status, no more
				run_logged "$@" "$h" || _prc=$?
				if [ "$_prc" -ne 0 ]; then
					_why=$(cmd_reason "$tmp/cmd.out")
					warn "post_copy_cmd $* $h failed (status $_prc, continuing): $_why"
				else
					say "post copy: $* $h: done"
				fi
			fi
			i=$((i + 1))
		done
	fi
}

# class_fires CLASS DEPENDS: 0 when its depends tokens or svc_depends
# pairs fire (tokens and $tmp/changed, from deploy_reloads).
class_fires() {
	[ "$d_fsr" -eq 1 ] && return 0
	for _t in $2; do
		case " $tokens " in *" $_t "*) return 0 ;; esac
	done
	while IFS=$TAB read -r _c _d _sv; do
		[ "$_c" = "$1" ] || continue
		case "$_d" in
		any | all | "*")
			grep -qF -e ":$_sv" "$tmp/changed" &&
			    awk -F: -v s="$_sv" '$2 == s { f = 1 } END { exit !f }' \
			    "$tmp/changed" && return 0 ;;
		*)
			grep -qxF -e "$_d:$_sv" "$tmp/changed" && return 0 ;;
		esac
	done <"$tmp/pairs.tsv"
	return 1
}

# deploy_reloads: the restart_cmd of every class that fires on each of
# its servers, then the DNS restart; a failure adds "reloads" to failed.
deploy_reloads() {
	# Which classes to reload: depends tokens and svc_depends pairs.
	tokens=""
	[ -z "$changed_services" ] || tokens="$tokens cert"
	[ "$tlsa_changed" -eq 0 ] || tokens="$tokens tlsa dns"
	# shellcheck disable=SC2086
	printf '%s\n' $changed_services >"$tmp/changed"
	reload_failed=0
	# Reloads follow the changes of the services that worked, unless their
	# production copy failed (then the servers keep what they have).
	case " $failed " in
	*" production-copy "*) do_reloads=0 ;;
	*) do_reloads=1 ;;
	esac
	[ "$d_fsr" -eq 0 ] || do_reloads=1
	if [ "$do_reloads" -eq 1 ]; then
		while IFS=$TAB read -r cls nc nsrv deps <&3; do
			if [ "$nc" -eq 0 ] || [ "$nsrv" -eq 0 ]; then
				continue
			fi
			# shellcheck disable=SC2310 # a predicate: reads only
			class_fires "$cls" "$deps" || continue
			# shellcheck disable=SC2310 # a predicate
			if [ "$d_fsr" -eq 0 ] && ! am_root && [ "$o_debug" -eq 0 ]; then
				say "  $cls: need root privileges to reload servers (skipped)"
				continue
			fi
			say "  $cls: reload"
			jq -r ".servers.$cls.servers[]" "$conf" >"$tmp/hosts" ||
			    die "$conf: cannot read the servers of $cls"
			while IFS= read -r h <&6; do
				c=0
				while [ "$c" -lt "$nc" ]; do
					jq -r ".servers.$cls.restart_cmd[$c][]" "$conf" >"$tmp/words"
					set --
					while IFS= read -r w; do set -- "$@" "$w"; done <"$tmp/words"
					step "reload-$cls"
					_crc=0
					# shellcheck disable=SC2310 # the command's status
					run_cmd "$h" "$@" || _crc=$?
					if [ "$_crc" -ne 0 ]; then
						_why=$(cmd_reason "$tmp/cmd.out")
						warn "$cls: $h: $* failed (status $_crc): $_why"
						reload_failed=1
					elif [ "$o_debug" -eq 0 ]; then
						say "    $cls: $h: $*: done"
					fi
					c=$((c + 1))
				done
			done 6<"$tmp/hosts"
		done 3<"$tmp/classes.tsv"
		# DNS last: servers reload before the zone drops the old records.
		[ "$reload_failed" -ne 0 ] || deploy_dns "$tokens"
	fi
	[ "$reload_failed" -eq 0 ] || { failed="$failed reloads"; nfailed=$((nfailed + 1)); }
}

# deploy_dns TOKENS: the DNS restart for dns_domains when the [dns]
# depends tokens are among TOKENS (or -fsr, -dns); a failure sets
# reload_failed.
deploy_dns() {
	dns_fire=0
	[ "$d_fsr" -eq 0 ] || dns_fire=1
	[ "$o_dns" -eq 0 ] || { dns_fire=1; dns_domains="$dns_domains $all_domains"; }
	for _t in $dns_depends; do
		case " $1 " in *" $_t "*) dns_fire=1 ;; esac
	done
	if [ "$dns_fire" -eq 1 ] && [ "$dns_nrestart" -gt 0 ]; then
		# shellcheck disable=SC2086
		dns_domains=$(printf '%s\n' $dns_domains | sort -u | tr '\n' ' ')
		say "  dns: restart for [ $dns_domains]"
		step "dns-restart"
		# shellcheck disable=SC2086,SC2310 # apex names (checked by
		# sslm-conf); it warns, the failure is counted
		dns_restart $dns_domains || reload_failed=1
	fi
}
