#!/usr/bin/env python3
# One run of bench/nscheck.sh: start sslm-nscheck on a document, run the
# trigger command (a thaw of the late secondary) at a random moment 1 to
# 2 s later, ask the secondary its SOA every millisecond until it serves
# the new serial, and print the milliseconds from that answer to the exit
# of sslm-nscheck (this process's monotonic clock).
# Usage: nscheck_lat.py NSCHECK DOC ADDR PORT SERIAL TRIGGER...
import random
import socket
import struct
import subprocess
import sys
import time


def soa_query(qid):
    q = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in b"example.test".split(b"."):
        q += bytes([len(label)]) + label
    return q + b"\0" + struct.pack(">HH", 6, 1)


def skip_name(m, i):
    while True:
        n = m[i]
        if n & 0xC0 == 0xC0:
            return i + 2
        if n == 0:
            return i + 1
        i += 1 + n


def soa_serial(m, qid):
    """The serial of the first answer of m, or None."""
    if len(m) < 12:
        return None
    rid, _, qd, an = struct.unpack(">HHHH", m[:8])
    if rid != qid or an == 0:
        return None
    i = 12
    for _ in range(qd):
        i = skip_name(m, i) + 4
    i = skip_name(m, i)
    rtype, _, _, _ = struct.unpack(">HHIH", m[i:i + 10])
    if rtype != 6:
        return None
    i = skip_name(m, i + 10)
    i = skip_name(m, i)
    return struct.unpack(">I", m[i:i + 4])[0]


def main():
    nscheck, doc, addr, port, serial = sys.argv[1:6]
    trigger = sys.argv[6:]
    port, serial = int(port), int(serial)
    p = subprocess.Popen([nscheck, "-w", "30", "-p", str(port), doc],
                         stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    time.sleep(1 + random.random())     # the secondary is late
    if p.poll() is not None:
        sys.exit("sslm-nscheck ended before the secondary caught up")
    subprocess.run(trigger, check=True, stdout=subprocess.DEVNULL)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.001)
    qid = 0
    seen = None
    deadline = time.monotonic() + 10
    while seen is None and time.monotonic() < deadline:
        qid = (qid + 1) & 0xFFFF
        s.sendto(soa_query(qid), (addr, port))
        t = time.monotonic()
        try:
            while True:
                m = s.recv(4096)
                v = soa_serial(m, qid)
                if v is not None:
                    if v == serial:
                        seen = t
                    break
        except socket.timeout:
            pass
    if seen is None:
        p.kill()
        sys.exit("the secondary never served serial %d" % serial)
    rc = p.wait()
    end = time.monotonic()
    if rc != 0:
        sys.exit("sslm-nscheck exited %d" % rc)
    print("%.1f" % ((end - seen) * 1000))


main()
