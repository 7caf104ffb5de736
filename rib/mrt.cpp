#include "rib/mrt.hpp"

#include <algorithm>
#include <map>

#include "bgp/wire/codec.hpp"

namespace bgpemu::rib {

namespace {

// RFC 6396 §4: the MRT types and subtypes written here.
constexpr std::uint16_t table_dump_v2 = 13;
constexpr std::uint16_t bgp4mp = 16;
constexpr std::uint16_t bgp4mp_state_change_as4 = 5;
constexpr std::uint16_t bgp4mp_message_as4 = 4;
// RFC 8050: the same with ADD-PATH Path Identifiers in the message's NLRI.
constexpr std::uint16_t bgp4mp_message_addpath = 8;
constexpr std::uint16_t bgp4mp_message_as4_addpath = 9;
// The messages the recording speaker sent itself (RFC 6396 §4.4.6, RFC 8050).
constexpr std::uint16_t bgp4mp_message_as4_local = 7;
constexpr std::uint16_t bgp4mp_message_as4_local_addpath = 11;
constexpr std::uint16_t peer_index_table = 1;
constexpr std::uint16_t rib_ipv4_unicast = 2;
constexpr std::uint16_t rib_ipv6_unicast = 4;
// PEER_INDEX_TABLE's Peer Type bits (§4.3.1).
constexpr std::uint8_t peer_ipv6 = 0x01;
constexpr std::uint8_t peer_as4 = 0x02;
constexpr std::uint8_t next_hop_type = 3;
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

void write_bgp4mp_message(const Bgp4mpPeer& peer, std::uint32_t timestamp, bgp::ByteSpan message, bgp::Bytes& out,
                          bool add_path, bool sent) {
    const auto subtype = sent ? (add_path ? bgp4mp_message_as4_local_addpath : bgp4mp_message_as4_local)
                              : (add_path ? bgp4mp_message_as4_addpath : bgp4mp_message_as4);
    record(
        out, timestamp, subtype,
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

// ---- Reading ------------------------------------------------------------------

namespace bgpemu::rib {

namespace {

constexpr std::uint16_t bgp4mp_et = 17;
constexpr std::uint16_t bgp4mp_message = 1;

struct MrtReadError {
    std::string text;
};

bgp::IpAddress read_address(bgp::WireReader& r, bool v6, const char* what) {
    bgp::ByteSpan bytes;
    if (!r.read_bytes(v6 ? 16 : 4, bytes)) throw MrtReadError{std::string("truncated ") + what};
    std::array<std::uint8_t, 16> raw{};
    for (std::size_t i = 0; i < bytes.size(); ++i) raw[i] = std::to_integer<std::uint8_t>(bytes[i]);
    if (v6) return bgp::IpAddress::v6(raw);
    return bgp::IpAddress::v4((std::uint32_t{raw[0]} << 24) | (std::uint32_t{raw[1]} << 16) | (std::uint32_t{raw[2]} << 8) | raw[3]);
}

template <typename T>
T read_number(bgp::WireReader& r, const char* what) {
    T value{};
    bool ok = false;
    if constexpr (sizeof(T) == 1) ok = r.read_u8(value);
    else if constexpr (sizeof(T) == 2) ok = r.read_u16(value);
    else ok = r.read_u32(value);
    if (!ok) throw MrtReadError{std::string("truncated ") + what};
    return value;
}

// A prefix as RIB records and NLRI write it: its length, then as many octets as it needs.
bgp::Prefix read_prefix(bgp::WireReader& r, bool v6) {
    const auto length = read_number<std::uint8_t>(r, "prefix length");
    if (length > (v6 ? 128 : 32)) throw MrtReadError{"prefix length " + std::to_string(length) + " is too long"};
    bgp::ByteSpan bytes;
    if (!r.read_bytes((length + 7U) / 8U, bytes)) throw MrtReadError{"truncated prefix"};
    std::array<std::uint8_t, 16> raw{};
    for (std::size_t i = 0; i < bytes.size(); ++i) raw[i] = std::to_integer<std::uint8_t>(bytes[i]);
    const auto address = v6 ? bgp::IpAddress::v6(raw)
                            : bgp::IpAddress::v4((std::uint32_t{raw[0]} << 24) | (std::uint32_t{raw[1]} << 16) |
                                                 (std::uint32_t{raw[2]} << 8) | raw[3]);
    return bgp::Prefix::make(address, length);
}

void put_prefix(bgp::WireWriter& w, const bgp::Prefix& prefix) {
    w.put_u8(static_cast<std::uint8_t>(prefix.length()));
    const auto& bytes = prefix.address().bytes();
    for (unsigned i = 0; i < (prefix.length() + 7U) / 8U; ++i) w.put_u8(bytes[i]);
}

// A RIB entry's attributes, decoded by the BGP codec as an UPDATE for the entry's prefix
// would carry them. The entry's MP_REACH_NLRI holds only the next hop (RFC 6396 §4.3.4):
// it is rewritten in full, with the prefix as its NLRI.
// Nullopt for attributes a BGP speaker would treat as a withdrawal (RFC 7606): real dumps
// hold a few (an IPv6 next hop that is link-local only, say), and they are skipped.
std::optional<bgp::PathAttributes> read_entry_attributes(bgp::ByteSpan list, const bgp::Prefix& prefix) {
    const bool v6 = !prefix.address().is_v4();
    bgp::Bytes attributes;
    bgp::WireWriter a(attributes);
    std::optional<bgp::IpAddress> mp_next_hop;
    bool has_next_hop = false;
    bgp::WireReader r(list);
    while (!r.empty()) {
        const auto flags = read_number<std::uint8_t>(r, "attribute flags");
        const auto type = read_number<std::uint8_t>(r, "attribute type");
        const std::size_t length = (flags & 0x10) != 0 ? read_number<std::uint16_t>(r, "attribute length")
                                                       : read_number<std::uint8_t>(r, "attribute length");
        bgp::ByteSpan value;
        if (!r.read_bytes(length, value)) throw MrtReadError{"truncated attribute " + std::to_string(type)};
        // A speaker's own routes carry NEXT_HOP 0.0.0.0 ("self"), which is no next hop.
        if (type == next_hop_type &&
            std::all_of(value.begin(), value.end(), [](std::byte b) { return b == std::byte{0}; }))
            continue;
        has_next_hop = has_next_hop || type == next_hop_type;
        if (type == mp_reach_nlri) {
            bgp::WireReader v(value);
            // Some collectors write the attribute whole (AFI, SAFI, then the next hop),
            // which its first octet, taken as the abbreviated form's length, betrays.
            const bool whole = !value.empty() && std::to_integer<std::size_t>(value[0]) + 1 != value.size() && value.size() >= 4;
            if (whole && !v.skip(3)) throw MrtReadError{"truncated MP_REACH_NLRI"};
            const auto hop_length = read_number<std::uint8_t>(v, "MP_REACH_NLRI next hop length");
            if (hop_length == 16 || hop_length == 32) mp_next_hop = read_address(v, true, "next hop");
            else if (hop_length == 4) mp_next_hop = read_address(v, false, "next hop");
            continue;
        }
        a.put_u8(flags);
        a.put_u8(type);
        if ((flags & 0x10) != 0) a.put_u16(static_cast<std::uint16_t>(length));
        else a.put_u8(static_cast<std::uint8_t>(length));
        for (const auto byte : value) a.put_u8(std::to_integer<std::uint8_t>(byte));
    }
    bgp::Bytes nlri;
    bgp::WireWriter n(nlri);
    if (v6) {
        bgp::Bytes reach;
        bgp::WireWriter m(reach);
        m.put_u16(2);
        m.put_u8(1);
        m.put_u8(16);
        put_address(m, mp_next_hop.value_or(bgp::IpAddress::v6({})));
        m.put_u8(0);
        put_prefix(m, prefix);
        a.put_u8(optional_flag | 0x10);
        a.put_u8(mp_reach_nlri);
        a.put_u16(static_cast<std::uint16_t>(reach.size()));
        attributes.insert(attributes.end(), reach.begin(), reach.end());
    } else {
        // An IPv4 route without NEXT_HOP: one of the speaker's own, or one whose next hop
        // is IPv6 (in the MP_REACH_NLRI). The decoder wants a host address there (any:
        // 192.0.2.1, of the documentation's block); it is taken out again.
        if (!has_next_hop) {
            a.put_u8(0x40);
            a.put_u8(next_hop_type);
            a.put_u8(4);
            a.put_u32(0xc0000201);
        }
        put_prefix(n, prefix);
    }
    bgp::Bytes message(16, std::byte{0xff});
    bgp::WireWriter u(message);
    u.put_u16(static_cast<std::uint16_t>(19 + 2 + 2 + attributes.size() + nlri.size()));
    u.put_u8(2);
    u.put_u16(0);
    u.put_u16(static_cast<std::uint16_t>(attributes.size()));
    message.insert(message.end(), attributes.begin(), attributes.end());
    message.insert(message.end(), nlri.begin(), nlri.end());
    bgp::UpdateMessage decoded;
    bgp::DecodeContext context;
    context.extended_message = true;
    context.peer_is_external = false;
    if (auto error = bgp::decode_update(message, context, decoded)) throw MrtReadError{"bad path attributes: " + error->to_string()};
    if (decoded.treat_as_withdraw) return std::nullopt;
    if (!v6 && !has_next_hop) {
        decoded.attributes.next_hop.reset();
        decoded.attributes.mp_next_hop = mp_next_hop;
    }
    return decoded.attributes;
}

// (peer, prefix) -> attributes, for update files: the last announcement stands until a
// withdrawal.
using StandingRoutes = std::map<std::pair<std::size_t, bgp::Prefix>, bgp::PathAttributes>;

std::size_t peer_slot(MrtContents& out, const bgp::IpAddress& address, std::uint32_t as) {
    for (std::size_t i = 0; i < out.peers.size(); ++i)
        if (out.peers[i].address == address && out.peers[i].as == as) return i;
    out.peers.push_back({address, as, 0});
    return out.peers.size() - 1;
}

void read_bgp4mp(bgp::WireReader& r, std::uint16_t subtype, MrtContents& out, StandingRoutes& standing) {
    const bool as4 = subtype == bgp4mp_message_as4 || subtype == bgp4mp_message_as4_addpath;
    const bool add_path = subtype == bgp4mp_message_addpath || subtype == bgp4mp_message_as4_addpath;
    const auto peer_as = as4 ? read_number<std::uint32_t>(r, "peer AS") : read_number<std::uint16_t>(r, "peer AS");
    if (as4) (void)read_number<std::uint32_t>(r, "local AS");
    else (void)read_number<std::uint16_t>(r, "local AS");
    (void)read_number<std::uint16_t>(r, "interface index");
    const auto family = read_number<std::uint16_t>(r, "address family");
    if (family != 1 && family != 2) throw MrtReadError{"address family " + std::to_string(family)};
    const auto peer = read_address(r, family == 2, "peer address");
    (void)read_address(r, family == 2, "local address");
    const auto message = r.rest();
    if (message.size() < 19 || std::to_integer<std::uint8_t>(message[18]) != 2) return;  // not an UPDATE
    bgp::UpdateMessage update;
    bgp::DecodeContext context;
    context.four_octet_as = as4;
    context.extended_message = true;
    context.add_path_receive = {.ipv4_unicast = add_path, .ipv6_unicast = add_path};
    context.peer_is_external = false;
    if (auto error = bgp::decode_update(message, context, update)) throw MrtReadError{"bad UPDATE: " + error->to_string()};
    const auto slot = peer_slot(out, peer, peer_as);
    for (const auto& n : update.withdrawn) standing.erase({slot, n.prefix});
    for (const auto& n : update.mp_unreach) standing.erase({slot, n.prefix});
    if (update.treat_as_withdraw) {
        out.skipped_routes += update.nlri.size() + update.mp_reach.size();
        for (const auto& n : update.nlri) standing.erase({slot, n.prefix});
        for (const auto& n : update.mp_reach) standing.erase({slot, n.prefix});
        return;
    }
    for (const auto& n : update.nlri) standing[{slot, n.prefix}] = update.attributes;
    if (update.mp_reach_family && update.mp_reach_family->safi == bgp::Safi::unicast)
        for (const auto& n : update.mp_reach) standing[{slot, n.prefix}] = update.attributes;
}

}  // namespace

std::variant<MrtContents, std::string> read_mrt(bgp::ByteSpan bytes) {
    MrtContents out;
    StandingRoutes standing;
    bgp::WireReader file(bytes);
    std::size_t offset = 0;
    try {
        while (!file.empty()) {
            offset = file.offset();
            read_number<std::uint32_t>(file, "record header");
            const auto type = read_number<std::uint16_t>(file, "record header");
            const auto subtype = read_number<std::uint16_t>(file, "record header");
            const auto length = read_number<std::uint32_t>(file, "record header");
            auto body = file.sub_reader(length);
            if (!body) throw MrtReadError{"record of " + std::to_string(length) + " bytes runs past the end of the file"};
            ++out.records;
            auto& r = *body;
            if (type == bgp4mp_et) (void)read_number<std::uint32_t>(r, "microseconds");
            if (type == table_dump_v2 && subtype == peer_index_table) {
                (void)read_number<std::uint32_t>(r, "collector id");
                const auto name_length = read_number<std::uint16_t>(r, "view name length");
                if (!r.skip(name_length)) throw MrtReadError{"truncated view name"};
                const auto count = read_number<std::uint16_t>(r, "peer count");
                out.peers.clear();
                for (unsigned i = 0; i < count; ++i) {
                    const auto peer_type = read_number<std::uint8_t>(r, "peer type");
                    MrtPeer peer;
                    peer.router_id = read_number<std::uint32_t>(r, "peer router id");
                    peer.address = read_address(r, (peer_type & peer_ipv6) != 0, "peer address");
                    peer.as = (peer_type & peer_as4) != 0 ? read_number<std::uint32_t>(r, "peer AS") : read_number<std::uint16_t>(r, "peer AS");
                    out.peers.push_back(peer);
                }
            } else if (type == table_dump_v2 && (subtype == rib_ipv4_unicast || subtype == rib_ipv6_unicast)) {
                const bool v6 = subtype == rib_ipv6_unicast;
                (void)read_number<std::uint32_t>(r, "sequence number");
                const auto prefix = read_prefix(r, v6);
                const auto entries = read_number<std::uint16_t>(r, "entry count");
                for (unsigned i = 0; i < entries; ++i) {
                    const auto peer = read_number<std::uint16_t>(r, "peer index");
                    if (peer >= out.peers.size()) throw MrtReadError{"peer index " + std::to_string(peer) + " is not in the PEER_INDEX_TABLE"};
                    (void)read_number<std::uint32_t>(r, "originated time");
                    const auto attributes_length = read_number<std::uint16_t>(r, "attribute length");
                    bgp::ByteSpan list;
                    if (!r.read_bytes(attributes_length, list)) throw MrtReadError{"truncated attributes"};
                    if (auto attributes = read_entry_attributes(list, prefix))
                        out.routes.push_back({peer, prefix, std::move(*attributes)});
                    else
                        ++out.skipped_routes;
                }
            } else if ((type == bgp4mp || type == bgp4mp_et) &&
                       (subtype == bgp4mp_message || subtype == bgp4mp_message_as4 || subtype == bgp4mp_message_addpath ||
                        subtype == bgp4mp_message_as4_addpath)) {
                read_bgp4mp(r, subtype, out, standing);
            } else {
                ++out.skipped_records;
            }
        }
    } catch (const MrtReadError& e) {
        return "MRT record at offset " + std::to_string(offset) + ": " + e.text;
    }
    for (auto& [key, attributes] : standing) out.routes.push_back({key.first, key.second, std::move(attributes)});
    return out;
}

}  // namespace bgpemu::rib
