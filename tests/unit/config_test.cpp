// The daemon's YAML configuration: a valid file becomes the speaker model, and every
// kind of mistake is reported with the file, line and column it is at, all at once.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>

#include "config_errors.hpp"
#include "temp_file.hpp"
#include "bgp/wire/attribute_text.hpp"
#include "bgp/speaker/speaker.hpp"
#include "daemon/config/config.hpp"
#include "loopback_pair.hpp"

namespace bgpemu::daemon {
namespace {

using test::has_error;
using test::joined;

const char* const valid = R"(speakers:
  - name: edge
    asn: 4200000001
    router_id: 10.0.0.1
    listen: 127.0.0.2:1790
    maximum_paths: 4
    networks:
      - 192.0.2.0/24
      - prefix: 2001:db8::/32
        med: 5
        communities: ["65001:7", no-export]
        large_communities: ["65001:1:2"]
        origin: incomplete
    neighbors:
      - name: frr
        description: a real router
        address: 127.0.0.11:11179
        asn: 65011
        hold_time: 9
        passive: true
        ebgp_multihop: 2
        allowas_in: 2
        families: [ipv4, ipv6]
        next_hop: {ipv4: 10.255.0.2, ipv6: "2001:db8::2"}
      - name: bird
        address: 127.0.0.21
        asn: 65021
        shutdown: true
)";

// The errors of `yaml` as "line:column: message" strings.
std::vector<std::string> errors_of(const std::string& yaml) { return test::positioned(parse_config(yaml, "test.yaml").errors); }

}  // namespace

TEST_CASE("a valid configuration becomes the speaker model", "[config]") {
    const auto loaded = parse_config(valid, "test.yaml");
    INFO((loaded.errors.empty() ? std::string() : loaded.errors.front().to_string()));
    REQUIRE(loaded.ok());
    REQUIRE(loaded.config.speakers.size() == 1);
    const auto& s = loaded.config.speakers[0];
    CHECK(s.name == "edge");
    CHECK(s.asn == 4200000001u);
    CHECK(s.router_id == 0x0a000001u);
    CHECK(s.listen.address.to_string() == "127.0.0.2");
    CHECK(s.listen.port == 1790);
    CHECK(s.maximum_paths == 4);
    REQUIRE(s.networks.size() == 2);
    CHECK(s.networks[0].prefix.to_string() == "192.0.2.0/24");
    CHECK(s.networks[1].prefix.to_string() == "2001:db8::/32");
    CHECK(s.networks[1].med == std::optional<std::uint32_t>(5));
    CHECK(s.networks[1].communities.size() == 2);
    CHECK(s.networks[1].large_communities.size() == 1);

    REQUIRE(s.neighbors.size() == 2);
    const auto& frr = s.neighbors[0];
    CHECK(frr.name == "frr");
    CHECK(frr.description == "a real router");
    CHECK(frr.remote.address.to_string() == "127.0.0.11");
    CHECK(frr.remote.port == 11179);
    CHECK(frr.remote_as == 65011);
    CHECK(frr.hold_time == 9);
    CHECK(frr.passive);
    CHECK(frr.ebgp_multihop == 2);
    CHECK(frr.allowas_in == 2);
    REQUIRE(frr.self_next_hop_v4);
    CHECK(frr.self_next_hop_v4->to_string() == "10.255.0.2");
    REQUIRE(frr.self_next_hop_v6);
    CHECK(frr.self_next_hop_v6->to_string() == "2001:db8::2");

    const auto& bird = s.neighbors[1];
    CHECK(bird.remote.port == 179);  // the default BGP port
    CHECK_FALSE(bird.enabled);
}

TEST_CASE("mistakes are reported with their line and column, all of them", "[config]") {
    const auto errors = errors_of(R"(speakers:
  - name: edge
    asn: 70000000000
    router_id: 0.0.0.0
    listen: 127.0.0.2
    colour: blue
    neighbors:
      - name: x
        address: not-an-address:179
        asn: 65011
        hold_time: 2
        families: [ipv4, ipx]
      - name: x
        asn: 65012
)");
    INFO(joined(errors));
    CHECK(has_error(errors, "3:10", "out of range"));
    CHECK(has_error(errors, "4:16", "non-zero IPv4"));
    CHECK(has_error(errors, "5:13", "port is required"));
    CHECK(has_error(errors, "6:5", "unknown key 'colour'"));
    CHECK(has_error(errors, "9:18", "not an IP address"));
    CHECK(has_error(errors, "11:20", "hold_time must be 0 or at least 3"));
    CHECK(has_error(errors, "12:26", "family 'ipx'"));
    CHECK(has_error(errors, "13:9", "needs an 'address'"));
    CHECK(errors.size() >= 8);
}

TEST_CASE("policy: lists and route maps at the top level and per speaker, wired to neighbours", "[config][policy]") {
    const auto loaded = parse_config(R"(policy:
  prefix_lists:
    customers:
      - {action: permit, prefix: 10.0.0.0/8, le: 24}
      - {seq: 100, action: deny, prefix: 0.0.0.0/0, le: 32}
  as_path_lists:
    via-12076:
      - {action: permit, regex: "^12076_"}
      - {action: deny, contains: 65516}
speakers:
  - name: ce
    asn: 65021
    router_id: 10.0.0.1
    listen: 127.0.0.2:1790
    policy:
      community_lists:
        er:
          - {action: permit, communities: ["12076:1"]}
      route_maps:
        prefer-er:
          - {seq: 10, action: permit, match: {as_path: via-12076, community: er}, set: {local_pref: 200}, on_match: next}
          - {seq: 20, action: permit, match: {prefix_list: customers}, set: {as_path_prepend: [65021, 65021]}}
    neighbors:
      - name: msee
        address: 127.0.0.3:1790
        asn: 12076
        route_map_in: prefer-er
        prefix_list_out: customers
        remove_private_as: all
        as_override: true
        maximum_prefix: {limit: 4000, warning_percent: 80, restart: 60}
      - name: vpn
        address: 127.0.0.4:1790
        asn: 65515
        remove_private_as: true
        maximum_prefix: 100
        soft_reconfiguration_inbound: true
)", "test.yaml");
    INFO((loaded.errors.empty() ? std::string() : loaded.errors.front().to_string()));
    REQUIRE(loaded.ok());
    const auto& s = loaded.config.speakers.at(0);
    CHECK(s.ebgp_requires_policy);  // the default
    REQUIRE(s.policy);
    const auto* map = s.policy->route_map("prefer-er");
    REQUIRE(map);
    REQUIRE(map->entries.size() == 2);
    CHECK(map->entries[0].match.as_path == s.policy->as_path_list("via-12076"));
    CHECK(map->entries[0].match.community == s.policy->community_list("er"));
    CHECK(map->entries[0].on_match == rib::RouteMapEntry::OnMatch::next);
    CHECK(map->entries[1].set.as_path_prepend == std::vector<std::uint32_t>{65021, 65021});
    const auto* customers = s.policy->prefix_list("customers");
    REQUIRE(customers);
    REQUIRE(customers->entries.size() == 2);
    CHECK(customers->entries[0].sequence == 5);  // numbered as FRR does when seq is left out
    CHECK(customers->entries[1].sequence == 100);
    const auto& msee = s.neighbors.at(0);
    CHECK(msee.route_map_in == map);
    CHECK(msee.prefix_list_out == customers);
    CHECK(msee.remove_private_as == rib::RemovePrivateAs::all);
    CHECK(msee.as_override);
    CHECK(msee.maximum_prefix == 4000);
    CHECK(msee.maximum_prefix_warning_percent == 80);
    CHECK(msee.maximum_prefix_restart == std::chrono::seconds(60));
    CHECK_FALSE(msee.soft_reconfiguration_inbound);  // off by default, as in FRR
    const auto& vpn = s.neighbors.at(1);
    CHECK(vpn.soft_reconfiguration_inbound);
    CHECK(vpn.remove_private_as == rib::RemovePrivateAs::yes);
    CHECK(vpn.maximum_prefix == 100);
    CHECK_FALSE(vpn.has_import_policy());
}

TEST_CASE("policy mistakes: undefined names, bad regexes, ranges, order", "[config][policy]") {
    const auto errors = errors_of(R"(policy:
  prefix_lists:
    p:
      - {action: permit, prefix: 10.0.0.0/8, ge: 8}
      - {action: allow, prefix: 10.0.0.0/8}
  as_path_lists:
    a:
      - {action: permit, regex: "(12076"}
      - {action: permit, regex: "x", contains: 1}
  route_maps:
    m:
      - {seq: 10, action: deny, match: {prefix_list: nope}, set: {med: 1}}
      - {seq: 20, action: permit, on_match: {goto: 5}}
speakers:
  - name: s
    asn: 65001
    router_id: 10.0.0.1
    listen: 127.0.0.2:1790
    ebgp_requires_policy: maybe
    neighbors:
      - {name: n, address: 127.0.0.3, asn: 65002, route_map_in: missing, remove_private_as: some, maximum_prefix: 0}
      - {name: o, address: 127.0.0.4, asn: 65003, soft_reconfiguration_inbound: always}
)");
    INFO(joined(errors));
    CHECK(has_error(errors, "4:50", "ge 8 is out of range"));
    CHECK(has_error(errors, "5:18", "action must be permit or deny"));
    CHECK(has_error(errors, "8:33", "does not compile"));
    CHECK(has_error(errors, "9:9", "exactly one of regex"));
    CHECK(has_error(errors, "12:54", "prefix list 'nope' is not defined"));
    CHECK(has_error(errors, "12:66", "a deny entry sets nothing"));
    CHECK(has_error(errors, "13:52", "out of range"));
    CHECK(has_error(errors, "19:27", "true or false"));
    CHECK(has_error(errors, "21:65", "route map 'missing' is not defined"));
    CHECK(has_error(errors, "21:93", "remove_private_as must be true, false or all"));
    CHECK(has_error(errors, "21:115", "out of range"));
    CHECK(has_error(errors, "22:81", "soft_reconfiguration_inbound must be true or false"));
}

TEST_CASE("policy: set weight in a route map, in range", "[config][policy][weight]") {
    const auto loaded = parse_config(R"(speakers:
  - name: ce
    asn: 65021
    router_id: 10.0.0.1
    listen: 127.0.0.2:1790
    policy:
      route_maps:
        heavy:
          - {seq: 10, action: permit, set: {weight: 150}}
)", "test.yaml");
    INFO((loaded.errors.empty() ? std::string() : loaded.errors.front().to_string()));
    REQUIRE(loaded.ok());
    const auto* map = loaded.config.speakers.at(0).policy->route_map("heavy");
    REQUIRE(map);
    CHECK(map->entries.at(0).set.weight == std::optional<std::uint32_t>(150));

    const auto errors = errors_of(R"(speakers:
  - name: ce
    asn: 65021
    router_id: 10.0.0.1
    listen: 127.0.0.2:1790
    policy:
      route_maps:
        heavy:
          - {seq: 10, action: permit, set: {weight: 65536}}
          - {seq: 20, action: permit, set: {weight: -1}}
)");
    INFO(joined(errors));
    CHECK(has_error(errors, "9:53", "set weight 65536 is out of range (0..65535)"));
    CHECK(has_error(errors, "10:53", "set weight must be a whole number"));
}

