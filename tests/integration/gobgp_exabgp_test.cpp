// bgpemu peered with two more BGP implementations, GoBGP 3 (gobgpd + gobgp CLI) and
// ExaBGP 4.2, all on loopback; each test case has its own addresses and its own bgpemud:
//
//   GoBGP   AS 65031 127.0.0.71  <-eBGP->  bgpemu "edge" AS 65000 127.0.0.70
//   ExaBGP  AS 65032 127.0.0.73   -eBGP->  bgpemu "edge" AS 65000 127.0.0.72 (passive)
//   GoBGP   AS 65031 127.0.0.75  <-eBGP->  bgpemu "edge" AS 65000 127.0.0.74  <-eBGP-  ExaBGP AS 65032 127.0.0.76
//
// Routes cross in both directions with AS path, next hop, MED, communities and large
// communities as each side shows them (bgpemu through `bgpemuctl show rib`, GoBGP through
// `gobgp global rib -j`, ExaBGP through the JSON its API process receives), and
// withdrawals on either side propagate. Through bgpemu, GoBGP's and ExaBGP's routes reach
// each other with bgpemu prepended and the MED dropped (RFC 4271 §5.1.4).
//
// Loopback quirks handled in peers_more.cpp or here: GoBGP treats an UPDATE whose
// NEXT_HOP is in 127/8 as a withdrawal ("invalid nexthop address"), so toward GoBGP
// bgpemu's next hop is 10.255.0.x (`next_hop: {ipv4: ...}`), as toward FRR in
// interop_test. ExaBGP only connects (it listens nowhere), so bgpemu's neighbour for it
// is passive. Not covered: session resets and hold-timer expiry (interop_test does those
// with FRR and BIRD), IPv6, and ExaBGP accepting connections.
//

#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>
#include <stdexcept>

#include "peers_more.hpp"

