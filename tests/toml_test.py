#!/usr/bin/env python3
# toml-test conformance for `sslm-conf -T` (the TOML 1.0 parser, lib/toml.c).
#
# The cases come from $SSLM_SHARED/testdata/toml-test (never copied into
# the project); files-toml-1.0.0 lists the TOML 1.0 ones.
#   valid/**/X.toml:   exit 0, empty stderr, and the JSON on stdout equals
#                      X.json once its tagged values are made plain.
#   invalid/**/X.toml: exit 3, nothing on stdout, and stderr is exactly one
#                      line "sslm-conf: PATH:LINE: reason".
# Prints "ok - toml CASE" / "not ok - toml CASE" (plus indented evidence)
# per case, or one "skip - ..." line when the data is missing.
# Usage: toml_test.py [CASE-SUBSTRING]   (stdlib only)

import concurrent.futures
import decimal
import json
import math
import os
import re
import subprocess
import sys

TIMEOUT = 20


def data_dir():
    shared = os.environ.get("SSLM_SHARED")
    if not shared:
        top = os.environ.get("SSLM_TOP") or os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..")
        shared = os.path.join(top, "..", "shared")
    return os.path.join(shared, "testdata", "toml-test")


def conf_bin():
    b = os.environ.get("SSLM_BIN")
    if not b:
        top = os.environ.get("SSLM_TOP") or os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..")
        b = os.path.join(top, "bin")
    return os.path.join(b, "sslm-conf")


# --- date-times --------------------------------------------------------

DT_RE = re.compile(
    r"^(?:(?P<date>\d{4}-\d{2}-\d{2}))?"
    r"(?:(?P<sep>[Tt ])?"
    r"(?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d+))?"
    r"(?P<off>[Zz]|[+-]\d{2}:\d{2})?)?$")

KIND = {
    "datetime": ("date", "time", "off"),
    "datetime-local": ("date", "time"),
    "date-local": ("date",),
    "time-local": ("time",),
}


def norm_dt(text):
    """Parse an RFC 3339 / TOML date-time into a comparable tuple:
    (shape, date, time, fractional seconds, offset minutes); None if it is
    not one.  T/space, z/Z, trailing fraction zeros and Z vs +00:00 do not
    matter."""
    if not isinstance(text, str):
        return None
    m = DT_RE.match(text)
    if m is None or not (m.group("date") or m.group("time")):
        return None
    if m.group("date") and m.group("time") and not m.group("sep"):
        return None
    if not m.group("date") and (m.group("sep") or m.group("off")):
        return None
    shape = tuple(k for k in ("date", "time", "off") if m.group(k))
    frac = decimal.Decimal("0." + (m.group("frac") or "0")).normalize()
    off = m.group("off")
    if off is None:
        offmin = None
    elif off in ("Z", "z"):
        offmin = 0
    else:
        offmin = int(off[1:3]) * 60 + int(off[4:6])
        if off[0] == "-":
            offmin = -offmin
    return (shape, m.group("date"), m.group("time"), frac, offmin)


# --- comparison --------------------------------------------------------

TAGS = {"string", "integer", "float", "bool", "datetime", "datetime-local",
        "date-local", "time-local"}


def is_tagged(v):
    return (isinstance(v, dict) and set(v) == {"type", "value"}
            and v["type"] in TAGS and isinstance(v["value"], str))


