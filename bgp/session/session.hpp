// One BGP session: the neighbour it is configured for, its TCP connections, and the FSM
// of each, carried out with Boost.Asio on one io_context.
//
// A Session may hold two connections at once, one we opened and one the peer opened
// (RFC 4271 §6.8); each runs its own Fsm (bgp/session/fsm.hpp) and its own reader and writer
// coroutines. When an OPEN arrives while the other connection is in OpenSent or later,
// `resolve_collision` picks the survivor. Only one connection can be Established, and it
// alone talks to the SessionHandler (the speaker), so RIB code never sees a socket.
//
// UPDATE generation is pulled, not pushed: when the Established connection's send buffer
// is empty, the writer asks the handler for the next batch (`fill_updates`). Pending
// changes therefore wait in the speaker's Adj-RIB-Out, where later changes to the same
// prefix replace earlier ones, instead of piling up as encoded bytes for a slow peer.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/logger.h>

#include "bgp/session/fsm.hpp"
#include "bgp/session/negotiation.hpp"
#include "bgp/session/transport_endpoint.hpp"

namespace bgpemu::bgp {

struct SessionConfig {
    std::string name;         // the neighbour's name, for logs and the CLI
    std::string description;
    TransportEndpoint remote;           // where we connect to, and whose connections we accept
    IpAddress local_address;            // update-source: we bind here before connecting
    bool passive = false;               // never connect, only accept
    LocalOffer offer;                   // our OPEN
    PeerExpectation expectation;        // checks on theirs
    bool external = true;               // eBGP (remote AS differs from ours)
    // IP TTL for our packets: 1 for single-hop eBGP, N for ebgp_multihop N, 255 for iBGP
    // and with GTSM.
    std::uint8_t ttl = 1;
    // RFC 5082 GTSM (0: off): the peer is at most this many hops away, so its packets
    // must arrive with TTL 255 - (hops - 1); the kernel drops the others (IP_MINTTL).
    unsigned ttl_security_hops = 0;
    // RFC 2385 TCP-MD5 key (empty: none). The session installs it on each outgoing
    // socket before connect(); the speaker installs it for the peer's address on its
    // listening socket, from which accepted connections inherit it.
    std::string password;
    std::chrono::seconds connect_retry{5};
    // Before its first outgoing connection the session only accepts, for this long: the
    // peer is expected to connect (BIRD's "connect delay time"). 0 connects at once.
    std::chrono::milliseconds connect_delay{0};
    std::chrono::seconds open_hold_time{240};           // hold timer until the peer's OPEN
    // Per connection: the most the reader asks the socket for at once (its buffer starts
    // at one message, doubles up to this while reads fill it, and shrinks back when a
    // burst is over; it grows beyond only while one message needs it), and
    // how many bytes of UPDATEs the writer pulls from the Adj-RIB-Out per write. Larger
    // amortises system calls; smaller bounds memory per session and keeps a KEEPALIVE
    // queued behind UPDATEs from being late.
    std::size_t read_buffer_bytes = 256 * 1024;
    std::size_t update_batch_bytes = 256 * 1024;
    std::chrono::seconds advertisement_interval{0};  // MRAI; see NeighborConfig
    // Exponential back-off between automatic restarts after failures (§8.1.1's optional
    // damping): restart_base doubled per consecutive failure, capped at restart_max.
    std::chrono::milliseconds restart_base{1000};
    std::chrono::milliseconds restart_max{60000};
    bool enabled = true;                // false: configured but administratively down
};

class Session;

// What the session needs from the speaker that owns it. Called only for the Established
// connection, on the io_context's thread.
class SessionHandler {
public:
    virtual ~SessionHandler() = default;
    virtual void session_established(Session& session) = 0;
    // The session left Established: the speaker withdraws everything learned from it.
    virtual void session_down(Session& session) = 0;
    // A decoded UPDATE (RFC 7606 treat-as-withdraw already marked in it). Returns the
    // error to reset the session with, when the speaker finds one the codec cannot
    // (an AS_PATH that does not start with the peer's AS, for example, is not one of
    // those: it is treat-as-withdraw).
    virtual std::optional<WireError> receive_update(Session& session, UpdateMessage& update) = 0;
    virtual void receive_route_refresh(Session& session, const RouteRefreshMessage& refresh) = 0;
    // Appends encoded UPDATEs to `out` until about `budget` bytes; returns whether more are pending.
    virtual bool fill_updates(Session& session, Bytes& out, std::size_t budget) = 0;
};

// Counters and state for `show bgp neighbors`.
struct SessionStats {
    std::uint64_t messages_in = 0;
    std::uint64_t messages_out = 0;
    std::uint64_t updates_in = 0;
    std::uint64_t updates_out = 0;
    std::uint64_t established_transitions = 0;
    // NOTIFICATIONs by error code (RFC 4271 §4.5: 1..6 and later ones up to 7); 0 holds
    // any code past those.
    std::array<std::uint64_t, 8> notifications_in{};
    std::array<std::uint64_t, 8> notifications_out{};
    static std::size_t notification_slot(std::uint8_t code) noexcept { return code < 8 ? code : 0; }
    std::optional<std::string> last_error;  // the last NOTIFICATION sent or received, or socket error
    std::chrono::steady_clock::time_point state_since = std::chrono::steady_clock::now();
};

// Sees every message a session receives and sends, whole (header included), and each
// change of its state, as they happen: what an MRT update stream records. Called on the
// io_context's thread; it must not block.
class SessionTap {
public:
    virtual ~SessionTap() = default;
    virtual void message_received(const Session& session, ByteSpan message) = 0;
    // As it is queued for the socket.
    virtual void message_sent(const Session& session, ByteSpan message) = 0;
    virtual void state_changed(const Session& session, FsmState from, FsmState to) = 0;
};

// Several taps on the same sessions (the MRT archive and the BMP exporter): each sees
// every call, in the order they were added.
class SessionTapList final : public SessionTap {
public:
    void add(SessionTap* tap) { taps_.push_back(tap); }
    [[nodiscard]] bool empty() const noexcept { return taps_.empty(); }
    void message_received(const Session& session, ByteSpan message) override {
        for (auto* tap : taps_) tap->message_received(session, message);
    }
    void message_sent(const Session& session, ByteSpan message) override {
        for (auto* tap : taps_) tap->message_sent(session, message);
    }
    void state_changed(const Session& session, FsmState from, FsmState to) override {
        for (auto* tap : taps_) tap->state_changed(session, from, to);
    }

private:
    std::vector<SessionTap*> taps_;
};

class Connection;

class Session {
public:
    Session(boost::asio::io_context& io, SessionConfig config, SessionHandler& handler,
            std::shared_ptr<spdlog::logger> log);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // AutomaticStart (or the passive variant): connect and accept until stopped.
    void start();
    // ManualStop: Cease (administrative shutdown, with an RFC 9003 communication when
    // given) on every connection; stays down until start().
    void stop(std::string_view communication = {}, std::uint8_t cease_subcode = cease_subcode::administrative_shutdown);
    // The same with the Cease NOTIFICATION's data given as bytes (RFC 4486 §4: AFI, SAFI
    // and the limit for "Maximum Number of Prefixes Reached"). `reason` is a literal, for logs.
    void stop_with_data(std::uint8_t cease_subcode, Bytes data, const char* reason);
    // Starts the session, also one configured administratively down (`session enable`).
    void enable();
    // Administrative reset: stop with Cease / Administrative Reset, then start again.
    void reset(std::string_view communication = {});
    // The emulated link the session runs over. Down: every connection is dropped at once,
    // without a NOTIFICATION (nothing crosses a failed link; fast external fall-over or
    // BFD notice it), and none is opened or accepted until the link is up again.
    void set_link_up(bool up);
    [[nodiscard]] bool link_up() const noexcept { return link_up_; }
    // Started, enabled and on a link that is up: the session should come up.
    [[nodiscard]] bool wanted() const noexcept { return running_ && config_.enabled && link_up_; }
    // A connection the speaker's listener accepted from this neighbour's address.
    void accept(boost::asio::ip::tcp::socket socket);
    // Asks the Established connection's writer to pull updates (there is something to send).
    void wake_writer();
    // Sends a ROUTE-REFRESH for `family` when the peer supports it (soft inbound reset).
    bool request_refresh(AfiSafi family, RouteRefreshSubtype subtype = RouteRefreshSubtype::normal);
    // Queues one already-encoded message on the Established connection (End-of-RIB and
    // enhanced route refresh markers); false when not Established.
    bool send_raw(Bytes message);

