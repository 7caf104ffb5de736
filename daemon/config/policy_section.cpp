// The `policy:` sections: prefix lists, AS-path lists, community, large-community and
// extended-community lists, and route maps (FRR's names and semantics), read into a
// rib::PolicySet.
#include <algorithm>
#include <regex>

#include "bgp/wire/attribute_text.hpp"
#include "daemon/config/sections.hpp"

namespace bgpemu::daemon::detail {

namespace {

using Sequences = std::set<std::uint32_t>;

// What every entry reader carries beside what it fills: the entry (for positions), its
// name in messages ("KIND 'NAME' entry N"), and the sequences its list has used.
struct EntryRead {
    YAML::Node entry{};
    std::string where{};
    Sequences* used = nullptr;
    std::uint32_t sequence = 0;
    std::optional<rib::PolicyAction> action{};
};

// ---- rows every kind of entry shares ----

template <typename Entry>
void read_entry_action(Reader& reader, const YAML::Node& value, Entry& read) {
    auto text = reader.string(value, "action");
    if (!text) return;
    if (*text == "permit") read.action = rib::PolicyAction::permit;
    else if (*text == "deny") read.action = rib::PolicyAction::deny;
    else reader.error(value, read.where + ": action must be permit or deny, not '" + *text + "'");
}

template <typename Entry>
void entry_action_missing(Reader& reader, const YAML::Node& entry, Entry& read) {
    reader.error(entry, read.where + " needs an 'action' (permit or deny)");
}

// `seq` (default: 5 more than the previous entry's, as FRR numbers them); sequences are
// unique in a list.
void claim_sequence(Reader& reader, EntryRead& read, std::optional<std::uint64_t> given) {
    read.sequence = given ? static_cast<std::uint32_t>(*given) : read.used->empty() ? 5 : *read.used->rbegin() + 5;
    if (!read.used->insert(read.sequence).second)
        reader.error(read.entry, read.where + ": sequence " + std::to_string(read.sequence) + " is used twice");
}

template <typename Entry>
void read_entry_sequence(Reader& reader, const YAML::Node& value, Entry& read) {
    claim_sequence(reader, read, reader.unsigned_integer(value, read.where + " seq", 1, 4294967295ULL));
}

template <typename Entry>
void default_entry_sequence(Reader& reader, const YAML::Node&, Entry& read) {
    claim_sequence(reader, read, std::nullopt);
}

// Calls `read(entry_node, where)` for each entry of the list `node` named `name`.
template <typename ReadEntry>
void for_each_entry(Reader& reader, const YAML::Node& node, std::string_view kind, const std::string& name,
                    const ReadEntry& read) {
    if (!node.IsSequence()) {
        reader.error(node, std::string(kind) + " '" + name + "' must be a list of entries");
        return;
    }
    std::size_t position = 0;
    for (const auto& entry : node) {
        ++position;
        const std::string where = std::string(kind) + " '" + name + "' entry " + std::to_string(position);
        if (reader.is_map(entry, where)) read(entry, where);
    }
}

template <typename T>
void sort_by_sequence(std::vector<T>& entries) {
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.sequence < b.sequence; });
}

// ---- prefix lists ----

struct PrefixListEntryRead : EntryRead {
    std::optional<bgp::Prefix> prefix{};
    rib::PrefixListEntry e{};
};

unsigned max_length(const bgp::Prefix& prefix) { return prefix.afi() == bgp::Afi::ipv4 ? 32 : 128; }

constexpr Key<PrefixListEntryRead> prefix_list_entry_keys[] = {
    {"seq", read_entry_sequence<PrefixListEntryRead>, default_entry_sequence<PrefixListEntryRead>},
    {"action", read_entry_action<PrefixListEntryRead>, entry_action_missing<PrefixListEntryRead>},
    {"prefix",
     [](Reader& r, const YAML::Node& v, PrefixListEntryRead& x) { x.prefix = r.prefix(v, x.where + " prefix"); },
     [](Reader& r, const YAML::Node& entry, PrefixListEntryRead& x) { r.error(entry, x.where + " needs a 'prefix'"); }},
    {"ge",
     [](Reader& r, const YAML::Node& v, PrefixListEntryRead& x) {
         if (!x.prefix) return;
         if (auto value = r.unsigned_integer(v, x.where + " ge", x.prefix->length() + 1, max_length(*x.prefix)))
             x.e.ge = static_cast<std::uint8_t>(*value);
     }},
    {"le",
     [](Reader& r, const YAML::Node& v, PrefixListEntryRead& x) {
         if (!x.prefix) return;
         if (auto value = r.unsigned_integer(v, x.where + " le", std::max<unsigned>(x.prefix->length(), x.e.ge),
                                             max_length(*x.prefix)))
             x.e.le = static_cast<std::uint8_t>(*value);
     }},
};

