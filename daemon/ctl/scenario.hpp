// A scenario file: steps, each a bgpemuctl command line (a link failing, a session shut,
// a reload, an announcement...), and the expectations checked after it (reachable
// pairs, the path of a trace, a node's best path, a VNet's effective route, symmetry,
// the reachability matrix). `bgpemuctl verify FILE` runs one against a running bgpemud
// and reports every expectation, as text, JSON or JUnit XML (doc/guide/scenarios.md).
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <yaml-cpp/yaml.h>

#include "daemon/ctl/command_line.hpp"

namespace bgpemu::daemon::ctl {

struct Expectation {
    std::string kind;  // reachable, unreachable, trace, best, effective_route, symmetric, established, matrix
    std::string text;  // how the report names it: "reachable loc1-vm -> hub-vm"
    YAML::Node node;
    unsigned line = 0;
};

struct Step {
    std::string name;
    unsigned line = 0;
    std::optional<CommandLine> command;  // `do:`, parsed as bgpemuctl would
    std::string command_text;
    std::optional<unsigned> wait_ms;
    bool converge = true;  // wait for convergence after the command
    // Asserted only when given: convergence is measured and reported for every step, but
    // on a shared machine its time is noise unless the scenario asks for a bound.
    std::optional<unsigned> converge_within_ms;
    std::vector<Expectation> expect;
};

struct Scenario {
    std::string file;
    std::string name;
    unsigned converge_timeout_s = 60;
    std::vector<Step> steps;
};

// Reads and checks a scenario before anything runs; every problem "FILE:LINE:COLUMN:
// message" in `errors`.
[[nodiscard]] Scenario read_scenario(const std::string& path, std::vector<std::string>& errors);
// The same from text held in memory, named `path` in the errors.
[[nodiscard]] Scenario read_scenario_text(const std::string& yaml, const std::string& path, std::vector<std::string>& errors);

// The names the scenario's expectations use (hosts, nodes, VNets) that are not among
// `known` (a running daemon's status: its nodes and VNets); each "FILE:LINE:COLUMN:
// unknown ...". Addresses are not names.
[[nodiscard]] std::vector<std::string> unknown_names(const Scenario& scenario, const std::vector<std::string>& known);

struct Outcome {
    std::string step;
    std::string expectation;  // empty for the step's own command
    unsigned line = 0;
    bool passed = false;
    std::string detail;       // what was seen (and expected, when it failed)
};

// Sends one request; the reply's "result", or nullopt with `error` set (a refusal is
// {"error": ...} in the returned value's place: see run_scenario).
using Exchange = std::function<std::optional<boost::json::value>(const boost::json::object& request, std::string& error)>;

// unknown_names against the daemon `exchange` reaches.
[[nodiscard]] std::vector<std::string> check_names_against_daemon(const Scenario& scenario, const Exchange& exchange);

// Runs every step and checks every expectation, going on after a failure; prints a line
// per outcome to `report` as it goes.
[[nodiscard]] std::vector<Outcome> run_scenario(const Scenario& scenario, const Exchange& exchange, std::ostream& report);

// What steps, scenarios and `diff` share: one request by bgpemuctl's words (its result,
// or the refusal in `why`), and waiting for convergence (false, with what it still
// waits for in `why`, after `timeout_s`; `last_change_ms`, when given, receives when the
// daemon last saw a change, in milliseconds since the epoch).
[[nodiscard]] std::optional<boost::json::object> ask(const Exchange& exchange, const std::vector<std::string>& words, std::string& why);
[[nodiscard]] bool wait_converged(const Exchange& exchange, unsigned timeout_s, std::string& why,
                                  std::int64_t* last_change_ms = nullptr);

// The whole of `verify`: read the file, check its names against the daemon, run it,
// write the summary (or, with `json`, the results as JSON) to `out`, the report lines
// to `out` (to `err` with `json`) and the JUnit XML to `junit` when not empty. Returns
// 0 all passed, 1 one failed, 2 errors in the file (or the JUnit file not written).
[[nodiscard]] int verify_scenario(const std::string& file, const std::string& junit, const Exchange& exchange, bool json,
                                  std::ostream& out, std::ostream& err);

// One request to the daemon listening at `socket_path`, its reply parsed.
[[nodiscard]] Exchange socket_exchange(const std::string& socket_path);

[[nodiscard]] std::string junit_xml(const Scenario& scenario, const std::vector<Outcome>& outcomes);
[[nodiscard]] boost::json::value outcomes_json(const Scenario& scenario, const std::vector<Outcome>& outcomes);

}  // namespace bgpemu::daemon::ctl
