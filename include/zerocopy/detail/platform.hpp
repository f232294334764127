//
// zerocopy/detail/platform.hpp — the one seam between the operation and the operating system.
//
// Everything here is compiled in src/: the syscall headers (<sys/sendfile.h>, <signal.h>...)
// never reach a user's translation unit. Every function is noexcept, retries EINTR, and reports
// failures as error codes of the system category (EAGAIN compares equal to
// boost::asio::error::would_block).
//
#ifndef ZEROCOPY_DETAIL_PLATFORM_HPP
#define ZEROCOPY_DETAIL_PLATFORM_HPP

#include <zerocopy/detail/config.hpp>
#include <zerocopy/detail/sendfile_fsm.hpp>
#include <zerocopy/file.hpp>

#include <boost/system/error_code.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace zerocopy {
namespace detail {

#if defined(_WIN32)
using native_stream_handle = std::uintptr_t;  // SOCKET
#else
using native_stream_handle = int;  // socket or pipe descriptor
#endif

/// Result of one non-blocking step: bytes moved, and why it stopped short if it did.
struct io_result {
    std::size_t bytes = 0;
    boost::system::error_code ec;
};

/// Checks that `file` can be the source of a transfer (open, readable, a regular file) and
/// returns its current size. Errors: bad_descriptor, error::file_not_readable,
/// error::not_a_regular_file.
ZEROCOPY_DECL boost::system::error_code inspect_file(native_file_handle file, std::uint64_t& size) noexcept;

/// True when this build has a native zero-copy primitive (Linux: sendfile(2); Windows:
/// TransmitFile). False on other platforms: every transfer takes the buffered path there.
ZEROCOPY_DECL bool has_native_send() noexcept;

/// Whether the native primitive completes later, through the I/O completion port (Windows'
/// overlapped TransmitFile, started with overlapped_send::start), rather than as one non-blocking call.
#if defined(_WIN32)
inline constexpr bool native_send_is_overlapped = true;
#else
inline constexpr bool native_send_is_overlapped = false;
#endif

/// Issue 13: true when this build has read_at_nowait and send_with_head_nosignal (Linux:
/// preadv2 with RWF_NOWAIT, sendmsg). False elsewhere: the small-body path is never taken there.
ZEROCOPY_DECL bool has_small_send() noexcept;
/// Whether this build can tell page-cache residency and read without waiting for the disk (Linux:
/// preadv2(RWF_NOWAIT), cachestat(2)). Issue 14; elsewhere the off-loop path is never taken
/// (Windows' TransmitFile is asynchronous: the loop never waits for the disk there).
#if defined(__linux__)
inline constexpr bool has_residency_probe = true;
#else
inline constexpr bool has_residency_probe = false;
#endif

/// What the state machine may ask of this build's seam (see sendfile_fsm).
inline platform_caps platform_caps_of_this_build() noexcept {
    platform_caps c;
    c.native = has_native_send();
    c.native_head = native_send_is_overlapped;  // TransmitFile's TRANSMIT_FILE_BUFFERS
    c.send_more = !native_send_is_overlapped;   // send_nosignal with MSG_MORE (POSIX)
    c.small_send = has_small_send();            // issue 13: preadv2(RWF_NOWAIT) + sendmsg
    c.probe = has_residency_probe;              // issue 14 (the blocking twin clears it)
    return c;
}

/// One zero-copy attempt: moves up to `count` bytes of `file` starting at `offset` to `out`
/// (a socket or a pipe), without touching the file position and without raising SIGPIPE,
/// `head` first where platform_caps::native_head (Windows; elsewhere `head_size` is 0; the
/// count includes the head's bytes). Returns bytes == 0 and no error at end of file;
/// would_block when `out` is full; the kernel's refusal (EINVAL, ENOSYS, ...) as is. Never
/// blocks if `out` is non-blocking (Windows: waits for the call to complete).
ZEROCOPY_DECL io_result native_send(native_stream_handle out, native_file_handle file, std::uint64_t offset,
                                    std::size_t count, void const* head = nullptr,
                                    std::size_t head_size = 0) noexcept;

/// Reads up to `size` bytes of `file` at `offset` (pread). bytes == 0 and no error at end of file.
ZEROCOPY_DECL io_result read_at(native_file_handle file, std::uint64_t offset, void* data,
                                std::size_t size) noexcept;

/// Blocks until `out` is writable or in error (poll). For the blocking twin.
ZEROCOPY_DECL boost::system::error_code wait_writable(native_stream_handle out) noexcept;

#if !defined(_WIN32)
/// Writes up to `size` bytes to the descriptor `out` (a pipe, a socket, a character device)
/// without raising SIGPIPE; would_block when `out` is non-blocking and full. (The buffered path
/// of a posix::stream_descriptor; Windows has no such stream.)
ZEROCOPY_DECL io_result write_some_nosignal(native_stream_handle out, void const* data,
                                            std::size_t size) noexcept;

/// Sends up to `size` bytes to the socket `out` without raising SIGPIPE (MSG_NOSIGNAL); with
/// `more`, tells the kernel that more bytes follow at once (Linux MSG_MORE: the bytes wait to
/// leave in the same segment as the next write, here the file's first bytes). would_block when
/// `out` is non-blocking and full.
ZEROCOPY_DECL io_result send_nosignal(native_stream_handle out, void const* data, std::size_t size,
                                      bool more) noexcept;

// Issue 13: the small-body path and the declared SIGPIPE disposition.

// read_at_nowait (declared below, with the cold-page-cache functions) is the small path's read.

/// Sends `head` then `data` to the socket `out` in one non-blocking call (sendmsg with
/// MSG_NOSIGNAL); the count covers both, head first. would_block when the socket is full.
ZEROCOPY_DECL io_result send_with_head_nosignal(native_stream_handle out, void const* head,
                                                std::size_t head_size, void const* data,
                                                std::size_t size) noexcept;

/// native_send and write_some_nosignal without the SIGPIPE guard, for a caller that declared
/// SIGPIPE ignored process-wide (sendfile_options::sigpipe_ignored). Builds without NDEBUG
/// assert the declaration with sigaction.
ZEROCOPY_DECL io_result native_send_unguarded(native_stream_handle out, native_file_handle file,
                                              std::uint64_t offset, std::size_t count) noexcept;
ZEROCOPY_DECL io_result write_some_unguarded(native_stream_handle out, void const* data,
                                             std::size_t size) noexcept;
#endif

#if !defined(_WIN32)
// ---------------------------------------------------------------------------------------------
// Issue 14: the cold page cache. Linux implements the probe and the non-blocking read
// (src/platform_linux.cpp); other POSIX systems answer operation_not_supported, and the machine
// then goes on as before.

/// How the residency probe asks, remembered per operation: cachestat(2) is tried first and given up
/// for the rest of the transfer when it answers EPERM (the caller neither owns nor may write the
/// file) or ENOSYS (kernels before 6.5); then preadv2(RWF_NOWAIT).
enum class probe_method : unsigned char { untried, cachestat, nowait_read };

/// The resident prefix of file[offset, +size): `bytes` from `offset` on are in the page cache (0:
/// the first page is not). preadv2(RWF_NOWAIT) reads one byte per 128 KiB (the default readahead
/// window, the unit pages come in by) and the last byte, so a page evicted alone between two
/// samples can go unseen; a page still being read from the disk counts as not resident. Where
/// cachestat(2) answers, a range with no page cached is found cold by it alone (cachestat cannot
/// say more: it counts pages under read I/O as cached). At end of file the
/// whole `size` counts as resident (the native send then finds the end). operation_not_supported
/// where the kernel or the filesystem cannot tell. Never waits for the disk; never mincore(2)
/// (it reports every page of a file the caller does not own as resident).
ZEROCOPY_DECL io_result probe_resident(native_file_handle file, std::uint64_t offset, std::size_t size,
                                       probe_method& method) noexcept;

/// read_at without waiting for the disk (preadv2 with RWF_NOWAIT): would_block when the first byte
/// is not in the page cache, a short count where the resident part ends, bytes == 0 at end of file;
/// operation_not_supported where the platform has no such read. Also the small-body path's read.
ZEROCOPY_DECL io_result read_at_nowait(native_file_handle file, std::uint64_t offset, void* data,
                                       std::size_t size) noexcept;

/// Blocking (for a worker thread): reads file[offset, +size) through `scratch` (`scratch_size`
/// bytes, reused), which brings it into the page cache; the data is discarded. Then, when all of
/// it was read, starts reading the `ahead` bytes after it into the page cache without waiting
/// (POSIX_FADV_WILLNEED; a hint: its failure is ignored). The bytes read (short: the file ends
/// there), or the first error with what was read before it.
ZEROCOPY_DECL io_result read_into_page_cache(native_file_handle file, std::uint64_t offset, std::size_t size,
                                             std::uint64_t ahead, void* scratch,
                                             std::size_t scratch_size) noexcept;

/// A duplicate of `file` (close-on-exec) that an off-loop task owns, so that the caller may close
/// `file` (and the number be reused) while the task still reads.
ZEROCOPY_DECL native_file_handle duplicate_file(native_file_handle file,
                                                boost::system::error_code& ec) noexcept;

/// Closes a descriptor returned by duplicate_file.
ZEROCOPY_DECL void close_duplicate(native_file_handle file) noexcept;

/// Process-wide counters of the cold path, for tests and diagnostics (relaxed atomics).
struct off_loop_counters {
    std::atomic<std::uint64_t> probes{0};  // probe_resident calls
    std::atomic<std::uint64_t> not_resident{
        0};  // probes and non-blocking reads that found the first page cold
    std::atomic<std::uint64_t> off_loop_reads{0};    // read_into_page_cache calls
    std::atomic<std::uint64_t> cachestat_probes{0};  // probes answered by cachestat(2) alone (nothing cached)
    std::atomic<std::uint64_t> nowait_probes{0};     // probes answered by preadv2(RWF_NOWAIT) samples
};
ZEROCOPY_DECL off_loop_counters& off_loop_stats() noexcept;
#endif

#if defined(_WIN32)
// Windows: TransmitFile is asynchronous, completed through the I/O completion port. The
// asynchronous driver starts it on an OVERLAPPED of asio::windows::overlapped_ptr and reports the
// completion to the state machine; native_send above is the blocking twin's form (it waits on an
// event, without a completion packet).

/// Most bytes one TransmitFile call may be asked for.
inline constexpr std::size_t transmit_file_max = 2147483646;

/// One overlapped TransmitFile of an operation, and the slot it holds (client editions of Windows
/// run two TransmitFile calls at a time system-wide and queue the others behind them: a slow
/// reader would then stall every other transfer of the machine). The slot is given back by
/// complete(), or by the destructor when the operation is destroyed before its completion arrives
/// (its io_context shut down).
class overlapped_send {
public:
    overlapped_send() = default;
    overlapped_send(overlapped_send&& other) noexcept : slot_(std::exchange(other.slot_, false)) {}
    overlapped_send& operator=(overlapped_send&&) = delete;
    ~overlapped_send() { release(); }

