#include "daemon/config/topology_config.hpp"

#include <algorithm>
#include <set>

namespace bgpemu::daemon::detail {

namespace {

bool contains(const Prefix& prefix, const IpAddress& address) {
    return prefix.afi() == address.afi() && Prefix::make(address, prefix.length()) == prefix;
}

// "ADDRESS/LENGTH" with host bits allowed (an interface address and its subnet).
std::optional<std::pair<IpAddress, unsigned>> address_and_length(Reader& reader, const YAML::Node& node,
                                                                 const std::string& what) {
    const auto text = reader.string(node, what);
    if (!text) return std::nullopt;
    const auto slash = text->find('/');
    const auto address = IpAddress::parse(text->substr(0, slash));
    unsigned length = 0;
    const bool length_ok = slash != std::string::npos && slash + 1 < text->size() &&
                           std::from_chars(text->data() + slash + 1, text->data() + text->size(), length).ptr ==
                               text->data() + text->size();
    if (!address || !length_ok || length > bgp::max_prefix_length(address->afi())) {
        reader.error(node, what + " '" + *text + "' must be ADDRESS/LENGTH, like 192.168.30.17/30");
        return std::nullopt;
    }
    return std::pair{*address, length};
}

void read_peering(Reader& reader, const YAML::Node& node, dataplane::VnetConfig& vnet) {
    if (!reader.is_map(node, "peering")) return;
    reader.check_keys(node, {"vnet", "allow_gateway_transit", "use_remote_gateways"}, "peering");
    dataplane::VnetPeeringConfig peering;
    if (const auto v = node["vnet"]) peering.vnet = reader.string(v, "peering vnet").value_or("");
    else reader.error(node, "peering of VNet '" + vnet.name + "' needs a 'vnet' (the peered VNet)");
    if (const auto v = node["allow_gateway_transit"])
        peering.allow_gateway_transit = reader.boolean(v, "allow_gateway_transit").value_or(false);
    if (const auto v = node["use_remote_gateways"])
        peering.use_remote_gateways = reader.boolean(v, "use_remote_gateways").value_or(false);
    if (peering.allow_gateway_transit && peering.use_remote_gateways)
        reader.error(node, "a peering cannot both allow gateway transit and use remote gateways (Azure refuses it)");
    if (!peering.vnet.empty()) vnet.peerings.push_back(std::move(peering));
}

void read_vnet(Reader& reader, const YAML::Node& node, dataplane::TopologyConfig& topology) {
    if (!reader.is_map(node, "vnet")) return;
    reader.check_keys(node, {"name", "address_spaces", "peerings"}, "vnet");
    dataplane::VnetConfig vnet;
    if (const auto v = node["name"]) vnet.name = reader.string(v, "vnet name").value_or("");
    if (vnet.name.empty()) {
        reader.error(node, "vnet needs a 'name'");
        return;
    }
    if (topology.find_vnet(vnet.name)) reader.error(node, "duplicate VNet name '" + vnet.name + "'");
    const auto spaces = node["address_spaces"];
    if (!spaces || !spaces.IsSequence() || spaces.size() == 0) {
        reader.error(spaces ? spaces : node, "VNet '" + vnet.name + "' needs 'address_spaces' (a list of prefixes)");
    } else {
        for (const auto& item : spaces)
            if (auto prefix = reader.prefix(item, "address space")) {
                for (const auto& other : topology.vnets)
                    for (const auto& space : other.address_spaces)
                        if (contains(space, prefix->address()) || contains(*prefix, space.address()))
                            reader.error(item, "address space " + prefix->to_string() + " of VNet '" + vnet.name +
                                                   "' overlaps " + space.to_string() + " of VNet '" + other.name + "'");
                vnet.address_spaces.push_back(*prefix);
            }
    }
    if (const auto list = node["peerings"]) {
        if (!list.IsSequence()) reader.error(list, "peerings must be a list");
        else
            for (const auto& item : list) read_peering(reader, item, vnet);
    }
    topology.vnets.push_back(std::move(vnet));
}

std::optional<dataplane::HopBehaviour> read_hop(Reader& reader, const YAML::Node& node, const std::string& what) {
    const auto text = reader.string(node, what);
    if (!text) return std::nullopt;
    auto behaviour = dataplane::parse_hop_behaviour(*text);
    if (!behaviour)
        reader.error(node, what + " must be answer, silent, transparent, or stages joined by '+' (answer+silent), not '" +
                               *text + "'");
    return behaviour;
}

void read_router(Reader& reader, const YAML::Node& node, dataplane::TopologyConfig& topology) {
    if (!reader.is_map(node, "router")) return;
    reader.check_keys(node, {"name", "interfaces", "static_routes", "hop"}, "router");
    dataplane::NodeConfig router;
    router.kind = dataplane::NodeKind::router;
    if (const auto v = node["name"]) router.name = reader.string(v, "router name").value_or("");
    if (router.name.empty()) {
        reader.error(node, "router needs a 'name'");
        return;
    }
    if (const auto list = node["interfaces"]; list && list.IsSequence())
        for (const auto& item : list) read_interface(reader, item, router.interfaces, router.interface_hops);
    else
        reader.error(list ? list : node, "router '" + router.name + "' needs 'interfaces' (a list)");
    if (const auto list = node["static_routes"]) {
        if (!list.IsSequence()) reader.error(list, "static_routes must be a list");
        else
            for (const auto& item : list) read_static_route(reader, item, router.static_routes);
    }
    if (const auto v = node["hop"]) router.hop = read_hop(reader, v, "hop");
    topology.nodes.push_back(std::move(router));
}

// A real router outside the daemon: what the data plane needs to route through it.
// `prefer`: the neighbours a router favours, most preferred first (see NodeConfig).
void read_prefer(Reader& reader, const YAML::Node& list, dataplane::NodeConfig& node) {
    if (!list.IsSequence()) {
        reader.error(list, "prefer must be a list of speaker names (most preferred first)");
        return;
    }
    for (const auto& item : list)
        if (auto name = reader.string(item, "prefer entry")) node.prefer.push_back(*name);
}

void read_external(Reader& reader, const YAML::Node& node, dataplane::TopologyConfig& topology) {
    if (!reader.is_map(node, "external router")) return;
    reader.check_keys(node, {"name", "role", "asn", "interfaces", "static_routes", "prefer", "hop"}, "external router");
    dataplane::NodeConfig external;
    external.kind = dataplane::NodeKind::external;
    if (const auto v = node["name"]) external.name = reader.string(v, "external router name").value_or("");
    if (external.name.empty()) {
        reader.error(node, "external router needs a 'name' (the name our speakers' neighbours use)");
        return;
    }
    external.role = dataplane::Role::ce;
    if (const auto v = node["role"]) {
        const auto role = reader.string(v, "role").value_or("ce");
        if (const auto parsed = dataplane::parse_role(role)) external.role = *parsed;
        else reader.error(v, "role must be ce, msee, er-gateway or vpn-gateway, not '" + role + "'");
    }
    if (const auto v = node["asn"]) {
        if (auto value = reader.unsigned_integer(v, "asn", 1, 4294967295ULL)) external.asn = static_cast<std::uint32_t>(*value);
    } else {
        reader.error(node, "external router '" + external.name + "' needs an 'asn'");
    }
    if (const auto list = node["interfaces"]) {
        if (!list.IsSequence()) reader.error(list, "interfaces must be a list");
        else
            for (const auto& item : list) read_interface(reader, item, external.interfaces, external.interface_hops);
    }
    if (const auto list = node["static_routes"]) {
        if (!list.IsSequence()) reader.error(list, "static_routes must be a list");
        else
            for (const auto& item : list) read_static_route(reader, item, external.static_routes);
    }
    if (const auto list = node["prefer"]) read_prefer(reader, list, external);
    if (const auto v = node["hop"]) external.hop = read_hop(reader, v, "hop");
    topology.nodes.push_back(std::move(external));
}

// A host: `vnet` + `address` (a VM in a VNet), or `address: A/LEN` + `gateway` (a host
// on a LAN, with one interface "eth0" and a default route).
void read_host(Reader& reader, const YAML::Node& node, dataplane::TopologyConfig& topology) {
    if (!reader.is_map(node, "host")) return;
    reader.check_keys(node, {"name", "vnet", "address", "gateway", "hop"}, "host");
    dataplane::NodeConfig host;
    host.kind = dataplane::NodeKind::host;
    host.role = dataplane::Role::host;
    if (const auto v = node["name"]) host.name = reader.string(v, "host name").value_or("");
    if (host.name.empty()) {
        reader.error(node, "host needs a 'name'");
        return;
    }
    const auto address = node["address"];
    if (!address) {
        reader.error(node, "host '" + host.name + "' needs an 'address'");
        return;
    }
    if (const auto v = node["vnet"]) {
        host.vnet = reader.string(v, "host vnet").value_or("");
        if (node["gateway"]) reader.error(node["gateway"], "host '" + host.name + "' is in a VNet: the VNet routes it, drop 'gateway'");
        if (const auto value = reader.address(address, "host address")) host.vnet_addresses.push_back(*value);
    } else {
        const auto value = address_and_length(reader, address, "host address");
        if (!value) return;
        host.interfaces.push_back(rib::InterfaceConfig{"eth0", value->first, value->second});
        if (const auto g = node["gateway"]) {
            if (const auto gateway = reader.address(g, "host gateway")) {
                const auto any = Prefix::make(*gateway, 0);
                host.static_routes.push_back(rib::StaticRouteConfig{any, {*gateway}, false});
            }
        }
    }
    if (const auto v = node["hop"]) host.hop = read_hop(reader, v, "hop");
    topology.nodes.push_back(std::move(host));
}

// "NODE:INTERFACE", or "NODE" for a node with one interface.
std::optional<dataplane::LinkEnd> read_link_end(Reader& reader, const YAML::Node& node, const dataplane::TopologyConfig& topology) {
    const auto text = reader.string(node, "link end");
    if (!text) return std::nullopt;
    const auto colon = text->find(':');
    dataplane::LinkEnd end{text->substr(0, colon), colon == std::string::npos ? "" : text->substr(colon + 1)};
    const auto* found = topology.find_node(end.node);
    if (!found) {
        reader.error(node, "link end '" + *text + "': no speaker, router or host named '" + end.node + "'");
        return std::nullopt;
    }
    if (end.interface.empty()) {
        if (found->interfaces.size() != 1) {
            reader.error(node, "link end '" + *text + "': '" + end.node + "' has " + std::to_string(found->interfaces.size()) +
                                   " interfaces; name one (NODE:INTERFACE)");
            return std::nullopt;
        }
        end.interface = found->interfaces.front().name;
    }
    const auto& interfaces = found->interfaces;
    if (std::none_of(interfaces.begin(), interfaces.end(), [&](const auto& i) { return i.name == end.interface; })) {
        reader.error(node, "link end '" + *text + "': '" + end.node + "' has no interface '" + end.interface + "'");
        return std::nullopt;
    }
    return end;
}

void read_link(Reader& reader, const YAML::Node& node, dataplane::TopologyConfig& topology) {
    if (!reader.is_map(node, "link")) return;
    reader.check_keys(node, {"name", "a", "b", "delay_ms", "shutdown"}, "link");
    dataplane::LinkConfig link;
    std::optional<dataplane::LinkEnd> ends[2];
    const char* keys[2] = {"a", "b"};
    for (int i = 0; i < 2; ++i) {
        if (const auto v = node[keys[i]]) ends[i] = read_link_end(reader, v, topology);
        else reader.error(node, std::string("link needs '") + keys[i] + "' (NODE:INTERFACE)");
    }
    if (!ends[0] || !ends[1]) return;
    link.a = *ends[0];
    link.b = *ends[1];
    if (link.a.node == link.b.node) {
        reader.error(node, "link joins '" + link.a.node + "' to itself");
        return;
    }
    link.name = link.a.node + ":" + link.a.interface + "--" + link.b.node + ":" + link.b.interface;
    if (const auto v = node["name"]) link.name = reader.string(v, "link name").value_or(link.name);
    if (const auto v = node["delay_ms"]) {
        double delay = -1;
        if (!v.IsScalar() || !YAML::convert<double>::decode(v, delay) || delay < 0 || delay > 60000)
            reader.error(v, "delay_ms must be a number of milliseconds (0..60000)");
        else
            link.delay_ms = delay;
    }
    if (const auto v = node["shutdown"]) link.up = !reader.boolean(v, "shutdown").value_or(false);
    for (const auto& other : topology.links) {
        if (other.name == link.name) reader.error(node, "duplicate link name '" + link.name + "'");
        if ((other.a == link.a && other.b == link.b) || (other.a == link.b && other.b == link.a))
            reader.error(node, "link " + link.name + " is configured twice");
    }
    topology.links.push_back(std::move(link));
}

// The item of `list` named `name`, or `fallback` (for error positions). Returned by copy:
// a yaml-cpp Node assigned with `=` would overwrite what it refers to.
YAML::Node named_item(const YAML::Node& list, const std::string& name, const YAML::Node& fallback) {
    if (list && list.IsSequence())
        for (const auto& candidate : list)
            if (candidate.IsMap() && candidate["name"] && candidate["name"].IsScalar() && candidate["name"].Scalar() == name)
                return YAML::Node(candidate);
    return fallback;
}

template <typename Fn>
void each_item(Reader& reader, const YAML::Node& root, const char* key, Fn read) {
    const auto list = root[key];
    if (!list) return;
    if (!list.IsSequence()) {
        reader.error(list, std::string("'") + key + "' must be a list");
        return;
    }
    for (const auto& item : list) read(item);
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
        for (const auto& interface : node.interfaces) claim(interface.address, node.name + ":" + interface.name);
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
                if (interface.address.is_v4() && !neighbor.self_next_hop_v4) neighbor.self_next_hop_v4 = interface.address;
                if (!interface.address.is_v4() && !neighbor.self_next_hop_v6) neighbor.self_next_hop_v6 = interface.address;
            }
            // A link configured down starts with its sessions down.
            if (!link.up) neighbor.link_up = false;
        }
    }
}

}  // namespace

