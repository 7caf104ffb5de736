// Names for NOTIFICATION codes, subcodes and RFC 7606 actions, and the one-line text of a
// WireError, for logs, the CLI and test failure messages. Names follow the IANA "BGP
// Error (Notification) Codes" and "... Subcodes" registries, spelled as the RFCs spell them.
#include "bgp/wire/wire_error.hpp"

#include <array>
#include <string>

namespace bgpemu::bgp {

namespace {

// A table of names indexed by subcode; entries past the end or null are unassigned.
template <std::size_t N>
const char* lookup(const std::array<const char*, N>& names, std::uint8_t index) noexcept {
    if (index >= names.size() || names[index] == nullptr) return "Unknown subcode";
    return names[index];
}

// RFC 4271 §4.5: "If no appropriate Error Subcode is defined, then a zero (Unspecific)
// value is used". IANA lists 0 as reserved for some codes; the RFC name is more useful.
constexpr const char* unspecific = "Unspecific";

// RFC 4271 §6.1.
constexpr std::array<const char*, 4> header_names{
    unspecific, "Connection Not Synchronized", "Bad Message Length", "Bad Message Type"};

// RFC 4271 §6.2, RFC 5492 §5 (7), RFC 9234 §4.2 (11). 5 was Authentication Failure
// (deprecated by RFC 4271); 8-10 are deprecated and unassigned.
constexpr std::array<const char*, 12> open_names{
    unspecific,
    "Unsupported Version Number",
    "Bad Peer AS",
    "Bad BGP Identifier",
    "Unsupported Optional Parameter",
    "Authentication Failure (deprecated)",
    "Unacceptable Hold Time",
    "Unsupported Capability",
    "Deprecated (8)",
    "Deprecated (9)",
    "Deprecated (10)",
    "Role Mismatch",
};

// RFC 4271 §6.3; 7 (AS Routing Loop) is deprecated.
constexpr std::array<const char*, 12> update_names{
    unspecific,
    "Malformed Attribute List",
    "Unrecognized Well-known Attribute",
    "Missing Well-known Attribute",
    "Attribute Flags Error",
    "Attribute Length Error",
    "Invalid ORIGIN Attribute",
    "AS Routing Loop (deprecated)",
    "Invalid NEXT_HOP Attribute",
    "Optional Attribute Error",
    "Invalid Network Field",
    "Malformed AS_PATH",
};

// RFC 6608 §3 names subcode 0 "Unspecified Error" rather than "Unspecific".
constexpr std::array<const char*, 4> fsm_names{
    "Unspecified Error",
    "Receive Unexpected Message in OpenSent State",
    "Receive Unexpected Message in OpenConfirm State",
    "Receive Unexpected Message in Established State",
};

// RFC 4486 §4 (1-8), RFC 8538 §3 (9, Hard Reset), RFC 9384 §5 (10, BFD Down).
constexpr std::array<const char*, 11> cease_names{
    unspecific,
    "Maximum Number of Prefixes Reached",
    "Administrative Shutdown",
    "Peer De-configured",
    "Administrative Reset",
    "Connection Rejected",
    "Other Configuration Change",
    "Connection Collision Resolution",
    "Out of Resources",
    "Hard Reset",
    "BFD Down",
};

// RFC 7313 §5.
constexpr std::array<const char*, 2> route_refresh_names{unspecific, "Invalid Message Length"};

}  // namespace

const char* error_code_name(std::uint8_t code) noexcept {
    switch (static_cast<ErrorCode>(code)) {
        case ErrorCode::message_header: return "Message Header Error";
        case ErrorCode::open_message: return "OPEN Message Error";
        case ErrorCode::update_message: return "UPDATE Message Error";
        case ErrorCode::hold_timer_expired: return "Hold Timer Expired";
        case ErrorCode::fsm: return "Finite State Machine Error";
        case ErrorCode::cease: return "Cease";
        case ErrorCode::route_refresh: return "ROUTE-REFRESH Message Error";
        case ErrorCode::send_hold_timer_expired: return "Send Hold Timer Expired";
    }
    return "Unknown error code";
}

const char* error_subcode_name(std::uint8_t code, std::uint8_t subcode) noexcept {
    switch (static_cast<ErrorCode>(code)) {
        case ErrorCode::message_header: return lookup(header_names, subcode);
        case ErrorCode::open_message: return lookup(open_names, subcode);
        case ErrorCode::update_message: return lookup(update_names, subcode);
        case ErrorCode::hold_timer_expired: return subcode == 0 ? unspecific : "Unknown subcode";  // none defined
        case ErrorCode::fsm: return lookup(fsm_names, subcode);
        case ErrorCode::cease: return lookup(cease_names, subcode);
        case ErrorCode::route_refresh: return lookup(route_refresh_names, subcode);
        case ErrorCode::send_hold_timer_expired: break;  // none defined
    }
    return subcode == 0 ? unspecific : "Unknown subcode";
}

const char* error_action_name(ErrorAction action) noexcept {
    switch (action) {
        case ErrorAction::attribute_discard: return "attribute-discard";
        case ErrorAction::treat_as_withdraw: return "treat-as-withdraw";
        case ErrorAction::afisafi_disable: return "afi-safi-disable";
        case ErrorAction::session_reset: return "session-reset";
    }
    return "unknown-action";
}

// "session-reset: OPEN Message Error / Unacceptable Hold Time at offset 22: <reason> [data 0001]"
std::string WireError::to_string() const {
    const auto code_value = static_cast<std::uint8_t>(code);
    std::string text = error_action_name(action);
    text += ": ";
    text += error_code_name(code_value);
    text += " / ";
    text += error_subcode_name(code_value, subcode);
    text += " at offset ";
    text += std::to_string(offset);
    if (reason != nullptr && *reason != '\0') {
        text += ": ";
        text += reason;
    }
    if (!data.empty()) {
        text += " [data ";
        text += bytes_to_hex(data);
        text += "]";
    }
    return text;
}

}  // namespace bgpemu::bgp
