// The `bmp:` section: the monitoring stations the speakers report to (RFC 7854).
#include <algorithm>

#include "daemon/config/sections.hpp"

namespace bgpemu::daemon::detail {

namespace {

// `monitor:`'s names, each with the table it turns on.
struct MonitoredTable {
    const char* name;
    bool BmpStation::*flag;
};
constexpr MonitoredTable monitored_tables[] = {
    {"pre-policy", &BmpStation::pre_policy},
    {"post-policy", &BmpStation::post_policy},
    {"loc-rib", &BmpStation::loc_rib},
    {"adj-rib-out", &BmpStation::adj_rib_out},
};

void read_monitor(Reader& reader, const YAML::Node& list, BmpStation& station) {
    if (!reader.is_list(list, "bmp monitor")) return;
    for (const auto& table : monitored_tables) station.*table.flag = false;
    for (const auto& item : list) {
        const auto name = reader.string(item, "bmp monitor");
        if (!name) continue;
        const auto* found = std::find_if(std::begin(monitored_tables), std::end(monitored_tables),
                                         [&](const MonitoredTable& table) { return *name == table.name; });
        if (found == std::end(monitored_tables)) {
            reader.error(item, "bmp monitor: '" + *name + "' is not a table (pre-policy, post-policy, loc-rib, adj-rib-out)");
            continue;
        }
        station.*found->flag = true;
    }
    if (list.size() == 0) reader.error(list, "bmp monitor: name at least one table");
}

constexpr Key<BmpStation> station_keys[] = {
    {"address",
     [](Reader& r, const YAML::Node& v, BmpStation& s) {
         if (auto address = r.address(v, "bmp address")) s.address = address->to_string();
     }},
    {"port",
     [](Reader& r, const YAML::Node& v, BmpStation& s) {
         if (auto n = r.unsigned_integer(v, "bmp port", 1, 65535)) s.port = static_cast<std::uint16_t>(*n);
     }},
    {"speakers",
     [](Reader& r, const YAML::Node& v, BmpStation& s) { read_speaker_names(r, v, "bmp speakers", s.speakers); }},
    {"monitor", [](Reader& r, const YAML::Node& v, BmpStation& s) { read_monitor(r, v, s); }},
    {"stats_interval_s",
     [](Reader& r, const YAML::Node& v, BmpStation& s) {
         if (auto n = r.unsigned_integer(v, "bmp stats_interval_s", 1, 86400)) s.stats_interval = std::chrono::seconds(*n);
     }},
    {"reconnect_s",
     [](Reader& r, const YAML::Node& v, BmpStation& s) {
         if (auto n = r.unsigned_integer(v, "bmp reconnect_s", 1, 3600)) s.reconnect_max = std::chrono::seconds(*n);
     }},
    {"queue_bytes",
     [](Reader& r, const YAML::Node& v, BmpStation& s) {
         if (auto n = r.unsigned_integer(v, "bmp queue_bytes", 65536, 4ULL * 1024 * 1024 * 1024)) s.queue_bytes = *n;
     }},
};

}  // namespace

void read_bmp_settings(Reader& reader, const YAML::Node& node, DaemonConfig& config) {
    if (!reader.is_list(node, "'bmp' (a list of monitoring stations)")) return;
    for (const auto& item : node) {
        if (!reader.is_map(item, "a bmp station")) continue;
        BmpStation station;
        read_section(reader, item, station_keys, "a bmp station", station);
        if (!item["address"]) reader.error(item, "a bmp station needs 'address' (where the station listens)");
        if (!item["port"]) reader.error(item, "a bmp station needs 'port' (BMP has no well-known port)");
        check_speaker_names(reader, item["speakers"], station.speakers, config, "bmp speakers");
        config.bmp.stations.push_back(std::move(station));
    }
    // A station that connects later gets each neighbour's pre-policy routes from memory.
    for (auto& speaker : config.speakers)
        if (config.bmp.pre_policy_of(speaker.name))
            for (auto& neighbor : speaker.neighbors) neighbor.soft_reconfiguration_inbound = true;
}

}  // namespace bgpemu::daemon::detail
