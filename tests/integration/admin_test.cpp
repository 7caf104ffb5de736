// bgpemud driven through bgpemuctl and its admin socket: three speakers in a triangle
//
//   a AS 65001 127.0.0.2 ---- b AS 65002 127.0.0.3
//            \                 /
//             c AS 65003 127.0.0.4
//
// so c has two paths to a's network and `show rib` must say why the direct one won.
// Also: announce/withdraw, session shutdown/enable/reset, and bad input of every kind
// (unknown command, node, peer; bad JSON; an oversized line) answered with an error
// while the daemon carries on; the command table that the daemon's handlers and
// bgpemuctl share; and `show rib`'s table for an iBGP path with an empty AS_PATH.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "daemon/admin/admin_commands.hpp"
#include "daemon/admin/command_table.hpp"
#include "daemon/ctl/command_line.hpp"
#include "daemon/ctl/reply_printers.hpp"
#include "process.hpp"

namespace bgpemu::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

struct Ctl {
    std::filesystem::path socket;

    CommandResult run(std::vector<std::string> words, bool as_json = true) const {
        std::vector<std::string> argv{BGPEMU_BGPEMUCTL_PATH, "--socket", socket.string()};
        if (as_json) argv.emplace_back("--json");
        argv.insert(argv.end(), words.begin(), words.end());
        return run_command(argv, 15s);
    }

    // The reply's "result"; fails the test if the command did not succeed.
    json::object result(std::vector<std::string> words) const {
        const auto reply = run(words);
        INFO("bgpemuctl " << words.front() << " -> exit " << reply.exit_code << ": " << reply.output);
        REQUIRE(reply.exit_code == 0);
        const auto value = json::parse(reply.output);
        REQUIRE(value.at("ok").as_bool());
        return value.at("result").as_object();
    }

    std::string session_state(const std::string& node, const std::string& peer) const {
        const auto reply = run({"show", "sessions", node});
        json::error_code error;
        const auto value = json::parse(reply.output, error);
        if (error || !value.is_object() || !value.as_object().contains("result")) return "unknown";
        for (const auto& s : value.at("result").at("sessions").as_array())
            if (s.at("peer").as_string() == peer) return std::string(s.at("state").as_string());
        return "unknown";
    }

    // The paths `node` has for `prefix` (empty array when none).
    json::array paths(const std::string& node, const std::string& prefix) const {
        const auto reply = run({"show", "rib", node, prefix});
        json::error_code error;
        const auto value = json::parse(reply.output, error);
        if (error || !value.is_object() || !value.as_object().contains("result")) return {};
        const auto& routes = value.at("result").at("routes").as_array();
        return routes.empty() ? json::array{} : routes[0].at("paths").as_array();
    }
};

std::string triangle_yaml(unsigned short port) {
    std::ostringstream y;
    const auto p = std::to_string(port);
    y << "speakers:\n"
      << "  - name: a\n    asn: 65001\n    router_id: 10.0.0.1\n    ebgp_requires_policy: false\n    listen: 127.0.0.2:" << p << "\n"
      << "    networks:\n      - prefix: 192.0.2.0/24\n        med: 7\n        communities: [\"65001:7\"]\n"
      << "    neighbors:\n"
      << "      - {name: b, address: 127.0.0.3:" << p
      << ", asn: 65002, hold_time: 9, connect_retry: 1, next_hop: {ipv4: 10.0.12.1}}\n"
      << "      - {name: c, address: 127.0.0.4:" << p
      << ", asn: 65003, hold_time: 9, connect_retry: 1, advertisement_interval: 3}\n"
      << "  - name: b\n    asn: 65002\n    router_id: 10.0.0.2\n    ebgp_requires_policy: false\n    listen: 127.0.0.3:" << p << "\n"
      // b's forwarding table: a's routes (next hop 10.0.12.1) resolve on to-a; c's
      // (next hop c's transport address) resolve nowhere.
      << "    interfaces:\n      - {name: to-a, address: 10.0.12.2/30}\n      - {name: lan, address: 10.0.2.1/24}\n"
      << "    static_routes:\n      - {prefix: 0.0.0.0/0, next_hop: 10.0.2.254}\n"
      << "      - {prefix: 203.0.113.0/24, blackhole: true}\n"
      << "    neighbors:\n"
      << "      - {name: a, address: 127.0.0.2:" << p << ", asn: 65001, hold_time: 9, connect_retry: 1}\n"
      << "      - {name: c, address: 127.0.0.4:" << p << ", asn: 65003, hold_time: 9, connect_retry: 1}\n"
      << "  - name: c\n    asn: 65003\n    router_id: 10.0.0.3\n    ebgp_requires_policy: false\n    listen: 127.0.0.4:" << p << "\n"
      << "    neighbors:\n"
      << "      - {name: a, address: 127.0.0.2:" << p << ", asn: 65001, hold_time: 9, connect_retry: 1}\n"
      << "      - {name: b, address: 127.0.0.3:" << p << ", asn: 65002, hold_time: 9, connect_retry: 1}\n";
    return y.str();
}

}  // namespace

