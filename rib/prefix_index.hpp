// Prefix -> RouteIndex for the Loc-RIB: an open-addressing hash table of 8-byte slots
// (route index and the prefix's 32-bit hash), about 16 bytes per prefix, instead of a
// node-based map (about 60).
//
// The prefixes themselves live in the Loc-RIB's entries, which the caller reaches
// through `key_of(index)`. The hash kept in the slot spares that trip (a cache miss per
// probe) for every slot whose hash differs, and lets the table grow without touching the
// entries at all. Linear probing with the load kept at most one half, and backward-shift
// deletion, so there are no tombstones to clean up.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bgp/wire/ip.hpp"
#include "rib/open_addressing.hpp"

namespace bgpemu::rib {

class PrefixIndex {
public:
    using Index = std::uint32_t;

    template <typename KeyOf>
    [[nodiscard]] std::optional<Index> find(const bgp::Prefix& prefix, const KeyOf& key_of) const {
        if (slots_.empty()) return std::nullopt;
        const std::uint32_t h = hash32(prefix);
        for (std::size_t slot = home(h);; slot = next(slot)) {
            const Slot& s = slots_[slot];
            if (s.index == empty) return std::nullopt;
            if (s.hash == h && key_of(s.index) == prefix) return s.index;
        }
    }

    // Brings `prefix`'s home slot toward the cache: a caller about to look up a batch of
    // prefixes asks a few ahead, so each lookup does not wait for its own memory.
    void prefetch(const bgp::Prefix& prefix) const noexcept {
        if (!slots_.empty()) prefetch_address(slots_.data() + home(hash32(prefix)));
    }

    // The index the first slot with `prefix`'s hash holds, without reading the key (so
    // possibly another prefix's): what to prefetch of the entries once the slot is near.
    [[nodiscard]] std::optional<Index> probable(const bgp::Prefix& prefix) const noexcept {
        if (slots_.empty()) return std::nullopt;
        const std::uint32_t h = hash32(prefix);
        for (std::size_t slot = home(h);; slot = next(slot)) {
            const Slot& s = slots_[slot];
            if (s.index == empty) return std::nullopt;
            if (s.hash == h) return s.index;
        }
    }

    // `prefix` (the key of `index`) must not be in the table yet.
    void insert(const bgp::Prefix& prefix, Index index) {
        if ((size_ + 1) * 2 > slots_.size()) grow();
        place(Slot{index, hash32(prefix)});
        ++size_;
    }

    template <typename KeyOf>
    bool erase(const bgp::Prefix& prefix, const KeyOf& key_of) {
        if (slots_.empty()) return false;
        const std::uint32_t h = hash32(prefix);
        std::size_t hole = home(h);
        for (;; hole = next(hole)) {
            const Slot& s = slots_[hole];
            if (s.index == empty) return false;
            if (s.hash == h && key_of(s.index) == prefix) break;
        }
        erase_slot(slots_, hole, [](const Slot& s) { return s.index == empty; },
                   [this](const Slot& s) { return home(s.hash); });
        --size_;
        return true;
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t memory_bytes() const noexcept { return slots_.capacity() * sizeof(Slot); }

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
    struct Slot {
        Index index = empty;
        std::uint32_t hash = 0;  // hash32 of the prefix at `index`
    };

    [[nodiscard]] static std::uint32_t hash32(const bgp::Prefix& prefix) noexcept {
        return static_cast<std::uint32_t>(hash(prefix));
    }
    // Up to 2^32 slots, which the 32-bit hash can address.
    [[nodiscard]] std::size_t home(std::uint32_t h) const noexcept { return h & (slots_.size() - 1); }
    [[nodiscard]] std::size_t next(std::size_t slot) const noexcept { return (slot + 1) & (slots_.size() - 1); }
    void place(Slot entry) {
        std::size_t slot = home(entry.hash);
        while (slots_[slot].index != empty) slot = next(slot);
        slots_[slot] = entry;
    }
    void grow() {
        std::vector<Slot> old;
        old.swap(slots_);
        slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
        for (const Slot& entry : old)
            if (entry.index != empty) place(entry);
    }

    std::vector<Slot> slots_;
    std::size_t size_ = 0;
};

}  // namespace bgpemu::rib
