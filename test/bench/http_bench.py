#!/usr/bin/env python3
"""zerocopy_bench http — http_file_server (native and --mode buffered) against nginx, loaded by wrk.

Everything runs on loopback (127.0.0.1), is bounded in time and is stopped by this script.
Each server runs with one thread (nginx: one worker process) pinned to one CPU; wrk runs with one
thread pinned to the other CPU. For every file size and connection count the servers are measured
one after another, interleaved, for --rounds rounds. nginx runs with `sendfile on; tcp_nopush on;`
(the issue's configuration) and, where another configuration is faster for that workload (see
shared/BENCHMARKING.md), with that one too; its best is what the comparison uses.

Then memory per connection: each server, freshly started, holds --slow-connections slow downloads
(clients that read the first bytes of a 100 MiB response, then stop reading); the growth of its RSS
divided by the number of connections is the memory per connection.

Output: Markdown on stdout, and all figures as JSON with --json FILE.
"""
import argparse
import json
import math
import os
import pwd
import re
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

KiB, MiB = 1024, 1024 * 1024
HZ = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def parse_size(s):
    m = re.fullmatch(r"(\d+)\s*([KMG]?)(i?B)?", s.strip(), re.I)
    if not m:
        raise argparse.ArgumentTypeError("bad size " + s)
    return int(m.group(1)) * {"": 1, "K": KiB, "M": MiB, "G": 1024 * MiB}[m.group(2).upper()]


def size_name(n):
    for unit, div in (("GiB", 1024 * MiB), ("MiB", MiB), ("KiB", KiB)):
        if n % div == 0:
            return "%d %s" % (n // div, unit)
    return "%d B" % n


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / HZ


def proc_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def children_of(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def unprivileged():
    """A preexec_fn that drops root to nobody (servers run unprivileged); no-op when not root."""
    if os.geteuid() != 0:
        return None
    pw = pwd.getpwnam("nobody")

    def drop():
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)

    return drop


class Server:
    """One server process, started on a free loopback port, pinned to `cpu`."""

    def __init__(self, name, args, tmp):
        self.name, self.args, self.tmp = name, args, tmp
        self.proc = None
        self.port = None

    def start(self, cpu):
        self.port = free_port()
        cmd = ["taskset", "-c", str(cpu)] + self.command(self.port)
        self.errlog = open(os.path.join(self.tmp, "%s.stderr" % self.name.replace(" ", "_")), "ab")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.errlog, preexec_fn=unprivileged(),
                                     cwd=self.tmp)
        self.wait_ready()
        return self

    def wait_ready(self):
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("%s exited with %s; see %s" % (self.name, self.proc.returncode, self.errlog.name))
                time.sleep(0.05)
        raise RuntimeError("%s did not start listening" % self.name)

    def worker_pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None
        self.errlog.close()


class ZeroCopyServer(Server):
    def __init__(self, name, binary, root, mode, tmp, small_body=None):
        super().__init__(name, None, tmp)
        self.binary, self.root, self.mode, self.small_body = binary, root, mode, small_body

    def command(self, port):
        return [self.binary, "--root", self.root, "--address", "127.0.0.1", "--port", str(port), "--threads", "1",
                "--mode", self.mode, "--quiet", "--send-timeout", "120", "--idle-timeout", "120",
                "--header-timeout", "60",
                # nginx here serves no precompressed variants either (no gzip_static); the open-file
                # cache (issue 13) is the example's default, given explicitly.
                "--precompressed", "none", "--file-cache", "1024"] + \
            ([] if self.small_body is None else ["--small-body", str(self.small_body)])

    def wait_ready(self):
        line = self.proc.stdout.readline().decode()
        if not line.startswith("listening on "):
            raise RuntimeError("%s: unexpected first line %r; see %s" % (self.name, line, self.errlog.name))
        super().wait_ready()


NGINX_CONFIGS = {
    "on+nopush": "sendfile on; tcp_nopush on;",
    "on": "sendfile on; tcp_nopush off;",
    "off": "sendfile off;",
}


