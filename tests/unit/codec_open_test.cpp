// OPEN and capabilities, against golden bytes built by hand from RFC 4271 §4.2, RFC 5492 §4,
// RFC 9072 §2 and each capability's RFC. One fixture drives both directions: decoding it
// must give the expected fields, encoding those fields must give the fixture back.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/wire/capabilities_codec.hpp"
#include "bgp/wire/codec.hpp"
#include "hex.hpp"

using namespace bgpemu::bgp;
using bgpemu::test::hex;
using bgpemu::test::to_hex;

namespace {

const std::string marker = "ffffffffffffffffffffffffffffffff";

std::string repeat_hex(std::string_view byte_hex, std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) out += byte_hex;
    return out;
}

// A whole message from the hex after the marker. Fails the test when the length field
// disagrees with the fixture, so a miscounted hand-built fixture cannot test the wrong thing.
Bytes message(const std::string& after_marker) {
    Bytes bytes = hex(marker + after_marker);
    REQUIRE(bytes.size() >= 18);
    const std::size_t length_field = (std::to_integer<std::size_t>(bytes[16]) << 8) | std::to_integer<std::size_t>(bytes[17]);
    REQUIRE(length_field == bytes.size());
    return bytes;
}

Bytes encoded(const OpenMessage& open) {
    Bytes out;
    encode_open(open, out);
    return out;
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

Bytes raw(std::initializer_list<std::uint8_t> values) {
    Bytes out;
    for (auto v : values) out.push_back(std::byte{v});
    return out;
}

constexpr AfiSafi ipv4_unicast{Afi::ipv4, Safi::unicast};
constexpr AfiSafi ipv6_unicast{Afi::ipv6, Safi::unicast};

// ---- Real-looking OPENs ------------------------------------------------------------------

// As FRR 8.4 sends it: one capability per Optional Parameter.
const std::string frr_open =
    "005e 01"                          // length 94, OPEN
    "04 fde9 00b4 c0000201"            // version 4, AS 65001, hold 180 s, identifier 192.0.2.1
    "41"                               // optional parameters: 65 octets
    "02 06 01 04 0001 00 01"           // multiprotocol IPv4 unicast
    "02 02 80 00"                      // route refresh, pre-standard code 128
    "02 02 02 00"                      // route refresh (RFC 2918)
    "02 02 46 00"                      // enhanced route refresh (RFC 7313)
    "02 06 41 04 0000fde9"             // 4-octet AS 65001
    "02 02 06 00"                      // extended message (RFC 8654)
    "02 06 45 04 0001 01 01"           // ADD-PATH IPv4 unicast, receive
    "02 06 49 04 02 7231 00"           // FQDN hostname "r1", empty domain
    "02 04 40 02 4078"                 // graceful restart: N bit, 120 s, no families (helper)
    "02 09 47 07 0001 01 00 000000";   // long-lived GR: IPv4 unicast, stale time 0

// The same capabilities as encode_open writes them: one parameter, ascending codes.
const std::string frr_open_canonical =
    "004c 01 04 fde9 00b4 c0000201"
    "2f 02 2d"                         // 47 octets of parameters: one of 45 octets
    "01 04 0001 00 01"
    "02 00"
    "06 00"
    "40 02 4078"
    "41 04 0000fde9"
    "45 04 0001 01 01"
    "46 00"
    "47 07 0001 01 00 000000"
    "49 04 02 7231 00"
    "80 00";

OpenMessage frr_open_fields() {
    OpenMessage open;
    open.my_as = 65001;
    open.hold_time = 180;
    open.bgp_identifier = 0xc0000201;
    auto& caps = open.capabilities;
    caps.multiprotocol = {ipv4_unicast};
    caps.route_refresh = true;
    caps.route_refresh_cisco = true;
    caps.enhanced_route_refresh = true;
    caps.extended_message = true;
    caps.four_octet_as = 65001;
    caps.add_path = {{ipv4_unicast, AddPathMode::receive}};
    caps.fqdn = FqdnCapability{"r1", ""};
    caps.graceful_restart = GracefulRestartCapability{false, true, 120, {}};
    caps.long_lived_graceful_restart = true;
    caps.long_lived_graceful_restart_value = raw({0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00});
    return open;
}

// As BIRD 2 sends it: every capability in one Optional Parameter, in code order.
const std::string bird_open =
    "0068 01"                          // length 104, OPEN
    "04 fdea 00f0 c0000202"            // version 4, AS 65002, hold 240 s, identifier 192.0.2.2
    "4b 02 49"                         // 75 octets of parameters: one Capabilities of 73
    "01 04 0001 00 01"                 // multiprotocol IPv4 unicast
    "01 04 0002 00 01"                 // multiprotocol IPv6 unicast
    "02 00"                            // route refresh
    "05 06 0001 0001 0002"             // extended next hop: IPv4 unicast over IPv6 (RFC 8950)
    "06 00"                            // extended message
    "09 01 03"                         // BGP role: customer (RFC 9234)
    "40 06 8078 0001 01 80"            // graceful restart: R bit, 120 s, IPv4 unicast with F bit
    "41 04 0000fdea"                   // 4-octet AS 65002
    "45 08 0001 01 03 0002 01 01"      // ADD-PATH IPv4 both, IPv6 receive
    "46 00"                            // enhanced route refresh
    "47 07 0001 01 80 000e10"          // long-lived GR, kept raw
    "49 09 04 62697264 03 6c6162";     // FQDN "bird" . "lab"

OpenMessage bird_open_fields() {
    OpenMessage open;
    open.my_as = 65002;
    open.hold_time = 240;
    open.bgp_identifier = 0xc0000202;
    auto& caps = open.capabilities;
    caps.multiprotocol = {ipv4_unicast, ipv6_unicast};
    caps.route_refresh = true;
    caps.extended_next_hop = {{ipv4_unicast, Afi::ipv6}};
    caps.extended_message = true;
    caps.role = BgpRole::customer;
    caps.graceful_restart = GracefulRestartCapability{true, false, 120, {{ipv4_unicast, true}}};
    caps.four_octet_as = 65002;
    caps.add_path = {{ipv4_unicast, AddPathMode::both}, {ipv6_unicast, AddPathMode::receive}};
    caps.enhanced_route_refresh = true;
    caps.long_lived_graceful_restart = true;
    caps.long_lived_graceful_restart_value = raw({0x00, 0x01, 0x01, 0x80, 0x00, 0x0e, 0x10});
    caps.fqdn = FqdnCapability{"bird", "lab"};
    return open;
}

}  // namespace

