#!/usr/bin/env python3
"""tcp_sendfile serve/fetch in each --mode: files byte-exact (to a file and to stdout), several
clients at once, the statistics line, and a clean exit on SIGTERM.

    tcp_sendfile_test.py PATH-TO-tcp_sendfile
"""
import hashlib
import os
import re
import select
import signal
import subprocess
import sys
import tempfile


def main():
    exe = sys.argv[1]
    work = tempfile.mkdtemp(prefix="zerocopy-tcp-sendfile-")
    src = os.path.join(work, "src.bin")
    data = b"".join(hashlib.sha256(b"%d" % i).digest() for i in range(300000)) + b"tail"
    with open(src, "wb") as f:
        f.write(data)
    failures = 0

    def check(cond, what):
        nonlocal failures
        print(("ok: " if cond else "FAIL: ") + what, flush=True)
        failures += 0 if cond else 1

    for mode in ("auto", "native", "buffered"):
        srv = subprocess.Popen([exe, "serve", "--file", src, "--port", "0", "--mode", mode],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            ready, _, _ = select.select([srv.stdout], [], [], 20)
            line = srv.stdout.readline().decode() if ready else ""
            m = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", line)
            check(m is not None, "%s: listening line %r" % (mode, line))
            if not m:
                continue
            to = "127.0.0.1:" + m.group(1)
            out = os.path.join(work, "out.bin")
            r = subprocess.run([exe, "fetch", "--to", to, "--out", out], capture_output=True, timeout=60)
            check(r.returncode == 0 and open(out, "rb").read() == data, "%s: fetch --out FILE byte-exact" % mode)
            check(re.match(rb"received %d bytes in [0-9.]+ s \([0-9.]+ MiB/s\)" % len(data), r.stderr) is not None,
                  "%s: statistics line %r" % (mode, r.stderr))
            fetches = [subprocess.Popen([exe, "fetch", "--to", to, "--out", "-"], stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL) for _ in range(4)]
            outs = [p.communicate(timeout=60)[0] for p in fetches]
            check(all(o == data for o in outs) and all(p.returncode == 0 for p in fetches),
                  "%s: 4 clients at once to stdout, byte-exact" % mode)
        finally:
            srv.send_signal(signal.SIGTERM)
            try:
                rc = srv.wait(10)
            except subprocess.TimeoutExpired:
                srv.kill()
                rc = srv.wait()
            err = srv.stderr.read().decode()
            check(rc == 0, "%s: serve exits 0 on SIGTERM" % mode)
            check(err.count("sent %d bytes" % len(data)) == 5, "%s: five transfers logged" % mode)
    subprocess.run(["rm", "-rf", work])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
