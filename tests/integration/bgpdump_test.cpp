// MRT dumps (`bgpemuctl dump rib`) of the reference topology's speakers, read by bgpdump
// (Debian's, an independent MRT reader): every best path `show rib` reports, with its
// peer, AS path and next hop, and nothing else; with --all-paths, every candidate. Then
// the archive of `mrt:`: its periodic tables read the same way, its update stream showing
// a link failure's withdrawals and state changes, and a full disk (/dev/full) costing
// records, never a session.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "daemon_comparison.hpp"
#include "leak_table.hpp"
#include "process.hpp"
#include "routers.hpp"

namespace bgpemu::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// `bgpdump -m` lines as "PREFIX|AS PATH|NEXT HOP|PEER AS".
// `bgpdump -m FILE`, each line split at '|'.
std::vector<std::vector<std::string>> bgpdump_lines(const std::filesystem::path& file) {
    const auto run = run_command({"bgpdump", "-m", file.string()}, 20s);
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    std::vector<std::vector<std::string>> out;
    std::istringstream lines(run.output);
    for (std::string line; std::getline(lines, line);) {
        std::vector<std::string> fields;
        std::istringstream split(line);
        for (std::string field; std::getline(split, field, '|');) fields.push_back(field);
        out.push_back(std::move(fields));
    }
    return out;
}

std::multiset<std::string> bgpdump_paths(const std::filesystem::path& file) {
    std::multiset<std::string> out;
    for (const auto& fields : bgpdump_lines(file))
        if (fields.size() >= 9 && fields[0] == "TABLE_DUMP2") out.insert(fields[5] + "|" + fields[6] + "|" + fields[8] + "|" + fields[4]);
    return out;
}

// The files of `folder` whose names start with `prefix`, oldest name first.
std::vector<std::filesystem::path> files_named(const std::filesystem::path& folder, const std::string& prefix) {
    std::vector<std::filesystem::path> out;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(folder, error))
        if (entry.path().filename().string().rfind(prefix, 0) == 0 && entry.path().extension() == ".mrt") out.push_back(entry.path());
    std::sort(out.begin(), out.end());
    return out;
}

