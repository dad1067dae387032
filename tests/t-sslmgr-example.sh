#!/bin/sh
# A differential test (issue 12 item 5): ssl-mgr's own examples/ca-self
# tree, written here in ssl-mgr's syntax as its docs describe it
# (ssl-mgr-spec 18: my-root, my-int, web-self, mail-self, wild-self),
# run through the sequence of ssl-mgr's make-ca and README (renew + roll
# ca:my-root, renew + roll ca:my-int, then renew + roll of everything)
# with the installed-style programs under cron's environment, then every
# certificate, file, link and production copy checked with openssl,
# certtool and python3 against the table below, which comes from the spec
# (6.1-6.4 keys, requests and signing, 2.3/2.4 the trees), not from
# sslm's output.  Where sslm differs from ssl-mgr on purpose the row says
# so and why.
# Nothing here uses DNS: no service has dane_tls and none is signed by an
# ACME CA, so dns_xtra_ns (kept as ssl-mgr's example has it) is never
# asked; where the system can, the runs are also cut off from every
# network but a down loopback (unshare -n).
. "$SSLM_TOP/tests/lib.sh"

w=$SSLM_TMP
top=$w/ca-self
C=$top/conf.d
mkdir -p "$C/ca" "$C/example.com" "$w/home"

# ---- the tree, in ssl-mgr's syntax ------------------------------------------
cat >"$C/ssl-mgr.conf" <<'EOF'
#
# ssl-mgr : self signed example
#
[globals]
    verb = true
    sslm_auth_hook = './libexec/sslm-auth-hook'     # certbot
    prod_cert_dir = './etc/prod-certs'
    logdir = './Logs'                               # ssl-mgr & certbot

    clean_keep = 5
    # web only => no delay before roll
    min_roll_mins = 0
    renew_expire_days = 30

    dns_check_delay = 240
    dns_xtra_ns = ['1.1.1.1', '8.8.8.8', '9.9.9.9', '208.67.222.222']

#
# Group Services
#
[[groups]]
    domain = 'example.com'
    services = ['web-self', 'mail-self', 'wild-self']
    active=true

[[groups]]
    domain = 'ca'
    services = [ 'my-root', 'my-int']
    active = true

#
# DNS primary: needed for acme dns-01 and DANE only
#
#[[dns_primary]]
#    domain = 'default'
#    server = '10.1.2.3'
#    port = 11153

[web]
    servers = []
    skip_prod_copy = true
    svc_depends = [['any', ['web-self']]]
EOF
cat >"$C/ca-info.conf" <<'EOF'
[my-root]   # signs our intermediate
    ca_desc = 'Self signed root : EC signs my-int'
    ca_type = 'self'

[my-int]    # signs the example.com certs
    ca_desc = 'Intermediate : EC signs client certs'
    ca_type = 'local'
EOF
# ca_svc NAME SIGNER CN DAYS
ca_svc() {
	cat >"$C/ca/$1" <<EOF
#
# $1
#
name = '$1'
group = 'ca'
service = '$1'

signing_ca = '$2'
dane_tls = []

[KeyOpts]
    ktype = 'ec'
    ec_algo = 'secp384r1'

[X509]
    CN = "$3"
    O = "Example Certs"
    C = "US"
    L = ''
    ST = ''
    sans = []

[CA]
    sign_end_days = $4
    digest = 'sha384'
EOF
}
ca_svc my-root self my-root 3650
ca_svc my-int my-root My-Int 1825
# leaf_svc NAME OU SANS
leaf_svc() {
	cat >"$C/example.com/$1" <<EOF
#
# Internal only : signed by my-int which is signed by my-root
#
name = 'Example $1'
group = 'example.com'
service = '$1'

signing_ca = 'my-int'

[KeyOpts]
    ktype = 'ec'
    ec_algo = 'secp384r1'

[X509]
    CN = "example.com"
    O = "Example IT Dept"
    OU = '$2'
    L = ''
    ST = ''
    C = "US"
    email = 'hostmaster@example.com'

    sans = $3
EOF
}
leaf_svc web-self 'IT web' "['example.com', 'int.example.com', 'xxx.int.example.com',
            '10.1.1.10', '10.1.1.11'
           ]"
leaf_svc mail-self 'IT email' \
    "['example.com', 'imap.example.com', 'smtp.example.com', 'mail.example.com' ]"