TEST_CASE("policy: extended-community lists, match extended_community, set extended_communities", "[config][policy][extcommunity]") {
    const auto loaded = parse_config(R"(policy:
  extended_community_lists:
    vnet-a:
      - {action: deny, extended_communities: ["soo:65020:1"]}
      - {action: permit, extended_communities: ["rt:65515:10", "rt:10.0.0.1:5"]}
speakers:
  - name: ce
    asn: 65021
    router_id: 10.0.0.1
    listen: 127.0.0.2:1790
    policy:
      route_maps:
        retag:
          - seq: 10
            action: permit
            match: {extended_community: vnet-a}
            set: {extended_communities: {add: ["rt:65515:20", "soo:4200000000:1"], delete: ["rt:65515:30"], delete_list: vnet-a}}
          - {seq: 20, action: permit, set: {extended_communities: {replace: []}}}
)", "test.yaml");
    INFO((loaded.errors.empty() ? std::string() : loaded.errors.front().to_string()));
    REQUIRE(loaded.ok());
    const auto& policy = *loaded.config.speakers.at(0).policy;
    const auto* list = policy.extended_community_list("vnet-a");
    REQUIRE(list);
    REQUIRE(list->entries.size() == 2);
    CHECK(list->entries[0].action == rib::PolicyAction::deny);
    CHECK(list->entries[1].communities ==
          std::vector<std::uint64_t>{0x0002'ffeb'0000'000aULL, 0x0102'0a00'0001'0005ULL});
    const auto* map = policy.route_map("retag");
    REQUIRE(map);
    const auto& first = map->entries.at(0);
    CHECK(first.match.extended_community == list);
    CHECK(first.set.extended_communities_delete_list == list);
    CHECK(first.set.extended_communities_add ==
          std::vector<std::uint64_t>{0x0002'ffeb'0000'0014ULL, 0x0203'fa56'ea00'0001ULL});
    CHECK(first.set.extended_communities_delete == std::vector<std::uint64_t>{0x0002'ffeb'0000'001eULL});
    CHECK(map->entries.at(1).set.extended_communities_replace);

    const auto errors = errors_of(R"(policy:
  extended_community_lists:
    bad:
      - {action: permit, extended_communities: ["65000:1", "rt:4200000000:70000"]}
      - {action: permit, extended_communities: []}
  route_maps:
    m:
      - {seq: 10, action: permit, match: {extended_community: nope}}
      - {seq: 20, action: permit, set: {extended_communities: {delete_list: nope, remove: ["rt:1:1"]}}}
speakers:
  - {name: s, asn: 65001, router_id: 10.0.0.1, listen: 127.0.0.2:1790}
)");
    INFO(joined(errors));
    CHECK(has_error(errors, "4:49", "extended community '65000:1' must be rt:ASN:NN"));
    CHECK(has_error(errors, "4:60", "extended community 'rt:4200000000:70000'"));
    CHECK(has_error(errors, "5:9", "needs 'extended_communities': a non-empty list"));
    CHECK(has_error(errors, "8:63", "extended community list 'nope' is not defined"));
    CHECK(has_error(errors, "9:77", "extended community list 'nope' is not defined"));
    CHECK(has_error(errors, "9:83", "unknown key 'remove'"));
}

TEST_CASE("networks with a route map, and aggregates: keys and mistakes", "[config][policy][aggregate]") {
    const auto loaded = parse_config(R"(speakers:
  - name: edge
    asn: 65000
    router_id: 10.255.0.1
    listen: 127.0.0.2:1790
    policy:
      route_maps:
        originate: [{seq: 10, action: permit, set: {med: 7}}]
    networks:
      - {prefix: 10.1.0.0/16, route_map: originate}
      - 10.2.0.0/16
    aggregates:
      - {prefix: 10.0.0.0/8, summary_only: true}
      - {prefix: "2001:db8::/32", as_set: true}
)", "test.yaml");
    INFO((loaded.errors.empty() ? std::string() : loaded.errors.front().to_string()));
    REQUIRE(loaded.ok());
    const auto& s = loaded.config.speakers.at(0);
    REQUIRE(s.networks.size() == 2);
    CHECK(s.networks[0].route_map == s.policy->route_map("originate"));
    CHECK(s.networks[1].route_map == nullptr);
    REQUIRE(s.aggregates.size() == 2);
    CHECK(s.aggregates[0].prefix == *bgp::Prefix::parse("10.0.0.0/8"));
    CHECK(s.aggregates[0].summary_only);
    CHECK_FALSE(s.aggregates[0].as_set);
    CHECK(s.aggregates[1].as_set);
    CHECK_FALSE(s.aggregates[1].summary_only);

    const auto errors = errors_of(R"(speakers:
  - name: edge
    asn: 65000
    router_id: 10.255.0.1
    listen: 127.0.0.2:1790
    networks:
      - {prefix: 10.1.0.0/16, route_map: nope}
    aggregates:
      - {prefix: 10.0.0.0/8, summary_only: yes please}
      - {prefix: 10.0.0.0/8}
      - {summary_only: true}
      - {prefix: 10.0.0.0/33, as_set: true, advertise_map: x}
)");
    INFO(joined(errors));
    CHECK(has_error(errors, "7:42", "network 10.1.0.0/16 route_map: route map 'nope' is not defined"));
    CHECK(has_error(errors, "9:44", "summary_only must be true or false"));
    CHECK(has_error(errors, "10:18", "aggregate 10.0.0.0/8 is configured twice"));
    CHECK(has_error(errors, "11:9", "aggregate needs a 'prefix'"));
    CHECK(has_error(errors, "12:18", "is not a prefix"));
    CHECK(has_error(errors, "12:45", "unknown key 'advertise_map'"));
}

// The speaker built from a file, with no neighbour and no socket: what its own
// origination puts in its Loc-RIB once the decision passes have run.
TEST_CASE("speaker without sockets: network route maps, and an aggregate that follows its contributors",
          "[config][speaker][aggregate]") {
    const char* const file = R"(speakers:
  - name: edge
    asn: 65000
    router_id: 10.255.0.1
    listen: 127.0.0.2:1790
    policy:
      prefix_lists:
        lab: [{action: permit, prefix: 10.9.0.0/16}]
      route_maps:
        originate:
          - {seq: 10, action: deny, match: {prefix_list: lab}}
          - seq: 20
            action: permit
            match: {source: local}
            set: {med: 7, weight: 100, communities: {add: ["65000:1"]}, extended_communities: {add: ["soo:65000:1"]}}
    networks:
      - {prefix: 10.1.0.0/16, route_map: originate}
      - {prefix: 10.9.0.0/16, route_map: originate}
      - 10.2.0.0/16
    aggregates:
      - {prefix: 10.0.0.0/8, summary_only: true}
      - {prefix: 192.168.0.0/16, as_set: true}
)";
    const auto loaded = parse_config(file, "test.yaml");
    INFO((loaded.errors.empty() ? std::string() : loaded.errors.front().to_string()));
    REQUIRE(loaded.ok());
    boost::asio::io_context io;
    bgp::Speaker speaker(io, loaded.config.speakers.at(0), std::make_shared<spdlog::logger>("test"));
    const auto settle = [&] {  // every decision pass (the networks', then the aggregate's)
        io.restart();
        while (io.poll() > 0) {
        }
    };
    const auto prefix = [](const char* text) { return *bgp::Prefix::parse(text); };
    speaker.start();
    settle();
    const auto& rib = speaker.loc_rib();

    const auto* mapped = rib.best(prefix("10.1.0.0/16"));
    REQUIRE(mapped);
    CHECK(mapped->attrs->med == std::optional<std::uint32_t>(7));
    CHECK(mapped->attrs->weight == std::optional<std::uint32_t>(100));
    CHECK(mapped->attrs->communities == std::vector<std::uint32_t>{(65000U << 16) | 1});
    CHECK(mapped->attrs->extended_communities == std::vector<std::uint64_t>{*bgp::parse_extended_community("soo:65000:1")});
    CHECK_FALSE(rib.best(prefix("10.9.0.0/16")));  // denied: not originated
    const auto* unmapped = rib.best(prefix("10.2.0.0/16"));
    REQUIRE(unmapped);
    CHECK_FALSE(unmapped->attrs->med);
    CHECK_FALSE(unmapped->attrs->weight);

    const auto* aggregate = rib.best(prefix("10.0.0.0/8"));
    REQUIRE(aggregate);
    CHECK(aggregate->attrs->atomic_aggregate);
    REQUIRE(aggregate->attrs->aggregator);
    CHECK(aggregate->attrs->aggregator->asn == 65000);
    CHECK(aggregate->attrs->as_path.empty());
    CHECK_FALSE(rib.best(prefix("192.168.0.0/16")));  // no contributor

    // The contributors go one by one: the aggregate stays until the last one is gone.
    CHECK(speaker.withdraw_network(prefix("10.1.0.0/16")));
    settle();
    CHECK(rib.best(prefix("10.0.0.0/8")));
    CHECK(speaker.withdraw_network(prefix("10.2.0.0/16")));
    settle();
    CHECK_FALSE(rib.best(prefix("10.0.0.0/8")));
    // A contributor announced at run time brings it back.
    bgp::OriginatedNetwork network;
    network.prefix = prefix("192.168.7.0/24");
    speaker.announce_network(network);
    settle();
    const auto* with_set = rib.best(prefix("192.168.0.0/16"));
    REQUIRE(with_set);
    CHECK_FALSE(with_set->attrs->atomic_aggregate);  // as_set: nothing lost (a local, empty path)

    // A reload without aggregates withdraws it; the route maps of the new file apply.
    std::string next_file = file;
    next_file = next_file.substr(0, next_file.find("    aggregates:")) + "      - 192.168.7.0/24\n";
    const auto next = parse_config(next_file, "test.yaml");
    REQUIRE(next.ok());
    REQUIRE(speaker.can_reconfigure(next.config.speakers.at(0)));
    speaker.reconfigure(next.config.speakers.at(0));
    settle();
    CHECK(rib.best(prefix("192.168.7.0/24")));
    CHECK_FALSE(rib.best(prefix("192.168.0.0/16")));  // a contributor, but no aggregate any more
    CHECK(rib.best(prefix("10.1.0.0/16")));           // the file's networks again
    CHECK_FALSE(rib.best(prefix("10.9.0.0/16")));
    speaker.stop();
}

// Two speakers of one file over loopback sockets in this process (as transport_security_test
// uses loopback): what the neighbour receives of a summary-only aggregate, and a reload
// of its import policy applied from the stored Adj-RIB-In.
TEST_CASE("two speakers over loopback: a summary-only aggregate alone, soft reconfiguration inbound",
          "[config][speaker][aggregate][loopback]") {
    const auto port = test::free_port_on("127.77.4.1", "127.77.4.2");
    REQUIRE(port != 0);
    const std::string file = test::with_port(R"(speakers:
  - name: a
    asn: 65000
    router_id: 10.255.0.1
    listen: 127.77.4.1:{port}
    ebgp_requires_policy: false
    networks: [10.1.0.0/16, 10.2.0.0/16, 172.16.0.0/16]
    aggregates:
      - {prefix: 10.0.0.0/8, summary_only: true}
    neighbors:
      - {name: b, address: 127.77.4.2:{port}, asn: 65001, connect_retry: 1}
  - name: b
    asn: 65001
    router_id: 10.255.0.2
    listen: 127.77.4.2:{port}
    policy:
      route_maps:
        in: [{seq: 10, action: permit}]
    neighbors:
      - {name: a, address: 127.77.4.1:{port}, asn: 65000, passive: true, route_map_in: in, route_map_out: in,
         soft_reconfiguration_inbound: true}
)", port);
    const auto loaded = parse_config(file, "test.yaml");
    INFO((loaded.errors.empty() ? std::string() : loaded.errors.front().to_string()));
    REQUIRE(loaded.ok());
    test::LoopbackPair pair(loaded.config.speakers.at(0), loaded.config.speakers.at(1));
    pair.start();
    auto& a = pair.a;
    auto& b = pair.b;
    const auto prefix = [](const char* text) { return *bgp::Prefix::parse(text); };
    const auto run_until = [&](const std::function<bool()>& done) { return pair.run_until(done); };
    const auto& rib = b->loc_rib();
    REQUIRE(run_until([&] { return rib.best(prefix("10.0.0.0/8")) && rib.best(prefix("172.16.0.0/16")); }));
    CHECK_FALSE(rib.best(prefix("10.1.0.0/16")));  // summary-only: the contributors stay home
    CHECK_FALSE(rib.best(prefix("10.2.0.0/16")));
    const auto* aggregate = rib.best(prefix("10.0.0.0/8"));
    CHECK(aggregate->attrs->as_path.to_string() == "65000");
    CHECK(aggregate->attrs->atomic_aggregate);
    REQUIRE(aggregate->attrs->aggregator);
    CHECK(aggregate->attrs->aggregator->asn == 65000);
    CHECK(aggregate->attrs->aggregator->address == *bgp::IpAddress::parse("10.255.0.1"));
    CHECK_FALSE(aggregate->attrs->weight);

    // b's import policy changes: applied from its stored Adj-RIB-In, no refresh needed.
    std::string next_file = file;
    next_file.replace(next_file.find("in: [{seq: 10, action: permit}]"), 31,
                      "in: [{seq: 10, action: permit, set: {weight: 7}}]");
    const auto next = parse_config(next_file, "test.yaml");
    REQUIRE(next.ok());
    const auto changes = b->reconfigure(next.config.speakers.at(1));
    CHECK(std::any_of(changes.begin(), changes.end(),
                      [](const std::string& c) { return c.find("from the stored Adj-RIB-In") != std::string::npos; }));
    REQUIRE(run_until([&] {
        const auto* best = rib.best(prefix("10.0.0.0/8"));
        return best && best->attrs->weight == std::optional<std::uint32_t>(7);
    }));
    CHECK(rib.best(prefix("172.16.0.0/16"))->attrs->weight == std::optional<std::uint32_t>(7));

    // a drops summary_only: the more-specifics follow the aggregate to b.
    std::string plain_file = file;
    plain_file.replace(plain_file.find("summary_only: true"), 18, "summary_only: false");
    const auto plain = parse_config(plain_file, "test.yaml");
    REQUIRE(plain.ok());
    a->reconfigure(plain.config.speakers.at(0));
    CHECK(run_until([&] { return rib.best(prefix("10.1.0.0/16")) && rib.best(prefix("10.2.0.0/16")); }));
    CHECK(rib.best(prefix("10.0.0.0/8")));
}

TEST_CASE("interfaces and static routes: the forwarding table's configuration", "[config][fib]") {
    const auto loaded = parse_config(R"(speakers:
  - name: ce
    asn: 65021
    router_id: 10.0.0.1
    listen: 127.0.0.2:1790
    interfaces:
      - {name: to-msee, address: 192.168.30.17/30}
      - {name: tunnel, address: "2001:db8::1/64"}
    static_routes:
      - {prefix: 0.0.0.0/0, next_hop: 192.168.30.18}
      - {prefix: 10.0.0.0/8, next_hop: [192.168.30.18, 192.168.30.19]}
      - {prefix: 203.0.113.0/24, blackhole: true}
  - name: route-server
    asn: 65000
    router_id: 10.0.0.2
    listen: 127.0.0.3:1790
)", "test.yaml");
    INFO((loaded.errors.empty() ? std::string() : loaded.errors.front().to_string()));
    REQUIRE(loaded.ok());
    const auto& ce = loaded.config.speakers.at(0);
    REQUIRE(ce.interfaces.size() == 2);
    CHECK(ce.interfaces[0].name == "to-msee");
    CHECK(ce.interfaces[0].address.to_string() == "192.168.30.17");
    CHECK(ce.interfaces[0].length == 30);
    CHECK(ce.interfaces[1].length == 64);
    REQUIRE(ce.static_routes.size() == 3);
    CHECK(ce.static_routes[1].next_hops.size() == 2);
    CHECK(ce.static_routes[2].blackhole);
    CHECK(ce.has_fib());
    CHECK_FALSE(loaded.config.speakers.at(1).has_fib());  // nothing to forward with

    const auto errors = errors_of(R"(speakers:
  - name: ce
    asn: 65021
    router_id: 10.0.0.1
    listen: 127.0.0.2:1790
    interfaces:
      - {name: a, address: 192.168.30.17}
      - {name: b, address: 10.0.0.1/33}
      - {name: c, address: 10.0.0.1/8}
      - {name: c, address: 10.0.0.2/8}
      - {name: d, address: ['2001:db8:9::1/64', 10.9.0.1/24]}
      - {name: e, address: [10.8.0.1/24, 10.8.1.1/24]}
      - {name: f, address: []}
      - {name: g, address: [10.7.0.1/24, '2001:db8::1/64']}
      - {name: h, address: '2001:db8::1/64'}
    static_routes:
      - {prefix: 10.0.0.0/8}
      - {prefix: 10.0.0.0/8, next_hop: "2001:db8::1"}
      - {prefix: 10.0.0.0/8, next_hop: 10.0.0.9, blackhole: true}
)");
    INFO(joined(errors));
    CHECK(has_error(errors, "7:28", "must be ADDRESS/LENGTH"));
    CHECK(has_error(errors, "8:28", "must be ADDRESS/LENGTH"));
    CHECK(has_error(errors, "10:9", "duplicate interface name 'c'"));
    // Dual stack: one address of each family, IPv4 first; none shared with another interface.
    CHECK(has_error(errors, "11:28", "a dual-stack interface's addresses are [IPV4/LENGTH, IPV6/LENGTH], in that order"));
    CHECK(has_error(errors, "12:28", "a dual-stack interface's addresses are [IPV4/LENGTH, IPV6/LENGTH]"));
    CHECK(has_error(errors, "13:28", "is one ADDRESS/LENGTH or a list of two, one of each family"));
    CHECK(has_error(errors, "15:28", "interfaces 'g' and 'h' have the same address"));
    CHECK(has_error(errors, "17:9", "needs 'next_hop'"));
    CHECK(has_error(errors, "18:40", "not of the prefix's address family"));
    CHECK(has_error(errors, "19:9", "has both"));
}

TEST_CASE("Azure roles: presets by role and peer role, overridable, reserved ASNs refused", "[config][roles]") {
    const auto loaded = parse_config(R"(speakers:
  - name: msee
    role: msee
    router_id: 10.0.0.1
    listen: 127.0.0.2:1790
    premium_circuit: true
    neighbors:
      - {name: ce, address: 127.0.0.3:1790, asn: 65021}
      - {name: gw, address: 127.0.0.4:1790, asn: 65515}
      - {name: outside, address: 127.0.0.9:179, asn: 65515, peer_role: er-gateway}
      - {name: ce2, address: 127.0.0.8:179, asn: 65022, allowas_in: 0, peer_role: ce}
  - name: ce
    role: ce
    asn: 65021
    router_id: 10.0.0.3
    listen: 127.0.0.3:1790
    neighbors:
      - {name: msee, address: 127.0.0.2:1790, asn: 12076}
  - name: gw
    role: er-gateway
    router_id: 10.0.0.4
    listen: 127.0.0.4:1790
    networks: [10.10.30.0/24]
    neighbors:
      - {name: msee, address: 127.0.0.2:1790, asn: 12076}
  - name: vpn
    role: vpn-gateway
    router_id: 10.0.0.5
    listen: 127.0.0.5:1790
    networks: [10.10.30.0/24]
    neighbors:
      - {name: site, address: 127.0.0.6:1790, asn: 65030}
)", "test.yaml");
    INFO((loaded.errors.empty() ? std::string() : loaded.errors.front().to_string()));
    REQUIRE(loaded.ok());
    const auto& msee = loaded.config.speakers.at(0);
    CHECK(loaded.config.topology.nodes.at(0).role == dataplane::Role::msee);
    CHECK(msee.asn == 12076);  // the role's ASN
    CHECK_FALSE(msee.ebgp_requires_policy);
    const auto& to_ce = msee.neighbors.at(0);
    CHECK(to_ce.remove_private_as == rib::RemovePrivateAs::yes);
    CHECK(to_ce.allowas_in == 2);
    CHECK(to_ce.maximum_prefix_by_family[0] == 10000);  // premium circuit
    CHECK(to_ce.maximum_prefix_by_family[1] == 100);    // IPv6, whatever the circuit
    CHECK(to_ce.maximum_prefix_warning_percent == 80);
    CHECK(to_ce.maximum_prefix_restart == std::chrono::seconds(60));
    CHECK_FALSE(to_ce.as_override);
    CHECK(msee.neighbors.at(1).as_override);  // the peer speaker's role decides
    CHECK(msee.neighbors.at(1).remove_private_as == rib::RemovePrivateAs::no);
    CHECK(msee.neighbors.at(2).as_override);  // peer_role for a router outside the file
    CHECK(msee.neighbors.at(3).allowas_in == 0);  // an explicit key wins over the preset

    const auto& gw = loaded.config.speakers.at(2);
    CHECK(gw.asn == 65515);
    CHECK(gw.maximum_paths == 4);
    const auto& gw_msee = gw.neighbors.at(0);
    REQUIRE(gw_msee.route_map_in);
    REQUIRE(gw_msee.route_map_out);
    // Imports refuse its own space and anything inside it; exports only what it originates.
    // (Named prefixes: a PolicyRoute holds a reference, which must not bind to a temporary.)
    const auto inside_prefix = *bgp::Prefix::parse("10.10.30.128/25");
    const auto other_prefix = *bgp::Prefix::parse("10.2.30.0/25");
    const auto own_prefix = *bgp::Prefix::parse("10.10.30.0/24");
    const auto default_prefix = *bgp::Prefix::parse("0.0.0.0/0");
    bgp::PathAttributes a;
    rib::PolicyRoute inside{inside_prefix, a, rib::RouteSource::ebgp, "msee"};
    CHECK_FALSE(gw_msee.route_map_in->apply(inside));
    rib::PolicyRoute other{other_prefix, a, rib::RouteSource::ebgp, "msee"};
    CHECK(gw_msee.route_map_in->apply(other));
    CHECK_FALSE(gw_msee.route_map_out->apply(other));
    rib::PolicyRoute own{own_prefix, a, rib::RouteSource::local, "msee"};
    CHECK(gw_msee.route_map_out->apply(own));

    const auto& vpn = loaded.config.speakers.at(3).neighbors.at(0);
    CHECK(vpn.hold_time == 180);
    CHECK(vpn.maximum_prefix == 4000);
    REQUIRE(vpn.route_map_out);
    rib::PolicyRoute learned{other_prefix, a, rib::RouteSource::ebgp, "site"};
    CHECK(vpn.route_map_out->apply(learned));  // transit between site-to-site peers
    rib::PolicyRoute default_route{default_prefix, a, rib::RouteSource::ebgp, "site"};
    CHECK_FALSE(vpn.route_map_out->apply(default_route));

    const auto errors = errors_of(R"(speakers:
  - {name: a, role: ce, asn: 12076, router_id: 1.1.1.1, listen: "127.0.0.2:1790"}
  - {name: b, role: ce, asn: 65518, router_id: 1.1.1.2, listen: "127.0.0.3:1790"}
  - name: c
    role: vpn-gateway
    router_id: 1.1.1.3
    listen: 127.0.0.4:1790
    neighbors:
      - {name: x, address: 127.0.0.9, asn: 65001, hold_time: 90}
  - {name: d, role: router, asn: 65001, router_id: 1.1.1.4, listen: "127.0.0.5:1790", premium_circuit: true}
)");
    INFO(joined(errors));
    CHECK(has_error(errors, "2:30", "ASN 12076 is reserved"));
    CHECK(has_error(errors, "3:30", "ASN 65518 is reserved"));
    CHECK(has_error(errors, "9:62", "hold time is fixed at 180 s"));
    CHECK(has_error(errors, "10:21", "role must be ce, msee, er-gateway, vpn-gateway or route-server"));
    CHECK(has_error(errors, "10:104", "premium_circuit applies to role msee only"));
}

TEST_CASE("Azure roles: a route-server's ASN, timers and prefix limit, its VNet's spaces, the peers it refuses", "[config][roles][route-server]") {
    const std::string file = R"(vnets:
  - {name: hub, address_spaces: [10.10.0.0/16]}
speakers:
  - name: rs
    role: route-server
    router_id: 10.10.2.4
    listen: 127.0.0.2:1790
    vnet: hub
    vnet_addresses: [10.10.2.4]
    neighbors:
      - {name: nva, address: 127.0.0.3:1790, asn: PEER_ASN, next_hop: {ipv4: 10.10.2.4}}
  - name: nva
    asn: 65010
    router_id: 10.10.1.4
    listen: 127.0.0.3:1790
    vnet: hub
    vnet_addresses: [10.10.1.4]
    neighbors:
      - {name: rs, address: 127.0.0.2:1790, asn: 65515}
)";
    const auto with_peer = [&](const std::string& asn) {
        auto text = file;
        text.replace(text.find("PEER_ASN"), 8, asn);
        return text;
    };
    const auto loaded = parse_config(with_peer("65010"), "test.yaml");
    INFO(joined(test::positioned(loaded.errors)));
    REQUIRE(loaded.ok());
    const auto& rs = loaded.config.speakers.at(0);
    CHECK(rs.asn == 65515);
    CHECK(rs.networks.size() == 1);  // its VNet's space, which it advertises to the NVAs
    const auto& to_nva = rs.neighbors.at(0);
    CHECK(to_nva.hold_time == 180);
    CHECK(to_nva.maximum_prefix == 4000);
    CHECK(to_nva.self_next_hop_v4->to_string() == "10.10.2.4");
    CHECK(loaded.config.topology.nodes.at(0).role == dataplane::Role::route_server);
    CHECK(loaded.config.topology.nodes.at(1).role == dataplane::Role::none);  // the appliance

    CHECK(has_error(errors_of(with_peer("4200000000")), "11:51", "a route-server peers with 16-bit ASNs only, not 4200000000"));
    CHECK(has_error(errors_of(with_peer("65517")), "11:51", "ASN 65517 is reserved, and a route-server refuses a peer that uses it"));
    auto timers = with_peer("65010");
    timers.insert(timers.find("next_hop: {ipv4: 10.10.2.4}"), "hold_time: 90, ");
    CHECK(has_error(errors_of(timers), "11:69", "a route-server's hold time is fixed at 180 s"));
}

