// Drives an example server (its path in the environment variable ZEROCOPY_EXAMPLE_SERVER) with Beast
// clients: a keep-alive sequence of GET, HEAD and Range requests, and 1,000 concurrent keep-alive
// connections downloading at once, every body compared byte for byte.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string pattern(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    std::uint32_t x = 2463534242u ^ (seed * 2654435761u);
    for (auto& c : s) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = static_cast<char>(x >> 24);
    }
    return s;
}

// A document root with a few files, removed at the end.
struct document_root {
    std::filesystem::path dir;
    std::string small = pattern(1000, 1);
    std::string medium = pattern(256 * 1024 + 3, 2);
    std::string big = pattern(4 * 1024 * 1024 + 11, 3);

    document_root() {
        char tmpl[] = "/tmp/zerocopy-example-beast-XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp");
        dir = tmpl;
        write("small.txt", small);
        write("medium.bin", medium);
        write("big.bin", big);
    }
    ~document_root() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    void write(char const* name, std::string const& data) const {
        std::ofstream(dir / name, std::ios::binary) << data;
    }
};

// The server process: started on port 0; its port read from the line it prints; SIGTERM at the end.
struct server_process {
    pid_t pid = -1;
    unsigned short port = 0;

    explicit server_process(std::string const& root) {
        char const* exe = std::getenv("ZEROCOPY_EXAMPLE_SERVER");
        if (!exe) throw std::runtime_error("ZEROCOPY_EXAMPLE_SERVER is not set");
        int fds[2];
        if (::pipe(fds) != 0) throw std::runtime_error("pipe");
        pid = ::fork();
        if (pid == 0) {
            ::dup2(fds[1], 1);
            ::close(fds[0]);
            ::close(fds[1]);
            // Generous timeouts: a sanitizer build of this client drains 1,000 responses slowly,
            // and the server's idle timer starts when a response is in the kernel, not when it is read.
            ::execl(exe, exe, "--root", root.c_str(), "--port", "0", "--threads", "2", "--quiet",
                    "--header-timeout", "120", "--idle-timeout", "120", "--send-timeout", "120",
                    static_cast<char*>(nullptr));
            std::_Exit(127);
        }
        ::close(fds[1]);
        std::string line;
        pollfd p{fds[0], POLLIN, 0};
        while (line.find('\n') == std::string::npos && ::poll(&p, 1, 20000) == 1) {
            char buf[256];
            ssize_t n = ::read(fds[0], buf, sizeof buf);
            if (n <= 0) break;
            line.append(buf, static_cast<std::size_t>(n));
        }
        ::close(fds[0]);
        BOOST_TEST_MESSAGE("server: " << line);
        std::string const prefix = "listening on http://127.0.0.1:";
        if (line.rfind(prefix, 0) != 0) throw std::runtime_error("unexpected line from the server: " + line);
        port = static_cast<unsigned short>(std::stoi(line.substr(prefix.size())));
    }

    // Stops the server; returns its exit status (-1 if it did not exit normally).
    int stop() {
        if (pid <= 0) return -1;
        ::kill(pid, SIGTERM);
        int status = 0;
        ::waitpid(pid, &status, 0);
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    ~server_process() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
};

bhttp::request<bhttp::empty_body> get(std::string target) {
    bhttp::request<bhttp::empty_body> req(bhttp::verb::get, target, 11);
    req.set(bhttp::field::host, "127.0.0.1");
    return req;
}

bhttp::response<bhttp::string_body> roundtrip(tcp::socket& s, beast::flat_buffer& buffer,
                                              bhttp::request<bhttp::empty_body> const& req) {
    bhttp::write(s, req);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (req.method() == bhttp::verb::head) parser.skip(true);
    bhttp::read(s, buffer, parser);
    return parser.release();
}

// One of the 1,000 connections: two GETs on one keep-alive connection.
struct client : std::enable_shared_from_this<client> {
    tcp::socket socket;
    tcp::endpoint ep;
    std::string const& expected;
    bhttp::request<bhttp::empty_body> req = get("/medium.bin");
    beast::flat_buffer buffer;
    std::optional<bhttp::response_parser<bhttp::string_body>> parser;
    int left = 2;
    int& ok;
    int& failed;

