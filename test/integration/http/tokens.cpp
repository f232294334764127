// Completion-token semantics of zerocopy::http::async_write and async_read_request: deferred,
// as_tuple, bind_executor, cancellation, beast::tcp_stream, and no inline completion.
#include <zerocopy/http/read.hpp>
#include <zerocopy/http/write.hpp>

#include "http_test_util.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_static_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/test/unit_test.hpp>

#if defined(__linux__)
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

using namespace zerocopy_http_test;
namespace zh = zerocopy::http;

namespace {

using pair = loopback_pair;

zh::file_response response_for(temp_dir const& dir, std::size_t size) {
    std::string const path = dir.write("f" + std::to_string(size), pattern(size));
    zh::file_response res{bhttp::status::ok, 11};
    beast::error_code ec;
    res.body().open(path.c_str(), ec);
    BOOST_TEST_REQUIRE(!ec);
    res.prepare_payload();
    return res;
}

// Drains `s` in the background (on the same io_context), counting bytes.
void drain(tcp::socket& s, std::size_t& total) {
    static char buf[65536];
    s.async_read_some(asio::buffer(buf), [&s, &total](beast::error_code ec, std::size_t n) {
        total += n;
        if (!ec) drain(s, total);
    });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_tokens)

BOOST_AUTO_TEST_CASE(deferred_and_as_tuple) {
    temp_dir dir;
    auto res = response_for(dir, 100000);
    pair p;
    std::size_t got = 0;
    drain(p.b, got);
    auto op = zh::async_write(p.a, res, asio::deferred);
    bool done = false;
    std::move(op)(asio::as_tuple([&](std::tuple<beast::error_code, std::size_t> t) {
        BOOST_TEST(!std::get<0>(t));
        BOOST_TEST(std::get<1>(t) > 100000u);
        done = true;
        p.a.shutdown(tcp::socket::shutdown_send);
    }));
    p.ioc.run();
    BOOST_TEST(done);
    BOOST_TEST(got > 100000u);
}

BOOST_AUTO_TEST_CASE(handler_runs_on_its_executor) {
    temp_dir dir;
    auto res = response_for(dir, 5000);
    pair p;
    std::size_t got = 0;
    drain(p.b, got);
    auto strand = asio::make_strand(p.ioc);
    bool on_strand = false;
    zh::async_write(p.a, res, asio::bind_executor(strand, [&](beast::error_code ec, std::size_t) {
                        BOOST_TEST(!ec);
                        on_strand = strand.running_in_this_thread();
                        p.a.shutdown(tcp::socket::shutdown_send);
                    }));
    p.ioc.run();
    BOOST_TEST(on_strand);
}

BOOST_AUTO_TEST_CASE(terminal_and_partial_cancellation_with_a_stalled_reader) {
    for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial}) {
        temp_dir dir;
        auto res = response_for(dir, 64 << 20);  // far more than the socket buffers hold
        pair p;                                  // nobody reads p.b
        asio::cancellation_signal signal;
        beast::error_code result;
        std::size_t sent = 0;
        bool done = false;
        zh::async_write(p.a, res,
                        asio::bind_cancellation_slot(signal.slot(), [&](beast::error_code ec, std::size_t n) {
                            result = ec;
                            sent = n;
                            done = true;
                        }));
        asio::steady_timer t(p.ioc, std::chrono::milliseconds(200));
        t.async_wait([&](beast::error_code) { signal.emit(type); });
        p.ioc.run_for(std::chrono::seconds(20));
        BOOST_TEST_REQUIRE(done);
        BOOST_TEST((result == asio::error::operation_aborted), result.message());
        BOOST_TEST(sent > 0u);
        BOOST_TEST(sent < res.body().size());
#if defined(__linux__)
        // The cork is released even on error.
        int on = 1;
        socklen_t len = sizeof on;
        ::getsockopt(p.a.native_handle(), IPPROTO_TCP, TCP_CORK, &on, &len);
        BOOST_TEST(on == 0);
#endif
    }
}

