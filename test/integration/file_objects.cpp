// Integration tests: the file objects users already hold (boost::beast::file_posix and
// boost::beast::file_stdio) passed directly to zerocopy::async_sendfile and to the blocking
// twin, over loopback TCP and AF_UNIX sockets. Every received byte is checked, and the file
// object's own position must be the same before and after.
#include <zerocopy/async_sendfile.hpp>

#include "common/test_util.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/file_posix.hpp>
#include <boost/beast/core/file_stdio.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;
using namespace zerocopy_test;

namespace {

std::vector<zerocopy::send_mode> const all_modes{zerocopy::send_mode::automatic, zerocopy::send_mode::native,
                                                 zerocopy::send_mode::buffered};

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

template <class File>
char const* file_name() {
    return std::is_same_v<File, beast::file_posix> ? "file_posix" : "file_stdio";
}

struct range {
    std::uint64_t offset, count;
};

// Sizes and ranges that cross the default buffer and chunk sizes at odd places.
constexpr std::uint64_t file_size = (3u << 20) + 4099;
std::array<range, 5> const ranges{{{0, zerocopy::to_end},
                                   {1, 1},
                                   {7, (1u << 20) + 13},
                                   {(2u << 20) + 5, zerocopy::to_end},
                                   {file_size - 1, 1}}};

std::uint64_t expected_count(range const& r) {
    return r.count == zerocopy::to_end ? file_size - r.offset : r.count;
}

template <class File>
void open_read(File& file, temp_file const& tf) {
    error_code ec;
    file.open(tf.path().c_str(), beast::file_mode::read, ec);
    BOOST_REQUIRE_MESSAGE(!ec, "open: " << ec.message());
}

template <class File>
std::uint64_t position(File const& file) {
    error_code ec;
    std::uint64_t const p = file.pos(ec);
    BOOST_REQUIRE_MESSAGE(!ec, "pos: " << ec.message());
    return p;
}

template <class File>
void seek(File& file, std::uint64_t to) {
    error_code ec;
    file.seek(to, ec);
    BOOST_REQUIRE_MESSAGE(!ec, "seek: " << ec.message());
}

// Reads a few bytes through the file object itself: they must come from the position the
// test left it at, whatever the transfers did meanwhile.
template <class File>
void check_reads_from(File& file, std::uint64_t at) {
    std::array<unsigned char, 64> buf{};
    error_code ec;
    std::size_t const n = file.read(buf.data(), buf.size(), ec);
    BOOST_REQUIRE_MESSAGE(!ec, "read: " << ec.message());
    BOOST_TEST(n == buf.size());
    for (std::size_t i = 0; i < n; ++i) BOOST_TEST(buf[i] == pattern_byte(at + i), "byte at " << at + i);
}

template <class File, class Pair>
void async_range(zerocopy::send_mode mode, range const& r) {
    BOOST_TEST_CONTEXT(file_name<File>()
                       << " " << mode_name(mode) << " offset " << r.offset << " count " << r.count) {
        temp_file tf(file_size);
        File file;
        open_read(file, tf);
        constexpr std::uint64_t start_pos = 4321;
        seek(file, start_pos);
        BOOST_REQUIRE(position(file) == start_pos);

        asio::io_context ioc;
        Pair p(ioc);
        receiver rx(p.b.native_handle(), r.offset);
        zerocopy::sendfile_options opt;
        opt.mode = mode;
        error_code result = asio::error::would_block;
        std::uint64_t sent = 0;
        bool done = false;
        zerocopy::async_sendfile(p.a, file, r.offset, r.count, opt, [&](error_code ec, std::uint64_t n) {
            result = ec;
            sent = n;
            done = true;
            p.a.close();
        });
        ioc.run();
        rx.join();

        std::uint64_t const want = expected_count(r);
        BOOST_TEST(done);
        BOOST_TEST(!result, result.message());
        BOOST_TEST(sent == want);
        BOOST_TEST(rx.received() == want);
        BOOST_TEST(rx.mismatches() == 0u, "first mismatch at " << rx.first_mismatch());
        BOOST_TEST(position(file) == start_pos);
        check_reads_from(file, start_pos);
    }
}

// Whether the blocking twin takes file objects directly, as async_sendfile does.
template <class File, class = void>
struct has_sync_file_overload : std::false_type {};
template <class File>
struct has_sync_file_overload<
    File, std::void_t<decltype(zerocopy::sendfile(
              std::declval<asio::ip::tcp::socket&>(), std::declval<File&>(), std::uint64_t(), std::uint64_t(),
              std::declval<zerocopy::sendfile_options>(), std::declval<error_code&>()))>> : std::true_type {};

template <class File>
void sync_range(zerocopy::send_mode mode, range const& r) {
    BOOST_TEST_CONTEXT(file_name<File>()
                       << " " << mode_name(mode) << " offset " << r.offset << " count " << r.count) {
        temp_file tf(file_size);
        File file;
        open_read(file, tf);
        constexpr std::uint64_t start_pos = 99;
        seek(file, start_pos);

        asio::io_context ioc;
        tcp_pair p(ioc);
        receiver rx(p.b.native_handle(), r.offset);
        zerocopy::sendfile_options opt;
        opt.mode = mode;
        error_code ec;
        std::uint64_t sent = 0;
        if constexpr (has_sync_file_overload<File>::value)
            sent = zerocopy::sendfile(p.a, file, r.offset, r.count, opt, ec);
        else
            sent = zerocopy::sendfile(p.a, zerocopy::native_file_handle_of(file), r.offset, r.count, opt, ec);
        p.a.close();
        rx.join();

        std::uint64_t const want = expected_count(r);
        BOOST_TEST(!ec, ec.message());
        BOOST_TEST(sent == want);
        BOOST_TEST(rx.received() == want);
        BOOST_TEST(rx.mismatches() == 0u, "first mismatch at " << rx.first_mismatch());
        BOOST_TEST(position(file) == start_pos);
        check_reads_from(file, start_pos);
    }
}

// Two transfers of different ranges of one file object at the same time, on one io_context:
// neither may disturb the other, nor the object's position.
template <class File>
void two_transfers_share_one_file() {
    BOOST_TEST_CONTEXT(file_name<File>()) {
        temp_file tf(file_size);
        File file;
        open_read(file, tf);
        constexpr std::uint64_t start_pos = 1000;
        seek(file, start_pos);

        asio::io_context ioc;
        tcp_pair p1(ioc);
        unix_pair p2(ioc);
        range const r1{3, (2u << 20) + 1};
        range const r2{(1u << 20) + 17, zerocopy::to_end};
        receiver rx1(p1.b.native_handle(), r1.offset);
        receiver rx2(p2.b.native_handle(), r2.offset);
        zerocopy::sendfile_options opt;
        opt.max_chunk = 64 * 1024;  // many turns each, so the two really interleave
        std::array<std::pair<error_code, std::uint64_t>, 2> res{};
        int done = 0;
        zerocopy::async_sendfile(p1.a, file, r1.offset, r1.count, opt, [&](error_code ec, std::uint64_t n) {
            res[0] = {ec, n};
            ++done;
            p1.a.close();
        });
        zerocopy::async_sendfile(p2.a, file, r2.offset, r2.count, opt, [&](error_code ec, std::uint64_t n) {
            res[1] = {ec, n};
            ++done;
            p2.a.close();
        });
        ioc.run();
        rx1.join();
        rx2.join();

        BOOST_TEST(done == 2);
        BOOST_TEST(!res[0].first, res[0].first.message());
        BOOST_TEST(!res[1].first, res[1].first.message());
        BOOST_TEST(res[0].second == expected_count(r1));
        BOOST_TEST(res[1].second == expected_count(r2));
        BOOST_TEST(rx1.received() == expected_count(r1));
        BOOST_TEST(rx2.received() == expected_count(r2));
        BOOST_TEST(rx1.mismatches() == 0u);
        BOOST_TEST(rx2.mismatches() == 0u);
        BOOST_TEST(position(file) == start_pos);
        check_reads_from(file, start_pos);
    }
}

// A file object opened write-only (beast's append modes) is refused before any byte is sent.
template <class File>
void write_only_file_is_refused() {
    BOOST_TEST_CONTEXT(file_name<File>()) {
        temp_file tf(4096);
        File file;
        error_code ec;
        file.open(tf.path().c_str(), beast::file_mode::append_existing, ec);
        BOOST_REQUIRE_MESSAGE(!ec, "open: " << ec.message());

        asio::io_context ioc;
        tcp_pair p(ioc);
        receiver rx(p.b.native_handle(), 0);
        error_code result;
        std::uint64_t sent = 1;
        zerocopy::async_sendfile(p.a, file, 0, 10, [&](error_code e, std::uint64_t n) {
            result = e;
            sent = n;
            p.a.close();
        });
        ioc.run();
        rx.join();
        BOOST_TEST(result == zerocopy::error::file_not_readable, result.message());
        BOOST_TEST(sent == 0u);
        BOOST_TEST(rx.received() == 0u);
    }
}

// A file object that is not open (never opened, or closed) fails with bad_descriptor before
// any byte is sent.
template <class File>
void closed_file_is_refused() {
    BOOST_TEST_CONTEXT(file_name<File>()) {
        temp_file tf(4096);
        File file;
        open_read(file, tf);
        error_code ec;
        file.close(ec);
        BOOST_REQUIRE(!ec);

        asio::io_context ioc;
        tcp_pair p(ioc);
        receiver rx(p.b.native_handle(), 0);
        error_code result;
        std::uint64_t sent = 1;
        bool done = false;
        zerocopy::async_sendfile(p.a, file, 0, 10, [&](error_code e, std::uint64_t n) {
            result = e;
            sent = n;
            done = true;
            p.a.close();
        });
        ioc.run();
        rx.join();
        BOOST_TEST(done);
        BOOST_TEST(result == asio::error::bad_descriptor, result.message());
        BOOST_TEST(sent == 0u);
        BOOST_TEST(rx.received() == 0u);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(file_objects)

static_assert(zerocopy::is_file_object_v<beast::file_posix>);
static_assert(zerocopy::is_file_object_v<beast::file_stdio>);
static_assert(!zerocopy::is_file_object_v<int>);

BOOST_AUTO_TEST_CASE(beast_file_posix_async_tcp_and_unix_all_modes) {
    for (auto mode : all_modes)
        for (auto const& r : ranges) {
            async_range<beast::file_posix, tcp_pair>(mode, r);
            async_range<beast::file_posix, unix_pair>(mode, r);
        }
}

BOOST_AUTO_TEST_CASE(beast_file_stdio_async_tcp_and_unix_all_modes) {
    for (auto mode : all_modes)
        for (auto const& r : ranges) {
            async_range<beast::file_stdio, tcp_pair>(mode, r);
            async_range<beast::file_stdio, unix_pair>(mode, r);
        }
}

// The blocking twin, given the file object's handle (or the object itself once the library
// has that overload). Labelled: test/integration/more_tests.cmake runs it as its own CTest entry.
BOOST_AUTO_TEST_CASE(blocking_twin_beast_files, *boost::unit_test::label("blocking_twin")) {
    BOOST_WARN_MESSAGE(
        (has_sync_file_overload<beast::file_posix>::value),
        "zerocopy::sendfile has no overload for file objects yet; using native_file_handle_of");
    for (auto mode : all_modes)
        for (auto const& r : ranges) {
            sync_range<beast::file_posix>(mode, r);
            sync_range<beast::file_stdio>(mode, r);
        }
}

BOOST_AUTO_TEST_CASE(one_file_object_serves_two_transfers_at_once) {
    two_transfers_share_one_file<beast::file_posix>();
    two_transfers_share_one_file<beast::file_stdio>();
}

BOOST_AUTO_TEST_CASE(write_only_file_object_is_refused) {
    write_only_file_is_refused<beast::file_posix>();
    write_only_file_is_refused<beast::file_stdio>();
}

BOOST_AUTO_TEST_CASE(closed_file_object_is_refused) {
    closed_file_is_refused<beast::file_posix>();
    closed_file_is_refused<beast::file_stdio>();
}

BOOST_AUTO_TEST_SUITE_END()
