#include "rib/fib.hpp"

#include <algorithm>

namespace bgpemu::rib {

const char* fib_protocol_name(FibProtocol protocol) noexcept {
    switch (protocol) {
        case FibProtocol::connected: return "connected";
        case FibProtocol::static_route: return "static";
        case FibProtocol::ebgp: return "ebgp";
        case FibProtocol::ibgp: return "ibgp";
    }
    return "?";
}

std::uint8_t default_distance(FibProtocol protocol) noexcept {
    switch (protocol) {
        case FibProtocol::connected: return 0;
        case FibProtocol::static_route: return 1;
        case FibProtocol::ebgp: return 20;
        case FibProtocol::ibgp: return 200;
    }
    return 255;
}

std::size_t Fib::flow_member(const bgp::IpAddress& source, const bgp::IpAddress& destination,
                             std::size_t count) noexcept {
    if (count <= 1) return 0;
    // FNV-1a over both addresses: stable across runs and platforms, unlike std::hash.
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const auto* address : {&source, &destination})
        for (const auto byte : address->bytes()) {
            hash ^= byte;
            hash *= 0x100000001b3ULL;
        }
    return static_cast<std::size_t>(hash % count);
}

// ---- Interfaces and static routes ----------------------------------------------------------

void Fib::set_interface(const std::string& interface, const bgp::IpAddress& address, unsigned length) {
    std::optional<bgp::Prefix> old_subnet;
    const std::pair key{interface, address.afi()};
    if (const auto it = interfaces_.find(key); it != interfaces_.end()) old_subnet = it->second.subnet;
    const auto subnet = bgp::Prefix::make(address, length);
    interfaces_[key] = Interface{address, subnet};
    refresh_connected(subnet);
    if (old_subnet && *old_subnet != subnet) refresh_connected(*old_subnet);
    for (const auto& [name, peer] : peers_)
        if (name == interface) refresh_connected(bgp::Prefix::make(peer, bgp::max_prefix_length(peer.afi())));
    reresolve_all();
}

void Fib::set_interface(const InterfaceConfig& interface) {
    for (const auto afi : {bgp::Afi::ipv4, bgp::Afi::ipv6}) {
        if (const auto address = interface.address_of(afi)) set_interface(interface.name, address->address, address->length);
        else remove_address(interface.name, afi);
    }
}

bool Fib::has_interface(const std::string& interface) const {
    const auto it = interfaces_.lower_bound({interface, bgp::Afi{}});
    return it != interfaces_.end() && it->first.first == interface;
}

void Fib::remove_address(const std::string& interface, bgp::Afi afi) {
    const auto it = interfaces_.find({interface, afi});
    if (it == interfaces_.end()) return;
    const auto subnet = it->second.subnet;
    interfaces_.erase(it);
    refresh_connected(subnet);
    for (const auto& [name, peer] : peers_)
        if (name == interface) refresh_connected(bgp::Prefix::make(peer, bgp::max_prefix_length(peer.afi())));
    reresolve_all();
}

void Fib::remove_interface(const std::string& interface) {
    for (const auto afi : {bgp::Afi::ipv4, bgp::Afi::ipv6}) remove_address(interface, afi);
}

void Fib::set_peer(const std::string& interface, const bgp::IpAddress& peer) {
    const std::pair<std::string, bgp::IpAddress> entry{interface, peer};
    if (std::find(peers_.begin(), peers_.end(), entry) != peers_.end()) return;
    peers_.push_back(entry);
    refresh_connected(bgp::Prefix::make(peer, bgp::max_prefix_length(peer.afi())));
    reresolve_all();
}

std::vector<bgp::IpAddress> Fib::peers(const std::string& interface) const {
    std::vector<bgp::IpAddress> result;
    for (const auto& [name, peer] : peers_)
        if (name == interface) result.push_back(peer);
    return result;
}

