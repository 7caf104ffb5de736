// The emulated data plane (dataplane/network.hpp) on small synthetic topologies: traces
// hop by hop and the hop model (overrides, role defaults), a gateway's source check,
// VNet effective routes, the ways a walk ends (unreachable, blackhole, loop), link state
// and point-to-point tunnels, ECMP, ping, and naming probe ends.
//
// The engine is pure: the Network builds routers' and hosts' FIBs itself, and a
// FakeRouting below stands in for the speakers (a hand-filled FIB each, the routes each
// gateway learned, and the prefixes learned over each link).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/network.hpp"

namespace bgpemu::dataplane {
namespace {

using Verdict = WalkOutcome::Verdict;
using NextHopType = EffectiveRoute::NextHopType;

bgp::IpAddress ip(std::string_view text) {
    const auto address = bgp::IpAddress::parse(text);
    if (!address) throw std::invalid_argument("bad address in test: " + std::string(text));
    return *address;
}

bgp::Prefix prefix(std::string_view text) {
    const auto parsed = bgp::Prefix::parse(text);
    if (!parsed) throw std::invalid_argument("bad prefix in test: " + std::string(text));
    return *parsed;
}

// "NAME=ADDRESS/LENGTH": an interface.
rib::InterfaceConfig interface(std::string_view spec) {
    const auto equals = spec.find('=');
    const auto slash = spec.find('/');
    if (equals == std::string_view::npos || slash == std::string_view::npos)
        throw std::invalid_argument("bad interface in test: " + std::string(spec));
    return rib::InterfaceConfig{std::string(spec.substr(0, equals)), ip(spec.substr(equals + 1, slash - equals - 1)),
                                static_cast<unsigned>(std::stoul(std::string(spec.substr(slash + 1)))), std::nullopt};
}

rib::StaticRouteConfig route(std::string_view to, std::vector<std::string_view> next_hops) {
    rib::StaticRouteConfig config{prefix(to), {}, false};
    for (const auto hop : next_hops) config.next_hops.push_back(ip(hop));
    return config;
}

rib::StaticRouteConfig blackhole(std::string_view to) { return rib::StaticRouteConfig{prefix(to), {}, true}; }

// Builds a TopologyConfig the way daemon/config.cpp would fill it.
class Topology {
public:
    Topology& router(std::string name, std::vector<std::string_view> interfaces,
                     std::vector<rib::StaticRouteConfig> routes = {}) {
        auto& node = add(std::move(name), NodeKind::router, "", interfaces);
        node.static_routes = std::move(routes);
        return *this;
    }
    // A host on a LAN: interface eth0 and a default route through `gateway`.
    Topology& host(std::string name, std::string_view address, std::string_view gateway) {
        const std::string eth0 = "eth0=" + std::string(address);
        auto& node = add(std::move(name), NodeKind::host, "host", {eth0});
        node.static_routes.push_back(route("0.0.0.0/0", {gateway}));
        return *this;
    }
    // A VM in a VNet.
    Topology& vm(std::string name, std::string vnet, std::string_view address) {
        auto& node = add(std::move(name), NodeKind::host, "host", {});
        node.vnet = std::move(vnet);
        node.vnet_addresses.push_back(ip(address));
        return *this;
    }
    // A network virtual appliance: a router with a NIC in `vnet`.
    Topology& appliance(std::string name, std::string vnet, std::string_view address) {
        auto& node = add(std::move(name), NodeKind::router, "", {});
        node.vnet = std::move(vnet);
        node.vnet_addresses.push_back(ip(address));
        return *this;
    }
    // A route table of "PREFIX TYPE [ADDRESS]" routes, each named after its prefix.
    Topology& route_table(std::string name, std::vector<std::string_view> routes, bool disable_propagation = false) {
        RouteTableConfig table{std::move(name), {}, disable_propagation};
        for (const auto text : routes) {
            const auto space = text.find(' ');
            const auto second = text.find(' ', space + 1);
            UserRouteConfig r;
            r.prefix = prefix(text.substr(0, space));
            r.name = std::string(text.substr(0, space));
            const auto type = parse_user_next_hop(text.substr(space + 1, second - space - 1));
            if (!type) throw std::invalid_argument("bad next hop type in test: " + std::string(text));
            r.next_hop_type = *type;
            if (second != std::string_view::npos) r.next_hop_address = ip(text.substr(second + 1));
            table.routes.push_back(std::move(r));
        }
        config.route_tables.push_back(std::move(table));
        return *this;
    }
    VnetConfig& vnet_named(std::string_view name) {
        for (auto& vnet : config.vnets)
            if (vnet.name == name) return vnet;
        throw std::invalid_argument("no VNet " + std::string(name));
    }
    // A BGP speaker: its FIB lives in the FakeRouting.
    Topology& speaker(std::string name, std::string role, std::vector<std::string_view> interfaces) {
        add(std::move(name), NodeKind::speaker, std::move(role), interfaces);
        return *this;
    }
    // A speaker that is the gateway of `vnet`, answering from `vnet_addresses`.
    Topology& gateway(std::string name, std::string role, std::string vnet, std::vector<std::string_view> vnet_addresses,
                      std::vector<std::string_view> interfaces = {}) {
        auto& node = add(std::move(name), NodeKind::speaker, std::move(role), interfaces);
        node.vnet = std::move(vnet);
        for (const auto address : vnet_addresses) node.vnet_addresses.push_back(ip(address));
        return *this;
    }
    // "NODE:INTERFACE" to "NODE:INTERFACE", named as the config names it by default.
    Topology& link(std::string_view a, std::string_view b, double delay_ms = 0) {
        const auto end = [](std::string_view text) {
            const auto colon = text.find(':');
            return LinkEnd{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
        };
        LinkConfig link;
        link.a = end(a);
        link.b = end(b);
        link.name = std::string(a) + "--" + std::string(b);
        link.delay_ms = delay_ms;
        config.links.push_back(std::move(link));
        return *this;
    }
    Topology& vnet(std::string name, std::vector<std::string_view> spaces) {
        VnetConfig vnet;
        vnet.name = std::move(name);
        for (const auto space : spaces) vnet.address_spaces.push_back(prefix(space));
        config.vnets.push_back(std::move(vnet));
        return *this;
    }
    // One side of a peering (`from`'s view of `to`).
    Topology& peering(std::string_view from, std::string to, bool allow_gateway_transit, bool use_remote_gateways) {
        for (auto& vnet : config.vnets)
            if (vnet.name == from) {
                vnet.peerings.push_back(VnetPeeringConfig{std::move(to), allow_gateway_transit, use_remote_gateways});
                return *this;
            }
        throw std::invalid_argument("no VNet " + std::string(from));
    }
    // For tweaks (hop overrides, static routes ...) before the Network is built.
    NodeConfig& node(std::string_view name) {
        for (auto& node : config.nodes)
            if (node.name == name) return node;
        throw std::invalid_argument("no node " + std::string(name));
    }

    TopologyConfig config;

private:
    NodeConfig& add(std::string name, NodeKind kind, std::string role, const std::vector<std::string_view>& interfaces) {
        NodeConfig node;
        node.name = std::move(name);
        node.kind = kind;
        node.role = parse_role(role).value_or(kind == NodeKind::host ? Role::host : Role::none);
        for (const auto spec : interfaces) node.interfaces.push_back(interface(spec));
        config.nodes.push_back(std::move(node));
        return config.nodes.back();
    }
};

// The speakers' side, by hand: one FIB per speaker, each gateway's learned best paths,
// and what each gateway learned over each link (its source check).
class FakeRouting : public RoutingState {
public:
    explicit FakeRouting(const Network& network) : network_(network) {}

    // The speaker's FIB, made on first use with its interfaces and point-to-point peers.
    rib::Fib& speaker_fib(std::string_view name) {
        const auto node = index(name);
        auto& fib = fibs_[node];
        if (!fib) {
            fib = std::make_unique<rib::Fib>();
            for (const auto& i : network_.nodes()[node].interfaces) fib->set_interface(i.name, i.address, i.length);
            network_.program(node, *fib);
        }
        return *fib;
    }
    // An eBGP best path in a speaker's FIB.
    void bgp(std::string_view speaker, std::string_view to, std::vector<std::string_view> next_hops) {
        std::vector<bgp::IpAddress> gateways;
        for (const auto hop : next_hops) gateways.push_back(ip(hop));
        speaker_fib(speaker).set_bgp(prefix(to), true, std::move(gateways), "peer");
    }
    // After a link change, as the Emulation does for speakers.
    void reprogram(std::string_view name) { network_.program(index(name), speaker_fib(name)); }

    void learn(std::string_view gateway, std::string_view learned, std::uint32_t weight, std::size_t as_path_length) {
        learned_[index(gateway)].push_back(LearnedRoute{prefix(learned), weight, as_path_length, {}});
    }
    // A Route Server's best path, with the appliance that sent it as its next hop.
    void learn_via(std::string_view route_server, std::string_view learned, std::string_view next_hop, std::size_t as_path_length) {
        learned_[index(route_server)].push_back(LearnedRoute{prefix(learned), 0, as_path_length, ip(next_hop)});
    }
    // `learned` came to `gateway` over its one link with `peer`.
    void learn_over(std::string_view gateway, std::string_view peer, std::string_view learned) {
        const auto links = network_.links_between(index(gateway), index(peer));
        if (links.size() != 1) throw std::invalid_argument("want exactly one link between the gateway and its peer");
        over_[{index(gateway), links.front()}].push_back(prefix(learned));
    }

