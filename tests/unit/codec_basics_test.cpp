// Framing, NOTIFICATION, ROUTE-REFRESH, KEEPALIVE, error names, IP addresses and prefixes,
// and the hex helpers, against golden bytes built by hand from RFC 4271 §4, RFC 2918,
// RFC 7313 and RFC 9003.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/wire/codec.hpp"
#include "bgp/wire/ip.hpp"
#include "hex.hpp"

using namespace bgpemu::bgp;
using bgpemu::test::hex;
using bgpemu::test::to_hex;

namespace {

const std::string marker = "ffffffffffffffffffffffffffffffff";

// A whole message from the hex after the marker; the length field must match the fixture.
Bytes message(const std::string& after_marker) {
    Bytes bytes = hex(marker + after_marker);
    REQUIRE(bytes.size() >= 18);
    const std::size_t length_field = (std::to_integer<std::size_t>(bytes[16]) << 8) | std::to_integer<std::size_t>(bytes[17]);
    REQUIRE(length_field == bytes.size());
    return bytes;
}

void check_error(const WireError& error, ErrorCode code, std::uint8_t subcode, const std::string& data_hex,
                 std::size_t offset) {
    INFO(error.to_string());
    CHECK(error.action == ErrorAction::session_reset);
    CHECK(static_cast<int>(error.code) == static_cast<int>(code));
    CHECK(int{error.subcode} == int{subcode});
    CHECK(to_hex(error.data) == data_hex);
    CHECK(error.offset == offset);
}

std::string byte_hex(unsigned value) {
    const Bytes one{static_cast<std::byte>(value)};
    return to_hex(one);
}

Bytes text_bytes(std::string_view text) {
    const auto bytes = std::as_bytes(std::span(text.data(), text.size()));
    return Bytes(bytes.begin(), bytes.end());
}

}  // namespace

// ---- Framing ----------------------------------------------------------------------------------

TEST_CASE("Framing waits for a whole header", "[framing]") {
    const Bytes keepalive = message("0013 04");
    for (std::size_t size = 0; size < 19; ++size) {
        INFO(size << " octets buffered");
        CHECK_FALSE(read_frame_header(ByteSpan(keepalive).first(size), max_message_size).has_value());
    }
    const auto header = read_frame_header(keepalive, max_message_size);
    REQUIRE(header.has_value());
    REQUIRE(header->ok());
    CHECK(header->value().length == 19);
    CHECK(int{header->value().type} == 4);
}

TEST_CASE("Framing reads the length and type of each message type from the header alone", "[framing]") {
    struct Case {
        const char* header_hex;  // after the marker; the body is not needed
        std::size_t length;
        MessageType type;
    };
    const std::vector<Case> cases = {
        {"001d 01", 29, MessageType::open},          {"1000 01", 4096, MessageType::open},
        {"0017 02", 23, MessageType::update},        {"1000 02", 4096, MessageType::update},
        {"0015 03", 21, MessageType::notification},  {"0013 04", 19, MessageType::keepalive},
        {"0017 05", 23, MessageType::route_refresh},
    };
    for (const auto& c : cases) {
        INFO(c.header_hex);
        const auto header = read_frame_header(hex(marker + c.header_hex), max_message_size);
        REQUIRE(header.has_value());
        if (!header->ok()) FAIL(header->error().to_string());
        CHECK(header->value().length == c.length);
        CHECK(int{header->value().type} == static_cast<int>(c.type));
    }
}

