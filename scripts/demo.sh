#!/usr/bin/env bash
# Run it: on a fresh Debian 12 machine, installs what is missing (apt), builds http_file_server in
# Release, and serves examples/http_file_server/www plus a generated 256 MiB demo.bin. The server
# prints "listening on http://127.0.0.1:8080/": open that URL. Ctrl-C stops it.
#
#   bash scripts/demo.sh                      # port 8080 on 127.0.0.1
#   bash scripts/demo.sh --port 0             # any free port
#   bash scripts/demo.sh --address 0.0.0.0    # reachable from other machines (careful)
#
# Arguments go to the server (see --help). ZEROCOPY_DEMO_BUILD sets the build directory
# (default: build-demo in the repository).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ZEROCOPY_DEMO_BUILD:-$root/build-demo}

packages=(cmake ninja-build g++ pkg-config libboost1.81-dev libboost-url1.81-dev
          libboost-program-options1.81-dev libssl-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "demo.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
        sudo=sudo
    fi
    echo "demo.sh: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

echo "demo.sh: building http_file_server (Release) in $build" >&2
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DZEROCOPY_BUILD_TESTS=OFF \
      -DZEROCOPY_BUILD_BENCHMARKS=OFF -DZEROCOPY_INSTALL=OFF >"$build.configure.log" 2>&1 ||
    { cat "$build.configure.log" >&2; exit 1; }
cmake --build "$build" --target http_file_server >&2

# The served directory: the shipped page plus a larger file, both build-side (never committed).
www=$build/demo-www
mkdir -p "$www"
cp -r "$root/examples/http_file_server/www/." "$www/"
if [ ! -s "$www/demo.bin" ]; then
    echo "demo.sh: generating $www/demo.bin (256 MiB)" >&2
    head -c $((256 * 1024 * 1024)) /dev/urandom >"$www/demo.bin.tmp"
    mv "$www/demo.bin.tmp" "$www/demo.bin"
fi

echo "demo.sh: serving $www — open the URL below; Ctrl-C stops the server" >&2
exec "$build/examples/http_file_server/http_file_server" --root "$www" "$@"
