//
// zerocopy/http.hpp — the Beast HTTP layer: everything in namespace zerocopy::http.
//
#ifndef ZEROCOPY_HTTP_HPP
#define ZEROCOPY_HTTP_HPP

#include <zerocopy/http/accept_encoding.hpp>
#include <zerocopy/http/cache_control.hpp>
#include <zerocopy/http/conditional.hpp>
#include <zerocopy/http/date.hpp>
#include <zerocopy/http/error.hpp>
#include <zerocopy/http/etag.hpp>
#include <zerocopy/http/framing.hpp>
#include <zerocopy/http/mime.hpp>
#include <zerocopy/http/multipart.hpp>
#include <zerocopy/http/normalize.hpp>
#include <zerocopy/http/range.hpp>
#include <zerocopy/http/read.hpp>
#include <zerocopy/http/range_body.hpp>
#include <zerocopy/http/resolve.hpp>
#include <zerocopy/http/serve_file.hpp>
#include <zerocopy/http/unique_file.hpp>
#include <zerocopy/http/write.hpp>

#endif
