#include "bgp/speaker/speaker.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "bgp/wire/codec.hpp"
#include "bgp/session/transport_security.hpp"

namespace bgpemu::bgp {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr AfiSafi ipv4_unicast{Afi::ipv4, Safi::unicast};
constexpr AfiSafi ipv6_unicast{Afi::ipv6, Safi::unicast};

tcp::endpoint to_endpoint(const TransportEndpoint& endpoint) {
    if (endpoint.address.is_v4()) return {asio::ip::address_v4(endpoint.address.v4_value()), endpoint.port};
    asio::ip::address_v6::bytes_type bytes;
    std::copy(endpoint.address.bytes().begin(), endpoint.address.bytes().end(), bytes.begin());
    return {asio::ip::address_v6(bytes), endpoint.port};
}

std::string address_key(const asio::ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
    return address.to_string();
}

// ::ffff:a.b.c.d, the IPv6 next hop a speaker without an IPv6 address gives (as FRR does
// for IPv6 routes over an IPv4 session).
IpAddress v4_mapped(const IpAddress& v4) {
    std::array<std::uint8_t, 16> bytes{};
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    std::copy(v4.bytes().begin(), v4.bytes().begin() + 4, bytes.begin() + 12);
    return IpAddress::v6(bytes);
}

bool has_community(const PathAttributes& attributes, std::uint32_t community) {
    return std::find(attributes.communities.begin(), attributes.communities.end(), community) !=
           attributes.communities.end();
}

}  // namespace

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
    for (const auto& interface : config_.interfaces) fib_.set_interface(interface.name, interface.address, interface.length);
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
    neighbor->maximum_prefix_restart = std::make_unique<asio::steady_timer>(io_);
    neighbors_by_address_[neighbor_config.remote.address.to_string()] = neighbor.get();
    // Added while listening (a reload): its key goes on the listener now; at start-up,
    // listen() installs every neighbour's.
    if (acceptor_.is_open()) install_listener_key(*neighbor);
    neighbors_.push_back(std::move(neighbor));
    return *neighbors_.back();
}

void Speaker::install_listener_key(Neighbor& neighbor) {
    if (neighbor.config.password.empty()) return;
    const auto& peer = neighbor.config.remote.address;
    if (const auto ec = set_tcp_md5_key(acceptor_.native_handle(), !config_.listen.address.is_v4(), peer,
                                        neighbor.config.password)) {
        // Its connections are refused (accept_loop) rather than accepted unsigned.
        log_->warn("{}: cannot install the TCP-MD5 key for {} on the listening socket (TCP_MD5SIG): {}; "
                   "connections from it will be refused",
                   neighbor.config.name, peer.to_string(), ec.message());
        return;
    }
    neighbor.tcp_md5_on_listener = true;
}

void Speaker::remove_listener_key(Neighbor& neighbor) {
    if (!neighbor.tcp_md5_on_listener) return;
    neighbor.tcp_md5_on_listener = false;
    if (!acceptor_.is_open()) return;
    const auto& peer = neighbor.config.remote.address;
    // keylen 0 deletes the peer's key.
    if (const auto ec = set_tcp_md5_key(acceptor_.native_handle(), !config_.listen.address.is_v4(), peer, {}))
        log_->warn("{}: cannot remove the TCP-MD5 key for {} from the listening socket (TCP_MD5SIG): {}",
                   neighbor.config.name, peer.to_string(), ec.message());
}

Speaker::~Speaker() = default;

std::optional<std::string> Speaker::listen() {
    const auto endpoint = to_endpoint(config_.listen);
    boost::system::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    // RFC 2385 keys before listen(): no unsigned SYN from a peer with a password is
    // ever accepted, the kernel drops it silently.
    if (!ec)
        for (auto& neighbor : neighbors_) install_listener_key(*neighbor);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        return "speaker " + config_.name + ": cannot listen on " + config_.listen.address.to_string() + ":" +
               std::to_string(config_.listen.port) + ": " + ec.message();
    log_->info("AS {}, listening on {}:{}", config_.asn, config_.listen.address.to_string(),
               config_.listen.port);
    accept_loop();
    return std::nullopt;
}

