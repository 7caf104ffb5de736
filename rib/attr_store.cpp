#include "rib/attr_store.hpp"

#include <memory>

#include "rib/open_addressing.hpp"

namespace bgpemu::rib {

namespace {

inline void mix(std::size_t& seed, std::uint64_t value) noexcept {
    // boost::hash_combine's mixing step, widened to 64 bits.
    seed ^= static_cast<std::size_t>(value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

void mix_address(std::size_t& seed, const std::optional<bgp::IpAddress>& address) {
    if (!address) {
        mix(seed, 0xA5);
        return;
    }
    for (auto byte : address->bytes()) mix(seed, byte);
}

}  // namespace

std::size_t hash_attributes(const bgp::PathAttributes& a) noexcept {
    std::size_t seed = 0;
    mix(seed, a.origin ? static_cast<std::uint64_t>(*a.origin) + 1 : 0);
    for (const auto& segment : a.as_path.segments()) {
        mix(seed, static_cast<std::uint64_t>(segment.type) << 32);
        for (auto asn : segment.asns) mix(seed, asn);
    }
    mix(seed, a.has_as_path);
    mix_address(seed, a.next_hop);
    mix_address(seed, a.mp_next_hop);
    mix_address(seed, a.mp_next_hop_link_local);
    mix(seed, a.med ? *a.med + (1ULL << 32) : 0);
    mix(seed, a.local_pref ? *a.local_pref + (1ULL << 32) : 0);
    mix(seed, a.atomic_aggregate);
    for (auto c : a.communities) mix(seed, c);
    mix(seed, a.originator_id.value_or(0));
    for (auto c : a.cluster_list) mix(seed, c);
    for (auto c : a.extended_communities) mix(seed, c);
    for (const auto& c : a.large_communities) mix(seed, (std::uint64_t{c.global_admin} << 32) ^ c.local_data1 ^ (std::uint64_t{c.local_data2} << 16));
    mix(seed, a.only_to_customer.value_or(0));
    mix(seed, a.unknown.size());
    mix(seed, a.weight ? *a.weight + (1ULL << 32) : 0);
    return seed;
}

void AttrRef::release() noexcept {
    if (node_ && --node_->references == 0) node_->store->erase(node_);
    node_ = nullptr;
}

AttrStore::~AttrStore() {
    // Every AttrRef must be gone by now (owners are destroyed before the store); free
    // whatever is left rather than leak it.
    for (const auto& slot : slots_) delete slot.node;
}

template <typename Attributes>
AttrRef AttrStore::intern_impl(Attributes&& attributes) {
    const std::size_t hash = hash_attributes(attributes);
    if (!slots_.empty())
        for (std::size_t at = home(hash); slots_[at].node != nullptr; at = next(at))
            if (slots_[at].hash == hash && slots_[at].node->value == attributes) return AttrRef(slots_[at].node);
    auto* node = new AttrNode{std::forward<Attributes>(attributes), hash, 0, this};
    if ((size_ + 1) * 2 > slots_.size()) grow();
    place(Slot{node, hash});
    ++size_;
    return AttrRef(node);
}

AttrRef AttrStore::intern(const bgp::PathAttributes& attributes) { return intern_impl(attributes); }
AttrRef AttrStore::intern(bgp::PathAttributes&& attributes) { return intern_impl(std::move(attributes)); }

void AttrStore::place(Slot slot) {
    std::size_t at = home(slot.hash);
    while (slots_[at].node != nullptr) at = next(at);
    slots_[at] = slot;
}

void AttrStore::grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    for (const auto& slot : old)
        if (slot.node != nullptr) place(slot);
}

void AttrStore::erase(AttrNode* node) noexcept {
    std::size_t hole = home(node->hash);
    while (slots_[hole].node != node) hole = next(hole);
    erase_slot(slots_, hole, [](const Slot& s) { return s.node == nullptr; }, [this](const Slot& s) { return home(s.hash); });
    --size_;
    delete node;
}

std::size_t AttrStore::memory_bytes() const noexcept {
    std::size_t bytes = slots_.capacity() * sizeof(Slot);
    for (const auto& slot : slots_) {
        const AttrNode* node = slot.node;
        if (node == nullptr) continue;
        const auto& a = node->value;
        bytes += sizeof(AttrNode);
        bytes += a.as_path.segments().capacity() * sizeof(bgp::AsPathSegment);
        for (const auto& segment : a.as_path.segments()) bytes += segment.asns.capacity() * sizeof(std::uint32_t);
        bytes += a.communities.capacity() * sizeof(std::uint32_t) + a.cluster_list.capacity() * sizeof(std::uint32_t) +
                 a.extended_communities.capacity() * sizeof(std::uint64_t) +
                 a.large_communities.capacity() * sizeof(bgp::LargeCommunity);
        for (const auto& raw : a.unknown) bytes += sizeof(raw) + raw.value.capacity();
    }
    return bytes;
}

}  // namespace bgpemu::rib
