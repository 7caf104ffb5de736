#include "daemon/admin/admin_commands.hpp"

#include <fstream>
#include <stdexcept>

#include "bgp/wire/attribute_text.hpp"
#include "dataplane/checks.hpp"
#include "rib/decision.hpp"

namespace bgpemu::daemon {

namespace json = boost::json;

namespace {

// A request that cannot be carried out: the reply's error code and message.
struct CommandError : std::runtime_error {
    CommandError(std::string error_code, const std::string& message)
        : std::runtime_error(message), code(std::move(error_code)) {}
    std::string code;
};

std::string endpoint_text(const bgp::IpAddress& address, std::uint16_t port) {
    return address.is_v4() ? address.to_string() + ":" + std::to_string(port)
                           : "[" + address.to_string() + "]:" + std::to_string(port);
}

std::string router_id_text(std::uint32_t id) { return bgp::IpAddress::v4(id).to_string(); }

std::int64_t seconds_since(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - since).count();
}

const json::value* field(const json::object& request, std::string_view key) { return request.if_contains(key); }

std::string required_string(const json::object& request, std::string_view key) {
    const auto* value = field(request, key);
    if (value == nullptr) throw CommandError("missing_argument", "the request needs \"" + std::string(key) + "\"");
    if (!value->is_string()) throw CommandError("bad_argument", "\"" + std::string(key) + "\" must be a string");
    return std::string(value->as_string());
}

std::optional<std::string> optional_string(const json::object& request, std::string_view key) {
    if (field(request, key) == nullptr) return std::nullopt;
    return required_string(request, key);
}

bgp::Prefix required_prefix(const json::object& request) {
    const auto text = required_string(request, "prefix");
    const auto prefix = bgp::Prefix::parse(text);
    if (!prefix) throw CommandError("bad_argument", "\"" + text + "\" is not a prefix (address/length, host bits zero)");
    return *prefix;
}

// The daemon's resident set (VmRSS), 0 where /proc is not there.
std::uint64_t resident_bytes() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    return 0;
}

// The attributes of a path as `show rib` prints them (into `out`).
void attributes_json(const bgp::PathAttributes& a, json::object& out) {
    out["as_path"] = a.as_path.to_string();
    const auto& next_hop = a.next_hop ? a.next_hop : a.mp_next_hop;
    if (next_hop && !next_hop->is_unspecified()) out["next_hop"] = next_hop->to_string();
    else out["next_hop"] = nullptr;  // a local route: "self" toward each neighbour
    out["origin"] = a.origin ? std::string(bgp::to_string(*a.origin)) : std::string("incomplete");
    out["med"] = a.med ? json::value(*a.med) : json::value(nullptr);
    out["local_pref"] = a.local_pref ? json::value(*a.local_pref) : json::value(nullptr);
    json::array communities;
    for (const auto c : a.communities) communities.push_back(json::value(bgp::community_to_string(c)));
    out["communities"] = std::move(communities);
    json::array large;
    for (const auto& c : a.large_communities) large.push_back(json::value(bgp::to_string(c)));
    out["large_communities"] = std::move(large);
    json::array extended;
    for (const auto c : a.extended_communities) extended.push_back(json::value(bgp::extended_community_to_string(c)));
    out["extended_communities"] = std::move(extended);
}

json::value path_json(const bgp::Speaker& speaker, const rib::ExplainedPath& explained) {
    const auto& path = explained.path;
    json::object out;
    out["from"] = speaker.peer_name(path.peer);
    out["best"] = explained.best;
    out["multipath"] = explained.multipath;
    // Why the best path beat this one: the step's identifier and its wording.
    if (explained.best) {
        out["lost_at"] = nullptr;
        out["lost_because"] = nullptr;
    } else {
        out["lost_at"] = std::string(rib::key(explained.lost_at));
        out["lost_because"] = std::string(rib::to_string(explained.lost_at));
    }
    attributes_json(*path.attrs, out);
    // Local to this speaker: a route map's `set weight`, else the neighbour's `weight`.
    out["weight"] = rib::effective_weight(*path.attrs, speaker.loc_rib().peer(path.peer));
    return out;
}

}  // namespace

AdminCommands::AdminCommands(std::vector<std::unique_ptr<bgp::Speaker>>& speakers, std::string config_file)
    : speakers_(speakers), config_file_(std::move(config_file)) {}

