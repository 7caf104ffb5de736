// What Azure refuses or fixes for a role, as checks the configuration reader calls:
// each returns why a value is refused (the reader reports it at the value's position)
// or nothing. They run after the role's presets (roles.hpp), on the file's own values.
// Each rule names the Azure document it comes from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bgp/wire/ip.hpp"
#include "dataplane/role.hpp"
#include "dataplane/topology.hpp"

namespace bgpemu::daemon {

using dataplane::Role;

// "Azure VPN Gateway FAQ", "What ASNs can I use?": ASNs Azure keeps for itself (public
// 8074, 8075, 12076; private 65515, 65517-65520) and those IANA reserves (23456,
// 64496-64511, 65535-65551) cannot be a customer device's ASN, so a CE is refused them.
[[nodiscard]] bool is_azure_reserved_asn(std::uint32_t asn) noexcept;
[[nodiscard]] std::optional<std::string> refuse_asn(Role role, std::uint32_t asn);

// "Azure VPN Gateway FAQ" (BGP and routing): a VPN gateway's BGP keepalive is 60 s and
// its hold time 180 s, not configurable; a Route Server's are the same ("Azure Route
// Server FAQ").
inline constexpr std::uint16_t vpn_gateway_hold_time = 180;
[[nodiscard]] std::optional<std::string> refuse_hold_time(Role role, std::uint64_t hold_time);

// "Azure Route Server FAQ": a Route Server peers with NVAs of 16-bit ASNs only, none of
// the ASNs Azure keeps, and takes at most 4,000 prefixes from each.
inline constexpr std::uint32_t route_server_max_prefixes = 4000;
[[nodiscard]] std::optional<std::string> refuse_route_server_peer_asn(Role role, std::uint32_t peer_asn);

// "Azure subscription and service limits" (ExpressRoute limits): an ExpressRoute
// gateway advertises at most 1,000 IPv4 and 100 IPv6 prefixes of its VNet and spokes
// to on-premises.
inline constexpr std::size_t er_gateway_max_advertised = 1000;
inline constexpr std::size_t er_gateway_max_advertised_v6 = 100;
[[nodiscard]] std::optional<std::string> refuse_advertised_count(Role role, const std::vector<bgp::Prefix>& networks);

// Options that only one role has: `premium_circuit` is a property of an ExpressRoute
// circuit (its MSEEs), `allow_remote_vnet_traffic` one of an ExpressRoute gateway
// ("Configure a virtual network gateway for ExpressRoute", allowRemoteVnetTraffic).
[[nodiscard]] std::optional<std::string> refuse_premium_circuit(Role role);
// A Route Server's `branch_to_branch` (allowBranchToBranchTraffic) and
// `routing_preference` (hubRoutingPreference), "Azure Route Server routing preference".
[[nodiscard]] std::optional<std::string> refuse_route_server_option(Role role, const char* option);
[[nodiscard]] std::optional<std::string> refuse_allow_remote_vnet_traffic(Role role);

// What a gateway of `vnet` advertises when the file lists no `networks` ("Advertised
// gateway prefixes": all address spaces of its VNet and of the peered VNets that use its
// gateways, "Configure VPN gateway transit for virtual network peering"), which a Route
// Server also advertises to its NVAs: nothing for another role, or an unknown VNet. An ExpressRoute gateway's carry
// the communities of the VNet each space is of, its region's and its custom one ("ExpressRoute
// routing requirements", "Support for BGP communities": Microsoft tags them toward
// on-premises over private peering, not over VPN).
struct GatewayNetwork {
    bgp::Prefix prefix;
    std::vector<std::uint32_t> communities;
};
[[nodiscard]] std::vector<GatewayNetwork> gateway_networks(Role role, const dataplane::TopologyConfig& topology,
                                                           const std::string& vnet);

}  // namespace bgpemu::daemon
