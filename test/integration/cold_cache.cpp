// Issue 14: a cold page cache never blocks the event loop. Real files on a block-backed file system
// (evicted with fsync + POSIX_FADV_DONTNEED; where that cannot evict, e.g. tmpfs, the cases that need
// a cold file say so and end), real sockets, and the library's own counters
// (detail::off_loop_stats()) to see which path was taken, never timing.
#include <zerocopy/async_sendfile.hpp>
// The header must be self-contained: included first above.
#include <zerocopy.hpp>

#include "common/sendfile_test_util.hpp"
#include "common/test_util.hpp"

#include <boost/asio.hpp>
#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

namespace asio = boost::asio;
using boost::system::error_code;
using namespace zerocopy_test;
using zerocopy::detail::off_loop_stats;

namespace {

constexpr std::uint64_t mib = 1024 * 1024;

// Drops `fd`'s pages from the page cache; false when they stay (tmpfs, or a file system that keeps them).
// Pages of `fd` in the page cache, counted by mincore(2): the test runs as the file's owner (for
// whom mincore tells the truth), and unlike a read it starts no readahead.
std::size_t resident_pages(int fd, std::uint64_t size) {
    void* const map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) return static_cast<std::size_t>(-1);
    long const page = ::sysconf(_SC_PAGESIZE);
    std::vector<unsigned char> vec((size + page - 1) / page);
    std::size_t n = 0;
    if (::mincore(map, size, vec.data()) != 0)
        n = static_cast<std::size_t>(-1);
    else
        for (unsigned char v : vec) n += v & 1;
    ::munmap(map, size);
    return n;
}

bool evict(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size == 0) return false;
    // Until no page is left: pages still under writeback, or just read by a previous case or
    // another test under a parallel ctest, can stay for a while.
    for (int attempt = 0; attempt < 50; ++attempt) {
        ::fsync(fd);  // POSIX_FADV_DONTNEED skips dirty pages
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        if (resident_pages(fd, static_cast<std::uint64_t>(st.st_size)) == 0) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

// Brings `fd`'s pages into the page cache.
void warm(int fd, std::uint64_t size) {
    std::vector<unsigned char> buf(mib);
    for (std::uint64_t pos = 0; pos < size;) {
        ssize_t const n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(pos));
        if (n <= 0) break;
        pos += static_cast<std::uint64_t>(n);
    }
}

#define ZEROCOPY_REQUIRE_EVICTION(fd)                                                         \
    do {                                                                                      \
        if (!evict(fd)) {                                                                     \
            BOOST_TEST_MESSAGE(                                                               \
                "skipped: the test file's pages cannot be evicted here (tmpfs?); set TMPDIR " \
                "to a block-backed folder");                                                  \
            return;                                                                           \
        }                                                                                     \
    } while (false)

struct counts {
    std::uint64_t probes, not_resident, off_loop_reads, cachestat, nowait;
    static counts now() {
        auto& s = off_loop_stats();
        return {s.probes.load(), s.not_resident.load(), s.off_loop_reads.load(), s.cachestat_probes.load(),
                s.nowait_probes.load()};
    }
    counts operator-(counts const& o) const {
        return {probes - o.probes, not_resident - o.not_resident, off_loop_reads - o.off_loop_reads,
                cachestat - o.cachestat, nowait - o.nowait};
    }
};

// A stream that Asio knows nothing special about: the buffered path (automatic mode) takes it.
class generic_stream {
public:
    using executor_type = asio::ip::tcp::socket::executor_type;
    explicit generic_stream(asio::ip::tcp::socket& s) : s_(s) {}
    executor_type get_executor() { return s_.get_executor(); }
    template <class Buffers, class Token>
    auto async_write_some(Buffers const& b, Token&& t) {
        return s_.async_write_some(b, std::forward<Token>(t));
    }

private:
    asio::ip::tcp::socket& s_;
};

