#ifndef ZEROCOPY_HTTP_MULTIPART_HPP
#define ZEROCOPY_HTTP_MULTIPART_HPP

#include <zerocopy/http/range.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zerocopy::http {

/// A piece of a body: `prefix` (bytes in memory), then `length` bytes of the file at `offset`.
struct body_piece {
    std::string prefix;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

/// The layout of a multipart/byteranges body (RFC 9110 section 14.6).
struct multipart_layout {
    std::string boundary;
    /// One piece per range (delimiter and part header, then the range), then a last piece holding
    /// only the close delimiter.
    std::vector<body_piece> pieces;
    /// The exact number of bytes the pieces produce: the Content-Length of the response.
    std::uint64_t content_length = 0;

    /// `multipart/byteranges; boundary=<boundary>`.
    std::string content_type() const { return "multipart/byteranges; boundary=" + boundary; }
};

/// A fresh random boundary (24 characters from the bchars set without space).
std::string make_boundary();

/** Lay out a multipart/byteranges body for `ranges` of a representation of `size` bytes.

    Each part carries `Content-Type: <part_content_type>` (omitted when empty) and
    `Content-Range: bytes <first>-<last>/<size>`. The first delimiter has no leading CRLF.

    @param boundary Used as given when not empty (1 to 70 characters, the caller's responsibility);
    otherwise @ref make_boundary supplies one.
*/
multipart_layout make_multipart_layout(std::vector<byte_range> const& ranges, std::uint64_t size,
                                       std::string_view part_content_type, std::string boundary = {});

}  // namespace zerocopy::http

#endif
