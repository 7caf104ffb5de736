// Speaker::reconfigure: a new configuration applied to a running speaker, with as
// little disturbance as the change allows (what SIGHUP and `bgpemuctl reload` do).
#include <algorithm>
#include <map>

#include "bgp/speaker/speaker.hpp"

namespace bgpemu::bgp {

namespace {

// Settings the session was built with: a change re-creates the session.
bool same_session(const NeighborConfig& a, const NeighborConfig& b) {
    return a.remote.address == b.remote.address && a.remote.port == b.remote.port &&
           a.local_address == b.local_address && a.remote_as == b.remote_as && a.passive == b.passive &&
           a.hold_time == b.hold_time && a.connect_retry == b.connect_retry && a.open_hold_time == b.open_hold_time &&
           a.advertisement_interval == b.advertisement_interval && a.ebgp_multihop == b.ebgp_multihop &&
           a.families == b.families && a.extended_message == b.extended_message && a.weight == b.weight &&
           a.description == b.description && a.password == b.password && a.ttl_security == b.ttl_security;
}

// A network with a route map is never "the same": the map (a new object after every
// reload) may have changed, so it is evaluated again; an unchanged result is no change
// for the Loc-RIB (the same interned attributes).
bool same_network(const OriginatedNetwork& a, const OriginatedNetwork& b) {
    return a.prefix == b.prefix && a.med == b.med && a.communities == b.communities &&
           a.large_communities == b.large_communities && a.origin == b.origin && !a.route_map && !b.route_map;
}

}  // namespace

bool Speaker::can_reconfigure(const SpeakerConfig& next) const noexcept {
    return next.name == config_.name && next.asn == config_.asn && next.router_id == config_.router_id &&
           next.listen.address == config_.listen.address && next.listen.port == config_.listen.port &&
           next.hostname == config_.hostname && next.always_compare_med == config_.always_compare_med &&
           next.prefer_oldest_external == config_.prefer_oldest_external &&
           next.maximum_paths == config_.maximum_paths && next.has_fib() == config_.has_fib();
}

void Speaker::retire_neighbor(std::size_t index) {
    retired_neighbors_.push_back(std::move(neighbors_[index]));
    neighbors_.erase(neighbors_.begin() + static_cast<std::ptrdiff_t>(index));
    Neighbor& neighbor = *retired_neighbors_.back();
    neighbors_by_address_.erase(neighbor.config.remote.address.to_string());
    // Before a re-created neighbour with the same address installs its own.
    remove_listener_key(neighbor);
    neighbor.maximum_prefix_restart->cancel();
    neighbor.family_restart->cancel();
    // Retired first, then stopped: session_down (when it was Established) finds it
    // there and withdraws its routes from the Loc-RIB.
    neighbor.session->stop({}, cease_subcode::peer_deconfigured);
}

void Speaker::apply_neighbor_policy(Neighbor& neighbor, const NeighborConfig& next, bool rfc8212_changed,
                                    std::vector<std::string>& changes) {
    // Without a stored pre-policy Adj-RIB-In, imports cannot be compared: any import
    // policy, before or after, is re-applied.
    const bool imports_may_change = neighbor.config.has_import_policy() || next.has_import_policy() ||
                                    neighbor.config.allowas_in != next.allowas_in || rfc8212_changed;
    const bool enabled_changed = neighbor.config.enabled != next.enabled;
    // Soft reconfiguration turned on mid-session starts storing now, but the store
    // misses what came before: it is complete only from the next session on.
    if (neighbor.config.soft_reconfiguration_inbound != next.soft_reconfiguration_inbound) {
        neighbor.adj_rib_in.clear();
        neighbor.adj_rib_in_complete = false;
        changes.push_back("neighbor " + next.name + ": soft reconfiguration inbound " +
                          (next.soft_reconfiguration_inbound ? "on (from its next session)" : "off"));
    }
    // Always take the new config: its policy pointers refer to the new policy set.
    neighbor.config = next;
    neighbor.export_cache.clear();
    neighbor.import_cache.clear();
    neighbor.maximum_prefix_exceeded = false;
    if (enabled_changed) {
        if (next.enabled) neighbor.session->enable();
        else neighbor.session->stop("administratively shut down by a configuration reload");
        changes.push_back("neighbor " + next.name + (next.enabled ? " enabled" : " shut down"));
        return;
    }
    Session& session = *neighbor.session;
    if (!session.established() || !neighbor.packer) return;
    // Exports: offer everything again through the new policy; the Adj-RIB-Out sends
    // only what differs from what the neighbour already has.
    export_everything(neighbor);
    session.wake_writer();
    // Imports: ask the peer to send its routes again, through the new policy (RFC 2918);
    // a peer without route refresh gets a session reset instead.
    if (imports_may_change) {
        if (neighbor.adj_rib_in_complete) {
            reapply_import_policy(neighbor);
            changes.push_back("neighbor " + next.name + ": policy re-applied from the stored Adj-RIB-In "
                                                        "(soft reconfiguration inbound)");
        } else if (session.negotiated().route_refresh) {
            for (const auto& family : session.negotiated().families) (void)session.request_refresh(family);
            changes.push_back("neighbor " + next.name + ": policy re-applied (route refresh requested)");
        } else {
            session.reset("policy changed; the peer does not support route refresh");
            changes.push_back("neighbor " + next.name + ": session reset to apply the new import policy");
        }
    }
}

std::vector<std::string> Speaker::reconfigure(const SpeakerConfig& next) {
    std::vector<std::string> changes;
    const SpeakerConfig previous = config_;
    // Policy objects and speaker-wide switches first: neighbours' pointers refer to them.
    // The old set stays alive: retired neighbours' configs still point into it.
    retired_policies_.push_back(config_.policy);
    config_.policy = next.policy;
    const bool rfc8212_changed = config_.ebgp_requires_policy != next.ebgp_requires_policy;
    if (rfc8212_changed)
        changes.push_back(std::string("ebgp_requires_policy ") + (next.ebgp_requires_policy ? "on" : "off"));
    config_.ebgp_requires_policy = next.ebgp_requires_policy;

    // Neighbours, by name.
    std::map<std::string, const NeighborConfig*> wanted;
    for (const auto& neighbor : next.neighbors) wanted[neighbor.name] = &neighbor;
    std::vector<std::string> recreated;
    for (std::size_t i = neighbors_.size(); i-- > 0;) {
        Neighbor& neighbor = *neighbors_[i];
        const auto it = wanted.find(neighbor.config.name);
        if (it == wanted.end()) {
            changes.push_back("neighbor " + neighbor.config.name + " removed");
            retire_neighbor(i);
        } else if (!same_session(neighbor.config, *it->second)) {
            changes.push_back("neighbor " + neighbor.config.name + " re-created (its session settings changed)");
            recreated.push_back(neighbor.config.name);
            retire_neighbor(i);
        } else {
            apply_neighbor_policy(neighbor, *it->second, rfc8212_changed, changes);
            wanted.erase(it);
        }
    }
    // What is left in `wanted` is new (or re-created): in the file's order.
    for (const auto& neighbor_config : next.neighbors) {
        if (!wanted.count(neighbor_config.name)) continue;
        if (std::find(recreated.begin(), recreated.end(), neighbor_config.name) == recreated.end())
            changes.push_back("neighbor " + neighbor_config.name + " added");
        Neighbor& added = add_neighbor(neighbor_config);
        if (!stopped_) added.session->start();
    }
    config_.neighbors = next.neighbors;

    // Networks.
    for (const auto& network : previous.networks) {
        const bool kept = std::any_of(next.networks.begin(), next.networks.end(),
                                      [&](const OriginatedNetwork& n) { return n.prefix == network.prefix; });
        if (!kept) {
            loc_rib_.withdraw(local_peer_, network.prefix);
            changes.push_back("network " + network.prefix.to_string() + " withdrawn");
        }
    }
    for (const auto& network : next.networks) {
        const bool same = std::any_of(previous.networks.begin(), previous.networks.end(),
                                      [&](const OriginatedNetwork& n) { return same_network(n, network); });
        if (same) continue;
        if (originate(network))
            changes.push_back("network " + network.prefix.to_string() + " originated");
        else
            changes.push_back("network " + network.prefix.to_string() + " not originated (its route map denies it)");
    }
    config_.networks = next.networks;
    index_networks();

    // Aggregates: recounted from the Loc-RIB, re-originated, and every neighbour's
    // export re-evaluated (summary-only may hide or show more-specifics now); only
    // the difference is sent.
    if (previous.aggregates != next.aggregates) {
        for (const auto& aggregate : previous.aggregates)
            loc_rib_.withdraw(local_peer_, aggregate.prefix, aggregate_path_id);
        aggregates_.configure(next.aggregates, loc_rib_);
        config_.aggregates = next.aggregates;
        originate_aggregates();
        for (auto& neighbor : neighbors_)
            if (neighbor->session->established() && neighbor->packer) {
                export_everything(*neighbor);
                neighbor->session->wake_writer();
            }
        changes.push_back("aggregates changed (" + std::to_string(next.aggregates.size()) + " configured)");
    }

    // The forwarding table's own routes.
    for (const auto& interface : previous.interfaces)
        if (std::none_of(next.interfaces.begin(), next.interfaces.end(),
                         [&](const InterfaceConfig& i) { return i.name == interface.name; }))
            fib_.remove_interface(interface.name);
    for (const auto& interface : next.interfaces) fib_.set_interface(interface);
    for (const auto& route : previous.static_routes)
        if (std::none_of(next.static_routes.begin(), next.static_routes.end(),
                         [&](const StaticRouteConfig& r) { return r.prefix == route.prefix; }))
            fib_.remove_static(route.prefix);
    for (const auto& route : next.static_routes) fib_.set_static(route.prefix, route.next_hops, route.blackhole);
    config_.interfaces = next.interfaces;
    config_.static_routes = next.static_routes;
    // Redistribution follows the new interfaces and static routes, and its own options
    // (a route map is a new object after every reload, so it is evaluated again).
    if (!previous.redistribute.empty() || !next.redistribute.empty()) {
        if (previous.redistribute.size() != next.redistribute.size())
            changes.push_back("redistribution: " + std::to_string(next.redistribute.size()) + " source(s)");
        config_.redistribute = next.redistribute;
        redistribute();
    }

    schedule_decision();
    return changes;
}

}  // namespace bgpemu::bgp
