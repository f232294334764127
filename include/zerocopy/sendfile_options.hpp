//
// zerocopy/sendfile_options.hpp — how a transfer is carried out.
//
#ifndef ZEROCOPY_SENDFILE_OPTIONS_HPP
#define ZEROCOPY_SENDFILE_OPTIONS_HPP

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>

namespace zerocopy {

/// Which path a transfer takes.
enum class send_mode {
    /// Zero-copy where the stream, the platform and the file allow it; otherwise, and when the
    /// kernel refuses the file, the buffered path from the same offset, transparently.
    automatic,
    /// Zero-copy only: a stream, platform or file that cannot do it fails with
    /// `error::native_unavailable` (or the kernel's own error), never falls back.
    native,
    /// Never zero-copy: pread into one buffer, then write it to the stream.
    buffered
};

/// Options of one transfer.
struct sendfile_options {
    send_mode mode = send_mode::automatic;

    /// Bytes sent per turn before the operation gives the executor the chance to run other
    /// work (fairness). 0 means the default.
    std::size_t max_chunk = 2 * 1024 * 1024;

    /// Size of the one buffer the buffered path allocates per operation (through the
    /// handler's associated allocator). 0 means the default.
    std::size_t buffer_size = 64 * 1024;

    /** The small-body path (issue 13): a transfer sent after a head (an HTTP response's header, see
        zerocopy::http::async_write) to a socket (`basic_stream_socket`), in send_mode::automatic or
        send_mode::buffered, whose range is at most this many bytes (and at most `buffer_size`), is
        read with one non-blocking `preadv2(RWF_NOWAIT)` into the operation's buffer and sent with
        the head in one `sendmsg(MSG_NOSIGNAL)`. When the read would wait for the disk (the file is
        not in the page cache) the transfer takes the ordinary path (sendfile). 0 disables it.
        Linux only; elsewhere the ordinary path is taken.
    */
    std::size_t small_body_threshold = 16 * 1024;

    /** The caller declares SIGPIPE ignored process-wide (`signal(SIGPIPE, SIG_IGN)`, as servers
        usually do at start): `sendfile(2)` and `write(2)`, which cannot be told MSG_NOSIGNAL, then
        skip the SIGPIPE guard's two `pthread_sigmask` calls. The library never changes the
        disposition itself; builds without NDEBUG check the declaration with `sigaction` and assert.
    */
    bool sigpipe_ignored = false;
    // Issue 14: responsiveness under mixed load.

    /// Time budget of one turn (fairness by time as well as by bytes): after this long on the
    /// event loop, the operation re-queues itself even if `max_chunk` bytes were not sent yet, and
    /// it sizes each native call from the rate it measured so that a call fits in what is left of
    /// the turn (never below 64 KiB). Decided from the clock the driver reads after each step.
    /// 0 turns the time rule off (turns end after `max_chunk` bytes only, as before).
    std::chrono::microseconds max_turn_time{200};

    /// Cold page cache (Linux, send_mode::automatic, asynchronous operations only): before each
    /// turn's native send the operation probes whether the range is in the page cache
    /// (preadv2(RWF_NOWAIT), or cachestat(2) where the caller may use it); the buffered path reads
    /// with RWF_NOWAIT. A range that is not resident is read off the event loop, on
    /// `disk_executor`, by a task that owns its buffer and a dup() of the file descriptor; the send
    /// then continues on the loop. false: every read and send is done on the loop, as before.
    bool off_loop_reads = true;

    /// Where off-loop reads run (any executor, e.g. an asio::thread_pool's; its context must outlive
    /// the transfers that use it). Empty (the default): the library's zerocopy::disk_io_service of
    /// the stream's execution context, which runs its own small thread pool, started on first use
    /// and joined when the execution context shuts down.
    boost::asio::any_io_executor disk_executor;
};

}  // namespace zerocopy

#endif
