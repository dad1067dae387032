# shellcheck shell=sh
# SC2154/SC2034: the state of the run (options, tables, the service in
# hand) is set and used across sslm-mgr and its steps, listed below;
# sslm-mgr sources this file, and the lint checks it there too.
# shellcheck disable=SC2154,SC2034
# SPDX-License-Identifier: MIT
#
# status.sh: -s, --json, --sync, --prom and the last-run record.  One
# status object per service (sslm-info, sslm-due, ST_JQ) into
# $tmp/status.jsonl, shown as text (status_text) or JSON; the metrics
# (PROM_JQ).  Reads only, except for --prom and .last-run.  Sourced by
# sslm-mgr.
#
# Reads:   the store (links, sets, <sdir>/.ari, <sdir>/.tlsa-seen,
#          certs/.last-run), $tmp/renew_info.json, $tmp/services.tsv,
#          $tmp/services.jsonl, $tmp/primaries.tsv; svc, g, s, sdir, bad,
#          signer, ndane, dns_srv, o_roll_mins, o_late, o_verb, o_json.
# Writes:  $tmp/st.*, $tmp/status.jsonl; certs/.last-run
#          (last_run_record), the --prom file (prom_write), both
#          replaced atomically.
# Returns: 0; status_finish exits with the status of -s (0, 1 or 3).

# ---- status ------------------------------------------------------------------------

# The facts status reports about one set: sslm-info's, and for curr and
# next the renewal decision (due, renew_at), expired, and for next whether
# it may roll (roll_ready) and is late; reason says why in a few words.
# shellcheck disable=SC2016
ST_JQ='
def r1: . * 10 | round / 10;
def ago($s): ($s / 86400 | floor) as $d
  | if $d >= 1 then "\($d) days" elif $s >= 3600 then "\($s / 3600 | floor) hours"
    else "\($s / 60 | floor) minutes" end;
($d[0]) as $due
| ($c[0][0] | {dir: $t, subject, issuer, serial, not_before, not_after,
    lifetime_days, seconds_left, sans, key, sig_alg, spki_sha256,
    complete: $cpl}) as $b
| ($b.not_after | fromdateiso8601) as $na
| $b + {expired: ($now >= $na)}
| if $l == "prev" then . else
  . + {due: ($due | if . == null then null else .due end),
       renew_at: ($due | if . == null then null else .renew_at end),
       roll_ready: null}
  | .reason = (if $due == null then "cannot decide the renewal: " + $derr
      elif .expired then "expired \(ago($now - $na)) ago"
      elif $due.source == "ari" then
        (if .due then "due" else "not due until \(.renew_at)" end)
        + " (the CA renewal window: renew at \(.renew_at))"
      elif .due then "due: renew at \(.renew_at), \($due.target + $due.jitter | r1) days before expiry"
      else "not due until \(.renew_at)" end)
  | if $l != "next" then . else
      (($now - (.not_before | fromdateiso8601)) / 60 | floor) as $age
      | ($age > $min + $late) as $lt
      | (if (.complete | not) then [false, "next is incomplete"]
         elif ($hascurr | not) then [true, "ready to roll (no curr)"]
         elif $age < $min then [false, "next too young (\($age) of \($min) minutes)"]
         elif $gate == "nodns" then
           [false, "no [[dns_primary]] to check the TLSA records"]
         elif $gate == "dane" and $seen == null then
           [false, "next TLSA records not yet seen on every authoritative server"]
         elif $gate == "dane" and ($now - $seen) < 2 * $ttl then
           [false, "next TLSA records seen everywhere \($now - $seen) s ago, need 2 x TTL = \(2 * $ttl) s"]
         else [true, "ready to roll (\($age) minutes old)"] end) as $r
      | .roll_ready = $r[0] | .late = $lt | .age_minutes = $age
      | .reason = ([(if $lt then "late: next waits \($age) minutes, more than \($min) + \($late)" else empty end),
          (if .expired then "next expired" else empty end), $r[1]] | join("; "))
    end
  end'

