// The TCP-MD5 keys behind `password:` (RFC 2385, bgp/session/transport_security) on real
// loopback sockets in this process: which connections a listener completes. Its main
// (tcp_md5_main.cpp) exits 77, reported as skipped, on a kernel without TCP_MD5SIG.
#include "loopback_sockets.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "bgp/session/transport_security.hpp"

namespace bgpemu::bgp {

// The loopback socket helpers (loopback_sockets.hpp).
using namespace test;

TEST_CASE("TCP-MD5: the listener completes only connections signed with the peer's key", "[security]") {
    const auto client_address = parse("127.0.0.94");
    Fd listener(AF_INET);
    const int on = 1;
    REQUIRE(::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0);
    REQUIRE_FALSE(set_tcp_md5_key(listener.get(), false, client_address, "right key"));
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