std::string AdminCommands::handle_line(std::string_view line) {
    json::error_code error;
    const auto request = json::parse(line, error);
    if (error || !request.is_object()) {
        json::object reply{{"version", admin_protocol_version}, {"ok", false}};
        reply["error"] = json::object{
            {"code", "bad_request"},
            {"message", error ? "the request is not valid JSON: " + error.message()
                              : std::string("the request must be a JSON object")}};
        return json::serialize(reply);
    }
    return json::serialize(handle(request.as_object()));
}

json::object AdminCommands::handle(const json::object& request) {
    json::object reply{{"version", admin_protocol_version}};
    try {
        if (const auto* version = field(request, "version");
            version != nullptr && !(version->is_int64() && version->as_int64() == admin_protocol_version))
            throw CommandError("unsupported_version", "this daemon speaks admin protocol version 1");
        const auto command = required_string(request, "command");
        json::value result;
        if (command == "status") result = status();
        else if (command == "show sessions") result = show_sessions(request);
        else if (command == "show rib") result = show_rib(request);
        else if (command == "show memory") result = show_memory(request);
        else if (command == "show fib") result = show_fib(request);
        else if (command == "session reset") result = session_action(request, "reset");
        else if (command == "session shutdown") result = session_action(request, "shutdown");
        else if (command == "session enable") result = session_action(request, "enable");
        else if (command == "reload") result = reload();
        else if (command == "announce") result = announce(request);
        else if (command == "withdraw") result = withdraw(request);
        else if (command == "trace") result = trace(request);
        else if (command == "ping") result = ping(request);
        else if (command == "link") result = link(request);
        else if (command == "show links") result = show_links();
        else if (command == "show events") result = show_events(request);
        else if (command == "converged") result = converged(request);
        else if (command == "check") result = check(request);
        else
            throw CommandError("unknown_command",
                               "unknown command \"" + command +
                                   "\" (expected status, show sessions, show rib, show fib, show memory, show links, show events, "
                                   "session reset|shutdown|enable, reload, announce, withdraw, trace, ping, link, converged, check)");
        reply["ok"] = true;
        reply["result"] = std::move(result);
    } catch (const CommandError& e) {
        reply["ok"] = false;
        reply["error"] = json::object{{"code", e.code}, {"message", e.what()}};
    }
    return reply;
}

bgp::Speaker& AdminCommands::node(const json::object& request) const {
    const auto name = required_string(request, "node");
    for (auto& speaker : speakers_)
        if (speaker->config().name == name) return *speaker;
    throw CommandError("unknown_node", "no speaker named \"" + name + "\"");
}

dataplane::Role AdminCommands::role_of(std::string_view node) const {
    if (emulation_ == nullptr) return dataplane::Role::none;
    const auto& network = emulation_->network();
    const auto index = network.find_node(node);
    return index ? network.nodes()[*index].role : dataplane::Role::none;
}

json::value AdminCommands::status() const {
    json::array speakers;
    for (const auto& speaker : speakers_) {
        std::size_t established = 0;
        for (std::size_t i = 0; i < speaker->neighbor_count(); ++i) established += speaker->session(i).established();
        const auto& config = speaker->config();
        const auto role = role_of(config.name);
        speakers.push_back(json::object{
            {"name", config.name},
            {"role", role == dataplane::Role::none ? json::value(nullptr) : json::value(dataplane::role_name(role))},
            {"asn", config.asn},
            {"router_id", router_id_text(config.router_id)},
            {"listen", endpoint_text(config.listen.address, config.listen.port)},
            {"sessions", speaker->neighbor_count()},
            {"sessions_established", established},
            {"routes", speaker->loc_rib().route_count()},
            {"paths", speaker->loc_rib().path_count()},
        });
    }
    return json::object{{"daemon", "bgpemud"},
                        {"version", BGPEMU_VERSION},
                        {"config", config_file_},
                        {"uptime_s", seconds_since(started_)},
                        {"speakers", std::move(speakers)}};
}

