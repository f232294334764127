#!/usr/bin/env bash
# Builds zerocopy and runs its tests on a fresh Debian 12 machine (installs what is missing first).
# Exits non-zero if any stage failed; the output ends with CTest's summary of the g++ Release suite.
#
#   bash scripts/test.sh                 # quick: g++ Release -Werror build and every CTest test of it
#                                        # (the benchmarks, which have no CTest test, and the heavy
#                                        # tests — multi-GiB transfers, CPU-time and Nagle timings —
#                                        # only with --all)
#   bash scripts/test.sh --all           # the CI matrix (.ci/run): stages gcc consumer asan hardening windows
#   STAGES="gcc asan" bash scripts/test.sh --all    # a subset of those stages (in either mode)
#   ZEROCOPY_BOOST_ROOT=/opt/boost-1.89 bash scripts/test.sh [--all]
#                                        # gcc, consumer and asan against that Boost prefix instead of
#                                        # the system's; fails unless the built tests report its version
#
# ZEROCOPY_BUILD_ROOT: where the builds go (default <repo>/build-ci); JOBS: build parallelism (nproc).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${ZEROCOPY_BUILD_ROOT:-$root/build-ci}
jobs=${JOBS:-$(nproc)}
# Tests run two per CPU: most of them wait on sockets, timers or child servers; the timing-sensitive
# and the heavy ones are RUN_SERIAL, so CTest runs those alone whatever -j says.
ctest_jobs=${CTEST_JOBS:-$((jobs * 2))}
all=0
case "${1:-}" in
    "") ;;
    --all) all=1 ;;
    -h | --help)
        sed -n '2,14p' "$0"
        exit 0
        ;;
    *)
        echo "usage: bash scripts/test.sh [--all]" >&2
        exit 2
        ;;
esac
if [ $all -eq 1 ]; then
    stages=${STAGES:-"gcc consumer asan hardening windows"}
else
    stages=${STAGES:-"gcc"}
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

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
    summary+=("$(printf '%-44s %5ds  %s' "$name" $((SECONDS - t0)) "$([ $rc -eq 0 ] && echo ok || echo "FAILED ($rc)")")")
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

