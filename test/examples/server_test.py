#!/usr/bin/env python3
"""Starts an example file server on --port 0 and drives it with the clients people use.

    server_test.py --server PATH --case NAME [--tls]

Each case starts its own server (loopback, a temporary document root), checks it, and stops it.
Exit status: 0 pass, 1 fail, 77 skipped (a client program is missing).
"""
import argparse
import hashlib
import http.client
import os
import resource
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)
    print("ok:", what, flush=True)


def pattern(n, seed=1):
    """Deterministic bytes that differ at every offset (so a shifted range cannot pass)."""
    out = bytearray()
    block = 0
    while len(out) < n:
        out += hashlib.sha256(b"%d:%d" % (seed, block)).digest()
        block += 1
    return bytes(out[:n])


class Server:
    """One server process: started on port 0, its URL read from the line it prints."""

    def __init__(self, binary, root, args=(), preexec=None, tls=False):
        self.log_path = os.path.join(os.path.dirname(root), "server.log")
        self.log = open(self.log_path, "wb")
        cmd = [binary, "--root", root, "--port", "0", "--threads", "2"] + list(args)
        self.binary = binary
        print("starting:", " ".join(cmd), flush=True)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, preexec_fn=preexec)
        ready, _, _ = select.select([self.proc.stdout], [], [], 20)
        if not ready:
            self.stop()
            raise Failure("server printed no line within 20 s")
        line = self.proc.stdout.readline().decode()
        prefix = "listening on https://" if tls else "listening on http://"
        if not line.startswith(prefix) or not line.endswith("/\n"):
            self.stop()
            raise Failure("unexpected first line: %r" % line)
        self.url = line[len("listening on "):].strip()
        hostport = line[len(prefix):-2]
        self.host, port = hostport.rsplit(":", 1)
        self.host = self.host.strip("[]")
        self.port = int(port)
        self.tls = tls
        print("server at", self.url, flush=True)

    def connect(self, timeout=10):
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        if self.tls:
            s = insecure_context().wrap_socket(s, server_hostname=self.host)
        return s

    def http(self, timeout=30):
        if self.tls:
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=insecure_context())
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def cpu_ticks(self):
        """utime + stime of the server process, in clock ticks (/proc/PID/stat fields 14 and 15)."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def log_text(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_log(self, text, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log_text():
                return True
            time.sleep(0.05)
        return False

    def stop(self, timeout=20):
        """SIGTERM, then SIGKILL if it does not exit; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def insecure_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def need(program):
    if shutil.which(program) is None:
        print("%s not installed: skipped" % program)
        sys.exit(SKIP)


def run(cmd, **kw):
    print("running:", " ".join(cmd), flush=True)
    return subprocess.run(cmd, capture_output=True, timeout=kw.pop("timeout", 120), **kw)


def read_response(sock, buf=b""):
    """Reads one response with a Content-Length from a raw socket: (status, headers, body, rest)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise Failure("connection closed before a response header")
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(buf) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise Failure("connection closed in a response body")
        buf += chunk
    return status, headers, buf[:length], buf[length:]


def closed_by_peer(sock, timeout):
    """Whether the peer closes `sock` within `timeout` seconds (reading and discarding meanwhile)."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, ssl.SSLError):
        return True
    except socket.timeout:
        return False
    return False


# --------------------------------------------------------------------------------------------
# The cases. Each gets (binary, work directory, root, tls) and raises Failure on a defect.

def make_root(work):
    root = os.path.join(work, "root")
    os.makedirs(os.path.join(root, "sub"))
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.write(pattern(3 * 1024 * 1024 + 17))
    with open(os.path.join(root, "hello.txt"), "wb") as f:
        f.write(b"hello, world\n")
    with open(os.path.join(root, "sub", "index.html"), "wb") as f:
        f.write(b"<p>sub</p>\n")
    with open(os.path.join(root, "index.html"), "wb") as f:
        f.write(b"<p>index</p>\n")
    t = 981173106  # 2001-02-03 04:05:06 UTC
    os.utime(os.path.join(root, "hello.txt"), (t, t))
    return root


