// Path attributes on the wire: one descriptor per type code (expected flags, RFC 7606
// error action, decoder, encoder), the walk over an UPDATE's Path Attributes field with
// the RFC 7606 §3/§4 rules, the RFC 6793 §4.2.3 AS4 reconciliation, and the attribute
// block encoder.
//
// Where we choose among what the RFCs allow:
// - MP_REACH/MP_UNREACH for an AFI/SAFI other than IPv4/IPv6 unicast are ignored
//   (attribute discard, recorded): we only ever negotiate those two, a peer sending
//   another family is outside the session's contract, and RFC 7606 §5.4 / RFC 4760 §7
//   allow dropping that family's routes instead of resetting everything else.
// - Errors that RFC 7606 answers with "session reset or AFI/SAFI disable" reset the
//   session: we carry no per-family disable state (see ErrorAction::afisafi_disable).
// - MP_REACH/MP_UNREACH are encoded first (RFC 7606 §5.1 revises RFC 4271 §5's ascending
//   order for them); every other attribute goes out in ascending type order.
#include <algorithm>

#include "bgp/wire/attributes_codec.hpp"

namespace bgpemu::bgp::update_codec {

namespace {

namespace flag = attribute_flag;
using Fault = std::optional<AttributeFault>;

constexpr std::uint8_t well_known = flag::transitive;                          // RFC 4271 §5
constexpr std::uint8_t optional_transitive = flag::optional | flag::transitive;
constexpr std::uint8_t optional_non_transitive = flag::optional;
constexpr std::uint8_t category_bits = flag::optional | flag::transitive;

[[nodiscard]] constexpr std::uint8_t code(AttributeType type) noexcept { return static_cast<std::uint8_t>(type); }

// ---- Fault helpers --------------------------------------------------------------------

[[nodiscard]] Fault length_fault(const char* reason) {
    return AttributeFault{update_subcode::attribute_length_error, reason, std::nullopt, std::nullopt, true};
}
[[nodiscard]] Fault value_fault(std::uint8_t subcode, const char* reason) {
    return AttributeFault{subcode, reason, std::nullopt, std::nullopt, true};
}
[[nodiscard]] Fault fault_with_action(std::uint8_t subcode, const char* reason, ErrorAction action) {
    return AttributeFault{subcode, reason, action, std::nullopt, true};
}
// A dropped attribute that is not an error (the peer's rule says to ignore it).
[[nodiscard]] Fault ignored(const char* reason) {
    return fault_with_action(update_subcode::optional_attribute_error, reason, ErrorAction::attribute_discard);
}

// Reads a value made of 4-octet words (COMMUNITIES, CLUSTER_LIST).
void read_u32_list(WireReader value, std::vector<std::uint32_t>& out) {
    out.reserve(value.remaining() / 4);
    std::uint32_t word = 0;
    while (value.read_u32(word)) out.push_back(word);
}

// ---- Ignore rules ---------------------------------------------------------------------

const char* ignore_next_hop(const AttributeDecodeState& state) {
    // RFC 7606 §5.2: an UPDATE without NLRI in its NLRI field SHOULD NOT carry NEXT_HOP,
    // and the receiver SHOULD ignore it.
    return state.classic_nlri_present ? nullptr : "NEXT_HOP without IPv4 NLRI ignored (RFC 7606 §5.2)";
}
const char* ignore_local_pref(const AttributeDecodeState& state) {
    // RFC 7606 §7.5: LOCAL_PREF from an external neighbour SHALL be discarded.
    return state.context.peer_is_external ? "LOCAL_PREF from an external peer discarded (RFC 7606 §7.5)" : nullptr;
}
const char* ignore_as4_attribute(const AttributeDecodeState& state) {
    // RFC 6793 §4.1: between NEW speakers AS4_PATH/AS4_AGGREGATOR MUST be discarded.
    return state.context.four_octet_as ? "AS4 attribute from a 4-octet-AS peer discarded (RFC 6793 §4.1)" : nullptr;
}

// ---- Decoders (one per type; RFC 7606 §7 gives each its checks) ------------------------

Fault decode_origin(WireReader value, AttributeDecodeState& state) {
    // RFC 7606 §7.1: length other than 1 or an undefined value is malformed.
    std::uint8_t origin = 0;
    if (value.remaining() != 1 || !value.read_u8(origin)) return length_fault("ORIGIN length is not 1");
    if (origin > static_cast<std::uint8_t>(Origin::incomplete))
        return value_fault(update_subcode::invalid_origin_attribute, "undefined ORIGIN value");
    state.update.attributes.origin = static_cast<Origin>(origin);
    return std::nullopt;
}

[[nodiscard]] bool has_confederation_segment(const AsPath& path) noexcept {
    return std::any_of(path.segments().begin(), path.segments().end(), [](const AsPathSegment& segment) {
        return segment.type == AsPathSegmentType::confed_sequence || segment.type == AsPathSegmentType::confed_set;
    });
}

Fault decode_as_path(WireReader value, AttributeDecodeState& state) {
    auto& attributes = state.update.attributes;
    const unsigned asn_size = state.context.four_octet_as ? 4 : 2;
    // RFC 4271 §6.3 gives Malformed AS_PATH no data; RFC 7606 §7.2 makes it treat-as-withdraw.
    const auto malformed = [](const char* reason) {
        return AttributeFault{update_subcode::malformed_as_path, reason, std::nullopt, std::nullopt, false};
    };
    if (const char* reason = decode_as_path_value(value, asn_size, attributes.as_path)) {
        attributes.as_path.mutable_segments().clear();
        return malformed(reason);
    }
    // RFC 5065 §5.3: confederation segments from a peer outside our confederation (we
    // form none, so any external peer) make the AS_PATH malformed.
    if (state.context.peer_is_external && has_confederation_segment(attributes.as_path)) {
        attributes.as_path.mutable_segments().clear();
        return malformed("confederation segment from an external peer (RFC 5065 §5.3)");
    }
    attributes.has_as_path = true;
    return std::nullopt;
}

[[nodiscard]] bool is_host_address(std::uint32_t address) noexcept {
    // RFC 4271 §6.3: NEXT_HOP must be a valid IP host address: not 0.0.0.0, not
    // multicast (224/4), not the limited broadcast address.
    return address != 0 && (address >> 28) != 0xE && address != 0xFFFFFFFFU;
}

Fault decode_next_hop(WireReader value, AttributeDecodeState& state) {
    std::uint32_t address = 0;
    if (value.remaining() != 4 || !value.read_u32(address)) return length_fault("NEXT_HOP length is not 4");
    // RFC 7606 §7.3 + RFC 4271 §6.3: a semantically invalid NEXT_HOP withdraws the routes.
    if (!is_host_address(address))
        return value_fault(update_subcode::invalid_next_hop_attribute, "NEXT_HOP is not a host address");
    state.update.attributes.next_hop = IpAddress::v4(address);
    return std::nullopt;
}

// MED, LOCAL_PREF, ORIGINATOR_ID, OTC: one 4-octet value (RFC 7606 §7.4, §7.5, §7.9; RFC 9234 §5).
Fault read_u32_value(WireReader value, std::optional<std::uint32_t>& out, const char* length_reason) {
    std::uint32_t word = 0;
    if (value.remaining() != 4 || !value.read_u32(word)) return length_fault(length_reason);
    out = word;
    return std::nullopt;
}
Fault decode_med(WireReader value, AttributeDecodeState& state) {
    return read_u32_value(value, state.update.attributes.med, "MULTI_EXIT_DISC length is not 4");
}
Fault decode_local_pref(WireReader value, AttributeDecodeState& state) {
    return read_u32_value(value, state.update.attributes.local_pref, "LOCAL_PREF length is not 4");
}
Fault decode_originator_id(WireReader value, AttributeDecodeState& state) {
    return read_u32_value(value, state.update.attributes.originator_id, "ORIGINATOR_ID length is not 4");
}
Fault decode_only_to_customer(WireReader value, AttributeDecodeState& state) {
    return read_u32_value(value, state.update.attributes.only_to_customer, "OTC length is not 4");
}

Fault decode_atomic_aggregate(WireReader value, AttributeDecodeState& state) {
    // RFC 7606 §7.6: any length but 0 is malformed (attribute discard).
    if (!value.empty()) return length_fault("ATOMIC_AGGREGATE length is not 0");
    state.update.attributes.atomic_aggregate = true;
    return std::nullopt;
}

// AGGREGATOR / AS4_AGGREGATOR: ASN (2 or 4 octets) + IPv4 address.
Fault read_aggregator(WireReader value, unsigned asn_size, std::optional<Aggregator>& out, const char* length_reason) {
    if (value.remaining() != asn_size + 4) return length_fault(length_reason);
    std::uint32_t asn = 0;
    if (asn_size == 4) {
        (void)value.read_u32(asn);
    } else {
        std::uint16_t asn16 = 0;
        (void)value.read_u16(asn16);
        asn = asn16;
    }
    std::uint32_t address = 0;
    (void)value.read_u32(address);
    // RFC 7607 §2: AS 0 in AGGREGATOR is malformed (attribute discard per RFC 7606 §7.7).
    if (asn == 0) return value_fault(update_subcode::optional_attribute_error, "AS 0 in aggregator (RFC 7607)");
    out = Aggregator{asn, IpAddress::v4(address)};
    return std::nullopt;
}
Fault decode_aggregator(WireReader value, AttributeDecodeState& state) {
    // RFC 7606 §7.7: 6 octets from an OLD speaker, 8 from a NEW one.
    const unsigned asn_size = state.context.four_octet_as ? 4 : 2;
    return read_aggregator(value, asn_size, state.update.attributes.aggregator, "AGGREGATOR length does not match the AS size");
}
Fault decode_as4_aggregator(WireReader value, AttributeDecodeState& state) {
    state.as4_aggregator_offset = state.attribute_offset;
    return read_aggregator(value, 4, state.as4_aggregator, "AS4_AGGREGATOR length is not 8");
}

Fault decode_communities(WireReader value, AttributeDecodeState& state) {
    // RFC 7606 §7.8: zero or not a multiple of 4 is malformed.
    if (value.empty() || value.remaining() % 4 != 0) return length_fault("COMMUNITIES length is not a non-zero multiple of 4");
    read_u32_list(value, state.update.attributes.communities);
    return std::nullopt;
}

Fault decode_cluster_list(WireReader value, AttributeDecodeState& state) {
    // RFC 7606 §7.10: zero or not a multiple of 4 is malformed.
    if (value.empty() || value.remaining() % 4 != 0) return length_fault("CLUSTER_LIST length is not a non-zero multiple of 4");
    read_u32_list(value, state.update.attributes.cluster_list);
    return std::nullopt;
}

Fault decode_extended_communities(WireReader value, AttributeDecodeState& state) {
    // RFC 7606 §7.14: zero or not a multiple of 8 is malformed.
    if (value.empty() || value.remaining() % 8 != 0)
        return length_fault("EXTENDED_COMMUNITIES length is not a non-zero multiple of 8");
    auto& out = state.update.attributes.extended_communities;
    out.reserve(value.remaining() / 8);
    std::uint32_t high = 0;
    std::uint32_t low = 0;
    while (value.read_u32(high) && value.read_u32(low)) out.push_back((std::uint64_t{high} << 32) | low);
    return std::nullopt;
}

Fault decode_large_communities(WireReader value, AttributeDecodeState& state) {
    // RFC 8092 §6: zero or not a multiple of 12 is malformed (treat-as-withdraw).
    if (value.empty() || value.remaining() % 12 != 0)
        return length_fault("LARGE_COMMUNITY length is not a non-zero multiple of 12");
    auto& out = state.update.attributes.large_communities;
    out.reserve(value.remaining() / 12);
    LargeCommunity community;
    while (value.read_u32(community.global_admin) && value.read_u32(community.local_data1) &&
           value.read_u32(community.local_data2))
        out.push_back(community);
    return std::nullopt;
}

Fault decode_as4_path(WireReader value, AttributeDecodeState& state) {
    // RFC 6793 §6: a malformed AS4_PATH is discarded; RFC 7606 §4: only AS_PATH and
    // ATOMIC_AGGREGATE may be empty.
    if (value.empty()) return length_fault("AS4_PATH is empty");
    AsPath path;
    if (const char* reason = decode_as_path_value(value, 4, path))
        return value_fault(update_subcode::optional_attribute_error, reason);
    // RFC 6793 §6: confederation segments in AS4_PATH are discarded, the rest is used.
    strip_confederation_segments(path);
    state.as4_path = std::move(path);
    state.as4_path_offset = state.attribute_offset;
    return std::nullopt;
}

// ---- MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760) -----------------------------------------

[[nodiscard]] std::optional<AfiSafi> supported_family(std::uint16_t afi, std::uint8_t safi) noexcept {
    if (safi != static_cast<std::uint8_t>(Safi::unicast)) return std::nullopt;
    if (afi == static_cast<std::uint16_t>(Afi::ipv4)) return AfiSafi{Afi::ipv4, Safi::unicast};
    if (afi == static_cast<std::uint16_t>(Afi::ipv6)) return AfiSafi{Afi::ipv6, Safi::unicast};
    return std::nullopt;
}

// RFC 4760 §7 / RFC 7606 §7.11-7.12: when the NLRI cannot be located or parsed the
// session is reset; RFC 4271 §6.3 names the subcode for a recognized optional attribute.
[[nodiscard]] Fault mp_reset(const char* reason) {
    return fault_with_action(update_subcode::optional_attribute_error, reason, ErrorAction::session_reset);
}
[[nodiscard]] Fault mp_nlri_reset(const NlriFault& nlri) {
    auto fault = mp_reset(nlri.reason);
    fault->offset = nlri.offset;
    return fault;
}

[[nodiscard]] IpAddress address_from(ByteSpan bytes) noexcept {
    if (bytes.size() == 4) {
        return IpAddress::v4((std::to_integer<std::uint32_t>(bytes[0]) << 24) | (std::to_integer<std::uint32_t>(bytes[1]) << 16) |
                             (std::to_integer<std::uint32_t>(bytes[2]) << 8) | std::to_integer<std::uint32_t>(bytes[3]));
    }
    std::array<std::uint8_t, 16> v6{};
    for (std::size_t i = 0; i < v6.size() && i < bytes.size(); ++i) v6[i] = std::to_integer<std::uint8_t>(bytes[i]);
    return IpAddress::v6(v6);
}

[[nodiscard]] bool usable_mp_next_hop(const IpAddress& next_hop, const std::optional<IpAddress>& link_local) noexcept {
    if (next_hop.is_v4()) return is_host_address(next_hop.v4_value());
    if (next_hop.bytes()[0] == 0xff) return false;             // multicast (RFC 4291 §2.7)
    return !next_hop.is_unspecified() || link_local.has_value();  // "::" only with a link-local beside it
}

Fault decode_mp_reach(WireReader value, AttributeDecodeState& state) {
    std::uint16_t afi = 0;
    std::uint8_t safi = 0;
    std::uint8_t next_hop_length = 0;
    if (!value.read_u16(afi) || !value.read_u8(safi) || !value.read_u8(next_hop_length))
        return mp_reset("MP_REACH_NLRI shorter than its fixed fields");
    const auto family = supported_family(afi, safi);
    if (!family) return ignored("MP_REACH_NLRI for an AFI/SAFI we do not negotiate ignored (RFC 7606 §5.4)");

    // RFC 2545 §3: 16 octets (global) or 32 (global + link-local) for IPv6; 4 for IPv4.
    // RFC 7606 §7.11: any other length means the NLRI cannot be located: session reset.
    const bool length_ok = family->afi == Afi::ipv4 ? next_hop_length == 4 : (next_hop_length == 16 || next_hop_length == 32);
    if (!length_ok) return mp_reset("MP_REACH_NLRI next-hop length inconsistent with the AFI (RFC 7606 §7.11)");
    ByteSpan next_hop_bytes;
    std::uint8_t reserved = 0;  // RFC 4760 §3: ignored on receipt
    if (!value.read_bytes(next_hop_length, next_hop_bytes) || !value.read_u8(reserved))
        return mp_reset("MP_REACH_NLRI next hop overruns the attribute");

    const bool add_path = state.context.add_path_receive.enabled(*family);
    if (auto fault = decode_nlri(value, family->afi, add_path, state.update.mp_reach)) return mp_nlri_reset(*fault);

    auto& attributes = state.update.attributes;
    state.update.mp_reach_family = family;
    attributes.mp_next_hop = address_from(next_hop_bytes.first(address_size(family->afi)));
    if (next_hop_length == 32) attributes.mp_next_hop_link_local = address_from(next_hop_bytes.subspan(16));
    // The NLRI is known, so a next hop that cannot forward can withdraw them (RFC 7606 §7.11
    // leaves next-hop semantics to the family; RFC 4271 §6.3 is the IPv4 model).
    if (!usable_mp_next_hop(*attributes.mp_next_hop, attributes.mp_next_hop_link_local))
        return fault_with_action(update_subcode::optional_attribute_error, "MP_REACH_NLRI next hop is not a host address",
                                 ErrorAction::treat_as_withdraw);
    return std::nullopt;
}

Fault decode_mp_unreach(WireReader value, AttributeDecodeState& state) {
    std::uint16_t afi = 0;
    std::uint8_t safi = 0;
    if (!value.read_u16(afi) || !value.read_u8(safi)) return mp_reset("MP_UNREACH_NLRI shorter than AFI/SAFI");
    const auto family = supported_family(afi, safi);
    if (!family) return ignored("MP_UNREACH_NLRI for an AFI/SAFI we do not negotiate ignored (RFC 7606 §5.4)");
    const bool add_path = state.context.add_path_receive.enabled(*family);
    if (auto fault = decode_nlri(value, family->afi, add_path, state.update.mp_unreach)) return mp_nlri_reset(*fault);
    state.update.mp_unreach_family = family;
    return std::nullopt;
}

// ---- Encoders -------------------------------------------------------------------------

void put_u32_attribute(AttributeSink& sink, std::uint8_t flags, AttributeType type, std::uint32_t value) {
    (void)put_attribute_header(sink.writer, flags, code(type), 4);
    sink.writer.put_u32(value);
}

void put_u32_list_attribute(AttributeSink& sink, std::uint8_t flags, AttributeType type,
                            const std::vector<std::uint32_t>& values) {
    if (values.empty()) return;
    if (!put_attribute_header(sink.writer, flags, code(type), values.size() * 4)) {
        sink.overflow = true;
        return;
    }
    for (const auto value : values) sink.writer.put_u32(value);
}

void encode_origin(const PathAttributes& attributes, const EncodeContext&, AttributeSink& sink) {
    if (!attributes.origin) return;
    (void)put_attribute_header(sink.writer, well_known, code(AttributeType::origin), 1);
    sink.writer.put_u8(static_cast<std::uint8_t>(*attributes.origin));
}

void put_as_path_attribute(AttributeSink& sink, std::uint8_t flags, AttributeType type, const AsPath& path,
                           AsPathEncoding encoding) {
    const std::size_t size = as_path_value_size(path, encoding);
    if (!put_attribute_header(sink.writer, flags, code(type), size)) {
        sink.overflow = true;
        return;
    }
    encode_as_path_value(path, encoding, sink.writer);
}

void encode_as_path(const PathAttributes& attributes, const EncodeContext& context, AttributeSink& sink) {
    if (!attributes.has_as_path && attributes.as_path.empty()) return;
    // RFC 6793 §4.2.2: toward an OLD speaker AS_PATH carries 2-octet ASNs (AS_TRANS for the rest).
    put_as_path_attribute(sink, well_known, AttributeType::as_path, attributes.as_path,
                          AsPathEncoding{context.four_octet_as ? 4U : 2U, false});
}

void encode_as4_path(const PathAttributes& attributes, const EncodeContext& context, AttributeSink& sink) {
    // RFC 6793 §4.2.2: only toward an OLD speaker, only when some ASN is not mappable,
    // and never with confederation segments.
    if (context.four_octet_as || !as_path_needs_as4(attributes.as_path)) return;
    put_as_path_attribute(sink, optional_transitive, AttributeType::as4_path, attributes.as_path, AsPathEncoding{4, true});
}

void encode_next_hop(const PathAttributes& attributes, const EncodeContext&, AttributeSink& sink) {
    if (!attributes.next_hop || !attributes.next_hop->is_v4()) return;
    put_u32_attribute(sink, well_known, AttributeType::next_hop, attributes.next_hop->v4_value());
}

void encode_med(const PathAttributes& attributes, const EncodeContext&, AttributeSink& sink) {
    if (attributes.med) put_u32_attribute(sink, optional_non_transitive, AttributeType::multi_exit_disc, *attributes.med);
}

void encode_local_pref(const PathAttributes& attributes, const EncodeContext&, AttributeSink& sink) {
    // Whether LOCAL_PREF may go to this peer (RFC 4271 §5.1.5: internal peers only) is the
    // export policy's decision; the codec writes what it is given.
    if (attributes.local_pref) put_u32_attribute(sink, well_known, AttributeType::local_pref, *attributes.local_pref);
}

void encode_atomic_aggregate(const PathAttributes& attributes, const EncodeContext&, AttributeSink& sink) {
    if (attributes.atomic_aggregate)
        (void)put_attribute_header(sink.writer, well_known, code(AttributeType::atomic_aggregate), 0);
}

void encode_aggregator(const PathAttributes& attributes, const EncodeContext& context, AttributeSink& sink) {
    if (!attributes.aggregator) return;
    const auto& aggregator = *attributes.aggregator;
    if (context.four_octet_as) {
        (void)put_attribute_header(sink.writer, optional_transitive, code(AttributeType::aggregator), 8);
        sink.writer.put_u32(aggregator.asn);
    } else {
        // RFC 6793 §4.2.2: a non-mappable aggregating AS is sent as AS_TRANS (+ AS4_AGGREGATOR).
        (void)put_attribute_header(sink.writer, optional_transitive, code(AttributeType::aggregator), 6);
        sink.writer.put_u16(static_cast<std::uint16_t>(aggregator.asn > 0xffff ? as_trans : aggregator.asn));
    }
    sink.writer.put_u32(aggregator.address.v4_value());
}

void encode_as4_aggregator(const PathAttributes& attributes, const EncodeContext& context, AttributeSink& sink) {
    if (context.four_octet_as || !attributes.aggregator || attributes.aggregator->asn <= 0xffff) return;
    (void)put_attribute_header(sink.writer, optional_transitive, code(AttributeType::as4_aggregator), 8);
    sink.writer.put_u32(attributes.aggregator->asn);
    sink.writer.put_u32(attributes.aggregator->address.v4_value());
}

void encode_communities(const PathAttributes& attributes, const EncodeContext&, AttributeSink& sink) {
    put_u32_list_attribute(sink, optional_transitive, AttributeType::communities, attributes.communities);
}

void encode_originator_id(const PathAttributes& attributes, const EncodeContext&, AttributeSink& sink) {
    if (attributes.originator_id)
        put_u32_attribute(sink, optional_non_transitive, AttributeType::originator_id, *attributes.originator_id);
}

void encode_cluster_list(const PathAttributes& attributes, const EncodeContext&, AttributeSink& sink) {
    put_u32_list_attribute(sink, optional_non_transitive, AttributeType::cluster_list, attributes.cluster_list);
}

void encode_extended_communities(const PathAttributes& attributes, const EncodeContext&, AttributeSink& sink) {
    const auto& values = attributes.extended_communities;
    if (values.empty()) return;
    if (!put_attribute_header(sink.writer, optional_transitive, code(AttributeType::extended_communities), values.size() * 8)) {
        sink.overflow = true;
        return;
    }
    for (const auto value : values) {
        sink.writer.put_u32(static_cast<std::uint32_t>(value >> 32));
        sink.writer.put_u32(static_cast<std::uint32_t>(value));
    }
}

void encode_large_communities(const PathAttributes& attributes, const EncodeContext&, AttributeSink& sink) {
    const auto& values = attributes.large_communities;
    if (values.empty()) return;
    if (!put_attribute_header(sink.writer, optional_transitive, code(AttributeType::large_communities), values.size() * 12)) {
        sink.overflow = true;
        return;
    }
    for (const auto& value : values) {
        sink.writer.put_u32(value.global_admin);
        sink.writer.put_u32(value.local_data1);
        sink.writer.put_u32(value.local_data2);
    }
}

void encode_only_to_customer(const PathAttributes& attributes, const EncodeContext&, AttributeSink& sink) {
    if (attributes.only_to_customer)
        put_u32_attribute(sink, optional_transitive, AttributeType::only_to_customer, *attributes.only_to_customer);
}

// An unknown attribute is forwarded as received, marked Partial if it is transitive
// (RFC 4271 §5: "the Partial bit is set to 1 ... if an optional transitive attribute is
// unrecognized"). A well-known bit is never sent for a type we do not know.
void encode_raw(const RawAttribute& raw, AttributeSink& sink) {
    const bool transitive = (raw.flags & flag::transitive) != 0;
    const auto flags = static_cast<std::uint8_t>(flag::optional | (transitive ? flag::transitive | flag::partial : 0));
    if (!put_attribute_header(sink.writer, flags, raw.type, raw.value.size())) {
        sink.overflow = true;
        return;
    }
    sink.writer.put_bytes(raw.value);
}

// ---- The descriptor table ---------------------------------------------------------------
// Ascending type code: the encoder walks it in this order. Error actions are RFC 7606 §7
// (§7.1-7.12, 7.14), RFC 6793 §6 for the AS4 attributes, RFC 8092 §6, RFC 9234 §5.

constexpr auto withdraw = ErrorAction::treat_as_withdraw;
constexpr auto discard = ErrorAction::attribute_discard;
constexpr auto reset = ErrorAction::session_reset;

constexpr std::array<AttributeDescriptor, 17> descriptors{{
    {AttributeType::origin, "ORIGIN", well_known, withdraw, nullptr, decode_origin, encode_origin},
    {AttributeType::as_path, "AS_PATH", well_known, withdraw, nullptr, decode_as_path, encode_as_path},
    {AttributeType::next_hop, "NEXT_HOP", well_known, withdraw, ignore_next_hop, decode_next_hop, encode_next_hop},
    {AttributeType::multi_exit_disc, "MULTI_EXIT_DISC", optional_non_transitive, withdraw, nullptr, decode_med, encode_med},
    {AttributeType::local_pref, "LOCAL_PREF", well_known, withdraw, ignore_local_pref, decode_local_pref, encode_local_pref},
    {AttributeType::atomic_aggregate, "ATOMIC_AGGREGATE", well_known, discard, nullptr, decode_atomic_aggregate,
     encode_atomic_aggregate},
    {AttributeType::aggregator, "AGGREGATOR", optional_transitive, discard, nullptr, decode_aggregator, encode_aggregator},
    {AttributeType::communities, "COMMUNITIES", optional_transitive, withdraw, nullptr, decode_communities,
     encode_communities},
    {AttributeType::originator_id, "ORIGINATOR_ID", optional_non_transitive, withdraw, nullptr, decode_originator_id,
     encode_originator_id},
    {AttributeType::cluster_list, "CLUSTER_LIST", optional_non_transitive, withdraw, nullptr, decode_cluster_list,
     encode_cluster_list},
    {AttributeType::mp_reach_nlri, "MP_REACH_NLRI", optional_non_transitive, reset, nullptr, decode_mp_reach, nullptr},
    {AttributeType::mp_unreach_nlri, "MP_UNREACH_NLRI", optional_non_transitive, reset, nullptr, decode_mp_unreach,
     nullptr},
    {AttributeType::extended_communities, "EXTENDED_COMMUNITIES", optional_transitive, withdraw, nullptr,
     decode_extended_communities, encode_extended_communities},
    {AttributeType::as4_path, "AS4_PATH", optional_transitive, discard, ignore_as4_attribute, decode_as4_path,
     encode_as4_path},
    {AttributeType::as4_aggregator, "AS4_AGGREGATOR", optional_transitive, discard, ignore_as4_attribute,
     decode_as4_aggregator, encode_as4_aggregator},
    {AttributeType::large_communities, "LARGE_COMMUNITY", optional_transitive, withdraw, nullptr,
     decode_large_communities, encode_large_communities},
    {AttributeType::only_to_customer, "OTC", optional_transitive, withdraw, nullptr, decode_only_to_customer,
     encode_only_to_customer},
}};

constexpr std::array<std::int8_t, 256> descriptor_index = [] {
    std::array<std::int8_t, 256> index{};
    index.fill(-1);
    for (std::size_t i = 0; i < descriptors.size(); ++i) index[code(descriptors[i].type)] = static_cast<std::int8_t>(i);
    return index;
}();

static_assert([] {
    for (std::size_t i = 1; i < descriptors.size(); ++i)
        if (code(descriptors[i - 1].type) >= code(descriptors[i].type)) return false;
    return true;
}(), "the descriptor table must be in ascending type order");

}  // namespace

const AttributeDescriptor* find_attribute_descriptor(std::uint8_t type) noexcept {
    const auto index = descriptor_index[type];
    return index < 0 ? nullptr : &descriptors[static_cast<std::size_t>(index)];
}

bool put_attribute_header(WireWriter& writer, std::uint8_t flags, std::uint8_t type, std::size_t value_length) {
    if (value_length > 0xffff) return false;
    const bool extended = value_length > 255;
    // The Extended Length bit is ours to choose; clear whatever the caller passed.
    const auto base = static_cast<std::uint8_t>(flags & ~flag::extended_length);
    writer.put_u8(static_cast<std::uint8_t>(extended ? base | flag::extended_length : base));
    writer.put_u8(type);
    if (extended) {
        writer.put_u16(static_cast<std::uint16_t>(value_length));
    } else {
        writer.put_u8(static_cast<std::uint8_t>(value_length));
    }
    return true;
}

bool encode_attribute_block(const PathAttributes& attributes, const EncodeContext& context, AttributeBlockOptions options,
                            Bytes& out) {
    AttributeSink sink{WireWriter(out), false};
    const auto emit_raw = [&](const RawAttribute& raw) {
        if (find_attribute_descriptor(raw.type) == nullptr) encode_raw(raw, sink);  // never shadow a known type
    };
    // RFC 4271 §5: ascending type order, unknown attributes merged in at their type.
    auto raw = attributes.unknown.begin();
    for (const auto& descriptor : descriptors) {
        for (; raw != attributes.unknown.end() && raw->type < code(descriptor.type); ++raw) emit_raw(*raw);
        if (descriptor.encode == nullptr) continue;
        if (descriptor.type == AttributeType::next_hop && !options.include_next_hop) continue;
        descriptor.encode(attributes, context, sink);
    }
    for (; raw != attributes.unknown.end(); ++raw) emit_raw(*raw);
    return !sink.overflow;
}

// ---- The attribute-list walk (RFC 7606 §3, §4) -------------------------------------------

namespace {

class AttributeListWalker {
public:
    AttributeListWalker(const DecodeContext& context, bool classic_nlri_present, UpdateMessage& out)
        : state_{out, context, classic_nlri_present, 0, 0, std::nullopt, 0, std::nullopt, 0} {}

