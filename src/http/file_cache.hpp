// src/http/file_cache.hpp — the open-file cache of a document_root (issue 13; private).
//
// Portable bookkeeping (entries, LRU, which watch guards which entry); what it asks of the system
// (inotify, fstatfs, openat2 without symlinks) is in the seam, src/http/platform.hpp.
#ifndef ZEROCOPY_SRC_HTTP_FILE_CACHE_HPP
#define ZEROCOPY_SRC_HTTP_FILE_CACHE_HPP

#include "platform.hpp"

#include <zerocopy/http/accept_encoding.hpp>
#include <zerocopy/http/file_cache.hpp>

#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace zerocopy::http::detail {

/// What serve_file needs of a resolved file. Shared by the cache and the responses sending from it:
/// the descriptor closes when the last of them lets go, so a response never sends from a
/// descriptor number that was closed and reused.
// The segments of a resolved relative path ("a/b/c" -> a, b, c; "" and "." -> none).
std::vector<std::string> split_path(std::string const& relative_path);

struct cached_file {
    unique_file file;
    file_status st;
    std::string relative_path;  ///< Decoded, under the root (Content-Type, Cache-Control rules).
    std::string etag;
    std::optional<content_coding> coding;  ///< A precompressed variant's (file and st are the variant's).
    file_status identity_st;               ///< The file the target names (st, unless a variant is served).
};

/// A name beside the file that the negotiation of precompressed variants looked at: what it found
/// (a status) or nothing (absent). The cache keeps the entry only while that stays so.
struct sibling_state {
    std::string name;
    std::optional<file_status> st;
};

class file_cache {
public:
    /// A cache for targets resolved beneath `root` (not owned: the document_root outlives it).
    file_cache(native_file_handle root, file_cache_options const& options);
    ~file_cache();
    file_cache(file_cache const&) = delete;
    file_cache& operator=(file_cache const&) = delete;

    /// The entry for `key`, after taking in every change the kernel has queued (one non-blocking
    /// read when there is none); null when there is none.
    std::shared_ptr<cached_file const> find(std::string const& key);

    /// Keeps `f` (resolved for `key` just now) when every object from the root to it can be watched
    /// and is still what was resolved once watched. Safe to call from several threads.
    void keep(std::string const& key, std::shared_ptr<cached_file const> const& f,
              std::vector<sibling_state> const& siblings = {});

    /// Drops the entries no response is using (EMFILE); returns how many.
    std::size_t evict_unused();

    file_cache_stats stats() const;

private:
    struct watch_record {
        std::size_t refs = 0;
        bool gone = false;                                        // removed by the kernel (IN_IGNORED)
        std::unordered_multimap<std::string, std::string> child;  // entry name → keys through it
        std::unordered_multiset<std::string> keys;                // every key this watch guards
    };
    struct slot {
        std::shared_ptr<cached_file const> file;
        std::list<std::string>::iterator lru;
        std::vector<std::pair<int, std::string>> deps;  // (watch, entry name on the path or "")
    };

    void drain_locked();
    void drop_locked(std::string const& key, bool invalidated);
    void drop_all_locked();
    void release_locked(std::string const& key, std::vector<std::pair<int, std::string>> const& deps);

    native_file_handle root_;
    file_cache_options options_;
    unique_file queue_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, slot> entries_;
    std::unordered_map<int, watch_record> watches_;
    std::list<std::string> lru_;  // most recently used first
    std::vector<change_event> events_;
    file_cache_stats stats_;
};

}  // namespace zerocopy::http::detail

#endif
