// UPDATE messages: golden fixtures (decode checks fields, encode reproduces the bytes),
// the RFC 7606 / RFC 4271 §6.3 malformation table, round trips, truncation and mutation
// robustness, and the UpdatePacker.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "bgp/wire/codec.hpp"
#include "bgp/wire/update_packer.hpp"
#include "hex.hpp"

namespace {

using namespace bgpemu::bgp;
using bgpemu::test::hex;
using bgpemu::test::to_hex;

void put_u16(Bytes& out, std::size_t value) {
    out.push_back(static_cast<std::byte>((value >> 8) & 0xff));
    out.push_back(static_cast<std::byte>(value & 0xff));
}

// An UPDATE around a hand-written body: marker, computed Length, type 2.
Bytes wrap_body(const Bytes& body) {
    Bytes out(16, std::byte{0xff});
    put_u16(out, 19 + body.size());
    out.push_back(std::byte{2});
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

// An UPDATE from its three fields (hex), with both length fields computed.
Bytes make_update(std::string_view withdrawn, std::string_view attributes, std::string_view nlri) {
    const Bytes w = hex(withdrawn);
    const Bytes a = hex(attributes);
    const Bytes n = hex(nlri);
    Bytes body;
    put_u16(body, w.size());
    body.insert(body.end(), w.begin(), w.end());
    put_u16(body, a.size());
    body.insert(body.end(), a.begin(), a.end());
    body.insert(body.end(), n.begin(), n.end());
    return wrap_body(body);
}

Prefix prefix(std::string_view text) {
    const auto parsed = Prefix::parse(text);
    REQUIRE(parsed);
    return *parsed;
}

IpAddress address(std::string_view text) {
    const auto parsed = IpAddress::parse(text);
    REQUIRE(parsed);
    return *parsed;
}

std::vector<Nlri> nlris(std::initializer_list<const char*> texts, std::uint32_t path_id = 0) {
    std::vector<Nlri> out;
    for (const char* text : texts) out.push_back(Nlri{prefix(text), path_id});
    return out;
}

UpdateMessage decode_ok(const Bytes& message, const DecodeContext& context = {}) {
    UpdateMessage update;
    const auto error = decode_update(message, context, update);
    INFO("unexpected error: " << (error ? error->reason : ""));
    REQUIRE_FALSE(error);
    return update;
}

Bytes encode_ok(const UpdateMessage& update, const EncodeContext& context = {}) {
    Bytes out;
    REQUIRE(encode_update(update, context, out));
    return out;
}

DecodeContext ibgp() {
    DecodeContext context;
    context.peer_is_external = false;
    return context;
}

// ---- Golden fixtures ------------------------------------------------------------------

// RFC 4271 §4.3, every field by hand.
const char* const ipv4_update_hex =
    "ffffffffffffffffffffffffffffffff 004b 02"   // marker, length 75, UPDATE
    "0003"                                         // Withdrawn Routes Length
    "10 0a01"                                      //   10.1.0.0/16
    "0026"                                         // Total Path Attribute Length 38
    "40 01 01 00"                                  //   ORIGIN IGP
    "40 02 0a 02 02 0000fde9 0000fdea"             //   AS_PATH SEQ 65001 65002 (4-octet)
    "40 03 04 c0000201"                            //   NEXT_HOP 192.0.2.1
    "80 04 04 00000064"                            //   MED 100
    "c0 08 04 fde90064"                            //   COMMUNITIES 65001:100
    "18 cb0071"                                    // NLRI 203.0.113.0/24
    "19 c6336480"                                  //      198.51.100.128/25
    "08 0a";                                       //      10.0.0.0/8

// RFC 4760 §3 + RFC 2545 §3: IPv6 next hop with link-local (length 32).
const char* const ipv6_update_hex =
    "ffffffffffffffffffffffffffffffff 005c 02"   // length 92
    "0000"                                         // no withdrawn routes
    "0045"                                         // attributes 69
    "80 0e 35"                                     //   MP_REACH_NLRI, 53 octets
    "0002 01 20"                                   //     AFI 2, SAFI 1, next-hop length 32
    "20010db8000000000000000000000001"             //     2001:db8::1
    "fe800000000000000000000000000001"             //     fe80::1
    "00"                                           //     reserved
    "30 20010db80001"                              //     2001:db8:1::/48
    "40 20010db800020003"                          //     2001:db8:2:3::/64
    "40 01 01 00"                                  //   ORIGIN IGP
    "40 02 06 02 01 0000fde9";                     //   AS_PATH SEQ 65001

PathAttributes ipv6_attributes() {
    PathAttributes attributes;
    attributes.origin = Origin::igp;
    attributes.has_as_path = true;
    attributes.as_path = AsPath({{AsPathSegmentType::as_sequence, {65001}}});
    attributes.mp_next_hop = address("2001:db8::1");
    attributes.mp_next_hop_link_local = address("fe80::1");
    return attributes;
}

TEST_CASE("IPv4 UPDATE golden fixture decodes and re-encodes", "[update]") {
    const Bytes message = hex(ipv4_update_hex);
    REQUIRE(message.size() == 75);
    const UpdateMessage update = decode_ok(message);

    CHECK(update.withdrawn == nlris({"10.1.0.0/16"}));
    CHECK(update.nlri == nlris({"203.0.113.0/24", "198.51.100.128/25", "10.0.0.0/8"}));
    const auto& attributes = update.attributes;
    CHECK(attributes.origin == Origin::igp);
    CHECK(attributes.has_as_path);
    CHECK(attributes.as_path.to_string() == "65001 65002");
    CHECK(attributes.next_hop == address("192.0.2.1"));
    CHECK(attributes.med == 100U);
    CHECK(attributes.communities == std::vector<std::uint32_t>{0xfde90064});
    CHECK_FALSE(update.treat_as_withdraw);
    CHECK(update.discarded.empty());
    CHECK_FALSE(update.mp_reach_family);
    CHECK_FALSE(update.end_of_rib());

    CHECK(to_hex(encode_ok(update)) == to_hex(message));
}

TEST_CASE("IPv6 UPDATE with a link-local next hop decodes and re-encodes", "[update]") {
    const Bytes message = hex(ipv6_update_hex);
    REQUIRE(message.size() == 92);
    const UpdateMessage update = decode_ok(message);

    REQUIRE(update.mp_reach_family);
    CHECK(*update.mp_reach_family == AfiSafi{Afi::ipv6, Safi::unicast});
    CHECK(update.mp_reach == nlris({"2001:db8:1::/48", "2001:db8:2:3::/64"}));
    CHECK(update.nlri.empty());
    CHECK(update.attributes == ipv6_attributes());
    CHECK(update.discarded.empty());

    CHECK(to_hex(encode_ok(update)) == to_hex(message));
}

TEST_CASE("IPv6 next hop without link-local and MP_UNREACH_NLRI", "[update]") {
    const Bytes message = make_update("",
                                      "80 0f 0a 0002 01 30 20010db80009"     // MP_UNREACH 2001:db8:9::/48
                                      "80 0e 15 0002 01 10 20010db8000000000000000000000002 00"  // MP_REACH, no NLRI
                                      ,
                                      "");
    // MP_REACH without NLRI is odd but legal; MP_UNREACH must be parsed wherever it sits.
    const UpdateMessage update = decode_ok(message);
    REQUIRE(update.mp_unreach_family);
    CHECK(update.mp_unreach == nlris({"2001:db8:9::/48"}));
    CHECK(update.attributes.mp_next_hop == address("2001:db8::2"));
    CHECK_FALSE(update.attributes.mp_next_hop_link_local);

    // We write MP_REACH before MP_UNREACH (ascending type, both ahead of the rest).
    const Bytes canonical = make_update("",
                                        "80 0e 15 0002 01 10 20010db8000000000000000000000002 00"
                                        "80 0f 0a 0002 01 30 20010db80009",
                                        "");
    CHECK(to_hex(encode_ok(update)) == to_hex(canonical));
}

TEST_CASE("ADD-PATH NLRI carry path identifiers in both families", "[update]") {
    DecodeContext decode_context;
    decode_context.add_path_receive = {true, true};
    EncodeContext encode_context;
    encode_context.add_path_send = {true, true};

    SECTION("IPv4 NLRI and withdrawn routes (RFC 7911 §3)") {
        const Bytes message = make_update("00000007 10 0a01",                                  // id 7, 10.1.0.0/16
                                          "40010100 4002060201 0000fde9 400304c0000201",
                                          "00000001 18 cb0071 00000002 18 cb0071");           // same /24, ids 1 and 2
        const UpdateMessage update = decode_ok(message, decode_context);
        CHECK(update.withdrawn == std::vector<Nlri>{{prefix("10.1.0.0/16"), 7}});
        CHECK(update.nlri == std::vector<Nlri>{{prefix("203.0.113.0/24"), 1}, {prefix("203.0.113.0/24"), 2}});
        CHECK(to_hex(encode_ok(update, encode_context)) == to_hex(message));

        // The same bytes without ADD-PATH are a different (here malformed) NLRI field.
        UpdateMessage plain;
        CHECK(decode_update(message, DecodeContext{}, plain).has_value());
    }
    SECTION("IPv6 in MP_REACH_NLRI") {
        const Bytes message = make_update("",
                                          "80 0e 20 0002 01 10 20010db8000000000000000000000001 00"
                                          "0000002a 30 20010db80001"   // id 42, 2001:db8:1::/48
                                          "40010100 4002060201 0000fde9",
                                          "");
        const UpdateMessage update = decode_ok(message, decode_context);
        CHECK(update.mp_reach == std::vector<Nlri>{{prefix("2001:db8:1::/48"), 42}});
        CHECK(to_hex(encode_ok(update, encode_context)) == to_hex(message));
    }
}

TEST_CASE("End-of-RIB markers for both families", "[update]") {
    SECTION("IPv4 unicast: the 23-octet UPDATE (RFC 4724 §2)") {
        const Bytes message = hex("ffffffffffffffffffffffffffffffff 0017 02 0000 0000");
        const UpdateMessage update = decode_ok(message);
        REQUIRE(update.end_of_rib());
        CHECK(*update.end_of_rib() == AfiSafi{Afi::ipv4, Safi::unicast});
        CHECK(to_hex(encode_ok(update)) == to_hex(message));
        Bytes packed;
        UpdatePacker(EncodeContext{}).end_of_rib({Afi::ipv4, Safi::unicast}, packed);
        CHECK(to_hex(packed) == to_hex(message));
    }
    SECTION("IPv6 unicast: only an empty MP_UNREACH_NLRI") {
        const Bytes message = hex("ffffffffffffffffffffffffffffffff 001d 02 0000 0006 80 0f 03 0002 01");
        const UpdateMessage update = decode_ok(message);
        REQUIRE(update.end_of_rib());
        CHECK(*update.end_of_rib() == AfiSafi{Afi::ipv6, Safi::unicast});
        CHECK(to_hex(encode_ok(update)) == to_hex(message));
        Bytes packed;
        UpdatePacker(EncodeContext{}).end_of_rib({Afi::ipv6, Safi::unicast}, packed);
        CHECK(to_hex(packed) == to_hex(message));
    }
    SECTION("an UPDATE with attributes but no NLRI is valid and not a marker") {
        const UpdateMessage update = decode_ok(make_update("", "40010100 4002060201 0000fde9", ""));
        CHECK_FALSE(update.end_of_rib());
        CHECK_FALSE(update.treat_as_withdraw);
        CHECK(update.attributes.origin == Origin::igp);
    }
    SECTION("withdrawing IPv6 routes is not a marker") {
        const UpdateMessage update = decode_ok(make_update("", "80 0f 0a 0002 01 30 20010db80009", ""));
        CHECK_FALSE(update.end_of_rib());
    }
}

// ---- Malformed inputs (RFC 4271 §6.3, RFC 7606 §3-§7) ---------------------------------

struct ExpectedDiscard {
    std::uint8_t type;
    ErrorAction action;
    std::size_t offset;
};

struct MalformedCase {
    const char* name = "";
    Bytes message;
    DecodeContext context;
    // Session reset: NOTIFICATION code/subcode/data and where.
    bool reset = false;
    ErrorCode code = ErrorCode::update_message;
    std::uint8_t subcode = 0;
    std::string data;  // hex
    std::size_t offset = 0;
    // Otherwise: what the UPDATE reports.
    bool treat_as_withdraw = false;
    std::vector<ExpectedDiscard> discarded;
};

// Valid mandatory attributes (20 octets from offset 23) and one IPv4 prefix.
constexpr const char* origin_igp = "40 01 01 00";
constexpr const char* as_path_65001 = "40 02 06 02 01 0000fde9";
constexpr const char* next_hop_ok = "40 03 04 c0000201";
const std::string mandatory = std::string(origin_igp) + as_path_65001 + next_hop_ok;
constexpr const char* one_prefix = "18 0a0000";
constexpr const char* v6_next_hop = "20010db8000000000000000000000001";

MalformedCase reset_case(const char* name, Bytes message, std::uint8_t subcode, std::string data, std::size_t offset,
                         DecodeContext context = {}) {
    MalformedCase c;
    c.name = name;
    c.message = std::move(message);
    c.context = context;
    c.reset = true;
    c.subcode = subcode;
    c.data = std::move(data);
    c.offset = offset;
    return c;
}

MalformedCase outcome_case(const char* name, Bytes message, bool withdraw, std::vector<ExpectedDiscard> discarded,
                           DecodeContext context = {}) {
    MalformedCase c;
    c.name = name;
    c.message = std::move(message);
    c.context = context;
    c.treat_as_withdraw = withdraw;
    c.discarded = std::move(discarded);
    return c;
}

std::string with_mandatory(std::string_view extra) { return mandatory + std::string(extra); }

std::vector<MalformedCase> malformed_cases() {
    using namespace update_subcode;
    constexpr auto taw = ErrorAction::treat_as_withdraw;
    constexpr auto discard = ErrorAction::attribute_discard;
    DecodeContext old_speaker;
    old_speaker.four_octet_as = false;
    DecodeContext add_path;
    add_path.add_path_receive.ipv4_unicast = true;
    const std::string mp_reach_empty = std::string("80 0e 15 0002 01 10 ") + v6_next_hop + " 00";
    const std::string old_mandatory = std::string(origin_igp) + "40 02 04 02 01 fde9" + next_hop_ok;

    std::vector<MalformedCase> cases;
    // -- RFC 4271 §6.1 / §6.3 and RFC 7606 session resets --------------------------------
    {
        MalformedCase c = reset_case("message shorter than 23 octets",
                                     hex("ffffffffffffffffffffffffffffffff 0015 02 0000"), 2, "0015", 16);
        c.code = ErrorCode::message_header;
        cases.push_back(c);
    }
    cases.push_back(reset_case("Withdrawn Routes Length overruns the message", wrap_body(hex("0010 0000")),
                               malformed_attribute_list, "", 19));
    cases.push_back(reset_case("Total Path Attribute Length overruns the message", wrap_body(hex("0000 0010 40010100")),
                               malformed_attribute_list, "", 21));
    cases.push_back(reset_case("unrecognized well-known attribute",
                               make_update("", "40 63 01 00" + mandatory, one_prefix), unrecognized_well_known_attribute,
                               "40630100", 23));
    cases.push_back(reset_case("MP_REACH_NLRI repeated (RFC 7606 §3 g)",
                               make_update("", mp_reach_empty + mp_reach_empty, ""), malformed_attribute_list, "", 47));
    cases.push_back(reset_case("MP_UNREACH_NLRI repeated (RFC 7606 §3 g)",
                               make_update("", "800f03000201 800f03000201", ""), malformed_attribute_list, "", 29));
    cases.push_back(reset_case("NLRI prefix length 33", make_update("", mandatory, "21 0a00000000"),
                               invalid_network_field, "", 43));
    cases.push_back(reset_case("NLRI prefix overruns the field", make_update("", mandatory, "18 0a00"),
                               invalid_network_field, "", 43));
    cases.push_back(reset_case("Withdrawn Routes prefix length 33 (RFC 7606 §3 i)", make_update("21 0a00000000", "", ""),
                               invalid_network_field, "", 21));
    cases.push_back(reset_case("ADD-PATH NLRI with a truncated path identifier", make_update("", mandatory, "000000"),
                               invalid_network_field, "", 43, add_path));
    {
        const std::string attribute = std::string("80 0e 16 0002 01 10 ") + v6_next_hop + " 00 81";
        cases.push_back(reset_case("MP_REACH_NLRI prefix length 129 (RFC 7606 §5.3)",
                                   make_update("", attribute + origin_igp + as_path_65001, ""), optional_attribute_error,
                                   attribute, 47));
    }
    cases.push_back(reset_case("MP_REACH_NLRI next-hop length 12 for IPv6 (RFC 7606 §7.11)",
                               make_update("", "80 0e 11 0002 01 0c 20010db80000000000000001 00", ""),
                               optional_attribute_error, "800e11000201 0c 20010db80000000000000001 00", 23));
    cases.push_back(reset_case("MP_REACH_NLRI shorter than its fixed fields", make_update("", "80 0e 02 0002", ""),
                               optional_attribute_error, "800e020002", 23));
    cases.push_back(reset_case("MP_UNREACH_NLRI shorter than AFI/SAFI", make_update("", "80 0f 02 0002", ""),
                               optional_attribute_error, "800f020002", 23));
    cases.push_back(reset_case("MP_UNREACH_NLRI prefix overruns the attribute", make_update("", "80 0f 06 0002 01 40 2001", ""),
                               optional_attribute_error, "800f06000201402001", 29));
    cases.push_back(reset_case("unreadable attribute list with no NLRI escalates (RFC 7606 §4, §5.2)",
                               make_update("08 0a", "c0 08", ""), malformed_attribute_list, "", 25));
    cases.push_back(reset_case("treat-as-withdraw with no NLRI to withdraw escalates (RFC 7606 §5.2)",
                               make_update("08 0a", "40 01 02 0000", ""), attribute_length_error, "4001020000", 25));

    // -- treat-as-withdraw (RFC 7606 §3 c-e, §4, §7) ---------------------------------------
    const auto withdraw_case = [&](const char* name, const std::string& attributes, std::uint8_t type, std::size_t offset,
                                   DecodeContext context = {}) {
        cases.push_back(outcome_case(name, make_update("", attributes, one_prefix), true, {{type, taw, offset}}, context));
    };
    withdraw_case("ORIGIN length 2 (§7.1)", std::string("40 01 02 0000") + as_path_65001 + next_hop_ok, 1, 23);
    withdraw_case("ORIGIN value 3 (§7.1)", std::string("40 01 01 03") + as_path_65001 + next_hop_ok, 1, 23);
    withdraw_case("ORIGIN with the Optional bit (§3 c)", std::string("c0 01 01 00") + as_path_65001 + next_hop_ok, 1, 23);
    withdraw_case("AS_PATH segment overruns (§7.2)", std::string(origin_igp) + "40 02 06 02 02 0000fde9" + next_hop_ok, 2, 27);
    withdraw_case("AS_PATH zero-length segment (§7.2)", std::string(origin_igp) + "40 02 02 02 00" + next_hop_ok, 2, 27);
    withdraw_case("AS_PATH segment type 5 (§7.2)", std::string(origin_igp) + "40 02 06 05 01 0000fde9" + next_hop_ok, 2, 27);
    withdraw_case("AS_PATH with AS 0 (RFC 7607)", std::string(origin_igp) + "40 02 06 02 01 00000000" + next_hop_ok, 2, 27);
    withdraw_case("AS_PATH confederation segment from eBGP (RFC 5065 §5.3)",
                  std::string(origin_igp) + "40 02 06 03 01 0000fde9" + next_hop_ok, 2, 27);
    withdraw_case("NEXT_HOP length 5 (§7.3)", std::string(origin_igp) + as_path_65001 + "40 03 05 c000020100", 3, 36);
    withdraw_case("NEXT_HOP 0.0.0.0 (RFC 4271 §6.3)", std::string(origin_igp) + as_path_65001 + "40 03 04 00000000", 3, 36);
    withdraw_case("NEXT_HOP multicast", std::string(origin_igp) + as_path_65001 + "40 03 04 e0000001", 3, 36);
    withdraw_case("MULTI_EXIT_DISC length 3 (§7.4)", with_mandatory("80 04 03 000064"), 4, 43);
    withdraw_case("LOCAL_PREF length 2 from iBGP (§7.5)", with_mandatory("40 05 02 0064"), 5, 43, ibgp());
    withdraw_case("COMMUNITIES length 5 (§7.8)", with_mandatory("c0 08 05 fde9006400"), 8, 43);
    withdraw_case("COMMUNITIES length 0 (§4)", with_mandatory("c0 08 00"), 8, 43);
    withdraw_case("ORIGINATOR_ID length 3 (§7.9)", with_mandatory("80 09 03 c00002"), 9, 43);
    withdraw_case("CLUSTER_LIST length 6 (§7.10)", with_mandatory("80 0a 06 c0000203 0000"), 10, 43);
    withdraw_case("EXTENDED_COMMUNITIES length 7 (§7.14)", with_mandatory("c0 10 07 0002fde9000000"), 16, 43);
    withdraw_case("LARGE_COMMUNITY length 11 (RFC 8092 §6)", with_mandatory("c0 20 0b 0000fde9 00000001 000000"), 32, 43);
    withdraw_case("OTC length 2 (RFC 9234 §5)", with_mandatory("c0 23 02 fde9"), 35, 43);
    withdraw_case("missing ORIGIN (§3 d)", std::string(as_path_65001) + next_hop_ok, 1, 23);
    withdraw_case("missing NEXT_HOP with IPv4 NLRI (§3 d)", std::string(origin_igp) + as_path_65001, 3, 23);
    withdraw_case("attribute overruns the Path Attributes field (§4)", with_mandatory("c0 08 08 fde90064"), 8, 43);
    withdraw_case("too few octets for an attribute header (§4)", with_mandatory("c0 08"), 0, 43);
    cases.push_back(outcome_case(
        "MP_REACH_NLRI multicast IPv6 next hop",
        make_update("", "80 0e 1c 0002 01 10 ff020000000000000000000000000001 00 30 20010db80001" + std::string(origin_igp) +
                            as_path_65001, ""),
        true, {{14, taw, 23}}));
    cases.push_back(outcome_case("strongest action wins (§3 h)",
                                 make_update("", with_mandatory("80 04 03 000064 40 06 01 00"), one_prefix), true,
                                 {{4, taw, 43}, {6, discard, 49}}));

    // -- attribute discard ----------------------------------------------------------------
    const auto discard_case = [&](const char* name, const std::string& attributes, std::string_view nlri,
                                  std::vector<ExpectedDiscard> discarded, DecodeContext context = {}) {
        cases.push_back(outcome_case(name, make_update("", attributes, nlri), false, std::move(discarded), context));
    };
    discard_case("LOCAL_PREF from eBGP (§7.5)", with_mandatory("40 05 04 00000064"), one_prefix, {{5, discard, 43}});
    discard_case("ATOMIC_AGGREGATE length 1 (§7.6)", with_mandatory("40 06 01 00"), one_prefix, {{6, discard, 43}});
    discard_case("AGGREGATOR length 7 from a NEW speaker (§7.7)", with_mandatory("c0 07 07 0000fde9 c00002"), one_prefix,
                 {{7, discard, 43}});
    discard_case("AGGREGATOR with AS 0 (RFC 7607)", with_mandatory("c0 07 08 00000000 c0000201"), one_prefix,
                 {{7, discard, 43}});
    discard_case("repeated COMMUNITIES (§3 g)", with_mandatory("c0 08 04 fde90064 c0 08 04 fde900c8"), one_prefix,
                 {{8, discard, 50}});
    discard_case("unknown optional non-transitive attribute (RFC 4271 §5)", with_mandatory("80 63 01 00"), one_prefix,
                 {{0x63, discard, 43}});
    discard_case("MP_REACH_NLRI for AFI 1 / SAFI 128 ignored (§5.4)", "80 0e 09 0001 80 04 c0000201 00", "",
                 {{14, discard, 23}});
    discard_case("AS4_PATH from a NEW speaker (RFC 6793 §4.1)", with_mandatory("c0 11 06 02 01 0000fde9"), one_prefix,
                 {{17, discard, 43}});
    discard_case("NEXT_HOP without NLRI (§5.2)", mandatory, "", {{3, discard, 36}});
    discard_case("malformed AS4_PATH from an OLD speaker (RFC 6793 §6)", old_mandatory + "c0 11 03 02 01 00", one_prefix,
                 {{17, discard, 41}}, old_speaker);
    discard_case("AS4_AGGREGATOR length 6 from an OLD speaker (RFC 6793 §6)", old_mandatory + "c0 12 06 0000fde9 0000",
                 one_prefix, {{18, discard, 41}}, old_speaker);
    return cases;
}

TEST_CASE("malformed UPDATEs get their RFC 7606 action, NOTIFICATION and offset", "[update][attributes]") {
    for (const auto& c : malformed_cases()) {
        INFO(c.name);
        UpdateMessage update;
        const auto error = decode_update(c.message, c.context, update);
        if (c.reset) {
            REQUIRE(error);
            CHECK(error->action == ErrorAction::session_reset);
            CHECK(error->code == c.code);
            CHECK(int{error->subcode} == int{c.subcode});
            CHECK(to_hex(error->data) == to_hex(hex(c.data)));
            CHECK(error->offset == c.offset);
            CHECK(std::string(error->reason).size() > 0);
            continue;
        }
        INFO("unexpected reset: " << (error ? error->reason : ""));
        REQUIRE_FALSE(error);
        CHECK(update.treat_as_withdraw == c.treat_as_withdraw);
        REQUIRE(update.discarded.size() == c.discarded.size());
        for (std::size_t i = 0; i < c.discarded.size(); ++i) {
            INFO("discarded #" << i << ": " << update.discarded[i].reason);
            CHECK(int{update.discarded[i].type} == int{c.discarded[i].type});
            CHECK(update.discarded[i].action == c.discarded[i].action);
            CHECK(update.discarded[i].offset == c.discarded[i].offset);
            CHECK(std::string(update.discarded[i].reason).size() > 0);
        }
    }
}

TEST_CASE("discarded attributes leave the rest of the UPDATE in use", "[update][attributes]") {
    SECTION("the first of repeated COMMUNITIES is kept") {
        const auto update = decode_ok(make_update("", with_mandatory("c0 08 04 fde90064 c0 08 04 fde900c8"), one_prefix));
        CHECK(update.attributes.communities == std::vector<std::uint32_t>{0xfde90064});
        CHECK(update.nlri == nlris({"10.0.0.0/24"}));
    }
    SECTION("LOCAL_PREF from eBGP is dropped, from iBGP kept") {
        const Bytes message = make_update("", with_mandatory("40 05 04 00000064"), one_prefix);
        CHECK_FALSE(decode_ok(message).attributes.local_pref);
        CHECK(decode_ok(message, ibgp()).attributes.local_pref == 100U);
    }
    SECTION("MP_REACH_NLRI with wrong flags is still parsed so its routes can be withdrawn") {
        const auto update = decode_ok(make_update(
            "", std::string("c0 0e 1c 0002 01 10 ") + v6_next_hop + " 00 30 20010db80001" + origin_igp + as_path_65001, ""));
        CHECK(update.treat_as_withdraw);
        CHECK(update.mp_reach == nlris({"2001:db8:1::/48"}));
    }
}

// ---- Round trips ----------------------------------------------------------------------

class Random {
public:
    explicit Random(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        state_ ^= state_ << 13;
        state_ ^= state_ >> 7;
        state_ ^= state_ << 17;
        return state_;
    }
    std::uint32_t below(std::uint32_t bound) { return static_cast<std::uint32_t>(next() % bound); }
    bool chance() { return (next() & 1) != 0; }

private:
    std::uint64_t state_;
};

std::uint32_t random_asn(Random& random) {
    return random.chance() ? 1 + random.below(65534) : 65536 + random.below(4000000000U);
}

AsPath random_as_path(Random& random, bool with_confederation) {
    std::vector<AsPathSegment> segments;
    if (with_confederation && random.chance()) segments.push_back({AsPathSegmentType::confed_sequence, {64512, 64513}});
    const unsigned count = random.below(4);
    for (unsigned i = 0; i < count; ++i) {
        // Alternate types: two neighbouring sequences would legitimately become one.
        const auto type = i % 2 == 0 ? AsPathSegmentType::as_sequence : AsPathSegmentType::as_set;
        AsPathSegment segment{type, {}};
        for (unsigned n = 1 + random.below(5); n > 0; --n) segment.asns.push_back(random_asn(random));
        segments.push_back(segment);
    }
    return AsPath(std::move(segments));
}

PathAttributes random_attributes(Random& random, bool with_confederation) {
    PathAttributes a;
    a.origin = static_cast<Origin>(random.below(3));
    a.has_as_path = true;
    a.as_path = random_as_path(random, with_confederation);
    a.next_hop = IpAddress::v4(0x0a000001 + random.below(1000));
    if (random.chance()) a.med = random.below(1000);
    if (random.chance()) a.local_pref = random.below(1000);
    a.atomic_aggregate = random.chance();
    if (random.chance()) a.aggregator = Aggregator{random_asn(random), IpAddress::v4(0xc0000200 + random.below(200))};
    for (unsigned n = random.below(4); n > 0; --n) a.communities.push_back(static_cast<std::uint32_t>(random.next()));
    if (random.chance()) a.originator_id = static_cast<std::uint32_t>(random.next());
    for (unsigned n = random.below(3); n > 0; --n) a.cluster_list.push_back(static_cast<std::uint32_t>(random.next()));
    for (unsigned n = random.below(3); n > 0; --n) a.extended_communities.push_back(random.next());
    for (unsigned n = random.below(3); n > 0; --n)
        a.large_communities.push_back({static_cast<std::uint32_t>(random.next()), 1, 2});
    if (random.chance()) a.only_to_customer = random_asn(random);
    if (random.chance()) a.unknown.push_back({0xe0, 99, hex("0102030405")});
    if (random.chance()) a.unknown.push_back({0xe0, 200, Bytes(300, std::byte{0x5a})});  // needs Extended Length
    return a;
}

std::vector<Nlri> random_v4_prefixes(Random& random, unsigned count) {
    std::vector<Nlri> out;
    for (unsigned i = 0; i < count; ++i)
        out.push_back({Prefix::make(IpAddress::v4(static_cast<std::uint32_t>(random.next())), random.below(33)), 0});
    return out;
}

TEST_CASE("random UPDATEs survive encode then decode", "[update]") {
    Random random(0x5eed);
    for (int round = 0; round < 300; ++round) {
        const bool four_octet = round % 2 == 0;
        INFO("round " << round << (four_octet ? " (4-octet)" : " (2-octet)"));
        UpdateMessage update;
        update.attributes = random_attributes(random, true);
        update.withdrawn = random_v4_prefixes(random, random.below(20));
        update.nlri = random_v4_prefixes(random, 1 + random.below(20));

        EncodeContext encode_context;
        encode_context.four_octet_as = four_octet;
        DecodeContext decode_context = ibgp();
        decode_context.four_octet_as = four_octet;
        const Bytes message = encode_ok(update, encode_context);
        const UpdateMessage decoded = decode_ok(message, decode_context);
        CHECK(decoded.discarded.empty());
        CHECK_FALSE(decoded.treat_as_withdraw);
        CHECK(decoded.withdrawn == update.withdrawn);
        CHECK(decoded.nlri == update.nlri);
        CHECK(decoded.attributes.as_path.to_string() == update.attributes.as_path.to_string());
        CHECK(decoded.attributes == update.attributes);
    }
}

TEST_CASE("decode_update reuses the message and clears what was there", "[update]") {
    UpdateMessage update;
    REQUIRE_FALSE(decode_update(hex(ipv4_update_hex), DecodeContext{}, update));
    const auto nlri_capacity = update.nlri.capacity();
    const auto communities_capacity = update.attributes.communities.capacity();
    REQUIRE(nlri_capacity >= 3);

    REQUIRE_FALSE(decode_update(hex(ipv6_update_hex), DecodeContext{}, update));
    CHECK(update.nlri.empty());
    CHECK(update.withdrawn.empty());
    CHECK(update.attributes.communities.empty());
    CHECK_FALSE(update.attributes.next_hop);
    CHECK_FALSE(update.attributes.med);
    CHECK(update.nlri.capacity() == nlri_capacity);
    CHECK(update.attributes.communities.capacity() == communities_capacity);
    CHECK(update.mp_reach.size() == 2);
}

TEST_CASE("encode_update refuses what does not fit and appends nothing", "[update]") {
    UpdateMessage update;
    update.attributes.origin = Origin::igp;
    update.attributes.has_as_path = true;
    update.attributes.next_hop = address("192.0.2.1");
    for (std::uint32_t i = 0; i < 1100; ++i) update.nlri.push_back({Prefix::make(IpAddress::v4(i << 8), 24), 0});
    Bytes out = hex("aa");
    CHECK_FALSE(encode_update(update, EncodeContext{}, out));
    CHECK(to_hex(out) == "aa");

    EncodeContext extended;
    extended.extended_message = true;
    CHECK(encode_update(update, extended, out));
    CHECK(out.size() > 1 + max_message_size);

    UpdateMessage no_next_hop;
    no_next_hop.mp_reach_family = AfiSafi{Afi::ipv6, Safi::unicast};
    no_next_hop.mp_reach = nlris({"2001:db8::/32"});
    Bytes nothing;
    CHECK_FALSE(encode_update(no_next_hop, EncodeContext{}, nothing));
    CHECK(nothing.empty());
}

// ---- Robustness -----------------------------------------------------------------------

std::vector<Bytes> valid_fixtures() {
    return {hex(ipv4_update_hex), hex(ipv6_update_hex),
            make_update("", "80 0f 0a 0002 01 30 20010db80009 c0 11 06 02 01 0000fde9 c0 12 08 0000fde9 c0000201", ""),
            make_update("", with_mandatory("c0 07 08 0000fde9 c0000201 c0 20 0c 0000fde9 00000001 00000002 e0 63 02 abcd"),
                        "18 0a0000 20 c0000201")};
}

TEST_CASE("every truncation of a valid UPDATE is an error or a valid decode", "[update]") {
    const DecodeContext contexts[] = {DecodeContext{}, ibgp(), [] {
                                          DecodeContext c;
                                          c.four_octet_as = false;
                                          c.add_path_receive = {true, true};
                                          return c;
                                      }()};
    for (const Bytes& fixture : valid_fixtures()) {
        for (std::size_t cut = 0; cut < fixture.size(); ++cut) {
            for (const auto& context : contexts) {
                UpdateMessage update;
                // As framed (the Length field says more than there is) ...
                Bytes truncated(fixture.begin(), fixture.begin() + static_cast<std::ptrdiff_t>(cut));
                CHECK(decode_update(truncated, context, update).has_value());
                // ... and with the Length field agreeing, so the body parsers see the cut.
                if (cut >= 18) {
                    truncated[16] = static_cast<std::byte>(cut >> 8);
                    truncated[17] = static_cast<std::byte>(cut & 0xff);
                    const auto error = decode_update(truncated, context, update);
                    if (error) CHECK(error->action == ErrorAction::session_reset);
                }
            }
        }
    }
}

TEST_CASE("mutated UPDATEs never crash the decoder", "[update]") {
    Random random(42);
    UpdateMessage update;
    std::size_t errors = 0;
    std::size_t decoded = 0;
    for (const Bytes& fixture : valid_fixtures()) {
        for (int i = 0; i < 4000; ++i) {
            Bytes mutated = fixture;
            for (unsigned flips = 1 + random.below(4); flips > 0; --flips) {
                // Keep the header so the body parsers are reached.
                const std::size_t at = 19 + random.below(static_cast<std::uint32_t>(mutated.size() - 19));
                mutated[at] = static_cast<std::byte>(random.below(256));
            }
            DecodeContext context;
            context.four_octet_as = random.chance();
            context.peer_is_external = random.chance();
            context.add_path_receive = {random.chance(), random.chance()};
            if (decode_update(mutated, context, update)) {
                ++errors;
            } else {
                ++decoded;
            }
        }
    }
    // Both outcomes must occur, or the mutation is not exercising anything.
    CHECK(errors > 0);
    CHECK(decoded > 0);
}

// ---- UpdatePacker ---------------------------------------------------------------------

PathAttributes ipv4_attributes() {
    PathAttributes attributes;
    attributes.origin = Origin::igp;
    attributes.has_as_path = true;
    attributes.as_path = AsPath({{AsPathSegmentType::as_sequence, {65001, 65002}}});
    attributes.next_hop = address("192.0.2.1");
    attributes.communities = {0xfde90064};
    return attributes;
}

std::vector<Nlri> many_v4_slash24(std::size_t count, bool with_path_ids = false) {
    std::vector<Nlri> out;
    for (std::size_t i = 0; i < count; ++i) {
        const auto base = 0x0a000000U + (static_cast<std::uint32_t>(i) << 8);
        out.push_back({Prefix::make(IpAddress::v4(base), 24), with_path_ids ? static_cast<std::uint32_t>(i + 1) : 0});
    }
    return out;
}

// Splits a byte stream of UPDATEs at their Length fields and decodes each.
std::vector<UpdateMessage> decode_stream(const Bytes& stream, const DecodeContext& context, std::size_t max_size) {
    std::vector<UpdateMessage> out;
    std::size_t at = 0;
    while (at < stream.size()) {
        REQUIRE(stream.size() - at >= 19);
        const std::size_t length = (std::to_integer<std::size_t>(stream[at + 16]) << 8) |
                                   std::to_integer<std::size_t>(stream[at + 17]);
        REQUIRE(length <= max_size);
        REQUIRE(at + length <= stream.size());
        out.push_back(decode_ok(Bytes(stream.begin() + static_cast<std::ptrdiff_t>(at),
                                      stream.begin() + static_cast<std::ptrdiff_t>(at + length)),
                                context));
        at += length;
    }
    return out;
}

std::size_t ceil_div(std::size_t a, std::size_t b) { return (a + b - 1) / b; }

std::size_t attribute_block_size(const PathAttributes& attributes, const EncodeContext& context) {
    Bytes block;
    encode_path_attributes(attributes, context, block);
    return block.size();
}

TEST_CASE("10,000 IPv4 prefixes pack into the fewest 4096-octet UPDATEs", "[packer]") {
    const auto prefixes = many_v4_slash24(10000);
    const PathAttributes attributes = ipv4_attributes();
    EncodeContext context;
    Bytes stream;
    const std::size_t messages = UpdatePacker(context).announce(attributes, prefixes, {Afi::ipv4, Safi::unicast}, stream);

    // Each /24 is 4 octets; every message spends 23 + the attribute block.
    const std::size_t per_message = (max_message_size - 23 - attribute_block_size(attributes, context)) / 4;
    CHECK(messages == ceil_div(prefixes.size(), per_message));

    const auto decoded = decode_stream(stream, DecodeContext{}, max_message_size);
    REQUIRE(decoded.size() == messages);
    std::vector<Nlri> all;
    for (const auto& update : decoded) {
        CHECK(update.attributes == attributes);
        CHECK(update.withdrawn.empty());
        CHECK_FALSE(update.mp_reach_family);
        all.insert(all.end(), update.nlri.begin(), update.nlri.end());
    }
    CHECK(all == prefixes);
    // All but the last are full: one more prefix would not have fitted.
    for (std::size_t i = 0; i + 1 < decoded.size(); ++i) CHECK(decoded[i].nlri.size() == per_message);
}

TEST_CASE("a message is filled to exactly the maximum size when the prefixes fit", "[packer]") {
    // 23 + attribute block (31 + 7 for the unknown attribute) = 61, leaving 4035 octets:
    // exactly 807 host routes of 5 octets each.
    PathAttributes attributes = ipv4_attributes();
    attributes.unknown = {{0xc0, 99, hex("00000000")}};
    REQUIRE(attribute_block_size(attributes, EncodeContext{}) == 38);
    std::vector<Nlri> prefixes;
    for (std::uint32_t i = 0; i < 2 * 807; ++i) prefixes.push_back({Prefix::make(IpAddress::v4(0x0a000000 + i), 32), 0});
    Bytes stream;
    CHECK(UpdatePacker(EncodeContext{}).announce(attributes, prefixes, {Afi::ipv4, Safi::unicast}, stream) == 2);
    CHECK(stream.size() == 2 * max_message_size);
}

TEST_CASE("extended messages pack the same prefixes into fewer, larger UPDATEs", "[packer]") {
    const auto prefixes = many_v4_slash24(10000);
    const PathAttributes attributes = ipv4_attributes();
    EncodeContext plain;
    EncodeContext extended;
    extended.extended_message = true;
    Bytes small_stream;
    Bytes large_stream;
    const auto small = UpdatePacker(plain).announce(attributes, prefixes, {Afi::ipv4, Safi::unicast}, small_stream);
    const auto large = UpdatePacker(extended).announce(attributes, prefixes, {Afi::ipv4, Safi::unicast}, large_stream);
    const std::size_t per_message = (max_extended_message_size - 23 - attribute_block_size(attributes, extended)) / 4;
    CHECK(large == ceil_div(prefixes.size(), per_message));
    CHECK(large < small);

    DecodeContext context;
    context.extended_message = true;
    const auto decoded = decode_stream(large_stream, context, max_extended_message_size);
    std::vector<Nlri> all;
    for (const auto& update : decoded) all.insert(all.end(), update.nlri.begin(), update.nlri.end());
    CHECK(all == prefixes);
}

TEST_CASE("IPv6 prefixes pack into MP_REACH_NLRI", "[packer]") {
    SECTION("the packer writes the golden IPv6 UPDATE byte for byte") {
        Bytes out;
        const auto count = UpdatePacker(EncodeContext{}).announce(
            ipv6_attributes(), nlris({"2001:db8:1::/48", "2001:db8:2:3::/64"}), {Afi::ipv6, Safi::unicast}, out);
        CHECK(count == 1);
        CHECK(to_hex(out) == to_hex(hex(ipv6_update_hex)));
    }
    SECTION("5,000 /48s split into the fewest messages, NEXT_HOP left out") {
        std::vector<Nlri> prefixes;
        for (std::uint32_t i = 0; i < 5000; ++i) {
            std::array<std::uint8_t, 16> bytes{0x20, 0x01, 0x0d, 0xb8, static_cast<std::uint8_t>(i >> 8),
                                               static_cast<std::uint8_t>(i)};
            prefixes.push_back({Prefix::make(IpAddress::v6(bytes), 48), 0});
        }
        PathAttributes attributes = ipv6_attributes();
        attributes.next_hop = address("192.0.2.1");  // must not go into an MP-only UPDATE
        Bytes stream;
        const auto messages = UpdatePacker(EncodeContext{}).announce(attributes, prefixes, {Afi::ipv6, Safi::unicast}, stream);

        PathAttributes without_next_hop = attributes;
        without_next_hop.next_hop.reset();
        // MP_REACH header with Extended Length (4) + AFI/SAFI/NH length (4) + 32 + reserved (1).
        const std::size_t room = max_message_size - 23 - attribute_block_size(without_next_hop, EncodeContext{}) - 4 - 4 - 32 - 1;
        CHECK(messages == ceil_div(prefixes.size(), room / 7));

        const auto decoded = decode_stream(stream, DecodeContext{}, max_message_size);
        std::vector<Nlri> all;
        for (const auto& update : decoded) {
            CHECK(update.discarded.empty());
            CHECK(update.attributes == without_next_hop);
            all.insert(all.end(), update.mp_reach.begin(), update.mp_reach.end());
        }
        CHECK(all == prefixes);
    }
    SECTION("no MP next hop, no announcement") {
        PathAttributes attributes = ipv6_attributes();
        attributes.mp_next_hop.reset();
        Bytes out;
        CHECK(UpdatePacker(EncodeContext{}).announce(attributes, nlris({"2001:db8::/32"}), {Afi::ipv6, Safi::unicast}, out) == 0);
        CHECK(out.empty());
    }
}

TEST_CASE("withdrawals split across messages in both families", "[packer]") {
    SECTION("IPv4 Withdrawn Routes") {
        const auto prefixes = many_v4_slash24(3000);
        Bytes stream;
        const auto messages = UpdatePacker(EncodeContext{}).withdraw(prefixes, {Afi::ipv4, Safi::unicast}, stream);
        CHECK(messages == ceil_div(prefixes.size(), (max_message_size - 23) / 4));
        std::vector<Nlri> all;
        for (const auto& update : decode_stream(stream, DecodeContext{}, max_message_size)) {
            CHECK(update.attributes == PathAttributes{});
            all.insert(all.end(), update.withdrawn.begin(), update.withdrawn.end());
        }
        CHECK(all == prefixes);
    }
    SECTION("IPv6 MP_UNREACH_NLRI") {
        std::vector<Nlri> prefixes;
        for (std::uint8_t i = 0; i < 200; ++i) {
            std::array<std::uint8_t, 16> bytes{0x20, 0x01, 0x0d, 0xb8, i};
            prefixes.push_back({Prefix::make(IpAddress::v6(bytes), 40), 0});
        }
        EncodeContext context;
        Bytes stream;
        CHECK(UpdatePacker(context).withdraw(prefixes, {Afi::ipv6, Safi::unicast}, stream) == 1);
        const auto decoded = decode_stream(stream, DecodeContext{}, max_message_size);
        REQUIRE(decoded.size() == 1);
        CHECK(decoded[0].mp_unreach == prefixes);
        CHECK_FALSE(decoded[0].end_of_rib());
    }
    SECTION("nothing to withdraw writes nothing (an empty UPDATE would be End-of-RIB)") {
        Bytes out;
        CHECK(UpdatePacker(EncodeContext{}).withdraw({}, {Afi::ipv4, Safi::unicast}, out) == 0);
        CHECK(out.empty());
    }
}

TEST_CASE("the packer writes path identifiers when ADD-PATH send is on", "[packer]") {
    EncodeContext context;
    context.add_path_send.ipv4_unicast = true;
    const auto prefixes = many_v4_slash24(2000, true);
    Bytes stream;
    const auto messages = UpdatePacker(context).announce(ipv4_attributes(), prefixes, {Afi::ipv4, Safi::unicast}, stream);
    const std::size_t per_message = (max_message_size - 23 - attribute_block_size(ipv4_attributes(), context)) / 8;
    CHECK(messages == ceil_div(prefixes.size(), per_message));

    DecodeContext decode_context;
    decode_context.add_path_receive.ipv4_unicast = true;
    std::vector<Nlri> all;
    for (const auto& update : decode_stream(stream, decode_context, max_message_size))
        all.insert(all.end(), update.nlri.begin(), update.nlri.end());
    CHECK(all == prefixes);
}

}  // namespace
