// Small character-class and string helpers shared by the HTTP sources (not installed).
#ifndef ZEROCOPY_SRC_HTTP_TEXT_HPP
#define ZEROCOPY_SRC_HTTP_TEXT_HPP

#include <cstddef>
#include <string_view>

namespace zerocopy::http::detail {

constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
constexpr bool is_ows(char c) noexcept {
    return c == ' ' || c == '\t';
}

constexpr char to_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// tchar from RFC 9110 section 5.6.2.
constexpr bool is_tchar(char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)) return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '.':
        case '^':
        case '_':
        case '`':
        case '|':
        case '~':
            return true;
        default:
            return false;
    }
}

inline bool is_token(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_tchar(c)) return false;
    return true;
}

inline bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (to_lower(a[i]) != to_lower(b[i])) return false;
    return true;
}

// qvalue (RFC 9110 section 12.4.2) in thousandths, 0 to 1000; -1 if `s` is not one.
inline int parse_qvalue(std::string_view s) noexcept {
    if (s.empty() || (s[0] != '0' && s[0] != '1')) return -1;
    int const whole = s[0] - '0';
    if (s.size() == 1) return whole * 1000;
    if (s[1] != '.' || s.size() > 5) return -1;
    int frac = 0, scale = 100;
    for (std::size_t i = 2; i < s.size(); ++i) {
        if (!is_digit(s[i])) return -1;
        frac += (s[i] - '0') * scale;
        scale /= 10;
    }
    if (whole == 1 && frac != 0) return -1;
    return whole * 1000 + frac;
}

inline std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

}  // namespace zerocopy::http::detail

#endif
