// Boost.URL compiled into zerocopy_http, for builds that have no compiled Boost.URL to link
// (ZEROCOPY_HTTP_COMPILE_BOOST_URL, e.g. the MinGW cross build). Boost.URL's own warnings are
// not this project's. Boost 1.81 and 1.82 only: cmake/zerocopy_http.cmake compiles Boost.URL's own
// sources (ZEROCOPY_BOOST_URL_SOURCE_DIR) for 1.83 and later, where <boost/url/src.hpp> is gone.
#include <boost/version.hpp>
#if BOOST_VERSION >= 108300
#error \
    "Boost >= 1.83 has no <boost/url/src.hpp>: set ZEROCOPY_BOOST_URL_SOURCE_DIR or link a Boost.URL built for the target"
#endif
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
#include <boost/url/src.hpp>
