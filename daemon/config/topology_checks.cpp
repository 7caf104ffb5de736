// The checks of the data plane that need the whole file: node names and addresses,
// VNet references and peerings, `prefer` naming speakers; and for each neighbour, the
// link its session runs over (with its emulated next hop) and whether the two ends of a
// session between speakers of this file agree on their ASNs.
#include <algorithm>
#include <set>

#include "daemon/config/topology_config.hpp"

namespace bgpemu::daemon::detail {

namespace {

// The item of `list` named `name`, or `fallback` (for error positions). Returned by copy:
// a yaml-cpp Node assigned with `=` would overwrite what it refers to.
YAML::Node named_item(const YAML::Node& list, const std::string& name, const YAML::Node& fallback) {
    if (list && list.IsSequence())
        for (const auto& candidate : list)
            if (candidate.IsMap() && candidate["name"] && candidate["name"].IsScalar() && candidate["name"].Scalar() == name)
                return YAML::Node(candidate);
    return fallback;
}

// Checks that need every node: names, addresses, VNet references and peerings.
void check_nodes(Reader& reader, const YAML::Node& root, const dataplane::TopologyConfig& topology) {
    // Marks for messages: the YAML item of each node, by name.
    std::map<std::string, YAML::Node> items;
    for (const char* key : {"speakers", "routers", "hosts", "externals"})
        if (const auto list = root[key]; list && list.IsSequence())
            for (const auto& item : list)
                if (item.IsMap() && item["name"] && item["name"].IsScalar()) items.emplace(item["name"].Scalar(), item);
    const auto at = [&](const std::string& name) -> YAML::Node {
        const auto it = items.find(name);
        return it != items.end() ? it->second : root;
    };
    std::set<std::string> names;
    std::map<IpAddress, std::string> addresses;
    for (const auto& node : topology.nodes) {
        if (!names.insert(node.name).second && node.kind != dataplane::NodeKind::speaker)
            reader.error(at(node.name), "duplicate node name '" + node.name + "' (speakers, routers and hosts share one namespace)");
        if (topology.find_vnet(node.name))
            reader.error(at(node.name), "'" + node.name + "' names both a node and a VNet; trace and ping could not tell them apart");
        const auto claim = [&](const IpAddress& address, const std::string& where) {
            const auto [it, inserted] = addresses.emplace(address, where);
            if (!inserted && it->second != where)
                reader.error(at(node.name), "address " + address.to_string() + " is used by both " + it->second + " and " + where);
        };
        for (const auto& interface : node.interfaces)
            for (const auto& address : interface.addresses()) claim(address.address, node.name + ":" + interface.name);
        for (const auto& address : node.vnet_addresses) claim(address, node.name);
        if (node.vnet.empty()) continue;
        const auto* vnet = topology.find_vnet(node.vnet);
        if (!vnet) {
            reader.error(at(node.name), "'" + node.name + "': no VNet named '" + node.vnet + "' (see 'vnets')");
            continue;
        }
        for (const auto& address : node.vnet_addresses)
            if (std::none_of(vnet->address_spaces.begin(), vnet->address_spaces.end(),
                             [&](const Prefix& space) { return contains(space, address); }))
                reader.error(at(node.name), "'" + node.name + "': address " + address.to_string() +
                                                " is outside the address spaces of VNet '" + vnet->name + "'");
    }
    const auto vnets = root["vnets"];
    for (const auto& vnet : topology.vnets) {
        const auto item = named_item(vnets, vnet.name, root);
        for (const auto& peering : vnet.peerings) {
            const auto* peer = topology.find_vnet(peering.vnet);
            if (!peer) {
                reader.error(item, "VNet '" + vnet.name + "' peers with '" + peering.vnet + "', which is not a VNet");
                continue;
            }
            if (peer == &vnet) {
                reader.error(item, "VNet '" + vnet.name + "' peers with itself");
                continue;
            }
            const auto back = std::find_if(peer->peerings.begin(), peer->peerings.end(),
                                           [&](const auto& p) { return p.vnet == vnet.name; });
            if (back == peer->peerings.end()) {
                reader.error(item, "VNet '" + vnet.name + "' peers with '" + peer->name + "' but '" + peer->name +
                                       "' has no peering back (Azure peerings are configured on both sides)");
                continue;
            }
            if (peering.use_remote_gateways && !back->allow_gateway_transit)
                reader.error(item, "VNet '" + vnet.name + "' uses the remote gateways of '" + peer->name + "', whose peering back does not allow gateway transit");
        }
    }
}

// Which link each neighbour's session runs over, its emulated next hop, and whether
// the two ends of a session between speakers of this file agree on their ASNs.
void resolve_neighbors(Reader& reader, const YAML::Node& root, DaemonConfig& config) {
    const auto speakers = root["speakers"];
    const auto& topology = config.topology;
    for (auto& speaker : config.speakers) {
        const auto item = named_item(speakers, speaker.name, root);
        const auto neighbor_item = [&](const std::string& name) { return named_item(item["neighbors"], name, item); };
        for (auto& neighbor : speaker.neighbors) {
            // ASNs: the AS this neighbour is configured with must be the peer speaker's.
            const auto peer = std::find_if(config.speakers.begin(), config.speakers.end(),
                                           [&](const auto& s) { return s.name == neighbor.name; });
            const YAML::Node entry = neighbor_item(neighbor.name);
            if (peer != config.speakers.end() && peer->asn != neighbor.remote_as)
                reader.error(entry["asn"] ? entry["asn"] : entry,
                             "speaker '" + speaker.name + "' expects AS " + std::to_string(neighbor.remote_as) +
                                 " from neighbour '" + neighbor.name + "', but that speaker is AS " + std::to_string(peer->asn));
            const auto* external = topology.find_node(neighbor.name);
            if (external && external->kind == dataplane::NodeKind::external && external->asn != 0 &&
                external->asn != neighbor.remote_as)
                reader.error(entry["asn"] ? entry["asn"] : entry,
                             "speaker '" + speaker.name + "' expects AS " + std::to_string(neighbor.remote_as) +
                                 " from neighbour '" + neighbor.name + "', but that external router is AS " +
                                 std::to_string(external->asn));
            // The link: on the named interface (or any), the one whose far end is the
            // node this neighbour is named after.
            std::vector<const dataplane::LinkConfig*> candidates;
            for (const auto& link : topology.links) {
                const dataplane::LinkEnd* ends[2] = {&link.a, &link.b};
                for (int i = 0; i < 2; ++i)
                    if (ends[i]->node == speaker.name && ends[1 - i]->node == neighbor.name &&
                        (neighbor.interface.empty() || ends[i]->interface == neighbor.interface))
                        candidates.push_back(&link);
            }
            if (candidates.size() > 1) {
                reader.error(entry, "neighbour '" + neighbor.name + "' of '" + speaker.name + "': " +
                                                              std::to_string(candidates.size()) +
                                                              " links join them; say which with 'interface'");
                continue;
            }
            if (candidates.empty()) continue;  // an outside router, or no emulated link
            const auto& link = *candidates.front();
            neighbor.link = link.name;
            neighbor.interface = link.a.node == speaker.name ? link.a.interface : link.b.interface;
            for (const auto& interface : speaker.interfaces) {
                if (interface.name != neighbor.interface) continue;
                const auto v4 = interface.address_of(bgp::Afi::ipv4);
                const auto v6 = interface.address_of(bgp::Afi::ipv6);
                if (v4 && !neighbor.self_next_hop_v4) neighbor.self_next_hop_v4 = v4->address;
                if (v6 && !neighbor.self_next_hop_v6) neighbor.self_next_hop_v6 = v6->address;
            }
            // A link configured down starts with its sessions down.
            if (!link.up) neighbor.link_up = false;
        }
    }
}

// The route tables a VNet, host or appliance names exist, and each route is one Azure
// takes where it is used ("Virtual network traffic routing").
void check_route_tables(Reader& reader, const YAML::Node& root, const dataplane::TopologyConfig& topology) {
    using dataplane::Role;
    // The roles of the gateways a VNet's subnets reach: its own and, through gateway
    // transit, its peers'.
    const auto gateway_roles = [&](const dataplane::VnetConfig& vnet) {
        std::set<Role> roles;
        for (const auto* serving : topology.serving_vnets(vnet))
            for (const auto& node : topology.nodes)
                if (node.kind == dataplane::NodeKind::speaker && node.vnet == serving->name) roles.insert(node.role);
        return roles;
    };
    const auto check_use = [&](const YAML::Node& at, const std::string& name, const dataplane::VnetConfig& vnet,
                               const std::string& user, bool gateway_subnet) {
        const auto* table = topology.find_route_table(name);
        if (!table) return reader.error(at, user + ": no route table named '" + name + "' (see 'route_tables')");
        if (gateway_subnet && table->disable_bgp_route_propagation)
            reader.error(at, user + ": route table '" + name + "' disables gateway route propagation, which Azure does not allow on a GatewaySubnet");
        const auto roles = gateway_roles(vnet);
        for (const auto& route : table->routes) {
            if (route.next_hop_type != dataplane::UserNextHop::virtual_network_gateway) continue;
            const auto where = user + ": route '" + route.name + "' of route table '" + name + "'";
            if (roles.contains(Role::er_gateway))
                reader.error(at, where + " has next hop type VirtualNetworkGateway, which Azure refuses in a VNet with an ExpressRoute gateway (its own or through gateway transit)");
            else if (!roles.contains(Role::vpn_gateway))
                reader.error(at, where + " has next hop type VirtualNetworkGateway, but VNet '" + vnet.name + "' has no VPN gateway (its own or through gateway transit)");
        }
    };
    const auto vnets = root["vnets"];
    for (const auto& vnet : topology.vnets) {
        const YAML::Node item = named_item(vnets, vnet.name, root);
        const auto user = "VNet '" + vnet.name + "'";
        if (!vnet.route_table.empty()) check_use(item["route_table"], vnet.route_table, vnet, user, false);
        if (!vnet.gateway_route_table.empty()) check_use(item["gateway_route_table"], vnet.gateway_route_table, vnet, user + "'s GatewaySubnet", true);
    }
    for (const auto& node : topology.nodes) {
        if (node.route_table.empty()) continue;
        const auto* vnet = topology.find_vnet(node.vnet);
        if (!vnet) continue;  // reported with the node
        const YAML::Node item = named_item(root[node.kind == dataplane::NodeKind::host ? "hosts" : "routers"], node.name, root);
        check_use(item["route_table"], node.route_table, *vnet, "'" + node.name + "'", false);
    }
    const auto tables = root["route_tables"];
    for (const auto& table : topology.route_tables)
        for (const auto& route : table.routes)
            if (route.next_hop_address &&
                std::none_of(topology.nodes.begin(), topology.nodes.end(), [&](const dataplane::NodeConfig& node) {
                    return !node.vnet.empty() && std::find(node.vnet_addresses.begin(), node.vnet_addresses.end(),
                                                           *route.next_hop_address) != node.vnet_addresses.end();
                }))
                reader.error(named_item(tables, table.name, root),
                             "route '" + route.name + "' of route table '" + table.name + "': no VM or appliance in a VNet has address " +
                                 route.next_hop_address->to_string() + " (an appliance is a router with 'vnet' and 'vnet_address')");
}

}  // namespace

void check_topology(Reader& reader, const YAML::Node& root, DaemonConfig& config) {
    const auto& topology = config.topology;
    check_nodes(reader, root, topology);
    check_route_tables(reader, root, topology);
    for (const auto& node : topology.nodes)
        for (const auto& name : node.prefer)
            if (std::none_of(config.speakers.begin(), config.speakers.end(), [&](const auto& s) { return s.name == name; }))
                reader.error(named_item(root[node.kind == dataplane::NodeKind::external ? "externals" : "speakers"], node.name, root),
                             "'" + node.name + "' prefers '" + name + "', which is not a speaker");
    resolve_neighbors(reader, root, config);
}

}  // namespace bgpemu::daemon::detail
