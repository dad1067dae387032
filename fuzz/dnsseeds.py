#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seed answers for fuzz_dns: wire-format DNS messages (RFC 1035 4.1)
built here byte by byte, one file each in the directory of argv[1]:
answers to the questions fuzz_dns asks of the zone example.com (SOA,
TXT, TLSA, NS with glue), with compression, and a few refusals."""
import os
import struct
import sys

APEX = "example.com"


def name(n):
    out = b""
    for label in n.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(owner, rtype, rdata, ttl=300, owner_wire=None):
    o = owner_wire if owner_wire is not None else name(owner)
    return o + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def msg(qname, qtype, answers=(), additional=(), rcode=0, aa=1, tc=0,
        ident=0x1234):
    flags = 0x8000 | (aa << 10) | (tc << 9) | rcode
    head = struct.pack("!HHHHHH", ident, flags, 1, len(answers), 0,
                       len(additional))
    q = name(qname) + struct.pack("!HH", qtype, 1)
    return head + q + b"".join(answers) + b"".join(additional)


SOA, NS, A, AAAA, TXT, TLSA = 6, 2, 1, 28, 16, 52


def soa(serial):
    return (name("ns1." + APEX) + name("hostmaster." + APEX) +
            struct.pack("!IIIII", serial, 3600, 600, 86400, 300))


def txt(*strings):
    return b"".join(bytes([len(s)]) + s for s in strings)


def tlsa(u, s, m, data):
    return bytes([u, s, m]) + data


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    acme = "_acme-challenge." + APEX
    smtp = "_25._tcp.mail." + APEX
    www = "_443._tcp.www." + APEX
    h = bytes.fromhex("0123456789abcdef" * 4)
    seeds = {
        "soa": msg(APEX, SOA, [rr(APEX, SOA, soa(2026010101))]),
        # the owner as a pointer to the question's name (offset 12)
        "soa-ptr": msg(APEX, SOA, [rr(APEX, SOA, soa(7),
                                      owner_wire=b"\xc0\x0c")]),
        "txt": msg(acme, TXT, [rr(acme, TXT, txt(
            b"aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8"))]),
        "txt-multi": msg(acme, TXT, [
            rr(acme, TXT, txt(b"part one ", b"part two")),
            rr(acme, TXT, txt(b"\x00\x01\x7f\xff quoted \" and \\"))]),
        "tlsa": msg(smtp, TLSA, [rr(smtp, TLSA, tlsa(3, 1, 1, h))]),
        "tlsa-two": msg(smtp, TLSA, [rr(smtp, TLSA, tlsa(3, 1, 1, h)),
                                     rr(smtp, TLSA, tlsa(2, 0, 2, h * 2))]),
        "tlsa-absent": msg(www, TLSA, [rr(www, TLSA, tlsa(3, 1, 1, h))]),
        "ns": msg(APEX, NS, [rr(APEX, NS, name("ns1." + APEX)),
                             rr(APEX, NS, name("ns2." + APEX))],
                  [rr("ns1." + APEX, A, bytes([127, 0, 0, 1])),
                   rr("ns2." + APEX, AAAA, bytes(15) + b"\x01")]),
        "nxdomain": msg(acme, TXT, rcode=3),
        "refused": msg(APEX, SOA, rcode=5),
        "not-aa": msg(APEX, SOA, [rr(APEX, SOA, soa(1))], aa=0),
        "truncated": msg(acme, TXT, tc=1),
    }
    for k, v in seeds.items():
        with open(os.path.join(d, k), "wb") as f:
            f.write(v)


if __name__ == "__main__":
    main()
