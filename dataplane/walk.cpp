// The data plane's probes: where a probe starts and what it is sent to, and the walk of
// one packet hop by hop through the FIBs, VNets, links and tunnels (traceroute and ping).
#include "dataplane/network.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace bgpemu::dataplane {

// ---- Probe endpoints --------------------------------------------------------------------------

namespace {

// A node's first address of `family` (any family when unset): a host's or gateway's
// VNet address, else an interface's.
std::optional<bgp::IpAddress> first_address(const Network::Node& n, std::optional<bgp::Afi> family, bool interfaces_first) {
    const auto fits = [&](const bgp::IpAddress& a) { return !family || a.afi() == *family; };
    const auto from_vnet = [&]() -> std::optional<bgp::IpAddress> {
        for (const auto& a : n.vnet_addresses)
            if (fits(a)) return a;
        return std::nullopt;
    };
    const auto from_interfaces = [&]() -> std::optional<bgp::IpAddress> {
        for (const auto& interface : n.interfaces)
            for (const auto& a : interface.addresses())
                if (fits(a.address)) return a.address;
        return std::nullopt;
    };
    if (interfaces_first) {
        if (auto a = from_interfaces()) return a;
        return from_vnet();
    }
    if (auto a = from_vnet()) return a;
    return from_interfaces();
}

std::string family_words(std::optional<bgp::Afi> family) {
    return !family ? "address" : *family == bgp::Afi::ipv4 ? "IPv4 address" : "IPv6 address";
}

}  // namespace

std::optional<ProbeSource> Network::probe_source(std::string_view name, std::optional<bgp::IpAddress> source,
                                                 std::string& error, std::optional<bgp::Afi> family) const {
    std::optional<std::size_t> node = find_node(name);
    if (!node) {
        if (const auto v = find_vnet(name)) {
            const auto& hosts = vnets_[*v].hosts;
            const auto host = std::find_if(hosts.begin(), hosts.end(), [&](std::size_t h) {
                return first_address(nodes_[h], family, false).has_value();
            });
            if (host == hosts.end()) {
                error = "VNet '" + std::string(name) + "' has no host with an " + family_words(family) +
                        " to send from (add one under 'hosts')";
                return std::nullopt;
            }
            node = *host;
        }
    }
    if (!node) {
        error = "no node, host or VNet named '" + std::string(name) + "'";
        return std::nullopt;
    }
    const auto& n = nodes_[*node];
    if (source) {
        if (owner_of(*source) != node) {
            error = "source " + source->to_string() + " is not an address of '" + n.name + "'";
            return std::nullopt;
        }
        return ProbeSource{*node, *source};
    }
    // A host sends from its VNet address; another node from its first interface.
    if (const auto address = first_address(n, family, n.kind != NodeKind::host)) return ProbeSource{*node, *address};
    error = "'" + n.name + "' has no " + family_words(family) + " to send from" + (family ? "" : " (give it an interface)");
    return std::nullopt;
}

std::optional<bgp::IpAddress> Network::destination(std::string_view text, std::string& error,
                                                   std::optional<bgp::Afi> family) const {
    if (auto address = bgp::IpAddress::parse(std::string(text))) return address;
    if (const auto node = find_node(text)) {
        const auto& n = nodes_[*node];
        if (const auto address = first_address(n, family, false)) return address;
        error = "'" + n.name + "' has no " + family_words(family);
        return std::nullopt;
    }
    if (const auto v = find_vnet(text))
        for (const auto h : vnets_[*v].hosts)
            if (const auto address = first_address(nodes_[h], family, false)) return address;
    error = "'" + std::string(text) + "' is neither an address nor the name of a node, host or VNet with a host" +
            (family ? " with an " + family_words(family) : std::string());
    return std::nullopt;
}

// ---- The walk ---------------------------------------------------------------------------------

// Where a packet is, and how it got there.
struct Position {
    enum class Kind : std::uint8_t { node, vnet };
    enum class From : std::uint8_t { origin, link, vnet, gateway, peering, host };
    Kind kind = Kind::node;
    std::size_t index = 0;
    From from = From::origin;
    std::size_t via = 0;        // link: the link; gateway/host: the node; peering: the VNet
    std::size_t interface = 0;  // link: the interface it arrived on
    double delay_ms = 0;        // summed link delays from the start

    [[nodiscard]] auto key() const { return std::make_tuple(kind, index, from, via, interface); }
};

