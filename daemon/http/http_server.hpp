// The HTTP server (`daemon: http:`): the admin protocol over HTTP/1.1 (http_api.hpp),
// live events as Server-Sent Events, the web view's files and /metrics.
//
// One coroutine per connection on the daemon's io_context, bounded as the admin socket
// is: `clients` connections at once (one more is answered 503 and closed), a request of
// at most `request_bytes` (413), and each request must arrive whole within
// `idle_timeout` of the connection's last reply (then it is closed), so a slow client
// holds one slot for a bounded time and nothing else.
//
// What a browser could be tricked into: a page of another origin may make the browser
// send requests here. So a request with an Origin that is not this server's is refused,
// a Host that is not a loopback name is refused unless `allow_remote` (DNS rebinding),
// and a change (POST) needs `allow_changes` and the bearer token, compared in constant
// time; the page holds the token only as the user gives it. The admin socket stays the
// full-power interface.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "daemon/admin/admin_commands.hpp"
#include "daemon/config/config.hpp"
#include "daemon/emulation/emulation.hpp"

namespace bgpemu::daemon::http {

class HttpServer {
public:
    HttpServer(boost::asio::io_context& io, AdminCommands& commands, const Emulation& emulation,
               const std::vector<std::unique_ptr<bgp::Speaker>>& speakers, const HttpSettings& settings);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds `settings.listen`; an error message on failure.
    [[nodiscard]] std::optional<std::string> listen();
    // "http://127.0.0.1:8179/"
    [[nodiscard]] std::string url() const;
    // A reload: the token, allow_changes and the limits apply from the next request (the
    // listen address at the next start). Returns what changed, for the reload's report.
    [[nodiscard]] std::vector<std::string> reconfigure(const HttpSettings& settings);
    void stop();

    struct State;

private:
    boost::asio::io_context& io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::shared_ptr<State> state_;
};

}  // namespace bgpemu::daemon::http
