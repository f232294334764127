// multipart/byteranges layout (RFC 9110 section 14.6) and the range_body writer that produces it.
// Input: 1 byte of flags, 2 bytes of representation size (at most 16 KiB), then either a Range field
// value (parsed with parse_range, as the server does) or raw (offset, length) pairs, then a path whose
// Content-Type labels the parts and an optional boundary.
// Properties: the Content-Length of the layout equals range_body::size and the number of bytes the
// writer actually produces; those bytes are exactly the delimiters, part headers and file bytes that
// RFC 9110 prescribes, built here independently.
#include "fuzz_common.hpp"

#include <zerocopy/http/mime.hpp>
#include <zerocopy/http/multipart.hpp>
#include <zerocopy/http/range.hpp>
#include <zerocopy/http/range_body.hpp>

#include <boost/beast/http/message.hpp>

#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace zerocopy::http;

namespace {

constexpr std::size_t file_size = 16384;

char file_byte(std::size_t i) {
    return static_cast<char>((i * 131u + (i >> 8)) & 0xffu);
}

// A memory file holding the representation, created once.
int representation_fd() {
    static int const fd = [] {
        int const f = ::memfd_create("zerocopy-fuzz-multipart", MFD_CLOEXEC);
        if (f < 0) std::abort();
        std::string content(file_size, '\0');
        for (std::size_t i = 0; i < file_size; ++i) content[i] = file_byte(i);
        if (::write(f, content.data(), content.size()) != static_cast<ssize_t>(content.size())) std::abort();
        return f;
    }();
    return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    zerocopy_fuzz::input in(data, size);
    std::uint8_t const flags = in.u8();
    std::uint64_t const rep = ((std::uint64_t{in.u8()} << 8) | in.u8()) % (file_size + 1);

    std::vector<byte_range> ranges;
    if (flags & 1) {
        // Raw ranges, unsorted and overlapping if the fuzzer likes: the layout takes them as given.
        std::size_t const count = in.u8() % 17u;
        for (std::size_t k = 0; k < count && rep > 0; ++k) {
            std::uint64_t const off = ((std::uint64_t{in.u8()} << 8) | in.u8()) % rep;
            std::uint64_t const len = 1 + ((std::uint64_t{in.u8()} << 8) | in.u8()) % (rep - off);
            ranges.push_back({off, len});
        }
    } else {
        auto const r = parse_range(in.field('\0'), rep);
        if (r.status != range_status::satisfiable) return 0;
        ranges = r.ranges;
    }
    if (ranges.empty()) return 0;
    std::string_view const path = in.field('\0');
    std::string_view const part_type = (flags & 2) ? std::string_view() : mime_type(path);
    std::string boundary;
    if (flags & 4) {
        // A caller-supplied boundary: 1 to 70 bchars (the caller's responsibility), here alphanumerics.
        static constexpr char alnum[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for (char c : in.rest().substr(0, 70)) boundary.push_back(alnum[static_cast<unsigned char>(c) % 62u]);
    }

    multipart_layout layout = make_multipart_layout(ranges, rep, part_type, boundary);
    if (!boundary.empty()) ZEROCOPY_FUZZ_CHECK(layout.boundary == boundary);
    ZEROCOPY_FUZZ_CHECK(!layout.boundary.empty() && layout.boundary.size() <= 70);
    ZEROCOPY_FUZZ_CHECK(layout.content_type() == "multipart/byteranges; boundary=" + layout.boundary);

    // What RFC 9110 prescribes, built independently of the library.
    std::string expected;
    for (std::size_t k = 0; k < ranges.size(); ++k) {
        if (k > 0) expected += "\r\n";
        expected += "--" + layout.boundary + "\r\n";
        if (!part_type.empty()) expected += "Content-Type: " + std::string(part_type) + "\r\n";
        expected += "Content-Range: bytes " + std::to_string(ranges[k].offset) + "-" +
                    std::to_string(ranges[k].offset + ranges[k].length - 1) + "/" + std::to_string(rep) +
                    "\r\n\r\n";
        for (std::uint64_t i = 0; i < ranges[k].length; ++i)
            expected.push_back(file_byte(static_cast<std::size_t>(ranges[k].offset + i)));
    }
    expected += "\r\n--" + layout.boundary + "--\r\n";

    std::uint64_t const announced = layout.content_length;
    ZEROCOPY_FUZZ_CHECK(announced == expected.size());

    // The bytes the body writer (the buffered path of the server) actually produces.
    range_body::value_type body;
    body.reset(unique_file(::fcntl(representation_fd(), F_DUPFD_CLOEXEC, 0)), file_size);
    body.select(std::move(layout));
    ZEROCOPY_FUZZ_CHECK(body.is_multipart());
    ZEROCOPY_FUZZ_CHECK(range_body::size(body) == announced);

    boost::beast::http::response_header<> header;
    range_body::writer w(header, body);
    boost::system::error_code ec;
    w.init(ec);
    ZEROCOPY_FUZZ_CHECK(!ec);
    std::string produced;
    for (;;) {
        auto const chunk = w.get(ec);
        ZEROCOPY_FUZZ_CHECK(!ec);
        if (!chunk) break;
        produced.append(static_cast<char const*>(chunk->first.data()), chunk->first.size());
        ZEROCOPY_FUZZ_CHECK(produced.size() <= announced);
    }
    ZEROCOPY_FUZZ_CHECK(produced.size() == announced);
    ZEROCOPY_FUZZ_CHECK(produced == expected);
    return 0;
}
