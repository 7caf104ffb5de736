// The reference topology (configs/azure-interop.yaml: the Azure back-end connectivity
// setup, twelve speakers with Azure role presets) run by a real bgpemud: it converges,
// and every node's Loc-RIB holds what Microsoft's control-plane analysis of the setup
// lists (AS paths, the CE's local-preference 200 on the ExpressRoute path, ECMP on the
// ExpressRoute gateways: learn.microsoft.com/azure/networking/
// connectivity-interoperability-control-plane) and which network can or cannot reach
// which; every trace of its data-plane analysis (.../connectivity-interoperability-
// data-plane) through the live FIBs, the failover of the ExpressRoute link to the VPN
// and back, and what losing ER1's secondary link does; and
// `check symmetry` finding loc1 <-> hub asymmetric once the CE's route map is removed.
// Then configs/two-vnets-one-circuit.yaml and configs/multi-region.yaml, topologies of
// our own, with the outcomes the same rules give them, control and data plane, and the
// reference design against its hand-written router-level form
// (configs/router-level/). The files are used as shipped, with only their port changed.
#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "daemon_comparison.hpp"
#include "process.hpp"
#include "routers.hpp"

namespace bgpemu::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// The prefixes of the reference networks.
const std::map<std::string, std::string> network_prefix = {
    {"hub", "10.10.30.0/24"}, {"spoke", "10.11.30.0/26"}, {"branch", "10.11.30.64/26"},
    {"loc1", "10.2.30.0/25"}, {"loc2", "10.1.31.0/25"},   {"remote", "10.17.30.0/24"},
};

struct Daemon {
    TempDir dir{"bgpemu-reference"};
    std::string yaml;  // as started (port already changed)
    std::optional<BgpemuDaemon> process;

    explicit Daemon(const std::string& config_name) {
        yaml = read_source("configs/" + config_name, test_port(9));
        process.emplace(yaml, dir.path());
    }
    // A daemon on a file of the test's own (its port 1179 changed).
    Daemon(const std::string& text, unsigned short port) : yaml(with_port(text, port, "the file")) { process.emplace(yaml, dir.path()); }

    // Rewrites the daemon's file and reloads it; true when the reload was accepted.
    bool reload(const std::string& next) const {
        write_file(dir.path() / "bgpemud.yaml", next);
        return process->ctl({"reload"}).exit_code == 0;
    }

    json::value run(const std::vector<std::string>& words) const {
        json::error_code error;
        auto value = json::parse(process->ctl(words).output, error);
        if (error || !value.is_object() || !value.as_object().contains("result")) return nullptr;
        return value.at("result");
    }

    // Whether every configured session but `down` of them is Established.
    bool sessions_up(std::int64_t configured, std::int64_t down) const {
        const auto status = run({"status"});
        if (!status.is_object()) return false;
        std::int64_t up = 0;
        std::int64_t total = 0;
        for (const auto& s : status.at("speakers").as_array()) {
            up += s.at("sessions_established").to_number<std::int64_t>();
            total += s.at("sessions").to_number<std::int64_t>();
        }
        return total == configured && up == configured - down;
    }

    // prefix -> its paths, best first.
    std::map<std::string, std::vector<json::object>> rib(const std::string& node) const {
        std::map<std::string, std::vector<json::object>> out;
        const auto result = run({"show", "rib", node});
        if (!result.is_object()) return out;
        for (const auto& route : result.at("routes").as_array())
            for (const auto& path : route.at("paths").as_array())
                out[std::string(route.at("prefix").as_string())].push_back(path.as_object());
        return out;
    }
};

std::string as_path_of(const json::object& path) { return std::string(path.at("as_path").as_string()); }

// The best path's AS path, and the neighbours of the ECMP set.
struct Best {
    std::string as_path;
    std::set<std::string> from;
    std::optional<std::int64_t> local_pref;
};
std::optional<Best> best_of(const std::vector<json::object>& paths) {
    std::optional<Best> best;
    for (const auto& p : paths) {
        if (!p.at("best").as_bool() && !p.at("multipath").as_bool()) continue;
        if (!best) best.emplace();
        if (p.at("best").as_bool()) {
            best->as_path = as_path_of(p);
            if (!p.at("local_pref").is_null()) best->local_pref = p.at("local_pref").to_number<std::int64_t>();
        }
        best->from.insert(std::string(p.at("from").as_string()));
    }
    return best;
}

// One probe's outcome: the hops ("*" for one that does not answer) and the verdict.
struct Traced {
    std::vector<std::string> hops;
    std::string verdict;  // delivered, unreachable, dropped, loop; empty: no reply
    std::string reason;
};

Traced trace(const Daemon& daemon, const std::string& from, const std::string& to) {
    Traced traced;
    const auto result = daemon.run({"trace", from, to});
    if (!result.is_object()) return traced;
    const auto& path = result.at("paths").as_array().at(0).as_object();
    for (const auto& hop : path.at("hops").as_array())
        traced.hops.push_back(hop.at("address").is_null() ? "*" : std::string(hop.at("address").as_string()));
    traced.verdict = std::string(path.at("verdict").as_string());
    if (path.contains("reason")) traced.reason = std::string(path.at("reason").as_string());
    return traced;
}

// An expected hop matches when equal, an 'x' standing for any digit ("10.10.30.13x":
// any instance of the ExpressRoute gateway).
bool hops_match(const std::vector<std::string>& expected, const std::vector<std::string>& actual) {
    if (expected.size() != actual.size()) return false;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& e = expected[i];
        const auto& a = actual[i];
        if (e.size() != a.size()) return false;
        for (std::size_t c = 0; c < e.size(); ++c)
            if (e[c] != a[c] && !(e[c] == 'x' && std::isdigit(static_cast<unsigned char>(a[c])))) return false;
    }
    return true;
}

std::string joined(const std::vector<std::string>& hops) {
    std::string out;
    for (const auto& hop : hops) out += (out.empty() ? "" : ", ") + hop;
    return out;
}

// A probe reaches `to` with one of the `alternatives` hop lists.
void check_trace(const Daemon& daemon, const std::string& from, const std::string& to,
                 const std::vector<std::vector<std::string>>& alternatives) {
    const auto traced = trace(daemon, from, to);
    INFO("trace " << from << " -> " << to << ": " << joined(traced.hops) << " (" << traced.verdict << " " << traced.reason << ")");
    CHECK(traced.verdict == "delivered");
    bool matched = false;
    for (const auto& hops : alternatives) matched = matched || hops_match(hops, traced.hops);
    CHECK(matched);
}

void check_unreachable(const Daemon& daemon, const std::string& from, const std::string& to) {
    const auto traced = trace(daemon, from, to);
    INFO("trace " << from << " -> " << to << ": " << joined(traced.hops) << " (" << traced.verdict << ")");
    CHECK(traced.verdict == "unreachable");
    const auto ping = daemon.run({"ping", from, to});
    REQUIRE(ping.is_object());
    CHECK(ping.at("reachable") == false);
}

// The effective route of `prefix` in VNet `vnet`: "ExpressRoute", "VPN", or "" when none.
std::string effective_via(const Daemon& daemon, const std::string& vnet, const std::string& prefix) {
    const auto result = daemon.run({"show", "fib", vnet});
    if (!result.is_object()) return "?";
    for (const auto& route : result.at("effective_routes").as_array())
        if (route.at("prefix") == prefix.c_str() && route.at("state") == "Active")
            return route.as_object().contains("via") ? std::string(route.at("via").as_string()) : "system";
    return "";
}

}  // namespace

TEST_CASE("the reference topology converges to the documented control-plane outcome", "[integration][reference]") {
    Daemon daemon("azure-interop.yaml");
    // All sessions up but the one shut down on purpose (loc1-ce2 -- er1-msee2, both ends).
    const bool converged = wait_until([&] { return daemon.sessions_up(24, 2); }, 60s, 500ms);
    if (!converged) UNSCOPED_INFO("bgpemud log:\n" << daemon.process->log());
    REQUIRE(converged);
    // Each session between two speakers of the daemon came up on one connection: the end
    // that would lose a collision waited (connect_delay), so none was resolved.
    CHECK(count_occurrences(daemon.process->log(), "connection collision") == 0);
    CHECK(count_occurrences(daemon.process->log(), "Connection Collision Resolution") == 0);
    // Routes settle right after the sessions: poll until the last node has its table.
    REQUIRE(wait_until([&] { return daemon.rib("loc2-ce2").size() == 3 && daemon.rib("remote-ergw").size() == 4; },
                       20s));

    SECTION("control plane: the AS paths each node prints") {
        struct Expected {
            const char* node;
            const char* prefix;
            const char* as_path;
            std::set<std::string> from;  // the best path's neighbour, or the ECMP set
            std::optional<std::int64_t> local_pref = std::nullopt;
        };
        const std::vector<Expected> expected = {
            {"loc1-ce1", "10.10.30.0/24", "12076", {"er1-msee1"}, 200},
            {"loc1-ce1", "10.11.30.0/26", "12076", {"er1-msee1"}, 200},
            {"loc1-ce1", "10.17.30.0/24", "12076", {"er1-msee1"}, 200},
            {"loc1-ce1", "10.11.30.64/26", "65515 65516", {"hub-vpngw"}},
            {"hub-ergw", "10.2.30.0/25", "12076 65021", {"er1-msee1"}},
            {"hub-ergw", "10.17.30.0/24", "12076 12076", {"er1-msee1", "er1-msee2"}},
            {"hub-ergw", "10.1.31.0/25", "12076 65020", {"er2-msee1", "er2-msee2"}},
            {"hub-vpngw", "10.2.30.0/25", "65021", {"loc1-ce1"}},
            {"hub-vpngw", "10.11.30.64/26", "65516", {"branch-vpngw"}},
            {"branch-vpngw", "10.2.30.0/25", "65515 65021", {"hub-vpngw"}},
            {"branch-vpngw", "10.10.30.0/24", "65515", {"hub-vpngw"}},
            {"remote-ergw", "10.10.30.0/24", "12076 12076", {"er1-msee1", "er1-msee2"}},
            {"remote-ergw", "10.2.30.0/25", "12076 65021", {"er1-msee1"}},
            {"loc2-ce1", "10.10.30.0/24", "12076", {"er2-msee1"}},
            {"loc2-ce1", "10.11.30.0/26", "12076", {"er2-msee1"}},
            {"loc2-ce2", "10.10.30.0/24", "12076", {"er2-msee2"}},
            {"loc2-ce2", "10.11.30.0/26", "12076", {"er2-msee2"}},
        };
        std::map<std::string, std::map<std::string, std::vector<json::object>>> ribs;
        for (const auto& e : expected) {
            if (!ribs.count(e.node)) ribs[e.node] = daemon.rib(e.node);
            INFO(e.node << " " << e.prefix);
            const auto best = best_of(ribs[e.node][e.prefix]);
            REQUIRE(best);
            CHECK(best->as_path == e.as_path);
            CHECK(best->from == e.from);
            if (e.local_pref) CHECK(best->local_pref == e.local_pref);
        }
        // loc1-ce1 keeps the VPN path as the alternative, with the default local-pref.
        const auto& hub_at_loc1 = ribs["loc1-ce1"]["10.10.30.0/24"];
        REQUIRE(hub_at_loc1.size() == 2);
        CHECK(hub_at_loc1[1].at("from") == "hub-vpngw");
        CHECK(as_path_of(hub_at_loc1[1]) == "65515");
        CHECK(hub_at_loc1[1].at("lost_at") == "local_pref");
        // loc2's CEs learn the hub and its spoke, nothing else.
        for (const char* node : {"loc2-ce1", "loc2-ce2"}) {
            std::set<std::string> prefixes;
            for (const auto& [prefix, paths] : daemon.rib(node)) prefixes.insert(prefix);
            CHECK(prefixes == std::set<std::string>{"10.1.31.0/25", "10.10.30.0/24", "10.11.30.0/26"});
        }
    }

    SECTION("the shut secondary link of circuit 1 comes up with link up") {
        // The link is configured down (`shutdown: true`), and so its session; bringing
        // the link up brings the session up.
        CHECK(daemon.run({"link", "up", "loc1-ce2", "er1-msee2"}).is_object());
        CHECK(wait_until([&] { return daemon.sessions_up(24, 0); }, 30s, 500ms));
        std::optional<Best> best;
        CHECK(wait_until([&] { return (best = best_of(daemon.rib("loc1-ce2")["10.10.30.0/24"])).has_value(); }, 20s));
        REQUIRE(best);
        CHECK(best->as_path == "12076");
        CHECK(best->from == std::set<std::string>{"er1-msee2"});
        CHECK(best->local_pref == std::optional<std::int64_t>(200));
    }

    SECTION("control plane: which network's gateway or CE has a route to which other network") {
        // from -> the node whose table decides, and the networks it must (not) reach.
        struct Row {
            const char* node;
            std::vector<const char*> reaches;
            std::vector<const char*> no_route;
        };
        const std::vector<Row> rows = {
            {"hub-ergw", {"loc1", "loc2", "remote"}, {"branch"}},
            {"hub-vpngw", {"branch", "loc1"}, {"loc2", "remote"}},
            {"branch-vpngw", {"hub", "spoke", "loc1"}, {"loc2", "remote"}},
            {"loc1-ce1", {"hub", "spoke", "branch", "remote"}, {"loc2"}},
            {"loc2-ce1", {"hub", "spoke"}, {"branch", "loc1", "remote"}},
            {"remote-ergw", {"hub", "spoke", "loc1"}, {"branch", "loc2"}},
        };
        for (const auto& row : rows) {
            const auto rib = daemon.rib(row.node);
            for (const char* network : row.reaches) {
                INFO(row.node << " should reach " << network);
                CHECK(rib.count(network_prefix.at(network)) == 1);
            }
            for (const char* network : row.no_route) {
                INFO(row.node << " should have no route to " << network);
                CHECK(rib.count(network_prefix.at(network)) == 0);
            }
        }
    }
}

