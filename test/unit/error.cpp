// zerocopy::sendfile_error: the category, the messages, the conditions.
#include <zerocopy/error.hpp>

#include <boost/system/errc.hpp>
#include <boost/test/unit_test.hpp>

#include <type_traits>

BOOST_AUTO_TEST_CASE(error_codes_are_named_and_readable) {
    using namespace zerocopy;
    boost::system::error_code ec = error::unexpected_eof;
    BOOST_TEST(ec.category().name() == std::string("zerocopy"));
    BOOST_TEST((ec.category() == sendfile_category()));
    BOOST_TEST(ec.message().find("ended before") != std::string::npos);
    BOOST_TEST(boost::system::error_code(error::not_a_regular_file).message().find("regular file") !=
               std::string::npos);
    BOOST_TEST(boost::system::error_code(error::file_not_readable).message().find("reading") !=
               std::string::npos);
    BOOST_TEST(boost::system::error_code(error::native_unavailable).message().find("zero-copy") !=
               std::string::npos);
    BOOST_TEST((boost::system::error_code(error::native_unavailable) ==
                boost::system::errc::operation_not_supported));
    BOOST_TEST(ec != boost::system::errc::io_error);
    BOOST_TEST(make_error_code(error::unexpected_eof) == ec);
}

BOOST_AUTO_TEST_CASE(both_spellings_name_one_value) {
    using namespace zerocopy;
    static_assert(std::is_same_v<decltype(error::unexpected_eof), sendfile_error>);
    static_assert(sendfile_error::unexpected_eof == error::unexpected_eof);
    static_assert(boost::system::is_error_code_enum<sendfile_error>::value);
    boost::system::error_code const ec = sendfile_error::native_unavailable;
    BOOST_TEST((ec == error::native_unavailable));
}
