// The FIB (rib/fib.hpp) and its longest-prefix-match trie (rib/prefix_trie.hpp): the
// trie against a brute-force reference on random tables, then the FIB's choices:
// administrative distance, recursive resolution, fall-back to a less specific route,
// blackholes, and ECMP spread by flow.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>

#include "rib/fib.hpp"

namespace bgpemu::rib {
namespace {

bgp::IpAddress ip(const char* text) { return *bgp::IpAddress::parse(text); }
bgp::Prefix prefix(const char* text) { return *bgp::Prefix::parse(text); }

// The reference: the longest of the stored prefixes that contains `address`.
std::optional<bgp::Prefix> brute_force_match(const std::map<bgp::Prefix, int>& table, const bgp::IpAddress& address) {
    std::optional<bgp::Prefix> best;
    for (const auto& [p, value] : table)
        if (p.contains(address) && (!best || p.length() > best->length())) best = p;
    return best;
}

bgp::IpAddress random_address(std::mt19937& rng, bgp::Afi afi) {
    std::array<std::uint8_t, 16> bytes{};
    // Few distinct high bits, so prefixes overlap and nest a lot.
    bytes[0] = static_cast<std::uint8_t>(rng() % 4 == 0 ? 10 : 192);
    for (std::size_t i = 1; i < 16; ++i) bytes[i] = static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() : (i % 3));
    if (afi == bgp::Afi::ipv4) return bgp::IpAddress::v4((std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) | bytes[3]);
    return bgp::IpAddress::v6(bytes);
}

}  // namespace

TEST_CASE("PrefixTrie agrees with a brute-force longest match on random tables", "[fib][trie][oracle]") {
    const auto afi = GENERATE(bgp::Afi::ipv4, bgp::Afi::ipv6);
    const unsigned max_length = bgp::max_prefix_length(afi);
    std::mt19937 rng(afi == bgp::Afi::ipv4 ? 4271 : 2545);
    PrefixTrie<int> trie;
    std::map<bgp::Prefix, int> reference;

    for (int operation = 0; operation < 3000; ++operation) {
        const auto p = bgp::Prefix::make(random_address(rng, afi), static_cast<unsigned>(rng() % (max_length + 1)));
        if (rng() % 3 == 0) {
            const bool erased = trie.erase(p);
            CHECK(erased == (reference.erase(p) == 1));
        } else {
            const int value = operation;
            trie.insert(p, value);
            reference[p] = value;
        }
        REQUIRE(trie.size() == reference.size());
        // Glue nodes are pruned: at most one per stored prefix.
        REQUIRE(trie.node_count() <= 2 * trie.size() + 1);
        for (int probe = 0; probe < 8; ++probe) {
            const auto address = random_address(rng, afi);
            const auto expected = brute_force_match(reference, address);
            const auto got = trie.longest_match(address);
            INFO("operation " << operation << ", address " << address.to_string());
            REQUIRE(got.has_value() == expected.has_value());
            if (expected) {
                CHECK(got->first == *expected);
                CHECK(*got->second == reference.at(*expected));
            }
        }
        const auto* found = trie.find(p);
        const auto it = reference.find(p);
        REQUIRE((found != nullptr) == (it != reference.end()));
        if (found) CHECK(*found == it->second);
    }
    // for_each visits exactly the stored prefixes.
    std::set<bgp::Prefix> visited;
    trie.for_each([&](const bgp::Prefix& p, const int& value) {
        CHECK(reference.at(p) == value);
        visited.insert(p);
    });
    CHECK(visited.size() == reference.size());
    // Erasing everything leaves an empty trie.
    for (const auto& [p, value] : reference) REQUIRE(trie.erase(p));
    CHECK(trie.size() == 0);
    CHECK(trie.node_count() == 0);
    CHECK_FALSE(trie.longest_match(random_address(rng, afi)));
}

