//
// POSIX part of the platform seam: file inspection, pread, SIGPIPE-free writes, poll. Each call
// retries EINTR through call_retrying_eintr (src/posix_call.hpp).
//
#include <zerocopy/detail/platform.hpp>

#if !defined(_WIN32)

#include "posix_call.hpp"
#include "sigpipe_guard.hpp"

#include <zerocopy/error.hpp>

#include <cerrno>
#include <limits>

#include <boost/assert.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
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

io_result write_some_nosignal(native_stream_handle out, void const* data, std::size_t size) noexcept {
    if (size > max_io) size = max_io;
    sigpipe_guard guard;
    io_result const r = call_retrying_eintr([&] { return ::write(out, data, size); });
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

io_result read_at_nowait(native_file_handle file, std::uint64_t offset, void* data,
                         std::size_t size) noexcept {
#if defined(__linux__) && defined(RWF_NOWAIT)
    if (offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) return {};  // past any EOF
    if (size > max_io) size = max_io;
    iovec v{data, size};
    return call_retrying_eintr(
        [&] { return ::preadv2(file, &v, 1, static_cast<off_t>(offset), RWF_NOWAIT); });
#else
    (void)file, (void)offset, (void)data, (void)size;
    io_result r;
    r.ec = boost::system::errc::make_error_code(boost::system::errc::operation_not_supported);
    return r;
#endif
}

io_result send_with_head_nosignal(native_stream_handle out, void const* head, std::size_t head_size,
                                  void const* data, std::size_t size) noexcept {
    iovec v[2] = {{const_cast<void*>(head), head_size}, {const_cast<void*>(data), size}};
    msghdr m{};
    m.msg_iov = head_size != 0 ? v : v + 1;
    m.msg_iovlen = head_size != 0 ? 2 : 1;
    return call_retrying_eintr([&] { return ::sendmsg(out, &m, MSG_NOSIGNAL); });
}

namespace {
// The declaration of sendfile_options::sigpipe_ignored, checked where assertions are live.
[[maybe_unused]] bool sigpipe_is_ignored() noexcept {
    struct sigaction sa {};
    return ::sigaction(SIGPIPE, nullptr, &sa) == 0 && sa.sa_handler == SIG_IGN;
}
}  // namespace

io_result write_some_unguarded(native_stream_handle out, void const* data, std::size_t size) noexcept {
    BOOST_ASSERT_MSG(sigpipe_is_ignored(), "sendfile_options::sigpipe_ignored, but SIGPIPE is not ignored");
    if (size > max_io) size = max_io;
    return call_retrying_eintr([&] { return ::write(out, data, size); });
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
