// The data-plane commands: forwarding tables and a VNet's effective routes, trace and
// ping through them, the emulated links, the event log, convergence and the design
// checks. Registered in admin_commands.cpp.
#include "daemon/admin/admin_commands.hpp"

#include <set>
#include <tuple>
#include <type_traits>

#include "daemon/admin/json_text.hpp"
#include "daemon/admin/request_arguments.hpp"
#include "dataplane/checks.hpp"

namespace bgpemu::daemon {

namespace json = boost::json;

namespace {

json::object next_hop_json(const rib::FibNextHop& hop) {
    return json::object{{"address", hop.gateway ? json::value(hop.gateway->to_string()) : json::value(nullptr)},
                        {"interface", hop.interface}};
}

json::object fib_route_json(const rib::FibRoute& route) {
    json::array gateways;
    for (const auto& gateway : route.gateways) gateways.push_back(json::value(gateway.to_string()));
    json::array hops;
    for (const auto& hop : route.next_hops) hops.push_back(next_hop_json(hop));
    return json::object{{"protocol", rib::fib_protocol_name(route.protocol)},
                        {"distance", route.distance},
                        {"source", route.source},
                        {"blackhole", route.blackhole},
                        {"gateways", std::move(gateways)},
                        {"next_hops", std::move(hops)},
                        {"usable", route.usable()}};
}

}  // namespace

// The whole FIB (every candidate per prefix, installed or not), or with "address" one
// lookup: the route the address matches and the next hop its flow takes (the flow's
// source: "source", default the unspecified address).
json::value AdminCommands::show_fib(const json::object& request) const {
    const auto name = required_string(request, "node");
    const rib::Fib* fib = nullptr;
    for (const auto& speaker : speakers_)
        if (speaker->config().name == name) fib = &speaker->fib();
    if (!fib && emulation_) {
        const auto& network = emulation_->network();
        if (const auto vnet = network.find_vnet(name)) return effective_routes_json(*vnet, network.vnets()[*vnet].route_table);
        if (const auto n = network.find_node(name)) {
            fib = emulation_->fib(*n);
            // A VM's forwarding is its subnet's: the VNet's effective routes with its
            // subnet's route table, as Azure shows them per network interface.
            const auto& node = network.nodes()[*n];
            if (!fib && node.kind == dataplane::NodeKind::host && node.vnet) {
                auto result = effective_routes_json(*node.vnet, network.route_table_of(*n));
                result.as_object()["node"] = name;
                return result;
            }
            if (!fib) throw CommandError("no_fib", "\"" + name + "\" has no forwarding table");
        }
    }
    if (!fib) throw CommandError("unknown_node", "no speaker, router, host or VNet named \"" + name + "\"");
    json::object result{{"node", name}};
    if (field(request, "address") != nullptr) {
        const auto destination = required_address(request, "address");
        const auto source = field(request, "source") != nullptr
                                ? required_address(request, "source")
                                : (destination.is_v4() ? bgp::IpAddress::v4(0) : bgp::IpAddress::v6({}));
        result["address"] = destination.to_string();
        const auto hit = fib->lookup(destination, source);
        if (!hit) {
            result["route"] = nullptr;
            return result;
        }
        auto route = fib_route_json(*hit->route);
        route["prefix"] = hit->prefix.to_string();
        route["next_hop"] = hit->next_hop ? json::value(next_hop_json(*hit->next_hop)) : json::value(nullptr);
        result["route"] = std::move(route);
        return result;
    }
    json::array routes;
    fib->for_each([&](const bgp::Prefix& prefix, const rib::Fib::Candidates& candidates) {
        const auto* installed = fib->installed(prefix);
        json::array list;
        for (const auto& candidate : candidates.routes) {
            auto entry = fib_route_json(candidate);
            entry["installed"] = installed != nullptr && installed->protocol == candidate.protocol;
            list.push_back(std::move(entry));
        }
        routes.push_back(json::object{{"prefix", prefix.to_string()}, {"candidates", std::move(list)}});
    });
    result["routes"] = std::move(routes);
    return result;
}

// A VNet's effective routes, with the columns of Azure's effective-routes view.
json::value AdminCommands::effective_routes_json(std::size_t vnet, std::optional<std::size_t> table) const {
    const auto& network = emulation_->network();
    json::array routes;
    for (const auto& route : network.effective_routes(vnet, *emulation_, table)) {
        json::array gateways;
        json::array next_hop_addresses;
        for (const auto g : route.gateways) {
            const auto& node = network.nodes()[g];
            gateways.push_back(json::value(node.name));
            for (const auto& address : node.vnet_addresses) next_hop_addresses.push_back(json::value(address.to_string()));
        }
        if (route.next_hop_address) next_hop_addresses.push_back(json::value(route.next_hop_address->to_string()));
        json::object row{{"prefix", route.prefix.to_string()},
                         {"source", route.source_name()},
                         {"state", route.active ? "Active" : "Invalid"},
                         {"next_hop_type", route.next_hop_type_name()},
                         {"next_hop_addresses", std::move(next_hop_addresses)},
                         {"gateways", std::move(gateways)}};
        if (route.next_hop_type == dataplane::EffectiveRoute::NextHopType::vnet_peering) row["peer_vnet"] = route.peer_vnet;
        if (route.source == dataplane::EffectiveRoute::Source::user) row["route"] = route.route_name;
        if (route.source == dataplane::EffectiveRoute::Source::gateway) {
            row["via"] = route.express_route ? "ExpressRoute" : route.route_server ? "RouteServer" : "VPN";
            row["as_path_length"] = route.as_path_length;
            row["weight"] = route.weight;
        }
        if (!route.note.empty()) row["note"] = route.note;
        routes.push_back(std::move(row));
    }
    return json::object{{"vnet", network.vnets()[vnet].name},
                        {"route_table", table ? json::value(network.route_tables()[*table].name) : json::value(nullptr)},
                        {"effective_routes", std::move(routes)}};
}

// ---- The data plane ---------------------------------------------------------------------------

namespace {

// What kind of path a walk took: path_kind's, with "direct" across two VNets named
// "peering" (a VNet peering carries it).
std::string walk_kind(const dataplane::Network& net, const dataplane::WalkOutcome& walk) {
    auto kind = dataplane::path_kind(net, walk);
    if (kind != "direct") return kind;
    std::set<std::string> vnets;
    for (const auto& name : walk.nodes)
        if (!net.find_node(name)) vnets.insert(name);
    return vnets.size() >= 2 ? "peering" : kind;
}

// A walk's members in order, each handed to `member(key, value)` with a string or the
// list of nodes: its shape written once, for the JSON tree and for JSON text.
template <typename Member>
void walk_members(const dataplane::WalkOutcome& walk, Member&& member) {
    member("verdict", std::string_view(dataplane::verdict_name(walk.verdict)));
    member("at", std::string_view(walk.node));
    member("nodes", walk.nodes);
    if (walk.verdict != dataplane::WalkOutcome::Verdict::delivered) member("reason", std::string_view(walk.reason));
}

json::object walk_json(const dataplane::WalkOutcome& walk) {
    json::object out;
    walk_members(walk, [&](std::string_view key, const auto& value) { out.emplace(key, json::value_from(value)); });
    return out;
}

void append_walk(std::string& out, const dataplane::WalkOutcome& walk) {
    char separator = '{';
    walk_members(walk, [&](std::string_view key, const auto& value) {
        out += separator;
        separator = ',';
        append_json_string(out, key);
        out += ':';
        if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string_view>) {
            append_json_string(out, value);
        } else {
            char item = '[';
            for (const auto& node : value) {
                out += item;
                item = ',';
                append_json_string(out, node);
            }
            out += item == '[' ? "[]" : "]";
        }
    });
    out += '}';
}

}  // namespace

