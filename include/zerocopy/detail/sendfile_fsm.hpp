//
// zerocopy/detail/sendfile_fsm.hpp — every decision of a transfer, with no I/O.
//
// A sans-io state machine after Boost.MySQL's next_action and Boost.Redis's writer_fsm: the driver
// (impl/async_sendfile.hpp: the asynchronous operation and the blocking twin) performs the action
// the machine returns, and reports its result through the one entry point, resume(event). The
// machine decides which path (native or buffered), whether and how the head goes out (with the
// file's first bytes, with MSG_MORE, or written whole), when to wait for writability, when to
// yield for fairness, when to fall back, when cancellation narrows to terminal/partial, and how
// the transfer ends. It is compiled in src/sendfile_fsm.cpp and unit tested without sockets
// (test/unit/sendfile_fsm.cpp, assertions enabled). The state table is in docs/design.md.
//
#ifndef ZEROCOPY_DETAIL_SENDFILE_FSM_HPP
#define ZEROCOPY_DETAIL_SENDFILE_FSM_HPP

#include <zerocopy/detail/config.hpp>
#include <zerocopy/sendfile_options.hpp>

#include <boost/asio/cancellation_type.hpp>
#include <boost/assert.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace zerocopy {
namespace detail {

/// What the stream offers the machine.
enum class stream_kind {
    /// Any AsyncWriteStream: buffered only, whole chunks through asio::async_write.
    generic,
    /// A socket with a reactor wait (basic_stream_socket): native, buffered via async_write.
    socket,
    /// A pipe or character-device descriptor (posix::stream_descriptor): native, and a buffered
    /// path that writes itself (Asio's descriptor write would raise SIGPIPE).
    descriptor,
    /// A socket wrapped in a stream with its own timer (beast::basic_stream): native, and the
    /// waits for writability go through the stream's async_write_some of the next piece.
    timed_socket,
};

/// What this build's platform seam (detail/platform.hpp) can do; platform_caps_of_this_build()
/// there gives the values.
struct platform_caps {
    /// A native zero-copy primitive exists (Linux sendfile(2), Windows TransmitFile).
    bool native = false;
    /// The native primitive sends a head before the file's bytes in the same call
    /// (TransmitFile's TRANSMIT_FILE_BUFFERS); its count includes the head.
    bool native_head = false;
    /// A non-blocking socket send that can say "more bytes follow at once" (Linux MSG_MORE).
    bool send_more = false;
    /// Issue 13 (small bodies): a read that fails with would_block instead of waiting for the disk
    /// (Linux preadv2 with RWF_NOWAIT) and a socket send of the head and a buffer in one call
    /// (sendmsg with MSG_NOSIGNAL).
    bool small_send = false;
    /// Issue 14: a page-cache residency probe and non-blocking reads (Linux preadv2(RWF_NOWAIT),
    /// cachestat(2)), and a driver that can read off the event loop (the asynchronous one).
    bool probe = false;
};

/// One step for the driver to perform. Accessors assert that they belong to the action's kind.
class fsm_action {
public:
    enum kind_t : unsigned char {
        inspect,              // inspect_file(file) -> event: ec, bytes = file size. Always first.
        send_head,            // non-blocking send of head[head_offset, +size), MSG_MORE if more()
        write_head,           // write all of head[head_offset, +size) (asio::async_write / write)
        narrow_cancellation,  // from now on only terminal and partial cancellation apply
        send_native,          // native primitive: head[head_offset, +head_size) then file[offset, +size)
        wait_writable,        // reactor wait for writability
        yield,                // re-queue through the executor (fairness)
        read,                 // read_at(file, offset, buffer, size)
        write,                // write all of buffer[0, size) (asio::async_write / write)
        write_some,           // the stream's own write_some of buffer[0, size)
        try_write,            // non-blocking guarded write of buffer[buffer_offset, +size)
        done,                 // complete with error() and bytes_transferred()
        // Issue 13, the small-body path (head + body in one send after one non-blocking read):
        read_nowait,  // read_at_nowait(file, offset, buffer, size): would_block when not in the page cache
        send_small,   // non-blocking send of head[head_offset, +head_size) + buffer[buffer_offset, +size)
        // Issue 14: cold page cache (new kinds, after the existing ones).
        probe,          // residency probe of file[offset, +size) -> event: bytes = resident prefix
        read_off_loop,  // bring file[offset, +size) into the page cache off the event loop -> ec, bytes read
    };

    fsm_action() noexcept = default;

    kind_t kind() const noexcept { return kind_; }

