//
// zerocopy/impl/async_sendfile.hpp — the asynchronous driver and the blocking twin.
//
// Both are thin: every decision is in detail::sendfile_fsm; the drivers only perform the
// actions it returns and report each result through sendfile_fsm::resume. Windows' overlapped
// TransmitFile is the one platform region below; the rest of Windows is in the platform seam
// (detail/platform.hpp, src/platform_win32.cpp). See docs/design.md.
//
#ifndef ZEROCOPY_IMPL_ASYNC_SENDFILE_HPP
#define ZEROCOPY_IMPL_ASYNC_SENDFILE_HPP

#include <zerocopy/detail/immediate.hpp>
#include <zerocopy/detail/off_loop_read.hpp>
#include <zerocopy/detail/sendfile_io.hpp>

#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/windows/overlapped_ptr.hpp>  // empty but on Windows
#include <boost/asio/write.hpp>

#include <zerocopy/inspected_file.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <utility>

namespace zerocopy {
namespace detail {

// The one buffer of an operation, allocated on first use through the handler's associated
// allocator and released before the handler runs (or when the operation is destroyed).
template <class Allocator>
class op_buffer {
    using alloc_type = typename std::allocator_traits<Allocator>::template rebind_alloc<unsigned char>;
    using traits = std::allocator_traits<alloc_type>;

public:
    explicit op_buffer(Allocator const& a) : alloc_(a) {}
    op_buffer(op_buffer&& other) noexcept
        : alloc_(other.alloc_), data_(std::exchange(other.data_, nullptr)), size_(other.size_) {}
    op_buffer& operator=(op_buffer&&) = delete;
    ~op_buffer() { reset(); }

    // A buffer of at least `size` bytes (the small-body path asks for less than a later read may).
    unsigned char* get(std::size_t size) {
        if (data_ && size_ < size) reset();
        if (!data_) {
            data_ = traits::allocate(alloc_, size);
            size_ = size;
        }
        return data_;
    }
    unsigned char* data() const noexcept { return data_; }
    void reset() noexcept {
        if (data_) traits::deallocate(alloc_, std::exchange(data_, nullptr), size_);
    }

private:
    alloc_type alloc_;
    unsigned char* data_ = nullptr;
    std::size_t size_ = 0;
};

// The answer to the machine's first action, inspect: the file's own check, or, for a file the
// caller inspected already (issue 13: an inspected_file's size), that inspection without a syscall.
inline fsm_event inspection_event(native_file_handle file, std::optional<std::uint64_t> inspected_size) {
    std::uint64_t size = inspected_size.value_or(0);
    boost::system::error_code const ec =
        inspected_size ? boost::system::error_code() : inspect_file(file, size);
    return fsm_event(fsm_action::inspect, ec, size);
}

#if defined(_WIN32)
// Windows: the native primitive is an overlapped TransmitFile (detail::overlapped_send in the
// platform seam), completed through the completion port with the op as handler. Per-operation
// cancellation of it is CancelIoEx on its OVERLAPPED, for terminal and partial only: a TransmitFile
// under way may have put bytes on the wire that are not counted yet.
struct overlapped_send_cancellation {
    native_stream_handle socket;
    void* overlapped;
    void operator()(boost::asio::cancellation_type_t type) const noexcept {
        if ((type & (boost::asio::cancellation_type::terminal | boost::asio::cancellation_type::partial)) !=
            boost::asio::cancellation_type::none)
            overlapped_send::cancel(socket, overlapped);
    }
};

// Starts `a` on `lowest` (the socket) with `self` as its completion handler, and returns true; or
// returns false with `ev` set to "busy" (no slot), `self` untouched. A TransmitFile that fails to
// start completes through the completion port too, never inline.
template <class Socket, class Self>
bool start_overlapped(overlapped_send& send, Socket& lowest, native_file_handle file, fsm_action const& a,
                      unsigned char const* head, Self& self, fsm_event& ev) {
    if (!send.acquire(a.may_refuse())) {
        ev = fsm_event(fsm_action::send_native);
        ev.busy = true;
        return false;
    }
    native_stream_handle const socket = static_cast<native_stream_handle>(lowest.native_handle());
    auto slot = self.get_cancellation_state().slot();
    BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::async_sendfile TransmitFile"));
    boost::asio::windows::overlapped_ptr ov(lowest.get_executor(), std::move(self));
    if (slot.is_connected())
        slot.template emplace<overlapped_send_cancellation>(overlapped_send_cancellation{socket, ov.get()});
    boost::system::error_code const ec =
        send.start(socket, file, a.offset(), a.size(), head + a.head_offset(), a.head_size(), ov.get());
    if (ec)
        ov.complete(ec, 0);
    else
        ov.release();
    return true;
}
#else
struct overlapped_send {
    boost::system::error_code complete(boost::system::error_code ec) noexcept { return ec; }
};
#endif

#if defined(_WIN32)
// Issue 14: nothing to read off the loop on Windows (TransmitFile never blocks the loop).
template <class LoopExecutor>
struct off_loop_read {};
#endif

// The asynchronous driver: performs the machine's actions, reports their results, nothing else.
template <class AsyncWriteStream, class Allocator>
class async_sendfile_op {
    using traits = stream_traits<AsyncWriteStream>;

public:
    async_sendfile_op(AsyncWriteStream& stream, native_file_handle file, std::uint64_t offset,
                      std::uint64_t count, sendfile_options const& options, Allocator const& alloc,
                      boost::asio::const_buffer head = boost::asio::const_buffer(),
                      std::optional<std::uint64_t> inspected_size = std::nullopt)
        : inspected_size_(inspected_size),
          io_(stream, file),
          fsm_(offset, count, options, traits::kind, platform_caps_of_this_build(), head.size()),
          buffer_(alloc),
          file_(file),
          head_(static_cast<unsigned char const*>(head.data())),
          disk_(fsm_.probing() ? options.disk_executor : boost::asio::any_io_executor()) {}

