#include <algorithm>
#include <set>

#include "daemon/config/config.hpp"

namespace bgpemu::daemon {

std::optional<std::string> keep_site(DaemonConfig& config, const std::string& site) {
    std::set<std::string> sites;
    for (const auto& node : config.topology.nodes)
        if (node.kind == dataplane::NodeKind::speaker && !node.site.empty()) sites.insert(node.site);
    if (!sites.count(site)) {
        std::string known;
        for (const auto& name : sites) known += (known.empty() ? "" : ", ") + name;
        return "no speaker has site '" + site + "'" + (known.empty() ? " (the file gives none a site)" : " (its sites: " + known + ")");
    }
    // The other sites' speakers stay in the topology as external routers: their daemons
    // run them, and ours peers with them over TCP like with any router of the site.
    std::erase_if(config.speakers, [&](const bgp::SpeakerConfig& speaker) {
        auto& nodes = config.topology.nodes;
        const auto node = std::find_if(nodes.begin(), nodes.end(), [&](const auto& n) { return n.name == speaker.name; });
        if (node == nodes.end() || node->site == site) return false;
        node->kind = dataplane::NodeKind::external;
        node->asn = speaker.asn;
        node->static_routes = speaker.static_routes;
        return true;
    });
    return std::nullopt;
}

}  // namespace bgpemu::daemon
