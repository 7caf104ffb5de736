// How a fuzz input's first byte maps to a DecodeContext, shared by the fuzz target and
// the seed-corpus writer so committed seeds decode under the context they were made for.
//
//   bit 0  four_octet_as           (RFC 6793)
//   bit 1  extended_message        (RFC 8654)
//   bit 2  ADD-PATH, IPv4 unicast  (RFC 7911)
//   bit 3  ADD-PATH, IPv6 unicast
//   bit 4  peer_is_external        (RFC 7606 §7.5)
//   bits 5-7 ignored
#pragma once

#include <cstdint>

#include "bgp/wire/codec.hpp"

namespace bgpemu::fuzz {

inline bgp::DecodeContext decode_context_from_byte(std::uint8_t bits) noexcept {
    bgp::DecodeContext context;
    context.four_octet_as = (bits & 0x01) != 0;
    context.extended_message = (bits & 0x02) != 0;
    context.add_path_receive.ipv4_unicast = (bits & 0x04) != 0;
    context.add_path_receive.ipv6_unicast = (bits & 0x08) != 0;
    context.peer_is_external = (bits & 0x10) != 0;
    return context;
}

inline std::uint8_t byte_from_decode_context(const bgp::DecodeContext& context) noexcept {
    return static_cast<std::uint8_t>((context.four_octet_as ? 0x01 : 0) | (context.extended_message ? 0x02 : 0) |
                                     (context.add_path_receive.ipv4_unicast ? 0x04 : 0) |
                                     (context.add_path_receive.ipv6_unicast ? 0x08 : 0) |
                                     (context.peer_is_external ? 0x10 : 0));
}

}  // namespace bgpemu::fuzz
