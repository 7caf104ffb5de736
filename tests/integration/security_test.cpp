// TCP-MD5 signatures (RFC 2385) and GTSM (RFC 5082) between bgpemu and real routers,
// all on loopback:
//
//   FRR  AS 65081 127.0.0.81  password "right", passive  <-> bgpemu "edge" AS 65000 127.0.0.80
//   BIRD AS 65082 127.0.0.82  password "right"           <-> (bgpemu passive toward it)
//   FRR  AS 65083 127.0.0.83  password "wrong"           <-> (bgpemu: "right")
//   BIRD AS 65084 127.0.0.84  no password                <-> (bgpemu: "right")
//
// Each matching pair must come up in one direction only (FRR is passive, so bgpemu's
// outgoing SYN must be signed; bgpemu is passive toward BIRD, so its listener must know
// BIRD's key), and a route must cross bgpemu between them. The other two must never
// reach Established while the first two are up: their SYNs are dropped by the kernel.
//
// The second case runs GTSM against FRR: `ttl-security hops 1` on both sides comes up;
// a peer that sends with TTL 2 (`ebgp-multihop 2`) to a bgpemu neighbour with
// `ttl_security: 1` never does on bgpemu's side, and none of its routes gets in (its
// packets arrive below the minimum TTL of 255). FRR's own side may well show
// Established for a while: without GTSM it takes our KEEPALIVEs, and its OPEN can slip
// in before the minimum TTL is set on the accepted socket (as with FRR's GTSM).
//
// The test's main skips (exit 77) when FRR or BIRD is missing, or when the kernel takes
// no TCP-MD5 keys.
#include <catch2/catch.hpp>
#include <sstream>

#include "routers.hpp"

