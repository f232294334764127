// The open-file cache of a document_root (issue 13), over real files and sockets: every change the
// issue lists is served as a fresh resolution would serve it (an uncached root is the oracle), a
// file renamed over in a loop is served as one version per response with several server threads,
// EMFILE evicts only unused entries, and without inotify nothing is kept.
#include <zerocopy/http/file_cache.hpp>
// The header must be self-contained: included first above.
#include "http_test_util.hpp"

#include <boost/asio/strand.hpp>

#include <boost/test/unit_test.hpp>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

namespace {

using namespace zerocopy_http_test;
namespace zhttp = zerocopy::http;
namespace fs = std::filesystem;

void write_file(std::string const& path, std::string const& data) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

// A file server on a root with the cache on, run by `threads` threads.
class cached_server {
public:
    explicit cached_server(std::string const& root, unsigned threads = 1, zhttp::file_cache_options o = {},
                           zhttp::serve_options serve = {})
        : root_(root), serve_(std::move(serve)), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
        root_.enable_file_cache(o);
        accept();
        for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
    }
    ~cached_server() {
        asio::post(acceptor_.get_executor(), [this] {
            acceptor_.close();
            ioc_.stop();
        });
        for (auto& t : threads_) t.join();
    }
    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    zhttp::file_cache_stats stats() const { return root_.file_cache_statistics(); }

private:
    struct session : std::enable_shared_from_this<session> {
        cached_server& server;
        tcp::socket sock;
        beast::flat_buffer buffer;
        std::optional<bhttp::request_parser<bhttp::string_body>> parser;
        zhttp::file_response res;
        session(cached_server& s, tcp::socket so) : server(s), sock(std::move(so)) {}
        void read() {
            parser.emplace();
            zhttp::async_read_request(
                sock, buffer, *parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    if (ec) return;
                    self->res =
                        zhttp::serve_file(self->server.root_, self->parser->get(), self->server.serve_);
                    zhttp::async_write(self->sock, self->res, [self](beast::error_code ec2, std::size_t) {
                        self->res = {};
                        if (!ec2) self->read();
                    });
                });
        }
    };
    void accept() {
        acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
            if (ec) return;
            std::make_shared<session>(*this, std::move(s))->read();
            accept();
        });
    }

    zhttp::document_root root_;
    zhttp::serve_options serve_;
    asio::io_context ioc_;
    tcp::acceptor acceptor_;
    std::vector<std::thread> threads_;
};

// What a fresh resolution answers now, on an uncached root.
struct fresh_answer {
    unsigned status;
    std::string etag;
    std::string body;
};
fresh_answer fresh(std::string const& root, std::string const& target, zhttp::serve_options const& o = {},
                   std::string const& accept_encoding = "") {
    zhttp::document_root r(root);
    bhttp::request_header<> req;
    req.method(bhttp::verb::get);
    req.target(target);
    req.version(11);
    if (!accept_encoding.empty()) req.set(bhttp::field::accept_encoding, accept_encoding);
    zhttp::file_response res = zhttp::serve_file(r, req, o);
    fresh_answer a{res.result_int(), std::string(res[bhttp::field::etag]), {}};
    if (res.body().is_open() && a.status == 200) {
        a.body.resize(res.body().size());
        boost::system::error_code ec;
        zhttp::detail::read_file_at(res.body().native_handle(), a.body.data(), a.body.size(), 0, ec);
    }
    return a;
}

// The cached server's answer must be the fresh one: status, ETag, and (200) the bytes.
void check_fresh(client& c, std::string const& root, std::string const& target,
                 zhttp::serve_options const& o = {}, std::string const& accept_encoding = "") {
    fresh_answer const f = fresh(root, target, o, accept_encoding);
    auto const res =
        c.get(target, accept_encoding.empty() ? "" : "Accept-Encoding: " + accept_encoding + "\r\n");
    BOOST_TEST(res.result_int() == f.status);
    BOOST_TEST(std::string(res[bhttp::field::etag]) == f.etag);
    if (f.status == 200) BOOST_TEST(res.body() == f.body);
}

