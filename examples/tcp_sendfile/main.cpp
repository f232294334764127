// tcp_sendfile — the smallest honest use of zerocopy::async_sendfile: a file sent over raw TCP.
//
//   tcp_sendfile serve --file F [--address A] [--port N] [--mode auto|native|buffered]
//       sends the whole file to every client that connects, then closes; prints
//       "listening on ADDR:PORT" on stdout, one line per transfer on stderr; stops on SIGINT/SIGTERM.
//   tcp_sendfile fetch --to HOST:PORT [--out F|-]
//       receives until the sender closes; prints bytes, seconds and throughput on stderr.
#include <zerocopy/async_sendfile.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/program_options.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace asio = boost::asio;
namespace po = boost::program_options;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

std::string endpoint_string(tcp::endpoint const& ep) {
    auto const a = ep.address();
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

void report(char const* what, std::uint64_t bytes, clock_type::duration d, std::string const& detail) {
    double const secs = std::chrono::duration<double>(d).count();
    std::fprintf(stderr, "%s %llu bytes in %.3f s (%.1f MiB/s)%s\n", what,
                 static_cast<unsigned long long>(bytes), secs,
                 secs > 0 ? static_cast<double>(bytes) / secs / (1 << 20) : 0.0, detail.c_str());
}

// One client: the whole file, then a clean close so the receiver sees the end.
asio::awaitable<void> send_to(tcp::socket socket, int file, zerocopy::sendfile_options options) {
    auto const t0 = clock_type::now();
    auto [ec, sent] =
        co_await zerocopy::async_sendfile(socket, file, 0, zerocopy::to_end, options, use_tuple);
    report("sent", sent, clock_type::now() - t0, ec ? " — " + ec.message() : "");
    socket.shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> serve(tcp::acceptor& acceptor, int file, zerocopy::sendfile_options options) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec == asio::error::operation_aborted) co_return;
        if (ec) continue;  // e.g. out of descriptors for a moment
        asio::co_spawn(acceptor.get_executor(), send_to(std::move(socket), file, options), asio::detached);
    }
}

int run_serve(std::string const& path, std::string const& address, unsigned short port,
              std::string const& mode) {
    zerocopy::sendfile_options options;
    if (mode == "native")
        options.mode = zerocopy::send_mode::native;
    else if (mode == "buffered")
        options.mode = zerocopy::send_mode::buffered;
    else if (mode != "auto")
        throw po::error("--mode is auto, native or buffered");
    int const file = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file < 0) throw std::system_error(errno, std::generic_category(), "open " + path);

    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address(address), port));
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code, int) { ioc.stop(); });
    asio::co_spawn(ioc, serve(acceptor, file, options), asio::detached);
    std::cout << "listening on " << endpoint_string(acceptor.local_endpoint()) << std::endl;
    ioc.run();
    ::close(file);
    return 0;
}

int run_fetch(std::string const& to, std::string const& out) {
    auto const colon = to.rfind(':');
    if (colon == std::string::npos) throw po::error("--to is HOST:PORT");
    std::string host = to.substr(0, colon);
    if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
    int const fd = out == "-" ? 1 : ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + out);

    asio::io_context ioc;
    tcp::socket socket(ioc);
    tcp::resolver resolver(ioc);
    asio::connect(socket, resolver.resolve(host, to.substr(colon + 1)));
    auto const t0 = clock_type::now();
    std::vector<char> buf(256 * 1024);
    std::uint64_t total = 0;
    boost::system::error_code ec;
    for (;;) {
        std::size_t const n = socket.read_some(asio::buffer(buf), ec);
        for (std::size_t done = 0; done < n;) {
            ssize_t const w = ::write(fd, buf.data() + done, n - done);
            if (w < 0) throw std::system_error(errno, std::generic_category(), "write " + out);
            done += static_cast<std::size_t>(w);
        }
        total += n;
        if (ec) break;
    }
    report("received", total, clock_type::now() - t0, ec == asio::error::eof ? "" : " — " + ec.message());
    if (fd != 1) ::close(fd);
    return ec == asio::error::eof ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::string command = argc > 1 ? argv[1] : "";
    std::string file, address = "127.0.0.1", mode = "auto", to, out = "-";
    unsigned short port = 9000;
    po::options_description desc(
        "Usage: tcp_sendfile serve --file F [--port N] | fetch --to HOST:PORT [--out F|-]");
    // clang-format off
    desc.add_options()
        ("help,h", "print this help")
        ("file", po::value(&file), "serve: the file to send to every client")
        ("address", po::value(&address)->default_value(address), "serve: address to listen on")
        ("port", po::value(&port)->default_value(port), "serve: port to listen on (0: any free one)")
        ("mode", po::value(&mode)->default_value(mode), "serve: auto | native | buffered")
        ("to", po::value(&to), "fetch: HOST:PORT to receive from")
        ("out", po::value(&out)->default_value(out), "fetch: file to write, or - for stdout");
    // clang-format on
    try {
        po::variables_map vm;
        if (argc > 1) po::store(po::parse_command_line(argc - 1, argv + 1, desc), vm);
        if (vm.count("help") || (command != "serve" && command != "fetch")) {
            std::cout << desc;
            return vm.count("help") ? 0 : 2;
        }
        po::notify(vm);
        if (command == "serve") {
            if (file.empty()) throw po::error("serve needs --file");
            return run_serve(file, address, port, mode);
        }
        if (to.empty()) throw po::error("fetch needs --to");
        return run_fetch(to, out);
    } catch (std::exception const& e) {
        std::cerr << "tcp_sendfile: " << e.what() << "\n";
        return 1;
    }
}
