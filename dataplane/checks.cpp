#include "dataplane/checks.hpp"

#include <algorithm>
#include <set>

namespace bgpemu::dataplane {

std::string path_kind(const Network& network, const WalkOutcome& walk) {
    bool express_route = false;
    bool vpn = false;
    for (const auto& name : walk.nodes) {
        const auto node = network.find_node(name);
        if (!node) continue;  // a VNet
        const auto& role = network.nodes()[*node].role;
        express_route = express_route || role == Role::msee || role == Role::er_gateway;
        vpn = vpn || role == Role::vpn_gateway;
    }
    if (express_route && vpn) return "ExpressRoute+VPN";
    if (express_route) return "ExpressRoute";
    if (vpn) return "VPN";
    return "direct";
}

const char* pair_verdict_name(PairCheck::Verdict verdict) noexcept {
    switch (verdict) {
        case PairCheck::Verdict::symmetric: return "symmetric";
        case PairCheck::Verdict::same_kind: return "same-kind";
        case PairCheck::Verdict::asymmetric: return "asymmetric";
        case PairCheck::Verdict::one_way: return "one-way";
        case PairCheck::Verdict::unreachable: return "unreachable";
    }
    return "?";
}

namespace {

// The nodes of a walk without VNets, which add no hop and differ by direction (a reply
// enters the VNet from the gateway, a request leaves it from the host).
std::vector<std::string> nodes_only(const Network& network, const WalkOutcome& walk) {
    std::vector<std::string> nodes;
    for (const auto& name : walk.nodes)
        if (network.find_node(name)) nodes.push_back(name);
    return nodes;
}

PairCheck check_pair(const Network& network, const RoutingState& state, std::size_t a, std::size_t b, WalkCache& cache) {
    PairCheck check;
    check.from = network.nodes()[a].name;
    check.to = network.nodes()[b].name;
    std::string error;
    const auto from = network.probe_source(check.from, std::nullopt, error);
    const auto to = network.probe_source(check.to, std::nullopt, error);
    if (!from || !to) {
        // Not a walk at all: say so in both directions rather than leave empty walks.
        for (auto* walk : {&check.there.forward, &check.back.forward}) {
            walk->verdict = WalkOutcome::Verdict::unreachable;
            walk->node = !from ? check.from : check.to;
            walk->reason = error;
        }
        check.verdict = PairCheck::Verdict::unreachable;
        return check;
    }
    check.there = network.ping(state, *from, to->address, &cache);
    // A ping's answer walks from where the probe arrived, from the other end's address
    // back to ours: when it arrived at the other end's own node, that is the probe the
    // other end sends (the walk is a function of its start and its addresses), and when
    // that came home too, its answer is our probe again. Walked once, not twice.
    const auto delivered = WalkOutcome::Verdict::delivered;
    const auto& answer = check.there.back;
    if (answer && check.there.forward.node == check.to &&
        (answer->verdict != delivered || answer->node == check.from)) {
        check.back.forward = *answer;
        if (answer->verdict == delivered) check.back.back = check.there.forward;
    } else {
        check.back = network.ping(state, *to, from->address, &cache);
    }
    const bool there = check.there.forward.verdict == WalkOutcome::Verdict::delivered;
    const bool back = check.back.forward.verdict == WalkOutcome::Verdict::delivered;
    if (!there && !back) {
        check.verdict = PairCheck::Verdict::unreachable;
        return check;
    }
    if (!there || !back || !check.there.reachable() || !check.back.reachable()) {
        check.verdict = PairCheck::Verdict::one_way;
        return check;
    }
    check.kind_there = path_kind(network, check.there.forward);
    check.kind_back = path_kind(network, check.back.forward);
    auto reversed = nodes_only(network, check.back.forward);
    std::reverse(reversed.begin(), reversed.end());
    if (nodes_only(network, check.there.forward) == reversed) check.verdict = PairCheck::Verdict::symmetric;
    else if (check.kind_there == check.kind_back) check.verdict = PairCheck::Verdict::same_kind;
    else check.verdict = PairCheck::Verdict::asymmetric;
    return check;
}

}  // namespace

std::vector<std::string> crossed_edges(const Network& network, const WalkOutcome& walk) {
    std::vector<std::string> out;
    for (const auto& name : walk.nodes) {
        const auto node = network.find_node(name);
        if (!node) continue;
        const auto& passed = network.nodes()[*node];
        const auto role = passed.role;
        if ((role == Role::msee || role == Role::er_gateway || role == Role::vpn_gateway || passed.appliance()) &&
            std::find(out.begin(), out.end(), name) == out.end())
            out.push_back(name);
    }
    return out;
}

ReachabilityMatrix reachability_matrix(const Network& network, const RoutingState& state, MatrixGrouping grouping) {
    // Each network and the host that speaks for it, in the order of the nodes.
    std::vector<std::pair<std::string, std::size_t>> networks;
    std::vector<bool> vnet_seen(network.vnets().size(), false);
    std::set<std::string> sites_seen;
    for (std::size_t n = 0; n < network.nodes().size(); ++n) {
        const auto& node = network.nodes()[n];
        if (node.kind != NodeKind::host) continue;
        if (grouping != MatrixGrouping::host && node.vnet) {
            if (vnet_seen[*node.vnet]) continue;
            vnet_seen[*node.vnet] = true;
            networks.emplace_back(network.vnets()[*node.vnet].name, n);
            continue;
        }
        if (grouping == MatrixGrouping::site)
            if (auto site = network.site_of(n); !site.empty()) {
                if (sites_seen.insert(site).second) networks.emplace_back(std::move(site), n);
                continue;
            }
        networks.emplace_back(node.name, n);
    }
    // Each unordered pair is probed once, both ways; its other cell is the same check
    // seen from the other end. Row i holds n - 1 cells, so (i, j) is at i(n-1) + j, less
    // one past the diagonal.
    const auto n = networks.size();
    ReachabilityMatrix matrix;
    WalkCache cache;
    for (const auto& [name, host] : networks) matrix.networks.push_back(name);
    auto& cells = matrix.cells;
    const auto cell_of = [n](std::size_t i, std::size_t j) { return i * (n - 1) + (j < i ? j : j - 1); };
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            if (i == j) continue;
            if (j > i) {
                cells.push_back({networks[i].first, networks[j].first, check_pair(network, state, networks[i].second, networks[j].second, cache)});
                continue;
            }
            MatrixCell cell{networks[i].first, networks[j].first, cells[cell_of(j, i)].check};
            std::swap(cell.check.from, cell.check.to);
            std::swap(cell.check.there, cell.check.back);
            std::swap(cell.check.kind_there, cell.check.kind_back);
            cells.push_back(std::move(cell));
        }
    return matrix;
}

void check_symmetry(const Network& network, const RoutingState& state, std::optional<std::pair<std::size_t, std::size_t>> only,
                    const std::function<void(const PairCheck&)>& each) {
    WalkCache cache;
    if (only) return each(check_pair(network, state, only->first, only->second, cache));
    std::vector<std::size_t> hosts;
    for (std::size_t n = 0; n < network.nodes().size(); ++n)
        if (network.nodes()[n].kind == NodeKind::host) hosts.push_back(n);
    for (std::size_t i = 0; i < hosts.size(); ++i)
        for (std::size_t j = i + 1; j < hosts.size(); ++j) each(check_pair(network, state, hosts[i], hosts[j], cache));
}

}  // namespace bgpemu::dataplane
