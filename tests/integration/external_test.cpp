// A real router in the loop: FRR's bgpd plays loc1-ce1, Location 1's primary CE of the
// reference design (configs/azure-interop.yaml, its port changed and loc1-ce1 marked
// `external: true`), with the configuration `bgpemud --frr-config loc1-ce1` writes for
// it (the documented Cisco CE's policy in FRR's terms). The outcomes must be the
// all-emulated topology's: FRR prefers the ExpressRoute path with local-preference 200
// and keeps the VPN path; Azure's nodes hold Location 1 with the documented AS paths;
// the trace from Location 1 to the hub crosses the router (its hop inferred from what
// the emulated Azure sent it); and when the ExpressRoute link goes down, FRR's session
// to the MSEE drops, FRR falls back to the VPN, and so do the traces.
//
// The second case does the same for Location 2 with BIRD 2 as loc2-ce1 (the
// configuration of `bgpemud --bird-config loc2-ce1`), and runs the all-emulated
// reference (configs/azure-interop.yaml) beside it: besides the
// documented values, every emulated speaker's Loc-RIB and every trace to and from
// Location 2 must be the reference's, before, during and after the failure of BIRD's
// ExpressRoute link.
//
// The dual-stack cases run FRR and then BIRD as the office CE of configs/dual-stack.yaml:
// each link's one session carries IPv6 beside IPv4, both ways, and IPv6 traces cross
// the real router.
#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
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

// The reference design with `ce` played by a real router, and that router's
// configuration as `bgpemud OPTION ce` writes it (OPTION: --frr-config, --bird-config).
struct ExternalCe {
    std::string design;
    std::string router_config;
};
ExternalCe external_ce(const std::filesystem::path& dir, unsigned short port, const std::string& ce, const std::string& option,
                       const std::string& source = "configs/azure-interop.yaml") {
    ExternalCe out{read_source(source, port), {}};
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"      - name: " + ce + "\n", "      - name: " + ce + "\n        external: true\n"},
             {"{name: " + ce + ",", "{name: " + ce + ", external: true,"}}) {
        const auto at = out.design.find(from);
        if (at != std::string::npos) out.design.replace(at, from.size(), to);
    }
    REQUIRE(out.design.find("external: true") != std::string::npos);
    const auto file = dir / (ce + "-design.yaml");
    write_file(file, out.design);
    const auto printed = run_command({BGPEMU_BGPEMUD_PATH, option, ce, file.string()}, 10s);
    INFO(printed.output);
    REQUIRE(printed.exit_code == 0);
    out.router_config = printed.output;
    return out;
}

// The first word after `key` in `text` (an address in a generated configuration).
std::string word_after(const std::string& text, const std::string& key) {
    const auto at = text.find(key);
    if (at == std::string::npos) return {};
    std::istringstream rest(text.substr(at + key.size()));
    std::string word;
    rest >> word;
    return word;
}

// FRR's bgpd on loc1-ce1's transport address with the generated configuration.
class FrrCe {
public:
    FrrCe(const std::filesystem::path& dir, unsigned short port, const std::string& config) : dir_(dir / "frr") {
        std::filesystem::create_directories(dir_);
        std::filesystem::permissions(dir_, std::filesystem::perms::all);
        const auto conf = dir_ / "bgpd.conf";
        write_file(conf, config);
        std::filesystem::permissions(conf, std::filesystem::perms::all);
        process_ = ChildProcess({frr_bgpd_path()->string(), "-f", conf.string(), "-p", std::to_string(port), "-l",
                                 word_after(config, "update-source "), "-Z", "-S", "-P", "0", "--vty_socket",
                                 dir_.string(), "-i", (dir_ / "bgpd.pid").string()},
                                dir_ / "bgpd.log");
        REQUIRE(wait_until([&] { return std::filesystem::exists(dir_ / "bgpd.vty"); }, 10s));
    }

    [[nodiscard]] json::value vtysh_json(const std::string& command) const {
        const auto out = run_command({"vtysh", "--vty_socket", dir_.string(), "-c", command}, 10s).output;
        json::error_code error;
        auto value = json::parse(out, error);
        return error ? json::value(nullptr) : value;
    }