    [[nodiscard]] const SessionConfig& config() const noexcept { return config_; }
    [[nodiscard]] FsmState state() const noexcept;
    [[nodiscard]] bool established() const noexcept { return state() == FsmState::established; }
    [[nodiscard]] const NegotiatedSession& negotiated() const noexcept { return negotiated_; }
    [[nodiscard]] const SessionStats& stats() const noexcept { return stats_; }
    [[nodiscard]] SessionStats& stats() noexcept { return stats_; }
    [[nodiscard]] const std::string& name() const noexcept { return config_.name; }
    // The bytes its connections' buffers hold allocated (they grow for a burst and go
    // back after it).
    [[nodiscard]] std::size_t buffer_bytes() const noexcept;
    // The local end of the Established connection (for next-hop-self).
    [[nodiscard]] std::optional<IpAddress> local_endpoint() const;
    // Both ends of the Established connection, with their ports (BMP's Peer Up).
    [[nodiscard]] std::optional<TransportEnds> transport_ends() const;
    [[nodiscard]] spdlog::logger& log() const noexcept { return *log_; }
    // Null: none.
    void set_tap(SessionTap* tap) noexcept { tap_ = tap; }

private:
    friend class Connection;

    // Called by connections.
    // Runs the connection's FSM and carries out the actions; returns them.
    FsmActions event(Connection& connection, FsmEvent event, Fsm::EventData data = {});
    // Logs and times a change of the session's state (the best of its connections'), if
    // there is one: the `direction` connection changed it, by a transition of its FSM or
    // (`change` " released") by leaving the session.
    void report_state(const char* direction, const char* change);
    void handle_open(Connection& connection, OpenMessage open);
    void detach(Connection& connection);
    void schedule_restart();
    void start_outgoing();
    std::shared_ptr<Connection>* slot_of(const Connection& connection);
    Connection* other_than(const Connection& connection);
    Connection* established_connection() const;

    boost::asio::io_context& io_;
    SessionConfig config_;
    SessionHandler& handler_;
    std::shared_ptr<spdlog::logger> log_;
    std::shared_ptr<Connection> outgoing_;
    std::shared_ptr<Connection> incoming_;
    boost::asio::steady_timer restart_timer_;
    bool running_ = false;          // between start() and stop()
    bool link_up_ = true;
    std::uint32_t failures_ = 0;    // consecutive, for the back-off
    NegotiatedSession negotiated_;  // of the Established connection
    SessionStats stats_;
    FsmState last_reported_state_ = FsmState::idle;
    SessionTap* tap_ = nullptr;
};

}  // namespace bgpemu::bgp