void read_prefix_list(Reader& reader, const std::string& name, const YAML::Node& node, rib::PolicySet& set) {
    rib::PrefixList list{name, {}};
    Sequences used;
    for_each_entry(reader, node, "prefix list", name, [&](const YAML::Node& entry, const std::string& where) {
        PrefixListEntryRead read{{entry, where, &used}};
        read_section(reader, entry, prefix_list_entry_keys, where, read);
        if (!read.action || !read.prefix) return;
        read.e.sequence = read.sequence;
        read.e.action = *read.action;
        read.e.prefix = *read.prefix;
        list.entries.push_back(read.e);
    });
    sort_by_sequence(list.entries);
    set.prefix_lists[name] = std::move(list);
}

// ---- AS-path lists ----

struct AsPathListEntryRead : EntryRead {
    rib::AsPathListEntry e{};
    int kinds = 0;  // how many of regex, contains, origin, length_max, length_min
    bool failed = false;
};

using AsPathKind = rib::AsPathListEntry::Kind;

void read_as_path_number(Reader& reader, const YAML::Node& value, AsPathListEntryRead& read, const char* key,
                         AsPathKind kind, std::uint64_t min, std::uint64_t max) {
    ++read.kinds;
    read.e.kind = kind;
    if (auto number = reader.unsigned_integer(value, read.where + " " + key, min, max))
        read.e.value = static_cast<std::uint32_t>(*number);
}

constexpr Key<AsPathListEntryRead> as_path_entry_keys[] = {
    {"action", read_entry_action<AsPathListEntryRead>, entry_action_missing<AsPathListEntryRead>},
    {"regex",
     [](Reader& r, const YAML::Node& v, AsPathListEntryRead& x) {
         ++x.kinds;
         auto text = r.string(v, x.where + " regex");
         if (!text) return;
         x.e.kind = AsPathKind::regex;
         x.e.text = *text;
         try {
             x.e.regex = rib::compile_as_path_regex(*text);
         } catch (const std::regex_error& error) {
             r.error(v, x.where + ": regex '" + *text + "' does not compile: " + error.what());
             x.failed = true;
         }
     }},
    {"contains",
     [](Reader& r, const YAML::Node& v, AsPathListEntryRead& x) {
         read_as_path_number(r, v, x, "contains", AsPathKind::contains, 1, max_asn);
     }},
    {"origin",
     [](Reader& r, const YAML::Node& v, AsPathListEntryRead& x) {
         read_as_path_number(r, v, x, "origin", AsPathKind::originates_from, 1, max_asn);
     }},
    {"length_max",
     [](Reader& r, const YAML::Node& v, AsPathListEntryRead& x) {
         read_as_path_number(r, v, x, "length_max", AsPathKind::length_at_most, 0, 1000);
     }},
    {"length_min",
     [](Reader& r, const YAML::Node& v, AsPathListEntryRead& x) {
         read_as_path_number(r, v, x, "length_min", AsPathKind::length_at_least, 0, 1000);
     }},
};

void read_as_path_list(Reader& reader, const std::string& name, const YAML::Node& node, rib::PolicySet& set) {
    rib::AsPathList list{name, {}};
    for_each_entry(reader, node, "AS-path list", name, [&](const YAML::Node& entry, const std::string& where) {
        AsPathListEntryRead read{{entry, where}};
        read_section(reader, entry, as_path_entry_keys, where, read);
        if (read.failed) return;
        if (read.kinds != 1) {
            reader.error(entry, where + " needs exactly one of regex, contains, origin, length_max, length_min");
            return;
        }
        if (!read.action) return;
        read.e.action = *read.action;
        list.entries.push_back(std::move(read.e));
    });
    set.as_path_lists[name] = std::move(list);
}

// ---- community, large-community and extended-community lists ----

std::optional<std::uint64_t> read_extended_community(Reader& reader, const YAML::Node& node) {
    auto text = reader.string(node, "extended community");
    if (!text) return std::nullopt;
    if (auto value = bgp::parse_extended_community(*text)) return value;
    reader.error(node, "extended community '" + *text +
                           "' must be rt:ASN:NN or soo:ASN:NN (ASN up to 65535 with NN up to 4294967295, or a larger "
                           "ASN with NN up to 65535), rt:IPV4:NN or soo:IPV4:NN (NN up to 65535), or 0x and 16 hex digits");
    return std::nullopt;
}

