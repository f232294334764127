#ifndef ZEROCOPY_HTTP_MIME_HPP
#define ZEROCOPY_HTTP_MIME_HPP

#include <string_view>

namespace zerocopy::http {

/** The Content-Type for a path, chosen by its extension (case-insensitive) from a table of common web
    types; text types carry `; charset=utf-8`. Unknown or missing extensions give
    `application/octet-stream`. The returned view refers to static storage.
*/
std::string_view mime_type(std::string_view path) noexcept;

}  // namespace zerocopy::http

#endif
