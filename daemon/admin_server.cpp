#include "daemon/admin_server.hpp"

#include <sys/stat.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
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

asio::awaitable<void> serve_client(stream::socket socket, AdminCommands& commands) {
    asio::streambuf buffer(max_request_bytes);
    for (;;) {
        auto [error, length] = co_await asio::async_read_until(socket, buffer, '\n', use_tuple);
        std::string reply;
        bool close = false;
        if (error == asio::error::not_found) {
            // The buffer filled without a newline: the request is too long.
            reply = error_reply("request_too_long",
                                "a request is one line of at most " + std::to_string(max_request_bytes) + " bytes");
            close = true;
        } else if (error) {
            co_return;  // the client went away
        } else {
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
        if (write_error || close) co_return;
    }
}

}  // namespace

AdminServer::AdminServer(asio::io_context& io, AdminCommands& commands)
    : io_(io), commands_(commands), acceptor_(io) {}

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
                asio::co_spawn(io_, serve_client(std::move(socket), commands_), [](std::exception_ptr e) {
                    if (!e) return;
                    try {
                        std::rethrow_exception(e);
                    } catch (const std::exception& ex) {
                        spdlog::warn("admin client ended with an error: {}", ex.what());
                    }
                });
            }
        },
        [](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::error("admin socket stopped: {}", ex.what());
            }
        });
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
