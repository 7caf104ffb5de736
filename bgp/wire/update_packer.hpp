// Export packs by attribute set (RFC 4271 §9.2): every prefix that shares one
// PathAttributes goes out in as few UPDATE messages as fit the negotiated size.
// The attribute block is encoded once per set and reused for every message.
#pragma once

#include <cstddef>
#include <span>

#include "bgp/wire/codec.hpp"

namespace bgpemu::bgp {

class UpdatePacker {
public:
    explicit UpdatePacker(EncodeContext context) : context_(context) {}

    // Appends UPDATEs announcing `prefixes` (all of one family) with `attributes`.
    // IPv4 unicast uses the classic NLRI field with NEXT_HOP; any other family goes in
    // MP_REACH_NLRI with attributes.mp_next_hop. Returns the number of messages written.
    std::size_t announce(const PathAttributes& attributes, std::span<const Nlri> prefixes, AfiSafi family,
                         Bytes& out);
    // Appends UPDATEs withdrawing `prefixes` (all of one family): the Withdrawn Routes
    // field for IPv4 unicast, MP_UNREACH_NLRI otherwise.
    std::size_t withdraw(std::span<const Nlri> prefixes, AfiSafi family, Bytes& out);
    // Appends the End-of-RIB marker for `family` (RFC 4724 §2).
    void end_of_rib(AfiSafi family, Bytes& out);

private:
    EncodeContext context_;
    Bytes attribute_block_;  // reused encode buffer
};

}  // namespace bgpemu::bgp
