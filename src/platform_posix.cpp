//
// POSIX part of the platform seam: file inspection, pread, SIGPIPE-free writes, poll.
//
#include <zerocopy/detail/platform.hpp>

#if !defined(_WIN32)

#include "sigpipe_guard.hpp"

#include <zerocopy/error.hpp>

#include <cerrno>
#include <limits>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
    io_result r;
    if (offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) return r;  // past any EOF
    if (size > max_io) size = max_io;
    for (;;) {
        ssize_t const n = ::pread(file, data, size, static_cast<off_t>(offset));
        if (n >= 0) {
            r.bytes = static_cast<std::size_t>(n);
            return r;
        }
        if (errno != EINTR) {
            r.ec = last_error();
            return r;
        }
    }
}

io_result write_some_nosignal(native_stream_handle out, void const* data, std::size_t size) noexcept {
    io_result r;
    if (size > max_io) size = max_io;
    sigpipe_guard guard;
    for (;;) {
        ssize_t const n = ::write(out, data, size);
        if (n >= 0) {
            r.bytes = static_cast<std::size_t>(n);
            guard.discard_if(r.bytes < size);  // a short write may have met a vanished reader
            return r;
        }
        if (errno != EINTR) {
            r.ec = last_error();
            guard.discard_if(errno == EPIPE);
            return r;
        }
    }
}

io_result send_nosignal(native_stream_handle out, void const* data, std::size_t size, bool more) noexcept {
    io_result r;
    if (size > max_io) size = max_io;
    int flags = MSG_NOSIGNAL;
#if defined(MSG_MORE)
    if (more) flags |= MSG_MORE;
#else
    (void)more;
#endif
    for (;;) {
        ssize_t const n = ::send(out, data, size, flags);
        if (n >= 0) {
            r.bytes = static_cast<std::size_t>(n);
            return r;
        }
        if (errno != EINTR) {
            r.ec = last_error();
            return r;
        }
    }
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
