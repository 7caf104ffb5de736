// The configuration of a real router that plays a CE of a design (`external: true`):
// FRR's bgpd or BIRD 2, peering with the emulated speakers as the design says (their
// transport addresses and ASNs, the site's intent as route maps or filters, TCP-MD5
// when the circuit has a shared key, the emulated link address as the next hop it
// sends), so a user goes from the design to a running router in one step.
#pragma once

#include <string>

#include "daemon/design/compile.hpp"
#include "daemon/design/design.hpp"

namespace bgpemu::daemon::design {

enum class RouterSoftware { frr, bird };

struct RouterConfig {
    std::string text;
    std::string error;  // set when `ce` is not a CE of the design
};

// `source` names the design file in the configuration's header.
[[nodiscard]] RouterConfig router_config(const Design& design, const CompiledDesign& compiled, const std::string& ce,
                                         RouterSoftware software, const std::string& source);

}  // namespace bgpemu::daemon::design
