#include "daemon/design/compile.hpp"

#include <algorithm>
#include <sstream>

#include "daemon/design/design_checks.hpp"

namespace bgpemu::daemon::design {

namespace {

using detail::Reader;

// "ExpressRoute routing requirements": the MSEEs are AS 12076, an ExpressRoute gateway
// AS 65515, neither configurable.
constexpr std::uint32_t msee_asn = 12076;
constexpr std::uint32_t er_gateway_asn = 65515;
constexpr std::uint32_t route_server_asn = 65515;  // fixed ("Azure Route Server FAQ")
// The documented Cisco CE policy ("Interoperability in Azure: test setup
// configuration"): local-preference 200 on what the MSEE sends, so on-premises prefers
// the path Azure prefers (ExpressRoute) and traffic stays symmetric.
constexpr const char* prefer_route_map = "prefer-ER-over-VPN";
constexpr int prefer_local_pref = 200;
// The links that a design does not place (a CE's toward its LAN router, between the CEs
// of a site) come from here unless the site gives a `link_pool`: RFC 6598 shared
// address space, which a design's own networks are unlikely to use.
const Prefix default_link_pool = *Prefix::parse("100.64.0.0/16");

// Hands out the addresses of a prefix in order: with step 1 host addresses from the
// first usable one (.1), with a larger step blocks of that many addresses (a /31, a /30)
// from the start.
class Pool {
public:
    Pool(Prefix prefix, std::uint64_t step) : prefix_(prefix), step_(step), next_(step == 1 ? 1 : 0) {}
    std::optional<IpAddress> take() {
        const auto first = address_plus(prefix_.address(), next_);
        if (!prefix_.contains(first) || !prefix_.contains(address_plus(first, step_ - 1))) return std::nullopt;
        next_ += step_;
        return first;
    }
    [[nodiscard]] const Prefix& prefix() const { return prefix_; }

private:
    Prefix prefix_;
    std::uint64_t step_;
    std::uint64_t next_;
};

unsigned full_length(const IpAddress& a) { return bgp::max_prefix_length(a.afi()); }

// The first IPv4 address of a list that may hold IPv6 ones (a dual-stack gateway's).
std::optional<IpAddress> first_v4(const std::vector<IpAddress>& addresses) {
    const auto it = std::find_if(addresses.begin(), addresses.end(), [](const IpAddress& a) { return a.is_v4(); });
    return it == addresses.end() ? std::nullopt : std::optional<IpAddress>(*it);
}

bool has_ipv6(const std::vector<Prefix>& prefixes) {
    return std::any_of(prefixes.begin(), prefixes.end(), [](const Prefix& p) { return p.afi() == bgp::Afi::ipv6; });
}

YAML::Node flow(YAML::Node node) {
    node.SetStyle(YAML::EmitterStyle::Flow);
    return node;
}

// `ipv6_address`: a dual-stack interface's IPv6 ADDRESS/LENGTH beside `address`.
YAML::Node interface(const std::string& name, const std::string& address, const std::string& ipv6_address = {}) {
    YAML::Node node;
    node["name"] = name;
    if (ipv6_address.empty()) {
        node["address"] = address;
    } else {
        node["address"].push_back(address);
        node["address"].push_back(ipv6_address);
        node["address"].SetStyle(YAML::EmitterStyle::Flow);
    }
    return flow(node);
}

YAML::Node prefixes_node(const std::vector<Prefix>& prefixes) {
    YAML::Node list(YAML::NodeType::Sequence);
    for (const auto& p : prefixes) list.push_back(p.to_string());
    return flow(list);
}

std::string endpoint(const IpAddress& address, std::uint16_t port) {
    return address.is_v4() ? address.to_string() + ":" + std::to_string(port)
                           : "[" + address.to_string() + "]:" + std::to_string(port);
}

std::string format_delay(double delay_ms) {
    std::ostringstream out;
    out << delay_ms;
    return out.str();
}

// One compiled node under way: its router-level entry and where it came from.
struct Node {
    YAML::Node yaml;
    const NodeDesign* design = nullptr;  // for `listen` and `router_level`
};

class Compiler {
public:
    Compiler(Reader& reader, const Design& design) : reader_(reader), design_(design) {}

