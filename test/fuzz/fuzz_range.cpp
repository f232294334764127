// Range header parser (RFC 9110 section 14.2).
// Input: 1 byte of flags, 8 bytes of representation size, 1 byte max_ranges, 1 byte coalesce gap,
// then the field value. Properties: a satisfiable result holds non-empty ranges inside the
// representation, in request order (each range-spec, parsed alone, lies inside exactly one result
// range, and the result ranges are first reached in order 0, 1, 2...), disjoint and separated by more
// than the coalescing gap once sorted, at most max_ranges of them, their total never above the size;
// every other status holds no range; the same input gives the same result.
#include "fuzz_common.hpp"

#include <zerocopy/http/range.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace zerocopy::http;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    zerocopy_fuzz::input in(data, size);
    std::uint8_t const flags = in.u8();
    std::uint64_t rep = in.u64();
    if ((flags & 1) == 0) rep %= 100000;  // mostly small representations, sometimes any 64-bit size
    range_limits limits;
    if (flags & 2) {
        limits.max_ranges = in.u8() % 70u;
        limits.coalesce_gap = in.u8();
    }
    std::string_view const value = in.rest();

    range_result const r = parse_range(value, rep, limits);
    if (r.status == range_status::satisfiable) {
        ZEROCOPY_FUZZ_CHECK(!r.ranges.empty());
        ZEROCOPY_FUZZ_CHECK(r.ranges.size() <= limits.max_ranges);
        std::vector<byte_range> sorted = r.ranges;
        std::sort(sorted.begin(), sorted.end(),
                  [](byte_range const& a, byte_range const& b) { return a.offset < b.offset; });
        std::uint64_t prev_end = 0, total = 0;
        for (std::size_t k = 0; k < sorted.size(); ++k) {
            byte_range const& x = sorted[k];
            ZEROCOPY_FUZZ_CHECK(x.length > 0);
            ZEROCOPY_FUZZ_CHECK(x.offset < rep);
            ZEROCOPY_FUZZ_CHECK(x.length <= rep - x.offset);
            ZEROCOPY_FUZZ_CHECK(x.last() < rep);
            if (k > 0) {
                ZEROCOPY_FUZZ_CHECK(x.offset > prev_end);
                ZEROCOPY_FUZZ_CHECK(x.offset - prev_end > limits.coalesce_gap);
            }
            prev_end = x.offset + x.length;
            total += x.length;
        }
        ZEROCOPY_FUZZ_CHECK(total <= rep);

        // Request order, checked against each range-spec parsed on its own.
        std::string_view const trimmed = value.substr(value.find('=') + 1);
        std::size_t next_new = 0, pos = 0;
        while (pos <= trimmed.size()) {
            std::size_t const comma = std::min(trimmed.find(',', pos), trimmed.size());
            std::string const one = "bytes=" + std::string(trimmed.substr(pos, comma - pos));
            pos = comma + 1;
            range_result const alone = parse_range(one, rep, limits);
            if (alone.status != range_status::satisfiable) continue;
            ZEROCOPY_FUZZ_CHECK(alone.ranges.size() == 1);
            byte_range const& a = alone.ranges.front();
            std::size_t holder = r.ranges.size();
            for (std::size_t k = 0; k < r.ranges.size(); ++k)
                if (a.offset >= r.ranges[k].offset &&
                    a.offset + a.length <= r.ranges[k].offset + r.ranges[k].length) {
                    ZEROCOPY_FUZZ_CHECK(holder == r.ranges.size());  // exactly one holds it
                    holder = k;
                }
            ZEROCOPY_FUZZ_CHECK(holder < r.ranges.size());
            ZEROCOPY_FUZZ_CHECK(holder <= next_new);  // a result range is first reached in order
            if (holder == next_new) ++next_new;
        }
        ZEROCOPY_FUZZ_CHECK(next_new == r.ranges.size());
    } else {
        ZEROCOPY_FUZZ_CHECK(r.ranges.empty());
    }
    if (rep == 0) ZEROCOPY_FUZZ_CHECK(r.status != range_status::satisfiable);

    range_result const again = parse_range(value, rep, limits);
    ZEROCOPY_FUZZ_CHECK(again.status == r.status);
    ZEROCOPY_FUZZ_CHECK(again.ranges == r.ranges);
    return 0;
}
