#include "daemon/ctl/reply_printers.hpp"

#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>

#include "daemon/admin/base64.hpp"
#include "daemon/admin/json_text.hpp"

namespace bgpemu::daemon::ctl {

namespace json = boost::json;

namespace {

std::string text(const json::value& value) {
    if (value.is_string()) return std::string(value.as_string());
    if (value.is_null()) return "-";
    if (value.is_bool()) return value.as_bool() ? "yes" : "no";
    return to_json_text(value);  // numbers as plain decimals
}

std::string text(const json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value ? text(*value) : "-";
}

std::string join(const json::value& list) {
    if (!list.is_array() || list.as_array().empty()) return "-";
    std::string out;
    for (const auto& item : list.as_array()) out += (out.empty() ? "" : " ") + text(item);
    return out;
}

std::string duration(std::int64_t seconds) {
    std::ostringstream out;
    if (seconds >= 86400) out << seconds / 86400 << "d";
    if (seconds >= 3600) out << (seconds % 86400) / 3600 << "h";
    if (seconds >= 60) out << (seconds % 3600) / 60 << "m";
    out << seconds % 60 << "s";
    return out.str();
}

// Prints rows as columns padded to their widest cell.
void print_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (widths.size() <= i) widths.push_back(0);
            widths[i] = std::max(widths[i], row[i].size());
        }
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
        }
        std::cout << line << "\n";
    }
}

int print_status(const json::object& result, const PrintContext&) {
    std::cout << "bgpemud " << text(result, "version") << ", config " << text(result, "config") << ", up "
              << duration(result.at("uptime_s").to_number<std::int64_t>()) << "\n\n";
    std::vector<std::vector<std::string>> rows{{"NODE", "ROLE", "ASN", "ROUTER-ID", "LISTEN", "SESSIONS", "ROUTES"}};
    for (const auto& s : result.at("speakers").as_array()) {
        const auto& o = s.as_object();
        rows.push_back({text(o, "name"), text(o, "role"), text(o, "asn"), text(o, "router_id"), text(o, "listen"),
                        text(o, "sessions_established") + "/" + text(o, "sessions"), text(o, "routes")});
    }
    print_table(rows);
    return 0;
}

int print_sessions(const json::object& result, const PrintContext&) {
    std::vector<std::vector<std::string>> rows{
        {"NODE", "PEER", "AS", "TYPE", "STATE", "FOR", "ACCEPTED", "ADVERTISED", "LAST ERROR"}};
    for (const auto& s : result.at("sessions").as_array()) {
        const auto& o = s.as_object();
        rows.push_back({text(o, "node"), text(o, "peer"), text(o, "peer_as"), text(o, "type"), text(o, "state"),
                        duration(o.at("state_since_s").to_number<std::int64_t>()), text(o, "prefixes_accepted"),
                        text(o, "prefixes_advertised"), text(o, "last_error")});
    }
    print_table(rows);
    return 0;
}

std::string mib(const json::value& bytes) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(1) << bytes.to_number<double>() / (1024.0 * 1024.0);
    return out.str();
}

int print_memory(const json::object& result, const PrintContext&) {
    std::cout << "bgpemud resident: " << mib(result.at("resident_bytes")) << " MiB\n\n";
    std::vector<std::vector<std::string>> rows{
        {"NODE", "ROUTES", "PATHS", "ATTR SETS", "ATTRS MiB", "LOC-RIB MiB", "INDEX MiB", "ADJ-OUT MiB", "B/ROUTE", "BUFFERS KiB"}};
    for (const auto& s : result.at("speakers").as_array()) {
        const auto& o = s.as_object();
        const auto& b = o.at("bytes").as_object();
        std::ostringstream per_route;
        per_route << std::fixed << std::setprecision(0) << o.at("bytes_per_route").to_number<double>();
        rows.push_back({text(o, "node"), text(o, "routes"), text(o, "paths"), text(o, "attribute_sets"),
                        mib(b.at("attribute_sets")), mib(b.at("loc_rib_entries")), mib(b.at("prefix_index")),
                        mib(b.at("adj_rib_out")), per_route.str(), std::to_string(b.at("session_buffers").to_number<std::uint64_t>() / 1024)});
    }
    print_table(rows);
    return 0;
}

