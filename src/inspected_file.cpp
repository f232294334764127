//
// inspected_file (zerocopy/inspected_file.hpp): the platform seam's check, kept with its result.
//
#include <zerocopy/detail/platform.hpp>
#include <zerocopy/inspected_file.hpp>

namespace zerocopy {

inspected_file inspected_file::inspect(native_file_handle file, boost::system::error_code& ec) noexcept {
    std::uint64_t size = 0;
    ec = detail::inspect_file(file, size);
    return inspected_file(file, size);
}

}  // namespace zerocopy
