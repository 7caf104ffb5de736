// Prefix -> RouteIndex for the Loc-RIB: an open-addressing hash table of 4-byte route
// indices, about 8 bytes per prefix, instead of a node-based map (about 60).
//
// The table stores only indices; the prefixes live in the Loc-RIB's entries, which the
// caller reaches through `key_of(index)`. Linear probing with the load kept at most one
// half, and backward-shift deletion, so there are no tombstones to clean up.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bgp/ip.hpp"

namespace bgpemu::rib {

class PrefixIndex {
public:
    using Index = std::uint32_t;

    template <typename KeyOf>
    [[nodiscard]] std::optional<Index> find(const bgp::Prefix& prefix, const KeyOf& key_of) const {
        if (slots_.empty()) return std::nullopt;
        for (std::size_t slot = home(prefix);; slot = next(slot)) {
            const Index index = slots_[slot];
            if (index == empty) return std::nullopt;
            if (key_of(index) == prefix) return index;
        }
    }

    // `prefix` (the key of `index`) must not be in the table yet.
    template <typename KeyOf>
    void insert(const bgp::Prefix& prefix, Index index, const KeyOf& key_of) {
        if ((size_ + 1) * 2 > slots_.size()) grow(key_of);
        std::size_t slot = home(prefix);
        while (slots_[slot] != empty) slot = next(slot);
        slots_[slot] = index;
        ++size_;
    }

    template <typename KeyOf>
    bool erase(const bgp::Prefix& prefix, const KeyOf& key_of) {
        if (slots_.empty()) return false;
        std::size_t hole = home(prefix);
        for (;; hole = next(hole)) {
            if (slots_[hole] == empty) return false;
            if (key_of(slots_[hole]) == prefix) break;
        }
        // Backward shift: pull later members of the probe run into the hole when their
        // home slot does not lie (cyclically) between the hole and where they sit.
        for (std::size_t slot = next(hole);; slot = next(slot)) {
            const Index index = slots_[slot];
            if (index == empty) break;
            const std::size_t wanted = home(key_of(index));
            const bool stays = hole <= slot ? (hole < wanted && wanted <= slot) : (hole < wanted || wanted <= slot);
            if (stays) continue;
            slots_[hole] = index;
            hole = slot;
        }
        slots_[hole] = empty;
        --size_;
        return true;
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t memory_bytes() const noexcept { return slots_.capacity() * sizeof(Index); }

    [[nodiscard]] static std::uint64_t hash(const bgp::Prefix& prefix) noexcept {
        const auto& bytes = prefix.address().bytes();
        std::uint64_t high = 0;
        std::uint64_t low = 0;
        for (int i = 0; i < 8; ++i) high = (high << 8) | bytes[static_cast<std::size_t>(i)];
        for (int i = 8; i < 16; ++i) low = (low << 8) | bytes[static_cast<std::size_t>(i)];
        std::uint64_t h = high ^ (low * 0x9e3779b97f4a7c15ULL) ^ (std::uint64_t{prefix.length()} << 1) ^
                          static_cast<std::uint64_t>(prefix.afi());
        // A 64-bit finaliser (murmur3's): every input bit reaches the low bits we use.
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 33;
        return h;
    }

private:
    static constexpr Index empty = 0xffffffff;

    [[nodiscard]] std::size_t home(const bgp::Prefix& prefix) const noexcept {
        return static_cast<std::size_t>(hash(prefix)) & (slots_.size() - 1);
    }
    [[nodiscard]] std::size_t next(std::size_t slot) const noexcept { return (slot + 1) & (slots_.size() - 1); }

    template <typename KeyOf>
    void grow(const KeyOf& key_of) {
        std::vector<Index> old;
        old.swap(slots_);
        slots_.assign(old.empty() ? 16 : old.size() * 2, empty);
        for (const Index index : old) {
            if (index == empty) continue;
            std::size_t slot = home(key_of(index));
            while (slots_[slot] != empty) slot = next(slot);
            slots_[slot] = index;
        }
    }

    std::vector<Index> slots_;
    std::size_t size_ = 0;
};

}  // namespace bgpemu::rib
