#!/bin/sh
# Proves the HTTP layer's path on Windows: under Wine's winsock trace, zerocopy::http::async_write
# of a response<file_body> (beast::file_win32) reaches WS2_TransmitFile with a head buffer (the
# response header), a multipart range_body response makes one TransmitFile per part, each with a
# head (its part header), and Beast's own beast::http::async_write of the same response never
# calls TransmitFile (boostorg/beast#1963). Wine prints the TRANSMIT_FILE_BUFFERS pointer
# ("buffers 0000000000000000" when there is none), not its lengths; the test cases check every
# byte received.
#   http_trace.sh <wine> <windows_integration_http.exe>
set -u
wine=$1
exe=$2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() {  # run <test case>: the trace of that case in $log
    WINEDEBUG=trace+winsock "$wine" "$exe" --run_test="http_trace/$1" >"$log" 2>&1 || {
        echo "http_trace/$1 failed:"; grep -v '^[0-9a-f]*:trace:' "$log" | tail -20; return 1; }
}
calls() { grep -c 'WS2_TransmitFile socket' "$log" || true; }
with_head() { grep 'WS2_TransmitFile socket' "$log" | grep -vc 'buffers 0000000000000000' || true; }

run zerocopy_file_body || exit 1
file_calls=$(calls); file_heads=$(with_head)
run zerocopy_range_body || exit 1
range_calls=$(calls); range_heads=$(with_head)
run beast_file_body || exit 1
beast_calls=$(calls)
echo "zerocopy::http file_body: $file_calls TransmitFile call(s), $file_heads with a head buffer"
echo "zerocopy::http range_body (3 parts): $range_calls TransmitFile call(s), $range_heads with a head buffer"
echo "beast::http::async_write file_body: $beast_calls TransmitFile call(s)"
[ "$file_calls" -ge 1 ] && [ "$file_heads" -eq 1 ] && [ "$range_heads" -eq 3 ] && [ "$beast_calls" -eq 0 ]
