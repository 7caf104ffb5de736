// Our own routes: configured networks, redistributed interfaces and static routes, and
// aggregates.
#include "bgp/speaker/speaker.hpp"

#include <algorithm>

namespace bgpemu::bgp {

void Speaker::originate_networks() {
    for (const auto& network : config_.networks) originate(network);
    schedule_decision();
}

bool Speaker::originate(const OriginatedNetwork& network, std::uint32_t path_id) {
    PathAttributes attributes;
    attributes.origin = network.origin;
    attributes.has_as_path = true;
    attributes.med = network.med;
    attributes.communities = network.communities;
    std::sort(attributes.communities.begin(), attributes.communities.end());
    attributes.large_communities = network.large_communities;
    // The next hop of a local route is "self": filled in per neighbour on export.
    if (network.prefix.afi() == Afi::ipv4)
        attributes.next_hop = IpAddress::v4(0);
    else
        attributes.mp_next_hop = IpAddress::v6({});
    if (network.route_map) {
        rib::PolicyRoute route{network.prefix, attributes, rib::RouteSource::local, {}};
        if (!network.route_map->apply(route)) {
            loc_rib_.withdraw(local_peer_, network.prefix, path_id);  // denied now, maybe permitted before a reload
            return false;
        }
    }
    loc_rib_.announce(local_peer_, network.prefix, attributes_.intern(std::move(attributes)), path_id);
    return true;
}

void Speaker::redistribute() {
    std::map<Prefix, OriginatedNetwork> wanted;
    for (const auto& source : config_.redistribute) {
        const auto add = [&](const Prefix& prefix) {
            wanted.emplace(prefix, OriginatedNetwork{prefix, source.metric, {}, {}, Origin::incomplete, source.route_map});
        };
        if (source.source == Redistribution::Source::connected) {
            for (const auto& interface : config_.interfaces)
                if (!fib_enabled_ || fib_.has_interface(interface.name))
                    for (const auto& address : interface.addresses()) add(Prefix::make(address.address, address.length));
        } else {
            for (const auto& route : config_.static_routes) add(route.prefix);
        }
    }
    for (const auto& prefix : redistributed_)
        if (!wanted.count(prefix)) loc_rib_.withdraw(local_peer_, prefix, redistributed_path_id);
    redistributed_.clear();
    // An unchanged route is no change for the Loc-RIB (the same interned attributes).
    for (const auto& [prefix, network] : wanted)
        if (originate(network, redistributed_path_id)) redistributed_.push_back(prefix);
    schedule_decision();
}

void Speaker::index_networks() {
    network_slots_.clear();
    for (std::size_t i = 0; i < config_.networks.size(); ++i) network_slots_[config_.networks[i].prefix] = i;
}

void Speaker::announce_network(const OriginatedNetwork& network) {
    auto& networks = config_.networks;
    if (const auto slot = network_slots_.find(network.prefix); slot != network_slots_.end()) {
        networks[slot->second] = network;
    } else {
        network_slots_.emplace(network.prefix, networks.size());
        networks.push_back(network);
    }
    originate(network);
    schedule_decision();
}

bool Speaker::withdraw_network(const Prefix& prefix) {
    auto& networks = config_.networks;
    const auto slot = network_slots_.find(prefix);
    if (slot == network_slots_.end()) return false;
    // The last network takes the withdrawn one's place: O(1), order does not matter.
    const auto index = slot->second;
    network_slots_.erase(slot);
    if (index + 1 != networks.size()) {
        networks[index] = std::move(networks.back());
        network_slots_[networks[index].prefix] = index;
    }
    networks.pop_back();
    loc_rib_.withdraw(local_peer_, prefix);
    schedule_decision();
    return true;
}

void Speaker::inject_routes(const std::vector<std::pair<Prefix, PathAttributes>>& routes) {
    for (const auto& [prefix, recorded] : routes) {
        PathAttributes attributes = recorded;
        attributes.local_pref.reset();
        attributes.next_hop.reset();
        attributes.mp_next_hop.reset();
        attributes.mp_next_hop_link_local.reset();
        attributes.has_as_path = true;
        if (prefix.afi() == Afi::ipv4) attributes.next_hop = IpAddress::v4(0);
        else attributes.mp_next_hop = IpAddress::v6({});
        loc_rib_.announce(local_peer_, prefix, attributes_.intern(std::move(attributes)), injected_path_id);
        injected_.insert(prefix);
    }
    schedule_decision();
}

std::size_t Speaker::clear_injected() {
    for (const auto& prefix : injected_) loc_rib_.withdraw(local_peer_, prefix, injected_path_id);
    const auto count = injected_.size();
    injected_.clear();
    schedule_decision();
    return count;
}

void Speaker::originate_aggregates() {
    bool touched = false;
    aggregates_.refresh(loc_rib_, config_.asn, config_.router_id,
                        [&](const rib::AggregateConfig& aggregate, const std::optional<PathAttributes>& attributes) {
                            touched = true;
                            if (attributes)
                                loc_rib_.announce(local_peer_, aggregate.prefix, attributes_.intern(*attributes),
                                                  aggregate_path_id);
                            else
                                loc_rib_.withdraw(local_peer_, aggregate.prefix, aggregate_path_id);
                        });
    // The aggregate's own change goes through the next decision pass (an unchanged
    // aggregate is no change there: the same interned attributes).
    if (touched) schedule_decision();
}

}  // namespace bgpemu::bgp