leaf_svc wild-self 'IT web' "['example.com', '*.example.com']"

# ---- the runs: cron's environment, from the top directory ---------------------
nonet=""
unshare -n true 2>/dev/null && nonet="unshare -n"
# cron CMD...: CMD in $top with cron's environment and umask.
cron() {
	# shellcheck disable=SC2086 # nonet is a command and its option
	(cd "$top" && umask 022 && $nonet env -i \
	    PATH="$SSLM_BIN:/usr/bin:/bin" HOME="$w/home" "$@")
}
t0=$(date +%s)

# ssl-mgr made the parents of prod_cert_dir; sslm makes only its last part
# (sslm.conf(5)): the first run stops at the line, before any change.
run cron sslm-mgr -renew ca:my-root
expect_rc 3 "no ./etc: exit 3"
expect_err_match "^sslm-conf: conf.d/ssl-mgr.conf:$(lineof "$C/ssl-mgr.conf" prod_cert_dir): prod_cert_dir: .*/etc: No such file or directory" \
    "no ./etc: the line of prod_cert_dir [sslm: a mistyped path is an error, not a new tree]"
check "no ./etc: no store made" test ! -e "$top/certs"
mkdir "$top/etc"

step() {
	run cron sslm-mgr "$@"
	expect_rc 0 "sslm-mgr $*: exit 0"
}
step -renew ca:my-root
step -roll ca:my-root
step -renew ca:my-int
step -roll ca:my-int
step -renew
S=$top/certs
P=$top/etc/prod-certs
# Between renew and roll: next only, in the store and in production.
for s in web-self mail-self wild-self; do
	check "after renew: $s has next and no curr" \
	    test -L "$S/example.com/$s/next" -a ! -e "$S/example.com/$s/curr"
	check "after renew: production $s/next is a copy of next" \
	    cmp "$S/example.com/$s/next/cert.pem" "$P/example.com/$s/next/cert.pem"
done
step -roll
t1=$(date +%s)

# ---- the table ------------------------------------------------------------------
cat >"$w/table.py" <<'EOF'
"""The certificates and files of ssl-mgr's ca-self example, as ssl-mgr's
spec says they are, checked with openssl and python3 alone.

Usage: table.py TOP T0 T1 (the runs started at T0 and ended at T1)."""
import hashlib
import os
import re
import stat
import subprocess
import sys

top, t0, t1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
certs, prod = os.path.join(top, "certs"), os.path.join(top, "etc/prod-certs")

FIVE = ("TLS Web Server Authentication, TLS Web Client Authentication, "
        "E-mail Protection, Code Signing, Time Stamping")
LEAF_SUBJECT = [("CN", "example.com"), ("C", "US"), ("O", "Example IT Dept"),
                ("OU", ""), ("emailAddress", "hostmaster@example.com")]
EMPTY_RDN = ("spec 6.2: ssl-mgr encodes the empty ST and L (and every one "
             "of its seven RDNs); sslm omits empty ones (spec quirk 12: "
             "GnuTLS rejects them)")
EC_KU = ("spec 6.2: ssl-mgr adds keyEncipherment for every key; an EC key "
         "gets keyAgreement only (RFC 8813: no keyEncipherment for EC)")