    [[nodiscard]] std::string state(const std::string& neighbor) const {
        const auto value = vtysh_json("show bgp neighbors " + neighbor + " json");
        if (!value.is_object() || !value.as_object().contains(neighbor)) return "unknown";
        return std::string(value.at(neighbor).at("bgpState").as_string());
    }

    // The paths FRR holds for `prefix`: (AS path, local-pref, best).
    struct Path {
        std::string as_path;
        std::int64_t local_pref = 100;
        bool best = false;
    };
    [[nodiscard]] std::vector<Path> paths(const std::string& prefix) const {
        std::vector<Path> out;
        const bool v6 = prefix.find(':') != std::string::npos;
        const auto value = vtysh_json((v6 ? "show bgp ipv6 unicast " : "show ip bgp ") + prefix + " json");
        if (!value.is_object() || !value.as_object().contains("paths")) return out;
        for (const auto& p : value.at("paths").as_array()) {
            const auto& o = p.as_object();
            Path path;
            path.as_path = std::string(o.at("aspath").at("string").as_string());
            if (o.contains("locPrf")) path.local_pref = o.at("locPrf").to_number<std::int64_t>();
            path.best = o.contains("bestpath") && o.at("bestpath").at("overall").as_bool();
            out.push_back(path);
        }
        return out;
    }

    [[nodiscard]] std::string log() const { return read_file(dir_ / "bgpd.log"); }

private:
    std::filesystem::path dir_;
    ChildProcess process_;
};

// Waits until FRR has its sessions with the neighbours the configuration introduces by
// the comment lines `introducers` ("! er1-msee1: ...\n neighbor "), then until the daemon
// has converged; returns their transport addresses.
std::vector<std::string> frr_sessions_up(const FrrCe& frr, const BgpemuDaemon& daemon, const std::string& config,
                                         const std::vector<std::string>& introducers) {
    std::vector<std::string> neighbors;
    for (const auto& introducer : introducers) {
        neighbors.push_back(word_after(config, introducer));
        REQUIRE(!neighbors.back().empty());
    }
    const auto up = [&] {
        return std::all_of(neighbors.begin(), neighbors.end(), [&](const std::string& n) { return frr.state(n) == "Established"; });
    };
    const bool sessions = wait_until(up, 60s, 250ms);
    if (!sessions) UNSCOPED_INFO("FRR log:\n" << frr.log() << "\nbgpemud log:\n" << daemon.log());
    REQUIRE(sessions);
    REQUIRE(daemon.ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0);
    return neighbors;
}

std::vector<std::string> hops_of(const BgpemuDaemon& daemon, const std::string& from, const std::string& to,
                                 bool& crossed_external) {
    std::vector<std::string> hops;
    json::error_code error;
    const auto reply = json::parse(daemon.ctl({"trace", from, to}).output, error);
    if (error || !reply.is_object() || !reply.as_object().contains("result")) return hops;
    const auto& path = reply.at("result").at("paths").as_array().at(0);
    for (const auto& hop : path.at("hops").as_array()) {
        hops.push_back(hop.at("address").is_null() ? "*" : std::string(hop.at("address").as_string()));
        crossed_external = crossed_external || hop.as_object().contains("inferred");
    }
    if (path.at("verdict") != "delivered") hops.push_back(std::string(path.at("verdict").as_string()));
    return hops;
}

std::optional<std::string> best_as_path(const BgpemuDaemon& daemon, const std::string& node, const std::string& prefix) {
    const auto route = daemon.route(node, prefix);
    if (!route) return std::nullopt;
    return route->as_path;
}

// BIRD 2 on loc2-ce1's transport address with the generated configuration; its one
// BGP protocol is er2_msee1.
class BirdCe {
public:
    BirdCe(const std::filesystem::path& dir, const std::string& config) : dir_(dir / "bird") {
        std::filesystem::create_directories(dir_);
        const auto conf = dir_ / "bird.conf";
        write_file(conf, config);
        process_ = ChildProcess({bird_path()->string(), "-f", "-c", conf.string(), "-s", socket().string(), "-P",
                                 (dir_ / "bird.pid").string()},
                                dir_ / "bird.log");
        REQUIRE(wait_until([&] { return std::filesystem::exists(socket()); }, 10s));
    }

    [[nodiscard]] std::string birdc(const std::string& command) const {
        return run_command({"birdc", "-s", socket().string(), command}, 10s).output;
    }