    [[nodiscard]] const rib::Fib* fib(std::size_t node) const override {
        const auto it = fibs_.find(node);
        return it == fibs_.end() ? nullptr : it->second.get();
    }
    void for_each_learned(std::size_t node, const std::function<void(const LearnedRoute&)>& fn) const override {
        if (const auto it = learned_.find(node); it != learned_.end())
            for (const auto& learned : it->second) fn(learned);
    }
    [[nodiscard]] bool learned_over(std::size_t node, std::size_t link, const bgp::IpAddress& address) const override {
        const auto it = over_.find({node, link});
        return it != over_.end() &&
               std::any_of(it->second.begin(), it->second.end(), [&](const bgp::Prefix& p) { return p.contains(address); });
    }

private:
    [[nodiscard]] std::size_t index(std::string_view name) const {
        const auto node = network_.find_node(name);
        if (!node) throw std::invalid_argument("no node " + std::string(name));
        return *node;
    }

    const Network& network_;
    std::map<std::size_t, std::unique_ptr<rib::Fib>> fibs_;
    std::map<std::size_t, std::vector<LearnedRoute>> learned_;
    std::map<std::pair<std::size_t, std::size_t>, std::vector<bgp::Prefix>> over_;
};

ProbeSource source_of(const Network& network, std::string_view name) {
    std::string error;
    const auto source = network.probe_source(name, std::nullopt, error);
    INFO("probe source " << name << ": " << error);
    REQUIRE(source);
    return *source;
}

bgp::IpAddress destination_of(const Network& network, std::string_view text) {
    std::string error;
    const auto destination = network.destination(text, error);
    INFO("destination " << text << ": " << error);
    REQUIRE(destination);
    return *destination;
}

std::vector<TracePath> trace_all(const Network& network, const RoutingState& state, std::string_view from,
                                 std::string_view to) {
    return network.trace(state, source_of(network, from), destination_of(network, to), true);
}

TracePath trace(const Network& network, const RoutingState& state, std::string_view from, std::string_view to) {
    auto paths = network.trace(state, source_of(network, from), destination_of(network, to), false);
    REQUIRE(paths.size() == 1);
    return std::move(paths.front());
}

PingResult ping(const Network& network, const RoutingState& state, std::string_view from, std::string_view to) {
    return network.ping(state, source_of(network, from), destination_of(network, to));
}

// A path's hops, "NODE ADDRESS" or "NODE *", in order.
std::vector<std::string> hops_of(const TracePath& path) {
    std::vector<std::string> hops;
    for (const auto& hop : path.hops) hops.push_back(hop.node + " " + (hop.address ? hop.address->to_string() : "*"));
    return hops;
}

std::string describe(const TracePath& path) {
    std::string text = std::string(verdict_name(path.forward.verdict)) + " at " + path.forward.node;
    if (!path.forward.reason.empty()) text += " (" + path.forward.reason + ")";
    for (const auto& hop : path.hops)
        text += "\n  " + std::to_string(hop.number) + " " + hop.node + " " +
                (hop.address ? hop.address->to_string() : "* " + hop.why_silent);
    return text;
}

using Hops = std::vector<std::string>;
using Names = std::vector<std::string>;

// host h1 - router r1 - router r2 - host h2, each router with a static route back.
//   h1 10.0.1.10/24 -- 10.0.1.1 r1 10.0.12.1/30 -- 10.0.12.2 r2 10.0.2.1/24 -- 10.0.2.10 h2
Topology chain() {
    Topology t;
    t.host("h1", "10.0.1.10/24", "10.0.1.1")
        .router("r1", {"lan=10.0.1.1/24", "core=10.0.12.1/30"}, {route("10.0.2.0/24", {"10.0.12.2"})})
        .router("r2", {"core=10.0.12.2/30", "lan=10.0.2.1/24"}, {route("10.0.1.0/24", {"10.0.12.1"})})
        .host("h2", "10.0.2.10/24", "10.0.2.1")
        .link("h1:eth0", "r1:lan", 0.5)
        .link("r1:core", "r2:core", 4)
        .link("r2:lan", "h2:eth0", 0.5);
    return t;
}

// On-premises LAN - CE router - MSEE (speaker) - ExpressRoute gateway of VNet "hub".
//   office 172.16.1.10 -- 172.16.1.1 ce 172.16.255.1/30 -- 172.16.255.2 msee 169.254.0.1/30
//   -- 169.254.0.2 gw (instances 10.1.255.4, 10.1.255.5) -- VNet hub 10.1.0.0/16 -- vm 10.1.0.4
Topology expressroute() {
    Topology t;
    t.vnet("hub", {"10.1.0.0/16"})
        .host("office", "172.16.1.10/24", "172.16.1.1")
        .router("ce", {"lan=172.16.1.1/24", "wan=172.16.255.1/30"}, {route("0.0.0.0/0", {"172.16.255.2"})})
        .speaker("msee", "msee", {"ce=172.16.255.2/30", "gw=169.254.0.1/30"})
        .gateway("gw", "er-gateway", "hub", {"10.1.255.4", "10.1.255.5"}, {"msee=169.254.0.2/30"})
        .vm("vm", "hub", "10.1.0.4")
        .link("office:eth0", "ce:lan")
        .link("ce:wan", "msee:ce", 1)
        .link("msee:gw", "gw:msee", 1);
    return t;
}

void route_expressroute(FakeRouting& state) {
    state.bgp("msee", "10.1.0.0/16", {"169.254.0.2"});
    state.bgp("msee", "172.16.0.0/16", {"172.16.255.1"});
    state.bgp("gw", "172.16.0.0/16", {"169.254.0.1"});
    state.learn("gw", "172.16.0.0/16", 0, 2);
    state.learn_over("gw", "msee", "172.16.0.0/16");
}

// A branch office over an IPsec tunnel (a /32 at each end) to the VPN gateway of "spoke".
//   office2 192.168.50.10 -- 192.168.50.1 edge 169.254.21.1/32 == tunnel == 169.254.21.2/32 vpngw
//   (instance 10.2.255.4) -- VNet spoke 10.2.0.0/16 -- vm2 10.2.0.4
Topology vpn() {
    Topology t;
    t.vnet("spoke", {"10.2.0.0/16"})
        .host("office2", "192.168.50.10/24", "192.168.50.1")
        .router("edge", {"lan=192.168.50.1/24", "tun=169.254.21.1/32"}, {route("10.2.0.0/16", {"169.254.21.2"})})
        .gateway("vpngw", "vpn-gateway", "spoke", {"10.2.255.4"}, {"tun=169.254.21.2/32"})
        .vm("vm2", "spoke", "10.2.0.4")
        .link("office2:eth0", "edge:lan")
        .link("edge:tun", "vpngw:tun", 10);
    return t;
}

void route_vpn(FakeRouting& state, bool learned_office_lan = true) {
    state.bgp("vpngw", "192.168.50.0/24", {"169.254.21.1"});
    state.learn("vpngw", "192.168.50.0/24", 0, 1);
    state.learn_over("vpngw", "edge", "169.254.21.1/32");
    if (learned_office_lan) state.learn_over("vpngw", "edge", "192.168.50.0/24");
}

// r1 has two equal static next hops, ra and rb, both on h2's LAN.
Topology ecmp() {
    Topology t;
    t.host("h1", "10.0.1.10/24", "10.0.1.1")
        .router("r1", {"lan=10.0.1.1/24", "a=10.0.12.1/30", "b=10.0.13.1/30"},
                {route("10.0.2.0/24", {"10.0.12.2", "10.0.13.2"})})
        .router("ra", {"up=10.0.12.2/30", "lan=10.0.2.1/24"}, {route("10.0.1.0/24", {"10.0.12.1"})})
        .router("rb", {"up=10.0.13.2/30", "lan=10.0.2.2/24"}, {route("10.0.1.0/24", {"10.0.13.1"})})
        .host("h2", "10.0.2.10/24", "10.0.2.1")
        .link("h1:eth0", "r1:lan")
        .link("r1:a", "ra:up")
        .link("r1:b", "rb:up")
        .link("ra:lan", "h2:eth0")
        .link("rb:lan", "h2:eth0");
    return t;
}

}  // namespace

// ---- The hop model ----------------------------------------------------------------------------

TEST_CASE("hop behaviours: parsing and names", "[dataplane][hop]") {
    CHECK(parse_hop_behaviour("answer") == HopBehaviour{HopStage::answer});
    CHECK(parse_hop_behaviour("silent") == HopBehaviour{HopStage::silent});
    CHECK(parse_hop_behaviour("answer+silent") == HopBehaviour{HopStage::answer, HopStage::silent});
    CHECK(parse_hop_behaviour("silent+answer+answer") == HopBehaviour{HopStage::silent, HopStage::answer, HopStage::answer});
    const auto transparent = parse_hop_behaviour("transparent");
    REQUIRE(transparent);
    CHECK(transparent->empty());

    for (const char* bad : {"", "loud", "Answer", "answer+", "+answer", "answer++silent", "answer silent",
                            "transparent+answer", "answer+transparent", "+"}) {
        INFO("'" << bad << "'");
        CHECK_FALSE(parse_hop_behaviour(bad));
    }

    for (const char* text : {"answer", "silent", "transparent", "answer+silent", "silent+answer+answer"}) {
        INFO(text);
        const auto parsed = parse_hop_behaviour(text);
        REQUIRE(parsed);
        CHECK(hop_behaviour_name(*parsed) == text);
    }
    CHECK(hop_behaviour_name({}) == "transparent");
}

TEST_CASE("a chain of routers: each hop answers from its ingress interface, the destination last", "[dataplane][trace]") {
    const Network network(chain().config);
    FakeRouting state(network);

    const auto forward = trace(network, state, "h1", "h2");
    INFO(describe(forward));
    CHECK(forward.forward.verdict == Verdict::delivered);
    CHECK(forward.forward.node == "h2");
    CHECK(forward.forward.nodes == Names{"h1", "r1", "r2", "h2"});
    CHECK(forward.forward.delay_ms == Approx(0.5 + 4 + 0.5));
    CHECK(hops_of(forward) == Hops{"r1 10.0.1.1", "r2 10.0.12.2", "h2 10.0.2.10"});
    REQUIRE(forward.hops.size() == 3);
    for (std::size_t i = 0; i < forward.hops.size(); ++i) {
        CHECK(forward.hops[i].number == i + 1);
        CHECK(forward.hops[i].why_silent.empty());
    }
    // Round trips add up the links' one-way delays, there and back.
    CHECK(forward.hops[0].rtt_ms == Approx(2 * 0.5));
    CHECK(forward.hops[1].rtt_ms == Approx(2 * 4.5));
    CHECK(forward.hops[2].rtt_ms == Approx(2 * 5.0));

    const auto back = trace(network, state, "h2", "h1");
    INFO(describe(back));
    CHECK(back.forward.verdict == Verdict::delivered);
    CHECK(hops_of(back) == Hops{"r2 10.0.2.1", "r1 10.0.12.1", "h1 10.0.1.10"});

    // By address as well as by name; the source's own address is delivered at once.
    CHECK(hops_of(network.trace(state, source_of(network, "h1"), ip("10.0.12.2"), false).at(0)) ==
          Hops{"r1 10.0.1.1", "r2 10.0.12.2"});
    const auto self = trace(network, state, "h1", "10.0.1.10");
    CHECK(self.forward.verdict == Verdict::delivered);
    CHECK(self.hops.empty());
}

TEST_CASE("a hop whose answer cannot route back shows as *", "[dataplane][trace]") {
    // r2 loses its route back to h1's LAN; h2 returns through a link of its own to r1,
    // so the destination still answers: the path is asymmetric.
    auto t = chain();
    t.node("r2").static_routes.clear();
    t.node("r1").interfaces.push_back(interface("back=10.0.21.1/30"));
    t.node("h2").interfaces.push_back(interface("back=10.0.21.2/30"));
    t.node("h2").static_routes.push_back(route("10.0.1.0/24", {"10.0.21.1"}));
    t.link("r1:back", "h2:back", 2);
    const Network network(t.config);
    FakeRouting state(network);

    const auto path = trace(network, state, "h1", "h2");
    INFO(describe(path));
    CHECK(path.forward.verdict == Verdict::delivered);
    CHECK(hops_of(path) == Hops{"r1 10.0.1.1", "r2 *", "h2 10.0.2.10"});
    REQUIRE(path.hops.size() == 3);
    const auto& lost = path.hops[1];
    CHECK_FALSE(lost.address);
    CHECK(lost.number == 2);
    CHECK(lost.why_silent.find("10.0.12.2") != std::string::npos);            // the answer's source
    CHECK(lost.why_silent.find("no route to 10.0.1.10 at r2") != std::string::npos);
    CHECK(path.hops[2].rtt_ms == Approx(5.0 + 2.5));  // back over r1:back--h2:back
}

TEST_CASE("hop overrides: a transparent interface removes a hop, a silent one gives *", "[dataplane][trace][hop]") {
    SECTION("transparent") {
        auto t = chain();
        t.node("r1").interface_hops["lan"] = *parse_hop_behaviour("transparent");
        const Network network(t.config);
        FakeRouting state(network);
        const auto path = trace(network, state, "h1", "h2");
        INFO(describe(path));
        CHECK(path.forward.verdict == Verdict::delivered);
        CHECK(hops_of(path) == Hops{"r2 10.0.12.2", "h2 10.0.2.10"});
        CHECK(path.hops.at(0).number == 1);
        // Only for packets arriving on that interface: from h2, r1 still answers.
        CHECK(hops_of(trace(network, state, "h2", "h1")) == Hops{"r2 10.0.2.1", "r1 10.0.12.1", "h1 10.0.1.10"});
    }
    SECTION("silent") {
        auto t = chain();
        t.node("r2").interface_hops["core"] = *parse_hop_behaviour("silent");
        const Network network(t.config);
        FakeRouting state(network);
        const auto path = trace(network, state, "h1", "h2");
        INFO(describe(path));
        CHECK(path.forward.verdict == Verdict::delivered);
        CHECK(hops_of(path) == Hops{"r1 10.0.1.1", "r2 *", "h2 10.0.2.10"});
        CHECK(path.hops.at(1).why_silent.find("silent") != std::string::npos);
    }
    SECTION("a node's hop applies to every ingress; an interface's own wins over it") {
        auto t = chain();
        t.node("r1").hop = *parse_hop_behaviour("answer+silent");
        t.node("r2").hop = *parse_hop_behaviour("silent");
        t.node("r2").interface_hops["core"] = *parse_hop_behaviour("answer");
        const Network network(t.config);
        FakeRouting state(network);
        const auto path = trace(network, state, "h1", "h2");
        INFO(describe(path));
        CHECK(hops_of(path) == Hops{"r1 10.0.1.1", "r1 *", "r2 10.0.12.2", "h2 10.0.2.10"});
        CHECK(hops_of(trace(network, state, "h2", "h1")) == Hops{"r2 *", "r1 10.0.12.1", "r1 *", "h1 10.0.1.10"});
    }
}

// ---- Azure roles ------------------------------------------------------------------------------

TEST_CASE("role defaults: MSEE and ExpressRoute gateway", "[dataplane][trace][roles]") {
    const Network network(expressroute().config);
    FakeRouting state(network);
    route_expressroute(state);

    const auto msee = *network.find_node("msee");
    const auto& interfaces = network.nodes()[msee].interfaces;
    REQUIRE(interfaces.size() == 2);
    CHECK(interfaces[0].hop == HopBehaviour{HopStage::answer});  // toward the CE
    CHECK(interfaces[1].hop.empty());                          // toward the gateway: transparent
    CHECK(network.nodes()[*network.find_node("gw")].gateway());

    SECTION("into the VNet: the MSEE answers, the gateway counts a silent hop") {
        const auto path = trace(network, state, "office", "vm");
        INFO(describe(path));
        CHECK(path.forward.verdict == Verdict::delivered);
        CHECK(path.forward.nodes == Names{"office", "ce", "msee", "gw", "vnet:hub", "vm"});
        CHECK(hops_of(path) == Hops{"ce 172.16.1.1", "msee 172.16.255.2", "gw *", "vm 10.1.0.4"});
        CHECK(path.hops.at(2).why_silent.find("silent") != std::string::npos);
    }
    SECTION("out of the VNet: the gateway answers from an instance, the MSEE is transparent") {
        const auto path = trace(network, state, "vm", "office");
        INFO(describe(path));
        CHECK(path.forward.verdict == Verdict::delivered);
        CHECK(path.forward.nodes == Names{"vm", "vnet:hub", "gw", "msee", "ce", "office"});
        REQUIRE(path.hops.size() == 3);
        CHECK(path.hops[0].node == "gw");
        REQUIRE(path.hops[0].address);
        CHECK((*path.hops[0].address == ip("10.1.255.4") || *path.hops[0].address == ip("10.1.255.5")));
        CHECK(hops_of(path)[1] == "ce 172.16.255.1");
        CHECK(hops_of(path)[2] == "office 172.16.1.10");
    }
    SECTION("an explicit vnet_hop wins over the role's default") {
        auto t = expressroute();
        t.node("gw").vnet_hop = *parse_hop_behaviour("silent");
        const Network overridden(t.config);
        FakeRouting routes(overridden);
        route_expressroute(routes);
        const auto path = trace(overridden, routes, "vm", "office");
        INFO(describe(path));
        CHECK(hops_of(path) == Hops{"gw *", "ce 172.16.255.1", "office 172.16.1.10"});
    }
}

TEST_CASE("role defaults: a VPN gateway is two hops from its VNet, none from its tunnel", "[dataplane][trace][roles]") {
    const Network network(vpn().config);
    FakeRouting state(network);
    route_vpn(state);

    const auto out = trace(network, state, "vm2", "office2");
    INFO(describe(out));
    CHECK(out.forward.verdict == Verdict::delivered);
    CHECK(hops_of(out) == Hops{"vpngw 10.2.255.4", "vpngw *", "edge 169.254.21.1", "office2 192.168.50.10"});
    CHECK(out.hops.at(1).why_silent.find("silent") != std::string::npos);
    CHECK(out.hops.at(3).rtt_ms == Approx(2 * 10.0));

    const auto in = trace(network, state, "office2", "vm2");
    INFO(describe(in));
    CHECK(in.forward.verdict == Verdict::delivered);
    CHECK(in.forward.nodes == Names{"office2", "edge", "vpngw", "vnet:spoke", "vm2"});
    CHECK(hops_of(in) == Hops{"edge 192.168.50.1", "vm2 10.2.0.4"});
}

TEST_CASE("a gateway drops packets from a connection whose source it did not learn there", "[dataplane][trace][roles]") {
    SECTION("source check on (the default)") {
        const Network network(vpn().config);
        FakeRouting state(network);
        route_vpn(state, /*learned_office_lan=*/false);
        const auto path = trace(network, state, "office2", "vm2");
        INFO(describe(path));
        CHECK(path.forward.verdict == Verdict::dropped);
        CHECK(path.forward.node == "vpngw");
        CHECK(path.forward.reason.find("source 192.168.50.10") != std::string::npos);
        CHECK(path.forward.reason.find("vpngw") != std::string::npos);
        CHECK(hops_of(path) == Hops{"edge 192.168.50.1"});  // dropped on arrival: no hop there
        CHECK_FALSE(ping(network, state, "office2", "vm2").reachable());
        // The tunnel address was learned over the link: the edge router's own probe passes.
        std::string error;
        const auto tunnel_end = network.probe_source("edge", ip("169.254.21.1"), error);
        REQUIRE(tunnel_end);
        CHECK(network.trace(state, *tunnel_end, ip("10.2.0.4"), false).at(0).forward.verdict == Verdict::delivered);
    }
    SECTION("source_check: false") {
        auto t = vpn();
        t.node("vpngw").source_check = false;
        const Network network(t.config);
        FakeRouting state(network);
        route_vpn(state, /*learned_office_lan=*/false);
        const auto path = trace(network, state, "office2", "vm2");
        INFO(describe(path));
        CHECK(path.forward.verdict == Verdict::delivered);
        CHECK(ping(network, state, "office2", "vm2").reachable());
    }
}

TEST_CASE("a VPN gateway transits between its site-to-site peers; an ExpressRoute one does not", "[dataplane][trace][roles]") {
    // A second site, edge2 with office3, on the gateway's same tunnel interface.
    auto t = vpn();
    t.node("edge").static_routes.push_back(route("192.168.60.0/24", {"169.254.21.2"}));
    t.host("office3", "192.168.60.10/24", "192.168.60.1")
        .router("edge2", {"lan=192.168.60.1/24", "tun=169.254.22.1/32"},
                {route("10.2.0.0/16", {"169.254.21.2"}), route("192.168.50.0/24", {"169.254.21.2"})})
        .link("office3:eth0", "edge2:lan")
        .link("edge2:tun", "vpngw:tun", 7);
    const auto route_both = [](FakeRouting& state) {
        route_vpn(state);
        state.bgp("vpngw", "192.168.60.0/24", {"169.254.22.1"});
        state.learn("vpngw", "192.168.60.0/24", 0, 1);
        state.learn_over("vpngw", "edge2", "169.254.22.1/32");
        state.learn_over("vpngw", "edge2", "192.168.60.0/24");
    };

    SECTION("transit (a VPN gateway's default)") {
        const Network network(t.config);
        FakeRouting state(network);
        route_both(state);
        // Both tunnels end on one interface: each far end gets its host route.
        const std::vector<bgp::IpAddress> peers = state.speaker_fib("vpngw").peers("tun");
        CHECK(std::set<bgp::IpAddress>(peers.begin(), peers.end()) ==
              std::set<bgp::IpAddress>{ip("169.254.21.1"), ip("169.254.22.1")});
        const auto path = trace(network, state, "office2", "office3");
        INFO(describe(path));
        CHECK(path.forward.verdict == Verdict::delivered);
        CHECK(path.forward.nodes == Names{"office2", "edge", "vpngw", "edge2", "office3"});
        CHECK(hops_of(path) == Hops{"edge 192.168.50.1", "edge2 169.254.22.1", "office3 192.168.60.10"});
        CHECK(path.forward.delay_ms == Approx(10 + 7));
        CHECK(ping(network, state, "office3", "office2").reachable());
        // The VNet still goes to either site.
        CHECK(ping(network, state, "vm2", "office3").reachable());
    }
    SECTION("transit: false") {
        t.node("vpngw").transit = false;
        const Network network(t.config);
        FakeRouting state(network);
        route_both(state);
        const auto path = trace(network, state, "office2", "office3");
        INFO(describe(path));
        // Into the VNet, whose routes from a gateway never lead back to a gateway.
        CHECK(path.forward.verdict == Verdict::unreachable);
        CHECK(path.forward.nodes == Names{"office2", "edge", "vpngw", "vnet:spoke"});
        CHECK(path.forward.reason.find("no effective route to 192.168.60.10 in VNet spoke") != std::string::npos);
        CHECK(ping(network, state, "vm2", "office3").reachable());
    }
}

TEST_CASE("a gateway with no address to answer from shows *, never the prober's address", "[dataplane][trace][roles]") {
    // A VPN gateway given neither vnet_addresses nor interfaces (the config allows it).
    Topology t;
    t.vnet("side", {"10.30.0.0/16"}).gateway("sgw", "vpn-gateway", "side", {}).vm("side-vm", "side", "10.30.0.4");
    const Network network(t.config);
    FakeRouting state(network);
    state.learn("sgw", "192.168.0.0/16", 0, 1);
    const auto path = trace(network, state, "side-vm", "192.168.1.1");
    INFO(describe(path));
    CHECK(path.forward.nodes == Names{"side-vm", "vnet:side", "sgw"});
    CHECK(path.forward.verdict == Verdict::unreachable);  // no FIB: nothing beyond
    CHECK(hops_of(path) == Hops{"sgw *", "sgw *"});
    REQUIRE(path.hops.size() == 2);
    CHECK(path.hops[0].why_silent.find("no address") != std::string::npos);
    for (const auto& hop : path.hops) CHECK_FALSE(hop.address == ip("10.30.0.4"));

    // With an interface, it answers from that.
    t.node("sgw").interfaces.push_back(interface("tun=169.254.30.1/32"));
    const Network with_interface(t.config);
    FakeRouting routes(with_interface);
    routes.learn("sgw", "192.168.0.0/16", 0, 1);
    CHECK(hops_of(trace(with_interface, routes, "side-vm", "192.168.1.1")) == Hops{"sgw 169.254.30.1", "sgw *"});
}

// ---- VNet effective routes --------------------------------------------------------------------

namespace {

// hub 10.10/16 with gateways er1, er2 (ExpressRoute) and vpn1; spoke uses the hub's
// gateways (both sides agree), other asks for them but the hub does not allow it, third
// is allowed but does not ask.
Topology vnets() {
    Topology t;
    t.vnet("hub", {"10.10.0.0/16"})
        .vnet("spoke", {"10.20.0.0/16"})
        .vnet("other", {"10.30.0.0/16"})
        .vnet("third", {"10.40.0.0/16"})
        .peering("hub", "spoke", true, false)
        .peering("spoke", "hub", false, true)
        .peering("hub", "other", false, false)
        .peering("other", "hub", false, true)
        .peering("hub", "third", true, false)
        .peering("third", "hub", false, false)
        .gateway("er1", "er-gateway", "hub", {"10.10.255.4"})
        .gateway("er2", "er-gateway", "hub", {"10.10.255.5"})
        .gateway("vpn1", "vpn-gateway", "hub", {"10.10.254.4"})
        .vm("hub-vm", "hub", "10.10.0.4");
    return t;
}

void learn_vnet_routes(FakeRouting& state) {
    state.learn("er1", "192.168.0.0/16", 0, 3);  // ExpressRoute with a longer AS path ...
    state.learn("vpn1", "192.168.0.0/16", 0, 1);  // ... still beats VPN
    state.learn("vpn1", "192.169.0.0/16", 0, 1);  // VPN only
    state.learn("er1", "172.16.0.0/16", 100, 5);  // the higher weight wins
    state.learn("er2", "172.16.0.0/16", 0, 1);
    state.learn("er1", "172.17.0.0/16", 0, 2);  // then the shorter AS path
    state.learn("er2", "172.17.0.0/16", 0, 4);
    state.learn("er1", "172.18.0.0/16", 0, 2);  // a tie: ECMP
    state.learn("er2", "172.18.0.0/16", 0, 2);
    state.learn("er1", "10.10.5.0/24", 0, 1);  // inside the hub's own space
    state.learn("er2", "10.20.8.0/24", 0, 1);  // inside the spoke's
}

std::vector<const EffectiveRoute*> rows_of(const std::vector<EffectiveRoute>& routes, std::string_view to) {
    std::vector<const EffectiveRoute*> rows;
    for (const auto& row : routes)
        if (row.prefix == prefix(to)) rows.push_back(&row);
    return rows;
}

const EffectiveRoute& row_of(const std::vector<EffectiveRoute>& routes, std::string_view to) {
    const auto rows = rows_of(routes, to);
    INFO(to);
    REQUIRE(rows.size() == 1);
    return *rows.front();
}

std::size_t gateway_rows(const std::vector<EffectiveRoute>& routes) {
    return static_cast<std::size_t>(std::count_if(routes.begin(), routes.end(),
                                                  [](const auto& r) { return r.next_hop_type == NextHopType::gateway; }));
}

}  // namespace

TEST_CASE("VNet effective routes: system routes, ExpressRoute over VPN, weight, AS path, ECMP", "[dataplane][vnet]") {
    const Network network(vnets().config);
    FakeRouting state(network);
    learn_vnet_routes(state);
    const auto node = [&](const char* name) { return *network.find_node(name); };
    const auto routes = network.effective_routes(*network.find_vnet("hub"), state);
    CHECK(std::is_sorted(routes.begin(), routes.end(), [](const auto& a, const auto& b) { return a.prefix < b.prefix; }));

    const auto& own = row_of(routes, "10.10.0.0/16");
    CHECK(own.next_hop_type == NextHopType::vnet_local);
    CHECK(own.active);
    CHECK(std::string(own.source_name()) == "Default");
    CHECK(std::string(own.next_hop_type_name()) == "VnetLocal");
    for (const auto& [space, peer] : {std::pair{"10.20.0.0/16", "spoke"}, {"10.30.0.0/16", "other"}, {"10.40.0.0/16", "third"}}) {
        const auto& row = row_of(routes, space);
        CHECK(row.next_hop_type == NextHopType::vnet_peering);
        CHECK(row.peer_vnet == peer);
        CHECK(std::string(row.next_hop_type_name()) == "VNetPeering");
    }

    const auto& er_over_vpn = row_of(routes, "192.168.0.0/16");
    CHECK(er_over_vpn.next_hop_type == NextHopType::gateway);
    CHECK(std::string(er_over_vpn.source_name()) == "VirtualNetworkGateway");
    CHECK(std::string(er_over_vpn.next_hop_type_name()) == "VirtualNetworkGateway");
    CHECK(er_over_vpn.active);
    CHECK(er_over_vpn.express_route);
    CHECK(er_over_vpn.as_path_length == 3);
    CHECK(er_over_vpn.gateways == std::vector<std::size_t>{node("er1")});

    const auto& vpn_only = row_of(routes, "192.169.0.0/16");
    CHECK_FALSE(vpn_only.express_route);
    CHECK(vpn_only.gateways == std::vector<std::size_t>{node("vpn1")});

    const auto& by_weight = row_of(routes, "172.16.0.0/16");
    CHECK(by_weight.gateways == std::vector<std::size_t>{node("er1")});
    CHECK(by_weight.weight == 100);
    CHECK(by_weight.as_path_length == 5);

    const auto& by_as_path = row_of(routes, "172.17.0.0/16");
    CHECK(by_as_path.gateways == std::vector<std::size_t>{node("er1")});
    CHECK(by_as_path.as_path_length == 2);

    const auto& ecmp = row_of(routes, "172.18.0.0/16");
    CHECK(std::set<std::size_t>(ecmp.gateways.begin(), ecmp.gateways.end()) == std::set<std::size_t>{node("er1"), node("er2")});
    CHECK(ecmp.gateways.size() == 2);
    CHECK(ecmp.active);

    const auto& inside_own = row_of(routes, "10.10.5.0/24");
    CHECK_FALSE(inside_own.active);
    CHECK(inside_own.note.find("10.10.0.0/16") != std::string::npos);
    const auto& inside_peer = row_of(routes, "10.20.8.0/24");
    CHECK_FALSE(inside_peer.active);
    CHECK(inside_peer.note.find("10.20.0.0/16") != std::string::npos);
    for (const auto& row : routes)
        if (row.active) CHECK(row.note.empty());

    // The VNet forwards by them: a VM in the hub reaches 192.168.1.1 through er1. (No
    // route on er1 beyond: unreachable there, but past the VNet.)
    const auto path = trace(network, state, "hub-vm", "192.168.1.1");
    INFO(describe(path));
    CHECK(path.forward.nodes == Names{"hub-vm", "vnet:hub", "er1"});
    CHECK(path.forward.verdict == Verdict::unreachable);
}

TEST_CASE("VNet effective routes: gateway transit needs use_remote_gateways and allow_gateway_transit", "[dataplane][vnet]") {
    const Network network(vnets().config);
    FakeRouting state(network);
    learn_vnet_routes(state);

    const auto spoke = network.effective_routes(*network.find_vnet("spoke"), state);
    CHECK(row_of(spoke, "10.20.0.0/16").next_hop_type == NextHopType::vnet_local);
    CHECK(row_of(spoke, "10.10.0.0/16").next_hop_type == NextHopType::vnet_peering);
    CHECK(row_of(spoke, "10.10.0.0/16").peer_vnet == "hub");
    CHECK(rows_of(spoke, "10.30.0.0/16").empty());  // peering is not transitive
    const auto& via_hub = row_of(spoke, "192.168.0.0/16");
    CHECK(via_hub.next_hop_type == NextHopType::gateway);
    CHECK(via_hub.gateways == std::vector<std::size_t>{*network.find_node("er1")});
    const auto& inside = row_of(spoke, "10.20.8.0/24");  // the spoke's own space now
    CHECK_FALSE(inside.active);
    CHECK(inside.note.find("10.20.0.0/16") != std::string::npos);
    CHECK(gateway_rows(spoke) == gateway_rows(network.effective_routes(*network.find_vnet("hub"), state)));

    // use_remote_gateways without the hub's allow_gateway_transit, and the other way round.
    const auto other = network.effective_routes(*network.find_vnet("other"), state);
    CHECK(gateway_rows(other) == 0);
    CHECK(row_of(other, "10.10.0.0/16").next_hop_type == NextHopType::vnet_peering);
    const auto third = network.effective_routes(*network.find_vnet("third"), state);
    CHECK(gateway_rows(third) == 0);
    CHECK(third.size() == 2);  // own space and the hub's
}

TEST_CASE("user-defined routes: over a gateway's and a system route of the same prefix, LPM first, propagation off", "[dataplane][vnet][udr]") {
    auto t = vnets();
    t.appliance("nva", "hub", "10.10.1.4")
        .route_table("rt", {"192.168.0.0/16 VirtualAppliance 10.10.1.4", "10.20.0.0/16 None", "10.10.9.0/24 Internet",
                            "10.50.0.0/16 VnetLocal"})
        .route_table("quiet", {}, true);
    const Network network(t.config);
    FakeRouting state(network);
    learn_vnet_routes(state);
    const auto hub = *network.find_vnet("hub");
    const auto table = [&](const char* name) -> std::optional<std::size_t> {
        for (std::size_t i = 0; i < network.route_tables().size(); ++i)
            if (network.route_tables()[i].name == name) return i;
        FAIL("no route table " << name);
        return std::nullopt;
    };
    const auto routes = network.effective_routes(hub, state, table("rt"));
    // The same prefix: the user's route wins over the gateway's and over a system route.
    const auto to_onprem = rows_of(routes, "192.168.0.0/16");
    REQUIRE(to_onprem.size() == 2);
    for (const auto* row : to_onprem) {
        if (row->source == EffectiveRoute::Source::user) {
            CHECK(row->active);
            CHECK(row->next_hop_type == NextHopType::virtual_appliance);
            CHECK(row->next_hop_address == ip("10.10.1.4"));
            CHECK(row->route_name == "rt/192.168.0.0/16");
            CHECK(std::string(row->source_name()) == "User");
            CHECK(std::string(row->next_hop_type_name()) == "VirtualAppliance");
        } else {
            CHECK(row->source == EffectiveRoute::Source::gateway);
            CHECK_FALSE(row->active);
            CHECK(row->note.find("rt/192.168.0.0/16") != std::string::npos);
        }
    }
    const auto to_spoke = rows_of(routes, "10.20.0.0/16");
    REQUIRE(to_spoke.size() == 2);
    CHECK(std::count_if(to_spoke.begin(), to_spoke.end(), [](const auto* r) { return r->active; }) == 1);
    CHECK(std::any_of(to_spoke.begin(), to_spoke.end(), [](const auto* r) {
        return r->active && r->next_hop_type == NextHopType::none;
    }));
    // Inside the VNet's own space a user route is a longer match, and stays active; a
    // gateway's route there does not (the system route's exception).
    CHECK(row_of(routes, "10.10.9.0/24").active);
    CHECK_FALSE(row_of(routes, "10.10.5.0/24").active);
    CHECK(row_of(routes, "10.50.0.0/16").next_hop_type == NextHopType::vnet_local);
    // A prefix no user route names keeps its gateway route.
    CHECK(row_of(routes, "172.16.0.0/16").active);
    // Propagation off: no gateway routes at all.
    CHECK(gateway_rows(network.effective_routes(hub, state, table("quiet"))) == 0);
}

// A hub with an appliance and a VPN gateway; the spoke uses the hub's gateways; on-premises
// 192.168.0.0/16 comes over the VPN gateway's tunnel from a CE.
Topology appliance_hub() {
    Topology t;
    t.vnet("hub", {"10.10.0.0/16"})
        .vnet("spoke", {"10.20.0.0/16"})
        .peering("hub", "spoke", true, false)
        .peering("spoke", "hub", false, true)
        .gateway("vpngw", "vpn-gateway", "hub", {"10.10.255.4"}, {"tun=10.10.255.30/32"})
        .speaker("ce", "ce", {"tun=192.168.0.254/32", "lan=192.168.1.1/24"})
        .host("pc", "192.168.1.10/24", "192.168.1.1")
        .link("vpngw:tun", "ce:tun")
        .link("pc:eth0", "ce:lan")
        .appliance("nva", "hub", "10.10.1.4")
        .vm("hub-vm", "hub", "10.10.0.4")
        .vm("spoke-vm", "spoke", "10.20.0.4");
    return t;
}

void route_appliance_hub(FakeRouting& state) {
    state.bgp("vpngw", "192.168.0.0/16", {"192.168.0.254"});
    state.learn("vpngw", "192.168.0.0/16", 0, 1);
    state.learn_over("vpngw", "ce", "192.168.0.0/16");
    state.bgp("ce", "10.0.0.0/8", {"10.10.255.30"});
}

TEST_CASE("an appliance in the hub: user routes send the spoke's and the gateway's traffic through it", "[dataplane][trace][udr]") {
    auto t = appliance_hub();
    t.route_table("spoke-rt", {"192.168.0.0/16 VirtualAppliance 10.10.1.4", "10.99.0.0/16 None", "10.98.0.0/16 Internet",
                               "10.97.0.0/16 VirtualAppliance 10.10.1.99"})
        .route_table("gw-rt", {"10.20.0.0/16 VirtualAppliance 10.10.1.4"});
    t.vnet_named("spoke").route_table = "spoke-rt";
    t.vnet_named("hub").gateway_route_table = "gw-rt";
    const Network network(t.config);
    FakeRouting state(network);
    route_appliance_hub(state);

    // Out: the spoke's route table sends it to the appliance, which sends it into the
    // hub, whose system and gateway routes take it to the VPN gateway.
    const auto out = trace(network, state, "spoke-vm", "pc");
    INFO(describe(out));
    CHECK(out.forward.verdict == Verdict::delivered);
    CHECK(hops_of(out) == Hops{"nva 10.10.1.4", "vpngw 10.10.255.4", "vpngw *", "ce 192.168.0.254", "pc 192.168.1.10"});
    // Back: the GatewaySubnet's route table sends it to the appliance too, which hands
    // it over the peering.
    const auto back = trace(network, state, "pc", "spoke-vm");
    INFO(describe(back));
    CHECK(back.forward.verdict == Verdict::delivered);
    CHECK(hops_of(back) == Hops{"ce 192.168.1.1", "nva 10.10.1.4", "spoke-vm 10.20.0.4"});
    // The hub's own VMs have no route table: straight over the peering, both ways.
    CHECK(hops_of(trace(network, state, "hub-vm", "spoke-vm")) == Hops{"spoke-vm 10.20.0.4"});

    const auto none = trace(network, state, "spoke-vm", "10.99.0.1");
    CHECK(none.forward.verdict == Verdict::dropped);
    CHECK(none.forward.reason.find("spoke-rt/10.99.0.0/16") != std::string::npos);
    CHECK(none.forward.reason.find("None") != std::string::npos);
    const auto internet = trace(network, state, "spoke-vm", "10.98.0.1");
    CHECK(internet.forward.verdict == Verdict::unreachable);
    CHECK(internet.forward.reason.find("Internet") != std::string::npos);
    const auto nobody = trace(network, state, "spoke-vm", "10.97.0.1");
    CHECK(nobody.forward.verdict == Verdict::unreachable);
    CHECK(nobody.forward.reason.find("10.10.1.99") != std::string::npos);
}

TEST_CASE("user routes: a host's own table, an appliance that routes to itself, a route to the VPN gateway", "[dataplane][trace][udr]") {
    auto t = appliance_hub();
    t.route_table("vm-rt", {"10.20.0.0/16 VirtualAppliance 10.10.1.4"})
        .route_table("nva-rt", {"0.0.0.0/0 VirtualAppliance 10.10.1.4", "10.20.0.0/16 VirtualAppliance 10.10.1.4"})
        .route_table("to-gateway", {"10.20.0.0/16 VirtualNetworkGateway"});
    t.node("hub-vm").route_table = "vm-rt";
    SECTION("the VM's table applies to it alone; the appliance without one forwards over the peering") {
        const Network network(t.config);
        FakeRouting state(network);
        route_appliance_hub(state);
        CHECK(hops_of(trace(network, state, "hub-vm", "spoke-vm")) == Hops{"nva 10.10.1.4", "spoke-vm 10.20.0.4"});
        CHECK(hops_of(trace(network, state, "spoke-vm", "hub-vm")) == Hops{"hub-vm 10.10.0.4"});
    }
    SECTION("an appliance whose own subnet routes to itself loops (a default route would not: the peering's system route is longer)") {
        t.node("nva").route_table = "nva-rt";
        const Network network(t.config);
        FakeRouting state(network);
        route_appliance_hub(state);
        const auto path = trace(network, state, "hub-vm", "spoke-vm");
        INFO(describe(path));
        CHECK(path.forward.verdict == Verdict::loop);
    }
    SECTION("next hop type VirtualNetworkGateway: the VPN gateway") {
        t.node("hub-vm").route_table = "to-gateway";
        const Network network(t.config);
        FakeRouting state(network);
        route_appliance_hub(state);
        const auto path = trace(network, state, "hub-vm", "spoke-vm");
        INFO(describe(path));
        CHECK(path.forward.nodes.at(2) == "vpngw");
        CHECK(network.route_table_of(*network.find_node("hub-vm")).has_value());
        CHECK_FALSE(network.route_table_of(*network.find_node("spoke-vm")).has_value());
    }
}

TEST_CASE("a Route Server programs what its appliances send into its VNet and the spokes, ExpressRoute first", "[dataplane][vnet][route-server]") {
    auto t = vnets();
    t.gateway("rs", "route-server", "hub", {"10.10.2.4"});
    t.speaker("sdwan", "", {"tun=10.99.0.1/30"});
    t.node("sdwan").vnet = "hub";
    t.node("sdwan").vnet_addresses = {ip("10.10.1.4")};
    t.router("branch", {"tun=10.99.0.2/30", "lan=192.170.0.1/24"}, {route("0.0.0.0/0", {"10.99.0.1"})})
        .host("branch-pc", "192.170.0.10/24", "192.170.0.1")
        .link("sdwan:tun", "branch:tun")
        .link("branch-pc:eth0", "branch:lan");
    const Network network(t.config);
    FakeRouting state(network);
    learn_vnet_routes(state);
    state.learn_via("rs", "192.170.0.0/24", "10.10.1.4", 1);  // the branch, behind the appliance
    state.learn_via("rs", "192.168.0.0/16", "10.10.1.4", 1);  // also over ExpressRoute: that wins
    state.learn_via("rs", "192.171.0.0/16", "10.10.77.7", 1);  // a next hop no appliance has
    state.speaker_fib("sdwan").set_static(prefix("192.170.0.0/24"), {ip("10.99.0.2")}, false);
    const auto sdwan = *network.find_node("sdwan");
    CHECK(network.nodes()[sdwan].appliance());
    CHECK_FALSE(network.nodes()[sdwan].gateway());
    CHECK(network.nodes()[*network.find_node("rs")].route_server());

    for (const char* name : {"hub", "spoke"}) {
        INFO(name);
        const auto routes = network.effective_routes(*network.find_vnet(name), state);
        const auto& branch = row_of(routes, "192.170.0.0/24");
        CHECK(branch.active);
        CHECK(branch.source == EffectiveRoute::Source::gateway);
        CHECK(branch.route_server);
        CHECK(branch.gateways == std::vector<std::size_t>{sdwan});
        const auto& onprem = row_of(routes, "192.168.0.0/16");
        CHECK(onprem.express_route);
        CHECK_FALSE(onprem.route_server);
        CHECK(rows_of(routes, "192.171.0.0/16").empty());
    }
    // "other" does not use the hub's gateways, so not its Route Server either.
    CHECK(rows_of(network.effective_routes(*network.find_vnet("other"), state), "192.170.0.0/24").empty());

    // The appliance forwards by its own table, and sends the way back into its VNet.
    const auto there = trace(network, state, "hub-vm", "branch-pc");
    INFO(describe(there));
    CHECK(there.forward.verdict == Verdict::delivered);
    CHECK(hops_of(there) == Hops{"sdwan 10.10.1.4", "branch 10.99.0.2", "branch-pc 192.170.0.10"});
    const auto back = trace(network, state, "branch-pc", "hub-vm");
    INFO(describe(back));
    CHECK(back.forward.verdict == Verdict::delivered);
    CHECK(std::find(back.forward.nodes.begin(), back.forward.nodes.end(), "rs") == back.forward.nodes.end());
}

TEST_CASE("a Route Server's routing preference decides between ExpressRoute and VPN once branch-to-branch is on", "[dataplane][vnet][route-server]") {
    const auto winner = [](bool branch_to_branch, RoutingPreference preference, const char* to) {
        auto t = vnets();
        t.gateway("rs", "route-server", "hub", {"10.10.2.4"});
        t.node("rs").branch_to_branch = branch_to_branch;
        t.node("rs").routing_preference = preference;
        const Network network(t.config);
        FakeRouting state(network);
        learn_vnet_routes(state);
        const auto routes = network.effective_routes(*network.find_vnet("hub"), state);
        const auto& row = row_of(routes, to);
        std::set<std::string> names;
        for (const auto g : row.gateways) names.insert(network.nodes()[g].name);
        return names;
    };
    using P = RoutingPreference;
    const std::set<std::string> er1{"er1"}, vpn1{"vpn1"};
    // 192.168.0.0/16: ExpressRoute with AS path 3, VPN with 1.
    CHECK(winner(false, P::vpn_gateway, "192.168.0.0/16") == er1);  // off: the preference does nothing
    CHECK(winner(true, P::express_route, "192.168.0.0/16") == er1);
    CHECK(winner(true, P::vpn_gateway, "192.168.0.0/16") == vpn1);
    CHECK(winner(true, P::as_path, "192.168.0.0/16") == vpn1);
    // 172.17.0.0/16: ExpressRoute only, the shorter AS path of two.
    CHECK(winner(true, P::as_path, "172.17.0.0/16") == er1);
    CHECK(std::string(routing_preference_name(P::as_path)) == "ASPath");
    CHECK(parse_routing_preference("VpnGateway") == P::vpn_gateway);
    CHECK_FALSE(parse_routing_preference("vpn"));
}

TEST_CASE("branch-to-branch lets traffic from one gateway pass the VNet to another", "[dataplane][trace][route-server]") {
    const auto build = [](bool branch_to_branch) {
        auto t = appliance_hub();
        t.gateway("ergw", "er-gateway", "hub", {"10.10.255.5"}, {"msee=169.254.0.2/30"})
            .speaker("msee", "msee", {"gw=169.254.0.1/30", "ce=172.16.0.2/30"})
            .speaker("ce2", "ce", {"msee=172.16.0.1/30", "lan=172.20.0.1/24"})
            .host("pc2", "172.20.0.10/24", "172.20.0.1")
            .link("ergw:msee", "msee:gw")
            .link("msee:ce", "ce2:msee")
            .link("pc2:eth0", "ce2:lan")
            .gateway("rs", "route-server", "hub", {"10.10.2.4"});
        t.node("rs").branch_to_branch = branch_to_branch;
        return t;
    };
    for (const bool on : {false, true}) {
        INFO("branch-to-branch " << on);
        const Network network(build(on).config);
        FakeRouting state(network);
        route_appliance_hub(state);
        state.learn("ergw", "172.20.0.0/24", 0, 2);
        state.bgp("ergw", "172.20.0.0/24", {"169.254.0.1"});
        state.bgp("msee", "172.20.0.0/24", {"172.16.0.1"});
        state.bgp("msee", "192.168.0.0/16", {"169.254.0.2"});
        state.bgp("ce2", "0.0.0.0/0", {"172.16.0.2"});
        state.bgp("ce", "172.20.0.0/24", {"10.10.255.30"});
        state.bgp("ergw", "192.168.0.0/16", {"10.10.255.4"});  // unresolved there: the VNet decides
        state.learn_over("vpngw", "ce", "192.168.0.0/16");
        // From the VPN site to the ExpressRoute site: VPN gateway, VNet, ExpressRoute gateway.
        const auto path = trace(network, state, "pc", "pc2");
        INFO(describe(path));
        CHECK((path.forward.verdict == Verdict::delivered) == on);
        if (!on) CHECK(path.forward.reason.find("no effective route") != std::string::npos);
    }
}

// ---- How a walk ends --------------------------------------------------------------------------

TEST_CASE("walks that fail: no route, a blackhole, a forwarding loop", "[dataplane][trace]") {
    SECTION("no route at a node") {
        const Network network(chain().config);
        FakeRouting state(network);
        const auto path = trace(network, state, "h1", "10.99.0.1");
        INFO(describe(path));
        CHECK(path.forward.verdict == Verdict::unreachable);
        CHECK(path.forward.node == "r1");
        CHECK(path.forward.reason.find("10.99.0.1") != std::string::npos);
        CHECK(path.forward.reason.find("r1") != std::string::npos);
        CHECK(hops_of(path) == Hops{"r1 10.0.1.1"});  // r1 still counts the hop it is
        const auto result = ping(network, state, "h1", "10.99.0.1");
        CHECK(result.forward.verdict == Verdict::unreachable);
        CHECK_FALSE(result.back);
        CHECK_FALSE(result.reachable());
    }
    SECTION("a blackhole static route") {
        auto t = chain();
        t.node("r1").static_routes.push_back(blackhole("10.66.0.0/16"));
        const Network network(t.config);
        FakeRouting state(network);
        const auto path = trace(network, state, "h1", "10.66.1.1");
        INFO(describe(path));
        CHECK(path.forward.verdict == Verdict::dropped);
        CHECK(path.forward.node == "r1");
        CHECK(path.forward.reason.find("blackhole") != std::string::npos);
        CHECK(path.forward.reason.find("10.66.0.0/16") != std::string::npos);
        CHECK(path.hops.empty());  // dropped on arrival: the probe never expires at r1
    }
    SECTION("two routers with default routes at each other") {
        auto t = chain();
        t.node("r1").static_routes.push_back(route("0.0.0.0/0", {"10.0.12.2"}));
        t.node("r2").static_routes.push_back(route("0.0.0.0/0", {"10.0.12.1"}));
        const Network network(t.config);
        FakeRouting state(network);
        const auto path = trace(network, state, "h1", "10.77.0.1");
        INFO(describe(path));
        CHECK(path.forward.verdict == Verdict::loop);
        CHECK(path.forward.reason.find("loop") != std::string::npos);
        const auto& nodes = path.forward.nodes;
        CHECK(std::count(nodes.begin(), nodes.end(), "r1") >= 2);
        CHECK(std::count(nodes.begin(), nodes.end(), "r2") >= 1);
        CHECK(nodes.size() < 10);  // caught on the first repeat, not by the step limit
        // Destinations they do route are unaffected.
        CHECK(trace(network, state, "h1", "h2").forward.verdict == Verdict::delivered);
    }
}

TEST_CASE("a next hop no far end owns goes over the interface's only link", "[dataplane][trace]") {
    // h2's gateway is a virtual address (VRRP style) that no interface has.
    SECTION("one link: taken") {
        auto t = chain();
        t.node("h2").static_routes = {route("0.0.0.0/0", {"10.0.2.254"})};
        const Network network(t.config);
        FakeRouting state(network);
        const auto path = trace(network, state, "h2", "h1");
        INFO(describe(path));
        CHECK(path.forward.verdict == Verdict::delivered);
        CHECK(path.forward.nodes == Names{"h2", "r2", "r1", "h1"});
    }
    SECTION("several links: no way to choose") {
        auto t = ecmp();
        t.node("h2").static_routes = {route("0.0.0.0/0", {"10.0.2.254"})};
        const Network network(t.config);
        FakeRouting state(network);
        const auto path = trace(network, state, "h2", "h1");
        INFO(describe(path));
        CHECK(path.forward.verdict == Verdict::unreachable);
        CHECK(path.forward.node == "h2");
        CHECK(path.forward.reason.find("no neighbour with address 10.0.2.254 on h2:eth0") != std::string::npos);
    }
}

TEST_CASE("an address nobody owns on a connected subnet is unreachable there", "[dataplane][trace]") {
    // 10.0.12.3 is inside r1 -- r2's /30 but on neither: r2 would find no one by ARP.
    auto t = chain();
    const Network network(t.config);
    FakeRouting state(network);
    const auto path = trace(network, state, "h2", "10.0.12.3");
    INFO(describe(path));
    CHECK(path.forward.verdict == Verdict::unreachable);
    CHECK(path.forward.node == "r2");
    CHECK(path.forward.reason.find("no host with address 10.0.12.3 on r2:core") != std::string::npos);
    // And on a LAN: no host 10.0.1.77 behind r1.
    const auto lan = trace(network, state, "h2", "10.0.1.77");
    CHECK(lan.forward.verdict == Verdict::unreachable);
    CHECK(lan.forward.node == "r1");
}

TEST_CASE("a host does not forward what is not addressed to it", "[dataplane][trace]") {
    auto t = chain();
    t.node("r1").static_routes.push_back(route("10.88.0.0/16", {"10.0.1.10"}));  // back toward h1
    const Network network(t.config);
    FakeRouting state(network);
    const auto path = trace(network, state, "h1", "10.88.0.1");
    INFO(describe(path));
    CHECK(path.forward.verdict == Verdict::dropped);
    CHECK(path.forward.node == "h1");
    CHECK(path.forward.nodes == Names{"h1", "r1", "h1"});
    CHECK(path.forward.reason.find("does not forward") != std::string::npos);
    CHECK(hops_of(path) == Hops{"r1 10.0.1.1"});
}

// ---- Link state -------------------------------------------------------------------------------

TEST_CASE("a link down removes the connected routes over it, and up restores them", "[dataplane][link]") {
    Network network(chain().config);
    FakeRouting state(network);
    const auto link = network.find_link("r1:core--r2:core");
    REQUIRE(link);
    const auto r1 = *network.find_node("r1");
    const auto* fib = network.static_fib(r1);
    REQUIRE(fib);
    CHECK(network.static_fib(*network.find_node("h1")));  // hosts on a LAN have one too
    const auto core = prefix("10.0.12.0/30");
    REQUIRE(fib->installed(core));
    CHECK(fib->installed(core)->protocol == rib::FibProtocol::connected);
    REQUIRE(fib->installed(prefix("10.0.2.0/24")));

    CHECK(network.set_link_up(*link, false));
    CHECK_FALSE(network.set_link_up(*link, false));  // already down
    CHECK_FALSE(network.links()[*link].up);
    CHECK_FALSE(network.interface_up(r1, 1));
    CHECK(network.interface_up(r1, 0));
    CHECK(network.static_fib(r1) == fib);  // reprogrammed in place
    CHECK_FALSE(fib->installed(core));
    CHECK_FALSE(fib->installed(prefix("10.0.2.0/24")));  // its next hop no longer resolves
    CHECK(fib->installed(prefix("10.0.1.0/24")));
    const auto down = trace(network, state, "h1", "h2");
    INFO(describe(down));
    CHECK(down.forward.verdict == Verdict::unreachable);
    CHECK(down.forward.node == "r1");
    CHECK_FALSE(ping(network, state, "h1", "h2").reachable());

    CHECK(network.set_link_up(*link, true));
    CHECK(network.interface_up(r1, 1));
    REQUIRE(fib->installed(core));
    CHECK(fib->installed(prefix("10.0.2.0/24")));
    CHECK(trace(network, state, "h1", "h2").forward.verdict == Verdict::delivered);
}

TEST_CASE("a /32-to-/32 tunnel gives each end a host route to the other", "[dataplane][link]") {
    Network network(vpn().config);
    FakeRouting state(network);
    route_vpn(state);
    const auto edge = network.static_fib(*network.find_node("edge"));
    REQUIRE(edge);
    auto& vpngw = state.speaker_fib("vpngw");
    CHECK(edge->peers("tun") == std::vector<bgp::IpAddress>{ip("169.254.21.2")});
    CHECK(vpngw.peers("tun") == std::vector<bgp::IpAddress>{ip("169.254.21.1")});
    CHECK(edge->peers("lan").empty());
    REQUIRE(edge->installed(prefix("169.254.21.2/32")));
    CHECK(edge->installed(prefix("169.254.21.2/32"))->protocol == rib::FibProtocol::connected);
    // Next hops resolve through it: the static route on the edge, BGP on the gateway.
    CHECK(edge->installed(prefix("10.2.0.0/16")));
    CHECK(vpngw.installed(prefix("192.168.50.0/24")));
    CHECK(ping(network, state, "office2", "vm2").reachable());

    const auto tunnel = *network.find_link("edge:tun--vpngw:tun");
    CHECK(network.set_link_up(tunnel, false));
    state.reprogram("vpngw");
    CHECK(edge->peers("tun").empty());
    CHECK(vpngw.peers("tun").empty());
    CHECK_FALSE(edge->installed(prefix("10.2.0.0/16")));
    CHECK_FALSE(vpngw.installed(prefix("192.168.50.0/24")));
    const auto down = trace(network, state, "office2", "vm2");
    CHECK(down.forward.verdict == Verdict::unreachable);
    CHECK(down.forward.node == "edge");

    CHECK(network.set_link_up(tunnel, true));
    state.reprogram("vpngw");
    CHECK(edge->peers("tun") == std::vector<bgp::IpAddress>{ip("169.254.21.2")});
    CHECK(vpngw.peers("tun") == std::vector<bgp::IpAddress>{ip("169.254.21.1")});
    CHECK(ping(network, state, "office2", "vm2").reachable());
}

// ---- ECMP -------------------------------------------------------------------------------------

TEST_CASE("ECMP: all paths enumerates both branches; one trace is repeatable", "[dataplane][trace][ecmp]") {
    const auto t = ecmp();
    const Network network(t.config);
    FakeRouting state(network);

    const auto paths = trace_all(network, state, "h1", "h2");
    REQUIRE(paths.size() == 2);
    std::set<Hops> distinct;
    for (const auto& path : paths) {
        INFO(describe(path));
        CHECK(path.forward.verdict == Verdict::delivered);
        distinct.insert(hops_of(path));
    }
    CHECK(distinct == std::set<Hops>{Hops{"r1 10.0.1.1", "ra 10.0.12.2", "h2 10.0.2.10"},
                                     Hops{"r1 10.0.1.1", "rb 10.0.13.2", "h2 10.0.2.10"}});

    const auto one = trace(network, state, "h1", "h2");
    const auto again = trace(network, state, "h1", "h2");
    CHECK(hops_of(one) == hops_of(again));
    CHECK(one.forward.nodes == again.forward.nodes);
    CHECK(distinct.count(hops_of(one)) == 1);

    // The member is the flow hash's pick of (source, destination), in the order the next
    // hops are configured; across sources both are used.
    const auto h1 = source_of(network, "h1");
    std::set<std::string> used;
    for (unsigned last = 10; last < 40; ++last) {
        const auto source = ip("10.0.1." + std::to_string(last));
        const auto path = network.trace(state, ProbeSource{h1.node, source}, ip("10.0.2.10"), false).at(0);
        REQUIRE(path.forward.nodes.size() == 4);
        INFO(source.to_string());
        CHECK(path.forward.nodes[2] == (rib::Fib::flow_member(source, ip("10.0.2.10"), 2) == 0 ? "ra" : "rb"));
        used.insert(path.forward.nodes[2]);
    }
    CHECK(used == std::set<std::string>{"ra", "rb"});

    // A shared LAN interface stays up while one of its links is.
    const auto h2 = *network.find_node("h2");
    Network failing(t.config);
    CHECK(failing.set_link_up(*failing.find_link("ra:lan--h2:eth0"), false));
    CHECK(failing.interface_up(h2, 0));
    CHECK(failing.set_link_up(*failing.find_link("rb:lan--h2:eth0"), false));
    CHECK_FALSE(failing.interface_up(h2, 0));
}

// ---- Ping -------------------------------------------------------------------------------------

TEST_CASE("ping: both ways, and a return path without a route", "[dataplane][ping]") {
    SECTION("reachable both ways") {
        const Network network(chain().config);
        FakeRouting state(network);
        for (const auto& [from, to] : {std::pair{"h1", "h2"}, {"h2", "h1"}}) {
            INFO(from << " -> " << to);
            const auto result = ping(network, state, from, to);
            CHECK(result.forward.verdict == Verdict::delivered);
            REQUIRE(result.back);
            CHECK(result.back->verdict == Verdict::delivered);
            CHECK(result.back->node == from);
            CHECK(result.reachable());
        }
        const auto result = ping(network, state, "h1", "h2");
        REQUIRE(result.back);
        CHECK(result.back->nodes == Names{"h2", "r2", "r1", "h1"});
        CHECK(result.forward.delay_ms + result.back->delay_ms == Approx(10.0));
    }
    SECTION("the forward walk arrives, the reply does not") {
        auto t = chain();
        t.node("r2").static_routes.clear();
        const Network network(t.config);
        FakeRouting state(network);
        const auto result = ping(network, state, "h1", "h2");
        CHECK(result.forward.verdict == Verdict::delivered);
        REQUIRE(result.back);
        CHECK(result.back->verdict == Verdict::unreachable);
        CHECK(result.back->node == "r2");
        CHECK(result.back->reason.find("10.0.1.10") != std::string::npos);
        CHECK_FALSE(result.reachable());
    }
}

// ---- Naming the ends --------------------------------------------------------------------------

TEST_CASE("probe sources and destinations by name", "[dataplane][names]") {
    auto t = expressroute();
    t.vnet("empty", {"10.250.0.0/16"}).vm("vm-b", "hub", "10.1.0.5");
    const Network network(t.config);
    std::string error;

    const auto from_vnet = network.probe_source("hub", std::nullopt, error);
    REQUIRE(from_vnet);
    CHECK(from_vnet->node == *network.find_node("vm"));
    CHECK(from_vnet->address == ip("10.1.0.4"));
    const auto from_host = network.probe_source("office", std::nullopt, error);
    REQUIRE(from_host);
    CHECK(from_host->address == ip("172.16.1.10"));
    const auto from_router = network.probe_source("msee", std::nullopt, error);
    REQUIRE(from_router);
    CHECK(from_router->address == ip("172.16.255.2"));  // its first interface
    const auto chosen = network.probe_source("msee", ip("169.254.0.1"), error);
    REQUIRE(chosen);
    CHECK(chosen->address == ip("169.254.0.1"));

    error.clear();
    CHECK_FALSE(network.probe_source("nowhere", std::nullopt, error));
    CHECK(error.find("'nowhere'") != std::string::npos);
    error.clear();
    CHECK_FALSE(network.probe_source("msee", ip("10.9.9.9"), error));
    CHECK(error.find("10.9.9.9") != std::string::npos);
    error.clear();
    CHECK_FALSE(network.probe_source("empty", std::nullopt, error));
    CHECK(error.find("'empty'") != std::string::npos);

    CHECK(network.destination("vm", error) == ip("10.1.0.4"));
    CHECK(network.destination("gw", error) == ip("10.1.255.4"));  // a gateway: its first instance
    CHECK(network.destination("ce", error) == ip("172.16.1.1"));
    CHECK(network.destination("203.0.113.9", error) == ip("203.0.113.9"));
    error.clear();
    CHECK_FALSE(network.destination("nowhere", error));
    CHECK(error.find("'nowhere'") != std::string::npos);

    CHECK(network.owner_of(ip("10.1.255.5")) == network.find_node("gw"));
    CHECK(network.owner_of(ip("172.16.255.1")) == network.find_node("ce"));
    CHECK_FALSE(network.owner_of(ip("172.16.255.3")));
}

}  // namespace bgpemu::dataplane
