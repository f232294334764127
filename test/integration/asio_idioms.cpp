// The Asio idioms whose support depends on the Boost version (include/zerocopy/detail/config.hpp),
// over real loopback sockets and files:
// - every version: an operation that completes before any I/O never runs its handler from inside
//   the initiating function;
// - Boost 1.82+: that completion goes through the handler's associated immediate executor;
// - Boost 1.86+: asio::cancel_after and asio::cancel_at as the completion token's adapter.
#include <zerocopy/async_sendfile.hpp>

#include "common/counting_executor.hpp"
#include "common/test_util.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#if ZEROCOPY_HAS_IMMEDIATE_EXECUTOR
#include <boost/asio/bind_immediate_executor.hpp>
#endif
#if ZEROCOPY_HAS_CANCEL_AFTER
#include <boost/asio/cancel_after.hpp>
#include <boost/asio/cancel_at.hpp>
#endif

#include <chrono>

namespace asio = boost::asio;
using boost::system::error_code;
using namespace zerocopy_test;

namespace {}  // namespace

BOOST_AUTO_TEST_SUITE(asio_idioms)

BOOST_AUTO_TEST_CASE(early_completion_is_never_inline) {
    // An empty range, and a range past the end: both complete before any I/O.
    asio::io_context ioc;
    tcp_pair p(ioc);
    temp_file f(1000);
    for (std::uint64_t offset : {std::uint64_t(1000), std::uint64_t(5000)}) {
        bool done = false;
        error_code got;
        zerocopy::async_sendfile(p.a, f.fd(), offset, offset == 1000 ? 0 : 10,
                                 [&](error_code ec, std::uint64_t n) {
                                     done = true;
                                     got = ec;
                                     BOOST_TEST(n == 0u);
                                 });
        BOOST_TEST(!done);
        ioc.restart();
        ioc.run();
        BOOST_TEST(done);
        if (offset == 5000)
            BOOST_TEST(got == zerocopy::error::unexpected_eof);
        else
            BOOST_TEST(!got);
    }
}

#if ZEROCOPY_HAS_IMMEDIATE_EXECUTOR
BOOST_AUTO_TEST_CASE(early_completion_uses_the_immediate_executor) {
    asio::io_context ioc;
    tcp_pair p(ioc);
    temp_file f(1000);
    int dispatched = 0;
    bool done = false;
    error_code got;
    zerocopy::async_sendfile(
        p.a, f.fd(), 5000, 10,
        asio::bind_immediate_executor(zerocopy_test::counting_executor{&dispatched, &ioc},
                                      [&](error_code ec, std::uint64_t n) {
                                          done = true;
                                          got = ec;
                                          BOOST_TEST(n == 0u);
                                      }));
    // The completion was handed to the application's immediate executor, once, by the initiating
    // function; from there it goes on to the handler's own executor, as with Asio's operations.
    BOOST_TEST(dispatched == 1);
    ioc.run();
    BOOST_TEST(done);
    BOOST_TEST(got == zerocopy::error::unexpected_eof);

    // A small transfer the socket takes at once also completes without waiting: the same rule
    // (Asio's own speculative writes complete through the immediate executor too).
    dispatched = 0;
    done = false;
    {
        // The peer sees the 1000-byte file, then the big one, each from its offset 0.
        receiver rx(p.b.native_handle(), 0,
                    [](std::uint64_t pos) { return pattern_byte(pos < 1000 ? pos : pos - 1000); });
        zerocopy::async_sendfile(
            p.a, f.fd(), 0, 1000,
            asio::bind_immediate_executor(zerocopy_test::counting_executor{&dispatched, &ioc},
                                          [&](error_code ec, std::uint64_t n) {
                                              done = true;
                                              BOOST_TEST(!ec);
                                              BOOST_TEST(n == 1000u);
                                          }));
        BOOST_TEST(dispatched == 1);
        ioc.restart();
        ioc.run();
        BOOST_TEST(done);

        // A transfer that waits (fairness turns, a full socket) completes from a handler: the
        // immediate executor is not involved.
        temp_file big(16 << 20);
        dispatched = 0;
        done = false;
        zerocopy::async_sendfile(
            p.a, big.fd(), 0, zerocopy::to_end,
            asio::bind_immediate_executor(zerocopy_test::counting_executor{&dispatched, &ioc},
                                          [&](error_code ec, std::uint64_t n) {
                                              done = true;
                                              BOOST_TEST(!ec);
                                              BOOST_TEST(n == (16u << 20));
                                              p.a.shutdown(asio::socket_base::shutdown_send);
                                          }));
        ioc.restart();
        ioc.run();
        BOOST_TEST(done);
        BOOST_TEST(dispatched == 0);
        rx.join();
        BOOST_TEST(rx.received() == 1000u + (16u << 20));
        BOOST_TEST(rx.mismatches() == 0u);
    }
}
#endif

