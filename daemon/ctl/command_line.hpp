// bgpemuctl's command line: its words turned into one admin request by the command
// table (daemon/admin/command_table.hpp), and its usage text, generated from the same
// table, so that a command added there is typed, sent and explained without more code.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "daemon/admin/command_table.hpp"

namespace bgpemu::daemon::ctl {

// Words that make no request: the message says what is wrong and the usage to follow.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct CommandLine {
    const CommandDescriptor* command = nullptr;  // null for `request JSON` naming no known command
    boost::json::object request;                 // what is sent
    boost::json::object local;                   // the table's local arguments given (not sent)
};

// Throws UsageError.
[[nodiscard]] CommandLine parse_command_line(const std::vector<std::string>& words);

// The whole of `bgpemuctl --help`.
[[nodiscard]] std::string usage_text();

}  // namespace bgpemu::daemon::ctl
