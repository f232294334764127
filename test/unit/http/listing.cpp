#include <zerocopy/http/listing.hpp>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace zerocopy::http;

BOOST_AUTO_TEST_SUITE(http_listing)

BOOST_AUTO_TEST_CASE(names) {
    BOOST_TEST(listable_name("a.txt", false));
    BOOST_TEST(listable_name("\xc3\xa9t\xc3\xa9", false));
    BOOST_TEST(listable_name("<b>&\"'", false));
    BOOST_TEST(!listable_name(".hidden", false));
    BOOST_TEST(listable_name(".hidden", true));
    for (char const* bad : {"", ".", "..", "a\rb", "a\nb", "a\x01", "a\x7f", "a\\b", "a/b", "bad\xff",
                            "\xc0\xae", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"})
        BOOST_TEST_CONTEXT(bad) {
            BOOST_TEST(!listable_name(bad, true));
        }
}

BOOST_AUTO_TEST_CASE(format_by_accept) {
    auto const json = listing_format::json, html = listing_format::html;
    BOOST_TEST((preferred_listing_format(std::nullopt) == html));
    BOOST_TEST((preferred_listing_format("") == html));
    BOOST_TEST((preferred_listing_format("application/json") == json));
    BOOST_TEST((preferred_listing_format("Application/JSON") == json));
    BOOST_TEST((preferred_listing_format("text/html, application/json") == html));  // tie: HTML
    BOOST_TEST((preferred_listing_format("text/html;q=0.9, application/json") == json));
    BOOST_TEST((preferred_listing_format("*/*;q=0.1, application/json;q=0.2") == json));
    BOOST_TEST((preferred_listing_format("application/*") == json));  // JSON matched, HTML not at all
    BOOST_TEST((preferred_listing_format("image/png") == html));      // neither: HTML
}

BOOST_AUTO_TEST_CASE(pages_and_tags) {
    std::vector<listing_entry> const entries = {{"<b>.txt", false, 5, 784111777000000000},
                                                {"sub", true, 4096, 0}};
    std::string const html = render_listing("/a&b/", entries, true, listing_format::html);
    BOOST_TEST(html.find("<title>Index of /a&amp;b/</title>") != std::string::npos);
    BOOST_TEST(html.find("<a href=\"%3Cb%3E.txt\">&lt;b&gt;.txt</a></td><td>5</td><td>Sun, 06 Nov 1994 "
                         "08:49:37 GMT</td>") != std::string::npos);
    BOOST_TEST(html.find("<a href=\"sub/\">sub/</a></td><td>-</td>") != std::string::npos);
    BOOST_TEST(html.find("<a href=\"../\">") != std::string::npos);
    BOOST_TEST(html.find("This list was cut at 2 entries.") != std::string::npos);
    BOOST_TEST(render_listing("/", {}, false, listing_format::html).find("../") == std::string::npos);
    std::string const json = render_listing("/a&b/", entries, false, listing_format::json);
    BOOST_TEST(json ==
               "{\"path\":\"/a\\u0026b/\",\"truncated\":false,\"entries\":["
               "{\"name\":\"\\u003cb\\u003e.txt\",\"type\":\"file\",\"size\":5,\"mtime\":784111777},"
               "{\"name\":\"sub\",\"type\":\"directory\",\"size\":0,\"mtime\":0}]}\n");
    // Unlistable names never reach the page, whatever the caller passes.
    std::string const filtered =
        render_listing("/", {{"a\r\nb", false, 1, 0}, {"x\xff", false, 1, 0}}, false, listing_format::html);
    BOOST_TEST(filtered.find("<a href") == std::string::npos);
    // Control bytes in the path are shown as U+FFFD.
    BOOST_TEST(render_listing("/a\nb/", {}, false, listing_format::html)
                   .find("/a\xef\xbf\xbd"
                         "b/") != std::string::npos);

    std::string const tag = listing_etag(entries, false, listing_format::html);
    BOOST_TEST(tag.front() == '"');
    BOOST_TEST(tag.back() == '"');
    BOOST_TEST(tag == listing_etag(entries, false, listing_format::html));
    BOOST_TEST(tag != listing_etag(entries, true, listing_format::html));
    BOOST_TEST(tag != listing_etag(entries, false, listing_format::json));
    auto changed = entries;
    changed[0].size = 6;
    BOOST_TEST(tag != listing_etag(changed, false, listing_format::html));
    changed = entries;
    changed[1].mtime_ns = 1;
    BOOST_TEST(tag != listing_etag(changed, false, listing_format::html));
}

BOOST_AUTO_TEST_SUITE_END()
