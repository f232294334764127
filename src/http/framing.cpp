#include <zerocopy/http/framing.hpp>

#include "text.hpp"

#include <boost/core/detail/string_view.hpp>
#include <boost/url/ipv6_address.hpp>

namespace zerocopy::http {

unsigned framing_status(framing_error e) noexcept {
    switch (e) {
        case framing_error::none:
            return 0;
        case framing_error::unknown_transfer_coding:
            return 501;
        default:
            return 400;
    }
}

std::string_view framing_message(framing_error e) noexcept {
    switch (e) {
        case framing_error::none:
            return "no framing error";
        case framing_error::obs_fold:
            return "obsolete line folding in a header field";
        case framing_error::whitespace_before_colon:
            return "whitespace between a field name and its colon";
        case framing_error::transfer_encoding_in_http10:
            return "Transfer-Encoding in an HTTP/1.0 request";
        case framing_error::duplicate_content_length:
            return "more than one Content-Length";
        case framing_error::content_length_with_transfer_encoding:
            return "both Content-Length and Transfer-Encoding";
        case framing_error::chunked_not_last:
            return "the final transfer coding is not chunked";
        case framing_error::chunked_twice:
            return "chunked applied more than once";
        case framing_error::unknown_transfer_coding:
            return "unsupported transfer coding";
        case framing_error::duplicate_host:
            return "more than one Host";
        case framing_error::invalid_host:
            return "a Host value that is not host[:port]";
        case framing_error::missing_host:
            return "an HTTP/1.1 request without Host";
        case framing_error::empty_host:
            return "an empty Host on an origin-form HTTP/1.1 request";
    }
    return "unknown framing error";
}

namespace {
class framing_category_impl final : public boost::system::error_category {
public:
    char const* name() const noexcept override { return "zerocopy.http.framing"; }
    std::string message(int ev) const override {
        return std::string(framing_message(static_cast<framing_error>(ev)));
    }
};
}  // namespace

boost::system::error_category const& framing_category() noexcept {
    static framing_category_impl const instance;
    return instance;
}

namespace {

using detail::is_digit;

bool is_hex(char c) noexcept {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_alpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_unreserved(char c) noexcept {
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// RFC 3986 sub-delims without ',' (refused: a comma makes Host look like a list).
bool is_sub_delim_but_comma(char c) noexcept {
    switch (c) {
        case '!':
        case '$':
        case '&':
        case '\'':
        case '(':
        case ')':
        case '*':
        case '+':
        case ';':
        case '=':
            return true;
        default:
            return false;
    }
}

// reg-name = *( unreserved / pct-encoded / sub-delims ), comma excluded.
bool is_reg_name(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) {
        char const c = s[i];
        if (is_unreserved(c) || is_sub_delim_but_comma(c)) continue;
        if (c == '%' && i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
            i += 2;
            continue;
        }
        return false;
    }
    return true;
}

// IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ), comma excluded.
bool is_ipvfuture(std::string_view s) noexcept {
    if (s.size() < 4 || (s[0] != 'v' && s[0] != 'V')) return false;
    std::size_t i = 1;
    while (i < s.size() && is_hex(s[i])) ++i;
    if (i == 1 || i >= s.size() || s[i] != '.' || i + 1 == s.size()) return false;
    for (++i; i < s.size(); ++i)
        if (!is_unreserved(s[i]) && !is_sub_delim_but_comma(s[i]) && s[i] != ':') return false;
    return true;
}

// port = at most 5 digits, at most 65535 (empty allowed, as RFC 3986's *DIGIT).
bool is_port(std::string_view s) noexcept {
    if (s.size() > 5) return false;
    unsigned long v = 0;
    for (char c : s) {
        if (!is_digit(c)) return false;
        v = v * 10 + static_cast<unsigned long>(c - '0');
    }
    return v <= 65535;
}

}  // namespace

bool is_valid_host(std::string_view value) noexcept {
    std::string_view host = value, port;
    bool has_port = false;
    if (!value.empty() && value.front() == '[') {
        auto const close = value.find(']');
        if (close == std::string_view::npos) return false;
        std::string_view const literal = value.substr(1, close - 1);
        std::string_view const rest = value.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return false;
            has_port = true;
            port = rest.substr(1);
        }
        if (!is_ipvfuture(literal) &&
            !boost::urls::parse_ipv6_address(boost::core::string_view(literal.data(), literal.size())))
            return false;
    } else {
        auto const colon = value.find(':');
        if (colon != std::string_view::npos) {
            host = value.substr(0, colon);
            has_port = true;
            port = value.substr(colon + 1);
        }
        if (!is_reg_name(host)) return false;
    }
    return !has_port || is_port(port);
}

namespace detail {

framing_error check_framing(framing_facts const& facts) noexcept {
    bool const http10 = facts.version == 10;
    if (facts.has_te && http10) return framing_error::transfer_encoding_in_http10;
    if (facts.content_length_members > 1) return framing_error::duplicate_content_length;
    if (facts.has_te) {
        if (facts.content_length_members != 0) return framing_error::content_length_with_transfer_encoding;
        std::string_view te_list = facts.te_list;
        std::size_t chunked = 0;
        bool unknown = false, last_chunked = false;
        while (!te_list.empty()) {
            auto const comma = te_list.find(',');
            std::string_view item = te_list.substr(0, comma);
            te_list = comma == std::string_view::npos ? std::string_view() : te_list.substr(comma + 1);
            item = trim_ows(item.substr(0, item.find(';')));  // transfer-parameters do not name the coding
            if (item.empty()) continue;
            last_chunked = iequals(item, "chunked");
            if (last_chunked)
                ++chunked;
            else
                unknown = true;
        }
        if (!last_chunked) return framing_error::chunked_not_last;
        if (chunked > 1) return framing_error::chunked_twice;
        if (unknown) return framing_error::unknown_transfer_coding;
    }

    // RFC 9112 section 3.2. Version 0: a request-line Beast will refuse anyway.
    if (facts.host_lines > 1) return framing_error::duplicate_host;
    if (facts.host_lines == 1 && !is_valid_host(facts.host)) return framing_error::invalid_host;
    if (facts.version >= 11) {
        if (facts.host_lines == 0) return framing_error::missing_host;
        if (facts.host.empty() && facts.origin_form) return framing_error::empty_host;
    }
    return framing_error::none;
}

}  // namespace detail

framing_error check_request_header_bytes(std::string_view raw) {
    using namespace detail;
    auto next_line = [&raw](std::string_view& line) {
        if (raw.empty()) return false;
        auto const lf = raw.find('\n');
        line = raw.substr(0, lf);
        raw = lf == std::string_view::npos ? std::string_view() : raw.substr(lf + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        return true;
    };

    std::string_view line;
    do {
        if (!next_line(line)) return framing_error::none;  // nothing but empty lines
    } while (line.empty());

    // request-line = method SP request-target SP HTTP-version
    framing_facts facts;
    auto const sp = line.rfind(' ');
    if (sp != std::string_view::npos) {
        std::string_view const v = line.substr(sp + 1);
        if (v.size() == 8 && v.substr(0, 5) == "HTTP/" && is_digit(v[5]) && v[6] == '.' && is_digit(v[7]))
            facts.version = static_cast<unsigned>((v[5] - '0') * 10 + (v[7] - '0'));
        auto const first = line.find(' ');
        facts.origin_form = first < sp && line[first + 1] == '/';
    }

    while (next_line(line) && !line.empty()) {
        if (is_ows(line.front())) {
            // A field line starting with whitespace continues the previous one (obs-fold); right after
            // the request-line it is also invalid.
            return framing_error::obs_fold;
        }
        auto const colon = line.find(':');
        if (colon == std::string_view::npos) continue;  // malformed: Beast's parser rejects it
        if (colon != 0 && is_ows(line[colon - 1])) return framing_error::whitespace_before_colon;
        std::string_view const name = line.substr(0, colon);
        std::string_view const value = trim_ows(line.substr(colon + 1));
        if (iequals(name, "content-length")) {
            facts.content_length_members += 1;
            for (char c : value) facts.content_length_members += (c == ',') ? 1 : 0;
        } else if (iequals(name, "transfer-encoding")) {
            if (facts.has_te) facts.te_list.push_back(',');
            facts.has_te = true;
            facts.te_list.append(value.data(), value.size());
        } else if (iequals(name, "host")) {
            if (facts.host_lines++ == 0) facts.host = value;
        }
    }
    return detail::check_framing(facts);
}

}  // namespace zerocopy::http
