//
// zerocopy/file.hpp — what the library accepts as "a file": native handles and the file
// objects users already hold.
//
#ifndef ZEROCOPY_FILE_HPP
#define ZEROCOPY_FILE_HPP

#include <zerocopy/detail/config.hpp>

#include <cstdint>
#include <cstdio>
#include <stdio.h>  // fileno (POSIX)
#include <type_traits>
#include <utility>
#if defined(_WIN32)
#include <io.h>  // _get_osfhandle
#endif

namespace zerocopy {

#if defined(_WIN32)
/// The operating system's handle of an open file (`HANDLE` on Windows).
using native_file_handle = void*;
#else
/// The operating system's handle of an open file (a descriptor on POSIX).
using native_file_handle = int;
#endif

/// A `count` meaning "up to the end of the file, as large as the file is when the operation starts".
inline constexpr std::uint64_t to_end = ~std::uint64_t(0);

/** Returns the native handle of a file object.

    This is the library's customization point for file types. The overloads below cover
    `boost::beast::file_posix` and `boost::asio::basic_random_access_file` /
    `basic_stream_file` (any object whose `native_handle()` returns the native handle), and
    `boost::beast::file_stdio` (any object whose `native_handle()` returns a `FILE*`). To make
    another type usable, declare `native_file_handle native_file_handle_of(T&)` in the namespace
    of `T`; it is found by argument-dependent lookup.

    The returned handle must stay open until the operation that uses it completes. The library
    never reads or moves the file's position: it reads at explicit offsets.
*/
template <class File>
auto native_file_handle_of(File& file)
    -> std::enable_if_t<std::is_same_v<std::decay_t<decltype(file.native_handle())>, native_file_handle>,
                        native_file_handle> {
    return file.native_handle();
}

/// Overload for objects holding a `FILE*`, such as `boost::beast::file_stdio`.
template <class File>
auto native_file_handle_of(File& file)
    -> std::enable_if_t<std::is_same_v<std::decay_t<decltype(file.native_handle())>, std::FILE*>,
                        native_file_handle> {
    std::FILE* f = file.native_handle();
#if defined(_WIN32)
    // The CRT's descriptor maps to the HANDLE it wraps (INVALID_HANDLE_VALUE when closed).
    return f ? reinterpret_cast<native_file_handle>(::_get_osfhandle(::_fileno(f))) : nullptr;
#else
    return f ? ::fileno(f) : -1;
#endif
}

namespace detail {
template <class File, class = void>
struct is_file_object : std::false_type {};

template <class File>
struct is_file_object<File,
                      std::enable_if_t<std::is_class_v<File>,
                                       std::void_t<decltype(native_file_handle_of(std::declval<File&>()))>>>
    : std::true_type {};
}  // namespace detail

/// True when `File` is a class type accepted by the file-object overloads of `async_sendfile`.
template <class File>
inline constexpr bool is_file_object_v = detail::is_file_object<std::remove_reference_t<File>>::value;

}  // namespace zerocopy

#endif
