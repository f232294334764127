#include <zerocopy/http/framing.hpp>

#include "text.hpp"

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

namespace detail {

framing_error check_framing_fields(bool http10, std::size_t content_length_members, bool has_te,
                                   std::string_view te_list) noexcept {
    if (has_te && http10) return framing_error::transfer_encoding_in_http10;
    if (content_length_members > 1) return framing_error::duplicate_content_length;
    if (!has_te) return framing_error::none;
    if (content_length_members != 0) return framing_error::content_length_with_transfer_encoding;

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
    auto const sp = line.rfind(' ');
    bool const http10 = sp != std::string_view::npos && line.substr(sp + 1) == "HTTP/1.0";

    std::size_t cl_members = 0;
    bool has_te = false;
    std::string te;
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
            cl_members += 1;
            for (char c : value) cl_members += (c == ',') ? 1 : 0;
        } else if (iequals(name, "transfer-encoding")) {
            if (has_te) te.push_back(',');
            has_te = true;
            te.append(value.data(), value.size());
        }
    }
    return detail::check_framing_fields(http10, cl_members, has_te, te);
}

}  // namespace zerocopy::http
