#include "rib/decision.hpp"

namespace bgpemu::rib {

std::string_view to_string(DecisionStep step) noexcept {
    switch (step) {
    case DecisionStep::none: return "equal";
    case DecisionStep::weight: return "higher weight";
    case DecisionStep::local_pref: return "higher LOCAL_PREF";
    case DecisionStep::locally_originated: return "locally originated";
    case DecisionStep::as_path_length: return "shorter AS_PATH";
    case DecisionStep::origin: return "lower ORIGIN";
    case DecisionStep::med: return "lower MED";
    case DecisionStep::external_over_internal: return "eBGP over iBGP";
    case DecisionStep::igp_cost: return "lower IGP cost to next hop";
    case DecisionStep::oldest_external: return "older eBGP path";
    case DecisionStep::router_id: return "lower router id";
    case DecisionStep::cluster_list_length: return "shorter CLUSTER_LIST";
    case DecisionStep::neighbour_address: return "lower neighbour address";
    case DecisionStep::path_id: return "lower path id";
    }
    return "?";
}

std::string_view key(DecisionStep step) noexcept {
    switch (step) {
    case DecisionStep::none: return "none";
    case DecisionStep::weight: return "weight";
    case DecisionStep::local_pref: return "local_pref";
    case DecisionStep::locally_originated: return "locally_originated";
    case DecisionStep::as_path_length: return "as_path_length";
    case DecisionStep::origin: return "origin";
    case DecisionStep::med: return "med";
    case DecisionStep::external_over_internal: return "external_over_internal";
    case DecisionStep::igp_cost: return "igp_cost";
    case DecisionStep::oldest_external: return "oldest_external";
    case DecisionStep::router_id: return "router_id";
    case DecisionStep::cluster_list_length: return "cluster_list_length";
    case DecisionStep::neighbour_address: return "neighbour_address";
    case DecisionStep::path_id: return "path_id";
    }
    return "unknown";
}

namespace {

// Lower is better; where higher wins (weight, LOCAL_PREF) the caller swaps the arguments.
template <typename T>
int lower_wins(T a, T b) noexcept {
    return a < b ? -1 : (b < a ? 1 : 0);
}

std::uint32_t origin_rank(const bgp::PathAttributes& a) noexcept {
    return a.origin ? static_cast<std::uint32_t>(*a.origin) : 2;
}

}  // namespace

Comparison compare_paths(const Path& a, const PeerInfo& pa, const Path& b, const PeerInfo& pb,
                         const DecisionOptions& options) noexcept {
    const bgp::PathAttributes& x = *a.attrs;
    const bgp::PathAttributes& y = *b.attrs;
    const auto decide = [](int order, DecisionStep step) { return Comparison{order, step}; };
    int order = 0;

    // Weight (Cisco, FRR): local to this speaker, before anything the RFC defines.
    if ((order = lower_wins(effective_weight(y, pb), effective_weight(x, pa))) != 0)
        return decide(order, DecisionStep::weight);
    // A missing LOCAL_PREF counts as the default 100 (FRR, Cisco).
    if ((order = lower_wins(y.local_pref.value_or(100), x.local_pref.value_or(100))) != 0)
        return decide(order, DecisionStep::local_pref);
    if ((order = lower_wins(!pa.locally_originated, !pb.locally_originated)) != 0)
        return decide(order, DecisionStep::locally_originated);
    if ((order = lower_wins(x.as_path.decision_length(), y.as_path.decision_length())) != 0)
        return decide(order, DecisionStep::as_path_length);
    if ((order = lower_wins(origin_rank(x), origin_rank(y))) != 0) return decide(order, DecisionStep::origin);
    // MED only between paths from the same neighbouring AS (RFC 4271 §9.1.2.2 c).
    if (options.always_compare_med || x.as_path.neighbour_as() == y.as_path.neighbour_as()) {
        if ((order = lower_wins(x.med.value_or(0), y.med.value_or(0))) != 0) return decide(order, DecisionStep::med);
    }
    if ((order = lower_wins(!pa.external, !pb.external)) != 0) return decide(order, DecisionStep::external_over_internal);
    // IGP cost: no IGP in the emulator, every next hop costs 0.
    if (options.prefer_oldest_external && pa.external && pb.external) {
        if ((order = lower_wins(a.received, b.received)) != 0) return decide(order, DecisionStep::oldest_external);
    }
    // RFC 4456 §9: ORIGINATOR_ID stands in for the router id of reflected paths.
    if ((order = lower_wins(x.originator_id.value_or(pa.router_id), y.originator_id.value_or(pb.router_id))) != 0)
        return decide(order, DecisionStep::router_id);
    if ((order = lower_wins(x.cluster_list.size(), y.cluster_list.size())) != 0)
        return decide(order, DecisionStep::cluster_list_length);
    if ((order = lower_wins(pa.address, pb.address)) != 0) return decide(order, DecisionStep::neighbour_address);
    if ((order = lower_wins(a.path_id, b.path_id)) != 0) return decide(order, DecisionStep::path_id);
    return {};
}

bool multipath_equal(const Path& best, const PeerInfo& best_peer, const Path& candidate, const PeerInfo& candidate_peer,
                     const DecisionOptions& options) noexcept {
    const auto comparison = compare_paths(best, best_peer, candidate, candidate_peer, options);
    if (comparison.step != DecisionStep::none && comparison.step <= DecisionStep::igp_cost) return false;
    if (best_peer.external != candidate_peer.external) return false;
    if (best_peer.external && best.attrs->as_path.neighbour_as() != candidate.attrs->as_path.neighbour_as()) return false;
    return true;
}

}  // namespace bgpemu::rib
