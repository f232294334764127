#ifndef ZEROCOPY_HTTP_READ_HPP
#define ZEROCOPY_HTTP_READ_HPP

#include <zerocopy/http/framing.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>

namespace zerocopy::http {

/** Start an asynchronous operation that reads a request with Beast, refusing the framing defects that
    Beast's parser accepts.

    Bytes are read into `buffer` until it holds the whole header (the first empty line); those raw
    bytes go through @ref check_request_header_bytes (the only place obs-fold is visible, since Beast
    unfolds it); then `beast::http::async_read(stream, buffer, parser)` parses the message from the
    buffer and reads the body, and the parsed header goes through @ref check_request_framing. A defect
    completes the operation with an error code of @ref framing_category: answer with
    @ref make_framing_error_response (400 or 501, `Connection: close`), then close the connection.
    Bytes after the header (pipelined requests) stay in `buffer` for the next call, as with Beast.
    A message the buffer already holds whole is parsed at once, without a read: an operation that
    did read completes from that read's completion, not through one more trip through the scheduler.

    The operation continues until one of the following is true:
    @li a complete message has been parsed;
    @li a framing defect is found;
    @li 64 KiB have been read without a complete header (`beast::http::error::header_limit`; Beast's
    own, lower `header_limit` applies first as usual);
    @li an error occurred (Beast's and the stream's errors, as with `beast::http::async_read`).

    @param stream The stream to read from; it must outlive the operation.
    @param buffer A DynamicBuffer (such as `beast::flat_buffer`), holding any bytes read before; it
    must outlive the operation.
    @param parser A fresh request parser, or one whose header @ref try_read_request parsed already
    (then only the body is read); it must outlive the operation.
    @param token The completion token, with signature
    @code void(boost::system::error_code ec, std::size_t bytes_transferred) @endcode
    (`bytes_transferred`: what Beast's async_read reports, 0 on a framing defect). The handler is
    never invoked from within this function.

    @par Per-Operation Cancellation
    The cancellation slot reaches the intermediate `async_read_some` and Beast's `async_read`.
*/
template <
    class AsyncReadStream, class DynamicBuffer, class Body, class Allocator,
    class CompletionToken BOOST_ASIO_DEFAULT_COMPLETION_TOKEN_TYPE(typename AsyncReadStream::executor_type)>
auto async_read_request(
    AsyncReadStream& stream, DynamicBuffer& buffer, boost::beast::http::parser<true, Body, Allocator>& parser,
    CompletionToken&& token BOOST_ASIO_DEFAULT_COMPLETION_TOKEN(typename AsyncReadStream::executor_type));

/** Read a request from a non-blocking stream without waiting: what has arrived, with the checks of
    @ref async_read_request. For a server that learned that the stream is readable (for example from
    `socket.async_wait(wait_read)`) and answers in the same handler, where @ref async_read_request
    would spend a trip through the scheduler on completing an operation that found everything
    buffered already.

    Reads with `stream.read_some` until `buffer` holds a whole request or the stream reports
    `asio::error::would_block`. The stream must be in non-blocking mode
    (`basic_socket::non_blocking(true)`); otherwise this function waits as @ref read_request does.

    @param stream The stream to read from.
    @param buffer As for @ref async_read_request.
    @param parser A fresh request parser, or the one an earlier call left incomplete.
    @param ec Set to indicate what error occurred, if any:
    @li `asio::error::would_block`: what has arrived is not a whole request yet. Nothing is lost:
    the bytes stay in `buffer`, and once the whole header has arrived and passed the raw-byte checks
    it is parsed into `parser` (`parser.is_header_done()`). Continue with @ref async_read_request
    with the same buffer and parser (it then reads only what is missing). Do not call this function
    again for the same request: each call scans the buffered header from its start;
    @li any error of @ref read_request (a framing defect, `header_limit`, Beast's and the stream's
    errors);
    @li clear: a complete message has been parsed and checked.
    @returns The bytes the parser consumed during this call.
*/
template <class SyncReadStream, class DynamicBuffer, class Body, class Allocator>
std::size_t try_read_request(SyncReadStream& stream, DynamicBuffer& buffer,
                             boost::beast::http::parser<true, Body, Allocator>& parser,
                             boost::system::error_code& ec);

/// Blocking twin of @ref async_read_request.
template <class SyncReadStream, class DynamicBuffer, class Body, class Allocator>
std::size_t read_request(SyncReadStream& stream, DynamicBuffer& buffer,
                         boost::beast::http::parser<true, Body, Allocator>& parser,
                         boost::system::error_code& ec);

}  // namespace zerocopy::http

#include <zerocopy/http/impl/read.hpp>

#endif
