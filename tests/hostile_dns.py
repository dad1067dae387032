#!/usr/bin/env python3
"""A hostile authoritative DNS server for tests/t-nscheck-hostile.sh.

Usage: hostile_dns.py MODE PORTFILE LOGFILE

Serves the zone example.test on 127.0.0.1, UDP and TCP on one free port
(written to PORTFILE once both are bound): SOA serial 7, NS
ns1.example.test with glue 127.0.0.1 (this server: sslm-nscheck -p sends
every authoritative query here too), and the TXT record
_acme-challenge.example.test "token".  MODE "good" answers correctly;
the other modes break one thing (see MODES).  Every query is logged as
"proto qname qtype" to LOGFILE.  Stdlib only; loopback only.
"""
import os
import random
import socket
import struct
import sys
import threading
import time

ZONE = "example.test"
TXT_NAME = "_acme-challenge." + ZONE
T_A, T_NS, T_SOA, T_TXT, T_AAAA = 1, 2, 6, 16, 28

MODES = {
    "good": "correct answers",
    "silent": "never answers",
    "short": "a 5-byte reply",
    "wrong-id": "replies with another message ID",
    "random": "random bytes of random length",
    "ptr-loop": "an answer whose owner name is a compression pointer to itself",
    "rdlength": "an RR whose RDLENGTH runs past the end of the message",
    "label-long": "an owner name with a 70-byte label",
    "servfail": "SERVFAIL for everything",
    "nxdomain": "NXDOMAIN for everything",
    "refused": "REFUSED for everything",
    "not-aa": "correct data without the AA bit",
    "wrong-question": "answers a different question",
    "tc-closed": "TC on UDP; TCP closes at once",
    "tc-slow": "TC on UDP; TCP sends one byte a second",
    "tc-huge-length": "TC on UDP; TCP announces 65535 bytes, sends 10",
    "many-ns": "3,000 NS names, none with an address",
    "ns-offsite": "NS names outside the zone, no glue",
    "glue-bad": "glue A records with 3-byte RDATA",
    "txt-huge": "the TXT record as 255 strings of 255 bytes (TCP)",
    "soa-short": "an SOA whose RDATA is 4 bytes",
    "qdcount-0": "a reply without its question",
    "many-answers": "65535 in ANCOUNT, one RR present",
}


def name(n):
    out = b""
    for lab in n.rstrip(".").split("."):
        if lab:
            b = lab.encode()
            out += bytes([len(b)]) + b
    return out + b"\0"


def rr(owner, typ, rdata, ttl=60):
    return owner + struct.pack("!HHIH", typ, 1, ttl, len(rdata)) + rdata


def parse_query(q):
    if len(q) < 12:
        return None
    qid, flags = struct.unpack("!HH", q[:4])
    i, labels = 12, []
    while i < len(q) and q[i] != 0:
        ln = q[i]
        if ln > 63 or i + 1 + ln > len(q):
            return None
        labels.append(q[i + 1:i + 1 + ln].decode("ascii", "replace"))
        i += 1 + ln
    if i + 5 > len(q):
        return None
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    return qid, flags, ".".join(labels).lower(), qtype, q[12:i + 5]


