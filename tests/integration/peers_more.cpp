#include "peers_more.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace bgpemu::test {

namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::optional<json::value> parse_json(const std::string& text) {
    json::error_code error;
    auto value = json::parse(text, error);
    if (error) return std::nullopt;
    return value;
}

std::optional<std::uint32_t> json_u32(const json::object& object, const char* key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr || !value->is_number()) return std::nullopt;
    return static_cast<std::uint32_t>(value->to_number<std::int64_t>());
}

std::uint32_t json_u32(const json::value& value) {
    return value.is_number() ? static_cast<std::uint32_t>(value.to_number<std::int64_t>()) : 0;
}

std::string json_string(const json::object& object, const char* key) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

// [[65000, 42], [65000, 43]] -> {"65000:42", "65000:43"}, sorted (ExaBGP's communities
// and large communities).
std::vector<std::string> tuples(const json::value* list) {
    std::vector<std::string> out;
    if (list == nullptr || !list->is_array()) return out;
    for (const auto& item : list->as_array()) {
        if (!item.is_array()) continue;
        std::vector<std::string> parts;
        for (const auto& part : item.as_array()) parts.push_back(std::to_string(json_u32(part)));
        out.push_back(join(parts, ":"));
    }
    std::sort(out.begin(), out.end());
    return out;
}

// GoBGP's JSON has a community as one 32-bit number.
std::string community_string(std::uint32_t value) {
    return std::to_string(value >> 16) + ":" + std::to_string(value & 0xffffU);
}

// One line of ExaBGP's text API: "route P next-hop N med M community [a:b] large-community [a:b:c]".
std::string exabgp_route(const TestNetwork& network, const std::string& next_hop) {
    std::string out = "route " + network.prefix + " next-hop " + next_hop;
    if (network.med) out += " med " + std::to_string(*network.med);
    if (!network.communities.empty()) out += " community [ " + join(network.communities, " ") + " ]";
    if (!network.large_communities.empty())
        out += " large-community [ " + join(network.large_communities, " ") + " ]";
    return out;
}

std::string current_user() {
    if (const passwd* entry = ::getpwuid(::geteuid()); entry != nullptr && entry->pw_name != nullptr)
        return entry->pw_name;
    return "root";
}

void write_script(const std::filesystem::path& path, const std::string& contents) {
    write_file(path, contents);
    using std::filesystem::perms;
    std::filesystem::permissions(path, perms::owner_all | perms::group_read | perms::group_exec | perms::others_read |
                                           perms::others_exec);
}

}  // namespace

std::optional<std::filesystem::path> gobgpd_path() { return find_executable("gobgpd"); }
std::optional<std::filesystem::path> gobgp_cli_path() { return find_executable("gobgp"); }
std::optional<std::filesystem::path> exabgp_path() { return find_executable("exabgp"); }

// --- GoBGP ---

GobgpRouter::GobgpRouter(const TestRouterConfig& config, unsigned short api_port, const std::filesystem::path& work_dir)
    : config_(config),
      api_port_(api_port),
      dir_(work_dir / ("gobgp-" + config.address)),
      log_file_(dir_ / "gobgpd.log") {
    std::filesystem::create_directories(dir_);
    std::ostringstream conf;
    conf << "[global.config]\n"
         << "  as = " << config.asn << "\n"
         << "  router-id = \"" << config.router_id << "\"\n"
         << "  port = " << config.port << "\n"
         << "  local-address-list = [\"" << config.address << "\"]\n";
    for (const auto& neighbor : config.neighbors) {
        conf << "\n[[neighbors]]\n"
             << "  [neighbors.config]\n"
             << "    neighbor-address = \"" << neighbor.address << "\"\n"
             << "    peer-as = " << neighbor.asn << "\n"
             << "  [neighbors.transport.config]\n"
             << "    local-address = \"" << config.address << "\"\n"
             << "    remote-port = " << neighbor.port << "\n"
             << "  [neighbors.timers.config]\n"
             << "    connect-retry = 1\n"
             << "    hold-time = 9\n"
             << "    keepalive-interval = 3\n"
             // 30 s by default: how long GoBGP waits before it accepts or makes a new
             // connection after a session went down.
             << "    idle-hold-time-after-reset = 1\n"
             << "  [neighbors.ebgp-multihop.config]\n"
             << "    enabled = true\n"
             << "    multihop-ttl = 2\n";
    }
    const auto conf_file = dir_ / "gobgpd.toml";
    write_file(conf_file, conf.str());
    const auto gobgpd = gobgpd_path();
    if (!gobgpd || !gobgp_cli_path()) throw std::runtime_error("GoBGP (gobgpd, gobgp) not installed");
    process_ = ChildProcess({gobgpd->string(), "-f", conf_file.string(), "-t", "toml", "--api-hosts",
                             config.address + ":" + std::to_string(api_port), "--pprof-disable", "--log-plain"},
                            log_file_);
    if (!wait_until([&] { return process_.running() && gobgp({"global"}).exit_code == 0; }, 10s, 200ms))
        throw std::runtime_error("gobgpd's API did not answer on " + config.address + ":" + std::to_string(api_port) +
                                 "; its log:\n" + log());
    for (const auto& network : config.networks) announce_network(network);
}

