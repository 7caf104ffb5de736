// Churn: two speakers in this process over loopback TCP (loopback_pair.hpp). The session between
// them is flapped 1,000 times (its link taken down and up, as `bgpemuctl link` does),
// and 100,000 prefixes are announced and withdrawn, three rounds over. Afterwards the
// receiver's Loc-RIB must be exactly the one it had at the start, both speakers' memory
// accounting (interned attribute sets, Loc-RIB, Adj-RIB-Out) back to the steady state
// within 10 %, and the heap in use too. Run again under ASan+LSan by test.sh
// (build-asan/, label `unit`), where a leak fails the test at exit.
#include <malloc.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "bgp/speaker/speaker.hpp"
#include "loopback_pair.hpp"

namespace bgpemu::bgp {
namespace {

using namespace std::chrono_literals;

// BGPEMU_CHURN_FLAPS overrides the count, to see whether something grows with it.
const std::size_t flaps = std::getenv("BGPEMU_CHURN_FLAPS") ? std::stoul(std::getenv("BGPEMU_CHURN_FLAPS")) : 1000;
constexpr std::size_t churned_prefixes = 100000;
constexpr std::size_t churn_rounds = 3;

SpeakerConfig speaker(const std::string& name, std::uint32_t asn, std::uint32_t router_id, const char* address,
                      std::uint16_t port) {
    SpeakerConfig config;
    config.name = name;
    config.asn = asn;
    config.router_id = router_id;
    config.listen = {*IpAddress::parse(address), port};
    config.ebgp_requires_policy = false;
    return config;
}

NeighborConfig neighbor(const std::string& name, std::uint32_t asn, const char* address, std::uint16_t port) {
    NeighborConfig config;
    config.name = name;
    config.remote = {*IpAddress::parse(address), port};
    config.remote_as = asn;
    config.hold_time = 9;
    config.connect_retry = std::chrono::seconds(1);
    config.link = "a-b";
    return config;
}

// 10.x.y.0/24 for i < 65536, then 11.x.y.0/24: distinct /24s.
Prefix churn_prefix(std::size_t i) {
    const auto value = static_cast<std::uint32_t>(((10U + (i >> 16)) << 24) | ((i & 0xffffU) << 8));
    return Prefix::make(IpAddress::v4(value), 24);
}

// The receiver's Loc-RIB as text: every prefix with its best path's attributes.
std::map<std::string, std::string> rib_text(const Speaker& s) {
    std::map<std::string, std::string> out;
    s.loc_rib().for_each_best([&](rib::RouteIndex, const Prefix& prefix, const rib::Path& path) {
        out[prefix.to_string()] = path.attrs->as_path.to_string() + " " + (path.attrs->med ? std::to_string(*path.attrs->med) : "-");
    });
    return out;
}

std::size_t accounted_bytes(const Speaker& s) {
    const auto m = s.memory_use();
    return m.attribute_bytes + m.loc_rib_entry_bytes + m.prefix_index_bytes + m.adj_rib_out_bytes;
}

// Heap bytes in use (0 where the allocator does not say, as under ASan).
std::size_t heap_in_use() {
    malloc_trim(0);
    return mallinfo2().uordblks;
}

TEST_CASE("1,000 flaps and 100,000 prefixes announced and withdrawn leave no trace", "[churn]") {
    const auto port = test::free_port_on("127.78.0.1", "127.78.0.2");
    REQUIRE(port != 0);
    auto a_config = speaker("a", 65000, 0x0a000001, "127.78.0.1", port);
    for (std::size_t i = 0; i < 50; ++i) a_config.networks.push_back(OriginatedNetwork{Prefix::make(IpAddress::v4(0xc0000000U | (static_cast<std::uint32_t>(i) << 8)), 24), 7, {}, {}, Origin::igp, nullptr});
    a_config.neighbors.push_back(neighbor("b", 65001, "127.78.0.2", port));
    auto b_config = speaker("b", 65001, 0x0a000002, "127.78.0.2", port);
    // The smallest session buffers the config allows (`daemon: session_*_bytes`), so the
    // reader's growth and the writer's batching are exercised at every step.
    a_config.session_update_batch_bytes = b_config.session_update_batch_bytes = 4096;
    a_config.session_read_bytes = b_config.session_read_bytes = 4096;
    b_config.neighbors.push_back(neighbor("a", 65000, "127.78.0.1", port));
    test::LoopbackPair pair(a_config, b_config);
    pair.start();
    auto& a = pair.a;
    auto& b = pair.b;
    // Bounded polling: runs the io_context until `done` holds, at most `limit`.
    const auto run_until = [&](const std::function<bool()>& done, std::chrono::seconds limit = 30s) {
        return pair.run_until(done, limit);
    };
    const auto settled = [&](std::size_t routes) {
        return [&, routes] {
            return b->session(0).established() && a->session(0).established() && b->accepted_count(0) == routes &&
                   a->idle() && b->idle();
        };
    };
    REQUIRE(run_until(settled(50)));
    const auto fresh = rib_text(*b);
    REQUIRE(fresh.size() == 50);

    const auto flap = [&] {
        a->set_link_up("a-b", false);
        REQUIRE(run_until([&] { return !b->session(0).established() && b->accepted_count(0) == 0; }));
        a->set_link_up("a-b", true);
        REQUIRE(run_until(settled(50)));
    };
    const auto churn_round = [&](std::uint32_t med) {
        for (std::size_t i = 0; i < churned_prefixes; ++i)
            a->announce_network(OriginatedNetwork{churn_prefix(i), med, {}, {}, Origin::igp, nullptr});
        REQUIRE(run_until(settled(50 + churned_prefixes), 120s));
        // In reverse, so the networks list shrinks from both ends over the rounds.
        for (std::size_t i = churned_prefixes; i-- > 0;) REQUIRE(a->withdraw_network(churn_prefix(i)));
        REQUIRE(run_until(settled(50), 120s));
    };
    // The steady state is the one after a first flap and a first round: the prefix index
    // and the Adj-RIB-Out keep their capacity for reuse (see "Churn" in
    // doc/developer/robustness.md); what must not happen is growth with every flap or round.
    const auto before_warm_up_b = accounted_bytes(*b);
    flap();
    churn_round(0);
    CHECK(rib_text(*b) == fresh);
    const auto steady_a = accounted_bytes(*a);
    const auto steady_b = accounted_bytes(*b);
    const auto steady_heap = heap_in_use();
    const auto steady_sets = a->memory_use().attribute_sets + b->memory_use().attribute_sets;
    INFO("accounted bytes of b before the first round " << before_warm_up_b << ", after it " << steady_b);

    SECTION("flaps") {
        for (std::size_t i = 0; i < flaps; ++i) {
            INFO("flap " << i);
            flap();
        }
        CHECK(b->session(0).stats().established_transitions >= flaps + 2);
    }
    SECTION("100,000 prefixes announced and withdrawn, three more rounds") {
        for (std::size_t round = 1; round <= churn_rounds; ++round) {
            INFO("round " << round);
            churn_round(static_cast<std::uint32_t>(round));
        }
    }

    // One more flap empties the per-neighbour policy caches, which keep the attribute
    // sets they have seen (up to 65536 entries each) for as long as a session lasts.
    flap();

    // The same table as at the start, and the memory of the steady state.
    CHECK(rib_text(*b) == fresh);
    INFO("accounted bytes a " << steady_a << " -> " << accounted_bytes(*a) << ", b " << steady_b << " -> "
                              << accounted_bytes(*b));
    CHECK(accounted_bytes(*a) <= steady_a + steady_a / 10);
    CHECK(accounted_bytes(*b) <= steady_b + steady_b / 10);
    // Attribute sets are interned while in use: each round's MED made new ones, and
    // they must be gone again with the routes (and the caches).
    INFO("attribute sets " << steady_sets << " -> " << a->memory_use().attribute_sets + b->memory_use().attribute_sets);
    CHECK(a->memory_use().attribute_sets + b->memory_use().attribute_sets <= steady_sets);
    if (steady_heap > 0) {
        const auto after = heap_in_use();
        INFO("heap in use " << steady_heap << " -> " << after);
        CHECK(after <= steady_heap + steady_heap / 10);
    }
}

TEST_CASE("session buffers grow for a burst and give their memory back after it", "[churn][buffers]") {
    const auto port = test::free_port_on("127.78.0.3", "127.78.0.4");
    REQUIRE(port != 0);
    // The default buffers: 256 KiB for the reader and the writer's batch at most.
    auto a_config = speaker("a", 65000, 0x0a000001, "127.78.0.3", port);
    a_config.neighbors.push_back(neighbor("b", 65001, "127.78.0.4", port));
    auto b_config = speaker("b", 65001, 0x0a000002, "127.78.0.4", port);
    b_config.neighbors.push_back(neighbor("a", 65000, "127.78.0.3", port));
    test::LoopbackPair pair(a_config, b_config);
    pair.start();
    auto& a = pair.a;
    auto& b = pair.b;
    const auto buffers = [&] { return a->memory_use().session_buffer_bytes + b->memory_use().session_buffer_bytes; };
    REQUIRE(pair.run_until([&] { return a->session(0).established() && b->session(0).established() && a->idle() && b->idle(); }, 30s));
    // Idle: a read buffer of one message and small write buffers at each end.
    const std::size_t idle_bound = 2 * (4096 + 2 * 16 * 1024);
    INFO("idle buffers " << buffers());
    CHECK(buffers() <= idle_bound);
    for (std::size_t i = 0; i < churned_prefixes; ++i)
        a->announce_network(OriginatedNetwork{churn_prefix(i), 1, {}, {}, Origin::igp, nullptr});
    std::size_t peak = 0;
    REQUIRE(pair.run_until([&] {
        peak = std::max(peak, buffers());
        return b->accepted_count(0) == churned_prefixes && a->idle() && b->idle();
    }, 120s));
    INFO("peak during the burst " << peak << ", after it " << buffers());
    CHECK(peak > 2 * idle_bound);
    // The last reads of the burst drained the socket, and the writer had nothing more.
    CHECK(pair.run_until([&] { return buffers() <= idle_bound; }, 10s));
}

}  // namespace
}  // namespace bgpemu::bgp
