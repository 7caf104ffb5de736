#include "routers.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <sstream>
#include <stdexcept>

namespace bgpemu::test {

namespace {

using namespace std::chrono_literals;

// Short timers everywhere: tests wait for sessions, never for default intervals.
constexpr const char* frr_timers = "timers 3 9";

// "65011:1:1" -> "(65011, 1, 1)" and "65011:100" -> "(65011,100)", BIRD's literals.
std::string bird_tuple(const std::string& community) {
    std::string out = "(";
    for (char c : community) out += c == ':' ? ',' : c;
    return out + ")";
}

std::string trim(std::string text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::optional<std::uint32_t> json_u32(const boost::json::object& object, const char* key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr || !value->is_number()) return std::nullopt;
    return static_cast<std::uint32_t>(value->to_number<std::int64_t>());
}

std::vector<std::string> split_words(const std::string& text) {
    std::vector<std::string> words;
    std::istringstream in(text);
    for (std::string word; in >> word;) words.push_back(word);
    std::sort(words.begin(), words.end());
    return words;
}

void wait_for_socket(const std::filesystem::path& socket, const std::string& what) {
    if (!wait_until([&] { return std::filesystem::exists(socket); }, 10s))
        throw std::runtime_error(what + " did not create its control socket " + socket.string());
}

}  // namespace

std::optional<std::filesystem::path> frr_bgpd_path() { return find_executable("/usr/lib/frr/bgpd"); }
std::optional<std::filesystem::path> bird_path() { return find_executable("bird"); }

std::string to_string(const std::optional<ObservedRoute>& route) {
    if (!route) return "(no route)";
    std::ostringstream out;
    out << "as_path=\"" << route->as_path << "\" next_hop=" << route->next_hop;
    if (route->med) out << " med=" << *route->med;
    if (route->local_pref) out << " local_pref=" << *route->local_pref;
    out << " communities=[" << join(route->communities, " ") << "]";
    out << " large_communities=[" << join(route->large_communities, " ") << "]";
    return out.str();
}

// --- FRR ---

FrrRouter::FrrRouter(const TestRouterConfig& config, const std::filesystem::path& work_dir)
    : config_(config), dir_(work_dir / ("frr-" + config.address)), log_file_(dir_ / "bgpd.log") {
    std::filesystem::create_directories(dir_);
    std::filesystem::permissions(dir_, std::filesystem::perms::all);
    std::ostringstream conf;
    conf << "frr defaults traditional\n"
         << "hostname frr-" << config.address << "\n"
         << "log stdout informational\n"
         << "router bgp " << config.asn << "\n"
         << " bgp router-id " << config.router_id << "\n"
         << " no bgp ebgp-requires-policy\n"
         << " no bgp network import-check\n";
    for (const auto& neighbor : config.neighbors) {
        const auto& a = neighbor.address;
        conf << " neighbor " << a << " remote-as " << neighbor.asn << "\n"
             << " neighbor " << a << " port " << neighbor.port << "\n"
             << " neighbor " << a << " update-source " << config.address << "\n"
             << " neighbor " << a << " " << frr_timers << "\n"
             << " neighbor " << a << " timers connect 1\n";
        // FRR refuses ttl-security together with ebgp-multihop.
        if (neighbor.ttl_security_hops > 0)
            conf << " neighbor " << a << " ttl-security hops " << neighbor.ttl_security_hops << "\n";
        else
            conf << " neighbor " << a << " ebgp-multihop 2\n";
        if (!neighbor.password.empty()) conf << " neighbor " << a << " password " << neighbor.password << "\n";
    }
    conf << " address-family ipv4 unicast\n";
    for (std::size_t i = 0; i < config.networks.size(); ++i)
        conf << "  network " << config.networks[i].prefix << " route-map originate-" << i << "\n";
    for (const auto& line : config.address_family_lines) conf << "  " << line << "\n";
    conf << " exit-address-family\n";
    conf << config.extra_config;
    for (std::size_t i = 0; i < config.networks.size(); ++i) {
        const auto& network = config.networks[i];
        conf << "route-map originate-" << i << " permit 10\n";
        if (network.med) conf << " set metric " << *network.med << "\n";
        if (!network.communities.empty()) conf << " set community " << join(network.communities, " ") << "\n";
        if (!network.large_communities.empty())
            conf << " set large-community " << join(network.large_communities, " ") << "\n";
    }
    const auto conf_file = dir_ / "bgpd.conf";
    write_file(conf_file, conf.str());
    std::filesystem::permissions(conf_file, std::filesystem::perms::all);
    const auto bgpd = frr_bgpd_path();
    if (!bgpd) throw std::runtime_error("FRR bgpd not installed");
    process_ = ChildProcess({bgpd->string(), "-f", conf_file.string(), "-p", std::to_string(config.port), "-l",
                             config.address, "-Z", "-S", "-P", "0", "--vty_socket", dir_.string(), "-i",
                             (dir_ / "bgpd.pid").string()},
                            log_file_);
    wait_for_socket(dir_ / "bgpd.vty", "FRR bgpd");
}

std::string FrrRouter::vtysh(const std::vector<std::string>& commands) const {
    std::vector<std::string> argv{"vtysh", "--vty_socket", dir_.string()};
    for (const auto& command : commands) {
        argv.push_back("-c");
        argv.push_back(command);
    }
    return run_command(argv, 10s).output;
}

std::optional<boost::json::object> FrrRouter::neighbor_json(const std::string& neighbor) const {
    const auto text = vtysh({"show bgp neighbors " + neighbor + " json"});
    boost::system::error_code error;
    const auto value = boost::json::parse(text, error);
    if (error || !value.is_object()) return std::nullopt;
    const auto* peer = value.as_object().if_contains(neighbor);
    if (peer == nullptr || !peer->is_object()) return std::nullopt;
    return peer->as_object();
}

std::string FrrRouter::session_state(const std::string& neighbor) const {
    const auto peer = neighbor_json(neighbor);
    const auto* state = peer ? peer->if_contains("bgpState") : nullptr;
    return state != nullptr && state->is_string() ? std::string(state->as_string()) : "unknown";
}

unsigned FrrRouter::established_count(const std::string& neighbor) const {
    const auto peer = neighbor_json(neighbor);
    return peer ? json_u32(*peer, "connectionsEstablished").value_or(0) : 0;
}

std::optional<std::uint32_t> FrrRouter::update_count(const std::string& neighbor, const char* direction) const {
    const auto peer = neighbor_json(neighbor);
    const auto* stats = peer ? peer->if_contains("messageStats") : nullptr;
    if (stats == nullptr || !stats->is_object()) return std::nullopt;
    return json_u32(stats->as_object(), direction);
}

std::optional<ObservedRoute> FrrRouter::route(const std::string& prefix) const {
    const auto text = vtysh({"show bgp ipv4 unicast " + prefix + " json"});
    boost::system::error_code error;
    const auto value = boost::json::parse(text, error);
    if (error || !value.is_object()) return std::nullopt;
    const auto* paths = value.as_object().if_contains("paths");
    if (paths == nullptr || !paths->is_array()) return std::nullopt;
    for (const auto& path_value : paths->as_array()) {
        if (!path_value.is_object()) continue;
        const auto& path = path_value.as_object();
        const auto* best = path.if_contains("bestpath");
        if (best == nullptr || !best->is_object() || !best->as_object().if_contains("overall")) continue;
        ObservedRoute route;
        if (const auto* as_path = path.if_contains("aspath"); as_path && as_path->is_object())
            if (const auto* s = as_path->as_object().if_contains("string"); s && s->is_string())
                route.as_path = std::string(s->as_string());
        if (route.as_path == "Local") route.as_path.clear();
        if (const auto* hops = path.if_contains("nexthops"); hops && hops->is_array() && !hops->as_array().empty())
            if (const auto* ip = hops->as_array()[0].as_object().if_contains("ip"); ip && ip->is_string())
                route.next_hop = std::string(ip->as_string());
        route.med = json_u32(path, "metric");
        route.local_pref = json_u32(path, "locPrf");
        if (const auto* c = path.if_contains("community"); c && c->is_object())
            if (const auto* s = c->as_object().if_contains("string"); s && s->is_string())
                route.communities = split_words(std::string(s->as_string()));
        if (const auto* c = path.if_contains("largeCommunity"); c && c->is_object())
            if (const auto* s = c->as_object().if_contains("string"); s && s->is_string())
                route.large_communities = split_words(std::string(s->as_string()));
        return route;
    }
    return std::nullopt;
}

void FrrRouter::withdraw_network(const std::string& prefix) const {
    (void)vtysh({"configure terminal", "router bgp " + std::to_string(config_.asn), "address-family ipv4 unicast",
                 "no network " + prefix});
}

void FrrRouter::announce_network(const std::string& prefix) const {
    // A configured network comes back with its attributes; any other as a plain one.
    std::string statement = "network " + prefix;
    for (std::size_t i = 0; i < config_.networks.size(); ++i)
        if (config_.networks[i].prefix == prefix) statement += " route-map originate-" + std::to_string(i);
    (void)vtysh({"configure terminal", "router bgp " + std::to_string(config_.asn), "address-family ipv4 unicast",
                 statement});
}

void FrrRouter::clear_session(const std::string& neighbor) const { (void)vtysh({"clear bgp " + neighbor}); }

// --- BIRD ---

BirdRouter::BirdRouter(const TestRouterConfig& config, const std::filesystem::path& work_dir)
    : config_(config), dir_(work_dir / ("bird-" + config.address)), log_file_(dir_ / "bird.log") {
    std::filesystem::create_directories(dir_);
    std::ostringstream conf;
    conf << "router id " << config.router_id << ";\n"
         << "log stderr all;\n"
         << "protocol device { }\n"
         << "protocol static static_routes {\n  ipv4 { import all; };\n";
    for (const auto& network : config.networks) {
        conf << "  route " << network.prefix << " blackhole {";
        if (network.med) conf << " bgp_med = " << *network.med << ";";
        for (const auto& c : network.communities) conf << " bgp_community.add(" << bird_tuple(c) << ");";
        for (const auto& c : network.large_communities) conf << " bgp_large_community.add(" << bird_tuple(c) << ");";
        conf << " };\n";
    }
    conf << "}\n";
    for (std::size_t i = 0; i < config.neighbors.size(); ++i) {
        const auto& neighbor = config.neighbors[i];
        // multihop: BIRD's direct-session logic rejects host-scope next hops on lo.
        conf << "protocol bgp n" << i << " {\n"
             << "  local " << config.address << " port " << config.port << " as " << config.asn << ";\n"
             << "  neighbor " << neighbor.address << " port " << neighbor.port << " as " << neighbor.asn << ";\n"
             << "  multihop;\n  strict bind on;\n"
             << (neighbor.password.empty() ? std::string() : "  password \"" + neighbor.password + "\";\n")
             << "  hold time 9; keepalive time 3; connect delay time 1; connect retry time 2; error wait time 1,5;\n"
             << "  ipv4 { import all; export all; next hop self; };\n}\n";
    }
    const auto conf_file = dir_ / "bird.conf";
    write_file(conf_file, conf.str());
    const auto bird = bird_path();
    if (!bird) throw std::runtime_error("BIRD not installed");
    process_ = ChildProcess({bird->string(), "-f", "-c", conf_file.string(), "-s", (dir_ / "bird.ctl").string(), "-P",
                             (dir_ / "bird.pid").string()},
                            log_file_);
    wait_for_socket(dir_ / "bird.ctl", "BIRD");
}

std::string BirdRouter::birdc(const std::string& command) const {
    return run_command({"birdc", "-s", (dir_ / "bird.ctl").string(), command}, 10s).output;
}

std::string BirdRouter::session_state(std::size_t neighbor_index) const {
    const std::string name = "n" + std::to_string(neighbor_index);
    std::istringstream lines(birdc("show protocols " + name));
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(name + " ", 0) != 0) continue;
        // Name Proto Table State Since Info: the Info column is the BGP state.
        std::istringstream words(line);
        std::vector<std::string> columns;
        for (std::string word; words >> word;) columns.push_back(word);
        return columns.size() >= 6 ? columns[5] : "unknown";
    }
    return "unknown";
}

