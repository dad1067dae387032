# shellcheck shell=sh
# SC2154/SC2034: the state of the run (options, tables, the service in
# hand) is set and used across sslm-mgr and its steps, listed below;
# sslm-mgr sources this file, and the lint checks it there too.
# shellcheck disable=SC2154,SC2034
# SPDX-License-Identifier: MIT
#
# status.sh: -s, --json, --sync, --prom and the last-run record.  The
# status of the services comes from sslm-status (one process for the
# whole selection, or one per service before its task), as text on stdout
# or JSON lines in $tmp/status.jsonl; the metrics from sslm-status -p.
# Reads only, except for --prom and .last-run.  Sourced by sslm-mgr.
#
# Reads:   $tmp/conf.json (sslm-status reads the store: links, sets,
#          <sdir>/.ari, <sdir>/.tlsa-seen, certs/.last-run);
#          $tmp/services.tsv; g, s, st_now, o_roll_mins, o_late, o_test,
#          o_verb, o_json, o_sync, o_prom, failed.
# Writes:  $tmp/st.err, $tmp/prom.err, $tmp/status.jsonl, $tmp/sync.rows,
#          $tmp/lastrun.*; st_rc; certs/.last-run (last_run_record), the
#          --prom file (prom_write, by sslm-status), both replaced
#          atomically.
# Returns: 0; status_finish exits with the status of -s (0, 1 or 3);
#          status_one and prom_write die when sslm-status fails.

# ---- status ------------------------------------------------------------------------

# st_run ARGS...: sslm-status with the configuration, min_roll_mins, the
# late limit, -t (no ARI) and -v of the run, then ARGS; its status.
st_run() {
	[ "$o_verb" -eq 0 ] || set -- -v "$@"
	[ "$o_test" -eq 0 ] || set -- -t "$@"
	sslm-status -c "$conf" -r "$o_roll_mins" -l "$o_late" "$@"
}

# st_show ARGS...: st_run ARGS with the status of each service, a line
# each, into the log too; its status.
st_show() {
	[ -z "$logfile" ] || set -- -L "$tmp/st.lines" "$@"
	_sr=0
	# shellcheck disable=SC2310 # the tool's status
	st_run "$@" || _sr=$?
	[ -z "$logfile" ] || log_file "$tmp/st.lines" "status: "
	return "$_sr"
}

# status_show: the status of every service of the run in one sslm-status
# (reads only: the cached ARI state of an ACME service and the recorded
# $sdir/.tlsa-seen, no DNS): the text on stdout, or with --json the
# objects in $tmp/status.jsonl; its lines about the services that are not
# fine in $tmp/st.err and its status (the highest of the services) in
# st_rc, for status_finish.
status_show() {
	st_rc=0
	if [ "$o_json" -eq 1 ]; then
		# shellcheck disable=SC2310 # the tool's status
		st_show -j -a "@$st_now" >"$tmp/status.jsonl" \
		    2>"$tmp/st.err" || st_rc=$?
	else
		# shellcheck disable=SC2310 # the tool's status
		st_show -a "@$st_now" 2>"$tmp/st.err" || st_rc=$?
	fi
}

# status_one: the status of the service in hand (g, s) before its task,
# as text on stdout (under the headings sslm-mgr printed) or, with
# --json, appended to $tmp/status.jsonl.
status_one() {
	if [ "$o_json" -eq 1 ]; then
		# shellcheck disable=SC2310 # the tool's status
		st_show -b -j -a "@$st_now" "$g:$s" >>"$tmp/status.jsonl" ||
		    die "$g:$s: cannot tell its status"
	else
		# shellcheck disable=SC2310 # the tool's status
		st_show -b -a "@$st_now" "$g:$s" ||
		    die "$g:$s: cannot tell its status"
	fi
}

