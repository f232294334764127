//
// An executor that counts what is submitted to it and runs it on the spot: the application's
// "inline" immediate executor in the tests of the early-completion rule (Boost 1.82+).
//
#ifndef ZEROCOPY_TEST_COMMON_COUNTING_EXECUTOR_HPP
#define ZEROCOPY_TEST_COMMON_COUNTING_EXECUTOR_HPP

#include <boost/asio/execution.hpp>
#include <boost/asio/execution_context.hpp>

#include <utility>

namespace zerocopy_test {

struct counting_executor {
    int* submitted;
    boost::asio::execution_context* ctx;

    boost::asio::execution_context& query(boost::asio::execution::context_t) const noexcept { return *ctx; }
    static constexpr boost::asio::execution::blocking_t query(boost::asio::execution::blocking_t) noexcept {
        return boost::asio::execution::blocking.possibly;
    }
    template <class F>
    void execute(F f) const {
        ++*submitted;
        std::move(f)();
    }
    bool operator==(counting_executor const& o) const noexcept { return submitted == o.submitted; }
    bool operator!=(counting_executor const& o) const noexcept { return !(*this == o); }
};
static_assert(boost::asio::execution::is_executor<counting_executor>::value);

}  // namespace zerocopy_test

#endif
