#include "rib/adj_rib_out.hpp"

#include <algorithm>

namespace bgpemu::rib {

void AdjRibOut::offer(RouteIndex index, const bgp::Prefix& prefix, const AttrRef& attrs) {
    if (index >= advertised_.size()) {
        const std::size_t size = std::max<std::size_t>(index + 1, advertised_.size() * 2);
        advertised_.resize(size);
        pending_slot_.resize(size, no_pending);
    }
    const bool same_as_advertised = advertised_[index] == attrs;
    const std::uint32_t slot = pending_slot_[index];
    if (slot != no_pending) {
        Pending& pending = pending_[slot];
        if (same_as_advertised) {
            // Back to what the neighbour has: nothing to send after all.
            pending.cancelled = true;
            pending.attrs = AttrRef{};
            ++pending_cancelled_;
            pending_slot_[index] = no_pending;
        } else {
            pending.attrs = attrs;
            pending.prefix = prefix;
        }
        return;
    }
    if (same_as_advertised) return;
    pending_slot_[index] = static_cast<std::uint32_t>(pending_.size());
    pending_.push_back(Pending{index, prefix, attrs, false});
}

bool AdjRibOut::drain(std::size_t budget, const AnnounceFn& announce, const WithdrawFn& withdraw) {
    if (pending_.empty()) return false;
    // Withdrawals (null) first, then one run per attribute set.
    std::stable_sort(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
        if (a.cancelled != b.cancelled) return b.cancelled;
        return std::less<const void*>{}(a.attrs.node(), b.attrs.node());
    });
    std::size_t used = 0;
    std::size_t position = 0;
    const std::size_t live = pending_.size() - pending_cancelled_;
    while (position < live && used < budget) {
        const AttrRef group = pending_[position].attrs;
        scratch_.clear();
        std::size_t end = position;
        while (end < live && pending_[end].attrs == group && used < budget) {
            Pending& pending = pending_[end];
            scratch_.push_back(pending.prefix);
            if (advertised_[pending.index]) --advertised_count_;
            if (group) ++advertised_count_;
            advertised_[pending.index] = group;
            pending_slot_[pending.index] = no_pending;
            used += 1 + (pending.prefix.length() + 7) / 8;
            ++end;
        }
        if (group)
            announce(group, scratch_);
        else
            withdraw(scratch_);
        used += 64;  // the attribute block, roughly
        position = end;
    }
    // Keep what is left (not yet sent), renumbering its slots.
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(position));
    pending_.resize(live - position);
    pending_cancelled_ = 0;
    for (std::size_t i = 0; i < pending_.size(); ++i) pending_slot_[pending_[i].index] = static_cast<std::uint32_t>(i);
    return !pending_.empty();
}

void AdjRibOut::clear() {
    advertised_.clear();
    pending_slot_.clear();
    pending_.clear();
    pending_cancelled_ = 0;
    advertised_count_ = 0;
}

}  // namespace bgpemu::rib