    CompiledDesign run(const YAML::Node& root) {
        assign_transport();
        for (const auto& site : design_.sites) compile_site(site);
        for (const auto& circuit : design_.circuits) compile_circuit(circuit);
        for (const auto& vnet : design_.vnets) compile_vnet(vnet);
        for (const auto& connection : design_.connections) compile_connection(connection);
        for (const auto& reach : design_.global_reach) compile_global_reach(reach);
        for (const auto& site : design_.sites)
            if (site.ibgp) compile_ibgp(site);
        return finish(root);
    }

private:
    // ---- transport addresses: every BGP speaker's, before any session refers to one ----
    void assign_transport() {
        Pool shared(design_.transport_pool, 1);
        std::map<std::string, Pool> site_pools;
        const auto give = [&](const NodeDesign& node, Pool& pool, const std::string& name) {
            if (node.listen) {
                out_.transport[name] = *node.listen;
                return;
            }
            if (auto a = pool.take()) out_.transport[name] = *a;
            else reader_.error_at(node.mark, "transport pool " + pool.prefix().to_string() + " has no address left for '" + name + "'");
        };
        for (const auto& site : design_.sites) {
            Pool* pool = &shared;
            if (site.transport_pool) pool = &site_pools.emplace(site.name, Pool(*site.transport_pool, 1)).first->second;
            for (const auto& ce : site.ces) give(ce, *pool, ce.name);
        }
        for (const auto& circuit : design_.circuits)
            for (const auto& msee : circuit.msees) give(msee, shared, msee.name);
        for (const auto& vnet : design_.vnets) {
            if (vnet.er_gateway) give(*vnet.er_gateway, shared, vnet.er_gateway->name);
            if (vnet.vpn_gateway)
                for (const auto& instance : vnet.vpn_gateway->instances()) give(*vnet.vpn_gateway, shared, instance.name);
            if (vnet.route_server)
                for (const auto& instance : vnet.route_server->instances()) give(*vnet.route_server, shared, instance.name);
            for (const auto& vm : vnet.vms)
                if (vm.asn) give(vm, shared, vm.name);
        }
    }

    // `name`: the speaker's, when one design node compiles to several (an active-active
    // gateway's instances); else the node's.
    Node& add_speaker(const NodeDesign& node, const char* role, const std::string& site, std::optional<std::uint32_t> asn,
                      const std::optional<IpAddress>& router_id, const std::string& name = {}) {
        const auto& speaker = name.empty() ? node.name : name;
        Node& n = nodes_[speaker];
        n.design = &node;
        order_.push_back(speaker);
        n.yaml["name"] = speaker;
        if (*role) n.yaml["role"] = role;
        n.yaml["site"] = site;
        if (asn) n.yaml["asn"] = *asn;
        if (router_id && router_id->is_v4()) n.yaml["router_id"] = router_id->to_string();
        else if (!node.router_level.IsMap() || !node.router_level["router_id"])
            reader_.error_at(node.mark, "'" + speaker + "' has no IPv4 address to take its router id from: give it one (a CE's router_id, or router_level: {router_id: ...})");
        if (const auto it = out_.transport.find(speaker); it != out_.transport.end())
            n.yaml["listen"] = endpoint(it->second, design_.port);
        out_.origins.emplace_back(speaker, node.mark);
        return n;
    }

    static void add_interface(Node& node, const std::string& name, const std::string& address,
                              const std::string& ipv6_address = {}) {
        auto list = node.yaml["interfaces"];
        for (const auto& existing : list)
            if (existing["name"].Scalar() == name) return;  // the one a VPN gateway's tunnels share
        list.push_back(interface(name, address, ipv6_address));
    }

    void add_link(const std::string& a, const std::string& b, double delay_ms, bool shutdown) {
        YAML::Node link;
        link["a"] = a;
        link["b"] = b;
        link["delay_ms"] = format_delay(delay_ms);
        if (shutdown) link["shutdown"] = true;
        links_.push_back(flow(link));
    }

    // One session of the design: both ends' neighbour entries from one statement.
    void add_session(PlannedNeighbor at_a, const std::string& a, PlannedNeighbor at_b, const std::string& b) {
        at_a.name = b;
        at_b.name = a;
        at_a.address = out_.transport[b];
        at_b.address = out_.transport[a];
        out_.sessions[a].push_back(std::move(at_a));
        out_.sessions[b].push_back(std::move(at_b));
    }

