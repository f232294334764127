// options.hpp — the command line, limits and small helpers shared by the example servers.
#ifndef EXAMPLES_HTTP_FILE_SERVER_OPTIONS_HPP
#define EXAMPLES_HTTP_FILE_SERVER_OPTIONS_HPP

#include <zerocopy/http/serve_file.hpp>
#include <zerocopy/sendfile_options.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace example {

/// Everything the command line sets. Defaults are the documented ones (docs/examples.md).
struct server_options {
    std::string root = ".";
    std::string address = "127.0.0.1";
    unsigned short port = 8080;
    unsigned threads = 1;  // set to the hardware concurrency by parse_options
    zerocopy::send_mode mode = zerocopy::send_mode::automatic;
    double header_timeout = 10;    // seconds for a request header, from its first byte (slowloris)
    double idle_timeout = 30;      // seconds a keep-alive connection may wait for its next request
    double send_timeout = 30;      // seconds a response may go without the peer acknowledging a byte
    double shutdown_timeout = 10;  // seconds in-flight responses get after SIGINT/SIGTERM
    std::size_t max_header_bytes = 16 * 1024;  // beyond it: 431
    bool quiet = false;                        // no access log
    std::string cert, key;                     // TLS server only
    // What serve_file does: --precompressed, --cache-control, --cache-control-for, --listing.
    zerocopy::http::serve_options serve;
    // Issue 13: --file-cache N, entries of the document root's open-file cache (0: off).
    std::size_t file_cache = 1024;
    // Issue 13: --small-body N, sendfile_options::small_body_threshold (0: off).
    std::size_t small_body = 16 * 1024;
    // --disk-threads (issue 14): threads reading cold file ranges off the event loop; 0: on the loop.
    unsigned disk_threads = 2;
};

/// --disk-threads: the pool that reads cold file ranges off the event loop (none with 0), and the
/// transfer options that use it. Must outlive the io_context's transfers: construct it before the
/// io_context. Stops and joins its threads on destruction.
class disk_threads {
public:
    explicit disk_threads(unsigned n);
    disk_threads(disk_threads const&) = delete;
    disk_threads& operator=(disk_threads const&) = delete;

    /// Points `o` at the pool (off_loop_reads = false with 0 threads).
    void apply(zerocopy::sendfile_options& o);

private:
    std::optional<boost::asio::thread_pool> pool_;
};

/// Request bodies (which GET and HEAD never need) larger than this are refused with 413.
constexpr std::size_t max_body_bytes = 64 * 1024;

/// Parses argv into `out`. Returns an exit status when the program should stop at once (--help: 0,
/// a bad argument: 2, with a message on stderr), nothing when it should go on.
std::optional<int> parse_options(int argc, char** argv, server_options& out, bool tls = false);

/// "http://127.0.0.1:8080/", with IPv6 addresses in brackets.
std::string url_of(boost::asio::ip::tcp::endpoint const& ep, std::string_view scheme);

/// "127.0.0.1:8080" or "[::1]:8080".
std::string to_string(boost::asio::ip::tcp::endpoint const& ep);

/// Seconds (fractions allowed) as a steady_clock duration.
std::chrono::steady_clock::duration seconds(double s);

/// Writes one line to stderr in a single call, so lines from several threads never interleave.
void log_line(std::string line);

/// Raises the soft limit on open files to the hard limit (a server's connections are descriptors).
/// POSIX only: Windows has no such limit.
void raise_fd_limit();

}  // namespace example

#endif
