// The RFC 4271 §8 state machine, driven without sockets: each transition of §8.2.2 that
// bgpemu implements, checked for its next state and its actions, plus invariants over
// every (state, event) pair.
#include <catch2/catch.hpp>
#include <vector>

#include "bgp/session/fsm.hpp"

namespace bgpemu::bgp {
namespace {

constexpr FsmEvent all_events[] = {
    FsmEvent::manual_start,          FsmEvent::manual_stop,          FsmEvent::automatic_start,
    FsmEvent::manual_start_passive,  FsmEvent::automatic_start_passive, FsmEvent::automatic_stop,
    FsmEvent::connect_retry_timer_expires, FsmEvent::hold_timer_expires, FsmEvent::keepalive_timer_expires,
    FsmEvent::tcp_cr_acked,          FsmEvent::tcp_connection_confirmed, FsmEvent::tcp_connection_fails,
    FsmEvent::bgp_open,              FsmEvent::bgp_header_err,       FsmEvent::bgp_open_msg_err,
    FsmEvent::open_collision_dump,   FsmEvent::notif_msg_ver_err,    FsmEvent::notif_msg,
    FsmEvent::keepalive_msg,         FsmEvent::update_msg,           FsmEvent::update_msg_err,
    FsmEvent::route_refresh_msg,     FsmEvent::send_hold_timer_expires,
};

constexpr FsmState all_states[] = {FsmState::idle,      FsmState::connect,      FsmState::active,
                                   FsmState::open_sent, FsmState::open_confirm, FsmState::established};

// An Fsm brought to `target` along the normal active path, with `hold` as the negotiated hold time.
Fsm fsm_in(FsmState target, std::uint16_t hold = 90) {
    Fsm fsm;
    fsm.set_negotiated_hold_time(hold);
    const std::vector<std::pair<FsmState, FsmEvent>> path = {
        {FsmState::connect, FsmEvent::manual_start},
        {FsmState::open_sent, FsmEvent::tcp_cr_acked},
        {FsmState::open_confirm, FsmEvent::bgp_open},
        {FsmState::established, FsmEvent::keepalive_msg},
    };
    if (target == FsmState::active) {
        (void)fsm.handle(FsmEvent::manual_start_passive);
        return fsm;
    }
    for (const auto& [state, event] : path) {
        if (fsm.state() == target) break;
        (void)fsm.handle(event);
        REQUIRE(fsm.state() == state);
    }
    REQUIRE(fsm.state() == target);
    return fsm;
}

WireError cease(std::uint8_t subcode) {
    WireError error;
    error.code = ErrorCode::cease;
    error.subcode = subcode;
    return error;
}

}  // namespace

TEST_CASE("Idle: ManualStart connects actively, the passive starts only listen, the rest is ignored", "[fsm]") {
    Fsm active;
    auto t = active.handle(FsmEvent::manual_start);
    CHECK(t.next == FsmState::connect);
    CHECK(t.actions.initiate_connection);
    CHECK(t.actions.connect_retry_timer == TimerAction::start);

    Fsm passive;
    t = passive.handle(FsmEvent::automatic_start_passive);
    CHECK(t.next == FsmState::active);
    CHECK_FALSE(t.actions.initiate_connection);
    CHECK(t.actions.connect_retry_timer == TimerAction::start);

    for (const auto event : {FsmEvent::keepalive_msg, FsmEvent::update_msg, FsmEvent::hold_timer_expires,
                             FsmEvent::tcp_connection_fails, FsmEvent::manual_stop}) {
        Fsm idle;
        t = idle.handle(event);
        INFO(to_string(event));
        CHECK(t.next == FsmState::idle);
        CHECK_FALSE(t.actions.send_notification);
        CHECK_FALSE(t.actions.initiate_connection);
        CHECK(t.actions.connect_retry_timer == TimerAction::keep);
    }
}

TEST_CASE("Connect and Active: TCP up sends OPEN with the large hold timer; failures retry", "[fsm]") {
    for (const auto event : {FsmEvent::tcp_cr_acked, FsmEvent::tcp_connection_confirmed}) {
        for (const auto state : {FsmState::connect, FsmState::active}) {
            auto fsm = fsm_in(state);
            const auto t = fsm.handle(event);
            INFO(to_string(state) << " + " << to_string(event));
            CHECK(t.next == FsmState::open_sent);
            CHECK(t.actions.send_open);
            CHECK(t.actions.connect_retry_timer == TimerAction::stop);
            CHECK(t.actions.hold_timer == TimerAction::start);
            CHECK_FALSE(t.actions.hold_timer_use_negotiated);  // 4 minutes until the OPEN
        }
    }

    auto connect = fsm_in(FsmState::connect);
    auto t = connect.handle(FsmEvent::tcp_connection_fails);
    CHECK(t.next == FsmState::active);
    CHECK(t.actions.connect_retry_timer == TimerAction::start);

    auto active = fsm_in(FsmState::active);
    t = active.handle(FsmEvent::connect_retry_timer_expires);
    CHECK(t.next == FsmState::connect);
    CHECK(t.actions.initiate_connection);

    auto failing = fsm_in(FsmState::active);
    const auto before = failing.connect_retry_counter();
    t = failing.handle(FsmEvent::tcp_connection_fails);
    CHECK(t.next == FsmState::idle);
    CHECK(failing.connect_retry_counter() == before + 1);
}

TEST_CASE("OpenSent: a valid OPEN moves to OpenConfirm with the negotiated timers", "[fsm]") {
    auto fsm = fsm_in(FsmState::open_sent, 90);
    auto t = fsm.handle(FsmEvent::bgp_open);
    CHECK(t.next == FsmState::open_confirm);
    CHECK(t.actions.send_keepalive);
    CHECK(t.actions.keepalive_timer == TimerAction::start);
    CHECK(t.actions.hold_timer == TimerAction::start);
    CHECK(t.actions.hold_timer_use_negotiated);

    SECTION("a negotiated hold time of zero runs neither timer (RFC 4271 §4.4)") {
        auto zero = fsm_in(FsmState::open_sent, 0);
        t = zero.handle(FsmEvent::bgp_open);
        CHECK(t.next == FsmState::open_confirm);
        CHECK(t.actions.keepalive_timer == TimerAction::stop);
        CHECK(t.actions.hold_timer == TimerAction::stop);
    }
}

TEST_CASE("OpenSent: hold timer expiry sends Hold Timer Expired and counts a failure", "[fsm]") {
    auto fsm = fsm_in(FsmState::open_sent);
    const auto t = fsm.handle(FsmEvent::hold_timer_expires);
    CHECK(t.next == FsmState::idle);
    REQUIRE(t.actions.send_notification);
    CHECK(t.actions.send_notification->code == ErrorCode::hold_timer_expired);
    CHECK(t.actions.drop_connection);
    CHECK(fsm.connect_retry_counter() == 1);
}

TEST_CASE("Unexpected messages get the RFC 6608 FSM error subcode of the state they arrived in", "[fsm]") {
    struct Case {
        FsmState state;
        FsmEvent event;
        std::uint8_t subcode;
    };
    for (const auto& c : {Case{FsmState::open_sent, FsmEvent::keepalive_msg, fsm_subcode::unexpected_in_open_sent},
                          Case{FsmState::open_sent, FsmEvent::update_msg, fsm_subcode::unexpected_in_open_sent},
                          Case{FsmState::open_confirm, FsmEvent::update_msg, fsm_subcode::unexpected_in_open_confirm},
                          Case{FsmState::open_confirm, FsmEvent::bgp_open, fsm_subcode::unexpected_in_open_confirm},
                          Case{FsmState::established, FsmEvent::bgp_open, fsm_subcode::unexpected_in_established}}) {
        auto fsm = fsm_in(c.state);
        const auto t = fsm.handle(c.event);
        INFO(to_string(c.state) << " + " << to_string(c.event));
        CHECK(t.next == FsmState::idle);
        REQUIRE(t.actions.send_notification);
        CHECK(t.actions.send_notification->code == ErrorCode::fsm);
        CHECK(t.actions.send_notification->subcode == c.subcode);
    }
}

TEST_CASE("OpenConfirm: KEEPALIVE establishes the session and resets the failure count", "[fsm]") {
    Fsm fsm;
    fsm.set_negotiated_hold_time(9);
    (void)fsm.handle(FsmEvent::automatic_start);
    (void)fsm.handle(FsmEvent::tcp_connection_fails);  // Connect -> Active
    (void)fsm.handle(FsmEvent::tcp_connection_fails);  // Active -> Idle, one failure
    REQUIRE(fsm.connect_retry_counter() == 1);
    (void)fsm.handle(FsmEvent::automatic_start);
    (void)fsm.handle(FsmEvent::tcp_cr_acked);
    (void)fsm.handle(FsmEvent::bgp_open);
    const auto t = fsm.handle(FsmEvent::keepalive_msg);
    CHECK(t.next == FsmState::established);
    CHECK(t.actions.session_established);
    CHECK(t.actions.hold_timer == TimerAction::start);
    CHECK(fsm.connect_retry_counter() == 0);

    auto keepalive = fsm_in(FsmState::open_confirm);
    const auto k = keepalive.handle(FsmEvent::keepalive_timer_expires);
    CHECK(k.next == FsmState::open_confirm);
    CHECK(k.actions.send_keepalive);
    CHECK(k.actions.keepalive_timer == TimerAction::start);
}

TEST_CASE("Established: UPDATE and ROUTE-REFRESH are processed and restart the hold timer", "[fsm]") {
    for (const auto event : {FsmEvent::update_msg, FsmEvent::route_refresh_msg, FsmEvent::keepalive_msg}) {
        auto fsm = fsm_in(FsmState::established);
        const auto t = fsm.handle(event);
        INFO(to_string(event));
        CHECK(t.next == FsmState::established);
        CHECK(t.actions.process_message == (event != FsmEvent::keepalive_msg));
        CHECK(t.actions.hold_timer == TimerAction::start);
        CHECK(t.actions.hold_timer_use_negotiated);
        CHECK_FALSE(t.actions.send_notification);
    }
    auto zero = fsm_in(FsmState::established, 0);
    CHECK(zero.handle(FsmEvent::update_msg).actions.hold_timer == TimerAction::keep);
}

TEST_CASE("Established: stops send the caller's Cease, errors the decoder's NOTIFICATION", "[fsm]") {
    auto stopped = fsm_in(FsmState::established);
    auto t = stopped.handle(FsmEvent::manual_stop, {cease(cease_subcode::administrative_reset)});
    CHECK(t.next == FsmState::idle);
    REQUIRE(t.actions.send_notification);
    CHECK(t.actions.send_notification->code == ErrorCode::cease);
    CHECK(t.actions.send_notification->subcode == cease_subcode::administrative_reset);
    CHECK(t.actions.release_resources);
    CHECK(stopped.connect_retry_counter() == 0);

    auto plain = fsm_in(FsmState::established);
    t = plain.handle(FsmEvent::automatic_stop);
    REQUIRE(t.actions.send_notification);
    CHECK(t.actions.send_notification->subcode == cease_subcode::administrative_shutdown);
    CHECK(plain.connect_retry_counter() == 1);

    WireError malformed;
    malformed.code = ErrorCode::update_message;
    malformed.subcode = 3;
    auto bad = fsm_in(FsmState::established);
    t = bad.handle(FsmEvent::update_msg_err, {malformed});
    REQUIRE(t.actions.send_notification);
    CHECK(t.actions.send_notification->code == ErrorCode::update_message);
    CHECK(t.actions.send_notification->subcode == 3);

    auto notified = fsm_in(FsmState::established);
    t = notified.handle(FsmEvent::notif_msg);
    CHECK(t.next == FsmState::idle);
    CHECK_FALSE(t.actions.send_notification);  // never answer a NOTIFICATION with one
    CHECK(t.actions.release_resources);

    auto collided = fsm_in(FsmState::established);
    t = collided.handle(FsmEvent::open_collision_dump);
    REQUIRE(t.actions.send_notification);
    CHECK(t.actions.send_notification->code == ErrorCode::cease);
    CHECK(t.actions.send_notification->subcode == cease_subcode::connection_collision_resolution);
}

TEST_CASE("Invariants over every state and event", "[fsm]") {
    for (const auto state : all_states) {
        for (const auto event : all_events) {
            auto fsm = fsm_in(state);
            const auto t = fsm.handle(event);
            INFO(to_string(state) << " + " << to_string(event) << " -> " << to_string(t.next));
            CHECK(fsm.state() == t.next);
            // Start events never disturb a running connection.
            if (state != FsmState::idle &&
                (event == FsmEvent::manual_start || event == FsmEvent::automatic_start ||
                 event == FsmEvent::manual_start_passive || event == FsmEvent::automatic_start_passive))
                CHECK(t.next == state);
            // Leaving for Idle always drops the connection and its timers.
            if (state != FsmState::idle && t.next == FsmState::idle) {
                CHECK(t.actions.drop_connection);
                if (state != FsmState::connect && state != FsmState::active)
                    CHECK(t.actions.hold_timer == TimerAction::stop);
            }
            // Established is entered only from OpenConfirm on KEEPALIVE.
            if (t.next == FsmState::established && state != FsmState::established) {
                CHECK(state == FsmState::open_confirm);
                CHECK(event == FsmEvent::keepalive_msg);
            }
            CHECK(t.actions.session_established == (state == FsmState::open_confirm && t.next == FsmState::established));
            // Losing Established always withdraws the peer's routes.
            if (state == FsmState::established && t.next != FsmState::established)
                CHECK(t.actions.release_resources);
            // OPEN goes out only on the way into OpenSent; UPDATEs reach the RIB only when Established.
            if (t.actions.send_open) CHECK(t.next == FsmState::open_sent);
            if (t.actions.process_message) CHECK(state == FsmState::established);
            // A NOTIFICATION is never answered with one.
            if (event == FsmEvent::notif_msg || event == FsmEvent::notif_msg_ver_err)
                CHECK_FALSE(t.actions.send_notification);
        }
    }
}

TEST_CASE("SendHoldTimer_Expires (RFC 9687): a NOTIFICATION, then Idle, from OpenSent on", "[fsm]") {
    for (const auto state : {FsmState::open_sent, FsmState::open_confirm, FsmState::established}) {
        INFO(to_string(state));
        auto fsm = fsm_in(state);
        const auto before = fsm.connect_retry_counter();
        const auto t = fsm.handle(FsmEvent::send_hold_timer_expires);
        CHECK(t.next == FsmState::idle);
        REQUIRE(t.actions.send_notification);
        CHECK(t.actions.send_notification->code == ErrorCode::send_hold_timer_expired);
        CHECK(t.actions.send_notification->subcode == 0);
        CHECK(t.actions.drop_connection);
        CHECK(t.actions.release_resources);
        CHECK(fsm.connect_retry_counter() == before + 1);
    }
    // Before a connection exists there is nothing to send on, so nothing to expire.
    for (const auto state : {FsmState::idle, FsmState::connect, FsmState::active}) {
        INFO(to_string(state));
        auto fsm = fsm_in(state);
        const auto t = fsm.handle(FsmEvent::send_hold_timer_expires);
        CHECK_FALSE(t.actions.send_notification);
    }
}

TEST_CASE("Collision resolution keeps the connection of the higher BGP Identifier (RFC 4271 §6.8)", "[fsm]") {
    CHECK(resolve_collision(0x0a000002, 65001, 0x0a000001, 65002) == CollisionWinner::locally_initiated);
    CHECK(resolve_collision(0x0a000001, 65001, 0x0a000002, 65002) == CollisionWinner::remotely_initiated);
    // Equal identifiers (eBGP, RFC 6286 §2.3): the higher AS number wins.
    CHECK(resolve_collision(0x0a000001, 65002, 0x0a000001, 65001) == CollisionWinner::locally_initiated);
    CHECK(resolve_collision(0x0a000001, 65001, 0x0a000001, 65002) == CollisionWinner::remotely_initiated);
}

TEST_CASE("Restart back-off doubles per failure up to the cap", "[fsm]") {
    using std::chrono::milliseconds;
    const milliseconds base{1000};
    const milliseconds max{60000};
    CHECK(restart_delay(0, base, max) == milliseconds{0});
    CHECK(restart_delay(1, base, max) == milliseconds{1000});
    CHECK(restart_delay(2, base, max) == milliseconds{2000});
    CHECK(restart_delay(4, base, max) == milliseconds{8000});
    CHECK(restart_delay(7, base, max) == milliseconds{60000});
    CHECK(restart_delay(1000, base, max) == milliseconds{60000});
}

}  // namespace bgpemu::bgp
