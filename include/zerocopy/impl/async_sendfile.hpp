//
// zerocopy/impl/async_sendfile.hpp — the asynchronous driver and the blocking twin.
//
// Both are thin: every decision is in detail::sendfile_fsm; the drivers only perform the
// actions it returns. See docs/design.md.
//
#ifndef ZEROCOPY_IMPL_ASYNC_SENDFILE_HPP
#define ZEROCOPY_IMPL_ASYNC_SENDFILE_HPP

#include <zerocopy/detail/immediate.hpp>
#include <zerocopy/detail/sendfile_io.hpp>

#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#if defined(_WIN32)
#include <boost/asio/windows/overlapped_ptr.hpp>
#include <boost/system/errc.hpp>
#endif

#include <memory>
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

    unsigned char* get(std::size_t size) {
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

#if defined(_WIN32)
// One TransmitFile in flight, owned by the operation: its slot is given back if the operation
// is destroyed before the completion arrives (its io_context shut down).
class native_send_slot {
public:
    native_send_slot() = default;
    native_send_slot(native_send_slot&& other) noexcept : held_(std::exchange(other.held_, false)) {}
    native_send_slot& operator=(native_send_slot&&) = delete;
    ~native_send_slot() { release(); }
    bool acquire(bool refuse_when_busy) noexcept {
        return held_ = acquire_native_send_slot(refuse_when_busy);
    }
    void release() noexcept {
        if (std::exchange(held_, false)) release_native_send_slot();
    }

private:
    bool held_ = false;
};

// Per-operation cancellation of a pending TransmitFile: CancelIoEx on its OVERLAPPED. Not for
// `total`: a TransmitFile under way may have put bytes on the wire that are not counted yet.
struct native_send_cancellation {
    native_stream_handle socket;
    void* overlapped;
    void operator()(boost::asio::cancellation_type_t type) const noexcept {
        if ((type & (boost::asio::cancellation_type::terminal | boost::asio::cancellation_type::partial)) !=
            boost::asio::cancellation_type::none)
            cancel_native_send(socket, overlapped);
    }
};
#endif

template <class AsyncWriteStream, class Allocator>
class async_sendfile_op {
public:
    async_sendfile_op(AsyncWriteStream& stream, native_file_handle file, std::uint64_t offset,
                      std::uint64_t count, sendfile_options const& options, Allocator const& alloc,
                      boost::asio::const_buffer head = boost::asio::const_buffer())
        : io_(stream, file),
          fsm_(offset, count, options, stream_traits<AsyncWriteStream>::kind, has_native_send()),
          buffer_(alloc),
          file_(file),
#if defined(_WIN32)
          mode_(options.mode),
#endif
          head_(head) {
    }

    // Start, and resume after a post (a fairness yield, or the deferral of an early completion).
    template <class Self>
    void operator()(Self& self) {
        if (!started_) {
            started_ = true;
            // Total cancellation is honoured only while nothing has been sent.
            self.reset_cancellation_state(boost::asio::enable_total_cancellation());
            std::uint64_t size = 0;
            boost::system::error_code const ec = inspect_file(file_, size);
            return run(self, fsm_.start(ec, size));
        }
        if (pending_ == fsm_action::done) return complete(self);
        run(self, fsm_.on_yield());
    }

    // Resume after waiting for writability.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec) {
        run(self, fsm_.on_wait(ec));
    }

    // Resume after a write of the buffer (whole, or one piece through the stream's write_some),
    // or (Windows) after a TransmitFile.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, std::size_t n) {
        if (writing_head_) {
            writing_head_ = false;
            head_sent_ += n;
            head_ = boost::asio::const_buffer();
            if (ec) {
                result_ = ec;
                return complete(self);
            }
            return run(self, after_head_);
        }
#if defined(_WIN32)
        if (pending_ == fsm_action::send_native) {
            native_slot_.release();
            ec = native_send_error(ec);
            if (head_in_flight_ != 0) {
                // The head went first in this TransmitFile: its bytes are not the file's.
                std::size_t const h = n < head_in_flight_ ? n : head_in_flight_;
                head_sent_ = h;
                n -= h;
                bool const whole = h == head_in_flight_;
                head_in_flight_ = 0;
                if (whole) {
                    head_ = boost::asio::const_buffer();
                } else if (h != 0) {
                    // Part of the head only: the stream failed; nothing of the file was sent.
                    result_ = ec ? ec : boost::system::error_code(boost::asio::error::connection_aborted);
                    return complete(self);
                }
                // Nothing sent (a refusal, an error): the head stays first in line.
            }
            // A partial count and an error: the bytes first, then the error as the next
            // attempt's (what sendfile(2) reports on Linux).
            fsm_action a = fsm_.on_native(n > 0 ? boost::system::error_code() : ec, n);
            if (n > 0 && ec && a.kind != fsm_action::done) a = fsm_.on_native(ec, 0);
            if (n > 0 && !partial_only_) {
                // Bytes went out: a `total` request that arrived meanwhile no longer applies
                // (the cancellation handler ignored it); terminal and partial still do.
                bool const stop = (self.cancelled() & (boost::asio::cancellation_type::terminal |
                                                       boost::asio::cancellation_type::partial)) !=
                                  boost::asio::cancellation_type::none;
                partial_only_ = true;
                self.reset_cancellation_state(boost::asio::enable_partial_cancellation());
                if (stop && a.kind != fsm_action::done) a = fsm_.on_cancel();
            }
            return run(self, a);
        }
#endif
        run(self, fsm_.on_write(ec, n));
    }

