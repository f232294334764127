// Boost.URL compiled into zerocopy_http, for builds that have no compiled Boost.URL to link
// (ZEROCOPY_HTTP_COMPILE_BOOST_URL, e.g. the MinGW cross build). Boost.URL's own warnings are
// not this project's.
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
#include <boost/url/src.hpp>