    // Start, and resume after a post (a fairness yield, or the deferral of an early completion).
    template <class Self>
    void operator()(Self& self) {
        if (pending_ == fsm_action::inspect) {
            // Total cancellation is honoured until the machine narrows it (bytes on the wire).
            self.reset_cancellation_state(boost::asio::enable_total_cancellation());
            return run(self, inspection_event(file_, inspected_size_));
        }
        if (pending_ == fsm_action::done) return complete(self);
        run(self, fsm_event(fsm_action::yield));
    }

    // Resume after waiting for writability.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec) {
#if !defined(_WIN32)
        if (pending_ == fsm_action::read_off_loop) return run(self, off_loop_.result());  // issue 14
#endif
        run(self, fsm_event(fsm_action::wait_writable, ec));
    }

    // Resume after a write (the head's, a chunk, a piece), or an overlapped native send.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, std::size_t n) {
        if (pending_ == fsm_action::send_native) ec = overlapped_.complete(ec);
        run(self, fsm_event(pending_, ec, n));
    }

private:
    template <class Self>
    void run(Self& self, fsm_event ev) {
        for (;;) {
            ev.cancelled = self.cancelled();
            ev.now = std::chrono::steady_clock::now();
            fsm_action const a = fsm_.resume(ev);
            pending_ = a.kind();
            if (io_.is_synchronous(a)) {
                unsigned char* const buf = a.kind() == fsm_action::read ? buffer_.get(fsm_.buffer_size())
                                           : a.kind() == fsm_action::read_nowait ? buffer_.get(a.size())
                                                                                 : buffer_.data();
                ev = io_.perform(a, buf, head_);
                continue;
            }
            switch (a.kind()) {
                case fsm_action::narrow_cancellation:
                    self.reset_cancellation_state(boost::asio::enable_partial_cancellation());
                    ev = fsm_event(fsm_action::narrow_cancellation);
                    continue;
                case fsm_action::send_native:  // overlapped (Windows)
                    if constexpr (native_send_is_overlapped && traits::kind != stream_kind::generic) {
                        if (!io_.prepare_handle(ev.ec)) {
                            ev = fsm_event(fsm_action::send_native, ev.ec);
                            continue;
                        }
                        // Set before `self` (this object with it) moves into the OVERLAPPED's handler.
                        bool const was_suspended = std::exchange(suspended_, true);
                        if (start_overlapped(overlapped_, traits::lowest(io_.stream()), file_, a, head_, self,
                                             ev))
                            return;
                        suspended_ = was_suspended;  // busy: nothing started
                        continue;
                    }
                    BOOST_ASSERT_MSG(false, "native sends are synchronous steps here");
                    return;
                case fsm_action::wait_writable:
                    if constexpr (traits::kind != stream_kind::generic) {
                        suspended_ = true;
                        BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::async_sendfile wait"));
                        return traits::lowest(io_.stream()).async_wait(traits::wait_write, std::move(self));
                    }
                    BOOST_ASSERT_MSG(false, "generic streams never wait for writability");
                    return;
                case fsm_action::yield:
                    suspended_ = true;
                    BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::async_sendfile yield"));
                    return boost::asio::post(std::move(self));
                case fsm_action::write_head:
                    suspended_ = true;
                    BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::async_sendfile head"));
                    return boost::asio::async_write(io_.stream(),
                                                    boost::asio::buffer(head_ + a.head_offset(), a.size()),
                                                    std::move(self));
                case fsm_action::write:
                    suspended_ = true;
                    BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::async_sendfile write"));
                    return boost::asio::async_write(
                        io_.stream(), boost::asio::buffer(buffer_.data(), a.size()), std::move(self));
                case fsm_action::write_some:
                    suspended_ = true;
                    BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::async_sendfile write_some"));
                    return io_.stream().async_write_some(boost::asio::buffer(buffer_.data(), a.size()),
                                                         std::move(self));
#if !defined(_WIN32)
                case fsm_action::read_off_loop: {  // issue 14: the range is not in the page cache
                    // Set before `self` (this object with it) moves into the wait.
                    bool const was_suspended = std::exchange(suspended_, true);
                    if (off_loop_.start(self, io_.stream().get_executor(), disk_, file_, a, ev)) return;
                    suspended_ = was_suspended;  // not started: ev holds why
                    continue;
                }
#endif
                default:  // done
                    result_ = a.error();
                    if (!suspended_) {
                        // Nothing asynchronous happened: never invoke the handler from inside the
                        // initiating function.
                        suspended_ = true;
                        BOOST_ASIO_HANDLER_LOCATION(
                            (__FILE__, __LINE__, "zerocopy::async_sendfile complete"));
                        return resume_immediately(self);
                    }
                    return complete(self);
            }
        }
    }

