//
// The decisions of a transfer (see zerocopy/detail/sendfile_fsm.hpp and docs/design.md).
//
#include <zerocopy/detail/sendfile_fsm.hpp>
#include <zerocopy/error.hpp>
#include <zerocopy/file.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/errc.hpp>

#include <algorithm>
#include <limits>

namespace zerocopy {
namespace detail {

namespace errc = boost::system::errc;

namespace {
bool would_block(boost::system::error_code const& ec) noexcept {
    return ec == errc::operation_would_block || ec == errc::resource_unavailable_try_again;
}

std::size_t clamp_size(std::uint64_t remaining, std::size_t limit) noexcept {
    return static_cast<std::size_t>(std::min<std::uint64_t>(remaining, limit));
}
}  // namespace

sendfile_fsm::sendfile_fsm(std::uint64_t offset, std::uint64_t count, sendfile_options const& options,
                           stream_kind kind, bool platform_native) noexcept
    : offset_(offset),
      count_(count),
      max_chunk_(options.max_chunk ? options.max_chunk : sendfile_options{}.max_chunk),
      buffer_size_(options.buffer_size ? options.buffer_size : sendfile_options{}.buffer_size),
      mode_(options.mode),
      kind_(kind),
      platform_native_(platform_native) {}

bool sendfile_fsm::is_native_refusal(boost::system::error_code const& ec) noexcept {
    // What Linux answers when it cannot splice this file to this descriptor: EINVAL (no
    // splice_read, e.g. some FUSE or network filesystems), ENOSYS/EPERM (seccomp filters),
    // EOPNOTSUPP/ENOTSUP, EXDEV. Nothing was sent by the refused call.
    return ec == errc::invalid_argument || ec == errc::function_not_supported ||
           ec == errc::operation_not_supported || ec == errc::not_supported ||
           ec == errc::cross_device_link || ec == errc::operation_not_permitted;
}

fsm_action sendfile_fsm::start(boost::system::error_code inspect_ec, std::uint64_t file_size) noexcept {
    if (inspect_ec) return finish(inspect_ec);
    if (count_ == to_end) {
        if (offset_ > file_size) return finish(error::unexpected_eof);
        end_ = file_size;
    } else {
        end_ = count_ > std::numeric_limits<std::uint64_t>::max() - offset_
                   ? std::numeric_limits<std::uint64_t>::max()
                   : offset_ + count_;
        // The size taken now is the truth for the whole transfer: a range that already ends
        // past the end of the file fails before any byte is sent.
        if (end_ > file_size) return finish(error::unexpected_eof);
    }
    if (remaining() == 0) return finish({});

    bool const native_capable = platform_native_ && kind_ != stream_kind::generic;
    switch (mode_) {
        case send_mode::buffered:
            native_ = false;
            break;
        case send_mode::native:
            if (!native_capable) return finish(error::native_unavailable);
            native_ = true;
            break;
        case send_mode::automatic:
            native_ = native_capable;
            break;
    }
    return native_ ? next_send() : next_read();
}

fsm_action sendfile_fsm::next_send() noexcept {
    state_ = state::native;
    fsm_action a;
    a.kind = fsm_action::send_native;
    a.offset = offset_ + sent_;
    a.size = clamp_size(remaining(), max_chunk_ - turn_);
    return a;
}

fsm_action sendfile_fsm::next_read() noexcept {
    state_ = state::buffer_read;
    fsm_action a;
    a.kind = fsm_action::read;
    a.offset = offset_ + sent_;
    a.size = clamp_size(remaining(), buffer_size_);
    return a;
}

fsm_action sendfile_fsm::next_try_write() noexcept {
    state_ = state::buffer_write;
    fsm_action a;
    a.kind = fsm_action::try_write;
    a.buffer_offset = buffer_pos_;
    a.size = buffered_ - buffer_pos_;
    return a;
}

fsm_action sendfile_fsm::after_progress(std::size_t n) noexcept {
    if (remaining() == 0) return finish({});
    turn_ += n;
    if (turn_ >= max_chunk_) {
        // Fairness: this operation had its turn; let the executor run other work first.
        turn_ = 0;
        fsm_action a;
        a.kind = fsm_action::yield;
        return a;
    }
    return native_ ? next_send() : next_read();
}

fsm_action sendfile_fsm::finish(boost::system::error_code ec) noexcept {
    state_ = state::done;
    fsm_action a;
    a.kind = fsm_action::done;
    a.ec = ec;
    return a;
}

fsm_action sendfile_fsm::on_native(boost::system::error_code ec, std::size_t n) noexcept {
    if (n > 0) {
        sent_ += n;
        return after_progress(n);
    }
    if (!ec) return finish(error::unexpected_eof);  // 0 bytes: the file ends here (truncated)
    if (would_block(ec)) {
        fsm_action a;
        if (kind_ == stream_kind::timed_socket) {
            // Wait through the stream's own write of the next piece, so its timer applies.
            state_ = state::piece_read;
            a.kind = fsm_action::read;
            a.offset = offset_ + sent_;
            a.size = clamp_size(remaining(), buffer_size_);
            return a;
        }
        state_ = state::waiting;
        a.kind = fsm_action::wait_writable;
        return a;
    }
    if (mode_ == send_mode::automatic && is_native_refusal(ec)) {
        // The kernel refused this file; the refused call sent nothing, so the buffered path
        // continues from exactly where the native one stopped.
        native_ = false;
        turn_ = 0;
        return next_read();
    }
    return finish(ec);
}

fsm_action sendfile_fsm::on_wait(boost::system::error_code ec) noexcept {
    if (ec) return finish(ec);
    turn_ = 0;  // having waited, this is a new turn
    return native_ ? next_send() : next_try_write();
}

fsm_action sendfile_fsm::on_yield() noexcept {
    return native_ ? next_send() : next_read();
}

fsm_action sendfile_fsm::on_read(boost::system::error_code ec, std::size_t n) noexcept {
    if (ec) return finish(ec);
    if (n == 0) return finish(error::unexpected_eof);
    fsm_action a;
    a.size = n;
    if (state_ == state::piece_read) {
        state_ = state::piece_write;
        a.kind = fsm_action::write_some;
        return a;
    }
    if (kind_ == stream_kind::descriptor) {
        buffered_ = n;
        buffer_pos_ = 0;
        return next_try_write();
    }
    state_ = state::buffer_write;
    a.kind = fsm_action::write;
    return a;
}

fsm_action sendfile_fsm::on_write(boost::system::error_code ec, std::size_t n) noexcept {
    sent_ += n;
    if (state_ == state::piece_write) {
        if (ec) return finish(ec);
        if (remaining() == 0) return finish({});
        turn_ = 0;  // the piece waited for writability: a new turn, back to zero-copy
        return next_send();
    }
    if (ec) return finish(ec);
    return after_progress(n);
}

fsm_action sendfile_fsm::on_try_write(boost::system::error_code ec, std::size_t n) noexcept {
    if (n > 0) {
        sent_ += n;
        buffer_pos_ += n;
        if (buffer_pos_ < buffered_) {
            turn_ += n;
            return next_try_write();
        }
        return after_progress(n);
    }
    if (!ec || would_block(ec)) {
        state_ = state::waiting;
        fsm_action a;
        a.kind = fsm_action::wait_writable;
        return a;
    }
    return finish(ec);
}

fsm_action sendfile_fsm::on_cancel() noexcept {
    return finish(boost::asio::error::operation_aborted);
}

}  // namespace detail
}  // namespace zerocopy