def compare(exp, got, path, out):
    """Append a line to out for every difference between the tagged
    expectation exp and our plain JSON got."""
    where = path or "(root)"
    if is_tagged(exp):
        t, val = exp["type"], exp["value"]
        if t == "string":
            ok = isinstance(got, str) and got == val
        elif t == "integer":
            ok = (isinstance(got, int) and not isinstance(got, bool)
                  and got == int(val))
        elif t == "bool":
            ok = isinstance(got, bool) and got == (val == "true")
        elif t == "float":
            v = val.lstrip("+")
            if v in ("inf", "-inf"):
                ok = got == v
            elif v in ("nan", "-nan"):
                ok = got == "nan"
            else:
                ok = (isinstance(got, (int, float))
                      and not isinstance(got, bool)
                      and not isinstance(got, str)
                      and math.isfinite(got) and float(got) == float(v))
        else:
            ng = norm_dt(got)
            ne = norm_dt(val)
            ok = (ng is not None and ne is not None and ng == ne
                  and ng[0] == KIND[t])
        if not ok:
            out.append("%s: expected %s %r, got %s" %
                       (where, t, val, json.dumps(got)[:200]))
        return
    if isinstance(exp, dict):
        if not isinstance(got, dict):
            out.append("%s: expected a table, got %s" %
                       (where, json.dumps(got)[:200]))
            return
        for k in sorted(set(exp) - set(got)):
            out.append("%s: missing key %r" % (where, k))
        for k in sorted(set(got) - set(exp)):
            out.append("%s: unexpected key %r" % (where, k))
        for k in exp:
            if k in got:
                compare(exp[k], got[k], path + "." + json.dumps(k), out)
        return
    if isinstance(exp, list):
        if not isinstance(got, list):
            out.append("%s: expected an array, got %s" %
                       (where, json.dumps(got)[:200]))
            return
        if len(exp) != len(got):
            out.append("%s: expected %d elements, got %d" %
                       (where, len(exp), len(got)))
            return
        for i, (e, g) in enumerate(zip(exp, got)):
            compare(e, g, "%s[%d]" % (path, i), out)
        return
    out.append("%s: cannot read expectation %r" % (where, exp))


# --- running cases -----------------------------------------------------

def run(path):
    try:
        p = subprocess.run([conf_bin(), "-T", path], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, b"", b"timed out"
    return p.returncode, p.stdout, p.stderr


def show(b, n=300):
    return b[:n].decode("utf-8", "replace").replace("\n", "\\n")


def check_valid(root, case):
    """Returns a list of evidence lines, empty when the case passes."""
    path = os.path.join(root, case + ".toml")
    ev = []
    with open(os.path.join(root, case + ".json"), encoding="utf-8") as f:
        exp = json.load(f)
    rc, out, err = run(path)
    if rc != 0:
        return ["exit %s, expected 0" % rc, "stderr: " + show(err)]
    if err:
        ev.append("stderr not empty: " + show(err))
    try:
        got = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        return ev + ["stdout is not JSON (%s): %s" % (e, show(out))]
    diffs = []
    compare(exp, got, "", diffs)
    ev.extend(diffs[:10])
    if len(diffs) > 10:
        ev.append("... %d more differences" % (len(diffs) - 10))
    return ev


def check_invalid(root, case):
    path = os.path.join(root, case + ".toml")
    rc, out, err = run(path)
    ev = []
    if rc != 3:
        ev.append("exit %s, expected 3" % rc)
    if out:
        ev.append("stdout not empty: " + show(out))
    try:
        text = err.decode("utf-8")
    except UnicodeDecodeError:
        return ev + ["stderr is not UTF-8: " + show(err)]
    pat = "sslm-conf: " + re.escape(path) + r":[1-9][0-9]*: [^\n]+\n"
    if re.fullmatch(pat, text) is None:
        ev.append("stderr is not one 'sslm-conf: PATH:LINE: reason' "
                  "line: " + show(err))
    return ev


def main():
    root = data_dir()
    listing = os.path.join(root, "files-toml-1.0.0")
    if not os.path.isfile(listing):
        print("skip - toml-test data not found at %s" % root)
        return 0
    if not os.access(conf_bin(), os.X_OK):
        print("not ok - toml: %s is not executable" % conf_bin())
        return 1
    want = sys.argv[1] if len(sys.argv) > 1 else ""
    with open(listing, encoding="utf-8") as f:
        cases = [ln.strip()[:-len(".toml")] for ln in f
                 if ln.strip().endswith(".toml") and want in ln]
    if not cases:
        print("not ok - toml: no cases in %s" % listing)
        return 1

    def one(case):
        try:
            if case.startswith("valid/"):
                return check_valid(root, case)
            if case.startswith("invalid/"):
                return check_invalid(root, case)
            return ["unknown kind of case"]
        except OSError as e:
            return ["cannot run: %s" % e]

    nfail = 0
    workers = min(8, (os.cpu_count() or 1) * 2)
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        for case, ev in zip(cases, ex.map(one, cases)):
            if ev:
                nfail += 1
                print("not ok - toml %s" % case)
                for line in ev:
                    print("    " + line)
            else:
                print("ok - toml %s" % case)
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