std::optional<ObservedRoute> BirdRouter::route(const std::string& prefix) const {
    const auto text = birdc("show route " + prefix + " all");
    if (text.find(prefix) == std::string::npos) return std::nullopt;
    ObservedRoute route;
    bool in_route = false;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(prefix, 0) == 0) {
            if (in_route) break;  // only the first (best) route
            in_route = true;
            continue;
        }
        if (!in_route) continue;
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        const auto key = trim(line.substr(0, colon));
        const auto value = trim(line.substr(colon + 1));
        if (key == "BGP.as_path") {
            route.as_path = value;
        } else if (key == "BGP.next_hop") {
            route.next_hop = value;
        } else if (key == "BGP.med") {
            route.med = static_cast<std::uint32_t>(std::stoul(value));
        } else if (key == "BGP.local_pref") {
            route.local_pref = static_cast<std::uint32_t>(std::stoul(value));
        } else if (key == "BGP.community" || key == "BGP.large_community") {
            // "(65011,100) (65000,42)" and "(65011, 1, 1)": rewrite to a:b[:c].
            std::vector<std::string> items;
            std::string current;
            bool open = false;
            for (char c : value) {
                if (c == '(') {
                    open = true;
                    current.clear();
                } else if (c == ')') {
                    open = false;
                    items.push_back(current);
                } else if (open && c == ',') {
                    current += ':';
                } else if (open && c != ' ') {
                    current += c;
                }
            }
            std::sort(items.begin(), items.end());
            (key == "BGP.community" ? route.communities : route.large_communities) = items;
        }
    }
    if (!in_route) return std::nullopt;
    return route;
}

