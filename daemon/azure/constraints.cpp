#include "daemon/azure/constraints.hpp"

#include <algorithm>

namespace bgpemu::daemon {

bool is_azure_reserved_asn(std::uint32_t asn) noexcept {
    return asn == 8074 || asn == 8075 || asn == 12076 || asn == 65515 || (asn >= 65517 && asn <= 65520) ||
           asn == 23456 || (asn >= 64496 && asn <= 64511) || (asn >= 65535 && asn <= 65551);
}

std::optional<std::string> refuse_asn(Role role, std::uint32_t asn) {
    if (role != Role::ce || !is_azure_reserved_asn(asn)) return std::nullopt;
    return "ASN " + std::to_string(asn) +
           " is reserved (by Azure: 8074, 8075, 12076, 65515, 65517-65520; by IANA: 23456, 64496-64511, "
           "65535-65551) and Azure refuses it for a customer router";
}

std::optional<std::string> refuse_hold_time(Role role, std::uint64_t hold_time) {
    if ((role != Role::vpn_gateway && role != Role::route_server) || hold_time == vpn_gateway_hold_time) return std::nullopt;
    return std::string("a ") + dataplane::role_name(role) + "'s hold time is fixed at 180 s (keepalive 60 s), as in Azure";
}

std::optional<std::string> refuse_route_server_peer_asn(Role role, std::uint32_t peer_asn) {
    if (role != Role::route_server) return std::nullopt;
    if (peer_asn > 65535) return "a route-server peers with 16-bit ASNs only, not " + std::to_string(peer_asn) + " (\"Azure Route Server FAQ\")";
    if (is_azure_reserved_asn(peer_asn))
        return "ASN " + std::to_string(peer_asn) + " is reserved, and a route-server refuses a peer that uses it";
    return std::nullopt;
}

std::optional<std::string> refuse_advertised_count(Role role, const std::vector<bgp::Prefix>& networks) {
    if (role != Role::er_gateway) return std::nullopt;
    const auto v6 = static_cast<std::size_t>(
        std::count_if(networks.begin(), networks.end(), [](const bgp::Prefix& p) { return p.afi() == bgp::Afi::ipv6; }));
    const auto v4 = networks.size() - v6;
    if (v4 > er_gateway_max_advertised)
        return "an er-gateway advertises at most 1000 IPv4 prefixes (its VNet and spokes), not " + std::to_string(v4);
    if (v6 > er_gateway_max_advertised_v6)
        return "an er-gateway advertises at most 100 IPv6 prefixes (its VNet and spokes), not " + std::to_string(v6);
    return std::nullopt;
}

std::optional<std::string> refuse_premium_circuit(Role role) {
    if (role == Role::msee) return std::nullopt;
    return "premium_circuit applies to role msee only";
}

std::optional<std::string> refuse_route_server_option(Role role, const char* option) {
    if (role == Role::route_server) return std::nullopt;
    return std::string(option) + " applies to role route-server only";
}

std::optional<std::string> refuse_allow_remote_vnet_traffic(Role role) {
    if (role == Role::er_gateway) return std::nullopt;
    return "allow_remote_vnet_traffic applies to role er-gateway only";
}

std::vector<GatewayNetwork> gateway_networks(Role role, const dataplane::TopologyConfig& topology,
                                             const std::string& vnet_name) {
    std::vector<GatewayNetwork> spaces;
    if (role != Role::er_gateway && role != Role::vpn_gateway && role != Role::route_server) return spaces;
    const auto* vnet = topology.find_vnet(vnet_name);
    if (!vnet) return spaces;
    const auto add = [&](const dataplane::VnetConfig& of) {
        std::vector<std::uint32_t> communities;
        if (role == Role::er_gateway && of.bgp_community) {
            if (of.regional_community) communities.push_back(*of.regional_community);
            communities.push_back(*of.bgp_community);
        }
        for (const auto& space : of.address_spaces) spaces.push_back({space, communities});
    };
    add(*vnet);
    // Peers that use this VNet's gateways, through a peering that allows gateway transit.
    for (const auto& peering : vnet->peerings) {
        if (!peering.allow_gateway_transit) continue;
        const auto* peer = topology.find_vnet(peering.vnet);
        if (!peer) continue;
        for (const auto& back : peer->peerings)
            if (back.vnet == vnet->name && back.use_remote_gateways) add(*peer);
    }
    return spaces;
}

}  // namespace bgpemu::daemon
