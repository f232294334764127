// The portable half of the target resolver: decoding, directories, index files and redirects.
// Opening beneath the root is the platform's (src/http/platform_posix.cpp, platform_win32.cpp).
#include <zerocopy/http/resolve.hpp>

#include <zerocopy/http/framing.hpp>
#include <zerocopy/http/normalize.hpp>

#include "file_cache.hpp"
#include "platform.hpp"
#include "text.hpp"

#include <boost/core/detail/string_view.hpp>
#include <boost/url/parse.hpp>

namespace zerocopy::http {

namespace {

class serve_category_impl final : public boost::system::error_category {
public:
    char const* name() const noexcept override { return "zerocopy.http.serve"; }
    std::string message(int ev) const override {
        switch (static_cast<serve_error>(ev)) {
            case serve_error::bad_target:
                return "request target refused";
            case serve_error::outside_root:
                return "a symbolic link leads out of the document root";
            case serve_error::not_a_file:
                return "not a regular file (or a directory without its index file)";
            case serve_error::method_not_allowed:
                return "method not allowed";
            case serve_error::precondition_failed:
                return "precondition failed";
            case serve_error::range_not_satisfiable:
                return "range not satisfiable";
            case serve_error::replaced_during_resolution:
                return "replaced during resolution";
            case serve_error::not_acceptable:
                return "no acceptable representation (Accept-Encoding)";
        }
        return "unknown serve error";
    }
};

decoded_target decode_origin_form(std::string_view target);

// absolute-form: http or https, an authority without userinfo that is a valid, non-empty Host value.
// Returns false for anything else; otherwise the authority and the origin-form part ("/path?query",
// "/" for an empty path).
bool split_absolute_form(std::string_view target, std::string& authority, std::string& origin) {
    auto parsed = boost::urls::parse_absolute_uri(boost::core::string_view(target.data(), target.size()));
    if (!parsed) return false;
    boost::urls::url_view const& u = *parsed;
    std::string_view const scheme(u.scheme().data(), u.scheme().size());
    if (!detail::iequals(scheme, "http") && !detail::iequals(scheme, "https")) return false;
    if (!u.has_authority() || u.has_userinfo() || u.encoded_host().empty()) return false;
    std::string_view const auth(u.encoded_authority().data(), u.encoded_authority().size());
    if (!is_valid_host(auth)) return false;
    authority.assign(auth);
    origin.assign(u.encoded_path().empty()
                      ? std::string_view("/")
                      : std::string_view(u.encoded_path().data(), u.encoded_path().size()));
    if (u.has_query()) {
        origin += '?';
        origin.append(u.encoded_query().data(), u.encoded_query().size());
    }
    return true;
}

decoded_target decode_absolute_form(std::string_view target) {
    std::string authority, origin;
    if (!split_absolute_form(target, authority, origin)) return {};
    decoded_target out = decode_origin_form(origin);
    if (out.valid) out.authority = std::move(authority);
    return out;
}

}  // namespace

boost::system::error_category const& serve_category() noexcept {
    static serve_category_impl const instance;
    return instance;
}

decoded_target decode_target(std::string_view target) {
    if (!target.empty() && target.front() != '/') return decode_absolute_form(target);
    return decode_origin_form(target);
}

namespace {

decoded_target decode_origin_form(std::string_view target) {
    decoded_target out;
    auto parsed = boost::urls::parse_origin_form(boost::core::string_view(target.data(), target.size()));
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
        auto pct = boost::urls::make_pct_string_view(boost::core::string_view(seg.data(), seg.size()));
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

}  // namespace

namespace detail {

std::string join_segments(std::vector<std::string> const& segs) {
    std::string rel;
    for (auto const& s : segs) {
        if (!rel.empty()) rel.push_back('/');
        rel += s;
    }
    return rel.empty() ? std::string(".") : rel;
}

}  // namespace detail

namespace detail {

resolved_target resolve_target(native_file_handle root, std::string_view target,
                               resolve_options const& options, file_status& st) {
    return resolve_target(root, target, options, st, false);
}

resolved_target resolve_target(native_file_handle root, std::string_view target,
                               resolve_options const& options, file_status& st, bool list_directories) {
    resolved_target out;
    // Empty and dot segments: 301 to the canonical path, or 400 above the root (normalize.cpp). An
    // absolute-form target is normalized on its origin-form part, so the Location is origin-relative.
    std::string authority, origin;
    bool const absolute = !target.empty() && target.front() != '/';
    if (absolute && !split_absolute_form(target, authority, origin)) {
        out.status = resolve_status::bad_request;
        out.ec = serve_error::bad_target;
        return out;
    }
    if (normalized_target n = normalize_target(absolute ? std::string_view(origin) : target);
        n.form != target_form::canonical) {
        out.status = n.form == target_form::redirect ? resolve_status::redirect : resolve_status::bad_request;
        if (n.form != target_form::redirect) out.ec = serve_error::bad_target;
        out.location = std::move(n.location);
        return out;
    }
    decoded_target t = decode_target(target);
    if (!t.valid) {
        out.status = resolve_status::bad_request;
        out.ec = serve_error::bad_target;
        return out;
    }
    using detail::file_status;
    detail::located l = detail::locate(root, t.segments, options.resolver);
    if (!l.ec && l.st.kind == file_status::directory) {
        if (!t.trailing_slash) {
            out.status = resolve_status::redirect;
            out.location = t.encoded_path + "/";
            if (t.has_query) out.location += "?" + t.encoded_query;
            return out;
        }
        // Listings (listing.cpp): the directory itself when it has no index file to serve.
        auto const as_directory = [&](detail::located& dir, std::vector<std::string> segments) {
            out.status = resolve_status::directory;
            out.file = std::move(dir.file);
            out.relative_path = detail::join_segments(segments);
            st = dir.st;
            return std::move(out);
        };
        if (options.index_file.empty() || options.index_file.find('/') != std::string::npos) {
            if (list_directories) return as_directory(l, t.segments);
            out.status = resolve_status::not_found;
            out.ec = serve_error::not_a_file;
            return out;
        }
        detail::located dir = std::move(l);
        t.segments.push_back(options.index_file);
        t.trailing_slash = false;
        l = detail::locate(root, t.segments, options.resolver);
        bool const no_index = (l.ec && l.failure == resolve_status::not_found) ||
                              (!l.ec && l.st.kind != detail::file_status::regular);
        if (list_directories && no_index) {
            t.segments.pop_back();
            return as_directory(dir, t.segments);
        }
    }
    out.relative_path = detail::join_segments(t.segments);
    if (l.ec) {
        out.status = l.failure;
        out.ec = l.ec;
        // The platform's own words for these would mislead an operator ("Invalid cross-device link").
        if (l.failure == resolve_status::forbidden && l.ec == boost::system::errc::cross_device_link)
            out.ec = serve_error::outside_root;
        else if (l.failure == resolve_status::replaced)
            out.ec = serve_error::replaced_during_resolution;
    } else if (l.st.kind != file_status::regular || t.trailing_slash) {
        out.status = resolve_status::not_found;  // not a file, or "/file/": a slash after a non-directory
        out.ec = t.trailing_slash && l.st.kind == file_status::regular
                     ? boost::system::errc::make_error_code(boost::system::errc::not_a_directory)
                     : make_error_code(serve_error::not_a_file);
    } else {
        out.status = resolve_status::file;
        out.file = std::move(l.file);
        st = l.st;
    }
    return out;
}

}  // namespace detail

resolved_target resolve_target(native_file_handle root, std::string_view target,
                               resolve_options const& options) {
    detail::file_status st;
    return detail::resolve_target(root, target, options, st);
}

document_root::document_root(std::string const& path) {
    boost::system::error_code ec;
    *this = document_root(path, ec);
}

document_root::document_root(std::string const& path, boost::system::error_code& ec)
    : fd_(detail::open_root(path, ec)) {}

void document_root::enable_file_cache(file_cache_options const& options) {
    cache_.reset();
    if (options.max_entries != 0 && fd_.is_open())
        cache_ = std::make_shared<detail::file_cache>(fd_.get(), options);
}

file_cache_stats document_root::file_cache_statistics() const {
    return cache_ ? cache_->stats() : file_cache_stats{};
}

}  // namespace zerocopy::http
