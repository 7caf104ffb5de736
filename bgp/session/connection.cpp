#include "bgp/session/connection.hpp"

#include <algorithm>
#include <array>
#include <exception>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "bgp/session/session.hpp"
#include "bgp/session/transport_security.hpp"
#include "bgp/wire/codec.hpp"

namespace bgpemu::bgp {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// How long a NOTIFICATION may take to drain before the socket is closed anyway (a peer
// that stopped reading must not keep the connection alive).
constexpr std::chrono::seconds notification_flush_limit{2};
// What an idle connection keeps: a read buffer for one message of the standard size, and
// write buffers of up to this many bytes.
constexpr std::size_t idle_read_bytes = 4096;
constexpr std::size_t idle_write_bytes = 16 * 1024;
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

}  // namespace

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

Connection::Connection(asio::io_context& io, Session& session, Direction direction)
    : session_(&session),
      direction_(direction),
      socket_(io),
      connect_retry_timer_(io),
      hold_timer_(io),
      keepalive_timer_(io),
      writer_wake_(io),
      flush_limit_timer_(io),
      send_hold_timer_(io) {}

void Connection::adopt(tcp::socket socket) {
    socket_ = std::move(socket);
    ++generation_;
    start_io();
}

void Connection::initiate() {
    close_now();
    spawn(connect(shared_from_this(), generation_), "connect");
}

void Connection::queue(const Bytes& message) {
    if (session_ != nullptr && session_->tap_ != nullptr) session_->tap_->message_sent(*session_, message);
    control_out_.insert(control_out_.end(), message.begin(), message.end());
    wake_writer();
}