const dataplane::Network& AdminCommands::network() const {
    if (!emulation_) throw CommandError("no_topology", "the daemon runs no emulated data plane");
    return emulation_->network();
}

dataplane::ProbeSource AdminCommands::probe_source(const json::object& request) const {
    const auto from = required_string(request, "from");
    std::optional<bgp::IpAddress> source;
    if (field(request, "source") != nullptr) source = required_address(request, "source");
    // A probe is of one family: the destination's when it is an address, else the
    // sender's first.
    std::optional<bgp::Afi> family;
    if (const auto to = bgp::IpAddress::parse(required_string(request, "to"))) family = to->afi();
    std::string error;
    const auto start = network().probe_source(from, source, error, family);
    if (!start) throw CommandError("unknown_node", error);
    return *start;
}

bgp::IpAddress AdminCommands::probe_destination(const json::object& request, const dataplane::ProbeSource& from) const {
    std::string error;
    const auto destination = network().destination(required_string(request, "to"), error, from.address.afi());
    if (!destination) throw CommandError("unknown_destination", error);
    if (destination->afi() != from.address.afi())
        throw CommandError("unknown_destination", "source " + from.address.to_string() + " and destination " +
                                                      destination->to_string() + " are of different address families");
    return *destination;
}

// {"command": "trace", "from": NODE|HOST|VNET, "to": ADDRESS|HOST, "source"?: ADDRESS,
//  "all_paths"?: bool}: the hops of each path, as the hop model answers them.
json::value AdminCommands::trace(const json::object& request) const {
    const auto from = probe_source(request);
    const auto destination = probe_destination(request, from);
    const auto& net = network();
    json::array paths;
    for (const auto& path : net.trace(*emulation_, from, destination, optional_bool(request, "all_paths"))) {
        json::array hops;
        for (const auto& hop : path.hops) {
            json::object entry{{"hop", hop.number},
                               {"node", hop.node},
                               {"address", hop.address ? json::value(hop.address->to_string()) : json::value(nullptr)}};
            if (hop.address) entry["rtt_ms"] = reply_milliseconds(hop.rtt_ms);
            else entry["why"] = hop.why_silent;
            if (hop.inferred) entry["inferred"] = true;  // an external router: its FIB is inferred
            hops.push_back(std::move(entry));
        }
        auto entry = walk_json(path.forward);
        if (path.forward.verdict == dataplane::WalkOutcome::Verdict::delivered) entry["kind"] = walk_kind(net, path.forward);
        entry["hops"] = std::move(hops);
        paths.push_back(std::move(entry));
    }
    return json::object{{"from", net.nodes()[from.node].name},
                        {"source", from.address.to_string()},
                        {"destination", destination.to_string()},
                        {"paths", std::move(paths)}};
}

