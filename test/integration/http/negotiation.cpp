// Issue 15 end to end over loopback sockets: precompressed variants (Accept-Encoding negotiation,
// Vary, ETag, ranges and conditionals on the variant, 406), canonical-path redirects, directory
// listings (escaping, hidden names, symlinks out of the root, JSON, the cap), Cache-Control rules.
#include <zerocopy/http/serve_file.hpp>

#include "http_test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#if !defined(_WIN32)
#include <sys/stat.h>
#endif

using namespace zerocopy_http_test;
namespace zh = zerocopy::http;

namespace {

std::string field(bhttp::response<bhttp::string_body> const& r, bhttp::field f) {
    auto const v = r[f];
    return std::string(v.data(), v.size());
}

struct site {
    temp_dir dir;
    std::string js = pattern(5000, 7), br = pattern(700, 8), zst = pattern(800, 9), gz = pattern(900, 10);
    site() {
        dir.mkdir("a");
        dir.write("a/app.js", js);
        dir.write("a/app.js.br", br);
        dir.write("a/app.js.zst", zst);
        dir.write("a/app.js.gz", gz);
        dir.write("a/only-gz.css", "body{}");
        dir.write("a/only-gz.css.gz", "GZ");
        dir.write("a/old.js", "new identity");
        dir.write("a/old.js.gz", "stale");
        set_mtime(dir.path + "/a/old.js.gz", 1000000000);
        set_mtime(dir.path + "/a/old.js", 1700000000);
        dir.write("a/orphan.js.gz", "no identity");
        dir.mkdir("a/dir.js.gz");  // a variant that is a directory: ignored
        dir.write("a/dir.js", "identity of dir.js");
        dir.write("../zerocopy-neg-outside-" + std::to_string(process_id()), "secret");
#if !defined(_WIN32)
        dir.write("a/out.js", "identity of out.js");
        dir.symlink("../../zerocopy-neg-outside-" + std::to_string(process_id()), "a/out.js.gz");
        dir.write("a/dangling.js", "identity of dangling.js");
        dir.symlink("nowhere.gz", "a/dangling.js.gz");
#endif
    }
    ~site() {
        std::error_code ec;
        std::filesystem::remove(dir.path + "/../zerocopy-neg-outside-" + std::to_string(process_id()), ec);
    }
};

zh::serve_options precompressed() {
    zh::serve_options o;
    o.precompressed = {zh::content_coding::br, zh::content_coding::zstd, zh::content_coding::gzip};
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_negotiation)

BOOST_AUTO_TEST_CASE(variants_per_coding_and_qvalue) {
    site s;
    file_server server(s.dir.path, writer_kind::zerocopy, precompressed());
    client c(server.port());
    struct vec {
        char const* accept;  // nullptr: no Accept-Encoding field
        char const* coding;  // "" : identity
    };
    for (auto v :
         {vec{nullptr, ""}, vec{"", ""}, vec{"gzip", "gzip"}, vec{"x-gzip", "gzip"}, vec{"GZIP", "gzip"},
          vec{"br", "br"}, vec{"zstd", "zstd"}, vec{"gzip, deflate, br, zstd", "br"},
          vec{"gzip;q=1, br;q=0.5", "gzip"}, vec{"br;q=0.1, zstd;q=0.2", "zstd"}, vec{"*", "br"},
          vec{"*;q=0.5, br;q=0", "zstd"}, vec{"gzip;q=0", ""}, vec{"gzip;q=1.5", ""},
          vec{"gzip;q=0.0001", ""}, vec{"gzip;q=0.5, identity", ""}, vec{"identity", ""}, vec{"deflate", ""},
          vec{"gzip, gzip;q=0", ""}}) {
        BOOST_TEST_CONTEXT("Accept-Encoding: " << (v.accept ? v.accept : "(none)")) {
            std::string const extra = v.accept ? std::string("Accept-Encoding: ") + v.accept + "\r\n" : "";
            auto r = c.get("/a/app.js", extra);
            BOOST_TEST(r.result_int() == 200u);
            BOOST_TEST(field(r, bhttp::field::vary) == "Accept-Encoding");
            BOOST_TEST(field(r, bhttp::field::content_type) == "text/javascript; charset=utf-8");
            BOOST_TEST(field(r, bhttp::field::content_encoding) == v.coding);
            std::string const coding = v.coding;
            std::string const& expected = coding == "br"     ? s.br
                                          : coding == "zstd" ? s.zst
                                          : coding == "gzip" ? s.gz
                                                             : s.js;
            BOOST_TEST((r.body() == expected));
            BOOST_TEST(field(r, bhttp::field::content_length) == std::to_string(expected.size()));
            auto h = c.get("/a/app.js", extra, "HEAD");  // HEAD: the same header
            BOOST_TEST(field(h, bhttp::field::content_encoding) == v.coding);
            BOOST_TEST(field(h, bhttp::field::content_length) == std::to_string(expected.size()));
            BOOST_TEST(field(h, bhttp::field::etag) == field(r, bhttp::field::etag));
        }
    }
}

BOOST_AUTO_TEST_CASE(variant_validators_ranges_conditionals) {
    site s;
    file_server server(s.dir.path, writer_kind::zerocopy, precompressed());
    client c(server.port());
    auto const id = c.get("/a/app.js");
    auto const gz = c.get("/a/app.js", "Accept-Encoding: gzip\r\n");
    auto const br = c.get("/a/app.js", "Accept-Encoding: br\r\n");
    std::string const id_tag = field(id, bhttp::field::etag), gz_tag = field(gz, bhttp::field::etag),
                      br_tag = field(br, bhttp::field::etag);
    BOOST_TEST(std::set<std::string>({id_tag, gz_tag, br_tag}).size() == 3u);  // distinct, strong
    for (auto const& t : {id_tag, gz_tag, br_tag}) BOOST_TEST(!zh::parse_entity_tag(t)->weak);
    BOOST_TEST(gz_tag.find("-gz\"") != std::string::npos);

    // Ranges apply to the encoded bytes.
    auto r = c.get("/a/app.js", "Accept-Encoding: gzip\r\nRange: bytes=10-19\r\n");
    BOOST_TEST(r.result_int() == 206u);
    BOOST_TEST((r.body() == s.gz.substr(10, 10)));
    BOOST_TEST(field(r, bhttp::field::content_range) == "bytes 10-19/900");
    BOOST_TEST(field(r, bhttp::field::content_encoding) == "gzip");
    BOOST_TEST(field(r, bhttp::field::vary) == "Accept-Encoding");
    r = c.get("/a/app.js", "Accept-Encoding: gzip\r\nRange: bytes=950-\r\n");  // beyond the variant
    BOOST_TEST(r.result_int() == 416u);
    BOOST_TEST(field(r, bhttp::field::content_range) == "bytes */900");
    r = c.get("/a/app.js", "Accept-Encoding: gzip\r\nRange: bytes=-5, 0-1\r\n");
    BOOST_TEST(r.result_int() == 206u);
    BOOST_TEST(r.body().find(s.gz.substr(895)) < r.body().find(s.gz.substr(0, 2)));  // request order

    // If-Range and If-None-Match compare with the selected representation's tag.
    r = c.get("/a/app.js", "Accept-Encoding: gzip\r\nRange: bytes=0-1\r\nIf-Range: " + gz_tag + "\r\n");
    BOOST_TEST(r.result_int() == 206u);
    r = c.get("/a/app.js", "Accept-Encoding: gzip\r\nRange: bytes=0-1\r\nIf-Range: " + id_tag + "\r\n");
    BOOST_TEST(r.result_int() == 200u);
    BOOST_TEST((r.body() == s.gz));
    r = c.get("/a/app.js", "Accept-Encoding: gzip\r\nIf-None-Match: " + gz_tag + "\r\n");
    BOOST_TEST(r.result_int() == 304u);
    BOOST_TEST(field(r, bhttp::field::etag) == gz_tag);
    BOOST_TEST(field(r, bhttp::field::vary) == "Accept-Encoding");
    r = c.get("/a/app.js", "Accept-Encoding: gzip\r\nIf-None-Match: " + id_tag + "\r\n");
    BOOST_TEST(r.result_int() == 200u);
    r = c.get("/a/app.js", "If-None-Match: " + gz_tag + "\r\n");
    BOOST_TEST(r.result_int() == 200u);  // identity selected: the gzip tag does not match it
    r = c.get("/a/app.js", "Accept-Encoding: br\r\nIf-Match: " + gz_tag + "\r\n");
    BOOST_TEST(r.result_int() == 412u);
    BOOST_TEST(field(r, bhttp::field::vary) == "Accept-Encoding");
}

BOOST_AUTO_TEST_CASE(not_acceptable_and_ignored_variants) {
    site s;
    file_server server(s.dir.path, writer_kind::zerocopy, precompressed());
    client c(server.port());
    // 406: identity refused and no acceptable variant.
    for (char const* ae : {"identity;q=0", "*;q=0", "br;q=0, identity;q=0", "deflate, identity;q=0"}) {
        BOOST_TEST_CONTEXT(ae) {
            auto r = c.get("/a/only-gz.css", std::string("Accept-Encoding: ") + ae + "\r\n");
            BOOST_TEST(r.result_int() == 406u);
            BOOST_TEST(field(r, bhttp::field::vary) == "Accept-Encoding");
        }
    }
    auto r = c.get("/a/only-gz.css", "Accept-Encoding: gzip, identity;q=0\r\n");
    BOOST_TEST(r.result_int() == 200u);
    BOOST_TEST(r.body() == "GZ");
    BOOST_TEST(field(r, bhttp::field::content_type) == "text/css; charset=utf-8");
    r = c.get("/a/only-gz.css", "Accept-Encoding: *;q=0, identity\r\n");
    BOOST_TEST(r.body() == "body{}");
    // A variant older than the identity file, a directory, a link out of the root, a dangling link:
    // identity served.
    for (char const* t : {
             "/a/old.js", "/a/dir.js"
#if !defined(_WIN32)
                 ,
                 "/a/out.js", "/a/dangling.js"
#endif
         }) {
        BOOST_TEST_CONTEXT(t) {
            r = c.get(t, "Accept-Encoding: gzip\r\n");
            BOOST_TEST(r.result_int() == 200u);
            BOOST_TEST(field(r, bhttp::field::content_encoding).empty());
            BOOST_TEST((r.body().rfind("identity of", 0) == 0u || r.body() == "new identity"));
            BOOST_TEST(r.body().find("secret") == std::string::npos);
        }
    }
    // The identity file must exist.
    BOOST_TEST(c.get("/a/orphan.js", "Accept-Encoding: gzip\r\n").result_int() == 404u);
    // A precompressed file asked for by name is served as it is.
    r = c.get("/a/app.js.gz", "Accept-Encoding: gzip\r\n");
    BOOST_TEST(r.result_int() == 200u);
    BOOST_TEST((r.body() == s.gz));
    BOOST_TEST(field(r, bhttp::field::content_type) == "application/gzip");
    BOOST_TEST(field(r, bhttp::field::content_encoding).empty());
    // Off by default: no Vary, no variant.
    file_server plain(s.dir.path);
    client p(plain.port());
    r = p.get("/a/app.js", "Accept-Encoding: gzip\r\n");
    BOOST_TEST((r.body() == s.js));
    BOOST_TEST(field(r, bhttp::field::vary).empty());
    BOOST_TEST(p.get("/a/app.js", "Accept-Encoding: identity;q=0\r\n").result_int() == 200u);
    // Bad Accept-Encoding values of any shape: never a refused coding.
    std::string many;
    for (int i = 0; i < 1000; ++i) many += "c" + std::to_string(i) + ", ";  // under Beast's 8 KiB
    for (std::string ae : {std::string(","), std::string(",,,"), std::string("gzip;q=2"), many + "gzip;q=0",
                           std::string("gzip;q=0.1234"), std::string(";;;"), std::string("\"gzip\"")}) {
        r = c.get("/a/app.js", "Accept-Encoding: " + ae + "\r\n");
        BOOST_TEST(r.result_int() == 200u);
        BOOST_TEST(field(r, bhttp::field::content_encoding).empty());
    }
}

BOOST_AUTO_TEST_CASE(canonical_redirects) {
    site s;
    file_server server(s.dir.path);
    client c(server.port());
    struct vec {
        char const* target;
        unsigned status;
        char const* location;
    };
    for (auto v :
         {vec{"//a/app.js", 301, "/a/app.js"}, vec{"/a//app.js?x=1", 301, "/a/app.js?x=1"},
          vec{"/./a/app.js", 301, "/a/app.js"}, vec{"/b/../a/app.js", 301, "/a/app.js"},
          vec{"/a/..", 301, "/"}, vec{"/a/.", 301, "/a/"}, vec{"/.//evil.example", 301, "/evil.example"},
          vec{"/../a/app.js", 400, ""}, vec{"/a/../../b", 400, ""}, vec{"/..", 400, ""},
          vec{"/%2e%2e/a/app.js", 400, ""}, vec{"/a%2fapp.js", 400, ""}, vec{"/a/./%2e%2e/x", 400, ""}}) {
        BOOST_TEST_CONTEXT(v.target) {
            auto r = c.get(v.target);
            BOOST_TEST(r.result_int() == v.status);
            BOOST_TEST(field(r, bhttp::field::location) == v.location);
        }
    }
    auto r = c.get("/a//app.js");
    BOOST_TEST(c.get(field(r, bhttp::field::location)).body() == s.js);  // the redirect leads to the file
}

#if !defined(_WIN32)
BOOST_AUTO_TEST_CASE(listings) {
    site s;
    s.dir.mkdir("l");
    s.dir.mkdir("l/sub");
    s.dir.write("l/plain.txt", "12345");
    s.dir.write("l/<b>&\"q\"'.txt", "x");
    s.dir.write("l/sp ace%?#.txt", "x");
    s.dir.write("l/.hidden", "x");
    s.dir.write("l/\xc3\xa9t\xc3\xa9.txt", "x");  // UTF-8
    s.dir.write("l/bad\xff.txt", "x");            // not UTF-8: left out
    s.dir.write("l/cr\rlf\n.txt", "x");           // control characters: left out
    s.dir.symlink("plain.txt", "l/link_in");
    s.dir.symlink("../../zerocopy-neg-outside-" + std::to_string(process_id()), "l/link_out");
    s.dir.symlink("missing", "l/link_dangling");
    BOOST_TEST_REQUIRE(::mkfifo((s.dir.path + "/l/fifo").c_str(), 0600) == 0);
    set_mtime(s.dir.path + "/l/plain.txt", 784111777);

    zh::serve_options o;
    o.listing.enabled = true;
    file_server server(s.dir.path, writer_kind::zerocopy, o);
    client c(server.port());
    auto r = c.get("/l/");
    BOOST_TEST(r.result_int() == 200u);
    BOOST_TEST(field(r, bhttp::field::content_type) == "text/html; charset=utf-8");
    BOOST_TEST(field(r, bhttp::field::vary) == "Accept");
    std::string const& html = r.body();
    BOOST_TEST(html.find("<a href=\"../\">") != std::string::npos);
    BOOST_TEST(
        html.find("<a href=\"plain.txt\">plain.txt</a></td><td>5</td><td>Sun, 06 Nov 1994 08:49:37 GMT") !=
        std::string::npos);
    BOOST_TEST(html.find("<a href=\"sub/\">sub/</a>") != std::string::npos);
    BOOST_TEST(html.find("<a href=\"%3Cb%3E%26%22q%22%27.txt\">&lt;b&gt;&amp;&quot;q&quot;&#39;.txt</a>") !=
               std::string::npos);
    BOOST_TEST(html.find("<a href=\"sp%20ace%25%3F%23.txt\">sp ace%?#.txt</a>") != std::string::npos);
    BOOST_TEST(html.find("\xc3\xa9t\xc3\xa9.txt</a>") != std::string::npos);
    BOOST_TEST(html.find("<a href=\"link_in\">") != std::string::npos);
    for (char const* absent : {".hidden", "link_out", "link_dangling", "fifo", "bad", "cr", "<b>"})
        BOOST_TEST_CONTEXT(absent) {
            BOOST_TEST(html.find(absent) == std::string::npos);
        }
    // Sorted by name.
    BOOST_TEST(html.find("link_in") < html.find("plain.txt"));
    BOOST_TEST(html.find("plain.txt") < html.find("sub/"));
    // Every listed link is served.
    BOOST_TEST(c.get("/l/%3Cb%3E%26%22q%22%27.txt").result_int() == 200u);
    BOOST_TEST(c.get("/l/sp%20ace%25%3F%23.txt").result_int() == 200u);
    // The root has no parent link; a directory with its index serves the index.
    BOOST_TEST(c.get("/").body().find("href=\"../\"") == std::string::npos);
    BOOST_TEST(c.get("/l/sub").result_int() == 301u);
    s.dir.write("l/sub/index.html", "sub index");
    BOOST_TEST(c.get("/l/sub/").body() == "sub index");

    // ETag from the entries: 304 with it, a new tag when an entry changes.
    r = c.get("/l/");  // sub/ changed above (its mtime)
    std::string const tag = field(r, bhttp::field::etag);
    BOOST_TEST(!zh::parse_entity_tag(tag)->weak);
    r = c.get("/l/", "If-None-Match: " + tag + "\r\n");
    BOOST_TEST(r.result_int() == 304u);
    BOOST_TEST(field(r, bhttp::field::vary) == "Accept");
    s.dir.write("l/plain.txt", "123456");
    r = c.get("/l/", "If-None-Match: " + tag + "\r\n");
    BOOST_TEST(r.result_int() == 200u);
    BOOST_TEST(field(r, bhttp::field::etag) != tag);
    BOOST_TEST(c.get("/l/", "", "HEAD").body().empty());
    BOOST_TEST(field(c.get("/l/", "", "HEAD"), bhttp::field::content_length) ==
               field(r, bhttp::field::content_length));

    // JSON when Accept prefers it.
    r = c.get("/l/", "Accept: application/json\r\n");
    BOOST_TEST(field(r, bhttp::field::content_type) == "application/json");
    BOOST_TEST(r.body().find("{\"name\":\"plain.txt\",\"type\":\"file\",\"size\":6,") != std::string::npos);
    BOOST_TEST(r.body().find("{\"name\":\"sub\",\"type\":\"directory\"") != std::string::npos);
    BOOST_TEST(r.body().find("\"\\u003cb\\u003e\\u0026\\\"q\\\"'.txt\"") != std::string::npos);
    BOOST_TEST(r.body().find("\"truncated\":false") != std::string::npos);
    BOOST_TEST(field(r, bhttp::field::etag) != field(c.get("/l/"), bhttp::field::etag));
    BOOST_TEST(field(c.get("/l/", "Accept: text/html, application/json;q=0.9\r\n"),
                     bhttp::field::content_type) == "text/html; charset=utf-8");
    BOOST_TEST(field(c.get("/l/", "Accept: text/html;q=0.5, application/*;q=0.8\r\n"),
                     bhttp::field::content_type) == "application/json");  // application/* covers JSON
    BOOST_TEST(field(c.get("/l/", "Accept: text/html;q=0.5, image/*;q=0.8\r\n"),
                     bhttp::field::content_type) == "text/html; charset=utf-8");
    BOOST_TEST(field(c.get("/l/", "Accept: image/png\r\n"), bhttp::field::content_type) ==
               "text/html; charset=utf-8");  // neither acceptable: HTML anyway
    BOOST_TEST(field(c.get("/l/", "Accept: text/*;q=0.5, application/json\r\n"),
                     bhttp::field::content_type) == "application/json");
    BOOST_TEST(field(c.get("/l/", "Accept: application/json;q=2\r\n"), bhttp::field::content_type) ==
               "text/html; charset=utf-8");  // invalid qvalue: ignored

    // Hidden names on request; the cap.
    o.listing.show_hidden = true;
    o.listing.max_entries = 3;
    file_server capped(s.dir.path, writer_kind::zerocopy, o);
    client k(capped.port());
    r = k.get("/l/");
    BOOST_TEST(r.body().find("This list was cut at 3 entries.") != std::string::npos);
    std::size_t rows = 0;
    for (std::size_t p = r.body().find("<tr><td><a href=\""); p != std::string::npos;
         p = r.body().find("<tr><td><a href=\"", p + 1))
        ++rows;
    BOOST_TEST(rows == 4u);  // the parent and 3 entries
    BOOST_TEST(k.get("/l/", "Accept: application/json\r\n").body().find("\"truncated\":true") !=
               std::string::npos);
    o.listing.max_entries = 100;
    file_server hidden(s.dir.path, writer_kind::zerocopy, o);
    client hc(hidden.port());
    BOOST_TEST(hc.get("/l/").body().find(">.hidden</a>") != std::string::npos);

    // Off by default: 404.
    file_server off(s.dir.path);
    client oc(off.port());
    BOOST_TEST(oc.get("/l/").result_int() == 404u);
}
BOOST_AUTO_TEST_CASE(listing_of_a_changing_directory) {
    // Files created, renamed and removed while the directory is listed: every listing is a valid
    // page whose names are sorted and unique (each a name that existed at some point).
    site s;
    s.dir.mkdir("c");
    for (int i = 0; i < 300; ++i) s.dir.write("c/keep" + std::to_string(1000 + i), "k");
    zh::serve_options o;
    o.listing.enabled = true;
    o.listing.max_entries = 350;
    file_server server(s.dir.path, writer_kind::zerocopy, o);
    std::atomic<bool> stop{false};
    std::thread churn([&] {
        for (unsigned n = 0; !stop; ++n) {
            std::string const a = s.dir.path + "/c/tmp" + std::to_string(n % 97);
            std::ofstream(a) << "x";
            std::error_code ec;
            std::filesystem::rename(a, a + "-moved", ec);
            std::filesystem::remove(a + "-moved", ec);
        }
    });
    client c(server.port());
    for (int round = 0; round < 100; ++round) {
        auto r = c.get("/c/", "Accept: application/json\r\n");
        BOOST_TEST_REQUIRE(r.result_int() == 200u);
        std::vector<std::string> names;
        for (std::size_t p = r.body().find("\"name\":\""); p != std::string::npos;
             p = r.body().find("\"name\":\"", p + 1)) {
            std::size_t const start = p + 8;
            names.push_back(r.body().substr(start, r.body().find('"', start) - start));
        }
        BOOST_TEST_REQUIRE(std::is_sorted(names.begin(), names.end()));
        BOOST_TEST_REQUIRE((std::adjacent_find(names.begin(), names.end()) == names.end()));
        std::size_t keep = 0;
        for (auto const& n : names) keep += n.rfind("keep", 0) == 0 ? 1 : 0;
        BOOST_TEST_REQUIRE(keep == 300u);  // the stable entries are always all there
        BOOST_TEST_REQUIRE(r.body().find("\"truncated\":false") != std::string::npos);
    }
    stop = true;
    churn.join();
}
#endif

BOOST_AUTO_TEST_CASE(cache_control_rules) {
    site s;
    zh::serve_options o;
    o.cache_control = "max-age=60";
    o.cache_control_rules = {{"*.css", "no-cache"}, {"/a/**", "max-age=31536000, immutable"}, {"*.txt", ""}};
    s.dir.write("x.txt", "x");
    s.dir.write("y.bin", "y");
    file_server server(s.dir.path, writer_kind::zerocopy, o);
    client c(server.port());
    BOOST_TEST(field(c.get("/a/only-gz.css"), bhttp::field::cache_control) == "no-cache");
    BOOST_TEST(field(c.get("/a/app.js"), bhttp::field::cache_control) == "max-age=31536000, immutable");
    BOOST_TEST(field(c.get("/x.txt"), bhttp::field::cache_control).empty());
    BOOST_TEST(field(c.get("/y.bin"), bhttp::field::cache_control) == "max-age=60");
    auto const r = c.get("/a/app.js");
    auto const nm = c.get("/a/app.js", "If-None-Match: " + field(r, bhttp::field::etag) + "\r\n");
    BOOST_TEST(nm.result_int() == 304u);
    BOOST_TEST(field(nm, bhttp::field::cache_control) == "max-age=31536000, immutable");
}

BOOST_AUTO_TEST_SUITE_END()
