// Accept-Encoding (RFC 9110 section 12.5.3): parsing into per-coding weights, and the negotiation
// that picks which precompressed variants serve_file tries.
#include <zerocopy/http/accept_encoding.hpp>

#include "text.hpp"

#include <algorithm>

namespace zerocopy::http {

namespace {

// One list member: `coding [ OWS ";" OWS "q=" qvalue ]` with OWS around. False if it is anything else.
bool parse_member(std::string_view m, std::string_view& coding, int& weight) noexcept {
    m = detail::trim_ows(m);
    std::size_t i = 0;
    while (i < m.size() && detail::is_tchar(m[i])) ++i;
    if (i == 0) return false;
    coding = m.substr(0, i);
    weight = 1000;
    std::string_view rest = detail::trim_ows(m.substr(i));
    if (rest.empty()) return true;
    if (rest[0] != ';') return false;
    rest = detail::trim_ows(rest.substr(1));
    if (rest.size() < 2 || (rest[0] != 'q' && rest[0] != 'Q') || rest[1] != '=') return false;
    weight = detail::parse_qvalue(rest.substr(2));  // trailing OWS was trimmed with the member
    return weight >= 0;
}

void lower_of(int& slot, int w) noexcept {
    slot = slot < 0 ? w : (w < slot ? w : slot);
}

}  // namespace

std::string_view coding_name(content_coding c) noexcept {
    switch (c) {
        case content_coding::br:
            return "br";
        case content_coding::zstd:
            return "zstd";
        case content_coding::gzip:
            break;
    }
    return "gzip";
}

std::string_view coding_suffix(content_coding c) noexcept {
    switch (c) {
        case content_coding::br:
            return ".br";
        case content_coding::zstd:
            return ".zst";
        case content_coding::gzip:
            break;
    }
    return ".gz";
}

std::optional<content_coding> parse_content_coding(std::string_view name) noexcept {
    if (detail::iequals(name, "br")) return content_coding::br;
    if (detail::iequals(name, "zstd")) return content_coding::zstd;
    if (detail::iequals(name, "gzip") || detail::iequals(name, "x-gzip")) return content_coding::gzip;
    return std::nullopt;
}

int accept_encoding::weight(content_coding c) const noexcept {
    int const own = c == content_coding::br ? br : c == content_coding::zstd ? zstd : gzip;
    if (own >= 0) return own;
    return any >= 0 ? any : 0;
}

int accept_encoding::identity_weight() const noexcept {
    if (identity >= 0) return identity;
    return any >= 0 ? any : -1;
}

accept_encoding parse_accept_encoding(std::string_view value) noexcept {
    accept_encoding out;
    // The grammar has no quoted-string: every comma separates members.
    std::size_t start = 0;
    for (std::size_t i = 0; i <= value.size(); ++i) {
        if (i < value.size() && value[i] != ',') continue;
        std::string_view const member = value.substr(start, i - start);
        start = i + 1;
        std::string_view coding;
        int w = 0;
        if (!parse_member(member, coding, w)) continue;
        if (detail::iequals(coding, "identity"))
            lower_of(out.identity, w);
        else if (coding == "*")
            lower_of(out.any, w);
        else if (auto const c = parse_content_coding(coding))
            lower_of(*c == content_coding::br ? out.br : *c == content_coding::zstd ? out.zstd : out.gzip, w);
    }
    return out;
}

coding_plan plan_codings(std::optional<std::string_view> value,
                         std::vector<content_coding> const& preference) noexcept {
    coding_plan plan;
    if (!value) return plan;  // no Accept-Encoding at all: identity only
    accept_encoding const ae = parse_accept_encoding(*value);
    int const identity = ae.identity_weight();
    plan.identity_acceptable = identity != 0;
    int weights[3] = {};
    for (content_coding const c : preference) {
        bool seen = false;
        for (std::size_t k = 0; k < plan.count; ++k) seen = seen || plan.order[k] == c;
        int const w = ae.weight(c);
        if (seen || w <= 0 || w < identity || plan.count == 3) continue;
        // Insertion by weight, stable for equal weights (the application's order breaks ties).
        std::size_t k = plan.count;
        while (k > 0 && weights[k - 1] < w) {
            plan.order[k] = plan.order[k - 1];
            weights[k] = weights[k - 1];
            --k;
        }
        plan.order[k] = c;
        weights[k] = w;
        ++plan.count;
    }
    return plan;
}

}  // namespace zerocopy::http
