#include "bgp/session/session.hpp"

#include <algorithm>
#include <array>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "bgp/wire/codec.hpp"
#include "bgp/session/transport_security.hpp"

namespace bgpemu::bgp {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// How long a NOTIFICATION may take to drain before the socket is closed anyway (a peer
// that stopped reading must not keep the connection alive).
constexpr std::chrono::seconds notification_flush_limit{2};
// RFC 9687's SendHoldTime: how long the writer may make no progress at all before the
// session is dropped. It must exceed the HoldTime; twice the negotiated one keeps a slow
// but live peer clear of it. Without a hold time (0, or before the OPEN) 8 minutes, the
// value RFC 9687 suggests.
constexpr std::chrono::seconds send_hold_time_without_hold{480};
std::chrono::seconds send_hold_time(std::uint16_t negotiated_hold_time) {
    if (negotiated_hold_time == 0) return send_hold_time_without_hold;
    return std::chrono::seconds(2 * std::uint32_t{negotiated_hold_time});
}

tcp::endpoint to_endpoint(const IpAddress& address, std::uint16_t port) {
    if (address.is_v4()) return {asio::ip::address_v4(address.v4_value()), port};
    asio::ip::address_v6::bytes_type bytes;
    std::copy(address.bytes().begin(), address.bytes().end(), bytes.begin());
    return {asio::ip::address_v6(bytes), port};
}

IpAddress from_asio(const asio::ip::address& address) {
    if (address.is_v4()) return IpAddress::v4(address.to_v4().to_uint());
    const auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) return IpAddress::v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint());
    std::array<std::uint8_t, 16> bytes{};
    const auto raw = v6.to_bytes();
    std::copy(raw.begin(), raw.end(), bytes.begin());
    return IpAddress::v6(bytes);
}

// The socket options the neighbour's configuration asks for: the TTL of our packets,
// GTSM's minimum TTL for theirs, and on an outgoing socket the TCP-MD5 key (an accepted
// socket inherits it from the speaker's listening socket). Returns what failed, with the
// errno text: the connection is then not used, rather than run without a protection that
// was configured (or with the wrong TTL).
std::optional<std::string> set_connection_options(tcp::socket& socket, const SessionConfig& config, bool outgoing) {
    const int fd = socket.native_handle();
    const IpAddress& peer = config.remote.address;
    // An outgoing socket is opened in the peer's family (see Connection::connect).
    if (outgoing && !config.password.empty())
        if (const auto ec = set_tcp_md5_key(fd, !peer.is_v4(), peer, config.password))
            return "cannot install the TCP-MD5 key (TCP_MD5SIG): " + ec.message();
    if (const auto ec = set_outgoing_ttl(fd, peer, config.ttl))
        return "cannot set TTL " + std::to_string(config.ttl) + ": " + ec.message();
    if (config.ttl_security_hops > 0) {
        const auto minimum = gtsm_minimum_ttl(config.ttl_security_hops);
        if (const auto ec = set_minimum_incoming_ttl(fd, peer, minimum))
            return "cannot set the GTSM minimum TTL " + std::to_string(minimum) + " (" +
                   (peer.is_v4() ? "IP_MINTTL" : "IPV6_MINHOPCOUNT") + "): " + ec.message();
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // only latency depends on it
    return std::nullopt;
}

}  // namespace

// ---- Connection -------------------------------------------------------------------

class Connection : public std::enable_shared_from_this<Connection> {
public:
    enum class Direction : std::uint8_t { outgoing, incoming };

    Connection(asio::io_context& io, Session& session, Direction direction)
        : session_(&session),
          direction_(direction),
          socket_(io),
          connect_retry_timer_(io),
          hold_timer_(io),
          keepalive_timer_(io),
          writer_wake_(io),
          flush_limit_timer_(io),
          send_hold_timer_(io) {}

    [[nodiscard]] Direction direction() const noexcept { return direction_; }
    [[nodiscard]] const char* direction_name() const noexcept {
        return direction_ == Direction::outgoing ? "outgoing" : "incoming";
    }

    // Takes over a socket the listener accepted (its options already set by Session::accept).
    void adopt(tcp::socket socket) {
        socket_ = std::move(socket);
        ++generation_;
        start_io();
    }