    AttributeListOutcome run(WireReader list) {
        while (!list.empty() && !outcome_.session_reset) {
            if (!step(list)) break;
        }
        if (!outcome_.session_reset && !state_.context.four_octet_as) reconcile_as4();
        return std::move(outcome_);
    }

private:
    // Reads and handles one attribute; false when the rest of the list cannot be parsed.
    bool step(WireReader& list) {
        const std::size_t start = list.offset();
        const ByteSpan rest = list.rest();
        std::uint8_t flags = 0;
        std::uint8_t type = 0;
        std::size_t length = 0;
        if (!read_header(list, flags, type, length)) {
            // RFC 7606 §4 (second case): not enough octets left for an attribute header.
            list_length_fault(start, type, "too few octets left for an attribute header (RFC 7606 §4)");
            return false;
        }
        const std::size_t header = (flags & flag::extended_length) != 0 ? 4 : 3;
        auto value = list.sub_reader(length);
        if (!value) {
            // RFC 7606 §4 (first case): the attribute overruns the Path Attributes field.
            list_length_fault(start, type, "attribute overruns the Path Attributes field (RFC 7606 §4)");
            return false;
        }
        handle(flags, type, *value, rest.first(header + length), start);
        return true;
    }

    static bool read_header(WireReader& list, std::uint8_t& flags, std::uint8_t& type, std::size_t& length) {
        if (list.remaining() < 3 || !list.read_u8(flags) || !list.read_u8(type)) return false;
        if ((flags & flag::extended_length) != 0) {
            std::uint16_t length16 = 0;
            if (!list.read_u16(length16)) return false;
            length = length16;
        } else {
            std::uint8_t length8 = 0;
            if (!list.read_u8(length8)) return false;
            length = length8;
        }
        return true;
    }

