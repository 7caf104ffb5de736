#include "rib/aggregate.hpp"

#include <algorithm>

namespace bgpemu::rib {

namespace {

bool is_confederation(bgp::AsPathSegmentType type) noexcept {
    return type == bgp::AsPathSegmentType::confed_sequence || type == bgp::AsPathSegmentType::confed_set;
}

// The ASNs of the path's leading AS_SEQUENCE (confederation segments skipped: they do
// not leave our confederation, and the aggregate is ours).
const std::vector<std::uint32_t>* leading_sequence(const bgp::AsPath& path) noexcept {
    for (const auto& segment : path.segments()) {
        if (is_confederation(segment.type)) continue;
        return segment.type == bgp::AsPathSegmentType::as_sequence ? &segment.asns : nullptr;
    }
    return nullptr;
}

template <typename T>
void add_all(std::vector<T>& into, const std::vector<T>& values) {
    into.insert(into.end(), values.begin(), values.end());
}

template <typename T>
void sort_unique(std::vector<T>& values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
}

// RFC 4271 §9.2.2.2 with FRR's construction: the common leading AS_SEQUENCE, then one
// AS_SET of every other (non-confederation) ASN.
bgp::AsPath aggregate_as_path(const std::vector<const bgp::PathAttributes*>& contributors) {
    std::vector<std::uint32_t> common;
    bool first = true;
    for (const auto* attributes : contributors) {
        const auto* sequence = leading_sequence(attributes->as_path);
        if (first) {
            if (sequence) common = *sequence;
            first = false;
            continue;
        }
        std::size_t same = 0;
        while (sequence && same < common.size() && same < sequence->size() && common[same] == (*sequence)[same]) ++same;
        common.resize(same);
    }
    std::vector<std::uint32_t> rest;
    for (const auto* attributes : contributors) {
        bool leading = true;
        for (const auto& segment : attributes->as_path.segments()) {
            if (is_confederation(segment.type)) continue;
            const bool skip_common = leading && segment.type == bgp::AsPathSegmentType::as_sequence;
            leading = false;
            rest.insert(rest.end(), segment.asns.begin() + static_cast<std::ptrdiff_t>(skip_common ? common.size() : 0),
                        segment.asns.end());
        }
    }
    sort_unique(rest);
    std::vector<bgp::AsPathSegment> segments;
    if (!common.empty()) segments.push_back({bgp::AsPathSegmentType::as_sequence, std::move(common)});
    if (!rest.empty()) segments.push_back({bgp::AsPathSegmentType::as_set, std::move(rest)});
    return bgp::AsPath(std::move(segments));
}

}  // namespace

bgp::PathAttributes aggregate_attributes(const AggregateConfig& aggregate,
                                         const std::vector<const bgp::PathAttributes*>& contributors,
                                         std::uint32_t local_as, std::uint32_t router_id) {
    bgp::PathAttributes a;
    // ORIGIN: the "worst" of the contributors' (IGP < EGP < INCOMPLETE).
    bgp::Origin origin = bgp::Origin::igp;
    bool atomic = false;
    for (const auto* c : contributors) {
        origin = std::max(origin, c->origin.value_or(bgp::Origin::incomplete));
        atomic = atomic || c->atomic_aggregate;
    }
    a.origin = origin;
    a.has_as_path = true;
    if (aggregate.as_set) {
        a.as_path = aggregate_as_path(contributors);
        a.atomic_aggregate = atomic;
        for (const auto* c : contributors) {
            add_all(a.communities, c->communities);
            add_all(a.large_communities, c->large_communities);
            add_all(a.extended_communities, c->extended_communities);
        }
        sort_unique(a.communities);
        sort_unique(a.large_communities);
        sort_unique(a.extended_communities);
    } else {
        a.atomic_aggregate = true;
    }
    a.aggregator = bgp::Aggregator{local_as, bgp::IpAddress::v4(router_id)};
    // "Self", filled in per neighbour on export, as for a network.
    if (aggregate.prefix.afi() == bgp::Afi::ipv4)
        a.next_hop = bgp::IpAddress::v4(0);
    else
        a.mp_next_hop = bgp::IpAddress::v6({});
    return a;
}

void AggregateTable::configure(const std::vector<AggregateConfig>& aggregates, const LocRib& rib) {
    entries_.clear();
    for (const auto& config : aggregates) entries_.push_back(Entry{config, {}, true});
    if (entries_.empty()) return;
    rib.for_each_best([&](RouteIndex, const bgp::Prefix& prefix, const Path&) {
        for (auto& entry : entries_)
            if (covers(entry.config, prefix)) entry.contributors.push_back(prefix);
    });
    for (auto& entry : entries_) std::sort(entry.contributors.begin(), entry.contributors.end());
}

void AggregateTable::note_change(const bgp::Prefix& prefix, bool has_best) {
    for (auto& entry : entries_) {
        if (!covers(entry.config, prefix)) continue;
        auto& list = entry.contributors;
        const auto at = std::lower_bound(list.begin(), list.end(), prefix);
        const bool present = at != list.end() && *at == prefix;
        if (has_best && !present) list.insert(at, prefix);
        if (!has_best && present) list.erase(at);
        // Also a changed best path of a known contributor: ORIGIN, and with as_set the
        // path and communities, follow the contributors.
        entry.dirty = true;
    }
}

bool AggregateTable::suppresses(const bgp::Prefix& prefix) const noexcept {
    return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& entry) {
        return entry.config.summary_only && !entry.contributors.empty() && covers(entry.config, prefix);
    });
}

void AggregateTable::refresh(const LocRib& rib, std::uint32_t local_as, std::uint32_t router_id,
                             const std::function<void(const AggregateConfig&, const std::optional<bgp::PathAttributes>&)>& fn) {
    for (auto& entry : entries_) {
        if (!entry.dirty) continue;
        entry.dirty = false;
        scratch_.clear();
        for (const auto& prefix : entry.contributors)
            if (const Path* best = rib.best(prefix)) scratch_.push_back(&*best->attrs);
        if (scratch_.empty())
            fn(entry.config, std::nullopt);
        else
            fn(entry.config, aggregate_attributes(entry.config, scratch_, local_as, router_id));
    }
}

const std::vector<bgp::Prefix>* AggregateTable::contributors(const bgp::Prefix& prefix) const {
    for (const auto& entry : entries_)
        if (entry.config.prefix == prefix) return &entry.contributors;
    return nullptr;
}

}  // namespace bgpemu::rib
