// OPEN (RFC 4271 §4.2): the fixed fields, the Optional Parameters around the capabilities,
// and the checks of RFC 4271 §6.2 that need nothing but the message itself.
//
// What is deliberately NOT checked here, because it needs configuration or our own state
// and so belongs to the session (see bgp/session/negotiation.hpp, check_peer_open):
//  - whether the peer's AS is the one configured (Bad Peer AS, RFC 4271 §6.2);
//  - whether the BGP Identifier equals ours on an iBGP session (RFC 6286 §2.2);
//  - a locally configured minimum hold time, and which capabilities we require.
// AS 0 is checked here: RFC 7607 §2 forbids it in any OPEN, whatever the configuration.
//
// Layout after the header: Version (1) @19, My AS (2) @20, Hold Time (2) @22,
// BGP Identifier (4) @24, Opt Parm Len (1) @28, Optional Parameters @29.
#include <algorithm>
#include <utility>
#include <vector>

#include "bgp/wire/capabilities_codec.hpp"
#include "bgp/wire/codec.hpp"
#include "bgp/wire/message_frame.hpp"

namespace bgpemu::bgp {

namespace {

constexpr std::uint8_t supported_version = 4;
constexpr std::uint8_t capabilities_parameter = 2;     // RFC 5492 §4
constexpr std::uint8_t extended_length_marker = 255;   // RFC 9072 §2 ("Non-Ext OP Type")
constexpr std::size_t max_non_extended_length = 255;   // the one-octet length fields of RFC 4271 §4.2
constexpr std::size_t max_extended_length = 0xffff;    // the two-octet ones of RFC 9072 §2

constexpr std::size_t version_offset = 19;
constexpr std::size_t my_as_offset = 20;
constexpr std::size_t hold_time_offset = 22;
constexpr std::size_t identifier_offset = 24;
constexpr std::size_t parameters_length_offset = 28;
constexpr std::size_t extended_parameters_length_offset = 30;  // after Non-Ext OP Len and Type

WireError open_error(std::uint8_t subcode, std::size_t offset, const char* reason, Bytes data = {}) {
    return WireError{ErrorAction::session_reset, ErrorCode::open_message, subcode, std::move(data), offset, reason};
}

// ---- Fixed fields ------------------------------------------------------------------------

// RFC 4271 §6.2, in the order the RFC lists them (version, peer AS, hold time, identifier).
std::optional<WireError> check_fixed_fields(const OpenMessage& open) {
    if (open.version != supported_version) {
        // "the Data field is a 2-octet unsigned integer, which indicates the largest,
        // locally-supported version number less than the version the remote BGP peer bid
        // ... or ... the smallest": with only version 4 that is 4 either way.
        return open_error(open_subcode::unsupported_version_number, version_offset, "BGP version is not 4",
                          Bytes{std::byte{0}, std::byte{supported_version}});
    }
    if (open.my_as == 0) return open_error(open_subcode::bad_peer_as, my_as_offset, "My Autonomous System is 0 (RFC 7607)");
    // "An implementation MUST reject Hold Time values of one or two seconds." The
    // NOTIFICATION carries no data for it (§6.2 defines none).
    if (open.hold_time == 1 || open.hold_time == 2)
        return open_error(open_subcode::unacceptable_hold_time, hold_time_offset, "hold time of 1 or 2 seconds");
    // RFC 6286 §2.2 relaxes "a valid unicast IP host address" to any non-zero value.
    if (open.bgp_identifier == 0) return open_error(open_subcode::bad_bgp_identifier, identifier_offset, "BGP Identifier is 0");
    return std::nullopt;
}

bool read_fixed_fields(WireReader& reader, OpenMessage& open, std::uint8_t& parameters_length) {
    return reader.read_u8(open.version) && reader.read_u16(open.my_as) && reader.read_u16(open.hold_time) &&
           reader.read_u32(open.bgp_identifier) && reader.read_u8(parameters_length);
}

// ---- Optional Parameters -----------------------------------------------------------------

// One Optional Parameter: type (1), length (1, or 2 in the RFC 9072 format), value.
// Only Capabilities (type 2) is recognized; anything else is Unsupported Optional
// Parameter (RFC 4271 §6.2), so `other_parameters` is never filled by decoding.
std::optional<WireError> decode_parameter(WireReader& area, bool extended, OpenMessage& open) {
    const std::size_t at = area.offset();
    std::uint8_t type = 0;
    std::size_t length = 0;
    bool header_ok = area.read_u8(type);
    if (extended) {
        std::uint16_t length16 = 0;
        header_ok = header_ok && area.read_u16(length16);
        length = length16;
    } else {
        std::uint8_t length8 = 0;
        header_ok = header_ok && area.read_u8(length8);
        length = length8;
    }
    if (!header_ok) return malformed_open(at, "optional parameter header truncated");
    auto value = area.sub_reader(length);
    if (!value) return malformed_open(at + 1, "optional parameter length overruns the optional parameters");
    if (type != capabilities_parameter)
        return open_error(open_subcode::unsupported_optional_parameter, at, "optional parameter type is not 2 (capabilities)");
    return decode_capability_triples(*value, open.capabilities);
}

// `body` holds everything after Opt Parm Len. RFC 9072 §2: when the first parameter type
// octet is 255 the extended format is in use, a 2-octet length follows and Opt Parm Len
// is ignored (it "MUST NOT be set to 0", so 0 still means "no parameters").
// The parameters must fill the message exactly. RFC 4271 names no subcode for a length
// that disagrees with the message, so it is a malformed parameter field: Unspecific.
std::optional<WireError> decode_parameters(WireReader& body, std::uint8_t non_extended_length, OpenMessage& open) {
    if (non_extended_length == 0) {
        if (!body.empty()) return malformed_open(parameters_length_offset, "octets after an OPEN without optional parameters");
        return std::nullopt;
    }
    const bool extended = !body.empty() && body.rest()[0] == std::byte{extended_length_marker};
    std::size_t area_length = non_extended_length;
    if (extended) {
        std::uint16_t extended_length = 0;
        if (!body.skip(1) || !body.read_u16(extended_length))
            return malformed_open(parameters_length_offset, "extended optional parameters length truncated");
        area_length = extended_length;
    }
    const std::size_t length_at = extended ? extended_parameters_length_offset : parameters_length_offset;
    if (area_length > body.remaining()) return malformed_open(length_at, "optional parameters overrun the message");
    if (area_length < body.remaining()) return malformed_open(length_at, "octets after the optional parameters");
    auto area = body.sub_reader(area_length);
    if (!area) return malformed_open(length_at, "optional parameters overrun the message");
    while (!area->empty()) {
        if (auto error = decode_parameter(*area, extended, open)) return error;
    }
    return std::nullopt;
}

// ---- Encoding ----------------------------------------------------------------------------

struct Parameter {
    std::uint8_t type = 0;
    ByteSpan value;
};

bool needs_extended_format(const std::vector<Parameter>& parameters) {
    std::size_t total = 0;
    for (const auto& parameter : parameters) {
        if (parameter.value.size() > max_non_extended_length) return true;
        total += 2 + parameter.value.size();
    }
    return total > max_non_extended_length;
}

// RFC 9072 §2: used only when the parameters do not fit the RFC 4271 encoding, as the
// RFC asks ("SHOULD be used without alteration" otherwise). Lengths are clamped to their
// fields; an OPEN that big could not be sent anyway (4096 octets, RFC 8654 §4).
void write_parameters(WireWriter& writer, const std::vector<Parameter>& parameters) {
    if (!needs_extended_format(parameters)) {
        const std::size_t length_at = writer.reserve_u8();
        const std::size_t start = writer.size();
        for (const auto& parameter : parameters) {
            writer.put_u8(parameter.type);
            writer.put_u8(static_cast<std::uint8_t>(parameter.value.size()));
            writer.put_bytes(parameter.value);
        }
        writer.patch_u8(length_at, static_cast<std::uint8_t>(writer.size() - start));
        return;
    }
    writer.put_u8(static_cast<std::uint8_t>(max_non_extended_length));  // Non-Ext OP Len: "SHOULD be set to 255"
    writer.put_u8(extended_length_marker);
    const std::size_t length_at = writer.reserve_u16();
    const std::size_t start = writer.size();
    for (const auto& parameter : parameters) {
        const ByteSpan value = parameter.value.first(std::min(parameter.value.size(), max_extended_length));
        writer.put_u8(parameter.type);
        writer.put_u16(static_cast<std::uint16_t>(value.size()));
        writer.put_bytes(value);
    }
    writer.patch_u16(length_at, static_cast<std::uint16_t>(std::min(writer.size() - start, max_extended_length)));
}

}  // namespace

Decoded<OpenMessage> decode_open(ByteSpan message) {
    if (auto error = check_framed_message(message, MessageType::open, max_message_size)) return *std::move(error);
    WireReader reader(message);
    OpenMessage open;
    std::uint8_t parameters_length = 0;
    if (!reader.skip(header_size) || !read_fixed_fields(reader, open, parameters_length))
        return malformed_open(reader.offset(), "OPEN fixed fields truncated");  // unreachable: framing checked 29 octets
    if (auto error = check_fixed_fields(open)) return *std::move(error);
    if (auto error = decode_parameters(reader, parameters_length, open)) return *std::move(error);
    return open;
}

// Everything is written as given (a bad version or hold time too), so tests and the
// emulator can play a misbehaving peer. All capabilities go in one Capabilities parameter
// (as BIRD sends them), in the canonical order of encode_capability_triples; any
// `other_parameters` follow it.
void encode_open(const OpenMessage& open, Bytes& out) {
    Bytes capability_triples;
    WireWriter triples_writer(capability_triples);
    encode_capability_triples(open.capabilities, triples_writer);

    std::vector<Parameter> parameters;
    if (!capability_triples.empty()) parameters.push_back(Parameter{capabilities_parameter, capability_triples});
    for (const auto& other : open.other_parameters) parameters.push_back(Parameter{other.type, other.value});

    WireWriter writer(out);
    const std::size_t start = begin_framed_message(writer, MessageType::open);
    writer.put_u8(open.version);
    writer.put_u16(open.my_as);
    writer.put_u16(open.hold_time);
    writer.put_u32(open.bgp_identifier);
    write_parameters(writer, parameters);
    finish_framed_message(writer, start);
}

}  // namespace bgpemu::bgp