TEST_CASE("Azure roles: branch-to-branch between a Route Server and the ExpressRoute gateway, and its mistakes", "[config][roles][route-server]") {
    const std::string file = R"(vnets:
  - {name: hub, address_spaces: [10.10.0.0/16]}
speakers:
  - name: rs
    role: route-server
    router_id: 10.10.2.4
    listen: 127.0.0.2:1790
    vnet: hub
    branch_to_branch: true
    routing_preference: PREFERENCE
    neighbors:
      - {name: gw, address: 127.0.0.3:1790, asn: 65515}
  - name: gw
    role: er-gateway
    router_id: 10.10.255.4
    listen: 127.0.0.3:1790
    vnet: hub
    neighbors:
      - {name: rs, address: 127.0.0.2:1790, asn: 65515}
      - {name: msee, address: 127.0.0.4:1790, asn: 12076, peer_role: msee}
)";
    const auto with = [&](const std::string& preference) {
        auto text = file;
        text.replace(text.find("PREFERENCE"), 10, preference);
        return text;
    };
    const auto loaded = parse_config(with("ASPath"), "test.yaml");
    INFO(joined(test::positioned(loaded.errors)));
    REQUIRE(loaded.ok());
    const auto& rs_node = loaded.config.topology.nodes.at(0);
    CHECK(rs_node.branch_to_branch);
    CHECK(rs_node.routing_preference == dataplane::RoutingPreference::as_path);
    // The Route Server marks what it hands the gateway; the gateway takes it from the
    // Route Server, drops it back from the circuit, and sends it on to the circuit.
    const auto& to_gateway = loaded.config.speakers.at(0).neighbors.at(0);
    REQUIRE(to_gateway.route_map_out);
    CHECK(to_gateway.route_map_out->name == "role:route-server-gateway-out");
    const auto& gw = loaded.config.speakers.at(1);
    CHECK(gw.neighbors.at(0).route_map_in->name == "role:er-gateway-in");
    CHECK(gw.neighbors.at(0).route_map_out == nullptr);
    const auto* circuit_in = gw.neighbors.at(1).route_map_in;
    REQUIRE(circuit_in);
    CHECK(circuit_in->name == "role:er-gateway-circuit-in");
    REQUIRE_FALSE(circuit_in->entries.empty());
    CHECK(circuit_in->entries.front().action == rib::PolicyAction::deny);
    REQUIRE(circuit_in->entries.front().match.community);
    CHECK(circuit_in->entries.front().match.community->entries.at(0).communities == std::vector<std::uint32_t>{(65517U << 16) | 65517U});
    CHECK(gw.neighbors.at(1).route_map_out->name == "role:er-gateway-out");

    CHECK(has_error(errors_of(with("Fastest")), "10:25", "routing_preference must be ExpressRoute, VpnGateway or ASPath, not 'Fastest'"));
    auto misplaced = with("ASPath");
    misplaced.insert(misplaced.find("    neighbors:\n      - {name: rs"), "    branch_to_branch: true\n");
    CHECK(has_error(errors_of(misplaced), "18:23", "branch_to_branch applies to role route-server only"));
}

