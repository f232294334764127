// The names deprecated in this release must still compile, and mean what they meant. Built with
// -Wno-deprecated-declarations (compile_deprecated_names) and, as compile_deprecated_names_warn, with
// the warning on, which must report each deprecated name.
#include <zerocopy/error.hpp>

#include <type_traits>

// zerocopy::error::errors and zerocopy::error::get_category(), 0.1's names.
static_assert(std::is_same_v<zerocopy::error::errors, zerocopy::sendfile_error>);

#if defined(ZEROCOPY_TEST_HTTP)
// The header's old name forwards to <zerocopy/http/unique_file.hpp>.
#include <zerocopy/http/unique_fd.hpp>
static_assert(std::is_class_v<zerocopy::http::unique_file>);
#endif

int main() {
    zerocopy::error::errors const e = zerocopy::error::unexpected_eof;
    boost::system::error_code const ec = e;
    bool const same_category = &zerocopy::error::get_category() == &zerocopy::sendfile_category();
    return same_category && ec == zerocopy::sendfile_error::unexpected_eof ? 0 : 1;
}
