// The daemon's configuration file (YAML): parsing and validation.
//
// Every problem is reported, not only the first, each with the file, line and column
// and what was expected, before anything starts. The schema is documented in
// doc/reference/configuration.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "bgp/speaker/speaker_config.hpp"
#include "daemon/archive/mrt_settings.hpp"
#include "daemon/bmp/bmp_settings.hpp"
#include "dataplane/topology.hpp"

namespace bgpemu::daemon {

struct ConfigError {
    std::string file;
    unsigned line = 0;    // 1-based; 0 when the error is about the file as a whole
    unsigned column = 0;  // 1-based
    std::string message;

    [[nodiscard]] std::string to_string() const;
};

// The `daemon:` section: the process itself rather than the topology. Every limit has
// its default here and in doc/reference/configuration.md ("daemon"), and why in
// doc/developer/robustness.md ("Limits").
// `daemon: http:`: the HTTP server (daemon/http) with the API, the web view and the
// Prometheus metrics. Off without `listen`.
struct HttpSettings {
    std::optional<bgp::TransportEndpoint> listen;
    // Anything but a loopback address needs this: the API has no TLS.
    bool allow_remote = false;
    // POST (every command that changes state) is refused unless this is set, and then
    // needs `Authorization: Bearer` with the token: the first line of `token_file`.
    bool allow_changes = false;
    std::string token_file;
    std::string token;
    std::size_t clients = 32;
    std::size_t request_bytes = 64 * 1024;
    std::chrono::seconds idle_timeout{60};
    bool operator==(const HttpSettings&) const = default;
};

// Reads the bearer token (the first line of `path`, at least 16 characters) into `http`;
// the error, without the key's name, when it cannot.
[[nodiscard]] std::optional<std::string> read_http_token(const std::string& path, HttpSettings& http);

struct DaemonSettings {
    // Started as root: after binding every listener and the admin socket, become this
    // user (and `group`, default the user's primary group), keeping only
    // CAP_NET_BIND_SERVICE. Empty: stay as started.
    std::string user;
    std::string group;
    // Admin socket: clients served at once (one more is answered with an error and
    // closed), the longest request line, and how long a client may stay silent.
    std::size_t admin_clients = 16;
    std::size_t admin_request_bytes = 64 * 1024;
    std::chrono::seconds admin_idle_timeout{300};
    // Every BGP session's buffers (bgp::SessionConfig): the reader's, and the UPDATE
    // bytes the writer pulls per write. Sessions started after a reload get new values.
    std::size_t session_read_bytes = 256 * 1024;
    std::size_t session_update_batch_bytes = 256 * 1024;
    HttpSettings http;
};

struct DaemonConfig {
    DaemonSettings daemon;
    MrtSettings mrt;
    BmpSettings bmp;
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
// The same from a parsed document: a design compiled into the router-level form
// (daemon/design) comes this way, its nodes keeping the positions of the design's.
[[nodiscard]] LoadedConfig parse_config(const YAML::Node& root, const std::string& file);
[[nodiscard]] LoadedConfig load_config_file(const std::string& path);

// A daemon per site (`bgpemud --site NAME`): keeps the speakers whose `site` is `site`
// and turns the others into external routers of the topology (see
// doc/guide/sites.md). Returns why not when no speaker has that site.
[[nodiscard]] std::optional<std::string> keep_site(DaemonConfig& config, const std::string& site);

}  // namespace bgpemu::daemon