    /// File offset: send_native, read, read_nowait, probe, read_off_loop.
    std::uint64_t offset() const {
        BOOST_ASSERT(kind_ == send_native || kind_ == read || kind_ == read_nowait || kind_ == probe ||
                     kind_ == read_off_loop);
        return offset_;
    }
    /// Bytes of the file (send_native, read, probe, read_off_loop), of the buffer (write, write_some,
    /// try_write) or of the head (send_head, write_head).
    std::size_t size() const {
        BOOST_ASSERT(kind_ != inspect && kind_ != narrow_cancellation && kind_ != wait_writable &&
                     kind_ != yield && kind_ != done);
        return size_;
    }
    /// read_off_loop: bytes after the range to start reading ahead once it is in (the next turn's
    /// range, at most as many), so that the disk reads them while the loop sends these; 0: none.
    std::uint64_t ahead() const {
        BOOST_ASSERT(kind_ == read_off_loop);
        return ahead_;
    }
    /// First byte of the head still to send: send_head, write_head, send_native, send_small.
    std::size_t head_offset() const {
        BOOST_ASSERT(kind_ == send_head || kind_ == write_head || kind_ == send_native ||
                     kind_ == send_small);
        return head_offset_;
    }
    /// Bytes of the head that go first in this call: send_native (0 but with
    /// platform_caps::native_head), send_small (what is left of the head, may be 0).
    std::size_t head_size() const {
        BOOST_ASSERT(kind_ == send_native || kind_ == send_small);
        return head_size_;
    }
    /// send_head: the file's bytes follow at once (MSG_MORE).
    bool more() const {
        BOOST_ASSERT(kind_ == send_head);
        return flag_;
    }
    /// send_native: the primitive may answer "busy" instead of queueing (Windows' client
    /// editions run two TransmitFile calls at a time); only in send_mode::automatic.
    bool may_refuse() const {
        BOOST_ASSERT(kind_ == send_native);
        return flag_;
    }
    /// read: read without waiting for the disk (RWF_NOWAIT); would_block if the first byte is not in
    /// the page cache. (Issue 14.)
    bool nowait() const {
        BOOST_ASSERT(kind_ == read);
        return flag_;
    }
    /// try_write: where in the buffer the bytes start.
    std::size_t buffer_offset() const {
        BOOST_ASSERT(kind_ == try_write || kind_ == send_small);
        return kind_ == send_small ? buffer_offset_ : head_offset_;
    }
    /// send_native, try_write (issue 13): the caller declared SIGPIPE ignored process-wide
    /// (sendfile_options::sigpipe_ignored), so the call needs no SIGPIPE guard.
    bool sigpipe_ignored() const {
        BOOST_ASSERT(kind_ == send_native || kind_ == try_write);
        return sigpipe_ignored_;
    }
    /// done: how the transfer ends.
    boost::system::error_code const& error() const {
        BOOST_ASSERT(kind_ == done);
        return ec_;
    }

private:
    friend class sendfile_fsm;
    explicit fsm_action(kind_t k) noexcept : kind_(k) {}

    kind_t kind_ = done;
    bool flag_ = false;             // more (send_head), may_refuse (send_native), nowait (read)
    std::uint64_t offset_ = 0;      // file offset
    std::size_t size_ = 0;          // bytes
    std::size_t head_offset_ = 0;   // head offset, or buffer offset (try_write)
    std::size_t head_size_ = 0;     // head bytes in a native call
    boost::system::error_code ec_;  // done
    // Issue 13:
    std::size_t buffer_offset_ = 0;  // send_small: first buffer byte still to send
    bool sigpipe_ignored_ = false;   // send_native, try_write: no SIGPIPE guard needed
    std::uint64_t ahead_ = 0;        // read_off_loop: read-ahead after the range
};

/// The result of the last action, reported to sendfile_fsm::resume.
struct fsm_event {
    /// The kind of the action this reports on; resume() asserts it is the last one returned.
    fsm_action::kind_t answers;
    boost::system::error_code ec;
    /// Bytes the action moved (inspect: the file's size). With an error, what it moved before it.
    std::uint64_t bytes = 0;
    /// send_native: the primitive refused to start (no TransmitFile slot); nothing was sent.
    bool busy = false;
    /// The operation's cancellation state when the driver resumed (self.cancelled()).
    boost::asio::cancellation_type_t cancelled = boost::asio::cancellation_type::none;
    /// When the driver resumed, read after the action was performed: the turn's time rule
    /// (sendfile_options::max_turn_time) and the measured send rate come from it. A default
    /// (epoch) reading means "no clock": the time rule is then off.
    std::chrono::steady_clock::time_point now{};

    explicit fsm_event(fsm_action::kind_t k, boost::system::error_code e = {}, std::uint64_t n = 0) noexcept
        : answers(k), ec(e), bytes(n) {}
};

class sendfile_fsm {
public:
    /// @param caps       what the platform seam offers (platform_caps_of_this_build()).
    /// @param head_size  bytes the driver holds to send before the file's (0: no head).
    ZEROCOPY_DECL sendfile_fsm(std::uint64_t offset, std::uint64_t count, sendfile_options const& options,
                               stream_kind kind, platform_caps caps, std::size_t head_size = 0) noexcept;

    /// The one entry point: the result of the last action in, the next action out. The first
    /// event answers fsm_action::inspect. Asserts that `ev` answers the last action and that the
    /// transfer is not done.
    ZEROCOPY_DECL fsm_action resume(fsm_event const& ev);

    /// Bytes handed to the stream so far, head included.
    std::uint64_t bytes_transferred() const noexcept { return head_sent_ + sent_; }

