//
// Windows version of test/common/test_util.hpp, with the same names: temporary files (fd()
// is the HANDLE), connected TCP pairs, a receiver thread that checks every byte. The Windows
// test build puts test/windows/shim first on the include path, so portable test files
// (test/integration/tokens.cpp) compile unchanged against it.
//
#ifndef ZEROCOPY_TEST_WINDOWS_SHIM_TEST_UTIL_HPP
#define ZEROCOPY_TEST_WINDOWS_SHIM_TEST_UTIL_HPP

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <winsock2.h>
#include <windows.h>
#include <winioctl.h>

namespace zerocopy_test {

/// The byte every test file holds at `pos` (a pattern that catches offset mistakes).
inline unsigned char pattern_byte(std::uint64_t pos) noexcept {
    std::uint64_t x = pos * 0x9E3779B97F4A7C15ull;
    return static_cast<unsigned char>((x >> 56) ^ (pos >> 12) ^ pos);
}

inline std::wstring temp_dir() {
    wchar_t buf[MAX_PATH + 1];
    DWORD const n = ::GetTempPathW(MAX_PATH + 1, buf);
    if (n == 0) throw std::runtime_error("GetTempPathW failed");
    return std::wstring(buf, n);
}

/// Writes `size` bytes at `offset` of `h` (WriteFile at an explicit offset).
inline void write_at(HANDLE h, std::uint64_t offset, void const* data, std::size_t size) {
    OVERLAPPED ov{};
    ov.Offset = static_cast<DWORD>(offset);
    ov.OffsetHigh = static_cast<DWORD>(offset >> 32);
    DWORD n = 0;
    if (!::WriteFile(h, data, static_cast<DWORD>(size), &n, &ov) || n != size)
        throw std::runtime_error("WriteFile failed");
}

/// Writes pattern_byte() over [offset, offset + size).
inline void write_pattern(HANDLE h, std::uint64_t offset, std::uint64_t size) {
    std::vector<unsigned char> buf(1 << 20);
    for (std::uint64_t pos = 0; pos < size;) {
        std::size_t const n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - pos));
        for (std::size_t i = 0; i < n; ++i) buf[i] = pattern_byte(offset + pos + i);
        write_at(h, offset + pos, buf.data(), n);
        pos += n;
    }
}

inline std::int64_t file_position(HANDLE h) {
    LARGE_INTEGER zero{}, pos{};
    ::SetFilePointerEx(h, zero, &pos, FILE_CURRENT);
    return pos.QuadPart;
}

inline void set_file_position(HANDLE h, std::int64_t p) {
    LARGE_INTEGER to{};
    to.QuadPart = p;
    if (!::SetFilePointerEx(h, to, nullptr, FILE_BEGIN)) throw std::runtime_error("SetFilePointerEx failed");
}

inline void set_file_size(HANDLE h, std::uint64_t size) {
    FILE_END_OF_FILE_INFO eof{};
    eof.EndOfFile.QuadPart = static_cast<LONGLONG>(size);
    if (!::SetFileInformationByHandle(h, FileEndOfFileInfo, &eof, sizeof eof))
        throw std::runtime_error("SetFileInformationByHandle(EndOfFile) failed");
}

/// A temporary file, removed on destruction. fd() is its HANDLE (synchronous I/O, read/write).
class temp_file {
public:
    /// Creates a file of `size` bytes filled with pattern_byte().
    explicit temp_file(std::uint64_t size) {
        create();
        write_pattern(h_, 0, size);
    }
    struct sparse_tag {};
    /// Creates a sparse file of `size` bytes (all holes).
    temp_file(sparse_tag, std::uint64_t size) {
        create();
        DWORD ret = 0;
        ::DeviceIoControl(h_, FSCTL_SET_SPARSE, nullptr, 0, nullptr, 0, &ret, nullptr);  // best effort
        set_file_size(h_, size);
    }
    temp_file(temp_file const&) = delete;
    temp_file& operator=(temp_file const&) = delete;
    ~temp_file() {
        if (h_ != INVALID_HANDLE_VALUE) ::CloseHandle(h_);
        ::DeleteFileW(path_.c_str());
    }
    HANDLE fd() const noexcept { return h_; }
    /// Closes the handle held since creation (others may then open the file without sharing
    /// write access); the file is still removed on destruction.
    void close() noexcept {
        if (h_ != INVALID_HANDLE_VALUE) ::CloseHandle(h_);
        h_ = INVALID_HANDLE_VALUE;
    }
    std::wstring const& path() const noexcept { return path_; }
    /// Opens the file again with `access` (GENERIC_READ, GENERIC_WRITE...); the caller closes it.
    HANDLE reopen(DWORD access, DWORD flags = FILE_ATTRIBUTE_NORMAL) const {
        return ::CreateFileW(path_.c_str(), access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                             OPEN_EXISTING, flags, nullptr);
    }

private:
    void create() {
        static std::atomic<unsigned> counter{0};
        path_ = temp_dir() + L"zerocopy-test-" + std::to_wstring(::GetCurrentProcessId()) + L"-" +
                std::to_wstring(counter++) + L".bin";
        h_ = ::CreateFileW(path_.c_str(), GENERIC_READ | GENERIC_WRITE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, CREATE_ALWAYS,
                           FILE_ATTRIBUTE_NORMAL, nullptr);
        if (h_ == INVALID_HANDLE_VALUE) throw std::runtime_error("CreateFileW failed");
    }
    std::wstring path_;
    HANDLE h_ = INVALID_HANDLE_VALUE;
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

/// Reads from a socket on its own thread until EOF or error (or until stopped), checking each
/// byte against pattern_byte(offset + i) (or against `expected` when given). Optionally sleeps
/// between reads (a slow reader). The socket must stay open while the receiver runs.
class receiver {
public:
    using expect_fn = std::function<unsigned char(std::uint64_t)>;

    receiver(SOCKET s, std::uint64_t offset, expect_fn expected = {}, std::size_t chunk = 256 * 1024,
             std::chrono::microseconds pause = std::chrono::microseconds(0))
        : s_(s), offset_(offset), expected_(std::move(expected)), chunk_(chunk), pause_(pause) {
        u_long blocking = 0;
        ::ioctlsocket(s_, FIONBIO, &blocking);
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
    /// Makes the reader stop at its next read.
    void stop_reading() {
        if (!stopped_.exchange(true)) ::shutdown(s_, SD_RECEIVE);
    }
    std::uint64_t received() const noexcept { return received_.load(); }
    std::uint64_t mismatches() const noexcept { return mismatches_.load(); }
    std::int64_t first_mismatch() const noexcept { return first_mismatch_.load(); }

private:
    void run() {
        std::vector<char> buf(chunk_);
        for (;;) {
            if (pause_.count() != 0) std::this_thread::sleep_for(pause_);
            int const n = ::recv(s_, buf.data(), static_cast<int>(buf.size()), 0);
            if (n <= 0 || stopped_.load()) break;
            std::uint64_t const base = offset_ + received_.load();
            std::uint64_t bad = 0;
            for (int i = 0; i < n; ++i) {
                unsigned char const want = expected_ ? expected_(base + i) : pattern_byte(base + i);
                if (static_cast<unsigned char>(buf[i]) != want) {
                    if (bad == 0 && first_mismatch_.load() < 0) first_mismatch_ = static_cast<std::int64_t>(base + i);
                    ++bad;
                }
            }
            mismatches_ += bad;
            received_ += static_cast<std::uint64_t>(n);
        }
    }

    SOCKET s_;
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
