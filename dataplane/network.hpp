// The emulated data plane: probes walk the nodes' forwarding tables hop by hop, across
// the links and VNets of the topology, and each node answers (or not) by the hop model.
//
// The Network holds the topology's structure and the state of its links; what the
// speakers have learned comes in through RoutingState (their live FIBs and Loc-RIBs), so
// the walk itself is pure and is tested on synthetic topologies with hand-made FIBs.
//
// One walk step, at a node reached over a link or from a VNet:
//   - the node owns the destination: delivered;
//   - a gateway checks the source of packets from a connection (Azure's ingress check);
//   - a host in a VNet sends everything into its VNet, an appliance what its own FIB
//     has no route for; a gateway sends into its VNet what the VNet's system routes
//     cover, and what came from a connection unless it transits between connections
//     (a VPN gateway between site-to-site peers);
//   - otherwise the node's FIB decides: the next hop's interface, and over it the link
//     whose far end owns the next hop (or the interface's only link that is up).
// A VNet forwards by the effective routes of the subnet the packet leaves (its route
// table's user-defined routes, system routes, the gateways' and Route Servers' routes
// with ExpressRoute over VPN for the same prefix) and adds no hop. ECMP members are
// picked by the flow hash of (source, destination), so a trace is repeatable;
// `all_paths` enumerates every branch.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bgp/wire/ip.hpp"
#include "dataplane/topology.hpp"
#include "rib/fib.hpp"
#include "rib/prefix_trie.hpp"

namespace bgpemu::dataplane {

// A gateway's or Route Server's best path learned from a BGP peer: what it programs
// into its VNet.
struct LearnedRoute {
    bgp::Prefix prefix;
    std::uint32_t weight = 0;  // the connection's weight
    std::size_t as_path_length = 0;
    std::optional<bgp::IpAddress> next_hop;  // a Route Server's: the appliance that sent it
};

// A route one of our speakers advertised to an external router: what that router may
// have installed.
struct AdvertisedRoute {
    bgp::Prefix prefix;
    bgp::IpAddress next_hop;
    std::string from;  // the advertising speaker
    std::size_t as_path_length = 0;
    std::uint32_t router_id = 0;
};

// What the walk needs from the routing side. Node indices are the Network's.
class RoutingState {
public:
    virtual ~RoutingState() = default;
    // The node's forwarding table; null when it has none. Valid until the next call for
    // the same node (an external router's is built anew on each call).
    [[nodiscard]] virtual const rib::Fib* fib(std::size_t node) const = 0;
    // A gateway's best paths learned from its BGP peers.
    virtual void for_each_learned(std::size_t node, const std::function<void(const LearnedRoute&)>& fn) const = 0;
    // Whether `address` lies inside a prefix the node learned from the peer across `link`.
    [[nodiscard]] virtual bool learned_over(std::size_t node, std::size_t link, const bgp::IpAddress& address) const = 0;
};

// One row of a VNet's effective route table, as Azure's effective-routes view prints it.
struct EffectiveRoute {
    enum class NextHopType : std::uint8_t { vnet_local, vnet_peering, gateway, virtual_appliance, internet, none };
    enum class Source : std::uint8_t { system, gateway, user };
    bgp::Prefix prefix;
    NextHopType next_hop_type = NextHopType::vnet_local;
    Source source = Source::system;
    bool active = true;
    std::string peer_vnet;                  // vnet_peering
    // gateway: the nodes it sends to, gateways or the appliances a Route Server learned
    // it from (ECMP when several)
    std::vector<std::size_t> gateways;
    bool express_route = false;             // gateway, learned: over ExpressRoute
    bool route_server = false;              // gateway, learned: from a Route Server (else VPN)
    std::size_t as_path_length = 0;
    std::uint32_t weight = 0;
    std::optional<bgp::IpAddress> next_hop_address;  // virtual_appliance
    std::string route_name;                 // user: the route table's entry, "TABLE/ROUTE"
    std::string note;                       // why a route is not active