int print_bmp(const json::object& result, const PrintContext&) {
    const auto& streams = result.at("streams").as_array();
    if (streams.empty()) {
        std::cout << "no BMP stations (bmp: in the topology file)\n";
        return 0;
    }
    std::vector<std::vector<std::string>> rows{{"STATION", "NODE", "CONNECTED", "CONNECTS", "MESSAGES", "KiB SENT", "OVERFLOWS", "LAST ERROR"}};
    for (const auto& s : streams) {
        const auto& o = s.as_object();
        const auto error = text(o, "last_error");
        rows.push_back({text(o, "station"), text(o, "node"), text(o, "connected"), text(o, "connects"), text(o, "messages"),
                        std::to_string(o.at("bytes_sent").to_number<std::uint64_t>() / 1024), text(o, "overflows"),
                        error.empty() ? "-" : error});
    }
    print_table(rows);
    return 0;
}

// FRR's origin codes, after the AS path as FRR's `show ip bgp` prints them.
std::string origin_code(const json::object& path) {
    const auto origin = text(path, "origin");
    return origin == "igp" ? "i" : origin == "egp" ? "e" : "?";
}

// The AS PATH column: the path and its origin code ("65002 65001 i"); for a path learned
// with an empty AS_PATH (an iBGP route from inside the AS) the origin code alone, as FRR
// prints it; "(local)" marks a route this speaker originates, before the AS path it
// carries when it has one (a route loaded by `inject`).
std::string as_path_text(const json::object& path, bool originated) {
    const auto as_path = text(path, "as_path");
    if (originated) return "(local) " + (as_path.empty() ? "" : as_path + " ") + origin_code(path);
    return as_path.empty() ? origin_code(path) : as_path + " " + origin_code(path);
}

std::string communities_text(const json::object& path) {
    std::string communities = join(path.at("communities"));
    if (const auto large = join(path.at("large_communities")); large != "-")
        communities = (communities == "-" ? "" : communities + " ") + large;
    return communities;
}

int print_rib(const json::object& result, const PrintContext& context) {
    const bool one_prefix = context.request.contains("prefix");
    const auto& routes = result.at("routes").as_array();
    if (result.contains("out")) {
        std::cout << "Sent by " << text(result, "node") << " to " << text(result, "out") << ": " << routes.size()
                  << " prefix(es)\n"
                  << "  origin codes: i IGP, e EGP, ? incomplete\n\n";
        std::vector<std::vector<std::string>> rows{
            {"PREFIX", "AS PATH", "NEXT HOP", "LP", "MED", "COMMUNITIES", "EXT COMMUNITIES"}};
        for (const auto& route : routes) {
            const auto& p = route.at("paths").as_array().at(0).as_object();
            rows.push_back({text(route.as_object(), "prefix"), as_path_text(p, false), text(p, "next_hop"),
                            text(p, "local_pref"), text(p, "med"), communities_text(p),
                            join(p.at("extended_communities"))});
        }
        print_table(rows);
        return 0;
    }
    std::cout << (result.contains("in") ? "Accepted by " + text(result, "node") + " from " + text(result, "in")
                                        : "Loc-RIB of " + text(result, "node"))
              << ": " << routes.size() << " prefix(es)\n"
              << "  * best, = ECMP member; origin codes: i IGP, e EGP, ? incomplete\n\n";
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> header{"",    "PREFIX", "FROM",   "AS PATH",     "NEXT HOP",
                                    "LP",  "MED",    "WEIGHT", "COMMUNITIES", "EXT COMMUNITIES"};
    if (one_prefix) header.push_back("LOST TO THE BEST ON");
    rows.push_back(header);
    for (const auto& route : routes) {
        const auto& r = route.as_object();
        bool first = true;
        for (const auto& path : r.at("paths").as_array()) {
            const auto& p = path.as_object();
            const bool best = p.at("best").as_bool();
            const bool multipath = p.at("multipath").as_bool();
            // The daemon names this speaker's own routes' source "local".
            const bool originated = text(p, "from") == "local";
            std::vector<std::string> row{best ? "*" : (multipath ? "=" : ""),
                                         first ? text(r, "prefix") : "",
                                         text(p, "from"),
                                         as_path_text(p, originated),
                                         p.at("next_hop").is_null() ? "self" : text(p, "next_hop"),
                                         text(p, "local_pref"),
                                         text(p, "med"),
                                         text(p, "weight"),
                                         communities_text(p),
                                         join(p.at("extended_communities"))};
            if (one_prefix) row.push_back(best ? "" : text(p, "lost_because"));
            rows.push_back(std::move(row));
            first = false;
        }
    }
    print_table(rows);
    return 0;
}

