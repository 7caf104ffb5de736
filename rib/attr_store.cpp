#include "rib/attr_store.hpp"

#include <memory>

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
    for (auto* node : nodes_) delete node;
}

template <typename Attributes>
AttrRef AttrStore::intern_impl(Attributes&& attributes) {
    AttrNode probe;
    probe.hash = hash_attributes(attributes);
    // Compare against the candidate without copying it into a node first.
    probe.value = std::forward<Attributes>(attributes);
    if (auto it = nodes_.find(&probe); it != nodes_.end()) return AttrRef(*it);
    auto node = std::make_unique<AttrNode>(std::move(probe));
    node->store = this;
    auto* raw = node.release();
    nodes_.insert(raw);
    return AttrRef(raw);
}

AttrRef AttrStore::intern(const bgp::PathAttributes& attributes) { return intern_impl(attributes); }
AttrRef AttrStore::intern(bgp::PathAttributes&& attributes) { return intern_impl(std::move(attributes)); }

void AttrStore::erase(AttrNode* node) noexcept {
    nodes_.erase(node);
    delete node;
}

std::size_t AttrStore::memory_bytes() const noexcept {
    // The hash set's own nodes are about two pointers each, plus one bucket pointer.
    std::size_t bytes = nodes_.bucket_count() * sizeof(void*) + nodes_.size() * 2 * sizeof(void*);
    for (const AttrNode* node : nodes_) {
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
