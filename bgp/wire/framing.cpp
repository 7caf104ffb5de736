// Framing: finding the next message in a byte stream, and the header every message shares.
//
// RFC 4271 §4.1: 16-octet marker (all ones), 2-octet length (whole message, header
// included), 1-octet type. §6.1 says what is wrong with a header and which NOTIFICATION
// answers it. Framing looks at nothing past the header, so the session can call it with
// only 19 bytes buffered and then read exactly `length` bytes.
#include <algorithm>

#include "bgp/wire/codec.hpp"
#include "bgp/wire/message_frame.hpp"

namespace bgpemu::bgp {

namespace {

constexpr std::size_t open_min_size = 29;          // RFC 4271 §4.2
constexpr std::size_t update_min_size = 23;        // RFC 4271 §4.3
constexpr std::size_t notification_min_size = 21;  // RFC 4271 §4.5
constexpr std::size_t keepalive_size = header_size;  // RFC 4271 §4.4

WireError header_error(std::uint8_t subcode, Bytes data, std::size_t offset, const char* reason) {
    return WireError{ErrorAction::session_reset, ErrorCode::message_header, subcode, std::move(data), offset, reason};
}

// RFC 4271 §6.1: "the Data field MUST contain the erroneous Length field".
WireError bad_length(ByteSpan header, const char* reason) {
    Bytes length_field(header.begin() + length_field_offset, header.begin() + type_field_offset);
    return header_error(header_subcode::bad_message_length, std::move(length_field), length_field_offset, reason);
}

bool is_known_type(std::uint8_t type) noexcept {
    return type >= static_cast<std::uint8_t>(MessageType::open) &&
           type <= static_cast<std::uint8_t>(MessageType::route_refresh);
}

// The per-type length rules of RFC 4271 §6.1; nullptr when the length suits the type.
//
// ROUTE-REFRESH is deliberately not checked here: RFC 7313 §5 answers a ROUTE-REFRESH of
// the wrong length with its own NOTIFICATION (ROUTE-REFRESH Message Error / Invalid
// Message Length, carrying the whole message), which only decode_route_refresh, holding
// the whole message, can build. Rejecting it here as a header error would pre-empt that.
const char* length_problem(MessageType type, std::size_t length) noexcept {
    switch (type) {
        case MessageType::open:
            if (length < open_min_size) return "OPEN shorter than 29 octets";
            // RFC 8654 §4: Extended Message never applies to OPEN (it is not yet negotiated).
            if (length > max_message_size) return "OPEN longer than 4096 octets";
            return nullptr;
        case MessageType::update:
            return length < update_min_size ? "UPDATE shorter than 23 octets" : nullptr;
        case MessageType::notification:
            return length < notification_min_size ? "NOTIFICATION shorter than 21 octets" : nullptr;
        case MessageType::keepalive:
            return length != keepalive_size ? "KEEPALIVE not exactly 19 octets" : nullptr;
        case MessageType::route_refresh:
            return nullptr;
    }
    return nullptr;
}

}  // namespace

std::optional<Decoded<FrameHeader>> read_frame_header(ByteSpan buffer, std::size_t max_message) {
    if (buffer.size() < header_size) return std::nullopt;
    WireReader reader(buffer.first(header_size));

    // RFC 4271 §6.1: a marker that is not all ones means we lost synchronization.
    ByteSpan marker;
    if (!reader.read_bytes(marker_size, marker)) return std::nullopt;
    const auto not_ones = std::find_if(marker.begin(), marker.end(), [](std::byte b) { return b != std::byte{0xff}; });
    if (not_ones != marker.end()) {
        const auto offset = static_cast<std::size_t>(not_ones - marker.begin());
        return Decoded<FrameHeader>(header_error(header_subcode::connection_not_synchronized, {}, offset,
                                                 "marker is not all ones"));
    }

    std::uint16_t length = 0;
    std::uint8_t type = 0;
    if (!reader.read_u16(length) || !reader.read_u8(type)) return std::nullopt;
    if (length < header_size) return Decoded<FrameHeader>(bad_length(buffer, "length below the 19-octet header"));
    if (length > max_message) return Decoded<FrameHeader>(bad_length(buffer, "length above the maximum message size"));

    // RFC 4271 §6.1: "the Data field MUST contain the erroneous Type field".
    if (!is_known_type(type)) {
        return Decoded<FrameHeader>(header_error(header_subcode::bad_message_type, Bytes{std::byte{type}},
                                                 type_field_offset, "unknown message type"));
    }
    if (const char* problem = length_problem(static_cast<MessageType>(type), length)) {
        return Decoded<FrameHeader>(bad_length(buffer, problem));
    }
    return Decoded<FrameHeader>(FrameHeader{length, type});
}

const char* message_type_name(MessageType type) noexcept {
    switch (type) {
        case MessageType::open: return "OPEN";
        case MessageType::update: return "UPDATE";
        case MessageType::notification: return "NOTIFICATION";
        case MessageType::keepalive: return "KEEPALIVE";
        case MessageType::route_refresh: return "ROUTE-REFRESH";
    }
    return "UNKNOWN";
}

// RFC 4271 §4.4: a KEEPALIVE is the header alone.
void encode_keepalive(Bytes& out) {
    WireWriter writer(out);
    finish_framed_message(writer, begin_framed_message(writer, MessageType::keepalive));
}

std::size_t begin_framed_message(WireWriter& writer, MessageType type) {
    const std::size_t start = writer.size();
    for (std::size_t i = 0; i < marker_size; ++i) writer.put_u8(0xff);
    (void)writer.reserve_u16();
    writer.put_u8(static_cast<std::uint8_t>(type));
    return start;
}

void finish_framed_message(WireWriter& writer, std::size_t start) {
    // Encoders bound their bodies so a message never exceeds 65535 octets (RFC 8654);
    // the clamp only keeps a bug from wrapping the length silently into a short message.
    const std::size_t length = std::min<std::size_t>(writer.size() - start, max_extended_message_size);
    writer.patch_u16(start + length_field_offset, static_cast<std::uint16_t>(length));
}

std::optional<WireError> check_framed_message(ByteSpan message, MessageType type, std::size_t max_message) {
    const auto header = read_frame_header(message, max_message);
    if (!header) {
        return header_error(header_subcode::bad_message_length, {}, message.size(),
                            "message shorter than the 19-octet header");
    }
    if (!header->ok()) return header->error();
    if (header->value().length != message.size()) return bad_length(message, "length field differs from the message size");
    if (header->value().type != static_cast<std::uint8_t>(type)) {
        return header_error(header_subcode::bad_message_type, Bytes{message[type_field_offset]}, type_field_offset,
                            "message is not of the type this decoder reads");
    }
    return std::nullopt;
}

}  // namespace bgpemu::bgp
