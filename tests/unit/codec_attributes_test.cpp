// Path attributes: one golden fixture per attribute (decode checks the value, encode
// reproduces the bytes), unknown attributes, Extended Length, long AS paths, the AS4
// rules of RFC 6793 and the AsPath value type.
#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bgp/wire/codec.hpp"
#include "hex.hpp"

namespace {

using namespace bgpemu::bgp;
using bgpemu::test::hex;
using bgpemu::test::to_hex;

void put_u16(Bytes& out, std::size_t value) {
    out.push_back(static_cast<std::byte>((value >> 8) & 0xff));
    out.push_back(static_cast<std::byte>(value & 0xff));
}

// An UPDATE carrying `attributes` (and `nlri`), lengths computed.
Bytes update_with(const Bytes& attributes, std::string_view nlri = "") {
    const Bytes n = hex(nlri);
    Bytes out(16, std::byte{0xff});
    put_u16(out, 23 + attributes.size() + n.size());
    out.push_back(std::byte{2});
    put_u16(out, 0);
    put_u16(out, attributes.size());
    out.insert(out.end(), attributes.begin(), attributes.end());
    out.insert(out.end(), n.begin(), n.end());
    return out;
}

UpdateMessage decode_ok(const Bytes& message, const DecodeContext& context) {
    UpdateMessage update;
    const auto error = decode_update(message, context, update);
    INFO("unexpected error: " << (error ? error->reason : ""));
    REQUIRE_FALSE(error);
    return update;
}

Bytes encode_attributes(const PathAttributes& attributes, const EncodeContext& context) {
    Bytes out;
    encode_path_attributes(attributes, context, out);
    return out;
}

AsPath path(std::string_view text) {
    const auto parsed = AsPath::parse(text);
    REQUIRE(parsed);
    return *parsed;
}

IpAddress address(std::string_view text) {
    const auto parsed = IpAddress::parse(text);
    REQUIRE(parsed);
    return *parsed;
}

DecodeContext decode_context(bool four_octet, bool external) {
    DecodeContext context;
    context.four_octet_as = four_octet;
    context.peer_is_external = external;
    return context;
}

EncodeContext encode_context(bool four_octet) {
    EncodeContext context;
    context.four_octet_as = four_octet;
    return context;
}

// ---- One fixture per attribute ------------------------------------------------------

struct AttributeFixture {
    const char* name;
    const char* wire;          // the attribute(s) as they appear in the Path Attributes field
    const char* nlri;          // only NEXT_HOP needs NLRI beside it (RFC 7606 §5.2)
    bool four_octet;
    bool external;
    std::function<void(PathAttributes&)> expect;
};

std::vector<AttributeFixture> attribute_fixtures() {
    return {
        {"ORIGIN EGP", "40 01 01 01", "", true, true, [](PathAttributes& a) { a.origin = Origin::egp; }},
        {"ORIGIN INCOMPLETE", "40 01 01 02", "", true, true, [](PathAttributes& a) { a.origin = Origin::incomplete; }},
        {"AS_PATH, 4-octet, sequence and set",
         "40 02 14 02 02 0000fde9 fa56ea00 01 02 0000fdea 0000fdeb", "", true, true,
         [](PathAttributes& a) {
             a.has_as_path = true;
             a.as_path = path("65001 4200000000 {65002,65003}");
         }},
        {"AS_PATH, 2-octet", "40 02 06 02 02 fde9 fdea", "", false, true,
         [](PathAttributes& a) {
             a.has_as_path = true;
             a.as_path = path("65001 65002");
         }},
        {"AS_PATH, empty (iBGP-originated)", "40 02 00", "", true, false,
         [](PathAttributes& a) { a.has_as_path = true; }},
        {"AS_PATH, confederation segments (iBGP)",
         "40 02 16 03 02 0000fdf2 0000fdf3 04 01 0000fdf4 02 01 0000fde9", "", true, false,
         [](PathAttributes& a) {
             a.has_as_path = true;
             a.as_path = path("(65010 65011) [65012] 65001");
         }},
        {"NEXT_HOP (with ORIGIN, AS_PATH and NLRI)", "40 01 01 00 40 02 06 02 01 0000fde9 40 03 04 c6336401", "18 0a0000",
         true, true,
         [](PathAttributes& a) {
             a.origin = Origin::igp;
             a.has_as_path = true;
             a.as_path = path("65001");
             a.next_hop = IpAddress::v4(0xc6336401);
         }},
        {"MULTI_EXIT_DISC", "80 04 04 00000064", "", true, true, [](PathAttributes& a) { a.med = 100; }},
        {"LOCAL_PREF (iBGP)", "40 05 04 000000c8", "", true, false, [](PathAttributes& a) { a.local_pref = 200; }},
        {"ATOMIC_AGGREGATE", "40 06 00", "", true, true, [](PathAttributes& a) { a.atomic_aggregate = true; }},
        {"AGGREGATOR, 8 octets", "c0 07 08 fa56ea00 c0000201", "", true, true,
         [](PathAttributes& a) { a.aggregator = Aggregator{4200000000U, IpAddress::v4(0xc0000201)}; }},
        {"AGGREGATOR, 6 octets", "c0 07 06 fde9 c0000201", "", false, true,
         [](PathAttributes& a) { a.aggregator = Aggregator{65001, IpAddress::v4(0xc0000201)}; }},
        {"COMMUNITIES", "c0 08 08 fde90064 ffffff01", "", true, true,
         [](PathAttributes& a) { a.communities = {0xfde90064, well_known_community::no_export}; }},
        {"ORIGINATOR_ID", "80 09 04 c0000202", "", true, false, [](PathAttributes& a) { a.originator_id = 0xc0000202; }},
        {"CLUSTER_LIST", "80 0a 08 c0000203 c0000204", "", true, false,
         [](PathAttributes& a) { a.cluster_list = {0xc0000203, 0xc0000204}; }},
        {"EXTENDED_COMMUNITIES", "c0 10 10 0002fde900000064 0102c000020100c8", "", true, true,
         [](PathAttributes& a) { a.extended_communities = {0x0002fde900000064ULL, 0x0102c000020100c8ULL}; }},
        {"LARGE_COMMUNITY", "c0 20 0c fa56ea00 00000001 00000002", "", true, true,
         [](PathAttributes& a) { a.large_communities = {{4200000000U, 1, 2}}; }},
        {"OTC", "c0 23 04 0000fde9", "", true, true, [](PathAttributes& a) { a.only_to_customer = 65001; }},
    };
}

TEST_CASE("each attribute decodes from and encodes to its RFC layout", "[attributes]") {
    for (const auto& fixture : attribute_fixtures()) {
        INFO(fixture.name);
        PathAttributes expected;
        fixture.expect(expected);
        const Bytes wire = hex(fixture.wire);

        const UpdateMessage update =
            decode_ok(update_with(wire, fixture.nlri), decode_context(fixture.four_octet, fixture.external));
        CHECK(update.discarded.empty());
        CHECK_FALSE(update.treat_as_withdraw);
        CHECK(update.attributes == expected);
        CHECK(to_hex(encode_attributes(expected, encode_context(fixture.four_octet))) == to_hex(wire));
    }
}

TEST_CASE("unknown optional transitive attributes are kept and forwarded as Partial", "[attributes]") {
    // RFC 4271 §5: kept as received, passed on with the Partial bit set.
    const UpdateMessage update = decode_ok(update_with(hex("40 01 01 00 c0 63 02 abcd c0 13 01 01 c0 08 04 fde90064")),
                                           decode_context(true, true));
    REQUIRE(update.attributes.unknown.size() == 2);
    CHECK(update.attributes.unknown[0] == RawAttribute{0xc0, 0x13, hex("01")});  // sorted by type
    CHECK(update.attributes.unknown[1] == RawAttribute{0xc0, 0x63, hex("abcd")});
    CHECK(update.discarded.empty());
    // Ascending type order, the unknown ones merged in where their codes fall.
    CHECK(to_hex(encode_attributes(update.attributes, {})) == to_hex(hex("40 01 01 00 c0 08 04 fde90064 e0 13 01 01 e0 63 02 abcd")));
}

TEST_CASE("Extended Length is used exactly when a value exceeds 255 octets", "[attributes]") {
    SECTION("64 communities are 256 octets") {
        PathAttributes attributes;
        for (std::uint32_t i = 0; i < 64; ++i) attributes.communities.push_back(0xfde90000 + i);
        const Bytes wire = encode_attributes(attributes, {});
        REQUIRE(wire.size() == 4 + 256);
        CHECK(to_hex(Bytes(wire.begin(), wire.begin() + 4)) == "d0080100");
        CHECK(decode_ok(update_with(wire), {}).attributes == attributes);

        attributes.communities.pop_back();  // 252 octets: one-octet length
        const Bytes shorter = encode_attributes(attributes, {});
        REQUIRE(shorter.size() == 3 + 252);
        CHECK(to_hex(Bytes(shorter.begin(), shorter.begin() + 3)) == "c008fc");
    }
    SECTION("the boundary is between 255 and 256 octets") {
        PathAttributes attributes;
        attributes.unknown = {{0xc0, 99, Bytes(255, std::byte{1})}, {0xc0, 100, Bytes(256, std::byte{2})}};
        const Bytes wire = encode_attributes(attributes, {});
        REQUIRE(wire.size() == 3 + 255 + 4 + 256);
        CHECK(to_hex(Bytes(wire.begin(), wire.begin() + 3)) == "e063ff");
        CHECK(to_hex(Bytes(wire.begin() + 258, wire.begin() + 262)) == "f0640100");
    }
    SECTION("a short value received with Extended Length goes out without it") {
        const UpdateMessage update = decode_ok(update_with(hex("d0 08 0004 fde90064")), {});
        CHECK(update.attributes.communities == std::vector<std::uint32_t>{0xfde90064});
        CHECK(to_hex(encode_attributes(update.attributes, {})) == "c00804fde90064");
    }
}

TEST_CASE("AS paths longer than 255 ASNs are split into segments and joined back", "[attributes][as-path]") {
    std::vector<std::uint32_t> asns;
    for (std::uint32_t i = 0; i < 300; ++i) asns.push_back(64000 + i);
    PathAttributes attributes;
    attributes.has_as_path = true;
    attributes.as_path = AsPath({{AsPathSegmentType::as_sequence, asns}});

    // RFC 4271 §4.3: segment length counts ASNs in one octet: 255 + 45.
    Bytes expected = hex("50 02 04b4 02 ff");
    for (std::size_t i = 0; i < 300; ++i) {
        if (i == 255) expected.insert(expected.end(), {std::byte{0x02}, std::byte{45}});
        const auto asn = asns[i];
        for (int shift = 24; shift >= 0; shift -= 8) expected.push_back(static_cast<std::byte>((asn >> shift) & 0xff));
    }
    const Bytes wire = encode_attributes(attributes, {});
    CHECK(to_hex(wire) == to_hex(expected));

    const UpdateMessage update = decode_ok(update_with(wire), {});
    REQUIRE(update.attributes.as_path.segments().size() == 1);
    CHECK(update.attributes.as_path.decision_length() == 300);
    CHECK(update.attributes == attributes);
}

// ---- AS4 (RFC 6793) -----------------------------------------------------------------

TEST_CASE("merge_as4_path follows RFC 6793 §4.2.3", "[as4]") {
    SECTION("AS4_PATH shorter: the leading part of AS_PATH is kept") {
        CHECK(merge_as4_path(path("65000 65001 23456 23456 65002"), path("65001 4200000001 4200000002 65002")).to_string() ==
              "65000 65001 4200000001 4200000002 65002");
    }
    SECTION("AS4_PATH longer than AS_PATH is ignored") {
        CHECK(merge_as4_path(path("65001 23456"), path("65001 4200000001 65002")).to_string() == "65001 23456");
    }
    SECTION("an AS_SET counts as one AS") {
        CHECK(merge_as4_path(path("65000 23456 {65003,23456}"), path("4200000001 {65003,4200000002}")).to_string() ==
              "65000 4200000001 {65003,4200000002}");
    }
    SECTION("a sequence is cut where the counts meet") {
        CHECK(merge_as4_path(path("65000 65100 23456"), path("4200000001")).to_string() == "65000 65100 4200000001");
    }
    SECTION("equal counts: AS4_PATH is the path") {
        CHECK(merge_as4_path(path("23456 65002"), path("4200000001 65002")).to_string() == "4200000001 65002");
    }
    SECTION("a leading confederation segment comes along and does not count") {
        CHECK(merge_as4_path(path("(64512) 65000 23456"), path("4200000001")).to_string() == "(64512) 65000 4200000001");
    }
    SECTION("confederation segments inside AS4_PATH are ignored") {
        CHECK(merge_as4_path(path("65000 23456"), path("(64512) 4200000001")).to_string() == "65000 4200000001");
    }
}

// From an OLD speaker: ORIGIN, NEXT_HOP and one prefix around the AS attributes under test.
Bytes old_speaker_update(std::string_view as_attributes) {
    return update_with(hex(std::string("40 01 01 00 40 03 04 c0000201 ") + std::string(as_attributes)), "18 0a0000");
}

TEST_CASE("UPDATEs from a 2-octet speaker are reconciled with AS4_PATH and AS4_AGGREGATOR", "[as4]") {
    const DecodeContext old_peer = decode_context(false, true);
    SECTION("AS4_PATH restores the 4-octet ASNs behind AS_TRANS") {
        const auto update = decode_ok(old_speaker_update("40 02 0c 02 05 fde8 fde9 5ba0 5ba0 fdea"
                                                         "c0 11 12 02 04 0000fde9 fa56ea01 fa56ea02 0000fdea"),
                                      old_peer);
        CHECK(update.attributes.as_path.to_string() == "65000 65001 4200000001 4200000002 65002");
        CHECK(update.discarded.empty());
        CHECK_FALSE(update.treat_as_withdraw);
    }
    SECTION("a longer AS4_PATH is ignored and reported") {
        const auto update =
            decode_ok(old_speaker_update("40 02 06 02 02 fde9 5ba0 c0 11 0e 02 03 0000fde9 fa56ea01 0000fdea"), old_peer);
        CHECK(update.attributes.as_path.to_string() == "65001 23456");
        REQUIRE(update.discarded.size() == 1);
        CHECK(int{update.discarded[0].type} == 17);
        CHECK(update.discarded[0].action == ErrorAction::attribute_discard);
    }
    SECTION("AGGREGATOR = AS_TRANS: AS4_AGGREGATOR gives the aggregating AS") {
        const auto update = decode_ok(old_speaker_update("40 02 04 02 01 5ba0 c0 07 06 5ba0 c0000209"
                                                         "c0 11 06 02 01 fa56ea09 c0 12 08 fa56ea09 c0000209"),
                                      old_peer);
        REQUIRE(update.attributes.aggregator);
        CHECK(*update.attributes.aggregator == Aggregator{4200000009U, address("192.0.2.9")});
        CHECK(update.attributes.as_path.to_string() == "4200000009");
        CHECK(update.discarded.empty());
    }
    SECTION("AGGREGATOR not AS_TRANS: AS4_AGGREGATOR and AS4_PATH are both ignored") {
        const auto update = decode_ok(old_speaker_update("40 02 04 02 01 5ba0 c0 07 06 fde9 c0000209"
                                                         "c0 11 06 02 01 fa56ea09 c0 12 08 fa56ea09 c0000209"),
                                      old_peer);
        CHECK(*update.attributes.aggregator == Aggregator{65001, address("192.0.2.9")});
        CHECK(update.attributes.as_path.to_string() == "23456");
        REQUIRE(update.discarded.size() == 2);
        CHECK(int{update.discarded[0].type} == 18);
        CHECK(int{update.discarded[1].type} == 17);
    }
    SECTION("the same attributes from a 4-octet speaker are discarded, not merged") {
        const auto update = decode_ok(old_speaker_update("40 02 06 02 01 0000fde9 c0 11 06 02 01 fa56ea09"),
                                      decode_context(true, true));
        CHECK(update.attributes.as_path.to_string() == "65001");
        REQUIRE(update.discarded.size() == 1);
        CHECK(int{update.discarded[0].type} == 17);
    }
}

TEST_CASE("toward a 2-octet peer AS_TRANS stands in and AS4 attributes carry the truth", "[as4]") {
    const EncodeContext old_peer = encode_context(false);
    SECTION("one fixture, encoded and decoded (RFC 6793 §4.2.2)") {
        PathAttributes attributes;
        attributes.origin = Origin::igp;
        attributes.has_as_path = true;
        attributes.as_path = path("65001 4200000001");
        attributes.next_hop = address("192.0.2.1");
        attributes.aggregator = Aggregator{4200000009U, address("192.0.2.9")};
        const Bytes wire = hex("40 01 01 00"
                               "40 02 06 02 02 fde9 5ba0"            // AS_PATH with AS_TRANS
                               "40 03 04 c0000201"
                               "c0 07 06 5ba0 c0000209"              // AGGREGATOR AS_TRANS
                               "c0 11 0a 02 02 0000fde9 fa56ea01"    // AS4_PATH
                               "c0 12 08 fa56ea09 c0000209");        // AS4_AGGREGATOR
        CHECK(to_hex(encode_attributes(attributes, old_peer)) == to_hex(wire));
        const auto update = decode_ok(update_with(wire, "18 0a0000"), decode_context(false, true));
        CHECK(update.discarded.empty());
        CHECK(update.attributes == attributes);
        // Toward a 4-octet peer neither AS4 attribute appears.
        CHECK(to_hex(encode_attributes(attributes, {})) ==
              to_hex(hex("40010100 40020a0202 0000fde9 fa56ea01 400304c0000201 c00708 fa56ea09 c0000209")));
    }
    SECTION("all ASNs mappable: no AS4_PATH") {
        PathAttributes attributes;
        attributes.has_as_path = true;
        attributes.as_path = path("65001 65002");
        CHECK(to_hex(encode_attributes(attributes, old_peer)) == to_hex(hex("40 02 06 02 02 fde9 fdea")));
    }
    SECTION("confederation segments stay out of AS4_PATH") {
        PathAttributes attributes;
        attributes.has_as_path = true;
        attributes.as_path = path("(64512 4200000005) 65001 4200000001");
        CHECK(to_hex(encode_attributes(attributes, old_peer)) ==
              to_hex(hex("40 02 0c 03 02 fc00 5ba0 02 02 fde9 5ba0"
                         "c0 11 0a 02 02 0000fde9 fa56ea01")));
    }
}

// ---- AsPath --------------------------------------------------------------------------

TEST_CASE("AsPath text form", "[as-path]") {
    const AsPath parsed = path("65001 65002 {65003, 65004} (65005 65006) [65007,65008]");
    REQUIRE(parsed.segments().size() == 4);
    CHECK(parsed.segments()[0] == AsPathSegment{AsPathSegmentType::as_sequence, {65001, 65002}});
    CHECK(parsed.segments()[1] == AsPathSegment{AsPathSegmentType::as_set, {65003, 65004}});
    CHECK(parsed.segments()[2] == AsPathSegment{AsPathSegmentType::confed_sequence, {65005, 65006}});
    CHECK(parsed.segments()[3] == AsPathSegment{AsPathSegmentType::confed_set, {65007, 65008}});
    CHECK(parsed.to_string() == "65001 65002 {65003,65004} (65005 65006) [65007,65008]");
    CHECK(AsPath::parse(parsed.to_string()) == parsed);
    CHECK(path("").empty());
    CHECK(path("4294967295").to_string() == "4294967295");

    for (const char* bad : {"65001 x", "{}", "{65001", "65001}", "4294967296", "(65001 {65002})", "-1"}) {
        INFO(bad);
        CHECK_FALSE(AsPath::parse(bad));
    }
}

TEST_CASE("AsPath queries for the decision process", "[as-path]") {
    // RFC 4271 §9.1.2.2 a, RFC 5065 §5.3.
    CHECK(path("1 2 {3,4} (5 6)").decision_length() == 3);
    CHECK(path("").decision_length() == 0);
    CHECK(path("(64512) 65001 65002").neighbour_as() == 65001);
    CHECK(path("{1,2} 3").neighbour_as() == 0);
    CHECK(path("").neighbour_as() == 0);
    CHECK(path("1 2 3").origin_as() == 3);
    CHECK(path("1 2 {3,4}").origin_as() == 0);  // RFC 6811 §2: an aggregate has no single origin
    CHECK(path("1 2 1 {1}").count(1) == 3);
    CHECK(path("1 2").count(7) == 0);
    CHECK_FALSE(path("1 2").contains(7));
}

TEST_CASE("AsPath prepend", "[as-path]") {
    AsPath p = path("65002");
    p.prepend(65001, 2);
    CHECK(p.to_string() == "65001 65001 65002");
    AsPath empty;
    empty.prepend(65001);
    CHECK(empty.to_string() == "65001");
    AsPath set = path("{1,2}");
    set.prepend(3);
    CHECK(set.to_string() == "3 {1,2}");
    AsPath unchanged = path("5");
    unchanged.prepend(9, 0);
    CHECK(unchanged.to_string() == "5");
}

}  // namespace