// `bgpemuctl matrix --by vnet` as the reference's "who sees whom" table (section 4 of
// the test setup; the control-plane article's route tables) writes it: each cell "-"
// or its kind, with the circuit its first MSEE belongs to ("ER er1").
static std::map<std::pair<std::string, std::string>, std::string> vnet_matrix(const Daemon& daemon) {
    std::map<std::pair<std::string, std::string>, std::string> out;
    const auto result = daemon.run({"matrix", "--by", "vnet"});
    if (!result.is_object()) return out;
    for (const auto& c : result.at("cells").as_array()) {
        const auto& there = c.at("there").as_object();
        std::string label = "-";
        if (there.at("delivered").as_bool()) {
            label = std::string(there.at("kind").as_string()) == "ExpressRoute" ? "ER" : std::string(there.at("kind").as_string());
            for (const auto& via : there.at("via").as_array()) {
                const std::string name(via.as_string());
                if (const auto at = name.find("-msee"); at != std::string::npos) {
                    label += " " + name.substr(0, at);
                    break;
                }
            }
        }
        out[{std::string(c.at("from").as_string()), std::string(c.at("to").as_string())}] = label;
    }
    return out;
}

static std::map<std::pair<std::string, std::string>, std::string> reference_matrix(bool loc1_primary_down) {
    const std::vector<std::string> networks = {"loc1-vm", "loc2-vm", "hub", "spoke", "branch", "remote"};
    // Rows as the table writes them; loc1 over ER1, or over the VPN with its link down
    // (and the remote VNet lost: ER1's secondary link is shut).
    const std::string loc1 = loc1_primary_down ? "VPN" : "ER er1";
    const std::string loc1_remote = loc1_primary_down ? "-" : "ER er1";
    const std::vector<std::vector<std::string>> rows = {
        {"", "-", loc1, loc1, "VPN", loc1_remote},
        {"-", "", "ER er2", "ER er2", "-", "-"},
        {loc1, "ER er2", "", "peering", "VPN", "ER er1"},
        {loc1, "ER er2", "peering", "", "VPN", "ER er1"},
        {"VPN", "-", "VPN", "VPN", "", "-"},
        {loc1_remote, "-", "ER er1", "ER er1", "-", ""},
    };
    std::map<std::pair<std::string, std::string>, std::string> out;
    for (std::size_t i = 0; i < networks.size(); ++i)
        for (std::size_t j = 0; j < networks.size(); ++j)
            if (i != j) out[{networks[i], networks[j]}] = rows[i][j];
    return out;
}

// The data-plane analysis's traces of the reference setup, the failover of the
// ExpressRoute link to the VPN and back, on a daemon of the reference topology; and the
// reachability matrix through all three, with `--expect` telling the cells that moved.
static void check_article_traces_and_failover(const Daemon& daemon) {
    const auto converge = [&] {
        const auto waited = daemon.process->ctl({"wait", "converged", "--timeout", "60"});
        if (waited.exit_code != 0) UNSCOPED_INFO("wait converged: " << waited.output << "\nbgpemud log:\n" << daemon.process->log());
        return waited.exit_code == 0;
    };
    REQUIRE(converge());

    // The data-plane analysis's traceroutes, row by row: "from hub" probes from the hub's VM.
    check_trace(daemon, "hub", "spoke-vm", {{"10.11.30.4"}});
    check_trace(daemon, "hub", "branch-vm", {{"10.10.30.142", "*", "10.11.30.68"}});
    check_trace(daemon, "hub", "loc1-vm", {{"10.10.30.13x", "*", "*", "10.2.30.10"}});
    check_trace(daemon, "hub", "loc2-vm", {{"10.10.30.13x", "*", "*", "10.1.31.10"}});
    check_trace(daemon, "hub", "remote-vm", {{"10.10.30.13x", "*", "10.17.30.4"}});
    check_trace(daemon, "spoke", "hub-vm", {{"10.10.30.4"}});
    check_trace(daemon, "spoke", "branch-vm", {{"10.10.30.142", "*", "10.11.30.68"}});
    check_trace(daemon, "spoke", "loc1-vm", {{"10.10.30.13x", "*", "*", "10.2.30.10"}});
    check_trace(daemon, "spoke", "loc2-vm", {{"10.10.30.13x", "*", "*", "10.1.31.10"}});
    check_trace(daemon, "spoke", "remote-vm", {{"10.10.30.13x", "*", "10.17.30.4"}});
    check_trace(daemon, "branch", "hub-vm", {{"10.11.30.100", "*", "10.10.30.4"}});
    check_trace(daemon, "branch", "spoke-vm", {{"10.11.30.100", "*", "10.11.30.4"}});
    check_trace(daemon, "branch", "loc1-vm", {{"10.11.30.100", "*", "10.2.30.125", "*", "10.2.30.10"}});
    check_unreachable(daemon, "branch", "loc2-vm");
    check_unreachable(daemon, "branch", "remote-vm");
    check_trace(daemon, "loc1-vm", "hub-vm", {{"10.2.30.3", "192.168.30.0", "192.168.30.18", "*", "10.10.30.4"}});
    check_trace(daemon, "loc1-vm", "spoke-vm", {{"10.2.30.3", "192.168.30.0", "192.168.30.18", "*", "10.11.30.4"}});
    check_trace(daemon, "loc1-vm", "branch-vm", {{"10.2.30.3", "192.168.30.0", "10.11.30.68"}});
    check_trace(daemon, "loc1-vm", "remote-vm", {{"10.2.30.3", "192.168.30.0", "192.168.30.18", "*", "10.17.30.4"}});
    check_unreachable(daemon, "loc1-vm", "loc2-vm");
    check_trace(daemon, "loc2-vm", "hub-vm",
                {{"10.1.31.3", "192.168.31.4", "192.168.31.22", "*", "10.10.30.4"},
                 {"10.1.31.3", "192.168.31.0", "192.168.31.18", "*", "10.10.30.4"}});
    check_trace(daemon, "loc2-vm", "spoke-vm",
                {{"10.1.31.3", "192.168.31.0", "192.168.31.18", "*", "10.11.30.4"},
                 {"10.1.31.3", "192.168.31.4", "192.168.31.22", "*", "10.11.30.4"}});
    for (const char* to : {"branch-vm", "loc1-vm", "remote-vm"}) check_unreachable(daemon, "loc2-vm", to);
    check_trace(daemon, "remote", "hub-vm", {{"10.17.30.36", "*", "10.10.30.4"}});
    check_trace(daemon, "remote", "spoke-vm", {{"10.17.30.36", "*", "10.11.30.4"}});
    check_trace(daemon, "remote", "loc1-vm", {{"10.17.30.36", "*", "*", "10.2.30.10"}});
    check_unreachable(daemon, "remote", "branch-vm");
    check_unreachable(daemon, "remote", "loc2-vm");
    // The hub's effective routes: Location 1 over ExpressRoute, though the VPN gateway
    // has it with a shorter AS path.
    CHECK(effective_via(daemon, "hub", "10.2.30.0/25") == "ExpressRoute");
    CHECK(effective_via(daemon, "hub", "10.11.30.64/26") == "VPN");
    CHECK(effective_via(daemon, "hub", "10.11.30.0/26") == "system");
    CHECK(vnet_matrix(daemon) == reference_matrix(false));
    const auto saved = daemon.dir.path() / "matrix.json";
    write_file(saved, daemon.process->ctl({"matrix", "--by", "vnet"}).output);
    CHECK(daemon.process->ctl_text({"matrix", "--by", "vnet", "--expect", saved.string()}).exit_code == 0);

    // The failover: the loc1-ce1 -- er1-msee1 link goes down. Its session drops at
    // once, the routes are withdrawn over BGP, and traffic moves to the VPN.
    const auto down = daemon.run({"link", "down", "loc1-ce1", "er1-msee1"});
    REQUIRE(down.is_object());
    CHECK(down.at("sessions").as_array().size() == 2);
    REQUIRE(converge());
    CHECK(daemon.sessions_up(24, 4));
    check_trace(daemon, "loc1-vm", "hub-vm", {{"10.2.30.3", "192.168.30.0", "10.10.30.4"}});
    // The hub side of the same failure: back to Location 1 over the VPN too.
    CHECK(effective_via(daemon, "hub", "10.2.30.0/25") == "VPN");
    check_trace(daemon, "hub", "loc1-vm", {{"10.10.30.142", "*", "10.2.30.125", "*", "10.2.30.10"}});
    CHECK(vnet_matrix(daemon) == reference_matrix(true));
    const auto moved = daemon.process->ctl_text({"matrix", "--by", "vnet", "--expect", saved.string()});
    INFO(moved.output);
    CHECK(moved.exit_code == 1);
    CHECK(moved.output.find("CHANGED loc1-vm -> hub: expected ER, now VPN") != std::string::npos);
    CHECK(moved.output.find("CHANGED remote -> loc1-vm: expected ER, now -") != std::string::npos);
    CHECK(moved.output.find("6 cell(s) differ") != std::string::npos);
    // The remote VNet and Location 1 lose each other (ER1's secondary is shut).
    check_unreachable(daemon, "remote", "loc1-vm");
    check_unreachable(daemon, "loc1-vm", "remote-vm");
    const auto events = daemon.run({"show", "events"});
    REQUIRE(events.is_object());
    bool link_event = false;
    for (const auto& event : events.at("events").as_array())
        link_event = link_event || event.at("text") == "loc1-ce1:er1--er1-msee1:ce down";
    CHECK(link_event);

    // And back: the five-hop ExpressRoute path again, and the remote VNet reachable.
    REQUIRE(daemon.run({"link", "up", "loc1-ce1", "er1-msee1"}).is_object());
    REQUIRE(converge());
    CHECK(daemon.sessions_up(24, 2));
    check_trace(daemon, "loc1-vm", "hub-vm", {{"10.2.30.3", "192.168.30.0", "192.168.30.18", "*", "10.10.30.4"}});
    check_trace(daemon, "remote", "loc1-vm", {{"10.17.30.36", "*", "*", "10.2.30.10"}});
    CHECK(effective_via(daemon, "hub", "10.2.30.0/25") == "ExpressRoute");
}