void Speaker::accept_loop() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || stopped_) return;
        if (!ec) {
            boost::system::error_code endpoint_error;
            const auto remote = socket.remote_endpoint(endpoint_error);
            const auto key = endpoint_error ? std::string() : address_key(remote.address());
            if (auto it = neighbors_by_address_.find(key); it != neighbors_by_address_.end()) {
                Neighbor& neighbor = *it->second;
                if (!neighbor.config.password.empty() && !neighbor.tcp_md5_on_listener) {
                    // The kernel could not check this connection's signature (see install_listener_key).
                    log_->warn("{}: refused connection from {}: its TCP-MD5 key is not on the listening socket",
                               neighbor.config.name, key);
                    socket.close(endpoint_error);
                } else {
                    neighbor.session->accept(std::move(socket));
                }
            } else {
                log_refusal(key.empty() ? "?" : key);
                socket.close(endpoint_error);
            }
        } else {
            log_->warn("accept: {}", ec.message());
        }
        accept_loop();
    });
}

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

std::size_t Speaker::advertised_count(std::size_t index) const {
    return neighbors_[index]->adj_rib_out.advertised_count();
}

Speaker::Neighbor& Speaker::neighbor_of(const Session& session) {
    for (auto& neighbor : neighbors_)
        if (neighbor->session.get() == &session) return *neighbor;
    // A removed neighbour's session still reports its last state changes.
    for (auto& neighbor : retired_neighbors_)
        if (neighbor->session.get() == &session) return *neighbor;
    throw std::logic_error("session without a neighbour");
}

void Speaker::originate_networks() {
    for (const auto& network : config_.networks) originate(network);
    schedule_decision();
}

bool Speaker::originate(const OriginatedNetwork& network, std::uint32_t path_id) {
    PathAttributes attributes;
    attributes.origin = network.origin;
    attributes.has_as_path = true;
    attributes.med = network.med;
    attributes.communities = network.communities;
    std::sort(attributes.communities.begin(), attributes.communities.end());
    attributes.large_communities = network.large_communities;
    // The next hop of a local route is "self": filled in per neighbour on export.
    if (network.prefix.afi() == Afi::ipv4)
        attributes.next_hop = IpAddress::v4(0);
    else
        attributes.mp_next_hop = IpAddress::v6({});
    if (network.route_map) {
        rib::PolicyRoute route{network.prefix, attributes, rib::RouteSource::local, {}};
        if (!network.route_map->apply(route)) {
            loc_rib_.withdraw(local_peer_, network.prefix, path_id);  // denied now, maybe permitted before a reload
            return false;
        }
    }
    loc_rib_.announce(local_peer_, network.prefix, attributes_.intern(std::move(attributes)), path_id);
    return true;
}

void Speaker::redistribute() {
    std::map<Prefix, OriginatedNetwork> wanted;
    for (const auto& source : config_.redistribute) {
        const auto add = [&](const Prefix& prefix) {
            wanted.emplace(prefix, OriginatedNetwork{prefix, source.metric, {}, {}, Origin::incomplete, source.route_map});
        };
        if (source.source == Redistribution::Source::connected) {
            for (const auto& interface : config_.interfaces)
                if (!fib_enabled_ || fib_.has_interface(interface.name)) add(Prefix::make(interface.address, interface.length));
        } else {
            for (const auto& route : config_.static_routes) add(route.prefix);
        }
    }
    for (const auto& prefix : redistributed_)
        if (!wanted.count(prefix)) loc_rib_.withdraw(local_peer_, prefix, redistributed_path_id);
    redistributed_.clear();
    // An unchanged route is no change for the Loc-RIB (the same interned attributes).
    for (const auto& [prefix, network] : wanted)
        if (originate(network, redistributed_path_id)) redistributed_.push_back(prefix);
    schedule_decision();
}

