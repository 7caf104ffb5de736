// The admin socket: a Unix-domain stream socket (mode 0660) where each client sends one
// JSON request per line and reads one JSON reply per line (AdminCommands does the work).
//
// One coroutine per client on the daemon's io_context. A line longer than
// max_request_bytes gets an error reply and the connection is closed; nothing a client
// sends can stop the daemon or disturb another client.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "daemon/admin_commands.hpp"
#include "daemon/admin_socket_path.hpp"

namespace bgpemu::daemon {

inline constexpr std::size_t max_request_bytes = 64 * 1024;

class AdminServer {
public:
    AdminServer(boost::asio::io_context& io, AdminCommands& commands);
    // Binds and listens (replacing a stale socket file); returns an error message on failure.
    [[nodiscard]] std::optional<std::string> listen(const std::filesystem::path& path);
    void stop();
    ~AdminServer();

private:
    boost::asio::io_context& io_;
    AdminCommands& commands_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::filesystem::path path_;
};

}  // namespace bgpemu::daemon
