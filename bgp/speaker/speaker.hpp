// One emulated BGP router: a listening socket, a Session per neighbour, and the RIBs.
//
// The speaker is the glue between sessions (bytes, FSM) and the RIB (paths, decision):
// import turns UPDATEs into Loc-RIB paths (AS loop check, interned attributes), the
// decision process runs in batches after each burst of input, and export turns best-path
// changes into per-neighbour Adj-RIB-Out entries, which the sessions' writers pull as
// packed UPDATEs. eBGP export prepends our AS, sets the next hop to self and drops
// LOCAL_PREF (and a MED learned from another AS, RFC 4271 §5.1.4); iBGP export keeps
// them and never passes iBGP-learned paths to iBGP peers (no route reflection).
// Per-neighbour policy (rib/policy.hpp) sits on both sides: prefix list and route map
// after the loop checks on import, and before the eBGP rewriting on export, with
// RFC 8212's "no policy, no routes" for eBGP unless the speaker turns it off.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/logger.h>

#include "bgp/session/session.hpp"
#include "bgp/speaker/route_rules.hpp"
#include "bgp/speaker/speaker_config.hpp"
#include "bgp/wire/update_packer.hpp"
#include "rib/adj_rib_in.hpp"
#include "rib/adj_rib_out.hpp"
#include "rib/aggregate.hpp"
#include "rib/attr_store.hpp"
#include "rib/fib.hpp"
#include "rib/loc_rib.hpp"

namespace bgpemu::bgp {

class Speaker;

// Told of each change of a speaker's tables as it happens (what BMP's post-policy
// Adj-RIB-In and Loc-RIB monitoring send), on the io_context's thread; it must not block.
class RouteMonitor {
public:
    virtual ~RouteMonitor() = default;
    // The path of (prefix, path id) from the neighbour of `session` after its import
    // policy; null when it is gone (withdrawn, or denied now).
    virtual void accepted_changed(const Speaker& speaker, const Session& session, const Prefix& prefix,
                                  std::uint32_t path_id, const PathAttributes* attributes) = 0;
    // The prefix's best path; null when none is left.
    virtual void best_changed(const Speaker& speaker, const Prefix& prefix, const rib::Path* best) = 0;
};

class Speaker final : public SessionHandler {
public:
    Speaker(boost::asio::io_context& io, SpeakerConfig config, std::shared_ptr<spdlog::logger> log);
    ~Speaker() override;
    Speaker(const Speaker&) = delete;
    Speaker& operator=(const Speaker&) = delete;

    // Binds the listening socket; returns an error message when it cannot.
    [[nodiscard]] std::optional<std::string> listen();
    // Originates the configured networks and starts every session.
    void start();
    // Every session's tap, those a reconfiguration adds too (null: none).
    void set_session_tap(SessionTap* tap);
    // Told of every change of the accepted paths and best paths (null: none).
    void set_route_monitor(RouteMonitor* monitor) noexcept { route_monitor_ = monitor; }
    // Cease (administrative shutdown) to every peer; the listener closes.
    void stop(std::string_view communication = {});

    [[nodiscard]] const SpeakerConfig& config() const noexcept { return config_; }
    [[nodiscard]] const rib::LocRib& loc_rib() const noexcept { return loc_rib_; }
    [[nodiscard]] const rib::Fib& fib() const noexcept { return fib_; }
    [[nodiscard]] std::size_t neighbor_count() const noexcept { return neighbors_.size(); }
    [[nodiscard]] const Session& session(std::size_t index) const { return *neighbors_[index]->session; }
    [[nodiscard]] Session* find_session(std::string_view name);
    [[nodiscard]] std::optional<std::size_t> find_neighbor_index(std::string_view name) const;
    // The neighbour's name for a Loc-RIB peer id ("local" for our own networks).
    [[nodiscard]] std::string peer_name(rib::PeerId peer) const;
    [[nodiscard]] const NeighborConfig& neighbor_config(std::size_t index) const { return neighbors_[index]->config; }
    // What the neighbour named `peer` has been sent (its Adj-RIB-Out), in no particular
    // order; false when there is no such neighbour.
    bool for_each_advertised(std::string_view peer,
                             const std::function<void(const Prefix&, const PathAttributes&)>& fn) const;
    // What neighbour `index` sent before import policy (its stored Adj-RIB-In), and
    // whether that is complete: kept with soft reconfiguration inbound since the session came up.
    void for_each_received(std::size_t index,
                           const std::function<void(const Prefix&, std::uint32_t path_id, const PathAttributes&)>& fn) const;
    [[nodiscard]] bool received_complete(std::size_t index) const { return neighbors_[index]->adj_rib_in_complete; }
    // The Loc-RIB's id of neighbour `index` (the peer of its paths).
    [[nodiscard]] rib::PeerId neighbor_peer(std::size_t index) const { return neighbors_[index]->peer; }
    // The index of the neighbour whose session this is, if it is one of ours.
    [[nodiscard]] std::optional<std::size_t> neighbor_index_of(const Session& session) const;
    // Prefixes from neighbour `index` in the Loc-RIB (accepted), and advertised to it.
    [[nodiscard]] std::size_t accepted_count(std::size_t index, std::optional<Afi> afi = std::nullopt) const;
    // Whether neighbour `index`'s family (0: IPv4, 1: IPv6) is dropped past its prefix limit.
    [[nodiscard]] bool family_dropped(std::size_t index, int family) const { return neighbors_[index]->family_dropped[family]; }
    [[nodiscard]] std::size_t advertised_count(std::size_t index) const;

