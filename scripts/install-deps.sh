#!/usr/bin/env bash
# Installs what building and testing zerocopy needs on Debian 12 (only what is missing).
#
#   bash scripts/install-deps.sh          # everything scripts/test.sh --all uses
#   bash scripts/install-deps.sh --quick  # only what the g++ build and its tests use (scripts/test.sh)
set -euo pipefail
packages=(
    cmake ninja-build g++ pkg-config
    libboost1.81-dev libboost-test1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev
    libssl-dev liburing-dev
    curl wget python3 openssl procps
    strace  # issue 13: the syscall-count test (test/examples/syscalls_test.py)
)
if [ "${1:-}" != "--quick" ]; then
    # clang: the ASan+UBSan stage, the fuzzers and TSan; valgrind: memcheck; MinGW-w64 and Wine:
    # the Windows stage.
    packages+=(clang-14 libclang-rt-14-dev valgrind g++-mingw-w64-x86-64-posix wine64 wine)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