TEST_CASE("OPEN as BIRD sends it decodes field by field and encodes back to the same bytes", "[open]") {
    const Bytes wire = message(bird_open);
    const auto decoded = decode_open(wire);
    REQUIRE(decoded.ok());
    const OpenMessage& open = decoded.value();
    CHECK(int{open.version} == 4);
    CHECK(open.my_as == 65002);
    CHECK(open.hold_time == 240);
    CHECK(open.bgp_identifier == 0xc0000202);
    CHECK(open.effective_as() == 65002);
    CHECK(open.capabilities.multiprotocol == std::vector<AfiSafi>{ipv4_unicast, ipv6_unicast});
    REQUIRE(open.capabilities.graceful_restart.has_value());
    CHECK(open.capabilities.graceful_restart->restart_state);
    CHECK_FALSE(open.capabilities.graceful_restart->notification);
    CHECK(open.capabilities.graceful_restart->restart_time == 120);
    CHECK(open.capabilities.role == BgpRole::customer);
    CHECK(open.capabilities.fqdn == FqdnCapability{"bird", "lab"});
    CHECK(open.other_parameters.empty());
    CHECK(open == bird_open_fields());

    CHECK(to_hex(encoded(bird_open_fields())) == to_hex(wire));
}

TEST_CASE("OPEN as FRR sends it, one capability per parameter, decodes like the canonical one", "[open]") {
    const Bytes frr_wire = message(frr_open);
    const Bytes canonical_wire = message(frr_open_canonical);
    const auto from_frr = decode_open(frr_wire);
    const auto from_canonical = decode_open(canonical_wire);
    REQUIRE(from_frr.ok());
    REQUIRE(from_canonical.ok());

    const auto& caps = from_frr->capabilities;
    CHECK(caps.route_refresh);
    CHECK(caps.route_refresh_cisco);
    CHECK(caps.enhanced_route_refresh);
    CHECK(caps.extended_message);
    CHECK(caps.four_octet_as == 65001u);
    REQUIRE(caps.add_path.size() == 1);
    CHECK(caps.add_path[0].mode == AddPathMode::receive);
    CHECK(caps.fqdn == FqdnCapability{"r1", ""});
    REQUIRE(caps.graceful_restart.has_value());
    CHECK(caps.graceful_restart->notification);
    CHECK(caps.graceful_restart->families.empty());
    CHECK(caps.long_lived_graceful_restart);
    CHECK(caps.unknown.empty());

    CHECK(from_frr.value() == frr_open_fields());
    CHECK(from_canonical.value() == frr_open_fields());
    // We always encode in one parameter, so FRR's layout comes back canonical.
    CHECK(to_hex(encoded(from_frr.value())) == to_hex(canonical_wire));
}