std::string next_hops_text(const json::value& hops) {
    std::string out;
    for (const auto& hop : hops.as_array()) {
        const auto& h = hop.as_object();
        const std::string via = h.at("address").is_null() ? "directly" : "via " + text(h, "address");
        out += (out.empty() ? "" : ", ") + via + " on " + text(h, "interface");
    }
    return out;
}

int print_fib(const json::object& result, const PrintContext&) {
    if (result.contains("address")) {
        std::cout << text(result, "node") << ": " << text(result, "address");
        if (result.at("route").is_null()) {
            std::cout << ": no route\n";
            return 0;
        }
        const auto& route = result.at("route").as_object();
        std::cout << " matches " << text(route, "prefix") << " (" << text(route, "protocol") << ", from "
                  << text(route, "source") << "): ";
        if (route.at("blackhole").as_bool())
            std::cout << "blackhole\n";
        else
            std::cout << next_hops_text(json::array{route.at("next_hop")}) << "\n";
        return 0;
    }
    const auto& routes = result.at("routes").as_array();
    std::cout << "FIB of " << text(result, "node") << ": " << routes.size() << " prefix(es)\n"
              << "  > installed; a route not installed says why\n\n";
    std::vector<std::vector<std::string>> rows{{"", "PREFIX", "PROTOCOL", "DIST", "FROM", "NEXT HOPS"}};
    for (const auto& route : routes) {
        const auto& r = route.as_object();
        bool first = true;
        bool winner_seen = false;
        for (const auto& candidate : r.at("candidates").as_array()) {
            const auto& c = candidate.as_object();
            const bool installed = c.at("installed").as_bool();
            std::string hops;
            if (c.at("blackhole").as_bool()) hops = "blackhole";
            else if (!c.at("usable").as_bool()) hops = "unreachable next hop " + join(c.at("gateways"));
            else hops = next_hops_text(c.at("next_hops"));
            if (!installed && c.at("usable").as_bool() && winner_seen) hops += " (a lower distance wins)";
            winner_seen = winner_seen || installed;
            rows.push_back({installed ? ">" : "", first ? text(r, "prefix") : "", text(c, "protocol"),
                            text(c, "distance"), text(c, "source"), hops});
            first = false;
        }
    }
    print_table(rows);
    return 0;
}

int print_effective_routes(const json::object& result, const PrintContext&) {
    const auto& routes = result.at("effective_routes").as_array();
    std::cout << "Effective routes of " << (result.contains("node") ? text(result, "node") + " in VNet " : "VNet ")
              << text(result, "vnet") << ": " << routes.size() << " route(s)";
    if (!result.at("route_table").is_null()) std::cout << ", route table " << text(result, "route_table");
    std::cout << "\n\n";
    std::vector<std::vector<std::string>> rows{{"SOURCE", "STATE", "ADDRESS PREFIX", "NEXT HOP TYPE", "NEXT HOP", "VIA"}};
    for (const auto& route : routes) {
        const auto& r = route.as_object();
        std::string next_hop = "-";
        if (r.contains("peer_vnet")) next_hop = text(r, "peer_vnet");
        else if (!r.at("gateways").as_array().empty()) next_hop = join(r.at("gateways"));
        else if (!r.at("next_hop_addresses").as_array().empty()) next_hop = join(r.at("next_hop_addresses"));
        // The connection's weight decides before the AS path (Azure's order), so it is shown when set.
        const bool weighted = r.contains("weight") && r.at("weight").to_number<std::int64_t>() > 0;
        std::string via = r.contains("via") ? text(r, "via") + " (" + (weighted ? "weight " + text(r, "weight") + ", " : std::string()) +
                                                  "AS path " + text(r, "as_path_length") + ")"
                                            : "";
        if (r.contains("route")) via = "route " + text(r, "route");
        if (r.contains("note")) via += (via.empty() ? "" : "; ") + text(r, "note");
        rows.push_back({text(r, "source"), text(r, "state"), text(r, "prefix"), text(r, "next_hop_type"), next_hop, via});
    }
    print_table(rows);
    return 0;
}

