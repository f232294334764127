#include <zerocopy/http/resolve.hpp>

#include <boost/url/parse.hpp>

#include <atomic>
#include <cerrno>
#include <deque>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#if !defined(O_PATH)
// The walk examines each component without opening it for reading (no FIFO or device is ever
// opened) and reads symlinks through the descriptor it checked; both need O_PATH.
#error "zerocopy::http's target resolver needs O_PATH (Linux; FreeBSD 14 and later)"
#endif
#if defined(__linux__)
#include <linux/openat2.h>
#include <sys/syscall.h>
#endif

namespace zerocopy::http {

void unique_fd::reset(int fd) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

decoded_target decode_target(std::string_view target) {
    decoded_target out;
    auto parsed = boost::urls::parse_origin_form(boost::urls::string_view(target.data(), target.size()));
    if (!parsed) return out;
    boost::urls::url_view const& u = *parsed;

    // Split the encoded path ourselves: Boost.URL's segment views hide a leading "/." (which it uses to
    // disambiguate paths starting with "//"), and every segment must be seen as received.
    std::string_view path(u.encoded_path().data(), u.encoded_path().size());
    path.remove_prefix(1);              // origin-form paths start with '/'
    out.trailing_slash = path.empty();  // "/" is the root directory itself
    while (!path.empty() || !out.trailing_slash) {
        auto const slash = path.find('/');
        std::string_view const seg = path.substr(0, slash);
        bool const last = slash == std::string_view::npos;
        path = last ? std::string_view() : path.substr(slash + 1);
        if (seg == "." || seg == "..") return out;
        auto pct = boost::urls::make_pct_string_view(boost::urls::string_view(seg.data(), seg.size()));
        if (!pct) return out;
        std::string decoded = pct->decode();  // decoded exactly once
        if (decoded.empty()) {
            if (!last) return out;  // "//x", "/a//b"
            out.trailing_slash = true;
            break;
        }
        if (decoded == "." || decoded == "..") return out;
        if (decoded.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) return out;
        out.segments.push_back(std::move(decoded));
        if (last) break;
        if (path.empty()) out.trailing_slash = true;  // "/a/"
    }
    out.encoded_path = std::string(u.encoded_path());
    out.has_query = u.has_query();
    if (out.has_query) out.encoded_query = std::string(u.encoded_query());
    out.valid = true;
    return out;
}

namespace {

constexpr int read_flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

// The object a path names: an O_PATH descriptor (directories) or a read descriptor (regular files).
struct located {
    int err = 0;
    struct stat st {};
    unique_fd fd;
};

bool same_file(struct stat const& a, struct stat const& b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Opens the final component for reading when it is a regular file, checking it is still the object
// that was examined (a rename in between is reported as EAGAIN).
template <class OpenRead>
located finish(unique_fd path_fd, OpenRead open_read) {
    located r;
    if (::fstat(path_fd.get(), &r.st) != 0) {
        r.err = errno;
        return r;
    }
    if (!S_ISREG(r.st.st_mode)) {
        r.fd = std::move(path_fd);
        return r;
    }
    unique_fd file(open_read());
    struct stat st2 {};
    if (!file) {
        r.err = errno;
        return r;
    }
    if (::fstat(file.get(), &st2) != 0) {
        r.err = errno;
        return r;
    }
    if (!same_file(r.st, st2)) {
        r.err = EAGAIN;
        return r;
    }
    r.st = st2;
    r.fd = std::move(file);
    return r;
}

std::string join(std::vector<std::string> const& segs) {
    std::string rel;
    for (auto const& s : segs) {
        if (!rel.empty()) rel.push_back('/');
        rel += s;
    }
    return rel.empty() ? std::string(".") : rel;
}

#if defined(__linux__) && defined(SYS_openat2)
std::atomic<bool> openat2_missing{false};

int sys_openat2(int dirfd, char const* path, std::uint64_t flags) {
    struct open_how how {};
    how.flags = flags;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0;; ++attempt) {
        long const r = ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        if (r >= 0) return static_cast<int>(r);
        // EAGAIN: a concurrent rename made the kernel unsure the walk stayed beneath; retry a few times.
        if ((errno == EAGAIN || errno == EINTR) && attempt < 8) continue;
        return -1;
    }
}

located locate_openat2(int root, std::vector<std::string> const& segs) {
    std::string const rel = join(segs);
    unique_fd p(sys_openat2(root, rel.c_str(), O_PATH | O_CLOEXEC));
    if (!p) {
        located r;
        r.err = errno;
        return r;
    }
    return finish(std::move(p), [&] { return sys_openat2(root, rel.c_str(), read_flags); });
}
#endif

// The portable resolver: one component at a time with O_NOFOLLOW, resolving symlinks here with
// RESOLVE_BENEATH's rules: absolute targets and ".." above the root are refused with EXDEV.
located locate_walk(int root, std::vector<std::string> const& segs) {
    located r;
    std::vector<unique_fd> dirs;  // the directories entered below the root
    std::deque<std::string> pending(segs.begin(), segs.end());
    int links = 0;
    auto cur = [&] { return dirs.empty() ? root : dirs.back().get(); };

    while (!pending.empty()) {
        std::string comp = std::move(pending.front());
        pending.pop_front();
        if (comp.empty() || comp == ".") continue;  // only from symlink targets
        if (comp == "..") {
            if (dirs.empty()) {
                r.err = EXDEV;
                return r;
            }
            dirs.pop_back();
            continue;
        }
        unique_fd fd(::openat(cur(), comp.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        struct stat st {};
        if (!fd || ::fstat(fd.get(), &st) != 0) {
            r.err = errno;
            return r;
        }
        if (S_ISLNK(st.st_mode)) {
            if (++links > 40) {
                r.err = ELOOP;
                return r;
            }
            char buf[4096];
            ssize_t const n = ::readlinkat(fd.get(), "", buf, sizeof buf);
            if (n < 0) {
                r.err = errno;
                return r;
            }
            if (n == 0 || static_cast<std::size_t>(n) == sizeof buf || buf[0] == '/') {
                r.err = EXDEV;
                return r;
            }
            std::string_view target(buf, static_cast<std::size_t>(n));
            std::vector<std::string> parts;
            while (!target.empty()) {
                auto const slash = target.find('/');
                parts.emplace_back(target.substr(0, slash));
                target = slash == std::string_view::npos ? std::string_view() : target.substr(slash + 1);
            }
            if (buf[n - 1] == '/') parts.emplace_back(".");  // "file/" must name a directory
            pending.insert(pending.begin(), parts.begin(), parts.end());
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            dirs.push_back(std::move(fd));
            continue;
        }
        // Not a directory: it must be the last component.
        if (!pending.empty()) {  // "file/" or "file/x", as the kernel sees it
            r.err = ENOTDIR;
            return r;
        }
        int const parent = cur();
        return finish(std::move(fd), [&] { return ::openat(parent, comp.c_str(), read_flags | O_NOFOLLOW); });
    }
    // The path named a directory (possibly the root itself).
    unique_fd dir(::fcntl(cur(), F_DUPFD_CLOEXEC, 0));
    if (!dir || ::fstat(dir.get(), &r.st) != 0) {
        r.err = errno;
        return r;
    }
    r.fd = std::move(dir);
    return r;
}

located locate(int root, std::vector<std::string> const& segs, resolver_kind kind) {
#if defined(__linux__) && defined(SYS_openat2)
    if (kind != resolver_kind::walk && !openat2_missing.load(std::memory_order_relaxed)) {
        located r = locate_openat2(root, segs);
        if (r.err != ENOSYS) return r;
        openat2_missing.store(true, std::memory_order_relaxed);
    }
#endif
    if (kind == resolver_kind::openat2) {
        located r;
        r.err = ENOSYS;
        return r;
    }
    return locate_walk(root, segs);
}

resolve_status status_of(int err) {
    switch (err) {
        case ENOENT:
        case ENOTDIR:
        case ENAMETOOLONG:
            return resolve_status::not_found;
        case EXDEV:
        case ELOOP:
        case EACCES:
        case EPERM:
            return resolve_status::forbidden;
        default:
            return resolve_status::error;
    }
}

resolved_target from_located(located&& l, resolved_target&& out) {
    if (l.err != 0) {
        out.status = status_of(l.err);
        out.ec.assign(l.err, boost::system::system_category());
        return std::move(out);
    }
    if (!S_ISREG(l.st.st_mode)) {
        out.status = resolve_status::not_found;
        return std::move(out);
    }
    out.status = resolve_status::file;
    out.file = std::move(l.fd);
    return std::move(out);
}

}  // namespace

resolved_target resolve_target(int root, std::string_view target, resolve_options const& options) {
    resolved_target out;
    decoded_target t = decode_target(target);
    if (!t.valid) {
        out.status = resolve_status::bad_request;
        return out;
    }
    located l = locate(root, t.segments, options.resolver);
    if (l.err == 0 && S_ISDIR(l.st.st_mode)) {
        if (!t.trailing_slash) {
            out.status = resolve_status::redirect;
            out.location = t.encoded_path + "/";
            if (t.has_query) out.location += "?" + t.encoded_query;
            return out;
        }
        if (options.index_file.empty() || options.index_file.find('/') != std::string::npos) {
            out.status = resolve_status::not_found;
            return out;
        }
        t.segments.push_back(options.index_file);
        t.trailing_slash = false;
        l = locate(root, t.segments, options.resolver);
    }
    out.relative_path = join(t.segments);
    if (t.trailing_slash && l.err == 0) l.err = ENOTDIR;  // "/file/": a slash after a non-directory
    return from_located(std::move(l), std::move(out));
}

document_root::document_root(std::string const& path) {
    boost::system::error_code ec;
    *this = document_root(path, ec);
}

document_root::document_root(std::string const& path, boost::system::error_code& ec)
    : fd_(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_)
        ec = {};
    else
        ec.assign(errno, boost::system::system_category());
}

}  // namespace zerocopy::http