# One entry per certificate: (group, service) -> what spec 6.1-6.4 says.
#   subject: the RDNs in DER order CN, C, ST, L, O, OU, emailAddress
#            (6.2), the empty ones left out (note EMPTY_RDN)
#   issuer:  the signer's subject (6.3: its own; 6.4: the CA's)
#   sans:    CN first when missing, IP literals as iPAddress (6.2)
#   days:    max(1, sign_end_days) of the signer (6.3: the root's own)
#   ku, eku: 6.2 with the criticality; bc: critical, no pathlen
#   digest:  the signer's [CA] digest; key: [KeyOpts]
TABLE = {
    ("ca", "my-root"): dict(
        subject=[("CN", "my-root"), ("C", "US"), ("O", "Example Certs")],
        signer=("ca", "my-root"), days=3650, ca=True,
        sans=[], sans_note="spec 6.3: ssl-mgr's root has SAN DNS:my-root "
        "(the CN prepended); a CA's CN is free text in sslm, not a name "
        "(sslm-csrgen(1))",
        ku="Digital Signature, Key Agreement, Certificate Sign, CRL Sign",
        chain="self"),
    ("ca", "my-int"): dict(
        subject=[("CN", "My-Int"), ("C", "US"), ("O", "Example Certs")],
        signer=("ca", "my-root"), days=3650, ca=True,
        days_note="the root's sign_end_days 3650, cut to the root's "
        "notAfter: sslm's casign never lets a certificate outlive its "
        "issuer (sslm-casign(1)); ssl-mgr did not cut",
        sans=[], sans_note="spec 6.2: ssl-mgr's has SAN DNS:My-Int; a CA's "
        "CN is free text in sslm",
        ku="Digital Signature, Key Agreement, Certificate Sign, CRL Sign",
        chain=("ca", "my-root")),
    ("example.com", "web-self"): dict(
        subject=[(k, "IT web" if k == "OU" else v) for k, v in LEAF_SUBJECT],
        signer=("ca", "my-int"), days=1825, ca=False,
        sans=["DNS:example.com", "DNS:int.example.com",
              "DNS:xxx.int.example.com", "IP:10.1.1.10", "IP:10.1.1.11"],
        ku="Digital Signature, Key Agreement", chain=("ca", "my-int")),
    ("example.com", "mail-self"): dict(
        subject=[(k, "IT email" if k == "OU" else v)
                 for k, v in LEAF_SUBJECT],
        signer=("ca", "my-int"), days=1825, ca=False,
        sans=["DNS:example.com", "DNS:imap.example.com",
              "DNS:smtp.example.com", "DNS:mail.example.com"],
        ku="Digital Signature, Key Agreement", chain=("ca", "my-int")),
    ("example.com", "wild-self"): dict(
        subject=[(k, "IT web" if k == "OU" else v) for k, v in LEAF_SUBJECT],
        signer=("ca", "my-int"), days=1825, ca=False,
        sans=["DNS:example.com", "DNS:*.example.com"],
        ku="Digital Signature, Key Agreement", chain=("ca", "my-int")),
}
# 6.2: the extensions of a request and, copied, of the certificate.
EXT_ORDER = ["X509v3 Basic Constraints", "X509v3 Key Usage",
             "X509v3 Extended Key Usage", "X509v3 Subject Key Identifier",
             "X509v3 Authority Key Identifier",
             "X509v3 Subject Alternative Name"]
# 2.3: the files of a dated set (tlsa.rr only with dane_tls; info in
# curr only) and their modes.  The rest "umask default": 0644 under
# cron's 022.
SET_FILES = {"privkey.pem": 0o600, "csr.pem": 0o644, "cert.pem": 0o644,
             "chain.pem": 0o644, "fullchain.pem": 0o644,
             "bundle.pem": 0o600, "info": 0o644}
STAMP = re.compile(r"^\d{8}-\d{2}:\d{2}:\d{2}$")

fails = 0


def result(good, what, note=None, evidence=""):
    global fails
    tag = f" [sslm: {note}]" if note else ""
    if good:
        print(f"ok - {what}{tag}")
    else:
        fails += 1
        print(f"not ok - {what}{tag}")
        for line in str(evidence).splitlines()[:12]:
            print("    " + line)


def same(what, got, want, note=None):
    result(got == want, what, note, f"got:  {got!r}\nwant: {want!r}")


def ossl(*args, data=None):
    return subprocess.run(["openssl"] + list(args), input=data,
                          capture_output=True, check=False)


def x509(path, *args):
    return ossl("x509", "-in", path, "-noout", *args).stdout.decode()


def rdns(s):
    # RFC 2253 (last RDN first); no value here holds a comma.
    return [tuple(p.split("=", 1)) for p in reversed(s.split(","))]


def ext_block(text, name):
    """(critical, first value line) of an extension in x509 -text."""
    m = re.search(r"^ *" + re.escape(name) + r":( critical)?\s*\n *(.*)$",
                  text, re.M)
    return (bool(m.group(1)), m.group(2).strip()) if m else None


def der_tlv(b, i):
    """(tag, start of value, end of value) of the DER TLV at i."""
    tag, n = b[i], b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return tag, i, i + n


def ski_of(path):
    """RFC 5280 4.2.1.2 (1): SHA-1 of the subjectPublicKey BIT STRING."""
    pem = ossl("x509", "-in", path, "-noout", "-pubkey").stdout
    der = ossl("pkey", "-pubin", "-outform", "der", data=pem).stdout
    _, i, _ = der_tlv(der, 0)             # SubjectPublicKeyInfo
    _, _, j = der_tlv(der, i)             # AlgorithmIdentifier
    tag, v, e = der_tlv(der, j)           # subjectPublicKey
    assert tag == 0x03 and der[v] == 0
    return hashlib.sha1(der[v + 1:e]).hexdigest().upper()


