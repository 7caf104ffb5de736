// Reading a request's keys for the command handlers: the checks the command table
// allows for every command (present when required, of the declared JSON type, one of
// the choices), and the typed readers the handlers use. A failure is a CommandError,
// whose code and message make the error reply.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "bgp/wire/ip.hpp"
#include "daemon/admin/command_table.hpp"

namespace bgpemu::daemon {

// A request that cannot be carried out: the reply's error code and message.
struct CommandError : std::runtime_error {
    CommandError(std::string error_code, const std::string& message)
        : std::runtime_error(message), code(std::move(error_code)) {}
    std::string code;
};

// Throws missing_argument or bad_argument for the first key that breaks `command`'s
// table entry; keys the entry does not name are left alone.
void check_arguments(const CommandDescriptor& command, const boost::json::object& request);

[[nodiscard]] const boost::json::value* field(const boost::json::object& request, std::string_view key);
[[nodiscard]] std::string required_string(const boost::json::object& request, std::string_view key);
[[nodiscard]] std::optional<std::string> optional_string(const boost::json::object& request, std::string_view key);
[[nodiscard]] bool optional_bool(const boost::json::object& request, std::string_view key);
// "prefix": ADDRESS/LENGTH with the host bits zero.
[[nodiscard]] bgp::Prefix required_prefix(const boost::json::object& request);
[[nodiscard]] bgp::IpAddress required_address(const boost::json::object& request, std::string_view key);

}  // namespace bgpemu::daemon
