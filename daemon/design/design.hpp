// A design file: a topology written in Azure's resources (virtual networks with their
// gateways and peerings, ExpressRoute circuits, connections) and on-premises sites,
// as read from YAML. compile.hpp turns it into the router-level file that
// daemon/config reads; doc/guide/designs.md describes the keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "bgp/wire/ip.hpp"
#include "daemon/config/config_reader.hpp"

namespace bgpemu::daemon::design {

using bgp::IpAddress;
using bgp::Prefix;

// What every node of the design shares: where it was written (errors about what it
// compiles to point there), its transport address if the file fixes it, and the
// router-level keys merged over what it compiles to (`router_level:`).
struct NodeDesign {
    std::string name;
    YAML::Mark mark;
    std::optional<IpAddress> listen;
    YAML::Node router_level;
};

struct ErGatewayDesign : NodeDesign {
    std::vector<IpAddress> instance_addresses;  // VNet-side; the first is its router id
    std::optional<bool> allow_remote_vnet_traffic;  // allowRemoteVnetTraffic; unset: the role's default
};

// A VPN gateway; active-active, its two instances are two speakers, each with its own
// BGP address, tunnel and session to every peer ("About active-active mode VPN gateways").
struct VpnGatewayDesign : NodeDesign {
    std::uint32_t asn = 65515;
    bool active_active = false;
    // One per instance (`bgp_peering_address`, or two `bgp_peering_addresses` when
    // active-active): the instance's router id; its tunnels end here.
    std::vector<IpAddress> bgp_peering_addresses;
    std::vector<IpAddress> instance_addresses;  // VNet-side; active-active: one per instance

