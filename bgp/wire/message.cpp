// decode_message / encode_message: dispatch on the message type to the per-type codecs.
#include "bgp/wire/codec.hpp"

namespace bgpemu::bgp {

Decoded<Message> decode_message(ByteSpan message, const DecodeContext& context) {
    const auto header = read_frame_header(message, context.max_message());
    if (!header) {
        return WireError{ErrorAction::session_reset, ErrorCode::message_header, header_subcode::bad_message_length,
                         {}, message.size(), "message shorter than the 19-octet header"};
    }
    if (!header->ok()) return header->error();
    if (header->value().length != message.size()) {
        // The caller framed the message; a mismatch means it handed us more or less.
        Bytes data(message.begin() + 16, message.begin() + 18);
        return WireError{ErrorAction::session_reset, ErrorCode::message_header, header_subcode::bad_message_length,
                         std::move(data), 16, "message length field does not match the framed size"};
    }
    switch (static_cast<MessageType>(header->value().type)) {
        case MessageType::open: {
            auto open = decode_open(message);
            if (!open) return open.error();
            return Message{std::move(open).value()};
        }
        case MessageType::update: {
            UpdateMessage update;
            if (auto error = decode_update(message, context, update)) return *std::move(error);
            return Message{std::move(update)};
        }
        case MessageType::notification: {
            auto notification = decode_notification(message);
            if (!notification) return notification.error();
            return Message{std::move(notification).value()};
        }
        case MessageType::keepalive:
            return Message{KeepaliveMessage{}};
        case MessageType::route_refresh: {
            auto refresh = decode_route_refresh(message);
            if (!refresh) return refresh.error();
            return Message{std::move(refresh).value()};
        }
    }
    // read_frame_header rejects unknown types; this is unreachable but keeps -Wreturn-type quiet.
    return WireError{ErrorAction::session_reset, ErrorCode::message_header, header_subcode::bad_message_type,
                     Bytes{message[18]}, 18, "unknown message type"};
}

void encode_message(const Message& message, const EncodeContext& context, Bytes& out) {
    std::visit(
        [&](const auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, OpenMessage>) {
                encode_open(m, out);
            } else if constexpr (std::is_same_v<T, UpdateMessage>) {
                // Callers that may exceed the size limit use UpdatePacker; here an
                // oversized UPDATE is a programming error and is dropped visibly (nothing appended).
                (void)encode_update(m, context, out);
            } else if constexpr (std::is_same_v<T, NotificationMessage>) {
                encode_notification(m, out);
            } else if constexpr (std::is_same_v<T, KeepaliveMessage>) {
                encode_keepalive(out);
            } else {
                encode_route_refresh(m, out);
            }
        },
        message);
}

}  // namespace bgpemu::bgp