private:
    template <class Self>
    void run(Self& self, fsm_action a) {
        for (;;) {
            if (a.kind != fsm_action::done && self.cancelled() != boost::asio::cancellation_type::none)
                a = fsm_.on_cancel();
            if (head_.size() != 0 && !(a.kind == fsm_action::done && a.ec)) {
#if defined(_WIN32)
                // TransmitFile sends the head itself (TRANSMIT_FILE_BUFFERS), in the same call.
                bool const in_transmit_file = a.kind == fsm_action::send_native;
#else
                bool const in_transmit_file = false;
#endif
                head_attempt const h = in_transmit_file ? head_attempt::rest : try_send_head(a);
                if (h == head_attempt::all) continue;  // the head is out: on with `a`
                if (h == head_attempt::failed) {
                    // The stream failed while the head was being sent: nothing of the file was.
                    pending_ = fsm_action::done;
                    suspended_ = true;
                    BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::async_sendfile complete"));
                    return resume_immediately(self);
                }
                if (!in_transmit_file) {
                    // Before any byte of the file (and also for an empty range; not when the
                    // transfer failed before any byte). What the attempt above left of it.
                    after_head_ = a;
                    writing_head_ = true;
                    suspended_ = true;
                    BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::async_sendfile head"));
                    return boost::asio::async_write(io_.stream(), head_, std::move(self));
                }
            }
            if (bytes_transferred() != 0 && !partial_only_) {
                // Bytes are on the wire: the transfer has side effects, so from now on only
                // terminal and partial cancellation apply.
                partial_only_ = true;
                self.reset_cancellation_state(boost::asio::enable_partial_cancellation());
            }
#if defined(_WIN32)
            if (a.kind == fsm_action::send_native) {
                boost::system::error_code ec;
                if (!io_.prepare_handle(ec)) {
                    a = fsm_.on_native(ec, 0);
                    continue;
                }
                if (!native_slot_.acquire(mode_ == send_mode::automatic)) {
                    // Client Windows would queue this call behind two others: a refusal,
                    // which the machine answers with the buffered path (automatic mode only).
                    a = fsm_.on_native(
                        boost::system::errc::make_error_code(boost::system::errc::not_supported), 0);
                    continue;
                }
                pending_ = a.kind;
                return send_native(self, a);
            }
#endif
            if (io_.is_synchronous(a)) {
                unsigned char* const buf =
                    a.kind == fsm_action::read ? buffer_.get(fsm_.buffer_size()) : buffer_.data();
                a = io_.step(fsm_, a, buf);
                continue;
            }
            pending_ = a.kind;
            switch (a.kind) {
                case fsm_action::wait_writable:
                    return wait(self);
                case fsm_action::yield:
                    suspended_ = true;
                    BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::async_sendfile yield"));
                    return boost::asio::post(std::move(self));
                case fsm_action::write:
                    suspended_ = true;
                    BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::async_sendfile write"));
                    return boost::asio::async_write(io_.stream(), boost::asio::buffer(buffer_.data(), a.size),
                                                    std::move(self));
                case fsm_action::write_some:
                    suspended_ = true;
                    BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::async_sendfile write_some"));
                    return io_.stream().async_write_some(boost::asio::buffer(buffer_.data(), a.size),
                                                         std::move(self));
                default:  // done
                    result_ = a.ec;
                    if (!suspended_) {
                        // Nothing asynchronous happened: never invoke the handler from inside
                        // the initiating function.
                        suspended_ = true;
                        BOOST_ASIO_HANDLER_LOCATION(
                            (__FILE__, __LINE__, "zerocopy::async_sendfile complete"));
                        return resume_immediately(self);
                    }
                    return complete(self);
            }
        }
    }

    enum class head_attempt { all, rest, failed };

    // Sockets (POSIX): sends what it can of the head at once, non-blocking, telling the kernel
    // that the file's bytes follow (MSG_MORE) so that the two leave in the same segment, without
    // TCP_CORK and its three syscalls. `all` when the whole head went out; `rest` when `head_`
    // keeps some for asio::async_write (a full socket, or not a socket); `failed` (result_ set)
    // when the stream is broken.
    head_attempt try_send_head(fsm_action const& next) {
#if !defined(_WIN32)
        if constexpr (stream_traits<AsyncWriteStream>::kind == stream_kind::socket ||
                      stream_traits<AsyncWriteStream>::kind == stream_kind::timed_socket) {
            boost::system::error_code ec;
            if (!io_.prepare_handle(ec)) return head_attempt::rest;  // async_write reports it
            // Bytes of the file follow at once only on these paths; an empty range sends the head
            // alone, and it must not wait for more.
            bool const more = next.kind == fsm_action::send_native || next.kind == fsm_action::read;
            io_result const r = send_nosignal(io_.handle(), head_.data(), head_.size(), more);
            head_sent_ += r.bytes;
            head_ += r.bytes;
            if (r.ec && r.ec != boost::asio::error::would_block) {
                result_ = r.ec;
                return head_attempt::failed;
            }
            return head_.size() == 0 ? head_attempt::all : head_attempt::rest;
        }
#endif
        (void)next;
        return head_attempt::rest;
    }

    template <class Self>
    void wait(Self& self) {
        if constexpr (stream_traits<AsyncWriteStream>::kind != stream_kind::generic) {
            suspended_ = true;
            BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::async_sendfile wait"));
            stream_traits<AsyncWriteStream>::lowest(io_.stream())
                .async_wait(stream_traits<AsyncWriteStream>::wait_write, std::move(self));
        } else {
            BOOST_ASSERT_MSG(false, "generic streams never wait for writability");
        }
    }