    void handle(std::uint8_t flags, std::uint8_t type, WireReader value, ByteSpan whole, std::size_t start) {
        if (seen(type)) {
            // RFC 7606 §3 g: a repeated MP attribute resets; any other repeat is dropped.
            if (type == code(AttributeType::mp_reach_nlri) || type == code(AttributeType::mp_unreach_nlri)) {
                outcome_.session_reset = WireError{ErrorAction::session_reset, ErrorCode::update_message,
                                                   update_subcode::malformed_attribute_list, {}, start,
                                                   "MP_REACH_NLRI or MP_UNREACH_NLRI repeated (RFC 7606 §3 g)"};
            } else {
                record(type, ErrorAction::attribute_discard, start, "repeated attribute ignored (RFC 7606 §3 g)");
            }
            return;
        }
        mark_seen(type);
        const AttributeDescriptor* descriptor = find_attribute_descriptor(type);
        if (descriptor == nullptr) {
            handle_unknown(flags, type, value, whole, start);
            return;
        }
        state_.flags = flags;
        state_.attribute_offset = start;
        if (descriptor->ignored != nullptr) {
            if (const char* reason = descriptor->ignored(state_)) {
                record(type, ErrorAction::attribute_discard, start, reason);
                return;
            }
        }
        if ((flags & category_bits) == descriptor->flags) {
            if (auto fault = descriptor->decode(value, state_)) apply(*descriptor, *fault, whole, start);
            return;
        }
        // RFC 7606 §3 c: Optional/Transitive bits that conflict with the type make the
        // attribute malformed, handled as treat-as-withdraw. MP attributes are still
        // parsed, since their NLRI are what gets withdrawn.
        AttributeFault fault = *fault_with_action(update_subcode::attribute_flags_error,
                                                  "attribute flags conflict with the type (RFC 7606 §3 c)",
                                                  ErrorAction::treat_as_withdraw);
        if (descriptor->malformed_action == ErrorAction::session_reset) {
            if (auto decode_fault = descriptor->decode(value, state_);
                decode_fault && decode_fault->action.value_or(descriptor->malformed_action) > ErrorAction::treat_as_withdraw)
                fault = *decode_fault;
        }
        apply(*descriptor, fault, whole, start);
    }

