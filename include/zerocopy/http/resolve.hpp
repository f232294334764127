#ifndef ZEROCOPY_HTTP_RESOLVE_HPP
#define ZEROCOPY_HTTP_RESOLVE_HPP

#include <zerocopy/http/error.hpp>
#include <zerocopy/http/file_cache.hpp>
#include <zerocopy/http/unique_file.hpp>

#include <boost/system/error_code.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace zerocopy::http {

namespace detail {
class file_cache;  // src/http/file_cache.hpp (issue 13)
}

/// A request target split into decoded path segments (see @ref decode_target).
struct decoded_target {
    bool valid = false;  ///< False: refuse the request with 400.
    std::vector<std::string>
        segments;                 ///< Percent-decoded once; never empty, ".", ".." or containing / \ NUL.
    bool trailing_slash = false;  ///< The path ends with '/' (always true for "/").
    std::string encoded_path;     ///< The path as received (still percent-encoded), always origin-relative
                                  ///< (`/...`, also for absolute-form; `/` for `http://a`).
    std::string encoded_query;    ///< The query without '?', as received; empty if none.
    bool has_query = false;
    /// Absolute-form only (`http://a:8080/x`): the target's authority (`a:8080`), which takes the
    /// place of the Host field (RFC 9112 section 3.2.2). Empty for origin-form.
    std::string authority;
};

/** Split a request target into path segments, percent-decoded once with Boost.URL. The query is kept
    aside and otherwise ignored.

    Two forms are accepted (RFC 9112 section 3.2): origin-form (`/path?query`) and absolute-form
    (`http://authority/path?query`, `https` likewise, scheme case-insensitive), whose path and query
    are then handled exactly as the origin-form `/path?query` (an empty path is `/`).

    Invalid (→ 400): any other form (authority-form, `*`), a fragment, raw bytes the URI grammar
    forbids such as a backslash or a space; in absolute-form, another scheme, userinfo (`u@a`), no or
    an empty authority, or an authority that is not a valid Host value (@ref is_valid_host: no comma,
    port at most 65535); a segment that is `.` or `..` before or after decoding (so `%2e%2e` is
    refused); a decoded segment holding `/` (`%2f`), `\` (`%5c`) or NUL (`%00`); an empty segment
    other than the last (`//x`, `/a//b`). `%252e` decodes to the literal name `%2e`. Accepts any bytes.
*/
decoded_target decode_target(std::string_view target);

/// Which resolver @ref resolve_target uses.
enum class resolver_kind {
    automatic,  ///< openat2(RESOLVE_BENEATH) when the kernel has it, the walk otherwise.
    openat2,    ///< openat2 only; fails with `errc::function_not_supported` where it is missing.
    walk,       ///< The component-by-component walk (a test switch: both must agree on every vector).
};

struct resolve_options {
    resolver_kind resolver = resolver_kind::automatic;
    /// The file served for a directory target ending in '/'. Empty: directories are 404.
    std::string index_file = "index.html";
};

/// The outcome of @ref resolve_target.
enum class resolve_status {
    file,         ///< `file` is an open regular file under the root.
    redirect,     ///< A directory named without its trailing slash: 301 to `location`.
    bad_request,  ///< The target is refused (see @ref decode_target): 400.
    forbidden,    ///< The path leaves the root (a symlink out of it) or access is denied: 403.
    not_found,    ///< Nothing servable there (missing, not a regular file, a directory without index): 404.
    error,        ///< Another system error, in `ec`: 500.
    replaced,     ///< Replaced during resolution on every attempt (without /proc; or openat2 kept failing
                  ///< with EAGAIN under concurrent renames): 503 with `Retry-After: 1`.
    /// A directory target ending in '/' without its index file, when directory listings are on
    /// (@ref serve_options::listing; never from the public @ref resolve_target): `file` identifies
    /// the directory.
    directory,
};

