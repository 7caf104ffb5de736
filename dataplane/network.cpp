#include "dataplane/network.hpp"

#include <algorithm>
#include <map>

#include "dataplane/name_table.hpp"

namespace bgpemu::dataplane {

namespace {

// The role's hop behaviour for packets arriving over a link, as the traceroutes of
// Microsoft's "Interoperability in Azure: data plane analysis"
// (https://learn.microsoft.com/azure/networking/connectivity-interoperability-data-plane)
// show it: an MSEE is transparent to packets from a gateway, an ExpressRoute gateway counts
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

std::string Network::site_of(std::size_t node) const {
    // Two steps at most: a host's gateway is a LAN router, whose links reach the CEs.
    std::vector<std::size_t> frontier{node};
    std::vector<bool> seen(nodes_.size(), false);
    for (int step = 0; step < 3 && !frontier.empty(); ++step) {
        std::vector<std::size_t> next;
        for (const auto n : frontier) {
            if (seen[n]) continue;
            seen[n] = true;
            if (!nodes_[n].site.empty()) return nodes_[n].site;
            for (const auto& route : static_routes_[n])
                for (const auto& hop : route.next_hops)
                    if (const auto owner = owner_of(hop)) next.push_back(*owner);
            for (const auto& link : links_)
                for (int end = 0; end < 2; ++end)
                    if (link.ends[end].node == n) next.push_back(link.ends[1 - end].node);
        }
        frontier = std::move(next);
    }
    return {};
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

std::vector<const VnetConfig*> TopologyConfig::serving_vnets(const VnetConfig& vnet) const {
    std::vector<const VnetConfig*> out{&vnet};
    for (const auto& peering : vnet.peerings) {
        if (!peering.use_remote_gateways) continue;
        if (const auto* hub = find_vnet(peering.vnet))
            for (const auto& back : hub->peerings)
                if (back.vnet == vnet.name && back.allow_gateway_transit) out.push_back(hub);
    }
    return out;
}

const RouteTableConfig* TopologyConfig::find_route_table(std::string_view name) const {
    for (const auto& table : route_tables)
        if (table.name == name) return &table;
    return nullptr;
}

namespace {

// Azure's names of the next hop types a user-defined route takes.
constexpr std::pair<UserNextHop, const char*> user_next_hop_names[] = {
    {UserNextHop::virtual_appliance, "VirtualAppliance"},
    {UserNextHop::virtual_network_gateway, "VirtualNetworkGateway"},
    {UserNextHop::vnet_local, "VnetLocal"},
    {UserNextHop::internet, "Internet"},
    {UserNextHop::none, "None"},
};

// Azure's values of a Route Server's hubRoutingPreference.
constexpr std::pair<RoutingPreference, const char*> routing_preference_names[] = {
    {RoutingPreference::express_route, "ExpressRoute"},
    {RoutingPreference::vpn_gateway, "VpnGateway"},
    {RoutingPreference::as_path, "ASPath"},
};

}  // namespace

const char* routing_preference_name(RoutingPreference preference) noexcept {
    return name_in(routing_preference_names, preference, "?");
}

std::optional<RoutingPreference> parse_routing_preference(std::string_view text) noexcept {
    return value_in(routing_preference_names, text);
}

const char* user_next_hop_name(UserNextHop type) noexcept { return name_in(user_next_hop_names, type, "?"); }

std::optional<UserNextHop> parse_user_next_hop(std::string_view text) noexcept { return value_in(user_next_hop_names, text); }

const char* EffectiveRoute::source_name() const noexcept {
    switch (source) {
        case Source::system: return "Default";
        case Source::gateway: return "VirtualNetworkGateway";
        case Source::user: return "User";
    }
    return "?";
}

const char* EffectiveRoute::next_hop_type_name() const noexcept {
    switch (next_hop_type) {
        case NextHopType::vnet_local: return "VnetLocal";
        case NextHopType::vnet_peering: return "VNetPeering";
        case NextHopType::gateway: return "VirtualNetworkGateway";
        case NextHopType::virtual_appliance: return "VirtualAppliance";
        case NextHopType::internet: return "Internet";
        case NextHopType::none: return "None";
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
    route_tables_ = topology.route_tables;
    const auto table_index = [&](const std::string& name) -> std::optional<std::size_t> {
        for (std::size_t t = 0; t < route_tables_.size(); ++t)
            if (route_tables_[t].name == name) return t;
        return std::nullopt;
    };
    for (const auto& vnet : topology.vnets) {
        Vnet v;
        v.name = vnet.name;
        v.address_spaces = vnet.address_spaces;
        v.route_table = table_index(vnet.route_table);
        v.gateway_route_table = table_index(vnet.gateway_route_table);
        vnets_.push_back(std::move(v));
    }
    for (const auto& config : topology.nodes) {
        Node node;
        node.name = config.name;
        node.kind = config.kind;
        node.role = config.role;
        for (const auto& interface : config.interfaces)
            node.interfaces.push_back(Interface{interface, {}, {}});
        if (!config.vnet.empty()) node.vnet = find_vnet(config.vnet);
        node.vnet_addresses = config.vnet_addresses;
        node.transit = config.transit.value_or(config.role == Role::vpn_gateway);
        node.source_check = config.source_check;
        node.site = config.site;
        node.circuit = config.circuit;
        node.route_table = table_index(config.route_table);
        const auto index = nodes_.size();
        if (node.vnet) {
            auto& vnet = vnets_[*node.vnet];
            if (node.kind == NodeKind::host) vnet.hosts.push_back(index);
            else if (node.gateway()) vnet.gateways.push_back(index);
            else if (node.route_server()) {
                vnet.route_servers.push_back(index);
                if (config.branch_to_branch) {
                    vnet.branch_to_branch = true;
                    vnet.routing_preference = config.routing_preference;
                }
            }
            else if (node.appliance()) vnet.appliances.push_back(index);
        }
        node_index_.emplace(node.name, index);
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
    for (std::size_t v = 0; v < topology.vnets.size(); ++v) {
        for (const auto& peering : topology.vnets[v].peerings)
            if (const auto peer = find_vnet(peering.vnet))
                vnets_[v].peerings.push_back(Peering{*peer, peering.allow_gateway_transit, peering.use_remote_gateways});
        for (const auto* serving : topology.serving_vnets(topology.vnets[v]))
            vnets_[v].serving.push_back(static_cast<std::size_t>(serving - topology.vnets.data()));
    }

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
    const auto it = node_index_.find(name);
    if (it == node_index_.end()) return std::nullopt;
    return it->second;
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
            if (interface.has_address(address)) return n;
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
        if (up && !fib.has_interface(interface.name)) fib.set_interface(interface);
        if (!up && fib.has_interface(interface.name)) fib.remove_interface(interface.name);
        std::vector<bgp::IpAddress> wanted;
        const auto subnet = bgp::Prefix::make(interface.address, interface.length);
        for (const auto l : interface.links) {
            const auto& link = links_[l];
            if (!link.up) continue;
            const auto& far = link.ends[0].node == n && link.ends[0].interface == i ? link.ends[1] : link.ends[0];
            const auto& far_address = nodes_[far.node].interfaces[far.interface].address;
            if (!subnet.contains(far_address)) wanted.push_back(far_address);
        }
        for (const auto& peer : fib.peers(interface.name))
            if (std::find(wanted.begin(), wanted.end(), peer) == wanted.end()) fib.remove_peer(interface.name, peer);
        for (const auto& peer : wanted) fib.set_peer(interface.name, peer);
    }
}

// ---- VNet effective routes --------------------------------------------------------------------

const std::vector<std::size_t>& Network::serving_vnets(std::size_t v) const { return vnets_[v].serving; }

std::vector<std::size_t> Network::gateways_of(std::size_t v) const {
    std::vector<std::size_t> gateways;
    for (const auto serving : serving_vnets(v))
        gateways.insert(gateways.end(), vnets_[serving].gateways.begin(), vnets_[serving].gateways.end());
    return gateways;
}

std::optional<std::size_t> Network::route_table_of(std::size_t node) const {
    const auto& n = nodes_[node];
    if (n.route_table) return n.route_table;
    if (n.vnet && !n.gateway()) return vnets_[*n.vnet].route_table;
    return std::nullopt;
}

std::vector<EffectiveRoute> Network::effective_routes(std::size_t v, const RoutingState& state,
                                                      std::optional<std::size_t> table) const {
    const auto& vnet = vnets_[v];
    const RouteTableConfig* user_table = table && *table < route_tables_.size() ? &route_tables_[*table] : nullptr;
    std::vector<EffectiveRoute> rows;
    const auto row_of = [](const bgp::Prefix& prefix, EffectiveRoute::NextHopType type) {
        EffectiveRoute row;
        row.prefix = prefix;
        row.next_hop_type = type;
        return row;
    };
    for (const auto& space : vnet.address_spaces) rows.push_back(row_of(space, EffectiveRoute::NextHopType::vnet_local));
    for (const auto& peering : vnet.peerings) {
        const auto& peer = vnets_[peering.vnet];
        for (const auto& space : peer.address_spaces) {
            auto row = row_of(space, EffectiveRoute::NextHopType::vnet_peering);
            row.peer_vnet = peer.name;
            rows.push_back(std::move(row));
        }
    }
    const auto system_rows = rows.size();
    const auto gateways = gateways_of(v);

    // The gateways' learned routes by prefix, and a Route Server's with the appliance
    // that sent each as its next hop, then one row per prefix: ExpressRoute over VPN and
    // appliances whatever the AS path; among the winners the highest weight, then the
    // shortest AS path; what ties is ECMP. A route table that disables gateway route
    // propagation takes none of them.
    struct Candidate {
        std::size_t next_hop;  // the gateway, or the appliance a Route Server names
        LearnedRoute route;
    };
    std::map<bgp::Prefix, std::vector<Candidate>> learned;
    if (!user_table || !user_table->disable_bgp_route_propagation) {
        for (const auto gateway : gateways)
            state.for_each_learned(gateway, [&](const LearnedRoute& route) { learned[route.prefix].push_back({gateway, route}); });
        for (const auto serving : serving_vnets(v))
            for (const auto route_server : vnets_[serving].route_servers)
                state.for_each_learned(route_server, [&](const LearnedRoute& route) {
                    const auto appliance = route.next_hop ? owner_of(*route.next_hop) : std::nullopt;
                    if (appliance && nodes_[*appliance].appliance()) learned[route.prefix].push_back({*appliance, route});
                });
    }
    // With branch-to-branch, the Route Server's preference decides between sources
    // ("Azure Route Server routing preference"); by default ExpressRoute first.
    auto preference = RoutingPreference::express_route;
    for (const auto serving : serving_vnets(v))
        if (vnets_[serving].branch_to_branch) preference = vnets_[serving].routing_preference;
    for (auto& [prefix, candidates] : learned) {
        const auto rank = [&](const Candidate& c) {
            const long long express_route = nodes_[c.next_hop].express_route() ? 0 : 1;
            const long long weight = -static_cast<long long>(c.route.weight);
            const auto length = static_cast<long long>(c.route.as_path_length);
            switch (preference) {
                case RoutingPreference::vpn_gateway: return std::make_tuple(1 - express_route, weight, length);
                case RoutingPreference::as_path: return std::make_tuple(length, express_route, weight);
                case RoutingPreference::express_route: break;
            }
            return std::make_tuple(express_route, weight, length);
        };
        std::stable_sort(candidates.begin(), candidates.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
        auto row = row_of(prefix, EffectiveRoute::NextHopType::gateway);
        row.source = EffectiveRoute::Source::gateway;
        row.express_route = nodes_[candidates.front().next_hop].express_route();
        row.route_server = nodes_[candidates.front().next_hop].appliance();
        row.weight = candidates.front().route.weight;
        row.as_path_length = candidates.front().route.as_path_length;
        for (const auto& candidate : candidates)
            if (rank(candidate) == rank(candidates.front()) &&
                std::find(row.gateways.begin(), row.gateways.end(), candidate.next_hop) == row.gateways.end())
                row.gateways.push_back(candidate.next_hop);
        // System routes for the VNet's own and peered spaces beat any BGP route for them.
        for (std::size_t i = 0; i < system_rows; ++i)
            if (rows[i].prefix.contains(prefix)) {
                row.active = false;
                row.note = "inside " + rows[i].prefix.to_string() + ", a system route";
            }
        rows.push_back(std::move(row));
    }

    // User-defined routes ("Virtual network traffic routing"): of one prefix, a user
    // route wins over a gateway's and a system route.
    if (user_table) {
        const auto learned_rows = rows.size();
        for (const auto& route : user_table->routes) {
            using Type = EffectiveRoute::NextHopType;
            Type type = Type::none;
            switch (route.next_hop_type) {
                case UserNextHop::virtual_appliance: type = Type::virtual_appliance; break;
                case UserNextHop::virtual_network_gateway: type = Type::gateway; break;
                case UserNextHop::vnet_local: type = Type::vnet_local; break;
                case UserNextHop::internet: type = Type::internet; break;
                case UserNextHop::none: type = Type::none; break;
            }
            auto row = row_of(route.prefix, type);
            row.source = EffectiveRoute::Source::user;
            row.route_name = user_table->name + "/" + route.name;
            row.next_hop_address = route.next_hop_address;
            if (type == Type::gateway)
                for (const auto gateway : gateways)
                    if (nodes_[gateway].role == Role::vpn_gateway) row.gateways.push_back(gateway);
            for (std::size_t i = 0; i < learned_rows; ++i)
                if (rows[i].prefix == route.prefix && rows[i].active) {
                    rows[i].active = false;
                    rows[i].note = "user-defined route " + row.route_name + " for the same prefix";
                }
            rows.push_back(std::move(row));
        }
    }
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.prefix < b.prefix; });
    return rows;
}

}  // namespace bgpemu::dataplane