    void handle_unknown(std::uint8_t flags, std::uint8_t type, WireReader value, ByteSpan whole, std::size_t start) {
        if ((flags & flag::optional) == 0) {
            // RFC 4271 §6.3 (unchanged by RFC 7606): unrecognized well-known attribute.
            outcome_.session_reset = WireError{ErrorAction::session_reset, ErrorCode::update_message,
                                               update_subcode::unrecognized_well_known_attribute,
                                               Bytes(whole.begin(), whole.end()), start,
                                               "unrecognized well-known attribute"};
            return;
        }
        if ((flags & flag::transitive) == 0) {
            // RFC 4271 §5: an unrecognized non-transitive attribute is quietly ignored.
            record(type, ErrorAction::attribute_discard, start, "unrecognized optional non-transitive attribute ignored");
            return;
        }
        // RFC 4271 §5: kept and passed on; the Extended Length bit is re-chosen on encode.
        auto& unknown = state_.update.attributes.unknown;
        const auto at = std::upper_bound(unknown.begin(), unknown.end(), type,
                                         [](std::uint8_t t, const RawAttribute& raw) { return t < raw.type; });
        const ByteSpan bytes = value.rest();
        unknown.insert(at, RawAttribute{static_cast<std::uint8_t>(flags & ~flag::extended_length), type,
                                        Bytes(bytes.begin(), bytes.end())});
    }

