// The design's own keys, each section read with one `{key, reader}` table; every error
// at its line and column. The checks across sections are in design_checks.cpp.
#include <algorithm>
#include <array>

#include "daemon/design/design.hpp"
#include "daemon/design/design_checks.hpp"

namespace bgpemu::daemon::design {

namespace {

using detail::Key;
using detail::Reader;

constexpr std::uint64_t max_asn = 4294967295ULL;

template <typename Item>
void each(Reader& r, const YAML::Node& list, std::string_view what, Item&& item) {
    if (!r.is_list(list, what)) return;
    for (const auto& node : list) item(node);
}

std::vector<Prefix> prefixes(Reader& r, const YAML::Node& list, std::string_view what) {
    std::vector<Prefix> out;
    each(r, list, what, [&](const YAML::Node& item) {
        if (auto p = r.prefix(item, what)) out.push_back(*p);
    });
    return out;
}

std::vector<IpAddress> addresses(Reader& r, const YAML::Node& list, std::string_view what) {
    std::vector<IpAddress> out;
    each(r, list, what, [&](const YAML::Node& item) {
        if (auto a = r.address(item, what)) out.push_back(*a);
    });
    return out;
}

// A section's `name` (required) and its table; false when it has no name.
template <typename Target, std::size_t N>
bool read_named(Reader& r, const YAML::Node& node, std::string_view kind, const Key<Target> (&table)[N],
                Target& target, std::string& name) {
    if (!r.is_map(node, kind)) return false;
    r.refuse_unknown_keys(node, table, kind);
    if (const auto v = node["name"]) name = r.string(v, std::string(kind) + " name").value_or("");
    if (name.empty()) {
        r.error(node, std::string(kind) + " needs a 'name'");
        return false;
    }
    detail::read_keys(r, node, table, target);
    return true;
}

// The keys every node of the design has.
template <typename T>
void read_listen(Reader& r, const YAML::Node& v, T& node) {
    node.listen = r.address(v, "listen");
}
template <typename T>
void read_router_level(Reader& r, const YAML::Node& v, T& node) {
    if (r.is_map(v, "router_level")) node.router_level = v;
}

// ---- vnets ----
constexpr Key<ErGatewayDesign> er_gateway_keys[] = {
    {"name"},
    {"instance_addresses",
     [](Reader& r, const YAML::Node& v, ErGatewayDesign& g) {
         g.instance_addresses = addresses(r, v, "instance address");
         if (v.IsSequence() && v.size() == 0) r.error(v, "instance_addresses must not be empty");
     },
     [](Reader& r, const YAML::Node& at, ErGatewayDesign& g) {
         r.error(at, "ExpressRoute gateway '" + g.name + "' needs 'instance_addresses' (its VNet-side addresses)");
     }},
    {"allow_remote_vnet_traffic",
     [](Reader& r, const YAML::Node& v, ErGatewayDesign& g) { g.allow_remote_vnet_traffic = r.boolean(v, "allow_remote_vnet_traffic"); }},
    {"listen", read_listen<ErGatewayDesign>},
    {"router_level", read_router_level<ErGatewayDesign>},
};

constexpr Key<VpnGatewayDesign> vpn_gateway_keys[] = {
    {"name"},
    {"asn",
     [](Reader& r, const YAML::Node& v, VpnGatewayDesign& g) {
         g.asn = static_cast<std::uint32_t>(r.unsigned_integer(v, "asn", 1, max_asn).value_or(65515));
     }},
    {"active_active",
     [](Reader& r, const YAML::Node& v, VpnGatewayDesign& g) { g.active_active = r.boolean(v, "active_active").value_or(false); }},
    {"bgp_peering_address",
     [](Reader& r, const YAML::Node& v, VpnGatewayDesign& g) {
         if (auto a = r.address(v, "bgp_peering_address")) g.bgp_peering_addresses.push_back(*a);
     }},
    {"bgp_peering_addresses",
     [](Reader& r, const YAML::Node& v, VpnGatewayDesign& g) {
         const auto list = addresses(r, v, "bgp_peering_addresses");
         g.bgp_peering_addresses.insert(g.bgp_peering_addresses.end(), list.begin(), list.end());
     }},
    {"instance_addresses",
     [](Reader& r, const YAML::Node& v, VpnGatewayDesign& g) { g.instance_addresses = addresses(r, v, "instance address"); },
     [](Reader& r, const YAML::Node& at, VpnGatewayDesign& g) {
         r.error(at, "VPN gateway '" + g.name + "' needs 'instance_addresses' (its VNet-side addresses)");
     }},
    {"listen", read_listen<VpnGatewayDesign>},
    {"router_level", read_router_level<VpnGatewayDesign>},
};

constexpr Key<VmDesign> vm_keys[] = {
    {"name"},
    {"address", [](Reader& r, const YAML::Node& v, VmDesign& vm) { vm.address = r.address(v, "VM address").value_or(IpAddress{}); },
     [](Reader& r, const YAML::Node& at, VmDesign& vm) { r.error(at, "VM '" + vm.name + "' needs an 'address'"); }},
    {"route_table", [](Reader& r, const YAML::Node& v, VmDesign& vm) { vm.route_table = r.string(v, "route_table").value_or(""); }},
    {"ip_forwarding", [](Reader& r, const YAML::Node& v, VmDesign& vm) { vm.ip_forwarding = r.boolean(v, "ip_forwarding").value_or(false); }},
    {"asn",
     [](Reader& r, const YAML::Node& v, VmDesign& vm) {
         vm.asn = static_cast<std::uint32_t>(r.unsigned_integer(v, "asn", 1, max_asn).value_or(0));
         if (!*vm.asn) vm.asn.reset();
     }},
    {"advertise", [](Reader& r, const YAML::Node& v, VmDesign& vm) { vm.advertise = prefixes(r, v, "advertise"); }},
    {"listen", read_listen<VmDesign>},
    {"router_level", read_router_level<VmDesign>},
};

constexpr Key<RouteServerDesign> route_server_keys[] = {
    {"name"},
    {"addresses",
     [](Reader& r, const YAML::Node& v, RouteServerDesign& s) {
         s.addresses = addresses(r, v, "Route Server address");
         if (v.IsSequence() && (v.size() == 0 || v.size() > 2))
             r.error(v, "Route Server '" + s.name + "': addresses are one or two (Azure gives a Route Server two instances)");
     },
     [](Reader& r, const YAML::Node& at, RouteServerDesign& s) {
         r.error(at, "Route Server '" + s.name + "' needs 'addresses' (its instances' addresses in its VNet)");
     }},
    {"peers",
     [](Reader& r, const YAML::Node& v, RouteServerDesign& s) {
         s.peers_mark = v.Mark();
         each(r, v, "peers", [&](const YAML::Node& item) {
             if (auto name = r.string(item, "peer")) s.peers.push_back(*name);
         });
     }},
    {"branch_to_branch",
     [](Reader& r, const YAML::Node& v, RouteServerDesign& s) { s.branch_to_branch = r.boolean(v, "branch_to_branch").value_or(false); }},
    {"routing_preference",
     [](Reader& r, const YAML::Node& v, RouteServerDesign& s) {
         s.routing_preference = r.string(v, "routing_preference").value_or("");
         if (!dataplane::parse_routing_preference(s.routing_preference))
             r.error(v, "routing_preference must be ExpressRoute, VpnGateway or ASPath, not '" + s.routing_preference + "'");
     }},
    {"listen", read_listen<RouteServerDesign>},
    {"router_level", read_router_level<RouteServerDesign>},
};

constexpr Key<VnetDesign> vnet_keys[] = {
    {"name"},
    {"address_spaces", [](Reader& r, const YAML::Node& v, VnetDesign& n) { n.address_spaces = prefixes(r, v, "address space"); },
     [](Reader& r, const YAML::Node& at, VnetDesign& n) {
         r.error(at, "VNet '" + n.name + "' needs 'address_spaces' (a list of prefixes)");
     }},
    {"peerings", [](Reader& r, const YAML::Node& v, VnetDesign& n) {
         if (r.is_list(v, "peerings")) n.peerings = v;
     }},
    {"location", [](Reader&, const YAML::Node& v, VnetDesign& n) { n.as_written["location"] = v; }},
    {"bgp_community", [](Reader&, const YAML::Node& v, VnetDesign& n) { n.as_written["bgp_community"] = v; }},
    {"regional_community", [](Reader&, const YAML::Node& v, VnetDesign& n) { n.as_written["regional_community"] = v; }},
    {"route_table", [](Reader&, const YAML::Node& v, VnetDesign& n) { n.as_written["route_table"] = v; }},
    {"gateway_route_table", [](Reader&, const YAML::Node& v, VnetDesign& n) { n.as_written["gateway_route_table"] = v; }},
    {"er_gateway",
     [](Reader& r, const YAML::Node& v, VnetDesign& n) {
         ErGatewayDesign g;
         g.mark = v.Mark();
         if (read_named(r, v, "er_gateway", er_gateway_keys, g, g.name)) n.er_gateway = std::move(g);
     }},
    {"vpn_gateway",
     [](Reader& r, const YAML::Node& v, VnetDesign& n) {
         VpnGatewayDesign g;
         g.mark = v.Mark();
         if (!read_named(r, v, "vpn_gateway", vpn_gateway_keys, g, g.name)) return;
         // One BGP address per instance: an active-standby gateway has one, an
         // active-active one two, each with its own VNet-side address.
         const auto label = "VPN gateway '" + g.name + "'";
         const auto single = v["bgp_peering_address"];
         const auto pair = v["bgp_peering_addresses"];
         if (single && pair) {
             r.error(v, label + ": give 'bgp_peering_address' or 'bgp_peering_addresses', not both");
         } else if (g.active_active) {
             if (!pair || g.bgp_peering_addresses.size() != 2)
                 r.error(pair ? pair : v, label + " is active-active: it needs 'bgp_peering_addresses', two, one per instance");
             if (g.instance_addresses.size() != 2)
                 r.error(v["instance_addresses"] ? v["instance_addresses"] : v,
                         label + " is active-active: it needs two 'instance_addresses', one per instance");
             if (v["listen"])
                 r.error(v["listen"], label + " is active-active: its two instances take their transport addresses from the pool, so it takes no 'listen'");
         } else if (pair) {
             r.error(pair, label + ": two BGP peering addresses need 'active_active: true' (an active-standby gateway has one, 'bgp_peering_address')");
         } else if (!single) {
             r.error(v, label + " needs a 'bgp_peering_address' (its BGP peer IP)");
         }
         n.vpn_gateway = std::move(g);
     }},
    {"route_server",
     [](Reader& r, const YAML::Node& v, VnetDesign& n) {
         RouteServerDesign s;
         s.mark = v.Mark();
         if (!read_named(r, v, "route_server", route_server_keys, s, s.name)) return;
         if (v["listen"] && s.addresses.size() > 1)
             r.error(v["listen"], "Route Server '" + s.name + "' has two instances, which take their transport addresses from the pool: it takes no 'listen'");
         n.route_server = std::move(s);
     }},
    {"vms",
     [](Reader& r, const YAML::Node& v, VnetDesign& n) {
         each(r, v, "vms", [&](const YAML::Node& item) {
             VmDesign vm;
             vm.mark = item.Mark();
             if (read_named(r, item, "vm", vm_keys, vm, vm.name)) n.vms.push_back(std::move(vm));
         });
     }},
};

// ---- circuits ----
void read_link_prefix(Reader& r, const YAML::Node& v, CircuitDesign& c, int link) {
    c.link_marks[link] = v.Mark();
    if (auto p = r.prefix(v, link == 0 ? "primary_peer_address_prefix" : "secondary_peer_address_prefix")) {
        if (p->afi() != bgp::Afi::ipv4 || p->length() != 30)
            r.error(v, "a circuit link takes an IPv4 /30, not " + p->to_string() +
                           " (Azure's private peering: the customer uses the first usable address, Microsoft the second;"
                           " IPv6 goes in 'ipv6_peering', a /126 per link)");
        else
            c.link_prefixes[link] = *p;
    }
}

// `ipv6_peering: {primary_peer_address_prefix, secondary_peer_address_prefix}`: Azure's
// ipv6PeeringConfig of the private peering, a /126 per link.
void read_ipv6_peering(Reader& r, const YAML::Node& v, CircuitDesign& c) {
    c.ipv6_mark = v.Mark();
    if (!r.is_map(v, "ipv6_peering")) return;
    static constexpr std::array<std::string_view, 2> keys{"primary_peer_address_prefix", "secondary_peer_address_prefix"};
    r.refuse_unknown_keys(v, keys, "ipv6_peering");
    for (int link = 0; link < 2; ++link) {
        const std::string key(keys[link]);
        const auto node = v[key];
        if (!node) {
            r.error(v, "circuit '" + c.name + "': ipv6_peering needs '" + key + "' (a /126 per link, as Azure's ipv6PeeringConfig)");
            continue;
        }
        const auto p = r.prefix(node, "ipv6_peering " + key);
        if (!p) continue;
        if (p->afi() != bgp::Afi::ipv6 || p->length() != 126)
            r.error(node, "circuit '" + c.name + "': an IPv6 circuit link takes an IPv6 /126, not " + p->to_string());
        else
            c.ipv6_link_prefixes[link] = *p;
    }
    // Both links or neither (the error above says which is missing).
    if (!c.ipv6_link_prefixes[0] || !c.ipv6_link_prefixes[1]) {
        c.ipv6_link_prefixes[0].reset();
        c.ipv6_link_prefixes[1].reset();
    }
}

void link_prefix_missing(Reader& r, const YAML::Node& at, const CircuitDesign& c, const char* key) {
    r.error(at, "circuit '" + c.name + "' needs '" + key + "' (a /30 for the link's BGP session)");
}

void read_msee_name(Reader& r, const YAML::Node& v, CircuitDesign& c) {
    if (!r.is_list(v, "msee_names")) return;
    if (v.size() != 2) return r.error(v, "msee_names takes two names: the primary and the secondary MSEE");
    for (int i = 0; i < 2; ++i) c.msees[i].name = r.string(v[i], "MSEE name").value_or(c.msees[i].name);
}

constexpr Key<CircuitDesign> circuit_keys[] = {
    {"name"},
    {"primary_peer_address_prefix", [](Reader& r, const YAML::Node& v, CircuitDesign& c) { read_link_prefix(r, v, c, 0); },
     [](Reader& r, const YAML::Node& at, CircuitDesign& c) { link_prefix_missing(r, at, c, "primary_peer_address_prefix"); }},
    {"secondary_peer_address_prefix", [](Reader& r, const YAML::Node& v, CircuitDesign& c) { read_link_prefix(r, v, c, 1); },
     [](Reader& r, const YAML::Node& at, CircuitDesign& c) { link_prefix_missing(r, at, c, "secondary_peer_address_prefix"); }},
    {"ipv6_peering", read_ipv6_peering},
    {"premium", [](Reader& r, const YAML::Node& v, CircuitDesign& c) { c.premium = r.boolean(v, "premium").value_or(false); }},
    {"shared_key", [](Reader& r, const YAML::Node& v, CircuitDesign& c) { c.shared_key = r.string(v, "shared_key").value_or(""); }},
    {"msee_names", read_msee_name},
    {"router_level",
     [](Reader& r, const YAML::Node& v, CircuitDesign& c) {
         // Merged over both MSEEs: `router_level: {primary: {...}, secondary: {...}}`.
         if (!r.is_map(v, "router_level")) return;
         r.refuse_unknown_keys(v, std::array<std::string_view, 2>{"primary", "secondary"}, "a circuit's router_level");
         if (v["primary"]) read_router_level(r, v["primary"], c.msees[0]);
         if (v["secondary"]) read_router_level(r, v["secondary"], c.msees[1]);
     }},
};

// ---- connections ----
// A link's emulated one-way delay (connections and CE links).
void read_delay(Reader& r, const YAML::Node& v, double& delay) {
    if (!v.IsScalar() || !YAML::convert<double>::decode(v, delay) || !(delay >= 0 && delay <= 60000))
        r.error(v, "delay_ms must be a number of milliseconds, 0..60000");
}

// ---- Global Reach ----
constexpr Key<GlobalReachDesign> global_reach_keys[] = {
    {"name", [](Reader& r, const YAML::Node& v, GlobalReachDesign& g) { g.name = r.string(v, "global_reach name").value_or(""); }},
    {"circuits",
     [](Reader& r, const YAML::Node& v, GlobalReachDesign& g) {
         if (!v.IsSequence() || v.size() != 2) return r.error(v, "global_reach circuits takes two circuit names");
         for (int i = 0; i < 2; ++i) g.circuits[i] = r.string(v[i], "global_reach circuit").value_or("");
     },
     [](Reader& r, const YAML::Node& at, GlobalReachDesign&) { r.error(at, "global_reach needs 'circuits' (the two circuits it links)"); }},
    {"address_prefix",
     [](Reader& r, const YAML::Node& v, GlobalReachDesign& g) {
         g.prefix_mark = v.Mark();
         const auto p = r.prefix(v, "global_reach address_prefix");
         if (!p) return;
         if (!p->address().is_v4() || p->length() != 29)
             return r.error(v, "global_reach address_prefix takes an IPv4 /29, not " + p->to_string() +
                                   " (\"ExpressRoute Global Reach\" asks for one)");
         g.address_prefix = *p;
     },
     [](Reader& r, const YAML::Node& at, GlobalReachDesign&) {
         r.error(at, "global_reach needs 'address_prefix' (an IPv4 /29 for the links between the circuits' MSEEs)");
     }},
    {"delay_ms", [](Reader& r, const YAML::Node& v, GlobalReachDesign& g) { read_delay(r, v, g.delay_ms); }},
};

constexpr Key<ConnectionDesign> connection_keys[] = {
    {"name"},
    {"type",
     [](Reader& r, const YAML::Node& v, ConnectionDesign& c) {
         const auto type = r.string(v, "connection type").value_or("");
         if (type == "expressroute") c.type = ConnectionType::expressroute;
         else if (type == "ipsec") c.type = ConnectionType::ipsec;
         else if (type == "vnet2vnet") c.type = ConnectionType::vnet2vnet;
         else r.error(v, "connection type '" + type + "' is not one of expressroute, ipsec, vnet2vnet");
     },
     [](Reader& r, const YAML::Node& at, ConnectionDesign& c) {
         r.error(at, "connection '" + c.name + "' needs a 'type' (expressroute, ipsec or vnet2vnet)");
     }},
    {"vnet", [](Reader& r, const YAML::Node& v, ConnectionDesign& c) { c.vnet = r.string(v, "connection vnet").value_or(""); },
     [](Reader& r, const YAML::Node& at, ConnectionDesign& c) {
         r.error(at, "connection '" + c.name + "' needs a 'vnet' (whose gateway it connects)");
     }},
    {"circuit", [](Reader& r, const YAML::Node& v, ConnectionDesign& c) { c.circuit = r.string(v, "connection circuit").value_or(""); }},
    {"ce", [](Reader& r, const YAML::Node& v, ConnectionDesign& c) { c.ce = r.string(v, "connection ce").value_or(""); }},
    {"remote_vnet",
     [](Reader& r, const YAML::Node& v, ConnectionDesign& c) { c.remote_vnet = r.string(v, "remote_vnet").value_or(""); }},
    {"routing_weight",
     [](Reader& r, const YAML::Node& v, ConnectionDesign& c) {
         c.routing_weight = static_cast<std::uint32_t>(r.unsigned_integer(v, "routing_weight", 0, 32000).value_or(0));
     }},
    {"enable_bgp", [](Reader& r, const YAML::Node& v, ConnectionDesign& c) { c.enable_bgp = r.boolean(v, "enable_bgp").value_or(true); }},
    {"delay_ms", [](Reader& r, const YAML::Node& v, ConnectionDesign& c) { read_delay(r, v, c.delay_ms); }},
    {"shutdown", [](Reader& r, const YAML::Node& v, ConnectionDesign& c) { c.shutdown = r.boolean(v, "shutdown").value_or(false); }},
};

// ---- sites ----

constexpr Key<CeCircuitLink> ce_link_keys[] = {
    {"circuit", [](Reader& r, const YAML::Node& v, CeCircuitLink& l) { l.circuit = r.string(v, "circuit").value_or(""); },
     [](Reader& r, const YAML::Node& at, CeCircuitLink&) { r.error(at, "an expressroute link needs a 'circuit'"); }},
    {"link",
     [](Reader& r, const YAML::Node& v, CeCircuitLink& l) {
         const auto text = r.string(v, "link").value_or("");
         if (text == "primary") l.link = CircuitLink::primary;
         else if (text == "secondary") l.link = CircuitLink::secondary;
         else r.error(v, "link '" + text + "' is not primary or secondary");
     },
     [](Reader& r, const YAML::Node& at, CeCircuitLink&) { r.error(at, "an expressroute link needs 'link: primary' or 'link: secondary'"); }},
    {"delay_ms", [](Reader& r, const YAML::Node& v, CeCircuitLink& l) { read_delay(r, v, l.delay_ms); }},
    {"shutdown", [](Reader& r, const YAML::Node& v, CeCircuitLink& l) { l.shutdown = r.boolean(v, "shutdown").value_or(false); }},
};

constexpr Key<CeDesign> ce_keys[] = {
    {"name"},
    {"router_id", [](Reader& r, const YAML::Node& v, CeDesign& c) { c.router_id = r.ipv4_id(v, "router_id"); }},
    {"lan_link",
     [](Reader& r, const YAML::Node& v, CeDesign& c) {
         if (auto p = r.prefix(v, "lan_link")) {
             if (p->length() != bgp::max_prefix_length(p->afi()) - 1)
                 r.error(v, "lan_link must be a /31 (or a /127): the CE takes the first address, the LAN router the second");
             else
                 c.lan_link = *p;
         }
     }},
    {"lan_address", [](Reader& r, const YAML::Node& v, CeDesign& c) { c.lan_address = r.address(v, "lan_address"); }},
    {"expressroute",
     [](Reader& r, const YAML::Node& v, CeDesign& c) {
         each(r, v, "expressroute", [&](const YAML::Node& item) {
             if (!r.is_map(item, "expressroute link")) return;
             CeCircuitLink link;
             link.mark = item.Mark();
             detail::read_section(r, item, ce_link_keys, "expressroute link", link);
             c.expressroute.push_back(std::move(link));
         });
     }},
    {"bgp_peering_address",
     [](Reader& r, const YAML::Node& v, CeDesign& c) { c.bgp_peering_address = r.address(v, "bgp_peering_address"); }},
    {"tunnel_address", [](Reader& r, const YAML::Node& v, CeDesign& c) { c.tunnel_address = r.address(v, "tunnel_address"); }},
    {"external", [](Reader& r, const YAML::Node& v, CeDesign& c) { c.external = r.boolean(v, "external").value_or(false); }},
    {"listen", read_listen<CeDesign>},
    {"router_level", read_router_level<CeDesign>},
};

constexpr Key<LanRouterDesign> lan_router_keys[] = {
    {"name"},
    {"address", [](Reader& r, const YAML::Node& v, LanRouterDesign& l) { l.address = r.address(v, "LAN router address").value_or(IpAddress{}); },
     [](Reader& r, const YAML::Node& at, LanRouterDesign& l) {
         r.error(at, "LAN router '" + l.name + "' needs an 'address' (on the site's LAN)");
     }},
    {"default_via",
     [](Reader& r, const YAML::Node& v, LanRouterDesign& l) {
         each(r, v, "default_via", [&](const YAML::Node& item) {
             if (auto name = r.string(item, "default_via CE")) l.default_via.push_back(*name);
         });
     }},
};

constexpr Key<HostDesign> host_keys[] = {
    {"name"},
    {"address", [](Reader& r, const YAML::Node& v, HostDesign& h) { h.address = r.address(v, "host address").value_or(IpAddress{}); },
     [](Reader& r, const YAML::Node& at, HostDesign& h) { r.error(at, "host '" + h.name + "' needs an 'address'"); }},
};

constexpr Key<SiteDesign> site_keys[] = {
    {"name"},
    {"asn",
     [](Reader& r, const YAML::Node& v, SiteDesign& s) {
         s.asn_mark = v.Mark();
         s.asn = static_cast<std::uint32_t>(r.unsigned_integer(v, "asn", 1, max_asn).value_or(0));
     },
     [](Reader& r, const YAML::Node& at, SiteDesign& s) { r.error(at, "site '" + s.name + "' needs an 'asn'"); }},
    {"lan_prefixes", [](Reader& r, const YAML::Node& v, SiteDesign& s) { s.lan_prefixes = prefixes(r, v, "LAN prefix"); },
     [](Reader& r, const YAML::Node& at, SiteDesign& s) {
         r.error(at, "site '" + s.name + "' needs 'lan_prefixes' (its LAN's prefixes)");
     }},
    {"advertise", [](Reader& r, const YAML::Node& v, SiteDesign& s) { s.advertise = prefixes(r, v, "advertised prefix"); },
     [](Reader&, const YAML::Node&, SiteDesign& s) { s.advertise = s.lan_prefixes; }},
    {"prefer_expressroute",
     [](Reader& r, const YAML::Node& v, SiteDesign& s) { s.prefer_expressroute = r.boolean(v, "prefer_expressroute").value_or(false); }},
    {"advertise_only_lan",
     [](Reader& r, const YAML::Node& v, SiteDesign& s) { s.advertise_only_lan = r.boolean(v, "advertise_only_lan").value_or(true); }},
    {"ibgp", [](Reader& r, const YAML::Node& v, SiteDesign& s) { s.ibgp = r.boolean(v, "ibgp").value_or(false); }},
    {"transport_pool", [](Reader& r, const YAML::Node& v, SiteDesign& s) { s.transport_pool = r.prefix(v, "transport_pool"); }},
    {"link_pool", [](Reader& r, const YAML::Node& v, SiteDesign& s) { s.link_pool = r.prefix(v, "link_pool"); }},
    {"lan_router",
     [](Reader& r, const YAML::Node& v, SiteDesign& s) {
         LanRouterDesign l;
         l.mark = v.Mark();
         if (read_named(r, v, "lan_router", lan_router_keys, l, l.name)) s.lan_router = std::move(l);
     }},
    {"hosts",
     [](Reader& r, const YAML::Node& v, SiteDesign& s) {
         each(r, v, "hosts", [&](const YAML::Node& item) {
             HostDesign h;
             h.mark = item.Mark();
             if (read_named(r, item, "host", host_keys, h, h.name)) s.hosts.push_back(std::move(h));
         });
     }},
    {"ces",
     [](Reader& r, const YAML::Node& v, SiteDesign& s) {
         each(r, v, "ces", [&](const YAML::Node& item) {
             CeDesign c;
             c.mark = item.Mark();
             if (read_named(r, item, "ce", ce_keys, c, c.name)) s.ces.push_back(std::move(c));
         });
         if (v.IsSequence() && v.size() == 0) r.error(v, "site '" + s.name + "' needs at least one CE");
     },
     [](Reader& r, const YAML::Node& at, SiteDesign& s) { r.error(at, "site '" + s.name + "' needs 'ces' (its CE routers)"); }},
};

// ---- the top level ----
struct TransportRead {
    Design& design;
};

constexpr Key<TransportRead> transport_keys[] = {
    {"pool", [](Reader& r, const YAML::Node& v, TransportRead& t) { t.design.transport_pool = r.prefix(v, "transport pool").value_or(t.design.transport_pool); }},
    {"port",
     [](Reader& r, const YAML::Node& v, TransportRead& t) {
         t.design.port = static_cast<std::uint16_t>(r.unsigned_integer(v, "transport port", 1, 65535).value_or(179));
     }},
    {"internal_pool",
     [](Reader& r, const YAML::Node& v, TransportRead& t) {
         t.design.internal_pool = r.prefix(v, "internal_pool").value_or(t.design.internal_pool);
     }},
    {"internal_pool_v6",
     [](Reader& r, const YAML::Node& v, TransportRead& t) {
         const auto p = r.prefix(v, "internal_pool_v6");
         if (p && p->afi() != bgp::Afi::ipv6) return r.error(v, "internal_pool_v6 must be an IPv6 prefix, not " + p->to_string());
         t.design.internal_pool_v6 = p.value_or(t.design.internal_pool_v6);
     }},
};

template <typename T, std::size_t N>
void read_list(Reader& r, const YAML::Node& list, std::string_view what, std::string_view kind,
               const Key<T> (&table)[N], std::vector<T>& out) {
    each(r, list, what, [&](const YAML::Node& item) {
        T value;
        value.mark = item.Mark();
        if (read_named(r, item, kind, table, value, value.name)) out.push_back(std::move(value));
    });
}

}  // namespace

bool is_design(const YAML::Node& root) {
    if (!root.IsMap()) return false;
    for (const char* key : {"transport", "circuits", "connections", "global_reach", "sites"})
        if (root[key]) return true;
    if (const auto vnets = root["vnets"]; vnets && vnets.IsSequence())
        for (const auto& vnet : vnets)
            if (vnet.IsMap() && (vnet["er_gateway"] || vnet["vpn_gateway"] || vnet["route_server"] || vnet["vms"])) return true;
    return false;
}

Design read_design(Reader& reader, const YAML::Node& root, const std::string& file) {
    Design design;
    design.file = file;
    if (const auto t = root["transport"]) {
        TransportRead read{design};
        if (reader.is_map(t, "transport")) detail::read_section(reader, t, transport_keys, "transport", read);
    }
    if (const auto v = root["vnets"]) read_list(reader, v, "vnets", "vnet", vnet_keys, design.vnets);
    if (const auto v = root["circuits"]) {
        each(reader, v, "circuits", [&](const YAML::Node& item) {
            CircuitDesign c;
            c.mark = item.Mark();
            if (item.IsMap() && item["name"] && item["name"].IsScalar())
                for (int i = 0; i < 2; ++i) c.msees[i].name = item["name"].Scalar() + "-msee" + std::to_string(i + 1);
            if (!read_named(reader, item, "circuit", circuit_keys, c, c.name)) return;
            for (auto& msee : c.msees) msee.mark = c.mark;
            design.circuits.push_back(std::move(c));
        });
    }
    if (const auto v = root["connections"]) {
        each(reader, v, "connections", [&](const YAML::Node& item) {
            ConnectionDesign c;
            c.mark = item.Mark();
            if (!reader.is_map(item, "connection")) return;
            reader.refuse_unknown_keys(item, connection_keys, "connection");
            if (const auto n = item["name"]) c.name = reader.string(n, "connection name").value_or("");
            if (item["type"] && item["type"].IsScalar() && item["type"].Scalar() != "expressroute") c.delay_ms = 10;
            detail::read_keys(reader, item, connection_keys, c);
            design.connections.push_back(std::move(c));
        });
    }
    if (const auto v = root["global_reach"]) {
        each(reader, v, "global_reach", [&](const YAML::Node& item) {
            GlobalReachDesign g;
            g.mark = item.Mark();
            if (!reader.is_map(item, "global_reach")) return;
            detail::read_section(reader, item, global_reach_keys, "global_reach", g);
            design.global_reach.push_back(std::move(g));
        });
    }
    if (const auto v = root["sites"]) read_list(reader, v, "sites", "site", site_keys, design.sites);
    if (reader.error_count() == 0) check_design(reader, design);
    return design;
}

}  // namespace bgpemu::daemon::design