// {"command": "ping", "from": ..., "to": ...}: reachable when the packet gets there and
// the reply gets back.
json::value AdminCommands::ping(const json::object& request) const {
    const auto from = probe_source(request);
    const auto destination = probe_destination(request, from);
    const auto result = network().ping(*emulation_, from, destination);
    json::object out{{"from", network().nodes()[from.node].name},
                     {"source", from.address.to_string()},
                     {"destination", destination.to_string()},
                     {"reachable", result.reachable()},
                     {"forward", walk_json(result.forward)},
                     {"back", result.back ? json::value(walk_json(*result.back)) : json::value(nullptr)}};
    if (result.reachable()) out["rtt_ms"] = reply_milliseconds(result.forward.delay_ms + result.back->delay_ms);
    return out;
}

// {"command": "link", "action": "down"|"up", "link": NAME} or {..., "a": NODE, "b": NODE}.
json::value AdminCommands::link(const json::object& request) {
    const auto action = required_string(request, "action");  // "down" or "up": the table has checked
    const auto& net = network();
    std::size_t index = 0;
    if (const auto name = optional_string(request, "link")) {
        const auto found = net.find_link(*name);
        if (!found) throw CommandError("unknown_link", "no link named \"" + *name + "\" (see show links)");
        index = *found;
    } else {
        const auto a = required_string(request, "a");
        const auto b = required_string(request, "b");
        const auto node_a = net.find_node(a);
        const auto node_b = net.find_node(b);
        if (!node_a || !node_b) throw CommandError("unknown_node", "no node named \"" + (node_a ? b : a) + "\"");
        const auto links = net.links_between(*node_a, *node_b);
        if (links.empty()) throw CommandError("unknown_link", "no link between \"" + a + "\" and \"" + b + "\"");
        if (links.size() > 1)
            throw CommandError("ambiguous_link", std::to_string(links.size()) + " links join \"" + a + "\" and \"" + b +
                                                     "\"; name one (see show links)");
        index = links.front();
    }
    bool changed = false;
    json::array sessions;
    for (auto& name : emulation_->set_link_up(index, action == "up", changed)) sessions.push_back(json::value(name));
    return json::object{{"link", net.links()[index].name},
                        {"state", action},
                        {"changed", changed},
                        {"sessions", std::move(sessions)}};
}