    void apply(const AttributeDescriptor& descriptor, const AttributeFault& fault, ByteSpan whole, std::size_t start) {
        const ErrorAction action = fault.action.value_or(descriptor.malformed_action);
        const std::size_t offset = fault.offset.value_or(start);
        const std::uint8_t type = code(descriptor.type);
        if (action == ErrorAction::attribute_discard) {
            record(type, action, offset, fault.reason);
            return;
        }
        WireError error{action, ErrorCode::update_message, fault.subcode,
                        fault.data_is_attribute ? Bytes(whole.begin(), whole.end()) : Bytes{}, offset, fault.reason};
        if (action == ErrorAction::treat_as_withdraw) {
            record(type, action, offset, fault.reason);
            state_.update.treat_as_withdraw = true;
            if (!outcome_.withdraw_cause) outcome_.withdraw_cause = std::move(error);
            return;
        }
        // session_reset, and afisafi_disable which we do not keep state for.
        error.action = ErrorAction::session_reset;
        outcome_.session_reset = std::move(error);
    }

    // RFC 7606 §4: the rest of the list is unreadable; treat-as-withdraw, and the NLRI
    // field is still found from the Total Path Attribute Length.
    void list_length_fault(std::size_t offset, std::uint8_t type, const char* reason) {
        record(type, ErrorAction::treat_as_withdraw, offset, reason);
        state_.update.treat_as_withdraw = true;
        outcome_.list_unreadable = true;
        if (!outcome_.withdraw_cause) {
            outcome_.withdraw_cause = WireError{ErrorAction::treat_as_withdraw, ErrorCode::update_message,
                                                update_subcode::malformed_attribute_list, {}, offset, reason};
        }
    }

