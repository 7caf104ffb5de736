#include "bgp/wire/ip.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace bgpemu::bgp {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (text.empty() || text.size() > 45) return std::nullopt;
    char buffer[46];
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    if (text.find(':') == std::string_view::npos) {
        in_addr v4{};
        if (inet_pton(AF_INET, buffer, &v4) != 1) return std::nullopt;
        return IpAddress::v4(ntohl(v4.s_addr));
    }
    std::array<std::uint8_t, 16> v6{};
    if (inet_pton(AF_INET6, buffer, v6.data()) != 1) return std::nullopt;
    return IpAddress::v6(v6);
}

bool IpAddress::is_unspecified() const noexcept {
    for (unsigned i = 0; i < address_size(afi_); ++i)
        if (bytes_[i] != 0) return false;
    return true;
}

bool IpAddress::is_loopback() const noexcept {
    if (is_v4()) return bytes_[0] == 127;
    for (unsigned i = 0; i < 15; ++i)
        if (bytes_[i] != 0) return false;
    return bytes_[15] == 1;
}

std::string IpAddress::to_string() const {
    char buffer[INET6_ADDRSTRLEN];
    const int family = is_v4() ? AF_INET : AF_INET6;
    if (inet_ntop(family, bytes_.data(), buffer, sizeof buffer) == nullptr) return "?";
    return buffer;
}

Prefix Prefix::make(const IpAddress& address, unsigned length) noexcept {
    const unsigned max = max_prefix_length(address.afi());
    if (length > max) length = max;
    std::array<std::uint8_t, 16> bytes = address.bytes();
    for (unsigned i = 0; i < 16; ++i) {
        const unsigned first_bit = i * 8;
        if (first_bit >= length) {
            bytes[i] = 0;
        } else if (first_bit + 8 > length) {
            bytes[i] &= static_cast<std::uint8_t>(0xff << (first_bit + 8 - length));
        }
    }
    Prefix p;
    p.address_ = address.is_v4()
                     ? IpAddress::v4((std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                                     (std::uint32_t{bytes[2]} << 8) | bytes[3])
                     : IpAddress::v6(bytes);
    p.length_ = static_cast<std::uint8_t>(length);
    return p;
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    const auto address = IpAddress::parse(text.substr(0, slash));
    if (!address) return std::nullopt;
    const std::string_view length_text = text.substr(slash + 1);
    if (length_text.empty() || length_text.size() > 3) return std::nullopt;
    unsigned length = 0;
    for (char c : length_text) {
        if (c < '0' || c > '9') return std::nullopt;
        length = length * 10 + static_cast<unsigned>(c - '0');
    }
    if (length > max_prefix_length(address->afi())) return std::nullopt;
    Prefix p = make(*address, length);
    if (p.address_ != *address) return std::nullopt;  // host bits set
    return p;
}

bool Prefix::contains(const IpAddress& address) const noexcept {
    if (address.afi() != afi()) return false;
    return make(address, length_).address_ == address_;
}

bool Prefix::contains(const Prefix& other) const noexcept {
    return other.afi() == afi() && other.length_ >= length_ && contains(other.address_);
}

std::string Prefix::to_string() const { return address_.to_string() + "/" + std::to_string(length_); }

std::size_t PrefixHash::operator()(const Prefix& p) const noexcept {
    // FNV-1a over the significant bytes and the length.
    std::uint64_t h = 1469598103934665603ULL;
    const auto& bytes = p.address().bytes();
    for (unsigned i = 0; i < address_size(p.afi()); ++i) {
        h ^= bytes[i];
        h *= 1099511628211ULL;
    }
    h ^= p.length() | (static_cast<unsigned>(p.afi()) << 8);
    h *= 1099511628211ULL;
    return static_cast<std::size_t>(h);
}

}  // namespace bgpemu::bgp