    // Memory by kind of object, for `show memory`.
    struct MemoryUse {
        std::size_t attribute_sets = 0;     // count of distinct interned sets
        std::size_t attribute_bytes = 0;
        std::size_t loc_rib_entry_bytes = 0;
        std::size_t prefix_index_bytes = 0;
        std::size_t adj_rib_out_bytes = 0;  // all neighbours
        std::size_t export_cache_entries = 0;
        std::size_t session_buffer_bytes = 0;  // every session's read and write buffers
    };
    [[nodiscard]] MemoryUse memory_use() const;

    // Applies a new configuration of this speaker (same name, ASN, router id, listen
    // address and decision options; the daemon re-creates the speaker otherwise):
    // neighbours added, removed or re-created when their session settings changed;
    // policy changes applied without a reset (exports re-evaluated, a ROUTE-REFRESH
    // asked for the imports, or a reset when the peer cannot refresh); networks,
    // interfaces and static routes brought in line. Returns what changed, for the log.
    std::vector<std::string> reconfigure(const SpeakerConfig& next);
    // Whether `next` can be applied by reconfigure().
    [[nodiscard]] bool can_reconfigure(const SpeakerConfig& next) const noexcept;

    // Originates `network` (replacing an earlier origination of the same prefix), as the
    // configuration's `networks` do; the change is exported like any other.
    void announce_network(const OriginatedNetwork& network);
    // Stops originating `prefix`; false when this speaker did not originate it.
    bool withdraw_network(const Prefix& prefix);
    // Routes from elsewhere (an MRT file: `bgpemuctl inject`) taken as the speaker's own:
    // local paths with the attributes as given (AS path, origin, MED, communities; no
    // LOCAL_PREF), the next hop "self" as for its networks, under a path id of their own
    // beside them, exported as they are. A prefix given again replaces its route.
    void inject_routes(const std::vector<std::pair<Prefix, PathAttributes>>& routes);
    // Withdraws every injected route; returns how many there were.
    std::size_t clear_injected();
    [[nodiscard]] std::size_t injected_count() const noexcept { return injected_.size(); }

    // The emulated link `link` went down or up: the sessions over it follow (see
    // Session::set_link_up). Returns the names of the neighbours affected.
    std::vector<std::string> set_link_up(std::string_view link, bool up);
    // Changes the FIB's connected routes (the data plane programs interfaces and
    // point-to-point peers from the state of the links); nothing without a FIB.
    void program_fib(const std::function<void(rib::Fib&)>& change);
    // Told of every session that comes up or goes down: (speaker, neighbour, up).
    using SessionObserver = std::function<void(const std::string&, const std::string&, bool)>;
    void set_session_observer(SessionObserver observer) { session_observer_ = std::move(observer); }
    // Whether the decision process and every Adj-RIB-Out are drained, and when the
    // Loc-RIB last changed a best path (for `wait converged`).
    [[nodiscard]] bool idle() const noexcept;
    [[nodiscard]] std::chrono::steady_clock::time_point last_route_change() const noexcept { return last_route_change_; }
    // How far the neighbour `index` is in sending its routes since its session came up:
    // its End-of-RIB for every family negotiated, and when its last UPDATE came (for a
    // peer that sends no End-of-RIB, `wait converged` waits for quiet after it).
    struct InitialRoutes {
        bool end_of_rib = false;
        std::optional<std::chrono::steady_clock::time_point> last_update;
    };
    [[nodiscard]] InitialRoutes initial_routes(std::size_t index) const;
    // Whether the neighbour `index`'s session should be up (started, enabled, link up).
    [[nodiscard]] bool neighbor_wanted(std::size_t index) const { return neighbors_[index]->session->wanted(); }
    // Best paths learned from a peer (not our own networks), with the peer's weight, the
    // AS path's length, the next hop and whether an iBGP peer sent it; and whether a
    // prefix covering `address` came from `peer`.
    struct LearnedBest {
        const Prefix& prefix;
        std::uint32_t weight;
        std::size_t as_path_length;
        std::optional<IpAddress> next_hop;
        bool ibgp;
    };
    void for_each_learned(const std::function<void(const LearnedBest&)>& fn) const;
    [[nodiscard]] bool learned_from(std::string_view peer, const IpAddress& address) const;