    // RFC 6793 §4.2.3, for UPDATEs from an OLD (2-octet) speaker.
    void reconcile_as4() {
        auto& attributes = state_.update.attributes;
        if (state_.as4_aggregator) {
            if (!attributes.aggregator) {
                record(code(AttributeType::as4_aggregator), ErrorAction::attribute_discard, state_.as4_aggregator_offset,
                       "AS4_AGGREGATOR without AGGREGATOR ignored");
            } else if (attributes.aggregator->asn != as_trans) {
                // "If the AGGREGATOR attribute contains an AS number other than AS_TRANS,
                // then the AS4_AGGREGATOR and the AS4_PATH attributes SHALL be ignored."
                record(code(AttributeType::as4_aggregator), ErrorAction::attribute_discard, state_.as4_aggregator_offset,
                       "AGGREGATOR is not AS_TRANS: AS4_AGGREGATOR ignored (RFC 6793 §4.2.3)");
                if (state_.as4_path) {
                    record(code(AttributeType::as4_path), ErrorAction::attribute_discard, state_.as4_path_offset,
                           "AGGREGATOR is not AS_TRANS: AS4_PATH ignored (RFC 6793 §4.2.3)");
                }
                return;
            } else {
                attributes.aggregator = state_.as4_aggregator;
            }
        }
        if (!state_.as4_path || !attributes.has_as_path) return;
        if (attributes.as_path.decision_length() < state_.as4_path->decision_length()) {
            record(code(AttributeType::as4_path), ErrorAction::attribute_discard, state_.as4_path_offset,
                   "AS4_PATH longer than AS_PATH ignored (RFC 6793 §4.2.3)");
            return;
        }
        attributes.as_path = merge_as4_path(attributes.as_path, *state_.as4_path);
    }