def hexid(s):
    return s.replace(":", "").replace("keyid", "").strip().upper()


def pems(path):
    return re.findall(rb"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----\n",
                      open(path, "rb").read(), re.S)


def secs(path, flag):
    out = x509(path, flag, "-dateopt", "iso_8601").strip()
    v = out.split("=", 1)[1]
    return int(subprocess.run(["date", "-u", "-d", v, "+%s"],
                              capture_output=True, check=True).stdout)


def cert_checks(key, row, cur):
    g, s = key
    name = f"{g}/{s}"
    c = os.path.join(cur, "cert.pem")
    text = x509(c, "-text")
    subj = rdns(x509(c, "-subject", "-nameopt", "RFC2253").split("=", 1)[1]
                .strip())
    same(f"{name}: subject", subj, row["subject"], EMPTY_RDN)
    sg_cert = os.path.join(certs, *row["signer"], "curr", "cert.pem")
    iss = rdns(x509(c, "-issuer", "-nameopt", "RFC2253").split("=", 1)[1]
               .strip())
    sg_subj = rdns(x509(sg_cert, "-subject", "-nameopt", "RFC2253")
                   .split("=", 1)[1].strip())
    same(f"{name}: issuer is {row['signer'][1]}'s subject", iss, sg_subj)
    san = ext_block(text, "X509v3 Subject Alternative Name")
    got = [] if san is None else \
        [n.strip().replace("IP Address:", "IP:")
         for n in san[1].split(",")]
    same(f"{name}: subjectAltName", got, row["sans"], row.get("sans_note"))
    if san is not None:
        same(f"{name}: subjectAltName not critical", san[0], False)
    nb, na = secs(c, "-startdate"), secs(c, "-enddate")
    result(t0 - 1 <= nb <= t1 + 1, f"{name}: notBefore is the signing "
           "time (no back-dating)", None, f"{nb} not in [{t0}, {t1}]")
    if s == "my-int":
        root_na = secs(sg_cert, "-enddate")
        result(na == root_na and 0 <= row["days"] * 86400 - (na - nb) <= 600,
               f"{name}: valid {row['days']} days", row["days_note"],
               f"lifetime {na - nb} s, root notAfter {root_na}, own {na}")
    else:
        same(f"{name}: valid {row['days']} days", na - nb,
             row["days"] * 86400)
    same(f"{name}: basicConstraints", ext_block(text,
         "X509v3 Basic Constraints"),
         (True, "CA:TRUE" if row["ca"] else "CA:FALSE"))
    result("pathlen" not in text, f"{name}: no pathlen")
    same(f"{name}: keyUsage, not critical",
         ext_block(text, "X509v3 Key Usage"), (False, row["ku"]), EC_KU)
    same(f"{name}: extendedKeyUsage, the five, not critical",
         ext_block(text, "X509v3 Extended Key Usage"), (False, FIVE))
    exts = [e for e in re.findall(r"^ *(X509v3 [A-Za-z ]+?):", text, re.M)
            if e != "X509v3 extensions"]
    want_ext = [e for e in EXT_ORDER if row["sans"] or "Alternative" not in e]
    same(f"{name}: the extensions, in ssl-mgr's order", exts, want_ext)
    ski = ext_block(text, "X509v3 Subject Key Identifier")
    same(f"{name}: subjectKeyIdentifier, SHA-1 of the key, not critical",
         (ski[0], hexid(ski[1])) if ski else None, (False, ski_of(c)))
    aki = ext_block(text, "X509v3 Authority Key Identifier")
    same(f"{name}: authorityKeyIdentifier is {row['signer'][1]}'s SKI",
         (aki[0], hexid(aki[1])) if aki else None, (False, ski_of(sg_cert)),
         None if s == "my-root" else "spec quirk 11: ssl-mgr's is the "
         "subject's own key id, so OpenSSL cannot build its chains")
    same(f"{name}: signature ecdsa-with-SHA384 (the signer's digest)",
         re.findall(r"Signature Algorithm: (\S+)", text),
         ["ecdsa-with-SHA384"] * 2)
    same(f"{name}: key EC secp384r1",
         re.findall(r"(id-ecPublicKey|ASN1 OID: \S+)", text),
         ["id-ecPublicKey", "ASN1 OID: secp384r1"])
    same(f"{name}: version 3", re.search(r"Version: (\d)", text).group(1),
         "3")
    serial = int(x509(c, "-serial").split("=", 1)[1], 16)
    result(2 ** 64 < serial < 2 ** 159, f"{name}: serial random, positive, "
           "at most 159 bits", None, hex(serial))
    # 6.1: the key, unencrypted PKCS#8; 6.2: the request, SHA-384.
    k = os.path.join(cur, "privkey.pem")
    same(f"{name}: privkey.pem is unencrypted PKCS#8",
         open(k).readline().strip(), "-----BEGIN PRIVATE KEY-----")
    kpub = ossl("pkey", "-in", k, "-pubout").stdout
    cpub = ossl("x509", "-in", c, "-noout", "-pubkey").stdout
    result(kpub != b"" and kpub == cpub, f"{name}: privkey.pem is the "
           "certificate's key")
    r = ossl("req", "-in", os.path.join(cur, "csr.pem"), "-noout", "-verify",
             "-text", "-nameopt", "RFC2253")
    rtext = r.stdout.decode()
    result(r.returncode == 0 and "verify OK" in (r.stderr + r.stdout)
           .decode(), f"{name}: csr.pem is signed by the key")
    same(f"{name}: csr.pem signed with SHA-384",
         re.findall(r"Signature Algorithm: (\S+)", rtext),
         ["ecdsa-with-SHA384"])
    rpub = ossl("req", "-in", os.path.join(cur, "csr.pem"), "-noout",
                "-pubkey").stdout
    result(rpub == cpub, f"{name}: csr.pem holds the certificate's key")
    rexts = re.findall(r"^ *(X509v3 [A-Za-z ]+?):", rtext, re.M)
    same(f"{name}: csr.pem requests BC, KU, EKU"
         f"{', SAN' if row['sans'] else ''}", rexts,
         [e for e in EXT_ORDER if "Identifier" not in e and
          (row["sans"] or "Alternative" not in e)],
         "spec 6.2: ssl-mgr's request also has SKI and AKI (its own id); "
         "sslm's CA sets both when it signs (sslm-csrgen(1))")
    # 6.3, 6.4: chain, fullchain and bundle.
    cert = pems(c)
    if row["chain"] == "self":
        chain = cert
    else:
        chain = pems(os.path.join(certs, *row["chain"], "curr",
                                  "fullchain.pem"))
    same(f"{name}: chain.pem is the signer's fullchain "
         f"({len(chain)} certificates)", pems(os.path.join(cur, "chain.pem")),
         chain)
    full = cert if row["chain"] == "self" else cert + chain
    same(f"{name}: fullchain.pem is cert + chain",
         pems(os.path.join(cur, "fullchain.pem")), full)
    same(f"{name}: bundle.pem is privkey + fullchain",
         pems(os.path.join(cur, "bundle.pem")), pems(k) + full)


