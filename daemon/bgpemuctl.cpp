// bgpemuctl: the command line for a running bgpemud, over its admin socket.
//
// Turns words into one JSON request (admin protocol version 1), sends it, and prints
// the reply as tables (or as the raw JSON with --json). Exit status: 0 done, 1 the
// daemon refused the request, 2 usage error, 3 the daemon could not be reached.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "daemon/admin/admin_socket_path.hpp"

#ifndef BGPEMU_VERSION
#define BGPEMU_VERSION "0.0.0"
#endif

namespace json = boost::json;

namespace {

constexpr int reply_timeout_ms = 30000;

const char* const usage = R"(Usage: bgpemuctl [--socket PATH] [--json] COMMAND

Commands:
  status                                  the daemon and its speakers
  show sessions [NODE]                    BGP sessions (all, or one speaker's)
  show rib NODE [PREFIX] [--in PEER | --out PEER]
                                          Loc-RIB paths; for one prefix, why the best won;
                                          --in: only the paths accepted from PEER;
                                          --out: what PEER has been sent
  show fib NODE [ADDRESS [SOURCE]]        forwarding table (connected, static, BGP by
                                          distance); with ADDRESS, the longest match and
                                          the next hop the flow SOURCE -> ADDRESS takes
  show memory [NODE]                      memory by kind of object, bytes per route
  session reset|shutdown|enable NODE PEER [MESSAGE]
                                          reset (Cease/Administrative Reset), shut down
                                          (Cease/Administrative Shutdown) or start a session
  announce NODE PREFIX [med N] [origin igp|egp|incomplete]
                       [community C]... [large-community L]...
                                          originate PREFIX from NODE
  withdraw NODE PREFIX                    stop originating PREFIX
  reload                                  read the config file again and apply the
                                          difference (as SIGHUP does); refused, with
                                          every error, when the file is invalid
  trace FROM TO [--source ADDRESS] [--all-paths]
                                          the hops a probe from FROM (host, VNet or node)
                                          to TO (address or host) answers, through the
                                          live FIBs; --all-paths lists every ECMP branch
  ping FROM TO [--source ADDRESS]         reachable both ways (there and back)?
  show fib VNET                           a VNet's effective routes
  show links                              emulated links and their state
  link down|up A B | link down|up LINK    fail or restore a link: its sessions drop at
                                          once, routes are withdrawn over BGP
  show events [N]                         the last N session, link and reload events
  wait converged [--timeout S] [--quiet MS]
                                          return when sessions and routes have settled
                                          (exit 1 after S seconds, default 60)
  check [symmetry] [FROM TO]              forward and return paths of every pair of
                                          hosts (or one): asymmetric (ExpressRoute one
                                          way, VPN the other) or one-way pairs; without
                                          `symmetry` also prefix limits and overlaps;
                                          exit 1 when a problem is found
  request JSON                            send one raw request object

Options:
  --socket PATH   the admin socket (default: $BGPEMU_SOCKET, /run/bgpemu/bgpemud.sock as
                  root, else $XDG_RUNTIME_DIR/bgpemud.sock or /tmp/bgpemud-UID.sock)
  --json          print the daemon's JSON reply as it is
  --version, --help
)";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// --- building the request -----------------------------------------------------------

json::object build_request(const std::vector<std::string>& words) {
    const auto need = [&](std::size_t count, const char* form) {
        if (words.size() < count) throw UsageError(std::string("usage: bgpemuctl ") + form);
    };
    if (words.empty()) throw UsageError("no command given");
    json::object request{{"version", 1}};
    const auto& verb = words[0];
    if (verb == "status") {
        request["command"] = "status";
    } else if (verb == "show" && words.size() >= 2 && words[1] == "sessions") {
        request["command"] = "show sessions";
        if (words.size() >= 3) request["node"] = words[2];
    } else if (verb == "show" && words.size() >= 2 && words[1] == "rib") {
        need(3, "show rib NODE [PREFIX] [--in PEER | --out PEER]");
        request["command"] = "show rib";
        request["node"] = words[2];
        for (std::size_t i = 3; i < words.size(); ++i) {
            if (words[i] == "--in" || words[i] == "--out") {
                if (i + 1 >= words.size()) throw UsageError(words[i] + " needs a neighbour's name");
                request[words[i].substr(2)] = words[i + 1];
                ++i;
            } else if (!request.contains("prefix")) {
                request["prefix"] = words[i];
            } else {
                throw UsageError("unexpected '" + words[i] + "' (show rib NODE [PREFIX] [--in PEER | --out PEER])");
            }
        }
    } else if (verb == "show" && words.size() >= 2 && words[1] == "fib") {
        need(3, "show fib NODE [ADDRESS [SOURCE]]");
        request["command"] = "show fib";
        request["node"] = words[2];
        if (words.size() >= 4) request["address"] = words[3];
        if (words.size() >= 5) request["source"] = words[4];
    } else if (verb == "show" && words.size() >= 2 && words[1] == "memory") {
        request["command"] = "show memory";
        if (words.size() >= 3) request["node"] = words[2];
    } else if (verb == "session") {
        need(4, "session reset|shutdown|enable NODE PEER [MESSAGE]");
        if (words[1] != "reset" && words[1] != "shutdown" && words[1] != "enable")
            throw UsageError("session takes reset, shutdown or enable, not '" + words[1] + "'");
        request["command"] = "session " + words[1];
        request["node"] = words[2];
        request["peer"] = words[3];
        if (words.size() >= 5) request["message"] = words[4];
    } else if (verb == "reload") {
        request["command"] = "reload";
    } else if (verb == "announce") {
        need(3, "announce NODE PREFIX [med N] [origin O] [community C]... [large-community L]...");
        request["command"] = "announce";
        request["node"] = words[1];
        request["prefix"] = words[2];
        json::array communities;
        json::array large;
        for (std::size_t i = 3; i < words.size(); i += 2) {
            if (i + 1 >= words.size()) throw UsageError("'" + words[i] + "' needs a value");
            const auto& key = words[i];
            const auto& value = words[i + 1];
            if (key == "med") {
                try {
                    std::size_t used = 0;
                    const auto med = std::stoll(value, &used);
                    if (used != value.size()) throw std::invalid_argument(value);
                    request["med"] = med;
                } catch (const std::exception&) {
                    throw UsageError("med must be a number, not '" + value + "'");
                }
            } else if (key == "origin") {
                request["origin"] = value;
            } else if (key == "community") {
                communities.push_back(json::value(value));
            } else if (key == "large-community") {
                large.push_back(json::value(value));
            } else {
                throw UsageError("unknown announce attribute '" + key +
                                 "' (med, origin, community, large-community)");
            }
        }
        if (!communities.empty()) request["communities"] = std::move(communities);
        if (!large.empty()) request["large_communities"] = std::move(large);
    } else if (verb == "withdraw") {
        need(3, "withdraw NODE PREFIX");
        request["command"] = "withdraw";
        request["node"] = words[1];
        request["prefix"] = words[2];
    } else if (verb == "trace" || verb == "ping") {
        need(3, verb == "trace" ? "trace FROM TO [--source ADDRESS] [--all-paths]" : "ping FROM TO [--source ADDRESS]");
        request["command"] = verb;
        request["from"] = words[1];
        request["to"] = words[2];
        for (std::size_t i = 3; i < words.size(); ++i) {
            if (words[i] == "--source" && i + 1 < words.size()) request["source"] = words[++i];
            else if (words[i] == "--all-paths" && verb == "trace") request["all_paths"] = true;
            else throw UsageError("unexpected '" + words[i] + "' after " + verb + " FROM TO");
        }
    } else if (verb == "show" && words.size() >= 2 && words[1] == "links") {
        request["command"] = "show links";
    } else if (verb == "show" && words.size() >= 2 && words[1] == "events") {
        request["command"] = "show events";
        if (words.size() >= 3) {
            try {
                request["limit"] = std::stoll(words[2]);
            } catch (const std::exception&) {
                throw UsageError("show events takes a count, not '" + words[2] + "'");
            }
        }
    } else if (verb == "link") {
        need(3, "link down|up A B   or   link down|up LINK");
        if (words[1] != "down" && words[1] != "up") throw UsageError("link takes down or up, not '" + words[1] + "'");
        request["command"] = "link";
        request["action"] = words[1];
        if (words.size() == 3) {
            request["link"] = words[2];
        } else {
            request["a"] = words[2];
            request["b"] = words[3];
        }
    } else if (verb == "wait") {
        if (words.size() < 2 || words[1] != "converged") throw UsageError("usage: bgpemuctl wait converged [--timeout S] [--quiet MS]");
        request["command"] = "converged";
        request["timeout_s"] = 60;  // marks the request as one to repeat (not sent to the daemon)
        for (std::size_t i = 2; i < words.size(); i += 2) {
            if (i + 1 >= words.size()) throw UsageError("'" + words[i] + "' needs a value");
            long long value = 0;
            try {
                value = std::stoll(words[i + 1]);
            } catch (const std::exception&) {
                throw UsageError("'" + words[i] + "' needs a number, not '" + words[i + 1] + "'");
            }
            if (words[i] == "--timeout") request["timeout_s"] = value;  // used here, not by the daemon
            else if (words[i] == "--quiet") request["quiet_ms"] = value;
            else throw UsageError("unexpected '" + words[i] + "' (wait converged [--timeout S] [--quiet MS])");
        }
    } else if (verb == "check") {
        request["command"] = "check";
        std::size_t i = 1;
        if (words.size() > 1 && words[1] == "symmetry") {
            request["what"] = "symmetry";
            ++i;
        }
        if (words.size() == i + 2) {
            request["from"] = words[i];
            request["to"] = words[i + 1];
        } else if (words.size() != i) {
            throw UsageError("usage: bgpemuctl check [symmetry] [FROM TO]");
        }
    } else if (verb == "request") {
        need(2, "request JSON");
        json::error_code error;
        auto value = json::parse(words[1], error);
        if (error || !value.is_object()) throw UsageError("request takes one JSON object");
        return value.as_object();
    } else {
        throw UsageError("unknown command '" + verb + "'");
    }
    return request;
}

// --- talking to the daemon ----------------------------------------------------------

std::optional<std::string> exchange(const std::string& socket_path, const std::string& request, std::string& error) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof address.sun_path) {
        ::close(fd);
        error = "socket path too long";
        return std::nullopt;
    }
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        error = std::strerror(errno);
        ::close(fd);
        return std::nullopt;
    }
    const std::string line = request + "\n";
    for (std::size_t sent = 0; sent < line.size();) {
        const auto n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            error = std::strerror(errno);
            ::close(fd);
            return std::nullopt;
        }
        sent += static_cast<std::size_t>(n);
    }
    std::string reply;
    char buffer[65536];
    while (reply.find('\n') == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, reply_timeout_ms) <= 0) {
            error = "no reply within " + std::to_string(reply_timeout_ms / 1000) + " s";
            ::close(fd);
            return std::nullopt;
        }
        const auto n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) {
            error = "the daemon closed the connection";
            ::close(fd);
            return std::nullopt;
        }
        reply.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    reply.erase(reply.find('\n'));
    return reply;
}

