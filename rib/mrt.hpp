// MRT (RFC 6396) records: table dumps of a Loc-RIB (TABLE_DUMP_V2, a PEER_INDEX_TABLE
// and then one RIB_IPV4_UNICAST or RIB_IPV6_UNICAST record per prefix), and a session's
// messages and state changes (BGP4MP), as BIRD, FRR and GoBGP write them and bgpdump
// reads them. Pure: the bytes are returned, the caller writes them where it wants.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "bgp/wire/bytes.hpp"
#include "bgp/wire/ip.hpp"
#include "rib/loc_rib.hpp"

namespace bgpemu::rib {

struct MrtDumpOptions {
    std::uint32_t timestamp = 0;      // seconds since the epoch: every record's, and every path's
                                      // originated time (the Loc-RIB keeps none per path)
    std::uint32_t collector_id = 0;   // the speaker's router id, host order
    std::string view_name;            // the speaker's name
    std::uint32_t local_as = 0;       // for the speaker's own paths
    bool all_paths = false;           // every candidate, not the best path only
};

struct MrtDumpCounts {
    std::size_t peers = 0;
    std::size_t prefixes = 0;
    std::size_t entries = 0;
};

// Appends the dump of `rib` to `out`. Paths carry their attributes as the Loc-RIB holds
// them (after import policy), AS paths in four octets as RFC 6396 §4.3.4 asks, IPv6
// next hops in the abbreviated MP_REACH_NLRI it describes. The speaker's own paths come
// from a peer entry of its own (its router id, the unspecified address, `local_as`).
MrtDumpCounts write_table_dump_v2(const LocRib& rib, const MrtDumpOptions& options, bgp::Bytes& out);

// The two ends of a session, for BGP4MP records (the transport addresses).
struct Bgp4mpPeer {
    std::uint32_t peer_as = 0;
    std::uint32_t local_as = 0;
    bgp::IpAddress peer_address;
    bgp::IpAddress local_address;
};

// Appends a BGP4MP_MESSAGE_AS4 record: `message` is a whole BGP message, header included;
// with `add_path` (the session receives Path Identifiers), BGP4MP_MESSAGE_AS4_ADDPATH
// (RFC 8050), so that readers parse its NLRI with them.
// `sent`: a message the speaker sent, BGP4MP_MESSAGE_AS4_LOCAL (or _LOCAL_ADDPATH),
// the peer fields still the peer's.
void write_bgp4mp_message(const Bgp4mpPeer& peer, std::uint32_t timestamp, bgp::ByteSpan message, bgp::Bytes& out,
                          bool add_path = false, bool sent = false);
// Appends a BGP4MP_STATE_CHANGE_AS4 record; states numbered 1 Idle .. 6 Established (§4.4.1).
void write_bgp4mp_state_change(const Bgp4mpPeer& peer, std::uint32_t timestamp, std::uint16_t old_state,
                               std::uint16_t new_state, bgp::Bytes& out);

// ---- Reading ------------------------------------------------------------------

struct MrtPeer {
    bgp::IpAddress address;
    std::uint32_t as = 0;
    std::uint32_t router_id = 0;  // 0 when the file does not say (BGP4MP)
};

struct MrtRoute {
    std::size_t peer = 0;  // into MrtContents::peers
    bgp::Prefix prefix;
    bgp::PathAttributes attributes;
};

struct MrtContents {
    std::vector<MrtPeer> peers;
    std::vector<MrtRoute> routes;
    std::size_t records = 0;
    std::size_t skipped_records = 0;  // of types and subtypes that carry no IPv4/IPv6 unicast route
    std::size_t skipped_routes = 0;   // with attributes a BGP speaker would treat as withdrawn (RFC 7606)
};

// Reads a TABLE_DUMP_V2 file (its PEER_INDEX_TABLE and RIB_IPV4_UNICAST / RIB_IPV6_UNICAST
// entries) or a BGP4MP update file (BGP4MP and BGP4MP_ET MESSAGE and MESSAGE_AS4 records
// and their ADD-PATH forms of RFC 8050, their UPDATEs applied in order: the routes
// standing at the end). Other records (the messages a speaker sent among them), and
// routes whose attributes a BGP speaker would not take, are counted and skipped. The error, naming the record and its offset, for a
// truncated or malformed one.
[[nodiscard]] std::variant<MrtContents, std::string> read_mrt(bgp::ByteSpan bytes);

}  // namespace bgpemu::rib