TEST_CASE("FIB: connected, static and BGP by distance, recursive resolution, fall-back", "[fib]") {
    Fib fib;
    fib.set_interface("to-msee", ip("192.168.30.17"), 30);
    fib.set_interface("tunnel", ip("10.2.30.125"), 32);
    fib.set_interface("lan", ip("192.168.30.0"), 31);
    CHECK(fib.owns(ip("192.168.30.17")));
    CHECK_FALSE(fib.owns(ip("192.168.30.18")));

    SECTION("a connected destination goes out of its interface, no gateway") {
        const auto hit = fib.lookup(ip("192.168.30.18"), ip("10.2.30.10"));
        REQUIRE(hit);
        CHECK(hit->prefix == prefix("192.168.30.16/30"));
        CHECK(hit->route->protocol == FibProtocol::connected);
        REQUIRE(hit->next_hop);
        CHECK_FALSE(hit->next_hop->gateway);
        CHECK(hit->next_hop->interface == "to-msee");
    }
    SECTION("a BGP next hop resolves through the connected subnet") {
        fib.set_bgp(prefix("10.10.30.0/24"), true, {ip("192.168.30.18")}, "er1-msee1");
        const auto hit = fib.lookup(ip("10.10.30.4"), ip("10.2.30.10"));
        REQUIRE(hit);
        CHECK(hit->route->protocol == FibProtocol::ebgp);
        CHECK(hit->next_hop == FibNextHop{ip("192.168.30.18"), "to-msee"});
        // A static route for the same prefix wins on distance (1 < 20).
        fib.set_static(prefix("10.10.30.0/24"), {ip("192.168.30.1")}, false);
        CHECK(fib.lookup(ip("10.10.30.4"), ip("10.2.30.10"))->route->protocol == FibProtocol::static_route);
        CHECK(fib.lookup(ip("10.10.30.4"), ip("10.2.30.10"))->next_hop == FibNextHop{ip("192.168.30.1"), "lan"});
        fib.remove_static(prefix("10.10.30.0/24"));
        CHECK(fib.lookup(ip("10.10.30.4"), ip("10.2.30.10"))->route->protocol == FibProtocol::ebgp);
    }
    SECTION("a BGP next hop resolves recursively through a static route") {
        fib.set_static(prefix("10.10.30.254/32"), {ip("192.168.30.1")}, false);
        fib.set_bgp(prefix("10.11.30.64/26"), true, {ip("10.10.30.254")}, "hub-vpngw");
        const auto hit = fib.lookup(ip("10.11.30.68"), ip("10.2.30.10"));
        REQUIRE(hit);
        CHECK(hit->next_hop == FibNextHop{ip("192.168.30.1"), "lan"});
    }
    SECTION("an unresolvable next hop is not installed; it installs once it resolves") {
        fib.set_bgp(prefix("10.17.30.0/24"), true, {ip("172.16.0.1")}, "x");
        CHECK_FALSE(fib.lookup(ip("10.17.30.4"), ip("10.2.30.10")));
        const auto* candidates = fib.candidates(prefix("10.17.30.0/24"));
        REQUIRE(candidates);
        REQUIRE(candidates->routes.size() == 1);
        CHECK_FALSE(candidates->routes[0].usable());
        CHECK(fib.installed(prefix("10.17.30.0/24")) == nullptr);
        fib.set_interface("new", ip("172.16.0.2"), 24);
        REQUIRE(fib.installed(prefix("10.17.30.0/24")));
        CHECK(fib.lookup(ip("10.17.30.4"), ip("10.2.30.10"))->next_hop == FibNextHop{ip("172.16.0.1"), "new"});
        // The interface goes down (a link failure): the route leaves the FIB again.
        fib.remove_interface("new");
        CHECK_FALSE(fib.lookup(ip("10.17.30.4"), ip("10.2.30.10")));
    }
    SECTION("a next hop never resolves through the default route") {
        fib.set_static(prefix("0.0.0.0/0"), {ip("192.168.30.1")}, false);
        fib.set_bgp(prefix("10.17.30.0/24"), true, {ip("172.16.0.1")}, "x");
        CHECK(fib.installed(prefix("10.17.30.0/24")) == nullptr);
        CHECK(fib.lookup(ip("10.17.30.4"), ip("10.2.30.10"))->prefix == prefix("0.0.0.0/0"));
    }
    SECTION("a withdrawal falls back to the less specific route") {
        fib.set_static(prefix("0.0.0.0/0"), {ip("192.168.30.1")}, false);
        fib.set_bgp(prefix("10.10.30.0/24"), true, {ip("192.168.30.18")}, "er1-msee1");
        CHECK(fib.lookup(ip("10.10.30.4"), ip("10.2.30.10"))->prefix == prefix("10.10.30.0/24"));
        fib.remove_bgp(prefix("10.10.30.0/24"));
        const auto hit = fib.lookup(ip("10.10.30.4"), ip("10.2.30.10"));
        REQUIRE(hit);
        CHECK(hit->prefix == prefix("0.0.0.0/0"));
        CHECK(hit->next_hop == FibNextHop{ip("192.168.30.1"), "lan"});
        CHECK(fib.candidates(prefix("10.10.30.0/24")) == nullptr);
    }
    SECTION("a blackhole matches and has no next hop") {
        fib.set_static(prefix("10.0.0.0/8"), {}, true);
        const auto hit = fib.lookup(ip("10.99.0.1"), ip("10.2.30.10"));
        REQUIRE(hit);
        CHECK(hit->route->blackhole);
        CHECK_FALSE(hit->next_hop);
    }
}