#if defined(_WIN32)
    // TransmitFile through the completion port: the completion comes back to operator()(self,
    // ec, n). Everything needed is copied before `self` (and this object with it) is moved.
    template <class Self>
    void send_native(Self& self, fsm_action const& a) {
        if constexpr (stream_traits<AsyncWriteStream>::kind != stream_kind::generic) {
            suspended_ = true;
            native_stream_handle const socket = io_.handle();
            native_file_handle const file = file_;
            boost::asio::const_buffer const head = head_;
            head_in_flight_ = head.size();
            auto slot = self.get_cancellation_state().slot();
            auto ex = stream_traits<AsyncWriteStream>::lowest(io_.stream()).get_executor();
            BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::async_sendfile TransmitFile"));
            boost::asio::windows::overlapped_ptr ov(ex, std::move(self));
            if (slot.is_connected())
                slot.template emplace<native_send_cancellation>(native_send_cancellation{socket, ov.get()});
            boost::system::error_code const ec =
                start_native_send(socket, file, a.offset, a.size, ov.get(), head.data(), head.size());
            if (ec)
                ov.complete(ec, 0);  // delivered through the completion port, never inline
            else
                ov.release();
        } else {
            BOOST_ASSERT_MSG(false, "generic streams have no native path");
        }
    }
