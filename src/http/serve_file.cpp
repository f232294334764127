#include <zerocopy/http/serve_file.hpp>

#include <zerocopy/http/date.hpp>
#include <zerocopy/http/etag.hpp>
#include <zerocopy/http/mime.hpp>
#include <zerocopy/http/multipart.hpp>

#include "file_cache.hpp"
#include "listing_platform.hpp"
#include "platform.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/system/errc.hpp>

#include <algorithm>
#include <memory>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

namespace zerocopy::http {

namespace bhttp = boost::beast::http;

namespace {

std::optional<std::string> joined(bhttp::request_header<> const& req, bhttp::field f) {
    std::optional<std::string> out;
    auto const range = req.equal_range(f);
    for (auto it = range.first; it != range.second; ++it) {
        if (out)
            out->append(", ");
        else
            out.emplace();
        out->append(it->value().data(), it->value().size());
    }
    return out;
}

// Keep-alive as Beast decides it for a message: HTTP/1.1 unless "close", HTTP/1.0 only with "keep-alive".
bool keep_alive_of(bhttp::request_header<> const& req) {
    bool close = false, keep = false;
    auto const range = req.equal_range(bhttp::field::connection);
    for (auto it = range.first; it != range.second; ++it)
        for (auto const& token : bhttp::token_list{it->value()}) {
            if (boost::beast::iequals(token, "close")) close = true;
            if (boost::beast::iequals(token, "keep-alive")) keep = true;
        }
    return req.version() >= 11 ? !close : (keep && !close);
}

// The Date field's text, formatted once per second per thread.
std::string const& date_field(std::int64_t now) {
    thread_local std::int64_t formatted_at = std::numeric_limits<std::int64_t>::min();
    thread_local std::string text;
    if (now != formatted_at) {
        text = format_http_date(now);
        formatted_at = now;
    }
    return text;
}

file_response start_response(bhttp::status status, bhttp::request_header<> const& req) {
    file_response res;
    res.result(status);
    res.version(req.version());
    res.keep_alive(keep_alive_of(req));
    res.set(bhttp::field::date, date_field(http_now()));
    return res;
}

// Sets Content-Length to the body size, then drops the body for HEAD.
void finish_body(file_response& res, bhttp::request_header<> const& req) {
    res.content_length(res.body().size());
    if (req.method() == bhttp::verb::head) res.body().clear_content();
}

// Whether the decoded path names a precompressed file itself (served as is, never negotiated).
bool has_coding_suffix(std::string_view path) {
    for (auto const c : {content_coding::br, content_coding::zstd, content_coding::gzip}) {
        auto const suffix = coding_suffix(c);
        if (path.size() > suffix.size() &&
            path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0)
            return true;
    }
    return false;
}

// The variant `relative_path` + suffix, resolved like any target (beneath the root, no symlink out
// of it); usable when it is a regular file not older than the identity file.
bool open_variant(native_file_handle root, std::string const& relative_path, std::string_view suffix,
                  resolver_kind kind, detail::file_status const& identity, detail::located& out) {
    std::vector<std::string> segments = detail::split_path(relative_path);
    if (segments.empty()) return false;  // the root itself has no variants
    segments.back().append(suffix.data(), suffix.size());
    out = detail::locate(root, segments, kind);
    return !out.ec && out.st.kind == detail::file_status::regular && out.file.is_open() &&
           out.st.mtime_ns >= identity.mtime_ns;
}

// A directory without its index, with listings on (listing.cpp, listing_posix.cpp).
file_response serve_listing(document_root const& root, bhttp::request_header<> const& req, resolved_target& r,
                            boost::system::error_code& ec, serve_options const& options) {
    std::vector<std::string> segments;
    if (r.relative_path != ".") {
        std::size_t start = 0;
        for (;;) {
            std::size_t const slash = r.relative_path.find('/', start);
            segments.push_back(r.relative_path.substr(start, slash - start));
            if (slash == std::string::npos) break;
            start = slash + 1;
        }
    }
    std::vector<listing_entry> entries;
    bool truncated = false;
    ec = detail::read_directory(root.native_handle(), r.file.get(), segments, options.resolve.resolver,
                                options.listing, entries, truncated);
    r.file.reset();
    if (ec == boost::system::errc::function_not_supported)
        return make_error_response(bhttp::status::not_found, req);
    if (ec == boost::system::errc::permission_denied)
        return make_error_response(bhttp::status::forbidden, req);
    if (ec) return make_error_response(bhttp::status::internal_server_error, req);

    std::string const path = segments.empty() ? std::string("/") : "/" + r.relative_path + "/";
    auto const accept = joined(req, bhttp::field::accept);
    listing_format const format =
        preferred_listing_format(accept ? std::optional<std::string_view>(*accept) : std::nullopt);
    std::string const etag = listing_etag(entries, truncated, format);
    std::string_view const cache_control =
        select_cache_control(options.cache_control_rules, path, options.cache_control);

    // Entity-tag preconditions only: a listing has no Last-Modified.
    request_conditions conditions;
    conditions.if_match = joined(req, bhttp::field::if_match);
    conditions.if_none_match = joined(req, bhttp::field::if_none_match);
    std::int64_t const now = http_now();
    switch (evaluate_preconditions(conditions, representation_validators{etag, now}, true, now)) {
        case precondition_result::proceed:
            break;
        case precondition_result::precondition_failed: {
            ec = serve_error::precondition_failed;
            file_response res = make_error_response(bhttp::status::precondition_failed, req);
            res.set(bhttp::field::vary, "Accept");
            return res;
        }
        case precondition_result::not_modified: {
            file_response res = start_response(bhttp::status::not_modified, req);
            res.set(bhttp::field::etag, etag);
            res.set(bhttp::field::vary, "Accept");
            if (!cache_control.empty()) res.set(bhttp::field::cache_control, cache_control);
            return res;
        }
    }
    file_response res = start_response(bhttp::status::ok, req);
    res.set(bhttp::field::content_type,
            format == listing_format::json ? "application/json" : "text/html; charset=utf-8");
    res.set(bhttp::field::etag, etag);
    res.set(bhttp::field::vary, "Accept");
    if (!cache_control.empty()) res.set(bhttp::field::cache_control, cache_control);
    res.body().assign_text(render_listing(path, entries, truncated, format));
    finish_body(res, req);
    return res;
}

}  // namespace

request_conditions conditions_of(bhttp::request_header<> const& req) {
    request_conditions c;
    c.if_match = joined(req, bhttp::field::if_match);
    c.if_none_match = joined(req, bhttp::field::if_none_match);
    c.if_modified_since = joined(req, bhttp::field::if_modified_since);
    c.if_unmodified_since = joined(req, bhttp::field::if_unmodified_since);
    c.if_range = joined(req, bhttp::field::if_range);
    return c;
}

file_response make_error_response(bhttp::status status, bhttp::request_header<> const& req) {
    file_response res = start_response(status, req);
    res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    std::string text = std::to_string(static_cast<unsigned>(status));
    text += ' ';
    auto const reason = bhttp::obsolete_reason(status);
    text.append(reason.data(), reason.size());
    text += '\n';
    res.body().assign_text(std::move(text));
    finish_body(res, req);
    return res;
}

file_response make_framing_error_response(framing_error error, bhttp::request_header<> const& req) {
    auto const status =
        framing_status(error) == 501 ? bhttp::status::not_implemented : bhttp::status::bad_request;
    file_response res = make_error_response(status, req);
    res.keep_alive(false);
    return res;
}

file_response serve_file(document_root const& root, bhttp::request_header<> const& req,
                         serve_options const& options) {
    boost::system::error_code ec;
    return serve_file(root, req, ec, options);
}

file_response serve_file(document_root const& root, bhttp::request_header<> const& req,
                         boost::system::error_code& ec, serve_options const& options) {
    ec = {};
    bool const head = req.method() == bhttp::verb::head;
    if (req.method() != bhttp::verb::get && !head) {
        file_response res = make_error_response(bhttp::status::method_not_allowed, req);
        res.set(bhttp::field::allow, "GET, HEAD");
        ec = serve_error::method_not_allowed;
        return res;
    }

    auto const target = req.target();
    // Issue 13: the open-file cache, when the root has one (precompressed variants are negotiated per
    // request: not cached). A hit is what a fresh resolution would give now (file_cache.cpp).
    detail::file_cache* const cache = root.file_cache();
    bool const negotiated = !options.precompressed.empty();
    coding_plan plan;
    if (negotiated) {
        auto const accept = joined(req, bhttp::field::accept_encoding);
        plan = plan_codings(accept ? std::optional<std::string_view>(*accept) : std::nullopt,
                            options.precompressed);
    }
    std::string cache_key;
    std::shared_ptr<detail::cached_file const> cached;
    if (cache) {
        cache_key.assign(target.data(), target.size());
        cache_key += '\0';
        cache_key += static_cast<char>('0' + static_cast<int>(options.resolve.resolver));
        cache_key += options.resolve.index_file;
        if (negotiated) {  // the representation chosen depends on the plan
            cache_key += '\0';
            for (std::size_t k = 0; k < plan.count; ++k)
                cache_key += static_cast<char>('a' + static_cast<int>(plan.order[k]));
            cache_key += plan.identity_acceptable ? 'i' : '-';
        }
        cached = cache->find(cache_key);
    }
    // Everything below comes from this one open file, as the resolver found it.
    detail::file_status st;
    resolved_target r;
    if (cached) {
        st = cached->st;
        r.status = resolve_status::file;
    } else {
        r = detail::resolve_target(root.native_handle(), std::string_view(target.data(), target.size()),
                                   options.resolve, st, options.listing.enabled);
        if (cache && r.status == resolve_status::error &&
            (r.ec == boost::system::errc::too_many_files_open ||
             r.ec == boost::system::errc::too_many_files_open_in_system) &&
            cache->evict_unused() != 0) {
            // Out of descriptors: entries no response uses give theirs back, then once more.
            r = detail::resolve_target(root.native_handle(), std::string_view(target.data(), target.size()),
                                       options.resolve, st, options.listing.enabled);
        }
    }
    switch (r.status) {
        case resolve_status::file:
            break;
        case resolve_status::directory:
            return serve_listing(root, req, r, ec, options);
        case resolve_status::redirect: {
            file_response res = make_error_response(bhttp::status::moved_permanently, req);
            res.set(bhttp::field::location, r.location);
            return res;
        }
        case resolve_status::bad_request:
            ec = r.ec;
            return make_error_response(bhttp::status::bad_request, req);
        case resolve_status::forbidden:
            ec = r.ec;
            return make_error_response(bhttp::status::forbidden, req);
        case resolve_status::not_found:
            ec = r.ec;
            return make_error_response(bhttp::status::not_found, req);
        case resolve_status::error:
            ec = r.ec;
            return make_error_response(bhttp::status::internal_server_error, req);
        case resolve_status::replaced: {
            ec = r.ec;
            file_response res = make_error_response(bhttp::status::service_unavailable, req);
            res.set(bhttp::field::retry_after, "1");
            return res;
        }
    }

    // Precompressed variants: negotiation first, so that everything below (validators, ranges,
    // conditionals) applies to the representation selected.
    std::optional<content_coding> coding;
    detail::file_status const identity_st = st;
    // Issue 13: what the negotiation looked at beside the file (name, and its status, or none when
    // absent), for the cache to guard; false when something it saw cannot be guarded.
    std::vector<detail::sibling_state> siblings;
    bool siblings_guardable = true;
    if (cached) coding = cached->coding;
    if (negotiated && !cached) {
        if (!has_coding_suffix(r.relative_path)) {
            for (std::size_t k = 0; k < plan.count && !coding; ++k) {
                detail::located v;
                bool const usable =
                    open_variant(root.native_handle(), r.relative_path, coding_suffix(plan.order[k]),
                                 options.resolve.resolver, st, v);
                std::string_view const suffix = coding_suffix(plan.order[k]);
                std::size_t const slash = r.relative_path.rfind('/');
                std::string name = r.relative_path.substr(slash == std::string::npos ? 0 : slash + 1);
                name.append(suffix.data(), suffix.size());
                if (!v.ec)
                    siblings.push_back({std::move(name), v.st});
                else if (v.ec == boost::system::errc::no_such_file_or_directory)
                    siblings.push_back({std::move(name), std::nullopt});
                else
                    siblings_guardable = false;
                if (usable) {
                    coding = plan.order[k];
                    r.file = std::move(v.file);
                    st = v.st;
                }
            }
        }
        if (!coding && !plan.identity_acceptable) {
            ec = serve_error::not_acceptable;
            file_response res = make_error_response(bhttp::status::not_acceptable, req);
            res.set(bhttp::field::vary, "Accept-Encoding");
            return res;
        }
    }
    if (cache && !cached) {
        auto f = std::make_shared<detail::cached_file>();
        f->file = std::move(r.file);
        f->st = st;
        f->relative_path = std::move(r.relative_path);
        f->etag = make_file_etag(st.file_id, st.size, st.mtime_ns);
        if (coding) {
            // Distinct from the identity representation's tag, whatever the files' inodes.
            std::string_view const suffix = coding_suffix(*coding);
            f->etag.insert(f->etag.size() - 1, "-" + std::string(suffix.substr(1)));
        }
        f->coding = coding;
        f->identity_st = identity_st;
        if (siblings_guardable) cache->keep(cache_key, f, siblings);
        cached = std::move(f);
    }
    std::string const& relative_path = cached ? cached->relative_path : r.relative_path;

    auto const vary = [&](file_response& res) -> file_response& {
        if (negotiated) res.set(bhttp::field::vary, "Accept-Encoding");
        return res;
    };
    std::string_view const cache_control =
        options.cache_control_rules.empty()
            ? std::string_view(options.cache_control)
            : select_cache_control(options.cache_control_rules, "/" + relative_path, options.cache_control);

    std::uint64_t const size = st.size;
    std::int64_t const now = http_now();
    // Whole seconds, rounded down (also before 1970).
    std::int64_t const mtime_s = st.mtime_ns / 1000000000 - (st.mtime_ns % 1000000000 < 0 ? 1 : 0);
    std::int64_t const last_modified = std::min<std::int64_t>(mtime_s, now);
    std::string etag = cached ? cached->etag : make_file_etag(st.file_id, size, st.mtime_ns);
    if (coding && !cached) {
        // Distinct from the identity representation's tag, whatever the files' inodes.
        std::string_view const suffix = coding_suffix(*coding);
        etag.insert(etag.size() - 1, "-" + std::string(suffix.substr(1)));
    }
    representation_validators const validators{etag, last_modified};
    request_conditions const conditions = conditions_of(req);

    switch (evaluate_preconditions(conditions, validators, true, now)) {
        case precondition_result::proceed:
            break;
        case precondition_result::precondition_failed: {
            ec = serve_error::precondition_failed;
            file_response res = make_error_response(bhttp::status::precondition_failed, req);
            vary(res);
            return res;
        }
        case precondition_result::not_modified: {
            file_response res = start_response(bhttp::status::not_modified, req);
            res.set(bhttp::field::etag, etag);
            if (!cache_control.empty()) res.set(bhttp::field::cache_control, cache_control);
            vary(res);
            return res;  // no body, no Content-Length
        }
    }

    file_response res = start_response(bhttp::status::ok, req);
    res.set(bhttp::field::last_modified, format_http_date(last_modified));
    res.set(bhttp::field::etag, etag);
    res.set(bhttp::field::accept_ranges, "bytes");
    if (!cache_control.empty()) res.set(bhttp::field::cache_control, cache_control);
    vary(res);
    if (coding) res.set(bhttp::field::content_encoding, coding_name(*coding));
    std::string_view const type = mime_type(relative_path);
    // Issue 13: the resolver opened a regular file read-only and fstat()ed it: an inspection, which
    // the writers hand to the transfer (no fcntl + fstat there).
    if (cached) {
        auto const info = zerocopy::detail::inspected_file_access::make(cached->file.get(), size);
        res.body().reset(std::shared_ptr<unique_file const>(cached, &cached->file), info);
    } else {
        auto const info = zerocopy::detail::inspected_file_access::make(r.file.get(), size);
        res.body().reset(std::move(r.file), info);
    }

    // Range applies to GET only, to a non-empty file, when If-Range (if any) allows it, and when the
    // field occurs once.
    bool use_range = !head && size != 0 && req.count(bhttp::field::range) == 1;
    if (use_range && conditions.if_range) use_range = evaluate_if_range(*conditions.if_range, validators);
    if (use_range) {
        auto const value = req[bhttp::field::range];
        range_result const ranges =
            parse_range(std::string_view(value.data(), value.size()), size, options.ranges);
        std::string const size_text = std::to_string(size);
        if (ranges.status == range_status::unsatisfiable) {
            res.result(bhttp::status::range_not_satisfiable);
            res.set(bhttp::field::content_range, "bytes */" + size_text);
            res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
            res.body().assign_text("416 Range Not Satisfiable\n");
            finish_body(res, req);
            ec = serve_error::range_not_satisfiable;
            return res;
        }
        if (ranges.status == range_status::satisfiable && ranges.ranges.size() == 1) {
            byte_range const& b = ranges.ranges.front();
            res.result(bhttp::status::partial_content);
            res.set(bhttp::field::content_range,
                    "bytes " + std::to_string(b.offset) + "-" + std::to_string(b.last()) + "/" + size_text);
            res.set(bhttp::field::content_type, type);
            res.body().select(b);
            finish_body(res, req);
            return res;
        }
        if (ranges.status == range_status::satisfiable && options.allow_multipart) {
            multipart_layout layout = make_multipart_layout(ranges.ranges, size, type);
            res.result(bhttp::status::partial_content);
            res.set(bhttp::field::content_type, layout.content_type());
            res.body().select(std::move(layout));
            finish_body(res, req);
            return res;
        }
    }
    res.set(bhttp::field::content_type, type);
    finish_body(res, req);
    return res;
}

}  // namespace zerocopy::http