def tree_checks(key):
    g, s = key
    name = f"{g}/{s}"
    sd = os.path.join(certs, g, s)
    link = os.readlink(os.path.join(sd, "curr"))
    stamp = link[3:]
    result(link.startswith("db/") and STAMP.match(stamp),
           f"{name}: curr -> db/<stamp>, relative", None, link)
    result(not os.path.lexists(os.path.join(sd, "next")) and
           not os.path.lexists(os.path.join(sd, "prev")),
           f"{name}: after the first roll no next and no prev")
    cur = os.path.join(sd, link)
    got = {f: stat.S_IMODE(os.stat(os.path.join(cur, f)).st_mode)
           for f in sorted(os.listdir(cur))}
    same(f"{name}: the files of the set and their modes", got, SET_FILES)
    dirs = {d: stat.S_IMODE(os.stat(os.path.join(certs, d)).st_mode)
            for d in (g, f"{g}/{s}", f"{g}/{s}/db", f"{g}/{s}/{link}")}
    same(f"{name}: directories 0750", dirs, dict.fromkeys(dirs, 0o750))
    same(f"{name}: the service has curr and db (no cb/)",
         sorted(os.listdir(sd)), ["curr", "db"],
         "spec 2.3: ssl-mgr makes cb/ for certbot in every service; sslm "
         "speaks ACME itself, its accounts are in acme/ of ACME services")
    info = open(os.path.join(cur, "info")).read()
    result(re.fullmatch(rf"# {re.escape(s)} rolled to curr : "
                        r"\d{8}-\d{2}:\d{2}:\d{2}\n", info) is not None,
           f"{name}: info says when it was rolled", None, info)
    # 2.4: production: a real directory with the same files and modes.
    pd = os.path.join(prod, g, s)
    pc = os.path.join(pd, "curr")
    result(os.path.isdir(pc) and not os.path.islink(pc),
           f"{name}: production curr is a real directory")
    pgot = {f: (stat.S_IMODE(os.stat(os.path.join(pc, f)).st_mode),
                open(os.path.join(pc, f), "rb").read())
            for f in sorted(os.listdir(pc))}
    swant = {f: (m, open(os.path.join(cur, f), "rb").read())
             for f, m in got.items()}
    result(pgot == swant, f"{name}: production curr is a copy of curr, "
           "files and modes", None, f"{sorted(pgot)} vs {sorted(swant)}")
    same(f"{name}: production has curr only after the roll",
         sorted(os.listdir(pd)), ["curr"])
    pdirs = {d: stat.S_IMODE(os.stat(os.path.join(prod, d)).st_mode)
             for d in (g, f"{g}/{s}", f"{g}/{s}/curr")}
    same(f"{name}: production directories 0750", pdirs,
         dict.fromkeys(pdirs, 0o750))
    return cur


