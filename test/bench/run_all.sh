#!/usr/bin/env bash
# One full benchmark run: builds zerocopy_bench and http_file_server (Release), runs
#   zerocopy_bench transfer, zerocopy_bench seed, zerocopy_bench http
# and writes docs/benchmarks.md and docs/img/*.svg from the results (test/bench/make_report.py).
#
#   bash test/bench/run_all.sh                       # the full run (about 20 minutes on 2 CPUs)
#   RUNS=3 SEED_RUNS=5 HTTP_DURATION=2 bash test/bench/run_all.sh   # a quick check
#
# Environment: BUILD_DIR (default build-bench), RESULTS (default a new directory under /tmp),
# RUNS (transfer rounds, 9), SIZES (transfer sizes), SEED_SIZE (1GiB), SEED_RUNS (100),
# HTTP_DURATION (s per wrk run, 5), HTTP_ROUNDS (2), HTTP_SIZES, SLOW (slow connections, 4000),
# SKIP (any of: transfer seed http), NO_BUILD=1, NO_REPORT=1.
# Needs: cmake, ninja, g++, Boost 1.81, nginx (nginx-light), wrk, gnuplot (gnuplot-nox), python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=${BUILD_DIR:-$root/build-bench}
results=${RESULTS:-$(mktemp -d /tmp/zerocopy_bench_results.XXXXXX)}
mkdir -p "$results"
runs=${RUNS:-9}
sizes=${SIZES:-4KiB,64KiB,1MiB,64MiB,1GiB}
seed_size=${SEED_SIZE:-1GiB}
seed_runs=${SEED_RUNS:-100}
http_duration=${HTTP_DURATION:-5}
http_rounds=${HTTP_ROUNDS:-2}
slow=${SLOW:-4000}
http_sizes=${HTTP_SIZES:-4KiB,64KiB,1MiB,100MiB}
skip=" ${SKIP:-} "
scratch=$(mktemp -d /tmp/zerocopy_bench_files.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# The exact command, with every setting spelled out, for docs/benchmarks.md.
command="RUNS=$runs SIZES=$sizes SEED_SIZE=$seed_size SEED_RUNS=$seed_runs HTTP_DURATION=$http_duration HTTP_ROUNDS=$http_rounds HTTP_SIZES=$http_sizes SLOW=$slow bash test/bench/run_all.sh"

if [ -z "${NO_BUILD:-}" ]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DZEROCOPY_WARNINGS_AS_ERRORS=ON \
          -DZEROCOPY_BUILD_TESTS=OFF >/dev/null
    ninja -j1 -C "$build" zerocopy_bench http_file_server
fi
bench=$build/test/bench/zerocopy_bench

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
date_utc=$(date -u +'%Y-%m-%d %H:%M UTC')
echo "== start $date_utc, load average $load_before, results in $results" >&2

if [[ $skip != *" transfer "* ]]; then
    echo "== transfer" >&2
    "$bench" transfer --runs "$runs" --sizes "$sizes" --dir "$scratch" --tsv "$results/transfer.tsv" | tee "$results/transfer.md"
fi
if [[ $skip != *" seed "* ]]; then
    echo "== seed" >&2
    "$bench" seed --size "$seed_size" --runs "$seed_runs" --dir "$scratch" --tsv "$results/seed.tsv" | tee "$results/seed.md"
fi
rm -rf "$scratch"/zerocopy_bench_*  # the transfer files; the http script makes its own
if [[ $skip != *" http "* ]]; then
    echo "== http" >&2
    "$bench" http --duration "$http_duration" --rounds "$http_rounds" --slow-connections "$slow" --sizes "$http_sizes" \
        --json "$results/http.json" | tee "$results/http.md"
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

commit=$(git -C "$root" rev-parse --short=12 HEAD)
# What of the measured code differs from the commit (other work in progress in the same tree).
dirty_files=$( (git -C "$root" status --porcelain -- include src examples cmake CMakeLists.txt test/bench || true) | awk '{print $2}' | tr '\n' ' ')
dirty=false
[ -z "$dirty_files" ] || dirty=true
machine="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs, $(free -g | awk '/Mem:/ {print $2}') GiB RAM, Linux $(uname -r)"
software="$(g++ --version | head -1); Boost $(grep -m1 'define BOOST_LIB_VERSION' /usr/include/boost/version.hpp | cut -d'"' -f2 | tr _ .); $(nginx -v 2>&1 | sed 's/.*: //'); $( (wrk --version 2>&1 || true) | head -1 | cut -d' ' -f1-2)"
python3 - "$results/meta.json" <<EOF
import json, sys
json.dump({"machine": """$machine""", "software": """$software""", "commit": "$commit", "dirty": $([ $dirty = true ] && echo True || echo False), "dirty_files": """$dirty_files""".split(),
           "date": "$date_utc", "load_before": "$load_before", "load_after": "$load_after",
           "command": """$command"""}, open(sys.argv[1], "w"), indent=1)
EOF
echo "== end $(date -u +'%H:%M UTC'), load average $load_after" >&2
if [ -z "${NO_REPORT:-}" ]; then
    python3 "$root/test/bench/make_report.py" --results "$results" --docs "$root/docs"
fi
