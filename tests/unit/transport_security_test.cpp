// The GTSM socket options behind `ttl_security:` (bgp/session/transport_security), on
// real loopback sockets in this process: the TTLs read back from the kernel. TCP-MD5 has
// a binary of its own (tcp_md5_test), which a kernel without TCP_MD5SIG skips.
#include "loopback_sockets.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "bgp/session/transport_security.hpp"

namespace bgpemu::bgp {

// The loopback socket helpers (loopback_sockets.hpp).
using namespace test;

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

}  // namespace bgpemu::bgp
