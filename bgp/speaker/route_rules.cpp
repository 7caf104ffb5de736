#include "bgp/speaker/route_rules.hpp"

#include <algorithm>
#include <array>

namespace bgpemu::bgp {

namespace {

// ::ffff:a.b.c.d, the IPv6 next hop a speaker without an IPv6 address gives (as FRR does
// for IPv6 routes over an IPv4 session).
IpAddress v4_mapped(const IpAddress& v4) {
    std::array<std::uint8_t, 16> bytes{};
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    std::copy(v4.bytes().begin(), v4.bytes().begin() + 4, bytes.begin() + 12);
    return IpAddress::v6(bytes);
}

bool has_community(const PathAttributes& attributes, std::uint32_t community) {
    return std::find(attributes.communities.begin(), attributes.communities.end(), community) !=
           attributes.communities.end();
}

}  // namespace

const char* import_refusal(const PathAttributes& attributes, const ImportContext& neighbor) {
    if (neighbor.external && attributes.as_path.neighbour_as() != neighbor.peer_as)
        return "AS_PATH does not start with the peer's AS";
    if (attributes.as_path.count(neighbor.local_as) > neighbor.allowas_in) return "AS_PATH holds our own AS (loop)";
    return nullptr;
}

const char* export_refusal(const PathAttributes& attributes, bool learned_over_ibgp, const ExportContext& neighbor) {
    if (learned_over_ibgp && !neighbor.external) return "learned over iBGP, not passed to an iBGP peer";
    if (has_community(attributes, well_known_community::no_advertise)) return "NO_ADVERTISE";
    if (neighbor.external && (has_community(attributes, well_known_community::no_export) ||
                              has_community(attributes, well_known_community::no_export_subconfed)))
        return "NO_EXPORT toward eBGP";
    if (neighbor.external && neighbor.sender_side_loop_detection && attributes.as_path.contains(neighbor.peer_as))
        return "the path holds the peer's AS (sender-side loop detection)";
    return nullptr;
}

void prepare_export(PathAttributes& attributes, const ExportContext& neighbor) {
    const IpAddress& transport = neighbor.transport_address;
    if (neighbor.external) {
        rib::remove_private_as(attributes.as_path, neighbor.remove_private_as, neighbor.peer_as);
        if (neighbor.as_override) rib::override_as(attributes.as_path, neighbor.peer_as, neighbor.local_as);
        if (!neighbor.local) attributes.med.reset();
    }
    if (neighbor.external || neighbor.next_hop_self || neighbor.local) {
        if (attributes.next_hop)
            attributes.next_hop = neighbor.self_next_hop_v4.value_or(transport.is_v4() ? transport : IpAddress::v4(0));
        if (attributes.mp_next_hop) {
            attributes.mp_next_hop =
                neighbor.self_next_hop_v6.value_or(transport.is_v4() ? v4_mapped(transport) : transport);
            attributes.mp_next_hop_link_local.reset();
        }
    }
}

void finish_export(PathAttributes& attributes, const ExportContext& neighbor) {
    // An export `set weight` means nothing, and no reason to split an UPDATE group.
    attributes.weight.reset();
    if (neighbor.external) {
        attributes.as_path.prepend(neighbor.local_as);
        attributes.has_as_path = true;
        attributes.local_pref.reset();
        attributes.originator_id.reset();
        attributes.cluster_list.clear();
    } else if (!attributes.local_pref) {
        attributes.local_pref = 100;
    }
}

}  // namespace bgpemu::bgp
