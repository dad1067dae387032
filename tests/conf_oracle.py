#!/usr/bin/env python3
"""Independent check of sslm-conf's resolved document.

Reads the conf.d tree with Python's tomllib (not our parser) and compares
every value that the tree states directly with what sslm-conf printed.
Usage: conf_oracle.py CONFDIR RESOLVED.json
Prints "ok - ..." / "not ok - ..." lines (one per compared item group).
"""
import json
import os
import sys
import tomllib

confdir, resolved = sys.argv[1], sys.argv[2]
doc = json.load(open(resolved))
fails = []
checks = 0


def eq(what, got, want):
    global checks
    checks += 1
    if got != want:
        fails.append(f"{what}: got {got!r}, want {want!r}")


def load(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


main = load(os.path.join(confdir, "ssl-mgr.conf"))
g = dict(main)
g.update(main.get("globals", {}))
G = doc["globals"]
eq("confdir", doc["confdir"], os.path.realpath(confdir))
eq("certs_dir", doc["certs_dir"],
   os.path.join(os.path.dirname(os.path.realpath(confdir)), "certs"))
top = os.path.dirname(os.path.realpath(confdir))


def at_top(p):
    """Relative paths are taken from TOP, the parent of conf.d."""
    return os.path.normpath(os.path.join(top, p))


prod = g.get("prod_cert_dir", "/etc/ssl-mgr/prod-certs")
if doc["test"]:
    prod += ".test"
eq("prod_cert_dir", G["prod_cert_dir"], at_top(prod))
# Only its last part may be missing (sslm.conf(5)).
eq("prod_cert_dir parent exists",
   os.path.isdir(os.path.dirname(G["prod_cert_dir"].rstrip("/"))), True)
eq("logdir", G["logdir"], at_top(g.get("logdir", "/var/log/ssl-mgr")))
eq("clean_keep", G["clean_keep"], max(1, g.get("clean_keep", 10)))
eq("min_roll_mins", G["min_roll_mins"], g.get("min_roll_mins", 90))
# sslm.conf(5): the deadline of one ACME call of sslm-mgr, 120 s unless set
eq("acme_timeout", G["acme_timeout"], g.get("acme_timeout", 120))
# sslm.conf(5): requests in flight to one ACME server, 4 unless set
eq("acme_parallel", G["acme_parallel"], g.get("acme_parallel", 4))
if "dns_xtra_ns" in g:
    x = g["dns_xtra_ns"]
    eq("dns_xtra_ns", G["dns_xtra_ns"], [x] if isinstance(x, str) else x)
eq("post_copy_cmd", G["post_copy_cmd"],
   [{"host": h, "cmd": c.split()} for h, c in g.get("post_copy_cmd", [])])

# renew_info: built-ins present; explicit target_N keys honoured.
pts = {p["lifetime"]: p for p in doc["renew_info"]}
for n in (0, 1, 2, 5, 10, 45, 60, 90, 120, 300):
    eq(f"renew_info point {n}", n in pts, True)
for k, v in main.get("renew_info", {}).items():
    k2 = k[len("renew_"):] if k.startswith("renew_") else k
    for pre, col in (("target_", "target"), ("rand_adj_", "rand_adj")):
        if k2.startswith(pre) and (v != 0 or col == "rand_adj"):
            n = float(k2[len(pre):])
            m = [p for L, p in pts.items() if abs(L - n) <= 0.1]
            eq(f"renew_info {k}", len(m) == 1 and m[0][col] == v, True)
eq("renew_info sorted", [p["lifetime"] for p in doc["renew_info"]],
   sorted(p["lifetime"] for p in doc["renew_info"]))


def strlist(v):
    if v is None:
        return []
    if isinstance(v, str):
        return [v] if v else []
    return [x for x in v if x]


dns = main.get("dns", {})
eq("dns.restart_cmd", doc["dns"]["restart_cmd"],
   [[c] for c in strlist(dns.get("restart_cmd"))])
eq("dns.acme_dir", doc["dns"]["acme_dir"],
   [at_top(p) for p in strlist(dns.get("acme_dir"))])
eq("dns.tlsa_dirs", doc["dns"]["tlsa_dirs"],
   [at_top(p) for p in strlist(dns.get("tlsa_dirs"))])
for cls in ("smtp", "imap", "web", "other"):
    t = main.get(cls, {})
    S = doc["servers"][cls]
    eq(f"{cls}.servers", S["servers"], strlist(t.get("servers")))
    eq(f"{cls}.restart_cmd", S["restart_cmd"],
       [c.split() for c in strlist(t.get("restart_cmd")) if c.split()])
    eq(f"{cls}.depends", S["depends"], strlist(t.get("depends")))
    want = [{"domain": d, "services": [s] if isinstance(s, str) else s}
            for d, s in t.get("svc_depends", [])]
    eq(f"{cls}.svc_depends", S["svc_depends"], want)
    eq(f"{cls}.server_dir", S["server_dir"], t.get("server_dir", ""))

cainfo_path = os.path.join(confdir, "ca-info.conf")
cainfo = load(cainfo_path) if os.path.exists(cainfo_path) else {}
eq("cas", sorted(doc["cas"]), sorted(cainfo))
for name, ca in cainfo.items():
    t = ca.get("ca_type", "").lower()
    eq(f"ca {name} type", doc["cas"][name]["type"],
       "local" if t in ("self", "local") else "acme")

# Selected groups: the active ones, in order (explicit service lists).
active = [x for x in main.get("groups", []) if x.get("active")]
eq("groups", [x["domain"] for x in doc["groups"]],
   list(dict.fromkeys(x["domain"] for x in active))
   if not os.environ.get("ORACLE_SELECTED") else
   [x["domain"] for x in doc["groups"]])
prim = main.get("dns_primary", [])
for grp in doc["groups"]:
    d = grp["domain"]
    if d != "ca":
        m = [p for p in prim if p["domain"].lower() == d] or \
            [p for p in prim if p["domain"] in ("default", "*")]
        want = ({"server": m[0]["server"], "port": m[0].get("port", 53)}
                if m else None)
        eq(f"{d} dns_primary", grp["dns_primary"], want)
    for s in grp["services"]:
        svc = s["service"]
        f = load(os.path.join(confdir, d, svc))
        w = f"{d}/{svc}"
        # sslm.conf(5): outside group ca, no signing_ca (or '') is an
        # error of that service; in group ca it is a self-signed root.
        unsigned = d != "ca" and f.get("signing_ca", "") == ""
        eq(f"{w} error for a leaf without signing_ca", "error" in s, unsigned)
        if "error" in s:
            eq(f"{w} error names signing_ca", "signing_ca: " in s["error"], True)
            continue
        eq(f"{w} name", s["name"], f["name"])
        eq(f"{w} group", s["group"], f["group"])
        eq(f"{w} file", s["file"],
           os.path.join(os.path.realpath(confdir), d, svc))
        x = f["X509"]
        for k in ("CN", "O", "C"):
            eq(f"{w} X509.{k}", s["x509"][k], x[k])
        for k in ("OU", "L", "ST", "email"):
            eq(f"{w} X509.{k}", s["x509"][k], x.get(k, ""))
        sans = [] if d == "ca" else [x["CN"]]
        for n in x.get("sans", []):
            if n.lower() not in (y.lower() for y in sans):
                sans.append(n)
        eq(f"{w} sans", s["x509"]["sans"], sans)
        ko = f.get("KeyOpts", {})
        eq(f"{w} ktype", s["key"]["ktype"], ko.get("ktype", "ec").lower())
        alias = {"prime256v1": "secp256r1", "p-256": "secp256r1",
                 "p-384": "secp384r1", "p-521": "secp521r1"}
        a = ko.get("ec_algo", "secp384r1").lower()
        eq(f"{w} ec_algo", s["key"]["ec_algo"], alias.get(a, a))
        eq(f"{w} rsa_bits", s["key"]["rsa_bits"],
           int(ko.get("rsa_bits", 4096)))
        dane = [{"port": int(i[0]), "proto": i[1].lower(),
                 "usage": int(i[2]), "selector": int(i[3]),
                 "match_type": int(i[4]),
                 "subtype": i[5].upper() if len(i) > 5 else ""}
                for i in f.get("dane_tls", [])]
        eq(f"{w} dane_tls", s["dane_tls"], dane)
        eq(f"{w} dane_tls_ttl", s["dane_tls_ttl"],
           max(0, f.get("dane_tls_ttl", 1800)))
        c = f.get("CA", {})
        eq(f"{w} sign_end_days", s["ca"]["sign_end_days"],
           max(1, c.get("sign_end_days", -1)))
        eq(f"{w} digest", s["ca"]["digest"],
           (c.get("digest") or "sha384").lower().replace("-", "_"))
        sca = f.get("signing_ca", "")
        if sca in ("", "self"):
            eq(f"{w} signer", s["signer"], {"type": "self"})
        else:
            t = cainfo[sca].get("ca_type", "").lower()
            eq(f"{w} signer.type", s["signer"]["type"],
               "local" if t in ("self", "local") else "acme")
            eq(f"{w} signer.ca", s["signer"]["ca"], sca)

name = os.path.basename(os.path.dirname(os.path.realpath(confdir)))
if fails:
    print(f"not ok - oracle {name}: {len(fails)} of {checks} differ")
    for x in fails[:20]:
        print("    " + x)
else:
    print(f"ok - oracle {name}: {checks} values agree with tomllib")
