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

// An AS-path list of one permit entry, added to `policy` under `name`; returns it.
const rib::AsPathList* add_as_path_list(rib::PolicySet& policy, const std::string& name, rib::AsPathListEntry::Kind kind,
                                        std::uint32_t asn, const std::string& text) {
    rib::AsPathListEntry e;
    e.kind = kind;
    e.value = asn;
    e.text = text;
    auto& list = policy.as_path_lists[name];
    list = rib::AsPathList{name, {e}};
    return &list;
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
        case Role::vpn_gateway:
        case Role::route_server: return 65515;
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
        rib::CommunityList from_route_server{"role:from-route-server", {{PolicyAction::permit, {route_server_community}}}};
        const auto* marked = &(policy.community_lists[from_route_server.name] = from_route_server);
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
            in.entries.push_back(entry(15, PolicyAction::deny));
            in.entries.back().match.as_path = add_as_path_list(policy, "role:from-other-vnets", rib::AsPathListEntry::Kind::originates_from,
                                                               12076, "originates from 12076");
        }
        in.entries.push_back(entry(20, PolicyAction::permit));
        policy.route_maps[in.name] = in;
        // ...nor, beside a Route Server, what a Route Server or VPN gateway handed an
        // ExpressRoute gateway, back over the circuit.
        if (azure.peers_with_route_server) {
            rib::RouteMap circuit_in = in;
            circuit_in.name = "role:er-gateway-circuit-in";
            circuit_in.entries.insert(circuit_in.entries.begin(), entry(5, PolicyAction::deny));
            circuit_in.entries.front().match.community = marked;
            policy.route_maps[circuit_in.name] = circuit_in;
        }
        // ...and never re-advertises what it learned: only its own spaces go out ("Transit
        // routing is not supported", "Configure ExpressRoute and Site-to-Site coexisting
        // connections"), and with branch-to-branch what a Route Server or VPN gateway
        // handed it ("Azure Route Server support for ExpressRoute and Azure VPN").
        rib::RouteMap out{"role:er-gateway-out", {}};
        out.entries.push_back(entry(10, PolicyAction::permit));
        out.entries.back().match.source = rib::RouteSource::local;
        out.entries.push_back(entry(20, PolicyAction::permit));
        out.entries.back().match.source = rib::RouteSource::ibgp;
        out.entries.back().match.community = marked;
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

        // Global Reach ("ExpressRoute Global Reach"): another circuit's MSEE gets the
        // on-premises routes only, not the VNets' (which carry the gateways' fixed 65515),
        // tagged 12076:12077; an MSEE sends its gateways what came so tagged with two
        // more 12076s, so a VNet prefers its own circuit's path ("12076 12076 12076 ..."
        // at the gateway: the evidence of a support wiki page, not product documentation).
        constexpr std::uint32_t via_global_reach = (12076U << 16) | 12077U;
        const auto* from_vnets =
            add_as_path_list(policy, "role:from-vnets", rib::AsPathListEntry::Kind::contains, 65515, "contains 65515");
        rib::CommunityList tagged{"role:via-global-reach", {{PolicyAction::permit, {via_global_reach}}}};
        policy.community_lists[tagged.name] = tagged;
        rib::RouteMap reach_out{"role:msee-global-reach-out", {}};
        reach_out.entries.push_back(entry(10, PolicyAction::deny));
        reach_out.entries.back().match.as_path = from_vnets;
        reach_out.entries.push_back(entry(20, PolicyAction::permit));
        reach_out.entries.back().set.communities_add = {via_global_reach};
        policy.route_maps[reach_out.name] = reach_out;
        rib::RouteMap gateway_out{"role:msee-gateway-out", {}};
        gateway_out.entries.push_back(entry(10, PolicyAction::permit));
        gateway_out.entries.back().match.community = &policy.community_lists["role:via-global-reach"];
        gateway_out.entries.back().set.as_path_prepend = {12076, 12076};
        gateway_out.entries.push_back(entry(20, PolicyAction::permit));
        policy.route_maps[gateway_out.name] = gateway_out;
    }
    if (role == Role::route_server) {
        // Toward its VNet's gateways (branch-to-branch): what the NVAs sent, marked.
        policy.prefix_lists["role:own-spaces"] = own_spaces(speaker);
        rib::RouteMap out{"role:route-server-gateway-out", {}};
        out.entries.push_back(entry(10, PolicyAction::deny));
        out.entries.back().match.prefix_list = &policy.prefix_lists["role:own-spaces"];
        out.entries.push_back(entry(20, PolicyAction::permit));
        out.entries.back().set.communities_add = {route_server_community};
        policy.route_maps[out.name] = out;
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
        // The same toward its VNet's ExpressRoute gateway (branch-to-branch), marked.
        rib::RouteMap to_er = out;
        to_er.name = "role:vpn-gateway-to-er-gateway";
        to_er.entries.back().set.communities_add = {route_server_community};
        policy.route_maps[to_er.name] = to_er;
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
                neighbor.route_map_out = policy.route_map("role:msee-gateway-out");
            } else if (peer_role == Role::msee) {
                // Global Reach: iBGP inside 12076, the traffic through this MSEE.
                neighbor.next_hop_self = true;
                neighbor.route_map_out = policy.route_map("role:msee-global-reach-out");
            } else {
                // Toward the customer: on-premises sees VNet prefixes as "12076" alone
                // ("Azure Route Server FAQ"); past 4,000 prefixes (10,000 on a premium
                // circuit) the session is dropped ("ExpressRoute routing requirements").
                neighbor.route_map_in = policy.route_map("role:msee-customer-in");
                neighbor.remove_private_as = rib::RemovePrivateAs::yes;
                neighbor.allowas_in = 2;
                // Azure runs IPv6 as a session of its own per link, dropped past 100
                // prefixes alone; the session here carries both, so each family has its limit.
                neighbor.maximum_prefix_by_family[0] = azure.premium_circuit ? 10000 : 4000;
                neighbor.maximum_prefix_by_family[1] = 100;
                neighbor.maximum_prefix_warning_percent = 80;
                neighbor.maximum_prefix_restart = std::chrono::seconds(60);
            }
            break;
        case Role::er_gateway: {
            // Its own VNet's Route Server and VPN gateway (branch-to-branch) get what it
            // learned from the circuit; iBGP keeps theirs from going back to each other.
            const bool azure_peer = peer_role == Role::route_server || peer_role == Role::vpn_gateway;
            const auto* circuit_in = policy.route_map("role:er-gateway-circuit-in");
            neighbor.route_map_in = !azure_peer && circuit_in ? circuit_in : policy.route_map("role:er-gateway-in");
            if (!azure_peer) neighbor.route_map_out = policy.route_map("role:er-gateway-out");
            break;
        }
        case Role::vpn_gateway:
            neighbor.hold_time = vpn_gateway_hold_time;
            neighbor.maximum_prefix = 4000;  // "Azure VPN Gateway FAQ": 4,000 from on-premises
            neighbor.ebgp_multihop = 255;  // BGP runs over the IPsec tunnel
            neighbor.route_map_out = policy.route_map(peer_role == Role::er_gateway ? "role:vpn-gateway-to-er-gateway" : "role:vpn-gateway-out");
            break;
        case Role::route_server:
            // "Azure Route Server FAQ": keepalive 60 s and hold 180 s; an NVA that sends
            // more than 4,000 prefixes loses its session.
            neighbor.hold_time = vpn_gateway_hold_time;
            if (peer_role == Role::er_gateway || peer_role == Role::vpn_gateway) {
                neighbor.route_map_out = policy.route_map("role:route-server-gateway-out");
                break;
            }
            neighbor.maximum_prefix = route_server_max_prefixes;
            break;
        case Role::ce:
        case Role::host:  // never a speaker
        case Role::none: break;
    }
}

}  // namespace bgpemu::daemon