void Speaker::index_networks() {
    network_slots_.clear();
    for (std::size_t i = 0; i < config_.networks.size(); ++i) network_slots_[config_.networks[i].prefix] = i;
}

void Speaker::announce_network(const OriginatedNetwork& network) {
    auto& networks = config_.networks;
    if (const auto slot = network_slots_.find(network.prefix); slot != network_slots_.end()) {
        networks[slot->second] = network;
    } else {
        network_slots_.emplace(network.prefix, networks.size());
        networks.push_back(network);
    }
    originate(network);
    schedule_decision();
}

bool Speaker::withdraw_network(const Prefix& prefix) {
    auto& networks = config_.networks;
    const auto slot = network_slots_.find(prefix);
    if (slot == network_slots_.end()) return false;
    // The last network takes the withdrawn one's place: O(1), order does not matter.
    const auto index = slot->second;
    network_slots_.erase(slot);
    if (index + 1 != networks.size()) {
        networks[index] = std::move(networks.back());
        network_slots_[networks[index].prefix] = index;
    }
    networks.pop_back();
    loc_rib_.withdraw(local_peer_, prefix);
    schedule_decision();
    return true;
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
    }
    return use;
}

std::size_t Speaker::accepted_count(std::size_t index) const {
    const auto& neighbor = *neighbors_[index];
    return neighbor.session->established() ? loc_rib_.paths_from(neighbor.peer) : 0;
}

// ---- Sessions -------------------------------------------------------------------------

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
    neighbor.adj_rib_in.clear();
    neighbor.adj_rib_in_complete = neighbor.config.soft_reconfiguration_inbound;
    neighbor.initial_dump_done = false;
    neighbor.end_of_rib_pending = true;
    log_->info("session with {} (AS {}) established, hold time {} s", neighbor.config.name,
               negotiated.peer_as, negotiated.hold_time);
    export_everything(neighbor);
    session.wake_writer();
    if (session_observer_) session_observer_(config_.name, neighbor.config.name, true);
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

// ---- Import ---------------------------------------------------------------------------

// Checks the path for the whole UPDATE once; nullptr (with the reason) when its prefixes
// must be treated as withdrawn.
rib::AttrRef Speaker::import_attributes(Neighbor& neighbor, const UpdateMessage& update,
                                        const char*& rejected_because) {
    if (update.treat_as_withdraw) {
        rejected_because = "malformed attribute (RFC 7606 treat-as-withdraw)";
        return {};
    }
    if ((rejected_because = import_check(neighbor, update.attributes)) != nullptr) return {};
    return attributes_.intern(update.attributes);
}

const char* Speaker::import_check(const Neighbor& neighbor, const PathAttributes& attributes) const {
    // RFC 4271 §6.3: an eBGP peer's path starts with the peer's AS (FRR's enforce-first-as).
    if (neighbor.external && attributes.as_path.neighbour_as() != neighbor.session->negotiated().peer_as)
        return "AS_PATH does not start with the peer's AS";
    // RFC 4271 §9.1.2: a path holding our own AS is a loop (allowas-in relaxes it).
    if (attributes.as_path.count(config_.asn) > neighbor.config.allowas_in) return "AS_PATH holds our own AS (loop)";
    return nullptr;
}

void Speaker::reapply_import_policy(Neighbor& neighbor) {
    neighbor.adj_rib_in.for_each([&](const Prefix& prefix, std::uint32_t path_id, const rib::AttrRef& received) {
        rib::AttrRef accepted =
            import_check(neighbor, *received) ? rib::AttrRef{} : import_policy(neighbor, prefix, received);
        if (accepted)
            loc_rib_.announce(neighbor.peer, prefix, std::move(accepted), path_id);
        else
            loc_rib_.withdraw(neighbor.peer, prefix, path_id);
    });
    check_maximum_prefix(neighbor);
    schedule_decision();
}