    // The BGP state of er2_msee1 (the Info column of `show protocols`).
    [[nodiscard]] std::string state() const {
        std::istringstream lines(birdc("show protocols er2_msee1"));
        for (std::string line; std::getline(lines, line);) {
            if (line.rfind("er2_msee1 ", 0) != 0) continue;
            std::istringstream words(line);
            std::vector<std::string> columns;
            for (std::string word; words >> word;) columns.push_back(word);
            return columns.size() >= 6 ? columns[5] : "unknown";
        }
        return "unknown";
    }

    // BIRD's table: prefix -> its routes.
    [[nodiscard]] std::map<std::string, std::vector<BirdTableRoute>> table() const {
        std::map<std::string, std::vector<BirdTableRoute>> out;
        for (auto& route : parse_bird_routes(birdc("show route all"))) out[route.prefix].push_back(std::move(route));
        return out;
    }

    [[nodiscard]] std::string log() const { return read_file(dir_ / "bird.log"); }

private:
    [[nodiscard]] std::filesystem::path socket() const { return dir_ / "bird.ctl"; }

    std::filesystem::path dir_;
    ChildProcess process_;
};

// Every trace to and from Location 2's VM, all branches, as text.
std::map<std::string, std::set<std::string>> loc2_traces(const BgpemuDaemon& daemon) {
    std::map<std::string, std::set<std::string>> out;
    for (const char* other : {"hub-vm", "spoke-vm", "branch-vm", "remote-vm", "loc1-vm"})
        for (const auto& [from, to] :
             std::vector<std::pair<std::string, std::string>>{{"loc2-vm", other}, {other, "loc2-vm"}}) {
            auto& texts = out[from + " -> " + to];
            for (const auto& path : trace_all(daemon, from, to)) texts.insert(path.text());
        }
    return out;
}

}  // namespace

