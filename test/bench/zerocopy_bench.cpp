// zerocopy_bench — loopback transfer benchmarks for zerocopy::async_sendfile and zerocopy::http.
//
//   zerocopy_bench transfer [--runs N] [--sizes 4KiB,64KiB,1MiB,64MiB,1GiB] [--contenders a,b,...]
//                           [--dir DIR] [--bytes-per-run SIZE] [--tsv FILE]
//   zerocopy_bench seed     [--size 1GiB] [--runs 100] [--dir DIR] [--tsv FILE]
//   zerocopy_bench http     [args...]   (runs test/bench/http_bench.py)
//
// Every measured run forks two processes: a receiver pinned to one CPU that accepts one loopback
// TCP connection and drains it into a 256 KiB buffer until EOF, and a sender pinned to another CPU
// that re-reads the file into the page cache (and checks with mincore that it is resident), connects,
// and sends the file `count` times back to back with one contender. The sender's clock and
// getrusage(RUSAGE_SELF) cover the sends and the receiver's one-byte acknowledgement of EOF, not the
// warm-up. Contenders are interleaved (A B C ... A B C ...) so that drift of the machine hits all of
// them alike; ratios are taken per round, then the median.
#include <zerocopy/async_sendfile.hpp>
#include <zerocopy/http/write.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/file_base.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/write.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::uint64_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;
constexpr std::size_t receive_buffer_size = 256 * KiB;
constexpr std::size_t readwrite_buffer_size = 64 * KiB;
constexpr unsigned child_time_limit_s = 600;  // any child still running by then is killed (SIGALRM)

// ---------------------------------------------------------------------------------------------
// Small helpers

[[noreturn]] void die(std::string const& what) {
    std::fprintf(stderr, "zerocopy_bench: %s\n", what.c_str());
    std::exit(1);
}

std::string errno_text(char const* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct cpu_times {
    double user = 0, sys = 0;
};

cpu_times cpu_self() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto tv = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return {tv(ru.ru_utime), tv(ru.ru_stime)};
}

std::uint64_t parse_size(std::string s) {
    if (s.empty()) throw std::invalid_argument("empty size");
    std::size_t pos = 0;
    double const v = std::stod(s, &pos);
    std::string unit = s.substr(pos);
    for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::uint64_t mult = 1;
    if (unit.empty() || unit == "b")
        mult = 1;
    else if (unit == "k" || unit == "kib" || unit == "kb")
        mult = KiB;
    else if (unit == "m" || unit == "mib" || unit == "mb")
        mult = MiB;
    else if (unit == "g" || unit == "gib" || unit == "gb")
        mult = GiB;
    else
        throw std::invalid_argument("unknown unit in size '" + s + "'");
    if (v <= 0) throw std::invalid_argument("size must be positive: '" + s + "'");
    return static_cast<std::uint64_t>(v * static_cast<double>(mult));
}

std::string size_name(std::uint64_t n) {
    char b[32];
    if (n % GiB == 0)
        std::snprintf(b, sizeof b, "%llu GiB", static_cast<unsigned long long>(n / GiB));
    else if (n % MiB == 0)
        std::snprintf(b, sizeof b, "%llu MiB", static_cast<unsigned long long>(n / MiB));
    else if (n % KiB == 0)
        std::snprintf(b, sizeof b, "%llu KiB", static_cast<unsigned long long>(n / KiB));
    else
        std::snprintf(b, sizeof b, "%llu B", static_cast<unsigned long long>(n));
    return b;
}

std::vector<std::string> split(std::string const& s, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, sep))
        if (!item.empty()) out.push_back(item);
    return out;
}

std::string fmt(char const* f, double v) {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

double median(std::vector<double> v) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    std::size_t const n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double mean(std::vector<double> const& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? NAN : s / static_cast<double>(v.size());
}

double stddev(std::vector<double> const& v) {  // sample standard deviation
    if (v.size() < 2) return 0;
    double const m = mean(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return std::sqrt(s / static_cast<double>(v.size() - 1));
}

// The CPUs this process may run on; the sender and the receiver each get one of them.
std::vector<int> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (int i = 0; i < CPU_SETSIZE; ++i)
            if (CPU_ISSET(i, &set)) cpus.push_back(i);
    return cpus;
}

void pin_to(int cpu) {
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) std::perror("sched_setaffinity");
}