TEST_CASE("the reference topology's traces, and the ExpressRoute link failure", "[integration][reference]") {
    check_article_traces_and_failover(Daemon("azure-interop.yaml"));
}

// The reference as Azure would list its resources (az network ... list, the flattened
// shape; tests/fixtures/azure), through bgpemu-import-azure with the overlay of its
// on-premises side: the article's traces and failover again.
TEST_CASE("the reference imported from Azure's JSON: the article's traces and failover", "[integration][reference][import]") {
    TempDir dir("bgpemu-import");
    const std::string fixtures = BGPEMU_SOURCE_DIR "/tests/fixtures/azure/";
    std::vector<std::string> command = {BGPEMU_IMPORT_AZURE_PATH, "--overlay", fixtures + "reference-overlay.yaml",
                                        "-o", (dir.path() / "design.yaml").string()};
    for (const auto& entry : std::filesystem::directory_iterator(fixtures + "reference-az")) command.push_back(entry.path().string());
    const auto imported = run_command(command, 10s);
    INFO(imported.output);
    REQUIRE(imported.exit_code == 0);
    // A bad input: exit 1, the error on the way out, and no file at all.
    const auto bad = run_command({BGPEMU_IMPORT_AZURE_PATH, "-o", (dir.path() / "bad.yaml").string(),
                                  fixtures + "errors/dangling-reference.json"}, 10s);
    CHECK(bad.exit_code == 1);
    CHECK(bad.output.find("$[2].properties.peer.id") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "bad.yaml"));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "bad.yaml.tmp"));
    std::ifstream in(dir.path() / "design.yaml");
    const std::string design((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    check_article_traces_and_failover(Daemon(design, test_port(32)));
}

// The article's data-plane analysis as a scenario file (tests/scenarios/reference.yaml)
// through `bgpemuctl verify`: every expectation passes, and JUnit XML says so; a wrong
// expectation fails with what was seen, and the run goes on; a file with errors is
// refused, each error at its line and column, before anything runs.
TEST_CASE("the article as a scenario: bgpemuctl verify", "[integration][reference][scenario]") {
    Daemon daemon("azure-interop.yaml");
    const auto scenario = std::string(BGPEMU_SOURCE_DIR) + "/tests/scenarios/reference.yaml";
    const auto junit = daemon.dir.path() / "results.xml";
    const auto run = daemon.process->ctl_text({"verify", scenario, "--junit", junit.string()}, 120s);
    INFO(run.output);
    CHECK(run.exit_code == 0);
    CHECK(run.output.find("FAIL") == std::string::npos);
    std::ifstream in(junit);
    const std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(xml.find("failures=\"0\"") != std::string::npos);
    CHECK(std::count(xml.begin(), xml.end(), '\n') > 40);  // a testcase per expectation

    // One expectation changed: it fails, saying what it saw; the others still run.
    std::ifstream source(scenario);
    std::string text((std::istreambuf_iterator<char>(source)), std::istreambuf_iterator<char>());
    const std::string right = "{trace: [loc1-vm, branch-vm], hops: [10.2.30.3, 192.168.30.0, 10.11.30.68], via: VPN}";
    REQUIRE(text.find(right) != std::string::npos);
    text.replace(text.find(right), right.size(), "{trace: [loc1-vm, branch-vm], via: ExpressRoute}");
    write_file(daemon.dir.path() / "wrong.yaml", text);
    const auto wrong = daemon.process->ctl_text({"verify", (daemon.dir.path() / "wrong.yaml").string(), "--junit", junit.string()}, 120s);
    INFO(wrong.output);
    CHECK(wrong.exit_code == 1);
    CHECK(wrong.output.find("FAIL") != std::string::npos);
    CHECK(wrong.output.find("trace loc1-vm -> branch-vm: expected via ExpressRoute (seen: delivered at branch-vm") != std::string::npos);
    CHECK(wrong.output.find(" passed, 1 failed") != std::string::npos);
    std::ifstream failed_in(junit);
    const std::string failed_xml((std::istreambuf_iterator<char>(failed_in)), std::istreambuf_iterator<char>());
    CHECK(failed_xml.find("failures=\"1\"") != std::string::npos);
    CHECK(failed_xml.find("<failure message=\"expected via ExpressRoute") != std::string::npos);

    // Errors in the file: each at its position, and nothing runs (the link stays up).
    write_file(daemon.dir.path() / "bad.yaml", R"(steps:
  - do: link sideways loc1-ce1 er1-msee1
    expect:
      - {reachable: [loc1-vm]}
      - {effective_route: {vnet: hub, prefix: 10.2.30.0/33}}
      - {teleport: [a, b]}
  - {do: link down loc1-ce1 er1-msee1, colour: blue}
)");
    const auto bad = daemon.process->ctl_text({"verify", (daemon.dir.path() / "bad.yaml").string()}, 20s);
    INFO(bad.output);
    CHECK(bad.exit_code == 2);
    CHECK(bad.output.find("bad.yaml:2:9: 'link sideways loc1-ce1 er1-msee1' is not a bgpemuctl command") != std::string::npos);
    CHECK(bad.output.find("bad.yaml:4:21: reachable takes [FROM, TO]") != std::string::npos);
    CHECK(bad.output.find("bad.yaml:5:47: '10.2.30.0/33' is not a prefix") != std::string::npos);
    CHECK(bad.output.find("bad.yaml:6:9: unknown expectation") != std::string::npos);
    CHECK(bad.output.find("bad.yaml:7:40: unknown key 'colour' in a step") != std::string::npos);
    CHECK(bad.output.find("nothing run") != std::string::npos);
    CHECK(daemon.sessions_up(24, 2));
    // Names the daemon does not have, found before anything runs.
    write_file(daemon.dir.path() / "names.yaml", R"(steps:
  - do: link down loc1-ce1 er1-msee1
    expect:
      - {reachable: [loc1-vm, hub-vn]}
      - {best: {node: loc1-ce9, prefix: 10.10.30.0/24}}
      - {trace: [loc1-vm, 10.10.30.4], through: [er1-msee3]}
)");
    const auto names = daemon.process->ctl_text({"verify", (daemon.dir.path() / "names.yaml").string()}, 20s);
    INFO(names.output);
    CHECK(names.exit_code == 2);
    CHECK(names.output.find("names.yaml:4:31: unknown host or node 'hub-vn'") != std::string::npos);
    CHECK(names.output.find("names.yaml:5:23: unknown node 'loc1-ce9'") != std::string::npos);
    CHECK(names.output.find("names.yaml:6:50: unknown node 'er1-msee3'") != std::string::npos);
    CHECK(names.output.find("10.10.30.4") == std::string::npos);
    CHECK(daemon.sessions_up(24, 2));
}

// bgpemud --verify: the topology started, the scenario run, the exit status its
// verdict, for pipelines with no daemon running; a failing expectation exits 1.
TEST_CASE("bgpemud --verify starts the topology, runs the scenario and exits", "[integration][reference][scenario]") {
    TempDir dir("bgpemu-verify");
    write_file(dir.path() / "topology.yaml", read_source("configs/azure-interop.yaml", test_port(33)));
    const auto scenario = std::string(BGPEMU_SOURCE_DIR) + "/tests/scenarios/reference.yaml";
    const auto verify = [&](const std::string& file) {
        return run_command({BGPEMU_BGPEMUD_PATH, (dir.path() / "topology.yaml").string(), "--socket", (dir.path() / "s.sock").string(),
                            "--log-level", "warning", "--verify", file, "--junit", (dir.path() / "results.xml").string()},
                           120s);
    };
    const auto passed = verify(scenario);
    INFO(passed.output);
    CHECK(passed.exit_code == 0);
    CHECK(passed.output.find(" passed, 0 failed") != std::string::npos);
    CHECK(std::filesystem::exists(dir.path() / "results.xml"));
    write_file(dir.path() / "wrong.yaml", "steps:\n  - expect:\n      - {reachable: [loc2-vm, loc1-vm]}\n      - {reachable: [loc1-vm, hub-vm]}\n");
    const auto failed = verify((dir.path() / "wrong.yaml").string());
    INFO(failed.output);
    CHECK(failed.exit_code == 1);
    CHECK(failed.output.find("reachable loc2-vm -> loc1-vm: unreachable") != std::string::npos);
    CHECK(failed.output.find("1 passed, 1 failed") != std::string::npos);
}

// bgpemuctl diff: Location 1 without its "prefer ExpressRoute" intent (the CE's route
// map) makes Location 1 <-> hub asymmetric, and moves loc1-ce1's best paths to the VPN;
// the daemon runs its own file again afterwards. The same file twice: no change.
TEST_CASE("bgpemuctl diff shows what another design changes", "[integration][reference][diff]") {
    Daemon daemon("azure-interop.yaml");
    const auto intent = "    prefer_expressroute: true      # route-map prefer-ER-over-VPN: local-preference 200\n";
    auto without = daemon.yaml;
    REQUIRE(without.find(intent) != std::string::npos);
    without.replace(without.find(intent), std::string(intent).size(), "");
    write_file(daemon.dir.path() / "without-intent.yaml", without);
    const auto changed = daemon.process->ctl_text({"diff", (daemon.dir.path() / "without-intent.yaml").string(), "--fail-on-change"}, 120s);
    INFO(changed.output);
    CHECK(changed.exit_code == 1);
    CHECK(changed.output.find("pair loc1-vm <-> hub-vm: none, now asymmetric (VPN there, ExpressRoute back)") != std::string::npos);
    CHECK(changed.output.find("matrix loc1-vm -> hub-vm: ER, now VPN/ER") != std::string::npos);
    CHECK(changed.output.find("best path loc1-ce1 10.10.30.0/24: AS path \"12076\" from er1-msee1, local-pref 200, now AS path \"65515\" from hub-vpngw") !=
          std::string::npos);
    // Back on its own file: the route map is there again.
    const auto status = daemon.run({"status"});
    REQUIRE(status.is_object());
    CHECK(std::string(status.at("config").as_string()).find("without-intent") == std::string::npos);
    const auto best = best_of(daemon.rib("loc1-ce1")["10.10.30.0/24"]);
    REQUIRE(best);
    CHECK(best->local_pref == 200);
    const auto same = daemon.process->ctl_text({"diff", (daemon.dir.path() / "bgpemud.yaml").string(), "--fail-on-change"}, 120s);
    INFO(same.output);
    CHECK(same.exit_code == 0);
    CHECK(same.output.find("no change") != std::string::npos);
}

TEST_CASE("check symmetry finds the asymmetry the CE's route map prevents", "[integration][reference]") {
    Daemon daemon("azure-interop.yaml");
    const auto converge = [&] { return daemon.process->ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0; };
    REQUIRE(converge());
    // Problems of a pair: asymmetric or one-way.
    const auto problems = [&] {
        std::map<std::string, std::string> found;
        const auto result = daemon.run({"check", "symmetry"});
        if (!result.is_object()) return found;
        for (const auto& pair : result.at("pairs").as_array())
            if (pair.at("problem").as_bool())
                found[std::string(pair.at("from").as_string()) + " " + std::string(pair.at("to").as_string())] =
                    std::string(pair.at("kind_there").as_string()) + "/" + std::string(pair.at("kind_back").as_string());
        return found;
    };
    CHECK(problems().empty());
    CHECK(daemon.process->ctl({"check", "symmetry"}).exit_code == 0);

    // Without "prefer-ER-over-VPN" on loc1-ce1's session with the MSEE (the site's
    // prefer_expressroute), the ER path (12076) and the VPN path (65515) tie on length and
    // the router id picks the VPN gateway: Location 1 sends to the hub over the VPN, the
    // hub answers over ER.
    const std::string intent = "prefer_expressroute: true";
    auto without = daemon.yaml;
    const auto at = without.find(intent);
    REQUIRE(at != std::string::npos);
    without.replace(at, intent.size(), "prefer_expressroute: false");
    REQUIRE(daemon.reload(without));
    REQUIRE(converge());
    const auto found = problems();
    CHECK(found == std::map<std::string, std::string>{{"loc1-vm hub-vm", "VPN/ExpressRoute"},
                                                      {"loc1-vm spoke-vm", "VPN/ExpressRoute"}});
    CHECK(daemon.process->ctl({"check", "symmetry", "loc1-vm", "hub-vm"}).exit_code == 1);

    // Restored: clean again.
    REQUIRE(daemon.reload(daemon.yaml));
    REQUIRE(converge());
    CHECK(problems().empty());
}

// The owner of each Azure-internal address (169.254.0.0/16) of a topology file: the
// speaker whose interface has it. The design and the hand-written file place these
// addresses differently (Azure hides them), so they are compared by owner.
std::map<std::string, std::string> internal_owners(const std::string& yaml) {
    std::map<std::string, std::string> owners;
    std::istringstream lines(yaml);
    std::string node;
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("  - name: ", 0) == 0) node = line.substr(10);
        const auto at = line.find("address: 169.254.");
        if (at == std::string::npos) continue;
        const auto address = line.substr(at + 9, line.find('/', at) - at - 9);
        owners[address] = node;
    }
    return owners;
}

