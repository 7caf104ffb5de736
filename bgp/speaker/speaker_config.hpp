// What one emulated router is configured with: its identity, where its sessions run,
// its neighbours and what it originates. Filled from the daemon's configuration file; the
// defaults here are the documented defaults of the config file.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bgp/wire/attributes.hpp"
#include "bgp/wire/ip.hpp"
#include "bgp/session/transport_endpoint.hpp"
#include "rib/aggregate.hpp"
#include "rib/fib.hpp"
#include "rib/policy.hpp"

namespace bgpemu::bgp {

struct NeighborConfig {
    std::string name;
    std::string description;
    TransportEndpoint remote;                 // the peer's transport address and port
    std::optional<IpAddress> local_address;   // update-source; default: the speaker's listen address
    std::uint32_t remote_as = 0;
    bool passive = false;
    bool enabled = true;                      // false: administratively down ("shutdown")
    std::uint16_t hold_time = 90;             // seconds; 0 or 3..65535
    std::chrono::seconds connect_retry{5};
    // Before the first outgoing connection the session only accepts, for this long
    // (BIRD's "connect delay time"); 0 connects at once. The daemon sets it on the end of
    // a session between two of its own speakers that would lose a connection collision
    // (RFC 4271 §6.8), so the two never open connections to each other at once.
    std::chrono::milliseconds connect_delay{0};
    // The hold timer while waiting for the peer's OPEN (RFC 4271 §8.2.2's "large value",
    // 4 minutes suggested): a peer that connects and says nothing is dropped after it.
    std::chrono::seconds open_hold_time{240};
    // Minimum time between two rounds of UPDATEs to this neighbour (RFC 4271 §9.2.1.1);
    // 0, the default for eBGP and iBGP alike as in FRR, sends as soon as the decision runs.
    std::chrono::seconds advertisement_interval{0};
    unsigned ebgp_multihop = 0;               // 0: single hop (TTL 1); N: TTL N
    // RFC 5082 GTSM: 0 off; N (1..254): we send with TTL 255 and accept only packets that
    // arrive with TTL 255 - (N - 1). Excludes ebgp_multihop (the config refuses both).
    unsigned ttl_security = 0;
    std::string password;                     // RFC 2385 TCP-MD5 key, 1..80 bytes; empty: none
    bool next_hop_self = false;               // also for iBGP (eBGP always uses self)
    unsigned allowas_in = 0;                  // accept paths holding our AS up to N times
    bool sender_side_loop_detection = false;  // do not send paths holding the peer's AS
    std::uint32_t weight = 0;                 // Cisco/FRR weight of every path from this peer
    std::vector<AfiSafi> families{{Afi::ipv4, Safi::unicast}, {Afi::ipv6, Safi::unicast}};
    bool extended_message = false;
    // The next hops we advertise as "self" (the emulated interface addresses); without
    // them, the local transport address (IPv4) or its IPv4-mapped IPv6 form.
    std::optional<IpAddress> self_next_hop_v4;
    std::optional<IpAddress> self_next_hop_v6;
    // The emulated interface and link the session runs over (`interface:`, or the one
    // link between this speaker and the node the neighbour is named after). The
    // interface's address is the default "self" next hop; taking the link down drops
    // the session at once, as an interface failure with fast fall-over would.
    std::string interface;
    std::string link;
    bool link_up = true;  // false: the link is configured down, so is the session

