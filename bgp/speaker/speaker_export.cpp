// The way out: the decision process when the Loc-RIB changed, the FIB, each neighbour's
// export rules (route_rules.hpp) and policy into its Adj-RIB-Out, and the UPDATEs its
// session's writer pulls from there.
#include "bgp/speaker/speaker.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "bgp/wire/codec.hpp"

namespace bgpemu::bgp {

namespace asio = boost::asio;

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
        // Before the export below: summary-only suppression follows the contributors.
        if (!aggregates_.empty()) aggregates_.note_change(change.prefix, change.new_best != nullptr);
        if (fib_enabled_) update_fib(change.prefix, change.new_best);
        if (route_monitor_ != nullptr) route_monitor_->best_changed(*this, change.prefix, change.new_best);
        for (auto& neighbor : neighbors_) {
            if (!neighbor->session->established() || !neighbor->packer) continue;
            export_route(*neighbor, change.index, change.prefix, change.new_best ? &*change.new_best : nullptr);
        }
    });
    if (!changed) return;
    last_route_change_ = std::chrono::steady_clock::now();
    if (!aggregates_.empty()) originate_aggregates();
    for (auto& neighbor : neighbors_)
        if (neighbor->adj_rib_out.pending_count() > 0) neighbor->session->wake_writer();
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
        const Neighbor* source = best->peer < neighbors_by_peer_.size() ? neighbors_by_peer_[best->peer] : nullptr;
        const bool learned_over_ibgp = source && !source->external;
        const ExportContext context = export_context(neighbor, *best);
        bool allowed = export_refusal(*best->attrs, learned_over_ibgp, context) == nullptr;
        if (blocked_by_rfc8212(neighbor, false)) allowed = false;
        // A summary-only aggregate with contributors hides the more-specifics.
        if (allowed && !aggregates_.empty() && aggregates_.suppresses(prefix)) allowed = false;
        if (allowed && neighbor.config.prefix_list_out && !neighbor.config.prefix_list_out->permits(prefix))
            allowed = false;
        if (allowed) exported = export_attributes(neighbor, *best, prefix, context);
    }
    neighbor.adj_rib_out.offer(index, prefix, exported);
}

ExportContext Speaker::export_context(const Neighbor& neighbor, const rib::Path& best) const {
    const NeighborConfig& config = neighbor.config;
    return ExportContext{.external = neighbor.external,
                         .local = best.peer == local_peer_,
                         .peer_as = neighbor.session->negotiated().peer_as,
                         .local_as = config_.asn,
                         .remove_private_as = config.remove_private_as,
                         .as_override = config.as_override,
                         .sender_side_loop_detection = config.sender_side_loop_detection,
                         .next_hop_self = config.next_hop_self,
                         .transport_address = neighbor.transport_address,
                         .self_next_hop_v4 = config.self_next_hop_v4,
                         .self_next_hop_v6 = config.self_next_hop_v6};
}

// What `best` looks like to the neighbour (null: its export route map denies it): the
// eBGP/iBGP rules around the route map (bgp/speaker/route_rules.hpp), which sees
// LOCAL_PREF and can set MED or prepend.
rib::AttrRef Speaker::export_attributes(Neighbor& neighbor, const rib::Path& best, const Prefix& prefix,
                                        const ExportContext& context) {
    const rib::RouteMap* route_map = neighbor.config.route_map_out;
    const bool cacheable = !route_map || !route_map->depends_on_prefix();
    if (cacheable) {
        if (auto it = neighbor.export_cache.find(best.attrs); it != neighbor.export_cache.end()) return it->second;
        // Bounded: the cache holds references, so a churning table must not pin old sets.
        if (neighbor.export_cache.size() > 65536) neighbor.export_cache.clear();
    }

    PathAttributes attributes = *best.attrs;
    prepare_export(attributes, context);
    rib::AttrRef exported;
    rib::PolicyRoute route{prefix, attributes, source_of(best), neighbor.config.name};
    if (!route_map || route_map->apply(route)) {
        finish_export(attributes, context);
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
            // One batch holds the withdrawals of every family (a session that carried
            // both loses both at once): each family goes in its own UPDATEs.
            for (const auto family : {ipv4_unicast, ipv6_unicast}) {
                nlris.clear();
                for (const auto& prefix : prefixes)
                    if (prefix.afi() == family.afi) nlris.push_back(Nlri{prefix, 0});
                if (!nlris.empty()) session.stats().updates_out += neighbor.packer->withdraw(nlris, family, out);
            }
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

}  // namespace bgpemu::bgp