// `value` with every Azure-internal address replaced by its owner, each internal /30
// by its two ends, and interface names dropped (the two forms name interfaces
// differently; the addresses decide).
json::value normalised(json::value value, const std::map<std::string, std::string>& owners) {
    if (value.is_object()) {
        auto& object = value.as_object();
        object.erase("interface");
        if (object.contains("protocol") && object.at("protocol") == "connected") object.erase("source");
        for (auto& [key, member] : object) member = normalised(member, owners);
    } else if (value.is_array()) {
        for (auto& item : value.as_array()) item = normalised(item, owners);
    } else if (value.is_string()) {
        const std::string text(value.as_string());
        if (const auto it = owners.find(text); it != owners.end()) return json::value("(internal address of " + it->second + ")");
        const auto slash = text.find('/');
        if (text.rfind("169.254.", 0) == 0 && slash != std::string::npos) {
            const auto dot = text.rfind('.', slash);
            const auto base = std::stoi(text.substr(dot + 1, slash - dot - 1));
            const auto end = [&](int offset) {
                const auto it = owners.find(text.substr(0, dot + 1) + std::to_string(base + offset));
                return it == owners.end() ? std::string("?") : it->second;
            };
            return json::value("(internal link " + end(1) + " -- " + end(2) + ")");
        }
    }
    return value;
}

// One line per element of `result[key]`, normalised.
void add_lines(std::set<std::string>& lines, const json::value& result, const char* key,
               const std::map<std::string, std::string>& owners) {
    if (!result.is_object() || !result.as_object().contains(key)) {
        lines.insert("(no reply)");
        return;
    }
    for (const auto& item : result.at(key).as_array()) lines.insert(json::serialize(normalised(item, owners)));
}

TEST_CASE("the design form behaves as the hand-written router-level form", "[integration][reference][design]") {
    TempDir dir("bgpemu-design-compare");
    const auto design_yaml = read_source("configs/azure-interop.yaml", test_port(30));
    const auto router_yaml = read_source("configs/router-level/azure-interop.yaml", test_port(31));
    write_file(dir.path() / "design.yaml", design_yaml);
    const auto expanded = run_command({BGPEMU_BGPEMUD_PATH, "--expand", (dir.path() / "design.yaml").string()}, 10s);
    REQUIRE(expanded.exit_code == 0);
    std::filesystem::create_directories(dir.path() / "design");
    std::filesystem::create_directories(dir.path() / "router-level");
    BgpemuDaemon design(design_yaml, dir.path() / "design");
    BgpemuDaemon router_level(router_yaml, dir.path() / "router-level");
    const auto design_owners = internal_owners(expanded.output);
    const auto router_owners = internal_owners(router_yaml);
    REQUIRE(design_owners.size() == router_owners.size());

    const auto speakers = speaker_names(design);
    REQUIRE(speakers == speaker_names(router_level));
    REQUIRE(speakers.size() == 12);
    const std::vector<std::string> vms = {"loc1-vm", "loc2-vm", "hub-vm", "spoke-vm", "branch-vm", "remote-vm"};
    // Every table and trace of one daemon, as lines to compare.
    const auto outcome = [&](const BgpemuDaemon& daemon, const std::map<std::string, std::string>& owners) {
        std::map<std::string, std::set<std::string>> out;
        for (const auto& node : speakers) {
            add_lines(out["rib " + node], result_of(daemon, {"show", "rib", node}), "routes", owners);
            add_lines(out["fib " + node], result_of(daemon, {"show", "fib", node}), "routes", owners);
        }
        for (const char* router : {"loc1-lan", "loc2-lan"})
            add_lines(out["fib " + std::string(router)], result_of(daemon, {"show", "fib", router}), "routes", owners);
        for (const char* vnet : {"hub", "spoke", "branch", "remote"})
            add_lines(out["vnet " + std::string(vnet)], result_of(daemon, {"show", "fib", vnet}), "effective_routes", owners);
        for (const auto& from : vms)
            for (const auto& to : vms) {
                if (from == to) continue;
                for (const auto& path : trace_all(daemon, from, to)) out["trace " + from + " " + to].insert(path.text());
            }
        return out;
    };
    const auto same = [&](const char* when) {
        REQUIRE(design.ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0);
        REQUIRE(router_level.ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0);
        const auto equal = [&] { return outcome(design, design_owners) == outcome(router_level, router_owners); };
        const bool alike = wait_until(equal, 20s, 500ms);
        INFO(when << ": the design's outcome unlike the router-level form's:\n"
                  << (alike ? "" : difference(outcome(design, design_owners), outcome(router_level, router_owners))));
        CHECK(alike);
    };
    REQUIRE(wait_until([&] { return design.ctl({"wait", "converged", "--timeout", "1"}).exit_code == 0; }, 60s, 500ms));
    same("converged");
    // The failover to the VPN and back, in both.
    for (const auto* daemon : {&design, &router_level}) REQUIRE(daemon->ctl({"link", "down", "loc1-ce1", "er1-msee1"}).exit_code == 0);
    same("with loc1-ce1 -- er1-msee1 down");
    for (const auto* daemon : {&design, &router_level}) REQUIRE(daemon->ctl({"link", "up", "loc1-ce1", "er1-msee1"}).exit_code == 0);
    same("with the link back up");
}

TEST_CASE("a topology of our own follows the same role rules", "[integration][reference]") {
    Daemon daemon("two-vnets-one-circuit.yaml");
    const bool converged = wait_until([&] { return daemon.sessions_up(14, 0); }, 60s, 500ms);
    if (!converged) UNSCOPED_INFO("bgpemud log:\n" << daemon.process->log());
    REQUIRE(converged);
    REQUIRE(wait_until([&] { return daemon.rib("vnet1-ergw").size() == 3 && daemon.rib("branch-ce").size() == 2; }, 20s));

    struct Expected {
        const char* node;
        const char* prefix;
        const char* as_path;
        std::set<std::string> from;
    };
    for (const Expected& e : std::vector<Expected>{
             {"vnet1-ergw", "10.60.0.0/16", "12076 12076", {"msee-a", "msee-b"}},
             {"vnet1-ergw", "172.16.0.0/16", "12076 64900", {"msee-a", "msee-b"}},
             {"vnet2-ergw", "10.50.0.0/16", "12076 12076", {"msee-a", "msee-b"}},
             {"vnet2-ergw", "172.16.0.0/16", "12076 64900", {"msee-a", "msee-b"}},
             {"onprem-ce", "10.50.0.0/16", "12076", {"msee-a"}},
             {"onprem-ce", "10.60.0.0/16", "12076", {"msee-a"}},
             {"branch-ce", "10.50.0.0/16", "65515", {"vnet1-vpngw"}},
             {"vnet1-vpngw", "192.168.50.0/24", "64901", {"branch-ce"}},
         }) {
        INFO(e.node << " " << e.prefix);
        const auto best = best_of(daemon.rib(e.node)[e.prefix]);
        REQUIRE(best);
        CHECK(best->as_path == e.as_path);
        // onprem-ce has one best (no ECMP configured): either MSEE is right.
        if (std::string(e.node) == "onprem-ce") CHECK(best->from.size() == 1);
        else CHECK(best->from == e.from);
    }
    // Nobody but the VPN gateway learns the branch; the branch learns nothing of the
    // circuit; and a gateway never accepts its own VNet back.
    for (const char* node : {"onprem-ce", "vnet1-ergw", "vnet2-ergw", "msee-a"})
        CHECK(daemon.rib(node).count("192.168.50.0/24") == 0);
    const auto branch = daemon.rib("branch-ce");
    CHECK(branch.count("172.16.0.0/16") == 0);
    CHECK(branch.count("10.60.0.0/16") == 0);
    const auto vnet1 = daemon.rib("vnet1-ergw").at("10.50.0.0/16");
    REQUIRE(vnet1.size() == 1);
    CHECK(vnet1[0].at("from") == "local");

    // The data plane, by the same hop model: VNet to VNet over the circuit (the gateway
    // answers from an instance, the other gateway is silent, the MSEEs transparent),
    // on-premises to VNet 1 (the CE, then the MSEE it chose), the branch to VNet 1
    // through its tunnel, VNet 1 to the branch (the CE's answer from its tunnel address
    // fails the VPN gateway's source check), and no way from the branch to VNet 2.
    REQUIRE(daemon.process->ctl({"wait", "converged", "--timeout", "30"}).exit_code == 0);
    check_trace(daemon, "vnet1", "vnet2-vm", {{"10.50.255.x", "*", "10.60.0.4"}});
    check_trace(daemon, "onprem-pc", "vnet1-vm",
                {{"172.16.0.1", "172.31.0.2", "*", "10.50.0.4"}, {"172.16.0.1", "172.31.0.6", "*", "10.50.0.4"}});
    check_trace(daemon, "branch-pc", "vnet1-vm", {{"192.168.50.1", "10.50.0.4"}});
    check_trace(daemon, "vnet1-vm", "branch-pc", {{"10.50.255.100", "*", "*", "192.168.50.10"}});
    check_unreachable(daemon, "branch-pc", "vnet2-vm");
    CHECK(effective_via(daemon, "vnet1", "192.168.50.0/24") == "VPN");
    CHECK(effective_via(daemon, "vnet1", "172.16.0.0/16") == "ExpressRoute");
    CHECK(daemon.process->ctl({"check"}).exit_code == 0);
    // One MSEE's links to both gateways down: the circuit's other MSEE carries it all.
    REQUIRE(daemon.run({"link", "down", "msee-a", "vnet1-ergw"}).is_object());
    REQUIRE(daemon.run({"link", "down", "msee-a", "vnet2-ergw"}).is_object());
    REQUIRE(daemon.process->ctl({"wait", "converged", "--timeout", "30"}).exit_code == 0);
    check_trace(daemon, "vnet1", "vnet2-vm", {{"10.50.255.x", "*", "10.60.0.4"}});
    const auto via = best_of(daemon.rib("vnet1-ergw")["10.60.0.0/16"]);
    REQUIRE(via);
    CHECK(via->from == std::set<std::string>{"msee-b"});
    check_trace(daemon, "onprem-pc", "vnet1-vm", {{"172.16.0.1", "172.31.0.6", "*", "10.50.0.4"}});

    // allowRemoteVnetTraffic off on VNet 2's gateway: it refuses VNet 1's routes (and
    // keeps on-premises), so VNet 1's traffic to it is dropped by its source check.
    auto closed = daemon.yaml;
    const std::string anchor = "er_gateway: {name: vnet2-ergw,";
    const auto at = closed.find(anchor);
    REQUIRE(at != std::string::npos);
    closed.insert(at + anchor.size(), " allow_remote_vnet_traffic: false,");
    REQUIRE(daemon.reload(closed));
    REQUIRE(daemon.process->ctl({"wait", "converged", "--timeout", "30"}).exit_code == 0);
    const auto vnet2 = daemon.rib("vnet2-ergw");
    CHECK(vnet2.count("10.50.0.0/16") == 0);
    CHECK(vnet2.count("172.16.0.0/16") == 1);
    const auto dropped = trace(daemon, "vnet1", "vnet2-vm");
    CHECK(dropped.verdict == "dropped");
    const auto pair = daemon.run({"check", "symmetry", "vnet1-vm", "vnet2-vm"});
    REQUIRE(pair.is_object());
    CHECK(pair.at("pairs").as_array().at(0).at("verdict") == "unreachable");
}

