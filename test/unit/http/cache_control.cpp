#include <zerocopy/http/cache_control.hpp>

#include <boost/test/unit_test.hpp>

#include <string>

using namespace zerocopy::http;

BOOST_AUTO_TEST_SUITE(http_cache_control)

BOOST_AUTO_TEST_CASE(glob) {
    BOOST_TEST(glob_match("*.js", "/a/b/app.js"));  // no '/': the last segment
    BOOST_TEST(glob_match("*.js", "/app.js"));
    BOOST_TEST(!glob_match("*.js", "/app.json"));
    BOOST_TEST(!glob_match("*.js", "/app.js/"));
    BOOST_TEST(glob_match("app.??", "/x/app.js"));
    BOOST_TEST(glob_match("/static/*", "/static/a.css"));
    BOOST_TEST(!glob_match("/static/*", "/static/sub/a.css"));  // '*' stops at '/'
    BOOST_TEST(glob_match("/static/**", "/static/sub/a.css"));  // '**' does not
    BOOST_TEST(glob_match("/**.html", "/a/b/c.html"));
    BOOST_TEST(glob_match("/index.html", "/index.html"));
    BOOST_TEST(!glob_match("/index.html", "/sub/index.html"));
    BOOST_TEST(glob_match("*.[ch]", "/x.c"));
    BOOST_TEST(glob_match("*.[a-c]", "/x.b"));
    BOOST_TEST(!glob_match("*.[!a-c]", "/x.b"));
    BOOST_TEST(glob_match("*.[^a-c]", "/x.d"));
    BOOST_TEST(glob_match("[]]", "/]"));
    BOOST_TEST(glob_match("a[b", "/a[b"));  // no ']': literal
    BOOST_TEST(glob_match("*", "/"));
    BOOST_TEST(!glob_match("?", "/"));
    BOOST_TEST(glob_match("", "/"));
    BOOST_TEST(!glob_match("", "/a"));
    // No backtracking blow-up.
    std::string path(20000, 'a');
    BOOST_TEST(!glob_match("/**a**a**a**a**a**a**a**a**b", "/" + path));
    BOOST_TEST(!glob_match("*a*a*a*a*a*a*a*a*a*a*a*b", "/" + path));
}

BOOST_AUTO_TEST_CASE(rules_and_values) {
    std::vector<cache_control_rule> const rules = {
        {"*.html", "no-cache"}, {"/assets/**", "max-age=31536000, immutable"}, {"*", ""}};
    BOOST_TEST(select_cache_control(rules, "/a/index.html", "x") == "no-cache");
    BOOST_TEST(select_cache_control(rules, "/assets/app.js", "x") == "max-age=31536000, immutable");
    BOOST_TEST(select_cache_control(rules, "/assets/i.html", "x") == "no-cache");  // first match wins
    BOOST_TEST(select_cache_control(rules, "/a.txt", "x") == "");
    BOOST_TEST(select_cache_control({}, "/a.txt", "fallback") == "fallback");
    BOOST_TEST(is_safe_field_value("max-age=60, public"));
    BOOST_TEST(is_safe_field_value(""));
    BOOST_TEST(is_safe_field_value("\xc3\xa9"));
    for (char const* bad : {"a\rb", "a\nb", "a\r\nSet-Cookie: x", "\t", "\x7f", "\x01"})
        BOOST_TEST(!is_safe_field_value(bad));
    BOOST_TEST(!is_safe_field_value(std::string_view("a\0b", 3)));
}

BOOST_AUTO_TEST_SUITE_END()