#endif

    template <class Self>
    void complete(Self& self) {
        buffer_.reset();  // memory goes back before the handler runs
        self.complete(result_, bytes_transferred());
    }

    std::uint64_t bytes_transferred() const noexcept {
        return head_sent_ + fsm_.bytes_transferred();
    }

    sendfile_io<AsyncWriteStream> io_;
    sendfile_fsm fsm_;
    op_buffer<Allocator> buffer_;
    native_file_handle file_;
#if defined(_WIN32)
    send_mode mode_;
    native_send_slot native_slot_;
#endif
    boost::system::error_code result_;
    boost::asio::const_buffer head_;  // sent before the file's bytes (async_sendfile_with_head)
    std::size_t head_sent_ = 0;
    fsm_action after_head_;
#if defined(_WIN32)
    std::size_t head_in_flight_ = 0;
#endif
    bool writing_head_ = false;
    fsm_action::kind_t pending_ = fsm_action::done;
    bool started_ = false;
    bool suspended_ = false;
    bool partial_only_ = false;
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
                    boost::asio::const_buffer head = boost::asio::const_buffer()) const {
        using handler_type = std::decay_t<Handler>;
        using allocator_type = boost::asio::associated_allocator_t<handler_type>;
        allocator_type const alloc = boost::asio::get_associated_allocator(handler);
        boost::asio::async_compose<handler_type, void(boost::system::error_code, std::uint64_t)>(
            async_sendfile_op<AsyncWriteStream, allocator_type>(stream_, file, offset, count, options, alloc,
                                                                head),
            handler, stream_);
    }

private:
    AsyncWriteStream& stream_;
};

/** async_sendfile with `head` sent first, for the HTTP layer: the header of a response and
    the start of its body leave together. On Windows, when the transfer takes TransmitFile, the
    head is its TRANSMIT_FILE_BUFFERS head, in the same call as the first bytes of the file (the
    equivalent of TCP_CORK); everywhere else it is written with asio::async_write before the
    first byte of the file. `bytes_transferred` counts the head's bytes too. The head is not
    sent when the transfer fails before any byte (a bad file, a range past the end); it is sent
    for an empty range. The memory of `head` must stay valid until the handler is invoked.
*/
template <class AsyncWriteStream, class CompletionToken>
auto async_sendfile_with_head(AsyncWriteStream& stream, boost::asio::const_buffer head,
                              native_file_handle file, std::uint64_t offset, std::uint64_t count,
                              sendfile_options const& options, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(boost::system::error_code, std::uint64_t)>(
        initiate_async_sendfile<AsyncWriteStream>(stream), token, file, offset, count, options, head);
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
    using detail::fsm_action;
    detail::sendfile_io<SyncWriteStream> io(stream, file);
    detail::sendfile_fsm fsm(offset, count, options, detail::stream_traits<SyncWriteStream>::kind,
                             detail::has_native_send());
    std::unique_ptr<unsigned char[]> buffer;
    std::uint64_t size = 0;
    boost::system::error_code const inspect_ec = detail::inspect_file(file, size);
    fsm_action a = fsm.start(inspect_ec, size);
    for (;;) {
        if (io.is_synchronous(a)) {
            if (a.kind == fsm_action::read && !buffer) buffer.reset(new unsigned char[fsm.buffer_size()]);
            a = io.step(fsm, a, buffer.get());
            continue;
        }
        boost::system::error_code wec;
        switch (a.kind) {
            case fsm_action::wait_writable:
                a = fsm.on_wait(detail::wait_writable(io.handle()));
                break;
            case fsm_action::yield:
                a = fsm.on_yield();
                break;
            case fsm_action::write: {
                std::size_t const n =
                    boost::asio::write(stream, boost::asio::buffer(buffer.get(), a.size), wec);
                a = fsm.on_write(wec, n);
                break;
            }
            case fsm_action::write_some: {
                std::size_t const n = stream.write_some(boost::asio::buffer(buffer.get(), a.size), wec);
                a = fsm.on_write(wec, n);
                break;
            }
            default:  // done
                ec = a.ec;
                return fsm.bytes_transferred();
        }
    }
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
