// What changes between two topology files, as a running daemon shows it: every cell of
// the reachability matrix, every node's best paths, the asymmetric pairs, the sessions
// that are up. `bgpemuctl diff FILE` (and `bgpemud A --diff B`) takes the outcome of the
// daemon's file, reloads FILE, takes its outcome, reloads the first file again and prints
// what changed.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "daemon/ctl/scenario.hpp"

namespace bgpemu::daemon::ctl {

struct DesignOutcome {
    std::map<std::string, std::string> cells;  // "FROM -> TO" -> matrix label (by host)
    std::map<std::string, std::string> best;   // "NODE PREFIX" -> its best path, as text
    std::map<std::string, std::string> pairs;  // "A <-> B" -> check symmetry's verdict, for the problem ones
    std::set<std::string> sessions_up;         // "NODE - PEER"
};

[[nodiscard]] std::optional<DesignOutcome> take_outcome(const Exchange& exchange, std::string& why);
// Each change from `before` to `after`, one line each.
[[nodiscard]] std::vector<std::string> outcome_changes(const DesignOutcome& before, const DesignOutcome& after);

// The whole `diff`: returns bgpemuctl's exit status (0; 1 when something changed and
// `fail_on_change`, or a file did not converge; 2 when FILE is refused; 3 when the
// daemon cannot be reached).
[[nodiscard]] int run_diff(const Exchange& exchange, const std::string& other_file, bool fail_on_change,
                           unsigned converge_timeout_s, std::ostream& out);

}  // namespace bgpemu::daemon::ctl
