// The control-plane commands: the daemon and its speakers (status, sessions, Loc-RIB,
// Adj-RIB-In and -Out, memory) and what changes them (session actions, announce,
// withdraw). Registered in admin_commands.cpp.
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>

#include "bgp/wire/attribute_text.hpp"
#include "daemon/admin/admin_commands.hpp"
#include "daemon/admin/base64.hpp"
#include "daemon/admin/request_arguments.hpp"
#include "daemon/version.hpp"
#include "rib/decision.hpp"
#include "rib/mrt.hpp"

namespace bgpemu::daemon {

namespace json = boost::json;

namespace {

std::string endpoint_text(const bgp::IpAddress& address, std::uint16_t port) {
    return address.is_v4() ? address.to_string() + ":" + std::to_string(port)
                           : "[" + address.to_string() + "]:" + std::to_string(port);
}

std::string router_id_text(std::uint32_t id) { return bgp::IpAddress::v4(id).to_string(); }

std::int64_t seconds_since(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - since).count();
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
    json::object out{{"daemon", "bgpemud"},
                     {"version", bgpemu::version},
                     {"config", config_file_},
                     {"uptime_s", seconds_since(started_)},
                     {"speakers", std::move(speakers)}};
    if (emulation_) {
        json::array nodes, vnets;
        for (const auto& n : emulation_->network().nodes()) nodes.push_back(json::value(n.name));
        for (const auto& v : emulation_->network().vnets()) vnets.push_back(json::value(v.name));
        out["nodes"] = std::move(nodes);
        out["vnets"] = std::move(vnets);
    }
    return out;
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
            json::array dropped;
            for (int f = 0; f < 2; ++f)
                if (speaker->family_dropped(i, f)) dropped.push_back(json::value(f == 0 ? "ipv4" : "ipv6"));
            if (!dropped.empty()) s["families_dropped"] = std::move(dropped);  // past their prefix limits
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
                                   {"session_buffers", use.session_buffer_bytes},
                                   {"total", total}}},
            // An average: one decimal says enough.
            {"bytes_per_route", routes == 0 ? 0.0
                                            : std::round(10.0 * static_cast<double>(total) / static_cast<double>(routes)) / 10.0},
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
    // The table has checked that these are lists of strings.
    const auto strings = [&](std::string_view key) {
        std::vector<std::string> out;
        if (const auto* list = field(request, key))
            for (const auto& item : list->as_array()) out.emplace_back(item.as_string());
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

// {"command": "dump rib", "node": N, "all_paths"?: bool}: the speaker's Loc-RIB as an MRT
// TABLE_DUMP_V2 dump (rib/mrt.hpp), base64 in the reply: the client writes the file, so
// the daemon writes nothing where a request says.
json::value AdminCommands::dump_rib(const json::object& request) const {
    const auto& speaker = node(request);
    const auto& config = speaker.config();
    rib::MrtDumpOptions options;
    options.timestamp = static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                                       std::chrono::system_clock::now().time_since_epoch())
                                                       .count());
    options.collector_id = config.router_id;
    options.view_name = config.name;
    options.local_as = config.asn;
    options.all_paths = optional_bool(request, "all_paths");
    bgp::Bytes dump;
    const auto counts = rib::write_table_dump_v2(speaker.loc_rib(), options, dump);
    const std::string_view octets(reinterpret_cast<const char*>(dump.data()), dump.size());
    return json::object{{"node", config.name},
                        {"peers", counts.peers},
                        {"prefixes", counts.prefixes},
                        {"entries", counts.entries},
                        {"bytes", dump.size()},
                        {"mrt_base64", base64_encode(octets)}};
}

// {"command": "inject", "node": N, "file"?: PATH, "peer"?: ADDRESS, "max"?: N, "clear"?: bool}:
// the routes of an MRT file loaded into the speaker as its own (Speaker::inject_routes),
// one path per prefix: the first the file holds, of `peer`'s routes only when given;
// or, with "clear", every injected route withdrawn.
json::value AdminCommands::inject(const json::object& request) {
    auto& speaker = node(request);
    const auto file = optional_string(request, "file");
    const bool clear = optional_bool(request, "clear");
    json::object reply{{"node", speaker.config().name}, {"file", file ? json::value(*file) : json::value(nullptr)}};
    if (clear == file.has_value())
        throw CommandError("bad_argument", "give \"file\" (an MRT file to load) or \"clear\" (to withdraw what was loaded)");
    if (clear) {
        reply["withdrawn"] = speaker.clear_injected();
        reply["added"] = 0;
        reply["records"] = 0;
        reply["skipped"] = 0;
        reply["peers"] = json::array();
        reply["injected"] = speaker.injected_count();
        return reply;
    }
    std::optional<bgp::IpAddress> peer;
    if (const auto text = optional_string(request, "peer")) {
        peer = bgp::IpAddress::parse(*text);
        if (!peer) throw CommandError("bad_argument", "\"peer\" must be an IPv4 or IPv6 address, not \"" + *text + "\"");
    }
    std::size_t max = std::numeric_limits<std::size_t>::max();
    if (const auto* value = field(request, "max")) {
        if (!value->is_int64() || value->as_int64() < 1) throw CommandError("bad_argument", "\"max\" must be a positive number");
        max = static_cast<std::size_t>(value->as_int64());
    }
    std::ifstream in(*file, std::ios::binary);
    if (!in) throw CommandError("bad_argument", "cannot read " + *file);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto read = rib::read_mrt(bgp::ByteSpan(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()));
    if (const auto* error = std::get_if<std::string>(&read)) throw CommandError("bad_argument", *file + ": " + *error);
    const auto& contents = std::get<rib::MrtContents>(read);
    json::array peers;
    bool peer_found = !peer;
    for (const auto& p : contents.peers) {
        peers.push_back(json::object{{"address", p.address.to_string()}, {"as", p.as}});
        peer_found = peer_found || p.address == *peer;
    }
    if (!peer_found)
        throw CommandError("bad_argument", *file + " holds no routes of peer " + peer->to_string() + " (its peers are listed by `inject` without --peer)");
    std::set<bgp::Prefix> taken;
    std::vector<std::pair<bgp::Prefix, bgp::PathAttributes>> routes;
    for (const auto& route : contents.routes) {
        if (routes.size() >= max) break;
        if (peer && contents.peers[route.peer].address != *peer) continue;
        if (!taken.insert(route.prefix).second) continue;
        routes.emplace_back(route.prefix, route.attributes);
    }
    speaker.inject_routes(routes);
    reply["withdrawn"] = 0;
    reply["added"] = routes.size();
    reply["records"] = contents.records;
    reply["skipped"] = contents.skipped_routes;
    reply["peers"] = std::move(peers);
    reply["injected"] = speaker.injected_count();
    return reply;
}

}  // namespace bgpemu::daemon
