#!/bin/sh
# make demo: the private CA of examples/ca-self, end to end, in a scratch
# directory: root and intermediate CA, web and mail certificates with DANE
# records, the roll, the status table, and where everything is.
set -eu
umask 077
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
export PATH
unset SSL_MGR_TOPDIR || true

demo=$(mktemp -d "${TMPDIR:-/tmp}/sslm-demo.XXXXXX")
cp -R "$top/examples/ca-self/conf.d" "$demo/"
cd "$demo"
echo "sslm demo in $demo (a copy of examples/ca-self)"

show() {
	echo
	echo "\$ $*"
	"$@"
}

show sslm-conf -c conf.d -k >/dev/null
show sh "$top/examples/ca-self/make-ca" root
show sslm-mgr -renew
show sslm-mgr -roll
show sslm-mgr -s
show openssl verify -CAfile certs/ca/my-root/curr/cert.pem \
    -untrusted certs/ca/my-int/curr/cert.pem \
    certs/example.com/web-ec/curr/cert.pem certs/example.com/mail-ec/curr/cert.pem
show cat certs/example.com/tlsa.example.com

cat <<EOM

Where things are:
  $demo/conf.d                      the configuration (ssl-mgr format)
  $demo/certs/<group>/<service>/    curr, next, prev -> db/<stamp>/ sets
  $demo/certs/example.com/tlsa.example.com
                                    DANE records of curr + next
  $demo/prod-certs/                 what the servers read
  $demo/dns/include-tlsa/           the TLSA file for the zone
  $demo/logs/sslm                   the log
Try: cd $demo && sslm-mgr -s -v; sslm-mgr -renew -f -r; sslm-mgr -s --json | jq .
EOM
