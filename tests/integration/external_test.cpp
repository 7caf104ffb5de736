// A real router in the loop: FRR's bgpd plays loc1-ce1, Location 1's primary CE of the
// reference topology, with contrib/frr/loc1-ce1.conf (the documented Cisco CE's policy
// written for FRR), against the emulated Azure of configs/azure-external-ce.yaml. Both
// files are used as shipped, only their port changed. The outcomes must be the
// all-emulated topology's: FRR prefers the ExpressRoute path with local-preference 200
// and keeps the VPN path; Azure's nodes hold Location 1 with the documented AS paths;
// the trace from Location 1 to the hub crosses the router (its hop inferred from what
// the emulated Azure sent it); and when the ExpressRoute link goes down, FRR's session
// to the MSEE drops, FRR falls back to the VPN, and so do the traces.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "process.hpp"
#include "routers.hpp"

namespace bgpemu::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::string read_source(const std::string& relative, unsigned short port) {
    std::ifstream in(std::string(BGPEMU_SOURCE_DIR) + "/" + relative);
    std::stringstream text;
    text << in.rdbuf();
    std::string content = text.str();
    REQUIRE(content.find("1179") != std::string::npos);
    // ":1179" in the topology, "port 1179" in FRR's file.
    for (const std::string from : {":1179", "port 1179"}) {
        const std::string to = from.substr(0, from.size() - 4) + std::to_string(port);
        for (auto at = content.find(from); at != std::string::npos; at = content.find(from, at + to.size()))
            content.replace(at, from.size(), to);
    }
    return content;
}

// FRR's bgpd on loc1-ce1's transport address with the contrib configuration.
class FrrCe {
public:
    FrrCe(const std::filesystem::path& dir, unsigned short port) : dir_(dir / "frr") {
        std::filesystem::create_directories(dir_);
        std::filesystem::permissions(dir_, std::filesystem::perms::all);
        const auto conf = dir_ / "bgpd.conf";
        write_file(conf, read_source("contrib/frr/loc1-ce1.conf", port));
        std::filesystem::permissions(conf, std::filesystem::perms::all);
        process_ = ChildProcess({frr_bgpd_path()->string(), "-f", conf.string(), "-p", std::to_string(port), "-l",
                                 "127.65.1.1", "-Z", "-S", "-P", "0", "--vty_socket", dir_.string(), "-i",
                                 (dir_ / "bgpd.pid").string()},
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
        const auto value = vtysh_json("show ip bgp " + prefix + " json");
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

}  // namespace

TEST_CASE("FRR as loc1-ce1 against the emulated Azure", "[integration][external]") {
    TempDir dir("bgpemu-external");
    const auto port = test_port(11);
    BgpemuDaemon daemon(read_source("configs/azure-external-ce.yaml", port), dir.path());
    FrrCe frr(dir.path(), port);
    const auto up = [&] { return frr.state("127.65.2.1") == "Established" && frr.state("127.65.3.2") == "Established"; };
    const bool sessions = wait_until(up, 60s, 250ms);
    if (!sessions) UNSCOPED_INFO("FRR log:\n" << frr.log() << "\nbgpemud log:\n" << daemon.log());
    REQUIRE(sessions);
    REQUIRE(daemon.ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0);

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

    // Azure's side: Location 1 as section 3 of the spec lists it.
    CHECK(wait_until([&] { return best_as_path(daemon, "hub-ergw", "10.2.30.0/25") == std::optional<std::string>("12076 65021"); }, 20s));
    CHECK(best_as_path(daemon, "hub-vpngw", "10.2.30.0/25") == std::optional<std::string>("65021"));
    CHECK(best_as_path(daemon, "branch-vpngw", "10.2.30.0/25") == std::optional<std::string>("65515 65021"));
    CHECK(best_as_path(daemon, "remote-ergw", "10.2.30.0/25") == std::optional<std::string>("12076 65021"));

    // The article's trace, through the real router (its hop inferred).
    bool external = false;
    CHECK(hops_of(daemon, "loc1-vm", "hub-vm", external) ==
          std::vector<std::string>{"10.2.30.3", "192.168.30.0", "192.168.30.18", "*", "10.10.30.4"});
    CHECK(external);

    // The ExpressRoute link fails: FRR's session to the MSEE drops, FRR falls back to
    // the VPN path, and Location 1 reaches the hub over the VPN.
    REQUIRE(daemon.ctl({"link", "down", "loc1-ce1", "er1-msee1"}).exit_code == 0);
    CHECK(wait_until([&] { return frr.state("127.65.2.1") != "Established"; }, 20s));
    CHECK(wait_until([&] {
        const auto paths = frr.paths("10.10.30.0/24");
        return paths.size() == 1 && paths[0].as_path == "65515" && paths[0].best;
    }, 20s));
    REQUIRE(daemon.ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0);
    CHECK(hops_of(daemon, "loc1-vm", "hub-vm", external) ==
          std::vector<std::string>{"10.2.30.3", "192.168.30.0", "10.10.30.4"});

    // And back: FRR comes back to the MSEE (our side connects), the ER path again.
    REQUIRE(daemon.ctl({"link", "up", "loc1-ce1", "er1-msee1"}).exit_code == 0);
    CHECK(wait_until([&] { return frr.state("127.65.2.1") == "Established"; }, 30s, 250ms));
    CHECK(wait_until([&] {
        bool crossed = false;
        return hops_of(daemon, "loc1-vm", "hub-vm", crossed).size() == 5;
    }, 20s, 250ms));
}

}  // namespace bgpemu::test
