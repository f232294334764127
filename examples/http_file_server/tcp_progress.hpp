// tcp_progress.hpp — how far a TCP peer has read, as the kernel sees it: the send timeout's probe.
//
// The interface is portable; examples/http_file_server/CMakeLists.txt picks the implementation:
// tcp_progress_linux.cpp (TCP_INFO) on Linux, tcp_progress_other.cpp (always "unknown") elsewhere.
// To support another platform, add a file for it there.
#ifndef EXAMPLES_HTTP_FILE_SERVER_TCP_PROGRESS_HPP
#define EXAMPLES_HTTP_FILE_SERVER_TCP_PROGRESS_HPP

#include <cstdint>
#include <optional>

namespace example {

#if defined(_WIN32)
using native_socket = std::uintptr_t;  // SOCKET
#else
using native_socket = int;
#endif

/// Bytes of this connection's output that the peer has acknowledged, or nothing when the platform
/// cannot tell. A peer that stops reading stops acknowledging: its receive window closes and this
/// number stays still, which is what the send timeout watches.
std::optional<std::uint64_t> tcp_bytes_acked(native_socket socket) noexcept;

}  // namespace example

#endif
