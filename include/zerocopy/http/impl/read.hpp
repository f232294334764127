// zerocopy/http/impl/read.hpp — reading a request with the framing checks.
#ifndef ZEROCOPY_HTTP_IMPL_READ_HPP
#define ZEROCOPY_HTTP_IMPL_READ_HPP

#include <zerocopy/detail/immediate.hpp>

#include <boost/asio/compose.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <string>

namespace zerocopy::http {
namespace detail {

// The largest header checked (Beast's parser defaults to 8 KiB; a larger header_limit than this is
// capped here).
constexpr std::size_t max_raw_header = 64 * 1024;
constexpr std::size_t read_chunk = 4096;

// Collects the bytes of a request header as they arrive and finds its end, scanning each byte once
// (a client dribbling one byte per segment costs linear, not quadratic, work).
class header_scanner {
public:
    // Appends the last `n` bytes of `buffers` (all of them when n is npos).
    template <class ConstBufferSequence>
    void append(ConstBufferSequence const& buffers, std::size_t n = std::string::npos) {
        std::size_t const total = boost::asio::buffer_size(buffers);
        if (n > total) n = total;
        boost::beast::buffers_suffix<ConstBufferSequence> tail(buffers);
        tail.consume(total - n);
        std::size_t const old = raw_.size();
        raw_.resize(old + n);
        boost::asio::buffer_copy(boost::asio::buffer(&raw_[old], n), tail);
    }

    // True when the header is complete, with `ec` set when it has a framing defect; also true, with
    // `beast::http::error::header_limit`, when max_raw_header bytes hold no complete header.
    bool check(boost::system::error_code& ec) {
        std::size_t start = 0;  // leading empty lines do not end a header
        while (true) {
            if (raw_.compare(start, 2, "\r\n") == 0)
                start += 2;
            else if (raw_.compare(start, 1, "\n") == 0)
                start += 1;
            else
                break;
        }
        std::size_t i = scanned_ > start ? scanned_ : start;
        for (; i < raw_.size(); ++i) {
            if (raw_[i] != '\n') continue;
            std::size_t end = std::string::npos;
            if (i + 1 < raw_.size() && raw_[i + 1] == '\n')
                end = i + 2;
            else if (i + 2 < raw_.size() && raw_[i + 1] == '\r' && raw_[i + 2] == '\n')
                end = i + 3;
            else if (i + 2 >= raw_.size())
                break;  // the terminator may still be arriving: look here again next time
            if (end == std::string::npos) continue;
            framing_error const e = check_request_header_bytes(std::string_view(raw_).substr(0, end));
            if (e != framing_error::none) ec = e;
            return true;
        }
        scanned_ = i;
        if (raw_.size() < max_raw_header) return false;
        // Never hand Beast a header these checks have not seen whole.
        ec = boost::beast::http::error::header_limit;
        return true;
    }

private:
    std::string raw_;
    std::size_t scanned_ = 0;
};

// How much the next read may add to `buffer` (bounded buffers such as flat_static_buffer included).
template <class DynamicBuffer>
std::size_t read_room(DynamicBuffer const& buffer) {
    std::size_t const left = buffer.max_size() - buffer.size();
    return left < read_chunk ? left : read_chunk;
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
        if (step_ == step::start)
            scanner_.append(buffer_.data());
        else
            scanner_.append(buffer_.data(), n);
        boost::system::error_code check;
        if (scanner_.check(check)) {
            if (check) {
                if (!did_io_) {
                    ec_ = check;
                    step_ = step::early;
                    return zerocopy::detail::resume_immediately(self);
                }
                return self.complete(check, 0);
            }
            step_ = step::parsing;
            BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::http::async_read_request"));
            return boost::beast::http::async_read(stream_, buffer_, parser_, std::move(self));
        }
        std::size_t const room = read_room(buffer_);
        if (room == 0) {  // a bounded buffer full of an incomplete header
            if (!did_io_) {
                ec_ = boost::beast::http::error::header_limit;
                step_ = step::early;
                return zerocopy::detail::resume_immediately(self);
            }
            return self.complete(boost::beast::http::error::header_limit, 0);
        }
        step_ = step::reading;
        BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::http::async_read_request"));
        stream_.async_read_some(buffer_.prepare(room), std::move(self));
    }

private:
    Stream& stream_;
    DynamicBuffer& buffer_;
    boost::beast::http::parser<true, Body, Allocator>& parser_;
    step step_ = step::start;
    bool did_io_ = false;
    boost::system::error_code ec_;
    header_scanner scanner_;
};

}  // namespace detail

template <class AsyncReadStream, class DynamicBuffer, class Body, class Allocator, class CompletionToken>
auto async_read_request(AsyncReadStream& stream, DynamicBuffer& buffer,
                        boost::beast::http::parser<true, Body, Allocator>& parser, CompletionToken&& token) {
    return boost::asio::async_compose<CompletionToken, void(boost::system::error_code, std::size_t)>(
        detail::read_request_op<AsyncReadStream, DynamicBuffer, Body, Allocator>(stream, buffer, parser),
        token, stream);
}

template <class SyncReadStream, class DynamicBuffer, class Body, class Allocator>
std::size_t read_request(SyncReadStream& stream, DynamicBuffer& buffer,
                         boost::beast::http::parser<true, Body, Allocator>& parser,
                         boost::system::error_code& ec) {
    ec = {};
    detail::header_scanner scanner;
    scanner.append(buffer.data());
    for (;;) {
        boost::system::error_code check;
        if (scanner.check(check)) {
            if (check) {
                ec = check;
                return 0;
            }
            break;
        }
        std::size_t const room = detail::read_room(buffer);
        if (room == 0) {
            ec = boost::beast::http::error::header_limit;
            return 0;
        }
        std::size_t const n = stream.read_some(buffer.prepare(room), ec);
        if (ec) return 0;
        buffer.commit(n);
        scanner.append(buffer.data(), n);
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
