#include "rib/mrt.hpp"

#include <map>

#include "bgp/wire/codec.hpp"

namespace bgpemu::rib {

namespace {

// RFC 6396 §4: the MRT types and subtypes written here.
constexpr std::uint16_t table_dump_v2 = 13;
constexpr std::uint16_t bgp4mp = 16;
constexpr std::uint16_t bgp4mp_state_change_as4 = 5;
constexpr std::uint16_t bgp4mp_message_as4 = 4;
constexpr std::uint16_t peer_index_table = 1;
constexpr std::uint16_t rib_ipv4_unicast = 2;
constexpr std::uint16_t rib_ipv6_unicast = 4;
// PEER_INDEX_TABLE's Peer Type bits (§4.3.1).
constexpr std::uint8_t peer_ipv6 = 0x01;
constexpr std::uint8_t peer_as4 = 0x02;
constexpr std::uint8_t mp_reach_nlri = 14;
constexpr std::uint8_t optional_flag = 0x80;

// The common header (§2) and the record's body, its length patched once written.
template <typename Body>
void record(bgp::Bytes& out, std::uint32_t timestamp, std::uint16_t subtype, Body&& body, std::uint16_t type = table_dump_v2) {
    bgp::WireWriter w(out);
    w.put_u32(timestamp);
    w.put_u16(type);
    w.put_u16(subtype);
    const auto length_at = out.size();
    w.put_u32(0);
    const auto start = out.size();
    body(w);
    const auto length = static_cast<std::uint32_t>(out.size() - start);
    for (int i = 0; i < 4; ++i) out[length_at + static_cast<std::size_t>(i)] = std::byte(length >> (24 - 8 * i));
}

void put_address(bgp::WireWriter& w, const bgp::IpAddress& address) {
    const auto& bytes = address.bytes();
    for (std::size_t i = 0; i < (address.is_v4() ? 4U : 16U); ++i) w.put_u8(bytes[i]);
}

// BGP4MP's peer part (§4.4.1-2): both ASes, interface 0, the address family, both
// addresses (the local one unspecified, in the peer's family, when it is not known).
void put_bgp4mp_peer(bgp::WireWriter& w, const Bgp4mpPeer& peer) {
    w.put_u32(peer.peer_as);
    w.put_u32(peer.local_as);
    w.put_u16(0);
    const bool v4 = peer.peer_address.is_v4();
    w.put_u16(v4 ? 1 : 2);
    put_address(w, peer.peer_address);
    const bool same_family = peer.local_address.is_v4() == v4;
    put_address(w, same_family ? peer.local_address : v4 ? bgp::IpAddress::v4(0) : bgp::IpAddress::v6({}));
}

}  // namespace

void write_bgp4mp_message(const Bgp4mpPeer& peer, std::uint32_t timestamp, bgp::ByteSpan message, bgp::Bytes& out) {
    record(
        out, timestamp, bgp4mp_message_as4,
        [&](bgp::WireWriter& w) {
            put_bgp4mp_peer(w, peer);
            for (const auto byte : message) w.put_u8(std::to_integer<std::uint8_t>(byte));
        },
        bgp4mp);
}

void write_bgp4mp_state_change(const Bgp4mpPeer& peer, std::uint32_t timestamp, std::uint16_t old_state,
                               std::uint16_t new_state, bgp::Bytes& out) {
    record(
        out, timestamp, bgp4mp_state_change_as4,
        [&](bgp::WireWriter& w) {
            put_bgp4mp_peer(w, peer);
            w.put_u16(old_state);
            w.put_u16(new_state);
        },
        bgp4mp);
}

MrtDumpCounts write_table_dump_v2(const LocRib& rib, const MrtDumpOptions& options, bgp::Bytes& out) {
    MrtDumpCounts counts;
    // The paths to dump, by prefix in order, and the peers they come from.
    struct Row {
        bgp::Prefix prefix;
        std::vector<Path> paths;
    };
    std::vector<Row> rows;
    std::map<PeerId, std::uint16_t> peer_index;
    std::vector<PeerId> peers;
    for (const auto& prefix : rib.prefixes()) {
        Row row{prefix, {}};
        if (options.all_paths) {
            for (const auto& explained : rib.explain(prefix)) row.paths.push_back(explained.path);
        } else if (const auto* best = rib.best(prefix)) {
            row.paths.push_back(*best);
        }
        if (row.paths.empty()) continue;
        for (const auto& path : row.paths)
            if (peer_index.emplace(path.peer, static_cast<std::uint16_t>(peers.size())).second) peers.push_back(path.peer);
        rows.push_back(std::move(row));
    }

    record(out, options.timestamp, peer_index_table, [&](bgp::WireWriter& w) {
        w.put_u32(options.collector_id);
        w.put_u16(static_cast<std::uint16_t>(options.view_name.size()));
        for (const char c : options.view_name) w.put_u8(static_cast<std::uint8_t>(c));
        w.put_u16(static_cast<std::uint16_t>(peers.size()));
        for (const auto id : peers) {
            const auto& info = rib.peer(id);
            const auto address = info.locally_originated ? bgp::IpAddress::v4(0) : info.address;
            w.put_u8(static_cast<std::uint8_t>(peer_as4 | (address.is_v4() ? 0 : peer_ipv6)));
            w.put_u32(info.locally_originated ? options.collector_id : info.router_id);
            put_address(w, address);
            w.put_u32(info.locally_originated ? options.local_as : info.peer_as);
        }
    });
    counts.peers = peers.size();

    const bgp::EncodeContext context{.four_octet_as = true, .extended_message = true, .add_path_send = {}};
    std::uint32_t sequence = 0;
    for (const auto& row : rows) {
        const bool v4 = row.prefix.afi() == bgp::Afi::ipv4;
        record(out, options.timestamp, v4 ? rib_ipv4_unicast : rib_ipv6_unicast, [&](bgp::WireWriter& w) {
            w.put_u32(sequence++);
            w.put_u8(static_cast<std::uint8_t>(row.prefix.length()));
            const auto& bytes = row.prefix.address().bytes();
            for (unsigned i = 0; i < (row.prefix.length() + 7) / 8; ++i) w.put_u8(bytes[i]);
            w.put_u16(static_cast<std::uint16_t>(row.paths.size()));
            for (const auto& path : row.paths) {
                w.put_u16(peer_index.at(path.peer));
                w.put_u32(options.timestamp);
                bgp::Bytes attributes;
                bgp::encode_path_attributes(*path.attrs, context, attributes);
                if (!v4 && path.attrs->mp_next_hop) {
                    // §4.3.4: the next hop alone (its length and address), no AFI, SAFI or NLRI.
                    const auto& hop = *path.attrs->mp_next_hop;
                    const auto& local = path.attrs->mp_next_hop_link_local;
                    const std::uint8_t hop_length = local ? 32 : 16;
                    bgp::WireWriter a(attributes);
                    a.put_u8(optional_flag);
                    a.put_u8(mp_reach_nlri);
                    a.put_u8(static_cast<std::uint8_t>(1 + hop_length));
                    a.put_u8(hop_length);
                    put_address(a, hop);
                    if (local) put_address(a, *local);
                }
                w.put_u16(static_cast<std::uint16_t>(attributes.size()));
                w.put_bytes(attributes);
                ++counts.entries;
            }
        });
        ++counts.prefixes;
    }
    return counts;
}

}  // namespace bgpemu::rib
