// Where a session's TCP connections go: the real socket address and port, apart from any
// emulated interface address. Kept free of Boost.Asio so the configuration model can use it.
#pragma once

#include <cstdint>

#include "bgp/wire/ip.hpp"

namespace bgpemu::bgp {

struct TransportEndpoint {
    IpAddress address;
    std::uint16_t port = 179;
    friend bool operator==(const TransportEndpoint&, const TransportEndpoint&) = default;
};

// Both ends of an open TCP connection.
struct TransportEnds {
    IpAddress local;
    std::uint16_t local_port = 0;
    IpAddress remote;
    std::uint16_t remote_port = 0;
};

}  // namespace bgpemu::bgp
