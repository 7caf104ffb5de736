#include "dataplane/network.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace bgpemu::dataplane {

namespace {

bool contains(const bgp::Prefix& outer, const bgp::Prefix& inner) {
    return outer.afi() == inner.afi() && inner.length() >= outer.length() &&
           bgp::Prefix::make(inner.address(), outer.length()) == outer;
}

bool contains(const bgp::Prefix& prefix, const bgp::IpAddress& address) {
    return prefix.afi() == address.afi() && bgp::Prefix::make(address, prefix.length()) == prefix;
}

// The role's hop behaviour for packets arriving over a link (section 6 of the spec):
// an MSEE is transparent to packets from a gateway, an ExpressRoute gateway counts
// silently what comes from an MSEE, a VPN gateway passes tunnel traffic through;
// everything else answers from the interface the packet came in on.
HopBehaviour default_link_hop(Role role, bool far_end_is_gateway) {
    if (role == Role::msee && far_end_is_gateway) return {};
    if (role == Role::er_gateway) return {HopStage::silent};
    if (role == Role::vpn_gateway) return {};
    return {HopStage::answer};
}

// For packets from its VNet: an ExpressRoute gateway answers from an instance address;
// a VPN gateway answers, then counts a silent tunnel stage.
HopBehaviour default_vnet_hop(Role role) {
    if (role == Role::vpn_gateway) return {HopStage::answer, HopStage::silent};
    return {HopStage::answer};
}

}  // namespace

// ---- Names ------------------------------------------------------------------------------------

std::optional<HopBehaviour> parse_hop_behaviour(std::string_view text) {
    if (text == "transparent") return HopBehaviour{};
    HopBehaviour stages;
    while (!text.empty()) {
        const auto plus = text.find('+');
        const auto stage = text.substr(0, plus);
        if (stage == "answer") stages.push_back(HopStage::answer);
        else if (stage == "silent") stages.push_back(HopStage::silent);
        else return std::nullopt;
        if (plus == std::string_view::npos) break;
        text.remove_prefix(plus + 1);
        if (text.empty()) return std::nullopt;
    }
    if (stages.empty()) return std::nullopt;
    return stages;
}

std::string hop_behaviour_name(const HopBehaviour& behaviour) {
    if (behaviour.empty()) return "transparent";
    std::string name;
    for (const auto stage : behaviour) name += (name.empty() ? "" : "+") + std::string(stage == HopStage::answer ? "answer" : "silent");
    return name;
}

const char* node_kind_name(NodeKind kind) noexcept {
    switch (kind) {
        case NodeKind::speaker: return "speaker";
        case NodeKind::router: return "router";
        case NodeKind::host: return "host";
        case NodeKind::external: return "external";
    }
    return "?";
}

const NodeConfig* TopologyConfig::find_node(std::string_view name) const {
    for (const auto& node : nodes)
        if (node.name == name) return &node;
    return nullptr;
}

const VnetConfig* TopologyConfig::find_vnet(std::string_view name) const {
    for (const auto& vnet : vnets)
        if (vnet.name == name) return &vnet;
    return nullptr;
}

const char* EffectiveRoute::source_name() const noexcept {
    return next_hop_type == NextHopType::gateway ? "VirtualNetworkGateway" : "Default";
}

const char* EffectiveRoute::next_hop_type_name() const noexcept {
    switch (next_hop_type) {
        case NextHopType::vnet_local: return "VnetLocal";
        case NextHopType::vnet_peering: return "VNetPeering";
        case NextHopType::gateway: return "VirtualNetworkGateway";
    }
    return "?";
}

const char* verdict_name(WalkOutcome::Verdict verdict) noexcept {
    switch (verdict) {
        case WalkOutcome::Verdict::delivered: return "delivered";
        case WalkOutcome::Verdict::unreachable: return "unreachable";
        case WalkOutcome::Verdict::dropped: return "dropped";
        case WalkOutcome::Verdict::loop: return "loop";
    }
    return "?";
}

// ---- Building ---------------------------------------------------------------------------------