void Fib::remove_peer(const std::string& interface, const bgp::IpAddress& peer) {
    const auto it = std::find(peers_.begin(), peers_.end(), std::pair<std::string, bgp::IpAddress>{interface, peer});
    if (it == peers_.end()) return;
    peers_.erase(it);
    refresh_connected(bgp::Prefix::make(peer, bgp::max_prefix_length(peer.afi())));
    reresolve_all();
}

void Fib::refresh_connected(const bgp::Prefix& subnet) {
    // Every interface in the subnet reaches it (usually one), and so does every
    // point-to-point interface whose far end is this host prefix.
    std::vector<FibNextHop> hops;
    for (const auto& [key, entry] : interfaces_)
        if (entry.subnet == subnet) hops.push_back(FibNextHop{std::nullopt, key.first});
    for (const auto& [name, peer] : peers_)
        if (peer.afi() == subnet.afi() && subnet.length() == bgp::max_prefix_length(peer.afi()) &&
            bgp::Prefix::make(peer, subnet.length()) == subnet && has_interface(name))
            hops.push_back(FibNextHop{std::nullopt, name});
    if (hops.empty()) {
        connected_.erase(subnet);
        remove_candidate(subnet, FibProtocol::connected);
        return;
    }
    FibRoute route;
    route.protocol = FibProtocol::connected;
    route.distance = default_distance(route.protocol);
    route.source = hops.front().interface;
    route.next_hops = hops;
    connected_.insert(subnet, std::move(hops));
    set_candidate(subnet, std::move(route));
}

bool Fib::owns(const bgp::IpAddress& address) const {
    return std::any_of(interfaces_.begin(), interfaces_.end(),
                       [&](const auto& entry) { return entry.second.address == address; });
}

void Fib::set_static(const bgp::Prefix& prefix, std::vector<bgp::IpAddress> gateways, bool blackhole) {
    FibRoute route;
    route.protocol = FibProtocol::static_route;
    route.distance = default_distance(route.protocol);
    route.blackhole = blackhole;
    route.gateways = std::move(gateways);
    route.source = "static";
    set_candidate(prefix, std::move(route));
    reresolve_all();
}

void Fib::remove_static(const bgp::Prefix& prefix) {
    remove_candidate(prefix, FibProtocol::static_route);
    reresolve_all();
}

// ---- BGP ------------------------------------------------------------------------------------

void Fib::set_bgp(const bgp::Prefix& prefix, bool external, std::vector<bgp::IpAddress> gateways, std::string source) {
    if (gateways.empty()) {
        remove_bgp(prefix);
        return;
    }
    FibRoute route;
    route.protocol = external ? FibProtocol::ebgp : FibProtocol::ibgp;
    route.distance = default_distance(route.protocol);
    route.gateways = std::move(gateways);
    route.source = std::move(source);
    // One BGP route per prefix: the other flavour (eBGP after iBGP or back) goes.
    remove_candidate(prefix, external ? FibProtocol::ibgp : FibProtocol::ebgp);
    set_candidate(prefix, std::move(route));
}

void Fib::remove_bgp(const bgp::Prefix& prefix) {
    remove_candidate(prefix, FibProtocol::ebgp);
    remove_candidate(prefix, FibProtocol::ibgp);
}

// ---- Candidates and installation ---------------------------------------------------------------

void Fib::set_candidate(const bgp::Prefix& prefix, FibRoute route) {
    auto& routes = routes_[prefix].routes;
    const auto same = std::find_if(routes.begin(), routes.end(), [&](const FibRoute& r) { return r.protocol == route.protocol; });
    if (same != routes.end()) routes.erase(same);
    const auto position = std::find_if(routes.begin(), routes.end(), [&](const FibRoute& r) { return r.distance > route.distance; });
    routes.insert(position, std::move(route));
    reinstall(prefix);
}

void Fib::remove_candidate(const bgp::Prefix& prefix, FibProtocol protocol) {
    const auto it = routes_.find(prefix);
    if (it == routes_.end()) return;
    auto& routes = it->second.routes;
    const auto same = std::find_if(routes.begin(), routes.end(), [&](const FibRoute& r) { return r.protocol == protocol; });
    if (same == routes.end()) return;
    routes.erase(same);
    reinstall(prefix);
}

