// The routers an integration test runs: our daemon, FRR's bgpd and BIRD 2, each a real
// process on a loopback address, configured from a small description and queried
// through its own CLI (vtysh, birdc), so a test sees what the router itself believes.
//
// Every query returns a normalised ObservedRoute, so one assertion reads the same for
// FRR and for BIRD: "198.51.100.0/24 has AS path 65000 65011 and next hop 127.0.0.2".
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "process.hpp"

namespace bgpemu::test {

// One route as a router shows it (its best path).
struct ObservedRoute {
    std::string as_path;                  // "65000 65011"; "" for an empty path
    std::string next_hop;                 // "127.0.0.2"
    std::optional<std::uint32_t> med;
    std::optional<std::uint32_t> local_pref;
    std::vector<std::string> communities;        // "65011:100", sorted
    std::vector<std::string> large_communities;  // "65011:1:1", sorted
};

// A BGP neighbour as the test describes it to FRR or BIRD.
struct TestNeighbor {
    std::string address;  // the neighbour's address (a bgpemu speaker)
    unsigned short port = 179;
    std::uint32_t asn = 0;
    // With default initialisers, {address, port, asn} stays a complete initialiser.
    std::string password{};          // TCP-MD5 key (RFC 2385); empty: none
    unsigned ttl_security_hops = 0;  // FRR only: GTSM (RFC 5082) instead of ebgp-multihop; 0: off
};

// A prefix the router originates, with the attributes it attaches.
struct TestNetwork {
    std::string prefix;
    std::optional<std::uint32_t> med;
    std::vector<std::string> communities;        // "65011:100"
    std::vector<std::string> large_communities;  // "65011:1:1"
};

struct TestRouterConfig {
    std::string address;  // listen and source address, 127.0.0.x
    unsigned short port = 0;
    std::uint32_t asn = 0;
    std::string router_id;
    std::vector<TestNeighbor> neighbors;
    std::vector<TestNetwork> networks;
    // FRR only: lines for the `address-family ipv4 unicast` block ("neighbor A route-map
    // M in"), and lines appended to bgpd.conf (the route maps and lists they name).
    std::vector<std::string> address_family_lines;
    std::string extra_config;
};

// FRR's bgpd alone (no zebra, no root services), in its own temporary directory.
class FrrRouter {
public:
    // Starts bgpd; throws if it cannot be started.
    FrrRouter(const TestRouterConfig& config, const std::filesystem::path& work_dir);

    [[nodiscard]] std::string vtysh(const std::vector<std::string>& commands) const;
    [[nodiscard]] std::string session_state(const std::string& neighbor) const;  // "Established", ...
    [[nodiscard]] unsigned established_count(const std::string& neighbor) const;  // times it reached Established
    // UPDATE messages exchanged with `neighbor`: `direction` is "updatesSent" or
    // "updatesRecv" (FRR's messageStats); nullopt when FRR does not say.
    [[nodiscard]] std::optional<std::uint32_t> update_count(const std::string& neighbor, const char* direction) const;
    [[nodiscard]] std::optional<ObservedRoute> route(const std::string& prefix) const;
    void withdraw_network(const std::string& prefix) const;
    // Originates `prefix`: with its configured attributes if it is one of the config's
    // networks, as a plain `network` statement otherwise.
    void announce_network(const std::string& prefix) const;
    void clear_session(const std::string& neighbor) const;
    [[nodiscard]] ChildProcess& process() noexcept { return process_; }
    [[nodiscard]] std::string log() const { return read_file(log_file_); }

private:
    [[nodiscard]] std::optional<boost::json::object> neighbor_json(const std::string& neighbor) const;

    TestRouterConfig config_;
    std::filesystem::path dir_;
    std::filesystem::path log_file_;
    ChildProcess process_;
};

// BIRD 2 with one `protocol bgp` per neighbour (named n0, n1, ...) and a static protocol
// `static_routes` for its networks.
class BirdRouter {
public:
    BirdRouter(const TestRouterConfig& config, const std::filesystem::path& work_dir);