std::string verdict_text(const json::object& walk) {
    const auto verdict = text(walk, "verdict");
    if (verdict == "delivered") return "reached " + text(walk, "at");
    return verdict + " at " + text(walk, "at") + ": " + text(walk, "reason");
}

int print_trace(const json::object& result, const PrintContext&) {
    const auto& paths = result.at("paths").as_array();
    std::cout << "trace from " << text(result, "from") << " (" << text(result, "source") << ") to "
              << text(result, "destination") << "\n";
    bool delays = false;
    for (const auto& path : paths)
        for (const auto& hop : path.at("hops").as_array())
            delays = delays || (hop.as_object().contains("rtt_ms") && hop.at("rtt_ms").to_number<double>() > 0);
    std::size_t number = 0;
    for (const auto& path : paths) {
        const auto& p = path.as_object();
        if (paths.size() > 1) std::cout << "path " << ++number << " of " << paths.size() << "\n";
        std::vector<std::vector<std::string>> rows;
        for (const auto& hop : p.at("hops").as_array()) {
            const auto& h = hop.as_object();
            std::vector<std::string> row{std::string(h.at("hop").as_int64() < 10 ? " " : "") + text(h, "hop"),
                                         h.at("address").is_null() ? "*" : text(h, "address"),
                                         text(h, "node") + (h.contains("inferred") ? " (external: inferred)" : "")};
            if (delays) {
                std::ostringstream rtt;
                if (h.contains("rtt_ms")) rtt << std::fixed << std::setprecision(1) << h.at("rtt_ms").to_number<double>() << " ms";
                row.push_back(rtt.str());
            }
            rows.push_back(std::move(row));
        }
        print_table(rows);
        std::cout << verdict_text(p) << "\n";
    }
    return 0;
}

int print_ping(const json::object& result, const PrintContext&) {
    std::cout << "ping from " << text(result, "from") << " (" << text(result, "source") << ") to "
              << text(result, "destination") << ": " << (result.at("reachable").as_bool() ? "reachable" : "UNREACHABLE") << "\n";
    std::cout << "  there: " << verdict_text(result.at("forward").as_object()) << " via " << join(result.at("forward").at("nodes")) << "\n";
    if (!result.at("back").is_null())
        std::cout << "  back:  " << verdict_text(result.at("back").as_object()) << " via " << join(result.at("back").at("nodes")) << "\n";
    return result.at("reachable").as_bool() ? 0 : 1;
}

int print_links(const json::object& result, const PrintContext&) {
    std::vector<std::vector<std::string>> rows{{"LINK", "A", "B", "DELAY", "STATE"}};
    const auto end = [](const json::value& e) { return text(e.as_object(), "node") + ":" + text(e.as_object(), "interface") + " " + text(e.as_object(), "address"); };
    for (const auto& link : result.at("links").as_array()) {
        const auto& l = link.as_object();
        std::ostringstream delay;
        delay << l.at("delay_ms").to_number<double>() << " ms";
        rows.push_back({text(l, "name"), end(l.at("a")), end(l.at("b")), delay.str(), l.at("up").as_bool() ? "up" : "DOWN"});
    }
    print_table(rows);
    return 0;
}

