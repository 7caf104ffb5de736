// ROUTE-REFRESH (RFC 2918 §3, RFC 7313 §3): AFI (2), Message Subtype (1, RFC 2918's
// "Reserved"), SAFI (1); always 23 octets with the header.
//
// AFI/SAFI are passed through as received: RFC 2918 §4 says to ignore a refresh for a
// family that was not negotiated, which only the session knows.
#include "bgp/wire/codec.hpp"
#include "bgp/wire/message_frame.hpp"

namespace bgpemu::bgp {

namespace {

constexpr std::size_t route_refresh_size = 23;
constexpr std::size_t subtype_offset = 21;

// RFC 7313 §5: "If the length ... is not 4 [after the header], then the BGP speaker MUST
// send a NOTIFICATION message with the Error Code of 'ROUTE-REFRESH Message Error' and the
// subcode of 'Invalid Message Length'. The Data field ... MUST contain the complete
// ROUTE-REFRESH message." RFC 7313 says so for subtypes 1 and 2; RFC 2918 names no error
// for subtype 0, so we answer every subtype the same way rather than invent another.
WireError invalid_length(ByteSpan message) {
    return WireError{ErrorAction::session_reset, ErrorCode::route_refresh, route_refresh_subcode::invalid_message_length,
                     Bytes(message.begin(), message.end()), length_field_offset,
                     "ROUTE-REFRESH length is not 23 octets"};
}

// RFC 7313 §3: a subtype other than 0-2 "MUST [be ignored]". Not a reset: the error has
// the weakest action so the session drops the message and carries on; code and subcode
// only say where it came from and are never sent.
WireError unknown_subtype(std::size_t offset) {
    return WireError{ErrorAction::attribute_discard, ErrorCode::route_refresh, 0, {}, offset,
                     "unknown route refresh subtype"};
}

bool is_known_subtype(std::uint8_t subtype) noexcept {
    return subtype <= static_cast<std::uint8_t>(RouteRefreshSubtype::end_of_rib);
}

}  // namespace

Decoded<RouteRefreshMessage> decode_route_refresh(ByteSpan message) {
    if (auto error = check_framed_message(message, MessageType::route_refresh, max_extended_message_size))
        return *std::move(error);
    if (message.size() != route_refresh_size) return invalid_length(message);
    WireReader reader(message);
    std::uint16_t afi = 0;
    std::uint8_t subtype = 0;
    std::uint8_t safi = 0;
    if (!reader.skip(header_size) || !reader.read_u16(afi) || !reader.read_u8(subtype) || !reader.read_u8(safi))
        return invalid_length(message);  // unreachable: the size was checked above
    if (!is_known_subtype(subtype)) return unknown_subtype(subtype_offset);
    return RouteRefreshMessage{{static_cast<Afi>(afi), static_cast<Safi>(safi)}, static_cast<RouteRefreshSubtype>(subtype)};
}

void encode_route_refresh(const RouteRefreshMessage& refresh, Bytes& out) {
    WireWriter writer(out);
    const std::size_t start = begin_framed_message(writer, MessageType::route_refresh);
    writer.put_u16(static_cast<std::uint16_t>(refresh.afi_safi.afi));
    writer.put_u8(static_cast<std::uint8_t>(refresh.subtype));
    writer.put_u8(static_cast<std::uint8_t>(refresh.afi_safi.safi));
    finish_framed_message(writer, start);
}

}  // namespace bgpemu::bgp
