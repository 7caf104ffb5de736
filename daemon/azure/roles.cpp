#include "daemon/azure/roles.hpp"

#include "daemon/azure/constraints.hpp"

namespace bgpemu::daemon {

namespace {

rib::RouteMapEntry entry(std::uint32_t sequence, rib::PolicyAction action) {
    rib::RouteMapEntry e;
    e.sequence = sequence;
    e.action = action;
    return e;
}

// A prefix list that matches the node's own networks and everything inside them.
rib::PrefixList own_spaces(const bgp::SpeakerConfig& speaker) {
    rib::PrefixList list{"role:own-spaces", {}};
    std::uint32_t sequence = 0;
    for (const auto& network : speaker.networks) {
        rib::PrefixListEntry e;
        e.sequence = sequence += 5;
        e.prefix = network.prefix;
        e.le = static_cast<std::uint8_t>(bgp::max_prefix_length(network.prefix.afi()));
        list.entries.push_back(e);
    }
    return list;
}

}  // namespace

std::optional<std::uint32_t> default_asn(Role role) noexcept {
    switch (role) {
        case Role::msee: return 12076;
        case Role::er_gateway:
        case Role::vpn_gateway: return 65515;
        default: return std::nullopt;
    }
}

void apply_speaker_defaults(Role role, bgp::SpeakerConfig& speaker) {
    if (role == Role::none) return;
    // Neither Azure nor a Cisco IOS CE applies RFC 8212.
    speaker.ebgp_requires_policy = false;
    // An ExpressRoute gateway spreads traffic over both MSEEs of a circuit.
    if (role == Role::er_gateway) speaker.maximum_paths = 4;
}

void add_role_policy(const AzureRole& azure, const bgp::SpeakerConfig& speaker, rib::PolicySet& policy) {
    const Role role = azure.role;
    using rib::PolicyAction;
    if (role == Role::er_gateway) {
        policy.prefix_lists["role:own-spaces"] = own_spaces(speaker);
        const auto* own = &policy.prefix_lists["role:own-spaces"];
        // It never accepts a route equal to or inside its own or its spokes' spaces...
        rib::RouteMap in{"role:er-gateway-in", {}};
        in.entries.push_back(entry(10, PolicyAction::deny));
        in.entries.back().match.prefix_list = own;
        // ...nor, with allowRemoteVnetTraffic off ("Configure a virtual network gateway
        // for ExpressRoute"), another VNet's routes: after the MSEE's as-override they are
        // the ones that originate from 12076.
        if (!azure.allow_remote_vnet_traffic) {
            rib::AsPathList from_vnets{"role:from-other-vnets", {}};
            rib::AsPathListEntry originates;
            originates.kind = rib::AsPathListEntry::Kind::originates_from;
            originates.value = 12076;
            originates.text = "originates from 12076";
            from_vnets.entries.push_back(originates);
            policy.as_path_lists[from_vnets.name] = from_vnets;
            in.entries.push_back(entry(15, PolicyAction::deny));
            in.entries.back().match.as_path = &policy.as_path_lists["role:from-other-vnets"];
        }
        in.entries.push_back(entry(20, PolicyAction::permit));
        policy.route_maps[in.name] = in;
        // ...and never re-advertises what it learned: only its own spaces go out ("Transit
        // routing is not supported", "Configure ExpressRoute and Site-to-Site coexisting
        // connections").
        rib::RouteMap out{"role:er-gateway-out", {}};
        out.entries.push_back(entry(10, PolicyAction::permit));
        out.entries.back().match.source = rib::RouteSource::local;
        policy.route_maps[out.name] = out;
    }
    if (role == Role::msee) {
        // "Microsoft doesn't honor any BGP community values that you set on the routes you
        // advertise to Microsoft" ("ExpressRoute routing requirements"): the customer's
        // communities are dropped on arrival, so none of them acts anywhere in Azure.
        rib::RouteMap customer_in{"role:msee-customer-in", {}};
        customer_in.entries.push_back(entry(10, PolicyAction::permit));
        customer_in.entries.back().set.communities_replace = true;
        customer_in.entries.back().set.large_communities_replace = true;
        policy.route_maps[customer_in.name] = customer_in;
    }
    if (role == Role::vpn_gateway) {
        policy.prefix_lists["role:own-spaces"] = own_spaces(speaker);
        rib::PrefixList defaults{"role:default-route", {}};
        for (const char* text : {"0.0.0.0/0", "::/0"}) {
            rib::PrefixListEntry e;
            e.sequence = defaults.entries.empty() ? 5 : 10;
            e.prefix = *bgp::Prefix::parse(text);
            defaults.entries.push_back(e);
        }
        policy.prefix_lists[defaults.name] = defaults;
        // Its own spaces go out; learned routes transit between its BGP peers except
        // a default route and anything inside a VNet space ("Azure VPN Gateway FAQ",
        // "What address prefixes do Azure VPN gateways advertise?").
        rib::RouteMap out{"role:vpn-gateway-out", {}};
        out.entries.push_back(entry(10, PolicyAction::permit));
        out.entries.back().match.source = rib::RouteSource::local;
        out.entries.push_back(entry(20, PolicyAction::deny));
        out.entries.back().match.prefix_list = &policy.prefix_lists["role:default-route"];
        out.entries.push_back(entry(30, PolicyAction::deny));
        out.entries.back().match.prefix_list = &policy.prefix_lists["role:own-spaces"];
        out.entries.push_back(entry(40, PolicyAction::permit));
        policy.route_maps[out.name] = out;
    }
}

void apply_neighbor_defaults(const AzureRole& azure, Role peer_role, const rib::PolicySet& policy,
                             bgp::NeighborConfig& neighbor) {
    switch (azure.role) {
        case Role::msee:
            if (peer_role == Role::er_gateway || peer_role == Role::vpn_gateway) {
                // The gateway's ASN becomes 12076, so one VNet's prefixes reach another
                // VNet's gateway on the circuit as "12076 12076".
                neighbor.as_override = true;
            } else {
                // Toward the customer: on-premises sees VNet prefixes as "12076" alone
                // ("Azure Route Server FAQ"); past 4,000 prefixes (10,000 on a premium
                // circuit) the session is dropped ("ExpressRoute routing requirements").
                neighbor.route_map_in = policy.route_map("role:msee-customer-in");
                neighbor.remove_private_as = rib::RemovePrivateAs::yes;
                neighbor.allowas_in = 2;
                neighbor.maximum_prefix = azure.premium_circuit ? 10000 : 4000;
                neighbor.maximum_prefix_warning_percent = 80;
                neighbor.maximum_prefix_restart = std::chrono::seconds(60);
            }
            break;
        case Role::er_gateway:
            neighbor.route_map_in = policy.route_map("role:er-gateway-in");
            neighbor.route_map_out = policy.route_map("role:er-gateway-out");
            break;
        case Role::vpn_gateway:
            neighbor.hold_time = vpn_gateway_hold_time;
            neighbor.maximum_prefix = 4000;  // "Azure VPN Gateway FAQ": 4,000 from on-premises
            neighbor.ebgp_multihop = 255;  // BGP runs over the IPsec tunnel
            neighbor.route_map_out = policy.route_map("role:vpn-gateway-out");
            break;
        case Role::ce:
        case Role::host:  // never a speaker
        case Role::none: break;
    }
}

}  // namespace bgpemu::daemon