    /// Takes a slot for one call. With `may_refuse`, on a client edition, false when both are in use
    /// ("busy": the machine then falls back to the buffered path). Server editions have no limit.
    ZEROCOPY_DECL bool acquire(bool may_refuse) noexcept;

    /// Starts one TransmitFile (slot held) of `head` then up to `count` bytes of `file` at `offset`
    /// to the socket `out`, on `overlapped` (an OVERLAPPED* whose completion goes to the socket's
    /// completion port). No error: the completion will arrive. Otherwise nothing started.
    ZEROCOPY_DECL boost::system::error_code start(native_stream_handle out, native_file_handle file,
                                                  std::uint64_t offset, std::size_t count, void const* head,
                                                  std::size_t head_size, void* overlapped) noexcept;

    /// The completion arrived: gives the slot back and translates its error as Asio does for its
    /// own socket operations (ERROR_NETNAME_DELETED is connection_reset, ERROR_PORT_UNREACHABLE
    /// connection_refused).
    ZEROCOPY_DECL boost::system::error_code complete(boost::system::error_code ec) noexcept;

    /// Asks the system to cancel the TransmitFile started on `overlapped` (CancelIoEx); it then
    /// completes with operation_aborted and the bytes it had sent.
    ZEROCOPY_DECL static void cancel(native_stream_handle out, void* overlapped) noexcept;

private:
    ZEROCOPY_DECL void release() noexcept;
    bool slot_ = false;
};
#endif

}  // namespace detail
}  // namespace zerocopy

#endif