namespace bgpemu::test {
namespace {

using namespace std::chrono_literals;

constexpr auto session_timeout = 30s;

// One bgpemu speaker "edge", AS 65000, with no routing policy, originating 203.0.113.0/24
// with MED, a community and a large community; `neighbors` is the YAML of its neighbour list.
std::string emu_yaml(const std::string& address, unsigned short port, const std::string& neighbors) {
    std::ostringstream yaml;
    yaml << "speakers:\n"
         << "  - name: edge\n"
         << "    asn: 65000\n"
         << "    router_id: 10.255.0." << address.substr(address.rfind('.') + 1) << "\n"
         << "    listen: " << address << ":" << port << "\n"
         // RFC 8212 (on by default): without a policy nothing crosses an eBGP session.
         << "    ebgp_requires_policy: false\n"
         << "    networks:\n"
         << "      - prefix: 203.0.113.0/24\n"
         << "        med: 42\n"
         << "        communities: [\"65000:42\"]\n"
         << "        large_communities: [\"65000:4:2\"]\n"
         << "    neighbors:\n"
         << neighbors;
    return yaml.str();
}

// GoBGP rejects loopback next hops, so bgpemu's "self" toward it is outside 127/8.
std::string gobgp_neighbor_yaml(const std::string& address, unsigned short port, const std::string& self) {
    return "      - name: gobgp\n        address: " + address + ":" + std::to_string(port) +
           "\n        asn: 65031\n        hold_time: 9\n        connect_retry: 1\n        next_hop: {ipv4: " + self +
           "}\n";
}

// ExaBGP only connects.
std::string exabgp_neighbor_yaml(const std::string& address) {
    return "      - name: exabgp\n        address: " + address +
           "\n        asn: 65032\n        passive: true\n        hold_time: 9\n";
}

TestRouterConfig gobgp_config(const std::string& address, unsigned short port, const std::string& emu_address,
                              unsigned short emu_port) {
    TestRouterConfig config;
    config.address = address;
    config.port = port;
    config.asn = 65031;
    config.router_id = "10.255.0." + address.substr(address.rfind('.') + 1);
    config.neighbors.push_back({emu_address, emu_port, 65000});
    return config;
}

TestRouterConfig exabgp_config(const std::string& address, const std::string& emu_address, unsigned short emu_port) {
    TestRouterConfig config;
    config.address = address;
    config.asn = 65032;
    config.router_id = "10.255.0." + address.substr(address.rfind('.') + 1);
    config.neighbors.push_back({emu_address, emu_port, 65000});
    config.networks.push_back({"192.0.2.0/24", 30, {"65032:9"}, {"65032:3:4"}});
    return config;
}

const TestNetwork gobgp_network{"198.51.100.0/24", 20, {"65031:7"}, {"65031:1:2"}};

struct Ports {
    unsigned short emu = test_port(6);
    unsigned short gobgp = test_port(7);
    unsigned short gobgp_api = test_port(8);
};

}  // namespace

TEST_CASE("bgpemu and GoBGP exchange routes and withdrawals", "[integration][gobgp]") {
    TempDir dir("bgpemu-gobgp");
    const Ports ports;
    INFO("work directory (removed afterwards): " << dir.path());
    BgpemuDaemon emu(emu_yaml("127.0.0.70", ports.emu, gobgp_neighbor_yaml("127.0.0.71", ports.gobgp, "10.255.0.70")),
            dir.path());
    GobgpRouter gobgp(gobgp_config("127.0.0.71", ports.gobgp, "127.0.0.70", ports.emu), ports.gobgp_api, dir.path());

    const bool up = wait_until(
        [&] {
            return gobgp.session_state("127.0.0.70") == "Established" &&
                   emu.session_state("edge", "gobgp") == "Established";
        },
        session_timeout);
    if (!up) {
        UNSCOPED_INFO("bgpemud log:\n" << emu.log());
        UNSCOPED_INFO("gobgpd log:\n" << gobgp.log());
    }
    REQUIRE(up);

    // GoBGP's route in bgpemu's RIB.
    gobgp.announce_network(gobgp_network);
    auto from_gobgp = wait_for_route([&] { return emu.route("edge", "198.51.100.0/24"); });
    INFO("bgpemu's 198.51.100.0/24: " << to_string(from_gobgp));
    REQUIRE(from_gobgp);
    CHECK(from_gobgp->as_path == "65031");
    CHECK(from_gobgp->next_hop == "127.0.0.71");
    CHECK(from_gobgp->med == std::optional<std::uint32_t>(20));
    CHECK(from_gobgp->communities == strings({"65031:7"}));
    CHECK(from_gobgp->large_communities == strings({"65031:1:2"}));

    // bgpemu's network in GoBGP's RIB.
    auto own = wait_for_route([&] { return gobgp.route("203.0.113.0/24"); });
    INFO("GoBGP's 203.0.113.0/24: " << to_string(own));
    REQUIRE(own);
    CHECK(own->as_path == "65000");
    CHECK(own->next_hop == "10.255.0.70");
    CHECK(own->med == std::optional<std::uint32_t>(42));
    CHECK(own->communities == strings({"65000:42"}));
    CHECK(own->large_communities == strings({"65000:4:2"}));

    // Withdrawals both ways, and GoBGP's route coming back with a new MED.
    gobgp.withdraw_network("198.51.100.0/24");
    CHECK(wait_for_no_route([&] { return emu.route("edge", "198.51.100.0/24"); }));
    gobgp.announce_network({"198.51.100.0/24", 21, {"65031:8"}, {}});
    from_gobgp = wait_for_route([&] {
        auto route = emu.route("edge", "198.51.100.0/24");
        return route && route->med == std::optional<std::uint32_t>(21) ? route : std::nullopt;
    });
    CHECK(to_string(from_gobgp) == to_string(ObservedRoute{"65031", "127.0.0.71", 21, {}, {"65031:8"}, {}}));
    REQUIRE(emu.ctl({"withdraw", "edge", "203.0.113.0/24"}).exit_code == 0);
    CHECK(wait_for_no_route([&] { return gobgp.route("203.0.113.0/24"); }));

    // bgpemud exits 0 on SIGTERM after a Cease, and GoBGP sees the session go.
    emu.process().signal(SIGTERM);
    CHECK(emu.process().wait_exit(10s) == std::optional<int>(0));
    CHECK(wait_until([&] { return gobgp.session_state("127.0.0.70") != "Established"; }, 10s));
}

TEST_CASE("ExaBGP's routes reach bgpemu, and bgpemu's reach ExaBGP", "[integration][exabgp]") {
    TempDir dir("bgpemu-exabgp");
    const Ports ports;
    INFO("work directory (removed afterwards): " << dir.path());
    BgpemuDaemon emu(emu_yaml("127.0.0.72", ports.emu, exabgp_neighbor_yaml("127.0.0.73")), dir.path());
    ExabgpRouter exabgp(exabgp_config("127.0.0.73", "127.0.0.72", ports.emu), dir.path());

    const bool up = wait_until(
        [&] {
            return exabgp.session_state("127.0.0.72") == "up" && emu.session_state("edge", "exabgp") == "Established";
        },
        session_timeout);
    if (!up) {
        UNSCOPED_INFO("bgpemud log:\n" << emu.log());
        UNSCOPED_INFO("exabgp log:\n" << exabgp.log());
        UNSCOPED_INFO("exabgp received:\n" << exabgp.received());
    }
    REQUIRE(up);

    // ExaBGP's static route in bgpemu's RIB.
    auto from_exabgp = wait_for_route([&] { return emu.route("edge", "192.0.2.0/24"); });
    INFO("bgpemu's 192.0.2.0/24: " << to_string(from_exabgp));
    REQUIRE(from_exabgp);
    CHECK(from_exabgp->as_path == "65032");
    CHECK(from_exabgp->next_hop == "127.0.0.73");
    CHECK(from_exabgp->med == std::optional<std::uint32_t>(30));
    CHECK(from_exabgp->communities == strings({"65032:9"}));
    CHECK(from_exabgp->large_communities == strings({"65032:3:4"}));

    // bgpemu's network as ExaBGP received it.
    auto own = wait_for_route([&] { return exabgp.route("203.0.113.0/24"); });
    INFO("ExaBGP's 203.0.113.0/24: " << to_string(own));
    REQUIRE(own);
    CHECK(own->as_path == "65000");
    CHECK(own->next_hop == "127.0.0.72");
    CHECK(own->med == std::optional<std::uint32_t>(42));
    CHECK(own->communities == strings({"65000:42"}));
    CHECK(own->large_communities == strings({"65000:4:2"}));

    // Withdrawn and announced again through ExaBGP's API, with other attributes.
    exabgp.withdraw_network("192.0.2.0/24");
    CHECK(wait_for_no_route([&] { return emu.route("edge", "192.0.2.0/24"); }));
    exabgp.announce_network({"192.0.2.0/24", 31, {"65032:10", "65032:11"}, {}});
    from_exabgp = wait_for_route([&] {
        auto route = emu.route("edge", "192.0.2.0/24");
        return route && route->med == std::optional<std::uint32_t>(31) ? route : std::nullopt;
    });
    CHECK(to_string(from_exabgp) ==
          to_string(ObservedRoute{"65032", "127.0.0.73", 31, {}, {"65032:10", "65032:11"}, {}}));

    // bgpemu withdraws its own network.
    REQUIRE(emu.ctl({"withdraw", "edge", "203.0.113.0/24"}).exit_code == 0);
    CHECK(wait_for_no_route([&] { return exabgp.route("203.0.113.0/24"); }));

    emu.process().signal(SIGTERM);
    CHECK(emu.process().wait_exit(10s) == std::optional<int>(0));
    CHECK(wait_until([&] { return exabgp.session_state("127.0.0.72") == "down"; }, 10s));
}

TEST_CASE("bgpemu carries routes between GoBGP and ExaBGP", "[integration][gobgp][exabgp]") {
    TempDir dir("bgpemu-gobgp-exabgp");
    const Ports ports;
    INFO("work directory (removed afterwards): " << dir.path());
    BgpemuDaemon emu(emu_yaml("127.0.0.74", ports.emu,
                     gobgp_neighbor_yaml("127.0.0.75", ports.gobgp, "10.255.0.74") +
                         exabgp_neighbor_yaml("127.0.0.76")),
            dir.path());
    GobgpRouter gobgp(gobgp_config("127.0.0.75", ports.gobgp, "127.0.0.74", ports.emu), ports.gobgp_api, dir.path());
    ExabgpRouter exabgp(exabgp_config("127.0.0.76", "127.0.0.74", ports.emu), dir.path());

    const bool up = wait_until(
        [&] {
            return gobgp.session_state("127.0.0.74") == "Established" && exabgp.session_state("127.0.0.74") == "up" &&
                   emu.session_state("edge", "gobgp") == "Established" &&
                   emu.session_state("edge", "exabgp") == "Established";
        },
        session_timeout);
    if (!up) {
        UNSCOPED_INFO("bgpemud log:\n" << emu.log());
        UNSCOPED_INFO("gobgpd log:\n" << gobgp.log());
        UNSCOPED_INFO("exabgp log:\n" << exabgp.log());
    }
    REQUIRE(up);

    // GoBGP -> bgpemu -> ExaBGP: bgpemu prepended, next hop bgpemu, MED dropped.
    gobgp.announce_network(gobgp_network);
    auto at_exabgp = wait_for_route([&] { return exabgp.route("198.51.100.0/24"); });
    INFO("ExaBGP's 198.51.100.0/24: " << to_string(at_exabgp));
    REQUIRE(at_exabgp);
    CHECK(at_exabgp->as_path == "65000 65031");
    CHECK(at_exabgp->next_hop == "127.0.0.74");
    CHECK_FALSE(at_exabgp->med);
    CHECK(at_exabgp->communities == strings({"65031:7"}));
    CHECK(at_exabgp->large_communities == strings({"65031:1:2"}));

    // ExaBGP -> bgpemu -> GoBGP.
    auto at_gobgp = wait_for_route([&] { return gobgp.route("192.0.2.0/24"); });
    INFO("GoBGP's 192.0.2.0/24: " << to_string(at_gobgp));
    REQUIRE(at_gobgp);
    CHECK(at_gobgp->as_path == "65000 65032");
    CHECK(at_gobgp->next_hop == "10.255.0.74");
    CHECK_FALSE(at_gobgp->med);
    CHECK(at_gobgp->communities == strings({"65032:9"}));
    CHECK(at_gobgp->large_communities == strings({"65032:3:4"}));

    // Withdrawals cross too.
    gobgp.withdraw_network("198.51.100.0/24");
    CHECK(wait_for_no_route([&] { return exabgp.route("198.51.100.0/24"); }));
    exabgp.withdraw_network("192.0.2.0/24");
    CHECK(wait_for_no_route([&] { return gobgp.route("192.0.2.0/24"); }));

    emu.process().signal(SIGTERM);
    CHECK(emu.process().wait_exit(10s) == std::optional<int>(0));
}

}  // namespace bgpemu::test