CommandResult GobgpRouter::gobgp(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{gobgp_cli_path().value_or("gobgp").string(), "-u", config_.address, "-p",
                                  std::to_string(api_port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, 10s);
}

std::string GobgpRouter::session_state(const std::string& neighbor) const {
    const auto value = parse_json(gobgp({"neighbor", neighbor, "-j"}).output);
    if (!value || !value->is_object()) return "unknown";
    const auto* state = value->as_object().if_contains("state");
    if (state == nullptr || !state->is_object()) return "unknown";
    const auto* session = state->as_object().if_contains("session_state");
    if (session == nullptr) return "unknown";  // the CLI's JSON leaves out a zero (UNKNOWN) value
    // apipb.PeerState.SessionState, as a number (or its name, depending on the marshaller).
    static const std::vector<std::string> names{"unknown", "Idle", "Connect", "Active",
                                                "OpenSent", "OpenConfirm", "Established"};
    if (session->is_number()) {
        const auto index = static_cast<std::size_t>(session->to_number<std::int64_t>());
        return index < names.size() ? names[index] : "unknown";
    }
    if (session->is_string()) {
        std::string name(session->as_string());  // "ESTABLISHED"
        for (const auto& candidate : names) {
            std::string upper = candidate;
            std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) {
                return static_cast<char>(std::toupper(c));
            });
            if (upper == name) return candidate;
        }
    }
    return "unknown";
}

std::optional<ObservedRoute> GobgpRouter::route(const std::string& prefix) const {
    const auto value = parse_json(gobgp({"global", "rib", "-j", prefix}).output);
    if (!value || !value->is_object()) return std::nullopt;
    const auto* paths = value->as_object().if_contains(prefix);
    if (paths == nullptr || !paths->is_array()) return std::nullopt;
    for (const auto& path_value : paths->as_array()) {
        if (!path_value.is_object()) continue;
        const auto& path = path_value.as_object();
        const auto* best = path.if_contains("best");
        if (best == nullptr || !best->is_bool() || !best->as_bool()) continue;
        ObservedRoute route;
        const auto* attributes = path.if_contains("attrs");
        if (attributes == nullptr || !attributes->is_array()) return route;
        for (const auto& attribute_value : attributes->as_array()) {
            if (!attribute_value.is_object()) continue;
            const auto& attribute = attribute_value.as_object();
            switch (json_u32(attribute, "type").value_or(0)) {
            case 2: {  // AS_PATH: [{"segment_type": 2, "asns": [65000]}]
                std::vector<std::string> asns;
                if (const auto* segments = attribute.if_contains("as_paths"); segments && segments->is_array())
                    for (const auto& segment : segments->as_array())
                        if (const auto* list = segment.as_object().if_contains("asns"); list && list->is_array())
                            for (const auto& asn : list->as_array()) asns.push_back(std::to_string(json_u32(asn)));
                route.as_path = join(asns, " ");
                break;
            }
            case 3:   // NEXT_HOP
            case 14:  // MP_REACH_NLRI
                if (route.next_hop.empty()) route.next_hop = json_string(attribute, "nexthop");
                break;
            case 4:
                route.med = json_u32(attribute, "metric");
                break;
            case 5:
                route.local_pref = json_u32(attribute, "value");
                break;
            case 8:
                if (const auto* list = attribute.if_contains("communities"); list && list->is_array())
                    for (const auto& c : list->as_array()) route.communities.push_back(community_string(json_u32(c)));
                std::sort(route.communities.begin(), route.communities.end());
                break;
            case 32:  // LARGE_COMMUNITY: [{"ASN": 65031, "LocalData1": 1, "LocalData2": 2}]
                if (const auto* list = attribute.if_contains("value"); list && list->is_array())
                    for (const auto& c : list->as_array()) {
                        if (!c.is_object()) continue;
                        const auto& o = c.as_object();
                        route.large_communities.push_back(std::to_string(json_u32(o, "ASN").value_or(0)) + ":" +
                                                          std::to_string(json_u32(o, "LocalData1").value_or(0)) + ":" +
                                                          std::to_string(json_u32(o, "LocalData2").value_or(0)));
                    }
                std::sort(route.large_communities.begin(), route.large_communities.end());
                break;
            default:
                break;
            }
        }
        return route;
    }
    return std::nullopt;
}

