#ifndef ZEROCOPY_HTTP_UNIQUE_FILE_HPP
#define ZEROCOPY_HTTP_UNIQUE_FILE_HPP

#include <zerocopy/file.hpp>

#include <utility>

namespace zerocopy::http {

namespace detail {
/// The value of a handle that owns nothing: -1 on POSIX, INVALID_HANDLE_VALUE on Windows.
inline native_file_handle invalid_file_handle() noexcept {
#if defined(_WIN32)
    return reinterpret_cast<native_file_handle>(~std::uintptr_t(0));
#else
    return -1;
#endif
}
}  // namespace detail

/// Owns an open file (a descriptor on POSIX, a `HANDLE` on Windows) and closes it on destruction.
/// Move-only.
class unique_file {
public:
    unique_file() noexcept = default;
    explicit unique_file(native_file_handle h) noexcept : h_(h) {}
    unique_file(unique_file&& other) noexcept : h_(std::exchange(other.h_, detail::invalid_file_handle())) {}
    unique_file& operator=(unique_file&& other) noexcept {
        if (this != &other) reset(std::exchange(other.h_, detail::invalid_file_handle()));
        return *this;
    }
    unique_file(unique_file const&) = delete;
    unique_file& operator=(unique_file const&) = delete;
    ~unique_file() { reset(); }

    native_file_handle get() const noexcept { return h_; }
    bool is_open() const noexcept {
#if defined(_WIN32)
        return h_ != detail::invalid_file_handle() && h_ != nullptr;
#else
        return h_ >= 0;
#endif
    }
    explicit operator bool() const noexcept {
        return is_open();
    }
    native_file_handle release() noexcept {
        return std::exchange(h_, detail::invalid_file_handle());
    }
    /// Closes the current file (if any) and takes `h`.
    void reset(native_file_handle h = detail::invalid_file_handle()) noexcept;

private:
    native_file_handle h_ = detail::invalid_file_handle();
};

}  // namespace zerocopy::http

#endif
