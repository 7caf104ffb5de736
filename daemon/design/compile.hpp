// A design compiled into the router-level file daemon/config reads: one speaker per
// CE, MSEE and gateway (with its role, so the role presets apply), the LAN routers,
// hosts and VMs, the VNets and every link. Each session of the design is one
// statement there, of which both ends are derived here; transport addresses come
// from the design's pools and the Azure-internal link addresses from its internal
// pool (they never show in a trace). Each node's `router_level` keys are merged over
// what it compiles to, and the router-level sections of the design file are kept.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "daemon/config/config_reader.hpp"
#include "daemon/design/design.hpp"

namespace bgpemu::daemon::design {

// The sessions, links and addresses every compiled output shares, also what the FRR
// and BIRD configurations of an external CE are written from (router_configs.hpp).
struct PlannedNeighbor {
    std::string name;       // the node at the other end
    IpAddress address;      // its transport address
    std::uint32_t asn = 0;
    std::string description;
    IpAddress next_hop;     // this end's emulated address on the link the session runs over
    // Dual stack: this end's IPv6 address on that link; the session carries IPv6 too.
    // Without it, the session carries the family of `next_hop` alone.
    std::optional<IpAddress> next_hop_v6;
    bool multihop = false;  // over a tunnel
    bool no_link = false;   // inside a VNet: no emulated link says the next hop, so it is written
    bool prefer = false;    // the site's "prefer ExpressRoute": local-preference 200 in
    bool only_lan = false;  // the site's "advertise only our LAN": the prefix list out
    bool ibgp_next_hop_self = false;
    std::uint32_t weight = 0;  // the connection's routing weight, at a gateway
    std::string password;
};

struct CompiledDesign {
    YAML::Node root;  // the router-level file
    // Each node's name and where the design wrote it: an error the router-level reader
    // finds in a compiled node is reported there.
    std::vector<std::pair<std::string, YAML::Mark>> origins;
    // By node name: its transport address and its sessions.
    std::map<std::string, IpAddress> transport;
    std::map<std::string, std::uint32_t> router_ids;  // an external CE's too
    std::map<std::string, std::vector<PlannedNeighbor>> sessions;
};

// Errors (an exhausted pool) are reported through `reader` at the design's positions.
[[nodiscard]] CompiledDesign compile_design(detail::Reader& reader, const Design& design, const YAML::Node& root);

// `overlay` merged into `base`: maps key by key, lists of named entries by name (new
// names appended), anything else replaced.
void merge_router_level(YAML::Node base, const YAML::Node& overlay);

}  // namespace bgpemu::daemon::design