    void initiate() {
        close_now();
        asio::co_spawn(socket_.get_executor(), connect(shared_from_this(), generation_), asio::detached);
    }

    void queue(const Bytes& message) {
        control_out_.insert(control_out_.end(), message.begin(), message.end());
        wake_writer();
    }

    void wake_writer() { writer_wake_.cancel(); }

    // Closes at once; completions of what was in flight are ignored (generation).
    void close_now() {
        ++generation_;
        boost::system::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
        connect_retry_timer_.cancel();
        hold_timer_.cancel();
        keepalive_timer_.cancel();
        flush_limit_timer_.cancel();
        send_idle();
        writer_wake_.cancel();
        control_out_.clear();
    }

    // Sends what is queued (the NOTIFICATION), then closes; gives up after a limit.
    void close_after_flush() {
        closing_ = true;
        connect_retry_timer_.cancel();
        hold_timer_.cancel();
        keepalive_timer_.cancel();
        flush_limit_timer_.expires_after(notification_flush_limit);
        flush_limit_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec) self->close_now();
        });
        wake_writer();
    }

    void set_connect_retry(TimerAction action, std::chrono::seconds interval) {
        if (action == TimerAction::keep) return;
        connect_retry_timer_.cancel();
        if (action == TimerAction::stop) return;
        connect_retry_timer_.expires_after(interval);
        connect_retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec && self->session_) self->session_->event(*self, FsmEvent::connect_retry_timer_expires);
        });
    }

    // The hold timer is re-armed on every KEEPALIVE and UPDATE; moving a deadline and
    // re-arming lazily on expiry costs far less than rescheduling a timer per message.
    // A deadline that moves earlier (OpenSent's 240 s replaced by a negotiated 9 s) must
    // re-arm at once, or the timer would sleep through it.
    void set_hold(TimerAction action, std::chrono::seconds hold) {
        if (action == TimerAction::keep) return;
        if (action == TimerAction::stop || hold.count() == 0) {
            hold_deadline_.reset();
            hold_timer_.cancel();
            return;
        }
        const bool armed = hold_deadline_.has_value();
        hold_deadline_ = Clock::now() + hold;
        if (!armed || *hold_deadline_ < hold_timer_.expiry()) arm_hold_timer();
    }

    void set_keepalive(TimerAction action, std::chrono::seconds interval) {
        if (action == TimerAction::keep) return;
        keepalive_timer_.cancel();
        if (action == TimerAction::stop || interval.count() == 0) return;
        keepalive_timer_.expires_after(interval);
        keepalive_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec && self->session_) self->session_->event(*self, FsmEvent::keepalive_timer_expires);
        });
    }

    [[nodiscard]] std::optional<IpAddress> local_address() const {
        boost::system::error_code ec;
        const auto endpoint = socket_.local_endpoint(ec);
        if (ec) return std::nullopt;
        return from_asio(endpoint.address());
    }

    Fsm fsm;
    Session* session_;  // null once the session let go of this connection
    OpenMessage sent_open;
    NegotiatedSession negotiated;
    DecodeContext decode_context;
    UpdateMessage update;  // reused for every UPDATE, keeps its capacity

