#!/usr/bin/env python3
"""Independent check of sslm-info --json against the openssl CLI.

Usage: info_oracle.py SSLM_INFO CERT...
Runs `SSLM_INFO --json CERT...` once, then for each certificate asks
`openssl x509` for subject, issuer (RFC 2253), serial, dates and SHA-256
fingerprint, and `openssl pkey -pubin -outform der` for the DER
SubjectPublicKeyInfo (hashed here with hashlib), and compares.
Prints one "ok - ..." / "not ok - ..." line per certificate.
"""
import datetime
import hashlib
import json
import os
import subprocess
import sys

sslm_info, files = sys.argv[1], sys.argv[2:]


def norm_serial(s):
    neg = s.startswith("-")
    s = s.lstrip("-").lower().lstrip("0") or "0"
    return "-" + s if neg else s


def openssl_date(s):
    # "Sep  4 00:00:00 2020 GMT"
    return datetime.datetime.strptime(" ".join(s.split()),
                                      "%b %d %H:%M:%S %Y GMT")


def our_date(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")


def openssl_facts(path):
    out = subprocess.run(
        ["openssl", "x509", "-in", path, "-noout", "-subject", "-issuer",
         "-serial", "-startdate", "-enddate", "-fingerprint", "-sha256",
         "-nameopt", "RFC2253", "-pubkey"],
        check=True, capture_output=True, text=True).stdout
    f = {}
    pem = out[out.index("-----BEGIN PUBLIC KEY-----"):]
    for line in out[:out.index("-----BEGIN PUBLIC KEY-----")].splitlines():
        k, _, v = line.partition("=")
        f[k] = v
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"],
                         input=pem.encode(), check=True,
                         capture_output=True).stdout
    return {
        "subject": f["subject"],
        "issuer": f["issuer"],
        "serial": norm_serial(f["serial"]),
        "not_before": openssl_date(f["notBefore"]),
        "not_after": openssl_date(f["notAfter"]),
        "sha256": f["sha256 Fingerprint"].replace(":", "").lower(),
        "spki_sha256": hashlib.sha256(der).hexdigest(),
    }


proc = subprocess.run([sslm_info, "--json"] + files, capture_output=True,
                      text=True)
if proc.returncode != 0:
    print(f"not ok - sslm-info --json on {len(files)} files: "
          f"exit {proc.returncode}")
    print("    " + proc.stderr[:400])
    sys.exit(0)
ours = {}
for o in json.loads(proc.stdout):
    ours.setdefault(o["file"], []).append(o)
for path in files:
    name = os.path.basename(path)
    objs = ours.get(path, [])
    if len(objs) != 1 or objs[0].get("type") != "certificate":
        print(f"not ok - {name}: expected one certificate, got {objs!r}"[:300])
        continue
    o = objs[0]
    want = openssl_facts(path)
    got = dict(o)
    got["serial"] = norm_serial(o["serial"])
    got["not_before"] = our_date(o["not_before"])
    got["not_after"] = our_date(o["not_after"])
    bad = [f"{k}: got {got.get(k)!r}, openssl {v!r}"
           for k, v in want.items() if got.get(k) != v]
    life = (want["not_after"] - want["not_before"]).total_seconds() / 86400
    if abs(o["lifetime_days"] - life) > 1e-6:
        bad.append(f"lifetime_days {o['lifetime_days']} != {life}")
    if bad:
        print(f"not ok - {name}: agrees with openssl")
        for b in bad:
            print("    " + b)
    else:
        print(f"ok - {name}: agrees with openssl")
