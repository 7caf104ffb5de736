// BMP (RFC 7854) from the reference topology's hub gateway to two stations: pmacct's
// pmbmpd (Debian's, an independent BMP collector), whose JSON log must hold the
// gateway's peers and, for each, the routes `show rib --in` reports, pre- and
// post-policy, again after the station restarts, and a Peer Down when a session is shut;
// and a station of our own that records the raw stream, which tshark's BMP dissector must
// decode message by message, in which the Loc-RIB (RFC 9069) and Adj-RIB-Out (RFC 8671)
// tables are what `show rib` says, and which ends with a Termination when the daemon
// stops. Then a station that stops reading: dropped at queue_bytes, BGP unharmed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "daemon_comparison.hpp"
#include "leak_table.hpp"
#include "pcap_writer.hpp"
#include "process.hpp"
#include "routers.hpp"

namespace bgpemu::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// A BMP station that keeps every byte of its connections, one stream per connection.
// A stalled one reads nothing until `resume()`, through a small receive buffer: a
// station that has stopped keeping up.
class RecordingStation {
public:
    explicit RecordingStation(unsigned short port, bool stalled = false) : reading_(!stalled) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        const int on = 1;
        ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (stalled) {
            const int small = 4096;  // inherited by the connections accepted
            ::setsockopt(listener_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        }
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(0x7f000001);
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 4) != 0)
            throw std::runtime_error("recording station: cannot listen on port " + std::to_string(port));
        thread_ = std::thread([this] { run(); });
    }
    RecordingStation(const RecordingStation&) = delete;
    RecordingStation& operator=(const RecordingStation&) = delete;
    ~RecordingStation() {
        stopping_ = true;
        ::shutdown(listener_, SHUT_RDWR);
        ::close(listener_);
        thread_.join();
    }
    // The bytes of the connection that is open now (or was last).
    [[nodiscard]] std::string last_stream() const {
        std::lock_guard lock(mutex_);
        return streams_.empty() ? std::string() : streams_.back();
    }
    void resume() { reading_ = true; }
    [[nodiscard]] std::uint16_t last_client_port() const {
        std::lock_guard lock(mutex_);
        return client_port_;
    }

private:
    void run() {
        while (!stopping_) {
            sockaddr_in peer{};
            socklen_t length = sizeof peer;
            const int fd = ::accept(listener_, reinterpret_cast<sockaddr*>(&peer), &length);
            if (fd < 0) return;
            timeval timeout{0, 200000};
            ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
            {
                std::lock_guard lock(mutex_);
                streams_.emplace_back();
                client_port_ = ntohs(peer.sin_port);
            }
            char buffer[65536];
            while (!stopping_) {
                if (!reading_) {
                    std::this_thread::sleep_for(20ms);
                    continue;
                }
                const auto n = ::recv(fd, buffer, sizeof buffer, 0);
                if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) break;
                if (n < 0) continue;
                std::lock_guard lock(mutex_);
                streams_.back().append(buffer, static_cast<std::size_t>(n));
            }
            ::close(fd);
        }
    }

    int listener_ = -1;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> reading_;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<std::string> streams_;
    std::uint16_t client_port_ = 0;
};

// One BMP message of a recorded stream: its type, and for the per-peer messages the
// peer's type, flags and address, and the BGP message inside (for Route Monitoring).
struct BmpMessage {
    unsigned type = 0;
    unsigned peer_type = 0;
    unsigned flags = 0;
    std::string peer;  // dotted quad
    std::string bgp;   // Route Monitoring's UPDATE
    std::string bytes;  // the whole message
};

std::vector<BmpMessage> split_stream(const std::string& stream) {
    std::vector<BmpMessage> out;
    const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(stream[at]); };
    for (std::size_t at = 0; at + 6 <= stream.size();) {
        const std::size_t length = (std::size_t(byte(at + 1)) << 24) | (std::size_t(byte(at + 2)) << 16) |
                                   (std::size_t(byte(at + 3)) << 8) | byte(at + 4);
        if (length < 6 || at + length > stream.size()) break;
        BmpMessage message;
        message.type = byte(at + 5);
        if (message.type <= 3 && length >= 48) {
            message.peer_type = byte(at + 6);
            message.flags = byte(at + 7);
            message.peer = std::to_string(byte(at + 28)) + "." + std::to_string(byte(at + 29)) + "." +
                           std::to_string(byte(at + 30)) + "." + std::to_string(byte(at + 31));
            if (message.type == 0) message.bgp = stream.substr(at + 48, length - 48);
        }
        message.bytes = stream.substr(at, length);
        out.push_back(std::move(message));
        at += length;
    }
    return out;
}

