#include <zerocopy/http/etag.hpp>

#include "text.hpp"

namespace zerocopy::http {

namespace {

// etagc = %x21 / %x23-7E / obs-text
constexpr bool is_etagc(char ch) noexcept {
    auto const c = static_cast<unsigned char>(ch);
    return c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80;
}

// Reads one entity-tag at `pos`; on success advances `pos` past it.
bool read_tag(std::string_view s, std::size_t& pos, entity_tag& out) noexcept {
    std::size_t p = pos;
    bool weak = false;
    if (s.size() - p >= 2 && s[p] == 'W' && s[p + 1] == '/') {
        weak = true;
        p += 2;
    }
    if (p >= s.size() || s[p] != '"') return false;
    std::size_t const open = p++;
    while (p < s.size() && is_etagc(s[p])) ++p;
    if (p >= s.size() || s[p] != '"') return false;
    ++p;
    out.weak = weak;
    out.opaque = s.substr(open, p - open);
    pos = p;
    return true;
}

}  // namespace

std::optional<entity_tag> parse_entity_tag(std::string_view text) noexcept {
    text = detail::trim_ows(text);
    entity_tag tag;
    std::size_t pos = 0;
    if (!read_tag(text, pos, tag) || pos != text.size()) return std::nullopt;
    return tag;
}

bool strong_match(entity_tag const& a, entity_tag const& b) noexcept {
    return !a.weak && !b.weak && a.opaque == b.opaque;
}

bool weak_match(entity_tag const& a, entity_tag const& b) noexcept {
    return a.opaque == b.opaque;
}

etag_list_result match_etag_list(std::string_view value, entity_tag const& current,
                                 etag_comparison comparison) noexcept {
    value = detail::trim_ows(value);
    if (value == "*") return etag_list_result::match;
    bool matched = false;
    std::size_t count = 0;
    std::size_t pos = 0;
    for (;;) {
        while (pos < value.size() && (value[pos] == ',' || detail::is_ows(value[pos]))) ++pos;
        if (pos == value.size()) break;
        entity_tag tag;
        if (!read_tag(value, pos, tag)) return etag_list_result::invalid;
        while (pos < value.size() && detail::is_ows(value[pos])) ++pos;
        if (pos < value.size() && value[pos] != ',') return etag_list_result::invalid;
        ++count;
        if (comparison == etag_comparison::strong ? strong_match(tag, current) : weak_match(tag, current))
            matched = true;
    }
    if (count == 0) return etag_list_result::invalid;
    return matched ? etag_list_result::match : etag_list_result::no_match;
}

std::string make_file_etag(std::uint64_t inode, std::uint64_t size, std::int64_t mtime_ns) {
    auto hex = [](std::string& out, std::uint64_t v) {
        char buf[16];
        std::size_t n = 0;
        do {
            buf[n++] = "0123456789abcdef"[v & 0xf];
            v >>= 4;
        } while (v != 0);
        while (n != 0) out.push_back(buf[--n]);
    };
    std::string out = "\"";
    hex(out, inode);
    out.push_back('-');
    hex(out, size);
    out.push_back('-');
    hex(out, static_cast<std::uint64_t>(mtime_ns));
    out.push_back('"');
    return out;
}

}  // namespace zerocopy::http