    // ---- on-premises ----
    void compile_site(const SiteDesign& site) {
        // Without a link_pool of its own, each site takes the next /24 of the default pool.
        auto& links = link_pools_
                          .emplace(site.name, Pool(site.link_pool.value_or(Prefix::make(
                                                       address_plus(default_link_pool.address(), 256 * link_pools_.size()), 24)),
                                                   2))
                          .first->second;
        // The CEs' LAN: the first IPv4 LAN prefix (else the first), and beside it the
        // first IPv6 one (dual stack).
        const auto first_of = [&](bgp::Afi afi) -> const Prefix* {
            for (const auto& p : site.lan_prefixes)
                if (p.afi() == afi) return &p;
            return nullptr;
        };
        const Prefix* first_lan = first_of(bgp::Afi::ipv4);
        if (!first_lan && !site.lan_prefixes.empty()) first_lan = &site.lan_prefixes.front();
        const Prefix* first_lan_v6 = first_lan && first_lan->afi() == bgp::Afi::ipv4 ? first_of(bgp::Afi::ipv6) : nullptr;
        std::map<std::string, IpAddress> lan_side;  // CE -> its address toward the LAN router
        std::map<std::string, IpAddress> lan_side_v6;
        for (std::size_t i = 0; i < site.ces.size(); ++i) {
            const auto& ce = site.ces[i];
            std::optional<IpAddress> router_id;
            if (ce.router_id) router_id = IpAddress::v4(*ce.router_id);
            for (const auto& link : ce.expressroute)
                if (!router_id)
                    if (const auto* c = find_circuit(design_, link.circuit))
                        router_id = address_plus(c->link_prefixes[link.link == CircuitLink::primary ? 0 : 1].address(), 1);
            if (!router_id) router_id = ce.tunnel_end();
            Node& node = add_speaker(ce, "ce", site.name, site.asn, router_id);
            if (ce.external) externals_.insert(ce.name);
            node.yaml["networks"] = prefixes_node(site.advertise);
            if (site.lan_router) {
                std::optional<IpAddress> ce_address;
                if (ce.lan_link) ce_address = ce.lan_link->address();
                else ce_address = links.take();
                if (!ce_address) {
                    reader_.error_at(ce.mark, "site '" + site.name + "': link_pool has no /31 left for CE '" + ce.name + "'");
                    continue;
                }
                const auto length = full_length(*ce_address) - 1;
                const auto router_address = address_plus(*ce_address, 1);
                add_interface(node, "lan", with_length(*ce_address, length));
                lan_side[ce.name] = *ce_address;
                for (const auto& prefix : site.lan_prefixes) {
                    YAML::Node route;
                    route["prefix"] = prefix.to_string();
                    route["next_hop"] = router_address.to_string();
                    node.yaml["static_routes"].push_back(flow(route));
                }
                add_link(site.lan_router->name + ":" + ce.name, ce.name + ":lan", 0.2, false);
                lan_router_ce_addresses_[site.name].emplace_back(ce.name, with_length(router_address, length));
            } else if (first_lan) {
                const auto address = ce.lan_address.value_or(address_plus(first_lan->address(), 1 + i));
                const auto* on = first_lan;
                for (const auto& p : site.lan_prefixes)
                    if (p.contains(address)) on = &p;
                std::string v6;
                if (first_lan_v6) {
                    const auto address_v6 = address_plus(first_lan_v6->address(), 1 + i);
                    v6 = with_length(address_v6, first_lan_v6->length());
                    lan_side_v6[ce.name] = address_v6;
                }
                add_interface(node, "lan", with_length(address, on->length()), v6);
                lan_side[ce.name] = address;
            }
            if (site.advertise_only_lan) {
                auto list = node.yaml["policy"]["prefix_lists"][site.name + "-out"];
                int seq = 10;
                for (const auto& p : site.advertise) {
                    YAML::Node entry;
                    entry["seq"] = seq;
                    entry["action"] = "permit";
                    entry["prefix"] = p.to_string();
                    list.push_back(flow(entry));
                    seq += 10;
                }
            }
            if (site.prefer_expressroute && !ce.expressroute.empty()) {
                YAML::Node entry;
                entry["seq"] = 10;
                entry["action"] = "permit";
                entry["set"]["local_pref"] = prefer_local_pref;
                node.yaml["policy"]["route_maps"][prefer_route_map].push_back(flow(entry));
            }
        }
        compile_lan(site, lan_side, lan_side_v6);
    }

    void compile_lan(const SiteDesign& site, const std::map<std::string, IpAddress>& lan_side,
                     const std::map<std::string, IpAddress>& lan_side_v6) {
        // The LAN router (or, without one, the first CE) is the hosts' gateway.
        std::vector<std::pair<Prefix, std::pair<std::string, IpAddress>>> gateways;  // LAN prefix -> node:interface, address
        if (site.lan_router) {
            const auto& lr = *site.lan_router;
            YAML::Node router;
            router["name"] = lr.name;
            out_.origins.emplace_back(lr.name, lr.mark);
            for (std::size_t i = 0; i < site.lan_prefixes.size(); ++i) {
                const auto& p = site.lan_prefixes[i];
                const auto address = p.contains(lr.address) ? lr.address : address_plus(p.address(), 1);
                const auto name = i == 0 ? std::string("lan") : "lan" + std::to_string(i + 1);
                router["interfaces"].push_back(interface(name, with_length(address, p.length())));
                gateways.push_back({p, {lr.name + ":" + name, address}});
            }
            for (const auto& [ce, address] : lan_router_ce_addresses_[site.name])
                router["interfaces"].push_back(interface(ce, address));
            YAML::Node via(YAML::NodeType::Sequence);
            for (const auto& ce : site.ces) {
                const bool chosen = lr.default_via.empty() ||
                                    std::find(lr.default_via.begin(), lr.default_via.end(), ce.name) != lr.default_via.end();
                if (const auto it = lan_side.find(ce.name); chosen && it != lan_side.end()) via.push_back(it->second.to_string());
            }
            if (via.size() > 0) {
                YAML::Node route;
                route["prefix"] = site.lan_prefixes.front().afi() == bgp::Afi::ipv4 ? "0.0.0.0/0" : "::/0";
                route["next_hop"] = flow(via);
                router["static_routes"].push_back(flow(route));
            }
            routers_.push_back(router);
        } else if (!site.ces.empty()) {
            for (const auto* side : {&lan_side, &lan_side_v6})
                if (const auto it = side->find(site.ces.front().name); it != side->end())
                    for (const auto& p : site.lan_prefixes)
                        if (p.contains(it->second)) gateways.push_back({p, {site.ces.front().name + ":lan", it->second}});
        }
        for (const auto& host : site.hosts) {
            if (std::none_of(gateways.begin(), gateways.end(), [&](const auto& g) { return g.first.contains(host.address); }))
                reader_.error_at(host.mark, "host '" + host.name + "': no router of site '" + site.name +
                                                "' is on its prefix (without a lan_router, hosts share the first CE's)");
            for (const auto& [prefix, gateway] : gateways) {
                if (!prefix.contains(host.address)) continue;
                YAML::Node node;
                node["name"] = host.name;
                node["address"] = with_length(host.address, prefix.length());
                node["gateway"] = gateway.second.to_string();
                hosts_.push_back(flow(node));
                out_.origins.emplace_back(host.name, host.mark);
                add_link(host.name, gateway.first, 0.1, false);
                break;
            }
        }
    }

