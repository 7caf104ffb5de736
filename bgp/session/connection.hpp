// One TCP connection of a Session (bgp/session/session.hpp): its socket, its FSM, its
// timers and its reader and writer coroutines. Private to bgp/session: the speaker sees
// only the Session, which carries out what each connection's FSM decides.
//
// Every completion checks the connection's generation: closing bumps it, so a read,
// write or timer that was in flight when the connection closed (or its socket was
// replaced) finds itself stale and does nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bgp/session/fsm.hpp"
#include "bgp/session/negotiation.hpp"
#include "bgp/session/transport_endpoint.hpp"

namespace bgpemu::bgp {

class Session;
struct SessionConfig;

// The socket options the neighbour's configuration asks for: the TTL of our packets,
// GTSM's minimum TTL for theirs, and on an outgoing socket the TCP-MD5 key (an accepted
// socket inherits it from the speaker's listening socket). Returns what failed, with the
// errno text: the connection is then not used, rather than run without a protection that
// was configured (or with the wrong TTL).
std::optional<std::string> set_connection_options(boost::asio::ip::tcp::socket& socket, const SessionConfig& config,
                                                  bool outgoing);

class Connection : public std::enable_shared_from_this<Connection> {
public:
    enum class Direction : std::uint8_t { outgoing, incoming };

    Connection(boost::asio::io_context& io, Session& session, Direction direction);

    [[nodiscard]] Direction direction() const noexcept { return direction_; }
    [[nodiscard]] const char* direction_name() const noexcept {
        return direction_ == Direction::outgoing ? "outgoing" : "incoming";
    }

    // Takes over a socket the listener accepted (its options already set by Session::accept).
    void adopt(boost::asio::ip::tcp::socket socket);
    // Opens the socket and connects to the neighbour (the FSM's InitiateConnection).
    void initiate();
    void queue(const Bytes& message);
    void wake_writer() { writer_wake_.cancel(); }
    // Closes at once; completions of what was in flight are ignored (generation).
    void close_now();
    // Sends what is queued (the NOTIFICATION), then closes; gives up after a limit.
    void close_after_flush();

    // The FSM's timer actions, with the interval each runs for.
    void set_connect_retry(TimerAction action, std::chrono::seconds interval);
    void set_hold(TimerAction action, std::chrono::seconds hold);
    void set_keepalive(TimerAction action, std::chrono::seconds interval);

    [[nodiscard]] std::optional<IpAddress> local_address() const;
    [[nodiscard]] std::optional<TransportEnds> ends() const;
    // The bytes its read and write buffers hold allocated.
    [[nodiscard]] std::size_t buffer_bytes() const noexcept {
        return read_buffer_.capacity() + writing_.capacity() + control_out_.capacity();
    }

    Fsm fsm;
    Session* session_;  // null once the session let go of this connection
    OpenMessage sent_open;
    NegotiatedSession negotiated;
    DecodeContext decode_context;
    UpdateMessage update;  // reused for every UPDATE, keeps its capacity

private:
    using Clock = std::chrono::steady_clock;

    void start_io();
    // Starts one of this connection's coroutines; an exception escaping it is logged with
    // the neighbour's name (`what` says which coroutine), never dropped.
    void spawn(boost::asio::awaitable<void> coroutine, const char* what);
    void arm_hold_timer();
    // The Send Hold Timer (RFC 9687): armed while the writer has bytes the socket has not
    // taken, pushed back on every write that makes progress, stopped when all is written.
    // A peer that stops reading (its window closed, our socket buffer full) cannot keep
    // the session alive with KEEPALIVEs it still sends.
    void send_progress();
    void send_idle();
    void arm_send_hold_timer();
    [[nodiscard]] bool current(std::uint64_t generation) const noexcept {
        return generation == generation_ && session_ != nullptr;
    }

    static boost::asio::awaitable<void> connect(std::shared_ptr<Connection> self, std::uint64_t generation);
    static boost::asio::awaitable<void> read_loop(std::shared_ptr<Connection> self, std::uint64_t generation);
    static boost::asio::awaitable<void> write_loop(std::shared_ptr<Connection> self, std::uint64_t generation);
    // One framed message from the reader, by type, to the session's FSM and handler.
    void receive(std::uint8_t type, ByteSpan message);

    Direction direction_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer connect_retry_timer_;
    boost::asio::steady_timer hold_timer_;
    boost::asio::steady_timer keepalive_timer_;
    boost::asio::steady_timer writer_wake_;
    boost::asio::steady_timer flush_limit_timer_;
    boost::asio::steady_timer send_hold_timer_;
    std::optional<Clock::time_point> hold_deadline_;
    std::optional<Clock::time_point> send_hold_deadline_;
    Bytes control_out_;
    // The reader's and the writer's buffers, members so that their size can be counted.
    Bytes read_buffer_;
    Bytes writing_;
    bool closing_ = false;
    std::uint64_t generation_ = 0;
};

}  // namespace bgpemu::bgp