TEST_CASE("topology: routers, hosts, VNets and links; a session's link and next hop are inferred", "[config][topology]") {
    const auto loaded = parse_config(R"(vnets:
  - name: hub
    address_spaces: [10.10.0.0/16]
    peerings:
      - {vnet: spoke, allow_gateway_transit: true}
      - {vnet: side}
  - name: spoke
    address_spaces: [10.20.0.0/16, 10.21.0.0/16]
    peerings:
      - {vnet: hub, use_remote_gateways: true}
  - name: side
    address_spaces: [10.30.0.0/16]
    peerings:
      - {vnet: hub}
speakers:
  - name: ce
    role: ce
    asn: 65001
    router_id: 172.16.0.1
    listen: 127.0.0.2:1790
    networks: [172.16.0.0/16]
    interfaces:
      - {name: lan, address: 172.16.1.1/24}
      - {name: wan, address: 172.16.255.1/30}
    neighbors:
      - {name: msee, address: 127.0.0.3:1790, asn: 12076}
  - name: msee
    role: msee
    router_id: 172.16.255.2
    listen: 127.0.0.3:1790
    interfaces:
      - {name: ce, address: 172.16.255.2/30}
      - {name: gw, address: 169.254.0.1/30}
    neighbors:
      - {name: ce, address: 127.0.0.2:1790, asn: 65001, next_hop: {ipv4: 192.0.2.1}}
      - {name: gw, address: 127.0.0.4:1790, asn: 65515}
  - name: gw
    role: er-gateway
    router_id: 10.10.255.4
    listen: 127.0.0.4:1790
    vnet: hub
    vnet_addresses: [10.10.255.4, 10.10.255.5]
    vnet_hop: answer+silent
    interfaces:
      - {name: msee, address: 169.254.0.2/30, hop: transparent}
    neighbors:
      - {name: msee, address: 127.0.0.3:1790, asn: 12076}
  - name: side-gw
    role: vpn-gateway
    router_id: 10.30.255.4
    listen: 127.0.0.5:1790
    vnet: side
    transit: false
    source_check: false
routers:
  - name: lan-switch
    interfaces:
      - {name: office, address: 172.16.2.1/24}
      - {name: ce, address: 172.16.1.2/24}
    static_routes:
      - {prefix: 0.0.0.0/0, next_hop: 172.16.1.1}
    hop: silent
hosts:
  - {name: office, address: 172.16.2.10/24, gateway: 172.16.2.1}
  - {name: hub-vm, vnet: hub, address: 10.10.0.4}
  - {name: spoke-vm, vnet: spoke, address: 10.21.0.4}
links:
  - {a: office, b: lan-switch:office}
  - {a: lan-switch:ce, b: ce:lan, delay_ms: 0.5}
  - {a: ce:wan, b: msee:ce, delay_ms: 2}
  - {name: msee-gw, a: msee:gw, b: gw, shutdown: true}
)", "test.yaml");
    INFO((loaded.errors.empty() ? std::string() : loaded.errors.front().to_string()));
    REQUIRE(loaded.ok());
    const auto& topology = loaded.config.topology;
    using dataplane::HopStage;
    using dataplane::NodeKind;

    REQUIRE(topology.vnets.size() == 3);
    const auto* hub = topology.find_vnet("hub");
    REQUIRE(hub);
    REQUIRE(hub->peerings.size() == 2);
    CHECK(hub->peerings[0].vnet == "spoke");
    CHECK(hub->peerings[0].allow_gateway_transit);
    CHECK_FALSE(hub->peerings[0].use_remote_gateways);
    CHECK_FALSE(hub->peerings[1].allow_gateway_transit);
    const auto* spoke = topology.find_vnet("spoke");
    REQUIRE(spoke);
    CHECK(spoke->address_spaces.size() == 2);
    REQUIRE(spoke->peerings.size() == 1);
    CHECK(spoke->peerings[0].use_remote_gateways);

    // Every node, speakers included, in one list.
    CHECK(topology.nodes.size() == 8);
    const auto* lan = topology.find_node("lan-switch");
    REQUIRE(lan);
    CHECK(lan->kind == NodeKind::router);
    CHECK(lan->interfaces.size() == 2);
    REQUIRE(lan->static_routes.size() == 1);
    CHECK(lan->static_routes[0].prefix.to_string() == "0.0.0.0/0");
    CHECK(lan->static_routes[0].next_hops.at(0).to_string() == "172.16.1.1");
    CHECK(lan->hop == dataplane::HopBehaviour{HopStage::silent});
    const auto* office = topology.find_node("office");
    REQUIRE(office);
    CHECK(office->kind == NodeKind::host);
    REQUIRE(office->interfaces.size() == 1);  // a LAN host: eth0 and a default route
    CHECK(office->interfaces[0].name == "eth0");
    CHECK(office->interfaces[0].address.to_string() == "172.16.2.10");
    CHECK(office->interfaces[0].length == 24);
    REQUIRE(office->static_routes.size() == 1);
    CHECK(office->static_routes[0].next_hops.at(0).to_string() == "172.16.2.1");
    const auto* vm = topology.find_node("hub-vm");
    REQUIRE(vm);
    CHECK(vm->vnet == "hub");
    CHECK(vm->interfaces.empty());
    REQUIRE(vm->vnet_addresses.size() == 1);
    CHECK(vm->vnet_addresses[0].to_string() == "10.10.0.4");
    const auto* gw = topology.find_node("gw");
    REQUIRE(gw);
    CHECK(gw->kind == NodeKind::speaker);
    CHECK(gw->role == dataplane::Role::er_gateway);
    CHECK(gw->vnet == "hub");
    CHECK(gw->vnet_addresses.size() == 2);
    CHECK(gw->vnet_hop == dataplane::HopBehaviour{HopStage::answer, HopStage::silent});
    REQUIRE(gw->interface_hops.count("msee") == 1);
    CHECK(gw->interface_hops.at("msee").empty());  // transparent
    CHECK(gw->interfaces.size() == 1);
    const auto* side_gw = topology.find_node("side-gw");
    REQUIRE(side_gw);
    CHECK(side_gw->transit == std::optional<bool>(false));
    CHECK_FALSE(side_gw->source_check);

    REQUIRE(topology.links.size() == 4);
    const auto& first = topology.links[0];
    CHECK(first.a == dataplane::LinkEnd{"office", "eth0"});  // a node with one interface: named for us
    CHECK(first.b == dataplane::LinkEnd{"lan-switch", "office"});
    CHECK(first.name == "office:eth0--lan-switch:office");
    CHECK(first.up);
    CHECK(topology.links[1].delay_ms == Approx(0.5));
    const auto& shut = topology.links[3];
    CHECK(shut.name == "msee-gw");
    CHECK(shut.b == dataplane::LinkEnd{"gw", "msee"});
    CHECK_FALSE(shut.up);

    // Each session runs over the one link between its two speakers; the interface's
    // address there is the emulated next hop, unless the file gives one.
    const auto& speakers = loaded.config.speakers;
    REQUIRE(speakers.size() == 4);
    const auto& ce_msee = speakers[0].neighbors.at(0);
    CHECK(ce_msee.link == "ce:wan--msee:ce");
    CHECK(ce_msee.interface == "wan");
    REQUIRE(ce_msee.self_next_hop_v4);
    CHECK(ce_msee.self_next_hop_v4->to_string() == "172.16.255.1");
    CHECK(ce_msee.link_up);
    const auto& msee_ce = speakers[1].neighbors.at(0);
    CHECK(msee_ce.link == "ce:wan--msee:ce");
    CHECK(msee_ce.interface == "ce");
    REQUIRE(msee_ce.self_next_hop_v4);
    CHECK(msee_ce.self_next_hop_v4->to_string() == "192.0.2.1");  // given: kept
    const auto& msee_gw = speakers[1].neighbors.at(1);
    CHECK(msee_gw.link == "msee-gw");
    REQUIRE(msee_gw.self_next_hop_v4);
    CHECK(msee_gw.self_next_hop_v4->to_string() == "169.254.0.1");
    CHECK_FALSE(msee_gw.link_up);  // the link is configured down
    const auto& gw_msee = speakers[2].neighbors.at(0);
    CHECK(gw_msee.link == "msee-gw");
    CHECK(gw_msee.interface == "msee");
    REQUIRE(gw_msee.self_next_hop_v4);
    CHECK(gw_msee.self_next_hop_v4->to_string() == "169.254.0.2");

    // A gateway without `networks` originates its VNet's spaces and those of the spokes
    // that use its gateways (not those of a plain peer); explicit networks stay as given.
    const auto prefixes = [](const bgp::SpeakerConfig& s) {
        std::vector<std::string> out;
        for (const auto& n : s.networks) out.push_back(n.prefix.to_string());
        return out;
    };
    CHECK(prefixes(speakers[2]) == std::vector<std::string>{"10.10.0.0/16", "10.20.0.0/16", "10.21.0.0/16"});
    CHECK(prefixes(speakers[3]) == std::vector<std::string>{"10.30.0.0/16"});
    CHECK(prefixes(speakers[0]) == std::vector<std::string>{"172.16.0.0/16"});
}

