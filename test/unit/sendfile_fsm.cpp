// The decisions of a transfer, tested without sockets: errors are injected at every step, the head
// and cancellation included. Built with BOOST_ENABLE_ASSERT_HANDLER and the machine's own source
// (test/unit/CMakeLists.txt): every BOOST_ASSERT is live, even in Release, and throws here.
#include <zerocopy/detail/sendfile_fsm.hpp>
// The header must be self-contained: included first above.
#include <zerocopy/error.hpp>
#include <zerocopy/file.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/errc.hpp>
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <stdexcept>
#include <string>

namespace zerocopy_test {
struct assertion_failure : std::logic_error {
    using std::logic_error::logic_error;
};
}  // namespace zerocopy_test

namespace boost {
void assertion_failed(char const* expr, char const*, char const* file, long line) {
    throw zerocopy_test::assertion_failure(std::string(expr) + " at " + file + ":" + std::to_string(line));
}
void assertion_failed_msg(char const*, char const* msg, char const*, char const* file, long line) {
    throw zerocopy_test::assertion_failure(std::string(msg) + " at " + file + ":" + std::to_string(line));
}
}  // namespace boost

using boost::system::error_code;
using zerocopy::send_mode;
using zerocopy::sendfile_options;
using zerocopy::detail::fsm_action;
using zerocopy::detail::fsm_event;
using zerocopy::detail::platform_caps;
using zerocopy::detail::sendfile_fsm;
using zerocopy::detail::stream_kind;
using zerocopy_test::assertion_failure;
using A = fsm_action;

