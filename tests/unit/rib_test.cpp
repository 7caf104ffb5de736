// The RIB library: the decision process step by step (RFC 4271 §9.1.2.2 in FRR's order),
// ECMP sets, the Loc-RIB against a brute-force oracle on random tables, the Adj-RIB-Out's
// batching (grouping, cancellation, budget) against a model of what the neighbour holds,
// and attribute interning.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bgp/wire/attributes.hpp"
#include "bgp/wire/ip.hpp"
#include "rib/adj_rib_in.hpp"
#include "rib/adj_rib_out.hpp"
#include "rib/aggregate.hpp"
#include "rib/attr_store.hpp"
#include "rib/decision.hpp"
#include "rib/loc_rib.hpp"

// Failures print the step's and the prefix's names rather than "{?}".
namespace Catch {
template <>
struct StringMaker<bgpemu::rib::DecisionStep> {
    static std::string convert(bgpemu::rib::DecisionStep step) { return std::string(bgpemu::rib::to_string(step)); }
};
template <>
struct StringMaker<bgpemu::bgp::Prefix> {
    static std::string convert(const bgpemu::bgp::Prefix& prefix) { return prefix.to_string(); }
};
}  // namespace Catch

namespace {

using namespace bgpemu::rib;
namespace bgp = bgpemu::bgp;

bgp::IpAddress address(std::string_view text) {
    const auto parsed = bgp::IpAddress::parse(text);
    REQUIRE(parsed);
    return *parsed;
}

bgp::Prefix make_prefix(std::string_view text) {
    const auto parsed = bgp::Prefix::parse(text);
    REQUIRE(parsed);
    return *parsed;
}

// A router id (host order) from its dotted-quad text.
std::uint32_t router_id(std::string_view text) { return address(text).v4_value(); }

PeerInfo ebgp_peer(std::uint32_t peer_as, std::string_view id, std::string_view neighbour_address) {
    PeerInfo peer;
    peer.peer_as = peer_as;
    peer.local_as = 65000;
    peer.external = true;
    peer.router_id = router_id(id);
    peer.address = address(neighbour_address);
    return peer;
}

PeerInfo ibgp_peer(std::string_view id, std::string_view neighbour_address) {
    PeerInfo peer = ebgp_peer(65000, id, neighbour_address);
    peer.external = false;
    return peer;
}

// ORIGIN IGP, the given AS_PATH, a NEXT_HOP; no LOCAL_PREF and no MED unless a test sets them.
bgp::PathAttributes attributes(std::string_view as_path) {
    bgp::PathAttributes result;
    result.origin = bgp::Origin::igp;
    const auto parsed = bgp::AsPath::parse(as_path);
    REQUIRE(parsed);
    result.as_path = *parsed;
    result.has_as_path = true;
    result.next_hop = address("192.0.2.254");
    return result;
}

// One side of a comparison: a path and the peer it came from.
struct Candidate {
    Path path;
    PeerInfo peer;
};

Candidate candidate(AttrStore& store, const PeerInfo& peer, const bgp::PathAttributes& attrs, std::uint32_t path_id = 0) {
    return Candidate{Path{store.intern(attrs), 0, path_id, 0}, peer};
}

Comparison compare(const Candidate& a, const Candidate& b, const DecisionOptions& options = {}) {
    return compare_paths(a.path, a.peer, b.path, b.peer, options);
}

// `winner` beats `loser` at `step`, and the comparison the other way round says the same.
void require_decided(const Candidate& winner, const Candidate& loser, DecisionStep step,
                     const DecisionOptions& options = {}) {
    const Comparison forward = compare(winner, loser, options);
    const Comparison backward = compare(loser, winner, options);
    CHECK(forward.order < 0);
    CHECK(forward.step == step);
    CHECK(backward.order > 0);
    CHECK(backward.step == step);
}

// ---- The decision process, one step at a time --------------------------------------------
// Each winner is worse than the loser in some later step, which shows the step's place in
// the order as well as its direction.

TEST_CASE("Decision: higher weight wins before anything else", "[rib][decision]") {
    AttrStore store;
    PeerInfo heavy = ebgp_peer(65001, "10.0.0.9", "192.0.2.9");
    heavy.weight = 100;
    auto long_path = attributes("65001 65100 65200 65300");
    long_path.local_pref = 100;
    long_path.origin = bgp::Origin::incomplete;
    auto preferred = attributes("65002");
    preferred.local_pref = 200;
    require_decided(candidate(store, heavy, long_path), candidate(store, ebgp_peer(65002, "10.0.0.1", "192.0.2.1"), preferred),
                    DecisionStep::weight);
}

TEST_CASE("Decision: a route map's weight on the path overrides the peer's weight", "[rib][decision]") {
    AttrStore store;
    PeerInfo heavy = ebgp_peer(65001, "10.0.0.1", "192.0.2.1");
    heavy.weight = 100;
    const PeerInfo plain = ebgp_peer(65002, "10.0.0.9", "192.0.2.9");
    auto from_heavy = attributes("65001");
    auto from_plain = attributes("65002 65100 65200");
    from_plain.local_pref = 50;
    SECTION("set weight on a path of a weightless peer beats the peer weight 100") {
        from_plain.weight = 200;
        require_decided(candidate(store, plain, from_plain), candidate(store, heavy, from_heavy), DecisionStep::weight);
    }
    SECTION("set weight 0 takes away the peer's weight") {
        from_heavy.weight = 0;
        require_decided(candidate(store, heavy, from_heavy), candidate(store, plain, from_plain), DecisionStep::local_pref);
    }
    SECTION("equal weights go on to the next step") {
        from_heavy.weight = 7;
        from_plain.weight = 7;
        require_decided(candidate(store, heavy, from_heavy), candidate(store, plain, from_plain), DecisionStep::local_pref);
        CHECK(effective_weight(from_heavy, heavy) == 7);
        CHECK(effective_weight(attributes("65001"), heavy) == 100);
    }
}

TEST_CASE("Decision: higher LOCAL_PREF wins; a missing one counts as the default 100", "[rib][decision]") {
    AttrStore store;
    const PeerInfo low_id = ibgp_peer("10.0.0.1", "192.0.2.1");
    const PeerInfo high_id = ibgp_peer("10.0.0.2", "192.0.2.2");

    SECTION("higher wins over a shorter AS_PATH and a better ORIGIN") {
        auto high = attributes("65001 65100 65200 65300");
        high.local_pref = 200;
        high.origin = bgp::Origin::incomplete;
        auto low = attributes("65001");
        low.local_pref = 150;
        require_decided(candidate(store, high_id, high), candidate(store, low_id, low), DecisionStep::local_pref);
    }
    SECTION("missing beats 99 and loses to 101") {
        const auto missing = attributes("65001 65100");
        auto lp99 = attributes("65001");
        lp99.local_pref = 99;
        auto lp101 = attributes("65001 65100 65200");
        lp101.local_pref = 101;
        require_decided(candidate(store, high_id, missing), candidate(store, low_id, lp99), DecisionStep::local_pref);
        require_decided(candidate(store, high_id, lp101), candidate(store, low_id, missing), DecisionStep::local_pref);
    }
    SECTION("missing ties with an explicit 100; the router id decides") {
        const auto missing = attributes("65001 65100");
        auto lp100 = attributes("65001 65100");
        lp100.local_pref = 100;
        require_decided(candidate(store, low_id, missing), candidate(store, high_id, lp100), DecisionStep::router_id);
        require_decided(candidate(store, low_id, lp100), candidate(store, high_id, missing), DecisionStep::router_id);
    }
}

TEST_CASE("Decision: a locally originated path wins before AS_PATH length", "[rib][decision]") {
    AttrStore store;
    PeerInfo local = ibgp_peer("10.0.0.9", "192.0.2.9");
    local.locally_originated = true;
    // Prepended by local policy and redistributed: worse in every later step.
    auto own = attributes("65000 65000 65000");
    own.origin = bgp::Origin::incomplete;
    own.med = 100;
    require_decided(candidate(store, local, own), candidate(store, ebgp_peer(65001, "10.0.0.1", "192.0.2.1"), attributes("65001")),
                    DecisionStep::locally_originated);
}

TEST_CASE("Decision: shorter AS_PATH wins; an AS_SET counts 1, confederation segments 0", "[rib][decision]") {
    AttrStore store;
    const PeerInfo low_id = ebgp_peer(65001, "10.0.0.1", "192.0.2.1");
    const PeerInfo high_id = ebgp_peer(65001, "10.0.0.2", "192.0.2.2");

    SECTION("shorter wins over a better ORIGIN and MED") {
        auto shorter = attributes("65001 65100");
        shorter.origin = bgp::Origin::incomplete;
        shorter.med = 100;
        require_decided(candidate(store, high_id, shorter), candidate(store, low_id, attributes("65001 65100 65200")),
                        DecisionStep::as_path_length);
    }
    SECTION("an AS_SET counts 1 however many members it has") {
        require_decided(candidate(store, high_id, attributes("65001 {65100,65200,65300,65400}")),
                        candidate(store, low_id, attributes("65001 65100 65200")), DecisionStep::as_path_length);
        // 2 against 2: a tie here, so the router id decides.
        require_decided(candidate(store, low_id, attributes("65001 {65100,65200,65300}")),
                        candidate(store, high_id, attributes("65001 65100")), DecisionStep::router_id);
    }
    SECTION("confederation sequences and sets count 0") {
        require_decided(candidate(store, high_id, attributes("(65010 65011 65012) 65001 65100")),
                        candidate(store, low_id, attributes("65001 65100 65200")), DecisionStep::as_path_length);
        require_decided(candidate(store, low_id, attributes("[65010,65011] (65012) 65001 65100")),
                        candidate(store, high_id, attributes("65001 65100")), DecisionStep::router_id);
    }
}

TEST_CASE("Decision: lower ORIGIN wins, IGP < EGP < INCOMPLETE", "[rib][decision]") {
    AttrStore store;
    using bgp::Origin;
    const std::pair<Origin, Origin> better_worse[] = {
        {Origin::igp, Origin::egp}, {Origin::egp, Origin::incomplete}, {Origin::igp, Origin::incomplete}};
    for (const auto& [better, worse] : better_worse) {
        CAPTURE(static_cast<int>(better), static_cast<int>(worse));
        // The winner is iBGP with a higher MED and router id: worse in every later step.
        auto winner = attributes("65001 65100");
        winner.origin = better;
        winner.med = 50;
        auto loser = attributes("65001 65100");
        loser.origin = worse;
        loser.med = 0;
        require_decided(candidate(store, ibgp_peer("10.0.0.9", "192.0.2.9"), winner),
                        candidate(store, ebgp_peer(65001, "10.0.0.1", "192.0.2.1"), loser), DecisionStep::origin);
    }
}

TEST_CASE("Decision: lower MED wins between paths from the same neighbouring AS", "[rib][decision]") {
    AttrStore store;
    const PeerInfo low_id = ebgp_peer(65001, "10.0.0.1", "192.0.2.1");
    const PeerInfo high_id = ebgp_peer(65002, "10.0.0.2", "192.0.2.2");

    SECTION("same neighbouring AS: MED decides before eBGP over iBGP") {
        auto low_med = attributes("65001 65100");
        low_med.med = 10;
        auto high_med = attributes("65001 65200");
        high_med.med = 50;
        require_decided(candidate(store, ibgp_peer("10.0.0.9", "192.0.2.9"), low_med), candidate(store, low_id, high_med),
                        DecisionStep::med);
    }
    SECTION("a missing MED counts as 0") {
        auto med1 = attributes("65001 65100");
        med1.med = 1;
        auto med0 = attributes("65001 65100");
        med0.med = 0;
        require_decided(candidate(store, high_id, attributes("65001 65100")), candidate(store, low_id, med1), DecisionStep::med);
        require_decided(candidate(store, low_id, attributes("65001 65100")), candidate(store, high_id, med0),
                        DecisionStep::router_id);
    }
    SECTION("different neighbouring ASes: MED is skipped unless always-compare-med") {
        auto low_med = attributes("65001 65100");
        low_med.med = 10;
        auto high_med = attributes("65002 65100");
        high_med.med = 50;
        const Candidate from_65001 = candidate(store, ebgp_peer(65001, "10.0.0.2", "192.0.2.2"), low_med);
        const Candidate from_65002 = candidate(store, ebgp_peer(65002, "10.0.0.1", "192.0.2.1"), high_med);
        require_decided(from_65002, from_65001, DecisionStep::router_id);
        DecisionOptions always;
        always.always_compare_med = true;
        require_decided(from_65001, from_65002, DecisionStep::med, always);
    }
}

TEST_CASE("Decision: eBGP wins over iBGP", "[rib][decision]") {
    AttrStore store;
    const auto same = attributes("65001 65100");
    require_decided(candidate(store, ebgp_peer(65001, "10.0.0.9", "192.0.2.9"), same),
                    candidate(store, ibgp_peer("10.0.0.1", "192.0.2.1"), same), DecisionStep::external_over_internal);
}

TEST_CASE("Decision: lower router id wins; ORIGINATOR_ID stands in for a reflected path's", "[rib][decision]") {
    AttrStore store;
    const auto same = attributes("65001 65100");

    SECTION("the peer's router id, before the neighbour address") {
        require_decided(candidate(store, ebgp_peer(65001, "10.0.0.1", "192.0.2.9"), same),
                        candidate(store, ebgp_peer(65001, "10.0.0.2", "192.0.2.1"), same), DecisionStep::router_id);
    }
    SECTION("ORIGINATOR_ID replaces the reflector's router id, both ways") {
        auto reflected = same;
        reflected.originator_id = router_id("10.0.0.1");
        require_decided(candidate(store, ibgp_peer("10.0.0.9", "192.0.2.1"), reflected),
                        candidate(store, ibgp_peer("10.0.0.5", "192.0.2.5"), same), DecisionStep::router_id);
        reflected.originator_id = router_id("10.0.0.7");
        require_decided(candidate(store, ibgp_peer("10.0.0.5", "192.0.2.5"), same),
                        candidate(store, ibgp_peer("10.0.0.3", "192.0.2.3"), reflected), DecisionStep::router_id);
    }
}

TEST_CASE("Decision: shorter CLUSTER_LIST wins", "[rib][decision]") {
    AttrStore store;
    auto one_hop = attributes("65001 65100");
    one_hop.originator_id = router_id("10.0.0.1");
    one_hop.cluster_list = {router_id("10.0.0.9")};
    auto two_hops = one_hop;
    two_hops.cluster_list = {router_id("10.0.0.2"), router_id("10.0.0.9")};
    require_decided(candidate(store, ibgp_peer("10.0.0.9", "192.0.2.9"), one_hop),
                    candidate(store, ibgp_peer("10.0.0.2", "192.0.2.2"), two_hops), DecisionStep::cluster_list_length);
}

TEST_CASE("Decision: lower neighbour address is the last tie-breaker between peers", "[rib][decision]") {
    AttrStore store;
    const auto same = attributes("65001 65100");
    // Two sessions to one router: same router id.
    require_decided(candidate(store, ebgp_peer(65001, "10.0.0.1", "192.0.2.1"), same),
                    candidate(store, ebgp_peer(65001, "10.0.0.1", "192.0.2.2"), same), DecisionStep::neighbour_address);
    // Between ADD-PATH paths of one peer, the path id.
    const PeerInfo peer = ebgp_peer(65001, "10.0.0.1", "192.0.2.1");
    require_decided(candidate(store, peer, same, 1), candidate(store, peer, same, 2), DecisionStep::path_id);
    const Comparison identical = compare(candidate(store, peer, same, 1), candidate(store, peer, same, 1));
    CHECK(identical.order == 0);
    CHECK(identical.step == DecisionStep::none);
}

TEST_CASE("Decision: compare_paths is antisymmetric over a mixed pool", "[rib][decision]") {
    AttrStore store;
    std::vector<bgp::PathAttributes> variants;
    for (const char* path : {"65001 65100", "65002 65100", "65001 {65100,65200}", "(65010) 65001 65100 65200", ""}) {
        variants.push_back(attributes(path));
    }
    variants[0].med = 10;
    variants[1].med = 5;
    variants[2].local_pref = 200;
    variants[3].origin = bgp::Origin::egp;
    variants[4].originator_id = router_id("10.0.0.3");
    variants[4].cluster_list = {1, 2};
    variants.push_back(variants[0]);
    variants.back().med.reset();
    std::vector<PeerInfo> peers = {ebgp_peer(65001, "10.0.0.1", "192.0.2.1"), ebgp_peer(65002, "10.0.0.2", "192.0.2.2"),
                                   ibgp_peer("10.0.0.3", "192.0.2.3"), ibgp_peer("10.0.0.4", "2001:db8::4")};
    peers[3].weight = 5;
    std::vector<Candidate> pool;
    for (const auto& peer : peers)
        for (const auto& variant : variants) pool.push_back(candidate(store, peer, variant));

    for (const bool always_compare_med : {false, true}) {
        DecisionOptions options;
        options.always_compare_med = always_compare_med;
        std::vector<std::string> violations;
        for (std::size_t i = 0; i < pool.size(); ++i) {
            for (std::size_t j = 0; j < pool.size(); ++j) {
                const Comparison ab = compare(pool[i], pool[j], options);
                const Comparison ba = compare(pool[j], pool[i], options);
                const bool mirrored = (ab.order < 0) == (ba.order > 0) && (ab.order > 0) == (ba.order < 0) &&
                                      (ab.order == 0) == (ba.order == 0) && ab.step == ba.step;
                const bool self_is_equal = i != j || (ab.order == 0 && ab.step == DecisionStep::none);
                if (!mirrored || !self_is_equal) {
                    std::ostringstream out;
                    out << i << " vs " << j << ": " << ab.order << " (" << to_string(ab.step) << ") against " << ba.order
                        << " (" << to_string(ba.step) << ")";
                    violations.push_back(out.str());
                }
            }
        }
        CAPTURE(always_compare_med, violations);
        CHECK(violations.empty());
    }
}

// ---- ECMP ----------------------------------------------------------------------------------

TEST_CASE("multipath_equal: eBGP paths from one neighbouring AS, equal down to the IGP cost", "[rib][multipath]") {
    AttrStore store;
    const auto via_65001 = attributes("65001 65100");
    const Candidate best = candidate(store, ebgp_peer(65001, "10.0.0.1", "192.0.2.1"), via_65001);
    const Candidate twin = candidate(store, ebgp_peer(65001, "10.0.0.2", "192.0.2.2"), via_65001);
    const Candidate other_as = candidate(store, ebgp_peer(65002, "10.0.0.3", "192.0.2.3"), attributes("65002 65100"));
    const Candidate internal = candidate(store, ibgp_peer("10.0.0.4", "192.0.2.4"), via_65001);
    auto longer = attributes("65001 65100 65200");
    const Candidate worse = candidate(store, ebgp_peer(65001, "10.0.0.5", "192.0.2.5"), longer);
    const DecisionOptions options;

    CHECK(multipath_equal(best.path, best.peer, twin.path, twin.peer, options));
    CHECK_FALSE(multipath_equal(best.path, best.peer, other_as.path, other_as.peer, options));
    CHECK_FALSE(multipath_equal(best.path, best.peer, internal.path, internal.peer, options));
    CHECK_FALSE(multipath_equal(best.path, best.peer, worse.path, worse.peer, options));
}

TEST_CASE("LocRib: maximum_paths sizes the ECMP set; other neighbouring ASes stay out", "[rib][multipath]") {
    AttrStore store;
    LocRib rib;
    const PeerId first = rib.add_peer(ebgp_peer(65001, "10.0.0.1", "192.0.2.1"));
    const PeerId second = rib.add_peer(ebgp_peer(65001, "10.0.0.2", "192.0.2.2"));
    const PeerId other_as = rib.add_peer(ebgp_peer(65002, "10.0.0.3", "192.0.2.3"));
    const bgp::Prefix prefix = make_prefix("203.0.113.0/24");
    rib.announce(first, prefix, store.intern(attributes("65001 65100")));
    rib.announce(second, prefix, store.intern(attributes("65001 65100")));
    rib.announce(other_as, prefix, store.intern(attributes("65002 65100")));

    const auto set_peers = [&](unsigned maximum_paths) {
        DecisionOptions options;
        options.maximum_paths = maximum_paths;
        rib.set_options(options);
        rib.run_decision([](const RouteChange&) {});
        std::set<PeerId> peers;
        for (const Path& path : rib.multipath(prefix)) peers.insert(path.peer);
        return peers;
    };
    CHECK(set_peers(1) == std::set<PeerId>{first});
    CHECK(set_peers(2) == std::set<PeerId>{first, second});
    CHECK(set_peers(3) == std::set<PeerId>{first, second});
    REQUIRE(rib.best(prefix));
    CHECK(rib.best(prefix)->peer == first);
}

// ---- Loc-RIB ---------------------------------------------------------------------------------

// Fifty routes: mostly IPv4 /24s, the same address at other lengths, and IPv6 /48s.
std::vector<bgp::Prefix> oracle_prefixes() {
    std::vector<bgp::Prefix> result;
    for (std::uint32_t i = 0; i < 38; ++i) result.push_back(bgp::Prefix::make(bgp::IpAddress::v4(0x0a000000U + (i << 8)), 24));
    result.push_back(bgp::Prefix::make(bgp::IpAddress::v4(0x0a000000U), 16));
    result.push_back(bgp::Prefix::make(bgp::IpAddress::v4(0x0a000000U), 8));
    for (std::uint8_t i = 0; i < 10; ++i) {
        const std::array<std::uint8_t, 16> bytes{0x20, 0x01, 0x0d, 0xb8, 0, i};
        result.push_back(bgp::Prefix::make(bgp::IpAddress::v6(bytes), 48));
    }
    return result;
}

// Ten attribute sets that tie in different steps; "N" in a path stands for the
// neighbouring AS, which is 65001 for all of them or, with `vary_neighbour_as`, one of three.
std::vector<AttrRef> oracle_attribute_pool(AttrStore& store, bool vary_neighbour_as) {
    struct Row {
        std::optional<std::uint32_t> local_pref;
        const char* as_path;
        std::optional<std::uint32_t> med;
        bgp::Origin origin;
    };
    const Row rows[] = {
        {std::nullopt, "N 65100", std::nullopt, bgp::Origin::igp},
        {100, "N 65100", 10, bgp::Origin::igp},
        {200, "N 65100 65200", 50, bgp::Origin::egp},
        {200, "N {65100,65200}", 50, bgp::Origin::igp},
        {std::nullopt, "N", 0, bgp::Origin::incomplete},
        {90, "N", std::nullopt, bgp::Origin::igp},
        {200, "N 65100 65200", 5, bgp::Origin::egp},
        {100, "(65010) N 65100", 10, bgp::Origin::igp},
        {200, "N {65100,65200}", 50, bgp::Origin::igp},  // with an ORIGINATOR_ID below
        {std::nullopt, "N 65100", std::nullopt, bgp::Origin::egp},  // with a CLUSTER_LIST below
    };
    std::vector<AttrRef> pool;
    for (std::size_t i = 0; i < std::size(rows); ++i) {
        const std::uint32_t neighbour_as = vary_neighbour_as ? 65001 + static_cast<std::uint32_t>(i % 3) : 65001;
        std::string path = rows[i].as_path;
        path.replace(path.find('N'), 1, std::to_string(neighbour_as));
        auto attrs = attributes(path);
        attrs.local_pref = rows[i].local_pref;
        attrs.med = rows[i].med;
        attrs.origin = rows[i].origin;
        if (i == 8) attrs.originator_id = router_id("10.0.0.1");
        if (i == 9) attrs.cluster_list = {router_id("10.0.0.9")};
        pool.push_back(store.intern(attrs));
    }
    REQUIRE(store.size() == std::size(rows));
    return pool;
}

// What the decision chose for a prefix, as the oracle and the sink record it.
struct Choice {
    PeerId peer = 0;
    AttrRef attrs;
    friend bool operator==(const Choice& a, const Choice& b) { return a.peer == b.peer && a.attrs == b.attrs; }
};

std::string describe(const std::optional<Choice>& choice) {
    if (!choice) return "none";
    const bgp::PathAttributes& attrs = *choice->attrs;
    std::ostringstream out;
    out << "peer " << choice->peer << " [" << attrs.as_path.to_string() << " lp " << attrs.local_pref.value_or(100)
        << " med " << attrs.med.value_or(0) << " origin " << static_cast<int>(attrs.origin.value_or(bgp::Origin::incomplete))
        << "]";
    return out.str();
}

// The Loc-RIB as the RFC describes it: every peer's path per prefix, the best found by a
// linear scan. Only valid when compare_paths is a total order over the paths (one
// neighbouring AS, or always-compare-med); otherwise MED makes the scan order matter.
class OracleRib {
public:
    OracleRib(const std::vector<PeerInfo>& peers, const DecisionOptions& options) : peers_(peers), options_(options) {}

