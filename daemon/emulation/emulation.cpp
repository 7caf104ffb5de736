#include "daemon/emulation/emulation.hpp"

#include <algorithm>
#include <set>

namespace bgpemu::daemon {

namespace {
constexpr std::size_t max_events = 1000;
}

Emulation::Emulation(std::vector<std::unique_ptr<bgp::Speaker>>& speakers, const dataplane::TopologyConfig& topology)
    : speakers_(speakers), topology_(topology), network_(std::make_unique<dataplane::Network>(topology)) {}

bgp::Speaker* Emulation::speaker_of(std::size_t node) const {
    return node < speaker_by_node_.size() ? speaker_by_node_[node] : nullptr;
}

void Emulation::index_speakers() {
    speaker_by_node_.assign(network_->nodes().size(), nullptr);
    for (std::size_t n = 0; n < network_->nodes().size(); ++n) {
        const auto& node = network_->nodes()[n];
        if (node.kind != dataplane::NodeKind::speaker) continue;
        for (const auto& speaker : speakers_)
            if (speaker->config().name == node.name) speaker_by_node_[n] = speaker.get();
    }
}

void Emulation::program(std::size_t node) {
    if (auto* speaker = speaker_of(node))
        speaker->program_fib([&](rib::Fib& fib) { network_->program(node, fib); });
}

void Emulation::attach() {
    external_fibs_.clear();
    index_speakers();
    for (std::size_t n = 0; n < network_->nodes().size(); ++n) program(n);
    for (const auto& link : network_->links())
        for (auto& speaker : speakers_) (void)speaker->set_link_up(link.name, link.up);
    for (auto& speaker : speakers_)
        speaker->set_session_observer([this](const std::string& node, const std::string& peer, bool up) {
            record("session", node + " - " + peer + (up ? " Established" : " down"));
        });
}

void Emulation::replace_topology(const dataplane::TopologyConfig& topology) {
    auto next = std::make_unique<dataplane::Network>(topology);
    for (std::size_t l = 0; l < next->links().size(); ++l) {
        const auto& name = next->links()[l].name;
        const auto old = network_->find_link(name);
        const auto old_config = std::find_if(topology_.links.begin(), topology_.links.end(),
                                             [&](const auto& link) { return link.name == name; });
        const auto new_config = std::find_if(topology.links.begin(), topology.links.end(),
                                             [&](const auto& link) { return link.name == name; });
        if (old && old_config != topology_.links.end() && new_config != topology.links.end() &&
            old_config->up == new_config->up)
            next->set_link_up(l, network_->links()[*old].up);
    }
    network_ = std::move(next);
    topology_ = topology;
    attach();
}

std::vector<std::string> Emulation::set_link_up(std::size_t link, bool up, bool& changed) {
    changed = network_->set_link_up(link, up);
    external_fibs_.clear();
    std::vector<std::string> affected;
    if (!changed) return affected;
    const auto& l = network_->links()[link];
    record("link", l.name + (up ? " up" : " down"));  // before the session events it causes
    for (const auto& end : l.ends) {
        program(end.node);
        if (auto* speaker = speaker_of(end.node))
            for (auto& name : speaker->set_link_up(l.name, up)) affected.push_back(speaker->config().name + " - " + name);
    }
    return affected;
}

void Emulation::record(std::string kind, std::string text) {
    events_.push_back(Event{std::chrono::system_clock::now(), next_sequence_++, std::move(kind), std::move(text)});
    if (events_.size() > max_events) events_.pop_front();
    last_event_ = std::chrono::steady_clock::now();
}

std::chrono::steady_clock::time_point Emulation::latest_change() const {
    auto latest = last_event_;
    for (const auto& speaker : speakers_) latest = std::max(latest, speaker->last_route_change());
    return latest;
}

std::chrono::system_clock::time_point Emulation::last_change() const {
    const auto ago = std::chrono::steady_clock::now() - latest_change();
    return std::chrono::system_clock::now() - std::chrono::duration_cast<std::chrono::system_clock::duration>(ago);
}

bool Emulation::converged(std::chrono::milliseconds quiet, std::vector<std::string>& waiting_for) const {
    const auto now = std::chrono::steady_clock::now();
    const auto latest = latest_change();
    for (const auto& speaker : speakers_) {
        if (!speaker->idle()) waiting_for.push_back(speaker->config().name + ": UPDATEs to send or a decision to run");
    }
    // The topology's external routers: real routers (or another site's daemon) playing
    // its nodes. Their routes are part of the outcome, so convergence waits for them:
    // Established, and their End-of-RIB (or, from one that sends none, quiet after its
    // last UPDATE). Other outside peers are not waited for: they may never come.
    std::set<std::string_view> externals;
    for (const auto& n : network_->nodes())
        if (n.kind == dataplane::NodeKind::external) externals.insert(n.name);
    for (const auto& speaker : speakers_) {
        for (std::size_t i = 0; i < speaker->neighbor_count(); ++i) {
            const auto& session = speaker->session(i);
            if (!speaker->neighbor_wanted(i)) continue;
            const auto& neighbor = speaker->neighbor_config(i);
            const auto name = speaker->config().name + " - " + neighbor.name;
            if (externals.contains(neighbor.name)) {
                const auto routes = speaker->initial_routes(i);
                if (!session.established()) waiting_for.push_back(name + " (an external router) not Established");
                else if (!routes.end_of_rib && !routes.last_update) waiting_for.push_back(name + ": its End-of-RIB or first UPDATE");
                else if (!routes.end_of_rib && now - *routes.last_update < quiet)
                    waiting_for.push_back(name + ": its End-of-RIB, or quiet after its last UPDATE");
                continue;
            }
            if (session.established()) continue;
            // Sessions between two speakers of this daemon count when both want them.
            const auto& remote = neighbor.remote;
            const auto peer = std::find_if(speakers_.begin(), speakers_.end(), [&](const auto& s) {
                return s->config().listen.address == remote.address && s->config().listen.port == remote.port;
            });
            if (peer == speakers_.end()) continue;
            bool peer_wants = false;
            for (std::size_t j = 0; j < (*peer)->neighbor_count(); ++j)
                if ((*peer)->neighbor_config(j).remote.address == speaker->config().listen.address)
                    peer_wants = peer_wants || (*peer)->neighbor_wanted(j);
            if (peer_wants) waiting_for.push_back(speaker->config().name + " - " + session.name() + " not Established");
        }
    }
    const auto quiet_for = std::chrono::duration_cast<std::chrono::milliseconds>(now - latest);
    if (quiet_for < quiet)
        waiting_for.push_back("changes " + std::to_string(quiet_for.count()) + " ms ago (want " +
                              std::to_string(quiet.count()) + " ms of quiet)");
    return waiting_for.empty();
}

const rib::Fib* Emulation::fib(std::size_t node) const {
    if (const auto* speaker = speaker_of(node); speaker && speaker->config().has_fib()) return &speaker->fib();
    const auto& n = network_->nodes()[node];
    if (n.kind != dataplane::NodeKind::external) return network_->static_fib(node);
    if (fib_cache_holders_ > 0)
        if (const auto kept = external_fibs_.find(node); kept != external_fibs_.end()) return kept->second.get();
    // What our speakers advertise to the external router, over a link to it.
    std::vector<dataplane::AdvertisedRoute> advertised;
    for (const auto& speaker : speakers_) {
        for (std::size_t i = 0; i < speaker->neighbor_count(); ++i) {
            const auto& neighbor = speaker->neighbor_config(i);
            if (neighbor.name != n.name || !speaker->session(i).established()) continue;
            speaker->for_each_advertised(neighbor.name, [&](const bgp::Prefix& prefix, const bgp::PathAttributes& attributes) {
                const auto& next_hop = prefix.afi() == bgp::Afi::ipv4 ? attributes.next_hop : attributes.mp_next_hop;
                if (!next_hop) return;
                advertised.push_back(dataplane::AdvertisedRoute{prefix, *next_hop, speaker->config().name,
                                                                attributes.as_path.decision_length(),
                                                                speaker->config().router_id});
            });
        }
    }
    auto& fib = external_fibs_[node];
    fib = std::make_unique<rib::Fib>();
    network_->build_external_fib(node, *fib, advertised);
    return fib.get();
}

void Emulation::for_each_learned(std::size_t node, const std::function<void(const dataplane::LearnedRoute&)>& fn) const {
    const auto* speaker = speaker_of(node);
    if (!speaker) return;
    // What Azure's own routers pass each other over iBGP (a Route Server and the gateways
    // with branch-to-branch) each programs into the VNet itself: counted once, at the
    // router that learned it from outside.
    speaker->for_each_learned([&](const bgp::Speaker::LearnedBest& best) {
        if (!best.ibgp) fn(dataplane::LearnedRoute{best.prefix, best.weight, best.as_path_length, best.next_hop});
    });
    // A gateway's static routes are the address spaces of its connections without BGP
    // (a local network gateway's, a remote VNet's), which Azure puts in the VNet's route
    // table beside the routes learned over BGP ("About BGP and Azure VPN Gateway").
    if (network_->nodes()[node].gateway())
        for (const auto& route : speaker->config().static_routes) fn(dataplane::LearnedRoute{route.prefix, 0, 0, {}});
}

bool Emulation::learned_over(std::size_t node, std::size_t link, const bgp::IpAddress& address) const {
    const auto* speaker = speaker_of(node);
    if (!speaker) return false;
    const auto& name = network_->links()[link].name;
    for (std::size_t i = 0; i < speaker->neighbor_count(); ++i)
        if (speaker->neighbor_config(i).link == name && speaker->learned_from(speaker->neighbor_config(i).name, address))
            return true;
    // Over a connection without BGP: a static route through the link's far end.
    const auto& ends = network_->links()[link].ends;
    for (int i = 0; i < 2; ++i) {
        if (ends[i].node != node) continue;
        const auto& far = ends[1 - i];
        const auto& far_interface = network_->nodes()[far.node].interfaces[far.interface];
        for (const auto& route : speaker->config().static_routes)
            if (route.prefix.contains(address) &&
                std::any_of(route.next_hops.begin(), route.next_hops.end(),
                            [&](const bgp::IpAddress& hop) { return far_interface.has_address(hop); }))
                return true;
    }
    return false;
}

}  // namespace bgpemu::daemon