TEST_CASE("topology mistakes: links, VNets, peerings, addresses, names, hops, sessions", "[config][topology]") {
    SECTION("links") {
        const auto errors = errors_of(R"(speakers:
  - name: s1
    asn: 65001
    router_id: 1.1.1.1
    listen: 127.0.0.2:1790
    interfaces:
      - {name: e0, address: 10.1.0.1/30}
routers:
  - name: r1
    interfaces:
      - {name: e0, address: 10.0.0.1/30}
      - {name: e1, address: 10.0.0.5/30}
  - name: r2
    interfaces:
      - {name: e0, address: 10.0.0.2/30}
      - {name: e1, address: 10.0.0.6/30}
links:
  - {a: nobody:e0, b: r1:e0}
  - {a: r1:e9, b: r2:e0}
  - {a: r1, b: r2:e1}
  - {a: r1:e0, b: r1:e1}
  - {a: r1:e0, b: r2:e0}
  - {a: r2:e0, b: r1:e0}
  - {a: r1:e1, b: s1, name: r1-s1}
  - {a: r2:e1, b: s1:e0, name: r1-s1}
)");
        INFO(joined(errors));
        CHECK(has_error(errors, "18:9", "link end 'nobody:e0': no speaker, router or host named 'nobody'"));
        CHECK(has_error(errors, "19:9", "'r1' has no interface 'e9'"));
        CHECK(has_error(errors, "20:9", "'r1' has 2 interfaces; name one (NODE:INTERFACE)"));
        CHECK(has_error(errors, "21:5", "link joins 'r1' to itself"));
        CHECK(has_error(errors, "23:5", "link r2:e0--r1:e0 is configured twice"));  // either way round
        CHECK(has_error(errors, "25:5", "duplicate link name 'r1-s1'"));
        CHECK(errors.size() == 6);
    }

    SECTION("VNets, peerings, hosts, addresses, names and hops") {
        const auto errors = errors_of(R"(vnets:
  - name: hub
    address_spaces: [10.10.0.0/16]
    peerings:
      - {vnet: ghost}
      - {vnet: spoke, allow_gateway_transit: false}
  - name: spoke
    address_spaces: [10.20.0.0/16]
    peerings:
      - {vnet: hub, use_remote_gateways: true}
  - name: lonely
    address_spaces: [10.30.0.0/16]
  - name: one-way
    address_spaces: [10.40.0.0/16]
    peerings:
      - {vnet: lonely}
  - name: overlap
    address_spaces: [10.50.0.0/16, 10.30.128.0/17]
  - name: edge
    address_spaces: [10.60.0.0/16]
speakers:
  - name: s1
    asn: 65001
    router_id: 1.1.1.1
    listen: 127.0.0.2:1790
routers:
  - name: edge
    interfaces:
      - {name: e0, address: 10.0.0.1/30, hop: answer+}
    hop: loud
  - name: r2
    interfaces:
      - {name: e0, address: 10.0.0.1/30}
hosts:
  - {name: vm1, vnet: nowhere, address: 10.99.0.4}
  - {name: vm2, vnet: hub, address: 10.77.0.4}
  - {name: vm3, vnet: hub, address: 10.10.0.4}
  - {name: vm4, vnet: hub, address: 10.10.0.4}
)");
        INFO(joined(errors));
        CHECK(has_error(errors, "2:5", "VNet 'hub' peers with 'ghost', which is not a VNet"));
        CHECK(has_error(errors, "7:5", "VNet 'spoke' uses the remote gateways of 'hub', whose peering back does not allow gateway transit"));
        CHECK(has_error(errors, "13:5", "VNet 'one-way' peers with 'lonely' but 'lonely' has no peering back"));
        CHECK(has_error(errors, "18:36", "address space 10.30.128.0/17 of VNet 'overlap' overlaps 10.30.0.0/16 of VNet 'lonely'"));
        CHECK(has_error(errors, "27:5", "'edge' names both a node and a VNet"));
        CHECK(has_error(errors, "29:47", "interface 'e0' hop must be answer, silent, transparent, or stages joined by '+' (answer+silent), not 'answer+'"));
        CHECK(has_error(errors, "30:10", "hop must be answer, silent, transparent, or stages joined by '+' (answer+silent), not 'loud'"));
        CHECK(has_error(errors, "31:5", "address 10.0.0.1 is used by both edge:e0 and r2:e0"));
        CHECK(has_error(errors, "35:5", "'vm1': no VNet named 'nowhere'"));
        CHECK(has_error(errors, "36:5", "'vm2': address 10.77.0.4 is outside the address spaces of VNet 'hub'"));
        CHECK(has_error(errors, "38:5", "address 10.10.0.4 is used by both vm3 and vm4"));
        CHECK(errors.size() == 11);
    }

    SECTION("sessions between speakers of the file") {
        const auto loaded = parse_config(R"(speakers:
  - name: a
    asn: 65001
    router_id: 1.1.1.1
    listen: 127.0.0.2:1790
    interfaces:
      - {name: x, address: 10.0.0.1/30}
      - {name: y, address: 10.0.0.5/30}
    neighbors:
      - {name: b, address: 127.0.0.3:1790, asn: 65002}
  - name: b
    asn: 65003
    router_id: 2.2.2.2
    listen: 127.0.0.3:1790
    interfaces:
      - {name: x, address: 10.0.0.2/30}
      - {name: y, address: 10.0.0.6/30}
    neighbors:
      - {name: a, address: 127.0.0.2:1790, asn: 65001, interface: y}
links:
  - {a: a:x, b: b:x}
  - {a: a:y, b: b:y}
)", "test.yaml");
        std::vector<std::string> errors;
        for (const auto& e : loaded.errors)
            errors.push_back(std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message);
        INFO(joined(errors));
        CHECK(has_error(errors, "10:49", "speaker 'a' expects AS 65002 from neighbour 'b', but that speaker is AS 65003"));
        CHECK(has_error(errors, "10:9", "neighbour 'b' of 'a': 2 links join them; say which with 'interface'"));
        CHECK(errors.size() == 2);
        // With `interface:` the session's link is the one on that interface.
        const auto& b_to_a = loaded.config.speakers.at(1).neighbors.at(0);
        CHECK(b_to_a.link == "a:y--b:y");
        REQUIRE(b_to_a.self_next_hop_v4);
        CHECK(b_to_a.self_next_hop_v4->to_string() == "10.0.0.6");
        CHECK(loaded.config.speakers.at(0).neighbors.at(0).link.empty());
    }
}

