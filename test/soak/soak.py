#!/usr/bin/env python3
"""Soak and abuse test for an example file server: N minutes of hostile and normal clients.

    soak.py --server PATH [--minutes 10] [--workers 24] [--threads 2] [--seed 1] [--report FILE]

Loopback only, bounded in time (--minutes) and in concurrency (--workers client threads). It starts
the server on --port 0 over a temporary document root, lets the clients run, then stops them, waits
for the server's timeouts to pass, and compares the server's open descriptors, RSS and threads with
the figures taken after warm-up. The client mix (weights in MIX):
  keepalive   one connection, 1-20 GETs of whole files, every body byte-exact
  range       single ranges, multipart/byteranges (parsed and checked part by part), suffix ranges,
              If-Range, 416; every byte checked
  disconnect  a large download abandoned mid-body, by FIN or by RST
  stalled     a large download the client stops reading, then drops
  slowloris   a request header dribbled one byte at a time: the server must close it
  oversized   a request header beyond the limit: 431, then close
  pipeline    2-8 requests in one write: every response, in order, byte-exact
  malformed   framing defects, bad request lines, traversal attempts, binary garbage: a well-formed
              4xx/5xx (or, for garbage, a close) and never a crash
Passes when: the server is alive throughout and exits 0 on SIGTERM; every well-formed request got a
byte-exact, well-formed response; descriptors back within 4 of the start, same thread count, RSS
growth within max(24 MiB, 50 %). Exit status: 0 pass, 1 fail.
"""
import argparse
import collections
import hashlib
import json
import os
import random
import re
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


def pattern(n, seed):
    out = bytearray()
    block = 0
    while len(out) < n:
        out += hashlib.sha256(b"%d:%d" % (seed, block)).digest()
        block += 1
    return bytes(out[:n])


FILES = {
    "empty.txt": b"",
    "small.txt": pattern(1234, 1),
    "medium.bin": pattern(300 * 1024 + 7, 2),
    "large.bin": pattern(16 * 1024 * 1024, 3),
    "dir/nested.html": pattern(5000, 4),
}
MIX = {"keepalive": 30, "range": 20, "disconnect": 10, "stalled": 4, "slowloris": 3, "oversized": 5,
       "pipeline": 12, "malformed": 16}


class Failure(Exception):
    pass


class Unexpected(Exception):
    """A response that breaks the rules (counted as an error of its kind)."""


# ---------------------------------------------------------------------------------------------------
class Server:
    def __init__(self, binary, root, workdir, threads, header_timeout, idle_timeout, send_timeout):
        self.log_path = os.path.join(workdir, "server.log")
        self.log = open(self.log_path, "wb")
        self.cmd = [binary, "--root", root, "--port", "0", "--threads", str(threads), "--quiet",
                    "--header-timeout", str(header_timeout), "--idle-timeout", str(idle_timeout),
                    "--send-timeout", str(send_timeout), "--max-header-bytes", "16384"]
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=self.log)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        if not ready:
            self.proc.kill()
            raise Failure("server printed no line within 60 s")
        line = self.proc.stdout.readline().decode()
        if not line.startswith("listening on http://"):
            self.proc.kill()
            raise Failure("unexpected first line %r" % line)
        host, port = line[len("listening on http://"):].strip().rstrip("/").rsplit(":", 1)
        self.host, self.port = host.strip("[]"), int(port)

    def stats(self):
        pid = self.proc.pid
        fds = len(os.listdir("/proc/%d/fd" % pid))
        status = open("/proc/%d/status" % pid).read()
        rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
        threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
        return {"fds": fds, "rss_kib": rss, "threads": threads}

    def alive(self):
        return self.proc.poll() is None