class Walker {
public:
    Walker(const Network& network, const RoutingState& state, bgp::IpAddress source, bgp::IpAddress destination,
           WalkCache* cache = nullptr)
        : network_(network), state_(state), source_(source), destination_(destination), cache_(cache ? cache : &own_cache_) {}

    // Enumerating ECMP branches: the choices to take, in order (the rest: the first member).
    void force(std::vector<std::size_t> choices) {
        forced_ = std::move(choices);
        enumerate_ = true;
    }
    // After an enumerating walk: the next combination of choices, or false when done.
    bool next_choices(std::vector<std::size_t>& choices) const {
        choices = forced_;
        for (std::size_t i = counts_.size(); i-- > 0;) {
            if (choices[i] + 1 < counts_[i]) {
                ++choices[i];
                choices.resize(i + 1);
                return true;
            }
        }
        return false;
    }

    WalkOutcome walk(std::size_t start, std::vector<Position>* visited = nullptr) {
        WalkOutcome outcome;
        Position at{Position::Kind::node, start};
        std::set<decltype(at.key())> seen;
        for (unsigned steps = 0;; ++steps) {
            outcome.nodes.push_back(name_of(at));
            outcome.node = name_of(at);
            outcome.delay_ms = at.delay_ms;
            if (visited) visited->push_back(at);
            if (!seen.insert(at.key()).second || steps > 255) {
                outcome.verdict = WalkOutcome::Verdict::loop;
                outcome.reason = "forwarding loop: " + name_of(at) + " reached again the same way";
                return outcome;
            }
            std::optional<Position> next =
                at.kind == Position::Kind::node ? node_step(at, outcome) : vnet_step(at, outcome);
            if (!next) return outcome;
            at = *next;
        }
    }

private:
    [[nodiscard]] std::string name_of(const Position& at) const {
        return at.kind == Position::Kind::node ? network_.nodes()[at.index].name
                                               : "vnet:" + network_.vnets()[at.index].name;
    }

    std::size_t choose(std::size_t count, std::size_t hashed) {
        if (!enumerate_ || count <= 1) return count <= 1 ? 0 : hashed;
        const auto i = next_choice_++;
        if (i >= forced_.size()) forced_.push_back(0);
        if (i >= counts_.size()) counts_.resize(i + 1);
        counts_[i] = count;
        return std::min(forced_[i], count - 1);
    }

    [[nodiscard]] bool owns_destination(const Network::Node& node) const {
        for (const auto& interface : node.interfaces)
            if (interface.has_address(destination_)) return true;
        return std::find(node.vnet_addresses.begin(), node.vnet_addresses.end(), destination_) != node.vnet_addresses.end();
    }

    // Whether the VNet's system routes (own or peered spaces) cover `address`.
    [[nodiscard]] bool in_vnet_system_routes(std::size_t v, const bgp::IpAddress& address) const {
        const auto& vnet = network_.vnets()[v];
        for (const auto& space : vnet.address_spaces)
            if (space.contains(address)) return true;
        for (const auto& peering : vnet.peerings)
            for (const auto& space : network_.vnets()[peering.vnet].address_spaces)
                if (space.contains(address)) return true;
        return false;
    }

    std::optional<Position> end(WalkOutcome& outcome, WalkOutcome::Verdict verdict, std::string reason) {
        outcome.verdict = verdict;
        outcome.reason = std::move(reason);
        return std::nullopt;
    }

    std::optional<Position> into_vnet(const Position& at, std::size_t v, Position::From from) {
        return Position{Position::Kind::vnet, v, from, at.index, 0, at.delay_ms};
    }

