// Internal to the UPDATE half of the codec (update.cpp, attributes.cpp, as_path.cpp,
// update_packer.cpp): the per-attribute descriptor table, the AS_PATH and NLRI wire
// forms, and the MP_REACH/MP_UNREACH encoders. Not part of the public API; nothing
// outside bgp/ should include it.
//
// Error model (RFC 7606 §2): a decoder that finds a malformation returns an
// AttributeFault naming the RFC 4271 §6.3 subcode and, where the attribute's rule
// differs from its descriptor's default, the RFC 7606 action. The attribute-list walker
// turns the fault into a discard, a treat-as-withdraw, or a session reset.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "bgp/wire/attributes.hpp"
#include "bgp/wire/bytes.hpp"
#include "bgp/wire/codec.hpp"
#include "bgp/wire/messages.hpp"
#include "bgp/wire/wire_error.hpp"

namespace bgpemu::bgp::update_codec {

// Offsets inside an UPDATE (RFC 4271 §4.3): the body starts right after the header.
inline constexpr std::size_t withdrawn_length_offset = header_size;   // 19
inline constexpr std::size_t minimum_update_size = header_size + 4;   // 23, also the IPv4 End-of-RIB

// ---- NLRI (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3) -------------------------------

struct NlriFault {
    std::size_t offset = 0;   // of the prefix (or its path identifier) that is malformed
    const char* reason = "";
};

// Appends every prefix in `reader` (one family) to `out`. Host bits beyond the prefix
// length are cleared (RFC 4271 §4.3: trailing bits are irrelevant).
[[nodiscard]] std::optional<NlriFault> decode_nlri(WireReader reader, Afi afi, bool add_path, std::vector<Nlri>& out);

// Octets one prefix takes on the wire: [path id] length byte + ceil(length / 8).
[[nodiscard]] constexpr std::size_t nlri_wire_size(const Nlri& nlri, bool add_path) noexcept {
    return (add_path ? 5U : 1U) + (nlri.prefix.length() + 7U) / 8U;
}
[[nodiscard]] std::size_t nlri_list_wire_size(std::span<const Nlri> prefixes, bool add_path) noexcept;
void encode_nlri_list(std::span<const Nlri> prefixes, bool add_path, Bytes& out);

// ---- Attribute framing (RFC 4271 §4.3) ---------------------------------------------

// The Extended Length bit is used only when the value does not fit one octet.
[[nodiscard]] constexpr std::size_t attribute_header_size(std::size_t value_length) noexcept {
    return value_length > 255 ? 4 : 3;
}
// Writes flags (Extended Length added when needed), type and length. Returns false if
// the value cannot be described (longer than 65535 octets).
bool put_attribute_header(WireWriter& writer, std::uint8_t flags, std::uint8_t type, std::size_t value_length);

// ---- AS_PATH / AS4_PATH value (RFC 4271 §4.3, RFC 6793 §3, RFC 5065 §3) ------------

// Decodes a whole AS_PATH or AS4_PATH value; nullptr on success, else why it is malformed
// (RFC 7606 §7.2: bad segment type, zero-length segment, overrun; RFC 7607: AS 0).
[[nodiscard]] const char* decode_as_path_value(WireReader value, unsigned asn_size, AsPath& out);

// How an AS path goes out: `asn_size` 2 maps ASNs above 65535 to AS_TRANS (RFC 6793
// §4.2.2); `skip_confederation` drops confederation segments (AS4_PATH must not carry
// them, RFC 6793 §3). Segments longer than 255 ASNs are split.
struct AsPathEncoding {
    unsigned asn_size = 4;
    bool skip_confederation = false;
};
[[nodiscard]] std::size_t as_path_value_size(const AsPath& path, AsPathEncoding encoding) noexcept;
void encode_as_path_value(const AsPath& path, AsPathEncoding encoding, WireWriter& writer);
// True when some ASN in a non-confederation segment does not fit two octets, i.e. an
// AS4_PATH must accompany the AS_PATH toward an OLD speaker (RFC 6793 §4.2.2).
[[nodiscard]] bool as_path_needs_as4(const AsPath& path) noexcept;
// Removes AS_CONFED_SEQUENCE / AS_CONFED_SET segments (RFC 6793 §6 for AS4_PATH).
void strip_confederation_segments(AsPath& path);

// ---- Attribute descriptors (one per known type code) -------------------------------

// Everything an attribute decoder may read or write besides its value.
struct AttributeDecodeState {
    UpdateMessage& update;
    const DecodeContext& context;
    bool classic_nlri_present = false;  // the UPDATE's NLRI field is non-empty (RFC 7606 §5.2)
    std::uint8_t flags = 0;             // of the attribute being decoded, as received
    std::size_t attribute_offset = 0;   // of its flags octet in the message
    // RFC 6793 attributes, reconciled with AS_PATH / AGGREGATOR after the list is read.
    std::optional<AsPath> as4_path;
    std::size_t as4_path_offset = 0;
    std::optional<Aggregator> as4_aggregator;
    std::size_t as4_aggregator_offset = 0;
};

struct AttributeFault {
    std::uint8_t subcode = update_subcode::attribute_length_error;
    const char* reason = "";
    std::optional<ErrorAction> action;   // overrides the descriptor's malformed_action
    std::optional<std::size_t> offset;   // overrides the attribute's own offset
    bool data_is_attribute = true;       // NOTIFICATION data = the attribute (RFC 4271 §6.3)
};

// Decodes one attribute value into the state; nullopt when the attribute was used.
using AttributeDecoder = std::optional<AttributeFault> (*)(WireReader value, AttributeDecodeState& state);
// Some attributes are dropped whatever they hold, depending on the peer (LOCAL_PREF from
// eBGP, AS4_* from a NEW speaker, NEXT_HOP without NLRI): the reason, or nullptr to decode.
using AttributeIgnoreRule = const char* (*)(const AttributeDecodeState& state);

// Appends whole attributes (header included) to an attribute block.
struct AttributeSink {
    WireWriter writer;
    bool overflow = false;  // some value exceeded 65535 octets and could not be framed
};
using AttributeEncoder = void (*)(const PathAttributes& attributes, const EncodeContext& context, AttributeSink& sink);

struct AttributeDescriptor {
    AttributeType type;
    const char* name;
    std::uint8_t flags;                // the Optional and Transitive bits it must carry (RFC 4271 §5)
    ErrorAction malformed_action;      // RFC 7606 §7 for this type
    AttributeIgnoreRule ignored;       // nullptr: never ignored
    AttributeDecoder decode;
    AttributeEncoder encode;           // nullptr for MP_REACH/MP_UNREACH (they carry NLRI)
};

// nullptr for a type code we do not implement.
[[nodiscard]] const AttributeDescriptor* find_attribute_descriptor(std::uint8_t type) noexcept;

// What the attribute walk found besides the decoded values in `out`.
struct AttributeListOutcome {
    std::optional<WireError> session_reset;     // stop: the session must be reset
    std::optional<WireError> withdraw_cause;    // first treat-as-withdraw fault, for RFC 7606 §5.2
    bool list_unreadable = false;               // an RFC 7606 §4 length conflict stopped the walk
    std::array<std::uint64_t, 4> present{};     // type codes seen (first occurrence)

