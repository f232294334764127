// zerocopy/http/impl/write.hpp — the operation behind zerocopy::http::async_write and write.
#ifndef ZEROCOPY_HTTP_IMPL_WRITE_HPP
#define ZEROCOPY_HTTP_IMPL_WRITE_HPP

#include <zerocopy/http/detail/cork.hpp>

#include <zerocopy/detail/immediate.hpp>

#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/http/basic_file_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace zerocopy::http {
namespace detail {

// One piece of a body as the writer sees it: memory bytes, then a file range.
struct piece_view {
    std::string_view prefix;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

// Bodies whose file part can go through sendfile.
template <class Body, class = void>
struct zerocopy_body : std::false_type {};

template <class File>
struct zerocopy_body<boost::beast::http::basic_file_body<File>, std::enable_if_t<is_file_object_v<File>>>
    : std::true_type {
    using value_type = typename boost::beast::http::basic_file_body<File>::value_type;
    static std::size_t count(value_type const&) noexcept { return 1; }
    static piece_view piece(value_type const& b, std::size_t) noexcept { return {{}, 0, b.size()}; }
    static native_file_handle handle(value_type& b) { return native_file_handle_of(b.file()); }
    static std::optional<inspected_file> inspection(value_type const&) noexcept { return std::nullopt; }
    // Where the body starts in its file, read once when the write starts. Since Boost 1.82 Beast
    // sends a file body from the file's position (value_type::seek); before, from offset 0.
    static std::uint64_t start(value_type& b, boost::system::error_code& ec) {
#if ZEROCOPY_BEAST_FILE_BODY_HAS_POSITION
        return b.file().pos(ec);
#else
        (void)b;
        ec = {};
        return 0;
#endif
    }
};

template <>
struct zerocopy_body<range_body> : std::true_type {
    using value_type = range_body::value_type;
    static std::size_t count(value_type const& b) noexcept { return b.pieces().size(); }
    static piece_view piece(value_type const& b, std::size_t i) noexcept {
        auto const& p = b.pieces()[i];
        return {p.prefix, p.offset, p.length};
    }
    static native_file_handle handle(value_type& b) { return b.native_handle(); }
    // Issue 13: serve_file's bodies carry the resolver's inspection: the core does not check again.
    static std::optional<inspected_file> inspection(value_type const& b) noexcept { return b.inspection(); }
    static std::uint64_t start(value_type&, boost::system::error_code& ec) {
        ec = {};
        return 0;  // piece offsets are absolute
    }
};

template <class Fields>
struct is_basic_fields : std::false_type {};
template <class A>
struct is_basic_fields<boost::beast::http::basic_fields<A>> : std::true_type {};

template <class Bytes>
void append(Bytes& out, std::string_view s) {
    out.insert(out.end(), s.begin(), s.end());
}

// Appends the bytes Beast's serializer writes for a header with basic_fields — the start line, each
// field as "name: value\r\n" in order, an empty line — without the serializer: it costs about 5,000
// instructions to produce ~200 bytes through its buffer-sequence views, this a copy per field.
template <bool isRequest, class A, class Bytes>
void format_header(boost::beast::http::header<isRequest, boost::beast::http::basic_fields<A>> const& h,
                   Bytes& out) {
    std::size_t size = 32;
    for (auto const& f : h) size += f.name_string().size() + f.value().size() + 4;
    char const version[] = {'H', 'T',
                            'T', 'P',
                            '/', static_cast<char>('0' + h.version() / 10 % 10),
                            '.', static_cast<char>('0' + h.version() % 10)};
    if constexpr (isRequest) {
        auto const method = h.method_string();
        auto const target = h.target();
        out.reserve(out.size() + size + method.size() + target.size());
        append(out, std::string_view(method.data(), method.size()));
        append(out, " ");
        append(out, std::string_view(target.data(), target.size()));
        append(out, " ");
        append(out, std::string_view(version, sizeof version));
    } else {
        auto const reason = h.reason();
        out.reserve(out.size() + size + reason.size());
        unsigned const code = h.result_int();
        char const status[] = {' ', static_cast<char>('0' + code / 100 % 10),
                               static_cast<char>('0' + code / 10 % 10), static_cast<char>('0' + code % 10),
                               ' '};
        append(out, std::string_view(version, sizeof version));
        append(out, std::string_view(status, sizeof status));
        append(out, std::string_view(reason.data(), reason.size()));
    }
    append(out, "\r\n");
    for (auto const& f : h) {
        append(out, std::string_view(f.name_string().data(), f.name_string().size()));
        append(out, ": ");
        append(out, std::string_view(f.value().data(), f.value().size()));
        append(out, "\r\n");
    }
    append(out, "\r\n");
}

// Whether a message goes through this writer: a body with a file part, and basic_fields (whose
// bytes format_header writes). Any other Fields type is Beast's to serialize, and the whole message
// then goes through Beast's writer (beast::http::async_write / write), as every other body does.
template <class Body, class Fields>
inline constexpr bool uses_zerocopy_writer = zerocopy_body<Body>::value&& is_basic_fields<Fields>::value;

// One step of a response, the same for both writers: `head` (memory bytes: the header and the
// first piece's prefix the first time, a piece's prefix after that), then the file range
// [offset, offset + length) of the body's file, if any. A step with a range goes through
// (async_)sendfile_with_head, so the head leaves as the machine decides (MSG_MORE, TransmitFile's
// head) and is not sent when the range already ends past the file; one without is written whole.
struct write_step {
    boost::asio::const_buffer head;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

// Where a response stands: which piece is next, and whether the header went with a step yet.
template <class Traits>
class write_plan {
public:
    // Corked for the whole response only when several ranges follow one another (multipart): the
    // boundaries between them and the closing one must not leave in segments of their own. One range
    // needs no cork: its head goes with MSG_MORE just before the file's first bytes.
    template <class Value>
    static bool corks(Value const& body) noexcept {
        return Traits::count(body) > 1;
    }

