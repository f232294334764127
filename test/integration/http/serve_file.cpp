// zerocopy::http::serve_file end to end: a loopback server (zero-copy writer, and Beast's writer for
// comparison) and a Beast client checking statuses, exact headers and byte-exact bodies.
#include <zerocopy/http/serve_file.hpp>

#include "http_test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <zerocopy/detail/platform.hpp>

#include <map>
#include <set>

using namespace zerocopy_http_test;
namespace zh = zerocopy::http;

namespace {

struct site {
    temp_dir dir;
    std::string big = pattern(300000, 3);
    std::string small = pattern(4096, 4);
    site() {
        dir.write("big.bin", big);
        dir.write("small.txt", small);
        dir.write("empty.txt", "");
        dir.write("index.html", "<h1>home</h1>");
        dir.write("style.css", "body{}");
        dir.mkdir("docs");
        dir.write("docs/index.html", "docs index");
        dir.mkdir("noindex");
        dir.write("%2e", "literal");
        dir.write("../zerocopy-http-outside-" + std::to_string(process_id()), "secret");
#if !defined(_WIN32)
        // Symbolic links: MinGW programs cannot create them under Wine; the Windows resolver never
        // follows any (test/unit/http/resolve.cpp has its Windows vectors).
        dir.symlink("small.txt", "link_in");
        dir.symlink("../zerocopy-http-outside-" + std::to_string(process_id()), "link_out");
#endif
        // A fixed modification time, so Last-Modified is known: Sun, 06 Nov 1994 08:49:37 GMT.
        set_mtime(dir.path + "/small.txt", 784111777);
    }
    ~site() {
        std::error_code ec;
        std::filesystem::remove(dir.path + "/../zerocopy-http-outside-" + std::to_string(process_id()), ec);
    }
};

std::string field(bhttp::response<bhttp::string_body> const& r, bhttp::field f) {
    auto const v = r[f];
    return std::string(v.data(), v.size());
}

std::set<std::string> field_names(bhttp::response<bhttp::string_body> const& r) {
    std::set<std::string> names;
    for (auto const& f : r) names.insert(std::string(f.name_string()));
    return names;
}

// Splits a multipart/byteranges body into (Content-Range, data) parts.
std::vector<std::pair<std::string, std::string>> parse_multipart(std::string const& body,
                                                                 std::string const& boundary) {
    std::vector<std::pair<std::string, std::string>> parts;
    std::string const delim = "--" + boundary;
    std::size_t pos = body.find(delim);
    BOOST_TEST_REQUIRE(pos == 0u);
    for (;;) {
        pos += delim.size();
        if (body.compare(pos, 4, "--\r\n") == 0) {
            BOOST_TEST(pos + 4 == body.size());
            break;
        }
        BOOST_TEST_REQUIRE(body.compare(pos, 2, "\r\n") == 0);
        std::size_t const header_end = body.find("\r\n\r\n", pos);
        std::string const headers = body.substr(pos + 2, header_end - pos - 2);
        std::size_t const cr = headers.find("Content-Range: ");
        std::string range = headers.substr(cr + 15, headers.find("\r\n", cr) == std::string::npos
                                                        ? std::string::npos
                                                        : headers.find("\r\n", cr) - cr - 15);
        std::size_t const next = body.find("\r\n" + delim, header_end + 4);
        BOOST_TEST_REQUIRE(next != std::string::npos);
        parts.emplace_back(range, body.substr(header_end + 4, next - header_end - 4));
        pos = next + 2;
    }
    return parts;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_serve_file)

BOOST_AUTO_TEST_CASE(get_and_head_headers) {
    site s;
    file_server server(s.dir.path);
    client c(server.port());
    auto r = c.get("/small.txt");
    BOOST_TEST(r.result_int() == 200u);
    BOOST_TEST((r.body() == s.small));
    BOOST_TEST(field(r, bhttp::field::content_length) == "4096");
    BOOST_TEST(field(r, bhttp::field::content_type) == "text/plain; charset=utf-8");
    BOOST_TEST(field(r, bhttp::field::last_modified) == "Sun, 06 Nov 1994 08:49:37 GMT");
    BOOST_TEST(field(r, bhttp::field::accept_ranges) == "bytes");
    BOOST_TEST(zh::parse_entity_tag(field(r, bhttp::field::etag)).has_value());
    BOOST_TEST(!zh::parse_entity_tag(field(r, bhttp::field::etag))->weak);
    BOOST_TEST(zh::parse_http_date(field(r, bhttp::field::date)).has_value());
    BOOST_TEST((field_names(r) == std::set<std::string>{"Date", "Last-Modified", "ETag", "Accept-Ranges",
                                                        "Content-Type", "Content-Length"}));
    BOOST_TEST(r.keep_alive());

    auto h = c.get("/small.txt", "", "HEAD");
    BOOST_TEST(h.result_int() == 200u);
    BOOST_TEST(h.body().empty());
    BOOST_TEST((field_names(h) == field_names(r)));
    BOOST_TEST(field(h, bhttp::field::content_length) == "4096");
    BOOST_TEST(field(h, bhttp::field::etag) == field(r, bhttp::field::etag));

    // The same connection still works after HEAD: the server sent no body.
    auto r2 = c.get("/big.bin");
    BOOST_TEST((r2.body() == s.big));
    BOOST_TEST(field(r2, bhttp::field::content_type) == "application/octet-stream");
    BOOST_TEST(c.get("/style.css")[bhttp::field::content_type] == "text/css; charset=utf-8");
    BOOST_TEST(c.get("/").body() == "<h1>home</h1>");
    BOOST_TEST(c.get("/docs/").body() == "docs index");
#if !defined(_WIN32)
    BOOST_TEST(c.get("/link_in").body() == s.small);
#endif
    BOOST_TEST(c.get("/%252e").body() == "literal");
}

BOOST_AUTO_TEST_CASE(methods_and_errors) {
    site s;
    file_server server(s.dir.path);
    client c(server.port());
    for (char const* m : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
        auto r = c.get("/small.txt", "Content-Length: 0\r\n", m);
        BOOST_TEST(r.result_int() == 405u);
        BOOST_TEST(field(r, bhttp::field::allow) == "GET, HEAD");
    }
    struct vec {
        char const* target;
        unsigned status;
    };
    for (auto v : {
             vec{"/missing", 404}, vec{"/noindex/", 404}, vec{"/small.txt/", 404}, vec{"/../etc/passwd", 400},
                 vec{"/%2e%2e/etc/passwd", 400}, vec{"/docs%2findex.html", 400}, vec{"/a%00b", 400},
                 vec{"/docs%5cindex.html", 400}, vec{"//etc/passwd", 301}, vec{"/%252e%252e", 404},
                 vec{"/a/../../etc/passwd", 400}, vec{"/docs/..", 301},
#if !defined(_WIN32)
                 vec{"/link_out", 403},
#else
                   vec{"/CON", 400}, vec{"/small.txt::$DATA", 400}, vec{"/small.txt.", 400},
#endif
                 vec {
                 "/docs", 301
             }
         }) {
        BOOST_TEST_CONTEXT("target " << v.target) {
            auto r = c.get(v.target);
            BOOST_TEST(r.result_int() == v.status);
            BOOST_TEST(r.body().find("secret") == std::string::npos);
            BOOST_TEST(field(r, bhttp::field::content_length) == std::to_string(r.body().size()));
        }
    }
    auto r = c.get("/docs?x=1");
    BOOST_TEST(field(r, bhttp::field::location) == "/docs/?x=1");
    // A raw backslash (Beast's parser lets it through): refused by the resolver.
    r = c.request("GET /docs\\index.html HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_TEST(r.result_int() == 400u);
}

BOOST_AUTO_TEST_CASE(ranges) {
    site s;
    file_server server(s.dir.path);
    client c(server.port());
    std::string const size = std::to_string(s.big.size());

    auto r = c.get("/big.bin", "Range: bytes=100-199\r\n");
    BOOST_TEST(r.result_int() == 206u);
    BOOST_TEST(field(r, bhttp::field::content_range) == "bytes 100-199/" + size);
    BOOST_TEST((r.body() == s.big.substr(100, 100)));
    BOOST_TEST(field(r, bhttp::field::content_length) == "100");

    r = c.get("/big.bin", "Range: bytes=-10\r\n");
    BOOST_TEST(r.result_int() == 206u);
    BOOST_TEST((r.body() == s.big.substr(s.big.size() - 10)));
    r = c.get("/big.bin", "Range: bytes=299990-999999\r\n");
    BOOST_TEST((r.body() == s.big.substr(299990)));

    // Several ranges: multipart/byteranges, each part's data from the file.
    r = c.get("/big.bin", "Range: bytes=0-9, 1000-1999, -5\r\n");
    BOOST_TEST(r.result_int() == 206u);
    std::string const ct = field(r, bhttp::field::content_type);
    BOOST_TEST_REQUIRE(ct.rfind("multipart/byteranges; boundary=", 0) == 0u);
    BOOST_TEST(field(r, bhttp::field::content_range).empty());
    auto parts = parse_multipart(r.body(), ct.substr(31));
    BOOST_TEST_REQUIRE(parts.size() == 3u);
    BOOST_TEST(parts[0].first == "bytes 0-9/" + size);
    BOOST_TEST((parts[0].second == s.big.substr(0, 10)));
    BOOST_TEST(parts[1].first == "bytes 1000-1999/" + size);
    BOOST_TEST((parts[1].second == s.big.substr(1000, 1000)));
    BOOST_TEST(parts[2].first == "bytes 299995-299999/" + size);
    BOOST_TEST((parts[2].second == s.big.substr(299995)));
    BOOST_TEST(r.body().find("Content-Type: application/octet-stream\r\n") != std::string::npos);

    // Parts in the order of the range-specs; overlapping or nearly adjacent specs merged, the merged
    // part where its earliest spec was.
    r = c.get("/big.bin", "Range: bytes=-5, 2000-2099, 0-9, 2050-2199, 20-29\r\n");
    BOOST_TEST(r.result_int() == 206u);
    auto ordered = parse_multipart(r.body(), field(r, bhttp::field::content_type).substr(31));
    BOOST_TEST_REQUIRE(ordered.size() == 3u);
    BOOST_TEST(ordered[0].first == "bytes 299995-299999/" + size);
    BOOST_TEST((ordered[0].second == s.big.substr(299995)));
    BOOST_TEST(ordered[1].first == "bytes 2000-2199/" + size);
    BOOST_TEST((ordered[1].second == s.big.substr(2000, 200)));
    BOOST_TEST(ordered[2].first == "bytes 0-29/" + size);
    BOOST_TEST((ordered[2].second == s.big.substr(0, 30)));

    // Unsatisfiable: 416 with Content-Range: bytes */size.
    r = c.get("/big.bin", "Range: bytes=300000-\r\n");
    BOOST_TEST(r.result_int() == 416u);
    BOOST_TEST(field(r, bhttp::field::content_range) == "bytes */" + size);

    // Invalid, unknown unit, too many, or two Range lines: ignored → 200 whole file.
    for (char const* h : {"Range: bytes=5-1\r\n", "Range: lines=1-2\r\n", "Range: bytes=abc\r\n",
                          "Range: bytes=0-1\r\nRange: bytes=2-3\r\n"}) {
        r = c.get("/big.bin", h);
        BOOST_TEST(r.result_int() == 200u);
        BOOST_TEST((r.body() == s.big));
    }
    std::string many = "Range: bytes=0-0";
    for (int i = 1; i < 100; ++i) many += "," + std::to_string(i * 1000) + "-" + std::to_string(i * 1000);
    r = c.get("/big.bin", many + "\r\n");
    BOOST_TEST(r.result_int() == 200u);

    // Overlapping abuse (CVE-2011-3192 shape): coalesced, never more than the file.
    std::string overlap = "Range: bytes=0-";
    for (int i = 1; i < 50; ++i) overlap += ",5-" + std::to_string(i * 1000);
    r = c.get("/big.bin", overlap + "\r\n");
    BOOST_TEST(r.result_int() == 206u);
    BOOST_TEST((r.body() == s.big));

    // Empty file with a Range: 200, empty.
    r = c.get("/empty.txt", "Range: bytes=0-\r\n");
    BOOST_TEST(r.result_int() == 200u);
    BOOST_TEST(field(r, bhttp::field::content_length) == "0");

    // HEAD ignores Range.
    r = c.get("/big.bin", "Range: bytes=0-9\r\n", "HEAD");
    BOOST_TEST(r.result_int() == 200u);
    BOOST_TEST(field(r, bhttp::field::content_length) == size);
}

BOOST_AUTO_TEST_CASE(conditionals) {
    site s;
    file_server server(s.dir.path);
    client c(server.port());
    auto const first = c.get("/small.txt");
    std::string const etag = field(first, bhttp::field::etag);
    std::string const lm = field(first, bhttp::field::last_modified);

    auto r = c.get("/small.txt", "If-None-Match: " + etag + "\r\n");
    BOOST_TEST(r.result_int() == 304u);
    BOOST_TEST(r.body().empty());
    BOOST_TEST(field(r, bhttp::field::etag) == etag);
    BOOST_TEST((field_names(r) == std::set<std::string>{"Date", "ETag"}));
    r = c.get("/small.txt", "If-None-Match: \"nope\", W/" + etag + "\r\n");  // weak comparison
    BOOST_TEST(r.result_int() == 304u);
    r = c.get("/small.txt", "If-None-Match: \"nope\"\r\n");
    BOOST_TEST(r.result_int() == 200u);
    r = c.get("/small.txt", "If-None-Match: *\r\n", "HEAD");
    BOOST_TEST(r.result_int() == 304u);

    r = c.get("/small.txt", "If-Modified-Since: " + lm + "\r\n");
    BOOST_TEST(r.result_int() == 304u);
    r = c.get("/small.txt", "If-Modified-Since: Sat, 05 Nov 1994 08:49:37 GMT\r\n");
    BOOST_TEST(r.result_int() == 200u);
    r = c.get("/small.txt", "If-Modified-Since: yesterday\r\n");
    BOOST_TEST(r.result_int() == 200u);
    r = c.get("/small.txt", "If-None-Match: \"nope\"\r\nIf-Modified-Since: " + lm + "\r\n");
    BOOST_TEST(r.result_int() == 200u);  // If-None-Match wins

    r = c.get("/small.txt", "If-Match: \"nope\"\r\n");
    BOOST_TEST(r.result_int() == 412u);
    r = c.get("/small.txt", "If-Match: W/" + etag + "\r\n");  // strong comparison
    BOOST_TEST(r.result_int() == 412u);
    r = c.get("/small.txt", "If-Match: " + etag + "\r\n");
    BOOST_TEST(r.result_int() == 200u);
    r = c.get("/small.txt", "If-Unmodified-Since: Sat, 05 Nov 1994 08:49:37 GMT\r\n");
    BOOST_TEST(r.result_int() == 412u);
    r = c.get("/small.txt", "If-Unmodified-Since: " + lm + "\r\n");
    BOOST_TEST(r.result_int() == 200u);

    // If-Range: strong ETag or exact date → 206; otherwise the whole file.
    r = c.get("/small.txt", "Range: bytes=0-9\r\nIf-Range: " + etag + "\r\n");
    BOOST_TEST(r.result_int() == 206u);
    BOOST_TEST((r.body() == s.small.substr(0, 10)));
    r = c.get("/small.txt", "Range: bytes=0-9\r\nIf-Range: \"old\"\r\n");
    BOOST_TEST(r.result_int() == 200u);
    BOOST_TEST((r.body() == s.small));
    r = c.get("/small.txt", "Range: bytes=0-9\r\nIf-Range: W/" + etag + "\r\n");
    BOOST_TEST(r.result_int() == 200u);
    r = c.get("/small.txt", "Range: bytes=0-9\r\nIf-Range: " + lm + "\r\n");
    BOOST_TEST(r.result_int() == 206u);
    r = c.get("/small.txt", "Range: bytes=0-9\r\nIf-Range: Sat, 05 Nov 1994 08:49:37 GMT\r\n");
    BOOST_TEST(r.result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(framing_defects_close_the_connection) {
    site s;
    file_server server(s.dir.path);
    struct vec {
        char const* request;
        unsigned status;
    };
    for (auto v :
         {vec{"GET /small.txt HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n", 400},
          vec{"GET /small.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n", 400},
          vec{"POST /small.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
          vec{"POST /small.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
              501},
          vec{"POST /small.txt HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400}}) {
        BOOST_TEST_CONTEXT("request " << v.request) {
            client c(server.port());
            auto r = c.request(v.request);
            BOOST_TEST(r.result_int() == v.status);
            BOOST_TEST(!r.keep_alive());
            BOOST_TEST(field(r, bhttp::field::connection) == "close");
            std::string rest;
            BOOST_TEST(c.closed_by_peer(&rest));
            BOOST_TEST(rest.empty());
        }
    }
    // A clean request on a fresh connection still works.
    client c(server.port());
    BOOST_TEST(c.get("/small.txt").body() == s.small);
}

BOOST_AUTO_TEST_CASE(keep_alive_and_http10) {
    site s;
    file_server server(s.dir.path);
    client c(server.port());
    for (int i = 0; i < 20; ++i) BOOST_TEST(c.get("/small.txt").body() == s.small);
    // Pipelined: two requests in one write.
    c.send("GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
    BOOST_TEST(c.receive().body() == s.small);
    BOOST_TEST(c.receive().body() == "<h1>home</h1>");
    // HTTP/1.0 without keep-alive: the server closes after the response.
    client c10(server.port());
    auto r = c10.request("GET /small.txt HTTP/1.0\r\n\r\n");
    BOOST_TEST(r.version() == 10u);
    BOOST_TEST(r.body() == s.small);
    BOOST_TEST(c10.closed_by_peer());
    // Connection: close on 1.1.
    client cc(server.port());
    r = cc.get("/small.txt", "Connection: close\r\n");
    BOOST_TEST(!r.keep_alive());
    BOOST_TEST(cc.closed_by_peer());
}

BOOST_AUTO_TEST_CASE(zero_copy_and_beast_writer_agree) {
    site s;
    file_server z(s.dir.path, writer_kind::zerocopy);
    file_server b(s.dir.path, writer_kind::beast);
    auto normalize = [](std::string t) {
        // Date may tick between the two requests; boundaries are random: blank both out.
        auto const d = t.find("Date: ");
        if (d != std::string::npos) t.replace(d + 6, 29, 29, '#');
        auto const bd = t.find("boundary=");
        if (bd != std::string::npos) {
            std::string const boundary = t.substr(bd + 9, 24);
            for (std::size_t p = t.find(boundary); p != std::string::npos; p = t.find(boundary, p))
                t.replace(p, 24, 24, '#');
        }
        return t;
    };
    for (char const* req :
         {"GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
          "GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\nRange: bytes=5-50000\r\n\r\n",
          "GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\nRange: bytes=5-50,900-,-7\r\n\r\n",
          "HEAD /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
          "GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
          "GET /empty.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
          "GET /docs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"}) {
        BOOST_TEST_CONTEXT("request " << req) {
            std::string const zr = raw_exchange(z.port(), req);
            std::string const br = raw_exchange(b.port(), req);
            BOOST_TEST(zr.size() == br.size());
            BOOST_TEST((normalize(zr) == normalize(br)));
        }
    }
    BOOST_TEST(z.write_errors() == 0u);
}

BOOST_AUTO_TEST_CASE(file_replaced_during_request_is_consistent) {
    // The responder opens once and describes that descriptor: replacing the path afterwards changes
    // nothing in the response already built.
    site s;
    zh::document_root root(s.dir.path);
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/small.txt", 11};
    auto res = zh::serve_file(root, req);
    s.dir.write("small.txt.new", "replacement");
    std::error_code rename_ec;
    std::filesystem::rename(s.dir.path + "/small.txt.new", s.dir.path + "/small.txt", rename_ec);
#if !defined(_WIN32)
    BOOST_TEST_REQUIRE(!rename_ec);
#endif
    // (Windows may refuse to replace a file that is open; either way the response is the old file.)
    BOOST_TEST(res.body().size() == s.small.size());
    std::string got(s.small.size(), '\0');
    BOOST_TEST(zerocopy::detail::read_at(res.body().native_handle(), 0, got.data(), got.size()).bytes ==
               got.size());
    BOOST_TEST((got == s.small));
}

BOOST_AUTO_TEST_CASE(ranges_beyond_4_gib) {
    // A sparse 5 GiB file with marks at 4 GiB and at the end: offsets must stay 64-bit end to end.
    temp_dir dir;
    std::string const path = dir.path + "/huge.bin";
    std::uint64_t const size = 5ull << 30;
    {
        std::ofstream(path, std::ios::binary).close();
        std::filesystem::resize_file(path, size);  // sparse where the file system can
        std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(static_cast<std::streamoff>(4ull << 30)).write("FOURGIB", 7);
        f.seekp(static_cast<std::streamoff>(size - 3)).write("END", 3);
        BOOST_TEST_REQUIRE(f.good());
    }
    file_server server(dir.path);
    client c(server.port());
    auto r = c.get("/huge.bin", "", "HEAD");
    BOOST_TEST(field(r, bhttp::field::content_length) == "5368709120");
    r = c.get("/huge.bin", "Range: bytes=4294967296-4294967302\r\n");
    BOOST_TEST(r.result_int() == 206u);
    BOOST_TEST(field(r, bhttp::field::content_range) == "bytes 4294967296-4294967302/5368709120");
    BOOST_TEST(r.body() == "FOURGIB");
    r = c.get("/huge.bin", "Range: bytes=-3, 4294967296-4294967299\r\n");
    BOOST_TEST(r.result_int() == 206u);
    std::string const ct = field(r, bhttp::field::content_type);
    auto parts = parse_multipart(r.body(), ct.substr(31));
    BOOST_TEST_REQUIRE(parts.size() == 2u);
    // In the order of the range-specs: the suffix first.
    BOOST_TEST(parts[0].first == "bytes 5368709117-5368709119/5368709120");
    BOOST_TEST(parts[0].second == "END");
    BOOST_TEST(parts[1].first == "bytes 4294967296-4294967299/5368709120");
    BOOST_TEST(parts[1].second == "FOUR");
}

BOOST_AUTO_TEST_SUITE_END()
