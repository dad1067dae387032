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
	_keep=" $(link_target "$1" curr) $(link_target "$1" next) $(link_target "$1" prev) "
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
			printf '%s %s\n' "$(stat -c %Y "$_d")" "$_b" ;;
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
	if [ "$o_clean_all" -eq 1 ]; then
		for gd in "$certs"/*/; do
			gd=${gd%/}
			[ -d "$confdir/${gd##*/}" ] || continue
			for sd in "$gd"/*/; do
				clean_service "${sd%/}"
			done
		done
	else
		while IFS=$TAB read -r _gi _si g s _sg _sc _nd _nm bad; do
			[ "$bad" -eq 1 ] || clean_service "$certs/$g/$s"
		done <"$tmp/services.tsv"
	fi
}