void GobgpRouter::announce_network(const TestNetwork& network) const {
    std::vector<std::string> args{"global", "rib", "add", network.prefix};
    if (network.med) args.insert(args.end(), {"med", std::to_string(*network.med)});
    if (!network.communities.empty()) args.insert(args.end(), {"community", join(network.communities, ",")});
    if (!network.large_communities.empty())
        args.insert(args.end(), {"large-community", join(network.large_communities, ",")});
    const auto result = gobgp(args);
    if (result.exit_code != 0 || !result.output.empty())
        throw std::runtime_error("gobgp " + join(args, " ") + ": " + result.output);
}

void GobgpRouter::withdraw_network(const std::string& prefix) const {
    const auto result = gobgp({"global", "rib", "del", prefix});
    if (result.exit_code != 0 || !result.output.empty())
        throw std::runtime_error("gobgp global rib del " + prefix + ": " + result.output);
}

// --- ExaBGP ---

ExabgpRouter::ExabgpRouter(const TestRouterConfig& config, const std::filesystem::path& work_dir)
    : config_(config),
      dir_(work_dir / ("exabgp-" + config.address)),
      log_file_(dir_ / "exabgp.log"),
      received_file_(dir_ / "received.json"),
      commands_file_(dir_ / "commands") {
    std::filesystem::create_directories(dir_);
    write_file(received_file_, "");
    write_file(commands_file_, "");
    // Not `exec cat`: the shell must keep its stdout (the pipe back to ExaBGP) open, or
    // ExaBGP takes the helper for dead and respawns it until it gives up.
    write_script(dir_ / "receive.sh", "#!/bin/sh\ncat >> '" + received_file_.string() + "'\n");
    write_script(dir_ / "send.sh",
                 "#!/bin/sh\nexec tail -n +1 -F --pid=\"$PPID\" '" + commands_file_.string() + "' 2>/dev/null\n");

    std::ostringstream conf;
    conf << "process receive {\n    run " << (dir_ / "receive.sh").string() << ";\n    encoder json;\n}\n"
         << "process send {\n    run " << (dir_ / "send.sh").string() << ";\n    encoder json;\n}\n";
    for (const auto& neighbor : config.neighbors) {
        conf << "neighbor " << neighbor.address << " {\n"
             << "    router-id " << config.router_id << ";\n"
             << "    local-address " << config.address << ";\n"
             << "    local-as " << config.asn << ";\n"
             << "    peer-as " << neighbor.asn << ";\n"
             << "    connect " << neighbor.port << ";\n"
             << "    hold-time 9;\n"
             << "    family {\n        ipv4 unicast;\n    }\n"
             << "    static {\n";
        for (const auto& network : config.networks)
            conf << "        " << exabgp_route(network, config.address) << ";\n";
        conf << "    }\n"
             << "    api receiver {\n        processes [ receive ];\n"
             << "        receive {\n            parsed;\n            update;\n        }\n"
             << "        neighbor-changes;\n    }\n"
             << "    api sender {\n        processes [ send ];\n    }\n"
             << "}\n";
    }
    const auto conf_file = dir_ / "exabgp.conf";
    write_file(conf_file, conf.str());

    const auto exabgp = exabgp_path();
    const auto env = find_executable("env");
    if (!exabgp || !env) throw std::runtime_error("ExaBGP (exabgp) not installed");
    // ExaBGP's settings come from the environment: no listening socket, logs on stdout,
    // no CLI named pipes, no acknowledgement lines written to the helpers, stay in the
    // foreground as the current user.
    process_ = ChildProcess({env->string(), "exabgp.daemon.user=" + current_user(), "exabgp.daemon.daemonize=false",
                             "exabgp.daemon.pid=", "exabgp.tcp.bind=", "exabgp.log.destination=stdout",
                             "exabgp.api.cli=false", "exabgp.api.ack=false", exabgp->string(), conf_file.string()},
                            log_file_);
}

void ExabgpRouter::api(const std::string& command) const {
    std::ofstream out(commands_file_, std::ios::app);
    out << command << "\n";
    if (!out) throw std::runtime_error("cannot append to " + commands_file_.string());
}

void ExabgpRouter::announce_network(const TestNetwork& network) const {
    api("announce " + exabgp_route(network, config_.address));
}

