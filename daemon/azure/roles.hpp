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
#include "dataplane/role.hpp"
#include "rib/policy.hpp"

namespace bgpemu::daemon {

// The roles live with the data plane, which derives hop behaviours from them.
using dataplane::Role;
using dataplane::parse_role;
using dataplane::role_name;

// A node's role with the options that only that role has.
struct AzureRole {
    Role role = Role::none;
    // msee: the circuit is premium, so its prefix limit toward CEs is 10,000, not 4,000.
    bool premium_circuit = false;
    // er-gateway: accept other VNets' routes from the circuit (Azure's
    // allowRemoteVnetTraffic; on by default, as in the 2018 reference setup).
    bool allow_remote_vnet_traffic = true;
};

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
void add_role_policy(const AzureRole& azure, const bgp::SpeakerConfig& speaker, rib::PolicySet& policy);
// Neighbour defaults for a session from a `role` node to a `peer_role` node, applied
// before the neighbour's own keys.
void apply_neighbor_defaults(const AzureRole& azure, Role peer_role, const rib::PolicySet& policy,
                             bgp::NeighborConfig& neighbor);

}  // namespace bgpemu::daemon
