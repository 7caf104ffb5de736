#include "daemon/bmp/bmp_exporter.hpp"

#include <algorithm>
#include <array>
#include <unordered_set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "bgp/wire/codec.hpp"
#include "bgp/wire/messages.hpp"
#include "bgp/wire/update_packer.hpp"
#include "bgp/wire/wire_error.hpp"
#include "daemon/bmp/bmp_messages.hpp"
#include "daemon/version.hpp"

namespace bgpemu::daemon {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr std::chrono::seconds connect_timeout{5};
constexpr std::chrono::seconds first_retry{1};
// RFC 4271 §8.1's event numbers, for Peer Down's "closed locally without a NOTIFICATION".
constexpr std::uint16_t fsm_event_manual_stop = 2;
constexpr std::uint16_t fsm_event_tcp_connection_fails = 18;

constexpr bgp::AfiSafi ipv4_unicast{bgp::Afi::ipv4, bgp::Safi::unicast};
constexpr bgp::AfiSafi ipv6_unicast{bgp::Afi::ipv6, bgp::Safi::unicast};

// The type of a whole BGP message as a tap hands it over; none (0) when too short.
bgp::MessageType message_type(bgp::ByteSpan message) {
    return static_cast<bgp::MessageType>(message.size() >= bgp::header_size ? std::to_integer<std::uint8_t>(message[18]) : 0);
}

struct Now {
    std::uint32_t seconds;
    std::uint32_t microseconds;
};

Now now() {
    const auto since = std::chrono::system_clock::now().time_since_epoch();
    const auto micro = std::chrono::duration_cast<std::chrono::microseconds>(since).count();
    return {static_cast<std::uint32_t>(micro / 1000000), static_cast<std::uint32_t>(micro % 1000000)};
}

// The header of a neighbour's messages; `flags` says which table they are of.
bmp::PeerHeader neighbor_header(const bgp::Session& session, std::uint8_t flags) {
    const auto& negotiated = session.negotiated();
    const auto when = now();
    if (!negotiated.four_octet_as) flags |= bmp::peer_flag::two_octet_as;
    return {.type = bmp::PeerType::global_instance,
            .flags = flags,
            .distinguisher = 0,
            .address = session.config().remote.address,
            .as = negotiated.peer_as != 0 ? negotiated.peer_as : session.config().expectation.remote_as,
            .bgp_id = negotiated.peer_router_id,
            .seconds = when.seconds,
            .microseconds = when.microseconds};
}

bmp::PeerHeader loc_rib_header(const bgp::Speaker& speaker) {
    const auto when = now();
    return {.type = bmp::PeerType::loc_rib,
            .flags = 0,
            .distinguisher = 0,
            .address = bgp::IpAddress::v4(0),
            .as = speaker.config().asn,
            .bgp_id = speaker.config().router_id,
            .seconds = when.seconds,
            .microseconds = when.microseconds};
}

// The UPDATEs of neighbour-facing tables are encoded as the neighbour's own are: its
// AS number size, and path ids in the direction the table has them.
bgp::EncodeContext neighbor_context(const bgp::Session& session, bool sent) {
    const auto& negotiated = session.negotiated();
    bgp::EncodeContext context;
    context.four_octet_as = negotiated.four_octet_as;
    context.extended_message = negotiated.extended_message;
    context.add_path_send = sent ? negotiated.encode_context().add_path_send : negotiated.add_path_receive;
    return context;
}

// Each whole BGP message in `updates` as a Route Monitoring message.
void monitor_updates(const bmp::PeerHeader& header, const bgp::Bytes& updates, bgp::Bytes& out) {
    for (std::size_t at = 0; at + bgp::header_size <= updates.size();) {
        const std::size_t length =
            (std::to_integer<std::size_t>(updates[at + 16]) << 8) | std::to_integer<std::size_t>(updates[at + 17]);
        if (length < bgp::header_size || at + length > updates.size()) break;
        bmp::encode_route_monitoring(header, bgp::ByteSpan(updates).subspan(at, length), out);
        at += length;
    }
}

// Routes gathered by attribute set, so that a dump packs each set's prefixes into as few
// UPDATEs as fit.
class DumpPacker {
public:
    void add(const bgp::PathAttributes& attributes, const bgp::Prefix& prefix, std::uint32_t path_id) {
        auto& group = groups_[&attributes];
        group.attributes = &attributes;
        (prefix.afi() == bgp::Afi::ipv4 ? group.v4 : group.v6).push_back({prefix, path_id});
    }
    // Every group as UPDATEs, then each family's End-of-RIB, as Route Monitoring.
    void write(const bmp::PeerHeader& header, const bgp::EncodeContext& context, std::span<const bgp::AfiSafi> families,
               bgp::Bytes& out) {
        bgp::UpdatePacker packer(context);
        bgp::Bytes updates;
        for (const auto& [key, group] : groups_) {
            updates.clear();
            if (!group.v4.empty()) packer.announce(*group.attributes, group.v4, ipv4_unicast, updates);
            if (!group.v6.empty()) packer.announce(*group.attributes, group.v6, ipv6_unicast, updates);
            monitor_updates(header, updates, out);
        }
        updates.clear();
        for (const auto& family : families) packer.end_of_rib(family, updates);
        monitor_updates(header, updates, out);
    }

private:
    struct Group {
        const bgp::PathAttributes* attributes = nullptr;
        std::vector<bgp::Nlri> v4;
        std::vector<bgp::Nlri> v6;
    };
    // Interned sets: one address per distinct set.
    std::unordered_map<const bgp::PathAttributes*, Group> groups_;
};

// One route as an UPDATE (an announcement, or a withdrawal without attributes).
void encode_one(const bgp::EncodeContext& context, const bgp::Prefix& prefix, std::uint32_t path_id,
                const bgp::PathAttributes* attributes, bgp::Bytes& updates) {
    bgp::UpdatePacker packer(context);
    const bgp::Nlri nlri{prefix, path_id};
    const bgp::AfiSafi family{prefix.afi(), bgp::Safi::unicast};
    if (attributes != nullptr) packer.announce(*attributes, std::span(&nlri, 1), family, updates);
    else packer.withdraw(std::span(&nlri, 1), family, updates);
}

bgp::Bytes fabricated_open(const bgp::Speaker& speaker) {
    // RFC 9069 §4.3: the Loc-RIB's Peer Up carries an OPEN made from the speaker's own
    // settings, as sent and as received.
    const auto& config = speaker.config();
    bgp::LocalOffer offer;
    offer.local_as = config.asn;
    offer.router_id = config.router_id;
    offer.families = {ipv4_unicast, ipv6_unicast};
    bgp::Bytes open;
    bgp::encode_open(bgp::build_open(offer), open);
    return open;
}

}  // namespace

