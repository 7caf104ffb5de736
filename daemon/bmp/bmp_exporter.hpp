// BMP (RFC 7854) to monitoring stations (`bmp:`): for each station, one TCP connection
// per chosen speaker, as each router of a real network would open its own. On connect:
// Initiation (the speaker's name as sysName), then for every Established neighbour a
// Peer Up with both OPENs and its tables as Route Monitoring, each ended by an
// End-of-RIB; then every change as it happens: UPDATEs received (pre-policy), paths
// accepted by import policy (post-policy), best paths (the Loc-RIB, RFC 9069), UPDATEs
// sent (the post-policy Adj-RIB-Out, RFC 8671), Peer Down with its reason, Statistics
// Reports on a timer; Termination when the daemon stops.
//
// Everything runs on the io_context: a stream's messages wait in its own buffer while
// the socket writes. A station slower than the changes lets that buffer reach
// `queue_bytes`: then the connection closes and the next one starts with a fresh dump,
// so a slow station costs bounded memory and never delays a BGP session. A station
// that is down is tried again with a back-off doubling up to `reconnect_max`.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>

#include "bgp/speaker/speaker.hpp"
#include "daemon/bmp/bmp_settings.hpp"

namespace bgpemu::daemon {

class BmpExporter final : public bgp::SessionTap, public bgp::RouteMonitor {
public:
    BmpExporter(boost::asio::io_context& io, BmpSettings settings, std::vector<std::unique_ptr<bgp::Speaker>>& speakers,
                std::shared_ptr<spdlog::logger> log);
    ~BmpExporter() override;
    BmpExporter(const BmpExporter&) = delete;
    BmpExporter& operator=(const BmpExporter&) = delete;

    // Starts a stream for each station and chosen speaker, and becomes the speakers'
    // route monitor; again after a reload: streams of speakers that went are closed,
    // those of added and re-created speakers start (with a fresh dump).
    void attach();
    // Termination to every station, then the connections close.
    void stop();

    // One stream, for `show bmp` and the metrics.
    struct StreamStatus {
        std::string station;  // address:port
        std::string speaker;
        bool connected = false;
        std::uint64_t messages = 0;    // BMP messages queued
        std::uint64_t bytes_sent = 0;
        std::uint64_t connects = 0;    // connections made
        std::uint64_t overflows = 0;   // connections closed because the station fell behind
        std::string last_error;
    };
    [[nodiscard]] std::vector<StreamStatus> status() const;

    // bgp::SessionTap
    void message_received(const bgp::Session& session, bgp::ByteSpan message) override;
    void message_sent(const bgp::Session& session, bgp::ByteSpan message) override;
    void state_changed(const bgp::Session& session, bgp::FsmState from, bgp::FsmState to) override;
    // bgp::RouteMonitor
    void accepted_changed(const bgp::Speaker& speaker, const bgp::Session& session, const bgp::Prefix& prefix,
                          std::uint32_t path_id, const bgp::PathAttributes* attributes) override;
    void best_changed(const bgp::Speaker& speaker, const bgp::Prefix& prefix, const rib::Path* best) override;

    struct Stream;

private:
    // What the taps saw of a session: the OPENs for Peer Up, the last NOTIFICATION for
    // Peer Down's reason.
    struct SessionRecord {
        const bgp::Speaker* speaker = nullptr;
        bool known = false;  // one of our speakers' sessions
        bgp::Bytes sent_open;
        bgp::Bytes received_open;
        bgp::Bytes notification;  // since the session came up
        bool notification_sent = false;
    };
    SessionRecord& record_of(const bgp::Session& session);
    void note_message(const bgp::Session& session, bgp::ByteSpan message, bool sent);
    [[nodiscard]] const std::vector<std::shared_ptr<Stream>>* streams_of(const bgp::Speaker* speaker) const;

    boost::asio::io_context& io_;
    BmpSettings settings_;
    std::vector<std::unique_ptr<bgp::Speaker>>& speakers_;
    std::shared_ptr<spdlog::logger> log_;
    std::vector<std::shared_ptr<Stream>> streams_;
    std::unordered_map<const bgp::Speaker*, std::vector<std::shared_ptr<Stream>>> by_speaker_;
    std::unordered_map<const bgp::Session*, SessionRecord> sessions_;
    SessionRecord unknown_;  // what record_of gives for a session of no running speaker
};

}  // namespace bgpemu::daemon
