// The design's checks across its sections, in Azure's terms: what Azure would refuse
// (a circuit connected to a VNet without an ExpressRoute gateway, a reserved ASN, a
// peering that uses the remote gateways of a VNet that has none) and what cannot be one
// network (overlapping address spaces, two sites with one LAN prefix, names used
// twice). Each error is reported at the design's own line and column.
#pragma once

#include "daemon/config/config_reader.hpp"
#include "daemon/design/design.hpp"

namespace bgpemu::daemon::design {

void check_design(detail::Reader& reader, const Design& design);

// The design's lookups, shared by the checks and the compiler.
[[nodiscard]] const VnetDesign* find_vnet(const Design& design, std::string_view name);
[[nodiscard]] const CircuitDesign* find_circuit(const Design& design, std::string_view name);
struct CeOfSite {
    const SiteDesign* site = nullptr;
    const CeDesign* ce = nullptr;
};
[[nodiscard]] CeOfSite find_ce(const Design& design, std::string_view name);
// A peering's `use_remote_gateways` or `allow_gateway_transit`: false when absent or not
// a boolean (which the router-level reader reports).
[[nodiscard]] bool peering_flag(const YAML::Node& peering, const char* key);

}  // namespace bgpemu::daemon::design
