// A second program outside the library, for the zerocopy::http part: it calls into the compiled
// zerocopy_http library (Range parsing, target decoding — which uses Boost.URL) and into the core
// (the error category), so that linking it proves the package names every library it needs,
// whether through CMake (zerocopy::http) or pkg-config (zerocopy-http.pc).
//
// Exit status: 0 on success, 1 if a check failed.
#include <zerocopy.hpp>
#include <zerocopy/http.hpp>

#include <cstdio>
#include <string>

namespace {
int failures = 0;
void expect(bool ok, char const* what) {
    if (!ok) {
        std::fprintf(stderr, "zerocopy_consumer_http: FAILED: %s\n", what);
        ++failures;
    }
}
}  // namespace

int main() {
    namespace zh = zerocopy::http;

    // Two ranges further apart than range_limits::coalesce_gap (80 bytes), so they stay two.
    auto const r = zh::parse_range("bytes=0-9,500-", 1000);
    expect(r.status == zh::range_status::satisfiable, "parse_range: satisfiable");
    expect(r.ranges.size() == 2 && r.ranges[0].offset == 0 && r.ranges[0].length == 10 &&
               r.ranges[1].offset == 500 && r.ranges[1].length == 500,
           "parse_range: the two ranges");

    auto const t = zh::decode_target("/docs/a%20b.txt?x=1");
    expect(t.valid && t.segments.size() == 2 && t.segments[1] == "a b.txt" && t.encoded_query == "x=1",
           "decode_target: segments and query");
    expect(!zh::decode_target("/a/%2e%2e/b").valid, "decode_target: refuses %2e%2e");

    std::string const msg = make_error_code(zerocopy::error::unexpected_eof).message();
    expect(!msg.empty(), "zerocopy::error category message");

    if (failures) return 1;
    std::printf("zerocopy_consumer_http: OK (%s)\n", msg.c_str());
    return 0;
}
