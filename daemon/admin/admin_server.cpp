#include "daemon/admin/admin_server.hpp"

#include <sys/stat.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace bgpemu::daemon {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string error_reply(const char* code, const std::string& message) {
    boost::json::object reply{{"version", admin_protocol_version}, {"ok", false}};
    reply["error"] = boost::json::object{{"code", code}, {"message", message}};
    return boost::json::serialize(reply);
}

// One client: its socket and the watchdog that closes it when it stays silent too long.
struct AdminClient {
    AdminClient(stream::socket s, std::chrono::seconds idle) : socket(std::move(s)), idle_timer(socket.get_executor()) {
        touch(idle);
    }
    void touch(std::chrono::seconds idle) { idle_timer.expires_after(idle); }

    stream::socket socket;
    asio::steady_timer idle_timer;
};

asio::awaitable<void> watch_idle(std::shared_ptr<AdminClient> client) {
    for (;;) {
        auto [error] = co_await client->idle_timer.async_wait(use_tuple);
        if (!client->socket.is_open()) co_return;
        // Cancelled: the deadline moved (a request came) or the client is gone.
        if (error == asio::error::operation_aborted) continue;
        if (client->idle_timer.expiry() > asio::steady_timer::clock_type::now()) continue;
        boost::system::error_code ignored;
        client->socket.close(ignored);
        co_return;
    }
}

asio::awaitable<void> serve_client(std::shared_ptr<AdminClient> client, AdminCommands& commands, AdminLimits limits) {
    asio::streambuf buffer(limits.request_bytes);
    auto& socket = client->socket;
    for (;;) {
        auto [error, length] = co_await asio::async_read_until(socket, buffer, '\n', use_tuple);
        std::string reply;
        bool close = false;
        if (error == asio::error::not_found) {
            // The buffer filled without a newline: the request is too long.
            reply = error_reply("request_too_long",
                                "a request is one line of at most " + std::to_string(limits.request_bytes) + " bytes");
            close = true;
        } else if (error) {
            break;  // the client went away, or the idle watchdog closed it
        } else {
            client->touch(limits.idle_timeout);
            std::string line(asio::buffers_begin(buffer.data()),
                             asio::buffers_begin(buffer.data()) + static_cast<std::ptrdiff_t>(length - 1));
            buffer.consume(length);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank line
            reply = commands.handle_line(line);
        }
        reply += '\n';
        auto [write_error, written] = co_await asio::async_write(socket, asio::buffer(reply), use_tuple);
        (void)written;
        if (write_error || close) break;
    }
    boost::system::error_code ignored;
    socket.close(ignored);
    client->idle_timer.cancel();
}

}  // namespace

void log_failure(const char* what, std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        spdlog::warn("{}: {}", what, ex.what());
    }
}

AdminServer::AdminServer(asio::io_context& io, AdminCommands& commands, AdminLimits limits)
    : io_(io), commands_(commands), acceptor_(io), limits_(std::make_shared<AdminLimits>(limits)) {}

AdminServer::~AdminServer() { stop(); }

std::optional<std::string> AdminServer::listen(const std::filesystem::path& path) {
    std::error_code fs_error;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), fs_error);
    // A socket file left by a daemon that died is replaced; one a live daemon answers on is not.
    if (std::filesystem::exists(path, fs_error)) {
        stream::socket probe(io_);
        boost::system::error_code connect_error;
        probe.connect(stream::endpoint(path.string()), connect_error);
        if (!connect_error) return "another bgpemud is already listening on " + path.string();
        std::filesystem::remove(path, fs_error);
    }
    boost::system::error_code error;
    acceptor_.open(stream(), error);
    if (!error) acceptor_.bind(stream::endpoint(path.string()), error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) return "cannot listen on " + path.string() + ": " + error.message();
    ::chmod(path.c_str(), 0660);
    path_ = path;
    asio::co_spawn(
        io_,
        [this]() -> asio::awaitable<void> {
            for (;;) {
                auto [accept_error, socket] = co_await acceptor_.async_accept(use_tuple);
                if (accept_error == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
                if (accept_error) continue;
                const AdminLimits limits = *limits_;
                if (*clients_ >= limits.clients) {
                    // Told why, then closed; the clients being served are not disturbed.
                    spdlog::warn("admin socket: refusing a client, {} are connected (daemon.admin_clients)", *clients_);
                    auto reply = std::make_shared<std::string>(
                        error_reply("too_many_clients", std::to_string(limits.clients) +
                                                            " clients are connected, the most the daemon serves "
                                                            "(daemon.admin_clients); try again") + "\n");
                    auto refused = std::make_shared<stream::socket>(std::move(socket));
                    asio::async_write(*refused, asio::buffer(*reply), [refused, reply](boost::system::error_code, std::size_t) {
                        boost::system::error_code ignored;
                        refused->close(ignored);
                    });
                    continue;
                }
                auto client = std::make_shared<AdminClient>(std::move(socket), limits.idle_timeout);
                ++*clients_;
                asio::co_spawn(io_, watch_idle(client), [](std::exception_ptr e) { log_failure("admin client watchdog", e); });
                asio::co_spawn(io_, serve_client(client, commands_, limits),
                               [clients = clients_](std::exception_ptr e) {
                                   --*clients;
                                   log_failure("admin client ended with an error", e);
                               });
            }
        },
        [](std::exception_ptr e) { log_failure("admin socket stopped", e); });
    return std::nullopt;
}

void AdminServer::stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    if (!path_.empty()) {
        std::error_code fs_error;
        std::filesystem::remove(path_, fs_error);
        path_.clear();
    }
}

}  // namespace bgpemu::daemon
