// MRT table dumps (rib/mrt.hpp) read back field by field as RFC 6396 lays them out: the
// common header, the PEER_INDEX_TABLE (four-octet ASes, an IPv6 peer, the speaker's own
// entry for its networks), RIB_IPV4_UNICAST and RIB_IPV6_UNICAST records with their
// entries, AS paths in four octets and the abbreviated MP_REACH_NLRI; BGP4MP message and
// state-change records; and the base64 that carries a dump in the admin protocol.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>

#include "daemon/admin/base64.hpp"
#include "bgp/wire/codec.hpp"
#include "rib/attr_store.hpp"
#include "rib/mrt.hpp"

namespace bgpemu::rib {
namespace {

bgp::IpAddress ip(std::string_view text) { return *bgp::IpAddress::parse(text); }
bgp::Prefix prefix(std::string_view text) { return *bgp::Prefix::parse(text); }

bgp::PathAttributes path(std::string_view as_path) {
    bgp::PathAttributes a;
    a.origin = bgp::Origin::igp;
    a.as_path = *bgp::AsPath::parse(as_path);
    a.has_as_path = true;
    return a;
}

// Reads the dump back, big-endian, as a parser would.
struct Reader {
    const bgp::Bytes& bytes;
    std::size_t at = 0;
    std::uint32_t u(int octets) {
        std::uint32_t v = 0;
        for (int i = 0; i < octets; ++i) v = (v << 8) | std::to_integer<std::uint32_t>(bytes.at(at++));
        return v;
    }
    bgp::Bytes take(std::size_t n) {
        bgp::Bytes out(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.begin() + static_cast<std::ptrdiff_t>(at + n));
        at += n;
        return out;
    }
};

bool contains(const bgp::Bytes& haystack, const std::vector<unsigned>& needle) {
    for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
        bool all = true;
        for (std::size_t k = 0; k < needle.size() && all; ++k) all = std::to_integer<unsigned>(haystack[i + k]) == needle[k];
        if (all) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("a Loc-RIB as MRT TABLE_DUMP_V2", "[rib][mrt]") {
    AttrStore store;
    LocRib rib;
    const auto peer = [](std::uint32_t as, std::uint32_t router_id, std::string_view address) {
        PeerInfo info;
        info.peer_as = as;
        info.local_as = 65000;
        info.external = true;
        info.router_id = router_id;
        info.address = ip(address);
        return info;
    };
    const auto a = rib.add_peer(peer(4200000001, 0x01010101, "10.0.0.1"));
    const auto b = rib.add_peer(peer(65002, 0x02020202, "2001:db8::2"));
    PeerInfo own_networks;
    own_networks.local_as = 65000;
    own_networks.locally_originated = true;
    const auto self = rib.add_peer(own_networks);
    auto from_a = path("4200000001 65010");
    from_a.next_hop = ip("10.0.0.1");
    auto from_a_worse = path("4200000001 65020 65010");
    from_a_worse.next_hop = ip("10.0.0.1");
    auto from_b = path("65002");
    from_b.mp_next_hop = ip("2001:db8::2");
    auto own = path("");
    own.next_hop = ip("0.0.0.0");
    rib.announce(a, prefix("192.0.2.0/24"), store.intern(from_a));
    rib.announce(b, prefix("192.0.2.0/24"), store.intern(from_b));  // the shorter AS path: it wins
    rib.announce(a, prefix("198.51.100.128/25"), store.intern(from_a_worse));
    rib.announce(b, prefix("2001:db8:100::/40"), store.intern(from_b));
    rib.announce(self, prefix("203.0.113.0/24"), store.intern(own));
    rib.run_decision([](const RouteChange&) {});

    MrtDumpOptions options;
    options.timestamp = 1700000000;
    options.collector_id = 0x0a0a0a0a;
    options.view_name = "ce1";
    options.local_as = 65000;
    bgp::Bytes dump;
    const auto counts = write_table_dump_v2(rib, options, dump);
    CHECK(counts.prefixes == 4);
    CHECK(counts.entries == 4);  // best paths only

    Reader r{dump};
    // The common header and the PEER_INDEX_TABLE.
    CHECK(r.u(4) == 1700000000);
    CHECK(r.u(2) == 13);
    CHECK(r.u(2) == 1);
    const auto length = r.u(4);
    const auto body_start = r.at;
    CHECK(r.u(4) == 0x0a0a0a0a);
    CHECK(r.u(2) == 3);
    CHECK(r.take(3) == bgp::Bytes{std::byte{'c'}, std::byte{'e'}, std::byte{'1'}});
    const auto peers = r.u(2);
    REQUIRE(peers == counts.peers);
    std::map<std::uint32_t, std::uint32_t> as_of_peer;  // index -> AS
    std::map<std::uint32_t, bool> v6_peer;
    for (std::uint32_t i = 0; i < peers; ++i) {
        const auto type = r.u(1);
        CHECK((type & 0x02) != 0);  // four-octet AS, always
        v6_peer[i] = (type & 0x01) != 0;
        r.u(4);
        r.take(v6_peer[i] ? 16 : 4);
        as_of_peer[i] = r.u(4);
    }
    CHECK(r.at - body_start == length);

    // Then one record per prefix, in order: 192.0.2.0/24, 198.51.100.128/25, 203.0.113.0/24, the IPv6 one.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> records;  // subtype, prefix length
    std::vector<bgp::Bytes> attributes;
    std::vector<std::uint32_t> peer_as;
    while (r.at < dump.size()) {
        CHECK(r.u(4) == 1700000000);
        CHECK(r.u(2) == 13);
        const auto subtype = r.u(2);
        const auto record_length = r.u(4);
        const auto start = r.at;
        r.u(4);  // sequence
        const auto bits = r.u(1);
        r.take((bits + 7) / 8);
        const auto entries = r.u(2);
        for (std::uint32_t e = 0; e < entries; ++e) {
            peer_as.push_back(as_of_peer.at(r.u(2)));
            CHECK(r.u(4) == 1700000000);
            attributes.push_back(r.take(r.u(2)));
        }
        CHECK(r.at - start == record_length);
        records.emplace_back(subtype, bits);
    }
    CHECK(records == std::vector<std::pair<std::uint32_t, std::uint32_t>>{{2, 24}, {2, 25}, {2, 24}, {4, 40}});
    // The shorter AS path from the IPv6 peer won 192.0.2.0/24; four-octet ASes in four
    // octets (AS_SEQUENCE of 2: 4200000001 65010 for the /25's longer one).
    CHECK(peer_as == std::vector<std::uint32_t>{65002, 4200000001, 65000, 65002});
    CHECK(contains(attributes[1], {0x02, 0x03, 0xfa, 0x56, 0xea, 0x01, 0x00, 0x00, 0xfd, 0xfc}));
    // The IPv6 entry: MP_REACH_NLRI with only the next hop's length and address.
    CHECK(contains(attributes[3], {0x80, 0x0e, 0x11, 0x10, 0x20, 0x01, 0x0d, 0xb8}));

    // --all-paths: the candidate that lost is there too.
    bgp::Bytes all;
    auto every = options;
    every.all_paths = true;
    CHECK(write_table_dump_v2(rib, every, all).entries == 5);

    // And read back: every entry with its peer and the attributes it was written with.
    const auto read = read_mrt(dump);
    INFO((std::holds_alternative<std::string>(read) ? std::get<std::string>(read) : std::string()));
    REQUIRE(std::holds_alternative<MrtContents>(read));
    const auto& contents = std::get<MrtContents>(read);
    CHECK(contents.records == 5);
    REQUIRE(contents.routes.size() == 4);
    std::map<std::string, std::string> routes;
    for (const auto& route : contents.routes) {
        const auto& from = contents.peers.at(route.peer);
        const auto& hop = route.attributes.next_hop ? route.attributes.next_hop : route.attributes.mp_next_hop;
        routes[route.prefix.to_string()] = from.address.to_string() + " AS" + std::to_string(from.as) + " [" +
                                           route.attributes.as_path.to_string() + "] " + (hop ? hop->to_string() : "-");
    }
    for (const auto& [key, value] : routes) UNSCOPED_INFO(key << " -> " << value);
    CHECK(routes == std::map<std::string, std::string>{
                        {"192.0.2.0/24", "2001:db8::2 AS65002 [65002] -"},  // an IPv6 next hop of an IPv4 route is not dumped
                        {"198.51.100.128/25", "10.0.0.1 AS4200000001 [4200000001 65020 65010] 10.0.0.1"},
                        {"2001:db8:100::/40", "2001:db8::2 AS65002 [65002] 2001:db8::2"},
                        {"203.0.113.0/24", "0.0.0.0 AS65000 [] -"},
                    });
    // A record cut short is an error that says where.
    const auto cut = read_mrt(bgp::ByteSpan(dump).first(dump.size() - 3));
    REQUIRE(std::holds_alternative<std::string>(cut));
    CHECK(std::get<std::string>(cut).find("runs past the end of the file") != std::string::npos);
}

TEST_CASE("a session's messages and state changes as BGP4MP records", "[rib][mrt]") {
    const Bgp4mpPeer v4{.peer_as = 4200000001, .local_as = 65515, .peer_address = ip("127.65.0.1"), .local_address = ip("127.65.0.5")};
    bgp::Bytes message;
    for (int i = 0; i < 16; ++i) message.push_back(std::byte{0xff});
    for (const unsigned b : {0x00U, 0x13U, 0x04U}) message.push_back(std::byte(b));  // a KEEPALIVE
    bgp::Bytes out;
    write_bgp4mp_message(v4, 1700000000, message, out);
    Reader r{out};
    CHECK(r.u(4) == 1700000000);
    CHECK(r.u(2) == 16);  // BGP4MP
    CHECK(r.u(2) == 4);   // BGP4MP_MESSAGE_AS4
    CHECK(r.u(4) == out.size() - 12);
    CHECK(r.u(4) == 4200000001);
    CHECK(r.u(4) == 65515);
    CHECK(r.u(2) == 0);  // interface index
    CHECK(r.u(2) == 1);  // AFI IPv4
    CHECK(r.u(4) == ip("127.65.0.1").v4_value());
    CHECK(r.u(4) == ip("127.65.0.5").v4_value());
    CHECK(r.take(message.size()) == message);
    CHECK(r.at == out.size());

    // From a session that receives ADD-PATH Path Identifiers: the RFC 8050 subtype.
    bgp::Bytes add_path;
    write_bgp4mp_message(v4, 1700000000, message, add_path, true);
    Reader ap{add_path};
    (void)ap.u(4);
    CHECK(ap.u(2) == 16);
    CHECK(ap.u(2) == 9);  // BGP4MP_MESSAGE_AS4_ADDPATH

    // A message the speaker sent: BGP4MP_MESSAGE_AS4_LOCAL, which holds no route it learned.
    bgp::Bytes sent;
    write_bgp4mp_message(v4, 1700000000, message, sent, false, true);
    Reader sent_reader{sent};
    (void)sent_reader.u(4);
    CHECK(sent_reader.u(2) == 16);
    CHECK(sent_reader.u(2) == 7);
    const auto sent_read = read_mrt(sent);
    REQUIRE(std::holds_alternative<MrtContents>(sent_read));
    CHECK(std::get<MrtContents>(sent_read).routes.empty());
    CHECK(std::get<MrtContents>(sent_read).skipped_records == 1);

    // An UPDATE with Path Identifiers, written so and read back: its routes stand.
    bgp::UpdateMessage update;
    update.attributes = path("4200000001 65010");
    update.attributes.next_hop = ip("127.65.0.1");
    update.nlri = {{prefix("198.51.100.0/24"), 7}, {prefix("203.0.113.0/24"), 8}};
    bgp::EncodeContext with_path_ids;
    with_path_ids.add_path_send.ipv4_unicast = true;
    bgp::Bytes encoded;
    REQUIRE(bgp::encode_update(update, with_path_ids, encoded));
    bgp::Bytes stream;
    write_bgp4mp_message(v4, 1700000002, encoded, stream, true);
    const auto streamed = read_mrt(stream);
    REQUIRE(std::holds_alternative<MrtContents>(streamed));
    const auto& standing = std::get<MrtContents>(streamed);
    REQUIRE(standing.routes.size() == 2);
    CHECK(standing.routes[0].prefix == prefix("198.51.100.0/24"));
    CHECK(standing.routes[1].attributes.as_path.to_string() == "4200000001 65010");
    CHECK(standing.peers.at(0).as == 4200000001);

    // IPv6, the local end unknown: the unspecified address of the peer's family.
    const Bgp4mpPeer v6{.peer_as = 65001, .local_as = 65002, .peer_address = ip("2001:db8::1"), .local_address = ip("0.0.0.0")};
    bgp::Bytes change;
    write_bgp4mp_state_change(v6, 1700000001, 4, 6, change);
    Reader c{change};
    CHECK(c.u(4) == 1700000001);
    CHECK(c.u(2) == 16);
    CHECK(c.u(2) == 5);  // BGP4MP_STATE_CHANGE_AS4
    CHECK(c.u(4) == 4 + 4 + 2 + 2 + 16 + 16 + 2 + 2);
    CHECK(c.u(4) == 65001);
    CHECK(c.u(4) == 65002);
    CHECK(c.u(2) == 0);
    CHECK(c.u(2) == 2);  // AFI IPv6
    const auto peer = c.take(16);
    CHECK(std::equal(peer.begin(), peer.end(), ip("2001:db8::1").bytes().begin(),
                     [](std::byte a, std::uint8_t b) { return std::to_integer<std::uint8_t>(a) == b; }));
    const auto local = c.take(16);
    CHECK(std::all_of(local.begin(), local.end(), [](std::byte b) { return b == std::byte{0}; }));
    CHECK(c.u(2) == 4);  // OpenSent
    CHECK(c.u(2) == 6);  // Established
    CHECK(c.at == change.size());
}

TEST_CASE("base64 carries binary dumps both ways", "[admin][base64]") {
    const std::string octets("\x00\x01\xfe\xff MRT\x0d", 9);
    for (std::size_t n = 0; n <= octets.size(); ++n) {
        const auto part = octets.substr(0, n);
        const auto encoded = daemon::base64_encode(part);
        CHECK(encoded.size() == (n + 2) / 3 * 4);
        CHECK(daemon::base64_decode(encoded) == part);
    }
    CHECK(daemon::base64_encode("Man") == "TWFu");
    CHECK(daemon::base64_encode("Ma") == "TWE=");
    CHECK_FALSE(daemon::base64_decode("TWE"));     // not a multiple of four
    CHECK_FALSE(daemon::base64_decode("TW=u"));    // padding inside
    CHECK_FALSE(daemon::base64_decode("TW*u"));    // not the alphabet
}

}  // namespace bgpemu::rib
