// Request-target decoder and path resolver.
// Input: a request target (any bytes). It is resolved against a document root inside a scratch tree
// built once: regular files, directories with and without an index, a FIFO, and symlinks that stay in
// the root, climb out of it (relative and absolute), loop, or name the root's parent.
// Properties: whatever the input, an opened file is a regular file beneath the root (checked through
// /proc/self/fd) and never the secret file beside the root; the request is otherwise refused; both
// resolvers (openat2 and the portable walk) agree; a redirect's Location is a local path (never
// "//host"); decoded segments are never empty, ".", ".." and hold no '/', '\' or NUL; no descriptor
// leaks. An absolute-form target (http/https) is resolved exactly as its origin-form path and query
// (same status, Location, file), and its authority is a valid, non-empty Host value. Targets with
// empty or dot segments (normalize_target) are redirected to a canonical target that decode_target
// accepts, or refused when normalizing climbs above the root.
#include "fuzz_common.hpp"

#include <zerocopy/http/framing.hpp>
#include <zerocopy/http/normalize.hpp>
#include <zerocopy/http/resolve.hpp>

#include <cerrno>
#include <string>

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace zerocopy::http;

namespace {

std::string scratch;    // the tree: <scratch>/secret, <scratch>/root/...
std::string root_real;  // realpath of <scratch>/root
int root_fd = -1;
struct stat secret_st {};

void must(bool ok, char const* what) {
    if (!ok) {
        std::perror(what);
        std::abort();
    }
}

void put_file(std::string const& path, std::string const& content) {
    int const fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    must(fd >= 0, path.c_str());
    must(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()), "write");
    ::close(fd);
}

void link(std::string const& target, std::string const& path) {
    must(::symlink(target.c_str(), path.c_str()) == 0, path.c_str());
}

void remove_tree() {
    if (!scratch.empty()) {
        std::string const cmd = "rm -rf '" + scratch + "'";
        if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", scratch.c_str());
    }
}