struct BmpExporter::Stream : std::enable_shared_from_this<Stream> {
    Stream(asio::io_context& io, BmpExporter& owner, const BmpStation& to, bgp::Speaker& of)
        : exporter(owner), station(to), speaker(of), socket(io), wake(io), retry(io), stats_timer(io) {}

    BmpExporter& exporter;
    const BmpStation& station;
    bgp::Speaker& speaker;
    tcp::socket socket;
    asio::steady_timer wake;
    asio::steady_timer retry;
    asio::steady_timer stats_timer;
    bgp::Bytes out;      // waiting for the socket
    bgp::Bytes writing;  // being written
    bool live = false;   // connected and past the Initiation: changes are queued
    bool stopping = false;
    std::uint64_t generation = 0;  // of the connection: a stale reader leaves a newer one alone
    std::unordered_set<const bgp::Session*> up;  // neighbours whose Peer Up this station has
    StreamStatus status;

    [[nodiscard]] std::string where() const { return station.address + ":" + std::to_string(station.port); }

    void start() {
        asio::co_spawn(socket.get_executor(), run(shared_from_this()), [self = shared_from_this()](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& error) {
                self->exporter.log_->error("bmp {} for {}: stopped: {}", self->where(), self->speaker.config().name, error.what());
            }
        });
    }

    void close(const std::string& why) {
        if (!why.empty()) status.last_error = why;
        live = false;
        ++generation;
        up.clear();
        out.clear();
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        wake.cancel();
        stats_timer.cancel();
    }

    // Queues a message built by `build` (into `out` directly); a station that has fallen
    // `queue_bytes` behind is dropped, to start over with a fresh dump.
    template <typename Build>
    void queue(Build&& build) {
        if (!live) return;
        const auto before = out.size();
        build(out);
        if (out.size() == before) return;
        ++status.messages;
        if (out.size() > station.queue_bytes) {
            ++status.overflows;
            exporter.log_->warn("bmp {} for {}: the station is {} bytes behind (queue_bytes): reconnecting with a fresh dump",
                                where(), speaker.config().name, out.size());
            close("fell behind by queue_bytes");
            return;
        }
        wake.cancel();
    }

    void peer_up(const bgp::Session& session, const SessionRecord& record, bgp::Bytes& to) {
        const auto ends = session.transport_ends();
        if (!ends || record.sent_open.empty() || record.received_open.empty()) return;
        bmp::encode_peer_up(neighbor_header(session, 0), ends->local, ends->local_port, ends->remote_port,
                            record.sent_open, record.received_open, {}, to);
        up.insert(&session);
    }

    // Initiation, the Loc-RIB's Peer Up, and every Established neighbour's Peer Up and
    // tables, each table ended by End-of-RIB (RFC 7854 §5).
    void dump(bgp::Bytes& to) {
        const auto& config = speaker.config();
        bmp::encode_initiation(config.name, std::string("bgpemu ") + version + ", emulated router " + config.name, to);
        const bgp::AfiSafi both[] = {ipv4_unicast, ipv6_unicast};
        if (station.loc_rib) {
            const auto open = fabricated_open(speaker);
            bmp::encode_peer_up(loc_rib_header(speaker), bgp::IpAddress::v4(0), 0, 0, open, open, "global", to);
            DumpPacker packer;
            speaker.loc_rib().for_each_best([&](rib::RouteIndex, const bgp::Prefix& prefix, const rib::Path& best) {
                packer.add(*best.attrs, prefix, 0);
            });
            packer.write(loc_rib_header(speaker), {}, both, to);
        }
        // The accepted paths by neighbour, in one pass over the Loc-RIB.
        std::vector<DumpPacker> accepted(station.post_policy ? speaker.neighbor_count() : 0);
        if (station.post_policy) {
            std::unordered_map<rib::PeerId, std::size_t> index_of_peer;
            for (std::size_t i = 0; i < speaker.neighbor_count(); ++i)
                if (speaker.session(i).established()) index_of_peer.emplace(speaker.neighbor_peer(i), i);
            speaker.loc_rib().for_each_path([&](const bgp::Prefix& prefix, const rib::Path& path) {
                if (const auto found = index_of_peer.find(path.peer); found != index_of_peer.end())
                    accepted[found->second].add(*path.attrs, prefix, path.path_id);
            });
        }
        for (std::size_t i = 0; i < speaker.neighbor_count(); ++i) {
            const auto& session = speaker.session(i);
            if (!session.established()) continue;
            peer_up(session, exporter.record_of(session), to);
            if (!up.contains(&session)) continue;
            std::vector<bgp::AfiSafi> families;
            for (const auto& family : both)
                if (session.negotiated().has_family(family)) families.push_back(family);
            if (station.pre_policy && speaker.received_complete(i)) {
                DumpPacker packer;
                speaker.for_each_received(i, [&](const bgp::Prefix& prefix, std::uint32_t path_id, const bgp::PathAttributes& attributes) {
                    packer.add(attributes, prefix, path_id);
                });
                packer.write(neighbor_header(session, 0), neighbor_context(session, false), families, to);
            }
            if (station.post_policy)
                accepted[i].write(neighbor_header(session, bmp::peer_flag::post_policy), neighbor_context(session, false),
                                  families, to);
            if (station.adj_rib_out) {
                DumpPacker packer;
                // Interned sets have stable addresses; the callback's reference is to one.
                speaker.for_each_advertised(speaker.neighbor_config(i).name,
                                            [&](const bgp::Prefix& prefix, const bgp::PathAttributes& attributes) {
                                                packer.add(attributes, prefix, 0);
                                            });
                packer.write(neighbor_header(session, bmp::peer_flag::post_policy | bmp::peer_flag::adj_rib_out),
                             neighbor_context(session, true), families, to);
            }
        }
    }

    void statistics() {
        for (std::size_t i = 0; i < speaker.neighbor_count(); ++i) {
            const auto& session = speaker.session(i);
            if (!up.contains(&session)) continue;
            std::vector<bmp::Statistic> stats;
            // The Adj-RIB-In's size only where it is kept whole (the pre-policy tables).
            if (speaker.received_complete(i)) {
                std::size_t received = 0;
                speaker.for_each_received(i, [&](const bgp::Prefix&, std::uint32_t, const bgp::PathAttributes&) { ++received; });
                stats.push_back({bmp::stat_type::adj_rib_in_routes, received, true});
            }
            stats.push_back({bmp::stat_type::loc_rib_routes, speaker.accepted_count(i), true});
            stats.push_back({bmp::stat_type::adj_rib_out_post_policy_routes, speaker.advertised_count(i), true});
            queue([&](bgp::Bytes& to) { bmp::encode_statistics(neighbor_header(session, 0), stats, to); });
        }
    }

    static asio::awaitable<void> run(std::shared_ptr<Stream> self) {
        auto backoff = first_retry;
        while (!self->stopping) {
            if (co_await self->connect()) {
                if (self->stopping) break;
                const auto overflows = self->status.overflows;
                self->live = true;
                ++self->status.connects;
                self->exporter.log_->info("bmp {} for {}: connected", self->where(), self->speaker.config().name);
                self->dump(self->out);
                ++self->status.messages;
                const auto generation = ++self->generation;
                asio::co_spawn(self->socket.get_executor(), read_until_closed(self, generation), asio::detached);
                if (self->station.stats_interval.count() > 0)
                    asio::co_spawn(self->socket.get_executor(), report_statistics(self, generation), asio::detached);
                co_await self->write_until_closed();
                if (self->stopping) break;
                // A station that fell behind waits longer each time, so that it does not get
                // a full dump every second; one that kept up is tried again at once.
                if (self->status.overflows == overflows) backoff = first_retry;
                self->exporter.log_->warn("bmp {} for {}: connection lost ({}); reconnecting", self->where(),
                                          self->speaker.config().name, self->status.last_error);
            }
            if (self->stopping) break;
            self->retry.expires_after(backoff);
            co_await self->retry.async_wait(use_tuple);
            backoff = std::min<std::chrono::seconds>(backoff * 2, std::max(first_retry, self->station.reconnect_max));
        }
        self->close({});
    }

    asio::awaitable<bool> connect() {
        boost::system::error_code error;
        const auto address = asio::ip::make_address(station.address, error);
        if (error) {
            status.last_error = "bad address " + station.address;
            co_return false;
        }
        const tcp::endpoint remote(address, station.port);
        socket = tcp::socket(socket.get_executor());
        socket.open(remote.protocol(), error);
        if (error) {
            status.last_error = error.message();
            co_return false;
        }
        // From the speaker's own address where it has one of the station's family: a
        // station tells its routers apart by where their connections come from.
        const auto& listen = speaker.config().listen.address;
        if (!listen.is_unspecified() && listen.is_v4() == address.is_v4()) {
            boost::system::error_code ignored;
            socket.bind(tcp::endpoint(asio::ip::make_address(listen.to_string(), ignored), 0), ignored);
        }
        asio::steady_timer deadline(socket.get_executor());
        deadline.expires_after(connect_timeout);
        // The connect may complete while an expiry is already on its way: that one must
        // not close the new connection.
        auto finished = std::make_shared<bool>(false);
        deadline.async_wait([this, finished](boost::system::error_code ec) {
            if (!ec && !*finished) socket.close();
        });
        auto [connect_error] = co_await socket.async_connect(remote, use_tuple);
        *finished = true;
        deadline.cancel();
        if (connect_error) {
            const auto message = connect_error == asio::error::operation_aborted ? std::string("timed out") : connect_error.message();
            if (status.last_error != message)
                exporter.log_->warn("bmp {} for {}: cannot connect: {}", where(), speaker.config().name, message);
            status.last_error = message;
            boost::system::error_code ignored;
            socket.close(ignored);
            co_return false;
        }
        status.last_error.clear();
        co_return true;
    }

    asio::awaitable<void> write_until_closed() {
        while (socket.is_open()) {
            if (out.empty()) {
                if (stopping) break;
                wake.expires_at(asio::steady_timer::time_point::max());
                co_await wake.async_wait(use_tuple);
                continue;
            }
            writing.clear();
            std::swap(writing, out);
            auto [error, written] = co_await asio::async_write(socket, asio::buffer(writing), use_tuple);
            status.bytes_sent += written;
            if (error) {
                if (status.last_error.empty() || error != asio::error::operation_aborted) status.last_error = error.message();
                break;
            }
        }
        close({});
    }

    // A station sends nothing (RFC 7854 §3.2); reading only notices that it went.
    static asio::awaitable<void> read_until_closed(std::shared_ptr<Stream> self, std::uint64_t generation) {
        std::array<std::byte, 512> discard{};
        for (;;) {
            auto [error, n] = co_await self->socket.async_read_some(asio::buffer(discard), use_tuple);
            if (generation != self->generation) co_return;
            if (error) {
                if (self->socket.is_open())
                    self->close(error == asio::error::eof ? std::string("closed by the station") : error.message());
                co_return;
            }
        }
    }

    static asio::awaitable<void> report_statistics(std::shared_ptr<Stream> self, std::uint64_t generation) {
        while (generation == self->generation && self->live) {
            self->stats_timer.expires_after(self->station.stats_interval);
            auto [error] = co_await self->stats_timer.async_wait(use_tuple);
            if (error || generation != self->generation || !self->live) co_return;
            self->statistics();
        }
    }
};

