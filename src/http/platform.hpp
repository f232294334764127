// src/http/platform.hpp — the HTTP layer's one seam with the operating system (private).
//
// Everything that opens, inspects or resolves files lives behind it: src/http/platform_posix.cpp
// (open, fstat, openat2 and the O_PATH walk) or src/http/platform_win32.cpp (CreateFileW,
// GetFileInformationByHandle, the reparse-point-refusing walk). The rest of src/http is portable.
#ifndef ZEROCOPY_SRC_HTTP_PLATFORM_HPP
#define ZEROCOPY_SRC_HTTP_PLATFORM_HPP

#include <zerocopy/http/resolve.hpp>
#include <zerocopy/http/unique_file.hpp>

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace zerocopy::http::detail {

/// What the layer needs to know about an open file.
struct file_status {
    enum kind_t { regular, directory, other } kind = other;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;  ///< Last modification, nanoseconds since 1970 (UTC).
    std::uint64_t file_id = 0;  ///< The inode number (POSIX) or file index (Windows).
};

/// fstat / GetFileInformationByHandle on an open file.
boost::system::error_code query_file(native_file_handle file, file_status& st) noexcept;

/// Opens `path` (UTF-8 on Windows) read-only; `st` describes what was opened.
unique_file open_for_reading(char const* path, file_status& st, boost::system::error_code& ec);

/// Opens `path` as a document root directory.
unique_file open_root(std::string const& path, boost::system::error_code& ec);

/// The object a decoded path names beneath a root: a regular file open for reading, or a
/// directory (or other object) with `file` holding something to identify it.
struct located {
    resolve_status failure = resolve_status::error;  ///< Meaningful when `ec` is set.
    boost::system::error_code ec;
    file_status st;
    unique_file file;
};

/// "a/b/c" from decoded segments ("." for none): the relative path of what was resolved.
std::string join_segments(std::vector<std::string> const& segments);

/// Resolves `segments` (decoded, as decode_target returns them) beneath `root` without leaving it.
located locate(native_file_handle root, std::vector<std::string> const& segments, resolver_kind kind);

/// Test hooks of the resolver (process-wide; set them only while no request is being resolved).
/// Production code never sets them.
struct resolver_hooks {
    /// Behave as if /proc were not mounted: the final file is opened again by name (POSIX only).
    bool no_proc = false;
    /// Called after the final component was opened (O_PATH / without read access) and examined,
    /// before the descriptor for reading is opened: where a test renames over the file.
    void (*between_opens)(void* context) = nullptr;
    void* context = nullptr;
};
resolver_hooks& test_hooks() noexcept;

/// How many times the two-step resolution is tried when the file keeps being replaced (no /proc).
constexpr int max_resolve_attempts = 8;

/// resolve_target, also giving what the resolver learnt of the file it opened (serve_file needs
/// its size and dates; asking the system again would cost a syscall per request).
resolved_target resolve_target(native_file_handle root, std::string_view target,
                               resolve_options const& options, file_status& st);

/// As above; with `list_directories`, a directory without its index gives resolve_status::directory
/// (its handle in `file`, its path in `relative_path`) instead of not_found.
resolved_target resolve_target(native_file_handle root, std::string_view target,
                               resolve_options const& options, file_status& st, bool list_directories);

// --- Issue 13: what the open-file cache (src/http/file_cache.cpp) asks of the system ---------------
//
// Linux: inotify, fstatfs, openat2 with RESOLVE_NO_SYMLINKS. Elsewhere (Windows, other POSIX systems)
// open_change_queue fails: the cache then keeps nothing and every request resolves afresh.

/// A non-blocking queue of change notifications (inotify_init1). Error where there is none.
unique_file open_change_queue(boost::system::error_code& ec) noexcept;

/// Watches the object `object` is open on (a directory: its entries and itself; a file: itself) for
/// every change that could make a fresh resolution answer differently. Returns the watch's id, or -1
/// with `ec` set (ENOSPC: the system's watch limit).
int add_change_watch(native_file_handle queue, native_file_handle object,
                     boost::system::error_code& ec) noexcept;

/// Stops watch `id` (its removal notice, if any, is read and ignored later).
void remove_change_watch(native_file_handle queue, int id) noexcept;

/// One notification: the watch, the entry's name for a directory's entry (empty: the object itself).
struct change_event {
    int watch = -1;
    std::string name;
    bool overflow = false;  ///< The queue overflowed: anything may have changed.
    bool removed = false;   ///< The watch is gone (its object deleted, or removed).
};

/// Reads what the queue holds without waiting: one read() when it is empty. False on an error
/// (the caller must then assume anything changed).
bool read_changes(native_file_handle queue, std::vector<change_event>& out) noexcept;

/// Whether changes to `object`'s file system are all notified (an allowlist: ext4, xfs, btrfs,
/// tmpfs...; not NFS, FUSE or overlayfs, where another host or layer changes files unseen).
bool is_notifying_file_system(native_file_handle object) noexcept;

/// Opens `segments[0, count)` beneath `root` with O_PATH, refusing any symlink on the way
/// (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS); count 0 reopens the root itself.
unique_file open_path_no_symlinks(native_file_handle root, std::vector<std::string> const& segments,
                                  std::size_t count, file_status& st, boost::system::error_code& ec) noexcept;

}  // namespace zerocopy::http::detail

#endif