// The three kinds of community list: the list, the key of an entry's values, a value.
struct Communities {
    using List = rib::CommunityList;
    static constexpr const char* kind = "community list";
    static constexpr const char* key = "communities";
    static std::optional<std::uint32_t> read(Reader& reader, const YAML::Node& node) { return reader.community(node); }
};
struct LargeCommunities {
    using List = rib::LargeCommunityList;
    static constexpr const char* kind = "large community list";
    static constexpr const char* key = "large_communities";
    static std::optional<bgp::LargeCommunity> read(Reader& reader, const YAML::Node& node) {
        return reader.large_community(node);
    }
};
struct ExtendedCommunities {
    using List = rib::ExtendedCommunityList;
    static constexpr const char* kind = "extended community list";
    static constexpr const char* key = "extended_communities";
    static std::optional<std::uint64_t> read(Reader& reader, const YAML::Node& node) {
        return read_extended_community(reader, node);
    }
};

// Each entry an action and the (non-empty) list of values under the kind's key, all of
// which a route must carry.
template <typename Kind>
struct CommunityEntryRead : EntryRead {
    typename decltype(Kind::List::entries)::value_type e{};
    bool has_values = false;  // an entry without values would match every route
};

template <typename Kind>
void community_values_missing(Reader& reader, const YAML::Node&, CommunityEntryRead<Kind>& read) {
    reader.error(read.entry, read.where + " needs '" + Kind::key + "': a non-empty list");
}

template <typename Kind>
void read_community_values(Reader& reader, const YAML::Node& values, CommunityEntryRead<Kind>& read) {
    if (!values.IsSequence() || values.size() == 0) return community_values_missing(reader, values, read);
    read.has_values = true;
    for (const auto& item : values)
        if (auto value = Kind::read(reader, item)) read.e.communities.push_back(*value);
}

template <typename Kind>
constexpr Key<CommunityEntryRead<Kind>> community_entry_keys[] = {
    {"action", read_entry_action<CommunityEntryRead<Kind>>, entry_action_missing<CommunityEntryRead<Kind>>},
    {Kind::key, read_community_values<Kind>, community_values_missing<Kind>},
};

template <typename Kind>
typename Kind::List read_community_list(Reader& reader, const std::string& name, const YAML::Node& node) {
    typename Kind::List list{name, {}};
    for_each_entry(reader, node, Kind::kind, name, [&](const YAML::Node& entry, const std::string& where) {
        CommunityEntryRead<Kind> read{{entry, where}};
        read_section(reader, entry, community_entry_keys<Kind>, where, read);
        if (!read.action || !read.has_values) return;
        read.e.action = *read.action;
        list.entries.push_back(std::move(read.e));
    });
    return list;
}

// ---- route maps ----

std::vector<std::uint32_t> read_asn_list(Reader& reader, const YAML::Node& node, const std::string& what) {
    std::vector<std::uint32_t> asns;
    if (node.IsScalar()) {
        if (auto value = reader.unsigned_integer(node, what, 1, max_asn)) asns.push_back(static_cast<std::uint32_t>(*value));
    } else if (node.IsSequence()) {
        for (const auto& item : node)
            if (auto value = reader.unsigned_integer(item, what, 1, max_asn)) asns.push_back(static_cast<std::uint32_t>(*value));
    } else {
        reader.error(node, what + " must be an ASN or a list of ASNs");
    }
    return asns;
}

std::optional<rib::RouteSource> read_route_source(Reader& reader, const YAML::Node& node, const std::string& what) {
    auto text = reader.string(node, what);
    if (!text) return std::nullopt;
    if (*text == "ebgp") return rib::RouteSource::ebgp;
    if (*text == "ibgp") return rib::RouteSource::ibgp;
    if (*text == "local") return rib::RouteSource::local;
    reader.error(node, what + " must be ebgp, ibgp or local, not '" + *text + "'");
    return std::nullopt;
}

std::optional<std::uint32_t> read_u32(Reader& reader, const YAML::Node& node, const std::string& what) {
    if (auto value = reader.unsigned_integer(node, what, 0, 0xffffffffULL)) return static_cast<std::uint32_t>(*value);
    return std::nullopt;
}

