#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A hostile ACME server for tests/t-acme-hostile.sh (stdlib only).

    hostile_acme.py CERT KEY PORTFILE LOGFILE

Listens on 127.0.0.1, a port the kernel picks (written to PORTFILE once it
listens), with TLS from CERT and KEY (a self-signed certificate that is
also the CA of the certificates it issues, signed by openssl).  The first
path segment of every URL is the case: https://127.0.0.1:PORT/CASE/dir is
the directory of CASE, and every URL the server hands out stays under
/CASE/.  The case "good" answers the whole flow of RFC 8555 correctly
(directory, nonce, account, order, authorizations, challenges, finalize,
certificate); every other case misbehaves at one step, as its name in
CASES says.  JWS signatures are not checked: the payload is all it reads.
Each request is logged to LOGFILE as "CASE METHOD PATH TIME" (one line,
flushed), so a test counts what a client asked and when; for the case
"hold" a fifth field counts its requests in flight, this one included
(from its arrival to the start of its answer).  An order is "pending"
until each of its authorizations has had its challenge answered, then
"ready" (RFC 8555 7.1.6).
"""
import base64
import email.utils
import http.server
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time

CERT, KEY, PORTFILE, LOGFILE = sys.argv[1:5]
TOKEN = "hostileTokenAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
NONCE = "aG9zdGlsZU5vbmNl"

# case -> what goes wrong (the tests name these)
CASES = {
    "good": "nothing",
    "zoneline": "authorization identifier is a zone line",
    "outside": "authorization identifier outside the apex",
    "long": "authorization identifier of 2,000 characters",
    "wild2": "wildcard authorization for *.*.<name>",
    "wildfake": "wildcard authorization for a name not asked as one",
    "wildnoflag": "authorization for *.<name> without the wildcard field",
    "orderids": "the order names an identifier the request does not",
    "orderdup": "the order names one identifier twice, not the other",
    "manyauthz": "100 authorization URLs for the order",
    "dupauthz": "the same authorization twice",
    "nullauthz": "authorizations [1, null]",
    "mixauthz": "authorizations [1, null, {}]",
    "token": "a challenge token with /..",
    "longtoken": "a challenge token of 300 characters",
    "foreignauthz": "authorization URLs on another origin",
    "foreignloc": "an order Location on another origin",
    "foreignchal": "a challenge URL on another origin",
    "foreigncert": "a certificate URL on another origin",
    "ra0": "Retry-After: 0 on an order that stays processing",
    "radate": "Retry-After as an HTTP-date on a processing order",
    "pendonce": "the order stays pending for one poll after its challenges "
                "are answered (Retry-After: 1); finalize refused until ready",
    "pendforever": "the order stays pending after its challenges are "
                   "answered (Retry-After: 1)",
    "noloc": "newOrder 201 without Location",
    "emptycert": "an empty certificate answer",
    "bighdr": "10 MB of header lines",
    "bigline": "one header line of 10 MB",
    "bignonce": "a Replay-Nonce of 100 KB",
    "endless": "a directory body that never ends",
    "slow": "a directory that answers after 30 s",
    "hold": "nothing, but each newOrder is answered after 0.5 s",
}

lock = threading.Lock()
state = {}      # case -> {"ids": [...], "valid": set(), "csr": der, ...}
logf = open(LOGFILE, "a")


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def issue(der):
    """The PEM chain for a DER CSR: a leaf signed by CERT, then CERT."""
    with tempfile.TemporaryDirectory() as d:
        csr = os.path.join(d, "csr.der")
        with open(csr, "wb") as f:
            f.write(der)
        leaf = subprocess.run(
            ["openssl", "x509", "-req", "-inform", "DER", "-in", csr,
             "-CA", CERT, "-CAkey", KEY, "-days", "7",
             "-copy_extensions", "copy", "-set_serial",
             str(int(time.time() * 1000))],
            check=True, capture_output=True).stdout
    with open(CERT, "rb") as f:
        return leaf + f.read()


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def setup_case(self):
        parts = self.path.split("/")
        self.case = parts[1] if len(parts) > 1 else ""
        self.rest = "/".join(parts[2:])
        self.base = "https://127.0.0.1:%d/%s" % (
            self.server.server_address[1], self.case)
        with lock:
            self.st = state.setdefault(self.case, {"valid": set(),
                                                   "polls": 0,
                                                   "inflight": 0})
            extra = ""
            if self.case == "hold":
                self.st["inflight"] += 1
                extra = " %d" % self.st["inflight"]
            logf.write("%s %s /%s %.3f%s\n" % (self.case, self.command,
                                               self.rest, time.time(),
                                               extra))
            logf.flush()

    def send(self, code, body, ctype="application/json", headers=()):
        if self.case == "hold":
            with lock:
                self.st["inflight"] -= 1
        b = body if isinstance(body, bytes) else body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        if self.case == "bignonce":
            self.send_header("Replay-Nonce", "A" * (100 * 1024))
        else:
            self.send_header("Replay-Nonce", NONCE)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b)

    def problem(self, code, detail):
        self.send(code, json.dumps({
            "type": "urn:ietf:params:acme:error:malformed",
            "detail": detail}), "application/problem+json")

    # ---- GET and HEAD: the directory and the nonce -------------------
    def do_HEAD(self):
        self.setup_case()
        self.send(200, "")

    def do_GET(self):
        self.setup_case()
        if self.rest != "dir" or self.case not in CASES:
            return self.problem(404, "no such resource")
        c = self.case
        if c == "slow":
            time.sleep(30)
        if c == "bighdr":
            self.send_response(200)
            line = "x" * 1000
            for i in range(10 * 1024):
                self.send_header("X-Junk-%d" % i, line)
            self.end_headers()
            return
        if c == "bigline":
            self.send_response(200)
            self.send_header("X-Junk", "x" * (10 * 1024 * 1024))
            self.end_headers()
            return
        if c == "endless":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            try:
                self.wfile.write(b'{"x": "')
                while True:
                    self.wfile.write(b"a" * 65536)
            except OSError:
                return
        self.send(200, json.dumps({
            "newNonce": self.base + "/nonce",
            "newAccount": self.base + "/acct",
            "newOrder": self.base + "/new-order",
            "revokeCert": self.base + "/revoke",
            "keyChange": self.base + "/key-change"}))

    # ---- POST: the flow --------------------------------------------------
    def do_POST(self):
        self.setup_case()
        n = int(self.headers.get("Content-Length", "0"))
        try:
            jws = json.loads(self.rfile.read(n))
            pl = jws.get("payload", "")
            payload = json.loads(b64d(pl)) if pl else None
        except ValueError:
            return self.problem(400, "not a JWS")
        r = self.rest
        if r == "acct":
            return self.send(201, json.dumps({
                "status": "valid", "contact": []}), headers=[
                ("Location", self.base + "/acct/1")])
        if r == "new-order":
            if self.case == "hold":
                time.sleep(0.5)
            return self.new_order(payload)
        if r.startswith("authz/"):
            return self.authz(int(r.split("/")[1]))
        if r.startswith("chal/"):
            i = int(r.split("/")[1])
            with lock:
                self.st["valid"].add(i)
            return self.send(200, json.dumps({
                "type": r.split("/")[2], "status": "processing",
                "url": self.base + "/" + r, "token": TOKEN}))
        if r == "finalize/1":
            if self.case == "pendonce" and not self.st.get("ready"):
                return self.send(403, json.dumps({
                    "type": "urn:ietf:params:acme:error:orderNotReady",
                    "detail": "the order is not ready"}),
                    "application/problem+json")
            self.st["csr"] = b64d(payload["csr"])
            return self.order(finalized=True)
        if r == "order/1":
            return self.order(finalized="csr" in self.st)
        if r == "cert/1":
            if self.case == "emptycert":
                return self.send(200, b"", "application/pem-certificate-chain")
            return self.send(200, issue(self.st["csr"]),
                             "application/pem-certificate-chain")
        return self.problem(404, "no such resource")

    def authz_urls(self, ids):
        c, b = self.case, self.base
        if c == "manyauthz":
            return [b + "/authz/%d" % i for i in range(100)]
        if c == "dupauthz":
            return [b + "/authz/0"] * len(ids)
        if c == "nullauthz":
            return [1, None]
        if c == "mixauthz":
            return [1, None, {}]
        if c == "foreignauthz":
            return ["https://127.0.0.2:%d/%s/authz/%d" % (
                self.server.server_address[1], c, i)
                for i in range(len(ids))]
        return [b + "/authz/%d" % i for i in range(len(ids))]

    def order_doc(self, status, cert=None):
        ids = self.st["ids"]
        if self.case == "orderids":
            ids = ids + [{"type": "dns", "value": "victim.example.org"}]
        elif self.case == "orderdup":
            ids = [ids[0], dict(ids[0], value=ids[0]["value"].upper())]
        d = {"status": status, "identifiers": ids,
             "authorizations": self.authz_urls(self.st["ids"]),
             "finalize": self.base + "/finalize/1",
             "expires": "2099-01-01T00:00:00Z"}
        if cert is not None:
            d["certificate"] = cert
        return json.dumps(d)

    def new_order(self, payload):
        self.st["ids"] = payload["identifiers"]
        loc = self.base + "/order/1"
        if self.case == "foreignloc":
            loc = "https://evil.example/order/1"
        hdr = [] if self.case == "noloc" else [("Location", loc)]
        self.send(201, self.order_doc("pending"), headers=hdr)

    def order(self, finalized):
        c = self.case
        if not finalized:
            with lock:
                ready = len(self.st["valid"]) >= len(self.st["ids"])
                if ready and c in ("pendonce", "pendforever"):
                    self.st["pend"] = self.st.get("pend", 0) + 1
                    ready = c == "pendonce" and self.st["pend"] > 1
                self.st["ready"] = ready
            hdr = [] if ready or c not in ("pendonce", "pendforever") \
                else [("Retry-After", "1")]
            return self.send(200, self.order_doc("ready" if ready else
                                                 "pending"), headers=hdr)
        self.st["polls"] += 1
        if c == "ra0":
            return self.send(200, self.order_doc("processing"),
                             headers=[("Retry-After", "0")])
        if c == "radate" and self.st["polls"] == 1:
            when = email.utils.formatdate(time.time() + 3, usegmt=True)
            return self.send(200, self.order_doc("processing"),
                             headers=[("Retry-After", when)])
        cert = self.base + "/cert/1"
        if c == "foreigncert":
            cert = "https://evil.example/cert/1"
        self.send(200, self.order_doc("valid", cert))

    def authz(self, i):
        c = self.case
        ids = self.st.get("ids", [])
        if i >= len(ids):
            return self.problem(404, "no such authorization")
        ident = dict(ids[i])
        wild = ident["value"].startswith("*.")
        if wild:
            ident["value"] = ident["value"][2:]
        if c == "zoneline":
            ident["value"] = "hostile.test. 60 IN A 6.6.6.6 ; x"
        elif c == "outside":
            ident["value"] = "victim.example.org"
        elif c == "long":
            ident["value"] = ("a" * 60 + ".") * 32 + "hostile.test"
        elif c == "wild2" and wild:
            ident["value"] = "*." + ident["value"]
        elif c == "wildfake":
            wild = True
        elif c == "wildnoflag" and wild:
            ident["value"] = "*." + ident["value"]
            wild = False
        token = TOKEN
        if c == "token":
            token = "hostileTokenAAAAAAAAAAAA/.."
        elif c == "longtoken":
            token = "A" * 300
        chal = self.base + "/chal/%d" % i
        if c == "foreignchal":
            chal = "https://evil.example/chal/%d" % i
        valid = i in self.st["valid"]
        d = {"identifier": ident,
             "status": "valid" if valid else "pending",
             "expires": "2099-01-01T00:00:00Z",
             "challenges": [
                 {"type": "http-01", "url": chal + "/http-01",
                  "token": token, "status": "pending"},
                 {"type": "dns-01", "url": chal + "/dns-01",
                  "token": token, "status": "pending"}]}
        if wild:
            d["wildcard"] = True
        self.send(200, json.dumps(d))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
srv = Server(("127.0.0.1", 0), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(PORTFILE + ".tmp", "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