    // Policy (pointers into the speaker's PolicySet; null: none configured).
    const rib::RouteMap* route_map_in = nullptr;
    const rib::RouteMap* route_map_out = nullptr;
    const rib::PrefixList* prefix_list_in = nullptr;
    const rib::PrefixList* prefix_list_out = nullptr;
    rib::RemovePrivateAs remove_private_as = rib::RemovePrivateAs::no;  // toward eBGP peers
    bool as_override = false;                                           // toward eBGP peers
    // Soft reconfiguration inbound: keep what the peer sent before the import policy (a
    // pre-policy Adj-RIB-In), so a new import policy is applied from memory on a reload
    // instead of through a ROUTE-REFRESH (or, for a peer without it, a session reset).
    bool soft_reconfiguration_inbound = false;
    // Maximum prefixes accepted from the peer (0: no limit). Past it the session is
    // closed with Cease "Maximum Number of Prefixes Reached" (RFC 4486) and restarted
    // after `maximum_prefix_restart` (0: stays down until `session enable`/`reset`);
    // a warning is logged once the count reaches `maximum_prefix_warning_percent`.
    std::uint32_t maximum_prefix = 0;
    // Per family, IPv4 then IPv6 (0: none): past it the peer's routes of that family are
    // dropped and later ones of it ignored while the session and its other family stay,
    // until `maximum_prefix_restart` asks for them again with a ROUTE-REFRESH (0: until
    // the session restarts). So one dual-stack session behaves as a pair of sessions, one
    // per family, of which only the one past its limit goes down.
    std::uint32_t maximum_prefix_by_family[2] = {0, 0};
    unsigned maximum_prefix_warning_percent = 75;
    std::chrono::seconds maximum_prefix_restart{0};
    bool maximum_prefix_warning_only = false;

    [[nodiscard]] bool has_import_policy() const noexcept { return route_map_in || prefix_list_in; }
    [[nodiscard]] bool has_export_policy() const noexcept { return route_map_out || prefix_list_out; }
};

// A prefix the speaker originates (a `network` statement).
struct OriginatedNetwork {
    Prefix prefix;
    std::optional<std::uint32_t> med;
    std::vector<std::uint32_t> communities;
    std::vector<LargeCommunity> large_communities;
    Origin origin = Origin::igp;
    // FRR's `network PREFIX route-map NAME`: the map's set clauses apply to the route
    // (seen as source `local`); a deny means the prefix is not originated.
    const rib::RouteMap* route_map = nullptr;
};

// `redistribute:` (FRR's `redistribute connected|static [metric N] [route-map NAME]`):
// the speaker's connected subnets (while their interface is up) or static routes become
// local routes with origin INCOMPLETE, through the route map when one is given.
struct Redistribution {
    enum class Source : std::uint8_t { connected, static_routes };
    Source source = Source::connected;
    std::optional<std::uint32_t> metric;  // the MED of the routes
    const rib::RouteMap* route_map = nullptr;
    friend bool operator==(const Redistribution&, const Redistribution&) = default;
};

// An interface and a static route of the emulated router (rib/fib.hpp).
using InterfaceConfig = rib::InterfaceConfig;
using StaticRouteConfig = rib::StaticRouteConfig;

struct SpeakerConfig {
    std::string name;
    std::uint32_t asn = 0;
    std::uint32_t router_id = 0;  // host order
    TransportEndpoint listen;     // the listening socket; also the default update-source
    std::string hostname;         // FQDN capability; default: the speaker's name
    std::vector<NeighborConfig> neighbors;
    std::vector<OriginatedNetwork> networks;
    // aggregate-address: originated while a more-specific route is in the Loc-RIB.
    std::vector<rib::AggregateConfig> aggregates;
    std::vector<Redistribution> redistribute;
    // From the config's `daemon:` section, for every session (SessionConfig).
    std::size_t session_read_bytes = 256 * 1024;
    std::size_t session_update_batch_bytes = 256 * 1024;
    bool always_compare_med = false;
    bool prefer_oldest_external = false;
    unsigned maximum_paths = 1;
    // RFC 8212: an eBGP session without an import (export) policy accepts (sends)
    // nothing. On by default, as in FRR; `ebgp_requires_policy: false` turns it off.
    bool ebgp_requires_policy = true;
    // The named policy objects neighbours refer to (shared by copies of this config).
    std::shared_ptr<const rib::PolicySet> policy;
    // The forwarding table: connected routes from the interfaces, static routes, and
    // the BGP best paths. By default a speaker with interfaces or static routes has one
    // and one without (a route server, a benchmark's device) does not: it could resolve
    // no next hop. `fib: true|false` decides explicitly.
    std::vector<InterfaceConfig> interfaces;
    std::vector<StaticRouteConfig> static_routes;
    std::optional<bool> fib;
    [[nodiscard]] bool has_fib() const noexcept {
        return fib.value_or(!interfaces.empty() || !static_routes.empty());
    }
};

}  // namespace bgpemu::bgp
