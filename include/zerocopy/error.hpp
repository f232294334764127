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

/// Errors reported by zerocopy operations, in the category `zerocopy::error::get_category()`.
enum errors {
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

/// The error category of `zerocopy::error::errors`.
ZEROCOPY_DECL boost::system::error_category const& get_category() noexcept;

/// Makes an error code of the zerocopy category.
inline boost::system::error_code make_error_code(errors e) noexcept {
    return boost::system::error_code(static_cast<int>(e), get_category());
}

}  // namespace error
}  // namespace zerocopy

namespace boost {
namespace system {
template <>
struct is_error_code_enum<::zerocopy::error::errors> : std::true_type {};
}  // namespace system
}  // namespace boost

#endif