    template <class Self>
    void complete(Self& self) {
        buffer_.reset();  // memory goes back before the handler runs
        self.complete(result_, fsm_.bytes_transferred());
    }

    std::optional<std::uint64_t> inspected_size_;  // issue 13: the size of an inspected_file
    sendfile_io<AsyncWriteStream> io_;
    sendfile_fsm fsm_;
    op_buffer<Allocator> buffer_;
    native_file_handle file_;
    unsigned char const* head_;  // sent before the file's bytes (async_sendfile_with_head)
    overlapped_send overlapped_;
    boost::asio::any_io_executor disk_;  // issue 14: where off-loop reads run (empty: disk_io_service)
    off_loop_read<typename AsyncWriteStream::executor_type> off_loop_;
    boost::system::error_code result_;
    fsm_action::kind_t pending_ = fsm_action::inspect;  // the action under way
    bool suspended_ = false;
};

// The initiation exposes the stream's executor, as Asio's own initiations do, so that completion
// token adapters which need an executor before the operation starts (asio::cancel_after and
// cancel_at, Boost 1.86+) work.
template <class AsyncWriteStream>
class initiate_async_sendfile {
public:
    using executor_type = typename AsyncWriteStream::executor_type;

    explicit initiate_async_sendfile(AsyncWriteStream& stream) noexcept : stream_(stream) {}

    executor_type get_executor() const noexcept { return stream_.get_executor(); }

    template <class Handler>
    void operator()(Handler&& handler, native_file_handle file, std::uint64_t offset, std::uint64_t count,
                    sendfile_options const& options,
                    boost::asio::const_buffer head = boost::asio::const_buffer(),
                    std::optional<std::uint64_t> inspected_size = std::nullopt) const {
        using handler_type = std::decay_t<Handler>;
        using allocator_type = boost::asio::associated_allocator_t<handler_type>;
        allocator_type const alloc = boost::asio::get_associated_allocator(handler);
        boost::asio::async_compose<handler_type, void(boost::system::error_code, std::uint64_t)>(
            async_sendfile_op<AsyncWriteStream, allocator_type>(stream_, file, offset, count, options, alloc,
                                                                head, inspected_size),
            handler, stream_);
    }

private:
    AsyncWriteStream& stream_;
};

