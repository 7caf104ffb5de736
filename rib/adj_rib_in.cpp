#include "rib/adj_rib_in.hpp"

namespace bgpemu::rib {

void AdjRibIn::store(const bgp::Prefix& prefix, std::uint32_t path_id, AttrRef received) {
    routes_.insert_or_assign(Key{prefix, path_id}, std::move(received));
}

void AdjRibIn::erase(const bgp::Prefix& prefix, std::uint32_t path_id) { routes_.erase(Key{prefix, path_id}); }

const AttrRef* AdjRibIn::find(const bgp::Prefix& prefix, std::uint32_t path_id) const {
    const auto it = routes_.find(Key{prefix, path_id});
    return it == routes_.end() ? nullptr : &it->second;
}

void AdjRibIn::for_each(const std::function<void(const bgp::Prefix&, std::uint32_t, const AttrRef&)>& fn) const {
    for (const auto& [key, attributes] : routes_) fn(key.prefix, key.path_id, attributes);
}

std::size_t AdjRibIn::memory_bytes() const noexcept {
    // A node per route (key, reference, next pointer, cached hash) and the bucket array.
    return routes_.size() * (sizeof(Key) + sizeof(AttrRef) + 2 * sizeof(void*)) + routes_.bucket_count() * sizeof(void*);
}

}  // namespace bgpemu::rib
