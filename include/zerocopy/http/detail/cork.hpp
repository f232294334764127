// zerocopy/http/detail/cork.hpp — holding a TCP socket's partial frames while a response is sent, so the
// header leaves in the same segment as the start of the body (Linux TCP_CORK; a no-op elsewhere).
#ifndef ZEROCOPY_HTTP_DETAIL_CORK_HPP
#define ZEROCOPY_HTTP_DETAIL_CORK_HPP

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <type_traits>
#include <utility>

namespace zerocopy::http::detail {

/// Sets TCP_CORK on `fd` unless it is already set; returns true when this call set it.
bool cork(int fd) noexcept;
/// Clears TCP_CORK on `fd`, pushing out any partial frame at once.
void uncork(int fd) noexcept;

// The descriptor of the TCP socket under a stream, read anew on each call (-1 when there is none or
// it is closed): a tcp socket itself, a stream with socket() (beast::basic_stream), or a layered stream
// with next_layer() (ssl::stream).
template <class T, class = void>
struct has_socket : std::false_type {};
template <class T>
struct has_socket<T, std::void_t<decltype(std::declval<T&>().socket())>> : std::true_type {};
template <class T, class = void>
struct has_next_layer : std::false_type {};
template <class T>
struct has_next_layer<T, std::void_t<decltype(std::declval<T&>().next_layer())>> : std::true_type {};

template <class Executor>
int tcp_handle(boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>& s) noexcept {
    return s.is_open() ? static_cast<int>(s.native_handle()) : -1;
}

template <class Stream>
int tcp_handle(Stream& s) noexcept {
    if constexpr (has_socket<Stream>::value)
        return tcp_handle(s.socket());
    else if constexpr (has_next_layer<Stream>::value)
        return tcp_handle(s.next_layer());
    else
        return -1;
}

// Corks a stream's TCP socket for the lifetime of a response; uncorks (re-reading the socket, which
// may have been closed meanwhile) on release(). The destructor releases too, unless the guard belongs
// to an asynchronous operation: one destroyed without completing (its io_context torn down) may
// outlive the stream, which must not be touched then.
template <class Stream>
class cork_guard {
public:
    explicit cork_guard(bool release_on_destroy) noexcept : release_on_destroy_(release_on_destroy) {}
    cork_guard(cork_guard const&) = delete;
    cork_guard& operator=(cork_guard const&) = delete;
    ~cork_guard() {
        if (release_on_destroy_) release();
    }

    void engage(Stream& s) noexcept {
        int const fd = tcp_handle(s);
        if (fd >= 0 && cork(fd)) stream_ = &s;
    }
    void release() noexcept {
        if (!stream_) return;
        int const fd = tcp_handle(*stream_);
        if (fd >= 0) uncork(fd);
        stream_ = nullptr;
    }

private:
    Stream* stream_ = nullptr;
    bool release_on_destroy_;
};

}  // namespace zerocopy::http::detail

#endif
