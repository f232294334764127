// A translation unit of its own: <linux/tcp.h> (tcpi_data_segs_out) cannot share one with
// <netinet/tcp.h>, which Asio includes.
#include "tcp_segments.hpp"

#include <cstddef>

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace zerocopy_http_test {

long tcp_data_segments_out(int socket_fd) noexcept {
    struct tcp_info info = {};
    socklen_t len = sizeof info;
    if (::getsockopt(socket_fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return -1;
    if (len < offsetof(struct tcp_info, tcpi_data_segs_out) + sizeof info.tcpi_data_segs_out) return -1;
    return static_cast<long>(info.tcpi_data_segs_out);
}

}  // namespace zerocopy_http_test
