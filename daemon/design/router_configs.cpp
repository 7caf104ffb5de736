#include "daemon/design/router_configs.hpp"

#include <algorithm>
#include <sstream>

#include "daemon/design/design_checks.hpp"

namespace bgpemu::daemon::design {

namespace {

// What both configurations are written from.
struct Ce {
    const SiteDesign& site;
    const CeDesign& ce;
    std::uint32_t router_id;
    IpAddress local;  // its transport address
    std::uint16_t port;
    const std::vector<PlannedNeighbor>& neighbors;
    std::string prefix_list;  // empty: the site advertises without one
};

// The session's next hop of a family, if it carries that family (a dual-stack
// circuit link's carries both).
std::optional<IpAddress> next_hop_of(const PlannedNeighbor& n, bool v4) {
    if (n.next_hop.is_v4() == v4) return n.next_hop;
    if (!v4 && n.next_hop_v6) return n.next_hop_v6;
    return std::nullopt;
}

std::string symbol(std::string name) {
    for (auto& c : name)
        if (c == '-' || c == '.') c = '_';
    return name;
}

std::string frr(const Ce& ce, const std::string& source) {
    std::ostringstream out;
    const auto& name = ce.ce.name;
    out << "! FRR bgpd as " << name << ", a CE of site " << ce.site.name << " (AS " << ce.site.asn << ") in the design "
        << source << ",\n! written by `bgpemud --frr-config " << name << " " << source << "`. Run it on "
        << ce.local.to_string() << " port " << ce.port << ":\n!\n"
        << "!   mkdir -p /tmp/" << name << " && /usr/lib/frr/bgpd -f " << name << ".conf -l " << ce.local.to_string()
        << " -p " << ce.port << " -Z -S -P 0 \\\n!       --vty_socket /tmp/" << name << " -i /tmp/" << name
        << "/bgpd.pid\n!\n"
        << "! The neighbours are the emulated speakers' transport addresses; the emulated link\n"
        << "! address of each session is set as the next hop, so the emulated network resolves it.\n"
        << "frr defaults traditional\nhostname " << name << "\nlog stdout informational\n!\n";
    if (!ce.prefix_list.empty()) {
        int seq = 10;
        for (const auto& p : ce.site.advertise) {
            out << (p.address().is_v4() ? "ip" : "ipv6") << " prefix-list " << ce.prefix_list << " seq " << seq << " permit "
                << p.to_string() << "\n";
            seq += 10;
        }
        out << "!\n";
    }
    bool prefer_written = false;
    for (const auto& n : ce.neighbors) {
        if (n.prefer && !prefer_written) {
            out << "route-map prefer-ER-over-VPN permit 10\n set local-preference 200\nexit\n!\n";
            prefer_written = true;
        }
        if (!n.prefer) out << "route-map from-" << n.name << " permit 10\nexit\n!\n";
        // One per family: each matches and sets that family's addresses.
        for (const bool v4 : {true, false}) {
            const auto hop = next_hop_of(n, v4);
            if (!hop) continue;
            out << "route-map to-" << n.name << (v4 ? "" : "-v6") << " permit 10\n";
            if (n.only_lan && !ce.prefix_list.empty())
                out << " match " << (v4 ? "ip" : "ipv6") << " address prefix-list " << ce.prefix_list << "\n";
            out << " set " << (v4 ? "ip next-hop " : "ipv6 next-hop global ") << hop->to_string() << "\nexit\n!\n";
        }
    }
    out << "router bgp " << ce.site.asn << "\n bgp router-id " << IpAddress::v4(ce.router_id).to_string() << "\n"
        << " ! The LAN's prefixes are reached through the LAN router; bgpd alone (no zebra) has\n"
        << " ! no RIB to check them against.\n no bgp network import-check\n";
    for (const auto& n : ce.neighbors) {
        const auto a = n.address.to_string();
        out << " ! " << n.name << ": " << n.description << "\n"
            << " neighbor " << a << " remote-as " << n.asn << "\n"
            << " neighbor " << a << " port " << ce.port << "\n"
            << " neighbor " << a << " update-source " << ce.local.to_string() << "\n";
        // Over loopback no session is on a connected subnet, as it would be on the link.
        if (n.asn != ce.site.asn) out << " neighbor " << a << " ebgp-multihop " << (n.multihop ? 255 : 2) << "\n";
        out << " neighbor " << a << " timers connect 5\n";
        if (!n.password.empty()) out << " neighbor " << a << " password " << n.password << "\n";
    }
    for (const bool v4 : {true, false}) {
        bool any = false;
        for (const auto& n : ce.neighbors) any = any || next_hop_of(n, v4);
        if (!any) continue;
        out << " !\n address-family " << (v4 ? "ipv4" : "ipv6") << " unicast\n";
        for (const auto& p : ce.site.advertise)
            if (p.address().is_v4() == v4) out << "  network " << p.to_string() << "\n";
        for (const auto& n : ce.neighbors) {
            if (!next_hop_of(n, v4)) continue;
            const auto a = n.address.to_string();
            if (!v4) out << "  neighbor " << a << " activate\n";
            if (n.ibgp_next_hop_self) out << "  neighbor " << a << " next-hop-self\n";
            out << "  neighbor " << a << " route-map " << (n.prefer ? std::string("prefer-ER-over-VPN") : "from-" + n.name)
                << " in\n  neighbor " << a << " route-map to-" << n.name << (v4 ? "" : "-v6") << " out\n";
        }
        out << " exit-address-family\n";
    }
    out << "exit\n";
    return out.str();
}

std::string bird(const Ce& ce, const std::string& source) {
    std::ostringstream out;
    const auto& name = ce.ce.name;
    out << "# BIRD 2 as " << name << ", a CE of site " << ce.site.name << " (AS " << ce.site.asn << ") in the design "
        << source << ",\n# written by `bgpemud --bird-config " << name << " " << source << "`. Run it:\n#\n"
        << "#   mkdir -p /tmp/" << name << " && bird -f -c " << name << ".conf -s /tmp/" << name << "/bird.ctl -P /tmp/"
        << name << "/bird.pid\n#\n"
        << "# The neighbours are the emulated speakers' transport addresses; the emulated link\n"
        << "# address of each session is set as the next hop, so the emulated network resolves it.\n\n"
        << "router id " << IpAddress::v4(ce.router_id).to_string() << ";\nlog stderr all;\n\n"
        << "# BIRD learns the host's interfaces (lo, which holds the transport address) from it.\nprotocol device { }\n\n";
    // The site's prefixes, announced as a `network` statement with a Null0 anchor does:
    // no `protocol kernel`, so the blackholes never reach the host's table.
    for (const bool v4 : {true, false}) {
        bool any = false;
        for (const auto& p : ce.site.advertise) any = any || p.address().is_v4() == v4;
        if (!any) continue;
        out << "protocol static " << symbol(ce.site.name) << (v4 ? "_networks" : "_networks6") << " {\n  "
            << (v4 ? "ipv4" : "ipv6") << ";\n";
        for (const auto& p : ce.site.advertise)
            if (p.address().is_v4() == v4) out << "  route " << p.to_string() << " blackhole { bgp_origin = ORIGIN_IGP; };\n";
        out << "}\n\n";
    }
    const auto set_name = symbol(ce.prefix_list.empty() ? ce.site.name : ce.prefix_list);
    const auto family_set = [&](bool v4) { return set_name + (v4 ? "_v4" : "_v6"); };
    const auto has_family = [&](bool v4) {
        return std::any_of(ce.site.advertise.begin(), ce.site.advertise.end(),
                           [&](const Prefix& p) { return p.address().is_v4() == v4; });
    };
    if (!ce.prefix_list.empty()) {
        out << "# The site's prefix list " << ce.prefix_list << ": only its own prefixes go out.\n";
        for (const bool v4 : {true, false}) {
            if (!has_family(v4)) continue;
            out << "define " << family_set(v4) << " = [ ";
            bool first = true;
            for (const auto& p : ce.site.advertise)
                if (p.address().is_v4() == v4) {
                    out << (first ? "" : ", ") << p.to_string();
                    first = false;
                }
            out << " ];\n";
        }
        out << "\n";
    }
    for (const auto& n : ce.neighbors) {
        const auto s = symbol(n.name);
        out << "filter from_" << s << " {\n";
        if (n.prefer) out << "  bgp_local_pref = 200;   # prefer-ER-over-VPN\n";
        out << "  accept;\n}\n\n";
        // One export filter per family the session carries.
        for (const bool v4 : {true, false}) {
            const auto hop = next_hop_of(n, v4);
            if (!hop) continue;
            out << "filter to_" << s << (v4 ? "" : "_v6") << " {\n";
            if (n.only_lan && !ce.prefix_list.empty())
                out << (has_family(v4) ? "  if net !~ " + family_set(v4) + " then reject;\n" : std::string("  reject;\n"));
            out << "  bgp_next_hop = " << hop->to_string() << ";\n  accept;\n}\n\n";
        }
        out << "# " << n.name << ": " << n.description << "\nprotocol bgp " << s << " {\n"
            << "  description \"" << n.description << "\";\n"
            << "  local " << ce.local.to_string() << " port " << ce.port << " as " << ce.site.asn << ";\n"
            << "  neighbor " << n.address.to_string() << " port " << ce.port << " as " << n.asn << ";\n"
            << "  multihop;          # over loopback, not the link's connected subnet\n"
            << "  strict bind on;    # the emulated speakers hold the other addresses of this port\n"
            << "  connect delay time 1;\n  connect retry time 5;\n  error wait time 1, 10;\n";
        if (!n.password.empty()) out << "  password \"" << n.password << "\";\n";
        for (const bool v4 : {true, false}) {
            if (!next_hop_of(n, v4)) continue;
            out << "  " << (v4 ? "ipv4" : "ipv6") << " {\n    import filter from_" << s << ";\n    export filter to_" << s
                << (v4 ? "" : "_v6") << ";\n";
            if (n.ibgp_next_hop_self) out << "    next hop self;\n";
            out << "  };\n";
        }
        out << "}\n\n";
    }
    return out.str();
}

}  // namespace

RouterConfig router_config(const Design& design, const CompiledDesign& compiled, const std::string& name,
                           RouterSoftware software, const std::string& source) {
    RouterConfig out;
    const auto found = find_ce(design, name);
    if (!found.ce) {
        std::string names;
        for (const auto& s : design.sites)
            for (const auto& c : s.ces) names += (names.empty() ? "" : ", ") + c.name;
        out.error = "'" + name + "' is not a CE of the design (its CEs: " + (names.empty() ? "none" : names) + ")";
        return out;
    }
    const auto id = compiled.router_ids.find(name);
    const std::uint32_t router_id = id == compiled.router_ids.end() ? 0 : id->second;
    static const std::vector<PlannedNeighbor> none;
    const auto sessions = compiled.sessions.find(name);
    const Ce ce{*found.site,
                *found.ce,
                router_id,
                compiled.transport.at(name),
                design.port,
                sessions == compiled.sessions.end() ? none : sessions->second,
                found.site->advertise_only_lan ? found.site->name + "-out" : ""};
    out.text = software == RouterSoftware::frr ? frr(ce, source) : bird(ce, source);
    return out;
}

}  // namespace bgpemu::daemon::design
