// Started as root with `daemon: {user: nobody}`, bgpemud binds port 179 and its admin
// socket, then runs as nobody with CAP_NET_BIND_SERVICE alone (read back from
// /proc/PID/status), still brings its sessions up, hands the admin socket to the user,
// and can still add a speaker on port 179 in a reload. Its main skips (77) unless the
// test runs as root.
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <sstream>

#include "process.hpp"

namespace bgpemu::test {
namespace {

using namespace std::chrono_literals;

// The value of one "Key:\tvalue" line of /proc/PID/status ("" when missing).
std::string proc_status(pid_t pid, const std::string& key) {
    std::istringstream lines(read_file("/proc/" + std::to_string(pid) + "/status"));
    std::string line;
    while (std::getline(lines, line))
        if (line.rfind(key + ":", 0) == 0) {
            const auto value = line.find_first_not_of(" \t", key.size() + 1);
            return value == std::string::npos ? std::string() : line.substr(value);
        }
    return {};
}

// Speakers on their own 127.77.N.x addresses (N from the pid), so that port 179 is free.
std::string config_yaml(const std::string& net, unsigned short port, bool with_c) {
    std::ostringstream y;
    y << "daemon:\n  user: nobody\n"
      << "speakers:\n"
      << "  - name: a\n    asn: 65001\n    router_id: 10.0.0.1\n    listen: " << net << ".2:179\n"
      << "    ebgp_requires_policy: false\n    networks: [192.0.2.0/24]\n    neighbors:\n"
      << "      - {name: b, address: \"" << net << ".3:" << port << "\", asn: 65002, hold_time: 9, connect_retry: 1}\n";
    if (with_c)
        y << "      - {name: c, address: \"" << net << ".4:179\", asn: 65003, hold_time: 9, connect_retry: 1}\n";
    y << "  - name: b\n    asn: 65002\n    router_id: 10.0.0.2\n    listen: " << net << ".3:" << port << "\n"
      << "    ebgp_requires_policy: false\n    neighbors:\n"
      << "      - {name: a, address: \"" << net << ".2:179\", asn: 65001, hold_time: 9, connect_retry: 1}\n";
    if (with_c)
        y << "  - name: c\n    asn: 65003\n    router_id: 10.0.0.3\n    listen: " << net << ".4:179\n"
          << "    ebgp_requires_policy: false\n    neighbors:\n"
          << "      - {name: a, address: \"" << net << ".2:179\", asn: 65001, hold_time: 9, connect_retry: 1}\n";
    return y.str();
}

std::string session_state(const std::filesystem::path& socket, const std::string& node, const std::string& peer) {
    const auto reply = run_command({BGPEMU_BGPEMUCTL_PATH, "--socket", socket.string(), "--json", "show", "sessions", node}, 10s);
    boost::json::error_code error;
    const auto value = boost::json::parse(reply.output, error);
    if (error || !value.is_object() || !value.as_object().contains("result")) return "unknown";
    for (const auto& s : value.at("result").at("sessions").as_array())
        if (s.at("peer").as_string() == peer) return std::string(s.at("state").as_string());
    return "unknown";
}

TEST_CASE("started as root, the daemon binds port 179 and then runs as nobody with one capability") {
    const passwd* nobody = ::getpwnam("nobody");
    REQUIRE(nobody != nullptr);
    TempDir dir("bgpemu-privileges");  // mode 0777: the user can read the file and remove the socket
    const auto config = dir.path() / "privileges.yaml";
    const auto socket = dir.path() / "bgpemud.sock";
    const auto net = "127.77." + std::to_string(::getpid() % 250 + 1);
    const auto port = test_port(5);
    write_file(config, config_yaml(net, port, false));
    ChildProcess daemon({BGPEMU_BGPEMUD_PATH, config.string(), "--socket", socket.string()}, dir.path() / "bgpemud.log");
    REQUIRE(wait_until([&] { return session_state(socket, "a", "b") == "Established"; }, 20s));
    INFO(read_file(dir.path() / "bgpemud.log"));

    const auto uid = std::to_string(nobody->pw_uid);
    CHECK(proc_status(daemon.pid(), "Uid") == uid + "\t" + uid + "\t" + uid + "\t" + uid);
    CHECK(proc_status(daemon.pid(), "CapEff") == "0000000000000400");  // CAP_NET_BIND_SERVICE (10) alone
    CHECK(proc_status(daemon.pid(), "CapPrm") == "0000000000000400");
    CHECK(proc_status(daemon.pid(), "CapBnd") == "0000000000000400");
    CHECK(proc_status(daemon.pid(), "NoNewPrivs") == "1");
    struct stat socket_stat {};
    REQUIRE(::stat(socket.c_str(), &socket_stat) == 0);
    CHECK(socket_stat.st_uid == nobody->pw_uid);
    CHECK(read_file(dir.path() / "bgpemud.log").find("running as user nobody") != std::string::npos);

    // A reload adds a speaker on port 179: the kept capability is what lets it bind.
    write_file(config, config_yaml(net, port, true));
    const auto reload = run_command({BGPEMU_BGPEMUCTL_PATH, "--socket", socket.string(), "reload"}, 15s);
    INFO(reload.output);
    CHECK(reload.exit_code == 0);
    CHECK(reload.output.find("speaker c added") != std::string::npos);
    CHECK(wait_until([&] { return session_state(socket, "c", "a") == "Established"; }, 20s));
    CHECK(session_state(socket, "a", "b") == "Established");

    // Exit as usual; the socket, owned by the user in a directory it may write, goes too.
    daemon.signal(SIGTERM);
    CHECK(daemon.wait_exit(10s) == std::optional<int>(0));
    CHECK_FALSE(std::filesystem::exists(socket));
}

TEST_CASE("a daemon.user that does not exist stops the daemon before it runs anything") {
    TempDir dir("bgpemu-privileges-bad");
    const auto config = dir.path() / "bad-user.yaml";
    const auto net = "127.78." + std::to_string(::getpid() % 250 + 1);
    auto yaml = config_yaml(net, test_port(6), false);
    yaml.replace(yaml.find("user: nobody"), 12, "user: no-such-user-bgpemu");
    write_file(config, yaml);
    ChildProcess daemon({BGPEMU_BGPEMUD_PATH, config.string(), "--socket", (dir.path() / "s.sock").string()},
                        dir.path() / "bgpemud.log");
    CHECK(daemon.wait_exit(10s) == std::optional<int>(1));
    CHECK(read_file(dir.path() / "bgpemud.log").find("no such user 'no-such-user-bgpemu' (daemon.user)") !=
          std::string::npos);
}

}  // namespace
}  // namespace bgpemu::test
