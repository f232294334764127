// Directory listing generator (HTML and JSON) and the Accept negotiation between them.
// Input: 1 byte of flags (bit 0 JSON, bit 1 truncated), then NUL-separated fields: the directory
// path, then entries, each 1 byte (bit 0: directory) followed by the name (any bytes).
// Properties: the output is valid UTF-8 with no control character but '\n'; HTML: every '<' opens
// one of the template's own tags, there is one link per listable entry (plus the parent link unless
// the path is "/"), and each href holds only unreserved characters, '%' escapes and a trailing '/';
// JSON: the document is well-formed, with one object per listable entry; the ETag is a strong tag
// and the same entries give the same page and tag; preferred_listing_format never crashes.
#include "fuzz_common.hpp"

#include <zerocopy/http/etag.hpp>
#include <zerocopy/http/listing.hpp>

#include <cctype>
#include <string>
#include <vector>

using namespace zerocopy::http;

namespace {

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        auto const c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80             ? 0
                        : (c & 0xe0) == 0xc0 ? 1
                        : (c & 0xf0) == 0xe0 ? 2
                        : (c & 0xf8) == 0xf0 ? 3
                                             : 9;
        if (n == 9 || s.size() - i <= n) return false;
        for (std::size_t k = 1; k <= n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
        i += n + 1;
    }
    return true;
}

// A minimal JSON syntax check (RFC 8259).
struct json_checker {
    std::string_view s;
    std::size_t p = 0;
    void ws() {
        while (p < s.size() && (s[p] == ' ' || s[p] == '\n' || s[p] == '\t' || s[p] == '\r')) ++p;
    }
    bool lit(std::string_view w) {
        if (s.substr(p, w.size()) != w) return false;
        p += w.size();
        return true;
    }
    bool string() {
        if (p >= s.size() || s[p] != '"') return false;
        for (++p; p < s.size(); ++p) {
            auto const c = static_cast<unsigned char>(s[p]);
            if (c == '"') {
                ++p;
                return true;
            }
            if (c < 0x20) return false;
            if (c == '\\') {
                if (++p >= s.size()) return false;
                if (s[p] == 'u') {
                    for (int k = 0; k < 4; ++k)
                        if (++p >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[p]))) return false;
                } else if (std::string_view("\"\\/bfnrt").find(s[p]) == std::string_view::npos) {
                    return false;
                }
            }
        }
        return false;
    }
    bool number() {
        std::size_t const start = p;
        if (p < s.size() && s[p] == '-') ++p;
        while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) ++p;
        return p > start && s[p - 1] != '-';
    }
    bool value(int depth) {
        if (depth > 8) return false;
        ws();
        if (p >= s.size()) return false;
        bool ok = false;
        if (s[p] == '{') {
            ++p;
            ws();
            if (p < s.size() && s[p] == '}') {
                ++p;
                ok = true;
            } else {
                for (;;) {
                    ws();
                    if (!string()) return false;
                    ws();
                    if (!lit(":") || !value(depth + 1)) return false;
                    ws();
                    if (lit("}")) break;
                    if (!lit(",")) return false;
                }
                ok = true;
            }
        } else if (s[p] == '[') {
            ++p;
            ws();
            if (lit("]")) {
                ok = true;
            } else {
                for (;;) {
                    if (!value(depth + 1)) return false;
                    ws();
                    if (lit("]")) break;
                    if (!lit(",")) return false;
                }
                ok = true;
            }
        } else if (s[p] == '"') {
            ok = string();
        } else if (lit("true") || lit("false") || lit("null")) {
            ok = true;
        } else {
            ok = number();
        }
        ws();
        return ok;
    }
};

