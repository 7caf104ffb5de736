// The design form (daemon/design): what a design compiles to, its errors in its own
// terms and positions, `router_level` overrides, the printed router-level file, the
// configurations of real routers for its CEs, and every topology shipped in configs/.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

#include "config_errors.hpp"
#include "temp_file.hpp"
#include "daemon/design/topology_file.hpp"

namespace bgpemu::daemon::design {
namespace {

using test::has_error;
using test::joined;
using test::TempFile;

// One VNet with an ExpressRoute gateway on a circuit whose two links end at one CE.
const std::string small = R"(transport: {pool: 127.70.0.0/24, port: 1179}
vnets:
  - name: v1
    address_spaces: [10.1.0.0/16]
    er_gateway: {name: v1-ergw, instance_addresses: [10.1.255.4]}
    vms: [{name: v1-vm, address: 10.1.0.4}]
circuits:
  - {name: c1, primary_peer_address_prefix: 172.16.0.0/30, secondary_peer_address_prefix: 172.16.0.4/30}
connections:
  - {type: expressroute, vnet: v1, circuit: c1, routing_weight: 10}
sites:
  - name: s1
    asn: 64600
    lan_prefixes: [192.168.1.0/24]
    hosts: [{name: s1-pc, address: 192.168.1.10}]
    ces:
      - name: s1-ce
        expressroute: [{circuit: c1, link: primary}, {circuit: c1, link: secondary}]
)";

// `text` with `from` replaced by `to` (which must be there).
std::string edited(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

// The errors of `yaml` as "line:column: message" strings.
std::vector<std::string> errors_of(const std::string& yaml) { return test::positioned(parse_topology(yaml, "d.yaml").errors); }

const bgp::SpeakerConfig& speaker(const DaemonConfig& config, const std::string& name) {
    const auto it = std::find_if(config.speakers.begin(), config.speakers.end(), [&](const auto& s) { return s.name == name; });
    REQUIRE(it != config.speakers.end());
    return *it;
}

const bgp::NeighborConfig& neighbor(const bgp::SpeakerConfig& s, const std::string& name) {
    const auto it = std::find_if(s.neighbors.begin(), s.neighbors.end(), [&](const auto& n) { return n.name == name; });
    REQUIRE(it != s.neighbors.end());
    return *it;
}

// Each speaker as "name listen | neighbour address asn, ...".
std::set<std::string> sessions_of(const DaemonConfig& config) {
    std::set<std::string> out;
    for (const auto& s : config.speakers) {
        std::string line = s.name + " " + s.listen.address.to_string() + ":" + std::to_string(s.listen.port) + " |";
        for (const auto& n : s.neighbors)
            line += " " + n.name + " " + n.remote.address.to_string() + " " + std::to_string(n.remote_as);
        out.insert(line);
    }
    return out;
}

}  // namespace

TEST_CASE("a design compiles into speakers with their roles, sessions and links", "[design]") {
    const auto loaded = parse_topology(small, "d.yaml");
    INFO(joined(errors_of(small)));
    REQUIRE(loaded.ok());
    const auto& config = loaded.config;
    REQUIRE(config.speakers.size() == 4);
    // Transport addresses from the pool in order: CEs, MSEEs, gateways.
    CHECK(sessions_of(config) == std::set<std::string>{
                                     "s1-ce 127.70.0.1:1179 | c1-msee1 127.70.0.2 12076 c1-msee2 127.70.0.3 12076",
                                     "c1-msee1 127.70.0.2:1179 | s1-ce 127.70.0.1 64600 v1-ergw 127.70.0.4 65515",
                                     "c1-msee2 127.70.0.3:1179 | s1-ce 127.70.0.1 64600 v1-ergw 127.70.0.4 65515",
                                     "v1-ergw 127.70.0.4:1179 | c1-msee1 127.70.0.2 12076 c1-msee2 127.70.0.3 12076",
                                 });
    // primaryPeerAddressPrefix: the customer takes the first usable address, Microsoft the second.
    const auto& ce = speaker(config, "s1-ce");
    CHECK(ce.router_id == bgp::IpAddress::parse("172.16.0.1")->v4_value());
    CHECK(speaker(config, "c1-msee2").router_id == bgp::IpAddress::parse("172.16.0.6")->v4_value());
    CHECK(speaker(config, "v1-ergw").router_id == bgp::IpAddress::parse("10.1.255.4")->v4_value());
    // The connection's routing weight is the gateway's weight for what the circuit sends.
    CHECK(neighbor(speaker(config, "v1-ergw"), "c1-msee1").weight == 10);
    // "Advertise only our LAN": the outbound prefix list on every session of the site.
    CHECK(neighbor(ce, "c1-msee1").prefix_list_out != nullptr);
    CHECK(neighbor(ce, "c1-msee1").route_map_in == nullptr);  // nothing to prefer
    // Without a LAN router the CE sits on the LAN, and the host's gateway is the CE.
    const auto* pc = config.topology.find_node("s1-pc");
    REQUIRE(pc != nullptr);
    CHECK(pc->static_routes.at(0).next_hops.at(0).to_string() == "192.168.1.1");
    CHECK(config.topology.links.size() == 5);  // host, two circuit links, two MSEE-gateway links
}

TEST_CASE("the site's intent writes the documented CE policy", "[design]") {
    auto yaml = edited(small, "    lan_prefixes: [192.168.1.0/24]\n",
                       "    lan_prefixes: [192.168.1.0/24]\n    prefer_expressroute: true\n    advertise_only_lan: false\n");
    const auto loaded = parse_topology(yaml, "d.yaml");
    INFO(joined(errors_of(yaml)));
    REQUIRE(loaded.ok());
    const auto& msee = neighbor(speaker(loaded.config, "s1-ce"), "c1-msee1");
    REQUIRE(msee.route_map_in != nullptr);
    CHECK(msee.route_map_in->name == "prefer-ER-over-VPN");
    CHECK(msee.prefix_list_out == nullptr);
}

TEST_CASE("a VPN connection without BGP compiles into static routes at both ends", "[design]") {
    const auto yaml = edited(edited(small, "    vms: [{name: v1-vm, address: 10.1.0.4}]\n",
                                    "    vms: [{name: v1-vm, address: 10.1.0.4}]\n"
                                    "    vpn_gateway: {name: v1-vpngw, bgp_peering_address: 10.1.254.254, instance_addresses: [10.1.254.4]}\n"),
                             "  - {type: expressroute, vnet: v1, circuit: c1, routing_weight: 10}\n",
                             "  - {type: expressroute, vnet: v1, circuit: c1, routing_weight: 10}\n"
                             "  - {type: ipsec, vnet: v1, ce: s1-ce, enable_bgp: false}\n") +
                      "        tunnel_address: 10.255.0.1\n";
    const auto loaded = parse_topology(yaml, "d.yaml");
    INFO(yaml << joined(errors_of(yaml)));
    REQUIRE(loaded.ok());
    const auto& gateway = speaker(loaded.config, "v1-vpngw");
    CHECK(gateway.neighbors.empty());
    REQUIRE(gateway.static_routes.size() == 1);
    CHECK(gateway.static_routes[0].prefix.to_string() == "192.168.1.0/24");
    CHECK(gateway.static_routes[0].next_hops.at(0).to_string() == "10.255.0.1");
    CHECK(gateway.redistribute.size() == 1);
    const auto& ce = speaker(loaded.config, "s1-ce");
    CHECK(ce.neighbors.size() == 2);  // the two MSEEs only
    REQUIRE(ce.static_routes.size() == 1);
    CHECK(ce.static_routes[0].prefix.to_string() == "10.1.0.0/16");
    CHECK(ce.static_routes[0].next_hops.at(0).to_string() == "10.1.254.254");
    // Without a tunnel address there is no tunnel to route into.
    const auto without = yaml.substr(0, yaml.size() - std::string("        tunnel_address: 10.255.0.1\n").size());
    INFO(joined(errors_of(without)));
    CHECK(has_error(errors_of(without), "19:9", "CE 's1-ce' needs a 'tunnel_address'"));
}

TEST_CASE("a VPN gateway's custom APIPA BGP address: in Azure's range, or refused", "[design]") {
    const auto with_gateway = [&](const std::string& address) {
        return edited(edited(small, "    vms: [{name: v1-vm, address: 10.1.0.4}]\n",
                             "    vms: [{name: v1-vm, address: 10.1.0.4}]\n"
                             "    vpn_gateway: {name: v1-vpngw, bgp_peering_address: " + address + ", instance_addresses: [10.1.254.4]}\n"),
                      "  - {type: expressroute, vnet: v1, circuit: c1, routing_weight: 10}\n",
                      "  - {type: expressroute, vnet: v1, circuit: c1, routing_weight: 10}\n"
                      "  - {type: ipsec, vnet: v1, ce: s1-ce}\n") +
               "        bgp_peering_address: 169.254.21.2\n";
    };
    const auto apipa = parse_topology(with_gateway("169.254.21.1"), "d.yaml");
    INFO(joined(test::positioned(apipa.errors)));
    REQUIRE(apipa.ok());
    CHECK(neighbor(speaker(apipa.config, "s1-ce"), "v1-vpngw").remote_as == 65515);
    CHECK(errors_of(with_gateway("169.254.22.255")).empty());
    const auto outside = errors_of(with_gateway("169.254.23.1"));
    INFO(joined(outside));
    CHECK(has_error(outside, "7:18", "bgp_peering_address 169.254.23.1 is an APIPA address outside 169.254.21.0-169.254.22.255"));
    // Any other address is the GatewaySubnet's, inside the VNet.
    CHECK(has_error(errors_of(with_gateway("10.9.0.1")), "7:18", "is not inside VNet 'v1''s address spaces"));
}

TEST_CASE("an active-active VPN gateway: two instances, each with its tunnel and session to the CE", "[design][active-active]") {
    const auto with_gateway = [&](const std::string& gateway, const std::string& connection) {
        return edited(edited(small, "    vms: [{name: v1-vm, address: 10.1.0.4}]\n",
                             "    vms: [{name: v1-vm, address: 10.1.0.4}]\n    vpn_gateway: " + gateway + "\n"),
                      "  - {type: expressroute, vnet: v1, circuit: c1, routing_weight: 10}\n",
                      "  - {type: expressroute, vnet: v1, circuit: c1, routing_weight: 10}\n  - " + connection + "\n") +
               "        bgp_peering_address: 192.168.1.254\n        tunnel_address: 10.255.0.1\n";
    };
    const std::string active_active =
        "{name: v1-vpngw, active_active: true, bgp_peering_addresses: [10.1.254.30, 10.1.254.31], instance_addresses: [10.1.254.4, 10.1.254.5]}";
    const auto loaded = parse_topology(with_gateway(active_active, "{type: ipsec, vnet: v1, ce: s1-ce}"), "d.yaml");
    INFO(joined(test::positioned(loaded.errors)));
    REQUIRE(loaded.ok());
    const auto& ce = speaker(loaded.config, "s1-ce");
    for (const auto& [name, bgp_address, vnet_address] :
         {std::tuple{"v1-vpngw-instance0", "10.1.254.30", "10.1.254.4"}, std::tuple{"v1-vpngw-instance1", "10.1.254.31", "10.1.254.5"}}) {
        INFO(name);
        const auto& instance = speaker(loaded.config, name);
        CHECK(instance.router_id == bgp::IpAddress::parse(bgp_address)->v4_value());
        CHECK(instance.asn == 65515);
        REQUIRE(instance.neighbors.size() == 1);
        CHECK(instance.neighbors[0].name == "s1-ce");
        CHECK(neighbor(ce, name).remote_as == 65515);
        const auto* node = loaded.config.topology.find_node(name);
        REQUIRE(node);
        CHECK(node->vnet == "v1");
        REQUIRE(node->vnet_addresses.size() == 1);
        CHECK(node->vnet_addresses[0].to_string() == vnet_address);
        CHECK(std::count_if(loaded.config.topology.links.begin(), loaded.config.topology.links.end(), [&](const auto& l) {
                  return l.a.node == "s1-ce" && l.a.interface == "tunnel" && l.b.node == name;
              }) == 1);
    }
    CHECK_FALSE(loaded.config.topology.find_node("v1-vpngw"));

    // Without BGP, the CE's static route to the VNet has both instances as next hops.
    const auto statics = parse_topology(with_gateway(active_active, "{type: ipsec, vnet: v1, ce: s1-ce, enable_bgp: false}"), "d.yaml");
    INFO(joined(test::positioned(statics.errors)));
    REQUIRE(statics.ok());
    const auto& routes = speaker(statics.config, "s1-ce").static_routes;
    REQUIRE(routes.size() == 1);
    CHECK(routes[0].next_hops.size() == 2);
    CHECK(speaker(statics.config, "v1-vpngw-instance1").static_routes.size() == 1);

    // What Azure would not create, each at the gateway.
    const auto errors = [&](const std::string& gateway) {
        return errors_of(with_gateway(gateway, "{type: ipsec, vnet: v1, ce: s1-ce}"));
    };
    CHECK(has_error(errors("{name: v1-vpngw, active_active: true, bgp_peering_address: 10.1.254.30, instance_addresses: [10.1.254.4, 10.1.254.5]}"),
                    "7:18", "is active-active: it needs 'bgp_peering_addresses', two, one per instance"));
    CHECK(has_error(errors("{name: v1-vpngw, active_active: true, bgp_peering_addresses: [10.1.254.30, 10.1.254.31], instance_addresses: [10.1.254.4]}"),
                    "7:127", "needs two 'instance_addresses', one per instance"));
    CHECK(has_error(errors("{name: v1-vpngw, bgp_peering_addresses: [10.1.254.30, 10.1.254.31], instance_addresses: [10.1.254.4]}"),
                    "7:58", "two BGP peering addresses need 'active_active: true'"));
    CHECK(has_error(errors("{name: v1-vpngw, active_active: true, bgp_peering_addresses: [10.1.254.30, 10.1.254.30], instance_addresses: [10.1.254.4, 10.1.254.5]}"),
                    "7:18", "its two instances need two different BGP peering addresses"));
    CHECK(has_error(errors("{name: v1-vpngw, active_active: true, bgp_peering_addresses: [10.1.254.30, 169.254.23.1], instance_addresses: [10.1.254.4, 10.1.254.5]}"),
                    "7:18", "bgp_peering_addresses 169.254.23.1 is an APIPA address outside"));
    CHECK(has_error(errors("{name: v1-vpngw, active_active: true, listen: 127.70.0.9, bgp_peering_addresses: [10.1.254.30, 10.1.254.31], instance_addresses: [10.1.254.4, 10.1.254.5]}"),
                    "7:64", "so it takes no 'listen'"));
}

TEST_CASE("IPv6 over a site-to-site VPN connection is refused, not half modelled", "[design][ipv6]") {
    const auto with = [&](const std::string& gateway_address, const std::string& ce_address, const std::string& lans) {
        return edited(edited(edited(small, "    vms: [{name: v1-vm, address: 10.1.0.4}]\n",
                                    "    vms: [{name: v1-vm, address: 10.1.0.4}]\n"
                                    "    vpn_gateway: {name: v1-vpngw, bgp_peering_address: '" + gateway_address + "', instance_addresses: [10.1.254.4]}\n"),
                             "  - {type: expressroute, vnet: v1, circuit: c1, routing_weight: 10}\n",
                             "  - {type: expressroute, vnet: v1, circuit: c1, routing_weight: 10}\n  - {type: ipsec, vnet: v1, ce: s1-ce}\n"),
                      "    lan_prefixes: [192.168.1.0/24]\n", "    lan_prefixes: " + lans + "\n") +
               "        bgp_peering_address: '" + ce_address + "'\n";
    };
    CHECK(errors_of(with("10.1.254.254", "192.168.1.254", "[192.168.1.0/24]")).empty());
    const auto ce = errors_of(with("10.1.254.254", "fd00:1::254", "[192.168.1.0/24]"));
    INFO(joined(ce));
    CHECK(has_error(ce, "19:9", "CE 's1-ce': IPv6 over a site-to-site VPN connection is not modelled"));
    const auto lan = errors_of(with("10.1.254.254", "192.168.1.254", "[192.168.1.0/24, 'fd00:99::/64']"));
    INFO(joined(lan));
    CHECK(has_error(lan, "14:5", "site 's1' advertises IPv6 prefix fd00:99::/64 over its site-to-site VPN (a connection), where IPv6 is not modelled"));
    const auto gateway = errors_of(with("fd00:1:0:fe::fe", "192.168.1.254", "[192.168.1.0/24]"));
    INFO(joined(gateway));
    CHECK(has_error(gateway, "7:18", "VPN gateway 'v1-vpngw': IPv6 BGP peering address fd00:1:0:fe::fe"));
}

// `small` made dual stack: an IPv6 space with a VM, the circuit's IPv6 peering, an IPv6 LAN.
std::string dual_stack(const std::string& ipv6_peering = "{primary_peer_address_prefix: '2001:db8:ff::/126', "
                                                         "secondary_peer_address_prefix: '2001:db8:ff::4/126'}") {
    auto yaml = edited(small, "    address_spaces: [10.1.0.0/16]\n", "    address_spaces: [10.1.0.0/16, 'fd00:1::/48']\n");
    yaml = edited(yaml, "instance_addresses: [10.1.255.4]", "instance_addresses: [10.1.255.4, 'fd00:1:0:ff::4']");
    yaml = edited(yaml, "    vms: [{name: v1-vm, address: 10.1.0.4}]", "    vms: [{name: v1-vm, address: 10.1.0.4}, {name: v1-vm6, address: 'fd00:1::4'}]");
    yaml = edited(yaml, "secondary_peer_address_prefix: 172.16.0.4/30}",
                  "secondary_peer_address_prefix: 172.16.0.4/30, ipv6_peering: " + ipv6_peering + "}");
    return edited(yaml, "    lan_prefixes: [192.168.1.0/24]\n", "    lan_prefixes: [192.168.1.0/24, '2001:db8:1::/64']\n");
}

TEST_CASE("IPv6 private peering: dual-stack links and sessions, both families on the LAN", "[design][ipv6]") {
    const auto yaml = dual_stack();
    const auto loaded = parse_topology(yaml, "d.yaml");
    INFO(joined(errors_of(yaml)));
    REQUIRE(loaded.ok());
    const auto& ce = speaker(loaded.config, "s1-ce");
    const auto interface = [](const bgp::SpeakerConfig& s, const std::string& name) {
        const auto it = std::find_if(s.interfaces.begin(), s.interfaces.end(), [&](const auto& i) { return i.name == name; });
        REQUIRE(it != s.interfaces.end());
        return *it;
    };
    // The customer takes the first usable address of each /126, Microsoft the second.
    const auto primary = interface(ce, "c1-primary");
    CHECK(primary.address.to_string() == "172.16.0.1");
    REQUIRE(primary.other_family);
    CHECK(primary.other_family->address.to_string() == "2001:db8:ff::1");
    CHECK(primary.other_family->length == 126);
    CHECK(interface(speaker(loaded.config, "c1-msee2"), "ce").other_family->address.to_string() == "2001:db8:ff::6");
    CHECK(interface(ce, "lan").other_family->address.to_string() == "2001:db8:1::1");
    // The MSEE-gateway links get an IPv6 side from the internal IPv6 pool.
    CHECK(interface(speaker(loaded.config, "v1-ergw"), "c1-msee1").other_family->address.to_string() == "fd00:12:76::2");
    // Each session carries both families, with that end's IPv6 address as its IPv6 next hop.
    const auto& to_msee = neighbor(ce, "c1-msee1");
    const std::vector<bgp::AfiSafi> both{{bgp::Afi::ipv4, bgp::Safi::unicast}, {bgp::Afi::ipv6, bgp::Safi::unicast}};
    CHECK(to_msee.families == both);
    CHECK(to_msee.self_next_hop_v6->to_string() == "2001:db8:ff::1");
    CHECK(neighbor(speaker(loaded.config, "c1-msee1"), "v1-ergw").families == both);
    // The MSEE's limits from the customer, per family ("ExpressRoute limits").
    const auto& from_ce = neighbor(speaker(loaded.config, "c1-msee1"), "s1-ce");
    CHECK(from_ce.maximum_prefix_by_family[0] == 4000);
    CHECK(from_ce.maximum_prefix_by_family[1] == 100);
    CHECK(speaker(loaded.config, "v1-ergw").router_id == bgp::IpAddress::parse("10.1.255.4")->v4_value());

    // Without the IPv6 peering the sessions carry IPv4 alone, whatever the VNet holds.
    const auto v4_only = edited(yaml, ", ipv6_peering: {primary_peer_address_prefix: '2001:db8:ff::/126', "
                                      "secondary_peer_address_prefix: '2001:db8:ff::4/126'}", "");
    const auto plain = parse_topology(v4_only, "d.yaml");
    INFO(joined(errors_of(v4_only)));
    REQUIRE(plain.ok());
    CHECK(neighbor(speaker(plain.config, "s1-ce"), "c1-msee1").families ==
          std::vector<bgp::AfiSafi>{{bgp::Afi::ipv4, bgp::Safi::unicast}});
    CHECK_FALSE(interface(speaker(plain.config, "c1-msee1"), "ce").other_family);
}

TEST_CASE("IPv6 private peering errors", "[design][ipv6]") {
    const auto wrong_length = errors_of(dual_stack("{primary_peer_address_prefix: '2001:db8:ff::/64', "
                                                   "secondary_peer_address_prefix: '2001:db8:ff::4/126'}"));
    INFO(joined(wrong_length));
    CHECK(has_error(wrong_length, "8:150", "circuit 'c1': an IPv6 circuit link takes an IPv6 /126, not 2001:db8:ff::/64"));
    const auto one_link = errors_of(dual_stack("{primary_peer_address_prefix: '2001:db8:ff::/126'}"));
    INFO(joined(one_link));
    CHECK(has_error(one_link, "8:120", "ipv6_peering needs 'secondary_peer_address_prefix'"));
    const auto overlap = errors_of(dual_stack("{primary_peer_address_prefix: '2001:db8:ff::/126', "
                                              "secondary_peer_address_prefix: '2001:db8:ff::/126'}"));
    INFO(joined(overlap));
    CHECK(has_error(overlap, "8:120", "link prefix 2001:db8:ff::/126 overlaps 2001:db8:ff::/126 of circuit c1"));
    const auto ipv4_in_v6 = errors_of(edited(small, "secondary_peer_address_prefix: 172.16.0.4/30}",
                                             "secondary_peer_address_prefix: '2001:db8:ff::/126'}"));
    INFO(joined(ipv4_in_v6));
    CHECK(has_error(ipv4_in_v6, "8:91", "IPv6 goes in 'ipv6_peering', a /126 per link"));
    const auto lan_router = errors_of(edited(dual_stack(), "    hosts: [{name: s1-pc, address: 192.168.1.10}]\n",
                                             "    hosts: [{name: s1-pc, address: 192.168.1.10}]\n"
                                             "    lan_router: {name: s1-lan, address: 192.168.1.254}\n"));
    INFO(joined(lan_router));
    CHECK(has_error(lan_router, "12:5", "site 's1': IPv6 LAN prefix 2001:db8:1::/64 with a lan_router is not modelled"));
}

TEST_CASE("route tables in a design: passed on as written; a VM with IP forwarding is an appliance", "[design][udr]") {
    const auto yaml = "route_tables:\n"
                      "  - {name: rt, routes: [{address_prefix: 192.168.0.0/16, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.1.0.5}]}\n"
                      "  - {name: quiet, disable_bgp_route_propagation: true}\n" +
                      edited(small, "    vms: [{name: v1-vm, address: 10.1.0.4}]\n",
                             "    route_table: rt\n"
                             "    vms: [{name: v1-vm, address: 10.1.0.4}, {name: v1-nva, address: 10.1.0.5, ip_forwarding: true},\n"
                             "          {name: v1-db, address: 10.1.0.6, route_table: quiet}]\n");
    const auto loaded = parse_topology(yaml, "d.yaml");
    INFO(joined(test::positioned(loaded.errors)));
    REQUIRE(loaded.ok());
    const auto& topology = loaded.config.topology;
    REQUIRE(topology.route_tables.size() == 2);
    CHECK(topology.route_tables[0].routes.at(0).next_hop_address->to_string() == "10.1.0.5");
    CHECK(topology.find_vnet("v1")->route_table == "rt");
    const auto* nva = topology.find_node("v1-nva");
    REQUIRE(nva);
    CHECK(nva->kind == dataplane::NodeKind::router);
    CHECK(nva->vnet == "v1");
    CHECK(nva->vnet_addresses.at(0).to_string() == "10.1.0.5");
    CHECK(topology.find_node("v1-db")->route_table == "quiet");
    CHECK(topology.find_node("v1-db")->kind == dataplane::NodeKind::host);
    // What the router-level reader finds is said at the design's line: here, a route
    // to the ExpressRoute gateway, which Azure refuses.
    const auto refused = errors_of(edited(yaml, "next_hop_type: VirtualAppliance, next_hop_ip_address: 10.1.0.5", "next_hop_type: VirtualNetworkGateway"));
    INFO(joined(refused));
    CHECK(has_error(refused, "9:18", "which Azure refuses in a VNet with an ExpressRoute gateway"));
}

TEST_CASE("a Route Server in a design: an instance per address, each peering with the NVAs it names", "[design][route-server]") {
    const auto with = [&](const std::string& route_server, const std::string& nva) {
        return edited(small, "    vms: [{name: v1-vm, address: 10.1.0.4}]\n",
                      "    route_server: " + route_server + "\n    vms:\n      - {name: v1-vm, address: 10.1.0.4}\n      - " + nva + "\n");
    };
    const std::string nva = "{name: v1-nva, address: 10.1.1.4, ip_forwarding: true, asn: 65010, advertise: [10.200.0.0/16]}";
    const auto loaded = parse_topology(with("{name: v1-rs, addresses: [10.1.2.4, 10.1.2.5], peers: [v1-nva]}", nva), "d.yaml");
    INFO(joined(test::positioned(loaded.errors)));
    REQUIRE(loaded.ok());
    const auto& appliance = speaker(loaded.config, "v1-nva");
    CHECK(appliance.asn == 65010);
    CHECK_FALSE(appliance.ebgp_requires_policy);
    CHECK(appliance.networks.at(0).prefix.to_string() == "10.200.0.0/16");
    for (const auto& [name, address] : {std::pair{"v1-rs-instance0", "10.1.2.4"}, std::pair{"v1-rs-instance1", "10.1.2.5"}}) {
        INFO(name);
        const auto& rs = speaker(loaded.config, name);
        CHECK(rs.asn == 65515);
        const auto& to_nva = neighbor(rs, "v1-nva");
        CHECK(to_nva.remote_as == 65010);
        CHECK(to_nva.self_next_hop_v4->to_string() == address);  // no link in a VNet: written
        CHECK(neighbor(appliance, name).self_next_hop_v4->to_string() == "10.1.1.4");
        CHECK(loaded.config.topology.find_node(name)->role == dataplane::Role::route_server);
    }
    CHECK(loaded.config.topology.find_node("v1-nva")->kind == dataplane::NodeKind::speaker);

    const auto errors = [&](const std::string& route_server, const std::string& vm) { return errors_of(with(route_server, vm)); };
    CHECK(has_error(errors("{name: v1-rs, addresses: [10.1.2.4], peers: [v1-vm]}", nva), "6:63",
                    "peer 'v1-vm' is not a VM of VNet 'v1' with an 'asn'"));
    CHECK(has_error(errors("{name: v1-rs, addresses: [10.1.2.4], peers: [v1-nva]}",
                           "{name: v1-nva, address: 10.1.1.4, asn: 65010}"),
                    "9:9", "speaks BGP (asn): it is a network virtual appliance, so give it ip_forwarding: true"));
    CHECK(has_error(errors("{name: v1-rs, addresses: [10.1.2.4], peers: [v1-nva]}",
                           "{name: v1-nva, address: 10.1.1.4, ip_forwarding: true, asn: 4200000001}"),
                    "6:63", "a Route Server peers with 16-bit ASNs only"));
    CHECK(has_error(errors("{name: v1-rs, addresses: [10.1.2.4, 10.1.2.5, 10.1.2.6], peers: [v1-nva]}", nva), "6:44",
                    "addresses are one or two"));
    CHECK(has_error(errors("{name: v1-rs, addresses: [10.9.2.4], peers: [v1-nva]}", nva), "6:19",
                    "Route Server 'v1-rs': address 10.9.2.4 is not inside VNet 'v1''s address spaces"));
    CHECK(has_error(errors("{name: v1-rs, listen: 127.70.0.99, addresses: [10.1.2.4, 10.1.2.5], peers: [v1-nva]}", nva), "6:41",
                    "it takes no 'listen'"));
    CHECK(has_error(errors("{name: v1-rs, addresses: [10.1.2.4], peers: []}", "{name: v1-nva, address: 10.1.1.4, listen: 127.70.0.9}"), "9:9",
                    "'listen' and 'router_level' are for a VM that speaks BGP"));
    CHECK(has_error(errors("{name: v1-rs, addresses: [10.1.2.4], peers: [v1-nva], routing_preference: Cheapest}", nva), "6:93",
                    "routing_preference must be ExpressRoute, VpnGateway or ASPath"));

    // Branch-to-branch: the instances, the ExpressRoute gateway and the VPN gateway's
    // instances over iBGP, each with each but the Route Server's own two.
    const auto b2b = [&](const std::string& vpn_gateway) {
        return edited(with("{name: v1-rs, addresses: [10.1.2.4, 10.1.2.5], peers: [v1-nva], branch_to_branch: true, routing_preference: VpnGateway}", nva),
                      "    route_server:", "    vpn_gateway: " + vpn_gateway + "\n    route_server:");
    };
    const auto joined_up = parse_topology(b2b("{name: v1-vpngw, active_active: true, bgp_peering_addresses: [10.1.254.30, 10.1.254.31], "
                                              "instance_addresses: [10.1.254.4, 10.1.254.5]}"),
                                          "d.yaml");
    INFO(joined(test::positioned(joined_up.errors)));
    REQUIRE(joined_up.ok());
    const auto& gateway = speaker(joined_up.config, "v1-ergw");
    for (const char* peer : {"v1-rs-instance0", "v1-rs-instance1", "v1-vpngw-instance0", "v1-vpngw-instance1"})
        CHECK(neighbor(gateway, peer).remote_as == 65515);
    CHECK(neighbor(speaker(joined_up.config, "v1-vpngw-instance1"), "v1-rs-instance0").remote_as == 65515);
    const auto& rs = speaker(joined_up.config, "v1-rs-instance0");
    CHECK(std::none_of(rs.neighbors.begin(), rs.neighbors.end(), [](const auto& n) { return n.name == "v1-rs-instance1"; }));
    const auto* rs_node = joined_up.config.topology.find_node("v1-rs-instance1");
    CHECK(rs_node->branch_to_branch);
    CHECK(rs_node->routing_preference == dataplane::RoutingPreference::vpn_gateway);
    CHECK(has_error(errors_of(b2b("{name: v1-vpngw, bgp_peering_address: 10.1.254.30, instance_addresses: [10.1.254.4]}")), "7:19",
                    "branch-to-branch with VPN gateway 'v1-vpngw' needs it active-active with ASN 65515"));
}

TEST_CASE("VNet communities: the gateway's routes carry the custom and the regional one; the MSEE drops the customer's", "[design][communities]") {
    const auto with = [&](const std::string& keys) {
        return edited(small, "    address_spaces: [10.1.0.0/16]\n", "    address_spaces: [10.1.0.0/16]\n" + keys);
    };
    const auto loaded = parse_topology(with("    location: West Europe\n    bgp_community: 12076:20001\n"), "d.yaml");
    INFO(joined(test::positioned(loaded.errors)));
    REQUIRE(loaded.ok());
    const auto& gateway = speaker(loaded.config, "v1-ergw");
    REQUIRE(gateway.networks.size() == 1);
    // West Europe is region 2: 12076:50002, then the VNet's own.
    CHECK(gateway.networks[0].communities == std::vector<std::uint32_t>{(12076U << 16) | 50002U, (12076U << 16) | 20001U});
    // The MSEE's session with the customer has a route map in that replaces whatever
    // communities the CE sent by none.
    const auto& msee = speaker(loaded.config, "c1-msee1");
    const auto* in = neighbor(msee, "s1-ce").route_map_in;
    REQUIRE(in != nullptr);
    REQUIRE(in->entries.size() == 1);
    CHECK(in->entries[0].set.communities_replace);
    CHECK(in->entries[0].set.communities_add.empty());
    CHECK(neighbor(msee, "v1-ergw").route_map_in == nullptr);

    // Without a custom community, the region's is not shown either; a regional_community
    // given stands for a region the table lacks.
    const auto plain = parse_topology(with("    location: westeurope\n"), "d.yaml");
    REQUIRE(plain.ok());
    CHECK(speaker(plain.config, "v1-ergw").networks[0].communities.empty());
    const auto given = parse_topology(with("    location: atlantis\n    bgp_community: 12076:20001\n    regional_community: 12076:50999\n"), "d.yaml");
    INFO(joined(test::positioned(given.errors)));
    REQUIRE(given.ok());
    CHECK(speaker(given.config, "v1-ergw").networks[0].communities.front() == ((12076U << 16) | 50999U));

    const auto unknown = errors_of(with("    location: atlantis\n    bgp_community: 12076:20001\n"));
    INFO(joined(unknown));
    CHECK(has_error(unknown, "6:20", "no regional community known for location 'atlantis'"));
    CHECK(has_error(errors_of(with("    bgp_community: 12076:20001\n")), "5:20", "give its 'location'"));
    CHECK(has_error(errors_of(with("    location: westeurope\n    bgp_community: 65000:1\n")), "6:20",
                    "bgp_community must be 12076:VALUE"));
    CHECK(has_error(errors_of(with("    location: westeurope\n    bgp_community: twelve\n")), "6:20", "must be ASN:VALUE"));
    CHECK(has_error(errors_of(with("    location: westeurope\n    regional_community: 12076:50002\n")), "6:25",
                    "regional_community needs bgp_community"));
}

TEST_CASE("Global Reach: the two circuits' MSEEs peer each with each over the /31s of the /29", "[design][global-reach]") {
    const auto two_circuits = edited(small, "connections:\n",
                                     "  - {name: c2, primary_peer_address_prefix: 172.16.1.0/30, secondary_peer_address_prefix: 172.16.1.4/30}\n"
                                     "connections:\n");
    const auto with = [&](const std::string& reach) { return two_circuits + "global_reach:\n  - " + reach + "\n"; };
    const auto loaded = parse_topology(with("{name: gr, circuits: [c1, c2], address_prefix: 192.168.40.0/29}"), "d.yaml");
    INFO(joined(test::positioned(loaded.errors)));
    REQUIRE(loaded.ok());
    const auto& primary = speaker(loaded.config, "c1-msee1");
    for (const char* other : {"c2-msee1", "c2-msee2"}) {
        INFO(other);
        const auto& n = neighbor(primary, other);
        CHECK(n.remote_as == 12076);
        CHECK(n.next_hop_self);
        REQUIRE(n.route_map_out != nullptr);
        CHECK(n.route_map_out->name == "role:msee-global-reach-out");
    }
    CHECK(neighbor(speaker(loaded.config, "c2-msee2"), "c1-msee2").remote_as == 12076);
    // Toward its gateway an MSEE lengthens what came over Global Reach.
    REQUIRE(neighbor(primary, "v1-ergw").route_map_out != nullptr);
    CHECK(neighbor(primary, "v1-ergw").route_map_out->name == "role:msee-gateway-out");
    // Primary with primary on the /29's first /31, the first circuit's MSEE first.
    const auto& interfaces = primary.interfaces;
    const auto found = std::find_if(interfaces.begin(), interfaces.end(), [](const auto& i) { return i.name == "c2-msee1"; });
    REQUIRE(found != interfaces.end());
    CHECK(found->address.to_string() == "192.168.40.0");
    CHECK(found->length == 31);

    const auto errors = errors_of(with("{circuits: [c1, c9], address_prefix: 192.168.40.0/28}"));
    INFO(joined(errors));
    CHECK(has_error(errors, "21:42", "takes an IPv4 /29, not 192.168.40.0/28"));
    const auto unknown = errors_of(with("{circuits: [c1, c9], address_prefix: 192.168.40.0/29}"));
    CHECK(has_error(unknown, "21:5", "global_reach: no circuit named 'c9'"));
    CHECK(has_error(errors_of(with("{circuits: [c1, c1], address_prefix: 192.168.40.0/29}")), "21:5", "two different circuits"));
    CHECK(has_error(errors_of(with("{circuits: [c1, c2]}")), "21:5", "global_reach needs 'address_prefix'"));
    CHECK(has_error(errors_of(with("{circuits: [c1, c2], address_prefix: 172.16.1.0/29}")), "21:42", "overlaps 172.16.1.0/30 of circuit c2"));
    CHECK(has_error(errors_of(with("{circuits: [c1], address_prefix: 192.168.40.0/29}")), "21:16", "takes two circuit names"));
    const auto twice = errors_of(with("{circuits: [c1, c2], address_prefix: 192.168.40.0/29}\n  - {circuits: [c2, c1], address_prefix: 192.168.40.0/29}"));
    INFO(joined(twice));
    CHECK(has_error(twice, "22:5", "are linked twice"));
    CHECK(has_error(twice, "22:42", "overlaps 192.168.40.0/29 of another global_reach"));
}

TEST_CASE("router_level keys override what a node compiles to", "[design]") {
    const auto yaml = edited(small, "        expressroute: [{circuit: c1, link: primary}, {circuit: c1, link: secondary}]\n",
                             "        expressroute: [{circuit: c1, link: primary}, {circuit: c1, link: secondary}]\n"
                             "        router_level:\n"
                             "          router_id: 10.255.0.1\n"
                             "          policy: {route_maps: {tag: [{seq: 10, action: permit, set: {med: 5}}]}}\n"
                             "          neighbors: [{name: c1-msee2, route_map_out: tag, shutdown: true}]\n");
    const auto loaded = parse_topology(yaml, "d.yaml");
    INFO(joined(errors_of(yaml)));
    REQUIRE(loaded.ok());
    const auto& ce = speaker(loaded.config, "s1-ce");
    CHECK(ce.router_id == bgp::IpAddress::parse("10.255.0.1")->v4_value());
    const auto& secondary = neighbor(ce, "c1-msee2");
    REQUIRE(secondary.route_map_out != nullptr);
    CHECK(secondary.route_map_out->name == "tag");
    CHECK_FALSE(secondary.enabled);
    CHECK(neighbor(ce, "c1-msee1").enabled);  // merged by name: the other session is as compiled
    CHECK(neighbor(ce, "c1-msee1").prefix_list_out != nullptr);
}

TEST_CASE("router-level entries mix into a design", "[design]") {
    const auto yaml = small + R"(routers:
  - name: probe
    interfaces: [{name: eth0, address: 192.168.1.99/24}]
links:
  - {a: probe:eth0, b: s1-ce:lan}
)";
    const auto loaded = parse_topology(yaml, "d.yaml");
    INFO(joined(errors_of(yaml)));
    REQUIRE(loaded.ok());
    CHECK(loaded.config.topology.find_node("probe") != nullptr);
    CHECK(loaded.config.topology.links.size() == 6);
}

