// Random and adversarial inputs through every public parser (the hardening work fuzzes them; this
// fixed-seed run keeps the invariants checked in every build, under the sanitizers too).
#include <zerocopy/http.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <random>

using namespace zerocopy::http;

namespace {

// Strings made of fragments that matter to the grammars, mixed with random bytes.
std::string random_input(std::mt19937_64& rng) {
    static char const* const pieces[] = {
        "bytes",
        "=",
        "-",
        ",",
        " ",
        "\t",
        "0",
        "1",
        "9",
        "99999999999999999999",
        "W/",
        "\"",
        "*",
        "/",
        "%",
        "%2e",
        "%2f",
        "%5c",
        "%00",
        "%25",
        "..",
        ".",
        "?",
        "#",
        "\\",
        "GMT",
        "Sun, ",
        "Sunday, ",
        "Nov",
        "-94 ",
        " 1994",
        "06",
        ":",
        "\r\n",
        "\n",
        " ",
        "Content-Length: 5",
        "Transfer-Encoding: chunked",
        "HTTP/1.0",
        "HTTP/1.1",
        "GET / ",
        "x",
        "a",
        "\xff",
        "\x80",
    };
    std::uniform_int_distribution<int> count(0, 12), pick(0, sizeof pieces / sizeof *pieces - 1),
        byte(0, 255), coin(0, 3);
    std::string s;
    for (int i = count(rng); i > 0; --i) {
        if (coin(rng) == 0)
            s.push_back(static_cast<char>(byte(rng)));
        else
            s += pieces[pick(rng)];
    }
    return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_random_inputs)

BOOST_AUTO_TEST_CASE(invariants_hold) {
    std::mt19937_64 rng(20261122);
    std::uniform_int_distribution<std::uint64_t> sizes(0, 5000);
    entity_tag const current = *parse_entity_tag("\"abc\"");
    for (int i = 0; i < 30000; ++i) {
        std::string const in = random_input(rng);
        std::uint64_t const size = sizes(rng);

        auto const r = parse_range(in, size);
        if (r.status == range_status::satisfiable) {
            BOOST_TEST_REQUIRE(!r.ranges.empty());
            // In request order; disjoint and not touching once sorted; total never above the size.
            std::uint64_t total = 0, end = 0;
            auto sorted = r.ranges;
            std::sort(sorted.begin(), sorted.end(),
                      [](byte_range const& a, byte_range const& b) { return a.offset < b.offset; });
            for (std::size_t k = 0; k < sorted.size(); ++k) {
                auto const& x = sorted[k];
                BOOST_TEST_REQUIRE(x.length > 0u);
                BOOST_TEST_REQUIRE(x.offset + x.length <= size);
                if (k) BOOST_TEST_REQUIRE(x.offset > end);
                end = x.offset + x.length;
                total += x.length;
            }
            BOOST_TEST_REQUIRE(total <= size);
        } else {
            BOOST_TEST_REQUIRE(r.ranges.empty());
        }

        if (auto const t = parse_http_date(in, 1795000000)) {
            auto const again = parse_http_date(format_http_date(*t), 1795000000);
            BOOST_TEST_REQUIRE(again.has_value());
            BOOST_TEST_REQUIRE(*again == *t);
        }

        if (auto const tag = parse_entity_tag(in)) {
            BOOST_TEST_REQUIRE(tag->opaque.size() >= 2u);
            BOOST_TEST_REQUIRE(tag->opaque.front() == '"');
            BOOST_TEST_REQUIRE(tag->opaque.back() == '"');
        }
        (void)match_etag_list(in, current, etag_comparison::strong);
        (void)match_etag_list(in, current, etag_comparison::weak);

        request_conditions c;
        c.if_match = in;
        c.if_modified_since = in;
        (void)evaluate_preconditions(c, {"\"abc\"", 784111777}, true, 1795000000);
        (void)evaluate_if_range(in, {"\"abc\"", 784111777});

        std::string const target = (i % 2 ? "/" : "") + in;
        auto const d = decode_target(target);
        if (d.valid) {
            for (auto const& seg : d.segments) {
                BOOST_TEST_REQUIRE(!seg.empty());
                BOOST_TEST_REQUIRE(seg != ".");
                BOOST_TEST_REQUIRE(seg != "..");
                BOOST_TEST_REQUIRE(seg.find_first_of(std::string("/\\\0", 3)) == std::string::npos);
            }
        }

        auto const f = check_request_header_bytes(in);
        BOOST_TEST_REQUIRE(
            (framing_status(f) == 0u || framing_status(f) == 400u || framing_status(f) == 501u));
        (void)mime_type(in);
    }
}

BOOST_AUTO_TEST_SUITE_END()
