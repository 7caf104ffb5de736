// The admin socket: a Unix-domain stream socket (mode 0660) where each client sends one
// JSON request per line and reads one JSON reply per line (AdminCommands does the work).
//
// One coroutine per client on the daemon's io_context. The limits (AdminLimits, from the
// config's `daemon:` section) bound what clients can hold: a line longer than
// `request_bytes` gets an error reply and the connection is closed, a client beyond
// `clients` is told so and closed, one silent for `idle_timeout` is closed. Nothing a
// client sends can stop the daemon or disturb another client.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "daemon/admin/admin_commands.hpp"
#include "daemon/admin/admin_socket_path.hpp"

namespace bgpemu::daemon {

struct AdminLimits {
    std::size_t clients = 16;
    std::size_t request_bytes = 64 * 1024;
    std::chrono::seconds idle_timeout{300};
    bool operator==(const AdminLimits&) const = default;
};

// The completion of a server's detached coroutine: what it threw is logged as a warning
// with `what`, and goes no further (the server and the daemon go on).
void log_failure(const char* what, std::exception_ptr e);

class AdminServer {
public:
    AdminServer(boost::asio::io_context& io, AdminCommands& commands, AdminLimits limits = {});
    // New limits apply to clients that connect from now on (a reload).
    void set_limits(const AdminLimits& limits) { *limits_ = limits; }
    [[nodiscard]] const AdminLimits& limits() const noexcept { return *limits_; }
    // Binds and listens (replacing a stale socket file); returns an error message on failure.
    [[nodiscard]] std::optional<std::string> listen(const std::filesystem::path& path);
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    void stop();
    ~AdminServer();

private:
    boost::asio::io_context& io_;
    AdminCommands& commands_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::filesystem::path path_;
    // Shared with the client coroutines, which may outlive a reload's change of limits.
    std::shared_ptr<AdminLimits> limits_;
    std::shared_ptr<std::size_t> clients_ = std::make_shared<std::size_t>(0);
};

}  // namespace bgpemu::daemon
