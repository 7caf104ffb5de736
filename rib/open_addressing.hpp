// What rib's open-addressing tables (PrefixIndex, AttrStore) share: linear probing over
// a power-of-two number of slots, deletion by backward shift (no tombstones to clean
// up), and the prefetch that lets a caller ask for a slot before it looks.
#pragma once

#include <cstddef>
#include <vector>

namespace bgpemu::rib {

// Asks for the cache line at `address` (a hint: never faults). The empty asm makes the
// address used, or GCC 12 drops a prefetch whose address it computed from loads.
inline void prefetch_address(const void* address) noexcept {
    asm volatile("" : : "r"(address));
    __builtin_prefetch(address);
}

// Empties slot `hole` of `slots`, pulling later members of its probe run back into it
// when their home (`home(slot)`) does not lie, cyclically, between the hole and where
// they sit. `empty(slot)`: a free slot; a default Slot is one.
template <typename Slot, typename Empty, typename Home>
void erase_slot(std::vector<Slot>& slots, std::size_t hole, const Empty& empty, const Home& home) {
    const std::size_t mask = slots.size() - 1;
    for (std::size_t at = (hole + 1) & mask; !empty(slots[at]); at = (at + 1) & mask) {
        const std::size_t wanted = home(slots[at]);
        const bool stays = hole <= at ? (hole < wanted && wanted <= at) : (hole < wanted || wanted <= at);
        if (stays) continue;
        slots[hole] = slots[at];
        hole = at;
    }
    slots[hole] = Slot{};
}

}  // namespace bgpemu::rib
