#!/usr/bin/env python3
"""Turns the outputs of one run_all.sh run into docs/benchmarks.md and the SVG plots in docs/img/.

Inputs (in --results DIR): meta.json, transfer.md/.tsv, seed.md/.tsv, http.md/.json (any may be
missing). The prose between the markers <!-- analysis:begin --> and <!-- analysis:end --> of an
existing docs/benchmarks.md is kept; everything else is regenerated. Plots need gnuplot.
"""
import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import tempfile

KiB, MiB, GiB = 1024, 1024 ** 2, 1024 ** 3
CONTENDERS = ["raw-sendfile", "raw-readwrite", "beast-file-body", "zerocopy-native", "zerocopy-buffered",
              "zerocopy-http"]


def size_name(n):
    for unit, div in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n % div == 0:
            return "%d %s" % (n // div, unit)
    return "%d B" % n


def read(path):
    return open(path).read() if os.path.exists(path) else None


def demote(md):
    """The tools print '## title' and '### section': nest them one level below this page's '##'."""
    out = []
    for line in md.splitlines():
        if line.startswith("#"):
            line = "#" + line
        out.append(line)
    return "\n".join(out).strip() + "\n"


def gnuplot(script, tmp):
    p = os.path.join(tmp, "plot.gp")
    with open(p, "w") as f:
        f.write(script)
    subprocess.run(["gnuplot", p], check=True, cwd=tmp)


COMMON = """set terminal svg size 900,480 dynamic noenhanced font 'sans,12' background rgb 'white'
set grid ytics lc rgb '#dddddd'
set key outside right top
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics nomirror
"""


def plot_transfer(rows, img, tmp):
    sizes = sorted({int(r["size"]) for r in rows})
    names = [c for c in CONTENDERS if any(r["contender"] == c for r in rows)]
    med = {}
    for s in sizes:
        for c in names:
            v = [r for r in rows if int(r["size"]) == s and r["contender"] == c]
            med[(s, c, "gibps")] = statistics.median(float(r["gibps"]) for r in v)
            med[(s, c, "cpu")] = statistics.median(float(r["cpu_s_per_gib"]) for r in v)
    dat = os.path.join(tmp, "transfer.dat")
    with open(dat, "w") as f:
        for s in sizes:
            f.write('"%s" ' % size_name(s) + " ".join("%.4f" % med[(s, c, "gibps")] for c in names) + "\n")
    datc = os.path.join(tmp, "transfer_cpu.dat")
    with open(datc, "w") as f:
        for s in sizes:
            f.write('"%s" ' % size_name(s) + " ".join("%.4f" % med[(s, c, "cpu")] for c in names) + "\n")
    cols = ", ".join("'%s' using %d:xtic(1) title '%s'" % (dat if i == 0 else "", i + 2, c)
                     for i, c in enumerate(names))
    colsc = ", ".join("'%s' using %d:xtic(1) title '%s'" % (datc if i == 0 else "", i + 2, c)
                      for i, c in enumerate(names))
    gnuplot(COMMON + """set output '%s'
set title 'Loopback transfer throughput, median (higher is better)'
set ylabel 'GiB/s'
set yrange [0:*]
plot %s
set output '%s'
set title 'Sender CPU per GiB, median (lower is better)'
set ylabel 'CPU seconds per GiB (log scale)'
set logscale y
set yrange [*:*]
plot %s
""" % (os.path.join(img, "transfer_throughput.svg"), cols, os.path.join(img, "transfer_cpu.svg"), colsc), tmp)


def plot_seed(rows, img, tmp):
    names = []
    for r in rows:
        if r["contender"] not in names:
            names.append(r["contender"])
    plots = []
    for i, c in enumerate(names):
        dat = os.path.join(tmp, "seed_%d.dat" % i)
        with open(dat, "w") as f:
            for r in rows:
                if r["contender"] == c:
                    f.write("%s %s\n" % (r["round"], r["seconds"]))
        plots.append("'%s' using 1:2 with linespoints pt 7 ps 0.5 title '%s'" % (dat, c))
    size = size_name(int(rows[0]["size"]))
    gnuplot("""set terminal svg size 900,420 dynamic noenhanced font 'sans,12' background rgb 'white'
set grid lc rgb '#dddddd'
set key outside right top
set output '%s'
set title 'Time per transfer of a %s file, in run order (lower is better)'
set xlabel 'transfer'
set ylabel 'seconds'
set yrange [0:*]
plot %s
""" % (os.path.join(img, "seed.svg"), size, ", ".join(plots)), tmp)


def plot_http(data, img, tmp):
    res = data["results"]
    groups = {}
    for r in res:
        groups.setdefault((r["server"], r["size"], r["conns"]), []).append(r["rps"])
    servers = ["http_file_server native", "http_file_server buffered", "nginx on+nopush"]
    workloads = sorted({(k[1], k[2]) for k in groups})
    dat = os.path.join(tmp, "http.dat")
    with open(dat, "w") as f:
        for size, c in workloads:
            best = max(statistics.median(v) for k, v in groups.items()
                       if k[0].startswith("nginx") and k[1] == size and k[2] == c)
            vals = [statistics.median(groups[(s, size, c)]) / best if (s, size, c) in groups else float("nan")
                    for s in servers]
            f.write('"%s, %d conn" ' % (size_name(size), c) + " ".join("%.3f" % v for v in vals) + "\n")
    slow = data.get("slow", {})
    dats = os.path.join(tmp, "slow.dat")
    with open(dats, "w") as f:
        for n, v in slow.items():
            f.write('"%s" %.2f\n' % (n, v["kib_per_connection"]))
    script = COMMON + """set output '%s'
set title 'HTTP requests per second relative to nginx at its best for each workload (higher is better)'
set ylabel 'req/s × best nginx configuration'
set yrange [0:*]
set xtics rotate by -30
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead lc rgb '#555555' dt 2
plot '%s' using 2:xtic(1) title 'http_file_server native', '' using 3 title 'http_file_server buffered', '' using 4 title 'nginx sendfile on; tcp_nopush on'
""" % (os.path.join(img, "http_rps.svg"), dat)
    if slow:
        script += """unset arrow 1
set xtics norotate
set yrange [0:*]
set style histogram clustered gap 3
set output '%s'
set title 'Server RSS per slow connection (lower is better)'
set ylabel 'KiB per connection'
plot '%s' using 2:xtic(1) notitle
""" % (os.path.join(img, "http_memory.svg"), dats)
    gnuplot(script, tmp)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--docs", required=True, help="the docs/ directory")
    a = ap.parse_args()
    R = a.results
    img = os.path.abspath(os.path.join(a.docs, "img"))
    os.makedirs(img, exist_ok=True)
    meta = json.load(open(os.path.join(R, "meta.json")))
    tmp = tempfile.mkdtemp(prefix="zerocopy_report_")
    plots = []
    try:
        if os.path.exists(os.path.join(R, "transfer.tsv")):
            rows = list(csv.DictReader(open(os.path.join(R, "transfer.tsv")), delimiter="\t"))
            if rows:
                plot_transfer(rows, img, tmp)
                plots += ["transfer_throughput.svg", "transfer_cpu.svg"]
        if os.path.exists(os.path.join(R, "seed.tsv")):
            rows = list(csv.DictReader(open(os.path.join(R, "seed.tsv")), delimiter="\t"))
            if rows:
                plot_seed(rows, img, tmp)
                plots.append("seed.svg")
        if os.path.exists(os.path.join(R, "http.json")):
            plot_http(json.load(open(os.path.join(R, "http.json"))), img, tmp)
            plots.append("http_rps.svg")
            if json.load(open(os.path.join(R, "http.json"))).get("slow"):
                plots.append("http_memory.svg")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    page = os.path.join(a.docs, "benchmarks.md")
    old = read(page) or ""
    b, e = "<!-- analysis:begin -->", "<!-- analysis:end -->"
    analysis = old[old.index(b):old.index(e) + len(e)] if b in old and e in old else \
        b + "\n_No analysis written for this run yet._\n" + e

    out = ["# Benchmarks", ""]
    out.append("Measured side by side on one machine, in one run. Nothing here runs in CI: CI only builds "
               "`zerocopy_bench`. How the figures are taken is described under [Method](#method).")
    out.append("")
    out.append("## This run")
    out.append("")
    out.append("- machine: %s" % meta["machine"])
    out.append("- software: %s" % meta["software"])
    out.append("- commit: `%s`%s" % (meta["commit"], " plus uncommitted changes in the work tree to: %s" % ", ".join(
        "`%s`" % f for f in meta.get("dirty_files", [])) if meta.get("dirty") else ""))
    out.append("- date: %s; load average before: %s, after: %s" % (meta["date"], meta["load_before"], meta["load_after"]))
    out.append("- reproduce: `%s`" % meta["command"])
    out.append("")
    out.append(analysis)
    out.append("")
    out.append("## Results of this run")
    out.append("")
    out.append("Full tables as the tools printed them (headings nested one level down).")
    out.append("")
    for p in plots:
        out.append("![%s](img/%s)" % (p[:-4].replace("_", " "), p))
        out.append("")
    for name in ("transfer", "seed", "http"):
        md = read(os.path.join(R, name + ".md"))
        if md:
            out.append(demote(md))
    out.append(read(os.path.join(os.path.dirname(os.path.abspath(__file__)), "method.md")) or "")
    with open(page, "w") as f:
        f.write("\n".join(out).rstrip() + "\n")
    print("wrote %s and %d plot(s) in %s" % (page, len(plots), img))


if __name__ == "__main__":
    main()
