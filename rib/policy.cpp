#include "rib/policy.hpp"

#include <algorithm>

namespace bgpemu::rib {

namespace {

unsigned max_length(bgp::Afi afi) noexcept { return afi == bgp::Afi::ipv4 ? 32 : 128; }

bool holds_all(const std::vector<std::uint32_t>& have, const std::vector<std::uint32_t>& wanted) noexcept {
    for (const auto value : wanted)
        if (std::find(have.begin(), have.end(), value) == have.end()) return false;
    return true;
}

template <typename T>
void erase_all_of(std::vector<T>& values, const std::vector<T>& unwanted) {
    values.erase(std::remove_if(values.begin(), values.end(),
                                [&](const T& v) { return std::find(unwanted.begin(), unwanted.end(), v) != unwanted.end(); }),
                 values.end());
}

template <typename T>
void add_sorted_unique(std::vector<T>& values, const std::vector<T>& added) {
    values.insert(values.end(), added.begin(), added.end());
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
}

}  // namespace

// ---- Lists ---------------------------------------------------------------------------------

bool PrefixListEntry::matches(const bgp::Prefix& candidate) const noexcept {
    if (candidate.afi() != prefix.afi() || !prefix.contains(candidate)) return false;
    const unsigned length = candidate.length();
    if (ge == 0 && le == 0) return length == prefix.length();
    const unsigned low = ge != 0 ? ge : prefix.length();
    const unsigned high = le != 0 ? le : max_length(prefix.afi());
    return length >= low && length <= high;
}

bool PrefixList::permits(const bgp::Prefix& candidate) const noexcept {
    for (const auto& entry : entries)
        if (entry.matches(candidate)) return entry.action == PolicyAction::permit;
    return false;
}

std::regex compile_as_path_regex(const std::string& text) {
    // `_` is FRR's and Cisco's "any delimiter": the start or end of the path, or one of
    // the characters that separate ASNs in the path's text.
    std::string pattern;
    pattern.reserve(text.size() + 16);
    for (const char c : text) {
        if (c == '_')
            pattern += "(?:^|$|[ ,{}()])";
        else
            pattern += c;
    }
    return std::regex(pattern, std::regex::ECMAScript | std::regex::optimize);
}

bool AsPathListEntry::matches(const bgp::AsPath& path, const std::string& path_text) const {
    switch (kind) {
        case Kind::regex: return std::regex_search(path_text, regex);
        case Kind::contains: return path.contains(value);
        case Kind::originates_from: return path.origin_as() == value;
        case Kind::length_at_most: return path.decision_length() <= value;
        case Kind::length_at_least: return path.decision_length() >= value;
    }
    return false;
}

bool AsPathList::permits(const bgp::AsPath& path) const {
    const std::string text = path.to_string();
    for (const auto& entry : entries)
        if (entry.matches(path, text)) return entry.action == PolicyAction::permit;
    return false;
}

bool CommunityList::permits(const std::vector<std::uint32_t>& communities) const noexcept {
    for (const auto& entry : entries)
        if (holds_all(communities, entry.communities)) return entry.action == PolicyAction::permit;
    return false;
}

bool LargeCommunityList::permits(const std::vector<bgp::LargeCommunity>& communities) const noexcept {
    for (const auto& entry : entries) {
        const bool all = std::all_of(entry.communities.begin(), entry.communities.end(), [&](const auto& wanted) {
            return std::find(communities.begin(), communities.end(), wanted) != communities.end();
        });
        if (all) return entry.action == PolicyAction::permit;
    }
    return false;
}

bool ExtendedCommunityList::permits(const std::vector<std::uint64_t>& communities) const noexcept {
    for (const auto& entry : entries) {
        const bool all = std::all_of(entry.communities.begin(), entry.communities.end(), [&](std::uint64_t wanted) {
            return std::find(communities.begin(), communities.end(), wanted) != communities.end();
        });
        if (all) return entry.action == PolicyAction::permit;
    }
    return false;
}

bool ExtendedCommunityList::permits_deleting(std::uint64_t community) const noexcept {
    return std::any_of(entries.begin(), entries.end(), [&](const ExtendedCommunityListEntry& entry) {
        return entry.action == PolicyAction::permit &&
               std::find(entry.communities.begin(), entry.communities.end(), community) != entry.communities.end();
    });
}

// ---- Route maps ------------------------------------------------------------------------------

bool RouteMapMatch::matches(const PolicyRoute& route) const {
    const auto& a = route.attributes;
    if (prefix_list && !prefix_list->permits(route.prefix)) return false;
    if (next_hop) {
        const auto& hop = route.prefix.afi() == bgp::Afi::ipv4 ? a.next_hop : a.mp_next_hop;
        if (!hop || !next_hop->permits(bgp::Prefix::make(*hop, max_length(hop->afi())))) return false;
    }
    if (as_path && !as_path->permits(a.as_path)) return false;
    if (community && !community->permits(a.communities)) return false;
    if (large_community && !large_community->permits(a.large_communities)) return false;
    if (extended_community && !extended_community->permits(a.extended_communities)) return false;
    if (neighbor && *neighbor != route.neighbor) return false;
    if (source && *source != route.source) return false;
    if (med && a.med != med) return false;
    if (local_pref && a.local_pref.value_or(100) != *local_pref) return false;
    if (origin && a.origin != origin) return false;
    return true;
}

void RouteMapSet::apply(bgp::PathAttributes& a) const {
    if (weight) a.weight = weight;
    if (local_pref) a.local_pref = local_pref;
    if (med) a.med = med;
    if (origin) a.origin = origin;
    if (next_hop) {
        if (next_hop->is_v4()) {
            if (a.next_hop) a.next_hop = next_hop;
        } else if (a.mp_next_hop) {
            a.mp_next_hop = next_hop;
            a.mp_next_hop_link_local.reset();
        }
    }
    if (!as_path_exclude.empty()) {
        auto& segments = a.as_path.mutable_segments();
        for (auto& segment : segments) erase_all_of(segment.asns, as_path_exclude);
        segments.erase(std::remove_if(segments.begin(), segments.end(), [](const auto& s) { return s.asns.empty(); }),
                       segments.end());
    }
    for (auto it = as_path_prepend.rbegin(); it != as_path_prepend.rend(); ++it) a.as_path.prepend(*it);
    if (!as_path_prepend.empty()) a.has_as_path = true;
    if (communities_replace) a.communities.clear();
    erase_all_of(a.communities, communities_delete);
    if (!communities_add.empty()) add_sorted_unique(a.communities, communities_add);
    if (large_communities_replace) a.large_communities.clear();
    erase_all_of(a.large_communities, large_communities_delete);
    if (!large_communities_add.empty()) add_sorted_unique(a.large_communities, large_communities_add);
    auto& extended = a.extended_communities;
    if (extended_communities_replace) extended.clear();
    erase_all_of(extended, extended_communities_delete);
    if (extended_communities_delete_list) {
        const auto* list = extended_communities_delete_list;
        extended.erase(std::remove_if(extended.begin(), extended.end(),
                                      [&](std::uint64_t c) { return list->permits_deleting(c); }),
                       extended.end());
    }
    if (!extended_communities_add.empty()) add_sorted_unique(extended, extended_communities_add);
}

bool RouteMap::apply(PolicyRoute& route) const {
    bool permitted = false;  // a permit entry matched and said to go on
    for (std::size_t i = 0; i < entries.size();) {
        const auto& entry = entries[i];
        if (!entry.match.matches(route)) {
            ++i;
            continue;
        }
        if (entry.action == PolicyAction::deny) return false;
        entry.set.apply(route.attributes);
        permitted = true;
        switch (entry.on_match) {
            case RouteMapEntry::OnMatch::exit: return true;
            case RouteMapEntry::OnMatch::next: ++i; break;
            case RouteMapEntry::OnMatch::go_to: {
                // Only forward (the configuration checks it), so the walk always ends.
                const auto target = std::find_if(entries.begin() + static_cast<std::ptrdiff_t>(i) + 1, entries.end(),
                                                 [&](const RouteMapEntry& e) { return e.sequence >= entry.goto_sequence; });
                i = static_cast<std::size_t>(target - entries.begin());
                break;
            }
        }
    }
    return permitted;
}

bool RouteMap::depends_on_prefix() const noexcept {
    return std::any_of(entries.begin(), entries.end(), [](const RouteMapEntry& e) { return e.match.prefix_list; });
}

// ---- Scopes ---------------------------------------------------------------------------------

template <typename T>
const T* PolicySet::find(const Named<T> PolicySet::*member, std::string_view name) const {
    const auto& named = this->*member;
    if (const auto it = named.find(name); it != named.end()) return &it->second;
    return parent_ ? parent_->find(member, name) : nullptr;
}

const PrefixList* PolicySet::prefix_list(std::string_view name) const { return find(&PolicySet::prefix_lists, name); }
const AsPathList* PolicySet::as_path_list(std::string_view name) const { return find(&PolicySet::as_path_lists, name); }
const CommunityList* PolicySet::community_list(std::string_view name) const {
    return find(&PolicySet::community_lists, name);
}
const LargeCommunityList* PolicySet::large_community_list(std::string_view name) const {
    return find(&PolicySet::large_community_lists, name);
}
const ExtendedCommunityList* PolicySet::extended_community_list(std::string_view name) const {
    return find(&PolicySet::extended_community_lists, name);
}
const RouteMap* PolicySet::route_map(std::string_view name) const { return find(&PolicySet::route_maps, name); }

// ---- AS-path rewriting ------------------------------------------------------------------------

bool is_private_as(std::uint32_t asn) noexcept {
    return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000U && asn <= 4294967294U);
}

void remove_private_as(bgp::AsPath& path, RemovePrivateAs mode, std::uint32_t peer_as) {
    if (mode == RemovePrivateAs::no) return;
    auto& segments = path.mutable_segments();
    if (mode == RemovePrivateAs::yes) {
        // Cisco: only a path made of private ASNs alone is stripped, and never one that
        // holds the peer's own AS (stripping it would hide a loop from the peer).
        for (const auto& segment : segments)
            for (const auto asn : segment.asns)
                if (!is_private_as(asn) || asn == peer_as) return;
    }
    for (auto& segment : segments)
        segment.asns.erase(std::remove_if(segment.asns.begin(), segment.asns.end(), is_private_as), segment.asns.end());
    segments.erase(std::remove_if(segments.begin(), segments.end(), [](const auto& s) { return s.asns.empty(); }),
                   segments.end());
}

void override_as(bgp::AsPath& path, std::uint32_t peer_as, std::uint32_t local_as) {
    for (auto& segment : path.mutable_segments())
        std::replace(segment.asns.begin(), segment.asns.end(), peer_as, local_as);
}

}  // namespace bgpemu::rib
