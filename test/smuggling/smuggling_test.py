#!/usr/bin/env python3
"""Request smuggling and framing, end to end against an example server (RFC 9112 sections 5, 6, 11).

    smuggling_test.py --server PATH [--case NAME ...] [--list]

Starts the server on --port 0 (loopback, a temporary document root), then for each case opens a
connection, sends one request whose framing a proxy and this server could read differently, followed
by a second request that would be "smuggled" if the server read the first one's body as the next
message. Each case passes when the server answers exactly one response, with the expected status
(400, or 501 for an unsupported transfer coding) and "Connection: close", then closes the connection
without reading the smuggled request. Control cases check that a well-framed body or pipelined GET is
still served. The server's stderr is checked for sanitizer reports at the end.
Exit status: 0 pass, 1 fail.
"""
import argparse
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SMUGGLED = b"GET /secret.txt HTTP/1.1\r\nHost: x\r\n\r\n"
SECRET = b"the smuggled request was served\n"

# name -> (request bytes, expected status of the only response)
CASES = {
    # Both Content-Length and Transfer-Encoding, in either order (RFC 9112 6.3 item 3; 11.2).
    "te_and_cl": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"0\r\n\r\n" + SMUGGLED, 400),
    "cl_and_te": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 44\r\n\r\n"
                  b"0\r\n\r\n" + SMUGGLED, 400),
    "cl_and_te_identity": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: identity\r\n\r\n"
                           b"hello" + SMUGGLED, 400),
    # Duplicate Content-Length, identical or not, on two lines or as a list (RFC 9112 6.3 item 5).
    "duplicate_cl_same": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"
                          b"hello" + SMUGGLED, 400),
    "duplicate_cl_differ": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 38\r\n\r\n"
                            + SMUGGLED, 400),
    "duplicate_cl_list": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello" + SMUGGLED, 400),
    "duplicate_cl_case": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\ncontent-length: 5\r\nCONTENT-LENGTH: 5\r\n\r\n"
                          b"hello" + SMUGGLED, 400),
    # Transfer-Encoding in HTTP/1.0 (RFC 9112 6.1: the message is faulty, close after responding).
    "te_in_http10": (b"POST /a.txt HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED, 400),
    # A final coding other than chunked: the length cannot be determined (RFC 9112 6.3 item 4).
    "te_last_not_chunked": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
                            b"0\r\n\r\n" + SMUGGLED, 400),
    "te_gzip_only": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n" + SMUGGLED, 400),
    "te_split_lines": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n"
                       b"0\r\n\r\n" + SMUGGLED, 400),
    "te_chunked_twice": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"
                         b"0\r\n\r\n" + SMUGGLED, 400),
    # A coding this server does not implement, chunked last: 501 (RFC 9112 6.1).
    "te_unknown_then_chunked": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                                b"0\r\n\r\n" + SMUGGLED, 501),
    # obs-fold (RFC 9112 5.2: a server must reject it or replace it; this one rejects it).
    "obs_fold": (b"GET /a.txt HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n" + SMUGGLED, 400),
    "obs_fold_tab": (b"GET /a.txt HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\t2\r\n\r\n" + SMUGGLED, 400),
    "obs_fold_te": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 3\r\n\r\n"
                    b"abc" + SMUGGLED, 400),
    "obs_fold_bare_lf": (b"GET /a.txt HTTP/1.1\nHost: x\nX-A: 1\n 2\n\n" + SMUGGLED, 400),
    "fold_after_request_line": (b"GET /a.txt HTTP/1.1\r\n Host: x\r\n\r\n" + SMUGGLED, 400),
    # Whitespace between the field name and the colon (RFC 9112 5.1: must be rejected with 400).
    "space_before_colon_te": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\nContent-Length: 3\r\n\r\n"
                              b"abc" + SMUGGLED, 400),
    "tab_before_colon_cl": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length\t: 38\r\n\r\n" + SMUGGLED, 400),
    "space_before_colon_host": (b"GET /a.txt HTTP/1.1\r\nHost : x\r\n\r\n" + SMUGGLED, 400),
    # Malformed lengths and chunks that Beast's parser refuses itself.
    "cl_plus_sign": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello" + SMUGGLED, 400),
    "cl_negative": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n" + SMUGGLED, 400),
    "cl_hex": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0x5\r\n\r\nhello" + SMUGGLED, 400),
    "bad_chunk_size": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n" + SMUGGLED, 400),
    # Host (RFC 9112 3.2): refused and closed, so nothing after it is read as a request.
    "duplicate_host": (b"GET /a.txt HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n" + SMUGGLED, 400),
    "host_list": (b"GET /a.txt HTTP/1.1\r\nHost: x, y\r\n\r\n" + SMUGGLED, 400),
    "missing_host": (b"GET /a.txt HTTP/1.1\r\n\r\n" + SMUGGLED, 400),
    "absolute_form_duplicate_host": (b"GET http://x/a.txt HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n" + SMUGGLED, 400),
}

# The same defects arriving one byte per write, so that the header scanner sees every split point.
for _base in ("te_and_cl", "obs_fold", "obs_fold_bare_lf", "space_before_colon_te", "duplicate_cl_same"):
    CASES[_base + "_dribbled"] = CASES[_base]

