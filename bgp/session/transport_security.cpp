#include "bgp/session/transport_security.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace bgpemu::bgp {

namespace {

std::error_code set_int_option(int socket, int level, int name, int value) {
    if (::setsockopt(socket, level, name, &value, sizeof value) != 0) return {errno, std::system_category()};
    return {};
}

}  // namespace

std::error_code set_tcp_md5_key(int socket, bool socket_is_v6, const IpAddress& peer, std::string_view key) {
    if (key.size() > max_tcp_md5_key_length) return std::make_error_code(std::errc::invalid_argument);
    tcp_md5sig signature{};
    if (socket_is_v6) {
        sockaddr_in6 address{};
        address.sin6_family = AF_INET6;
        if (peer.is_v4()) {
            // ::ffff:a.b.c.d: the kernel files it as the IPv4 peer's key.
            address.sin6_addr.s6_addr[10] = 0xff;
            address.sin6_addr.s6_addr[11] = 0xff;
            std::copy_n(peer.bytes().begin(), 4, address.sin6_addr.s6_addr + 12);
        } else {
            std::copy_n(peer.bytes().begin(), 16, address.sin6_addr.s6_addr);
        }
        std::memcpy(&signature.tcpm_addr, &address, sizeof address);
    } else {
        if (!peer.is_v4()) return std::make_error_code(std::errc::address_family_not_supported);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(peer.v4_value());
        std::memcpy(&signature.tcpm_addr, &address, sizeof address);
    }
    signature.tcpm_keylen = static_cast<std::uint16_t>(key.size());
    std::copy(key.begin(), key.end(), signature.tcpm_key);
    if (::setsockopt(socket, IPPROTO_TCP, TCP_MD5SIG, &signature, sizeof signature) != 0)
        return {errno, std::system_category()};
    return {};
}

std::error_code set_outgoing_ttl(int socket, const IpAddress& peer, std::uint8_t ttl) {
    return peer.is_v4() ? set_int_option(socket, IPPROTO_IP, IP_TTL, ttl)
                        : set_int_option(socket, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl);
}

std::error_code set_minimum_incoming_ttl(int socket, const IpAddress& peer, std::uint8_t minimum) {
    return peer.is_v4() ? set_int_option(socket, IPPROTO_IP, IP_MINTTL, minimum)
                        : set_int_option(socket, IPPROTO_IPV6, IPV6_MINHOPCOUNT, minimum);
}

}  // namespace bgpemu::bgp