std::vector<BirdTableRoute> parse_bird_routes(const std::string& show_route_all) {
    // A route starts with "PREFIX  DEST [PROTO TIME ...] * (PREF) ...", a further route
    // of the same prefix with blanks instead of the prefix; its attributes follow on
    // tab-indented "KEY: VALUE" lines.
    std::vector<BirdTableRoute> routes;
    std::string prefix;
    std::istringstream lines(show_route_all);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '\t') {
            if (routes.empty()) continue;
            const auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            const auto key = trim(line.substr(0, colon));
            const auto value = trim(line.substr(colon + 1));
            auto& route = routes.back().attributes;
            if (key == "BGP.as_path") route.as_path = value;
            else if (key == "BGP.next_hop") route.next_hop = value;
            else if (key == "BGP.local_pref") route.local_pref = static_cast<std::uint32_t>(std::stoul(value));
            else if (key == "BGP.med") route.med = static_cast<std::uint32_t>(std::stoul(value));
            continue;
        }
        const auto open = line.find('[');
        if (open == std::string::npos) continue;  // "Table master4:", "BIRD ... ready."
        if (line[0] != ' ') prefix = line.substr(0, line.find(' '));
        BirdTableRoute route;
        route.prefix = prefix;
        const auto name_end = line.find_first_of(" ]", open + 1);
        route.protocol = line.substr(open + 1, name_end - open - 1);
        const auto close = line.find(']', open);
        route.best = close != std::string::npos && line.find(" * ", close) != std::string::npos;
        routes.push_back(std::move(route));
    }
    return routes;
}

