// The BGP finite state machine of RFC 4271 §8, for one TCP connection, as a pure function.
//
// `Fsm::handle(event)` returns the state to go to and the actions to take, in the order
// RFC 4271 §8.2.2 lists them; the session (bgp/session/session.hpp) carries them out with real
// sockets and timers. Nothing here knows about sockets, clocks or the RIB, so the table
// can be read next to the RFC and tested exhaustively.
//
// Optional session attributes of §8.1.1 that bgpemu does not implement (DelayOpen,
// DampPeerOscillations, SendNOTIFICATIONwithoutOPEN, TrackTcpState) are off, and the
// RFC's transitions for them are left out. The two connections of a collision (§6.8) each
// have their own Fsm; `resolve_collision` says which one survives, and the loser gets the
// open_collision_dump event.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "bgp/wire/wire_error.hpp"

namespace bgpemu::bgp {

enum class FsmState : std::uint8_t { idle, connect, active, open_sent, open_confirm, established };

// The events of RFC 4271 §8.1, numbered as there (the optional ones bgpemu does not
// generate are left out).
enum class FsmEvent : std::uint8_t {
    manual_start = 1,
    manual_stop = 2,
    automatic_start = 3,
    manual_start_passive = 4,
    automatic_start_passive = 5,
    automatic_stop = 8,
    connect_retry_timer_expires = 9,
    hold_timer_expires = 10,
    keepalive_timer_expires = 11,
    tcp_cr_acked = 16,               // our outgoing connection completed
    tcp_connection_confirmed = 17,   // we accepted an incoming connection
    tcp_connection_fails = 18,
    bgp_open = 19,                   // a valid OPEN that passed the configuration checks
    bgp_header_err = 21,
    bgp_open_msg_err = 22,
    open_collision_dump = 23,
    notif_msg_ver_err = 24,
    notif_msg = 25,
    keepalive_msg = 26,
    update_msg = 27,
    update_msg_err = 28,
    // RFC 9687 (event 29): nothing could be written to the peer for the SendHoldTime.
    send_hold_timer_expires = 29,
    // Not in RFC 4271's list: ROUTE-REFRESH (RFC 2918) is handled like UPDATE (valid only
    // in Established, restarts the hold timer).
    route_refresh_msg = 100,
};

[[nodiscard]] std::string_view to_string(FsmState state) noexcept;
[[nodiscard]] std::string_view to_string(FsmEvent event) noexcept;

enum class TimerAction : std::uint8_t { keep, start, stop };

// What to do, in this order: send (OPEN, KEEPALIVE, NOTIFICATION), then the connection
// (drop or initiate), then timers, then the RIB side (session up / down, process).
struct FsmActions {
    bool send_open = false;
    bool send_keepalive = false;
    std::optional<WireError> send_notification;  // code/subcode/data to send
    bool drop_connection = false;
    bool initiate_connection = false;
    TimerAction connect_retry_timer = TimerAction::keep;
    // start: the "large value" (4 minutes, §8.2.2) before OPEN is received, the
    // negotiated hold time after; restart on every KEEPALIVE/UPDATE.
    TimerAction hold_timer = TimerAction::keep;
    bool hold_timer_use_negotiated = false;
    TimerAction keepalive_timer = TimerAction::keep;
    bool session_established = false;  // entered Established: announce the RIB to the peer
    // RFC 4271's "release all BGP resources": left Established or never got there. The
    // session withdraws routes on leaving Established (SessionHandler::session_down), a
    // state change it sees itself; the flag lets the FSM tests check the RFC's actions.
    bool release_resources = false;
    bool process_message = false;      // the UPDATE or ROUTE-REFRESH goes to the speaker
};

struct FsmTransition {
    FsmState next = FsmState::idle;
    FsmActions actions;
};

class Fsm {
public:
    // The error a caller passes with the *_err events and with stops (the Cease subcode).
    struct EventData {
        std::optional<WireError> error;
    };

    [[nodiscard]] FsmState state() const noexcept { return state_; }
    // ConnectRetryCounter (§8.1.1), kept as the RFC defines it for the FSM tests. The
    // session's restart back-off counts failures itself, across the connections it
    // replaces (each connection has a new Fsm).
    [[nodiscard]] std::uint32_t connect_retry_counter() const noexcept { return connect_retry_counter_; }
    // Whether the negotiated hold time is zero (no hold or keepalive timers, §4.4).
    void set_negotiated_hold_time(std::uint16_t seconds) noexcept { negotiated_hold_time_ = seconds; }

    // Applies `event` and returns what the caller must do. The state changes immediately.
    FsmTransition handle(FsmEvent event, const EventData& data = {});

private:
    FsmTransition to_idle_on_error(FsmActions actions, bool count_failure);

    FsmState state_ = FsmState::idle;
    std::uint32_t connect_retry_counter_ = 0;
    std::uint16_t negotiated_hold_time_ = 0;
};

// §6.8: of two connections to one peer, keep the one opened by the speaker with the
// higher BGP Identifier. Equal identifiers (possible between eBGP peers since RFC 6286
// §2.3) are broken by the higher AS number.
enum class CollisionWinner : std::uint8_t { locally_initiated, remotely_initiated };
[[nodiscard]] CollisionWinner resolve_collision(std::uint32_t local_id, std::uint32_t local_as,
                                                std::uint32_t remote_id, std::uint32_t remote_as) noexcept;

// Delay before an automatic restart after `failures` consecutive failures: `base`
// doubled per failure, capped at `max` (the exponential back-off that stands in for
// RFC 4271's optional peer oscillation damping).
[[nodiscard]] std::chrono::milliseconds restart_delay(std::uint32_t failures, std::chrono::milliseconds base,
                                                      std::chrono::milliseconds max) noexcept;


}  // namespace bgpemu::bgp