#if ZEROCOPY_HAS_CANCEL_AFTER
// A peer that reads nothing: the transfer fills the socket buffers and stalls; cancel_after ends it
// with operation_aborted and the exact count, in every mode, and the socket stays usable.
BOOST_AUTO_TEST_CASE(cancel_after_ends_a_stalled_transfer) {
    for (auto mode :
         {zerocopy::send_mode::automatic, zerocopy::send_mode::native, zerocopy::send_mode::buffered}) {
        for (bool at : {false, true}) {
            asio::io_context ioc;
            tcp_pair p(ioc);
            temp_file f(64 << 20);
            zerocopy::sendfile_options opt;
            opt.mode = mode;
            bool done = false;
            error_code got;
            std::uint64_t sent = 0;
            auto handler = [&](error_code ec, std::uint64_t n) {
                done = true;
                got = ec;
                sent = n;
            };
            auto const t0 = std::chrono::steady_clock::now();
            if (at)
                zerocopy::async_sendfile(p.a, f.fd(), 0, zerocopy::to_end, opt,
                                         asio::cancel_at(t0 + std::chrono::milliseconds(150), handler));
            else
                zerocopy::async_sendfile(p.a, f.fd(), 0, zerocopy::to_end, opt,
                                         asio::cancel_after(std::chrono::milliseconds(150), handler));
            BOOST_TEST(!done);
            ioc.run();
            BOOST_TEST_REQUIRE(done);
            BOOST_TEST(got == asio::error::operation_aborted);
            BOOST_TEST(sent > 0u);
            BOOST_TEST(sent < (64u << 20));
            // Still open: shut down, and the peer reads exactly `sent` bytes of the file.
            BOOST_TEST(p.a.is_open());
            receiver rx(p.b.native_handle(), 0);
            error_code sec;
            p.a.shutdown(asio::socket_base::shutdown_send, sec);
            BOOST_TEST(!sec);
            rx.join();
            BOOST_TEST(rx.received() == sent);
            BOOST_TEST(rx.mismatches() == 0u);
            p.a.close(sec);
            BOOST_TEST(!sec);
        }
    }
}

BOOST_AUTO_TEST_CASE(cancel_after_that_never_fires_changes_nothing) {
    asio::io_context ioc;
    tcp_pair p(ioc);
    temp_file f(1 << 20);
    receiver rx(p.b.native_handle(), 0);
    bool done = false;
    zerocopy::async_sendfile(
        p.a, f.fd(), 0, zerocopy::to_end,
        asio::cancel_after(std::chrono::seconds(30), [&](error_code ec, std::uint64_t n) {
            done = true;
            BOOST_TEST(!ec);
            BOOST_TEST(n == (1u << 20));
            p.a.shutdown(asio::socket_base::shutdown_send);
        }));
    ioc.run();  // returns when the transfer is done: the timer is cancelled with it
    BOOST_TEST(done);
    rx.join();
    BOOST_TEST(rx.received() == (1u << 20));
    BOOST_TEST(rx.mismatches() == 0u);
}
#endif

BOOST_AUTO_TEST_SUITE_END()