TEST_CASE("design errors are reported in the design's terms, at its positions", "[design]") {
    struct Case {
        std::string from, to, position, words;
    };
    const std::vector<Case> cases = {
        {"  - {type: expressroute, vnet: v1,", "  - {type: expressroute, vnet: v2,", "10:5", "the design has no VNet 'v2'"},
        {"    er_gateway: {name: v1-ergw, instance_addresses: [10.1.255.4]}\n", "", "9:5",
         "VNet 'v1' has no ExpressRoute gateway (er_gateway) to connect to circuit 'c1'"},
        {"secondary_peer_address_prefix: 172.16.0.4/30", "secondary_peer_address_prefix: 172.16.0.8/29", "8:91",
         "a circuit link takes an IPv4 /30, not 172.16.0.8/29"},
        {"secondary_peer_address_prefix: 172.16.0.4/30", "secondary_peer_address_prefix: 172.16.0.0/30", "8:91",
         "overlaps 172.16.0.0/30 of circuit c1"},
        {"    asn: 64600", "    asn: 65515", "13:10", "ASN 65515 is reserved"},
        {"instance_addresses: [10.1.255.4]", "instance_addresses: [10.2.255.4]", "5:17", "is not inside VNet 'v1'"},
        {"{circuit: c1, link: secondary}", "{circuit: c1, link: primary}", "18:54", "circuit c1 primary link already ends at CE 's1-ce'"},
        {"{circuit: c1, link: secondary}", "{circuit: c9, link: secondary}", "18:54", "the design has no circuit 'c9'"},
        {"    hosts: [{name: s1-pc, address: 192.168.1.10}]", "    hosts: [{name: s1-pc, address: 192.168.2.10}]", "15:13",
         "is on none of site 's1''s lan_prefixes"},
        {"    vms: [{name: v1-vm,", "    vms: [{name: s1-ce,", "17:9", "the name 's1-ce' of a CE of site s1 is already the name of a VM of VNet v1"},
        {"  - {type: expressroute,", "  - {type: ipsec,", "10:5", "(ipsec) needs a 'ce'"},
        {"    lan_prefixes:", "    lan_prefix:", "14:5", "unknown key 'lan_prefix' in site"},
        {"transport: {pool", "transport: {pools", "1:13", "unknown key 'pools' in transport"},
    };
    for (const auto& c : cases) {
        const auto errors = errors_of(edited(small, c.from, c.to));
        INFO(c.from << " -> " << c.to << "\n" << joined(errors));
        CHECK(has_error(errors, c.position, c.words));
    }
}

