// BGP capabilities (RFC 5492) as carried in OPEN, decoded into one value per OPEN.
//
// A peer may put each capability in its own Optional Parameter (FRR) or all of them in
// one (BIRD); both decode to the same Capabilities. Unknown capabilities are kept as
// opaque bytes so they can be shown and never cause a failure (RFC 5492 §3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bgp/wire/bytes.hpp"
#include "bgp/wire/ip.hpp"

namespace bgpemu::bgp {

// Capability codes (IANA "Capability Codes" registry).
enum class CapabilityCode : std::uint8_t {
    multiprotocol = 1,            // RFC 4760
    route_refresh = 2,            // RFC 2918
    extended_next_hop = 5,        // RFC 8950 (parsed, not negotiated)
    extended_message = 6,         // RFC 8654
    bgp_role = 9,                 // RFC 9234
    graceful_restart = 64,        // RFC 4724
    four_octet_as = 65,           // RFC 6793
    add_path = 69,                // RFC 7911
    enhanced_route_refresh = 70,  // RFC 7313
    long_lived_graceful_restart = 71,  // RFC 9494 (parsed, not negotiated)
    fqdn = 73,                    // draft-walton-bgp-hostname-capability
    route_refresh_cisco = 128,    // pre-standard route refresh, still sent by FRR
};

// RFC 9234 §4.1 BGP Role values.
enum class BgpRole : std::uint8_t { provider = 0, route_server = 1, rs_client = 2, customer = 3, peer = 4 };

struct GracefulRestartCapability {
    struct Family {
        AfiSafi afi_safi;
        bool forwarding_preserved = false;  // F bit
        auto operator<=>(const Family&) const = default;
    };
    bool restart_state = false;   // R bit
    bool notification = false;    // N bit (RFC 8538)
    std::uint16_t restart_time = 0;  // seconds, 12 bits
    std::vector<Family> families;
    auto operator<=>(const GracefulRestartCapability&) const = default;
};

// RFC 7911 §4: what the sender can do for one family.
enum class AddPathMode : std::uint8_t { receive = 1, send = 2, both = 3 };

struct AddPathEntry {
    AfiSafi afi_safi;
    AddPathMode mode = AddPathMode::receive;
    auto operator<=>(const AddPathEntry&) const = default;
};

struct ExtendedNextHopEntry {
    AfiSafi nlri;
    Afi next_hop_afi = Afi::ipv6;
    auto operator<=>(const ExtendedNextHopEntry&) const = default;
};

struct FqdnCapability {
    std::string hostname;
    std::string domain;
    auto operator<=>(const FqdnCapability&) const = default;
};

struct RawCapability {
    std::uint8_t code = 0;
    Bytes value;
    auto operator<=>(const RawCapability&) const = default;
};

struct Capabilities {
    std::vector<AfiSafi> multiprotocol;
    bool route_refresh = false;
    bool route_refresh_cisco = false;
    bool enhanced_route_refresh = false;
    bool extended_message = false;
    std::optional<std::uint32_t> four_octet_as;  // the speaker's real ASN
    std::optional<GracefulRestartCapability> graceful_restart;
    std::vector<AddPathEntry> add_path;
    std::vector<ExtendedNextHopEntry> extended_next_hop;
    std::optional<FqdnCapability> fqdn;
    std::optional<BgpRole> role;
    bool long_lived_graceful_restart = false;  // presence only; body kept in `unknown`-style raw form
    Bytes long_lived_graceful_restart_value;
    std::vector<RawCapability> unknown;

    auto operator<=>(const Capabilities&) const = default;
};

}  // namespace bgpemu::bgp
