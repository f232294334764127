//
// zerocopy.hpp — the umbrella header of the core library.
//
#ifndef ZEROCOPY_HPP
#define ZEROCOPY_HPP

#include <zerocopy/async_sendfile.hpp>
#include <zerocopy/disk_io_service.hpp>
#include <zerocopy/error.hpp>
#include <zerocopy/file.hpp>
#include <zerocopy/inspected_file.hpp>
#include <zerocopy/sendfile_options.hpp>

#endif
