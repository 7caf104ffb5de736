// The regional BGP community Microsoft adds, beside a VNet's custom community, to the
// VNet's routes toward on-premises over private peering ("ExpressRoute routing
// requirements", section "Support for BGP communities"; "Configure custom BGP
// communities for Azure ExpressRoute private peering": shown only once the VNet has a
// custom community).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace bgpemu::daemon {

// The ASN part every Microsoft community carries, a custom VNet community included.
inline constexpr std::uint32_t microsoft_community_asn = 12076;

// 12076:50xxx for an Azure region, by its ARM name ("westeurope") or its display name
// ("West Europe"; case and spaces do not matter); none for a region the table lacks.
[[nodiscard]] std::optional<std::uint32_t> regional_community(std::string_view location);

}  // namespace bgpemu::daemon
