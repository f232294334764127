//
// zerocopy/disk_io_service.hpp — the library's default place for off-loop reads (issue 14).
//
#ifndef ZEROCOPY_DISK_IO_SERVICE_HPP
#define ZEROCOPY_DISK_IO_SERVICE_HPP

#include <boost/asio/execution_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstddef>
#include <memory>
#include <mutex>

namespace zerocopy {

/** An Asio service that runs the off-loop reads of the transfers whose `sendfile_options::
    disk_executor` is empty, on a small thread pool of its own.

    There is one per execution context (`boost::asio::use_service<disk_io_service>(ctx)`). Its
    threads start when the first transfer of that context needs them, and stop when the context
    shuts down (its destructor or `shutdown()`): reads under way finish first (a read is bounded by
    the disk), queued ones are dropped, and their transfers, if still alive, complete with
    `operation_aborted`. No thread outlives the context; nothing is static.
*/
class disk_io_service : public boost::asio::execution_context::service {
public:
    using key_type = disk_io_service;
    using executor_type = boost::asio::thread_pool::executor_type;

    /// Threads of the pool.
    static constexpr std::size_t default_threads = 4;

    static inline boost::asio::execution_context::id id;

    explicit disk_io_service(boost::asio::execution_context& context)
        : boost::asio::execution_context::service(context) {}

    disk_io_service(disk_io_service const&) = delete;
    disk_io_service& operator=(disk_io_service const&) = delete;

    /// The pool's executor; starts the pool on first use.
    executor_type get_executor() {
        std::lock_guard<std::mutex> lock(mutex_);
        // After shutdown (the context is being destroyed), a pool without threads: what is posted
        // there is dropped, and its transfers, already destroyed with the context, never learn.
        if (!pool_) pool_ = std::make_unique<boost::asio::thread_pool>(stopped_ ? 0 : default_threads);
        return pool_->get_executor();
    }

private:
    void shutdown() override {
        std::unique_ptr<boost::asio::thread_pool> pool;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            pool = std::move(pool_);
            stopped_ = true;
        }
        if (pool) {
            pool->stop();
            pool->join();
        }  // and its destructor drops what it did not run: their transfers complete with operation_aborted
    }

    std::mutex mutex_;
    std::unique_ptr<boost::asio::thread_pool> pool_;
    bool stopped_ = false;
};

}  // namespace zerocopy

#endif