Network::Network(const TopologyConfig& topology) {
    for (const auto& vnet : topology.vnets) vnets_.push_back(Vnet{vnet.name, vnet.address_spaces, {}, {}, {}});
    for (const auto& config : topology.nodes) {
        Node node;
        node.name = config.name;
        node.kind = config.kind;
        node.role = config.role;
        for (const auto& interface : config.interfaces)
            node.interfaces.push_back(Interface{interface.name, interface.address, interface.length, {}, {}});
        if (!config.vnet.empty()) node.vnet = find_vnet(config.vnet);
        node.vnet_addresses = config.vnet_addresses;
        node.transit = config.transit.value_or(config.role == Role::vpn_gateway);
        node.source_check = config.source_check;
        const auto index = nodes_.size();
        if (node.vnet) {
            if (node.kind == NodeKind::host) vnets_[*node.vnet].hosts.push_back(index);
            else if (node.kind == NodeKind::speaker) vnets_[*node.vnet].gateways.push_back(index);
        }
        nodes_.push_back(std::move(node));
        static_routes_.push_back(config.kind == NodeKind::speaker ? std::vector<rib::StaticRouteConfig>{} : config.static_routes);
        prefer_.push_back(config.prefer);
    }
    for (const auto& config : topology.links) {
        Link link;
        link.name = config.name;
        link.delay_ms = config.delay_ms;
        link.up = config.up;
        const LinkEnd* ends[2] = {&config.a, &config.b};
        bool resolved = true;
        for (int i = 0; i < 2; ++i) {
            const auto node = find_node(ends[i]->node);
            if (!node) {
                resolved = false;
                break;
            }
            const auto& interfaces = nodes_[*node].interfaces;
            const auto it = std::find_if(interfaces.begin(), interfaces.end(),
                                         [&](const Interface& interface) { return interface.name == ends[i]->interface; });
            if (it == interfaces.end()) {
                resolved = false;
                break;
            }
            link.ends[i] = End{*node, static_cast<std::size_t>(it - interfaces.begin())};
        }
        if (!resolved) continue;
        for (const auto& end : link.ends) nodes_[end.node].interfaces[end.interface].links.push_back(links_.size());
        links_.push_back(std::move(link));
    }
    for (std::size_t v = 0; v < topology.vnets.size(); ++v)
        for (const auto& peering : topology.vnets[v].peerings)
            if (const auto peer = find_vnet(peering.vnet))
                vnets_[v].peerings.push_back(Peering{*peer, peering.allow_gateway_transit, peering.use_remote_gateways});

    // Hop behaviour: the config's overrides, else the role's defaults.
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
        auto& node = nodes_[n];
        const auto& config = topology.nodes[n];
        for (auto& interface : node.interfaces) {
            bool far_end_is_gateway = false;
            for (const auto l : interface.links) {
                const auto& link = links_[l];
                const auto far = link.ends[0].node == n ? link.ends[1].node : link.ends[0].node;
                far_end_is_gateway = far_end_is_gateway || nodes_[far].gateway() ||
                                     is_gateway(nodes_[far].role);
            }
            if (const auto it = config.interface_hops.find(interface.name); it != config.interface_hops.end())
                interface.hop = it->second;
            else
                interface.hop = config.hop.value_or(default_link_hop(node.role, far_end_is_gateway));
        }
        node.vnet_hop = config.vnet_hop.value_or(config.hop.value_or(default_vnet_hop(node.role)));
    }
    build_static_fibs();
}

void Network::build_static_fibs() {
    static_fibs_.clear();
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
        const auto& node = nodes_[n];
        if (node.kind == NodeKind::speaker || node.kind == NodeKind::external || (node.kind == NodeKind::host && node.vnet)) {
            static_fibs_.push_back(nullptr);
            continue;
        }
        auto fib = std::make_unique<rib::Fib>();
        program(n, *fib);
        for (const auto& route : static_routes_[n]) fib->set_static(route.prefix, route.next_hops, route.blackhole);
        static_fibs_.push_back(std::move(fib));
    }
}

// ---- Queries ----------------------------------------------------------------------------------

std::optional<std::size_t> Network::find_node(std::string_view name) const {
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i].name == name) return i;
    return std::nullopt;
}

std::optional<std::size_t> Network::find_vnet(std::string_view name) const {
    for (std::size_t i = 0; i < vnets_.size(); ++i)
        if (vnets_[i].name == name) return i;
    return std::nullopt;
}

std::optional<std::size_t> Network::find_link(std::string_view name) const {
    for (std::size_t i = 0; i < links_.size(); ++i)
        if (links_[i].name == name) return i;
    return std::nullopt;
}