std::size_t count(std::string_view hay, std::string_view needle) {
    std::size_t n = 0;
    for (std::size_t p = hay.find(needle); p != std::string_view::npos; p = hay.find(needle, p + 1)) ++n;
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    zerocopy_fuzz::input in(data, size);
    std::uint8_t const flags = in.u8();
    listing_format const format = (flags & 1) ? listing_format::json : listing_format::html;
    bool const truncated = (flags & 2) != 0;
    std::string_view const raw_path = in.field('\0');
    std::string path = "/" + std::string(raw_path);
    if (path.back() != '/') path.push_back('/');
    std::vector<listing_entry> entries;
    std::size_t listable = 0;
    while (!in.empty() && entries.size() < 200) {
        listing_entry e;
        std::uint8_t const b = in.u8();
        e.directory = (b & 1) != 0;
        e.size = b * 977u;
        e.mtime_ns = static_cast<std::int64_t>(b) * 1000000007 - 5000000000;
        e.name = std::string(in.field('\0'));
        if (listable_name(e.name, true)) ++listable;
        entries.push_back(std::move(e));
    }
    (void)preferred_listing_format(raw_path);

    std::string const page = render_listing(path, entries, truncated, format);
    ZEROCOPY_FUZZ_CHECK(valid_utf8(page));
    for (char const c : page) ZEROCOPY_FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 || c == '\n');
    ZEROCOPY_FUZZ_CHECK(static_cast<unsigned char>(page.back()) == '\n');
    if (format == listing_format::html) {
        static constexpr std::string_view tags[] = {"<!DOCTYPE html>",
                                                    "<html>",
                                                    "</html>",
                                                    "<head>",
                                                    "</head>",
                                                    "<meta charset=\"utf-8\">",
                                                    "<title>",
                                                    "</title>",
                                                    "<body>",
                                                    "</body>",
                                                    "<h1>",
                                                    "</h1>",
                                                    "<table>",
                                                    "</table>",
                                                    "<tr>",
                                                    "</tr>",
                                                    "<th>",
                                                    "</th>",
                                                    "<td>",
                                                    "</td>",
                                                    "<a href=\"",
                                                    "</a>",
                                                    "<p>",
                                                    "</p>"};
        for (std::size_t p = page.find('<'); p != std::string::npos; p = page.find('<', p + 1)) {
            bool known = false;
            for (auto t : tags) known = known || page.compare(p, t.size(), t) == 0;
            ZEROCOPY_FUZZ_CHECK(known);
        }
        ZEROCOPY_FUZZ_CHECK(count(page, "<a href=\"") == listable + (path == "/" ? 0 : 1));
        for (std::size_t p = page.find("<a href=\""); p != std::string::npos;
             p = page.find("<a href=\"", p + 1)) {
            std::size_t const start = p + 9, end = page.find('"', start);
            ZEROCOPY_FUZZ_CHECK(end != std::string::npos);
            std::string_view const href(page.data() + start, end - start);
            ZEROCOPY_FUZZ_CHECK(!href.empty());
            for (std::size_t k = 0; k < href.size(); ++k) {
                char const c = href[k];
                bool const ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
                                c == '_' || c == '~' || c == '%' || (c == '/' && k + 1 == href.size());
                ZEROCOPY_FUZZ_CHECK(ok);
            }
            ZEROCOPY_FUZZ_CHECK(page.compare(end, 2, "\">") == 0);
        }
        ZEROCOPY_FUZZ_CHECK(truncated ==
                            (page.find("<p>This list was cut") != std::string::npos));  // "<" is ours
    } else {
        json_checker j{page};
        ZEROCOPY_FUZZ_CHECK(j.value(0));
        ZEROCOPY_FUZZ_CHECK(j.p == page.size());
        ZEROCOPY_FUZZ_CHECK(count(page, "{\"name\":") == listable);
        ZEROCOPY_FUZZ_CHECK(page.find('<') == std::string::npos && page.find('>') == std::string::npos);
    }

    std::string const tag = listing_etag(entries, truncated, format);
    auto const parsed = parse_entity_tag(tag);
    ZEROCOPY_FUZZ_CHECK(parsed && !parsed->weak);
    ZEROCOPY_FUZZ_CHECK(tag == listing_etag(entries, truncated, format));
    ZEROCOPY_FUZZ_CHECK(page == render_listing(path, entries, truncated, format));
    return 0;
}