    std::optional<Position> node_step(const Position& at, WalkOutcome& outcome) {
        const auto& node = network_.nodes()[at.index];
        if (owns_destination(node)) {
            outcome.verdict = WalkOutcome::Verdict::delivered;
            return std::nullopt;
        }
        const bool from_connection = at.from == Position::From::link;
        if (node.gateway() && from_connection && node.source_check &&
            !state_.learned_over(at.index, at.via, source_))
            return end(outcome, WalkOutcome::Verdict::dropped,
                       "source " + source_.to_string() + " is not inside a prefix " + node.name + " learned over " +
                           network_.links()[at.via].name);
        if (node.kind == NodeKind::host && at.from != Position::From::origin)
            return end(outcome, WalkOutcome::Verdict::dropped, node.name + " is a host: it does not forward");
        if (node.kind == NodeKind::host && node.vnet) return into_vnet(at, *node.vnet, Position::From::host);

        const rib::Fib* fib = node.kind == NodeKind::speaker || node.kind == NodeKind::external ? state_.fib(at.index)
                                                                                              : network_.static_fib(at.index);
        std::optional<rib::FibLookup> found;
        if (fib) found = fib->lookup(destination_, source_);
        // An appliance sends into its VNet what its own table has no route for, and so does
        // a gateway with what it sends itself (a trace's answer).
        if (node.appliance() && !found) return into_vnet(at, *node.vnet, Position::From::host);
        if (node.gateway() && at.from == Position::From::origin && !found)
            return into_vnet(at, *node.vnet, Position::From::gateway);
        if (node.gateway() && at.from != Position::From::vnet) {
            // What the VNet's system routes cover goes into the VNet; so does what came
            // from a connection, unless the gateway transits to another connection.
            if (in_vnet_system_routes(*node.vnet, destination_)) return into_vnet(at, *node.vnet, Position::From::gateway);
            if (from_connection) {
                const bool bgp_route = found && found->route &&
                                       (found->route->protocol == rib::FibProtocol::ebgp ||
                                        found->route->protocol == rib::FibProtocol::ibgp);
                if (!node.transit || !bgp_route) return into_vnet(at, *node.vnet, Position::From::gateway);
            }
        }
        if (!fib) return end(outcome, WalkOutcome::Verdict::unreachable, node.name + " has no forwarding table");
        if (!found) return end(outcome, WalkOutcome::Verdict::unreachable, "no route to " + destination_.to_string() + " at " + node.name);
        const auto& route = *found->route;
        if (route.blackhole)
            return end(outcome, WalkOutcome::Verdict::dropped, "blackhole route " + found->prefix.to_string() + " at " + node.name);
        const auto member = choose(route.next_hops.size(), rib::Fib::flow_member(source_, destination_, route.next_hops.size()));
        const auto& hop = route.next_hops[member];
        const auto target = hop.gateway.value_or(destination_);
        const auto interface = std::find_if(node.interfaces.begin(), node.interfaces.end(),
                                            [&](const auto& i) { return i.name == hop.interface; });
        if (interface == node.interfaces.end())
            return end(outcome, WalkOutcome::Verdict::unreachable, "interface " + hop.interface + " of " + node.name + " is not in the topology");
        const auto interface_index = static_cast<std::size_t>(interface - node.interfaces.begin());
        std::vector<std::size_t> up;
        std::optional<std::size_t> chosen;
        for (const auto l : interface->links) {
            const auto& link = network_.links()[l];
            if (!link.up) continue;
            up.push_back(l);
            const auto& far = link.ends[0].node == at.index && link.ends[0].interface == interface_index ? link.ends[1] : link.ends[0];
            if (network_.nodes()[far.node].interfaces[far.interface].has_address(target)) chosen = l;
        }
        if (!chosen && up.size() == 1) chosen = up.front();
        if (!chosen)
            return end(outcome, WalkOutcome::Verdict::unreachable,
                       up.empty() ? "interface " + hop.interface + " of " + node.name + " has no link up"
                                  : "no neighbour with address " + target.to_string() + " on " + node.name + ":" + hop.interface);
        const auto& link = network_.links()[*chosen];
        const auto& far = link.ends[0].node == at.index && link.ends[0].interface == interface_index ? link.ends[1] : link.ends[0];
        // Delivered on a connected subnet: only its owner would answer ARP. Handing it to
        // the link's far end anyway would bounce it between two routers until the loop check.
        if (!hop.gateway && !owns_destination(network_.nodes()[far.node]))
            return end(outcome, WalkOutcome::Verdict::unreachable,
                       "no host with address " + destination_.to_string() + " on " + node.name + ":" + hop.interface);
        return Position{Position::Kind::node, far.node, Position::From::link, *chosen, far.interface, at.delay_ms + link.delay_ms};
    }

    const std::vector<EffectiveRoute>& routes_of(std::size_t v, std::optional<std::size_t> table) {
        return cache_->effective_routes(network_, state_, v, table);
    }

    // The route table of the subnet a packet leaves: the sending host's or appliance's,
    // the GatewaySubnet's for what a gateway brings in. What came over a peering is
    // delivered in the VNet by its system routes alone.
    [[nodiscard]] std::optional<std::size_t> route_table_for(const Position& at) const {
        switch (at.from) {
            case Position::From::host: return network_.route_table_of(at.via);
            case Position::From::gateway: return network_.vnets()[at.index].gateway_route_table;
            default: return std::nullopt;
        }
    }

