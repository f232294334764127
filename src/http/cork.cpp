#include <zerocopy/http/detail/cork.hpp>

#if defined(__linux__)
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

namespace zerocopy::http::detail {

#if defined(__linux__)
bool cork(int fd) noexcept {
    int on = 0;
    socklen_t len = sizeof on;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, &len) != 0 || on != 0) return false;
    on = 1;
    return ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on) == 0;
}

void uncork(int fd) noexcept {
    int off = 0;
    ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
}
#else
// No TCP_CORK: the header and the body leave in separate writes (TCP_NOPUSH on the BSDs is a
// possible later addition).
bool cork(int) noexcept {
    return false;
}
void uncork(int) noexcept {}
#endif

}  // namespace zerocopy::http::detail
