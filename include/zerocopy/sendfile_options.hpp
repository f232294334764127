//
// zerocopy/sendfile_options.hpp — how a transfer is carried out.
//
#ifndef ZEROCOPY_SENDFILE_OPTIONS_HPP
#define ZEROCOPY_SENDFILE_OPTIONS_HPP

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
};

}  // namespace zerocopy

#endif
