"""ARI test helpers (python3, no third-party modules).

  ari.py certid CERT.pem
      print the RFC 9773 certificate identifier of the first certificate
      of CERT.pem: base64url(AKI keyIdentifier) "." base64url(serial),
      read from the DER with a small parser of our own (no openssl).
  ari.py proxy PORT CERT KEY UPSTREAM CAFILE DIR
      an HTTPS reverse proxy on 127.0.0.1:PORT (certificate CERT, key KEY)
      in front of the ACME server UPSTREAM (its directory URL, trusted
      with CAFILE) that adds renewalInfo to the directory.  It answers
      GET renewalInfo/<certID> from DIR/control (JSON, read at every
      request: start, end, retry_after, explanation, garbage), appends a
      JSON line for every renewalInfo GET and every newOrder (the HTTP
      status of the answer and the decoded JWS payload) to DIR/log, and forwards everything else, with the
      upstream's URLs rewritten to its own in bodies and in the Location
      and Link headers.
"""
import base64
import http.client
import http.server
import json
import ssl
import sys
import urllib.parse


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def der(b, i):
    """The TLV at b[i]: (tag, start of value, end of value)."""
    tag, n = b[i], b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return tag, i, i + n


def children(b, start, end):
    out = []
    while start < end:
        t, s, e = der(b, start)
        out.append((t, s, e))
        start = e
    return out


def certid(path):
    pem = open(path).read()
    body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END")[0]
    b = base64.b64decode("".join(body.split()))
    _, s, e = der(b, 0)                         # Certificate
    tbs = children(b, *der(b, s)[1:])           # TBSCertificate
    k = 1 if tbs[0][0] == 0xA0 else 0           # [0] version
    serial = b[tbs[k][1]:tbs[k][2]]             # INTEGER, DER bytes
    aki = None
    for t, s, e in tbs:
        if t != 0xA3:                           # [3] extensions
            continue
        for _, xs, xe in children(b, *der(b, s)[1:]):
            parts = children(b, xs, xe)
            oid = b[parts[0][1]:parts[0][2]]
            if oid != bytes([0x55, 0x1D, 0x23]):    # 2.5.29.35
                continue
            _, os_, oe = parts[-1]                  # extnValue
            _, ss, se = der(b, os_)                 # AuthorityKeyIdentifier
            for ct, cs, ce in children(b, ss, se):
                if ct == 0x80:                      # [0] keyIdentifier
                    aki = b[cs:ce]
    if aki is None:
        sys.exit("ari.py: %s: no authority key identifier" % path)
    return b64u(aki) + "." + b64u(serial)


def proxy(port, cert, key, upstream, cafile, d):
    up = urllib.parse.urlsplit(upstream)
    upbase = "%s://%s" % (up.scheme, up.netloc)
    base = "https://127.0.0.1:%d" % port
    ctx_up = ssl.create_default_context(cafile=cafile)
    c = http.client.HTTPSConnection(up.hostname, up.port, context=ctx_up,
                                    timeout=30)
    c.request("GET", up.path)
    neworder = urllib.parse.urlsplit(json.load(c.getresponse())[
        "newOrder"]).path
    c.close()

    def log(entry):
        with open(d + "/log", "a") as f:
            f.write(json.dumps(entry) + "\n")

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def answer(self, code, headers, body):
            self.send_response(code)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def forward(self, body=None):
            c = http.client.HTTPSConnection(up.hostname, up.port,
                                            context=ctx_up, timeout=30)
            h = {k: v for k, v in self.headers.items()
                 if k.lower() not in ("host", "connection",
                                      "content-length")}
            # Pebble checks the JWS "url" against its Host header.
            h["Host"] = "127.0.0.1:%d" % port
            c.request(self.command, self.path, body, h)
            r = c.getresponse()
            b = r.read().replace(upbase.encode(), base.encode())
            hs = [(k, v.replace(upbase, base)) for k, v in r.getheaders()
                  if k.lower() not in ("content-length", "connection",
                                       "transfer-encoding")]
            c.close()
            return r.status, hs, b

        def do_HEAD(self):
            self.answer(*self.forward())

        def do_POST(self):
            n = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(n)
            code, hs, b = self.forward(body)
            if self.path == neworder:
                jws = json.loads(body)
                log({"kind": "newOrder", "status": code,
                     "payload": json.loads(unb64u(jws["payload"]))})
            self.answer(code, hs, b)

        def do_GET(self):
            if self.path.startswith("/renewalInfo/"):
                return self.renewal_info(self.path[len("/renewalInfo/"):])
            code, hs, b = self.forward()
            if self.path == up.path and code == 200:
                doc = json.loads(b)
                doc["renewalInfo"] = base + "/renewalInfo"
                b = json.dumps(doc).encode()
            self.answer(code, hs, b)

        def renewal_info(self, cid):
            log({"kind": "renewalInfo", "id": cid})
            c = json.load(open(d + "/control"))
            if c.get("garbage"):
                return self.answer(200, [("Content-Type",
                                          "application/json")],
                                   b"{\"suggestedWindow\": [garbage")
            doc = {"suggestedWindow": {"start": c["start"],
                                       "end": c["end"]}}
            if c.get("explanation"):
                doc["explanationURL"] = c["explanation"]
            hs = [("Content-Type", "application/json")]
            if c.get("retry_after") is not None:
                hs.append(("Retry-After", str(c["retry_after"])))
            self.answer(200, hs, json.dumps(doc).encode())

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    s = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
    s.socket = ctx.wrap_socket(s.socket, server_side=True)
    s.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "certid":
        print(certid(sys.argv[2]))
    elif len(sys.argv) == 8 and sys.argv[1] == "proxy":
        proxy(int(sys.argv[2]), *sys.argv[3:])
    else:
        sys.exit("usage: ari.py certid CERT | proxy PORT CERT KEY "
                 "UPSTREAM CAFILE DIR")
