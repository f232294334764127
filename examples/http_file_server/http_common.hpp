// http_common.hpp — the HTTP pieces the example servers share: answering a request that could not
// be read, and the access-log line.
#ifndef EXAMPLES_HTTP_FILE_SERVER_HTTP_COMMON_HPP
#define EXAMPLES_HTTP_FILE_SERVER_HTTP_COMMON_HPP

#include <zerocopy/http.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace example {

/** The answer to a request whose reading failed with `ec`: 400/501 for a framing defect, 431 over
    the header limit, 413 over the body limit, 400 for what Beast cannot parse. Nothing when there is
    nobody to answer (the client left, the read timed out or the network failed): just close.
    Every answer carries `Connection: close`.
*/
std::optional<zerocopy::http::file_response> refusal_for(boost::system::error_code const& ec,
                                                         boost::beast::http::request_header<> const& req);

/// Whether a read error only means that the client closed the connection between requests.
bool is_client_gone(boost::system::error_code const& ec);

/// `GET /path HTTP/1.1` (or `-` for a request line that could not be parsed).
std::string request_line(boost::beast::http::request_header<> const& req);

/** Logs one access-log line: peer, request line, status, bytes, duration; for a 4xx or 5xx answer
    the server produced itself, its `cause` (serve_file's error code, or the read's: a framing
    defect, a header over the limit...) as `cause="No such file or directory"`; and the write's
    error `ec`, if any, as `(incomplete: ...)`.
*/
void log_access(std::string const& peer, std::string const& request, unsigned status, std::size_t bytes,
                std::chrono::steady_clock::duration duration, boost::system::error_code const& ec,
                boost::system::error_code const& cause = {});

}  // namespace example

#endif