// The IPv4 prefixes an UPDATE announces in its NLRI field (no ADD-PATH: the reference
// topology negotiates none).
std::set<std::string> announced(const std::string& update) {
    std::set<std::string> out;
    const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(update[at]); };
    if (update.size() < 23) return out;
    const std::size_t withdrawn = (std::size_t(byte(19)) << 8) | byte(20);
    const std::size_t attributes_at = 21 + withdrawn;
    if (attributes_at + 2 > update.size()) return out;
    const std::size_t attributes = (std::size_t(byte(attributes_at)) << 8) | byte(attributes_at + 1);
    for (std::size_t at = attributes_at + 2 + attributes; at < update.size();) {
        const unsigned bits = byte(at);
        const std::size_t octets = (bits + 7) / 8;
        if (bits > 32 || at + 1 + octets > update.size()) break;
        unsigned char quad[4] = {0, 0, 0, 0};
        for (std::size_t i = 0; i < octets; ++i) quad[i] = byte(at + 1 + i);
        out.insert(std::to_string(quad[0]) + "." + std::to_string(quad[1]) + "." + std::to_string(quad[2]) + "." +
                   std::to_string(quad[3]) + "/" + std::to_string(bits));
        at += 1 + octets;
    }
    return out;
}

// The gateway's neighbours: name -> address (without the port), Established ones.
std::map<std::string, std::string> established_neighbors(const BgpemuDaemon& daemon, const std::string& node) {
    std::map<std::string, std::string> out;
    const auto sessions = json::parse(daemon.ctl({"show", "sessions", node}).output).at("result").at("sessions").as_array();
    for (const auto& s : sessions) {
        if (s.at("state") != "Established") continue;
        std::string address(s.at("peer_address").as_string());
        out[std::string(s.at("peer").as_string())] = address.substr(0, address.rfind(':'));
    }
    return out;
}

std::set<std::string> prefixes_of(const BgpemuDaemon& daemon, const std::vector<std::string>& words) {
    std::set<std::string> out;
    const auto rib = json::parse(daemon.ctl(words).output).at("result");
    for (const auto& route : rib.at("routes").as_array()) out.insert(std::string(route.at("prefix").as_string()));
    return out;
}

// What pmbmpd's JSON log says: per peer address, whether a peer_up came, and the
// prefixes announced pre- and post-policy.
struct StationView {
    std::set<std::string> peers_up;
    std::map<std::string, std::set<std::string>> pre_policy;
    std::map<std::string, std::set<std::string>> post_policy;
    std::set<std::string> routers;  // bmp_router: where the connections came from
    std::size_t stats = 0;
};

StationView read_pmbmpd_log(const std::filesystem::path& file) {
    StationView view;
    std::istringstream lines(read_file(file));
    for (std::string line; std::getline(lines, line);) {
        boost::system::error_code error;
        const auto value = json::parse(line, error);
        if (error || !value.is_object()) continue;
        const auto& o = value.as_object();
        const auto text = [&](const char* key) {
            const auto* found = o.if_contains(key);
            return found != nullptr && found->is_string() ? std::string(found->as_string()) : std::string();
        };
        if (!text("bmp_router").empty()) view.routers.insert(text("bmp_router"));
        const auto type = text("bmp_msg_type");
        if (type == "peer_up") view.peers_up.insert(text("peer_ip"));
        if (type == "stats") ++view.stats;
        if (type != "route_monitor" || text("log_type") != "update" || text("ip_prefix").empty()) continue;
        const auto* post = o.if_contains("is_post");
        const bool is_post = post != nullptr && post->is_number() && post->to_number<int>() != 0;
        const auto* out = o.if_contains("is_out");
        if (out != nullptr && out->is_number() && out->to_number<int>() != 0) continue;
        (is_post ? view.post_policy : view.pre_policy)[text("peer_ip")].insert(text("ip_prefix"));
    }
    return view;
}