void Fib::reinstall(const bgp::Prefix& prefix) {
    const auto it = routes_.find(prefix);
    if (it == routes_.end()) {
        installed_.erase(prefix);
        return;
    }
    auto& routes = it->second.routes;
    for (auto& route : routes) resolve(route);
    const auto usable = std::find_if(routes.begin(), routes.end(), [](const FibRoute& r) { return r.usable(); });
    if (usable != routes.end())
        installed_.insert(prefix, *usable);
    else
        installed_.erase(prefix);
    if (routes.empty()) routes_.erase(it);
}

void Fib::resolve(FibRoute& route) const {
    if (route.protocol == FibProtocol::connected) return;
    route.next_hops.clear();
    if (route.blackhole) return;
    // Static routes resolve through connected routes; BGP next hops through connected
    // and static ones (recursive resolution, one level as FRR's default).
    const bool allow_static = route.protocol != FibProtocol::static_route;
    for (const auto& gateway : route.gateways)
        for (auto& hop : resolve_gateway(gateway, allow_static))
            if (std::find(route.next_hops.begin(), route.next_hops.end(), hop) == route.next_hops.end())
                route.next_hops.push_back(std::move(hop));
}

std::vector<FibNextHop> Fib::resolve_gateway(const bgp::IpAddress& gateway, bool allow_static) const {
    // Never through a default route, as FRR's zebra does unless told to
    // (`ip nht resolve-via-default`): a next hop the node has no specific route to is
    // unreachable, not "somewhere upstream".
    const auto specific = [](auto match) { return match && match->first.length() > 0 ? match : std::nullopt; };
    const auto connected = specific(connected_.longest_match(gateway));
    const auto via_static = allow_static ? specific(statics_.longest_match(gateway)) : std::nullopt;
    // The longer match wins; on a tie the connected route (lower distance).
    if (connected && (!via_static || connected->first.length() >= via_static->first.length())) {
        std::vector<FibNextHop> hops;
        for (const auto& hop : *connected->second) hops.push_back(FibNextHop{gateway, hop.interface});
        return hops;
    }
    if (via_static) return *via_static->second;
    return {};
}

void Fib::reresolve_all() {
    // Static routes first: BGP next hops may resolve through them.
    statics_ = PrefixTrie<std::vector<FibNextHop>>{};
    for (auto& [prefix, candidates] : routes_)
        for (auto& route : candidates.routes)
            if (route.protocol == FibProtocol::static_route) {
                resolve(route);
                if (!route.blackhole && route.usable()) statics_.insert(prefix, route.next_hops);
            }
    std::vector<bgp::Prefix> prefixes;
    prefixes.reserve(routes_.size());
    for (const auto& [prefix, candidates] : routes_) prefixes.push_back(prefix);
    for (const auto& prefix : prefixes) reinstall(prefix);
}

// ---- Queries ---------------------------------------------------------------------------------

std::optional<FibLookup> Fib::lookup(const bgp::IpAddress& destination, const bgp::IpAddress& source) const {
    const auto match = installed_.longest_match(destination);
    if (!match) return std::nullopt;
    FibLookup result{match->first, match->second, std::nullopt};
    const auto& hops = match->second->next_hops;
    if (!match->second->blackhole && !hops.empty()) result.next_hop = hops[flow_member(source, destination, hops.size())];
    return result;
}

const FibRoute* Fib::installed(const bgp::Prefix& prefix) const { return installed_.find(prefix); }

const Fib::Candidates* Fib::candidates(const bgp::Prefix& prefix) const {
    const auto it = routes_.find(prefix);
    return it == routes_.end() ? nullptr : &it->second;
}

void Fib::for_each(const std::function<void(const bgp::Prefix&, const Candidates&)>& fn) const {
    for (const auto& [prefix, candidates] : routes_) fn(prefix, candidates);
}

}  // namespace bgpemu::rib