std::optional<WireError> Speaker::receive_update(Session& session, UpdateMessage& update) {
    Neighbor& neighbor = neighbor_of(session);
    const auto& negotiated = session.negotiated();

    const bool soft = neighbor.config.soft_reconfiguration_inbound;
    const auto withdraw = [&](const std::vector<Nlri>& nlris) {
        for (const auto& nlri : nlris) {
            loc_rib_.withdraw(neighbor.peer, nlri.prefix, nlri.path_id);
            if (soft) neighbor.adj_rib_in.erase(nlri.prefix, nlri.path_id);
        }
    };
    withdraw(update.withdrawn);
    if (update.mp_unreach_family && negotiated.has_family(*update.mp_unreach_family)) withdraw(update.mp_unreach);

    const bool announces = !update.nlri.empty() || !update.mp_reach.empty();
    if (announces) {
        const char* rejected_because = nullptr;
        const rib::AttrRef attributes = import_attributes(neighbor, update, rejected_because);
        // Soft reconfiguration keeps what arrived, also what the AS-path checks refused
        // (an allowas_in change may accept it later); a malformed UPDATE is a withdrawal.
        rib::AttrRef received;
        if (soft && !update.treat_as_withdraw) received = attributes ? attributes : attributes_.intern(update.attributes);
        const auto take = [&](const std::vector<Nlri>& nlris) {
            for (const auto& nlri : nlris) {
                if (soft) {
                    if (received) neighbor.adj_rib_in.store(nlri.prefix, nlri.path_id, received);
                    else neighbor.adj_rib_in.erase(nlri.prefix, nlri.path_id);
                }
                rib::AttrRef accepted = attributes ? import_policy(neighbor, nlri.prefix, attributes) : rib::AttrRef{};
                if (accepted)
                    loc_rib_.announce(neighbor.peer, nlri.prefix, std::move(accepted), nlri.path_id);
                else
                    loc_rib_.withdraw(neighbor.peer, nlri.prefix, nlri.path_id);
            }
        };
        if (!attributes)
            log_->debug("{} prefix(es) from {} not accepted: {}",
                        update.nlri.size() + update.mp_reach.size(), neighbor.config.name, rejected_because);
        if (negotiated.has_family(ipv4_unicast)) take(update.nlri);
        if (update.mp_reach_family && negotiated.has_family(*update.mp_reach_family)) take(update.mp_reach);
    } else if (const auto family = update.end_of_rib()) {
        log_->debug("End-of-RIB from {} for AFI {}", neighbor.config.name,
                    static_cast<int>(family->afi));
    }
    if (announces) check_maximum_prefix(neighbor);
    schedule_decision();
    return std::nullopt;
}

bool Speaker::blocked_by_rfc8212(const Neighbor& neighbor, bool import) const {
    if (!config_.ebgp_requires_policy || !neighbor.external) return false;
    return import ? !neighbor.config.has_import_policy() : !neighbor.config.has_export_policy();
}

rib::RouteSource Speaker::source_of(const rib::Path& path) const {
    if (path.peer == local_peer_) return rib::RouteSource::local;
    const Neighbor* source = path.peer < neighbors_by_peer_.size() ? neighbors_by_peer_[path.peer] : nullptr;
    return source && !source->external ? rib::RouteSource::ibgp : rib::RouteSource::ebgp;
}

