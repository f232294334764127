#include <zerocopy/http/range_body.hpp>

#include "platform.hpp"

#include <zerocopy/detail/platform.hpp>
#include <zerocopy/error.hpp>

#include <boost/assert.hpp>

namespace zerocopy::http {

namespace detail {

std::size_t read_file_at(native_file_handle file, void* data, std::size_t size, std::uint64_t offset,
                         boost::system::error_code& ec) noexcept {
    std::size_t got = 0;
    while (got < size) {
        // The core's reader: pread, or ReadFile at an OVERLAPPED offset (the position kept).
        zerocopy::detail::io_result const r =
            zerocopy::detail::read_at(file, offset + got, static_cast<char*>(data) + got, size - got);
        if (r.ec) {
            ec = r.ec;
            return got;
        }
        if (r.bytes == 0) break;
        got += r.bytes;
    }
    if (got == 0 && size != 0)
        ec = zerocopy::error::unexpected_eof;  // truncated under us: never send a short body silently
    else
        ec = {};
    return got;
}

}  // namespace detail

void range_body::value_type::open(char const* path, boost::system::error_code& ec) {
    detail::file_status st;
    unique_file fd = detail::open_for_reading(path, st, ec);
    if (ec) {
        *this = value_type();
        return;
    }
    if (st.kind != detail::file_status::regular) {
        ec = zerocopy::error::not_a_regular_file;
        *this = value_type();
        return;
    }
    ec = {};
    reset(std::move(fd), st.size);
}

void range_body::value_type::reset(unique_file file, std::uint64_t file_size) {
    file_ = std::move(file);
    shared_.reset();
    inspected_ = false;
    file_size_ = file_size;
    select(byte_range{0, file_size});
}

void range_body::value_type::reset(unique_file file, inspected_file const& info) {
    BOOST_ASSERT(info.handle() == file.get());
    reset(std::move(file), info.size());
    inspected_ = true;
}

void range_body::value_type::reset(std::shared_ptr<unique_file const> file, inspected_file const& info) {
    BOOST_ASSERT(file && info.handle() == file->get());
    reset(unique_file(), info.size());
    shared_ = std::move(file);
    inspected_ = true;
}

void range_body::value_type::select(byte_range const& range) {
    std::vector<body_piece> p;
    p.push_back(body_piece{{}, range.offset, range.length});
    set_pieces(std::move(p));
    boundary_.clear();
}

void range_body::value_type::select(multipart_layout layout) {
    set_pieces(std::move(layout.pieces));
    boundary_ = std::move(layout.boundary);
}

void range_body::value_type::assign_text(std::string text) {
    std::vector<body_piece> p;
    p.push_back(body_piece{std::move(text), 0, 0});
    set_pieces(std::move(p));
    boundary_.clear();
}

void range_body::value_type::clear_content() noexcept {
    pieces_.clear();
    boundary_.clear();
    size_ = 0;
}

void range_body::value_type::set_pieces(std::vector<body_piece> pieces) {
    pieces_ = std::move(pieces);
    size_ = 0;
    for (auto const& p : pieces_) size_ += p.prefix.size() + p.length;
}

}  // namespace zerocopy::http
