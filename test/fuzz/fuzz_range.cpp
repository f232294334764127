// Range header parser (RFC 9110 section 14.2).
// Input: 1 byte of flags, 8 bytes of representation size, 1 byte max_ranges, 1 byte coalesce gap,
// then the field value. Properties: a satisfiable result holds sorted, disjoint, non-empty ranges
// inside the representation, separated by more than the coalescing gap, at most max_ranges of them;
// every other status holds no range; the same input gives the same result.
#include "fuzz_common.hpp"

#include <zerocopy/http/range.hpp>

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
        std::uint64_t prev_end = 0;
        for (std::size_t k = 0; k < r.ranges.size(); ++k) {
            byte_range const& x = r.ranges[k];
            ZEROCOPY_FUZZ_CHECK(x.length > 0);
            ZEROCOPY_FUZZ_CHECK(x.offset < rep);
            ZEROCOPY_FUZZ_CHECK(x.length <= rep - x.offset);
            ZEROCOPY_FUZZ_CHECK(x.last() < rep);
            if (k > 0) {
                ZEROCOPY_FUZZ_CHECK(x.offset > prev_end);
                ZEROCOPY_FUZZ_CHECK(x.offset - prev_end > limits.coalesce_gap);
            }
            prev_end = x.offset + x.length;
        }
    } else {
        ZEROCOPY_FUZZ_CHECK(r.ranges.empty());
    }
    if (rep == 0) ZEROCOPY_FUZZ_CHECK(r.status != range_status::satisfiable);

    range_result const again = parse_range(value, rep, limits);
    ZEROCOPY_FUZZ_CHECK(again.status == r.status);
    ZEROCOPY_FUZZ_CHECK(again.ranges == r.ranges);
    return 0;
}