// The neighbour's import policy for one prefix: null when denied.
rib::AttrRef Speaker::import_policy(Neighbor& neighbor, const Prefix& prefix, const rib::AttrRef& received) {
    const NeighborConfig& config = neighbor.config;
    if (blocked_by_rfc8212(neighbor, true)) return {};
    if (config.prefix_list_in && !config.prefix_list_in->permits(prefix)) return {};
    if (!config.route_map_in) return received;
    const bool cacheable = !config.route_map_in->depends_on_prefix();
    if (cacheable)
        if (const auto it = neighbor.import_cache.find(received); it != neighbor.import_cache.end()) return it->second;
    PathAttributes attributes = *received;
    rib::PolicyRoute route{prefix, attributes, neighbor.external ? rib::RouteSource::ebgp : rib::RouteSource::ibgp,
                           config.name};
    rib::AttrRef result;
    if (config.route_map_in->apply(route)) result = attributes_.intern(std::move(attributes));
    if (cacheable) {
        // Bounded: the cache holds references, so a churning peer must not pin old sets.
        if (neighbor.import_cache.size() > 65536) neighbor.import_cache.clear();
        neighbor.import_cache.emplace(received, result);
    }
    return result;
}

void Speaker::check_maximum_prefix(Neighbor& neighbor) {
    const NeighborConfig& config = neighbor.config;
    if (config.maximum_prefix == 0 || neighbor.maximum_prefix_exceeded) return;
    const std::size_t count = loc_rib_.paths_from(neighbor.peer);
    if (!neighbor.maximum_prefix_warned &&
        count * 100 >= std::uint64_t{config.maximum_prefix} * config.maximum_prefix_warning_percent) {
        neighbor.maximum_prefix_warned = true;
        log_->warn("{}: {} prefixes accepted, {} % of its maximum of {}", config.name, count,
                   config.maximum_prefix_warning_percent, config.maximum_prefix);
    }
    if (count <= config.maximum_prefix) return;
    neighbor.maximum_prefix_exceeded = true;
    if (config.maximum_prefix_warning_only) {
        log_->warn("{}: {} prefixes exceed its maximum of {} (warning only: the session stays up)", config.name,
                   count, config.maximum_prefix);
        return;
    }
    log_->warn("{}: {} prefixes exceed its maximum of {}: closing the session with Cease / Maximum Number of "
               "Prefixes Reached, {}",
               config.name, count, config.maximum_prefix,
               config.maximum_prefix_restart.count() > 0
                   ? "restarting in " + std::to_string(config.maximum_prefix_restart.count()) + " s"
                   : std::string("down until `session enable` or `session reset`"));
    // RFC 4486 §4: the data is the AFI, SAFI and the upper bound.
    const bool v4 = neighbor.session->negotiated().has_family(ipv4_unicast);
    const AfiSafi family = v4 ? ipv4_unicast : ipv6_unicast;
    Bytes data;
    WireWriter writer(data);
    writer.put_u16(static_cast<std::uint16_t>(family.afi));
    writer.put_u8(static_cast<std::uint8_t>(family.safi));
    writer.put_u32(config.maximum_prefix);
    // Not from inside the session's own read path: stop after this UPDATE is done.
    asio::post(io_, [this, &neighbor, data = std::move(data)]() mutable {
        neighbor.session->stop_with_data(cease_subcode::maximum_prefixes_reached, std::move(data),
                                         "maximum number of prefixes reached");
        if (neighbor.config.maximum_prefix_restart.count() == 0 || stopped_) return;
        neighbor.maximum_prefix_restart->expires_after(neighbor.config.maximum_prefix_restart);
        neighbor.maximum_prefix_restart->async_wait([this, &neighbor](boost::system::error_code ec) {
            if (ec || stopped_) return;
            log_->info("{}: restarting after the maximum-prefix shutdown", neighbor.config.name);
            neighbor.session->start();
        });
    });
}