TEST_CASE("FRR as loc1-ce1 against the emulated Azure", "[integration][external]") {
    TempDir dir("bgpemu-external");
    const auto port = test_port(11);
    const auto external = external_ce(dir.path(), port, "loc1-ce1", "--frr-config");
    BgpemuDaemon daemon(external.design, dir.path());
    // Before FRR runs, the daemon is not converged, and says what it waits for.
    const auto waiting = daemon.ctl({"wait", "converged", "--timeout", "1"});
    CHECK(waiting.exit_code == 1);
    CHECK(waiting.output.find("loc1-ce1 (an external router) not Established") != std::string::npos);
    FrrCe frr(dir.path(), port, external.router_config);
    // The emulated MSEE's and VPN gateway's transport addresses, as the configuration has them.
    const auto neighbors = frr_sessions_up(frr, daemon, external.router_config,
                                           {"! er1-msee1: ExpressRoute circuit er1, primary link\n neighbor ",
                                            "backup of ExpressRoute\n neighbor "});
    const auto& msee = neighbors[0];
    // Converged includes FRR's routes: at once, the hub has Location 1's prefix and the
    // trace from Location 1 reaches it (no waiting after `wait converged`).
    CHECK(best_as_path(daemon, "hub-ergw", "10.2.30.0/25") == std::optional<std::string>("12076 65021"));
    bool crossed_frr = false;
    const auto hops = hops_of(daemon, "loc1-vm", "hub-vm", crossed_frr);
    INFO("trace loc1-vm hub-vm: " << [&] {
        std::string text;
        for (const auto& hop : hops) text += hop + " ";
        return text;
    }());
    CHECK(!hops.empty());
    CHECK(crossed_frr);
    CHECK((!hops.empty() && hops.back() == "10.10.30.4"));

    // FRR: the hub over ExpressRoute with local-preference 200, the VPN path kept.
    const auto has_both = [&] { return frr.paths("10.10.30.0/24").size() == 2; };
    REQUIRE(wait_until(has_both, 20s));
    for (const auto& path : frr.paths("10.10.30.0/24")) {
        INFO("FRR path " << path.as_path << " local-pref " << path.local_pref);
        if (path.as_path == "12076") {
            CHECK(path.best);
            CHECK(path.local_pref == 200);
        } else {
            CHECK(path.as_path == "65515");
            CHECK_FALSE(path.best);
        }
    }
    // Only the ExpressRoute path reaches the remote VNet; the branch only over the VPN.
    CHECK(frr.paths("10.17.30.0/24").size() == 1);
    const auto branch = frr.paths("10.11.30.64/26");
    REQUIRE(branch.size() == 1);
    CHECK(branch[0].as_path == "65515 65516");

    // Azure's side: Location 1 as the control-plane analysis lists it (see reference_test).
    CHECK(wait_until([&] { return best_as_path(daemon, "hub-ergw", "10.2.30.0/25") == std::optional<std::string>("12076 65021"); }, 20s));
    CHECK(best_as_path(daemon, "hub-vpngw", "10.2.30.0/25") == std::optional<std::string>("65021"));
    CHECK(best_as_path(daemon, "branch-vpngw", "10.2.30.0/25") == std::optional<std::string>("65515 65021"));
    CHECK(best_as_path(daemon, "remote-ergw", "10.2.30.0/25") == std::optional<std::string>("12076 65021"));

    // The article's trace, through the real router (its hop inferred).
    bool crossed_external = false;
    CHECK(hops_of(daemon, "loc1-vm", "hub-vm", crossed_external) ==
          std::vector<std::string>{"10.2.30.3", "192.168.30.0", "192.168.30.18", "*", "10.10.30.4"});
    CHECK(crossed_external);

    // The ExpressRoute link fails: FRR's session to the MSEE drops, FRR falls back to
    // the VPN path, and Location 1 reaches the hub over the VPN.
    REQUIRE(daemon.ctl({"link", "down", "loc1-ce1", "er1-msee1"}).exit_code == 0);
    CHECK(wait_until([&] { return frr.state(msee) != "Established"; }, 20s));
    CHECK(wait_until([&] {
        const auto paths = frr.paths("10.10.30.0/24");
        return paths.size() == 1 && paths[0].as_path == "65515" && paths[0].best;
    }, 20s));
    REQUIRE(daemon.ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0);
    CHECK(hops_of(daemon, "loc1-vm", "hub-vm", crossed_external) ==
          std::vector<std::string>{"10.2.30.3", "192.168.30.0", "10.10.30.4"});

    // And back: FRR comes back to the MSEE (our side connects), the ER path again.
    REQUIRE(daemon.ctl({"link", "up", "loc1-ce1", "er1-msee1"}).exit_code == 0);
    CHECK(wait_until([&] { return frr.state(msee) == "Established"; }, 30s, 250ms));
    CHECK(wait_until([&] {
        bool crossed = false;
        return hops_of(daemon, "loc1-vm", "hub-vm", crossed).size() == 5;
    }, 20s, 250ms));
}

TEST_CASE("FRR as the dual-stack office CE: IPv6 over the same sessions, both ways, traces through it", "[integration][external][ipv6]") {
    TempDir dir("bgpemu-external-v6");
    const auto port = test_port(49);
    const auto external = external_ce(dir.path(), port, "office-ce", "--frr-config", "configs/dual-stack.yaml");
    BgpemuDaemon daemon(external.design, dir.path());
    FrrCe frr(dir.path(), port, external.router_config);
    (void)frr_sessions_up(frr, daemon, external.router_config,
                          {"! er-msee1: ExpressRoute circuit er, primary link\n neighbor ",
                           "! er-msee2: ExpressRoute circuit er, secondary link\n neighbor "});
    // FRR sent its IPv6 LAN with the link's IPv6 address as next hop; the gateway has it
    // over both MSEEs.
    CHECK(best_as_path(daemon, "hub-ergw", "2001:db8:90::/64") == std::optional<std::string>("12076 64720"));
    CHECK(best_as_path(daemon, "hub-ergw", "192.168.90.0/24") == std::optional<std::string>("12076 64720"));
    // FRR has the hub's IPv6 space from both MSEEs, preferred at local-preference 200.
    const auto paths = frr.paths("fd00:90::/48");
    INFO("FRR log:\n" << frr.log());
    REQUIRE(paths.size() == 2);
    for (const auto& path : paths) {
        CHECK(path.as_path == "12076");
        CHECK(path.local_pref == 200);
    }
    bool crossed_frr = false;
    const auto hops = hops_of(daemon, "office-pc6", "hub-vm6", crossed_frr);
    CHECK(crossed_frr);
    CHECK((!hops.empty() && hops.back() == "fd00:90::4"));
    crossed_frr = false;
    const auto back = hops_of(daemon, "hub-vm6", "office-pc6", crossed_frr);
    CHECK((!back.empty() && back.back() == "2001:db8:90::10"));
}

