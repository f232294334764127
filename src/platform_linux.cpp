//
// Linux part of the platform seam: zero-copy through sendfile(2).
//
// Other POSIX platforms compile this file to the honest answer "no native primitive": the
// operation then takes the buffered path. Windows has its own backend (src/platform_win32.cpp,
// TransmitFile); a FreeBSD/macOS sendfile(2) (with sf_hdtr) backend slots in the same way.
//
#include <zerocopy/detail/platform.hpp>

#if defined(__linux__)

#include "posix_call.hpp"
#include "sigpipe_guard.hpp"

#include <boost/assert.hpp>

#include <cerrno>
#include <limits>

#include <signal.h>
#include <sys/sendfile.h>
#include <sys/types.h>

namespace zerocopy {
namespace detail {

bool has_native_send() noexcept {
    return true;
}

io_result native_send(native_stream_handle out, native_file_handle file, std::uint64_t offset,
                      std::size_t count, void const*, std::size_t) noexcept {
    // No head here (platform_caps::native_head is false): the machine sends it with send_nosignal.
    if (offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) return {};  // past EOF
    constexpr std::size_t kernel_max = 0x7ffff000;  // what Linux moves per call at most
    if (count > kernel_max) count = kernel_max;
    sigpipe_guard guard;
    io_result const r = call_retrying_eintr([&] {
        off_t off = static_cast<off_t>(offset);  // sendfile reads at *off; the file position is untouched
        return ::sendfile(out, file, &off, count);
    });
    // A short count can mean the peer went away mid-call: the kernel then raised SIGPIPE and still
    // returned the bytes it had moved.
    guard.discard_if(r.ec ? r.ec.value() == EPIPE : r.bytes < count);
    return r;
}

io_result native_send_unguarded(native_stream_handle out, native_file_handle file, std::uint64_t offset,
                                std::size_t count) noexcept {
    // The caller declared SIGPIPE ignored process-wide (sendfile_options::sigpipe_ignored).
#if !defined(NDEBUG)
    struct sigaction sa {};
    BOOST_ASSERT_MSG(::sigaction(SIGPIPE, nullptr, &sa) == 0 && sa.sa_handler == SIG_IGN,
                     "sendfile_options::sigpipe_ignored, but SIGPIPE is not ignored");
#endif
    if (offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) return {};  // past EOF
    constexpr std::size_t kernel_max = 0x7ffff000;
    if (count > kernel_max) count = kernel_max;
    return call_retrying_eintr([&] {
        off_t off = static_cast<off_t>(offset);
        return ::sendfile(out, file, &off, count);
    });
}

}  // namespace detail
}  // namespace zerocopy

#elif !defined(_WIN32)

#include <boost/system/errc.hpp>

namespace zerocopy {
namespace detail {

bool has_native_send() noexcept {
    return false;
}

io_result native_send(native_stream_handle, native_file_handle, std::uint64_t, std::size_t, void const*,
                      std::size_t) noexcept {
    io_result r;
    r.ec = boost::system::errc::make_error_code(boost::system::errc::function_not_supported);
    return r;
}

io_result native_send_unguarded(native_stream_handle out, native_file_handle file, std::uint64_t offset,
                                std::size_t count) noexcept {
    return native_send(out, file, offset, count);
}

}  // namespace detail
}  // namespace zerocopy

#endif
