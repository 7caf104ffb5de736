// NOTIFICATION (RFC 4271 §4.5): code (1), subcode (1), data (the rest of the message),
// and the shutdown communication that RFC 9003 puts in the data of two Cease subcodes.
//
// Any code and subcode decode: a NOTIFICATION is the peer's last word and nothing can be
// answered to it, so judging its contents is left to whoever logs it.
#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "bgp/wire/codec.hpp"
#include "bgp/wire/message_frame.hpp"

namespace bgpemu::bgp {

namespace {

constexpr std::size_t notification_fixed_size = header_size + 2;  // code and subcode
constexpr std::size_t max_communication_length = 255;            // RFC 9003 §2: the length is one octet

// RFC 9003 §2: only Administrative Shutdown and Administrative Reset carry one.
bool may_carry_communication(std::uint8_t code, std::uint8_t subcode) noexcept {
    return code == static_cast<std::uint8_t>(ErrorCode::cease) &&
           (subcode == cease_subcode::administrative_shutdown || subcode == cease_subcode::administrative_reset);
}

bool is_continuation_byte(unsigned value) noexcept { return (value & 0xc0U) == 0x80U; }

// What the first byte of a multi-byte UTF-8 sequence announces (RFC 3629 §3).
struct Utf8Lead {
    std::size_t continuation_count = 0;
    std::uint32_t initial_bits = 0;
    std::uint32_t smallest = 0;  // anything below is an overlong form
};

std::optional<Utf8Lead> classify_lead(unsigned lead) noexcept {
    if ((lead & 0xe0U) == 0xc0U) return Utf8Lead{1, lead & 0x1fU, 0x80};
    if ((lead & 0xf0U) == 0xe0U) return Utf8Lead{2, lead & 0x0fU, 0x800};
    if ((lead & 0xf8U) == 0xf0U) return Utf8Lead{3, lead & 0x07U, 0x10000};
    return std::nullopt;
}

// Well-formed UTF-8 as RFC 3629 §4 defines it: no overlong forms, no surrogates, nothing
// above U+10FFFF.
bool is_valid_utf8(ByteSpan bytes) noexcept {
    std::size_t i = 0;
    while (i < bytes.size()) {
        const auto first = std::to_integer<unsigned>(bytes[i]);
        if (first < 0x80U) {
            ++i;
            continue;
        }
        const auto lead = classify_lead(first);
        if (!lead || bytes.size() - i - 1 < lead->continuation_count) return false;
        std::uint32_t code_point = lead->initial_bits;
        for (std::size_t k = 1; k <= lead->continuation_count; ++k) {
            const auto next = std::to_integer<unsigned>(bytes[i + k]);
            if (!is_continuation_byte(next)) return false;
            code_point = (code_point << 6) | (next & 0x3fU);
        }
        if (code_point < lead->smallest || code_point > 0x10ffff || (code_point >= 0xd800 && code_point <= 0xdfff))
            return false;
        i += 1 + lead->continuation_count;
    }
    return true;
}

// The longest prefix of `text` of at most `limit` bytes that does not split a character
// (RFC 9003 §2 asks senders not to send a broken sequence).
std::string_view truncate_on_character_boundary(std::string_view text, std::size_t limit) noexcept {
    if (text.size() <= limit) return text;
    std::size_t cut = limit;  // text[cut] is the first byte left out
    while (cut > 0 && is_continuation_byte(static_cast<unsigned char>(text[cut]))) --cut;
    return text.substr(0, cut);
}

}  // namespace

// RFC 9003 §2: data = Length (1) + that many octets of UTF-8. The length must account
// for the data exactly; a mismatch or invalid UTF-8 is malformed, and RFC 9003 §4 only
// asks that it be logged (to_string then shows the data in hex).
std::optional<std::string> NotificationMessage::shutdown_communication() const {
    if (!may_carry_communication(code, subcode) || data.empty()) return std::nullopt;
    const auto length = std::to_integer<std::size_t>(data.front());
    if (1 + length != data.size()) return std::nullopt;
    const ByteSpan text = ByteSpan(data).subspan(1);
    if (!is_valid_utf8(text)) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(text.data()), text.size());
}

// The communication is attached only where RFC 9003 defines it (Administrative Shutdown
// and Reset), and cut to 255 bytes on a character boundary. An empty one is left out.
NotificationMessage NotificationMessage::cease(std::uint8_t subcode, std::string_view communication) {
    NotificationMessage notification;
    notification.code = static_cast<std::uint8_t>(ErrorCode::cease);
    notification.subcode = subcode;
    if (communication.empty() || !may_carry_communication(notification.code, subcode)) return notification;
    const std::string_view text = truncate_on_character_boundary(communication, max_communication_length);
    notification.data.push_back(static_cast<std::byte>(text.size()));
    const auto text_bytes = std::as_bytes(std::span(text.data(), text.size()));
    notification.data.insert(notification.data.end(), text_bytes.begin(), text_bytes.end());
    return notification;
}

// "Cease / Administrative Shutdown: "maintenance"", or the data in hex when it is not a
// valid communication ("OPEN Message Error / Unsupported Version Number [data 0004]").
std::string NotificationMessage::to_string() const {
    std::string text = error_code_name(code);
    text += " / ";
    text += error_subcode_name(code, subcode);
    if (auto communication = shutdown_communication()) {
        if (!communication->empty()) text += ": \"" + *communication + "\"";
    } else if (!data.empty()) {
        text += " [data " + bytes_to_hex(data) + "]";
    }
    return text;
}

// RFC 4271 §6.1: a NOTIFICATION shorter than 21 octets is a Message Header Error (Bad
// Message Length); check_framed_message applies it. It may be up to 65535 octets long once
// Extended Message is negotiated (RFC 8654); the framer already applied the session's limit.
Decoded<NotificationMessage> decode_notification(ByteSpan message) {
    if (auto error = check_framed_message(message, MessageType::notification, max_extended_message_size))
        return *std::move(error);
    WireReader reader(message);
    NotificationMessage notification;
    if (!reader.skip(header_size) || !reader.read_u8(notification.code) || !reader.read_u8(notification.subcode)) {
        return WireError{ErrorAction::session_reset, ErrorCode::message_header, header_subcode::bad_message_length,
                         {}, reader.offset(), "NOTIFICATION shorter than 21 octets"};  // unreachable after framing
    }
    const ByteSpan data = reader.rest();
    notification.data.assign(data.begin(), data.end());
    return notification;
}

// Data beyond what one message can hold (65535 octets, RFC 8654) is cut off.
void encode_notification(const NotificationMessage& notification, Bytes& out) {
    const ByteSpan data = ByteSpan(notification.data)
                              .first(std::min(notification.data.size(), max_extended_message_size - notification_fixed_size));
    WireWriter writer(out);
    const std::size_t start = begin_framed_message(writer, MessageType::notification);
    writer.put_u8(notification.code);
    writer.put_u8(notification.subcode);
    writer.put_bytes(data);
    finish_framed_message(writer, start);
}

}  // namespace bgpemu::bgp
