// Routing policy as data: prefix lists, AS-path lists, community lists and route maps,
// with the semantics FRR and Cisco IOS give them, evaluated against one route at a time.
//
// A PolicySet holds the named objects of one scope (the file's top level, or one
// speaker, whose set falls back to the top level's). Route maps refer to the lists they
// match on by pointer, resolved once when the configuration is read, so evaluating a
// route never looks a name up. Nothing here knows about sessions or sockets: the
// speaker hands a route (prefix, attributes, where it comes from or goes to) to
// RouteMap::apply and gets back permit or deny with the attributes rewritten.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/wire/attributes.hpp"
#include "bgp/wire/ip.hpp"

namespace bgpemu::rib {

enum class PolicyAction : std::uint8_t { permit, deny };

// ---- Prefix lists ----------------------------------------------------------------------

// `prefix` with optional ge/le, as FRR's `ip prefix-list`: without either, only the
// prefix itself matches; with them, any more-specific (or equal) prefix whose length is
// in [ge or the prefix's length, le or the family's maximum].
struct PrefixListEntry {
    std::uint32_t sequence = 0;
    PolicyAction action = PolicyAction::permit;
    bgp::Prefix prefix;
    std::uint8_t ge = 0;  // 0: not given
    std::uint8_t le = 0;  // 0: not given

    [[nodiscard]] bool matches(const bgp::Prefix& candidate) const noexcept;
};

struct PrefixList {
    std::string name;
    std::vector<PrefixListEntry> entries;  // by sequence

    // The action of the first entry that matches; deny when none does (implicit deny).
    [[nodiscard]] bool permits(const bgp::Prefix& candidate) const noexcept;
};

// ---- AS-path lists ---------------------------------------------------------------------

// One line of an AS-path list: a regular expression over the path's text
// ("65001 65002 {65003,65004}"), where `_` stands for a boundary (start, end, space,
// comma, brace or parenthesis) as in FRR and Cisco; or one of the simple matches.
struct AsPathListEntry {
    enum class Kind : std::uint8_t { regex, contains, originates_from, length_at_most, length_at_least };
    PolicyAction action = PolicyAction::permit;
    Kind kind = Kind::regex;
    std::string text;      // the regex as written, for messages
    std::regex regex;      // compiled, for Kind::regex
    std::uint32_t value = 0;

    [[nodiscard]] bool matches(const bgp::AsPath& path, const std::string& path_text) const;
};

struct AsPathList {
    std::string name;
    std::vector<AsPathListEntry> entries;

    [[nodiscard]] bool permits(const bgp::AsPath& path) const;
};

// Turns an FRR/Cisco AS-path regex into a std::regex (ECMAScript); throws std::regex_error.
[[nodiscard]] std::regex compile_as_path_regex(const std::string& text);

// ---- Community lists -------------------------------------------------------------------

// A standard community list: an entry matches when the route carries every community
// it names.
struct CommunityListEntry {
    PolicyAction action = PolicyAction::permit;
    std::vector<std::uint32_t> communities;
};
struct CommunityList {
    std::string name;
    std::vector<CommunityListEntry> entries;
    [[nodiscard]] bool permits(const std::vector<std::uint32_t>& communities) const noexcept;
};

struct LargeCommunityListEntry {
    PolicyAction action = PolicyAction::permit;
    std::vector<bgp::LargeCommunity> communities;
};
struct LargeCommunityList {
    std::string name;
    std::vector<LargeCommunityListEntry> entries;
    [[nodiscard]] bool permits(const std::vector<bgp::LargeCommunity>& communities) const noexcept;
};

// An extended-community list (FRR's `bgp extcommunity-list standard`): an entry matches
// when the route carries every extended community it names (route targets, route
// origins, as bgp/wire/attribute_text.hpp writes them), compared as their 8 octets.
struct ExtendedCommunityListEntry {
    PolicyAction action = PolicyAction::permit;
    std::vector<std::uint64_t> communities;
};
struct ExtendedCommunityList {
    std::string name;
    std::vector<ExtendedCommunityListEntry> entries;
    [[nodiscard]] bool permits(const std::vector<std::uint64_t>& communities) const noexcept;
    // Whether a permit entry names `community`: what `delete_list` removes (FRR's
    // `set extended-comm-list NAME delete`).
    [[nodiscard]] bool permits_deleting(std::uint64_t community) const noexcept;
};

// ---- Route maps ------------------------------------------------------------------------

// Where the route comes from: a neighbour in another AS, one in ours, or this speaker.
enum class RouteSource : std::uint8_t { ebgp, ibgp, local };

// The route a route map looks at. `attributes` is rewritten by the set clauses.
struct PolicyRoute {
    const bgp::Prefix& prefix;
    bgp::PathAttributes& attributes;
    RouteSource source = RouteSource::ebgp;
    std::string_view neighbor;  // import: the sender; export: the receiver
};

struct RouteMapMatch {
    const PrefixList* prefix_list = nullptr;
    const PrefixList* next_hop = nullptr;  // a prefix list over the next hop (as a host prefix)
    const AsPathList* as_path = nullptr;
    const CommunityList* community = nullptr;
    const LargeCommunityList* large_community = nullptr;
    const ExtendedCommunityList* extended_community = nullptr;
    std::optional<std::string> neighbor;
    std::optional<RouteSource> source;
    std::optional<std::uint32_t> med;
    std::optional<std::uint32_t> local_pref;
    std::optional<bgp::Origin> origin;

