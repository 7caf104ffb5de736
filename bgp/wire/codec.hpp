// The BGP wire codec: pure functions from bytes to messages and back.
//
// Nothing here does I/O, logs, or keeps state between calls. Framing (how long is the
// next message?) is separate from decoding (what does it say?), so the session can read
// exactly one message from the socket before decoding it. Decoding needs what the two
// speakers negotiated (DecodeContext); encoding needs what we may send (EncodeContext).
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "bgp/wire/bytes.hpp"
#include "bgp/wire/messages.hpp"
#include "bgp/wire/wire_error.hpp"

namespace bgpemu::bgp {

// Per-family ADD-PATH state: which families carry a Path Identifier in their NLRI.
struct AddPathFamilies {
    bool ipv4_unicast = false;
    bool ipv6_unicast = false;
    [[nodiscard]] bool enabled(AfiSafi family) const noexcept {
        if (family.safi != Safi::unicast) return false;
        return family.afi == Afi::ipv4 ? ipv4_unicast : ipv6_unicast;
    }
};

struct DecodeContext {
    bool four_octet_as = true;        // both sides advertised RFC 6793
    bool extended_message = false;    // both sides advertised RFC 8654
    bool peer_is_external = true;     // eBGP: LOCAL_PREF is discarded (RFC 7606 §7.5)
    AddPathFamilies add_path_receive; // we said receive, the peer said send (RFC 7911 §4)

    [[nodiscard]] std::size_t max_message() const noexcept {
        return extended_message ? max_extended_message_size : max_message_size;
    }
};

struct EncodeContext {
    bool four_octet_as = true;
    bool extended_message = false;
    AddPathFamilies add_path_send;

    [[nodiscard]] std::size_t max_message() const noexcept {
        return extended_message ? max_extended_message_size : max_message_size;
    }
};

// ---- Framing ---------------------------------------------------------------

struct FrameHeader {
    std::size_t length = 0;  // whole message, header included
    std::uint8_t type = 0;
};

// Looks at the start of `buffer`. Returns nullopt while fewer than 19 bytes are there;
// otherwise the header, or a Message Header Error (bad marker, bad length for the type
// or above `max_message`, unknown type) as RFC 4271 §6.1 prescribes.
[[nodiscard]] std::optional<Decoded<FrameHeader>> read_frame_header(ByteSpan buffer, std::size_t max_message);

// ---- Decoding --------------------------------------------------------------
// Each takes one whole message, header included (as framed above), so error offsets
// count from the first marker byte.

[[nodiscard]] Decoded<Message> decode_message(ByteSpan message, const DecodeContext& context);
[[nodiscard]] Decoded<OpenMessage> decode_open(ByteSpan message);
[[nodiscard]] Decoded<NotificationMessage> decode_notification(ByteSpan message);
// A length other than 23 is ROUTE-REFRESH Message Error / Invalid Message Length with the
// whole message as data (RFC 7313 §5); read_frame_header leaves that check to this
// function, which alone holds the whole message. An unknown Message Subtype must be
// ignored (RFC 7313 §3): that comes back as a WireError whose action is
// attribute_discard (reason "unknown route refresh subtype"), meaning "drop this message,
// keep the session"; its code and subcode are not to be sent.
[[nodiscard]] Decoded<RouteRefreshMessage> decode_route_refresh(ByteSpan message);
// The receive hot path: decodes into `out` (cleared first, capacity reused). Returns an
// error only when the session must be reset; treat-as-withdraw and attribute discard are
// reported inside `out` (RFC 7606).
[[nodiscard]] std::optional<WireError> decode_update(ByteSpan message, const DecodeContext& context,
                                                     UpdateMessage& out);

// ---- Encoding --------------------------------------------------------------
// Each appends one whole message (header included) to `out`.

void encode_open(const OpenMessage& open, Bytes& out);
void encode_keepalive(Bytes& out);
void encode_notification(const NotificationMessage& notification, Bytes& out);
void encode_route_refresh(const RouteRefreshMessage& refresh, Bytes& out);
// Encodes `update` as one message. Returns false (and appends nothing) if it does not
// fit in context.max_message(); use UpdatePacker to split large sets of prefixes.
[[nodiscard]] bool encode_update(const UpdateMessage& update, const EncodeContext& context, Bytes& out);
void encode_message(const Message& message, const EncodeContext& context, Bytes& out);

// Encodes the path attributes alone (no MP_REACH/MP_UNREACH), as they go on the wire
// toward a peer with `context`. Used by the packer and by MRT dumps.
void encode_path_attributes(const PathAttributes& attributes, const EncodeContext& context, Bytes& out);

// ---- AS4 (RFC 6793 §4.2.3) -------------------------------------------------
// Merges AS4_PATH into the 2-octet AS_PATH as received from an OLD speaker.
[[nodiscard]] AsPath merge_as4_path(const AsPath& as_path, const AsPath& as4_path);

}  // namespace bgpemu::bgp
