//
// zerocopy/detail/sendfile_io.hpp — the synchronous steps both drivers share.
//
// The asynchronous operation and the blocking twin perform the same non-blocking steps (try a
// native send, send what fits of the head, read a chunk, try a guarded write); only their waits
// and whole writes differ. (Windows: the native send is overlapped and the async driver starts it;
// the head and guarded-write steps are never asked for there, platform_caps says so.)
//
#ifndef ZEROCOPY_DETAIL_SENDFILE_IO_HPP
#define ZEROCOPY_DETAIL_SENDFILE_IO_HPP

#include <zerocopy/detail/platform.hpp>
#include <zerocopy/detail/sendfile_fsm.hpp>
#include <zerocopy/detail/stream_traits.hpp>

#include <boost/asio/error.hpp>
#include <boost/assert.hpp>

namespace zerocopy {
namespace detail {

template <class Stream>
class sendfile_io {
public:
    using traits = stream_traits<Stream>;

    sendfile_io(Stream& stream, native_file_handle file) noexcept : stream_(stream), file_(file) {}

    Stream& stream() const noexcept { return stream_; }

    /// Whether `a` is one non-blocking step that both drivers perform in place (perform()).
    static bool is_synchronous(fsm_action const& a) noexcept {
        switch (a.kind()) {
            case fsm_action::send_native:
                return !native_send_is_overlapped;
            case fsm_action::read:
            case fsm_action::try_write:
            case fsm_action::send_head:
            case fsm_action::read_nowait:  // issue 13
            case fsm_action::send_small:   // issue 13
                return true;
            case fsm_action::probe:  // issue 14
                return has_residency_probe;
            default:
                return false;
        }
    }

    /// Performs the synchronous step `a` (is_synchronous(a)) and returns its result for
    /// sendfile_fsm::resume. `buffer` is the operation's buffer (read, try_write), `head` the
    /// head's first byte (send_head, send_native).
    fsm_event perform(fsm_action const& a, unsigned char* buffer, unsigned char const* head) {
        io_result r;
        switch (a.kind()) {
            case fsm_action::send_native:
#if !defined(_WIN32)
                if (a.sigpipe_ignored()) {  // issue 13: no guard needed
                    if (prepare_handle(r.ec))
                        r = native_send_unguarded(handle(), file_, a.offset(), a.size());
                    break;
                }
#endif
                if (prepare_handle(r.ec))
                    r = native_send(handle(), file_, a.offset(), a.size(), head + a.head_offset(),
                                    a.head_size());
                break;
            case fsm_action::read:
                BOOST_ASSERT(buffer != nullptr);
#if !defined(_WIN32)
                if (a.nowait()) {  // issue 14: never wait for the disk on the loop
                    r = read_at_nowait(file_, a.offset(), buffer, a.size());
                    break;
                }
#endif
                r = read_at(file_, a.offset(), buffer, a.size());
                break;
#if !defined(_WIN32)
            case fsm_action::probe:  // issue 14
                r = probe_resident(file_, a.offset(), a.size(), probe_method_);
                break;
            case fsm_action::try_write:
                if (prepare_handle(r.ec))
                    r = a.sigpipe_ignored()
                            ? write_some_unguarded(handle(), buffer + a.buffer_offset(), a.size())
                            : write_some_nosignal(handle(), buffer + a.buffer_offset(), a.size());
                break;
            case fsm_action::read_nowait:  // issue 13
                BOOST_ASSERT(buffer != nullptr);
                r = read_at_nowait(file_, a.offset(), buffer, a.size());
                break;
            case fsm_action::send_small:  // issue 13
                if (prepare_handle(r.ec))
                    r = send_with_head_nosignal(handle(), head + a.head_offset(), a.head_size(),
                                                buffer + a.buffer_offset(), a.size());
                break;
            case fsm_action::send_head:
                if (prepare_handle(r.ec))
                    r = send_nosignal(handle(), head + a.head_offset(), a.size(), a.more());
                break;
#endif
            default:
                BOOST_ASSERT_MSG(false, "sendfile_io::perform: not a synchronous step on this platform");
                break;
        }
        return fsm_event(a.kind(), r.ec, r.bytes);
    }

    /// The native handle to write to, read anew at every step so that a closed stream never
    /// makes us write to a descriptor number that may since have been reused.
    native_stream_handle handle() const {
        if constexpr (traits::kind == stream_kind::generic) {
            BOOST_ASSERT_MSG(false, "generic streams have no native handle");
            return native_stream_handle();
        } else {
            return static_cast<native_stream_handle>(traits::lowest(stream_).native_handle());
        }
    }

    // Checks the stream is open, and puts its descriptor in non-blocking mode once per
    // operation, as Asio's own asynchronous operations do (native_non_blocking: Asio's internal
    // flag; the user's synchronous operations keep blocking). Skipped when Asio already set it (any
    // earlier asynchronous operation on the stream did): one ioctl fewer. False with `ec` set if
    // the stream is closed. (Windows: TransmitFile is overlapped, the mode is left as it is.)
    bool prepare_handle(boost::system::error_code& ec) {
        if constexpr (traits::kind == stream_kind::generic) {
            ec = boost::asio::error::operation_not_supported;
            return false;
        } else {
            auto& s = traits::lowest(stream_);
            if (!s.is_open()) {
                ec = boost::asio::error::bad_descriptor;
                return false;
            }
#if !defined(_WIN32)
            if (!non_blocking_) {
                if (!s.native_non_blocking()) {
                    s.native_non_blocking(true, ec);
                    if (ec) return false;
                }
                non_blocking_ = true;
            }
#endif
            return true;
        }
    }

private:
    Stream& stream_;
    native_file_handle file_;
    bool non_blocking_ = false;
#if !defined(_WIN32)
    probe_method probe_method_ = probe_method::untried;  // issue 14: cachestat until it refuses
#endif
};

}  // namespace detail
}  // namespace zerocopy

#endif