    // ---- ExpressRoute circuits: an MSEE per link, and the CE at its far end ----
    void compile_circuit(const CircuitDesign& circuit) {
        for (int i = 0; i < 2; ++i) {
            const auto& msee = circuit.msees[i];
            const auto& prefix = circuit.link_prefixes[i];
            const auto customer = address_plus(prefix.address(), 1);
            const auto microsoft = address_plus(prefix.address(), 2);
            Node& node = add_speaker(msee, "msee", "azure", msee_asn, microsoft);
            node.yaml["circuit"] = circuit.name;
            if (circuit.premium) node.yaml["premium_circuit"] = true;
            const auto ce = ce_on(circuit, i == 0 ? CircuitLink::primary : CircuitLink::secondary);
            if (!ce.ce) continue;
            const auto& link = *ce.link;
            // Named as a network engineer names them: the CE's after the circuit (and the
            // link, when it has both), the MSEE's "ce".
            const bool both = std::count_if(ce.ce->expressroute.begin(), ce.ce->expressroute.end(),
                                            [&](const CeCircuitLink& l) { return l.circuit == circuit.name; }) > 1;
            const auto ce_interface = both ? circuit.name + (i == 0 ? "-primary" : "-secondary") : circuit.name;
            // Dual stack: the link's /126 of the IPv6 peering beside its /30, the same
            // way round, and the session carries both families.
            std::optional<IpAddress> customer_v6, microsoft_v6;
            std::string ce_v6, msee_v6;
            if (const auto& v6 = circuit.ipv6_link_prefixes[i]) {
                customer_v6 = address_plus(v6->address(), 1);
                microsoft_v6 = address_plus(v6->address(), 2);
                ce_v6 = with_length(*customer_v6, v6->length());
                msee_v6 = with_length(*microsoft_v6, v6->length());
            }
            add_interface(node, "ce", with_length(microsoft, prefix.length()), msee_v6);
            add_interface(nodes_[ce.ce->name], ce_interface, with_length(customer, prefix.length()), ce_v6);
            add_link(ce.ce->name + ":" + ce_interface, msee.name + ":ce", link.delay_ms, link.shutdown);
            const auto what = "ExpressRoute circuit " + circuit.name + ", " + (i == 0 ? "primary" : "secondary") + " link";
            PlannedNeighbor at_ce{.asn = msee_asn, .description = what, .next_hop = customer, .next_hop_v6 = customer_v6,
                                  .prefer = ce.site->prefer_expressroute, .only_lan = ce.site->advertise_only_lan,
                                  .password = circuit.shared_key};
            PlannedNeighbor at_msee{.asn = ce.site->asn, .description = what, .next_hop = microsoft, .next_hop_v6 = microsoft_v6,
                                    .password = circuit.shared_key};
            add_session(at_ce, ce.ce->name, at_msee, msee.name);
        }
    }

    struct CeOnLink {
        const SiteDesign* site = nullptr;
        const CeDesign* ce = nullptr;
        const CeCircuitLink* link = nullptr;
    };
    CeOnLink ce_on(const CircuitDesign& circuit, CircuitLink which) const {
        for (const auto& site : design_.sites)
            for (const auto& ce : site.ces)
                for (const auto& link : ce.expressroute)
                    if (link.circuit == circuit.name && link.link == which) return {&site, &ce, &link};
        return {};
    }

