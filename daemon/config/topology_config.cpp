// The data-plane sections: `vnets` (with their peerings), `routers`, `hosts`,
// `externals` and `links`, and the interface, static-route and hop keys they share
// with speakers.
#include "daemon/config/topology_config.hpp"

#include <algorithm>
#include <charconv>

#include "daemon/azure/regional_communities.hpp"

namespace bgpemu::daemon::detail {

namespace {

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

struct PeeringRead {
    dataplane::VnetPeeringConfig peering{};
};

constexpr Key<PeeringRead> peering_keys[] = {
    {"vnet"},
    {"allow_gateway_transit",
     [](Reader& r, const YAML::Node& v, PeeringRead& x) {
         x.peering.allow_gateway_transit = r.boolean(v, "allow_gateway_transit").value_or(false);
     }},
    {"use_remote_gateways",
     [](Reader& r, const YAML::Node& v, PeeringRead& x) {
         x.peering.use_remote_gateways = r.boolean(v, "use_remote_gateways").value_or(false);
     }},
};

void read_peering(Reader& reader, const YAML::Node& node, dataplane::VnetConfig& vnet) {
    if (!reader.is_map(node, "peering")) return;
    reader.refuse_unknown_keys(node, peering_keys, "peering");
    PeeringRead read;
    if (const auto v = node["vnet"]) read.peering.vnet = reader.string(v, "peering vnet").value_or("");
    else reader.error(node, "peering of VNet '" + vnet.name + "' needs a 'vnet' (the peered VNet)");
    read_keys(reader, node, peering_keys, read);
    if (read.peering.allow_gateway_transit && read.peering.use_remote_gateways)
        reader.error(node, "a peering cannot both allow gateway transit and use remote gateways (Azure refuses it)");
    if (!read.peering.vnet.empty()) vnet.peerings.push_back(std::move(read.peering));
}

struct VnetRead {
    YAML::Node node{};
    const dataplane::TopologyConfig& topology;
    dataplane::VnetConfig vnet{};
};

// A Microsoft community of a VNet: "12076:VALUE" ("Configure custom BGP communities for
// Azure ExpressRoute private peering": the 12076: is required).
std::optional<std::uint32_t> microsoft_community(Reader& reader, const YAML::Node& node, const std::string& what) {
    const auto value = reader.community(node);
    if (value && (*value >> 16) != microsoft_community_asn) {
        reader.error(node, what + " must be 12076:VALUE (Azure requires the 12076: before the VNet's value)");
        return std::nullopt;
    }
    return value;
}

void address_spaces_missing(Reader& reader, const YAML::Node& at, VnetRead& read) {
    reader.error(at, "VNet '" + read.vnet.name + "' needs 'address_spaces' (a list of prefixes)");
}

constexpr Key<VnetRead> vnet_keys[] = {
    {"name"},
    {"address_spaces",
     [](Reader& r, const YAML::Node& spaces, VnetRead& x) {
         if (!spaces.IsSequence() || spaces.size() == 0) return address_spaces_missing(r, spaces, x);
         for (const auto& item : spaces) {
             auto prefix = r.prefix(item, "address space");
             if (!prefix) continue;
             for (const auto& other : x.topology.vnets)
                 for (const auto& space : other.address_spaces)
                     if (contains(space, prefix->address()) || contains(*prefix, space.address()))
                         r.error(item, "address space " + prefix->to_string() + " of VNet '" + x.vnet.name +
                                           "' overlaps " + space.to_string() + " of VNet '" + other.name + "'");
             x.vnet.address_spaces.push_back(*prefix);
         }
     },
     address_spaces_missing},
    {"peerings",
     [](Reader& r, const YAML::Node& list, VnetRead& x) {
         if (r.is_list(list, "peerings"))
             for (const auto& item : list) read_peering(r, item, x.vnet);
     }},
    {"location", [](Reader& r, const YAML::Node& v, VnetRead& x) { x.vnet.location = r.string(v, "location").value_or(""); }},
    {"bgp_community", [](Reader& r, const YAML::Node& v, VnetRead& x) { x.vnet.bgp_community = microsoft_community(r, v, "bgp_community"); }},
    {"regional_community",
     [](Reader& r, const YAML::Node& v, VnetRead& x) { x.vnet.regional_community = microsoft_community(r, v, "regional_community"); }},
    {"route_table", [](Reader& r, const YAML::Node& v, VnetRead& x) { x.vnet.route_table = r.string(v, "route_table").value_or(""); }},
    {"gateway_route_table",
     [](Reader& r, const YAML::Node& v, VnetRead& x) { x.vnet.gateway_route_table = r.string(v, "gateway_route_table").value_or(""); }},
};

// Azure shows a VNet's regional community only once it has a custom one; the region's
// comes from the table unless the file gives it (a region the table lacks).
void resolve_communities(Reader& reader, const YAML::Node& node, dataplane::VnetConfig& vnet) {
    // A key given but not read has its error already.
    if ((node["bgp_community"] && !vnet.bgp_community) || (node["regional_community"] && !vnet.regional_community)) return;
    if (!vnet.bgp_community) {
        if (node["regional_community"])
            reader.error(node["regional_community"], "regional_community needs bgp_community: Azure adds the region's "
                                                     "community only to the routes of a VNet with a custom one");
        vnet.regional_community.reset();
        return;
    }
    if (vnet.regional_community) return;
    if (!vnet.location.empty()) vnet.regional_community = regional_community(vnet.location);
    if (vnet.regional_community || !node["bgp_community"]) return;
    reader.error(node["bgp_community"],
                 vnet.location.empty()
                     ? "VNet '" + vnet.name + "' has a bgp_community: give its 'location' (an Azure region), whose community its routes carry too"
                     : "no regional community known for location '" + vnet.location + "': give 'regional_community' (12076:50xxx)");
}

void read_vnet(Reader& reader, const YAML::Node& node, dataplane::TopologyConfig& topology) {
    if (!reader.is_map(node, "vnet")) return;
    reader.refuse_unknown_keys(node, vnet_keys, "vnet");
    VnetRead read{node, topology};
    if (const auto v = node["name"]) read.vnet.name = reader.string(v, "vnet name").value_or("");
    if (read.vnet.name.empty()) return reader.error(node, "vnet needs a 'name'");
    if (topology.find_vnet(read.vnet.name)) reader.error(node, "duplicate VNet name '" + read.vnet.name + "'");
    read_keys(reader, node, vnet_keys, read);
    resolve_communities(reader, node, read.vnet);
    topology.vnets.push_back(std::move(read.vnet));
}

// Routers, externals and hosts: what they fill, and whether it is whole.
struct NodeRead {
    YAML::Node node{};
    dataplane::NodeConfig config{};
    bool complete = true;
};

// A node needs a name (without one, reported and nothing else read); then its table.
template <std::size_t N>
void read_node(Reader& reader, const YAML::Node& item, dataplane::NodeKind node_kind, dataplane::Role role,
               const std::string& kind, const std::string& name_hint, const Key<NodeRead> (&table)[N],
               dataplane::TopologyConfig& topology) {
    if (!reader.is_map(item, kind)) return;
    reader.refuse_unknown_keys(item, table, kind);
    NodeRead read{item};
    read.config.kind = node_kind;
    read.config.role = role;
    if (const auto v = item["name"]) read.config.name = reader.string(v, kind + " name").value_or("");
    if (read.config.name.empty()) return reader.error(item, kind + " needs a 'name'" + name_hint);
    read_keys(reader, item, table, read);
    if (read.complete) topology.nodes.push_back(std::move(read.config));
}

void read_interfaces(Reader& reader, const YAML::Node& list, NodeRead& read) {
    for (const auto& item : list) read_interface(reader, item, read.config.interfaces, read.config.interface_hops);
}

constexpr Key<NodeRead> interfaces_row{"interfaces", [](Reader& r, const YAML::Node& v, NodeRead& x) {
                                           if (r.is_list(v, "interfaces")) read_interfaces(r, v, x);
                                       }};
constexpr Key<NodeRead> static_routes_row{"static_routes", [](Reader& r, const YAML::Node& v, NodeRead& x) {
                                              if (!r.is_list(v, "static_routes")) return;
                                              for (const auto& item : v) read_static_route(r, item, x.config.static_routes);
                                          }};
constexpr Key<NodeRead> hop_row{"hop", [](Reader& r, const YAML::Node& v, NodeRead& x) { x.config.hop = read_hop(r, v, "hop"); }};

void router_interfaces_missing(Reader& reader, const YAML::Node& at, NodeRead& read) {
    reader.error(at, "router '" + read.config.name + "' needs 'interfaces' (a list)");
}

constexpr Key<NodeRead> route_table_row{"route_table", [](Reader& r, const YAML::Node& v, NodeRead& x) {
                                            if (!x.node["vnet"])
                                                return r.error(v, "'" + x.config.name + "' has a route_table but no 'vnet': a route table belongs to a VNet's subnet");
                                            x.config.route_table = r.string(v, "route_table").value_or("");
                                        }};

// A router; with `vnet` and `vnet_address`, a network virtual appliance in that VNet
// (its interfaces, if any, lead out of it: a tunnel, a second NIC's link).
constexpr Key<NodeRead> router_keys[] = {
    {"name"},
    {"interfaces",
     [](Reader& r, const YAML::Node& v, NodeRead& x) {
         if (v.IsSequence()) read_interfaces(r, v, x);
         else router_interfaces_missing(r, v, x);
     },
     [](Reader& r, const YAML::Node& at, NodeRead& x) {
         if (!x.node["vnet"]) router_interfaces_missing(r, at, x);
     }},
    {"vnet", [](Reader& r, const YAML::Node& v, NodeRead& x) { x.config.vnet = r.string(v, "router vnet").value_or(""); }},
    {"vnet_address",
     [](Reader& r, const YAML::Node& v, NodeRead& x) {
         if (!x.node["vnet"]) return r.error(v, "router '" + x.config.name + "' has a vnet_address but no 'vnet'");
         if (const auto value = r.address(v, "vnet_address")) x.config.vnet_addresses.push_back(*value);
     },
     [](Reader& r, const YAML::Node& at, NodeRead& x) {
         if (x.node["vnet"]) r.error(at, "router '" + x.config.name + "' is in a VNet: it needs a 'vnet_address' (its NIC's)");
     }},
    route_table_row,
    static_routes_row,
    hop_row,
};

// A real router outside the daemon: what the data plane needs to route through it.
constexpr Key<NodeRead> external_keys[] = {
    {"name"},
    {"role",
     [](Reader& r, const YAML::Node& v, NodeRead& x) {
         const auto role = r.string(v, "role").value_or("ce");
         if (const auto parsed = dataplane::parse_role(role)) x.config.role = *parsed;
         else r.error(v, "role must be " + dataplane::role_choices() + ", not '" + role + "'");
     }},
    {"asn",
     [](Reader& r, const YAML::Node& v, NodeRead& x) {
         if (auto value = r.unsigned_integer(v, "asn", 1, 4294967295ULL)) x.config.asn = static_cast<std::uint32_t>(*value);
     },
     [](Reader& r, const YAML::Node& node, NodeRead& x) {
         r.error(node, "external router '" + x.config.name + "' needs an 'asn'");
     }},
    interfaces_row,
    static_routes_row,
    {"prefer", [](Reader& r, const YAML::Node& v, NodeRead& x) { read_prefer(r, v, x.config); }},
    hop_row,
};

// A host: `vnet` + `address` (a VM in a VNet), or `address: A/LEN` + `gateway` (a host
// on a LAN, with one interface "eth0" and a default route).
constexpr Key<NodeRead> host_keys[] = {
    {"name"},
    {"vnet", [](Reader& r, const YAML::Node& v, NodeRead& x) { x.config.vnet = r.string(v, "host vnet").value_or(""); }},
    {"address",
     [](Reader& r, const YAML::Node& v, NodeRead& x) {
         if (x.node["vnet"]) {
             if (const auto value = r.address(v, "host address")) x.config.vnet_addresses.push_back(*value);
         } else if (const auto value = address_and_length(r, v, "host address")) {
             x.config.interfaces.push_back(rib::InterfaceConfig{"eth0", value->first, value->second, std::nullopt});
         } else {
             x.complete = false;
         }
     },
     [](Reader& r, const YAML::Node& node, NodeRead& x) {
         r.error(node, "host '" + x.config.name + "' needs an 'address'");
         x.complete = false;
     }},
    {"gateway",
     [](Reader& r, const YAML::Node& v, NodeRead& x) {
         if (x.node["vnet"]) return r.error(v, "host '" + x.config.name + "' is in a VNet: the VNet routes it, drop 'gateway'");
         if (!x.complete) return;
         if (const auto gateway = r.address(v, "host gateway"))
             x.config.static_routes.push_back(rib::StaticRouteConfig{Prefix::make(*gateway, 0), {*gateway}, false});
     }},
    route_table_row,
    hop_row,
};

// ---- route tables (user-defined routes) ----

struct UserRouteRead {
    dataplane::UserRouteConfig route{};
    bool complete = true;
};

constexpr Key<UserRouteRead> user_route_keys[] = {
    {"name", [](Reader& r, const YAML::Node& v, UserRouteRead& x) { x.route.name = r.string(v, "route name").value_or(""); }},
    {"address_prefix",
     [](Reader& r, const YAML::Node& v, UserRouteRead& x) {
         if (const auto prefix = r.prefix(v, "address_prefix")) x.route.prefix = *prefix;
         else x.complete = false;
     },
     [](Reader& r, const YAML::Node& at, UserRouteRead& x) {
         r.error(at, "route needs an 'address_prefix'");
         x.complete = false;
     }},
    {"next_hop_type",
     [](Reader& r, const YAML::Node& v, UserRouteRead& x) {
         const auto text = r.string(v, "next_hop_type").value_or("");
         if (const auto type = dataplane::parse_user_next_hop(text)) {
             x.route.next_hop_type = *type;
             return;
         }
         r.error(v, "next_hop_type must be VirtualAppliance, VirtualNetworkGateway, VnetLocal, Internet or None, not '" + text + "'");
         x.complete = false;
     },
     [](Reader& r, const YAML::Node& at, UserRouteRead& x) {
         r.error(at, "route needs a 'next_hop_type' (VirtualAppliance, VirtualNetworkGateway, VnetLocal, Internet or None)");
         x.complete = false;
     }},
    {"next_hop_ip_address",
     [](Reader& r, const YAML::Node& v, UserRouteRead& x) {
         if (const auto address = r.address(v, "next_hop_ip_address")) x.route.next_hop_address = *address;
         else x.complete = false;
     }},
};

struct RouteTableRead {
    dataplane::RouteTableConfig table{};
};

void read_user_route(Reader& reader, const YAML::Node& node, dataplane::RouteTableConfig& table) {
    if (!reader.is_map(node, "route")) return;
    reader.refuse_unknown_keys(node, user_route_keys, "route");
    UserRouteRead read;
    read_keys(reader, node, user_route_keys, read);
    if (!read.complete) return;
    auto& route = read.route;
    if (route.name.empty()) route.name = route.prefix.to_string();
    const bool appliance = route.next_hop_type == dataplane::UserNextHop::virtual_appliance;
    const auto where = "route '" + route.name + "' of route table '" + table.name + "'";
    if (appliance && !route.next_hop_address)
        return reader.error(node, where + ": next hop type VirtualAppliance needs a 'next_hop_ip_address' (the appliance's)");
    if (!appliance && route.next_hop_address)
        return reader.error(node["next_hop_ip_address"], where + ": only next hop type VirtualAppliance takes a next_hop_ip_address");
    if (route.next_hop_address && route.next_hop_address->afi() != route.prefix.afi())
        return reader.error(node["next_hop_ip_address"], where + ": the next hop is not of the prefix's address family");
    for (const auto& other : table.routes) {
        if (other.prefix == route.prefix)
            return reader.error(node, where + ": route '" + other.name + "' has the same address prefix " +
                                          route.prefix.to_string() + " (Azure takes one route per prefix in a table)");
        if (other.name == route.name) return reader.error(node, where + ": duplicate route name");
    }
    table.routes.push_back(std::move(route));
}

constexpr Key<RouteTableRead> route_table_keys[] = {
    {"name"},
    {"disable_bgp_route_propagation",
     [](Reader& r, const YAML::Node& v, RouteTableRead& x) {
         x.table.disable_bgp_route_propagation = r.boolean(v, "disable_bgp_route_propagation").value_or(false);
     }},
    {"routes",
     [](Reader& r, const YAML::Node& v, RouteTableRead& x) {
         if (!r.is_list(v, "routes")) return;
         for (const auto& item : v) read_user_route(r, item, x.table);
     }},
};

void read_route_table(Reader& reader, const YAML::Node& node, dataplane::TopologyConfig& topology) {
    if (!reader.is_map(node, "route table")) return;
    reader.refuse_unknown_keys(node, route_table_keys, "route table");
    RouteTableRead read;
    if (const auto v = node["name"]) read.table.name = reader.string(v, "route table name").value_or("");
    if (read.table.name.empty()) return reader.error(node, "route table needs a 'name'");
    if (topology.find_route_table(read.table.name)) return reader.error(node, "duplicate route table name '" + read.table.name + "'");
    read_keys(reader, node, route_table_keys, read);
    topology.route_tables.push_back(std::move(read.table));
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

struct LinkRead {
    dataplane::LinkConfig link{};
};

constexpr Key<LinkRead> link_keys[] = {
    {"a"},
    {"b"},
    {"name", [](Reader& r, const YAML::Node& v, LinkRead& x) { x.link.name = r.string(v, "link name").value_or(x.link.name); }},
    {"delay_ms",
     [](Reader& r, const YAML::Node& v, LinkRead& x) {
         double delay = -1;
         if (!v.IsScalar() || !YAML::convert<double>::decode(v, delay) || !(delay >= 0 && delay <= 60000))
             r.error(v, "delay_ms must be a number of milliseconds (0..60000)");
         else
             x.link.delay_ms = delay;
     }},
    {"shutdown", [](Reader& r, const YAML::Node& v, LinkRead& x) { x.link.up = !r.boolean(v, "shutdown").value_or(false); }},
};

void read_link(Reader& reader, const YAML::Node& node, dataplane::TopologyConfig& topology) {
    if (!reader.is_map(node, "link")) return;
    reader.refuse_unknown_keys(node, link_keys, "link");
    LinkRead read;
    auto& link = read.link;
    std::optional<dataplane::LinkEnd> ends[2];
    const char* keys[2] = {"a", "b"};
    for (int i = 0; i < 2; ++i) {
        if (const auto v = node[keys[i]]) ends[i] = read_link_end(reader, v, topology);
        else reader.error(node, std::string("link needs '") + keys[i] + "' (NODE:INTERFACE)");
    }
    if (!ends[0] || !ends[1]) return;
    link.a = *ends[0];
    link.b = *ends[1];
    if (link.a.node == link.b.node) return reader.error(node, "link joins '" + link.a.node + "' to itself");
    link.name = link.a.node + ":" + link.a.interface + "--" + link.b.node + ":" + link.b.interface;
    read_keys(reader, node, link_keys, read);
    for (const auto& other : topology.links) {
        if (other.name == link.name) reader.error(node, "duplicate link name '" + link.name + "'");
        if ((other.a == link.a && other.b == link.b) || (other.a == link.b && other.b == link.a))
            reader.error(node, "link " + link.name + " is configured twice");
    }
    topology.links.push_back(std::move(link));
}

}  // namespace

std::optional<dataplane::HopBehaviour> read_hop(Reader& reader, const YAML::Node& node, const std::string& what) {
    const auto text = reader.string(node, what);
    if (!text) return std::nullopt;
    auto behaviour = dataplane::parse_hop_behaviour(*text);
    if (!behaviour)
        reader.error(node, what + " must be answer, silent, transparent, or stages joined by '+' (answer+silent), not '" +
                               *text + "'");
    return behaviour;
}

// `prefer`: the neighbours a router favours, most preferred first (see NodeConfig).
void read_prefer(Reader& reader, const YAML::Node& list, dataplane::NodeConfig& node) {
    if (!list.IsSequence()) {
        reader.error(list, "prefer must be a list of speaker names (most preferred first)");
        return;
    }
    for (const auto& item : list)
        if (auto name = reader.string(item, "prefer entry")) node.prefer.push_back(*name);
}

namespace {

struct InterfaceRead {
    rib::InterfaceConfig interface{};
    std::optional<dataplane::HopBehaviour> hop{};
    bool complete = true;
};

constexpr Key<InterfaceRead> interface_keys[] = {
    {"name"},
    // ADDRESS/LENGTH, or a dual-stack interface's two: [IPV4/LENGTH, IPV6/LENGTH].
    {"address",
     [](Reader& r, const YAML::Node& v, InterfaceRead& x) {
         const auto what = "interface '" + x.interface.name + "' address";
         if (v.IsSequence() && (v.size() == 0 || v.size() > 2)) {
             r.error(v, what + " is one ADDRESS/LENGTH or a list of two, one of each family (dual stack)");
             x.complete = false;
             return;
         }
         const auto first = address_and_length(r, v.IsSequence() ? v[0] : v, what);
         if (!first) {
             x.complete = false;
             return;
         }
         x.interface.address = first->first;
         x.interface.length = first->second;
         if (!v.IsSequence() || v.size() < 2) return;
         const auto second = address_and_length(r, v[1], what);
         if (!second) {
             x.complete = false;
             return;
         }
         if (!first->first.is_v4() || second->first.is_v4()) {
             r.error(v, what + ": a dual-stack interface's addresses are [IPV4/LENGTH, IPV6/LENGTH], in that order");
             x.complete = false;
             return;
         }
         x.interface.other_family = rib::InterfaceAddress{second->first, second->second};
     },
     [](Reader& r, const YAML::Node& node, InterfaceRead& x) {
         r.error(node, "interface '" + x.interface.name + "' needs an 'address' (ADDRESS/LENGTH)");
         x.complete = false;
     }},
    {"hop",
     [](Reader& r, const YAML::Node& v, InterfaceRead& x) {
         x.hop = read_hop(r, v, "interface '" + x.interface.name + "' hop");
     }},
};

struct StaticRouteRead {
    rib::StaticRouteConfig route{};
    bgp::Afi afi = bgp::Afi::ipv4;  // the prefix's
};

void add_static_next_hop(Reader& reader, const YAML::Node& item, StaticRouteRead& read) {
    const auto hop = reader.address(item, "static route next_hop");
    if (!hop) return;
    if (hop->afi() != read.afi)
        reader.error(item, "static route " + read.route.prefix.to_string() + ": next hop " + hop->to_string() +
                               " is not of the prefix's address family");
    else
        read.route.next_hops.push_back(*hop);
}

constexpr Key<StaticRouteRead> static_route_keys[] = {
    {"prefix"},
    {"next_hop",
     [](Reader& r, const YAML::Node& v, StaticRouteRead& x) {
         if (!v.IsSequence()) return add_static_next_hop(r, v, x);
         for (const auto& item : v) add_static_next_hop(r, item, x);
     }},
    {"blackhole",
     [](Reader& r, const YAML::Node& v, StaticRouteRead& x) { x.route.blackhole = r.boolean(v, "blackhole").value_or(false); }},
};

}  // namespace

void read_interface(Reader& reader, const YAML::Node& node, std::vector<rib::InterfaceConfig>& interfaces,
                    std::map<std::string, dataplane::HopBehaviour>& hops) {
    if (!reader.is_map(node, "interface")) return;
    reader.refuse_unknown_keys(node, interface_keys, "interface");
    InterfaceRead read;
    auto& interface = read.interface;
    if (const auto v = node["name"]) interface.name = reader.string(v, "interface name").value_or("");
    if (interface.name.empty()) return reader.error(node, "interface needs a 'name'");
    read_keys(reader, node, interface_keys, read);
    if (!read.complete) return;
    for (const auto& other : interfaces) {
        if (other.name == interface.name) reader.error(node, "duplicate interface name '" + interface.name + "'");
        for (const auto& address : interface.addresses())
            if (other.has_address(address.address))
                reader.error(node["address"], "interfaces '" + other.name + "' and '" + interface.name + "' have the same address");
    }
    if (read.hop) hops[interface.name] = *read.hop;
    interfaces.push_back(std::move(interface));
}

void read_static_route(Reader& reader, const YAML::Node& node, std::vector<rib::StaticRouteConfig>& routes) {
    if (!reader.is_map(node, "static route")) return;
    reader.refuse_unknown_keys(node, static_route_keys, "static route");
    if (!node["prefix"]) return reader.error(node, "static route needs a 'prefix'");
    const auto prefix = reader.prefix(node["prefix"], "static route prefix");
    if (!prefix) return;
    StaticRouteRead read;
    read.route.prefix = *prefix;
    read.afi = prefix->afi();
    read_keys(reader, node, static_route_keys, read);
    auto& route = read.route;
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

namespace {

template <typename Read>
void each_item(Reader& reader, const YAML::Node& list, const char* key, const Read& read) {
    if (!reader.is_list(list, std::string("'") + key + "'")) return;
    for (const auto& item : list) read(item);
}

}  // namespace

void read_vnets(Reader& reader, const YAML::Node& list, dataplane::TopologyConfig& topology) {
    each_item(reader, list, "vnets", [&](const YAML::Node& item) { read_vnet(reader, item, topology); });
}

void read_route_tables(Reader& reader, const YAML::Node& list, dataplane::TopologyConfig& topology) {
    each_item(reader, list, "route_tables", [&](const YAML::Node& item) { read_route_table(reader, item, topology); });
}

void read_routers(Reader& reader, const YAML::Node& list, dataplane::TopologyConfig& topology) {
    each_item(reader, list, "routers", [&](const YAML::Node& item) {
        read_node(reader, item, dataplane::NodeKind::router, dataplane::Role::none, "router", "", router_keys, topology);
    });
}

void read_hosts(Reader& reader, const YAML::Node& list, dataplane::TopologyConfig& topology) {
    each_item(reader, list, "hosts", [&](const YAML::Node& item) {
        read_node(reader, item, dataplane::NodeKind::host, dataplane::Role::host, "host", "", host_keys,
                  topology);
    });
}

void read_externals(Reader& reader, const YAML::Node& list, dataplane::TopologyConfig& topology) {
    each_item(reader, list, "externals", [&](const YAML::Node& item) {
        read_node(reader, item, dataplane::NodeKind::external, dataplane::Role::ce, "external router",
                  " (the name our speakers' neighbours use)", external_keys, topology);
    });
}

void read_links(Reader& reader, const YAML::Node& list, dataplane::TopologyConfig& topology) {
    each_item(reader, list, "links", [&](const YAML::Node& item) { read_link(reader, item, topology); });
}

}  // namespace bgpemu::daemon::detail
