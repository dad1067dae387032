# shellcheck shell=sh
# SC2154/SC2034: the state of the run (options, tables, the service in
# hand) is set and used across sslm-mgr and its steps, listed below;
# sslm-mgr sources this file, and the lint checks it there too.
# shellcheck disable=SC2154,SC2034
# SPDX-License-Identifier: MIT
#
# common.sh: what every step uses: the host, the store's links and sets,
# the facts of a certificate, a failed service.  Sourced by sslm-mgr.
#
# Reads:   the store: the links curr, next, prev of <certs>/<grp>/<svc>
#          and its db/<stamp> sets; host_full, host_short.
# Writes:  links (set_link, rm_link: one rename(2) or unlink, then fsync);
#          failed, nfailed and the log (service_failed).
# Returns: is_local_host, am_root, set_complete: 0 yes, 1 no; the others
#          0, their output on stdout.

# is_local_host HOST: HOST names this machine (hostname, short or full,
# or localhost; case does not matter).
is_local_host() {
	_lh=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
	[ "$_lh" = "$(printf '%s' "$host_full" | tr '[:upper:]' '[:lower:]')" ] ||
	    [ "$_lh" = "$(printf '%s' "$host_short" | tr '[:upper:]' '[:lower:]')" ] ||
	    [ "$_lh" = localhost ]
}
am_root() { [ "$(id -u)" -eq 0 ]; }

# ---- the store -------------------------------------------------------------------

# link_target DIR NAME: "db/<stamp>" of a valid link, else nothing.
link_target() {
	[ -L "$1/$2" ] || return 0
	_t=$(readlink "$1/$2")
	case "$_t" in
	db/*/* | db/.* | db/) return 0 ;;
	db/*) [ -d "$1/$_t" ] && printf '%s\n' "$_t" ;;
	esac
	return 0
}

# set_link DIR NAME TARGET: one rename(2) of a fresh link, then fsync.
# The store must take it: a failure ends the run (die).
set_link() {
	{ rm -f "$1/.$2.tmp" && ln -s "$3" "$1/.$2.tmp" &&
	    mv -T "$1/.$2.tmp" "$1/$2" && sync "$1"; } ||
	    die "$1/$2: cannot point the link at $3"
}

# rm_link DIR NAME: the link gone, then fsync (or die).
rm_link() {
	{ rm -f "$1/$2" && sync "$1"; } || die "$1/$2: cannot remove the link"
}

SETFILES="privkey.pem csr.pem cert.pem chain.pem fullchain.pem bundle.pem"
# set_complete DIR: every file of a set is there and not empty.
set_complete() {
	for _f in $SETFILES; do
		[ -s "$1/$_f" ] || return 1
	done
	return 0
}

# new_stamp DBDIR: a free YYYYMMDD-HH:MM:SS name (local time, as ssl-mgr).
new_stamp() {
	_e=$(date +%s)
	while :; do
		_s=$(date -d "@$_e" +%Y%m%d-%H:%M:%S)
		[ -e "$1/$_s" ] || [ -e "$1/.new-$_s" ] || break
		_e=$((_e + 1))
	done
	printf '%s\n' "$_s"
}

# A JSON fact about a certificate: certfact FILE JQ-FILTER
certfact() {
	sslm-info --json "$1" 2>/dev/null |
	    jq -r "[.[] | select(.type == \"certificate\")][0] | $2"
}


service_failed() {
	failed="$failed $g:$s"
	nfailed=$((nfailed + 1))
	printf '%s: %s:%s: %s\n' "$PROG" "$g" "$s" "$1" >&2
	log "error: $g:$s: $1"
}
