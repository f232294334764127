//
// zerocopy/detail/platform.hpp — the one seam between the operation and the operating system.
//
// Everything here is compiled in src/: the syscall headers (<sys/sendfile.h>, <signal.h>...)
// never reach a user's translation unit. Every function is noexcept, retries EINTR, and reports
// failures as error codes of the system category (EAGAIN compares equal to
// boost::asio::error::would_block).
//
#ifndef ZEROCOPY_DETAIL_PLATFORM_HPP
#define ZEROCOPY_DETAIL_PLATFORM_HPP

#include <zerocopy/detail/config.hpp>
#include <zerocopy/file.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>

namespace zerocopy {
namespace detail {

#if defined(_WIN32)
using native_stream_handle = std::uintptr_t;  // SOCKET
#else
using native_stream_handle = int;  // socket or pipe descriptor
#endif

/// Result of one non-blocking step: bytes moved, and why it stopped short if it did.
struct io_result {
    std::size_t bytes = 0;
    boost::system::error_code ec;
};

/// Checks that `file` can be the source of a transfer (open, readable, a regular file) and
/// returns its current size. Errors: bad_descriptor, error::file_not_readable,
/// error::not_a_regular_file.
ZEROCOPY_DECL boost::system::error_code inspect_file(native_file_handle file, std::uint64_t& size) noexcept;

/// True when this build has a native zero-copy primitive (Linux: sendfile(2)).
ZEROCOPY_DECL bool has_native_send() noexcept;

/// One zero-copy attempt: moves up to `count` bytes of `file` starting at `offset` to `out`
/// (a socket or a pipe), without touching the file position and without raising SIGPIPE.
/// Returns bytes == 0 and no error at end of file; would_block when `out` is full; the
/// kernel's refusal (EINVAL, ENOSYS, ...) as is. Never blocks if `out` is non-blocking.
ZEROCOPY_DECL io_result native_send(native_stream_handle out, native_file_handle file, std::uint64_t offset,
                                    std::size_t count) noexcept;

/// Reads up to `size` bytes of `file` at `offset` (pread). bytes == 0 and no error at end of file.
ZEROCOPY_DECL io_result read_at(native_file_handle file, std::uint64_t offset, void* data,
                                std::size_t size) noexcept;

/// Writes up to `size` bytes to the descriptor `out` (a pipe, a socket, a character device)
/// without raising SIGPIPE; would_block when `out` is non-blocking and full.
ZEROCOPY_DECL io_result write_some_nosignal(native_stream_handle out, void const* data,
                                            std::size_t size) noexcept;

/// Blocks until `out` is writable or in error (poll). For the blocking twin.
ZEROCOPY_DECL boost::system::error_code wait_writable(native_stream_handle out) noexcept;

#if !defined(_WIN32)
/// Sends up to `size` bytes to the socket `out` without raising SIGPIPE (MSG_NOSIGNAL); with
/// `more`, tells the kernel that more bytes follow at once (Linux MSG_MORE: the bytes wait to
/// leave in the same segment as the next write, here the file's first bytes). would_block when
/// `out` is non-blocking and full.
ZEROCOPY_DECL io_result send_nosignal(native_stream_handle out, void const* data, std::size_t size,
                                      bool more) noexcept;
#endif

#if defined(_WIN32)
// Windows: TransmitFile is asynchronous, completed through the I/O completion port. The
// asynchronous driver starts it on an OVERLAPPED of asio::windows::overlapped_ptr and feeds
// the completion to sendfile_fsm::on_native; native_send above is the blocking twin's form
// (it waits on an event, without a completion packet).

/// Most bytes one TransmitFile call may be asked for.
inline constexpr std::size_t transmit_file_max = 2147483646;

/// Starts one TransmitFile of up to `count` bytes of `file` at `offset` to the socket `out`,
/// on `overlapped` (an OVERLAPPED* whose completion goes to the socket's completion port),
/// with `head` sent before the file's bytes and `tail` after them (TRANSMIT_FILE_BUFFERS; the
/// completion's count includes them). Returns no error when the completion will arrive;
/// otherwise the error (nothing started).
ZEROCOPY_DECL boost::system::error_code start_native_send(native_stream_handle out, native_file_handle file,
                                                          std::uint64_t offset, std::size_t count,
                                                          void* overlapped, void const* head = nullptr,
                                                          std::size_t head_size = 0,
                                                          void const* tail = nullptr,
                                                          std::size_t tail_size = 0) noexcept;

/// Translates a TransmitFile completion's error as Asio does for its own socket operations
/// (ERROR_NETNAME_DELETED is connection_reset, ERROR_PORT_UNREACHABLE connection_refused).
ZEROCOPY_DECL boost::system::error_code native_send_error(boost::system::error_code ec) noexcept;

/// Asks the system to cancel the TransmitFile started on `overlapped` (CancelIoEx); it then
/// completes with operation_aborted and the bytes it had sent.
ZEROCOPY_DECL void cancel_native_send(native_stream_handle out, void* overlapped) noexcept;

/// Takes one of this process's TransmitFile slots, for one call. Client editions of Windows
/// run two TransmitFile calls at a time system-wide and queue the others behind them (a slow
/// reader then stalls every other transfer); with `refuse_when_busy`, on a client edition,
/// returns false instead of a third slot. Server editions have no limit: always true.
ZEROCOPY_DECL bool acquire_native_send_slot(bool refuse_when_busy) noexcept;

/// Gives back a slot taken by acquire_native_send_slot.
ZEROCOPY_DECL void release_native_send_slot() noexcept;
#endif

}  // namespace detail
}  // namespace zerocopy

#endif
