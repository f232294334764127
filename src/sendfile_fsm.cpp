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
#include <utility>

namespace zerocopy {
namespace detail {

namespace errc = boost::system::errc;
using boost::asio::cancellation_type;

namespace {
bool would_block(boost::system::error_code const& ec) noexcept {
    return ec == errc::operation_would_block || ec == errc::resource_unavailable_try_again;
}

// The actions a driver that cannot wait may perform (sendfile_fsm::never_wait): non-blocking calls.
bool never_waits(fsm_action::kind_t k) noexcept {
    return k == fsm_action::read_nowait || k == fsm_action::send_small || k == fsm_action::send_head ||
           k == fsm_action::try_write || k == fsm_action::narrow_cancellation || k == fsm_action::done;
}

std::size_t clamp_size(std::uint64_t remaining, std::size_t limit) noexcept {
    return static_cast<std::size_t>(std::min<std::uint64_t>(remaining, limit));
}
}  // namespace

sendfile_fsm::sendfile_fsm(std::uint64_t offset, std::uint64_t count, sendfile_options const& options,
                           stream_kind kind, platform_caps caps, std::size_t head_size) noexcept
    : offset_(offset),
      count_(count),
      head_size_(head_size),
      max_chunk_(options.max_chunk ? options.max_chunk : sendfile_options{}.max_chunk),
      buffer_size_(options.buffer_size ? options.buffer_size : sendfile_options{}.buffer_size),
      mode_(options.mode),
      kind_(kind),
      caps_(caps),
      small_threshold_(options.small_body_threshold),
      sigpipe_ignored_(options.sigpipe_ignored),
      turn_time_(options.max_turn_time),
      probe_(options.off_loop_reads && caps.probe && options.mode == send_mode::automatic) {}

bool sendfile_fsm::is_native_refusal(boost::system::error_code const& ec) noexcept {
    // What Linux answers when it cannot splice this file to this descriptor: EINVAL (no
    // splice_read, e.g. some FUSE or network filesystems), ENOSYS/EPERM (seccomp filters),
    // EOPNOTSUPP/ENOTSUP, EXDEV. Nothing was sent by the refused call.
    return ec == errc::invalid_argument || ec == errc::function_not_supported ||
           ec == errc::operation_not_supported || ec == errc::not_supported ||
           ec == errc::cross_device_link || ec == errc::operation_not_permitted;
}

fsm_action sendfile_fsm::resume(fsm_event const& ev) {
    BOOST_ASSERT_MSG(last_.kind_ != fsm_action::done, "sendfile_fsm: resumed after done");
    BOOST_ASSERT_MSG(ev.answers == last_.kind_, "sendfile_fsm: the event does not answer the last action");
    prev_now_ = std::exchange(now_, ev.now);
    // Issue 14: a probe's answer holds for its turn only; a new turn probes again.
    if (ev.answers == fsm_action::yield || ev.answers == fsm_action::wait_writable ||
        ev.answers == fsm_action::write_some)
        resident_end_ = 0;
    fsm_action next;
    switch (last_.kind_) {
        case fsm_action::inspect:
            next = on_inspect(ev);
            break;
        case fsm_action::send_head:
            head_sent_ += static_cast<std::size_t>(ev.bytes);
            // A full socket leaves the rest to write_head (issue() sees head_tried_).
            next = ev.ec && !would_block(ev.ec) ? finish(ev.ec) : deferred_;
            break;
        case fsm_action::write_head:
            head_sent_ += static_cast<std::size_t>(ev.bytes);
            next = ev.ec ? finish(ev.ec) : deferred_;
            break;
        case fsm_action::narrow_cancellation:
            next = deferred_;
            break;
        case fsm_action::send_native:
            next = on_native(ev);
            break;
        case fsm_action::wait_writable:
            if (ev.ec) {
                next = finish(ev.ec);
            } else {
                turn_ = 0;  // having waited, this is a new turn
                next = small_ ? next_send_small() : native_ ? next_send() : next_try_write();
            }
            break;
        case fsm_action::yield:
            next = native_ ? next_send() : next_read();
            break;
        case fsm_action::read:
            next = last_.flag_ && ev.ec ? on_nowait_read_failed(ev) : on_read(ev);
            break;
        case fsm_action::write:
        case fsm_action::write_some:
            next = on_write(ev);
            break;
        case fsm_action::try_write:
            next = on_try_write(ev);
            break;
        case fsm_action::done:
            return last_;
        case fsm_action::read_nowait:
            next = on_read_nowait(ev);
            break;
        case fsm_action::send_small:
            next = on_send_small(ev);
            break;
        case fsm_action::probe:
            next = on_probe(ev);
            break;
        case fsm_action::read_off_loop:
            next = on_read_off_loop(ev);
            break;
    }
    if (turn_ == 0) turn_start_ = ev.now;  // nothing sent in this turn yet: it starts here
    // never_wait(): a step that would wait ends the transfer here, before its head is sent; so
    // does a head or narrowing put in front of an allowed step that could not leave at once.
    if (never_wait_ && !never_waits(next.kind_)) next = finish(boost::asio::error::would_block);
    fsm_action const a = issue(next, ev.cancelled);
    if (never_wait_ && !never_waits(a.kind_)) return last_ = finish(boost::asio::error::would_block);
    return a;
}

// Puts what the transfer needs before `next` in front of it: the end on cancellation, the
// narrowing of cancellation once bytes are out, the head before the file's first byte.
fsm_action sendfile_fsm::issue(fsm_action next, boost::asio::cancellation_type_t cancelled) noexcept {
    if (next.kind_ != fsm_action::done) {
        // Total cancellation only while nothing was sent: bytes on the wire are a side effect. This
        // also covers bytes counted by this very event (a TransmitFile that sent some, then saw a
        // `total` request, which its cancellation handler ignored).
        auto const honoured =
            bytes_transferred() == 0
                ? cancellation_type::terminal | cancellation_type::partial | cancellation_type::total
                : cancellation_type::terminal | cancellation_type::partial;
        if ((cancelled & honoured) != cancellation_type::none)
            next = finish(boost::asio::error::operation_aborted);
    }
    // A failed transfer never sends its head; a successful one (an empty range) still does.
    if (next.kind_ == fsm_action::done && (next.ec_ || head_rest() == 0)) return last_ = next;
    if (!narrowed_ && bytes_transferred() != 0) {
        narrowed_ = true;
        deferred_ = next;
        return last_ = fsm_action(fsm_action::narrow_cancellation);
    }
    // The small-body path sends the head itself, with the body (send_small).
    if (head_rest() != 0 && !small_ && next.kind_ != fsm_action::read_nowait) {
        if (next.kind_ == fsm_action::send_native && caps_.native_head) {
            // The head goes first in the same native call.
            next.head_offset_ = head_sent_;
            next.head_size_ = head_rest();
            return last_ = next;
        }
        deferred_ = next;
        fsm_action h(fsm_action::write_head);
        h.head_offset_ = head_sent_;
        h.size_ = head_rest();
        if (!head_tried_ && caps_.send_more &&
            (kind_ == stream_kind::socket || kind_ == stream_kind::timed_socket)) {
            // What fits at once, with MSG_MORE when the file's bytes follow at once (an empty range
            // sends the head alone: it must not wait for more). No TCP_CORK and its three syscalls.
            head_tried_ = true;
            h.kind_ = fsm_action::send_head;
            h.flag_ = next.kind_ == fsm_action::send_native || next.kind_ == fsm_action::read ||
                      next.kind_ == fsm_action::probe;  // issue 14: a probe comes before the send
        }
        return last_ = h;
    }
    return last_ = next;
}

fsm_action sendfile_fsm::on_inspect(fsm_event const& ev) noexcept {
    if (ev.ec) return finish(ev.ec);
    std::uint64_t const file_size = ev.bytes;
    if (count_ == to_end) {
        if (offset_ > file_size) return finish(error::unexpected_eof);
        end_ = file_size;
    } else {
        end_ = count_ > std::numeric_limits<std::uint64_t>::max() - offset_
                   ? std::numeric_limits<std::uint64_t>::max()
                   : offset_ + count_;
        // The size taken now is the truth for the whole transfer: a range that already ends
        // past the end of the file fails before any byte (and its head) is sent.
        if (end_ > file_size) return finish(error::unexpected_eof);
    }
    if (remaining() == 0) return finish({});

    bool const native_capable = caps_.native && kind_ != stream_kind::generic;
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
    if (takes_small_path()) return next_read_nowait();
    return native_ ? next_send() : next_read();
}

fsm_action sendfile_fsm::next_send() noexcept {
    if (probe_ && offset_ + sent_ >= resident_end_) return next_probe();
    fsm_action a(fsm_action::send_native);
    a.offset_ = offset_ + sent_;
    a.size_ = clamp_size(remaining(), turn_bytes_left());
    if (probe_) a.size_ = clamp_size(resident_end_ - a.offset_, a.size_);  // the resident part only
    a.flag_ = mode_ == send_mode::automatic;
    a.sigpipe_ignored_ = sigpipe_ignored_;
    return a;
}

fsm_action sendfile_fsm::next_read() noexcept {
    fsm_action a(fsm_action::read);
    a.offset_ = offset_ + sent_;
    a.size_ = clamp_size(remaining(), buffer_size_);
    a.flag_ = probe_ && !std::exchange(fresh_, false);  // RWF_NOWAIT unless just read off-loop
    return a;
}

fsm_action sendfile_fsm::next_try_write() noexcept {
    fsm_action a(fsm_action::try_write);
    a.head_offset_ = buffer_pos_;
    a.size_ = buffered_ - buffer_pos_;
    a.sigpipe_ignored_ = sigpipe_ignored_;
    return a;
}

fsm_action sendfile_fsm::after_progress(std::size_t n) noexcept {
    if (remaining() == 0) return finish({});
    turn_ += n;
    if (turn_ >= max_chunk_ || turn_time_is_up()) {
        // Fairness: this operation had its turn; let the executor run other work first.
        turn_ = 0;
        return fsm_action(fsm_action::yield);
    }
    return native_ ? next_send() : next_read();
}

fsm_action sendfile_fsm::finish(boost::system::error_code ec) noexcept {
    fsm_action a(fsm_action::done);
    a.ec_ = ec;
    return a;
}

fsm_action sendfile_fsm::fall_back() noexcept {
    // The refused call sent nothing, so the buffered path continues from exactly where the
    // native one stopped.
    native_ = false;
    turn_ = 0;
    return next_read();
}

fsm_action sendfile_fsm::on_native(fsm_event const& ev) {
    if (ev.busy) {
        // No slot for the primitive (Windows' client editions): a refusal, nothing sent.
        BOOST_ASSERT_MSG(last_.flag_, "sendfile_fsm: busy reported for a send that may not refuse");
        return fall_back();
    }
    std::size_t n = static_cast<std::size_t>(ev.bytes);
    if (last_.head_size_ != 0) {
        // The head went first in this call: its bytes are not the file's.
        std::size_t const h = std::min(n, last_.head_size_);
        head_sent_ += h;
        n -= h;
        // Part of the head only: the stream failed; nothing of the file was sent. Nothing at all
        // (a refusal, an error): the head stays first in line.
        if (h != 0 && h != last_.head_size_)
            return finish(ev.ec ? ev.ec : boost::system::error_code(boost::asio::error::connection_aborted));
    }
    if (n > 0) {
        sent_ += n;
        measure(ev, n);
        if (!ev.ec) return after_progress(n);
        // A count and an error (an overlapped TransmitFile): the bytes count, then the error is
        // handled as the next attempt's, as sendfile(2) would report it.
        if (remaining() == 0) return finish({});
        turn_ += n;
    }
    return on_native_error(ev.ec);
}

fsm_action sendfile_fsm::on_native_error(boost::system::error_code const& ec) noexcept {
    if (!ec) return finish(error::unexpected_eof);  // 0 bytes: the file ends here (truncated)
    if (would_block(ec)) {
        if (kind_ == stream_kind::timed_socket) {
            // Wait through the stream's own write of the next piece, so its timer applies.
            piece_ = true;
            return next_read();
        }
        return fsm_action(fsm_action::wait_writable);
    }
    if (mode_ == send_mode::automatic && is_native_refusal(ec)) return fall_back();
    return finish(ec);
}

fsm_action sendfile_fsm::on_read(fsm_event const& ev) noexcept {
    bool const piece = std::exchange(piece_, false);
    if (ev.ec) return finish(ev.ec);
    if (ev.bytes == 0) return finish(error::unexpected_eof);
    std::size_t const n = static_cast<std::size_t>(ev.bytes);
    if (piece) {
        fsm_action a(fsm_action::write_some);
        a.size_ = n;
        return a;
    }
    if (kind_ == stream_kind::descriptor) {
        buffered_ = n;
        buffer_pos_ = 0;
        return next_try_write();
    }
    fsm_action a(fsm_action::write);
    a.size_ = n;
    return a;
}

fsm_action sendfile_fsm::on_write(fsm_event const& ev) noexcept {
    std::size_t const n = static_cast<std::size_t>(ev.bytes);
    sent_ += n;
    if (ev.ec) return finish(ev.ec);
    if (last_.kind_ == fsm_action::write_some) {
        // The piece waited for writability: a new turn, back to zero-copy for the rest.
        if (remaining() == 0) return finish({});
        turn_ = 0;
        return next_send();
    }
    return after_progress(n);
}

fsm_action sendfile_fsm::on_try_write(fsm_event const& ev) noexcept {
    std::size_t const n = static_cast<std::size_t>(ev.bytes);
    if (n > 0) {
        sent_ += n;
        buffer_pos_ += n;
        if (buffer_pos_ < buffered_) {
            turn_ += n;
            return next_try_write();
        }
        return after_progress(n);
    }
    if (!ev.ec || would_block(ev.ec)) return fsm_action(fsm_action::wait_writable);
    return finish(ev.ec);
}

// --- Issue 13: the small-body path -------------------------------------------------------------
//
// A short range behind a head, to a socket: one non-blocking read of the whole range into the
// buffer, then head and buffer in one send. A read that would wait for the disk, or that the
// platform refuses, leaves the transfer on the ordinary path, with nothing sent.

bool sendfile_fsm::takes_small_path() const noexcept {
    return small_threshold_ != 0 && caps_.small_send && kind_ == stream_kind::socket &&
           mode_ != send_mode::native && head_rest() != 0 && sent_ == 0 &&
           remaining() <= std::min(small_threshold_, buffer_size_);
}

fsm_action sendfile_fsm::next_read_nowait() noexcept {
    fsm_action a(fsm_action::read_nowait);
    a.offset_ = offset_ + sent_;
    a.size_ = clamp_size(remaining(), buffer_size_);
    return a;
}

fsm_action sendfile_fsm::next_send_small() noexcept {
    fsm_action a(fsm_action::send_small);
    a.head_offset_ = head_sent_;
    a.head_size_ = head_rest();
    a.buffer_offset_ = buffer_pos_;
    a.size_ = buffered_ - buffer_pos_;
    return a;
}

fsm_action sendfile_fsm::on_read_nowait(fsm_event const& ev) noexcept {
    // Not in the page cache (would_block), or no RWF_NOWAIT here (EOPNOTSUPP, ENOSYS, EINVAL), or
    // any other failure: the ordinary path reads (or sends) itself and reports its own error.
    if (ev.ec) return native_ ? next_send() : next_read();
    if (ev.bytes == 0) return finish(error::unexpected_eof);  // truncated since the inspection
    // A short read (part of the range cached) sends what it has; the rest takes the ordinary path.
    small_ = true;
    buffered_ = static_cast<std::size_t>(ev.bytes);
    buffer_pos_ = 0;
    return next_send_small();
}

fsm_action sendfile_fsm::on_send_small(fsm_event const& ev) noexcept {
    std::size_t n = static_cast<std::size_t>(ev.bytes);
    std::size_t const h = std::min(n, head_rest());
    head_sent_ += h;
    n -= h;
    sent_ += n;
    buffer_pos_ += n;
    if (ev.ec && !would_block(ev.ec)) {
        small_ = false;
        return finish(ev.ec);
    }
    // Part of it out (or nothing): the socket is full, sending again now would only fail.
    if (head_rest() != 0 || buffer_pos_ < buffered_) return fsm_action(fsm_action::wait_writable);
    small_ = false;
    if (remaining() == 0) return finish({});
    turn_ = 0;
    return native_ ? next_send() : next_read();
}

// ---------------------------------------------------------------------------------------------
// Issue 14: the turn's time rule, and the cold page cache.

namespace {
// Below this a native call costs more in syscalls than it gains in fairness.
constexpr std::size_t min_timed_call = 64 * 1024;
// The rate assumed before the first call of a transfer was measured (bytes per ns: 4 GB/s, about
// loopback's sendfile speed on the machines measured in docs/benchmarks.md).
constexpr double initial_rate = 4.0;
using clock_type = std::chrono::steady_clock;
}  // namespace

// Bytes the next call of this turn may ask for: what `max_chunk` leaves, and, with the time rule,
// what the measured rate moves in the turn's remaining time (at least min_timed_call).
std::size_t sendfile_fsm::turn_bytes_left() const noexcept {
    std::size_t const by_bytes = max_chunk_ - turn_;
    if (turn_time_.count() <= 0 || now_ == clock_type::time_point{}) return by_bytes;
    // Nothing sent in this turn yet: it starts with this event (resume() records it afterwards).
    auto const elapsed = turn_ == 0 ? clock_type::duration::zero() : now_ - turn_start_;
    auto const left = turn_time_ - elapsed;
    double const rate = rate_ > 0 ? rate_ : initial_rate;
    auto const left_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    double const bytes = left_ns > 0 ? rate * static_cast<double>(left_ns) : 0.0;
    std::size_t const by_time = bytes >= static_cast<double>(by_bytes)
                                    ? by_bytes
                                    : std::max(min_timed_call, static_cast<std::size_t>(bytes));
    return std::min(by_bytes, by_time);
}

bool sendfile_fsm::turn_time_is_up() const noexcept {
    return turn_time_.count() > 0 && now_ != clock_type::time_point{} && now_ - turn_start_ >= turn_time_;
}

// The rate of the native call just answered: its bytes over the time between the event that asked
// for it and the event that answers it.
void sendfile_fsm::measure(fsm_event const& ev, std::size_t n) noexcept {
    if (prev_now_ == clock_type::time_point{}) return;
    auto const dt = ev.now - prev_now_;
    if (dt.count() > 0)
        rate_ = static_cast<double>(n) / static_cast<double>(std::chrono::nanoseconds(dt).count());
}

// What the filesystem or kernel answers when it cannot tell residency (no RWF_NOWAIT support, no
// preadv2): the transfer goes on without probing, as before.
bool sendfile_fsm::is_probe_refusal(boost::system::error_code const& ec) noexcept {
    return ec == errc::operation_not_supported || ec == errc::not_supported || ec == errc::invalid_argument ||
           ec == errc::function_not_supported;
}

fsm_action sendfile_fsm::next_probe() noexcept {
    fsm_action a(fsm_action::probe);
    a.offset_ = offset_ + sent_;
    a.size_ = clamp_size(remaining(), turn_bytes_left());
    return a;
}

fsm_action sendfile_fsm::next_read_off_loop() noexcept {
    // A whole turn's worth (at least a buffer), so that the next steps find it resident.
    fsm_action a(fsm_action::read_off_loop);
    a.offset_ = offset_ + sent_;
    a.size_ = clamp_size(remaining(), std::max(max_chunk_, buffer_size_));
    // The next range is read ahead meanwhile: a cold file is read once, in order, and the disk
    // works while the loop sends (without it, reading and sending take turns).
    a.ahead_ = std::min<std::uint64_t>(remaining() - a.size_, a.size_);
    return a;
}

fsm_action sendfile_fsm::on_probe(fsm_event const& ev) noexcept {
    bool const fresh = std::exchange(fresh_, false);
    if (ev.ec) {
        if (!is_probe_refusal(ev.ec)) return finish(ev.ec);
        probe_ = false;  // this file cannot be probed: send as before
        return next_send();
    }
    std::uint64_t const pos = offset_ + sent_;
    std::uint64_t resident = std::min<std::uint64_t>(ev.bytes, last_.size_);
    if (resident == 0) {
        // Just brought in and already evicted again (a working set larger than memory): send it
        // anyway, which may wait for the disk once, rather than read it again for ever.
        if (!fresh) return next_read_off_loop();
        resident = last_.size_;
    }
    resident_end_ = pos + resident;
    return next_send();
}

fsm_action sendfile_fsm::on_read_off_loop(fsm_event const& ev) noexcept {
    turn_ = 0;  // the loop ran other work meanwhile: a new turn
    resident_end_ = 0;
    if (ev.ec) return finish(ev.ec);
    if (ev.bytes == 0) return finish(error::unexpected_eof);  // the file ends here (truncated)
    fresh_ = true;
    return native_ ? next_send() : next_read();
}

fsm_action sendfile_fsm::on_nowait_read_failed(fsm_event const& ev) noexcept {
    if (would_block(ev.ec)) return next_read_off_loop();  // not in the page cache
    if (is_probe_refusal(ev.ec)) {
        probe_ = false;
        return next_read();
    }
    return on_read(ev);
}

}  // namespace detail
}  // namespace zerocopy
