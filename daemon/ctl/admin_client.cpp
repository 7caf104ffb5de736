#include "daemon/ctl/admin_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bgpemu::daemon::ctl {

namespace {
constexpr int reply_timeout_ms = 30000;
}

std::optional<std::string> exchange(const std::string& socket_path, const std::string& request, std::string& error) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof address.sun_path) {
        ::close(fd);
        error = "socket path too long";
        return std::nullopt;
    }
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        error = std::strerror(errno);
        ::close(fd);
        return std::nullopt;
    }
    const std::string line = request + "\n";
    for (std::size_t sent = 0; sent < line.size();) {
        const auto n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            error = std::strerror(errno);
            ::close(fd);
            return std::nullopt;
        }
        sent += static_cast<std::size_t>(n);
    }
    // A reply can be hundreds of megabytes (`check` over a thousand hosts): each read is
    // searched for the newline, not the whole reply again.
    std::string reply;
    std::size_t end = std::string::npos;
    char buffer[65536];
    while (end == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, reply_timeout_ms) <= 0) {
            error = "no reply within " + std::to_string(reply_timeout_ms / 1000) + " s";
            ::close(fd);
            return std::nullopt;
        }
        const auto n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) {
            error = "the daemon closed the connection";
            ::close(fd);
            return std::nullopt;
        }
        const auto before = reply.size();
        reply.append(buffer, static_cast<std::size_t>(n));
        end = reply.find('\n', before);
    }
    ::close(fd);
    reply.erase(end);
    return reply;
}

}  // namespace bgpemu::daemon::ctl
