// The file as a whole: YAML syntax, the top-level table, the checks across speakers,
// and what the `daemon:` section hands to every speaker. The sections themselves are
// read in sections.hpp's files and topology_config.cpp.
#include "daemon/config/config.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "daemon/config/config_reader.hpp"
#include "daemon/config/sections.hpp"
#include "daemon/config/topology_config.hpp"

namespace bgpemu::daemon {

std::string ConfigError::to_string() const {
    if (line == 0) return file + ": " + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {

using detail::Key;
using detail::Reader;

struct FileRead {
    DaemonConfig& config;
    detail::SpeakersRead speakers{};
};

void read_speakers(Reader& reader, const YAML::Node& list, FileRead& file) {
    if (!list.IsSequence()) return reader.error(list, "'speakers' must be a list");
    auto& config = file.config;
    for (const auto& item : list) {
        if (!item.IsMap() || !item["name"] || !item["name"].IsScalar() || !item["role"] || !item["role"].IsScalar())
            continue;
        if (const auto role = parse_role(item["role"].Scalar())) file.speakers.roles[item["name"].Scalar()] = *role;
    }
    std::map<std::string, YAML::Mark> names;
    std::map<std::string, std::string> listeners;
    for (const auto& item : list) {
        const auto before = config.speakers.size();
        detail::read_speaker(reader, item, file.speakers, config);
        if (config.speakers.size() == before) continue;
        const auto& added = config.speakers.back();
        if (!names.emplace(added.name, item.Mark()).second) reader.error(item, "duplicate speaker name '" + added.name + "'");
        const auto listen = added.listen.address.to_string() + ":" + std::to_string(added.listen.port);
        if (auto [it, inserted] = listeners.emplace(listen, added.name); !inserted)
            reader.error(item["listen"], "speakers '" + it->second + "' and '" + added.name + "' both listen on " + listen);
    }
}

// In the order they are read: the file's policy before the speakers that refer to it,
// the VNets before the gateways that derive their networks from them, the speakers
// before the data plane that links them.
constexpr Key<FileRead> file_keys[] = {
    {"daemon", [](Reader& r, const YAML::Node& v, FileRead& f) { detail::read_daemon_settings(r, v, f.config.daemon); }},
    {"policy",
     [](Reader& r, const YAML::Node& v, FileRead& f) {
         auto global = std::make_shared<rib::PolicySet>();
         detail::read_policy(r, v, *global);
         f.speakers.global_policy = std::move(global);
     }},
    {"vnets", [](Reader& r, const YAML::Node& v, FileRead& f) { detail::read_vnets(r, v, f.config.topology); }},
    {"route_tables", [](Reader& r, const YAML::Node& v, FileRead& f) { detail::read_route_tables(r, v, f.config.topology); }},
    {"speakers", read_speakers,
     [](Reader& r, const YAML::Node& root, FileRead&) { r.error(root, "missing 'speakers' (a list of speakers)"); }},
    {"routers", [](Reader& r, const YAML::Node& v, FileRead& f) { detail::read_routers(r, v, f.config.topology); }},
    {"hosts", [](Reader& r, const YAML::Node& v, FileRead& f) { detail::read_hosts(r, v, f.config.topology); }},
    {"externals", [](Reader& r, const YAML::Node& v, FileRead& f) { detail::read_externals(r, v, f.config.topology); }},
    {"links", [](Reader& r, const YAML::Node& v, FileRead& f) { detail::read_links(r, v, f.config.topology); }},
    {"mrt", [](Reader& r, const YAML::Node& v, FileRead& f) { detail::read_mrt_settings(r, v, f.config, f.config.mrt); }},
    {"bmp", [](Reader& r, const YAML::Node& v, FileRead& f) { detail::read_bmp_settings(r, v, f.config); }},
};

}  // namespace

LoadedConfig parse_config(const std::string& yaml_text, const std::string& file) {
    LoadedConfig loaded;
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        loaded.errors.push_back({file, static_cast<unsigned>(e.mark.line + 1), static_cast<unsigned>(e.mark.column + 1),
                                 "YAML syntax: " + e.msg});
        return loaded;
    }
    return parse_config(root, file);
}

LoadedConfig parse_config(const YAML::Node& root, const std::string& file) {
    LoadedConfig loaded;
    Reader reader(file);
    if (!root || root.IsNull()) {
        loaded.errors.push_back({file, 0, 0, "the file is empty (expected a mapping with 'speakers')"});
        return loaded;
    }
    if (!reader.is_map(root, "the top level")) {
        loaded.errors = reader.take_errors();
        return loaded;
    }
    FileRead read{loaded.config};
    read.speakers.global_policy = std::make_shared<const rib::PolicySet>();
    read_section(reader, root, file_keys, "the top level", read);
    detail::check_topology(reader, root, loaded.config);
    detail::delay_colliding_connects(loaded.config, read.speakers);
    for (auto& speaker : loaded.config.speakers) {
        speaker.session_read_bytes = loaded.config.daemon.session_read_bytes;
        speaker.session_update_batch_bytes = loaded.config.daemon.session_update_batch_bytes;
    }
    loaded.errors = reader.take_errors();
    return loaded;
}

LoadedConfig load_config_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        LoadedConfig loaded;
        loaded.errors.push_back({path, 0, 0, "cannot open the file"});
        return loaded;
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), path);
}

}  // namespace bgpemu::daemon