void Connection::close_now() {
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

void Connection::close_after_flush() {
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

void Connection::set_connect_retry(TimerAction action, std::chrono::seconds interval) {
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
void Connection::set_hold(TimerAction action, std::chrono::seconds hold) {
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

void Connection::set_keepalive(TimerAction action, std::chrono::seconds interval) {
    if (action == TimerAction::keep) return;
    keepalive_timer_.cancel();
    if (action == TimerAction::stop || interval.count() == 0) return;
    keepalive_timer_.expires_after(interval);
    keepalive_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec && self->session_) self->session_->event(*self, FsmEvent::keepalive_timer_expires);
    });
}

std::optional<IpAddress> Connection::local_address() const {
    boost::system::error_code ec;
    const auto endpoint = socket_.local_endpoint(ec);
    if (ec) return std::nullopt;
    return from_asio(endpoint.address());
}

std::optional<TransportEnds> Connection::ends() const {
    boost::system::error_code ec;
    const auto local = socket_.local_endpoint(ec);
    if (ec) return std::nullopt;
    const auto remote = socket_.remote_endpoint(ec);
    if (ec) return std::nullopt;
    return TransportEnds{from_asio(local.address()), local.port(), from_asio(remote.address()), remote.port()};
}

void Connection::start_io() {
    spawn(read_loop(shared_from_this(), generation_), "reader");
    spawn(write_loop(shared_from_this(), generation_), "writer");
}

void Connection::arm_hold_timer() {
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

void Connection::send_progress() {
    const bool armed = send_hold_deadline_.has_value();
    send_hold_deadline_ = Clock::now() + send_hold_time(negotiated.hold_time);
    if (!armed) arm_send_hold_timer();
}

void Connection::send_idle() {
    send_hold_deadline_.reset();
    send_hold_timer_.cancel();
}

void Connection::arm_send_hold_timer() {
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

asio::awaitable<void> Connection::connect(std::shared_ptr<Connection> self, std::uint64_t generation) {
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

asio::awaitable<void> Connection::read_loop(std::shared_ptr<Connection> self, std::uint64_t generation) {
    // See SessionConfig::read_buffer_bytes: the buffer starts at idle_read_bytes, doubles
    // while reads fill it (a burst), up to that, and goes back once it is empty after a
    // read that drained the socket.
    const std::size_t read_limit = std::max(self->session_->config().read_buffer_bytes, idle_read_bytes);
    Bytes& buffer = self->read_buffer_;
    buffer.assign(idle_read_bytes, std::byte{0});
    std::size_t begin = 0;
    std::size_t end = 0;
    while (self->current(generation)) {
        if (buffer.size() - end < buffer.size() / 4) {
            // Move the partial message to the front; grow only if one message needs it.
            std::copy(buffer.begin() + static_cast<std::ptrdiff_t>(begin),
                      buffer.begin() + static_cast<std::ptrdiff_t>(end), buffer.begin());
            end -= begin;
            begin = 0;
            if (buffer.size() - end < buffer.size() / 4) buffer.resize(buffer.size() * 2);
        }
        const std::size_t space = buffer.size() - end;
        auto [ec, n] = co_await self->socket_.async_read_some(asio::buffer(buffer.data() + end, space), use_tuple);
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
            if (auto* tap = self->session_->tap_) tap->message_received(*self->session_, available.first(length));
            self->receive(header->value().type, available.first(length));
            begin += length;
        }
        if (begin == end) {
            begin = end = 0;
            // The read drained the socket (it filled less than half): the burst is over.
            if (buffer.size() > idle_read_bytes && n < space / 2) Bytes(idle_read_bytes).swap(buffer);
        }
        // The read filled the buffer: more is waiting, read more at once.
        if (n == space && buffer.size() < read_limit) buffer.resize(std::min(buffer.size() * 2, read_limit));
    }
}

asio::awaitable<void> Connection::write_loop(std::shared_ptr<Connection> self, std::uint64_t generation) {
    Bytes& writing = self->writing_;
    // The minimum route advertisement interval holds back UPDATEs, never KEEPALIVEs
    // or NOTIFICATIONs: within the interval only control messages go out.
    Clock::time_point updates_not_before{};
    while (generation == self->generation_) {
        writing.clear();
        std::swap(writing, self->control_out_);
        const bool updates_allowed = Clock::now() >= updates_not_before;
        bool more = false;
        if (updates_allowed && !self->closing_ && self->session_ &&
            self->fsm.state() == FsmState::established) {
            const auto control_bytes = writing.size();
            more = self->session_->handler_.fill_updates(*self->session_, writing, self->session_->config().update_batch_bytes);
            if (auto* tap = self->session_->tap_) {
                // The batch is whole messages, one after another: each by its header's length.
                for (std::size_t at = control_bytes; at + 19 <= writing.size();) {
                    const std::size_t length = (std::to_integer<std::size_t>(writing[at + 16]) << 8) |
                                               std::to_integer<std::size_t>(writing[at + 17]);
                    if (length < 19 || at + length > writing.size()) break;
                    tap->message_sent(*self->session_, ByteSpan(writing).subspan(at, length));
                    at += length;
                }
            }
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
        // A burst is over: its batch's memory goes back (kept while more is to come, so
        // that a large table is not reallocated per batch).
        if (!more && writing.capacity() > idle_write_bytes) Bytes().swap(writing);
        if (self->control_out_.capacity() > idle_write_bytes && self->control_out_.empty()) Bytes().swap(self->control_out_);
    }
}

void Connection::spawn(asio::awaitable<void> coroutine, const char* what) {
    // The session may be gone when the coroutine ends: the completion keeps what it logs with.
    asio::co_spawn(socket_.get_executor(), std::move(coroutine),
                   [log = session_->log_, name = session_->name(), what](std::exception_ptr error) {
                       if (!error) return;
                       try {
                           std::rethrow_exception(error);
                       } catch (const std::exception& exception) {
                           log->error("{}: the connection's {} stopped: {}", name, what, exception.what());
                       } catch (...) {
                           log->error("{}: the connection's {} stopped on an unknown exception", name, what);
                       }
                   });
}

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
        session.stats().notifications_in[SessionStats::notification_slot(value.code)]++;
        // The peer resolving a connection collision is routine (see Session::event).
        const bool collision = value.code == static_cast<std::uint8_t>(ErrorCode::cease) &&
                               value.subcode == cease_subcode::connection_collision_resolution;
        session.log().log(collision ? spdlog::level::debug : spdlog::level::warn, "{}: received NOTIFICATION {}",
                          session.name(), value.to_string());
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

}  // namespace bgpemu::bgp
