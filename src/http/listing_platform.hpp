// src/http/listing_platform.hpp — reading a directory for a listing (private): POSIX in
// src/http/listing_posix.cpp, Windows in src/http/listing_win32.cpp.
#ifndef ZEROCOPY_SRC_HTTP_LISTING_PLATFORM_HPP
#define ZEROCOPY_SRC_HTTP_LISTING_PLATFORM_HPP

#include <zerocopy/http/listing.hpp>
#include <zerocopy/http/resolve.hpp>

#include <boost/system/error_code.hpp>

#include <string>
#include <vector>

namespace zerocopy::http::detail {

/** The entries of the directory `dir` (as resolve_target found it) that a request would be served:
    regular files and directories, and symlinks that resolve beneath `root` to one of those (with the
    target's size and mtime); FIFOs, sockets, devices, dangling links, links out of the root and names
    failing listable_name are left out. At most `options.max_entries` (then `truncated`), sorted by
    name, each name once. `segments`: the directory's decoded path under the root.
*/
boost::system::error_code read_directory(native_file_handle root, native_file_handle dir,
                                         std::vector<std::string> const& segments, resolver_kind kind,
                                         listing_options const& options, std::vector<listing_entry>& entries,
                                         bool& truncated);

}  // namespace zerocopy::http::detail

#endif
