// The decisions of a transfer, tested without sockets: errors are injected at every step.
#include <zerocopy/detail/sendfile_fsm.hpp>
// The header must be self-contained: included first above.
#include <zerocopy/error.hpp>
#include <zerocopy/file.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/errc.hpp>
#include <boost/test/unit_test.hpp>

#include <cerrno>

using boost::system::error_code;
using zerocopy::send_mode;
using zerocopy::sendfile_options;
using zerocopy::detail::fsm_action;
using zerocopy::detail::sendfile_fsm;
using zerocopy::detail::stream_kind;
using A = fsm_action;

namespace {
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
}  // namespace

BOOST_AUTO_TEST_SUITE(start)

BOOST_AUTO_TEST_CASE(inspect_error_ends_before_any_byte) {
    sendfile_fsm m(0, 10, opts(send_mode::automatic), stream_kind::socket, true);
    A a = m.start(zerocopy::error::not_a_regular_file, 0);
    BOOST_TEST(a.kind == A::done);
    BOOST_TEST(a.ec == zerocopy::error::not_a_regular_file);
    BOOST_TEST(m.bytes_transferred() == 0u);
}

BOOST_AUTO_TEST_CASE(empty_ranges_complete_without_error) {
    for (auto kind : {stream_kind::socket, stream_kind::generic}) {
        sendfile_fsm a(0, 0, opts(send_mode::automatic), kind, true);
        BOOST_TEST(a.start({}, 100).kind == A::done);
        sendfile_fsm b(100, zerocopy::to_end, opts(send_mode::native), kind, true);
        A r = b.start({}, 100);
        BOOST_TEST(r.kind == A::done);
        BOOST_TEST(!r.ec);
    }
}

BOOST_AUTO_TEST_CASE(range_past_the_end_fails_at_once) {
    sendfile_fsm a(50, 51, opts(send_mode::automatic), stream_kind::socket, true);
    A r = a.start({}, 100);
    BOOST_TEST(r.kind == A::done);
    BOOST_TEST(r.ec == zerocopy::error::unexpected_eof);
    sendfile_fsm b(101, zerocopy::to_end, opts(send_mode::automatic), stream_kind::socket, true);
    BOOST_TEST(b.start({}, 100).ec == zerocopy::error::unexpected_eof);
    // offset + count overflowing 64 bits is past any end.
    sendfile_fsm c(10, ~std::uint64_t(0) - 1, opts(send_mode::automatic), stream_kind::socket, true);
    BOOST_TEST(c.start({}, 100).ec == zerocopy::error::unexpected_eof);
}

