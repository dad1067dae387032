# shellcheck shell=sh
# SC2154/SC2034: the state of the run (options, tables, the service in
# hand) is set and used across sslm-mgr and its steps, listed below;
# sslm-mgr sources this file, and the lint checks it there too.
# shellcheck disable=SC2154,SC2034
# SPDX-License-Identifier: MIT
#
# common.sh: what every step uses: the host, the tables of the run and
# the service in hand, the store's links and sets, the facts of a
# certificate, a failed service.  Sourced by sslm-mgr.
#
# Reads:   the store: the links curr, next, prev of <certs>/<grp>/<svc>
#          and its db/<stamp> sets; host_full, host_short; the tables
#          $tmp/services.tsv (svc_cols), services.jsonl and primaries.tsv
#          (svc_use, group_primary).
# Writes:  the service in hand (svc_use: g s sdir apex svc signer
#          signer_ca ndane nmx bad dns_srv dns_port; $tmp/svc.json);
#          links (set_link, rm_link: one rename(2) or unlink, then fsync);
#          failed, nfailed and the log (service_failed).
# Returns: is_local_host, am_root, set_complete: 0 yes, 1 no; new_stamp
#          and certfact 0 with their output on stdout, 1 when they cannot
#          tell; the others 0 (set_link and rm_link die when the store
#          does not take the change).

# is_local_host HOST: HOST names this machine (hostname, short or full,
# or localhost; case does not matter).
is_local_host() {
	_lh=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]') || return 1
	_lf=$(printf '%s' "$host_full" | tr '[:upper:]' '[:lower:]') || return 1
	_ls=$(printf '%s' "$host_short" | tr '[:upper:]' '[:lower:]') || return 1
	[ "$_lh" = "$_lf" ] || [ "$_lh" = "$_ls" ] || [ "$_lh" = localhost ]
}
# am_root: 0 when the run has uid 0 (no when id cannot tell).
am_root() {
	_uid=$(id -u) || return 1
	[ "$_uid" -eq 0 ]
}

# ---- the store -------------------------------------------------------------------

# link_target DIR NAME: "db/<stamp>" of a valid link, else nothing.
link_target() {
	[ -L "$1/$2" ] || return 0
	_t=$(readlink "$1/$2") || return 0
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

# svc_cols NAME...: the columns NAME... of $tmp/services.tsv, a service
# a line, tab-separated, in the order given.  The table's first row names
# its columns (sslm-mgr writes it): a reader names what it reads.
svc_cols() {
	awk -F "$TAB" -v want="$*" '
	    NR == 1 {
		for (i = 1; i <= NF; i++) col[$i] = i
		n = split(want, w, " ")
		for (j = 1; j <= n; j++)
			if (!(w[j] in col)) {
				print "services.tsv: no column " w[j] >"/dev/stderr"
				exit 2
			}
		next
	    }
	    { l = $col[w[1]]
	      for (j = 2; j <= n; j++) l = l "\t" $col[w[j]]
	      print l }' "$tmp/services.tsv" || die "$tmp/services.tsv: cannot read"
}

# The service in hand, what the steps read of it; set by svc_use alone
# (acme_load restores it for a pending order):
#   g s       its group (the apex, also in apex) and name
#   sdir      its store directory <certs>/<g>/<s>
#   svc       its resolved JSON ($tmp/svc.json), a line of services.jsonl
#   signer signer_ca ndane nmx bad    the columns of services.tsv
#   dns_srv dns_port                  its group's [[dns_primary]]
# svc_use LINE GI GROUP SERVICE SIGNER SIGNER_CA NDANE NMX BAD: make that
# service the one in hand (the columns of the same names of services.tsv).
svc_use() {
	g=$3 s=$4 signer=$5 signer_ca=$6 ndane=$7 nmx=$8 bad=$9
	[ "$signer_ca" != "-" ] || signer_ca=""
	apex=$g
	sdir=$certs/$g/$s
	svc=$tmp/svc.json
	sed -n "${1}p" "$tmp/services.jsonl" >"$svc" ||
	    die "$tmp/services.jsonl: cannot read"
	if [ "$2" != "${_svc_gi:-}" ]; then
		group_primary "$2"
		_svc_gi=$2
	fi
}

# group_primary GI: dns_srv and dns_port of the [[dns_primary]] of group
# GI ($tmp/primaries.tsv), both empty when it has none.
group_primary() {
	dns_srv="" dns_port=""
	awk -F "$TAB" -v gi="$1" '$1 == gi' "$tmp/primaries.tsv" \
	    >"$tmp/primary" || die "$tmp/primaries.tsv: cannot read"
	IFS=$TAB read -r _gi dns_srv dns_port <"$tmp/primary" || :
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
	_e=$(date +%s) || return 1
	while :; do
		_s=$(date -d "@$_e" +%Y%m%d-%H:%M:%S) || return 1
		[ -e "$1/$_s" ] || [ -e "$1/.new-$_s" ] || break
		_e=$((_e + 1))
	done
	printf '%s\n' "$_s"
}

# A JSON fact about a certificate: certfact FILE JQ-FILTER; fails (with
# nothing on stdout) when sslm-info cannot read FILE.
certfact() {
	sslm-info --json "$1" >"$tmp/certfact.json" 2>/dev/null || return 1
	jq -r "[.[] | select(.type == \"certificate\")][0] | $2" \
	    "$tmp/certfact.json"
}

# good_services FILE [skipfailed]: "grp:svc" a line for every service of
# the run whose configuration loaded (and, with skipfailed, that has not
# failed in this run) into FILE; its line count on stdout.  The caller
# turns the file into arguments with one split (a "set -- "$@" x" a
# service costs time with the square of their number: 13 s for 10,000).
good_services() {
	# shellcheck disable=SC2310 # it checks its commands
	svc_cols group service bad >"$tmp/good.rows" || return 1
	true >"$1" || return 1
	# One awk, not a shell loop: 10,000 services.  (Names and the words
	# of $failed hold no backslash, which awk -v would take.)
	awk -F "$TAB" -v skip="${2:-}" -v failed=" $failed " -v out="$1" '
	    $3 != 0 { next }
	    skip == "skipfailed" && index(failed, " " $1 ":" $2 " ") { next }
	    { print $1 ":" $2 >out; n++ }
	    END { if (close(out) < 0 && n > 0) exit 1; print n + 0 }' \
	    "$tmp/good.rows"
}

# tool_warnings: what the tool that just succeeded said on $tmp/err (its
# warnings), on standard error and in the log, naming the service.
tool_warnings() {
	[ -s "$tmp/err" ] || return 0
	while IFS= read -r _tw; do
		[ -z "$_tw" ] || warn "$g:$s: $_tw"
	done <"$tmp/err"
}

# service_failed REASON: the service in hand failed; said and counted.
service_failed() {
	failed="$failed $g:$s"
	nfailed=$((nfailed + 1))
	printf '%s: %s:%s: %s\n' "$PROG" "$g" "$s" "$1" >&2
	log "error: $g:$s: $1"
}