BmpExporter::BmpExporter(asio::io_context& io, BmpSettings settings, std::vector<std::unique_ptr<bgp::Speaker>>& speakers,
                         std::shared_ptr<spdlog::logger> log)
    : io_(io), settings_(std::move(settings)), speakers_(speakers), log_(std::move(log)) {}

BmpExporter::~BmpExporter() {
    for (auto& stream : streams_) {
        stream->stopping = true;
        stream->retry.cancel();
        stream->close({});
    }
    for (auto& speaker : speakers_) speaker->set_route_monitor(nullptr);
}

void BmpExporter::attach() {
    std::vector<std::shared_ptr<Stream>> kept;
    by_speaker_.clear();
    // The sessions of speakers still running keep their OPENs (a Peer Up needs both);
    // those of speakers gone are forgotten.
    std::unordered_set<const bgp::Session*> running;
    for (const auto& speaker : speakers_)
        for (std::size_t i = 0; i < speaker->neighbor_count(); ++i) running.insert(&speaker->session(i));
    std::erase_if(sessions_, [&](const auto& entry) { return !running.contains(entry.first); });
    const auto current = [&](const bgp::Speaker* speaker) {
        return std::any_of(speakers_.begin(), speakers_.end(), [&](const auto& s) { return s.get() == speaker; });
    };
    for (auto& stream : streams_) {
        if (current(&stream->speaker)) {
            kept.push_back(stream);
            continue;
        }
        stream->stopping = true;
        stream->retry.cancel();
        stream->close({});
    }
    streams_ = std::move(kept);
    for (auto& speaker : speakers_) {
        bool watched = false;
        for (const auto& station : settings_.stations) {
            const auto& name = speaker->config().name;
            if (!station.speakers.empty() && std::find(station.speakers.begin(), station.speakers.end(), name) == station.speakers.end())
                continue;
            watched = true;
            const bool exists = std::any_of(streams_.begin(), streams_.end(), [&](const auto& stream) {
                return &stream->speaker == speaker.get() && &stream->station == &station;
            });
            if (exists) continue;
            streams_.push_back(std::make_shared<Stream>(io_, *this, station, *speaker));
            streams_.back()->start();
        }
        speaker->set_route_monitor(watched ? this : nullptr);
    }
    for (const auto& stream : streams_) by_speaker_[&stream->speaker].push_back(stream);
}

