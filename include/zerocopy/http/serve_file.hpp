#ifndef ZEROCOPY_HTTP_SERVE_FILE_HPP
#define ZEROCOPY_HTTP_SERVE_FILE_HPP

#include <zerocopy/http/accept_encoding.hpp>
#include <zerocopy/http/cache_control.hpp>
#include <zerocopy/http/conditional.hpp>
#include <zerocopy/http/framing.hpp>
#include <zerocopy/http/listing.hpp>
#include <zerocopy/http/range.hpp>
#include <zerocopy/http/range_body.hpp>
#include <zerocopy/http/resolve.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <vector>

namespace zerocopy::http {

/// The response type of @ref serve_file: write it with zerocopy::http::async_write (or Beast's).
using file_response = boost::beast::http::response<range_body>;

/// Options of @ref serve_file.
struct serve_options {
    resolve_options resolve;  ///< Resolver choice and index file name.
    range_limits ranges;      ///< Abuse limits for the Range header.
    /// A Cache-Control value sent with 200, 206 and 304 responses; empty sends none.
    std::string cache_control;
    /// Per-path Cache-Control values: the first rule whose pattern matches the decoded path of the
    /// file (`/dir/name`, see @ref glob_match) gives the value, else `cache_control` applies. Values
    /// are sent as given: check them with @ref is_safe_field_value.
    std::vector<cache_control_rule> cache_control_rules;
    /// When false, a request for several ranges gets the whole file (200) instead of multipart/byteranges.
    bool allow_multipart = true;
    /** Precompressed variants the application allows, in its order of preference, e.g.
        `{content_coding::br, content_coding::zstd, content_coding::gzip}`. Empty (the default): off.

        When set, a request for `/a/app.js` whose Accept-Encoding accepts a listed coding (see
        @ref plan_codings) is answered from `app.js.br` (`.zst`, `.gz`) when that file exists beside
        `app.js`, resolves like any file (beneath the root, a regular file, no symlink out of it) and is
        not older than `app.js`; `app.js` itself must exist. That response carries
        `Content-Encoding`, the Content-Type of `app.js`, the variant's size, dates and a strong ETag
        of its own (the file ETag with `-br`, `-zstd` or `-gz` before the closing quote); Range and
        the conditional fields apply to it. Every response for a file then carries
        `Vary: Accept-Encoding`, identity included. A client that accepts neither identity nor an
        available variant gets 406. A request naming `app.js.gz` is served as that file
        (`application/gzip`, no Content-Encoding).
    */
    std::vector<content_coding> precompressed;
    /** Directory listings (off by default). When `listing.enabled`, a directory target ending in '/'
        without its index file is answered with a listing instead of 404: HTML (UTF-8), or JSON when
        the request's Accept prefers `application/json` (@ref preferred_listing_format), with
        `Vary: Accept`, a strong ETag derived from the listed entries (If-None-Match → 304,
        If-Match → 412), and the Cache-Control of the rules. Only entries a request would be served
        appear (see @ref listing_options). POSIX only: on Windows such a directory stays 404.
    */
    listing_options listing;
};

/** Answer a GET or HEAD request for a file beneath `root`, as a response ready for
    zerocopy::http::async_write.

    - Methods other than GET and HEAD: 405 with `Allow: GET, HEAD`.
    - The target (origin-form or absolute-form, see @ref decode_target) goes through
      @ref resolve_target: 400 (refused target), 403 (leaves the root), 404, 301 with an
      origin-relative Location (a directory without its trailing slash, or a target with empty or
      dot segments: see @ref normalize_target), 500 (other system errors), 503 with
      `Retry-After: 1` (replaced during resolution on every attempt; only without /proc).
      The Host field is not looked at: @ref async_read_request checks it.
    - With `options.precompressed`: Accept-Encoding negotiation first (406 when nothing acceptable
      exists), then everything below applies to the selected representation; `Vary: Accept-Encoding`.
    - With `options.listing.enabled`: a directory without its index gets a listing (HTML or JSON).
    - The file is opened once; its size, inode and modification time come from fstat on that
      descriptor, so a file replaced (renamed over) during the request is served consistently, as one
      version, old or new — never an error.
    - Sent with 200, 206 and 416: Date, Last-Modified (IMF-fixdate, never later than Date),
      ETag (strong, from inode/size/mtime in ns), Accept-Ranges: bytes, Content-Type (by extension),
      Content-Length, and Cache-Control when configured (`cache_control_rules`, else `cache_control`).
    - Preconditions in the order of RFC 9110 section 13.2.2: 412 (If-Match, If-Unmodified-Since),
      304 (If-None-Match, If-Modified-Since) carrying Date, ETag and Cache-Control, no body.
    - Range (GET only, non-empty files only; If-Range decides whether it applies): one range → 206
      with Content-Range; several → 206 multipart/byteranges, parts in the order of the range-specs
      after coalescing; unsatisfiable → 416 with
      a Content-Range of `bytes` with an asterisk and the size; invalid, unsupported or abusive → ignored
   (200).
    - HEAD: the same header as GET (Content-Length included), no body.
    - Every response copies the request's version and keep-alive. Error responses carry a short
      text/plain body.

    @param ec Set to the cause of every 4xx and 5xx answer (for the access log), cleared otherwise
    (200, 206, 301, 304): the system error behind a 403, 404 or 500 (`ENOENT`, `EACCES`, `ELOOP`...),
    or a @ref serve_error (`bad_target`, `outside_root`, `not_a_file`, `method_not_allowed`,
    `precondition_failed`, `range_not_satisfiable`, `replaced_during_resolution`).
*/
file_response serve_file(document_root const& root, boost::beast::http::request_header<> const& req,
                         boost::system::error_code& ec, serve_options const& options = {});

/// As above, ignoring the system error.
file_response serve_file(document_root const& root, boost::beast::http::request_header<> const& req,
                         serve_options const& options = {});

/// The conditional header fields of a request (several lines of a field are joined with ", ").
request_conditions conditions_of(boost::beast::http::request_header<> const& req);

/** A short text/plain response with `status`, the request's version and keep-alive (HEAD: header
    only, with the Content-Length a GET would get).
*/
file_response make_error_response(boost::beast::http::status status,
                                  boost::beast::http::request_header<> const& req);

/** The response to a request whose framing failed @ref check_request_header_bytes or
    @ref check_request_framing: 400 (or 501), `Connection: close`. The caller writes it, then closes
    the connection.
*/
file_response make_framing_error_response(framing_error error,
                                          boost::beast::http::request_header<> const& req);

}  // namespace zerocopy::http

#endif
