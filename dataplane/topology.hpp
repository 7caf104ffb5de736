// The emulated network around the BGP speakers, as the configuration describes it:
// nodes (speakers, plain routers, hosts) with interfaces, the links between interfaces,
// VNets with their peerings, and how each node answers a trace (the hop model). Plain
// data, filled from the daemon's configuration file and turned into a dataplane::Network.
//
// The emulated addresses here are what next hops, FIBs and traces show; they are kept
// apart from the transport addresses the BGP sessions really use (127.x.y.z on loopback),
// so a topology runs as an ordinary user while printing the addresses of the design.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/wire/ip.hpp"
#include "dataplane/role.hpp"
#include "rib/fib.hpp"

namespace bgpemu::dataplane {

// What a node does with a probe whose TTL expires there, stage by stage: `answer` counts
// a hop and answers it, `silent` counts a hop that never answers (`*`). No stages: the
// node is transparent (forwards without decrementing the TTL). A VPN gateway, for
// packets from its VNet, is {answer, silent}: its VNet-side address, then the tunnel.
enum class HopStage : std::uint8_t { answer, silent };
using HopBehaviour = std::vector<HopStage>;

// "answer", "silent", "transparent", or stages joined by '+' ("answer+silent").
[[nodiscard]] std::optional<HopBehaviour> parse_hop_behaviour(std::string_view text);
[[nodiscard]] std::string hop_behaviour_name(const HopBehaviour& behaviour);

// `external`: a real router outside the daemon (FRR, BIRD, a lab box) that our speakers
// peer with; its FIB is unknown, so the data plane infers it (Network, "external").
enum class NodeKind : std::uint8_t { speaker, router, host, external };

[[nodiscard]] const char* node_kind_name(NodeKind kind) noexcept;

// A Route Server's hubRoutingPreference: which source wins a prefix in its VNet's route
// table when branch-to-branch brings the gateways' and the NVAs' routes together.
enum class RoutingPreference : std::uint8_t { express_route, vpn_gateway, as_path };
// "ExpressRoute", "VpnGateway", "ASPath" (Azure's values).
[[nodiscard]] const char* routing_preference_name(RoutingPreference preference) noexcept;
[[nodiscard]] std::optional<RoutingPreference> parse_routing_preference(std::string_view text) noexcept;

struct NodeConfig {
    std::string name;
    NodeKind kind = NodeKind::router;
    Role role = Role::none;
    // For a speaker, a copy of its SpeakerConfig's interfaces (its static routes live in
    // the speaker's own FIB).
    std::vector<rib::InterfaceConfig> interfaces;
    std::vector<rib::StaticRouteConfig> static_routes;
    // A host: the VNet it sits in (its address is `vnet_addresses[0]`). A speaker: the
    // VNet it is the gateway of, answering traces from `vnet_addresses` (its instances).
    // A router: a network virtual appliance in the VNet, its NIC at `vnet_addresses[0]`.
    std::string vnet;
    std::vector<bgp::IpAddress> vnet_addresses;
    // A host or appliance in a VNet: the route table of its subnet (empty: the VNet's).
    std::string route_table;
    // Hop model overrides; unset: the role's default (doc/guide/trace-and-failover.md, "Hop models").
    std::optional<HopBehaviour> hop;                    // every ingress of the node
    std::map<std::string, HopBehaviour> interface_hops; // by interface name
    std::optional<HopBehaviour> vnet_hop;               // a gateway, for packets from its VNet
    // A gateway: forwards between its connections (default: yes for a vpn-gateway,
    // which transits between its site-to-site peers; no for an er-gateway).
    std::optional<bool> transit;
    // An external router: its AS (checked against our neighbours' `asn`) and, to infer
    // its FIB, the order in which it prefers the neighbours that advertise a prefix to
    // it (its local-preference policy, which we cannot see; first is most preferred).
    // A speaker carries its `prefer` too, for the daemons of other sites, which see it
    // as an external router (its `site`; empty: it runs wherever the whole file runs).
    std::uint32_t asn = 0;
    std::vector<std::string> prefer;
    std::string site;
    // An MSEE: the ExpressRoute circuit it is one of the pair of (views group by it).
    std::string circuit;
    // A gateway: drops packets from a connection whose source is not inside a prefix
    // learned over that connection (Azure's ingress check; default yes).
    bool source_check = true;
    // A Route Server: allowBranchToBranchTraffic (its VNet's gateways exchange routes
    // with it, and traffic may pass from one gateway to another) and its preference.
    bool branch_to_branch = false;
    RoutingPreference routing_preference = RoutingPreference::express_route;
};

struct LinkEnd {
    std::string node;
    std::string interface;
    friend bool operator==(const LinkEnd&, const LinkEnd&) = default;
};

struct LinkConfig {
    std::string name;  // default "NODE:IF--NODE:IF"
    LinkEnd a;
    LinkEnd b;
    double delay_ms = 0;  // one way; traces add it up
    bool up = true;       // `shutdown: true`: configured down
};

struct VnetPeeringConfig {
    std::string vnet;
    bool allow_gateway_transit = false;  // this VNet's gateways serve the peer
    bool use_remote_gateways = false;    // this VNet uses the peer's gateways
};

// A user-defined route: Azure's route table entry, with its next hop types.
enum class UserNextHop : std::uint8_t { virtual_appliance, virtual_network_gateway, vnet_local, internet, none };
// "VirtualAppliance", "VirtualNetworkGateway", "VnetLocal", "Internet", "None".
[[nodiscard]] const char* user_next_hop_name(UserNextHop type) noexcept;
[[nodiscard]] std::optional<UserNextHop> parse_user_next_hop(std::string_view text) noexcept;

struct UserRouteConfig {
    std::string name;
    bgp::Prefix prefix;
    UserNextHop next_hop_type = UserNextHop::none;
    std::optional<bgp::IpAddress> next_hop_address;  // VirtualAppliance: the appliance's
};

struct RouteTableConfig {
    std::string name;
    std::vector<UserRouteConfig> routes;
    // Azure's disableBgpRoutePropagation: the subnets using the table get no routes
    // from the VNet's gateways.
    bool disable_bgp_route_propagation = false;
};

struct VnetConfig {
    std::string name;
    std::vector<bgp::Prefix> address_spaces;
    std::vector<VnetPeeringConfig> peerings;
    // The route tables of its subnets: the workload subnets' (hosts and appliances that
    // name none of their own) and the GatewaySubnet's (what enters from its gateways).
    std::string route_table;
    std::string gateway_route_table;
    std::string location;  // the Azure region; empty: not given
    // Azure's bgpCommunities: the VNet's custom community and its region's, which an
    // ExpressRoute gateway's routes of the VNet carry toward on-premises.
    std::optional<std::uint32_t> bgp_community;
    std::optional<std::uint32_t> regional_community;
};

struct TopologyConfig {
    std::vector<NodeConfig> nodes;  // every node: speakers too (kind speaker)
    std::vector<LinkConfig> links;
    std::vector<VnetConfig> vnets;
    std::vector<RouteTableConfig> route_tables;

    [[nodiscard]] const NodeConfig* find_node(std::string_view name) const;
    [[nodiscard]] const VnetConfig* find_vnet(std::string_view name) const;
    [[nodiscard]] const RouteTableConfig* find_route_table(std::string_view name) const;
    // The VNets whose gateways and Route Servers serve `vnet`: itself and, through
    // gateway transit ("use remote gateways" on its side of a peering, "allow gateway
    // transit" on the other's), its hubs.
    [[nodiscard]] std::vector<const VnetConfig*> serving_vnets(const VnetConfig& vnet) const;
};

}  // namespace bgpemu::dataplane
