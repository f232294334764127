#include <zerocopy/http/range_body.hpp>

#include <zerocopy/error.hpp>

#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace zerocopy::http {

namespace detail {

std::size_t read_file_at(int fd, void* data, std::size_t size, std::uint64_t offset,
                         boost::system::error_code& ec) noexcept {
    std::size_t got = 0;
    while (got < size) {
        ssize_t const n =
            ::pread(fd, static_cast<char*>(data) + got, size - got, static_cast<off_t>(offset + got));
        if (n < 0) {
            if (errno == EINTR) continue;
            ec.assign(errno, boost::system::system_category());
            return got;
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    if (got == 0 && size != 0)
        ec = zerocopy::error::unexpected_eof;  // truncated under us: never send a short body silently
    else
        ec = {};
    return got;
}

}  // namespace detail

void range_body::value_type::open(char const* path, boost::system::error_code& ec) {
    unique_fd fd(::open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0) {
        ec.assign(errno, boost::system::system_category());
        *this = value_type();
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        ec = zerocopy::error::not_a_regular_file;
        *this = value_type();
        return;
    }
    ec = {};
    reset(std::move(fd), static_cast<std::uint64_t>(st.st_size));
}

void range_body::value_type::reset(unique_fd file, std::uint64_t file_size) {
    file_ = std::move(file);
    file_size_ = file_size;
    select(byte_range{0, file_size});
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
