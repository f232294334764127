// Request framing checks (RFC 9112 sections 5, 6 and 11): check_request_header_bytes on the raw bytes,
// and check_request_framing on what Beast's parser makes of the same bytes.
// Input: a request header (any bytes).
// Properties: a defect has a status of 400 or 501 and a message; when Beast parses the header, the
// parsed-header check reaches the same verdict as the raw check (which runs every check of the parsed
// one), except for obs-fold and whitespace before a colon, which only the raw bytes show. The input is
// also a Host value: a valid one holds no comma, whitespace, NUL, '@', '/' or byte outside ASCII, and
// a request carrying it once is refused for its Host only when it is empty.
#include "fuzz_common.hpp"

#include <zerocopy/http/framing.hpp>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

using namespace zerocopy::http;

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::string_view const raw(reinterpret_cast<char const*>(data), size);

    framing_error const e = check_request_header_bytes(raw);
    if (e == framing_error::none) {
        ZEROCOPY_FUZZ_CHECK(framing_status(e) == 0);
    } else {
        ZEROCOPY_FUZZ_CHECK(framing_status(e) == 400 || framing_status(e) == 501);
        ZEROCOPY_FUZZ_CHECK(!framing_message(e).empty());
        ZEROCOPY_FUZZ_CHECK(framing_error_of(make_error_code(e)) == e);
    }

    // The input as a Host value.
    bool const valid_host = is_valid_host(raw);
    if (valid_host) {
        for (char c : raw) {
            auto const u = static_cast<unsigned char>(c);
            ZEROCOPY_FUZZ_CHECK(u > 0x20 && u < 0x7f && c != ',' && c != '@' && c != '/');
        }
        if (raw.size() < 4096) {
            std::string req = "GET / HTTP/1.1\r\nHost: ";
            req.append(raw.data(), raw.size());
            req += "\r\n\r\n";
            framing_error const h = check_request_header_bytes(req);
            ZEROCOPY_FUZZ_CHECK(h == (raw.empty() ? framing_error::empty_host : framing_error::none));
        }
    }

    boost::beast::http::request_parser<boost::beast::http::empty_body> p;
    p.eager(false);
    p.header_limit(64 * 1024);
    boost::beast::error_code ec;
    std::size_t const used = p.put(boost::asio::buffer(data, size), ec);
    if (!p.is_header_done()) return 0;  // Beast refused it or wants more: the server answers 400 itself
    ZEROCOPY_FUZZ_CHECK(used <= size);

    framing_error const parsed = check_request_framing(p.get().base());
    // Beast saw the same field lines as the raw check: both must reach the same verdict.
    if (e != framing_error::obs_fold && e != framing_error::whitespace_before_colon)
        ZEROCOPY_FUZZ_CHECK(parsed == e);
    return 0;
}