    client(asio::io_context& ioc, tcp::endpoint e, std::string const& want, int& ok_count, int& failed_count)
        : socket(ioc), ep(e), expected(want), ok(ok_count), failed(failed_count) {}

    void start() {
        socket.async_connect(ep, [self = shared_from_this()](beast::error_code ec) {
            if (ec) return self->fail("connect", ec);
            self->send();
        });
    }
    void send() {
        bhttp::async_write(socket, req, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->fail("write", ec);
            self->parser.emplace();
            self->parser->body_limit(1 << 20);
            bhttp::async_read(self->socket, self->buffer, *self->parser,
                              [self](beast::error_code ec2, std::size_t) { self->on_response(ec2); });
        });
    }
    void on_response(beast::error_code ec) {
        if (ec) return fail("read", ec);
        auto const& res = parser->get();
        if (res.result() != bhttp::status::ok || res.body() != expected || !res.keep_alive())
            return fail("response", {});
        if (--left > 0) return send();
        ++ok;
    }
    void fail(char const* what, beast::error_code ec) {
        if (failed++ < 5)
            BOOST_TEST_MESSAGE("connection failed at " << what << " (request " << 3 - left
                                                       << "): " << ec.message());
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(keep_alive_get_head_range) {
    document_root root;
    server_process server(root.dir.string());
    asio::io_context ioc;
    tcp::socket s(ioc);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port));
    beast::flat_buffer buffer;

    for (int i = 0; i < 6; ++i) {
        auto res = roundtrip(s, buffer, get(i % 2 ? "/big.bin" : "/small.txt"));
        BOOST_TEST(res.result_int() == 200u);
        BOOST_TEST((res.body() == (i % 2 ? root.big : root.small)));
        BOOST_TEST(res.keep_alive());
    }
    auto head = get("/big.bin");
    head.method(bhttp::verb::head);
    auto res = roundtrip(s, buffer, head);
    BOOST_TEST(res.result_int() == 200u);
    BOOST_TEST(res[bhttp::field::content_length] == std::to_string(root.big.size()));
    BOOST_TEST(res.body().empty());

    auto ranged = get("/big.bin");
    ranged.set(bhttp::field::range, "bytes=4194200-4194299");
    res = roundtrip(s, buffer, ranged);
    BOOST_TEST(res.result_int() == 206u);
    BOOST_TEST((res.body() == root.big.substr(4194200, 100)));
    BOOST_TEST(res[bhttp::field::content_range] ==
               "bytes 4194200-4194299/" + std::to_string(root.big.size()));

    auto missing = roundtrip(s, buffer, get("/nothing-here"));
    BOOST_TEST(missing.result_int() == 404u);
    auto after = roundtrip(s, buffer, get("/small.txt"));  // the connection survived the 404
    BOOST_TEST((after.body() == root.small));

    BOOST_TEST(server.stop() == 0);
}

BOOST_AUTO_TEST_CASE(thousand_concurrent_keep_alive_connections) {
    // 1,000 client sockets here and as many in the server (which raises its own soft limit).
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    rlim_t const want = 4096;
    if (lim.rlim_cur < want) {
        if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < want) {
            BOOST_TEST_MESSAGE("hard limit on open files below " << want << ": skipped");
            return;
        }
        lim.rlim_cur = want;
        BOOST_TEST_REQUIRE(::setrlimit(RLIMIT_NOFILE, &lim) == 0);
    }
    document_root root;
    server_process server(root.dir.string());
    asio::io_context ioc;
    tcp::endpoint const ep(asio::ip::make_address("127.0.0.1"), server.port);
    int ok = 0;
    int failed = 0;
    constexpr int n = 1000;
    for (int i = 0; i < n; ++i) std::make_shared<client>(ioc, ep, root.medium, ok, failed)->start();
    auto const t0 = std::chrono::steady_clock::now();
    ioc.run_for(std::chrono::seconds(120));
    auto const secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    BOOST_TEST_MESSAGE(ok << " connections completed 2 downloads each in " << secs << " s");
    BOOST_TEST(ok == n);
    BOOST_TEST(failed == 0);
    BOOST_TEST(server.stop() == 0);
}