TEST_CASE("Framing errors are Message Header Errors with the RFC 4271 §6.1 data", "[framing]") {
    struct Case {
        const char* name;
        std::string header_hex;  // the whole 19 octets
        std::size_t max_message;
        std::uint8_t subcode;
        const char* data;
        std::size_t offset;
    };
    const std::vector<Case> cases = {
        {"marker byte 0 not ones", "7fffffffffffffffffffffffffffffff 0013 04", 4096, 1, "", 0},
        {"marker byte 15 not ones", "ffffffffffffffffffffffffffffff00 0013 04", 4096, 1, "", 15},
        {"marker all zero", "00000000000000000000000000000000 0013 04", 4096, 1, "", 0},
        {"length 18", marker + "0012 04", 4096, 2, "0012", 16},
        {"length 0", marker + "0000 02", 4096, 2, "0000", 16},
        {"length 4097", marker + "1001 02", 4096, 2, "1001", 16},
        {"length 65535 without extended message", marker + "ffff 02", 4096, 2, "ffff", 16},
        {"OPEN above 4096 even with extended message (RFC 8654 §4)", marker + "1001 01", 65535, 2, "1001", 16},
        {"OPEN 28", marker + "001c 01", 4096, 2, "001c", 16},
        {"UPDATE 22", marker + "0016 02", 4096, 2, "0016", 16},
        {"NOTIFICATION 20", marker + "0014 03", 4096, 2, "0014", 16},
        {"KEEPALIVE 20", marker + "0014 04", 4096, 2, "0014", 16},
        {"KEEPALIVE 4096", marker + "1000 04", 4096, 2, "1000", 16},
        {"type 0", marker + "0013 00", 4096, 3, "00", 18},
        {"type 6", marker + "0013 06", 4096, 3, "06", 18},
        {"type 255", marker + "0020 ff", 4096, 3, "ff", 18},
        {"bad length wins over bad type", marker + "0005 09", 4096, 2, "0005", 16},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const Bytes header = hex(c.header_hex);
        REQUIRE(header.size() == 19);
        const auto framed = read_frame_header(header, c.max_message);
        REQUIRE(framed.has_value());
        REQUIRE_FALSE(framed->ok());
        check_error(framed->error(), ErrorCode::message_header, c.subcode, c.data, c.offset);
    }
}

TEST_CASE("Extended message raises the limit to 65535 octets (RFC 8654)", "[framing]") {
    const auto largest = read_frame_header(hex(marker + "ffff 02"), max_extended_message_size);
    REQUIRE(largest.has_value());
    REQUIRE(largest->ok());
    CHECK(largest->value().length == 65535);

    const auto notification = read_frame_header(hex(marker + "2000 03"), max_extended_message_size);
    REQUIRE(notification.has_value());
    CHECK(notification->ok());
}

TEST_CASE("ROUTE-REFRESH length is left to decode_route_refresh (RFC 7313 §5)", "[framing][route-refresh]") {
    for (const char* header_hex : {"0016 05", "0018 05", "0013 05"}) {
        INFO(header_hex);
        const auto header = read_frame_header(hex(marker + header_hex), max_message_size);
        REQUIRE(header.has_value());
        CHECK(header->ok());
    }
}

TEST_CASE("KEEPALIVE is the bare header and appends after earlier messages", "[framing]") {
    Bytes out;
    encode_keepalive(out);
    CHECK(to_hex(out) == to_hex(message("0013 04")));
    encode_keepalive(out);
    CHECK(to_hex(out) == to_hex(hex(marker + "0013 04" + marker + "0013 04")));
}

TEST_CASE("Message type names", "[framing]") {
    CHECK(std::string(message_type_name(MessageType::open)) == "OPEN");
    CHECK(std::string(message_type_name(MessageType::update)) == "UPDATE");
    CHECK(std::string(message_type_name(MessageType::notification)) == "NOTIFICATION");
    CHECK(std::string(message_type_name(MessageType::keepalive)) == "KEEPALIVE");
    CHECK(std::string(message_type_name(MessageType::route_refresh)) == "ROUTE-REFRESH");
    CHECK(std::string(message_type_name(static_cast<MessageType>(9))) == "UNKNOWN");
}

