// What only Windows has, beside the portable core suite (test/integration/core.cpp, compiled into the
// same executable windows_core): Windows file objects and overlapped handles, beast::tcp_stream as a
// generic stream, the blocking twin's TransmitFile next to the completion port, scheduling under Wine,
// and TransmitFile itself: its head (TRANSMIT_FILE_BUFFERS), the client editions' slots, a range above
// 4 GiB, and the cases transmitfile_trace.sh runs under Wine's winsock trace.
#include <zerocopy/async_sendfile.hpp>
// The header must be self-contained: included first above.
#include <zerocopy.hpp>

#include "common/sendfile_test_util.hpp"
#include "common/test_util.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/file_stdio.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/core/file_win32.hpp>
#include <boost/test/unit_test.hpp>

#include <memory>

namespace asio = boost::asio;
using boost::system::error_code;
using namespace zerocopy_test;

namespace {

void check_range(zerocopy::send_mode mode, std::uint64_t file_size, std::uint64_t offset,
                 std::uint64_t count) {
    asio::io_context ioc;
    tcp_pair p(ioc);
    temp_file f(file_size);
    // The file position must be neither used nor changed.
    set_file_position(f.fd(), 12345);
    receiver rx(p.b.native_handle(), offset);
    result r;
    zerocopy::async_sendfile(p.a, f.fd(), offset, count, mode_opts(mode),
                             [&](error_code ec, std::uint64_t n) {
                                 r = {ec, n, true};
                                 p.a.close();
                             });
    BOOST_TEST(!r.done);  // never inline
    ioc.run();
    rx.join();
    std::uint64_t const expected = count == zerocopy::to_end ? file_size - offset : count;
    BOOST_TEST_CONTEXT("mode " << int(mode) << " size " << file_size << " offset " << offset << " count "
                               << count) {
        BOOST_TEST(r.done);
        BOOST_TEST(!r.ec, r.ec.message());
        BOOST_TEST(r.n == expected);
        BOOST_TEST(rx.received() == expected);
        BOOST_TEST(rx.mismatches() == 0u);
        BOOST_TEST(file_position(f.fd()) == 12345);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(windows_files)

BOOST_AUTO_TEST_CASE(file_objects_win32_and_stdio) {
    // beast::file_win32 (a HANDLE) and beast::file_stdio (a FILE*, through _get_osfhandle).
    temp_file f(1 << 20);
    f.close();                                                 // beast::file_win32 shares read access only
    std::string const path(f.path().begin(), f.path().end());  // ASCII temp path
    for (auto mode : all_modes) {
        boost::beast::file_win32 fw;
        boost::beast::file_stdio fs;
        boost::beast::error_code bec;
        fw.open(path.c_str(), boost::beast::file_mode::read, bec);
        BOOST_REQUIRE_MESSAGE(!bec, bec.message());
        fs.open(path.c_str(), boost::beast::file_mode::read, bec);
        BOOST_REQUIRE_MESSAGE(!bec, bec.message());
        asio::io_context ioc;
        tcp_pair p(ioc);
        receiver rx(p.b.native_handle(), 1000);
        std::uint64_t total = 0;
        zerocopy::async_sendfile(p.a, fw, 1000, 4000, mode_opts(mode), [&](error_code ec, std::uint64_t n) {
            BOOST_TEST(!ec, ec.message());
            total += n;
            zerocopy::async_sendfile(p.a, fs, 5000, 100000, mode_opts(mode),
                                     [&](error_code ec2, std::uint64_t n2) {
                                         BOOST_TEST(!ec2, ec2.message());
                                         total += n2;
                                         p.a.close();
                                     });
        });
        ioc.run();
        rx.join();
        BOOST_TEST(total == 104000u);
        BOOST_TEST(rx.received() == 104000u);
        BOOST_TEST(rx.mismatches() == 0u);
    }
}

BOOST_AUTO_TEST_CASE(overlapped_handles_and_random_access_file) {
    // A handle opened with FILE_FLAG_OVERLAPPED (ReadFile completes asynchronously), and an
    // asio::random_access_file (its handle bound to the io_context's completion port: the
    // library's own reads must not queue completion packets there).
    temp_file f(3 << 20);
    for (auto mode : all_modes)
        for (bool asio_file : {false, true}) {
            asio::io_context ioc;
            tcp_pair p(ioc);
            receiver rx(p.b.native_handle(), 777);
            HANDLE const h = f.reopen(GENERIC_READ, FILE_FLAG_OVERLAPPED);
            BOOST_REQUIRE(h != INVALID_HANDLE_VALUE);
            asio::random_access_file raf(ioc);
            result r;
            auto done = [&](error_code ec, std::uint64_t n) {
                r = {ec, n, true};
                p.a.close();
            };
            if (asio_file) {
                raf.assign(h);
                zerocopy::async_sendfile(p.a, raf, 777, 2 << 20, mode_opts(mode), done);
            } else {
                zerocopy::async_sendfile(p.a, h, 777, 2 << 20, mode_opts(mode), done);
            }
            asio::steady_timer guard(ioc, std::chrono::seconds(30));  // a stray packet must not hang
            guard.async_wait([&](error_code ec) {
                if (!ec) p.a.close();
            });
            while (!r.done && ioc.run_one()) {
            }
            guard.cancel();
            ioc.run();
            rx.join();
            BOOST_TEST_CONTEXT("mode " << int(mode) << " random_access_file " << asio_file) {
                BOOST_TEST(!r.ec, r.ec.message());
                BOOST_TEST(r.n == (2u << 20));
                BOOST_TEST(rx.received() == (2u << 20));
                BOOST_TEST(rx.mismatches() == 0u);
            }
            if (!asio_file) ::CloseHandle(h);
        }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(scheduling)

BOOST_AUTO_TEST_CASE(a_timer_fires_on_time_during_a_large_transfer) {
    for (auto mode : all_modes) {
        asio::io_context ioc;
        tcp_pair p(ioc);
        temp_file f(16 << 20);
        receiver rx(p.b.native_handle(), 0);
        zerocopy::sendfile_options o = mode_opts(mode);
        o.max_chunk = 256 * 1024;
        result r;
        int ticks = 0;
        bool ticked_before_done = false;
        asio::steady_timer t(ioc, std::chrono::milliseconds(1));
        t.async_wait([&](error_code) {
            ++ticks;
            ticked_before_done = !r.done;
        });
        zerocopy::async_sendfile(p.a, f.fd(), 0, zerocopy::to_end, o, [&](error_code ec, std::uint64_t n) {
            r = {ec, n, true};
            p.a.close();
        });
        ioc.run();
        rx.join();
        BOOST_TEST_CONTEXT("mode " << int(mode)) {
            BOOST_TEST(!r.ec, r.ec.message());
            BOOST_TEST(r.n == (16u << 20));
            BOOST_TEST(rx.mismatches() == 0u);
            BOOST_TEST(ticks == 1);
            BOOST_TEST(ticked_before_done);  // other handlers ran while the transfer went on
        }
    }
}

BOOST_AUTO_TEST_CASE(two_transfers_progress_together_on_one_thread) {
    for (auto mode : all_modes) {
        asio::io_context ioc;
        tcp_pair p1(ioc), p2(ioc);
        temp_file f(8 << 20);
        receiver rx1(p1.b.native_handle(), 0), rx2(p2.b.native_handle(), 0);
        zerocopy::sendfile_options o = mode_opts(mode);
        o.max_chunk = 256 * 1024;
        std::uint64_t other_at_first_done = ~std::uint64_t(0);
        int done = 0;
        auto on_done = [&](tcp_pair& p, receiver& other) {
            return [&](error_code ec, std::uint64_t n) {
                BOOST_TEST(!ec, ec.message());
                BOOST_TEST(n == (8u << 20));
                if (done++ == 0) other_at_first_done = other.received();
                p.a.close();
            };
        };
        zerocopy::async_sendfile(p1.a, f.fd(), 0, zerocopy::to_end, o, on_done(p1, rx2));
        zerocopy::async_sendfile(p2.a, f.fd(), 0, zerocopy::to_end, o, on_done(p2, rx1));
        ioc.run();
        rx1.join();
        rx2.join();
        BOOST_TEST(done == 2);
        BOOST_TEST(rx1.received() == (8u << 20));
        BOOST_TEST(rx2.received() == (8u << 20));
        BOOST_TEST(rx1.mismatches() + rx2.mismatches() == 0u);
        // Interleaved: when the first finished, the other was well under way.
        BOOST_TEST(other_at_first_done > 0u);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(streams)

// On Windows beast::basic_stream is a generic stream: TransmitFile cannot wait under Beast's
// timer, so every transfer goes through the stream's own writes and its expiry applies.
static_assert(zerocopy::detail::stream_traits<boost::beast::tcp_stream>::kind ==
              zerocopy::detail::stream_kind::generic);
static_assert(zerocopy::detail::stream_traits<asio::ip::tcp::socket>::kind ==
              zerocopy::detail::stream_kind::socket);

BOOST_AUTO_TEST_CASE(beast_tcp_stream_buffered_and_native_refused) {
    for (auto mode : all_modes) {
        asio::io_context ioc;
        tcp_pair p(ioc);
        boost::beast::tcp_stream s(std::move(p.a));
        temp_file f(8 << 20);
        receiver rx(p.b.native_handle(), 100);
        s.expires_after(std::chrono::seconds(30));
        result r;
        zerocopy::async_sendfile(s, f.fd(), 100, (8 << 20) - 200, mode_opts(mode),
                                 [&](error_code e, std::uint64_t k) {
                                     r = {e, k, true};
                                 });
        ioc.run();
        s.close();
        rx.join();
        BOOST_TEST_CONTEXT("mode " << int(mode)) {
            if (mode == zerocopy::send_mode::native) {
                BOOST_TEST(r.ec == zerocopy::error::native_unavailable, r.ec.message());
                BOOST_TEST(r.n == 0u);
            } else {
                BOOST_TEST(!r.ec, r.ec.message());
                BOOST_TEST(r.n == (8u << 20) - 200);
                BOOST_TEST(rx.received() == r.n);
                BOOST_TEST(rx.mismatches() == 0u);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(beast_tcp_stream_expiry_applies) {
    asio::io_context ioc;
    tcp_pair p(ioc);
    small_buffers(p.a, p.b);
    boost::beast::tcp_stream s(std::move(p.a));
    temp_file f(16 << 20);
    s.expires_after(std::chrono::milliseconds(200));  // the reader stalls: nobody reads
    result r;
    auto const t0 = std::chrono::steady_clock::now();
    zerocopy::async_sendfile(s, f.fd(), 0, zerocopy::to_end, [&](error_code e, std::uint64_t k) {
        r = {e, k, true};
    });
    // Beast closes the socket when the timer fires. Wine 8 does not abort a pending WSASend
    // on close (Windows does); there the peer's reset ends it, and Beast still says timeout.
    bool wine_needed_reset = false;
    asio::steady_timer wine_guard(ioc, std::chrono::seconds(2));
    wine_guard.async_wait([&](error_code ec) {
        if (ec || r.done) return;
        wine_needed_reset = true;
        p.b.set_option(asio::socket_base::linger(true, 0));
        p.b.close();
    });
    while (!r.done && ioc.run_one()) {
    }
    double const waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    wine_guard.cancel();
    ioc.run();
    BOOST_TEST_MESSAGE("expiry: " << r.ec.message() << " after " << waited << " s"
                                  << (wine_needed_reset ? " (ended by the peer's reset)" : ""));
    BOOST_TEST((r.ec == boost::beast::error::timeout), r.ec.message());
    BOOST_TEST(!s.socket().is_open());  // Beast's contract: a timeout closes the socket
    BOOST_TEST(waited >= 0.15);
    BOOST_TEST(waited < (wine_needed_reset ? 10.0 : 5.0));
    BOOST_TEST(r.n > 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(blocking_twin)

BOOST_AUTO_TEST_CASE(sync_twin_then_async_on_the_same_socket) {
    // The blocking twin's TransmitFile must not leave a completion packet behind in the
    // io_context's port: an asynchronous transfer on the same socket follows.
    asio::io_context ioc;
    tcp_pair p(ioc);
    temp_file f(2 << 20);
    receiver rx(p.b.native_handle(), 0);
    error_code ec;
    BOOST_TEST(zerocopy::sendfile(p.a, f.fd(), 0, 1 << 20, mode_opts(zerocopy::send_mode::native), ec) ==
               (1u << 20));
    BOOST_TEST(!ec);
    result r;
    zerocopy::async_sendfile(p.a, f.fd(), 1 << 20, 1 << 20, mode_opts(zerocopy::send_mode::native),
                             [&](error_code e, std::uint64_t n) {
                                 r = {e, n, true};
                                 p.a.close();
                             });
    ioc.run();
    rx.join();
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(r.n == (1u << 20));
    BOOST_TEST(rx.received() == (2u << 20));
    BOOST_TEST(rx.mismatches() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(transmitfile)

// Run alone under WINEDEBUG=trace+winsock by transmitfile_trace.sh: a native transfer, which
// must show WS2_TransmitFile calls.
BOOST_AUTO_TEST_CASE(trace_native, *boost::unit_test::disabled()) {
    check_range(zerocopy::send_mode::native, 4 << 20, 3, zerocopy::to_end);
}
// ... and a buffered one, which must show none.
BOOST_AUTO_TEST_CASE(trace_buffered, *boost::unit_test::disabled()) {
    check_range(zerocopy::send_mode::buffered, 4 << 20, 3, zerocopy::to_end);
}

namespace {
std::string const http_head = "HTTP/1.1 200 OK\r\nContent-Length: 3000000\r\n\r\n";

// Sends `http_head` and [offset, offset + count) with async_sendfile_with_head; checks the
// bytes the peer gets and the reported count.
void check_with_head(zerocopy::send_mode mode, std::uint64_t offset, std::uint64_t count,
                     error_code expected_ec = {}) {
    asio::io_context ioc;
    tcp_pair p(ioc);
    temp_file f(4 << 20);
    std::uint64_t const head_size = http_head.size();
    receiver rx(p.b.native_handle(), 0, [&](std::uint64_t pos) -> unsigned char {
        return pos < head_size ? static_cast<unsigned char>(http_head[pos])
                               : pattern_byte(offset + pos - head_size);
    });
    result r;
    zerocopy::detail::async_sendfile_with_head(p.a, asio::buffer(http_head), f.fd(), offset, count,
                                               mode_opts(mode), [&](error_code ec, std::uint64_t n) {
                                                   r = {ec, n, true};
                                                   p.a.close();
                                               });
    BOOST_TEST(!r.done);
    ioc.run();
    rx.join();
    std::uint64_t const want = expected_ec ? 0 : head_size + count;
    BOOST_TEST_CONTEXT("mode " << int(mode) << " offset " << offset << " count " << count) {
        BOOST_TEST(r.ec == expected_ec, r.ec.message());
        BOOST_TEST(r.n == want);
        BOOST_TEST(rx.received() == want);
        BOOST_TEST(rx.mismatches() == 0u);
    }
}
}  // namespace

BOOST_AUTO_TEST_CASE(head_goes_first_in_every_mode) {
    // Native: the head is TransmitFile's TRANSMIT_FILE_BUFFERS head (transmitfile_trace.sh checks
    // that the call carries buffers); buffered: written before the file.
    for (auto mode : all_modes) {
        check_with_head(mode, 12345, 3000000);
        check_with_head(mode, 100, 0);                                       // head only
        check_with_head(mode, 4 << 20, 1, zerocopy::error::unexpected_eof);  // nothing at all
    }
}

BOOST_AUTO_TEST_CASE(trace_with_head, *boost::unit_test::disabled()) {
    check_with_head(zerocopy::send_mode::native, 7, 3000000);
}

BOOST_AUTO_TEST_CASE(client_edition_slots_make_automatic_fall_back) {
    // Client Windows (Wine reports a workstation) runs two TransmitFile calls at a time and queues
    // the rest. Two native transfers to readers that never read hold both slots; a third transfer
    // in automatic mode must not queue behind them: it falls back to the buffered path and
    // completes byte-exact while the two are still stalled. In native mode it queues (here: it
    // runs, as Wine has no such limit) and completes too.
    for (auto mode : {zerocopy::send_mode::automatic, zerocopy::send_mode::native}) {
        asio::io_context ioc;
        tcp_pair s1(ioc), s2(ioc), live(ioc);
        small_buffers(s1.a, s1.b);
        small_buffers(s2.a, s2.b);
        temp_file f(12 << 20);
        asio::cancellation_signal c1, c2;
        result r1, r2, r3;
        zerocopy::async_sendfile(s1.a, f.fd(), 0, zerocopy::to_end, mode_opts(zerocopy::send_mode::native),
                                 asio::bind_cancellation_slot(c1.slot(), [&](error_code ec, std::uint64_t n) {
                                     r1 = {ec, n, true};
                                 }));
        zerocopy::async_sendfile(s2.a, f.fd(), 0, zerocopy::to_end, mode_opts(zerocopy::send_mode::native),
                                 asio::bind_cancellation_slot(c2.slot(), [&](error_code ec, std::uint64_t n) {
                                     r2 = {ec, n, true};
                                 }));
        receiver rx(live.b.native_handle(), 0);
        asio::steady_timer start(ioc, std::chrono::milliseconds(100));  // the two are stalled by then
        bool others_stalled_at_done = false;
        start.async_wait([&](error_code) {
            zerocopy::async_sendfile(live.a, f.fd(), 0, zerocopy::to_end, mode_opts(mode),
                                     [&](error_code ec, std::uint64_t n) {
                                         r3 = {ec, n, true};
                                         others_stalled_at_done = !r1.done && !r2.done;
                                         live.a.close();
                                         c1.emit(asio::cancellation_type::terminal);
                                         c2.emit(asio::cancellation_type::terminal);
                                     });
        });
        asio::steady_timer guard(ioc, std::chrono::seconds(60));  // a failure must not hang
        guard.async_wait([&](error_code ec) {
            if (ec) return;
            c1.emit(asio::cancellation_type::terminal);
            c2.emit(asio::cancellation_type::terminal);
            live.a.close();
        });
        while (!(r1.done && r2.done && r3.done) && ioc.run_one()) {
        }
        guard.cancel();
        ioc.run();
        rx.join();
        BOOST_TEST_CONTEXT("mode " << int(mode)) {
            BOOST_TEST(!r3.ec, r3.ec.message());
            BOOST_TEST(r3.n == (12u << 20));
            BOOST_TEST(rx.received() == (12u << 20));
            BOOST_TEST(rx.mismatches() == 0u);
            BOOST_TEST(others_stalled_at_done);
            BOOST_TEST(r1.ec == asio::error::operation_aborted, r1.ec.message());
            BOOST_TEST(r2.ec == asio::error::operation_aborted, r2.ec.message());
        }
    }
}

BOOST_AUTO_TEST_CASE(range_above_4_gib_in_a_sparse_file) {
    // A sparse file of 4 GiB + 8 MiB; non-zero patterns on [4 GiB - 1 MiB, 4 GiB + 6 MiB).
    // Ranges that start above 4 GiB (and one across it) go through TransmitFile byte-exact:
    // 64-bit OVERLAPPED offsets.
    std::uint64_t const gib4 = std::uint64_t(1) << 32;
    std::uint64_t const size = gib4 + (8 << 20);
    temp_file f(temp_file::sparse_tag{}, size);
    std::uint64_t const pat_begin = gib4 - (1 << 20), pat_end = gib4 + (6 << 20);
    write_pattern(f.fd(), pat_begin, pat_end - pat_begin);
    auto expected = [&](std::uint64_t pos) -> unsigned char {
        return pos >= pat_begin && pos < pat_end ? pattern_byte(pos) : 0;
    };
    struct c {
        std::uint64_t offset, count;
    };
    std::vector<c> const cases{
        {gib4 + 12345, 3 << 20}, {gib4 - 4096, 2 << 20}, {gib4 + (5 << 20), zerocopy::to_end}};
    for (auto mode : all_modes)
        for (auto const& k : cases) {
            asio::io_context ioc;
            tcp_pair p(ioc);
            receiver rx(p.b.native_handle(), k.offset, expected);
            result r;
            zerocopy::async_sendfile(p.a, f.fd(), k.offset, k.count, mode_opts(mode),
                                     [&](error_code ec, std::uint64_t n) {
                                         r = {ec, n, true};
                                         p.a.close();
                                     });
            ioc.run();
            rx.join();
            std::uint64_t const want = k.count == zerocopy::to_end ? size - k.offset : k.count;
            BOOST_TEST_CONTEXT("mode " << int(mode) << " offset " << k.offset) {
                BOOST_TEST(!r.ec, r.ec.message());
                BOOST_TEST(r.n == want);
                BOOST_TEST(rx.received() == want);
                BOOST_TEST(rx.mismatches() == 0u);
            }
        }
}

BOOST_AUTO_TEST_SUITE_END()
