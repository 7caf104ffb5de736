#include "daemon/design/design_checks.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "daemon/azure/constraints.hpp"

namespace bgpemu::daemon::design {

const VnetDesign* find_vnet(const Design& design, std::string_view name) {
    for (const auto& v : design.vnets)
        if (v.name == name) return &v;
    return nullptr;
}

const CircuitDesign* find_circuit(const Design& design, std::string_view name) {
    for (const auto& c : design.circuits)
        if (c.name == name) return &c;
    return nullptr;
}

bool peering_flag(const YAML::Node& peering, const char* key) {
    bool value = false;
    if (const auto v = peering[key]; v && v.IsScalar()) YAML::convert<bool>::decode(v, value);
    return value;
}

CeOfSite find_ce(const Design& design, std::string_view name) {
    for (const auto& s : design.sites)
        for (const auto& c : s.ces)
            if (c.name == name) return {&s, &c};
    return {};
}

namespace {

using detail::Reader;

bool overlaps(const Prefix& a, const Prefix& b) { return a.contains(b) || b.contains(a); }

bool inside_any(const std::vector<Prefix>& spaces, const IpAddress& address) {
    for (const auto& s : spaces)
        if (s.contains(address)) return true;
    return false;
}

// Every node name once, across everything the design compiles to.
void check_names(Reader& reader, const Design& design) {
    std::map<std::string, std::string> seen;  // name -> what it names
    const auto claim = [&](const std::string& name, const YAML::Mark& mark, const std::string& what) {
        if (name.empty()) return;
        if (auto [it, inserted] = seen.emplace(name, what); !inserted)
            reader.error_at(mark, "the name '" + name + "' of " + what + " is already the name of " + it->second);
    };
    std::set<std::string> vnets, circuits, sites;
    for (const auto& v : design.vnets) {
        if (!vnets.insert(v.name).second) reader.error_at(v.mark, "duplicate VNet name '" + v.name + "'");
        if (v.er_gateway) claim(v.er_gateway->name, v.er_gateway->mark, "VNet " + v.name + "'s ExpressRoute gateway");
        if (v.vpn_gateway) {
            claim(v.vpn_gateway->name, v.vpn_gateway->mark, "VNet " + v.name + "'s VPN gateway");
            if (v.vpn_gateway->active_active)
                for (const auto& instance : v.vpn_gateway->instances())
                    claim(instance.name, v.vpn_gateway->mark, "an instance of VNet " + v.name + "'s VPN gateway");
        }
        if (v.route_server)
            for (const auto& instance : v.route_server->instances())
                claim(instance.name, v.route_server->mark, "VNet " + v.name + "'s Route Server");
        for (const auto& vm : v.vms) claim(vm.name, v.mark, "a VM of VNet " + v.name);
    }
    for (const auto& c : design.circuits) {
        if (!circuits.insert(c.name).second) reader.error_at(c.mark, "duplicate circuit name '" + c.name + "'");
        for (const auto& msee : c.msees) claim(msee.name, c.mark, "an MSEE of circuit " + c.name);
    }
    for (const auto& s : design.sites) {
        if (!sites.insert(s.name).second) reader.error_at(s.mark, "duplicate site name '" + s.name + "'");
        if (s.name == "azure")
            reader.error_at(s.mark, "the site name 'azure' is the site of the Azure resources (MSEEs and gateways)");
        if (s.lan_router) claim(s.lan_router->name, s.lan_router->mark, "site " + s.name + "'s LAN router");
        for (const auto& h : s.hosts) claim(h.name, h.mark, "a host of site " + s.name);
        for (const auto& c : s.ces) claim(c.name, c.mark, "a CE of site " + s.name);
    }
}

// The peering of `from` back to `to`, or an undefined node.
YAML::Node peering_back(const VnetDesign& from, const std::string& to) {
    if (from.peerings.IsSequence())
        for (const auto& p : from.peerings)
            if (p.IsMap() && p["vnet"] && p["vnet"].IsScalar() && p["vnet"].Scalar() == to) return p;
    return YAML::Node(YAML::NodeType::Undefined);
}

// "Virtual network peering": configured on both sides; a side that uses the remote
// gateways needs the other to allow gateway transit and to have a gateway, and may
// not have one itself.
void check_peerings(Reader& reader, const Design& design, const VnetDesign& v) {
    if (!v.peerings.IsSequence()) return;
    for (const auto& p : v.peerings) {
        if (!p.IsMap() || !p["vnet"] || !p["vnet"].IsScalar()) continue;
        const auto name = p["vnet"].Scalar();
        const auto* other = find_vnet(design, name);
        if (!other) {
            reader.error(p, "VNet '" + v.name + "' peers with '" + name + "', which the design does not have");
            continue;
        }
        const auto back = peering_back(*other, v.name);
        if (!back.IsDefined()) {
            reader.error(p, "VNet '" + v.name + "' peers with '" + name + "', which has no peering back (a peering is configured on both sides)");
            continue;
        }
        if (!peering_flag(p, "use_remote_gateways")) continue;
        if (!peering_flag(back, "allow_gateway_transit"))
            reader.error(p, "VNet '" + v.name + "' uses the remote gateways of '" + name + "', whose peering back does not allow gateway transit");
        if (!other->er_gateway && !other->vpn_gateway && !other->route_server)
            reader.error(p, "VNet '" + v.name + "' uses the remote gateways of '" + name + "', which has neither gateway nor Route Server");
        if (v.er_gateway || v.vpn_gateway)
            reader.error(p, "VNet '" + v.name + "' has a gateway of its own, so it cannot use remote gateways (Azure refuses it)");
    }
}

void check_vnets(Reader& reader, const Design& design) {
    for (const auto& v : design.vnets) {
        const auto inside = [&](const IpAddress& a, const YAML::Mark& mark, const std::string& what) {
            if (!inside_any(v.address_spaces, a))
                reader.error_at(mark, what + " " + a.to_string() + " is not inside VNet '" + v.name + "''s address spaces");
        };
        if (v.er_gateway)
            for (const auto& a : v.er_gateway->instance_addresses)
                inside(a, v.er_gateway->mark, "ExpressRoute gateway '" + v.er_gateway->name + "': instance address");
        if (v.vpn_gateway) {
            // Azure's VPN gateway takes a custom APIPA BGP address in 169.254.21.0 -
            // 169.254.22.255 only ("Configure BGP for VPN Gateway",
            // https://learn.microsoft.com/azure/vpn-gateway/bgp-howto); any other is
            // its GatewaySubnet's, inside the VNet.
            for (const auto& address : v.vpn_gateway->bgp_peering_addresses) {
                if (!address.is_v4()) {
                    reader.error_at(v.vpn_gateway->mark, "VPN gateway '" + v.vpn_gateway->name + "': IPv6 BGP peering address " +
                                                             address.to_string() + " (IPv6 over site-to-site VPN is not modelled)");
                    continue;
                }
                const auto what = "VPN gateway '" + v.vpn_gateway->name +
                                  (v.vpn_gateway->active_active ? "': bgp_peering_addresses" : "': bgp_peering_address");
                if (address.is_v4() && (address.v4_value() >> 16) == 0xa9fe) {
                    const auto third = (address.v4_value() >> 8) & 0xff;
                    if (third != 21 && third != 22)
                        reader.error_at(v.vpn_gateway->mark, what + " " + address.to_string() +
                                                                 " is an APIPA address outside 169.254.21.0-169.254.22.255, "
                                                                 "the range Azure allows for a custom one");
                } else {
                    inside(address, v.vpn_gateway->mark, what);
                }
            }
            const auto& peering = v.vpn_gateway->bgp_peering_addresses;
            if (peering.size() == 2 && peering[0] == peering[1])
                reader.error_at(v.vpn_gateway->mark, "VPN gateway '" + v.vpn_gateway->name +
                                                         "': its two instances need two different BGP peering addresses");
            for (const auto& a : v.vpn_gateway->instance_addresses)
                inside(a, v.vpn_gateway->mark, "VPN gateway '" + v.vpn_gateway->name + "': instance address");
            if (v.vpn_gateway->asn == 12076 || v.vpn_gateway->asn == 8074 || v.vpn_gateway->asn == 8075 ||
                (v.vpn_gateway->asn >= 65517 && v.vpn_gateway->asn <= 65520) || v.vpn_gateway->asn == 23456)
                reader.error_at(v.vpn_gateway->mark, "VPN gateway '" + v.vpn_gateway->name + "': ASN " +
                                                         std::to_string(v.vpn_gateway->asn) +
                                                         " is reserved by Azure (\"Azure VPN Gateway FAQ\")");
        }
        for (const auto& vm : v.vms) {
            inside(vm.address, v.mark, "VM '" + vm.name + "':");
            if (vm.asn && !vm.ip_forwarding)
                reader.error_at(vm.mark, "VM '" + vm.name + "' speaks BGP (asn): it is a network virtual appliance, so give it ip_forwarding: true");
            if (!vm.asn && (vm.listen || vm.router_level.IsMap()))
                reader.error_at(vm.mark, "VM '" + vm.name + "': 'listen' and 'router_level' are for a VM that speaks BGP (give it an 'asn')");
            if (vm.asn && is_azure_reserved_asn(*vm.asn))
                reader.error_at(vm.mark, "VM '" + vm.name + "': ASN " + std::to_string(*vm.asn) + " is reserved by Azure or IANA");
        }
        if (const auto& s = v.route_server) {
            for (const auto& a : s->addresses) inside(a, s->mark, "Route Server '" + s->name + "': address");
            // "Azure Route Server support for ExpressRoute and Azure VPN": the VPN gateway
            // it exchanges routes with is active-active and keeps ASN 65515.
            if (const auto& g = v.vpn_gateway; g && s->branch_to_branch && (!g->active_active || g->asn != 65515))
                reader.error_at(s->mark, "Route Server '" + s->name + "': branch-to-branch with VPN gateway '" + g->name +
                                             "' needs it active-active with ASN 65515 (Azure requires both)");
            for (const auto& peer : s->peers) {
                const auto vm = std::find_if(v.vms.begin(), v.vms.end(), [&](const VmDesign& x) { return x.name == peer; });
                if (vm == v.vms.end() || !vm->asn)
                    reader.error_at(s->peers_mark, "Route Server '" + s->name + "': peer '" + peer + "' is not a VM of VNet '" + v.name +
                                                       "' with an 'asn' (an NVA that speaks BGP)");
                else if (*vm->asn > 65535)
                    reader.error_at(s->peers_mark, "Route Server '" + s->name + "': peer '" + peer + "' has ASN " + std::to_string(*vm->asn) +
                                                       "; a Route Server peers with 16-bit ASNs only (\"Azure Route Server FAQ\")");
            }
        }
        for (const auto* other = design.vnets.data(); other != &v; ++other)
            for (const auto& a : v.address_spaces)
                for (const auto& b : other->address_spaces)
                    if (overlaps(a, b))
                        reader.error_at(v.mark, "address space " + a.to_string() + " of VNet '" + v.name + "' overlaps " +
                                                    b.to_string() + " of VNet '" + other->name + "'");
        check_peerings(reader, design, v);
    }
}

void check_circuits(Reader& reader, const Design& design) {
    std::vector<std::pair<Prefix, std::string>> links;
    const auto claim = [&](const Prefix& p, const YAML::Mark& mark, const CircuitDesign& c) {
        for (const auto& [other, owner] : links)
            if (overlaps(p, other))
                reader.error_at(mark, "link prefix " + p.to_string() + " overlaps " + other.to_string() + " of " + owner);
        links.emplace_back(p, "circuit " + c.name);
    };
    for (const auto& c : design.circuits)
        for (int i = 0; i < 2; ++i) {
            if (c.link_prefixes[i].length() != 0) claim(c.link_prefixes[i], c.link_marks[i], c);
            if (const auto& v6 = c.ipv6_link_prefixes[i]) claim(*v6, c.ipv6_mark, c);
        }
}

void check_global_reach(Reader& reader, const Design& design) {
    std::set<std::pair<std::string, std::string>> pairs;
    for (const auto& g : design.global_reach) {
        for (const auto& name : g.circuits)
            if (!name.empty() && !find_circuit(design, name)) reader.error_at(g.mark, "global_reach: no circuit named '" + name + "'");
        if (g.circuits[0] == g.circuits[1]) reader.error_at(g.mark, "global_reach links two different circuits, not '" + g.circuits[0] + "' with itself");
        if (!pairs.insert(std::minmax(g.circuits[0], g.circuits[1])).second)
            reader.error_at(g.mark, "global_reach: circuits '" + g.circuits[0] + "' and '" + g.circuits[1] + "' are linked twice");
        for (const auto* other = design.global_reach.data(); other != &g; ++other)
            if (g.address_prefix.length() != 0 && other->address_prefix.length() != 0 && overlaps(g.address_prefix, other->address_prefix))
                reader.error_at(g.prefix_mark, "global_reach address_prefix " + g.address_prefix.to_string() + " overlaps " +
                                                   other->address_prefix.to_string() + " of another global_reach");
        for (const auto& c : design.circuits)
            for (const auto& link : c.link_prefixes)
                if (link.length() != 0 && g.address_prefix.length() != 0 && overlaps(link, g.address_prefix))
                    reader.error_at(g.prefix_mark, "global_reach address_prefix " + g.address_prefix.to_string() + " overlaps " +
                                                       link.to_string() + " of circuit " + c.name);
    }
}

void check_connections(Reader& reader, const Design& design) {
    std::set<std::string> seen;
    for (const auto& c : design.connections) {
        const auto at = c.mark;
        const auto label = c.name.empty() ? std::string("a connection") : "connection '" + c.name + "'";
        const auto* vnet = find_vnet(design, c.vnet);
        if (!c.vnet.empty() && !vnet) reader.error_at(at, label + ": the design has no VNet '" + c.vnet + "'");
        const auto refuse = [&](bool present, const char* key) {
            if (present) reader.error_at(at, label + ": '" + key + "' does not apply to this connection type");
        };
        switch (c.type) {
        case ConnectionType::expressroute: {
            refuse(!c.ce.empty(), "ce");
            refuse(!c.remote_vnet.empty(), "remote_vnet");
            if (!c.enable_bgp) reader.error_at(at, label + ": ExpressRoute private peering always runs BGP");
            if (c.circuit.empty()) reader.error_at(at, label + " (expressroute) needs a 'circuit'");
            else if (!find_circuit(design, c.circuit)) reader.error_at(at, label + ": the design has no circuit '" + c.circuit + "'");
            if (vnet && !vnet->er_gateway)
                reader.error_at(at, label + ": VNet '" + vnet->name + "' has no ExpressRoute gateway (er_gateway) to connect to circuit '" +
                                        c.circuit + "'");
            if (!seen.insert("er:" + c.vnet + ":" + c.circuit).second)
                reader.error_at(at, label + ": VNet '" + c.vnet + "' is already connected to circuit '" + c.circuit + "'");
            break;
        }
        case ConnectionType::ipsec: {
            refuse(!c.circuit.empty(), "circuit");
            refuse(!c.remote_vnet.empty(), "remote_vnet");
            if (vnet && !vnet->vpn_gateway)
                reader.error_at(at, label + ": VNet '" + vnet->name + "' has no VPN gateway (vpn_gateway)");
            const auto ce = find_ce(design, c.ce);
            if (c.ce.empty()) reader.error_at(at, label + " (ipsec) needs a 'ce' (the site's router at the tunnel's end)");
            else if (!ce.ce) reader.error_at(at, label + ": no site has a CE '" + c.ce + "'");
            if (!ce.ce) break;
            // IPv6 over a site-to-site tunnel is not modelled: the tunnel, its BGP session
            // and what the site sends over it are IPv4 here.
            const auto ipv6 = [](const std::optional<IpAddress>& a) { return a && !a->is_v4(); };
            if (ipv6(ce.ce->bgp_peering_address) || ipv6(ce.ce->tunnel_address))
                reader.error_at(ce.ce->mark, "CE '" + ce.ce->name + "': IPv6 over a site-to-site VPN connection is not modelled; its BGP and tunnel addresses for " +
                                                 label + " must be IPv4");
            // A site with a dual-stack circuit link sends its IPv6 prefixes over that
            // alone (the tunnel's session carries IPv4); one without meant them for the tunnel.
            const auto dual_stack_link = std::any_of(ce.site->ces.begin(), ce.site->ces.end(), [&](const CeDesign& other) {
                return std::any_of(other.expressroute.begin(), other.expressroute.end(), [&](const CeCircuitLink& link) {
                    const auto* circuit = find_circuit(design, link.circuit);
                    return circuit && circuit->dual_stack();
                });
            });
            if (!dual_stack_link && seen.insert("ipv6:" + ce.site->name).second)
                for (const auto& prefix : ce.site->advertise)
                    if (prefix.afi() != bgp::Afi::ipv4)
                        reader.error_at(ce.site->mark, "site '" + ce.site->name + "' advertises IPv6 prefix " + prefix.to_string() +
                                                           " over its site-to-site VPN (" + label + "), where IPv6 is not modelled");
            if (c.enable_bgp && !ce.ce->bgp_peering_address)
                reader.error_at(ce.ce->mark, "CE '" + ce.ce->name + "' needs a 'bgp_peering_address' (its BGP address inside the tunnel) for " + label);
            else if (!ce.ce->tunnel_end())
                reader.error_at(ce.ce->mark, "CE '" + ce.ce->name + "' needs a 'tunnel_address' (its end of the tunnel) for " + label);
            if (const auto tunnel = ce.ce->tunnel_end())
                for (const auto& v : design.vnets)
                    if (inside_any(v.address_spaces, *tunnel))
                        reader.error_at(ce.ce->mark, "CE '" + ce.ce->name + "': its tunnel address " + tunnel->to_string() +
                                                         " is inside VNet '" + v.name + "' (Azure refuses an on-premises BGP address in a VNet)");
            if (vnet && vnet->vpn_gateway && c.enable_bgp && vnet->vpn_gateway->asn == ce.site->asn)
                reader.error_at(at, label + ": site '" + ce.site->name + "' and VPN gateway '" + vnet->vpn_gateway->name +
                                        "' have one ASN; BGP over the tunnel needs two");
            if (!seen.insert("ipsec:" + c.vnet + ":" + c.ce).second)
                reader.error_at(at, label + ": VNet '" + c.vnet + "' already has a tunnel to CE '" + c.ce + "'");
            break;
        }
        case ConnectionType::vnet2vnet: {
            refuse(!c.circuit.empty(), "circuit");
            refuse(!c.ce.empty(), "ce");
            const auto* remote = find_vnet(design, c.remote_vnet);
            if (c.remote_vnet.empty()) reader.error_at(at, label + " (vnet2vnet) needs a 'remote_vnet'");
            else if (!remote) reader.error_at(at, label + ": the design has no VNet '" + c.remote_vnet + "'");
            if (remote == vnet && vnet) reader.error_at(at, label + ": a VNet cannot connect to itself");
            for (const auto* v : {vnet, remote})
                if (v && !v->vpn_gateway) reader.error_at(at, label + ": VNet '" + v->name + "' has no VPN gateway (vpn_gateway)");
            if (vnet && remote && vnet->vpn_gateway && remote->vpn_gateway && c.enable_bgp &&
                vnet->vpn_gateway->asn == remote->vpn_gateway->asn)
                reader.error_at(at, label + ": both VPN gateways have ASN " + std::to_string(vnet->vpn_gateway->asn) +
                                        "; VNet-to-VNet BGP needs two (give one gateway another 'asn')");
            auto key = std::min(c.vnet, c.remote_vnet) + ":" + std::max(c.vnet, c.remote_vnet);
            if (!seen.insert("v2v:" + key).second) reader.error_at(at, label + ": these VNets are already connected");
            break;
        }
        }
    }
}

void check_sites(Reader& reader, const Design& design) {
    std::vector<std::pair<Prefix, std::string>> lans;
    std::map<std::string, std::string> circuit_links;  // "circuit:link" -> CE
    for (const auto& s : design.sites) {
        if (auto why = refuse_asn(Role::ce, s.asn)) reader.error_at(s.asn_mark, "site '" + s.name + "': " + *why);
        for (const auto& p : s.lan_prefixes) {
            for (const auto& [other, owner] : lans)
                if (overlaps(p, other)) reader.error_at(s.mark, "site '" + s.name + "': LAN prefix " + p.to_string() + " overlaps " + other.to_string() + " of " + owner);
            for (const auto& v : design.vnets)
                for (const auto& space : v.address_spaces)
                    if (overlaps(p, space))
                        reader.error_at(s.mark, "site '" + s.name + "': LAN prefix " + p.to_string() + " overlaps VNet '" + v.name + "''s " + space.to_string());
            lans.emplace_back(p, "site " + s.name);
        }
        const auto on_lan = [&](const IpAddress& a) { return inside_any(s.lan_prefixes, a); };
        if (s.lan_router) {
            // The CE-to-LAN-router links are IPv4 /31s.
            for (const auto& p : s.lan_prefixes)
                if (p.afi() == bgp::Afi::ipv6) {
                    reader.error_at(s.mark, "site '" + s.name + "': IPv6 LAN prefix " + p.to_string() +
                                                " with a lan_router is not modelled (its links to the CEs are IPv4); "
                                                "without a lan_router the CEs sit on the LAN prefixes of both families");
                    break;
                }
            if (!on_lan(s.lan_router->address))
                reader.error_at(s.lan_router->mark, "LAN router '" + s.lan_router->name + "': address " + s.lan_router->address.to_string() +
                                                        " is on none of site '" + s.name + "''s lan_prefixes");
            for (const auto& via : s.lan_router->default_via)
                if (std::none_of(s.ces.begin(), s.ces.end(), [&](const CeDesign& c) { return c.name == via; }))
                    reader.error_at(s.lan_router->mark, "LAN router '" + s.lan_router->name + "': default_via '" + via + "' is not a CE of site '" + s.name + "'");
        }
        for (const auto& h : s.hosts)
            if (!on_lan(h.address))
                reader.error_at(h.mark, "host '" + h.name + "': " + h.address.to_string() + " is on none of site '" + s.name + "''s lan_prefixes");
        for (const auto& c : s.ces) {
            if (s.lan_router && c.lan_address)
                reader.error_at(c.mark, "CE '" + c.name + "': lan_address is for a site without a lan_router (with one, the CE has a lan_link)");
            if (!s.lan_router && c.lan_link)
                reader.error_at(c.mark, "CE '" + c.name + "': lan_link needs the site's lan_router at its other end");
            if (c.lan_address && !on_lan(*c.lan_address))
                reader.error_at(c.mark, "CE '" + c.name + "': lan_address " + c.lan_address->to_string() + " is on none of site '" + s.name + "''s lan_prefixes");
            for (const auto& link : c.expressroute) {
                if (!find_circuit(design, link.circuit)) {
                    reader.error_at(link.mark, "CE '" + c.name + "': the design has no circuit '" + link.circuit + "'");
                    continue;
                }
                const auto key = link.circuit + (link.link == CircuitLink::primary ? " primary" : " secondary");
                if (auto [it, inserted] = circuit_links.emplace(key, c.name); !inserted)
                    reader.error_at(link.mark, "CE '" + c.name + "': circuit " + key + " link already ends at CE '" + it->second + "'");
            }
        }
        if (s.ibgp && s.ces.size() < 2) reader.error_at(s.mark, "site '" + s.name + "': ibgp needs two CEs or more");
    }
}

}  // namespace

void check_design(Reader& reader, const Design& design) {
    check_names(reader, design);
    check_vnets(reader, design);
    check_circuits(reader, design);
    check_connections(reader, design);
    check_global_reach(reader, design);
    check_sites(reader, design);
}

}  // namespace bgpemu::daemon::design
