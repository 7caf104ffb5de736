// `bgpemu-import-azure`: a deployment's Azure resources, as `az` or the REST API return
// them (azure_resources.hpp), become a design file (daemon/design). What Azure holds is
// carried over; what it does not (the on-premises CEs, their sites, hosts for traces)
// is derived and marked so in the output; an overlay (a design-file fragment the user
// writes) merges CEs, names LANs and adds what else the site has.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bgpemu::daemon::import {

struct ImportRequest {
    std::vector<std::string> files;      // JSON
    std::vector<std::pair<std::string, std::string>> texts;  // (name, JSON) held by the caller, read after `files`
    std::optional<std::string> overlay;  // a design-file fragment (YAML)
    // Derived sites without the documented CE policy (prefer ExpressRoute over VPN,
    // advertise only the site's own prefixes).
    bool plain_sites = false;
    std::string output_name = "imported design";  // how compile errors name the output
};

struct ImportResult {
    std::string design;               // the design file; empty when `errors` holds any
    std::vector<std::string> errors;  // each names its file, JSON path and resource
    std::vector<std::string> notes;   // what was left out, and why (also in the design's header)
};

[[nodiscard]] ImportResult import_azure(const ImportRequest& request);

}  // namespace bgpemu::daemon::import