bool write_all(int fd, void const* data, std::size_t n) {
    auto p = static_cast<char const*>(data);
    while (n) {
        ssize_t const r = ::write(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

bool read_all(int fd, void* data, std::size_t n) {
    auto p = static_cast<char*>(data);
    while (n) {
        ssize_t const r = ::read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Test files

// Creates (or reuses) `dir/zerocopy_bench_<size>` filled with a fixed pseudo-random pattern.
std::string make_file(std::string const& dir, std::uint64_t size) {
    std::string const path = dir + "/zerocopy_bench_" + std::to_string(size);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) == size) return path;
    int const fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) die(errno_text(("create " + path).c_str()));
    std::vector<std::uint64_t> buf(MiB / 8);
    std::uint64_t x = 0x9e3779b97f4a7c15ULL ^ size;
    for (std::uint64_t done = 0; done < size;) {
        for (auto& w : buf) {  // xorshift64
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            w = x;
        }
        std::size_t const n = static_cast<std::size_t>(std::min<std::uint64_t>(MiB, size - done));
        if (!write_all(fd, buf.data(), n)) die(errno_text(("write " + path).c_str()));
        done += n;
    }
    ::close(fd);
    return path;
}

// Reads the whole file (bringing it into the page cache) and returns the fraction of its pages
// resident afterwards, as mincore reports it.
double warm_page_cache(int fd, std::uint64_t size) {
    static std::vector<char> buf(4 * MiB);
    for (std::uint64_t off = 0; off < size;) {
        ssize_t const r = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(off));
        if (r <= 0) break;
        off += static_cast<std::uint64_t>(r);
    }
    void* const map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) return -1;
    long const page = sysconf(_SC_PAGESIZE);
    std::size_t const pages = static_cast<std::size_t>((size + static_cast<std::uint64_t>(page) - 1) /
                                                       static_cast<std::uint64_t>(page));
    std::vector<unsigned char> vec(pages);
    double frac = -1;
    if (::mincore(map, size, vec.data()) == 0) {
        std::size_t resident = 0;
        for (unsigned char v : vec) resident += v & 1;
        frac = static_cast<double>(resident) / static_cast<double>(pages);
    }
    ::munmap(map, size);
    return frac;
}

// ---------------------------------------------------------------------------------------------
// Contenders: each sends `count` copies of the file's first `size` bytes to the connected socket
// `sock` and returns the bytes handed to the socket (HTTP contenders include their headers).

struct job {
    int sock = -1;
    int file = -1;
    std::string path;
    std::uint64_t size = 0;
    std::uint64_t count = 0;
};

std::uint64_t run_raw_sendfile(job const& j) {
    std::uint64_t total = 0;
    for (std::uint64_t i = 0; i < j.count; ++i) {
        off_t off = 0;
        std::uint64_t left = j.size;
        while (left) {
            std::size_t const ask = static_cast<std::size_t>(std::min<std::uint64_t>(left, 0x7ffff000));
            ssize_t const n = ::sendfile(j.sock, j.file, &off, ask);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw std::runtime_error(errno_text("sendfile"));
            if (n == 0) throw std::runtime_error("sendfile: unexpected end of file");
            left -= static_cast<std::uint64_t>(n);
            total += static_cast<std::uint64_t>(n);
        }
    }
    return total;
}

std::uint64_t run_raw_readwrite(job const& j) {
    std::vector<char> buf(readwrite_buffer_size);
    std::uint64_t total = 0;
    for (std::uint64_t i = 0; i < j.count; ++i) {
        std::uint64_t off = 0;
        while (off < j.size) {
            std::size_t const ask =
                static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), j.size - off));
            ssize_t const r = ::pread(j.file, buf.data(), ask, static_cast<off_t>(off));
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) throw std::runtime_error(errno_text("pread"));
            if (r == 0) throw std::runtime_error("pread: unexpected end of file");
            if (!write_all(j.sock, buf.data(), static_cast<std::size_t>(r)))
                throw std::runtime_error(errno_text("write"));
            off += static_cast<std::uint64_t>(r);
            total += static_cast<std::uint64_t>(r);
        }
    }
    return total;
}