/** async_sendfile with `head` sent first, for the HTTP layer: the header of a response and
    the start of its body leave together. How the head goes is the machine's choice: on Windows,
    when the transfer takes TransmitFile, it is the call's TRANSMIT_FILE_BUFFERS head; on a POSIX
    socket a non-blocking send with MSG_MORE when the file's bytes follow at once, the rest (a full
    socket) with asio::async_write; on any other stream asio::async_write, before the file's first
    byte. `bytes_transferred` counts the head's bytes too. The head is not sent when the transfer
    fails before any byte (a bad file, a range past the end); it is sent for an empty range. The
    memory of `head` must stay valid until the handler is invoked.
*/
template <class AsyncWriteStream, class CompletionToken>
auto async_sendfile_with_head(AsyncWriteStream& stream, boost::asio::const_buffer head,
                              native_file_handle file, std::uint64_t offset, std::uint64_t count,
                              sendfile_options const& options, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::uint64_t)>(
        initiate_async_sendfile<AsyncWriteStream>(stream), token, file, offset, count, options, head);
}

/// Issue 13: as above, for a file already inspected: the operation does not check it again.
template <class AsyncWriteStream, class CompletionToken>
auto async_sendfile_with_head(AsyncWriteStream& stream, boost::asio::const_buffer head,
                              inspected_file const& file, std::uint64_t offset, std::uint64_t count,
                              sendfile_options const& options, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::uint64_t)>(
        initiate_async_sendfile<AsyncWriteStream>(stream), token, file.handle(), offset, count, options, head,
        std::optional<std::uint64_t>(file.size()));
}

/** The blocking twin of async_sendfile_with_head: the same machine, the same head rule; waits with
    poll, writes whole with asio::write. With `inspected_size` (issue 13: an inspected_file's size)
    the file is not checked again.
*/
template <class SyncWriteStream>
std::uint64_t sendfile_with_head(SyncWriteStream& stream, boost::asio::const_buffer head,
                                 native_file_handle file, std::uint64_t offset, std::uint64_t count,
                                 sendfile_options const& options, boost::system::error_code& ec,
                                 std::optional<std::uint64_t> inspected_size = std::nullopt) {
    sendfile_io<SyncWriteStream> io(stream, file);
    platform_caps caps = platform_caps_of_this_build();
    caps.probe = false;  // issue 14: a blocking call may wait for the disk; there is no loop to spare
    sendfile_fsm fsm(offset, count, options, stream_traits<SyncWriteStream>::kind, caps, head.size());
    unsigned char const* const h = static_cast<unsigned char const*>(head.data());
    std::unique_ptr<unsigned char[]> buffer;
    fsm_event ev = inspection_event(file, inspected_size);
    for (;;) {
        ev.now = std::chrono::steady_clock::now();
        fsm_action const a = fsm.resume(ev);
        boost::system::error_code wec;
        switch (a.kind()) {
            case fsm_action::send_native:  // the blocking form on every platform
            case fsm_action::send_head:
            case fsm_action::read:
            case fsm_action::try_write:
            case fsm_action::read_nowait:  // issue 13 (at most buffer_size bytes)
            case fsm_action::send_small:   // issue 13
                if ((a.kind() == fsm_action::read || a.kind() == fsm_action::read_nowait) && !buffer)
                    buffer.reset(new unsigned char[fsm.buffer_size()]);
                ev = io.perform(a, buffer.get(), h);
                break;
            case fsm_action::narrow_cancellation:  // nothing to cancel a blocking call with
                ev = fsm_event(a.kind());
                break;
            case fsm_action::wait_writable:
                ev = fsm_event(a.kind(), wait_writable(io.handle()));
                break;
            case fsm_action::yield:  // no executor to yield to
                ev = fsm_event(a.kind());
                break;
            case fsm_action::write_head: {
                std::size_t const n =
                    boost::asio::write(stream, boost::asio::buffer(h + a.head_offset(), a.size()), wec);
                ev = fsm_event(a.kind(), wec, n);
                break;
            }
            case fsm_action::write: {
                std::size_t const n =
                    boost::asio::write(stream, boost::asio::buffer(buffer.get(), a.size()), wec);
                ev = fsm_event(a.kind(), wec, n);
                break;
            }
            case fsm_action::write_some: {
                std::size_t const n = stream.write_some(boost::asio::buffer(buffer.get(), a.size()), wec);
                ev = fsm_event(a.kind(), wec, n);
                break;
            }
            default:  // done
                ec = a.error();
                return fsm.bytes_transferred();
        }
    }
}