for key, row in TABLE.items():
    cert_checks(key, row, tree_checks(key))
same("the store: one directory per group", sorted(
    d for d in os.listdir(certs) if not d.startswith(".")),
    ["ca", "example.com"])
same("production: one directory per group", sorted(os.listdir(prod)),
     ["ca", "example.com"])
# 2.3, 2.4: tlsa.<grp> only when a service has dane_tls: none here.
for d in (certs, prod):
    for g, svcs in (("ca", ["my-int", "my-root"]),
                    ("example.com", ["mail-self", "web-self", "wild-self"])):
        same(f"{d[len(top) + 1:]}/{g}: the services, no tlsa.{g}",
             sorted(os.listdir(os.path.join(d, g))), svcs)
sys.exit(1 if fails else 0)
EOF
checks_from "the table (openssl, python3)" python3 "$w/table.py" "$top" \
    "$t0" "$t1"

# ---- the chains, with openssl's and GnuTLS's verifiers ---------------------------
root=$S/ca/my-root/curr/cert.pem
int=$S/ca/my-int/curr/cert.pem
for s in web-self mail-self wild-self; do
	c=$S/example.com/$s/curr
	for p in sslserver sslclient smimesign; do
		check "example.com/$s: openssl verify -purpose $p" \
		    openssl verify -purpose "$p" -CAfile "$root" \
		    -untrusted "$int" "$c/cert.pem"
	done
	certtool --verify --load-ca-certificate "$root" \
	    --infile "$c/fullchain.pem" >"$w/gnutls.out" 2>&1
	check "example.com/$s: certtool --verify of fullchain.pem" \
	    grep -q "Chain verification output: Verified" "$w/gnutls.out"
	run sslm-verify -t "$c"
	expect_rc 0 "example.com/$s: sslm-verify -t without -C: exit 0"
	check "example.com/$s: sslm-verify -t: ** Verified **" \
	    grep -qx '	Certificate \*\* Verified \*\*' "$T_OUT"
done
check "my-int: openssl verify -purpose crlsign against my-root" \
    openssl verify -purpose crlsign -CAfile "$root" "$int"
openssl verify -purpose crlsign -CAfile "$root" -untrusted "$int" \
    "$S/example.com/web-self/curr/cert.pem" >"$w/v.out" 2>&1
check "web-self: openssl verify -purpose crlsign refuses a leaf" \
    grep -q 'unsuitable certificate purpose' "$w/v.out"
certtool --verify --load-ca-certificate "$S/example.com/wild-self/curr/cert.pem" \
    --infile "$S/example.com/web-self/curr/fullchain.pem" >"$w/gnutls.out" 2>&1
check "web-self: certtool --verify refuses another anchor" \
    grep -q "Chain verification output: Not verified" "$w/gnutls.out"
check "logdir ./Logs: the log of the runs is there" test -s "$top/Logs/sslm"
check "the runs took under a minute" test $((t1 - t0)) -lt 60