    // The next step, false when the message is complete. `header` holds the header's bytes; the first
    // piece's prefix is appended to it once, and it is not changed after that (the steps point into it).
    template <class Value, class Bytes>
    bool next(Value const& body, Bytes& header, write_step& step) {
        for (std::size_t const count = Traits::count(body); piece_ < count || !header_sent_;) {
            piece_view const p = piece_ < count ? Traits::piece(body, piece_) : piece_view{};
            ++piece_;
            boost::asio::const_buffer head(p.prefix.data(), p.prefix.size());
            if (!header_sent_) {
                // The header goes out even when the body has no piece at all (HEAD, 304).
                header_sent_ = true;
                header.insert(header.end(), p.prefix.begin(), p.prefix.end());
                head = boost::asio::buffer(header.data(), header.size());
            }
            if (p.length != 0 || head.size() != 0) {
                step.head = head;
                step.offset = p.offset;
                step.length = p.length;
                return true;
            }
        }
        return false;
    }

private:
    std::size_t piece_ = 0;
    bool header_sent_ = false;
};

// The asynchronous writer: the header formatted once into the head of the first step (as Beast's
// serializer would write it: the operation keeps no serializer and no writer buffer while the body
// is sent), then write_plan's steps. Cancellation is checked between steps.
template <class Stream, bool isRequest, class Body, class Fields, class Allocator>
class write_op {
    using message_type = boost::beast::http::message<isRequest, Body, Fields>;
    using traits = zerocopy_body<Body>;
    using byte_allocator = typename std::allocator_traits<Allocator>::template rebind_alloc<char>;

    struct state {
        explicit state(Allocator const& a) : head(byte_allocator(a)) {}
        std::vector<char, byte_allocator> head;  // header bytes + the first piece's prefix
        cork_guard<Stream> cork{false};          // released in finish()
    };

