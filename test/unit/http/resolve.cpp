#include <zerocopy/http/resolve.hpp>
#include <zerocopy/http/serve_file.hpp>

#include <zerocopy/detail/platform.hpp>

#include "http/platform.hpp"  // the resolver's test hooks (src/http)

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#if defined(_WIN32)
#include <windows.h>
#else
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#endif
#if defined(__linux__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

using namespace zerocopy::http;

namespace {

// A temporary tree: <base>/outside.txt and <base>/root/... with (POSIX) symlinks in and out of the root.
struct tree {
    std::string base;
    std::string root;

    tree() {
        static std::atomic<unsigned> counter{0};
#if defined(_WIN32)
        unsigned long const pid = ::GetCurrentProcessId();
#else
        unsigned long const pid = static_cast<unsigned long>(::getpid());
#endif
        base = (std::filesystem::temp_directory_path() /
                ("zerocopy-http-resolve-" + std::to_string(pid) + "-" + std::to_string(counter++)))
                   .generic_string();
        std::filesystem::create_directories(base);
        root = base + "/root";
        mkdir("root");
        write("outside.txt", "secret");
        write("root/index.html", "root index");
        write("root/a.txt", "aaa");
        write("root/a b.txt", "space");
        write("root/%2e", "literal percent-2e");
        mkdir("root/dir");
        write("root/dir/index.html", "dir index");
        mkdir("root/noindex");
        mkdir("root/sub");
        write("root/sub/b.txt", "bbb");
        mkdir("root/dirindex");
        mkdir("root/dirindex/index.html");
#if !defined(_WIN32)
        link("a.txt", "root/link_in");
        link("sub", "root/link_dir");
        link("../a.txt", "root/sub/link_up");
        link("../outside.txt", "root/link_out");
        link("../../outside.txt", "root/sub/link_up2");
        link("/etc/passwd", "root/link_abs");
        link(base + "/root/a.txt", "root/link_abs_in");
        link("loop2", "root/loop1");
        link("loop1", "root/loop2");
        link("..", "root/dir_link_out");
        link("sub/../a.txt", "root/link_dotdot_in");
        link("sub/../../outside.txt", "root/link_dotdot_out");
        link("a.txt/", "root/link_file_slash");
        BOOST_TEST_REQUIRE(::mkfifo((root + "/fifo").c_str(), 0644) == 0);
#endif
    }
    ~tree() {
        std::error_code ec;
        std::filesystem::remove_all(base, ec);
    }

