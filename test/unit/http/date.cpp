#include <zerocopy/http/date.hpp>

#include <boost/test/unit_test.hpp>

using namespace zerocopy::http;

BOOST_AUTO_TEST_SUITE(http_date)

constexpr std::int64_t nov_1994 = 784111777;   // Sun, 06 Nov 1994 08:49:37 GMT
constexpr std::int64_t now_2026 = 1795000000;  // Nov 2026

BOOST_AUTO_TEST_CASE(rfc9110_three_forms) {
    BOOST_TEST(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", now_2026).value_or(-1) == nov_1994);
    BOOST_TEST(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", now_2026).value_or(-1) == nov_1994);
    BOOST_TEST(parse_http_date("Sun Nov  6 08:49:37 1994", now_2026).value_or(-1) == nov_1994);
    BOOST_TEST(parse_http_date("  Sun, 06 Nov 1994 08:49:37 GMT\t", now_2026).value_or(-1) == nov_1994);
    BOOST_TEST(parse_http_date("Thu Nov 16 08:49:37 1994", now_2026).value_or(-1) == nov_1994 + 10 * 86400);
}

BOOST_AUTO_TEST_CASE(format) {
    BOOST_TEST(format_http_date(nov_1994) == "Sun, 06 Nov 1994 08:49:37 GMT");
    BOOST_TEST(format_http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
    BOOST_TEST(format_http_date(951782400) == "Tue, 29 Feb 2000 00:00:00 GMT");
    BOOST_TEST(format_http_date(-1) == "Wed, 31 Dec 1969 23:59:59 GMT");
    BOOST_TEST(format_http_date(4102444800) == "Fri, 01 Jan 2100 00:00:00 GMT");
    BOOST_TEST(format_http_date(INT64_MAX) == "Fri, 31 Dec 9999 23:59:59 GMT");
    BOOST_TEST(format_http_date(INT64_MIN) == "Mon, 01 Jan 0001 00:00:00 GMT");
    // Round trip over a range of days and seconds.
    for (std::int64_t t = -86400LL * 800; t < 86400LL * 365 * 200; t += 86400LL * 13 + 3607) {
        auto const text = format_http_date(t);
        BOOST_TEST(text.size() == 29u);
        BOOST_TEST(parse_http_date(text, now_2026).value_or(-1) == t);
    }
}

BOOST_AUTO_TEST_CASE(rfc850_two_digit_years) {
    // More than 50 years in the future → the previous century.
    BOOST_TEST(parse_http_date("Thursday, 01-Jan-70 00:00:00 GMT", 0).value_or(-1) == 0);
    BOOST_TEST(format_http_date(*parse_http_date("Monday, 01-Jan-70 00:00:00 GMT", now_2026)).substr(12, 4) ==
               "2070");
    BOOST_TEST(format_http_date(*parse_http_date("Monday, 01-Jan-76 00:00:00 GMT", now_2026)).substr(12, 4) ==
               "2076");
    BOOST_TEST(format_http_date(*parse_http_date("Monday, 01-Jan-77 00:00:00 GMT", now_2026)).substr(12, 4) ==
               "1977");
    BOOST_TEST(format_http_date(*parse_http_date("Monday, 01-Jan-26 00:00:00 GMT", now_2026)).substr(12, 4) ==
               "2026");
}

BOOST_AUTO_TEST_CASE(invalid) {
    for (std::string_view v : {"",
                               "Sun, 06 Nov 1994 08:49:37",
                               "Sun, 06 Nov 1994 08:49:37 UTC",
                               "sun, 06 Nov 1994 08:49:37 GMT",
                               "Sun, 6 Nov 1994 08:49:37 GMT",
                               "Sun, 06 nov 1994 08:49:37 GMT",
                               "Sun,  06 Nov 1994 08:49:37 GMT",
                               "Sun, 31 Feb 1994 08:49:37 GMT",
                               "Sun, 29 Feb 1900 08:49:37 GMT",
                               "Sun, 00 Nov 1994 08:49:37 GMT",
                               "Sun, 06 Nov 1994 24:00:00 GMT",
                               "Sun, 06 Nov 1994 08:60:00 GMT",
                               "Sun, 06 Nov 1994 08:49:61 GMT",
                               "Sun, 06 Nov 94 08:49:37 GMT",
                               "Sun, 06 Nov 1994 08:49:37 GMTx",
                               "Xyz, 06 Nov 1994 08:49:37 GMT",
                               "Sunday, 06-Nov-1994 08:49:37 GMT",
                               "Sun Nov 6 08:49:37 1994",
                               "Sun Nov  6 08:49:37 94",
                               "Sun Nov 06 08:49:37 1994 x",
                               "1994-11-06T08:49:37Z",
                               "784111777",
                               "Sun, 06 Nov 1994 08:49:3",
                               "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT"}) {
        BOOST_TEST_INFO("value: " << v);
        BOOST_TEST(!parse_http_date(v, now_2026).has_value());
    }
    // asctime with a two-digit day is fine; a leap second reads as :59.
    BOOST_TEST(parse_http_date("Sun Nov 06 08:49:37 1994", now_2026).has_value());
    BOOST_TEST(parse_http_date("Sun, 06 Nov 1994 08:49:60 GMT", now_2026).value_or(-1) == nov_1994 + 22);
}

BOOST_AUTO_TEST_CASE(any_bytes) {
    std::string const base = "Sun, 06 Nov 1994 08:49:37 GMT";
    for (std::size_t i = 0; i < base.size(); ++i)
        for (int c = 0; c < 256; ++c) {
            std::string w = base;
            w[i] = static_cast<char>(c);
            (void)parse_http_date(w, now_2026);
            (void)parse_http_date(std::string_view(w).substr(0, i), now_2026);
        }
}

BOOST_AUTO_TEST_SUITE_END()
