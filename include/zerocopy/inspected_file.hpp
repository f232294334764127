//
// zerocopy/inspected_file.hpp — a file already checked as the source of a transfer (issue 13).
//
#ifndef ZEROCOPY_INSPECTED_FILE_HPP
#define ZEROCOPY_INSPECTED_FILE_HPP

#include <zerocopy/detail/config.hpp>
#include <zerocopy/file.hpp>

#include <boost/system/error_code.hpp>

#include <cstdint>

namespace zerocopy {

class inspected_file;

namespace detail {
// The one way, besides inspected_file::inspect, to make an inspected_file: for code of this library
// that inspected the file itself (zerocopy::http's resolver opens read-only and fstat()s a regular
// file). Not for users.
struct inspected_file_access {
    static inspected_file make(native_file_handle file, std::uint64_t size) noexcept;
};
}  // namespace detail

/** A file handle together with what a transfer's start checks about it (open, readable, a regular
    file) and its size at that moment. A transfer given one skips its own check (`fcntl` + `fstat`
    on POSIX): only an inspection produces this type, never a promise.

    It does not own the handle: the file must stay open while a transfer uses it. The size is the
    size at inspection, which the transfer takes as the truth (`to_end` means up to it).
*/
class inspected_file {
public:
    /** Inspects `file` as a transfer would. On failure `ec` is set (bad_descriptor,
        error::file_not_readable, error::not_a_regular_file) and the result must not be used.
    */
    static ZEROCOPY_DECL inspected_file inspect(native_file_handle file,
                                                boost::system::error_code& ec) noexcept;

    /// The handle (not owned).
    native_file_handle handle() const noexcept { return file_; }

    /// The file's size when it was inspected.
    std::uint64_t size() const noexcept { return size_; }

private:
    friend struct detail::inspected_file_access;
    inspected_file(native_file_handle file, std::uint64_t size) noexcept : file_(file), size_(size) {}

    native_file_handle file_;
    std::uint64_t size_;
};

namespace detail {
inline inspected_file inspected_file_access::make(native_file_handle file, std::uint64_t size) noexcept {
    return inspected_file(file, size);
}
}  // namespace detail

}  // namespace zerocopy

#endif