class Nginx(Server):
    def __init__(self, name, root, config, tmp):
        super().__init__(name, None, tmp)
        self.root, self.config = root, config

    def command(self, port):
        prefix = os.path.join(self.tmp, "nginx-" + re.sub(r"\W", "_", self.config))
        os.makedirs(prefix, exist_ok=True)
        os.chmod(prefix, 0o777)
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 20000;
pid %(p)s/nginx.pid;
error_log %(p)s/error.log warn;
events { worker_connections 10000; }
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
    server {
        listen 127.0.0.1:%(port)d backlog=4096;
        root %(root)s;
    }
}
""" % {"p": prefix, "cfg": NGINX_CONFIGS[self.config], "port": port, "root": self.root})
        return ["nginx", "-p", prefix, "-c", conf, "-e", prefix + "/error.log"]

    def worker_pid(self):
        for _ in range(50):
            kids = children_of(self.proc.pid)
            if kids:
                return kids[0]
            time.sleep(0.05)
        raise RuntimeError("nginx: no worker process")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful; SIGTERM below if it lingers
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        super().stop()


def run_wrk(port, path, conns, duration, cpu):
    cmd = ["taskset", "-c", str(cpu), "wrk", "-t1", "-c%d" % conns, "-d%ds" % duration, "--latency", "--timeout", "10s",
           "http://127.0.0.1:%d/%s" % (port, path)]
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30).stdout
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = {}
    # The load generator's own CPU (issue 13): near 1.0, the ratio measures wrk, not the server.
    r["wrk_cpu_share"] = (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime) / max(time.time() - t0, 1e-9)
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+), ([\d.]+)([KMGT]?B) read", out)
    r["requests"] = int(m.group(1))
    r["seconds"] = float(m.group(2)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[m.group(3)]
    # Every byte received, of complete responses or not: the throughput of large files does not
    # depend on how many responses happened to finish inside the run.
    r["bytes_read"] = float(m.group(4)) * {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}[m.group(5)]
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    r["rps"] = float(m.group(1))
    for q, key in (("50%", "p50_ms"), ("99%", "p99_ms")):
        m = re.search(r"^\s+%s\s+([\d.]+)(us|ms|s)\s*$" % q, out, re.M)
        r[key] = float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)] if m else float("nan")
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    r["errors"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    return r, out


def workload_duration(size, conns, minimum):
    """Seconds for one measured run: at least `minimum`, and long enough for every connection to
    receive its file about three times at 1 GiB/s (64 connections x 100 MiB need ~19 s; a 5 s run
    would end with most responses unfinished and count almost none of them)."""
    return max(minimum, math.ceil(3 * conns * size / (1024 * MiB)))


def warm(path):
    with open(path, "rb") as f:
        while f.read(4 * MiB):
            pass


def measure(server, files, size, conns, args):
    path = os.path.join(args.root, files[size])
    pid = server.worker_pid()
    warm(path)
    run_wrk(server.port, files[size], conns, 1, args.client_cpu)  # warm-up, not measured
    warm(path)
    cpu0 = proc_cpu_seconds(pid)
    t0 = time.time()
    r, raw = run_wrk(server.port, files[size], conns, workload_duration(size, conns, args.duration),
                     args.client_cpu)
    elapsed = time.time() - t0
    cpu1 = proc_cpu_seconds(pid)
    r["server_cpu_us_per_req"] = (cpu1 - cpu0) / max(r["requests"], 1) * 1e6
    r["server_cpu_share"] = (cpu1 - cpu0) / elapsed
    r["gib_per_s"] = r["bytes_read"] / max(r["seconds"], 1e-9) / (1024 * MiB)
    r["rss_kib"] = proc_rss_kib(pid)
    if r["errors"] or r["socket_errors"]:
        log("warning: %s %s c=%d: %d non-2xx, %d socket errors\n%s" % (server.name, size_name(size), conns,
                                                                      r["errors"], r["socket_errors"], raw))
    return r


def slow_downloads(server, path, n, hold, cpu):
    """Opens n connections that each request `path`, read its first bytes, then stop reading."""
    pid = server.worker_pid()
    # a few ordinary requests first, so that the baseline includes what the first request allocates
    run_wrk(server.port, path, 4, 1, cpu)
    time.sleep(0.5)
    base = proc_rss_kib(pid)
    sel = selectors.DefaultSelector()
    socks, started = [], 0
    request = ("GET /%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode()
    deadline = time.time() + 60
    batch = 100
    while len(socks) < n and time.time() < deadline:
        fresh = []
        for _ in range(min(batch, n - len(socks))):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a slow reader's small window
            s.connect(("127.0.0.1", server.port))
            s.sendall(request)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
            fresh.append(s)
        socks += fresh
        waiting = set(fresh)
        while waiting and time.time() < deadline:
            for key, _ in sel.select(timeout=1):
                try:
                    data = key.fileobj.recv(1024)  # the first bytes only; the rest stays unread
                except BlockingIOError:
                    continue
                if data:
                    started += 1
                sel.unregister(key.fileobj)
                waiting.discard(key.fileobj)
    time.sleep(hold)
    rss = proc_rss_kib(pid)
    alive = server.proc.poll() is None
    for s in socks:
        s.close()
    sel.close()
    return {"connections": len(socks), "responses_started": started, "rss_base_kib": base, "rss_kib": rss,
            "kib_per_connection": (rss - base) / max(len(socks), 1), "server_alive": alive}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default="build-bench")
    ap.add_argument("--server", help="http_file_server binary (default: BUILD_DIR/examples/http_file_server/http_file_server)")
    ap.add_argument("--dir", default=None, help="scratch directory (default: a new one under /tmp, removed at the end)")
    ap.add_argument("--sizes", default="4KiB,64KiB,1MiB,100MiB")
    ap.add_argument("--connections", default="1,64")
    ap.add_argument("--duration", type=int, default=5, help="seconds per measured wrk run")
    ap.add_argument("--rounds", type=int, default=1, help="interleaved rounds; the median is reported")
    ap.add_argument("--slow-connections", type=int, default=4000)
    ap.add_argument("--slow-hold", type=float, default=3)
    ap.add_argument("--no-nginx-variants", action="store_true", help="only nginx with sendfile on; tcp_nopush on")
    ap.add_argument("--json", help="write all figures to this file")
    ap.add_argument("--modes", default="native,buffered", help="http_file_server --mode values to measure")
    ap.add_argument("--small-bodies", default="",
                    help="http_file_server --small-body values, each a contender of its own (the crossover of "
                         "the small-body path: e.g. 0,65536); default: the example's own")
    ap.add_argument("--no-nginx", action="store_true", help="zerocopy contenders only")
    args = ap.parse_args()

    for tool in ("wrk", "nginx", "taskset"):
        if not shutil.which(tool):
            sys.exit("http_bench: %s not found (apt-get install wrk nginx-light util-linux)" % tool)
    binary = args.server or os.path.join(args.build_dir, "examples/http_file_server/http_file_server")
    if not os.access(binary, os.X_OK):
        sys.exit("http_bench: %s not found: build it (ninja -C %s http_file_server)" % (binary, args.build_dir))
    binary = os.path.abspath(binary)

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # children (servers, wrk) inherit it
    fd_limits = {"soft_before": soft, "hard": hard, "soft_now": resource.getrlimit(resource.RLIMIT_NOFILE)[0]}
    log("file descriptors: soft limit %d raised to the hard limit %d" % (soft, hard))
    cpus = sorted(os.sched_getaffinity(0))
    args.server_cpu, args.client_cpu = (cpus[0], cpus[1]) if len(cpus) > 1 else (cpus[0], cpus[0])

    own_tmp = args.dir is None
    tmp = args.dir or tempfile.mkdtemp(prefix="zerocopy_http_bench_")
    os.makedirs(tmp, exist_ok=True)
    os.chmod(tmp, 0o755)
    args.root = os.path.join(tmp, "www")
    os.makedirs(args.root, exist_ok=True)
    os.chmod(args.root, 0o755)
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    conns = [int(c) for c in args.connections.split(",")]
    files = {}
    for size in sizes + [100 * MiB]:
        name = "file_%d.bin" % size
        files[size] = name
        p = os.path.join(args.root, name)
        if not os.path.exists(p) or os.path.getsize(p) != size:
            with open(p, "wb") as f:
                left = size
                while left:
                    chunk = os.urandom(min(left, MiB))
                    f.write(chunk)
                    left -= len(chunk)
        os.chmod(p, 0o644)

    def nginx_variants(size, nconn):
        """The issue's configuration, plus the one BENCHMARKING.md found best for this workload."""
        v = ["on+nopush"]
        if not args.no_nginx_variants:
            if size <= 16 * KiB:
                v.append("off")
            elif size < MiB:
                v.append("on")
        return v

    small_bodies = [int(v) for v in args.small_bodies.split(",")] if args.small_bodies else [None]
    zc = [("http_file_server " + m + ("" if sb is None else " small-body %d" % sb), m, sb)
          for m in args.modes.split(",") for sb in small_bodies]
    results = []  # dicts: server, config, size, conns, round, figures
    servers = {}
    try:
        for name, mode, sb in zc:
            servers[name] = ZeroCopyServer(name, binary, args.root, mode, tmp, sb).start(args.server_cpu)
        for cfg in NGINX_CONFIGS:
            if args.no_nginx or (args.no_nginx_variants and cfg != "on+nopush"):
                continue
            servers["nginx " + cfg] = Nginx("nginx " + cfg, args.root, cfg, tmp).start(args.server_cpu)
        for rnd in range(args.rounds):
            for size in sizes:
                for c in conns:
                    order = [z[0] for z in zc] + \
                        ([] if args.no_nginx else ["nginx " + v for v in nginx_variants(size, c)])
                    if rnd % 2:
                        order.reverse()
                    for name in order:
                        r = measure(servers[name], files, size, c, args)
                        r.update(server=name, size=size, conns=c, round=rnd)
                        results.append(r)
                        log("%-28s %8s c=%-3d %10.0f req/s %7.3f GiB/s p50 %8.3f ms p99 %8.3f ms cpu %8.1f us/req "
                            "rss %d KiB wrk cpu %.2f" % (name, size_name(size), c, r["rps"], r["gib_per_s"],
                                                         r["p50_ms"], r["p99_ms"], r["server_cpu_us_per_req"],
                                                         r["rss_kib"], r["wrk_cpu_share"]))
    finally:
        for s in servers.values():
            s.stop()

    # Memory per connection: each server freshly started, one at a time.
    slow = {}
    if args.slow_connections > 0:
        for name, make in [(n, (lambda n=n, m=m, sb=sb: ZeroCopyServer(n, binary, args.root, m, tmp, sb)))
                           for n, m, sb in zc] + \
                [("nginx on+nopush", lambda: Nginx("nginx on+nopush", args.root, "on+nopush", tmp))]:
            s = make().start(args.server_cpu)
            try:
                slow[name] = slow_downloads(s, files[100 * MiB], args.slow_connections, args.slow_hold, args.client_cpu)
            finally:
                s.stop()
            log("%-28s %d slow connections: RSS %d -> %d KiB, %.1f KiB per connection" % (
                name, slow[name]["connections"], slow[name]["rss_base_kib"], slow[name]["rss_kib"],
                slow[name]["kib_per_connection"]))

    if own_tmp:
        shutil.rmtree(tmp, ignore_errors=True)

    report(results, slow, sizes, conns, fd_limits, args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "slow": slow, "fd_limits": fd_limits, "duration": args.duration,
                       "rounds": args.rounds, "server_cpu": args.server_cpu, "client_cpu": args.client_cpu}, f, indent=1)