void read_interface(Reader& reader, const YAML::Node& node, std::vector<rib::InterfaceConfig>& interfaces,
                    std::map<std::string, dataplane::HopBehaviour>& hops) {
    if (!reader.is_map(node, "interface")) return;
    reader.check_keys(node, {"name", "address", "hop"}, "interface");
    rib::InterfaceConfig interface;
    if (const auto v = node["name"]) interface.name = reader.string(v, "interface name").value_or("");
    if (interface.name.empty()) {
        reader.error(node, "interface needs a 'name'");
        return;
    }
    const auto v = node["address"];
    if (!v) {
        reader.error(node, "interface '" + interface.name + "' needs an 'address' (ADDRESS/LENGTH)");
        return;
    }
    const auto value = address_and_length(reader, v, "interface '" + interface.name + "' address");
    if (!value) return;
    interface.address = value->first;
    interface.length = value->second;
    for (const auto& other : interfaces) {
        if (other.name == interface.name) reader.error(node, "duplicate interface name '" + interface.name + "'");
        if (other.address == interface.address)
            reader.error(v, "interfaces '" + other.name + "' and '" + interface.name + "' have the same address");
    }
    if (const auto h = node["hop"])
        if (auto behaviour = read_hop(reader, h, "interface '" + interface.name + "' hop")) hops[interface.name] = *behaviour;
    interfaces.push_back(std::move(interface));
}