    [[nodiscard]] bool has(AttributeType type) const noexcept {
        const auto code = static_cast<unsigned>(type);
        return (present[code / 64] >> (code % 64)) & 1U;
    }
};

// Walks the Path Attributes field: flags, length and duplicate checks, one descriptor
// per type, unknown attributes, then the RFC 6793 §4.2.3 AS4 reconciliation when the
// peer is an OLD (2-octet) speaker.
[[nodiscard]] AttributeListOutcome decode_path_attributes(WireReader list, const DecodeContext& context,
                                                          bool classic_nlri_present, UpdateMessage& out);

// encode_path_attributes with the options the packer needs. Returns false if some
// attribute could not be framed (value > 65535 octets); the block is then unusable.
struct AttributeBlockOptions {
    bool include_next_hop = true;  // false for MP-only UPDATEs (RFC 7606 §5.2: SHOULD NOT carry it)
};
bool encode_attribute_block(const PathAttributes& attributes, const EncodeContext& context,
                            AttributeBlockOptions options, Bytes& out);

// ---- MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760 §3, §4; RFC 2545 §3) ----------------

// Octets of the next-hop field: 4 for IPv4, 16 or 32 (with link-local) for IPv6.
[[nodiscard]] std::size_t mp_next_hop_size(const IpAddress& next_hop, const std::optional<IpAddress>& link_local) noexcept;
[[nodiscard]] constexpr std::size_t mp_reach_value_size(std::size_t next_hop_size, std::size_t nlri_bytes) noexcept {
    return 2 + 1 + 1 + next_hop_size + 1 + nlri_bytes;  // AFI, SAFI, NH length, NH, reserved, NLRI
}
[[nodiscard]] constexpr std::size_t mp_unreach_value_size(std::size_t nlri_bytes) noexcept {
    return 2 + 1 + nlri_bytes;  // AFI, SAFI, withdrawn routes
}
// Each appends one whole attribute. Returns false if it cannot be framed.
bool encode_mp_reach(AfiSafi family, const IpAddress& next_hop, const std::optional<IpAddress>& link_local,
                     std::span<const Nlri> prefixes, bool add_path, Bytes& out);
bool encode_mp_unreach(AfiSafi family, std::span<const Nlri> prefixes, bool add_path, Bytes& out);

// Writes the 19-octet header with a zero length; patch_message_length fills it in.
void begin_message(MessageType type, Bytes& out);
void patch_message_length(std::size_t message_start, Bytes& out);

}  // namespace bgpemu::bgp::update_codec