    enum class step { start, beast_fallback, send, early_error };

public:
    write_op(Stream& stream, message_type& msg, sendfile_options const& options, std::size_t written)
        : stream_(stream), msg_(msg), options_(options), bytes_(written), skip_(written) {}

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::uint64_t n = 0) {
        switch (step_) {
            case step::start:
                // Terminal and partial cancellation reach the intermediate operations; total does not
                // (once the header is on the wire the operation has side effects).
                self.reset_cancellation_state(boost::asio::enable_partial_cancellation());
                if (msg_.chunked()) {
                    BOOST_ASSERT_MSG(skip_ == 0, "try_write writes nothing of a chunked message");
                    step_ = step::beast_fallback;
                    BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::http::async_write"));
                    return boost::beast::http::async_write(stream_, msg_, std::move(self));
                }
                // The head lives on the heap, allocated with the handler's associated allocator
                // and freed before the handler runs.
                st_ = std::allocate_shared<state>(boost::asio::get_associated_allocator(self),
                                                  boost::asio::get_associated_allocator(self));
                format_header(msg_.base(), st_->head);
                base_ = traits::start(msg_.body(), ec);
                if (ec) {
                    // Nothing happened yet: complete through the executor, never from the initiator.
                    ec_ = ec;
                    step_ = step::early_error;
                    return zerocopy::detail::resume_immediately(self);
                }
                if (plan_.corks(msg_.body())) st_->cork.engage(stream_);
                step_ = step::send;
                break;

            case step::beast_fallback:
                return self.complete(ec, static_cast<std::size_t>(n));

            case step::early_error:
                return finish(self, ec_);

            case step::send:
                waited_ = true;
                bytes_ += static_cast<std::size_t>(n);
                if (ec) return finish(self, ec);
                // A cancellation that arrived as a step completed successfully still stops here.
                if (self.cancelled() != boost::asio::cancellation_type::none)
                    return finish(self, boost::asio::error::operation_aborted);
                break;
        }
        write_step s;
        do {
            if (plan_.next(msg_.body(), st_->head, s)) continue;
            if (waited_) return finish(self, {});
            // All of it was written by try_write: complete through the executor, never from the
            // initiator.
            ec_ = {};
            step_ = step::early_error;
            return zerocopy::detail::resume_immediately(self);
        } while (!skip(s));
        BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::http::async_write"));
        if (s.length != 0) {
            if (auto const inspected = traits::inspection(msg_.body()))  // issue 13
                return zerocopy::detail::async_sendfile_with_head(
                    stream_, s.head, *inspected, base_ + s.offset, s.length, options_, std::move(self));
            return zerocopy::detail::async_sendfile_with_head(stream_, s.head, traits::handle(msg_.body()),
                                                              base_ + s.offset, s.length, options_,
                                                              std::move(self));
        }
        boost::asio::async_write(stream_, s.head, std::move(self));
    }

private:
    // Drops from `s` what try_write handed to the stream already (async_write_rest); false when
    // nothing of the step is left to write.
    bool skip(write_step& s) noexcept {
        std::size_t const h = std::min(skip_, s.head.size());
        s.head += h;
        skip_ -= h;
        std::uint64_t const f = std::min<std::uint64_t>(skip_, s.length);
        s.offset += f;
        s.length -= f;
        skip_ -= static_cast<std::size_t>(f);
        return s.head.size() != 0 || s.length != 0;
    }

    template <class Self>
    void finish(Self& self, boost::system::error_code ec) {
        if (st_) st_->cork.release();
        st_.reset();
        self.complete(ec, bytes_);
    }

    Stream& stream_;
    message_type& msg_;
    sendfile_options options_;
    std::shared_ptr<state> st_;
    write_plan<traits> plan_;
    step step_ = step::start;
    bool waited_ = false;     // an intermediate operation completed: the handler may run directly
    std::size_t bytes_;       // handed to the stream, try_write's included
    std::size_t skip_;        // what try_write wrote, still to be skipped
    std::uint64_t base_ = 0;  // traits::start: where the body's offsets begin in the file
    boost::system::error_code ec_;
};

// Creates the operation once the handler is known: its state is allocated with the handler's
// associated allocator. Exposes the stream's executor (for asio::cancel_after, Boost 1.86+).
template <class Stream>
class initiate_write {
public:
    using executor_type = typename Stream::executor_type;

    explicit initiate_write(Stream& stream) noexcept : stream_(stream) {}

    executor_type get_executor() const noexcept { return stream_.get_executor(); }

    template <class Handler, bool isRequest, class Body, class Fields>
    void operator()(Handler&& handler, boost::beast::http::message<isRequest, Body, Fields>* msg,
                    sendfile_options const& options, std::size_t written) const {
        using handler_type = std::decay_t<Handler>;
        using allocator_type = boost::asio::associated_allocator_t<handler_type>;
        boost::asio::async_compose<handler_type, void(boost::system::error_code, std::size_t)>(
            write_op<Stream, isRequest, Body, Fields, allocator_type>(stream_, *msg, options, written),
            handler, stream_);
    }

private:
    Stream& stream_;
};

}  // namespace detail

template <class AsyncWriteStream, bool isRequest, class Body, class Fields, class CompletionToken>
auto async_write_rest(AsyncWriteStream& stream, boost::beast::http::message<isRequest, Body, Fields>& msg,
                      sendfile_options const& options, std::size_t written, CompletionToken&& token) {
    if constexpr (detail::uses_zerocopy_writer<Body, Fields>) {
        return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::size_t)>(
            detail::initiate_write<AsyncWriteStream>(stream), token, &msg, options, written);
    } else {
        BOOST_ASSERT_MSG(written == 0, "try_write writes nothing of a message Beast serializes");
        return boost::beast::http::async_write(stream, msg, std::forward<CompletionToken>(token));
    }
}

template <class AsyncWriteStream, bool isRequest, class Body, class Fields, class CompletionToken,
          std::enable_if_t<!std::is_same_v<std::decay_t<CompletionToken>, sendfile_options>, int>>
auto async_write(AsyncWriteStream& stream, boost::beast::http::message<isRequest, Body, Fields>& msg,
                 sendfile_options const& options, CompletionToken&& token) {
    return zerocopy::http::async_write_rest(stream, msg, options, 0, std::forward<CompletionToken>(token));
}

