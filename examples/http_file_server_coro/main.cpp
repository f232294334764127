// http_file_server_coro — http_file_server written with C++20 coroutines (asio::awaitable).
//
// Same command line and behaviour as examples/http_file_server (whose options, timeout probe and HTTP
// helpers it reuses). Each connection is two coroutines on one strand: the session, which reads a
// request, answers it with zerocopy::http::serve_file and writes it with zerocopy::http::async_write,
// and a watchdog, which closes the socket when a header, idle or send timeout passes.
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
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>
#include <tuple>

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace zhttp = zerocopy::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using boost::system::error_code;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

// What the session and its watchdog share.
struct connection {
    enum class phase { waiting, reading, writing, closed };
    tcp::socket socket;
    asio::steady_timer timer{socket.get_executor()};  // expiry = when the watchdog looks next
    phase state = phase::waiting;
    std::uint64_t last_acked = 0;
    clock_type::time_point last_progress;
    example::live_sessions::ticket ticket;

    explicit connection(tcp::socket s) : socket(std::move(s)) {}
    void close() {
        state = phase::closed;
        error_code ignored;
        socket.close(ignored);
        timer.cancel();
    }
};

struct server {
    example::server_options options;
    zhttp::document_root root;
    std::atomic<bool> stopping{false};
    example::live_sessions sessions;
    zerocopy::sendfile_options send;  // --disk-threads (example::disk_threads::apply)

    server(example::server_options o, zhttp::document_root r) : options(std::move(o)), root(std::move(r)) {}
};

asio::awaitable<void> watchdog(std::shared_ptr<connection> c, server& srv, std::string peer) {
    auto const send_timeout = example::seconds(srv.options.send_timeout);
    while (c->state != connection::phase::closed) {
        co_await c->timer.async_wait(use_tuple);  // moving the expiry wakes us: look again
        auto const now = clock_type::now();
        if (c->state == connection::phase::closed || c->timer.expiry() > now) continue;
        if (c->state == connection::phase::reading && !srv.options.quiet)
            example::log_line(peer + " closed: header timeout");
        if (c->state != connection::phase::writing) break;  // header or idle timeout
        auto const acked = example::tcp_bytes_acked(c->socket.native_handle());
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
    boost::beast::flat_buffer buffer;
    auto wait_limit = example::seconds(opt.header_timeout);  // the first request: as for a header
    for (;;) {
        if (buffer.size() == 0) {  // nothing pipelined: wait for the next request to start
            c->state = connection::phase::waiting;
            c->timer.expires_after(wait_limit);
            auto [ec] = co_await c->socket.async_wait(tcp::socket::wait_read, use_tuple);
            if (ec || c->state == connection::phase::closed) break;
        }
        c->state = connection::phase::reading;
        c->timer.expires_after(example::seconds(opt.header_timeout));
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(opt.max_header_bytes));
        parser.body_limit(example::max_body_bytes);
        // What has arrived is read at once; only a request still arriving is awaited.
        error_code ec;
        zhttp::try_read_request(c->socket, buffer, parser, ec);
        if (ec == asio::error::would_block)
            std::tie(ec, std::ignore) =
                co_await zhttp::async_read_request(c->socket, buffer, parser, use_tuple);
        if (example::is_client_gone(ec) || c->state == connection::phase::closed) break;
        auto const started = clock_type::now();
        auto const& req = parser.get();
        std::optional<zhttp::file_response> res;
        error_code cause;  // why the server itself answered 4xx/5xx, for the log
        if (ec) {
            cause = ec;
            if (!(res = example::refusal_for(ec, req))) break;  // timed out or the network failed
        } else {
            res = zhttp::serve_file(srv.root, req, cause, srv.options.serve);
            if (srv.stopping) res->keep_alive(false);
        }

        c->state = connection::phase::writing;
        c->last_acked = example::tcp_bytes_acked(c->socket.native_handle()).value_or(0);
        c->last_progress = started;
        c->timer.expires_after(example::seconds(opt.send_timeout / 2));
        zerocopy::sendfile_options send = srv.send;
        send.mode = opt.mode;
        send.sigpipe_ignored = true;  // issue 13: main() ignores SIGPIPE before anything is sent
        send.small_body_threshold = opt.small_body;  // issue 13: --small-body
        // A small response leaves at once (try_write); the rest of any other is awaited.
        error_code wec;
        std::size_t bytes = zhttp::try_write(c->socket, *res, send, wec);
        if (wec == asio::error::would_block)
            std::tie(wec, bytes) = co_await zhttp::async_write_rest(c->socket, *res, send, bytes, use_tuple);
        if (!opt.quiet)
            example::log_access(peer, example::request_line(req), res->result_int(), bytes,
                                clock_type::now() - started, wec, cause);
        if (wec || res->need_eof() || srv.stopping || c->state == connection::phase::closed) {
            error_code ignored;
            c->socket.shutdown(tcp::socket::shutdown_send, ignored);
            break;
        }
        wait_limit = example::seconds(opt.idle_timeout);
    }
    c->close();
}

void start_connection(tcp::socket socket, server& srv) {
    auto c = std::make_shared<connection>(std::move(socket));
    error_code ec;
    auto const ep = c->socket.remote_endpoint(ec);
    c->socket.set_option(tcp::no_delay(true), ec);
    c->socket.non_blocking(true, ec);  // for try_read_request: it never waits
    c->ticket = srv.sessions.enter([weak = std::weak_ptr<connection>(c)] {
        if (auto c = weak.lock())  // stop: close it if it is waiting for a request
            asio::post(c->socket.get_executor(), [c] {
                if (c->state == connection::phase::waiting) c->close();
            });
    });
    if (!c->ticket) return;  // the shutdown has begun
    std::string const peer = ec ? "?" : example::to_string(ep);
    c->timer.expires_after(example::seconds(srv.options.header_timeout));  // before the watchdog looks
    auto ex = c->socket.get_executor();
    asio::co_spawn(ex, watchdog(c, srv, peer), asio::detached);
    asio::co_spawn(ex, session(c, srv, peer), asio::detached);
}

asio::awaitable<void> accept_loop(asio::io_context& ioc, tcp::acceptor& acceptor, server& srv) {
    asio::steady_timer backoff(acceptor.get_executor());
    std::chrono::milliseconds delay{0};
    while (acceptor.is_open()) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), use_tuple);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
        if (ec == boost::system::errc::too_many_files_open ||
            ec == boost::system::errc::too_many_files_open_in_system) {
            // Out of descriptors: the connection waits in the backlog until some close.
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

// On SIGINT/SIGTERM: stop accepting, close idle connections, give the others the shutdown bound.
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
    if (auto status = example::parse_options(argc, argv, options)) return *status;
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
        asio::io_context ioc(static_cast<int>(srv.options.threads));
        auto strand = asio::make_strand(ioc);
        tcp::endpoint const ep(asio::ip::make_address(srv.options.address), srv.options.port);
        tcp::acceptor acceptor(strand, ep);  // open, SO_REUSEADDR, bind, listen
        asio::signal_set signals(strand, SIGINT, SIGTERM);
        asio::co_spawn(strand, accept_loop(ioc, acceptor, srv), asio::detached);
        asio::co_spawn(strand, shutdown_on_signal(ioc, signals, acceptor, srv), asio::detached);
        std::cout << "listening on " << example::url_of(acceptor.local_endpoint(), "http") << std::endl;

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