# status_set LINK TARGET: $tmp/st.LINK.json, what status says of the set
# TARGET ("db/<stamp>", empty when there is no link: null).  Reads only:
# the cached ARI state of an ACME service is given to sslm-due without an
# answer, so it is not written; the DANE gate is judged from the recorded
# $sdir/.tlsa-seen, without asking DNS.
status_set() {
	_sl=$1 _st=$2
	if [ -z "$_st" ]; then
		printf 'null\n' >"$tmp/st.$_sl.json"
		return 0
	fi
	if ! sslm-info --json "$sdir/$_st/cert.pem" >"$tmp/st.info" 2>/dev/null
	then
		jq -n --arg t "$_st" '{dir: $t, error: "cannot read cert.pem"}' \
		    >"$tmp/st.$_sl.json"
		return 0
	fi
	_cpl=true
	# shellcheck disable=SC2310 # a predicate: tests only
	set_complete "$sdir/$_st" || _cpl=false
	printf 'null\n' >"$tmp/st.due"
	_derr=""
	if [ "$_sl" != prev ]; then
		set -- -j -c "$tmp/renew_info.json"
		if [ "$signer" = acme ] && [ "$o_test" -eq 0 ] &&
		    [ -r "$sdir/.ari" ]; then
			set -- "$@" -S "$sdir/.ari"
		fi
		_drc=0
		sslm-due "$@" "$sdir/$_st/cert.pem" >"$tmp/st.due" \
		    2>"$tmp/st.err" || _drc=$?
		if [ "$_drc" -gt 1 ]; then
			_derr=$(tail -1 "$tmp/st.err")
			printf 'null\n' >"$tmp/st.due"
		fi
	fi
	_seen=null _ttl=0 _gate=none
	if [ "$_sl" = next ] && [ "$ndane" -gt 0 ] &&
	    [ -s "$sdir/$_st/tlsa.rr" ]; then
		_gate=dane
		[ -n "$dns_srv" ] || _gate=nodns
		_ttl=$(jq -r '.dane_tls_ttl' "$svc")
		if [ -r "$sdir/.tlsa-seen" ]; then
			_v=$(awk -v s="$_st" '$1 == s { print $2 }' "$sdir/.tlsa-seen")
			case "$_v" in
			"" | *[!0-9]*) ;;
			*) _seen=$_v ;;
			esac
		fi
	fi
	jq -n --arg l "$_sl" --arg t "$_st" --argjson cpl "$_cpl" \
	    --slurpfile c "$tmp/st.info" --slurpfile d "$tmp/st.due" \
	    --arg derr "$_derr" --argjson now "$st_now" \
	    --argjson min "$o_roll_mins" --argjson late "$o_late" \
	    --arg gate "$_gate" --argjson seen "$_seen" --argjson ttl "$_ttl" \
	    --argjson hascurr "$_hascurr" "$ST_JQ" >"$tmp/st.$_sl.json"
}

# status_eval: $tmp/st.svc.json, the status object of the service in
# g, s, sdir (bad: its configuration error), appended to $tmp/status.jsonl.
# Its status is what it adds to the exit status of -s: 3 when curr is
# missing, unreadable, expired or undecidable, or the configuration
# failed; 1 when curr is due with no complete next waiting that is not
# due itself (a renew would make one), or next is late; else 0.
status_eval() {
	if [ "$bad" -eq 1 ]; then
		_err=$(jq -r .error "$svc") || _err="?"
		jq -c -n --arg g "$g" --arg s "$s" --arg e "$_err" \
		    '{group: $g, service: $s, error: $e, status: 3}' \
		    >"$tmp/st.svc.json"
		cat "$tmp/st.svc.json" >>"$tmp/status.jsonl"
		return 0
	fi
	_cu=$(link_target "$sdir" curr)
	_nx=$(link_target "$sdir" next)
	# A roll a killed run left half done: that next is curr.
	[ "$_nx" != "$_cu" ] || _nx=""
	_hascurr=false
	[ -z "$_cu" ] || _hascurr=true
	status_set curr "$_cu"
	status_set next "$_nx"
	_pv=$(link_target "$sdir" prev)
	status_set prev "$_pv"
	jq -c -n --arg g "$g" --arg s "$s" --slurpfile c "$tmp/st.curr.json" \
	    --slurpfile n "$tmp/st.next.json" --slurpfile p "$tmp/st.prev.json" '
	    {group: $g, service: $s, curr: $c[0], next: $n[0], prev: $p[0]}
	    | .status = (if .curr == null or .curr.error != null or
	        .curr.expired or .curr.due == null then 3
	      elif .next.late // false then 1
	      elif .curr.due and ((.next != null and .next.complete == true and
	        .next.due == false) | not) then 1
	      else 0 end)' >"$tmp/st.svc.json"
	cat "$tmp/st.svc.json" >>"$tmp/status.jsonl"
}