# ---------------------------------------------------------------------------------------------------
# The Boost to test against: the system's (Debian 12: 1.81), or the prefix ZEROCOPY_BOOST_ROOT names.
# For a named prefix every CMake configure gets Boost_ROOT, Boost_NO_SYSTEM_PATHS, CMAKE_PREFIX_PATH
# (prefix_path) and, when the prefix has Boost's CMake files, Boost_DIR, so that nothing falls back to
# the system's Boost; each build's CMakeCache is checked for that, and boost_version for the version.
boost_root=${ZEROCOPY_BOOST_ROOT:-}
boost_args=()
boost_sfx=""       # build directories per Boost, so that switching never reuses a cache of another
boost_expect=""    # BOOST_LIB_VERSION the builds must report, e.g. 1_89
boost_libdir=""
run_env=(env)      # how test programs run (LD_LIBRARY_PATH for the prefix's shared libraries)
if [ -n "$boost_root" ]; then
    boost_root=$(cd "$boost_root" 2>/dev/null && pwd) || { echo "ZEROCOPY_BOOST_ROOT=$ZEROCOPY_BOOST_ROOT: no such directory" >&2; exit 2; }
    [ -f "$boost_root/include/boost/version.hpp" ] ||
        { echo "ZEROCOPY_BOOST_ROOT=$boost_root: no include/boost/version.hpp" >&2; exit 2; }
    boost_expect=$(sed -n 's/^#define BOOST_LIB_VERSION "\(.*\)"/\1/p' "$boost_root/include/boost/version.hpp")
    [ -n "$boost_expect" ] || { echo "cannot read BOOST_LIB_VERSION from $boost_root/include/boost/version.hpp" >&2; exit 2; }
    boost_sfx="-boost-$boost_expect"
    boost_args=(-DBoost_ROOT="$boost_root" -DBoost_NO_SYSTEM_PATHS=ON
                -DZEROCOPY_EXPECT_BOOST_LIB_VERSION="$boost_expect")
    boost_config=$(find "$boost_root" -maxdepth 5 -path '*/cmake/*' -name BoostConfig.cmake 2>/dev/null | head -1)
    if [ -n "$boost_config" ]; then
        boost_args+=(-DBoost_DIR="$(dirname "$boost_config")")
    else
        boost_args+=(-DBoost_NO_BOOST_CMAKE=ON)  # FindBoost's own search, limited to Boost_ROOT
    fi
    boost_libdir=$(find "$boost_root" -maxdepth 3 -name 'libboost_*' -path '*/lib*' 2>/dev/null | head -1)
    boost_libdir=$(dirname "${boost_libdir:-$boost_root/lib/x}")
    run_env=(env LD_LIBRARY_PATH="$boost_libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
    echo "Boost: $boost_root (BOOST_LIB_VERSION $boost_expect, libraries in $boost_libdir)"
else
    echo "Boost: the system's"
fi
prefix_path() {  # prefix_path [dir]: the -DCMAKE_PREFIX_PATH argument for dir and the named Boost
    local p=${1:-}
    [ -n "$boost_root" ] && p=${p:+$p;}$boost_root
    [ -n "$p" ] && echo "-DCMAKE_PREFIX_PATH=$p"
}

# check_boost <build dir> <boost_version binary or ""> : the build used the named Boost, and the
# program reports its version; without ZEROCOPY_BOOST_ROOT it only prints what the build found.
check_boost() {
    local dir=$1 bin=$2 found
    found=$(sed -n 's/^Boost_DIR:[A-Z]*=//p' "$dir/CMakeCache.txt" 2>/dev/null)
    echo "$dir: Boost_DIR=${found:-(not set)}"
    if [ -n "$boost_root" ] && [[ "$found" != "$boost_root"/* ]]; then
        echo "FAILED: $dir did not use the Boost in $boost_root"
        return 1
    fi
    [ -n "$bin" ] || return 0
    [ -x "$bin" ] || { echo "FAILED: $bin was not built"; return 1; }
    "${run_env[@]}" "$bin" $boost_expect || { echo "FAILED: $bin"; return 1; }
    if [ -n "$boost_root" ]; then
        # Every Boost library the program loads must come from the named prefix.
        local libs
        libs=$("${run_env[@]}" ldd "$bin" | awk '/libboost_/ {print $1 " => " $3}')
        [ -n "$libs" ] && echo "$libs"
        if echo "$libs" | grep -v " => $boost_root/" | grep -q .; then
            echo "FAILED: $bin loads a Boost library from outside $boost_root"
            return 1
        fi
    fi
}

# Only the g++ build's packages when that is all that runs; everything otherwise.
stage "install dependencies" bash "$root/scripts/install-deps.sh" $([ "$(echo $stages)" = gcc ] && echo --quick) || exit 1

gcc_dir=$out/gcc-release$boost_sfx
if has gcc; then
    stage "g++ Release build (-Werror)" configure_build "$gcc_dir" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ -DZEROCOPY_WARNINGS_AS_ERRORS=ON \
        -DZEROCOPY_BUILD_BENCHMARKS=$([ $all -eq 1 ] && echo ON || echo OFF) \
        -DZEROCOPY_HEAVY_TESTS=$([ $all -eq 1 ] && echo ON || echo OFF) "${boost_args[@]}" $(prefix_path)
    # Even if some target failed to build: which Boost the build used, and what boost_version says.
    stage "g++ Boost version" check_boost "$gcc_dir" "$gcc_dir/test/boost_version"
fi

if has consumer; then
    # The package as users get it, from the g++ build: installed (CMake find_package, pkg-config
    # with and without --static), through add_subdirectory, and as a .deb (extracted, then CMake and
    # pkg-config --define-prefix). zerocopy_consumer (5 GiB over loopback) and zerocopy_consumer_http
    # run in each. The prefix and the package's folder are made afresh, so that a file left by an
    # earlier run cannot hide a missing install rule.
    # consumer_cmake <build dir> <package prefix or "" for add_subdirectory> <cmake args...>:
    # configure (checking that the package came from that prefix), build, run the consumers.
    consumer_cmake() {
        local dir=$1 from=$2 found http=1
        shift 2
        [[ " $* " == *" -DZEROCOPY_CONSUMER_HTTP=OFF "* ]] && http=0
        rm -rf "$dir"
        cmake -S "$root/test/cmake_test" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
              -DZEROCOPY_CONSUMER_WERROR=ON "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; return 1; }
        if [ -n "$from" ]; then
            found=$(sed -n 's/^zerocopy_DIR:[A-Z]*=//p' "$dir/CMakeCache.txt")
            echo "zerocopy_DIR=$found"
            [[ "$found" == "$from"/* ]] || { echo "FAILED: the zerocopy package did not come from $from"; return 1; }
        fi
        cmake --build "$dir" -j "$jobs" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] (Building|Linking)'
        [ "${PIPESTATUS[0]}" -eq 0 ] || return 1
        [ $http -eq 0 ] || [ -x "$dir/zerocopy_consumer_http" ] || { echo "FAILED: $dir: zerocopy_consumer_http not built (no zerocopy::http?)"; return 1; }
        check_boost "$dir" "" &&
        "${run_env[@]}" ctest --test-dir "$dir" --output-on-failure
    }
    consumer_pkgconfig() {  # consumer_pkgconfig <work dir> <pkg-config path> <pkg-config options...>
        local dir=$1 pcpath=$2
        shift 2
        local pc=(env PKG_CONFIG_PATH="$pcpath" pkg-config "$@")
        rm -rf "$dir" && mkdir -p "$dir" || return 1
        "${pc[@]}" --modversion zerocopy zerocopy-http || return 1
        local cflags libs slibs
        cflags=$("${pc[@]}" --cflags zerocopy-http) && libs=$("${pc[@]}" --libs zerocopy-http) &&
            slibs=$("${pc[@]}" --static --libs zerocopy-http) || return 1
        echo "cflags: $cflags"
        echo "libs: $libs"
        echo "libs --static: $slibs"
        local w=(-Wall -Wextra -Wpedantic -Werror -O2)
        # shellcheck disable=SC2086
        g++ -std=c++20 "${w[@]}" $cflags -c "$root/test/cmake_test/main.cpp" -o "$dir/main.o" &&
        g++ -std=c++17 "${w[@]}" $cflags -c "$root/test/cmake_test/http_main.cpp" -o "$dir/http_main.o" &&
        g++ "$dir/main.o" $("${pc[@]}" --libs zerocopy) -o "$dir/consumer" &&
        g++ "$dir/main.o" $("${pc[@]}" --static --libs zerocopy) -o "$dir/consumer-static" &&
        g++ "$dir/http_main.o" $libs -o "$dir/consumer_http" &&
        g++ "$dir/http_main.o" $slibs -o "$dir/consumer_http-static" || return 1
        # The 5 GiB transfer once (the --static link of it is checked above; with zerocopy's static
        # libraries both links are the same), the HTTP program both ways.
        local p
        for p in consumer consumer_http consumer_http-static; do
            "${run_env[@]}" "$dir/$p" || { echo "FAILED: $dir/$p"; return 1; }
        done
    }
    consumer_deb() {
        local pkgdir=$out/deb$boost_sfx
        rm -rf "$pkgdir" && mkdir -p "$pkgdir" || return 1
        (cd "$gcc_dir" && cpack -G DEB -B "$pkgdir" >"$pkgdir/cpack.log" 2>&1) || { cat "$pkgdir/cpack.log"; return 1; }
        local deb
        deb=$(ls "$pkgdir"/*.deb 2>/dev/null | head -1)
        [ -n "$deb" ] || { echo "FAILED: cpack made no .deb"; cat "$pkgdir/cpack.log"; return 1; }
        echo "$deb:"
        dpkg-deb -f "$deb" Package Version Architecture Maintainer Depends Section || return 1
        dpkg-deb -c "$deb" | awk '{print $6}' | grep -E '\.(a|pc|cmake)$|/include/zerocopy\.hpp$'
        local x=$pkgdir/scratch
        dpkg-deb -x "$deb" "$x" || return 1
        local pcdir
        pcdir=$(dirname "$(find "$x/usr" -name zerocopy.pc | head -1)")
        [ -f "$pcdir/zerocopy-http.pc" ] || { echo "FAILED: the package has no zerocopy.pc / zerocopy-http.pc"; return 1; }
        echo "--- pkg-config --define-prefix, PKG_CONFIG_PATH=$pcdir"
        consumer_pkgconfig "$pkgdir/pkgconfig" "$pcdir" --define-prefix || return 1
        echo "--- CMake, CMAKE_PREFIX_PATH=$x/usr"
        consumer_cmake "$pkgdir/cmake" "$x/usr" "$(prefix_path "$x/usr")" "${boost_args[@]}"
    }
    consumer() {
        local prefix=$out/prefix$boost_sfx
        rm -rf "$prefix" && cmake --install "$gcc_dir" --prefix "$prefix" >/dev/null || return 1
        echo "--- CMake find_package, CMAKE_PREFIX_PATH=$prefix"
        consumer_cmake "$out/consumer$boost_sfx" "$prefix" "$(prefix_path "$prefix")" "${boost_args[@]}" || return 1
        # add_subdirectory configures zerocopy::http too, but only the core consumer is built here:
        # building zerocopy_http's sources once more (they are the g++ build's) would add minutes.
        echo "--- CMake add_subdirectory"
        consumer_cmake "$out/consumer-subdir$boost_sfx" "" -DZEROCOPY_CONSUMER_ADD_SUBDIRECTORY=ON -DZEROCOPY_CONSUMER_HTTP=OFF \
            "${boost_args[@]}" $(prefix_path) || return 1
        echo "--- pkg-config, PKG_CONFIG_PATH=<prefix>/lib/pkgconfig"
        local pcdir
        pcdir=$(dirname "$(find "$prefix" -name zerocopy.pc | head -1)")
        consumer_pkgconfig "$out/consumer-pkgconfig$boost_sfx" "$pcdir" || return 1
        echo "--- Debian package (cpack -G DEB)"
        consumer_deb
    }
    stage "consumer (CMake, pkg-config, .deb)" consumer
fi

if has asan; then
    # With ZEROCOPY_BOOST_ROOT this stage uses that Boost too: the sanitizers then look at the new
    # Boost's headers (Asio, Beast) as compiled into zerocopy and its tests.
    asan_dir=$out/clang-asan$boost_sfx
    asan() {
        configure_build "$asan_dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-14 \
            -DZEROCOPY_WARNINGS_AS_ERRORS=ON -DZEROCOPY_SANITIZE=address,undefined \
            -DZEROCOPY_HEAVY_TESTS=OFF -DZEROCOPY_BUILD_BENCHMARKS=OFF "${boost_args[@]}" $(prefix_path)
        local rc=$?
        check_boost "$asan_dir" "$asan_dir/test/boost_version" || return 1
        [ $rc -eq 0 ] || return $rc
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            "${run_env[@]}" ctest --test-dir "$asan_dir" -j "$ctest_jobs" --output-on-failure --timeout 600 -LE heavy
    }
    stage "clang-14 ASan+UBSan build and tests" asan
fi

if has hardening; then
    # Fuzz replay + fixed-seed runs, ThreadSanitizer build and runs (docs/reliability.md). Always on
    # the system's Boost.
    stage "hardening (fuzz, TSan, smuggling)" env JOBS="$jobs" bash "$root/scripts/hardening.sh" "$root" "$out/hardening"
fi

if has windows; then
    # MinGW-w64 cross build, core and HTTP tests under Wine (a correctness stage, no timings). Always
    # on the system's Boost headers (Debian's 1.81).
    stage "Windows (MinGW-w64 + Wine)" env ZEROCOPY_BUILD_ROOT="$out" JOBS="$jobs" bash "$root/scripts/windows-test.sh"
fi

echo
echo "=== stage durations"
printf '%s\n' "${summary[@]}"

if has gcc; then
    # Last, so that the output ends with CTest's summary of the main suite.
    echo
    echo "=== stage: g++ Release tests (overall status before it: $([ $status -eq 0 ] && echo ok || echo FAILED))"
    t0=$SECONDS
    "${run_env[@]}" ctest --test-dir "$gcc_dir" -j "$ctest_jobs" --output-on-failure --timeout 900 || status=1
    echo "g++ Release tests: $((SECONDS - t0))s"
fi
exit $status
