// src/http/listing_win32.cpp — directory listings on Windows: not implemented; serve_file answers
// 404 for a directory without its index, as when listings are off (docs/http.md says so).
#include "listing_platform.hpp"

#include <boost/system/errc.hpp>

namespace zerocopy::http::detail {

boost::system::error_code read_directory(native_file_handle, native_file_handle,
                                         std::vector<std::string> const&, resolver_kind,
                                         listing_options const&, std::vector<listing_entry>& entries,
                                         bool& truncated) {
    entries.clear();
    truncated = false;
    return boost::system::errc::make_error_code(boost::system::errc::function_not_supported);
}

}  // namespace zerocopy::http::detail