TEST_CASE("Hex helpers", "[framing][hex]") {
    CHECK(bytes_from_hex("ff ff 00 13") == Bytes{std::byte{0xff}, std::byte{0xff}, std::byte{0x00}, std::byte{0x13}});
    CHECK(bytes_from_hex("FFfe:0a\n\t0B") == Bytes{std::byte{0xff}, std::byte{0xfe}, std::byte{0x0a}, std::byte{0x0b}});
    CHECK(bytes_from_hex("") == Bytes{});
    CHECK_FALSE(bytes_from_hex("f").has_value());      // odd number of digits
    CHECK_FALSE(bytes_from_hex("f f f").has_value());
    CHECK_FALSE(bytes_from_hex("zz").has_value());
    CHECK_FALSE(bytes_from_hex("0x12").has_value());
    CHECK(bytes_to_hex(Bytes{std::byte{0x00}, std::byte{0xab}, std::byte{0xff}}) == "00abff");
    CHECK(bytes_to_hex(Bytes{}).empty());
}

// ---- Error names ------------------------------------------------------------------------------

TEST_CASE("Every NOTIFICATION code and subcode decodes, encodes and is named", "[notification]") {
    struct Case {
        std::uint8_t code;
        std::uint8_t subcode;
        const char* code_name;
        const char* subcode_name;
    };
    const std::vector<Case> cases = {
        {1, 0, "Message Header Error", "Unspecific"},
        {1, 1, "Message Header Error", "Connection Not Synchronized"},
        {1, 2, "Message Header Error", "Bad Message Length"},
        {1, 3, "Message Header Error", "Bad Message Type"},
        {2, 0, "OPEN Message Error", "Unspecific"},
        {2, 1, "OPEN Message Error", "Unsupported Version Number"},
        {2, 2, "OPEN Message Error", "Bad Peer AS"},
        {2, 3, "OPEN Message Error", "Bad BGP Identifier"},
        {2, 4, "OPEN Message Error", "Unsupported Optional Parameter"},
        {2, 5, "OPEN Message Error", "Authentication Failure (deprecated)"},
        {2, 6, "OPEN Message Error", "Unacceptable Hold Time"},
        {2, 7, "OPEN Message Error", "Unsupported Capability"},
        {2, 11, "OPEN Message Error", "Role Mismatch"},
        {3, 0, "UPDATE Message Error", "Unspecific"},
        {3, 1, "UPDATE Message Error", "Malformed Attribute List"},
        {3, 2, "UPDATE Message Error", "Unrecognized Well-known Attribute"},
        {3, 3, "UPDATE Message Error", "Missing Well-known Attribute"},
        {3, 4, "UPDATE Message Error", "Attribute Flags Error"},
        {3, 5, "UPDATE Message Error", "Attribute Length Error"},
        {3, 6, "UPDATE Message Error", "Invalid ORIGIN Attribute"},
        {3, 7, "UPDATE Message Error", "AS Routing Loop (deprecated)"},
        {3, 8, "UPDATE Message Error", "Invalid NEXT_HOP Attribute"},
        {3, 9, "UPDATE Message Error", "Optional Attribute Error"},
        {3, 10, "UPDATE Message Error", "Invalid Network Field"},
        {3, 11, "UPDATE Message Error", "Malformed AS_PATH"},
        {4, 0, "Hold Timer Expired", "Unspecific"},
        {5, 0, "Finite State Machine Error", "Unspecified Error"},
        {5, 1, "Finite State Machine Error", "Receive Unexpected Message in OpenSent State"},
        {5, 2, "Finite State Machine Error", "Receive Unexpected Message in OpenConfirm State"},
        {5, 3, "Finite State Machine Error", "Receive Unexpected Message in Established State"},
        {6, 0, "Cease", "Unspecific"},
        {6, 1, "Cease", "Maximum Number of Prefixes Reached"},
        {6, 2, "Cease", "Administrative Shutdown"},
        {6, 3, "Cease", "Peer De-configured"},
        {6, 4, "Cease", "Administrative Reset"},
        {6, 5, "Cease", "Connection Rejected"},
        {6, 6, "Cease", "Other Configuration Change"},
        {6, 7, "Cease", "Connection Collision Resolution"},
        {6, 8, "Cease", "Out of Resources"},
        {6, 9, "Cease", "Hard Reset"},
        {6, 10, "Cease", "BFD Down"},
        {7, 1, "ROUTE-REFRESH Message Error", "Invalid Message Length"},
        // Unassigned values still decode (nothing can be answered to a NOTIFICATION).
        {1, 4, "Message Header Error", "Unknown subcode"},
        {2, 12, "OPEN Message Error", "Unknown subcode"},
        {4, 1, "Hold Timer Expired", "Unknown subcode"},
        {6, 11, "Cease", "Unknown subcode"},
        {7, 2, "ROUTE-REFRESH Message Error", "Unknown subcode"},
        {0, 0, "Unknown error code", "Unspecific"},
        {8, 0, "Send Hold Timer Expired", "Unspecific"},  // RFC 9687
        {9, 1, "Unknown error code", "Unknown subcode"},
    };
    for (const auto& c : cases) {
        INFO("code " << int{c.code} << " subcode " << int{c.subcode});
        CHECK(std::string(error_code_name(c.code)) == c.code_name);
        CHECK(std::string(error_subcode_name(c.code, c.subcode)) == c.subcode_name);

        const Bytes wire = message("0015 03" + byte_hex(c.code) + byte_hex(c.subcode));
        const auto decoded = decode_notification(wire);
        REQUIRE(decoded.ok());
        CHECK(int{decoded->code} == int{c.code});
        CHECK(int{decoded->subcode} == int{c.subcode});
        CHECK(decoded->data.empty());
        CHECK(decoded->to_string() == std::string(c.code_name) + " / " + c.subcode_name);
        Bytes out;
        encode_notification(decoded.value(), out);
        CHECK(to_hex(out) == to_hex(wire));
    }
}

