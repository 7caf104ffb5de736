// One node's forwarding table: connected routes (from its interfaces), static routes
// and BGP best paths, the winner per prefix chosen by administrative distance as FRR's
// zebra does (connected 0, static 1, eBGP 20, iBGP 200), BGP next hops resolved
// recursively through connected and static routes (never through a default route),
// and longest-prefix-match lookups
// that pick one member of an ECMP set by a hash of (source, destination), so that a
// trace is repeatable.
//
// Updates are incremental: a BGP change touches its own prefix; only an interface or
// static route change re-resolves the BGP routes (their next hops may have moved).
// Nothing here knows about sessions or sockets.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bgp/wire/ip.hpp"
#include "rib/prefix_trie.hpp"

namespace bgpemu::rib {

enum class FibProtocol : std::uint8_t { connected, static_route, ebgp, ibgp };

[[nodiscard]] const char* fib_protocol_name(FibProtocol protocol) noexcept;
// FRR's administrative distances.
[[nodiscard]] std::uint8_t default_distance(FibProtocol protocol) noexcept;

// Where a packet goes next: a gateway on an interface, or (for a connected route) the
// destination itself on that interface (`gateway` unset).
struct FibNextHop {
    std::optional<bgp::IpAddress> gateway;
    std::string interface;
    friend bool operator==(const FibNextHop&, const FibNextHop&) = default;
};

struct FibRoute {
    FibProtocol protocol = FibProtocol::connected;
    std::uint8_t distance = 0;
    bool blackhole = false;
    std::vector<bgp::IpAddress> gateways;  // as configured or learned (static and BGP)
    std::vector<FibNextHop> next_hops;     // resolved; empty when no gateway resolves
    std::string source;                    // the interface, "static", or the BGP neighbour(s)

    [[nodiscard]] bool usable() const noexcept { return blackhole || !next_hops.empty(); }
};

// The result of a lookup: the route that matched and, unless it is a blackhole, the
// next hop the flow takes.
struct FibLookup {
    bgp::Prefix prefix;
    const FibRoute* route = nullptr;
    std::optional<FibNextHop> next_hop;
};

struct InterfaceAddress {
    bgp::IpAddress address;
    unsigned length = 0;  // the subnet's prefix length
    friend bool operator==(const InterfaceAddress&, const InterfaceAddress&) = default;
};

// An interface of an emulated node: its address and subnet give a connected route. A
// dual-stack interface has an IPv4 `address` and an IPv6 one beside it.
struct InterfaceConfig {
    std::string name;
    bgp::IpAddress address;
    unsigned length = 0;  // the subnet's prefix length
    std::optional<InterfaceAddress> other_family;

    // Its address of `afi`, if it has one.
    [[nodiscard]] std::optional<InterfaceAddress> address_of(bgp::Afi afi) const {
        if (address.afi() == afi) return InterfaceAddress{address, length};
        if (other_family && other_family->address.afi() == afi) return other_family;
        return std::nullopt;
    }
    [[nodiscard]] bool has_address(const bgp::IpAddress& a) const {
        return address == a || (other_family && other_family->address == a);
    }
    [[nodiscard]] std::vector<InterfaceAddress> addresses() const {
        std::vector<InterfaceAddress> out{{address, length}};
        if (other_family) out.push_back(*other_family);
        return out;
    }
};

// A static route: next hops (ECMP when several) or a blackhole.
struct StaticRouteConfig {
    bgp::Prefix prefix;
    std::vector<bgp::IpAddress> next_hops;
    bool blackhole = false;
};

class Fib {
public:
    // Connected route for an interface address ("192.168.30.17/30" gives 192.168.30.16/30
    // via `interface`); replaces the interface's earlier address of that family.
    void set_interface(const std::string& interface, const bgp::IpAddress& address, unsigned length);
    // All of the interface's addresses; a family it no longer has goes.
    void set_interface(const InterfaceConfig& interface);
    void remove_interface(const std::string& interface);
    // The far end of a point-to-point link on `interface` whose address lies outside the
    // interface's subnet (a tunnel between two /32s): a connected host route to it.
    void set_peer(const std::string& interface, const bgp::IpAddress& peer);
    void remove_peer(const std::string& interface, const bgp::IpAddress& peer);
    [[nodiscard]] bool owns(const bgp::IpAddress& address) const;  // one of our interface addresses
    [[nodiscard]] bool has_interface(const std::string& interface) const;
    [[nodiscard]] std::vector<bgp::IpAddress> peers(const std::string& interface) const;

    void set_static(const bgp::Prefix& prefix, std::vector<bgp::IpAddress> gateways, bool blackhole);
    void remove_static(const bgp::Prefix& prefix);

    // The BGP best path (with its ECMP members' next hops) for `prefix`; empty gateways
    // remove it.
    void set_bgp(const bgp::Prefix& prefix, bool external, std::vector<bgp::IpAddress> gateways, std::string source);
    void remove_bgp(const bgp::Prefix& prefix);

    // Longest prefix match over the installed routes; the ECMP member is chosen by a
    // hash of (source, destination).
    [[nodiscard]] std::optional<FibLookup> lookup(const bgp::IpAddress& destination,
                                                  const bgp::IpAddress& source) const;

    // The installed route of `prefix`, and every candidate (installed or not).
    [[nodiscard]] const FibRoute* installed(const bgp::Prefix& prefix) const;
    struct Candidates {
        std::vector<FibRoute> routes;  // by distance; the first usable one is installed
    };
    void for_each(const std::function<void(const bgp::Prefix&, const Candidates&)>& fn) const;
    [[nodiscard]] const Candidates* candidates(const bgp::Prefix& prefix) const;
    [[nodiscard]] std::size_t installed_count() const noexcept { return installed_.size(); }

    // Which of the `count` members an ECMP set gives the flow (source, destination).
    [[nodiscard]] static std::size_t flow_member(const bgp::IpAddress& source, const bgp::IpAddress& destination,
                                                 std::size_t count) noexcept;

private:
    struct Interface {
        bgp::IpAddress address;
        bgp::Prefix subnet;
    };

    void refresh_connected(const bgp::Prefix& subnet);
    void set_candidate(const bgp::Prefix& prefix, FibRoute route);
    void remove_candidate(const bgp::Prefix& prefix, FibProtocol protocol);
    // Re-resolves the routes of `prefix` and installs the best usable one (or none).
    void reinstall(const bgp::Prefix& prefix);
    void resolve(FibRoute& route) const;
    // An interface or static route changed: every route with gateways may resolve anew.
    void reresolve_all();
    // Resolution for a gateway: through connected routes, then static ones.
    [[nodiscard]] std::vector<FibNextHop> resolve_gateway(const bgp::IpAddress& gateway, bool allow_static) const;

    void remove_address(const std::string& interface, bgp::Afi afi);

    std::map<std::pair<std::string, bgp::Afi>, Interface> interfaces_;  // by name, then family
    std::vector<std::pair<std::string, bgp::IpAddress>> peers_;  // (interface, far-end address)
    std::map<bgp::Prefix, Candidates> routes_;   // every candidate, by prefix
    PrefixTrie<FibRoute> installed_;             // the winners, for lookups
    PrefixTrie<std::vector<FibNextHop>> connected_;  // connected subnets, for resolution
    PrefixTrie<std::vector<FibNextHop>> statics_;    // resolved static routes, for resolution
};

}  // namespace bgpemu::rib
