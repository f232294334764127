//
// zerocopy/detail/sendfile_fsm.hpp — every decision of a transfer, with no I/O.
//
// The driver (impl/async_sendfile.hpp for the asynchronous operation, the loop in the blocking
// twin) performs the action the machine returns and feeds its result back. The machine decides:
// which path (native or buffered), when to wait for writability, when to yield for fairness,
// when to fall back, and how the transfer ends. It is compiled in src/sendfile_fsm.cpp and unit
// tested there without sockets (test/unit/sendfile_fsm.cpp).
//
#ifndef ZEROCOPY_DETAIL_SENDFILE_FSM_HPP
#define ZEROCOPY_DETAIL_SENDFILE_FSM_HPP

#include <zerocopy/detail/config.hpp>
#include <zerocopy/sendfile_options.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>

namespace zerocopy {
namespace detail {

/// What the stream offers the machine.
enum class stream_kind {
    /// Any AsyncWriteStream: buffered only, whole chunks through asio::async_write.
    generic,
    /// A socket with a reactor wait (basic_stream_socket): native, buffered via async_write.
    socket,
    /// A pipe or character-device descriptor (posix::stream_descriptor): native, and a buffered
    /// path that writes itself (Asio's descriptor write would raise SIGPIPE).
    descriptor,
    /// A socket wrapped in a stream with its own timer (beast::basic_stream): native, and the
    /// waits for writability go through the stream's async_write_some of the next piece.
    timed_socket,
};

struct fsm_action {
    enum kind_t {
        send_native,    // native_send(file, offset, size)              -> on_native
        wait_writable,  // reactor wait for writability                  -> on_wait
        yield,          // re-queue through the executor (fairness)      -> on_yield
        read,           // read_at(file, offset, buffer, size)            -> on_read
        write,          // write all of buffer[0, size) (asio::async_write) -> on_write
        write_some,     // stream's write_some of buffer[0, size)        -> on_write
        try_write,      // non-blocking guarded write of buffer[buffer_offset, +size) -> on_try_write
        done            // complete with ec and bytes_transferred()
    };
    kind_t kind = done;
    std::uint64_t offset = 0;       // file offset (send_native, read)
    std::size_t size = 0;           // bytes (send_native, read, write, write_some, try_write)
    std::size_t buffer_offset = 0;  // try_write
    boost::system::error_code ec;   // done
};

class sendfile_fsm {
public:
    /// @param platform_native  whether the platform has a native primitive at all.
    ZEROCOPY_DECL sendfile_fsm(std::uint64_t offset, std::uint64_t count, sendfile_options const& options,
                               stream_kind kind, bool platform_native) noexcept;

    /// First step, given the result of inspecting the file (its error, its size).
    ZEROCOPY_DECL fsm_action start(boost::system::error_code inspect_ec, std::uint64_t file_size) noexcept;

    ZEROCOPY_DECL fsm_action on_native(boost::system::error_code ec, std::size_t n) noexcept;
    ZEROCOPY_DECL fsm_action on_wait(boost::system::error_code ec) noexcept;
    ZEROCOPY_DECL fsm_action on_yield() noexcept;
    ZEROCOPY_DECL fsm_action on_read(boost::system::error_code ec, std::size_t n) noexcept;
    ZEROCOPY_DECL fsm_action on_write(boost::system::error_code ec, std::size_t n) noexcept;
    ZEROCOPY_DECL fsm_action on_try_write(boost::system::error_code ec, std::size_t n) noexcept;

    /// The driver saw a cancellation request between two steps.
    ZEROCOPY_DECL fsm_action on_cancel() noexcept;

    /// Bytes handed to the stream so far.
    std::uint64_t bytes_transferred() const noexcept { return sent_; }

    /// Whether the transfer is on the native path now.
    bool native() const noexcept { return native_; }

    /// Size of the buffer the driver must provide for read actions.
    std::size_t buffer_size() const noexcept { return buffer_size_; }

    /// True when the kernel refusal `ec` may be answered by falling back to the buffered path.
    ZEROCOPY_DECL static bool is_native_refusal(boost::system::error_code const& ec) noexcept;

private:
    fsm_action finish(boost::system::error_code ec) noexcept;
    fsm_action next_send() noexcept;
    fsm_action next_read() noexcept;
    fsm_action next_try_write() noexcept;
    fsm_action after_progress(std::size_t n) noexcept;
    std::uint64_t remaining() const noexcept { return end_ - (offset_ + sent_); }

    enum class state { init, native, waiting, piece_read, piece_write, buffer_read, buffer_write, done };

    std::uint64_t offset_;
    std::uint64_t count_;
    std::uint64_t end_ = 0;
    std::uint64_t sent_ = 0;
    std::size_t max_chunk_;
    std::size_t buffer_size_;
    std::size_t turn_ = 0;        // bytes sent in this turn (fairness)
    std::size_t buffered_ = 0;    // bytes in the buffer (descriptor path)
    std::size_t buffer_pos_ = 0;  // bytes of the buffer already written (descriptor path)
    send_mode mode_;
    stream_kind kind_;
    bool platform_native_;
    bool native_ = false;
    state state_ = state::init;
};

}  // namespace detail
}  // namespace zerocopy

#endif