    void record(std::uint8_t type, ErrorAction action, std::size_t offset, const char* reason) {
        state_.update.discarded.push_back(DiscardedAttribute{type, action, offset, reason});
    }

    [[nodiscard]] bool seen(std::uint8_t type) const noexcept { return (outcome_.present[type / 64] >> (type % 64)) & 1U; }
    void mark_seen(std::uint8_t type) noexcept { outcome_.present[type / 64] |= std::uint64_t{1} << (type % 64); }

    AttributeDecodeState state_;
    AttributeListOutcome outcome_;
};

}  // namespace

AttributeListOutcome decode_path_attributes(WireReader list, const DecodeContext& context, bool classic_nlri_present,
                                            UpdateMessage& out) {
    return AttributeListWalker(context, classic_nlri_present, out).run(list);
}

// ---- MP_REACH / MP_UNREACH encoding ------------------------------------------------------

std::size_t mp_next_hop_size(const IpAddress& next_hop, const std::optional<IpAddress>& link_local) noexcept {
    if (next_hop.is_v4()) return 4;
    return link_local ? 32 : 16;  // RFC 2545 §3
}

bool encode_mp_reach(AfiSafi family, const IpAddress& next_hop, const std::optional<IpAddress>& link_local,
                     std::span<const Nlri> prefixes, bool add_path, Bytes& out) {
    const std::size_t next_hop_size = mp_next_hop_size(next_hop, link_local);
    const std::size_t value_size = mp_reach_value_size(next_hop_size, nlri_list_wire_size(prefixes, add_path));
    WireWriter writer(out);
    if (!put_attribute_header(writer, optional_non_transitive, code(AttributeType::mp_reach_nlri), value_size))
        return false;
    writer.put_u16(static_cast<std::uint16_t>(family.afi));
    writer.put_u8(static_cast<std::uint8_t>(family.safi));
    writer.put_u8(static_cast<std::uint8_t>(next_hop_size));
    const auto as_bytes = [](const IpAddress& address, std::size_t size) {
        return std::as_bytes(std::span(address.bytes())).first(size);
    };
    if (next_hop.is_v4()) {
        writer.put_bytes(as_bytes(next_hop, 4));
    } else {
        writer.put_bytes(as_bytes(next_hop, 16));
        if (link_local) writer.put_bytes(as_bytes(*link_local, 16));
    }
    writer.put_u8(0);  // reserved (RFC 4760 §3)
    encode_nlri_list(prefixes, add_path, out);
    return true;
}

bool encode_mp_unreach(AfiSafi family, std::span<const Nlri> prefixes, bool add_path, Bytes& out) {
    const std::size_t value_size = mp_unreach_value_size(nlri_list_wire_size(prefixes, add_path));
    WireWriter writer(out);
    if (!put_attribute_header(writer, optional_non_transitive, code(AttributeType::mp_unreach_nlri), value_size))
        return false;
    writer.put_u16(static_cast<std::uint16_t>(family.afi));
    writer.put_u8(static_cast<std::uint8_t>(family.safi));
    encode_nlri_list(prefixes, add_path, out);
    return true;
}

}  // namespace bgpemu::bgp::update_codec

namespace bgpemu::bgp {

void encode_path_attributes(const PathAttributes& attributes, const EncodeContext& context, Bytes& out) {
    (void)update_codec::encode_attribute_block(attributes, context, {}, out);
}

}  // namespace bgpemu::bgp
