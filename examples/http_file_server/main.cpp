// http_file_server — a static file server built on zerocopy::http, meant to be copied and adapted.
//
// One io_context run by --threads threads; each connection lives on its own strand (with one thread:
// on the io_context itself, which needs none) and goes round one loop: wait for a request, read it
// (zerocopy::http::try_read_request, in the handler that saw the socket readable, and
// zerocopy::http::async_read_request only for a request still arriving: Beast's parser plus the
// framing checks), answer it
// (zerocopy::http::serve_file: ranges, conditionals, traversal safety), write the answer
// (zerocopy::http::async_write: the header bytes just ahead of the file bytes, which go by sendfile),
// and start again while the connection is kept alive. One timer per connection enforces the limits;
// it is lazy: each phase only records its deadline, and the timer is moved only when a deadline comes
// earlier than its expiry (a timer moved three times per request costs three syscalls and three
// wake-ups of the handler). On SIGINT/SIGTERM the last connection to close ends the program.
#include "http_common.hpp"
#include "live_sessions.hpp"
#include "options.hpp"
#include "tcp_progress.hpp"

#include <zerocopy/http.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace zhttp = zerocopy::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

// What every connection shares: configuration, the document root, and the open connections, which
// a graceful shutdown asks to stop.
struct server_state {
    example::server_options options;
    zhttp::document_root root;
    zhttp::serve_options serve;
    zerocopy::sendfile_options send;  // --mode, --disk-threads
    std::atomic<bool> stopping{false};
    example::live_sessions sessions;

    server_state(example::server_options o, zhttp::document_root r)
        : options(std::move(o)), root(std::move(r)) {
        send.mode = options.mode;
        send.sigpipe_ignored = true;  // issue 13: main() ignores SIGPIPE before anything is sent
        send.small_body_threshold = options.small_body;  // issue 13: --small-body
        serve = options.serve;
    }
};

class connection : public std::enable_shared_from_this<connection> {
public:
    connection(tcp::socket socket, std::shared_ptr<server_state> state)
        : socket_(std::move(socket)), timer_(socket_.get_executor()), state_(std::move(state)) {
        error_code ec;
        auto const ep = socket_.remote_endpoint(ec);
        peer_ = ec ? std::string("?") : example::to_string(ep);
    }

    // Runs on the connection's strand (the socket's executor).
    void start() {
        ticket_ = state_->sessions.enter([weak = weak_from_this()] {
            if (auto self = weak.lock()) asio::post(self->executor(), [self] { self->stop(); });
        });
        if (!ticket_) return;  // the shutdown has begun: the socket closes with this object
        error_code ignored;
        socket_.set_option(tcp::no_delay(true), ignored);
        socket_.non_blocking(true, ignored);  // for try_read_request: it never waits
        deadline_ = clock_type::now() + example::seconds(state_->options.header_timeout);
        timer_.expires_at(deadline_);
        wait_timer();
        wait_for_request(example::seconds(state_->options.header_timeout));
    }

    // Graceful shutdown, posted to the strand: idle connections close now, a request being read or a
    // response being written is finished first (and the connection closed after it).
    void stop() {
        if (phase_ == phase::waiting) close();
    }

    asio::any_io_executor executor() { return socket_.get_executor(); }

private:
    enum class phase { waiting, reading, writing, closed };

    // --- the request loop -------------------------------------------------------------------