    // ---- VNets and their gateways ----
    void compile_vnet(const VnetDesign& vnet) {
        YAML::Node entry;
        entry["name"] = vnet.name;
        entry["address_spaces"] = prefixes_node(vnet.address_spaces);
        if (vnet.peerings.IsSequence()) entry["peerings"] = vnet.peerings;
        for (const auto& key : vnet.as_written) entry[key.first.as<std::string>()] = key.second;
        vnets_.push_back(entry);
        out_.origins.emplace_back(vnet.name, vnet.mark);
        const auto instances = [](const std::vector<IpAddress>& list) {
            YAML::Node node(YAML::NodeType::Sequence);
            for (const auto& a : list) node.push_back(a.to_string());
            return flow(node);
        };
        if (const auto& g = vnet.er_gateway) {
            // Its router id: the first IPv4 instance address (a dual-stack gateway has IPv6 ones too).
            Node& node = add_speaker(*g, "er-gateway", "azure", er_gateway_asn, first_v4(g->instance_addresses));
            node.yaml["vnet"] = vnet.name;
            node.yaml["vnet_addresses"] = instances(g->instance_addresses);
            if (g->allow_remote_vnet_traffic) node.yaml["allow_remote_vnet_traffic"] = *g->allow_remote_vnet_traffic;
        }
        if (const auto& g = vnet.vpn_gateway)
            for (const auto& instance : g->instances()) {
                Node& node = add_speaker(*g, "vpn-gateway", "azure", g->asn, instance.bgp_peering_address, instance.name);
                node.yaml["vnet"] = vnet.name;
                node.yaml["vnet_addresses"] = instances(instance.vnet_addresses);
                add_interface(node, "tunnels",
                              with_length(instance.bgp_peering_address, full_length(instance.bgp_peering_address)));
            }
        if (const auto& s = vnet.route_server)
            for (const auto& instance : s->instances()) {
                Node& node = add_speaker(*s, "route-server", "azure", route_server_asn, instance.address, instance.name);
                node.yaml["vnet"] = vnet.name;
                node.yaml["vnet_addresses"] = instances({instance.address});
                if (s->branch_to_branch) node.yaml["branch_to_branch"] = true;
                if (!s->routing_preference.empty()) node.yaml["routing_preference"] = s->routing_preference;
            }
        if (const auto& s = vnet.route_server)
            for (const auto& peer : s->peers) {
                const auto vm = std::find_if(vnet.vms.begin(), vnet.vms.end(), [&](const VmDesign& v) { return v.name == peer; });
                if (vm == vnet.vms.end() || !vm->asn) continue;  // the design checks say why
                for (const auto& instance : s->instances()) {
                    const auto what = "Route Server peering in " + vnet.name;
                    add_session(PlannedNeighbor{.asn = *vm->asn, .description = what, .next_hop = instance.address, .no_link = true},
                                instance.name,
                                PlannedNeighbor{.asn = route_server_asn, .description = what, .next_hop = vm->address, .no_link = true},
                                vm->name);
                }
            }
        if (vnet.route_server && vnet.route_server->branch_to_branch) compile_branch_to_branch(vnet);
        for (const auto& vm : vnet.vms) {
            if (vm.asn) {
                // An appliance that speaks BGP: a speaker in the VNet, of no Azure role,
                // exchanging what its peers send without policy of its own (RFC 8212
                // off), as the NVAs of Azure's Route Server quickstarts do.
                Node& node = add_speaker(vm, "", "azure", vm.asn, vm.address);
                node.yaml["ebgp_requires_policy"] = false;
                node.yaml["vnet"] = vnet.name;
                node.yaml["vnet_addresses"] = instances({vm.address});
                if (!vm.advertise.empty()) node.yaml["networks"] = prefixes_node(vm.advertise);
                if (!vm.route_table.empty()) node.yaml["route_table"] = vm.route_table;
                continue;
            }
            // A VM that forwards (enableIPForwarding) is an appliance: a router in the VNet.
            YAML::Node node;
            node["name"] = vm.name;
            node["vnet"] = vnet.name;
            node[vm.ip_forwarding ? "vnet_address" : "address"] = vm.address.to_string();
            if (!vm.route_table.empty()) node["route_table"] = vm.route_table;
            (vm.ip_forwarding ? routers_ : hosts_).push_back(flow(node));
            out_.origins.emplace_back(vm.name, vnet.mark);
        }
    }

    // Branch-to-branch: the Route Server's instances, the ExpressRoute gateway and the
    // VPN gateway's instances of one VNet, all AS 65515, each with each over iBGP, so
    // each learns what the others learned outside the VNet (how Azure joins them inside
    // is not documented; this gives the documented exchange without route reflection).
    void compile_branch_to_branch(const VnetDesign& vnet) {
        struct Member {
            std::string name;
            IpAddress address;
        };
        std::vector<Member> members;
        for (const auto& instance : vnet.route_server->instances()) members.push_back({instance.name, instance.address});
        if (const auto& g = vnet.er_gateway)
            if (const auto address = first_v4(g->instance_addresses)) members.push_back({g->name, *address});
        if (const auto& g = vnet.vpn_gateway)
            for (const auto& instance : g->instances()) members.push_back({instance.name, instance.bgp_peering_address});
        const auto what = "branch-to-branch in " + vnet.name;
        for (std::size_t i = 0; i < members.size(); ++i)
            for (std::size_t j = i + 1; j < members.size(); ++j) {
                // The Route Server's instances do not peer with each other.
                if (i < vnet.route_server->addresses.size() && j < vnet.route_server->addresses.size()) continue;
                add_session(PlannedNeighbor{.asn = route_server_asn, .description = what, .next_hop = members[i].address, .no_link = true},
                            members[i].name,
                            PlannedNeighbor{.asn = route_server_asn, .description = what, .next_hop = members[j].address, .no_link = true},
                            members[j].name);
            }
    }