ChildProcess start_pmbmpd(const TempDir& dir, unsigned short port, const std::filesystem::path& log) {
    const auto config = dir.path() / "pmbmpd.conf";
    write_file(config, "bmp_daemon_ip: 127.0.0.1\nbmp_daemon_port: " + std::to_string(port) +
                           "\nbmp_daemon_msglog_file: " + log.string() + "\nbmp_daemon_msglog_output: json\n");
    // In /usr/sbin, which a user's PATH may lack.
    const auto binary = find_executable("pmbmpd").value_or("/usr/sbin/pmbmpd");
    return ChildProcess({binary.string(), "-f", config.string()}, dir.path() / "pmbmpd.out");
}

}  // namespace

TEST_CASE("BMP to pmbmpd and to a recording station, decoded by tshark", "[integration][bmp]") {
    TempDir dir("bgpemu-bmp");
    const auto pmbmpd_port = test_port(40);
    const auto recorder_port = test_port(41);
    const auto pmbmpd_log = dir.path() / "bmp.json";
    auto pmbmpd = start_pmbmpd(dir, pmbmpd_port, pmbmpd_log);
    RecordingStation recorder(recorder_port);
    const auto yaml = read_source("configs/azure-interop.yaml", test_port(42)) +
                      "\nbmp:\n"
                      "  - {address: 127.0.0.1, port: " + std::to_string(pmbmpd_port) +
                      ", speakers: [hub-ergw], stats_interval_s: 1, reconnect_s: 1}\n"
                      "  - {address: 127.0.0.1, port: " + std::to_string(recorder_port) +
                      ", speakers: [hub-ergw], monitor: [pre-policy, post-policy, loc-rib, adj-rib-out]}\n";
    BgpemuDaemon daemon(yaml, dir.path());
    REQUIRE(daemon.converged(60s));

    const auto neighbors = established_neighbors(daemon, "hub-ergw");
    REQUIRE(neighbors.size() >= 2);
    // What the gateway accepted from each neighbour, after import policy.
    std::map<std::string, std::set<std::string>> accepted;
    for (const auto& [name, address] : neighbors) accepted[address] = prefixes_of(daemon, {"show", "rib", "hub-ergw", "--in", name});
    const auto station_has_everything = [&] {
        auto view = read_pmbmpd_log(pmbmpd_log);
        for (const auto& [address, prefixes] : accepted) {
            if (!view.peers_up.contains(address)) return false;
            // Post-policy is what the gateway accepted; pre-policy is what came, which
            // holds that and what import policy denied.
            auto& pre = view.pre_policy[address];
            if (view.post_policy[address] != prefixes) return false;
            if (!std::includes(pre.begin(), pre.end(), prefixes.begin(), prefixes.end())) return false;
        }
        return true;
    };
    CHECK(wait_until(station_has_everything, 20s, 250ms));
    {
        const auto view = read_pmbmpd_log(pmbmpd_log);
        INFO(read_file(pmbmpd_log).substr(0, 4000));
        // The connection came from the gateway's own address, one router as the station sees it.
        CHECK(view.routers.size() == 1);
        CHECK(wait_until([&] { return read_pmbmpd_log(pmbmpd_log).stats > 0; }, 5s, 250ms));
    }
    const auto shown = json::parse(daemon.ctl({"show", "bmp"}).output).at("result").at("streams").as_array();
    REQUIRE(shown.size() == 2);
    for (const auto& stream : shown) {
        CHECK(stream.at("connected").as_bool());
        CHECK(stream.at("bytes_sent").to_number<std::uint64_t>() > 0);
    }

    // The station restarts: the gateway reconnects (within its 1 s back-off) and sends
    // everything again, to a log started afresh.
    pmbmpd.stop();
    std::filesystem::remove(pmbmpd_log);
    pmbmpd = start_pmbmpd(dir, pmbmpd_port, pmbmpd_log);
    CHECK(wait_until(station_has_everything, 20s, 250ms));
    const auto metrics = daemon.ctl_text({"show", "metrics"}).output;
    CHECK(metrics.find("bgpemu_bmp_connects_total{station=\"127.0.0.1:" + std::to_string(pmbmpd_port) + "\",node=\"hub-ergw\"} 2") !=
          std::string::npos);

    // A session shut down at the gateway: a Peer Down at the station for that peer, and in
    // the recorded stream one whose reason is 1, the NOTIFICATION sent (a Cease) after it.
    const auto& [down_name, down_address] = *neighbors.begin();
    REQUIRE(daemon.ctl({"session", "shutdown", "hub-ergw", down_name}).exit_code == 0);
    const auto peer_down_logged = [&] {
        std::istringstream lines(read_file(pmbmpd_log));
        for (std::string line; std::getline(lines, line);)
            if (line.find("\"peer_down\"") != std::string::npos && line.find("\"" + down_address + "\"") != std::string::npos)
                return true;
        return false;
    };
    CHECK(wait_until(peer_down_logged, 10s, 250ms));
    const auto recorded_peer_down = [&] {
        for (const auto& message : split_stream(recorder.last_stream()))
            if (message.type == 2 && message.peer == down_address && message.bytes.size() > 49 + 18)
                return static_cast<unsigned char>(message.bytes[48]) == 1 && static_cast<unsigned char>(message.bytes[49 + 18]) == 3;
        return false;
    };
    CHECK(wait_until(recorded_peer_down, 10s, 250ms));
    REQUIRE(daemon.ctl({"session", "enable", "hub-ergw", down_name}).exit_code == 0);
    REQUIRE(daemon.converged(30s));

    // The recorded stream: Initiation first; a Loc-RIB Peer Up (peer type 3) whose Route
    // Monitoring carries the gateway's best paths; post-policy Adj-RIB-Out messages
    // (flags O and L) with what each neighbour is sent.
    const auto stream = recorder.last_stream();
    const auto messages = split_stream(stream);
    REQUIRE_FALSE(messages.empty());
    CHECK(messages.front().type == 4);
    std::set<std::string> loc_rib;
    std::map<std::string, std::set<std::string>> adj_rib_out;
    bool loc_rib_up = false;
    for (const auto& message : messages) {
        if (message.type == 3 && message.peer_type == 3) loc_rib_up = true;
        if (message.type != 0) continue;
        const auto prefixes = announced(message.bgp);
        if (message.peer_type == 3) loc_rib.insert(prefixes.begin(), prefixes.end());
        else if ((message.flags & 0x50) == 0x50) adj_rib_out[message.peer].insert(prefixes.begin(), prefixes.end());
    }
    CHECK(loc_rib_up);
    REQUIRE_FALSE(loc_rib.empty());
    // Each neighbour's Peer Up names it as its OPEN did: its AS (the MSEEs' 12076), a BGP
    // Identifier, no two-octet-AS flag (both ends speak four-octet ASes).
    std::size_t peers_up = 0;
    for (const auto& message : messages) {
        if (message.type != 3 || message.peer_type != 0) continue;
        ++peers_up;
        const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(message.bytes[at]); };
        const auto u32 = [&](std::size_t at) {
            return (std::uint32_t(byte(at)) << 24) | (std::uint32_t(byte(at + 1)) << 16) | (std::uint32_t(byte(at + 2)) << 8) | byte(at + 3);
        };
        INFO("Peer Up of " << message.peer);
        CHECK(u32(32) == 12076);
        CHECK(u32(36) != 0);
        CHECK((message.flags & 0x20) == 0);
    }
    CHECK(peers_up >= neighbors.size());
    CHECK(loc_rib == prefixes_of(daemon, {"show", "rib", "hub-ergw"}));
    for (const auto& [name, address] : neighbors) {
        INFO(name);
        const auto sent = prefixes_of(daemon, {"show", "rib", "hub-ergw", "--out", name});
        CHECK(adj_rib_out[address] == sent);
    }

    // tshark decodes every message of that stream. The stream goes into a pcap as the
    // TCP segments of one connection from the gateway to the station, each message in
    // segments of its own so that what tshark says of a frame is about one message.
    PcapWriter pcap(PcapWriter::Flow{.client_address = 0x7f000001,
                                     .server_address = 0x7f000001,
                                     .client_port = recorder.last_client_port(),
                                     .server_port = recorder_port});
    for (const auto& message : messages)
        for (std::size_t at = 0; at < message.bytes.size(); at += 1400) {
            const auto piece = message.bytes.substr(at, 1400);
            pcap.add_segment(bgp::ByteSpan(reinterpret_cast<const std::byte*>(piece.data()), piece.size()));
        }
    const auto pcap_file = dir.path() / "bmp.pcap";
    pcap.write(pcap_file);
    const auto decoded = run_command({*find_executable("tshark"), "-n", "-r", pcap_file.string(), "-d",
                                      "tcp.port==" + std::to_string(recorder_port) + ",bmp", "-T", "fields", "-E",
                                      "occurrence=f", "-e", "bmp.type", "-e", "bmp.peer.type", "-e", "_ws.malformed"},
                                     60s);
    REQUIRE(decoded.exit_code == 0);
    std::vector<std::string> types;
    std::istringstream lines(decoded.output);
    for (std::string line; std::getline(lines, line);) {
        if (line.find('\t') == std::string::npos) continue;  // tshark's own notices
        std::istringstream fields(line);
        std::string type, peer_type, malformed;
        std::getline(fields, type, '\t');
        std::getline(fields, peer_type, '\t');
        std::getline(fields, malformed, '\t');
        if (type.empty()) continue;  // the first segments of a message that spans several
        types.push_back(type);
        INFO("message " << types.size() << ": type " << type << ", peer type " << peer_type);
        // Wireshark 4.0 (Debian 12's) hands everything after a Peer Up's OPENs to its BGP
        // dissector, so the Loc-RIB's Table Name TLV (RFC 9069 §5.4), the one Information
        // TLV sent there, shows as malformed BGP; later versions read it as a TLV.
        if (type == "3" && peer_type == "3") continue;
        CHECK(malformed.empty());
    }
    std::vector<std::string> expected;
    for (const auto& message : messages) expected.push_back(std::to_string(message.type));
    CHECK(types == expected);

    // The daemon stops: the last message a station gets is a Termination.
    daemon.process().stop();
    const auto last_is_termination = [&] {
        const auto all = split_stream(recorder.last_stream());
        return !all.empty() && all.back().type == 5;
    };
    CHECK(wait_until(last_is_termination, 5s, 100ms));
}

