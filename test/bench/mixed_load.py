#!/usr/bin/env python3
"""mixed_load — small requests while a big download runs on the same server thread (issue 14).

One server thread (http_file_server --threads 1; nginx: one worker) pinned to --server-cpu. A
separate process (curl, in a loop) downloads --big-size at full speed; a second process asks for a
4 KiB file over one keep-alive connection every --interval ms and times each answer (request sent
-> last body byte received); both clients are pinned to --client-cpu. Warm: the big file is read
into the page cache before the round. Cold: before the round and before each download the big
file is evicted (fsync + posix_fadvise(POSIX_FADV_DONTNEED)); --dir must be on a block-backed file
system (tmpfs cannot evict: the script refuses it). Configurations are interleaved: for each round,
zerocopy, nginx `sendfile on`, nginx `sendfile on; aio threads`, each warm then cold.

Output: one Markdown table (medians over rounds of each round's p50 / p99 of the small requests,
and of the big downloads' throughput), and all figures as JSON with --json FILE.

  python3 test/bench/mixed_load.py --server build/examples/http_file_server/http_file_server \
      --dir /var/tmp/zc-mixed --rounds 3
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

KiB, MiB, GiB = 1024, 1024 * 1024, 1024 * 1024 * 1024


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_file(path, size):
    if os.path.exists(path) and os.path.getsize(path) == size:
        return
    block = bytes((i * 131 + (i >> 9)) & 0xFF for i in range(4 * MiB))
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, len(block))
            f.write(block[:n])
            left -= n
        f.flush()
        os.fsync(f.fileno())


def evict(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def is_resident(path):
    """Whether more than 1 % of the file's pages are in the page cache, by mincore(2) on a mapping:
    this script owns the file (mincore tells the truth then) and, unlike a read, mincore starts no
    readahead (a preadv2(RWF_NOWAIT) that misses does, and would bring back the pages it asks
    about). A few megabytes can stay pinned for a while after a round: pages still referenced by the
    send queues of the previous round's closed connections."""
    import ctypes
    import mmap
    size = os.path.getsize(path)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
    fd = os.open(path, os.O_RDONLY)
    try:
        addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "mmap")
        try:
            vec = ctypes.create_string_buffer((size + mmap.PAGESIZE - 1) // mmap.PAGESIZE)
            if libc.mincore(addr, size, vec) != 0:
                raise OSError(ctypes.get_errno(), "mincore")
            pages = len(vec.raw)
            return sum(b & 1 for b in vec.raw) * 100 > pages
        finally:
            libc.munmap(addr, size)
    finally:
        os.close(fd)


def warm(path):
    with open(path, "rb", buffering=0) as f:
        while f.read(8 * MiB):
            pass


NGINX = {
    "nginx sendfile on": "sendfile on;",
    "nginx aio threads": "sendfile on; aio threads;",
}


class Server:
    def __init__(self, name, cmd, cpu, port):
        self.name, self.port = name, port
        self.proc = subprocess.Popen(["taskset", "-c", str(cpu)] + cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(name + ": not listening")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def zerocopy_server(binary, root, cpu, disk_threads):
    port = free_port()
    cmd = [binary, "--root", root, "--address", "127.0.0.1", "--port", str(port), "--threads", "1", "--quiet",
           "--send-timeout", "120", "--idle-timeout", "120"]
    if disk_threads >= 0:  # (-1: a build from before the flag)
        cmd += ["--disk-threads", str(disk_threads)]
    return Server("zerocopy", cmd, cpu, port)


def nginx_server(name, root, cpu, tmp):
    port = free_port()
    prefix = os.path.join(tmp, re.sub(r"\W", "_", name))
    os.makedirs(prefix, exist_ok=True)
    os.chmod(prefix, 0o777)
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""
daemon off;
master_process on;
worker_processes 1;
pid %(p)s/nginx.pid;
error_log %(p)s/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    default_type application/octet-stream;
    %(cfg)s
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    send_timeout 120s;
    client_body_temp_path %(p)s/body;
    proxy_temp_path %(p)s/proxy;
    fastcgi_temp_path %(p)s/fastcgi;
    uwsgi_temp_path %(p)s/uwsgi;
    scgi_temp_path %(p)s/scgi;
    server { listen 127.0.0.1:%(port)d; root %(root)s; }
}
""" % {"p": prefix, "cfg": NGINX[name], "port": port, "root": root})
    return Server(name, ["nginx", "-p", prefix, "-c", conf, "-e", prefix + "/error.log"], cpu, port)


DOWNLOADER = r"""
import os, subprocess, sys, time
port, path, cold, cpu, out = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1", sys.argv[4], sys.argv[5]
url = "http://127.0.0.1:%d/%s" % (port, os.path.basename(path))
while True:
    if cold:
        fd = os.open(path, os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)
    r = subprocess.run(["taskset", "-c", cpu, "curl", "-s", "-o", "/dev/null", "-w", "%{size_download} %{time_total}\n",
                        url], capture_output=True, text=True)
    with open(out, "a") as f:
        f.write(r.stdout)
"""


def small_requests(port, name, samples, interval):
    """Times `samples` GETs of /small.bin on one keep-alive connection, one every `interval` s."""
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    req = ("GET /%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % name).encode()
    out = []
    buf = b""
    next_at = time.perf_counter()
    for _ in range(samples):
        now = time.perf_counter()
        if next_at > now:
            time.sleep(next_at - now)
        next_at += interval
        t0 = time.perf_counter()
        s.sendall(req)
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                m = re.search(rb"(?i)content-length:\s*(\d+)", buf[:end])
                total = end + 4 + int(m.group(1))
                if len(buf) >= total:
                    break
            chunk = s.recv(65536)
            if not chunk:
                raise RuntimeError("connection closed")
            buf += chunk
        out.append((time.perf_counter() - t0) * 1e3)
        status = buf[:13]
        if b" 200 " not in status:
            raise RuntimeError("bad status %r" % status)
        buf = buf[total:]
    s.close()
    return out


def download(port, name):
    """GB/s of one GET of /name into a discarding 4 MiB buffer (curl tops out near 3 GiB/s)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("GET /%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % name).encode())
    buf = bytearray(4 * MiB)
    view = memoryview(buf)
    t0 = time.perf_counter()
    total = 0
    while True:
        n = s.recv_into(view)
        if n == 0:
            break
        total += n
    dt = time.perf_counter() - t0
    s.close()
    return total / dt / 1e9


def throughput(args):
    """Warm big-file throughput, one download at a time: --server against --baseline, interleaved."""
    big = os.path.join(args.dir, "big.bin")
    names = [("new", args.server, args.disk_threads), ("baseline", args.baseline, -1)]
    res = {n: [] for n, _, _ in names}
    for rnd in range(args.rounds):
        for n, binary, dt in names:
            warm(big)
            srv = zerocopy_server(binary, args.dir, args.server_cpu, dt)
            try:
                out = subprocess.run(["taskset", "-c", str(args.client_cpu), sys.executable, "-c",
                                      "import sys; sys.path.insert(0, %r); import mixed_load as m; print(m.download(%d, 'big.bin'))"
                                      % (os.path.dirname(os.path.abspath(__file__)), srv.port)],
                                     capture_output=True, text=True, check=True).stdout
            finally:
                srv.stop()
            res[n].append(float(out))
            log("round %d %-8s %.2f GB/s" % (rnd + 1, n, res[n][-1]))
    ratios = [a / b for a, b in zip(res["new"], res["baseline"])]
    print("| warm big file, alone | new (GB/s) | baseline (GB/s) | new / baseline (median of per-round ratios) |")
    print("|---|---|---|---|")
    print("| %s | %.2f | %.2f | %.3f |" % (os.path.basename(big), statistics.median(res["new"]),
                                          statistics.median(res["baseline"]), statistics.median(ratios)))


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def one_run(server, big, small_name, cold, args, tmp):
    if cold:
        # Pages still referenced (a socket buffer of the previous run's last download, being freed)
        # are not dropped: evict again until the first page is gone, for up to two seconds.
        for _ in range(40):
            evict(big)
            if not is_resident(big):
                break
            time.sleep(0.05)
        if is_resident(big):
            sys.exit("mixed_load: %s stays in the page cache after POSIX_FADV_DONTNEED (tmpfs?)" % big)
    else:
        warm(big)
    out = os.path.join(tmp, "dl.txt")
    if os.path.exists(out):
        os.unlink(out)
    dl = subprocess.Popen([sys.executable, "-c", DOWNLOADER, str(server.port), big, "1" if cold else "0",
                           str(args.client_cpu), out], start_new_session=True)
    time.sleep(0.5)  # the download is under way
    try:
        lat = subprocess.run(["taskset", "-c", str(args.client_cpu), sys.executable, "-c",
                              "import json,sys; sys.path.insert(0, %r); import mixed_load as m; "
                              "print(json.dumps(m.small_requests(%d, %r, %d, %f)))"
                              % (os.path.dirname(os.path.abspath(__file__)), server.port, small_name, args.samples,
                                 args.interval / 1e3)],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.killpg(dl.pid, signal.SIGTERM)
        dl.wait()
    lat = json.loads(lat)
    done = []
    if os.path.exists(out):
        for line in open(out):
            parts = line.split()
            if len(parts) == 2 and int(parts[0]) == args.big_size:
                done.append((int(parts[0]), float(parts[1])))
    gbps = sum(b for b, _ in done) / sum(t for _, t in done) / 1e9 if done else float("nan")
    return {"p50_ms": pct(lat, 0.5), "p99_ms": pct(lat, 0.99), "samples": len(lat), "big_GBps": gbps,
            "downloads": len(done)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", required=True, help="http_file_server binary")
    ap.add_argument("--dir", required=True, help="block-backed folder for the files")
    ap.add_argument("--big-size", type=int, default=3 * GiB)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--samples", type=int, default=2000, help="small requests per configuration and round")
    ap.add_argument("--interval", type=float, default=5.0, help="ms between small requests")
    ap.add_argument("--server-cpu", type=int, default=0)
    ap.add_argument("--client-cpu", type=int, default=1)
    ap.add_argument("--disk-threads", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated subset: zerocopy,nginx sendfile on,nginx aio threads")
    ap.add_argument("--temps", default="warm,cold")
    ap.add_argument("--json")
    ap.add_argument("--baseline", help="with --throughput: the http_file_server to compare with")
    ap.add_argument("--throughput", action="store_true", help="warm big-file throughput, --server vs --baseline")
    args = ap.parse_args()
    for tool in ("nginx", "curl", "taskset"):
        if not shutil.which(tool):
            sys.exit("mixed_load: %s not found (apt-get install nginx-light curl util-linux)" % tool)
    os.makedirs(args.dir, exist_ok=True)
    os.chmod(args.dir, 0o755)
    big = os.path.join(args.dir, "big.bin")
    make_file(big, args.big_size)
    make_file(os.path.join(args.dir, "small.bin"), 4 * KiB)
    for p in (big, os.path.join(args.dir, "small.bin")):
        os.chmod(p, 0o644)
    if args.throughput:
        return throughput(args)
    names = ["zerocopy"] + list(NGINX)
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    temps = args.temps.split(",")
    results = {n: {t: [] for t in temps} for n in names}
    tmp = tempfile.mkdtemp(prefix="zc-mixed-")
    try:
        for rnd in range(args.rounds):
            for n in names:
                srv = (zerocopy_server(args.server, args.dir, args.server_cpu, args.disk_threads) if n == "zerocopy"
                       else nginx_server(n, args.dir, args.server_cpu, tmp))
                try:
                    for t in temps:
                        r = one_run(srv, big, "small.bin", t == "cold", args, tmp)
                        log("round %d %-18s %-4s p50 %.3f ms p99 %.3f ms big %.2f GB/s (%d downloads, %d samples)" % (
                            rnd + 1, n, t, r["p50_ms"], r["p99_ms"], r["big_GBps"], r["downloads"], r["samples"]))
                        results[n][t].append(r)
                finally:
                    srv.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    med = lambda xs: statistics.median(xs) if xs else float("nan")
    print("| configuration | temperature | small p50 (ms) | small p99 (ms) | big download (GB/s) | rounds × samples |")
    print("|---|---|---|---|---|---|")
    for n in names:
        for t in temps:
            rs = results[n][t]
            print("| %s | %s | %.3f | %.3f | %.2f | %d × %d |" % (
                n, t, med([r["p50_ms"] for r in rs]), med([r["p99_ms"] for r in rs]),
                med([r["big_GBps"] for r in rs if r["big_GBps"] == r["big_GBps"]]), len(rs),
                rs[0]["samples"] if rs else 0))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