TEST_CASE("a VPN connection without BGP routes by static routes", "[integration][reference][design]") {
    Daemon daemon("two-vnets-one-circuit.yaml");
    REQUIRE(wait_until([&] { return daemon.sessions_up(14, 0); }, 60s, 500ms));
    // The branch's tunnel, reloaded as a static one: its BGP session goes, and the local
    // network gateway's address space (the branch's prefix) is the VPN gateway's static
    // route, in VNet 1's route table and advertised to its BGP peers (it has none left).
    auto text = daemon.yaml;
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"ce: branch-ce, delay_ms: 20}", "ce: branch-ce, delay_ms: 20, enable_bgp: false}"},
             {"{name: branch-ce, bgp_peering_address: 198.51.100.2}", "{name: branch-ce, tunnel_address: 198.51.100.2}"}}) {
        const auto at = text.find(from);
        REQUIRE(at != std::string::npos);
        text.replace(at, from.size(), to);
    }
    REQUIRE(daemon.reload(text));
    REQUIRE(wait_until([&] { return daemon.sessions_up(12, 0); }, 30s, 500ms));
    REQUIRE(daemon.process->ctl({"wait", "converged", "--timeout", "30"}).exit_code == 0);
    CHECK(effective_via(daemon, "vnet1", "192.168.50.0/24") == "VPN");
    CHECK(daemon.rib("vnet1-vpngw").count("192.168.50.0/24") == 1);  // redistributed
    CHECK(daemon.rib("vnet1-ergw").count("192.168.50.0/24") == 0);   // no VPN to ExpressRoute transit
    check_trace(daemon, "vnet1", "branch-pc", {{"10.50.255.100", "*", "*", "192.168.50.10"}});
    check_trace(daemon, "branch-pc", "vnet1-vm", {{"192.168.50.1", "10.50.0.4"}});
    check_unreachable(daemon, "branch-pc", "vnet2-vm");
    // Back to BGP.
    REQUIRE(daemon.reload(daemon.yaml));
    REQUIRE(wait_until([&] { return daemon.sessions_up(14, 0); }, 30s, 500ms));
    REQUIRE(daemon.process->ctl({"wait", "converged", "--timeout", "30"}).exit_code == 0);
    const auto branch = best_of(daemon.rib("vnet1-vpngw")["192.168.50.0/24"]);
    REQUIRE(branch);
    CHECK(branch->as_path == "64901");
}

// Which hosts of configs/multi-region.yaml reach which, by the roles' rules: circuits
// never exchange routes, so headquarters (er-east) and the west datacentre (er-west)
// do not meet; the east hub, connected to both circuits, reaches both, and the west hub
// reaches the east hub (and its spoke, which uses the hub's gateways) over er-west; the
// VPN gateway transits between its site-to-site peers (headquarters and both branches)
// but never gives them what it learned over ExpressRoute.
std::set<std::pair<std::string, std::string>> multi_region_reachable() {
    const std::vector<std::pair<std::string, std::vector<std::string>>> reaches = {
        {"hq-pc", {"branch1-pc", "branch2-pc", "hub-east-vm", "spoke-east-vm"}},
        {"dcw-server", {"hub-east-vm", "spoke-east-vm", "hub-west-vm"}},
        {"branch1-pc", {"hq-pc", "branch2-pc", "hub-east-vm", "spoke-east-vm"}},
        {"branch2-pc", {"hq-pc", "branch1-pc", "hub-east-vm", "spoke-east-vm"}},
        {"hub-east-vm", {"hq-pc", "dcw-server", "branch1-pc", "branch2-pc", "spoke-east-vm", "hub-west-vm"}},
        {"spoke-east-vm", {"hq-pc", "dcw-server", "branch1-pc", "branch2-pc", "hub-east-vm", "hub-west-vm"}},
        {"hub-west-vm", {"dcw-server", "hub-east-vm", "spoke-east-vm"}},
    };
    std::set<std::pair<std::string, std::string>> out;
    for (const auto& [from, tos] : reaches)
        for (const auto& to : tos) out.insert({from, to});
    return out;
}

// Every pair of hosts whose every trace branch is delivered.
std::set<std::pair<std::string, std::string>> delivered_pairs(const Daemon& daemon) {
    const std::vector<std::string> hosts = {"hq-pc", "dcw-server", "branch1-pc", "branch2-pc",
                                            "hub-east-vm", "spoke-east-vm", "hub-west-vm"};
    std::set<std::pair<std::string, std::string>> out;
    for (const auto& from : hosts)
        for (const auto& to : hosts) {
            if (from == to) continue;
            const auto paths = trace_all(*daemon.process, from, to);
            const bool all = !paths.empty() && std::all_of(paths.begin(), paths.end(), [](const TracedPath& p) {
                return p.verdict.rfind("delivered", 0) == 0;
            });
            if (all) out.insert({from, to});
        }
    return out;
}

// Whether every branch of the trace crosses `node`.
bool every_path_through(const Daemon& daemon, const std::string& from, const std::string& to, const std::string& node) {
    const auto paths = trace_all(*daemon.process, from, to);
    return !paths.empty() && std::all_of(paths.begin(), paths.end(), [&](const TracedPath& p) {
        return std::find(p.nodes.begin(), p.nodes.end(), node) != p.nodes.end() && p.verdict.rfind("delivered", 0) == 0;
    });
}

// The communities of one path, in the order `show rib` gives them.
std::vector<std::string> communities_of(const json::object& path) {
    std::vector<std::string> out;
    for (const auto& c : path.at("communities").as_array()) out.emplace_back(c.as_string());
    return out;
}

TEST_CASE("VNet communities: the custom and regional community reach on-premises, a CE matches them, the customer's are not honoured", "[integration][reference][communities]") {
    // The hub gets a custom community; its region's comes from its location (West US 2:
    // 12076:50026). loc1-ce1 prefers what carries the region's, and tags what it sends
    // the MSEE no-export, which Azure must not honour.
    auto design = read_file(std::string(BGPEMU_SOURCE_DIR) + "/configs/azure-interop.yaml");
    const std::string hub = "  - name: hub\n    location: westus2\n";
    REQUIRE(design.find(hub) != std::string::npos);
    design.replace(design.find(hub), hub.size(), hub + "    bgp_community: 12076:20001\n");
    const std::string ce = "      - name: loc1-ce1\n";
    REQUIRE(design.find(ce) != std::string::npos);
    design.replace(design.find(ce), ce.size(), ce + R"(        router_level:
          policy:
            community_lists: {west-us-2: [{action: permit, communities: ["12076:50026"]}]}
            route_maps:
              by-region: [{seq: 10, action: permit, match: {community: west-us-2}, set: {local_pref: 300}}, {seq: 20, action: permit}]
              tag-out: [{seq: 10, action: permit, set: {communities: {add: [no-export, "65021:7"]}}}]
          neighbors: [{name: er1-msee1, route_map_in: by-region, route_map_out: tag-out}]
)");
    Daemon daemon(design, test_port(34));
    REQUIRE(daemon.process->converged(60s));

    // On the CE, over ExpressRoute: the hub's prefix with both, the spoke's (no custom
    // community) with none; over the VPN, none either.
    const auto ce_rib = daemon.rib("loc1-ce1");
    const auto path_from = [&](const std::string& prefix, const std::string& peer) -> std::optional<json::object> {
        const auto found = ce_rib.find(prefix);
        if (found == ce_rib.end()) return std::nullopt;
        for (const auto& path : found->second)
            if (path.at("from").as_string() == peer) return path;
        return std::nullopt;
    };
    const auto hub_er = path_from("10.10.30.0/24", "er1-msee1");
    REQUIRE(hub_er);
    CHECK(communities_of(*hub_er) == std::vector<std::string>{"12076:20001", "12076:50026"});
    CHECK(hub_er->at("local_pref") == 300);
    CHECK(hub_er->at("best").as_bool());
    const auto spoke_er = path_from("10.11.30.0/26", "er1-msee1");
    REQUIRE(spoke_er);
    CHECK(communities_of(*spoke_er).empty());
    CHECK(spoke_er->at("local_pref") != 300);
    const auto hub_vpn = path_from("10.10.30.0/24", "hub-vpngw");
    REQUIRE(hub_vpn);
    CHECK(communities_of(*hub_vpn).empty());

    // The CE's no-export is not honoured: the MSEE drops the customer's communities, so
    // the gateways learn its LAN, and carry none of them.
    const auto msee = daemon.rib("er1-msee1");
    REQUIRE(msee.count("10.2.30.0/25") == 1);
    CHECK(communities_of(msee.at("10.2.30.0/25").front()).empty());
    const auto gateway = daemon.rib("hub-ergw");
    REQUIRE(gateway.count("10.2.30.0/25") == 1);
    for (const auto& path : gateway.at("10.2.30.0/25")) CHECK(communities_of(path).empty());
    CHECK(std::string(daemon.run({"trace", "loc1-vm", "hub-vm"}).at("paths").as_array().front().at("verdict").as_string()).rfind("delivered", 0) == 0);
}

TEST_CASE("Global Reach between the two circuits: Location 1 and 2 reach each other through the MSEEs alone", "[integration][reference][global-reach]") {
    auto design = read_file(std::string(BGPEMU_SOURCE_DIR) + "/configs/azure-interop.yaml");
    const std::string connections = "\nconnections:\n";
    REQUIRE(design.find(connections) != std::string::npos);
    design.replace(design.find(connections), connections.size(),
                   "\nglobal_reach:\n  - {name: er1-er2, circuits: [er1, er2], address_prefix: 192.168.40.0/29}\n" + connections);
    Daemon daemon(design, test_port(35));
    REQUIRE(daemon.process->converged(60s));

    // Every path between the locations, both ways, goes CE, MSEE, MSEE, CE: no VNet, no gateway.
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"loc1-vm", "loc2-vm"}, {"loc2-vm", "loc1-vm"}}) {
        INFO(from << " -> " << to);
        const auto paths = trace_all(*daemon.process, from, to);
        REQUIRE_FALSE(paths.empty());
        for (const auto& path : paths) {
            INFO(path.text());
            CHECK(path.verdict.rfind("delivered", 0) == 0);
            std::vector<std::string> azure;
            for (const auto& node : path.nodes)
                if (node.find("msee") != std::string::npos || node.find("gw") != std::string::npos || node.find("vnet") != std::string::npos)
                    azure.push_back(node);
            REQUIRE(azure.size() == 2);
            CHECK(azure[0].substr(0, 3) != azure[1].substr(0, 3));  // one MSEE of each circuit
        }
    }
    // The hub's gateway, on both circuits, keeps its own circuit's path to each location;
    // the other's comes over Global Reach, three times 12076 and tagged 12076:12077.
    const auto hub = daemon.rib("hub-ergw");
    REQUIRE(hub.count("10.2.30.0/25") == 1);
    std::set<std::string> paths;
    for (const auto& path : hub.at("10.2.30.0/25")) {
        paths.insert(as_path_of(path));
        if (as_path_of(path) == "12076 65021") CHECK(path.at("best").as_bool());
        if (as_path_of(path) == "12076 12076 12076 65021") {
            CHECK_FALSE(path.at("best").as_bool());
            CHECK(communities_of(path) == std::vector<std::string>{"12076:12077"});
        }
    }
    CHECK(paths == std::set<std::string>{"12076 65021", "12076 12076 12076 65021"});
    // The VNets' routes do not cross: Location 2 still reaches the hub over its own circuit.
    const auto loc2 = daemon.rib("loc2-ce1");
    REQUIRE(loc2.count("10.10.30.0/24") == 1);
    for (const auto& path : loc2.at("10.10.30.0/24")) CHECK(as_path_of(path) == "12076");
    const auto to_hub = trace_all(*daemon.process, "loc2-vm", "hub-vm");
    REQUIRE_FALSE(to_hub.empty());
    for (const auto& path : to_hub) CHECK_FALSE(through({path}, "er1-msee1"));
}

