//
// The zerocopy error category.
//
#include <zerocopy/error.hpp>

#include <string>

namespace zerocopy {
namespace {

class sendfile_category_impl final : public boost::system::error_category {
public:
    char const* name() const noexcept override { return "zerocopy"; }

    std::string message(int ev) const override {
        switch (static_cast<sendfile_error>(ev)) {
            case error::unexpected_eof:
                return "the file ended before the requested range was sent";
            case error::not_a_regular_file:
                return "the file to send is not a regular file";
            case error::file_not_readable:
                return "the file to send is not open for reading";
            case error::native_unavailable:
                return "zero-copy transfer is not available for this stream, platform or file";
        }
        return "zerocopy error " + std::to_string(ev);
    }

    boost::system::error_condition default_error_condition(int ev) const noexcept override {
        switch (static_cast<sendfile_error>(ev)) {
            case error::native_unavailable:
                return boost::system::errc::operation_not_supported;
            case error::file_not_readable:
                return boost::system::errc::bad_file_descriptor;
            default:
                return boost::system::error_condition(ev, *this);
        }
    }
};

}  // namespace

boost::system::error_category const& sendfile_category() noexcept {
    static sendfile_category_impl const instance;
    return instance;
}

}  // namespace zerocopy
