// Integration tests of zerocopy::async_sendfile over real loopback sockets, pipes and files.
#include <zerocopy/async_sendfile.hpp>
// The header must be self-contained: included first above.
#include <zerocopy.hpp>

#include "common/test_util.hpp"

#include <boost/asio.hpp>
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/resource.h>

namespace asio = boost::asio;
using boost::system::error_code;
using namespace zerocopy_test;

namespace {

struct result {
    error_code ec;
    std::uint64_t n = 0;
    bool done = false;
};

std::vector<zerocopy::send_mode> const all_modes{zerocopy::send_mode::automatic, zerocopy::send_mode::native,
                                                 zerocopy::send_mode::buffered};

template <class Pair>
void check_range(zerocopy::send_mode mode, std::uint64_t file_size, std::uint64_t offset, std::uint64_t count) {
    asio::io_context ioc;
    Pair p(ioc);
    temp_file f(file_size);
    // The file position must be neither used nor changed.
    BOOST_REQUIRE(::lseek(f.fd(), 12345, SEEK_SET) == 12345);
    receiver rx(p.b.native_handle(), offset);
    zerocopy::sendfile_options opt;
    opt.mode = mode;
    result r;
    zerocopy::async_sendfile(p.a, f.fd(), offset, count, opt, [&](error_code ec, std::uint64_t n) {
        r = {ec, n, true};
        p.a.close();
    });
    BOOST_TEST(!r.done);  // never inline
    ioc.run();
    rx.join();
    std::uint64_t const expected = count == zerocopy::to_end ? file_size - offset : count;
    BOOST_TEST_CONTEXT("mode " << int(mode) << " size " << file_size << " offset " << offset << " count " << count) {
        BOOST_TEST(r.done);
        BOOST_TEST(!r.ec, r.ec.message());
        BOOST_TEST(r.n == expected);
        BOOST_TEST(rx.received() == expected);
        BOOST_TEST(rx.mismatches() == 0u);
        BOOST_TEST(::lseek(f.fd(), 0, SEEK_CUR) == 12345);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(range)

BOOST_AUTO_TEST_CASE(exact_range_tcp_unix_pipe_all_modes) {
    struct c {
        std::uint64_t size, offset, count;
    };
    std::vector<c> const cases{{1, 0, 1},           {4096, 0, zerocopy::to_end}, {3 << 20, 7, 1 << 20},
                               {3 << 20, 1, zerocopy::to_end}, {100000, 99999, 1},   {5 << 20, 4096, (5 << 20) - 4096}};
    for (auto mode : all_modes)
        for (auto const& k : cases) {
            check_range<tcp_pair>(mode, k.size, k.offset, k.count);
            check_range<unix_pair>(mode, k.size, k.offset, k.count);
            check_range<pipe_pair>(mode, k.size, k.offset, k.count);
        }
}

BOOST_AUTO_TEST_SUITE_END()
