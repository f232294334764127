#include <zerocopy/http/accept_encoding.hpp>

#include <boost/test/unit_test.hpp>

#include <random>
#include <string>
#include <vector>

using namespace zerocopy::http;

namespace {

using cc = content_coding;
std::vector<cc> const all = {cc::br, cc::zstd, cc::gzip};

// The plan as text, e.g. "br,gzip|identity" or "|406".
std::string plan(std::optional<std::string_view> value, std::vector<cc> const& pref = all) {
    coding_plan const p = plan_codings(value, pref);
    std::string out;
    for (std::size_t k = 0; k < p.count; ++k) {
        if (k) out += ",";
        out += coding_name(p.order[k]);
    }
    return out + (p.identity_acceptable ? "|identity" : "|406");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_accept_encoding)

BOOST_AUTO_TEST_CASE(names_and_suffixes) {
    BOOST_TEST(coding_name(cc::br) == "br");
    BOOST_TEST(coding_name(cc::zstd) == "zstd");
    BOOST_TEST(coding_name(cc::gzip) == "gzip");
    BOOST_TEST(coding_suffix(cc::br) == ".br");
    BOOST_TEST(coding_suffix(cc::zstd) == ".zst");
    BOOST_TEST(coding_suffix(cc::gzip) == ".gz");
    BOOST_TEST((parse_content_coding("GZIP") == cc::gzip));
    BOOST_TEST((parse_content_coding("x-gzip") == cc::gzip));
    BOOST_TEST((parse_content_coding("Br") == cc::br));
    BOOST_TEST(!parse_content_coding("deflate"));
    BOOST_TEST(!parse_content_coding(""));
}

BOOST_AUTO_TEST_CASE(weights) {
    auto const a = parse_accept_encoding("gzip;q=0.5, br, *;q=0.1, identity;q=0");
    BOOST_TEST(a.gzip == 500);
    BOOST_TEST(a.br == 1000);
    BOOST_TEST(a.zstd == -1);
    BOOST_TEST(a.weight(cc::zstd) == 100);  // from *
    BOOST_TEST(a.identity_weight() == 0);
    // qvalue grammar: at most three decimals, never above 1.
    BOOST_TEST(parse_accept_encoding("gzip;q=0.125").gzip == 125);
    BOOST_TEST(parse_accept_encoding("gzip;q=1.000").gzip == 1000);
    BOOST_TEST(parse_accept_encoding("gzip;q=0.").gzip == 0);
    BOOST_TEST(parse_accept_encoding("gzip;Q=0.5").gzip == 500);
    BOOST_TEST(parse_accept_encoding("gzip ; q=0.5").gzip == 500);
    for (char const* bad :
         {"gzip;q=1.5", "gzip;q=0.0001", "gzip;q=2", "gzip;q=", "gzip;q=.5", "gzip;q=1.001", "gzip;q =0.5",
          "gzip;level=1", "gzip;q=0.5;x=1", "gzip q=1", "gz\0ip", "\"gzip\"", "gzip;q=-0", "gzip;q=0x1"})
        BOOST_TEST_CONTEXT(bad) {
            BOOST_TEST(parse_accept_encoding(bad).gzip == -1);
        }
    BOOST_TEST(parse_accept_encoding(std::string_view("gzip\0", 5)).gzip == -1);
    // Duplicates: the lower weight wins, so a refusal anywhere holds.
    BOOST_TEST(parse_accept_encoding("gzip, gzip;q=0").gzip == 0);
    BOOST_TEST(parse_accept_encoding("gzip;q=0, x-gzip").gzip == 0);
    // No quoted-string in this grammar: every comma separates members.
    BOOST_TEST(parse_accept_encoding("foo;x=\"a, gzip;q=0, b\"").gzip == 0);
}

BOOST_AUTO_TEST_CASE(negotiation) {
    // No Accept-Encoding field at all: identity only (as nginx does).
    BOOST_TEST(plan(std::nullopt) == "|identity");
    BOOST_TEST(plan("") == "|identity");
    BOOST_TEST(plan(",,, ,") == "|identity");
    BOOST_TEST(plan("gzip") == "gzip|identity");
    BOOST_TEST(plan("GZip") == "gzip|identity");
    BOOST_TEST(plan("x-gzip") == "gzip|identity");
    BOOST_TEST(plan("gzip, deflate, br, zstd") == "br,zstd,gzip|identity");  // ties: the application's order
    BOOST_TEST(plan("gzip, deflate, br, zstd", {cc::gzip, cc::br}) == "gzip,br|identity");
    BOOST_TEST(plan("br;q=0.5, gzip;q=0.9") == "gzip,br|identity");  // the client's weights first
    BOOST_TEST(plan("*") == "br,zstd,gzip|identity");
    BOOST_TEST(plan("*;q=0.5, br;q=0") == "zstd,gzip|identity");
    BOOST_TEST(plan("br, identity;q=0") == "br|406");
    BOOST_TEST(plan("identity;q=0") == "|406");
    BOOST_TEST(plan("*;q=0") == "|406");
    BOOST_TEST(plan("*;q=0, identity") == "|identity");
    BOOST_TEST(plan("*;q=0, gzip") == "gzip|406");
    BOOST_TEST(plan("gzip;q=0.5, identity") == "|identity");            // identity ranked above gzip
    BOOST_TEST(plan("gzip;q=0.5, identity;q=0.5") == "gzip|identity");  // tie: the coding
    BOOST_TEST(plan("gzip;q=0") == "|identity");
    BOOST_TEST(plan("gzip;q=1.5") == "|identity");  // invalid member ignored
    BOOST_TEST(plan("gzip;q=0.0001, br") == "br|identity");
    BOOST_TEST(plan("br", {}) == "|identity");
    BOOST_TEST(plan("br", {cc::br, cc::br, cc::br, cc::br}) == "br|identity");
}

BOOST_AUTO_TEST_CASE(any_shape) {
    // Thousands of codings, NUL bytes, random bytes: no crash, and never a coding the client refused.
    std::string many;
    for (int i = 0; i < 5000; ++i) many += "c" + std::to_string(i) + ";q=0.5, ";
    many += "gzip;q=0";
    BOOST_TEST(plan(many) == "|identity");
    std::mt19937 rng(15);
    std::string const alphabet = std::string("gzipbrzstdidentity*;q=0.15,x- \t\"\\", 33) + '\0' + "\xff";
    for (int i = 0; i < 20000; ++i) {
        std::string v;
        std::size_t const n = rng() % 40;
        for (std::size_t k = 0; k < n; ++k) v.push_back(alphabet[rng() % alphabet.size()]);
        auto const a = parse_accept_encoding(v);
        for (int w : {a.br, a.zstd, a.gzip, a.identity, a.any}) BOOST_TEST_REQUIRE((w >= -1 && w <= 1000));
        coding_plan const p = plan_codings(v, all);
        for (std::size_t k = 0; k < p.count; ++k) BOOST_TEST_REQUIRE(a.weight(p.order[k]) > 0);
        if (a.gzip == 0) {
            for (std::size_t k = 0; k < p.count; ++k) BOOST_TEST_REQUIRE((p.order[k] != cc::gzip));
        }
        if (a.identity == 0) BOOST_TEST_REQUIRE(!p.identity_acceptable);
    }
}

BOOST_AUTO_TEST_SUITE_END()