std::vector<std::size_t> Network::links_between(std::size_t a, std::size_t b) const {
    std::vector<std::size_t> result;
    for (std::size_t i = 0; i < links_.size(); ++i) {
        const auto& ends = links_[i].ends;
        if ((ends[0].node == a && ends[1].node == b) || (ends[0].node == b && ends[1].node == a)) result.push_back(i);
    }
    return result;
}

std::optional<std::size_t> Network::owner_of(const bgp::IpAddress& address) const {
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
        const auto& node = nodes_[n];
        for (const auto& interface : node.interfaces)
            if (interface.address == address) return n;
        if (std::find(node.vnet_addresses.begin(), node.vnet_addresses.end(), address) != node.vnet_addresses.end())
            return n;
    }
    return std::nullopt;
}

void Network::build_external_fib(std::size_t node, rib::Fib& fib, const std::vector<AdvertisedRoute>& advertised) const {
    program(node, fib);
    for (const auto& route : static_routes_[node]) fib.set_static(route.prefix, route.next_hops, route.blackhole);
    // Per prefix, what the router most likely chose among what it was sent: the
    // neighbour it prefers (`prefer`, standing for its local-preference policy), then
    // BGP's own steps that we can see: the shorter AS path, the lower router id.
    const auto& prefer = prefer_[node];
    const auto rank = [&](const AdvertisedRoute& r) {
        const auto at = std::find(prefer.begin(), prefer.end(), r.from);
        return std::make_tuple(static_cast<std::size_t>(at - prefer.begin()), r.as_path_length, r.router_id);
    };
    std::map<bgp::Prefix, const AdvertisedRoute*> best;
    for (const auto& route : advertised) {
        auto& chosen = best[route.prefix];
        if (!chosen || rank(route) < rank(*chosen)) chosen = &route;
    }
    for (const auto& [prefix, route] : best)
        fib.set_bgp(prefix, true, {route->next_hop}, "inferred: advertised by " + route->from);
}

const rib::Fib* Network::static_fib(std::size_t node) const {
    return node < static_fibs_.size() ? static_fibs_[node].get() : nullptr;
}

// ---- Link state -------------------------------------------------------------------------------

bool Network::set_link_up(std::size_t link, bool up) {
    if (links_[link].up == up) return false;
    links_[link].up = up;
    for (const auto& end : links_[link].ends)
        if (auto& fib = static_fibs_[end.node]) program(end.node, *fib);
    return true;
}

bool Network::interface_up(std::size_t node, std::size_t interface) const {
    const auto& links = nodes_[node].interfaces[interface].links;
    return links.empty() || std::any_of(links.begin(), links.end(), [&](std::size_t l) { return links_[l].up; });
}

void Network::program(std::size_t n, rib::Fib& fib) const {
    const auto& node = nodes_[n];
    for (std::size_t i = 0; i < node.interfaces.size(); ++i) {
        const auto& interface = node.interfaces[i];
        const bool up = interface_up(n, i);
        if (up && !fib.has_interface(interface.name)) fib.set_interface(interface.name, interface.address, interface.length);
        if (!up && fib.has_interface(interface.name)) fib.remove_interface(interface.name);
        std::vector<bgp::IpAddress> wanted;
        const auto subnet = bgp::Prefix::make(interface.address, interface.length);
        for (const auto l : interface.links) {
            const auto& link = links_[l];
            if (!link.up) continue;
            const auto& far = link.ends[0].node == n && link.ends[0].interface == i ? link.ends[1] : link.ends[0];
            const auto& far_address = nodes_[far.node].interfaces[far.interface].address;
            if (!contains(subnet, far_address)) wanted.push_back(far_address);
        }
        for (const auto& peer : fib.peers(interface.name))
            if (std::find(wanted.begin(), wanted.end(), peer) == wanted.end()) fib.remove_peer(interface.name, peer);
        for (const auto& peer : wanted) fib.set_peer(interface.name, peer);
    }
}

// ---- VNet effective routes --------------------------------------------------------------------

