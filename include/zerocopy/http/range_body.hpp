#ifndef ZEROCOPY_HTTP_RANGE_BODY_HPP
#define ZEROCOPY_HTTP_RANGE_BODY_HPP

#include <zerocopy/http/multipart.hpp>
#include <zerocopy/http/range.hpp>
#include <zerocopy/http/unique_file.hpp>

#include <zerocopy/inspected_file.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional/optional.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace zerocopy::http {

namespace detail {
// Reads at `offset` (pread; ReadFile at an OVERLAPPED offset on Windows) until `size` bytes or end of
// file; EOF before any byte gives zerocopy::error::unexpected_eof.
std::size_t read_file_at(native_file_handle file, void* data, std::size_t size, std::uint64_t offset,
                         boost::system::error_code& ec) noexcept;
}  // namespace detail

/** A Beast Body that sends parts of a file: the whole file, one byte range, or several ranges laid
    out as multipart/byteranges (boundaries and part headers are small memory buffers between the
    file ranges). It can also carry a short body held in memory (error pages) or nothing at all
    (HEAD, 304).

    It is a valid Beast Body with a writer, so `beast::http::write` and `beast::http::async_write`
    serialize it (reading the file through a 16 KiB buffer); `zerocopy::http::write` and
    `zerocopy::http::async_write` send the file ranges with `zerocopy::sendfile` instead. It has no
    reader: it cannot be used to receive messages.
*/
struct range_body {
    class value_type;
    class writer;

    /// The number of bytes the body produces (what prepare_payload() puts in Content-Length).
    static std::uint64_t size(value_type const& body) noexcept;
};

/// The body of a message using @ref range_body. Move-only; owns its file (descriptor or HANDLE).
class range_body::value_type {
public:
    value_type() = default;
    value_type(value_type&&) noexcept = default;
    value_type& operator=(value_type&&) noexcept = default;

    /// Opens `path` (UTF-8 on Windows) read-only; the body becomes the whole file. On error the body is
    /// left empty.
    void open(char const* path, boost::system::error_code& ec);

    /// Takes ownership of `file` (open for reading) of `file_size` bytes; the body becomes the whole file.
    void reset(unique_file file, std::uint64_t file_size);

    /** Issue 13: takes ownership of `file`, which `info` describes (precondition:
        `info.handle() == file.get()`); the body becomes the whole file, and the writers hand `info`
        to the transfer, which then does not check the file again.
    */
    void reset(unique_file file, inspected_file const& info);

    /** Issue 13: shares `file` (an open-file cache's descriptor, see @ref file_cache_options), which
        `info` describes; the descriptor stays open while this body (or any other sharer) holds it.
    */
    void reset(std::shared_ptr<unique_file const> file, inspected_file const& info);

    /// The body becomes one byte range of the file (precondition: inside the file).
    void select(byte_range const& range);

    /// The body becomes a multipart/byteranges layout over the file (see @ref make_multipart_layout).
    void select(multipart_layout layout);

    /// The body becomes `text`, held in memory; an open file stays open but is not sent.
    void assign_text(std::string text);

    /// The body produces no bytes (HEAD, 304); the file, if any, stays open.
    void clear_content() noexcept;

    /// Bytes the body produces.
    std::uint64_t size() const noexcept { return size_; }

    /// The file's descriptor or HANDLE; -1 (INVALID_HANDLE_VALUE) when there is none.
    native_file_handle native_handle() const noexcept { return shared_ ? shared_->get() : file_.get(); }

    bool is_open() const noexcept { return shared_ ? shared_->is_open() : file_.is_open(); }

    /// Issue 13: the inspection the file came with (the reset overloads taking an inspected_file).
    std::optional<inspected_file> inspection() const noexcept {
        if (!inspected_) return std::nullopt;
        return zerocopy::detail::inspected_file_access::make(native_handle(), file_size_);
    }

    /// The size of the whole file given to open() or reset().
    std::uint64_t file_size() const noexcept { return file_size_; }

    /// Whether the body is a multipart/byteranges layout.
    bool is_multipart() const noexcept { return !boundary_.empty(); }

    /// The multipart boundary, empty unless is_multipart().
    std::string const& boundary() const noexcept { return boundary_; }

    /// What the body sends, in order: each piece's prefix (memory), then its file range.
    std::vector<body_piece> const& pieces() const noexcept { return pieces_; }

private:
    void set_pieces(std::vector<body_piece> pieces);

    unique_file file_;
    std::shared_ptr<unique_file const> shared_;  // issue 13: a cached descriptor, instead of file_
    bool inspected_ = false;                     // issue 13: file_size_ comes from an inspection
    std::uint64_t file_size_ = 0;
    std::vector<body_piece> pieces_;
    std::string boundary_;
    std::uint64_t size_ = 0;
};

inline std::uint64_t range_body::size(value_type const& body) noexcept {
    return body.size();
}

/// The BodyWriter of @ref range_body: reads file ranges at explicit offsets (the file position is never
/// used).
class range_body::writer {
public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(boost::beast::http::header<isRequest, Fields> const&, value_type const& body) : body_(body) {}

    void init(boost::system::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::system::error_code& ec) {
        auto const& pieces = body_.pieces();
        while (piece_ < pieces.size()) {
            body_piece const& p = pieces[piece_];
            if (!prefix_done_) {
                prefix_done_ = true;
                if (!p.prefix.empty())
                    return std::make_pair(const_buffers_type(p.prefix.data(), p.prefix.size()), true);
            }
            if (done_ < p.length) {
                std::uint64_t const left = p.length - done_;
                std::size_t const want = left < sizeof buf_ ? static_cast<std::size_t>(left) : sizeof buf_;
                std::size_t const n =
                    detail::read_file_at(body_.native_handle(), buf_, want, p.offset + done_, ec);
                if (ec) return boost::none;
                done_ += n;
                return std::make_pair(boost::asio::const_buffer(buf_, n), true);
            }
            ++piece_;
            prefix_done_ = false;
            done_ = 0;
        }
        ec = {};
        return boost::none;
    }

private:
    value_type const& body_;
    std::size_t piece_ = 0;
    bool prefix_done_ = false;
    std::uint64_t done_ = 0;
    char buf_[16384];
};

}  // namespace zerocopy::http

#endif