void read_static_route(Reader& reader, const YAML::Node& node, std::vector<rib::StaticRouteConfig>& routes) {
    if (!reader.is_map(node, "static route")) return;
    reader.check_keys(node, {"prefix", "next_hop", "blackhole"}, "static route");
    rib::StaticRouteConfig route;
    if (!node["prefix"]) {
        reader.error(node, "static route needs a 'prefix'");
        return;
    }
    const auto prefix = reader.prefix(node["prefix"], "static route prefix");
    if (!prefix) return;
    route.prefix = *prefix;
    if (const auto v = node["blackhole"]) route.blackhole = reader.boolean(v, "blackhole").value_or(false);
    if (const auto v = node["next_hop"]) {
        const auto add = [&](const YAML::Node& item) {
            const auto hop = reader.address(item, "static route next_hop");
            if (!hop) return;
            if (hop->afi() != prefix->afi())
                reader.error(item, "static route " + prefix->to_string() + ": next hop " + hop->to_string() +
                                       " is not of the prefix's address family");
            else
                route.next_hops.push_back(*hop);
        };
        if (v.IsSequence())
            for (const auto& item : v) add(item);
        else
            add(v);
    }
    const bool has_next_hop = static_cast<bool>(node["next_hop"]);
    if (route.blackhole == has_next_hop) {
        reader.error(node, "static route " + prefix->to_string() +
                               (has_next_hop ? " has both 'next_hop' and 'blackhole: true'; give one"
                                             : " needs 'next_hop' (one address or a list) or 'blackhole: true'"));
        return;
    }
    if (!route.blackhole && route.next_hops.empty()) return;  // its next hops were reported
    routes.push_back(std::move(route));
}

