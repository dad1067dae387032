#!/bin/sh
# The operator's year: a private CA under cron, with the clock moved by
# libfaketime.  A ten-year root signs a ten-year intermediate (my-int,
# signing web-ec) and a 200-day one (short-int, signing mail-ec) that
# comes due twice; the leaves live 45 days.  52 weeks of
#   30 14 * * 2  sslm-mgr -renew
#   30 16 * * 2  sslm-mgr -roll
# in cron's environment.  Every week, for every certificate, openssl says
# what changed and tests/renew_oracle.py (written from the spec) says
# what should have: a renewal exactly when due, nothing otherwise, a roll
# two hours later, and every curr valid now and at the next cron run.
. "$SSLM_TOP/tests/lib.sh"

ORACLE="python3 $SSLM_TOP/tests/renew_oracle.py"
t=""
ca_self_tree year
unset SSL_MGR_TOPDIR
C=$t/conf.d
# cron's environment: nothing but PATH (and the tree, as ssl-mgr users
# set it in the crontab)
cron() {	# cron EPOCH ARGS...: sslm-mgr at that (ticking) time
	_at=$(date -u -d "@$1" '+%Y-%m-%d %H:%M:%S')
	shift
	env -i ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} PATH=/usr/bin:/bin HOME="$t" SSL_MGR_TOPDIR="$t" \
	    TZ=UTC faketime -f "@$_at" "$SSLM_BIN/sslm-mgr" "$@"
}

# ---- the tree ------------------------------------------------------------------

edit "$C/ssl-mgr.conf" \
    'min_roll_mins = 0' 'min_roll_mins = 60' \
    '\[renew_info\].*?(?=\n#)' '[renew_info]
    target_45 = 9.5
    rand_adj_45 = 2' \
    "services = \\['my-root', 'my-int'\\]" \
    "services = ['my-root', 'my-int', 'short-int']"
# the table the oracle uses: the built-in points with 45 -> 9.5 +/- 2
cat >"$SSLM_TMP/table.json" <<'EOF'
[{"lifetime": 0, "target": 0.25, "rand_adj": 0},
 {"lifetime": 1, "target": 0.5, "rand_adj": 0},
 {"lifetime": 2, "target": 1, "rand_adj": 0},
 {"lifetime": 5, "target": 2, "rand_adj": 0},
 {"lifetime": 10, "target": 5, "rand_adj": 0},
 {"lifetime": 45, "target": 9.5, "rand_adj": 2},
 {"lifetime": 60, "target": 20, "rand_adj": 0},
 {"lifetime": 90, "target": 30, "rand_adj": 0},
 {"lifetime": 120, "target": 45, "rand_adj": 5},
 {"lifetime": 300, "target": 60, "rand_adj": 0}]
EOF
edit "$C/ca/my-int" 'sign_end_days = 90' 'sign_end_days = 45'
sed -e "s/my-int/short-int/g" -e 's/My Intermediate CA/Short Intermediate CA/' \
    "$C/ca/my-int" >"$C/ca/short-int"
printf '\n[short-int]\n    ca_desc = %s\n    ca_type = %s\n' \
    "'a 200-day intermediate'" "'local'" >>"$C/ca-info.conf"
# mail-ec: the short intermediate, no DANE (the DANE year is t-mgr-dane-year)
edit "$C/example.com/mail-ec" "signing_ca = 'my-int'" "signing_ca = 'short-int'" \
    '^dane_tls = .*?\n' '' '^dane_tls_ttl = .*?\n' ''

T0=1798453800	# Tue 2026-12-29 14:30:00 UTC
# The CA: a ten-year root and my-int (make-ca root), then a 200-day
# short-int (the root's sign_end_days is the lifetime of what it signs).
cd "$t" || exit 1
cron $((T0 - 86400)) -renew -f ca:my-root >/dev/null 2>&1 &&
    cron $((T0 - 86400 + 60)) -roll -f ca:my-root >/dev/null 2>&1 &&
    cron $((T0 - 86400 + 120)) -renew -f ca:my-int >/dev/null 2>&1 &&
    cron $((T0 - 86400 + 180)) -roll -f ca:my-int >/dev/null 2>&1
edit "$C/ca/my-root" 'sign_end_days = 3650' 'sign_end_days = 200'
cron $((T0 - 86400 + 240)) -renew -f ca:short-int >/dev/null 2>&1 &&
    cron $((T0 - 86400 + 300)) -roll -f ca:short-int >/dev/null 2>&1
ROOT=$t/certs/ca/my-root/curr/cert.pem
days() {	# days CERT: lifetime in whole days (openssl)
	_nb=$(date -u -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s)
	_na=$(date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s)
	echo $(((_na - _nb) / 86400))
}
same "setup: a ten-year root" "$(days "$ROOT")" 3650
# (my-int ends with the root, a few faked seconds short of ten years)
same "setup: a ten-year my-int" "$(days "$t/certs/ca/my-int/curr/cert.pem")" 3649
same "setup: a 200-day short-int" "$(days "$t/certs/ca/short-int/curr/cert.pem")" 200

