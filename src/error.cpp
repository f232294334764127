//
// The zerocopy error category.
//
#include <zerocopy/error.hpp>

#include <string>

namespace zerocopy {
namespace error {
namespace {

class category final : public boost::system::error_category {
public:
    char const* name() const noexcept override { return "zerocopy"; }

    std::string message(int ev) const override {
        switch (static_cast<errors>(ev)) {
            case unexpected_eof:
                return "the file ended before the requested range was sent";
            case not_a_regular_file:
                return "the file to send is not a regular file";
            case file_not_readable:
                return "the file to send is not open for reading";
            case native_unavailable:
                return "zero-copy transfer is not available for this stream, platform or file";
        }
        return "zerocopy error " + std::to_string(ev);
    }

    boost::system::error_condition default_error_condition(int ev) const noexcept override {
        switch (static_cast<errors>(ev)) {
            case native_unavailable:
                return boost::system::errc::operation_not_supported;
            case file_not_readable:
                return boost::system::errc::bad_file_descriptor;
            default:
                return boost::system::error_condition(ev, *this);
        }
    }
};

}  // namespace

boost::system::error_category const& get_category() noexcept {
    static category const instance;
    return instance;
}

}  // namespace error
}  // namespace zerocopy
