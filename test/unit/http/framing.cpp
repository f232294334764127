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
    BOOST_TEST((raw("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n") == framing_error::none));
    BOOST_TEST(
        (raw("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n") == framing_error::none));
    BOOST_TEST((raw("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked ; x=1\r\n\r\n") ==
                framing_error::none));
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
    BOOST_TEST((parsed("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n", ok) == framing_error::none));
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

// --- Host (RFC 9112 section 3.2) ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(host_values) {
    struct vec {
        std::string value;
        bool valid;
    };
    vec const vectors[] = {
        {"example.com", true},
        {"Example.COM", true},
        {"example.com:8080", true},
        {"example.com.", true},  // a trailing dot: a valid reg-name
        {"a", true},
        {"127.0.0.1", true},
        {"127.0.0.1:80", true},
        {"999.1.1.1", true},  // not IPv4, but a valid reg-name
        {"[::1]", true},
        {"[::1]:8080", true},
        {"[2001:db8::1]:443", true},
        {"[::ffff:192.0.2.1]", true},
        {"[v7.fe80::a+en1]", true},  // IPvFuture
        {"a%41b", true},             // pct-encoded
        {"%00", true},               // pct-encoded NUL is syntax, not a NUL
        {"a-b_c~d", true},
        {"a!$&'()*+;=b", true},  // sub-delims but the comma
        {"a:", true},            // empty port (RFC 3986 port = *DIGIT)
        {"a:0", true},
        {"a:65535", true},
        {"a:00080", true},
        {"", true},  // empty reg-name: syntax-valid (policy decides)
        {"a,b", false},
        {"a, b", false},
        {"a b", false},
        {",", false},
        {"a:65536", false},
        {"a:999999", false},
        {"a:000080", false},
        {"a:99999999999999999999999", false},
        {"a:8x", false},
        {"a:x", false},
        {"a:-1", false},
        {"a:80:80", false},
        {"::1", false},  // IPv6 without brackets
        {"::1:8080", false},
        {"[::1", false},
        {"::1]", false},
        {"[::1]x", false},
        {"[::1]:", true},
        {"[::1]:65536", false},
        {"[]", false},
        {"[::g]", false},
        {"[127.0.0.1]", false},
        {"[fe80::1%25eth0]", false},  // zone IDs are not RFC 3986
        {"[v.x]", false},
        {"[v1.]", false},
        {"[v1.a,b]", false},
        {"u@a", false},
        {"a/b", false},
        {"a?b", false},
        {"a#b", false},
        {"a%", false},
        {"a%4", false},
        {"a%zz", false},
        {std::string("a\0b", 3), false},
        {"a\tb", false},
        {"\xc3\xa9.example", false},  // non-ASCII
        {"a\x7f", false},
        {"\"a\"", false},
        {"a\\b", false},
        {std::string(100000, 'a'), true},  // long, but valid
        {std::string(100000, 'a') + ":1", true},
    };
    for (auto const& v : vectors) {
        BOOST_TEST_INFO("Host: " << v.value.substr(0, 40));
        BOOST_TEST(is_valid_host(v.value) == v.valid);
    }
}

