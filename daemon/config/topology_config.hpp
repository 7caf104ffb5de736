// The data-plane half of the configuration file: routers and hosts that forward but
// speak no BGP, VNets and their peerings, links between interfaces, the hop model
// overrides; and the cross-checks that need the whole file (references, duplicate
// addresses, the two ends of a session agreeing on ASNs, which link a session runs over).
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
// The speaker keys about the data plane: vnet, vnet_addresses, hop, vnet_hop, transit,
// source_check.
void read_speaker_dataplane(Reader& reader, const YAML::Node& speaker, dataplane::NodeConfig& node);
// The top-level `vnets` (read before the speakers: a gateway's networks derive from them).
void read_vnets(Reader& reader, const YAML::Node& root, DaemonConfig& config);
// What a gateway of `vnet` advertises by default: the VNet's address spaces and those of
// peered VNets that use its gateways.
[[nodiscard]] std::vector<Prefix> gateway_spaces(const dataplane::TopologyConfig& topology, const std::string& vnet);
// The top-level routers, hosts, vnets and links (after the speakers), then the checks
// across the whole file. Fills each neighbour's `link` (and its emulated next hop).
void read_topology(Reader& reader, const YAML::Node& root, DaemonConfig& config);

}  // namespace bgpemu::daemon::detail
