// Directory listings, the portable half: which names may appear, the HTML and JSON pages, their
// ETag, and the Accept negotiation between the two. Reading a directory is the platform's
// (src/http/listing_posix.cpp, listing_win32.cpp).
#include <zerocopy/http/listing.hpp>

#include <zerocopy/http/date.hpp>

#include "text.hpp"

#include <algorithm>

namespace zerocopy::http {

namespace {

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        auto const c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0, min = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (s.size() - i <= n) return false;
        for (std::size_t k = 1; k <= n; ++k) {
            auto const d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += n + 1;
    }
    return true;
}

void html_escape(std::string& out, std::string_view s) {
    for (char const c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out.push_back(c);
        }
    }
}

// Everything but RFC 3986 unreserved characters percent-encoded: the link is a relative path
// segment whatever the name (a ':' cannot make it a scheme, a '?' or '#' cannot end it).
void percent_encode(std::string& out, std::string_view s) {
    for (char const ch : s) {
        auto const c = static_cast<unsigned char>(ch);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '.' || c == '_' || c == '~') {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back("0123456789ABCDEF"[c >> 4]);
            out.push_back("0123456789ABCDEF"[c & 15]);
        }
    }
}

// A JSON string; <, > and & as \u escapes too, so that no sniffer reads markup in it.
void json_string(std::string& out, std::string_view s) {
    out.push_back('"');
    for (char const ch : s) {
        auto const c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(ch);
        } else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out.push_back("0123456789abcdef"[c >> 4]);
            out.push_back("0123456789abcdef"[c & 15]);
        } else {
            out.push_back(ch);
        }
    }
    out.push_back('"');
}

// The directory path as shown: control characters, and every byte of a path that is not UTF-8
// above 0x7F, become U+FFFD (the path itself is never interpreted).
std::string display_path(std::string_view path) {
    bool const utf8 = valid_utf8(path);
    std::string out;
    for (char const ch : path) {
        auto const c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f || (!utf8 && c >= 0x80))
            out += "\xEF\xBF\xBD";
        else
            out.push_back(ch);
    }
    return out;
}

std::int64_t seconds_of(std::int64_t ns) {
    return ns / 1000000000 - (ns % 1000000000 < 0 ? 1 : 0);
}

// The weight the Accept value gives to type/subtype: from the most specific matching media range
// (the lowest weight among equally specific ones); -1 when none matches.
int media_weight(std::string_view accept, std::string_view type, std::string_view subtype) noexcept {
    int best_specificity = 0, weight = -1;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= accept.size(); ++i) {
        if (i < accept.size() && accept[i] != ',') continue;
        std::string_view m = detail::trim_ows(accept.substr(start, i - start));
        start = i + 1;
        std::size_t const semi = m.find(';');
        std::string_view const range = detail::trim_ows(m.substr(0, semi));
        std::size_t const slash = range.find('/');
        if (slash == std::string_view::npos) continue;
        std::string_view const t = range.substr(0, slash), st = range.substr(slash + 1);
        if (!detail::is_token(t) || !detail::is_token(st)) continue;
        int q = 1000;
        bool bad = false;
        std::string_view params = semi == std::string_view::npos ? std::string_view() : m.substr(semi + 1);
        while (!params.empty() && !bad) {
            std::size_t const next = params.find(';');
            std::string_view const p = detail::trim_ows(params.substr(0, next));
            params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
            if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
                q = detail::parse_qvalue(p.substr(2));
                bad = q < 0;
            }
        }
        if (bad) continue;
        int specificity = 0;
        if (detail::iequals(t, type) && detail::iequals(st, subtype))
            specificity = 3;
        else if (detail::iequals(t, type) && st == "*")
            specificity = 2;
        else if (t == "*" && st == "*")
            specificity = 1;
        if (specificity == 0) continue;
        if (specificity > best_specificity) {
            best_specificity = specificity;
            weight = q;
        } else if (specificity == best_specificity) {
            weight = std::min(weight, q);
        }
    }
    return weight;
}

}  // namespace