TEST_CASE("design errors across VNets, peerings and sites", "[design]") {
    const std::string two = small + R"(  - name: s2
    asn: 64601
    lan_prefixes: [192.168.1.0/25]
    ces: [{name: s2-ce}]
)";
    CHECK(has_error(errors_of(two), "19:5", "LAN prefix 192.168.1.0/25 overlaps 192.168.1.0/24 of site s1"));
    const auto spoke = edited(small, "circuits:\n", R"(  - name: v2
    address_spaces: [10.2.0.0/16]
    peerings: [{vnet: v1, use_remote_gateways: true}]
circuits:
)");
    // The other side is missing: reported by the router-level reader, at the peering the design wrote.
    INFO(joined(errors_of(spoke)));
    CHECK(has_error(errors_of(spoke), "9:16", "VNet 'v2' peers with 'v1', which has no peering back"));
    const auto both = edited(spoke, "    er_gateway:", "    peerings: [{vnet: v2}]\n    er_gateway:");
    CHECK(has_error(errors_of(both), "10:16", "whose peering back does not allow gateway transit"));
    const auto overlap = edited(spoke, "10.2.0.0/16", "10.1.128.0/17");
    CHECK(has_error(errors_of(overlap), "7:5", "address space 10.1.128.0/17 of VNet 'v2' overlaps 10.1.0.0/16 of VNet 'v1'"));
    const auto no_gateway = edited(spoke, "    er_gateway: {name: v1-ergw, instance_addresses: [10.1.255.4]}\n",
                                   "    peerings: [{vnet: v2, allow_gateway_transit: true}]\n");
    INFO(joined(errors_of(no_gateway)));
    CHECK(has_error(errors_of(no_gateway), "9:16", "uses the remote gateways of 'v1', which has neither gateway nor Route Server"));
}

