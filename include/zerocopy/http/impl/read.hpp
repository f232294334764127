// zerocopy/http/impl/read.hpp — reading a request with the framing checks.
#ifndef ZEROCOPY_HTTP_IMPL_READ_HPP
#define ZEROCOPY_HTTP_IMPL_READ_HPP

#include <zerocopy/detail/immediate.hpp>

#include <boost/asio/compose.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/asio/error.hpp>
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

// The framing checks of a message Beast has parsed, applied once it is complete.
template <class Body, class Allocator>
void check_parsed(boost::beast::http::parser<true, Body, Allocator> const& parser,
                  boost::system::error_code& ec) {
    if (ec) return;
    framing_error const e = check_request_framing(parser.get().base());
    if (e != framing_error::none) ec = e;
}

// Parses what `buffer` holds into `parser`, as Beast's read does between two reads of the stream.
// True when the message is complete (then checked) or `ec` is set; false when more bytes must be
// read. `n` grows by the bytes the parser consumed.
template <class DynamicBuffer, class Body, class Allocator>
bool parse_buffered(DynamicBuffer& buffer, boost::beast::http::parser<true, Body, Allocator>& parser,
                    std::size_t& n, boost::system::error_code& ec) {
    while (!parser.is_done()) {
        if (buffer.size() == 0) return false;
        std::size_t const used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        n += used;
        if (ec == boost::beast::http::error::need_more) {
            ec = {};
            return false;
        }
        if (ec) return true;
        if (used == 0) return false;
    }
    check_parsed(parser, ec);
    return true;
}

// Reads from a synchronous stream until `buffer` holds a whole header that passed the raw-byte
// checks (`ec` clear), or fails (a framing defect, header_limit, the stream's error — would_block
// from a non-blocking stream among them).
template <class SyncReadStream, class DynamicBuffer>
void read_header(SyncReadStream& stream, DynamicBuffer& buffer, boost::system::error_code& ec) {
    ec = {};
    header_scanner scanner;
    scanner.append(buffer.data());
    for (;;) {
        if (scanner.check(ec)) return;
        std::size_t const room = read_room(buffer);
        if (room == 0) {
            ec = boost::beast::http::error::header_limit;
            return;
        }
        std::size_t const n = stream.read_some(buffer.prepare(room), ec);
        if (ec) return;
        buffer.commit(n);
        scanner.append(buffer.data(), n);
    }
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
                if (!parser_.is_header_done()) scanner_.append(buffer_.data());
                break;
            case step::early:
                return self.complete(ec_, n_);
            case step::reading:
                if (ec) return self.complete(ec, 0);
                buffer_.commit(n);
                did_io_ = true;
                if (!parser_.is_header_done()) scanner_.append(buffer_.data(), n);
                break;
            case step::parsing:  // Beast's async_read read the rest of the body
                check_parsed(parser_, ec);
                return self.complete(ec, n_ + n);
        }
        if (!parser_.is_header_done()) {
            boost::system::error_code check;
            if (!scanner_.check(check)) return read_more(self, read_room(buffer_));
            if (check) return complete(self, check);
        }
        // The whole header is buffered (and checked): parse what is here, then read the rest of the
        // body with Beast.
        boost::system::error_code parsed;
        if (parse_buffered(buffer_, parser_, n_, parsed)) return complete(self, parsed);
        step_ = step::parsing;
        BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::http::async_read_request"));
        boost::beast::http::async_read(stream_, buffer_, parser_, std::move(self));
    }

private:
    template <class Self>
    void read_more(Self& self, std::size_t room) {
        if (room == 0)
            return complete(self, boost::beast::http::error::header_limit);  // a full bounded buffer
        step_ = step::reading;
        BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::http::async_read_request"));
        stream_.async_read_some(buffer_.prepare(room), std::move(self));
    }

    // Completes at once after a read; without one, through the executor (never from the initiator).
    template <class Self>
    void complete(Self& self, boost::system::error_code ec) {
        if (did_io_) return self.complete(ec, n_);
        ec_ = ec;
        step_ = step::early;
        zerocopy::detail::resume_immediately(self);
    }

    Stream& stream_;
    DynamicBuffer& buffer_;
    boost::beast::http::parser<true, Body, Allocator>& parser_;
    step step_ = step::start;
    bool did_io_ = false;
    std::size_t n_ = 0;  // bytes the parser consumed from the buffer so far
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
std::size_t try_read_request(SyncReadStream& stream, DynamicBuffer& buffer,
                             boost::beast::http::parser<true, Body, Allocator>& parser,
                             boost::system::error_code& ec) {
    ec = {};
    if (!parser.is_header_done()) {
        detail::read_header(stream, buffer, ec);
        if (ec) return 0;
    }
    std::size_t n = 0;
    while (!detail::parse_buffered(buffer, parser, n, ec)) {
        // The body is still arriving: read what is there, as Beast's read would.
        std::size_t const room = boost::beast::read_size(buffer, 65536);
        if (room == 0) {
            ec = boost::beast::http::error::buffer_overflow;
            return n;
        }
        std::size_t const got = stream.read_some(buffer.prepare(room), ec);
        if (ec == boost::asio::error::eof) {
            ec = {};
            parser.put_eof(ec);  // a body cut short: Beast's partial_message
            if (!ec) detail::check_parsed(parser, ec);
            return n;
        }
        if (ec) return n;
        buffer.commit(got);
    }
    return n;
}

template <class SyncReadStream, class DynamicBuffer, class Body, class Allocator>
std::size_t read_request(SyncReadStream& stream, DynamicBuffer& buffer,
                         boost::beast::http::parser<true, Body, Allocator>& parser,
                         boost::system::error_code& ec) {
    detail::read_header(stream, buffer, ec);
    if (ec) return 0;
    std::size_t const n = boost::beast::http::read(stream, buffer, parser, ec);
    detail::check_parsed(parser, ec);
    return n;
}

}  // namespace zerocopy::http

#endif
