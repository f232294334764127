// zerocopy::http::async_write / write against Beast's own writer, over real loopback sockets.
#include <zerocopy/http/write.hpp>

#include "http_test_util.hpp"

#include <boost/asio/use_future.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <future>

#if defined(__linux__)
#include "tcp_segments.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

using namespace zerocopy_http_test;
namespace zh = zerocopy::http;

namespace {

// A connected pair on 127.0.0.1; `b` is read to EOF by a thread started with capture().
struct pair {
    asio::io_context ioc;
    tcp::socket a{ioc};
    tcp::socket b{ioc};
    pair() {
        tcp::acceptor acc(ioc, {asio::ip::make_address("127.0.0.1"), 0});
        a.connect(acc.local_endpoint());
        acc.accept(b);
    }
    std::future<std::string> fut;
    // Closing `a` first ends the reader thread even when a test failed half-way.
    ~pair() {
        beast::error_code ec;
        a.close(ec);
        if (fut.valid()) fut.wait();
    }
    void capture() {
        fut = std::async(std::launch::async, [this] {
            std::string all;
            char buf[65536];
            beast::error_code ec;
            for (;;) {
                std::size_t const n = b.read_some(asio::buffer(buf), ec);
                if (ec) break;
                all.append(buf, n);
            }
            return all;
        });
    }
    std::string received() { return fut.get(); }
};

// Writes `msg` with `fn(socket, msg, handler)` on an io_context and returns what the peer received.
template <class Msg, class Fn>
std::string send_with(Msg& msg, Fn fn, beast::error_code* ec_out = nullptr, std::size_t* n_out = nullptr) {
    pair p;
    p.capture();
    beast::error_code ec;
    std::size_t n = 0;
    bool done = false;
    fn(p.a, msg, [&](beast::error_code e, std::size_t bytes) {
        ec = e;
        n = bytes;
        done = true;
    });
    BOOST_TEST(!done);  // never completes inside the initiating function
    p.ioc.run();
    BOOST_TEST(done);
    p.a.shutdown(tcp::socket::shutdown_send);
    std::string all = p.received();
    if (ec_out) *ec_out = ec;
    if (n_out) *n_out = n;
    if (!ec_out) BOOST_TEST(!ec, ec.message());
    if (!ec_out && !ec) BOOST_TEST(n == all.size());
    return all;
}

auto const zero_copy = [](tcp::socket& s, auto& msg, auto&& h) { zh::async_write(s, msg, std::move(h)); };
auto const buffered = [](tcp::socket& s, auto& msg, auto&& h) { bhttp::async_write(s, msg, std::move(h)); };
auto const forced_buffered = [](tcp::socket& s, auto& msg, auto&& h) {
    zerocopy::sendfile_options opts;
    opts.mode = zerocopy::send_mode::buffered;
    opts.buffer_size = 1000;
    zh::async_write(s, msg, opts, std::move(h));
};
auto const forced_native_sync = [](tcp::socket& s, auto& msg, auto&& h) {
    zerocopy::sendfile_options opts;
    opts.mode = zerocopy::send_mode::native;
    beast::error_code ec;
    std::size_t n = zh::write(s, msg, opts, ec);
    asio::post(s.get_executor(), [h = std::move(h), ec, n]() mutable { h(ec, n); });
};
auto const zero_copy_sync = [](tcp::socket& s, auto& msg, auto&& h) {
    beast::error_code ec;
    std::size_t n = zh::write(s, msg, ec);
    asio::post(s.get_executor(), [h = std::move(h), ec, n]() mutable { h(ec, n); });
};

// try_write in the initiating call, async_write_rest for whatever it left (a larger body, a full
// socket): the bytes must be those of async_write whichever way the message was split.
auto const try_then_rest = [](tcp::socket& s, auto& msg, auto&& h) {
    s.non_blocking(true);
    beast::error_code ec;
    std::size_t const n = zh::try_write(s, msg, zerocopy::sendfile_options{}, ec);
    if (ec != asio::error::would_block) {
        asio::post(s.get_executor(), [h = std::move(h), ec, n]() mutable { h(ec, n); });
        return;
    }
    zh::async_write_rest(s, msg, zerocopy::sendfile_options{}, n, std::move(h));
};

bhttp::response<bhttp::file_body> file_response(std::string const& path) {
    bhttp::response<bhttp::file_body> res{bhttp::status::ok, 11};
    beast::error_code ec;
    res.body().open(path.c_str(), beast::file_mode::scan, ec);
    BOOST_TEST_REQUIRE(!ec);
    res.set(bhttp::field::content_type, "application/octet-stream");
    res.prepare_payload();
    return res;
}

zh::file_response range_response(std::string const& path) {
    zh::file_response res{bhttp::status::ok, 11};
    beast::error_code ec;
    res.body().open(path.c_str(), ec);
    BOOST_TEST_REQUIRE(!ec);
    return res;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_write)

BOOST_AUTO_TEST_CASE(file_body_same_bytes_as_beast) {
    temp_dir dir;
    for (std::size_t size : {std::size_t(0), std::size_t(1), std::size_t(4096), std::size_t(3 << 20) + 7}) {
        std::string const content = pattern(size);
        std::string const path = dir.write("f", content);
        auto res1 = file_response(path);
        auto res2 = file_response(path);
        auto res3 = file_response(path);
        std::string const z = send_with(res1, zero_copy);
        std::string const b = send_with(res2, buffered);
        std::string const s = send_with(res3, zero_copy_sync);
        auto res4 = file_response(path);
        std::string const t = send_with(res4, try_then_rest);
        BOOST_TEST(z.size() == b.size());
        BOOST_TEST((z == b));
        BOOST_TEST((s == b));
        BOOST_TEST((t == b));
        BOOST_TEST(z.size() >= size);
        BOOST_TEST((z.substr(z.size() - size) == content));
        // The file's own position is neither used nor moved by the zero-copy writer.
        BOOST_TEST(file_position(res1.body().file().native_handle()) == 0);
    }
}

// The header is formatted without Beast's serializer: every form of start line and field must come
// out byte for byte as Beast writes it.
BOOST_AUTO_TEST_CASE(header_forms_same_bytes_as_beast) {
    temp_dir dir;
    std::string const path = dir.write("f", pattern(3000));
    auto open_file = [&](auto& msg) {
        beast::error_code ec;
        msg.body().open(path.c_str(), beast::file_mode::scan, ec);
        BOOST_TEST_REQUIRE(!ec);
    };
    // Requests (a PUT of a file): a known verb, an unknown method string, HTTP/1.0.
    for (int which = 0; which < 3; ++which) {
        BOOST_TEST_CONTEXT("request " << which) {
            bhttp::request<bhttp::file_body> req1, req2;
            for (auto* r : {&req1, &req2}) {
                r->version(which == 2 ? 10 : 11);
                if (which == 1)
                    r->method_string("PROPPATCH-X");
                else
                    r->method(bhttp::verb::put);
                r->target("/upload/a%20b?x=1&y");
                r->set(bhttp::field::host, "example.com");
                r->insert("X-Custom", "");             // an empty value
                r->insert("x-custom", "two\tvalues");  // the same field twice, other case
                open_file(*r);
                r->prepare_payload();
            }
            BOOST_TEST((send_with(req1, zero_copy) == send_with(req2, buffered)));
        }
    }
    // Responses: a custom reason, a status without a standard reason, HTTP/1.0, many fields.
    for (int which = 0; which < 3; ++which) {
        BOOST_TEST_CONTEXT("response " << which) {
            bhttp::response<bhttp::file_body> res1, res2;
            for (auto* r : {&res1, &res2}) {
                r->version(which == 2 ? 10 : 11);
                if (which == 0) {
                    r->result(bhttp::status::partial_content);
                    r->reason("Only A Part");
                } else {
                    r->result(which == 1 ? 299u : 200u);
                }
                for (int i = 0; i < 40; ++i) r->insert("X-Field-" + std::to_string(i), std::string(i, 'v'));
                open_file(*r);
                r->prepare_payload();
            }
            BOOST_TEST((send_with(res1, zero_copy) == send_with(res2, buffered)));
        }
    }
}

BOOST_AUTO_TEST_CASE(range_body_single_and_multipart_same_bytes_as_beast) {
    temp_dir dir;
    std::string const content = pattern(200000, 7);
    std::string const path = dir.write("f.bin", content);

    auto make = [&](int which) {
        auto res = range_response(path);
        if (which == 1) res.body().select(zh::byte_range{1000, 5000});
        if (which == 2)
            res.body().select(zh::make_multipart_layout({{0, 10}, {100, 20000}, {199990, 10}}, content.size(),
                                                        "application/octet-stream", "THE_BOUNDARY"));
        if (which == 3) res.body().assign_text("hello text");
        res.prepare_payload();
        return res;
    };
    for (int which = 0; which < 4; ++which) {
        BOOST_TEST_CONTEXT("case " << which) {
            auto r1 = make(which);
            auto r2 = make(which);
            auto r3 = make(which);
            std::string const z = send_with(r1, zero_copy);
            std::string const b = send_with(r2, buffered);
            std::string const s = send_with(r3, zero_copy_sync);
            BOOST_TEST((z == b));
            BOOST_TEST((s == b));
            auto r4 = make(which);
            auto r5 = make(which);
            BOOST_TEST((send_with(r4, forced_buffered) == b));
            BOOST_TEST((send_with(r5, forced_native_sync) == b));
            auto r6 = make(which);  // 1: a small range, sent by try_write; 3: text, written whole
            BOOST_TEST((send_with(r6, try_then_rest) == b));
            std::string const body = z.substr(z.find("\r\n\r\n") + 4);
            if (which == 0) BOOST_TEST((body == content));
            if (which == 1) BOOST_TEST((body == content.substr(1000, 5000)));
            if (which == 3) BOOST_TEST(body == "hello text");
            if (which == 2) {
                std::string const want =
                    "--THE_BOUNDARY\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes "
                    "0-9/200000\r\n\r\n" +
                    content.substr(0, 10) +
                    "\r\n--THE_BOUNDARY\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes "
                    "100-20099/200000\r\n\r\n" +
                    content.substr(100, 20000) +
                    "\r\n--THE_BOUNDARY\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes "
                    "199990-199999/200000\r\n\r\n" +
                    content.substr(199990, 10) + "\r\n--THE_BOUNDARY--\r\n";
                BOOST_TEST((body == want));
                BOOST_TEST(r1.body().size() == want.size());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(chunked_falls_back_to_beast) {
    temp_dir dir;
    std::string const path = dir.write("f", pattern(50000));
    auto r1 = range_response(path);
    auto r2 = range_response(path);
    r1.chunked(true);
    r2.chunked(true);
    std::string const z = send_with(r1, zero_copy);
    std::string const b = send_with(r2, buffered);
    BOOST_TEST((z == b));
    BOOST_TEST(z.find("Transfer-Encoding: chunked") != std::string::npos);
    auto r3 = range_response(path);
    r3.chunked(true);
    BOOST_TEST((send_with(r3, zero_copy_sync) == b));
}

BOOST_AUTO_TEST_CASE(truncated_file_reports_and_adds_nothing) {
    // The same promise from both writers: they are one algorithm (detail::write_plan).
    for (bool const sync : {false, true}) {
        BOOST_TEST_CONTEXT((sync ? "write" : "async_write")) {
            temp_dir dir;
            std::string const path = dir.write("f", pattern(100000));
            beast::error_code ec;
            std::size_t n = 0;
            auto send = [&](auto& msg) {
                return sync ? send_with(msg, zero_copy_sync, &ec, &n) : send_with(msg, zero_copy, &ec, &n);
            };
#if !defined(_WIN32)
            // (Windows: beast::file_win32 opens without write sharing, so the file cannot be truncated
            // under it; the stale sizes below take the same path.)
            auto res = file_response(path);  // Content-Length: 100000
            std::filesystem::resize_file(path, 30000);
            std::string const got = send(res);
            BOOST_TEST((ec == zerocopy::error::unexpected_eof), ec.message());
            BOOST_TEST(n == got.size());  // exactly the bytes that reached the peer, nothing added
            // The header is the head of the file's transfer, which is known to fail before its first
            // byte: nothing at all was written (the caller may still answer with an error).
            BOOST_TEST(got.empty());
#else
            std::filesystem::resize_file(path, 30000);
#endif
            // One range of a range_body with a stale size: nothing written either.
            auto res1 = range_response(path);
            res1.body().reset(open_read_only(path), 100000);
            res1.body().select(zh::byte_range{20000, 20000});
            std::string const got1 = send(res1);
            BOOST_TEST((ec == zerocopy::error::unexpected_eof), ec.message());
            BOOST_TEST(got1.empty());
            BOOST_TEST(n == 0u);

            // Multipart: the first part went out, the second fails before its part header.
            auto res2 = range_response(path);
            res2.body().reset(open_read_only(path), 100000);  // a stale size
            res2.body().select(zh::make_multipart_layout({{0, 10}, {50000, 10}}, 100000, "", "B"));
            std::string const got2 = send(res2);
            BOOST_TEST((ec == zerocopy::error::unexpected_eof), ec.message());
            BOOST_TEST(n == got2.size());
            BOOST_TEST(n > 0u);
        }
    }
}

BOOST_AUTO_TEST_CASE(cork_released_and_keep_alive_sequence) {
    temp_dir dir;
    std::string const content = pattern(4096);
    std::string const path = dir.write("f", content);
    pair p;
    p.capture();
    std::size_t total = 0;
    for (int i = 0; i < 3; ++i) {
        auto res = range_response(path);
        res.keep_alive(true);
        res.prepare_payload();
        auto fut = zh::async_write(p.a, res, asio::use_future);
        p.ioc.restart();
        p.ioc.run();
        total += fut.get();
#if defined(__linux__)
        int on = 1;
        socklen_t len = sizeof on;
        ::getsockopt(p.a.native_handle(), IPPROTO_TCP, TCP_CORK, &on, &len);
        BOOST_TEST(on == 0);
#endif
    }
    p.a.shutdown(tcp::socket::shutdown_send);
    std::string const all = p.received();
    BOOST_TEST(all.size() == total);
    // Three complete responses parse back.
    bhttp::response_parser<bhttp::string_body> parser;
    std::size_t off = 0;
    for (int i = 0; i < 3; ++i) {
        bhttp::response_parser<bhttp::string_body> one;
        beast::error_code ec;
        std::size_t used = 0;
        while (!one.is_done() && !ec) {
            used += one.put(asio::buffer(all.data() + off + used, all.size() - off - used), ec);
        }
        BOOST_TEST(!ec);
        BOOST_TEST((one.get().body() == content));
        off += used;
    }
    BOOST_TEST(off == all.size());
}

#if defined(__linux__)  // TCP_INFO's segment count is Linux's
// Header and body leave together: with Nagle off (TCP_NODELAY, as servers set it), a response that
// fits in one segment is one segment — the header goes with MSG_MORE (one range) or under TCP_CORK
// (multipart), never in a segment of its own before the file's bytes.
BOOST_AUTO_TEST_CASE(small_response_is_one_segment) {
    temp_dir dir;
    std::string const content = pattern(8000);
    std::string const path = dir.write("f", content);
    for (int which = 0; which < 4; ++which) {
        for (auto mode : {zerocopy::send_mode::native, zerocopy::send_mode::buffered}) {
            BOOST_TEST_CONTEXT("response " << which << " mode " << int(mode)) {
                pair p;
                p.a.set_option(tcp::no_delay(true));
                p.capture();
                auto res = range_response(path);
                if (which == 1) res.body().select(zh::byte_range{1000, 3000});
                if (which == 2)
                    res.body().select(zh::make_multipart_layout({{0, 10}, {100, 2000}, {7990, 10}},
                                                                content.size(), "", "B"));
                if (which == 3) res.result(bhttp::status::not_modified);  // header only
                if (which == 3) res.body().clear_content();
                res.prepare_payload();
                zerocopy::sendfile_options opt;
                opt.mode = mode;
                long const before = tcp_data_segments_out(p.a.native_handle());
                BOOST_TEST_REQUIRE(before >= 0);
                auto fut = zh::async_write(p.a, res, opt, asio::use_future);
                p.ioc.run();
                std::size_t const n = fut.get();
                long const segments = tcp_data_segments_out(p.a.native_handle()) - before;
                // The blocking writer, the same algorithm: the same single segment.
                beast::error_code ec;
                std::size_t const sync_n = zh::write(p.a, res, opt, ec);
                BOOST_TEST(!ec);
                long const sync_segments = tcp_data_segments_out(p.a.native_handle()) - before - segments;
                p.a.shutdown(tcp::socket::shutdown_send);
                BOOST_TEST(p.received().size() == n + sync_n);
                BOOST_TEST(sync_n == n);
                // The buffered path reads and writes the file in one go at this size.
                BOOST_TEST(segments == 1);
                BOOST_TEST(sync_segments == 1);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(caller_cork_left_alone) {
    temp_dir dir;
    std::string const path = dir.write("f", pattern(1000));
    pair p;
    p.capture();
    int on = 1;
    ::setsockopt(p.a.native_handle(), IPPROTO_TCP, TCP_CORK, &on, sizeof on);
    auto res = range_response(path);
    res.prepare_payload();
    beast::error_code ec;
    zh::write(p.a, res, ec);
    BOOST_TEST(!ec);
    socklen_t len = sizeof on;
    on = 0;
    ::getsockopt(p.a.native_handle(), IPPROTO_TCP, TCP_CORK, &on, &len);
    BOOST_TEST(on == 1);
    p.a.shutdown(tcp::socket::shutdown_send);
    BOOST_TEST(p.received().size() > 1000u);
}
#endif

#if defined(_WIN32)
constexpr bool small_body_path = false;  // TransmitFile sends small bodies too: no preadv2 + sendmsg
#else
constexpr bool small_body_path = true;
#endif

BOOST_AUTO_TEST_CASE(try_write_sends_a_small_response_at_once_and_leaves_the_rest) {
    temp_dir dir;
    std::string const small = dir.write("small", pattern(3000));
    std::string const big = dir.write("big", pattern(1 << 20));
    zerocopy::sendfile_options const opts;  // small_body_threshold: 16 KiB
    {
        // Small, in the page cache (just written): all of it in this call, nothing to run.
        pair p;
        p.capture();
        p.a.non_blocking(true);
        auto res = range_response(small);
        std::string expected;
        {
            auto copy = range_response(small);
            expected = send_with(copy, zero_copy);
        }
        beast::error_code ec;
        std::size_t n = zh::try_write(p.a, res, opts, ec);
        if (small_body_path) {
            BOOST_TEST(!ec, ec.message());
            BOOST_TEST(n == expected.size());
        } else {  // Windows: no small-body path, the range is left to async_write_rest whole
            BOOST_TEST((ec == asio::error::would_block), ec.message());
            BOOST_TEST(n == 0u);
            zh::async_write_rest(p.a, res, opts, 0, [&](beast::error_code e, std::size_t m) {
                BOOST_TEST(!e, e.message());
                n = m;
            });
            p.ioc.run();
            BOOST_TEST(n == expected.size());
        }
        p.a.shutdown(tcp::socket::shutdown_send);
        BOOST_TEST((p.received() == expected));
    }
    {
        // Above the threshold: not attempted, nothing written; async_write_rest sends it all.
        pair p;
        p.capture();
        p.a.non_blocking(true);
        auto res = range_response(big);
        beast::error_code ec;
        BOOST_TEST(zh::try_write(p.a, res, opts, ec) == 0u);
        BOOST_TEST((ec == asio::error::would_block), ec.message());
        std::size_t total = 0;
        zh::async_write_rest(p.a, res, opts, 0, [&](beast::error_code e, std::size_t m) {
            BOOST_TEST(!e, e.message());
            total = m;
        });
        p.ioc.run();
        p.a.shutdown(tcp::socket::shutdown_send);
        std::string const got = p.received();
        BOOST_TEST(total == got.size());
        BOOST_TEST(got.size() > (1u << 20));
        BOOST_TEST((got.substr(got.size() - (1 << 20)) == pattern(1 << 20)));
    }
    {
        // A full socket: what went out is counted, async_write_rest adds exactly the rest.
        pair p;  // no reader yet: the socket fills up
        p.a.non_blocking(true);
        std::string const filler(1 << 16, 'x');
        std::size_t queued = 0;
        for (;;) {
            beast::error_code ec;
            queued += p.a.write_some(asio::buffer(filler), ec);
            if (ec == asio::error::would_block) break;
            BOOST_TEST_REQUIRE(!ec, ec.message());
        }
        // Let the peer take a little, so that part of the response fits (or none: both are valid).
        char sink[2000];
        std::size_t drained = 0;
        while (drained < sizeof sink)
            drained += p.b.read_some(asio::buffer(sink + drained, sizeof sink - drained));
        auto res = range_response(small);
        beast::error_code ec;
        std::size_t const n = zh::try_write(p.a, res, opts, ec);
        p.capture();
        std::size_t total = n;
        if (ec == asio::error::would_block) {  // usually; the peer's read may have made room for all
            zh::async_write_rest(p.a, res, opts, n, [&](beast::error_code e, std::size_t m) {
                BOOST_TEST(!e, e.message());
                total = m;
            });
            p.ioc.run();
        } else {
            BOOST_TEST(!ec, ec.message());
        }
        p.a.shutdown(tcp::socket::shutdown_send);
        std::string const got = p.received();
        auto copy = range_response(small);
        std::string const expected = send_with(copy, zero_copy);
        BOOST_TEST(total == expected.size());
        BOOST_TEST_REQUIRE(got.size() == queued - drained + expected.size());
        BOOST_TEST((got.substr(queued - drained) == expected));
    }
    {
        // A header alone (HEAD, 304): written whole; a stream that is not a socket: not attempted.
        pair p;
        p.capture();
        p.a.non_blocking(true);
        auto res = range_response(small);
        res.body().clear_content();
        res.result(bhttp::status::not_modified);
        res.content_length(boost::none);
        beast::error_code ec;
        std::size_t const n = zh::try_write(p.a, res, opts, ec);
        BOOST_TEST(!ec, ec.message());
        beast::tcp_stream timed(std::move(p.a));
        BOOST_TEST(zh::try_write(timed, res, opts, ec) == 0u);
        BOOST_TEST((ec == asio::error::would_block));
        timed.socket().shutdown(tcp::socket::shutdown_send);
        std::string const got = p.received();
        BOOST_TEST(got.size() == n);
        BOOST_TEST(got.rfind("HTTP/1.1 304 Not Modified\r\n", 0) == 0u);
    }
}

BOOST_AUTO_TEST_CASE(async_write_rest_skips_exactly_what_was_written) {
    temp_dir dir;
    std::string const path = dir.write("f", pattern(5000));
    auto copy = range_response(path);
    std::string const expected = send_with(copy, zero_copy);
    std::size_t const header = expected.find("\r\n\r\n") + 4;
    for (std::size_t k : {std::size_t(0), std::size_t(1), header - 1, header, header + 1, expected.size() - 1,
                          expected.size()}) {
        BOOST_TEST_CONTEXT("written " << k) {
            pair p;
            p.capture();
            asio::write(p.a, asio::buffer(expected.data(), k));  // as if try_write had sent these
            auto res = range_response(path);
            std::size_t total = 0;
            bool done = false;
            zh::async_write_rest(p.a, res, zerocopy::sendfile_options{}, k,
                                 [&](beast::error_code e, std::size_t m) {
                                     BOOST_TEST(!e, e.message());
                                     total = m;
                                     done = true;
                                 });
            BOOST_TEST(!done);  // not even when nothing is left to write
            p.ioc.run();
            BOOST_TEST(done);
            p.a.shutdown(tcp::socket::shutdown_send);
            BOOST_TEST((p.received() == expected));
            BOOST_TEST(total == expected.size());
        }
    }
}

BOOST_AUTO_TEST_CASE(throwing_sync_write) {
    temp_dir dir;
    std::string const path = dir.write("f", pattern(10));
    pair p;
    p.capture();
    auto res = range_response(path);
    res.prepare_payload();
    std::size_t const n = zh::write(p.a, res);
    p.a.shutdown(tcp::socket::shutdown_send);
    BOOST_TEST(p.received().size() == n);
    p.a.close();
    BOOST_CHECK_THROW(zh::write(p.a, res), boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()

#if defined(_WIN32)
// Windows: the cases test/windows/http_trace.sh runs under WINEDEBUG=trace+winsock, one at a time.
// Each checks its bytes here; the script counts WS2_TransmitFile calls and their head buffers.
BOOST_AUTO_TEST_SUITE(http_trace)

BOOST_AUTO_TEST_CASE(zerocopy_file_body) {  // one TransmitFile, with the header as its head
    temp_dir dir;
    std::string const content = pattern(1 << 20, 11);
    auto z = file_response(dir.write("f", content));
    std::string const got = send_with(z, zero_copy);
    BOOST_TEST(got.size() > content.size());
    BOOST_TEST((got.substr(got.size() - content.size()) == content));
    BOOST_TEST(got.rfind("HTTP/1.1 200 OK\r\n", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(zerocopy_range_body) {  // three parts: three TransmitFile calls, each with a head
    temp_dir dir;
    std::string const content = pattern(1 << 20, 12);
    std::string const path = dir.write("f", content);
    auto make = [&] {
        auto res = range_response(path);
        res.body().select(zh::make_multipart_layout({{0, 1000}, {5000, 100000}, {900000, 5}}, content.size(),
                                                    "application/octet-stream", "TRACE_BOUNDARY"));
        res.prepare_payload();
        return res;
    };
    auto z = make();
    auto b = make();
    std::string const got = send_with(z, zero_copy);
    BOOST_TEST((got == send_with(b, buffered)));  // Beast's serializer: the same bytes
    BOOST_TEST(got.find(content.substr(5000, 100000)) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(beast_file_body) {  // Beast's own writer: no TransmitFile at all (beast#1963)
    temp_dir dir;
    std::string const content = pattern(1 << 20, 11);
    auto b = file_response(dir.write("f", content));
    std::string const got = send_with(b, buffered);
    BOOST_TEST((got.substr(got.size() - content.size()) == content));
}

BOOST_AUTO_TEST_SUITE_END()
#endif
