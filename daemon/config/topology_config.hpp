// The data-plane half of the configuration file: routers and hosts that forward but
// speak no BGP, VNets and their peerings, links between interfaces, the hop model
// overrides (topology_config.cpp); and the cross-checks that need the whole file
// (topology_checks.cpp: references, duplicate addresses, the two ends of a session
// agreeing on ASNs, which link a session runs over).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "daemon/config/config.hpp"
#include "daemon/config/config_reader.hpp"
#include "dataplane/topology.hpp"

namespace bgpemu::daemon::detail {

// One entry of an `interfaces` list; its optional `hop:` goes to `hops`.
void read_interface(Reader& reader, const YAML::Node& node, std::vector<rib::InterfaceConfig>& interfaces,
                    std::map<std::string, dataplane::HopBehaviour>& hops);
// One entry of a `static_routes` list.
void read_static_route(Reader& reader, const YAML::Node& node, std::vector<rib::StaticRouteConfig>& routes);
// A hop behaviour (`hop`, `vnet_hop`): answer, silent, transparent or stages joined by '+'.
[[nodiscard]] std::optional<dataplane::HopBehaviour> read_hop(Reader& reader, const YAML::Node& node, const std::string& what);
// `prefer`: the neighbours a node favours, most preferred first.
void read_prefer(Reader& reader, const YAML::Node& list, dataplane::NodeConfig& node);

// The top-level lists: `vnets` (read before the speakers: a gateway's networks derive
// from them), then after the speakers `routers`, `hosts`, `externals` and `links`.
void read_vnets(Reader& reader, const YAML::Node& list, dataplane::TopologyConfig& topology);
// `route_tables`: Azure's route tables of user-defined routes, which VNets, hosts and
// appliances name.
void read_route_tables(Reader& reader, const YAML::Node& list, dataplane::TopologyConfig& topology);
void read_routers(Reader& reader, const YAML::Node& list, dataplane::TopologyConfig& topology);
void read_hosts(Reader& reader, const YAML::Node& list, dataplane::TopologyConfig& topology);
void read_externals(Reader& reader, const YAML::Node& list, dataplane::TopologyConfig& topology);
void read_links(Reader& reader, const YAML::Node& list, dataplane::TopologyConfig& topology);
// Whether `address` is inside `prefix`.
[[nodiscard]] inline bool contains(const Prefix& prefix, const IpAddress& address) {
    return prefix.afi() == address.afi() && Prefix::make(address, prefix.length()) == prefix;
}

// The checks across the whole file, once every list is read (topology_checks.cpp). Fills
// each neighbour's `link` (and its emulated next hop).
void check_topology(Reader& reader, const YAML::Node& root, DaemonConfig& config);

}  // namespace bgpemu::daemon::detail
