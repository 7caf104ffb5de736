// Comparing bgpemud daemons through their admin sockets: every speaker's Loc-RIB and
// every branch of a trace as text, so that a test can require one run (with an external
// router, or split over a daemon per site) to equal the all-emulated reference.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "routers.hpp"

namespace bgpemu::test {

// A file of the source tree with its port 1179 (":1179" in a router-level topology,
// "port: 1179" in a design, "port 1179" in FRR's and BIRD's files) changed to `port`.
[[nodiscard]] std::string read_source(const std::string& relative, unsigned short port);
// `content` (named `what` in errors) with its port 1179 changed to `port`, as read_source does.
[[nodiscard]] std::string with_port(std::string content, unsigned short port, const std::string& what);

// The "result" of `bgpemuctl --json WORDS`, or null when the command failed.
[[nodiscard]] boost::json::value result_of(const BgpemuDaemon& daemon, const std::vector<std::string>& words);

// Every path of each node's Loc-RIB as one line of what `show rib` says of it.
[[nodiscard]] std::map<std::string, std::set<std::string>> loc_ribs(const BgpemuDaemon& daemon,
                                                                    const std::vector<std::string>& nodes);

// The speakers `status` lists.
[[nodiscard]] std::vector<std::string> speaker_names(const BgpemuDaemon& daemon);

// One path of `trace --all-paths`: its hops ("*" for one that does not answer), the
// nodes they are at, those marked external, and the verdict with where it fell.
struct TracedPath {
    std::vector<std::string> hops;
    std::vector<std::string> nodes;
    std::set<std::string> inferred;
    std::string verdict;  // "delivered at spoke-vm", "unreachable at loc2-ce1"

    // What two daemons must agree on (the external's marks aside).
    [[nodiscard]] std::string text() const {
        std::string out;
        for (std::size_t i = 0; i < hops.size(); ++i) out += hops[i] + "@" + nodes[i] + " ";
        return out + verdict;
    }
};

[[nodiscard]] std::vector<TracedPath> trace_all(const BgpemuDaemon& daemon, const std::string& from, const std::string& to);

// The path of `paths` whose hops are at `node`, if any.
[[nodiscard]] std::optional<TracedPath> through(const std::vector<TracedPath>& paths, const std::string& node);

// For failure messages: the lines in one map and not in the other.
template <typename Map>
std::string difference(const Map& actual, const Map& expected) {
    std::ostringstream out;
    for (const auto& [key, lines] : expected) {
        const auto at = actual.find(key);
        for (const auto& line : lines)
            if (at == actual.end() || !at->second.count(line)) out << "missing " << key << ": " << line << "\n";
    }
    for (const auto& [key, lines] : actual) {
        const auto at = expected.find(key);
        for (const auto& line : lines)
            if (at == expected.end() || !at->second.count(line)) out << "extra   " << key << ": " << line << "\n";
    }
    return out.str();
}

}  // namespace bgpemu::test
