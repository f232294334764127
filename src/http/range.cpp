#include <zerocopy/http/range.hpp>

#include "text.hpp"

#include <algorithm>
#include <limits>

namespace zerocopy::http {

namespace {

// Parses 1*DIGIT at `pos`, saturating at the largest uint64. Returns false when no digit is there.
bool parse_digits(std::string_view s, std::size_t& pos, std::uint64_t& out) {
    std::size_t const start = pos;
    std::uint64_t v = 0;
    constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    while (pos < s.size() && detail::is_digit(s[pos])) {
        unsigned const d = static_cast<unsigned>(s[pos] - '0');
        v = (v > (max - d) / 10) ? max : v * 10 + d;
        ++pos;
    }
    out = v;
    return pos != start;
}

}  // namespace

range_result parse_range(std::string_view value, std::uint64_t size, range_limits const& limits) {
    range_result result;
    value = detail::trim_ows(value);

    std::size_t const eq = value.find('=');
    if (eq == std::string_view::npos) return result;  // invalid
    std::string_view const unit = value.substr(0, eq);
    if (!detail::is_token(unit)) return result;
    if (!detail::iequals(unit, "bytes")) {
        result.status = range_status::unsupported_unit;
        return result;
    }

    std::string_view const set = value.substr(eq + 1);
    std::vector<byte_range> ranges;
    std::size_t specs = 0;
    std::size_t pos = 0;
    for (;;) {
        // 1#range-spec: empty list elements and OWS around commas are allowed.
        while (pos < set.size() && (set[pos] == ',' || detail::is_ows(set[pos]))) ++pos;
        if (pos == set.size()) break;

        std::uint64_t first = 0, last = 0;
        bool suffix = false, has_last = false;
        if (set[pos] == '-') {
            ++pos;
            suffix = true;
            if (!parse_digits(set, pos, last)) return result;
        } else {
            if (!parse_digits(set, pos, first)) return result;
            if (pos == set.size() || set[pos] != '-') return result;
            ++pos;
            has_last = parse_digits(set, pos, last);
            if (has_last && last < first) return result;  // invalid range-spec: ignore the header
        }
        // The element must end here (OWS then comma or end).
        while (pos < set.size() && detail::is_ows(set[pos])) ++pos;
        if (pos < set.size() && set[pos] != ',') return result;

        if (++specs > limits.max_ranges) {
            result.status = range_status::too_many_ranges;
            return result;
        }
        if (suffix) {
            if (last == 0 || size == 0) continue;  // unsatisfiable suffix
            std::uint64_t const len = std::min(last, size);
            ranges.push_back({size - len, len});
        } else {
            if (first >= size) continue;  // unsatisfiable
            std::uint64_t const end = has_last ? std::min(last, size - 1) : size - 1;
            ranges.push_back({first, end - first + 1});
        }
    }
    if (specs == 0) return result;  // "bytes=" or "bytes=,": no range-spec at all
    if (ranges.empty()) {
        result.status = range_status::unsatisfiable;
        return result;
    }

    // Coalesce in offset order, remembering the earliest range-spec each merged range absorbed; the
    // parts then go out in the order of the range-specs (a merged part where its earliest spec was).
    struct indexed {
        byte_range r;
        std::size_t first_spec;
    };
    std::vector<indexed> by_offset;
    by_offset.reserve(ranges.size());
    for (std::size_t k = 0; k < ranges.size(); ++k) by_offset.push_back({ranges[k], k});
    std::sort(by_offset.begin(), by_offset.end(), [](indexed const& a, indexed const& b) {
        return a.r.offset != b.r.offset ? a.r.offset < b.r.offset : a.first_spec < b.first_spec;
    });
    std::vector<indexed> merged;
    merged.reserve(by_offset.size());
    for (auto const& x : by_offset) {
        if (!merged.empty()) {
            auto& back = merged.back();
            std::uint64_t const back_end = back.r.offset + back.r.length;  // <= size: no overflow
            if (x.r.offset <= back_end || x.r.offset - back_end <= limits.coalesce_gap) {
                std::uint64_t const end = std::max(back_end, x.r.offset + x.r.length);
                back.r.length = end - back.r.offset;
                back.first_spec = std::min(back.first_spec, x.first_spec);
                continue;
            }
        }
        merged.push_back(x);
    }
    std::sort(merged.begin(), merged.end(),
              [](indexed const& a, indexed const& b) { return a.first_spec < b.first_spec; });
    ranges.clear();
    for (auto const& x : merged) ranges.push_back(x.r);
    result.status = range_status::satisfiable;
    result.ranges = std::move(ranges);
    return result;
}

}  // namespace zerocopy::http
