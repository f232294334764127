//
// Linux part of the platform seam: zero-copy through sendfile(2).
//
// Other POSIX platforms compile this file to the honest answer "no native primitive": the
// operation then takes the buffered path. Windows has its own backend (src/platform_win32.cpp,
// TransmitFile); a FreeBSD/macOS sendfile(2) (with sf_hdtr) backend slots in the same way.
//
#include <zerocopy/detail/platform.hpp>

#if defined(__linux__)

#include "posix_call.hpp"
#include "sigpipe_guard.hpp"

#include <boost/assert.hpp>

#include <cerrno>
#include <limits>

#include <signal.h>
#include <algorithm>

#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

namespace zerocopy {
namespace detail {

bool has_native_send() noexcept {
    return true;
}

namespace {
constexpr std::size_t sendfile_max = 0x7ffff000;  // what Linux moves per call at most

// One sendfile(2) call of at most sendfile_max bytes, at an explicit offset (the file position is
// untouched).
io_result sendfile_once(native_stream_handle out, native_file_handle file, std::uint64_t offset,
                        std::size_t count) noexcept {
    if (offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) return {};  // past EOF
    if (count > sendfile_max) count = sendfile_max;
    return call_retrying_eintr([&] {
        off_t off = static_cast<off_t>(offset);
        return ::sendfile(out, file, &off, count);
    });
}
}  // namespace

io_result native_send(native_stream_handle out, native_file_handle file, std::uint64_t offset,
                      std::size_t count, void const*, std::size_t) noexcept {
    // No head here (platform_caps::native_head is false): the machine sends it with send_nosignal.
    sigpipe_guard guard;
    io_result const r = sendfile_once(out, file, offset, count);
    // A short count can mean the peer went away mid-call: the kernel then raised SIGPIPE and still
    // returned the bytes it had moved.
    guard.discard_if(r.ec ? r.ec.value() == EPIPE : r.bytes < std::min(count, sendfile_max));
    return r;
}

io_result native_send_unguarded(native_stream_handle out, native_file_handle file, std::uint64_t offset,
                                std::size_t count) noexcept {
    // The caller declared SIGPIPE ignored process-wide (sendfile_options::sigpipe_ignored).
    BOOST_ASSERT_MSG(sigpipe_is_ignored(), "sendfile_options::sigpipe_ignored, but SIGPIPE is not ignored");
    return sendfile_once(out, file, offset, count);
}

// ---------------------------------------------------------------------------------------------
// Issue 14: page-cache residency.

namespace {
#if defined(__NR_cachestat)
constexpr long cachestat_nr = __NR_cachestat;
#elif defined(__x86_64__) || defined(__aarch64__) || defined(__i386__) || defined(__arm__) || \
    defined(__riscv) || defined(__powerpc__) || defined(__s390__)
constexpr long cachestat_nr = 451;  // the same on every architecture with the unified table (Linux 6.5)
#else
constexpr long cachestat_nr = -1;
#endif

// linux/mman.h's, which older kernel headers lack.
struct cachestat_range {
    std::uint64_t off;
    std::uint64_t len;
};
struct cachestat_result {
    std::uint64_t nr_cache;
    std::uint64_t nr_dirty;
    std::uint64_t nr_writeback;
    std::uint64_t nr_evicted;
    std::uint64_t nr_recently_evicted;
};

std::uint64_t page_size() noexcept {
    static std::uint64_t const p = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    return p;
}

// Cached pages of file[off, +len), or -1 with errno.
long long cached_pages(int file, std::uint64_t off, std::uint64_t len) noexcept {
    if (cachestat_nr < 0) {
        errno = ENOSYS;
        return -1;
    }
    cachestat_range range{off, len};
    cachestat_result cs{};
    if (::syscall(cachestat_nr, file, &range, &cs, 0) != 0) return -1;
    return static_cast<long long>(cs.nr_cache);
}

// Whether cachestat finds none of file[offset, +size) cached: 1 none, 0 some, -1 with errno if it
// cannot answer. (It cannot say more: it counts pages still being read from the disk as cached, so
// "all cached" would not mean that sendfile does not wait.)
int none_cached(int file, std::uint64_t offset, std::size_t size) noexcept {
    long long const n = cached_pages(file, offset, size);
    return n < 0 ? -1 : n == 0 ? 1 : 0;
}

// The resident prefix by one-byte RWF_NOWAIT reads, one per readahead window and the last byte:
// up to the page of the first sample that is not resident.
io_result probe_by_nowait_read(int file, std::uint64_t offset, std::size_t size) noexcept {
    constexpr std::uint64_t stride = 128 * 1024;
    std::uint64_t const end = offset + size;
    io_result r;
    for (std::uint64_t at = offset;;) {
        unsigned char byte;
        io_result const one = read_at_nowait(file, at, &byte, 1);
        if (one.ec == boost::system::errc::resource_unavailable_try_again) {
            std::uint64_t const cold_page = at / page_size() * page_size();
            r.bytes = cold_page <= offset ? 0 : static_cast<std::size_t>(cold_page - offset);
            return r;
        }
        if (one.ec) {
            r.ec = one.ec;
            return r;
        }
        if (one.bytes == 0 || at == end - 1) break;  // end of file (the native send finds it), or all sampled
        std::uint64_t const next = (at / stride + 1) * stride;
        if (next < end)
            at = next;
        else if ((end - 1) / page_size() != at / page_size())
            at = end - 1;  // the last page too
        else
            break;  // the last page was the one just sampled
    }
    r.bytes = size;
    return r;
}
}  // namespace

io_result read_at_nowait(native_file_handle file, std::uint64_t offset, void* data,
                         std::size_t size) noexcept {
    if (offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) return {};  // past any EOF
    constexpr std::size_t kernel_max = 0x7ffff000;
    if (size > kernel_max) size = kernel_max;
    iovec iov{data, size};
    io_result const r =
        call_retrying_eintr([&] { return ::preadv2(file, &iov, 1, static_cast<off_t>(offset), RWF_NOWAIT); });
    if (r.ec == boost::system::errc::resource_unavailable_try_again)
        off_loop_stats().not_resident.fetch_add(1, std::memory_order_relaxed);
    return r;
}

io_result probe_resident(native_file_handle file, std::uint64_t offset, std::size_t size,
                         probe_method& method) noexcept {
    auto& stats = off_loop_stats();
    stats.probes.fetch_add(1, std::memory_order_relaxed);
    if (size == 0) return {};
    constexpr std::size_t one_sample = 128 * 1024;  // probe_by_nowait_read's stride
    if (method != probe_method::nowait_read && size > one_sample) {
        // cachestat first where it answers, for ranges that need more than one sample: a range
        // with nothing cached is cold without sampling (and without the readahead a RWF_NOWAIT
        // read starts). A small range (a small file) costs one preadv2 and nothing else.
        int const none = none_cached(file, offset, size);
        if (none >= 0) {
            method = probe_method::cachestat;
            if (none == 1) {
                stats.cachestat_probes.fetch_add(1, std::memory_order_relaxed);
                stats.not_resident.fetch_add(1, std::memory_order_relaxed);
                return {};
            }
        } else {
            // EPERM: a file the caller neither owns nor may write; ENOSYS: before Linux 6.5.
            method = probe_method::nowait_read;
        }
    }
    stats.nowait_probes.fetch_add(1, std::memory_order_relaxed);
    return probe_by_nowait_read(file, offset, size);
}

}  // namespace detail
}  // namespace zerocopy

#elif !defined(_WIN32)

#include <boost/system/errc.hpp>

namespace zerocopy {
namespace detail {

bool has_native_send() noexcept {
    return false;
}

io_result native_send(native_stream_handle, native_file_handle, std::uint64_t, std::size_t, void const*,
                      std::size_t) noexcept {
    io_result r;
    r.ec = boost::system::errc::make_error_code(boost::system::errc::function_not_supported);
    return r;
}

io_result native_send_unguarded(native_stream_handle out, native_file_handle file, std::uint64_t offset,
                                std::size_t count) noexcept {
    return native_send(out, file, offset, count);
}

// Issue 14: no residency probe here (platform caps say so; these answer if asked anyway).
io_result probe_resident(native_file_handle, std::uint64_t, std::size_t, probe_method&) noexcept {
    io_result r;
    r.ec = boost::system::errc::make_error_code(boost::system::errc::operation_not_supported);
    return r;
}

io_result read_at_nowait(native_file_handle, std::uint64_t, void*, std::size_t) noexcept {
    io_result r;
    r.ec = boost::system::errc::make_error_code(boost::system::errc::operation_not_supported);
    return r;
}

}  // namespace detail
}  // namespace zerocopy

#endif
