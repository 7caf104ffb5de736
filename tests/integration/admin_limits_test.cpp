// The admin socket's limits, set in the config's `daemon:` section: how many clients it
// serves at once, how long a request may be, how long a client may stay silent; and a
// reload that changes them. Raw Unix-socket clients, so that a test can hold a connection
// open without sending anything.
#include <sys/socket.h>
#include <sys/un.h>
#include <signal.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstring>
#include <sstream>

#include "process.hpp"

namespace bgpemu::test {
namespace {

using namespace std::chrono_literals;

// One raw client of the admin socket; closed with the object.
class RawClient {
public:
    explicit RawClient(const std::filesystem::path& socket_path) : fd_(::socket(AF_UNIX, SOCK_STREAM, 0)) {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
        connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    }
    ~RawClient() {
        if (fd_ >= 0) ::close(fd_);
    }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    [[nodiscard]] bool connected() const noexcept { return connected_; }
    bool send(const std::string& bytes) {
        return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
    }
    // The next line (without its newline), or what came before the daemon closed the
    // connection ("" then), waiting at most `timeout`. Sets closed() on end of stream.
    std::string read_line(std::chrono::milliseconds timeout) {
        timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char c = 0;
        std::string line;
        for (;;) {
            const auto n = ::recv(fd_, &c, 1, 0);
            if (n == 0) closed_ = true;
            if (n <= 0 || c == '\n') return line;
            line += c;
        }
    }
    [[nodiscard]] bool closed() const noexcept { return closed_; }

private:
    int fd_;
    bool connected_ = false;
    bool closed_ = false;
};

std::string config_yaml(unsigned short port, unsigned clients, unsigned request_bytes, unsigned idle_s) {
    std::ostringstream y;
    y << "daemon:\n  admin_clients: " << clients << "\n  admin_request_bytes: " << request_bytes
      << "\n  admin_idle_timeout: " << idle_s << "\n"
      << "speakers:\n"
      << "  - name: a\n    asn: 65001\n    router_id: 10.0.0.1\n    listen: 127.0.0.2:" << port << "\n"
      << "    networks: [192.0.2.0/24]\n";
    return y.str();
}

bool is_ok_reply(const std::string& line) {
    boost::json::error_code error;
    const auto value = boost::json::parse(line, error);
    return !error && value.is_object() && value.as_object().contains("ok") && value.at("ok").as_bool();
}

TEST_CASE("admin socket: client count, request size and idle time are limited as configured") {
    TempDir dir("bgpemu-admin-limits");
    const auto config = dir.path() / "limits.yaml";
    const auto socket = dir.path() / "bgpemud.sock";
    const auto port = test_port(3);
    write_file(config, config_yaml(port, 2, 2048, 2));
    ChildProcess daemon({BGPEMU_BGPEMUD_PATH, config.string(), "--socket", socket.string()}, dir.path() / "bgpemud.log");
    REQUIRE(wait_until([&] { return std::filesystem::exists(socket); }, 10s));
    const std::string status = "{\"command\": \"status\"}\n";

    {
        // Two silent clients take both places; a third is told why and closed.
        RawClient first(socket), second(socket);
        REQUIRE(first.connected());
        REQUIRE(second.connected());
        REQUIRE(first.send(status));  // both are being served: each gets its answer
        CHECK(is_ok_reply(first.read_line(5s)));
        REQUIRE(second.send(status));
        CHECK(is_ok_reply(second.read_line(5s)));
        RawClient third(socket);
        REQUIRE(third.connected());
        const auto refusal = third.read_line(5s);
        CHECK(refusal.find("too_many_clients") != std::string::npos);
        CHECK(refusal.find("daemon.admin_clients") != std::string::npos);
        (void)third.read_line(5s);
        CHECK(third.closed());

        // Silent for longer than admin_idle_timeout (2 s): both are closed by the daemon.
        (void)first.read_line(6s);
        CHECK(first.closed());
        (void)second.read_line(6s);
        CHECK(second.closed());
    }
    // Their places are free again.
    CHECK(is_ok_reply(unix_socket_exchange(socket, status)));
    CHECK(daemon.running());
    CHECK(std::filesystem::exists(socket));

    // A request up to admin_request_bytes is served; a longer one is refused with the limit named.
    std::string padded = "{\"command\": \"status\"" + std::string(1500, ' ') + "}\n";
    CHECK(is_ok_reply(unix_socket_exchange(socket, padded)));
    const auto too_long = unix_socket_exchange(socket, std::string(4000, ' ') + "\n");
    CHECK(too_long.find("request_too_long") != std::string::npos);
    CHECK(too_long.find("2048") != std::string::npos);

    // A reload with other limits applies them to new clients.
    write_file(config, config_yaml(port, 3, 8192, 60));
    const auto reload = run_command({BGPEMU_BGPEMUCTL_PATH, "--socket", socket.string(), "reload"}, 15s);
    INFO(reload.output);
    REQUIRE(reload.exit_code == 0);
    CHECK(reload.output.find("admin socket limits") != std::string::npos);
    {
        RawClient first(socket), second(socket), third(socket);
        REQUIRE(third.send(status));
        CHECK(is_ok_reply(third.read_line(5s)));
    }
    CHECK(is_ok_reply(unix_socket_exchange(socket, "{\"command\": \"status\"" + std::string(4000, ' ') + "}\n")));

    // Nothing of this disturbed the daemon.
    daemon.signal(SIGTERM);
    CHECK(daemon.wait_exit(10s) == std::optional<int>(0));
}

TEST_CASE("daemon: section errors name their key and position") {
    TempDir dir("bgpemu-admin-limits-bad");
    const auto config = dir.path() / "bad.yaml";
    write_file(config, "daemon:\n  admin_clients: 0\n  group: wheel\n  admin_timeout: 3\nspeakers: []\n");
    const auto check = run_command({BGPEMU_BGPEMUD_PATH, "--check", config.string()}, 10s);
    INFO(check.output);
    CHECK(check.exit_code == 1);
    CHECK(check.output.find("bad.yaml:2:18: admin_clients") != std::string::npos);
    CHECK(check.output.find("'group' needs a 'user'") != std::string::npos);
    CHECK(check.output.find("unknown key 'admin_timeout'") != std::string::npos);
}

TEST_CASE("open files: a topology that cannot fit the limit is refused with the numbers") {
    TempDir dir("bgpemu-open-files");
    // Thirty speakers in a ring (sixty session ends, thirty listeners) under a hard limit
    // of 100 descriptors: more than fit beside the daemon's own.
    std::string yaml = "speakers:\n";
    const int count = 30;
    for (int i = 0; i < count; ++i) {
        const auto address = [&](int n) { return "127.79.0." + std::to_string(1 + (n + count) % count); };
        yaml += "  - {name: s" + std::to_string(i) + ", asn: " + std::to_string(65000 + i) + ", router_id: 10.0.0." +
                std::to_string(i + 1) + ", listen: '" + address(i) + ":" + std::to_string(test_port(30)) +
                "', ebgp_requires_policy: false, neighbors: [{name: s" + std::to_string((i + 1) % count) + ", address: '" +
                address(i + 1) + ":" + std::to_string(test_port(30)) + "', asn: " + std::to_string(65000 + (i + 1) % count) +
                "}, {name: s" + std::to_string((i + count - 1) % count) + ", address: '" + address(i - 1) + ":" +
                std::to_string(test_port(30)) + "', asn: " + std::to_string(65000 + (i + count - 1) % count) + "}]}\n";
    }
    const auto config = dir.path() / "ring.yaml";
    write_file(config, yaml);
    const auto check = run_command({BGPEMU_BGPEMUD_PATH, "--check", config.string()}, 10s);
    INFO(check.output);
    REQUIRE(check.exit_code == 0);
    const auto refused = run_command({"/bin/sh", "-c", "ulimit -n 100 && exec " + std::string(BGPEMU_BGPEMUD_PATH) + " " +
                                                           config.string() + " --socket " + (dir.path() / "s.sock").string()},
                                     10s);
    INFO(refused.output);
    CHECK(refused.exit_code == 1);
    CHECK(refused.output.find("this topology needs about 154 open files (30 speakers' listeners, 60 session ends") !=
          std::string::npos);
    CHECK(refused.output.find("the limit is 100") != std::string::npos);
}

}  // namespace
}  // namespace bgpemu::test