void Speaker::receive_route_refresh(Session& session, const RouteRefreshMessage& refresh) {
    Neighbor& neighbor = neighbor_of(session);
    if (refresh.subtype != RouteRefreshSubtype::normal) return;  // BoRR/EoRR from the peer: nothing to do
    if (!session.negotiated().has_family(refresh.afi_safi)) return;
    log_->info("route refresh requested by {}", neighbor.config.name);
    // RFC 7313 §4: with enhanced route refresh, bracket the re-advertisement.
    const bool enhanced = session.negotiated().enhanced_route_refresh;
    if (enhanced) {
        Bytes marker;
        encode_route_refresh(RouteRefreshMessage{refresh.afi_safi, RouteRefreshSubtype::begin_of_rib}, marker);
        session.send_raw(std::move(marker));
        neighbor.end_of_refresh_pending[refresh.afi_safi.afi == Afi::ipv4 ? 0 : 1] = true;
    }
    // Resend everything (both families: simpler, and harmless to the peer).
    neighbor.adj_rib_out.clear();
    export_everything(neighbor);
    session.wake_writer();
}

// ---- Decision and export ----------------------------------------------------------------

void Speaker::schedule_decision() {
    if (decision_scheduled_) return;
    decision_scheduled_ = true;
    // After the current burst of input: the socket reads already queued run first.
    asio::post(io_, [this] { run_decision(); });
}

void Speaker::run_decision() {
    decision_scheduled_ = false;
    bool changed = false;
    loc_rib_.run_decision([&](const rib::RouteChange& change) {
        changed = true;
        last_route_change_ = std::chrono::steady_clock::now();
        // Before the export below: summary-only suppression follows the contributors.
        if (!aggregates_.empty()) aggregates_.note_change(change.prefix, change.new_best != nullptr);
        if (fib_enabled_) update_fib(change.prefix, change.new_best);
        for (auto& neighbor : neighbors_) {
            if (!neighbor->session->established() || !neighbor->packer) continue;
            export_route(*neighbor, change.index, change.prefix, change.new_best ? &*change.new_best : nullptr);
        }
    });
    if (!changed) return;
    if (!aggregates_.empty()) originate_aggregates();
    for (auto& neighbor : neighbors_)
        if (neighbor->adj_rib_out.pending_count() > 0) neighbor->session->wake_writer();
}