TEST_CASE("OPEN with no optional parameters", "[open]") {
    const Bytes wire = message("001d 01 04 fde9 0000 0a000001 00");
    const auto decoded = decode_open(wire);
    REQUIRE(decoded.ok());
    CHECK(decoded->hold_time == 0);  // 0 disables the hold timer: accepted (RFC 4271 §4.2)
    CHECK(decoded->capabilities == Capabilities{});
    CHECK(decoded->effective_as() == 65001);
    OpenMessage open;
    open.my_as = 65001;
    open.bgp_identifier = 0x0a000001;
    CHECK(to_hex(encoded(open)) == to_hex(wire));
}

TEST_CASE("OPEN keeps unknown capabilities and writes them back at their code", "[open][capabilities]") {
    const Bytes wire = message(
        "002c 01 04 fde9 005a 0a000001 0f 02 0d"
        "01 04 0001 00 01"   // multiprotocol IPv4 unicast
        "ef 03 010203"       // 239: unknown to us (private use)
        "fe 00");            // 254: unknown, empty
    const auto decoded = decode_open(wire);
    REQUIRE(decoded.ok());
    REQUIRE(decoded->capabilities.unknown.size() == 2);
    CHECK(decoded->capabilities.unknown[0] == RawCapability{239, raw({1, 2, 3})});
    CHECK(decoded->capabilities.unknown[1] == RawCapability{254, {}});
    CHECK(to_hex(encoded(decoded.value())) == to_hex(wire));
}

TEST_CASE("RFC 9072 extended optional parameters are accepted however short", "[open]") {
    // Non-Ext OP Len 255, Non-Ext OP Type 255, Extended Opt. Parm. Length 11, then one
    // parameter with a 2-octet length: Capabilities (8 octets) = MP IPv4 unicast + route refresh.
    const std::string extended_body = "ff 000b 02 0008 01 04 0001 00 01 02 00";
    OpenMessage expected;
    expected.my_as = 65001;
    expected.hold_time = 180;
    expected.bgp_identifier = 0xc0000201;
    expected.capabilities.multiprotocol = {ipv4_unicast};
    expected.capabilities.route_refresh = true;

    // RFC 9072 §2: the Non-Ext OP Len "MUST be ignored on receipt" once the type says 255.
    for (const char* non_extended_length : {"ff", "01"}) {
        INFO("Non-Ext OP Len " << non_extended_length);
        const auto decoded = decode_open(message("002b 01 04 fde9 00b4 c0000201 " + std::string(non_extended_length) +
                                                 extended_body));
        REQUIRE(decoded.ok());
        CHECK(decoded.value() == expected);
    }
    // A short OPEN is encoded the RFC 4271 way ("SHOULD be used without alteration").
    CHECK(to_hex(encoded(expected)) ==
          to_hex(message("0027 01 04 fde9 00b4 c0000201 0a 02 08 01 04 0001 00 01 02 00")));
}

TEST_CASE("RFC 9072 extended format is used exactly when the parameters exceed 255 octets", "[open]") {
    OpenMessage open;
    open.my_as = 65001;
    open.hold_time = 180;
    open.bgp_identifier = 0xc0000201;

    SECTION("255 octets still fit the one-octet length") {
        open.capabilities.unknown = {RawCapability{0xf0, hex(repeat_hex("aa", 251))}};
        // Parameter: type 2, length 253, one triple f0 fb + 251 octets: 255 in all.
        const Bytes wire = message("011c 01 04 fde9 00b4 c0000201 ff 02 fd f0 fb" + repeat_hex("aa", 251));
        CHECK(to_hex(encoded(open)) == to_hex(wire));
        // Opt Parm Len 255 followed by type 2 is not the extended format.
        const auto decoded = decode_open(wire);
        REQUIRE(decoded.ok());
        CHECK(decoded.value() == open);
    }
    SECTION("256 octets switch to the extended format") {
        open.capabilities.unknown = {RawCapability{0xf0, hex(repeat_hex("aa", 252))}};
        const Bytes wire =
            message("0121 01 04 fde9 00b4 c0000201 ff ff 0101 02 00fe f0 fc" + repeat_hex("aa", 252));
        CHECK(to_hex(encoded(open)) == to_hex(wire));
        const auto decoded = decode_open(wire);
        REQUIRE(decoded.ok());
        CHECK(decoded.value() == open);
    }
    SECTION("three large capabilities") {
        open.capabilities.unknown = {RawCapability{0xf0, hex(repeat_hex("aa", 100))},
                                     RawCapability{0xf1, hex(repeat_hex("bb", 100))},
                                     RawCapability{0xf2, hex(repeat_hex("cc", 100))}};
        const Bytes wire = message("0155 01 04 fde9 00b4 c0000201 ff ff 0135 02 0132"
                                   "f0 64" + repeat_hex("aa", 100) + "f1 64" + repeat_hex("bb", 100) +
                                   "f2 64" + repeat_hex("cc", 100));
        CHECK(to_hex(encoded(open)) == to_hex(wire));
        const auto decoded = decode_open(wire);
        REQUIRE(decoded.ok());
        CHECK(decoded.value() == open);
    }
}

