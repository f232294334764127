#include <zerocopy/http/normalize.hpp>

#include <zerocopy/http/resolve.hpp>

#include <boost/test/unit_test.hpp>

#include <string>

using namespace zerocopy::http;

namespace {
std::string redirect_of(std::string_view target) {
    auto const n = normalize_target(target);
    BOOST_TEST_INFO("target: " << target);
    BOOST_TEST(static_cast<int>(n.form) == static_cast<int>(target_form::redirect));
    return n.location;
}
target_form form_of(std::string_view target) {
    return normalize_target(target).form;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(http_normalize)

BOOST_AUTO_TEST_CASE(redirects) {
    BOOST_TEST(redirect_of("//a") == "/a");
    BOOST_TEST(redirect_of("/a//b") == "/a/b");
    BOOST_TEST(redirect_of("/./a") == "/a");
    BOOST_TEST(redirect_of("/b/../a") == "/a");
    BOOST_TEST(redirect_of("/a/..") == "/");
    BOOST_TEST(redirect_of("/a/b/..") == "/a/");
    BOOST_TEST(redirect_of("/a/.") == "/a/");
    BOOST_TEST(redirect_of("/a//") == "/a/");
    BOOST_TEST(redirect_of("//") == "/");
    BOOST_TEST(redirect_of("/.") == "/");
    BOOST_TEST(redirect_of("/a/./b/../c?x=1&y=/../z") == "/a/c?x=1&y=/../z");  // query kept as received
    BOOST_TEST(redirect_of("/b/../a?") == "/a?");
    BOOST_TEST(redirect_of("/x/%41/../b%20c") == "/x/b%20c");  // encoding kept
    // Never an open redirect: the location never begins with "//".
    BOOST_TEST(redirect_of("/.//evil.example") == "/evil.example");
    BOOST_TEST(redirect_of("///evil.example/x") == "/evil.example/x");
    BOOST_TEST(redirect_of("/a/..//evil.example") == "/evil.example");
    BOOST_TEST(redirect_of("/a/.//.//b") == "/a/b");
}

BOOST_AUTO_TEST_CASE(refused_and_canonical) {
    for (char const* t : {"/..", "/../a", "/a/../../b", "/a/../..", "/./..", "//..//a"})
        BOOST_TEST_CONTEXT(t) {
            BOOST_TEST((form_of(t) == target_form::refused));
        }
    // Normalized, but the result is still refused by decode_target.
    for (char const* t : {"//%2e%2e/a", "/./a%2fb", "/a/./%00", "/a//b#frag"}) BOOST_TEST_CONTEXT(t) {
            BOOST_TEST((form_of(t) == target_form::refused));
        }
    // Percent-encoded dots are not dot segments: left to decode_target (400 there).
    for (char const* t : {"/", "/a", "/a/", "/a/b.txt?x=/../", "/%2e%2e/a", "/.%2e/a", "/a%2f..", "/..a",
                          "/a..", "/.hidden", "*", "", "http://h//a", "a//b"})
        BOOST_TEST_CONTEXT(t) {
            BOOST_TEST((form_of(t) == target_form::canonical));
        }
}

BOOST_AUTO_TEST_CASE(any_bytes) {
    // Every byte in every position: a redirect is always to a target decode_target accepts, which is
    // canonical itself and never starts with "//".
    std::string const base = "/a/./b//../c?q";
    for (std::size_t i = 0; i < base.size(); ++i)
        for (int c = 0; c < 256; ++c) {
            std::string w = base;
            w[i] = static_cast<char>(c);
            auto const n = normalize_target(w);
            if (n.form != target_form::redirect) continue;
            BOOST_TEST_REQUIRE(n.location.rfind("//", 0) == std::string::npos);
            BOOST_TEST_REQUIRE(decode_target(n.location).valid);
            BOOST_TEST_REQUIRE((normalize_target(n.location).form == target_form::canonical));
        }
}

BOOST_AUTO_TEST_SUITE_END()
