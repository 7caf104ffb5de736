// OPEN negotiation (RFC 4271 §4.2 and §6.2, RFC 5492, RFC 6793, RFC 8654, RFC 7911):
// what we offer, which peer OPENs we refuse and with which NOTIFICATION, and what the
// two sides end up agreeing on.
#include <catch2/catch.hpp>

#include "bgp/session/negotiation.hpp"

namespace bgpemu::bgp {
namespace {

constexpr AfiSafi ipv4_unicast{Afi::ipv4, Safi::unicast};
constexpr AfiSafi ipv6_unicast{Afi::ipv6, Safi::unicast};

LocalOffer offer(std::uint32_t as, std::uint32_t router_id, std::uint16_t hold = 90) {
    LocalOffer o;
    o.local_as = as;
    o.router_id = router_id;
    o.hold_time = hold;
    return o;
}

}  // namespace

TEST_CASE("build_open puts a 4-octet ASN in the capability and AS_TRANS in My AS", "[negotiation]") {
    auto small = build_open(offer(65001, 0x0a000001));
    CHECK(small.my_as == 65001);
    CHECK(small.capabilities.four_octet_as == std::optional<std::uint32_t>(65001));

    auto o = offer(4200000001u, 0x0a000001);
    o.families = {ipv4_unicast, ipv6_unicast};
    o.hostname = "edge";
    auto big = build_open(o);
    CHECK(big.my_as == as_trans);
    CHECK(big.effective_as() == 4200000001u);
    CHECK(big.capabilities.multiprotocol == std::vector<AfiSafi>{ipv4_unicast, ipv6_unicast});
    CHECK(big.capabilities.route_refresh);
    CHECK(big.capabilities.enhanced_route_refresh);
    CHECK_FALSE(big.capabilities.extended_message);
    REQUIRE(big.capabilities.fqdn);
    CHECK(big.capabilities.fqdn->hostname == "edge");
}

TEST_CASE("check_peer_open refuses a wrong AS, a bad identifier and a short hold time", "[negotiation]") {
    const auto local = offer(65001, 0x0a000001);
    auto peer = build_open(offer(65002, 0x0a000002));

    CHECK_FALSE(check_peer_open(peer, local, {65002, 0}));
    CHECK_FALSE(check_peer_open(peer, local, {0, 0}));  // any AS accepted

    const auto wrong_as = check_peer_open(peer, local, {65003, 0});
    REQUIRE(wrong_as);
    CHECK(wrong_as->code == ErrorCode::open_message);
    CHECK(wrong_as->subcode == open_subcode::bad_peer_as);
    CHECK(wrong_as->data == Bytes{std::byte{0xfd}, std::byte{0xea}});  // 65002 as received

    auto zero_id = peer;
    zero_id.bgp_identifier = 0;
    const auto bad_id = check_peer_open(zero_id, local, {65002, 0});
    REQUIRE(bad_id);
    CHECK(bad_id->subcode == open_subcode::bad_bgp_identifier);

    // iBGP with our own identifier is refused; eBGP with it is allowed (RFC 6286 §2.2).
    auto same_id_ibgp = build_open(offer(65001, 0x0a000001));
    REQUIRE(check_peer_open(same_id_ibgp, local, {65001, 0}));
    auto same_id_ebgp = build_open(offer(65002, 0x0a000001));
    CHECK_FALSE(check_peer_open(same_id_ebgp, local, {65002, 0}));

    for (const std::uint16_t hold : {std::uint16_t{1}, std::uint16_t{2}}) {
        auto short_hold = peer;
        short_hold.hold_time = hold;
        const auto error = check_peer_open(short_hold, local, {65002, 0});
        REQUIRE(error);
        CHECK(error->subcode == open_subcode::unacceptable_hold_time);
    }
    auto zero_hold = peer;
    zero_hold.hold_time = 0;
    CHECK_FALSE(check_peer_open(zero_hold, local, {65002, 0}));
    auto below_minimum = peer;
    below_minimum.hold_time = 5;
    CHECK(check_peer_open(below_minimum, local, {65002, 10}));
}

TEST_CASE("negotiate takes the smaller hold time and what both sides support", "[negotiation]") {
    auto ours_offer = offer(65001, 1, 90);
    ours_offer.families = {ipv4_unicast, ipv6_unicast};
    ours_offer.extended_message = true;
    const auto ours = build_open(ours_offer);

    auto theirs_offer = offer(65002, 2, 9);
    theirs_offer.families = {ipv6_unicast};
    theirs_offer.enhanced_route_refresh = false;
    auto theirs = build_open(theirs_offer);

    auto session = negotiate(ours, theirs);
    CHECK(session.peer_as == 65002);
    CHECK(session.peer_router_id == 2);
    CHECK(session.hold_time == 9);
    CHECK(session.keepalive_time == 3);
    CHECK(session.four_octet_as);
    CHECK_FALSE(session.extended_message);  // only we offered it
    CHECK(session.route_refresh);
    CHECK_FALSE(session.enhanced_route_refresh);
    CHECK(session.families == std::vector<AfiSafi>{ipv6_unicast});
    CHECK(session.has_family(ipv6_unicast));
    CHECK_FALSE(session.has_family(ipv4_unicast));

    theirs.capabilities.extended_message = true;
    CHECK(negotiate(ours, theirs).extended_message);

    SECTION("a peer without Multiprotocol capabilities speaks IPv4 unicast (RFC 4760 §8)") {
        auto old = theirs;
        old.capabilities.multiprotocol.clear();
        CHECK(negotiate(ours, old).families == std::vector<AfiSafi>{ipv4_unicast});
    }
    SECTION("a 2-octet peer: no 4-octet AS in the codec's contexts") {
        auto two_octet = theirs;
        two_octet.capabilities.four_octet_as.reset();
        const auto s = negotiate(ours, two_octet);
        CHECK_FALSE(s.four_octet_as);
        CHECK_FALSE(s.encode_context().four_octet_as);
        CHECK_FALSE(s.decode_context(true).four_octet_as);
        CHECK(s.decode_context(true).peer_is_external);
    }
    SECTION("hold time zero on either side disables the timers") {
        auto no_hold = theirs;
        no_hold.hold_time = 0;
        const auto s = negotiate(ours, no_hold);
        CHECK(s.hold_time == 0);
        CHECK(s.keepalive_time == 0);
    }
}

TEST_CASE("ADD-PATH: we receive path ids only where we said receive and the peer said send", "[negotiation]") {
    auto ours = build_open(offer(65001, 1));
    auto theirs = build_open(offer(65002, 2));
    CHECK_FALSE(negotiate(ours, theirs).add_path_receive.ipv4_unicast);

    theirs.capabilities.add_path = {AddPathEntry{ipv4_unicast, AddPathMode::send}};
    CHECK_FALSE(negotiate(ours, theirs).add_path_receive.ipv4_unicast);  // we did not ask

    ours.capabilities.add_path = {AddPathEntry{ipv4_unicast, AddPathMode::both}};
    const auto s = negotiate(ours, theirs);
    CHECK(s.add_path_receive.ipv4_unicast);
    CHECK_FALSE(s.add_path_receive.ipv6_unicast);
    CHECK(s.decode_context(true).add_path_receive.ipv4_unicast);
}

}  // namespace bgpemu::bgp
