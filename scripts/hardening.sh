#!/usr/bin/env bash
# The hardening stages of CI (docs/reliability.md):
#   fuzz       build the libFuzzer targets (clang-14, ASan+UBSan), replay the committed corpus of each,
#              then a fixed-seed run (-seed=1 -runs=N, capped at 30 s per target)
#   tsan       clang-14 -fsanitize=thread build of the threaded tests and the example servers; runs
#              the threaded tests and test/tsan/tsan_server_test.py against each server
#   smuggling  test/smuggling/smuggling_test.py against each server of the TSan build
#   memcheck   valgrind memcheck over the core integration tests (a plain g++ -O1 -g build);
#              uninitialised reads are the one class of error that the ASan+UBSan stage cannot see
#
#   bash scripts/hardening.sh <repo root> <build root>
#   HARDENING_STAGES="fuzz" bash scripts/hardening.sh . build-hardening     # a subset
#
# Builds go to <build root>/fuzz and <build root>/tsan. Exits non-zero if any step failed; prints
# each step's duration and a summary at the end. JOBS sets the build parallelism (default 1).
set -uo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 <repo root> <build root>" >&2
    exit 2
fi
root=$(cd "$1" && pwd) || exit 2
mkdir -p "$2" || exit 2
out=$(cd "$2" && pwd)
stages=${HARDENING_STAGES:-"fuzz tsan smuggling memcheck"}
jobs=${JOBS:-1}
cxx=${ZEROCOPY_CLANG:-clang++-14}

declare -a summary
status=0
t_start=$SECONDS
step() {  # step <name> <command...>: runs, times and records one step
    local name=$1
    shift
    echo
    echo "=== step: $name"
    local t0=$SECONDS
    "$@"
    local rc=$?
    local line
    line=$(printf '%-44s %5ds  %s' "$name" $((SECONDS - t0)) "$([ $rc -eq 0 ] && echo ok || echo "FAILED ($rc)")")
    echo "--- $line"
    summary+=("$line")
    [ $rc -eq 0 ] || status=1
    return $rc
}
has() { [[ " $stages " == *" $1 "* ]]; }

build() {  # build <dir> <source dir> <targets...> -- <cmake args...>
    local dir=$1 src=$2
    shift 2
    local targets=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        targets+=("$1")
        shift
    done
    shift
    cmake -S "$src" -B "$dir" -G Ninja "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; return 1; }
    local t=()
    for x in "${targets[@]}"; do t+=(--target "$x"); done
    cmake --build "$dir" -j "$jobs" "${t[@]}" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] (Building|Linking)'
    return "${PIPESTATUS[0]}"
}

# ---------------------------------------------------------------------------------------------------
# Fuzzing. Runs per target for the fixed-seed run: each takes 5-15 s on a loaded 2-core machine; the
# 30 s cap only bites on a much slower one (the run then stops early, still green if nothing failed).
fuzz_targets="range:400000 date:300000 etag:500000 conditional:300000 framing:250000 multipart:25000 resolve:120000 accept_encoding:30000 listing:50000"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

fuzz_replay() {  # every committed input (seeds and regression-* inputs) once
    local t=$1
    mkdir -p "$out/fuzz/replay-artifacts" || return 1
    "$out/fuzz/fuzz_$t" -runs=0 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$out/fuzz/replay-artifacts/" \
        "$root/test/fuzz/corpus/$t" >"$out/fuzz/replay-$t.log" 2>&1
    local rc=$?
    grep -E 'INITED|ERROR|property violated|Test unit written' "$out/fuzz/replay-$t.log"
    [ $rc -eq 0 ] || tail -40 "$out/fuzz/replay-$t.log"
    return $rc
}