void BirdRouter::disable_originate() const { (void)birdc("disable static_routes"); }
void BirdRouter::enable_originate() const { (void)birdc("enable static_routes"); }
void BirdRouter::restart_session(std::size_t neighbor_index) const {
    (void)birdc("restart n" + std::to_string(neighbor_index));
}

// --- bgpemud ---

BgpemuDaemon::BgpemuDaemon(const std::string& yaml, const std::filesystem::path& work_dir,
                           const std::vector<std::string>& extra_args, const std::vector<std::string>& launcher)
    : log_file_(work_dir / "bgpemud.log"), socket_(work_dir / "bgpemud.sock") {
    const auto config = work_dir / "bgpemud.yaml";
    write_file(config, yaml);
    // Its own admin socket: never the shared default, which another daemon may hold.
    std::vector<std::string> argv = launcher;
    for (std::string word : {std::string(BGPEMU_BGPEMUD_PATH), std::string("--config"), config.string(), std::string("--socket"),
                             socket_.string(), std::string("--log-level"), std::string("debug")})
        argv.push_back(std::move(word));
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    process_ = ChildProcess(std::move(argv), log_file_);
    if (!wait_until([&] { return std::filesystem::exists(socket_); }, 10s))
        throw std::runtime_error("bgpemud did not create " + socket_.string() + "; its log:\n" + log());
}

CommandResult BgpemuDaemon::ctl(const std::vector<std::string>& words) const {
    std::vector<std::string> json_words{"--json"};
    json_words.insert(json_words.end(), words.begin(), words.end());
    return ctl_text(json_words);
}