json::value AdminCommands::show_sessions(const json::object& request) const {
    const auto only = optional_string(request, "node");
    if (only) (void)node(request);  // an unknown name is an error, not an empty list
    json::array sessions;
    for (const auto& speaker : speakers_) {
        if (only && speaker->config().name != *only) continue;
        for (std::size_t i = 0; i < speaker->neighbor_count(); ++i) {
            const auto& session = speaker->session(i);
            const auto& neighbor = speaker->neighbor_config(i);
            const auto& stats = session.stats();
            json::object s{
                {"node", speaker->config().name},
                {"peer", neighbor.name},
                {"description", neighbor.description},
                {"peer_address", endpoint_text(neighbor.remote.address, neighbor.remote.port)},
                {"peer_as", neighbor.remote_as},
                {"local_as", speaker->config().asn},
                {"type", neighbor.remote_as == speaker->config().asn ? "ibgp" : "ebgp"},
                {"state", std::string(bgp::to_string(session.state()))},
                {"state_since_s", seconds_since(stats.state_since)},
                {"prefixes_accepted", speaker->accepted_count(i)},
                {"prefixes_advertised", speaker->advertised_count(i)},
                {"messages_in", stats.messages_in},
                {"messages_out", stats.messages_out},
                {"updates_in", stats.updates_in},
                {"updates_out", stats.updates_out},
                {"established_count", stats.established_transitions},
            };
            s["last_error"] = stats.last_error ? json::value(*stats.last_error) : json::value(nullptr);
            if (session.established()) {
                s["hold_time_s"] = session.negotiated().hold_time;
                s["peer_router_id"] = router_id_text(session.negotiated().peer_router_id);
            } else {
                s["hold_time_s"] = nullptr;
                s["peer_router_id"] = nullptr;
            }
            sessions.push_back(std::move(s));
        }
    }
    return json::object{{"sessions", std::move(sessions)}};
}

