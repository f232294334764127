// Integration test: files and offsets beyond 4 GiB, and transfers larger than the kernel's
// per-call limit (0x7ffff000 bytes on Linux), over loopback TCP.
//
// The file is sparse, 5 GiB and a bit, with distinct non-zero patterns written at known
// offsets: at 0, straddling 2 GiB (and the per-call limit just below it), straddling 3 GiB,
// straddling 4 GiB (and twice the per-call limit just below it), and at the end. Holes read
// back as zeros, so a transfer that wrapped an offset at 32 bits, or repeated or skipped a
// per-call piece, would put zeros where a pattern belongs (or a pattern where zeros belong):
// the receiver checks the length and every byte against the layout.
//
// Registered with RUN_SERIAL and the label "heavy" (test/integration/more_tests.cmake).
#include <zerocopy/async_sendfile.hpp>

#include "common/test_util.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>
#include <thread>
#include <vector>

#include <sys/socket.h>

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;
using namespace zerocopy_test;

namespace {

constexpr std::uint64_t GiB = std::uint64_t(1) << 30;
constexpr std::uint64_t file_size = 5 * GiB + 12345;

struct region {
    std::uint64_t begin, end;  // [begin, end)
};

// Where the file holds data; everything else is a hole. Sorted, disjoint.
constexpr std::array<region, 6> regions{{
    {0, 4096 + 17},
    {2 * GiB - 70000, 2 * GiB + 70000},  // covers 2^31 and 0x7ffff000 (the per-call limit)
    {3 * GiB - 5000, 3 * GiB + 5000},
    {4 * GiB - 70000, 4 * GiB + 70000},  // covers 2^32 and 2 * 0x7ffff000
    {5 * GiB - 3, 5 * GiB + 3},
    {file_size - 5000, file_size},
}};

// The byte the file holds at `pos`: a non-zero pattern in the regions, 0 in the holes.
unsigned char expected_byte(std::uint64_t pos) noexcept {
    for (auto const& r : regions)
        if (pos >= r.begin && pos < r.end) return static_cast<unsigned char>(pattern_byte(pos) | 1u);
    return 0;
}

class sparse_file {
public:
    sparse_file() : f_(temp_file::sparse_tag{}, file_size) {
        std::vector<unsigned char> buf;
        for (auto const& r : regions) {
            buf.resize(static_cast<std::size_t>(r.end - r.begin));
            for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = expected_byte(r.begin + i);
            if (::pwrite(f_.fd(), buf.data(), buf.size(), static_cast<off_t>(r.begin)) !=
                static_cast<ssize_t>(buf.size()))
                throw std::runtime_error("pwrite failed");
        }
    }
    int fd() const noexcept { return f_.fd(); }

private:
    temp_file f_;
};

// Reads a blocking socket on its own thread until EOF, checking every byte against the layout:
// bytes in a region one by one, holes a block at a time against zeros (a per-byte callback
// would cost more than the transfer itself at 5 GiB).
class layout_receiver {
public:
    layout_receiver(int fd, std::uint64_t offset)
        : fd_(::dup(fd)), offset_(offset), thread_([this] { run(); }) {}
    layout_receiver(layout_receiver const&) = delete;
    layout_receiver& operator=(layout_receiver const&) = delete;
    ~layout_receiver() { join(); }

    void join() {
        if (thread_.joinable()) thread_.join();
    }
    std::uint64_t received() const noexcept { return received_; }
    std::uint64_t mismatches() const noexcept { return mismatches_; }
    std::int64_t first_mismatch() const noexcept { return first_mismatch_; }

private:
    void run() {
        int const flags = ::fcntl(fd_, F_GETFL);
        ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
        std::vector<unsigned char> buf(1 << 20);
        for (;;) {
            ssize_t const n = ::read(fd_, buf.data(), buf.size());
            if (n <= 0) break;
            check(buf.data(), static_cast<std::size_t>(n), offset_ + received_);
            received_ += static_cast<std::uint64_t>(n);
        }
        ::close(fd_);
    }

    void mismatch(std::uint64_t pos, std::uint64_t count) {
        if (first_mismatch_ < 0) first_mismatch_ = static_cast<std::int64_t>(pos);
        mismatches_ += count;
    }

    // Checks data[0, n), which holds the file's bytes [pos, pos + n).
    void check(unsigned char const* data, std::size_t n, std::uint64_t pos) {
        static unsigned char const zeros[64 * 1024] = {};
        std::uint64_t const end = pos + n;
        while (pos < end) {
            // The next region that ends after pos, if any.
            auto const it =
                std::find_if(regions.begin(), regions.end(), [&](region const& r) { return r.end > pos; });
            std::uint64_t const hole_end =
                it == regions.end() ? end : std::min(end, std::max(pos, it->begin));
            for (; pos < hole_end;) {  // a hole: all zeros
                std::size_t const k =
                    static_cast<std::size_t>(std::min<std::uint64_t>(hole_end - pos, sizeof(zeros)));
                if (std::memcmp(data, zeros, k) != 0) {
                    for (std::size_t i = 0; i < k; ++i)
                        if (data[i] != 0) mismatch(pos + i, 1);
                }
                data += k;
                pos += k;
            }
            if (pos == end) break;
            std::uint64_t const region_end = std::min(end, it->end);  // inside the region
            for (; pos < region_end; ++pos, ++data)
                if (*data != expected_byte(pos)) mismatch(pos, 1);
        }
    }