    // SessionHandler
    void session_established(Session& session) override;
    void session_down(Session& session) override;
    std::optional<WireError> receive_update(Session& session, UpdateMessage& update) override;
    void receive_route_refresh(Session& session, const RouteRefreshMessage& refresh) override;
    bool fill_updates(Session& session, Bytes& out, std::size_t budget) override;

private:
    // Our aggregates are local paths beside our networks, told apart by this path id,
    // so an aggregate and a network of the same prefix can coexist (the network wins).
    static constexpr std::uint32_t aggregate_path_id = 1;
    static constexpr std::uint32_t injected_path_id = 2;

    static constexpr AfiSafi ipv4_unicast{Afi::ipv4, Safi::unicast};
    static constexpr AfiSafi ipv6_unicast{Afi::ipv6, Safi::unicast};

    struct Neighbor {
        NeighborConfig config;
        std::unique_ptr<Session> session;
        rib::PeerId peer = 0;
        rib::AdjRibOut adj_rib_out;
        // Exported attributes by source attributes: most paths share a few attribute
        // sets, so the export transformation runs once per set, not once per prefix.
        std::unordered_map<rib::AttrRef, rib::AttrRef, rib::AttrRefHash> export_cache;
        // Imported attributes (null: denied) by received attributes, when the import
        // route map does not look at prefixes: policy runs once per attribute set.
        std::unordered_map<rib::AttrRef, rib::AttrRef, rib::AttrRefHash> import_cache;
        // Soft reconfiguration inbound: what the peer sent, before the import checks and
        // policy; complete when the option was on since the session came up.
        rib::AdjRibIn adj_rib_in;
        bool adj_rib_in_complete = false;
        bool maximum_prefix_warned = false;    // the warning threshold was logged
        bool maximum_prefix_exceeded = false;  // past the limit in this session
        std::unique_ptr<boost::asio::steady_timer> maximum_prefix_restart;
        // maximum_prefix_by_family, IPv4 then IPv6: the warning logged, the limit passed
        // (dropped: its routes withdrawn and further ones ignored).
        bool family_warned[2] = {false, false};
        bool family_exceeded[2] = {false, false};
        bool family_dropped[2] = {false, false};
        std::unique_ptr<boost::asio::steady_timer> family_restart;
        std::optional<UpdatePacker> packer;
        bool initial_dump_done = false;   // End-of-RIB sent for every family
        bool end_of_rib_pending = false;
        bool end_of_rib_received[2] = {false, false};  // from the peer, IPv4 and IPv6 unicast
        std::optional<std::chrono::steady_clock::time_point> last_update_received;
        bool end_of_refresh_pending[2] = {false, false};  // enhanced route refresh, per AFI
        bool external = true;
        // The local address of the Established connection: "self" for next hops.
        IpAddress transport_address;
        // Its RFC 2385 key is installed on the listening socket (see install_listener_key).
        bool tcp_md5_on_listener = false;
    };

