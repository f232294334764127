// Canonical paths: the redirect for targets with empty or dot segments (kept apart from
// decode_target, which still refuses every such segment).
#include <zerocopy/http/normalize.hpp>

#include <zerocopy/http/resolve.hpp>

#include <vector>

namespace zerocopy::http {

normalized_target normalize_target(std::string_view target) {
    normalized_target out;
    if (target.empty() || target[0] != '/') return out;  // not origin-form: decode_target decides
    std::size_t const q = target.find('?');
    std::string_view const path = target.substr(0, q);
    std::string_view const query = q == std::string_view::npos ? std::string_view() : target.substr(q);

    std::vector<std::string_view> kept;
    bool changed = false, trailing = false;
    std::string_view rest = path.substr(1);
    for (;;) {
        std::size_t const slash = rest.find('/');
        std::string_view const seg = rest.substr(0, slash);
        bool const last = slash == std::string_view::npos;
        trailing = false;
        if (seg.empty()) {
            if (!last) changed = true;  // "//a", "/a//b"; a last empty segment is a trailing '/'
            trailing = true;
        } else if (seg == ".") {
            changed = true;
            trailing = true;
        } else if (seg == "..") {
            if (kept.empty()) {
                out.form = target_form::refused;  // above the root
                return out;
            }
            kept.pop_back();
            changed = true;
            trailing = true;
        } else {
            kept.push_back(seg);
        }
        if (last) break;
        rest = rest.substr(slash + 1);
    }
    if (!changed) return out;

    std::string location;
    for (auto const seg : kept) {
        location.push_back('/');
        location.append(seg.data(), seg.size());
    }
    if (trailing || kept.empty()) location.push_back('/');
    location.append(query.data(), query.size());
    if (!decode_target(location).valid) {
        out.form = target_form::refused;
        return out;
    }
    out.form = target_form::redirect;
    out.location = std::move(location);
    return out;
}

}  // namespace zerocopy::http
