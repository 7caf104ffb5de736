// Azure roles as presets on the general speaker: each role fills in defaults (ASN,
// RFC 8212 off, ECMP width, and per-neighbour policy built from the general policy
// features) before the file's own keys are read, so every default can be overridden
// per node or neighbour. Nothing here knows node names: a neighbour's defaults depend
// on this node's role and the peer's role (the role of the speaker the neighbour is
// named after, or its `peer_role`). What a role refuses or fixes is in constraints.hpp.
// The rules come from Azure's documentation, named where each is applied (roles.cpp),
// and from the reference setup of "Interoperability in Azure: Test setup" and its
// configuration and control-plane articles.
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
    // er-gateway: it has a Route Server among its neighbours, so it drops what comes back
    // from the circuit marked as a Route Server's or VPN gateway's (65517:65517).
    bool peers_with_route_server = false;
};

// 65517:65517: what a Route Server or VPN gateway hands an ExpressRoute gateway
// (evidence of a support wiki page, not product documentation).
inline constexpr std::uint32_t route_server_community = (65517U << 16) | 65517U;

// 12076 for an MSEE, 65515 for both gateways; none for a CE or a plain router
// ("ExpressRoute routing requirements"; "Azure VPN Gateway FAQ", "What ASNs can I use?").
[[nodiscard]] std::optional<std::uint32_t> default_asn(Role role) noexcept;

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