TEST_CASE("Action names and the one-line text of a WireError", "[notification]") {
    CHECK(std::string(error_action_name(ErrorAction::attribute_discard)) == "attribute-discard");
    CHECK(std::string(error_action_name(ErrorAction::treat_as_withdraw)) == "treat-as-withdraw");
    CHECK(std::string(error_action_name(ErrorAction::afisafi_disable)) == "afi-safi-disable");
    CHECK(std::string(error_action_name(ErrorAction::session_reset)) == "session-reset");

    const WireError hold{ErrorAction::session_reset, ErrorCode::open_message, open_subcode::unacceptable_hold_time,
                         {}, 22, "hold time of 1 or 2 seconds"};
    CHECK(hold.to_string() ==
          "session-reset: OPEN Message Error / Unacceptable Hold Time at offset 22: hold time of 1 or 2 seconds");
    const WireError version{ErrorAction::session_reset, ErrorCode::open_message,
                            open_subcode::unsupported_version_number, {std::byte{0}, std::byte{4}}, 19, "BGP version is not 4"};
    CHECK(version.to_string() ==
          "session-reset: OPEN Message Error / Unsupported Version Number at offset 19: BGP version is not 4 [data 0004]");
}

// ---- NOTIFICATION -----------------------------------------------------------------------------

TEST_CASE("NOTIFICATION data is kept as sent", "[notification]") {
    const Bytes wire = message("0017 03 02 01 0004");  // Unsupported Version Number, largest supported: 4
    const auto decoded = decode_notification(wire);
    REQUIRE(decoded.ok());
    CHECK(to_hex(decoded->data) == "0004");
    CHECK_FALSE(decoded->shutdown_communication().has_value());
    CHECK(decoded->to_string() == "OPEN Message Error / Unsupported Version Number [data 0004]");
    Bytes out;
    encode_notification(decoded.value(), out);
    CHECK(to_hex(out) == to_hex(wire));
}

