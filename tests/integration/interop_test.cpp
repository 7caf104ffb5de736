// One bgpemu speaker between a real FRR bgpd and a real BIRD 2, all on loopback:
//
//   FRR  AS 65011  127.0.0.11  <-eBGP->  bgpemu "edge" AS 65000 127.0.0.2  <-eBGP->  BIRD AS 65021 127.0.0.21
//
// Each router originates one prefix with MED, communities and large communities, so a
// route that crosses bgpemu shows what our speaker did to it: AS path prepended, next
// hop set to itself, MED dropped (RFC 4271 §5.1.4: not passed between neighbouring
// ASes), communities carried. Then withdrawals, resets from both sides, and a peer
// frozen with SIGSTOP until bgpemu's hold timer expires.
//
// The second test gives the speaker routing policy (route maps, prefix lists, RFC 8212,
// maximum-prefix) and checks its effect as FRR and BIRD see it.
#include <signal.h>

#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

#include "routers.hpp"

namespace bgpemu::test {
namespace {

using namespace std::chrono_literals;

constexpr auto session_timeout = 30s;
constexpr auto route_timeout = 20s;

struct InteropSetup {
    TempDir dir{"bgpemu-interop"};
    unsigned short emu_port = test_port(0);
    unsigned short frr_port = test_port(1);
    unsigned short bird_port = test_port(2);

    std::string emu_yaml() const {
        std::ostringstream yaml;
        yaml << "speakers:\n"
             << "  - name: edge\n"
             << "    asn: 65000\n"
             << "    router_id: 10.255.0.2\n"
             << "    ebgp_requires_policy: false\n"  // plain carrying here; policy has its own test
             << "    listen: 127.0.0.2:" << emu_port << "\n"
             << "    networks:\n"
             << "      - prefix: 203.0.113.0/24\n"
             << "        med: 42\n"
             << "        communities: [\"65000:42\"]\n"
             << "        large_communities: [\"65000:4:2\"]\n"
             << "    neighbors:\n"
             << "      - name: frr\n"
             << "        address: 127.0.0.11:" << frr_port << "\n"
             << "        asn: 65011\n"
             << "        hold_time: 9\n"
             << "        connect_retry: 1\n"
             // FRR drops routes whose next hop is in 127/8 ("martian"), so toward FRR
             // bgpemu's next hop is an address of its own that is not on loopback.
             << "        next_hop: {ipv4: 10.255.0.2}\n"
             << "      - name: bird\n"
             << "        address: 127.0.0.21:" << bird_port << "\n"
             << "        asn: 65021\n"
             << "        hold_time: 9\n"
             << "        connect_retry: 1\n";
        return yaml.str();
    }

    TestRouterConfig frr_config() const {
        TestRouterConfig config;
        config.address = "127.0.0.11";
        config.port = frr_port;
        config.asn = 65011;
        config.router_id = "10.255.0.11";
        config.neighbors.push_back({"127.0.0.2", emu_port, 65000});
        config.networks.push_back({"198.51.100.0/24", 7, {"65011:100"}, {"65011:1:1"}});
        return config;
    }

