// The readers of the configuration file's sections, which parse_config (config.cpp)
// calls in this order: `daemon` (daemon_section.cpp), `policy` (policy_section.cpp),
// `vnets`, `speakers` (speaker_section.cpp, each with its neighbours:
// neighbor_section.cpp), then the data plane (topology_config.hpp). Each reads its keys
// with one `{key, reader}` table (config_reader.hpp).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "bgp/speaker/speaker_config.hpp"
#include "daemon/azure/roles.hpp"
#include "daemon/config/config.hpp"
#include "daemon/config/config_reader.hpp"
#include "rib/policy.hpp"

namespace bgpemu::daemon::detail {

inline constexpr std::uint64_t max_asn = 4294967295ULL;

// ---- daemon_section.cpp ----
void read_daemon_settings(Reader& reader, const YAML::Node& node, DaemonSettings& settings);

// ---- mrt_section.cpp ----
// After the speakers: `speakers` names them.
void read_mrt_settings(Reader& reader, const YAML::Node& node, const DaemonConfig& config, MrtSettings& mrt);
// A section's `speakers:` list (mrt's, a bmp station's): read, then each name checked
// against the speakers read, with an error at the name that matches none.
void read_speaker_names(Reader& reader, const YAML::Node& list, std::string_view what, std::vector<std::string>& names);
void check_speaker_names(Reader& reader, const YAML::Node& list, const std::vector<std::string>& names,
                         const DaemonConfig& config, std::string_view what);

// ---- bmp_section.cpp ----
// After the speakers: `speakers` names them, and a station watching a speaker's
// pre-policy routes turns on its neighbours' soft reconfiguration inbound.
void read_bmp_settings(Reader& reader, const YAML::Node& node, DaemonConfig& config);

// ---- policy_section.cpp ----
// A `policy:` block (the file's, or a speaker's own): lists first, so route maps (read
// last) can refer to any of them.
void read_policy(Reader& reader, const YAML::Node& node, rib::PolicySet& set);

// The policy object named by `node` (a string), or null with an error when `set` has
// none: "WHERE: KIND 'NAME' is not defined".
template <typename T>
const T* resolve(Reader& reader, const YAML::Node& node, const std::string& where, std::string_view kind,
                 const T* (rib::PolicySet::*lookup)(std::string_view) const, const rib::PolicySet& set) {
    auto name = reader.string(node, where);
    if (!name) return nullptr;
    const T* found = (set.*lookup)(*name);
    if (!found) reader.error(node, where + ": " + std::string(kind) + " '" + *name + "' is not defined");
    return found;
}
inline const rib::RouteMap* resolve_route_map(Reader& reader, const YAML::Node& node, const std::string& where,
                                              const rib::PolicySet& set) {
    return resolve(reader, node, where, "route map", &rib::PolicySet::route_map, set);
}
inline const rib::PrefixList* resolve_prefix_list(Reader& reader, const YAML::Node& node, const std::string& where,
                                                  const rib::PolicySet& set) {
    return resolve(reader, node, where, "prefix list", &rib::PolicySet::prefix_list, set);
}

// ---- speaker_section.cpp, neighbor_section.cpp ----
// What reading the speakers needs from the whole file, and collects for the checks
// across speakers.
struct SpeakersRead {
    // The role of each speaker in the file, by name: a neighbour's defaults depend on its
    // peer's role (read before the speakers, so order in the file does not matter).
    std::map<std::string, Role, std::less<>> roles;
    std::shared_ptr<const rib::PolicySet> global_policy;
    // (speaker, neighbour) pairs whose `connect_delay` the file sets: the daemon's own
    // delay (delay_colliding_connects) leaves them as they are.
    std::set<std::pair<std::string, std::string>> explicit_connect_delays;
};

// One entry of `speakers`: added to config.speakers and config.topology when complete.
void read_speaker(Reader& reader, const YAML::Node& node, SpeakersRead& speakers, DaemonConfig& config);
// One entry of a speaker's `neighbors` (after its policy, networks and role presets):
// added to speaker.neighbors when complete.
void read_neighbor(Reader& reader, const YAML::Node& node, const AzureRole& azure, SpeakersRead& speakers,
                   bgp::SpeakerConfig& speaker);

// ---- local_sessions.cpp ----
// Sessions between two speakers of this file: gives the end that would lose a connection
// collision a connect delay, unless the file sets its `connect_delay`.
void delay_colliding_connects(DaemonConfig& config, const SpeakersRead& speakers);

}  // namespace bgpemu::daemon::detail
