//
// Helpers shared by the tests: temporary files with a known pattern, connected socket pairs,
// a receiver thread that checks every byte.
//
#ifndef ZEROCOPY_TEST_COMMON_TEST_UTIL_HPP
#define ZEROCOPY_TEST_COMMON_TEST_UTIL_HPP

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace zerocopy_test {

/// The byte every test file holds at `pos` (a pattern that catches offset mistakes).
inline unsigned char pattern_byte(std::uint64_t pos) noexcept {
    std::uint64_t x = pos * 0x9E3779B97F4A7C15ull;
    return static_cast<unsigned char>((x >> 56) ^ (pos >> 12) ^ pos);
}

/// A temporary file, removed on destruction.
class temp_file {
public:
    /// Creates a file of `size` bytes filled with pattern_byte().
    explicit temp_file(std::uint64_t size, std::string const& dir = "/tmp") {
        create(dir);
        std::vector<unsigned char> buf(1 << 20);
        for (std::uint64_t pos = 0; pos < size;) {
            std::size_t const n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - pos));
            for (std::size_t i = 0; i < n; ++i) buf[i] = pattern_byte(pos + i);
            if (::pwrite(fd_, buf.data(), n, static_cast<off_t>(pos)) != static_cast<ssize_t>(n))
                throw std::runtime_error("pwrite failed");
            pos += n;
        }
    }
    struct sparse_tag {};
    /// Creates a sparse file of `size` bytes (all holes).
    temp_file(sparse_tag, std::uint64_t size) {
        create("/tmp");
        if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) throw std::runtime_error("ftruncate failed");
    }
    temp_file(temp_file const&) = delete;
    temp_file& operator=(temp_file const&) = delete;
    ~temp_file() {
        if (fd_ != -1) ::close(fd_);
        ::unlink(path_.c_str());
    }
    int fd() const noexcept { return fd_; }
    std::string const& path() const noexcept { return path_; }
    /// Opens the file again with `flags` (the caller closes it).
    int reopen(int flags) const { return ::open(path_.c_str(), flags | O_CLOEXEC); }

private:
    void create(std::string const& dir) {
        path_ = dir + "/zerocopy-test-XXXXXX";
        fd_ = ::mkostemp(path_.data(), O_CLOEXEC);
        if (fd_ == -1) throw std::runtime_error("mkostemp failed");
    }
    std::string path_;
    int fd_ = -1;
};

/// A connected TCP pair on 127.0.0.1: `a` sends, `b` receives (blocking by default).
struct tcp_pair {
    explicit tcp_pair(boost::asio::io_context& ioc) : a(ioc), b(ioc) {
        using boost::asio::ip::tcp;
        tcp::acceptor acc(ioc, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
        a.connect(acc.local_endpoint());
        acc.accept(b);
    }
    boost::asio::ip::tcp::socket a, b;
};

/// A connected AF_UNIX stream pair.
struct unix_pair {
    explicit unix_pair(boost::asio::io_context& ioc) : a(ioc), b(ioc) { boost::asio::local::connect_pair(a, b); }
    boost::asio::local::stream_protocol::socket a, b;
};

/// A pipe: `a` is the write end, `b` the read end.
struct pipe_pair {
    explicit pipe_pair(boost::asio::io_context& ioc) : a(ioc), b(ioc) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
        b.assign(fds[0]);
        a.assign(fds[1]);
    }
    boost::asio::posix::stream_descriptor a, b;
};

/// Reads from a blocking descriptor on its own thread until EOF or error (or until `limit`
/// bytes when set), checking each byte against pattern_byte(offset + i) (or against
/// `expected` when given). Optionally sleeps between reads (a slow reader).
class receiver {
public:
    using expect_fn = std::function<unsigned char(std::uint64_t)>;

    receiver(int fd, std::uint64_t offset, expect_fn expected = {}, std::size_t chunk = 256 * 1024,
             std::chrono::microseconds pause = std::chrono::microseconds(0))
        : fd_(::dup(fd)), offset_(offset), expected_(std::move(expected)), chunk_(chunk), pause_(pause) {
        int const flags = ::fcntl(fd_, F_GETFL);
        ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
        thread_ = std::thread([this] { run(); });
    }
    receiver(receiver const&) = delete;
    receiver& operator=(receiver const&) = delete;
    ~receiver() {
        stop_reading();
        join();
    }

    /// Waits for EOF (the sending side must be closed or shut down).
    void join() {
        if (thread_.joinable()) thread_.join();
    }
    /// Makes the reader stop at its next read and close its descriptor.
    void stop_reading() {
        if (fd_ != -1 && !stopped_.exchange(true)) ::shutdown(fd_, SHUT_RD);
    }
    std::uint64_t received() const noexcept { return received_.load(); }
    std::uint64_t mismatches() const noexcept { return mismatches_.load(); }
    std::int64_t first_mismatch() const noexcept { return first_mismatch_.load(); }

private:
    void run() {
        std::vector<unsigned char> buf(chunk_);
        for (;;) {
            if (pause_.count() != 0) std::this_thread::sleep_for(pause_);
            ssize_t const n = ::read(fd_, buf.data(), buf.size());
            if (n <= 0) break;
            std::uint64_t const base = offset_ + received_.load();
            std::uint64_t bad = 0;
            for (ssize_t i = 0; i < n; ++i) {
                unsigned char const want = expected_ ? expected_(base + i) : pattern_byte(base + i);
                if (buf[i] != want) {
                    if (bad == 0 && first_mismatch_.load() < 0) first_mismatch_ = static_cast<std::int64_t>(base + i);
                    ++bad;
                }
            }
            mismatches_ += bad;
            received_ += static_cast<std::uint64_t>(n);
        }
        ::close(fd_);
    }

    int fd_;
    std::uint64_t offset_;
    expect_fn expected_;
    std::size_t chunk_;
    std::chrono::microseconds pause_;
    std::atomic<std::uint64_t> received_{0};
    std::atomic<std::uint64_t> mismatches_{0};
    std::atomic<std::int64_t> first_mismatch_{-1};
    std::atomic<bool> stopped_{false};
    std::thread thread_;
};

}  // namespace zerocopy_test

#endif