    TestRouterConfig bird_config() const {
        TestRouterConfig config;
        config.address = "127.0.0.21";
        config.port = bird_port;
        config.asn = 65021;
        config.router_id = "10.255.0.21";
        config.neighbors.push_back({"127.0.0.2", emu_port, 65000});
        config.networks.push_back({"192.0.2.0/24", 9, {"65021:200"}, {"65021:2:2"}});
        return config;
    }
};

template <typename Router>
std::optional<ObservedRoute> wait_for_route(const Router& router, const std::string& prefix) {
    return test::wait_for_route([&] { return router.route(prefix); }, route_timeout);
}

template <typename Router>
bool wait_for_no_route(const Router& router, const std::string& prefix) {
    return test::wait_for_no_route([&] { return router.route(prefix); }, route_timeout);
}

}  // namespace

TEST_CASE("a bgpemu speaker carries routes between FRR and BIRD, and recovers from resets and dead peers",
          "[integration][frr][bird]") {
    InteropSetup setup;
    BgpemuDaemon emu(setup.emu_yaml(), setup.dir.path());
    FrrRouter frr(setup.frr_config(), setup.dir.path());
    BirdRouter bird(setup.bird_config(), setup.dir.path());
    INFO("work directory (removed afterwards): " << setup.dir.path());

    // Sessions.
    const bool frr_up = wait_until([&] { return frr.session_state("127.0.0.2") == "Established"; }, session_timeout);
    const bool bird_up = wait_until([&] { return bird.session_state(0) == "Established"; }, session_timeout);
    if (!frr_up || !bird_up) {
        UNSCOPED_INFO("bgpemud log:\n" << emu.log());
        UNSCOPED_INFO("bgpd log:\n" << frr.log());
        UNSCOPED_INFO("bird log:\n" << bird.log());
    }
    REQUIRE(frr_up);
    REQUIRE(bird_up);

    // FRR's route, seen by BIRD through bgpemu.
    auto from_frr = wait_for_route(bird, "198.51.100.0/24");
    INFO("BIRD's 198.51.100.0/24: " << to_string(from_frr));
    REQUIRE(from_frr);
    CHECK(from_frr->as_path == "65000 65011");
    CHECK(from_frr->next_hop == "127.0.0.2");
    CHECK_FALSE(from_frr->med);  // FRR's MED 7 stays between FRR and bgpemu
    CHECK(from_frr->communities == strings({"65011:100"}));
    CHECK(from_frr->large_communities == strings({"65011:1:1"}));

    // BIRD's route, seen by FRR through bgpemu.
    auto from_bird = wait_for_route(frr, "192.0.2.0/24");
    INFO("FRR's 192.0.2.0/24: " << to_string(from_bird));
    REQUIRE(from_bird);
    CHECK(from_bird->as_path == "65000 65021");
    CHECK(from_bird->next_hop == "10.255.0.2");
    CHECK_FALSE(from_bird->med);
    CHECK(from_bird->communities == strings({"65021:200"}));
    CHECK(from_bird->large_communities == strings({"65021:2:2"}));

    // bgpemu's own network reaches both, with its MED (sent to a neighbouring AS, not passed on).
    for (const auto& [own, next_hop] : {std::pair{wait_for_route(frr, "203.0.113.0/24"), "10.255.0.2"},
                                        std::pair{wait_for_route(bird, "203.0.113.0/24"), "127.0.0.2"}}) {
        INFO("203.0.113.0/24: " << to_string(own));
        REQUIRE(own);
        CHECK(own->as_path == "65000");
        CHECK(own->next_hop == next_hop);
        CHECK(own->med == std::optional<std::uint32_t>(42));
        CHECK(own->communities == strings({"65000:42"}));
        CHECK(own->large_communities == strings({"65000:4:2"}));
    }

    // A withdrawal on one side disappears on the other, and an announcement comes back.
    frr.withdraw_network("198.51.100.0/24");
    CHECK(wait_for_no_route(bird, "198.51.100.0/24"));
    frr.announce_network("198.51.100.0/24");
    CHECK(wait_for_route(bird, "198.51.100.0/24"));
    bird.disable_originate();
    CHECK(wait_for_no_route(frr, "192.0.2.0/24"));
    bird.enable_originate();
    CHECK(wait_for_route(frr, "192.0.2.0/24"));

    // A reset from FRR's side: the session comes back and so do the routes.
    const unsigned emu_frr_sessions = emu.established_count("frr");
    frr.clear_session("127.0.0.2");
    CHECK(wait_until([&] { return emu.established_count("frr") > emu_frr_sessions; }, session_timeout));
    CHECK(wait_until([&] { return frr.session_state("127.0.0.2") == "Established"; }, session_timeout));
    CHECK(wait_for_route(frr, "192.0.2.0/24"));
    CHECK(wait_for_route(bird, "198.51.100.0/24"));

    // A reset from BIRD's side.
    const unsigned emu_bird_sessions = emu.established_count("bird");
    bird.restart_session(0);
    CHECK(wait_until([&] { return emu.established_count("bird") > emu_bird_sessions; }, session_timeout));
    CHECK(wait_until([&] { return bird.session_state(0) == "Established"; }, session_timeout));
    CHECK(wait_for_route(bird, "198.51.100.0/24"));
    CHECK(wait_for_route(frr, "192.0.2.0/24"));

    // FRR frozen: bgpemu's hold timer (9 s) expires, FRR's routes are withdrawn from BIRD.
    frr.process().signal(SIGSTOP);
    const bool expired = wait_until([&] { return emu.log().find("frr: Hold Timer Expired") != std::string::npos ||
                                                 emu.log().find("frr: sending NOTIFICATION Hold Timer Expired") !=
                                                     std::string::npos; },
                                    20s, 250ms);
    if (!expired) UNSCOPED_INFO("bgpemud log:\n" << emu.log());
    CHECK(expired);
    CHECK(wait_for_no_route(bird, "198.51.100.0/24"));
    frr.process().signal(SIGCONT);
    // Thawed, FRR finds its session gone and reconnects.
    CHECK(wait_until([&] { return frr.session_state("127.0.0.2") == "Established"; }, session_timeout));
    CHECK(wait_for_route(bird, "198.51.100.0/24"));

    // Everything torn down cleanly: bgpemud exits 0 on SIGTERM after sending Cease.
    emu.process().signal(SIGTERM);
    CHECK(emu.process().wait_exit(10s) == std::optional<int>(0));
}

TEST_CASE("policy on a bgpemu speaker, as FRR and BIRD see it", "[integration][frr][bird][policy]") {
    TempDir dir{"bgpemu-policy"};
    const unsigned short emu_port = test_port(3);
    const unsigned short frr_port = test_port(4);
    const unsigned short bird_port = test_port(5);

    // FRR announces a public prefix and one the speaker's import policy refuses; BIRD's
    // session has no import policy, so RFC 8212 (on by default) takes nothing from it.
    std::ostringstream yaml;
    yaml << R"(policy:
  prefix_lists:
    refused:
      - {seq: 10, action: permit, prefix: 10.0.0.0/8, le: 32}
    own:
      - {seq: 10, action: permit, prefix: 203.0.113.0/24}
  community_lists:
    tagged-from-frr:
      - {action: permit, communities: ["65000:1"]}
  route_maps:
    from-frr:
      - {seq: 10, action: deny, match: {prefix_list: refused}}
      - {seq: 20, action: permit, set: {local_pref: 200, communities: {add: ["65000:1"]}}, on_match: next}
      - {seq: 30, action: permit, match: {as_path: from-65011}, set: {med: 5}}
    to-bird:
      - {seq: 10, action: permit, match: {community: tagged-from-frr}, set: {as_path_prepend: [65000, 65000]}}
      - {seq: 20, action: permit, match: {source: local}, set: {communities: {delete: ["65000:42"]}}}
  as_path_lists:
    from-65011:
      - {action: permit, regex: "^65011$"}
speakers:
  - name: edge
    asn: 65000
    router_id: 10.255.0.3
    listen: 127.0.0.3:)" << emu_port << R"(
    networks:
      - {prefix: 203.0.113.0/24, communities: ["65000:42", "65000:43"]}
    neighbors:
      - name: frr
        address: 127.0.0.12:)" << frr_port << R"(
        asn: 65011
        hold_time: 9
        connect_retry: 1
        next_hop: {ipv4: 10.255.0.3}
        route_map_in: from-frr
        prefix_list_out: own
        maximum_prefix: {limit: 3, warning_percent: 50}
      - name: bird
        address: 127.0.0.22:)" << bird_port << R"(
        asn: 65021
        hold_time: 9
        connect_retry: 1
        route_map_out: to-bird
)";
    BgpemuDaemon emu(yaml.str(), dir.path());

