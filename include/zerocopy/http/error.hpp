#ifndef ZEROCOPY_HTTP_ERROR_HPP
#define ZEROCOPY_HTTP_ERROR_HPP

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace zerocopy::http {

/** Why @ref serve_file (or @ref resolve_target) refused a request itself, where no system error
    names the cause. A 403, 404 or 500 caused by the system carries the system's error instead
    (`ENOENT`, `EACCES`, `ELOOP`...). Meant for the access log: each value has a short message.
*/
enum class serve_error {
    bad_target = 1,              ///< 400: the request target is refused (see @ref decode_target).
    outside_root,                ///< 403: a symbolic link leads out of the document root.
    not_a_file,                  ///< 404: a FIFO, socket or device, or a directory without its index file.
    method_not_allowed,          ///< 405: a method other than GET and HEAD.
    precondition_failed,         ///< 412: If-Match or If-Unmodified-Since is false.
    range_not_satisfiable,       ///< 416: no range of the Range header overlaps the file.
    replaced_during_resolution,  ///< 503: the file was replaced every time it was opened (no /proc).
    not_acceptable,              ///< 406: Accept-Encoding refuses every representation available.
};

/// The error category of @ref serve_error ("zerocopy.http.serve").
boost::system::error_category const& serve_category() noexcept;

inline boost::system::error_code make_error_code(serve_error e) noexcept {
    return boost::system::error_code(static_cast<int>(e), serve_category());
}

}  // namespace zerocopy::http

namespace boost::system {
template <>
struct is_error_code_enum<::zerocopy::http::serve_error> : std::true_type {};
}  // namespace boost::system

#endif