def case_curl(binary, work, root, tls):
    need("curl")
    big = open(os.path.join(root, "big.bin"), "rb").read()
    srv = Server(binary, root, ["--header-timeout", "5"], tls=tls)
    k = ["-k"] if tls else []
    try:
        out = os.path.join(work, "out")
        r = run(["curl", "-sS"] + k + ["-o", out, "-w", "%{http_code}", srv.url + "big.bin"])
        check(r.stdout == b"200" and open(out, "rb").read() == big, "curl GET big.bin: 200, byte-exact")
        r = run(["curl", "-sS"] + k + ["-r", "1000-1099", srv.url + "big.bin", "-w", "\n%{http_code}"])
        body, code = r.stdout.rsplit(b"\n", 1)
        check(code == b"206" and body == big[1000:1100], "curl -r 1000-1099: 206, the right 100 bytes")
        r = run(["curl", "-sS"] + k + ["-r", "-10", srv.url + "big.bin"])
        check(r.stdout == big[-10:], "curl -r -10: the last 10 bytes")
        r = run(["curl", "-sS", "-D", "-"] + k + ["-r", "0-9,100-109", srv.url + "big.bin"])
        check(b"206" in r.stdout.split(b"\r\n")[0] and b"multipart/byteranges" in r.stdout
              and big[100:110] in r.stdout, "curl -r 0-9,100-109: 206 multipart/byteranges")
        r = run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}"] + k +
                ["-z", "Sat, 03 Feb 2001 04:05:06 GMT", srv.url + "hello.txt"])
        check(r.stdout == b"304", "curl -z (If-Modified-Since = Last-Modified): 304")
        r = run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}"] + k +
                ["-z", "Fri, 02 Feb 2001 00:00:00 GMT", srv.url + "hello.txt"])
        check(r.stdout == b"200", "curl -z (older date): 200")
        r = run(["curl", "-sS", "-I"] + k + [srv.url + "big.bin"])
        head = r.stdout.decode().lower()
        check(head.startswith("http/1.1 200") and "content-length: %d" % len(big) in head
              and "accept-ranges: bytes" in head and "etag:" in head, "curl -I: 200 with Content-Length, ETag")
        r = run(["curl", "-sS", "--http1.0", "-D", "-"] + k + [srv.url + "hello.txt"])
        check(r.stdout.startswith(b"HTTP/1.0 200") and r.stdout.endswith(b"hello, world\n"), "curl --http1.0")
        r = run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}"] + k + [srv.url + "sub"])
        check(r.stdout == b"301", "directory without slash: 301")
        r = run(["curl", "-sS"] + k + [srv.url + "sub/"])
        check(r.stdout == b"<p>sub</p>\n", "directory with slash: its index.html")
        r = run(["curl", "-sS", "--path-as-is", "-o", "/dev/null", "-w", "%{http_code}"] + k +
                [srv.url + "../../../../etc/passwd"])
        check(r.stdout in (b"400", b"403", b"404"), "traversal refused (%s)" % r.stdout.decode())
        # Two URLs in one curl run share the connection (keep-alive).
        r = run(["curl", "-sS", "-v"] + k + [srv.url + "hello.txt", srv.url + "index.html"])
        check(r.stdout == b"hello, world\n<p>index</p>\n" and b"Re-using existing connection" in r.stderr,
              "keep-alive: curl reuses the connection")
        check(srv.wait_log('"GET /hello.txt HTTP/1.1" 200', 2), "access log line")
    finally:
        check(srv.stop() == 0, "server exits 0 on SIGTERM")


def case_wget(binary, work, root, tls):
    need("wget")
    big = open(os.path.join(root, "big.bin"), "rb").read()
    srv = Server(binary, root, tls=tls)
    k = ["--no-check-certificate"] if tls else []
    try:
        out = os.path.join(work, "wget.bin")
        r = run(["wget", "-q"] + k + ["-O", out, srv.url + "big.bin"])
        check(r.returncode == 0 and open(out, "rb").read() == big, "wget: byte-exact")
        with open(out, "wb") as f:
            f.write(big[:123457])
        r = run(["wget", "-q", "-c"] + k + ["-O", out, srv.url + "big.bin"])
        check(r.returncode == 0 and open(out, "rb").read() == big, "wget -c resumes a partial file (Range)")
        check(srv.wait_log('"GET /big.bin HTTP/1.1" 206', 2), "the resume was a 206")
    finally:
        check(srv.stop() == 0, "server exits 0")


