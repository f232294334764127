#ifndef ZEROCOPY_HTTP_NORMALIZE_HPP
#define ZEROCOPY_HTTP_NORMALIZE_HPP

#include <string>
#include <string_view>

namespace zerocopy::http {

/// What @ref normalize_target decides about a request target.
enum class target_form {
    canonical,  ///< No empty or dot segment: resolve it as it is (@ref decode_target still applies).
    redirect,   ///< Empty or dot segments: answer 301 with `location`, the normalized target.
    refused,    ///< Normalizing would climb above the root, or the normalized target is still
                ///< refused by @ref decode_target: 400.
};

struct normalized_target {
    target_form form = target_form::canonical;
    std::string location;  ///< For `redirect`: the normalized path, then `?` and the query as received.
};

/** Decide whether an origin-form target needs a redirect to its canonical path.

    The path is split on `/` as received (before percent-decoding). Empty segments (`//a`, `/a//b`)
    are dropped; `.` segments are dropped; `..` removes the segment before it (RFC 3986 section
    5.2.4). A dot segment or empty segment at the end leaves a trailing `/` (`/a/.` → `/a/`,
    `/a/b/..` → `/a/`). When one was removed, the result is `redirect` to the normalized path with the
    query kept (`/b/../a?x` → `/a?x`), unless:

    - a `..` would climb above the root (`/..`, `/../a`, `/a/../../b`) → `refused`;
    - the normalized target is still one @ref decode_target refuses (a percent-encoded dot segment
      such as `%2e%2e`, an encoded slash `%2f`, a NUL...) → `refused`.

    Percent-encoded dots are never treated as dot segments: they stay refused (400) as before. The
    location never starts with `//` (no empty segment survives), so `/.//evil.example` redirects to
    `/evil.example`, never to another host. Targets that are not origin-form are `canonical` here
    (decode_target decides about them). Accepts any bytes.
*/
normalized_target normalize_target(std::string_view target);

}  // namespace zerocopy::http

#endif