void read_speaker_dataplane(Reader& reader, const YAML::Node& speaker, dataplane::NodeConfig& node) {
    if (const auto v = speaker["vnet"]) node.vnet = reader.string(v, "vnet").value_or("");
    if (const auto v = speaker["vnet_addresses"]) {
        if (node.vnet.empty()) reader.error(v, "vnet_addresses needs 'vnet' (the VNet this gateway serves)");
        if (!v.IsSequence()) reader.error(v, "vnet_addresses must be a list of addresses");
        else
            for (const auto& item : v)
                if (auto address = reader.address(item, "vnet address")) node.vnet_addresses.push_back(*address);
    }
    if (const auto v = speaker["hop"]) node.hop = read_hop(reader, v, "hop");
    if (const auto v = speaker["vnet_hop"]) node.vnet_hop = read_hop(reader, v, "vnet_hop");
    if (const auto v = speaker["transit"]) node.transit = reader.boolean(v, "transit");
    if (const auto v = speaker["source_check"]) node.source_check = reader.boolean(v, "source_check").value_or(true);
    if (const auto v = speaker["site"]) node.site = reader.string(v, "site").value_or("");
    if (const auto v = speaker["prefer"]) read_prefer(reader, v, node);
}

void read_vnets(Reader& reader, const YAML::Node& root, DaemonConfig& config) {
    each_item(reader, root, "vnets", [&](const YAML::Node& item) { read_vnet(reader, item, config.topology); });
}