    [[nodiscard]] bool matches(const PolicyRoute& route) const;
};

struct RouteMapSet {
    std::optional<std::uint32_t> weight;  // local to the speaker: meaningful on import (and networks)
    std::optional<std::uint32_t> local_pref;
    std::optional<std::uint32_t> med;
    std::optional<bgp::Origin> origin;
    std::optional<bgp::IpAddress> next_hop;
    std::vector<std::uint32_t> as_path_prepend;  // prepended in this order: [a, b] gives "a b ..."
    std::vector<std::uint32_t> as_path_exclude;  // every occurrence removed
    bool communities_replace = false;            // replace by communities_add (empty: none)
    std::vector<std::uint32_t> communities_add;
    std::vector<std::uint32_t> communities_delete;
    bool large_communities_replace = false;
    std::vector<bgp::LargeCommunity> large_communities_add;
    std::vector<bgp::LargeCommunity> large_communities_delete;
    bool extended_communities_replace = false;
    std::vector<std::uint64_t> extended_communities_add;
    std::vector<std::uint64_t> extended_communities_delete;
    const ExtendedCommunityList* extended_communities_delete_list = nullptr;

    void apply(bgp::PathAttributes& attributes) const;
};

struct RouteMapEntry {
    std::uint32_t sequence = 0;
    PolicyAction action = PolicyAction::permit;
    RouteMapMatch match;
    RouteMapSet set;
    // After a matching permit entry: stop (the default), go on with the next entry
    // (`on_match: next`), or with the entry of sequence `goto_sequence` (`on_match: goto N`).
    enum class OnMatch : std::uint8_t { exit, next, go_to } on_match = OnMatch::exit;
    std::uint32_t goto_sequence = 0;
};

struct RouteMap {
    std::string name;
    std::vector<RouteMapEntry> entries;  // by sequence

    // Runs the entries in order: the first deny that matches denies; a matching permit
    // applies its set clauses and permits (or goes on, with on_match); no match at all
    // denies (the implicit deny at the end), unless an earlier permit already matched.
    [[nodiscard]] bool apply(PolicyRoute& route) const;
    // Whether the outcome can differ between prefixes with equal attributes (a prefix
    // list is matched): when not, callers may cache results per attribute set.
    [[nodiscard]] bool depends_on_prefix() const noexcept;
};

// ---- One scope of named objects ------------------------------------------------------------

class PolicySet {
public:
    explicit PolicySet(std::shared_ptr<const PolicySet> parent = nullptr) : parent_(std::move(parent)) {}

    // Lookups fall back to the parent scope. nullptr when the name is not defined.
    [[nodiscard]] const PrefixList* prefix_list(std::string_view name) const;
    [[nodiscard]] const AsPathList* as_path_list(std::string_view name) const;
    [[nodiscard]] const CommunityList* community_list(std::string_view name) const;
    [[nodiscard]] const LargeCommunityList* large_community_list(std::string_view name) const;
    [[nodiscard]] const ExtendedCommunityList* extended_community_list(std::string_view name) const;
    [[nodiscard]] const RouteMap* route_map(std::string_view name) const;

    // Definitions (std::map keeps addresses stable for the pointers route maps hold).
    template <typename T>
    using Named = std::map<std::string, T, std::less<>>;
    Named<PrefixList> prefix_lists;
    Named<AsPathList> as_path_lists;
    Named<CommunityList> community_lists;
    Named<LargeCommunityList> large_community_lists;
    Named<ExtendedCommunityList> extended_community_lists;
    Named<RouteMap> route_maps;

private:
    // `name` in this scope's map `member`, else in the parent scope's.
    template <typename T>
    [[nodiscard]] const T* find(const Named<T> PolicySet::*member, std::string_view name) const;

    std::shared_ptr<const PolicySet> parent_;
};

// ---- Per-neighbour AS-path rewriting -----------------------------------------------------------

// Private ASNs: 64512-65534 and 4200000000-4294967294 (RFC 6996).
[[nodiscard]] bool is_private_as(std::uint32_t asn) noexcept;

enum class RemovePrivateAs : std::uint8_t { no, yes, all };

// Cisco's remove-private-as, applied before our own AS is prepended for an eBGP peer
// whose AS is `peer_as`. `yes`: strip the private ASNs only when the path holds nothing
// else, and never when it holds the peer's AS. `all`: strip every private ASN whatever
// else the path holds.
void remove_private_as(bgp::AsPath& path, RemovePrivateAs mode, std::uint32_t peer_as);

// as-override: every occurrence of the peer's AS becomes ours, so a customer that uses
// one AS at several sites accepts its own routes back (what the MSEEs do for gateways).
void override_as(bgp::AsPath& path, std::uint32_t peer_as, std::uint32_t local_as);

}  // namespace bgpemu::rib
