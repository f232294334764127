#include <zerocopy/http/framing.hpp>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/test/unit_test.hpp>

using namespace zerocopy::http;

namespace {
framing_error raw(std::string_view s) {
    return check_request_header_bytes(s);
}

// Parses with Beast and runs the parsed-header check; `parsed_ok` false when Beast itself refuses.
framing_error parsed(std::string_view s, bool& parsed_ok) {
    boost::beast::http::request_parser<boost::beast::http::string_body> p;
    boost::beast::error_code ec;
    p.eager(false);
    p.put(boost::asio::buffer(s.data(), s.size()), ec);
    parsed_ok = !ec || ec == boost::beast::http::error::need_more;
    if (!p.is_header_done()) {
        parsed_ok = false;
        return framing_error::none;
    }
    return check_request_framing(p.get().base());
}
}  // namespace

BOOST_AUTO_TEST_SUITE(http_framing)

BOOST_AUTO_TEST_CASE(clean_requests) {
    BOOST_TEST((raw("GET / HTTP/1.1\r\nHost: a\r\n\r\n") == framing_error::none));
    BOOST_TEST((raw("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nbody \r\n  not a header") == framing_error::none));
    BOOST_TEST((raw("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n") == framing_error::none));
    BOOST_TEST((raw("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") == framing_error::none));
    BOOST_TEST((raw("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked ; x=1\r\n\r\n") == framing_error::none));
    BOOST_TEST((raw("GET / HTTP/1.0\r\nContent-Length: 0\r\n\r\n") == framing_error::none));
    BOOST_TEST((raw("") == framing_error::none));
}

BOOST_AUTO_TEST_CASE(defects) {
    struct vec {
        char const* text;
        framing_error want;
        unsigned status;
    };
    vec const vectors[] = {
        {"GET / HTTP/1.1\r\nX-A: 1\r\n 2\r\n\r\n", framing_error::obs_fold, 400},
        {"GET / HTTP/1.1\r\nX-A: 1\r\n\t2\r\n\r\n", framing_error::obs_fold, 400},
        {"GET / HTTP/1.1\r\nX-A: 1\n 2\n\n", framing_error::obs_fold, 400},
        {"GET / HTTP/1.1\r\n Host: a\r\n\r\n", framing_error::obs_fold, 400},
        {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", framing_error::whitespace_before_colon, 400},
        {"GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", framing_error::whitespace_before_colon, 400},
        {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", framing_error::transfer_encoding_in_http10,
         400},
        {"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
         framing_error::duplicate_content_length, 400},
        {"POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", framing_error::duplicate_content_length, 400},
        {"POST / HTTP/1.1\r\ncontent-length: 5\r\nCONTENT-LENGTH: 6\r\n\r\n",
         framing_error::duplicate_content_length, 400},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n",
         framing_error::content_length_with_transfer_encoding, 400},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", framing_error::chunked_not_last, 400},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", framing_error::chunked_not_last, 400},
        {"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", framing_error::chunked_not_last, 400},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
         framing_error::chunked_twice, 400},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
         framing_error::unknown_transfer_coding, 501},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: foo\r\nTransfer-Encoding: chunked\r\n\r\n",
         framing_error::unknown_transfer_coding, 501},
    };
    for (auto const& v : vectors) {
        BOOST_TEST_INFO("request: " << v.text);
        BOOST_TEST((raw(v.text) == v.want));
        BOOST_TEST(framing_status(raw(v.text)) == v.status);
        BOOST_TEST(!framing_message(v.want).empty());
    }
}

BOOST_AUTO_TEST_CASE(parsed_header_agrees_where_beast_accepts) {
    // What Beast's parser accepts, check_request_framing must judge like the raw check (except obs-fold).
    char const* requests[] = {
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    };
    int accepted = 0;
    for (auto const* r : requests) {
        bool ok = false;
        auto const e = parsed(r, ok);
        if (!ok) continue;
        ++accepted;
        BOOST_TEST_INFO("request: " << r);
        BOOST_TEST((e == raw(r)));
    }
    BOOST_TEST(accepted >= 6);
    // Beast unfolds obs-fold: only the raw check sees it.
    bool ok = false;
    BOOST_TEST((parsed("GET / HTTP/1.1\r\nX-A: 1\r\n 2\r\n\r\n", ok) == framing_error::none));
    BOOST_TEST(ok);
}

BOOST_AUTO_TEST_CASE(any_bytes) {
    std::string const base = "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (std::size_t i = 0; i < base.size(); ++i)
        for (int c = 0; c < 256; c += 3) {
            std::string w = base;
            w[i] = static_cast<char>(c);
            (void)check_request_header_bytes(w);
            (void)check_request_header_bytes(std::string_view(w).substr(0, i));
        }
}

BOOST_AUTO_TEST_SUITE_END()
