// Header and body leave together: with Nagle's algorithm on at both ends (TCP_NODELAY off, asserted),
// small keep-alive responses one after another never wait for a delayed ACK (a stall costs 40 ms or
// more each, so 200 stalls would take 8 s; the limit is 2 s per batch, expected a few tens of ms).
#include <zerocopy/http.hpp>

#include "http_test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>

using namespace zerocopy_http_test;

namespace {

constexpr int rounds = 200;
constexpr double limit = 2.0;  // seconds

template <class Fn>
std::chrono::duration<double> timed(Fn fn) {
    auto const start = std::chrono::steady_clock::now();
    fn();
    return std::chrono::steady_clock::now() - start;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_nagle)

BOOST_AUTO_TEST_CASE(sequential_keep_alive_small_responses) {
    temp_dir dir;
    std::string const small = pattern(4096);
    dir.write("4k.bin", small);
    dir.write("empty.bin", "");
    file_server server(dir.path);
    client c(server.port());
    BOOST_TEST_REQUIRE(!nodelay(c.socket()));

    std::string const etag = std::string(c.get("/4k.bin")[bhttp::field::etag]);

    auto const gets = timed([&] {
        for (int i = 0; i < rounds; ++i) {
            auto r = c.get("/4k.bin");
            if (r.result_int() != 200 || r.body() != small) BOOST_FAIL("bad GET response");
        }
    });
    auto const heads = timed([&] {
        for (int i = 0; i < rounds; ++i)
            if (c.get("/4k.bin", "", "HEAD").result_int() != 200) BOOST_FAIL("bad HEAD response");
    });
    auto const not_modified = timed([&] {
        for (int i = 0; i < rounds; ++i)
            if (c.get("/4k.bin", "If-None-Match: " + etag + "\r\n").result_int() != 304)
                BOOST_FAIL("bad 304 response");
    });
    auto const empties = timed([&] {
        for (int i = 0; i < rounds; ++i) {
            auto r = c.get("/empty.bin");
            if (r.result_int() != 200 || !r.body().empty()) BOOST_FAIL("bad empty response");
        }
    });
    // Ranges too: a 206 of a few bytes and a small multipart response.
    auto const ranges = timed([&] {
        for (int i = 0; i < rounds; ++i) {
            if (c.get("/4k.bin", "Range: bytes=0-99\r\n").result_int() != 206) BOOST_FAIL("bad 206");
            if (c.get("/4k.bin", "Range: bytes=0-9,2000-2009\r\n").result_int() != 206)
                BOOST_FAIL("bad multipart");
        }
    });

    BOOST_TEST(server.all_nagle());  // the server's sockets had TCP_NODELAY off too
    BOOST_TEST(!nodelay(c.socket()));
    BOOST_TEST_MESSAGE("GET " << gets.count() << " s, HEAD " << heads.count() << " s, 304 "
                              << not_modified.count() << " s, empty " << empties.count() << " s, ranges "
                              << ranges.count() << " s");
    BOOST_TEST(gets.count() < limit);
    BOOST_TEST(heads.count() < limit);
    BOOST_TEST(not_modified.count() < limit);
    BOOST_TEST(empties.count() < limit);
    BOOST_TEST(ranges.count() < limit);
}

BOOST_AUTO_TEST_SUITE_END()
