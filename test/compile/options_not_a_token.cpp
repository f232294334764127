// Compile-time proof that sendfile_options can never be taken for a completion token: with the
// default token of the Boost version in use (none before 1.86, asio::deferred since) and with an
// executor whose default token is set explicitly.
#include <zerocopy/async_sendfile.hpp>

#include <boost/asio/deferred.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <type_traits>

namespace asio = boost::asio;

namespace {

template <class Stream, class... Args>
using sendfile_result = decltype(zerocopy::async_sendfile(std::declval<Stream&>(), std::declval<Args>()...));

template <class, class Stream, class... Args>
struct callable : std::false_type {};
template <class Stream, class... Args>
struct callable<std::void_t<sendfile_result<Stream, Args...>>, Stream, Args...> : std::true_type {};

using plain = asio::ip::tcp::socket;
using deferred_socket = asio::deferred_t::as_default_on_t<asio::ip::tcp::socket>;
using fd = zerocopy::native_file_handle;
using u64 = std::uint64_t;
using opts = zerocopy::sendfile_options const&;

#if ZEROCOPY_DEFAULT_TOKEN_IS_DEFERRED
// Boost 1.86+: every executor's default token is asio::deferred. Options alone then take the
// options overload with the default token, never the place of a token: the result is the deferred
// operation of options + deferred.
static_assert(callable<void, plain, fd, u64, u64, opts>::value);
static_assert(callable<void, plain, fd, u64, u64, zerocopy::sendfile_options>::value);
static_assert(callable<void, plain, fd, u64, u64, zerocopy::sendfile_options&>::value);
static_assert(std::is_same_v<sendfile_result<plain, fd, u64, u64, opts>,
                             sendfile_result<plain, fd, u64, u64, opts, asio::deferred_t>>);
static_assert(std::is_same_v<sendfile_result<plain, fd, u64, u64, zerocopy::sendfile_options&>,
                             sendfile_result<plain, fd, u64, u64, opts, asio::deferred_t>>);
#else
// Boost 1.81-1.85: no default token (void), so options alone is no completion token: not callable.
static_assert(!callable<void, plain, fd, u64, u64, opts>::value);
static_assert(!callable<void, plain, fd, u64, u64, zerocopy::sendfile_options>::value);
static_assert(!callable<void, plain, fd, u64, u64, zerocopy::sendfile_options&>::value);
#endif
// With a token it is.
static_assert(callable<void, plain, fd, u64, u64, opts, asio::deferred_t>::value);
static_assert(callable<void, plain, fd, u64, u64, asio::deferred_t>::value);

// With a default token, the options overload is chosen and the result is a deferred
// operation, the same type as passing the token explicitly with options.
static_assert(callable<void, deferred_socket, fd, u64, u64, opts>::value);
static_assert(std::is_same_v<sendfile_result<deferred_socket, fd, u64, u64, opts>,
                             sendfile_result<deferred_socket, fd, u64, u64, opts, asio::deferred_t>>);

}  // namespace

int main() {}