# status_text: $tmp/st.svc.json in ssl-mgr 7.8's format, with marks for
# an expired and a due certificate and a status line per set.
status_text() {
	jq -r --argjson v "$o_verb" '
	  def two: tostring | if length < 2 then "0" + . else . end;
	  def pad4: tostring | (" " * (4 - length)) + .;
	  # ssl-mgr: %4dd HH:MM:SS of a (possibly negative) delta
	  def dur($s): ($s | fabs) as $a
	    | (if $s < 0 then "-" else "" end) as $sg
	    | (($sg + (($a / 86400) | floor | tostring)) | pad4) + "d "
	      + ([(($a % 86400) / 3600 | floor), (($a % 3600) / 60 | floor),
	          ($a % 60)] | map(two) | join(":"));
	  def day($t): $t | sub("T"; " ") | sub("Z"; " UTC");
	  def rdn($dn; $k): [$dn | split(",")[] | select(startswith($k + "="))
	    | .[($k | length) + 1:]] | first // "";
	  def curve: {"P-256": "secp256r1", "P-384": "secp384r1",
	    "P-521": "secp521r1"}[.] // .;
	  def lbl: . + " " * (12 - length);
	  if .error then "         \("config" | lbl) : error: \(.error)" else
	  (if .curr == null then "         \("curr" | lbl) : MISSING: no curr link"
	   else empty end),
	  (["curr", "next"][] as $l | .[$l] | select(. != null) |
	   if .error then "         \($l | lbl) : failed to read cert" else
	   "         \($l | lbl) : expires: \(day(.not_after)) (\(dur(.seconds_left)))\(
	     if .expired then "  ** EXPIRED **"
	     elif $l == "curr" and .due then "  ** DUE **"
	     elif .late then "  ** LATE **" else "" end)",
	   "                      : issued : \(day(.not_before)) (\(dur(.lifetime_days * 86400 - .seconds_left)) ago) (\(.lifetime_days | round) day cert)",
	   "               issuer : CN=\(rdn(.issuer; "CN")) O=\(rdn(.issuer; "O"))",
	   "              subject : CN=\(rdn(.subject; "CN"))",
	   "               pubkey : pubkey-\(if .key.type == "ec" then (.key.curve | curve) elif .key.type == "rsa" then "rsa-\(.key.bits)" else .key.type end)",
	   (if $v == 1 then
	    "                 sans : [\((.sans.dns + .sans.ip) | map("\u0027" + . + "\u0027") | join(", "))]",
	    "             sig_algo : \(.sig_alg)" else empty end),
	   "               status : \(.reason)"
	   end)
	  end' "$tmp/st.svc.json"
}