// Two VNets, each on both of two circuits, and a site on both links of the first.
// `weight`: the routing weight of VNet a's connection to c1; `prepend`: whether the CE
// prepends its AS twice toward c1's secondary MSEE.
std::string weighted_design(unsigned weight, bool prepend) {
    std::string design = R"(transport: {pool: 127.71.0.0/24, port: 1179}
vnets:
  - {name: a, address_spaces: [10.71.0.0/16], er_gateway: {name: a-ergw, instance_addresses: [10.71.255.4]}, vms: [{name: a-vm, address: 10.71.0.4}]}
  - {name: b, address_spaces: [10.72.0.0/16], er_gateway: {name: b-ergw, instance_addresses: [10.72.255.4]}, vms: [{name: b-vm, address: 10.72.0.4}]}
circuits:
  - {name: c1, primary_peer_address_prefix: 172.31.1.0/30, secondary_peer_address_prefix: 172.31.1.4/30}
  - {name: c2, primary_peer_address_prefix: 172.31.2.0/30, secondary_peer_address_prefix: 172.31.2.4/30}
connections:
  - {type: expressroute, vnet: a, circuit: c1, routing_weight: WEIGHT}
  - {type: expressroute, vnet: a, circuit: c2}
  - {type: expressroute, vnet: b, circuit: c1}
  - {type: expressroute, vnet: b, circuit: c2}
sites:
  - name: s
    asn: 64600
    lan_prefixes: [192.168.71.0/24]
    hosts: [{name: s-pc, address: 192.168.71.10}]
    ces:
      - name: s-ce
        expressroute: [{circuit: c1, link: primary}, {circuit: c1, link: secondary}]
)";
    design.replace(design.find("WEIGHT"), 6, std::to_string(weight));
    if (prepend)
        design += R"(        router_level:
          policy: {route_maps: {longer: [{seq: 10, action: permit, set: {as_path_prepend: [64600, 64600]}}]}}
          neighbors: [{name: c1-msee2, route_map_out: longer}]
)";
    return design;
}

TEST_CASE("among ExpressRoute paths: a connection's weight ends VNet-to-VNet ECMP, a CE's prepending makes the other link primary", "[integration][reference][weight]") {
    // The data plane's paths (the MSEEs forward without answering a trace: one path per
    // MSEE the traffic can take).
    const auto paths_between = [](const Daemon& daemon, const std::string& from, const std::string& to) {
        const auto paths = trace_all(*daemon.process, from, to);
        for (const auto& path : paths) CHECK(path.verdict.rfind("delivered", 0) == 0);
        return paths.size();
    };
    {
        // Equal everywhere: VNet a reaches b over all four MSEEs, the site over both links.
        Daemon daemon(weighted_design(0, false), test_port(36));
        REQUIRE(daemon.process->converged(60s));
        const auto to_b = best_of(daemon.rib("a-ergw")["10.72.0.0/16"]);
        REQUIRE(to_b);
        CHECK(to_b->from == std::set<std::string>{"c1-msee1", "c1-msee2", "c2-msee1", "c2-msee2"});
        CHECK(paths_between(daemon, "a-vm", "b-vm") == 4);
        const auto to_site = best_of(daemon.rib("a-ergw")["192.168.71.0/24"]);
        REQUIRE(to_site);
        CHECK(to_site->from == std::set<std::string>{"c1-msee1", "c1-msee2"});
    }
    {
        // The weight of a's connection to c1 wins before the AS path: c1 only; and the
        // CE's prepending toward c1's secondary MSEE leaves the primary link alone.
        Daemon daemon(weighted_design(100, true), test_port(37));
        REQUIRE(daemon.process->converged(60s));
        const auto to_b = best_of(daemon.rib("a-ergw")["10.72.0.0/16"]);
        REQUIRE(to_b);
        CHECK(to_b->from == std::set<std::string>{"c1-msee1", "c1-msee2"});
        CHECK(paths_between(daemon, "a-vm", "b-vm") == 2);
        // b has no weights: still all four toward a.
        CHECK(best_of(daemon.rib("b-ergw")["10.71.0.0/16"])->from.size() == 4);
        for (const char* gateway : {"a-ergw", "b-ergw"}) {
            INFO(gateway);
            const auto to_site = best_of(daemon.rib(gateway)["192.168.71.0/24"]);
            REQUIRE(to_site);
            CHECK(to_site->from == std::set<std::string>{"c1-msee1"});
            CHECK(to_site->as_path == "12076 64600");
        }
        CHECK(paths_between(daemon, "b-vm", "s-pc") == 1);
    }
}

TEST_CASE("an active-active VPN gateway: ECMP over both instances' tunnels, failover when one fails", "[integration][reference][active-active]") {
    // The CE balances too when told (Azure balances over both tunnels whatever the
    // on-premises device prefers: "About active-active mode VPN gateways").
    Daemon daemon(R"(transport: {pool: 127.74.0.0/24, port: 1179}
vnets:
  - name: hub
    address_spaces: [10.74.0.0/16]
    vpn_gateway: {name: hub-vpngw, active_active: true, bgp_peering_addresses: [10.74.255.30, 10.74.255.31], instance_addresses: [10.74.255.4, 10.74.255.5]}
    vms: [{name: hub-vm, address: 10.74.0.4}]
connections:
  - {type: ipsec, vnet: hub, ce: branch-ce}
sites:
  - name: branch
    asn: 64610
    lan_prefixes: [192.168.74.0/24]
    hosts: [{name: branch-pc, address: 192.168.74.10}]
    ces:
      - {name: branch-ce, bgp_peering_address: 192.168.74.254, router_level: {maximum_paths: 2}}
)",
                  test_port(38));
    REQUIRE(daemon.process->converged(60s));
    const auto instances_on_paths = [&] {
        std::set<std::string> seen;
        for (const auto& path : trace_all(*daemon.process, "hub-vm", "branch-pc")) {
            CHECK(path.verdict.rfind("delivered", 0) == 0);
            seen.insert(path.nodes.front());
        }
        return seen;
    };
    const std::set<std::string> both{"hub-vpngw-instance0", "hub-vpngw-instance1"};
    CHECK(instances_on_paths() == both);
    CHECK(best_of(daemon.rib("branch-ce")["10.74.0.0/16"])->from == both);
    for (const auto& instance : both) {
        const auto to_branch = best_of(daemon.rib(instance)["192.168.74.0/24"]);
        REQUIRE(to_branch);
        CHECK(to_branch->as_path == "64610");
    }

    // Instance 0's tunnel fails: its session drops, and everything goes over instance 1.
    REQUIRE(daemon.process->ctl({"link", "down", "branch-ce", "hub-vpngw-instance0"}).exit_code == 0);
    REQUIRE(daemon.process->converged(60s));
    CHECK(instances_on_paths() == std::set<std::string>{"hub-vpngw-instance1"});
    CHECK(best_of(daemon.rib("branch-ce")["10.74.0.0/16"])->from == std::set<std::string>{"hub-vpngw-instance1"});
    check_trace(daemon, "branch-pc", "hub-vm", {{"192.168.74.1", "10.74.0.4"}});
    REQUIRE(daemon.process->ctl({"link", "up", "branch-ce", "hub-vpngw-instance0"}).exit_code == 0);
    REQUIRE(daemon.process->converged(60s));
    CHECK(instances_on_paths() == both);
}

TEST_CASE("user-defined routes: the spoke and the GatewaySubnet send through the hub's appliance; a reload takes them away", "[integration][reference][udr]") {
    const std::string design = R"(transport: {pool: 127.75.0.0/24, port: 1179}
route_tables:
  - name: spoke-rt
    routes:
      - {name: to-site, address_prefix: 192.168.75.0/24, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.75.1.4}
      - {name: blocked, address_prefix: 10.77.0.0/16, next_hop_type: None}
  - name: gw-rt
    routes: [{name: to-spoke, address_prefix: 10.76.0.0/16, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.75.1.4}]
  - {name: isolated, disable_bgp_route_propagation: true}
vnets:
  - name: hub
    address_spaces: [10.75.0.0/16]
    gateway_route_table: gw-rt
    peerings: [{vnet: spoke, allow_gateway_transit: true}]
    vpn_gateway: {name: hub-vpngw, bgp_peering_address: 10.75.255.30, instance_addresses: [10.75.255.4]}
    vms: [{name: hub-nva, address: 10.75.1.4, ip_forwarding: true}, {name: hub-vm, address: 10.75.0.4}]
  - name: spoke
    address_spaces: [10.76.0.0/16]
    route_table: spoke-rt
    peerings: [{vnet: hub, use_remote_gateways: true}]
    vms: [{name: spoke-vm, address: 10.76.0.4}, {name: spoke-db, address: 10.76.1.4, route_table: isolated}]
connections:
  - {type: ipsec, vnet: hub, ce: branch-ce}
sites:
  - name: branch
    asn: 64610
    lan_prefixes: [192.168.75.0/24]
    hosts: [{name: branch-pc, address: 192.168.75.10}]
    ces:
      - {name: branch-ce, bgp_peering_address: 192.168.75.254}
)";
    Daemon daemon(design, test_port(39));
    REQUIRE(daemon.process->converged(60s));
    // The spoke's effective routes: the user route over the gateway's for the same prefix.
    const auto spoke = daemon.run({"show", "fib", "spoke"});
    REQUIRE(spoke.is_object());
    CHECK(spoke.at("route_table") == "spoke-rt");
    std::map<std::string, std::string> to_site;  // source -> state
    for (const auto& route : spoke.at("effective_routes").as_array())
        if (route.at("prefix") == "192.168.75.0/24")
            to_site[std::string(route.at("source").as_string())] = std::string(route.at("state").as_string());
    CHECK(to_site == std::map<std::string, std::string>{{"User", "Active"}, {"VirtualNetworkGateway", "Invalid"}});

    // Both ways through the appliance, which answers from its NIC.
    check_trace(daemon, "spoke-vm", "branch-pc", {{"10.75.1.4", "10.75.255.4", "*", "192.168.75.254", "192.168.75.10"}});
    check_trace(daemon, "branch-pc", "spoke-vm", {{"192.168.75.1", "10.75.1.4", "10.76.0.4"}});
    check_trace(daemon, "hub-vm", "spoke-vm", {{"10.76.0.4"}});
    const auto blocked = trace(daemon, "spoke-vm", "10.77.0.1");
    CHECK(blocked.verdict == "dropped");
    CHECK(blocked.reason.find("spoke-rt/blocked") != std::string::npos);
    // The VM whose subnet takes no gateway routes has none to the site; the site's
    // answers to it have a path, so only the way there is missing.
    const auto isolated = daemon.run({"show", "fib", "spoke-db"});
    REQUIRE(isolated.is_object());
    CHECK(isolated.at("route_table") == "isolated");
    for (const auto& route : isolated.at("effective_routes").as_array()) CHECK(route.at("source") != "VirtualNetworkGateway");
    CHECK(trace(daemon, "spoke-db", "branch-pc").verdict == "unreachable");
    CHECK(daemon.process->ctl({"check", "symmetry", "branch-pc", "spoke-vm"}).exit_code == 0);

    // Without the route tables the gateway's routes carry the traffic straight.
    auto plain = daemon.yaml;
    for (const char* key : {"    gateway_route_table: gw-rt\n", "    route_table: spoke-rt\n"}) plain.erase(plain.find(key), std::string(key).size());
    REQUIRE(daemon.reload(plain));
    REQUIRE(daemon.process->converged(60s));
    check_trace(daemon, "spoke-vm", "branch-pc", {{"10.75.255.4", "*", "192.168.75.254", "192.168.75.10"}});
    check_trace(daemon, "branch-pc", "spoke-vm", {{"192.168.75.1", "10.76.0.4"}});
}

