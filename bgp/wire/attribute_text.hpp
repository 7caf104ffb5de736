// The text forms operators type and read for attribute values: "65001:7" and
// "no-export" for communities (RFC 1997), "65001:1:2" for large communities (RFC 8092),
// "rt:65001:7" for extended communities (RFC 4360), "igp"/"egp"/"incomplete" for ORIGIN. One definition shared by the configuration, the
// admin socket and the CLI, so a value printed by one is accepted by the others.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bgp/wire/attributes.hpp"

namespace bgpemu::bgp {

// ASN:VALUE (each 0..65535) or a well-known name; nullopt on anything else.
[[nodiscard]] std::optional<std::uint32_t> parse_community(std::string_view text);
// The well-known name when there is one, else ASN:VALUE.
[[nodiscard]] std::string community_to_string(std::uint32_t community);

// GLOBAL:LOCAL1:LOCAL2, each 0..4294967295.
[[nodiscard]] std::optional<LargeCommunity> parse_large_community(std::string_view text);
[[nodiscard]] std::string to_string(const LargeCommunity& community);

// Extended communities (RFC 4360), as PathAttributes holds them (8 octets, big-endian),
// in the route-target and route-origin forms FRR writes (`rt 65000:100`, `soo ...`):
// "rt:ASN:NN" / "soo:ASN:NN" (a 2-octet ASN with a 32-bit NN, or a 4-octet ASN above
// 65535 with a 16-bit NN, RFC 5668), "rt:192.0.2.1:NN" (IPv4-address specific, 16-bit
// NN); any other value as "0x" and 16 hex digits. The printed form parses back to the
// same value (a 4-octet-AS value whose ASN fits 2 octets prints as hex for that reason).
[[nodiscard]] std::optional<std::uint64_t> parse_extended_community(std::string_view text);
[[nodiscard]] std::string extended_community_to_string(std::uint64_t community);

[[nodiscard]] std::optional<Origin> parse_origin(std::string_view text);
[[nodiscard]] std::string_view to_string(Origin origin) noexcept;

}  // namespace bgpemu::bgp