TEST_CASE("--expand prints a router-level file that loads as the design does", "[design]") {
    const TempFile file(small);
    const auto expanded = expand_topology_file(file.path.string());
    INFO(expanded.text);
    REQUIRE(expanded.errors.empty());
    CHECK(expanded.text.find("role: msee") != std::string::npos);
    CHECK(expanded.text.find("circuits:") == std::string::npos);  // router-level keys only
    const auto again = parse_config(expanded.text, "expanded.yaml");
    REQUIRE(again.ok());
    const auto design = parse_topology(small, "d.yaml");
    CHECK(sessions_of(again.config) == sessions_of(design.config));
    CHECK(again.config.topology.links.size() == design.config.topology.links.size());

    const TempFile broken(edited(small, "vnet: v1, circuit", "vnet: v7, circuit"));
    CHECK_FALSE(expand_topology_file(broken.path.string()).errors.empty());
}

TEST_CASE("FRR and BIRD configurations for a CE of the design", "[design]") {
    const auto yaml = edited(small, "    lan_prefixes: [192.168.1.0/24]\n",
                             "    lan_prefixes: [192.168.1.0/24]\n    prefer_expressroute: true\n");
    const TempFile file(edited(yaml, "circuits:\n  - {name: c1,", "circuits:\n  - {name: c1, shared_key: s3cret,"));
    const auto frr = router_config_file(file.path.string(), "s1-ce", false);
    INFO(frr.text);
    REQUIRE(frr.errors.empty());
    const auto contains_all = [](const std::string& text, std::initializer_list<const char*> lines) {
        for (const char* line : lines) {
            INFO(line);
            CHECK(text.find(line) != std::string::npos);
        }
    };
    contains_all(frr.text, {"router bgp 64600\n", " bgp router-id 172.16.0.1\n", " neighbor 127.70.0.2 remote-as 12076\n",
                             " neighbor 127.70.0.2 update-source 127.70.0.1\n", " neighbor 127.70.0.3 password s3cret\n",
                             "ip prefix-list s1-out seq 10 permit 192.168.1.0/24\n", " set local-preference 200\n",
                             " set ip next-hop 172.16.0.5\n", "  neighbor 127.70.0.2 route-map prefer-ER-over-VPN in\n",
                             "  network 192.168.1.0/24\n"});
    const auto bird = router_config_file(file.path.string(), "s1-ce", true);
    INFO(bird.text);
    REQUIRE(bird.errors.empty());
    contains_all(bird.text, {"router id 172.16.0.1;\n", "  local 127.70.0.1 port 1179 as 64600;\n",
                             "  neighbor 127.70.0.3 port 1179 as 12076;\n", "  bgp_local_pref = 200;",
                             "  password \"s3cret\";\n", "  bgp_next_hop = 172.16.0.1;\n", "define s1_out_v4 = [ 192.168.1.0/24 ];\n"});
    const auto not_ce = router_config_file(file.path.string(), "c1-msee1", false);
    REQUIRE(not_ce.errors.size() == 1);
    CHECK(not_ce.errors[0].message == "'c1-msee1' is not a CE of the design (its CEs: s1-ce)");
}