TEST_CASE("BIRD as the dual-stack office CE: an IPv6 channel beside the IPv4 one on each session", "[integration][external][ipv6]") {
    TempDir dir("bgpemu-external-bird-v6");
    const auto port = test_port(50);
    const auto external = external_ce(dir.path(), port, "office-ce", "--bird-config", "configs/dual-stack.yaml");
    BgpemuDaemon daemon(external.design, dir.path());
    BirdCe bird(dir.path(), external.router_config);
    // BIRD holds the hub's IPv6 space from both MSEEs, at local-preference 200.
    const auto from_both = [&] {
        const auto table = bird.table();
        const auto it = table.find("fd00:90::/48");
        return it != table.end() && it->second.size() == 2;
    };
    const bool learned = wait_until(from_both, 60s, 250ms);
    if (!learned) UNSCOPED_INFO("BIRD log:\n" << bird.log() << "\nbgpemud log:\n" << daemon.log());
    REQUIRE(learned);
    const auto table = bird.table();  // kept: a loop over a temporary's member outlives it
    for (const auto& route : table.at("fd00:90::/48")) {
        CHECK(route.attributes.as_path == "12076");
        CHECK(route.attributes.local_pref == std::optional<std::uint32_t>(200));
    }
    REQUIRE(daemon.ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0);
    CHECK(best_as_path(daemon, "hub-ergw", "2001:db8:90::/64") == std::optional<std::string>("12076 64720"));
    bool crossed_bird = false;
    const auto hops = hops_of(daemon, "office-pc6", "hub-vm6", crossed_bird);
    CHECK(crossed_bird);
    CHECK((!hops.empty() && hops.back() == "fd00:90::4"));
}

