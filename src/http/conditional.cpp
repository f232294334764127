#include <zerocopy/http/conditional.hpp>

#include <zerocopy/http/date.hpp>
#include <zerocopy/http/etag.hpp>

#include "text.hpp"

namespace zerocopy::http {

precondition_result evaluate_preconditions(request_conditions const& c, representation_validators const& cur,
                                           bool is_get_or_head, std::int64_t now) {
    entity_tag const current = parse_entity_tag(cur.etag).value_or(entity_tag{});
    bool const has_current = !current.opaque.empty();

    // Step 1 and 2.
    if (c.if_match) {
        bool ok = false;
        if (has_current)
            ok = match_etag_list(*c.if_match, current, etag_comparison::strong) == etag_list_result::match;
        else
            ok = detail::trim_ows(*c.if_match) == "*";
        if (!ok) return precondition_result::precondition_failed;
    } else if (c.if_unmodified_since) {
        if (auto const date = parse_http_date(*c.if_unmodified_since, now))
            if (cur.last_modified > *date) return precondition_result::precondition_failed;
    }

    // Step 3 and 4.
    if (c.if_none_match) {
        bool const matched =
            detail::trim_ows(*c.if_none_match) == "*" ||
            (has_current &&
             match_etag_list(*c.if_none_match, current, etag_comparison::weak) == etag_list_result::match);
        if (matched)
            return is_get_or_head ? precondition_result::not_modified
                                  : precondition_result::precondition_failed;
    } else if (is_get_or_head && c.if_modified_since) {
        if (auto const date = parse_http_date(*c.if_modified_since, now))
            if (*date <= now && cur.last_modified <= *date) return precondition_result::not_modified;
    }
    return precondition_result::proceed;
}

bool evaluate_if_range(std::string_view if_range, representation_validators const& cur) {
    std::string_view const v = detail::trim_ows(if_range);
    // An entity-tag starts with a quote or "W/"; a date may start with 'W' too ("Wed, ...").
    if (!v.empty() && (v.front() == '"' || v.substr(0, 2) == "W/")) {
        auto const tag = parse_entity_tag(v);
        auto const current = parse_entity_tag(cur.etag);
        return tag && current && strong_match(*tag, *current);
    }
    auto const date = parse_http_date(v);
    return date && *date == cur.last_modified;
}

}  // namespace zerocopy::http