TEST_CASE("FIB: a dual-stack interface has a connected route per family; each family goes on its own", "[fib][ipv6]") {
    Fib fib;
    InterfaceConfig link{"to-msee", ip("172.16.0.1"), 30, InterfaceAddress{ip("2001:db8:ff::1"), 126}};
    fib.set_interface(link);
    CHECK(fib.owns(ip("172.16.0.1")));
    CHECK(fib.owns(ip("2001:db8:ff::1")));
    fib.set_bgp(prefix("10.1.0.0/16"), true, {ip("172.16.0.2")}, "msee");
    fib.set_bgp(prefix("fd00:1::/48"), true, {ip("2001:db8:ff::2")}, "msee");
    const auto v6 = fib.lookup(ip("fd00:1::4"), ip("2001:db8:1::10"));
    REQUIRE(v6);
    REQUIRE(v6->next_hop);
    CHECK(v6->next_hop->interface == "to-msee");
    CHECK(fib.installed(prefix("2001:db8:ff::/126")) != nullptr);
    // Re-set without its IPv6 address: the IPv6 subnet and what resolved through it go.
    link.other_family.reset();
    fib.set_interface(link);
    CHECK(fib.has_interface("to-msee"));
    CHECK_FALSE(fib.owns(ip("2001:db8:ff::1")));
    CHECK(fib.installed(prefix("2001:db8:ff::/126")) == nullptr);
    CHECK_FALSE(fib.lookup(ip("fd00:1::4"), ip("2001:db8:1::10")));
    CHECK(fib.lookup(ip("10.1.0.4"), ip("192.168.1.10")));
    fib.remove_interface("to-msee");
    CHECK_FALSE(fib.has_interface("to-msee"));
    CHECK_FALSE(fib.lookup(ip("10.1.0.4"), ip("192.168.1.10")));
}

TEST_CASE("FIB: an ECMP set spreads flows, and one flow always takes the same member", "[fib][ecmp]") {
    Fib fib;
    fib.set_interface("a", ip("192.168.31.17"), 30);
    fib.set_interface("b", ip("192.168.31.21"), 30);
    fib.set_bgp(prefix("10.1.31.0/25"), true, {ip("192.168.31.18"), ip("192.168.31.22")}, "er2-msee1, er2-msee2");
    std::map<std::string, int> per_interface;
    for (std::uint32_t i = 0; i < 1000; ++i) {
        const auto source = bgp::IpAddress::v4(0x0a0a1e00U + i);  // 10.10.30.x and up
        const auto destination = ip("10.1.31.10");
        const auto first = fib.lookup(destination, source);
        REQUIRE(first);
        REQUIRE(first->next_hop);
        CHECK(fib.lookup(destination, source)->next_hop == first->next_hop);  // repeatable
        ++per_interface[first->next_hop->interface];
    }
    REQUIRE(per_interface.size() == 2);
    CHECK(per_interface["a"] > 350);
    CHECK(per_interface["b"] > 350);
    CHECK(Fib::flow_member(ip("10.0.0.1"), ip("10.0.0.2"), 1) == 0);
}

}  // namespace bgpemu::rib
