//
// zerocopy/sendfile_options.hpp — how a transfer is carried out.
//
#ifndef ZEROCOPY_SENDFILE_OPTIONS_HPP
#define ZEROCOPY_SENDFILE_OPTIONS_HPP

#include <cstddef>

namespace zerocopy {

/// Which path a transfer takes.
enum class send_mode {
    /// Zero-copy where the stream, the platform and the file allow it; otherwise, and when the
    /// kernel refuses the file, the buffered path from the same offset, transparently.
    automatic,
    /// Zero-copy only: a stream, platform or file that cannot do it fails with
    /// `error::native_unavailable` (or the kernel's own error), never falls back.
    native,
    /// Never zero-copy: pread into one buffer, then write it to the stream.
    buffered
};

/// Options of one transfer.
struct sendfile_options {
    send_mode mode = send_mode::automatic;

    /// Bytes sent per turn before the operation gives the executor the chance to run other
    /// work (fairness). 0 means the default.
    std::size_t max_chunk = 2 * 1024 * 1024;

    /// Size of the one buffer the buffered path allocates per operation (through the
    /// handler's associated allocator). 0 means the default.
    std::size_t buffer_size = 64 * 1024;
};

}  // namespace zerocopy

#endif
