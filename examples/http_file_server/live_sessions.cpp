#include "live_sessions.hpp"

#include <utility>
#include <vector>

namespace example {

live_sessions::ticket& live_sessions::ticket::operator=(ticket&& other) noexcept {
    if (this != &other) {
        release();
        owner_ = std::exchange(other.owner_, nullptr);
        it_ = other.it_;
    }
    return *this;
}

void live_sessions::ticket::release() noexcept {
    if (!owner_) return;
    std::function<void()> final_step;
    {
        std::lock_guard<std::mutex> lock(owner_->mutex_);
        owner_->sessions_.erase(it_);
        if (owner_->draining_ && owner_->sessions_.empty()) final_step.swap(owner_->final_step_);
    }
    owner_ = nullptr;
    if (final_step) final_step();  // outside the lock: it may destroy sessions, which leave in turn
}

live_sessions::ticket live_sessions::enter(std::function<void()> stop) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (draining_) return {};
    return ticket(this, sessions_.insert(sessions_.end(), std::move(stop)));
}

void live_sessions::drain(std::function<void()> final_step) {
    std::vector<std::function<void()>> stops;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        draining_ = true;
        if (!sessions_.empty()) {
            final_step_.swap(final_step);  // run by the last ticket to go
            stops.assign(sessions_.begin(), sessions_.end());
        }
    }
    // Outside the lock: a stop may hold the last reference to its session, which then leaves.
    for (auto& stop : stops) stop();
    if (final_step) final_step();  // nothing was open
}

std::size_t live_sessions::abandon() {
    std::function<void()> final_step;
    std::size_t open = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!final_step_) return 0;
        final_step.swap(final_step_);
        open = sessions_.size();
    }
    final_step();
    return open;
}

}  // namespace example
