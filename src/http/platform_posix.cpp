// src/http/platform_posix.cpp — the HTTP layer's file seam on POSIX: open, fstat, and the target
// resolver (openat2 with RESOLVE_BENEATH on Linux, an O_PATH walk elsewhere).
#include "platform.hpp"

#include <zerocopy/error.hpp>

#include <boost/system/errc.hpp>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <climits>
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
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/inotify.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#endif

namespace zerocopy::http {

void unique_file::reset(native_file_handle fd) noexcept {
    if (h_ >= 0) ::close(h_);
    h_ = fd;
}

namespace detail {
namespace {

constexpr int read_flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

// The object a path names: an O_PATH descriptor (directories) or a read descriptor (regular files).
struct found {
    int err = 0;
    struct stat st {};
    unique_file fd;
};

bool same_file(struct stat const& a, struct stat const& b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

resolver_hooks hooks;

// Opens the final component for reading when it is a regular file. The read descriptor comes from
// the inode examined, through /proc/self/fd (a rename over the name meanwhile changes nothing);
// without /proc, `open_by_name` opens it again and it must be the same inode (EAGAIN otherwise: the
// caller tries again).
template <class OpenByName>
found finish(unique_file path_fd, OpenByName open_by_name) {
    found r;
    if (::fstat(path_fd.get(), &r.st) != 0) {
        r.err = errno;
        return r;
    }
    if (!S_ISREG(r.st.st_mode)) {
        r.fd = std::move(path_fd);
        return r;
    }
    if (hooks.between_opens) hooks.between_opens(hooks.context);
    unique_file file;
    if (!hooks.no_proc) {
        char proc_path[40];
        std::snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", path_fd.get());
        file.reset(::open(proc_path, read_flags));
        if (!file && errno != ENOENT) {  // EACCES and the like: about the file itself
            r.err = errno;
            return r;
        }
    }
    if (!file) file.reset(open_by_name());  // no /proc: the two-step resolution
    struct stat st2 {};
    if (!file) {
        r.err = errno;
        return r;
    }
    if (::fstat(file.get(), &st2) != 0) {
        r.err = errno;
        return r;
    }
    if (!same_file(r.st, st2)) {  // replaced in between (or a /proc that is not procfs)
        r.err = EAGAIN;
        return r;
    }
    r.st = st2;
    r.fd = std::move(file);
    return r;
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

found locate_openat2(int root, std::vector<std::string> const& segs) {
    std::string const rel = join_segments(segs);
    unique_file p(sys_openat2(root, rel.c_str(), O_PATH | O_CLOEXEC));
    if (!p) {
        found r;
        r.err = errno;
        return r;
    }
    return finish(std::move(p), [&] { return sys_openat2(root, rel.c_str(), read_flags); });
}
#endif

// The portable resolver: one component at a time with O_NOFOLLOW, resolving symlinks here with
// RESOLVE_BENEATH's rules: absolute targets and ".." above the root are refused with EXDEV.
found locate_walk(int root, std::vector<std::string> const& segs) {
    found r;
    std::vector<unique_file> dirs;  // the directories entered below the root
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
        unique_file fd(::openat(cur(), comp.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
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
    unique_file dir(::fcntl(cur(), F_DUPFD_CLOEXEC, 0));
    if (!dir || ::fstat(dir.get(), &r.st) != 0) {
        r.err = errno;
        return r;
    }
    r.fd = std::move(dir);
    return r;
}

found locate_once(int root, std::vector<std::string> const& segs, resolver_kind kind) {
#if defined(__linux__) && defined(SYS_openat2)
    if (kind != resolver_kind::walk && !openat2_missing.load(std::memory_order_relaxed)) {
        found r = locate_openat2(root, segs);
        if (r.err != ENOSYS) return r;
        openat2_missing.store(true, std::memory_order_relaxed);
    }
#endif
    if (kind == resolver_kind::openat2) {
        found r;
        r.err = ENOSYS;
        return r;
    }
    return locate_walk(root, segs);
}

found locate_posix(int root, std::vector<std::string> const& segs, resolver_kind kind) {
    for (int attempt = 1;; ++attempt) {
        found r = locate_once(root, segs, kind);
        if (r.err != EAGAIN || attempt == max_resolve_attempts) return r;
    }
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
        case EAGAIN:  // replaced on every attempt, or openat2 kept seeing concurrent renames
            return resolve_status::replaced;
        default:
            return resolve_status::error;
    }
}

boost::system::error_code errno_code(int err) {
    return boost::system::error_code(err, boost::system::system_category());
}

void describe(struct stat const& st, file_status& out) {
    out.kind = S_ISREG(st.st_mode)   ? file_status::regular
               : S_ISDIR(st.st_mode) ? file_status::directory
                                     : file_status::other;
    out.size = static_cast<std::uint64_t>(st.st_size);
    out.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    out.file_id = static_cast<std::uint64_t>(st.st_ino);
}

}  // namespace

resolver_hooks& test_hooks() noexcept {
    return hooks;
}

boost::system::error_code query_file(native_file_handle file, file_status& st) noexcept {
    struct stat s {};
    if (::fstat(file, &s) != 0) return errno_code(errno);
    describe(s, st);
    return {};
}

unique_file open_for_reading(char const* path, file_status& st, boost::system::error_code& ec) {
    unique_file fd(::open(path, read_flags));
    if (!fd) {
        ec = errno_code(errno);
        return fd;
    }
    ec = query_file(fd.get(), st);
    if (ec) fd.reset();
    return fd;
}

unique_file open_root(std::string const& path, boost::system::error_code& ec) {
    unique_file fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ec = fd ? boost::system::error_code() : errno_code(errno);
    return fd;
}

located locate(native_file_handle root, std::vector<std::string> const& segments, resolver_kind kind) {
    found f = locate_posix(root, segments, kind);
    located out;
    if (f.err != 0) {
        out.failure = status_of(f.err);
        out.ec = errno_code(f.err);
        return out;
    }
    describe(f.st, out.st);
    out.file = std::move(f.fd);
    return out;
}

// --- Issue 13: the open-file cache's seam -------------------------------------------------------

#if defined(__linux__) && defined(SYS_openat2)

unique_file open_change_queue(boost::system::error_code& ec) noexcept {
    unique_file q(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    ec = q ? boost::system::error_code() : errno_code(errno);
    return q;
}

int add_change_watch(native_file_handle queue, native_file_handle object,
                     boost::system::error_code& ec) noexcept {
    // Everything that changes what a resolution through this object finds: its entries created,
    // deleted, renamed, their (or its) attributes (mode, owner, link count), its contents.
    constexpr std::uint32_t mask = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO |
                                   IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF;
    // The magic link names the very inode `object` is open on, whatever its path is now.
    char path[40];
    std::snprintf(path, sizeof path, "/proc/self/fd/%d", object);
    int const wd = ::inotify_add_watch(queue, path, mask);
    ec = wd >= 0 ? boost::system::error_code() : errno_code(errno);
    return wd;
}

void remove_change_watch(native_file_handle queue, int id) noexcept {
    ::inotify_rm_watch(queue, id);
}

bool read_changes(native_file_handle queue, std::vector<change_event>& out) noexcept {
    alignas(inotify_event) char buf[4096];
    for (;;) {
        ssize_t const n = ::read(queue, buf, sizeof buf);
        if (n < 0) return errno == EAGAIN || errno == EINTR;
        if (n == 0) return false;
        for (char const* p = buf; p < buf + n;) {
            auto const* e = reinterpret_cast<inotify_event const*>(p);
            change_event c;
            c.watch = e->wd;
            if (e->len != 0) c.name.assign(e->name);  // NUL-padded
            c.overflow = (e->mask & IN_Q_OVERFLOW) != 0;
            c.removed = (e->mask & IN_IGNORED) != 0;
            out.push_back(std::move(c));
            p += sizeof(inotify_event) + e->len;
        }
        // A short read took everything there was; a full buffer may have left more behind.
        if (static_cast<std::size_t>(n) + sizeof(inotify_event) + NAME_MAX + 1 <= sizeof buf) return true;
    }
}

bool is_notifying_file_system(native_file_handle object) noexcept {
    struct statfs fs {};
    if (::fstatfs(object, &fs) != 0) return false;
    switch (static_cast<unsigned long>(fs.f_type)) {
        case EXT4_SUPER_MAGIC:  // also ext2 and ext3
        case XFS_SUPER_MAGIC:
        case BTRFS_SUPER_MAGIC:
        case TMPFS_MAGIC:
        case 0xF2F52010:  // F2FS_SUPER_MAGIC
        case 0x2011BAB0:  // EXFAT_SUPER_MAGIC
            return true;
        default:  // NFS, SMB, FUSE, overlayfs (its lower layers change unseen), ...
            return false;
    }
}

unique_file open_path_no_symlinks(native_file_handle root, std::vector<std::string> const& segments,
                                  std::size_t count, file_status& st,
                                  boost::system::error_code& ec) noexcept {
    std::string rel = ".";
    for (std::size_t i = 0; i < count && i < segments.size(); ++i) {
        rel += '/';
        rel += segments[i];
    }
    struct open_how how {};
    how.flags = O_PATH | O_CLOEXEC | O_NOFOLLOW;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd = -1;
    for (int attempt = 0; attempt < 8; ++attempt) {
        fd = ::syscall(SYS_openat2, root, rel.c_str(), &how, sizeof how);
        if (fd >= 0 || (errno != EAGAIN && errno != EINTR)) break;
    }
    unique_file f(fd >= 0 ? static_cast<int>(fd) : -1);
    if (!f) {
        ec = errno_code(errno);
        return f;
    }
    struct stat s {};
    if (::fstat(f.get(), &s) != 0) {
        ec = errno_code(errno);
        f.reset();
        return f;
    }
    describe(s, st);
    ec = {};
    return f;
}

#else  // no inotify (or no openat2): the cache keeps nothing

unique_file open_change_queue(boost::system::error_code& ec) noexcept {
    ec = boost::system::errc::make_error_code(boost::system::errc::function_not_supported);
    return unique_file();
}
int add_change_watch(native_file_handle, native_file_handle, boost::system::error_code& ec) noexcept {
    ec = boost::system::errc::make_error_code(boost::system::errc::function_not_supported);
    return -1;
}
void remove_change_watch(native_file_handle, int) noexcept {}
bool read_changes(native_file_handle, std::vector<change_event>&) noexcept {
    return false;
}
bool is_notifying_file_system(native_file_handle) noexcept {
    return false;
}
unique_file open_path_no_symlinks(native_file_handle, std::vector<std::string> const&, std::size_t,
                                  file_status&, boost::system::error_code& ec) noexcept {
    ec = boost::system::errc::make_error_code(boost::system::errc::function_not_supported);
    return unique_file();
}

#endif

}  // namespace detail
}  // namespace zerocopy::http
