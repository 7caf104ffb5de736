// What one neighbour has been sent, and what is waiting to be sent.
//
// Indexed by the Loc-RIB's RouteIndex: one AttrRef per route (null: not advertised).
// Changes wait as pending entries until the session's writer drains them; a later
// change to the same prefix replaces the earlier one and a change back to what the
// neighbour already has cancels it, so a slow neighbour gets the net effect of a burst,
// not every step of it (the batching a minimum advertisement interval aims at).
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "bgp/ip.hpp"
#include "rib/decision.hpp"

namespace bgpemu::rib {

class AdjRibOut {
public:
    using AnnounceFn = std::function<void(const AttrRef&, std::span<const bgp::Prefix>)>;
    using WithdrawFn = std::function<void(std::span<const bgp::Prefix>)>;

    // Queues `attrs` (null: withdraw) for the route, unless the neighbour already has it.
    void offer(RouteIndex index, const bgp::Prefix& prefix, const AttrRef& attrs);
    // Hands out pending changes, withdrawals first, then announcements grouped by
    // attribute set, until about `budget` bytes of NLRI; returns whether more remain.
    bool drain(std::size_t budget, const AnnounceFn& announce, const WithdrawFn& withdraw);
    // The session went down (or the neighbour asked for everything again): nothing is advertised.
    void clear();

    [[nodiscard]] std::size_t pending_count() const noexcept { return pending_.size() - pending_cancelled_; }
    [[nodiscard]] std::size_t advertised_count() const noexcept { return advertised_count_; }
    [[nodiscard]] std::size_t memory_bytes() const noexcept {
        return advertised_.capacity() * sizeof(AttrRef) + pending_slot_.capacity() * sizeof(std::uint32_t) +
               pending_.capacity() * sizeof(Pending) + scratch_.capacity() * sizeof(bgp::Prefix);
    }
    [[nodiscard]] const AttrRef* advertised(RouteIndex index) const {
        return index < advertised_.size() && advertised_[index] ? &advertised_[index] : nullptr;
    }

private:
    struct Pending {
        RouteIndex index;
        bgp::Prefix prefix;
        AttrRef attrs;  // null: withdraw
        bool cancelled = false;
    };
    static constexpr std::uint32_t no_pending = 0xffffffff;

    std::vector<AttrRef> advertised_;
    std::vector<std::uint32_t> pending_slot_;  // by RouteIndex: position in pending_, or no_pending
    std::vector<Pending> pending_;
    std::size_t pending_cancelled_ = 0;
    std::size_t advertised_count_ = 0;
    std::vector<bgp::Prefix> scratch_;
};

}  // namespace bgpemu::rib