# last_run_record: the result of this -renew/-roll run for each service
# of the run, "grp<TAB>svc<TAB>epoch<TAB>ok|failed" a line, merged into
# certs_dir/.last-run (replaced atomically).  A service failed when it
# did, or when a step the run shares (production copy, reloads, tlsa_dirs)
# did.
last_run_record() {
	_lr=$certs/.last-run
	_now=$(date +%s)
	_all=ok
	case " $failed " in
	*" production-copy "* | *" reloads "* | *" tlsa_dirs "*) _all=failed ;;
	esac
	svc_cols group service >"$tmp/lastrun.rows"
	while IFS=$TAB read -r g s; do
		_r=$_all
		case " $failed " in *" $g:$s "*) _r=failed ;; esac
		printf '%s\t%s\t%s\t%s\n' "$g" "$s" "$_now" "$_r"
	done <"$tmp/lastrun.rows" >"$tmp/lastrun.new"
	[ -s "$tmp/lastrun.new" ] || return 0
	{
		[ ! -s "$_lr" ] || awk -F "$TAB" 'NR == FNR { k[$1 FS $2] = 1; next }
		    !(($1 FS $2) in k)' "$tmp/lastrun.new" "$_lr"
		cat "$tmp/lastrun.new"
	} >"$tmp/lastrun.all"
	if ! { cp "$tmp/lastrun.all" "$_lr.tmp" && chmod 0644 "$_lr.tmp" &&
	    mv -f "$_lr.tmp" "$_lr"; }; then
		rm -f "$_lr.tmp"
		warn "$_lr: cannot record the result of the run"
	fi
}

# prom_write FILE: the metrics of the services of the run as the store
# stands now into FILE, mode 0644, replaced atomically by sslm-status (a
# temporary file in FILE's directory, then rename(2)), with the results of
# certs/.last-run.
prom_write() {
	# shellcheck disable=SC2310 # the tool's status
	if ! st_run -q -p "$1" 2>"$tmp/prom.err"; then
		sed "s/^sslm-status: /$PROG: /" "$tmp/prom.err" >&2
		die "$1: cannot write the metrics"
	fi
}

# status_finish: the end of a status run that had no task (changes
# nothing): the production check (--sync), the servers (--probe:
# probe_status adds 1 for one that does not present curr, 3 for one that
# cannot be probed), the JSON, the metrics, a line
# on standard error for each service that is not fine, and the exit
# status: the highest of the services (0, 1 or 3); --sync adds 1 when
# production differs from the store, 3 when it cannot be checked.
status_finish() {
	_rc=$st_rc
	_sync=null
	if [ "$o_sync" -eq 1 ]; then
		set -- -n -c "$conf"
		# shellcheck disable=SC2310 # it checks its commands
		_n=$(good_services "$tmp/sync.sel") ||
		    die "$tmp/sync.sel: cannot write"
		_sel=$(cat "$tmp/sync.sel") || die "$tmp/sync.sel: cannot read"
		set -f
		_ifs=$IFS
		IFS=$NL
		# shellcheck disable=SC2086 # a name a line, split on purpose
		set -- "$@" $_sel
		IFS=$_ifs
		set +f
		_prc=0
		if [ "$#" -gt 3 ]; then
			sslm-prodcopy "$@" >/dev/null 2>"$tmp/err" || _prc=$?
		fi
		case "$_prc" in
		0)
			_sync=true
			[ "$o_json" -eq 1 ] || say "production: in sync with the store" ;;
		1)
			_sync=false
			cat "$tmp/err" >&2
			warn "production differs from the store: a run copies it"
			[ "$_rc" -ge 1 ] || _rc=1 ;;
		*)
			cat "$tmp/err" >&2
			warn "production: cannot check it against the store"
			_rc=3 ;;
		esac
	fi
	if [ "$o_probe" -eq 1 ]; then
		probe_status
		[ "$probe_rc" -le "$_rc" ] || _rc=$probe_rc
	fi
	if [ "$o_json" -eq 1 ]; then
		[ "$o_probe" -eq 1 ] || : >"$tmp/probe.jsonl"
		jq -s --arg c "$certs" --argjson y "$_sync" \
		    --argjson p "$o_probe" --slurpfile pr "$tmp/probe.jsonl" '
		    {certs_dir: $c, services: (if $p == 0 then . else
		      map(. as $v | . + {probe: ([$pr[] | select(.group ==
		        $v.group and .service == $v.service) | .servers[]])})
		     end)} + (if $y == null then {} else
		    {production_in_sync: $y} end)' "$tmp/status.jsonl"
	fi
	[ -z "$o_prom" ] || prom_write "$o_prom"
	# The services that are not fine, one line each, in sslm-mgr's name.
	sed "s/^sslm-status: /$PROG: /" "$tmp/st.err" >&2
	st_final=$_rc
	log "done: status $_rc"
	exit "$_rc"
}