std::optional<bgp::Origin> read_origin(Reader& reader, const YAML::Node& node, const std::string& what) {
    auto text = reader.string(node, what);
    if (!text) return std::nullopt;
    auto origin = bgp::parse_origin(*text);
    if (!origin) reader.error(node, what + " must be igp, egp or incomplete");
    return origin;
}

// A route-map entry's `match:`, resolved against the policy set it is read into.
struct MatchRead {
    rib::RouteMapMatch& m;
    std::string where{};  // "route map 'NAME' entry N match"
    const rib::PolicySet& set;
};

template <typename T>
const T* resolve_match(Reader& reader, const YAML::Node& value, MatchRead& read, const char* key, std::string_view kind,
                       const T* (rib::PolicySet::*lookup)(std::string_view) const) {
    return resolve(reader, value, read.where + " " + key, kind, lookup, read.set);
}

constexpr Key<MatchRead> match_keys[] = {
    {"prefix_list",
     [](Reader& r, const YAML::Node& v, MatchRead& x) {
         x.m.prefix_list = resolve_match(r, v, x, "prefix_list", "prefix list", &rib::PolicySet::prefix_list);
     }},
    {"next_hop_prefix_list",
     [](Reader& r, const YAML::Node& v, MatchRead& x) {
         x.m.next_hop = resolve_match(r, v, x, "next_hop_prefix_list", "prefix list", &rib::PolicySet::prefix_list);
     }},
    {"as_path",
     [](Reader& r, const YAML::Node& v, MatchRead& x) {
         x.m.as_path = resolve_match(r, v, x, "as_path", "AS-path list", &rib::PolicySet::as_path_list);
     }},
    {"community",
     [](Reader& r, const YAML::Node& v, MatchRead& x) {
         x.m.community = resolve_match(r, v, x, "community", "community list", &rib::PolicySet::community_list);
     }},
    {"large_community",
     [](Reader& r, const YAML::Node& v, MatchRead& x) {
         x.m.large_community = resolve_match(r, v, x, "large_community", "large community list",
                                             &rib::PolicySet::large_community_list);
     }},
    {"extended_community",
     [](Reader& r, const YAML::Node& v, MatchRead& x) {
         x.m.extended_community = resolve_match(r, v, x, "extended_community", "extended community list",
                                                &rib::PolicySet::extended_community_list);
     }},
    {"neighbor", [](Reader& r, const YAML::Node& v, MatchRead& x) { x.m.neighbor = r.string(v, x.where + " neighbor"); }},
    {"source",
     [](Reader& r, const YAML::Node& v, MatchRead& x) { x.m.source = read_route_source(r, v, x.where + " source"); }},
    {"med", [](Reader& r, const YAML::Node& v, MatchRead& x) { x.m.med = read_u32(r, v, x.where + " med"); }},
    {"local_pref",
     [](Reader& r, const YAML::Node& v, MatchRead& x) { x.m.local_pref = read_u32(r, v, x.where + " local_pref"); }},
    {"origin", [](Reader& r, const YAML::Node& v, MatchRead& x) { x.m.origin = read_origin(r, v, x.where + " origin"); }},
};

// `{add: [...], delete: [...], replace: [...]}` for communities, large communities or
// extended communities (which also take `delete_list`, an extended community list).
template <typename T>
struct CommunityChangeRead {
    std::string what{};  // "route map 'NAME' entry N set communities"
    bool& replace;
    std::vector<T>& add;
    std::vector<T>& remove;
    std::optional<T> (*read_one)(Reader&, const YAML::Node&);
    const rib::PolicySet* set = nullptr;
    const rib::ExtendedCommunityList** delete_list = nullptr;
};

template <typename T>
void read_change_values(Reader& reader, const YAML::Node& values, CommunityChangeRead<T>& read, const char* key,
                        std::vector<T>& out) {
    if (!values.IsSequence()) {
        reader.error(values, read.what + " " + key + " must be a list");
        return;
    }
    for (const auto& item : values)
        if (auto value = read.read_one(reader, item)) out.push_back(*value);
}

template <typename T>
constexpr Key<CommunityChangeRead<T>> change_replace{
    "replace", [](Reader& r, const YAML::Node& v, CommunityChangeRead<T>& x) {
        x.replace = true;
        read_change_values(r, v, x, "replace", x.add);
    }};
template <typename T>
constexpr Key<CommunityChangeRead<T>> change_add{
    "add", [](Reader& r, const YAML::Node& v, CommunityChangeRead<T>& x) { read_change_values(r, v, x, "add", x.add); }};
