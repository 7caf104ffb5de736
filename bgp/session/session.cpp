#include "bgp/session/session.hpp"

#include <spdlog/spdlog.h>

#include "bgp/session/connection.hpp"
#include "bgp/wire/codec.hpp"

namespace bgpemu::bgp {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

Session::Session(asio::io_context& io, SessionConfig config, SessionHandler& handler,
                 std::shared_ptr<spdlog::logger> log)
    : io_(io), config_(std::move(config)), handler_(handler), log_(std::move(log)), restart_timer_(io) {}

Session::~Session() {
    for (auto* slot : {&outgoing_, &incoming_}) {
        if (!*slot) continue;
        (*slot)->session_ = nullptr;
        (*slot)->close_now();
        slot->reset();
    }
}

FsmState Session::state() const noexcept {
    FsmState best = FsmState::idle;
    for (const auto* slot : {&outgoing_, &incoming_})
        if (*slot && static_cast<int>((*slot)->fsm.state()) > static_cast<int>(best)) best = (*slot)->fsm.state();
    return best;
}

std::size_t Session::buffer_bytes() const noexcept {
    std::size_t bytes = 0;
    for (const auto* slot : {&outgoing_, &incoming_})
        if (*slot) bytes += (*slot)->buffer_bytes();
    return bytes;
}

Connection* Session::established_connection() const {
    for (const auto* slot : {&outgoing_, &incoming_})
        if (*slot && (*slot)->fsm.state() == FsmState::established) return slot->get();
    return nullptr;
}

std::shared_ptr<Connection>* Session::slot_of(const Connection& connection) {
    if (outgoing_.get() == &connection) return &outgoing_;
    if (incoming_.get() == &connection) return &incoming_;
    return nullptr;
}

Connection* Session::other_than(const Connection& connection) {
    if (outgoing_ && outgoing_.get() != &connection) return outgoing_.get();
    if (incoming_ && incoming_.get() != &connection) return incoming_.get();
    return nullptr;
}

std::optional<IpAddress> Session::local_endpoint() const {
    if (const auto* connection = established_connection()) return connection->local_address();
    return std::nullopt;
}

std::optional<TransportEnds> Session::transport_ends() const {
    if (const auto* connection = established_connection()) return connection->ends();
    return std::nullopt;
}

void Session::start() {
    if (running_) return;
    running_ = true;
    failures_ = 0;
    if (!config_.enabled) return;
    log_->debug("{}: starting ({} {}:{})", name(), config_.passive ? "passive, waiting for" : "connecting to",
                config_.remote.address.to_string(), config_.remote.port);
    if (config_.passive) return;
    if (config_.connect_delay.count() == 0) {
        start_outgoing();
        return;
    }
    // The peer is expected to connect first (SessionConfig::connect_delay); its connection
    // makes ours redundant, so ours goes out only if none has arrived by then.
    restart_timer_.expires_after(config_.connect_delay);
    restart_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec && !incoming_) start_outgoing();
    });
}

void Session::enable() {
    // A session configured `shutdown` was "started" idle: start it for real now.
    if (!config_.enabled) running_ = false;
    config_.enabled = true;
    start();
}

void Session::set_link_up(bool up) {
    if (link_up_ == up) return;
    link_up_ = up;
    if (!up) {
        restart_timer_.cancel();
        log_->info("{}: link down: dropping the session", name());
        for (auto* slot : {&outgoing_, &incoming_})
            if (auto connection = *slot) event(*connection, FsmEvent::tcp_connection_fails);
        return;
    }
    log_->info("{}: link up", name());
    failures_ = 0;
    if (running_ && config_.enabled && !config_.passive) start_outgoing();
}

void Session::start_outgoing() {
    if (!running_ || !link_up_ || config_.passive || established_connection()) return;
    if (outgoing_ && outgoing_->fsm.state() != FsmState::idle) return;
    outgoing_ = std::make_shared<Connection>(io_, *this, Connection::Direction::outgoing);
    event(*outgoing_, FsmEvent::automatic_start);
}

void Session::stop(std::string_view communication, std::uint8_t subcode) {
    stop_with_data(subcode, NotificationMessage::cease(subcode, communication).data, "administrative stop");
}

void Session::stop_with_data(std::uint8_t subcode, Bytes cease_data, const char* reason) {
    running_ = false;
    restart_timer_.cancel();
    Fsm::EventData data;
    WireError cease;
    cease.code = ErrorCode::cease;
    cease.subcode = subcode;
    cease.data = std::move(cease_data);
    cease.reason = reason;
    data.error = cease;
    for (auto* slot : {&outgoing_, &incoming_}) {
        if (auto connection = *slot) event(*connection, FsmEvent::manual_stop, data);
    }
}

