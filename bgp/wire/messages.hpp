// The five BGP messages (RFC 4271 §4, RFC 2918, RFC 7313) as typed values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bgp/wire/attributes.hpp"
#include "bgp/wire/bytes.hpp"
#include "bgp/wire/capabilities.hpp"
#include "bgp/wire/ip.hpp"
#include "bgp/wire/wire_error.hpp"

namespace bgpemu::bgp {

inline constexpr std::size_t header_size = 19;               // marker 16 + length 2 + type 1
inline constexpr std::size_t max_message_size = 4096;        // RFC 4271 §4
inline constexpr std::size_t max_extended_message_size = 65535;  // RFC 8654

enum class MessageType : std::uint8_t {
    open = 1,
    update = 2,
    notification = 3,
    keepalive = 4,
    route_refresh = 5,
};

[[nodiscard]] const char* message_type_name(MessageType type) noexcept;

// A non-capability Optional Parameter of OPEN (RFC 4271 §4.2), kept for display.
struct RawOptionalParameter {
    std::uint8_t type = 0;
    Bytes value;
    auto operator<=>(const RawOptionalParameter&) const = default;
};

struct OpenMessage {
    std::uint8_t version = 4;
    std::uint16_t my_as = 0;           // the 2-octet field (AS_TRANS for 4-octet speakers)
    std::uint16_t hold_time = 0;
    std::uint32_t bgp_identifier = 0;  // host order
    Capabilities capabilities;
    std::vector<RawOptionalParameter> other_parameters;

    // The speaker's ASN: the 4-octet AS capability if present, else my_as.
    [[nodiscard]] std::uint32_t effective_as() const noexcept {
        return capabilities.four_octet_as.value_or(my_as);
    }
    auto operator<=>(const OpenMessage&) const = default;
};

// One NLRI entry; path_id is meaningful only when ADD-PATH was negotiated (RFC 7911).
struct Nlri {
    Prefix prefix;
    std::uint32_t path_id = 0;
    auto operator<=>(const Nlri&) const = default;
};

// An attribute that was dropped under RFC 7606 while the UPDATE was still used.
struct DiscardedAttribute {
    std::uint8_t type = 0;
    ErrorAction action = ErrorAction::attribute_discard;
    std::size_t offset = 0;
    const char* reason = "";
};

struct UpdateMessage {
    std::vector<Nlri> withdrawn;     // IPv4 "Withdrawn Routes" field
    PathAttributes attributes;
    std::vector<Nlri> nlri;          // IPv4 NLRI field, next hop in attributes.next_hop
    // MP_REACH_NLRI (RFC 4760 §3): next hop in attributes.mp_next_hop*.
    std::optional<AfiSafi> mp_reach_family;
    std::vector<Nlri> mp_reach;
    // MP_UNREACH_NLRI (RFC 4760 §4).
    std::optional<AfiSafi> mp_unreach_family;
    std::vector<Nlri> mp_unreach;

    // RFC 7606: when set, every prefix announced here must be treated as withdrawn.
    bool treat_as_withdraw = false;
    std::vector<DiscardedAttribute> discarded;  // what was dropped and why (for logs)

    // End-of-RIB marker (RFC 4724 §2): an UPDATE with nothing in it (IPv4) or with an
    // empty MP_UNREACH_NLRI for the family.
    [[nodiscard]] std::optional<AfiSafi> end_of_rib() const noexcept;

    // Empties every field but keeps vector capacity, for reuse on the receive path.
    void clear() noexcept;
};

struct NotificationMessage {
    std::uint8_t code = 0;
    std::uint8_t subcode = 0;
    Bytes data;

    // RFC 9003: for Cease / Administrative Shutdown or Reset, the data may carry a UTF-8
    // shutdown communication (length octet + up to 255 bytes). nullopt if absent or malformed.
    [[nodiscard]] std::optional<std::string> shutdown_communication() const;
    [[nodiscard]] static NotificationMessage cease(std::uint8_t subcode, std::string_view communication = {});
    [[nodiscard]] std::string to_string() const;
    auto operator<=>(const NotificationMessage&) const = default;
};

struct KeepaliveMessage {
    auto operator<=>(const KeepaliveMessage&) const = default;
};

// RFC 7313 §3 message subtypes (the "Reserved" octet of RFC 2918).
enum class RouteRefreshSubtype : std::uint8_t { normal = 0, begin_of_rib = 1, end_of_rib = 2 };

struct RouteRefreshMessage {
    AfiSafi afi_safi;
    RouteRefreshSubtype subtype = RouteRefreshSubtype::normal;
    auto operator<=>(const RouteRefreshMessage&) const = default;
};

using Message = std::variant<OpenMessage, UpdateMessage, NotificationMessage, KeepaliveMessage, RouteRefreshMessage>;

}  // namespace bgpemu::bgp