    void announce(PeerId peer, const bgp::Prefix& prefix, const AttrRef& attrs) { paths_[prefix][peer] = attrs; }
    void withdraw(PeerId peer, const bgp::Prefix& prefix) {
        auto it = paths_.find(prefix);
        if (it == paths_.end()) return;
        it->second.erase(peer);
        if (it->second.empty()) paths_.erase(it);
    }
    void withdraw_all(PeerId peer) {
        for (auto it = paths_.begin(); it != paths_.end();) {
            it->second.erase(peer);
            it = it->second.empty() ? paths_.erase(it) : std::next(it);
        }
    }

    [[nodiscard]] std::map<bgp::Prefix, Choice> best_paths() const {
        std::map<bgp::Prefix, Choice> result;
        for (const auto& [prefix, by_peer] : paths_) {
            std::optional<Path> best;
            for (const auto& [peer, attrs] : by_peer) {
                const Path path{attrs, peer, 0, 0};
                if (!best || compare_paths(path, peers_[peer], *best, peers_[best->peer], options_).order < 0) best = path;
            }
            result.emplace(prefix, Choice{best->peer, best->attrs});
        }
        return result;
    }
    [[nodiscard]] std::size_t route_count() const { return paths_.size(); }
    [[nodiscard]] std::size_t path_count() const {
        std::size_t count = 0;
        for (const auto& [prefix, by_peer] : paths_) count += by_peer.size();
        return count;
    }
    [[nodiscard]] std::size_t paths_from(PeerId peer) const {
        std::size_t count = 0;
        for (const auto& [prefix, by_peer] : paths_) count += by_peer.count(peer);
        return count;
    }
    [[nodiscard]] std::vector<bgp::Prefix> prefixes() const {
        std::vector<bgp::Prefix> result;
        for (const auto& [prefix, by_peer] : paths_) result.push_back(prefix);
        return result;
    }

private:
    std::vector<PeerInfo> peers_;
    DecisionOptions options_;
    std::map<bgp::Prefix, std::map<PeerId, AttrRef>> paths_;
};

// Random announce/withdraw/withdraw_all against the oracle; after every run_decision the
// best paths, the counters and the reported changes must all agree with it.
void check_loc_rib_against_oracle(std::uint32_t seed, bool vary_neighbour_as, const DecisionOptions& options) {
    AttrStore store;  // outlives everything holding an AttrRef below
    const std::vector<AttrRef> pool = oracle_attribute_pool(store, vary_neighbour_as);
    const std::vector<bgp::Prefix> prefixes = oracle_prefixes();
    std::vector<PeerInfo> peers = {ebgp_peer(65001, "10.0.0.1", "192.0.2.1"), ebgp_peer(65001, "10.0.0.2", "192.0.2.2"),
                                   ibgp_peer("10.0.0.3", "192.0.2.3"), ibgp_peer("10.0.0.4", "2001:db8::4"),
                                   ibgp_peer("10.0.0.5", "192.0.2.5")};
    peers[4].locally_originated = true;

    LocRib rib;
    rib.set_options(options);
    std::vector<PeerId> ids;
    for (const auto& peer : peers) ids.push_back(rib.add_peer(peer));
    REQUIRE(ids == std::vector<PeerId>{0, 1, 2, 3, 4});  // the oracle indexes peers by id
    OracleRib oracle(peers, options);
    std::map<bgp::Prefix, Choice> previous_best;

    std::mt19937 rng(seed);
    const auto pick = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    std::size_t decisions = 0;
    std::size_t changes_reported = 0;
    for (int operation = 0; operation < 6000; ++operation) {
        const auto peer = static_cast<PeerId>(pick(peers.size()));
        const bgp::Prefix& prefix = prefixes[pick(prefixes.size())];
        const std::size_t kind = pick(100);
        if (kind < 60) {
            const AttrRef& attrs = pool[pick(pool.size())];
            rib.announce(peer, prefix, attrs);
            oracle.announce(peer, prefix, attrs);
        } else if (kind < 97) {
            rib.withdraw(peer, prefix);
            oracle.withdraw(peer, prefix);
        } else {
            rib.withdraw_all(peer);
            oracle.withdraw_all(peer);
        }
        if (pick(5) != 0) continue;

        ++decisions;
        std::map<bgp::Prefix, std::optional<Choice>> reported;
        std::vector<std::string> problems;
        rib.run_decision([&](const RouteChange& change) {
            std::optional<Choice> choice;
            if (change.new_best) choice = Choice{change.new_best->peer, change.new_best->attrs};
            if (!reported.emplace(change.prefix, choice).second) problems.push_back("reported twice: " + change.prefix.to_string());
        });
        changes_reported += reported.size();

        const auto best = oracle.best_paths();
        for (const auto& [p, expected] : best) {
            const Path* actual = rib.best(p);
            if (!actual || !(Choice{actual->peer, actual->attrs} == expected)) {
                problems.push_back("best of " + p.to_string() + ": expected " + describe(expected) + ", got " +
                                   (actual ? describe(Choice{actual->peer, actual->attrs}) : "none"));
            }
            const auto explained = rib.explain(p);
            if (explained.empty() || !explained.front().best || !(Choice{explained.front().path.peer, explained.front().path.attrs} == expected))
                problems.push_back("explain of " + p.to_string() + " does not open with the best path");
        }
        // Exactly the prefixes whose best changed (appeared, went, or moved) were reported.
        std::set<bgp::Prefix> touched;
        for (const auto& [p, choice] : previous_best) touched.insert(p);
        for (const auto& [p, choice] : best) touched.insert(p);
        for (const auto& p : touched) {
            const auto before = previous_best.find(p);
            const auto after = best.find(p);
            const std::optional<Choice> old_choice = before == previous_best.end() ? std::nullopt : std::optional(before->second);
            const std::optional<Choice> new_choice = after == best.end() ? std::nullopt : std::optional(after->second);
            const auto report = reported.find(p);
            if (old_choice == new_choice) {
                if (report != reported.end()) problems.push_back("reported unchanged " + p.to_string());
            } else if (report == reported.end()) {
                problems.push_back("change of " + p.to_string() + " not reported: " + describe(old_choice) + " -> " +
                                   describe(new_choice));
            } else if (!(report->second == new_choice)) {
                problems.push_back("change of " + p.to_string() + " reported as " + describe(report->second) +
                                   ", expected " + describe(new_choice));
            }
            if (!new_choice && rib.best(p)) problems.push_back("best left for withdrawn " + p.to_string());
        }
        for (const auto& [p, choice] : reported)
            if (!touched.count(p)) problems.push_back("reported a prefix that never had a path: " + p.to_string());

        if (rib.route_count() != oracle.route_count()) problems.push_back("route_count differs");
        if (rib.path_count() != oracle.path_count()) problems.push_back("path_count differs");
        for (const PeerId id : ids)
            if (rib.paths_from(id) != oracle.paths_from(id)) problems.push_back("paths_from(" + std::to_string(id) + ") differs");
        if (rib.prefixes() != oracle.prefixes()) problems.push_back("prefixes() differs");
        std::size_t walked = 0;
        rib.for_each_best([&](RouteIndex, const bgp::Prefix& p, const Path& path) {
            ++walked;
            const auto expected = best.find(p);
            if (expected == best.end() || !(Choice{path.peer, path.attrs} == expected->second))
                problems.push_back("for_each_best disagrees on " + p.to_string());
        });
        if (walked != best.size()) problems.push_back("for_each_best walked " + std::to_string(walked) + " routes");
        if (rib.pending_count() != 0) problems.push_back("dirty prefixes left after run_decision");

        INFO("seed " << seed << ", operation " << operation << ", decision " << decisions);
        CAPTURE(problems);
        REQUIRE(problems.empty());
        previous_best = best;
    }
    // The run must have exercised something: many decisions, many real changes.
    CHECK(decisions > 1000);
    CHECK(changes_reported > 1000);
}

TEST_CASE("LocRib agrees with a brute-force oracle: one neighbouring AS", "[rib][loc_rib][oracle]") {
    check_loc_rib_against_oracle(20240611, false, DecisionOptions{});
}

TEST_CASE("LocRib agrees with a brute-force oracle: several neighbouring ASes, always-compare-med", "[rib][loc_rib][oracle]") {
    DecisionOptions options;
    options.always_compare_med = true;
    check_loc_rib_against_oracle(4271, true, options);
}

TEST_CASE("LocRib: MED across neighbouring ASes does not depend on arrival order", "[rib][loc_rib]") {
    // A MED cycle: a beats c (same AS 65001, lower MED), c beats b (lower router id, MED
    // not compared), b beats a (lower router id). Deterministic MED picks the best of
    // 65001 first (a), then a against b: b, whatever order the paths came in.
    AttrStore store;
    auto med_low = attributes("65001 65100");
    med_low.med = 5;
    auto med_high = attributes("65001 65100");
    med_high.med = 50;
    const std::vector<PeerInfo> peers = {ebgp_peer(65001, "10.0.0.3", "192.0.2.3"), ebgp_peer(65002, "10.0.0.2", "192.0.2.2"),
                                         ebgp_peer(65001, "10.0.0.1", "192.0.2.1")};
    const std::vector<AttrRef> attrs = {store.intern(med_low), store.intern(attributes("65002 65100")), store.intern(med_high)};
    std::vector<std::size_t> order = {0, 1, 2};
    const bgp::Prefix prefix = make_prefix("198.51.100.0/24");
    do {
        CAPTURE(order);
        LocRib rib;
        for (const auto& peer : peers) rib.add_peer(peer);
        for (const std::size_t i : order) rib.announce(static_cast<PeerId>(i), prefix, attrs[i]);
        rib.run_decision([](const RouteChange&) {});
        REQUIRE(rib.best(prefix));
        CHECK(rib.best(prefix)->peer == 1);
    } while (std::next_permutation(order.begin(), order.end()));
}

TEST_CASE("LocRib: explain() puts the best first and says where each loser lost", "[rib][loc_rib]") {
    AttrStore store;
    LocRib rib;
    const PeerId winner = rib.add_peer(ebgp_peer(65001, "10.0.0.3", "192.0.2.3"));
    const PeerId by_local_pref = rib.add_peer(ebgp_peer(65001, "10.0.0.1", "192.0.2.1"));
    const PeerId by_path_length = rib.add_peer(ebgp_peer(65002, "10.0.0.2", "192.0.2.2"));
    const PeerId by_router_id = rib.add_peer(ebgp_peer(65001, "10.0.0.4", "192.0.2.4"));
    auto best_attrs = attributes("65001 65100");
    best_attrs.local_pref = 200;
    auto low_pref = attributes("65001");
    low_pref.local_pref = 100;
    auto longer = attributes("65002 65100 65200");
    longer.local_pref = 200;
    const bgp::Prefix prefix = make_prefix("2001:db8:100::/48");
    rib.announce(by_local_pref, prefix, store.intern(low_pref));
    rib.announce(winner, prefix, store.intern(best_attrs));
    rib.announce(by_path_length, prefix, store.intern(longer));
    rib.announce(by_router_id, prefix, store.intern(best_attrs));
    rib.run_decision([](const RouteChange&) {});

    const auto explained = rib.explain(prefix);
    REQUIRE(explained.size() == 4);
    CHECK(explained[0].best);
    CHECK(explained[0].path.peer == winner);
    CHECK(explained[0].lost_at == DecisionStep::none);
    std::map<PeerId, DecisionStep> lost_at;
    for (std::size_t i = 1; i < explained.size(); ++i) {
        CHECK_FALSE(explained[i].best);
        CHECK(explained[i].lost_at != DecisionStep::none);
        lost_at[explained[i].path.peer] = explained[i].lost_at;
    }
    CHECK(lost_at == std::map<PeerId, DecisionStep>{{by_local_pref, DecisionStep::local_pref},
                                                   {by_path_length, DecisionStep::as_path_length},
                                                   {by_router_id, DecisionStep::router_id}});
    // Losers in decision order: router id (closest), then path length, then LOCAL_PREF.
    CHECK(explained[1].path.peer == by_router_id);
    CHECK(explained[2].path.peer == by_path_length);
    CHECK(explained[3].path.peer == by_local_pref);
    CHECK(rib.explain(make_prefix("2001:db8:200::/48")).empty());
}

TEST_CASE("LocRib: a removed peer's id is reused by the next peer, with the new peer's info", "[rib][loc_rib]") {
    AttrStore store;
    LocRib rib;
    const PeerId internal = rib.add_peer(ibgp_peer("10.0.0.1", "192.0.2.1"));
    const PeerId leaving = rib.add_peer(ibgp_peer("10.0.0.2", "192.0.2.2"));
    const bgp::Prefix a = make_prefix("10.1.0.0/16");
    const bgp::Prefix b = make_prefix("10.2.0.0/16");
    const AttrRef attrs = store.intern(attributes("65001 65100"));
    rib.announce(internal, a, attrs);
    rib.announce(leaving, a, attrs);
    rib.announce(leaving, b, attrs);
    rib.run_decision([](const RouteChange&) {});
    CHECK(rib.paths_from(leaving) == 2);
    REQUIRE_THROWS_AS(rib.remove_peer(leaving), std::logic_error);  // still has paths

    rib.withdraw_all(leaving);
    std::vector<bgp::Prefix> changed;
    rib.run_decision([&](const RouteChange& change) { changed.push_back(change.prefix); });
    CHECK(changed == std::vector<bgp::Prefix>{b});  // a keeps its best (internal has the lower router id)
    CHECK(rib.paths_from(leaving) == 0);
    CHECK(rib.route_count() == 1);
    rib.remove_peer(leaving);

    // The next session takes the freed id; now it is eBGP and so wins for a.
    const PeerId arriving = rib.add_peer(ebgp_peer(65001, "10.0.0.9", "192.0.2.9"));
    CHECK(arriving == leaving);
    CHECK(rib.peer(arriving).external);
    CHECK(rib.peer(arriving).router_id == router_id("10.0.0.9"));
    CHECK(rib.paths_from(arriving) == 0);
    rib.announce(arriving, a, attrs);
    changed.clear();
    rib.run_decision([&](const RouteChange& change) { changed.push_back(change.prefix); });
    CHECK(changed == std::vector<bgp::Prefix>{a});
    REQUIRE(rib.best(a));
    CHECK(rib.best(a)->peer == arriving);
    CHECK(rib.explain(a).back().lost_at == DecisionStep::external_over_internal);

    const PeerId fresh = rib.add_peer(ibgp_peer("10.0.0.10", "192.0.2.10"));
    CHECK(fresh != internal);
    CHECK(fresh != arriving);
}

TEST_CASE("LocRib: best() between a withdrawal and run_decision points at a live path or nothing", "[rib][loc_rib]") {
    // The best is the second candidate (stored in `more`); withdrawing it shrinks the
    // candidates, but best() still indexes the old position until run_decision.
    AttrStore store;
    LocRib rib;
    const PeerId loser = rib.add_peer(ebgp_peer(65001, "10.0.0.2", "192.0.2.2"));
    const PeerId winner = rib.add_peer(ebgp_peer(65001, "10.0.0.1", "192.0.2.1"));
    const AttrRef attrs = store.intern(attributes("65001 65100"));
    const bgp::Prefix prefix = make_prefix("10.3.0.0/16");
    rib.announce(loser, prefix, attrs);
    rib.announce(winner, prefix, attrs);
    rib.run_decision([](const RouteChange&) {});
    REQUIRE(rib.best(prefix));
    REQUIRE(rib.best(prefix)->peer == winner);

    rib.withdraw(winner, prefix);
    const Path* best = rib.best(prefix);
    // Either nothing (undecided) or a path that is still a candidate: never the withdrawn slot.
    const bool live = best == nullptr || (best->attrs == attrs && best->peer == loser);
    INFO("best() returned " << (best ? "peer " + std::to_string(best->peer) + (best->attrs ? " with" : " without") + " attributes"
                                     : std::string("nothing")));
    CHECK(live);
}

// ---- Adj-RIB-Out -----------------------------------------------------------------------------

// What one drain() handed out, in call order.
struct DrainEvent {
    AttrRef attrs;  // null: withdrawal
    std::vector<bgp::Prefix> prefixes;
};

struct Drained {
    std::vector<DrainEvent> events;
    bool more = false;
};

Drained drain(AdjRibOut& out, std::size_t budget = 1 << 20) {
    Drained result;
    result.more = out.drain(
        budget,
        [&](const AttrRef& attrs, std::span<const bgp::Prefix> prefixes) {
            result.events.push_back(DrainEvent{attrs, {prefixes.begin(), prefixes.end()}});
        },
        [&](std::span<const bgp::Prefix> prefixes) { result.events.push_back(DrainEvent{AttrRef{}, {prefixes.begin(), prefixes.end()}}); });
    return result;
}

std::vector<bgp::Prefix> sorted(std::vector<bgp::Prefix> prefixes) {
    std::sort(prefixes.begin(), prefixes.end());
    return prefixes;
}

bgp::Prefix route(RouteIndex index) { return bgp::Prefix::make(bgp::IpAddress::v4(0xc6330000U + (index << 8)), 24); }

TEST_CASE("AdjRibOut: announcements grouped per attribute set, withdrawals first", "[rib][adj_rib_out]") {
    AttrStore store;
    const AttrRef x = store.intern(attributes("65001"));
    const AttrRef y = store.intern(attributes("65002"));
    AdjRibOut out;
    for (RouteIndex i = 0; i < 5; ++i) out.offer(i, route(i), i < 3 ? x : y);
    CHECK(out.pending_count() == 5);

    Drained first = drain(out);
    CHECK_FALSE(first.more);
    REQUIRE(first.events.size() == 2);
    std::map<const AttrNode*, std::vector<bgp::Prefix>> by_set;
    for (const auto& event : first.events) {
        REQUIRE(event.attrs);
        CHECK(by_set.emplace(event.attrs.node(), sorted(event.prefixes)).second);
    }
    CHECK(by_set[x.node()] == std::vector<bgp::Prefix>{route(0), route(1), route(2)});
    CHECK(by_set[y.node()] == std::vector<bgp::Prefix>{route(3), route(4)});
    CHECK(out.advertised_count() == 5);
    CHECK(out.pending_count() == 0);
    REQUIRE(out.advertised(1));
    CHECK(*out.advertised(1) == x);

    // Withdraw 0, move 1 to y and 3 to x, add 5 with x.
    out.offer(0, route(0), AttrRef{});
    out.offer(1, route(1), y);
    out.offer(3, route(3), x);
    out.offer(5, route(5), x);
    Drained second = drain(out);
    CHECK_FALSE(second.more);
    REQUIRE(second.events.size() == 3);
    CHECK_FALSE(second.events[0].attrs);
    CHECK(second.events[0].prefixes == std::vector<bgp::Prefix>{route(0)});
    by_set.clear();
    for (std::size_t i = 1; i < second.events.size(); ++i) {
        REQUIRE(second.events[i].attrs);
        CHECK(by_set.emplace(second.events[i].attrs.node(), sorted(second.events[i].prefixes)).second);
    }
    CHECK(by_set[x.node()] == std::vector<bgp::Prefix>{route(3), route(5)});
    CHECK(by_set[y.node()] == std::vector<bgp::Prefix>{route(1)});
    CHECK(out.advertised_count() == 5);
    CHECK(out.advertised(0) == nullptr);
    REQUIRE(out.advertised(3));
    CHECK(*out.advertised(3) == x);
}

TEST_CASE("AdjRibOut: nothing is sent that the neighbour already has", "[rib][adj_rib_out]") {
    AttrStore store;
    const AttrRef x = store.intern(attributes("65001"));
    const AttrRef y = store.intern(attributes("65002"));
    AdjRibOut out;
    out.offer(0, route(0), x);
    out.offer(1, route(1), x);
    REQUIRE(drain(out).events.size() == 1);

    SECTION("the same attributes again") {
        out.offer(0, route(0), x);
        out.offer(0, route(0), store.intern(attributes("65001")));  // equal value, interned to the same set
        CHECK(out.pending_count() == 0);
    }
    SECTION("a change and a change back before the drain") {
        out.offer(0, route(0), y);
        CHECK(out.pending_count() == 1);
        out.offer(0, route(0), x);
        CHECK(out.pending_count() == 0);
        out.offer(1, route(1), AttrRef{});
        out.offer(1, route(1), x);
        CHECK(out.pending_count() == 0);
    }
    SECTION("a withdrawal of a route never advertised") {
        out.offer(7, route(7), AttrRef{});
        out.offer(100, route(100), AttrRef{});  // beyond anything offered so far
        CHECK(out.pending_count() == 0);
        // Announced and withdrawn again before the drain: the neighbour never hears of it.
        out.offer(8, route(8), y);
        out.offer(8, route(8), AttrRef{});
        CHECK(out.pending_count() == 0);
    }
    const Drained drained = drain(out);
    CHECK(drained.events.empty());
    CHECK_FALSE(drained.more);
    CHECK(out.advertised_count() == 2);

    // A route cancelled once can still change afterwards.
    out.offer(0, route(0), y);
    const Drained later = drain(out);
    REQUIRE(later.events.size() == 1);
    CHECK(later.events[0].attrs == y);
    CHECK(later.events[0].prefixes == std::vector<bgp::Prefix>{route(0)});
}

TEST_CASE("AdjRibOut: the drain budget splits the output and says whether more remains", "[rib][adj_rib_out]") {
    AttrStore store;
    const AttrRef x = store.intern(attributes("65001"));
    const AttrRef y = store.intern(attributes("65002"));
    AdjRibOut out;
    constexpr RouteIndex routes = 100;
    for (RouteIndex i = 0; i < routes; ++i) out.offer(i, route(i), i % 4 == 0 ? y : x);

    std::vector<bgp::Prefix> announced;
    std::size_t calls = 0;
    bool more = true;
    while (more) {
        REQUIRE(calls < routes);  // every call makes progress
        const std::size_t pending_before = out.pending_count();
        const Drained drained = drain(out, 40);
        ++calls;
        more = drained.more;
        std::size_t sent = 0;
        for (const auto& event : drained.events) {
            CHECK(event.attrs);
            sent += event.prefixes.size();
            announced.insert(announced.end(), event.prefixes.begin(), event.prefixes.end());
        }
        CHECK(sent > 0);
        CHECK(sent < routes);  // 40 bytes cannot hold 100 prefixes of 4 bytes each
        CHECK(out.pending_count() == pending_before - sent);
        CHECK(more == (out.pending_count() > 0));
    }
    CHECK(calls > 2);
    std::vector<bgp::Prefix> expected;
    for (RouteIndex i = 0; i < routes; ++i) expected.push_back(route(i));
    CHECK(sorted(announced) == expected);  // each exactly once
    CHECK(out.advertised_count() == routes);
    CHECK_FALSE(drain(out).more);
}

TEST_CASE("AdjRibOut: clear() forgets what was advertised and what was pending", "[rib][adj_rib_out]") {
    AttrStore store;
    const AttrRef x = store.intern(attributes("65001"));
    AdjRibOut out;
    for (RouteIndex i = 0; i < 3; ++i) out.offer(i, route(i), x);
    drain(out);
    out.offer(3, route(3), x);
    REQUIRE(out.advertised_count() == 3);
    out.clear();
    CHECK(out.advertised_count() == 0);
    CHECK(out.pending_count() == 0);
    CHECK(out.advertised(0) == nullptr);
    CHECK(drain(out).events.empty());
    // The neighbour has nothing now, so the same routes go out again.
    out.offer(0, route(0), x);
    const Drained again = drain(out);
    REQUIRE(again.events.size() == 1);
    CHECK(again.events[0].prefixes == std::vector<bgp::Prefix>{route(0)});
    CHECK(out.advertised_count() == 1);
}

TEST_CASE("AdjRibOut: random offers and drains leave the neighbour with the last offer", "[rib][adj_rib_out][oracle]") {
    // The model: `wanted` is the last offer per route, `neighbour` what the callbacks
    // have told the neighbour. Pending work is exactly where they differ.
    AttrStore store;
    std::vector<AttrRef> pool = {AttrRef{}};
    for (const char* path : {"65001", "65002", "65001 65100", "65003 65100 65200"}) pool.push_back(store.intern(attributes(path)));
    // The small table checks after every operation; the large one piles up enough
    // replaced entries between drains to make the queue compact itself.
    const auto [routes, operations, drains_per_mille, clears_per_mille] =
        GENERATE(table<RouteIndex, int, std::size_t, std::size_t>({{30, 4000, 140, 10}, {6000, 60000, 5, 0}}));
    CAPTURE(routes);
    std::map<bgp::Prefix, RouteIndex> index_of;
    for (RouteIndex i = 0; i < routes; ++i) index_of[route(i)] = i;
    std::vector<AttrRef> wanted(routes);
    std::vector<AttrRef> neighbour(routes);
    AdjRibOut out;

    std::mt19937 rng(7606);
    const auto pick = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    const auto differences = [&] {
        std::size_t count = 0;
        for (RouteIndex i = 0; i < routes; ++i) count += wanted[i] == neighbour[i] ? 0 : 1;
        return count;
    };
    // Applies one drain to the model; returns what was wrong with it.
    const auto apply = [&](const Drained& drained) {
        std::vector<std::string> problems;
        bool announced_yet = false;
        std::set<const AttrNode*> groups;
        for (const auto& event : drained.events) {
            if (event.prefixes.empty()) problems.push_back("empty callback");
            if (!event.attrs && announced_yet) problems.push_back("withdrawal after an announcement");
            if (event.attrs) {
                announced_yet = true;
                if (!groups.insert(event.attrs.node()).second) problems.push_back("attribute set split in one drain");
            }
            for (const auto& p : event.prefixes) {
                const RouteIndex i = index_of.at(p);
                if (neighbour[i] == event.attrs) problems.push_back("resent what the neighbour has: " + p.to_string());
                neighbour[i] = event.attrs;
            }
        }
        return problems;
    };

    for (int operation = 0; operation < operations; ++operation) {
        const std::size_t kind = pick(1000);
        const bool offer = kind >= drains_per_mille + clears_per_mille;
        std::vector<std::string> problems;
        if (offer) {
            const auto i = static_cast<RouteIndex>(pick(routes));
            wanted[i] = pool[pick(pool.size())];
            out.offer(i, route(i), wanted[i]);
        } else if (kind < drains_per_mille) {
            problems = apply(drain(out, 1 + pick(120)));
        } else {
            out.clear();
            std::fill(wanted.begin(), wanted.end(), AttrRef{});
            std::fill(neighbour.begin(), neighbour.end(), AttrRef{});
        }
        if (routes > 100 && offer) continue;
        std::size_t advertised = 0;
        for (RouteIndex i = 0; i < routes; ++i) {
            advertised += neighbour[i] ? 1 : 0;
            const AttrRef* held = out.advertised(i);
            if ((held ? *held : AttrRef{}) != neighbour[i]) problems.push_back("advertised(" + std::to_string(i) + ") differs");
        }
        if (out.advertised_count() != advertised) problems.push_back("advertised_count differs");
        if (out.pending_count() != differences()) problems.push_back("pending_count differs from the model");
        INFO("operation " << operation);
        CAPTURE(problems);
        REQUIRE(problems.empty());
    }
    while (true) {
        const Drained drained = drain(out, 50);
        const auto problems = apply(drained);
        CAPTURE(problems);
        REQUIRE(problems.empty());
        if (!drained.more) break;
    }
    CHECK(neighbour == wanted);
    CHECK(out.pending_count() == 0);
}

// ---- Attribute interning -------------------------------------------------------------------

TEST_CASE("AttrStore: equal attribute sets share one entry", "[rib][attr_store]") {
    AttrStore store;
    auto value = attributes("65001 65100");
    value.communities = {0xfde90064};
    const AttrRef first = store.intern(value);
    const AttrRef second = store.intern(bgp::PathAttributes(value));  // the rvalue overload
    CHECK(first == second);
    CHECK(first.node() == second.node());
    CHECK(store.size() == 1);
    CHECK(first.node()->references == 2);
    CHECK(*first == value);
    CHECK(hash_attributes(value) == hash_attributes(*second));

    auto other = value;
    other.med = 0;  // present-but-zero differs from absent
    const AttrRef third = store.intern(other);
    CHECK_FALSE(third == first);
    CHECK(store.size() == 2);
}

TEST_CASE("AttrStore: sets that differ only in fields the hash skips stay distinct", "[rib][attr_store]") {
    AttrStore store;
    auto with_aggregator = attributes("65001");
    with_aggregator.aggregator = bgp::Aggregator{65001, address("192.0.2.1")};
    auto other_aggregator = with_aggregator;
    other_aggregator.aggregator->address = address("192.0.2.2");
    auto unknown_a = attributes("65001");
    unknown_a.unknown = {bgp::RawAttribute{0xc0, 99, {std::byte{1}}}};
    auto unknown_b = attributes("65001");
    unknown_b.unknown = {bgp::RawAttribute{0xc0, 99, {std::byte{2}}}};

    const AttrRef refs[] = {store.intern(with_aggregator), store.intern(other_aggregator), store.intern(unknown_a),
                            store.intern(unknown_b)};
    CHECK(store.size() == 4);
    CHECK_FALSE(refs[0] == refs[1]);
    CHECK_FALSE(refs[2] == refs[3]);
    CHECK(*refs[1] == other_aggregator);
    CHECK(*refs[3] == unknown_b);
}

TEST_CASE("AttrStore: the last reference frees the entry", "[rib][attr_store]") {
    AttrStore store;
    const auto value = attributes("65001 65100");
    std::optional<AttrRef> first = store.intern(value);
    AttrRef copy = *first;
    REQUIRE(store.size() == 1);
    CHECK(copy.node()->references == 2);

    const AttrRef& same = copy;
    copy = same;  // self-assignment keeps the reference
    CHECK(copy.node()->references == 2);
    first.reset();
    CHECK(store.size() == 1);  // `copy` still holds it
    CHECK(copy.node()->references == 1);

    AttrRef moved = std::move(copy);
    CHECK_FALSE(copy);  // NOLINT(bugprone-use-after-move): a moved-from AttrRef is null
    CHECK(store.size() == 1);
    CHECK(moved.node()->references == 1);

    moved = AttrRef{};
    CHECK(store.size() == 0);

    // Interning again after the entry went creates a fresh one.
    const AttrRef again = store.intern(value);
    CHECK(store.size() == 1);
    CHECK(again.node()->references == 1);
}

TEST_CASE("AttrStore: sets come and go in any order; each is found while it lives, and only then", "[rib][attr_store]") {
    // Enough sets that the table grows several times and probe runs form, released in a
    // random order so erasing shifts members of every run.
    AttrStore store;
    std::vector<std::optional<AttrRef>> refs;
    std::vector<const AttrNode*> nodes;
    for (std::uint32_t i = 0; i < 5000; ++i) {
        auto a = attributes("65001");
        a.med = i;
        refs.emplace_back(store.intern(a));
        nodes.push_back(refs.back()->node());
    }
    REQUIRE(store.size() == 5000);
    std::vector<std::uint32_t> order(5000);
    for (std::uint32_t i = 0; i < 5000; ++i) order[i] = i;
    std::mt19937 random(7);
    std::shuffle(order.begin(), order.end(), random);
    std::set<std::uint32_t> released;
    for (std::size_t k = 0; k < order.size(); ++k) {
        refs[order[k]].reset();
        released.insert(order[k]);
        if (k % 500 != 0) continue;
        // Every set still held is found again as the same node; a released one anew.
        for (std::uint32_t i = 0; i < 5000; i += 37) {
            auto a = attributes("65001");
            a.med = i;
            const auto found = store.intern(a);
            if (!released.count(i)) CHECK(found.node() == nodes[i]);
            else CHECK(found.node()->references == 1);
        }
        CHECK(store.size() == 5000 - released.size());
    }
    CHECK(store.size() == 0);
}

// ---- Aggregation (RFC 4271 §9.2.2.2) ------------------------------------------------------

TEST_CASE("aggregate_attributes: AS_SET from the contributors, or ATOMIC_AGGREGATE; AGGREGATOR; ORIGIN", "[rib][aggregate]") {
    const std::uint32_t local_as = 65000;
    const std::uint32_t id = router_id("10.255.0.1");
    auto a = attributes("65001 65002 65010");
    a.communities = {0xfde90001};
    auto b = attributes("65001 65003");
    b.origin = bgp::Origin::egp;
    b.communities = {0xfde90002, 0xfde90001};
    b.extended_communities = {0x0002'fde9'0000'0001ULL};
    const std::vector<const bgp::PathAttributes*> both{&a, &b};

    SECTION("as_set: the common leading sequence, then an AS_SET of the rest; communities united") {
        AggregateConfig config{make_prefix("10.0.0.0/8"), false, true};
        const auto x = aggregate_attributes(config, both, local_as, id);
        CHECK(x.as_path.to_string() == "65001 {65002,65003,65010}");
        CHECK(x.as_path.decision_length() == 2);
        CHECK(x.origin == bgp::Origin::egp);  // the "worst" contributor's
        CHECK_FALSE(x.atomic_aggregate);
        REQUIRE(x.aggregator);
        CHECK(x.aggregator->asn == local_as);
        CHECK(x.aggregator->address == address("10.255.0.1"));
        CHECK(x.communities == std::vector<std::uint32_t>{0xfde90001, 0xfde90002});
        CHECK(x.extended_communities == b.extended_communities);
        CHECK_FALSE(x.med);
        CHECK(x.next_hop == address("0.0.0.0"));  // "self", filled in on export
    }
    SECTION("as_set: identical paths stay a plain sequence; a local contributor empties the common part") {
        AggregateConfig config{make_prefix("10.0.0.0/8"), false, true};
        auto c = attributes("65001 65002 65010");
        CHECK(aggregate_attributes(config, {&a, &c}, local_as, id).as_path.to_string() == "65001 65002 65010");
        auto local = attributes("");
        CHECK(aggregate_attributes(config, {&local, &b}, local_as, id).as_path.to_string() == "{65001,65003}");
        CHECK(aggregate_attributes(config, {&local}, local_as, id).as_path.empty());
        // A contributor's own ATOMIC_AGGREGATE is kept.
        c.atomic_aggregate = true;
        CHECK(aggregate_attributes(config, {&a, &c}, local_as, id).atomic_aggregate);
    }
    SECTION("without as_set: an empty path, ATOMIC_AGGREGATE, no contributor communities") {
        AggregateConfig config{make_prefix("10.0.0.0/8"), false, false};
        auto c = attributes("65004");
        c.origin = bgp::Origin::incomplete;
        const auto x = aggregate_attributes(config, {&a, &b, &c}, local_as, id);
        CHECK(x.as_path.empty());
        CHECK(x.has_as_path);
        CHECK(x.atomic_aggregate);
        REQUIRE(x.aggregator);
        CHECK(x.aggregator->asn == local_as);
        CHECK(x.origin == bgp::Origin::incomplete);
        CHECK(x.communities.empty());
    }
    SECTION("IPv6: the next hop is the MP_REACH one") {
        AggregateConfig config{make_prefix("2001:db8::/32"), false, false};
        const auto x = aggregate_attributes(config, both, local_as, id);
        CHECK_FALSE(x.next_hop);
        CHECK(x.mp_next_hop);
    }
}

TEST_CASE("AggregateTable: originated while a more-specific is in the Loc-RIB; summary-only suppresses", "[rib][aggregate]") {
    AttrStore store;
    LocRib rib;
    const PeerId peer = rib.add_peer(ebgp_peer(65001, "10.0.0.1", "192.0.2.1"));
    AggregateTable table;
    const auto summary = make_prefix("10.0.0.0/8");
    const auto plain = make_prefix("172.16.0.0/12");
    table.configure({{summary, true, false}, {plain, false, true}}, rib);

    std::map<bgp::Prefix, std::optional<bgp::PathAttributes>> routes;  // what refresh said last
    std::size_t calls = 0;
    const auto refresh = [&] {
        table.refresh(rib, 65000, router_id("10.255.0.1"),
                      [&](const AggregateConfig& config, const std::optional<bgp::PathAttributes>& attributes) {
                          ++calls;
                          routes[config.prefix] = attributes;
                      });
    };
    const auto decide = [&] {
        rib.run_decision([&](const RouteChange& change) { table.note_change(change.prefix, change.new_best != nullptr); });
    };

    refresh();  // configured: both computed once, neither has a contributor
    CHECK(calls == 2);
    CHECK_FALSE(routes.at(summary));
    CHECK_FALSE(routes.at(plain));
    CHECK_FALSE(table.suppresses(make_prefix("10.1.0.0/16")));

    rib.announce(peer, make_prefix("10.1.0.0/16"), store.intern(attributes("65001 65100")));
    rib.announce(peer, make_prefix("10.2.0.0/16"), store.intern(attributes("65001 65200")));
    rib.announce(peer, make_prefix("10.0.0.0/8"), store.intern(attributes("65001")));  // the aggregate's own prefix
    rib.announce(peer, make_prefix("11.0.0.0/16"), store.intern(attributes("65001")));  // outside both
    decide();
    calls = 0;
    refresh();
    CHECK(calls == 1);  // only the aggregate whose contributors changed
    REQUIRE(routes.at(summary));
    CHECK(routes.at(summary)->atomic_aggregate);
    REQUIRE(table.contributors(summary));
    CHECK(*table.contributors(summary) == std::vector<bgp::Prefix>{make_prefix("10.1.0.0/16"), make_prefix("10.2.0.0/16")});
    CHECK(table.suppresses(make_prefix("10.1.0.0/16")));
    CHECK(table.suppresses(make_prefix("10.2.0.0/16")));
    CHECK_FALSE(table.suppresses(summary));                   // never the aggregate itself
    CHECK_FALSE(table.suppresses(make_prefix("11.0.0.0/16")));
    CHECK_FALSE(table.suppresses(make_prefix("172.16.1.0/24")));  // not summary-only, and no contributor

    calls = 0;
    refresh();  // nothing changed: nothing to recompute
    CHECK(calls == 0);

    // A contributor of the as_set aggregate: its path shows in the aggregate's.
    rib.announce(peer, make_prefix("172.16.1.0/24"), store.intern(attributes("65001 65300")));
    decide();
    refresh();
    REQUIRE(routes.at(plain));
    CHECK(routes.at(plain)->as_path.to_string() == "65001 65300");
    CHECK_FALSE(table.suppresses(make_prefix("172.16.1.0/24")));  // not summary-only

    // One contributor goes: still originated; the last goes: withdrawn, nothing suppressed.
    rib.withdraw(peer, make_prefix("10.1.0.0/16"));
    decide();
    refresh();
    CHECK(routes.at(summary));
    CHECK(table.suppresses(make_prefix("10.2.0.0/16")));
    rib.withdraw(peer, make_prefix("10.2.0.0/16"));
    decide();
    refresh();
    CHECK_FALSE(routes.at(summary));
    CHECK_FALSE(table.suppresses(make_prefix("10.2.0.0/16")));

    // configure() recounts from the routes already in the Loc-RIB (a reload).
    AggregateTable reloaded;
    reloaded.configure({{make_prefix("172.16.0.0/16"), true, false}}, rib);
    CHECK(*reloaded.contributors(make_prefix("172.16.0.0/16")) == std::vector<bgp::Prefix>{make_prefix("172.16.1.0/24")});
    CHECK(reloaded.suppresses(make_prefix("172.16.1.0/24")));
}

TEST_CASE("AdjRibIn: the last route per prefix and path id, erased on withdrawal", "[rib][adj_rib_in]") {
    AttrStore store;
    AdjRibIn in;
    const auto p = make_prefix("10.1.0.0/16");
    const auto first = store.intern(attributes("65001"));
    const auto second = store.intern(attributes("65001 65002"));
    in.store(p, 0, first);
    in.store(p, 0, second);  // an implicit withdrawal replaces
    in.store(p, 7, first);   // another ADD-PATH path of the same prefix
    in.store(make_prefix("2001:db8::/32"), 0, first);
    CHECK(in.size() == 3);
    REQUIRE(in.find(p, 0));
    CHECK(*in.find(p, 0) == second);
    CHECK(*in.find(p, 7) == first);
    CHECK(first.node()->references == 3);  // `first` and two stored routes hold it
    in.erase(p, 7);
    in.erase(make_prefix("10.9.0.0/16"), 0);  // never stored: nothing happens
    CHECK(in.find(p, 7) == nullptr);
    std::size_t seen = 0;
    in.for_each([&](const bgp::Prefix&, std::uint32_t path_id, const AttrRef&) {
        ++seen;
        CHECK(path_id == 0);
    });
    CHECK(seen == 2);
    CHECK(in.memory_bytes() > 0);
    in.clear();
    CHECK(in.size() == 0);
    CHECK(first.node()->references == 1);  // the store let go of its references
}

}  // namespace
