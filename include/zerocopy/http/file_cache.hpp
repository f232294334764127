#ifndef ZEROCOPY_HTTP_FILE_CACHE_HPP
#define ZEROCOPY_HTTP_FILE_CACHE_HPP

#include <cstddef>
#include <cstdint>

namespace zerocopy::http {

/** Limits of the open-file cache of a @ref document_root (issue 13; see docs/http.md).

    The cache maps a request target to the open file @ref serve_file resolved for it and what the
    response needs of it (size, dates, ETag, Content-Type), so that a repeated request costs no
    `openat2`, `fstat` or `close`. It is never stale for changes made through the file system's
    names: on Linux every directory from the root to the file and the file itself are watched with
    inotify, and each lookup first reads what the kernel queued (one non-blocking `read`). Only files
    on file systems that notify every change (ext4, xfs, btrfs, tmpfs, f2fs, exfat) reached without
    any symlink are kept; the rest, and everything when inotify or the watch limit is unavailable (and
    on Windows), is resolved afresh on every request.
*/
struct file_cache_options {
    /// Entries (each holds one open descriptor). 0 disables the cache.
    std::size_t max_entries = 1024;
    /// inotify watches (directories and files); an entry that would need more is not kept.
    std::size_t max_watches = 8192;
};

/// What the cache did so far (for tests and monitoring).
struct file_cache_stats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t inserted = 0;
    std::uint64_t invalidated = 0;  ///< Entries dropped because a watched object changed.
    std::uint64_t evicted = 0;      ///< Entries dropped by the LRU bound or after EMFILE.
    std::uint64_t not_kept = 0;     ///< Resolutions not kept (symlink, file system, limit, race).
    std::uint64_t overflows = 0;    ///< Queue overflows (each drops every entry).
    std::size_t entries = 0;
    std::size_t watches = 0;
    bool notifying = false;  ///< The change queue is open (false: nothing is ever kept).
};

}  // namespace zerocopy::http

#endif
