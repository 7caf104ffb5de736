// The daemon's configuration file (YAML): parsing and validation.
//
// Every problem is reported, not only the first, each with the file, line and column
// and what was expected, before anything starts. The schema is documented in the README
// ("Configuration").
#pragma once

#include <string>
#include <vector>

#include "bgp/speaker_config.hpp"
#include "dataplane/topology.hpp"

namespace bgpemu::daemon {

struct ConfigError {
    std::string file;
    unsigned line = 0;    // 1-based; 0 when the error is about the file as a whole
    unsigned column = 0;  // 1-based
    std::string message;

    [[nodiscard]] std::string to_string() const;
};

struct DaemonConfig {
    std::vector<bgp::SpeakerConfig> speakers;
    // Every node (speakers included), link and VNet, for the emulated data plane.
    dataplane::TopologyConfig topology;
};

struct LoadedConfig {
    DaemonConfig config;
    std::vector<ConfigError> errors;  // empty when the config may be used
    [[nodiscard]] bool ok() const noexcept { return errors.empty(); }
};

// `file` names the source in error messages.
[[nodiscard]] LoadedConfig parse_config(const std::string& yaml_text, const std::string& file);
[[nodiscard]] LoadedConfig load_config_file(const std::string& path);

}  // namespace bgpemu::daemon
