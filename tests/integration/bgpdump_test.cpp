// MRT dumps (`bgpemuctl dump rib`) of the reference topology's speakers, read by bgpdump
// (Debian's, an independent MRT reader): every best path `show rib` reports, with its
// peer, AS path and next hop, and nothing else; with --all-paths, every candidate.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "daemon_comparison.hpp"
#include "process.hpp"
#include "routers.hpp"

namespace bgpemu::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// `bgpdump -m` lines as "PREFIX|AS PATH|NEXT HOP|PEER AS".
std::multiset<std::string> bgpdump_paths(const std::filesystem::path& file) {
    const auto run = run_command({"bgpdump", "-m", file.string()}, 20s);
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    std::multiset<std::string> out;
    std::istringstream lines(run.output);
    for (std::string line; std::getline(lines, line);) {
        std::vector<std::string> fields;
        std::istringstream split(line);
        for (std::string field; std::getline(split, field, '|');) fields.push_back(field);
        if (fields.size() < 9 || fields[0] != "TABLE_DUMP2") continue;
        out.insert(fields[5] + "|" + fields[6] + "|" + fields[8] + "|" + fields[4]);
    }
    return out;
}

// The same from `show rib NODE`: each path's prefix, AS path, next hop and its peer's AS
// (`show sessions` gives the AS of each neighbour; our own paths come from `local_as`).
std::multiset<std::string> rib_paths(const BgpemuDaemon& daemon, const std::string& node, bool all_paths) {
    std::multiset<std::string> out;
    const auto rib = json::parse(daemon.ctl({"show", "rib", node}).output).at("result");
    const auto sessions = json::parse(daemon.ctl({"show", "sessions", node}).output).at("result").at("sessions").as_array();
    std::map<std::string, std::string> as_of;
    std::string local_as;
    for (const auto& s : sessions) {
        as_of[std::string(s.at("peer").as_string())] = std::to_string(s.at("peer_as").to_number<std::uint64_t>());
        local_as = std::to_string(s.at("local_as").to_number<std::uint64_t>());
    }
    for (const auto& route : rib.at("routes").as_array())
        for (const auto& p : route.at("paths").as_array()) {
            if (!all_paths && !p.at("best").as_bool()) continue;
            const std::string from(p.at("from").as_string());
            // Our own networks have no NEXT_HOP in the Loc-RIB; bgpdump prints its absence as 0.0.0.0.
            const auto& hop = p.at("next_hop");
            out.insert(std::string(route.at("prefix").as_string()) + "|" + std::string(p.at("as_path").as_string()) + "|" +
                       (hop.is_string() ? std::string(hop.as_string()) : std::string("0.0.0.0")) + "|" +
                       (from == "local" ? local_as : as_of.at(from)));
        }
    return out;
}

}  // namespace

TEST_CASE("MRT dumps of the reference topology read by bgpdump", "[integration][mrt]") {
    TempDir dir("bgpemu-mrt");
    BgpemuDaemon daemon(read_source("configs/azure-interop.yaml", test_port(12)), dir.path());
    REQUIRE(wait_until([&] { return daemon.ctl({"wait", "converged", "--timeout", "1"}).exit_code == 0; }, 60s, 500ms));
    for (const char* node : {"hub-ergw", "loc1-ce1", "er1-msee1"}) {
        INFO(node);
        const auto file = dir.path() / (std::string(node) + ".mrt");
        const auto dumped = daemon.ctl_text({"dump", "rib", node, file.string()});
        INFO(dumped.output);
        REQUIRE(dumped.exit_code == 0);
        CHECK(dumped.output.find("bytes of MRT written to") != std::string::npos);
        const auto expected = rib_paths(daemon, node, false);
        REQUIRE(!expected.empty());
        CHECK(bgpdump_paths(file) == expected);
        const auto all = dir.path() / (std::string(node) + "-all.mrt");
        REQUIRE(daemon.ctl_text({"dump", "rib", node, all.string(), "--all-paths"}).exit_code == 0);
        CHECK(bgpdump_paths(all) == rib_paths(daemon, node, true));
    }
    // A file that cannot be written: the client says so and exits 1.
    const auto refused = daemon.ctl_text({"dump", "rib", "hub-ergw", "/nonexistent/dir/x.mrt"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.output.find("cannot write /nonexistent/dir/x.mrt") != std::string::npos);
}

}  // namespace bgpemu::test