TEST_CASE("RFC 9003 shutdown communication round-trips", "[notification]") {
    struct Case {
        const char* name;
        std::uint8_t subcode;
        std::string text;
        std::string after_marker;
    };
    const std::vector<Case> cases = {
        {"Administrative Shutdown", cease_subcode::administrative_shutdown, "maintenance",
         "0021 03 06 02 0b 6d61696e74656e616e6365"},
        {"Administrative Reset, non-ASCII", cease_subcode::administrative_reset, "Wartung f\xc3\xbcr 2h",
         "0025 03 06 04 0f 57617274756e672066c3bc72203268"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const Bytes wire = message(c.after_marker);
        const auto decoded = decode_notification(wire);
        REQUIRE(decoded.ok());
        CHECK(decoded->shutdown_communication() == c.text);
        CHECK(decoded->to_string() == std::string("Cease / ") + error_subcode_name(6, c.subcode) + ": \"" + c.text + "\"");
        CHECK(decoded.value() == NotificationMessage::cease(c.subcode, c.text));
        Bytes out;
        encode_notification(NotificationMessage::cease(c.subcode, c.text), out);
        CHECK(to_hex(out) == to_hex(wire));
    }
}

TEST_CASE("RFC 9003 communication only where it is defined, and only when non-empty", "[notification]") {
    Bytes out;
    encode_notification(NotificationMessage::cease(cease_subcode::administrative_shutdown), out);
    CHECK(to_hex(out) == to_hex(message("0015 03 06 02")));

    out.clear();
    encode_notification(NotificationMessage::cease(cease_subcode::peer_deconfigured, "bye"), out);
    CHECK(to_hex(out) == to_hex(message("0015 03 06 03")));

    // A zero length octet is a valid, empty communication.
    const auto empty = decode_notification(message("0016 03 06 02 00"));
    REQUIRE(empty.ok());
    CHECK(empty->shutdown_communication() == std::string());
    CHECK(empty->to_string() == "Cease / Administrative Shutdown");

    // The same bytes under another subcode are plain data.
    const auto other = decode_notification(message("0019 03 06 03 03 627965"));
    REQUIRE(other.ok());
    CHECK_FALSE(other->shutdown_communication().has_value());
    CHECK(other->to_string() == "Cease / Peer De-configured [data 03627965]");
}

TEST_CASE("RFC 9003 communication longer than 255 bytes is cut on a UTF-8 boundary", "[notification]") {
    struct Case {
        const char* name;
        std::string text;
        std::string expected;
    };
    const std::string e_acute = "\xc3\xa9";         // 2 bytes
    const std::string euro = "\xe2\x82\xac";        // 3 bytes
    const std::string grinning = "\xf0\x9f\x98\x80";  // 4 bytes
    const std::vector<Case> cases = {
        {"255 ASCII bytes are kept whole", std::string(255, 'a'), std::string(255, 'a')},
        {"300 ASCII bytes become 255", std::string(300, 'a'), std::string(255, 'a')},
        {"a 2-byte character across the limit is dropped", std::string(254, 'a') + e_acute, std::string(254, 'a')},
        {"a 3-byte character across the limit is dropped", std::string(253, 'a') + euro + "tail", std::string(253, 'a')},
        {"a 4-byte character ending at the limit is kept", std::string(251, 'a') + grinning + "x",
         std::string(251, 'a') + grinning},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const auto notification = NotificationMessage::cease(cease_subcode::administrative_shutdown, c.text);
        REQUIRE_FALSE(notification.data.empty());
        CHECK(std::to_integer<std::size_t>(notification.data[0]) == c.expected.size());
        CHECK(notification.shutdown_communication() == c.expected);

        Bytes out;
        encode_notification(notification, out);
        const auto decoded = decode_notification(out);
        REQUIRE(decoded.ok());
        CHECK(decoded->shutdown_communication() == c.expected);
    }
}

TEST_CASE("Malformed RFC 9003 communications are reported as data, not text", "[notification]") {
    struct Case {
        const char* name;
        const char* data_hex;
    };
    const std::vector<Case> cases = {
        {"length beyond the data", "0c 6d61696e74656e616e6365"},
        {"length short of the data", "0a 6d61696e74656e616e6365"},
        {"invalid sequence", "02 c328"},
        {"overlong slash", "02 c0af"},
        {"surrogate", "03 eda080"},
        {"above U+10FFFF", "04 f4908080"},
        {"truncated 3-byte character", "02 e282"},
        {"lone continuation byte", "01 80"},
        {"0xff", "01 ff"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        NotificationMessage notification{6, cease_subcode::administrative_shutdown, hex(c.data_hex)};
        CHECK_FALSE(notification.shutdown_communication().has_value());
        CHECK(notification.to_string() == "Cease / Administrative Shutdown [data " + to_hex(hex(c.data_hex)) + "]");
    }
    // The largest code point and a 4-byte character are valid.
    const NotificationMessage largest{6, cease_subcode::administrative_shutdown, hex("08 f48fbfbf f09f9880")};
    CHECK(largest.shutdown_communication() == std::string("\xf4\x8f\xbf\xbf\xf0\x9f\x98\x80"));
    CHECK(NotificationMessage{6, 2, text_bytes("\x05hello")}.shutdown_communication() == std::string("hello"));
}

TEST_CASE("NOTIFICATION length limits", "[notification]") {
    SECTION("shorter than 21 octets is a header length error") {
        for (const char* after_marker : {"0014 03 06", "0013 03"}) {
            INFO(after_marker);
            const Bytes wire = message(after_marker);
            const auto decoded = decode_notification(wire);
            REQUIRE_FALSE(decoded.ok());
            check_error(decoded.error(), ErrorCode::message_header, header_subcode::bad_message_length,
                        to_hex(Bytes(wire.begin() + 16, wire.begin() + 18)), 16);
        }
    }
    SECTION("length field disagreeing with the buffer") {
        const auto decoded = decode_notification(hex(marker + "0016 03 06 02"));
        REQUIRE_FALSE(decoded.ok());
        check_error(decoded.error(), ErrorCode::message_header, header_subcode::bad_message_length, "0016", 16);
    }
    SECTION("65535 octets once extended message is negotiated") {
        Bytes wire = hex(marker + "ffff 03 06 02");
        wire.resize(65535, std::byte{0x41});
        const auto decoded = decode_notification(wire);
        REQUIRE(decoded.ok());
        CHECK(decoded->data.size() == 65535 - 21);
        Bytes out;
        encode_notification(decoded.value(), out);
        CHECK(out == wire);
    }
    SECTION("data beyond 65535 octets is cut by the encoder") {
        NotificationMessage notification{6, 2, Bytes(70000, std::byte{0x41})};
        Bytes out;
        encode_notification(notification, out);
        CHECK(out.size() == 65535);
        CHECK(to_hex(Bytes(out.begin() + 16, out.begin() + 19)) == "ffff03");
    }
}

// ---- ROUTE-REFRESH ----------------------------------------------------------------------------

TEST_CASE("ROUTE-REFRESH subtypes round-trip (RFC 2918, RFC 7313)", "[route-refresh]") {
    struct Case {
        const char* name;
        std::string after_marker;
        RouteRefreshMessage expected;
    };
    const std::vector<Case> cases = {
        {"normal IPv4 unicast", "0017 05 0001 00 01", {{Afi::ipv4, Safi::unicast}, RouteRefreshSubtype::normal}},
        {"BoRR IPv6 unicast", "0017 05 0002 01 01", {{Afi::ipv6, Safi::unicast}, RouteRefreshSubtype::begin_of_rib}},
        {"EoRR IPv6 unicast", "0017 05 0002 02 01", {{Afi::ipv6, Safi::unicast}, RouteRefreshSubtype::end_of_rib}},
        {"normal IPv4 multicast", "0017 05 0001 00 02", {{Afi::ipv4, Safi::multicast}, RouteRefreshSubtype::normal}},
        {"unnegotiated family passes to the session", "0017 05 0019 00 46",
         {{static_cast<Afi>(25), static_cast<Safi>(70)}, RouteRefreshSubtype::normal}},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const Bytes wire = message(c.after_marker);
        const auto decoded = decode_route_refresh(wire);
        if (!decoded.ok()) FAIL(decoded.error().to_string());
        CHECK(decoded.value() == c.expected);
        Bytes out;
        encode_route_refresh(c.expected, out);
        CHECK(to_hex(out) == to_hex(wire));
    }
}

TEST_CASE("ROUTE-REFRESH with an unknown subtype is to be ignored (RFC 7313 §3)", "[route-refresh]") {
    for (const char* after_marker : {"0017 05 0001 03 01", "0017 05 0002 ff 01"}) {
        INFO(after_marker);
        const auto decoded = decode_route_refresh(message(after_marker));
        REQUIRE_FALSE(decoded.ok());
        CHECK(decoded.error().action == ErrorAction::attribute_discard);
        CHECK(std::string(decoded.error().reason) == "unknown route refresh subtype");
        CHECK(decoded.error().offset == 21);
    }
}

TEST_CASE("ROUTE-REFRESH of the wrong length carries the whole message (RFC 7313 §5)", "[route-refresh]") {
    for (const char* after_marker : {"0018 05 0001 01 01 00", "0016 05 0001 02", "0013 05", "001b 05 0001 00 01 01020304"}) {
        INFO(after_marker);
        const Bytes wire = message(after_marker);
        const auto decoded = decode_route_refresh(wire);
        REQUIRE_FALSE(decoded.ok());
        check_error(decoded.error(), ErrorCode::route_refresh, route_refresh_subcode::invalid_message_length,
                    to_hex(wire), 16);
    }
    SECTION("but a bad header is still a header error") {
        const auto decoded = decode_route_refresh(hex("ffffffffffffffffffffffffffffffef 0017 05 0001 00 01"));
        REQUIRE_FALSE(decoded.ok());
        check_error(decoded.error(), ErrorCode::message_header, header_subcode::connection_not_synchronized, "", 15);
    }
}

// ---- IP addresses and prefixes ----------------------------------------------------------------

TEST_CASE("IP addresses parse and format", "[ip]") {
    const auto v4 = IpAddress::parse("192.0.2.1");
    REQUIRE(v4.has_value());
    CHECK(v4->is_v4());
    CHECK(v4->v4_value() == 0xc0000201);
    CHECK(v4->to_string() == "192.0.2.1");
    CHECK(*v4 == IpAddress::v4(0xc0000201));

    const auto v6 = IpAddress::parse("2001:DB8:0:0::1");
    REQUIRE(v6.has_value());
    CHECK_FALSE(v6->is_v4());
    CHECK(v6->afi() == Afi::ipv6);
    CHECK(v6->to_string() == "2001:db8::1");  // RFC 5952 canonical form
    CHECK(int{v6->bytes()[0]} == 0x20);
    CHECK(int{v6->bytes()[15]} == 0x01);

    CHECK(IpAddress::parse("0.0.0.0")->is_unspecified());
    CHECK(IpAddress::parse("::")->is_unspecified());
    CHECK_FALSE(IpAddress::parse("::1")->is_unspecified());
    CHECK(IpAddress::parse("::ffff:192.0.2.1")->to_string() == "::ffff:192.0.2.1");
    CHECK(IpAddress::parse("128.0.0.0")->bit(0));
    CHECK_FALSE(IpAddress::parse("127.255.255.255")->bit(0));
    CHECK(*IpAddress::parse("10.0.0.1") < *IpAddress::parse("10.0.0.2"));

    for (const char* garbage : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4", "abc", "1.2.3.-4",
                                "2001:db8:::1", "2001:db8::g", "1.2.3.4/24", "::1::", "1:2:3:4:5:6:7:8:9"}) {
        INFO("'" << garbage << "'");
        CHECK_FALSE(IpAddress::parse(garbage).has_value());
    }
}

TEST_CASE("Prefixes parse, format and reject host bits and bad lengths", "[ip]") {
    for (const char* text : {"10.0.0.0/8", "0.0.0.0/0", "192.0.2.1/32", "198.51.100.128/25", "2001:db8::/32", "::/0",
                             "2001:db8::1/128", "fe80::/10"}) {
        INFO(text);
        const auto prefix = Prefix::parse(text);
        REQUIRE(prefix.has_value());
        CHECK(prefix->to_string() == text);
    }
    const auto p = Prefix::parse("198.51.100.128/25");
    REQUIRE(p.has_value());
    CHECK(p->length() == 25);
    CHECK(p->afi() == Afi::ipv4);
    CHECK(p->address() == IpAddress::v4(0xc6336480));

    for (const char* garbage : {"10.0.0.1/8", "10.0.0.0/33", "2001:db8::/129", "2001:db8::1/64", "10.0.0.0/",
                                "10.0.0.0", "/8", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0.0/0008", "garbage",
                                "10.0.0.0//8", "300.0.0.0/8"}) {
        INFO("'" << garbage << "'");
        CHECK_FALSE(Prefix::parse(garbage).has_value());
    }
}

TEST_CASE("Prefix::make clears host bits and clamps the length", "[ip]") {
    CHECK(Prefix::make(IpAddress::v4(0x0a010203), 8) == *Prefix::parse("10.0.0.0/8"));
    CHECK(Prefix::make(IpAddress::v4(0x0a010203), 23).to_string() == "10.1.2.0/23");
    CHECK(Prefix::make(IpAddress::v4(0x0a010203), 40).to_string() == "10.1.2.3/32");
    CHECK(Prefix::make(*IpAddress::parse("2001:db8:ffff::1"), 33).to_string() == "2001:db8:8000::/33");
    CHECK(Prefix::make(*IpAddress::parse("2001:db8::1"), 200).length() == 128);
}

TEST_CASE("Prefix containment", "[ip]") {
    const Prefix ten = *Prefix::parse("10.0.0.0/8");
    CHECK(ten.contains(*IpAddress::parse("10.0.0.0")));
    CHECK(ten.contains(*IpAddress::parse("10.255.255.255")));
    CHECK_FALSE(ten.contains(*IpAddress::parse("11.0.0.0")));
    CHECK_FALSE(ten.contains(*IpAddress::parse("9.255.255.255")));
    CHECK_FALSE(ten.contains(*IpAddress::parse("::a00:0")));  // other family

    const Prefix v4_default = *Prefix::parse("0.0.0.0/0");
    CHECK(v4_default.contains(*IpAddress::parse("255.255.255.255")));
    CHECK_FALSE(v4_default.contains(*IpAddress::parse("::")));

    CHECK(ten.contains(*Prefix::parse("10.1.0.0/16")));
    CHECK(ten.contains(ten));
    CHECK_FALSE(Prefix::parse("10.1.0.0/16")->contains(ten));
    CHECK_FALSE(ten.contains(*Prefix::parse("11.0.0.0/16")));
    CHECK(v4_default.contains(ten));
    CHECK_FALSE(Prefix::parse("::/0")->contains(ten));

    const Prefix doc = *Prefix::parse("2001:db8::/32");
    CHECK(doc.contains(*IpAddress::parse("2001:db8:ffff::1")));
    CHECK_FALSE(doc.contains(*IpAddress::parse("2001:db9::")));
    CHECK(doc.contains(*Prefix::parse("2001:db8:1::/48")));
    CHECK_FALSE(Prefix::parse("2001:db8:1::/48")->contains(doc));

    PrefixHash hash;
    CHECK(hash(ten) == hash(*Prefix::parse("10.0.0.0/8")));
    CHECK(hash(ten) != hash(*Prefix::parse("10.0.0.0/9")));
}