    // Waits until the next request starts (its first byte is readable) for at most `limit`.
    void wait_for_request(clock_type::duration limit) {
        if (buffer_.size() != 0) {
            // A pipelined request is already here. Through the executor, not a direct call: the
            // previous response may have completed inline (try_write), and a client pipelining
            // thousands of requests must neither deepen this stack nor starve other connections.
            phase_ = phase::reading;
            return asio::post(socket_.get_executor(), [self = shared_from_this()] {
                if (self->phase_ != phase::closed) self->read_request();
            });
        }
        phase_ = phase::waiting;
        set_deadline(limit);
        socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
            if (ec || self->phase_ == phase::closed) return self->close();
            self->read_request();
        });
    }

    void read_request() {
        phase_ = phase::reading;
        set_deadline(example::seconds(state_->options.header_timeout));
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(state_->options.max_header_bytes));
        parser_->body_limit(example::max_body_bytes);
        // The socket is readable (or a pipelined request is buffered): take what has arrived in this
        // handler. Only a request still arriving goes through async_read_request, whose completion
        // would otherwise cost one more trip through the scheduler for every request.
        error_code ec;
        zhttp::try_read_request(socket_, buffer_, *parser_, ec);
        if (ec != asio::error::would_block) return on_request(ec);
        zhttp::async_read_request(
            socket_, buffer_, *parser_,
            [self = shared_from_this()](error_code ec, std::size_t) { self->on_request(ec); });
    }

    void on_request(error_code ec) {
        if (phase_ == phase::closed || example::is_client_gone(ec)) return close();
        request_started_ = clock_type::now();
        auto const& req = parser_->get();
        cause_ = ec;  // why the server itself answers 4xx/5xx, for the log
        if (ec) {
            // A request that cannot be answered normally: say why if there is someone to tell, then close.
            response_ = example::refusal_for(ec, req);
            if (!response_) return close();  // the network failed: nobody to answer
        } else {
            response_ = zhttp::serve_file(state_->root, req, cause_, state_->serve);
            if (state_->stopping) response_->keep_alive(false);
        }
        if (!state_->options.quiet) request_line_ = example::request_line(req);
        phase_ = phase::writing;
        // The peer's progress is read (example::tcp_bytes_acked) only when the timer fires: last_acked_
        // is the count seen at the previous check, so a stall from the first byte on is caught as well.
        last_progress_ = clock_type::now();
        set_deadline(send_check_interval());
        // A small response leaves at once, in this handler (try_write: one preadv2 and one sendmsg);
        // anything else, or what a full socket did not take, with async_write_rest: the header,
        // then the file ranges with zerocopy::async_sendfile (--mode).
        error_code write_ec;
        std::size_t const sent = zhttp::try_write(socket_, *response_, state_->send, write_ec);
        if (write_ec != asio::error::would_block) return on_sent(write_ec, sent);
        zhttp::async_write_rest(
            socket_, *response_, state_->send, sent,
            [self = shared_from_this()](error_code ec, std::size_t bytes) { self->on_sent(ec, bytes); });
    }

    void on_sent(error_code ec, std::size_t bytes) {
        if (!state_->options.quiet)
            example::log_access(peer_, request_line_, response_->result_int(), bytes,
                                clock_type::now() - request_started_, ec, cause_);
        bool const keep_alive = !ec && !response_->need_eof() && !state_->stopping && phase_ != phase::closed;
        response_.reset();  // closes the file now, not at the next request
        parser_.reset();
        if (!keep_alive) {
            error_code ignored;
            socket_.shutdown(tcp::socket::shutdown_send, ignored);
            return close();
        }
        wait_for_request(example::seconds(state_->options.idle_timeout));
    }

    // --- the timer: header, idle and send timeouts ---------------------------------------------

    // The send timeout checks every half period whether the peer acknowledged anything since.
    clock_type::duration send_check_interval() const {
        return example::seconds(state_->options.send_timeout / 2);
    }

    // Records the current phase's deadline. The timer's expiry is never later than the deadline:
    // it is moved only when the new deadline is earlier; otherwise it fires early and re-arms.
    void set_deadline(clock_type::duration limit) {
        deadline_ = clock_type::now() + limit;
        if (deadline_ < timer_.expiry()) timer_.expires_at(deadline_);  // cancels the wait; it re-waits
    }

    // One wait at a time; moving the expiry cancels it, and the handler waits again.
    void wait_timer() {
        timer_.async_wait([self = shared_from_this()](error_code) { self->on_timer(); });
    }

    void on_timer() {
        if (phase_ == phase::closed) return;
        auto const now = clock_type::now();
        if (timer_.expiry() > now) return wait_timer();  // moved earlier: wait for the new expiry
        if (deadline_ > now) {                           // the phase changed since: wait for its deadline
            timer_.expires_at(deadline_);
            return wait_timer();
        }
        if (phase_ != phase::writing) {  // idle or header timeout
            if (phase_ == phase::reading && !state_->options.quiet)
                example::log_line(peer_ + " closed: header timeout");
            return close();
        }

        auto const acked = example::tcp_bytes_acked(socket_.native_handle());
        if (!acked || *acked != last_acked_) {  // progress, or a platform that cannot tell
            last_acked_ = acked.value_or(0);
            last_progress_ = now;
        } else if (now - last_progress_ >= example::seconds(state_->options.send_timeout)) {
            if (!state_->options.quiet)
                example::log_line(peer_ + " closed: send timeout (client stopped reading)");
            return close();
        }
        deadline_ = now + send_check_interval();
        timer_.expires_at(deadline_);
        wait_timer();
    }

    void close() {
        if (phase_ == phase::closed) return;
        phase_ = phase::closed;
        error_code ignored;
        socket_.close(ignored);  // pending operations complete with operation_aborted
        timer_.cancel();
    }

    tcp::socket socket_;
    asio::steady_timer timer_;
    std::shared_ptr<server_state> state_;
    example::live_sessions::ticket ticket_;
    std::string peer_;
    phase phase_ = phase::waiting;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::optional<zhttp::file_response> response_;
    std::string request_line_;
    error_code cause_;  // of the response being written: serve_file's or the read's error
    clock_type::time_point request_started_;
    clock_type::time_point deadline_;  // of the current phase; the timer's expiry is never later
    std::uint64_t last_acked_ = 0;
    clock_type::time_point last_progress_;
};

