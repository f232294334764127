//
// sigpipe_guard — write to a pipe or socket whose reader is gone without raising SIGPIPE,
// and without touching the process-wide disposition.
//
// sendfile(2) and write(2) have no MSG_NOSIGNAL. While the guard lives, SIGPIPE is blocked in
// the calling thread only; a SIGPIPE that the guarded call raised (it is thread-directed) is
// then pending, and discard_if(true) takes it off with a zero-timeout sigtimedwait before the
// old mask comes back. If the caller had SIGPIPE blocked already, the guard does nothing: a
// pending SIGPIPE is then the caller's to handle.
//
#ifndef ZEROCOPY_SRC_SIGPIPE_GUARD_HPP
#define ZEROCOPY_SRC_SIGPIPE_GUARD_HPP

#include <cerrno>
#include <ctime>

#include <pthread.h>
#include <signal.h>

namespace zerocopy {
namespace detail {

// Whether SIGPIPE is ignored process-wide: what sendfile_options::sigpipe_ignored declares, checked
// by the unguarded calls where assertions are live.
[[maybe_unused]] inline bool sigpipe_is_ignored() noexcept {
    struct sigaction sa {};
    return ::sigaction(SIGPIPE, nullptr, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

class sigpipe_guard {
public:
    sigpipe_guard() noexcept {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        sigset_t old;
        ::pthread_sigmask(SIG_BLOCK, &pipe_, &old);
        active_ = !sigismember(&old, SIGPIPE);
    }

    sigpipe_guard(sigpipe_guard const&) = delete;
    sigpipe_guard& operator=(sigpipe_guard const&) = delete;

    /// Consumes the SIGPIPE the guarded call may have raised: call it when the call failed
    /// with EPIPE or moved fewer bytes than asked (then the check costs one syscall).
    void discard_if(bool maybe_raised) noexcept {
        if (!maybe_raised || !active_) return;
        int const saved = errno;
        timespec zero{0, 0};
        while (::sigtimedwait(&pipe_, nullptr, &zero) == -1 && errno == EINTR) {
        }
        errno = saved;
    }

    ~sigpipe_guard() {
        if (active_) ::pthread_sigmask(SIG_UNBLOCK, &pipe_, nullptr);
    }

private:
    sigset_t pipe_;
    bool active_ = false;
};

}  // namespace detail
}  // namespace zerocopy

#endif