// A table of nodes, then one of VNets; the fields a node does not have left blank.
int print_topology(const json::object& result, const PrintContext&) {
    const auto cell = [](const json::object& o, const char* key) { return o.at(key).is_null() ? std::string() : text(o, key); };
    std::vector<std::vector<std::string>> nodes{{"NODE", "KIND", "ROLE", "AS", "SITE", "CIRCUIT", "VNET"}};
    for (const auto& node : result.at("nodes").as_array()) {
        const auto& n = node.as_object();
        nodes.push_back({text(n, "name"), text(n, "kind"), cell(n, "role"), cell(n, "asn"), cell(n, "site"),
                         cell(n, "circuit"), cell(n, "vnet")});
    }
    print_table(nodes);
    std::vector<std::vector<std::string>> vnets{{"VNET", "ADDRESS SPACES", "PEERINGS", "GATEWAYS", "HOSTS"}};
    for (const auto& vnet : result.at("vnets").as_array()) {
        const auto& v = vnet.as_object();
        std::string peerings;
        for (const auto& peering : v.at("peerings").as_array()) {
            const auto& p = peering.as_object();
            peerings += (peerings.empty() ? "" : ", ") + text(p, "vnet");
            if (p.at("allow_gateway_transit").as_bool()) peerings += " (gateway transit)";
            if (p.at("use_remote_gateways").as_bool()) peerings += " (remote gateways)";
        }
        vnets.push_back({text(v, "name"), join(v.at("address_spaces")), peerings, join(v.at("gateways")), join(v.at("hosts"))});
    }
    std::cout << "\n";
    print_table(vnets);
    return 0;
}

int print_inject(const json::object& result, const PrintContext&) {
    if (result.at("file").is_null()) {
        std::cout << text(result, "node") << ": " << text(result, "withdrawn") << " injected route(s) withdrawn\n";
        return 0;
    }
    std::string peers;
    for (const auto& peer : result.at("peers").as_array())
        peers += (peers.empty() ? "" : ", ") + text(peer.as_object(), "address") + " (AS" + text(peer.as_object(), "as") + ")";
    std::cout << text(result, "node") << ": " << text(result, "added") << " route(s) loaded from " << text(result, "file") << " ("
              << text(result, "records") << " MRT records, " << text(result, "skipped") << " route(s) skipped as malformed; peers "
              << (peers.empty() ? "-" : peers) << "); "
              << text(result, "injected") << " injected in all\n";
    return 0;
}

int print_metrics(const json::object& result, const PrintContext&) {
    std::cout << text(result, "text");
    return 0;
}

int print_events(const json::object& result, const PrintContext&) {
    for (const auto& event : result.at("events").as_array()) {
        const auto& e = event.as_object();
        const auto ms = e.at("time_ms").as_int64();
        const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
        std::tm utc{};
        ::gmtime_r(&seconds, &utc);
        std::cout << std::put_time(&utc, "%H:%M:%S") << "." << std::setw(3) << std::setfill('0') << ms % 1000
                  << std::setfill(' ') << "  " << std::left << std::setw(8) << text(e, "kind") << std::right << text(e, "text") << "\n";
    }
    return 0;
}

int print_check(const json::object& result, const PrintContext&) {
    std::vector<std::vector<std::string>> rows{{"FROM", "TO", "VERDICT", "THERE", "BACK"}};
    for (const auto& pair : result.at("pairs").as_array()) {
        const auto& p = pair.as_object();
        const auto kind = [&](const char* key, const char* walk) {
            if (p.contains(key)) return text(p, key);
            const auto& w = p.at(walk).as_object();
            return text(w, "verdict") == "delivered" ? std::string("reached") : text(w, "verdict") + " at " + text(w, "at");
        };
        rows.push_back({text(p, "from"), text(p, "to"),
                        p.at("problem").as_bool() ? "PROBLEM: " + text(p, "verdict") : text(p, "verdict"),
                        kind("kind_there", "there"), kind("kind_back", "back")});
    }
    print_table(rows);
    for (const auto& finding : result.at("findings").as_array())
        std::cout << "PROBLEM: " << text(finding.as_object(), "node") << ": " << text(finding.as_object(), "text") << "\n";
    const auto problems = result.at("problems").as_int64();
    std::cout << (problems == 0 ? "no problem found" : std::to_string(problems) + " problem(s)") << "\n";
    return problems == 0 ? 0 : 1;
}

}  // namespace