# Controls: requests that are well framed; every one of them is answered (count = responses expected).
CONTROLS = {
    "control_pipelined_gets": (b"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n" + SMUGGLED, [200, 200]),
    "control_post_cl_body": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" + SMUGGLED,
                             [405, 200]),
    "control_post_chunked": (b"POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"5\r\nhello\r\n0\r\n\r\n" + SMUGGLED, [405, 200]),
    "control_http10_cl": (b"GET /a.txt HTTP/1.0\r\nContent-Length: 0\r\n\r\n", [200]),
    "control_absolute_form": (b"GET http://x/a.txt HTTP/1.1\r\nHost: x\r\n\r\n" + SMUGGLED, [200, 200]),
}


class Failure(Exception):
    pass


class Server:
    def __init__(self, binary, root, workdir):
        self.log_path = os.path.join(workdir, "server.log")
        self.log = open(self.log_path, "wb")
        cmd = [binary, "--root", root, "--port", "0", "--threads", "2", "--header-timeout", "5"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        if not ready:
            self.stop()
            raise Failure("server printed no line within 60 s")
        line = self.proc.stdout.readline().decode()
        prefix = "listening on http://"
        if not line.startswith(prefix):
            self.stop()
            raise Failure("unexpected first line: %r" % line)
        host, port = line[len(prefix):].strip().rstrip("/").rsplit(":", 1)
        self.host, self.port = host.strip("[]"), int(port)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def read_until_close(sock, timeout):
    """Everything the server sends until it closes (or until `timeout`: closed is then False)."""
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return data, False
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return data, False
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk


def split_responses(data):
    """Parses a byte stream of HTTP/1.1 responses (Content-Length framed) into (status, headers, body)."""
    out = []
    while data:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            raise Failure("truncated response header: %r" % data[:200])
        lines = data[:end].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            raise Failure("bad status line: %r" % lines[0])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        length = int(headers.get("content-length", ["0"])[0])
        body = data[end + 4:end + 4 + length]
        if len(body) != length:
            raise Failure("truncated body: %d of %d bytes" % (len(body), length))
        out.append((int(parts[1]), headers, body))
        data = data[end + 4 + length:]
    return out


def run_case(server, name, request, expected):
    s = socket.create_connection((server.host, server.port), timeout=10)
    try:
        try:
            if name.endswith("_dribbled"):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                first_line = request[:request.find(b"\n") + 1]
                head = (request.find(b"\r\n\r\n") + 4 if first_line.endswith(b"\r\n")
                        else request.find(b"\n\n") + 2)
                for i in range(head):
                    s.send(request[i:i + 1])
                    time.sleep(0.002)
                request = request[head:]
            s.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may refuse and close before reading everything: what it sent is judged below
        if isinstance(expected, list):
            s.shutdown(socket.SHUT_WR)  # lets the server see the end after the last pipelined request
        data, closed = read_until_close(s, 15)
    finally:
        s.close()
    responses = split_responses(data)
    statuses = [r[0] for r in responses]
    if isinstance(expected, list):
        if statuses != expected:
            raise Failure("%s: statuses %s, expected %s" % (name, statuses, expected))
        if expected[-1] == 200 and responses[-1][2] != b"hello\n" and responses[-1][2] != SECRET:
            raise Failure("%s: wrong body %r" % (name, responses[-1][2][:80]))
        return
    if not closed:
        raise Failure("%s: the server kept the connection open (got %s)" % (name, statuses))
    if len(responses) != 1:
        raise Failure("%s: %d responses %s: the smuggled request was read" % (name, len(responses), statuses))
    status, headers, body = responses[0]
    if status != expected:
        raise Failure("%s: status %d, expected %d" % (name, status, expected))
    if "close" not in [v.lower() for v in headers.get("connection", [])]:
        raise Failure("%s: no 'Connection: close' in the refusal" % name)
    if SECRET in data:
        raise Failure("%s: the smuggled request was served" % name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=False)
    ap.add_argument("--case", action="append", default=[])
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    every = dict(CASES)
    every.update(CONTROLS)
    if args.list:
        print("\n".join(every))
        return 0
    if not args.server:
        ap.error("--server is required")
    names = args.case or list(every)
    for n in names:
        if n not in every:
            ap.error("unknown case %s" % n)

    workdir = tempfile.mkdtemp(prefix="zerocopy-smuggling-")
    failures = []
    try:
        root = os.path.join(workdir, "www")
        os.mkdir(root)
        with open(os.path.join(root, "a.txt"), "wb") as f:
            f.write(b"hello\n")
        with open(os.path.join(root, "secret.txt"), "wb") as f:
            f.write(SECRET)
        server = Server(args.server, root, workdir)
        try:
            for n in names:
                try:
                    run_case(server, n, *every[n])
                    print("ok:", n, flush=True)
                except (Failure, OSError) as e:
                    print("FAIL:", e, flush=True)
                    failures.append(n)
            if server.proc.poll() is not None:
                failures.append("server exited during the tests with status %s" % server.proc.returncode)
        finally:
            rc = server.stop()
        with open(server.log_path, "rb") as f:
            log = f.read().decode("latin-1")
        if "Sanitizer" in log or "runtime error:" in log:
            print(log[-4000:])
            failures.append("sanitizer report in the server's log")
        if rc not in (0, -signal.SIGTERM):
            failures.append("server exit status %s after SIGTERM" % rc)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print("FAILED:", ", ".join(failures))
        return 1
    print("all %d cases passed" % len(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
