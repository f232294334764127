// Entity-tag parser and If-Match / If-None-Match list evaluation (RFC 9110 sections 8.8.3, 13.1).
// Input: the current tag and the list, separated by a NUL byte.
// Properties: a parsed tag is a quoted opaque-tag viewing into the input; a strong match implies a
// weak match; a tag compared with itself matches weakly, and strongly unless weak; a list holding the
// current tag matches; a list match under strong comparison implies a match under weak comparison.
#include "fuzz_common.hpp"

#include <zerocopy/http/etag.hpp>

#include <string>

using namespace zerocopy::http;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    zerocopy_fuzz::input in(data, size);
    std::string_view const a_text = in.field('\0');
    std::string_view const list = in.rest();

    auto const a = parse_entity_tag(a_text);
    if (a) {
        ZEROCOPY_FUZZ_CHECK(a->opaque.size() >= 2);
        ZEROCOPY_FUZZ_CHECK(a->opaque.front() == '"' && a->opaque.back() == '"');
        ZEROCOPY_FUZZ_CHECK(a->opaque.data() >= a_text.data() &&
                            a->opaque.data() + a->opaque.size() <= a_text.data() + a_text.size());
        ZEROCOPY_FUZZ_CHECK(weak_match(*a, *a));
        ZEROCOPY_FUZZ_CHECK(strong_match(*a, *a) == !a->weak);
    }

    entity_tag const current = a ? *a : entity_tag{false, "\"x\""};
    auto const strong = match_etag_list(list, current, etag_comparison::strong);
    auto const weak = match_etag_list(list, current, etag_comparison::weak);
    ZEROCOPY_FUZZ_CHECK((strong == etag_list_result::invalid) == (weak == etag_list_result::invalid));
    if (strong == etag_list_result::match) ZEROCOPY_FUZZ_CHECK(weak == etag_list_result::match);

    if (auto const b = parse_entity_tag(list)) {
        if (strong_match(current, *b)) ZEROCOPY_FUZZ_CHECK(weak_match(current, *b));
        ZEROCOPY_FUZZ_CHECK(strong_match(current, *b) == strong_match(*b, current));
        ZEROCOPY_FUZZ_CHECK(weak_match(current, *b) == weak_match(*b, current));
        // A one-element list is the tag itself.
        ZEROCOPY_FUZZ_CHECK((weak == etag_list_result::match) == weak_match(current, *b));
        ZEROCOPY_FUZZ_CHECK((strong == etag_list_result::match) == strong_match(current, *b));
        // The tag appended to a valid list makes it match.
        if (weak != etag_list_result::invalid) {
            std::string const longer = std::string(list) + ", " + std::string(current.weak ? "W/" : "") +
                                       std::string(current.opaque);
            ZEROCOPY_FUZZ_CHECK(match_etag_list(longer, current, etag_comparison::weak) ==
                                etag_list_result::match);
        }
    }
    return 0;
}