std::string matrix_label(const json::object& cell) {
    const auto kind = [](const json::object& direction) {
        const auto k = text(direction, "kind");
        if (k == "ExpressRoute") return std::string("ER");
        if (k == "ExpressRoute+VPN") return std::string("ER+VPN");
        return k;
    };
    const auto& there = cell.at("there").as_object();
    const auto& back = cell.at("back").as_object();
    if (!there.at("delivered").as_bool()) return "-";
    const auto out = kind(there);
    return back.at("delivered").as_bool() && kind(back) != out ? out + "/" + kind(back) : out;
}

namespace {

// The matrix as a grid, then each reachable cell's MSEEs and gateways; with --expect
// FILE, the cells that differ from it (exit 1 when any does).
int print_matrix(const json::object& result, const PrintContext& context) {
    std::vector<std::string> networks;
    for (const auto& n : result.at("networks").as_array()) networks.push_back(text(n));
    std::map<std::pair<std::string, std::string>, const json::object*> cells;
    for (const auto& c : result.at("cells").as_array()) cells[{text(c.as_object(), "from"), text(c.as_object(), "to")}] = &c.as_object();
    std::vector<std::vector<std::string>> rows{{"FROM \\ TO"}};
    for (const auto& n : networks) rows[0].push_back(n);
    for (const auto& from : networks) {
        rows.push_back({from});
        for (const auto& to : networks) {
            const auto it = cells.find({from, to});
            rows.back().push_back(it == cells.end() ? "" : matrix_label(*it->second));
        }
    }
    print_table(rows);
    std::cout << "ER: ExpressRoute, VPN, peering, direct; X/Y: X there, Y for the answer's probe back; -: unreachable\n";
    for (const auto& c : result.at("cells").as_array()) {
        const auto& cell = c.as_object();
        const auto& via = cell.at("there").at("via").as_array();
        if (!cell.at("there").at("delivered").as_bool() || via.empty()) continue;
        std::string path;
        for (const auto& v : via) path += (path.empty() ? "" : ", ") + text(v);
        std::cout << "  " << text(cell, "from") << " -> " << text(cell, "to") << ": " << path << "\n";
    }
    const auto* expect = context.local.if_contains("expect");
    if (expect == nullptr) return 0;
    const auto file = text(*expect);
    std::ifstream in(file);
    std::stringstream saved;
    saved << in.rdbuf();
    json::error_code error;
    auto expected = json::parse(saved.str(), error);
    if (!in || error || !expected.is_object()) {
        std::cerr << "bgpemuctl: --expect " << file << ": not a saved matrix (bgpemuctl --json matrix > FILE)\n";
        return 2;
    }
    if (const auto* inner = expected.as_object().if_contains("result")) expected = *inner;
    const auto* expected_cells = expected.is_object() ? expected.as_object().if_contains("cells") : nullptr;
    if (expected_cells == nullptr || !expected_cells->is_array()) {
        std::cerr << "bgpemuctl: --expect " << file << ": no 'cells' in it (bgpemuctl --json matrix > FILE)\n";
        return 2;
    }
    std::size_t differences = 0;
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& c : expected_cells->as_array()) {
        if (!c.is_object() || !c.as_object().contains("there") || !c.as_object().contains("back")) continue;
        const auto& want = c.as_object();
        const std::pair<std::string, std::string> key{text(want, "from"), text(want, "to")};
        seen.insert(key);
        const auto it = cells.find(key);
        const auto now = it == cells.end() ? std::string("(no such cell)") : matrix_label(*it->second);
        if (now == matrix_label(want)) continue;
        ++differences;
        std::cout << "CHANGED " << key.first << " -> " << key.second << ": expected " << matrix_label(want) << ", now " << now << "\n";
    }
    for (const auto& [key, cell] : cells)
        if (!seen.contains(key)) {
            ++differences;
            std::cout << "CHANGED " << key.first << " -> " << key.second << ": not expected, now " << matrix_label(*cell) << "\n";
        }
    std::cout << (differences == 0 ? "as expected" : std::to_string(differences) + " cell(s) differ from " + file) << "\n";
    return differences == 0 ? 0 : 1;
}