CommandResult BgpemuDaemon::ctl_text(const std::vector<std::string>& words, std::chrono::milliseconds timeout) const {
    std::vector<std::string> argv{BGPEMU_BGPEMUCTL_PATH, "--socket", socket_.string()};
    argv.insert(argv.end(), words.begin(), words.end());
    return run_command(argv, timeout);
}

std::optional<ObservedRoute> BgpemuDaemon::route(const std::string& node, const std::string& prefix) const {
    return best_route_of_rib_reply(ctl({"show", "rib", node, prefix}).output);
}

std::optional<boost::json::object> BgpemuDaemon::session_json(const std::string& node, const std::string& peer) const {
    boost::json::error_code error;
    const auto value = boost::json::parse(ctl({"show", "sessions", node}).output, error);
    if (error || !value.is_object()) return std::nullopt;
    const auto* result = value.as_object().if_contains("result");
    if (result == nullptr || !result->is_object()) return std::nullopt;
    const auto* sessions = result->as_object().if_contains("sessions");
    if (sessions == nullptr || !sessions->is_array()) return std::nullopt;
    for (const auto& s : sessions->as_array())
        if (s.is_object() && s.at("peer").is_string() && s.at("peer").as_string() == peer) return s.as_object();
    return std::nullopt;
}

std::string BgpemuDaemon::session_state(const std::string& node, const std::string& peer) const {
    const auto session = session_json(node, peer);
    return session ? std::string(session->at("state").as_string()) : "unknown";
}

std::optional<std::uint32_t> BgpemuDaemon::session_counter(const std::string& node, const std::string& peer,
                                                           const char* key) const {
    const auto session = session_json(node, peer);
    return session ? json_u32(*session, key) : std::nullopt;
}

bool BgpemuDaemon::converged(std::chrono::seconds limit) const {
    return ctl({"wait", "converged", "--timeout", std::to_string(limit.count()), "--quiet", "200"}).exit_code == 0;
}

unsigned BgpemuDaemon::established_count(const std::string& neighbor) const {
    return count_occurrences(log(), neighbor + ": OpenConfirm -> Established");
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += separator;
        out += item;
    }
    return out;
}

std::vector<std::string> strings(std::initializer_list<const char*> items) { return {items.begin(), items.end()}; }

std::optional<ObservedRoute> wait_for_route(const RouteLookup& lookup, std::chrono::milliseconds timeout) {
    std::optional<ObservedRoute> route;
    (void)wait_until([&] { return (route = lookup()).has_value(); }, timeout, 200ms);
    return route;
}

bool wait_for_no_route(const RouteLookup& lookup, std::chrono::milliseconds timeout) {
    return wait_until([&] { return !lookup().has_value(); }, timeout, 200ms);
}

std::optional<ObservedRoute> best_route_of_rib_reply(const std::string& output) {
    boost::json::error_code error;
    const auto value = boost::json::parse(output, error);
    if (error || !value.is_object()) return std::nullopt;
    const auto* result = value.as_object().if_contains("result");
    if (result == nullptr || !result->is_object()) return std::nullopt;
    const auto* routes = result->as_object().if_contains("routes");
    if (routes == nullptr || !routes->is_array() || routes->as_array().empty()) return std::nullopt;
    for (const auto& path_value : routes->as_array()[0].at("paths").as_array()) {
        const auto& path = path_value.as_object();
        if (!path.at("best").as_bool()) continue;
        ObservedRoute route;
        route.as_path = std::string(path.at("as_path").as_string());
        if (path.at("next_hop").is_string()) route.next_hop = std::string(path.at("next_hop").as_string());
        if (path.at("med").is_number()) route.med = static_cast<std::uint32_t>(path.at("med").to_number<std::int64_t>());
        if (path.at("local_pref").is_number())
            route.local_pref = static_cast<std::uint32_t>(path.at("local_pref").to_number<std::int64_t>());
        for (const auto& c : path.at("communities").as_array()) route.communities.emplace_back(c.as_string());
        for (const auto& c : path.at("large_communities").as_array()) route.large_communities.emplace_back(c.as_string());
        std::sort(route.communities.begin(), route.communities.end());
        std::sort(route.large_communities.begin(), route.large_communities.end());
        return route;
    }
    return std::nullopt;
}

}  // namespace bgpemu::test