namespace bgpemu::test {
namespace {

using namespace std::chrono_literals;

constexpr auto session_timeout = 30s;
constexpr auto route_timeout = 20s;
// How long a session that must not come up is watched: many connect attempts of both
// sides (connect retry 1 s).
constexpr auto never_up_window = 8s;

constexpr const char* emu_address = "127.0.0.80";

TestRouterConfig router_config(const std::string& address, unsigned short port, std::uint32_t asn,
                               unsigned short emu_port, const std::string& password) {
    TestRouterConfig config;
    config.address = address;
    config.port = port;
    config.asn = asn;
    config.router_id = "10.255.0." + address.substr(address.rfind('.') + 1);
    TestNeighbor neighbor{emu_address, emu_port, 65000};
    neighbor.password = password;
    config.neighbors.push_back(neighbor);
    return config;
}

std::string neighbor_yaml(const std::string& name, const std::string& address, unsigned short port,
                          std::uint32_t asn, const std::string& extra_lines) {
    std::ostringstream yaml;
    yaml << "      - name: " << name << "\n"
         << "        address: " << address << ":" << port << "\n"
         << "        asn: " << asn << "\n"
         << "        hold_time: 9\n"
         << "        connect_retry: 1\n"
         // FRR drops routes whose next hop is in 127/8 ("martian").
         << "        next_hop: {ipv4: 10.255.0.80}\n"
         << extra_lines;
    return yaml.str();
}

std::string speaker_yaml(unsigned short port, const std::string& neighbors) {
    std::ostringstream yaml;
    yaml << "speakers:\n"
         << "  - name: edge\n"
         << "    asn: 65000\n"
         << "    router_id: 10.255.0.80\n"
         << "    ebgp_requires_policy: false\n"
         << "    listen: " << emu_address << ":" << port << "\n"
         << "    networks: [203.0.113.0/24]\n"
         << "    neighbors:\n"
         << neighbors;
    return yaml.str();
}

}  // namespace

TEST_CASE("TCP-MD5: matching passwords come up with FRR and BIRD, a wrong or missing one never does",
          "[integration][security][frr][bird]") {
    TempDir dir("bgpemu-security");
    const auto emu_port = test_port(0);
    const auto good_frr_port = test_port(1);
    const auto good_bird_port = test_port(2);
    const auto wrong_frr_port = test_port(3);
    const auto unsigned_bird_port = test_port(4);

    BgpemuDaemon emu(
        speaker_yaml(emu_port,
                     neighbor_yaml("good-frr", "127.0.0.81", good_frr_port, 65081, "        password: right\n") +
                         neighbor_yaml("good-bird", "127.0.0.82", good_bird_port, 65082,
                                       "        password: right\n        passive: true\n") +
                         neighbor_yaml("wrong-frr", "127.0.0.83", wrong_frr_port, 65083, "        password: right\n") +
                         neighbor_yaml("unsigned-bird", "127.0.0.84", unsigned_bird_port, 65084,
                                       "        password: right\n")),
        dir.path());

    auto good_frr_config = router_config("127.0.0.81", good_frr_port, 65081, emu_port, "right");
    good_frr_config.networks.push_back({"198.51.100.0/24", std::nullopt, {}, {}});
    // Passive: only bgpemu's connection, signed before connect(), can carry the session.
    good_frr_config.extra_config = std::string(" neighbor ") + emu_address + " passive\n";
    FrrRouter good_frr(good_frr_config, dir.path());

    auto good_bird_config = router_config("127.0.0.82", good_bird_port, 65082, emu_port, "right");
    good_bird_config.networks.push_back({"192.0.2.0/24", std::nullopt, {}, {}});
    BirdRouter good_bird(good_bird_config, dir.path());

    auto wrong_frr_config = router_config("127.0.0.83", wrong_frr_port, 65083, emu_port, "wrong");
    wrong_frr_config.networks.push_back({"198.18.0.0/24", std::nullopt, {}, {}});
    FrrRouter wrong_frr(wrong_frr_config, dir.path());

    auto unsigned_bird_config = router_config("127.0.0.84", unsigned_bird_port, 65084, emu_port, "");
    unsigned_bird_config.networks.push_back({"198.19.0.0/24", std::nullopt, {}, {}});
    BirdRouter unsigned_bird(unsigned_bird_config, dir.path());
    INFO("work directory (removed afterwards): " << dir.path());

    const bool up = wait_until(
        [&] {
            return good_frr.session_state(emu_address) == "Established" && good_bird.session_state(0) == "Established";
        },
        session_timeout);
    if (!up) {
        UNSCOPED_INFO("bgpemud log:\n" << emu.log());
        UNSCOPED_INFO("good FRR's log:\n" << good_frr.log());
        UNSCOPED_INFO("good BIRD's log:\n" << good_bird.log());
    }
    REQUIRE(up);
    CHECK(emu.session_state("edge", "good-frr") == "Established");
    CHECK(emu.session_state("edge", "good-bird") == "Established");

    // Routes cross bgpemu between the two signed sessions.
    const auto at_bird = wait_for_route([&] { return good_bird.route("198.51.100.0/24"); }, route_timeout);
    INFO("good BIRD's 198.51.100.0/24: " << to_string(at_bird));
    REQUIRE(at_bird);
    CHECK(at_bird->as_path == "65000 65081");
    const auto at_frr = wait_for_route([&] { return good_frr.route("192.0.2.0/24"); }, route_timeout);
    INFO("good FRR's 192.0.2.0/24: " << to_string(at_frr));
    REQUIRE(at_frr);
    CHECK(at_frr->as_path == "65000 65082");

    // The wrong key and the missing one: never Established, on either side, while the
    // matching sessions stay up.
    const bool mismatched_up = wait_until(
        [&] {
            return wrong_frr.session_state(emu_address) == "Established" ||
                   unsigned_bird.session_state(0) == "Established" ||
                   emu.session_state("edge", "wrong-frr") == "Established" ||
                   emu.session_state("edge", "unsigned-bird") == "Established";
        },
        never_up_window, 500ms);
    CHECK_FALSE(mismatched_up);
    CHECK(emu.session_state("edge", "wrong-frr") != "Established");
    CHECK(emu.session_state("edge", "unsigned-bird") != "Established");
    CHECK_FALSE(good_bird.route("198.18.0.0/24"));
    CHECK_FALSE(good_frr.route("198.19.0.0/24"));
    CHECK(good_frr.session_state(emu_address) == "Established");
    CHECK(good_bird.session_state(0) == "Established");
    CHECK(emu.established_count("good-frr") == 1);
    CHECK(emu.established_count("good-bird") == 1);
    // Every key went on: no setsockopt was refused.
    CHECK(emu.log().find("TCP_MD5SIG") == std::string::npos);
}

TEST_CASE("GTSM: ttl-security hops 1 comes up with FRR, a peer sending with TTL 2 never does",
          "[integration][security][frr]") {
    TempDir dir("bgpemu-gtsm");
    const auto emu_port = test_port(5);
    const auto gtsm_frr_port = test_port(6);
    const auto ttl2_frr_port = test_port(7);

    BgpemuDaemon emu(speaker_yaml(emu_port,
                                  neighbor_yaml("gtsm-frr", "127.0.0.85", gtsm_frr_port, 65085,
                                                "        ttl_security: 1\n") +
                                      neighbor_yaml("ttl2-frr", "127.0.0.86", ttl2_frr_port, 65086,
                                                    "        ttl_security: 1\n")),
                     dir.path());

    auto gtsm_config = router_config("127.0.0.85", gtsm_frr_port, 65085, emu_port, "");
    gtsm_config.neighbors[0].ttl_security_hops = 1;
    gtsm_config.networks.push_back({"198.51.100.0/24", std::nullopt, {}, {}});
    FrrRouter gtsm_frr(gtsm_config, dir.path());
    // `ebgp-multihop 2`: FRR sends with TTL 2, which arrives as 2 on loopback.
    auto ttl2_config = router_config("127.0.0.86", ttl2_frr_port, 65086, emu_port, "");
    ttl2_config.networks.push_back({"198.18.0.0/24", std::nullopt, {}, {}});
    FrrRouter ttl2_frr(ttl2_config, dir.path());
    INFO("work directory (removed afterwards): " << dir.path());

    const bool up = wait_until([&] { return gtsm_frr.session_state(emu_address) == "Established"; }, session_timeout);
    if (!up) {
        UNSCOPED_INFO("bgpemud log:\n" << emu.log());
        UNSCOPED_INFO("GTSM FRR's log:\n" << gtsm_frr.log());
    }
    REQUIRE(up);
    CHECK(emu.session_state("edge", "gtsm-frr") == "Established");

    const auto own = wait_for_route([&] { return gtsm_frr.route("203.0.113.0/24"); }, route_timeout);
    INFO("GTSM FRR's 203.0.113.0/24: " << to_string(own));
    REQUIRE(own);
    CHECK(own->as_path == "65000");
    const auto learned = wait_for_route([&] { return emu.route("edge", "198.51.100.0/24"); }, route_timeout);
    INFO("bgpemu's 198.51.100.0/24: " << to_string(learned));
    REQUIRE(learned);
    CHECK(learned->as_path == "65085");

    const bool low_ttl_up = wait_until(
        [&] {
            return emu.session_state("edge", "ttl2-frr") == "Established" || emu.route("edge", "198.18.0.0/24");
        },
        never_up_window, 500ms);
    if (low_ttl_up) UNSCOPED_INFO("bgpemud log:\n" << emu.log());
    CHECK_FALSE(low_ttl_up);
    CHECK(emu.established_count("ttl2-frr") == 0);
    CHECK(gtsm_frr.session_state(emu_address) == "Established");
    CHECK(emu.established_count("gtsm-frr") == 1);
    CHECK(emu.log().find("GTSM minimum TTL") == std::string::npos);  // no setsockopt refused
}

}  // namespace bgpemu::test