TEST_CASE("bgpemuctl inspects and drives a running bgpemud", "[integration][admin]") {
    TempDir dir("bgpemu-admin");
    const auto config = dir.path() / "triangle.yaml";
    write_file(config, triangle_yaml(test_port(5)));
    const Ctl ctl{dir.path() / "admin.sock"};
    ChildProcess daemon({BGPEMU_BGPEMUD_PATH, "--config", config.string(), "--socket", ctl.socket.string(),
                         "--log-level", "debug"},
                        dir.path() / "bgpemud.log");
    REQUIRE(wait_until([&] { return std::filesystem::exists(ctl.socket); }, 10s));

    const bool all_up = wait_until(
        [&] {
            for (const auto& [node, peer] : {std::pair{"a", "b"}, {"a", "c"}, {"b", "c"}})
                if (ctl.session_state(node, peer) != "Established") return false;
            return true;
        },
        30s);
    if (!all_up) UNSCOPED_INFO(read_file(dir.path() / "bgpemud.log"));
    REQUIRE(all_up);

    SECTION("status and sessions") {
        const auto status = ctl.result({"status"});
        CHECK(status.at("daemon").as_string() == "bgpemud");
        REQUIRE(status.at("speakers").as_array().size() == 3);
        const auto& a = status.at("speakers").as_array()[0].as_object();
        CHECK(a.at("name").as_string() == "a");
        CHECK(a.at("sessions_established").to_number<int>() == 2);

        const auto sessions = ctl.result({"show", "sessions", "c"});
        REQUIRE(sessions.at("sessions").as_array().size() == 2);
        for (const auto& s : sessions.at("sessions").as_array()) {
            CHECK(s.at("node").as_string() == "c");
            CHECK(s.at("type").as_string() == "ebgp");
            CHECK(s.at("hold_time_s").to_number<int>() == 9);
        }
        const auto memory = ctl.result({"show", "memory", "a"});
        CHECK(memory.at("resident_bytes").to_number<std::int64_t>() > 0);
        REQUIRE(memory.at("speakers").as_array().size() == 1);
        const auto& a_memory = memory.at("speakers").as_array()[0].as_object();
        CHECK(a_memory.at("routes").to_number<int>() >= 1);
        CHECK(a_memory.at("bytes").at("total").to_number<std::int64_t>() > 0);

        // The human table has a row per session.
        const auto table = ctl.run({"show", "sessions"}, false);
        CHECK(table.exit_code == 0);
        CHECK(table.output.find("Established") != std::string::npos);
    }

    SECTION("show rib says why the best path won") {
        json::array paths;
        REQUIRE(wait_until([&] { return (paths = ctl.paths("c", "192.0.2.0/24")).size() == 2; }, 20s));
        const json::object* best = nullptr;
        const json::object* other = nullptr;
        for (const auto& p : paths) (p.at("best").as_bool() ? best : other) = &p.as_object();
        REQUIRE(best);
        REQUIRE(other);
        CHECK(best->at("from").as_string() == "a");
        CHECK(best->at("as_path").as_string() == "65001");
        CHECK(best->at("med").to_number<int>() == 7);
        CHECK(best->at("communities").as_array() == json::array{"65001:7"});
        CHECK(other->at("from").as_string() == "b");
        CHECK(other->at("as_path").as_string() == "65002 65001");
        CHECK(other->at("lost_at").as_string() == "as_path_length");

        const auto table = ctl.run({"show", "rib", "c", "192.0.2.0/24"}, false);
        CHECK(table.output.find("shorter AS_PATH") != std::string::npos);
    }

    SECTION("show rib --in and --out: one neighbour's accepted and sent routes") {
        REQUIRE(wait_until([&] { return ctl.paths("c", "192.0.2.0/24").size() == 2; }, 20s));
        const auto in = ctl.result({"show", "rib", "c", "--in", "b"});
        REQUIRE(in.at("routes").as_array().size() == 1);
        const auto& only_b = in.at("routes").as_array()[0].at("paths").as_array();
        REQUIRE(only_b.size() == 1);
        CHECK(only_b[0].at("from") == "b");
        CHECK(only_b[0].at("as_path") == "65002 65001");
        // What a sends c: its own network, our AS prepended, MED kept toward a neighbour AS.
        const auto out = ctl.result({"show", "rib", "a", "--out", "c"});
        REQUIRE(out.at("routes").as_array().size() == 1);
        const auto& sent = out.at("routes").as_array()[0].as_object();
        CHECK(sent.at("prefix") == "192.0.2.0/24");
        CHECK(sent.at("paths").as_array()[0].at("as_path") == "65001");
        CHECK(sent.at("paths").as_array()[0].at("med") == 7);
        // b does not send a's route back to a.
        CHECK(ctl.result({"show", "rib", "b", "--out", "a"}).at("routes").as_array().empty());
        const auto unknown = ctl.run({"show", "rib", "c", "--in", "nobody"});
        CHECK(unknown.exit_code == 1);
        CHECK(unknown.output.find("unknown_peer") != std::string::npos);
    }

    SECTION("announce and withdraw") {
        ctl.result({"announce", "b", "198.51.100.0/24", "med", "5", "community", "65002:1", "large-community",
                    "65002:1:2"});
        json::array paths;
        REQUIRE(wait_until([&] { return !(paths = ctl.paths("a", "198.51.100.0/24")).empty(); }, 10s));
        const auto& p = paths[0].as_object();
        CHECK(p.at("as_path").as_string() == "65002");
        CHECK(p.at("med").to_number<int>() == 5);
        CHECK(p.at("large_communities").as_array() == json::array{"65002:1:2"});

        ctl.result({"withdraw", "b", "198.51.100.0/24"});
        CHECK(wait_until([&] { return ctl.paths("a", "198.51.100.0/24").empty(); }, 10s));
        // Withdrawing again is an error that names the problem.
        const auto again = ctl.run({"withdraw", "b", "198.51.100.0/24"});
        CHECK(again.exit_code == 1);
        CHECK(again.output.find("not_originated") != std::string::npos);
    }

    SECTION("session shutdown, enable and reset") {
        ctl.result({"session", "shutdown", "c", "a", "maintenance"});
        CHECK(wait_until([&] { return ctl.session_state("c", "a") == "Idle"; }, 10s));
        // c now reaches a's network only through b.
        CHECK(wait_until(
            [&] {
                const auto paths = ctl.paths("c", "192.0.2.0/24");
                return paths.size() == 1 && paths[0].at("from").as_string() == "b";
            },
            10s));
        CHECK(read_file(dir.path() / "bgpemud.log").find("\"maintenance\"") != std::string::npos);
        // It stays down (no automatic restart) until enabled. The sentinel: a, whose side
        // still runs, has tried to connect twice since (each refused), so more than a
        // restart interval has passed with c's side down.
        const auto refusals = [&] {
            return count_occurrences(read_file(dir.path() / "bgpemud.log"),
                                     "a: refused connection from 127.0.0.2 (session is down)");
        };
        CHECK(wait_until([&] { return refusals() >= 2; }, 20s));
        CHECK(ctl.session_state("c", "a") == "Idle");
        ctl.result({"session", "enable", "c", "a"});
        CHECK(wait_until([&] { return ctl.session_state("c", "a") == "Established"; }, 20s));

        const auto before = ctl.result({"show", "sessions", "b"});
        ctl.result({"session", "reset", "b", "a"});
        CHECK(wait_until(
            [&] {
                const auto after = ctl.run({"show", "sessions", "b"});
                const auto value = json::parse(after.output);
                for (const auto& s : value.at("result").at("sessions").as_array())
                    if (s.at("peer").as_string() == "a")
                        return s.at("state").as_string() == "Established" &&
                               s.at("established_count").to_number<int>() >= 2;
                return false;
            },
            20s));
        (void)before;
    }

    SECTION("show fib: connected, static and BGP routes, lookups, an unresolvable next hop") {
        const auto lookup = [&](const char* address) { return ctl.result({"show", "fib", "b", address}); };
        REQUIRE(wait_until([&] { return lookup("192.0.2.7").at("route").as_object().at("prefix") == "192.0.2.0/24"; },
                           20s));
        const auto via_a = lookup("192.0.2.7").at("route").as_object();
        CHECK(via_a.at("protocol") == "ebgp");
        CHECK(via_a.at("source") == "a");
        CHECK(via_a.at("next_hop").at("address") == "10.0.12.1");
        CHECK(via_a.at("next_hop").at("interface") == "to-a");
        // Anything else takes the static default; the blackhole swallows its prefix.
        const auto other = lookup("198.51.100.1").at("route").as_object();
        CHECK(other.at("prefix") == "0.0.0.0/0");
        CHECK(other.at("next_hop").at("interface") == "lan");
        CHECK(lookup("203.0.113.9").at("route").at("blackhole") == true);
        CHECK(lookup("10.0.12.1").at("route").at("protocol") == "connected");

        // Without the session to a, b's best path is c's, whose next hop (c's transport
        // address) resolves nowhere: not installed, and the lookup falls back to the default.
        ctl.result({"session", "shutdown", "b", "a"});
        CHECK(wait_until([&] { return lookup("192.0.2.7").at("route").at("prefix") == "0.0.0.0/0"; }, 20s));
        const auto table = ctl.run({"show", "fib", "b"}, false);
        INFO(table.output);
        CHECK(table.output.find("unreachable next hop 127.0.0.4") != std::string::npos);
        ctl.result({"session", "enable", "b", "a"});
        CHECK(wait_until([&] { return lookup("192.0.2.7").at("route").at("prefix") == "192.0.2.0/24"; }, 20s));
        // A bad address is an error, not a crash.
        const auto bad = ctl.run({"show", "fib", "b", "not-an-address"});
        CHECK(bad.exit_code == 1);
        CHECK(bad.output.find("bad_argument") != std::string::npos);
    }

    SECTION("the minimum route advertisement interval batches UPDATEs") {
        // a -> c has advertisement_interval 3 s: five announcements made within it reach
        // c in at most two UPDATE rounds (the first at once, the rest together); made
        // over a longer time (a loaded machine starts bgpemuctl slowly), one round more
        // per interval they took, still fewer than one per announcement.
        const auto updates_from_a = [&] {
            const auto sessions = ctl.result({"show", "sessions", "c"});
            for (const auto& s : sessions.at("sessions").as_array())
                if (s.at("peer").as_string() == "a") return s.at("updates_in").to_number<std::int64_t>();
            return std::int64_t{-1};
        };
        std::this_thread::sleep_for(3500ms);  // let any interval from the initial exchange pass
        const auto before = updates_from_a();
        const auto started = std::chrono::steady_clock::now();
        for (int i = 0; i < 5; ++i) ctl.result({"announce", "a", "203.0.113." + std::to_string(i * 16) + "/28"});
        const auto announcing = std::chrono::steady_clock::now() - started;
        const auto intervals = static_cast<std::int64_t>(announcing / 3s);
        REQUIRE(intervals < 3);  // else the test proves nothing about batching
        const bool all_arrived = wait_until(
            [&] {
                for (int i = 0; i < 5; ++i) {
                    const auto paths = ctl.paths("c", "203.0.113." + std::to_string(i * 16) + "/28");
                    bool direct = false;
                    for (const auto& p : paths) direct = direct || p.at("from").as_string() == "a";
                    if (!direct) return false;
                }
                return true;
            },
            15s);
        CHECK(all_arrived);
        const auto rounds = updates_from_a() - before;
        INFO("announcing took " << std::chrono::duration_cast<std::chrono::milliseconds>(announcing).count() << " ms");
        CHECK(rounds >= 1);
        CHECK(rounds <= 2 + intervals);
    }

    SECTION("bad input gets an error and changes nothing") {
        const auto unknown_node = ctl.run({"show", "rib", "nope"});
        CHECK(unknown_node.exit_code == 1);
        CHECK(unknown_node.output.find("unknown_node") != std::string::npos);
        const auto unknown_peer = ctl.run({"session", "reset", "a", "nope"});
        CHECK(unknown_peer.exit_code == 1);
        CHECK(unknown_peer.output.find("unknown_peer") != std::string::npos);
        const auto bad_prefix = ctl.run({"announce", "a", "10.0.0.1/8"});
        CHECK(bad_prefix.exit_code == 1);
        CHECK(bad_prefix.output.find("bad_argument") != std::string::npos);
        const auto usage = ctl.run({"frobnicate"});
        CHECK(usage.exit_code == 2);
        const auto unknown_command = ctl.run({"request", R"({"command":"frobnicate"})"});
        CHECK(unknown_command.output.find("unknown_command") != std::string::npos);
        const auto wrong_version = ctl.run({"request", R"({"version":2,"command":"status"})"});
        CHECK(wrong_version.output.find("unsupported_version") != std::string::npos);

        // The data-plane commands: unknown names, bad arguments, a walk that stops.
        const auto error_of = [&](const std::vector<std::string>& words) {
            const auto r = ctl.run(words);
            CHECK(r.exit_code == 1);
            return r.output;
        };
        CHECK(error_of({"trace", "nope", "10.0.2.1"}).find("unknown_node") != std::string::npos);
        CHECK(error_of({"trace", "b", "nowhere"}).find("unknown_destination") != std::string::npos);
        CHECK(error_of({"link", "down", "a", "b"}).find("unknown_link") != std::string::npos);
        CHECK(error_of({"link", "down", "no-such-link"}).find("unknown_link") != std::string::npos);
        CHECK(error_of({"show", "fib", "nope"}).find("unknown_node") != std::string::npos);
        CHECK(error_of({"request", R"({"command":"trace","from":"b"})"}).find("missing_argument") != std::string::npos);
        CHECK(error_of({"request", R"({"command":"converged","quiet_ms":"soon"})"}).find("bad_argument") != std::string::npos);
        CHECK(error_of({"request", R"({"command":"link","action":"sideways","link":"x"})"}).find("bad_argument") != std::string::npos);
        CHECK(ctl.run({"link", "sideways", "a", "b"}).exit_code == 2);
        // b's default route points into its "lan" interface, which no link joins.
        const auto stuck = ctl.result({"trace", "b", "10.0.2.99"});
        const auto& path = stuck.at("paths").as_array().at(0);
        CHECK(path.at("verdict") == "unreachable");
        CHECK(std::string(path.at("reason").as_string()).find("interface lan of b has no link up") != std::string::npos);
        // The triangle is settled: wait converged returns at once.
        CHECK(ctl.run({"wait", "converged", "--timeout", "20"}).exit_code == 0);

        CHECK(unix_socket_exchange(ctl.socket, "{not json\n").find("bad_request") != std::string::npos);
        CHECK(unix_socket_exchange(ctl.socket, "[1,2]\n").find("bad_request") != std::string::npos);
        CHECK(unix_socket_exchange(ctl.socket, std::string(100000, 'x')).find("request_too_long") != std::string::npos);

        // Many clients at once, and the daemon is still there with its sessions up.
        std::vector<std::thread> clients;
        std::atomic<int> good{0};
        for (int i = 0; i < 8; ++i)
            clients.emplace_back([&] {
                if (ctl.run({"status"}).exit_code == 0) ++good;
            });
        for (auto& t : clients) t.join();
        CHECK(good == 8);
        CHECK(daemon.running());
        CHECK(ctl.session_state("a", "b") == "Established");
    }

    // SIGTERM: Cease to every peer, the socket file removed, exit 0.
    daemon.signal(SIGTERM);
    CHECK(daemon.wait_exit(10s) == std::optional<int>(0));
    CHECK_FALSE(std::filesystem::exists(ctl.socket));
}

}  // namespace bgpemu::test

