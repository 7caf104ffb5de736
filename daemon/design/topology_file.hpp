// A topology file of either form: a design (Azure resources and sites, design.hpp) is
// compiled into the router-level form first; a router-level file is read as it is.
// What bgpemud loads, reloads, checks and expands.
#pragma once

#include <string>
#include <vector>

#include "daemon/config/config.hpp"

namespace bgpemu::daemon::design {

[[nodiscard]] LoadedConfig parse_topology(const std::string& yaml_text, const std::string& file);
[[nodiscard]] LoadedConfig load_topology_file(const std::string& path);

// `bgpemud --expand`: the router-level file a design compiles to (a router-level file
// comes back as it was read), or the errors that stop it.
struct Expanded {
    std::string text;
    std::vector<ConfigError> errors;
};
[[nodiscard]] Expanded expand_topology_file(const std::string& path);

// `bgpemud --frr-config NODE` / `--bird-config NODE`: the configuration of the real
// router that plays the design's CE `node`.
[[nodiscard]] Expanded router_config_file(const std::string& path, const std::string& node, bool bird);

// The file's text, or "cannot open the file" in `errors`.
[[nodiscard]] std::string read_file_text(const std::string& path, std::vector<ConfigError>& errors);

}  // namespace bgpemu::daemon::design
