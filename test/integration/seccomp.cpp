// Integration tests: the kernel refuses sendfile(2) — as a seccomp filter in a container does —
// and the operation must fall back to the buffered path in send_mode::automatic, and report
// the refusal in send_mode::native.
//
// Each scenario runs in a fork()ed child that installs a seccomp BPF filter making SYS_sendfile
// fail with ENOSYS (and, separately, EPERM), then transfers over real loopback sockets and
// pipes, checking every byte. The child reports through its exit status: 0, or the code of the
// first check that failed (every failed check is also printed on stderr). The parent fails the
// test on any other status, on a crash, and on a timeout.
#include <zerocopy/async_sendfile.hpp>

#include "common/test_util.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/errc.hpp>
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace errc = boost::system::errc;
using boost::system::error_code;
using namespace zerocopy_test;

namespace {

#if defined(__x86_64__)
constexpr std::uint32_t filter_arch = AUDIT_ARCH_X86_64;
constexpr bool filter_supported = true;
#elif defined(__aarch64__)
constexpr std::uint32_t filter_arch = AUDIT_ARCH_AARCH64;
constexpr bool filter_supported = true;
#else
constexpr std::uint32_t filter_arch = 0;
constexpr bool filter_supported = false;
#endif

// Installs a filter under which sendfile(2) fails with `err` and every other system call is
// allowed. A call from another architecture (a 32-bit ABI) is allowed untouched: its numbers
// differ, and the library under test is built for this one.
// Returns 0, or the errno of the failed prctl.
int install_sendfile_filter(int err) {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, filter_arch, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendfile, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (static_cast<std::uint32_t>(err) & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(sizeof(filter) / sizeof(filter[0]));
    prog.filter = filter;
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) return errno;
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Exit codes of the child, one per check.

enum child_code : int {
    code_ok = 0,
    code_filter_install = 10,  // prctl failed in the child
    code_filter_ineffective,   // a direct sendfile(2) did not fail with the injected errno
    code_auto_error = 20,      // automatic: completed with an error
    code_auto_count,           // automatic: bytes_transferred != range length
    code_auto_received,        // automatic: the peer did not receive the range length
    code_auto_content,         // automatic: a received byte differs from the file
    code_native_error = 30,    // native: not the injected errno
    code_native_count,         // native: bytes_transferred != 0
    code_native_received,      // native: the peer received something
    code_exception = 90,       // an exception escaped the child's checks
};

char const* describe(int code) {
    switch (code) {
        case code_ok:
            return "ok";
        case code_filter_install:
            return "installing the seccomp filter failed";
        case code_filter_ineffective:
            return "the filter did not make sendfile(2) fail with the injected errno";
        case code_auto_error:
            return "send_mode::automatic completed with an error";
        case code_auto_count:
            return "send_mode::automatic: bytes_transferred is not the range length";
        case code_auto_received:
            return "send_mode::automatic: the peer did not receive the range length";
        case code_auto_content:
            return "send_mode::automatic: the peer received wrong bytes";
        case code_native_error:
            return "send_mode::native did not fail with the injected errno";
        case code_native_count:
            return "send_mode::native: bytes_transferred is not 0";
        case code_native_received:
            return "send_mode::native: the peer received bytes";
        case code_exception:
            return "an exception escaped the child";
        default:
            return "unknown exit code";
    }
}

// The child's record of its checks: prints every failure, remembers the first.
class child_report {
public:
    void check(bool ok, child_code code, std::string const& where) {
        if (ok) return;
        std::fprintf(stderr, "[seccomp child] check failed (exit code %d: %s) in %s\n", int(code),
                     describe(code), where.c_str());
        if (first_ == code_ok) first_ = code;
    }
    int first() const noexcept { return first_; }

private:
    int first_ = code_ok;
};

struct outcome {
    error_code ec;
    std::uint64_t n = 0;
    std::uint64_t received = 0;
    std::uint64_t mismatches = 0;
};

constexpr std::uint64_t file_size = (3u << 20) + 1;

// One asynchronous transfer over the pair's `a` end; the peer reads `b`.
template <class Pair>
outcome async_transfer(int fd, std::uint64_t offset, std::uint64_t count, zerocopy::send_mode mode) {
    asio::io_context ioc;
    Pair p(ioc);
    receiver rx(p.b.native_handle(), offset);
    zerocopy::sendfile_options opt;
    opt.mode = mode;
    outcome o;
    o.ec = asio::error::would_block;
    zerocopy::async_sendfile(p.a, fd, offset, count, opt, [&](error_code ec, std::uint64_t n) {
        o.ec = ec;
        o.n = n;
        p.a.close();
    });
    ioc.run();
    rx.join();
    o.received = rx.received();
    o.mismatches = rx.mismatches();
    return o;
}

// The same through a beast::tcp_stream (its waits go through the stream's own writes).
outcome async_transfer_beast(int fd, std::uint64_t offset, std::uint64_t count, zerocopy::send_mode mode) {
    asio::io_context ioc;
    tcp_pair p(ioc);
    beast::tcp_stream stream(std::move(p.a));
    stream.expires_after(std::chrono::seconds(60));
    receiver rx(p.b.native_handle(), offset);
    zerocopy::sendfile_options opt;
    opt.mode = mode;
    outcome o;
    o.ec = asio::error::would_block;
    zerocopy::async_sendfile(stream, fd, offset, count, opt, [&](error_code ec, std::uint64_t n) {
        o.ec = ec;
        o.n = n;
        stream.close();
    });
    ioc.run();
    rx.join();
    o.received = rx.received();
    o.mismatches = rx.mismatches();
    return o;
}

// One blocking transfer with zerocopy::sendfile over loopback TCP.
outcome blocking_transfer(int fd, std::uint64_t offset, std::uint64_t count, zerocopy::send_mode mode) {
    asio::io_context ioc;
    tcp_pair p(ioc);
    receiver rx(p.b.native_handle(), offset);
    zerocopy::sendfile_options opt;
    opt.mode = mode;
    outcome o;
    o.n = zerocopy::sendfile(p.a, fd, offset, count, opt, o.ec);
    p.a.close();
    rx.join();
    o.received = rx.received();
    o.mismatches = rx.mismatches();
    return o;
}

struct range {
    std::uint64_t offset, count;
};
range const ranges[] = {{0, zerocopy::to_end}, {4097, (1u << 20) + 3}, {file_size - 1, 1}};

std::uint64_t range_length(range const& r) {
    return r.count == zerocopy::to_end ? file_size - r.offset : r.count;
}

std::string where(char const* what, range const& r) {
    return std::string(what) + " offset " + std::to_string(r.offset) + " count " + std::to_string(r.count);
}

void check_fallback(child_report& rep, outcome const& o, range const& r, std::string const& w) {
    std::uint64_t const want = range_length(r);
    rep.check(!o.ec, code_auto_error, w + ": " + o.ec.message());
    rep.check(o.n == want, code_auto_count, w + ": " + std::to_string(o.n) + " != " + std::to_string(want));
    rep.check(o.received == want, code_auto_received,
              w + ": " + std::to_string(o.received) + " != " + std::to_string(want));
    rep.check(o.mismatches == 0, code_auto_content,
              w + ": " + std::to_string(o.mismatches) + " bytes differ");
}

void check_refusal(child_report& rep, outcome const& o, int err, std::string const& w) {
    errc::errc_t const want = err == ENOSYS ? errc::function_not_supported : errc::operation_not_permitted;
    rep.check(o.ec == want && o.ec.value() == err, code_native_error, w + ": got " + o.ec.message());
    rep.check(o.n == 0, code_native_count, w + ": " + std::to_string(o.n));
    rep.check(o.received == 0, code_native_received, w + ": " + std::to_string(o.received));
}

// Sanity check of the filter itself: a direct sendfile(2) to a socket must fail with `err`.
void check_filter_effective(child_report& rep, int fd, int err) {
    asio::io_context ioc;
    unix_pair p(ioc);
    off_t off = 0;
    errno = 0;
    ssize_t const r = ::sendfile(p.a.native_handle(), fd, &off, 1);
    int const e = errno;
    rep.check(r == -1 && e == err, code_filter_ineffective,
              "direct sendfile returned " + std::to_string(r) + ", errno " + std::strerror(e));
}

enum class scenario { async, blocking };

int child_body(int err, scenario s) {
    child_report rep;
    temp_file f(file_size);
    if (int const e = install_sendfile_filter(err)) {
        rep.check(false, code_filter_install, std::string("prctl: ") + std::strerror(e));
        return rep.first();
    }
    check_filter_effective(rep, f.fd(), err);
    if (s == scenario::async) {
        for (auto const& r : ranges) {
            check_fallback(
                rep, async_transfer<tcp_pair>(f.fd(), r.offset, r.count, zerocopy::send_mode::automatic), r,
                where("async automatic tcp", r));
            check_fallback(
                rep, async_transfer<unix_pair>(f.fd(), r.offset, r.count, zerocopy::send_mode::automatic), r,
                where("async automatic unix", r));
            check_fallback(
                rep, async_transfer<pipe_pair>(f.fd(), r.offset, r.count, zerocopy::send_mode::automatic), r,
                where("async automatic pipe", r));
            check_fallback(rep,
                           async_transfer_beast(f.fd(), r.offset, r.count, zerocopy::send_mode::automatic), r,
                           where("async automatic beast::tcp_stream", r));
        }
        range const r = ranges[1];
        check_refusal(rep, async_transfer<tcp_pair>(f.fd(), r.offset, r.count, zerocopy::send_mode::native),
                      err, where("async native tcp", r));
        check_refusal(rep, async_transfer<unix_pair>(f.fd(), r.offset, r.count, zerocopy::send_mode::native),
                      err, where("async native unix", r));
        check_refusal(rep, async_transfer<pipe_pair>(f.fd(), r.offset, r.count, zerocopy::send_mode::native),
                      err, where("async native pipe", r));
        check_refusal(rep, async_transfer_beast(f.fd(), r.offset, r.count, zerocopy::send_mode::native), err,
                      where("async native beast::tcp_stream", r));
    } else {
        for (auto const& r : ranges)
            check_fallback(rep, blocking_transfer(f.fd(), r.offset, r.count, zerocopy::send_mode::automatic),
                           r, where("blocking automatic tcp", r));
        range const r = ranges[1];
        check_refusal(rep, blocking_transfer(f.fd(), r.offset, r.count, zerocopy::send_mode::native), err,
                      where("blocking native tcp", r));
    }
    return rep.first();
}

// Runs child_body in a fork()ed child and checks its exit status.
void run_in_child(int err, scenario s) {
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    pid_t const pid = ::fork();
    BOOST_REQUIRE_MESSAGE(pid != -1, "fork: " << std::strerror(errno));
    if (pid == 0) {
        int code = code_exception;
        try {
            code = child_body(err, s);
        } catch (std::exception const& e) {
            std::fprintf(stderr, "[seccomp child] exception: %s\n", e.what());
        } catch (...) {
            std::fprintf(stderr, "[seccomp child] unknown exception\n");
        }
        ::_exit(code);
    }

    auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    int status = 0;
    pid_t w = 0;
    while ((w = ::waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (w == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        BOOST_ERROR("the child did not finish within 120 s (killed)");
        return;
    }
    BOOST_REQUIRE_MESSAGE(w == pid, "waitpid: " << std::strerror(errno));
    if (WIFSIGNALED(status)) {
        BOOST_ERROR("the child was killed by signal " << WTERMSIG(status) << " ("
                                                      << ::strsignal(WTERMSIG(status)) << ")");
        return;
    }
    BOOST_REQUIRE(WIFEXITED(status));
    int const code = WEXITSTATUS(status);
    BOOST_TEST(code == int(code_ok), "the child exited with "
                                         << code << ": " << describe(code)
                                         << " (every failed check is printed on stderr)");
}

// Skips the tests where the filter cannot be installed at all: an architecture this file has
// no filter for, or a kernel built without seccomp filters (prctl fails with EINVAL). The probe
// runs in a child so that the test process itself stays unfiltered.
boost::test_tools::assertion_result seccomp_available(boost::unit_test::test_unit_id) {
    boost::test_tools::assertion_result res(true);
    if (!filter_supported) {
        res = false;
        res.message() << "no seccomp filter for this architecture in this test";
        return res;
    }
    std::fflush(nullptr);
    pid_t const pid = ::fork();
    if (pid == 0) ::_exit(install_sendfile_filter(ENOSYS) & 0xff);
    int status = 0;
    if (pid == -1 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
        res = false;
        res.message() << "could not probe seccomp in a child process";
        return res;
    }
    int const e = WEXITSTATUS(status);
    if (e == EINVAL || e == ENOSYS) {
        res = false;
        res.message() << "seccomp filters are not available here: prctl failed with " << std::strerror(e);
    }
    return res;  // any other failure is left for the test itself to report
}

}  // namespace

BOOST_AUTO_TEST_SUITE(seccomp, *boost::unit_test::precondition(seccomp_available))

BOOST_AUTO_TEST_CASE(sendfile_enosys_automatic_falls_back_native_fails) {
    run_in_child(ENOSYS, scenario::async);
}

BOOST_AUTO_TEST_CASE(sendfile_eperm_automatic_falls_back_native_fails) {
    run_in_child(EPERM, scenario::async);
}

BOOST_AUTO_TEST_CASE(blocking_twin_sendfile_enosys, *boost::unit_test::label("blocking_twin")) {
    run_in_child(ENOSYS, scenario::blocking);
}

BOOST_AUTO_TEST_CASE(blocking_twin_sendfile_eperm, *boost::unit_test::label("blocking_twin")) {
    run_in_child(EPERM, scenario::blocking);
}

BOOST_AUTO_TEST_SUITE_END()
