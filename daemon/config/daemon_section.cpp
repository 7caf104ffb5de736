// The `daemon:` section: the process itself rather than the topology (privileges, the
// admin socket's limits, every session's buffers).
#include <filesystem>
#include <fstream>

#include "daemon/config/sections.hpp"

namespace bgpemu::daemon::detail {

namespace {

template <std::size_t DaemonSettings::*member>
void read_size(Reader& reader, const YAML::Node& value, DaemonSettings& settings, const char* key, std::uint64_t min,
               std::uint64_t max) {
    if (auto number = reader.unsigned_integer(value, key, min, max)) settings.*member = *number;
}

// The token's file, relative to the config file's folder: read here so that a missing or
// empty one is an error at its key, before anything starts (and before privileges drop).
void read_token_file(Reader& reader, const YAML::Node& value, HttpSettings& http) {
    const auto name = reader.string(value, "http token_file");
    if (!name) return;
    std::filesystem::path path(*name);
    if (path.is_relative()) path = std::filesystem::path(reader.file()).parent_path() / path;
    if (auto error = read_http_token(path.string(), http)) reader.error(value, "http " + *error);
}

constexpr Key<HttpSettings> http_keys[] = {
    {"listen", [](Reader& r, const YAML::Node& v, HttpSettings& h) { h.listen = r.endpoint(v, "http listen", std::nullopt); }},
    {"allow_remote", [](Reader& r, const YAML::Node& v, HttpSettings& h) { h.allow_remote = r.boolean(v, "http allow_remote").value_or(false); }},
    {"allow_changes", [](Reader& r, const YAML::Node& v, HttpSettings& h) { h.allow_changes = r.boolean(v, "http allow_changes").value_or(false); }},
    {"token_file", read_token_file},
    {"clients",
     [](Reader& r, const YAML::Node& v, HttpSettings& h) {
         if (auto n = r.unsigned_integer(v, "http clients", 1, 10000)) h.clients = *n;
     }},
    {"request_bytes",
     [](Reader& r, const YAML::Node& v, HttpSettings& h) {
         if (auto n = r.unsigned_integer(v, "http request_bytes", 1024, 64ULL * 1024 * 1024)) h.request_bytes = *n;
     }},
    {"idle_timeout",
     [](Reader& r, const YAML::Node& v, HttpSettings& h) {
         if (auto n = r.unsigned_integer(v, "http idle_timeout", 1, 86400)) h.idle_timeout = std::chrono::seconds(*n);
     }},
};

void read_http_settings(Reader& reader, const YAML::Node& node, HttpSettings& http) {
    if (!reader.is_map(node, "'http'")) return;
    read_section(reader, node, http_keys, "'http'", http);
    if (!node["listen"]) reader.error(node, "'http' needs 'listen' (ADDRESS:PORT, e.g. 127.0.0.1:8179)");
    if (http.listen && !http.listen->address.is_loopback() && !http.allow_remote)
        reader.error(node["listen"], "http listen " + http.listen->address.to_string() +
                                         " is not a loopback address: the API has no TLS; set allow_remote: true to "
                                         "serve other hosts anyway");
    if (http.allow_changes && !node["token_file"])
        reader.error(node["allow_changes"], "'allow_changes: true' needs a 'token_file' (the bearer token changes must carry)");
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
    {"http", [](Reader& r, const YAML::Node& v, DaemonSettings& s) { read_http_settings(r, v, s.http); }},
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

namespace bgpemu::daemon {

std::optional<std::string> read_http_token(const std::string& path, HttpSettings& http) {
    std::ifstream in(path);
    std::string token;
    if (!in || !std::getline(in, token)) return "token_file '" + path + "' cannot be read";
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ' || token.back() == '\t')) token.pop_back();
    if (token.size() < 16) return "token_file '" + path + "': the token (its first line) must have at least 16 characters";
    http.token_file = path;
    http.token = std::move(token);
    return std::nullopt;
}

}  // namespace bgpemu::daemon
