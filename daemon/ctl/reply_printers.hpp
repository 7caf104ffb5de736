// bgpemuctl's tables: one printer per command of the command table, turning the
// daemon's reply into what a person reads (bgpemuctl --json prints the reply as it is).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace bgpemu::daemon::ctl {

struct PrintContext {
    const boost::json::object& request;  // what was sent
    const boost::json::object& local;    // bgpemuctl's own arguments (`--expect FILE`)
    bool polled = false;                 // asked again until done, for this long:
    std::int64_t poll_seconds = 0;
};

// Prints `result` (the reply's "result") to stdout; returns bgpemuctl's exit status
// (0, or 1 where the answer itself is a failure: not reachable, not converged, a problem found).
using Printer = int (*)(const boost::json::object& result, const PrintContext& context);

// A matrix cell (of the `matrix` reply) as its grid shows it: "-" unreachable, else how
// it gets there (ER, VPN, peering, direct), and how the other side's probe comes back
// when that differs ("ER/VPN"). Scenario files compare cells with it too.
[[nodiscard]] std::string matrix_label(const boost::json::object& cell);

// The printer for a command of the table; null for a name it does not have.
[[nodiscard]] Printer printer_for(std::string_view command);

}  // namespace bgpemu::daemon::ctl
