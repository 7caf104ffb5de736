// Design checks over the emulated network: whether traffic between two networks takes
// the same kind of path both ways (ExpressRoute one way and VPN the other is the
// asymmetric routing the reference article warns about, which stateful firewalls and
// Azure's own gateways punish), and whether every path that gets there gets back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dataplane/network.hpp"

namespace bgpemu::dataplane {

// What a walk crossed, by the roles of the nodes it passed: "ExpressRoute" (an MSEE or
// an ExpressRoute gateway), "VPN" (a VPN gateway), both joined by '+', or "direct".
[[nodiscard]] std::string path_kind(const Network& network, const WalkOutcome& walk);

struct PairCheck {
    std::string from;  // host names
    std::string to;
    PingResult there;  // from -> to, and its reply
    PingResult back;   // to -> from, and its reply
    std::string kind_there;
    std::string kind_back;
    enum class Verdict : std::uint8_t {
        symmetric,       // the same nodes both ways
        same_kind,       // the same kind of path, other nodes (ECMP members, instances)
        asymmetric,      // another kind of path each way
        one_way,         // gets there, the answer does not get back (or the reverse)
        unreachable,     // neither way
    };
    Verdict verdict = Verdict::symmetric;
};
[[nodiscard]] const char* pair_verdict_name(PairCheck::Verdict verdict) noexcept;

// Every pair of hosts (or the one pair given), each in both directions, handed to
// `each` one at a time: a thousand hosts make half a million pairs, each with its walks.
void check_symmetry(const Network& network, const RoutingState& state, std::optional<std::pair<std::size_t, std::size_t>> only,
                    const std::function<void(const PairCheck&)>& each);

// The reachability matrix: every ordered pair of networks, probed both ways from one
// host of each: by VNet (a VNet's first VM; a host outside any VNet is a network of its
// own), by site (a site's first host; the VNets as by VNet), or every pair of hosts.
enum class MatrixGrouping : std::uint8_t { host, vnet, site };
struct MatrixCell {
    std::string from;  // the networks (VNet, site or host names)
    std::string to;
    PairCheck check;   // from's host to to's host, and back
};
struct ReachabilityMatrix {
    std::vector<std::string> networks;  // rows and columns, in the order of their hosts
    std::vector<MatrixCell> cells;      // row by row, the diagonal left out
};
[[nodiscard]] ReachabilityMatrix reachability_matrix(const Network& network, const RoutingState& state, MatrixGrouping grouping);
// The MSEEs, gateways and appliances a walk crossed, in order: which circuit, gateway and
// appliance carry it.
[[nodiscard]] std::vector<std::string> crossed_edges(const Network& network, const WalkOutcome& walk);

}  // namespace bgpemu::dataplane