listing_format preferred_listing_format(std::optional<std::string_view> accept) noexcept {
    if (!accept) return listing_format::html;
    int const json = media_weight(*accept, "application", "json");
    int const html = media_weight(*accept, "text", "html");
    return json > 0 && json > html ? listing_format::json : listing_format::html;
}

bool listable_name(std::string_view name, bool show_hidden) noexcept {
    if (name.empty() || name == "." || name == "..") return false;
    if (name[0] == '.' && !show_hidden) return false;
    for (char const ch : name) {
        auto const c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') return false;
    }
    return valid_utf8(name);
}

std::string render_listing(std::string_view path, std::vector<listing_entry> const& entries, bool truncated,
                           listing_format format) {
    std::string out;
    out.reserve(256 + entries.size() * 160);
    if (format == listing_format::json) {
        out += "{\"path\":";
        json_string(out, display_path(path));
        out += ",\"truncated\":";
        out += truncated ? "true" : "false";
        out += ",\"entries\":[";
        bool first = true;
        for (auto const& e : entries) {
            if (!listable_name(e.name, true)) continue;
            if (!first) out.push_back(',');
            first = false;
            out += "{\"name\":";
            json_string(out, e.name);
            out += e.directory ? ",\"type\":\"directory\"" : ",\"type\":\"file\"";
            out += ",\"size\":" + std::to_string(e.directory ? 0 : e.size);
            out += ",\"mtime\":" + std::to_string(seconds_of(e.mtime_ns));
            out.push_back('}');
        }
        out += "]}\n";
        return out;
    }
    std::string title;
    html_escape(title, display_path(path));
    out += "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Index of ";
    out += title;
    out += "</title>\n</head>\n<body>\n<h1>Index of ";
    out += title;
    out += "</h1>\n<table>\n<tr><th>Name</th><th>Size</th><th>Last modified</th></tr>\n";
    if (path != "/") out += "<tr><td><a href=\"../\">../</a></td><td>-</td><td>-</td></tr>\n";
    for (auto const& e : entries) {
        if (!listable_name(e.name, true)) continue;
        out += "<tr><td><a href=\"";
        percent_encode(out, e.name);
        if (e.directory) out.push_back('/');
        out += "\">";
        html_escape(out, e.name);
        if (e.directory) out.push_back('/');
        out += "</a></td><td>";
        out += e.directory ? std::string("-") : std::to_string(e.size);
        out += "</td><td>";
        out += format_http_date(seconds_of(e.mtime_ns));
        out += "</td></tr>\n";
    }
    out += "</table>\n";
    if (truncated) out += "<p>This list was cut at " + std::to_string(entries.size()) + " entries.</p>\n";
    out += "</body>\n</html>\n";
    return out;
}

std::string listing_etag(std::vector<listing_entry> const& entries, bool truncated, listing_format format) {
    // FNV-1a, 64 bits, over everything the page shows.
    std::uint64_t h = 14695981039346656037ull;
    auto mix = [&h](void const* p, std::size_t n) {
        auto const* b = static_cast<unsigned char const*>(p);
        for (std::size_t i = 0; i < n; ++i) {
            h ^= b[i];
            h *= 1099511628211ull;
        }
    };
    for (auto const& e : entries) {
        mix(e.name.data(), e.name.size());
        unsigned char const sep[2] = {0, static_cast<unsigned char>(e.directory ? 1 : 2)};
        mix(sep, 2);
        mix(&e.size, sizeof e.size);
        mix(&e.mtime_ns, sizeof e.mtime_ns);
    }
    unsigned char const tail = static_cast<unsigned char>(truncated ? 1 : 0);
    mix(&tail, 1);
    std::string out = "\"dir-";
    for (int shift = 60; shift >= 0; shift -= 4) out.push_back("0123456789abcdef"[(h >> shift) & 15]);
    out += format == listing_format::json ? "-json\"" : "-html\"";
    return out;
}

}  // namespace zerocopy::http
