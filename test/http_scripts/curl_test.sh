#!/bin/sh
# Drives the zerocopy HTTP file server with curl: whole files, ranges (-r), multipart ranges,
# conditional requests (-z, If-None-Match), HEAD (-I), traversal refusals, keep-alive reuse.
#   curl_test.sh <server-executable> [beast]
# Exit status: 0 pass, 1 fail, 77 skipped (no curl).
set -u
server=$1
mode=${2:-zerocopy}
command -v curl >/dev/null 2>&1 || { echo "curl not installed: skipped"; exit 77; }

work=$(mktemp -d /tmp/zerocopy-curl-XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir "$work/root" "$work/root/dir"
head -c 1000000 /dev/urandom > "$work/root/big.bin"
printf 'hello, world\n' > "$work/root/hello.txt"
printf 'dir index\n' > "$work/root/dir/index.html"
: > "$work/root/empty.txt"
touch -d '2001-02-03 04:05:06 UTC' "$work/root/hello.txt"

"$server" "$work/root" "$work/port" "$mode" &
pid=$!
i=0
while [ ! -s "$work/port" ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && { echo "server did not start"; exit 1; }
    sleep 0.05
done
port=$(cat "$work/port")
base="http://127.0.0.1:$port"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
check() {  # check <description> <expected> <actual>
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
code() { rm -f "$work/out"; curl -s -o "$work/out" -D "$work/headers" -w '%{http_code}' "$@"; }
header() { grep -i "^$1:" "$work/headers" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }

# Whole file, byte-exact.
check "GET big.bin status" 200 "$(code "$base/big.bin")"
cmp -s "$work/out" "$work/root/big.bin" && pass "GET big.bin body" || fail "GET big.bin body differs"
check "Accept-Ranges" bytes "$(header Accept-Ranges)"
check "Content-Length" 1000000 "$(header Content-Length)"
check "Last-Modified" "Sat, 03 Feb 2001 04:05:06 GMT" "$(code "$base/hello.txt" >/dev/null; header Last-Modified)"
check "Content-Type" "text/plain; charset=utf-8" "$(header Content-Type)"

# curl -r: one range.
check "range status" 206 "$(code -r 1000-1999 "$base/big.bin")"
dd if="$work/root/big.bin" of="$work/expect" bs=1000 skip=1 count=1 2>/dev/null
cmp -s "$work/out" "$work/expect" && pass "range body" || fail "range body differs"
check "Content-Range" "bytes 1000-1999/1000000" "$(header Content-Range)"
check "suffix range status" 206 "$(code -r -100 "$base/big.bin")"
tail -c 100 "$work/root/big.bin" > "$work/expect"
cmp -s "$work/out" "$work/expect" && pass "suffix range body" || fail "suffix range body differs"

# curl -r: several ranges → multipart/byteranges.
check "multipart status" 206 "$(code -r 0-9,500000-500009 "$base/big.bin")"
case "$(header Content-Type)" in
    multipart/byteranges\;\ boundary=*) pass "multipart Content-Type" ;;
    *) fail "multipart Content-Type: $(header Content-Type)" ;;
esac
grep -q "Content-Range: bytes 0-9/1000000" "$work/out" && grep -q "Content-Range: bytes 500000-500009/1000000" "$work/out" \
    && pass "multipart part headers" || fail "multipart part headers missing"
check "multipart length" "$(header Content-Length)" "$(wc -c < "$work/out" | tr -d ' ')"
# Parts in the order of the range-specs (overlapping ones merged where the earliest stood).
code -r 500000-500009,0-9,5-20 "$base/big.bin" >/dev/null
check "multipart request order" "bytes 500000-500009/1000000 bytes 0-20/1000000" \
    "$(grep -a '^Content-Range:' "$work/out" | cut -d' ' -f2- | tr -d '\r' | tr '\n' ' ' | sed 's/ $//')"

# Unsatisfiable → 416.
check "416 status" 416 "$(code -r 2000000- "$base/big.bin")"
check "416 Content-Range" "bytes */1000000" "$(header Content-Range)"

# curl -z: If-Modified-Since.
check "-z same date → 304" 304 "$(code -z "Sat, 03 Feb 2001 04:05:06 GMT" "$base/hello.txt")"
check "304 has no body" 0 "$(cat "$work/out" 2>/dev/null | wc -c | tr -d ' ')"
check "-z older date → 200" 200 "$(code -z "Fri, 02 Feb 2001 04:05:06 GMT" "$base/hello.txt")"
check "-z newer-than file (reverse) → 412" 412 "$(code -z "-Fri, 02 Feb 2001 04:05:06 GMT" "$base/hello.txt")"

# ETag round trip.
code "$base/hello.txt" >/dev/null
etag=$(header ETag)
check "If-None-Match → 304" 304 "$(code -H "If-None-Match: $etag" "$base/hello.txt")"
check "If-Range + range → 206" 206 "$(code -r 0-4 -H "If-Range: $etag" "$base/hello.txt")"
check "If-Range body" "hello" "$(cat "$work/out")"

# curl -I: HEAD.
curl -s -I "$base/big.bin" > "$work/headers"
check "HEAD status" "HTTP/1.1 200 OK" "$(head -n 1 "$work/headers" | tr -d '\r')"
check "HEAD Content-Length" 1000000 "$(header Content-Length)"
check "HEAD ETag present" yes "$( [ -n "$(header ETag)" ] && echo yes)"

# Directories and refusals.
check "dir redirect" 301 "$(code "$base/dir")"
check "dir Location" "/dir/" "$(header Location)"
check "dir index" "dir index" "$(code "$base/dir/" >/dev/null; cat "$work/out")"
check "traversal refused" 400 "$(code --path-as-is "$base/../../etc/passwd")"
check "encoded traversal refused" 400 "$(code --path-as-is "$base/%2e%2e/%2e%2e/etc/passwd")"
# Empty and dot segments: 301 to the canonical path (never to "//host"); above the root stays 400.
check "dot segments redirect" 301 "$(code --path-as-is "$base/dir/../hello.txt?x=1")"
check "dot segments Location" "/hello.txt?x=1" "$(header Location)"
check "empty segment redirect" 301 "$(code --path-as-is "$base//hello.txt")"
check "empty segment Location" "/hello.txt" "$(header Location)"
check "no open redirect" "/evil.example" "$(code --path-as-is "$base/.//evil.example" >/dev/null; header Location)"
check "redirect followed" "hello, world" "$(curl -s -L --path-as-is "$base/./dir/../hello.txt")"
check "above the root after normalizing" 400 "$(code --path-as-is "$base/dir/../../hello.txt")"
check "missing" 404 "$(code "$base/nope")"
check "POST" 405 "$(code -X POST -d x "$base/hello.txt")"
check "empty file with range" 200 "$(code -r 0-10 "$base/empty.txt")"

# Keep-alive: curl reuses one connection for several URLs.
curl -s -o /dev/null -o /dev/null -o /dev/null -w '%{http_code}%{num_connects} ' \
    "$base/hello.txt" "$base/big.bin" "$base/hello.txt" > "$work/ka"
check "keep-alive reuse" "2001 2000 2000 " "$(cat "$work/ka")"

if [ $failures -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all curl checks passed"
