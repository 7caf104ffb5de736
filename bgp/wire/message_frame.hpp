// Internal to the codec: writing and checking the 19-octet message header (RFC 4271 §4.1)
// around a message body. Shared by the per-message encoders and decoders so that every
// message is framed, and every framing error reported, the same way. Implemented in
// framing.cpp next to read_frame_header.
#pragma once

#include <cstddef>
#include <optional>

#include "bgp/wire/bytes.hpp"
#include "bgp/wire/messages.hpp"
#include "bgp/wire/wire_error.hpp"

namespace bgpemu::bgp {

inline constexpr std::size_t marker_size = 16;
inline constexpr std::size_t length_field_offset = 16;
inline constexpr std::size_t type_field_offset = 18;

// Writes the marker, a placeholder length and the type; returns where the message starts
// in the writer's buffer (which may already hold earlier messages).
[[nodiscard]] std::size_t begin_framed_message(WireWriter& writer, MessageType type);
// Patches the length field of the message begun at `start` to cover everything written since.
void finish_framed_message(WireWriter& writer, std::size_t start);

// Checks that `message` is exactly one message of `type` as read_frame_header would frame
// it with `max_message`, and that its length field equals message.size(). The per-type
// decoders run this first, so their own checks can rely on the type's minimum length.
[[nodiscard]] std::optional<WireError> check_framed_message(ByteSpan message, MessageType type,
                                                            std::size_t max_message);

}  // namespace bgpemu::bgp
