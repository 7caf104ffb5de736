// What a decoder says when input is malformed: the RFC 7606 action to take, and for a
// session reset the NOTIFICATION (code, subcode, data) that RFC 4271 §6 prescribes.
// Decoders never log or throw; the session turns a WireError into a log line and,
// where the action says so, a NOTIFICATION.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "bgp/wire/bytes.hpp"

namespace bgpemu::bgp {

// NOTIFICATION error codes (RFC 4271 §4.5; 7 from RFC 7313 §5, 8 from RFC 9687).
enum class ErrorCode : std::uint8_t {
    message_header = 1,
    open_message = 2,
    update_message = 3,
    hold_timer_expired = 4,
    fsm = 5,                // RFC 6608 subcodes
    cease = 6,              // RFC 4486 subcodes
    route_refresh = 7,      // RFC 7313
    send_hold_timer_expired = 8,  // RFC 9687: we could not write to the peer for too long
};

// Subcodes of Message Header Error (RFC 4271 §6.1).
namespace header_subcode {
inline constexpr std::uint8_t connection_not_synchronized = 1;
inline constexpr std::uint8_t bad_message_length = 2;
inline constexpr std::uint8_t bad_message_type = 3;
}  // namespace header_subcode

// Subcodes of OPEN Message Error (RFC 4271 §6.2, RFC 5492 §5, RFC 9234 §4.2).
namespace open_subcode {
inline constexpr std::uint8_t unsupported_version_number = 1;
inline constexpr std::uint8_t bad_peer_as = 2;
inline constexpr std::uint8_t bad_bgp_identifier = 3;
inline constexpr std::uint8_t unsupported_optional_parameter = 4;
// 5 (authentication failure) is deprecated by RFC 4271.
inline constexpr std::uint8_t unacceptable_hold_time = 6;
inline constexpr std::uint8_t unsupported_capability = 7;
// 8-10 are deprecated (RFC 9234 §4.2 reassigns none of them).
inline constexpr std::uint8_t role_mismatch = 11;
}  // namespace open_subcode

// Subcodes of UPDATE Message Error (RFC 4271 §6.3).
namespace update_subcode {
inline constexpr std::uint8_t malformed_attribute_list = 1;
inline constexpr std::uint8_t unrecognized_well_known_attribute = 2;
inline constexpr std::uint8_t missing_well_known_attribute = 3;
inline constexpr std::uint8_t attribute_flags_error = 4;
inline constexpr std::uint8_t attribute_length_error = 5;
inline constexpr std::uint8_t invalid_origin_attribute = 6;
// 7 (AS routing loop) is deprecated.
inline constexpr std::uint8_t invalid_next_hop_attribute = 8;
inline constexpr std::uint8_t optional_attribute_error = 9;
inline constexpr std::uint8_t invalid_network_field = 10;
inline constexpr std::uint8_t malformed_as_path = 11;
}  // namespace update_subcode

// Subcodes of Finite State Machine Error (RFC 6608 §3).
namespace fsm_subcode {
inline constexpr std::uint8_t unspecified = 0;
inline constexpr std::uint8_t unexpected_in_open_sent = 1;
inline constexpr std::uint8_t unexpected_in_open_confirm = 2;
inline constexpr std::uint8_t unexpected_in_established = 3;
}  // namespace fsm_subcode

// Subcodes of Cease (RFC 4486 §4; 9 from RFC 8538).
namespace cease_subcode {
inline constexpr std::uint8_t maximum_prefixes_reached = 1;
inline constexpr std::uint8_t administrative_shutdown = 2;
inline constexpr std::uint8_t peer_deconfigured = 3;
inline constexpr std::uint8_t administrative_reset = 4;
inline constexpr std::uint8_t connection_rejected = 5;
inline constexpr std::uint8_t other_configuration_change = 6;
inline constexpr std::uint8_t connection_collision_resolution = 7;
inline constexpr std::uint8_t out_of_resources = 8;
inline constexpr std::uint8_t hard_reset = 9;
}  // namespace cease_subcode

// Subcodes of ROUTE-REFRESH Message Error (RFC 7313 §5).
namespace route_refresh_subcode {
inline constexpr std::uint8_t invalid_message_length = 1;
}  // namespace route_refresh_subcode

// Human-readable names for logs and the CLI ("UPDATE Message Error / Malformed AS_PATH").
[[nodiscard]] const char* error_code_name(std::uint8_t code) noexcept;
[[nodiscard]] const char* error_subcode_name(std::uint8_t code, std::uint8_t subcode) noexcept;

// How the receiver recovers from a malformation (RFC 7606 §2), strongest last.
enum class ErrorAction : std::uint8_t {
    attribute_discard,   // drop the attribute, keep the UPDATE
    treat_as_withdraw,   // withdraw every prefix the UPDATE carries
    afisafi_disable,     // stop the address family (RFC 4760 §7); we reset instead, see RFC 7606 §5.4
    session_reset,       // send NOTIFICATION(code, subcode, data) and close
};

[[nodiscard]] const char* error_action_name(ErrorAction action) noexcept;

struct WireError {
    ErrorAction action = ErrorAction::session_reset;
    ErrorCode code = ErrorCode::message_header;
    std::uint8_t subcode = 0;
    Bytes data;               // the NOTIFICATION's data field
    std::size_t offset = 0;   // where in the message the fault is (bytes from the marker)
    const char* reason = "";  // a short static description, for the log

    [[nodiscard]] std::string to_string() const;
};

// A value or the error that prevented it. (std::expected is C++23; this is the subset we use.)
template <typename T>
class Decoded {
public:
    Decoded(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Decoded(WireError error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    [[nodiscard]] T& value() & { return std::get<0>(state_); }
    [[nodiscard]] const T& value() const& { return std::get<0>(state_); }
    [[nodiscard]] T&& value() && { return std::get<0>(std::move(state_)); }
    [[nodiscard]] const WireError& error() const& { return std::get<1>(state_); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

private:
    std::variant<T, WireError> state_;
};

}  // namespace bgpemu::bgp
