//
// zerocopy/error.hpp — the library's own error codes.
//
#ifndef ZEROCOPY_ERROR_HPP
#define ZEROCOPY_ERROR_HPP

#include <zerocopy/detail/config.hpp>

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace zerocopy {
namespace error {

/** Errors reported by zerocopy operations, in the category @ref zerocopy::sendfile_category().

    The type is also named `zerocopy::sendfile_error`. The enumeration is unscoped so that each value
    is spelled `zerocopy::error::unexpected_eof`, as Asio's are (`boost::asio::error::eof`);
    `zerocopy::sendfile_error::unexpected_eof` is the same value.
*/
enum sendfile_error {
    /// The file ended before the requested number of bytes were sent: it is shorter than
    /// `offset + count`, or it was truncated while the transfer was under way.
    unexpected_eof = 1,

    /// The input is not a regular file (a directory, a socket, a pipe, a device...).
    not_a_regular_file,

    /// The input file was not opened for reading (for example a write-only descriptor).
    file_not_readable,

    /// `send_mode::native` was asked for, but zero-copy is impossible for this stream, this
    /// platform or this file (the kernel refused it before any byte was sent).
    native_unavailable,
};

}  // namespace error

using error::sendfile_error;

/// The error category of @ref sendfile_error (its name is `"zerocopy"`).
ZEROCOPY_DECL boost::system::error_category const& sendfile_category() noexcept;

namespace error {

/// Makes an error code of @ref zerocopy::sendfile_category() (found by argument-dependent lookup).
inline boost::system::error_code make_error_code(sendfile_error e) noexcept {
    return boost::system::error_code(static_cast<int>(e), sendfile_category());
}

/// The name of @ref zerocopy::sendfile_error in zerocopy 0.1; removed in the next release.
using errors [[deprecated("use zerocopy::sendfile_error")]] = sendfile_error;

/// The name of @ref zerocopy::sendfile_category() in zerocopy 0.1; removed in the next release.
[[deprecated("use zerocopy::sendfile_category()")]] inline boost::system::error_category const&
get_category() noexcept {
    return sendfile_category();
}

}  // namespace error
}  // namespace zerocopy

namespace boost {
namespace system {
template <>
struct is_error_code_enum<::zerocopy::sendfile_error> : std::true_type {};
}  // namespace system
}  // namespace boost

#endif