    void compile_connection(const ConnectionDesign& c) {
        const auto* vnet = find_vnet(design_, c.vnet);
        if (!vnet) return;
        if (c.type == ConnectionType::expressroute) {
            const auto* circuit = find_circuit(design_, c.circuit);
            if (!circuit || !vnet->er_gateway) return;
            const auto& gw = vnet->er_gateway->name;
            for (const auto& msee : circuit->msees) {
                // One /30 of the internal pool per MSEE-gateway link: MSEE first, gateway second.
                const auto block = internal_.take();
                if (!block) {
                    reader_.error_at(c.mark, "internal_pool " + design_.internal_pool.to_string() + " has no /30 left");
                    return;
                }
                const auto at_msee_address = address_plus(*block, 1);
                const auto at_gw_address = address_plus(*block, 2);
                const unsigned length = full_length(*block) - 2;
                // IPv6 too when both ends have it: the circuit's IPv6 peering and an IPv6
                // address space in the VNet (Azure's dual-stack gateway).
                std::optional<IpAddress> at_msee_v6, at_gw_v6;
                if (circuit->dual_stack() && has_ipv6(vnet->address_spaces)) {
                    if (const auto block_v6 = internal_v6_.take()) {
                        at_msee_v6 = address_plus(*block_v6, 1);
                        at_gw_v6 = address_plus(*block_v6, 2);
                    } else {
                        reader_.error_at(c.mark, "internal_pool_v6 " + design_.internal_pool_v6.to_string() + " has no /126 left");
                    }
                }
                const auto v6_text = [](const std::optional<IpAddress>& a) { return a ? with_length(*a, 126) : std::string(); };
                add_interface(nodes_[msee.name], vnet->name, with_length(at_msee_address, length), v6_text(at_msee_v6));
                add_interface(nodes_[gw], msee.name, with_length(at_gw_address, length), v6_text(at_gw_v6));
                add_link(msee.name + ":" + vnet->name, gw + ":" + msee.name, c.delay_ms, c.shutdown);
                const auto what = "connection to circuit " + circuit->name;
                add_session(PlannedNeighbor{.asn = er_gateway_asn, .description = what, .next_hop = at_msee_address,
                                            .next_hop_v6 = at_msee_v6},
                            msee.name,
                            PlannedNeighbor{.asn = msee_asn, .description = what, .next_hop = at_gw_address,
                                            .next_hop_v6 = at_gw_v6, .weight = c.routing_weight},
                            gw);
            }
            return;
        }
        if (!vnet->vpn_gateway) return;
        // Every instance of an active-active gateway has its own tunnel and session to
        // each peer ("About active-active mode VPN gateways").
        const auto instances = vnet->vpn_gateway->instances();
        const auto asn = vnet->vpn_gateway->asn;
        if (c.type == ConnectionType::ipsec) {
            const auto ce = find_ce(design_, c.ce);
            if (!ce.ce || !ce.ce->tunnel_end()) return;
            const auto tunnel = *ce.ce->tunnel_end();
            const auto tunnels = std::count_if(design_.connections.begin(), design_.connections.end(),
                                               [&](const ConnectionDesign& other) {
                                                   return other.type == ConnectionType::ipsec && other.ce == c.ce;
                                               });
            const auto ce_interface = tunnels > 1 ? "tunnel-" + vnet->name : std::string("tunnel");
            add_interface(nodes_[ce.ce->name], ce_interface, with_length(tunnel, full_length(tunnel)));
            for (const auto& gw : instances) add_link(ce.ce->name + ":" + ce_interface, gw.name + ":tunnels", c.delay_ms, c.shutdown);
            if (!c.enable_bgp) {
                // Static routing: the CE routes the VNet (and its gateway-transit spokes)
                // into the tunnels; the gateway routes the site's prefixes (the local
                // network gateway's address space) to the CE.
                for (const auto& prefix : gateway_networks(*vnet)) add_static(ce.ce->name, prefix, bgp_addresses(instances));
                for (const auto& gw : instances)
                    for (const auto& prefix : ce.site->advertise) add_static(gw.name, prefix, {tunnel});
                return;
            }
            const auto what = "site-to-site VPN to " + vnet->name + (ce.ce->expressroute.empty() ? "" : ", backup of ExpressRoute");
            for (const auto& gw : instances)
                add_session(PlannedNeighbor{.asn = asn, .description = what, .next_hop = tunnel, .multihop = true,
                                            .only_lan = ce.site->advertise_only_lan},
                            ce.ce->name,
                            PlannedNeighbor{.asn = ce.site->asn, .description = what, .next_hop = gw.bgp_peering_address,
                                            .weight = c.routing_weight},
                            gw.name);
            return;
        }
        const auto* remote = find_vnet(design_, c.remote_vnet);
        if (!remote || !remote->vpn_gateway) return;
        const auto others = remote->vpn_gateway->instances();
        if (!c.enable_bgp) {
            for (const auto& gw : instances)
                for (const auto& prefix : gateway_networks(*remote)) add_static(gw.name, prefix, bgp_addresses(others));
            for (const auto& other : others)
                for (const auto& prefix : gateway_networks(*vnet)) add_static(other.name, prefix, bgp_addresses(instances));
        }
        const auto what = "VNet-to-VNet VPN, " + vnet->name + " to " + remote->name;
        for (const auto& gw : instances)
            for (const auto& other : others) {
                add_link(gw.name + ":tunnels", other.name + ":tunnels", c.delay_ms, c.shutdown);
                if (!c.enable_bgp) continue;
                add_session(PlannedNeighbor{.asn = remote->vpn_gateway->asn, .description = what, .next_hop = gw.bgp_peering_address,
                                            .weight = c.routing_weight},
                            gw.name,
                            PlannedNeighbor{.asn = asn, .description = what, .next_hop = other.bgp_peering_address,
                                            .weight = c.routing_weight},
                            other.name);
            }
    }