void Session::reset(std::string_view communication) {
    stop(communication, cease_subcode::administrative_reset);
    start();
}

void Session::accept(tcp::socket socket) {
    boost::system::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (!running_ || !config_.enabled || !link_up_ || established_connection()) {
        // RFC 4271 §6.8: with an Established connection, the new one is closed.
        log_->info("{}: refused connection from {} ({})", name(), ec ? std::string("?") : remote.address().to_string(),
                   !link_up_ ? "its link is down" : !running_ || !config_.enabled ? "session is down" : "already Established");
        socket.close(ec);
        return;
    }
    // GTSM right after accept, as FRR does: the handshake, and what the peer sent before
    // accept() returned (often its OPEN), met only the listener's TCP-MD5 check. The
    // listener cannot carry the minimum TTL, which would apply to every neighbour. A
    // far-away sender still never reaches Established: its KEEPALIVE answering our OPEN
    // comes after the option is set.
    if (auto refused = set_connection_options(socket, config_, false)) {
        stats_.last_error = "connection from " + (ec ? std::string("?") : remote.address().to_string()) + ": " + *refused;
        log_->warn("{}: {}; connection closed", name(), *stats_.last_error);
        socket.close(ec);
        return;
    }
    if (incoming_) {
        // The peer opened another connection; the newest is the one it is using.
        auto old = std::move(incoming_);
        old->session_ = nullptr;
        old->close_now();
    }
    incoming_ = std::make_shared<Connection>(io_, *this, Connection::Direction::incoming);
    auto connection = incoming_;
    connection->adopt(std::move(socket));
    event(*connection, FsmEvent::automatic_start_passive);
    event(*connection, FsmEvent::tcp_connection_confirmed);
}

void Session::wake_writer() {
    if (auto* connection = established_connection()) connection->wake_writer();
}

bool Session::send_raw(Bytes message) {
    auto* connection = established_connection();
    if (!connection) return false;
    stats_.messages_out++;
    connection->queue(message);
    return true;
}

bool Session::request_refresh(AfiSafi family, RouteRefreshSubtype subtype) {
    if (!established() || !negotiated_.route_refresh) return false;
    Bytes message;
    encode_route_refresh(RouteRefreshMessage{family, subtype}, message);
    return send_raw(std::move(message));
}

void Session::handle_open(Connection& connection, OpenMessage open) {
    if (auto error = check_peer_open(open, config_.offer, config_.expectation)) {
        log_->warn("{}: OPEN refused: {}", name(), error->to_string());
        event(connection, FsmEvent::bgp_open_msg_err, {std::move(*error)});
        return;
    }
    connection.negotiated = negotiate(connection.sent_open, open);
    connection.fsm.set_negotiated_hold_time(connection.negotiated.hold_time);
    connection.decode_context = connection.negotiated.decode_context(config_.external);

    // §6.8 collision detection: the other connection has sent its OPEN too.
    if (Connection* other = other_than(connection)) {
        const FsmState other_state = other->fsm.state();
        if (other_state == FsmState::established) {
            event(connection, FsmEvent::open_collision_dump);
            return;
        }
        if (other_state == FsmState::open_sent || other_state == FsmState::open_confirm) {
            const auto winner = resolve_collision(config_.offer.router_id, config_.offer.local_as,
                                                  open.bgp_identifier, open.effective_as());
            const auto losing_direction = winner == CollisionWinner::locally_initiated
                                              ? Connection::Direction::incoming
                                              : Connection::Direction::outgoing;
            log_->debug("{}: connection collision, closing the {} connection", name(),
                       losing_direction == Connection::Direction::outgoing ? "outgoing" : "incoming");
            if (connection.direction() == losing_direction) {
                event(connection, FsmEvent::open_collision_dump);
                return;
            }
            event(*other, FsmEvent::open_collision_dump);
        }
    }
    event(connection, FsmEvent::bgp_open);
}

