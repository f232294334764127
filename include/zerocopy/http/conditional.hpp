#ifndef ZEROCOPY_HTTP_CONDITIONAL_HPP
#define ZEROCOPY_HTTP_CONDITIONAL_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zerocopy::http {

/** The conditional header fields of a request, each as its (combined) field value.

    When a field occurs on several lines, join the values with ", " (as RFC 9110 section 5.3 allows
    for list fields); a date field joined that way no longer parses and is ignored, which is the
    required handling of a date field with more than one member.
*/
struct request_conditions {
    std::optional<std::string> if_match;
    std::optional<std::string> if_none_match;
    std::optional<std::string> if_modified_since;
    std::optional<std::string> if_unmodified_since;
    std::optional<std::string> if_range;
};

/// The validators of the selected representation.
struct representation_validators {
    std::string_view etag;       ///< The current strong entity-tag, quotes included (e.g. `"abc"`).
    std::int64_t last_modified;  ///< Seconds since the epoch (whole seconds, as sent in Last-Modified).
};

/// What the preconditions decide (RFC 9110 section 13.2.2).
enum class precondition_result {
    proceed,              ///< Serve the request normally (Range and If-Range still apply).
    not_modified,         ///< 304 Not Modified (GET and HEAD only).
    precondition_failed,  ///< 412 Precondition Failed.
};

/** Evaluate If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since in the order of
    RFC 9110 section 13.2.2.

    - If-Match (strong comparison) false → 412; only when If-Match is absent, If-Unmodified-Since with
      a valid date earlier than Last-Modified → 412.
    - If-None-Match (weak comparison) false → 304 for GET/HEAD, 412 otherwise; only when it is absent
      and the method is GET/HEAD, If-Modified-Since with a valid date not earlier than Last-Modified
      → 304. A date later than `now` is invalid and ignored.
    - A malformed If-Match list evaluates false; a malformed If-None-Match list evaluates true (no 304).
    Invalid dates are ignored; dates are compared at whole seconds. Accepts any bytes.

    @param is_get_or_head Whether the request method is GET or HEAD.
    @param now Current time in seconds since the epoch.
*/
precondition_result evaluate_preconditions(request_conditions const& conditions,
                                           representation_validators const& current, bool is_get_or_head,
                                           std::int64_t now);

/** Evaluate an If-Range field value (RFC 9110 section 13.1.5): true when the Range header may be
    honoured, false when the whole representation must be sent with 200.

    An entity-tag matches only by strong comparison (a weak tag never matches); an HTTP-date matches
    only when it equals Last-Modified exactly; anything else evaluates false. Accepts any bytes.
*/
bool evaluate_if_range(std::string_view if_range, representation_validators const& current);

}  // namespace zerocopy::http

#endif