struct cached_fixture {
    temp_dir dir;
    std::string root = dir.path + "/www";
    std::string outside = dir.path + "/outside";
    cached_fixture() {
        fs::create_directories(root + "/a/b");
        fs::create_directories(outside + "/b");
        write_file(root + "/a/b/f.txt", pattern(3000, 1));
        write_file(outside + "/b/f.txt", pattern(3000, 1));
    }
};

// Serves `target` twice (the second a hit), applies `change`, then checks the next answer is the
// fresh one and that the entry was dropped.
template <class Change>
void invalidation_case(cached_fixture& fx, std::string const& target, Change change) {
    cached_server s(fx.root);
    client c(s.port());
    check_fresh(c, fx.root, target);
    check_fresh(c, fx.root, target);
    auto const before = s.stats();
    BOOST_TEST_REQUIRE(before.notifying);
    BOOST_TEST(before.hits >= 1u);
    BOOST_TEST(before.entries == 1u);
    change();
    check_fresh(c, fx.root, target);
    BOOST_TEST(s.stats().invalidated > before.invalidated);
    check_fresh(c, fx.root, target);  // and again (a new entry, or a fresh refusal)
}

}  // namespace

BOOST_AUTO_TEST_SUITE(file_cache_invalidation)

BOOST_AUTO_TEST_CASE(hit_serves_the_same_response) {
    cached_fixture fx;
    cached_server s(fx.root);
    client c(s.port());
    for (int i = 0; i < 5; ++i) check_fresh(c, fx.root, "/a/b/f.txt");
    auto const st = s.stats();
    BOOST_TEST(st.hits == 4u);
    BOOST_TEST(st.misses == 1u);
    BOOST_TEST(st.watches == 4u);  // root, a, b, f.txt
    // Ranges, HEAD and conditionals still apply to a hit.
    auto const r = c.get("/a/b/f.txt", "Range: bytes=10-19\r\n");
    BOOST_TEST(r.result_int() == 206u);
    BOOST_TEST(r.body() == pattern(3000, 1).substr(10, 10));
    auto const etag = std::string(r[bhttp::field::etag]);
    BOOST_TEST(c.get("/a/b/f.txt", "If-None-Match: " + etag + "\r\n").result_int() == 304u);
    BOOST_TEST(c.get("/a/b/f.txt", "", "HEAD")[bhttp::field::content_length] == "3000");
}

BOOST_AUTO_TEST_CASE(renamed_over) {
    cached_fixture fx;
    invalidation_case(fx, "/a/b/f.txt", [&] {
        write_file(fx.root + "/a/b/new", pattern(2000, 2));
        fs::rename(fx.root + "/a/b/new", fx.root + "/a/b/f.txt");
    });
}

BOOST_AUTO_TEST_CASE(truncated) {
    cached_fixture fx;
    invalidation_case(fx, "/a/b/f.txt", [&] { fs::resize_file(fx.root + "/a/b/f.txt", 100); });
}

BOOST_AUTO_TEST_CASE(appended_to) {
    cached_fixture fx;
    invalidation_case(fx, "/a/b/f.txt", [&] {
        std::ofstream(fx.root + "/a/b/f.txt", std::ios::binary | std::ios::app) << "more";
    });
}

BOOST_AUTO_TEST_CASE(deleted) {
    cached_fixture fx;
    invalidation_case(fx, "/a/b/f.txt", [&] { fs::remove(fx.root + "/a/b/f.txt"); });
}

BOOST_AUTO_TEST_CASE(directory_renamed) {
    cached_fixture fx;
    invalidation_case(fx, "/a/b/f.txt", [&] { fs::rename(fx.root + "/a/b", fx.root + "/a/c"); });
}

