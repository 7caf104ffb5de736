// The `mrt:` section: the MRT archive of the speakers' tables and update streams.
#include <algorithm>

#include "daemon/config/sections.hpp"

namespace bgpemu::daemon::detail {

namespace {

// A file name pattern: strftime's conversions, {node}, and no directory of its own
// beyond what `dir` gives (so that every speaker's files stay where the user said).
std::optional<std::string> read_pattern(Reader& reader, const YAML::Node& value, const char* what) {
    auto text = reader.string(value, what);
    if (!text) return std::nullopt;
    if (text->empty()) {
        reader.error(value, std::string(what) + " must not be empty");
        return std::nullopt;
    }
    return text;
}

constexpr Key<MrtSettings> mrt_keys[] = {
    {"dir", [](Reader& r, const YAML::Node& v, MrtSettings& m) { m.dir = r.string(v, "mrt dir").value_or(""); }},
    {"table_interval_s",
     [](Reader& r, const YAML::Node& v, MrtSettings& m) {
         if (auto n = r.unsigned_integer(v, "mrt table_interval_s", 1, 86400)) m.table_interval = std::chrono::seconds(*n);
     }},
    {"updates", [](Reader& r, const YAML::Node& v, MrtSettings& m) { m.updates = r.boolean(v, "mrt updates").value_or(false); }},
    {"sent", [](Reader& r, const YAML::Node& v, MrtSettings& m) { m.sent = r.boolean(v, "mrt sent").value_or(false); }},
    {"rotate_s",
     [](Reader& r, const YAML::Node& v, MrtSettings& m) {
         if (auto n = r.unsigned_integer(v, "mrt rotate_s", 1, 7 * 86400)) m.rotate = std::chrono::seconds(*n);
     }},
    {"speakers",
     [](Reader& r, const YAML::Node& v, MrtSettings& m) { read_speaker_names(r, v, "mrt speakers", m.speakers); }},
    {"table_file", [](Reader& r, const YAML::Node& v, MrtSettings& m) { m.table_file = read_pattern(r, v, "mrt table_file").value_or(m.table_file); }},
    {"updates_file", [](Reader& r, const YAML::Node& v, MrtSettings& m) { m.updates_file = read_pattern(r, v, "mrt updates_file").value_or(m.updates_file); }},
    {"queue_bytes",
     [](Reader& r, const YAML::Node& v, MrtSettings& m) {
         if (auto n = r.unsigned_integer(v, "mrt queue_bytes", 65536, 4ULL * 1024 * 1024 * 1024)) m.queue_bytes = *n;
     }},
};

}  // namespace

void read_mrt_settings(Reader& reader, const YAML::Node& node, const DaemonConfig& config, MrtSettings& mrt) {
    if (!reader.is_map(node, "'mrt'")) return;
    read_section(reader, node, mrt_keys, "'mrt'", mrt);
    if (!node["dir"]) reader.error(node, "'mrt' needs 'dir' (the folder its files go to)");
    if (mrt.sent && !mrt.updates) reader.error(node["sent"], "'sent: true' needs 'updates: true' (it adds to the update stream)");
    if (!node["table_interval_s"] && !mrt.updates)
        reader.error(node, "'mrt' writes nothing without 'table_interval_s' or 'updates: true'");
    check_speaker_names(reader, node["speakers"], mrt.speakers, config, "mrt speakers");
}

void read_speaker_names(Reader& reader, const YAML::Node& list, std::string_view what, std::vector<std::string>& names) {
    if (!reader.is_list(list, what)) return;
    for (const auto& item : list)
        if (auto name = reader.string(item, what)) names.push_back(*name);
}

void check_speaker_names(Reader& reader, const YAML::Node& list, const std::vector<std::string>& names,
                         const DaemonConfig& config, std::string_view what) {
    if (!list || !list.IsSequence()) return;
    for (std::size_t i = 0; i < list.size() && i < names.size(); ++i)
        if (std::none_of(config.speakers.begin(), config.speakers.end(), [&](const auto& s) { return s.name == names[i]; }))
            reader.error(list[i], std::string(what) + ": no speaker named '" + names[i] + "'");
}

}  // namespace bgpemu::daemon::detail
