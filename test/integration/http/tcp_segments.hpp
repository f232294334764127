// How many TCP segments carrying data a socket has sent (Linux TCP_INFO tcpi_data_segs_out).
#ifndef ZEROCOPY_TEST_HTTP_TCP_SEGMENTS_HPP
#define ZEROCOPY_TEST_HTTP_TCP_SEGMENTS_HPP

namespace zerocopy_http_test {

/// Data segments sent on `socket_fd` so far; -1 when the kernel does not say.
long tcp_data_segments_out(int socket_fd) noexcept;

}  // namespace zerocopy_http_test

#endif
