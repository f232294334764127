// Deprecated: this header was renamed <zerocopy/http/unique_file.hpp> (the type it declares has been
// `unique_file` since it also holds Windows handles). It only forwards there, and is removed in the
// next release; the `unique_fd` type alias is gone already.
#ifndef ZEROCOPY_HTTP_UNIQUE_FD_HPP
#define ZEROCOPY_HTTP_UNIQUE_FD_HPP

#include <zerocopy/http/unique_file.hpp>

#endif