template <class SyncWriteStream, bool isRequest, class Body, class Fields>
std::size_t try_write(SyncWriteStream& stream, boost::beast::http::message<isRequest, Body, Fields>& msg,
                      sendfile_options const& options, boost::system::error_code& ec) {
    ec = boost::asio::error::would_block;  // until something is attempted
    if constexpr (detail::uses_zerocopy_writer<Body, Fields> &&
                  zerocopy::detail::stream_traits<SyncWriteStream>::kind ==
                      zerocopy::detail::stream_kind::socket) {
        using traits = detail::zerocopy_body<Body>;
        if (msg.chunked() || detail::write_plan<traits>::corks(msg.body())) return 0;
        ec = {};
        std::uint64_t const base = traits::start(msg.body(), ec);
        if (ec) return 0;
        std::string head;
        detail::format_header(msg.base(), head);
        detail::write_plan<traits> plan;
        detail::write_step s;
        std::size_t bytes = 0;
        while (!ec && plan.next(msg.body(), head, s)) {
            if (s.length == 0) {  // memory only: as much as the socket takes now
                for (std::size_t k = 0; !ec && k < s.head.size();) {
                    std::size_t const n = stream.write_some(s.head + k, ec);
                    k += n;
                    bytes += n;
                }
                continue;
            }
            std::optional<std::uint64_t> size;
            if (auto const inspected = traits::inspection(msg.body())) size = inspected->size();
            bytes += static_cast<std::size_t>(zerocopy::detail::try_sendfile_with_head(
                stream, s.head, traits::handle(msg.body()), base + s.offset, s.length, options, ec, size));
        }
        if (ec == boost::asio::error::try_again) ec = boost::asio::error::would_block;
        return bytes;
    } else {
        (void)stream;
        (void)msg;
        (void)options;
        return 0;
    }
}

template <class AsyncWriteStream, bool isRequest, class Body, class Fields, class CompletionToken,
          std::enable_if_t<!std::is_same_v<std::decay_t<CompletionToken>, sendfile_options>, int>>
auto async_write(AsyncWriteStream& stream, boost::beast::http::message<isRequest, Body, Fields>& msg,
                 CompletionToken&& token) {
    return zerocopy::http::async_write(stream, msg, sendfile_options{}, std::forward<CompletionToken>(token));
}

template <class SyncWriteStream, bool isRequest, class Body, class Fields>
std::size_t write(SyncWriteStream& stream, boost::beast::http::message<isRequest, Body, Fields>& msg,
                  sendfile_options const& options, boost::system::error_code& ec) {
    if constexpr (!detail::uses_zerocopy_writer<Body, Fields>) {
        return boost::beast::http::write(stream, msg, ec);
    } else {
        // The asynchronous writer's algorithm, step for step (write_plan), with the blocking twins.
        using traits = detail::zerocopy_body<Body>;
        if (msg.chunked()) return boost::beast::http::write(stream, msg, ec);
        std::string head;
        detail::format_header(msg.base(), head);
        std::uint64_t const base = traits::start(msg.body(), ec);
        if (ec) return 0;
        detail::write_plan<traits> plan;
        detail::cork_guard<SyncWriteStream> cork(true);
        if (plan.corks(msg.body())) cork.engage(stream);
        std::size_t bytes = 0;
        detail::write_step s;
        while (!ec && plan.next(msg.body(), head, s)) {
            if (s.length != 0) {
                std::optional<inspected_file> const inspected = traits::inspection(msg.body());  // issue 13
                std::optional<std::uint64_t> size;
                if (inspected) size = inspected->size();
                bytes += static_cast<std::size_t>(
                    zerocopy::detail::sendfile_with_head(stream, s.head, traits::handle(msg.body()),
                                                         base + s.offset, s.length, options, ec, size));
            } else
                bytes += boost::asio::write(stream, s.head, ec);
        }
        return bytes;
    }
}

template <class SyncWriteStream, bool isRequest, class Body, class Fields>
std::size_t write(SyncWriteStream& stream, boost::beast::http::message<isRequest, Body, Fields>& msg,
                  boost::system::error_code& ec) {
    return zerocopy::http::write(stream, msg, sendfile_options{}, ec);
}

template <class SyncWriteStream, bool isRequest, class Body, class Fields>
std::size_t write(SyncWriteStream& stream, boost::beast::http::message<isRequest, Body, Fields>& msg) {
    boost::system::error_code ec;
    std::size_t const n = zerocopy::http::write(stream, msg, ec);
    if (ec) throw boost::system::system_error(ec, "zerocopy::http::write");
    return n;
}

}  // namespace zerocopy::http

#endif