void ExabgpRouter::withdraw_network(const std::string& prefix) const {
    api("withdraw route " + prefix + " next-hop " + config_.address);
}

std::string ExabgpRouter::session_state(const std::string& neighbor) const {
    std::string state;
    std::istringstream lines(received());
    for (std::string line; std::getline(lines, line);) {
        const auto value = parse_json(line);
        if (!value || !value->is_object()) continue;
        const auto& message = value->as_object();
        if (json_string(message, "type") != "state") continue;
        const auto* peer = message.if_contains("neighbor");
        if (peer == nullptr || !peer->is_object()) continue;
        const auto* address = peer->as_object().if_contains("address");
        if (address == nullptr || !address->is_object() || json_string(address->as_object(), "peer") != neighbor)
            continue;
        state = json_string(peer->as_object(), "state");
    }
    return state;
}

std::optional<ObservedRoute> ExabgpRouter::route(const std::string& prefix) const {
    // Replays ExaBGP's messages: neighbour address -> prefix -> route.
    std::map<std::string, std::map<std::string, ObservedRoute>> rib;
    std::istringstream lines(received());
    for (std::string line; std::getline(lines, line);) {
        const auto value = parse_json(line);  // a line still being written does not parse
        if (!value || !value->is_object()) continue;
        const auto& message = value->as_object();
        const auto* peer_value = message.if_contains("neighbor");
        if (peer_value == nullptr || !peer_value->is_object()) continue;
        const auto& peer = peer_value->as_object();
        const auto* address = peer.if_contains("address");
        if (address == nullptr || !address->is_object()) continue;
        auto& routes = rib[json_string(address->as_object(), "peer")];
        const auto type = json_string(message, "type");
        if (type == "state") {
            if (json_string(peer, "state") == "down") routes.clear();
            continue;
        }
        if (type != "update") continue;
        const auto* body = peer.if_contains("message");
        if (body == nullptr || !body->is_object()) continue;
        const auto* update_value = body->as_object().if_contains("update");
        if (update_value == nullptr || !update_value->is_object()) continue;
        const auto& update = update_value->as_object();

        // "withdraw": {"ipv4 unicast": [{"nlri": "192.0.2.0/24"}]}
        if (const auto* withdraw = update.if_contains("withdraw"); withdraw && withdraw->is_object())
            for (const auto& [family, nlris] : withdraw->as_object()) {
                (void)family;
                if (!nlris.is_array()) continue;
                for (const auto& nlri : nlris.as_array())
                    if (nlri.is_object()) routes.erase(json_string(nlri.as_object(), "nlri"));
            }

        // "announce": {"ipv4 unicast": {"NEXT_HOP": [{"nlri": "192.0.2.0/24"}]}}
        const auto* announce = update.if_contains("announce");
        if (announce == nullptr || !announce->is_object()) continue;
        ObservedRoute attributes;
        if (const auto* a = update.if_contains("attribute"); a && a->is_object()) {
            const auto& attribute = a->as_object();
            std::vector<std::string> asns;
            if (const auto* path = attribute.if_contains("as-path"); path && path->is_array())
                for (const auto& asn : path->as_array()) {
                    if (asn.is_number()) {
                        asns.push_back(std::to_string(json_u32(asn)));
                    } else if (asn.is_array()) {  // an AS_SET
                        std::vector<std::string> set;
                        for (const auto& member : asn.as_array()) set.push_back(std::to_string(json_u32(member)));
                        asns.push_back("{" + join(set, ",") + "}");
                    }
                }
            attributes.as_path = join(asns, " ");
            attributes.med = json_u32(attribute, "med");
            attributes.local_pref = json_u32(attribute, "local-preference");
            attributes.communities = tuples(attribute.if_contains("community"));
            attributes.large_communities = tuples(attribute.if_contains("large-community"));
        }
        for (const auto& [family, by_next_hop] : announce->as_object()) {
            (void)family;
            if (!by_next_hop.is_object()) continue;
            for (const auto& [next_hop, nlris] : by_next_hop.as_object()) {
                if (!nlris.is_array()) continue;
                for (const auto& nlri : nlris.as_array()) {
                    if (!nlri.is_object()) continue;
                    ObservedRoute route = attributes;
                    route.next_hop = std::string(next_hop);
                    routes[json_string(nlri.as_object(), "nlri")] = route;
                }
            }
        }
    }
    for (const auto& [neighbor, routes] : rib) {
        (void)neighbor;
        if (const auto found = routes.find(prefix); found != routes.end()) return found->second;
    }
    return std::nullopt;
}

}  // namespace bgpemu::test
