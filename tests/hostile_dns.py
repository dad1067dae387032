#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A hostile authoritative DNS server for tests/t-nscheck-hostile.sh.

    hostile_dns.py PORTFILE LOGFILE

UDP and TCP on one port of 127.0.0.1 that the kernel picks (written to
PORTFILE once both listen).  The zone is the first label of the apex:
CASE.test has SOA (serial 1), NS ns.CASE.test with the glue A 127.0.0.1
(this server) and the TXT record _acme-challenge.CASE.test "expected".
The case "good" answers exactly that; every other case lies in the way
CASES says.  Each query is logged to LOGFILE as "CASE PROTO QNAME QTYPE"
(flushed), so a test counts what a client asked.
"""
import os
import socket
import struct
import sys
import threading

PORTFILE, LOGFILE = sys.argv[1:3]
A, NS, SOA, TXT = 1, 2, 6, 16

CASES = {
    "good": "nothing",
    "noaa": "answers without the AA bit",
    "wrongid": "answers with another message ID",
    "ptrloop": "a compression pointer that points at itself",
    "rdlen": "an RDLENGTH past the end of the message",
    "trunc": "TC on UDP, then a TCP length of 65535 and 3 bytes",
    "manyns": "1,000 NS names for the apex",
    "nsout": "NS names outside the zone, without glue",
    "silent": "no answer at all",
    "qmismatch": "the answer's question is another name",
}

lock = threading.Lock()
logf = open(LOGFILE, "a")


def name(s):
    out = b""
    for label in s.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(owner, rtype, rdata, ttl=60):
    return name(owner) + struct.pack(">HHIH", rtype, 1, ttl,
                                     len(rdata)) + rdata


def parse_q(msg):
    i, labels = 12, []
    while msg[i] != 0:
        n = msg[i]
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += n + 1
    qtype, _ = struct.unpack(">HH", msg[i + 1:i + 5])
    return ".".join(labels).lower(), qtype, msg[12:i + 5]


def answer(msg, proto):
    """The answer bytes for query msg, or None for no answer."""
    qid, flags = struct.unpack(">HH", msg[:4])
    qname, qtype, qsec = parse_q(msg)
    parts = qname.split(".")
    case = parts[-2] if len(parts) >= 2 else ""
    with lock:
        logf.write("%s %s %s %d\n" % (case, proto, qname, qtype))
        logf.flush()
    apex = case + ".test"
    if case == "silent":
        return None
    serial = 1
    ans, auth, add = [], [], []
    rcode = 0
    if qname == apex and qtype == SOA:
        ans.append(rr(apex, SOA, name("ns." + apex) +
                      name("hostmaster." + apex) +
                      struct.pack(">IIIII", serial, 3600, 600, 86400, 60)))
    elif qname == apex and qtype == NS:
        if case == "manyns":
            for k in range(1000):
                ans.append(rr(apex, NS, name("ns%d.%s" % (k, apex))))
        elif case == "nsout":
            ans.append(rr(apex, NS, name("ns.victim.example.org")))
        else:
            ans.append(rr(apex, NS, name("ns." + apex)))
            add.append(rr("ns." + apex, A, socket.inet_aton("127.0.0.1")))
    elif qname == "ns." + apex and qtype == A:
        ans.append(rr(qname, A, socket.inet_aton("127.0.0.1")))
    elif qname == "_acme-challenge." + apex and qtype == TXT:
        ans.append(rr(qname, TXT, b"\x08expected"))
    elif qname.endswith(apex):
        pass
    else:
        rcode = 5       # REFUSED: not our zone
    aa = 0 if case == "noaa" else 0x0400
    tc = 0x0200 if case == "trunc" and proto == "udp" else 0
    hflags = 0x8000 | (flags & 0x7900) | aa | tc | rcode
    if case == "wrongid":
        qid ^= 0x5a5a
    if case == "qmismatch":
        qsec = name("other.example.org") + qsec[-4:]
    body = b"".join(ans + auth + add)
    if case == "ptrloop" and ans:
        # the owner of the first answer: a pointer to itself
        off = 12 + len(qsec)
        body = struct.pack(">H", 0xC000 | off) + body[len(name(qname)):]
    if case == "rdlen" and ans:
        off = len(name(qname)) + 8      # type, class, TTL
        body = body[:off] + b"\xff\xff" + body[off + 2:]
    if tc:
        body, ans, auth, add = b"", [], [], []
    return struct.pack(">HHHHHH", qid, hflags, 1, len(ans), len(auth),
                       len(add)) + qsec + body


def udp_loop(s):
    while True:
        msg, peer = s.recvfrom(65535)
        try:
            out = answer(msg, "udp")
        except (IndexError, struct.error, UnicodeError):
            continue
        if out is not None:
            s.sendto(out[:65535], peer)


def tcp_one(c):
    try:
        c.settimeout(10)
        hdr = c.recv(2)
        if len(hdr) < 2:
            return
        n = struct.unpack(">H", hdr)[0]
        msg = b""
        while len(msg) < n:
            chunk = c.recv(n - len(msg))
            if not chunk:
                return
            msg += chunk
        parts = parse_q(msg)[0].split(".")
        if len(parts) >= 2 and parts[-2] == "trunc":
            answer(msg, "tcp")
            c.sendall(b"\xff\xff\x00\x00\x00")
            return
        out = answer(msg, "tcp")
        if out is not None:
            c.sendall(struct.pack(">H", len(out)) + out)
    except (OSError, IndexError, struct.error):
        pass
    finally:
        c.close()


def tcp_loop(s):
    while True:
        c, _ = s.accept()
        threading.Thread(target=tcp_one, args=(c,), daemon=True).start()


for attempt in range(50):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        t.bind(("127.0.0.1", port))
        break
    except OSError:
        u.close()
        t.close()
else:
    sys.exit("hostile_dns.py: no port free for both UDP and TCP")
t.listen(16)
threading.Thread(target=udp_loop, args=(u,), daemon=True).start()
with open(PORTFILE + ".tmp", "w") as f:
    f.write("%d\n" % port)
os.rename(PORTFILE + ".tmp", PORTFILE)
tcp_loop(t)
