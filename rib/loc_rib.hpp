// The Loc-RIB of one speaker: every candidate path per prefix (so also each peer's
// post-policy Adj-RIB-In), the best path and the ECMP set.
//
// Changes only mark a prefix dirty; run_decision() then recomputes the dirty prefixes in
// one batch and reports the ones whose best path changed, which is what export needs.
// Each prefix has a stable dense RouteIndex while it has paths, so per-neighbour state
// (the Adj-RIB-Out) is a plain vector indexed by it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "bgp/wire/ip.hpp"
#include "rib/decision.hpp"
#include "rib/prefix_index.hpp"

namespace bgpemu::rib {

struct RouteChange {
    RouteIndex index = 0;
    const bgp::Prefix& prefix;
    const Path* new_best = nullptr;  // nullptr: no path left
};

// One path as `show rib` explains it.
struct ExplainedPath {
    Path path;
    bool best = false;
    bool multipath = false;
    DecisionStep lost_at = DecisionStep::none;  // why the best path beat this one
};

class LocRib {
public:
    LocRib() = default;

    void set_options(const DecisionOptions& options);
    [[nodiscard]] const DecisionOptions& options() const noexcept { return options_; }

    PeerId add_peer(const PeerInfo& info);
    // The peer's paths must be gone (withdraw_all and a run_decision) first.
    void remove_peer(PeerId peer);
    [[nodiscard]] const PeerInfo& peer(PeerId peer) const { return peers_[peer]; }

    // Adds or replaces (implicit withdraw) the peer's path for `prefix`.
    void announce(PeerId peer, const bgp::Prefix& prefix, AttrRef attrs, std::uint32_t path_id = 0);
    void withdraw(PeerId peer, const bgp::Prefix& prefix, std::uint32_t path_id = 0);
    // A batch's caller asks for prefixes ahead of the one it announces or withdraws: their
    // index slots far ahead, then, nearer, the entries those slots name.
    void prefetch_slot(const bgp::Prefix& prefix) const noexcept { index_.prefetch(prefix); }
    void prefetch_entry(const bgp::Prefix& prefix) const noexcept {
        if (const auto index = index_.probable(prefix)) prefetch_address(&entry_at(*index));
    }
    // Session down: every path of the peer goes; with `afi`, those of that family (the
    // peer's family dropped past its prefix limit).
    void withdraw_all(PeerId peer, std::optional<bgp::Afi> afi = std::nullopt);

    // Recomputes every dirty prefix; calls `sink` for each whose best path changed.
    void run_decision(const std::function<void(const RouteChange&)>& sink);

    // Every prefix that has a best path.
    void for_each_best(const std::function<void(RouteIndex, const bgp::Prefix&, const Path&)>& fn) const;
    // Every candidate path of every prefix (each peer's post-policy Adj-RIB-In).
    void for_each_path(const std::function<void(const bgp::Prefix&, const Path&)>& fn) const;
    [[nodiscard]] const Path* best(const bgp::Prefix& prefix) const;
    [[nodiscard]] std::vector<Path> multipath(const bgp::Prefix& prefix) const;
    [[nodiscard]] std::vector<ExplainedPath> explain(const bgp::Prefix& prefix) const;
    [[nodiscard]] std::vector<bgp::Prefix> prefixes() const;  // sorted
    // Every prefix with paths and its RouteIndex, in index order.
    void for_each_prefix(const std::function<void(RouteIndex, const bgp::Prefix&)>& fn) const;

    [[nodiscard]] std::size_t route_count() const noexcept { return index_.size(); }
    [[nodiscard]] std::size_t path_count() const noexcept { return path_count_; }
    [[nodiscard]] std::size_t paths_from(PeerId peer) const { return peer < paths_per_peer_.size() ? paths_per_peer_[peer] : 0; }
    [[nodiscard]] std::size_t ipv6_paths_from(PeerId peer) const {
        return peer < ipv6_paths_per_peer_.size() ? ipv6_paths_per_peer_[peer] : 0;
    }
    [[nodiscard]] std::size_t pending_count() const noexcept { return dirty_.size(); }
    // Bytes held by the entries (with their extra candidates) and by the prefix index.
    [[nodiscard]] std::size_t entry_bytes() const noexcept;
    [[nodiscard]] std::size_t index_bytes() const noexcept { return index_.memory_bytes(); }

private:
    // One prefix. Laid out for size (80 bytes): a table holds a million of these.
    struct Entry {
        bgp::Prefix prefix;
        std::uint8_t path_count = 0;       // non-zero when `first` holds a path
        bool dirty = false;
        bool live = false;
        std::uint8_t multipath_count = 0;  // paths in the ECMP set, best first (0 = no best)
        std::uint32_t best_position = 0;   // position of the best path among the candidates
        // Candidates: the first inline (most prefixes have one path), the rest on the heap.
        Path first;
        std::unique_ptr<std::vector<Path>> more;
        // What the last decision chose, to report only real changes: the attributes are
        // held (not just compared by address) so a freed and reused set cannot pass as unchanged.
        AttrRef reported_attrs;
        PeerId reported_peer = 0;
        std::uint32_t reported_path_id = 0;

        [[nodiscard]] Path& at(std::size_t i) { return i == 0 ? first : (*more)[i - 1]; }
        [[nodiscard]] const Path& at(std::size_t i) const { return i == 0 ? first : (*more)[i - 1]; }
        [[nodiscard]] std::size_t size() const noexcept {
            return path_count == 0 ? 0 : 1 + (more ? more->size() : 0);
        }
    };

    // Entries live in fixed-size chunks: growing never moves (or briefly doubles) them.
    static constexpr unsigned chunk_bits = 10;
    [[nodiscard]] Entry& entry_at(RouteIndex index) { return chunks_[index >> chunk_bits][index & chunk_mask]; }
    [[nodiscard]] const Entry& entry_at(RouteIndex index) const {
        return chunks_[index >> chunk_bits][index & chunk_mask];
    }
    static constexpr RouteIndex chunk_mask = (1U << chunk_bits) - 1;
    [[nodiscard]] auto key_of() const {
        return [this](RouteIndex index) -> const bgp::Prefix& { return entry_at(index).prefix; };
    }

    RouteIndex index_of(const bgp::Prefix& prefix);
    void mark_dirty(RouteIndex index);
    bool remove_path(Entry& entry, PeerId peer, std::uint32_t path_id);
    [[nodiscard]] std::optional<std::size_t> select_best(const Entry& entry) const;
    [[nodiscard]] const Entry* find(const bgp::Prefix& prefix) const;

    DecisionOptions options_;
    std::vector<PeerInfo> peers_;
    std::vector<PeerId> free_peers_;
    std::vector<std::size_t> paths_per_peer_;
    std::vector<std::size_t> ipv6_paths_per_peer_;  // of those, IPv6 ones
    std::vector<std::unique_ptr<Entry[]>> chunks_;
    RouteIndex entry_count_ = 0;  // entries ever allocated (live or on the free list)
    std::vector<RouteIndex> free_entries_;
    PrefixIndex index_;
    std::vector<RouteIndex> dirty_;
    std::size_t path_count_ = 0;
    std::uint32_t arrivals_ = 0;
};

}  // namespace bgpemu::rib