void BmpExporter::stop() {
    for (auto& stream : streams_) {
        stream->queue([](bgp::Bytes& to) { bmp::encode_termination(bmp::termination_reason::administratively_closed, "bgpemud is stopping", to); });
        // The Termination is the last message (RFC 7854 §4.5): the Peer Downs of the
        // speakers' stop that follows are not sent.
        stream->live = false;
        stream->stopping = true;
        stream->retry.cancel();
        stream->wake.cancel();  // the writer sends what is queued, the Termination last, then closes
    }
    for (auto& speaker : speakers_) speaker->set_route_monitor(nullptr);
}

std::vector<BmpExporter::StreamStatus> BmpExporter::status() const {
    std::vector<StreamStatus> all;
    for (const auto& stream : streams_) {
        auto status = stream->status;
        status.station = stream->where();
        status.speaker = stream->speaker.config().name;
        status.connected = stream->live;
        all.push_back(std::move(status));
    }
    return all;
}

BmpExporter::SessionRecord& BmpExporter::record_of(const bgp::Session& session) {
    if (const auto found = sessions_.find(&session); found != sessions_.end()) return found->second;
    // Not one of the running speakers' (yet: a reload starts a speaker before it is
    // listed; or no more): nothing is kept, so that it is looked up again next time.
    const auto owner = bgp::find_session_owner(speakers_, session);
    if (!owner) {
        unknown_ = {};
        return unknown_;
    }
    auto& record = sessions_[&session];
    record.known = true;
    record.speaker = owner->speaker;
    return record;
}

