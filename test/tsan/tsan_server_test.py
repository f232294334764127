#!/usr/bin/env python3
"""A multi-threaded server under ThreadSanitizer: several event-loop threads, many connections,
keep-alive, cancellation (clients vanishing mid-body) and shutdown while transfers run.

    tsan_server_test.py --server PATH [--mode auto|native|buffered ...] [--threads N]

Meant for a server built with -fsanitize=thread (scripts/hardening.sh), but runs against any build.
For each --mode (default: auto and buffered) it starts the server with --threads N on --port 0, then:
  1. 24 client threads, each on its own keep-alive connection, send GET (whole, single range,
     multipart ranges), HEAD and conditional requests and check every body byte for byte;
  2. 40 clients start a 8 MiB download and vanish mid-body (reset or plain close), 20 stop reading,
     while 8 keep-alive clients keep running, so cancellations race with live transfers on all threads;
  3. 12 slow downloads are in flight when SIGTERM arrives: the server must exit 0 within its
     --shutdown-timeout plus a margin.
Passes when every check holds, the server exits 0, and its stderr holds no sanitizer report.
Exit status: 0 pass, 1 fail.
"""
import argparse
import hashlib
import http.client
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time


class Failure(Exception):
    pass


def pattern(n, seed):
    out = bytearray()
    block = 0
    while len(out) < n:
        out += hashlib.sha256(b"%d:%d" % (seed, block)).digest()
        block += 1
    return bytes(out[:n])


FILES = {"small.txt": pattern(1000, 1), "medium.bin": pattern(300 * 1024, 2), "big.bin": pattern(8 << 20, 3),
         "empty.txt": b""}