// The prefixes NODE accepted from PEER (its post-policy Adj-RIB-In).
std::set<std::string> accepted_from(const BgpemuDaemon& daemon, const std::string& node, const std::string& peer) {
    std::set<std::string> out;
    const auto rib = json::parse(daemon.ctl({"show", "rib", node, "--in", peer}).output).at("result");
    for (const auto& route : rib.at("routes").as_array()) out.insert(std::string(route.at("prefix").as_string()));
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

TEST_CASE("the MRT archive: tables every second and the update stream of a link failure, read by bgpdump", "[integration][mrt][archive]") {
    TempDir dir("bgpemu-mrt-archive");
    const auto archive = dir.path() / "archive";
    const auto yaml = read_source("configs/azure-interop.yaml", test_port(14)) + "\nmrt: {dir: " + archive.string() +
                      ", table_interval_s: 1, updates: true, sent: true, speakers: [hub-ergw]}\n";
    BgpemuDaemon daemon(yaml, dir.path());
    REQUIRE(daemon.converged(60s));
    // Only the speakers named are archived.
    CHECK(files_named(archive, "loc1-ce1.").empty());

    // The MSEE's session at the gateway, and what it carries before the failure.
    const auto sessions = json::parse(daemon.ctl({"show", "sessions", "hub-ergw"}).output).at("result").at("sessions").as_array();
    std::string msee_address;
    for (const auto& s : sessions)
        if (s.at("peer") == "er1-msee1") {
            msee_address = std::string(s.at("peer_address").as_string());
            msee_address = msee_address.substr(0, msee_address.rfind(':'));
        }
    REQUIRE_FALSE(msee_address.empty());
    const auto before = accepted_from(daemon, "hub-ergw", "er1-msee1");
    // What the gateway sent the MSEE is in its stream too, as BGP4MP_LOCAL announcements.
    std::set<std::string> advertised;
    const auto out = json::parse(daemon.ctl({"show", "rib", "hub-ergw", "--out", "er1-msee1"}).output).at("result");
    for (const auto& route : out.at("routes").as_array()) advertised.insert(std::string(route.at("prefix").as_string()));
    REQUIRE_FALSE(advertised.empty());
    CHECK(wait_until([&] {
        const auto files = files_named(archive, "hub-ergw.updates.");
        if (files.empty()) return false;
        std::set<std::string> sent;
        for (const auto& fields : bgpdump_lines(files.back()))
            if (fields.size() >= 6 && fields[0] == "BGP4MP_LOCAL" && fields[2] == "A" && fields[3] == msee_address) sent.insert(fields[5]);
        return sent == advertised;
    }, 10s, 200ms));

    REQUIRE(daemon.ctl({"link", "down", "loc1-ce1", "er1-msee1"}).exit_code == 0);
    REQUIRE(daemon.converged(30s));
    const auto after = accepted_from(daemon, "hub-ergw", "er1-msee1");
    std::set<std::string> withdrawn;
    std::set_difference(before.begin(), before.end(), after.begin(), after.end(), std::inserter(withdrawn, withdrawn.end()));
    INFO("withdrawn by er1-msee1: " << withdrawn.size());
    REQUIRE_FALSE(withdrawn.empty());

    // Each of them appears as a withdrawal from the MSEE in the gateway's update stream,
    // after the UPDATEs and state changes of the start.
    std::set<std::string> seen_withdrawn;
    bool established = false;
    const auto stream_shows_it = [&] {
        const auto files = files_named(archive, "hub-ergw.updates.");
        if (files.empty()) return false;
        seen_withdrawn.clear();
        for (const auto& fields : bgpdump_lines(files.back())) {
            if (fields.size() >= 6 && fields[0] == "BGP4MP" && fields[2] == "W" && fields[3] == msee_address)
                seen_withdrawn.insert(fields[5]);
            if (fields.size() >= 7 && fields[2] == "STATE" && fields[6] == "6") established = true;
        }
        return std::includes(seen_withdrawn.begin(), seen_withdrawn.end(), withdrawn.begin(), withdrawn.end());
    };
    CHECK(wait_until(stream_shows_it, 10s, 200ms));
    CHECK(established);

    // A table dump taken after the failure holds what show rib says now.
    const auto expected = rib_paths(daemon, "hub-ergw", false);
    CHECK(wait_until([&] {
        const auto tables = files_named(archive, "hub-ergw.rib.");
        return !tables.empty() && bgpdump_paths(tables.back()) == expected;
    }, 10s, 300ms));
    REQUIRE(daemon.ctl({"link", "up", "loc1-ce1", "er1-msee1"}).exit_code == 0);
    CHECK(daemon.converged(30s));

    // The update stream read back by `inject`: the MSEE's routes standing at its end are
    // those the gateway holds from it now, loaded into another speaker as its own.
    CHECK(wait_until(stream_shows_it, 5s, 200ms));
    const auto updates = files_named(archive, "hub-ergw.updates.").back();
    const auto injected = daemon.ctl({"inject", "remote-ergw", updates.string(), "--peer", msee_address});
    INFO(injected.output);
    REQUIRE(injected.exit_code == 0);
    const auto standing = accepted_from(daemon, "hub-ergw", "er1-msee1");
    CHECK(json::parse(injected.output).at("result").at("added") == standing.size());
    std::set<std::string> local;
    const auto rib = json::parse(daemon.ctl({"show", "rib", "remote-ergw"}).output).at("result");
    for (const auto& route : rib.at("routes").as_array())
        for (const auto& p : route.at("paths").as_array())
            if (p.at("from") == "local" && !std::string_view(p.at("as_path").as_string()).empty())
                local.insert(std::string(route.at("prefix").as_string()));
    CHECK(local == standing);
}

TEST_CASE("inject: a speaker's own dump loaded into another, by peer and count, and cleared", "[integration][mrt][inject]") {
    TempDir dir("bgpemu-mrt-inject");
    BgpemuDaemon daemon(read_source("configs/azure-interop.yaml", test_port(18)), dir.path());
    REQUIRE(daemon.converged(60s));
    const auto file = dir.path() / "hub-ergw.mrt";
    REQUIRE(daemon.ctl_text({"dump", "rib", "hub-ergw", file.string()}).exit_code == 0);
    // What the dump holds, as bgpdump reads it: prefix -> AS path.
    std::map<std::string, std::string> dumped;
    std::map<std::string, std::string> peer_of;
    for (const auto& fields : bgpdump_lines(file))
        if (fields.size() >= 7 && fields[0] == "TABLE_DUMP2") {
            dumped[fields[5]] = fields[6];
            peer_of[fields[5]] = fields[3];
        }
    REQUIRE(dumped.size() >= 3);
    const auto injected_paths = [&] {
        std::map<std::string, std::string> out;
        const auto rib = json::parse(daemon.ctl({"show", "rib", "remote-ergw"}).output).at("result");
        for (const auto& route : rib.at("routes").as_array())
            for (const auto& p : route.at("paths").as_array())
                if (p.at("from") == "local" && !std::string_view(p.at("as_path").as_string()).empty())
                    out[std::string(route.at("prefix").as_string())] = std::string(p.at("as_path").as_string());
        return out;
    };
    const auto all = daemon.ctl({"inject", "remote-ergw", file.string()});
    INFO(all.output);
    REQUIRE(all.exit_code == 0);
    // The speaker's own networks in the dump have no AS path: they are loaded, and not counted here.
    std::map<std::string, std::string> with_paths;
    for (const auto& [prefix, path] : dumped)
        if (!path.empty()) with_paths[prefix] = path;
    CHECK(wait_until([&] { return injected_paths() == with_paths; }, 5s));
    REQUIRE(daemon.ctl({"inject", "remote-ergw", "--clear"}).exit_code == 0);
    CHECK(wait_until([&] { return injected_paths().empty(); }, 5s));

    // One peer's routes, and at most one of them.
    const auto& [first_prefix, first_peer] = *std::find_if(peer_of.begin(), peer_of.end(),
                                                          [&](const auto& entry) { return !dumped[entry.first].empty(); });
    const auto one = daemon.ctl({"inject", "remote-ergw", file.string(), "--peer", first_peer, "--max", "1"});
    INFO(one.output);
    REQUIRE(one.exit_code == 0);
    CHECK(json::parse(one.output).at("result").at("added") == 1);
    CHECK(wait_until([&] {
        const auto now = injected_paths();
        return now.size() == 1 && peer_of[now.begin()->first] == first_peer;
    }, 5s));

    // Files that are not MRT, or that hold no route of the peer asked for, are refused.
    write_file(dir.path() / "not-mrt", "this is not an MRT file\n");
    const auto garbage = daemon.ctl_text({"inject", "remote-ergw", (dir.path() / "not-mrt").string()});
    CHECK(garbage.exit_code == 1);
    CHECK(garbage.output.find("runs past the end of the file") != std::string::npos);
    const auto no_peer = daemon.ctl_text({"inject", "remote-ergw", file.string(), "--peer", "192.0.2.99"});
    CHECK(no_peer.exit_code == 1);
    CHECK(no_peer.output.find("holds no routes of peer 192.0.2.99") != std::string::npos);
    CHECK(daemon.ctl_text({"inject", "remote-ergw"}).exit_code == 1);  // neither FILE nor --clear

    // Real files of RIPE RIS (tests/fixtures/mrt): the routes standing at the end of an
    // update file, and a table whose entries carry MP_REACH_NLRI whole, each prefix as
    // bgpdump reads it there.
    REQUIRE(daemon.ctl({"inject", "remote-ergw", "--clear"}).exit_code == 0);
    for (const std::string name : {"updates.20100722.2015", "bview.64k_stream_overflow"}) {
        INFO(name);
        const auto real = dir.path() / name;
        const auto unpacked = run_command(
            {"/bin/sh", "-c", "gzip -dc " + std::string(BGPEMU_SOURCE_DIR) + "/tests/fixtures/mrt/" + name + ".gz > " + real.string()});
        REQUIRE(unpacked.exit_code == 0);
        // bgpdump's view: (peer, prefix) announced and not withdrawn since, or in the table.
        std::set<std::pair<std::string, std::string>> standing;
        for (const auto& fields : bgpdump_lines(real)) {
            if (fields.size() < 6) continue;
            if (fields[2] == "A" || fields[2] == "B") standing.insert({fields[3], fields[5]});
            else if (fields[2] == "W") standing.erase({fields[3], fields[5]});
        }
        std::set<std::string> prefixes;
        for (const auto& [peer, prefix] : standing) prefixes.insert(prefix);
        REQUIRE_FALSE(prefixes.empty());
        const auto loaded = daemon.ctl({"inject", "remote-ergw", real.string()});
        INFO(loaded.output);
        REQUIRE(loaded.exit_code == 0);
        const auto result = json::parse(loaded.output).at("result");
        CHECK(result.at("skipped") == 0);
        CHECK(result.at("added") == prefixes.size());
        std::set<std::string> held;
        for (const auto& [prefix, path] : injected_paths()) held.insert(prefix);
        CHECK(wait_until([&] {
            held.clear();
            for (const auto& [prefix, path] : injected_paths()) held.insert(prefix);
            return held == prefixes;
        }, 10s));
        REQUIRE(daemon.ctl({"inject", "remote-ergw", "--clear"}).exit_code == 0);
    }
    CHECK(daemon.process().running());
}

TEST_CASE("a CE leaking a full table: the MSEE's maximum-prefix drops the session, the VPN carries the traffic, the session returns", "[integration][mrt][inject]") {
    TempDir dir("bgpemu-mrt-leak");
    // The reference router by router, with two changes: loc1-ce1 sends its MSEE everything
    // (its outbound prefix list gone), and the MSEE's restart after a maximum-prefix drop is
    // 2 s instead of the role's 60.
    auto yaml = read_source("configs/router-level/azure-interop.yaml", test_port(20));
    const std::string filter = "        prefix_list_out: loc1-out\n";
    REQUIRE(yaml.find(filter) != std::string::npos);
    yaml.erase(yaml.find(filter), filter.size());
    const auto msee = yaml.find("  - name: er1-msee1\n");
    REQUIRE(msee != std::string::npos);
    const std::string toward_ce = "      - name: loc1-ce1\n";
    const auto neighbor = yaml.find(toward_ce, msee);
    REQUIRE(neighbor != std::string::npos);
    yaml.insert(neighbor + toward_ce.size(), "        maximum_prefix: {limit: 4000, warning_percent: 80, restart: 2}\n");
    BgpemuDaemon daemon(yaml, dir.path());
    REQUIRE(daemon.converged(60s));
    const auto kind = [&] {
        const auto trace = json::parse(daemon.ctl({"trace", "loc1-vm", "hub-vm"}).output);
        return std::string(trace.at("result").at("paths").at(0).at("kind").as_string());
    };
    REQUIRE(kind() == "ExpressRoute");

    const auto leak = dir.path() / "leak.mrt";
    write_leak_table(leak, 4100);
    const auto injected = daemon.ctl({"inject", "loc1-ce1", leak.string()});
    INFO(injected.output);
    REQUIRE(injected.exit_code == 0);
    CHECK(json::parse(injected.output).at("result").at("added") == 4100);
    // Past 4,000 prefixes the MSEE sends Cease / Maximum Number of Prefixes Reached.
    CHECK(wait_until([&] { return daemon.session_state("er1-msee1", "loc1-ce1") != "Established"; }, 10s));
    const auto sessions = json::parse(daemon.ctl({"show", "sessions", "er1-msee1"}).output).at("result").at("sessions").as_array();
    for (const auto& s : sessions)
        if (s.at("peer") == "loc1-ce1") {
            INFO(json::serialize(s));
            CHECK(std::string_view(s.at("last_error").as_string()).find("Maximum Number of Prefixes") != std::string_view::npos);
        }
    CHECK(wait_until([&] { return kind() == "VPN"; }, 10s));
    // The leak stops; after the restart timer the session is back, and so is ExpressRoute.
    REQUIRE(daemon.ctl({"inject", "loc1-ce1", "--clear"}).exit_code == 0);
    CHECK(wait_until([&] { return daemon.session_state("er1-msee1", "loc1-ce1") == "Established"; }, 15s));
    CHECK(daemon.converged(30s));
    CHECK(kind() == "ExpressRoute");
}

TEST_CASE("an MRT archive on a full disk drops records and delays no session", "[integration][mrt][archive]") {
    TempDir dir("bgpemu-mrt-full");
    // Every update stream goes to /dev/full, where each write fails with ENOSPC.
    const auto yaml = read_source("configs/azure-interop.yaml", test_port(16)) + "\nmrt: {dir: " + dir.path().string() +
                      ", updates: true, updates_file: /dev/full}\n";
    BgpemuDaemon daemon(yaml, dir.path());
    REQUIRE(daemon.converged(60s));
    const auto errors = [&] {
        const auto metrics = json::parse(daemon.ctl({"show", "metrics"}).output).at("result").at("text").as_string();
        const std::string key = "\nbgpemu_mrt_write_errors_total ";
        const auto at = std::string_view(metrics).find(key);
        return at == std::string::npos ? 0UL : std::stoul(std::string(metrics.subview(at + key.size())));
    };
    CHECK(wait_until([&] { return errors() > 0; }, 5s));
    CHECK(daemon.log().find("No space left on device") != std::string::npos);
    // Sessions still fail over and come back as they do without an archive.
    const auto before = errors();
    REQUIRE(daemon.ctl({"link", "down", "loc1-ce1", "er1-msee1"}).exit_code == 0);
    CHECK(daemon.converged(30s));
    REQUIRE(daemon.ctl({"link", "up", "loc1-ce1", "er1-msee1"}).exit_code == 0);
    CHECK(daemon.converged(30s));
    CHECK(daemon.session_state("loc1-ce1", "er1-msee1") == "Established");
    CHECK(wait_until([&] { return errors() > before; }, 5s));
    CHECK(daemon.process().running());
}

}  // namespace bgpemu::test