    [[nodiscard]] const char* source_name() const noexcept;        // "Default" | "VirtualNetworkGateway" | "User"
    [[nodiscard]] const char* next_hop_type_name() const noexcept; // "VnetLocal" | "VNetPeering" | "VirtualNetworkGateway" | "VirtualAppliance" | "Internet" | "None"
};

struct TraceHop {
    unsigned number = 0;
    std::string node;                       // the node that counted the hop
    std::optional<bgp::IpAddress> address;  // the answer's source; unset: `*`
    std::string why_silent;                 // for `*`: silent node, or where the answer was lost
    double rtt_ms = 0;                      // summed link delays, there and back
    bool inferred = false;                  // an external router: its forwarding is inferred
};

struct WalkOutcome {
    enum class Verdict : std::uint8_t { delivered, unreachable, dropped, loop };
    Verdict verdict = Verdict::delivered;
    std::string node;    // where it ended
    std::string reason;  // for anything but delivered
    std::vector<std::string> nodes;  // every node and VNet passed, in order
    double delay_ms = 0;
};
[[nodiscard]] const char* verdict_name(WalkOutcome::Verdict verdict) noexcept;

struct TracePath {
    std::vector<TraceHop> hops;
    WalkOutcome forward;
};

struct PingResult {
    WalkOutcome forward;
    std::optional<WalkOutcome> back;  // when the forward walk was delivered
    [[nodiscard]] bool reachable() const noexcept {
        return forward.verdict == WalkOutcome::Verdict::delivered && back &&
               back->verdict == WalkOutcome::Verdict::delivered;
    }
};

class Network;

// What the walks of one moment share: the routing state does not change between them
// (they run within one admin command), so each VNet subnet's effective routes are
// computed once for all of them (a check over a thousand hosts walks a million times).
class WalkCache {
public:
    const std::vector<EffectiveRoute>& effective_routes(const Network& network, const RoutingState& state, std::size_t vnet,
                                                        std::optional<std::size_t> table);

private:
    std::map<std::pair<std::size_t, std::optional<std::size_t>>, std::vector<EffectiveRoute>> routes_;
};

// Where a probe starts: a node and the source address it uses.
struct ProbeSource {
    std::size_t node = 0;
    bgp::IpAddress address;
};

class Network {
public:
    struct Interface : rib::InterfaceConfig {
        std::vector<std::size_t> links;  // links attached here
        HopBehaviour hop;                // for packets arriving on it
    };
    struct Node {
        std::string name;
        NodeKind kind = NodeKind::router;
        Role role = Role::none;
        std::vector<Interface> interfaces;
        std::optional<std::size_t> vnet;          // host: its VNet; gateway: the VNet it serves
        std::vector<bgp::IpAddress> vnet_addresses;
        HopBehaviour vnet_hop;                    // gateway, for packets from its VNet
        bool transit = false;
        bool source_check = true;
        std::string site;                         // a speaker's (or another site's router's) `site`
        std::string circuit;                      // an MSEE's ExpressRoute circuit
        std::optional<std::size_t> route_table;   // host or appliance: its subnet's own
        [[nodiscard]] bool gateway() const noexcept { return kind == NodeKind::speaker && vnet && is_gateway(role); }
        // A network virtual appliance: a router, or a speaker without an Azure role, with
        // a NIC in a VNet; it forwards what its own table does not send over a link into
        // the VNet.
        [[nodiscard]] bool appliance() const noexcept {
            return vnet && (kind == NodeKind::router || (kind == NodeKind::speaker && role == Role::none));
        }
        // A Route Server: in its VNet's control plane only, never on a packet's path.
        [[nodiscard]] bool route_server() const noexcept { return kind == NodeKind::speaker && vnet && role == Role::route_server; }
        [[nodiscard]] bool express_route() const noexcept { return role == Role::er_gateway; }
    };
    struct End {
        std::size_t node = 0;
        std::size_t interface = 0;
    };
    struct Link {
        std::string name;
        End ends[2];
        double delay_ms = 0;
        bool up = true;
    };
    struct Peering {
        std::size_t vnet = 0;
        bool allow_gateway_transit = false;
        bool use_remote_gateways = false;
    };
    struct Vnet {
        std::string name;
        std::vector<bgp::Prefix> address_spaces;
        std::vector<Peering> peerings;
        std::vector<std::size_t> hosts;
        std::vector<std::size_t> gateways;
        std::vector<std::size_t> appliances;
        std::vector<std::size_t> route_servers;
        std::vector<std::size_t> serving;  // TopologyConfig::serving_vnets, as indices
        std::optional<std::size_t> route_table;          // its workload subnets'
        std::optional<std::size_t> gateway_route_table;  // its GatewaySubnet's
        // A Route Server of it allows branch-to-branch traffic, with this preference.
        bool branch_to_branch = false;
        RoutingPreference routing_preference = RoutingPreference::express_route;
    };

    // Builds the network; references in `topology` that do not resolve are skipped (the
    // config validation reports them before a Network is built).
    explicit Network(const TopologyConfig& topology);

