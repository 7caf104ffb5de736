// Plain loopback sockets for the tests of the transport's socket options
// (transport_security_test, tcp_md5_test): what the kernel does with them, seen without
// the speaker or Boost.Asio in between.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdint>

#include "bgp/wire/ip.hpp"

namespace bgpemu::test {

// A socket that closes itself.
class Fd {
public:
    explicit Fd(int family) : fd_(::socket(family, SOCK_STREAM, 0)) { REQUIRE(fd_ >= 0); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { ::close(fd_); }
    [[nodiscard]] int get() const noexcept { return fd_; }

private:
    int fd_;
};

inline int int_option(int fd, int level, int name) {
    int value = -1;
    socklen_t length = sizeof value;
    REQUIRE(::getsockopt(fd, level, name, &value, &length) == 0);
    return value;
}

inline sockaddr_in loopback(const char* address, std::uint16_t port) {
    sockaddr_in out{};
    out.sin_family = AF_INET;
    out.sin_port = htons(port);
    REQUIRE(::inet_pton(AF_INET, address, &out.sin_addr) == 1);
    return out;
}

inline bgp::IpAddress parse(const char* text) {
    const auto address = bgp::IpAddress::parse(text);
    REQUIRE(address);
    return *address;
}

// Connects from `local` to the listener within `timeout_ms`: a SYN the listener's kernel
// drops (unsigned or wrongly signed) leaves the connect pending until the timeout.
inline bool connects(const Fd& client, const char* local, const sockaddr_in& listener, int timeout_ms) {
    auto source = loopback(local, 0);
    REQUIRE(::bind(client.get(), reinterpret_cast<const sockaddr*>(&source), sizeof source) == 0);
    REQUIRE(::fcntl(client.get(), F_SETFL, O_NONBLOCK) == 0);
    if (::connect(client.get(), reinterpret_cast<const sockaddr*>(&listener), sizeof listener) == 0) return true;
    REQUIRE(errno == EINPROGRESS);
    pollfd waiting{client.get(), POLLOUT, 0};
    if (::poll(&waiting, 1, timeout_ms) != 1) return false;
    return int_option(client.get(), SOL_SOCKET, SO_ERROR) == 0;
}

}  // namespace bgpemu::test