TEST_CASE("OPEN validation errors carry RFC 4271 §6.2 code, subcode, data and offset", "[open]") {
    struct Case {
        const char* name;
        std::string after_marker;
        ErrorCode code;
        std::uint8_t subcode;
        const char* data;
        std::size_t offset;
    };
    const std::string fixed = " fde9 00b4 c0000201";  // AS 65001, hold 180, id 192.0.2.1
    const std::vector<Case> cases = {
        {"version 3", "001d 01 03" + fixed + "00", ErrorCode::open_message, 1, "0004", 19},
        {"version 5", "001d 01 05" + fixed + "00", ErrorCode::open_message, 1, "0004", 19},
        {"AS 0 (RFC 7607)", "001d 01 04 0000 00b4 c0000201 00", ErrorCode::open_message, 2, "", 20},
        {"hold time 1", "001d 01 04 fde9 0001 c0000201 00", ErrorCode::open_message, 6, "", 22},
        {"hold time 2", "001d 01 04 fde9 0002 c0000201 00", ErrorCode::open_message, 6, "", 22},
        {"BGP identifier 0", "001d 01 04 fde9 00b4 00000000 00", ErrorCode::open_message, 3, "", 24},
        {"authentication parameter (type 1)", "001f 01 04" + fixed + "02 01 00", ErrorCode::open_message, 4, "", 29},
        {"unknown parameter after capabilities", "0025 01 04" + fixed + "08 02 02 02 00 03 02 abcd",
         ErrorCode::open_message, 4, "", 33},
        {"parameters overrun the message", "001f 01 04" + fixed + "05 02 00", ErrorCode::open_message, 0, "", 28},
        {"octets after the parameters", "0020 01 04" + fixed + "02 02 00 00", ErrorCode::open_message, 0, "", 28},
        {"octets after an OPEN without parameters", "001e 01 04" + fixed + "00 00", ErrorCode::open_message, 0, "",
         28},
        {"parameter header truncated", "001e 01 04" + fixed + "01 02", ErrorCode::open_message, 0, "", 29},
        {"parameter length overruns", "0021 01 04" + fixed + "04 02 05 02 00", ErrorCode::open_message, 0, "", 30},
        {"capability length overruns its parameter", "0021 01 04" + fixed + "04 02 02 01 04",
         ErrorCode::open_message, 0, "", 32},
        {"malformed capability in the second parameter", "0028 01 04" + fixed + "0b 02 02 02 00 02 05 01 03 0001 01",
         ErrorCode::open_message, 0, "", 35},
        {"4-octet AS 0 (RFC 7607)", "0025 01 04" + fixed + "08 02 06 41 04 00000000", ErrorCode::open_message, 2,
         "", 31},
        {"role mismatch across parameters (RFC 9234 §4.2)", "0027 01 04" + fixed + "0a 02 03 09 01 00 02 03 09 01 03",
         ErrorCode::open_message, 11, "", 36},
        {"RFC 9072 extended length truncated", "001f 01 04" + fixed + "01 ff 00", ErrorCode::open_message, 0, "", 28},
        {"RFC 9072 extended length overruns", "0021 01 04" + fixed + "ff ff 0005 02", ErrorCode::open_message, 0, "",
         30},
        {"RFC 9072 parameter length overruns", "0023 01 04" + fixed + "ff ff 0003 02 0005", ErrorCode::open_message,
         0, "", 33},
        {"shorter than 29 octets", "001c 01 04" + fixed, ErrorCode::message_header, 2, "001c", 16},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const auto decoded = decode_open(message(c.after_marker));
        REQUIRE_FALSE(decoded.ok());
        check_error(decoded.error(), c.code, c.subcode, c.data, c.offset);
    }
}