BOOST_AUTO_TEST_CASE(ancestor_renamed_and_replaced) {
    cached_fixture fx;
    invalidation_case(fx, "/a/b/f.txt", [&] {
        fs::rename(fx.root + "/a", fx.root + "/old");
        fs::create_directories(fx.root + "/a/b");
        write_file(fx.root + "/a/b/f.txt", pattern(1234, 3));
    });
}

BOOST_AUTO_TEST_CASE(directory_made_unreadable) {
    cached_fixture fx;
    // (As root the fresh resolution still succeeds; the entry must be dropped all the same.)
    invalidation_case(fx, "/a/b/f.txt", [&] { fs::permissions(fx.root + "/a", fs::perms::none); });
    fs::permissions(fx.root + "/a", fs::perms::owner_all);
}

BOOST_AUTO_TEST_CASE(file_made_unreadable) {
    cached_fixture fx;
    invalidation_case(fx, "/a/b/f.txt", [&] { fs::permissions(fx.root + "/a/b/f.txt", fs::perms::none); });
}

BOOST_AUTO_TEST_CASE(directory_swapped_for_a_symlink_leaving_the_root) {
    cached_fixture fx;
    invalidation_case(fx, "/a/b/f.txt", [&] {
        fs::rename(fx.root + "/a/b", fx.dir.path + "/moved-b");
        fs::create_directory_symlink(fx.outside + "/b", fx.root + "/a/b");
    });
    BOOST_TEST(fresh(fx.root, "/a/b/f.txt").status == 403u);
}

BOOST_AUTO_TEST_CASE(targets_through_a_symlink_are_served_but_not_kept) {
    cached_fixture fx;
    fs::create_directory_symlink("b", fx.root + "/a/link");
    cached_server s(fx.root);
    client c(s.port());
    check_fresh(c, fx.root, "/a/link/f.txt");
    check_fresh(c, fx.root, "/a/link/f.txt");
    BOOST_TEST(s.stats().entries == 0u);
    BOOST_TEST(s.stats().not_kept == 2u);
}

BOOST_AUTO_TEST_CASE(bounded_entries_lru) {
    cached_fixture fx;
    for (int i = 0; i < 5; ++i) write_file(fx.root + "/f" + std::to_string(i), pattern(100, i));
    zhttp::file_cache_options o;
    o.max_entries = 3;
    cached_server s(fx.root, 1, o);
    client c(s.port());
    for (int i = 0; i < 5; ++i) check_fresh(c, fx.root, "/f" + std::to_string(i));
    BOOST_TEST(s.stats().entries == 3u);
    BOOST_TEST(s.stats().evicted == 2u);
    BOOST_TEST(s.stats().watches == 4u);  // root + the three files kept: the others' watches removed
    check_fresh(c, fx.root, "/f4");       // most recent: a hit
    BOOST_TEST(s.stats().hits == 1u);
}

BOOST_AUTO_TEST_CASE(precompressed_variants_appearing_and_ageing) {
    cached_fixture fx;
    write_file(fx.root + "/app.js", pattern(2000, 5));
    set_mtime(fx.root + "/app.js", 1700000000);
    write_file(fx.root + "/app.js.gz", pattern(700, 6));
    set_mtime(fx.root + "/app.js.gz", 1700000100);
    zhttp::serve_options o;
    o.precompressed = {zhttp::content_coding::br, zhttp::content_coding::gzip};
    cached_server s(fx.root, 1, {}, o);
    client c(s.port());
    for (int i = 0; i < 3; ++i) check_fresh(c, fx.root, "/app.js", o, "gzip, br");
    check_fresh(c, fx.root, "/app.js", o, "identity");  // another plan: another entry
    BOOST_TEST(s.stats().hits == 2u);
    BOOST_TEST(s.stats().entries == 2u);
    BOOST_TEST(fresh(fx.root, "/app.js", o, "gzip, br").body == pattern(700, 6));
    // A better variant appears: served at once.
    write_file(fx.root + "/app.js.br", pattern(600, 7));
    set_mtime(fx.root + "/app.js.br", 1700000200);
    check_fresh(c, fx.root, "/app.js", o, "gzip, br");
    BOOST_TEST(fresh(fx.root, "/app.js", o, "gzip, br").body == pattern(600, 7));
    // The original becomes newer than both: identity.
    set_mtime(fx.root + "/app.js", 1700000300);
    check_fresh(c, fx.root, "/app.js", o, "gzip, br");
    BOOST_TEST(fresh(fx.root, "/app.js", o, "gzip, br").body == pattern(2000, 5));
    check_fresh(c, fx.root, "/app.js", o, "gzip, br");
    check_fresh(c, fx.root, "/app.js", o, "identity");
}

