#ifndef ZEROCOPY_HTTP_ETAG_HPP
#define ZEROCOPY_HTTP_ETAG_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zerocopy::http {

/// An entity-tag (RFC 9110 section 8.8.3) viewed inside the text it was parsed from.
struct entity_tag {
    bool weak = false;
    /// The opaque-tag including its double quotes, e.g. `"xyzzy"`.
    std::string_view opaque;
};

/** Parse exactly one entity-tag (`"xyzzy"` or `W/"xyzzy"`), surrounded by optional OWS.

    Returns `std::nullopt` for anything else. Accepts any bytes; the result views into `text`.
*/
std::optional<entity_tag> parse_entity_tag(std::string_view text) noexcept;

/// Strong comparison: both tags strong and their opaque-tags identical.
bool strong_match(entity_tag const& a, entity_tag const& b) noexcept;

/// Weak comparison: opaque-tags identical, whatever the weakness of either.
bool weak_match(entity_tag const& a, entity_tag const& b) noexcept;

/// The outcome of evaluating an If-Match or If-None-Match field value against the current tag.
enum class etag_list_result {
    match,     ///< `*`, or some listed tag matches.
    no_match,  ///< A valid list in which no tag matches.
    invalid,   ///< Not `*` and not a valid `1#entity-tag` list.
};

/// Which comparison a list uses: strong for If-Match, weak for If-None-Match (RFC 9110 13.1.1-2).
enum class etag_comparison { strong, weak };

/** Evaluate `field_value` (`*` or a comma-separated list of entity-tags; several field lines may be
    joined with commas beforehand) against the current representation's tag. Accepts any bytes.
*/
etag_list_result match_etag_list(std::string_view field_value, entity_tag const& current,
                                 etag_comparison comparison) noexcept;

/** A strong entity-tag for a file, derived from its inode, size and modification time in nanoseconds:
    `"<ino>-<size>-<mtime_ns>"` in lowercase hexadecimal, quotes included.
*/
std::string make_file_etag(std::uint64_t inode, std::uint64_t size, std::int64_t mtime_ns);

}  // namespace zerocopy::http

#endif