    struct Instance {
        std::string name;  // the gateway's, or NAME-instance0 and NAME-instance1
        IpAddress bgp_peering_address;
        std::vector<IpAddress> vnet_addresses;
    };
    [[nodiscard]] std::vector<Instance> instances() const;
};

// A VM; with `ip_forwarding` a network virtual appliance, and with an `asn` too one
// that speaks BGP (with a Route Server): a speaker. `listen` and `router_level` are for
// that speaker.
struct VmDesign : NodeDesign {
    IpAddress address;
    std::string route_table;     // its subnet's; empty: the VNet's
    bool ip_forwarding = false;  // Azure's enableIPForwarding: a network virtual appliance
    std::optional<std::uint32_t> asn;
    std::vector<Prefix> advertise;
};

// Azure Route Server in a VNet: one speaker per address (Azure gives it two), each
// peering with every NVA named in `peers` ("What is Azure Route Server?").
struct RouteServerDesign : NodeDesign {
    std::vector<IpAddress> addresses;
    std::vector<std::string> peers;  // VMs of the VNet with an `asn`
    YAML::Mark peers_mark;
    bool branch_to_branch = false;       // allowBranchToBranchTraffic
    std::string routing_preference;      // hubRoutingPreference, as written; empty: the default
    struct Instance {
        std::string name;  // the Route Server's, or NAME-instance0, NAME-instance1, ...
        IpAddress address;
    };
    [[nodiscard]] std::vector<Instance> instances() const;
};

struct VnetDesign {
    std::string name;
    YAML::Mark mark;
    std::vector<Prefix> address_spaces;
    YAML::Node peerings;  // passed to the router-level `vnets` as written
    // location, bgp_community, regional_community, route_table, gateway_route_table:
    // passed on to the router-level VNet as written, read there.
    YAML::Node as_written{YAML::NodeType::Map};
    std::optional<ErGatewayDesign> er_gateway;
    std::optional<VpnGatewayDesign> vpn_gateway;
    std::optional<RouteServerDesign> route_server;
    std::vector<VmDesign> vms;
};

enum class CircuitLink { primary, secondary };

struct CircuitDesign {
    std::string name;
    YAML::Mark mark;
    // primaryPeerAddressPrefix / secondaryPeerAddressPrefix: one /30 per link; the
    // customer takes the first usable address, Microsoft the second.
    Prefix link_prefixes[2];
    YAML::Mark link_marks[2];
    // The private peering's ipv6PeeringConfig (dual stack): a /126 per link, the same way
    // round; both links' sessions then carry IPv6 too.
    std::optional<Prefix> ipv6_link_prefixes[2];
    YAML::Mark ipv6_mark;
    [[nodiscard]] bool dual_stack() const { return ipv6_link_prefixes[0].has_value(); }
    bool premium = false;
    std::string shared_key;    // the private peering's MD5 key; empty: none
    NodeDesign msees[2];        // names default to CIRCUIT-msee1, CIRCUIT-msee2
};

enum class ConnectionType { expressroute, ipsec, vnet2vnet };

// A Microsoft.Network/connections resource: a VNet's gateway to a circuit
// (expressroute), to a site's CE playing the local network gateway (ipsec), or to
// another VNet's VPN gateway (vnet2vnet).
struct ConnectionDesign {
    std::string name;
    YAML::Mark mark;
    ConnectionType type = ConnectionType::expressroute;
    std::string vnet;
    std::string circuit;      // expressroute
    std::string ce;           // ipsec
    std::string remote_vnet;  // vnet2vnet
    std::uint32_t routing_weight = 0;
    bool enable_bgp = true;
    double delay_ms = 1;
    bool shutdown = false;
};

// ExpressRoute Global Reach between two circuits' private peerings: their MSEEs
// exchange the on-premises routes directly, each with each, over the four /31s of
// `address_prefix` (the /29 Azure asks for).
struct GlobalReachDesign {
    std::string name;
    YAML::Mark mark;
    std::string circuits[2];
    Prefix address_prefix;
    YAML::Mark prefix_mark;
    double delay_ms = 1;
};

// One CE's ExpressRoute link: which circuit and which of its two links.
struct CeCircuitLink {
    std::string circuit;
    CircuitLink link = CircuitLink::primary;
    YAML::Mark mark;
    double delay_ms = 1;
    bool shutdown = false;
};

struct CeDesign : NodeDesign {
    std::optional<std::uint32_t> router_id;
    std::optional<Prefix> lan_link;          // the /31 toward the LAN router: CE first, router second
    std::optional<IpAddress> lan_address;    // without a LAN router: the CE's address on the LAN
    std::vector<CeCircuitLink> expressroute;
    std::optional<IpAddress> bgp_peering_address;  // the local network gateway's, over IPsec
    std::optional<IpAddress> tunnel_address;       // its end of its tunnels; default bgp_peering_address
    [[nodiscard]] std::optional<IpAddress> tunnel_end() const { return tunnel_address ? tunnel_address : bgp_peering_address; }
    bool external = false;                   // a real router plays it
};

struct LanRouterDesign {
    std::string name;
    YAML::Mark mark;
    IpAddress address;                       // on the first LAN prefix that holds it
    std::vector<std::string> default_via;    // CE names; empty: every CE
};

struct HostDesign {
    std::string name;
    YAML::Mark mark;
    IpAddress address;
};

struct SiteDesign {
    std::string name;
    YAML::Mark mark;
    std::uint32_t asn = 0;
    YAML::Mark asn_mark;
    std::vector<Prefix> lan_prefixes;
    std::vector<Prefix> advertise;           // defaults to lan_prefixes
    bool prefer_expressroute = false;        // the documented local-preference 200 route map
    bool advertise_only_lan = true;          // the documented outbound prefix list
    bool ibgp = false;                       // the CEs peer with each other over iBGP
    std::optional<Prefix> transport_pool;
    std::optional<Prefix> link_pool;
    std::optional<LanRouterDesign> lan_router;
    std::vector<HostDesign> hosts;
    std::vector<CeDesign> ces;
};

struct Design {
    std::string file;
    Prefix transport_pool = *Prefix::parse("127.65.0.0/16");
    std::uint16_t port = 179;
    Prefix internal_pool = *Prefix::parse("169.254.0.0/16");  // Azure hides these
    // The IPv6 side of a dual-stack MSEE-gateway link: a unique local prefix (RFC 4193).
    Prefix internal_pool_v6 = *Prefix::parse("fd00:12:76::/64");
    std::vector<VnetDesign> vnets;
    std::vector<CircuitDesign> circuits;
    std::vector<ConnectionDesign> connections;
    std::vector<GlobalReachDesign> global_reach;
    std::vector<SiteDesign> sites;
};

// The top-level keys only a design file has; the rest are the router-level file's,
// which a design may mix in.
[[nodiscard]] bool is_design(const YAML::Node& root);

// Reads the design's keys of `root` (every error with its position, through `reader`)
// and checks them against each other in Azure's terms.
[[nodiscard]] Design read_design(detail::Reader& reader, const YAML::Node& root, const std::string& file);

// ---- address arithmetic (design.cpp) ----
// `base` plus `offset` (IPv4 or IPv6, wrapping within the family).
[[nodiscard]] IpAddress address_plus(const IpAddress& base, std::uint64_t offset);
// "ADDRESS/LENGTH", the form of an interface address.
[[nodiscard]] std::string with_length(const IpAddress& address, unsigned length);

}  // namespace bgpemu::daemon::design
