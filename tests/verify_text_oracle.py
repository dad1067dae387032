#!/usr/bin/env python3
"""What `sslm-verify -t -a @AT` must print, from the openssl CLI alone.

Usage: verify_text_oracle.py AT VERDICT REASON CERTFILE CHAINFILE...
AT is the time in seconds since the epoch, VERDICT "Verified" or
"Failed", REASON the text after "Cert bad: " (ignored when Verified).
Prints ssl-mgr's sslm-verify form (ssl-mgr-spec 9) on stdout: the rule,
the verdict, "Certificate Info:" with a block per certificate of
CERTFILE, the rule again, "Chain Info:" with a block per certificate of
the CHAINFILEs; each block holds the summary fields of spec 8 (Expires,
Issued, Issuer, Subject, Sans, Pubkey, Sig algo), every value taken
from `openssl x509` and formatted here.  Short SAN lists only (no
wrapping past 60 columns).
"""
import calendar
import ipaddress
import re
import subprocess
import sys
import time

RULE = "-" * 19
# OpenSSL's curve names that are not the SEC 2 ones ssl-mgr prints.
CURVES = {"prime256v1": "secp256r1"}


def blocks(path):
    text = open(path).read()
    return re.findall(r"-----BEGIN CERTIFICATE-----.*?"
                      r"-----END CERTIFICATE-----\n", text, re.S)


def x509(pem, *args):
    return subprocess.run(["openssl", "x509", "-noout"] + list(args),
                          input=pem, check=True, capture_output=True,
                          text=True).stdout


def epoch(s):
    # "Sep  4 00:00:00 2020 GMT"
    return calendar.timegm(time.strptime(" ".join(s.split()),
                                         "%b %d %H:%M:%S %Y GMT"))


def utc(t):
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t))


def dur(secs):
    a = abs(secs)
    return "%4dd %02d:%02d:%02d" % (a // 86400, a % 86400 // 3600,
                                    a % 3600 // 60, a % 60)


def block(pem, at):
    f = {}
    for line in x509(pem, "-startdate", "-enddate", "-subject", "-issuer",
                     "-nameopt", "RFC2253").splitlines():
        k, _, v = line.partition("=")
        f[k] = v
    nb, na = epoch(f["notBefore"]), epoch(f["notAfter"])
    out = ["Expires  : %s (%s)" % (utc(na), dur(na - at)),
           "Issued   : %s (%s ago) (%d day cert)" %
           (utc(nb), dur(at - nb), round((na - nb) / 86400)),
           "Issuer   : " + f["issuer"], "Subject  : " + f["subject"]]
    sans = x509(pem, "-ext", "subjectAltName").splitlines()[1:]
    names = [n.strip() for n in ",".join(sans).split(",") if n.strip()]
    dns = [n[4:] for n in names if n.startswith("DNS:")]
    ips = [ipaddress.ip_address(n[11:]).compressed for n in names
           if n.startswith("IP Address:")]
    if dns + ips:
        out.append("Sans     : " + ", ".join(dns + ips))
    text = x509(pem, "-text")
    m = re.search(r"ASN1 OID: (\S+)", text)
    if m:
        key = "pubkey-" + CURVES.get(m.group(1), m.group(1))
    else:
        bits = re.search(r"Public-Key: \((\d+) bit\)", text).group(1)
        key = "pubkey-rsa-" + bits
    out.append("Pubkey   : " + key)
    sig = re.search(r"Signature Algorithm: (\S+)", text).group(1)
    out.append("Sig algo : " + sig)
    return out + [""]


def main():
    at, verdict, reason, cert = int(sys.argv[1]), sys.argv[2], \
        sys.argv[3], sys.argv[4]
    out = [RULE, "\tCertificate ** %s **" % verdict]
    if verdict != "Verified":
        out.append("Cert bad: " + reason)
    out.append("Certificate Info:")
    for pem in blocks(cert):
        out += block(pem, at)
    out += ["", RULE, "Chain Info:"]
    for path in sys.argv[5:]:
        for pem in blocks(path):
            out += block(pem, at)
    sys.stdout.write("\n".join(out) + "\n")


main()
