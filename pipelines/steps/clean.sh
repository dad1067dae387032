# shellcheck shell=sh
# SC2154/SC2034: the state of the run (options, tables, the service in
# hand) is set and used across sslm-mgr and its steps, listed below;
# sslm-mgr sources this file, and the lint checks it there too.
# shellcheck disable=SC2154,SC2034
# SPDX-License-Identifier: MIT
#
# clean.sh: the unused dated sets of the store.  Sourced by sslm-mgr.
#
# Reads:   the store; $tmp/services.tsv (the services of the run), confdir
#          (clean_all: the groups of conf.d), o_clean_keep, o_clean_all.
# Writes:  removes <svc>/db/<stamp> sets no link names beyond the newest
#          o_clean_keep, and db/.new-* leftovers of killed runs; the log.
# Returns: 0.

# clean_service DIR: keep the newest o_clean_keep unreferenced sets.
clean_service() {
	[ -d "$1/db" ] || return 0
	# No more unused sets than it keeps (not curr, next or prev: the
	# same directory, test -ef) and no leftovers: nothing to do, told
	# without starting a process.
	_cn=0
	for _d in "$1"/db/*; do
		# shellcheck disable=SC3013 # -ef: dash, bash and busybox sh have it
		if [ ! -d "$_d" ] || [ "$_d" -ef "$1/curr" ] ||
		    [ "$_d" -ef "$1/next" ] || [ "$_d" -ef "$1/prev" ]; then
			continue
		fi
		_cn=$((_cn + 1))
	done
	for _d in "$1"/db/.new-*; do
		if [ -d "$_d" ]; then _cn=$((_cn + o_clean_keep + 1)); fi
	done
	[ "$_cn" -gt "$o_clean_keep" ] || return 0
	_cu=$(link_target "$1" curr)
	_nx=$(link_target "$1" next)
	_pv=$(link_target "$1" prev)
	_keep=" $_cu $_nx $_pv "
	# The sets whose TLSA records stay until the servers present curr.
	if [ -s "$1/.probe-pending" ]; then
		_ph=$(tr '\n' ' ' <"$1/.probe-pending") || return 0
		_keep="$_keep $_ph "
	fi
	# Leftovers of killed runs (we hold the lock, so none is in progress).
	for _d in "$1"/db/.new-*; do
		[ ! -d "$_d" ] || rm -rf "$_d"
	done
	for _d in "$1"/db/*; do
		[ -d "$_d" ] || continue
		_b=${_d##*/}
		case " $_keep " in *" db/$_b "*) continue ;; esac
		case "$_b" in
		[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9]:[0-9][0-9]:[0-9][0-9])
			# A set whose age cannot be told is kept.
			_m=$(stat -c %Y "$_d") || continue
			printf '%s %s\n' "$_m" "$_b" ;;
		*) log "unexpected dir $_d" ;;
		esac
	done | sort -rn | awk -v k="$o_clean_keep" 'NR > k { print $2 }' |
	while IFS= read -r _b; do
		log "cleaning $1/db/$_b"
		rm -rf "${1:?}/db/$_b"
	done
}

# clean_run: clean_service for every service of the run, or with
# -clean-all for every service directory of a group conf.d has.
clean_run() {
	log "cleaning: keeping $o_clean_keep unused sets per service"
	if [ "$o_clean_all" -eq 1 ]; then
		for gd in "$certs"/*/; do
			gd=${gd%/}
			[ -d "$confdir/${gd##*/}" ] || continue
			for sd in "$gd"/*/; do
				clean_service "${sd%/}"
			done
		done
	else
		svc_cols group service bad >"$tmp/clean.rows"
		while IFS=$TAB read -r g s bad; do
			[ "$bad" -eq 1 ] || clean_service "$certs/$g/$s"
		done <"$tmp/clean.rows"
	fi
}