    void mkdir(std::string const& rel) {
        BOOST_TEST_REQUIRE(std::filesystem::create_directory(base + "/" + rel));
    }
    void write(std::string const& rel, std::string const& content) {
        std::ofstream(base + "/" + rel, std::ios::binary) << content;
    }
#if !defined(_WIN32)
    void link(std::string const& target, std::string const& rel) {
        BOOST_TEST_REQUIRE(::symlink(target.c_str(), (base + "/" + rel).c_str()) == 0);
    }
#endif
};

std::string read_all(zerocopy::native_file_handle file) {
    std::string out;
    char buf[256];
    for (;;) {
        auto const r = zerocopy::detail::read_at(file, out.size(), buf, sizeof buf);
        if (r.ec || r.bytes == 0) break;
        out.append(buf, r.bytes);
    }
    return out;
}

struct vector_t {
    char const* target;
    resolve_status status;
    char const* content_or_location;  // file content, or redirect location
};

vector_t const vectors[] = {
    {"/", resolve_status::file, "root index"},
    {"/a.txt", resolve_status::file, "aaa"},
    {"/a.txt?x=1&y=../../etc", resolve_status::file, "aaa"},
    {"/a%20b.txt", resolve_status::file, "space"},
    {"/%252e", resolve_status::file, "literal percent-2e"},
    {"/%252e%252e", resolve_status::not_found, ""},
    {"/%252e%252e/outside.txt", resolve_status::not_found, ""},
    {"/dir", resolve_status::redirect, "/dir/"},
    {"/dir?q=1", resolve_status::redirect, "/dir/?q=1"},
    {"/dir/", resolve_status::file, "dir index"},
    {"/dir/index.html", resolve_status::file, "dir index"},
    {"/noindex/", resolve_status::not_found, ""},
    {"/dirindex/", resolve_status::not_found, ""},
    {"/missing", resolve_status::not_found, ""},
    {"/missing/", resolve_status::not_found, ""},
    {"/a.txt/", resolve_status::not_found, ""},
    {"/a.txt/x", resolve_status::not_found, ""},
    {"/sub/b.txt", resolve_status::file, "bbb"},
    // Empty and dot segments: 301 to the canonical path (query kept), never to "//host".
    {"/sub/../a.txt", resolve_status::redirect, "/a.txt"},
    {"/./a.txt", resolve_status::redirect, "/a.txt"},
    {"/sub/.", resolve_status::redirect, "/sub/"},
    {"/sub/..", resolve_status::redirect, "/"},
    {"/sub/b.txt/..", resolve_status::redirect, "/sub/"},
    {"//etc/passwd", resolve_status::redirect, "/etc/passwd"},
    {"//", resolve_status::redirect, "/"},
    {"/sub//b.txt", resolve_status::redirect, "/sub/b.txt"},
    {"/sub//b.txt?q=/x//y", resolve_status::redirect, "/sub/b.txt?q=/x//y"},
    {"/.//evil.example", resolve_status::redirect, "/evil.example"},
    {"/dir//?q", resolve_status::redirect, "/dir/?q"},
    // Refused targets.
    {"/../outside.txt", resolve_status::bad_request, ""},
    {"/..", resolve_status::bad_request, ""},
    {"/sub/../../a.txt", resolve_status::bad_request, ""},     // normalizing climbs above the root
    {"/sub/./%2e%2e/a.txt", resolve_status::bad_request, ""},  // normalized, still refused
    {"/%2e%2e/outside.txt", resolve_status::bad_request, ""},
    {"/%2E%2E/outside.txt", resolve_status::bad_request, ""},
    {"/.%2e/outside.txt", resolve_status::bad_request, ""},
    {"/%2e./outside.txt", resolve_status::bad_request, ""},
    {"/%2e/a.txt", resolve_status::bad_request, ""},
    {"/sub/%2e%2e%2fa.txt", resolve_status::bad_request, ""},
    {"/sub%2fb.txt", resolve_status::bad_request, ""},
    {"/sub%2Fb.txt", resolve_status::bad_request, ""},
    {"/%2fetc%2fpasswd", resolve_status::bad_request, ""},
    {"/..%2foutside.txt", resolve_status::bad_request, ""},
    {"/%00", resolve_status::bad_request, ""},
    {"/a.txt%00.html", resolve_status::bad_request, ""},
    {"/sub%5cb.txt", resolve_status::bad_request, ""},
    {"/..%5coutside.txt", resolve_status::bad_request, ""},
    {"/sub\\b.txt", resolve_status::bad_request, ""},
    {"/sub//%2fb.txt", resolve_status::bad_request, ""},
    {"a.txt", resolve_status::bad_request, ""},
    {"", resolve_status::bad_request, ""},
    {"*", resolve_status::bad_request, ""},
    // absolute-form (RFC 9112 3.2.2): served as its path and query; every rule applies to the path.
    {"http://localhost/a.txt", resolve_status::file, "aaa"},
    {"HTTP://LocalHost/a.txt", resolve_status::file, "aaa"},
    {"hTTpS://x:8443/a.txt?q=1", resolve_status::file, "aaa"},
    {"http://localhost", resolve_status::file, "root index"},
    {"http://localhost?x=1", resolve_status::file, "root index"},
    {"http://a:/a.txt", resolve_status::file, "aaa"},
    {"http://[::1]:8080/sub/b.txt", resolve_status::file, "bbb"},
    {"http://[v1.x]/a.txt", resolve_status::file, "aaa"},
    {"http://127.0.0.1/a%20b.txt", resolve_status::file, "space"},
    {"http://localhost/dir", resolve_status::redirect, "/dir/"},
    {"http://localhost/dir?q=1", resolve_status::redirect, "/dir/?q=1"},
    {"http://localhost/dir/", resolve_status::file, "dir index"},
    {"http://localhost/missing", resolve_status::not_found, ""},
    {"http://localhost/../outside.txt", resolve_status::bad_request, ""},
    {"http://localhost/sub/../a.txt", resolve_status::redirect, "/a.txt"},  // origin-relative
    {"http://localhost/./a.txt?q", resolve_status::redirect, "/a.txt?q"},
    {"http://localhost/%2e%2e/outside.txt", resolve_status::bad_request, ""},
    {"http://localhost/sub%2fb.txt", resolve_status::bad_request, ""},
    {"http://localhost//etc/passwd", resolve_status::redirect, "/etc/passwd"},  // never "//etc"
    {"http://localhost/a.txt#frag", resolve_status::bad_request, ""},
    {"ftp://localhost/a.txt", resolve_status::bad_request, ""},
    {"file:///etc/passwd", resolve_status::bad_request, ""},
    {"httpx://localhost/a.txt", resolve_status::bad_request, ""},
    {"http://user@localhost/a.txt", resolve_status::bad_request, ""},
    {"http://user:pw@localhost/a.txt", resolve_status::bad_request, ""},
    {"http://@localhost/a.txt", resolve_status::bad_request, ""},
    {"http:///a.txt", resolve_status::bad_request, ""},
    {"http:/a.txt", resolve_status::bad_request, ""},
    {"http:a.txt", resolve_status::bad_request, ""},
    {"http://", resolve_status::bad_request, ""},
    {"http://a,b/a.txt", resolve_status::bad_request, ""},
    {"http://a:65536/a.txt", resolve_status::bad_request, ""},
    {"http://a:8x/a.txt", resolve_status::bad_request, ""},
    {"http://::1/a.txt", resolve_status::bad_request, ""},
    {"http://[::1/a.txt", resolve_status::bad_request, ""},
    {"http://a b/a.txt", resolve_status::bad_request, ""},
    {"localhost:80", resolve_status::bad_request, ""},
    {"/a.txt#frag", resolve_status::bad_request, ""},
    {"/a b.txt", resolve_status::bad_request, ""},
    {"/%zz", resolve_status::bad_request, ""},
    {"/%", resolve_status::bad_request, ""},
#if !defined(_WIN32)
    {"/fifo", resolve_status::not_found, ""},
    // Symlinks: inside the root followed, out of it refused.
    {"/link_in", resolve_status::file, "aaa"},
    {"/link_dir/b.txt", resolve_status::file, "bbb"},
    {"/link_dir", resolve_status::redirect, "/link_dir/"},
    {"/sub/link_up", resolve_status::file, "aaa"},
    {"/link_dotdot_in", resolve_status::file, "aaa"},
    {"/link_out", resolve_status::forbidden, ""},
    {"/sub/link_up2", resolve_status::forbidden, ""},
    {"/link_abs", resolve_status::forbidden, ""},
    {"/link_abs_in", resolve_status::forbidden, ""},
    {"/loop1", resolve_status::forbidden, ""},
    {"/dir_link_out/outside.txt", resolve_status::forbidden, ""},
    {"/dir_link_out/", resolve_status::forbidden, ""},
    {"/link_dotdot_out", resolve_status::forbidden, ""},
    {"/link_file_slash", resolve_status::not_found, ""},
    {"http://localhost/link_out", resolve_status::forbidden, ""},
    {"http://localhost/link_in", resolve_status::file, "aaa"},
    {"https://localhost/fifo", resolve_status::not_found, ""},
#else
    // Windows: names Win32 would reinterpret are refused (400) whatever is on the disk.
    {"/CON", resolve_status::bad_request, ""},
    {"/con.txt", resolve_status::bad_request, ""},
    {"/NUL", resolve_status::bad_request, ""},
    {"/sub/aux.tar.gz", resolve_status::bad_request, ""},
    {"/PRN%20.txt", resolve_status::bad_request, ""},
    {"/COM1", resolve_status::bad_request, ""},
    {"/lpt9.log", resolve_status::bad_request, ""},
    {"/COM%C2%B9", resolve_status::bad_request, ""},
    {"/CONOUT$", resolve_status::bad_request, ""},
    {"/a.txt.", resolve_status::bad_request, ""},
    {"/a.txt%20", resolve_status::bad_request, ""},
    {"/a.txt...", resolve_status::bad_request, ""},
    {"/sub./b.txt", resolve_status::bad_request, ""},
    {"/a.txt::$DATA", resolve_status::bad_request, ""},
    {"/a.txt:secret", resolve_status::bad_request, ""},
    {"/C:", resolve_status::bad_request, ""},
    {"/C:/Windows/win.ini", resolve_status::bad_request, ""},
    {"/c:%5cwindows", resolve_status::bad_request, ""},
    {"/a%3f.txt", resolve_status::bad_request, ""},
    {"/a*", resolve_status::bad_request, ""},
    {"/a%22", resolve_status::bad_request, ""},
    {"/a%3cb", resolve_status::bad_request, ""},
    {"/a%7cb", resolve_status::bad_request, ""},
    {"/a%01b", resolve_status::bad_request, ""},
    {"/%ff.txt", resolve_status::bad_request, ""},                   // not UTF-8
    {"/%C0%AE%C0%AE/outside.txt", resolve_status::bad_request, ""},  // overlong "..", not UTF-8
    // Near misses are plain names.
    {"/COM10", resolve_status::not_found, ""},
    {"/console", resolve_status::not_found, ""},
    {"/.a.txt", resolve_status::not_found, ""},
    {"/A.TXT", resolve_status::file, "aaa"},  // case-insensitive, as the file system is
#endif
};

#if defined(__linux__) && defined(SYS_openat2) && defined(__x86_64__)
// Runs the vectors, returning the number of mismatches (usable in a forked child, without Boost.Test).
int count_mismatches(std::string const& root_path, resolver_kind kind) {
    document_root root(root_path);
    if (!root.is_open()) return 1000;
    resolve_options opts;
    opts.resolver = kind;
    int bad = 0;
    for (auto const& v : vectors) {
        auto r = resolve_target(root.native_handle(), v.target, opts);
        if (r.status != v.status)
            ++bad;
        else if (v.status == resolve_status::file && read_all(r.file.get()) != v.content_or_location)
            ++bad;
    }
    return bad;
}
#endif

void run_vectors(resolver_kind kind) {
    tree t;
    document_root root(t.root);
    BOOST_TEST_REQUIRE(root.is_open());
    resolve_options opts;
    opts.resolver = kind;
    for (auto const& v : vectors) {
        BOOST_TEST_CONTEXT("target: " << v.target) {
            auto r = resolve_target(root.native_handle(), v.target, opts);
            BOOST_TEST(static_cast<int>(r.status) == static_cast<int>(v.status));
            if (v.status == resolve_status::file && r.status == resolve_status::file) {
                BOOST_TEST(r.file.is_open());
                BOOST_TEST(read_all(r.file.get()) == v.content_or_location);
            } else if (v.status == resolve_status::redirect) {
                BOOST_TEST(r.location == v.content_or_location);
            } else {
                BOOST_TEST(!r.file.is_open());
            }
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_resolve)

BOOST_AUTO_TEST_CASE(decode) {
    auto d = decode_target("/a/b%20c/?q=1");
    BOOST_TEST(d.valid);
    BOOST_TEST(d.segments.size() == 2u);
    BOOST_TEST(d.segments[1] == "b c");
    BOOST_TEST(d.trailing_slash);
    BOOST_TEST(d.encoded_path == "/a/b%20c/");
    BOOST_TEST(d.has_query);
    BOOST_TEST(d.encoded_query == "q=1");
    d = decode_target("/%252e");
    BOOST_TEST(d.valid);
    BOOST_TEST(d.segments.at(0) == "%2e");
    d = decode_target("/");
    BOOST_TEST(d.valid);
    BOOST_TEST(d.segments.empty());
    BOOST_TEST(d.trailing_slash);
    BOOST_TEST(d.authority.empty());

    // absolute-form: the authority aside, the path origin-relative.
    d = decode_target("http://Example.COM:8080/a/b%20c?q=1");
    BOOST_TEST(d.valid);
    BOOST_TEST(d.authority == "Example.COM:8080");
    BOOST_TEST(d.encoded_path == "/a/b%20c");
    BOOST_TEST(d.segments.size() == 2u);
    BOOST_TEST(d.encoded_query == "q=1");
    d = decode_target("https://[::1]");
    BOOST_TEST(d.valid);
    BOOST_TEST(d.encoded_path == "/");
    BOOST_TEST(d.authority == "[::1]");
}

BOOST_AUTO_TEST_CASE(causes) {
    // Every refusal names its cause in `ec`.
    tree t;
    document_root root(t.root);
    BOOST_TEST_REQUIRE(root.is_open());
    auto r = resolve_target(root.native_handle(), "/../x");
    BOOST_TEST((r.ec == serve_error::bad_target));
    BOOST_TEST(r.ec.message() == "request target refused");
    r = resolve_target(root.native_handle(), "/missing");
    BOOST_TEST((r.ec == boost::system::errc::no_such_file_or_directory));
    r = resolve_target(root.native_handle(), "/noindex/");  // the index file is missing
    BOOST_TEST((r.ec == boost::system::errc::no_such_file_or_directory));
    r = resolve_target(root.native_handle(), "/dirindex/");  // the "index file" is a directory
    BOOST_TEST((r.ec == serve_error::not_a_file));
#if !defined(_WIN32)
    r = resolve_target(root.native_handle(), "/link_out");
    BOOST_TEST((r.ec == serve_error::outside_root));
    r = resolve_target(root.native_handle(), "/fifo");
    BOOST_TEST((r.ec == serve_error::not_a_file));
    r = resolve_target(root.native_handle(), "/a.txt/");
    BOOST_TEST((r.ec == boost::system::errc::not_a_directory));
#endif
}

#if !defined(_WIN32)
BOOST_AUTO_TEST_CASE(vectors_openat2) {
    run_vectors(resolver_kind::openat2);
}
#else
BOOST_AUTO_TEST_CASE(openat2_is_linux_only) {
    tree t;
    document_root root(t.root);
    resolve_options forced;
    forced.resolver = resolver_kind::openat2;
    auto const r = resolve_target(root.native_handle(), "/a.txt", forced);
    BOOST_TEST((r.status == resolve_status::error));
    BOOST_TEST((r.ec == boost::system::errc::function_not_supported));
}
#endif
BOOST_AUTO_TEST_CASE(vectors_walk) {
    run_vectors(resolver_kind::walk);
}
BOOST_AUTO_TEST_CASE(vectors_automatic) {
    run_vectors(resolver_kind::automatic);
}

#if defined(__linux__) && defined(SYS_openat2) && defined(__x86_64__)
BOOST_AUTO_TEST_CASE(automatic_falls_back_when_the_kernel_lacks_openat2) {
    // In a forked child, a seccomp filter makes openat2 fail with ENOSYS (an older kernel): the
    // automatic resolver must fall back to the walk and still pass every vector; forcing openat2
    // must report the missing syscall instead.
    tree t;
    pid_t const pid = ::fork();
    BOOST_TEST_REQUIRE(pid >= 0);
    if (pid == 0) {
        struct sock_filter filter[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {static_cast<unsigned short>(sizeof filter / sizeof *filter), filter};
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
            ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
            ::_exit(100);
        document_root root(t.root);
        resolve_options forced;
        forced.resolver = resolver_kind::openat2;
        auto const r = resolve_target(root.native_handle(), "/a.txt", forced);
        if (r.status != resolve_status::error || r.ec != boost::system::errc::function_not_supported)
            ::_exit(101);
        ::_exit(count_mismatches(t.root, resolver_kind::automatic) == 0 ? 0 : 102);
    }
    int status = 0;
    BOOST_TEST_REQUIRE(::waitpid(pid, &status, 0) == pid);
    BOOST_TEST_REQUIRE(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
}
#endif

BOOST_AUTO_TEST_CASE(index_option) {
    tree t;
    document_root root(t.root);
    resolve_options opts;
    opts.index_file = "";
    BOOST_TEST((resolve_target(root.native_handle(), "/dir/", opts).status == resolve_status::not_found));
    opts.index_file = "../a.txt";
    BOOST_TEST((resolve_target(root.native_handle(), "/dir/", opts).status == resolve_status::not_found));
}

BOOST_AUTO_TEST_CASE(bad_root) {
    boost::system::error_code ec;
    document_root root("/nonexistent/zerocopy", ec);
    BOOST_TEST(!root.is_open());
    BOOST_TEST(ec.failed());
    tree t;
    root = document_root(t.root + "/a.txt", ec);  // not a directory
    BOOST_TEST(!root.is_open());
    BOOST_TEST(ec.failed());
}

BOOST_AUTO_TEST_CASE(any_bytes_stay_inside) {
    // Mutate a traversal attempt byte by byte: nothing may ever resolve to the outside file.
    tree t;
    document_root root(t.root);
    std::string const base = "/sub/%2e%2e/../link_out";
    for (auto kind : {resolver_kind::openat2, resolver_kind::walk})
        for (std::size_t i = 0; i < base.size(); ++i)
            for (int c = 0; c < 256; c += 1) {
                std::string w = base;
                w[i] = static_cast<char>(c);
                resolve_options o;
                o.resolver = kind;
                auto r = resolve_target(root.native_handle(), w, o);
                if (r.file) BOOST_TEST(read_all(r.file.get()) != "secret");
            }
}

// --- renames during resolution ------------------------------------------------------------
// The hook runs between the open that examines the final component and the open for reading: the
// window in which a rename over the name used to become a 500.

struct renamer {
    std::string dir;       // where the file lives
    std::string name;      // its name
    int renames_left = 0;  // how many calls still rename
    int calls = 0;

    static void hook(void* self) {
        auto& r = *static_cast<renamer*>(self);
        ++r.calls;
        if (r.renames_left == 0) return;
        --r.renames_left;
        std::string const tmp = r.dir + "/.new";
        std::ofstream(tmp, std::ios::binary) << "new version " << r.calls;
        std::error_code ec;  // Windows refuses the rename (the examined handle shares no delete): fine
        std::filesystem::rename(tmp, r.dir + "/" + r.name, ec);
    }
};

struct hooks_guard {
    explicit hooks_guard(renamer& r, bool no_proc) {
        auto& h = zerocopy::http::detail::test_hooks();
        h.no_proc = no_proc;
        h.between_opens = &renamer::hook;
        h.context = &r;
    }
    ~hooks_guard() { zerocopy::http::detail::test_hooks() = {}; }
};

std::vector<resolver_kind> resolvers() {
#if defined(_WIN32)
    return {resolver_kind::automatic};
#else
    return {resolver_kind::walk, resolver_kind::openat2};
#endif
}

BOOST_AUTO_TEST_CASE(rename_between_the_opens_serves_the_version_examined) {
    for (auto kind : resolvers())
        for (char const* target : {"/a.txt", "/dir/"}) {
            BOOST_TEST_CONTEXT("resolver " << static_cast<int>(kind) << ", target " << target) {
                tree t;
                document_root root(t.root);
                bool const index = target[1] == 'd';
                renamer r{t.root + (index ? "/dir" : ""), index ? "index.html" : "a.txt", 1000};
                hooks_guard g(r, false);
                resolve_options opts;
                opts.resolver = kind;
                auto res = resolve_target(root.native_handle(), target, opts);
                BOOST_TEST((res.status == resolve_status::file));
                BOOST_TEST(r.calls == 1);  // one attempt: the file comes from the inode examined
                BOOST_TEST(read_all(res.file.get()) == (index ? "dir index" : "aaa"));
            }
        }
}

#if !defined(_WIN32)
BOOST_AUTO_TEST_CASE(without_proc_a_rename_is_retried) {
    for (auto kind : resolvers()) {
        BOOST_TEST_CONTEXT("resolver " << static_cast<int>(kind)) {
            tree t;
            document_root root(t.root);
            renamer r{t.root, "a.txt", 1};
            hooks_guard g(r, true);
            resolve_options opts;
            opts.resolver = kind;
            auto res = resolve_target(root.native_handle(), "/a.txt", opts);
            BOOST_TEST((res.status == resolve_status::file));
            BOOST_TEST(r.calls == 2);  // the first attempt lost the race; the second serves the new file
            BOOST_TEST(read_all(res.file.get()) == "new version 1");
        }
    }
}

BOOST_AUTO_TEST_CASE(without_proc_renames_on_every_attempt_answer_503) {
    for (auto kind : resolvers()) {
        BOOST_TEST_CONTEXT("resolver " << static_cast<int>(kind)) {
            tree t;
            document_root root(t.root);
            renamer r{t.root, "a.txt", 1000};
            hooks_guard g(r, true);
            resolve_options opts;
            opts.resolver = kind;
            auto res = resolve_target(root.native_handle(), "/a.txt", opts);
            BOOST_TEST((res.status == resolve_status::replaced));
            BOOST_TEST(!res.file.is_open());
            BOOST_TEST(r.calls == zerocopy::http::detail::max_resolve_attempts);
            BOOST_TEST((res.ec == serve_error::replaced_during_resolution));
            BOOST_TEST(res.ec.message() == "replaced during resolution");

            // serve_file: 503 with Retry-After: 1, the cause in ec — never 500.
            r.calls = 0;
            boost::beast::http::request_header<> req;
            req.method(boost::beast::http::verb::get);
            req.target("/a.txt");
            req.version(11);
            serve_options so;
            so.resolve.resolver = kind;
            boost::system::error_code ec;
            auto const resp = serve_file(root, req, ec, so);
            BOOST_TEST(resp.result_int() == 503u);
            BOOST_TEST(resp[boost::beast::http::field::retry_after] == "1");
            BOOST_TEST((ec == serve_error::replaced_during_resolution));
        }
    }
}

BOOST_AUTO_TEST_CASE(the_proc_reopen_is_used) {
    // With /proc, the file must come from the examined inode even when the name is gone by then.
    tree t;
    document_root root(t.root);
    struct unlinker {
        std::string path;
        static void hook(void* self) { ::unlink(static_cast<unlinker*>(self)->path.c_str()); }
    } u{t.root + "/a.txt"};
    auto& h = zerocopy::http::detail::test_hooks();
    h.between_opens = &unlinker::hook;
    h.context = &u;
    auto res = resolve_target(root.native_handle(), "/a.txt");
    h = {};
    BOOST_TEST((res.status == resolve_status::file));
    BOOST_TEST(read_all(res.file.get()) == "aaa");
}
#endif

BOOST_AUTO_TEST_SUITE_END()