// The Loc-RIB; with "in": PEER only the paths accepted from that neighbour (its
// post-policy Adj-RIB-In); with "out": PEER what that neighbour has been sent (its
// Adj-RIB-Out: the attributes as exported, our own AS prepended for eBGP).
json::value AdminCommands::show_rib(const json::object& request) const {
    const auto& speaker = node(request);
    const auto& rib = speaker.loc_rib();
    const auto in = optional_string(request, "in");
    const auto out = optional_string(request, "out");
    if (in && out) throw CommandError("bad_argument", "give \"in\" or \"out\", not both");
    for (const auto& peer : {in, out})
        if (peer && speaker.find_neighbor_index(*peer) == std::nullopt)
            throw CommandError("unknown_peer", "speaker \"" + speaker.config().name + "\" has no neighbour \"" + *peer + "\"");
    std::optional<bgp::Prefix> only;
    if (field(request, "prefix") != nullptr) only = required_prefix(request);
    json::object result{{"node", speaker.config().name}};
    if (in) result["in"] = *in;
    if (out) {
        result["out"] = *out;
        std::vector<std::pair<bgp::Prefix, json::object>> sent;
        (void)speaker.for_each_advertised(*out, [&](const bgp::Prefix& prefix, const bgp::PathAttributes& attributes) {
            if (only && prefix != *only) return;
            json::object path{{"to", *out}};
            attributes_json(attributes, path);
            sent.emplace_back(prefix, std::move(path));
        });
        std::sort(sent.begin(), sent.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        json::array routes;
        for (auto& [prefix, path] : sent)
            routes.push_back(json::object{{"prefix", prefix.to_string()}, {"paths", json::array{std::move(path)}}});
        result["routes"] = std::move(routes);
        return result;
    }
    std::vector<bgp::Prefix> prefixes;
    if (only) prefixes.push_back(*only);
    else prefixes = rib.prefixes();
    json::array routes;
    for (const auto& prefix : prefixes) {
        const auto explained = rib.explain(prefix);
        json::array paths;
        for (const auto& path : explained)
            if (!in || speaker.peer_name(path.path.peer) == *in) paths.push_back(path_json(speaker, path));
        if (paths.empty()) continue;
        routes.push_back(json::object{{"prefix", prefix.to_string()}, {"paths", std::move(paths)}});
    }
    result["routes"] = std::move(routes);
    return result;
}

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

bgp::IpAddress required_address(const json::object& request, std::string_view key) {
    const auto text = required_string(request, key);
    const auto address = bgp::IpAddress::parse(text);
    if (!address) throw CommandError("bad_argument", "\"" + text + "\" is not an IPv4 or IPv6 address");
    return *address;
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
        if (const auto vnet = network.find_vnet(name)) return effective_routes_json(*vnet);
        if (const auto n = network.find_node(name)) {
            fib = emulation_->fib(*n);
            if (!fib) throw CommandError("no_fib", "\"" + name + "\" is a host in a VNet: its VNet routes it (show fib VNET)");
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
json::value AdminCommands::effective_routes_json(std::size_t vnet) const {
    const auto& network = emulation_->network();
    json::array routes;
    for (const auto& route : network.effective_routes(vnet, *emulation_)) {
        json::array gateways;
        json::array next_hop_addresses;
        for (const auto g : route.gateways) {
            const auto& node = network.nodes()[g];
            gateways.push_back(json::value(node.name));
            for (const auto& address : node.vnet_addresses) next_hop_addresses.push_back(json::value(address.to_string()));
        }
        json::object row{{"prefix", route.prefix.to_string()},
                         {"source", route.source_name()},
                         {"state", route.active ? "Active" : "Invalid"},
                         {"next_hop_type", route.next_hop_type_name()},
                         {"next_hop_addresses", std::move(next_hop_addresses)},
                         {"gateways", std::move(gateways)}};
        if (route.next_hop_type == dataplane::EffectiveRoute::NextHopType::vnet_peering) row["peer_vnet"] = route.peer_vnet;
        if (route.next_hop_type == dataplane::EffectiveRoute::NextHopType::gateway) {
            row["via"] = route.express_route ? "ExpressRoute" : "VPN";
            row["as_path_length"] = route.as_path_length;
            row["weight"] = route.weight;
        }
        if (!route.note.empty()) row["note"] = route.note;
        routes.push_back(std::move(row));
    }
    return json::object{{"vnet", network.vnets()[vnet].name}, {"effective_routes", std::move(routes)}};
}

json::value AdminCommands::show_memory(const json::object& request) const {
    const auto only = optional_string(request, "node");
    if (only) (void)node(request);
    json::array speakers;
    for (const auto& speaker : speakers_) {
        if (only && speaker->config().name != *only) continue;
        const auto use = speaker->memory_use();
        const auto routes = speaker->loc_rib().route_count();
        const auto total = use.attribute_bytes + use.loc_rib_entry_bytes + use.prefix_index_bytes + use.adj_rib_out_bytes;
        speakers.push_back(json::object{
            {"node", speaker->config().name},
            {"routes", routes},
            {"paths", speaker->loc_rib().path_count()},
            {"attribute_sets", use.attribute_sets},
            {"bytes", json::object{{"attribute_sets", use.attribute_bytes},
                                   {"loc_rib_entries", use.loc_rib_entry_bytes},
                                   {"prefix_index", use.prefix_index_bytes},
                                   {"adj_rib_out", use.adj_rib_out_bytes},
                                   {"total", total}}},
            {"bytes_per_route", routes == 0 ? 0.0 : static_cast<double>(total) / static_cast<double>(routes)},
        });
    }
    return json::object{{"resident_bytes", resident_bytes()}, {"speakers", std::move(speakers)}};
}

json::value AdminCommands::session_action(const json::object& request, std::string_view action) {
    auto& speaker = node(request);
    const auto peer = required_string(request, "peer");
    auto* session = speaker.find_session(peer);
    if (session == nullptr)
        throw CommandError("unknown_peer", "speaker \"" + speaker.config().name + "\" has no neighbour \"" + peer + "\"");
    const auto message = optional_string(request, "message").value_or("");
    if (action == "reset") session->reset(message);
    else if (action == "shutdown") session->stop(message);
    else session->enable();
    return json::object{{"node", speaker.config().name}, {"peer", peer}, {"done", std::string(action)}};
}

json::value AdminCommands::reload() {
    if (!reload_) throw CommandError("unsupported", "this daemon cannot reload its configuration");
    const auto outcome = reload_();
    if (!outcome.errors.empty()) {
        std::string message = "the new configuration was refused; the running one is kept:";
        for (const auto& error : outcome.errors) message += "\n" + error;
        throw CommandError("config_invalid", message);
    }
    json::array changes;
    for (const auto& change : outcome.changes) changes.push_back(json::value(change));
    return json::object{{"config", config_file_}, {"changes", std::move(changes)}};
}

json::value AdminCommands::announce(const json::object& request) {
    auto& speaker = node(request);
    bgp::OriginatedNetwork network;
    network.prefix = required_prefix(request);
    if (const auto* med = field(request, "med")) {
        if (!med->is_int64() || med->as_int64() < 0 || med->as_int64() > 0xffffffffLL)
            throw CommandError("bad_argument", "\"med\" must be a whole number 0..4294967295");
        network.med = static_cast<std::uint32_t>(med->as_int64());
    }
    if (const auto origin = optional_string(request, "origin")) {
        const auto value = bgp::parse_origin(*origin);
        if (!value) throw CommandError("bad_argument", "\"origin\" must be igp, egp or incomplete");
        network.origin = *value;
    }
    const auto strings = [&](std::string_view key) {
        std::vector<std::string> out;
        const auto* list = field(request, key);
        if (list == nullptr) return out;
        if (!list->is_array()) throw CommandError("bad_argument", "\"" + std::string(key) + "\" must be a list");
        for (const auto& item : list->as_array()) {
            if (!item.is_string())
                throw CommandError("bad_argument", "\"" + std::string(key) + "\" must be a list of strings");
            out.emplace_back(item.as_string());
        }
        return out;
    };
    for (const auto& text : strings("communities")) {
        const auto value = bgp::parse_community(text);
        if (!value) throw CommandError("bad_argument", "community \"" + text + "\" must be ASN:VALUE or a well-known name");
        network.communities.push_back(*value);
    }
    for (const auto& text : strings("large_communities")) {
        const auto value = bgp::parse_large_community(text);
        if (!value) throw CommandError("bad_argument", "large community \"" + text + "\" must be GLOBAL:LOCAL1:LOCAL2");
        network.large_communities.push_back(*value);
    }
    speaker.announce_network(network);
    return json::object{{"node", speaker.config().name}, {"announced", network.prefix.to_string()}};
}

json::value AdminCommands::withdraw(const json::object& request) {
    auto& speaker = node(request);
    const auto prefix = required_prefix(request);
    if (!speaker.withdraw_network(prefix))
        throw CommandError("not_originated",
                           "speaker \"" + speaker.config().name + "\" does not originate " + prefix.to_string());
    return json::object{{"node", speaker.config().name}, {"withdrawn", prefix.to_string()}};
}

// ---- The data plane ---------------------------------------------------------------------------

namespace {

json::object walk_json(const dataplane::WalkOutcome& walk) {
    json::array nodes;
    for (const auto& node : walk.nodes) nodes.push_back(json::value(node));
    json::object out{{"verdict", dataplane::verdict_name(walk.verdict)}, {"at", walk.node}, {"nodes", std::move(nodes)}};
    if (walk.verdict != dataplane::WalkOutcome::Verdict::delivered) out["reason"] = walk.reason;
    return out;
}

bool optional_bool(const json::object& request, std::string_view key) {
    const auto* value = field(request, key);
    if (value == nullptr) return false;
    if (!value->is_bool()) throw CommandError("bad_argument", "\"" + std::string(key) + "\" must be true or false");
    return value->as_bool();
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
    std::string error;
    const auto start = network().probe_source(from, source, error);
    if (!start) throw CommandError("unknown_node", error);
    return *start;
}

bgp::IpAddress AdminCommands::probe_destination(const json::object& request) const {
    std::string error;
    const auto destination = network().destination(required_string(request, "to"), error);
    if (!destination) throw CommandError("unknown_destination", error);
    return *destination;
}

// {"command": "trace", "from": NODE|HOST|VNET, "to": ADDRESS|HOST, "source"?: ADDRESS,
//  "all_paths"?: bool}: the hops of each path, as the hop model answers them.
json::value AdminCommands::trace(const json::object& request) const {
    const auto from = probe_source(request);
    const auto destination = probe_destination(request);
    const auto& net = network();
    json::array paths;
    for (const auto& path : net.trace(*emulation_, from, destination, optional_bool(request, "all_paths"))) {
        json::array hops;
        for (const auto& hop : path.hops) {
            json::object entry{{"hop", hop.number},
                               {"node", hop.node},
                               {"address", hop.address ? json::value(hop.address->to_string()) : json::value(nullptr)}};
            if (hop.address) entry["rtt_ms"] = hop.rtt_ms;
            else entry["why"] = hop.why_silent;
            if (hop.inferred) entry["inferred"] = true;  // an external router: its FIB is inferred
            hops.push_back(std::move(entry));
        }
        auto entry = walk_json(path.forward);
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
    const auto destination = probe_destination(request);
    const auto result = network().ping(*emulation_, from, destination);
    json::object out{{"from", network().nodes()[from.node].name},
                     {"source", from.address.to_string()},
                     {"destination", destination.to_string()},
                     {"reachable", result.reachable()},
                     {"forward", walk_json(result.forward)},
                     {"back", result.back ? json::value(walk_json(*result.back)) : json::value(nullptr)}};
    if (result.reachable()) out["rtt_ms"] = result.forward.delay_ms + result.back->delay_ms;
    return out;
}

// {"command": "link", "action": "down"|"up", "link": NAME} or {..., "a": NODE, "b": NODE}.
json::value AdminCommands::link(const json::object& request) {
    const auto action = required_string(request, "action");
    if (action != "down" && action != "up") throw CommandError("bad_argument", "\"action\" must be \"down\" or \"up\"");
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
            return json::object{{"node", node.name},
                                {"interface", interface.name},
                                {"address", interface.address.to_string() + "/" + std::to_string(interface.length)}};
        };
        links.push_back(json::object{{"name", link.name},
                                     {"a", end(link.ends[0])},
                                     {"b", end(link.ends[1])},
                                     {"delay_ms", link.delay_ms},
                                     {"up", link.up}});
    }
    return json::object{{"links", std::move(links)}};
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
    for (auto it = events.size() > limit ? events.end() - static_cast<std::ptrdiff_t>(limit) : events.begin(); it != events.end(); ++it) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(it->when.time_since_epoch()).count();
        list.push_back(json::object{{"sequence", it->sequence}, {"time_ms", ms}, {"kind", it->kind}, {"text", it->text}});
    }
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

// {"command": "check", "what"?: "symmetry"|"all", "from"?: HOST, "to"?: HOST}: the
// forward and return paths of every pair of hosts (or one pair), and with "all" the
// other design faults the daemon can see: a session near or past its prefix limit, a
// learned route more specific than a VNet's address space (an overlap: it draws part of
// that VNet's traffic wherever it wins the longest match).
json::value AdminCommands::check(const json::object& request) const {
    const auto what = optional_string(request, "what").value_or("all");
    if (what != "symmetry" && what != "all") throw CommandError("bad_argument", "\"what\" must be \"symmetry\" or \"all\"");
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
    json::array pairs;
    std::size_t problems = 0;
    for (const auto& pair : dataplane::check_symmetry(net, *emulation_, only)) {
        const bool problem = pair.verdict == dataplane::PairCheck::Verdict::asymmetric ||
                             pair.verdict == dataplane::PairCheck::Verdict::one_way;
        problems += problem;
        json::object entry{{"from", pair.from},
                           {"to", pair.to},
                           {"verdict", dataplane::pair_verdict_name(pair.verdict)},
                           {"problem", problem},
                           {"there", walk_json(pair.there.forward)},
                           {"back", walk_json(pair.back.forward)}};
        if (!pair.kind_there.empty()) {
            entry["kind_there"] = pair.kind_there;
            entry["kind_back"] = pair.kind_back;
        }
        pairs.push_back(std::move(entry));
    }
    json::array findings;
    if (what == "all") {
        for (const auto& speaker : speakers_) {
            for (std::size_t i = 0; i < speaker->neighbor_count(); ++i) {
                const auto& neighbor = speaker->neighbor_config(i);
                if (neighbor.maximum_prefix == 0) continue;
                const auto accepted = speaker->accepted_count(i);
                if (accepted * 100 < static_cast<std::size_t>(neighbor.maximum_prefix) * neighbor.maximum_prefix_warning_percent) continue;
                findings.push_back(json::object{
                    {"kind", "prefix_limit"},
                    {"node", speaker->config().name},
                    {"text", neighbor.name + " sends " + std::to_string(accepted) + " prefixes; the limit is " +
                                 std::to_string(neighbor.maximum_prefix)}});
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
    return json::object{{"pairs", std::move(pairs)}, {"findings", std::move(findings)}, {"problems", problems}};
}

}  // namespace bgpemu::daemon