def case_python(binary, work, root, tls):
    big = open(os.path.join(root, "big.bin"), "rb").read()
    srv = Server(binary, root, ["--max-header-bytes", "4096"], tls=tls)
    try:
        c = srv.http()
        for i in range(20):
            c.request("GET", "/big.bin" if i % 2 else "/hello.txt")
            r = c.getresponse()
            body = r.read()
            if r.status != 200 or body != (big if i % 2 else b"hello, world\n"):
                raise Failure("keep-alive request %d" % i)
        check(True, "http.client: 20 GETs on one keep-alive connection, byte-exact")
        c.request("HEAD", "/big.bin")
        r = c.getresponse()
        check(r.status == 200 and r.getheader("Content-Length") == str(len(big)) and r.read() == b"", "HEAD")
        etag = r.getheader("ETag")
        c.request("GET", "/big.bin", headers={"If-None-Match": etag})
        r = c.getresponse()
        check(r.status == 304 and r.read() == b"", "If-None-Match: 304")
        c.request("GET", "/big.bin", headers={"Range": "bytes=4294967296-"})
        r = c.getresponse()
        check(r.status == 416 and r.read() is not None, "range past the end: 416")
        c.request("GET", "/big.bin", headers={"Range": "bytes=2000000-"})
        r = c.getresponse()
        check(r.status == 206 and r.read() == big[2000000:], "open-ended range: 206")
        c.request("DELETE", "/big.bin")
        r = c.getresponse()
        check(r.status == 405 and "GET" in (r.getheader("Allow") or ""), "DELETE: 405 with Allow")
        c.close()

        c = srv.http()
        c.request("GET", "/hello.txt", headers={"X-Big": "a" * 5000})
        r = c.getresponse()
        check(r.status == 431, "header over --max-header-bytes: 431")
        c.close()

        c = srv.http()
        c.putrequest("POST", "/hello.txt")
        c.putheader("Content-Length", "100000000")
        c.endheaders()
        r = c.getresponse()
        check(r.status == 413, "request body over the limit: 413")
        c.close()

        s = srv.connect()
        s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n")
        status, _, _, _ = read_response(s)
        check(status == 400 and closed_by_peer(s, 5), "obs-fold: 400 and the connection closed")
        s.close()

        s = srv.connect()
        s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n" * 3 +
                  b"GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        rest = b""
        bodies = []
        for _ in range(4):
            status, _, body, rest = read_response(s, rest)
            bodies.append((status, body))
        check(bodies == [(200, b"hello, world\n")] * 3 + [(200, b"<p>index</p>\n")] and closed_by_peer(s, 5),
              "pipelining: 4 requests in one write, 4 responses in order, closed after Connection: close")
        s.close()
    finally:
        check(srv.stop() == 0, "server exits 0")


def case_large(binary, work, root, tls):
    """A sparse file over 4 GiB downloaded whole and hashed, plus a range above 4 GiB."""
    need("curl")
    size = (4 << 30) + (256 << 20) + 12345
    path = os.path.join(root, "large.bin")
    marks = [0, (2 << 30) - 100, (4 << 30) - 100, (4 << 30) + 4096, size - 5000]
    with open(path, "wb") as f:
        f.truncate(size)
        for i, off in enumerate(marks):
            f.seek(off)
            f.write(pattern(min(5000, size - off), seed=i + 10))
    want = hashlib.sha1()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            want.update(b)
    srv = Server(binary, root, ["--quiet"], tls=tls)
    try:
        k = ["-k"] if tls else []
        cmd = ["curl", "-sS", "--fail"] + k + [srv.url + "large.bin"]
        print("running:", " ".join(cmd), flush=True)
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE)
        got = hashlib.sha1()
        n = 0
        while True:
            b = p.stdout.read(1 << 20)
            if not b:
                break
            got.update(b)
            n += len(b)
        p.wait(60)
        secs = time.monotonic() - start
        print("downloaded %d bytes in %.1f s (%.2f GiB/s)" % (n, secs, n / secs / (1 << 30)), flush=True)
        check(p.returncode == 0 and n == size, "whole > 4 GiB file: %d bytes" % n)
        check(got.hexdigest() == want.hexdigest(), "whole > 4 GiB file: SHA-1 matches")
        with open(path, "rb") as f:
            f.seek((4 << 30) + 4000)
            expect = f.read(2000)
        r = run(["curl", "-sS"] + k + ["-r", "%d-%d" % ((4 << 30) + 4000, (4 << 30) + 5999), srv.url + "large.bin"])
        check(r.stdout == expect, "range above 4 GiB byte-exact")
    finally:
        check(srv.stop() == 0, "server exits 0")
        os.unlink(path)