template <typename T>
constexpr Key<CommunityChangeRead<T>> change_delete{
    "delete",
    [](Reader& r, const YAML::Node& v, CommunityChangeRead<T>& x) { read_change_values(r, v, x, "delete", x.remove); }};

template <typename T>
constexpr Key<CommunityChangeRead<T>> community_change_keys[] = {change_replace<T>, change_add<T>, change_delete<T>};
constexpr Key<CommunityChangeRead<std::uint64_t>> extended_community_change_keys[] = {
    change_replace<std::uint64_t>,
    change_add<std::uint64_t>,
    change_delete<std::uint64_t>,
    {"delete_list",
     [](Reader& r, const YAML::Node& v, CommunityChangeRead<std::uint64_t>& x) {
         *x.delete_list = resolve(r, v, x.what + " delete_list", "extended community list",
                                  &rib::PolicySet::extended_community_list, *x.set);
     }},
};

template <typename T, std::size_t N>
void read_community_change(Reader& reader, const YAML::Node& node, CommunityChangeRead<T> read,
                           const Key<CommunityChangeRead<T>> (&table)[N]) {
    if (!reader.is_map(node, read.what)) return;
    if (node["replace"] && node["add"]) reader.error(node, read.what + ": give 'replace' or 'add', not both");
    read_section(reader, node, table, read.what, read);
}

// A route-map entry's `set:`.
struct SetRead {
    rib::RouteMapSet& x;
    std::string where{};  // "route map 'NAME' entry N set"
    const rib::PolicySet& set;
};

constexpr Key<SetRead> set_keys[] = {
    // Cisco's range, and the neighbour's `weight`; FRR allows 32 bits.
    {"weight",
     [](Reader& r, const YAML::Node& v, SetRead& s) {
         if (auto value = r.unsigned_integer(v, s.where + " weight", 0, 65535)) s.x.weight = static_cast<std::uint32_t>(*value);
     }},
    {"local_pref",
     [](Reader& r, const YAML::Node& v, SetRead& s) { s.x.local_pref = read_u32(r, v, s.where + " local_pref"); }},
    {"med", [](Reader& r, const YAML::Node& v, SetRead& s) { s.x.med = read_u32(r, v, s.where + " med"); }},
    {"origin", [](Reader& r, const YAML::Node& v, SetRead& s) { s.x.origin = read_origin(r, v, s.where + " origin"); }},
    {"next_hop", [](Reader& r, const YAML::Node& v, SetRead& s) { s.x.next_hop = r.address(v, s.where + " next_hop"); }},
    {"as_path_prepend",
     [](Reader& r, const YAML::Node& v, SetRead& s) {
         s.x.as_path_prepend = read_asn_list(r, v, s.where + " as_path_prepend");
     }},
    {"as_path_exclude",
     [](Reader& r, const YAML::Node& v, SetRead& s) {
         s.x.as_path_exclude = read_asn_list(r, v, s.where + " as_path_exclude");
     }},
    {"communities",
     [](Reader& r, const YAML::Node& v, SetRead& s) {
         read_community_change<std::uint32_t>(
             r, v, {s.where + " communities", s.x.communities_replace, s.x.communities_add, s.x.communities_delete,
                    Communities::read},
             community_change_keys<std::uint32_t>);
     }},
    {"large_communities",
     [](Reader& r, const YAML::Node& v, SetRead& s) {
         read_community_change<bgp::LargeCommunity>(
             r, v, {s.where + " large_communities", s.x.large_communities_replace, s.x.large_communities_add,
                    s.x.large_communities_delete, LargeCommunities::read},
             community_change_keys<bgp::LargeCommunity>);
     }},
    {"extended_communities",
     [](Reader& r, const YAML::Node& v, SetRead& s) {
         read_community_change<std::uint64_t>(
             r, v, {s.where + " extended_communities", s.x.extended_communities_replace, s.x.extended_communities_add,
                    s.x.extended_communities_delete, ExtendedCommunities::read, &s.set,
                    &s.x.extended_communities_delete_list},
             extended_community_change_keys);
     }},
};

struct RouteMapEntryRead : EntryRead {
    rib::RouteMapEntry e{};
    const rib::PolicySet* set = nullptr;
};