    [[nodiscard]] std::string birdc(const std::string& command) const;
    // The state of `protocol bgp n<index>`: "Established", "Connect", ...
    [[nodiscard]] std::string session_state(std::size_t neighbor_index) const;
    [[nodiscard]] std::optional<ObservedRoute> route(const std::string& prefix) const;
    void disable_originate() const;  // withdraws every network
    void enable_originate() const;
    void restart_session(std::size_t neighbor_index) const;
    [[nodiscard]] ChildProcess& process() noexcept { return process_; }
    [[nodiscard]] std::string log() const { return read_file(log_file_); }

private:
    TestRouterConfig config_;
    std::filesystem::path dir_;
    std::filesystem::path log_file_;
    ChildProcess process_;
};

// One route of `birdc show route all`, as BIRD prints it: the prefix, the protocol
// that brought it, whether it is BIRD's best (`*`), and its BGP attributes (as_path,
// next_hop, local_pref, med; empty for a route that carries none).
struct BirdTableRoute {
    std::string prefix;
    std::string protocol;
    bool best = false;
    ObservedRoute attributes;
};
// Every route of a `show route all` output, in its order (all of a prefix's routes, not
// only the best), for tests that run BIRD with a configuration of their own.
[[nodiscard]] std::vector<BirdTableRoute> parse_bird_routes(const std::string& show_route_all);

// bgpemud on a YAML configuration written by the test.
// The best path of the first route in a `show rib` reply's result, as an ObservedRoute.
[[nodiscard]] std::optional<ObservedRoute> best_route_of_rib_reply(const std::string& bgpemuctl_json_output);

class BgpemuDaemon {
public:
    // Starts bgpemud on `yaml` with its admin socket in `work_dir`; throws if the socket
    // does not appear.
    // `extra_args` go to bgpemud after the file and socket (`--site NAME`); `launcher`
    // before it (`ip netns exec NS`).
    BgpemuDaemon(const std::string& yaml, const std::filesystem::path& work_dir,
                 const std::vector<std::string>& extra_args = {}, const std::vector<std::string>& launcher = {});
    [[nodiscard]] const std::filesystem::path& socket() const noexcept { return socket_; }
    // `bgpemuctl --json WORDS...` against this daemon.
    [[nodiscard]] CommandResult ctl(const std::vector<std::string>& words) const;
    // The same, as a person reads it (bgpemuctl's tables, without --json).
    [[nodiscard]] CommandResult ctl_text(const std::vector<std::string>& words,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
    // `node`'s best path for `prefix`, and the FSM state of its session with `peer`
    // ("unknown" when there is none).
    [[nodiscard]] std::optional<ObservedRoute> route(const std::string& node, const std::string& prefix) const;
    [[nodiscard]] std::string session_state(const std::string& node, const std::string& peer) const;
    // A counter of `show sessions` (updates_in, updates_out, ...) of `node`'s session with `peer`.
    [[nodiscard]] std::optional<std::uint32_t> session_counter(const std::string& node, const std::string& peer,
                                                               const char* key) const;
    // `bgpemuctl wait converged`: every session up, nothing waiting to be sent, nothing
    // changed for 200 ms; false after `limit`.
    [[nodiscard]] bool converged(std::chrono::seconds limit = std::chrono::seconds(30)) const;
    [[nodiscard]] ChildProcess& process() noexcept { return process_; }
    [[nodiscard]] std::string log() const { return read_file(log_file_); }
    // How many times the log says the session with `neighbor` reached Established.
    [[nodiscard]] unsigned established_count(const std::string& neighbor) const;

private:
    [[nodiscard]] std::optional<boost::json::object> session_json(const std::string& node, const std::string& peer) const;

    std::filesystem::path log_file_;
    std::filesystem::path socket_;
    ChildProcess process_;
};

// The paths of the programs, or nullopt when one is not installed.
[[nodiscard]] std::optional<std::filesystem::path> frr_bgpd_path();
[[nodiscard]] std::optional<std::filesystem::path> bird_path();

// Renders a route for failure messages.
[[nodiscard]] std::string to_string(const std::optional<ObservedRoute>& route);

// Joins `items` with `separator` ("65000:1 65000:2").
[[nodiscard]] std::string join(const std::vector<std::string>& items, const std::string& separator);
[[nodiscard]] std::vector<std::string> strings(std::initializer_list<const char*> items);

// Polls `lookup` (a router's view of one prefix) until it finds a route, or until it
// finds none; bounded by `timeout`.
using RouteLookup = std::function<std::optional<ObservedRoute>()>;
[[nodiscard]] std::optional<ObservedRoute> wait_for_route(const RouteLookup& lookup,
                                                          std::chrono::milliseconds timeout = std::chrono::seconds(20));
[[nodiscard]] bool wait_for_no_route(const RouteLookup& lookup,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace bgpemu::test