TEST_CASE("OPEN values at the edge of validity are accepted", "[open]") {
    struct Case {
        const char* name;
        std::string after_marker;
    };
    const std::vector<Case> cases = {
        {"hold time 3", "001d 01 04 fde9 0003 c0000201 00"},
        {"hold time 65535", "001d 01 04 fde9 ffff c0000201 00"},
        {"identifier 255.255.255.255 (RFC 6286: any non-zero)", "001d 01 04 fde9 00b4 ffffffff 00"},
        {"identifier 0.0.0.1", "001d 01 04 fde9 00b4 00000001 00"},
        {"empty capabilities parameter", "001f 01 04 fde9 00b4 c0000201 02 02 00"},
        {"AS_TRANS with the real AS in the capability", "0025 01 04 5ba0 00b4 c0000201 08 02 06 41 04 fa56ea01"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const auto decoded = decode_open(message(c.after_marker));
        CHECK(decoded.ok());
        if (!decoded.ok()) FAIL_CHECK(decoded.error().to_string());
    }
    const auto as_trans = decode_open(message(cases.back().after_marker));
    REQUIRE(as_trans.ok());
    CHECK(as_trans->my_as == 23456);
    CHECK(as_trans->effective_as() == 4200000001u);
}

TEST_CASE("OPEN framing errors", "[open]") {
    SECTION("length field disagrees with the buffer") {
        const auto decoded = decode_open(hex(marker + "001d 01 04 fde9 00b4 c0000201 00 00"));
        REQUIRE_FALSE(decoded.ok());
        check_error(decoded.error(), ErrorCode::message_header, 2, "001d", 16);
    }
    SECTION("not an OPEN") {
        const auto decoded = decode_open(message("0013 04"));
        REQUIRE_FALSE(decoded.ok());
        check_error(decoded.error(), ErrorCode::message_header, 3, "04", 18);
    }
    SECTION("longer than 4096 octets (RFC 8654 §4: OPEN is never extended)") {
        Bytes wire = hex(marker + "1001 01 04 fde9 00b4 c0000201 00");
        wire.resize(4097);
        const auto decoded = decode_open(wire);
        REQUIRE_FALSE(decoded.ok());
        check_error(decoded.error(), ErrorCode::message_header, 2, "1001", 16);
    }
    SECTION("bad marker") {
        const auto decoded = decode_open(hex("ffffffffffffffffffffffffffff00ff 001d 01 04 fde9 00b4 c0000201 00"));
        REQUIRE_FALSE(decoded.ok());
        check_error(decoded.error(), ErrorCode::message_header, 1, "", 14);
    }
}

TEST_CASE("Every truncation of a valid OPEN is an error, never a crash", "[open]") {
    for (const std::string& fixture : {bird_open, frr_open}) {
        const Bytes whole = message(fixture);
        for (std::size_t size = 0; size < whole.size(); ++size) {
            INFO("prefix of " << size << " of " << whole.size() << " octets");
            const Bytes prefix(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(size));

            // As cut: the length field no longer matches (or the header itself is cut).
            const auto as_cut = decode_open(prefix);
            REQUIRE_FALSE(as_cut.ok());
            CHECK(as_cut.error().code == ErrorCode::message_header);
            CHECK(int{as_cut.error().subcode} == int{header_subcode::bad_message_length});

            // With the length field patched to agree, the body decoder must catch the cut.
            if (size < 18) continue;
            Bytes patched = prefix;
            patched[16] = std::byte(size >> 8);
            patched[17] = std::byte(size & 0xff);
            const auto cut_body = decode_open(patched);
            REQUIRE_FALSE(cut_body.ok());
            if (size < 29) {
                CHECK(cut_body.error().code == ErrorCode::message_header);
            } else {
                CHECK(cut_body.error().code == ErrorCode::open_message);
                CHECK(int{cut_body.error().subcode} == 0);
                CHECK(cut_body.error().offset >= 28);
                CHECK(cut_body.error().offset < size + 1);
            }

            // With Opt Parm Len patched too, the cut lands inside a parameter or capability:
            // an OPEN error or, exactly on a boundary, a shorter valid OPEN.
            if (size < 29) continue;
            patched[28] = std::byte(size - 29);
            const auto cut_parameters = decode_open(patched);
            if (!cut_parameters.ok()) {
                CHECK(cut_parameters.error().code == ErrorCode::open_message);
                CHECK(cut_parameters.error().offset < size);
            }

            // And with the first parameter's length patched, the cut lands among the triples.
            if (size < 31) continue;
            patched[30] = std::byte(size - 31);
            const auto cut_capabilities = decode_open(patched);
            if (!cut_capabilities.ok()) {
                CHECK(cut_capabilities.error().code == ErrorCode::open_message);
                CHECK(cut_capabilities.error().offset < size);
            }
        }
    }
}

// ---- Capabilities one at a time -------------------------------------------------------------

namespace {

struct CapabilityFixture {
    const char* name;
    const char* triples_hex;
    Capabilities expected;
};

Capabilities with(void (*fill)(Capabilities&)) {
    Capabilities caps;
    fill(caps);
    return caps;
}

std::optional<WireError> decode_triples(const Bytes& bytes, Capabilities& caps, std::size_t base = 0) {
    return decode_capability_triples(WireReader(bytes, base), caps);
}

std::string encode_triples(const Capabilities& caps) {
    Bytes out;
    WireWriter writer(out);
    encode_capability_triples(caps, writer);
    return to_hex(out);
}

}  // namespace

TEST_CASE("Each capability decodes from and encodes to its RFC layout", "[capabilities]") {
    const std::vector<CapabilityFixture> fixtures = {
        {"multiprotocol IPv4 unicast (RFC 4760 §8)", "01 04 0001 00 01",
         with([](Capabilities& c) { c.multiprotocol = {{Afi::ipv4, Safi::unicast}}; })},
        {"multiprotocol IPv6 multicast", "01 04 0002 00 02",
         with([](Capabilities& c) { c.multiprotocol = {{Afi::ipv6, Safi::multicast}}; })},
        {"multiprotocol unknown family kept as numbers (L2VPN EVPN)", "01 04 0019 00 46",
         with([](Capabilities& c) { c.multiprotocol = {{static_cast<Afi>(25), static_cast<Safi>(70)}}; })},
        {"route refresh (RFC 2918)", "02 00", with([](Capabilities& c) { c.route_refresh = true; })},
        {"route refresh, Cisco 128", "80 00", with([](Capabilities& c) { c.route_refresh_cisco = true; })},
        {"enhanced route refresh (RFC 7313)", "46 00", with([](Capabilities& c) { c.enhanced_route_refresh = true; })},
        {"extended message (RFC 8654)", "06 00", with([](Capabilities& c) { c.extended_message = true; })},
        {"4-octet AS 4200000001 (RFC 6793)", "41 04 fa56ea01",
         with([](Capabilities& c) { c.four_octet_as = 4200000001u; })},
        {"graceful restart R+N, 120 s, two families, F on IPv4 only (RFC 4724)",
         "40 0a c078 0001 01 80 0002 01 00", with([](Capabilities& c) {
             c.graceful_restart =
                 GracefulRestartCapability{true, true, 120, {{{Afi::ipv4, Safi::unicast}, true}, {{Afi::ipv6, Safi::unicast}, false}}};
         })},
        {"graceful restart helper: no flags, no families", "40 02 0000",
         with([](Capabilities& c) { c.graceful_restart = GracefulRestartCapability{}; })},
        {"graceful restart time 4095 s (all 12 bits)", "40 02 0fff",
         with([](Capabilities& c) { c.graceful_restart = GracefulRestartCapability{false, false, 4095, {}}; })},
        {"ADD-PATH IPv4 receive, IPv6 both (RFC 7911)", "45 08 0001 01 01 0002 01 03", with([](Capabilities& c) {
             c.add_path = {{{Afi::ipv4, Safi::unicast}, AddPathMode::receive}, {{Afi::ipv6, Safi::unicast}, AddPathMode::both}};
         })},
        {"ADD-PATH send", "45 04 0001 01 02",
         with([](Capabilities& c) { c.add_path = {{{Afi::ipv4, Safi::unicast}, AddPathMode::send}}; })},
        {"extended next hop IPv4 unicast and multicast over IPv6 (RFC 8950)", "05 0c 0001 0001 0002 0001 0002 0002",
         with([](Capabilities& c) {
             c.extended_next_hop = {{{Afi::ipv4, Safi::unicast}, Afi::ipv6}, {{Afi::ipv4, Safi::multicast}, Afi::ipv6}};
         })},
        {"FQDN rtr.example", "49 0c 03 727472 07 6578616d706c65",
         with([](Capabilities& c) { c.fqdn = FqdnCapability{"rtr", "example"}; })},
        {"FQDN empty names", "49 02 00 00", with([](Capabilities& c) { c.fqdn = FqdnCapability{}; })},
        {"BGP role provider (RFC 9234)", "09 01 00", with([](Capabilities& c) { c.role = BgpRole::provider; })},
        {"BGP role route server", "09 01 01", with([](Capabilities& c) { c.role = BgpRole::route_server; })},
        {"BGP role RS client", "09 01 02", with([](Capabilities& c) { c.role = BgpRole::rs_client; })},
        {"BGP role customer", "09 01 03", with([](Capabilities& c) { c.role = BgpRole::customer; })},
        {"BGP role peer", "09 01 04", with([](Capabilities& c) { c.role = BgpRole::peer; })},
        {"BGP role unassigned value kept for the session to reject", "09 01 07",
         with([](Capabilities& c) { c.role = static_cast<BgpRole>(7); })},
        {"long-lived graceful restart kept raw (RFC 9494)", "47 07 0001 01 80 000e10", with([](Capabilities& c) {
             c.long_lived_graceful_restart = true;
             c.long_lived_graceful_restart_value = {std::byte{0x00}, std::byte{0x01}, std::byte{0x01}, std::byte{0x80},
                                                    std::byte{0x00}, std::byte{0x0e}, std::byte{0x10}};
         })},
        {"long-lived graceful restart, empty", "47 00", with([](Capabilities& c) { c.long_lived_graceful_restart = true; })},
        {"unknown capability kept (RFC 5492 §3)", "ef 03 010203",
         with([](Capabilities& c) { c.unknown = {RawCapability{0xef, {std::byte{1}, std::byte{2}, std::byte{3}}}}; })},
        {"unknown capability, empty value", "fe 00", with([](Capabilities& c) { c.unknown = {RawCapability{0xfe, {}}}; })},
    };
    for (const auto& fixture : fixtures) {
        INFO(fixture.name);
        Capabilities decoded;
        const auto error = decode_triples(hex(fixture.triples_hex), decoded);
        if (error) FAIL(error->to_string());
        CHECK(decoded == fixture.expected);
        CHECK(encode_triples(fixture.expected) == to_hex(hex(fixture.triples_hex)));
    }
}

TEST_CASE("Repeated capabilities follow each RFC", "[capabilities]") {
    Capabilities caps;
    SECTION("multiprotocol instances accumulate; an identical repeat changes nothing (RFC 5492 §4)") {
        REQUIRE_FALSE(decode_triples(hex("01 04 0001 00 01 01 04 0002 00 01 01 04 0001 00 01"), caps));
        CHECK(caps.multiprotocol == std::vector<AfiSafi>{ipv4_unicast, ipv6_unicast});
    }
    SECTION("graceful restart: the last instance wins (RFC 4724 §3)") {
        REQUIRE_FALSE(decode_triples(hex("40 06 8078 0001 01 80 40 02 005a"), caps));
        CHECK(caps.graceful_restart == GracefulRestartCapability{false, false, 90, {}});
    }
    SECTION("equal roles count as one (RFC 9234 §4.2)") {
        REQUIRE_FALSE(decode_triples(hex("09 01 03 09 01 03"), caps));
        CHECK(caps.role == BgpRole::customer);
    }
    SECTION("different roles are a Role Mismatch (RFC 9234 §4.2)") {
        const auto error = decode_triples(hex("09 01 03 09 01 00"), caps, 100);
        REQUIRE(error);
        check_error(*error, ErrorCode::open_message, open_subcode::role_mismatch, "", 103);
    }
    SECTION("capabilities spread over several parameters merge") {
        REQUIRE_FALSE(decode_triples(hex("01 04 0001 00 01"), caps));
        REQUIRE_FALSE(decode_triples(hex("02 00 41 04 0000fde9"), caps));
        CHECK(caps.multiprotocol == std::vector<AfiSafi>{ipv4_unicast});
        CHECK(caps.route_refresh);
        CHECK(caps.four_octet_as == 65001u);
    }
}

TEST_CASE("Capabilities we cannot represent are ignored and kept raw (RFC 5492 §3)", "[capabilities]") {
    Capabilities caps;
    SECTION("ADD-PATH with Send/Receive 4 is not understood (RFC 7911 §4)") {
        REQUIRE_FALSE(decode_triples(hex("45 08 0001 01 01 0002 01 04"), caps));
        CHECK(caps.add_path.empty());
        REQUIRE(caps.unknown.size() == 1);
        CHECK(caps.unknown[0].code == 69);
        CHECK(to_hex(caps.unknown[0].value) == "0001010100020104");
    }
    SECTION("extended next hop with a SAFI above 255") {
        REQUIRE_FALSE(decode_triples(hex("05 06 0001 0101 0002"), caps));
        CHECK(caps.extended_next_hop.empty());
        REQUIRE(caps.unknown.size() == 1);
        CHECK(caps.unknown[0].code == 5);
    }
    SECTION("FQDN without its domain length reads as an empty domain") {
        REQUIRE_FALSE(decode_triples(hex("49 03 02 7231"), caps));
        CHECK(caps.fqdn == FqdnCapability{"r1", ""});
    }
}

TEST_CASE("Malformed capability values are OPEN Message Error / Unspecific at the capability", "[capabilities]") {
    struct Case {
        const char* name;
        const char* triples_hex;
        std::uint8_t subcode;
        std::size_t offset;  // the triples start at offset 100
    };
    const std::vector<Case> cases = {
        {"triple header cut after the code", "01", 0, 100},
        {"length overruns the parameter", "01 04 0001", 0, 101},
        {"multiprotocol length 3", "01 03 000101", 0, 100},
        {"multiprotocol length 5", "01 05 0001000100", 0, 100},
        {"route refresh with a value", "02 01 00", 0, 100},
        {"route refresh 128 with a value", "80 01 00", 0, 100},
        {"enhanced route refresh with a value", "46 01 00", 0, 100},
        {"extended message with a value", "06 01 00", 0, 100},
        {"4-octet AS length 2", "41 02 fde9", 0, 100},
        {"4-octet AS 0 is Bad Peer AS (RFC 7607)", "41 04 00000000", open_subcode::bad_peer_as, 100},
        {"graceful restart length 0", "40 00", 0, 100},
        {"graceful restart length 1", "40 01 00", 0, 100},
        {"graceful restart length 3", "40 03 000000", 0, 100},
        {"graceful restart length 7", "40 07 0078 0001 01 80 00", 0, 100},
        {"ADD-PATH length 0", "45 00", 0, 100},
        {"ADD-PATH length 3", "45 03 000101", 0, 100},
        {"extended next hop length 0", "05 00", 0, 100},
        {"extended next hop length 4", "05 04 00010001", 0, 100},
        {"FQDN empty", "49 00", 0, 100},
        {"FQDN hostname overruns", "49 02 05 41", 0, 100},
        {"FQDN domain overruns", "49 04 01 41 05 42", 0, 100},
        {"FQDN octets after the domain", "49 04 01 41 00 00", 0, 100},
        {"BGP role length 0", "09 00", 0, 100},
        {"BGP role length 2", "09 02 0000", 0, 100},
        {"second triple malformed", "02 00 01 03 000101", 0, 102},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        Capabilities caps;
        const auto error = decode_triples(hex(c.triples_hex), caps, 100);
        REQUIRE(error);
        check_error(*error, ErrorCode::open_message, c.subcode, "", c.offset);
    }
}

TEST_CASE("Capabilities encode in ascending code order, unknown ones at their code", "[capabilities]") {
    Capabilities caps;
    caps.route_refresh_cisco = true;
    caps.unknown = {RawCapability{0xef, {}}, RawCapability{3, {std::byte{0xaa}}}, RawCapability{0x42, {}}};
    caps.four_octet_as = 65001;
    caps.route_refresh = true;
    caps.multiprotocol = {ipv6_unicast, ipv4_unicast};
    // MP (vector order kept), 2, 3, 65, 66, 128, 239.
    CHECK(encode_triples(caps) == to_hex(hex("01 04 0002 00 01 01 04 0001 00 01 02 00 03 01 aa 41 04 0000fde9"
                                             "42 00 80 00 ef 00")));
}

TEST_CASE("Capability encoders keep every value within its one-octet length", "[capabilities]") {
    Capabilities caps;
    caps.fqdn = FqdnCapability{std::string(300, 'h'), std::string(10, 'd')};
    caps.graceful_restart = GracefulRestartCapability{false, false, 5000, {}};  // above 12 bits
    caps.unknown = {RawCapability{0xf0, Bytes(400, std::byte{0x55})}};
    Bytes out;
    WireWriter writer(out);
    encode_capability_triples(caps, writer);
    // The result must decode, whatever was cut.
    Capabilities decoded;
    const auto error = decode_triples(out, decoded);
    if (error) FAIL(error->to_string());
    REQUIRE(decoded.fqdn.has_value());
    CHECK(decoded.fqdn->hostname == std::string(253, 'h'));
    CHECK(decoded.fqdn->domain.empty());
    CHECK(decoded.graceful_restart->restart_time == 4095);
    REQUIRE(decoded.unknown.size() == 1);
    CHECK(decoded.unknown[0].value.size() == 255);
}

TEST_CASE("An OPEN with every capability survives encode then decode", "[open][capabilities]") {
    OpenMessage open = bird_open_fields();
    auto& caps = open.capabilities;
    caps.route_refresh_cisco = true;
    caps.graceful_restart->notification = true;
    caps.extended_next_hop.push_back({ipv6_unicast, Afi::ipv4});
    caps.unknown = {RawCapability{0xef, raw({9, 8, 7})}};
    open.my_as = 23456;  // AS_TRANS
    caps.four_octet_as = 4200000001u;
    const Bytes wire = encoded(open);
    const auto decoded = decode_open(wire);
    REQUIRE(decoded.ok());
    CHECK(decoded.value() == open);
    CHECK(decoded->effective_as() == 4200000001u);
}

TEST_CASE("Non-capability optional parameters are encoded after the capabilities and rejected on decode", "[open]") {
    OpenMessage open;
    open.my_as = 65001;
    open.hold_time = 90;
    open.bgp_identifier = 0x0a000001;
    open.capabilities.route_refresh = true;
    open.other_parameters = {RawOptionalParameter{1, raw({0xab})}};
    const Bytes wire = encoded(open);
    CHECK(to_hex(wire) == to_hex(message("0024 01 04 fde9 005a 0a000001 07 02 02 02 00 01 01 ab")));
    const auto decoded = decode_open(wire);
    REQUIRE_FALSE(decoded.ok());
    check_error(decoded.error(), ErrorCode::open_message, open_subcode::unsupported_optional_parameter, "", 33);
}