private:
    void start_io() {
        asio::co_spawn(socket_.get_executor(), read_loop(shared_from_this(), generation_), asio::detached);
        asio::co_spawn(socket_.get_executor(), write_loop(shared_from_this(), generation_), asio::detached);
    }

    void arm_hold_timer() {
        hold_timer_.expires_at(*hold_deadline_);
        hold_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || !self->hold_deadline_ || !self->session_) return;
            if (Clock::now() < *self->hold_deadline_) {
                self->arm_hold_timer();
                return;
            }
            self->hold_deadline_.reset();
            self->session_->event(*self, FsmEvent::hold_timer_expires);
        });
    }

    // The Send Hold Timer (RFC 9687): armed while the writer has bytes the socket has not
    // taken, pushed back on every write that makes progress, stopped when all is written.
    // A peer that stops reading (its window closed, our socket buffer full) cannot keep
    // the session alive with KEEPALIVEs it still sends.
    void send_progress() {
        const bool armed = send_hold_deadline_.has_value();
        send_hold_deadline_ = Clock::now() + send_hold_time(negotiated.hold_time);
        if (!armed) arm_send_hold_timer();
    }

    void send_idle() {
        send_hold_deadline_.reset();
        send_hold_timer_.cancel();
    }

    void arm_send_hold_timer() {
        send_hold_timer_.expires_at(*send_hold_deadline_);
        send_hold_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (ec || !self->send_hold_deadline_ || !self->session_) return;
            if (Clock::now() < *self->send_hold_deadline_) {
                self->arm_send_hold_timer();
                return;
            }
            self->send_hold_deadline_.reset();
            Session& session = *self->session_;
            session.log().warn("{}: nothing could be written for {} s: the peer is not reading", session.name(),
                               send_hold_time(self->negotiated.hold_time).count());
            session.event(*self, FsmEvent::send_hold_timer_expires);
        });
    }

    [[nodiscard]] bool current(std::uint64_t generation) const noexcept {
        return generation == generation_ && session_ != nullptr;
    }

    static asio::awaitable<void> connect(std::shared_ptr<Connection> self, std::uint64_t generation) {
        Session& session = *self->session_;
        const auto& config = session.config();
        const auto remote = to_endpoint(config.remote.address, config.remote.port);
        boost::system::error_code ec;
        self->socket_.open(remote.protocol(), ec);
        if (!ec) self->socket_.set_option(tcp::socket::reuse_address(true), ec);
        if (!ec && !config.local_address.is_unspecified())
            self->socket_.bind(to_endpoint(config.local_address, 0), ec);
        if (!ec) {
            // Before connect(): the SYN is signed, and the SYN-ACK already meets GTSM.
            if (auto refused = set_connection_options(self->socket_, config, true)) {
                session.stats().last_error = "connect to " + config.remote.address.to_string() + ":" +
                                             std::to_string(config.remote.port) + ": " + *refused;
                session.log().warn("{}: {}; connection not opened", session.name(), *session.stats().last_error);
                self->session_->event(*self, FsmEvent::tcp_connection_fails);
                co_return;
            }
            std::tie(ec) = co_await self->socket_.async_connect(remote, use_tuple);
        }
        if (!self->current(generation)) co_return;
        if (ec) {
            session.stats().last_error = "connect to " + config.remote.address.to_string() + ":" +
                                         std::to_string(config.remote.port) + ": " + ec.message();
            session.log().debug("{}", *session.stats().last_error);
            self->session_->event(*self, FsmEvent::tcp_connection_fails);
            co_return;
        }
        self->start_io();
        self->session_->event(*self, FsmEvent::tcp_cr_acked);
    }

    static asio::awaitable<void> read_loop(std::shared_ptr<Connection> self, std::uint64_t generation) {
        // See SessionConfig::read_buffer_bytes.
        const std::size_t read_chunk = self->session_->config().read_buffer_bytes;
        Bytes buffer(read_chunk);
        std::size_t begin = 0;
        std::size_t end = 0;
        while (self->current(generation)) {
            if (buffer.size() - end < read_chunk / 4) {
                // Move the partial message to the front; grow only if one message needs it.
                std::copy(buffer.begin() + static_cast<std::ptrdiff_t>(begin),
                          buffer.begin() + static_cast<std::ptrdiff_t>(end), buffer.begin());
                end -= begin;
                begin = 0;
                if (buffer.size() - end < read_chunk / 4) buffer.resize(buffer.size() * 2);
            }
            auto [ec, n] = co_await self->socket_.async_read_some(
                asio::buffer(buffer.data() + end, buffer.size() - end), use_tuple);
            if (!self->current(generation)) co_return;
            if (ec) {
                Session& session = *self->session_;
                session.stats().last_error =
                    ec == asio::error::eof ? std::string("connection closed by peer") : ec.message();
                session.log().info("{}: {}", session.name(), *session.stats().last_error);
                session.event(*self, FsmEvent::tcp_connection_fails);
                co_return;
            }
            end += n;
            while (self->current(generation)) {
                const ByteSpan available(buffer.data() + begin, end - begin);
                const auto max_message = self->decode_context.max_message();
                const auto header = read_frame_header(available, max_message);
                if (!header) break;
                if (!header->ok()) {
                    self->session_->event(*self, FsmEvent::bgp_header_err, {header->error()});
                    co_return;
                }
                const std::size_t length = header->value().length;
                if (length > available.size()) break;
                self->session_->stats().messages_in++;
                self->receive(header->value().type, available.first(length));
                begin += length;
            }
            if (begin == end) begin = end = 0;
        }
    }

    static asio::awaitable<void> write_loop(std::shared_ptr<Connection> self, std::uint64_t generation) {
        Bytes writing;
        // The minimum route advertisement interval holds back UPDATEs, never KEEPALIVEs
        // or NOTIFICATIONs: within the interval only control messages go out.
        Clock::time_point updates_not_before{};
        while (generation == self->generation_) {
            writing.clear();
            std::swap(writing, self->control_out_);
            const bool updates_allowed = Clock::now() >= updates_not_before;
            if (updates_allowed && !self->closing_ && self->session_ &&
                self->fsm.state() == FsmState::established) {
                const auto control_bytes = writing.size();
                const bool more = self->session_->handler_.fill_updates(*self->session_, writing,
                                                                              self->session_->config().update_batch_bytes);
                const auto interval = self->session_->config().advertisement_interval;
                // A round ends when the speaker has nothing more; the next may start an interval later.
                if (writing.size() > control_bytes && !more && interval.count() > 0)
                    updates_not_before = Clock::now() + interval;
            }
            if (writing.empty()) {
                self->send_idle();
                if (self->closing_) {
                    self->close_now();
                    co_return;
                }
                self->writer_wake_.expires_at(updates_allowed ? Clock::time_point::max() : updates_not_before);
                co_await self->writer_wake_.async_wait(use_tuple);
                continue;
            }
            // Write by pieces, so that each one the socket takes counts as progress.
            for (std::size_t written = 0; written < writing.size();) {
                self->send_progress();
                auto [ec, n] = co_await self->socket_.async_write_some(
                    asio::buffer(writing.data() + written, writing.size() - written), use_tuple);
                if (generation != self->generation_) co_return;
                if (ec) {
                    if (self->session_) {
                        self->session_->stats().last_error = "send: " + ec.message();
                        self->session_->event(*self, FsmEvent::tcp_connection_fails);
                    } else {
                        self->close_now();
                    }
                    co_return;
                }
                written += n;
            }
        }
    }

    void receive(std::uint8_t type, ByteSpan message);

    Direction direction_;
    tcp::socket socket_;
    asio::steady_timer connect_retry_timer_;
    asio::steady_timer hold_timer_;
    asio::steady_timer keepalive_timer_;
    asio::steady_timer writer_wake_;
    asio::steady_timer flush_limit_timer_;
    asio::steady_timer send_hold_timer_;
    std::optional<Clock::time_point> hold_deadline_;
    std::optional<Clock::time_point> send_hold_deadline_;
    Bytes control_out_;
    bool closing_ = false;
    std::uint64_t generation_ = 0;
};