TEST_CASE("configs/hub-firewall.yaml: spokes through the hub's firewall over ExpressRoute, then over both VPN instances", "[integration][reference][udr]") {
    Daemon daemon("hub-firewall.yaml");
    REQUIRE(daemon.process->converged(60s));
    // The MSEE forwards the gateway's packets without a hop; the CE's answer from its
    // circuit address is refused by the gateway's source check, as in the article.
    check_trace(daemon, "spoke1-vm", "office-pc", {{"10.80.1.4", "10.80.255.x", "*", "192.168.70.10"}});
    check_trace(daemon, "office-pc", "spoke1-vm", {{"192.168.70.1", "172.30.0.x", "*", "10.80.1.4", "10.81.0.4"}});
    check_trace(daemon, "spoke1-vm", "spoke2-vm", {{"10.80.1.4", "10.82.0.4"}});
    check_trace(daemon, "spoke1-vm", "hub-vm", {{"10.80.0.4"}});
    CHECK(daemon.process->ctl({"check", "symmetry"}).exit_code == 0);

    for (const char* msee : {"er-msee1", "er-msee2"}) REQUIRE(daemon.process->ctl({"link", "down", "office-ce", msee}).exit_code == 0);
    REQUIRE(daemon.process->converged(60s));
    std::set<std::string> instances;
    for (const auto& path : trace_all(*daemon.process, "spoke1-vm", "office-pc")) {
        CHECK(path.verdict.rfind("delivered", 0) == 0);
        REQUIRE(path.nodes.size() >= 2);
        CHECK(path.nodes[0] == "hub-fw");
        instances.insert(path.nodes[1]);
    }
    CHECK(instances == std::set<std::string>{"hub-vpngw-instance0", "hub-vpngw-instance1"});
    check_trace(daemon, "office-pc", "spoke1-vm", {{"192.168.70.1", "10.80.1.4", "10.81.0.4"}});
    CHECK(daemon.process->ctl({"check", "symmetry"}).exit_code == 0);
}

// An SD-WAN appliance in the hub (10.90.0.0/16) whose branch sits behind a tunnel of its
// own: the appliance as an entry of the hub's `vms`, the branch as router-level sections.
const std::string sdwan_appliance = R"(      - name: hub-sdwan
        address: 10.90.1.4
        ip_forwarding: true
        asn: 65010
        advertise: [192.168.90.0/24]
        router_level:
          interfaces: [{name: tunnel, address: 10.99.0.1/30}]
          static_routes: [{prefix: 192.168.90.0/24, next_hop: 10.99.0.2}]
)";
const std::string sdwan_branch = R"(routers:
  - name: branch-router
    interfaces: [{name: tunnel, address: 10.99.0.2/30}, {name: lan, address: 192.168.90.1/24}]
    static_routes: [{prefix: 0.0.0.0/0, next_hop: 10.99.0.1}]
hosts:
  - {name: branch-pc, address: 192.168.90.10/24, gateway: 192.168.90.1}
links:
  - {a: hub-sdwan:tunnel, b: branch-router:tunnel, delay_ms: 10}
  - {a: branch-pc, b: branch-router:lan}
)";

// A hub with a Route Server and the SD-WAN appliance; a spoke that uses the hub's
// gateways (and so its Route Server).
const std::string route_server_design = R"(transport: {pool: 127.77.0.0/24, port: 1179}
vnets:
  - name: hub
    address_spaces: [10.90.0.0/16]
    peerings: [{vnet: spoke, allow_gateway_transit: true}]
    route_server: {name: hub-rs, addresses: [10.90.2.4, 10.90.2.5], peers: [hub-sdwan]}
    vms:
)" + sdwan_appliance + R"(      - {name: hub-vm, address: 10.90.0.4}
  - name: spoke
    address_spaces: [10.91.0.0/16]
    peerings: [{vnet: hub, use_remote_gateways: true}]
    vms: [{name: spoke-vm, address: 10.91.0.4}]
)" + sdwan_branch;

TEST_CASE("a Route Server programs the appliance's branch into its VNet and the spoke; both instances, then neither", "[integration][reference][route-server]") {
    Daemon daemon(route_server_design, test_port(46));
    REQUIRE(daemon.process->converged(60s));
    // The appliance learns the VNet and the spoke from both instances, as 65515.
    const auto to_hub = best_of(daemon.rib("hub-sdwan")["10.90.0.0/16"]);
    REQUIRE(to_hub);
    CHECK(to_hub->as_path == "65515");
    CHECK(daemon.rib("hub-sdwan")["10.91.0.0/16"].size() == 2);
    for (const char* vnet : {"hub", "spoke"}) {
        INFO(vnet);
        CHECK(effective_via(daemon, vnet, "192.168.90.0/24") == "RouteServer");
    }
    const auto path = std::vector<std::string>{"10.90.1.4", "10.99.0.2", "192.168.90.10"};
    check_trace(daemon, "hub-vm", "branch-pc", {path});
    check_trace(daemon, "spoke-vm", "branch-pc", {path});
    check_trace(daemon, "branch-pc", "spoke-vm", {{"192.168.90.1", "10.99.0.1", "10.91.0.4"}});

    // One instance's session down: the other still programs the route.
    REQUIRE(daemon.process->ctl({"session", "shutdown", "hub-rs-instance0", "hub-sdwan"}).exit_code == 0);
    REQUIRE(daemon.process->converged(60s));
    check_trace(daemon, "spoke-vm", "branch-pc", {path});
    // Both down: the VNet has no route to the branch.
    REQUIRE(daemon.process->ctl({"session", "shutdown", "hub-rs-instance1", "hub-sdwan"}).exit_code == 0);
    REQUIRE(daemon.process->converged(60s));
    CHECK(effective_via(daemon, "hub", "192.168.90.0/24").empty());
    check_unreachable(daemon, "hub-vm", "branch-pc");
    for (const char* instance : {"hub-rs-instance0", "hub-rs-instance1"})
        REQUIRE(daemon.process->ctl({"session", "enable", instance, "hub-sdwan"}).exit_code == 0);
    REQUIRE(daemon.process->converged(60s));
    check_trace(daemon, "hub-vm", "branch-pc", {path});
}

TEST_CASE("Route Server branch-to-branch: on-premises over ExpressRoute, over VPN and behind the appliance reach each other only with it on", "[integration][reference][route-server]") {
    std::string design = R"(transport: {pool: 127.78.0.0/24, port: 1179}
vnets:
  - name: hub
    address_spaces: [10.90.0.0/16]
    er_gateway: {name: hub-ergw, instance_addresses: [10.90.255.4, 10.90.255.5]}
    vpn_gateway: {name: hub-vpngw, active_active: true, bgp_peering_addresses: [10.90.255.30, 10.90.255.31], instance_addresses: [10.90.255.6, 10.90.255.7]}
    route_server: {name: hub-rs, addresses: [10.90.2.4, 10.90.2.5], peers: [hub-sdwan], branch_to_branch: false}
    vms:
)" + sdwan_appliance + R"(      - {name: hub-vm, address: 10.90.0.4}
  - name: west
    address_spaces: [10.95.0.0/16]
    er_gateway: {name: west-ergw, instance_addresses: [10.95.255.4]}
    vms: [{name: west-vm, address: 10.95.0.4}]
circuits:
  - {name: er, primary_peer_address_prefix: 172.29.0.0/30, secondary_peer_address_prefix: 172.29.0.4/30}
connections:
  - {type: expressroute, vnet: hub, circuit: er}
  - {type: expressroute, vnet: west, circuit: er}
  - {type: ipsec, vnet: hub, ce: vpnsite-ce}
sites:
  - name: office
    asn: 64800
    lan_prefixes: [192.168.80.0/24]
    hosts: [{name: office-pc, address: 192.168.80.10}]
    ces:
      - name: office-ce
        expressroute: [{circuit: er, link: primary}, {circuit: er, link: secondary}]
  - name: vpnsite
    asn: 64810
    lan_prefixes: [192.168.81.0/24]
    hosts: [{name: vpnsite-pc, address: 192.168.81.10}]
    ces:
      - {name: vpnsite-ce, bgp_peering_address: 192.168.81.254}
)" + sdwan_branch;
    Daemon daemon(design, test_port(47));
    REQUIRE(daemon.process->converged(60s));
    // Off: the gateway and the Route Server exchange nothing; the VNet reaches both sides,
    // the two sides not each other.
    CHECK(daemon.rib("office-ce")["192.168.90.0/24"].empty());
    CHECK(daemon.rib("hub-sdwan")["192.168.80.0/24"].empty());
    check_trace(daemon, "hub-vm", "branch-pc", {{"10.90.1.4", "10.99.0.2", "192.168.90.10"}});
    check_unreachable(daemon, "office-pc", "branch-pc");
    check_unreachable(daemon, "office-pc", "vpnsite-pc");
    CHECK(daemon.rib("vpnsite-ce")["192.168.80.0/24"].empty());

    auto on = daemon.yaml;
    on.replace(on.find("branch_to_branch: false"), 23, "branch_to_branch: true");
    REQUIRE(daemon.reload(on));
    REQUIRE(daemon.process->converged(60s));
    // On: on-premises learns the branch over the circuit as 12076 alone, marked 65517:65517;
    // the appliance learns on-premises through the Route Server.
    const auto branch = daemon.rib("office-ce")["192.168.90.0/24"];
    REQUIRE_FALSE(branch.empty());
    CHECK(as_path_of(branch.front()) == "12076");
    CHECK(communities_of(branch.front()) == std::vector<std::string>{"65517:65517"});
    const auto office = best_of(daemon.rib("hub-sdwan")["192.168.80.0/24"]);
    REQUIRE(office);
    CHECK(office->as_path == "65515 12076 64800");
    check_trace(daemon, "office-pc", "branch-pc", {{"192.168.80.1", "172.29.0.x", "*", "10.90.1.4", "10.99.0.2", "192.168.90.10"}});
    const auto ping = daemon.run({"ping", "branch-pc", "office-pc"});
    REQUIRE(ping.is_object());
    CHECK(ping.at("reachable") == true);
    // ExpressRoute and VPN transit through the VNet: the VPN site learns on-premises
    // from the VPN gateway, and reaches it through both gateways.
    const auto office_over_vpn = best_of(daemon.rib("vpnsite-ce")["192.168.80.0/24"]);
    REQUIRE(office_over_vpn);
    CHECK(office_over_vpn->as_path == "65515 12076 64800");
    const auto transit = daemon.run({"ping", "vpnsite-pc", "office-pc"});
    REQUIRE(transit.is_object());
    CHECK(transit.at("reachable") == true);
    CHECK(daemon.process->ctl({"check", "symmetry"}).exit_code == 0);
    // Another VNet's gateway on the circuit, without a Route Server, takes the branch.
    CHECK_FALSE(daemon.rib("west-ergw")["192.168.90.0/24"].empty());
}

