// A program outside the library, built against the zerocopy package: sends a 5 GiB sparse file
// over loopback TCP with
//     co_await zerocopy::async_sendfile(sock, fd, 0, zerocopy::to_end, asio::use_awaitable)
// and checks, on the receiving side, the length and every byte.
//
// The file has non-zero patterns at known offsets (the start, around 2 GiB, around 4 GiB, the
// end) and holes elsewhere: holes read back as zeros, so a transfer that truncated an offset to
// 32 bits would put zeros where a pattern belongs, or the reverse.
//
// Exit status: 0 on success, otherwise the first failed check (see `enum failure`).
#include <zerocopy.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cerrno>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

enum failure : int {
    ok = 0,
    cannot_make_file = 2,
    sender_error = 3,
    sent_count_wrong = 4,
    receiver_error = 5,
    received_count_wrong = 6,
    content_wrong = 7,
    exception_thrown = 8,
};

constexpr std::uint64_t GiB = std::uint64_t(1) << 30;
constexpr std::uint64_t file_size = 5 * GiB + 4321;

struct region {
    std::uint64_t begin, end;  // [begin, end), sorted and disjoint
};
constexpr std::array<region, 4> regions{{
    {0, 65536 + 7},
    {2 * GiB - 12288, 2 * GiB + 12288},
    {4 * GiB - 12288, 4 * GiB + 12288},
    {file_size - 9999, file_size},
}};

unsigned char expected_byte(std::uint64_t pos) noexcept {
    for (auto const& r : regions)
        if (pos >= r.begin && pos < r.end) {
            std::uint64_t const x = pos * 0x9E3779B97F4A7C15ull;
            return static_cast<unsigned char>(((x >> 56) ^ (pos >> 8) ^ pos) | 1u);  // never 0
        }
    return 0;
}

// Creates the sparse file, already unlinked (nothing is left behind, whatever happens).
int make_file() {
    char const* tmp = std::getenv("TMPDIR");
    std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/zerocopy-consumer-XXXXXX";
    int const fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd == -1) return -1;
    ::unlink(path.c_str());
    if (::ftruncate(fd, static_cast<off_t>(file_size)) != 0) return -1;
    std::vector<unsigned char> buf;
    for (auto const& r : regions) {
        buf.resize(static_cast<std::size_t>(r.end - r.begin));
        for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = expected_byte(r.begin + i);
        if (::pwrite(fd, buf.data(), buf.size(), static_cast<off_t>(r.begin)) !=
            static_cast<ssize_t>(buf.size()))
            return -1;
    }
    return fd;
}

struct outcome {
    boost::system::error_code send_ec;
    std::uint64_t sent = 0;
    boost::system::error_code receive_end;
    std::uint64_t received = 0;
    std::uint64_t mismatches = 0;
    std::uint64_t first_mismatch = 0;
    std::exception_ptr error;
};

// Checks data[0, n), which should be the file's bytes [pos, pos + n): holes against zeros a
// block at a time, regions byte by byte.
void check(unsigned char const* data, std::size_t n, std::uint64_t pos, outcome& out) {
    static unsigned char const zeros[64 * 1024] = {};
    auto const bad = [&](std::uint64_t at) {
        if (out.mismatches++ == 0) out.first_mismatch = at;
    };
    std::uint64_t const end = pos + n;
    while (pos < end) {
        auto const it =
            std::find_if(regions.begin(), regions.end(), [&](region const& r) { return r.end > pos; });
        std::uint64_t const hole_end = it == regions.end() ? end : std::min(end, std::max(pos, it->begin));
        while (pos < hole_end) {
            std::size_t const k =
                static_cast<std::size_t>(std::min<std::uint64_t>(hole_end - pos, sizeof(zeros)));
            if (std::memcmp(data, zeros, k) != 0)
                for (std::size_t i = 0; i < k; ++i)
                    if (data[i] != 0) bad(pos + i);
            data += k;
            pos += k;
        }
        if (pos == end) break;
        for (std::uint64_t const region_end = std::min(end, it->end); pos < region_end; ++pos, ++data)
            if (*data != expected_byte(pos)) bad(pos);
    }
}

asio::awaitable<void> send(tcp::acceptor& acceptor, int fd, outcome& out) {
    tcp::socket sock = co_await acceptor.async_accept(asio::use_awaitable);
    try {
        out.sent = co_await zerocopy::async_sendfile(sock, fd, 0, zerocopy::to_end, asio::use_awaitable);
    } catch (boost::system::system_error const& e) {
        out.send_ec = e.code();
    }
    sock.close();  // the receiver sees the end of the stream
}

asio::awaitable<void> receive(tcp::endpoint to, outcome& out) {
    tcp::socket sock(co_await asio::this_coro::executor);
    co_await sock.async_connect(to, asio::use_awaitable);
    std::vector<unsigned char> buf(1 << 20);
    for (;;) {
        auto [ec, n] = co_await sock.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
        check(buf.data(), n, out.received, out);
        out.received += n;
        if (ec) {
            out.receive_end = ec;
            break;
        }
    }
}

int fail(failure f, std::string const& what) {
    std::fprintf(stderr, "zerocopy_consumer: FAILED (%d): %s\n", int(f), what.c_str());
    return f;
}

}  // namespace

int main() {
    int const fd = make_file();
    if (fd == -1)
        return fail(cannot_make_file, std::string("cannot create the sparse file: ") + std::strerror(errno));

    outcome out;
    auto const t0 = std::chrono::steady_clock::now();
    try {
        asio::io_context ioc;
        tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
        auto const on_done = [&](std::exception_ptr e) {
            if (e && !out.error) out.error = e;
        };
        asio::co_spawn(ioc, send(acceptor, fd, out), on_done);
        asio::co_spawn(ioc, receive(acceptor.local_endpoint(), out), on_done);
        ioc.run();
    } catch (...) {
        out.error = std::current_exception();
    }
    ::close(fd);
    auto const ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);

    if (out.error) {
        try {
            std::rethrow_exception(out.error);
        } catch (std::exception const& e) {
            return fail(exception_thrown, e.what());
        } catch (...) {
            return fail(exception_thrown, "unknown exception");
        }
    }
    if (out.send_ec) return fail(sender_error, "async_sendfile: " + out.send_ec.message());
    if (out.sent != file_size)
        return fail(sent_count_wrong,
                    "sent " + std::to_string(out.sent) + " of " + std::to_string(file_size));
    if (out.receive_end != asio::error::eof)
        return fail(receiver_error, "receiver: " + out.receive_end.message());
    if (out.received != file_size)
        return fail(received_count_wrong,
                    "received " + std::to_string(out.received) + " of " + std::to_string(file_size));
    if (out.mismatches != 0)
        return fail(content_wrong, std::to_string(out.mismatches) + " bytes differ, the first at offset " +
                                       std::to_string(out.first_mismatch));
    std::printf("zerocopy_consumer: OK, %llu bytes sent and checked in %lld ms\n",
                static_cast<unsigned long long>(out.received), static_cast<long long>(ms.count()));
    return ok;
}
