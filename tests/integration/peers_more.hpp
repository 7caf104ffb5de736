// Two more real BGP implementations for integration tests, in the style of FrrRouter and
// BirdRouter (routers.hpp): GoBGP 3 (gobgpd, driven through the gobgp CLI over its gRPC
// API) and ExaBGP 4.2 (driven through its process API). Each runs in its own directory
// under the test's TempDir with a generated configuration, on a loopback address, and is
// queried through its own interface, so a test sees what that implementation believes.
// Queries return the ObservedRoute of routers.hpp.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "process.hpp"
#include "routers.hpp"

namespace bgpemu::test {

// gobgpd with a TOML configuration: BGP on config.address:config.port, the gRPC API on
// config.address:api_port (loopback only), pprof off. One neighbour section per
// TestNeighbor (update-source config.address, remote-port neighbor.port, multihop TTL 2,
// timers 3/9, connect retry 1 s). GoBGP has no static routes in its configuration file:
// config.networks are added through the API once gobgpd answers.
//
// GoBGP treats an UPDATE whose NEXT_HOP is a loopback address as a withdrawal ("invalid
// nexthop address"): give the bgpemu neighbour a `next_hop: {ipv4: ...}` outside 127/8.
class GobgpRouter {
public:
    // Starts gobgpd and waits (bounded) until its API answers; throws if it does not.
    GobgpRouter(const TestRouterConfig& config, unsigned short api_port, const std::filesystem::path& work_dir);

    // `gobgp -u ADDRESS -p API_PORT args...`
    [[nodiscard]] CommandResult gobgp(const std::vector<std::string>& args) const;
    // "Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established"; "unknown".
    [[nodiscard]] std::string session_state(const std::string& neighbor) const;
    // The best path of `prefix` in GoBGP's global RIB. A route GoBGP originates itself has
    // an empty AS path and next hop 0.0.0.0.
    [[nodiscard]] std::optional<ObservedRoute> route(const std::string& prefix) const;
    // `global rib add` / `global rib del`; throw when the CLI reports an error.
    void announce_network(const TestNetwork& network) const;
    void withdraw_network(const std::string& prefix) const;
    [[nodiscard]] ChildProcess& process() noexcept { return process_; }
    [[nodiscard]] std::string log() const { return read_file(log_file_); }

private:
    TestRouterConfig config_;
    unsigned short api_port_;
    std::filesystem::path dir_;
    std::filesystem::path log_file_;
    ChildProcess process_;
};

// ExaBGP 4.2, which only connects (exabgp.tcp.bind is empty, so it listens nowhere and
// config.port is unused): the bgpemu neighbour should be `passive: true`. Each
// TestNeighbor is a `neighbor` section (local-address config.address, `connect
// neighbor.port`, hold time 9) announcing config.networks as static routes with next hop
// config.address. Two helper processes of ExaBGP's API:
//   - `receive` appends every message ExaBGP receives (JSON: updates and session state
//     changes) to received.json, which route() and session_state() read back;
//   - `send` feeds ExaBGP the lines the test appends to `commands` (announce_network,
//     withdraw_network, api), through `tail -F`.
// ExaBGP runs its helpers in process groups of their own; they end with ExaBGP (end of
// input for `cat`, `tail --pid` for tail).
class ExabgpRouter {
public:
    ExabgpRouter(const TestRouterConfig& config, const std::filesystem::path& work_dir);

    // ExaBGP's word for the last state change with `neighbor` it reported: "up" (the
    // session is Established), "connected", "down"; "" before the first.
    [[nodiscard]] std::string session_state(const std::string& neighbor) const;
    // A route ExaBGP received and that has not been withdrawn since (nor its session gone down).
    [[nodiscard]] std::optional<ObservedRoute> route(const std::string& prefix) const;
    // One line of ExaBGP's text API, e.g. "withdraw route 192.0.2.0/24 next-hop 127.0.0.72".
    void api(const std::string& command) const;
    void announce_network(const TestNetwork& network) const;
    void withdraw_network(const std::string& prefix) const;
    [[nodiscard]] ChildProcess& process() noexcept { return process_; }
    [[nodiscard]] std::string log() const { return read_file(log_file_); }
    [[nodiscard]] std::string received() const { return read_file(received_file_); }

private:
    TestRouterConfig config_;
    std::filesystem::path dir_;
    std::filesystem::path log_file_;
    std::filesystem::path received_file_;
    std::filesystem::path commands_file_;
    ChildProcess process_;
};

// The paths of the programs, or nullopt when one is not installed.
[[nodiscard]] std::optional<std::filesystem::path> gobgpd_path();
[[nodiscard]] std::optional<std::filesystem::path> gobgp_cli_path();
[[nodiscard]] std::optional<std::filesystem::path> exabgp_path();

}  // namespace bgpemu::test
