#include <zerocopy/http/date.hpp>

#include "text.hpp"

#include <chrono>

namespace zerocopy::http {

namespace {

constexpr std::string_view short_days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::string_view long_days[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                          "Friday", "Saturday", "Sunday"};
constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

constexpr bool is_leap(std::int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr int days_in_month(std::int64_t y, int m) {
    constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return (m == 2 && is_leap(y)) ? 29 : days[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (m in 1..12), computed over 400-year eras.
constexpr std::int64_t days_from_civil(std::int64_t y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    std::int64_t const era = (y >= 0 ? y : y - 399) / 400;
    std::int64_t const yoe = y - era * 400;                          // [0, 399]
    std::int64_t const mp = (m + 9) % 12;                            // March = 0
    std::int64_t const doy = (153 * mp + 2) / 5 + d - 1;             // [0, 365]
    std::int64_t const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  // [0, 146096]
    return era * 146097 + doe - 719468;
}

struct civil {
    std::int64_t year;
    int month, day;
};

constexpr civil civil_from_days(std::int64_t z) {
    z += 719468;
    std::int64_t const era = (z >= 0 ? z : z - 146096) / 146097;
    std::int64_t const doe = z - era * 146097;
    std::int64_t const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    std::int64_t const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    std::int64_t const mp = (5 * doy + 2) / 153;
    int const d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    int const m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

// A tiny cursor over the input; every method fails (returns false) rather than read out of bounds.
struct cursor {
    std::string_view s;
    std::size_t pos = 0;

    bool literal(std::string_view lit) {
        if (s.substr(pos, lit.size()) != lit) return false;
        pos += lit.size();
        return true;
    }
    bool digits(std::size_t n, int& out) {
        if (s.size() - pos < n) return false;
        int v = 0;
        for (std::size_t i = 0; i < n; ++i) {
            char const c = s[pos + i];
            if (!detail::is_digit(c)) return false;
            v = v * 10 + (c - '0');
        }
        pos += n;
        out = v;
        return true;
    }
    template <std::size_t N>
    bool one_of(std::string_view const (&names)[N], int& index) {
        for (std::size_t i = 0; i < N; ++i)
            if (s.substr(pos, names[i].size()) == names[i]) {
                pos += names[i].size();
                index = static_cast<int>(i);
                return true;
            }
        return false;
    }
    bool time_of_day(int& h, int& m, int& sec) {
        return digits(2, h) && literal(":") && digits(2, m) && literal(":") && digits(2, sec);
    }
    bool at_end() const { return pos == s.size(); }
};

std::optional<std::int64_t> make_time(std::int64_t year, int month, int day, int h, int m, int s) {
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
    if (h > 23 || m > 59 || s > 60) return std::nullopt;
    if (s == 60) s = 59;
    return days_from_civil(year, month, day) * 86400 + h * 3600 + m * 60 + s;
}

}  // namespace

std::int64_t http_now() noexcept {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
    return parse_http_date(text, http_now());
}

std::optional<std::int64_t> parse_http_date(std::string_view text, std::int64_t now) {
    text = detail::trim_ows(text);
    int wday = 0, day = 0, month = 0, year = 0, h = 0, m = 0, s = 0;

    // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    {
        cursor c{text};
        if (c.one_of(short_days, wday) && c.literal(", ") && c.digits(2, day) && c.literal(" ") &&
            c.one_of(months, month) && c.literal(" ") && c.digits(4, year) && c.literal(" ") &&
            c.time_of_day(h, m, s) && c.literal(" GMT") && c.at_end())
            return make_time(year, month + 1, day, h, m, s);
    }
    // rfc850-date: Sunday, 06-Nov-94 08:49:37 GMT
    {
        cursor c{text};
        if (c.one_of(long_days, wday) && c.literal(", ") && c.digits(2, day) && c.literal("-") &&
            c.one_of(months, month) && c.literal("-") && c.digits(2, year) && c.literal(" ") &&
            c.time_of_day(h, m, s) && c.literal(" GMT") && c.at_end()) {
            // The most recent year with these two digits that is at most 50 years after `now`.
            std::int64_t const now_year = civil_from_days(now / 86400 - (now % 86400 < 0 ? 1 : 0)).year;
            std::int64_t full = now_year - now_year % 100 + year;
            if (full > now_year + 50) full -= 100;
            return make_time(full, month + 1, day, h, m, s);
        }
    }
    // asctime-date: Sun Nov  6 08:49:37 1994
    {
        cursor c{text};
        if (c.one_of(short_days, wday) && c.literal(" ") && c.one_of(months, month) && c.literal(" ")) {
            bool ok = false;
            if (c.literal(" "))
                ok = c.digits(1, day);
            else
                ok = c.digits(2, day);
            if (ok && c.literal(" ") && c.time_of_day(h, m, s) && c.literal(" ") && c.digits(4, year) &&
                c.at_end())
                return make_time(year, month + 1, day, h, m, s);
        }
    }
    return std::nullopt;
}

std::string format_http_date(std::int64_t t) {
    constexpr std::int64_t min_t = days_from_civil(1, 1, 1) * 86400;
    constexpr std::int64_t max_t = days_from_civil(9999, 12, 31) * 86400 + 86399;
    if (t < min_t) t = min_t;
    if (t > max_t) t = max_t;
    std::int64_t days = t / 86400;
    std::int64_t secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        --days;
    }
    civil const c = civil_from_days(days);
    // 1970-01-01 was a Thursday (index 3 with Monday = 0).
    int const wday = static_cast<int>(((days % 7) + 7 + 3) % 7);
    int const h = static_cast<int>(secs / 3600), m = static_cast<int>(secs / 60 % 60),
              s = static_cast<int>(secs % 60);

    std::string out;
    out.reserve(29);
    auto two = [&](int v) {
        out.push_back(static_cast<char>('0' + v / 10));
        out.push_back(static_cast<char>('0' + v % 10));
    };
    out.append(short_days[wday]).append(", ");
    two(c.day);
    out.push_back(' ');
    out.append(months[c.month - 1]).push_back(' ');
    int const y = static_cast<int>(c.year);
    two(y / 100);
    two(y % 100);
    out.push_back(' ');
    two(h);
    out.push_back(':');
    two(m);
    out.push_back(':');
    two(s);
    out.append(" GMT");
    return out;
}

}  // namespace zerocopy::http
