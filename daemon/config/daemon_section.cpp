// The `daemon:` section: the process itself rather than the topology (privileges, the
// admin socket's limits, every session's buffers).
#include "daemon/config/sections.hpp"

namespace bgpemu::daemon::detail {

namespace {

template <std::size_t DaemonSettings::*member>
void read_size(Reader& reader, const YAML::Node& value, DaemonSettings& settings, const char* key, std::uint64_t min,
               std::uint64_t max) {
    if (auto number = reader.unsigned_integer(value, key, min, max)) settings.*member = *number;
}

constexpr Key<DaemonSettings> daemon_keys[] = {
    {"user", [](Reader& r, const YAML::Node& v, DaemonSettings& s) { s.user = r.string(v, "daemon user").value_or(""); }},
    {"group", [](Reader& r, const YAML::Node& v, DaemonSettings& s) { s.group = r.string(v, "daemon group").value_or(""); }},
    {"admin_clients",
     [](Reader& r, const YAML::Node& v, DaemonSettings& s) {
         read_size<&DaemonSettings::admin_clients>(r, v, s, "admin_clients", 1, 10000);
     }},
    {"admin_request_bytes",
     [](Reader& r, const YAML::Node& v, DaemonSettings& s) {
         read_size<&DaemonSettings::admin_request_bytes>(r, v, s, "admin_request_bytes", 1024, 64ULL * 1024 * 1024);
     }},
    {"admin_idle_timeout",
     [](Reader& r, const YAML::Node& v, DaemonSettings& s) {
         if (auto value = r.unsigned_integer(v, "admin_idle_timeout", 1, 86400))
             s.admin_idle_timeout = std::chrono::seconds(*value);
     }},
    // The reader must hold a whole header at least; 16 MiB is far past any use.
    {"session_read_bytes",
     [](Reader& r, const YAML::Node& v, DaemonSettings& s) {
         read_size<&DaemonSettings::session_read_bytes>(r, v, s, "session_read_bytes", 4096, 16ULL * 1024 * 1024);
     }},
    {"session_update_batch_bytes",
     [](Reader& r, const YAML::Node& v, DaemonSettings& s) {
         read_size<&DaemonSettings::session_update_batch_bytes>(r, v, s, "session_update_batch_bytes", 4096,
                                                                16ULL * 1024 * 1024);
     }},
};

}  // namespace

void read_daemon_settings(Reader& reader, const YAML::Node& node, DaemonSettings& settings) {
    if (!reader.is_map(node, "'daemon'")) return;
    read_section(reader, node, daemon_keys, "'daemon'", settings);
    if (!settings.group.empty() && settings.user.empty())
        reader.error(node["group"], "'group' needs a 'user' (privileges are dropped only to a user)");
}

}  // namespace bgpemu::daemon::detail
