// A daemon per site: configs/azure-interop.yaml as shipped, run by three bgpemud
// processes (`--site azure`: the MSEEs and gateways; `--site loc1`, `--site loc2`: each
// location's CEs) that peer over real TCP on loopback, each seeing the other sites'
// speakers as external routers; and beside them the single daemon running the whole
// file on another port. Every speaker's Loc-RIB, in whichever daemon runs it, must be
// the single daemon's; every trace between the VMs that the Azure daemon prints must be
// the single daemon's (the CEs' hops inferred from what the MSEEs and gateways sent
// them); and so again after the ExpressRoute link of loc1-ce1 fails, and after it is back.
// Built twice: split_test on loopback, split_netns_test (BGPEMU_SPLIT_NETNS) with each
// daemon in its own network namespace, joined by veth links (root only).
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

#include <unistd.h>

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

// Everything the split must reproduce of the single daemon, at start, with loc1-ce1's
// ExpressRoute link down, and after it is back.
void require_same_as_single(std::vector<Site>& sites, BgpemuDaemon& single) {
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

#ifndef BGPEMU_SPLIT_NETNS
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
    require_same_as_single(sites, single);
}

#else
// Three network namespaces, one per site, joined by veth links: Azure in the middle,
// each location on its own link. Each daemon's speakers listen on addresses of its
// namespace's loopback (10.65.x.y for the file's 127.65.x.y), routed over the veths, so
// the sessions between sites cross a real (virtual) link. Removed with everything in it.
class SiteNamespaces {
public:
    SiteNamespaces() : tag_(std::to_string(::getpid() % 100000)) {
        ip_ = find_executable("ip").value_or("/usr/sbin/ip").string();
        for (const char* site : {"azure", "loc1", "loc2"}) {
            run({"netns", "add", ns(site)});
            run({"-n", ns(site), "link", "set", "lo", "up"});
        }
        const auto addresses = [&](const std::string& site, std::vector<std::string> hosts) {
            for (const auto& host : hosts) run({"-n", ns(site), "addr", "add", "10.65." + host + "/32", "dev", "lo"});
        };
        // The transport pools of the design: Azure's 127.65.0.0/24, loc1's 127.65.1.0/24,
        // loc2's 127.65.2.0/24.
        addresses("azure", {"0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8"});
        addresses("loc1", {"1.1", "1.2"});
        addresses("loc2", {"2.1", "2.2"});
        link("loc1", "1", {"1.1", "1.2"});
        link("loc2", "2", {"2.1", "2.2"});
    }
    ~SiteNamespaces() {
        for (const char* site : {"azure", "loc1", "loc2"}) (void)run_command({ip_, "netns", "del", ns(site)}, std::chrono::seconds(10));
    }
    SiteNamespaces(const SiteNamespaces&) = delete;
    SiteNamespaces& operator=(const SiteNamespaces&) = delete;

    [[nodiscard]] std::string ns(const std::string& site) const { return "bgpemu-" + tag_ + "-" + site; }
    [[nodiscard]] std::vector<std::string> exec(const std::string& site) const { return {ip_, "netns", "exec", ns(site)}; }

private:
    void run(std::vector<std::string> words) {
        words.insert(words.begin(), ip_);
        const auto result = run_command(words, std::chrono::seconds(10));
        if (result.exit_code != 0) throw std::runtime_error("ip " + words[1] + "...: " + result.output);
    }
    // A veth between Azure and `site` (10.201.N.1 on Azure's side, .2 on the site's),
    // with routes to the other side's speakers.
    void link(const std::string& site, const std::string& n, const std::vector<std::string>& site_hosts) {
        const auto azure_end = "bv" + tag_ + "a" + n;
        const auto site_end = "bv" + tag_ + "s" + n;
        run({"link", "add", azure_end, "type", "veth", "peer", "name", site_end});
        run({"link", "set", azure_end, "netns", ns("azure")});
        run({"link", "set", site_end, "netns", ns(site)});
        run({"-n", ns("azure"), "addr", "add", "10.201." + n + ".1/30", "dev", azure_end});
        run({"-n", ns(site), "addr", "add", "10.201." + n + ".2/30", "dev", site_end});
        run({"-n", ns("azure"), "link", "set", azure_end, "up"});
        run({"-n", ns(site), "link", "set", site_end, "up"});
        run({"-n", ns(site), "route", "add", "10.65.0.0/16", "via", "10.201." + n + ".1"});
        for (const auto& host : site_hosts)
            run({"-n", ns("azure"), "route", "add", "10.65." + host + "/32", "via", "10.201." + n + ".2"});
    }

    std::string tag_;
    std::string ip_;
};

TEST_CASE("the split in network namespaces with veth links behaves like one daemon", "[integration][split][netns]") {
    TempDir dir("bgpemu-split-netns");
    std::string yaml = read_source("configs/azure-interop.yaml", 1179);
    for (auto at = yaml.find("127.65."); at != std::string::npos; at = yaml.find("127.65.", at)) yaml.replace(at, 7, "10.65.");
    SiteNamespaces namespaces;  // declared first: removed after the daemons stop
    std::vector<Site> sites;
    for (const char* name : {"azure", "loc1", "loc2"}) {
        std::filesystem::create_directories(dir.path() / name);
        sites.push_back({name,
                         std::make_unique<BgpemuDaemon>(yaml, dir.path() / name, std::vector<std::string>{"--site", name},
                                                        namespaces.exec(name)),
                         {}});
    }
    std::filesystem::create_directories(dir.path() / "single");
    BgpemuDaemon single(read_source("configs/azure-interop.yaml", test_port(24)), dir.path() / "single");
    require_same_as_single(sites, single);
}
#endif

#ifndef BGPEMU_SPLIT_NETNS
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

#endif

}  // namespace
}  // namespace bgpemu::test
