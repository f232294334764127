#!/usr/bin/env bash
# Installs what building and testing zerocopy needs on Debian 12 (only what is missing).
set -euo pipefail
packages=(
    cmake ninja-build g++ clang-14 libclang-rt-14-dev pkg-config
    libboost1.81-dev libboost-test1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev
    libssl-dev liburing-dev
    curl wget python3 openssl procps
    g++-mingw-w64-x86-64-posix wine64 wine
)
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
