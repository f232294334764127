#!/usr/bin/env bash
# The one command that builds zerocopy and runs its whole test suite on a fresh Debian 12
# machine: installs what is missing, then runs the CI stages below. Exits non-zero if any
# stage failed; the output ends with CTest's summary of the main (g++ Release) suite.
#
#   bash scripts/test.sh            # everything
#   STAGES="gcc" bash scripts/test.sh   # a subset of: gcc consumer asan hardening windows
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${ZEROCOPY_BUILD_ROOT:-$root/build-ci}
stages=${STAGES:-"gcc consumer asan hardening windows"}
jobs=${JOBS:-$(nproc)}
mkdir -p "$out"

declare -a summary
status=0
stage() {  # stage <name> <command...>: runs, times and records one stage
    local name=$1
    shift
    echo
    echo "=== stage: $name"
    local t0=$SECONDS
    "$@"
    local rc=$?
    summary+=("$(printf '%-28s %5ds  %s' "$name" $((SECONDS - t0)) "$([ $rc -eq 0 ] && echo ok || echo "FAILED ($rc)")")")
    [ $rc -eq 0 ] || status=1
    return $rc
}
has() { [[ " $stages " == *" $1 "* ]]; }

configure_build() {  # configure_build <dir> <cmake args...>
    local dir=$1
    shift
    cmake -S "$root" -B "$dir" -G Ninja "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; return 1; }
    # Keep going past a failed target so that every error shows; the status is the build's
    # (not grep's: with pipefail, a `|| true` here would hide a failed build).
    cmake --build "$dir" -j "$jobs" -- -k 0 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] (Building|Linking)'
    local rc=${PIPESTATUS[0]}
    [ "$rc" -eq 0 ] || echo "build of $dir FAILED (exit $rc)"
    return "$rc"
}

stage "install dependencies" bash "$root/scripts/install-deps.sh" || exit 1

if has gcc; then
    stage "g++ Release build (-Werror)" configure_build "$out/gcc-release" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ -DZEROCOPY_WARNINGS_AS_ERRORS=ON \
        -DCMAKE_INSTALL_PREFIX="$out/prefix"
fi

if has consumer; then
    consumer() {
        cmake --install "$out/gcc-release" >/dev/null &&
        cmake -S "$root/test/cmake_test" -B "$out/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
              -DCMAKE_PREFIX_PATH="$out/prefix" -DZEROCOPY_CONSUMER_WERROR=ON >/dev/null &&
        cmake --build "$out/consumer" &&
        ctest --test-dir "$out/consumer" --output-on-failure &&
        cmake -S "$root/test/cmake_test" -B "$out/consumer-subdir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
              -DZEROCOPY_CONSUMER_ADD_SUBDIRECTORY=ON -DZEROCOPY_CONSUMER_WERROR=ON >/dev/null &&
        cmake --build "$out/consumer-subdir" &&
        ctest --test-dir "$out/consumer-subdir" --output-on-failure
    }
    stage "consumer (find_package, add_subdirectory)" consumer
fi

if has asan; then
    asan() {
        configure_build "$out/clang-asan" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-14 \
            -DZEROCOPY_WARNINGS_AS_ERRORS=ON -DZEROCOPY_SANITIZE=address,undefined \
            -DZEROCOPY_HEAVY_TESTS=OFF -DZEROCOPY_BUILD_BENCHMARKS=OFF || return 1
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            ctest --test-dir "$out/clang-asan" -j "$jobs" --output-on-failure --timeout 600 -LE heavy
    }
    stage "clang-14 ASan+UBSan build and tests" asan
fi

if has hardening; then
    # Fuzz replay + fixed-seed runs, ThreadSanitizer build and runs (docs/reliability.md).
    stage "hardening (fuzz, TSan, smuggling)" env JOBS="$jobs" bash "$root/scripts/hardening.sh" "$root" "$out/hardening"
fi

if has windows; then
    # MinGW-w64 cross build, core and HTTP tests under Wine (a correctness stage, no timings).
    stage "Windows (MinGW-w64 + Wine)" env ZEROCOPY_BUILD_ROOT="$out" JOBS="$jobs" bash "$root/scripts/windows-test.sh"
fi

echo
echo "=== stage durations"
printf '%s\n' "${summary[@]}"

if has gcc; then
    # Last, so that the output ends with CTest's summary of the main suite.
    echo
    echo "=== stage: g++ Release tests (overall status before it: $([ $status -eq 0 ] && echo ok || echo FAILED))"
    ctest --test-dir "$out/gcc-release" -j "$jobs" --output-on-failure --timeout 900 || status=1
fi
exit $status