BOOST_AUTO_TEST_CASE(beast_tcp_stream_and_timeout) {
    temp_dir dir;
    pair p;
    beast::tcp_stream stream(std::move(p.a));
    {
        auto res = response_for(dir, 300000);
        std::size_t got = 0;
        drain(p.b, got);
        stream.expires_after(std::chrono::seconds(10));
        beast::error_code result;
        std::size_t sent = 0;
        zh::async_write(stream, res, [&](beast::error_code ec, std::size_t n) {
            result = ec;
            sent = n;
            stream.socket().shutdown(tcp::socket::shutdown_send);
        });
        p.ioc.run();
        BOOST_TEST(!result, result.message());
        BOOST_TEST(got == sent);
    }
#if !defined(_WIN32)
    // (Not under Wine: beast::basic_stream is a generic stream on Windows, written by Beast's own
    // async_write_some, and Beast's expiry ends it by closing the socket. Wine 8 does not abort a
    // pending overlapped write on close: plain Asio, an async_write of 64 MiB to a peer that never
    // reads and socket.close() after 200 ms, had not completed 10 s later. See docs/http.md.)
    // A reader that never reads: the stream's expiry ends the write with beast's timeout.
    pair q;
    beast::tcp_stream stalled(std::move(q.a));
    auto big = response_for(dir, 64 << 20);
    stalled.expires_after(std::chrono::milliseconds(200));
    beast::error_code result;
    bool done = false;
    zh::async_write(stalled, big, [&](beast::error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    q.ioc.run_for(std::chrono::seconds(20));
    BOOST_TEST_REQUIRE(done);
    BOOST_TEST((result == beast::error::timeout), result.message());
#endif
}

BOOST_AUTO_TEST_CASE(read_request_framing_error_is_not_inline) {
    pair p;
    beast::flat_buffer buffer;
    // The whole defective header is already buffered: no I/O is needed, yet the handler must wait.
    std::string const raw = "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n";
    auto mb = buffer.prepare(raw.size());
    std::memcpy(mb.data(), raw.data(), raw.size());
    buffer.commit(raw.size());
    bhttp::request_parser<bhttp::empty_body> parser;
    bool done = false;
    beast::error_code result;
    zh::async_read_request(p.b, buffer, parser, [&](beast::error_code ec, std::size_t) {
        done = true;
        result = ec;
    });
    BOOST_TEST(!done);
    p.ioc.run();
    BOOST_TEST(done);
    BOOST_TEST((zh::framing_error_of(result) == zh::framing_error::obs_fold));
    BOOST_TEST(result.message() == "obsolete line folding in a header field");
}

BOOST_AUTO_TEST_CASE(read_request_over_several_segments_and_pipelined) {
    pair p;
    beast::flat_buffer buffer;
    std::string const raw =
        "GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: x\r\n\r\n";
    // Sent in 1-byte pieces from a thread, so the header arrives in many reads.
    std::thread writer([&] {
        for (char c : raw) {
            asio::write(p.a, asio::buffer(&c, 1));
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    bhttp::request_parser<bhttp::string_body> p1;
    beast::error_code ec;
    zh::read_request(p.b, buffer, p1, ec);
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(p1.get().target() == "/a");
    BOOST_TEST(p1.get().body() == "abc");
    bhttp::request_parser<bhttp::string_body> p2;
    bool done = false;
    zh::async_read_request(p.b, buffer, p2, [&](beast::error_code e, std::size_t) {
        BOOST_TEST(!e, e.message());
        done = true;
    });
    p.ioc.run();
    writer.join();
    BOOST_TEST(done);
    BOOST_TEST(p2.get().target() == "/b");
    // A duplicate Content-Length through the blocking twin.
    asio::write(
        p.a, asio::buffer(std::string("GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n")));
    bhttp::request_parser<bhttp::string_body> p3;
    zh::read_request(p.b, buffer, p3, ec);
    BOOST_TEST((zh::framing_error_of(ec) == zh::framing_error::duplicate_content_length));
}

BOOST_AUTO_TEST_CASE(read_request_that_read_completes_without_another_trip) {
    // The request arrives whole in one read: the handler runs from that read's completion, not
    // from a post after it (Beast's async_read would add one).
    pair p;
    beast::flat_buffer buffer;
    bhttp::request_parser<bhttp::string_body> parser;
    bool done = false;
    zh::async_read_request(p.b, buffer, parser, [&](beast::error_code ec, std::size_t n) {
        BOOST_TEST(!ec, ec.message());
        BOOST_TEST(n == 28u);
        done = true;
    });
    asio::write(p.a, asio::buffer(std::string("GET /x HTTP/1.1\r\nHost: h\r\n\r\n")));
    BOOST_TEST(p.ioc.run_one() == 1u);  // the read's completion, which is also the handler's
    BOOST_TEST(done);
    BOOST_TEST(parser.get().target() == "/x");
}

BOOST_AUTO_TEST_CASE(try_read_request_takes_what_has_arrived) {
    pair p;
    p.b.non_blocking(true);
    beast::flat_buffer buffer;
    beast::error_code ec;

    // Nothing yet: would_block, nothing consumed.
    bhttp::request_parser<bhttp::string_body> p1;
    BOOST_TEST(zh::try_read_request(p.b, buffer, p1, ec) == 0u);
    BOOST_TEST((ec == asio::error::would_block), ec.message());
    BOOST_TEST(buffer.size() == 0u);

    // A whole request and the start of a pipelined one: the first is parsed, the rest stays.
    std::string const first = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
    asio::write(p.a, asio::buffer(first + "GET /b HTTP/1.1\r\nHo"));
    p.b.wait(tcp::socket::wait_read);
    BOOST_TEST(zh::try_read_request(p.b, buffer, p1, ec) == first.size());
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(p1.get().target() == "/a");
    BOOST_TEST(p1.get().body() == "abc");
    BOOST_TEST(beast::buffers_to_string(buffer.data()) == "GET /b HTTP/1.1\r\nHo");

    // Half a header: would_block, the bytes kept, the parser untouched; async_read_request ends it.
    bhttp::request_parser<bhttp::string_body> p2;
    BOOST_TEST(zh::try_read_request(p.b, buffer, p2, ec) == 0u);
    BOOST_TEST((ec == asio::error::would_block), ec.message());
    BOOST_TEST(!p2.is_header_done());
    BOOST_TEST(buffer.size() == 19u);
    asio::write(p.a, asio::buffer(std::string("st: x\r\n\r\n")));
    bool done = false;
    zh::async_read_request(p.b, buffer, p2, [&](beast::error_code e, std::size_t) {
        BOOST_TEST(!e, e.message());
        done = true;
    });
    p.ioc.run();
    p.ioc.restart();
    BOOST_TEST(done);
    BOOST_TEST(p2.get().target() == "/b");

    // A header whole, its body not: the header is parsed, async_read_request reads only the body.
    asio::write(p.a, asio::buffer(std::string("PUT /c HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc")));
    p.b.wait(tcp::socket::wait_read);
    bhttp::request_parser<bhttp::string_body> p3;
    zh::try_read_request(p.b, buffer, p3, ec);
    BOOST_TEST((ec == asio::error::would_block), ec.message());
    BOOST_TEST(p3.is_header_done());
    BOOST_TEST(!p3.is_done());
    asio::write(p.a, asio::buffer(std::string("defGET")));
    done = false;
    zh::async_read_request(p.b, buffer, p3, [&](beast::error_code e, std::size_t) {
        BOOST_TEST(!e, e.message());
        done = true;
    });
    p.ioc.run();
    p.ioc.restart();
    BOOST_TEST(done);
    BOOST_TEST(p3.get().target() == "/c");
    BOOST_TEST(p3.get().body() == "abcdef");
    BOOST_TEST(beast::buffers_to_string(buffer.data()) == "GET");
    buffer.consume(buffer.size());

    // A framing defect is found in the same call, before Beast sees the header.
    asio::write(p.a, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n")));
    p.b.wait(tcp::socket::wait_read);
    bhttp::request_parser<bhttp::string_body> p4;
    zh::try_read_request(p.b, buffer, p4, ec);
    BOOST_TEST((zh::framing_error_of(ec) == zh::framing_error::obs_fold), ec.message());
    buffer.consume(buffer.size());

    // The peer leaves in the middle of a body: Beast's partial_message, never would_block.
    asio::write(p.a, asio::buffer(std::string("PUT /d HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nab")));
    p.a.shutdown(tcp::socket::shutdown_send);
    p.b.wait(tcp::socket::wait_read);
    bhttp::request_parser<bhttp::string_body> p5;
    zh::try_read_request(p.b, buffer, p5, ec);
    if (ec == asio::error::would_block) {  // the FIN came after the body bytes' readiness
        p.b.wait(tcp::socket::wait_read);
        zh::try_read_request(p.b, buffer, p5, ec);
    }
    BOOST_TEST((ec == bhttp::error::partial_message), ec.message());
}

BOOST_AUTO_TEST_CASE(read_request_refuses_an_unchecked_huge_header) {
    pair p;
    beast::flat_buffer buffer;
    std::thread writer([&] {
        std::string big = "GET / HTTP/1.1\r\nX: " + std::string(70000, 'a');
        beast::error_code ec;
        asio::write(p.a, asio::buffer(big), ec);
    });
    bhttp::request_parser<bhttp::empty_body> parser;
    parser.header_limit(1 << 20);  // Beast would accept it: the framing checks still refuse it
    beast::error_code ec;
    zh::read_request(p.b, buffer, parser, ec);
    BOOST_TEST((ec == bhttp::error::header_limit), ec.message());
    // A bounded buffer that fills up before the header ends: the same error, never an exception.
    beast::flat_static_buffer<1000> small;
    bhttp::request_parser<bhttp::empty_body> parser2;
    bool done = false;
    zh::async_read_request(p.b, small, parser2, [&](beast::error_code e, std::size_t) {
        ec = e;
        done = true;
    });
    p.ioc.run();
    BOOST_TEST(done);
    BOOST_TEST((ec == bhttp::error::header_limit), ec.message());
    p.b.close();
    writer.join();
}

BOOST_AUTO_TEST_SUITE_END()
