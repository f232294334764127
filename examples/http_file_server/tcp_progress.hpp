// tcp_progress.hpp — how far a TCP peer has read, as the kernel sees it.
#ifndef EXAMPLES_HTTP_FILE_SERVER_TCP_PROGRESS_HPP
#define EXAMPLES_HTTP_FILE_SERVER_TCP_PROGRESS_HPP

#include <cstdint>

namespace example {

/// Bytes of this connection's output that the peer has acknowledged (TCP_INFO tcpi_bytes_acked),
/// or 0 when the kernel cannot tell. A peer that stops reading stops acknowledging: its receive
/// window closes and this number stays still, which is what the send timeout watches.
std::uint64_t tcp_bytes_acked(int socket_fd) noexcept;

}  // namespace example

#endif