// dump rib: the MRT bytes the daemon sent, written to FILE here.
int print_dump_rib(const json::object& result, const PrintContext& context) {
    const auto file = text(context.local.at("file"));
    const auto bytes = base64_decode(text(result, "mrt_base64"));
    if (!bytes) {
        std::cerr << "bgpemuctl: the daemon's dump is not base64\n";
        return 1;
    }
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    if (!out.flush()) {
        std::cerr << "bgpemuctl: cannot write " << file << "\n";
        return 1;
    }
    std::cout << text(result, "node") << ": " << text(result, "prefixes") << " prefixes, " << text(result, "entries")
              << " paths from " << text(result, "peers") << " peers, " << bytes->size() << " bytes of MRT written to " << file << "\n";
    return 0;
}

// show fib: a FIB, one lookup, or a VNet's effective routes.
int print_fib_or_effective_routes(const json::object& result, const PrintContext& context) {
    return result.contains("effective_routes") ? print_effective_routes(result, context) : print_fib(result, context);
}

int print_session_action(const json::object& result, const PrintContext&) {
    std::cout << text(result, "node") << ": " << text(result, "done") << " of the session with " << text(result, "peer")
              << " done\n";
    return 0;
}

int print_announce(const json::object& result, const PrintContext&) {
    std::cout << text(result, "node") << ": originating " << text(result, "announced") << "\n";
    return 0;
}

int print_withdraw(const json::object& result, const PrintContext&) {
    std::cout << text(result, "node") << ": no longer originating " << text(result, "withdrawn") << "\n";
    return 0;
}

int print_reload(const json::object& result, const PrintContext&) {
    const auto& changes = result.at("changes").as_array();
    std::cout << "reloaded " << text(result, "config") << ": "
              << (changes.empty() ? "no change" : std::to_string(changes.size()) + " change(s)") << "\n";
    for (const auto& change : changes) std::cout << "  " << text(change) << "\n";
    return 0;
}

int print_link(const json::object& result, const PrintContext&) {
    std::cout << "link " << text(result, "link") << " " << text(result, "state")
              << (result.at("changed").as_bool() ? "" : " (it already was)") << "\n";
    for (const auto& session : result.at("sessions").as_array())
        std::cout << "  session " << text(session) << (text(result, "state") == "down" ? " dropped" : " restarting") << "\n";
    return 0;
}

int print_converged(const json::object& result, const PrintContext& context) {
    if (result.at("converged").as_bool()) {
        std::cout << "converged\n";
        return 0;
    }
    std::cout << "not converged"
              << (context.polled ? " after " + std::to_string(context.poll_seconds) + " s" : std::string())
              << "; waiting for:\n";
    for (const auto& reason : result.at("waiting_for").as_array()) std::cout << "  " << text(reason) << "\n";
    return 1;
}

}  // namespace

Printer printer_for(std::string_view command) {
    static const std::map<std::string_view, Printer> printers{
        {"status", print_status},
        {"show sessions", print_sessions},
        {"show rib", print_rib},
        {"show fib", print_fib_or_effective_routes},
        {"show memory", print_memory},
        {"show bmp", print_bmp},
        {"show metrics", print_metrics},
        {"show links", print_links},
        {"show topology", print_topology},
        {"show events", print_events},
        {"session reset", print_session_action},
        {"session shutdown", print_session_action},
        {"session enable", print_session_action},
        {"announce", print_announce},
        {"withdraw", print_withdraw},
        {"inject", print_inject},
        {"reload", print_reload},
        {"trace", print_trace},
        {"ping", print_ping},
        {"link", print_link},
        {"converged", print_converged},
        {"check", print_check},
        {"matrix", print_matrix},
        {"dump rib", print_dump_rib},
    };
    const auto found = printers.find(command);
    return found == printers.end() ? nullptr : found->second;
}

}  // namespace bgpemu::daemon::ctl
