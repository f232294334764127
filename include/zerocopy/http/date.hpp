#ifndef ZEROCOPY_HTTP_DATE_HPP
#define ZEROCOPY_HTTP_DATE_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zerocopy::http {

/** Parse an HTTP-date (RFC 9110 section 5.6.7) into seconds since the Unix epoch (UTC).

    Accepts the preferred IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) and the obsolete RFC 850
    (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`) forms, exactly as
    the grammar spells them (case-sensitive names, single spaces); leading and trailing OWS are
    ignored. The day name is checked to be a day name but not against the date. A second of 60
    (leap second) is read as 59. A two-digit RFC 850 year that would lie more than 50 years after
    `now` is taken as the most recent past year with those digits (RFC 9110). Anything else,
    including an impossible date such as 31 Feb, gives `std::nullopt`. Accepts any bytes.
*/
std::optional<std::int64_t> parse_http_date(std::string_view text, std::int64_t now);

/// As above, with `now` the current system time.
std::optional<std::int64_t> parse_http_date(std::string_view text);

/** Format seconds since the Unix epoch as an IMF-fixdate (always 29 characters).

    Times before 0001-01-01 or after 9999-12-31 23:59:59 are clamped to those bounds.
*/
std::string format_http_date(std::int64_t seconds_since_epoch);

/// The current system time in seconds since the Unix epoch.
std::int64_t http_now() noexcept;

}  // namespace zerocopy::http

#endif