    TestRouterConfig frr_config;
    frr_config.address = "127.0.0.12";
    frr_config.port = frr_port;
    frr_config.asn = 65011;
    frr_config.router_id = "10.255.0.12";
    frr_config.neighbors.push_back({"127.0.0.3", emu_port, 65000});
    frr_config.networks.push_back({"198.51.100.0/24", 7, {"65011:100"}, {}});
    frr_config.networks.push_back({"10.99.0.0/16", std::nullopt, {}, {}});
    FrrRouter frr(frr_config, dir.path());

    TestRouterConfig bird_config;
    bird_config.address = "127.0.0.22";
    bird_config.port = bird_port;
    bird_config.asn = 65021;
    bird_config.router_id = "10.255.0.22";
    bird_config.neighbors.push_back({"127.0.0.3", emu_port, 65000});
    bird_config.networks.push_back({"192.0.2.0/24", std::nullopt, {}, {}});
    BirdRouter bird(bird_config, dir.path());
    INFO("work directory (removed afterwards): " << dir.path());

    const bool up = wait_until([&] { return frr.session_state("127.0.0.3") == "Established" &&
                                            bird.session_state(0) == "Established"; },
                               session_timeout);
    if (!up) UNSCOPED_INFO("bgpemud log:\n" << emu.log());
    REQUIRE(up);

    // Import from FRR: local-pref and a community added (not visible to eBGP BIRD, but the
    // community is), MED set by the continued entry; export to BIRD: the tagged route
    // prepended twice, our own network without the deleted community.
    auto from_frr = wait_for_route(bird, "198.51.100.0/24");
    INFO("BIRD's 198.51.100.0/24: " << to_string(from_frr));
    REQUIRE(from_frr);
    CHECK(from_frr->as_path == "65000 65000 65000 65011");
    CHECK(from_frr->communities == strings({"65000:1", "65011:100"}));
    CHECK_FALSE(from_frr->med);  // set on import, but a MED learned from one AS is not passed to another