TEST_CASE("route tables: user-defined routes, appliances, where a route table is used, and their mistakes", "[config][udr]") {
    const std::string file = R"(vnets:
  - {name: hub, address_spaces: [10.10.0.0/16], gateway_route_table: gw-rt, peerings: [{vnet: spoke, allow_gateway_transit: true}]}
  - {name: spoke, address_spaces: [10.20.0.0/16], route_table: spoke-rt, peerings: [{vnet: hub, use_remote_gateways: true}]}
route_tables:
  - name: spoke-rt
    routes:
      - {name: to-onprem, address_prefix: 192.168.0.0/16, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.10.1.4}
      - {address_prefix: 10.99.0.0/16, next_hop_type: None}
  - name: gw-rt
    routes: [{address_prefix: 10.20.0.0/16, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.10.1.4}]
  - {name: quiet, disable_bgp_route_propagation: true}
speakers:
  - {name: gw, role: GATEWAY, asn: 65515, router_id: 10.10.255.30, listen: 127.0.0.2:1790, vnet: hub, vnet_addresses: [10.10.255.4]}
routers:
  - {name: nva, vnet: hub, vnet_address: 10.10.1.4}
hosts:
  - {name: vm, vnet: spoke, address: 10.20.0.4, route_table: quiet}
)";
    // `routers`: more routers after the appliance.
    const auto with_gateway = [&](const std::string& role, const std::string& routers = "") {
        auto text = file;
        text.replace(text.find("GATEWAY"), 7, role);
        text.insert(text.find("hosts:"), routers);
        return text;
    };
    const auto loaded = parse_config(with_gateway("vpn-gateway"), "test.yaml");
    INFO(joined(test::positioned(loaded.errors)));
    REQUIRE(loaded.ok());
    const auto& topology = loaded.config.topology;
    REQUIRE(topology.route_tables.size() == 3);
    const auto& spoke_rt = topology.route_tables[0];
    REQUIRE(spoke_rt.routes.size() == 2);
    CHECK(spoke_rt.routes[0].name == "to-onprem");
    CHECK(spoke_rt.routes[0].next_hop_type == dataplane::UserNextHop::virtual_appliance);
    CHECK(spoke_rt.routes[0].next_hop_address->to_string() == "10.10.1.4");
    CHECK(spoke_rt.routes[1].name == "10.99.0.0/16");  // named after its prefix
    CHECK(spoke_rt.routes[1].next_hop_type == dataplane::UserNextHop::none);
    CHECK(topology.route_tables[2].disable_bgp_route_propagation);
    CHECK(topology.find_vnet("spoke")->route_table == "spoke-rt");
    CHECK(topology.find_vnet("hub")->gateway_route_table == "gw-rt");
    const auto* nva = topology.find_node("nva");
    REQUIRE(nva);
    CHECK(nva->kind == dataplane::NodeKind::router);
    CHECK(nva->vnet == "hub");
    CHECK(topology.find_node("vm")->route_table == "quiet");

    // A route to the gateway: with a VPN gateway (the spoke's, through gateway transit)
    // it is taken; with an ExpressRoute gateway Azure refuses it, as without any.
    const std::string to_gateway = "  - {name: to-gw, routes: [{address_prefix: 10.30.0.0/16, next_hop_type: VirtualNetworkGateway}]}\n";
    const auto gateway_route = [&](const std::string& role) {
        auto text = with_gateway(role);
        text.replace(text.find("route_table: spoke-rt"), 21, "route_table: to-gw");
        text.insert(text.find("speakers:"), to_gateway);
        return text;
    };
    CHECK(errors_of(gateway_route("vpn-gateway")).empty());
    const auto refused = errors_of(gateway_route("er-gateway"));
    INFO(joined(refused));
    CHECK(has_error(refused, "3:64",
                    "route '10.30.0.0/16' of route table 'to-gw' has next hop type VirtualNetworkGateway, which Azure refuses in a VNet with an ExpressRoute gateway"));

    const auto errors = errors_of(with_gateway("vpn-gateway", R"(  - {name: nowhere, vnet: hub, vnet_address: 10.10.1.5, route_table: ghost}
  - {name: lan-box, interfaces: [{name: e0, address: 192.0.2.1/24}], route_table: spoke-rt}
  - {name: no-nic, vnet: hub}
)"));
    INFO(joined(errors));
    CHECK(has_error(errors, "16:70", "'nowhere': no route table named 'ghost' (see 'route_tables')"));
    CHECK(has_error(errors, "17:83", "'lan-box' has a route_table but no 'vnet'"));
    CHECK(has_error(errors, "18:5", "router 'no-nic' is in a VNet: it needs a 'vnet_address'"));

    const auto route_errors = errors_of(R"(speakers: []
route_tables:
  - name: rt
    routes:
      - {address_prefix: 10.1.0.0/16, next_hop_type: VirtualAppliance}
      - {address_prefix: 10.2.0.0/16, next_hop_type: Internet, next_hop_ip_address: 10.0.0.1}
      - {address_prefix: 10.3.0.0/16, next_hop_type: Anywhere}
      - {address_prefix: 10.4.0.0/16, next_hop_type: None}
      - {address_prefix: 10.4.0.0/16, next_hop_type: Internet}
      - {address_prefix: 10.5.0.0/16, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.9.9.9}
      - {next_hop_type: None}
      - {address_prefix: 10.6.0.0/16, next_hop_type: VirtualAppliance, next_hop_ip_address: '2001:db8::1'}
  - name: rt
vnets:
  - {name: v, address_spaces: [10.0.0.0/8], gateway_route_table: quiet}
  - {name: w, address_spaces: [172.16.0.0/12], gateway_route_table: rt2}
route_tables_typo: []
)");
    INFO(joined(route_errors));
    CHECK(has_error(route_errors, "5:9", "next hop type VirtualAppliance needs a 'next_hop_ip_address'"));
    CHECK(has_error(route_errors, "6:85", "only next hop type VirtualAppliance takes a next_hop_ip_address"));
    CHECK(has_error(route_errors, "7:54", "next_hop_type must be VirtualAppliance, VirtualNetworkGateway, VnetLocal, Internet or None, not 'Anywhere'"));
    CHECK(has_error(route_errors, "9:9", "has the same address prefix 10.4.0.0/16 (Azure takes one route per prefix in a table)"));
    CHECK(has_error(route_errors, "3:5", "route '10.5.0.0/16' of route table 'rt': no VM or appliance in a VNet has address 10.9.9.9"));
    CHECK(has_error(route_errors, "11:9", "route needs an 'address_prefix'"));
    CHECK(has_error(route_errors, "12:93", "the next hop is not of the prefix's address family"));
    CHECK(has_error(route_errors, "13:5", "duplicate route table name 'rt'"));
    CHECK(has_error(route_errors, "16:69", "no route table named 'rt2'"));
    CHECK(has_error(route_errors, "17:1", "unknown key 'route_tables_typo'"));
}

TEST_CASE("a GatewaySubnet's route table keeps gateway route propagation on", "[config][udr]") {
    const auto errors = errors_of(R"(speakers: []
route_tables: [{name: quiet, disable_bgp_route_propagation: true}]
vnets:
  - {name: v, address_spaces: [10.0.0.0/8], route_table: quiet, gateway_route_table: quiet}
)");
    INFO(joined(errors));
    CHECK(has_error(errors, "4:86", "VNet 'v''s GatewaySubnet: route table 'quiet' disables gateway route propagation, which Azure does not allow on a GatewaySubnet"));
    CHECK(errors.size() == 1);
}

TEST_CASE("cross-checks: duplicate names and listeners", "[config]") {
    const auto errors = errors_of(R"(speakers:
  - {name: a, asn: 1, router_id: 1.1.1.1, listen: "127.0.0.2:1790"}
  - {name: a, asn: 2, router_id: 2.2.2.2, listen: "127.0.0.2:1790"}
)");
    CHECK(has_error(errors, "3:5", "duplicate speaker name 'a'"));
    CHECK(has_error(errors, "3:51", "both listen on 127.0.0.2:1790"));
}

TEST_CASE("broken YAML, empty files and missing files", "[config]") {
    const auto syntax = errors_of("speakers:\n  - name: [unclosed\n");
    REQUIRE(syntax.size() == 1);
    CHECK(syntax[0].find("YAML syntax") != std::string::npos);
    CHECK(syntax[0].rfind("0:", 0) != 0);  // it has a position

    CHECK(has_error(errors_of(""), "0:0", "empty"));
    CHECK(has_error(errors_of("speakers: 3\n"), "1:11", "must be a list"));
    CHECK(has_error(errors_of("- 1\n"), "1:1", "must be a mapping"));

    const auto missing = load_config_file("/nonexistent/bgpemu.yaml");
    REQUIRE(missing.errors.size() == 1);
    CHECK(missing.errors[0].to_string().find("/nonexistent/bgpemu.yaml") != std::string::npos);
    CHECK(missing.errors[0].message == "cannot open the file");
}

