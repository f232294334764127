// The open-file cache (src/http/file_cache.hpp, docs/http.md "The open-file cache").
#include "file_cache.hpp"

#include <boost/system/errc.hpp>

#include <algorithm>

namespace zerocopy::http::detail {

std::vector<std::string> split_path(std::string const& relative_path) {
    std::vector<std::string> segments;
    if (relative_path.empty() || relative_path == ".") return segments;
    std::size_t start = 0;
    for (;;) {
        std::size_t const slash = relative_path.find('/', start);
        segments.push_back(relative_path.substr(start, slash - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return segments;
}

namespace {
bool same_version(file_status const& a, file_status const& b) {
    return a.kind == b.kind && a.file_id == b.file_id && a.size == b.size && a.mtime_ns == b.mtime_ns;
}
}  // namespace

file_cache::file_cache(native_file_handle root, file_cache_options const& options)
    : root_(root), options_(options) {
    boost::system::error_code ec;
    queue_ = open_change_queue(ec);  // none (Windows, no inotify, EMFILE): nothing is ever kept
    stats_.notifying = queue_.is_open();
}

file_cache::~file_cache() = default;  // closing the queue removes every watch

std::shared_ptr<cached_file const> file_cache::find(std::string const& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!queue_) {
        ++stats_.misses;
        return nullptr;
    }
    drain_locked();
    auto const it = entries_.find(key);
    if (it == entries_.end()) {
        ++stats_.misses;
        return nullptr;
    }
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    ++stats_.hits;
    return it->second.file;
}

void file_cache::keep(std::string const& key, std::shared_ptr<cached_file const> const& f,
                      std::vector<sibling_state> const& siblings) {
    if (options_.max_entries == 0) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (!queue_ || entries_.count(key) != 0) return;  // another thread kept it first
    // Watches first, root down: a change to a directory after its watch exists is queued, so the
    // checks below see any change that came before.
    std::vector<std::string> const segments = split_path(f->relative_path);
    std::vector<std::pair<int, std::string>> deps;
    bool ok = !segments.empty();
    for (std::size_t i = 0; ok && i <= segments.size(); ++i) {
        boost::system::error_code ec;
        file_status st;
        // A symlink anywhere on the path: not kept (its target's directories are not watched).
        unique_file const object = open_path_no_symlinks(root_, segments, i, st, ec);
        bool const last = i == segments.size();
        ok = !ec && is_notifying_file_system(object.get()) &&
             (last ? same_version(st, f->identity_st) : st.kind == file_status::directory);
        if (!ok) break;
        int const wd = add_change_watch(queue_.get(), object.get(), ec);
        if (wd < 0) {  // ENOSPC: the system's limit
            ok = false;
            break;
        }
        watch_record& w = watches_[wd];
        if (w.refs == 0 && watches_.size() > options_.max_watches) {
            watches_.erase(wd);
            remove_change_watch(queue_.get(), wd);
            ok = false;
            break;
        }
        ++w.refs;
        w.keys.insert(key);
        std::string name = last ? std::string() : segments[i];
        if (!last) w.child.emplace(name, key);
        deps.emplace_back(wd, std::move(name));
    }
    // The names the negotiation of precompressed variants looked at beside the identity file: guarded
    // by the directory's watch (its entries' creation, deletion, renames, contents and attributes),
    // and still as the negotiation found them once guarded. A variant served is watched itself too.
    std::size_t const dir = segments.size() - 1;
    for (std::size_t k = 0; ok && k < siblings.size(); ++k) {
        int const wd = deps[dir].first;
        watch_record& w = watches_[wd];
        ++w.refs;
        w.keys.insert(key);
        w.child.emplace(siblings[k].name, key);
        deps.emplace_back(wd, siblings[k].name);
        std::vector<std::string> path(segments.begin(), segments.end() - 1);
        path.push_back(siblings[k].name);
        boost::system::error_code ec;
        file_status st;
        unique_file const object = open_path_no_symlinks(root_, path, path.size(), st, ec);
        if (!siblings[k].st)
            ok = ec == boost::system::errc::no_such_file_or_directory;
        else
            ok = !ec && same_version(st, *siblings[k].st);
        if (ok && f->coding && same_version(st, f->st) && st.kind == file_status::regular) {
            int const vwd = add_change_watch(queue_.get(), object.get(), ec);
            ok = vwd >= 0;
            if (ok) {
                watch_record& v = watches_[vwd];
                ++v.refs;
                v.keys.insert(key);
                deps.emplace_back(vwd, std::string());
            }
        }
    }
    if (!ok) {
        release_locked(key, deps);
        ++stats_.not_kept;
        return;
    }
    while (entries_.size() >= options_.max_entries && !lru_.empty()) drop_locked(lru_.back(), false);
    lru_.push_front(key);
    entries_.emplace(key, slot{f, lru_.begin(), std::move(deps)});
    ++stats_.inserted;
}

std::size_t file_cache::evict_unused() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> unused;
    for (auto const& e : entries_)
        if (e.second.file.use_count() == 1) unused.push_back(e.first);  // only the cache holds it
    for (auto const& k : unused) drop_locked(k, false);
    return unused.size();
}

file_cache_stats file_cache::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    file_cache_stats s = stats_;
    s.entries = entries_.size();
    s.watches = watches_.size();
    return s;
}

// One read when nothing happened. An event names a watch and, for a directory's entry, the entry:
// only the keys whose path goes through that entry are dropped; an event on the object itself (its
// contents, its attributes, its deletion or move) drops every key it guards.
void file_cache::drain_locked() {
    events_.clear();
    if (!read_changes(queue_.get(), events_)) return drop_all_locked();
    for (change_event const& e : events_) {
        if (e.overflow) {
            ++stats_.overflows;
            return drop_all_locked();
        }
        auto const w = watches_.find(e.watch);
        if (w == watches_.end()) continue;  // removed already
        if (e.removed) w->second.gone = true;
        std::vector<std::string> keys;
        if (e.name.empty() || e.removed) {
            keys.assign(w->second.keys.begin(), w->second.keys.end());
        } else {
            auto const range = w->second.child.equal_range(e.name);
            for (auto it = range.first; it != range.second; ++it) keys.push_back(it->second);
        }
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        for (auto const& k : keys) drop_locked(k, true);
    }
}

void file_cache::drop_locked(std::string const& key, bool invalidated) {
    auto const it = entries_.find(key);
    if (it == entries_.end()) return;
    std::string const k = key;  // `key` may live in the entry or the LRU list
    std::vector<std::pair<int, std::string>> const deps = std::move(it->second.deps);
    lru_.erase(it->second.lru);
    entries_.erase(it);  // the descriptor closes when the last response using it finishes
    release_locked(k, deps);
    ++(invalidated ? stats_.invalidated : stats_.evicted);
}

void file_cache::drop_all_locked() {
    while (!lru_.empty()) drop_locked(lru_.back(), true);
}

void file_cache::release_locked(std::string const& key,
                                std::vector<std::pair<int, std::string>> const& deps) {
    for (auto const& d : deps) {
        auto const w = watches_.find(d.first);
        if (w == watches_.end()) continue;
        auto const k = w->second.keys.find(key);
        if (k != w->second.keys.end()) w->second.keys.erase(k);
        if (!d.second.empty()) {
            auto const range = w->second.child.equal_range(d.second);
            for (auto c = range.first; c != range.second; ++c)
                if (c->second == key) {
                    w->second.child.erase(c);
                    break;
                }
        }
        if (--w->second.refs == 0) {
            // A watch no entry needs is removed (unless the kernel removed it already).
            if (!w->second.gone) remove_change_watch(queue_.get(), d.first);
            watches_.erase(w);
        }
    }
}

}  // namespace zerocopy::http::detail