// --- printing -----------------------------------------------------------------------

std::string text(const json::value& value) {
    if (value.is_string()) return std::string(value.as_string());
    if (value.is_null()) return "-";
    if (value.is_bool()) return value.as_bool() ? "yes" : "no";
    return json::serialize(value);
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

void print_status(const json::object& result) {
    std::cout << "bgpemud " << text(result, "version") << ", config " << text(result, "config") << ", up "
              << duration(result.at("uptime_s").to_number<std::int64_t>()) << "\n\n";
    std::vector<std::vector<std::string>> rows{{"NODE", "ROLE", "ASN", "ROUTER-ID", "LISTEN", "SESSIONS", "ROUTES"}};
    for (const auto& s : result.at("speakers").as_array()) {
        const auto& o = s.as_object();
        rows.push_back({text(o, "name"), text(o, "role"), text(o, "asn"), text(o, "router_id"), text(o, "listen"),
                        text(o, "sessions_established") + "/" + text(o, "sessions"), text(o, "routes")});
    }
    print_table(rows);
}

void print_sessions(const json::object& result) {
    std::vector<std::vector<std::string>> rows{
        {"NODE", "PEER", "AS", "TYPE", "STATE", "FOR", "ACCEPTED", "ADVERTISED", "LAST ERROR"}};
    for (const auto& s : result.at("sessions").as_array()) {
        const auto& o = s.as_object();
        rows.push_back({text(o, "node"), text(o, "peer"), text(o, "peer_as"), text(o, "type"), text(o, "state"),
                        duration(o.at("state_since_s").to_number<std::int64_t>()), text(o, "prefixes_accepted"),
                        text(o, "prefixes_advertised"), text(o, "last_error")});
    }
    print_table(rows);
}

std::string mib(const json::value& bytes) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(1) << bytes.to_number<double>() / (1024.0 * 1024.0);
    return out.str();
}