    static std::vector<IpAddress> bgp_addresses(const std::vector<VpnGatewayDesign::Instance>& instances) {
        std::vector<IpAddress> out;
        for (const auto& instance : instances) out.push_back(instance.bgp_peering_address);
        return out;
    }

    // A VNet's address spaces and those of the peered VNets that use its gateways.
    std::vector<Prefix> gateway_networks(const VnetDesign& vnet) const {
        auto out = vnet.address_spaces;
        for (const auto& spoke : design_.vnets) {
            if (!spoke.peerings.IsSequence()) continue;
            for (const auto& p : spoke.peerings)
                if (p.IsMap() && p["vnet"] && p["vnet"].Scalar() == vnet.name && peering_flag(p, "use_remote_gateways"))
                    out.insert(out.end(), spoke.address_spaces.begin(), spoke.address_spaces.end());
        }
        return out;
    }

    // A static route of a connection without BGP. A gateway's are also in its VNet's
    // route table and, redistributed, go to its BGP peers, as Azure advertises the
    // address space of every local network gateway it connects ("About BGP and Azure
    // VPN Gateway").
    void add_static(const std::string& node_name, const Prefix& prefix, const std::vector<IpAddress>& next_hops) {
        auto& node = nodes_[node_name].yaml;
        YAML::Node route;
        route["prefix"] = prefix.to_string();
        if (next_hops.size() == 1) {
            route["next_hop"] = next_hops.front().to_string();
        } else {
            YAML::Node list(YAML::NodeType::Sequence);
            for (const auto& hop : next_hops) list.push_back(hop.to_string());
            route["next_hop"] = flow(list);
        }
        node["static_routes"].push_back(flow(route));
        const auto role = node["role"].Scalar();
        if (role != "vpn-gateway" || node["redistribute"]) return;
        YAML::Node redistribute;
        redistribute["source"] = "static";
        node["redistribute"].push_back(flow(redistribute));
    }

    // ---- iBGP between the CEs of a site, each pair over a link of its own ----
    // ---- Global Reach: every MSEE of one circuit with every MSEE of the other, so
    // each of a circuit's links has the other circuit's on-premises routes whichever of
    // its links they came in on; the four links are the /31s of the /29, the first
    // circuit's MSEE first (primary-primary, secondary-secondary, then the crossed pairs) ----
    void compile_global_reach(const GlobalReachDesign& reach) {
        const auto* a = find_circuit(design_, reach.circuits[0]);
        const auto* b = find_circuit(design_, reach.circuits[1]);
        if (!a || !b) return;
        const auto what = "Global Reach " + (reach.name.empty() ? a->name + " -- " + b->name : reach.name);
        constexpr std::pair<int, int> pairs[] = {{0, 0}, {1, 1}, {0, 1}, {1, 0}};
        for (std::size_t i = 0; i < std::size(pairs); ++i) {
            const auto& at_a = a->msees[pairs[i].first].name;
            const auto& at_b = b->msees[pairs[i].second].name;
            const auto on_a = address_plus(reach.address_prefix.address(), 2 * i);
            const auto on_b = address_plus(on_a, 1);
            add_interface(nodes_[at_a], at_b, with_length(on_a, 31));
            add_interface(nodes_[at_b], at_a, with_length(on_b, 31));
            add_link(at_a + ":" + at_b, at_b + ":" + at_a, reach.delay_ms, false);
            add_session(PlannedNeighbor{.asn = msee_asn, .description = what, .next_hop = on_a}, at_a,
                        PlannedNeighbor{.asn = msee_asn, .description = what, .next_hop = on_b}, at_b);
        }
    }

    void compile_ibgp(const SiteDesign& site) {
        auto& links = link_pools_.at(site.name);  // after its CEs' links to the LAN router
        for (std::size_t i = 0; i < site.ces.size(); ++i)
            for (std::size_t j = i + 1; j < site.ces.size(); ++j) {
                const auto& a = site.ces[i];
                const auto& b = site.ces[j];
                const auto block = links.take();
                if (!block) {
                    reader_.error_at(site.mark, "site '" + site.name + "': link_pool has no /31 left for the iBGP link " + a.name + " -- " + b.name);
                    return;
                }
                const unsigned length = full_length(*block) - 1;
                const auto at_a = *block;
                const auto at_b = address_plus(*block, 1);
                add_interface(nodes_[a.name], b.name, with_length(at_a, length));
                add_interface(nodes_[b.name], a.name, with_length(at_b, length));
                add_link(a.name + ":" + b.name, b.name + ":" + a.name, 0.2, false);
                const auto what = "iBGP inside site " + site.name;
                add_session(PlannedNeighbor{.asn = site.asn, .description = what, .next_hop = at_a, .ibgp_next_hop_self = true},
                            a.name,
                            PlannedNeighbor{.asn = site.asn, .description = what, .next_hop = at_b, .ibgp_next_hop_self = true},
                            b.name);
            }
    }

