#include <zerocopy/http/mime.hpp>

#include <boost/test/unit_test.hpp>

using namespace zerocopy::http;

BOOST_AUTO_TEST_SUITE(http_mime)

BOOST_AUTO_TEST_CASE(table) {
    BOOST_TEST(mime_type("index.html") == "text/html; charset=utf-8");
    BOOST_TEST(mime_type("a/b/STYLE.CSS") == "text/css; charset=utf-8");
    BOOST_TEST(mime_type("x.js") == "text/javascript; charset=utf-8");
    BOOST_TEST(mime_type("x.png") == "image/png");
    BOOST_TEST(mime_type("x.tar.gz") == "application/gzip");
    BOOST_TEST(mime_type("x.woff2") == "font/woff2");
    BOOST_TEST(mime_type("x.mp4") == "video/mp4");
    BOOST_TEST(mime_type("x.svg") == "image/svg+xml");
    BOOST_TEST(mime_type("x.wasm") == "application/wasm");
    BOOST_TEST(mime_type("x") == "application/octet-stream");
    BOOST_TEST(mime_type(".html") == "application/octet-stream");
    BOOST_TEST(mime_type("dir.html/file") == "application/octet-stream");
    BOOST_TEST(mime_type("x.unknown") == "application/octet-stream");
    BOOST_TEST(mime_type("") == "application/octet-stream");
    BOOST_TEST(mime_type("x.") == "application/octet-stream");
}

BOOST_AUTO_TEST_SUITE_END()
