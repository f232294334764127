#include "http_common.hpp"

#include "options.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

#include <cstdio>

namespace example {

namespace bhttp = boost::beast::http;
namespace zhttp = zerocopy::http;

std::optional<zhttp::file_response> refusal_for(boost::system::error_code const& ec,
                                                bhttp::request_header<> const& req) {
    std::optional<zhttp::file_response> res;
    if (zhttp::framing_error_of(ec) != zhttp::framing_error::none)
        res = zhttp::make_framing_error_response(zhttp::framing_error_of(ec), req);
    else if (ec == bhttp::error::header_limit)
        res = zhttp::make_error_response(bhttp::status::request_header_fields_too_large, req);
    else if (ec == bhttp::error::body_limit)
        res = zhttp::make_error_response(bhttp::status::payload_too_large, req);
    else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
             ec != bhttp::error::partial_message)
        res = zhttp::make_error_response(bhttp::status::bad_request, req);  // Beast could not parse it
    if (res) {
        res->keep_alive(false);
        if (req.version() != 10) res->version(11);  // the request line may not have been read at all
    }
    return res;
}

bool is_client_gone(boost::system::error_code const& ec) {
    return ec == bhttp::error::end_of_stream || ec == boost::asio::error::eof ||
           ec == boost::asio::error::connection_reset;
}

std::string request_line(bhttp::request_header<> const& req) {
    if (req.method_string().empty()) return "-";
    return std::string(req.method_string()) + " " + std::string(req.target()) + " HTTP/" +
           std::to_string(req.version() / 10) + "." + std::to_string(req.version() % 10);
}

void log_access(std::string const& peer, std::string const& request, unsigned status, std::size_t bytes,
                std::chrono::steady_clock::duration duration, boost::system::error_code const& ec,
                boost::system::error_code const& cause) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3fms", std::chrono::duration<double, std::milli>(duration).count());
    std::string line =
        peer + " \"" + request + "\" " + std::to_string(status) + " " + std::to_string(bytes) + " " + ms;
    if (cause && status >= 400) line += " cause=\"" + cause.message() + "\"";
    if (ec) line += " (incomplete: " + ec.message() + ")";
    log_line(std::move(line));
}

}  // namespace example