const std::vector<std::shared_ptr<BmpExporter::Stream>>* BmpExporter::streams_of(const bgp::Speaker* speaker) const {
    const auto found = by_speaker_.find(speaker);
    return found == by_speaker_.end() ? nullptr : &found->second;
}

void BmpExporter::message_received(const bgp::Session& session, bgp::ByteSpan message) { note_message(session, message, false); }

void BmpExporter::message_sent(const bgp::Session& session, bgp::ByteSpan message) { note_message(session, message, true); }

void BmpExporter::note_message(const bgp::Session& session, bgp::ByteSpan message, bool sent) {
    auto& record = record_of(session);
    if (!record.known) return;
    switch (message_type(message)) {
    case bgp::MessageType::open: (sent ? record.sent_open : record.received_open).assign(message.begin(), message.end()); break;
    case bgp::MessageType::notification:
        // A Cease for connection collision resolution ends the other connection, not the session.
        if (message.size() > 20 && std::to_integer<std::uint8_t>(message[19]) == static_cast<std::uint8_t>(bgp::ErrorCode::cease) &&
            std::to_integer<std::uint8_t>(message[20]) == bgp::cease_subcode::connection_collision_resolution)
            break;
        record.notification.assign(message.begin(), message.end());
        record.notification_sent = sent;
        break;
    case bgp::MessageType::update: {
        // Received: the pre-policy Adj-RIB-In; sent: the post-policy Adj-RIB-Out (RFC 8671).
        const std::uint8_t flags = sent ? bmp::peer_flag::post_policy | bmp::peer_flag::adj_rib_out : 0;
        if (const auto* streams = streams_of(record.speaker))
            for (const auto& stream : *streams)
                if ((sent ? stream->station.adj_rib_out : stream->station.pre_policy) && stream->up.contains(&session))
                    stream->queue([&](bgp::Bytes& to) { bmp::encode_route_monitoring(neighbor_header(session, flags), message, to); });
        break;
    }
    default: break;
    }
}

