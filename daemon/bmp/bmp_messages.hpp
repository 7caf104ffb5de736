// The BGP Monitoring Protocol's messages (RFC 7854, with RFC 9069's Loc-RIB and RFC 8671's
// Adj-RIB-Out), as bytes: pure, no I/O. The exporter (bmp_exporter.hpp) fills them in.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "bgp/wire/bytes.hpp"
#include "bgp/wire/ip.hpp"

namespace bgpemu::daemon::bmp {

inline constexpr std::uint8_t version = 3;
inline constexpr std::size_t common_header_bytes = 6;
inline constexpr std::size_t peer_header_bytes = 42;

enum class MessageType : std::uint8_t {
    route_monitoring = 0,
    statistics_report = 1,
    peer_down = 2,
    peer_up = 3,
    initiation = 4,
    termination = 5,
};

enum class PeerType : std::uint8_t {
    global_instance = 0,
    loc_rib = 3,  // RFC 9069
};

// The per-peer header's flags (RFC 7854 §4.2, RFC 8671 §4).
namespace peer_flag {
inline constexpr std::uint8_t ipv6 = 0x80;
inline constexpr std::uint8_t post_policy = 0x40;
inline constexpr std::uint8_t two_octet_as = 0x20;
inline constexpr std::uint8_t adj_rib_out = 0x10;
}  // namespace peer_flag

// Peer Down's reasons (RFC 7854 §4.9, RFC 9069 §4.4).
namespace down_reason {
inline constexpr std::uint8_t local_notification = 1;     // the NOTIFICATION we sent follows
inline constexpr std::uint8_t local_no_notification = 2;  // a 2-byte FSM event code follows
inline constexpr std::uint8_t remote_notification = 3;    // the NOTIFICATION received follows
inline constexpr std::uint8_t remote_no_notification = 4;
inline constexpr std::uint8_t deconfigured = 5;
}  // namespace down_reason

// Termination's reasons (RFC 7854 §4.5).
namespace termination_reason {
inline constexpr std::uint16_t administratively_closed = 0;
inline constexpr std::uint16_t out_of_resources = 2;
}  // namespace termination_reason

// Statistics Report's types (RFC 7854 §4.8, RFC 8671 §5): the exporter sends the three
// gauges; the first is a 32-bit counter, as most of the RFC's are.
namespace stat_type {
inline constexpr std::uint16_t rejected_prefixes = 0;            // 32-bit counter
inline constexpr std::uint16_t adj_rib_in_routes = 7;            // 64-bit gauge
inline constexpr std::uint16_t loc_rib_routes = 8;               // 64-bit gauge
inline constexpr std::uint16_t adj_rib_out_post_policy_routes = 15;  // 64-bit gauge
}  // namespace stat_type

struct PeerHeader {
    PeerType type = PeerType::global_instance;
    std::uint8_t flags = 0;  // peer_flag; the ipv6 flag is set from `address`
    std::uint64_t distinguisher = 0;
    bgp::IpAddress address;  // zero for the Loc-RIB
    std::uint32_t as = 0;
    std::uint32_t bgp_id = 0;  // host order
    std::uint32_t seconds = 0;
    std::uint32_t microseconds = 0;
};

struct Statistic {
    std::uint16_t type = 0;
    std::uint64_t value = 0;
    bool gauge64 = true;  // else a 32-bit counter
};

// Each appends one whole message to `out`.
void encode_initiation(std::string_view sys_name, std::string_view sys_descr, bgp::Bytes& out);
void encode_termination(std::uint16_t reason, std::string_view text, bgp::Bytes& out);
// `table_name` (RFC 9069 §4.3's VRF/Table Name TLV) is required for the Loc-RIB; empty: none.
void encode_peer_up(const PeerHeader& peer, const bgp::IpAddress& local_address, std::uint16_t local_port,
                    std::uint16_t remote_port, bgp::ByteSpan sent_open, bgp::ByteSpan received_open,
                    std::string_view table_name, bgp::Bytes& out);
// `data`: the NOTIFICATION (reasons 1 and 3), the FSM event code (2), nothing otherwise.
void encode_peer_down(const PeerHeader& peer, std::uint8_t reason, bgp::ByteSpan data, bgp::Bytes& out);
// `update`: a whole BGP UPDATE message, header included.
void encode_route_monitoring(const PeerHeader& peer, bgp::ByteSpan update, bgp::Bytes& out);
void encode_statistics(const PeerHeader& peer, std::span<const Statistic> statistics, bgp::Bytes& out);

// A message's common header, read back: its type and whole length, when `bytes` starts
// with a valid one (the encoders' tests read their output with it).
struct CommonHeader {
    MessageType type;
    std::uint32_t length;
};
[[nodiscard]] std::optional<CommonHeader> read_common_header(bgp::ByteSpan bytes);

}  // namespace bgpemu::daemon::bmp
