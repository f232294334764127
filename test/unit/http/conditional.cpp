#include <zerocopy/http/conditional.hpp>
#include <zerocopy/http/date.hpp>

#include <boost/test/unit_test.hpp>

using namespace zerocopy::http;

namespace {
constexpr std::int64_t lm = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
constexpr std::int64_t now = 1795000000;
constexpr char const* etag = "\"abc\"";
representation_validators const cur{etag, lm};

precondition_result eval(request_conditions const& c, bool get = true) {
    return evaluate_preconditions(c, cur, get, now);
}
constexpr auto proceed = precondition_result::proceed;
constexpr auto not_modified = precondition_result::not_modified;
constexpr auto failed = precondition_result::precondition_failed;
}  // namespace

BOOST_AUTO_TEST_SUITE(http_conditional)

BOOST_AUTO_TEST_CASE(none) {
    BOOST_TEST((eval({}) == proceed));
}

BOOST_AUTO_TEST_CASE(if_match) {
    request_conditions c;
    c.if_match = "\"abc\"";
    BOOST_TEST((eval(c) == proceed));
    c.if_match = "*";
    BOOST_TEST((eval(c) == proceed));
    c.if_match = "\"x\", \"abc\"";
    BOOST_TEST((eval(c) == proceed));
    c.if_match = "W/\"abc\"";  // strong comparison
    BOOST_TEST((eval(c) == failed));
    c.if_match = "\"x\"";
    BOOST_TEST((eval(c) == failed));
    c.if_match = "garbage";
    BOOST_TEST((eval(c) == failed));
    // If-Match takes precedence over If-Unmodified-Since (which would fail here).
    c.if_match = "\"abc\"";
    c.if_unmodified_since = "Sat, 05 Nov 1994 08:49:37 GMT";
    BOOST_TEST((eval(c) == proceed));
}

BOOST_AUTO_TEST_CASE(if_unmodified_since) {
    request_conditions c;
    c.if_unmodified_since = "Sun, 06 Nov 1994 08:49:37 GMT";
    BOOST_TEST((eval(c) == proceed));
    c.if_unmodified_since = "Sun, 06 Nov 1994 08:49:36 GMT";
    BOOST_TEST((eval(c) == failed));
    c.if_unmodified_since = "not a date";
    BOOST_TEST((eval(c) == proceed));
    c.if_unmodified_since = "Sunday, 06-Nov-94 08:49:38 GMT";
    BOOST_TEST((eval(c) == proceed));
}

BOOST_AUTO_TEST_CASE(if_none_match) {
    request_conditions c;
    c.if_none_match = "\"abc\"";
    BOOST_TEST((eval(c) == not_modified));
    BOOST_TEST((eval(c, false) == failed));
    c.if_none_match = "W/\"abc\"";  // weak comparison
    BOOST_TEST((eval(c) == not_modified));
    c.if_none_match = "*";
    BOOST_TEST((eval(c) == not_modified));
    c.if_none_match = "\"x\", \"y\"";
    BOOST_TEST((eval(c) == proceed));
    c.if_none_match = "garbage";
    BOOST_TEST((eval(c) == proceed));
    // If-None-Match present: If-Modified-Since is ignored.
    c.if_none_match = "\"x\"";
    c.if_modified_since = "Sun, 06 Nov 1994 08:49:37 GMT";
    BOOST_TEST((eval(c) == proceed));
    // If-Match failing comes first.
    c.if_none_match = "\"abc\"";
    c.if_match = "\"x\"";
    BOOST_TEST((eval(c) == failed));
}

BOOST_AUTO_TEST_CASE(if_modified_since) {
    request_conditions c;
    c.if_modified_since = "Sun, 06 Nov 1994 08:49:37 GMT";
    BOOST_TEST((eval(c) == not_modified));
    c.if_modified_since = "Sun Nov  6 08:49:38 1994";
    BOOST_TEST((eval(c) == not_modified));
    c.if_modified_since = "Sun, 06 Nov 1994 08:49:36 GMT";
    BOOST_TEST((eval(c) == proceed));
    c.if_modified_since = "bogus";
    BOOST_TEST((eval(c) == proceed));
    // Later than now: invalid, ignored.
    c.if_modified_since = "Fri, 01 Jan 2100 00:00:00 GMT";
    BOOST_TEST((eval(c) == proceed));
    // Only for GET and HEAD.
    c.if_modified_since = "Sun, 06 Nov 1994 08:49:37 GMT";
    BOOST_TEST((eval(c, false) == proceed));
    // Two members (joined field lines): ignored.
    c.if_modified_since = "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT";
    BOOST_TEST((eval(c) == proceed));
}

BOOST_AUTO_TEST_CASE(if_range) {
    BOOST_TEST(evaluate_if_range("\"abc\"", cur));
    BOOST_TEST(evaluate_if_range(" \"abc\" ", cur));
    BOOST_TEST(!evaluate_if_range("W/\"abc\"", cur));
    BOOST_TEST(!evaluate_if_range("\"abd\"", cur));
    BOOST_TEST(evaluate_if_range("Sun, 06 Nov 1994 08:49:37 GMT", cur));
    BOOST_TEST(!evaluate_if_range("Sun, 06 Nov 1994 08:49:38 GMT", cur));
    BOOST_TEST(!evaluate_if_range("Sun, 06 Nov 1994 08:49:36 GMT", cur));
    BOOST_TEST(!evaluate_if_range("", cur));
    BOOST_TEST(!evaluate_if_range("\"abc\", \"abc\"", cur));
    BOOST_TEST(!evaluate_if_range("Wed", cur));
    // A date may begin with 'W' (found by the fuzzer): it is a date, not a weak entity-tag.
    representation_validators wed = cur;
    wed.last_modified = *parse_http_date("Wed, 09 Nov 1994 08:49:37 GMT");
    BOOST_TEST(evaluate_if_range("Wed, 09 Nov 1994 08:49:37 GMT", wed));
    BOOST_TEST(evaluate_if_range("Wednesday, 09-Nov-94 08:49:37 GMT", wed));
    BOOST_TEST(!evaluate_if_range("Wed, 09 Nov 1994 08:49:38 GMT", wed));
}

BOOST_AUTO_TEST_SUITE_END()