# status_all FILE: the status of every service of the run into FILE (a
# run with --prom writes the metrics of the store as the run left it).
status_all() {
	: >"$tmp/status.jsonl"
	st_now=$(date +%s)
	svc_cols line gi group service signer signer_ca ndane nmx bad \
	    >"$tmp/status.rows"
	while IFS=$TAB read -r _line _gi _g _s _sg _sc _nd _nm _bad <&5; do
		svc_use "$_line" "$_gi" "$_g" "$_s" "$_sg" "$_sc" "$_nd" "$_nm" "$_bad"
		status_eval
	done 5<"$tmp/status.rows"
	cp "$tmp/status.jsonl" "$1"
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

# The metrics, from status objects (slurped) and $lr, the last run
# results; "# HELP" and "# TYPE" before each family (node_exporter's
# textfile collector, the Prometheus text exposition format 0.0.4).
# shellcheck disable=SC2016
PROM_JQ='
def esc: tostring | gsub("\\\\"; "\\\\") | gsub("\""; "\\\"") | gsub("\n"; "\\n");
def lab($o): if ($o | length) == 0 then "" else
  "{" + ([$o | to_entries[] | "\(.key)=\"\(.value | esc)\""] | join(",")) + "}" end;
def b: if . then 1 else 0 end;
def fam($n; $h; $rows): "# HELP \($n) \($h)", "# TYPE \($n) gauge",
  ($rows[] | "\($n)\(lab(.[0])) \(.[1])");
. as $sv
| [$sv[] | select(.error == null) | . as $x | ("curr", "next") as $set
   | $x[$set] | select(. != null and .error == null)
   | {k: {group: $x.group, service: $x.service, set: $set}, c: .}] as $sets
| [$sv[] | select(.next != null and .next.error == null)] as $nx
| ($sv | map({key: "\(.group):\(.service)", value: .}) | from_entries) as $known
| [$lr[0][] | select($known[.group + ":" + .service])] as $runs
| fam("sslm_cert_not_after_seconds"; "Expiry (notAfter) of the certificate in seconds since the epoch.";
    [$sets[] | [.k, (.c.not_after | fromdateiso8601)]]),
  fam("sslm_cert_renew_at_seconds"; "When the certificate is due for renewal, seconds since the epoch (sslm-due).";
    [$sets[] | select(.c.renew_at != null) | [.k, (.c.renew_at | fromdateiso8601)]]),
  fam("sslm_cert_due"; "1 when the certificate is due for renewal.";
    [$sets[] | select(.c.due != null) | [.k, (.c.due | b)]]),
  fam("sslm_cert_expired"; "1 when the certificate has expired.";
    [$sets[] | [.k, (.c.expired | b)]]),
  fam("sslm_next_roll_ready"; "1 when next may become curr now (complete, old enough, DANE gate as recorded).";
    [$nx[] | [{group, service}, (.next.roll_ready | b)]]),
  fam("sslm_next_late"; "1 when next has waited longer than min_roll_mins plus the late limit.";
    [$nx[] | [{group, service}, (.next.late | b)]]),
  fam("sslm_service_status"; "What the service adds to the exit status of sslm-mgr -s: 0 fine, 1 due or late, 3 expired, missing or failed.";
    [$sv[] | [{group, service}, .status]]),
  fam("sslm_last_run_success"; "1 when the last -renew or -roll run handled the service without failure, 0 when it failed.";
    [$runs[] | [{group, service}, (.ok | b)]]),
  fam("sslm_last_run_timestamp_seconds"; "When the last -renew or -roll run for the service ended, seconds since the epoch.";
    [$runs[] | [{group, service}, .at]]),
  fam("sslm_status_timestamp_seconds"; "When these metrics were written, seconds since the epoch.";
    [[{}, $now]])'

# prom_write FILE JSONL: the metrics of the status objects in JSONL into
# FILE, mode 0644, atomically: a temporary file in FILE's directory, then
# rename(2), so the collector never reads a partial file.
prom_write() {
	if [ -s "$certs/.last-run" ]; then
		jq -R -s 'split("\n") | map(select(length > 0) | split("\t") |
		    {group: .[0], service: .[1], at: (.[2] | tonumber),
		     ok: (.[3] == "ok")})' "$certs/.last-run" >"$tmp/lastrun.json"
	else
		printf '[]\n' >"$tmp/lastrun.json"
	fi
	_pd=$(dirname -- "$1")
	_pt=$(mktemp "$_pd/.sslm-prom.XXXXXX" 2>/dev/null) ||
	    die "$1: cannot write a temporary file in $_pd"
	_now=$(date +%s) || die "date failed"
	if jq -r -s --argjson now "$_now" \
	    --slurpfile lr "$tmp/lastrun.json" "$PROM_JQ" "$2" >"$_pt" &&
	    chmod 0644 "$_pt" && mv -f "$_pt" "$1"; then
		return 0
	fi
	rm -f "$_pt"
	die "$1: cannot write the metrics"
}

# status_finish: the end of a status run that had no task (changes
# nothing): the production check (--sync), the JSON, the metrics, a line
# on standard error for each service that is not fine, and the exit
# status: the highest of the services (0, 1 or 3); --sync adds 1 when
# production differs from the store, 3 when it cannot be checked.
status_finish() {
	_rc=$(jq -s 'map(.status) | max // 0' "$tmp/status.jsonl")
	_sync=null
	if [ "$o_sync" -eq 1 ]; then
		set -- -n -c "$conf"
		svc_cols group service bad >"$tmp/sync.rows"
		while IFS=$TAB read -r g s bad; do
			if [ "$bad" -eq 0 ]; then set -- "$@" "$g:$s"; fi
		done <"$tmp/sync.rows"
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
	if [ "$o_json" -eq 1 ]; then
		jq -s --arg c "$certs" --argjson y "$_sync" '{certs_dir: $c,
		    services: .} + (if $y == null then {} else
		    {production_in_sync: $y} end)' "$tmp/status.jsonl"
	fi
	[ -z "$o_prom" ] || prom_write "$o_prom" "$tmp/status.jsonl"
	jq -r 'select(.status > 0) | "\(.group):\(.service): " +
	    if .error then "configuration: " + .error
	    elif .curr == null then "no curr"
	    elif .curr.error then "curr: " + .curr.error
	    elif .status == 3 or (.next.late // false | not) then
	      "curr: " + .curr.reason
	    else "next: " + .next.reason end' "$tmp/status.jsonl" |
	while IFS= read -r _l; do
		printf '%s: %s\n' "$PROG" "$_l" >&2
	done
	st_final=$_rc
	exit "$_rc"
}