struct resolved_target {
    resolve_status status = resolve_status::error;
    unique_file file;  ///< Open read-only when `status == file` (POSIX: O_NONBLOCK, O_CLOEXEC; Windows:
                       ///< sharing read and delete).
    std::string relative_path;  ///< Decoded path under the root of what was opened (for Content-Type).
    std::string location;       ///< For `redirect`: the path with '/' appended (origin-relative, query kept).
    /// The cause of every status but `file` and `redirect`: the system error (`ENOENT`, `EACCES`...)
    /// or a @ref serve_error (`bad_target`, `outside_root`, `not_a_file`, `replaced_during_resolution`).
    boost::system::error_code ec;
};

/** Resolve a request target to a regular file beneath a document root.

    A target with empty or dot segments is first answered by @ref normalize_target: `redirect` to
    its canonical path, or `bad_request` when normalizing would climb above the root.
    The target is decoded with @ref decode_target, then opened relative to `root_dir` without ever
    leaving it: openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS on Linux, or an O_NOFOLLOW
    walk that resolves each symlink itself, refusing absolute links and any `..` that would climb above
    the root (the same semantics as RESOLVE_BENEATH). Symlinks that stay inside the root are followed.
    Named pipes, sockets and devices are never opened for reading (404). A directory target ending in
    '/' serves `options.index_file` from it when that is a regular file, else 404.

    Atomic with respect to renames: the final component is first opened with O_PATH (which opens no
    FIFO or device) and examined with fstat; when it is a regular file, the descriptor returned is
    opened from that same inode through `/proc/self/fd/N`, so a file replaced by `rename` meanwhile is
    served as one version, old or new, never an error. Where /proc is not mounted the file is opened
    again by name and must be the inode examined; that two-step resolution is retried (8 times) and
    only when every attempt loses the race is the answer `replaced` (503).

    On Windows the same contract holds with Windows' own hazards refused too: a segment holding `:`
    (drive letters, alternate data streams), a character Windows forbids in names (`< > " | ? *`,
    control characters), ending in a dot or a space, or naming a reserved device (CON, PRN, AUX, NUL,
    COM1-9, LPT1-9, with any extension) → 400. Each component is opened with CreateFileW beneath the
    root's final path and held open until the file is; a reparse point anywhere on the path (a
    symbolic link, a junction) → 403 — links are never followed there. The file is opened for reading
    from the handle examined (`ReOpenFile`), which does not share delete, so it cannot be renamed
    between the two. `options.resolver` is
    ignored except that `resolver_kind::openat2` fails with `errc::function_not_supported`.

    @param root_dir The root directory (@ref document_root::native_handle): a descriptor (O_PATH is
    enough) or a directory HANDLE; it is not consumed.
*/
resolved_target resolve_target(native_file_handle root_dir, std::string_view target,
                               resolve_options const& options = {});

/// An open document root directory.
class document_root {
public:
    /// Opens `path` as a directory (O_PATH | O_DIRECTORY; on Windows, a UTF-8 path opened with
    /// CreateFileW, sharing read and write but not delete, so it cannot be renamed while open). Check
    /// `is_open()` or use the `ec` overload.
    explicit document_root(std::string const& path);
    document_root(std::string const& path, boost::system::error_code& ec);

    bool is_open() const noexcept { return fd_.is_open(); }
    native_file_handle native_handle() const noexcept { return fd_.get(); }

    /** Issue 13: turns on the open-file cache that @ref serve_file uses for this root (see
        @ref file_cache_options and docs/http.md), replacing any earlier one; `max_entries == 0`
        turns it off. Call it before requests are served: it is not synchronised with serve_file.
        serve_file itself may then run in several threads at once, as before.
    */
    void enable_file_cache(file_cache_options const& options);

    /// What the cache did so far; all zero when it is off.
    file_cache_stats file_cache_statistics() const;

    /// The cache, or null (for serve_file).
    detail::file_cache* file_cache() const noexcept { return cache_.get(); }

private:
    unique_file fd_;
    std::shared_ptr<detail::file_cache> cache_;  // issue 13
};

}  // namespace zerocopy::http

#endif