// One transfer of all of `f` over a TCP pair, checked byte by byte; returns what the handler got.
template <class MakeStream>
result send_all(temp_file const& f, std::uint64_t size, zerocopy::sendfile_options const& o,
                MakeStream make) {
    asio::io_context ioc;
    tcp_pair p(ioc);
    receiver rx(p.b.native_handle(), 0);
    auto&& stream = make(p.a);
    result r;
    zerocopy::async_sendfile(stream, f.fd(), 0, size, o, [&](error_code ec, std::uint64_t n) {
        r = {ec, n, true};
        p.a.close();
    });
    ioc.run();
    rx.join();
    BOOST_TEST(rx.received() == r.n);
    BOOST_TEST(rx.mismatches() == 0u);
    return r;
}
auto const as_socket = [](asio::ip::tcp::socket& s) -> asio::ip::tcp::socket& { return s; };
auto const as_generic = [](asio::ip::tcp::socket& s) { return generic_stream(s); };

// A single-thread pool whose thread is held by a job until release(): a read posted there waits.
struct held_pool {
    asio::thread_pool pool{1};
    std::promise<void> gate;
    held_pool() {
        asio::post(pool, [f = gate.get_future().share()] { f.wait(); });
    }
    void release() { gate.set_value(); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(cold_cache)

BOOST_AUTO_TEST_CASE(evicted_file_is_read_off_loop_then_sent_native) {
    std::uint64_t const size = 9 * mib + 123;
    temp_file f(size);
    ZEROCOPY_REQUIRE_EVICTION(f.fd());
    counts const before = counts::now();
    result const r = send_all(f, size, zerocopy::sendfile_options{}, as_socket);
    counts const d = counts::now() - before;
    BOOST_TEST(!r.ec);
    BOOST_TEST(r.n == size);
    BOOST_TEST(d.probes >= 1u);
    BOOST_TEST(d.not_resident >= 1u);
    BOOST_TEST(d.off_loop_reads >= 1u);
}

BOOST_AUTO_TEST_CASE(cached_file_is_probed_and_never_read_off_loop) {
    std::uint64_t const size = 9 * mib + 123;
    temp_file f(size);
    warm(f.fd(), size);
    counts const before = counts::now();
    result const r = send_all(f, size, zerocopy::sendfile_options{}, as_socket);
    counts const d = counts::now() - before;
    BOOST_TEST(!r.ec);
    BOOST_TEST(r.n == size);
    BOOST_TEST(d.probes >= 1u);
    BOOST_TEST(d.not_resident == 0u);
    BOOST_TEST(d.off_loop_reads == 0u);
}

BOOST_AUTO_TEST_CASE(turned_off_never_probes) {
    std::uint64_t const size = 3 * mib;
    temp_file f(size);
    ZEROCOPY_REQUIRE_EVICTION(f.fd());
    zerocopy::sendfile_options o;
    o.off_loop_reads = false;
    counts const before = counts::now();
    result const r = send_all(f, size, o, as_socket);
    counts const d = counts::now() - before;
    BOOST_TEST(!r.ec);
    BOOST_TEST(r.n == size);
    BOOST_TEST(d.probes == 0u);
    BOOST_TEST(d.off_loop_reads == 0u);
}

BOOST_AUTO_TEST_CASE(buffered_path_reads_without_waiting_then_off_loop) {
    std::uint64_t const size = 5 * mib + 7;
    temp_file f(size);
    ZEROCOPY_REQUIRE_EVICTION(f.fd());
    counts const before = counts::now();
    result const r = send_all(f, size, zerocopy::sendfile_options{}, as_generic);
    counts const d = counts::now() - before;
    BOOST_TEST(!r.ec);
    BOOST_TEST(r.n == size);
    BOOST_TEST(d.probes == 0u);  // the buffered path's probe is its RWF_NOWAIT read
    BOOST_TEST(d.not_resident >= 1u);
    BOOST_TEST(d.off_loop_reads >= 1u);
    // Warm, the same path never leaves the loop.
    counts const again = counts::now();
    result const w = send_all(f, size, zerocopy::sendfile_options{}, as_generic);
    BOOST_TEST(w.n == size);
    BOOST_TEST((counts::now() - again).off_loop_reads == 0u);
}

BOOST_AUTO_TEST_CASE(application_executor_runs_the_reads) {
    std::uint64_t const size = 4 * mib;
    temp_file f(size);
    ZEROCOPY_REQUIRE_EVICTION(f.fd());
    asio::thread_pool pool(2);
    zerocopy::sendfile_options o;
    o.disk_executor = pool.get_executor();
    counts const before = counts::now();
    result const r = send_all(f, size, o, as_socket);
    BOOST_TEST(!r.ec);
    BOOST_TEST(r.n == size);
    BOOST_TEST((counts::now() - before).off_loop_reads >= 1u);
}

// A file truncated while its range is brought in: unexpected_eof with exactly the bytes that exist.
BOOST_AUTO_TEST_CASE(truncated_while_brought_in) {
    std::uint64_t const size = 8 * mib;
    std::uint64_t const cut = 5 * mib + 123;
    temp_file f(size);
    ZEROCOPY_REQUIRE_EVICTION(f.fd());
    // The pool's one thread truncates the file as soon as the probe found it cold (the off-loop read
    // is queued behind), so the read meets the new end.
    asio::thread_pool pool(1);
    std::uint64_t const cold_before = off_loop_stats().not_resident.load();
    std::atomic<bool> truncated{false};
    asio::post(pool, [&] {
        auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (off_loop_stats().not_resident.load() == cold_before &&
               std::chrono::steady_clock::now() < deadline)
            std::this_thread::yield();
        truncated = ::ftruncate(f.fd(), static_cast<off_t>(cut)) == 0;
    });
    zerocopy::sendfile_options o;
    o.disk_executor = pool.get_executor();
    result const r = send_all(f, size, o, as_socket);
    BOOST_TEST(truncated.load());
    BOOST_TEST(r.ec == zerocopy::error::unexpected_eof);
    BOOST_TEST(r.n == cut);
}

// Cancellation while the read waits off-loop completes at once; the caller closes the file and the
// socket in the handler; the task, run later, reads its own duplicate and touches nothing else.
BOOST_AUTO_TEST_CASE(cancelled_during_off_loop_read_completes_at_once) {
    for (auto type : {asio::cancellation_type::terminal, asio::cancellation_type::partial,
                      asio::cancellation_type::total}) {
        std::uint64_t const size = 4 * mib;
        temp_file f(size);
        ZEROCOPY_REQUIRE_EVICTION(f.fd());
        int const fd = f.reopen(O_RDONLY);
        BOOST_REQUIRE(fd != -1);
        held_pool disk;
        asio::io_context ioc;
        tcp_pair p(ioc);
        asio::cancellation_signal sig;
        zerocopy::sendfile_options o;
        o.disk_executor = disk.pool.get_executor();
        result r;
        std::uint64_t const reads_before = off_loop_stats().off_loop_reads.load();
        zerocopy::async_sendfile(
            p.a, fd, 0, size, o,
            asio::bind_cancellation_slot(sig.slot(), [&](error_code ec, std::uint64_t n) {
                r = {ec, n, true};
                p.a.close();
                ::close(fd);  // at once: the task owns a duplicate
            }));
        ioc.poll();
        BOOST_TEST(!r.done);  // waiting for the read
        sig.emit(type);
        ioc.run();
        BOOST_TEST(r.done);
        BOOST_TEST(r.ec == asio::error::operation_aborted);
        BOOST_TEST(r.n == 0u);
        // The numbers may be reused at once; the task still reads its own descriptor.
        temp_file other(4096);
        disk.release();
        disk.pool.join();
        BOOST_TEST(off_loop_stats().off_loop_reads.load() == reads_before + 1);
    }
}

// The application's pool stops with a read queued: the transfer completes with operation_aborted.
BOOST_AUTO_TEST_CASE(pool_stopped_with_a_read_queued) {
    std::uint64_t const size = 4 * mib;
    temp_file f(size);
    ZEROCOPY_REQUIRE_EVICTION(f.fd());
    asio::io_context ioc;
    tcp_pair p(ioc);
    result r;
    {
        held_pool disk;
        zerocopy::sendfile_options o;
        o.disk_executor = disk.pool.get_executor();
        zerocopy::async_sendfile(p.a, f.fd(), 0, size, o, [&](error_code ec, std::uint64_t n) {
            r = {ec, n, true};
        });
        ioc.poll();
        BOOST_TEST(!r.done);
        disk.pool.stop();  // the held job ends, the read is never run
        disk.release();
        disk.pool.join();
    }  // the pool's destructor drops the read
    ioc.run();
    BOOST_TEST(r.done);
    BOOST_TEST(r.ec == asio::error::operation_aborted);
    BOOST_TEST(r.n == 0u);
}

// The execution context is destroyed during an off-loop read, with the library's own service and with
// an application pool: no hang, no use after free (ASan/TSan), the handler is destroyed, not invoked.
BOOST_AUTO_TEST_CASE(context_destroyed_during_off_loop_read) {
    std::uint64_t const size = 4 * mib;
    temp_file f(size);
    ZEROCOPY_REQUIRE_EVICTION(f.fd());
    bool invoked = false;
    {
        asio::io_context ioc;
        tcp_pair p(ioc);
        zerocopy::async_sendfile(p.a, f.fd(), 0, size, zerocopy::sendfile_options{},
                                 [&](error_code, std::uint64_t) { invoked = true; });
        ioc.poll();
    }  // disk_io_service joins its threads; the operation is destroyed
    BOOST_TEST(!invoked);
    BOOST_REQUIRE(evict(f.fd()));
    held_pool disk;
    {
        asio::io_context ioc;
        tcp_pair p(ioc);
        zerocopy::sendfile_options o;
        o.disk_executor = disk.pool.get_executor();
        zerocopy::async_sendfile(p.a, f.fd(), 0, size, o, [&](error_code, std::uint64_t) { invoked = true; });
        ioc.poll();
    }
    disk.release();  // the read runs after its operation and context are gone
    disk.pool.join();
    BOOST_TEST(!invoked);
}

// An unprivileged server serving a file it does not own: cachestat(2) answers EPERM there, so the
// probe is preadv2(RWF_NOWAIT), and it still sends the cold file from off the loop and the warm one
// without leaving it. A child process drops to uid/gid 65534 (needs root, which CI has).
BOOST_AUTO_TEST_CASE(unprivileged_user_not_owning_the_file) {
    if (::geteuid() != 0) {
        BOOST_TEST_MESSAGE("skipped: needs root to drop to another uid (CI runs as root)");
        return;
    }
    std::uint64_t const size = 6 * mib + 5;
    temp_file f(size);
    BOOST_REQUIRE(::fchmod(f.fd(), 0644) == 0);
    ZEROCOPY_REQUIRE_EVICTION(f.fd());
    std::fflush(nullptr);
    pid_t const pid = ::fork();
    BOOST_REQUIRE(pid != -1);
    if (pid == 0) {
        // Exit codes: 0 ok, 10+ a failed step.
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
        int const fd = ::open(f.path().c_str(), O_RDONLY | O_CLOEXEC);
        if (fd == -1) ::_exit(11);
        for (int round = 0; round < 2; ++round) {
            counts const before = counts::now();
            asio::io_context ioc;
            unix_pair p(ioc);
            receiver rx(p.b.native_handle(), 0);
            error_code got;
            std::uint64_t sent = 0;
            zerocopy::async_sendfile(p.a, fd, 0, size, [&](error_code ec, std::uint64_t n) {
                got = ec;
                sent = n;
                p.a.close();
            });
            ioc.run();
            rx.join();
            counts const d = counts::now() - before;
            if (got || sent != size || rx.received() != size || rx.mismatches() != 0) ::_exit(12 + round);
            if (d.cachestat != 0 || d.nowait == 0) ::_exit(14 + round);  // cachestat refused: EPERM
            bool const cold = round == 0;
            if (cold && (d.not_resident == 0 || d.off_loop_reads == 0)) ::_exit(16);
            if (!cold && d.off_loop_reads != 0) ::_exit(17);
        }
        ::_exit(0);
    }
    int status = 0;
    BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
}

// The blocking twin has no loop to keep free: it never probes.
BOOST_AUTO_TEST_CASE(blocking_twin_never_probes) {
    std::uint64_t const size = 2 * mib;
    temp_file f(size);
    ZEROCOPY_REQUIRE_EVICTION(f.fd());
    asio::io_context ioc;
    tcp_pair p(ioc);
    receiver rx(p.b.native_handle(), 0);
    counts const before = counts::now();
    error_code ec;
    std::uint64_t const n = zerocopy::sendfile(p.a, f.fd(), 0, size, ec);
    p.a.close();
    rx.join();
    BOOST_TEST(!ec);
    BOOST_TEST(n == size);
    BOOST_TEST((counts::now() - before).probes == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
