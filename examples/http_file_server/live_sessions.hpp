// live_sessions.hpp — the open connections, counted, so that a graceful shutdown needs no polling.
#ifndef EXAMPLES_HTTP_FILE_SERVER_LIVE_SESSIONS_HPP
#define EXAMPLES_HTTP_FILE_SERVER_LIVE_SESSIONS_HPP

#include <cstddef>
#include <functional>
#include <list>
#include <mutex>

namespace example {

/** The sessions (connections) a server has open. Thread-safe.

    Each session holds a ticket from enter() for as long as it lives. On a signal, drain() stops
    admitting sessions, asks every open one to stop, and hands over the shutdown's final step, which
    runs when the last ticket goes: on the thread that releases it, or at once if none is open.
*/
class live_sessions {
    using list = std::list<std::function<void()>>;

public:
    /// A session's place in the count; it leaves when the ticket is destroyed. Move-only.
    class ticket {
    public:
        ticket() noexcept = default;
        ticket(ticket&& other) noexcept : owner_(other.owner_), it_(other.it_) { other.owner_ = nullptr; }
        ticket& operator=(ticket&& other) noexcept;
        ~ticket() { release(); }

        /// False for a session refused because the shutdown has begun: close it.
        explicit operator bool() const noexcept { return owner_ != nullptr; }

    private:
        friend class live_sessions;
        ticket(live_sessions* owner, list::iterator it) noexcept : owner_(owner), it_(it) {}
        void release() noexcept;

        live_sessions* owner_ = nullptr;
        list::iterator it_;
    };

    /// Admits a session. `stop` asks it to finish its response and close (called by drain(), from
    /// the thread that calls it: post to the session's executor). Refused once drain() has begun.
    ticket enter(std::function<void()> stop);

    /// Begins the shutdown: no more sessions, `stop` for each open one, then `final_step` once none
    /// is left.
    void drain(std::function<void()> final_step);

    /// The shutdown bound has passed: runs the final step now unless it has run already. Returns how
    /// many sessions were still open then (0 if the final step had run).
    std::size_t abandon();

private:
    std::mutex mutex_;
    list sessions_;
    bool draining_ = false;
    std::function<void()> final_step_;
};

}  // namespace example

#endif
