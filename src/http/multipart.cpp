#include <zerocopy/http/multipart.hpp>

#include <random>

namespace zerocopy::http {

std::string make_boundary() {
    static constexpr char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    thread_local std::mt19937_64 engine{std::random_device{}()};
    std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 2);
    std::string b;
    b.reserve(24);
    for (int i = 0; i < 24; ++i) b.push_back(alphabet[pick(engine)]);
    return b;
}

multipart_layout make_multipart_layout(std::vector<byte_range> const& ranges, std::uint64_t size,
                                       std::string_view part_content_type, std::string boundary) {
    multipart_layout out;
    out.boundary = boundary.empty() ? make_boundary() : std::move(boundary);
    std::string const size_text = std::to_string(size);
    for (auto const& r : ranges) {
        body_piece p;
        if (!out.pieces.empty()) p.prefix = "\r\n";
        p.prefix += "--";
        p.prefix += out.boundary;
        p.prefix += "\r\n";
        if (!part_content_type.empty()) {
            p.prefix += "Content-Type: ";
            p.prefix += part_content_type;
            p.prefix += "\r\n";
        }
        p.prefix += "Content-Range: bytes ";
        p.prefix += std::to_string(r.offset);
        p.prefix += '-';
        p.prefix += std::to_string(r.last());
        p.prefix += '/';
        p.prefix += size_text;
        p.prefix += "\r\n\r\n";
        p.offset = r.offset;
        p.length = r.length;
        out.content_length += p.prefix.size() + p.length;
        out.pieces.push_back(std::move(p));
    }
    body_piece close;
    close.prefix = "\r\n--" + out.boundary + "--\r\n";
    out.content_length += close.prefix.size();
    out.pieces.push_back(std::move(close));
    return out;
}

}  // namespace zerocopy::http