TEST_CASE("a third topology: two regions, iBGP inside a site, VPN transit between sites", "[integration][reference]") {
    Daemon daemon("multi-region.yaml");
    // 14 sessions: 2 + 2 CE-MSEE at the circuits, 6 MSEE-gateway, 3 IPsec tunnels, 1 iBGP.
    REQUIRE(wait_until([&] { return daemon.sessions_up(28, 0); }, 60s, 500ms));
    const auto converge = [&] { return daemon.process->ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0; };
    REQUIRE(converge());
    const auto best = [&](const std::string& node, const std::string& prefix) { return best_of(daemon.rib(node)[prefix]); };

    // The east hub: headquarters over er-east from both MSEEs, with the connection's
    // weight; the west hub and the west datacentre over er-west, the hub's own VNet
    // as-overridden by the MSEEs.
    auto hq = best("hub-east-ergw", "192.168.10.0/24");
    REQUIRE(hq);
    CHECK(hq->as_path == "12076 64600");
    CHECK(hq->from == std::set<std::string>{"er-east-msee1", "er-east-msee2"});
    CHECK(daemon.rib("hub-east-ergw")["192.168.10.0/24"].front().at("weight") == 100);
    auto west = best("hub-east-ergw", "10.200.0.0/16");
    REQUIRE(west);
    CHECK(west->as_path == "12076 12076");
    CHECK(west->from == std::set<std::string>{"er-west-msee1", "er-west-msee2"});
    REQUIRE(best("hub-west-ergw", "10.101.0.0/16"));  // the spoke uses the east hub's gateways
    CHECK(best("hub-west-ergw", "10.101.0.0/16")->as_path == "12076 12076");
    CHECK(daemon.rib("hub-west-ergw").count("192.168.10.0/24") == 0);
    // Headquarters: ExpressRoute first (local-preference 200), the VPN kept; the branches
    // through the VPN gateway's transit, and over iBGP at the CE without a tunnel.
    auto east = best("hq-ce1", "10.100.0.0/16");
    REQUIRE(east);
    CHECK(east->from == std::set<std::string>{"er-east-msee1"});
    CHECK(east->local_pref == 200);
    CHECK(daemon.rib("hq-ce1")["10.100.0.0/16"].size() == 3);  // its MSEE, hq-ce2 over iBGP, the VPN
    auto branch = best("hq-ce2", "192.168.31.0/24");
    REQUIRE(branch);
    CHECK(branch->as_path == "65515 64801");
    CHECK(branch->from == std::set<std::string>{"hq-ce1"});
    REQUIRE(best("branch1-ce", "192.168.32.0/24"));
    CHECK(best("branch1-ce", "192.168.32.0/24")->as_path == "65515 64802");
    CHECK(best("branch1-ce", "192.168.10.0/24")->as_path == "65515 64600");
    CHECK(daemon.rib("branch1-ce").count("192.168.20.0/24") == 0);  // learned over ExpressRoute
    CHECK(daemon.rib("dcw-ce").count("192.168.10.0/24") == 0);      // circuits never exchange routes
    REQUIRE(best("dcw-ce", "10.101.0.0/16"));
    CHECK(best("dcw-ce", "10.101.0.0/16")->as_path == "12076");
    // The data plane agrees.
    CHECK(delivered_pairs(daemon) == multi_region_reachable());
    // The same by site: each site's host speaks for it, each VNet's VM for the VNet.
    {
        const std::map<std::string, std::string> network_of = {
            {"hq-pc", "hq"},           {"dcw-server", "dc-west"},       {"branch1-pc", "branch1"}, {"branch2-pc", "branch2"},
            {"hub-east-vm", "hub-east"}, {"spoke-east-vm", "spoke-east"}, {"hub-west-vm", "hub-west"}};
        std::set<std::pair<std::string, std::string>> expected, seen;
        for (const auto& [from, to] : multi_region_reachable()) expected.insert({network_of.at(from), network_of.at(to)});
        const auto matrix = daemon.run({"matrix", "--by", "site"});
        REQUIRE(matrix.is_object());
        CHECK(matrix.at("networks").as_array().size() == 7);
        for (const auto& c : matrix.at("cells").as_array())
            if (c.at("there").at("delivered").as_bool())
                seen.insert({std::string(c.at("from").as_string()), std::string(c.at("to").as_string())});
        CHECK(seen == expected);
    }

    // hq-ce1's circuit link fails: iBGP carries hq-ce2's ExpressRoute path to it, which
    // beats its own VPN path on local-preference, so headquarters stays on ExpressRoute.
    REQUIRE(daemon.run({"link", "down", "hq-ce1", "er-east-msee1"}).is_object());
    REQUIRE(converge());
    east = best("hq-ce1", "10.100.0.0/16");
    REQUIRE(east);
    CHECK(east->from == std::set<std::string>{"hq-ce2"});
    CHECK(east->local_pref == 200);
    hq = best("hub-east-ergw", "192.168.10.0/24");
    REQUIRE(hq);
    CHECK(hq->from == std::set<std::string>{"er-east-msee2"});
    CHECK(every_path_through(daemon, "hq-pc", "hub-east-vm", "er-east-msee2"));
    CHECK(effective_via(daemon, "hub-east", "192.168.10.0/24") == "ExpressRoute");

    // Both links of er-east fail: headquarters falls back to the VPN, hq-ce2 over iBGP.
    REQUIRE(daemon.run({"link", "down", "hq-ce2", "er-east-msee2"}).is_object());
    REQUIRE(converge());
    auto vpn = best("hq-ce2", "10.100.0.0/16");
    REQUIRE(vpn);
    CHECK(vpn->as_path == "65515");
    CHECK(vpn->from == std::set<std::string>{"hq-ce1"});
    CHECK(effective_via(daemon, "hub-east", "192.168.10.0/24") == "VPN");
    CHECK(every_path_through(daemon, "hq-pc", "hub-east-vm", "hq-ce1"));
    CHECK(every_path_through(daemon, "hub-east-vm", "hq-pc", "hub-east-vpngw"));

    // And back: the same reachability as before the failures.
    REQUIRE(daemon.run({"link", "up", "hq-ce1", "er-east-msee1"}).is_object());
    REQUIRE(daemon.run({"link", "up", "hq-ce2", "er-east-msee2"}).is_object());
    REQUIRE(wait_until([&] { return daemon.sessions_up(28, 0); }, 30s, 500ms));
    REQUIRE(converge());
    CHECK(effective_via(daemon, "hub-east", "192.168.10.0/24") == "ExpressRoute");
    CHECK(delivered_pairs(daemon) == multi_region_reachable());
}

// A dual-stack design (`extra_ipv6`: more IPv6 prefixes the site advertises).
std::string dual_stack_design(int extra_ipv6) {
    std::string advertise = "[192.168.81.0/24, '2001:db8:81::/64'";
    for (int i = 1; i <= extra_ipv6; ++i) advertise += ", '2001:db8:81:" + std::to_string(i) + "::/64'";
    advertise += "]";
    return R"(transport: {pool: 127.81.0.0/24, port: 1179}
vnets:
  - name: prod
    address_spaces: [10.81.0.0/16, 'fd00:81::/48']
    er_gateway: {name: prod-ergw, instance_addresses: [10.81.255.4, 'fd00:81:0:ff::4']}
    vms: [{name: prod-vm, address: 10.81.0.4}, {name: prod-vm6, address: 'fd00:81::4'}]
circuits:
  - name: er
    primary_peer_address_prefix: 172.16.81.0/30
    secondary_peer_address_prefix: 172.16.81.4/30
    ipv6_peering: {primary_peer_address_prefix: '2001:db8:ff:81::/126', secondary_peer_address_prefix: '2001:db8:ff:81::4/126'}
connections:
  - {type: expressroute, vnet: prod, circuit: er}
sites:
  - name: office
    asn: 64681
    lan_prefixes: [192.168.81.0/24, '2001:db8:81::/64']
    advertise: )" + advertise + R"(
    hosts: [{name: office-pc, address: 192.168.81.10}, {name: office-pc6, address: '2001:db8:81::10'}]
    ces:
      - name: office-ce
        expressroute: [{circuit: er, link: primary}, {circuit: er, link: secondary}]
)";
}

TEST_CASE("IPv6 private peering: dual-stack links carry both families, traces go over IPv6, past 100 IPv6 prefixes only IPv6 drops", "[integration][reference][ipv6]") {
    Daemon daemon(dual_stack_design(0), test_port(48));
    REQUIRE(daemon.process->converged(60s));
    const std::set<std::string> msees{"er-msee1", "er-msee2"};
    // Both families over each link's one session, each with its own next hops.
    const auto gateway = daemon.rib("prod-ergw");
    REQUIRE(best_of(gateway.at("2001:db8:81::/64")));
    CHECK(best_of(gateway.at("2001:db8:81::/64"))->as_path == "12076 64681");
    CHECK(best_of(gateway.at("2001:db8:81::/64"))->from == msees);
    CHECK(best_of(gateway.at("192.168.81.0/24"))->from == msees);
    const auto ce = daemon.rib("office-ce");
    REQUIRE(ce.contains("fd00:81::/48"));
    CHECK(best_of(ce.at("fd00:81::/48"))->as_path == "12076");
    std::set<std::string> next_hops;
    for (const auto& path : ce.at("fd00:81::/48")) next_hops.insert(std::string(path.at("next_hop").as_string()));
    CHECK(next_hops == std::set<std::string>{"2001:db8:ff:81::2", "2001:db8:ff:81::6"});
    CHECK(effective_via(daemon, "prod", "2001:db8:81::/64") == "ExpressRoute");
    // The hops answer from their IPv6 addresses: the gateway's IPv6 instance, the CE's
    // LAN side, the MSEE's link side.
    check_trace(daemon, "prod-vm6", "office-pc6", {{"fd00:81:0:ff::4", "*", "2001:db8:81::10"}});
    check_trace(daemon, "office-pc6", "prod-vm6",
                {{"2001:db8:81::1", "2001:db8:ff:81::2", "*", "fd00:81::4"}, {"2001:db8:81::1", "2001:db8:ff:81::6", "*", "fd00:81::4"}});
    check_trace(daemon, "office-pc", "prod-vm", {{"192.168.81.1", "172.16.81.2", "*", "10.81.0.4"}, {"192.168.81.1", "172.16.81.6", "*", "10.81.0.4"}});
    CHECK(daemon.run({"ping", "prod-vm6", "office-pc"}).is_null());  // no IPv6 address to send to

    // The primary link fails: its session goes with both families, and the MSEE
    // withdraws both from the gateway at once.
    REQUIRE(daemon.process->ctl({"link", "down", "office-ce", "er-msee1"}).exit_code == 0);
    REQUIRE(daemon.process->converged(60s));
    for (const char* prefix : {"2001:db8:81::/64", "192.168.81.0/24"}) {
        INFO(prefix);
        const auto best = best_of(daemon.rib("prod-ergw")[prefix]);
        REQUIRE(best);
        CHECK(best->from == std::set<std::string>{"er-msee2"});
    }
    check_trace(daemon, "office-pc6", "prod-vm6", {{"2001:db8:81::1", "2001:db8:ff:81::6", "*", "fd00:81::4"}});
    REQUIRE(daemon.process->ctl({"link", "up", "office-ce", "er-msee1"}).exit_code == 0);
    REQUIRE(daemon.process->converged(60s));
    CHECK(best_of(daemon.rib("prod-ergw")["2001:db8:81::/64"])->from == msees);

    // 101 IPv6 prefixes: past the limit of the IPv6 peering ("ExpressRoute limits": 100).
    // Azure drops that session alone; here the MSEEs drop the CE's IPv6 routes and keep
    // the session with its IPv4 ones.
    REQUIRE(daemon.reload(with_port(dual_stack_design(100), test_port(48), "the file")));
    const auto ipv6_dropped = [&] {
        const auto rib = daemon.rib("prod-ergw");
        return !rib.contains("2001:db8:81::/64") && rib.contains("192.168.81.0/24");
    };
    CHECK(wait_until(ipv6_dropped, 30s, 200ms));
    CHECK(daemon.sessions_up(8, 0));
    const auto sessions = daemon.run({"show", "sessions", "er-msee1"});
    REQUIRE(sessions.is_object());
    for (const auto& s : sessions.at("sessions").as_array())
        if (s.at("peer") == "office-ce") CHECK(json::serialize(s.at("families_dropped")) == R"(["ipv6"])");
    check_unreachable(daemon, "prod-vm6", "office-pc6");
    check_trace(daemon, "prod-vm", "office-pc", {{"10.81.255.4", "*", "192.168.81.10"}});

    // Back within the limit: the session was never reset, so the routes come back with
    // the MSEE's next ROUTE-REFRESH, a minute on (Azure's restart), or a session reset.
    REQUIRE(daemon.reload(with_port(dual_stack_design(0), test_port(48), "the file")));
    REQUIRE(daemon.process->ctl({"session", "reset", "er-msee1", "office-ce"}).exit_code == 0);
    CHECK(wait_until([&] { return daemon.rib("prod-ergw").contains("2001:db8:81::/64"); }, 30s, 200ms));
}

}  // namespace bgpemu::test