// Chains `count` asynchronous sends on one single-threaded io_context: `start(loop)` starts one
// send whose completion handler is (a copy of) the loop.
template <class Start>
struct send_loop {
    Start start;
    std::uint64_t* left;
    std::uint64_t* total;
    error_code* error;

    void operator()(error_code ec, std::uint64_t n) {
        *total += n;
        if (ec) {
            *error = ec;
            return;
        }
        if (--*left) start(*this);
    }
};

template <class Start>
std::uint64_t run_async(job const& j, asio::io_context& ioc, Start start) {
    std::uint64_t left = j.count, total = 0;
    error_code error;
    send_loop<Start> loop{start, &left, &total, &error};
    start(loop);
    ioc.run();
    if (error) throw std::runtime_error("async send: " + error.message());
    if (left) throw std::runtime_error("async send: stopped early");
    return total;
}

std::uint64_t run_zerocopy(job const& j, zerocopy::send_mode mode) {
    asio::io_context ioc(1);
    tcp::socket s(ioc, tcp::v4(), j.sock);
    zerocopy::sendfile_options opts;
    opts.mode = mode;
    int const file = j.file;
    std::uint64_t const size = j.size;
    auto start = [&s, file, size, opts](auto& self) {
        zerocopy::async_sendfile(s, file, 0, size, opts, self);
    };
    std::uint64_t const n = run_async(j, ioc, start);
    s.release();
    return n;
}

bhttp::response<bhttp::file_body> make_file_response(job const& j) {
    bhttp::response<bhttp::file_body> res{bhttp::status::ok, 11};
    res.set(bhttp::field::server, "zerocopy_bench");
    res.set(bhttp::field::content_type, "application/octet-stream");
    error_code ec;
    res.body().open(j.path.c_str(), beast::file_mode::scan, ec);
    if (ec) throw std::runtime_error("open " + j.path + ": " + ec.message());
    res.keep_alive(true);
    res.prepare_payload();
    return res;
}

// beast::http::async_write of a response<file_body>: the body is read through Beast's 4 KiB buffer.
// The response is reused; file_body reads from the file's position, so it is rewound each time.
std::uint64_t run_beast_file_body(job const& j) {
    asio::io_context ioc(1);
    tcp::socket s(ioc, tcp::v4(), j.sock);
    auto res = make_file_response(j);
    auto start = [&s, &res](auto& self) {
        error_code ec;
        res.body().file().seek(0, ec);
        bhttp::async_write(s, res, [self](error_code e, std::size_t n) mutable { self(e, n); });
    };
    std::uint64_t const n = run_async(j, ioc, start);
    s.release();
    return n;
}

// zerocopy::http::async_write of the same response: header by Beast, body by sendfile, corked.
std::uint64_t run_zerocopy_http(job const& j) {
    asio::io_context ioc(1);
    tcp::socket s(ioc, tcp::v4(), j.sock);
    auto res = make_file_response(j);
    auto start = [&s, &res](auto& self) {
        zerocopy::http::async_write(s, res, [self](error_code e, std::size_t n) mutable { self(e, n); });
    };
    std::uint64_t const n = run_async(j, ioc, start);
    s.release();
    return n;
}

struct contender {
    char const* name;
    std::uint64_t (*run)(job const&);
};

std::uint64_t run_zerocopy_native(job const& j) {
    return run_zerocopy(j, zerocopy::send_mode::native);
}
std::uint64_t run_zerocopy_buffered(job const& j) {
    return run_zerocopy(j, zerocopy::send_mode::buffered);
}

constexpr std::array<contender, 6> all_contenders{{
    {"raw-sendfile", run_raw_sendfile},
    {"raw-readwrite", run_raw_readwrite},
    {"beast-file-body", run_beast_file_body},
    {"zerocopy-native", run_zerocopy_native},
    {"zerocopy-buffered", run_zerocopy_buffered},
    {"zerocopy-http", run_zerocopy_http},
}};

contender const* find_contender(std::string const& name) {
    for (auto const& c : all_contenders)
        if (name == c.name) return &c;
    return nullptr;
}