std::vector<EffectiveRoute> Network::effective_routes(std::size_t v, const RoutingState& state) const {
    const auto& vnet = vnets_[v];
    std::vector<EffectiveRoute> rows;
    const auto row_of = [](const bgp::Prefix& prefix, EffectiveRoute::NextHopType type) {
        EffectiveRoute row;
        row.prefix = prefix;
        row.next_hop_type = type;
        return row;
    };
    for (const auto& space : vnet.address_spaces) rows.push_back(row_of(space, EffectiveRoute::NextHopType::vnet_local));
    std::vector<std::size_t> gateways = vnet.gateways;
    for (const auto& peering : vnet.peerings) {
        const auto& peer = vnets_[peering.vnet];
        for (const auto& space : peer.address_spaces) {
            auto row = row_of(space, EffectiveRoute::NextHopType::vnet_peering);
            row.peer_vnet = peer.name;
            rows.push_back(std::move(row));
        }
        // Gateway transit needs both sides: "use remote gateways" here and "allow
        // gateway transit" on the peer's side of the peering.
        if (!peering.use_remote_gateways) continue;
        for (const auto& back : peer.peerings)
            if (back.vnet == v && back.allow_gateway_transit)
                gateways.insert(gateways.end(), peer.gateways.begin(), peer.gateways.end());
    }
    const auto system_rows = rows.size();

    // The gateways' learned routes by prefix, then one row per prefix: ExpressRoute over
    // VPN whatever the AS path; among the winners the highest weight, then the shortest
    // AS path; what ties is ECMP.
    struct Candidate {
        std::size_t gateway;
        LearnedRoute route;
    };
    std::map<bgp::Prefix, std::vector<Candidate>> learned;
    for (const auto gateway : gateways)
        state.for_each_learned(gateway, [&](const LearnedRoute& route) { learned[route.prefix].push_back({gateway, route}); });
    for (auto& [prefix, candidates] : learned) {
        const auto rank = [&](const Candidate& c) {
            return std::make_tuple(nodes_[c.gateway].express_route() ? 0 : 1, -static_cast<long long>(c.route.weight),
                                   c.route.as_path_length);
        };
        std::stable_sort(candidates.begin(), candidates.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
        auto row = row_of(prefix, EffectiveRoute::NextHopType::gateway);
        row.express_route = nodes_[candidates.front().gateway].express_route();
        row.weight = candidates.front().route.weight;
        row.as_path_length = candidates.front().route.as_path_length;
        for (const auto& candidate : candidates)
            if (rank(candidate) == rank(candidates.front()) &&
                std::find(row.gateways.begin(), row.gateways.end(), candidate.gateway) == row.gateways.end())
                row.gateways.push_back(candidate.gateway);
        // System routes for the VNet's own and peered spaces beat any BGP route for them.
        for (std::size_t i = 0; i < system_rows; ++i)
            if (contains(rows[i].prefix, prefix)) {
                row.active = false;
                row.note = "inside " + rows[i].prefix.to_string() + ", a system route";
            }
        rows.push_back(std::move(row));
    }
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.prefix < b.prefix; });
    return rows;
}

// ---- Probe endpoints --------------------------------------------------------------------------