BOOST_AUTO_TEST_CASE(host_rules) {
    struct vec {
        std::string text;
        framing_error want;
    };
    vec const vectors[] = {
        {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", framing_error::none},
        {"GET / HTTP/1.1\r\nhOsT:   a:80  \r\n\r\n", framing_error::none},
        {"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", framing_error::none},
        {"GET / HTTP/1.1\r\n\r\n", framing_error::missing_host},
        {"GET / HTTP/1.1\r\nX-Host: a\r\n\r\n", framing_error::missing_host},
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", framing_error::duplicate_host},
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", framing_error::duplicate_host},
        {"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", framing_error::duplicate_host},
        {"GET / HTTP/1.1\r\nHost:\r\nHost: a\r\n\r\n", framing_error::duplicate_host},
        {"GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", framing_error::invalid_host},
        {"GET / HTTP/1.1\r\nHost: a,b\r\n\r\n", framing_error::invalid_host},
        {"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", framing_error::invalid_host},
        {"GET / HTTP/1.1\r\nHost: a:\r\n\r\n", framing_error::none},
        {"GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", framing_error::invalid_host},
        {"GET / HTTP/1.1\r\nHost: a:123456\r\n\r\n", framing_error::invalid_host},
        {"GET / HTTP/1.1\r\nHost: ::1\r\n\r\n", framing_error::invalid_host},
        {"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", framing_error::invalid_host},
        {"GET / HTTP/1.1\r\nHost: \xff\r\n\r\n", framing_error::invalid_host},
        {std::string("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", 29), framing_error::invalid_host},
        {"GET / HTTP/1.0\r\nHost: a b\r\n\r\n", framing_error::invalid_host},
        {"GET / HTTP/1.1\r\nHost:\r\n\r\n", framing_error::empty_host},
        {"GET / HTTP/1.1\r\nHost:   \r\n\r\n", framing_error::empty_host},
        {"GET /x?y HTTP/1.1\r\nHost:\r\n\r\n", framing_error::empty_host},
        // HTTP/1.0: Host optional, an empty one accepted.
        {"GET / HTTP/1.0\r\n\r\n", framing_error::none},
        {"GET / HTTP/1.0\r\nHost:\r\n\r\n", framing_error::none},
        {"GET / HTTP/1.0\r\nHost: a\r\n\r\n", framing_error::none},
        // absolute-form: Host still required and checked; empty allowed (its value is ignored).
        {"GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n", framing_error::none},
        {"GET http://a/x HTTP/1.1\r\nHost: other\r\n\r\n", framing_error::none},
        {"GET http://a/x HTTP/1.1\r\nHost:\r\n\r\n", framing_error::none},
        {"GET http://a/x HTTP/1.1\r\n\r\n", framing_error::missing_host},
        {"GET http://a/x HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", framing_error::duplicate_host},
        {"GET http://a/x HTTP/1.1\r\nHost: a,b\r\n\r\n", framing_error::invalid_host},
        {"GET http://a/x HTTP/1.0\r\n\r\n", framing_error::none},
        {"OPTIONS * HTTP/1.1\r\nHost:\r\n\r\n", framing_error::none},
        // Other framing defects come first.
        {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
         framing_error::duplicate_content_length},
        {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", framing_error::whitespace_before_colon},
    };
    for (auto const& v : vectors) {
        BOOST_TEST_CONTEXT("request: " << v.text) {
            BOOST_TEST((raw(v.text) == v.want));
            BOOST_TEST(framing_status(raw(v.text)) == (v.want == framing_error::none ? 0u : 400u));
            bool ok = false;
            auto const e = parsed(v.text, ok);
            if (ok && v.want != framing_error::whitespace_before_colon) BOOST_TEST((e == v.want));
        }
    }
    for (auto e : {framing_error::duplicate_host, framing_error::invalid_host, framing_error::missing_host,
                   framing_error::empty_host}) {
        BOOST_TEST(framing_status(e) == 400u);
        BOOST_TEST(make_error_code(e).message() == std::string(framing_message(e)));
    }
    BOOST_TEST(framing_message(framing_error::missing_host) == "an HTTP/1.1 request without Host");
    BOOST_TEST(framing_message(framing_error::duplicate_host) == "more than one Host");
}

BOOST_AUTO_TEST_CASE(host_any_bytes) {
    // Every byte in every position of a Host value and of an absolute-form target: a verdict, no crash.
    std::string const base = "GET http://[::1]:80/a?b HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n";
    for (std::size_t i = 0; i < base.size(); ++i)
        for (int c = 0; c < 256; ++c) {
            std::string w = base;
            w[i] = static_cast<char>(c);
            (void)check_request_header_bytes(w);
            (void)is_valid_host(std::string_view(w).substr(i));
        }
}

BOOST_AUTO_TEST_SUITE_END()