// ---------------------------------------------------------------------------------------------
// One measured run: two forked processes.

struct sender_report {
    double wall = 0;  // seconds from the first send to the receiver's acknowledgement of EOF
    double user = 0, sys = 0;
    double resident = 0;  // fraction of the file's pages in the page cache after the warm-up
    std::uint64_t bytes = 0;
    char error[160] = {};
};

struct receiver_report {
    double user = 0, sys = 0;
    std::uint64_t bytes = 0;
    char error[160] = {};
};

struct run_result {
    double wall = 0, cpu = 0, recv_cpu = 0, resident = 0;
    std::uint64_t bytes = 0;
};

struct harness {
    int listener = -1;
    sockaddr_in addr{};
    int sender_cpu = -1, receiver_cpu = -1;

    harness() {
        listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listener < 0) die(errno_text("socket"));
        int one = 1;
        ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die(errno_text("bind"));
        if (::listen(listener, 16) != 0) die(errno_text("listen"));
        socklen_t len = sizeof addr;
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
        auto const cpus = allowed_cpus();
        if (cpus.size() >= 2) {
            sender_cpu = cpus[0];
            receiver_cpu = cpus[1];
        } else {
            std::fprintf(stderr, "zerocopy_bench: only one CPU allowed; sender and receiver share it\n");
        }
    }

    [[noreturn]] void receiver_main(int report_fd) {
        pin_to(receiver_cpu);
        alarm(child_time_limit_s);
        receiver_report rep;
        int const s = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (s < 0) {
            std::snprintf(rep.error, sizeof rep.error, "%s", errno_text("accept").c_str());
        } else {
            static std::vector<char> buf(receive_buffer_size);
            cpu_times const c0 = cpu_self();
            for (;;) {
                ssize_t const r = ::read(s, buf.data(), buf.size());
                if (r < 0 && errno == EINTR) continue;
                if (r < 0) {
                    std::snprintf(rep.error, sizeof rep.error, "%s", errno_text("receiver read").c_str());
                    break;
                }
                if (r == 0) break;
                rep.bytes += static_cast<std::uint64_t>(r);
            }
            cpu_times const c1 = cpu_self();
            rep.user = c1.user - c0.user;
            rep.sys = c1.sys - c0.sys;
            char const ack = 'k';
            (void)write_all(s, &ack, 1);
            ::close(s);
        }
        write_all(report_fd, &rep, sizeof rep);
        _exit(0);
    }

    [[noreturn]] void sender_main(int report_fd, contender const& c, std::string const& path,
                                  std::uint64_t size, std::uint64_t count) {
        pin_to(sender_cpu);
        alarm(child_time_limit_s);
        sender_report rep;
        try {
            job j;
            j.path = path;
            j.size = size;
            j.count = count;
            j.file = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            if (j.file < 0) throw std::runtime_error(errno_text(("open " + path).c_str()));
            j.sock = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (j.sock < 0) throw std::runtime_error(errno_text("socket"));
            if (::connect(j.sock, reinterpret_cast<sockaddr const*>(&addr), sizeof addr) != 0)
                throw std::runtime_error(errno_text("connect"));
            int one = 1;  // as servers do; the HTTP contender corks its responses itself
            ::setsockopt(j.sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            rep.resident = warm_page_cache(j.file, size);

            cpu_times const c0 = cpu_self();
            double const t0 = now_s();
            rep.bytes = c.run(j);
            ::shutdown(j.sock, SHUT_WR);
            // Asio may have left the socket non-blocking: wait for the acknowledgement with poll.
            char ack = 0;
            for (;;) {
                pollfd p{j.sock, POLLIN, 0};
                ::poll(&p, 1, -1);
                ssize_t const r = ::read(j.sock, &ack, 1);
                if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
                if (r != 1) throw std::runtime_error("no acknowledgement from the receiver");
                break;
            }
            double const t1 = now_s();
            cpu_times const c1 = cpu_self();
            rep.wall = t1 - t0;
            rep.user = c1.user - c0.user;
            rep.sys = c1.sys - c0.sys;
        } catch (std::exception const& e) {
            std::snprintf(rep.error, sizeof rep.error, "%s", e.what());
        }
        write_all(report_fd, &rep, sizeof rep);
        _exit(0);
    }

    run_result run(contender const& c, std::string const& path, std::uint64_t size, std::uint64_t count) {
        int rp[2], sp[2];
        if (::pipe2(rp, O_CLOEXEC) != 0 || ::pipe2(sp, O_CLOEXEC) != 0) die(errno_text("pipe"));
        std::fflush(nullptr);
        pid_t const receiver = ::fork();
        if (receiver < 0) die(errno_text("fork"));
        if (receiver == 0) {
            ::close(rp[0]);
            receiver_main(rp[1]);
        }
        pid_t const sender = ::fork();
        if (sender < 0) die(errno_text("fork"));
        if (sender == 0) {
            ::close(sp[0]);
            sender_main(sp[1], c, path, size, count);
        }
        ::close(rp[1]);
        ::close(sp[1]);
        sender_report srep;
        receiver_report rrep;
        bool const got_s = read_all(sp[0], &srep, sizeof srep);
        bool const got_r = read_all(rp[0], &rrep, sizeof rrep);
        ::close(rp[0]);
        ::close(sp[0]);
        int st = 0;
        ::waitpid(sender, &st, 0);
        ::waitpid(receiver, &st, 0);
        if (!got_s || !got_r) die(std::string(c.name) + ": a child process died (time limit?)");
        if (srep.error[0]) die(std::string(c.name) + ": sender: " + srep.error);
        if (rrep.error[0]) die(std::string(c.name) + ": receiver: " + rrep.error);
        if (srep.bytes != rrep.bytes)
            die(std::string(c.name) + ": sent " + std::to_string(srep.bytes) + " bytes but received " +
                std::to_string(rrep.bytes));
        run_result r;
        r.wall = srep.wall;
        r.cpu = srep.user + srep.sys;
        r.recv_cpu = rrep.user + rrep.sys;
        r.resident = srep.resident;
        r.bytes = srep.bytes;
        return r;
    }
};

