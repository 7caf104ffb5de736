// One entry of a speaker's `neighbors`: the peer, the session's timers and transport
// options, and its policy. The Azure role presets (this speaker's role toward the peer's)
// come first, so every key overrides them.
#include <algorithm>
#include <cmath>

#include "bgp/session/transport_security.hpp"
#include "daemon/azure/constraints.hpp"
#include "daemon/config/sections.hpp"

namespace bgpemu::daemon::detail {

namespace {

struct NeighborRead {
    YAML::Node node{};
    const AzureRole& azure;
    SpeakersRead& speakers;
    bgp::SpeakerConfig& speaker;
    bgp::NeighborConfig neighbor{};
    bool complete = true;

    [[nodiscard]] std::string where() const { return "neighbor '" + neighbor.name + "'"; }
    [[nodiscard]] const rib::PolicySet& policy() const { return *speaker.policy; }
};

// `next_hop: {ipv4, ipv6}`: the addresses advertised as "self".
constexpr Key<bgp::NeighborConfig> next_hop_keys[] = {
    {"ipv4",
     [](Reader& r, const YAML::Node& v, bgp::NeighborConfig& n) {
         n.self_next_hop_v4 = r.address(v, "next_hop ipv4");
         if (n.self_next_hop_v4 && !n.self_next_hop_v4->is_v4()) r.error(v, "next_hop ipv4 must be an IPv4 address");
     }},
    {"ipv6",
     [](Reader& r, const YAML::Node& v, bgp::NeighborConfig& n) {
         n.self_next_hop_v6 = r.address(v, "next_hop ipv6");
         if (n.self_next_hop_v6 && n.self_next_hop_v6->is_v4()) r.error(v, "next_hop ipv6 must be an IPv6 address");
     }},
};

void read_maximum_prefix_limit(Reader& reader, const YAML::Node& value, NeighborRead& read) {
    if (auto limit = reader.unsigned_integer(value, read.where() + " maximum_prefix", 1, 4294967295ULL))
        read.neighbor.maximum_prefix = static_cast<std::uint32_t>(*limit);
}

// A family's own limit (`ipv4`, `ipv6`): its routes dropped past it, the session kept.
template <int family>
void read_family_prefix_limit(Reader& reader, const YAML::Node& value, NeighborRead& read) {
    if (auto limit = reader.unsigned_integer(value, read.where() + " maximum_prefix " + (family == 0 ? "ipv4" : "ipv6"), 1,
                                             4294967295ULL))
        read.neighbor.maximum_prefix_by_family[family] = static_cast<std::uint32_t>(*limit);
}

// `maximum_prefix: {limit, ipv4, ipv6, warning_percent, restart, warning_only}` (or the
// limit alone): `limit` counts every family and closes the session; `ipv4` and `ipv6`
// count one and drop only it.
constexpr Key<NeighborRead> maximum_prefix_keys[] = {
    {"limit", read_maximum_prefix_limit,
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         if (!v["ipv4"] && !v["ipv6"]) r.error(v, x.where() + " maximum_prefix needs a 'limit' (or a family's: 'ipv4', 'ipv6')");
     }},
    {"ipv4", read_family_prefix_limit<0>},
    {"ipv6", read_family_prefix_limit<1>},
    {"warning_percent",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         if (auto value = r.unsigned_integer(v, "warning_percent", 1, 100))
             x.neighbor.maximum_prefix_warning_percent = static_cast<unsigned>(*value);
     }},
    {"restart",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         if (auto value = r.unsigned_integer(v, "restart (seconds)", 0, 86400))
             x.neighbor.maximum_prefix_restart = std::chrono::seconds(*value);
     }},
    {"warning_only",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         x.neighbor.maximum_prefix_warning_only = r.boolean(v, "warning_only").value_or(false);
     }},
};

void apply_role_defaults(NeighborRead& read, Role peer_role) {
    apply_neighbor_defaults(read.azure, peer_role, read.policy(), read.neighbor);
}

