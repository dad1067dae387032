# Checks of an installed sslm tree, for t-install and t-deb (sourced, POSIX
# sh, after tests/lib.sh).  ROOT is a scratch root (a DESTDIR, or a .deb
# unpacked with dpkg -x) and PREFIX the prefix inside it (/usr/local, /usr).
#
#   cron_env CMD ARGS...       run CMD with the environment cron gives a
#                              job: nothing but PATH=/usr/bin:/bin, HOME,
#                              LOGNAME and SHELL.
#   sslm_version               the version lib/sslm.h declares (the oracle
#                              of -V).
#   inst_version ROOT PREFIX   sslm-mgr -V of the tree under cron_env.
#   inst_demo ROOT PREFIX WORK the ca-self example from the installed
#                              examples: make-ca -d WORK root, -renew,
#                              -roll, -s, openssl verify of both leaves
#                              against the new root.
#   inst_units ROOT UNITDIR BINDIR
#                              ExecStart of each installed unit exists in
#                              ROOT, systemd-analyze verify --root accepts
#                              them, and refuses them with sslm-mgr gone.
#                              It adds the system's targets to ROOT.

inst_home=$SSLM_TMP/home
mkdir -p "$inst_home"

cron_env() {
	env -i PATH=/usr/bin:/bin HOME="$inst_home" LOGNAME=root \
	    SHELL=/bin/sh "$@"
}

sslm_version() {
	sed -n 's/^#define[ 	]*SSLM_VERSION[ 	]*"\(.*\)"$/\1/p' \
	    "$SSLM_TOP/lib/sslm.h"
}

inst_version() {
	run cron_env "$1$2/bin/sslm-mgr" -V
	expect_rc 0 "$2: sslm-mgr -V under cron's environment: exit 0"
	same "$2: sslm-mgr -V prints the version of lib/sslm.h" \
	    "$(cat "$T_OUT")" "sslm-mgr $(sslm_version)"
	check "$2: sslm-mgr -V: nothing on stderr" test ! -s "$T_ERR"
}

# inst_in DIR CMD ARGS...: cron_env CMD in DIR.
inst_in() {
	(cd "$1" && shift && cron_env "$@")
}

inst_demo() {
	_iex=$1$2/share/doc/sslm/examples/ca-self
	_iw=$3
	_ibefore=$(cd "$_iex" && find . | sort)
	check "$2: no leaf before the demo" test ! -e "$_iw/certs/example.com"
	run cron_env "$_iex/make-ca" -d "$_iw" root
	expect_rc 0 "$2: installed make-ca -d WORK root under cron's environment"
	check "$2: make-ca copied the example's conf.d into WORK" \
	    cmp "$_iex/conf.d/ssl-mgr.conf" "$_iw/conf.d/ssl-mgr.conf"
	same "$2: make-ca wrote nothing beside itself" \
	    "$(cd "$_iex" && find . | sort)" "$_ibefore"
	same "$2: make-ca: a self-signed root" \
	    "$(openssl x509 -noout -subject -in "$_iw/certs/ca/my-root/curr/cert.pem" 2>&1)" \
	    "$(openssl x509 -noout -issuer -in "$_iw/certs/ca/my-root/curr/cert.pem" 2>&1 |
	    sed 's/^issuer/subject/')"
	for _iop in -renew -roll -s; do
		run inst_in "$_iw" "$1$2/bin/sslm-mgr" "$_iop"
		expect_rc 0 "$2: sslm-mgr $_iop under cron's environment"
	done
	check "$2: -s shows the web service" grep -q '^  web-ec' "$T_OUT"
	_il=$_iw/certs/example.com
	openssl verify -CAfile "$_iw/certs/ca/my-root/curr/cert.pem" \
	    -untrusted "$_iw/certs/ca/my-int/curr/cert.pem" \
	    "$_il/web-ec/curr/cert.pem" "$_il/mail-ec/curr/cert.pem" \
	    >"$T_OUT" 2>&1
	same "$2: openssl verify: both leaves chain to the new root" \
	    "$(grep -c ': OK$' "$T_OUT")" 2
	# The twin: the root of another run does not verify them.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$SSLM_TMP/other.key" -subj "/CN=My Root CA" \
	    -out "$SSLM_TMP/other.pem" -days 2 >/dev/null 2>&1
	check "$2: openssl verify refuses them against another root" \
	    test "$(openssl verify -CAfile "$SSLM_TMP/other.pem" \
	    -untrusted "$_iw/certs/ca/my-int/curr/cert.pem" \
	    "$_il/web-ec/curr/cert.pem" 2>&1 | grep -c ': OK$')" = 0
	check "$2: the runs were logged in WORK/logs/sslm" \
	    grep -q 'rolled' "$_iw/logs/sslm"
}

inst_units() {
	_ir=$1
	_iu=$2
	_icount=0
	for _if in "$_ir$_iu"/sslm-*.service; do
		_ix=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$_if")
		case "$_ix" in
		"$3"/sslm-*) ok "${_if##*/}: ExecStart $_ix is in $3" ;;
		*) notok "${_if##*/}: ExecStart $_ix is in $3" ;;
		esac
		check "${_if##*/}: $_ix exists in the installed tree" test -x "$_ir$_ix"
		_icount=$((_icount + 1))
	done
	same "$_iu: three services" "$_icount" 3
	same "$_iu: every template path substituted" \
	    "$(cat "$_ir$_iu"/sslm-* | grep -c '@[a-z]*@')" 0
	# systemd-analyze --root needs the targets the units are ordered
	# against inside the root: a copy of the system's.
	mkdir -p "$_ir/usr/lib/systemd/system" "$_ir/lib/systemd/system"
	for _it in /lib/systemd/system/*.target; do
		[ -e "$_ir/usr/lib/systemd/system/${_it##*/}" ] ||
		    cp "$_it" "$_ir/usr/lib/systemd/system/"
	done
	# The unit paths are taken inside the root.
	_ia=$3
	set --
	for _if in "$_ir$_iu"/sslm-*; do set -- "$@" "${_if#"$_ir"}"; done
	systemd-analyze verify --man=no --root="$_ir" "$@" >"$T_OUT" 2>&1
	T_RC=$?
	if [ "$T_RC" -eq 0 ] && [ ! -s "$T_OUT" ]; then
		ok "$_iu: systemd-analyze verify --root accepts the units"
	else
		notok "$_iu: systemd-analyze verify --root accepts the units" \
		    "exit $T_RC" "$(head -c 600 "$T_OUT")"
	fi
	same "$_iu: six units verified" "$#" 6
	mv "$_ir$_ia/sslm-mgr" "$_ir$_ia/sslm-mgr.away"
	systemd-analyze verify --man=no --root="$_ir" \
	    "$_iu"/sslm-renew.service >"$T_OUT" 2>&1
	T_RC=$?
	mv "$_ir$_ia/sslm-mgr.away" "$_ir$_ia/sslm-mgr"
	check "$_iu: without sslm-mgr, systemd-analyze verify fails" \
	    test "$T_RC" -ne 0
	check "$_iu: ... naming the missing command" \
	    grep -q "$_ia/sslm-mgr is not executable" "$T_OUT"
}