    auto own = wait_for_route(bird, "203.0.113.0/24");
    INFO("BIRD's 203.0.113.0/24: " << to_string(own));
    REQUIRE(own);
    CHECK(own->as_path == "65000");
    CHECK(own->communities == strings({"65000:43"}));

    // FRR gets only what the outbound prefix list lets through; BIRD's route was never
    // accepted (RFC 8212), and FRR's 10.99.0.0/16 was refused on import.
    auto own_at_frr = wait_for_route(frr, "203.0.113.0/24");
    REQUIRE(own_at_frr);
    CHECK(own_at_frr->communities == strings({"65000:42", "65000:43"}));
    // The sentinel for the negative checks: bgpemu has read every UPDATE FRR sent it and
    // one from BIRD (its only route), and has nothing left to send, so a route it had
    // wrongly accepted would be in its Loc-RIB and on its way out.
    std::optional<std::uint32_t> frr_sent, read_from_frr, read_from_bird;
    const bool heard_everything = wait_until(
        [&] {
            frr_sent = frr.update_count("127.0.0.3", "updatesSent");
            read_from_frr = emu.session_counter("edge", "frr", "updates_in");
            read_from_bird = emu.session_counter("edge", "bird", "updates_in");
            return frr_sent && read_from_frr && read_from_bird && *read_from_frr >= *frr_sent && *read_from_bird >= 1;
        },
        20s);
    INFO("UPDATEs: FRR sent " << frr_sent.value_or(0) << " (" << frr_sent.has_value() << "), bgpemu read "
                              << read_from_frr.value_or(0) << " from FRR and " << read_from_bird.value_or(0)
                              << " from BIRD");
    REQUIRE(heard_everything);
    REQUIRE(emu.converged());
    CHECK_FALSE(emu.route("edge", "192.0.2.0/24"));
    CHECK_FALSE(emu.route("edge", "10.99.0.0/16"));
    CHECK_FALSE(frr.route("192.0.2.0/24"));
    CHECK_FALSE(bird.route("10.99.0.0/16"));
    CHECK(emu.log().find("bird has no import policy") != std::string::npos);

    // Maximum prefixes: a fourth and a fifth prefix from FRR push it past 3 (the refused
    // one does not count): bgpemu closes the session with Cease / Maximum Number of
    // Prefixes Reached, which FRR reports, and its routes leave BIRD.
    frr.announce_network("198.51.101.0/24");
    frr.announce_network("198.51.102.0/24");
    frr.announce_network("198.51.103.0/24");
    const bool tripped = wait_until([&] { return emu.log().find("exceed its maximum of 3") != std::string::npos; }, 20s);
    if (!tripped) UNSCOPED_INFO("bgpemud log:\n" << emu.log());
    CHECK(tripped);
    CHECK(emu.log().find("50 % of its maximum of 3") != std::string::npos);
    CHECK(wait_until([&] { return frr.vtysh({"show bgp neighbors 127.0.0.3"}).find("Maximum Number of Prefixes Reached") !=
                                  std::string::npos; },
                     20s));
    CHECK(wait_for_no_route(bird, "198.51.100.0/24"));
    CHECK(frr.session_state("127.0.0.3") != "Established");
}

