// IP addresses and prefixes for both families, as the codec, the RIBs and the FIBs see
// them. Fixed-size values (no heap), ordered and hashable, so they can key tries and maps.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace bgpemu::bgp {

// Address Family Identifier (IANA; RFC 4760 §3).
enum class Afi : std::uint16_t { ipv4 = 1, ipv6 = 2 };
// Subsequent Address Family Identifier (RFC 4760 §6); only unicast is routed here.
enum class Safi : std::uint8_t { unicast = 1, multicast = 2 };

struct AfiSafi {
    Afi afi = Afi::ipv4;
    Safi safi = Safi::unicast;
    auto operator<=>(const AfiSafi&) const = default;
};

[[nodiscard]] constexpr unsigned max_prefix_length(Afi afi) noexcept { return afi == Afi::ipv4 ? 32 : 128; }
[[nodiscard]] constexpr unsigned address_size(Afi afi) noexcept { return afi == Afi::ipv4 ? 4 : 16; }

class IpAddress {
public:
    constexpr IpAddress() noexcept = default;
    // An IPv4 address from its host-order 32-bit value.
    [[nodiscard]] static constexpr IpAddress v4(std::uint32_t host_order) noexcept {
        IpAddress a;
        a.afi_ = Afi::ipv4;
        a.bytes_[0] = static_cast<std::uint8_t>(host_order >> 24);
        a.bytes_[1] = static_cast<std::uint8_t>(host_order >> 16);
        a.bytes_[2] = static_cast<std::uint8_t>(host_order >> 8);
        a.bytes_[3] = static_cast<std::uint8_t>(host_order);
        return a;
    }
    [[nodiscard]] static IpAddress v6(const std::array<std::uint8_t, 16>& bytes) noexcept {
        IpAddress a;
        a.afi_ = Afi::ipv6;
        a.bytes_ = bytes;
        return a;
    }
    // Parses dotted-quad IPv4 or RFC 4291 text IPv6; nullopt on anything else.
    [[nodiscard]] static std::optional<IpAddress> parse(std::string_view text);

    [[nodiscard]] constexpr Afi afi() const noexcept { return afi_; }
    [[nodiscard]] constexpr bool is_v4() const noexcept { return afi_ == Afi::ipv4; }
    [[nodiscard]] constexpr const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }
    [[nodiscard]] constexpr std::uint32_t v4_value() const noexcept {
        return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) |
               (std::uint32_t{bytes_[2]} << 8) | std::uint32_t{bytes_[3]};
    }
    [[nodiscard]] bool is_unspecified() const noexcept;
    // 127.0.0.0/8 or ::1.
    [[nodiscard]] bool is_loopback() const noexcept;
    // Bit `index` counted from the most significant bit of the address.
    [[nodiscard]] constexpr bool bit(unsigned index) const noexcept {
        return (bytes_[index / 8] >> (7 - index % 8)) & 1U;
    }
    [[nodiscard]] std::string to_string() const;

    auto operator<=>(const IpAddress&) const = default;

private:
    Afi afi_ = Afi::ipv4;
    std::array<std::uint8_t, 16> bytes_{};
};

class Prefix {
public:
    constexpr Prefix() noexcept = default;
    // Builds a prefix, clearing host bits beyond `length` (length is clamped to the family's maximum).
    [[nodiscard]] static Prefix make(const IpAddress& address, unsigned length) noexcept;
    // "10.0.0.0/8", "2001:db8::/32"; host bits must be zero; nullopt on anything else.
    [[nodiscard]] static std::optional<Prefix> parse(std::string_view text);

    [[nodiscard]] constexpr Afi afi() const noexcept { return address_.afi(); }
    [[nodiscard]] constexpr const IpAddress& address() const noexcept { return address_; }
    [[nodiscard]] constexpr unsigned length() const noexcept { return length_; }
    [[nodiscard]] bool contains(const IpAddress& address) const noexcept;
    // True when `other` is equal to or more specific than this prefix.
    [[nodiscard]] bool contains(const Prefix& other) const noexcept;
    [[nodiscard]] std::string to_string() const;

    auto operator<=>(const Prefix&) const = default;

private:
    IpAddress address_;
    std::uint8_t length_ = 0;
};

struct PrefixHash {
    [[nodiscard]] std::size_t operator()(const Prefix& p) const noexcept;
};

}  // namespace bgpemu::bgp