namespace bgpemu::test {
namespace {

// Two speakers x and y; `version` 2 adds policy on both sides, a network and a third
// speaker z; version 3 is broken; version 4 drops z again.
std::string reload_yaml(unsigned short port, int version) {
    const auto p = std::to_string(port);
    std::ostringstream y;
    const auto neighbor = [&](const char* name, const char* address, const char* asn, const char* extra = "") {
        y << "      - {name: " << name << ", address: " << address << ":" << p << ", asn: " << asn
          << ", hold_time: 9, connect_retry: 1" << extra << "}\n";
    };
    if (version == 3) y << "colour: blue\n";
    y << "speakers:\n"
      << "  - name: x\n    asn: 65010\n    router_id: 10.0.0.12\n    ebgp_requires_policy: false\n"
      << "    listen: 127.0.0.12:" << p << "\n"
      << "    networks: [198.51.100.0/24, 198.51.101.0/24" << (version >= 2 ? ", 198.51.102.0/24" : "") << "]\n";
    if (version >= 2)
        y << "    policy:\n      prefix_lists:\n        some:\n"
          << "          - {action: permit, prefix: 198.51.100.0/24}\n"
          << "          - {action: permit, prefix: 198.51.102.0/24}\n";
    y << "    neighbors:\n";
    neighbor("y", "127.0.0.13", "65020", version >= 2 ? ", prefix_list_out: some" : "");
    y << "  - name: y\n    asn: 65020\n    router_id: 10.0.0.13\n    ebgp_requires_policy: false\n"
      << "    listen: 127.0.0.13:" << p << "\n";
    if (version >= 2)
        y << "    policy:\n      route_maps:\n        from-x:\n          - {action: permit, set: {local_pref: 300}}\n";
    y << "    neighbors:\n";
    neighbor("x", "127.0.0.12", "65010", version >= 2 ? ", route_map_in: from-x" : "");
    if (version == 2 || version == 3) {
        neighbor("z", "127.0.0.14", "65030");
        y << "  - name: z\n    asn: 65030\n    router_id: 10.0.0.14\n    ebgp_requires_policy: false\n"
          << "    listen: 127.0.0.14:" << p << "\n    neighbors:\n";
        neighbor("y", "127.0.0.13", "65020");
    }
    return y.str();
}

}  // namespace

TEST_CASE("reload applies a changed configuration without resetting unaffected sessions", "[integration][admin][reload]") {
    TempDir dir("bgpemu-reload");
    const auto config = dir.path() / "topology.yaml";
    const auto port = test_port(6);
    write_file(config, reload_yaml(port, 1));
    const Ctl ctl{dir.path() / "admin.sock"};
    ChildProcess daemon({BGPEMU_BGPEMUD_PATH, "--config", config.string(), "--socket", ctl.socket.string(),
                         "--log-level", "debug"},
                        dir.path() / "bgpemud.log");
    REQUIRE(wait_until([&] { return std::filesystem::exists(ctl.socket); }, 10s));
    REQUIRE(wait_until([&] { return ctl.paths("y", "198.51.101.0/24").size() == 1; }, 30s));
    const auto established_count = [&](const std::string& node, const std::string& peer) {
        const auto sessions = ctl.result({"show", "sessions", node});
        for (const auto& s : sessions.at("sessions").as_array())
            if (s.at("peer").as_string() == peer) return s.at("established_count").to_number<int>();
        return -1;
    };
    REQUIRE(established_count("y", "x") == 1);

    // Version 2: export and import policy on the x-y session, a new network, a new speaker.
    write_file(config, reload_yaml(port, 2));
    const auto reloaded = ctl.result({"reload"});
    std::string changes;
    for (const auto& change : reloaded.at("changes").as_array()) changes += std::string(change.as_string()) + "\n";
    INFO("changes:\n" << changes);
    CHECK(changes.find("x: network 198.51.102.0/24 originated") != std::string::npos);
    CHECK(changes.find("y: neighbor x: policy re-applied (route refresh requested)") != std::string::npos);
    CHECK(changes.find("y: neighbor z added") != std::string::npos);
    CHECK(changes.find("speaker z added") != std::string::npos);
    // The export prefix list withdraws .101; .102 arrives; the import route map, applied
    // through a route refresh, sets local-pref 300; the session was never reset.
    CHECK(wait_until([&] { return ctl.paths("y", "198.51.101.0/24").empty(); }, 20s));
    CHECK(wait_until([&] { return ctl.paths("y", "198.51.102.0/24").size() == 1; }, 20s));
    CHECK(wait_until(
        [&] {
            const auto paths = ctl.paths("y", "198.51.100.0/24");
            return paths.size() == 1 && paths[0].at("local_pref") == 300;
        },
        20s));
    CHECK(established_count("y", "x") == 1);
    CHECK(wait_until([&] { return ctl.session_state("z", "y") == "Established"; }, 30s));
    CHECK(wait_until([&] { return ctl.paths("z", "198.51.100.0/24").size() == 1; }, 20s));

    // Version 3 is broken: refused with the file's errors, nothing changes.
    write_file(config, reload_yaml(port, 3));
    const auto refused = ctl.run({"reload"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.output.find("config_invalid") != std::string::npos);
    CHECK(refused.output.find("unknown key 'colour'") != std::string::npos);
    CHECK(ctl.session_state("z", "y") == "Established");
    CHECK(ctl.paths("y", "198.51.102.0/24").size() == 1);

    // Version 4 through SIGHUP: z goes, with y's session to it.
    write_file(config, reload_yaml(port, 4));
    daemon.signal(SIGHUP);
    CHECK(wait_until([&] { return ctl.result({"status"}).at("speakers").as_array().size() == 2; }, 20s));
    CHECK(ctl.session_state("y", "z") == "unknown");  // no such neighbour any more
    CHECK(established_count("y", "x") == 1);
    CHECK(ctl.paths("y", "198.51.100.0/24").size() == 1);
    daemon.signal(SIGTERM);
    CHECK(daemon.wait_exit(10s) == std::optional<int>(0));
}

}  // namespace bgpemu::test

// ---- The command table ------------------------------------------------------------------------

namespace bgpemu::test {

TEST_CASE("one command table: each command has a handler, a printer and a schema, and bgpemuctl's usage comes from it",
          "[admin][table]") {
    namespace json = boost::json;
    const std::filesystem::path schema_dir = std::filesystem::path(BGPEMU_SOURCE_DIR) / "daemon/admin/schemas/v1";
    std::vector<std::unique_ptr<bgp::Speaker>> no_speakers;
    daemon::AdminCommands commands(no_speakers, "topology.yaml");  // throws when table and handlers differ
    std::set<std::string> names;
    std::set<std::string> schemas{std::string(daemon::success_envelope_schema), std::string(daemon::error_schema)};
    for (const auto& command : daemon::command_table()) {
        INFO("command \"" << command.name << "\"");
        CHECK(names.insert(std::string(command.name)).second);
        CHECK(commands.handles(command.name));
        CHECK(daemon::ctl::printer_for(command.name) != nullptr);
        CHECK(std::filesystem::is_regular_file(schema_dir / command.schema));
        schemas.insert(std::string(command.schema));
        CHECK_FALSE(command.help.empty());
        REQUIRE_FALSE(command.forms.empty());
        // Every word of the syntax fills a key the command takes.
        for (const auto& form : command.forms)
            for (const auto& positional : form) CHECK(command.argument(positional.key) != nullptr);
        for (const auto& option : command.options) CHECK(command.argument(option.key) != nullptr);
        // The daemon dispatches it: a bare request is answered, or refused for what it
        // lacks, never as an unknown command; a required key missing is named.
        const auto reply = commands.handle(json::object{{"version", 1}, {"command", command.name}});
        if (reply.at("ok") == false) CHECK(reply.at("error").at("code") != "unknown_command");
        for (const auto& argument : command.arguments)
            if (argument.required) CHECK(reply.at("error").at("code") == "missing_argument");
    }
    CHECK_FALSE(commands.handles("frobnicate"));
    CHECK(daemon::ctl::printer_for("frobnicate") == nullptr);
    const auto unknown = commands.handle(json::object{{"command", "frobnicate"}});
    CHECK(unknown.at("error").at("code") == "unknown_command");
    CHECK(std::string(unknown.at("error").at("message").as_string()).find(daemon::command_names()) != std::string::npos);
    // Every schema file is a command's reply or an envelope.
    std::set<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(schema_dir)) files.insert(entry.path().filename().string());
    CHECK(files == schemas);

