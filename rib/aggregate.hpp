// Route aggregation (RFC 4271 §9.2.2.2; FRR's and Cisco's `aggregate-address`).
//
// An aggregate is originated while at least one more-specific route (a contributor) has
// a best path in the Loc-RIB, and withdrawn when none has. The AggregateTable follows
// the contributors from the decision process's best-path changes (no scan of the table
// per change: a change is compared with the configured aggregates only), and says which
// aggregates must be recomputed; aggregate_attributes() builds the route from the
// contributors' best paths. The speaker originates the result as a local path and, for
// `summary_only` aggregates, asks suppresses() on export. Nothing here knows sessions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "bgp/wire/attributes.hpp"
#include "bgp/wire/ip.hpp"
#include "rib/loc_rib.hpp"

namespace bgpemu::rib {

struct AggregateConfig {
    bgp::Prefix prefix;
    bool summary_only = false;  // the more-specifics are not exported while the aggregate is
    bool as_set = false;        // AS_PATH: common leading sequence + AS_SET of the rest
    bool operator==(const AggregateConfig&) const = default;
};

// The aggregate's path attributes from its contributors' (non-empty list of) best paths:
// - ORIGIN: INCOMPLETE if any contributor's is, else EGP if any is, else IGP (§9.2.2.2);
// - with `as_set`: AS_PATH is the longest leading AS_SEQUENCE common to every contributor
//   followed by an AS_SET of every other ASN they hold (FRR's construction), and the
//   communities, large and extended communities are the union of theirs; ATOMIC_AGGREGATE
//   only if a contributor carries it;
// - without: an empty AS_PATH (our AS is prepended on eBGP export) and ATOMIC_AGGREGATE,
//   since the path information is lost (§5.1.6);
// - AGGREGATOR (our AS, our router id) in both cases, as FRR sets it (§5.1.7);
// - no MED, no LOCAL_PREF; the next hop is "self" (filled in on export, as for networks).
[[nodiscard]] bgp::PathAttributes aggregate_attributes(const AggregateConfig& aggregate,
                                                       const std::vector<const bgp::PathAttributes*>& contributors,
                                                       std::uint32_t local_as, std::uint32_t router_id);

class AggregateTable {
public:
    // Replaces the aggregates; contributors are recounted from `rib`'s best paths (one
    // scan, on start-up and reload only). Every aggregate is to be recomputed afterwards.
    void configure(const std::vector<AggregateConfig>& aggregates, const LocRib& rib);
    [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }

    // A best-path change reported by LocRib::run_decision: `prefix` has a best path now
    // (`has_best`) or none. Aggregates covering it (strictly more specific) are marked.
    void note_change(const bgp::Prefix& prefix, bool has_best);

    // Whether a `summary_only` aggregate with contributors covers `prefix` (strictly
    // more specific): then `prefix` is not exported.
    [[nodiscard]] bool suppresses(const bgp::Prefix& prefix) const noexcept;

    // For each aggregate marked since the last call: its route now, or nullopt when it
    // has no contributor left (withdraw it).
    void refresh(const LocRib& rib, std::uint32_t local_as, std::uint32_t router_id,
                 const std::function<void(const AggregateConfig&, const std::optional<bgp::PathAttributes>&)>& fn);

    // Contributors of the aggregate for `prefix` (sorted), for tests and `show`.
    [[nodiscard]] const std::vector<bgp::Prefix>* contributors(const bgp::Prefix& prefix) const;

private:
    struct Entry {
        AggregateConfig config;
        std::vector<bgp::Prefix> contributors;  // sorted; no allocation once grown
        bool dirty = true;
    };
    [[nodiscard]] static bool covers(const AggregateConfig& aggregate, const bgp::Prefix& prefix) noexcept {
        return prefix.length() > aggregate.prefix.length() && aggregate.prefix.contains(prefix);
    }

    std::vector<Entry> entries_;
    std::vector<const bgp::PathAttributes*> scratch_;  // contributors' attributes, reused
};

}  // namespace bgpemu::rib
