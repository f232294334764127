// The stream kinds: beast::tcp_stream (native through its socket, its expiry applies),
// local sockets and pipes (native), any other stream (buffered).
#include <zerocopy/async_sendfile.hpp>

#include "common/test_util.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/test/unit_test.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;
using namespace zerocopy_test;
using zerocopy::detail::stream_kind;
using zerocopy::detail::stream_traits;

static_assert(stream_traits<asio::ip::tcp::socket>::kind == stream_kind::socket);
static_assert(stream_traits<asio::local::stream_protocol::socket>::kind == stream_kind::socket);
static_assert(stream_traits<asio::posix::stream_descriptor>::kind == stream_kind::descriptor);
static_assert(stream_traits<beast::tcp_stream>::kind == stream_kind::timed_socket);
static_assert(stream_traits<beast::basic_stream<asio::ip::tcp, asio::any_io_executor,
                                                beast::simple_rate_policy>>::kind ==
              stream_kind::timed_socket);

namespace {

// A stream the library knows nothing about: forwards to a socket.
class opaque_stream {
public:
    using executor_type = asio::any_io_executor;
    explicit opaque_stream(asio::ip::tcp::socket& s) : s_(s) {}
    executor_type get_executor() { return s_.get_executor(); }
    template <class Buffers, class Token>
    auto async_write_some(Buffers const& b, Token&& t) {
        ++writes;
        return s_.async_write_some(b, std::forward<Token>(t));
    }
    template <class Buffers>
    std::size_t write_some(Buffers const& b, error_code& ec) {
        ++writes;
        return s_.write_some(b, ec);
    }
    template <class Buffers>
    std::size_t write_some(Buffers const& b) {
        ++writes;
        return s_.write_some(b);
    }
    int writes = 0;

private:
    asio::ip::tcp::socket& s_;
};
static_assert(stream_traits<opaque_stream>::kind == stream_kind::generic);

}  // namespace

BOOST_AUTO_TEST_CASE(beast_tcp_stream_native_byte_exact) {
    for (auto mode : {zerocopy::send_mode::native, zerocopy::send_mode::buffered}) {
        asio::io_context ioc;
        tcp_pair p(ioc);
        beast::tcp_stream s(std::move(p.a));
        temp_file f(8 << 20);
        receiver rx(p.b.native_handle(), 100);
        zerocopy::sendfile_options o;
        o.mode = mode;
        s.expires_after(std::chrono::seconds(30));
        error_code ec;
        std::uint64_t n = 0;
        zerocopy::async_sendfile(s, f.fd(), 100, (8 << 20) - 200, o, [&](error_code e, std::uint64_t k) {
            ec = e;
            n = k;
        });
        ioc.run();
        s.close();
        rx.join();
        BOOST_TEST(!ec);
        BOOST_TEST(n == (8u << 20) - 200);
        BOOST_TEST(rx.received() == n);
        BOOST_TEST(rx.mismatches() == 0u);
    }
}

BOOST_AUTO_TEST_CASE(beast_tcp_stream_expiry_applies) {
    for (auto mode : {zerocopy::send_mode::native, zerocopy::send_mode::buffered}) {
        asio::io_context ioc;
        tcp_pair p(ioc);
        beast::tcp_stream s(std::move(p.a));
        temp_file f(64 << 20);
        s.expires_after(std::chrono::milliseconds(200));  // the reader stalls: nobody reads
        zerocopy::sendfile_options o;
        o.mode = mode;
        error_code ec;
        std::uint64_t n = 0;
        auto const t0 = std::chrono::steady_clock::now();
        zerocopy::async_sendfile(s, f.fd(), 0, zerocopy::to_end, o, [&](error_code e, std::uint64_t k) {
            ec = e;
            n = k;
        });
        ioc.run();
        double const waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        BOOST_TEST((ec == beast::error::timeout), ec.message());
        BOOST_TEST(!s.socket().is_open());  // Beast's contract: a timeout closes the socket
        BOOST_TEST(waited >= 0.15);
        BOOST_TEST(waited < 5.0);
        // The reported count is exact: the reader now drains exactly that many bytes.
        receiver rx(p.b.native_handle(), 0);
        rx.join();
        BOOST_TEST(n > 0u);
        BOOST_TEST(rx.received() == n);
        BOOST_TEST(rx.mismatches() == 0u);
    }
}

BOOST_AUTO_TEST_CASE(unknown_streams_take_the_buffered_path) {
    asio::io_context ioc;
    tcp_pair p(ioc);
    opaque_stream s(p.a);
    temp_file f(1 << 20);
    receiver rx(p.b.native_handle(), 0);
    error_code ec;
    std::uint64_t n = 0;
    zerocopy::async_sendfile(s, f.fd(), 0, zerocopy::to_end, [&](error_code e, std::uint64_t k) {
        ec = e;
        n = k;
    });
    ioc.run();
    BOOST_TEST(!ec);
    BOOST_TEST(n == (1u << 20));
    BOOST_TEST(s.writes > 0);  // through the stream's own writes
    // native is refused without sending anything, sync twin too.
    zerocopy::sendfile_options o;
    o.mode = zerocopy::send_mode::native;
    ioc.restart();
    zerocopy::async_sendfile(s, f.fd(), 0, zerocopy::to_end, o, [&](error_code e, std::uint64_t k) {
        ec = e;
        n = k;
    });
    ioc.run();
    BOOST_TEST(ec == zerocopy::error::native_unavailable);
    BOOST_TEST(n == 0u);
    BOOST_TEST(zerocopy::sendfile(s, f.fd(), 0, 10, o, ec) == 0u);
    BOOST_TEST(ec == zerocopy::error::native_unavailable);
    BOOST_TEST(zerocopy::sendfile(s, f.fd(), 0, 1 << 20, ec) == (1u << 20));
    BOOST_TEST(!ec);
    p.a.close();
    rx.join();
    BOOST_TEST(rx.received() == (2u << 20));
}