SVCS="ca/my-root ca/my-int ca/short-int example.com/web-ec example.com/mail-ec"
fp() {	# fp FILE: SHA-256 fingerprint (openssl), or "-"
	if [ -s "$1" ]; then
		openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2
	else
		echo -
	fi
}
enddate() { date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s; }
startdate() { date -u -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s; }
link() { readlink "$t/certs/$1/$2" 2>/dev/null || echo -; }
# oracle T1 T2: "svc T due(0/1)" for the curr of every service at T1, T2
oracle() {
	_times=$1,$2
	set --
	for _s in $SVCS; do set -- "$@" "$t/certs/$_s/curr/cert.pem"; done
	$ORACLE decide "$SSLM_TMP/table.json" "$_times" "$@" |
	    jq -r '"\(.file) \(.now) " + (if .due then "1" else "0" end)' |
	    sed "s|^$t/certs/||; s|/curr/cert.pem||"
}

# ---- the year -------------------------------------------------------------------

bad=""	# every failed weekly fact, "week: what"
nren=0 nnot=0 nroll=0 nverify=0 nborder=0 nclamp=0 nnewca=0 nnewleaf=0
: >"$SSLM_TMP/renewals"
# The first run issues the leaves (no curr: due by definition).
cron "$T0" -renew >"$SSLM_TMP/w.out" 2>&1 || bad="$bad first-renew"
cron $((T0 + 7200)) -roll >>"$SSLM_TMP/w.out" 2>&1 || bad="$bad first-roll"
for s in web-ec mail-ec; do
	[ -s "$t/certs/example.com/$s/curr/cert.pem" ] || bad="$bad first-$s"
