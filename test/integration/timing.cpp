// Timing-sensitive tests of async_sendfile: no busy-waiting, fairness. They run in the Release
// stage only, serially, with thresholds far from what a correct implementation measures.
#include <zerocopy/async_sendfile.hpp>

#include "common/sendfile_test_util.hpp"
#include "common/test_util.hpp"

#include <boost/asio.hpp>
#include <boost/test/unit_test.hpp>

#include <ctime>

namespace asio = boost::asio;
using boost::system::error_code;
using namespace zerocopy_test;

namespace {

/// Runs `ioc` on this thread and returns the CPU seconds this thread used meanwhile.
double run_and_measure_cpu(asio::io_context& ioc) {
    auto cpu = [] {
        timespec ts{};
        ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
    };
    double const before = cpu();
    ioc.run();
    return cpu() - before;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(scheduling)

BOOST_AUTO_TEST_CASE(slow_reader_does_not_make_the_sender_spin) {
    for (auto mode : {zerocopy::send_mode::native, zerocopy::send_mode::buffered}) {
        asio::io_context ioc;
        tcp_pair p(ioc);
        small_buffers(p.a, p.b);
        temp_file f(4 << 20);
        receiver rx(p.b.native_handle(), 0, {}, 64 * 1024, std::chrono::milliseconds(10));
        result r;
        auto const t0 = std::chrono::steady_clock::now();
        zerocopy::async_sendfile(p.a, f.fd(), 0, zerocopy::to_end, mode_opts(mode),
                                 [&](error_code ec, std::uint64_t n) {
                                     r = {ec, n, true};
                                     p.a.close();
                                 });
        double const cpu = run_and_measure_cpu(ioc);
        double const wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        rx.join();
        BOOST_TEST_MESSAGE("mode " << int(mode) << ": sender CPU " << cpu << " s over " << wall << " s");
        BOOST_TEST(!r.ec);
        BOOST_TEST(rx.received() == (4u << 20));
        BOOST_TEST(rx.mismatches() == 0u);
        BOOST_TEST(wall > 0.2);        // the reader really was slow
        BOOST_TEST(cpu < 0.2 * wall);  // a spinning sender would use ~100 %
    }
}

BOOST_AUTO_TEST_CASE(a_timer_fires_on_time_during_a_large_transfer) {
    for (auto mode : {zerocopy::send_mode::native, zerocopy::send_mode::buffered}) {
        asio::io_context ioc;
        tcp_pair p(ioc);
        temp_file f(256 << 20);
        receiver rx(p.b.native_handle(), 0);
        zerocopy::sendfile_options o = mode_opts(mode);
        o.max_chunk = 256 * 1024;
        result r;
        std::uint64_t received_at_timer = 0;
        double timer_late_ms = -1;
        auto const t0 = std::chrono::steady_clock::now();
        asio::steady_timer t(ioc, std::chrono::milliseconds(5));
        t.async_wait([&](error_code) {
            received_at_timer = rx.received();
            timer_late_ms =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() - 5;
        });
        zerocopy::async_sendfile(p.a, f.fd(), 0, zerocopy::to_end, o, [&](error_code ec, std::uint64_t n) {
            r = {ec, n, true};
            p.a.close();
        });
        ioc.run();
        rx.join();
        BOOST_TEST_MESSAGE("mode " << int(mode) << ": timer " << timer_late_ms << " ms late, receiver had "
                                   << received_at_timer << " bytes");
        BOOST_TEST(!r.ec);
        BOOST_TEST(rx.received() == (256u << 20));
        BOOST_TEST(timer_late_ms >= 0);
        BOOST_TEST(timer_late_ms < 100.0);             // a 256 MiB transfer takes far longer
        BOOST_TEST(received_at_timer < (256u << 20));  // it fired during the transfer
    }
}

BOOST_AUTO_TEST_CASE(two_transfers_progress_together_on_one_thread) {
    for (auto mode : {zerocopy::send_mode::native, zerocopy::send_mode::buffered}) {
        asio::io_context ioc;
        tcp_pair p1(ioc), p2(ioc);
        temp_file f(128 << 20);
        receiver rx1(p1.b.native_handle(), 0), rx2(p2.b.native_handle(), 0);
        std::uint64_t other_when_first_done = 0;
        int done = 0;
        auto on_done = [&](tcp_pair& mine, receiver& other) {
            return [&](error_code ec, std::uint64_t n) {
                BOOST_TEST(!ec);
                BOOST_TEST(n == (128u << 20));
                if (done++ == 0) other_when_first_done = other.received();
                mine.a.close();
            };
        };
        zerocopy::sendfile_options o = mode_opts(mode);
        o.max_chunk = 512 * 1024;
        zerocopy::async_sendfile(p1.a, f.fd(), 0, zerocopy::to_end, o, on_done(p1, rx2));
        zerocopy::async_sendfile(p2.a, f.fd(), 0, zerocopy::to_end, o, on_done(p2, rx1));
        ioc.run();
        rx1.join();
        rx2.join();
        BOOST_TEST(done == 2);
        BOOST_TEST(rx1.mismatches() + rx2.mismatches() == 0u);
        // When the first finished, the second had moved well past its start: they interleaved.
        BOOST_TEST_MESSAGE("mode " << int(mode) << ": other transfer had " << other_when_first_done);
        BOOST_TEST(other_when_first_done > (32u << 20));
    }
}

BOOST_AUTO_TEST_SUITE_END()