// Accepts connections, backs off when out of file descriptors, and runs the graceful shutdown.
class listener {
public:
    listener(asio::io_context& ioc, std::shared_ptr<server_state> state, tcp::endpoint const& ep)
        : ioc_(ioc),
          strand_(asio::make_strand(ioc)),
          acceptor_(strand_),
          backoff_(strand_),
          bound_(strand_),
          signals_(strand_, SIGINT, SIGTERM),
          state_(std::move(state)) {
        acceptor_.open(ep.protocol());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen(asio::socket_base::max_listen_connections);
    }

    tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

    void start() {
        signals_.async_wait([this](error_code ec, int sig) {
            if (!ec) begin_shutdown(sig);
        });
        accept();
    }

private:
    void accept() {
        // A strand per connection only when several threads run the io_context: with one, every
        // handler already runs in sequence, and a strand would cost a lock per handler.
        auto ex = state_->options.threads > 1 ? asio::any_io_executor(asio::make_strand(ioc_))
                                              : asio::any_io_executor(ioc_.get_executor());
        acceptor_.async_accept(
            ex, [this](error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
    }

    void on_accept(error_code ec, tcp::socket socket) {
        if (state_->stopping || !acceptor_.is_open()) return;
        if (ec == boost::system::errc::too_many_files_open ||
            ec == boost::system::errc::too_many_files_open_in_system) {
            // The pending connection stays in the kernel's backlog; try again once some close.
            if (backoff_delay_ == std::chrono::milliseconds(0)) {
                backoff_delay_ = std::chrono::milliseconds(10);
                example::log_line("accept: " + ec.message() + "; backing off");
            } else {
                backoff_delay_ = std::min(backoff_delay_ * 2, std::chrono::milliseconds(1000));
            }
            backoff_.expires_after(backoff_delay_);
            backoff_.async_wait([this](error_code wait_ec) {
                if (!wait_ec && !state_->stopping) accept();
            });
            return;
        }
        if (ec) {
            example::log_line("accept: " + ec.message());  // e.g. ECONNABORTED: the next one may be fine
            return accept();
        }
        if (backoff_delay_ != std::chrono::milliseconds(0)) {
            backoff_delay_ = std::chrono::milliseconds(0);
            example::log_line("accept: accepting again");
        }
        auto c = std::make_shared<connection>(std::move(socket), state_);
        asio::dispatch(c->executor(), [c] { c->start(); });
        accept();
    }

    void begin_shutdown(int sig) {
        example::log_line(std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                          ": no new connections; finishing in-flight responses");
        state_->stopping = true;
        error_code ignored;
        acceptor_.close(ignored);
        backoff_.cancel();
        // Each connection is asked to stop; the last one to close stops the event loop, or the bound
        // does, whichever comes first. main() then returns 0.
        state_->sessions.drain([&ioc = ioc_] { ioc.stop(); });
        bound_.expires_after(example::seconds(state_->options.shutdown_timeout));
        bound_.async_wait([this](error_code ec) {
            if (ec) return;
            if (auto n = state_->sessions.abandon())
                example::log_line("shutdown bound reached: closing " + std::to_string(n) + " connection(s)");
        });
    }

    asio::io_context& ioc_;
    asio::strand<asio::io_context::executor_type> strand_;
    tcp::acceptor acceptor_;
    asio::steady_timer backoff_;
    asio::steady_timer bound_;  // --shutdown-timeout
    asio::signal_set signals_;
    std::shared_ptr<server_state> state_;
    std::chrono::milliseconds backoff_delay_{0};
};

}  // namespace

int main(int argc, char** argv) {
    example::server_options options;
    if (auto status = example::parse_options(argc, argv, options)) return *status;
#if defined(SIGPIPE)
    // Ignored process-wide, as nginx does: stdout may be a closed pipe, and the sends declare it
    // (sendfile_options::sigpipe_ignored), which spares sendfile(2) its SIGPIPE guard.
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
        root.enable_file_cache({options.file_cache});  // issue 13 (--file-cache; 0: off)
        auto const address = asio::ip::make_address(options.address);
        example::disk_threads disk(options.disk_threads);  // outlives the io_context below
        auto state = std::make_shared<server_state>(options, std::move(root));
        disk.apply(state->send);

        asio::io_context ioc(static_cast<int>(options.threads));
        listener server(ioc, state, tcp::endpoint(address, options.port));
        server.start();
        std::cout << "listening on " << example::url_of(server.local_endpoint(), "http") << std::endl;

        std::vector<std::thread> threads;
        for (unsigned i = 1; i < options.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
        ioc.run();
        for (auto& t : threads) t.join();
        example::log_line("stopped");
        return 0;
    } catch (std::exception const& e) {
        std::cerr << argv[0] << ": " << e.what() << "\n";
        return 1;
    }
}
