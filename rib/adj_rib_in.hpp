// The pre-policy Adj-RIB-In of one neighbour, kept only for soft reconfiguration
// inbound (a neighbour with `soft_reconfiguration_inbound: true`).
//
// The Loc-RIB already holds each neighbour's post-policy paths; this keeps what the
// neighbour sent before the import checks and policy ran, so that a new import policy
// can be applied again from memory instead of asking the peer for a ROUTE-REFRESH
// (RFC 2918), which a peer without that capability cannot answer. It costs one entry
// per received route and is off by default, as in FRR and Cisco.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <unordered_map>

#include "bgp/wire/ip.hpp"
#include "rib/attr_store.hpp"

namespace bgpemu::rib {

class AdjRibIn {
public:
    // What the neighbour sent last for (prefix, path id): replaces an earlier route.
    void store(const bgp::Prefix& prefix, std::uint32_t path_id, AttrRef received);
    void erase(const bgp::Prefix& prefix, std::uint32_t path_id);
    void clear() noexcept { routes_.clear(); }
    [[nodiscard]] std::size_t size() const noexcept { return routes_.size(); }
    [[nodiscard]] const AttrRef* find(const bgp::Prefix& prefix, std::uint32_t path_id) const;
    void for_each(const std::function<void(const bgp::Prefix&, std::uint32_t path_id, const AttrRef&)>& fn) const;
    [[nodiscard]] std::size_t memory_bytes() const noexcept;

private:
    struct Key {
        bgp::Prefix prefix;
        std::uint32_t path_id = 0;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& key) const noexcept {
            return bgp::PrefixHash{}(key.prefix) ^ (std::size_t{key.path_id} * 0x9e3779b97f4a7c15ULL);
        }
    };
    std::unordered_map<Key, AttrRef, KeyHash> routes_;
};

}  // namespace bgpemu::rib