TEST_CASE("TCP-MD5 password and GTSM ttl_security per neighbour, and their mistakes", "[config]") {
    const auto loaded = parse_config(R"(speakers:
  - name: edge
    asn: 65000
    router_id: 10.0.0.1
    listen: 127.0.0.2:1790
    neighbors:
      - {name: frr, address: 127.0.0.11, asn: 65011, password: "s3cret with spaces", ttl_security: 1}
      - {name: bird, address: 127.0.0.21, asn: 65021, ttl_security: 254}
      - {name: plain, address: 127.0.0.31, asn: 65031}
  - name: vpn
    role: vpn-gateway
    router_id: 10.0.0.5
    listen: 127.0.0.5:1790
    networks: [10.10.30.0/24]
    neighbors:
      - {name: site, address: 127.0.0.6:1790, asn: 65030, ttl_security: 2}
)", "test.yaml");
    INFO((loaded.errors.empty() ? std::string() : loaded.errors.front().to_string()));
    REQUIRE(loaded.ok());
    const auto& neighbors = loaded.config.speakers.at(0).neighbors;
    CHECK(neighbors.at(0).password == "s3cret with spaces");
    CHECK(neighbors.at(0).ttl_security == 1);
    CHECK(neighbors.at(1).password.empty());
    CHECK(neighbors.at(1).ttl_security == 254);
    CHECK(neighbors.at(2).password.empty());  // the defaults: neither
    CHECK(neighbors.at(2).ttl_security == 0);
    // The vpn-gateway preset's multihop gives way to GTSM when the file asks for it.
    const auto& site = loaded.config.speakers.at(1).neighbors.at(0);
    CHECK(site.ttl_security == 2);
    CHECK(site.ebgp_multihop == 0);

    const auto errors = errors_of(std::string(R"(speakers:
  - name: edge
    asn: 65000
    router_id: 10.0.0.1
    listen: 127.0.0.2:1790
    neighbors:
      - {name: a, address: 127.0.0.11, asn: 65011, password: ""}
      - {name: b, address: 127.0.0.12, asn: 65012, password: )") + std::string(81, 'k') + R"(}
      - {name: c, address: 127.0.0.13, asn: 65013, password: [x]}
      - {name: d, address: 127.0.0.14, asn: 65014, ttl_security: 0}
      - {name: e, address: 127.0.0.15, asn: 65015, ttl_security: 255}
      - name: f
        address: 127.0.0.16
        asn: 65016
        ebgp_multihop: 2
        ttl_security: 1
)");
    INFO(joined(errors));
    CHECK(has_error(errors, "7:62", "password must be 1..80 bytes"));
    CHECK(has_error(errors, "8:62", "password must be 1..80 bytes (a TCP-MD5 key, RFC 2385), not 81"));
    CHECK(has_error(errors, "9:62", "password must be a string"));
    CHECK(has_error(errors, "10:66", "ttl_security 0 is out of range (1..254)"));
    CHECK(has_error(errors, "11:66", "ttl_security 255 is out of range (1..254)"));
    CHECK(has_error(errors, "16:23", "ttl_security and ebgp_multihop cannot both be set"));
    CHECK(errors.size() == 6);
}

TEST_CASE("a policy entry without an action, and a speaker's site and prefer, are checked", "[config]") {
    // Found by fuzz_config: a missing `action` used to escape the loader as an exception.
    const auto errors = errors_of(R"(policy:
  route_maps:
    m: [{seq: 10, on_match: next}]
  prefix_lists:
    p: [{seq: 5, prefix: 10.0.0.0/8}]
speakers:
  - {name: s, asn: 65001, router_id: 10.0.0.1, listen: 127.0.0.2:1790, site: [a], prefer: [nope]}
)");
    INFO(joined(errors));
    CHECK(has_error(errors, "3:9", "needs an 'action' (permit or deny)"));
    CHECK(has_error(errors, "5:9", "needs an 'action' (permit or deny)"));
    CHECK(has_error(errors, "7:78", "site must be a string"));
    CHECK(has_error(errors, "7:5", "'s' prefers 'nope', which is not a speaker"));
}


TEST_CASE("redistribute connected and static: local routes that follow their interface", "[config][redistribute]") {
    const auto port = test::free_port_on("127.77.5.1", "127.77.5.2");
    REQUIRE(port != 0);
    const std::string file = test::with_port(R"(speakers:
  - name: a
    asn: 65000
    router_id: 10.255.0.1
    listen: 127.77.5.1:{port}
    ebgp_requires_policy: false
    interfaces:
      - {name: lan, address: 192.168.7.1/24}
      - {name: up, address: 10.9.0.1/30}
    static_routes:
      - {prefix: 172.20.0.0/16, next_hop: 10.9.0.2}
    networks: [192.168.7.0/24]
    policy:
      route_maps:
        tag: [{seq: 10, action: permit, set: {communities: {add: ["65000:42"]}}}]
    redistribute:
      - connected
      - {source: static, metric: 5, route_map: tag}
    neighbors:
      - {name: b, address: 127.77.5.2:{port}, asn: 65001}
  - name: b
    asn: 65001
    router_id: 10.255.0.2
    listen: 127.77.5.2:{port}
    ebgp_requires_policy: false
    neighbors:
      - {name: a, address: 127.77.5.1:{port}, asn: 65000, passive: true}
)", port);
    const auto loaded = parse_config(file, "test.yaml");
    INFO((loaded.errors.empty() ? std::string() : loaded.errors.front().to_string()));
    REQUIRE(loaded.ok());
    REQUIRE(loaded.config.speakers.at(0).redistribute.size() == 2);
    test::LoopbackPair pair(loaded.config.speakers.at(0), loaded.config.speakers.at(1));
    pair.start();
    auto& a = pair.a;
    auto& b = pair.b;
    const auto prefix = [](const char* text) { return *bgp::Prefix::parse(text); };
    const auto run_until = [&](const std::function<bool()>& done) { return pair.run_until(done); };
    const auto& rib = b->loc_rib();
    REQUIRE(run_until([&] {
        return rib.best(prefix("10.9.0.0/30")) && rib.best(prefix("172.20.0.0/16")) && rib.best(prefix("192.168.7.0/24"));
    }));
    // Connected: origin INCOMPLETE, no MED.
    const auto* connected = rib.best(prefix("10.9.0.0/30"));
    CHECK(connected->attrs->origin == bgp::Origin::incomplete);
    CHECK_FALSE(connected->attrs->med);
    // Static, through its route map, with its metric.
    const auto* redistributed = rib.best(prefix("172.20.0.0/16"));
    CHECK(redistributed->attrs->origin == bgp::Origin::incomplete);
    CHECK(redistributed->attrs->med == std::optional<std::uint32_t>(5));
    CHECK(redistributed->attrs->communities == std::vector<std::uint32_t>{(65000U << 16) | 42U});
    // The `networks` entry of the connected LAN wins over its redistributed twin.
    CHECK(rib.best(prefix("192.168.7.0/24"))->attrs->origin == bgp::Origin::igp);

    // The interface goes down: its connected route is withdrawn; back up, it returns.
    a->program_fib([](rib::Fib& fib) { fib.remove_interface("up"); });
    CHECK(run_until([&] { return !rib.best(prefix("10.9.0.0/30")); }));
    CHECK(rib.best(prefix("172.20.0.0/16")));
    a->program_fib([](rib::Fib& fib) { fib.set_interface("up", *bgp::IpAddress::parse("10.9.0.1"), 30); });
    CHECK(run_until([&] { return rib.best(prefix("10.9.0.0/30")) != nullptr; }));

    // A reload without redistribution withdraws them all but the network.
    std::string plain_file = file;
    const auto at = plain_file.find("    redistribute:");
    plain_file.erase(at, plain_file.find("    neighbors:", at) - at);
    const auto plain = parse_config(plain_file, "test.yaml");
    REQUIRE(plain.ok());
    a->reconfigure(plain.config.speakers.at(0));
    CHECK(run_until([&] { return !rib.best(prefix("10.9.0.0/30")) && !rib.best(prefix("172.20.0.0/16")); }));
    CHECK(rib.best(prefix("192.168.7.0/24")));
}

TEST_CASE("redistribute: mistakes", "[config][redistribute]") {
    const auto errors = errors_of(R"(speakers:
  - name: s
    asn: 65001
    router_id: 10.0.0.1
    listen: 127.0.0.2:1790
    redistribute: [connected, ospf, {source: static, route_map: nope}, connected, {metric: 3}]
)");
    INFO(joined(errors));
    CHECK(has_error(errors, "6:31", "unknown redistribute source 'ospf' (connected or static)"));
    CHECK(has_error(errors, "6:65", "route map 'nope' is not defined"));
    CHECK(has_error(errors, "6:72", "redistribute connected is listed twice"));
    CHECK(has_error(errors, "6:83", "needs a 'source'"));
}

TEST_CASE("the daemon section: limits reach every speaker's sessions, out-of-range values are refused", "[config]") {
    const auto loaded = parse_config(R"(daemon:
  admin_clients: 4
  session_read_bytes: 4096
  session_update_batch_bytes: 65536
speakers:
  - {name: s, asn: 65001, router_id: 10.0.0.1, listen: 127.0.0.2:1790}
)", "test.yaml");
    REQUIRE(loaded.ok());
    CHECK(loaded.config.daemon.admin_clients == 4);
    CHECK(loaded.config.speakers.at(0).session_read_bytes == 4096);
    CHECK(loaded.config.speakers.at(0).session_update_batch_bytes == 65536);
    const auto errors = errors_of(R"(daemon: {session_read_bytes: 100, session_update_batch_bytes: 99999999999}
speakers: []
)");
    INFO(joined(errors));
    CHECK(has_error(errors, "1:30", "session_read_bytes 100 is out of range (4096..16777216)"));
    CHECK(has_error(errors, "1:63", "session_update_batch_bytes 99999999999 is out of range"));
}

TEST_CASE("the daemon's http section: loopback unless allowed, changes only with a token file", "[config][http]") {
    const test::TempFile token("0123456789abcdef-the-token\n", "http-token");
    const test::TempFile short_token("short\n", "http-short-token");
    const std::string speakers = "speakers:\n  - {name: s, asn: 65001, router_id: 10.0.0.1, listen: 127.0.0.2:1790}\n";
    // A relative token_file is found beside the config file.
    const auto config_file = (token.path.parent_path() / "config.yaml").string();
    const auto loaded = parse_config("daemon:\n  http: {listen: 127.0.0.1:8179, allow_changes: true, token_file: " +
                                         token.path.filename().string() + ", clients: 3, idle_timeout: 5}\n" + speakers,
                                     config_file);
    INFO(joined(test::positioned(loaded.errors)));
    REQUIRE(loaded.ok());
    const auto& http = loaded.config.daemon.http;
    REQUIRE(http.listen);
    CHECK(http.listen->port == 8179);
    CHECK(http.allow_changes);
    CHECK(http.token == "0123456789abcdef-the-token");
    CHECK(http.clients == 3);
    CHECK(http.idle_timeout == std::chrono::seconds(5));
    CHECK_FALSE(parse_config(speakers, "test.yaml").config.daemon.http.listen);  // off unless configured

    const auto errors = errors_of("daemon:\n"
                                  "  http: {listen: 0.0.0.0:8179, allow_changes: true, clients: 0}\n" + speakers);
    INFO(joined(errors));
    CHECK(has_error(errors, "2:18", "http listen 0.0.0.0 is not a loopback address"));
    CHECK(has_error(errors, "2:47", "'allow_changes: true' needs a 'token_file'"));
    CHECK(has_error(errors, "2:62", "http clients 0 is out of range"));
    const auto token_errors = errors_of("daemon:\n  http:\n    listen: 127.0.0.1:8179\n    token_file: /nonexistent/token\n"
                                        "    colour: red\n" + speakers);
    INFO(joined(token_errors));
    CHECK(has_error(token_errors, "4:17", "http token_file '/nonexistent/token' cannot be read"));
    CHECK(has_error(token_errors, "5:5", "unknown key 'colour' in 'http'"));
    const auto short_errors = errors_of("daemon: {http: {listen: 127.0.0.1:8179, token_file: " + short_token.path.string() + "}}\n" + speakers);
    INFO(joined(short_errors));
    CHECK(has_error(short_errors, "1:53", "at least 16 characters"));
    CHECK(errors_of("daemon: {http: {allow_remote: true, listen: '10.1.2.3:80'}}\n" + speakers).empty());
    CHECK(has_error(errors_of("daemon: {http: {allow_changes: false}}\n" + speakers), "1:16", "'http' needs 'listen'"));
}

TEST_CASE("the mrt section: what is archived, where, and its mistakes", "[config][mrt]") {
    const std::string speakers = "speakers:\n  - {name: s, asn: 65001, router_id: 10.0.0.1, listen: 127.0.0.2:1790}\n";
    const auto loaded = parse_config(speakers + "mrt: {dir: /var/lib/bgpemu/mrt, table_interval_s: 300, updates: true, sent: true, "
                                                "rotate_s: 3600, speakers: [s], updates_file: '{node}.%Y%m%d.upd'}\n",
                                     "test.yaml");
    INFO(joined(test::positioned(loaded.errors)));
    REQUIRE(loaded.ok());
    const auto& mrt = loaded.config.mrt;
    CHECK(mrt.enabled());
    CHECK(mrt.dir == "/var/lib/bgpemu/mrt");
    CHECK(mrt.table_interval == std::chrono::seconds(300));
    CHECK(mrt.updates);
    CHECK(mrt.sent);
    CHECK(mrt.rotate == std::chrono::seconds(3600));
    CHECK(mrt.speakers == std::vector<std::string>{"s"});
    CHECK(mrt.updates_file == "{node}.%Y%m%d.upd");
    CHECK_FALSE(parse_config(speakers, "test.yaml").config.mrt.enabled());

    const auto errors = errors_of(speakers + "mrt: {table_interval_s: 0, speakers: [s, nobody], colour: red}\n");
    INFO(joined(errors));
    CHECK(has_error(errors, "3:6", "'mrt' needs 'dir'"));
    CHECK(has_error(errors, "3:25", "mrt table_interval_s 0 is out of range"));
    CHECK(has_error(errors, "3:42", "mrt speakers: no speaker named 'nobody'"));
    CHECK(has_error(errors, "3:51", "unknown key 'colour' in 'mrt'"));
    CHECK(has_error(errors_of(speakers + "mrt: {dir: x}\n"), "3:6", "writes nothing without"));
    CHECK(has_error(errors_of(speakers + "mrt: {dir: x, table_interval_s: 5, sent: true}\n"), "3:42",
                    "'sent: true' needs 'updates: true'"));
}

TEST_CASE("the bmp section: stations, the tables they watch, and its mistakes", "[config][bmp]") {
    const std::string speakers = "speakers:\n  - {name: s, asn: 65001, router_id: 10.0.0.1, listen: 127.0.0.2:1790,\n"
                                 "     neighbors: [{name: p, address: 127.0.0.3, asn: 65002}]}\n"
                                 "  - {name: t, asn: 65002, router_id: 10.0.0.2, listen: 127.0.0.3:1790,\n"
                                 "     neighbors: [{name: q, address: 127.0.0.2, asn: 65001}]}\n";
    const auto loaded = parse_config(speakers + "bmp:\n"
                                                "  - {address: 127.0.0.1, port: 11019, speakers: [s], stats_interval_s: 60,\n"
                                                "     reconnect_s: 10, queue_bytes: 1048576, monitor: [loc-rib, adj-rib-out]}\n"
                                                "  - {address: '::1', port: 11020}\n",
                                     "test.yaml");
    INFO(joined(test::positioned(loaded.errors)));
    REQUIRE(loaded.ok());
    const auto& stations = loaded.config.bmp.stations;
    REQUIRE(stations.size() == 2);
    CHECK(stations[0].address == "127.0.0.1");
    CHECK(stations[0].port == 11019);
    CHECK(stations[0].speakers == std::vector<std::string>{"s"});
    CHECK(stations[0].stats_interval == std::chrono::seconds(60));
    CHECK(stations[0].reconnect_max == std::chrono::seconds(10));
    CHECK(stations[0].queue_bytes == 1048576);
    // `monitor:` names every table watched: the others are off.
    CHECK_FALSE(stations[0].pre_policy);
    CHECK_FALSE(stations[0].post_policy);
    CHECK(stations[0].loc_rib);
    CHECK(stations[0].adj_rib_out);
    // Without it: the Adj-RIB-In before and after policy, of every speaker.
    CHECK(stations[1].address == "::1");
    CHECK(stations[1].pre_policy);
    CHECK(stations[1].post_policy);
    CHECK_FALSE(stations[1].loc_rib);
    CHECK(stations[1].speakers.empty());
    // Watched pre-policy, a speaker keeps what its neighbours sent, for a station's dump.
    for (const auto& speaker : loaded.config.speakers) CHECK(speaker.neighbors.at(0).soft_reconfiguration_inbound);
    const auto only_loc_rib = parse_config(speakers + "bmp: [{address: 127.0.0.1, port: 1, monitor: [loc-rib]}]\n", "test.yaml");
    REQUIRE(only_loc_rib.ok());
    CHECK_FALSE(only_loc_rib.config.speakers.at(0).neighbors.at(0).soft_reconfiguration_inbound);

    const auto errors = errors_of(speakers + "bmp:\n"
                                             "  - {port: 0, speakers: [s, nobody], monitor: [loc-rib, everything], colour: red}\n"
                                             "  - {address: 300.1.1.1, monitor: []}\n");
    INFO(joined(errors));
    CHECK(has_error(errors, "7:5", "a bmp station needs 'address'"));
    CHECK(has_error(errors, "7:12", "bmp port 0 is out of range"));
    CHECK(has_error(errors, "7:29", "bmp speakers: no speaker named 'nobody'"));
    CHECK(has_error(errors, "7:57", "bmp monitor: 'everything' is not a table"));
    CHECK(has_error(errors, "7:70", "unknown key 'colour' in a bmp station"));
    CHECK(has_error(errors, "8:15", "300.1.1.1"));
    CHECK(has_error(errors, "8:5", "a bmp station needs 'port'"));
    CHECK(has_error(errors, "8:35", "name at least one table"));
    CHECK(has_error(errors_of(speakers + "bmp: {address: 127.0.0.1, port: 1}\n"), "6:6", "'bmp' (a list of monitoring stations)"));
}

TEST_CASE("sessions between two speakers of the file: the end that would lose a collision waits", "[config][collision]") {
    // a < b < c by BGP Identifier. RFC 4271 §6.8 keeps the connection opened by the higher
    // one, so the lower end of each session waits (one ConnectRetry interval) for it.
    const auto loaded = parse_config(R"(speakers:
  - name: a
    asn: 65001
    router_id: 10.0.0.1
    listen: 127.0.0.2:1790
    neighbors:
      - {name: b, address: 127.0.0.3:1790, asn: 65002}
      - {name: c, address: 127.0.0.4:1790, asn: 65003, connect_retry: 7}
      - {name: outside, address: 127.0.0.9:179, asn: 65009}
  - name: b
    asn: 65002
    router_id: 10.0.0.2
    listen: 127.0.0.3:1790
    neighbors:
      - {name: a, address: 127.0.0.2:1790, asn: 65001}
      - {name: c, address: 127.0.0.4:1790, asn: 65003, connect_delay: 0}
      - {name: d, address: 127.0.0.5:1790, asn: 65004}
  - name: c
    asn: 65003
    router_id: 10.0.0.3
    listen: 127.0.0.4:1790
    neighbors:
      - {name: a, address: 127.0.0.2:1790, asn: 65001, connect_delay: 1.5}
      - {name: b, address: 127.0.0.3:1790, asn: 65002}
  - name: d
    asn: 65004
    router_id: 10.0.0.4
    listen: 127.0.0.5:1790
    neighbors:
      - {name: b, address: 127.0.0.3:1790, asn: 65002, passive: true}
  - name: e
    asn: 65005
    router_id: 10.0.0.9
    listen: 127.0.0.6:1790
    neighbors:
      - {name: f, address: 127.0.0.7:1790, asn: 65006}
  - name: f
    asn: 65006
    router_id: 10.0.0.9
    listen: 127.0.0.7:1790
    neighbors:
      - {name: e, address: 127.0.0.6:1790, asn: 65005}
)", "test.yaml");
    INFO((loaded.errors.empty() ? std::string() : loaded.errors.front().to_string()));
    REQUIRE(loaded.ok());
    const auto delay = [&](std::size_t speaker, std::size_t neighbor) {
        return loaded.config.speakers.at(speaker).neighbors.at(neighbor).connect_delay;
    };
    using std::chrono::milliseconds;
    CHECK(delay(0, 0) == milliseconds(5000));  // a waits for b: its ConnectRetry (default 5 s)
    CHECK(delay(1, 0) == milliseconds(0));     // b connects to a at once
    CHECK(delay(0, 1) == milliseconds(7000));  // a waits for c: its own connect_retry
    CHECK(delay(0, 2) == milliseconds(0));     // not a speaker of this file
    CHECK(delay(1, 1) == milliseconds(0));     // explicit: b would lose to c, but the file says 0
    CHECK(delay(2, 0) == milliseconds(1500));  // explicit on the winning end, decimals allowed
    CHECK(delay(2, 1) == milliseconds(0));     // c connects to b at once
    CHECK(delay(1, 2) == milliseconds(0));     // d is passive toward b: b must connect itself
    CHECK(delay(3, 0) == milliseconds(0));     // and d, passive, never connects
    // Equal identifiers (eBGP only): the lower AS loses (RFC 6286 §2.3).
    CHECK(delay(4, 0) == milliseconds(5000));
    CHECK(delay(5, 0) == milliseconds(0));

    const auto errors = errors_of(R"(speakers:
  - name: a
    asn: 65001
    router_id: 10.0.0.1
    listen: 127.0.0.2:1790
    neighbors:
      - {name: x, address: 127.0.0.9, asn: 65009, connect_delay: -1}
      - {name: y, address: 127.0.0.10, asn: 65010, connect_delay: soon}
)");
    INFO(joined(errors));
    CHECK(has_error(errors, "7:66", "connect_delay must be a number of seconds"));
    CHECK(has_error(errors, "8:67", "connect_delay must be a number of seconds"));
}

TEST_CASE("Azure constraints: options of one role, the ER gateway's advertisement limit", "[config][roles]") {
    // Per family: 1,000 IPv4 and 100 IPv6; 1,000 IPv4 beside 100 IPv6 is within both.
    const auto v4 = [](int count) {
        std::string out;
        for (int i = 0; i < count; ++i) out += ", 10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24";
        return out;
    };
    const auto v6 = [](int count) {
        std::string out;
        for (int i = 0; i < count; ++i) out += ", 'fd00:" + std::to_string(i) + "::/48'";
        return out;
    };
    const auto errors = errors_of(R"(speakers:
  - {name: a, role: msee, router_id: 1.1.1.1, listen: "127.0.0.2:1790", allow_remote_vnet_traffic: false}
  - {name: b, role: er-gateway, router_id: 1.1.1.2, listen: "127.0.0.3:1790", allow_remote_vnet_traffic: false}
  - {name: c, role: er-gateway, router_id: 1.1.1.3, listen: "127.0.0.4:1790", networks: [)" + v4(1001).substr(2) + R"(]}
  - {name: d, role: er-gateway, router_id: 1.1.1.4, listen: "127.0.0.5:1790", networks: [)" + v4(1000).substr(2) + v6(100) + R"(]}
  - {name: e, role: er-gateway, router_id: 1.1.1.5, listen: "127.0.0.6:1790", networks: [)" + v6(101).substr(2) + R"(]}
)");
    INFO(joined(errors));
    CHECK(has_error(errors, "2:100", "allow_remote_vnet_traffic applies to role er-gateway only"));
    CHECK(errors.size() == 3);  // b may set it; d is within both limits
    CHECK(has_error(errors, "4:89", "an er-gateway advertises at most 1000 IPv4 prefixes (its VNet and spokes), not 1001"));
    CHECK(has_error(errors, "6:89", "an er-gateway advertises at most 100 IPv6 prefixes (its VNet and spokes), not 101"));
}

}  // namespace bgpemu::daemon
