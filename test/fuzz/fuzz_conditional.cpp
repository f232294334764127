// Precondition evaluation (RFC 9110 section 13.2.2) and If-Range (section 13.1.5).
// Input: 1 byte of flags (which fields are present, GET/HEAD or not), 8 bytes Last-Modified, 8 bytes
// "now", then NUL-separated texts: the current ETag, If-Match, If-None-Match, If-Modified-Since,
// If-Unmodified-Since, If-Range.
// Properties: 304 only for GET/HEAD; no field gives proceed; adding If-Match: * (with a current tag)
// or removing the date fields never changes a result that the tag fields decide; If-Range with the
// current strong tag or a date equal to Last-Modified holds.
#include "fuzz_common.hpp"

#include <zerocopy/http/conditional.hpp>
#include <zerocopy/http/date.hpp>
#include <zerocopy/http/etag.hpp>

#include <string>

using namespace zerocopy::http;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    zerocopy_fuzz::input in(data, size);
    std::uint8_t const flags = in.u8();
    std::int64_t const last_modified = static_cast<std::int64_t>(in.u64() % 7258118400u);
    std::int64_t const now = static_cast<std::int64_t>(in.u64() % 7258118400u);
    std::string const etag(in.field('\0'));
    std::string_view texts[5];
    for (auto& t : texts) t = in.field('\0');
    std::string_view const if_range = in.rest();
    bool const get_or_head = flags & 0x20;

    request_conditions c;
    if (flags & 0x01) c.if_match = std::string(texts[0]);
    if (flags & 0x02) c.if_none_match = std::string(texts[1]);
    if (flags & 0x04) c.if_modified_since = std::string(texts[2]);
    if (flags & 0x08) c.if_unmodified_since = std::string(texts[3]);
    representation_validators const cur{etag, last_modified};

    precondition_result const r = evaluate_preconditions(c, cur, get_or_head, now);
    ZEROCOPY_FUZZ_CHECK(r == precondition_result::proceed || r == precondition_result::not_modified ||
                        r == precondition_result::precondition_failed);
    if (!get_or_head) ZEROCOPY_FUZZ_CHECK(r != precondition_result::not_modified);
    ZEROCOPY_FUZZ_CHECK(evaluate_preconditions(request_conditions{}, cur, get_or_head, now) ==
                        precondition_result::proceed);

    // If-Match: * passes whenever a representation exists; If-Unmodified-Since is then ignored.
    if (parse_entity_tag(etag)) {
        request_conditions star = c;
        star.if_match = "*";
        request_conditions without = c;
        without.if_match.reset();
        without.if_unmodified_since.reset();
        ZEROCOPY_FUZZ_CHECK(evaluate_preconditions(star, cur, get_or_head, now) ==
                            evaluate_preconditions(without, cur, get_or_head, now));
    }
    // If-None-Match present: If-Modified-Since is ignored.
    if (c.if_none_match) {
        request_conditions no_ims = c;
        no_ims.if_modified_since.reset();
        ZEROCOPY_FUZZ_CHECK(evaluate_preconditions(no_ims, cur, get_or_head, now) == r);
    }

    // A date equal to Last-Modified holds, whatever day of the week it names.
    bool const holds = evaluate_if_range(if_range, cur);
    if (auto const d = parse_http_date(if_range)) {
        if (*d == last_modified) ZEROCOPY_FUZZ_CHECK(holds);
    }
    if (auto const tag = parse_entity_tag(etag))
        ZEROCOPY_FUZZ_CHECK(evaluate_if_range(etag, cur) == !tag->weak);
    ZEROCOPY_FUZZ_CHECK(evaluate_if_range(format_http_date(last_modified), cur));
    return 0;
}
