#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Independent oracle of the renewal decision, written from ssl-mgr's
spec 5.4 and sslm-due(1), not from the C code.

  renew_oracle.py lifetime TABLE L...       -> "L target rand_adj" lines
  renew_oracle.py decide TABLE NOW CERT...  -> one JSON object per line:
      {"file", "due", "renew_at" (epoch), "target", "rand_adj", "jitter",
       "lifetime", "now"}; NOW may be a list "T1,T2,...": a line for each
      certificate at each time

TABLE is a JSON file: sslm-conf's output (its renew_info), a bare list
of {lifetime, target, rand_adj}, or "-" for the built-in table.  NOW is
epoch seconds.  Certificate dates and DER come from openssl(1).
"""
import calendar
import hashlib
import json
import math
import subprocess
import sys
import time

# ssl-mgr 7.8's built-in points (spec 3.2.2): N -> (target, rand_adj).
BUILTIN = [(0, 0.25, 0), (1, 0.5, 0), (2, 1, 0), (5, 2, 0), (10, 5, 0),
           (45, 10, 0), (60, 20, 0), (90, 30, 0), (120, 45, 5),
           (300, 60, 0)]


def load_table(path):
    if path == "-":
        return list(BUILTIN)
    with open(path) as f:
        doc = json.load(f)
    if isinstance(doc, dict):
        doc = doc["renew_info"]
    pts = [(p["lifetime"], p["target"], p["rand_adj"]) for p in doc]
    if not pts:
        return list(BUILTIN)   # sslm-due: always the built-in points
    return sorted(pts)


def value(pts, L, col):
    """Spec 5.4 lookup; between the first two points interpolate too
    (the recommended fix of the sub-day quirk)."""
    first, last = pts[0], pts[-1]
    if L <= first[0]:
        return first[col]
    if L >= last[0]:
        if last[0] > 0:
            return last[col] / last[0] * L
        return last[col]
    i = max(k for k in range(len(pts)) if pts[k][0] <= L)
    a, b = pts[i], pts[i + 1]
    return a[col] + (b[col] - a[col]) * (L - a[0]) / (b[0] - a[0])


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True,
                          capture_output=True).stdout


CACHE = {}


def cert_facts(path):
    """notBefore, notAfter (epoch) and DER of the first certificate
    (kept in CACHE by the file's bytes)."""
    with open(path, "rb") as f:
        key = hashlib.sha256(f.read()).hexdigest()
    if key in CACHE:
        nb, na, der = CACHE[key]
        return nb, na, bytes.fromhex(der)
    out = openssl("x509", "-in", path, "-noout", "-startdate",
                  "-enddate").decode()
    d = dict(line.split("=", 1) for line in out.splitlines())

    def epoch(s):
        return calendar.timegm(time.strptime(s.strip(),
                                             "%b %d %H:%M:%S %Y GMT"))
    der = openssl("x509", "-in", path, "-outform", "DER")
    CACHE[key] = (epoch(d["notBefore"]), epoch(d["notAfter"]), der.hex())
    return epoch(d["notBefore"]), epoch(d["notAfter"]), der


def round_tenth(x):
    """x to a multiple of 0.1, halves away from zero (not Python's
    round, which rounds halves to even)."""
    return math.copysign(math.floor(abs(x) * 10 + 0.5), x) / 10


def decide(pts, now, path):
    nb, na, der = cert_facts(path)
    L = (na - nb) / 86400
    T = value(pts, L, 1)
    R = value(pts, L, 2)
    # sslm-due(1): the certificate's own number in [0, 1) is the first
    # 53 bits of SHA-256(DER) over 2^53.
    u = (int.from_bytes(hashlib.sha256(der).digest()[:8], "big") >> 11) \
        / 2.0 ** 53
    J = round_tenth((2 * u - 1) * R) if R > 0 else 0.0
    lead = max(0.0, T + J)
    renew_at = na - math.floor(lead * 86400 + 0.5)
    # sslm-due(1): due from an hour before the renewal time
    return {"file": path, "due": now >= renew_at - 3600, "renew_at": renew_at,
            "target": T, "rand_adj": R, "jitter": J, "lifetime": L}


def main(argv):
    if len(argv) >= 3 and argv[0] == "lifetime":
        pts = load_table(argv[1])
        for s in argv[2:]:
            L = float(s)
            print(f"{s} {value(pts, L, 1)!r} {value(pts, L, 2)!r}")
        return 0
    if len(argv) >= 4 and argv[0] == "decide":
        pts = load_table(argv[1])
        # NOW may be several times, "T1,T2": one line per cert and time
        times = [int(x) for x in argv[2].split(",")]
        for p in argv[3:]:
            for now in times:
                d = decide(pts, now, p)
                d["now"] = now
                print(json.dumps(d))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
