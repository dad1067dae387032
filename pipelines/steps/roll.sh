# shellcheck shell=sh
# SC2154/SC2034: the state of the run (options, tables, the service in
# hand) is set and used across sslm-mgr and its steps, listed below;
# sslm-mgr sources this file, and the lint checks it there too.
# shellcheck disable=SC2154,SC2034
# SPDX-License-Identifier: MIT
#
# roll.sh: next becomes curr once old enough (min_roll_mins) and, for a
# DANE service, once its TLSA records have been on every authoritative
# server for 2 x TTL (dane_gate in dane.sh).  Sourced by sslm-mgr.
#
# Reads:   sdir, s, g, o_roll_mins; the links curr, next and their sets.
# Writes:  the links prev, curr, next (one rename(2) each), <set>/info;
#          changed_services.
# Returns: 0, or 1 when next is incomplete or its notBefore cannot be
#          read (service_failed said so).

# next_to_curr: curr -> prev, next -> curr, each one rename.  Safe to
# repeat after a crash: a next equal to curr is only removed.
next_to_curr() {
	_nx=$(link_target "$sdir" next)
	_cu=$(link_target "$sdir" curr)
	if [ -z "$_nx" ]; then
		sayv "            nothing to roll: no next"
		return 0
	fi
	if [ "$_nx" = "$_cu" ]; then
		rm_link "$sdir" next
		return 0
	fi
	for _f in $SETFILES; do
		if [ ! -s "$sdir/$_nx/$_f" ]; then
			service_failed "next is incomplete: $_f missing from $sdir/$_nx"
			return 1
		fi
	done
	# The servers must show that they present the new curr before its
	# predecessor's TLSA records go (probe.sh).
	probe_hold
	if [ -n "$_cu" ]; then
		step "link-prev"
		set_link "$sdir" prev "$_cu"
	fi
	step "link-curr"
	set_link "$sdir" curr "$_nx"
	step "unlink-next"
	rm_link "$sdir" next
	_when=$(date +%Y%m%d-%H:%M:%S) || _when=unknown
	{ printf '# %s rolled to curr : %s\n' "$s" "$_when" \
	    >"$sdir/$_nx/.info.tmp" && chmod 0644 "$sdir/$_nx/.info.tmp" &&
	    mv -f "$sdir/$_nx/.info.tmp" "$sdir/$_nx/info"; } ||
	    die "$sdir/$_nx/info: cannot write"
	changed_services="$changed_services $g:$s"
	say "            rolled: curr is now $_nx"
}

do_roll() {
	_nx=$(link_target "$sdir" next)
	_cu=$(link_target "$sdir" curr)
	if [ -z "$_nx" ] || [ ! -s "$sdir/$_nx/cert.pem" ]; then
		sayv "            nothing to roll: no next cert"
		return 0
	fi
	if [ "$_nx" != "$_cu" ] && [ -n "$_cu" ]; then
		# shellcheck disable=SC2310 # it checks its commands
		if ! _nb=$(certfact "$sdir/$_nx/cert.pem" .not_before) ||
		    ! _nbs=$(date -d "$_nb" +%s) || ! _now=$(date +%s); then
			service_failed "next/cert.pem: cannot read its notBefore"
			return 1
		fi
		_age=$((_now - _nbs))
		_mins=$((_age / 60))
		if [ "$_age" -lt $((o_roll_mins * 60)) ]; then
			sayi "            too soon to roll: next is $_mins mins old < $o_roll_mins mins"
			return 0
		fi
		sayv "            okay to roll: next is $_mins mins old"
		# shellcheck disable=SC2310 # a predicate; it checks its commands
		dane_gate "$sdir/$_nx" || return 0
	elif [ -z "$_cu" ]; then
		sayv "            okay to roll: no curr"
	fi
	next_to_curr
}
