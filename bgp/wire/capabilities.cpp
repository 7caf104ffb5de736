// Capability values (RFC 5492 and the RFC of each capability): decoding into Capabilities
// and encoding back, one pair of small functions per capability.
//
// Error policy, for every capability below unless its comment says otherwise:
//  - A value whose length or layout breaks the capability's definition is a malformed
//    Optional Parameter: OPEN Message Error / Unspecific (RFC 4271 §6.2, "recognized, but
//    is malformed"). Unsupported Capability (subcode 7, RFC 5492 §5) is not used here: it
//    means "you did not offer a capability I require", a negotiation decision that belongs
//    to the session, not to parsing.
//  - A value that is well formed but holds something we cannot represent is "not
//    understood" and, as RFC 5492 §3 asks, ignored: it is kept in `unknown` verbatim.
//  - Unknown capability codes are kept in `unknown` verbatim, never an error (RFC 5492 §3).
// Unknown AFI/SAFI numbers are kept as they are (Afi/Safi have fixed underlying types):
// deciding which families to use is negotiation, and keeping them lets us show them.
#include <algorithm>
#include <vector>

#include "bgp/wire/capabilities_codec.hpp"

namespace bgpemu::bgp {

namespace {

constexpr std::uint8_t code_value(CapabilityCode code) noexcept { return static_cast<std::uint8_t>(code); }

WireError role_mismatch(std::size_t offset) {
    return WireError{ErrorAction::session_reset, ErrorCode::open_message, open_subcode::role_mismatch, {}, offset,
                     "BGP Role capabilities with different values"};
}

// RFC 7607 §2: AS 0 must not appear in OPEN; the answer is OPEN Message Error / Bad Peer AS.
WireError zero_as(std::size_t offset) {
    return WireError{ErrorAction::session_reset, ErrorCode::open_message, open_subcode::bad_peer_as, {}, offset,
                     "AS 0 in the 4-octet AS capability"};
}

Bytes copy_of(ByteSpan bytes) { return Bytes(bytes.begin(), bytes.end()); }

// ---- Decoding, one function per capability -------------------------------------------
// Each gets the value (a reader over exactly Capability Length octets, offsets absolute)
// and `at`, the offset of the capability's code octet, which errors point to.

using DecodeResult = std::optional<WireError>;

// Route refresh (RFC 2918 §2, and the pre-standard code 128), enhanced route refresh
// (RFC 7313 §4) and extended message (RFC 8654 §3) carry no value: Capability Length is 0.
DecodeResult decode_presence(WireReader value, std::size_t at, bool& present, const char* reason) {
    if (!value.empty()) return malformed_open(at, reason);
    present = true;
    return std::nullopt;
}

// RFC 4760 §8: AFI (2), reserved (1, ignored on receipt), SAFI (1). One capability per
// family; instances accumulate, and repeats of the same family change nothing (RFC 5492 §4).
DecodeResult decode_multiprotocol(WireReader value, std::size_t at, Capabilities& caps) {
    std::uint16_t afi = 0;
    std::uint8_t reserved = 0;
    std::uint8_t safi = 0;
    if (value.remaining() != 4 || !value.read_u16(afi) || !value.read_u8(reserved) || !value.read_u8(safi))
        return malformed_open(at, "multiprotocol capability length is not 4");
    const AfiSafi family{static_cast<Afi>(afi), static_cast<Safi>(safi)};
    if (std::find(caps.multiprotocol.begin(), caps.multiprotocol.end(), family) == caps.multiprotocol.end())
        caps.multiprotocol.push_back(family);
    return std::nullopt;
}

// RFC 6793 §3: the speaker's 4-octet AS. RFC 6793 says nothing of repeats; the last wins.
DecodeResult decode_four_octet_as(WireReader value, std::size_t at, Capabilities& caps) {
    std::uint32_t asn = 0;
    if (value.remaining() != 4 || !value.read_u32(asn)) return malformed_open(at, "4-octet AS capability length is not 4");
    if (asn == 0) return zero_as(at);
    caps.four_octet_as = asn;
    return std::nullopt;
}

// RFC 4724 §3: Restart Flags (4 bits: R, then N from RFC 8538 §2, then 2 reserved),
// Restart Time (12 bits), then per family AFI (2), SAFI (1), Flags (1, F is the top bit).
// "the receiver ... MUST ignore all but the last instance" (RFC 4724 §3): the last wins.
constexpr std::uint16_t restart_state_bit = 0x8000;
constexpr std::uint16_t notification_bit = 0x4000;
constexpr std::uint16_t restart_time_mask = 0x0fff;
constexpr std::uint8_t forwarding_preserved_bit = 0x80;
constexpr std::size_t graceful_restart_family_size = 4;

DecodeResult decode_graceful_restart(WireReader value, std::size_t at, Capabilities& caps) {
    std::uint16_t flags_and_time = 0;
    if (!value.read_u16(flags_and_time) || value.remaining() % graceful_restart_family_size != 0)
        return malformed_open(at, "graceful restart capability length is not 2 + 4n");
    GracefulRestartCapability restart;
    restart.restart_state = (flags_and_time & restart_state_bit) != 0;
    restart.notification = (flags_and_time & notification_bit) != 0;
    restart.restart_time = static_cast<std::uint16_t>(flags_and_time & restart_time_mask);
    while (!value.empty()) {
        std::uint16_t afi = 0;
        std::uint8_t safi = 0;
        std::uint8_t flags = 0;
        if (!value.read_u16(afi) || !value.read_u8(safi) || !value.read_u8(flags))
            return malformed_open(at, "graceful restart family truncated");
        restart.families.push_back({{static_cast<Afi>(afi), static_cast<Safi>(safi)}, (flags & forwarding_preserved_bit) != 0});
    }
    caps.graceful_restart = std::move(restart);
    return std::nullopt;
}

// RFC 7911 §4: one or more AFI (2), SAFI (1), Send/Receive (1). "If any other value is
// received [than 1-3], then the capability SHOULD be treated as not understood and
// ignored": the whole capability goes to `unknown`, nothing of it to `add_path`.
// Instances should not repeat; if they do, the last word on a family wins.
constexpr std::size_t add_path_tuple_size = 4;

DecodeResult decode_add_path(WireReader value, std::size_t at, Capabilities& caps) {
    if (value.empty() || value.remaining() % add_path_tuple_size != 0)
        return malformed_open(at, "ADD-PATH capability length is not a positive multiple of 4");
    const ByteSpan raw = value.rest();
    std::vector<AddPathEntry> entries;
    while (!value.empty()) {
        std::uint16_t afi = 0;
        std::uint8_t safi = 0;
        std::uint8_t mode = 0;
        if (!value.read_u16(afi) || !value.read_u8(safi) || !value.read_u8(mode))
            return malformed_open(at, "ADD-PATH tuple truncated");
        if (mode < static_cast<std::uint8_t>(AddPathMode::receive) || mode > static_cast<std::uint8_t>(AddPathMode::both)) {
            caps.unknown.push_back(RawCapability{code_value(CapabilityCode::add_path), copy_of(raw)});
            return std::nullopt;
        }
        entries.push_back(AddPathEntry{{static_cast<Afi>(afi), static_cast<Safi>(safi)}, static_cast<AddPathMode>(mode)});
    }
    for (const auto& entry : entries) {
        auto same_family = [&](const AddPathEntry& e) { return e.afi_safi == entry.afi_safi; };
        auto existing = std::find_if(caps.add_path.begin(), caps.add_path.end(), same_family);
        if (existing != caps.add_path.end()) {
            *existing = entry;
        } else {
            caps.add_path.push_back(entry);
        }
    }
    return std::nullopt;
}

// RFC 8950 §3: one or more NLRI AFI (2), NLRI SAFI (2), Nexthop AFI (2). SAFIs are one
// octet everywhere else (RFC 4760 §6), so a SAFI above 255 cannot be represented: the
// capability is then not understood and kept verbatim (RFC 5492 §3).
constexpr std::size_t extended_next_hop_tuple_size = 6;

DecodeResult decode_extended_next_hop(WireReader value, std::size_t at, Capabilities& caps) {
    if (value.empty() || value.remaining() % extended_next_hop_tuple_size != 0)
        return malformed_open(at, "extended next hop capability length is not a positive multiple of 6");
    const ByteSpan raw = value.rest();
    std::vector<ExtendedNextHopEntry> entries;
    while (!value.empty()) {
        std::uint16_t afi = 0;
        std::uint16_t safi = 0;
        std::uint16_t next_hop_afi = 0;
        if (!value.read_u16(afi) || !value.read_u16(safi) || !value.read_u16(next_hop_afi))
            return malformed_open(at, "extended next hop tuple truncated");
        if (safi > 0xff) {
            caps.unknown.push_back(RawCapability{code_value(CapabilityCode::extended_next_hop), copy_of(raw)});
            return std::nullopt;
        }
        entries.push_back(ExtendedNextHopEntry{{static_cast<Afi>(afi), static_cast<Safi>(safi)},
                                               static_cast<Afi>(next_hop_afi)});
    }
    caps.extended_next_hop.insert(caps.extended_next_hop.end(), entries.begin(), entries.end());
    return std::nullopt;
}

// draft-walton-bgp-hostname-capability §3: hostname length (1), hostname, domain length
// (1), domain name. Some old senders stop after the hostname; we read a missing domain as
// empty rather than reject a capability that is only informational. Anything after the
// domain name is malformed. The last instance wins.
DecodeResult decode_fqdn(WireReader value, std::size_t at, Capabilities& caps) {
    auto read_name = [&value](std::string& name) {
        std::uint8_t length = 0;
        ByteSpan bytes;
        if (!value.read_u8(length) || !value.read_bytes(length, bytes)) return false;
        name.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        return true;
    };
    FqdnCapability fqdn;
    if (!read_name(fqdn.hostname)) return malformed_open(at, "FQDN capability hostname overruns the capability");
    if (!value.empty() && !read_name(fqdn.domain))
        return malformed_open(at, "FQDN capability domain name overruns the capability");
    if (!value.empty()) return malformed_open(at, "FQDN capability has octets after the domain name");
    caps.fqdn = std::move(fqdn);
    return std::nullopt;
}

// RFC 9234 §4.1: one octet. §4.2: several instances with different values are answered
// with Role Mismatch; equal instances count as one. Values outside 0-4 are kept as they
// are: the session's role check (RFC 9234 §4.2 table) rejects any pair it does not list.
DecodeResult decode_role(WireReader value, std::size_t at, Capabilities& caps) {
    std::uint8_t role = 0;
    if (value.remaining() != 1 || !value.read_u8(role)) return malformed_open(at, "BGP Role capability length is not 1");
    if (caps.role && *caps.role != static_cast<BgpRole>(role)) return role_mismatch(at);
    caps.role = static_cast<BgpRole>(role);
    return std::nullopt;
}

// RFC 9494 §2: kept raw (we are a helper at most and do not interpret it). Like the
// Graceful Restart capability it extends, the last instance wins.
DecodeResult decode_long_lived_graceful_restart(WireReader value, Capabilities& caps) {
    caps.long_lived_graceful_restart = true;
    caps.long_lived_graceful_restart_value = copy_of(value.rest());
    return std::nullopt;
}

DecodeResult decode_capability(std::uint8_t code, WireReader value, std::size_t at, Capabilities& caps) {
    switch (static_cast<CapabilityCode>(code)) {
        case CapabilityCode::multiprotocol: return decode_multiprotocol(value, at, caps);
        case CapabilityCode::route_refresh:
            return decode_presence(value, at, caps.route_refresh, "route refresh capability length is not 0");
        case CapabilityCode::route_refresh_cisco:
            return decode_presence(value, at, caps.route_refresh_cisco, "route refresh (128) capability length is not 0");
        case CapabilityCode::enhanced_route_refresh:
            return decode_presence(value, at, caps.enhanced_route_refresh,
                                   "enhanced route refresh capability length is not 0");
        case CapabilityCode::extended_message:
            return decode_presence(value, at, caps.extended_message, "extended message capability length is not 0");
        case CapabilityCode::extended_next_hop: return decode_extended_next_hop(value, at, caps);
        case CapabilityCode::bgp_role: return decode_role(value, at, caps);
        case CapabilityCode::graceful_restart: return decode_graceful_restart(value, at, caps);
        case CapabilityCode::four_octet_as: return decode_four_octet_as(value, at, caps);
        case CapabilityCode::add_path: return decode_add_path(value, at, caps);
        case CapabilityCode::long_lived_graceful_restart: return decode_long_lived_graceful_restart(value, caps);
        case CapabilityCode::fqdn: return decode_fqdn(value, at, caps);
    }
    caps.unknown.push_back(RawCapability{code, copy_of(value.rest())});
    return std::nullopt;
}

// ---- Encoding ---------------------------------------------------------------------------
// Each capability becomes one or more triples; they are written sorted by code at the end.

struct Triple {
    std::uint8_t code = 0;
    Bytes value;
};

using Triples = std::vector<Triple>;

void add_triple(Triples& triples, CapabilityCode code, Bytes value = {}) {
    triples.push_back(Triple{code_value(code), std::move(value)});
}

void encode_multiprotocol(const Capabilities& caps, Triples& triples) {
    for (const auto& family : caps.multiprotocol) {
        Bytes value;
        WireWriter writer(value);
        writer.put_u16(static_cast<std::uint16_t>(family.afi));
        writer.put_u8(0);  // reserved, "SHOULD be set to 0 by the sender" (RFC 4760 §8)
        writer.put_u8(static_cast<std::uint8_t>(family.safi));
        add_triple(triples, CapabilityCode::multiprotocol, std::move(value));
    }
}

void encode_presence_flags(const Capabilities& caps, Triples& triples) {
    if (caps.route_refresh) add_triple(triples, CapabilityCode::route_refresh);
    if (caps.extended_message) add_triple(triples, CapabilityCode::extended_message);
    if (caps.enhanced_route_refresh) add_triple(triples, CapabilityCode::enhanced_route_refresh);
    if (caps.route_refresh_cisco) add_triple(triples, CapabilityCode::route_refresh_cisco);
}

// A value holds at most 255 octets; more than 63 four-octet tuples (or 42 six-octet ones)
// would need more families than exist, so the excess is dropped rather than split across
// instances, which RFC 7911 §4 forbids for ADD-PATH.
constexpr std::size_t max_tuples(std::size_t tuple_size) noexcept { return max_capability_value / tuple_size; }

void encode_extended_next_hop(const Capabilities& caps, Triples& triples) {
    if (caps.extended_next_hop.empty()) return;
    Bytes value;
    WireWriter writer(value);
    const std::size_t count = std::min(caps.extended_next_hop.size(), max_tuples(extended_next_hop_tuple_size));
    for (std::size_t i = 0; i < count; ++i) {
        const auto& entry = caps.extended_next_hop[i];
        writer.put_u16(static_cast<std::uint16_t>(entry.nlri.afi));
        writer.put_u16(static_cast<std::uint16_t>(entry.nlri.safi));
        writer.put_u16(static_cast<std::uint16_t>(entry.next_hop_afi));
    }
    add_triple(triples, CapabilityCode::extended_next_hop, std::move(value));
}

void encode_role(const Capabilities& caps, Triples& triples) {
    if (!caps.role) return;
    add_triple(triples, CapabilityCode::bgp_role, Bytes{std::byte{static_cast<std::uint8_t>(*caps.role)}});
}

void encode_graceful_restart(const Capabilities& caps, Triples& triples) {
    if (!caps.graceful_restart) return;
    const auto& restart = *caps.graceful_restart;
    Bytes value;
    WireWriter writer(value);
    std::uint16_t flags_and_time = std::min(restart.restart_time, restart_time_mask);
    if (restart.restart_state) flags_and_time |= restart_state_bit;
    if (restart.notification) flags_and_time |= notification_bit;
    writer.put_u16(flags_and_time);
    const std::size_t count = std::min(restart.families.size(), max_tuples(graceful_restart_family_size));
    for (std::size_t i = 0; i < count; ++i) {
        const auto& family = restart.families[i];
        writer.put_u16(static_cast<std::uint16_t>(family.afi_safi.afi));
        writer.put_u8(static_cast<std::uint8_t>(family.afi_safi.safi));
        writer.put_u8(family.forwarding_preserved ? forwarding_preserved_bit : 0);
    }
    add_triple(triples, CapabilityCode::graceful_restart, std::move(value));
}

void encode_four_octet_as(const Capabilities& caps, Triples& triples) {
    if (!caps.four_octet_as) return;
    Bytes value;
    WireWriter(value).put_u32(*caps.four_octet_as);
    add_triple(triples, CapabilityCode::four_octet_as, std::move(value));
}

void encode_add_path(const Capabilities& caps, Triples& triples) {
    if (caps.add_path.empty()) return;
    Bytes value;
    WireWriter writer(value);
    const std::size_t count = std::min(caps.add_path.size(), max_tuples(add_path_tuple_size));
    for (std::size_t i = 0; i < count; ++i) {
        const auto& entry = caps.add_path[i];
        writer.put_u16(static_cast<std::uint16_t>(entry.afi_safi.afi));
        writer.put_u8(static_cast<std::uint8_t>(entry.afi_safi.safi));
        writer.put_u8(static_cast<std::uint8_t>(entry.mode));
    }
    add_triple(triples, CapabilityCode::add_path, std::move(value));
}

Bytes truncated_value(ByteSpan bytes) { return copy_of(bytes.first(std::min(bytes.size(), max_capability_value))); }

void encode_long_lived_graceful_restart(const Capabilities& caps, Triples& triples) {
    if (!caps.long_lived_graceful_restart) return;
    add_triple(triples, CapabilityCode::long_lived_graceful_restart,
               truncated_value(caps.long_lived_graceful_restart_value));
}

// Names are cut so both fit one value: 1 + hostname + 1 + domain <= 255.
void encode_fqdn(const Capabilities& caps, Triples& triples) {
    if (!caps.fqdn) return;
    const std::size_t room = max_capability_value - 2;
    const std::string_view hostname = std::string_view(caps.fqdn->hostname).substr(0, room);
    const std::string_view domain = std::string_view(caps.fqdn->domain).substr(0, room - hostname.size());
    Bytes value;
    WireWriter writer(value);
    for (std::string_view name : {hostname, domain}) {
        writer.put_u8(static_cast<std::uint8_t>(name.size()));
        writer.put_bytes(std::as_bytes(std::span(name.data(), name.size())));
    }
    add_triple(triples, CapabilityCode::fqdn, std::move(value));
}

void encode_unknown(const Capabilities& caps, Triples& triples) {
    for (const auto& raw : caps.unknown) triples.push_back(Triple{raw.code, truncated_value(raw.value)});
}

}  // namespace

std::optional<WireError> decode_capability_triples(WireReader triples, Capabilities& capabilities) {
    while (!triples.empty()) {
        const std::size_t at = triples.offset();
        std::uint8_t code = 0;
        std::uint8_t length = 0;
        if (!triples.read_u8(code) || !triples.read_u8(length))
            return malformed_open(at, "capability header truncated");
        auto value = triples.sub_reader(length);
        if (!value) return malformed_open(at + 1, "capability length overruns its optional parameter");
        if (auto error = decode_capability(code, *value, at, capabilities)) return error;
    }
    return std::nullopt;
}

void encode_capability_triples(const Capabilities& capabilities, WireWriter& writer) {
    Triples triples;
    encode_multiprotocol(capabilities, triples);
    encode_presence_flags(capabilities, triples);
    encode_extended_next_hop(capabilities, triples);
    encode_role(capabilities, triples);
    encode_graceful_restart(capabilities, triples);
    encode_four_octet_as(capabilities, triples);
    encode_add_path(capabilities, triples);
    encode_long_lived_graceful_restart(capabilities, triples);
    encode_fqdn(capabilities, triples);
    encode_unknown(capabilities, triples);
    std::stable_sort(triples.begin(), triples.end(), [](const Triple& a, const Triple& b) { return a.code < b.code; });
    for (const auto& triple : triples) {
        writer.put_u8(triple.code);
        writer.put_u8(static_cast<std::uint8_t>(triple.value.size()));
        writer.put_bytes(triple.value);
    }
}

}  // namespace bgpemu::bgp