    // bgpemuctl --help is the table's usage, every form of every command in it.
    const auto help = run_command({BGPEMU_BGPEMUCTL_PATH, "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.output == daemon::ctl::usage_text());
    for (const auto& command : daemon::command_table())
        for (const auto& line : daemon::usage_lines(command)) {
            INFO(line);
            CHECK(help.output.find("\n  " + line) != std::string::npos);
        }
    CHECK(daemon::usage_lines(*daemon::find_command("show rib")) ==
          std::vector<std::string>{"show rib NODE [PREFIX] [--in PEER | --out PEER]"});
    CHECK(daemon::usage_lines(*daemon::find_command("show fib")) == std::vector<std::string>{"show fib NODE [ADDRESS [SOURCE]]"});
    CHECK(daemon::usage_lines(*daemon::find_command("link")) ==
          std::vector<std::string>{"link down|up LINK", "link down|up A B"});
    CHECK(daemon::usage_lines(*daemon::find_command("check")) == std::vector<std::string>{"check [symmetry] [FROM TO]"});
    // A usage error shows the command's own usage line.
    const auto wrong = run_command({BGPEMU_BGPEMUCTL_PATH, "show", "rib"});
    CHECK(wrong.exit_code == 2);
    CHECK(wrong.output.find("usage: bgpemuctl show rib NODE [PREFIX] [--in PEER | --out PEER]") != std::string::npos);

    // The requests bgpemuctl builds from the table's syntax.
    const auto request = [](std::vector<std::string> words) { return daemon::ctl::parse_command_line(words).request; };
    CHECK(request({"announce", "b", "198.51.100.0/24", "med", "5", "community", "65002:1", "community", "65002:2",
                   "origin", "egp"}) == json::object{{"version", 1},
                                                     {"command", "announce"},
                                                     {"node", "b"},
                                                     {"prefix", "198.51.100.0/24"},
                                                     {"med", 5},
                                                     {"communities", json::array{"65002:1", "65002:2"}},
                                                     {"origin", "egp"}});
    CHECK(request({"announce", "med", "10.0.0.0/8"}) ==  // a node may be called med
          json::object{{"version", 1}, {"command", "announce"}, {"node", "med"}, {"prefix", "10.0.0.0/8"}});
    const auto wait = daemon::ctl::parse_command_line({"wait", "converged", "--timeout", "20", "--quiet", "500"});
    CHECK(wait.request == json::object{{"version", 1}, {"command", "converged"}, {"quiet_ms", 500}});
    CHECK(wait.local == json::object{{"timeout_s", 20}});
    CHECK(request({"check", "symmetry", "a", "b"}) ==
          json::object{{"version", 1}, {"command", "check"}, {"what", "symmetry"}, {"from", "a"}, {"to", "b"}});
    CHECK(request({"link", "down", "x"}) == json::object{{"version", 1}, {"command", "link"}, {"action", "down"}, {"link", "x"}});
    CHECK(request({"link", "up", "a", "b"}) ==
          json::object{{"version", 1}, {"command", "link"}, {"action", "up"}, {"a", "a"}, {"b", "b"}});
    CHECK(request({"show", "fib", "n", "10.0.0.1", "10.0.0.2"}) ==
          json::object{{"version", 1}, {"command", "show fib"}, {"node", "n"}, {"address", "10.0.0.1"}, {"source", "10.0.0.2"}});
    CHECK(request({"trace", "a", "b", "--all-paths", "--source", "10.0.0.9"}) ==
          json::object{{"version", 1}, {"command", "trace"}, {"from", "a"}, {"to", "b"}, {"all_paths", true}, {"source", "10.0.0.9"}});
    CHECK(request({"show", "events", "5"}) == json::object{{"version", 1}, {"command", "show events"}, {"limit", 5}});
    for (const auto& bad : std::vector<std::vector<std::string>>{{"show"},
                                                                 {"session", "restart", "a", "b"},
                                                                 {"link", "sideways", "a", "b"},
                                                                 {"link", "down"},
                                                                 {"check", "a"},
                                                                 {"show", "events", "many"},
                                                                 {"ping", "a", "b", "--all-paths"},
                                                                 {"show", "rib", "a", "--in"},
                                                                 {"status", "now"}}) {
        INFO(bad.front() << " ... (" << bad.size() << " words)");
        CHECK_THROWS_AS(daemon::ctl::parse_command_line(bad), daemon::ctl::UsageError);
    }
}

}  // namespace bgpemu::test

namespace bgpemu::test {
namespace {

// p and q in one AS: q learns p's network over iBGP with an empty AS_PATH, and q's import
// route map gives it a weight and an extended community.
std::string ibgp_yaml(unsigned short port) {
    const auto p = std::to_string(port);
    std::ostringstream y;
    y << "speakers:\n"
      << "  - name: p\n    asn: 65100\n    router_id: 10.0.0.32\n    listen: 127.0.0.32:" << p << "\n"
      << "    networks: [198.18.0.0/24]\n"
      << "    neighbors:\n"
      << "      - {name: q, address: 127.0.0.33:" << p << ", asn: 65100, hold_time: 9, connect_retry: 1}\n"
      << "  - name: q\n    asn: 65100\n    router_id: 10.0.0.33\n    listen: 127.0.0.33:" << p << "\n"
      << "    policy:\n      route_maps:\n        from-p:\n"
      << "          - {action: permit, set: {weight: 300, extended_communities: {add: [\"rt:65100:7\"]}}}\n"
      << "    neighbors:\n"
      << "      - {name: p, address: 127.0.0.32:" << p
      << ", asn: 65100, hold_time: 9, connect_retry: 1, route_map_in: from-p}\n";
    return y.str();
}

// The row of `prefix` in a `show rib` table, split at its blanks.
std::vector<std::string> table_row(const std::string& table, const std::string& prefix) {
    std::istringstream lines(table);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream cells(line);
        std::vector<std::string> row;
        for (std::string cell; cells >> cell;) row.push_back(cell);
        if (row.size() > 1 && row[1] == prefix) return row;
    }
    return {};
}

}  // namespace

TEST_CASE("show rib's table: an empty AS_PATH from an iBGP peer is not a local route; weight and extended communities",
          "[integration][admin]") {
    TempDir dir("bgpemu-admin-ibgp");
    const auto config = dir.path() / "ibgp.yaml";
    write_file(config, ibgp_yaml(test_port(7)));
    const Ctl ctl{dir.path() / "admin.sock"};
    ChildProcess daemon({BGPEMU_BGPEMUD_PATH, "--config", config.string(), "--socket", ctl.socket.string()},
                        dir.path() / "bgpemud.log");
    REQUIRE(wait_until([&] { return std::filesystem::exists(ctl.socket); }, 10s));
    const bool learned = wait_until([&] { return ctl.paths("q", "198.18.0.0/24").size() == 1; }, 30s);
    if (!learned) UNSCOPED_INFO(read_file(dir.path() / "bgpemud.log"));
    REQUIRE(learned);
    const auto path = ctl.paths("q", "198.18.0.0/24")[0].as_object();
    CHECK(path.at("from") == "p");
    CHECK(path.at("as_path") == "");
    CHECK(path.at("weight") == 300);
    CHECK(path.at("extended_communities") == json::array{"rt:65100:7"});

    // FRR's columns: the AS path then the origin code, so an empty path is the code alone.
    const auto learned_table = ctl.run({"show", "rib", "q"}, false);
    INFO(learned_table.output);
    CHECK(learned_table.output.find("WEIGHT") != std::string::npos);
    CHECK(learned_table.output.find("EXT COMMUNITIES") != std::string::npos);
    CHECK(learned_table.output.find("(local)") == std::string::npos);
    CHECK(table_row(learned_table.output, "198.18.0.0/24") ==
          std::vector<std::string>{"*", "198.18.0.0/24", "p", "i", "127.0.0.32", "100", "-", "300", "-", "rt:65100:7"});
    // p's own origination keeps "(local)".
    const auto own_table = ctl.run({"show", "rib", "p"}, false);
    INFO(own_table.output);
    CHECK(table_row(own_table.output, "198.18.0.0/24") ==
          std::vector<std::string>{"*", "198.18.0.0/24", "local", "(local)", "i", "self", "-", "-", "0", "-", "-"});

    daemon.signal(SIGTERM);
    CHECK(daemon.wait_exit(10s) == std::optional<int>(0));
}

}  // namespace bgpemu::test