fuzz_seeded() {  # a deterministic exploration from the committed corpus (copied: the repo stays clean)
    local t=$1 runs=$2 work="$out/fuzz/work-$1"
    rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts" || return 1
    cp "$root/test/fuzz/corpus/$t"/* "$work/corpus/" || return 1
    "$out/fuzz/fuzz_$t" -seed=1 -runs="$runs" -max_total_time=30 -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1
    local rc=$?
    grep -E 'INITED|^Done|ERROR|property violated|Test unit written|stat::number_of_executed_units' "$work/log"
    [ $rc -eq 0 ] || tail -40 "$work/log"
    return $rc
}

if has fuzz; then
    step "fuzz: build (clang-14 libFuzzer+ASan+UBSan)" \
        build "$out/fuzz" "$root/test/fuzz" -- -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo
    if [ $? -eq 0 ]; then
        for spec in $fuzz_targets; do
            t=${spec%%:*}
            step "fuzz: $t replay corpus" fuzz_replay "$t"
            step "fuzz: $t -seed=1 -runs=${spec##*:}" fuzz_seeded "$t" "${spec##*:}"
        done
    fi
fi

# ---------------------------------------------------------------------------------------------------
# ThreadSanitizer. g++ 12 rejects Asio's atomic_thread_fence under -fsanitize=thread; clang 14 does not.
tsan_tests="integration_core integration_tokens integration_tls integration_http_tokens integration_cold_cache"
tsan_servers="http_file_server http_file_server_coro"
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$root/test/tsan/suppressions.txt}

tsan_build() {
    local targets="$tsan_tests http_file_server example_beast_client"
    [ -d "$root/examples/http_file_server_coro" ] && targets="$targets http_file_server_coro"
    # shellcheck disable=SC2086
    build "$out/tsan" "$root" $targets -- -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DZEROCOPY_SANITIZE=thread -DZEROCOPY_WARNINGS_AS_ERRORS=ON -DZEROCOPY_HEAVY_TESTS=OFF \
        -DZEROCOPY_BUILD_BENCHMARKS=OFF -DCMAKE_CXX_STANDARD=17  # example_beast_client needs C++17; clang 14 defaults to 14
}

server_binary() {  # server_binary <target>: its path in the TSan build, or nothing
    local f
    f=$(find "$out/tsan/examples" -type f -name "$1" -perm -u+x 2>/dev/null | head -1)
    [ -n "$f" ] && echo "$f"
}

tsan_ctest() {
    local re
    re="^($(echo "$tsan_tests" | tr ' ' '|'))(_blocking_twin)?$|^example_http_file_server(_coro)?_beast$"
    ctest --test-dir "$out/tsan" -R "$re" --output-on-failure --timeout 900
}

tsan_server() {
    local bin
    bin=$(server_binary "$1") || { echo "$1 not built"; return 1; }
    python3 "$root/test/tsan/tsan_server_test.py" --server "$bin"
}

smuggling() {
    local bin
    bin=$(server_binary "$1") || { echo "$1 not built"; return 1; }
    python3 "$root/test/smuggling/smuggling_test.py" --server "$bin"
}

tsan_built=1
if has tsan || has smuggling; then
    step "tsan: build (clang-14 -fsanitize=thread)" tsan_build || tsan_built=0
fi
if has tsan && [ $tsan_built -eq 1 ]; then
    step "tsan: threaded tests and Beast client vs servers" tsan_ctest
    for s in $tsan_servers; do
        server_binary "$s" >/dev/null && step "tsan: $s threads/keep-alive/cancel/shutdown" tsan_server "$s"
    done
fi
if has smuggling && [ $tsan_built -eq 1 ]; then
    for s in $tsan_servers; do
        server_binary "$s" >/dev/null && step "smuggling: $s" smuggling "$s"
    done
fi

# ---------------------------------------------------------------------------------------------------
# valgrind memcheck: the core integration tests, which run the async_sendfile paths on real sockets.
memcheck_tests="integration_core integration_streams integration_tokens"
memcheck_run() {
    local t
    for t in $memcheck_tests; do
        echo "valgrind $t"
        valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-fds=no \
            --quiet "$out/memcheck/test/integration/$t" --log_level=test_suite --report_level=short --color_output=no || return 1
    done
}
if has memcheck; then
    # shellcheck disable=SC2086
    step "memcheck: build (g++ -O1 -g)" build "$out/memcheck" "$root" $memcheck_tests -- \
        -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 -DZEROCOPY_HEAVY_TESTS=OFF \
        -DZEROCOPY_BUILD_BENCHMARKS=OFF -DZEROCOPY_BUILD_EXAMPLES=OFF &&
        step "memcheck: valgrind $memcheck_tests" memcheck_run
fi

echo
echo "=== hardening steps"
printf '%s\n' "${summary[@]}"
echo "total $((SECONDS - t_start))s, $([ $status -eq 0 ] && echo ok || echo FAILED)"
exit $status