TEST_CASE("FRR and BIRD configurations of a dual-stack CE: IPv6 on the same sessions, its own next hops", "[design][ipv6]") {
    const TempFile file(dual_stack());
    const auto frr = router_config_file(file.path.string(), "s1-ce", false);
    INFO(frr.text);
    REQUIRE(frr.errors.empty());
    for (const char* line : {"ipv6 prefix-list s1-out seq 20 permit 2001:db8:1::/64\n", "route-map to-c1-msee1-v6 permit 10\n",
                             " match ipv6 address prefix-list s1-out\n", " set ipv6 next-hop global 2001:db8:ff::1\n",
                             " address-family ipv6 unicast\n", "  neighbor 127.70.0.2 activate\n",
                             "  neighbor 127.70.0.2 route-map to-c1-msee1-v6 out\n", "  network 2001:db8:1::/64\n"}) {
        INFO(line);
        CHECK(frr.text.find(line) != std::string::npos);
    }
    const auto bird = router_config_file(file.path.string(), "s1-ce", true);
    INFO(bird.text);
    REQUIRE(bird.errors.empty());
    for (const char* line : {"filter to_c1_msee2_v6 {\n", "  bgp_next_hop = 2001:db8:ff::5;\n", "    export filter to_c1_msee2_v6;\n",
                             "define s1_out_v6 = [ 2001:db8:1::/64 ];\n"}) {
        INFO(line);
        CHECK(bird.text.find(line) != std::string::npos);
    }
}

TEST_CASE("every topology shipped in configs/ is valid, in either form", "[design][config]") {
    unsigned checked = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(BGPEMU_SOURCE_DIR "/configs")) {
        if (entry.path().extension() != ".yaml") continue;
        const auto loaded = load_topology_file(entry.path().string());
        INFO(entry.path() << ": " << (loaded.ok() ? std::string("ok") : loaded.errors.front().to_string()));
        CHECK(loaded.ok());
        CHECK_FALSE(loaded.config.speakers.empty());
        ++checked;
    }
    CHECK(checked >= 3);
}

}  // namespace bgpemu::daemon::design
