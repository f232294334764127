//
// POSIX part of the platform seam: file inspection, pread, SIGPIPE-free writes, poll. Each call
// retries EINTR through call_retrying_eintr (src/posix_call.hpp).
//
#include <zerocopy/detail/platform.hpp>

#if !defined(_WIN32)

#include "posix_call.hpp"
#include "sigpipe_guard.hpp"

#include <zerocopy/error.hpp>

#include <algorithm>
#include <cerrno>
#include <limits>

#include <boost/assert.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#if defined(__linux__)
#include <sys/sendfile.h>
#endif
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

namespace zerocopy {
namespace detail {

namespace {
boost::system::error_code last_error() noexcept {
    return boost::system::error_code(errno, boost::system::system_category());
}

// Keeps each call within what every kernel accepts in one go (Linux caps at 0x7ffff000).
constexpr std::size_t max_io = 0x7ffff000;
}  // namespace

boost::system::error_code inspect_file(native_file_handle file, std::uint64_t& size) noexcept {
    size = 0;
    int const flags = ::fcntl(file, F_GETFL);
    if (flags == -1) return last_error();  // EBADF: closed or never opened
    if ((flags & O_ACCMODE) == O_WRONLY) return error::file_not_readable;
    struct stat st {};
    if (::fstat(file, &st) == -1) return last_error();
    if (!S_ISREG(st.st_mode)) return error::not_a_regular_file;
    size = static_cast<std::uint64_t>(st.st_size);
    return {};
}

io_result read_at(native_file_handle file, std::uint64_t offset, void* data, std::size_t size) noexcept {
    if (offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) return {};  // past any EOF
    if (size > max_io) size = max_io;
    return call_retrying_eintr([&] { return ::pread(file, data, size, static_cast<off_t>(offset)); });
}

namespace {
io_result write_once(native_stream_handle out, void const* data, std::size_t size) noexcept {
    return call_retrying_eintr([&] { return ::write(out, data, size); });
}
}  // namespace

io_result write_some_nosignal(native_stream_handle out, void const* data, std::size_t size) noexcept {
    if (size > max_io) size = max_io;
    sigpipe_guard guard;
    io_result const r = write_once(out, data, size);
    // A failure with EPIPE, or a short write that may have met a vanished reader, may have raised it.
    guard.discard_if(r.ec ? r.ec.value() == EPIPE : r.bytes < size);
    return r;
}

io_result send_nosignal(native_stream_handle out, void const* data, std::size_t size, bool more) noexcept {
    if (size > max_io) size = max_io;
    int flags = MSG_NOSIGNAL;
#if defined(MSG_MORE)
    if (more) flags |= MSG_MORE;
#else
    (void)more;
#endif
    return call_retrying_eintr([&] { return ::send(out, data, size, flags); });
}

// --- Issue 13 -------------------------------------------------------------------------------

bool has_small_send() noexcept {
#if defined(__linux__) && defined(RWF_NOWAIT)
    return true;
#else
    return false;
#endif
}

// read_at_nowait: src/platform_linux.cpp (issue 14 counts its would-blocks there).

io_result send_with_head_nosignal(native_stream_handle out, void const* head, std::size_t head_size,
                                  void const* data, std::size_t size) noexcept {
    iovec v[2] = {{const_cast<void*>(head), head_size}, {const_cast<void*>(data), size}};
    msghdr m{};
    m.msg_iov = head_size != 0 ? v : v + 1;
    m.msg_iovlen = head_size != 0 ? 2 : 1;
    return call_retrying_eintr([&] { return ::sendmsg(out, &m, MSG_NOSIGNAL); });
}

io_result write_some_unguarded(native_stream_handle out, void const* data, std::size_t size) noexcept {
    // The caller declared SIGPIPE ignored process-wide (sendfile_options::sigpipe_ignored).
    BOOST_ASSERT_MSG(sigpipe_is_ignored(), "sendfile_options::sigpipe_ignored, but SIGPIPE is not ignored");
    if (size > max_io) size = max_io;
    return write_once(out, data, size);
}

// Issue 14: the off-loop task's side.

io_result read_into_page_cache(native_file_handle file, std::uint64_t offset, std::size_t size,
                               std::uint64_t ahead, void* scratch, std::size_t scratch_size) noexcept {
    off_loop_stats().off_loop_reads.fetch_add(1, std::memory_order_relaxed);
    io_result total;
    bool eof = false;
#if defined(__linux__)
    // Linux: sendfile(2) into /dev/null waits for the pages as a read does, without copying them
    // out: the worker, which shares the loop's CPU when the server is pinned, spends a fraction of
    // the time. Where the kernel refuses, the reads below do it through `scratch`.
    int const sink = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    while (sink >= 0 && total.bytes < size) {
        std::uint64_t const at = offset + total.bytes;
        if (at > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) break;
        io_result const r = call_retrying_eintr([&] {
            off_t off = static_cast<off_t>(at);
            return ::sendfile(sink, file, &off, std::min<std::size_t>(size - total.bytes, 0x7ffff000));
        });
        if (r.ec) break;  // the reads below try again and report their own error
        if (r.bytes == 0) {
            eof = true;
            break;
        }
        total.bytes += r.bytes;
    }
    if (sink >= 0) ::close(sink);
#endif
    while (!eof && total.bytes < size) {
        std::size_t const want = std::min(size - total.bytes, scratch_size);
        io_result const r = read_at(file, offset + total.bytes, scratch, want);
        if (r.ec) {
            total.ec = r.ec;
            break;
        }
        eof = r.bytes == 0;  // the file ends here
        total.bytes += r.bytes;
    }
#if defined(POSIX_FADV_WILLNEED)
    std::uint64_t const next = offset + total.bytes;
    if (!total.ec && total.bytes == size && ahead != 0 &&
        next <= static_cast<std::uint64_t>(std::numeric_limits<off_t>::max()))
        (void)::posix_fadvise(
            file, static_cast<off_t>(next),
            static_cast<off_t>(std::min<std::uint64_t>(
                ahead, static_cast<std::uint64_t>(std::numeric_limits<off_t>::max()) - next)),
            POSIX_FADV_WILLNEED);
#else
    (void)ahead;
#endif
    return total;
}

native_file_handle duplicate_file(native_file_handle file, boost::system::error_code& ec) noexcept {
    int const d = ::fcntl(file, F_DUPFD_CLOEXEC, 0);
    ec = d == -1 ? last_error() : boost::system::error_code();
    return d;
}

void close_duplicate(native_file_handle file) noexcept {
    if (file >= 0) ::close(file);  // not retried on EINTR: Linux has closed it anyway
}

off_loop_counters& off_loop_stats() noexcept {
    static off_loop_counters counters;
    return counters;
}

boost::system::error_code wait_writable(native_stream_handle out) noexcept {
    pollfd p{};
    p.fd = out;
    p.events = POLLOUT;
    for (;;) {
        int const n = ::poll(&p, 1, -1);
        if (n >= 0) return {};  // writable, or in error: the next write reports which
        if (errno != EINTR) return last_error();
    }
}

}  // namespace detail
}  // namespace zerocopy

#endif
