// Accept-Encoding parser and the negotiation of precompressed variants (RFC 9110 section 12.5.3).
// Input: 1 byte choosing the application's preference list, then the field value (any bytes).
// Properties: every weight is -1 (not named) or 0..1000; a plan holds at most 3 distinct codings, each
// in the preference list, each with a weight above 0 and not below identity's, sorted by weight; a
// coding named with q=0 anywhere in the value (found by an independent scan of the members) is never
// planned; identity is refused exactly when its weight (own, else `*`'s) is 0; the same input gives
// the same result; no Accept-Encoding field plans nothing.
#include "fuzz_common.hpp"

#include <zerocopy/http/accept_encoding.hpp>

#include <string>
#include <vector>

using namespace zerocopy::http;

namespace {

// Whether a member of `value` is exactly `<coding>;q=0` (any case, optional zeros): a refusal, which the
// parser must honour whatever else the value holds.
bool refused_by_scan(std::string_view value, std::string_view coding) {
    std::size_t start = 0;
    for (std::size_t i = 0; i <= value.size(); ++i) {
        if (i < value.size() && value[i] != ',') continue;
        std::string m(value.substr(start, i - start));
        start = i + 1;
        std::string lower;
        for (char c : m)
            if (c != ' ' && c != '\t') lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
        for (std::string_view z : {";q=0", ";q=0.", ";q=0.0", ";q=0.00", ";q=0.000"}) {
            if (lower == std::string(coding) + std::string(z)) return true;
            if (coding == "gzip" && lower == "x-gzip" + std::string(z)) return true;
        }
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    zerocopy_fuzz::input in(data, size);
    std::uint8_t const pick = in.u8();
    std::vector<content_coding> preference;
    for (int k = 0; k < 4; ++k) {
        unsigned const c = (pick >> (2 * k)) & 3u;
        if (c < 3) preference.push_back(static_cast<content_coding>(c));
    }
    std::string_view const value = in.rest();

    accept_encoding const a = parse_accept_encoding(value);
    for (int w : {a.br, a.zstd, a.gzip, a.identity, a.any}) ZEROCOPY_FUZZ_CHECK(w >= -1 && w <= 1000);

    coding_plan const p = plan_codings(value, preference);
    ZEROCOPY_FUZZ_CHECK(p.count <= 3);
    int const identity = a.identity_weight();
    for (std::size_t k = 0; k < p.count; ++k) {
        content_coding const c = p.order[k];
        bool listed = false;
        for (auto x : preference) listed = listed || x == c;
        ZEROCOPY_FUZZ_CHECK(listed);
        for (std::size_t j = 0; j < k; ++j) {
            ZEROCOPY_FUZZ_CHECK(p.order[j] != c);
            ZEROCOPY_FUZZ_CHECK(a.weight(p.order[j]) >= a.weight(c));
        }
        ZEROCOPY_FUZZ_CHECK(a.weight(c) > 0);
        ZEROCOPY_FUZZ_CHECK(a.weight(c) >= identity);
        ZEROCOPY_FUZZ_CHECK(!refused_by_scan(value, coding_name(c)));
    }
    ZEROCOPY_FUZZ_CHECK(p.identity_acceptable == (identity != 0));
    if (refused_by_scan(value, "identity")) ZEROCOPY_FUZZ_CHECK(!p.identity_acceptable);

    coding_plan const again = plan_codings(value, preference);
    ZEROCOPY_FUZZ_CHECK(again.count == p.count && again.identity_acceptable == p.identity_acceptable);
    for (std::size_t k = 0; k < p.count; ++k) ZEROCOPY_FUZZ_CHECK(again.order[k] == p.order[k]);

    coding_plan const none = plan_codings(std::nullopt, preference);
    ZEROCOPY_FUZZ_CHECK(none.count == 0 && none.identity_acceptable);
    return 0;
}