void build_tree() {
    char tmpl[] = "/tmp/zerocopy-fuzz-resolve-XXXXXX";
    must(::mkdtemp(tmpl) != nullptr, "mkdtemp");
    scratch = tmpl;
    std::atexit(remove_tree);
    std::string const r = scratch + "/root";
    must(::mkdir(r.c_str(), 0755) == 0, "mkdir root");
    put_file(scratch + "/secret", "secret");
    must(::stat((scratch + "/secret").c_str(), &secret_st) == 0, "stat secret");
    must(::mkdir((scratch + "/outdir").c_str(), 0755) == 0, "mkdir outdir");
    put_file(scratch + "/outdir/index.html", "outside index");
    put_file(r + "/index.html", "root index");
    put_file(r + "/a.txt", "a");
    put_file(r + "/sp ace.txt", "space");
    put_file(r + "/%2e", "literal percent-2e");
    put_file(r + "/..a", "dots");
    must(::mkdir((r + "/dir").c_str(), 0755) == 0, "mkdir dir");
    put_file(r + "/dir/index.html", "dir index");
    put_file(r + "/dir/b.txt", "b");
    must(::mkdir((r + "/dir/sub").c_str(), 0755) == 0, "mkdir sub");
    put_file(r + "/dir/sub/c.txt", "c");
    must(::mkdir((r + "/empty").c_str(), 0755) == 0, "mkdir empty");
    must(::mkfifo((r + "/fifo").c_str(), 0644) == 0, "mkfifo");
    must(::mkdir((r + "/noperm").c_str(), 0000) == 0, "mkdir noperm");
    link("a.txt", r + "/link_in");
    link("dir", r + "/link_dir");
    link("dir/../a.txt", r + "/link_dotdot_in");
    link("../secret", r + "/link_up");
    link(scratch + "/secret", r + "/link_abs");
    link("..", r + "/link_parent");
    link("../outdir", r + "/link_outdir");
    link("link_loop", r + "/link_loop");
    link("missing", r + "/link_dangling");
    link("a.txt/", r + "/link_file_slash");
    link("fifo", r + "/link_fifo");
    link("../../secret", r + "/dir/link_up2");
    link("../a.txt", r + "/dir/link_sibling");
    link("sub/../../link_up", r + "/dir/link_chain");
    link("/proc/self/root" + scratch + "/secret", r + "/link_magic");
    root_fd = ::open(r.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    must(root_fd >= 0, "open root");
    char buf[PATH_MAX];
    must(::realpath(r.c_str(), buf) != nullptr, "realpath");
    root_real = buf;
}

// The lowest free descriptor number, as a leak detector.
int lowest_free_fd() {
    int const fd = ::dup(0);
    if (fd >= 0) ::close(fd);
    return fd;
}

void check_result(resolved_target const& r, decoded_target const& t) {
    if (r.status == resolve_status::redirect) {
        // Canonical: decode_target accepts it and it needs no further normalization.
        ZEROCOPY_FUZZ_CHECK(decode_target(r.location).valid);
        ZEROCOPY_FUZZ_CHECK(normalize_target(r.location).form == target_form::canonical);
    }
    if (t.valid) ZEROCOPY_FUZZ_CHECK(r.status != resolve_status::bad_request);
    if (r.status == resolve_status::file) {
        ZEROCOPY_FUZZ_CHECK(r.file.is_open());
        struct stat st {};
        ZEROCOPY_FUZZ_CHECK(::fstat(r.file.get(), &st) == 0);
        ZEROCOPY_FUZZ_CHECK(S_ISREG(st.st_mode));
        ZEROCOPY_FUZZ_CHECK(!(st.st_dev == secret_st.st_dev && st.st_ino == secret_st.st_ino));
        int const flags = ::fcntl(r.file.get(), F_GETFL);
        ZEROCOPY_FUZZ_CHECK((flags & O_ACCMODE) == O_RDONLY);
        char buf[PATH_MAX];
        std::string const proc = "/proc/self/fd/" + std::to_string(r.file.get());
        ssize_t const n = ::readlink(proc.c_str(), buf, sizeof buf - 1);
        ZEROCOPY_FUZZ_CHECK(n > 0);
        std::string const where(buf, static_cast<std::size_t>(n));
        ZEROCOPY_FUZZ_CHECK(where.compare(0, root_real.size() + 1, root_real + "/") == 0);
    } else {
        ZEROCOPY_FUZZ_CHECK(!r.file.is_open());
    }
    if (r.status == resolve_status::redirect) {
        ZEROCOPY_FUZZ_CHECK(!r.location.empty() && r.location.front() == '/');
        ZEROCOPY_FUZZ_CHECK(r.location.size() < 2 || (r.location[1] != '/' && r.location[1] != '\\'));
        ZEROCOPY_FUZZ_CHECK(r.location.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
    }
}

// Resolves with the walk and with openat2 (where the kernel has it); both must pass the checks and agree.
void resolve_both(std::string_view target, decoded_target const& t) {
    resolve_options walk;
    walk.resolver = resolver_kind::walk;
    resolved_target const a = resolve_target(root_fd, target, walk);
    check_result(a, t);

    resolve_options kernel;
    kernel.resolver = resolver_kind::openat2;
    resolved_target const b = resolve_target(root_fd, target, kernel);
    if (b.status == resolve_status::error && b.ec == std::errc::function_not_supported) return;
    check_result(b, t);
    ZEROCOPY_FUZZ_CHECK(a.status == b.status);
    ZEROCOPY_FUZZ_CHECK(a.location == b.location);
    ZEROCOPY_FUZZ_CHECK(a.relative_path == b.relative_path);
    if (a.status == resolve_status::file) {
        struct stat sa {
        }, sb{};
        ZEROCOPY_FUZZ_CHECK(::fstat(a.file.get(), &sa) == 0 && ::fstat(b.file.get(), &sb) == 0);
        ZEROCOPY_FUZZ_CHECK(sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev);
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    build_tree();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view const target(reinterpret_cast<char const*>(data), size);

    decoded_target const t = decode_target(target);
    normalized_target const n = normalize_target(target);  // canonical for any absolute-form target
    bool const origin_form = target.empty() || target.front() == '/';
    if (n.form == target_form::redirect) {
        ZEROCOPY_FUZZ_CHECK(origin_form);
        ZEROCOPY_FUZZ_CHECK(!t.valid);  // a target decode_target accepts is canonical
        ZEROCOPY_FUZZ_CHECK(decode_target(n.location).valid);
    }
    if (origin_form && n.form == target_form::canonical && !t.valid) {
        resolved_target const r = resolve_target(root_fd, target);
        ZEROCOPY_FUZZ_CHECK(r.status == resolve_status::bad_request);
    }
    if (n.form == target_form::refused) {
        resolved_target const r = resolve_target(root_fd, target);
        ZEROCOPY_FUZZ_CHECK(r.status == resolve_status::bad_request);
    }
    if (!origin_form && !t.valid) {
        // absolute-form: refused, or (dot and empty segments in its path) redirected to the
        // canonical origin-form target, which decode_target accepts.
        resolved_target const r = resolve_target(root_fd, target);
        ZEROCOPY_FUZZ_CHECK(r.status == resolve_status::bad_request || r.status == resolve_status::redirect);
        if (r.status == resolve_status::redirect) ZEROCOPY_FUZZ_CHECK(decode_target(r.location).valid);
    }
    if (t.valid) {
        ZEROCOPY_FUZZ_CHECK(!t.encoded_path.empty() && t.encoded_path.front() == '/');
        ZEROCOPY_FUZZ_CHECK(t.has_query || t.encoded_query.empty());
        for (auto const& s : t.segments) {
            ZEROCOPY_FUZZ_CHECK(!s.empty() && s != "." && s != "..");
            ZEROCOPY_FUZZ_CHECK(s.find_first_of(std::string_view("/\\\0", 3)) == std::string::npos);
        }
        if (t.segments.empty()) ZEROCOPY_FUZZ_CHECK(t.trailing_slash);
        bool const absolute = target.front() != '/';
        ZEROCOPY_FUZZ_CHECK(absolute == !t.authority.empty());
        if (absolute) {
            ZEROCOPY_FUZZ_CHECK(is_valid_host(t.authority));
            ZEROCOPY_FUZZ_CHECK(t.authority.find_first_of("@,/ ") == std::string::npos);
            // The same request in origin-form: every resolver rule applies to the path alike.
            std::string origin = t.encoded_path;
            if (t.has_query) origin += "?" + t.encoded_query;
            decoded_target const o = decode_target(origin);
            ZEROCOPY_FUZZ_CHECK(o.valid && o.segments == t.segments && o.trailing_slash == t.trailing_slash);
            resolved_target const ra = resolve_target(root_fd, target);
            resolved_target const ro = resolve_target(root_fd, origin);
            ZEROCOPY_FUZZ_CHECK(ra.status == ro.status);
            ZEROCOPY_FUZZ_CHECK(ra.location == ro.location);
            ZEROCOPY_FUZZ_CHECK(ra.relative_path == ro.relative_path);
        }
    }

    int const free_before = lowest_free_fd();
    resolve_both(target, t);
    ZEROCOPY_FUZZ_CHECK(lowest_free_fd() == free_before);  // every descriptor opened was closed
    return 0;
}