std::optional<ProbeSource> Network::probe_source(std::string_view name, std::optional<bgp::IpAddress> source,
                                                 std::string& error) const {
    std::optional<std::size_t> node = find_node(name);
    if (!node) {
        if (const auto v = find_vnet(name)) {
            if (vnets_[*v].hosts.empty()) {
                error = "VNet '" + std::string(name) + "' has no host to send from (add one under 'hosts')";
                return std::nullopt;
            }
            node = vnets_[*v].hosts.front();
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
    if (n.kind == NodeKind::host && !n.vnet_addresses.empty()) return ProbeSource{*node, n.vnet_addresses.front()};
    if (!n.interfaces.empty()) return ProbeSource{*node, n.interfaces.front().address};
    if (!n.vnet_addresses.empty()) return ProbeSource{*node, n.vnet_addresses.front()};
    error = "'" + n.name + "' has no address to send from (give it an interface)";
    return std::nullopt;
}

std::optional<bgp::IpAddress> Network::destination(std::string_view text, std::string& error) const {
    if (auto address = bgp::IpAddress::parse(std::string(text))) return address;
    if (const auto node = find_node(text)) {
        const auto& n = nodes_[*node];
        if (!n.vnet_addresses.empty()) return n.vnet_addresses.front();
        if (!n.interfaces.empty()) return n.interfaces.front().address;
        error = "'" + n.name + "' has no address";
        return std::nullopt;
    }
    if (const auto v = find_vnet(text); v && !vnets_[*v].hosts.empty()) {
        const auto& host = nodes_[vnets_[*v].hosts.front()];
        if (!host.vnet_addresses.empty()) return host.vnet_addresses.front();
    }
    error = "'" + std::string(text) + "' is neither an address nor the name of a node, host or VNet with a host";
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
    Walker(const Network& network, const RoutingState& state, bgp::IpAddress source, bgp::IpAddress destination)
        : network_(network), state_(state), source_(source), destination_(destination) {}

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
            if (interface.address == destination_) return true;
        return std::find(node.vnet_addresses.begin(), node.vnet_addresses.end(), destination_) != node.vnet_addresses.end();
    }

    // Whether the VNet's system routes (own or peered spaces) cover `address`.
    [[nodiscard]] bool in_vnet_system_routes(std::size_t v, const bgp::IpAddress& address) const {
        const auto& vnet = network_.vnets()[v];
        for (const auto& space : vnet.address_spaces)
            if (contains(space, address)) return true;
        for (const auto& peering : vnet.peerings)
            for (const auto& space : network_.vnets()[peering.vnet].address_spaces)
                if (contains(space, address)) return true;
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
            if (network_.nodes()[far.node].interfaces[far.interface].address == target) chosen = l;
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

    const std::vector<EffectiveRoute>& routes_of(std::size_t v) {
        auto it = effective_.find(v);
        if (it == effective_.end()) it = effective_.emplace(v, network_.effective_routes(v, state_)).first;
        return it->second;
    }

    std::optional<Position> vnet_step(const Position& at, WalkOutcome& outcome) {
        const auto& vnet = network_.vnets()[at.index];
        using Type = EffectiveRoute::NextHopType;
        // Traffic from a gateway may go to the VNet and its peers; from a peering only
        // to the VNet itself (peering is not transitive).
        const auto allowed = [&](Type type) {
            if (at.from == Position::From::peering) return type == Type::vnet_local;
            if (at.from == Position::From::gateway) return type != Type::gateway;
            return true;
        };
        const EffectiveRoute* best = nullptr;
        for (const auto& row : routes_of(at.index))
            if (row.active && allowed(row.next_hop_type) && contains(row.prefix, destination_) &&
                (!best || row.prefix.length() > best->prefix.length()))
                best = &row;
        if (!best)
            return end(outcome, WalkOutcome::Verdict::unreachable,
                       "no effective route to " + destination_.to_string() + " in VNet " + vnet.name);
        switch (best->next_hop_type) {
            case Type::vnet_local: {
                for (const auto n : vnet.hosts) {
                    const auto& addresses = network_.nodes()[n].vnet_addresses;
                    if (std::find(addresses.begin(), addresses.end(), destination_) != addresses.end())
                        return Position{Position::Kind::node, n, Position::From::vnet, at.index, 0, at.delay_ms};
                }
                for (const auto n : vnet.gateways)
                    if (owns_destination(network_.nodes()[n]))
                        return Position{Position::Kind::node, n, Position::From::vnet, at.index, 0, at.delay_ms};
                return end(outcome, WalkOutcome::Verdict::unreachable,
                           "no host with address " + destination_.to_string() + " in VNet " + vnet.name);
            }
            case Type::vnet_peering: {
                const auto peer = network_.find_vnet(best->peer_vnet);
                return Position{Position::Kind::vnet, *peer, Position::From::peering, at.index, 0, at.delay_ms};
            }
            case Type::gateway: {
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
    std::map<std::size_t, std::vector<EffectiveRoute>> effective_;
};

PingResult Network::ping(const RoutingState& state, const ProbeSource& from, const bgp::IpAddress& destination) const {
    PingResult result;
    Walker forward(*this, state, from.address, destination);
    std::vector<Position> visited;
    result.forward = forward.walk(from.node, &visited);
    if (result.forward.verdict == WalkOutcome::Verdict::delivered) {
        Walker back(*this, state, destination, from.address);
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
            std::optional<bgp::IpAddress> answer_from;
            if (at.from == Position::From::link) {
                stages = node.interfaces[at.interface].hop;
                answer_from = node.interfaces[at.interface].address;
            } else if (at.from == Position::From::vnet) {
                stages = node.vnet_hop;
                const auto& addresses = node.vnet_addresses;
                if (!addresses.empty())
                    answer_from = addresses[rib::Fib::flow_member(from.address, destination, addresses.size())];
                else if (!node.interfaces.empty())
                    answer_from = node.interfaces.front().address;
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
