// Path attributes (RFC 4271 §5 and the RFCs that add to it) as typed values.
//
// PathAttributes is what the RIB interns: everything that describes a path, including
// its next hop, and nothing that names prefixes (MP_REACH/MP_UNREACH NLRI live in the
// UpdateMessage). Unknown optional transitive attributes ride along verbatim with the
// Partial bit set when forwarded (RFC 4271 §5); unknown non-transitive ones are dropped.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bgp/wire/bytes.hpp"
#include "bgp/wire/ip.hpp"

namespace bgpemu::bgp {

// Attribute type codes (IANA "BGP Path Attributes").
enum class AttributeType : std::uint8_t {
    origin = 1,
    as_path = 2,
    next_hop = 3,
    multi_exit_disc = 4,
    local_pref = 5,
    atomic_aggregate = 6,
    aggregator = 7,
    communities = 8,          // RFC 1997
    originator_id = 9,        // RFC 4456
    cluster_list = 10,        // RFC 4456
    mp_reach_nlri = 14,       // RFC 4760
    mp_unreach_nlri = 15,     // RFC 4760
    extended_communities = 16,  // RFC 4360
    as4_path = 17,            // RFC 6793
    as4_aggregator = 18,      // RFC 6793
    large_communities = 32,   // RFC 8092
    only_to_customer = 35,    // RFC 9234
};

// Attribute flag bits (RFC 4271 §4.3).
namespace attribute_flag {
inline constexpr std::uint8_t optional = 0x80;
inline constexpr std::uint8_t transitive = 0x40;
inline constexpr std::uint8_t partial = 0x20;
inline constexpr std::uint8_t extended_length = 0x10;
}  // namespace attribute_flag

enum class Origin : std::uint8_t { igp = 0, egp = 1, incomplete = 2 };

// Well-known communities (RFC 1997, RFC 8326, RFC 7999).
namespace well_known_community {
inline constexpr std::uint32_t graceful_shutdown = 0xFFFF0000;
inline constexpr std::uint32_t blackhole = 0xFFFF029A;
inline constexpr std::uint32_t no_export = 0xFFFFFF01;
inline constexpr std::uint32_t no_advertise = 0xFFFFFF02;
inline constexpr std::uint32_t no_export_subconfed = 0xFFFFFF03;
}  // namespace well_known_community

// AS 23456, stands in for a 4-octet ASN toward a 2-octet speaker (RFC 6793 §9).
inline constexpr std::uint32_t as_trans = 23456;

enum class AsPathSegmentType : std::uint8_t {
    as_set = 1,
    as_sequence = 2,
    confed_sequence = 3,  // RFC 5065
    confed_set = 4,       // RFC 5065
};

struct AsPathSegment {
    AsPathSegmentType type = AsPathSegmentType::as_sequence;
    std::vector<std::uint32_t> asns;
    auto operator<=>(const AsPathSegment&) const = default;
};

class AsPath {
public:
    AsPath() = default;
    explicit AsPath(std::vector<AsPathSegment> segments) : segments_(std::move(segments)) {}
    // "65001 65002 {65003,65004} (65005)" style text: braces for AS_SET, parentheses for
    // confederation sequence, [ ] for confederation set. nullopt on bad text.
    [[nodiscard]] static std::optional<AsPath> parse(std::string_view text);

    [[nodiscard]] const std::vector<AsPathSegment>& segments() const noexcept { return segments_; }
    [[nodiscard]] bool empty() const noexcept { return segments_.empty(); }
    // Length for the decision process (RFC 4271 §9.1.2.2 a; RFC 5065 §5.3):
    // each AS_SEQUENCE member counts 1, an AS_SET counts 1, confederation segments 0.
    [[nodiscard]] unsigned decision_length() const noexcept;
    // The AS the path was received from (first AS of a leading AS_SEQUENCE), 0 if none.
    [[nodiscard]] std::uint32_t neighbour_as() const noexcept;
    // The AS that originated the route (last AS of the last AS_SEQUENCE), 0 if none.
    [[nodiscard]] std::uint32_t origin_as() const noexcept;
    [[nodiscard]] unsigned count(std::uint32_t asn) const noexcept;
    [[nodiscard]] bool contains(std::uint32_t asn) const noexcept { return count(asn) > 0; }
    // Prepends `asn` `times` times to the leading AS_SEQUENCE (creating it if needed,
    // splitting at 255 members per segment on the wire is the encoder's job).
    void prepend(std::uint32_t asn, unsigned times = 1);
    [[nodiscard]] std::vector<AsPathSegment>& mutable_segments() noexcept { return segments_; }
    [[nodiscard]] std::string to_string() const;

    auto operator<=>(const AsPath&) const = default;

private:
    std::vector<AsPathSegment> segments_;
};

struct Aggregator {
    std::uint32_t asn = 0;
    IpAddress address;  // IPv4
    auto operator<=>(const Aggregator&) const = default;
};

struct LargeCommunity {
    std::uint32_t global_admin = 0;
    std::uint32_t local_data1 = 0;
    std::uint32_t local_data2 = 0;
    auto operator<=>(const LargeCommunity&) const = default;
};

// An unknown attribute, kept as received (flags include the Partial bit as received).
struct RawAttribute {
    std::uint8_t flags = 0;
    std::uint8_t type = 0;
    Bytes value;
    auto operator<=>(const RawAttribute&) const = default;
};

struct PathAttributes {
    std::optional<Origin> origin;
    AsPath as_path;
    bool has_as_path = false;                 // AS_PATH present (an empty one is valid for iBGP)
    std::optional<IpAddress> next_hop;        // NEXT_HOP attribute (IPv4)
    // MP_REACH_NLRI next hop: the global address and, for IPv6, an optional link-local.
    std::optional<IpAddress> mp_next_hop;
    std::optional<IpAddress> mp_next_hop_link_local;
    std::optional<std::uint32_t> med;
    std::optional<std::uint32_t> local_pref;
    bool atomic_aggregate = false;
    std::optional<Aggregator> aggregator;
    std::vector<std::uint32_t> communities;
    std::optional<std::uint32_t> originator_id;
    std::vector<std::uint32_t> cluster_list;
    std::vector<std::uint64_t> extended_communities;  // each as its 8 octets, big-endian
    std::vector<LargeCommunity> large_communities;
    std::optional<std::uint32_t> only_to_customer;    // OTC (RFC 9234 §5)
    std::vector<RawAttribute> unknown;                // optional transitive, sorted by type
    // Not a path attribute: Cisco's and FRR's weight, local to the speaker that sets it
    // (a route map's `set weight`). Never encoded or decoded; export clears it. Unset:
    // the neighbour's configured weight applies (rib/decision.hpp).
    std::optional<std::uint32_t> weight;

    auto operator<=>(const PathAttributes&) const = default;
};

}  // namespace bgpemu::bgp
