// Helpers shared by the fuzz targets: an always-on check (NDEBUG does not disable it) and a reader
// that splits the fuzzer's bytes into parameters and text.
#ifndef ZEROCOPY_TEST_FUZZ_COMMON_HPP
#define ZEROCOPY_TEST_FUZZ_COMMON_HPP

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

// A property violation: report it and abort, which libFuzzer records as a crash with its input.
#define ZEROCOPY_FUZZ_CHECK(cond)                                                              \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                      \
        }                                                                                      \
    } while (false)

namespace zerocopy_fuzz {

// Takes fixed-size values from the front of the input; what remains is the text under test.
class input {
public:
    input(std::uint8_t const* data, std::size_t size) : data_(data), size_(size) {}

    std::uint8_t u8() noexcept {
        if (size_ == 0) return 0;
        --size_;
        return *data_++;
    }
    std::uint64_t u64() noexcept {
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = (v << 8) | u8();
        return v;
    }
    // Text up to the next `sep` byte (consumed), or all the rest.
    std::string_view field(char sep) noexcept {
        auto const* p =
            static_cast<std::uint8_t const*>(std::memchr(data_, static_cast<unsigned char>(sep), size_));
        std::size_t const n = p ? static_cast<std::size_t>(p - data_) : size_;
        std::string_view out(reinterpret_cast<char const*>(data_), n);
        data_ += n;
        size_ -= n;
        if (p) {
            ++data_;
            --size_;
        }
        return out;
    }
    std::string_view rest() noexcept { return field('\0'); }
    bool empty() const noexcept { return size_ == 0; }

private:
    std::uint8_t const* data_;
    std::size_t size_;
};

}  // namespace zerocopy_fuzz

#endif