FsmActions Session::event(Connection& connection, FsmEvent fsm_event, Fsm::EventData data) {
    // Keep the connection alive through detach() below.
    auto self = connection.shared_from_this();
    const FsmState from = connection.fsm.state();
    FsmTransition transition = connection.fsm.handle(fsm_event, data);
    FsmActions& actions = transition.actions;
    const auto& negotiated = connection.negotiated;

    if (actions.send_open) {
        connection.sent_open = build_open(config_.offer);
        Bytes message;
        encode_open(connection.sent_open, message);
        stats_.messages_out++;
        connection.queue(message);
    }
    if (actions.send_keepalive) {
        Bytes message;
        encode_keepalive(message);
        stats_.messages_out++;
        connection.queue(message);
    }
    if (actions.send_notification) {
        const auto& error = *actions.send_notification;
        NotificationMessage notification{static_cast<std::uint8_t>(error.code), error.subcode, error.data};
        // Collision resolution and administrative stops are routine, not faults; a
        // collision is the FSM's own business (debug), a stop the operator's (info).
        const bool collision = error.code == ErrorCode::cease &&
                               error.subcode == cease_subcode::connection_collision_resolution;
        const bool routine = collision || (error.code == ErrorCode::cease &&
                                           error.subcode == cease_subcode::administrative_shutdown);
        if (!routine)
            stats_.last_error = "sent " + notification.to_string();
        log_->log(collision ? spdlog::level::debug : routine ? spdlog::level::info : spdlog::level::warn,
                  "{}: sending NOTIFICATION {} ({})", name(), notification.to_string(), error.reason);
        Bytes message;
        encode_notification(notification, message);
        stats_.messages_out++;
        stats_.notifications_out[SessionStats::notification_slot(notification.code)]++;
        connection.queue(message);
    }
    if (actions.drop_connection) {
        if (actions.send_notification)
            connection.close_after_flush();
        else
            connection.close_now();
    }
    if (actions.initiate_connection) connection.initiate();
    connection.set_connect_retry(actions.connect_retry_timer, config_.connect_retry);
    connection.set_hold(actions.hold_timer, actions.hold_timer_use_negotiated
                                                ? std::chrono::seconds(negotiated.hold_time)
                                                : config_.open_hold_time);
    connection.set_keepalive(actions.keepalive_timer, std::chrono::seconds(negotiated.keepalive_time));

    // What was negotiated is the session's before its taps hear it is Established.
    if (actions.session_established) negotiated_ = negotiated;
    if (from != transition.next) report_state(connection.direction_name(), "");
    if (actions.session_established) {
        stats_.established_transitions++;
        // The other connection, whatever it is doing, is redundant now.
        if (Connection* other = other_than(connection)) {
            if (other->fsm.state() == FsmState::open_sent || other->fsm.state() == FsmState::open_confirm) {
                event(*other, FsmEvent::open_collision_dump);
            } else {
                other->close_now();
                detach(*other);
            }
        }
        failures_ = 0;
        handler_.session_established(*this);
        connection.wake_writer();
    }
    if (from == FsmState::established && transition.next != FsmState::established) handler_.session_down(*this);
    if (transition.next == FsmState::idle) {
        detach(connection);
    } else if (transition.next == FsmState::active && from != FsmState::idle && from != FsmState::active &&
               (config_.passive || connection.direction() == Connection::Direction::incoming)) {
        // Its TCP connection failed (an accepted connection enters Active from Idle, on
        // its way to OpenSent, and stays). Active waits for the ConnectRetryTimer to
        // connect again, which an accepted connection cannot do in its own name and a
        // passive session must never do: it is released instead, and the listener takes
        // the peer's next attempt.
        connection.set_connect_retry(TimerAction::stop, config_.connect_retry);
        connection.close_now();
        detach(connection);
    }
    return actions;
}

void Session::report_state(const char* direction, const char* change) {
    const FsmState shown = state();
    if (shown == last_reported_state_) return;
    stats_.state_since = Clock::now();
    // At debug: the speaker logs the one line an operator wants when a session comes up or
    // goes down (SessionHandler::session_established, session_down).
    log_->debug("{}: {} -> {} ({} connection{})", name(), to_string(last_reported_state_), to_string(shown),
                direction, change);
    if (tap_ != nullptr) tap_->state_changed(*this, last_reported_state_, shown);
    last_reported_state_ = shown;
}

void Session::detach(Connection& connection) {
    auto* slot = slot_of(connection);
    if (!slot) return;
    const bool outgoing = slot == &outgoing_;
    // Read before the reset: the slot may hold the last reference to the connection.
    const char* direction = connection.direction_name();
    connection.session_ = nullptr;
    slot->reset();
    if (outgoing) ++failures_;
    report_state(direction, " released");
    if (running_ && link_up_ && !outgoing_ && !incoming_) schedule_restart();
}

void Session::schedule_restart() {
    if (config_.passive) return;  // the peer will connect again; nothing to restart
    const auto delay = restart_delay(failures_, config_.restart_base, config_.restart_max);
    log_->debug("{}: restarting in {} ms (failure {})", name(), delay.count(), failures_);
    restart_timer_.expires_after(delay);
    restart_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) start_outgoing();
    });
}

}  // namespace bgpemu::bgp
