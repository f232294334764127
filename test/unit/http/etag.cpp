#include <zerocopy/http/etag.hpp>

#include <boost/test/unit_test.hpp>

using namespace zerocopy::http;

BOOST_AUTO_TEST_SUITE(http_etag)

BOOST_AUTO_TEST_CASE(parse) {
    auto t = parse_entity_tag("\"xyzzy\"");
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(!t->weak);
    BOOST_TEST(t->opaque == "\"xyzzy\"");
    t = parse_entity_tag(" W/\"xyzzy\" ");
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(t->weak);
    BOOST_TEST(t->opaque == "\"xyzzy\"");
    BOOST_TEST(parse_entity_tag("\"\"").has_value());  // empty opaque-tag is valid
    BOOST_TEST(parse_entity_tag("\"a,b\"").has_value());
    BOOST_TEST(parse_entity_tag("\"\xc3\xa9\"").has_value());  // obs-text
    for (std::string_view v : {"", "xyzzy", "\"xyzzy", "xyzzy\"", "w/\"x\"", "W/x", "W/", "\"a\"b", "\"a b\"",
                               "\"a\"\"b\"", "*", "W/ \"x\"", "\"a\","}) {
        BOOST_TEST_INFO("value: " << v);
        BOOST_TEST(!parse_entity_tag(v).has_value());
    }
}

BOOST_AUTO_TEST_CASE(rfc9110_comparison_table) {
    // RFC 9110 section 8.8.3.2.
    auto e = [](char const* s) { return *parse_entity_tag(s); };
    BOOST_TEST(!strong_match(e("W/\"1\""), e("W/\"1\"")));
    BOOST_TEST(weak_match(e("W/\"1\""), e("W/\"1\"")));
    BOOST_TEST(!strong_match(e("W/\"1\""), e("W/\"2\"")));
    BOOST_TEST(!weak_match(e("W/\"1\""), e("W/\"2\"")));
    BOOST_TEST(!strong_match(e("W/\"1\""), e("\"1\"")));
    BOOST_TEST(weak_match(e("W/\"1\""), e("\"1\"")));
    BOOST_TEST(strong_match(e("\"1\""), e("\"1\"")));
    BOOST_TEST(weak_match(e("\"1\""), e("\"1\"")));
}

BOOST_AUTO_TEST_CASE(lists) {
    entity_tag const cur = *parse_entity_tag("\"abc\"");
    auto strong = etag_comparison::strong;
    auto weak = etag_comparison::weak;
    BOOST_TEST((match_etag_list("*", cur, strong) == etag_list_result::match));
    BOOST_TEST((match_etag_list(" * ", cur, weak) == etag_list_result::match));
    BOOST_TEST((match_etag_list("\"abc\"", cur, strong) == etag_list_result::match));
    BOOST_TEST((match_etag_list("\"x\", \"abc\"", cur, strong) == etag_list_result::match));
    BOOST_TEST((match_etag_list("\"x\",W/\"abc\"", cur, strong) == etag_list_result::no_match));
    BOOST_TEST((match_etag_list("\"x\",W/\"abc\"", cur, weak) == etag_list_result::match));
    BOOST_TEST((match_etag_list(",\"x\",,  ,\"y\",", cur, weak) == etag_list_result::no_match));
    BOOST_TEST((match_etag_list("\"a,bc\"", cur, weak) == etag_list_result::no_match));
    for (std::string_view v : {"", ",", "abc", "\"abc\" \"abc\"", "*, \"abc\"", "\"abc\";", "W/abc"}) {
        BOOST_TEST_INFO("value: " << v);
        BOOST_TEST((match_etag_list(v, cur, weak) == etag_list_result::invalid));
    }
    entity_tag const weak_cur = *parse_entity_tag("W/\"abc\"");
    BOOST_TEST((match_etag_list("\"abc\"", weak_cur, strong) == etag_list_result::no_match));
    BOOST_TEST((match_etag_list("\"abc\"", weak_cur, weak) == etag_list_result::match));
}

BOOST_AUTO_TEST_CASE(file_etag) {
    BOOST_TEST(make_file_etag(0x1234, 4096, 1700000000123456789LL) == "\"1234-1000-17979cfe3d85cd15\"");
    BOOST_TEST(make_file_etag(0, 0, 0) == "\"0-0-0\"");
    BOOST_TEST(parse_entity_tag(make_file_etag(~0ull, ~0ull, -1)).has_value());
}

BOOST_AUTO_TEST_CASE(any_bytes) {
    entity_tag const cur = *parse_entity_tag("\"abc\"");
    std::string const base = "W/\"abc\", \"d\"";
    for (std::size_t i = 0; i < base.size(); ++i)
        for (int c = 0; c < 256; ++c) {
            std::string w = base;
            w[i] = static_cast<char>(c);
            (void)parse_entity_tag(w);
            (void)match_etag_list(w, cur, etag_comparison::weak);
            (void)match_etag_list(std::string_view(w).substr(0, i), cur, etag_comparison::strong);
        }
}

BOOST_AUTO_TEST_SUITE_END()
