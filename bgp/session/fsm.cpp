// RFC 4271 §8.2.2, state by state. Each case is commented with the RFC's event numbers
// so the two can be read side by side.
#include "bgp/session/fsm.hpp"

#include <algorithm>

namespace bgpemu::bgp {

namespace {

WireError notification(ErrorCode code, std::uint8_t subcode, const char* reason) {
    WireError error;
    error.code = code;
    error.subcode = subcode;
    error.reason = reason;
    return error;
}

WireError fsm_error(FsmState state) {
    switch (state) {
    case FsmState::open_sent:
        return notification(ErrorCode::fsm, fsm_subcode::unexpected_in_open_sent, "unexpected message in OpenSent");
    case FsmState::open_confirm:
        return notification(ErrorCode::fsm, fsm_subcode::unexpected_in_open_confirm,
                            "unexpected message in OpenConfirm");
    case FsmState::established:
        return notification(ErrorCode::fsm, fsm_subcode::unexpected_in_established,
                            "unexpected message in Established");
    default:
        return notification(ErrorCode::fsm, fsm_subcode::unspecified, "unexpected event");
    }
}

// RFC 9687: the NOTIFICATION goes out if the socket still takes it; when it does not,
// the session's flush limit closes the connection anyway.
WireError send_hold_expired() {
    return notification(ErrorCode::send_hold_timer_expired, 0, "send hold timer expired: the peer is not reading");
}

// The Cease a stop sends: the caller's (shutdown communication, reset...) or plain
// administrative shutdown.
WireError stop_notification(const Fsm::EventData& data) {
    if (data.error) return *data.error;
    return notification(ErrorCode::cease, cease_subcode::administrative_shutdown, "administrative shutdown");
}

bool is_start(FsmEvent event) {
    return event == FsmEvent::manual_start || event == FsmEvent::automatic_start;
}
bool is_passive_start(FsmEvent event) {
    return event == FsmEvent::manual_start_passive || event == FsmEvent::automatic_start_passive;
}
bool is_connected(FsmEvent event) {
    return event == FsmEvent::tcp_cr_acked || event == FsmEvent::tcp_connection_confirmed;
}

}  // namespace

std::string_view to_string(FsmState state) noexcept {
    switch (state) {
    case FsmState::idle: return "Idle";
    case FsmState::connect: return "Connect";
    case FsmState::active: return "Active";
    case FsmState::open_sent: return "OpenSent";
    case FsmState::open_confirm: return "OpenConfirm";
    case FsmState::established: return "Established";
    }
    return "?";
}

std::string_view to_string(FsmEvent event) noexcept {
    switch (event) {
    case FsmEvent::manual_start: return "ManualStart";
    case FsmEvent::manual_stop: return "ManualStop";
    case FsmEvent::automatic_start: return "AutomaticStart";
    case FsmEvent::manual_start_passive: return "ManualStart_with_PassiveTcpEstablishment";
    case FsmEvent::automatic_start_passive: return "AutomaticStart_with_PassiveTcpEstablishment";
    case FsmEvent::automatic_stop: return "AutomaticStop";
    case FsmEvent::connect_retry_timer_expires: return "ConnectRetryTimer_Expires";
    case FsmEvent::hold_timer_expires: return "HoldTimer_Expires";
    case FsmEvent::keepalive_timer_expires: return "KeepaliveTimer_Expires";
    case FsmEvent::tcp_cr_acked: return "Tcp_CR_Acked";
    case FsmEvent::tcp_connection_confirmed: return "TcpConnectionConfirmed";
    case FsmEvent::tcp_connection_fails: return "TcpConnectionFails";
    case FsmEvent::bgp_open: return "BGPOpen";
    case FsmEvent::bgp_header_err: return "BGPHeaderErr";
    case FsmEvent::bgp_open_msg_err: return "BGPOpenMsgErr";
    case FsmEvent::open_collision_dump: return "OpenCollisionDump";
    case FsmEvent::notif_msg_ver_err: return "NotifMsgVerErr";
    case FsmEvent::notif_msg: return "NotifMsg";
    case FsmEvent::keepalive_msg: return "KeepAliveMsg";
    case FsmEvent::update_msg: return "UpdateMsg";
    case FsmEvent::update_msg_err: return "UpdateMsgErr";
    case FsmEvent::send_hold_timer_expires: return "SendHoldTimer_Expires";
    case FsmEvent::route_refresh_msg: return "RouteRefreshMsg";
    }
    return "?";
}

// The common exit of §8.2.2: stop the ConnectRetryTimer, release resources, drop the
// connection, count the failure (unless the RFC says not to), go to Idle.
FsmTransition Fsm::to_idle_on_error(FsmActions actions, bool count_failure) {
    actions.connect_retry_timer = TimerAction::stop;
    actions.hold_timer = TimerAction::stop;
    actions.keepalive_timer = TimerAction::stop;
    actions.drop_connection = true;
    actions.release_resources = true;
    if (count_failure) ++connect_retry_counter_;
    state_ = FsmState::idle;
    return {state_, std::move(actions)};
}

FsmTransition Fsm::handle(FsmEvent event, const EventData& data) {
    FsmActions actions;
    const bool hold_zero = negotiated_hold_time_ == 0;

    switch (state_) {
    case FsmState::idle:
        // Events 1/3: connect actively; 4/5: wait for the peer. Everything else is ignored.
        if (is_start(event) || is_passive_start(event)) {
            connect_retry_counter_ = event == FsmEvent::manual_start || event == FsmEvent::manual_start_passive
                                         ? 0
                                         : connect_retry_counter_;
            actions.connect_retry_timer = TimerAction::start;
            actions.initiate_connection = is_start(event);
            state_ = is_start(event) ? FsmState::connect : FsmState::active;
        }
        return {state_, std::move(actions)};

    case FsmState::connect:
    case FsmState::active:
        if (event == FsmEvent::manual_stop) {  // event 2
            connect_retry_counter_ = 0;
            actions.drop_connection = true;
            actions.connect_retry_timer = TimerAction::stop;
            state_ = FsmState::idle;
            return {state_, std::move(actions)};
        }
        if (event == FsmEvent::connect_retry_timer_expires) {  // event 9
            actions.drop_connection = state_ == FsmState::connect;
            actions.connect_retry_timer = TimerAction::start;
            actions.initiate_connection = true;
            state_ = FsmState::connect;
            return {state_, std::move(actions)};
        }
        if (is_connected(event)) {  // events 16/17
            actions.connect_retry_timer = TimerAction::stop;
            actions.send_open = true;
            actions.hold_timer = TimerAction::start;  // the large value
            state_ = FsmState::open_sent;
            return {state_, std::move(actions)};
        }
        if (event == FsmEvent::tcp_connection_fails) {  // event 18
            if (state_ == FsmState::connect) {
                // Connect: keep listening, retry when the ConnectRetryTimer fires.
                actions.drop_connection = true;
                actions.connect_retry_timer = TimerAction::start;
                state_ = FsmState::active;
                return {state_, std::move(actions)};
            }
            actions.connect_retry_timer = TimerAction::start;
            actions.drop_connection = true;
            ++connect_retry_counter_;
            state_ = FsmState::idle;
            return {state_, std::move(actions)};
        }
        if (is_start(event) || is_passive_start(event)) return {state_, std::move(actions)};  // ignored
        // Events 8, 10, 11, 19-28: give up and count the failure.
        if (event == FsmEvent::bgp_header_err || event == FsmEvent::bgp_open_msg_err) actions.send_notification = data.error;
        return to_idle_on_error(std::move(actions), true);

    case FsmState::open_sent:
        switch (event) {
        case FsmEvent::manual_start:
        case FsmEvent::automatic_start:
        case FsmEvent::manual_start_passive:
        case FsmEvent::automatic_start_passive:
            return {state_, std::move(actions)};
        case FsmEvent::manual_stop:  // 2
            actions.send_notification = stop_notification(data);
            connect_retry_counter_ = 0;
            return to_idle_on_error(std::move(actions), false);
        case FsmEvent::automatic_stop:  // 8
            actions.send_notification = stop_notification(data);
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::hold_timer_expires:  // 10
            actions.send_notification = notification(ErrorCode::hold_timer_expired, 0, "hold timer expired");
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::send_hold_timer_expires:  // RFC 9687: 29
            actions.send_notification = send_hold_expired();
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::tcp_connection_fails:  // 18: back to listening
            actions.drop_connection = true;
            actions.hold_timer = TimerAction::stop;
            actions.connect_retry_timer = TimerAction::start;
            state_ = FsmState::active;
            return {state_, std::move(actions)};
        case FsmEvent::bgp_open:  // 19
            actions.connect_retry_timer = TimerAction::stop;
            actions.send_keepalive = true;
            actions.keepalive_timer = hold_zero ? TimerAction::stop : TimerAction::start;
            actions.hold_timer = hold_zero ? TimerAction::stop : TimerAction::start;
            actions.hold_timer_use_negotiated = true;
            state_ = FsmState::open_confirm;
            return {state_, std::move(actions)};
        case FsmEvent::bgp_header_err:  // 21, 22
        case FsmEvent::bgp_open_msg_err:
            actions.send_notification = data.error;
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::open_collision_dump:  // 23
            actions.send_notification = notification(ErrorCode::cease, cease_subcode::connection_collision_resolution,
                                                     "connection collision resolution");
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::notif_msg_ver_err:  // 24: the peer wants another version; not a failure
            return to_idle_on_error(std::move(actions), false);
        case FsmEvent::notif_msg:  // 25
            // §8.2.2 lists event 25 among those answered with an FSM Error, but the peer
            // closes the connection right after its NOTIFICATION (§6.1); like FRR and
            // BIRD, never answer a NOTIFICATION with another.
            return to_idle_on_error(std::move(actions), true);
        default:  // 9, 11, 13, 20, 26-28
            actions.send_notification = fsm_error(state_);
            return to_idle_on_error(std::move(actions), true);
        }

    case FsmState::open_confirm:
        switch (event) {
        case FsmEvent::manual_start:
        case FsmEvent::automatic_start:
        case FsmEvent::manual_start_passive:
        case FsmEvent::automatic_start_passive:
            return {state_, std::move(actions)};
        case FsmEvent::manual_stop:
            actions.send_notification = stop_notification(data);
            connect_retry_counter_ = 0;
            return to_idle_on_error(std::move(actions), false);
        case FsmEvent::automatic_stop:
            actions.send_notification = stop_notification(data);
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::hold_timer_expires:
            actions.send_notification = notification(ErrorCode::hold_timer_expired, 0, "hold timer expired");
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::send_hold_timer_expires:
            actions.send_notification = send_hold_expired();
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::keepalive_timer_expires:  // 11
            actions.send_keepalive = true;
            actions.keepalive_timer = TimerAction::start;
            return {state_, std::move(actions)};
        case FsmEvent::tcp_connection_fails:  // 18, 25
        case FsmEvent::notif_msg:
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::notif_msg_ver_err:  // 24
            return to_idle_on_error(std::move(actions), false);
        case FsmEvent::bgp_header_err:
        case FsmEvent::bgp_open_msg_err:
            actions.send_notification = data.error;
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::open_collision_dump:
            actions.send_notification = notification(ErrorCode::cease, cease_subcode::connection_collision_resolution,
                                                     "connection collision resolution");
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::keepalive_msg:  // 26
            actions.hold_timer = hold_zero ? TimerAction::stop : TimerAction::start;
            actions.hold_timer_use_negotiated = true;
            actions.session_established = true;
            connect_retry_counter_ = 0;
            state_ = FsmState::established;
            return {state_, std::move(actions)};
        default:  // 9, 12, 13, 20, 27, 28
            actions.send_notification = fsm_error(state_);
            return to_idle_on_error(std::move(actions), true);
        }

    case FsmState::established:
        switch (event) {
        case FsmEvent::manual_start:
        case FsmEvent::automatic_start:
        case FsmEvent::manual_start_passive:
        case FsmEvent::automatic_start_passive:
            return {state_, std::move(actions)};
        case FsmEvent::manual_stop:
            actions.send_notification = stop_notification(data);
            connect_retry_counter_ = 0;
            return to_idle_on_error(std::move(actions), false);
        case FsmEvent::automatic_stop:
            actions.send_notification = stop_notification(data);
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::hold_timer_expires:
            actions.send_notification = notification(ErrorCode::hold_timer_expired, 0, "hold timer expired");
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::send_hold_timer_expires:
            actions.send_notification = send_hold_expired();
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::keepalive_timer_expires:
            actions.send_keepalive = true;
            actions.keepalive_timer = TimerAction::start;
            return {state_, std::move(actions)};
        case FsmEvent::keepalive_msg:
            actions.hold_timer = hold_zero ? TimerAction::keep : TimerAction::start;
            actions.hold_timer_use_negotiated = true;
            return {state_, std::move(actions)};
        case FsmEvent::update_msg:
        case FsmEvent::route_refresh_msg:
            actions.process_message = true;
            actions.hold_timer = hold_zero ? TimerAction::keep : TimerAction::start;
            actions.hold_timer_use_negotiated = true;
            return {state_, std::move(actions)};
        case FsmEvent::update_msg_err:
        case FsmEvent::bgp_header_err:
            actions.send_notification = data.error;
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::open_collision_dump:
            actions.send_notification = notification(ErrorCode::cease, cease_subcode::connection_collision_resolution,
                                                     "connection collision resolution");
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::tcp_connection_fails:
        case FsmEvent::notif_msg:
            return to_idle_on_error(std::move(actions), true);
        case FsmEvent::notif_msg_ver_err:
            return to_idle_on_error(std::move(actions), false);
        default:  // 9, 12, 13, 19 (an OPEN on an Established connection), 20, 22
            actions.send_notification = fsm_error(state_);
            return to_idle_on_error(std::move(actions), true);
        }
    }
    return {state_, std::move(actions)};
}

CollisionWinner resolve_collision(std::uint32_t local_id, std::uint32_t local_as, std::uint32_t remote_id,
                                  std::uint32_t remote_as) noexcept {
    if (local_id != remote_id)
        return local_id > remote_id ? CollisionWinner::locally_initiated : CollisionWinner::remotely_initiated;
    return local_as > remote_as ? CollisionWinner::locally_initiated : CollisionWinner::remotely_initiated;
}

std::chrono::milliseconds restart_delay(std::uint32_t failures, std::chrono::milliseconds base,
                                        std::chrono::milliseconds max) noexcept {
    if (failures == 0) return std::chrono::milliseconds{0};
    auto delay = base;
    for (std::uint32_t i = 1; i < failures && delay < max; ++i) delay *= 2;
    return std::min(delay, max);
}

}  // namespace bgpemu::bgp