json::value AdminCommands::show_links() const {
    json::array links;
    const auto& net = network();
    for (const auto& link : net.links()) {
        const auto end = [&](const dataplane::Network::End& e) {
            const auto& node = net.nodes()[e.node];
            const auto& interface = node.interfaces[e.interface];
            json::object out{{"node", node.name},
                             {"interface", interface.name},
                             {"address", interface.address.to_string() + "/" + std::to_string(interface.length)}};
            if (const auto& v6 = interface.other_family)
                out["ipv6_address"] = v6->address.to_string() + "/" + std::to_string(v6->length);
            return out;
        };
        links.push_back(json::object{{"name", link.name},
                                     {"a", end(link.ends[0])},
                                     {"b", end(link.ends[1])},
                                     {"delay_ms", reply_milliseconds(link.delay_ms)},
                                     {"up", link.up}});
    }
    return json::object{{"links", std::move(links)}};
}

// {"command": "show topology"}: the structure a view draws, every node and VNet in the
// file's order (the links are `show links`').
json::value AdminCommands::show_topology() const {
    const auto& net = network();
    const auto text_or_null = [](const std::string& value) { return value.empty() ? json::value(nullptr) : json::value(value); };
    const auto names = [&](const std::vector<std::size_t>& indices) {
        json::array list;
        for (const auto i : indices) list.push_back(json::value(net.nodes()[i].name));
        return list;
    };
    json::array nodes;
    for (std::size_t i = 0; i < net.nodes().size(); ++i) {
        const auto& node = net.nodes()[i];
        const auto* speaker = emulation_->speaker_of(i);
        nodes.push_back(json::object{
            {"name", node.name},
            {"kind", dataplane::node_kind_name(node.kind)},
            // A host's role is its kind.
            {"role", node.role == dataplane::Role::none || node.role == dataplane::Role::host
                         ? json::value(nullptr)
                         : json::value(dataplane::role_name(node.role))},
            {"site", text_or_null(net.site_of(i))},
            {"circuit", text_or_null(node.circuit)},
            {"vnet", node.vnet ? json::value(net.vnets()[*node.vnet].name) : json::value(nullptr)},
            {"asn", speaker != nullptr ? json::value(speaker->config().asn) : json::value(nullptr)},
        });
    }
    json::array vnets;
    for (const auto& vnet : net.vnets()) {
        json::array spaces;
        for (const auto& prefix : vnet.address_spaces) spaces.push_back(json::value(prefix.to_string()));
        json::array peerings;
        for (const auto& peering : vnet.peerings)
            peerings.push_back(json::object{{"vnet", net.vnets()[peering.vnet].name},
                                            {"allow_gateway_transit", peering.allow_gateway_transit},
                                            {"use_remote_gateways", peering.use_remote_gateways}});
        vnets.push_back(json::object{{"name", vnet.name},
                                     {"address_spaces", std::move(spaces)},
                                     {"peerings", std::move(peerings)},
                                     {"gateways", names(vnet.gateways)},
                                     {"hosts", names(vnet.hosts)}});
    }
    return json::object{{"nodes", std::move(nodes)}, {"vnets", std::move(vnets)}};
}

json::object event_json(const Event& event) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(event.when.time_since_epoch()).count();
    return json::object{{"sequence", event.sequence}, {"time_ms", ms}, {"kind", event.kind}, {"text", event.text}};
}

// {"command": "show events", "limit"?: N}: the newest last.
json::value AdminCommands::show_events(const json::object& request) const {
    std::size_t limit = 100;
    if (const auto* value = field(request, "limit")) {
        if (!value->is_int64() || value->as_int64() < 1) throw CommandError("bad_argument", "\"limit\" must be a positive number");
        limit = static_cast<std::size_t>(value->as_int64());
    }
    if (!emulation_) throw CommandError("no_topology", "the daemon runs no emulated data plane");
    const auto& events = emulation_->events();
    json::array list;
    for (auto it = events.size() > limit ? events.end() - static_cast<std::ptrdiff_t>(limit) : events.begin(); it != events.end(); ++it)
        list.push_back(event_json(*it));
    return json::object{{"events", std::move(list)}};
}

