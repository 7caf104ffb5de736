// The BGP decision process (RFC 4271 §9.1.2.2, in the order FRR applies it), one named
// step at a time, so that `show rib` can say which step made a path win.
#pragma once

#include <cstdint>
#include <string_view>

#include "bgp/wire/ip.hpp"
#include "rib/attr_store.hpp"

namespace bgpemu::rib {

using PeerId = std::uint32_t;
using RouteIndex = std::uint32_t;

// Who a path came from, as far as the decision process cares.
struct PeerInfo {
    std::uint32_t peer_as = 0;
    std::uint32_t local_as = 0;
    bool external = false;
    bool locally_originated = false;  // the speaker's own networks
    std::uint32_t router_id = 0;      // host order
    bgp::IpAddress address;           // the neighbour's address (last tie-breaker)
    std::uint32_t weight = 0;         // Cisco/FRR weight given to every path of this peer
};

// The weight the decision process uses: the one a route map set on the path, else the
// peer's (FRR applies the neighbour's weight first and lets `set weight` override it).
[[nodiscard]] inline std::uint32_t effective_weight(const bgp::PathAttributes& attributes, const PeerInfo& peer) noexcept {
    return attributes.weight.value_or(peer.weight);
}

struct DecisionOptions {
    bool always_compare_med = false;
    bool prefer_oldest_external = false;  // RFC 5004: keep the current eBGP best on a tie
    unsigned maximum_paths = 1;           // ECMP set size
};

struct Path {
    AttrRef attrs;
    PeerId peer = 0;
    std::uint32_t path_id = 0;
    std::uint32_t received = 0;  // arrival order, for the oldest-path step
};

enum class DecisionStep : std::uint8_t {
    none,  // equal in every step
    weight,
    local_pref,
    locally_originated,
    as_path_length,
    origin,
    med,
    external_over_internal,
    igp_cost,
    oldest_external,
    router_id,
    cluster_list_length,
    neighbour_address,
    path_id,
};

// "shorter AS_PATH": why the winner won, for people.
[[nodiscard]] std::string_view to_string(DecisionStep step) noexcept;
// "as_path_length": the step's stable identifier, for the admin socket's JSON.
[[nodiscard]] std::string_view key(DecisionStep step) noexcept;

struct Comparison {
    int order = 0;  // < 0: a is better, > 0: b is better
    DecisionStep step = DecisionStep::none;
};

// Compares two paths for one prefix. IGP cost is 0 for every next hop (bgpemu's speakers
// have no IGP), so that step never decides; it is kept so the order matches the RFC.
[[nodiscard]] Comparison compare_paths(const Path& a, const PeerInfo& a_peer, const Path& b, const PeerInfo& b_peer,
                                       const DecisionOptions& options) noexcept;

// Whether `candidate` may share the best path's ECMP set: equal down to the IGP cost
// step, and for eBGP from the same neighbouring AS (FRR's rule without multipath-relax).
[[nodiscard]] bool multipath_equal(const Path& best, const PeerInfo& best_peer, const Path& candidate,
                                   const PeerInfo& candidate_peer, const DecisionOptions& options) noexcept;

}  // namespace bgpemu::rib