class Server:
    def __init__(self, binary, root, workdir, mode, threads):
        self.log_path = os.path.join(workdir, "server-%s.log" % mode)
        self.log = open(self.log_path, "wb")
        cmd = [binary, "--root", root, "--port", "0", "--threads", str(threads), "--mode", mode,
               "--shutdown-timeout", "5", "--send-timeout", "20", "--quiet"]
        print("starting:", " ".join(cmd), flush=True)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log)
        ready, _, _ = select.select([self.proc.stdout], [], [], 120)
        if not ready:
            self.proc.kill()
            raise Failure("server printed no line within 120 s")
        line = self.proc.stdout.readline().decode()
        if not line.startswith("listening on http://"):
            self.proc.kill()
            raise Failure("unexpected first line %r" % line)
        host, port = line[len("listening on http://"):].strip().rstrip("/").rsplit(":", 1)
        self.host, self.port = host.strip("[]"), int(port)

    def log_text(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("latin-1")


def keep_alive_client(server, n, errors, seed):
    """One keep-alive connection, n mixed requests, every body checked."""
    try:
        c = http.client.HTTPConnection(server.host, server.port, timeout=60)
        for i in range(n):
            kind = (i + seed) % 6
            if kind == 0:
                c.request("GET", "/medium.bin")
                r = c.getresponse()
                body = r.read()
                if r.status != 200 or body != FILES["medium.bin"]:
                    raise Failure("GET /medium.bin: %d, %d bytes" % (r.status, len(body)))
                etag = r.getheader("ETag")
            elif kind == 1:
                a = (i * 7919 + seed) % 200000
                c.request("GET", "/medium.bin", headers={"Range": "bytes=%d-%d" % (a, a + 9999)})
                r = c.getresponse()
                body = r.read()
                if r.status != 206 or body != FILES["medium.bin"][a:a + 10000]:
                    raise Failure("single range: %d" % r.status)
            elif kind == 2:
                c.request("GET", "/small.txt", headers={"Range": "bytes=0-9,500-509,-10"})
                r = c.getresponse()
                body = r.read()
                ctype = r.getheader("Content-Type", "")
                if r.status != 206 or not ctype.startswith("multipart/byteranges") or \
                        FILES["small.txt"][500:510] not in body or int(r.getheader("Content-Length")) != len(body):
                    raise Failure("multipart: %d %s" % (r.status, ctype))
            elif kind == 3:
                c.request("HEAD", "/big.bin")
                r = c.getresponse()
                r.read()
                if r.status != 200 or int(r.getheader("Content-Length")) != len(FILES["big.bin"]):
                    raise Failure("HEAD: %d" % r.status)
            elif kind == 4:
                c.request("GET", "/small.txt")
                r = c.getresponse()
                r.read()
                etag = r.getheader("ETag")
                c.request("GET", "/small.txt", headers={"If-None-Match": etag})
                r = c.getresponse()
                r.read()
                if r.status != 304:
                    raise Failure("If-None-Match: %d" % r.status)
            else:
                c.request("GET", "/empty.txt")
                r = c.getresponse()
                if r.status != 200 or r.read() != b"":
                    raise Failure("empty file: %d" % r.status)
        c.close()
    except Exception as e:  # noqa: BLE001 - every failure is reported
        errors.append("keep-alive client %d: %r" % (seed, e))


def vanishing_client(server, seed, errors):
    """Starts a big download, reads part of it, then disappears (RST or FIN)."""
    try:
        s = socket.create_connection((server.host, server.port), timeout=30)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        want = 1000 + (seed * 104729) % (4 << 20)
        got = 0
        while got < want:
            chunk = s.recv(min(65536, want - got))
            if not chunk:
                raise Failure("server closed early")
            got += len(chunk)
        if seed % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
        s.close()
    except Exception as e:  # noqa: BLE001
        errors.append("vanishing client %d: %r" % (seed, e))


def stalled_client(server, hold, errors):
    """Asks for a big file, never reads, closes after `hold` seconds."""
    try:
        s = socket.create_connection((server.host, server.port), timeout=30)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(hold)
        s.close()
    except Exception as e:  # noqa: BLE001
        errors.append("stalled client: %r" % e)


def slow_download(server, started, results, idx):
    """Reads a big file slowly; records how it ended (the server stops it at shutdown)."""
    try:
        s = socket.create_connection((server.host, server.port), timeout=60)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        got = len(s.recv(1000))
        started.release()
        while True:
            chunk = s.recv(16384)
            if not chunk:
                break
            got += len(chunk)
            time.sleep(0.05 if idx % 2 else 0.002)  # half finish, half are cut by the shutdown bound
        results[idx] = "closed after %s" % ("the whole body" if got >= len(FILES["big.bin"]) else "part")
        s.close()
    except Exception as e:  # noqa: BLE001
        results[idx] = repr(e)


def run_threads(threads):
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
        if t.is_alive():
            raise Failure("a client thread did not finish within 600 s")


def run_mode(binary, root, workdir, mode, nthreads):
    server = Server(binary, root, workdir, mode, nthreads)
    errors = []
    try:
        t0 = time.monotonic()
        run_threads([threading.Thread(target=keep_alive_client, args=(server, 30, errors, k)) for k in range(24)])
        print("phase 1 (24 keep-alive clients x 30 requests): %.1f s" % (time.monotonic() - t0), flush=True)
        if errors:
            raise Failure("; ".join(errors[:5]))

        t0 = time.monotonic()
        threads = [threading.Thread(target=vanishing_client, args=(server, k, errors)) for k in range(40)]
        threads += [threading.Thread(target=stalled_client, args=(server, 0.5 + (k % 5) * 0.3, errors))
                    for k in range(20)]
        threads += [threading.Thread(target=keep_alive_client, args=(server, 12, errors, 100 + k)) for k in range(8)]
        run_threads(threads)
        print("phase 2 (40 vanishing, 20 stalled, 8 keep-alive clients): %.1f s" % (time.monotonic() - t0),
              flush=True)
        if errors:
            raise Failure("; ".join(errors[:5]))

        started = threading.Semaphore(0)
        results = [None] * 12
        threads = [threading.Thread(target=slow_download, args=(server, started, results, k)) for k in range(12)]
        for t in threads:
            t.start()
        for _ in threads:
            if not started.acquire(timeout=60):
                raise Failure("slow downloads did not start")
        t0 = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        try:
            rc = server.proc.wait(5 + 60)  # --shutdown-timeout 5, plus TSan's slowness and report time
        except subprocess.TimeoutExpired:
            raise Failure("server still running 65 s after SIGTERM")
        exit_time = time.monotonic() - t0
        for t in threads:
            t.join(60)
        print("phase 3 (SIGTERM with 12 downloads in flight): exit %d after %.1f s; clients: %s" %
              (rc, exit_time, sorted(set(str(r) for r in results))), flush=True)
        if rc != 0:
            raise Failure("server exit status %d after SIGTERM" % rc)
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()
        log = server.log_text()
        server.log.close()
        if "ThreadSanitizer" in log or "Sanitizer" in log or "runtime error:" in log:
            print(log[-20000:])
            errors.append("sanitizer report in the server's log (%s)" % mode)
    if errors:
        raise Failure("; ".join(errors[:5]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--mode", action="append", default=[])
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()
    modes = args.mode or ["auto", "buffered"]
    workdir = tempfile.mkdtemp(prefix="zerocopy-tsan-")
    try:
        root = os.path.join(workdir, "www")
        os.mkdir(root)
        for name, data in FILES.items():
            with open(os.path.join(root, name), "wb") as f:
                f.write(data)
        for mode in modes:
            t0 = time.monotonic()
            run_mode(args.server, root, workdir, mode, args.threads)
            print("ok: --mode %s (%.1f s)" % (mode, time.monotonic() - t0), flush=True)
    except Failure as e:
        print("FAIL:", e, flush=True)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