// {"command": "converged", "quiet_ms"?: N}: whether the topology has settled (see
// Emulation::converged); `bgpemuctl wait converged` asks until it has.
json::value AdminCommands::converged(const json::object& request) const {
    std::int64_t quiet = 1000;
    if (const auto* value = field(request, "quiet_ms")) {
        if (!value->is_int64() || value->as_int64() < 0 || value->as_int64() > 600000)
            throw CommandError("bad_argument", "\"quiet_ms\" must be 0..600000");
        quiet = value->as_int64();
    }
    if (!emulation_) throw CommandError("no_topology", "the daemon runs no emulated data plane");
    std::vector<std::string> waiting;
    const bool done = emulation_->converged(std::chrono::milliseconds(quiet), waiting);
    json::array list;
    for (auto& reason : waiting) list.push_back(json::value(reason));
    const auto last_change = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 emulation_->last_change().time_since_epoch()).count();
    return json::object{{"converged", done}, {"waiting_for", std::move(list)}, {"last_change_ms", last_change}};
}

// {"command": "matrix", "by"?: "host"|"vnet"|"site"}: every ordered pair of networks
// (VNets and the hosts outside them, VNets and sites, or every host), reachable or not
// and how, from probes both ways through the live FIBs.
json::value AdminCommands::matrix(const json::object& request) const {
    const auto by = optional_string(request, "by").value_or("host");
    const auto& net = network();
    const auto grouping = by == "vnet"   ? dataplane::MatrixGrouping::vnet
                          : by == "site" ? dataplane::MatrixGrouping::site
                                         : dataplane::MatrixGrouping::host;
    // One probe of the pair, its answer included.
    const auto direction = [&](const dataplane::PingResult& ping) {
        json::array via;
        for (const auto& edge : dataplane::crossed_edges(net, ping.forward)) via.push_back(json::value(edge));
        json::object out{{"delivered", ping.reachable()}, {"via", std::move(via)}};
        if (ping.reachable()) {
            out["kind"] = walk_kind(net, ping.forward);
        } else {
            const auto& stopped = ping.forward.verdict == dataplane::WalkOutcome::Verdict::delivered && ping.back ? *ping.back : ping.forward;
            out["stopped_at"] = stopped.node;
            out["reason"] = stopped.reason;
        }
        return out;
    };
    json::array cells;
    const auto matrix = dataplane::reachability_matrix(net, *emulation_, grouping);
    json::array networks;
    for (const auto& name : matrix.networks) networks.push_back(json::value(name));
    for (const auto& cell : matrix.cells) {
        const auto& c = cell.check;
        cells.push_back(json::object{{"from", cell.from},
                                     {"to", cell.to},
                                     {"from_host", c.from},
                                     {"to_host", c.to},
                                     {"reachable", c.there.reachable()},
                                     {"verdict", dataplane::pair_verdict_name(c.verdict)},
                                     {"there", direction(c.there)},
                                     {"back", direction(c.back)}});
    }
    return json::object{{"by", by}, {"networks", std::move(networks)}, {"cells", std::move(cells)}};
}