TEST_CASE("the same route map in FRR and in bgpemu gives the same best paths", "[integration][frr][policy]") {
    // One injector (a bgpemu speaker, AS 65100) feeds the same three routes to two
    // routers in AS 65200 that carry the same inbound route map: FRR, and a second
    // bgpemu speaker. Their best paths must agree on presence, AS path, local-pref,
    // communities and MED.
    TempDir dir{"bgpemu-samepolicy"};
    const unsigned short injector_port = test_port(6);
    const unsigned short frr_port = test_port(7);
    const unsigned short emu_port = test_port(8);

    std::ostringstream yaml;
    yaml << R"(speakers:
  - name: injector
    asn: 65100
    router_id: 10.255.0.15
    ebgp_requires_policy: false
    listen: 127.0.0.15:)" << injector_port << R"(
    networks:
      - {prefix: 198.51.100.0/24, communities: ["65100:1"]}
      - {prefix: 198.51.101.0/24, med: 5, communities: ["65100:2"]}
      - {prefix: 10.50.0.0/16, communities: ["65100:1"]}
    neighbors:
      - {name: dut, address: 127.0.0.5:)" << emu_port << R"(, asn: 65200, hold_time: 9, connect_retry: 1}
      # FRR drops a 127/8 next hop as martian: toward FRR, one outside it.
      - {name: frr, address: 127.0.0.16:)" << frr_port << R"(, asn: 65200, hold_time: 9, connect_retry: 1, next_hop: {ipv4: 10.255.0.15}}
  - name: dut
    asn: 65200
    router_id: 10.255.0.5
    listen: 127.0.0.5:)" << emu_port << R"(
    policy:
      prefix_lists:
        bogons:
          - {seq: 5, action: permit, prefix: 10.0.0.0/8, le: 32}
      community_lists:
        tagged:
          - {action: permit, communities: ["65100:1"]}
      route_maps:
        from-injector:
          - {seq: 10, action: deny, match: {prefix_list: bogons}}
          - {seq: 20, action: permit, match: {community: tagged}, set: {local_pref: 250, communities: {add: ["65200:9"]}}, on_match: next}
          - {seq: 30, action: permit, set: {as_path_prepend: [65100]}}
    neighbors:
      - {name: injector, address: 127.0.0.15:)" << injector_port << R"(, asn: 65100, hold_time: 9, connect_retry: 1, route_map_in: from-injector}
)";
    BgpemuDaemon emu(yaml.str(), dir.path());

    TestRouterConfig frr_config;
    frr_config.address = "127.0.0.16";
    frr_config.port = frr_port;
    frr_config.asn = 65200;
    frr_config.router_id = "10.255.0.16";
    frr_config.neighbors.push_back({"127.0.0.15", injector_port, 65100});
    frr_config.address_family_lines = {"neighbor 127.0.0.15 route-map from-injector in"};
    frr_config.extra_config =
        "ip prefix-list bogons seq 5 permit 10.0.0.0/8 le 32\n"
        "bgp community-list standard tagged permit 65100:1\n"
        "route-map from-injector deny 10\n match ip address prefix-list bogons\n"
        "route-map from-injector permit 20\n match community tagged\n set local-preference 250\n"
        " set community 65200:9 additive\n on-match next\n"
        "route-map from-injector permit 30\n set as-path prepend 65100\n";
    FrrRouter frr(frr_config, dir.path());
    INFO("work directory (removed afterwards): " << dir.path());

    const auto emu_route = [&](const std::string& prefix) { return emu.route("dut", prefix); };
    const bool up = wait_until([&] { return frr.session_state("127.0.0.15") == "Established"; }, session_timeout);
    if (!up) UNSCOPED_INFO("bgpemud log:\n" << emu.log());
    REQUIRE(up);

    for (const char* prefix : {"198.51.100.0/24", "198.51.101.0/24"}) {
        const auto at_frr = wait_for_route(frr, prefix);
        const auto at_emu = test::wait_for_route([&] { return emu_route(prefix); }, route_timeout);
        INFO(prefix << ": FRR " << to_string(at_frr) << " / bgpemu " << to_string(at_emu));
        REQUIRE(at_frr);
        REQUIRE(at_emu);
        CHECK(at_emu->as_path == at_frr->as_path);
        CHECK(at_emu->local_pref.value_or(100) == at_frr->local_pref.value_or(100));
        CHECK(at_emu->communities == at_frr->communities);
        CHECK(at_emu->med == at_frr->med);
    }
    // And the values themselves, so that agreeing on something wrong fails too.
    const auto tagged = emu_route("198.51.100.0/24");
    REQUIRE(tagged);
    CHECK(tagged->as_path == "65100 65100");
    CHECK(tagged->local_pref == std::optional<std::uint32_t>(250));
    CHECK(tagged->communities == strings({"65100:1", "65200:9"}));
    // The bogon is refused by both. The sentinel: each has read every UPDATE the
    // injector sent it, and the injector has nothing left to send.
    REQUIRE(emu.converged());
    const bool heard_everything = wait_until(
        [&] {
            const auto to_frr = emu.session_counter("injector", "frr", "updates_out");
            const auto to_dut = emu.session_counter("injector", "dut", "updates_out");
            const auto frr_received = frr.update_count("127.0.0.15", "updatesRecv");
            const auto dut_received = emu.session_counter("dut", "injector", "updates_in");
            return to_frr && to_dut && frr_received && dut_received && *frr_received >= *to_frr &&
                   *dut_received >= *to_dut;
        },
        20s);
    REQUIRE(heard_everything);
    CHECK_FALSE(frr.route("10.50.0.0/16"));
    CHECK_FALSE(emu_route("10.50.0.0/16"));
}

}  // namespace bgpemu::test
