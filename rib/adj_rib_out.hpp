// What one neighbour has been sent, and what is waiting to be sent.
//
// Indexed by the Loc-RIB's RouteIndex: one AttrRef per route (null: not advertised).
// Changes wait as pending entries until the session's writer drains them; a later
// change to the same prefix replaces the earlier one and a change back to what the
// neighbour already has cancels it, so a slow neighbour gets the net effect of a burst,
// not every step of it (the batching a minimum advertisement interval aims at).
//
// Pending entries sit in buckets, one per attribute set (and one for withdrawals), as
// BIRD's BGP export does: a drain takes whole buckets in the order they were opened, so
// each UPDATE carries many prefixes and every offer and drain is O(1) per prefix, however
// long the queue of a slow neighbour grows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

#include "bgp/wire/ip.hpp"
#include "rib/decision.hpp"

namespace bgpemu::rib {

class AdjRibOut {
public:
    using AnnounceFn = std::function<void(const AttrRef&, std::span<const bgp::Prefix>)>;
    using WithdrawFn = std::function<void(std::span<const bgp::Prefix>)>;

    // Queues `attrs` (null: withdraw) for the route, unless the neighbour already has it.
    void offer(RouteIndex index, const bgp::Prefix& prefix, const AttrRef& attrs);
    // Hands out pending changes, withdrawals first, then announcements one attribute set
    // at a time, until about `budget` bytes of NLRI; returns whether more remain.
    bool drain(std::size_t budget, const AnnounceFn& announce, const WithdrawFn& withdraw);
    // The session went down (or the neighbour asked for everything again): nothing is advertised.
    void clear();

    [[nodiscard]] std::size_t pending_count() const noexcept { return live_count_; }
    [[nodiscard]] std::size_t advertised_count() const noexcept { return advertised_count_; }
    [[nodiscard]] std::size_t memory_bytes() const noexcept;
    [[nodiscard]] const AttrRef* advertised(RouteIndex index) const {
        return index < advertised_.size() && advertised_[index] ? &advertised_[index] : nullptr;
    }

private:
    static constexpr std::uint32_t none = 0xffffffff;
    struct Pending {
        bgp::Prefix prefix;
        RouteIndex index;
        std::uint32_t next = none;  // the next entry of the same bucket
        bool live = true;           // false: replaced, cancelled or already sent
    };
    // A singly linked list through pending_ of the entries waiting with one attribute set.
    struct Bucket {
        AttrRef attrs;  // null: the withdrawals
        std::uint32_t head = none;
        std::uint32_t tail = none;
    };

    void append(Bucket& bucket, RouteIndex index, const bgp::Prefix& prefix);
    void kill(std::uint32_t position);
    // Walks `bucket` from its head, handing live prefixes to scratch_ and recording them
    // as advertised with the bucket's attributes, until the budget is used; returns
    // whether the bucket is now empty.
    bool take(Bucket& bucket, std::size_t budget, std::size_t& used);
    // Rewrites pending_ with only the live entries once the dead ones dominate.
    void compact();

    std::vector<AttrRef> advertised_;
    std::vector<std::uint32_t> pending_slot_;  // by RouteIndex: position in pending_, or none
    std::vector<Pending> pending_;
    Bucket withdrawals_;
    std::unordered_map<const AttrNode*, Bucket> buckets_;
    std::vector<const AttrNode*> bucket_order_;  // buckets in the order they were opened
    std::size_t bucket_cursor_ = 0;              // bucket_order_ before this is drained
    std::size_t live_count_ = 0;
    std::size_t advertised_count_ = 0;
    std::vector<bgp::Prefix> scratch_;
};

}  // namespace bgpemu::rib