TEST_CASE("BMP: a station that stops reading is dropped at queue_bytes and gets a fresh dump, BGP unharmed", "[integration][bmp]") {
    TempDir dir("bgpemu-bmp-slow");
    const auto port = test_port(44);
    RecordingStation station(port, true);
    const auto yaml = read_source("configs/azure-interop.yaml", test_port(45)) +
                      "\nbmp:\n  - {address: 127.0.0.1, port: " + std::to_string(port) +
                      ", speakers: [hub-ergw], monitor: [loc-rib, adj-rib-out], queue_bytes: 65536, reconnect_s: 1}\n";
    BgpemuDaemon daemon(yaml, dir.path());
    REQUIRE(daemon.converged(60s));
    const auto neighbors = established_neighbors(daemon, "hub-ergw");
    REQUIRE_FALSE(neighbors.empty());
    std::map<std::string, unsigned> established;
    for (const auto& [name, address] : neighbors) established[name] = daemon.established_count(name);

    // A burst: 3,000 routes loaded into the gateway, each a best path (Loc-RIB) and an
    // UPDATE to every neighbour (Adj-RIB-Out), far more than the station's socket holds.
    const auto table = dir.path() / "burst.mrt";
    write_leak_table(table, 3000);
    const auto injected = daemon.ctl({"inject", "hub-ergw", table.string()});
    INFO(injected.output);
    REQUIRE(injected.exit_code == 0);
    const auto overflowed = [&] {
        const auto streams = json::parse(daemon.ctl({"show", "bmp"}).output).at("result").at("streams").as_array();
        return streams.size() == 1 && streams[0].at("overflows").to_number<std::uint64_t>() > 0;
    };
    CHECK(wait_until(overflowed, 20s, 250ms));
    // BGP went on: the burst reached the neighbours, no session went down.
    CHECK(daemon.converged(30s));
    for (const auto& [name, count] : established) {
        INFO(name);
        CHECK(daemon.session_state("hub-ergw", name) == "Established");
        CHECK(daemon.established_count(name) == count);
    }
    CHECK(daemon.log().find("the station is") != std::string::npos);

    // The station reads again: a later connection's dump holds the whole Loc-RIB.
    station.resume();
    const auto expected = prefixes_of(daemon, {"show", "rib", "hub-ergw"});
    REQUIRE(expected.size() > 3000);
    std::set<std::string> loc_rib;
    CHECK(wait_until([&] {
        loc_rib.clear();
        for (const auto& message : split_stream(station.last_stream()))
            if (message.type == 0 && message.peer_type == 3) {
                const auto prefixes = announced(message.bgp);
                loc_rib.insert(prefixes.begin(), prefixes.end());
            }
        return loc_rib == expected;
    }, 30s, 250ms));
    INFO("Loc-RIB prefixes in the last stream: " << loc_rib.size() << " of " << expected.size());
    CHECK(loc_rib.size() == expected.size());
    CHECK(daemon.process().running());
}

}  // namespace bgpemu::test