BOOST_AUTO_TEST_CASE(path_choice) {
    // automatic: native where the stream and platform allow it.
    BOOST_TEST(
        sendfile_fsm(0, 10, opts(send_mode::automatic), stream_kind::socket, true).start({}, 10).kind ==
        A::send_native);
    BOOST_TEST(
        sendfile_fsm(0, 10, opts(send_mode::automatic), stream_kind::generic, true).start({}, 10).kind ==
        A::read);
    BOOST_TEST(
        sendfile_fsm(0, 10, opts(send_mode::automatic), stream_kind::socket, false).start({}, 10).kind ==
        A::read);
    // buffered never sends natively.
    for (auto kind : {stream_kind::socket, stream_kind::descriptor, stream_kind::timed_socket})
        BOOST_TEST(sendfile_fsm(0, 10, opts(send_mode::buffered), kind, true).start({}, 10).kind == A::read);
    // native refuses what cannot be native.
    A r = sendfile_fsm(0, 10, opts(send_mode::native), stream_kind::generic, true).start({}, 10);
    BOOST_TEST(r.kind == A::done);
    BOOST_TEST(r.ec == zerocopy::error::native_unavailable);
    BOOST_TEST(sendfile_fsm(0, 10, opts(send_mode::native), stream_kind::socket, false).start({}, 10).ec ==
               zerocopy::error::native_unavailable);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(native)

BOOST_AUTO_TEST_CASE(sends_exact_range_with_partial_sends) {
    sendfile_fsm m(1000, 5000, opts(send_mode::native), stream_kind::socket, true);
    A a = m.start({}, 1 << 20);
    BOOST_TEST(a.kind == A::send_native);
    BOOST_TEST(a.offset == 1000u);
    BOOST_TEST(a.size == 5000u);
    a = m.on_native({}, 1200);
    BOOST_TEST(a.kind == A::send_native);
    BOOST_TEST(a.offset == 2200u);
    BOOST_TEST(a.size == 3800u);
    a = m.on_native({}, 3800);
    BOOST_TEST(a.kind == A::done);
    BOOST_TEST(!a.ec);
    BOOST_TEST(m.bytes_transferred() == 5000u);
}

BOOST_AUTO_TEST_CASE(would_block_waits_then_resumes) {
    sendfile_fsm m(0, 100, opts(send_mode::native), stream_kind::socket, true);
    m.start({}, 100);
    A a = m.on_native(boost::asio::error::would_block, 0);
    BOOST_TEST(a.kind == A::wait_writable);
    a = m.on_wait({});
    BOOST_TEST(a.kind == A::send_native);
    BOOST_TEST(a.size == 100u);
    a = m.on_native(sys(EAGAIN), 0);
    BOOST_TEST(a.kind == A::wait_writable);
    a = m.on_wait(boost::asio::error::operation_aborted);
    BOOST_TEST(a.kind == A::done);
    BOOST_TEST(a.ec == boost::asio::error::operation_aborted);
}

BOOST_AUTO_TEST_CASE(zero_bytes_means_truncated_file) {
    sendfile_fsm m(0, 100, opts(send_mode::native), stream_kind::socket, true);
    m.start({}, 100);
    m.on_native({}, 40);
    A a = m.on_native({}, 0);
    BOOST_TEST(a.kind == A::done);
    BOOST_TEST(a.ec == zerocopy::error::unexpected_eof);
    BOOST_TEST(m.bytes_transferred() == 40u);
}

BOOST_AUTO_TEST_CASE(fairness_yields_after_max_chunk) {
    sendfile_fsm m(0, 10000, opts(send_mode::native, 3000), stream_kind::socket, true);
    A a = m.start({}, 10000);
    BOOST_TEST(a.size == 3000u);  // never more than one turn's worth per call
    a = m.on_native({}, 1000);
    BOOST_TEST(a.kind == A::send_native);
    BOOST_TEST(a.size == 2000u);  // the rest of this turn
    a = m.on_native({}, 2000);
    BOOST_TEST(a.kind == A::yield);
    a = m.on_yield();
    BOOST_TEST(a.kind == A::send_native);
    BOOST_TEST(a.offset == 3000u);
    BOOST_TEST(a.size == 3000u);
    // A wait starts a new turn too.
    a = m.on_native({}, 500);
    a = m.on_native(boost::asio::error::would_block, 0);
    BOOST_TEST(a.kind == A::wait_writable);
    a = m.on_wait({});
    BOOST_TEST(a.size == 3000u);
}

BOOST_AUTO_TEST_CASE(peer_errors_end_with_bytes_so_far) {
    for (int e : {EPIPE, ECONNRESET, EBADF, EIO}) {
        sendfile_fsm m(0, 100, opts(send_mode::automatic), stream_kind::socket, true);
        m.start({}, 100);
        m.on_native({}, 10);
        A a = m.on_native(sys(e), 0);
        BOOST_TEST(a.kind == A::done);
        BOOST_TEST(a.ec == sys(e));
        BOOST_TEST(m.bytes_transferred() == 10u);
    }
}

BOOST_AUTO_TEST_CASE(refusals_fall_back_in_automatic_mode_only) {
    for (int e : {EINVAL, ENOSYS, EOPNOTSUPP, ENOTSUP, EXDEV, EPERM}) {
        BOOST_TEST_CONTEXT("errno " << e) {
            BOOST_TEST(sendfile_fsm::is_native_refusal(sys(e)));
            // Before any byte: the buffered path takes over from the same offset.
            sendfile_fsm m(7, 100, opts(send_mode::automatic), stream_kind::socket, true);
            m.start({}, 200);
            A a = m.on_native(sys(e), 0);
            BOOST_TEST(a.kind == A::read);
            BOOST_TEST(a.offset == 7u);
            BOOST_TEST(!m.native());
            // After bytes were sent: never resend, continue at the exact current offset.
            sendfile_fsm k(7, 100, opts(send_mode::automatic), stream_kind::socket, true);
            k.start({}, 200);
            k.on_native({}, 30);
            a = k.on_native(sys(e), 0);
            BOOST_TEST(a.kind == A::read);
            BOOST_TEST(a.offset == 37u);
            BOOST_TEST(a.size == 70u);
            a = k.on_read({}, 70);
            BOOST_TEST(a.kind == A::write);
            a = k.on_write({}, 70);
            BOOST_TEST(a.kind == A::done);
            BOOST_TEST(k.bytes_transferred() == 100u);
            // native mode reports the refusal.
            sendfile_fsm n(7, 100, opts(send_mode::native), stream_kind::socket, true);
            n.start({}, 200);
            a = n.on_native(sys(e), 0);
            BOOST_TEST(a.kind == A::done);
            BOOST_TEST(a.ec == sys(e));
            BOOST_TEST(n.bytes_transferred() == 0u);
        }
    }
    BOOST_TEST(!sendfile_fsm::is_native_refusal(sys(EPIPE)));
    BOOST_TEST(!sendfile_fsm::is_native_refusal(sys(EAGAIN)));
}

BOOST_AUTO_TEST_CASE(timed_socket_waits_through_a_piece) {
    sendfile_fsm m(0, 5000, opts(send_mode::automatic, 1 << 20, 1000), stream_kind::timed_socket, true);
    m.start({}, 5000);
    m.on_native({}, 100);
    A a = m.on_native(boost::asio::error::would_block, 0);
    BOOST_TEST(a.kind == A::read);  // the next piece, read at the current offset
    BOOST_TEST(a.offset == 100u);
    BOOST_TEST(a.size == 1000u);
    a = m.on_read({}, 1000);
    BOOST_TEST(a.kind == A::write_some);
    BOOST_TEST(a.size == 1000u);
    a = m.on_write({}, 300);  // partial write: the rest is sent again from the file
    BOOST_TEST(a.kind == A::send_native);
    BOOST_TEST(a.offset == 400u);
    BOOST_TEST(m.native());
    // The stream's timer fired: its error ends the transfer with the exact count.
    m.on_native(boost::asio::error::would_block, 0);
    m.on_read({}, 1000);
    a = m.on_write(boost::asio::error::timed_out, 0);
    BOOST_TEST(a.kind == A::done);
    BOOST_TEST(a.ec == boost::asio::error::timed_out);
    BOOST_TEST(m.bytes_transferred() == 400u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(buffered)

BOOST_AUTO_TEST_CASE(reads_and_writes_whole_chunks) {
    sendfile_fsm m(10, 2500, opts(send_mode::buffered, 1 << 20, 1000), stream_kind::generic, true);
    A a = m.start({}, 5000);
    BOOST_TEST(a.kind == A::read);
    BOOST_TEST(a.offset == 10u);
    BOOST_TEST(a.size == 1000u);
    a = m.on_read({}, 600);  // a short read is written as is
    BOOST_TEST(a.kind == A::write);
    BOOST_TEST(a.size == 600u);
    a = m.on_write({}, 600);
    BOOST_TEST(a.kind == A::read);
    BOOST_TEST(a.offset == 610u);
    a = m.on_read({}, 1000);
    a = m.on_write({}, 1000);
    a = m.on_read({}, 900);
    BOOST_TEST(a.kind == A::write);
    a = m.on_write({}, 900);
    BOOST_TEST(a.kind == A::done);
    BOOST_TEST(!a.ec);
    BOOST_TEST(m.bytes_transferred() == 2500u);
}

BOOST_AUTO_TEST_CASE(eof_and_errors) {
    sendfile_fsm m(0, 2500, opts(send_mode::buffered, 1 << 20, 1000), stream_kind::generic, true);
    m.start({}, 5000);
    m.on_read({}, 1000);
    m.on_write({}, 1000);
    A a = m.on_read({}, 0);
    BOOST_TEST(a.ec == zerocopy::error::unexpected_eof);
    BOOST_TEST(m.bytes_transferred() == 1000u);

    sendfile_fsm r(0, 2500, opts(send_mode::buffered), stream_kind::generic, true);
    r.start({}, 5000);
    BOOST_TEST(r.on_read(sys(EIO), 0).ec == sys(EIO));

    sendfile_fsm w(0, 2500, opts(send_mode::buffered, 1 << 20, 1000), stream_kind::generic, true);
    w.start({}, 5000);
    w.on_read({}, 1000);
    a = w.on_write(boost::asio::error::broken_pipe, 400);
    BOOST_TEST(a.kind == A::done);
    BOOST_TEST(w.bytes_transferred() == 400u);
}

BOOST_AUTO_TEST_CASE(fairness_yields_between_chunks) {
    sendfile_fsm m(0, 10000, opts(send_mode::buffered, 2000, 1000), stream_kind::socket, true);
    m.start({}, 10000);
    m.on_read({}, 1000);
    A a = m.on_write({}, 1000);
    BOOST_TEST(a.kind == A::read);
    m.on_read({}, 1000);
    a = m.on_write({}, 1000);
    BOOST_TEST(a.kind == A::yield);
    a = m.on_yield();
    BOOST_TEST(a.kind == A::read);
    BOOST_TEST(a.offset == 2000u);
}

BOOST_AUTO_TEST_CASE(descriptor_writes_itself_and_waits) {
    sendfile_fsm m(0, 1500, opts(send_mode::buffered, 1 << 20, 1000), stream_kind::descriptor, true);
    A a = m.start({}, 1500);
    a = m.on_read({}, 1000);
    BOOST_TEST(a.kind == A::try_write);
    BOOST_TEST(a.buffer_offset == 0u);
    BOOST_TEST(a.size == 1000u);
    a = m.on_try_write({}, 300);
    BOOST_TEST(a.kind == A::try_write);
    BOOST_TEST(a.buffer_offset == 300u);
    BOOST_TEST(a.size == 700u);
    a = m.on_try_write(boost::asio::error::would_block, 0);
    BOOST_TEST(a.kind == A::wait_writable);
    a = m.on_wait({});
    BOOST_TEST(a.kind == A::try_write);
    BOOST_TEST(a.buffer_offset == 300u);
    a = m.on_try_write({}, 700);
    BOOST_TEST(a.kind == A::read);
    BOOST_TEST(a.offset == 1000u);
    BOOST_TEST(a.size == 500u);
    m.on_read({}, 500);
    a = m.on_try_write(boost::asio::error::broken_pipe, 0);
    BOOST_TEST(a.kind == A::done);
    BOOST_TEST(a.ec == boost::asio::error::broken_pipe);
    BOOST_TEST(m.bytes_transferred() == 1000u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(cancellation_reports_bytes_so_far) {
    sendfile_fsm m(0, 1000, opts(send_mode::native), stream_kind::socket, true);
    m.start({}, 1000);
    m.on_native({}, 250);
    A a = m.on_cancel();
    BOOST_TEST(a.kind == A::done);
    BOOST_TEST(a.ec == boost::asio::error::operation_aborted);
    BOOST_TEST(m.bytes_transferred() == 250u);
}

BOOST_AUTO_TEST_CASE(defaults_replace_zero_options) {
    sendfile_options o;
    o.max_chunk = 0;
    o.buffer_size = 0;
    sendfile_fsm m(0, 10 << 20, o, stream_kind::generic, true);
    BOOST_TEST(m.buffer_size() == sendfile_options{}.buffer_size);
    BOOST_TEST(m.start({}, 10 << 20).size == sendfile_options{}.buffer_size);
}