def case_modes(binary, work, root, tls):
    """--mode native and --mode buffered serve the same bytes (whole, one range, several ranges)."""
    big = open(os.path.join(root, "big.bin"), "rb").read()
    for mode in ("native", "buffered", "auto"):
        srv = Server(binary, root, ["--mode", mode], tls=tls)
        try:
            c = srv.http()
            c.request("GET", "/big.bin")
            r = c.getresponse()
            check(r.status == 200 and r.read() == big, "--mode %s: whole file byte-exact" % mode)
            c.request("GET", "/big.bin", headers={"Range": "bytes=1048570-2097160"})
            r = c.getresponse()
            check(r.status == 206 and r.read() == big[1048570:2097161], "--mode %s: one range" % mode)
            c.request("GET", "/big.bin", headers={"Range": "bytes=0-4,3000000-3000009"})
            r = c.getresponse()
            body = r.read()
            check(r.status == 206 and big[0:5] in body and big[3000000:3000010] in body,
                  "--mode %s: multipart ranges" % mode)
            c.close()
        finally:
            check(srv.stop() == 0, "server exits 0")


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def case_cli(binary, work, root, tls):
    """--help, bad arguments, a missing root, a port in use, and the IPv6 form of the line."""
    r = run([binary, "--help"])
    check(r.returncode == 0 and b"--send-timeout" in r.stdout and b"--max-header-bytes" in r.stdout, "--help: 0")
    r = run([binary, "--mode", "fast"])
    check(r.returncode == 2 and r.stdout == b"" and r.stderr, "bad --mode: exit 2, message on stderr")
    r = run([binary, "--root", os.path.join(work, "missing"), "--port", "0"])
    check(r.returncode == 1 and r.stdout == b"", "missing --root: exit 1, nothing on stdout")
    srv = Server(binary, root, tls=tls)
    try:
        r = run([binary, "--root", root, "--port", str(srv.port)])
        check(r.returncode == 1 and r.stdout == b"", "port in use: exit 1, nothing on stdout")
    finally:
        check(srv.stop() == 0, "server exits 0")
    if not ipv6_loopback():
        print("no IPv6 loopback: IPv6 part skipped")
        return
    srv = Server(binary, root, ["--address", "::1"], tls=tls)
    try:
        check(srv.url.startswith(("http://[::1]:", "https://[::1]:")), "IPv6 address in brackets: " + srv.url)
        c = srv.http()
        c.request("GET", "/hello.txt")
        check(c.getresponse().read() == b"hello, world\n", "served over IPv6")
        c.close()
    finally:
        check(srv.stop() == 0, "server exits 0")


