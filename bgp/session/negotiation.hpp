// What two speakers agree on when their OPENs meet (RFC 4271 §4.2, RFC 5492), as pure
// functions: building our OPEN from the neighbour's settings, checking the peer's OPEN,
// and deriving the session parameters the codec and the timers then use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bgp/wire/codec.hpp"
#include "bgp/wire/messages.hpp"
#include "bgp/wire/wire_error.hpp"

namespace bgpemu::bgp {

// What we offer to one neighbour.
struct LocalOffer {
    std::uint32_t local_as = 0;
    std::uint32_t router_id = 0;          // host order
    std::uint16_t hold_time = 90;         // seconds, 0 or >= 3
    // Not a braced list: GCC 12 warns (falsely) about its backing array at -O2.
    std::vector<AfiSafi> families = std::vector<AfiSafi>(1, AfiSafi{Afi::ipv4, Safi::unicast});
    bool route_refresh = true;
    bool enhanced_route_refresh = true;
    bool extended_message = false;        // off by default, as BIRD does
    bool graceful_restart_helper = false; // GR capability with no families: "aware" (RFC 4724 §3)
    std::string hostname;                 // FQDN capability when non-empty
};

// What the peer must be (from our configuration).
struct PeerExpectation {
    std::uint32_t remote_as = 0;         // 0 accepts any AS
    std::uint16_t minimum_hold_time = 0; // reject a peer's non-zero hold time below this
};

struct NegotiatedSession {
    std::uint32_t peer_as = 0;
    std::uint32_t peer_router_id = 0;
    std::uint16_t hold_time = 0;        // seconds; 0 disables hold and keepalive timers
    std::uint16_t keepalive_time = 0;   // hold / 3
    bool four_octet_as = false;
    bool extended_message = false;
    bool route_refresh = false;         // the peer accepts ROUTE-REFRESH from us
    bool enhanced_route_refresh = false;
    std::vector<AfiSafi> families;      // both sides offered (IPv4 unicast implied with no MP caps)
    AddPathFamilies add_path_receive;   // families where the peer sends path ids to us

    [[nodiscard]] bool has_family(AfiSafi family) const noexcept;
    [[nodiscard]] DecodeContext decode_context(bool peer_is_external) const noexcept;
    [[nodiscard]] EncodeContext encode_context() const noexcept;
};

[[nodiscard]] OpenMessage build_open(const LocalOffer& offer);

// RFC 4271 §6.2 checks that need configuration (the codec already checked the format):
// peer AS (Bad Peer AS), BGP identifier equal to ours for iBGP... (Bad BGP Identifier),
// unacceptable hold time. Returns the NOTIFICATION to send, or nullopt when acceptable.
[[nodiscard]] std::optional<WireError> check_peer_open(const OpenMessage& peer, const LocalOffer& offer,
                                                       const PeerExpectation& expectation);

[[nodiscard]] NegotiatedSession negotiate(const OpenMessage& ours, const OpenMessage& theirs);

}  // namespace bgpemu::bgp