void Connection::receive(std::uint8_t type, ByteSpan message) {
    Session& session = *session_;
    switch (static_cast<MessageType>(type)) {
    case MessageType::open: {
        auto open = decode_open(message);
        if (!open) {
            session.log().warn("{}: malformed OPEN: {}", session.name(), open.error().to_string());
            session.event(*this, FsmEvent::bgp_open_msg_err, {open.error()});
            return;
        }
        session.handle_open(*this, std::move(open.value()));
        return;
    }
    case MessageType::update: {
        if (fsm.state() != FsmState::established) {
            session.event(*this, FsmEvent::update_msg);  // an FSM error before Established
            return;
        }
        if (auto error = decode_update(message, decode_context, update)) {
            session.log().warn("{}: malformed UPDATE: {}", session.name(), error->to_string());
            session.event(*this, FsmEvent::update_msg_err, {std::move(*error)});
            return;
        }
        for (const auto& discarded : update.discarded)
            session.log().warn("{}: UPDATE attribute {} {}: {}", session.name(), discarded.type,
                               discarded.action == ErrorAction::treat_as_withdraw ? "treated as withdraw"
                                                                                  : "discarded",
                               discarded.reason);
        session.stats().updates_in++;
        const auto actions = session.event(*this, FsmEvent::update_msg);
        if (!actions.process_message || session_ == nullptr) return;
        if (auto error = session.handler_.receive_update(session, update)) {
            session.log().warn("{}: UPDATE rejected: {}", session.name(), error->to_string());
            session.event(*this, FsmEvent::update_msg_err, {std::move(*error)});
        }
        return;
    }
    case MessageType::notification: {
        auto notification = decode_notification(message);
        if (!notification) {
            session.log().warn("{}: malformed NOTIFICATION: {}", session.name(), notification.error().to_string());
            session.stats().last_error = "received malformed NOTIFICATION";
            session.event(*this, FsmEvent::notif_msg);
            return;
        }
        const auto& value = notification.value();
        session.stats().last_error = "received " + value.to_string();
        session.log().warn("{}: received NOTIFICATION {}", session.name(), value.to_string());
        const bool version_error = value.code == static_cast<std::uint8_t>(ErrorCode::open_message) &&
                                   value.subcode == open_subcode::unsupported_version_number;
        session.event(*this, version_error ? FsmEvent::notif_msg_ver_err : FsmEvent::notif_msg);
        return;
    }
    case MessageType::keepalive:
        session.event(*this, FsmEvent::keepalive_msg);
        return;
    case MessageType::route_refresh: {
        auto refresh = decode_route_refresh(message);
        if (!refresh) {
            if (refresh.error().action == ErrorAction::attribute_discard) {
                session.log().info("{}: ignored ROUTE-REFRESH: {}", session.name(), refresh.error().reason);
                return;
            }
            session.event(*this, FsmEvent::bgp_header_err, {refresh.error()});
            return;
        }
        const auto actions = session.event(*this, FsmEvent::route_refresh_msg);
        if (actions.process_message && session_ != nullptr)
            session.handler_.receive_route_refresh(session, refresh.value());
        return;
    }
    }
    // read_frame_header has already rejected unknown types.
}