    int fd_;
    std::uint64_t offset_;
    std::atomic<std::uint64_t> received_{0};
    std::atomic<std::uint64_t> mismatches_{0};
    std::atomic<std::int64_t> first_mismatch_{-1};
    std::thread thread_;
};

sparse_file const& the_file() {
    static sparse_file const f;  // made once, removed at exit
    return f;
}

char const* mode_name(zerocopy::send_mode m) {
    return m == zerocopy::send_mode::native     ? "native"
           : m == zerocopy::send_mode::buffered ? "buffered"
                                                : "automatic";
}

template <class Stream = asio::ip::tcp::socket>
void async_transfer(zerocopy::send_mode mode, std::uint64_t offset, std::uint64_t count,
                    std::size_t max_chunk = zerocopy::sendfile_options{}.max_chunk) {
    BOOST_TEST_CONTEXT(mode_name(mode)
                       << " offset " << offset << " count " << count << " max_chunk " << max_chunk) {
        asio::io_context ioc;
        tcp_pair p(ioc);
        layout_receiver rx(p.b.native_handle(), offset);
        Stream stream(std::move(p.a));
        zerocopy::sendfile_options opt;
        opt.mode = mode;
        opt.max_chunk = max_chunk;
        error_code result = asio::error::would_block;
        std::uint64_t sent = 0;
        auto const t0 = std::chrono::steady_clock::now();
        zerocopy::async_sendfile(stream, the_file().fd(), offset, count, opt,
                                 [&](error_code ec, std::uint64_t n) {
                                     result = ec;
                                     sent = n;
                                     stream.close();
                                 });
        ioc.run();
        rx.join();
        auto const ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
                .count();
        BOOST_TEST_MESSAGE(mode_name(mode) << ": " << sent << " bytes in " << ms << " ms");

        std::uint64_t const want = count == zerocopy::to_end ? file_size - offset : count;
        BOOST_TEST(!result, result.message());
        BOOST_TEST(sent == want);
        BOOST_TEST(rx.received() == want);
        BOOST_TEST(rx.mismatches() == 0u, rx.mismatches()
                                              << " bytes differ, the first at " << rx.first_mismatch());
    }
}

// A range that starts above 4 GiB, inside the region straddling it, and ends inside the last
// region, a little before the end of the file.
constexpr std::uint64_t high_offset = 4 * GiB + 1234;
constexpr std::uint64_t high_count = file_size - 777 - high_offset;

}  // namespace

BOOST_AUTO_TEST_SUITE(large_file)

BOOST_AUTO_TEST_CASE(layout_self_check) {
    // The file really holds the layout (pread at the interesting offsets), so that a wrong
    // expectation cannot hide a wrong transfer.
    for (std::uint64_t pos :
         {std::uint64_t(0), 2 * GiB - 1, 2 * GiB, std::uint64_t(0x7ffff000), 4 * GiB - 1, 4 * GiB,
          4 * GiB + 69999, 4 * GiB + 70000, 5 * GiB, file_size - 5001, file_size - 1}) {
        unsigned char b = 0xAA;
        BOOST_REQUIRE(::pread(the_file().fd(), &b, 1, static_cast<off_t>(pos)) == 1);
        BOOST_TEST(b == expected_byte(pos), "at " << pos);
    }
    BOOST_TEST(expected_byte(2 * GiB) != 0);
    BOOST_TEST(expected_byte(4 * GiB) != 0);
    BOOST_TEST(expected_byte(file_size - 1) != 0);
    BOOST_TEST(expected_byte(GiB) == 0);
}

BOOST_AUTO_TEST_CASE(whole_file_native) {
    async_transfer(zerocopy::send_mode::native, 0, zerocopy::to_end);
}

BOOST_AUTO_TEST_CASE(whole_file_buffered) {
    async_transfer(zerocopy::send_mode::buffered, 0, zerocopy::to_end);
}

BOOST_AUTO_TEST_CASE(range_above_4gib_native) {
    async_transfer(zerocopy::send_mode::native, high_offset, high_count);
}

BOOST_AUTO_TEST_CASE(range_above_4gib_buffered) {
    async_transfer(zerocopy::send_mode::buffered, high_offset, high_count);
}

// Through a beast::tcp_stream: whenever the socket is full, the next piece goes through the
// stream's own write (read with pread at a 64-bit offset) before zero-copy resumes.
BOOST_AUTO_TEST_CASE(range_above_4gib_beast_tcp_stream) {
    async_transfer<beast::tcp_stream>(zerocopy::send_mode::automatic, high_offset, high_count);
}

// A range longer than the per-call limit that starts just below 2 GiB and ends past 4 GiB,
// with a turn size (max_chunk) that does not fit in 32 bits either, so each native step asks
// the kernel for more than it moves per call.
BOOST_AUTO_TEST_CASE(range_across_2gib_and_4gib_automatic_huge_turns) {
    constexpr std::uint64_t huge = 4 * GiB + 4097;
    constexpr std::size_t turn = std::numeric_limits<std::size_t>::max() > huge
                                     ? static_cast<std::size_t>(huge)
                                     : std::numeric_limits<std::size_t>::max();
    async_transfer(zerocopy::send_mode::automatic, 2 * GiB - 1000, 2 * GiB + 2000, turn);
}

BOOST_AUTO_TEST_CASE(blocking_twin_whole_file, *boost::unit_test::label("blocking_twin")) {
    asio::io_context ioc;
    tcp_pair p(ioc);
    layout_receiver rx(p.b.native_handle(), 0);
    error_code ec;
    std::uint64_t const sent = zerocopy::sendfile(p.a, the_file().fd(), 0, zerocopy::to_end, ec);
    p.a.close();
    rx.join();
    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(sent == file_size);
    BOOST_TEST(rx.received() == file_size);
    BOOST_TEST(rx.mismatches() == 0u, rx.mismatches()
                                          << " bytes differ, the first at " << rx.first_mismatch());
}

BOOST_AUTO_TEST_SUITE_END()