TEST_CASE("BIRD as loc2-ce1 against the emulated Azure", "[integration][external]") {
    TempDir dir("bgpemu-external-bird");
    const auto port = test_port(12);
    std::filesystem::create_directories(dir.path() / "external");
    std::filesystem::create_directories(dir.path() / "reference");
    const auto external = external_ce(dir.path(), port, "loc2-ce1", "--bird-config");
    BgpemuDaemon daemon(external.design, dir.path() / "external");
    BirdCe bird(dir.path(), external.router_config);
    // The all-emulated reference, on another port: what every outcome must equal.
    BgpemuDaemon reference(read_source("configs/azure-interop.yaml", test_port(13)), dir.path() / "reference");

    const auto up = [&] {
        return bird.state() == "Established" && daemon.session_state("er2-msee1", "loc2-ce1") == "Established";
    };
    const bool sessions = wait_until(up, 60s, 250ms);
    if (!sessions) UNSCOPED_INFO("BIRD log:\n" << bird.log() << "\nbgpemud log:\n" << daemon.log());
    REQUIRE(sessions);
    REQUIRE(daemon.ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0);
    REQUIRE(reference.ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0);

    // Both daemons' emulated speakers (the external one's: the reference's minus loc2-ce1)
    // hold the same Loc-RIBs, and the traces to and from Location 2 are the same.
    const auto speakers = speaker_names(daemon);
    REQUIRE(speakers.size() == 11);
    const auto same_as_reference = [&] {
        const auto equal = [&] { return loc_ribs(daemon, speakers) == loc_ribs(reference, speakers); };
        const bool same = wait_until(equal, 20s, 250ms);
        INFO("Loc-RIBs unlike the all-emulated run's:\n"
             << (same ? "" : difference(loc_ribs(daemon, speakers), loc_ribs(reference, speakers))));
        CHECK(same);
    };
    const auto same_traces = [&] {
        const auto traces = loc2_traces(daemon);
        const auto expected = loc2_traces(reference);
        INFO("traces unlike the all-emulated run's:\n" << difference(traces, expected));
        CHECK(traces == expected);
    };
    // BIRD's Loc-RIB-equivalent: its BGP routes as (AS path, next hop, best), per prefix.
    const auto bird_bgp_routes = [&] {
        std::map<std::string, std::string> out;
        for (const auto& [prefix, routes] : bird.table())
            for (const auto& route : routes)
                if (route.protocol == "er2_msee1")
                    out[prefix] += route.attributes.as_path + " via " + route.attributes.next_hop +
                                   (route.best ? " best" : "") + ";";
        return out;
    };
    // The emulated loc2-ce1's in the reference, in the same form.
    const auto reference_loc2_ce1 = [&] {
        std::map<std::string, std::string> out;
        const auto result = result_of(reference, {"show", "rib", "loc2-ce1"});
        if (!result.is_object()) return out;
        for (const auto& route : result.at("routes").as_array())
            for (const auto& path : route.at("paths").as_array())
                if (path.at("from") == "er2-msee1")
                    out[std::string(route.at("prefix").as_string())] +=
                        std::string(path.at("as_path").as_string()) + " via " +
                        std::string(path.at("next_hop").as_string()) + (path.at("best").as_bool() ? " best" : "") + ";";
        return out;
    };
    const std::map<std::string, std::string> azure_at_loc2 = {{"10.10.30.0/24", "12076 via 192.168.31.18 best;"},
                                                              {"10.11.30.0/26", "12076 via 192.168.31.18 best;"}};

    // BIRD: the hub and its spoke from the MSEE, path 12076 (remove-private-as), at the
    // default local-preference; nothing else from Azure, as the emulated loc2-ce1 has.
    CHECK(wait_until([&] { return bird_bgp_routes() == azure_at_loc2; }, 20s, 250ms));
    CHECK(bird_bgp_routes() == reference_loc2_ce1());
    {
        const auto table = bird.table();
        CHECK(table.size() == 3);  // and its own 10.1.31.0/25
        REQUIRE(table.count("10.10.30.0/24") == 1);
        CHECK(table.at("10.10.30.0/24").at(0).attributes.local_pref == std::optional<std::uint32_t>(100));
        REQUIRE(table.count("10.1.31.0/25") == 1);
        CHECK(table.at("10.1.31.0/25").at(0).protocol == "loc2_networks");
    }

    // Azure's side: Location 2 as the control-plane analysis lists it, from BIRD's next hop
    // (its ExpressRoute link address) through the MSEE to the hub's gateway, ECMP over
    // both circuit 2 MSEEs; and exactly the reference's tables everywhere.
    const auto er2_msee1 = daemon.route("er2-msee1", "10.1.31.0/25");
    REQUIRE(er2_msee1);
    CHECK(er2_msee1->as_path == "65020");
    CHECK(er2_msee1->next_hop == "192.168.31.17");
    CHECK(wait_until([&] { return best_as_path(daemon, "hub-ergw", "10.1.31.0/25") == "12076 65020"; }, 20s));
    const auto ecmp_at_hub = [&] {
        std::set<std::string> from;
        const auto result = result_of(daemon, {"show", "rib", "hub-ergw", "10.1.31.0/25"});
        if (!result.is_object() || result.at("routes").as_array().empty()) return from;
        for (const auto& path : result.at("routes").as_array().at(0).at("paths").as_array())
            if (path.at("best").as_bool() || path.at("multipath").as_bool()) from.emplace(path.at("from").as_string());
        return from;
    };
    CHECK(ecmp_at_hub() == std::set<std::string>{"er2-msee1", "er2-msee2"});
    for (const char* node : {"loc1-ce1", "hub-vpngw", "branch-vpngw", "remote-ergw"}) {
        INFO(node << " must have no route to Location 2");
        CHECK_FALSE(daemon.route(node, "10.1.31.0/25").has_value());
    }
    same_as_reference();

    // The traces through the real router (its hops inferred): Location 2's ECMP sends the
    // spoke's flow through loc2-ce1; the hub's goes through loc2-ce2, its other branch
    // through loc2-ce1; and back from the hub, the branch over er2-msee1.
    const auto to_spoke = trace_all(daemon, "loc2-vm", "spoke-vm");
    REQUIRE(to_spoke.size() == 2);
    const auto spoke_via_bird = through(to_spoke, "loc2-ce1");
    REQUIRE(spoke_via_bird);
    CHECK(spoke_via_bird->hops == strings({"10.1.31.3", "192.168.31.0", "192.168.31.18", "*", "10.11.30.4"}));
    CHECK(spoke_via_bird->inferred == std::set<std::string>{"loc2-ce1"});
    bool crossed = false;
    CHECK(hops_of(daemon, "loc2-vm", "spoke-vm", crossed) == spoke_via_bird->hops);  // the flow's own path
    CHECK(crossed);
    const auto hub_via_bird = through(trace_all(daemon, "loc2-vm", "hub-vm"), "loc2-ce1");
    REQUIRE(hub_via_bird);
    CHECK(hub_via_bird->hops == strings({"10.1.31.3", "192.168.31.0", "192.168.31.18", "*", "10.10.30.4"}));
    CHECK(hub_via_bird->inferred == std::set<std::string>{"loc2-ce1"});
    const auto back_via_bird = through(trace_all(daemon, "hub-vm", "loc2-vm"), "loc2-ce1");
    REQUIRE(back_via_bird);
    REQUIRE(back_via_bird->hops.size() == 4);
    CHECK(back_via_bird->hops[0].rfind("10.10.30.13", 0) == 0);  // a hub-ergw instance
    CHECK(std::vector<std::string>(back_via_bird->hops.begin() + 1, back_via_bird->hops.end()) ==
          strings({"*", "*", "10.1.31.10"}));
    CHECK(back_via_bird->inferred == std::set<std::string>{"loc2-ce1"});
    same_traces();

    // The ExpressRoute link of loc2-ce1 fails, in both daemons: BIRD's session drops and
    // its Azure routes go; the hub reaches Location 2 over er2-msee2 alone; the flows
    // Location 2's LAN still hashes to loc2-ce1 (its static ECMP does not track the
    // link) end there, unreachable, as in the all-emulated run.
    REQUIRE(daemon.ctl({"link", "down", "loc2-ce1", "er2-msee1"}).exit_code == 0);
    REQUIRE(reference.ctl({"link", "down", "loc2-ce1", "er2-msee1"}).exit_code == 0);
    CHECK(wait_until([&] { return bird.state() != "Established"; }, 20s, 250ms));
    CHECK(wait_until([&] { return bird_bgp_routes().empty(); }, 20s, 250ms));
    REQUIRE(daemon.ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0);
    REQUIRE(reference.ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0);
    CHECK(wait_until([&] { return ecmp_at_hub() == std::set<std::string>{"er2-msee2"}; }, 20s, 250ms));
    same_as_reference();
    const auto after = through(trace_all(daemon, "loc2-vm", "spoke-vm"), "loc2-ce1");
    REQUIRE(after);
    CHECK(after->hops == strings({"10.1.31.3", "192.168.31.0"}));
    CHECK(after->verdict == "unreachable at loc2-ce1");
    const auto hub_after = through(trace_all(daemon, "loc2-vm", "hub-vm"), "loc2-ce2");
    REQUIRE(hub_after);
    CHECK(hub_after->verdict == "delivered at hub-vm");
    CHECK_FALSE(through(trace_all(daemon, "hub-vm", "loc2-vm"), "loc2-ce1").has_value());
    same_traces();

    // And back: BIRD's session returns (within a second here: its error wait is short),
    // its routes, the ECMP at the hub and the traces through it, all as in the reference.
    REQUIRE(daemon.ctl({"link", "up", "loc2-ce1", "er2-msee1"}).exit_code == 0);
    REQUIRE(reference.ctl({"link", "up", "loc2-ce1", "er2-msee1"}).exit_code == 0);
    CHECK(wait_until([&] { return bird.state() == "Established"; }, 30s, 250ms));
    CHECK(wait_until([&] { return bird_bgp_routes() == azure_at_loc2; }, 20s, 250ms));
    REQUIRE(daemon.ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0);
    REQUIRE(reference.ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0);
    CHECK(wait_until([&] { return ecmp_at_hub() == std::set<std::string>{"er2-msee1", "er2-msee2"}; }, 20s, 250ms));
    same_as_reference();
    const auto restored = through(trace_all(daemon, "loc2-vm", "spoke-vm"), "loc2-ce1");
    REQUIRE(restored);
    CHECK(restored->hops == spoke_via_bird->hops);
    same_traces();
}

}  // namespace bgpemu::test
