// BMP messages (daemon/bmp/bmp_messages.hpp) read back byte by byte as RFC 7854 lays them
// out: the common header, the per-peer header (IPv4 in the last four of sixteen octets,
// the V flag for IPv6, RFC 9069's Loc-RIB peer type without it), Peer Up with both
// OPENs and the Table Name TLV, Route Monitoring, Peer Down, Statistics Reports with
// 32- and 64-bit values, Initiation and Termination TLVs.
#include <catch2/catch.hpp>

#include "daemon/bmp/bmp_messages.hpp"
#include "hex.hpp"

namespace bgpemu::daemon::bmp {
namespace {

bgp::IpAddress ip(std::string_view text) { return *bgp::IpAddress::parse(text); }

std::uint32_t u32(const bgp::Bytes& b, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | std::to_integer<std::uint32_t>(b.at(at + i));
    return v;
}
std::uint16_t u16(const bgp::Bytes& b, std::size_t at) {
    return static_cast<std::uint16_t>((std::to_integer<unsigned>(b.at(at)) << 8) | std::to_integer<unsigned>(b.at(at + 1)));
}
unsigned u8(const bgp::Bytes& b, std::size_t at) { return std::to_integer<unsigned>(b.at(at)); }
std::string text(const bgp::Bytes& b, std::size_t at, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += static_cast<char>(u8(b, at + i));
    return out;
}

PeerHeader peer(std::string_view address) {
    return {.type = PeerType::global_instance,
            .flags = peer_flag::post_policy,
            .distinguisher = 0x0102030405060708ULL,
            .address = ip(address),
            .as = 4200000001U,
            .bgp_id = 0x0a000001,
            .seconds = 1700000000,
            .microseconds = 250000};
}

}  // namespace

TEST_CASE("BMP: the common and per-peer headers of Route Monitoring", "[bmp]") {
    const auto update = test::hex("ffffffffffffffffffffffffffffffff 0017 02 0000 0000");
    bgp::Bytes out;
    encode_route_monitoring(peer("192.0.2.7"), update, out);
    REQUIRE(out.size() == common_header_bytes + peer_header_bytes + update.size());
    CHECK(u8(out, 0) == 3);
    CHECK(u32(out, 1) == out.size());
    CHECK(u8(out, 5) == 0);  // Route Monitoring
    CHECK(u8(out, 6) == 0);  // global instance peer
    CHECK(u8(out, 7) == peer_flag::post_policy);  // IPv4: no V flag
    CHECK(u32(out, 8) == 0x01020304);
    CHECK(u32(out, 12) == 0x05060708);
    for (std::size_t i = 16; i < 28; ++i) CHECK(u8(out, i) == 0);
    CHECK(u32(out, 28) == 0xc0000207);
    CHECK(u32(out, 32) == 4200000001U);
    CHECK(u32(out, 36) == 0x0a000001);
    CHECK(u32(out, 40) == 1700000000);
    CHECK(u32(out, 44) == 250000);
    CHECK(bgp::Bytes(out.begin() + 48, out.end()) == update);

    const auto header = read_common_header(out);
    REQUIRE(header);
    CHECK(header->type == MessageType::route_monitoring);
    CHECK(header->length == out.size());
    // Two messages appended: each has its own length.
    encode_route_monitoring(peer("2001:db8::1"), update, out);
    CHECK(u8(out, 71) == 3);
    CHECK(u32(out, 72) == 71);
    CHECK(u8(out, 71 + 7) == (peer_flag::post_policy | peer_flag::ipv6));
    CHECK(u8(out, 71 + 16) == 0x20);
    CHECK(u8(out, 71 + 31) == 0x01);
}

TEST_CASE("BMP: Peer Up carries the local end, both OPENs, and for the Loc-RIB its table's name", "[bmp]") {
    const auto sent = test::hex("ffffffffffffffffffffffffffffffff 001d 01 04 fde9 00b4 0a000001 00");
    const auto received = test::hex("ffffffffffffffffffffffffffffffff 001d 01 04 fdea 005a 0a000002 00");
    bgp::Bytes out;
    encode_peer_up(peer("192.0.2.7"), ip("192.0.2.6"), 40001, 179, sent, received, {}, out);
    REQUIRE(out.size() == 6 + 42 + 16 + 4 + sent.size() + received.size());
    CHECK(u8(out, 5) == 3);
    CHECK(u32(out, 48 + 12) == 0xc0000206);
    CHECK(u16(out, 64) == 40001);
    CHECK(u16(out, 66) == 179);
    CHECK(bgp::Bytes(out.begin() + 68, out.begin() + 68 + 29) == sent);
    CHECK(bgp::Bytes(out.begin() + 97, out.end()) == received);

    // RFC 9069: peer type 3, no V flag for its zero address, the Table Name TLV (type 3) last.
    PeerHeader loc{.type = PeerType::loc_rib, .address = ip("0.0.0.0"), .as = 65515, .bgp_id = 0x0a0a1e84};
    bgp::Bytes loc_up;
    encode_peer_up(loc, ip("0.0.0.0"), 0, 0, sent, sent, "global", loc_up);
    CHECK(u8(loc_up, 6) == 3);
    CHECK(u8(loc_up, 7) == 0);
    const auto tlv = loc_up.size() - 4 - 6;
    CHECK(u16(loc_up, tlv) == 3);
    CHECK(u16(loc_up, tlv + 2) == 6);
    CHECK(text(loc_up, tlv + 4, 6) == "global");
}

TEST_CASE("BMP: Peer Down's reason and data, Statistics' counters and gauges", "[bmp]") {
    const auto notification = test::hex("ffffffffffffffffffffffffffffffff 0015 03 06 02");
    bgp::Bytes down;
    encode_peer_down(peer("192.0.2.7"), down_reason::remote_notification, notification, down);
    CHECK(u8(down, 5) == 2);
    CHECK(u8(down, 48) == 3);
    CHECK(bgp::Bytes(down.begin() + 49, down.end()) == notification);

    const Statistic stats[] = {{stat_type::rejected_prefixes, 7, false}, {stat_type::adj_rib_in_routes, 0x100000002ULL, true}};
    bgp::Bytes report;
    encode_statistics(peer("192.0.2.7"), stats, report);
    CHECK(u8(report, 5) == 1);
    CHECK(u32(report, 48) == 2);
    CHECK(u16(report, 52) == 0);
    CHECK(u16(report, 54) == 4);
    CHECK(u32(report, 56) == 7);
    CHECK(u16(report, 60) == 7);
    CHECK(u16(report, 62) == 8);
    CHECK(u32(report, 64) == 1);
    CHECK(u32(report, 68) == 2);
    CHECK(report.size() == 72);
}

TEST_CASE("BMP: Initiation and Termination are TLVs; a bad common header is refused", "[bmp]") {
    bgp::Bytes init;
    encode_initiation("hub-ergw", "bgpemu", init);
    CHECK(u8(init, 5) == 4);
    CHECK(u16(init, 6) == 1);  // sysDescr
    CHECK(u16(init, 8) == 6);
    CHECK(text(init, 10, 6) == "bgpemu");
    CHECK(u16(init, 16) == 2);  // sysName
    CHECK(u16(init, 18) == 8);
    CHECK(text(init, 20, 8) == "hub-ergw");
    CHECK(init.size() == 28);

    bgp::Bytes term;
    encode_termination(termination_reason::administratively_closed, "bye", term);
    CHECK(u8(term, 5) == 5);
    CHECK(u16(term, 6) == 0);  // string
    CHECK(text(term, 10, 3) == "bye");
    CHECK(u16(term, 13) == 1);  // reason
    CHECK(u16(term, 15) == 2);
    CHECK(u16(term, 17) == 0);

    CHECK_FALSE(read_common_header(test::hex("03 00000006")));           // short
    CHECK_FALSE(read_common_header(test::hex("02 00000006 04")));        // version 2
    CHECK_FALSE(read_common_header(test::hex("03 00000005 04")));        // shorter than its header
    CHECK_FALSE(read_common_header(test::hex("03 00000006 06")));        // no such type (Route Mirroring is not sent)
    CHECK(read_common_header(test::hex("03 00000006 04")));
}

}  // namespace bgpemu::daemon::bmp
