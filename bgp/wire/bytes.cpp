#include "bgp/wire/bytes.hpp"

namespace bgpemu::bgp {

namespace {
int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::optional<Bytes> bytes_from_hex(std::string_view hex) {
    Bytes out;
    out.reserve(hex.size() / 2);
    int high = -1;
    for (char c : hex) {
        if (c == ' ' || c == '\n' || c == '\t' || c == ':') continue;
        const int digit = hex_digit(c);
        if (digit < 0) return std::nullopt;
        if (high < 0) {
            high = digit;
        } else {
            out.push_back(static_cast<std::byte>((high << 4) | digit));
            high = -1;
        }
    }
    if (high >= 0) return std::nullopt;  // odd number of digits
    return out;
}

std::string bytes_to_hex(ByteSpan bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (std::byte b : bytes) {
        const auto v = std::to_integer<unsigned>(b);
        out.push_back(digits[v >> 4]);
        out.push_back(digits[v & 0xf]);
    }
    return out;
}

}  // namespace bgpemu::bgp