// In the order they are read: the role presets first, the peer's address and AS before
// the name that defaults to the address, ebgp_multihop before ttl_security.
constexpr Key<NeighborRead> neighbor_keys[] = {
    {"peer_role",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         Role peer_role = Role::none;
         if (auto text = r.string(v, "peer_role")) {
             if (auto parsed = parse_role(*text)) peer_role = *parsed;
             else r.error(v, "peer_role must be " + dataplane::role_choices() + ", not '" + *text + "'");
         }
         apply_role_defaults(x, peer_role);
     },
     // The role of the speaker the neighbour is named after.
     [](Reader&, const YAML::Node& node, NeighborRead& x) {
         Role peer_role = Role::none;
         if (const auto name = node["name"]; name && name.IsScalar())
             if (const auto it = x.speakers.roles.find(name.Scalar()); it != x.speakers.roles.end()) peer_role = it->second;
         apply_role_defaults(x, peer_role);
     }},
    {"address",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         if (auto value = r.endpoint(v, "neighbor address", std::uint16_t{179})) x.neighbor.remote = *value;
         else x.complete = false;
     },
     [](Reader& r, const YAML::Node& node, NeighborRead& x) {
         r.error(node, "neighbor needs an 'address' (the peer's transport ADDRESS[:PORT])");
         x.complete = false;
     }},
    {"asn",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         if (auto value = r.unsigned_integer(v, "asn", 1, max_asn)) {
             x.neighbor.remote_as = static_cast<std::uint32_t>(*value);
             // An iBGP peer of a Route Server is its VNet's gateway (branch-to-branch).
             if (x.neighbor.remote_as != x.speaker.asn)
                 if (auto refused = refuse_route_server_peer_asn(x.azure.role, x.neighbor.remote_as)) r.error(v, *refused);
         } else {
             x.complete = false;
         }
     },
     [](Reader& r, const YAML::Node& node, NeighborRead& x) {
         r.error(node, "neighbor needs an 'asn'");
         x.complete = false;
     }},
    {"name", [](Reader& r, const YAML::Node& v, NeighborRead& x) { x.neighbor.name = r.string(v, "neighbor name").value_or(""); },
     [](Reader&, const YAML::Node&, NeighborRead& x) { x.neighbor.name = x.neighbor.remote.address.to_string(); }},
    {"description",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) { x.neighbor.description = r.string(v, "description").value_or(""); }},
    {"local_address",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) { x.neighbor.local_address = r.address(v, "local_address"); }},
    {"passive", [](Reader& r, const YAML::Node& v, NeighborRead& x) { x.neighbor.passive = r.boolean(v, "passive").value_or(false); }},
    {"shutdown",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) { x.neighbor.enabled = !r.boolean(v, "shutdown").value_or(false); }},
    {"hold_time",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         auto value = r.unsigned_integer(v, "hold_time", 0, 65535);
         if (!value) return;
         if (*value == 1 || *value == 2) r.error(v, "hold_time must be 0 or at least 3 seconds (RFC 4271 §4.2)");
         if (auto refused = refuse_hold_time(x.azure.role, *value)) r.error(v, *refused);
         x.neighbor.hold_time = static_cast<std::uint16_t>(*value);
     }},
    {"open_hold_time",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         if (auto value = r.unsigned_integer(v, "open_hold_time", 3, 65535))
             x.neighbor.open_hold_time = std::chrono::seconds(*value);
     }},
    {"connect_retry",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         if (auto value = r.unsigned_integer(v, "connect_retry", 1, 65535))
             x.neighbor.connect_retry = std::chrono::seconds(*value);
     }},
    // Seconds, decimals allowed: how long the session only accepts before its first
    // outgoing connection. Unset, the daemon picks it for sessions between two of its
    // own speakers (local_sessions.cpp).
    {"connect_delay",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         double seconds = -1;
         if (!v.IsScalar() || !YAML::convert<double>::decode(v, seconds) || !(seconds >= 0 && seconds <= 65535)) {
             r.error(v, "connect_delay must be a number of seconds (0..65535, decimals allowed)");
             return;
         }
         x.neighbor.connect_delay = std::chrono::milliseconds(std::llround(seconds * 1000));
         x.speakers.explicit_connect_delays.emplace(x.speaker.name, x.neighbor.name);
     }},
    {"advertisement_interval",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         if (auto value = r.unsigned_integer(v, "advertisement_interval", 0, 600))
             x.neighbor.advertisement_interval = std::chrono::seconds(*value);
     }},
    {"ebgp_multihop",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         if (auto value = r.unsigned_integer(v, "ebgp_multihop", 1, 255)) x.neighbor.ebgp_multihop = static_cast<unsigned>(*value);
     }},
    {"ttl_security",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         // RFC 5082 GTSM: 255 is the TTL of a directly connected peer, so at most 254 hops.
         if (auto value = r.unsigned_integer(v, "ttl_security", 1, 254)) x.neighbor.ttl_security = static_cast<unsigned>(*value);
         // GTSM sends with TTL 255 whatever the distance; FRR refuses the two together too.
         if (x.node["ebgp_multihop"])
             r.error(v, x.where() + ": ttl_security and ebgp_multihop cannot both be set "
                                    "(GTSM sends with TTL 255; ttl_security: N already allows a peer N hops away)");
         // A role's default multihop (vpn-gateway) gives way to GTSM.
         x.neighbor.ebgp_multihop = 0;
     }},
    {"password",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         auto text = r.string(v, "password");
         if (!text) return;
         if (text->empty() || text->size() > bgp::max_tcp_md5_key_length)
             r.error(v, x.where() + ": password must be 1.." + std::to_string(bgp::max_tcp_md5_key_length) +
                            " bytes (a TCP-MD5 key, RFC 2385), not " + std::to_string(text->size()));
         else
             x.neighbor.password = *text;
     }},
    {"next_hop_self",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) { x.neighbor.next_hop_self = r.boolean(v, "next_hop_self").value_or(false); }},
    {"allowas_in",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         if (auto value = r.unsigned_integer(v, "allowas_in", 0, 10)) x.neighbor.allowas_in = static_cast<unsigned>(*value);
     }},
    {"sender_side_loop_detection",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         x.neighbor.sender_side_loop_detection = r.boolean(v, "sender_side_loop_detection").value_or(false);
     }},
    {"weight",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         if (auto value = r.unsigned_integer(v, "weight", 0, 65535)) x.neighbor.weight = static_cast<std::uint32_t>(*value);
     }},
    {"extended_message",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         x.neighbor.extended_message = r.boolean(v, "extended_message").value_or(false);
     }},
    {"families",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         if (!v.IsSequence()) return r.error(v, "families must be a list of ipv4, ipv6");
         x.neighbor.families.clear();
         for (const auto& item : v) {
             auto text = r.string(item, "family");
             if (text == "ipv4") x.neighbor.families.push_back({bgp::Afi::ipv4, bgp::Safi::unicast});
             else if (text == "ipv6") x.neighbor.families.push_back({bgp::Afi::ipv6, bgp::Safi::unicast});
             else if (text) r.error(item, "family '" + *text + "' is not one of ipv4, ipv6");
         }
     }},
    {"next_hop",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         if (r.is_map(v, "next_hop")) read_section(r, v, next_hop_keys, "next_hop", x.neighbor);
     }},
    {"interface",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         auto& neighbor = x.neighbor;
         neighbor.interface = r.string(v, "neighbor interface").value_or("");
         const auto& interfaces = x.speaker.interfaces;
         if (!neighbor.interface.empty() &&
             std::none_of(interfaces.begin(), interfaces.end(), [&](const auto& i) { return i.name == neighbor.interface; }))
             r.error(v, x.where() + ": speaker '" + x.speaker.name + "' has no interface '" + neighbor.interface + "'");
     }},
    // Policy, from the speaker's policy objects (its own, then the file's).
    {"route_map_in",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         x.neighbor.route_map_in = resolve_route_map(r, v, x.where() + " route_map_in", x.policy());
     }},
    {"route_map_out",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         x.neighbor.route_map_out = resolve_route_map(r, v, x.where() + " route_map_out", x.policy());
     }},
    {"prefix_list_in",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         x.neighbor.prefix_list_in = resolve_prefix_list(r, v, x.where() + " prefix_list_in", x.policy());
     }},
    {"prefix_list_out",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         x.neighbor.prefix_list_out = resolve_prefix_list(r, v, x.where() + " prefix_list_out", x.policy());
     }},
    {"remove_private_as",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         bool flag = false;
         if (v.IsScalar() && v.Scalar() == "all")
             x.neighbor.remove_private_as = rib::RemovePrivateAs::all;
         else if (v.IsScalar() && YAML::convert<bool>::decode(v, flag))
             x.neighbor.remove_private_as = flag ? rib::RemovePrivateAs::yes : rib::RemovePrivateAs::no;
         else
             r.error(v, x.where() + " remove_private_as must be true, false or all");
     }},
    {"as_override",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) { x.neighbor.as_override = r.boolean(v, "as_override").value_or(false); }},
    {"soft_reconfiguration_inbound",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         x.neighbor.soft_reconfiguration_inbound = r.boolean(v, "soft_reconfiguration_inbound").value_or(false);
     }},
    {"maximum_prefix",
     [](Reader& r, const YAML::Node& v, NeighborRead& x) {
         if (v.IsScalar()) read_maximum_prefix_limit(r, v, x);
         else if (r.is_map(v, x.where() + " maximum_prefix")) read_section(r, v, maximum_prefix_keys, "maximum_prefix", x);
     }},
};

}  // namespace

void read_neighbor(Reader& reader, const YAML::Node& node, const AzureRole& azure, SpeakersRead& speakers,
                   bgp::SpeakerConfig& speaker) {
    if (!reader.is_map(node, "neighbor")) return;
    NeighborRead read{node, azure, speakers, speaker};
    read_section(reader, node, neighbor_keys, "neighbor", read);
    if (read.complete) speaker.neighbors.push_back(std::move(read.neighbor));
}

}  // namespace bgpemu::daemon::detail