done
first_int=$(fp "$t/certs/ca/short-int/curr/cert.pem")
wk=1
while [ "$wk" -le 52 ]; do
	now=$((T0 + wk * 604800))
	for s in $SVCS; do
		f=$(echo "$s" | tr / _)
		link "$s" curr >"$SSLM_TMP/curr.$f"
		cp "$t/certs/$s/curr/cert.pem" "$SSLM_TMP/signer.$f.pem"
	done
	r0=$(date +%s)
	rc=0
	cron "$now" -renew >"$SSLM_TMP/w.out" 2>&1 || rc=$?
	r1=$(date +%s)
	[ "$rc" -eq 0 ] || bad="$bad w$wk:renew-rc-$rc($(tail -1 "$SSLM_TMP/w.out"))"
	# what the oracle says at the start and the end of the run (the
	# faked clock ticks while it runs; curr did not change)
	end=$((now + r1 - r0 + 1))
	oracle "$now" "$end" >"$SSLM_TMP/o"
	for s in $SVCS; do
		f=$(echo "$s" | tr / _)
		S=$t/certs/$s
		w1=$(awk -v s="$s" -v t="$now" '$1 == s && $2 == t { print $3 }' "$SSLM_TMP/o")
		w2=$(awk -v s="$s" -v t="$end" '$1 == s && $2 == t { print $3 }' "$SSLM_TMP/o")
		[ -n "$w1" ] || bad="$bad w$wk:$s:no-oracle"
		if [ -L "$S/next" ]; then got=1; else got=0; fi
		if [ "$w1" != "$w2" ]; then
			nborder=$((nborder + 1))	# came due during the run
		elif [ "$got" != "$w1" ]; then
			bad="$bad w$wk:$s:renewed=$got,oracle=$w1"
		fi
		# a renew leaves curr alone
		[ "$(link "$s" curr)" = "$(cat "$SSLM_TMP/curr.$f")" ] ||
		    bad="$bad w$wk:$s:curr-changed-by-renew"
		link "$s" next >"$SSLM_TMP/next.$f"
		if [ "$got" -eq 0 ]; then
			nnot=$((nnot + 1))
			continue
		fi
		nren=$((nren + 1))
		echo "$wk $s" >>"$SSLM_TMP/renewals"
		nb=$(startdate "$S/next/cert.pem")
		na=$(enddate "$S/next/cert.pem")
		# issued during this run, for its lifetime (what the root
		# signs lasts 200 days now, leaves 45) or to its CA's end
		if [ "$nb" -lt "$now" ] || [ "$nb" -gt "$end" ]; then
			bad="$bad w$wk:$s:notBefore-$nb"
		fi
		case "$s" in
		ca/*) want=$((nb + 200 * 86400)) ;;
		*) want=$((nb + 45 * 86400)) ;;
		esac
		# the first certificate of chain.pem is the issuer
		caend=$(enddate "$S/next/chain.pem")
		if [ "$caend" -lt "$want" ]; then
			want=$caend
			nclamp=$((nclamp + 1))
		fi
		[ "$na" -eq "$want" ] || bad="$bad w$wk:$s:notAfter-$na-want-$want"
	done
	# the roll, two hours later
	rc=0
	cron $((now + 7200)) -roll >"$SSLM_TMP/w.out" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || bad="$bad w$wk:roll-rc-$rc($(tail -3 "$SSLM_TMP/w.out" | tr "\n" "|"))"
	for s in $SVCS; do
		f=$(echo "$s" | tr / _)
		S=$t/certs/$s
		[ ! -L "$S/next" ] || bad="$bad w$wk:$s:next-left-after-roll"
		if [ "$(cat "$SSLM_TMP/next.$f")" != - ]; then
			nroll=$((nroll + 1))
			[ "$(link "$s" curr)" = "$(cat "$SSLM_TMP/next.$f")" ] ||
			    bad="$bad w$wk:$s:curr-is-not-the-old-next"
			[ "$(link "$s" prev)" = "$(cat "$SSLM_TMP/curr.$f")" ] ||
			    bad="$bad w$wk:$s:prev-is-not-the-old-curr"
			case "$s" in
			ca/*-int) nnewca=$((nnewca + 1)) ;;
			esac
		else
			[ "$(link "$s" curr)" = "$(cat "$SSLM_TMP/curr.$f")" ] ||
			    bad="$bad w$wk:$s:curr-changed-without-next"
		fi
		# curr is valid now and at the next cron run (no gap)
		for at in $((now + 7200)) $((now + 604800)); do
			if openssl verify -attime "$at" -CAfile "$ROOT" \
			    -untrusted "$S/curr/chain.pem" "$S/curr/cert.pem" \
			    >/dev/null 2>&1; then
				nverify=$((nverify + 1))
			else
				bad="$bad w$wk:$s:curr-invalid-at-$at"
			fi
		done
	done
	# a leaf renewed this week is signed by what was its CA's curr
	# during the renew (after a CA roll: the new CA)
	for s in web-ec:my-int mail-ec:short-int; do
		L=$t/certs/example.com/${s%%:*}
		grep -q "^$wk example.com/${s%%:*}\$" "$SSLM_TMP/renewals" || continue
		ca=$SSLM_TMP/signer.ca_${s#*:}.pem
		openssl verify -attime $((now + 7200)) -partial_chain -CAfile "$ca" \
		    "$L/curr/cert.pem" >/dev/null 2>&1 ||
		    bad="$bad w$wk:$s:leaf-not-from-the-ca-curr"
		[ "${s#*:}" != short-int ] || [ "$(fp "$ca")" = "$first_int" ] ||
		    nnewleaf=$((nnewleaf + 1))
	done
	wk=$((wk + 1))
done

if [ -z "$bad" ]; then
	ok "52 weeks: each plain -renew renewed exactly the certificates the oracle says are due ($nren renewals, $nnot no-ops, $nborder due during the run)"
else
	notok "the year went wrong" "$(echo "$bad" | tr ' ' '\n' | head -30)"
fi
# both polarities happened, in the numbers the table predicts
if [ "$nren" -gt 0 ] && [ "$nnot" -gt 0 ]; then
	ok "both polarities: renewals ($nren) and no-op weeks ($nnot)"
else
	notok "a year needs renewals and no-ops" "renewals $nren, no-ops $nnot"
fi
for s in web-ec mail-ec; do
	n=$(grep -c " example.com/$s\$" "$SSLM_TMP/renewals")
	# 45 days renewed 7.5 .. 11.5 days early: every 5 or 6 weeks
	if [ "$n" -ge 8 ] && [ "$n" -le 11 ]; then
		ok "$s: $n renewals in 52 weeks (45-day certificate, every 5-6 weeks)"
	else
		notok "$s: $n renewals in 52 weeks, want 8..11" "$(grep "$s" "$SSLM_TMP/renewals" | tr '\n' ' ')"
	fi
done
n=$(grep -c ' ca/short-int$' "$SSLM_TMP/renewals")
same "short-int (200 days, renewed ~52 days early) came due twice in the year" "$n" 2
n=$(grep -c ' ca/my-int$\| ca/my-root$' "$SSLM_TMP/renewals")
same "the ten-year root and my-int were never due" "$n" 0
same "every renewal was rolled two hours later" "$nroll" "$nren"
same "every curr verified at every roll and at the next cron run" "$nverify" $((52 * 5 * 2))
if [ "$nnewca" -eq 2 ] && [ "$nnewleaf" -gt 0 ]; then
	ok "the CA coming due: short-int rolled twice; $nnewleaf leaf renewals were signed by a new short-int"
else
	notok "CA rolls: $nnewca (want 2), leaves signed by a new CA: $nnewleaf"
fi