// ---------------------------------------------------------------------------------------------
// Command lines

struct common_args {
    int runs = 0;
    std::string dir = "/tmp";
    std::string tsv;
    std::vector<std::uint64_t> sizes;
    std::vector<contender const*> contenders;
    std::uint64_t bytes_per_run = 256 * MiB;
    std::uint64_t max_files = 20000;
};

void usage() {
    std::printf(
        "usage:\n"
        "  zerocopy_bench transfer [--runs N] [--sizes 4KiB,64KiB,1MiB,64MiB,1GiB] [--contenders a,b,...]\n"
        "                          [--bytes-per-run 256MiB] [--max-files 20000] [--dir /tmp] [--tsv FILE]\n"
        "  zerocopy_bench seed [--size 1GiB] [--runs 100] [--dir /tmp] [--tsv FILE]\n"
        "  zerocopy_bench http [http_bench.py arguments]\n"
        "contenders: raw-sendfile raw-readwrite beast-file-body zerocopy-native zerocopy-buffered "
        "zerocopy-http\n");
}

common_args parse_common(int argc, char** argv, bool seed) {
    common_args a;
    a.runs = seed ? 100 : 9;
    for (int i = 2; i < argc; ++i) {
        std::string const k = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) die("missing value after " + k);
            return argv[++i];
        };
        try {
            if (k == "--runs")
                a.runs = std::stoi(value());
            else if (k == "--dir")
                a.dir = value();
            else if (k == "--tsv")
                a.tsv = value();
            else if (k == "--bytes-per-run" && !seed)
                a.bytes_per_run = parse_size(value());
            else if (k == "--max-files" && !seed)
                a.max_files = std::stoull(value());
            else if ((k == "--sizes" && !seed) || (k == "--size" && seed)) {
                a.sizes.clear();
                for (auto const& s : split(value(), ',')) a.sizes.push_back(parse_size(s));
            } else if (k == "--contenders" && !seed) {
                a.contenders.clear();
                for (auto const& s : split(value(), ',')) {
                    auto c = find_contender(s);
                    if (!c) die("unknown contender '" + s + "'");
                    a.contenders.push_back(c);
                }
            } else if (k == "--help" || k == "-h") {
                usage();
                std::exit(0);
            } else {
                usage();
                die("unknown argument '" + k + "'");
            }
        } catch (std::invalid_argument const& e) {
            die(k + ": " + e.what());
        } catch (std::out_of_range const&) {
            die(k + ": out of range");
        }
    }
    if (a.runs < 1) die("--runs must be at least 1");
    if (a.sizes.empty()) {
        if (seed)
            a.sizes = {GiB};
        else
            a.sizes = {4 * KiB, 64 * KiB, MiB, 64 * MiB, GiB};
    }
    if (a.contenders.empty()) {
        if (seed)
            a.contenders = {find_contender("zerocopy-native"), find_contender("raw-readwrite")};
        else
            for (auto const& c : all_contenders) a.contenders.push_back(&c);
    }
    return a;
}

