// UPDATE messages (RFC 4271 §4.3) on the wire: the receive hot path decode_update, its
// encoder, and the NLRI field codec shared with MP_REACH/MP_UNREACH and the packer.
//
// Decode order and error handling:
//   header length -> Withdrawn Routes Length -> Total Path Attribute Length
//   (RFC 4271 §6.3: either overrunning the message is Malformed Attribute List, reset)
//   -> Withdrawn Routes -> Path Attributes (attributes.cpp, RFC 7606 §3/§4/§7)
//   -> NLRI (RFC 7606 §3 i, §5.3: unparseable prefixes reset with Invalid Network Field)
//   -> missing well-known attributes (RFC 7606 §3 d) -> RFC 7606 §5.2 escalation.
// Only session resets come back as a WireError; discards and treat-as-withdraw are
// reported in the UpdateMessage.
#include "bgp/wire/attributes_codec.hpp"

namespace bgpemu::bgp {

namespace update_codec {

namespace {

[[nodiscard]] IpAddress address_from_prefix_bytes(Afi afi, ByteSpan bytes) noexcept {
    if (afi == Afi::ipv4) {
        std::uint32_t value = 0;
        unsigned shift = 24;
        for (const std::byte b : bytes) {
            value |= std::to_integer<std::uint32_t>(b) << shift;
            shift -= 8;
        }
        return IpAddress::v4(value);
    }
    std::array<std::uint8_t, 16> v6{};
    for (std::size_t i = 0; i < bytes.size(); ++i) v6[i] = std::to_integer<std::uint8_t>(bytes[i]);
    return IpAddress::v6(v6);
}

}  // namespace

std::optional<NlriFault> decode_nlri(WireReader reader, Afi afi, bool add_path, std::vector<Nlri>& out) {
    const unsigned max_length = max_prefix_length(afi);
    while (!reader.empty()) {
        const std::size_t at = reader.offset();
        std::uint32_t path_id = 0;
        if (add_path && !reader.read_u32(path_id)) return NlriFault{at, "path identifier truncated (RFC 7911 §3)"};
        std::uint8_t length = 0;
        if (!reader.read_u8(length)) return NlriFault{at, "prefix length missing after the path identifier"};
        if (length > max_length) return NlriFault{at, "prefix length longer than the address"};
        ByteSpan bytes;
        if (!reader.read_bytes((length + 7U) / 8U, bytes)) return NlriFault{at, "prefix overruns its field"};
        // Prefix::make clears the trailing bits, which RFC 4271 §4.3 calls irrelevant.
        out.push_back(Nlri{Prefix::make(address_from_prefix_bytes(afi, bytes), length), path_id});
    }
    return std::nullopt;
}

std::size_t nlri_list_wire_size(std::span<const Nlri> prefixes, bool add_path) noexcept {
    std::size_t size = 0;
    for (const auto& nlri : prefixes) size += nlri_wire_size(nlri, add_path);
    return size;
}

void encode_nlri_list(std::span<const Nlri> prefixes, bool add_path, Bytes& out) {
    reserve_more(out, nlri_list_wire_size(prefixes, add_path));
    WireWriter writer(out);
    for (const auto& nlri : prefixes) {
        if (add_path) writer.put_u32(nlri.path_id);
        const unsigned length = nlri.prefix.length();
        writer.put_u8(static_cast<std::uint8_t>(length));
        writer.put_bytes(std::as_bytes(std::span(nlri.prefix.address().bytes())).first((length + 7U) / 8U));
    }
}

void begin_message(MessageType type, Bytes& out) {
    out.insert(out.end(), 16, std::byte{0xff});  // marker (RFC 4271 §4.1)
    WireWriter writer(out);
    writer.put_u16(0);
    writer.put_u8(static_cast<std::uint8_t>(type));
}

void patch_message_length(std::size_t message_start, Bytes& out) {
    WireWriter(out).patch_u16(message_start + 16, static_cast<std::uint16_t>(out.size() - message_start));
}

}  // namespace update_codec

namespace {

using namespace update_codec;

[[nodiscard]] WireError update_error(std::uint8_t subcode, std::size_t offset, const char* reason, Bytes data = {}) {
    return WireError{ErrorAction::session_reset, ErrorCode::update_message, subcode, std::move(data), offset, reason};
}

// decode_update is also called directly (not only through decode_message), so it checks
// the length it relies on: RFC 4271 §6.1, data = the Length field.
[[nodiscard]] std::optional<WireError> check_header(ByteSpan message) {
    const auto bad_length = [&](const char* reason) {
        Bytes data;
        if (message.size() >= 18) data.assign(message.begin() + 16, message.begin() + 18);
        return WireError{ErrorAction::session_reset, ErrorCode::message_header, header_subcode::bad_message_length,
                         std::move(data), 16, reason};
    };
    if (message.size() < minimum_update_size) return bad_length("UPDATE shorter than 23 octets");
    WireReader reader(message);
    std::uint16_t length = 0;
    (void)reader.skip(16);
    (void)reader.read_u16(length);
    if (length != message.size()) return bad_length("UPDATE length field does not match the message size");
    return std::nullopt;
}

// RFC 7606 §3 d: a missing well-known mandatory attribute withdraws the UPDATE's routes.
// ORIGIN and AS_PATH go with any reachable NLRI; NEXT_HOP only with the NLRI field
// (RFC 4760 §3 carries the next hop of MP_REACH_NLRI itself).
void check_mandatory_attributes(const AttributeListOutcome& outcome, std::size_t attributes_offset, UpdateMessage& out) {
    const bool classic = !out.nlri.empty();
    if (!classic && out.mp_reach.empty()) return;
    const auto require = [&](AttributeType type) {
        if (outcome.has(type)) return;
        out.treat_as_withdraw = true;
        out.discarded.push_back(DiscardedAttribute{static_cast<std::uint8_t>(type), ErrorAction::treat_as_withdraw,
                                                   attributes_offset,
                                                   "missing well-known mandatory attribute (RFC 7606 §3 d)"});
    };
    require(AttributeType::origin);
    require(AttributeType::as_path);
    if (classic) require(AttributeType::next_hop);
}

// RFC 7606 §5.2: an UPDATE that carries path attributes (other than MP_UNREACH_NLRI)
// but no reachable NLRI cannot be handled by treat-as-withdraw; it resets the session.
[[nodiscard]] bool needs_session_reset_for_no_nlri(const AttributeListOutcome& outcome, const UpdateMessage& out) {
    if (!out.treat_as_withdraw || !out.nlri.empty() || !out.mp_reach.empty()) return false;
    if (outcome.list_unreadable) return true;
    auto others = outcome.present;
    const unsigned unreach = static_cast<unsigned>(AttributeType::mp_unreach_nlri);
    others[unreach / 64] &= ~(std::uint64_t{1} << (unreach % 64));
    return others != decltype(others){};
}

[[nodiscard]] std::size_t update_wire_size_hint(const UpdateMessage& update, const EncodeContext& context) noexcept {
    const bool v4 = context.add_path_send.ipv4_unicast;
    const bool v6 = context.add_path_send.ipv6_unicast;
    return minimum_update_size + 64 + nlri_list_wire_size(update.withdrawn, v4) + nlri_list_wire_size(update.nlri, v4) +
           nlri_list_wire_size(update.mp_reach, v6) + nlri_list_wire_size(update.mp_unreach, v6);
}

}  // namespace

std::optional<WireError> decode_update(ByteSpan message, const DecodeContext& context, UpdateMessage& out) {
    out.clear();
    if (auto error = check_header(message)) return error;

    WireReader reader(message);
    (void)reader.skip(header_size);
    std::uint16_t withdrawn_length = 0;
    (void)reader.read_u16(withdrawn_length);  // check_header guaranteed 23 octets
    auto withdrawn = reader.sub_reader(withdrawn_length);
    // RFC 4271 §6.3: "If the Withdrawn Routes Length or Total Attribute Length is too
    // large ... the Error Subcode MUST be set to Malformed Attribute List."
    if (!withdrawn || reader.remaining() < 2)
        return update_error(update_subcode::malformed_attribute_list, withdrawn_length_offset,
                            "Withdrawn Routes Length overruns the message");
    const std::size_t attribute_length_offset = reader.offset();
    std::uint16_t attribute_length = 0;
    (void)reader.read_u16(attribute_length);
    auto attributes = reader.sub_reader(attribute_length);
    if (!attributes)
        return update_error(update_subcode::malformed_attribute_list, attribute_length_offset,
                            "Total Path Attribute Length overruns the message");
    const WireReader nlri = reader;  // everything after the attributes

    // RFC 7606 §3 i: the Withdrawn Routes field is checked like the NLRI field (§5.3).
    const bool ipv4_add_path = context.add_path_receive.ipv4_unicast;
    if (auto fault = decode_nlri(*withdrawn, Afi::ipv4, ipv4_add_path, out.withdrawn))
        return update_error(update_subcode::invalid_network_field, fault->offset, fault->reason);

    auto outcome = decode_path_attributes(*attributes, context, !nlri.empty(), out);
    if (outcome.session_reset) return std::move(outcome.session_reset);

    // RFC 4271 §6.3 / RFC 7606 §5.3: an NLRI field that cannot be parsed resets.
    if (auto fault = decode_nlri(nlri, Afi::ipv4, ipv4_add_path, out.nlri))
        return update_error(update_subcode::invalid_network_field, fault->offset, fault->reason);

    check_mandatory_attributes(outcome, attributes->offset(), out);
    if (needs_session_reset_for_no_nlri(outcome, out)) {
        WireError error = outcome.withdraw_cause
                              ? std::move(*outcome.withdraw_cause)
                              : update_error(update_subcode::malformed_attribute_list, attribute_length_offset, "");
        error.action = ErrorAction::session_reset;
        return error;
    }
    return std::nullopt;
}

bool encode_update(const UpdateMessage& update, const EncodeContext& context, Bytes& out) {
    const std::size_t start = out.size();
    reserve_more(out, update_wire_size_hint(update, context));
    begin_message(MessageType::update, out);
    WireWriter writer(out);
    const bool ipv4_add_path = context.add_path_send.ipv4_unicast;

    const std::size_t withdrawn_at = writer.reserve_u16();
    encode_nlri_list(update.withdrawn, ipv4_add_path, out);
    const std::size_t withdrawn_length = out.size() - withdrawn_at - 2;

    const std::size_t attributes_at = writer.reserve_u16();
    bool framed = true;
    // RFC 7606 §5.1: MP_REACH_NLRI / MP_UNREACH_NLRI come before the other attributes.
    if (update.mp_reach_family) {
        const auto& attributes = update.attributes;
        framed = attributes.mp_next_hop.has_value() &&
                 encode_mp_reach(*update.mp_reach_family, *attributes.mp_next_hop, attributes.mp_next_hop_link_local,
                                 update.mp_reach, context.add_path_send.enabled(*update.mp_reach_family), out);
    }
    if (framed && update.mp_unreach_family) {
        framed = encode_mp_unreach(*update.mp_unreach_family, update.mp_unreach,
                                   context.add_path_send.enabled(*update.mp_unreach_family), out);
    }
    framed = framed && encode_attribute_block(update.attributes, context, {}, out);
    const std::size_t attributes_length = out.size() - attributes_at - 2;

    encode_nlri_list(update.nlri, ipv4_add_path, out);
    if (!framed || withdrawn_length > 0xffff || attributes_length > 0xffff || out.size() - start > context.max_message()) {
        out.resize(start);
        return false;
    }
    writer.patch_u16(withdrawn_at, static_cast<std::uint16_t>(withdrawn_length));
    writer.patch_u16(attributes_at, static_cast<std::uint16_t>(attributes_length));
    patch_message_length(start, out);
    return true;
}

std::optional<AfiSafi> UpdateMessage::end_of_rib() const noexcept {
    // RFC 4724 §2: no reachable NLRI and nothing withdrawn; for IPv4 unicast the minimum
    // UPDATE, for other families only an empty MP_UNREACH_NLRI. Anything that was
    // discarded means the UPDATE carried attributes, so it is not a marker.
    if (!withdrawn.empty() || !nlri.empty() || mp_reach_family || !mp_reach.empty() || treat_as_withdraw ||
        !discarded.empty() || !(attributes == PathAttributes{}))
        return std::nullopt;
    if (!mp_unreach_family) return AfiSafi{Afi::ipv4, Safi::unicast};
    if (mp_unreach.empty()) return mp_unreach_family;
    return std::nullopt;
}

void UpdateMessage::clear() noexcept {
    withdrawn.clear();
    nlri.clear();
    mp_reach_family.reset();
    mp_reach.clear();
    mp_unreach_family.reset();
    mp_unreach.clear();
    treat_as_withdraw = false;
    discarded.clear();
    // Reset every attribute by assignment (so a field added later cannot be missed) while
    // keeping the capacity of the vectors the receive path refills.
    auto segments = std::move(attributes.as_path.mutable_segments());
    auto communities = std::move(attributes.communities);
    auto cluster_list = std::move(attributes.cluster_list);
    auto extended_communities = std::move(attributes.extended_communities);
    auto large_communities = std::move(attributes.large_communities);
    auto unknown = std::move(attributes.unknown);
    attributes = PathAttributes{};
    segments.clear();
    communities.clear();
    cluster_list.clear();
    extended_communities.clear();
    large_communities.clear();
    unknown.clear();
    attributes.as_path.mutable_segments() = std::move(segments);
    attributes.communities = std::move(communities);
    attributes.cluster_list = std::move(cluster_list);
    attributes.extended_communities = std::move(extended_communities);
    attributes.large_communities = std::move(large_communities);
    attributes.unknown = std::move(unknown);
}

}  // namespace bgpemu::bgp
