// zerocopy/http/impl/read.hpp — reading a request with the framing checks.
#ifndef ZEROCOPY_HTTP_IMPL_READ_HPP
#define ZEROCOPY_HTTP_IMPL_READ_HPP

#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <string>

namespace zerocopy::http {
namespace detail {

// Reads stop growing the buffer here and let Beast's parser report its own header limit.
constexpr std::size_t max_raw_header = 64 * 1024;
constexpr std::size_t read_chunk = 4096;

// Where the header in `raw` ends (just past the empty line), or npos. Leading empty lines are
// not the end of a header.
inline std::size_t header_end(std::string const& raw) noexcept {
    std::size_t start = 0;
    while (true) {
        if (raw.compare(start, 2, "\r\n") == 0)
            start += 2;
        else if (raw.compare(start, 1, "\n") == 0)
            start += 1;
        else
            break;
    }
    for (std::size_t i = start; i < raw.size(); ++i) {
        if (raw[i] != '\n') continue;
        if (i + 1 < raw.size() && raw[i + 1] == '\n') return i + 2;
        if (i + 2 < raw.size() && raw[i + 1] == '\r' && raw[i + 2] == '\n') return i + 3;
    }
    return std::string::npos;
}

// Checks what is buffered: true when the header is complete (`ec` set on a defect).
template <class DynamicBuffer>
bool check_buffered_header(DynamicBuffer& buffer, boost::system::error_code& ec) {
    std::string const raw = boost::beast::buffers_to_string(buffer.data());
    std::size_t const end = header_end(raw);
    if (end == std::string::npos) return raw.size() >= max_raw_header;  // let Beast refuse it
    framing_error const e = check_request_header_bytes(std::string_view(raw).substr(0, end));
    if (e != framing_error::none) ec = e;
    return true;
}

template <class Stream, class DynamicBuffer, class Body, class Allocator>
class read_request_op {
    enum class step { start, reading, parsing, early };

public:
    read_request_op(Stream& s, DynamicBuffer& b, boost::beast::http::parser<true, Body, Allocator>& p)
        : stream_(s), buffer_(b), parser_(p) {}

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
        switch (step_) {
            case step::start:
                break;
            case step::early:
                return self.complete(ec_, 0);
            case step::reading:
                if (ec) return self.complete(ec, 0);
                buffer_.commit(n);
                did_io_ = true;
                break;
            case step::parsing:
                if (!ec) {
                    framing_error const e = check_request_framing(parser_.get().base());
                    if (e != framing_error::none) ec = e;
                }
                return self.complete(ec, n);
        }
        boost::system::error_code check;
        if (check_buffered_header(buffer_, check)) {
            if (check) {
                if (!did_io_) {
                    ec_ = check;
                    step_ = step::early;
                    return boost::asio::post(std::move(self));
                }
                return self.complete(check, 0);
            }
            step_ = step::parsing;
            BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::http::async_read_request"));
            return boost::beast::http::async_read(stream_, buffer_, parser_, std::move(self));
        }
        step_ = step::reading;
        BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::http::async_read_request"));
        stream_.async_read_some(buffer_.prepare(read_chunk), std::move(self));
    }

private:
    Stream& stream_;
    DynamicBuffer& buffer_;
    boost::beast::http::parser<true, Body, Allocator>& parser_;
    step step_ = step::start;
    bool did_io_ = false;
    boost::system::error_code ec_;
};

}  // namespace detail

template <class AsyncReadStream, class DynamicBuffer, class Body, class Allocator, class CompletionToken>
auto async_read_request(AsyncReadStream& stream, DynamicBuffer& buffer,
                        boost::beast::http::parser<true, Body, Allocator>& parser, CompletionToken&& token) {
    return boost::asio::async_compose<CompletionToken, void(boost::system::error_code, std::size_t)>(
        detail::read_request_op<AsyncReadStream, DynamicBuffer, Body, Allocator>(stream, buffer, parser), token,
        stream);
}

template <class SyncReadStream, class DynamicBuffer, class Body, class Allocator>
std::size_t read_request(SyncReadStream& stream, DynamicBuffer& buffer,
                         boost::beast::http::parser<true, Body, Allocator>& parser, boost::system::error_code& ec) {
    ec = {};
    for (;;) {
        boost::system::error_code check;
        if (detail::check_buffered_header(buffer, check)) {
            if (check) {
                ec = check;
                return 0;
            }
            break;
        }
        std::size_t const n = stream.read_some(buffer.prepare(detail::read_chunk), ec);
        if (ec) return 0;
        buffer.commit(n);
    }
    std::size_t const n = boost::beast::http::read(stream, buffer, parser, ec);
    if (!ec) {
        framing_error const e = check_request_framing(parser.get().base());
        if (e != framing_error::none) ec = e;
    }
    return n;
}

}  // namespace zerocopy::http

#endif
