#ifndef ZEROCOPY_HTTP_WRITE_HPP
#define ZEROCOPY_HTTP_WRITE_HPP

#include <zerocopy/http/range_body.hpp>

#include <zerocopy/async_sendfile.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <type_traits>

namespace zerocopy::http {

/** Start an asynchronous operation that writes a complete HTTP message, sending the file part of its
    body with `zerocopy::async_sendfile`.

    Zero-copy applies to `beast::http::basic_file_body<File>` (`file_body`) and to @ref range_body
    (each memory prefix, then each file range), in a message with `beast::http::basic_fields` (any
    allocator). For any other body, any other `Fields` type, and for a chunked message, the
    operation is `beast::http::async_write`.

    A `file_body` sends exactly `body().size()` bytes, from where Beast's own writer starts:
    @li with Boost 1.82 and later, from the file's position, read once when the operation starts
    (`value_type::seek(pos)` and `reset()` of an already positioned file make the body
    `[pos, file size)`, and `size()` is what remains): the same bytes as `beast::http::async_write`.
    Unlike Beast, which reads the file and so advances its position, this operation sends with
    `sendfile` at explicit offsets and leaves the position unchanged;
    @li with Boost 1.81, from offset 0, the position neither used nor changed (Beast 1.81 has no
    `seek` on the body).

    The header's bytes are formatted as Beast's serializer writes them (start line, each field in
    order, an empty line) into one buffer together with the body's first memory bytes (a multipart
    delimiter, a short text). That buffer is the head of the first file range's transfer
    (`zerocopy::detail::async_sendfile_with_head`), and each later part header the head of its own
    range: on Windows, when TransmitFile is taken, head and file bytes leave in one TransmitFile call
    (TRANSMIT_FILE_BUFFERS); on a POSIX socket the head is sent with a non-blocking `send` with
    MSG_MORE just before the range's first `sendfile`, so that the two leave in the same segment (what
    does not fit is written with `asio::async_write`); on any other stream it is written with
    `asio::async_write` just before the range. Memory bytes with no file range after them (the closing
    boundary, a body without file part) are written with `asio::async_write`. Only a multipart body
    (several ranges) is corked: on Linux, when the stream is (or is layered over) a TCP socket, TCP_CORK
    is set for the duration of that response and cleared at the end, so its boundaries do not leave in
    segments of their own; a socket the caller corked already is left as it is. A file range that
    already ends past its file's end fails before any of its bytes with
    `zerocopy::error::unexpected_eof`, and its head is not sent either: for a single-range response
    nothing at all has been written then.

    The operation continues until one of the following is true:
    @li the header and the whole body have been written;
    @li an error occurred, or the operation was cancelled.

    Keep-alive is exactly as with Beast: this function does not look at `keep_alive()` or
    `need_eof()`; the caller closes the connection when `msg.need_eof()` is true. On an error in the
    middle of the body nothing else is written (no error page can follow a header already sent); the
    handler receives the error and the caller must close the connection.

    @param stream The stream to write to; it must outlive the operation, and no other write may be
    started on it until the operation completes.
    @param msg The message; it (with its file) must outlive the operation.
    @param token The completion token, with signature
    @code void(boost::system::error_code ec, std::size_t bytes_transferred) @endcode
    where `bytes_transferred` counts the header and body bytes handed to the stream, on success and
    on error. The handler is never invoked from within this function; it runs through its associated
    executor.

    @par Per-Operation Cancellation
    This operation supports cancellation through the associated cancellation slot:
    @li `cancellation_type::terminal` and `cancellation_type::partial` reach the intermediate
    operation under way (`asio::async_write` of the header and part prefixes,
    `zerocopy::async_sendfile` of the file ranges) and are checked between steps: the operation
    completes with `operation_aborted` and the bytes written so far. The peer has received a prefix
    of the response: close the connection.
    @li `cancellation_type::total` is not supported: writing the header is already a side effect.
*/
template <
    class AsyncWriteStream, bool isRequest, class Body, class Fields,
    class CompletionToken BOOST_ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(typename AsyncWriteStream::executor_type),
    std::enable_if_t<!std::is_same_v<std::decay_t<CompletionToken>, sendfile_options>, int> = 0>
auto async_write(AsyncWriteStream& stream, boost::beast::http::message<isRequest, Body, Fields>& msg,
                 CompletionToken&& token
                     BOOST_ASIO_DEFAULT_COMPLETION_TOKEN(typename AsyncWriteStream::executor_type));

/** As above, passing `options` to every `zerocopy::async_sendfile` of the body (for example
    `send_mode::buffered` to force the buffered path, or a smaller `max_chunk`). Ignored for bodies
    and chunked messages that Beast writes itself.
*/
template <
    class AsyncWriteStream, bool isRequest, class Body, class Fields,
    class CompletionToken BOOST_ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(typename AsyncWriteStream::executor_type),
    std::enable_if_t<!std::is_same_v<std::decay_t<CompletionToken>, sendfile_options>, int> = 0>
auto async_write(AsyncWriteStream& stream, boost::beast::http::message<isRequest, Body, Fields>& msg,
                 sendfile_options const& options,
                 CompletionToken&& token
                     BOOST_ASIO_DEFAULT_COMPLETION_TOKEN(typename AsyncWriteStream::executor_type));

/** Write a message on a non-blocking socket without waiting, when all of it can go at once: for a
    server that answers in the handler that read the request, where @ref async_write would spend a
    trip through the scheduler on completing an operation that did not wait.

    What is attempted, with the same bytes as @ref async_write:
    @li a message without a file part (HEAD, 304, a short text): its bytes, with non-blocking
    `write_some` calls until all are out or the socket is full;
    @li a body of one file range of at most `options.small_body_threshold` bytes, to a socket, in
    `send_mode::automatic` or `buffered` (the small-body path): one `preadv2(RWF_NOWAIT)` and one
    non-blocking send of header and body (Linux; elsewhere nothing is attempted).
    Anything else — a larger range, a range not in the page cache, a multipart or chunked body,
    another Fields type, a body Beast writes itself — is not attempted: nothing is written.

    @param stream A TCP socket (or a stream layered over one: its lowest layer is used) in
    non-blocking mode (`non_blocking(true)`); the message is written to it directly.
    @param msg The message.
    @param options As for @ref async_write.
    @param ec Set to indicate what error occurred, if any:
    @li `asio::error::would_block`: the rest must wait, or was not attempted. Finish the message
    with @ref async_write_rest, passing the returned count (which may be 0); write nothing else to
    the stream before it;
    @li an error of the stream or the file: as with @ref async_write (close the connection);
    @li clear: the whole message was handed to the stream.
    @returns Header and body bytes handed to the stream.
*/
template <class SyncWriteStream, bool isRequest, class Body, class Fields>
std::size_t try_write(SyncWriteStream& stream, boost::beast::http::message<isRequest, Body, Fields>& msg,
                      sendfile_options const& options, boost::system::error_code& ec);

/** @ref async_write for the rest of a message of which the first `written` bytes (as
    @ref try_write counted them) have been handed to the stream already: the same algorithm, with
    those bytes skipped. `bytes_transferred` counts the whole message, the `written` bytes
    included. `written` must not exceed what @ref try_write returned for this message.
*/
template <
    class AsyncWriteStream, bool isRequest, class Body, class Fields,
    class CompletionToken BOOST_ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(typename AsyncWriteStream::executor_type)>
auto async_write_rest(AsyncWriteStream& stream, boost::beast::http::message<isRequest, Body, Fields>& msg,
                      sendfile_options const& options, std::size_t written,
                      CompletionToken&& token
                          BOOST_ASIO_DEFAULT_COMPLETION_TOKEN(typename AsyncWriteStream::executor_type));

/** Write a complete HTTP message, blocking; the twin of @ref async_write: the same algorithm (the
    same head for each range, the same MSG_MORE and cork rule, nothing written when a single range
    already ends past its file), with the blocking twin of the core for each range and `asio::write`
    for memory bytes.

    @returns Header and body bytes handed to the stream, on success and on error.
*/
template <class SyncWriteStream, bool isRequest, class Body, class Fields>
std::size_t write(SyncWriteStream& stream, boost::beast::http::message<isRequest, Body, Fields>& msg,
                  boost::system::error_code& ec);

/// As above, passing `options` to every `zerocopy::sendfile` of the body.
template <class SyncWriteStream, bool isRequest, class Body, class Fields>
std::size_t write(SyncWriteStream& stream, boost::beast::http::message<isRequest, Body, Fields>& msg,
                  sendfile_options const& options, boost::system::error_code& ec);

/// As above; throws `boost::system::system_error` on failure.
template <class SyncWriteStream, bool isRequest, class Body, class Fields>
std::size_t write(SyncWriteStream& stream, boost::beast::http::message<isRequest, Body, Fields>& msg);

}  // namespace zerocopy::http

#include <zerocopy/http/impl/write.hpp>

#endif
