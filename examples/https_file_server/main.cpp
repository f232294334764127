// https_file_server — http_file_server_coro over TLS (Boost.Asio SSL, OpenSSL).
//
// Same command line plus --cert FILE --key FILE; without them it generates a self-signed certificate
// for localhost, 127.0.0.1 and ::1 at startup. File bytes take the buffered path: sendfile(2) moves
// bytes between descriptors inside the kernel, and TLS encrypts them in user space, so
// zerocopy::http::async_write sees an ssl::stream and reads the file through one buffer
// (zerocopy::async_sendfile's own fallback) before OpenSSL encrypts it.
//
// One difference from the plain servers: the wait for the next request cannot watch the socket for
// readability (OpenSSL may already hold the next request's bytes), so on a kept-alive connection the
// whole next request must arrive within --idle-timeout; the first one (handshake included) within
// --header-timeout.
#include "http_common.hpp"
#include "live_sessions.hpp"
#include "options.hpp"
#include "tcp_progress.hpp"

#include <zerocopy/http.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <thread>

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace bhttp = boost::beast::http;
namespace zhttp = zerocopy::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using boost::system::error_code;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

// A self-signed certificate (EC P-256, 30 days) for local testing. Browsers will warn about it.
void use_generated_certificate(ssl::context& ctx) {
    auto fail = [](char const* what) {
        throw std::runtime_error(std::string("generating a certificate: ") + what);
    };
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
    if (!key || !cert) fail("allocation");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(std::time(nullptr)));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<unsigned char const*>("localhost"),
                               -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
    X509_EXTENSION* san =
        X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
    if (!san || !X509_add_ext(cert.get(), san, -1)) fail("subjectAltName");
    X509_EXTENSION_free(san);
    if (!X509_sign(cert.get(), key.get(), EVP_sha256())) fail("signing");
    if (SSL_CTX_use_certificate(ctx.native_handle(), cert.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx.native_handle(), key.get()) != 1)
        fail("installing");
}

struct connection {
    enum class phase { reading, writing, closed };
    ssl::stream<tcp::socket> stream;
    asio::steady_timer timer{stream.get_executor()};
    phase state = phase::reading;
    std::uint64_t last_acked = 0;
    clock_type::time_point last_progress;
    example::live_sessions::ticket ticket;

    connection(tcp::socket s, ssl::context& ctx) : stream(std::move(s), ctx) {}
    tcp::socket& socket() { return stream.next_layer(); }
    void close() {
        state = phase::closed;
        error_code ignored;
        socket().close(ignored);
        timer.cancel();
    }
};

struct server {
    example::server_options options;
    zhttp::document_root root;
    ssl::context tls{ssl::context::tls_server};
    std::atomic<bool> stopping{false};
    example::live_sessions sessions;
    zerocopy::sendfile_options send;  // --disk-threads (example::disk_threads::apply)

    server(example::server_options o, zhttp::document_root r) : options(std::move(o)), root(std::move(r)) {}
};

asio::awaitable<void> watchdog(std::shared_ptr<connection> c, server& srv, std::string peer) {
    auto const send_timeout = example::seconds(srv.options.send_timeout);
    while (c->state != connection::phase::closed) {
        co_await c->timer.async_wait(use_tuple);
        auto const now = clock_type::now();
        if (c->state == connection::phase::closed || c->timer.expiry() > now) continue;
        if (c->state != connection::phase::writing) break;  // handshake, header or idle timeout
        auto const acked = example::tcp_bytes_acked(c->socket().native_handle());
        if (!acked || *acked != c->last_acked) {
            c->last_acked = acked.value_or(0);  // progress, or a platform that cannot tell
            c->last_progress = now;
        } else if (now - c->last_progress >= send_timeout) {
            if (!srv.options.quiet)
                example::log_line(peer + " closed: send timeout (client stopped reading)");
            break;
        }
        c->timer.expires_after(send_timeout / 2);
    }
    c->close();
}

asio::awaitable<void> session(std::shared_ptr<connection> c, server& srv, std::string peer) {
    auto const& opt = srv.options;
    auto [hec] =
        co_await c->stream.async_handshake(ssl::stream_base::server, use_tuple);  // timer: header timeout
    boost::beast::flat_buffer buffer;
    for (bool first = true; !hec; first = false) {
        c->state = connection::phase::reading;
        c->timer.expires_after(example::seconds(first ? opt.header_timeout : opt.idle_timeout));
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(opt.max_header_bytes));
        parser.body_limit(example::max_body_bytes);
        auto [ec, n] = co_await zhttp::async_read_request(c->stream, buffer, parser, use_tuple);
        if (example::is_client_gone(ec) || ec == ssl::error::stream_truncated ||
            c->state == connection::phase::closed)
            break;
        auto const started = clock_type::now();
        auto const& req = parser.get();
        std::optional<zhttp::file_response> res;
        error_code cause;  // why the server itself answered 4xx/5xx, for the log
        if (ec) {
            cause = ec;
            if (!(res = example::refusal_for(ec, req))) break;
        } else {
            res = zhttp::serve_file(srv.root, req, cause, srv.options.serve);
            if (srv.stopping) res->keep_alive(false);
        }

        c->state = connection::phase::writing;
        c->last_acked = example::tcp_bytes_acked(c->socket().native_handle()).value_or(0);
        c->last_progress = started;
        c->timer.expires_after(example::seconds(opt.send_timeout / 2));
        zerocopy::sendfile_options send = srv.send;
        // An ssl::stream takes the buffered path; automatic (not buffered) so that its reads of cold
        // ranges leave the loop too (--disk-threads).
        send.mode = zerocopy::send_mode::automatic;
        auto [wec, bytes] = co_await zhttp::async_write(c->stream, *res, send, use_tuple);
        if (!opt.quiet)
            example::log_access(peer, example::request_line(req), res->result_int(), bytes,
                                clock_type::now() - started, wec, cause);
        if (wec || res->need_eof() || srv.stopping || c->state == connection::phase::closed) {
            // close_notify, bounded: the peer may never answer it.
            c->state = connection::phase::reading;
            c->timer.expires_after(std::min(example::seconds(opt.header_timeout), example::seconds(1)));
            if (!wec) co_await c->stream.async_shutdown(use_tuple);
            break;
        }
    }
    c->close();
}

