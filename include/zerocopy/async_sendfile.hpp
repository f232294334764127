//
// zerocopy/async_sendfile.hpp — send a range of a file to a stream, zero-copy where possible.
//
#ifndef ZEROCOPY_ASYNC_SENDFILE_HPP
#define ZEROCOPY_ASYNC_SENDFILE_HPP

#include <zerocopy/detail/config.hpp>
#include <zerocopy/error.hpp>
#include <zerocopy/file.hpp>
#include <zerocopy/sendfile_options.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <type_traits>
#include <utility>

namespace zerocopy {

/** Start an asynchronous operation that sends a range of a file to a stream.

    The bytes `[offset, offset + count)` of `file` are written to `stream`. On Linux, when
    `stream` is a stream socket (TCP, `local::stream_protocol`), a `beast::basic_stream` over
    one, or a `posix::stream_descriptor`, the kernel moves them with `sendfile(2)` without
    copying them through user space; on Windows, when it is a TCP socket, with an overlapped
    `TransmitFile`. Every other stream (for example `ssl::stream`), other platforms, and files
    the kernel refuses take the buffered path: a positioned read (`pread`, `ReadFile`) into one
    buffer of `options.buffer_size` bytes and `asio::async_write` to the stream. On a client
    edition of Windows, which runs two `TransmitFile` calls at a time system-wide, a third
    transfer in `send_mode::automatic` takes the buffered path instead of queueing.

    The operation continues until one of the following is true:
    @li `count` bytes have been sent;
    @li the file ends before that (`error::unexpected_eof`);
    @li an error occurred, or the operation was cancelled.

    The size of the file is taken once, with `fstat`, when the operation starts: with
    `count == to_end` the range ends there (a file that grows later is not followed); a range
    that already ends past the end of the file fails at once with `error::unexpected_eof` and
    sends nothing; a file truncated during the transfer ends it with `error::unexpected_eof`.
    An empty range completes with no error. The file's position is neither read nor changed,
    so one descriptor may serve many transfers at once.

    The operation never busy-waits: when the stream is full it waits for writability through
    the stream's reactor. It sends at most `options.max_chunk` bytes, and for at most about
    `options.max_turn_time`, per turn, then lets the executor run other work before it continues
    (fairness).

    On Linux, in `send_mode::automatic` and unless `options.off_loop_reads` is false, it never
    waits for the disk on the calling thread: a range that is not in the page cache is read on
    `options.disk_executor` (or the execution context's `disk_io_service`) first, by a task that
    owns its buffer and a duplicate of `file`; the file may be closed as soon as the handler runs. A peer that
   goes away gives `broken_pipe` or `connection_reset`; SIGPIPE is never raised and the process's signal
    disposition is never changed.

    With a `beast::basic_stream`, waits for writability go through the stream's own
    `async_write_some` of the next piece, so its expiry applies: a timeout completes with
    `beast::error::timeout`, the stream's socket closed, as Beast's own operations do.

    @param stream The stream to write to. It must outlive the operation. The program must not
    start another write on it until the operation completes.

    @param file An open, readable, regular file. It must stay open until the operation completes.

    @param offset The first byte of the file to send.

    @param count The number of bytes to send, or `to_end`.

    @param options The path to take and its limits; copied, it need not outlive the call.

    @param token The completion token. The completion signature is
    @code void(boost::system::error_code ec, std::uint64_t bytes_transferred) @endcode
    where `bytes_transferred` is the number of bytes handed to the stream, on success and on
    every error. Regardless of whether the operation completes immediately, the handler will
    not be invoked from within this function; it is invoked through its associated executor,
    and the operation's memory comes from its associated allocator.

    Errors: `error::unexpected_eof`, `error::not_a_regular_file`, `error::file_not_readable`,
    `error::native_unavailable` (`send_mode::native` only), `asio::error::bad_descriptor` (the
    file or the stream is closed), `operation_aborted` (also when the disk executor was shut down
    with the operation's read queued), the disk's own errors (e.g. EIO from an off-loop read), and
    the stream's own errors.

    @par Per-Operation Cancellation
    This operation supports cancellation through the associated cancellation slot:
    @li `cancellation_type::terminal` and `cancellation_type::partial`: the transfer stops at
    its next step with `asio::error::operation_aborted`, reporting the bytes sent so far; a
    wait for writability, or for an off-loop read, ends at once (the read finishes on its own,
    touching neither the stream nor the handler). The stream stays open; the peer has received a prefix
    of the range.
    @li `cancellation_type::total`: only while nothing has been sent; once bytes are on the
    wire the operation has side effects and ignores it.
    `stream.cancel()` ends a wait for writability with `operation_aborted`; `stream.close()`
    ends the transfer at its next step (`bad_descriptor` or `operation_aborted`): the native
    handle is read anew at every step, so a descriptor number that was reused after the close
    is never written to.
*/
template <
    class AsyncWriteStream,
    class CompletionToken BOOST_ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(typename AsyncWriteStream::executor_type),
    std::enable_if_t<!std::is_same_v<std::decay_t<CompletionToken>, sendfile_options>, int> = 0>
auto async_sendfile(AsyncWriteStream& stream, native_file_handle file, std::uint64_t offset,
                    std::uint64_t count, sendfile_options const& options,
                    CompletionToken&& token
                        BOOST_ASIO_DEFAULT_COMPLETION_TOKEN(typename AsyncWriteStream::executor_type));

/// As above, with default `sendfile_options`.
template <
    class AsyncWriteStream,
    class CompletionToken BOOST_ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(typename AsyncWriteStream::executor_type),
    std::enable_if_t<!std::is_same_v<std::decay_t<CompletionToken>, sendfile_options>, int> = 0>
auto async_sendfile(
    AsyncWriteStream& stream, native_file_handle file, std::uint64_t offset, std::uint64_t count,
    CompletionToken&& token BOOST_ASIO_DEFAULT_COMPLETION_TOKEN(typename AsyncWriteStream::executor_type));

/** As above, for a file object: `beast::file_posix`, `beast::file_stdio`,
    `asio::random_access_file`, `asio::stream_file`, or any type with a `native_file_handle_of`
    overload (see zerocopy/file.hpp). The object must outlive the operation; its position is
    never used or changed.
*/
template <
    class AsyncWriteStream, class File,
    class CompletionToken BOOST_ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(typename AsyncWriteStream::executor_type),
    std::enable_if_t<
        is_file_object_v<File> && !std::is_same_v<std::decay_t<CompletionToken>, sendfile_options>, int> = 0>
auto async_sendfile(AsyncWriteStream& stream, File& file, std::uint64_t offset, std::uint64_t count,
                    sendfile_options const& options,
                    CompletionToken&& token
                        BOOST_ASIO_DEFAULT_COMPLETION_TOKEN(typename AsyncWriteStream::executor_type)) {
    return zerocopy::async_sendfile(stream, native_file_handle_of(file), offset, count, options,
                                    std::forward<CompletionToken>(token));
}

/// As above, with default `sendfile_options`.
template <
    class AsyncWriteStream, class File,
    class CompletionToken BOOST_ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(typename AsyncWriteStream::executor_type),
    std::enable_if_t<
        is_file_object_v<File> && !std::is_same_v<std::decay_t<CompletionToken>, sendfile_options>, int> = 0>
auto async_sendfile(AsyncWriteStream& stream, File& file, std::uint64_t offset, std::uint64_t count,
                    CompletionToken&& token
                        BOOST_ASIO_DEFAULT_COMPLETION_TOKEN(typename AsyncWriteStream::executor_type)) {
    return zerocopy::async_sendfile(stream, native_file_handle_of(file), offset, count, sendfile_options{},
                                    std::forward<CompletionToken>(token));
}

/** Send a range of a file to a stream, blocking until done: the twin of `async_sendfile`.

    Same semantics and the same decisions (one state machine drives both: range, size taken at
    the start, `error::unexpected_eof`, file position untouched, no SIGPIPE, fallback rules,
    fairness turns). The calling thread waits for writability with `poll` (the descriptor is put
    in Asio's internal non-blocking mode, as for the asynchronous operation; the stream's own
    blocking writes keep blocking).

    @returns The number of bytes handed to the stream, on success and on error.
*/
template <class SyncWriteStream>
std::uint64_t sendfile(SyncWriteStream& stream, native_file_handle file, std::uint64_t offset,
                       std::uint64_t count, sendfile_options const& options, boost::system::error_code& ec);

/// As above, with default options.
template <class SyncWriteStream>
std::uint64_t sendfile(SyncWriteStream& stream, native_file_handle file, std::uint64_t offset,
                       std::uint64_t count, boost::system::error_code& ec);

/// As above; throws `boost::system::system_error` on failure.
template <class SyncWriteStream>
std::uint64_t sendfile(SyncWriteStream& stream, native_file_handle file, std::uint64_t offset,
                       std::uint64_t count, sendfile_options const& options);

/// As above, with default options; throws `boost::system::system_error` on failure.
template <class SyncWriteStream>
std::uint64_t sendfile(SyncWriteStream& stream, native_file_handle file, std::uint64_t offset,
                       std::uint64_t count);

/// The blocking twin for a file object (see the file-object overloads of `async_sendfile`).
template <class SyncWriteStream, class File, std::enable_if_t<is_file_object_v<File>, int> = 0>
std::uint64_t sendfile(SyncWriteStream& stream, File& file, std::uint64_t offset, std::uint64_t count,
                       sendfile_options const& options, boost::system::error_code& ec) {
    return zerocopy::sendfile(stream, native_file_handle_of(file), offset, count, options, ec);
}

/// As above, with default options.
template <class SyncWriteStream, class File, std::enable_if_t<is_file_object_v<File>, int> = 0>
std::uint64_t sendfile(SyncWriteStream& stream, File& file, std::uint64_t offset, std::uint64_t count,
                       boost::system::error_code& ec) {
    return zerocopy::sendfile(stream, native_file_handle_of(file), offset, count, sendfile_options{}, ec);
}

}  // namespace zerocopy

#include <zerocopy/impl/async_sendfile.hpp>

#endif
