// src/http/listing_posix.cpp — reading a directory for a listing on POSIX: openat/fdopendir/fstatat
// relative to the directory descriptor the resolver already holds, symlinks checked with the
// resolver itself (so a link is listed only when a request for it would be served).
#include "listing_platform.hpp"

#include "platform.hpp"

#include <algorithm>
#include <cerrno>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace zerocopy::http::detail {

boost::system::error_code read_directory(native_file_handle root, native_file_handle dir,
                                         std::vector<std::string> const& segments, resolver_kind kind,
                                         listing_options const& options, std::vector<listing_entry>& entries,
                                         bool& truncated) {
    entries.clear();
    truncated = false;
    // The resolver's descriptor may be O_PATH: open the same directory for reading through it.
    int const fd = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return {errno, boost::system::system_category()};
    DIR* d = ::fdopendir(fd);
    if (d == nullptr) {
        int const e = errno;
        ::close(fd);
        return {e, boost::system::system_category()};
    }
    std::vector<std::string> path = segments;
    path.emplace_back();
    boost::system::error_code ec;
    for (;;) {
        errno = 0;
        dirent const* de = ::readdir(d);
        if (de == nullptr) {
            if (errno != 0) ec = {errno, boost::system::system_category()};
            break;
        }
        std::string_view const name = de->d_name;
        if (!listable_name(name, options.show_hidden)) continue;
        struct stat st {};
        if (::fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
        listing_entry e;
        if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
            e.directory = S_ISDIR(st.st_mode);
            e.size = static_cast<std::uint64_t>(st.st_size);
            e.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
        } else if (S_ISLNK(st.st_mode)) {
            // Listed only when the resolver would follow it to a file or directory beneath the root.
            path.back() = std::string(name);
            located const l = locate(root, path, kind);
            if (l.ec || (l.st.kind != file_status::regular && l.st.kind != file_status::directory)) continue;
            e.directory = l.st.kind == file_status::directory;
            e.size = l.st.size;
            e.mtime_ns = l.st.mtime_ns;
        } else {
            continue;  // FIFO, socket, device: never served
        }
        if (entries.size() == options.max_entries) {
            truncated = true;
            break;
        }
        e.name = std::string(name);
        entries.push_back(std::move(e));
    }
    ::closedir(d);  // closes fd
    std::sort(entries.begin(), entries.end(),
              [](listing_entry const& a, listing_entry const& b) { return a.name < b.name; });
    // A directory changing while read may yield a name twice: list it once.
    entries.erase(
        std::unique(entries.begin(), entries.end(),
                    [](listing_entry const& a, listing_entry const& b) { return a.name == b.name; }),
        entries.end());
    return ec;
}

}  // namespace zerocopy::http::detail