BOOST_AUTO_TEST_CASE(queue_overflow_drops_everything) {
    cached_fixture fx;
    cached_server s(fx.root);
    client c(s.port());
    check_fresh(c, fx.root, "/a/b/f.txt");
    // More events than the kernel queues (max_queued_events, 16384 by default), in a watched
    // directory: distinct names, so that none are merged.
    std::size_t limit = 16384;
    if (std::FILE* f = std::fopen("/proc/sys/fs/inotify/max_queued_events", "r")) {
        unsigned long v = 0;
        if (std::fscanf(f, "%lu", &v) == 1) limit = v;
        std::fclose(f);
    }
    if (limit > 70000) return;  // too slow to overflow here
    for (std::size_t i = 0; i < limit / 2 + 10; ++i) {
        std::string const p = fx.root + "/n" + std::to_string(i);
        ::close(::open(p.c_str(), O_CREAT | O_WRONLY, 0644));  // IN_CREATE + IN_CLOSE_WRITE
        ::unlink(p.c_str());                                   // IN_DELETE
    }
    check_fresh(c, fx.root, "/a/b/f.txt");
    BOOST_TEST(s.stats().overflows == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(file_cache_faults)

// Versions of one file renamed over it in a loop; clients check that every response's body is one
// whole version and that an ETag always comes with the same version.
BOOST_AUTO_TEST_CASE(rename_over_in_a_loop_with_several_server_threads) {
    temp_dir dir;
    auto const version = [](unsigned n) {
        return "version " + std::to_string(n) + "\n" + pattern(500 + n % 7 * 300, n);
    };
    write_file(dir.path + "/v.txt", version(0));
    cached_server s(dir.path, 4);
    std::atomic<bool> stop{false};
    std::atomic<unsigned> written{0}, checked{0}, bad{0};
    std::thread writer([&] {
        for (unsigned n = 1; !stop; ++n) {
            write_file(dir.path + "/tmp", version(n));
            fs::rename(dir.path + "/tmp", dir.path + "/v.txt");
            written = n;
            std::this_thread::sleep_for(std::chrono::microseconds(300));
        }
    });
    std::mutex m;
    std::map<std::string, std::string> body_of_etag;
    std::vector<std::thread> clients;
    for (int k = 0; k < 4; ++k)
        clients.emplace_back([&] {
            client c(s.port());
            while (!stop) {
                auto const res = c.get("/v.txt");
                std::string const& b = res.body();
                unsigned n = 0;
                bool ok = res.result_int() == 200 && std::sscanf(b.c_str(), "version %u", &n) == 1 &&
                          b == version(n);
                std::string const etag(res[bhttp::field::etag]);
                {
                    std::lock_guard<std::mutex> lock(m);
                    auto const ins = body_of_etag.emplace(etag, b);
                    if (!ins.second && ins.first->second != b) ok = false;
                }
                if (!ok) ++bad;
                ++checked;
            }
        });
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    stop = true;
    writer.join();
    for (auto& t : clients) t.join();
    BOOST_TEST(bad == 0u);
    BOOST_TEST(checked > 100u);
    BOOST_TEST(written > 100u);
    BOOST_TEST(s.stats().hits > 0u);  // the cache was in use, not bypassed
}

// Lowers the soft RLIMIT_NOFILE just above the highest open descriptor, with every lower number
// taken (holes filled with duplicates, closed again at the end): the next open fails with EMFILE
// until one of the descriptors open now is closed.
struct fd_limit {
    rlimit old{};
    std::vector<int> fillers;
    fd_limit() {
        ::getrlimit(RLIMIT_NOFILE, &old);
        int highest = 2;
        for (auto const& e : fs::directory_iterator("/proc/self/fd"))
            highest = std::max(highest, std::atoi(e.path().filename().c_str()));
        for (;;) {
            int const fd = ::dup(2);
            if (fd < 0) break;
            if (fd > highest) {
                ::close(fd);
                break;
            }
            fillers.push_back(fd);
        }
        rlimit l = old;
        l.rlim_cur = static_cast<rlim_t>(highest + 1);
        ::setrlimit(RLIMIT_NOFILE, &l);
    }
    ~fd_limit() {
        ::setrlimit(RLIMIT_NOFILE, &old);
        for (int fd : fillers) ::close(fd);
    }
};

BOOST_AUTO_TEST_CASE(emfile_evicts_unused_entries_and_keeps_serving) {
    temp_dir dir;
    for (int i = 0; i < 4; ++i) write_file(dir.path + "/f" + std::to_string(i), pattern(100, i));
    write_file(dir.path + "/new", pattern(100, 9));
    zhttp::document_root root(dir.path);
    root.enable_file_cache({});
    auto const get = [&](std::string const& t) {
        bhttp::request_header<> req;
        req.method(bhttp::verb::get);
        req.target(t);
        req.version(11);
        return zhttp::serve_file(root, req);
    };
    for (int i = 0; i < 4; ++i) BOOST_TEST(get("/f" + std::to_string(i)).result_int() == 200u);
    zhttp::file_response in_use = get("/f0");  // a response still sending from f0's descriptor
    BOOST_TEST(root.file_cache_statistics().entries == 4u);
    {
        fd_limit limit;
        bhttp::request_header<> req;
        req.method(bhttp::verb::get);
        req.target("/new");
        req.version(11);
        boost::system::error_code ec;
        zhttp::file_response res = zhttp::serve_file(root, req, ec);
        BOOST_TEST(res.result_int() == 200u, ec.message());
    }
    auto const st = root.file_cache_statistics();
    BOOST_TEST(st.evicted == 3u);  // f1..f3; f0 is in use
    BOOST_TEST(st.entries >= 1u);
    std::string b(100, '\0');
    boost::system::error_code ec;
    zhttp::detail::read_file_at(in_use.body().native_handle(), b.data(), b.size(), 0, ec);
    BOOST_TEST(!ec);
    BOOST_TEST(b == pattern(100, 0));  // its descriptor was not closed
}

BOOST_AUTO_TEST_CASE(without_inotify_nothing_is_kept_and_changes_are_served) {
    cached_fixture fx;
    zhttp::document_root root(fx.root);
    {
        fd_limit limit;  // inotify_init1 fails with EMFILE
        root.enable_file_cache({});
    }
    BOOST_TEST(!root.file_cache_statistics().notifying);
    bhttp::request_header<> req;
    req.method(bhttp::verb::get);
    req.target("/a/b/f.txt");
    req.version(11);
    BOOST_TEST(zhttp::serve_file(root, req)[bhttp::field::content_length] == "3000");
    fs::resize_file(fx.root + "/a/b/f.txt", 10);
    BOOST_TEST(zhttp::serve_file(root, req)[bhttp::field::content_length] == "10");
    BOOST_TEST(root.file_cache_statistics().entries == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

#else
BOOST_AUTO_TEST_CASE(file_cache_needs_inotify) {
    BOOST_TEST_MESSAGE("the open-file cache keeps nothing on this platform: nothing to test here");
}
#endif
