// zerocopy::http and the Boost-version-dependent parts (include/zerocopy/detail/config.hpp), over
// real loopback sockets and files:
// - Boost 1.86+: asio::cancel_after on http::async_write and http::async_read_request;
// - Boost 1.82+: the immediate executor of an operation that completes before any I/O;
// - Boost 1.82+: a seeked beast::http::file_body sends what Beast sends (and, unlike Beast, leaves
//   the file's position where it was); before 1.82, [0, size()).
#include <zerocopy/http/read.hpp>
#include <zerocopy/http/write.hpp>

#include "common/counting_executor.hpp"
#include "http_test_util.hpp"

#include <boost/beast/http/file_body.hpp>
#include <boost/test/unit_test.hpp>
#if ZEROCOPY_HAS_IMMEDIATE_EXECUTOR
#include <boost/asio/bind_immediate_executor.hpp>
#endif
#if ZEROCOPY_HAS_CANCEL_AFTER
#include <boost/asio/cancel_after.hpp>
#endif

#include <chrono>

using namespace zerocopy_http_test;
namespace zh = zerocopy::http;

namespace {

using pair = loopback_pair;

// Everything `s` receives until EOF, read on the caller's thread (blocking).
std::string read_all(tcp::socket& s) {
    std::string out;
    char buf[65536];
    for (;;) {
        beast::error_code ec;
        std::size_t const n = s.read_some(asio::buffer(buf), ec);
        out.append(buf, n);
        if (ec) break;
    }
    return out;
}

// The bytes a writer puts on the wire for `res`, with `write(socket, res, done)` started on `p.a`.
template <class Response, class Write>
std::string wire_bytes(Response& res, Write write) {
    pair p;
    bool done = false;
    std::string got;
    std::thread reader([&] { got = read_all(p.b); });
    write(p.a, res, [&](beast::error_code ec, std::size_t) {
        BOOST_TEST(!ec);
        done = true;
        p.a.shutdown(tcp::socket::shutdown_send);
    });
    p.ioc.run();
    reader.join();
    BOOST_TEST(done);
    return got;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_asio_idioms)

BOOST_AUTO_TEST_CASE(file_body_position) {
    temp_dir dir;
    std::string const content = pattern(300000);
    std::string const path = dir.write("f", content);
    auto make = [&](std::uint64_t pos) {
        bhttp::response<bhttp::file_body> res{bhttp::status::ok, 11};
        beast::error_code ec;
        res.body().open(path.c_str(), beast::file_mode::scan, ec);
        BOOST_TEST_REQUIRE(!ec);
#if ZEROCOPY_BEAST_FILE_BODY_HAS_POSITION
        if (pos != 0) res.body().seek(pos, ec);
        BOOST_TEST_REQUIRE(!ec);
#else
        (void)pos;
#endif
        res.prepare_payload();
        return res;
    };
    for (std::uint64_t pos :
         {std::uint64_t(0), std::uint64_t(1), std::uint64_t(123457), std::uint64_t(300000)}) {
        auto ours = make(pos);
        auto beasts = make(pos);
        std::string const zc = wire_bytes(
            ours, [](tcp::socket& s, auto& res, auto h) { zh::async_write(s, res, std::move(h)); });
        std::string const bt = wire_bytes(
            beasts, [](tcp::socket& s, auto& res, auto h) { bhttp::async_write(s, res, std::move(h)); });
        BOOST_TEST(zc == bt);  // the same header and the same body bytes as Beast's writer
#if ZEROCOPY_BEAST_FILE_BODY_HAS_POSITION
        BOOST_TEST(zc.size() >= content.size() - pos);
        BOOST_TEST(zc.compare(zc.size() - (content.size() - pos), std::string::npos, content, pos) == 0);
        // Sent at explicit offsets: the file's position is where the application left it.
        beast::error_code ec;
        BOOST_TEST(ours.body().file().pos(ec) == pos);
#else
        BOOST_TEST(zc.compare(zc.size() - content.size(), std::string::npos, content) == 0);
#endif
        // The blocking twin sends the same bytes.
        auto sync = make(pos);
        std::string const zs = wire_bytes(sync, [](tcp::socket& s, auto& res, auto h) {
            beast::error_code ec;
            zh::write(s, res, ec);
            h(ec, 0);
        });
        BOOST_TEST(zs == bt);
    }
}

#if ZEROCOPY_HAS_IMMEDIATE_EXECUTOR
BOOST_AUTO_TEST_CASE(early_completions_use_the_immediate_executor) {
    temp_dir dir;
    std::string const path = dir.write("f", pattern(1000));
    {
        // A body that ends past its file: async_write fails before any byte, with no I/O.
        pair p;
        zh::file_response res{bhttp::status::ok, 11};
        beast::error_code ec;
        res.body().open(path.c_str(), ec);
        BOOST_TEST_REQUIRE(!ec);
        res.prepare_payload();
        std::filesystem::resize_file(path, 10);
        int dispatched = 0;
        bool done = false;
        zh::async_write(p.a, res,
                        asio::bind_immediate_executor(zerocopy_test::counting_executor{&dispatched, &p.ioc},
                                                      [&](beast::error_code wec, std::size_t n) {
                                                          done = true;
                                                          BOOST_TEST(wec == zerocopy::error::unexpected_eof);
                                                          BOOST_TEST(n == 0u);
                                                      }));
        BOOST_TEST(dispatched == 1);
        p.ioc.run();
        BOOST_TEST(done);
    }
    {
        // A request whose framing defect is already in the buffer: no read happens.
        pair p;
        beast::flat_buffer buffer;
        std::string const raw = "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n";  // obs-fold
        asio::buffer_copy(buffer.prepare(raw.size()), asio::buffer(raw));
        buffer.commit(raw.size());
        bhttp::request_parser<bhttp::empty_body> parser;
        int dispatched = 0;
        bool done = false;
        zh::async_read_request(p.a, buffer, parser,
                               asio::bind_immediate_executor(
                                   zerocopy_test::counting_executor{&dispatched, &p.ioc},
                                   [&](beast::error_code rec, std::size_t) {
                                       done = true;
                                       BOOST_TEST((zh::framing_error_of(rec) != zh::framing_error::none));
                                   }));
        BOOST_TEST(dispatched == 1);
        p.ioc.run();
        BOOST_TEST(done);
    }
}
#endif

#if ZEROCOPY_HAS_CANCEL_AFTER
BOOST_AUTO_TEST_CASE(cancel_after_ends_a_stalled_response) {
    temp_dir dir;
    std::string const content = pattern(48 << 20);
    std::string const path = dir.write("big", content);
    for (auto mode : {zerocopy::send_mode::automatic, zerocopy::send_mode::buffered}) {
        pair p;  // p.b reads nothing until the operation is over
        zh::file_response res{bhttp::status::ok, 11};
        beast::error_code ec;
        res.body().open(path.c_str(), ec);
        BOOST_TEST_REQUIRE(!ec);
        res.prepare_payload();
        zerocopy::sendfile_options opt;
        opt.mode = mode;
        bool done = false;
        beast::error_code got;
        std::size_t sent = 0;
        zh::async_write(
            p.a, res, opt,
            asio::cancel_after(std::chrono::milliseconds(150), [&](beast::error_code wec, std::size_t n) {
                done = true;
                got = wec;
                sent = n;
            }));
        p.ioc.run();
        BOOST_TEST_REQUIRE(done);
        BOOST_TEST(got == asio::error::operation_aborted);
        BOOST_TEST(sent > 0u);
        BOOST_TEST(sent < content.size());
        BOOST_TEST(p.a.is_open());
        beast::error_code sec;
        p.a.shutdown(tcp::socket::shutdown_send, sec);
        BOOST_TEST(!sec);
        std::string const wire = read_all(p.b);
        BOOST_TEST(wire.size() == sent);  // the exact count
        auto const body_at = wire.find("\r\n\r\n");
        BOOST_TEST_REQUIRE(body_at != std::string::npos);
        BOOST_TEST(wire.compare(body_at + 4, std::string::npos, content, 0, wire.size() - body_at - 4) == 0);
        p.a.close(sec);
        BOOST_TEST(!sec);
    }
}

BOOST_AUTO_TEST_CASE(cancel_after_ends_a_read_from_a_silent_client) {
    pair p;
    beast::flat_buffer buffer;
    bhttp::request_parser<bhttp::empty_body> parser;
    bool done = false;
    beast::error_code got;
    auto const t0 = std::chrono::steady_clock::now();
    zh::async_read_request(
        p.a, buffer, parser,
        asio::cancel_after(std::chrono::milliseconds(100), [&](beast::error_code ec, std::size_t) {
            done = true;
            got = ec;
        }));
    p.ioc.run();
    BOOST_TEST_REQUIRE(done);
    BOOST_TEST(got == asio::error::operation_aborted);
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20)));  // not a hang
    // The socket is still usable: a request that arrives now is read.
    asio::write(p.b, asio::buffer(std::string("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")));
    beast::error_code ec;
    bhttp::request_parser<bhttp::empty_body> parser2;
    zh::read_request(p.a, buffer, parser2, ec);
    BOOST_TEST(!ec);
    BOOST_TEST(parser2.get().target() == "/a");
}
#endif

BOOST_AUTO_TEST_SUITE_END()
