#include "daemon_comparison.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bgpemu::test {

namespace json = boost::json;

std::string read_source(const std::string& relative, unsigned short port) {
    std::ifstream in(std::string(BGPEMU_SOURCE_DIR) + "/" + relative);
    std::stringstream text;
    text << in.rdbuf();
    return with_port(text.str(), port, relative);
}

std::string with_port(std::string content, unsigned short port, const std::string& what) {
    if (content.find("1179") == std::string::npos) throw std::runtime_error(what + " has no port 1179 to change");
    // ":1179" in a router-level topology, "port: 1179" in a design's `transport`,
    // "port 1179" in FRR's and BIRD's files.
    for (const std::string from : {":1179", "port: 1179", "port 1179"}) {
        const std::string to = from.substr(0, from.size() - 4) + std::to_string(port);
        for (auto at = content.find(from); at != std::string::npos; at = content.find(from, at + to.size()))
            content.replace(at, from.size(), to);
    }
    return content;
}

json::value result_of(const BgpemuDaemon& daemon, const std::vector<std::string>& words) {
    json::error_code error;
    auto value = json::parse(daemon.ctl(words).output, error);
    if (error || !value.is_object() || !value.as_object().contains("result")) return nullptr;
    return value.at("result");
}

// Every speaker's Loc-RIB, each path as one line of what `show rib` says of it, for
// comparing two daemons. The nodes are those of `daemon`.
std::map<std::string, std::set<std::string>> loc_ribs(const BgpemuDaemon& daemon, const std::vector<std::string>& nodes) {
    std::map<std::string, std::set<std::string>> out;
    for (const auto& node : nodes) {
        auto& lines = out[node];
        const auto result = result_of(daemon, {"show", "rib", node});
        if (!result.is_object()) {
            lines.insert("(no reply)");
            continue;
        }
        for (const auto& route : result.at("routes").as_array())
            for (const auto& path : route.at("paths").as_array()) {
                auto copy = path.as_object();
                copy.erase("lost_because");  // wording; lost_at says the same
                lines.insert(std::string(route.at("prefix").as_string()) + " " + json::serialize(copy));
            }
    }
    return out;
}

std::vector<std::string> speaker_names(const BgpemuDaemon& daemon) {
    std::vector<std::string> names;
    const auto status = result_of(daemon, {"status"});
    if (status.is_object())
        for (const auto& speaker : status.at("speakers").as_array()) names.emplace_back(speaker.at("name").as_string());
    return names;
}

std::vector<TracedPath> trace_all(const BgpemuDaemon& daemon, const std::string& from, const std::string& to) {
    std::vector<TracedPath> paths;
    const auto result = result_of(daemon, {"trace", from, to, "--all-paths"});
    if (!result.is_object()) return paths;
    for (const auto& p : result.at("paths").as_array()) {
        TracedPath path;
        for (const auto& hop : p.at("hops").as_array()) {
            path.hops.push_back(hop.at("address").is_null() ? "*" : std::string(hop.at("address").as_string()));
            path.nodes.emplace_back(hop.at("node").as_string());
            if (hop.as_object().contains("inferred")) path.inferred.insert(path.nodes.back());
        }
        path.verdict = std::string(p.at("verdict").as_string()) + " at " + std::string(p.at("at").as_string());
        paths.push_back(std::move(path));
    }
    return paths;
}

// The path of `paths` whose hops are at `node`, if any.
std::optional<TracedPath> through(const std::vector<TracedPath>& paths, const std::string& node) {
    for (const auto& path : paths)
        if (std::find(path.nodes.begin(), path.nodes.end(), node) != path.nodes.end()) return path;
    return std::nullopt;
}

}  // namespace bgpemu::test
