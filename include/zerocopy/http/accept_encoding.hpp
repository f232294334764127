#ifndef ZEROCOPY_HTTP_ACCEPT_ENCODING_HPP
#define ZEROCOPY_HTTP_ACCEPT_ENCODING_HPP

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace zerocopy::http {

/// The content codings @ref serve_file can serve from precompressed files.
enum class content_coding {
    br,    ///< Brotli, `app.js.br`.
    zstd,  ///< Zstandard, `app.js.zst`.
    gzip,  ///< gzip, `app.js.gz`.
};

/// The coding's name as sent in Content-Encoding: `br`, `zstd`, `gzip`.
std::string_view coding_name(content_coding c) noexcept;

/// The file-name suffix of a precompressed variant: `.br`, `.zst`, `.gz`.
std::string_view coding_suffix(content_coding c) noexcept;

/// The coding named `name` (case-insensitive; `x-gzip` is gzip), or nothing.
std::optional<content_coding> parse_content_coding(std::string_view name) noexcept;

/** An Accept-Encoding field value (RFC 9110 section 12.5.3), reduced to what selection needs: the
    weight given to each coding serve_file knows, to `identity` and to `*`.

    Weights are in thousandths (a qvalue has at most three decimals): 0 to 1000, or -1 when the field
    does not name that coding.
*/
struct accept_encoding {
    int br = -1;
    int zstd = -1;
    int gzip = -1;
    int identity = -1;
    int any = -1;  ///< `*`

    /// The weight of `c`: its own member, else `*`'s, else 0 (not acceptable).
    int weight(content_coding c) const noexcept;

    /// The weight of the identity coding: its own member, else `*`'s, else -1: acceptable by default
    /// (RFC 9110: unless `identity;q=0`, or `*;q=0` without an identity member), ranked below every
    /// coding the client names with a non-zero weight.
    int identity_weight() const noexcept;
};

/** Parse an Accept-Encoding field value (several field lines joined with ", ").

    - Codings are case-insensitive tokens; `x-gzip` counts as `gzip`. Unknown codings are skipped.
    - A member is `coding [ OWS ";" OWS "q=" qvalue ]`; a member that is anything else (an invalid
      qvalue such as `q=1.5` or `q=0.0001`, another parameter, a stray byte) is ignored as a whole.
    - A coding listed twice gets the lower of its weights, so a coding the client refuses anywhere
      in the field is never selected.
    - An empty value, or only commas, leaves everything unnamed: identity only.
    Accepts any bytes, runs in linear time, allocates nothing.
*/
accept_encoding parse_accept_encoding(std::string_view value) noexcept;

/// Which representation to try, in order (see @ref plan_codings).
struct coding_plan {
    /// The precompressed codings worth trying, best first: weight above 0 and not below identity's.
    content_coding order[3] = {};
    std::size_t count = 0;
    /// Whether the identity representation may be sent when no variant of `order` is available.
    bool identity_acceptable = true;
};

/** The negotiation (RFC 9110 section 12.5.3): the codings of `preference` (the application's
    order, duplicates ignored) that the client accepts, sorted by the client's weight, ties broken by
    `preference`, and kept only when ranked at least as high as identity (a tie goes to the coding).
    Pass `std::nullopt` when the request has no Accept-Encoding field: identity only (the behaviour of
    common servers; RFC 9110 would allow any coding).
*/
coding_plan plan_codings(std::optional<std::string_view> accept_encoding_value,
                         std::vector<content_coding> const& preference) noexcept;

}  // namespace zerocopy::http

#endif