std::string machine_line() {
    std::string model = "unknown CPU";
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0) {
            model = line.substr(line.find(':') + 2);
            break;
        }
    std::ifstream ver("/proc/sys/kernel/osrelease");
    std::string kernel;
    std::getline(ver, kernel);
    return model + ", " + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " CPUs, Linux " + kernel;
}

std::string loadavg() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

struct cell {  // all runs of one contender at one size
    std::vector<double> gibps, cpu_per_gib, recv_cpu_per_gib, wall, resident;
};

struct target {
    std::string what;
    double value;
    double limit;
    bool at_most;  // value <= limit, else value >= limit
    bool met() const { return at_most ? value <= limit : value >= limit; }
};

void print_targets(std::vector<target> const& ts) {
    if (ts.empty()) return;
    std::printf("\n### Targets\n\n| target | measured | limit | |\n|---|---:|---:|---|\n");
    for (auto const& t : ts)
        std::printf("| %s | %.3f | %s %.2f | %s |\n", t.what.c_str(), t.value, t.at_most ? "≤" : "≥", t.limit,
                    std::isnan(t.value) ? "NOT MEASURED" : (t.met() ? "met" : "MISSED"));
}

int transfer_main(int argc, char** argv) {
    common_args const a = parse_common(argc, argv, false);
    harness h;
    std::FILE* tsv = a.tsv.empty() ? nullptr : std::fopen(a.tsv.c_str(), "w");
    if (!a.tsv.empty() && !tsv) die(errno_text(("open " + a.tsv).c_str()));
    if (tsv)
        std::fprintf(tsv,
                     "mode\tsize\tfiles\tround\tcontender\tseconds\tgibps\tcpu_s_per_gib\trecv_cpu_s_per_"
                     "gib\tresident\n");

    std::printf("## zerocopy_bench transfer\n\n");
    std::printf(
        "- machine: %s\n- sender CPU %d, receiver CPU %d; load average at start: %s\n- runs per contender "
        "and size: %d, "
        "interleaved\n",
        machine_line().c_str(), h.sender_cpu, h.receiver_cpu, loadavg().c_str(), a.runs);

    std::map<std::pair<std::uint64_t, std::string>, cell> cells;
    // ratio[size][contender] per round, against raw-sendfile / zerocopy-native / raw-readwrite /
    // beast-file-body
    std::map<std::tuple<std::uint64_t, std::string, std::string>, std::vector<double>> thr_ratio, cpu_ratio;
    std::map<std::uint64_t, std::uint64_t> files_of;
    for (std::uint64_t size : a.sizes) {
        std::string const path = make_file(a.dir, size);
        std::uint64_t const files =
            std::max<std::uint64_t>(1, std::min<std::uint64_t>(a.max_files, a.bytes_per_run / size));
        files_of[size] = files;
        std::fprintf(stderr, "size %s: %llu file(s) per run, %d rounds\n", size_name(size).c_str(),
                     static_cast<unsigned long long>(files), a.runs);
        for (int round = 0; round < a.runs; ++round) {
            std::map<std::string, run_result> this_round;
            for (auto const* c : a.contenders) {
                run_result const r = h.run(*c, path, size, files);
                double const gib = static_cast<double>(size * files) / static_cast<double>(GiB);
                auto& cl = cells[{size, c->name}];
                cl.gibps.push_back(gib / r.wall);
                cl.cpu_per_gib.push_back(r.cpu / gib);
                cl.recv_cpu_per_gib.push_back(r.recv_cpu / gib);
                cl.wall.push_back(r.wall);
                cl.resident.push_back(r.resident);
                this_round[c->name] = r;
                if (tsv)
                    std::fprintf(tsv, "transfer\t%llu\t%llu\t%d\t%s\t%.6f\t%.4f\t%.5f\t%.5f\t%.4f\n",
                                 static_cast<unsigned long long>(size),
                                 static_cast<unsigned long long>(files), round, c->name, r.wall, gib / r.wall,
                                 r.cpu / gib, r.recv_cpu / gib, r.resident);
                if (r.resident >= 0 && r.resident < 0.999)
                    std::fprintf(stderr, "warning: %s: only %.1f%% of the file resident after the warm-up\n",
                                 c->name, r.resident * 100);
            }
            for (auto const& [name, r] : this_round)
                for (char const* base :
                     {"raw-sendfile", "zerocopy-native", "raw-readwrite", "beast-file-body"}) {
                    auto it = this_round.find(base);
                    if (it == this_round.end()) continue;
                    thr_ratio[{size, name, base}].push_back(it->second.wall /
                                                            r.wall);  // same bytes: time ratio
                    if (it->second.cpu > 0) cpu_ratio[{size, name, base}].push_back(r.cpu / it->second.cpu);
                }
        }
    }
    if (tsv) std::fclose(tsv);

    auto ratio = [&](auto& m, std::uint64_t size, std::string const& c, std::string const& base) {
        auto it = m.find({size, c, base});
        return it == m.end() ? NAN : median(it->second);
    };

    for (std::uint64_t size : a.sizes) {
        std::uint64_t const files = files_of[size];
        std::printf("\n### %s%s\n\n", size_name(size).c_str(),
                    files > 1 ? (", " + std::to_string(files) + " files back to back per run").c_str()
                              : ", one file per run");
        std::printf(
            "| contender | GiB/s median | GiB/s min–max | %s | sender CPU s/GiB | receiver CPU s/GiB | "
            "× raw-sendfile throughput | × raw-sendfile CPU |\n",
            files > 1 ? "files/s · µs/file" : "seconds per file");
        std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (auto const* c : a.contenders) {
            auto const& cl = cells[{size, c->name}];
            double const w = median(cl.wall);
            std::string per_file = files > 1 ? fmt("%.0f", static_cast<double>(files) / w) + " · " +
                                                   fmt("%.2f", w * 1e6 / static_cast<double>(files))
                                             : fmt("%.3f", w);
            std::printf("| %s | %.2f | %.2f–%.2f | %s | %.3f | %.3f | %.2f | %.2f |\n", c->name,
                        median(cl.gibps), *std::min_element(cl.gibps.begin(), cl.gibps.end()),
                        *std::max_element(cl.gibps.begin(), cl.gibps.end()), per_file.c_str(),
                        median(cl.cpu_per_gib), median(cl.recv_cpu_per_gib),
                        ratio(thr_ratio, size, c->name, "raw-sendfile"),
                        ratio(cpu_ratio, size, c->name, "raw-sendfile"));
        }
    }

    std::vector<target> ts;
    for (std::uint64_t size : {64 * MiB, GiB}) {
        if (!files_of.count(size)) continue;
        std::string const s = size_name(size);
        ts.push_back({"zerocopy-native throughput × raw-sendfile, " + s,
                      ratio(thr_ratio, size, "zerocopy-native", "raw-sendfile"), 0.95, false});
        ts.push_back({"zerocopy-native sender CPU/GiB × raw-sendfile, " + s,
                      ratio(cpu_ratio, size, "zerocopy-native", "raw-sendfile"), 1.1, true});
    }
    if (files_of.count(GiB))
        for (char const* base : {"raw-readwrite", "beast-file-body"}) {
            ts.push_back({std::string("zerocopy-native throughput × ") + base + ", 1 GiB",
                          ratio(thr_ratio, GiB, "zerocopy-native", base), 1.8, false});
            ts.push_back({std::string("zerocopy-native sender CPU/GiB × ") + base + ", 1 GiB",
                          ratio(cpu_ratio, GiB, "zerocopy-native", base), 0.5, true});
        }
    for (std::uint64_t size : a.sizes)
        if (size >= MiB)
            ts.push_back({"zerocopy-http throughput × zerocopy-native, " + size_name(size),
                          ratio(thr_ratio, size, "zerocopy-http", "zerocopy-native"), 0.95, false});
    print_targets(ts);
    std::printf(
        "\nRatios are medians of per-round ratios (each round runs every contender once, interleaved).\n");
    return 0;
}