    Neighbor& add_neighbor(const NeighborConfig& config);
    // Stops the session (Cease / Peer De-configured) and keeps the neighbour, out of
    // every lookup, until the speaker goes: its session may still have work queued.
    void retire_neighbor(std::size_t index);
    void apply_neighbor_policy(Neighbor& neighbor, const NeighborConfig& next, bool rfc8212_changed,
                               std::vector<std::string>& changes);
    void accept_loop();
    // The neighbour's TCP-MD5 key on the listening socket (none without a password), so
    // that the kernel checks its incoming connections; removed when the neighbour goes.
    void install_listener_key(Neighbor& neighbor);
    void remove_listener_key(Neighbor& neighbor);
    void originate_networks();
    // False when the network's route map denies it (then it is not originated).
    bool originate(const OriginatedNetwork& network, std::uint32_t path_id = 0);
    // Brings the redistributed routes in line with the interfaces that are up and the
    // static routes (see Redistribution); each is a local path with its own path id, so
    // a `networks` entry of the same prefix coexists with it (and wins).
    void redistribute();
    static constexpr std::uint32_t redistributed_path_id = 2;
    std::vector<Prefix> redistributed_;
    // config_.networks by prefix, so that announce/withdraw through the admin socket
    // cost O(1) however many networks there are.
    std::unordered_map<Prefix, std::size_t, PrefixHash> network_slots_;
    void index_networks();
    void schedule_decision();
    void run_decision();
    // Announces or withdraws the aggregates whose contributors changed (rib/aggregate.hpp).
    void originate_aggregates();
    void export_route(Neighbor& neighbor, rib::RouteIndex index, const Prefix& prefix, const rib::Path* best);
    void export_everything(Neighbor& neighbor);
    // Hands the prefix's new best path (and its ECMP members) to the FIB.
    void update_fib(const bgp::Prefix& prefix, const rib::Path* best);
    [[nodiscard]] rib::AttrRef export_attributes(Neighbor& neighbor, const rib::Path& best, const Prefix& prefix,
                                                 const ExportContext& context);
    [[nodiscard]] ExportContext export_context(const Neighbor& neighbor, const rib::Path& best) const;
    [[nodiscard]] rib::AttrRef import_policy(Neighbor& neighbor, const Prefix& prefix, const rib::AttrRef& received);
    void check_maximum_prefix(Neighbor& neighbor);
    void check_family_prefix_limits(Neighbor& neighbor);
    // Past a limit: Cease / Maximum Number of Prefixes Reached, and the restart timer.
    void close_past_limit(Neighbor& neighbor, AfiSafi family, std::size_t count, std::uint32_t limit);
    void drop_family(Neighbor& neighbor, int family);
    [[nodiscard]] bool blocked_by_rfc8212(const Neighbor& neighbor, bool import) const;
    [[nodiscard]] rib::RouteSource source_of(const rib::Path& path) const;
    [[nodiscard]] Neighbor& neighbor_of(const Session& session);
    [[nodiscard]] rib::AttrRef import_attributes(Neighbor& neighbor, const UpdateMessage& update,
                                                 const char*& rejected_because);
    // The AS-path checks of import (first AS, loop with allowas-in): why the path is
    // refused, or nullptr.
    [[nodiscard]] const char* import_check(const Neighbor& neighbor, const PathAttributes& attributes) const;
    // Soft reconfiguration: the stored Adj-RIB-In through the checks and the current
    // import policy again, into the Loc-RIB.
    void reapply_import_policy(Neighbor& neighbor);

    boost::asio::io_context& io_;
    SpeakerConfig config_;
    std::shared_ptr<spdlog::logger> log_;
    boost::asio::ip::tcp::acceptor acceptor_;
    rib::AttrStore attributes_;
    rib::LocRib loc_rib_;
    rib::Fib fib_;
    rib::AggregateTable aggregates_;
    bool fib_enabled_ = false;
    rib::PeerId local_peer_ = 0;
    std::vector<std::unique_ptr<Neighbor>> neighbors_;
    SessionTap* session_tap_ = nullptr;
    RouteMonitor* route_monitor_ = nullptr;
    // The accepted path of (prefix, path id) from `neighbor` changed: tells the monitor.
    void note_accepted(const Neighbor& neighbor, const Prefix& prefix, std::uint32_t path_id, const rib::AttrRef& accepted) {
        if (route_monitor_ != nullptr) route_monitor_->accepted_changed(*this, *neighbor.session, prefix, path_id, accepted ? &*accepted : nullptr);
    }
    std::set<Prefix> injected_;
    std::vector<std::unique_ptr<Neighbor>> retired_neighbors_;
    std::vector<std::shared_ptr<const rib::PolicySet>> retired_policies_;
    std::map<std::string, Neighbor*, std::less<>> neighbors_by_address_;
    // Every UPDATE finds its neighbour here; retired neighbours stay in it (their sessions
    // may still report), so it is filled once per neighbour and never erased from.
    std::unordered_map<const Session*, Neighbor*> neighbors_by_session_;
    // Refused connections from addresses that are no neighbour: the first is logged, the
    // rest counted into one line per 10 s, so that a flood cannot flood the log.
    std::chrono::steady_clock::time_point last_refusal_logged_{};
    std::uint64_t refusals_not_logged_ = 0;
    void log_refusal(const std::string& address);
    std::vector<Neighbor*> neighbors_by_peer_;  // indexed by rib::PeerId
    bool decision_scheduled_ = false;
    bool stopped_ = false;
    SessionObserver session_observer_;
    std::chrono::steady_clock::time_point last_route_change_ = std::chrono::steady_clock::now();
};

// The speaker and neighbour index a session belongs to, among `speakers`.
struct SessionOwner {
    Speaker* speaker = nullptr;
    std::size_t index = 0;
};
[[nodiscard]] std::optional<SessionOwner> find_session_owner(const std::vector<std::unique_ptr<Speaker>>& speakers,
                                                             const Session& session);

}  // namespace bgpemu::bgp
