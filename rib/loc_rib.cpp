#include "rib/loc_rib.hpp"

#include <algorithm>
#include <stdexcept>

namespace bgpemu::rib {

void LocRib::set_options(const DecisionOptions& options) {
    options_ = options;
    options_.maximum_paths = std::max(1U, std::min(options_.maximum_paths, 255U));
    for (RouteIndex i = 0; i < entry_count_; ++i)
        if (entry_at(i).live) mark_dirty(i);
}

PeerId LocRib::add_peer(const PeerInfo& info) {
    if (!free_peers_.empty()) {
        const PeerId id = free_peers_.back();
        free_peers_.pop_back();
        peers_[id] = info;
        paths_per_peer_[id] = 0;
        ipv6_paths_per_peer_[id] = 0;
        return id;
    }
    peers_.push_back(info);
    paths_per_peer_.push_back(0);
    ipv6_paths_per_peer_.push_back(0);
    return static_cast<PeerId>(peers_.size() - 1);
}

void LocRib::remove_peer(PeerId peer) {
    if (peer >= peers_.size()) return;
    if (paths_per_peer_[peer] != 0) throw std::logic_error("LocRib::remove_peer: peer still has paths");
    // Twice would hand the same id to two peers later.
    if (std::find(free_peers_.begin(), free_peers_.end(), peer) != free_peers_.end()) return;
    free_peers_.push_back(peer);
}

RouteIndex LocRib::index_of(const bgp::Prefix& prefix) {
    if (const auto found = index_.find(prefix, key_of())) return *found;
    RouteIndex index;
    if (!free_entries_.empty()) {
        index = free_entries_.back();
        free_entries_.pop_back();
    } else {
        index = entry_count_++;
        if ((index >> chunk_bits) >= chunks_.size()) chunks_.push_back(std::make_unique<Entry[]>(chunk_mask + 1));
    }
    Entry& e = entry_at(index);
    e.prefix = prefix;
    e.live = true;
    index_.insert(prefix, index);
    return index;
}

void LocRib::mark_dirty(RouteIndex index) {
    Entry& e = entry_at(index);
    if (e.dirty) return;
    e.dirty = true;
    dirty_.push_back(index);
}

void LocRib::announce(PeerId peer, const bgp::Prefix& prefix, AttrRef attrs, std::uint32_t path_id) {
    const RouteIndex index = index_of(prefix);
    Entry& entry = entry_at(index);
    for (std::size_t i = 0; i < entry.size(); ++i) {
        Path& path = entry.at(i);
        if (path.peer == peer && path.path_id == path_id) {
            if (path.attrs == attrs) return;  // a repeat changes nothing
            path.attrs = std::move(attrs);
            path.received = ++arrivals_;
            mark_dirty(index);
            return;
        }
    }
    Path path{std::move(attrs), peer, path_id, ++arrivals_};
    if (entry.path_count == 0) {
        entry.first = std::move(path);
    } else {
        if (!entry.more) entry.more = std::make_unique<std::vector<Path>>();
        entry.more->push_back(std::move(path));
    }
    entry.path_count = 1;
    ++path_count_;
    ++paths_per_peer_[peer];
    if (prefix.afi() == bgp::Afi::ipv6) ++ipv6_paths_per_peer_[peer];
    mark_dirty(index);
}

bool LocRib::remove_path(Entry& entry, PeerId peer, std::uint32_t path_id) {
    const std::size_t size = entry.size();
    for (std::size_t i = 0; i < size; ++i) {
        if (entry.at(i).peer != peer || entry.at(i).path_id != path_id) continue;
        // Move the last candidate into the hole.
        if (i + 1 != size) entry.at(i) = std::move(entry.at(size - 1));
        if (size == 1)
            entry.first = Path{};
        else
            entry.more->pop_back();
        if (size == 1) entry.path_count = 0;
        --path_count_;
        --paths_per_peer_[peer];
        if (entry.prefix.afi() == bgp::Afi::ipv6) --ipv6_paths_per_peer_[peer];
        return true;
    }
    return false;
}

void LocRib::withdraw(PeerId peer, const bgp::Prefix& prefix, std::uint32_t path_id) {
    const auto index = index_.find(prefix, key_of());
    if (!index) return;
    if (remove_path(entry_at(*index), peer, path_id)) mark_dirty(*index);
}

void LocRib::withdraw_all(PeerId peer, std::optional<bgp::Afi> afi) {
    if (peer >= paths_per_peer_.size() || paths_per_peer_[peer] == 0) return;
    for (RouteIndex i = 0; i < entry_count_ && paths_per_peer_[peer] > 0; ++i) {
        Entry& entry = entry_at(i);
        if (!entry.live || (afi && entry.prefix.afi() != *afi)) continue;
        bool removed = false;
        for (std::size_t p = entry.size(); p-- > 0;) {
            if (entry.at(p).peer == peer) removed = remove_path(entry, peer, entry.at(p).path_id) || removed;
        }
        if (removed) mark_dirty(i);
    }
}

std::optional<std::size_t> LocRib::select_best(const Entry& entry) const {
    const std::size_t size = entry.size();
    if (size == 0) return std::nullopt;
    if (size == 1) return 0;
    // Deterministic MED: the best of each neighbouring AS first (there MED counts), then
    // the winners of the groups against each other, so the result does not depend on
    // the order the paths arrived in.
    std::vector<std::size_t> group_best;
    group_best.reserve(size);
    for (std::size_t i = 0; i < size; ++i) {
        const Path& path = entry.at(i);
        const auto neighbour_as = path.attrs->as_path.neighbour_as();
        bool grouped = false;
        for (auto& g : group_best) {
            const Path& current = entry.at(g);
            if (current.attrs->as_path.neighbour_as() != neighbour_as) continue;
            grouped = true;
            if (compare_paths(path, peers_[path.peer], current, peers_[current.peer], options_).order < 0) g = i;
            break;
        }
        if (!grouped) group_best.push_back(i);
    }
    std::size_t best = group_best.front();
    for (std::size_t g = 1; g < group_best.size(); ++g) {
        const Path& a = entry.at(group_best[g]);
        const Path& b = entry.at(best);
        if (compare_paths(a, peers_[a.peer], b, peers_[b.peer], options_).order < 0) best = group_best[g];
    }
    return best;
}

void LocRib::run_decision(const std::function<void(const RouteChange&)>& sink) {
    // Swap out first: the sink may cause new announcements (it must not, but be safe).
    std::vector<RouteIndex> batch;
    batch.swap(dirty_);
    // The batch is in arrival order, its entries anywhere in memory: each is asked for a
    // few iterations before it is decided, and the index slot of one about to go (no
    // path left) before it is erased.
    constexpr std::size_t entry_ahead = 8;
    constexpr std::size_t slot_ahead = 4;
    for (std::size_t at = 0; at < batch.size(); ++at) {
        if (at + entry_ahead < batch.size()) prefetch_address(&entry_at(batch[at + entry_ahead]));
        if (at + slot_ahead < batch.size())
            if (const Entry& soon = entry_at(batch[at + slot_ahead]); soon.path_count == 0) prefetch_slot(soon.prefix);
        const RouteIndex index = batch[at];
        Entry& entry = entry_at(index);
        entry.dirty = false;
        const auto best = select_best(entry);
        std::uint8_t multipath_count = 0;
        if (best) {
            const Path& winner = entry.at(*best);
            multipath_count = 1;
            for (std::size_t i = 0; i < entry.size() && multipath_count < options_.maximum_paths; ++i) {
                if (i == *best) continue;
                const Path& other = entry.at(i);
                if (multipath_equal(winner, peers_[winner.peer], other, peers_[other.peer], options_)) ++multipath_count;
            }
        }
        const Path* new_best = best ? &entry.at(*best) : nullptr;
        const bool changed = (new_best == nullptr) != (!entry.reported_attrs) ||
                             (new_best && (new_best->attrs != entry.reported_attrs || new_best->peer != entry.reported_peer ||
                                           new_best->path_id != entry.reported_path_id)) ||
                             multipath_count != entry.multipath_count;
        entry.best_position = best ? static_cast<std::uint32_t>(*best) : 0;
        entry.multipath_count = multipath_count;
        if (new_best) {
            entry.reported_attrs = new_best->attrs;
            entry.reported_peer = new_best->peer;
            entry.reported_path_id = new_best->path_id;
        } else {
            entry.reported_attrs = AttrRef{};
        }
        if (changed) sink(RouteChange{index, entry.prefix, new_best});
        if (!new_best) {
            // No path left: free the slot for another prefix (Adj-RIB-Outs have been told).
            index_.erase(entry.prefix, key_of());
            entry.live = false;
            entry.more.reset();
            free_entries_.push_back(index);
        }
    }
}

void LocRib::for_each_best(const std::function<void(RouteIndex, const bgp::Prefix&, const Path&)>& fn) const {
    for (RouteIndex i = 0; i < entry_count_; ++i) {
        const Entry& entry = entry_at(i);
        if (entry.live && entry.multipath_count > 0 && !entry.dirty) fn(i, entry.prefix, entry.at(entry.best_position));
    }
}

void LocRib::for_each_path(const std::function<void(const bgp::Prefix&, const Path&)>& fn) const {
    for (RouteIndex i = 0; i < entry_count_; ++i) {
        const Entry& entry = entry_at(i);
        if (!entry.live) continue;
        for (std::size_t k = 0; k < entry.size(); ++k) fn(entry.prefix, entry.at(k));
    }
}

const LocRib::Entry* LocRib::find(const bgp::Prefix& prefix) const {
    const auto index = index_.find(prefix, key_of());
    return index ? &entry_at(*index) : nullptr;
}

const Path* LocRib::best(const bgp::Prefix& prefix) const {
    const Entry* entry = find(prefix);
    if (!entry) return nullptr;
    // Between a change and the next decision, best_position may point at a path that
    // moved or went: answer with the current best instead.
    if (entry->dirty) {
        const auto current = select_best(*entry);
        return current ? &entry->at(*current) : nullptr;
    }
    if (entry->multipath_count == 0) return nullptr;
    return &entry->at(entry->best_position);
}

std::vector<Path> LocRib::multipath(const bgp::Prefix& prefix) const {
    std::vector<Path> result;
    for (const auto& explained : explain(prefix))
        if (explained.multipath) result.push_back(explained.path);
    return result;
}

std::vector<ExplainedPath> LocRib::explain(const bgp::Prefix& prefix) const {
    std::vector<ExplainedPath> result;
    const Entry* entry = find(prefix);
    if (!entry) return result;
    const auto best = select_best(*entry);
    for (std::size_t i = 0; i < entry->size(); ++i) {
        ExplainedPath explained;
        explained.path = entry->at(i);
        if (best && i == *best) {
            explained.best = true;
            explained.multipath = true;
        } else if (best) {
            const Path& winner = entry->at(*best);
            const Path& path = entry->at(i);
            explained.lost_at = compare_paths(winner, peers_[winner.peer], path, peers_[path.peer], options_).step;
            explained.multipath = multipath_equal(winner, peers_[winner.peer], path, peers_[path.peer], options_);
        }
        result.push_back(std::move(explained));
    }
    // Best first, then in decision order.
    std::stable_sort(result.begin(), result.end(), [&](const ExplainedPath& a, const ExplainedPath& b) {
        if (a.best != b.best) return a.best;
        return compare_paths(a.path, peers_[a.path.peer], b.path, peers_[b.path.peer], options_).order < 0;
    });
    // The ECMP set is capped at maximum_paths.
    unsigned in_set = 0;
    for (auto& explained : result) {
        if (explained.multipath && ++in_set > options_.maximum_paths) explained.multipath = false;
    }
    return result;
}

std::vector<bgp::Prefix> LocRib::prefixes() const {
    std::vector<bgp::Prefix> result;
    result.reserve(index_.size());
    for (RouteIndex i = 0; i < entry_count_; ++i)
        if (entry_at(i).live) result.push_back(entry_at(i).prefix);
    std::sort(result.begin(), result.end());
    return result;
}

void LocRib::for_each_prefix(const std::function<void(RouteIndex, const bgp::Prefix&)>& fn) const {
    for (RouteIndex i = 0; i < entry_count_; ++i)
        if (entry_at(i).live) fn(i, entry_at(i).prefix);
}

std::size_t LocRib::entry_bytes() const noexcept {
    std::size_t bytes = chunks_.size() * (chunk_mask + 1) * sizeof(Entry) + free_entries_.capacity() * sizeof(RouteIndex) +
                        dirty_.capacity() * sizeof(RouteIndex);
    for (RouteIndex i = 0; i < entry_count_; ++i)
        if (const auto& more = entry_at(i).more) bytes += sizeof(*more) + more->capacity() * sizeof(Path);
    return bytes;
}

}  // namespace bgpemu::rib
