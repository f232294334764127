// Integration tests: boost::asio::random_access_file and boost::asio::stream_file passed
// directly to zerocopy::async_sendfile. These types exist only when Asio is built with
// io_uring (BOOST_ASIO_HAS_IO_URING, which defines BOOST_ASIO_HAS_FILE), so this executable,
// and only this one, is compiled with that define and linked with liburing
// (test/integration/more_tests.cmake).
//
// If the kernel refuses io_uring here (io_uring_setup fails with ENOSYS or EPERM, as under some
// container seccomp profiles), the tests are skipped with that reason; any other failure fails.
#include <zerocopy/async_sendfile.hpp>

#if !defined(BOOST_ASIO_HAS_IO_URING) || !defined(BOOST_ASIO_HAS_FILE)
#error "this test must be compiled with BOOST_ASIO_HAS_IO_URING (which gives BOOST_ASIO_HAS_FILE)"
#endif

#include "common/test_util.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/random_access_file.hpp>
#include <boost/asio/read_at.hpp>
#include <boost/asio/stream_file.hpp>
#include <boost/test/unit_test.hpp>

#include <liburing.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace asio = boost::asio;
using boost::system::error_code;
using namespace zerocopy_test;

namespace {

static_assert(zerocopy::is_file_object_v<asio::random_access_file>);
static_assert(zerocopy::is_file_object_v<asio::stream_file>);

// Whether the kernel lets this process create an io_uring instance at all.
boost::test_tools::assertion_result io_uring_available(boost::unit_test::test_unit_id) {
    io_uring ring;
    int const r = ::io_uring_queue_init(8, &ring, 0);
    if (r == 0) {
        ::io_uring_queue_exit(&ring);
        return true;
    }
    boost::test_tools::assertion_result res(true);
    if (r == -ENOSYS || r == -EPERM) {
        res = false;
        res.message() << "io_uring is not available in this environment: io_uring_setup failed with "
                      << std::strerror(-r);
        BOOST_TEST_MESSAGE("skipping the io_uring file tests: io_uring_setup failed with "
                           << std::strerror(-r));
    }
    return res;  // other errors (ENOMEM...) are left for the tests to report as failures
}

std::vector<zerocopy::send_mode> const all_modes{zerocopy::send_mode::automatic, zerocopy::send_mode::native,
                                                 zerocopy::send_mode::buffered};

constexpr std::uint64_t file_size = (3u << 20) + 77;

struct range {
    std::uint64_t offset, count;
};
std::array<range, 4> const ranges{
    {{0, zerocopy::to_end}, {9, (1u << 20) + 1}, {(2u << 20) + 3, zerocopy::to_end}, {file_size - 1, 1}}};

std::uint64_t range_length(range const& r) {
    return r.count == zerocopy::to_end ? file_size - r.offset : r.count;
}

template <class File>
char const* file_name() {
    return std::is_same_v<File, asio::random_access_file> ? "random_access_file" : "stream_file";
}

template <class File, class Pair>
void async_range(zerocopy::send_mode mode, range const& r) {
    BOOST_TEST_CONTEXT(file_name<File>()
                       << " mode " << int(mode) << " offset " << r.offset << " count " << r.count) {
        temp_file tf(file_size);
        asio::io_context ioc;
        File file(ioc, tf.path(), asio::file_base::read_only);
        constexpr std::uint64_t start_pos = 555;
        if constexpr (std::is_same_v<File, asio::stream_file>)
            BOOST_REQUIRE(file.seek(start_pos, asio::file_base::seek_set) == start_pos);

        Pair p(ioc);
        receiver rx(p.b.native_handle(), r.offset);
        zerocopy::sendfile_options opt;
        opt.mode = mode;
        error_code result = asio::error::would_block;
        std::uint64_t sent = 0;
        zerocopy::async_sendfile(p.a, file, r.offset, r.count, opt, [&](error_code ec, std::uint64_t n) {
            result = ec;
            sent = n;
            p.a.close();
        });
        ioc.run();
        rx.join();

        std::uint64_t const want = range_length(r);
        BOOST_TEST(!result, result.message());
        BOOST_TEST(sent == want);
        BOOST_TEST(rx.received() == want);
        BOOST_TEST(rx.mismatches() == 0u, "first mismatch at " << rx.first_mismatch());

        if constexpr (std::is_same_v<File, asio::stream_file>) {
            // The stream file's position is where the test left it: its next read (through
            // io_uring) returns the bytes from there.
            BOOST_TEST(file.seek(0, asio::file_base::seek_cur) == start_pos);
            std::array<unsigned char, 100> buf{};
            std::size_t got = 0;
            error_code rec;
            ioc.restart();
            file.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t n) {
                rec = ec;
                got = n;
            });
            ioc.run();
            BOOST_TEST(!rec, rec.message());
            BOOST_TEST(got == buf.size());
            for (std::size_t i = 0; i < got; ++i) BOOST_TEST(buf[i] == pattern_byte(start_pos + i));
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(io_uring_files, *boost::unit_test::precondition(io_uring_available))

BOOST_AUTO_TEST_CASE(random_access_file_tcp_and_unix_all_modes) {
    for (auto mode : all_modes)
        for (auto const& r : ranges) {
            async_range<asio::random_access_file, tcp_pair>(mode, r);
            async_range<asio::random_access_file, unix_pair>(mode, r);
        }
}

BOOST_AUTO_TEST_CASE(stream_file_tcp_and_unix_all_modes_position_unchanged) {
    for (auto mode : all_modes)
        for (auto const& r : ranges) {
            async_range<asio::stream_file, tcp_pair>(mode, r);
            async_range<asio::stream_file, unix_pair>(mode, r);
        }
}

// The file keeps serving io_uring reads (async_read_at) while a transfer of it is under way on
// the same io_context.
BOOST_AUTO_TEST_CASE(random_access_file_read_at_during_transfer) {
    temp_file tf(file_size);
    asio::io_context ioc;
    asio::random_access_file file(ioc, tf.path(), asio::file_base::read_only);
    tcp_pair p(ioc);
    receiver rx(p.b.native_handle(), 0, {}, 16 * 1024, std::chrono::microseconds(200));  // a slowish reader
    zerocopy::sendfile_options opt;
    opt.max_chunk = 128 * 1024;
    error_code result = asio::error::would_block;
    std::uint64_t sent = 0;
    bool transfer_done = false;
    zerocopy::async_sendfile(p.a, file, 0, zerocopy::to_end, opt, [&](error_code ec, std::uint64_t n) {
        result = ec;
        sent = n;
        transfer_done = true;
        p.a.close();
    });
    constexpr std::uint64_t read_offset = (1u << 20) + 3;
    std::vector<unsigned char> buf(64 * 1024);
    error_code read_ec;
    std::size_t read_n = 0;
    bool read_before_transfer_done = false;
    asio::async_read_at(file, read_offset, asio::buffer(buf), [&](error_code ec, std::size_t n) {
        read_ec = ec;
        read_n = n;
        read_before_transfer_done = !transfer_done;
    });
    ioc.run();
    rx.join();

    BOOST_TEST(!result, result.message());
    BOOST_TEST(sent == file_size);
    BOOST_TEST(rx.received() == file_size);
    BOOST_TEST(rx.mismatches() == 0u);
    BOOST_TEST(!read_ec, read_ec.message());
    BOOST_TEST(read_n == buf.size());
    BOOST_TEST(read_before_transfer_done);
    for (std::size_t i = 0; i < read_n; ++i) BOOST_TEST(buf[i] == pattern_byte(read_offset + i));
}

// A stream_file is also an AsyncWriteStream: as the destination it takes the buffered path
// (io_uring writes), and send_mode::native refuses it with native_unavailable.
BOOST_AUTO_TEST_CASE(stream_file_as_destination_takes_buffered_path) {
    for (auto mode : all_modes) {
        BOOST_TEST_CONTEXT("mode " << int(mode)) {
            temp_file src(file_size);
            temp_file dst(0);
            asio::io_context ioc;
            asio::stream_file out(ioc, dst.path(), asio::file_base::write_only);
            range const r = ranges[1];
            zerocopy::sendfile_options opt;
            opt.mode = mode;
            error_code result = asio::error::would_block;
            std::uint64_t sent = 0;
            zerocopy::async_sendfile(out, src.fd(), r.offset, r.count, opt,
                                     [&](error_code ec, std::uint64_t n) {
                                         result = ec;
                                         sent = n;
                                     });
            ioc.run();
            out.close();

            bool const native = mode == zerocopy::send_mode::native;
            std::uint64_t const want = native ? 0 : range_length(r);
            if (native)
                BOOST_TEST(result == zerocopy::error::native_unavailable, result.message());
            else
                BOOST_TEST(!result, result.message());
            BOOST_TEST(sent == want);
            struct stat st {};
            BOOST_REQUIRE(::fstat(dst.fd(), &st) == 0);
            BOOST_TEST(static_cast<std::uint64_t>(st.st_size) == want);
            std::vector<unsigned char> got(static_cast<std::size_t>(want));
            if (want != 0)
                BOOST_REQUIRE(::pread(dst.fd(), got.data(), got.size(), 0) ==
                              static_cast<ssize_t>(got.size()));
            std::uint64_t bad = 0;
            for (std::size_t i = 0; i < got.size(); ++i) bad += got[i] != pattern_byte(r.offset + i);
            BOOST_TEST(bad == 0u);
        }
    }
}

BOOST_AUTO_TEST_CASE(blocking_twin_with_random_access_file_handle,
                     *boost::unit_test::label("blocking_twin")) {
    for (auto mode : all_modes) {
        BOOST_TEST_CONTEXT("mode " << int(mode)) {
            temp_file tf(file_size);
            asio::io_context ioc;
            asio::random_access_file file(ioc, tf.path(), asio::file_base::read_only);
            tcp_pair p(ioc);
            range const r = ranges[1];
            receiver rx(p.b.native_handle(), r.offset);
            zerocopy::sendfile_options opt;
            opt.mode = mode;
            error_code ec;
            std::uint64_t const sent =
                zerocopy::sendfile(p.a, zerocopy::native_file_handle_of(file), r.offset, r.count, opt, ec);
            p.a.close();
            rx.join();
            BOOST_TEST(!ec, ec.message());
            BOOST_TEST(sent == range_length(r));
            BOOST_TEST(rx.received() == range_length(r));
            BOOST_TEST(rx.mismatches() == 0u);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