// ---- Session ----------------------------------------------------------------------

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

void Session::start() {
    if (running_) return;
    running_ = true;
    failures_ = 0;
    if (!config_.enabled) return;
    log_->info("{}: starting ({} {}:{})", name(), config_.passive ? "passive, waiting for" : "connecting to",
               config_.remote.address.to_string(), config_.remote.port);
    if (!config_.passive) start_outgoing();
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
            log_->info("{}: connection collision, closing the {} connection", name(),
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
        // Collision resolution and administrative stops are routine, not faults.
        const bool routine = error.code == ErrorCode::cease &&
                             (error.subcode == cease_subcode::connection_collision_resolution ||
                              error.subcode == cease_subcode::administrative_shutdown);
        if (!routine)
            stats_.last_error = "sent " + notification.to_string();
        log_->log(routine ? spdlog::level::info : spdlog::level::warn, "{}: sending NOTIFICATION {} ({})", name(),
                  notification.to_string(), error.reason);
        Bytes message;
        encode_notification(notification, message);
        stats_.messages_out++;
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

    if (from != transition.next) connection_state_changed(connection, from, transition.next);
    if (actions.session_established) {
        negotiated_ = negotiated;
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

void Session::connection_state_changed(Connection& connection, FsmState from, FsmState to) {
    const FsmState shown = state();
    if (shown != last_reported_state_) {
        stats_.state_since = Clock::now();
        if (shown == FsmState::established || last_reported_state_ == FsmState::established)
            log_->info("{}: {} -> {} ({} connection)", name(), to_string(last_reported_state_), to_string(shown),
                       connection.direction_name());
        else
            log_->debug("{}: {} -> {} ({} connection)", name(), to_string(last_reported_state_), to_string(shown),
                        connection.direction_name());
        last_reported_state_ = shown;
    }
    (void)from;
    (void)to;
}

void Session::detach(Connection& connection) {
    auto* slot = slot_of(connection);
    if (!slot) return;
    const bool outgoing = slot == &outgoing_;
    connection.session_ = nullptr;
    slot->reset();
    if (outgoing) ++failures_;
    const FsmState now = state();
    if (now != last_reported_state_) {
        log_->debug("{}: {} -> {}", name(), to_string(last_reported_state_), to_string(now));
        if (last_reported_state_ == FsmState::established) stats_.state_since = Clock::now();
        last_reported_state_ = now;
        stats_.state_since = Clock::now();
    }
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
