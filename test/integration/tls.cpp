// Integration tests: zerocopy::async_sendfile (and the blocking twin) on TLS streams —
// boost::asio::ssl::stream over TCP and AF_UNIX sockets, and boost::beast::ssl_stream over a
// beast::tcp_stream — with a real TLS handshake on loopback against a self-signed certificate
// made in-process with the OpenSSL 3 API.
//
// What they prove: in automatic mode the operation takes the buffered path through the TLS
// layer (a raw file region written past it would make the peer's decryption fail); the client
// decrypts exactly the requested range, then a clean close_notify; send_mode::native on a TLS
// stream fails with error::native_unavailable, sends nothing, and leaves the session usable.
#include <zerocopy/async_sendfile.hpp>

#include "common/test_util.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;
using namespace zerocopy_test;

namespace {

// ---------------------------------------------------------------------------------------------
// A self-signed certificate for "localhost", generated once per process.

struct pem_pair {
    std::string certificate;
    std::string private_key;
};

template <class T, void (*Free)(T*)>
struct openssl_deleter {
    void operator()(T* p) const noexcept { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO, BIO_free_all>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, openssl_deleter<X509_EXTENSION, X509_EXTENSION_free>>;

void openssl_require(bool ok, char const* what) {
    if (!ok) throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

std::string bio_contents(BIO* bio) {
    char* data = nullptr;
    long const n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

void add_extension(X509* cert, int nid, char const* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    openssl_require(ext != nullptr, "X509V3_EXT_conf_nid");
    openssl_require(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

pem_pair make_self_signed_certificate() {
    pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    openssl_require(key != nullptr, "EVP_PKEY_Q_keygen");

    x509_ptr cert(X509_new());
    openssl_require(cert != nullptr, "X509_new");
    openssl_require(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
    openssl_require(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 20261122) == 1, "ASN1_INTEGER_set");
    openssl_require(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
    openssl_require(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr, "notAfter");
    openssl_require(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(cert.get());
    static unsigned char const cn[] = "localhost";
    openssl_require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) == 1, "CN");
    openssl_require(X509_set_issuer_name(cert.get(), name) == 1, "X509_set_issuer_name");
    add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
    add_extension(cert.get(), NID_subject_alt_name, "DNS:localhost");
    openssl_require(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

    pem_pair pem;
    bio_ptr cert_bio(BIO_new(BIO_s_mem()));
    openssl_require(cert_bio && PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1, "PEM_write_bio_X509");
    pem.certificate = bio_contents(cert_bio.get());
    bio_ptr key_bio(BIO_new(BIO_s_mem()));
    openssl_require(key_bio && PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0,
                                                        nullptr, nullptr) == 1,
                    "PEM_write_bio_PrivateKey");
    pem.private_key = bio_contents(key_bio.get());
    return pem;
}

pem_pair const& certificate() {
    static pem_pair const pem = make_self_signed_certificate();
    return pem;
}

ssl::context server_context() {
    ssl::context ctx(ssl::context::tls_server);
    ctx.use_certificate_chain(asio::buffer(certificate().certificate));
    ctx.use_private_key(asio::buffer(certificate().private_key), ssl::context::pem);
    return ctx;
}

// The client trusts only the generated certificate and checks the host name: the handshake
// is real, not a verify-nothing shortcut.
ssl::context client_context() {
    ssl::context ctx(ssl::context::tls_client);
    ctx.add_certificate_authority(asio::buffer(certificate().certificate));
    ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    return ctx;
}

// ---------------------------------------------------------------------------------------------
// The client: on its own thread with its own io_context, blocking calls. Handshakes, reads
// every decrypted byte until the server's close_notify, answers it, and keeps what it got.

template <class Socket>
class tls_client {
public:
    explicit tls_client(Socket&& socket)
        : ctx_(client_context()), stream_(std::move(socket), ctx_), thread_([this] { run(); }) {}
    tls_client(tls_client const&) = delete;
    tls_client& operator=(tls_client const&) = delete;
    ~tls_client() { join(); }

    void join() {
        if (thread_.joinable()) thread_.join();
    }
    // Unblocks the client if the server side got stuck (the test then fails anyway).
    void abort() {
        error_code ignored;
        stream_.lowest_layer().shutdown(asio::socket_base::shutdown_both, ignored);
    }

    error_code handshake_error;
    error_code read_end;  // why reading stopped: eof means a clean TLS close_notify
    std::vector<unsigned char> data;

private:
    void run() {
        stream_.set_verify_callback(ssl::host_name_verification("localhost"));
        stream_.handshake(ssl::stream_base::client, handshake_error);
        if (handshake_error) {
            stream_.lowest_layer().close();
            return;
        }
        std::vector<unsigned char> buf(64 * 1024);
        for (;;) {
            std::size_t const n = stream_.read_some(asio::buffer(buf), read_end);
            data.insert(data.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
            if (read_end) break;
        }
        error_code ignored;
        if (read_end == asio::error::eof) stream_.shutdown(ignored);  // answer the close_notify
        stream_.lowest_layer().close(ignored);
    }

    // The socket type may carry another executor than the client's own io_context: the client
    // only makes blocking calls, which need none.
    ssl::context ctx_;
    ssl::stream<Socket> stream_;
    std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// Server stream types under test, built from the server end of a connected pair.

template <class Stream>
struct server_stream_factory;

template <class Socket>
struct server_stream_factory<ssl::stream<Socket>> {
    static std::unique_ptr<ssl::stream<Socket>> make(Socket&& s, ssl::context& ctx) {
        return std::make_unique<ssl::stream<Socket>>(std::move(s), ctx);
    }
    static char const* name() {
        return std::is_same_v<Socket, asio::ip::tcp::socket>
                   ? "asio::ssl::stream<tcp::socket>"
                   : "asio::ssl::stream<local::stream_protocol::socket>";
    }
};

template <>
struct server_stream_factory<beast::ssl_stream<beast::tcp_stream>> {
    static std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> make(asio::ip::tcp::socket&& s,
                                                                      ssl::context& ctx) {
        auto p = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(beast::tcp_stream(std::move(s)), ctx);
        // A generous expiry: the transfer runs under the stream's timer like any Beast write.
        beast::get_lowest_layer(*p).expires_after(std::chrono::seconds(60));
        return p;
    }
    static char const* name() { return "beast::ssl_stream<beast::tcp_stream>"; }
};

template <class Stream>
using pair_for = std::conditional_t<
    std::is_same_v<std::decay_t<decltype(beast::get_lowest_layer(std::declval<Stream&>()))>,
                   asio::local::stream_protocol::socket>,
    unix_pair, tcp_pair>;

template <class Stream>
void close_lowest(Stream& s) {
    auto& lowest = beast::get_lowest_layer(s);
    if constexpr (std::is_same_v<std::decay_t<decltype(lowest)>, beast::tcp_stream>) {
        lowest.close();
    } else {
        error_code ignored;
        lowest.close(ignored);
    }
}

// ---------------------------------------------------------------------------------------------

constexpr std::uint64_t file_size = (2u << 20) + 333;

struct transfer_case {
    std::uint64_t offset;
    std::uint64_t count;
    zerocopy::send_mode mode;
    std::size_t buffer_size;
    std::size_t max_chunk;
};

char const* mode_name(zerocopy::send_mode m) {
    switch (m) {
        case zerocopy::send_mode::automatic:
            return "automatic";
        case zerocopy::send_mode::native:
            return "native";
        case zerocopy::send_mode::buffered:
            return "buffered";
    }
    return "?";
}

std::vector<unsigned char> pattern_range(std::uint64_t offset, std::uint64_t n) {
    std::vector<unsigned char> v(static_cast<std::size_t>(n));
    for (std::uint64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = pattern_byte(offset + i);
    return v;
}

// Compares what the client decrypted with what it should have, byte by byte.
void check_received(std::vector<unsigned char> const& got, std::vector<unsigned char> const& want) {
    BOOST_TEST(got.size() == want.size());
    std::size_t const n = std::min(got.size(), want.size());
    std::size_t bad = 0;
    std::size_t first_bad = n;
    for (std::size_t i = 0; i < n; ++i)
        if (got[i] != want[i]) {
            if (bad++ == 0) first_bad = i;
        }
    BOOST_TEST(bad == 0u, bad << " bytes differ, the first at index " << first_bad);
}

struct server_result {
    error_code handshake;
    error_code transfer;
    std::uint64_t sent = ~std::uint64_t(0);
    error_code after_write;  // the extra message written after the transfer, if any
    error_code shutdown;
    bool finished = false;
};

// Runs, on the server side: async handshake, async_sendfile(c), optionally an async_write of
// `after`, async TLS shutdown; the client decrypts on its own thread.
template <class Stream>
void run_async_case(transfer_case const& c, std::string const& after, server_result& r,
                    std::vector<unsigned char>& client_data, error_code& client_handshake,
                    error_code& client_end) {
    using factory = server_stream_factory<Stream>;
    temp_file f(file_size);
    asio::io_context ioc;
    pair_for<Stream> p(ioc);
    ssl::context sctx = server_context();
    auto server = factory::make(std::move(p.a), sctx);
    tls_client<std::decay_t<decltype(p.b)>> client(std::move(p.b));

    zerocopy::sendfile_options opt;
    opt.mode = c.mode;
    opt.buffer_size = c.buffer_size;
    opt.max_chunk = c.max_chunk;

    std::function<void()> shutdown = [&] {
        server->async_shutdown([&](error_code ec) {
            r.shutdown = ec;
            r.finished = true;
            close_lowest(*server);
        });
    };
    server->async_handshake(ssl::stream_base::server, [&](error_code ec) {
        r.handshake = ec;
        if (ec) return close_lowest(*server);
        zerocopy::async_sendfile(
            *server, f.fd(), c.offset, c.count, opt, [&](error_code ec2, std::uint64_t n) {
                r.transfer = ec2;
                r.sent = n;
                if (after.empty()) return shutdown();
                asio::async_write(*server, asio::buffer(after), [&](error_code ec3, std::size_t) {
                    r.after_write = ec3;
                    shutdown();
                });
            });
    });
    ioc.run_for(std::chrono::seconds(60));
    if (!ioc.stopped()) {
        BOOST_ERROR("the server side did not finish within 60 s");
        client.abort();
    }
    client.join();
    client_data = std::move(client.data);
    client_handshake = client.handshake_error;
    client_end = client.read_end;
}

template <class Stream>
void async_range(transfer_case const& c) {
    BOOST_TEST_CONTEXT(server_stream_factory<Stream>::name()
                       << " " << mode_name(c.mode) << " offset " << c.offset << " count " << c.count
                       << " buffer_size " << c.buffer_size << " max_chunk " << c.max_chunk) {
        server_result r;
        std::vector<unsigned char> got;
        error_code client_handshake, client_end;
        run_async_case<Stream>(c, {}, r, got, client_handshake, client_end);

        std::uint64_t const want_n = c.count == zerocopy::to_end ? file_size - c.offset : c.count;
        BOOST_TEST(!r.handshake, r.handshake.message());
        BOOST_TEST(!client_handshake, client_handshake.message());
        BOOST_TEST(!r.transfer, r.transfer.message());
        BOOST_TEST(r.sent == want_n);
        BOOST_TEST(r.finished);
        BOOST_TEST(!r.shutdown, r.shutdown.message());
        // A clean close_notify right after the range: nothing more, nothing undecryptable.
        BOOST_TEST(client_end == asio::error::eof, client_end.message());
        check_received(got, pattern_range(c.offset, want_n));
    }
}

// send_mode::native cannot hand a file region past a TLS layer: it fails at once, sends
// nothing, and the session stays usable (a message written afterwards arrives intact).
template <class Stream>
void native_is_refused() {
    BOOST_TEST_CONTEXT(server_stream_factory<Stream>::name()) {
        transfer_case const c{0, zerocopy::to_end, zerocopy::send_mode::native, 64 * 1024, 2 * 1024 * 1024};
        std::string const after = "still a TLS session";
        server_result r;
        std::vector<unsigned char> got;
        error_code client_handshake, client_end;
        run_async_case<Stream>(c, after, r, got, client_handshake, client_end);

        BOOST_TEST(!r.handshake, r.handshake.message());
        BOOST_TEST(!client_handshake, client_handshake.message());
        BOOST_TEST(r.transfer == zerocopy::error::native_unavailable, r.transfer.message());
        BOOST_TEST(r.sent == 0u);
        BOOST_TEST(!r.after_write, r.after_write.message());
        BOOST_TEST(!r.shutdown, r.shutdown.message());
        BOOST_TEST(client_end == asio::error::eof, client_end.message());
        check_received(got, std::vector<unsigned char>(after.begin(), after.end()));
    }
}

std::vector<transfer_case> const transfer_cases{
    {0, zerocopy::to_end, zerocopy::send_mode::automatic, 64 * 1024, 2 * 1024 * 1024},
    {5, (1u << 20) + 7, zerocopy::send_mode::automatic, 64 * 1024, 2 * 1024 * 1024},
    // Buffers that do not match TLS record sizes, and many fairness turns.
    {12345, zerocopy::to_end, zerocopy::send_mode::automatic, 1000, 16 * 1024 + 1},
    {file_size - 1, 1, zerocopy::send_mode::automatic, 64 * 1024, 2 * 1024 * 1024},
    {3, (1u << 20) + 1, zerocopy::send_mode::buffered, 16 * 1024 - 1, 64 * 1024},
    {0, zerocopy::to_end, zerocopy::send_mode::buffered, 64 * 1024, 2 * 1024 * 1024},
};

// ---------------------------------------------------------------------------------------------
// The blocking twin on a TLS stream: server handshake, transfer and shutdown on this thread.

template <class Stream>
void blocking_range(transfer_case const& c) {
    using factory = server_stream_factory<Stream>;
    BOOST_TEST_CONTEXT(factory::name()
                       << " " << mode_name(c.mode) << " offset " << c.offset << " count " << c.count) {
        temp_file f(file_size);
        asio::io_context ioc;
        pair_for<Stream> p(ioc);
        ssl::context sctx = server_context();
        auto server = factory::make(std::move(p.a), sctx);
        tls_client<std::decay_t<decltype(p.b)>> client(std::move(p.b));

        error_code ec;
        server->handshake(ssl::stream_base::server, ec);
        BOOST_TEST(!ec, ec.message());
        zerocopy::sendfile_options opt;
        opt.mode = c.mode;
        opt.buffer_size = c.buffer_size;
        opt.max_chunk = c.max_chunk;
        error_code transfer;
        std::uint64_t sent = 0;
        if (!ec) sent = zerocopy::sendfile(*server, f.fd(), c.offset, c.count, opt, transfer);
        error_code shutdown;
        if (!ec) server->shutdown(shutdown);
        close_lowest(*server);
        client.join();

        bool const native = c.mode == zerocopy::send_mode::native;
        std::uint64_t const want_n =
            native ? 0 : (c.count == zerocopy::to_end ? file_size - c.offset : c.count);
        if (native)
            BOOST_TEST(transfer == zerocopy::error::native_unavailable, transfer.message());
        else
            BOOST_TEST(!transfer, transfer.message());
        BOOST_TEST(sent == want_n);
        BOOST_TEST(!shutdown, shutdown.message());
        BOOST_TEST(client.read_end == asio::error::eof, client.read_end.message());
        check_received(client.data, pattern_range(c.offset, want_n));
    }
}

using tcp_tls = ssl::stream<asio::ip::tcp::socket>;
using unix_tls = ssl::stream<asio::local::stream_protocol::socket>;
using beast_tls = beast::ssl_stream<beast::tcp_stream>;

}  // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(certificate_is_generated) {
    BOOST_TEST(certificate().certificate.find("BEGIN CERTIFICATE") != std::string::npos);
    BOOST_TEST(certificate().private_key.find("BEGIN PRIVATE KEY") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(asio_ssl_stream_tcp_sends_exact_range_buffered) {
    for (auto const& c : transfer_cases) async_range<tcp_tls>(c);
}

BOOST_AUTO_TEST_CASE(asio_ssl_stream_unix_sends_exact_range_buffered) {
    for (auto const& c : transfer_cases) async_range<unix_tls>(c);
}

BOOST_AUTO_TEST_CASE(beast_ssl_stream_sends_exact_range_buffered) {
    for (auto const& c : transfer_cases) async_range<beast_tls>(c);
}

BOOST_AUTO_TEST_CASE(empty_range_sends_nothing) {
    async_range<tcp_tls>({0, 0, zerocopy::send_mode::automatic, 64 * 1024, 2 * 1024 * 1024});
    async_range<beast_tls>(
        {file_size, zerocopy::to_end, zerocopy::send_mode::automatic, 64 * 1024, 2 * 1024 * 1024});
}

BOOST_AUTO_TEST_CASE(native_mode_fails_with_native_unavailable_and_sends_nothing) {
    native_is_refused<tcp_tls>();
    native_is_refused<unix_tls>();
    native_is_refused<beast_tls>();
}

BOOST_AUTO_TEST_CASE(blocking_twin_on_tls_streams, *boost::unit_test::label("blocking_twin")) {
    for (auto mode :
         {zerocopy::send_mode::automatic, zerocopy::send_mode::buffered, zerocopy::send_mode::native}) {
        transfer_case const c{7, (1u << 20) + 3, mode, 64 * 1024, 2 * 1024 * 1024};
        blocking_range<tcp_tls>(c);
        blocking_range<beast_tls>(c);
    }
}

BOOST_AUTO_TEST_SUITE_END()