def answer(mode, q, proto):
    p = parse_query(q)
    if p is None:
        return None
    qid, qflags, qname, qtype, question = p
    rd = qflags & 0x0100
    if mode == "random":
        return os.urandom(random.randint(0, 600))
    if mode == "short":
        return struct.pack("!HHB", qid, 0x8400, 0)
    if mode == "wrong-id":
        qid ^= 0x5a5a
    rcode, aa = 0, 0x0400
    an, ns, ar = [], [], []
    if mode in ("servfail", "nxdomain", "refused"):
        rcode = {"servfail": 2, "nxdomain": 3, "refused": 5}[mode]
    elif mode == "tc-closed" or mode.startswith("tc-"):
        if proto == "udp":
            return struct.pack("!HHHHHH", qid, 0x8600 | rd, 1, 0, 0, 0) + \
                question
    if mode == "not-aa":
        aa = 0
    ptr = b"\xc0\x0c"
    if rcode == 0:
        if qtype == T_SOA and qname == ZONE:
            rdata = name("ns1." + ZONE) + name("hostmaster." + ZONE) + \
                struct.pack("!IIIII", 7, 3600, 600, 86400, 60)
            if mode == "soa-short":
                rdata = b"\0\0\0\7"
            an.append(rr(ptr, T_SOA, rdata))
        elif qtype == T_NS and qname == ZONE:
            if mode == "many-ns":
                for k in range(3000):
                    an.append(rr(ptr, T_NS, name("n%d.x.%s" % (k, ZONE))))
            elif mode == "ns-offsite":
                for h in ("a.iana-servers.net", "b.iana-servers.net"):
                    an.append(rr(ptr, T_NS, name(h)))
            else:
                an.append(rr(ptr, T_NS, name("ns1." + ZONE)))
                glue = b"\x7f\0\0" if mode == "glue-bad" else \
                    socket.inet_aton("127.0.0.1")
                ar.append(rr(name("ns1." + ZONE), T_A, glue))
        elif qtype == T_A and qname == "ns1." + ZONE:
            glue = b"\x7f\0\0" if mode == "glue-bad" else \
                socket.inet_aton("127.0.0.1")
            an.append(rr(ptr, T_A, glue))
        elif qtype == T_TXT and qname == TXT_NAME:
            if mode == "txt-huge":
                rdata = b"".join(bytes([255]) + b"x" * 255
                                 for _ in range(255))
            else:
                rdata = b"\x05token"
            an.append(rr(ptr, T_TXT, rdata))
        elif qname == ZONE or qname.endswith("." + ZONE):
            pass        # NODATA
        else:
            rcode = 5
    if mode == "wrong-question":
        question = name("other.invalid") + struct.pack("!HH", qtype, 1)
    if mode == "ptr-loop" and an:
        # the owner of the first answer points at itself
        off = 12 + len(question)
        an[0] = struct.pack("!H", 0xC000 | off) + an[0][2:]
    if mode == "label-long" and an:
        an[0] = bytes([70]) + b"a" * 70 + b"\0" + an[0][2:]
    if mode == "rdlength" and an:
        a0 = an[0]
        an[0] = a0[:10] + struct.pack("!H", 60000) + a0[12:]
    qd = 0 if mode == "qdcount-0" else 1
    if qd == 0:
        question = b""
    anc = 65535 if mode == "many-answers" else len(an)
    flags = 0x8000 | aa | rd | rcode
    msg = struct.pack("!HHHHHH", qid, flags, qd, anc, len(ns), len(ar)) + \
        question + b"".join(an + ns + ar)
    if proto == "udp" and len(msg) > 512:
        msg = struct.pack("!HHHHHH", qid, flags | 0x0200, qd, 0, 0, 0) + \
            question
    return msg


def log(path, lock, line):
    with lock:
        with open(path, "a") as f:
            f.write(line + "\n")


def udp_loop(mode, s, logf, lock):
    while True:
        q, peer = s.recvfrom(4096)
        p = parse_query(q)
        log(logf, lock, "udp %s %s" % ((p[2], p[3]) if p else ("?", "?")))
        if mode == "silent":
            continue
        a = answer(mode, q, "udp")
        if a is not None:
            s.sendto(a, peer)


def tcp_one(mode, c, logf, lock):
    try:
        c.settimeout(30)
        hdr = c.recv(2)
        if len(hdr) < 2:
            return
        n = struct.unpack("!H", hdr)[0]
        q = b""
        while len(q) < n:
            d = c.recv(n - len(q))
            if not d:
                return
            q += d
        p = parse_query(q)
        log(logf, lock, "tcp %s %s" % ((p[2], p[3]) if p else ("?", "?")))
        if mode in ("silent", "tc-closed"):
            return
        if mode == "tc-huge-length":
            c.sendall(struct.pack("!H", 65535) + b"0123456789")
            time.sleep(30)
            return
        a = answer(mode, q, "tcp")
        if a is None:
            return
        data = struct.pack("!H", len(a)) + a
        if mode == "tc-slow":
            for b in data:
                c.sendall(bytes([b]))
                time.sleep(1)
            return
        c.sendall(data)
    except OSError:
        pass
    finally:
        c.close()


def tcp_loop(mode, s, logf, lock):
    while True:
        c, _ = s.accept()
        threading.Thread(target=tcp_one, args=(mode, c, logf, lock),
                         daemon=True).start()


def main():
    mode, portfile, logf = sys.argv[1:4]
    if mode not in MODES:
        sys.exit("hostile_dns.py: unknown mode " + mode)
    for _ in range(50):
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
        sys.exit("hostile_dns.py: no free port")
    t.listen(16)
    lock = threading.Lock()
    open(logf, "w").close()
    threading.Thread(target=tcp_loop, args=(mode, t, logf, lock),
                     daemon=True).start()
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(portfile + ".tmp", portfile)
    udp_loop(mode, u, logf, lock)


if __name__ == "__main__":
    main()
