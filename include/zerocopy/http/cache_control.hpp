#ifndef ZEROCOPY_HTTP_CACHE_CONTROL_HPP
#define ZEROCOPY_HTTP_CACHE_CONTROL_HPP

#include <string>
#include <string_view>
#include <vector>

namespace zerocopy::http {

/// A Cache-Control value for the files whose decoded path matches `pattern` (see @ref glob_match).
struct cache_control_rule {
    std::string pattern;  ///< E.g. `*.js`, `/assets/` followed by `**`, `/index.html`.
    std::string value;    ///< The field value; empty sends no Cache-Control for these files.
};

/** Match a decoded request path (`/dir/name.ext`, always starting with `/`) against a glob pattern.

    - `*` matches any run of characters other than `/`; `**` any run including `/`; `?` one character
      other than `/`; `[abc]`, `[a-z]`, `[!a-z]` (or `[^a-z]`) one character of (not of) a set; every
      other character matches itself (case-sensitive, bytewise). A `[` without its `]` is literal.
    - A pattern holding no `/` is matched against the last segment only (`*.js` matches
      `/a/b/app.js`); a pattern holding one is matched against the whole path (`/static/` then `**`).

    Runs in O(pattern size × path size) time and O(pattern size) memory whatever the input (no
    backtracking). Accepts any bytes.
*/
bool glob_match(std::string_view pattern, std::string_view path) noexcept;

/** The Cache-Control value for `path`: the value of the first rule in `rules` whose pattern matches,
    else `fallback`.
*/
std::string_view select_cache_control(std::vector<cache_control_rule> const& rules, std::string_view path,
                                      std::string_view fallback) noexcept;

/** Whether `value` may be sent as a header field value as is: no control character at all (CR, LF,
    NUL, HTAB, DEL and the rest of 0x00-0x1F), so nothing can be injected into the response header.
    Bytes from 0x80 up are allowed (obs-text).
*/
bool is_safe_field_value(std::string_view value) noexcept;

}  // namespace zerocopy::http

#endif
