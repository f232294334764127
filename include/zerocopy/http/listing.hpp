#ifndef ZEROCOPY_HTTP_LISTING_HPP
#define ZEROCOPY_HTTP_LISTING_HPP

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zerocopy::http {

/// Directory listings (@ref serve_options::listing): off by default.
struct listing_options {
    /// List a directory target ending in '/' that has no index file (instead of 404).
    bool enabled = false;
    /// Also list names starting with '.' (left out by default).
    bool show_hidden = false;
    /// At most this many entries are listed (the first ones the directory yields, then sorted); the
    /// page then says that the list was cut (JSON: `"truncated": true`).
    std::size_t max_entries = 10000;
};

/// One entry of a listing.
struct listing_entry {
    std::string name;           ///< The file name (UTF-8, no control character, see @ref listable_name).
    bool directory = false;     ///< Linked with a trailing '/'.
    std::uint64_t size = 0;     ///< Bytes (files only).
    std::int64_t mtime_ns = 0;  ///< Last modification, nanoseconds since 1970 (UTC).
};

enum class listing_format { html, json };

/** The format a request prefers from its Accept field value (`std::nullopt`: no Accept field):
    JSON when `application/json` gets a higher weight than `text/html` (most specific media range
    first: `text/html` over `text/` + `*` over the full wildcard; q-values as in RFC 9110 section 12.4.2; a
    member with an invalid qvalue is ignored), HTML otherwise. Accepts any bytes.
*/
listing_format preferred_listing_format(std::optional<std::string_view> accept) noexcept;

/** Whether a name can appear in a listing: not empty, not `.` or `..`, valid UTF-8, no control
    character (0x00-0x1F, 0x7F), no `/` or `\`, and not starting with `.` unless `show_hidden`.
*/
bool listable_name(std::string_view name, bool show_hidden) noexcept;

/** The listing page of the directory `path` (decoded, starting and ending with '/', e.g. `/a/b/`).

    `entries` are taken as given except that unlistable names (@ref listable_name with `show_hidden`
    true) are left out; pass them sorted. HTML (UTF-8): a table of name, size and modification time,
    every name and the path HTML-escaped, every link percent-encoded (all but unreserved characters),
    a link to the parent unless `path` is `/`, and a note when `truncated`. JSON:
    `{"path":...,"truncated":...,"entries":[{"name":...,"type":"file"|"directory","size":N,"mtime":S},...]}`
    with `mtime` in whole seconds since 1970.
*/
std::string render_listing(std::string_view path, std::vector<listing_entry> const& entries, bool truncated,
                           listing_format format);

/// A strong ETag for a listing, derived from the listed entries (names, types, sizes, mtimes), the
/// cut, and the format.
std::string listing_etag(std::vector<listing_entry> const& entries, bool truncated, listing_format format);

}  // namespace zerocopy::http

#endif