    [[nodiscard]] const std::vector<Node>& nodes() const noexcept { return nodes_; }
    [[nodiscard]] const std::vector<Link>& links() const noexcept { return links_; }
    [[nodiscard]] const std::vector<Vnet>& vnets() const noexcept { return vnets_; }
    [[nodiscard]] const std::vector<RouteTableConfig>& route_tables() const noexcept { return route_tables_; }
    [[nodiscard]] std::optional<std::size_t> find_node(std::string_view name) const;
    [[nodiscard]] std::optional<std::size_t> find_vnet(std::string_view name) const;
    [[nodiscard]] std::optional<std::size_t> find_link(std::string_view name) const;
    // The links between two nodes, either way round.
    [[nodiscard]] std::vector<std::size_t> links_between(std::size_t a, std::size_t b) const;
    // The node owning an emulated address (an interface, a host's or a gateway's VNet address).
    [[nodiscard]] std::optional<std::size_t> owner_of(const bgp::IpAddress& address) const;
    // The site a node belongs to: its own `site`, else (a host, a LAN router) the site of
    // its default gateway, else of the nodes linked to it; empty when none says.
    [[nodiscard]] std::string site_of(std::size_t node) const;

    // A link's state. Returns false when it already was so.
    bool set_link_up(std::size_t link, bool up);
    // Whether the interface has a link up (an interface without links is always up).
    [[nodiscard]] bool interface_up(std::size_t node, std::size_t interface) const;
    // Brings `fib`'s connected routes in line with the node's interfaces and the state of
    // their links: a down interface has none; a point-to-point far end outside the
    // interface's subnet gets a host route.
    void program(std::size_t node, rib::Fib& fib) const;
    // An external router's FIB as far as we can tell: its interfaces and static routes
    // from the file, and per prefix the route it most likely chose of those `advertised`
    // to it (doc/guide/external-routers.md). Sources read "inferred: ...".
    void build_external_fib(std::size_t node, rib::Fib& fib, const std::vector<AdvertisedRoute>& advertised) const;
    // The forwarding table of a router or host (connected and static routes), which the
    // Network keeps itself; null for speakers, external routers and VNet hosts.
    [[nodiscard]] const rib::Fib* static_fib(std::size_t node) const;

    // A VNet's effective routes for a subnet with route table `table` (none: the
    // system and gateway routes alone), sorted by prefix (system routes first for equal
    // ones). Of one prefix a user-defined route wins over a gateway's, which wins over
    // a system route; a gateway's route inside the VNet's or a peer's space never does.
    [[nodiscard]] std::vector<EffectiveRoute> effective_routes(std::size_t vnet, const RoutingState& state,
                                                               std::optional<std::size_t> table = std::nullopt) const;
    // The route table of the subnet `node` sits in (its own, else its VNet's).
    [[nodiscard]] std::optional<std::size_t> route_table_of(std::size_t node) const;
    // The VNets whose gateways and Route Servers serve `vnet`: itself and, through
    // gateway transit, its hubs.
    [[nodiscard]] const std::vector<std::size_t>& serving_vnets(std::size_t vnet) const;
    // The gateways a VNet's route table sends to: those of its serving VNets.
    [[nodiscard]] std::vector<std::size_t> gateways_of(std::size_t vnet) const;

    // Where a probe from `name` starts: a host (its address), a VNet (its first host) or
    // a node (its first interface address, or `source` when given and owned by it); with
    // `family`, the first address of that family.
    [[nodiscard]] std::optional<ProbeSource> probe_source(std::string_view name, std::optional<bgp::IpAddress> source,
                                                          std::string& error, std::optional<bgp::Afi> family = std::nullopt) const;
    // A destination: an address, or the name of a host (its address), a node, or a VNet
    // (its first host); with `family`, the first address of that family.
    [[nodiscard]] std::optional<bgp::IpAddress> destination(std::string_view text, std::string& error,
                                                            std::optional<bgp::Afi> family = std::nullopt) const;

    [[nodiscard]] std::vector<TracePath> trace(const RoutingState& state, const ProbeSource& from,
                                               const bgp::IpAddress& destination, bool all_paths) const;
    // `cache`: shared by the pings of one moment (checks, matrices); none: the ping's own.
    [[nodiscard]] PingResult ping(const RoutingState& state, const ProbeSource& from, const bgp::IpAddress& destination,
                                  WalkCache* cache = nullptr) const;

private:
    friend class Walker;
    void build_static_fibs();

    std::vector<Node> nodes_;
    std::vector<Link> links_;
    std::vector<Vnet> vnets_;
    // By name: the checks look every node of every walk up (a thousand hosts, a million walks).
    std::map<std::string, std::size_t, std::less<>> node_index_;
    std::vector<RouteTableConfig> route_tables_;
    std::vector<std::unique_ptr<rib::Fib>> static_fibs_;  // by node; null for speakers
    std::vector<std::vector<rib::StaticRouteConfig>> static_routes_;
    std::vector<std::vector<std::string>> prefer_;
};

}  // namespace bgpemu::dataplane