/** The never-waiting twin of sendfile_with_head, for zerocopy::http::try_write: the same machine
    told never_wait(), so that it only asks for non-blocking steps (the small-body path's read and
    send, a head's send) and answers `asio::error::would_block` where it would wait for the socket
    or the disk; the stream must be a socket. Returns the bytes handed to the stream, head
    included, with `ec` clear when the whole transfer was done.
*/
template <class SyncWriteStream>
std::uint64_t try_sendfile_with_head(SyncWriteStream& stream, boost::asio::const_buffer head,
                                     native_file_handle file, std::uint64_t offset, std::uint64_t count,
                                     sendfile_options const& options, boost::system::error_code& ec,
                                     std::optional<std::uint64_t> inspected_size = std::nullopt) {
    sendfile_io<SyncWriteStream> io(stream, file);
    sendfile_fsm fsm(offset, count, options, stream_traits<SyncWriteStream>::kind,
                     platform_caps_of_this_build(), head.size());
    fsm.never_wait();
    unsigned char const* const h = static_cast<unsigned char const*>(head.data());
    std::unique_ptr<unsigned char[]> buffer;
    fsm_event ev = inspection_event(file, inspected_size);  // no clock: no turns to time
    for (;;) {
        fsm_action const a = fsm.resume(ev);
        if (a.kind() == fsm_action::done) {
            ec = a.error();
            return fsm.bytes_transferred();
        }
        if (a.kind() == fsm_action::narrow_cancellation) {  // nothing to cancel a call with
            ev = fsm_event(a.kind());
            continue;
        }
        BOOST_ASSERT(sendfile_io<SyncWriteStream>::is_synchronous(a));
        if (a.kind() == fsm_action::read_nowait && !buffer) buffer.reset(new unsigned char[a.size()]);
        ev = io.perform(a, buffer.get(), h);
    }
}

}  // namespace detail

template <class AsyncWriteStream, class CompletionToken,
          std::enable_if_t<!std::is_same_v<std::decay_t<CompletionToken>, sendfile_options>, int>>
auto async_sendfile(AsyncWriteStream& stream, native_file_handle file, std::uint64_t offset,
                    std::uint64_t count, sendfile_options const& options, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::uint64_t)>(
        detail::initiate_async_sendfile<AsyncWriteStream>(stream), token, file, offset, count, options);
}

template <class AsyncWriteStream, class CompletionToken,
          std::enable_if_t<!std::is_same_v<std::decay_t<CompletionToken>, sendfile_options>, int>>
auto async_sendfile(AsyncWriteStream& stream, native_file_handle file, std::uint64_t offset,
                    std::uint64_t count, CompletionToken&& token) {
    return zerocopy::async_sendfile(stream, file, offset, count, sendfile_options{},
                                    std::forward<CompletionToken>(token));
}

template <class SyncWriteStream>
std::uint64_t sendfile(SyncWriteStream& stream, native_file_handle file, std::uint64_t offset,
                       std::uint64_t count, sendfile_options const& options, boost::system::error_code& ec) {
    return detail::sendfile_with_head(stream, boost::asio::const_buffer(), file, offset, count, options, ec);
}

template <class SyncWriteStream>
std::uint64_t sendfile(SyncWriteStream& stream, native_file_handle file, std::uint64_t offset,
                       std::uint64_t count, boost::system::error_code& ec) {
    return zerocopy::sendfile(stream, file, offset, count, sendfile_options{}, ec);
}

template <class SyncWriteStream>
std::uint64_t sendfile(SyncWriteStream& stream, native_file_handle file, std::uint64_t offset,
                       std::uint64_t count, sendfile_options const& options) {
    boost::system::error_code ec;
    std::uint64_t const n = zerocopy::sendfile(stream, file, offset, count, options, ec);
    if (ec) boost::asio::detail::throw_error(ec, "zerocopy::sendfile");
    return n;
}

template <class SyncWriteStream>
std::uint64_t sendfile(SyncWriteStream& stream, native_file_handle file, std::uint64_t offset,
                       std::uint64_t count) {
    return zerocopy::sendfile(stream, file, offset, count, sendfile_options{});
}

}  // namespace zerocopy

#endif
