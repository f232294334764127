//
// Helpers for the async_sendfile integration tests: the completion record, option shortcuts,
// small socket buffers (so that a slow reader stalls the sender quickly).
//
#ifndef ZEROCOPY_TEST_COMMON_SENDFILE_TEST_UTIL_HPP
#define ZEROCOPY_TEST_COMMON_SENDFILE_TEST_UTIL_HPP

#include <zerocopy/sendfile_options.hpp>

#include <boost/asio/socket_base.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <vector>

namespace zerocopy_test {

/// What a completion handler received.
struct result {
    boost::system::error_code ec;
    std::uint64_t n = 0;
    bool done = false;
};

inline std::vector<zerocopy::send_mode> const all_modes{
    zerocopy::send_mode::automatic, zerocopy::send_mode::native, zerocopy::send_mode::buffered};

inline zerocopy::sendfile_options mode_opts(zerocopy::send_mode m) {
    zerocopy::sendfile_options o;
    o.mode = m;
    return o;
}

/// 64 KiB send buffer on `a`, 64 KiB receive buffer on `b`.
template <class Socket>
void small_buffers(Socket& a, Socket& b) {
    a.set_option(boost::asio::socket_base::send_buffer_size(64 * 1024));
    b.set_option(boost::asio::socket_base::receive_buffer_size(64 * 1024));
}

}  // namespace zerocopy_test

#endif