// {"command": "check", "what"?: "symmetry"|"all", "from"?: HOST, "to"?: HOST}: the
// forward and return paths of every pair of hosts (or one pair), and with "all" the
// other design faults the daemon can see: a session near or past its prefix limit, a
// learned route more specific than a VNet's address space (an overlap: it draws part of
// that VNet's traffic wherever it wins the longest match).
CommandResult AdminCommands::check(const json::object& request) const {
    const auto what = optional_string(request, "what").value_or("all");  // or "symmetry": the table has checked
    const auto& net = network();
    std::optional<std::pair<std::size_t, std::size_t>> only;
    if (field(request, "from") != nullptr || field(request, "to") != nullptr) {
        const auto from = required_string(request, "from");
        const auto to = required_string(request, "to");
        std::string error;
        const auto a = net.probe_source(from, std::nullopt, error);
        if (!a) throw CommandError("unknown_node", error);
        const auto b = net.probe_source(to, std::nullopt, error);
        if (!b) throw CommandError("unknown_node", error);
        only = std::pair{a->node, b->node};
    }
    // A thousand hosts make a million pairs: written as JSON text as they are checked,
    // never as a tree of values (which took six times the text's size).
    std::string out = "{\"pairs\":[";
    const auto first_pair = out.size();
    std::size_t problems = 0;
    dataplane::check_symmetry(net, *emulation_, only, [&](const dataplane::PairCheck& pair) {
        const bool problem = pair.verdict == dataplane::PairCheck::Verdict::asymmetric ||
                             pair.verdict == dataplane::PairCheck::Verdict::one_way;
        problems += problem;
        out += out.size() == first_pair ? "{\"from\":" : ",{\"from\":";
        append_json_string(out, pair.from);
        out += ",\"to\":";
        append_json_string(out, pair.to);
        out += ",\"verdict\":";
        append_json_string(out, dataplane::pair_verdict_name(pair.verdict));
        out += problem ? ",\"problem\":true,\"there\":" : ",\"problem\":false,\"there\":";
        append_walk(out, pair.there.forward);
        out += ",\"back\":";
        append_walk(out, pair.back.forward);
        if (!pair.kind_there.empty()) {
            out += ",\"kind_there\":";
            append_json_string(out, pair.kind_there);
            out += ",\"kind_back\":";
            append_json_string(out, pair.kind_back);
        }
        out += '}';
    });
    out += ']';
    json::array findings;
    if (what == "all") {
        for (const auto& speaker : speakers_) {
            for (std::size_t i = 0; i < speaker->neighbor_count(); ++i) {
                const auto& neighbor = speaker->neighbor_config(i);
                // The limit of every family together, then each family's own.
                const std::tuple<std::optional<bgp::Afi>, std::uint32_t, const char*> limits[] = {
                    {std::nullopt, neighbor.maximum_prefix, ""},
                    {bgp::Afi::ipv4, neighbor.maximum_prefix_by_family[0], " IPv4"},
                    {bgp::Afi::ipv6, neighbor.maximum_prefix_by_family[1], " IPv6"}};
                for (const auto& [afi, limit, words] : limits) {
                    if (limit == 0) continue;
                    const auto accepted = speaker->accepted_count(i, afi);
                    const bool dropped = afi && speaker->family_dropped(i, *afi == bgp::Afi::ipv4 ? 0 : 1);
                    if (!dropped && accepted * 100 < static_cast<std::size_t>(limit) * neighbor.maximum_prefix_warning_percent)
                        continue;
                    findings.push_back(json::object{
                        {"kind", "prefix_limit"},
                        {"node", speaker->config().name},
                        {"text", dropped ? neighbor.name + " sent more than its" + words + " limit of " + std::to_string(limit) +
                                               " prefixes: its" + words + " routes are dropped"
                                         : neighbor.name + " sends " + std::to_string(accepted) + words +
                                               " prefixes; the limit is " + std::to_string(limit)}});
                }
            }
        }
        for (std::size_t n = 0; n < net.nodes().size(); ++n) {
            if (!net.nodes()[n].gateway()) continue;
            emulation_->for_each_learned(n, [&](const dataplane::LearnedRoute& route) {
                for (const auto& vnet : net.vnets())
                    for (const auto& space : vnet.address_spaces)
                        if (space.afi() == route.prefix.afi() && route.prefix.length() > space.length() &&
                            bgp::Prefix::make(route.prefix.address(), space.length()) == space)
                            findings.push_back(json::object{
                                {"kind", "overlap"},
                                {"node", net.nodes()[n].name},
                                {"text", "learned " + route.prefix.to_string() + ", a more specific of VNet " + vnet.name +
                                             "'s address space " + space.to_string() + ": it draws part of that VNet's traffic"}});
            });
        }
    }
    problems += findings.size();
    out += ",\"findings\":";
    append_json_text(out, findings);
    out += ",\"problems\":" + std::to_string(problems) + "}";
    return CommandResult::json_text(std::move(out));
}

}  // namespace bgpemu::daemon
