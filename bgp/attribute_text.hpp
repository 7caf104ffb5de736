// The text forms operators type and read for attribute values: "65001:7" and
// "no-export" for communities (RFC 1997), "65001:1:2" for large communities (RFC 8092),
// "igp"/"egp"/"incomplete" for ORIGIN. One definition shared by the configuration, the
// admin socket and the CLI, so a value printed by one is accepted by the others.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bgp/attributes.hpp"

namespace bgpemu::bgp {

// ASN:VALUE (each 0..65535) or a well-known name; nullopt on anything else.
[[nodiscard]] std::optional<std::uint32_t> parse_community(std::string_view text);
// The well-known name when there is one, else ASN:VALUE.
[[nodiscard]] std::string community_to_string(std::uint32_t community);

// GLOBAL:LOCAL1:LOCAL2, each 0..4294967295.
[[nodiscard]] std::optional<LargeCommunity> parse_large_community(std::string_view text);
[[nodiscard]] std::string to_string(const LargeCommunity& community);

[[nodiscard]] std::optional<Origin> parse_origin(std::string_view text);
[[nodiscard]] std::string_view to_string(Origin origin) noexcept;

}  // namespace bgpemu::bgp
