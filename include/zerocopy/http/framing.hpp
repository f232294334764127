#ifndef ZEROCOPY_HTTP_FRAMING_HPP
#define ZEROCOPY_HTTP_FRAMING_HPP

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

namespace zerocopy::http {

/** A request-framing defect that Beast's parser accepts but RFC 9112 requires a server to refuse.

    Every defect means: answer with @ref framing_status and close the connection after the response.
    The Host checks (RFC 9112 section 3.2) come after the others: a request with two defects reports
    the first one listed here.
*/
enum class framing_error {
    none,
    obs_fold,                     ///< A field line continued by obs-fold (RFC 9112 5.2): 400.
    whitespace_before_colon,      ///< Whitespace between field name and colon (RFC 9112 5.1): 400.
    transfer_encoding_in_http10,  ///< Transfer-Encoding in an HTTP/1.0 request (RFC 9112 6.1): 400.
    duplicate_content_length,     ///< Content-Length more than once, even identical (RFC 9112 6.3): 400.
    content_length_with_transfer_encoding,  ///< Both Content-Length and Transfer-Encoding (RFC 9112 6.3):
                                            ///< 400.
    chunked_not_last,         ///< Transfer-Encoding whose final coding is not chunked (6.3): 400.
    chunked_twice,            ///< chunked applied more than once (RFC 9112 7): 400.
    unknown_transfer_coding,  ///< A transfer coding other than chunked (RFC 9112 6.1): 501.
    duplicate_host,           ///< More than one Host field line, even identical (RFC 9112 3.2): 400.
    invalid_host,  ///< A Host value that is not `uri-host [":" port]` (see @ref is_valid_host): 400.
    missing_host,  ///< An HTTP/1.1 (or later) request without Host (RFC 9112 3.2): 400.
    empty_host,    ///< An empty Host on an origin-form HTTP/1.1 request (a policy: RFC 9112 allows it): 400.
};

/// The error category of @ref framing_error (error codes carry the enumerator's value).
boost::system::error_category const& framing_category() noexcept;

/// An error code for `e` in @ref framing_category, so that reads can report framing defects.
inline boost::system::error_code make_error_code(framing_error e) noexcept {
    return boost::system::error_code(static_cast<int>(e), framing_category());
}

/// The framing_error held by `ec`, or `framing_error::none` when `ec` is of another category.
inline framing_error framing_error_of(boost::system::error_code const& ec) noexcept {
    return ec.category() == framing_category() ? static_cast<framing_error>(ec.value()) : framing_error::none;
}

/// The status to answer with: 0 for `none`, 501 for an unknown coding, 400 otherwise.
unsigned framing_status(framing_error e) noexcept;

/// A short English description, suitable for a log line or an error page.
std::string_view framing_message(framing_error e) noexcept;

/** Check the raw bytes of a request header: the request-line, the field lines and the empty line that
    ends them (leading empty lines are skipped; bytes after the empty line are ignored; lines may end
    in CRLF or a bare LF). This is the only way to see obs-fold, which Beast's parser silently unfolds.
    Also runs every check of @ref check_request_framing, the Host rules included. Accepts any bytes.

    Host (RFC 9112 section 3.2): more than one Host line, or a value that is not valid
    (@ref is_valid_host), is refused in any request; an HTTP/1.1 request needs one; an empty value is
    refused on an origin-form (`/path`) HTTP/1.1 request. HTTP/1.0 without Host, or with an empty one,
    is accepted. In absolute-form (`GET http://a/b HTTP/1.1`) the Host line is still required and
    checked, then ignored: the target's authority takes its place.
*/
framing_error check_request_header_bytes(std::string_view raw);

/** Whether `value` is a valid Host field value (or absolute-form authority): `uri-host [":" port]`
    (RFC 9112 section 3.2, RFC 3986 section 3.2.2). Accepts any bytes.

    - `uri-host`: an IP-literal in brackets (`[::1]`, `[v1.x]`: IPv6 or IPvFuture), or a reg-name
      (which covers IPv4) of unreserved characters, pct-encoded octets (`%41`, a `%` followed by two
      hex digits) and sub-delims, **except the comma**: RFC 3986 allows `,` but it makes the field
      look like a list, which intermediaries split (`Host: a,b`); it is refused. Empty is valid here
      (see @ref framing_error::empty_host for when it is refused).
    - `port`: at most 5 digits, at most 65535. An empty port (`a:`) is valid, as in RFC 3986.
    - Refused: whitespace inside (`a b`), a bare IPv6 address (`::1`), userinfo (`u@a`), a path, NUL
      or any byte outside ASCII.
*/
bool is_valid_host(std::string_view value) noexcept;

namespace detail {
// What the framing checks need to know of a request header, however it was read.
struct framing_facts {
    unsigned version = 0;      // 10 * major + minor; 0 when unknown (a request-line Beast refuses)
    bool origin_form = false;  // the target starts with '/'
    std::size_t content_length_members = 0;
    bool has_te = false;
    std::string te_list;         // the Transfer-Encoding lines joined with ','
    std::size_t host_lines = 0;  // Host field lines
    std::string_view host;       // the first Host value, without surrounding whitespace (not owned)
};
framing_error check_framing(framing_facts const& facts) noexcept;
}  // namespace detail

/** Check a request header parsed by Beast for the framing defects visible after parsing (all but
    obs-fold and whitespace before the colon: use @ref check_request_header_bytes for those).
*/
template <class Fields>
framing_error check_request_framing(boost::beast::http::request_header<Fields> const& h) {
    detail::framing_facts facts;
    facts.version = h.version();
    facts.origin_form = !h.target().empty() && h.target().front() == '/';
    for (auto const& f : h) {
        if (f.name() == boost::beast::http::field::content_length) {
            auto const v = f.value();
            facts.content_length_members += 1;
            for (char c : v) facts.content_length_members += (c == ',') ? 1 : 0;
        } else if (f.name() == boost::beast::http::field::transfer_encoding) {
            if (facts.has_te) facts.te_list.push_back(',');
            facts.has_te = true;
            facts.te_list.append(f.value().data(), f.value().size());
        } else if (f.name() == boost::beast::http::field::host) {
            if (facts.host_lines++ == 0) facts.host = std::string_view(f.value().data(), f.value().size());
        }
    }
    return detail::check_framing(facts);
}

}  // namespace zerocopy::http

namespace boost::system {
template <>
struct is_error_code_enum<::zerocopy::http::framing_error> : std::true_type {};
}  // namespace boost::system

#endif