    /// Whether the transfer is on the native path now.
    bool native() const noexcept { return native_; }

    /// Whether only terminal and partial cancellation apply now.
    bool narrowed() const noexcept { return narrowed_; }

    /// Size of the buffer the driver must provide for read actions.
    std::size_t buffer_size() const noexcept { return buffer_size_; }

    /// The clock reading of the last event.
    std::chrono::steady_clock::time_point last_resume() const noexcept { return now_; }

    /// Whether the residency probe and off-loop reads are in use (issue 14).
    bool probing() const noexcept { return probe_; }

    /// For a driver that cannot wait (zerocopy::http::try_write): from now on every action that may
    /// wait for the socket or the disk — anything but read_nowait, send_small, send_head and
    /// try_write — is replaced by `done` with `asio::error::would_block`, bytes_transferred() telling
    /// what went out before. Call before the first resume.
    void never_wait() noexcept { never_wait_ = true; }

    /// True when the kernel refusal `ec` may be answered by falling back to the buffered path.
    ZEROCOPY_DECL static bool is_native_refusal(boost::system::error_code const& ec) noexcept;

private:
    fsm_action on_inspect(fsm_event const& ev) noexcept;
    fsm_action on_native(fsm_event const& ev);
    fsm_action on_native_error(boost::system::error_code const& ec) noexcept;
    fsm_action on_read(fsm_event const& ev) noexcept;
    fsm_action on_write(fsm_event const& ev) noexcept;
    fsm_action on_try_write(fsm_event const& ev) noexcept;
    fsm_action issue(fsm_action next, boost::asio::cancellation_type_t cancelled) noexcept;
    fsm_action finish(boost::system::error_code ec) noexcept;
    fsm_action fall_back() noexcept;
    fsm_action next_send() noexcept;
    fsm_action next_read() noexcept;
    fsm_action next_try_write() noexcept;
    fsm_action after_progress(std::size_t n) noexcept;
    // Issue 13, the small-body path:
    bool takes_small_path() const noexcept;
    fsm_action next_read_nowait() noexcept;
    fsm_action next_send_small() noexcept;
    fsm_action on_read_nowait(fsm_event const& ev) noexcept;
    fsm_action on_send_small(fsm_event const& ev) noexcept;
    std::uint64_t remaining() const noexcept { return end_ - (offset_ + sent_); }
    std::size_t head_rest() const noexcept { return head_size_ - head_sent_; }

    // Issue 14: the turn's time rule and the cold page cache.
    fsm_action on_probe(fsm_event const& ev) noexcept;
    fsm_action on_read_off_loop(fsm_event const& ev) noexcept;
    fsm_action on_nowait_read_failed(fsm_event const& ev) noexcept;
    fsm_action next_probe() noexcept;
    fsm_action next_read_off_loop() noexcept;
    void measure(fsm_event const& ev, std::size_t n) noexcept;
    bool turn_time_is_up() const noexcept;
    std::size_t turn_bytes_left() const noexcept;
    static bool is_probe_refusal(boost::system::error_code const& ec) noexcept;

    std::uint64_t offset_;
    std::uint64_t count_;
    std::uint64_t end_ = 0;
    std::uint64_t sent_ = 0;  // file bytes handed to the stream
    std::size_t head_size_;
    std::size_t head_sent_ = 0;
    std::size_t max_chunk_;
    std::size_t buffer_size_;
    std::size_t turn_ = 0;        // bytes sent in this turn (fairness)
    std::size_t buffered_ = 0;    // bytes in the buffer (descriptor path)
    std::size_t buffer_pos_ = 0;  // bytes of the buffer already written (descriptor path)
    send_mode mode_;
    stream_kind kind_;
    platform_caps caps_;
    bool native_ = false;
    bool piece_ = false;       // the read in flight is a piece for the stream's write_some
    bool head_tried_ = false;  // send_head was returned once: the rest is written whole
    bool narrowed_ = false;
    bool never_wait_ = false;  // never_wait()
    // Issue 13:
    std::size_t small_threshold_;  // sendfile_options::small_body_threshold
    bool sigpipe_ignored_;         // sendfile_options::sigpipe_ignored
    bool small_ = false;           // the small-body path holds bytes in the buffer (buffered_, buffer_pos_)
    fsm_action last_{fsm_action::inspect};  // what the next event must answer
    fsm_action deferred_;                   // the step behind a head or a narrowing
    std::chrono::steady_clock::time_point now_{};

    // Issue 14.
    std::chrono::nanoseconds turn_time_;                  // 0: bytes-only turns
    std::chrono::steady_clock::time_point turn_start_{};  // the event that began this turn
    std::chrono::steady_clock::time_point prev_now_{};    // the event before the last one
    double rate_ = 0;                                     // bytes per ns of the last native call
    bool probe_ = false;                                  // probing and off-loop reads in use
    bool fresh_ = false;                                  // the range was just read off-loop
    std::uint64_t resident_end_ = 0;                      // this turn's probe found [.., end) resident
};

}  // namespace detail
}  // namespace zerocopy

#endif