void BmpExporter::state_changed(const bgp::Session& session, bgp::FsmState from, bgp::FsmState to) {
    auto& record = record_of(session);
    if (!record.known) return;
    const auto* streams = streams_of(record.speaker);
    if (to == bgp::FsmState::established) {
        record.notification.clear();
        if (streams != nullptr)
            for (const auto& stream : *streams)
                if (stream->live) stream->queue([&](bgp::Bytes& out) { stream->peer_up(session, record, out); });
        return;
    }
    if (from != bgp::FsmState::established || streams == nullptr) return;
    // Why it went (RFC 7854 §4.9): the NOTIFICATION either side sent, else who closed it.
    std::uint8_t reason = bmp::down_reason::remote_no_notification;
    bgp::Bytes data;
    if (!record.notification.empty()) {
        reason = record.notification_sent ? bmp::down_reason::local_notification : bmp::down_reason::remote_notification;
        data = record.notification;
    } else if (!session.wanted()) {
        reason = bmp::down_reason::local_no_notification;
        const std::uint16_t event = session.link_up() ? fsm_event_manual_stop : fsm_event_tcp_connection_fails;
        data = {std::byte(event >> 8), std::byte(event & 0xff)};
    }
    for (const auto& stream : *streams) {
        if (!stream->up.erase(&session)) continue;
        stream->queue([&](bgp::Bytes& out) { bmp::encode_peer_down(neighbor_header(session, 0), reason, data, out); });
    }
}

void BmpExporter::accepted_changed(const bgp::Speaker& speaker, const bgp::Session& session, const bgp::Prefix& prefix,
                                   std::uint32_t path_id, const bgp::PathAttributes* attributes) {
    const auto* streams = streams_of(&speaker);
    if (streams == nullptr) return;
    bgp::Bytes update;
    for (const auto& stream : *streams) {
        if (!stream->station.post_policy || !stream->up.contains(&session)) continue;
        if (update.empty()) encode_one(neighbor_context(session, false), prefix, path_id, attributes, update);
        stream->queue([&](bgp::Bytes& to) { monitor_updates(neighbor_header(session, bmp::peer_flag::post_policy), update, to); });
    }
}

void BmpExporter::best_changed(const bgp::Speaker& speaker, const bgp::Prefix& prefix, const rib::Path* best) {
    const auto* streams = streams_of(&speaker);
    if (streams == nullptr) return;
    bgp::Bytes update;
    for (const auto& stream : *streams) {
        if (!stream->station.loc_rib || !stream->live) continue;
        if (update.empty()) encode_one({}, prefix, 0, best != nullptr ? &*best->attrs : nullptr, update);
        stream->queue([&](bgp::Bytes& to) { monitor_updates(loc_rib_header(speaker), update, to); });
    }
}

}  // namespace bgpemu::daemon
