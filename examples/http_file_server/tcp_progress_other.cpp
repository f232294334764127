// tcp_progress where no probe is written yet: the peer's progress is unknown, so the send timeout
// cannot tell a slow reader from a stalled one and never closes a connection that is writing.
#include "tcp_progress.hpp"

namespace example {

std::optional<std::uint64_t> tcp_bytes_acked(native_socket) noexcept {
    return std::nullopt;
}

}  // namespace example
