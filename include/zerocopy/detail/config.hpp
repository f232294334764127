//
// zerocopy/detail/config.hpp — platform detection and the library's compile-time switches.
//
#ifndef ZEROCOPY_DETAIL_CONFIG_HPP
#define ZEROCOPY_DETAIL_CONFIG_HPP

#include <boost/asio/version.hpp>
#include <boost/config.hpp>
#include <boost/version.hpp>

// Symbols compiled in src/ (the library is built static or shared; no dllexport is needed on
// the platforms this project builds for yet).
#define ZEROCOPY_DECL

// Which native primitive a platform has (Linux sendfile(2), Windows TransmitFile, none elsewhere) is
// decided in src/, behind detail/platform.hpp (has_native_send()), not by a macro here: a user's
// translation unit never needs to know. send_mode::buffered forces the buffered path per operation.

// What differs between the Boost versions zerocopy supports (1.81 and later), decided here and
// nowhere else. Each switch is 0 or 1.
//
// ZEROCOPY_HAS_IMMEDIATE_EXECUTOR: Asio 1.28 (Boost 1.82) has associated immediate executors. An
// operation that completes without having waited for anything dispatches its handler through it, as Asio's
// own operations do; on 1.81 it posts the handler instead.
#if !defined(ZEROCOPY_HAS_IMMEDIATE_EXECUTOR)
#if BOOST_ASIO_VERSION >= 102800
#define ZEROCOPY_HAS_IMMEDIATE_EXECUTOR 1
#else
#define ZEROCOPY_HAS_IMMEDIATE_EXECUTOR 0
#endif
#endif

// ZEROCOPY_HAS_CANCEL_AFTER: Asio 1.32 (Boost 1.86) has asio::cancel_after / cancel_at, and makes
// asio::deferred the default completion token of every executor (it was none before).
#if BOOST_ASIO_VERSION >= 103200
#define ZEROCOPY_HAS_CANCEL_AFTER 1
#define ZEROCOPY_DEFAULT_TOKEN_IS_DEFERRED 1
#else
#define ZEROCOPY_HAS_CANCEL_AFTER 0
#define ZEROCOPY_DEFAULT_TOKEN_IS_DEFERRED 0
#endif

// ZEROCOPY_BEAST_FILE_BODY_HAS_POSITION: since Boost 1.82 a beast::http::basic_file_body starts at
// its file's current position (value_type::seek and reset set it; size() is the rest of the file),
// and Beast's writer sends [position, position + size()). Before, it sent [0, size()).
#if BOOST_VERSION >= 108200
#define ZEROCOPY_BEAST_FILE_BODY_HAS_POSITION 1
#else
#define ZEROCOPY_BEAST_FILE_BODY_HAS_POSITION 0
#endif

#endif