# ---------------------------------------------------------------------------------------------------
class Conn:
    """A client connection with a small HTTP/1.1 response reader."""

    def __init__(self, server, timeout=30, rcvbuf=None):
        self.s = socket.socket(socket.AF_INET6 if ":" in server.host else socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(timeout)
        self.s.connect((server.host, server.port))
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def _fill(self):
        chunk = self.s.recv(262144)
        if not chunk:
            raise EOFError("connection closed by the server")
        self.buf += chunk

    def read_response(self, head=False):
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise Unexpected("response header over 64 KiB")
            self._fill()
        end = self.buf.index(b"\r\n\r\n")
        lines = self.buf[:end].decode("latin-1").split("\r\n")
        self.buf = self.buf[end + 4:]
        m = re.match(r"HTTP/1\.[01] (\d{3}) ", lines[0] + " ")
        if not m:
            raise Unexpected("bad status line %r" % lines[0])
        headers = {}
        for line in lines[1:]:
            if ":" not in line:
                raise Unexpected("bad header line %r" % line)
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        if "transfer-encoding" in headers:
            raise Unexpected("unexpected Transfer-Encoding in a response")
        status = int(m.group(1))
        if head or status in (204, 304):
            length = 0
        else:
            if "content-length" not in headers:
                raise Unexpected("no Content-Length (status %d)" % status)
            length = int(headers["content-length"])
        while len(self.buf) < length:
            self._fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def wait_closed(self, timeout):
        """True when the server closes the connection within `timeout` seconds (data is discarded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                if not self.s.recv(65536):
                    return True
            except socket.timeout:
                return False
            except ConnectionResetError:
                return True
        return False

    def close(self, reset=False):
        try:
            if reset:
                self.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.s.close()
        except OSError:
            pass


def get(path, extra=""):
    return ("GET /%s HTTP/1.1\r\nHost: soak\r\n%s\r\n" % (path, extra)).encode()


def expect_file(resp, name, what):
    status, headers, body = resp
    if status != 200 or body != FILES[name]:
        raise Unexpected("%s: status %d, %d bytes (want 200, %d bytes, byte-exact)" % (what, status, len(body),
                                                                                         len(FILES[name])))


def parse_multipart(body, boundary, name):
    """Checks a multipart/byteranges body against the file; returns the number of parts."""
    data = FILES[name]
    parts = body.split(b"--" + boundary.encode())
    if parts[0] not in (b"", b"\r\n") or not parts[-1].startswith(b"--"):
        raise Unexpected("multipart framing")
    count = 0
    for p in parts[1:-1]:
        head, _, content = p.partition(b"\r\n\r\n")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        m = re.search(rb"Content-Range: bytes (\d+)-(\d+)/(\d+)", head)
        if not m:
            raise Unexpected("part without Content-Range")
        a, b, size = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if size != len(data) or content != data[a:b + 1]:
            raise Unexpected("part bytes %d-%d differ" % (a, b))
        count += 1
    return count


# ---------------------------------------------------------------------------------------------------
class Soak:
    def __init__(self, server, args):
        self.server = server
        self.args = args
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ok = collections.Counter()        # kind -> scenarios that behaved
        self.requests = collections.Counter()  # kind -> requests answered
        self.bytes = 0
        self.errors = collections.Counter()    # "kind: what" -> count
        self.samples = {}                      # "kind: what" -> first message

    def record_error(self, kind, e):
        key = "%s: %s" % (kind, type(e).__name__)
        with self.lock:
            self.errors[key] += 1
            self.samples.setdefault(key, str(e)[:300])

    def count(self, kind, requests, nbytes=0):
        with self.lock:
            self.ok[kind] += 1
            self.requests[kind] += requests
            self.bytes += nbytes

    # Each scenario raises Unexpected (or an OSError/EOFError) when the server misbehaves.
    def keepalive(self, rng):
        c = Conn(self.server)
        n = rng.randint(1, 20)
        got = 0
        for _ in range(n):
            name = rng.choice(["empty.txt", "small.txt", "medium.bin", "dir/nested.html", "medium.bin"])
            if rng.random() < 0.1:
                c.send(("HEAD /%s HTTP/1.1\r\nHost: soak\r\n\r\n" % name).encode())
                status, headers, _ = c.read_response(head=True)
                if status != 200 or int(headers["content-length"]) != len(FILES[name]):
                    raise Unexpected("HEAD %s" % name)
                continue
            c.send(get(name))
            r = c.read_response()
            expect_file(r, name, "GET " + name)
            got += len(r[2])
        c.close()
        self.count("keepalive", n, got)

    def range(self, rng):
        c = Conn(self.server)
        name = rng.choice(["small.txt", "medium.bin", "large.bin"])
        data = FILES[name]
        size = len(data)
        n = 0
        for _ in range(rng.randint(1, 6)):
            n += 1
            kind = rng.randrange(5)
            if kind == 0:
                a = rng.randrange(size)
                b = min(size - 1, a + rng.randrange(200000))
                c.send(get(name, "Range: bytes=%d-%d\r\n" % (a, b)))
                status, headers, body = c.read_response()
                if status != 206 or body != data[a:b + 1] or \
                        headers.get("content-range") != "bytes %d-%d/%d" % (a, b, size):
                    raise Unexpected("single range %d-%d: %d" % (a, b, status))
            elif kind == 1:
                k = rng.randint(2, 6)
                starts = sorted(rng.sample(range(0, size, max(1, size // 64)), k))
                specs = ["%d-%d" % (s, min(size - 1, s + rng.randrange(1, 500))) for s in starts]
                c.send(get(name, "Range: bytes=%s\r\n" % ",".join(specs)))
                status, headers, body = c.read_response()
                ctype = headers.get("content-type", "")
                if status != 206:
                    raise Unexpected("multipart: status %d" % status)
                if ctype.startswith("multipart/byteranges"):
                    parse_multipart(body, ctype.split("boundary=", 1)[1], name)
                else:  # ranges close together are coalesced into one
                    m = re.match(r"bytes (\d+)-(\d+)/%d$" % size, headers.get("content-range", ""))
                    if not m or body != data[int(m.group(1)):int(m.group(2)) + 1]:
                        raise Unexpected("coalesced range")
            elif kind == 2:
                k = rng.randint(1, size)
                c.send(get(name, "Range: bytes=-%d\r\n" % k))
                status, _, body = c.read_response()
                if status != 206 or body != data[size - k:]:
                    raise Unexpected("suffix range: %d" % status)
            elif kind == 3:
                c.send(get(name, "Range: bytes=%d-\r\n" % (size + rng.randrange(1000))))
                status, headers, _ = c.read_response()
                if status != 416 or headers.get("content-range") != "bytes */%d" % size:
                    raise Unexpected("416: %d" % status)
            else:
                c.send(get(name, "Range: bytes=0-9\r\nIf-Range: \"not-the-etag\"\r\n"))
                expect_file(c.read_response(), name, "If-Range mismatch")
        c.close()
        self.count("range", n)

    def disconnect(self, rng):
        c = Conn(self.server, rcvbuf=65536)
        c.send(get("large.bin"))
        want = rng.randrange(1, 8 << 20)
        got = 0
        while got < want:
            chunk = c.s.recv(min(262144, want - got))
            if not chunk:
                raise Unexpected("server closed a download early")
            got += len(chunk)
        c.close(reset=rng.random() < 0.5)
        self.count("disconnect", 1, got)

    def stalled(self, rng):
        c = Conn(self.server, rcvbuf=4096)
        c.send(get("large.bin"))
        time.sleep(rng.uniform(0.5, self.args.send_timeout + 2))
        c.close(reset=rng.random() < 0.3)
        self.count("stalled", 1)

    def slowloris(self, rng):
        c = Conn(self.server)
        req = get("small.txt", "X-Slow: " + "a" * 200 + "\r\n")
        t0 = time.monotonic()
        limit = self.args.header_timeout + 3
        for byte in req[:-2]:
            try:
                c.send(bytes([byte]))
            except OSError:
                break
            if time.monotonic() - t0 > limit or self.stop.is_set():
                break
            time.sleep(0.25)
        closed = c.wait_closed(max(0.1, limit - (time.monotonic() - t0)))
        c.close()
        if not closed and not self.stop.is_set():
            raise Unexpected("slowloris connection still open after %.1f s" % (time.monotonic() - t0))
        self.count("slowloris", 0)

    def oversized(self, rng):
        c = Conn(self.server)
        big = "X-Big: " + "b" * rng.randint(17000, 70000) + "\r\n"
        try:
            c.send(get("small.txt", big))
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before all was sent; the response may still be readable
        try:
            status, headers, _ = c.read_response()
        except (EOFError, ConnectionResetError):
            c.close()
            self.count("oversized", 0)  # a reset can eat the 431 that was sent: still a refusal
            return
        if status != 431 or headers.get("connection", "").lower() != "close":
            raise Unexpected("oversized header: status %d" % status)
        if not c.wait_closed(5):
            raise Unexpected("oversized header: connection left open")
        c.close()
        self.count("oversized", 1)

    def pipeline(self, rng):
        c = Conn(self.server)
        names = [rng.choice(["small.txt", "medium.bin", "empty.txt", "dir/nested.html"]) for _ in range(rng.randint(2, 8))]
        c.send(b"".join(get(n) for n in names))
        got = 0
        for n in names:
            r = c.read_response()
            expect_file(r, n, "pipelined GET " + n)
            got += len(r[2])
        c.close()
        self.count("pipeline", len(names), got)

    # (request, statuses allowed, whether the server must close: framing defects and unparseable requests)
    MALFORMED = [
        (b"POST /small.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", (400,), True),
        (b"POST /small.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", (400,), True),
        (b"POST /small.txt HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", (400,), True),
        (b"POST /small.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", (400,), True),
        (b"POST /small.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", (501,), True),
        (b"GET /small.txt HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n", (400,), True),
        (b"GET /small.txt HTTP/1.1\r\nHost : x\r\n\r\n", (400,), True),
        (b"GET /small.txt HTTP/9.9\r\nHost: x\r\n\r\n", (400, 505), True),
        (b"G\x00T /small.txt HTTP/1.1\r\n\r\n", (400,), True),
        (b"GET /small.txt\r\n\r\n", (400,), True),
        (b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", (400,), True),
        (b"GET /../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
        (b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
        (b"GET /dir%2f..%2fsmall.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
        (b"GET http://evil/small.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
        (b"GET /small.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=5-1\r\n\r\n", (200,), False),
        (b"GET /small.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=" + b"1-1," * 100 + b"2-2\r\n\r\n", (200, 206), False),
        (b"GET /small.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: yesterday\r\n\r\n", (200,), False),
        (b"DELETE /small.txt HTTP/1.1\r\nHost: x\r\n\r\n", (405,), False),
        (b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n", (404,), False),
        (b"GET /dir HTTP/1.1\r\nHost: x\r\n\r\n", (301,), False),
    ]

    def malformed(self, rng):
        c = Conn(self.server, timeout=self.args.header_timeout + 10)
        if rng.random() < 0.15:
            # Binary garbage: anything but a crash or a hang is fine; a response must be well formed.
            c.send(bytes(rng.randrange(256) for _ in range(rng.randint(1, 3000))) + b"\r\n\r\n")
            try:
                c.read_response()
            except (EOFError, ConnectionResetError, socket.timeout):
                pass
            c.close()
            self.count("malformed", 0)
            return
        req, allowed, must_close = rng.choice(self.MALFORMED)
        c.send(req)
        status, headers, _ = c.read_response()
        if status not in allowed:
            raise Unexpected("%r: status %d, expected %s" % (req[:60], status, allowed))
        if must_close and not c.wait_closed(5):
            raise Unexpected("%r: connection left open after %d" % (req[:60], status))
        c.close()
        self.count("malformed", 1)

    def worker(self, seed):
        rng = random.Random(seed)
        kinds = list(MIX)
        weights = [MIX[k] for k in kinds]
        while not self.stop.is_set():
            kind = rng.choices(kinds, weights)[0]
            try:
                getattr(self, kind)(rng)
            except (Unexpected, OSError, EOFError, ValueError, KeyError, IndexError) as e:
                if self.stop.is_set() and isinstance(e, (OSError, EOFError)):
                    break
                self.record_error(kind, e)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--workers", type=int, default=24)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--header-timeout", type=float, default=4)
    ap.add_argument("--idle-timeout", type=float, default=8)
    ap.add_argument("--send-timeout", type=float, default=6)
    ap.add_argument("--report", help="write the figures as JSON here")
    args = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="zerocopy-soak-")
    failures = []
    try:
        root = os.path.join(workdir, "www")
        for name, data in FILES.items():
            path = os.path.join(root, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        server = Server(args.server, root, workdir, args.threads, args.header_timeout, args.idle_timeout,
                        args.send_timeout)
        soak = Soak(server, args)
        # Warm-up: a few requests of each size, then the baseline.
        for name in FILES:
            c = Conn(server)
            c.send(get(name))
            expect_file(c.read_response(), name, "warm-up " + name)
            c.close()
        time.sleep(0.5)
        start = server.stats()
        print("start:", start, flush=True)

        t0 = time.monotonic()
        workers = [threading.Thread(target=soak.worker, args=(args.seed * 1000 + k,)) for k in range(args.workers)]
        for w in workers:
            w.start()
        deadline = t0 + args.minutes * 60
        peak = dict(start)
        while time.monotonic() < deadline:
            time.sleep(min(5, max(0, deadline - time.monotonic())))
            if not server.alive():
                failures.append("server died (status %s)" % server.proc.returncode)
                break
            s = server.stats()
            for k in peak:
                peak[k] = max(peak[k], s[k])
        soak.stop.set()
        for w in workers:
            w.join(120)
        elapsed = time.monotonic() - t0
        # Let every timeout of the server pass, so that only leaks remain.
        settle = max(args.header_timeout, args.idle_timeout, args.send_timeout) + 3
        time.sleep(settle)
        end = server.stats() if server.alive() else None
        print("end:  ", end, flush=True)
        print("peak: ", peak, flush=True)

        server.proc.send_signal(signal.SIGTERM)
        try:
            rc = server.proc.wait(60)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            rc = "killed after 60 s"
        server.log.close()
        log = open(server.log_path, "rb").read().decode("latin-1")
        if "Sanitizer" in log or "runtime error:" in log:
            failures.append("sanitizer report in the server log")
            print(log[-5000:])

        if rc != 0:
            failures.append("server exit status %s after SIGTERM" % rc)
        if end is None:
            failures.append("server not running at the end")
        else:
            if end["fds"] > start["fds"] + 4:
                failures.append("descriptors grew from %d to %d" % (start["fds"], end["fds"]))
            if end["threads"] != start["threads"]:
                failures.append("threads went from %d to %d" % (start["threads"], end["threads"]))
            if end["rss_kib"] > start["rss_kib"] + max(24 * 1024, start["rss_kib"] // 2):
                failures.append("RSS grew from %d KiB to %d KiB" % (start["rss_kib"], end["rss_kib"]))
        if soak.errors:
            failures.append("%d misbehaviours" % sum(soak.errors.values()))

        report = {
            "minutes": round(elapsed / 60, 2), "workers": args.workers, "server_threads": args.threads,
            "seed": args.seed, "start": start, "end": end, "peak": peak,
            "scenarios_ok": dict(soak.ok), "requests_answered": dict(soak.requests),
            "requests_total": sum(soak.requests.values()), "body_bytes_checked": soak.bytes,
            "errors": dict(soak.errors), "error_samples": soak.samples, "server_exit": rc,
            "failures": failures,
        }
        print(json.dumps(report, indent=2))
        if args.report:
            with open(args.report, "w") as f:
                json.dump(report, f, indent=2)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print("FAILED:", "; ".join(failures))
        return 1
    print("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