    // A node in `v` or a VNet peered with it that owns `address`.
    [[nodiscard]] std::optional<std::size_t> in_reach(std::size_t v, const bgp::IpAddress& address) const {
        const auto owner = network_.owner_of(address);
        if (!owner) return std::nullopt;
        const auto& node = network_.nodes()[*owner];
        if (!node.vnet) return std::nullopt;
        if (*node.vnet == v) return owner;
        for (const auto& peering : network_.vnets()[v].peerings)
            if (peering.vnet == *node.vnet) return owner;
        return std::nullopt;
    }

    std::optional<Position> vnet_step(const Position& at, WalkOutcome& outcome) {
        const auto& vnet = network_.vnets()[at.index];
        using Type = EffectiveRoute::NextHopType;
        // Traffic from a gateway may go to the VNet, its peers and appliances, and to
        // another gateway only when a Route Server allows branch-to-branch traffic; from
        // a peering only to the VNet itself (peering is not transitive).
        const auto allowed = [&](const EffectiveRoute& row) {
            if (at.from == Position::From::peering) return row.next_hop_type == Type::vnet_local;
            if (at.from == Position::From::gateway)
                return row.next_hop_type != Type::gateway || row.route_server || vnet.branch_to_branch;
            return true;
        };
        const EffectiveRoute* best = nullptr;
        for (const auto& row : routes_of(at.index, route_table_for(at)))
            if (row.active && allowed(row) && row.prefix.contains(destination_) &&
                (!best || row.prefix.length() > best->prefix.length()))
                best = &row;
        if (!best)
            return end(outcome, WalkOutcome::Verdict::unreachable,
                       "no effective route to " + destination_.to_string() + " in VNet " + vnet.name);
        switch (best->next_hop_type) {
            case Type::vnet_local: {
                for (const auto* members : {&vnet.hosts, &vnet.appliances, &vnet.gateways})
                    for (const auto n : *members)
                        if (owns_destination(network_.nodes()[n]))
                            return Position{Position::Kind::node, n, Position::From::vnet, at.index, 0, at.delay_ms};
                return end(outcome, WalkOutcome::Verdict::unreachable,
                           "no host with address " + destination_.to_string() + " in VNet " + vnet.name);
            }
            case Type::virtual_appliance: {
                const auto appliance = best->next_hop_address ? in_reach(at.index, *best->next_hop_address) : std::nullopt;
                if (!appliance)
                    return end(outcome, WalkOutcome::Verdict::unreachable,
                               "user-defined route " + best->route_name + " in VNet " + vnet.name + ": no VM or appliance at " +
                                   (best->next_hop_address ? best->next_hop_address->to_string() : "?") +
                                   " in the VNet or a peered one");
                const auto into = *network_.nodes()[*appliance].vnet;
                return Position{Position::Kind::node, *appliance, Position::From::vnet, into, 0, at.delay_ms};
            }
            case Type::internet:
                return end(outcome, WalkOutcome::Verdict::unreachable,
                           "user-defined route " + best->route_name + " in VNet " + vnet.name +
                               " sends it to the Internet, which the emulation does not hold");
            case Type::none:
                return end(outcome, WalkOutcome::Verdict::dropped,
                           "user-defined route " + best->route_name + " in VNet " + vnet.name + " has next hop type None");
            case Type::vnet_peering: {
                const auto peer = network_.find_vnet(best->peer_vnet);
                return Position{Position::Kind::vnet, *peer, Position::From::peering, at.index, 0, at.delay_ms};
            }
            case Type::gateway: {
                if (best->gateways.empty())
                    return end(outcome, WalkOutcome::Verdict::unreachable,
                               "user-defined route " + best->route_name + " in VNet " + vnet.name + ": the VNet has no VPN gateway");
                const auto member = choose(best->gateways.size(), rib::Fib::flow_member(source_, destination_, best->gateways.size()));
                return Position{Position::Kind::node, best->gateways[member], Position::From::vnet, at.index, 0, at.delay_ms};
            }
        }
        return std::nullopt;
    }

    const Network& network_;
    const RoutingState& state_;
    bgp::IpAddress source_;
    bgp::IpAddress destination_;
    bool enumerate_ = false;
    std::vector<std::size_t> forced_;
    std::vector<std::size_t> counts_;
    std::size_t next_choice_ = 0;
    WalkCache own_cache_;
    WalkCache* cache_;
};

