//
// zerocopy/detail/stream_traits.hpp — what a stream type offers the operation.
//
// stream_traits<S>::kind says which driver a stream gets (see detail::stream_kind). For every
// kind but `generic` the traits also give:
//   - `socket_type`: the lowest layer, a socket or descriptor (for beast::basic_stream, its socket());
//   - `lowest(s)`: that object, whose native_handle() the native primitive writes to (the driver
//     reads it anew at every step, so a closed stream yields an invalid handle, never a reused
//     number) and whose async_wait waits for writability;
//   - `wait_write`: the wait type to pass to that async_wait.
//
#ifndef ZEROCOPY_DETAIL_STREAM_TRAITS_HPP
#define ZEROCOPY_DETAIL_STREAM_TRAITS_HPP

#include <zerocopy/detail/sendfile_fsm.hpp>

#include <boost/asio/basic_stream_socket.hpp>
#if defined(BOOST_ASIO_HAS_POSIX_STREAM_DESCRIPTOR)
#include <boost/asio/posix/basic_stream_descriptor.hpp>
#endif

#include <type_traits>
#include <utility>

namespace zerocopy {
namespace detail {

template <class Stream, class = void>
struct stream_traits {
    static constexpr stream_kind kind = stream_kind::generic;
};

template <class Protocol, class Executor>
struct stream_traits<boost::asio::basic_stream_socket<Protocol, Executor>> {
    static constexpr stream_kind kind = stream_kind::socket;
    using socket_type = boost::asio::basic_stream_socket<Protocol, Executor>;
    static constexpr auto wait_write = boost::asio::socket_base::wait_write;
    static socket_type& lowest(socket_type& s) noexcept { return s; }
};

#if defined(BOOST_ASIO_HAS_POSIX_STREAM_DESCRIPTOR)
template <class Executor>
struct stream_traits<boost::asio::posix::basic_stream_descriptor<Executor>> {
    static constexpr stream_kind kind = stream_kind::descriptor;
    using socket_type = boost::asio::posix::basic_stream_descriptor<Executor>;
    static constexpr auto wait_write = boost::asio::posix::descriptor_base::wait_write;
    static socket_type& lowest(socket_type& s) noexcept { return s; }
};
#endif

// A stream with its own timer around a stream socket, recognised by its shape so that this
// header needs no Beast include: beast::basic_stream has socket() and expires_never().
// Not on Windows: TransmitFile cannot wait under Beast's timer (Beast 1.81 exposes neither
// the expiry nor a way to cancel on it), so there beast::basic_stream is a generic stream
// and takes the buffered path through its own async_write_some, timer included.
#if !defined(_WIN32)
template <class T, class = void>
struct is_stream_socket : std::false_type {};
template <class Protocol, class Executor>
struct is_stream_socket<boost::asio::basic_stream_socket<Protocol, Executor>> : std::true_type {};

template <class Stream>
struct stream_traits<
    Stream,
    std::enable_if_t<is_stream_socket<std::decay_t<decltype(std::declval<Stream&>().socket())>>::value,
                     std::void_t<decltype(std::declval<Stream&>().expires_never())>>> {
    static constexpr stream_kind kind = stream_kind::timed_socket;
    using socket_type = std::decay_t<decltype(std::declval<Stream&>().socket())>;
    static constexpr auto wait_write = boost::asio::socket_base::wait_write;
    static socket_type& lowest(Stream& s) noexcept { return s.socket(); }
};
#endif

}  // namespace detail
}  // namespace zerocopy

#endif
