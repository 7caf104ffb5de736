// The HTTP transport of the admin protocol, as pure functions of a request's method,
// target, headers and body, so that they are tested and fuzzed without a socket:
//
//   GET  /api/v1/show/rib?node=hub-ergw&prefix=10.2.30.0/25
//        -> {"version": 1, "command": "show rib", "node": "hub-ergw", "prefix": "10.2.30.0/25"}
//   POST /api/v1/link  {"action": "down", "a": "loc1-ce1", "b": "er1-msee1"}
//        -> {"version": 1, "command": "link", "action": "down", "a": ..., "b": ...}
//
// The path is the command's name with '/' for its spaces; a read (a command that changes
// nothing, by the command table) is a GET with its keys in the query, typed by the table
// (integers, `true`/`false`, a list by repeating its key); a change is a POST with a JSON
// object. The reply is the admin protocol's, with the HTTP status its error code gives.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json.hpp>

#include "daemon/admin/command_table.hpp"

namespace bgpemu::daemon::http {

inline constexpr std::string_view api_prefix = "/api/v1/";

struct ApiError {
    unsigned status = 400;
    std::string code;
    std::string message;
    std::string allow;  // for 405: the method the resource takes
};

struct ApiCall {
    const CommandDescriptor* command = nullptr;
    boost::json::object request;
};

struct Target {
    std::string path;  // percent-decoded
    std::vector<std::pair<std::string, std::string>> query;
};

// "/a%20b?x=1&y" -> {"/a b", {{"x","1"},{"y",""}}}; nullopt on a bad escape, a NUL, or a
// target that is not a path.
[[nodiscard]] std::optional<Target> parse_target(std::string_view target);

// The admin request an /api/v1/ target stands for; `target.path` starts with api_prefix.
[[nodiscard]] std::variant<ApiCall, ApiError> api_call(std::string_view method, const Target& target, std::string_view body);

// 200 for a reply that is ok, else the status its error code maps to.
[[nodiscard]] unsigned status_of(const boost::json::object& reply);

// The admin protocol's error envelope for an HTTP-level refusal.
[[nodiscard]] boost::json::object error_reply(std::string_view code, std::string_view message);

// DNS rebinding: unless the server is meant for other hosts, a request must name a
// loopback host ("localhost", 127.x.y.z, [::1], with or without a port).
[[nodiscard]] bool loopback_host(std::string_view host);
// A browser's Origin for a page of this server: "http://" followed by the request's Host.
[[nodiscard]] bool same_origin(std::string_view origin, std::string_view host);
// The token of "Bearer TOKEN"; nullopt for another scheme.
[[nodiscard]] std::optional<std::string_view> bearer_token(std::string_view authorization);
// Compares in time that depends on the lengths only, not on where they differ.
[[nodiscard]] bool tokens_equal(std::string_view given, std::string_view expected) noexcept;

}  // namespace bgpemu::daemon::http
