#include "rib/adj_rib_out.hpp"

#include <algorithm>

namespace bgpemu::rib {

void AdjRibOut::append(Bucket& bucket, RouteIndex index, const bgp::Prefix& prefix) {
    const auto position = static_cast<std::uint32_t>(pending_.size());
    pending_.push_back(Pending{prefix, index});
    if (bucket.tail == none)
        bucket.head = position;
    else
        pending_[bucket.tail].next = position;
    bucket.tail = position;
    pending_slot_[index] = position;
    ++live_count_;
}

void AdjRibOut::kill(std::uint32_t position) {
    Pending& pending = pending_[position];
    pending.live = false;
    pending_slot_[pending.index] = none;
    --live_count_;
}

void AdjRibOut::offer(RouteIndex index, const bgp::Prefix& prefix, const AttrRef& attrs) {
    if (index >= advertised_.size()) {
        const std::size_t size = std::max<std::size_t>(index + 1, advertised_.size() * 2);
        advertised_.resize(size);
        pending_slot_.resize(size, none);
    }
    // An earlier change still waiting is replaced: at most one live entry per route.
    if (pending_slot_[index] != none) kill(pending_slot_[index]);
    // Back to (or still) what the neighbour has: nothing to send.
    if (advertised_[index] == attrs) return;

    if (!attrs) {
        append(withdrawals_, index, prefix);
        return;
    }
    auto [it, opened] = buckets_.try_emplace(attrs.node());
    if (opened) {
        it->second.attrs = attrs;
        bucket_order_.push_back(attrs.node());
    }
    append(it->second, index, prefix);
}

bool AdjRibOut::take(Bucket& bucket, std::size_t budget, std::size_t& used) {
    scratch_.clear();
    std::uint32_t position = bucket.head;
    while (position != none && used < budget) {
        Pending& pending = pending_[position];
        if (pending.live) {
            scratch_.push_back(pending.prefix);
            AttrRef& advertised = advertised_[pending.index];
            if (advertised) --advertised_count_;
            if (bucket.attrs) ++advertised_count_;
            advertised = bucket.attrs;
            kill(position);
            used += 1 + (pending.prefix.length() + 7) / 8;
        }
        position = pending.next;
    }
    bucket.head = position;
    if (position == none) bucket.tail = none;
    return position == none;
}

bool AdjRibOut::drain(std::size_t budget, const AnnounceFn& announce, const WithdrawFn& withdraw) {
    std::size_t used = 0;
    take(withdrawals_, budget, used);
    if (!scratch_.empty()) withdraw(scratch_);
    while (bucket_cursor_ < bucket_order_.size() && used < budget) {
        const auto it = buckets_.find(bucket_order_[bucket_cursor_]);
        const bool emptied = take(it->second, budget, used);
        if (!scratch_.empty()) {
            announce(it->second.attrs, scratch_);
            used += 64;  // the attribute block, roughly
        }
        if (!emptied) break;
        buckets_.erase(it);
        ++bucket_cursor_;
    }
    if (live_count_ == 0) {
        // Everything went out: start the queue afresh (capacity kept for the next burst).
        pending_.clear();
        buckets_.clear();
        bucket_order_.clear();
        bucket_cursor_ = 0;
        withdrawals_.head = withdrawals_.tail = none;
        return false;
    }
    compact();
    return true;
}

void AdjRibOut::compact() {
    if (pending_.size() < 4096 || pending_.size() < 4 * live_count_) return;
    std::vector<Pending> kept;
    kept.reserve(live_count_ * 2);
    const auto rebuild = [&](Bucket& bucket) {
        std::uint32_t position = bucket.head;
        bucket.head = bucket.tail = none;
        for (; position != none; position = pending_[position].next) {
            const Pending& pending = pending_[position];
            if (!pending.live) continue;
            const auto moved = static_cast<std::uint32_t>(kept.size());
            kept.push_back(Pending{pending.prefix, pending.index});
            if (bucket.tail == none)
                bucket.head = moved;
            else
                kept[bucket.tail].next = moved;
            bucket.tail = moved;
            pending_slot_[pending.index] = moved;
        }
    };
    rebuild(withdrawals_);
    // Buckets left with nothing live are dropped here too (their attribute sets freed).
    std::vector<const AttrNode*> order;
    for (std::size_t i = bucket_cursor_; i < bucket_order_.size(); ++i) {
        const auto it = buckets_.find(bucket_order_[i]);
        rebuild(it->second);
        if (it->second.head == none) {
            buckets_.erase(it);
        } else {
            order.push_back(bucket_order_[i]);
        }
    }
    pending_ = std::move(kept);
    bucket_order_ = std::move(order);
    bucket_cursor_ = 0;
}

std::size_t AdjRibOut::memory_bytes() const noexcept {
    return advertised_.capacity() * sizeof(AttrRef) + pending_slot_.capacity() * sizeof(std::uint32_t) +
           pending_.capacity() * sizeof(Pending) + scratch_.capacity() * sizeof(bgp::Prefix) +
           bucket_order_.capacity() * sizeof(const AttrNode*) +
           buckets_.size() * (sizeof(Bucket) + sizeof(const AttrNode*) + 2 * sizeof(void*));
}

void AdjRibOut::clear() {
    advertised_.clear();
    pending_slot_.clear();
    pending_.clear();
    buckets_.clear();
    bucket_order_.clear();
    bucket_cursor_ = 0;
    withdrawals_.head = withdrawals_.tail = none;
    live_count_ = 0;
    advertised_count_ = 0;
}

}  // namespace bgpemu::rib
