// The way in: UPDATEs from a neighbour through the AS-path checks (route_rules.hpp) and
// its import policy into the Loc-RIB, its maximum-prefix limit, and ROUTE-REFRESH.
#include "bgp/speaker/speaker.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "bgp/wire/codec.hpp"

namespace bgpemu::bgp {

namespace asio = boost::asio;

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
    return import_refusal(attributes, ImportContext{neighbor.external, neighbor.session->negotiated().peer_as,
                                                    config_.asn, neighbor.config.allowas_in});
}

void Speaker::reapply_import_policy(Neighbor& neighbor) {
    neighbor.adj_rib_in.for_each([&](const Prefix& prefix, std::uint32_t path_id, const rib::AttrRef& received) {
        if (neighbor.family_dropped[prefix.afi() == Afi::ipv4 ? 0 : 1]) return;
        rib::AttrRef accepted =
            import_check(neighbor, *received) ? rib::AttrRef{} : import_policy(neighbor, prefix, received);
        note_accepted(neighbor, prefix, path_id, accepted);
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
    neighbor.last_update_received = std::chrono::steady_clock::now();

    const bool soft = neighbor.config.soft_reconfiguration_inbound;
    // A batch's lookups go faster with their memory asked for ahead (LocRib::prefetch_*).
    constexpr std::size_t slot_ahead = 16;
    constexpr std::size_t entry_ahead = 6;
    const auto prefetch = [&](const std::vector<Nlri>& nlris, std::size_t i) {
        if (i + slot_ahead < nlris.size()) loc_rib_.prefetch_slot(nlris[i + slot_ahead].prefix);
        if (i + entry_ahead < nlris.size()) loc_rib_.prefetch_entry(nlris[i + entry_ahead].prefix);
    };
    const auto withdraw = [&](const std::vector<Nlri>& nlris) {
        for (std::size_t i = 0; i < nlris.size(); ++i) {
            prefetch(nlris, i);
            const auto& nlri = nlris[i];
            loc_rib_.withdraw(neighbor.peer, nlri.prefix, nlri.path_id);
            note_accepted(neighbor, nlri.prefix, nlri.path_id, {});
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
            for (std::size_t i = 0; i < nlris.size(); ++i) {
                prefetch(nlris, i);
                const auto& nlri = nlris[i];
                if (soft) {
                    if (received) neighbor.adj_rib_in.store(nlri.prefix, nlri.path_id, received);
                    else neighbor.adj_rib_in.erase(nlri.prefix, nlri.path_id);
                }
                rib::AttrRef accepted = attributes ? import_policy(neighbor, nlri.prefix, attributes) : rib::AttrRef{};
                note_accepted(neighbor, nlri.prefix, nlri.path_id, accepted);
                if (accepted)
                    loc_rib_.announce(neighbor.peer, nlri.prefix, std::move(accepted), nlri.path_id);
                else
                    loc_rib_.withdraw(neighbor.peer, nlri.prefix, nlri.path_id);
            }
        };
        if (!attributes)
            log_->debug("{} prefix(es) from {} not accepted: {}",
                        update.nlri.size() + update.mp_reach.size(), neighbor.config.name, rejected_because);
        const auto dropped = [&](AfiSafi family) { return neighbor.family_dropped[family.afi == Afi::ipv4 ? 0 : 1]; };
        if (negotiated.has_family(ipv4_unicast) && !dropped(ipv4_unicast)) take(update.nlri);
        if (update.mp_reach_family && negotiated.has_family(*update.mp_reach_family) && !dropped(*update.mp_reach_family))
            take(update.mp_reach);
    } else if (const auto family = update.end_of_rib()) {
        log_->debug("End-of-RIB from {} for AFI {}", neighbor.config.name,
                    static_cast<int>(family->afi));
        if (*family == ipv4_unicast) neighbor.end_of_rib_received[0] = true;
        if (*family == ipv6_unicast) neighbor.end_of_rib_received[1] = true;
    }
    if (announces) check_maximum_prefix(neighbor);
    schedule_decision();
    return std::nullopt;
}

bool Speaker::blocked_by_rfc8212(const Neighbor& neighbor, bool import) const {
    return bgp::blocked_by_rfc8212(config_.ebgp_requires_policy, neighbor.external,
                                   import ? neighbor.config.has_import_policy() : neighbor.config.has_export_policy());
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
    // The limit of every family first: past it the session goes, whatever one family says.
    if (config.maximum_prefix == 0 || neighbor.maximum_prefix_exceeded) return check_family_prefix_limits(neighbor);
    const std::size_t count = loc_rib_.paths_from(neighbor.peer);
    if (!neighbor.maximum_prefix_warned &&
        count * 100 >= std::uint64_t{config.maximum_prefix} * config.maximum_prefix_warning_percent) {
        neighbor.maximum_prefix_warned = true;
        log_->warn("{}: {} prefixes accepted, {} % of its maximum of {}", config.name, count,
                   config.maximum_prefix_warning_percent, config.maximum_prefix);
    }
    if (count <= config.maximum_prefix) return check_family_prefix_limits(neighbor);
    neighbor.maximum_prefix_exceeded = true;
    if (config.maximum_prefix_warning_only) {
        log_->warn("{}: {} prefixes exceed its maximum of {} (warning only: the session stays up)", config.name,
                   count, config.maximum_prefix);
        return;
    }
    const bool v4 = neighbor.session->negotiated().has_family(ipv4_unicast);
    close_past_limit(neighbor, v4 ? ipv4_unicast : ipv6_unicast, count, config.maximum_prefix);
}

void Speaker::close_past_limit(Neighbor& neighbor, AfiSafi family, std::size_t count, std::uint32_t limit) {
    const NeighborConfig& config = neighbor.config;
    log_->warn("{}: {} prefixes exceed its maximum of {}: closing the session with Cease / Maximum Number of "
               "Prefixes Reached, {}",
               config.name, count, limit,
               config.maximum_prefix_restart.count() > 0
                   ? "restarting in " + std::to_string(config.maximum_prefix_restart.count()) + " s"
                   : std::string("down until `session enable` or `session reset`"));
    // RFC 4486 §4: the data is the AFI, SAFI and the upper bound.
    Bytes data;
    WireWriter writer(data);
    writer.put_u16(static_cast<std::uint16_t>(family.afi));
    writer.put_u8(static_cast<std::uint8_t>(family.safi));
    writer.put_u32(limit);
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

void Speaker::check_family_prefix_limits(Neighbor& neighbor) {
    const NeighborConfig& config = neighbor.config;
    for (int f = 0; f < 2; ++f) {
        const std::uint32_t limit = config.maximum_prefix_by_family[f];
        if (limit == 0 || neighbor.family_exceeded[f]) continue;
        const std::size_t v6 = loc_rib_.ipv6_paths_from(neighbor.peer);
        const std::size_t count = f == 0 ? loc_rib_.paths_from(neighbor.peer) - v6 : v6;
        const char* name = f == 0 ? "IPv4" : "IPv6";
        if (!neighbor.family_warned[f] && count * 100 >= std::uint64_t{limit} * config.maximum_prefix_warning_percent) {
            neighbor.family_warned[f] = true;
            log_->warn("{}: {} {} prefixes accepted, {} % of its {} maximum of {}", config.name, count, name,
                       config.maximum_prefix_warning_percent, name, limit);
        }
        if (count <= limit) continue;
        neighbor.family_exceeded[f] = true;
        if (config.maximum_prefix_warning_only) {
            log_->warn("{}: {} {} prefixes exceed its {} maximum of {} (warning only: they stay)", config.name, count,
                       name, name, limit);
            continue;
        }
        // A session of this family alone goes down, as the total limit does.
        const AfiSafi family{f == 0 ? Afi::ipv4 : Afi::ipv6, Safi::unicast};
        const auto& negotiated = neighbor.session->negotiated();
        if (!negotiated.has_family(f == 0 ? ipv6_unicast : ipv4_unicast)) {
            neighbor.maximum_prefix_exceeded = true;
            close_past_limit(neighbor, family, count, limit);
            return;
        }
        log_->warn("{}: {} {} prefixes exceed its {} maximum of {}: its {} routes dropped, the session kept, {}",
                   config.name, count, name, name, limit, name,
                   config.maximum_prefix_restart.count() > 0
                       ? "asking for them again in " + std::to_string(config.maximum_prefix_restart.count()) + " s"
                       : std::string("until the session restarts"));
        drop_family(neighbor, f);
    }
}

void Speaker::drop_family(Neighbor& neighbor, int family) {
    neighbor.family_dropped[family] = true;
    const auto afi = family == 0 ? Afi::ipv4 : Afi::ipv6;
    loc_rib_.withdraw_all(neighbor.peer, afi);
    if (neighbor.config.maximum_prefix_restart.count() == 0) return;
    neighbor.family_restart->expires_after(neighbor.config.maximum_prefix_restart);
    neighbor.family_restart->async_wait([this, &neighbor](boost::system::error_code ec) {
        if (ec || stopped_) return;
        for (int f = 0; f < 2; ++f) {
            if (!neighbor.family_dropped[f] || !neighbor.session->established()) continue;
            neighbor.family_dropped[f] = neighbor.family_exceeded[f] = neighbor.family_warned[f] = false;
            const AfiSafi again{f == 0 ? Afi::ipv4 : Afi::ipv6, Safi::unicast};
            log_->info("{}: asking again for its {} routes after the maximum-prefix drop", neighbor.config.name,
                       f == 0 ? "IPv4" : "IPv6");
            if (neighbor.config.soft_reconfiguration_inbound && neighbor.adj_rib_in_complete) {
                reapply_import_policy(neighbor);
            } else if (!neighbor.session->request_refresh(again)) {
                log_->warn("{}: the peer takes no ROUTE-REFRESH: resetting the session to get its routes again",
                           neighbor.config.name);
                neighbor.session->stop("maximum-prefix restart without ROUTE-REFRESH", cease_subcode::administrative_reset);
                neighbor.session->start();
            }
        }
    });
}

}  // namespace bgpemu::bgp