void Speaker::originate_aggregates() {
    bool touched = false;
    aggregates_.refresh(loc_rib_, config_.asn, config_.router_id,
                        [&](const rib::AggregateConfig& aggregate, const std::optional<PathAttributes>& attributes) {
                            touched = true;
                            if (attributes)
                                loc_rib_.announce(local_peer_, aggregate.prefix, attributes_.intern(*attributes),
                                                  aggregate_path_id);
                            else
                                loc_rib_.withdraw(local_peer_, aggregate.prefix, aggregate_path_id);
                        });
    // The aggregate's own change goes through the next decision pass (an unchanged
    // aggregate is no change there: the same interned attributes).
    if (touched) schedule_decision();
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

void Speaker::for_each_learned(
    const std::function<void(const Prefix&, std::uint32_t weight, std::size_t as_path_length)>& fn) const {
    loc_rib_.for_each_best([&](rib::RouteIndex, const Prefix& prefix, const rib::Path& best) {
        if (best.peer == local_peer_) return;
        fn(prefix, rib::effective_weight(*best.attrs, loc_rib_.peer(best.peer)), best.attrs->as_path.decision_length());
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

void Speaker::update_fib(const bgp::Prefix& prefix, const rib::Path* best) {
    // Our own networks are not forwarded by BGP (they are connected or static here).
    if (!best || best->peer == local_peer_) {
        fib_.remove_bgp(prefix);
        return;
    }
    const auto next_hop_of = [&](const rib::Path& path) {
        return prefix.afi() == Afi::ipv4 ? path.attrs->next_hop : path.attrs->mp_next_hop;
    };
    std::vector<IpAddress> gateways;
    std::string source = peer_name(best->peer);
    if (config_.maximum_paths > 1) {
        source.clear();
        for (const auto& member : loc_rib_.multipath(prefix)) {
            if (const auto hop = next_hop_of(member)) gateways.push_back(*hop);
            source += (source.empty() ? "" : ", ") + peer_name(member.peer);
        }
    } else if (const auto hop = next_hop_of(*best)) {
        gateways.push_back(*hop);
    }
    fib_.set_bgp(prefix, source_of(*best) == rib::RouteSource::ebgp, std::move(gateways), std::move(source));
}

void Speaker::export_everything(Neighbor& neighbor) {
    loc_rib_.for_each_best([&](rib::RouteIndex index, const Prefix& prefix, const rib::Path& best) {
        export_route(neighbor, index, prefix, &best);
    });
}

void Speaker::export_route(Neighbor& neighbor, rib::RouteIndex index, const Prefix& prefix, const rib::Path* best) {
    const auto& negotiated = neighbor.session->negotiated();
    const AfiSafi family{prefix.afi(), Safi::unicast};
    if (!negotiated.has_family(family)) return;
    rib::AttrRef exported;
    if (best && best->peer != neighbor.peer) {
        const PathAttributes& attributes = *best->attrs;
        const Neighbor* source = best->peer < neighbors_by_peer_.size() ? neighbors_by_peer_[best->peer] : nullptr;
        const bool from_internal = source && !source->external;
        bool allowed = true;
        // iBGP-learned paths are not passed to iBGP peers (RFC 4271 §9.1.3, no reflection).
        if (from_internal && !neighbor.external) allowed = false;
        // RFC 1997 well-known communities.
        if (has_community(attributes, well_known_community::no_advertise)) allowed = false;
        if (neighbor.external && (has_community(attributes, well_known_community::no_export) ||
                                  has_community(attributes, well_known_community::no_export_subconfed)))
            allowed = false;
        if (neighbor.external && neighbor.config.sender_side_loop_detection &&
            attributes.as_path.contains(negotiated.peer_as))
            allowed = false;
        if (blocked_by_rfc8212(neighbor, false)) allowed = false;
        // A summary-only aggregate with contributors hides the more-specifics.
        if (allowed && !aggregates_.empty() && aggregates_.suppresses(prefix)) allowed = false;
        if (allowed && neighbor.config.prefix_list_out && !neighbor.config.prefix_list_out->permits(prefix))
            allowed = false;
        if (allowed) exported = export_attributes(neighbor, *best, prefix);
    }
    neighbor.adj_rib_out.offer(index, prefix, exported);
}

// What `best` looks like to the neighbour (null: its export route map denies it). Order
// as in FRR: private-AS removal and AS override, next hop, the route map (which sees
// LOCAL_PREF and can set MED or prepend), then our own AS and the eBGP clean-up.
rib::AttrRef Speaker::export_attributes(Neighbor& neighbor, const rib::Path& best, const Prefix& prefix) {
    const rib::RouteMap* route_map = neighbor.config.route_map_out;
    const bool cacheable = !route_map || !route_map->depends_on_prefix();
    if (cacheable) {
        if (auto it = neighbor.export_cache.find(best.attrs); it != neighbor.export_cache.end()) return it->second;
        // Bounded: the cache holds references, so a churning table must not pin old sets.
        if (neighbor.export_cache.size() > 65536) neighbor.export_cache.clear();
    }

    PathAttributes attributes = *best.attrs;
    const bool local = best.peer == local_peer_;
    const IpAddress& transport = neighbor.transport_address;
    const IpAddress self_v4 = neighbor.config.self_next_hop_v4.value_or(transport.is_v4() ? transport : IpAddress::v4(0));
    const IpAddress self_v6 =
        neighbor.config.self_next_hop_v6.value_or(transport.is_v4() ? v4_mapped(transport) : transport);
    const bool next_hop_self = neighbor.external || neighbor.config.next_hop_self || local;
    if (neighbor.external) {
        const auto peer_as = neighbor.session->negotiated().peer_as;
        rib::remove_private_as(attributes.as_path, neighbor.config.remove_private_as, peer_as);
        if (neighbor.config.as_override) rib::override_as(attributes.as_path, peer_as, config_.asn);
        // RFC 4271 §5.1.4: a MED learned from one AS is not passed to another.
        if (!local) attributes.med.reset();
    }
    if (next_hop_self) {
        if (attributes.next_hop) attributes.next_hop = self_v4;
        if (attributes.mp_next_hop) {
            attributes.mp_next_hop = self_v6;
            attributes.mp_next_hop_link_local.reset();
        }
    }
    rib::AttrRef exported;
    rib::PolicyRoute route{prefix, attributes, source_of(best), neighbor.config.name};
    if (!route_map || route_map->apply(route)) {
        // Weight is local to this speaker (and an export `set weight` means nothing):
        // never sent, and no reason to split an UPDATE group.
        attributes.weight.reset();
        if (neighbor.external) {
            attributes.as_path.prepend(config_.asn);
            attributes.has_as_path = true;
            attributes.local_pref.reset();
            // RFC 4456: reflection attributes stay inside the AS.
            attributes.originator_id.reset();
            attributes.cluster_list.clear();
        } else if (!attributes.local_pref) {
            attributes.local_pref = 100;
        }
        exported = attributes_.intern(std::move(attributes));
    }
    if (cacheable) neighbor.export_cache.emplace(best.attrs, exported);
    return exported;
}

bool Speaker::fill_updates(Session& session, Bytes& out, std::size_t budget) {
    Neighbor& neighbor = neighbor_of(session);
    if (!neighbor.packer) return false;
    std::vector<Nlri> nlris;
    const std::size_t start = out.size();
    const bool more = neighbor.adj_rib_out.drain(
        budget,
        [&](const rib::AttrRef& attributes, std::span<const Prefix> prefixes) {
            nlris.clear();
            for (const auto& prefix : prefixes) nlris.push_back(Nlri{prefix, 0});
            const AfiSafi family{prefixes.front().afi(), Safi::unicast};
            session.stats().updates_out += neighbor.packer->announce(*attributes, nlris, family, out);
            log_->debug("to {}: {} prefix(es) of AFI {}, first {}", neighbor.config.name, nlris.size(),
                        static_cast<int>(family.afi), prefixes.front().to_string());
        },
        [&](std::span<const Prefix> prefixes) {
            nlris.clear();
            for (const auto& prefix : prefixes) nlris.push_back(Nlri{prefix, 0});
            const AfiSafi family{prefixes.front().afi(), Safi::unicast};
            session.stats().updates_out += neighbor.packer->withdraw(nlris, family, out);
        });
    if (!more) {
        // The initial table has gone out: End-of-RIB per family (RFC 4724 §2).
        if (neighbor.end_of_rib_pending) {
            neighbor.end_of_rib_pending = false;
            neighbor.initial_dump_done = true;
            for (const auto family : {ipv4_unicast, ipv6_unicast})
                if (session.negotiated().has_family(family)) neighbor.packer->end_of_rib(family, out);
        }
        for (int afi = 0; afi < 2; ++afi) {
            if (!neighbor.end_of_refresh_pending[afi]) continue;
            neighbor.end_of_refresh_pending[afi] = false;
            encode_route_refresh(RouteRefreshMessage{afi == 0 ? ipv4_unicast : ipv6_unicast,
                                                     RouteRefreshSubtype::end_of_rib},
                                 out);
        }
    }
    if (out.size() > start) session.stats().messages_out++;
    return more;
}

void Speaker::log_refusal(const std::string& address) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_logged_ < std::chrono::seconds(10)) {
        ++refusals_not_logged_;
        return;
    }
    if (refusals_not_logged_ > 0)
        log_->warn("refused {} more connection(s) from addresses that are no neighbour in the last {} s", refusals_not_logged_,
                   std::chrono::duration_cast<std::chrono::seconds>(now - last_refusal_logged_).count());
    log_->warn("refused connection from {}: not a configured neighbour", address);
    refusals_not_logged_ = 0;
    last_refusal_logged_ = now;
}

}  // namespace bgpemu::bgp