def med(xs):
    xs = sorted(xs)
    n = len(xs)
    return float("nan") if n == 0 else (xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2)


def summarize(results):
    """Median over rounds per (server, size, conns)."""
    groups = {}
    for r in results:
        groups.setdefault((r["server"], r["size"], r["conns"]), []).append(r)
    out = {}
    for k, rs in groups.items():
        out[k] = {f: med([r[f] for r in rs]) for f in ("rps", "gib_per_s", "p50_ms", "p99_ms",
                                                        "server_cpu_us_per_req", "rss_kib")}
    return out


def report(results, slow, sizes, conns, fd_limits, args):
    s = summarize(results)
    print("## zerocopy_bench http\n")
    print("- one server thread / one nginx worker on CPU %d; `wrk -t1` on CPU %d; at least %d s per measured run "
          "(3 x connections x size at 1 GiB/s for large files; GiB/s counts every byte received) after a 1 s "
          "warm-up; %d round(s), interleaved, medians" % (args.server_cpu, args.client_cpu, args.duration, args.rounds))
    print("- file descriptors: soft limit %d raised to the hard limit %d\n" % (fd_limits["soft_before"], fd_limits["hard"]))
    print("| file | conns | server | req/s | GiB/s | p50 ms | p99 ms | server CPU µs/req | RSS MiB |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    targets = []
    for size in sizes:
        for c in conns:
            names = sorted({k[0] for k in s if k[1] == size and k[2] == c},
                           key=lambda n: (not n.startswith("http_file_server"), n))
            for n in names:
                v = s[(n, size, c)]
                print("| %s | %d | %s | %.0f | %.3f | %.3f | %.3f | %.1f | %.1f |" % (
                    size_name(size), c, n, v["rps"], v["gib_per_s"], v["p50_ms"], v["p99_ms"],
                    v["server_cpu_us_per_req"], v["rss_kib"] / 1024))
            ngx = [n for n in names if n.startswith("nginx")]
            if not ngx or ("http_file_server native", size, c) not in s:
                continue
            best = max(ngx, key=lambda n: s[(n, size, c)]["rps"])
            nat = s[("http_file_server native", size, c)]
            b = s[(best, size, c)]
            if size >= MiB:
                targets.append(("http_file_server native throughput × best nginx (%s), %s, %d conn" % (
                    best, size_name(size), c), nat["rps"] / b["rps"], 1.0, False))
            if size <= 4 * KiB and c >= 64:
                targets.append(("http_file_server native req/s × best nginx (%s), %s, %d conn" % (
                    best, size_name(size), c), nat["rps"] / b["rps"], 0.8, False))
                targets.append(("http_file_server native p99 × that nginx, %s, %d conn" % (size_name(size), c),
                                nat["p99_ms"] / b["p99_ms"], 2.0, True))
    if slow:
        print("\n### Memory per connection (%d slow downloads of a 100 MiB file held open)\n" % args.slow_connections)
        print("| server | connections | responses started | RSS before KiB | RSS with them KiB | KiB per connection |")
        print("|---|---:|---:|---:|---:|---:|")
        for n, v in slow.items():
            print("| %s | %d | %d | %d | %d | %.1f |" % (n, v["connections"], v["responses_started"], v["rss_base_kib"],
                                                        v["rss_kib"], v["kib_per_connection"]))
        if "http_file_server native" in slow:
            targets.append(("http_file_server native RSS per slow connection (KiB)",
                            slow["http_file_server native"]["kib_per_connection"], 16.0, True))
    if targets:
        print("\n### Targets\n\n| target | measured | limit | |\n|---|---:|---:|---|")
        for what, value, limit, at_most in targets:
            ok = value <= limit if at_most else value >= limit
            print("| %s | %.3f | %s %.2f | %s |" % (what, value, "≤" if at_most else "≥", limit, "met" if ok else "MISSED"))


if __name__ == "__main__":
    main()