void start_connection(tcp::socket socket, server& srv) {
    auto c = std::make_shared<connection>(std::move(socket), srv.tls);
    error_code ec;
    auto const ep = c->socket().remote_endpoint(ec);
    std::string const peer = ec ? "?" : example::to_string(ep);
    c->socket().set_option(tcp::no_delay(true), ec);
    c->ticket = srv.sessions.enter([weak = std::weak_ptr<connection>(c)] {
        if (auto c = weak.lock())  // stop: close it if it is waiting for a request
            asio::post(c->stream.get_executor(), [c] {
                if (c->state == connection::phase::reading) c->close();
            });
    });
    if (!c->ticket) return;  // the shutdown has begun
    c->timer.expires_after(example::seconds(srv.options.header_timeout));
    asio::co_spawn(c->stream.get_executor(), watchdog(c, srv, peer), asio::detached);
    asio::co_spawn(c->stream.get_executor(), session(c, srv, peer), asio::detached);
}

asio::awaitable<void> accept_loop(asio::io_context& ioc, tcp::acceptor& acceptor, server& srv) {
    asio::steady_timer backoff(acceptor.get_executor());
    std::chrono::milliseconds delay{0};
    while (acceptor.is_open()) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), use_tuple);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
        if (ec == boost::system::errc::too_many_files_open ||
            ec == boost::system::errc::too_many_files_open_in_system) {
            if (delay.count() == 0) example::log_line("accept: " + ec.message() + "; backing off");
            delay = std::clamp(delay * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
            backoff.expires_after(delay);
            co_await backoff.async_wait(use_tuple);
            continue;
        }
        if (ec) {
            example::log_line("accept: " + ec.message());
            continue;
        }
        if (delay.count() != 0) example::log_line("accept: accepting again");
        delay = std::chrono::milliseconds(0);
        start_connection(std::move(socket), srv);
    }
}

asio::awaitable<void> shutdown_on_signal(asio::io_context& ioc, asio::signal_set& signals,
                                         tcp::acceptor& acceptor, server& srv) {
    auto [ec, sig] = co_await signals.async_wait(use_tuple);
    if (ec) co_return;
    example::log_line(std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                      ": no new connections; finishing in-flight responses");
    srv.stopping = true;
    acceptor.close(ec);
    // Each connection is asked to stop; the last one to close stops the event loop, or the bound
    // does, whichever comes first. main() then returns 0.
    srv.sessions.drain([&ioc] { ioc.stop(); });
    asio::steady_timer bound(acceptor.get_executor(), example::seconds(srv.options.shutdown_timeout));
    co_await bound.async_wait(use_tuple);
    if (auto n = srv.sessions.abandon())
        example::log_line("shutdown bound reached: closing " + std::to_string(n) + " connection(s)");
}

}  // namespace

int main(int argc, char** argv) {
    example::server_options options;
    if (auto status = example::parse_options(argc, argv, options, true)) return *status;
#if defined(SIGPIPE)
    std::signal(SIGPIPE, SIG_IGN);
#endif
    example::raise_fd_limit();
    try {
        error_code ec;
        zhttp::document_root root(options.root, ec);
        if (ec) {
            std::cerr << argv[0] << ": cannot open --root " << options.root << ": " << ec.message() << "\n";
            return 1;
        }
        root.enable_file_cache({options.file_cache});      // issue 13 (--file-cache; 0: off)
        example::disk_threads disk(options.disk_threads);  // outlives the io_context below
        server srv(std::move(options), std::move(root));
        disk.apply(srv.send);
        srv.tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        if (!srv.options.cert.empty()) {
            srv.tls.use_certificate_chain_file(srv.options.cert);
            srv.tls.use_private_key_file(srv.options.key, ssl::context::pem);
        } else {
            use_generated_certificate(srv.tls);
            example::log_line(
                "note: no --cert/--key: using a generated self-signed certificate for localhost");
        }
        example::log_line(
            std::string("note: TLS is encrypted in user space, so file bytes take the buffered path") +
            (srv.options.mode == zerocopy::send_mode::native ? " (--mode native cannot apply)" : ""));

        asio::io_context ioc(static_cast<int>(srv.options.threads));
        auto strand = asio::make_strand(ioc);
        tcp::endpoint const ep(asio::ip::make_address(srv.options.address), srv.options.port);
        tcp::acceptor acceptor(strand, ep);
        asio::signal_set signals(strand, SIGINT, SIGTERM);
        asio::co_spawn(strand, accept_loop(ioc, acceptor, srv), asio::detached);
        asio::co_spawn(strand, shutdown_on_signal(ioc, signals, acceptor, srv), asio::detached);
        std::cout << "listening on " << example::url_of(acceptor.local_endpoint(), "https") << std::endl;

        std::vector<std::thread> threads;
        for (unsigned i = 1; i < srv.options.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
        ioc.run();
        for (auto& t : threads) t.join();
        example::log_line("stopped");
        return 0;
    } catch (std::exception const& e) {
        std::cerr << argv[0] << ": " << e.what() << "\n";
        return 1;
    }
}