void print_memory(const json::object& result) {
    std::cout << "bgpemud resident: " << mib(result.at("resident_bytes")) << " MiB\n\n";
    std::vector<std::vector<std::string>> rows{
        {"NODE", "ROUTES", "PATHS", "ATTR SETS", "ATTRS MiB", "LOC-RIB MiB", "INDEX MiB", "ADJ-OUT MiB", "B/ROUTE"}};
    for (const auto& s : result.at("speakers").as_array()) {
        const auto& o = s.as_object();
        const auto& b = o.at("bytes").as_object();
        std::ostringstream per_route;
        per_route << std::fixed << std::setprecision(0) << o.at("bytes_per_route").to_number<double>();
        rows.push_back({text(o, "node"), text(o, "routes"), text(o, "paths"), text(o, "attribute_sets"),
                        mib(b.at("attribute_sets")), mib(b.at("loc_rib_entries")), mib(b.at("prefix_index")),
                        mib(b.at("adj_rib_out")), per_route.str()});
    }
    print_table(rows);
}

void print_rib(const json::object& result, bool one_prefix) {
    const auto& routes = result.at("routes").as_array();
    if (result.contains("out")) {
        std::cout << "Sent by " << text(result, "node") << " to " << text(result, "out") << ": " << routes.size()
                  << " prefix(es)\n\n";
        std::vector<std::vector<std::string>> rows{{"PREFIX", "AS PATH", "NEXT HOP", "LP", "MED", "COMMUNITIES"}};
        for (const auto& route : routes) {
            const auto& p = route.at("paths").as_array().at(0).as_object();
            std::string communities = join(p.at("communities"));
            if (const auto large = join(p.at("large_communities")); large != "-")
                communities = (communities == "-" ? "" : communities + " ") + large;
            rows.push_back({text(route.as_object(), "prefix"), text(p, "as_path"), text(p, "next_hop"),
                            text(p, "local_pref"), text(p, "med"), communities});
        }
        print_table(rows);
        return;
    }
    std::cout << (result.contains("in") ? "Accepted by " + text(result, "node") + " from " + text(result, "in")
                                        : "Loc-RIB of " + text(result, "node"))
              << ": " << routes.size() << " prefix(es)\n"
              << "  * best, = ECMP member\n\n";
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> header{"", "PREFIX", "FROM", "AS PATH", "NEXT HOP", "LP", "MED", "COMMUNITIES"};
    if (one_prefix) header.push_back("LOST TO THE BEST ON");
    rows.push_back(header);
    for (const auto& route : routes) {
        const auto& r = route.as_object();
        bool first = true;
        for (const auto& path : r.at("paths").as_array()) {
            const auto& p = path.as_object();
            const bool best = p.at("best").as_bool();
            const bool multipath = p.at("multipath").as_bool();
            std::string communities = join(p.at("communities"));
            if (const auto large = join(p.at("large_communities")); large != "-")
                communities = (communities == "-" ? "" : communities + " ") + large;
            const auto as_path = text(p, "as_path");
            std::vector<std::string> row{best ? "*" : (multipath ? "=" : ""),
                                         first ? text(r, "prefix") : "",
                                         text(p, "from"),
                                         as_path.empty() ? "(local)" : as_path,
                                         p.at("next_hop").is_null() ? "self" : text(p, "next_hop"),
                                         text(p, "local_pref"),
                                         text(p, "med"),
                                         communities};
            if (one_prefix) row.push_back(best ? "" : text(p, "lost_because"));
            rows.push_back(std::move(row));
            first = false;
        }
    }
    print_table(rows);
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

void print_fib(const json::object& result) {
    if (result.contains("address")) {
        std::cout << text(result, "node") << ": " << text(result, "address");
        if (result.at("route").is_null()) {
            std::cout << ": no route\n";
            return;
        }
        const auto& route = result.at("route").as_object();
        std::cout << " matches " << text(route, "prefix") << " (" << text(route, "protocol") << ", from "
                  << text(route, "source") << "): ";
        if (route.at("blackhole").as_bool())
            std::cout << "blackhole\n";
        else
            std::cout << next_hops_text(json::array{route.at("next_hop")}) << "\n";
        return;
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
}

void print_effective_routes(const json::object& result) {
    const auto& routes = result.at("effective_routes").as_array();
    std::cout << "Effective routes of VNet " << text(result, "vnet") << ": " << routes.size() << " route(s)\n\n";
    std::vector<std::vector<std::string>> rows{{"SOURCE", "STATE", "ADDRESS PREFIX", "NEXT HOP TYPE", "NEXT HOP", "VIA"}};
    for (const auto& route : routes) {
        const auto& r = route.as_object();
        std::string next_hop = "-";
        if (r.contains("peer_vnet")) next_hop = text(r, "peer_vnet");
        else if (!r.at("gateways").as_array().empty()) next_hop = join(r.at("gateways"));
        std::string via = r.contains("via") ? text(r, "via") + " (AS path " + text(r, "as_path_length") + ")" : "";
        if (r.contains("note")) via += (via.empty() ? "" : "; ") + text(r, "note");
        rows.push_back({text(r, "source"), text(r, "state"), text(r, "prefix"), text(r, "next_hop_type"), next_hop, via});
    }
    print_table(rows);
}

std::string verdict_text(const json::object& walk) {
    const auto verdict = text(walk, "verdict");
    if (verdict == "delivered") return "reached " + text(walk, "at");
    return verdict + " at " + text(walk, "at") + ": " + text(walk, "reason");
}

void print_trace(const json::object& result) {
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
}

void print_ping(const json::object& result) {
    std::cout << "ping from " << text(result, "from") << " (" << text(result, "source") << ") to "
              << text(result, "destination") << ": " << (result.at("reachable").as_bool() ? "reachable" : "UNREACHABLE") << "\n";
    std::cout << "  there: " << verdict_text(result.at("forward").as_object()) << " via " << join(result.at("forward").at("nodes")) << "\n";
    if (!result.at("back").is_null())
        std::cout << "  back:  " << verdict_text(result.at("back").as_object()) << " via " << join(result.at("back").at("nodes")) << "\n";
}

void print_links(const json::object& result) {
    std::vector<std::vector<std::string>> rows{{"LINK", "A", "B", "DELAY", "STATE"}};
    const auto end = [](const json::value& e) { return text(e.as_object(), "node") + ":" + text(e.as_object(), "interface") + " " + text(e.as_object(), "address"); };
    for (const auto& link : result.at("links").as_array()) {
        const auto& l = link.as_object();
        std::ostringstream delay;
        delay << l.at("delay_ms").to_number<double>() << " ms";
        rows.push_back({text(l, "name"), end(l.at("a")), end(l.at("b")), delay.str(), l.at("up").as_bool() ? "up" : "DOWN"});
    }
    print_table(rows);
}

void print_events(const json::object& result) {
    for (const auto& event : result.at("events").as_array()) {
        const auto& e = event.as_object();
        const auto ms = e.at("time_ms").as_int64();
        const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
        std::tm utc{};
        ::gmtime_r(&seconds, &utc);
        std::cout << std::put_time(&utc, "%H:%M:%S") << "." << std::setw(3) << std::setfill('0') << ms % 1000
                  << std::setfill(' ') << "  " << std::left << std::setw(8) << text(e, "kind") << std::right << text(e, "text") << "\n";
    }
}

// Returns the exit status: 1 when the check found a problem.
int print_check(const json::object& result) {
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

int main(int argc, char** argv) {
    std::string socket_path;
    bool raw_json = false;
    std::vector<std::string> words;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            return 0;
        }
        if (arg == "--version") {
            std::cout << "bgpemuctl " << BGPEMU_VERSION << "\n";
            return 0;
        }
        if (arg == "--json") {
            raw_json = true;
        } else if (arg == "--socket" || arg == "-s") {
            if (++i >= argc) {
                std::cerr << "bgpemuctl: --socket needs a path\n";
                return 2;
            }
            socket_path = argv[i];
        } else {
            words.push_back(arg);
        }
    }
    if (socket_path.empty()) socket_path = bgpemu::daemon::default_admin_socket_path().string();

    json::object request;
    try {
        request = build_request(words);
    } catch (const UsageError& e) {
        std::cerr << "bgpemuctl: " << e.what() << "\n\n" << usage;
        return 2;
    }
    std::string error;
    // `wait converged` asks again until the daemon says so, or the timeout.
    const bool waiting = text(request, "command") == "converged" && request.contains("timeout_s");
    const auto timeout_s = request.contains("timeout_s") ? request.at("timeout_s").as_int64() : 60;
    request.erase("timeout_s");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    auto reply_text = exchange(socket_path, json::serialize(request), error);
    while (waiting && reply_text && std::chrono::steady_clock::now() < deadline) {
        json::error_code e;
        const auto reply = json::parse(*reply_text, e);
        if (e || !reply.is_object() || !reply.as_object().contains("result") ||
            reply.at("result").at("converged").as_bool())
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        reply_text = exchange(socket_path, json::serialize(request), error);
    }
    if (!reply_text) {
        std::cerr << "bgpemuctl: cannot talk to bgpemud at " << socket_path << ": " << error
                  << " (is it running? --socket PATH)\n";
        return 3;
    }
    json::error_code parse_error;
    const auto reply = json::parse(*reply_text, parse_error);
    if (parse_error || !reply.is_object()) {
        std::cerr << "bgpemuctl: the daemon's reply is not JSON: " << *reply_text << "\n";
        return 1;
    }
    const auto& object = reply.as_object();
    const bool ok = object.contains("ok") && object.at("ok").is_bool() && object.at("ok").as_bool();
    if (raw_json) {
        std::cout << *reply_text << "\n";
        // As without --json: not converged and not reachable are failures too.
        const auto* result = object.if_contains("result");
        const auto flag = [&](const char* key) {
            const auto* value = result && result->is_object() ? result->as_object().if_contains(key) : nullptr;
            return !value || !value->is_bool() || value->as_bool();
        };
        const auto* problems = result && result->is_object() ? result->as_object().if_contains("problems") : nullptr;
        const bool clean = !problems || !problems->is_int64() || problems->as_int64() == 0;
        return ok && flag("converged") && flag("reachable") && clean ? 0 : 1;
    }
    if (!ok) {
        const auto* e = object.if_contains("error");
        std::cerr << "bgpemuctl: "
                  << (e && e->is_object() ? text(e->as_object(), "message") + " (" + text(e->as_object(), "code") + ")"
                                          : *reply_text)
                  << "\n";
        return 1;
    }
    const auto& result = object.at("result");
    const auto command = text(request, "command");
    try {
        if (command == "status") print_status(result.as_object());
        else if (command == "show sessions") print_sessions(result.as_object());
        else if (command == "show rib") print_rib(result.as_object(), request.contains("prefix"));
        else if (command == "show memory") print_memory(result.as_object());
        else if (command == "show fib" && result.as_object().contains("effective_routes")) print_effective_routes(result.as_object());
        else if (command == "show fib") print_fib(result.as_object());
        else if (command == "trace") print_trace(result.as_object());
        else if (command == "ping") {
            print_ping(result.as_object());
            return result.at("reachable").as_bool() ? 0 : 1;
        }
        else if (command == "show links") print_links(result.as_object());
        else if (command == "check") return print_check(result.as_object());
        else if (command == "show events") print_events(result.as_object());
        else if (command == "link") {
            const auto& r = result.as_object();
            std::cout << "link " << text(r, "link") << " " << text(r, "state")
                      << (r.at("changed").as_bool() ? "" : " (it already was)") << "\n";
            for (const auto& session : r.at("sessions").as_array()) std::cout << "  session " << text(session) << (text(r, "state") == "down" ? " dropped" : " restarting") << "\n";
        }
        else if (command == "converged") {
            const auto& r = result.as_object();
            if (r.at("converged").as_bool()) {
                std::cout << "converged\n";
                return 0;
            }
            std::cout << "not converged" << (waiting ? " after " + std::to_string(timeout_s) + " s" : std::string()) << "; waiting for:\n";
            for (const auto& reason : r.at("waiting_for").as_array()) std::cout << "  " << text(reason) << "\n";
            return 1;
        }
        else if (command == "reload") {
            const auto& changes = result.at("changes").as_array();
            std::cout << "reloaded " << text(result.as_object(), "config") << ": "
                      << (changes.empty() ? "no change" : std::to_string(changes.size()) + " change(s)") << "\n";
            for (const auto& change : changes) std::cout << "  " << text(change) << "\n";
        }
        else if (command.rfind("session ", 0) == 0)
            std::cout << text(result.as_object(), "node") << ": " << text(result.as_object(), "done")
                      << " of the session with " << text(result.as_object(), "peer") << " done\n";
        else if (command == "announce")
            std::cout << text(result.as_object(), "node") << ": originating " << text(result.as_object(), "announced")
                      << "\n";
        else if (command == "withdraw")
            std::cout << text(result.as_object(), "node") << ": no longer originating "
                      << text(result.as_object(), "withdrawn") << "\n";
        else std::cout << json::serialize(result) << "\n";
    } catch (const std::exception& e) {
        // A reply of another shape (a newer daemon): show it rather than fail.
        std::cerr << "bgpemuctl: unexpected reply layout (" << e.what() << "); raw reply:\n";
        std::cout << *reply_text << "\n";
    }
    return 0;
}
