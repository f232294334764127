// tcp_progress on Linux: TCP_INFO's tcpi_bytes_acked. A translation unit of its own: <linux/tcp.h>
// (which has tcpi_bytes_acked) cannot share one with <netinet/tcp.h>, which Asio includes.
#include "tcp_progress.hpp"

#include <cstddef>

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace example {

std::optional<std::uint64_t> tcp_bytes_acked(native_socket socket) noexcept {
    struct tcp_info info = {};
    socklen_t len = sizeof info;
    if (::getsockopt(socket, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return std::nullopt;
    if (len < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked)
        return std::nullopt;  // a kernel older than 4.1
    return info.tcpi_bytes_acked;
}

}  // namespace example
