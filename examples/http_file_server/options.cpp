#include "options.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <thread>
#include <vector>

#if !defined(_WIN32)
#include <sys/resource.h>
#endif

namespace example {

namespace po = boost::program_options;

namespace {

zerocopy::send_mode parse_mode(std::string const& s) {
    if (s == "auto") return zerocopy::send_mode::automatic;
    if (s == "native") return zerocopy::send_mode::native;
    if (s == "buffered") return zerocopy::send_mode::buffered;
    throw po::validation_error(po::validation_error::invalid_option_value, "--mode", s);
}

void check_seconds(char const* name, double s) {
    if (!(s > 0) || !std::isfinite(s) || s > 86400 * 365)
        throw po::validation_error(po::validation_error::invalid_option_value, name, std::to_string(s));
}

// "br,zstd,gzip" (the default) or "none".
std::vector<zerocopy::http::content_coding> parse_precompressed(std::string const& s) {
    std::vector<zerocopy::http::content_coding> out;
    if (s == "none") return out;
    std::size_t start = 0;
    for (;;) {
        std::size_t const comma = s.find(',', start);
        std::string const name =
            s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        auto const c = zerocopy::http::parse_content_coding(name);
        if (!c || name == "x-gzip")
            throw po::error("--precompressed: unknown coding '" + name + "' (br, zstd, gzip, or none)");
        if (std::find(out.begin(), out.end(), *c) == out.end()) out.push_back(*c);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

void check_field_value(char const* name, std::string const& value) {
    if (!zerocopy::http::is_safe_field_value(value))
        throw po::error(std::string(name) + ": the value holds a control character (CR, LF, NUL, TAB...)");
}

// GLOB=VALUE, split at the first '='.
zerocopy::http::cache_control_rule parse_rule(std::string const& s) {
    auto const eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
        throw po::error("--cache-control-for: expected GLOB=VALUE, got '" + s + "'");
    zerocopy::http::cache_control_rule r{s.substr(0, eq), s.substr(eq + 1)};
    check_field_value("--cache-control-for", r.value);
    return r;
}

}  // namespace

std::optional<int> parse_options(int argc, char** argv, server_options& out, bool tls) {
    unsigned const hw = std::thread::hardware_concurrency();
    out.threads = hw == 0 ? 1 : hw;
    std::string mode = "auto";
    std::string precompressed = "br,zstd,gzip";
    std::vector<std::string> cache_rules;
    po::options_description desc("Options");
    // clang-format off
    desc.add_options()
        ("help,h", "print this help and exit")
        ("root", po::value(&out.root)->default_value(out.root), "directory to serve")
        ("address", po::value(&out.address)->default_value(out.address), "address to listen on (IPv4 or IPv6)")
        ("port", po::value(&out.port)->default_value(out.port), "port to listen on; 0 picks a free one")
        ("threads", po::value(&out.threads)->default_value(out.threads), "threads running the event loop")
        ("mode", po::value(&mode)->default_value(mode), "auto | native | buffered: how file bytes are sent")
        ("header-timeout", po::value(&out.header_timeout)->default_value(out.header_timeout),
            "seconds a request header may take to arrive (slowloris)")
        ("idle-timeout", po::value(&out.idle_timeout)->default_value(out.idle_timeout),
            "seconds a keep-alive connection may wait for its next request")
        ("send-timeout", po::value(&out.send_timeout)->default_value(out.send_timeout),
            "seconds a response may go without the client reading a byte")
        ("shutdown-timeout", po::value(&out.shutdown_timeout)->default_value(out.shutdown_timeout),
            "seconds in-flight responses get to finish after SIGINT/SIGTERM")
        ("max-header-bytes", po::value(&out.max_header_bytes)->default_value(out.max_header_bytes),
            "largest request header accepted; beyond it: 431")
        ("precompressed", po::value(&precompressed)->default_value(precompressed),
            "codings served from precompressed files beside the original (app.js.br, .zst, .gz), in this "
            "order of preference; 'none' disables")
        ("cache-control", po::value(&out.serve.cache_control),
            "Cache-Control value sent with 200, 206 and 304 file responses")
        ("cache-control-for", po::value(&cache_rules)->composing(),
            "GLOB=VALUE (repeatable): Cache-Control for files whose decoded path matches GLOB (* ** ? [..]; "
            "a GLOB without '/' matches the file name); the first matching rule wins over --cache-control")
        ("listing", po::bool_switch(&out.serve.listing.enabled),
            "list directories that have no index.html (HTML, or JSON for Accept: application/json)")
        ("listing-hidden", po::bool_switch(&out.serve.listing.show_hidden),
            "with --listing: also list names starting with '.'")
        ("quiet", po::bool_switch(&out.quiet), "no access log on stderr");
    // Issue 13: the open-file cache and the small-body path.
    desc.add_options()
        ("file-cache", po::value(&out.file_cache)->default_value(out.file_cache),
            "entries of the open-file cache (descriptors kept open, never stale: docs/http.md); 0 disables")
        ("small-body", po::value(&out.small_body)->default_value(out.small_body),
            "bodies up to this many bytes go with the header in one sendmsg after one non-blocking read; "
            "0 disables");
    // Issue 14: reads of cold file ranges off the event loop.
    desc.add_options()
        ("disk-threads", po::value(&out.disk_threads)->default_value(out.disk_threads),
            "threads that read file ranges not in the page cache, so that a cold file never blocks the "
            "event loop (Linux); 0 reads on the loop");
    if (tls) desc.add_options()
        ("cert", po::value(&out.cert), "PEM certificate chain (default: a generated self-signed one)")
        ("key", po::value(&out.key), "PEM private key of --cert");
    // clang-format on
    try {
        po::variables_map vm;
        po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
        if (vm.count("help")) {
            std::cout << "Usage: " << argv[0] << " [options]\n"
                      << "Serves the files under --root over HTTP" << (tls ? "S" : "")
                      << " (GET, HEAD, ranges, conditional requests, precompressed variants).\n"
                      << "Prints 'listening on " << (tls ? "https" : "http")
                      << "://ADDR:PORT/' on stdout once ready; logs go to stderr.\n\n"
                      << desc;
            return 0;
        }
        po::notify(vm);
        out.mode = parse_mode(mode);
        if (out.threads == 0) throw po::error("--threads must be at least 1");
        if (out.disk_threads > 256) throw po::error("--disk-threads must be at most 256");
        if (out.max_header_bytes < 256) throw po::error("--max-header-bytes must be at least 256");
        check_seconds("--header-timeout", out.header_timeout);
        check_seconds("--idle-timeout", out.idle_timeout);
        check_seconds("--send-timeout", out.send_timeout);
        check_seconds("--shutdown-timeout", out.shutdown_timeout);
        if (out.cert.empty() != out.key.empty()) throw po::error("--cert and --key go together");
        out.serve.precompressed = parse_precompressed(precompressed);
        check_field_value("--cache-control", out.serve.cache_control);
        for (auto const& r : cache_rules) out.serve.cache_control_rules.push_back(parse_rule(r));
    } catch (std::exception const& e) {
        std::cerr << argv[0] << ": " << e.what() << "\n(try --help)\n";
        return 2;
    }
    return std::nullopt;
}

std::string to_string(boost::asio::ip::tcp::endpoint const& ep) {
    auto const a = ep.address();
    std::string host = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
    return host + ":" + std::to_string(ep.port());
}

std::string url_of(boost::asio::ip::tcp::endpoint const& ep, std::string_view scheme) {
    return std::string(scheme) + "://" + to_string(ep) + "/";
}

std::chrono::steady_clock::duration seconds(double s) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

void log_line(std::string line) {
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stderr);  // stdio locks the stream for the call
}

void raise_fd_limit() {
#if !defined(_WIN32)  // Windows has no such limit on sockets
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }
#endif
}

// Issue 14: --disk-threads.
disk_threads::disk_threads(unsigned n) {
    if (n != 0) pool_.emplace(n);
}

void disk_threads::apply(zerocopy::sendfile_options& o) {
    o.off_loop_reads = pool_.has_value();
    if (pool_) o.disk_executor = pool_->get_executor();
}

}  // namespace example
