"""ptyrun.py OUT ERR CMD...: run CMD with its standard error on a
pseudo-terminal (stdout to the file OUT, stdin empty), as an operator at
a terminal runs it; what the terminal showed goes to ERR (CR LF as LF).
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
shown = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:  # EIO: the last writer closed the terminal
        break
    if not chunk:
        break
    shown += chunk
os.close(master)
with open(sys.argv[2], "wb") as err:
    err.write(shown.replace(b"\r\n", b"\n"))
sys.exit(proc.wait())
