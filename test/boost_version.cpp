// Prints the Boost this build compiled against (BOOST_LIB_VERSION, BOOST_ASIO_VERSION) and, with
// Boost.URL, the library it loaded at run time; with an argument, fails unless BOOST_LIB_VERSION
// equals it ("1_89"). scripts/test.sh uses it to prove that ZEROCOPY_BOOST_ROOT's Boost, and not
// the system's, is the one tested. Needs nothing from zerocopy, so it builds even where the
// library does not (yet) compile against that Boost.
#include <boost/asio/version.hpp>
#include <boost/version.hpp>

#include <cstdio>
#include <cstring>

#ifdef ZEROCOPY_BOOST_VERSION_WITH_URL
#include <boost/url/parse.hpp>
#endif

int main(int argc, char** argv) {
    std::printf("BOOST_LIB_VERSION=%s BOOST_VERSION=%d BOOST_ASIO_VERSION=%d\n", BOOST_LIB_VERSION,
                BOOST_VERSION, BOOST_ASIO_VERSION);
#ifdef ZEROCOPY_BOOST_VERSION_WITH_URL
    // A call into the compiled Boost.URL, so that the binary really loads (or links) it.
    auto const u = boost::urls::parse_uri("http://example.com/a%20b");
    if (!u || u->host() != "example.com") {
        std::printf("Boost.URL: parse_uri failed\n");
        return 1;
    }
    std::printf("Boost.URL: parse_uri ok\n");
#endif
    if (argc > 1 && std::strcmp(argv[1], BOOST_LIB_VERSION) != 0) {
        std::printf("FAILED: expected Boost %s, compiled against %s\n", argv[1], BOOST_LIB_VERSION);
        return 1;
    }
    return 0;
}
