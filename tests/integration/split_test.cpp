// A daemon per site: configs/azure-interop.yaml as shipped, run by three bgpemud
// processes (`--site azure`: the MSEEs and gateways; `--site loc1`, `--site loc2`: each
// location's CEs) that peer over real TCP on loopback, each seeing the other sites'
// speakers as external routers; and beside them the single daemon running the whole
// file on another port. Every speaker's Loc-RIB, in whichever daemon runs it, must be
// the single daemon's; every trace between the VMs that the Azure daemon prints must be
// the single daemon's (the CEs' hops inferred from what the MSEEs and gateways sent
// them); and so again after the ExpressRoute link of loc1-ce1 fails, and after it is back.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <set>

#include "daemon_comparison.hpp"
#include "process.hpp"
#include "routers.hpp"

namespace bgpemu::test {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> vms = {"loc1-vm", "loc2-vm", "hub-vm", "spoke-vm", "branch-vm", "remote-vm"};

// Every trace between two VMs, all branches, as text.
std::map<std::string, std::set<std::string>> all_traces(const BgpemuDaemon& daemon) {
    std::map<std::string, std::set<std::string>> out;
    for (const auto& from : vms)
        for (const auto& to : vms) {
            if (from == to) continue;
            auto& texts = out[from + " -> " + to];
            for (const auto& path : trace_all(daemon, from, to)) texts.insert(path.text());
        }
    return out;
}

struct Site {
    std::string name;
    std::unique_ptr<BgpemuDaemon> daemon;
    std::vector<std::string> speakers;
};

TEST_CASE("the reference topology split over a daemon per site behaves like one daemon", "[integration][split]") {
    TempDir dir("bgpemu-split");
    const auto yaml = read_source("configs/azure-interop.yaml", test_port(21));
    std::vector<Site> sites;
    for (const char* name : {"azure", "loc1", "loc2"}) {
        std::filesystem::create_directories(dir.path() / name);
        sites.push_back({name, std::make_unique<BgpemuDaemon>(yaml, dir.path() / name, std::vector<std::string>{"--site", name}), {}});
    }
    std::filesystem::create_directories(dir.path() / "single");
    BgpemuDaemon single(read_source("configs/azure-interop.yaml", test_port(22)), dir.path() / "single");
    REQUIRE(single.ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0);

    // Each daemon runs its own site's speakers, twelve in all.
    std::set<std::string> all;
    for (auto& site : sites) {
        site.speakers = speaker_names(*site.daemon);
        all.insert(site.speakers.begin(), site.speakers.end());
    }
    CHECK(sites[0].speakers.size() == 8);
    CHECK(sites[1].speakers == std::vector<std::string>{"loc1-ce1", "loc1-ce2"});
    CHECK(sites[2].speakers == std::vector<std::string>{"loc2-ce1", "loc2-ce2"});
    CHECK(all.size() == 12);

    const auto same_loc_ribs = [&](const char* when) {
        for (const auto& site : sites) {
            const auto equal = [&] { return loc_ribs(*site.daemon, site.speakers) == loc_ribs(single, site.speakers); };
            const bool same = wait_until(equal, 60s, 250ms);
            INFO(when << ": the Loc-RIBs of site " << site.name << " unlike the single daemon's:\n"
                      << (same ? "" : difference(loc_ribs(*site.daemon, site.speakers), loc_ribs(single, site.speakers))));
            CHECK(same);
        }
    };
    const auto same_traces = [&](const char* when) {
        auto& azure = *sites[0].daemon;
        REQUIRE(azure.ctl({"wait", "converged", "--timeout", "60"}).exit_code == 0);
        const auto equal = [&] { return all_traces(azure) == all_traces(single); };
        const bool same = wait_until(equal, 20s, 500ms);
        INFO(when << ": the Azure daemon's traces unlike the single daemon's:\n"
                  << (same ? "" : difference(all_traces(azure), all_traces(single))));
        CHECK(same);
    };

    // The cross-site sessions are up: the location daemons' CEs with the MSEEs and the
    // VPN gateway (loc1-ce2's stays down: its link is shut in the file).
    CHECK(wait_until([&] { return sites[1].daemon->session_state("loc1-ce1", "er1-msee1") == "Established"; }, 30s));
    CHECK(sites[1].daemon->session_state("loc1-ce1", "hub-vpngw") == "Established");
    CHECK(sites[2].daemon->session_state("loc2-ce2", "er2-msee2") == "Established");
    CHECK(sites[1].daemon->session_state("loc1-ce2", "er1-msee2") != "Established");
    same_loc_ribs("at start");
    same_traces("at start");
    // The article's trace, by the Azure daemon, through the CE run by the loc1 daemon.
    const auto article = trace_all(*sites[0].daemon, "loc1-vm", "hub-vm");
    REQUIRE(article.size() == 1);
    CHECK(article[0].hops == strings({"10.2.30.3", "192.168.30.0", "192.168.30.18", "*", "10.10.30.4"}));
    CHECK(article[0].inferred == std::set<std::string>{"loc1-ce1"});

    // The ExpressRoute link of loc1-ce1 fails: taken down at both ends' daemons (and in
    // the single one), Location 1 falls back to the VPN everywhere.
    for (auto* daemon : {sites[0].daemon.get(), sites[1].daemon.get(), &single})
        REQUIRE(daemon->ctl({"link", "down", "loc1-ce1", "er1-msee1"}).exit_code == 0);
    CHECK(wait_until([&] { return sites[1].daemon->session_state("loc1-ce1", "er1-msee1") != "Established"; }, 20s));
    same_loc_ribs("with loc1-ce1's ExpressRoute link down");
    same_traces("with loc1-ce1's ExpressRoute link down");
    const auto over_vpn = trace_all(*sites[0].daemon, "loc1-vm", "hub-vm");
    REQUIRE(over_vpn.size() == 1);
    CHECK(over_vpn[0].hops == strings({"10.2.30.3", "192.168.30.0", "10.10.30.4"}));

    for (auto* daemon : {sites[0].daemon.get(), sites[1].daemon.get(), &single})
        REQUIRE(daemon->ctl({"link", "up", "loc1-ce1", "er1-msee1"}).exit_code == 0);
    CHECK(wait_until([&] { return sites[1].daemon->session_state("loc1-ce1", "er1-msee1") == "Established"; }, 30s));
    same_loc_ribs("with the link back up");
    same_traces("with the link back up");
}

TEST_CASE("--site names a site of the file, or the daemon says which there are") {
    TempDir dir("bgpemu-split-bad");
    const auto config = dir.path() / "topology.yaml";
    write_file(config, read_source("configs/azure-interop.yaml", test_port(23)));
    const auto check = run_command({BGPEMU_BGPEMUD_PATH, "--check", config.string(), "--site", "paris"}, 10s);
    INFO(check.output);
    CHECK(check.exit_code == 1);
    CHECK(check.output.find("--site paris: no speaker has site 'paris' (its sites: azure, loc1, loc2)") != std::string::npos);
    const auto good = run_command({BGPEMU_BGPEMUD_PATH, "--check", config.string(), "--site", "loc2"}, 10s);
    CHECK(good.exit_code == 0);
    CHECK(good.output.find("ok, 2 speaker(s)") != std::string::npos);
}

}  // namespace
}  // namespace bgpemu::test