std::vector<Prefix> gateway_spaces(const dataplane::TopologyConfig& topology, const std::string& vnet_name) {
    std::vector<Prefix> spaces;
    const auto* vnet = topology.find_vnet(vnet_name);
    if (!vnet) return spaces;
    spaces = vnet->address_spaces;
    // Peers that use this VNet's gateways, through a peering that allows gateway transit.
    for (const auto& peering : vnet->peerings) {
        if (!peering.allow_gateway_transit) continue;
        const auto* peer = topology.find_vnet(peering.vnet);
        if (!peer) continue;
        for (const auto& back : peer->peerings)
            if (back.vnet == vnet->name && back.use_remote_gateways)
                spaces.insert(spaces.end(), peer->address_spaces.begin(), peer->address_spaces.end());
    }
    return spaces;
}

void read_topology(Reader& reader, const YAML::Node& root, DaemonConfig& config) {
    auto& topology = config.topology;
    each_item(reader, root, "routers", [&](const YAML::Node& item) { read_router(reader, item, topology); });
    each_item(reader, root, "hosts", [&](const YAML::Node& item) { read_host(reader, item, topology); });
    each_item(reader, root, "externals", [&](const YAML::Node& item) { read_external(reader, item, topology); });
    check_nodes(reader, root, topology);
    for (const auto& node : topology.nodes)
        for (const auto& name : node.prefer)
            if (std::none_of(config.speakers.begin(), config.speakers.end(), [&](const auto& s) { return s.name == name; }))
                reader.error(named_item(root[node.kind == dataplane::NodeKind::external ? "externals" : "speakers"], node.name, root),
                             "'" + node.name + "' prefers '" + name + "', which is not a speaker");
    each_item(reader, root, "links", [&](const YAML::Node& item) { read_link(reader, item, topology); });
    resolve_neighbors(reader, root, config);
}

}  // namespace bgpemu::daemon::detail