def make_sparse(root, name, size):
    path = os.path.join(root, name)
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def case_disconnect(binary, work, root, tls):
    """Clients that go away mid-download (FIN and RST) leave the server serving."""
    make_sparse(root, "huge.bin", 1 << 30)
    srv = Server(binary, root, tls=tls)
    try:
        for linger in (False, True):
            s = srv.connect()
            s.sendall(b"GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            got = 0
            while got < (4 << 20):
                got += len(s.recv(65536))
            if linger:  # close with RST
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
        check(srv.wait_log("incomplete", 10), "the aborted downloads are logged as incomplete")
        c = srv.http()
        c.request("GET", "/hello.txt")
        r = c.getresponse()
        check(r.status == 200 and r.read() == b"hello, world\n", "the server still answers")
        c.close()
        check(srv.proc.poll() is None, "server alive")
    finally:
        check(srv.stop() == 0, "server exits 0")


def case_stalled(binary, work, root, tls):
    """A client that stops reading: closed after --send-timeout, the server idle meanwhile."""
    make_sparse(root, "huge.bin", 1 << 30)
    timeout = 2.0
    srv = Server(binary, root, ["--send-timeout", str(timeout), "--idle-timeout", "60"], tls=tls)
    try:
        s = srv.connect()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.sendall(b"GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.5)  # the buffers fill
        t0 = time.monotonic()
        cpu0 = srv.cpu_ticks()
        closed = srv.wait_log("send timeout", timeout * 1.5 + 3)
        elapsed = time.monotonic() - t0 + 0.5
        cpu = srv.cpu_ticks() - cpu0
        hz = os.sysconf("SC_CLK_TCK")
        check(closed, "stalled reader closed after --send-timeout (%.1f s after the request)" % elapsed)
        check(elapsed >= timeout - 0.1, "not before the timeout")
        check(cpu <= hz // 10, "server CPU while stalled: %d ticks of 1/%d s" % (cpu, hz))
        # What is left in the buffers can be read, then the connection ends short.
        got = 0
        s.settimeout(5)
        try:
            while True:
                b = s.recv(1 << 20)
                if not b:
                    break
                got += len(b)
        except (ConnectionResetError, ssl.SSLError):
            pass
        check(got < (1 << 30), "the response was cut (%d bytes received)" % got)
        s.close()
        c = srv.http()
        c.request("GET", "/hello.txt")
        check(c.getresponse().read() == b"hello, world\n", "the server still answers")
        c.close()
    finally:
        check(srv.stop() == 0, "server exits 0")


def case_slowloris(binary, work, root, tls):
    """Header timeout for a silent and a trickling client; idle timeout on keep-alive."""
    srv = Server(binary, root, ["--header-timeout", "1", "--idle-timeout", "1.5"], tls=tls)
    try:
        silent = srv.connect()
        t0 = time.monotonic()
        check(closed_by_peer(silent, 4), "silent connection closed")
        check(0.8 <= time.monotonic() - t0 <= 2.5, "... after about --header-timeout (%.2f s)" % (time.monotonic() - t0))
        silent.close()

        slow = srv.connect()
        slow.sendall(b"GET /hello.txt HTTP/1.1\r\n")
        t0 = time.monotonic()
        cut = False
        try:
            for _ in range(40):
                slow.sendall(b"X")
                time.sleep(0.1)
                r, _, _ = select.select([slow], [], [], 0)
                if r and not slow.recv(100):
                    cut = True
                    break
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            cut = True
        check(cut, "trickling header closed")
        check(time.monotonic() - t0 <= 2.5, "... within the header timeout (%.2f s)" % (time.monotonic() - t0))
        slow.close()

        ka = srv.connect()
        ka.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, body, _ = read_response(ka)
        t0 = time.monotonic()
        check(status == 200 and body == b"hello, world\n", "keep-alive request served")
        check(closed_by_peer(ka, 5), "idle keep-alive connection closed")
        check(1.2 <= time.monotonic() - t0 <= 3.0, "... after about --idle-timeout (%.2f s)" % (time.monotonic() - t0))
        ka.close()
        check(srv.proc.poll() is None, "server alive")
    finally:
        check(srv.stop() == 0, "server exits 0")


def case_fdlimit(binary, work, root, tls):
    """The server under `ulimit -n 64` and 200 connection attempts: no crash, serves again after."""
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    srv = Server(binary, root, ["--header-timeout", "3"], preexec=limit, tls=tls)
    try:
        socks = []
        for _ in range(200):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex((srv.host, srv.port))
            socks.append(s)
        time.sleep(0.3)
        req = b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        for s in socks:
            try:
                s.send(req) if not tls else None
            except OSError:
                pass
        time.sleep(1.0)
        check(srv.proc.poll() is None, "alive with 200 connections against 64 descriptors")
        check(srv.wait_log("backing off", 3), "accept backs off on EMFILE (logged)")
        for s in socks:
            s.close()
        ok = False
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not ok:
            try:
                c = srv.http(timeout=5)
                c.request("GET", "/hello.txt")
                r = c.getresponse()
                ok = r.status == 200 and r.read() == b"hello, world\n"
                c.close()
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)
        check(ok, "serves again once the connections are gone")
        check(srv.wait_log("accepting again", 5), "accept resumed (logged)")
    finally:
        check(srv.stop() == 0, "server exits 0")


def case_sigterm(binary, work, root, tls):
    """SIGTERM during downloads: a short download finishes, long ones are cut at the bound, exit 0."""
    small = pattern(6 << 20, seed=3)
    with open(os.path.join(root, "small.bin"), "wb") as f:
        f.write(small)
    make_sparse(root, "huge.bin", 1 << 30)
    bound = 3.0
    srv = Server(binary, root, ["--shutdown-timeout", str(bound)], tls=tls)
    results = {}
    started = {}

    def download(name, rate, key):
        """Reads the response at about `rate` bytes/s; records (status, body length, body hash)."""
        try:
            s = srv.connect(timeout=20)
            s.sendall(b"GET /" + name.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while True:
                try:
                    b = s.recv(65536)
                except (ConnectionResetError, ssl.SSLError):
                    break
                if not b:
                    break
                data += b
                started[key].set()
                time.sleep(len(b) / rate)
            head, _, body = data.partition(b"\r\n\r\n")
            results[key] = (head.split(b" ")[1], len(body), hashlib.sha1(body).hexdigest())
        except Exception as e:  # noqa: BLE001 — recorded, checked below
            results[key] = ("error", str(e))
        started[key].set()

    threads = [threading.Thread(target=download, args=("small.bin", 8 << 20, "small"))] + [
        threading.Thread(target=download, args=("huge.bin", 8 << 20, "huge%d" % i)) for i in range(3)]
    for key in ["small", "huge0", "huge1", "huge2"]:
        started[key] = threading.Event()
    for t in threads:
        t.start()
    for e in started.values():  # every download under way (a connection still silent is closed at once)
        e.wait(20)
    t0 = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    try:
        srv.proc.wait(bound + 5)
    except subprocess.TimeoutExpired:
        pass
    elapsed = time.monotonic() - t0
    rc = srv.proc.poll()
    for t in threads:
        t.join(30)
    print("results:", results, flush=True)
    check(rc == 0, "exit status 0 after SIGTERM (got %r)" % rc)
    check(elapsed <= bound + 1.5, "exited within the bound: %.2f s (bound %.1f s)" % (elapsed, bound))
    check(results.get("small") == (b"200", len(small), hashlib.sha1(small).hexdigest()),
          "the in-flight short download completed byte-exact")
    check(all(results.get("huge%d" % i, ("",))[0] == b"200" and results["huge%d" % i][1] < (1 << 30)
              for i in range(3)), "the long downloads were cut at the bound")
    try:
        socket.create_connection((srv.host, srv.port), timeout=2).close()
        refused = False
    except OSError:
        refused = True
    check(refused, "nothing listens after exit")
    log = srv.log_text()
    check("SIGTERM" in log, "shutdown logged")
    srv.stop()


def case_drain(binary, work, root, tls):
    """SIGINT with one response in flight and one idle connection: the idle one is closed at once, the
    response completes byte-exact, and the server exits 0 as soon as it has (not at the bound)."""
    data = pattern(6 << 20, seed=4)
    with open(os.path.join(root, "drain.bin"), "wb") as f:
        f.write(data)
    bound = 60.0  # far above the download's time, even in a sanitizer build on a busy machine
    srv = Server(binary, root, ["--shutdown-timeout", str(bound)], tls=tls)
    try:
        idle = srv.connect()
        idle.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, _, _ = read_response(idle)
        check(status == 200, "the idle connection was served once and kept alive")

        # A small receive buffer keeps the server writing until the client has read nearly all of it.
        raw = socket.socket(socket.AF_INET6 if ":" in srv.host else socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
        raw.settimeout(20)
        raw.connect((srv.host, srv.port))
        s = insecure_context().wrap_socket(raw, server_hostname=srv.host) if tls else raw
        s.sendall(b"GET /drain.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        rate = 6 << 20  # bytes/s: about 1 s for the file
        while len(got) < 256 << 10:
            b = s.recv(65536)
            if not b:
                raise Failure("the download ended after %d bytes, before the signal" % len(got))
            got += b

        srv.proc.send_signal(signal.SIGINT)
        t0 = time.monotonic()
        check(closed_by_peer(idle, 2.0), "the idle connection is closed at once (%.2f s)" % (time.monotonic() - t0))
        check(srv.proc.poll() is None, "the server waits for the response in flight")
        while True:
            try:
                b = s.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                break
            if not b:
                break
            got += b
            time.sleep(len(b) / rate)
        done = time.monotonic()
        s.close()
        try:
            srv.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        exited = time.monotonic()
        rc = srv.proc.poll()
        head, _, body = got.partition(b"\r\n\r\n")
        check(head.split(b" ")[1] == b"200" and body == data, "the response in flight completed byte-exact")
        check(rc == 0, "exit status 0 after SIGINT (got %r)" % rc)
        check(exited - done <= 1.5, "exited %.2f s after the response ended, %.1f s after the signal (bound %.0f s)"
              % (exited - done, exited - t0, bound))
        check("SIGINT" in srv.log_text() and "bound reached" not in srv.log_text(),
              "shutdown logged, the bound not reached")
    finally:
        srv.stop()


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    ap.add_argument("--tls", action="store_true")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="zerocopy-example-test-")
    try:
        root = make_root(work)
        CASES[a.case](os.path.abspath(a.server), work, root, a.tls)
    except Failure as e:
        print("FAIL:", e, flush=True)
        log = os.path.join(work, "server.log")
        if os.path.exists(log):
            print("--- server log (tail) ---")
            print(open(log, "rb").read()[-4000:].decode(errors="replace"))
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("PASS", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