    // ---- the router-level file ----
    YAML::Node neighbor_node(const std::string& speaker, const PlannedNeighbor& n) const {
        YAML::Node node;
        node["name"] = n.name;
        node["description"] = n.description;
        node["address"] = endpoint(n.address, design_.port);
        node["asn"] = n.asn;
        if (n.multihop) node["ebgp_multihop"] = 255;
        if (n.no_link) node["next_hop"][n.next_hop.is_v4() ? "ipv4" : "ipv6"] = n.next_hop.to_string();
        // Each session carries what its link does: the family of its addresses, and IPv6
        // beside IPv4 on a dual-stack one.
        YAML::Node families(YAML::NodeType::Sequence);
        families.push_back(n.next_hop.is_v4() ? "ipv4" : "ipv6");
        if (n.next_hop_v6 && n.next_hop.is_v4()) families.push_back("ipv6");
        node["families"] = flow(families);
        if (n.ibgp_next_hop_self) node["next_hop_self"] = true;
        if (n.weight) node["weight"] = n.weight;
        if (!n.password.empty()) node["password"] = n.password;
        const auto site = nodes_.at(speaker).yaml["site"].Scalar();
        if (n.prefer) node["route_map_in"] = prefer_route_map;
        if (n.only_lan) node["prefix_list_out"] = site + "-out";
        return node;
    }

    CompiledDesign finish(const YAML::Node& source) {
        YAML::Node root;
        for (const char* key : {"daemon", "policy", "mrt", "bmp"})
            if (source[key]) root[key] = source[key];
        for (const auto& v : vnets_) root["vnets"].push_back(v);
        if (source["route_tables"]) root["route_tables"] = source["route_tables"];
        for (const auto& name : order_) {
            Node& node = nodes_[name];
            const bool external = externals_.contains(name);
            for (const auto& n : out_.sessions[name]) {
                if (externals_.contains(n.name) && external) continue;
                node.yaml["neighbors"].push_back(neighbor_node(name, n));
                if (node.yaml["role"].Scalar() == "ce" && n.prefer) node.yaml["prefer"].push_back(n.name);
            }
            if (node.yaml["prefer"]) node.yaml["prefer"].SetStyle(YAML::EmitterStyle::Flow);
            if (node.design && node.design->router_level.IsMap()) merge_router_level(node.yaml, node.design->router_level);
            if (const auto id = node.yaml["router_id"]; id && id.IsScalar())
                if (const auto parsed = IpAddress::parse(id.Scalar()); parsed && parsed->is_v4())
                    out_.router_ids[name] = parsed->v4_value();
            if (external) {
                root["externals"].push_back(as_external(node.yaml));
                continue;
            }
            root["speakers"].push_back(node.yaml);
        }
        const auto keep = [&](const char* key, const std::vector<YAML::Node>& compiled) {
            for (const auto& n : compiled) root[key].push_back(n);
            if (source[key] && source[key].IsSequence())
                for (const auto& n : source[key]) root[key].push_back(n);
            else if (source[key]) root[key] = source[key];  // the router-level reader reports its shape
        };
        keep("speakers", {});
        keep("routers", routers_);
        keep("hosts", hosts_);
        keep("externals", {});
        keep("links", links_);
        out_.root = root;
        return std::move(out_);
    }

    // An external CE: what the data plane needs of it; the router itself has the rest.
    static YAML::Node as_external(const YAML::Node& speaker) {
        YAML::Node node;
        for (const char* key : {"name", "asn", "interfaces", "static_routes", "prefer"})
            if (speaker[key]) node[key] = speaker[key];
        return node;
    }

    Reader& reader_;
    const Design& design_;
    CompiledDesign out_;
    Pool internal_{design_.internal_pool, 4};
    Pool internal_v6_{design_.internal_pool_v6, 4};
    std::map<std::string, Node> nodes_;
    std::vector<std::string> order_;
    std::set<std::string> externals_;
    std::vector<YAML::Node> vnets_, routers_, hosts_, links_;
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> lan_router_ce_addresses_;
    std::map<std::string, Pool> link_pools_;  // by site
};

}  // namespace

void merge_router_level(YAML::Node base, const YAML::Node& overlay) {
    for (const auto& entry : overlay) {
        const auto key = entry.first.Scalar();
        const auto& value = entry.second;
        YAML::Node current = base[key];
        if (current && current.IsMap() && value.IsMap()) {
            merge_router_level(current, value);
        } else if (current && current.IsSequence() && value.IsSequence()) {
            for (const auto& item : value) {
                bool merged = false;
                if (item.IsMap() && item["name"] && item["name"].IsScalar())
                    for (auto existing : current)
                        if (existing.IsMap() && existing["name"] && existing["name"].Scalar() == item["name"].Scalar()) {
                            merge_router_level(existing, item);
                            merged = true;
                            break;
                        }
                if (!merged) current.push_back(item);
            }
        } else {
            base[key] = value;
        }
    }
}

CompiledDesign compile_design(Reader& reader, const Design& design, const YAML::Node& root) {
    return Compiler(reader, design).run(root);
}

}  // namespace bgpemu::daemon::design
