// Azure roles as presets on the general speaker: each role fills in defaults (ASN,
// RFC 8212 off, ECMP width, and per-neighbour policy built from the general policy
// features) before the file's own keys are read, so every default can be overridden
// per node or neighbour. Nothing here knows node names: a neighbour's defaults depend
// on this node's role and the peer's role (the role of the speaker the neighbour is
// named after, or its `peer_role`). The rules and their sources are in
// ../shared/spec/azure-behaviour.md and section 3 of seed-test-setup.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "bgp/speaker/speaker_config.hpp"
#include "rib/policy.hpp"

namespace bgpemu::daemon {

enum class Role : std::uint8_t { none, ce, msee, er_gateway, vpn_gateway };

[[nodiscard]] std::optional<Role> parse_role(std::string_view text);  // "ce", "msee", "er-gateway", "vpn-gateway"
[[nodiscard]] const char* role_name(Role role) noexcept;

// 12076 for an MSEE, 65515 for both gateways; none for a CE or a plain router.
[[nodiscard]] std::optional<std::uint32_t> default_asn(Role role) noexcept;
// ASNs Azure keeps for itself or IANA reserves, refused for customer (CE) nodes:
// 8074, 8075, 12076, 65515, 65517-65520, 23456, 64496-64511, 65535-65551.
[[nodiscard]] bool is_azure_reserved_asn(std::uint32_t asn) noexcept;

// The VPN gateway's fixed timers (not configurable in Azure).
inline constexpr std::uint16_t vpn_gateway_hold_time = 180;
// An ExpressRoute gateway advertises at most this many prefixes.
inline constexpr std::size_t er_gateway_max_advertised = 1000;

// Speaker defaults, applied before the file's keys.
void apply_speaker_defaults(Role role, bgp::SpeakerConfig& speaker);
// The policy objects the role's neighbour defaults use, built from the speaker's own
// networks (its VNet and spokes): added to `policy` under names starting "role:".
void add_role_policy(Role role, const bgp::SpeakerConfig& speaker, rib::PolicySet& policy);
// Neighbour defaults for a session from a `role` node to a `peer_role` node, applied
// before the neighbour's own keys.
void apply_neighbor_defaults(Role role, Role peer_role, bool premium_circuit, const rib::PolicySet& policy,
                             bgp::NeighborConfig& neighbor);

}  // namespace bgpemu::daemon
