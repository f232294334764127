#ifndef ZEROCOPY_HTTP_RANGE_HPP
#define ZEROCOPY_HTTP_RANGE_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace zerocopy::http {

/// One satisfiable byte range of a representation: `length` bytes starting at `offset` (length > 0).
struct byte_range {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;

    /// The last byte position, as written in Content-Range (inclusive).
    std::uint64_t last() const noexcept { return offset + length - 1; }

    friend bool operator==(byte_range const& a, byte_range const& b) noexcept {
        return a.offset == b.offset && a.length == b.length;
    }
    friend bool operator!=(byte_range const& a, byte_range const& b) noexcept { return !(a == b); }
};

/// Why a Range header field value did or did not select ranges.
enum class range_status {
    satisfiable,       ///< `ranges` holds at least one range: answer 206.
    unsatisfiable,     ///< Valid, but no range overlaps the representation: answer 416.
    invalid,           ///< Not a valid `ranges-specifier`: ignore the header, answer 200.
    unsupported_unit,  ///< A range unit other than `bytes`: ignore the header, answer 200.
    too_many_ranges,   ///< More range-specs than `range_limits::max_ranges`: ignore the header, answer 200.
};

/// Limits that defend against range abuse (the Apache CVE-2011-3192 shape).
struct range_limits {
    /// A header with more range-specs than this is ignored (the whole representation is served).
    std::size_t max_ranges = 64;
    /// Ranges that overlap, touch, or are separated by at most this many bytes are merged into one
    /// (RFC 9110 section 14.6 allows it); a merged range takes the place of the earliest range-spec it
    /// absorbed.
    std::uint64_t coalesce_gap = 80;
};

/// The result of @ref parse_range.
struct range_result {
    range_status status = range_status::invalid;
    /// In the order of the range-specs that produced them (after coalescing, a merged range stands
    /// where the earliest range-spec it absorbed stood), pairwise disjoint and separated by more than
    /// `range_limits::coalesce_gap` bytes, each inside [0, size); non-empty only when
    /// `status == satisfiable`. Their total length never exceeds the representation size.
    ///
    /// Contract change (issue 15): before, the ranges were sorted by offset. Code that relied on that
    /// order must sort a copy itself.
    std::vector<byte_range> ranges;
};

/** Parse a Range header field value (RFC 9110 section 14.2) against a representation of `size` bytes.

    Accepts any bytes: anything that is not a valid `ranges-specifier` gives `range_status::invalid`.
    Positions too large for 64 bits saturate (a huge first-pos is unsatisfiable, a huge last-pos or
    suffix-length reaches the end). A range-spec whose last-pos is below its first-pos makes the whole
    value invalid. With `size == 0` every valid value is unsatisfiable (the responder serves an empty
    representation with 200 instead).
*/
range_result parse_range(std::string_view value, std::uint64_t size, range_limits const& limits = {});

}  // namespace zerocopy::http

#endif
