// The Boost.Test entry point of the Windows test executables: the header-only variant, so that
// the cross build needs no Boost.Test library built for MinGW.
#define BOOST_TEST_MODULE zerocopy_windows
#include <boost/test/included/unit_test.hpp>
