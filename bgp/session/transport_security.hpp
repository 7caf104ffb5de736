// The transport protections a neighbour can ask for, as Linux socket options:
// TCP-MD5 signatures (RFC 2385, TCP_MD5SIG) and the Generalized TTL Security Mechanism
// (RFC 5082, GTSM: IP_TTL/IP_MINTTL, for IPv6 IPV6_UNICAST_HOPS/IPV6_MINHOPCOUNT).
//
// Thin wrappers over setsockopt that return the errno as a value: the session and the
// speaker log it with the peer and refuse the connection, never run it unprotected.
// Which option applies follows the PEER's address family, not the socket's: an IPv4
// peer on an IPv6 socket (v4-mapped) is served by the kernel's IPv4 code, which reads
// only the IPv4 options.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>

#include "bgp/wire/ip.hpp"

namespace bgpemu::bgp {

// RFC 2385 keys are at most 80 bytes on Linux (TCP_MD5SIG_MAXKEYLEN), as in FRR and BIRD.
inline constexpr std::size_t max_tcp_md5_key_length = 80;

// GTSM: we send with TTL 255, and a peer at most `hops` away arrives with at least
// 255 - (hops - 1) (RFC 5082 §3: one hop means "directly connected", TTL 255).
[[nodiscard]] constexpr std::uint8_t gtsm_minimum_ttl(unsigned hops) noexcept {
    return static_cast<std::uint8_t>(256U - hops);
}

// Installs the TCP-MD5 `key` for `peer` on `socket` (a listening socket, so that the
// kernel verifies incoming SYNs, or an outgoing one before connect()); an empty key
// deletes the peer's key (keylen 0). `socket_is_v6`: the socket's own family, which
// decides the address format the kernel expects (an IPv4 peer on an IPv6 socket is
// given v4-mapped).
[[nodiscard]] std::error_code set_tcp_md5_key(int socket, bool socket_is_v6, const IpAddress& peer,
                                              std::string_view key);

// The TTL (hop limit) of the packets we send to `peer`.
[[nodiscard]] std::error_code set_outgoing_ttl(int socket, const IpAddress& peer, std::uint8_t ttl);

// The smallest TTL (hop limit) accepted from `peer`; lower ones are dropped by the kernel.
[[nodiscard]] std::error_code set_minimum_incoming_ttl(int socket, const IpAddress& peer, std::uint8_t minimum);

}  // namespace bgpemu::bgp
