// Users do not necessarily define BOOST_ASIO_NO_DEPRECATED: the public headers must compile
// (and instantiate) without it too. This target is built without the project's private flags.
#include <zerocopy.hpp>
#include <zerocopy/http.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/write.hpp>

#if defined(BOOST_ASIO_NO_DEPRECATED)
#error "this test must be compiled without BOOST_ASIO_NO_DEPRECATED"
#endif

// Instantiated, never called.
void instantiate(boost::asio::ip::tcp::socket& s, zerocopy::http::file_response& res) {
    boost::system::error_code ec;
    boost::beast::http::write(s, res, ec);  // Beast's writer over range_body
    zerocopy::http::write(s, res, ec);      // the zero-copy writer
    zerocopy::sendfile(s, 0, 0, 1, ec);     // the core's blocking twin
    zerocopy::async_sendfile(s, 0, 0, 1, [](boost::system::error_code, std::uint64_t) {});
    zerocopy::http::async_write(s, res, [](boost::system::error_code, std::size_t) {});
}

int main() {}