constexpr Key<RouteMapEntryRead> route_map_entry_keys[] = {
    {"seq", read_entry_sequence<RouteMapEntryRead>, default_entry_sequence<RouteMapEntryRead>},
    {"action", read_entry_action<RouteMapEntryRead>, entry_action_missing<RouteMapEntryRead>},
    {"match",
     [](Reader& r, const YAML::Node& v, RouteMapEntryRead& x) {
         MatchRead match{x.e.match, x.where + " match", *x.set};
         if (r.is_map(v, match.where)) read_section(r, v, match_keys, match.where, match);
     }},
    {"set",
     [](Reader& r, const YAML::Node& v, RouteMapEntryRead& x) {
         SetRead set{x.e.set, x.where + " set", *x.set};
         if (!r.is_map(v, set.where)) return;
         if (x.action == rib::PolicyAction::deny) r.error(v, x.where + ": a deny entry sets nothing (remove 'set')");
         read_section(r, v, set_keys, set.where, set);
     }},
    {"on_match",
     [](Reader& r, const YAML::Node& v, RouteMapEntryRead& x) {
         if (v.IsScalar() && v.Scalar() == "next") {
             x.e.on_match = rib::RouteMapEntry::OnMatch::next;
         } else if (v.IsMap() && v["goto"] && v.size() == 1) {
             if (auto value = r.unsigned_integer(v["goto"], x.where + " on_match goto", x.sequence + 1ULL, 4294967295ULL)) {
                 x.e.on_match = rib::RouteMapEntry::OnMatch::go_to;
                 x.e.goto_sequence = static_cast<std::uint32_t>(*value);
             }
         } else {
             r.error(v, x.where + ": on_match must be 'next' or {goto: SEQ} with SEQ after this entry's");
         }
         if (x.action == rib::PolicyAction::deny) r.error(v, x.where + ": on_match applies to permit entries only");
     }},
};

void read_route_map(Reader& reader, const std::string& name, const YAML::Node& node, rib::PolicySet& set) {
    rib::RouteMap map{name, {}};
    Sequences used;
    for_each_entry(reader, node, "route map", name, [&](const YAML::Node& entry, const std::string& where) {
        RouteMapEntryRead read{{entry, where, &used}};
        read.set = &set;
        read_section(reader, entry, route_map_entry_keys, where, read);
        read.e.sequence = read.sequence;
        if (read.action) read.e.action = *read.action;
        map.entries.push_back(std::move(read.e));
    });
    sort_by_sequence(map.entries);
    set.route_maps[name] = std::move(map);
}

// ---- the block ----

using ReadNamed = void (*)(Reader&, const std::string& name, const YAML::Node& node, rib::PolicySet& set);

void each_named(Reader& reader, const YAML::Node& block, const char* key, rib::PolicySet& set, ReadNamed read) {
    if (!reader.is_map(block, std::string("policy ") + key)) return;
    for (const auto& item : block) read(reader, item.first.Scalar(), item.second, set);
}

template <typename Kind, auto member>
void read_named_community_list(Reader& reader, const std::string& name, const YAML::Node& node, rib::PolicySet& set) {
    (set.*member)[name] = read_community_list<Kind>(reader, name, node);
}

// Lists first, so route maps (read last) can refer to any of them.
constexpr Key<rib::PolicySet> policy_keys[] = {
    {"prefix_lists",
     [](Reader& r, const YAML::Node& v, rib::PolicySet& s) { each_named(r, v, "prefix_lists", s, read_prefix_list); }},
    {"as_path_lists",
     [](Reader& r, const YAML::Node& v, rib::PolicySet& s) { each_named(r, v, "as_path_lists", s, read_as_path_list); }},
    {"community_lists",
     [](Reader& r, const YAML::Node& v, rib::PolicySet& s) {
         each_named(r, v, "community_lists", s,
                    read_named_community_list<Communities, &rib::PolicySet::community_lists>);
     }},
    {"large_community_lists",
     [](Reader& r, const YAML::Node& v, rib::PolicySet& s) {
         each_named(r, v, "large_community_lists", s,
                    read_named_community_list<LargeCommunities, &rib::PolicySet::large_community_lists>);
     }},
    {"extended_community_lists",
     [](Reader& r, const YAML::Node& v, rib::PolicySet& s) {
         each_named(r, v, "extended_community_lists", s,
                    read_named_community_list<ExtendedCommunities, &rib::PolicySet::extended_community_lists>);
     }},
    {"route_maps",
     [](Reader& r, const YAML::Node& v, rib::PolicySet& s) { each_named(r, v, "route_maps", s, read_route_map); }},
};

}  // namespace

void read_policy(Reader& reader, const YAML::Node& node, rib::PolicySet& set) {
    if (!reader.is_map(node, "policy")) return;
    read_section(reader, node, policy_keys, "policy", set);
}

}  // namespace bgpemu::daemon::detail
