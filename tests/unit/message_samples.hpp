// One of every BGP message our encoders produce, each with the context it was encoded
// for. Shared by the tshark conformance test (codec_pcap_test) and the fuzz seed-corpus
// writer (tests/fuzz/write_seed_corpus), so both cover the same messages.
//
// The values are chosen to exercise every capability and path attribute the codec
// knows, not to be a plausible routing table: an iBGP attribute (LOCAL_PREF,
// ORIGINATOR_ID) sits beside eBGP ones (OTC) on purpose.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/wire/codec.hpp"
#include "bgp/wire/update_packer.hpp"

namespace bgpemu::test {

struct MessageSample {
    std::string name;          // file-name friendly: "update-ipv4-all-attributes"
    bgp::MessageType type;
    bgp::EncodeContext encode; // what the sender may send
    bgp::DecodeContext decode; // the matching receiver's view
    bgp::Bytes wire;           // one whole message, header included
};

inline bgp::Prefix prefix(std::string_view text) {
    auto parsed = bgp::Prefix::parse(text);
    if (!parsed) throw std::invalid_argument("bad prefix in sample: " + std::string(text));
    return *parsed;
}

inline bgp::IpAddress address(std::string_view text) {
    auto parsed = bgp::IpAddress::parse(text);
    if (!parsed) throw std::invalid_argument("bad address in sample: " + std::string(text));
    return *parsed;
}

inline bgp::AsPath as_path(std::string_view text) {
    auto parsed = bgp::AsPath::parse(text);
    if (!parsed) throw std::invalid_argument("bad AS path in sample: " + std::string(text));
    return *parsed;
}

inline std::vector<bgp::Nlri> nlri(std::initializer_list<std::string_view> prefixes, std::uint32_t first_path_id = 0) {
    std::vector<bgp::Nlri> out;
    std::uint32_t path_id = first_path_id;
    for (auto text : prefixes) out.push_back(bgp::Nlri{prefix(text), first_path_id == 0 ? 0 : path_id++});
    return out;
}

inline bgp::Bytes as_bytes(std::initializer_list<std::uint8_t> values) {
    bgp::Bytes out;
    for (auto v : values) out.push_back(std::byte{v});
    return out;
}

// Contexts: a NEW (RFC 6793) eBGP session, and one toward an OLD 2-octet speaker.
inline bgp::EncodeContext four_octet_encode() { return bgp::EncodeContext{}; }
inline bgp::DecodeContext four_octet_decode() { return bgp::DecodeContext{}; }
inline bgp::EncodeContext two_octet_encode() {
    bgp::EncodeContext context;
    context.four_octet_as = false;
    return context;
}
inline bgp::DecodeContext two_octet_decode() {
    bgp::DecodeContext context;
    context.four_octet_as = false;
    return context;
}

inline bgp::OpenMessage open_with_every_capability() {
    using namespace bgp;
    OpenMessage open;
    open.my_as = static_cast<std::uint16_t>(as_trans);  // the real ASN rides in the capability
    open.hold_time = 90;
    open.bgp_identifier = 0x0a000001;  // 10.0.0.1
    auto& caps = open.capabilities;
    caps.multiprotocol = {{Afi::ipv4, Safi::unicast}, {Afi::ipv6, Safi::unicast}};
    caps.route_refresh = true;
    caps.route_refresh_cisco = true;
    caps.enhanced_route_refresh = true;
    caps.extended_message = true;
    caps.four_octet_as = 4200000001;
    caps.graceful_restart = GracefulRestartCapability{
        false, true, 120, {{{Afi::ipv4, Safi::unicast}, true}, {{Afi::ipv6, Safi::unicast}, false}}};
    caps.add_path = {{{Afi::ipv4, Safi::unicast}, AddPathMode::both}, {{Afi::ipv6, Safi::unicast}, AddPathMode::receive}};
    caps.extended_next_hop = {{{Afi::ipv4, Safi::unicast}, Afi::ipv6}};
    caps.fqdn = FqdnCapability{"bgpemu-1", "example.net"};
    caps.role = BgpRole::customer;
    // RFC 9494 §2: AFI, SAFI, flags (F bit), 24-bit long-lived stale time (3600 s).
    caps.long_lived_graceful_restart = true;
    caps.long_lived_graceful_restart_value = as_bytes({0x00, 0x01, 0x01, 0x80, 0x00, 0x0e, 0x10});
    caps.unknown = {RawCapability{239, as_bytes({0x01, 0x02, 0x03})}};  // private use (RFC 5492 §4)
    return open;
}

// Every path attribute type, for a 2-octet encode context: AS_PATH carries AS_TRANS and
// the encoder adds AS4_PATH / AS4_AGGREGATOR for the 4-octet ASNs (RFC 6793 §4.2.2).
inline bgp::UpdateMessage update_ipv4_every_attribute() {
    using namespace bgp;
    UpdateMessage update;
    update.withdrawn = nlri({"192.0.2.0/24", "198.18.0.0/15"});
    auto& a = update.attributes;
    a.origin = Origin::igp;
    a.as_path = as_path("65001 4200000001 {65003,4200000004}");
    a.has_as_path = true;
    a.next_hop = address("10.0.0.1");
    a.med = 100;
    a.local_pref = 200;
    a.atomic_aggregate = true;
    a.aggregator = Aggregator{4200000001, address("10.0.0.9")};
    a.communities = {0xFDE90064 /* 65001:100 */, well_known_community::graceful_shutdown,
                     well_known_community::no_export};
    a.originator_id = 0x0a000002;
    a.cluster_list = {0x0a000003, 0x0a000004};
    a.extended_communities = {
        0x0002FDE900000064ULL,  // route target 65001:100 (RFC 4360 §4, two-octet AS specific)
        0x01030A0000010001ULL,  // route origin 10.0.0.1:1 (IPv4 address specific)
    };
    a.large_communities = {LargeCommunity{4200000001, 1, 2}, LargeCommunity{65001, 0, 100}};
    a.only_to_customer = 65001;
    a.unknown = {RawAttribute{attribute_flag::optional | attribute_flag::transitive, 77, as_bytes({0xde, 0xad, 0xbe, 0xef})}};  // unassigned (IANA); not 99, which Wireshark takes for draft BGP-LS
    // No 0.0.0.0/0 here: Wireshark guesses ADD-PATH for an IPv4 NLRI field that holds a
    // zero-length prefix beside others (detect_add_path_prefix4 in packet-bgp.c), then
    // misreads the field and calls our valid UPDATE malformed.
    update.nlri = nlri({"198.51.100.0/24", "203.0.113.128/25", "10.0.0.0/8"});
    return update;
}

inline bgp::UpdateMessage update_ipv6_mp_reach() {
    using namespace bgp;
    UpdateMessage update;
    auto& a = update.attributes;
    a.origin = Origin::incomplete;
    a.as_path = as_path("4200000001 65002");
    a.has_as_path = true;
    a.mp_next_hop = address("2001:db8::1");
    a.mp_next_hop_link_local = address("fe80::1");
    a.med = 0;
    a.communities = {0xFDE900C8};  // 65001:200
    a.large_communities = {LargeCommunity{4200000001, 3, 4}};
    update.mp_reach_family = AfiSafi{Afi::ipv6, Safi::unicast};
    update.mp_reach = nlri({"2001:db8:1::/48", "2001:db8:2:3::/64", "2001:db8:ffff::1/128"});
    return update;
}

inline bgp::UpdateMessage update_ipv6_mp_unreach() {
    using namespace bgp;
    UpdateMessage update;
    update.mp_unreach_family = AfiSafi{Afi::ipv6, Safi::unicast};
    update.mp_unreach = nlri({"2001:db8:1::/48", "2001:db8:2:3::/64"});
    return update;
}

// ADD-PATH (RFC 7911): every NLRI carries a Path Identifier; only a peer that negotiated
// it can frame these prefixes, so this sample has its own contexts.
inline bgp::UpdateMessage update_ipv4_add_path() {
    using namespace bgp;
    UpdateMessage update;
    update.withdrawn = nlri({"192.0.2.0/24"}, 7);
    auto& a = update.attributes;
    a.origin = Origin::igp;
    a.as_path = as_path("65001 65002");
    a.has_as_path = true;
    a.next_hop = address("10.0.0.1");
    update.nlri = nlri({"198.51.100.0/24", "198.51.100.0/24", "203.0.113.0/24"}, 1);
    return update;
}

inline MessageSample make_sample(std::string name, bgp::MessageType type, bgp::EncodeContext encode,
                                 bgp::DecodeContext decode, bgp::Bytes wire) {
    return MessageSample{std::move(name), type, encode, decode, std::move(wire)};
}

inline bgp::Bytes encode_or_throw(const bgp::UpdateMessage& update, const bgp::EncodeContext& context) {
    bgp::Bytes out;
    if (!bgp::encode_update(update, context, out)) throw std::length_error("sample UPDATE does not fit one message");
    return out;
}

// One of every message type, in the order a session would plausibly send them.
inline std::vector<MessageSample> every_message_type() {
    using namespace bgp;
    std::vector<MessageSample> samples;
    const auto four_e = four_octet_encode();
    const auto four_d = four_octet_decode();
    const auto two_e = two_octet_encode();
    const auto two_d = two_octet_decode();
    Bytes out;

    encode_open(open_with_every_capability(), out);
    samples.push_back(make_sample("open-every-capability", MessageType::open, four_e, four_d, std::move(out)));

    samples.push_back(make_sample("update-ipv4-every-attribute-as2", MessageType::update, two_e, two_d,
                                  encode_or_throw(update_ipv4_every_attribute(), two_e)));
    samples.push_back(make_sample("update-ipv6-mp-reach", MessageType::update, four_e, four_d,
                                  encode_or_throw(update_ipv6_mp_reach(), four_e)));
    samples.push_back(make_sample("update-ipv6-mp-unreach", MessageType::update, four_e, four_d,
                                  encode_or_throw(update_ipv6_mp_unreach(), four_e)));

    out = {};
    UpdatePacker(four_e).end_of_rib(AfiSafi{Afi::ipv4, Safi::unicast}, out);
    samples.push_back(make_sample("update-end-of-rib-ipv4", MessageType::update, four_e, four_d, std::move(out)));
    out = {};
    UpdatePacker(four_e).end_of_rib(AfiSafi{Afi::ipv6, Safi::unicast}, out);
    samples.push_back(make_sample("update-end-of-rib-ipv6", MessageType::update, four_e, four_d, std::move(out)));

    out = {};
    // RFC 9003: Administrative Shutdown with a UTF-8 shutdown communication.
    encode_notification(NotificationMessage::cease(cease_subcode::administrative_shutdown,
                                                   "planned maintenance \xe2\x80\x94 back at 02:00 UTC"),
                        out);
    samples.push_back(make_sample("notification-cease-shutdown-communication", MessageType::notification, four_e,
                                  four_d, std::move(out)));

    out = {};
    encode_keepalive(out);
    samples.push_back(make_sample("keepalive", MessageType::keepalive, four_e, four_d, std::move(out)));

    const struct {
        const char* name;
        AfiSafi family;
        RouteRefreshSubtype subtype;
    } refreshes[] = {
        {"route-refresh-ipv4", {Afi::ipv4, Safi::unicast}, RouteRefreshSubtype::normal},
        {"route-refresh-borr-ipv6", {Afi::ipv6, Safi::unicast}, RouteRefreshSubtype::begin_of_rib},
        {"route-refresh-eorr-ipv6", {Afi::ipv6, Safi::unicast}, RouteRefreshSubtype::end_of_rib},
    };
    for (const auto& refresh : refreshes) {
        out = {};
        encode_route_refresh(RouteRefreshMessage{refresh.family, refresh.subtype}, out);
        samples.push_back(make_sample(refresh.name, MessageType::route_refresh, four_e, four_d, std::move(out)));
    }
    return samples;
}

// Samples that need a negotiated option a passive observer such as tshark cannot know
// (ADD-PATH) or that only a negotiated session may carry (Extended Message): the fuzz
// corpus uses them, the pcap test does not.
inline std::vector<MessageSample> negotiated_option_samples() {
    using namespace bgp;
    EncodeContext encode;
    encode.add_path_send.ipv4_unicast = true;
    DecodeContext decode;
    decode.add_path_receive.ipv4_unicast = true;
    std::vector<MessageSample> samples;
    samples.push_back(make_sample("update-ipv4-add-path", MessageType::update, encode, decode,
                                  encode_or_throw(update_ipv4_add_path(), encode)));

    // RFC 8654: an UPDATE longer than 4096 octets, legal only once Extended Message is agreed.
    EncodeContext extended_encode;
    extended_encode.extended_message = true;
    DecodeContext extended_decode;
    extended_decode.extended_message = true;
    UpdateMessage large;
    large.attributes.origin = Origin::igp;
    large.attributes.as_path = as_path("65001");
    large.attributes.has_as_path = true;
    large.attributes.next_hop = address("10.0.0.1");
    for (std::uint32_t i = 0; i < 1200; ++i)  // 10.0.0.0/24 .. 10.4.175.0/24, 4 octets each
        large.nlri.push_back(Nlri{Prefix::make(IpAddress::v4(0x0a000000 | (i << 8)), 24)});
    samples.push_back(make_sample("update-ipv4-extended-message", MessageType::update, extended_encode,
                                  extended_decode, encode_or_throw(large, extended_encode)));
    return samples;
}

}  // namespace bgpemu::test