int seed_main(int argc, char** argv) {
    common_args const a = parse_common(argc, argv, true);
    std::uint64_t const size = a.sizes.front();
    harness h;
    std::string const path = make_file(a.dir, size);
    std::FILE* tsv = a.tsv.empty() ? nullptr : std::fopen(a.tsv.c_str(), "w");
    if (!a.tsv.empty() && !tsv) die(errno_text(("open " + a.tsv).c_str()));
    if (tsv) std::fprintf(tsv, "mode\tsize\tround\tcontender\tseconds\tcpu_s\n");

    std::printf(
        "## zerocopy_bench seed\n\n- machine: %s\n- %s file, %d transfers per method, interleaved; load "
        "average "
        "at start: %s\n",
        machine_line().c_str(), size_name(size).c_str(), a.runs, loadavg().c_str());
    std::map<std::string, std::vector<double>> times, cpus;
    for (int round = 0; round < a.runs; ++round)
        for (auto const* c : a.contenders) {
            run_result const r = h.run(*c, path, size, 1);
            times[c->name].push_back(r.wall);
            cpus[c->name].push_back(r.cpu);
            if (tsv)
                std::fprintf(tsv, "seed\t%llu\t%d\t%s\t%.6f\t%.6f\n", static_cast<unsigned long long>(size),
                             round, c->name, r.wall, r.cpu);
        }
    if (tsv) std::fclose(tsv);

    std::printf(
        "\n| method | mean (s) | standard deviation (s) | min (s) | max (s) | sender CPU mean (s) |\n");
    std::printf("|---|---:|---:|---:|---:|---:|\n");
    for (auto const* c : a.contenders) {
        auto const& t = times[c->name];
        std::printf("| %s | %.4f | %.4f | %.4f | %.4f | %.4f |\n", c->name, mean(t), stddev(t),
                    *std::min_element(t.begin(), t.end()), *std::max_element(t.begin(), t.end()),
                    mean(cpus[c->name]));
    }
    if (times.count("zerocopy-native") && times.count("raw-readwrite")) {
        auto const& n = times["zerocopy-native"];
        auto const& r = times["raw-readwrite"];
        std::vector<target> ts;
        ts.push_back({"seed: zerocopy-native mean time × raw-readwrite", mean(n) / mean(r), 0.55, true});
        ts.push_back(
            {"seed: zerocopy-native standard deviation × raw-readwrite", stddev(n) / stddev(r), 1.0, true});
        print_targets(ts);
        std::printf("\n(The standard deviation target is 'lower': a ratio below 1.)\n");
    }
    return 0;
}

int http_main(int argc, char** argv) {
    std::string const script = std::string(ZEROCOPY_BENCH_SCRIPT_DIR) + "/http_bench.py";
    std::vector<std::string> args{"python3", script, "--build-dir", ZEROCOPY_BENCH_BINARY_DIR};
    for (int i = 2; i < argc; ++i) args.emplace_back(argv[i]);
    std::vector<char*> cargs;
    for (auto& s : args) cargs.push_back(s.data());
    cargs.push_back(nullptr);
    std::fflush(nullptr);
    ::execvp("python3", cargs.data());
    die(errno_text("exec python3"));
}

}  // namespace

int main(int argc, char** argv) {
    ::signal(SIGPIPE, SIG_IGN);  // a receiver that dies must show up as an error, not kill the sender
    if (argc < 2) {
        usage();
        return 2;
    }
    std::string const mode = argv[1];
    if (mode == "transfer") return transfer_main(argc, argv);
    if (mode == "seed") return seed_main(argc, argv);
    if (mode == "http") return http_main(argc, argv);
    if (mode == "--help" || mode == "-h") {
        usage();
        return 0;
    }
    usage();
    return 2;
}