const std::vector<EffectiveRoute>& WalkCache::effective_routes(const Network& network, const RoutingState& state, std::size_t vnet,
                                                               std::optional<std::size_t> table) {
    const auto key = std::make_pair(vnet, table);
    auto it = routes_.find(key);
    if (it == routes_.end()) it = routes_.emplace(key, network.effective_routes(vnet, state, table)).first;
    return it->second;
}

PingResult Network::ping(const RoutingState& state, const ProbeSource& from, const bgp::IpAddress& destination,
                         WalkCache* cache) const {
    PingResult result;
    WalkCache own;
    if (!cache) cache = &own;
    Walker forward(*this, state, from.address, destination, cache);
    std::vector<Position> visited;
    result.forward = forward.walk(from.node, &visited);
    if (result.forward.verdict == WalkOutcome::Verdict::delivered) {
        Walker back(*this, state, destination, from.address, cache);
        result.back = back.walk(visited.back().index);
    }
    return result;
}

std::vector<TracePath> Network::trace(const RoutingState& state, const ProbeSource& from,
                                      const bgp::IpAddress& destination, bool all_paths) const {
    constexpr std::size_t max_paths = 32;
    std::vector<TracePath> paths;
    std::vector<std::size_t> choices;
    for (;;) {
        Walker walker(*this, state, from.address, destination);
        if (all_paths) walker.force(choices);
        std::vector<Position> visited;
        TracePath path;
        path.forward = walker.walk(from.node, &visited);

        // An answer from `node` with source `address`: does it come back?
        const auto answer = [&](std::size_t node, const bgp::IpAddress& address, double forward_delay) {
            TraceHop hop;
            hop.number = static_cast<unsigned>(path.hops.size() + 1);
            hop.node = nodes_[node].name;
            hop.inferred = nodes_[node].kind == NodeKind::external;
            Walker back(*this, state, address, from.address);
            const auto returned = back.walk(node);
            if (returned.verdict == WalkOutcome::Verdict::delivered) {
                hop.address = address;
                hop.rtt_ms = forward_delay + returned.delay_ms;
            } else {
                hop.why_silent = "answer from " + address.to_string() + " lost: " + returned.reason;
            }
            path.hops.push_back(std::move(hop));
        };
        const bool delivered = path.forward.verdict == WalkOutcome::Verdict::delivered;
        const bool dropped = path.forward.verdict == WalkOutcome::Verdict::dropped;
        for (std::size_t i = 1; i < visited.size(); ++i) {
            const auto& at = visited[i];
            if (at.kind != Position::Kind::node) continue;
            const bool last = i + 1 == visited.size();
            if (last && delivered) {
                answer(at.index, destination, at.delay_ms);
                break;
            }
            if (last && dropped) break;  // dropped on arrival: the probe never expires there
            const auto& node = nodes_[at.index];
            HopBehaviour stages;
            // Unset when the node has no address of its own to answer from: it then
            // counts a `*`. (It used to fall back to the probe's own source address, so
            // a gateway without vnet_addresses or interfaces "answered" as the prober.)
            // The answer is of the probe's family (ICMPv6 for IPv6): the address of that
            // family on the interface it came in on, else another of the node's.
            const auto family = destination.afi();
            std::optional<bgp::IpAddress> answer_from;
            if (at.from == Position::From::link) {
                stages = node.interfaces[at.interface].hop;
                if (const auto own = node.interfaces[at.interface].address_of(family)) answer_from = own->address;
                else answer_from = first_address(node, family, true);
            } else if (at.from == Position::From::vnet) {
                stages = node.vnet_hop;
                std::vector<bgp::IpAddress> addresses;
                for (const auto& a : node.vnet_addresses)
                    if (a.afi() == family) addresses.push_back(a);
                if (!addresses.empty())
                    answer_from = addresses[rib::Fib::flow_member(from.address, destination, addresses.size())];
                else
                    answer_from = first_address(node, family, true);
            }
            for (const auto stage : stages) {
                if (stage == HopStage::answer && answer_from) {
                    answer(at.index, *answer_from, at.delay_ms);
                } else {
                    TraceHop hop;
                    hop.number = static_cast<unsigned>(path.hops.size() + 1);
                    hop.node = node.name;
                    hop.inferred = node.kind == NodeKind::external;
                    hop.why_silent = stage == HopStage::answer ? node.name + " has no address to answer from" : "silent (hop model)";
                    path.hops.push_back(std::move(hop));
                }
            }
        }
        paths.push_back(std::move(path));
        if (!all_paths || paths.size() >= max_paths || !walker.next_choices(choices)) break;
    }
    return paths;
}

}  // namespace bgpemu::dataplane
