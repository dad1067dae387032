#!/bin/sh
# make demo: a scratch copy of examples/ca-self, resolved by sslm-conf.
# It grows with the project; today it shows what sslm-conf makes of the
# configuration that the lifecycle tools will run on.
set -eu
umask 077
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
export PATH
unset SSL_MGR_TOPDIR || true

demo=$(mktemp -d "${TMPDIR:-/tmp}/sslm-demo.XXXXXX")
cp -R "$top/examples/ca-self/conf.d" "$demo/"
cd "$demo"

echo "sslm demo in $demo"
echo
echo "\$ sslm-conf            # finds ./conf.d like ssl-mgr"
sslm-conf >resolved.json
jq -r '
  ["GROUP", "SERVICE", "SIGNER", "KEY", "NAMES", "DANE"],
  (.groups[] | .domain as $g | .services[] |
    [$g, .service,
     (.signer.type + (if .signer.ca then ":" + .signer.ca else "" end)),
     (.key.ktype + "/" + (if .key.ktype == "rsa"
        then (.key.rsa_bits | tostring) else .key.ec_algo end)),
     (.x509.sans | if length == 0 then "-" else join(",") end),
     (.dane_tls | if length == 0 then "-" else
        map("\(.port)/\(.proto) \(.usage) \(.selector) \(.match_type)")
        | join(",") end)])
  | @tsv' resolved.json >table.tsv
# Align the columns (two passes over the file; awk is always there).
awk -F '\t' 'NR == FNR { for (i = 1; i <= NF; i++)
	if (length($i) > w[i]) w[i] = length($i); next }
	{ for (i = 1; i < NF; i++) printf("%-" w[i] "s  ", $i); print $NF }' \
    table.tsv table.tsv
echo
jq -r '"prod_cert_dir: \(.globals.prod_cert_dir)",
  "renew timing:  \(.renew_info | length) points, 90-day certs renew " +
  "\(.renew_info[] | select(.lifetime == 90) | .target) days before expiry"' \
    resolved.json
echo
echo "The resolved configuration: $demo/resolved.json"
echo "Try: sslm-conf -c $demo/conf.d example.com:mail-ec | jq '.groups[0].services[0]'"
