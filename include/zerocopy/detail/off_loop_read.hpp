//
// zerocopy/detail/off_loop_read.hpp — a range of a file brought into the page cache off the event
// loop (issue 14), for the asynchronous driver's read_off_loop action.
//
// The task runs on the disk executor and owns everything it touches: a dup() of the file
// descriptor and its own buffer. It never touches the stream, the operation or its handler: when
// it is done it posts a wake-up to the loop, which cancels the operation's wait (a timer that never
// expires) if the operation still waits. The operation can therefore complete at once on
// cancellation (the timer wait is cancelled through the operation's slot), and the caller may close
// the file and the socket right after its handler ran. Everything the two sides share is under one
// mutex.
//
#ifndef ZEROCOPY_DETAIL_OFF_LOOP_READ_HPP
#define ZEROCOPY_DETAIL_OFF_LOOP_READ_HPP

#include <zerocopy/detail/platform.hpp>
#include <zerocopy/detail/sendfile_fsm.hpp>
#include <zerocopy/disk_io_service.hpp>

#if !defined(_WIN32)

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <utility>

namespace zerocopy {
namespace detail {

template <class LoopExecutor>
class off_loop_task : public std::enable_shared_from_this<off_loop_task<LoopExecutor>> {
public:
    using timer_type =
        boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                          boost::asio::wait_traits<std::chrono::steady_clock>, LoopExecutor>;

    off_loop_task(LoopExecutor loop, native_file_handle file, std::uint64_t offset, std::size_t size,
                  std::uint64_t ahead, timer_type* waiter)
        : loop_(std::move(loop)), waiter_(waiter), file_(file), offset_(offset), size_(size), ahead_(ahead) {}

    off_loop_task(off_loop_task const&) = delete;
    off_loop_task& operator=(off_loop_task const&) = delete;
    ~off_loop_task() { close_duplicate(file_); }

    /// On the disk executor: the blocking read, then the wake-up.
    void run() noexcept {
        constexpr std::size_t scratch_size = 256 * 1024;
        std::unique_ptr<unsigned char[]> scratch(new (std::nothrow) unsigned char[scratch_size]);
        io_result r;
        if (scratch)
            r = read_into_page_cache(file_, offset_, size_, ahead_, scratch.get(), scratch_size);
        else
            r.ec = boost::asio::error::no_memory;
        close_duplicate(std::exchange(file_, -1));
        complete(r);
    }

    /// The disk executor dropped the task without running it (its pool was shut down).
    void drop() noexcept {
        io_result r;
        r.ec = boost::asio::error::operation_aborted;
        complete(r);
    }

    /// On the loop, when the operation resumes (the wait ended: woken, or cancelled): detaches the
    /// operation and returns the result for sendfile_fsm::resume. Not finished: cancelled.
    fsm_event take_result() noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        detach_locked();
        if (!finished_) return fsm_event(fsm_action::read_off_loop, boost::asio::error::operation_aborted);
        return fsm_event(fsm_action::read_off_loop, result_.ec, result_.bytes);
    }

    /// The operation goes away (destroyed, e.g. with its execution context): the task, if it still
    /// runs, touches nothing of the loop's afterwards.
    void detach() noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        detach_locked();
    }

private:
    void detach_locked() noexcept {
        waiter_ = nullptr;
        loop_.reset();  // on the loop's side: an executor (a strand...) is released where it lives
    }

    void complete(io_result const& r) noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        result_ = r;
        finished_ = true;
        if (loop_) {
            BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::async_sendfile off-loop read done"));
            boost::asio::post(*loop_, [self = this->shared_from_this()] { self->wake(); });
        }
    }

    void wake() noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        if (waiter_) waiter_->cancel();  // the operation resumes and takes the result
    }

    std::mutex mutex_;
    std::optional<LoopExecutor> loop_;  // reset when the operation detaches
    timer_type* waiter_;                // the operation's wait, while it waits
    native_file_handle file_;           // the task's own duplicate
    std::uint64_t offset_;
    std::size_t size_;
    std::uint64_t ahead_;  // read ahead after the range (sendfile_fsm: the next turn's)
    io_result result_;
    bool finished_ = false;
};

// What the disk executor runs: the task, or, if destroyed unrun, the task's "dropped".
template <class LoopExecutor>
class off_loop_runner {
public:
    explicit off_loop_runner(std::shared_ptr<off_loop_task<LoopExecutor>> task) noexcept
        : task_(std::move(task)) {}
    off_loop_runner(off_loop_runner&&) noexcept = default;
    off_loop_runner& operator=(off_loop_runner&&) = delete;
    ~off_loop_runner() {
        if (task_) task_->drop();
    }
    void operator()() { std::exchange(task_, nullptr)->run(); }

private:
    std::shared_ptr<off_loop_task<LoopExecutor>> task_;
};

/// The operation's side: its wait (a timer that never expires, on the heap: the operation moves,
/// the timer must not while it waits) and the task of the read under way.
template <class LoopExecutor>
class off_loop_read {
    using task_type = off_loop_task<LoopExecutor>;
    using timer_type = typename task_type::timer_type;

public:
    off_loop_read() = default;
    off_loop_read(off_loop_read&&) noexcept = default;
    off_loop_read& operator=(off_loop_read&&) = delete;
    ~off_loop_read() {
        if (task_) task_->detach();
    }

    /// Starts the read of file[a.offset(), +a.size()) on `disk` (empty: the context's
    /// disk_io_service) and suspends `self` until it is done or the operation is cancelled; true.
    /// False with `ev` set to the error if the task could not start (dup failed): `self` untouched.
    /// The arguments may live in the operation (`self`): each is used before `self` moves, or copied.
    template <class Self>
    bool start(Self& self, LoopExecutor const& loop, boost::asio::any_io_executor const& disk,
               native_file_handle file, fsm_action const& a, fsm_event& ev) {
        boost::system::error_code ec;
        native_file_handle const dup = duplicate_file(file, ec);
        if (ec) {
            ev = fsm_event(fsm_action::read_off_loop, ec);
            return false;
        }
        if (!timer_)
            timer_ = std::make_unique<timer_type>(loop, timer_type::time_point::max());
        else
            timer_->expires_at(timer_type::time_point::max());
        auto task = std::make_shared<task_type>(loop, dup, a.offset(), a.size(), a.ahead(), timer_.get());
        task_ = task;
        timer_type* const timer = timer_.get();
        // Copied: `disk` may be a member of the operation, which moves with `self` below.
        boost::asio::any_io_executor const disk_executor = disk;
        // The wait first, so that a wake-up can never come before it; `self` (this with it) moves.
        BOOST_ASIO_HANDLER_LOCATION((__FILE__, __LINE__, "zerocopy::async_sendfile off-loop read"));
        timer->async_wait(std::move(self));
        off_loop_runner<LoopExecutor> runner(std::move(task));
        if (disk_executor) {
            boost::asio::post(disk_executor, std::move(runner));
        } else {
            auto& context = boost::asio::query(loop, boost::asio::execution::context);
            boost::asio::post(boost::asio::use_service<disk_io_service>(context).get_executor(),
                              std::move(runner));
        }
        return true;
    }

    /// The wait ended: the read's result (or operation_aborted if the wait was cancelled first).
    fsm_event result() noexcept {
        fsm_event ev = task_->take_result();
        task_.reset();
        return ev;
    }

private:
    std::unique_ptr<timer_type> timer_;
    std::shared_ptr<task_type> task_;
};

}  // namespace detail
}  // namespace zerocopy

#endif  // !_WIN32

#endif
