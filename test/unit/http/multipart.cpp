#include <zerocopy/http/multipart.hpp>

#include <boost/test/unit_test.hpp>

#include <set>

using namespace zerocopy::http;

BOOST_AUTO_TEST_SUITE(http_multipart)

BOOST_AUTO_TEST_CASE(layout_bytes) {
    auto const l = make_multipart_layout({{0, 5}, {10, 3}}, 20, "text/plain", "BOUND");
    BOOST_TEST(l.boundary == "BOUND");
    BOOST_TEST(l.content_type() == "multipart/byteranges; boundary=BOUND");
    BOOST_TEST_REQUIRE(l.pieces.size() == 3u);
    BOOST_TEST(l.pieces[0].prefix ==
               "--BOUND\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-4/20\r\n\r\n");
    BOOST_TEST(l.pieces[0].offset == 0u);
    BOOST_TEST(l.pieces[0].length == 5u);
    BOOST_TEST(l.pieces[1].prefix ==
               "\r\n--BOUND\r\nContent-Type: text/plain\r\nContent-Range: bytes 10-12/20\r\n\r\n");
    BOOST_TEST(l.pieces[1].offset == 10u);
    BOOST_TEST(l.pieces[1].length == 3u);
    BOOST_TEST(l.pieces[2].prefix == "\r\n--BOUND--\r\n");
    BOOST_TEST(l.pieces[2].length == 0u);
    std::uint64_t total = 0;
    for (auto const& p : l.pieces) total += p.prefix.size() + p.length;
    BOOST_TEST(l.content_length == total);

    // Rendered with a known file content, the body is exactly this text.
    std::string const file = "0123456789abcdefghij";
    std::string body;
    for (auto const& p : l.pieces) body += p.prefix + file.substr(p.offset, p.length);
    BOOST_TEST(body ==
               "--BOUND\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-4/20\r\n\r\n01234"
               "\r\n--BOUND\r\nContent-Type: text/plain\r\nContent-Range: bytes 10-12/20\r\n\r\nabc"
               "\r\n--BOUND--\r\n");
    BOOST_TEST(body.size() == l.content_length);
}

BOOST_AUTO_TEST_CASE(no_part_type_and_large_offsets) {
    std::uint64_t const big = 5ull << 30;
    auto const l = make_multipart_layout({{1, 1}, {big - 2, 2}}, big, "", "B");
    BOOST_TEST(l.pieces[0].prefix == "--B\r\nContent-Range: bytes 1-1/5368709120\r\n\r\n");
    BOOST_TEST(l.pieces[1].prefix ==
               "\r\n--B\r\nContent-Range: bytes 5368709118-5368709119/5368709120\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(boundaries) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        auto b = make_boundary();
        BOOST_TEST(b.size() == 24u);
        for (char c : b) BOOST_TEST(std::isalnum(static_cast<unsigned char>(c)) != 0);
        seen.insert(b);
    }
    BOOST_TEST(seen.size() == 100u);
    BOOST_TEST(make_multipart_layout({{0, 1}}, 1, "x").boundary.size() == 24u);
}

BOOST_AUTO_TEST_SUITE_END()
