// Sessions between two speakers of this daemon. Both ends connect as soon as they start,
// so their connections cross and the collision is resolved (RFC 4271 §6.8): the
// connection opened by the speaker with the higher BGP Identifier survives and the other
// is closed with a Cease. That costs a connection, a NOTIFICATION and log lines per
// session at every start, for nothing. As BIRD's "connect delay time" does, the end that
// would lose waits before its first connect, accepting meanwhile: the other end, which
// connects at once, brings the session up, and if it never does (down, or passive as seen
// from here), the delayed end still connects after the wait.
#include <algorithm>

#include "daemon/config/sections.hpp"

namespace bgpemu::daemon::detail {

namespace {

bool same_endpoint(const bgp::TransportEndpoint& a, const bgp::TransportEndpoint& b) {
    return a.address == b.address && a.port == b.port;
}

// Whether `speaker`'s connection to `peer` would be the one closed in a collision: the
// lower BGP Identifier loses (RFC 4271 §6.8); with equal identifiers, which only eBGP
// allows, the lower AS (RFC 6286 §2.3).
bool loses_collision(const bgp::SpeakerConfig& speaker, const bgp::SpeakerConfig& peer) {
    if (speaker.router_id != peer.router_id) return speaker.router_id < peer.router_id;
    return speaker.asn < peer.asn;
}

}  // namespace

void delay_colliding_connects(DaemonConfig& config, const SpeakersRead& speakers) {
    for (auto& speaker : config.speakers) {
        for (auto& neighbor : speaker.neighbors) {
            if (speakers.explicit_connect_delays.count({speaker.name, neighbor.name})) continue;
            if (!neighbor.enabled || neighbor.passive) continue;  // it never connects
            const auto peer = std::find_if(config.speakers.begin(), config.speakers.end(), [&](const auto& s) {
                return &s != &speaker && same_endpoint(s.listen, neighbor.remote);
            });
            if (peer == config.speakers.end() || !loses_collision(speaker, *peer)) continue;
            // The peer's neighbour for us: the one at the address our connections come from.
            const auto from = neighbor.local_address.value_or(speaker.listen.address);
            const auto& back_list = peer->neighbors;
            const auto back = std::find_if(back_list.begin(), back_list.end(),
                                           [&](const auto& n) { return n.remote.address == from; });
            // Only a peer that connects at once is worth waiting for.
            if (back == back_list.end() || !back->enabled || back->passive) continue;
            // One ConnectRetry interval: what the first attempt would have cost had it
            // been refused, and far longer than the other end takes to connect.
            neighbor.connect_delay = std::chrono::duration_cast<std::chrono::milliseconds>(neighbor.connect_retry);
        }
    }
}

}  // namespace bgpemu::daemon::detail
