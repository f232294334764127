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
    Also runs every check of @ref check_request_framing. Accepts any bytes.
*/
framing_error check_request_header_bytes(std::string_view raw);

namespace detail {
framing_error check_framing_fields(bool http10, std::size_t content_length_members, bool has_te,
                                   std::string_view te_list) noexcept;
}  // namespace detail

/** Check a request header parsed by Beast for the framing defects visible after parsing (all but
    obs-fold and whitespace before the colon: use @ref check_request_header_bytes for those).
*/
template <class Fields>
framing_error check_request_framing(boost::beast::http::request_header<Fields> const& h) {
    std::size_t cl_members = 0;
    bool has_te = false;
    std::string te;
    for (auto const& f : h) {
        if (f.name() == boost::beast::http::field::content_length) {
            auto const v = f.value();
            cl_members += 1;
            for (char c : v) cl_members += (c == ',') ? 1 : 0;
        } else if (f.name() == boost::beast::http::field::transfer_encoding) {
            if (has_te) te.push_back(',');
            has_te = true;
            te.append(f.value().data(), f.value().size());
        }
    }
    return detail::check_framing_fields(h.version() == 10, cl_members, has_te, te);
}

}  // namespace zerocopy::http

namespace boost::system {
template <>
struct is_error_code_enum<::zerocopy::http::framing_error> : std::true_type {};
}  // namespace boost::system

#endif
