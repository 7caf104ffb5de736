// The speaker's core: its neighbours and their sessions' comings and goings, and what
// the rest of the daemon asks of it (lookups, links, the FIB, memory).
#include "bgp/speaker/speaker.hpp"

#include <algorithm>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "bgp/wire/codec.hpp"

namespace bgpemu::bgp {

namespace asio = boost::asio;

Speaker::Speaker(asio::io_context& io, SpeakerConfig config, std::shared_ptr<spdlog::logger> log)
    : io_(io), config_(std::move(config)), log_(std::move(log)), acceptor_(io) {
    rib::DecisionOptions options;
    options.always_compare_med = config_.always_compare_med;
    options.prefer_oldest_external = config_.prefer_oldest_external;
    options.maximum_paths = config_.maximum_paths;
    loc_rib_.set_options(options);

    rib::PeerInfo local;
    local.peer_as = config_.asn;
    local.local_as = config_.asn;
    local.external = false;
    local.router_id = config_.router_id;
    local.address = config_.listen.address;
    local.locally_originated = true;
    local_peer_ = loc_rib_.add_peer(local);

    fib_enabled_ = config_.has_fib();
    for (const auto& interface : config_.interfaces) fib_.set_interface(interface);
    for (const auto& route : config_.static_routes) fib_.set_static(route.prefix, route.next_hops, route.blackhole);

    for (const auto& neighbor_config : config_.neighbors) add_neighbor(neighbor_config);
    aggregates_.configure(config_.aggregates, loc_rib_);
    index_networks();
}

Speaker::Neighbor& Speaker::add_neighbor(const NeighborConfig& neighbor_config) {
    auto neighbor = std::make_unique<Neighbor>();
    neighbor->config = neighbor_config;
    neighbor->external = neighbor_config.remote_as != config_.asn;

    SessionConfig session;
    session.name = neighbor_config.name;
    session.description = neighbor_config.description;
    session.remote = neighbor_config.remote;
    session.local_address = neighbor_config.local_address.value_or(config_.listen.address);
    session.passive = neighbor_config.passive;
    session.enabled = neighbor_config.enabled;
    session.external = neighbor->external;
    // GTSM (RFC 5082 §3) sends with 255 whatever the distance; the config refuses it
    // together with ebgp_multihop, as FRR does.
    session.ttl = static_cast<std::uint8_t>(neighbor->external && neighbor_config.ttl_security == 0
                                                ? std::max(1U, neighbor_config.ebgp_multihop)
                                                : 255U);
    session.ttl_security_hops = neighbor_config.ttl_security;
    session.password = neighbor_config.password;
    session.connect_retry = neighbor_config.connect_retry;
    session.connect_delay = neighbor_config.connect_delay;
    session.open_hold_time = neighbor_config.open_hold_time;
    session.read_buffer_bytes = config_.session_read_bytes;
    session.update_batch_bytes = config_.session_update_batch_bytes;
    session.advertisement_interval = neighbor_config.advertisement_interval;
    session.offer.local_as = config_.asn;
    session.offer.router_id = config_.router_id;
    session.offer.hold_time = neighbor_config.hold_time;
    session.offer.families = neighbor_config.families;
    session.offer.extended_message = neighbor_config.extended_message;
    session.offer.hostname = config_.hostname;
    session.expectation.remote_as = neighbor_config.remote_as;
    neighbor->session = std::make_unique<Session>(io_, std::move(session), *this, log_);
    neighbor->session->set_link_up(neighbor_config.link_up);
    neighbor->session->set_tap(session_tap_);
    neighbor->maximum_prefix_restart = std::make_unique<asio::steady_timer>(io_);
    neighbor->family_restart = std::make_unique<asio::steady_timer>(io_);
    neighbors_by_address_[neighbor_config.remote.address.to_string()] = neighbor.get();
    neighbors_by_session_[neighbor->session.get()] = neighbor.get();
    // Added while listening (a reload): its key goes on the listener now; at start-up,
    // listen() installs every neighbour's.
    if (acceptor_.is_open()) install_listener_key(*neighbor);
    neighbors_.push_back(std::move(neighbor));
    return *neighbors_.back();
}

Speaker::~Speaker() = default;

void Speaker::start() {
    stopped_ = false;
    if (!config_.ebgp_requires_policy) {
        log_->debug("ebgp_requires_policy is off: eBGP neighbours without a policy accept and send every route "
                    "(RFC 8212 behaviour disabled)");
    } else {
        for (const auto& neighbor : neighbors_) {
            if (!neighbor->external) continue;
            if (!neighbor->config.has_import_policy())
                log_->warn("eBGP neighbour {} has no import policy: RFC 8212 accepts nothing from it (give it "
                           "route_map_in or prefix_list_in, or set ebgp_requires_policy: false on the speaker)",
                           neighbor->config.name);
            if (!neighbor->config.has_export_policy())
                log_->warn("eBGP neighbour {} has no export policy: RFC 8212 sends it nothing (give it "
                           "route_map_out or prefix_list_out, or set ebgp_requires_policy: false on the speaker)",
                           neighbor->config.name);
        }
    }
    originate_networks();
    redistribute();
    for (auto& neighbor : neighbors_) neighbor->session->start();
}

void Speaker::stop(std::string_view communication) {
    stopped_ = true;
    for (auto& neighbor : neighbors_) neighbor->session->stop(communication);
    boost::system::error_code ignored;
    acceptor_.close(ignored);
}

Session* Speaker::find_session(std::string_view name) {
    for (auto& neighbor : neighbors_)
        if (neighbor->config.name == name) return neighbor->session.get();
    return nullptr;
}

std::optional<std::size_t> Speaker::find_neighbor_index(std::string_view name) const {
    for (std::size_t i = 0; i < neighbors_.size(); ++i)
        if (neighbors_[i]->config.name == name) return i;
    return std::nullopt;
}

std::string Speaker::peer_name(rib::PeerId peer) const {
    if (peer == local_peer_) return "local";
    if (peer < neighbors_by_peer_.size() && neighbors_by_peer_[peer]) return neighbors_by_peer_[peer]->config.name;
    return "peer " + std::to_string(peer);
}

bool Speaker::for_each_advertised(std::string_view peer,
                                  const std::function<void(const Prefix&, const PathAttributes&)>& fn) const {
    const auto neighbor = find_neighbor_index(peer);
    if (!neighbor) return false;
    const rib::AdjRibOut& out = neighbors_[*neighbor]->adj_rib_out;
    loc_rib_.for_each_prefix([&](rib::RouteIndex index, const Prefix& prefix) {
        if (const auto* sent = out.advertised(index)) fn(prefix, **sent);
    });
    return true;
}

void Speaker::for_each_received(
    std::size_t index, const std::function<void(const Prefix&, std::uint32_t path_id, const PathAttributes&)>& fn) const {
    neighbors_[index]->adj_rib_in.for_each(
        [&](const Prefix& prefix, std::uint32_t path_id, const rib::AttrRef& received) { fn(prefix, path_id, *received); });
}

std::optional<std::size_t> Speaker::neighbor_index_of(const Session& session) const {
    for (std::size_t i = 0; i < neighbors_.size(); ++i)
        if (neighbors_[i]->session.get() == &session) return i;
    return std::nullopt;
}

std::optional<SessionOwner> find_session_owner(const std::vector<std::unique_ptr<Speaker>>& speakers, const Session& session) {
    for (const auto& speaker : speakers)
        if (const auto index = speaker->neighbor_index_of(session)) return SessionOwner{speaker.get(), *index};
    return std::nullopt;
}

std::size_t Speaker::advertised_count(std::size_t index) const {
    return neighbors_[index]->adj_rib_out.advertised_count();
}

Speaker::Neighbor& Speaker::neighbor_of(const Session& session) {
    const auto found = neighbors_by_session_.find(&session);
    if (found == neighbors_by_session_.end()) throw std::logic_error("session without a neighbour");
    return *found->second;
}

Speaker::MemoryUse Speaker::memory_use() const {
    MemoryUse use;
    use.attribute_sets = attributes_.size();
    use.attribute_bytes = attributes_.memory_bytes();
    use.loc_rib_entry_bytes = loc_rib_.entry_bytes();
    use.prefix_index_bytes = loc_rib_.index_bytes();
    for (const auto& neighbor : neighbors_) {
        use.adj_rib_out_bytes += neighbor->adj_rib_out.memory_bytes();
        use.export_cache_entries += neighbor->export_cache.size();
        use.session_buffer_bytes += neighbor->session->buffer_bytes();
    }
    return use;
}

std::size_t Speaker::accepted_count(std::size_t index, std::optional<Afi> afi) const {
    const auto& neighbor = *neighbors_[index];
    if (!neighbor.session->established()) return 0;
    const auto all = loc_rib_.paths_from(neighbor.peer);
    const auto v6 = loc_rib_.ipv6_paths_from(neighbor.peer);
    return !afi ? all : *afi == Afi::ipv6 ? v6 : all - v6;
}

void Speaker::session_established(Session& session) {
    Neighbor& neighbor = neighbor_of(session);
    const auto& negotiated = session.negotiated();
    rib::PeerInfo info;
    info.peer_as = negotiated.peer_as;
    info.local_as = config_.asn;
    info.external = neighbor.external;
    info.router_id = negotiated.peer_router_id;
    info.address = neighbor.config.remote.address;
    info.weight = neighbor.config.weight;
    neighbor.peer = loc_rib_.add_peer(info);
    if (neighbors_by_peer_.size() <= neighbor.peer) neighbors_by_peer_.resize(neighbor.peer + 1, nullptr);
    neighbors_by_peer_[neighbor.peer] = &neighbor;

    neighbor.transport_address = session.local_endpoint().value_or(config_.listen.address);
    neighbor.packer.emplace(negotiated.encode_context());
    neighbor.adj_rib_out.clear();
    neighbor.export_cache.clear();
    neighbor.import_cache.clear();
    neighbor.maximum_prefix_warned = false;
    neighbor.maximum_prefix_exceeded = false;
    for (int f = 0; f < 2; ++f) neighbor.family_warned[f] = neighbor.family_exceeded[f] = neighbor.family_dropped[f] = false;
    neighbor.family_restart->cancel();
    neighbor.adj_rib_in.clear();
    neighbor.adj_rib_in_complete = neighbor.config.soft_reconfiguration_inbound;
    neighbor.initial_dump_done = false;
    neighbor.end_of_rib_pending = true;
    neighbor.end_of_rib_received[0] = neighbor.end_of_rib_received[1] = false;
    neighbor.last_update_received.reset();
    log_->info("session with {} (AS {}) established, hold time {} s", neighbor.config.name,
               negotiated.peer_as, negotiated.hold_time);
    export_everything(neighbor);
    session.wake_writer();
    if (session_observer_) session_observer_(config_.name, neighbor.config.name, true);
}

Speaker::InitialRoutes Speaker::initial_routes(std::size_t index) const {
    const auto& neighbor = *neighbors_[index];
    const auto& negotiated = neighbor.session->negotiated();
    InitialRoutes out;
    out.last_update = neighbor.last_update_received;
    out.end_of_rib = neighbor.session->established() &&
                     (!negotiated.has_family(ipv4_unicast) || neighbor.end_of_rib_received[0]) &&
                     (!negotiated.has_family(ipv6_unicast) || neighbor.end_of_rib_received[1]);
    return out;
}

void Speaker::session_down(Session& session) {
    Neighbor& neighbor = neighbor_of(session);
    log_->info("session with {} down, withdrawing its routes", neighbor.config.name);
    if (session_observer_) session_observer_(config_.name, neighbor.config.name, false);
    loc_rib_.withdraw_all(neighbor.peer);
    // Decide now, before the peer id can be reused: a new session that got this id and
    // announced the same attributes would otherwise look like no change at all.
    run_decision();
    neighbors_by_peer_[neighbor.peer] = nullptr;
    loc_rib_.remove_peer(neighbor.peer);
    neighbor.adj_rib_out.clear();
    neighbor.export_cache.clear();
    neighbor.import_cache.clear();
    neighbor.adj_rib_in.clear();
    neighbor.adj_rib_in_complete = false;
    neighbor.packer.reset();
    schedule_decision();
}

std::vector<std::string> Speaker::set_link_up(std::string_view link, bool up) {
    std::vector<std::string> affected;
    for (auto& neighbor : neighbors_) {
        if (neighbor->config.link != link) continue;
        neighbor->config.link_up = up;
        neighbor->session->set_link_up(up);
        affected.push_back(neighbor->config.name);
    }
    return affected;
}

void Speaker::program_fib(const std::function<void(rib::Fib&)>& change) {
    if (!fib_enabled_) return;
    change(fib_);
    // Connected routes follow their interfaces.
    if (!config_.redistribute.empty()) redistribute();
}

bool Speaker::idle() const noexcept {
    if (decision_scheduled_ || loc_rib_.pending_count() > 0) return false;
    return std::all_of(neighbors_.begin(), neighbors_.end(),
                       [](const auto& neighbor) { return neighbor->adj_rib_out.pending_count() == 0; });
}

void Speaker::for_each_learned(const std::function<void(const LearnedBest&)>& fn) const {
    loc_rib_.for_each_best([&](rib::RouteIndex, const Prefix& prefix, const rib::Path& best) {
        if (best.peer == local_peer_) return;
        fn(LearnedBest{prefix, rib::effective_weight(*best.attrs, loc_rib_.peer(best.peer)), best.attrs->as_path.decision_length(),
                       prefix.afi() == Afi::ipv4 ? best.attrs->next_hop : best.attrs->mp_next_hop,
                       source_of(best) == rib::RouteSource::ibgp});
    });
}

bool Speaker::learned_from(std::string_view peer, const IpAddress& address) const {
    const auto index = find_neighbor_index(peer);
    if (!index) return false;
    const auto peer_id = neighbors_[*index]->peer;
    if (!neighbors_[*index]->session->established()) return false;
    // Every prefix length that could cover the address, longest first.
    for (unsigned length = max_prefix_length(address.afi()) + 1; length-- > 0;) {
        const auto prefix = Prefix::make(address, length);
        for (const auto& path : loc_rib_.explain(prefix))
            if (path.path.peer == peer_id) return true;
    }
    return false;
}

void Speaker::set_session_tap(SessionTap* tap) {
    session_tap_ = tap;
    for (auto& neighbor : neighbors_) neighbor->session->set_tap(tap);
}

}  // namespace bgpemu::bgp
