#!/bin/sh
# Proves that the native path on Windows is TransmitFile: runs one native and one buffered
# transfer of windows_core under Wine's winsock trace and counts WS2_TransmitFile calls.
#   transmitfile_trace.sh <wine> <windows_core.exe>
set -u
wine=$1
exe=$2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
count() {  # count <test case>: WS2_TransmitFile calls made by that test case
    WINEDEBUG=trace+winsock "$wine" "$exe" --run_test="transmitfile/$1" >"$log" 2>&1 || {
        echo "transmitfile/$1 failed:"; grep -v '^[0-9a-f]*:trace:' "$log" | tail -20; return 1; }
    grep -c 'WS2_TransmitFile socket' "$log" || true  # one line per call
}
native=$(count trace_native) || exit 1
buffered=$(count trace_buffered) || exit 1
# With a head (async_sendfile_with_head): one call carries TRANSMIT_FILE_BUFFERS.
count trace_with_head >/dev/null || exit 1
with_buffers=$(grep 'WS2_TransmitFile socket' "$log" | grep -vc 'buffers 0000000000000000' || true)
echo "WS2_TransmitFile calls: native $native, buffered $buffered; with head/tail buffers: $with_buffers"
[ "$native" -ge 1 ] && [ "$buffered" -eq 0 ] && [ "$with_buffers" -eq 1 ]
