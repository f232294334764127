// Cache-Control rules: a glob matcher simulated as an NFA over the pattern's tokens (linear in the
// path, no backtracking), and the field-value check the example servers run at startup.
#include <zerocopy/http/cache_control.hpp>

#include <algorithm>
#include <vector>

namespace zerocopy::http {

namespace {

struct glob_token {
    enum kind_t { literal, any_char, set, star, double_star } kind = literal;
    char c = 0;                 // literal
    std::string_view set_body;  // set: what lies between '[' (and '!' or '^') and ']'
    bool negated = false;       // set
};

std::vector<glob_token> compile(std::string_view p) {
    std::vector<glob_token> out;
    for (std::size_t i = 0; i < p.size(); ++i) {
        glob_token t;
        char const c = p[i];
        if (c == '*') {
            if (i + 1 < p.size() && p[i + 1] == '*') {
                t.kind = glob_token::double_star;
                while (i + 1 < p.size() && p[i + 1] == '*') ++i;
            } else {
                t.kind = glob_token::star;
            }
        } else if (c == '?') {
            t.kind = glob_token::any_char;
        } else if (c == '[') {
            std::size_t j = i + 1;
            bool negated = false;
            if (j < p.size() && (p[j] == '!' || p[j] == '^')) {
                negated = true;
                ++j;
            }
            // A ']' right after the opening is a member, as in fnmatch.
            std::size_t const close = p.find(']', j < p.size() && p[j] == ']' ? j + 1 : j);
            if (close == std::string_view::npos) {
                t.c = c;  // no closing bracket: a literal '['
            } else {
                t.kind = glob_token::set;
                t.negated = negated;
                t.set_body = p.substr(j, close - j);
                i = close;
            }
        } else {
            t.c = c;
        }
        out.push_back(t);
    }
    return out;
}

bool in_set(glob_token const& t, char c) {
    bool found = false;
    std::string_view const b = t.set_body;
    for (std::size_t k = 0; k < b.size(); ++k) {
        if (k + 2 < b.size() && b[k + 1] == '-') {
            auto const lo = static_cast<unsigned char>(b[k]), hi = static_cast<unsigned char>(b[k + 2]);
            auto const u = static_cast<unsigned char>(c);
            if (u >= lo && u <= hi) found = true;
            k += 2;
        } else if (b[k] == c) {
            found = true;
        }
    }
    return found != t.negated;
}

// Marks every state reachable from the active ones without consuming a character (a star may match
// nothing).
void close_over_stars(std::vector<glob_token> const& tokens, std::vector<char>& active) {
    for (std::size_t i = 0; i < tokens.size(); ++i)
        if (active[i] && (tokens[i].kind == glob_token::star || tokens[i].kind == glob_token::double_star))
            active[i + 1] = 1;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) noexcept {
    try {
        if (pattern.find('/') == std::string_view::npos) {
            auto const slash = path.rfind('/');
            if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
        }
        std::vector<glob_token> const tokens = compile(pattern);
        std::vector<char> active(tokens.size() + 1, 0), next(tokens.size() + 1, 0);
        active[0] = 1;
        close_over_stars(tokens, active);
        for (char const c : path) {
            std::fill(next.begin(), next.end(), 0);
            bool any = false;
            for (std::size_t i = 0; i < tokens.size(); ++i) {
                if (!active[i]) continue;
                glob_token const& t = tokens[i];
                switch (t.kind) {
                    case glob_token::literal:
                        if (t.c == c) next[i + 1] = 1;
                        break;
                    case glob_token::any_char:
                        if (c != '/') next[i + 1] = 1;
                        break;
                    case glob_token::set:
                        if (c != '/' && in_set(t, c)) next[i + 1] = 1;
                        break;
                    case glob_token::star:
                        if (c != '/') next[i] = 1;
                        break;
                    case glob_token::double_star:
                        next[i] = 1;
                        break;
                }
            }
            close_over_stars(tokens, next);
            for (char const a : next) any = any || a;
            if (!any) return false;
            active.swap(next);
        }
        return active[tokens.size()] != 0;
    } catch (...) {
        return false;  // out of memory: no match
    }
}

std::string_view select_cache_control(std::vector<cache_control_rule> const& rules, std::string_view path,
                                      std::string_view fallback) noexcept {
    for (auto const& r : rules)
        if (glob_match(r.pattern, path)) return r.value;
    return fallback;
}

bool is_safe_field_value(std::string_view value) noexcept {
    for (char const ch : value) {
        auto const c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) return false;
    }
    return true;
}

}  // namespace zerocopy::http
