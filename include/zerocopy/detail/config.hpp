//
// zerocopy/detail/config.hpp — platform detection and the library's compile-time switches.
//
#ifndef ZEROCOPY_DETAIL_CONFIG_HPP
#define ZEROCOPY_DETAIL_CONFIG_HPP

#include <boost/config.hpp>

// Symbols compiled in src/ (the library is built static or shared; no dllexport is needed on
// the platforms this project builds for yet).
#define ZEROCOPY_DECL

// ZEROCOPY_HAS_NATIVE_SENDFILE: 1 where src/ has a native zero-copy primitive for sockets
// (Linux sendfile(2), which also serves pipes; Windows TransmitFile); 0 elsewhere, where every
// transfer takes the buffered path. Users may define ZEROCOPY_NO_NATIVE_SENDFILE to force the
// buffered path everywhere.
#if !defined(ZEROCOPY_HAS_NATIVE_SENDFILE)
#if (defined(__linux__) || defined(_WIN32)) && !defined(ZEROCOPY_NO_NATIVE_SENDFILE)
#define ZEROCOPY_HAS_NATIVE_SENDFILE 1
#else
#define ZEROCOPY_HAS_NATIVE_SENDFILE 0
#endif
#endif

#endif
