"""ptyrun.py OUT ERR CMD...: run CMD with its standard error on a
pseudo-terminal (stdout to the file OUT, stdin empty), as an operator at
a terminal runs it; what the terminal shows goes to ERR as it comes
(CR LF as LF), so a test can poll it while CMD runs.
Exits with CMD's status."""
import os
import pty
import subprocess
import sys

master, slave = pty.openpty()
with open(sys.argv[1], "wb") as out:
    proc = subprocess.Popen(sys.argv[3:], stdout=out, stderr=slave,
                            stdin=subprocess.DEVNULL)
os.close(slave)
held = b""  # a CR at the end of a chunk may start a CR LF
with open(sys.argv[2], "wb", buffering=0) as err:
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the last writer closed the terminal
            break
        if not chunk:
            break
        chunk = held + chunk
        held = b""
        if chunk.endswith(b"\r"):
            chunk, held = chunk[:-1], b"\r"
        err.write(chunk.replace(b"\r\n", b"\n"))
    err.write(held)
os.close(master)
sys.exit(proc.wait())