namespace {
using cancel = boost::asio::cancellation_type;

error_code sys(int e) {
#if defined(_WIN32)
    // Windows' system category holds Win32 codes: there the errno values are generic ones
    // (what Winsock reports, WSAEWOULDBLOCK..., compares equal to the same conditions).
    return error_code(e, boost::system::generic_category());
#else
    return error_code(e, boost::system::system_category());
#endif
}

sendfile_options opts(send_mode m, std::size_t chunk = 1 << 20, std::size_t buf = 1000) {
    sendfile_options o;
    o.mode = m;
    o.max_chunk = chunk;
    o.buffer_size = buf;
    return o;
}

// Linux's seam: sendfile(2), send with MSG_MORE. Windows' seam: TransmitFile with a head.
platform_caps linux_caps() {
    platform_caps c;
    c.native = true;
    c.send_more = true;
    return c;
}
platform_caps windows_caps() {
    platform_caps c;
    c.native = true;
    c.native_head = true;
    return c;
}
platform_caps no_native() {
    platform_caps c;
    c.send_more = true;
    return c;
}

sendfile_fsm machine(std::uint64_t offset, std::uint64_t count, sendfile_options const& o, stream_kind k,
                     platform_caps caps = linux_caps(), std::size_t head = 0) {
    return sendfile_fsm(offset, count, o, k, caps, head);
}

// The driver's report of `kind`'s result.
A report(sendfile_fsm& m, A::kind_t kind, error_code ec = {}, std::uint64_t n = 0,
         boost::asio::cancellation_type_t cancelled = cancel::none) {
    fsm_event ev(kind, ec, n);
    ev.cancelled = cancelled;
    return m.resume(ev);
}
A start(sendfile_fsm& m, std::uint64_t file_size, error_code ec = {}) {
    return report(m, A::inspect, ec, file_size);
}
// Answers a narrowing, which the machine returns once, when the first bytes are out.
A narrowed(sendfile_fsm& m, A a) {
    BOOST_TEST_REQUIRE(a.kind() == A::narrow_cancellation);
    BOOST_TEST(m.narrowed());
    return report(m, A::narrow_cancellation);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(start_of_transfer)

BOOST_AUTO_TEST_CASE(inspect_error_ends_before_any_byte) {
    sendfile_fsm m = machine(0, 10, opts(send_mode::automatic), stream_kind::socket);
    A a = start(m, 0, zerocopy::error::not_a_regular_file);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(a.error() == zerocopy::error::not_a_regular_file);
    BOOST_TEST(m.bytes_transferred() == 0u);
}

BOOST_AUTO_TEST_CASE(empty_ranges_complete_without_error) {
    for (auto kind : {stream_kind::socket, stream_kind::generic}) {
        sendfile_fsm a = machine(0, 0, opts(send_mode::automatic), kind);
        BOOST_TEST(start(a, 100).kind() == A::done);
        sendfile_fsm b = machine(100, zerocopy::to_end, opts(send_mode::native), kind);
        A r = start(b, 100);
        BOOST_TEST(r.kind() == A::done);
        BOOST_TEST(!r.error());
    }
}

BOOST_AUTO_TEST_CASE(range_past_the_end_fails_at_once) {
    sendfile_fsm a = machine(50, 51, opts(send_mode::automatic), stream_kind::socket);
    A r = start(a, 100);
    BOOST_TEST(r.kind() == A::done);
    BOOST_TEST(r.error() == zerocopy::error::unexpected_eof);
    sendfile_fsm b = machine(101, zerocopy::to_end, opts(send_mode::automatic), stream_kind::socket);
    BOOST_TEST(start(b, 100).error() == zerocopy::error::unexpected_eof);
    // offset + count overflowing 64 bits is past any end.
    sendfile_fsm c = machine(10, ~std::uint64_t(0) - 1, opts(send_mode::automatic), stream_kind::socket);
    BOOST_TEST(start(c, 100).error() == zerocopy::error::unexpected_eof);
}

BOOST_AUTO_TEST_CASE(path_choice) {
    auto first = [](send_mode mode, stream_kind kind, platform_caps caps) {
        sendfile_fsm m = machine(0, 10, opts(mode), kind, caps);
        return start(m, 10);
    };
    // automatic: native where the stream and platform allow it.
    BOOST_TEST(first(send_mode::automatic, stream_kind::socket, linux_caps()).kind() == A::send_native);
    BOOST_TEST(first(send_mode::automatic, stream_kind::generic, linux_caps()).kind() == A::read);
    BOOST_TEST(first(send_mode::automatic, stream_kind::socket, no_native()).kind() == A::read);
    // buffered never sends natively.
    for (auto kind : {stream_kind::socket, stream_kind::descriptor, stream_kind::timed_socket})
        BOOST_TEST(first(send_mode::buffered, kind, linux_caps()).kind() == A::read);
    // native refuses what cannot be native.
    A r = first(send_mode::native, stream_kind::generic, linux_caps());
    BOOST_TEST(r.kind() == A::done);
    BOOST_TEST(r.error() == zerocopy::error::native_unavailable);
    BOOST_TEST(first(send_mode::native, stream_kind::socket, no_native()).error() ==
               zerocopy::error::native_unavailable);
    // Only automatic mode lets the primitive refuse for want of a slot.
    BOOST_TEST(first(send_mode::automatic, stream_kind::socket, windows_caps()).may_refuse());
    BOOST_TEST(!first(send_mode::native, stream_kind::socket, windows_caps()).may_refuse());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(native)

BOOST_AUTO_TEST_CASE(sends_exact_range_with_partial_sends) {
    sendfile_fsm m = machine(1000, 5000, opts(send_mode::native), stream_kind::socket);
    A a = start(m, 1 << 20);
    BOOST_TEST(a.kind() == A::send_native);
    BOOST_TEST(a.offset() == 1000u);
    BOOST_TEST(a.size() == 5000u);
    BOOST_TEST(a.head_size() == 0u);
    a = narrowed(m, report(m, A::send_native, {}, 1200));
    BOOST_TEST(a.kind() == A::send_native);
    BOOST_TEST(a.offset() == 2200u);
    BOOST_TEST(a.size() == 3800u);
    a = report(m, A::send_native, {}, 3800);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(!a.error());
    BOOST_TEST(m.bytes_transferred() == 5000u);
}

BOOST_AUTO_TEST_CASE(would_block_waits_then_resumes) {
    sendfile_fsm m = machine(0, 100, opts(send_mode::native), stream_kind::socket);
    start(m, 100);
    A a = report(m, A::send_native, boost::asio::error::would_block);
    BOOST_TEST(a.kind() == A::wait_writable);
    a = report(m, A::wait_writable);
    BOOST_TEST(a.kind() == A::send_native);
    BOOST_TEST(a.size() == 100u);
    a = report(m, A::send_native, sys(EAGAIN));
    BOOST_TEST(a.kind() == A::wait_writable);
    a = report(m, A::wait_writable, boost::asio::error::operation_aborted);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(a.error() == boost::asio::error::operation_aborted);
}

BOOST_AUTO_TEST_CASE(zero_bytes_means_truncated_file) {
    sendfile_fsm m = machine(0, 100, opts(send_mode::native), stream_kind::socket);
    start(m, 100);
    narrowed(m, report(m, A::send_native, {}, 40));
    A a = report(m, A::send_native);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(a.error() == zerocopy::error::unexpected_eof);
    BOOST_TEST(m.bytes_transferred() == 40u);
}

BOOST_AUTO_TEST_CASE(fairness_yields_after_max_chunk) {
    sendfile_fsm m = machine(0, 10000, opts(send_mode::native, 3000), stream_kind::socket);
    A a = start(m, 10000);
    BOOST_TEST(a.size() == 3000u);  // never more than one turn's worth per call
    a = narrowed(m, report(m, A::send_native, {}, 1000));
    BOOST_TEST(a.kind() == A::send_native);
    BOOST_TEST(a.size() == 2000u);  // the rest of this turn
    a = report(m, A::send_native, {}, 2000);
    BOOST_TEST(a.kind() == A::yield);
    a = report(m, A::yield);
    BOOST_TEST(a.kind() == A::send_native);
    BOOST_TEST(a.offset() == 3000u);
    BOOST_TEST(a.size() == 3000u);
    // A wait starts a new turn too.
    report(m, A::send_native, {}, 500);
    a = report(m, A::send_native, boost::asio::error::would_block);
    BOOST_TEST(a.kind() == A::wait_writable);
    a = report(m, A::wait_writable);
    BOOST_TEST(a.size() == 3000u);
}

BOOST_AUTO_TEST_CASE(peer_errors_end_with_bytes_so_far) {
    for (int e : {EPIPE, ECONNRESET, EBADF, EIO}) {
        sendfile_fsm m = machine(0, 100, opts(send_mode::automatic), stream_kind::socket);
        start(m, 100);
        narrowed(m, report(m, A::send_native, {}, 10));
        A a = report(m, A::send_native, sys(e));
        BOOST_TEST(a.kind() == A::done);
        BOOST_TEST(a.error() == sys(e));
        BOOST_TEST(m.bytes_transferred() == 10u);
    }
}

BOOST_AUTO_TEST_CASE(refusals_fall_back_in_automatic_mode_only) {
    for (int e : {EINVAL, ENOSYS, EOPNOTSUPP, ENOTSUP, EXDEV, EPERM}) {
        BOOST_TEST_CONTEXT("errno " << e) {
            BOOST_TEST(sendfile_fsm::is_native_refusal(sys(e)));
            // Before any byte: the buffered path takes over from the same offset.
            sendfile_fsm m = machine(7, 100, opts(send_mode::automatic), stream_kind::socket);
            start(m, 200);
            A a = report(m, A::send_native, sys(e));
            BOOST_TEST(a.kind() == A::read);
            BOOST_TEST(a.offset() == 7u);
            BOOST_TEST(!m.native());
            // After bytes were sent: never resend, continue at the exact current offset.
            sendfile_fsm k = machine(7, 100, opts(send_mode::automatic), stream_kind::socket);
            start(k, 200);
            narrowed(k, report(k, A::send_native, {}, 30));
            a = report(k, A::send_native, sys(e));
            BOOST_TEST(a.kind() == A::read);
            BOOST_TEST(a.offset() == 37u);
            BOOST_TEST(a.size() == 70u);
            a = report(k, A::read, {}, 70);
            BOOST_TEST(a.kind() == A::write);
            a = report(k, A::write, {}, 70);
            BOOST_TEST(a.kind() == A::done);
            BOOST_TEST(k.bytes_transferred() == 100u);
            // native mode reports the refusal.
            sendfile_fsm n = machine(7, 100, opts(send_mode::native), stream_kind::socket);
            start(n, 200);
            a = report(n, A::send_native, sys(e));
            BOOST_TEST(a.kind() == A::done);
            BOOST_TEST(a.error() == sys(e));
            BOOST_TEST(n.bytes_transferred() == 0u);
        }
    }
    BOOST_TEST(!sendfile_fsm::is_native_refusal(sys(EPIPE)));
    BOOST_TEST(!sendfile_fsm::is_native_refusal(sys(EAGAIN)));
}

BOOST_AUTO_TEST_CASE(timed_socket_waits_through_a_piece) {
    sendfile_fsm m = machine(0, 5000, opts(send_mode::automatic, 1 << 20, 1000), stream_kind::timed_socket);
    start(m, 5000);
    narrowed(m, report(m, A::send_native, {}, 100));
    A a = report(m, A::send_native, boost::asio::error::would_block);
    BOOST_TEST(a.kind() == A::read);  // the next piece, read at the current offset
    BOOST_TEST(a.offset() == 100u);
    BOOST_TEST(a.size() == 1000u);
    a = report(m, A::read, {}, 1000);
    BOOST_TEST(a.kind() == A::write_some);
    BOOST_TEST(a.size() == 1000u);
    a = report(m, A::write_some, {}, 300);  // partial write: the rest is sent again from the file
    BOOST_TEST(a.kind() == A::send_native);
    BOOST_TEST(a.offset() == 400u);
    BOOST_TEST(m.native());
    // The stream's timer fired: its error ends the transfer with the exact count.
    report(m, A::send_native, boost::asio::error::would_block);
    report(m, A::read, {}, 1000);
    a = report(m, A::write_some, boost::asio::error::timed_out);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(a.error() == boost::asio::error::timed_out);
    BOOST_TEST(m.bytes_transferred() == 400u);
}

BOOST_AUTO_TEST_SUITE_END()

// What Windows' seam reports: a slot refused, a count with an error, the head inside the count.
BOOST_AUTO_TEST_SUITE(overlapped_native)

BOOST_AUTO_TEST_CASE(busy_slot_falls_back_to_buffered) {
    sendfile_fsm m = machine(5, 3000, opts(send_mode::automatic), stream_kind::socket, windows_caps());
    A a = start(m, 4000);
    BOOST_TEST(a.kind() == A::send_native);
    BOOST_TEST(a.may_refuse());
    fsm_event busy(A::send_native);
    busy.busy = true;
    a = m.resume(busy);
    BOOST_TEST(a.kind() == A::read);
    BOOST_TEST(a.offset() == 5u);
    BOOST_TEST(!m.native());
    BOOST_TEST(m.bytes_transferred() == 0u);
}

BOOST_AUTO_TEST_CASE(count_with_an_error_counts_the_bytes_then_the_error) {
    // The error ends the transfer with the bytes counted.
    sendfile_fsm m = machine(0, 3000, opts(send_mode::native), stream_kind::socket, windows_caps());
    start(m, 3000);
    A a = report(m, A::send_native, boost::asio::error::connection_reset, 1200);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(a.error() == boost::asio::error::connection_reset);
    BOOST_TEST(m.bytes_transferred() == 1200u);
    // A cancelled TransmitFile (CancelIoEx) that had sent some: operation_aborted, bytes counted.
    sendfile_fsm c = machine(0, 3000, opts(send_mode::native), stream_kind::socket, windows_caps());
    start(c, 3000);
    a = report(c, A::send_native, boost::asio::error::operation_aborted, 700, cancel::terminal);
    BOOST_TEST(a.error() == boost::asio::error::operation_aborted);
    BOOST_TEST(c.bytes_transferred() == 700u);
    // A refusal after a count: the buffered path continues after the counted bytes.
    sendfile_fsm r = machine(0, 3000, opts(send_mode::automatic), stream_kind::socket, windows_caps());
    start(r, 3000);
    a = narrowed(r, report(r, A::send_native, sys(EOPNOTSUPP), 1000));
    BOOST_TEST(a.kind() == A::read);
    BOOST_TEST(a.offset() == 1000u);
    // Bytes and an error when the range is complete: done without error.
    sendfile_fsm d = machine(0, 3000, opts(send_mode::native), stream_kind::socket, windows_caps());
    start(d, 3000);
    a = report(d, A::send_native, boost::asio::error::connection_reset, 3000);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(!a.error());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(buffered)

BOOST_AUTO_TEST_CASE(reads_and_writes_whole_chunks) {
    sendfile_fsm m = machine(10, 2500, opts(send_mode::buffered, 1 << 20, 1000), stream_kind::generic);
    A a = start(m, 5000);
    BOOST_TEST(a.kind() == A::read);
    BOOST_TEST(a.offset() == 10u);
    BOOST_TEST(a.size() == 1000u);
    a = report(m, A::read, {}, 600);  // a short read is written as is
    BOOST_TEST(a.kind() == A::write);
    BOOST_TEST(a.size() == 600u);
    a = narrowed(m, report(m, A::write, {}, 600));
    BOOST_TEST(a.kind() == A::read);
    BOOST_TEST(a.offset() == 610u);
    report(m, A::read, {}, 1000);
    report(m, A::write, {}, 1000);
    a = report(m, A::read, {}, 900);
    BOOST_TEST(a.kind() == A::write);
    a = report(m, A::write, {}, 900);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(!a.error());
    BOOST_TEST(m.bytes_transferred() == 2500u);
}

BOOST_AUTO_TEST_CASE(eof_and_errors) {
    sendfile_fsm m = machine(0, 2500, opts(send_mode::buffered, 1 << 20, 1000), stream_kind::generic);
    start(m, 5000);
    report(m, A::read, {}, 1000);
    narrowed(m, report(m, A::write, {}, 1000));
    A a = report(m, A::read);
    BOOST_TEST(a.error() == zerocopy::error::unexpected_eof);
    BOOST_TEST(m.bytes_transferred() == 1000u);

    sendfile_fsm r = machine(0, 2500, opts(send_mode::buffered), stream_kind::generic);
    start(r, 5000);
    BOOST_TEST(report(r, A::read, sys(EIO)).error() == sys(EIO));

    sendfile_fsm w = machine(0, 2500, opts(send_mode::buffered, 1 << 20, 1000), stream_kind::generic);
    start(w, 5000);
    report(w, A::read, {}, 1000);
    a = report(w, A::write, boost::asio::error::broken_pipe, 400);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(w.bytes_transferred() == 400u);
}

BOOST_AUTO_TEST_CASE(fairness_yields_between_chunks) {
    sendfile_fsm m = machine(0, 10000, opts(send_mode::buffered, 2000, 1000), stream_kind::socket);
    start(m, 10000);
    report(m, A::read, {}, 1000);
    A a = narrowed(m, report(m, A::write, {}, 1000));
    BOOST_TEST(a.kind() == A::read);
    report(m, A::read, {}, 1000);
    a = report(m, A::write, {}, 1000);
    BOOST_TEST(a.kind() == A::yield);
    a = report(m, A::yield);
    BOOST_TEST(a.kind() == A::read);
    BOOST_TEST(a.offset() == 2000u);
}

BOOST_AUTO_TEST_CASE(descriptor_writes_itself_and_waits) {
    sendfile_fsm m = machine(0, 1500, opts(send_mode::buffered, 1 << 20, 1000), stream_kind::descriptor);
    start(m, 1500);
    A a = report(m, A::read, {}, 1000);
    BOOST_TEST(a.kind() == A::try_write);
    BOOST_TEST(a.buffer_offset() == 0u);
    BOOST_TEST(a.size() == 1000u);
    a = narrowed(m, report(m, A::try_write, {}, 300));
    BOOST_TEST(a.kind() == A::try_write);
    BOOST_TEST(a.buffer_offset() == 300u);
    BOOST_TEST(a.size() == 700u);
    a = report(m, A::try_write, boost::asio::error::would_block);
    BOOST_TEST(a.kind() == A::wait_writable);
    a = report(m, A::wait_writable);
    BOOST_TEST(a.kind() == A::try_write);
    BOOST_TEST(a.buffer_offset() == 300u);
    a = report(m, A::try_write, {}, 700);
    BOOST_TEST(a.kind() == A::read);
    BOOST_TEST(a.offset() == 1000u);
    BOOST_TEST(a.size() == 500u);
    report(m, A::read, {}, 500);
    a = report(m, A::try_write, boost::asio::error::broken_pipe);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(a.error() == boost::asio::error::broken_pipe);
    BOOST_TEST(m.bytes_transferred() == 1000u);
}

BOOST_AUTO_TEST_SUITE_END()

// The head (async_sendfile_with_head, zerocopy::http): how it goes is the machine's decision.
BOOST_AUTO_TEST_SUITE(head)

BOOST_AUTO_TEST_CASE(socket_sends_it_with_more_before_the_file) {
    for (auto mode : {send_mode::native, send_mode::buffered}) {
        sendfile_fsm m = machine(0, 1000, opts(mode), stream_kind::socket, linux_caps(), 120);
        A a = start(m, 1000);
        BOOST_TEST(a.kind() == A::send_head);
        BOOST_TEST(a.head_offset() == 0u);
        BOOST_TEST(a.size() == 120u);
        BOOST_TEST(a.more());  // the file's first bytes follow at once
        a = narrowed(m, report(m, A::send_head, {}, 120));
        BOOST_TEST(a.kind() == (mode == send_mode::native ? A::send_native : A::read));
        BOOST_TEST(m.bytes_transferred() == 120u);
    }
}

BOOST_AUTO_TEST_CASE(a_partial_head_is_finished_with_a_whole_write) {
    sendfile_fsm m = machine(0, 1000, opts(send_mode::native), stream_kind::timed_socket, linux_caps(), 120);
    start(m, 1000);
    A a = narrowed(m, report(m, A::send_head, boost::asio::error::would_block, 50));
    BOOST_TEST(a.kind() == A::write_head);
    BOOST_TEST(a.head_offset() == 50u);
    BOOST_TEST(a.size() == 70u);
    a = report(m, A::write_head, {}, 70);
    BOOST_TEST(a.kind() == A::send_native);
    BOOST_TEST(a.offset() == 0u);
    a = report(m, A::send_native, {}, 1000);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(m.bytes_transferred() == 1120u);
    // A full socket, nothing sent: the whole head is written (no narrowing: nothing is out yet).
    sendfile_fsm f = machine(0, 1000, opts(send_mode::native), stream_kind::socket, linux_caps(), 120);
    start(f, 1000);
    a = report(f, A::send_head, boost::asio::error::would_block);
    BOOST_TEST(a.kind() == A::write_head);
    BOOST_TEST(a.head_offset() == 0u);
    BOOST_TEST(a.size() == 120u);
}

BOOST_AUTO_TEST_CASE(head_errors_end_before_the_file) {
    sendfile_fsm m = machine(0, 1000, opts(send_mode::native), stream_kind::socket, linux_caps(), 120);
    start(m, 1000);
    A a = report(m, A::send_head, boost::asio::error::broken_pipe);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(a.error() == boost::asio::error::broken_pipe);
    BOOST_TEST(m.bytes_transferred() == 0u);
    sendfile_fsm w = machine(0, 1000, opts(send_mode::automatic), stream_kind::generic, linux_caps(), 120);
    start(w, 1000);
    a = report(w, A::write_head, boost::asio::error::connection_reset, 30);
    BOOST_TEST(a.error() == boost::asio::error::connection_reset);
    BOOST_TEST(w.bytes_transferred() == 30u);
}

BOOST_AUTO_TEST_CASE(empty_range_sends_the_head_alone_and_a_failed_start_none) {
    sendfile_fsm m = machine(10, 0, opts(send_mode::automatic), stream_kind::socket, linux_caps(), 120);
    A a = start(m, 100);
    BOOST_TEST(a.kind() == A::send_head);
    BOOST_TEST(!a.more());  // nothing follows: it must not wait for more
    a = report(m, A::send_head, {}, 120);
    BOOST_TEST(a.kind() == A::done);  // the end: nothing left to narrow cancellation for
    BOOST_TEST(!a.error());
    BOOST_TEST(m.bytes_transferred() == 120u);
    // A range that already ends past the end of the file: nothing at all, the head neither.
    for (auto caps : {linux_caps(), windows_caps()}) {
        sendfile_fsm p = machine(50, 51, opts(send_mode::automatic), stream_kind::socket, caps, 120);
        a = start(p, 100);
        BOOST_TEST(a.kind() == A::done);
        BOOST_TEST(a.error() == zerocopy::error::unexpected_eof);
        BOOST_TEST(p.bytes_transferred() == 0u);
    }
}

BOOST_AUTO_TEST_CASE(other_streams_write_it_whole) {
    for (auto kind : {stream_kind::generic, stream_kind::descriptor}) {
        sendfile_fsm m = machine(0, 1000, opts(send_mode::automatic), kind, linux_caps(), 120);
        A a = start(m, 1000);
        BOOST_TEST(a.kind() == A::write_head);
        BOOST_TEST(a.size() == 120u);
        a = narrowed(m, report(m, A::write_head, {}, 120));
        BOOST_TEST(a.kind() == (kind == stream_kind::generic ? A::read : A::send_native));
    }
}

BOOST_AUTO_TEST_CASE(native_head_goes_in_the_same_call) {
    sendfile_fsm m = machine(0, 1000, opts(send_mode::native), stream_kind::socket, windows_caps(), 120);
    A a = start(m, 1000);
    BOOST_TEST(a.kind() == A::send_native);
    BOOST_TEST(a.head_offset() == 0u);
    BOOST_TEST(a.head_size() == 120u);
    BOOST_TEST(a.size() == 1000u);
    a = narrowed(m, report(m, A::send_native, {}, 120 + 400));  // the count includes the head
    BOOST_TEST(a.kind() == A::send_native);
    BOOST_TEST(a.head_size() == 0u);
    BOOST_TEST(a.offset() == 400u);
    BOOST_TEST(a.size() == 600u);
    BOOST_TEST(m.bytes_transferred() == 520u);
    // Part of the head only, no error: the stream failed; nothing of the file was sent.
    sendfile_fsm p = machine(0, 1000, opts(send_mode::native), stream_kind::socket, windows_caps(), 120);
    start(p, 1000);
    a = report(p, A::send_native, {}, 60);
    BOOST_TEST(a.error() == boost::asio::error::connection_aborted);
    BOOST_TEST(p.bytes_transferred() == 60u);
    // Busy: the head stays first in line, written whole before the buffered path.
    sendfile_fsm b = machine(0, 1000, opts(send_mode::automatic), stream_kind::socket, windows_caps(), 120);
    start(b, 1000);
    fsm_event busy(A::send_native);
    busy.busy = true;
    a = b.resume(busy);
    BOOST_TEST(a.kind() == A::write_head);
    BOOST_TEST(a.size() == 120u);
    a = narrowed(b, report(b, A::write_head, {}, 120));
    BOOST_TEST(a.kind() == A::read);
    BOOST_TEST(a.offset() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cancellation)

BOOST_AUTO_TEST_CASE(terminal_and_partial_stop_between_steps_with_bytes_so_far) {
    for (auto type : {cancel::terminal, cancel::partial}) {
        sendfile_fsm m = machine(0, 1000, opts(send_mode::native), stream_kind::socket);
        start(m, 1000);
        narrowed(m, report(m, A::send_native, {}, 250));
        A a = report(m, A::send_native, boost::asio::error::would_block, 0, type);
        BOOST_TEST(a.kind() == A::done);
        BOOST_TEST(a.error() == boost::asio::error::operation_aborted);
        BOOST_TEST(m.bytes_transferred() == 250u);
    }
}

BOOST_AUTO_TEST_CASE(narrows_once_the_first_byte_is_out) {
    // Nothing out: total cancels.
    sendfile_fsm m = machine(0, 1000, opts(send_mode::native), stream_kind::socket);
    start(m, 1000);
    report(m, A::send_native, boost::asio::error::would_block);
    A a = report(m, A::wait_writable, {}, 0, cancel::total);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(a.error() == boost::asio::error::operation_aborted);
    BOOST_TEST(m.bytes_transferred() == 0u);
    // The first bytes: the machine narrows once, and `total` arriving with them is ignored.
    sendfile_fsm n = machine(0, 1000, opts(send_mode::native), stream_kind::socket);
    start(n, 1000);
    BOOST_TEST(!n.narrowed());
    a = report(n, A::send_native, {}, 10, cancel::total);
    BOOST_TEST(a.kind() == A::narrow_cancellation);
    a = report(n, A::narrow_cancellation);
    BOOST_TEST(a.kind() == A::send_native);
    a = report(n, A::send_native, {}, 10);
    BOOST_TEST(a.kind() == A::send_native);  // no second narrowing
    // The head's bytes count as bytes out.
    sendfile_fsm h = machine(0, 1000, opts(send_mode::native), stream_kind::socket, linux_caps(), 10);
    start(h, 1000);
    a = report(h, A::send_head, {}, 10, cancel::total);
    BOOST_TEST(a.kind() == A::narrow_cancellation);
    // terminal after narrowing still stops, at the narrowing's answer too.
    a = report(h, A::narrow_cancellation, {}, 0, cancel::terminal);
    BOOST_TEST(a.error() == boost::asio::error::operation_aborted);
    BOOST_TEST(h.bytes_transferred() == 10u);
}

BOOST_AUTO_TEST_CASE(a_cancelled_transfer_does_not_send_its_head) {
    sendfile_fsm m = machine(0, 1000, opts(send_mode::native), stream_kind::socket, linux_caps(), 10);
    A a = report(m, A::inspect, {}, 1000, cancel::terminal);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(a.error() == boost::asio::error::operation_aborted);
    BOOST_TEST(m.bytes_transferred() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// The protocol itself: the machine catches a driver that does not follow it.
BOOST_AUTO_TEST_SUITE(protocol)

BOOST_AUTO_TEST_CASE(a_report_that_does_not_answer_the_last_action_is_caught) {
    sendfile_fsm m = machine(0, 1000, opts(send_mode::native), stream_kind::socket);
    // Before anything: the first report must be the inspection's.
    BOOST_CHECK_THROW(report(m, A::send_native, {}, 10), assertion_failure);
    A a = start(m, 1000);
    BOOST_TEST(a.kind() == A::send_native);
    // A read result where a native send was asked for.
    BOOST_CHECK_THROW(report(m, A::read, {}, 10), assertion_failure);
    // A wait where a narrowing was asked for.
    BOOST_TEST(report(m, A::send_native, {}, 10).kind() == A::narrow_cancellation);
    BOOST_CHECK_THROW(report(m, A::wait_writable), assertion_failure);
    // The right answer still works.
    BOOST_TEST(report(m, A::narrow_cancellation).kind() == A::send_native);
}

BOOST_AUTO_TEST_CASE(resuming_a_finished_transfer_is_caught) {
    sendfile_fsm m = machine(0, 0, opts(send_mode::native), stream_kind::socket);
    BOOST_TEST(start(m, 10).kind() == A::done);
    BOOST_CHECK_THROW(report(m, A::done), assertion_failure);
}

BOOST_AUTO_TEST_CASE(accessors_assert_the_kind) {
    sendfile_fsm m = machine(0, 1000, opts(send_mode::native), stream_kind::socket);
    A a = start(m, 1000);
    BOOST_CHECK_THROW(a.error(), assertion_failure);
    BOOST_CHECK_THROW(a.more(), assertion_failure);
    BOOST_CHECK_THROW(a.buffer_offset(), assertion_failure);
    A w = report(m, A::send_native, boost::asio::error::would_block);
    BOOST_TEST(w.kind() == A::wait_writable);
    BOOST_CHECK_THROW(w.offset(), assertion_failure);
    BOOST_CHECK_THROW(w.size(), assertion_failure);
}

BOOST_AUTO_TEST_CASE(busy_from_a_send_that_may_not_refuse_is_caught) {
    sendfile_fsm m = machine(0, 1000, opts(send_mode::native), stream_kind::socket, windows_caps());
    start(m, 1000);
    fsm_event busy(A::send_native);
    busy.busy = true;
    BOOST_CHECK_THROW(m.resume(busy), assertion_failure);
}

BOOST_AUTO_TEST_CASE(the_clock_reading_is_recorded) {
    sendfile_fsm m = machine(0, 1000, opts(send_mode::native), stream_kind::socket);
    fsm_event ev(A::inspect, {}, 1000);
    ev.now = std::chrono::steady_clock::time_point(std::chrono::seconds(42));
    m.resume(ev);
    BOOST_TEST((m.last_resume() == ev.now));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(defaults_replace_zero_options) {
    sendfile_options o;
    o.max_chunk = 0;
    o.buffer_size = 0;
    sendfile_fsm m = machine(0, 10 << 20, o, stream_kind::generic);
    BOOST_TEST(m.buffer_size() == sendfile_options{}.buffer_size);
    BOOST_TEST(start(m, 10 << 20).size() == sendfile_options{}.buffer_size);
}

// Issue 13: the small-body path (head + body in one sendmsg after one preadv2(RWF_NOWAIT)), and the
// declared SIGPIPE disposition.
BOOST_AUTO_TEST_SUITE(small_body)

platform_caps small_caps() {
    platform_caps c = linux_caps();
    c.small_send = true;
    return c;
}

sendfile_options small_opts(send_mode m = send_mode::automatic, std::size_t threshold = 4096) {
    sendfile_options o = opts(m, 1 << 20, 8192);
    o.small_body_threshold = threshold;
    return o;
}

BOOST_AUTO_TEST_CASE(head_and_body_leave_in_one_send) {
    sendfile_fsm m = machine(0, 3000, small_opts(), stream_kind::socket, small_caps(), 120);
    A a = start(m, 3000);
    BOOST_TEST_REQUIRE(a.kind() == A::read_nowait);
    BOOST_TEST(a.offset() == 0u);
    BOOST_TEST(a.size() == 3000u);
    a = report(m, A::read_nowait, {}, 3000);
    BOOST_TEST_REQUIRE(a.kind() == A::send_small);
    BOOST_TEST(a.head_offset() == 0u);
    BOOST_TEST(a.head_size() == 120u);
    BOOST_TEST(a.buffer_offset() == 0u);
    BOOST_TEST(a.size() == 3000u);
    a = report(m, A::send_small, {}, 3120);
    BOOST_TEST(a.kind() == A::done);  // complete: no narrowing needed
    BOOST_TEST(!a.error());
    BOOST_TEST(m.bytes_transferred() == 3120u);
}

BOOST_AUTO_TEST_CASE(a_cold_file_takes_the_ordinary_path_with_nothing_sent) {
    namespace errc = boost::system::errc;
    for (error_code ec :
         {error_code(boost::asio::error::would_block), errc::make_error_code(errc::operation_not_supported),
          errc::make_error_code(errc::function_not_supported), errc::make_error_code(errc::io_error)}) {
        sendfile_fsm m = machine(10, 3000, small_opts(), stream_kind::socket, small_caps(), 120);
        BOOST_TEST_REQUIRE(start(m, 4000).kind() == A::read_nowait);
        A a = report(m, A::read_nowait, ec);
        // The head goes as on the ordinary path: send_head with MSG_MORE, then sendfile.
        BOOST_TEST_REQUIRE(a.kind() == A::send_head);
        BOOST_TEST(a.more());
        a = narrowed(m, report(m, A::send_head, {}, 120));
        BOOST_TEST_REQUIRE(a.kind() == A::send_native);
        BOOST_TEST(a.offset() == 10u);
        BOOST_TEST(a.size() == 3000u);
    }
    // Buffered mode: the ordinary path is the blocking read.
    sendfile_fsm b =
        machine(0, 3000, small_opts(send_mode::buffered), stream_kind::socket, small_caps(), 120);
    BOOST_TEST_REQUIRE(start(b, 3000).kind() == A::read_nowait);
    A a = report(b, A::read_nowait, boost::asio::error::would_block);
    BOOST_TEST_REQUIRE(a.kind() == A::send_head);
    a = narrowed(b, report(b, A::send_head, {}, 120));
    BOOST_TEST(a.kind() == A::read);
}

BOOST_AUTO_TEST_CASE(a_partial_send_waits_and_sends_the_rest) {
    sendfile_fsm m = machine(0, 3000, small_opts(), stream_kind::socket, small_caps(), 120);
    start(m, 3000);
    report(m, A::read_nowait, {}, 3000);
    // Part of the head only.
    A a = narrowed(m, report(m, A::send_small, {}, 100));
    BOOST_TEST_REQUIRE(a.kind() == A::wait_writable);
    a = report(m, A::wait_writable);
    BOOST_TEST_REQUIRE(a.kind() == A::send_small);
    BOOST_TEST(a.head_offset() == 100u);
    BOOST_TEST(a.head_size() == 20u);
    BOOST_TEST(a.buffer_offset() == 0u);
    BOOST_TEST(a.size() == 3000u);
    // Nothing: full again.
    a = report(m, A::send_small, boost::asio::error::would_block, 0);
    BOOST_TEST_REQUIRE(a.kind() == A::wait_writable);
    a = report(m, A::wait_writable);
    // The rest of the head and part of the body.
    a = report(m, A::send_small, {}, 20 + 1000);
    BOOST_TEST_REQUIRE(a.kind() == A::wait_writable);
    a = report(m, A::wait_writable);
    BOOST_TEST_REQUIRE(a.kind() == A::send_small);
    BOOST_TEST(a.head_size() == 0u);
    BOOST_TEST(a.buffer_offset() == 1000u);
    BOOST_TEST(a.size() == 2000u);
    a = report(m, A::send_small, {}, 2000);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(!a.error());
    BOOST_TEST(m.bytes_transferred() == 3120u);
}

BOOST_AUTO_TEST_CASE(a_short_read_sends_what_it_has_then_the_ordinary_path) {
    sendfile_fsm m = machine(0, 3000, small_opts(), stream_kind::socket, small_caps(), 120);
    start(m, 3000);
    A a = report(m, A::read_nowait, {}, 1000);
    BOOST_TEST_REQUIRE(a.kind() == A::send_small);
    BOOST_TEST(a.size() == 1000u);
    a = narrowed(m, report(m, A::send_small, {}, 1120));
    BOOST_TEST_REQUIRE(a.kind() == A::send_native);
    BOOST_TEST(a.offset() == 1000u);
    BOOST_TEST(a.size() == 2000u);
    a = report(m, A::send_native, {}, 2000);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(m.bytes_transferred() == 3120u);
}

BOOST_AUTO_TEST_CASE(errors_end_the_transfer) {
    // A truncated file: nothing read, nothing sent, the head neither.
    sendfile_fsm t = machine(0, 3000, small_opts(), stream_kind::socket, small_caps(), 120);
    start(t, 3000);
    A a = report(t, A::read_nowait, {}, 0);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(a.error() == zerocopy::error::unexpected_eof);
    BOOST_TEST(t.bytes_transferred() == 0u);
    // The peer went away.
    sendfile_fsm p = machine(0, 3000, small_opts(), stream_kind::socket, small_caps(), 120);
    start(p, 3000);
    report(p, A::read_nowait, {}, 3000);
    a = report(p, A::send_small, boost::asio::error::broken_pipe, 0);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(a.error() == boost::asio::error::broken_pipe);
    // A wait that fails (the socket was closed).
    sendfile_fsm w = machine(0, 3000, small_opts(), stream_kind::socket, small_caps(), 120);
    start(w, 3000);
    report(w, A::read_nowait, {}, 3000);
    a = report(w, A::send_small, boost::asio::error::would_block, 0);
    a = report(w, A::wait_writable, boost::asio::error::operation_aborted);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(a.error() == boost::asio::error::operation_aborted);
}

BOOST_AUTO_TEST_CASE(cancellation_before_the_send_ends_with_nothing_sent) {
    sendfile_fsm m = machine(0, 3000, small_opts(), stream_kind::socket, small_caps(), 120);
    start(m, 3000);
    A a = report(m, A::read_nowait, {}, 3000, cancel::total);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(a.error() == boost::asio::error::operation_aborted);
    BOOST_TEST(m.bytes_transferred() == 0u);
}

BOOST_AUTO_TEST_CASE(only_where_it_applies) {
    auto first = [](std::uint64_t count, sendfile_options const& o, stream_kind k, platform_caps c,
                    std::size_t head) {
        sendfile_fsm m = machine(0, count, o, k, c, head);
        return start(m, count).kind();
    };
    BOOST_TEST(first(4096, small_opts(), stream_kind::socket, small_caps(), 100) == A::read_nowait);
    BOOST_TEST(first(4097, small_opts(), stream_kind::socket, small_caps(), 100) == A::send_head);
    BOOST_TEST(first(100, small_opts(), stream_kind::socket, small_caps(), 0) == A::send_native);  // no head
    BOOST_TEST(first(100, small_opts(send_mode::native), stream_kind::socket, small_caps(), 100) ==
               A::send_head);
    BOOST_TEST(first(100, small_opts(send_mode::automatic, 0), stream_kind::socket, small_caps(), 100) ==
               A::send_head);
    BOOST_TEST(first(100, small_opts(), stream_kind::socket, linux_caps(), 100) == A::send_head);
    BOOST_TEST(first(100, small_opts(), stream_kind::timed_socket, small_caps(), 100) == A::send_head);
    BOOST_TEST(first(100, small_opts(), stream_kind::descriptor, small_caps(), 100) == A::write_head);
    BOOST_TEST(first(100, small_opts(), stream_kind::generic, small_caps(), 100) == A::write_head);
    // Never more than the buffer.
    BOOST_TEST(first(8193, small_opts(send_mode::automatic, 100000), stream_kind::socket, small_caps(),
                     100) == A::send_head);
}

// zerocopy::http::try_write's machine: it never asks for an action that may wait.
BOOST_AUTO_TEST_CASE(a_driver_that_cannot_wait_gets_would_block_instead_of_a_wait) {
    auto never_waiting = [](std::uint64_t count, sendfile_options o = small_opts()) {
        sendfile_fsm m = machine(0, count, o, stream_kind::socket, small_caps(), 120);
        m.never_wait();
        return m;
    };
    // In the page cache: the small path runs as usual.
    sendfile_fsm m = never_waiting(3000);
    BOOST_TEST_REQUIRE(start(m, 3000).kind() == A::read_nowait);
    BOOST_TEST_REQUIRE(report(m, A::read_nowait, {}, 3000).kind() == A::send_small);
    A a = report(m, A::send_small, {}, 3120);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(!a.error());
    // Not in the page cache: would_block with nothing sent, not even the head.
    sendfile_fsm cold = never_waiting(3000);
    start(cold, 3000);
    a = report(cold, A::read_nowait, boost::asio::error::would_block);
    BOOST_TEST_REQUIRE(a.kind() == A::done);
    BOOST_TEST((a.error() == boost::asio::error::would_block));
    BOOST_TEST(cold.bytes_transferred() == 0u);
    // A full socket: would_block with what went out (here part of the head) counted.
    sendfile_fsm full = never_waiting(3000);
    start(full, 3000);
    report(full, A::read_nowait, {}, 3000);
    a = report(full, A::send_small, {}, 100);
    BOOST_TEST_REQUIRE(a.kind() == A::done);
    BOOST_TEST((a.error() == boost::asio::error::would_block));
    BOOST_TEST(full.bytes_transferred() == 100u);
    // Part of the range cached: that part leaves, the rest would need sendfile: would_block.
    sendfile_fsm part = never_waiting(3000);
    start(part, 3000);
    report(part, A::read_nowait, {}, 1000);
    a = report(part, A::send_small, {}, 1120);
    BOOST_TEST_REQUIRE(a.kind() == A::done);
    BOOST_TEST((a.error() == boost::asio::error::would_block));
    BOOST_TEST(part.bytes_transferred() == 1120u);
    // Above the threshold: the ordinary path would sendfile: would_block before anything.
    sendfile_fsm big = never_waiting(1 << 20);
    a = start(big, 1 << 20);
    BOOST_TEST_REQUIRE(a.kind() == A::done);
    BOOST_TEST((a.error() == boost::asio::error::would_block));
    BOOST_TEST(big.bytes_transferred() == 0u);
    // A real error is still that error.
    sendfile_fsm gone = never_waiting(3000);
    start(gone, 3000);
    report(gone, A::read_nowait, {}, 3000);
    a = report(gone, A::send_small, boost::asio::error::connection_reset, 0);
    BOOST_TEST((a.error() == boost::asio::error::connection_reset));
}

BOOST_AUTO_TEST_CASE(a_declared_sigpipe_disposition_reaches_the_unguarded_calls) {
    sendfile_options o = opts(send_mode::automatic);
    BOOST_TEST(![&] {
        sendfile_fsm m = machine(0, 100, o, stream_kind::socket);
        return start(m, 100).sigpipe_ignored();
    }());
    o.sigpipe_ignored = true;
    sendfile_fsm m = machine(0, 100, o, stream_kind::socket);
    A a = start(m, 100);
    BOOST_TEST(a.sigpipe_ignored());
    sendfile_fsm d = machine(0, 100, opts(send_mode::buffered), stream_kind::descriptor);
    start(d, 100);
    BOOST_TEST(!report(d, A::read, {}, 100).sigpipe_ignored());
    BOOST_CHECK_THROW(report(m, A::send_native, {}, 100).sigpipe_ignored(), assertion_failure);  // done
}

BOOST_AUTO_TEST_SUITE_END()

// Issue 14: the turn's time rule, and the cold page cache (probe, read_off_loop, non-blocking reads).
namespace {
using clock_type = std::chrono::steady_clock;
using std::chrono::microseconds;

platform_caps probing_caps() {
    platform_caps c = linux_caps();
    c.probe = true;
    return c;
}
// The driver's report with the clock: `at` microseconds after an arbitrary origin.
A report_at(sendfile_fsm& m, long at, A::kind_t kind, error_code ec = {}, std::uint64_t n = 0) {
    fsm_event ev(kind, ec, n);
    ev.now = clock_type::time_point(std::chrono::seconds(1000)) + microseconds(at);
    return m.resume(ev);
}
sendfile_options timed(std::size_t chunk, long turn_us) {
    sendfile_options o = opts(send_mode::automatic, chunk);
    o.max_turn_time = microseconds(turn_us);
    return o;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(turn_rule)

BOOST_AUTO_TEST_CASE(a_turn_ends_when_its_time_is_up_before_max_chunk) {
    // 64 MiB per turn by bytes, 200 us by time; the machine measures 1 byte/ns from the calls.
    sendfile_fsm m = machine(0, 1 << 30, timed(64 << 20, 200), stream_kind::socket);
    A a = report_at(m, 0, A::inspect, {}, 1 << 30);
    BOOST_TEST_REQUIRE(a.kind() == A::send_native);
    // Before any measurement: the assumed rate (4 bytes/ns) times the turn (200 us).
    BOOST_TEST(a.size() == 800000u);
    a = narrowed(m, report_at(m, 100, A::send_native, {}, 100000));  // 100 KB in 100 us: 1 byte/ns
    BOOST_TEST_REQUIRE(a.kind() == A::send_native);
    BOOST_TEST(a.size() == 100000u);  // what fits in the 100 us left
    a = report_at(m, 210, A::send_native, {}, 100000);
    BOOST_TEST(a.kind() == A::yield);  // 210 us >= 200 us: the turn is over, long before 64 MiB
    a = report_at(m, 300, A::yield);
    BOOST_TEST_REQUIRE(a.kind() == A::send_native);
    BOOST_TEST(a.size() == 200000u);  // a new turn: 200 us at 1 byte/ns
}

BOOST_AUTO_TEST_CASE(max_chunk_still_bounds_a_turn) {
    sendfile_fsm m = machine(0, 10000, timed(1000, 1000000), stream_kind::socket);
    A a = report_at(m, 0, A::inspect, {}, 10000);
    BOOST_TEST(a.size() == 1000u);
    a = narrowed(m, report_at(m, 1, A::send_native, {}, 1000));
    BOOST_TEST(a.kind() == A::yield);
}

BOOST_AUTO_TEST_CASE(calls_never_shrink_below_64_kib) {
    sendfile_fsm m = machine(0, 1 << 30, timed(64 << 20, 200), stream_kind::socket);
    report_at(m, 0, A::inspect, {}, 1 << 30);
    // 1000 bytes in 199 us: a slow socket; 1 us left of the turn.
    A a = narrowed(m, report_at(m, 199, A::send_native, {}, 1000));
    BOOST_TEST_REQUIRE(a.kind() == A::send_native);
    BOOST_TEST(a.size() == 64u * 1024);
}

BOOST_AUTO_TEST_CASE(zero_turn_time_or_no_clock_is_bytes_only) {
    sendfile_fsm m = machine(0, 1 << 30, timed(1 << 20, 0), stream_kind::socket);
    A a = report_at(m, 0, A::inspect, {}, 1 << 30);
    BOOST_TEST(a.size() == std::size_t(1) << 20);
    a = narrowed(m, report_at(m, 100000, A::send_native, {}, 1000));  // 100 ms later: no time rule
    BOOST_TEST(a.kind() == A::send_native);
    // Events without a clock reading (the default): bytes only, whatever max_turn_time says.
    sendfile_fsm c = machine(0, 1 << 30, timed(1 << 20, 1), stream_kind::socket);
    BOOST_TEST(start(c, 1 << 30).size() == std::size_t(1) << 20);
}

BOOST_AUTO_TEST_CASE(a_wait_for_writability_starts_a_new_turn) {
    sendfile_fsm m = machine(0, 1 << 30, timed(64 << 20, 200), stream_kind::socket);
    report_at(m, 0, A::inspect, {}, 1 << 30);
    A a = narrowed(m, report_at(m, 150, A::send_native, {}, 150000));
    a = report_at(m, 160, A::send_native, boost::asio::error::would_block);
    BOOST_TEST_REQUIRE(a.kind() == A::wait_writable);
    a = report_at(m, 5000, A::wait_writable);
    BOOST_TEST_REQUIRE(a.kind() == A::send_native);
    BOOST_TEST(a.size() == 200000u);  // the whole 200 us again
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cold_page_cache)

BOOST_AUTO_TEST_CASE(only_automatic_mode_with_a_probing_platform_probes) {
    BOOST_TEST(machine(0, 10, opts(send_mode::automatic), stream_kind::socket, probing_caps()).probing());
    BOOST_TEST(!machine(0, 10, opts(send_mode::native), stream_kind::socket, probing_caps()).probing());
    BOOST_TEST(!machine(0, 10, opts(send_mode::buffered), stream_kind::socket, probing_caps()).probing());
    BOOST_TEST(!machine(0, 10, opts(send_mode::automatic), stream_kind::socket, linux_caps()).probing());
    sendfile_options off = opts(send_mode::automatic);
    off.off_loop_reads = false;
    BOOST_TEST(!machine(0, 10, off, stream_kind::socket, probing_caps()).probing());
}

BOOST_AUTO_TEST_CASE(resident_range_is_probed_then_sent) {
    sendfile_fsm m =
        machine(100, 5000, opts(send_mode::automatic, 2000), stream_kind::socket, probing_caps());
    A a = start(m, 10000);
    BOOST_TEST_REQUIRE(a.kind() == A::probe);
    BOOST_TEST(a.offset() == 100u);
    BOOST_TEST(a.size() == 2000u);  // the turn's range
    a = report(m, A::probe, {}, 2000);
    BOOST_TEST_REQUIRE(a.kind() == A::send_native);
    BOOST_TEST(a.offset() == 100u);
    BOOST_TEST(a.size() == 2000u);
    a = narrowed(m, report(m, A::send_native, {}, 1500));
    // Still inside the probed range: no new probe.
    BOOST_TEST_REQUIRE(a.kind() == A::send_native);
    BOOST_TEST(a.offset() == 1600u);
    BOOST_TEST(a.size() == 500u);
    a = report(m, A::send_native, {}, 500);
    BOOST_TEST_REQUIRE(a.kind() == A::yield);
    // A new turn probes again: pages may have been evicted meanwhile.
    a = report(m, A::yield);
    BOOST_TEST_REQUIRE(a.kind() == A::probe);
    BOOST_TEST(a.offset() == 2100u);
}

BOOST_AUTO_TEST_CASE(partly_resident_sends_the_resident_part_at_once) {
    sendfile_fsm m = machine(0, 5000, opts(send_mode::automatic, 4096), stream_kind::socket, probing_caps());
    A a = start(m, 5000);
    a = report(m, A::probe, {}, 1024);  // the first 1024 bytes are resident
    BOOST_TEST_REQUIRE(a.kind() == A::send_native);
    BOOST_TEST(a.size() == 1024u);
    a = narrowed(m, report(m, A::send_native, {}, 1024));
    BOOST_TEST_REQUIRE(a.kind() == A::probe);
    BOOST_TEST(a.offset() == 1024u);
    a = report(m, A::probe, {}, 0);  // the rest is cold
    BOOST_TEST_REQUIRE(a.kind() == A::read_off_loop);
    BOOST_TEST(a.offset() == 1024u);
    BOOST_TEST(a.size() == 3976u);
}

BOOST_AUTO_TEST_CASE(cold_range_is_read_off_loop_then_re_probed) {
    sendfile_fsm m = machine(0, 5000, opts(send_mode::automatic, 4096), stream_kind::socket, probing_caps());
    A a = start(m, 5000);
    a = report(m, A::probe, {}, 0);
    BOOST_TEST_REQUIRE(a.kind() == A::read_off_loop);
    BOOST_TEST(a.size() == 4096u);
    BOOST_TEST(a.ahead() == 904u);  // the rest of the file (at most the next turn's) is read ahead
    a = report(m, A::read_off_loop, {}, 4096);
    BOOST_TEST_REQUIRE(a.kind() == A::probe);  // re-probe: it may be gone again
    a = report(m, A::probe, {}, 4096);
    BOOST_TEST_REQUIRE(a.kind() == A::send_native);
    BOOST_TEST(a.size() == 4096u);
    // A long cold file: each read asks for the next turn's range ahead, no more.
    sendfile_fsm big =
        machine(0, 100000, opts(send_mode::automatic, 4096), stream_kind::socket, probing_caps());
    start(big, 100000);
    a = report(big, A::probe, {}, 0);
    BOOST_TEST_REQUIRE(a.kind() == A::read_off_loop);
    BOOST_TEST(a.ahead() == a.size());
}

BOOST_AUTO_TEST_CASE(evicted_again_right_after_the_read_is_sent_anyway) {
    // A working set larger than memory: no endless read/probe cycle; the send makes progress.
    sendfile_fsm m = machine(0, 5000, opts(send_mode::automatic, 4096), stream_kind::socket, probing_caps());
    start(m, 5000);
    report(m, A::probe, {}, 0);
    A a = report(m, A::read_off_loop, {}, 4096);
    a = report(m, A::probe, {}, 0);
    BOOST_TEST_REQUIRE(a.kind() == A::send_native);
    BOOST_TEST(a.size() == 4096u);
}

BOOST_AUTO_TEST_CASE(truncated_while_brought_in_ends_with_the_exact_count) {
    sendfile_fsm m = machine(0, 10000, opts(send_mode::automatic, 4096), stream_kind::socket, probing_caps());
    start(m, 10000);
    report(m, A::probe, {}, 0);
    A a = report(m, A::read_off_loop, {}, 3000);  // the file now ends at 3000
    a = report(m, A::probe, {}, 4096);            // (past the end counts as resident)
    BOOST_TEST_REQUIRE(a.kind() == A::send_native);
    a = narrowed(m, report(m, A::send_native, {}, 3000));
    BOOST_TEST_REQUIRE(a.kind() == A::send_native);
    a = report(m, A::send_native, {}, 0);  // sendfile finds the end
    BOOST_TEST(a.error() == zerocopy::error::unexpected_eof);
    BOOST_TEST(m.bytes_transferred() == 3000u);
    // Truncated at the very offset being read: the read finds nothing.
    sendfile_fsm z = machine(0, 10000, opts(send_mode::automatic, 4096), stream_kind::socket, probing_caps());
    start(z, 10000);
    report(z, A::probe, {}, 0);
    a = report(z, A::read_off_loop, {}, 0);
    BOOST_TEST(a.kind() == A::done);
    BOOST_TEST(a.error() == zerocopy::error::unexpected_eof);
    BOOST_TEST(z.bytes_transferred() == 0u);
}

BOOST_AUTO_TEST_CASE(disk_errors_and_cancellation_reach_the_handler) {
    for (error_code ec : {sys(EIO), error_code(boost::asio::error::operation_aborted), sys(EMFILE)}) {
        sendfile_fsm m =
            machine(0, 5000, opts(send_mode::automatic, 4096), stream_kind::socket, probing_caps());
        start(m, 5000);
        report(m, A::probe, {}, 0);
        A a = report(m, A::read_off_loop, ec);
        BOOST_TEST(a.kind() == A::done);
        BOOST_TEST(a.error() == ec);
    }
    // A cancellation request seen when the read ends.
    sendfile_fsm c = machine(0, 5000, opts(send_mode::automatic, 4096), stream_kind::socket, probing_caps());
    start(c, 5000);
    report(c, A::probe, {}, 0);
    A a = report(c, A::read_off_loop, {}, 4096, cancel::terminal);
    BOOST_TEST(a.error() == boost::asio::error::operation_aborted);
    // A probe's own error other than "cannot tell" (EIO) ends the transfer too.
    sendfile_fsm p = machine(0, 5000, opts(send_mode::automatic, 4096), stream_kind::socket, probing_caps());
    start(p, 5000);
    BOOST_TEST(report(p, A::probe, sys(EIO)).error() == sys(EIO));
}

BOOST_AUTO_TEST_CASE(a_file_system_that_cannot_tell_turns_probing_off) {
    sendfile_fsm m = machine(0, 5000, opts(send_mode::automatic, 4096), stream_kind::socket, probing_caps());
    start(m, 5000);
    A a = report(m, A::probe, sys(EOPNOTSUPP));
    BOOST_TEST_REQUIRE(a.kind() == A::send_native);
    BOOST_TEST(!m.probing());
    a = narrowed(m, report(m, A::send_native, {}, 4096));
    BOOST_TEST(a.kind() == A::yield);
    BOOST_TEST(report(m, A::yield).kind() == A::send_native);
}

BOOST_AUTO_TEST_CASE(buffered_path_reads_without_waiting) {
    sendfile_fsm m =
        machine(0, 5000, opts(send_mode::automatic, 4096, 1000), stream_kind::generic, probing_caps());
    A a = start(m, 5000);
    BOOST_TEST_REQUIRE(a.kind() == A::read);
    BOOST_TEST(a.nowait());
    a = report(m, A::read, boost::asio::error::would_block);  // not resident
    BOOST_TEST_REQUIRE(a.kind() == A::read_off_loop);
    BOOST_TEST(a.size() == 4096u);  // a turn's worth, not one buffer
    a = report(m, A::read_off_loop, {}, 4096);
    BOOST_TEST_REQUIRE(a.kind() == A::read);
    BOOST_TEST(!a.nowait());  // just read: a blocking read makes progress even if evicted again
    a = report(m, A::read, {}, 1000);
    BOOST_TEST_REQUIRE(a.kind() == A::write);
    a = narrowed(m, report(m, A::write, {}, 1000));
    BOOST_TEST_REQUIRE(a.kind() == A::read);
    BOOST_TEST(a.nowait());
    // RWF_NOWAIT unsupported here: plain reads for the rest.
    a = report(m, A::read, sys(EOPNOTSUPP));
    BOOST_TEST_REQUIRE(a.kind() == A::read);
    BOOST_TEST(!a.nowait());
    BOOST_TEST(!m.probing());
    // A real read error still ends the transfer.
    sendfile_fsm e = machine(0, 5000, opts(send_mode::automatic), stream_kind::generic, probing_caps());
    start(e, 5000);
    BOOST_TEST(report(e, A::read, sys(EIO)).error() == sys(EIO));
}

BOOST_AUTO_TEST_CASE(head_waits_with_more_for_a_probed_send) {
    sendfile_fsm m =
        machine(0, 5000, opts(send_mode::automatic, 4096), stream_kind::socket, probing_caps(), 100);
    A a = start(m, 5000);
    BOOST_TEST_REQUIRE(a.kind() == A::send_head);
    BOOST_TEST(a.more());
    a = narrowed(m, report(m, A::send_head, {}, 100));
    BOOST_TEST(a.kind() == A::probe);
}

BOOST_AUTO_TEST_CASE(accessors_of_the_new_actions) {
    sendfile_fsm m = machine(0, 5000, opts(send_mode::automatic, 4096), stream_kind::socket, probing_caps());
    A a = start(m, 5000);
    BOOST_CHECK_THROW(a.head_offset(), assertion_failure);
    BOOST_CHECK_THROW(a.nowait(), assertion_failure);
    BOOST_CHECK_THROW(report(m, A::read_off_loop), assertion_failure);  // answers the wrong action
}

BOOST_AUTO_TEST_SUITE_END()
