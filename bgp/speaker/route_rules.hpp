// The rules a speaker applies to a path on its way in from a neighbour and on its way
// out to one, other than the neighbour's own policy (prefix lists and route maps, in
// rib/policy.hpp): RFC 4271's AS-path checks, RFC 8212's default deny, and what eBGP and
// iBGP do to the attributes. Pure functions of the path and of what is known of the
// neighbour, so each rule is tested without a session (tests/unit/speaker_rules_test.cpp).
#pragma once

#include <cstdint>
#include <optional>

#include "bgp/wire/attributes.hpp"
#include "rib/policy.hpp"

namespace bgpemu::bgp {

// What the import checks know of the neighbour a path came from.
struct ImportContext {
    bool external = true;        // eBGP
    std::uint32_t peer_as = 0;   // the AS the peer's OPEN gave
    std::uint32_t local_as = 0;  // ours
    unsigned allowas_in = 0;     // how often our AS may appear in an accepted path
};

// Why the path must be treated as withdrawn, or nullptr when it may go on to the import
// policy: an eBGP path must start with the peer's AS (RFC 4271 §6.3, FRR's
// enforce-first-as), and a path holding our AS is a loop (§9.1.2) unless allowas-in
// accepts that many occurrences.
[[nodiscard]] const char* import_refusal(const PathAttributes& attributes, const ImportContext& neighbor);

// RFC 8212: with `ebgp_requires_policy` on, an eBGP session without a policy in that
// direction neither accepts nor sends any route.
[[nodiscard]] constexpr bool blocked_by_rfc8212(bool ebgp_requires_policy, bool external, bool has_policy) noexcept {
    return ebgp_requires_policy && external && !has_policy;
}

// What the export rules know of the neighbour a path goes to, and of the path's origin.
struct ExportContext {
    bool external = true;
    bool local = false;          // the path is one of our own originations
    std::uint32_t peer_as = 0;
    std::uint32_t local_as = 0;
    rib::RemovePrivateAs remove_private_as = rib::RemovePrivateAs::no;
    bool as_override = false;
    bool sender_side_loop_detection = false;  // withhold paths that hold the peer's AS
    bool next_hop_self = false;  // configured for an iBGP neighbour (eBGP always uses self)
    IpAddress transport_address; // the local end of the session
    std::optional<IpAddress> self_next_hop_v4;  // configured "self", else the transport address
    std::optional<IpAddress> self_next_hop_v6;
};

// Why the path must not go to the neighbour at all, or nullptr: a path learned over iBGP
// is not passed to an iBGP peer (RFC 4271 §9.1.3, no route reflection), RFC 1997's
// NO_ADVERTISE, and toward eBGP NO_EXPORT and NO_EXPORT_SUBCONFED, and the peer's own AS
// in the path when sender-side loop detection is on.
[[nodiscard]] const char* export_refusal(const PathAttributes& attributes, bool learned_over_ibgp,
                                         const ExportContext& neighbor);

// Before the neighbour's export route map, in FRR's order: private-AS removal and AS
// override toward eBGP, the MED of another AS dropped (RFC 4271 §5.1.4), the next hop
// set to ourselves where it must be.
void prepare_export(PathAttributes& attributes, const ExportContext& neighbor);

// After the route map accepted the path: weight never leaves the speaker; toward eBGP our
// AS is prepended and LOCAL_PREF and the reflection attributes (RFC 4456) removed; toward
// iBGP a missing LOCAL_PREF becomes the default 100.
void finish_export(PathAttributes& attributes, const ExportContext& neighbor);

}  // namespace bgpemu::bgp
