#include <zerocopy/http/range.hpp>

#include <boost/test/unit_test.hpp>

#include <string>

using namespace zerocopy::http;

namespace {
std::vector<byte_range> ok(std::string_view v, std::uint64_t size, range_limits lim = {}) {
    auto r = parse_range(v, size, lim);
    BOOST_TEST_INFO("value: " << v);
    BOOST_TEST(static_cast<int>(r.status) == static_cast<int>(range_status::satisfiable));
    return r.ranges;
}
range_status status(std::string_view v, std::uint64_t size, range_limits lim = {}) {
    return parse_range(v, size, lim).status;
}
bool same(std::vector<byte_range> const& a, std::vector<byte_range> const& b) {
    return a == b;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(http_range)

BOOST_AUTO_TEST_CASE(rfc9110_examples) {
    // RFC 9110 section 14.1.2, representation of 10000 bytes.
    BOOST_TEST(same(ok("bytes=0-499", 10000), {{0, 500}}));
    BOOST_TEST(same(ok("bytes=500-999", 10000), {{500, 500}}));
    BOOST_TEST(same(ok("bytes=-500", 10000), {{9500, 500}}));
    BOOST_TEST(same(ok("bytes=9500-", 10000), {{9500, 500}}));
    BOOST_TEST(same(ok("bytes=0-0,-1", 10000), {{0, 1}, {9999, 1}}));
    // "bytes= 0-999, 4500-5499, -1000": OWS allowed around commas and after "=".
    BOOST_TEST(same(ok("bytes= 0-999, 4500-5499, -1000", 10000), {{0, 1000}, {4500, 1000}, {9000, 1000}}));
    // Overlapping / adjacent: merged.
    BOOST_TEST(same(ok("bytes=500-600,601-999", 10000), {{500, 500}}));
    BOOST_TEST(same(ok("bytes=500-700,601-999", 10000), {{500, 500}}));
}

BOOST_AUTO_TEST_CASE(clamping_and_saturation) {
    BOOST_TEST(same(ok("bytes=0-99999", 100), {{0, 100}}));
    BOOST_TEST(same(ok("bytes=-99999", 100), {{0, 100}}));
    BOOST_TEST(same(ok("bytes=0-99999999999999999999999999", 100), {{0, 100}}));
    BOOST_TEST(same(ok("bytes=-99999999999999999999999999", 100), {{0, 100}}));
    BOOST_TEST(same(ok("bytes=99-", 100), {{99, 1}}));
    BOOST_TEST(same(ok("bytes=0-", 1), {{0, 1}}));
    BOOST_TEST(same(ok("BYTES=1-2", 100), {{1, 2}}));  // the unit is case-insensitive
    BOOST_TEST(same(ok("bytes=5-5", 100), {{5, 1}}));
    // Large offsets (beyond 4 GiB).
    std::uint64_t const big = 6ull << 30;
    BOOST_TEST(same(ok("bytes=5368709120-", big), {{5368709120ull, big - 5368709120ull}}));
    BOOST_TEST(same(ok("bytes=-1", big), {{big - 1, 1}}));
}

BOOST_AUTO_TEST_CASE(unsatisfiable) {
    BOOST_TEST((status("bytes=100-", 100) == range_status::unsatisfiable));
    BOOST_TEST((status("bytes=100-200", 100) == range_status::unsatisfiable));
    BOOST_TEST((status("bytes=-0", 100) == range_status::unsatisfiable));
    BOOST_TEST((status("bytes=100-200,300-", 100) == range_status::unsatisfiable));
    BOOST_TEST((status("bytes=99999999999999999999999-", 100) == range_status::unsatisfiable));
    BOOST_TEST((status("bytes=0-", 0) == range_status::unsatisfiable));
    BOOST_TEST((status("bytes=-5", 0) == range_status::unsatisfiable));
    // One satisfiable range among unsatisfiable ones is enough.
    BOOST_TEST(same(ok("bytes=200-300,5-9", 100), {{5, 5}}));
}

BOOST_AUTO_TEST_CASE(invalid) {
    for (std::string_view v : std::initializer_list<std::string_view>{"",
                                                                      "bytes",
                                                                      "bytes=",
                                                                      "bytes=,",
                                                                      "bytes= , ",
                                                                      "bytes=-",
                                                                      "bytes=a-b",
                                                                      "bytes=1-a",
                                                                      "bytes=5-4",
                                                                      "bytes=1-2-3",
                                                                      "bytes=--1",
                                                                      "bytes=1",
                                                                      "bytes=+1-2",
                                                                      "bytes=1 -2",
                                                                      "bytes=1- 2",
                                                                      "bytes=0x10-",
                                                                      "bytes=1-2;x",
                                                                      "=1-2",
                                                                      "by tes=1-2",
                                                                      "bytes==1-2",
                                                                      "bytes=1-2,5-4",
                                                                      "bytes=-1-2",
                                                                      "bytes=1-2 3",
                                                                      std::string_view("bytes=1-\0", 9),
                                                                      "bytes=\xff-1",
                                                                      "bytes 1-2"}) {
        BOOST_TEST_INFO("value: " << v);
        BOOST_TEST((status(v, 100) == range_status::invalid));
    }
    BOOST_TEST((status("items=1-2", 100) == range_status::unsupported_unit));
    BOOST_TEST((status("none", 100) == range_status::invalid));
}

BOOST_AUTO_TEST_CASE(abuse_limits) {
    // CVE-2011-3192 shape: many overlapping ranges are coalesced, total never above the size.
    std::string v = "bytes=0-";
    for (int i = 1; i < 60; ++i) v += ",5-" + std::to_string(i * 7);
    BOOST_TEST(same(ok(v, 1000), {{0, 1000}}));

    std::string many = "bytes=0-0";
    for (int i = 1; i < 65; ++i) many += "," + std::to_string(i * 1000) + "-" + std::to_string(i * 1000);
    BOOST_TEST((status(many, 1000000) == range_status::too_many_ranges));  // 65 specs > 64
    range_limits lim;
    lim.max_ranges = 100;
    BOOST_TEST(ok(many, 1000000, lim).size() == 65u);

    // Small gaps are merged (gap <= 80 bytes), larger ones are not; the parts keep the request's order.
    BOOST_TEST(same(ok("bytes=100-199,0-9", 1000), {{100, 100}, {0, 10}}));
    BOOST_TEST(same(ok("bytes=50-59,0-9", 1000), {{0, 60}}));
    lim.coalesce_gap = 0;
    BOOST_TEST(same(ok("bytes=10-19,0-9", 1000, lim), {{0, 20}}));  // adjacent still merges
    BOOST_TEST(same(ok("bytes=11-19,0-9", 1000, lim), {{11, 9}, {0, 10}}));

    // Request order after coalescing: a merged range stands where its earliest range-spec stood.
    BOOST_TEST(same(ok("bytes=500-599,0-9,900-909,20-29", 1000), {{500, 100}, {0, 30}, {900, 10}}));
    BOOST_TEST(same(ok("bytes=900-909,500-599,20-29,0-9", 1000), {{900, 10}, {500, 100}, {0, 30}}));
    BOOST_TEST(same(ok("bytes=-10,0-9", 1000), {{990, 10}, {0, 10}}));
    BOOST_TEST(same(ok("bytes=2000-,700-799,0-9,5000-6000,650-660", 1000), {{650, 150}, {0, 10}}));

    // Never more total bytes than the representation.
    auto r = ok("bytes=0-999,0-999,0-999,-1000", 1000);
    std::uint64_t total = 0;
    for (auto const& x : r) total += x.length;
    BOOST_TEST(total == 1000u);
}

BOOST_AUTO_TEST_CASE(any_bytes) {
    // Every byte value in every position: must not crash; results obey the invariants.
    std::string v = "bytes=1-2,3-4";
    for (std::size_t i = 0; i < v.size(); ++i)
        for (int c = 0; c < 256; ++c) {
            std::string w = v;
            w[i] = static_cast<char>(c);
            auto r = parse_range(w, 50);
            for (auto const& x : r.ranges) {
                BOOST_TEST(x.length > 0u);
                BOOST_TEST(x.offset + x.length <= 50u);
            }
        }
}

BOOST_AUTO_TEST_SUITE_END()
