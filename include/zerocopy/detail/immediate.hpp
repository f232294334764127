//
// zerocopy/detail/immediate.hpp — completing an operation that never waited, never inline.
//
#ifndef ZEROCOPY_DETAIL_IMMEDIATE_HPP
#define ZEROCOPY_DETAIL_IMMEDIATE_HPP

#include <zerocopy/detail/config.hpp>

#if ZEROCOPY_HAS_IMMEDIATE_EXECUTOR
#include <boost/asio/associated_immediate_executor.hpp>
#include <boost/asio/dispatch.hpp>
#else
#include <boost/asio/post.hpp>
#endif

#include <utility>

namespace zerocopy::detail {

// Resumes the composed operation `self` (an async_compose state) once more, from outside the
// initiating function, so that it can complete: through the handler's associated immediate
// executor where Asio has one (1.82+; by default the I/O executor with blocking.never, i.e. a
// post; a handler bound with asio::bind_immediate_executor runs on that executor), otherwise
// through asio::post. The handler is never invoked from within the initiating function unless
// the application's immediate executor does so itself.
template <class Self>
void resume_immediately(Self& self) {
#if ZEROCOPY_HAS_IMMEDIATE_EXECUTOR
    auto const ex = boost::asio::get_associated_immediate_executor(self, self.get_io_executor());
    boost::asio::dispatch(ex, std::move(self));
#else
    boost::asio::post(std::move(self));
#endif
}

}  // namespace zerocopy::detail

#endif
