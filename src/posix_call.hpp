//
// One EINTR retry loop for the POSIX seam (src/platform_posix.cpp, src/platform_linux.cpp).
//
#ifndef ZEROCOPY_SRC_POSIX_CALL_HPP
#define ZEROCOPY_SRC_POSIX_CALL_HPP

#include <zerocopy/detail/platform.hpp>

#include <cerrno>

#include <sys/types.h>

namespace zerocopy {
namespace detail {

// Calls `f` (a syscall returning ssize_t) until it is not interrupted by a signal: its count, or
// its errno as an error of the system category. errno is left as the call set it, so that the
// caller can still look at it (sigpipe_guard::discard_if(errno == EPIPE)).
template <class F>
io_result call_retrying_eintr(F&& f) noexcept {
    io_result r;
    for (;;) {
        ssize_t const n = f();
        if (n >= 0) {
            r.bytes = static_cast<std::size_t>(n);
            return r;
        }
        if (errno != EINTR) {
            r.ec = boost::system::error_code(errno, boost::system::system_category());
            return r;
        }
    }
}

}  // namespace detail
}  // namespace zerocopy

#endif
