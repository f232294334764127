#include <zerocopy/http/range_body.hpp>

#include <zerocopy/error.hpp>

#include <boost/beast/http/serializer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>

#if defined(_WIN32)
#include <windows.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

using namespace zerocopy::http;
namespace bhttp = boost::beast::http;

namespace {

// Opens `path` read-only with the platform's own call.
unique_file open_read_only(char const* path) {
#if defined(_WIN32)
    return unique_file(::CreateFileA(path, GENERIC_READ,
                                     FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                     OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
#else
    return unique_file(::open(path, O_RDONLY));
#endif
}

unsigned long process_id() {
#if defined(_WIN32)
    return ::GetCurrentProcessId();
#else
    return static_cast<unsigned long>(::getpid());
#endif
}

struct temp_path {
    std::string path;
    explicit temp_path(std::string const& content) {
        static std::atomic<unsigned> counter{0};
        path = (std::filesystem::temp_directory_path() /
                ("zerocopy-http-body-" + std::to_string(process_id()) + "-" + std::to_string(counter++)))
                   .string();
        std::ofstream(path, std::ios::binary) << content;
    }
    ~temp_path() { std::remove(path.c_str()); }
};

// Serializes with Beast's own serializer (the buffered path) and returns the body bytes.
std::string serialize_body(bhttp::response<range_body>& res, boost::system::error_code& ec) {
    bhttp::serializer<false, range_body> sr(res);
    sr.split(true);
    std::string out;
    bool header = true;
    while (!sr.is_done()) {
        sr.next(ec, [&](boost::system::error_code&, auto const& buffers) {
            std::size_t const n = boost::asio::buffer_size(buffers);
            if (!header) out += boost::beast::buffers_to_string(buffers);
            sr.consume(n);
        });
        if (ec) return out;
        if (sr.is_header_done()) header = false;
    }
    return out;
}

}  // namespace

// range_body is a regular Beast Body: sized, with a writer.
static_assert(bhttp::is_body<range_body>::value);
static_assert(bhttp::is_body_writer<range_body>::value);

BOOST_AUTO_TEST_SUITE(http_range_body)

BOOST_AUTO_TEST_CASE(whole_range_multipart_text_empty) {
    std::string content(50000, '\0');
    for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 + i / 256);
    temp_path f(content);
    bhttp::response<range_body> res;
    boost::system::error_code ec;
    res.body().open(f.path.c_str(), ec);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(res.body().file_size() == content.size());
    BOOST_TEST(res.body().size() == content.size());
    BOOST_TEST(range_body::size(res.body()) == content.size());
    BOOST_TEST((serialize_body(res, ec) == content));
    BOOST_TEST(!ec);

    res.body().select(byte_range{17, 40000});
    BOOST_TEST(res.body().size() == 40000u);
    BOOST_TEST((serialize_body(res, ec) == content.substr(17, 40000)));

    auto layout = make_multipart_layout({{0, 3}, {49990, 10}}, content.size(), "x/y", "BB");
    std::uint64_t const len = layout.content_length;
    res.body().select(std::move(layout));
    BOOST_TEST(res.body().is_multipart());
    BOOST_TEST(res.body().boundary() == "BB");
    BOOST_TEST(res.body().size() == len);
    std::string const body = serialize_body(res, ec);
    BOOST_TEST(body.size() == len);
    BOOST_TEST(body.find(content.substr(49990, 10)) != std::string::npos);

    res.body().assign_text("text");
    BOOST_TEST(!res.body().is_multipart());
    BOOST_TEST(serialize_body(res, ec) == "text");
    res.body().clear_content();
    BOOST_TEST(res.body().size() == 0u);
    BOOST_TEST(serialize_body(res, ec).empty());
    BOOST_TEST(res.body().is_open());
}

BOOST_AUTO_TEST_CASE(errors) {
    bhttp::response<range_body> res;
    boost::system::error_code ec;
    res.body().open("/nonexistent/zerocopy", ec);
    BOOST_TEST(ec.failed());
    BOOST_TEST(!res.body().is_open());
    res.body().open(std::filesystem::temp_directory_path().string().c_str(), ec);
    BOOST_TEST((ec == zerocopy::error::not_a_regular_file));

    // A file shorter than the selected range: the buffered writer reports unexpected_eof.
    temp_path f("short");
    res.body().open(f.path.c_str(), ec);
    BOOST_TEST_REQUIRE(!ec);
    res.body().reset(open_read_only(f.path.c_str()), 100);
    serialize_body(res, ec);
    BOOST_TEST((ec == zerocopy::error::unexpected_eof));
}

BOOST_AUTO_TEST_CASE(unique_file_semantics) {
    temp_path f("x");
    unique_file a(open_read_only(f.path.c_str()));
    BOOST_TEST(a.is_open());
    zerocopy::native_file_handle const raw = a.get();
    unique_file b(std::move(a));
    BOOST_TEST(!a.is_open());
    BOOST_TEST(b.get() == raw);
    a = std::move(b);
    BOOST_TEST(a.get() == raw);
    unique_file owner(a.release());
    BOOST_TEST(!a);
    BOOST_TEST(owner.get() == raw);
}

BOOST_AUTO_TEST_SUITE_END()
