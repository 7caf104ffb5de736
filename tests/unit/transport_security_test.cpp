// The socket options behind `password:` and `ttl_security:` (bgp/transport_security),
// on real loopback sockets in this process: GTSM's TTLs read back from the kernel, and
// TCP-MD5 keys deciding which connections a listener completes. A kernel without
// TCP_MD5SIG (ENOPROTOOPT) gets a warning instead of the MD5 checks; the integration
// test security_test skips as a whole on one.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <string>

#include "bgp/session/transport_security.hpp"

namespace bgpemu::bgp {
namespace {

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

int int_option(int fd, int level, int name) {
    int value = -1;
    socklen_t length = sizeof value;
    REQUIRE(::getsockopt(fd, level, name, &value, &length) == 0);
    return value;
}

sockaddr_in loopback(const char* address, std::uint16_t port) {
    sockaddr_in out{};
    out.sin_family = AF_INET;
    out.sin_port = htons(port);
    REQUIRE(::inet_pton(AF_INET, address, &out.sin_addr) == 1);
    return out;
}

IpAddress parse(const char* text) {
    const auto address = IpAddress::parse(text);
    REQUIRE(address);
    return *address;
}

// Connects from `local` to the listener within `timeout_ms`: a SYN the listener's kernel
// drops (unsigned or wrongly signed) leaves the connect pending until the timeout.
bool connects(const Fd& client, const char* local, const sockaddr_in& listener, int timeout_ms) {
    auto source = loopback(local, 0);
    REQUIRE(::bind(client.get(), reinterpret_cast<const sockaddr*>(&source), sizeof source) == 0);
    REQUIRE(::fcntl(client.get(), F_SETFL, O_NONBLOCK) == 0);
    if (::connect(client.get(), reinterpret_cast<const sockaddr*>(&listener), sizeof listener) == 0) return true;
    REQUIRE(errno == EINPROGRESS);
    pollfd waiting{client.get(), POLLOUT, 0};
    if (::poll(&waiting, 1, timeout_ms) != 1) return false;
    return int_option(client.get(), SOL_SOCKET, SO_ERROR) == 0;
}

}  // namespace

TEST_CASE("GTSM: TTL 255 out, 255 - (hops - 1) the lowest accepted, by the peer's family", "[security]") {
    CHECK(gtsm_minimum_ttl(1) == 255);
    CHECK(gtsm_minimum_ttl(2) == 254);
    CHECK(gtsm_minimum_ttl(254) == 2);

    const auto v4_peer = parse("127.0.0.94");
    const auto v6_peer = parse("::1");
    Fd v4(AF_INET);
    CHECK_FALSE(set_outgoing_ttl(v4.get(), v4_peer, 255));
    CHECK_FALSE(set_minimum_incoming_ttl(v4.get(), v4_peer, gtsm_minimum_ttl(3)));
    CHECK(int_option(v4.get(), IPPROTO_IP, IP_TTL) == 255);
    CHECK(int_option(v4.get(), IPPROTO_IP, IP_MINTTL) == 253);

    Fd v6(AF_INET6);
    CHECK_FALSE(set_outgoing_ttl(v6.get(), v6_peer, 255));
    CHECK_FALSE(set_minimum_incoming_ttl(v6.get(), v6_peer, gtsm_minimum_ttl(1)));
    CHECK(int_option(v6.get(), IPPROTO_IPV6, IPV6_UNICAST_HOPS) == 255);
    CHECK(int_option(v6.get(), IPPROTO_IPV6, IPV6_MINHOPCOUNT) == 255);

    // An IPv4 peer on an IPv6 socket (v4-mapped) is checked by the IPv4 options.
    Fd mapped(AF_INET6);
    CHECK_FALSE(set_minimum_incoming_ttl(mapped.get(), v4_peer, 250));
    CHECK(int_option(mapped.get(), IPPROTO_IP, IP_MINTTL) == 250);

    // Errors come back as values.
    CHECK(set_outgoing_ttl(-1, v4_peer, 255) == std::errc::bad_file_descriptor);
}

TEST_CASE("TCP-MD5: the listener completes only connections signed with the peer's key", "[security]") {
    const auto client_address = parse("127.0.0.94");
    Fd listener(AF_INET);
    const int on = 1;
    REQUIRE(::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0);
    if (const auto ec = set_tcp_md5_key(listener.get(), false, client_address, "right key");
        ec == std::errc::no_protocol_option) {
        WARN("this kernel has no TCP_MD5SIG: " << ec.message() << "; MD5 checks not run");
        return;
    } else {
        REQUIRE_FALSE(ec);
    }
    auto address = loopback("127.0.0.93", 0);
    REQUIRE(::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) == 0);
    REQUIRE(::listen(listener.get(), 8) == 0);
    const auto listener_address = parse("127.0.0.93");

    {
        Fd signed_right(AF_INET);
        REQUIRE_FALSE(set_tcp_md5_key(signed_right.get(), false, listener_address, "right key"));
        CHECK(connects(signed_right, "127.0.0.94", address, 2000));
    }
    {
        Fd signed_wrong(AF_INET);
        REQUIRE_FALSE(set_tcp_md5_key(signed_wrong.get(), false, listener_address, "wrong key"));
        CHECK_FALSE(connects(signed_wrong, "127.0.0.94", address, 500));
    }
    {
        Fd unsigned_client(AF_INET);
        CHECK_FALSE(connects(unsigned_client, "127.0.0.94", address, 500));
    }
    // keylen 0 deletes the key: unsigned connections complete again; deleting twice is an error.
    REQUIRE_FALSE(set_tcp_md5_key(listener.get(), false, client_address, {}));
    CHECK(set_tcp_md5_key(listener.get(), false, client_address, {}));
    {
        Fd unsigned_client(AF_INET);
        CHECK(connects(unsigned_client, "127.0.0.94", address, 2000));
    }

    // An IPv6 peer cannot have a key on an IPv4 socket; a key longer than 80 bytes is refused.
    CHECK(set_tcp_md5_key(listener.get(), false, parse("::1"), "key"));
    CHECK(set_tcp_md5_key(listener.get(), false, client_address, std::string(81, 'k')) == std::errc::invalid_argument);
    // An IPv4 peer's key on an IPv6 socket goes in v4-mapped.
    Fd v6(AF_INET6);
    CHECK_FALSE(set_tcp_md5_key(v6.get(), true, client_address, "key"));
}

}  // namespace bgpemu::bgp
