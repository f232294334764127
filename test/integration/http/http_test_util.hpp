// Helpers for the HTTP integration tests: temporary document roots, a loopback file server (zero-copy
// or plain Beast writer), and a blocking Beast client.
#ifndef ZEROCOPY_TEST_HTTP_TEST_UTIL_HPP
#define ZEROCOPY_TEST_HTTP_TEST_UTIL_HPP

#include <zerocopy/http.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#if defined(_WIN32)
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>
#endif

namespace zerocopy_http_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

/// A deterministic byte pattern for file contents.
inline std::string pattern(std::size_t n, unsigned seed = 1) {
    std::string s(n, '\0');
    std::uint32_t x = 2463534242u ^ seed;
    for (auto& c : s) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = static_cast<char>(x);
    }
    return s;
}

inline unsigned long process_id() {
#if defined(_WIN32)
    return ::GetCurrentProcessId();
#else
    return static_cast<unsigned long>(::getpid());
#endif
}

/// A temporary directory, removed recursively on destruction. Paths use '/' (Windows accepts it).
struct temp_dir {
    std::string path;
    temp_dir() {
        static std::atomic<unsigned> counter{0};
        auto const p =
            std::filesystem::temp_directory_path() /
            ("zerocopy-http-test-" + std::to_string(process_id()) + "-" + std::to_string(counter++));
        std::filesystem::create_directories(p);
        path = p.generic_string();
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    temp_dir(temp_dir const&) = delete;
    temp_dir& operator=(temp_dir const&) = delete;

    std::string write(std::string const& rel, std::string const& content) const {
        std::string const full = path + "/" + rel;
        std::ofstream(full, std::ios::binary) << content;
        return full;
    }
    void mkdir(std::string const& rel) const { std::filesystem::create_directory(path + "/" + rel); }
#if !defined(_WIN32)
    void symlink(std::string const& target, std::string const& rel) const {
        if (::symlink(target.c_str(), (path + "/" + rel).c_str()) != 0)
            throw std::runtime_error("symlink failed");
    }
#endif
};

/// Opens `path` read-only (open / CreateFileW), for the tests that build a body by hand.
inline zerocopy::http::unique_file open_read_only(std::string const& path) {
#if defined(_WIN32)
    return zerocopy::http::unique_file(::CreateFileA(path.c_str(), GENERIC_READ,
                                                     FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                                     nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
#else
    return zerocopy::http::unique_file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
#endif
}

/// The file position of an open file (lseek / SetFilePointerEx).
inline std::int64_t file_position(zerocopy::native_file_handle h) {
#if defined(_WIN32)
    LARGE_INTEGER zero{}, pos{};
    ::SetFilePointerEx(h, zero, &pos, FILE_CURRENT);
    return pos.QuadPart;
#else
    return static_cast<std::int64_t>(::lseek(h, 0, SEEK_CUR));
#endif
}

/// Sets a file's modification time to `unix_seconds` (utimes / SetFileTime).
inline void set_mtime(std::string const& path, std::int64_t unix_seconds) {
#if defined(_WIN32)
    HANDLE h = ::CreateFileA(path.c_str(), FILE_WRITE_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                             OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) throw std::runtime_error("CreateFileA failed");
    std::uint64_t const ticks = static_cast<std::uint64_t>(unix_seconds) * 10000000 + 116444736000000000ull;
    FILETIME ft{static_cast<DWORD>(ticks), static_cast<DWORD>(ticks >> 32)};
    ::SetFileTime(h, nullptr, &ft, &ft);
    ::CloseHandle(h);
#else
    struct timeval tv[2] = {{static_cast<time_t>(unix_seconds), 0}, {static_cast<time_t>(unix_seconds), 0}};
    ::utimes(path.c_str(), tv);
#endif
}

enum class writer_kind { zerocopy, beast };

inline bool nodelay(tcp::socket& s) {
    tcp::no_delay on;
    beast::error_code ec;
    s.get_option(on, ec);
    return on.value();
}

/// A connected TCP pair on 127.0.0.1 with its own io_context: `a` sends, `b` receives.
struct loopback_pair {
    asio::io_context ioc;
    tcp::socket a{ioc};
    tcp::socket b{ioc};
    loopback_pair() {
        tcp::acceptor acc(ioc, {asio::ip::make_address("127.0.0.1"), 0});
        a.connect(acc.local_endpoint());
        acc.accept(b);
    }
};

/// A file server on 127.0.0.1 (ephemeral port) running on its own thread; stopped by the destructor.
/// Sessions read with zerocopy::http::async_read_request, answer with serve_file, and write with the
/// chosen writer; a framing defect gets its 400/501 and the connection is closed.
class file_server {
public:
    explicit file_server(std::string root, writer_kind kind = writer_kind::zerocopy,
                         zerocopy::http::serve_options options = {})
        : root_(root),
          kind_(kind),
          options_(std::move(options)),
          acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
        if (!root_.is_open()) throw std::runtime_error("cannot open document root");
        accept();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~file_server() {
        asio::post(ioc_, [this] {
            acceptor_.close();
            ioc_.stop();
        });
        thread_.join();
    }
    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    /// Whether every accepted socket had TCP_NODELAY off.
    bool all_nagle() const { return !saw_nodelay_; }
    std::size_t write_errors() const { return write_errors_; }

private:
    struct session : std::enable_shared_from_this<session> {
        file_server& server;
        tcp::socket sock;
        beast::flat_buffer buffer;
        std::optional<bhttp::request_parser<bhttp::string_body>> parser;
        zerocopy::http::file_response res;

        session(file_server& s, tcp::socket so) : server(s), sock(std::move(so)) {}

        void read() {
            parser.emplace();
            parser->body_limit(1 << 20);
            zerocopy::http::async_read_request(
                sock, buffer, *parser,
                [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
        }
        void on_read(beast::error_code ec) {
            if (zerocopy::http::framing_error_of(ec) != zerocopy::http::framing_error::none) {
                res = zerocopy::http::make_framing_error_response(zerocopy::http::framing_error_of(ec),
                                                                  parser->get());
                return write();
            }
            if (ec) return;  // closed, or a parse error: drop the connection
            res = zerocopy::http::serve_file(server.root_, parser->get(), server.options_);
            write();
        }
        void write() {
            auto cb = [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) ++self->server.write_errors_;
                if (ec || self->res.need_eof()) {
                    beast::error_code ignored;
                    self->sock.shutdown(tcp::socket::shutdown_send, ignored);
                    return;
                }
                self->read();
            };
            if (server.kind_ == writer_kind::zerocopy)
                zerocopy::http::async_write(sock, res, std::move(cb));
            else
                bhttp::async_write(sock, res, std::move(cb));
        }
    };

    void accept() {
        acceptor_.async_accept([this](beast::error_code ec, tcp::socket s) {
            if (ec) return;
            if (nodelay(s)) saw_nodelay_ = true;
            std::make_shared<session>(*this, std::move(s))->read();
            accept();
        });
    }

    zerocopy::http::document_root root_;
    writer_kind kind_;
    zerocopy::http::serve_options options_;
    asio::io_context ioc_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    std::atomic<bool> saw_nodelay_{false};
    std::atomic<std::size_t> write_errors_{0};
};

/// A blocking keep-alive client.
class client {
public:
    explicit client(unsigned short port) : sock_(ioc_) {
        sock_.connect({asio::ip::make_address("127.0.0.1"), port});
    }

    tcp::socket& socket() { return sock_; }

    /// Sends raw request bytes.
    void send(std::string const& raw) { asio::write(sock_, asio::buffer(raw)); }

    /// Reads one response (no body for HEAD requests when `head`).
    bhttp::response<bhttp::string_body> receive(bool head = false) {
        bhttp::response_parser<bhttp::string_body> p;
        p.body_limit(1ull << 32);
        p.skip(head);
        bhttp::read(sock_, buffer_, p);
        return p.release();
    }

    bhttp::response<bhttp::string_body> request(std::string const& raw, bool head = false) {
        send(raw);
        return receive(head);
    }

    /// GET (or another method) with extra header lines (each ending in \r\n).
    bhttp::response<bhttp::string_body> get(std::string const& target, std::string const& extra = "",
                                            std::string const& method = "GET") {
        return request(method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n",
                       method == "HEAD");
    }

    /// Reads until the server closes; true when it did (and nothing else came).
    bool closed_by_peer(std::string* rest = nullptr) {
        beast::error_code ec;
        std::string data(static_cast<char const*>(buffer_.data().data()), buffer_.size());
        char buf[4096];
        for (;;) {
            std::size_t const n = sock_.read_some(asio::buffer(buf), ec);
            if (ec) break;
            data.append(buf, n);
        }
        if (rest) *rest = data;
        return ec == asio::error::eof || ec == asio::error::connection_reset;
    }

private:
    asio::io_context ioc_;
    tcp::socket sock_;
    beast::flat_buffer buffer_;
};

/// Sends one request on a fresh connection with "Connection: close" and returns every byte received.
inline std::string raw_exchange(unsigned short port, std::string const& raw_request) {
    client c(port);
    c.send(raw_request);
    std::string all;
    c.closed_by_peer(&all);
    return all;
}

}  // namespace zerocopy_http_test

#endif
