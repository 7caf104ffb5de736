#include "daemon/config/config.hpp"

#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "bgp/wire/attribute_text.hpp"
#include "bgp/session/transport_security.hpp"
#include "daemon/config/config_reader.hpp"
#include "daemon/azure/roles.hpp"
#include "daemon/config/topology_config.hpp"
#include "rib/policy.hpp"

namespace bgpemu::daemon {

std::string ConfigError::to_string() const {
    if (line == 0) return file + ": " + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {

using bgp::IpAddress;
using bgp::Prefix;
using detail::Reader;
using detail::read_interface;
using detail::read_static_route;
using detail::read_speaker_dataplane;
using detail::read_topology;
using detail::read_vnets;
using detail::gateway_spaces;

constexpr std::uint64_t max_asn = 4294967295ULL;

// ---- Policy --------------------------------------------------------------------------------

// The `action` of a list or route-map entry (a missing one is reported at the entry).
std::optional<rib::PolicyAction> read_action(Reader& reader, const YAML::Node& entry, std::string_view what) {
    const auto node = entry["action"];
    if (!node) {
        reader.error(entry, std::string(what) + " needs an 'action' (permit or deny)");
        return std::nullopt;
    }
    auto text = reader.string(node, "action");
    if (!text) return std::nullopt;
    if (*text == "permit") return rib::PolicyAction::permit;
    if (*text == "deny") return rib::PolicyAction::deny;
    reader.error(node, std::string(what) + ": action must be permit or deny, not '" + *text + "'");
    return std::nullopt;
}

// Calls `read(entry_node, where)` for each entry of the list `node` named `name`;
// `where` is "KIND 'NAME' entry N" for messages.
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

// Reads `seq` (default: 5 more than the previous entry's, as FRR numbers them) and
// checks that sequences are unique.
std::uint32_t read_sequence(Reader& reader, const YAML::Node& entry, const std::string& where,
                            std::map<std::uint32_t, bool>& used) {
    std::uint32_t sequence = used.empty() ? 5 : used.rbegin()->first + 5;
    if (const auto v = entry["seq"])
        if (auto value = reader.unsigned_integer(v, where + " seq", 1, 4294967295ULL)) sequence = static_cast<std::uint32_t>(*value);
    if (!used.emplace(sequence, true).second) reader.error(entry, where + ": sequence " + std::to_string(sequence) + " is used twice");
    return sequence;
}

void read_prefix_list(Reader& reader, const std::string& name, const YAML::Node& node, rib::PolicySet& set) {
    rib::PrefixList list{name, {}};
    std::map<std::uint32_t, bool> used;
    for_each_entry(reader, node, "prefix list", name, [&](const YAML::Node& entry, const std::string& where) {
        reader.check_keys(entry, {"seq", "action", "prefix", "ge", "le"}, where);
        rib::PrefixListEntry e;
        e.sequence = read_sequence(reader, entry, where, used);
        const auto action = read_action(reader, entry, where);
        if (!entry["prefix"]) {
            reader.error(entry, where + " needs a 'prefix'");
            return;
        }
        const auto prefix = reader.prefix(entry["prefix"], where + " prefix");
        if (!action || !prefix) return;
        e.action = *action;
        e.prefix = *prefix;
        const unsigned max = prefix->afi() == bgp::Afi::ipv4 ? 32 : 128;
        if (const auto v = entry["ge"]) {
            if (auto value = reader.unsigned_integer(v, where + " ge", prefix->length() + 1, max)) e.ge = static_cast<std::uint8_t>(*value);
        }
        if (const auto v = entry["le"]) {
            if (auto value = reader.unsigned_integer(v, where + " le", std::max<unsigned>(prefix->length(), e.ge), max))
                e.le = static_cast<std::uint8_t>(*value);
        }
        list.entries.push_back(e);
    });
    std::sort(list.entries.begin(), list.entries.end(), [](const auto& a, const auto& b) { return a.sequence < b.sequence; });
    set.prefix_lists[name] = std::move(list);
}

void read_as_path_list(Reader& reader, const std::string& name, const YAML::Node& node, rib::PolicySet& set) {
    rib::AsPathList list{name, {}};
    for_each_entry(reader, node, "AS-path list", name, [&](const YAML::Node& entry, const std::string& where) {
        reader.check_keys(entry, {"action", "regex", "contains", "origin", "length_max", "length_min"}, where);
        rib::AsPathListEntry e;
        const auto action = read_action(reader, entry, where);
        int kinds = 0;
        if (const auto v = entry["regex"]) {
            ++kinds;
            if (auto text = reader.string(v, where + " regex")) {
                e.kind = rib::AsPathListEntry::Kind::regex;
                e.text = *text;
                try {
                    e.regex = rib::compile_as_path_regex(*text);
                } catch (const std::regex_error& error) {
                    reader.error(v, where + ": regex '" + *text + "' does not compile: " + error.what());
                    return;
                }
            }
        }
        const auto number = [&](const char* key, rib::AsPathListEntry::Kind kind, std::uint64_t min, std::uint64_t max) {
            if (const auto v = entry[key]) {
                ++kinds;
                e.kind = kind;
                if (auto value = reader.unsigned_integer(v, where + " " + key, min, max)) e.value = static_cast<std::uint32_t>(*value);
            }
        };
        number("contains", rib::AsPathListEntry::Kind::contains, 1, max_asn);
        number("origin", rib::AsPathListEntry::Kind::originates_from, 1, max_asn);
        number("length_max", rib::AsPathListEntry::Kind::length_at_most, 0, 1000);
        number("length_min", rib::AsPathListEntry::Kind::length_at_least, 0, 1000);
        if (kinds != 1) {
            reader.error(entry, where + " needs exactly one of regex, contains, origin, length_max, length_min");
            return;
        }
        if (action) {
            e.action = *action;
            list.entries.push_back(std::move(e));
        }
    });
    set.as_path_lists[name] = std::move(list);
}

// A community or large-community list: each entry an action and the (non-empty) list
// of values under `key` that a route must all carry; `read_value` reads one value.
template <typename List, typename ReadValue>
List read_community_entries(Reader& reader, const std::string& name, const YAML::Node& node, const char* kind,
                            const char* key, const ReadValue& read_value) {
    List list{name, {}};
    for_each_entry(reader, node, kind, name, [&](const YAML::Node& entry, const std::string& where) {
        reader.check_keys(entry, {"action", key}, where);
        typename decltype(list.entries)::value_type e;
        const auto action = read_action(reader, entry, where);
        const auto values = entry[key];
        if (!values || !values.IsSequence() || values.size() == 0) {
            reader.error(entry, where + " needs '" + key + "': a non-empty list");
            return;
        }
        for (const auto& item : values)
            if (auto value = read_value(item)) e.communities.push_back(*value);
        if (action) {
            e.action = *action;
            list.entries.push_back(std::move(e));
        }
    });
    return list;
}

std::optional<std::uint64_t> read_extended_community(Reader& reader, const YAML::Node& node) {
    auto text = reader.string(node, "extended community");
    if (!text) return std::nullopt;
    if (auto value = bgp::parse_extended_community(*text)) return value;
    reader.error(node, "extended community '" + *text +
                           "' must be rt:ASN:NN or soo:ASN:NN (ASN up to 65535 with NN up to 4294967295, or a larger "
                           "ASN with NN up to 65535), rt:IPV4:NN or soo:IPV4:NN (NN up to 65535), or 0x and 16 hex digits");
    return std::nullopt;
}

void read_extended_community_list(Reader& reader, const std::string& name, const YAML::Node& node, rib::PolicySet& set) {
    set.extended_community_lists[name] = read_community_entries<rib::ExtendedCommunityList>(
        reader, name, node, "extended community list", "extended_communities",
        [&](const YAML::Node& item) { return read_extended_community(reader, item); });
}

void read_community_list(Reader& reader, const std::string& name, const YAML::Node& node, rib::PolicySet& set) {
    set.community_lists[name] = read_community_entries<rib::CommunityList>(
        reader, name, node, "community list", "communities", [&](const YAML::Node& item) { return reader.community(item); });
}

void read_large_community_list(Reader& reader, const std::string& name, const YAML::Node& node, rib::PolicySet& set) {
    set.large_community_lists[name] = read_community_entries<rib::LargeCommunityList>(
        reader, name, node, "large community list", "large_communities",
        [&](const YAML::Node& item) { return reader.large_community(item); });
}

template <typename T>
const T* resolve(Reader& reader, const YAML::Node& node, const std::string& where, std::string_view kind,
                 const T* (rib::PolicySet::*lookup)(std::string_view) const, const rib::PolicySet& set) {
    auto name = reader.string(node, where);
    if (!name) return nullptr;
    const T* found = (set.*lookup)(*name);
    if (!found) reader.error(node, where + ": " + std::string(kind) + " '" + *name + "' is not defined");
    return found;
}

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

// `{add: [...], delete: [...], replace: [...]}` for communities or large communities
// (extended communities also take `delete_list`, read by the caller).
template <typename T, typename ReadOne>
void read_community_change(Reader& reader, const YAML::Node& node, const std::string& what, bool& replace,
                           std::vector<T>& add, std::vector<T>& remove, const ReadOne& read_one,
                           bool with_delete_list = false) {
    if (!reader.is_map(node, what)) return;
    if (with_delete_list)
        reader.check_keys(node, {"add", "delete", "replace", "delete_list"}, what);
    else
        reader.check_keys(node, {"add", "delete", "replace"}, what);
    const auto list = [&](const YAML::Node& values, std::vector<T>& out, const std::string& key) {
        if (!values.IsSequence()) {
            reader.error(values, what + " " + key + " must be a list");
            return;
        }
        for (const auto& item : values)
            if (auto value = read_one(item)) out.push_back(*value);
    };
    if (node["replace"] && node["add"]) reader.error(node, what + ": give 'replace' or 'add', not both");
    if (const auto v = node["replace"]) {
        replace = true;
        list(v, add, "replace");
    }
    if (const auto v = node["add"]) list(v, add, "add");
    if (const auto v = node["delete"]) list(v, remove, "delete");
}

void read_route_map(Reader& reader, const std::string& name, const YAML::Node& node, rib::PolicySet& set) {
    rib::RouteMap map{name, {}};
    std::map<std::uint32_t, bool> used;
    for_each_entry(reader, node, "route map", name, [&](const YAML::Node& entry, const std::string& where) {
        reader.check_keys(entry, {"seq", "action", "match", "set", "on_match"}, where);
        rib::RouteMapEntry e;
        e.sequence = read_sequence(reader, entry, where, used);
        if (auto action = read_action(reader, entry, where)) e.action = *action;
        if (const auto match = entry["match"]; match && reader.is_map(match, where + " match")) {
            reader.check_keys(match,
                              {"prefix_list", "next_hop_prefix_list", "as_path", "community", "large_community",
                               "extended_community", "neighbor", "source", "med", "local_pref", "origin"},
                              where + " match");
            auto& m = e.match;
            if (const auto v = match["prefix_list"]) m.prefix_list = resolve(reader, v, where + " match prefix_list", "prefix list", &rib::PolicySet::prefix_list, set);
            if (const auto v = match["next_hop_prefix_list"])
                m.next_hop = resolve(reader, v, where + " match next_hop_prefix_list", "prefix list", &rib::PolicySet::prefix_list, set);
            if (const auto v = match["as_path"]) m.as_path = resolve(reader, v, where + " match as_path", "AS-path list", &rib::PolicySet::as_path_list, set);
            if (const auto v = match["community"])
                m.community = resolve(reader, v, where + " match community", "community list", &rib::PolicySet::community_list, set);
            if (const auto v = match["large_community"])
                m.large_community = resolve(reader, v, where + " match large_community", "large community list",
                                            &rib::PolicySet::large_community_list, set);
            if (const auto v = match["extended_community"])
                m.extended_community = resolve(reader, v, where + " match extended_community", "extended community list",
                                               &rib::PolicySet::extended_community_list, set);
            if (const auto v = match["neighbor"]) m.neighbor = reader.string(v, where + " match neighbor");
            if (const auto v = match["source"]) m.source = read_route_source(reader, v, where + " match source");
            if (const auto v = match["med"])
                if (auto value = reader.unsigned_integer(v, where + " match med", 0, 0xffffffffULL)) m.med = static_cast<std::uint32_t>(*value);
            if (const auto v = match["local_pref"])
                if (auto value = reader.unsigned_integer(v, where + " match local_pref", 0, 0xffffffffULL))
                    m.local_pref = static_cast<std::uint32_t>(*value);
            if (const auto v = match["origin"]) {
                if (auto text = reader.string(v, where + " match origin")) {
                    m.origin = bgp::parse_origin(*text);
                    if (!m.origin) reader.error(v, where + " match origin must be igp, egp or incomplete");
                }
            }
        }
        if (const auto set_node = entry["set"]; set_node && reader.is_map(set_node, where + " set")) {
            reader.check_keys(set_node,
                              {"weight", "local_pref", "med", "origin", "next_hop", "as_path_prepend", "as_path_exclude",
                               "communities", "large_communities", "extended_communities"},
                              where + " set");
            if (e.action == rib::PolicyAction::deny) reader.error(set_node, where + ": a deny entry sets nothing (remove 'set')");
            auto& x = e.set;
            // Cisco's range, and the neighbour's `weight`; FRR allows 32 bits.
            if (const auto v = set_node["weight"])
                if (auto value = reader.unsigned_integer(v, where + " set weight", 0, 65535))
                    x.weight = static_cast<std::uint32_t>(*value);
            if (const auto v = set_node["local_pref"])
                if (auto value = reader.unsigned_integer(v, where + " set local_pref", 0, 0xffffffffULL))
                    x.local_pref = static_cast<std::uint32_t>(*value);
            if (const auto v = set_node["med"])
                if (auto value = reader.unsigned_integer(v, where + " set med", 0, 0xffffffffULL)) x.med = static_cast<std::uint32_t>(*value);
            if (const auto v = set_node["origin"]) {
                if (auto text = reader.string(v, where + " set origin")) {
                    x.origin = bgp::parse_origin(*text);
                    if (!x.origin) reader.error(v, where + " set origin must be igp, egp or incomplete");
                }
            }
            if (const auto v = set_node["next_hop"]) x.next_hop = reader.address(v, where + " set next_hop");
            if (const auto v = set_node["as_path_prepend"]) x.as_path_prepend = read_asn_list(reader, v, where + " set as_path_prepend");
            if (const auto v = set_node["as_path_exclude"]) x.as_path_exclude = read_asn_list(reader, v, where + " set as_path_exclude");
            if (const auto v = set_node["communities"])
                read_community_change(reader, v, where + " set communities", x.communities_replace, x.communities_add,
                                      x.communities_delete, [&](const YAML::Node& item) { return reader.community(item); });
            if (const auto v = set_node["large_communities"])
                read_community_change(reader, v, where + " set large_communities", x.large_communities_replace,
                                      x.large_communities_add, x.large_communities_delete,
                                      [&](const YAML::Node& item) { return reader.large_community(item); });
            if (const auto v = set_node["extended_communities"]) {
                const std::string what = where + " set extended_communities";
                read_community_change(reader, v, what, x.extended_communities_replace, x.extended_communities_add,
                                      x.extended_communities_delete,
                                      [&](const YAML::Node& item) { return read_extended_community(reader, item); }, true);
                if (const auto list = v.IsMap() ? v["delete_list"] : YAML::Node())
                    x.extended_communities_delete_list =
                        resolve(reader, list, what + " delete_list", "extended community list",
                                &rib::PolicySet::extended_community_list, set);
            }
        }
        if (const auto v = entry["on_match"]) {
            if (v.IsScalar() && v.Scalar() == "next") {
                e.on_match = rib::RouteMapEntry::OnMatch::next;
            } else if (v.IsMap() && v["goto"] && v.size() == 1) {
                if (auto value = reader.unsigned_integer(v["goto"], where + " on_match goto", e.sequence + 1ULL, 4294967295ULL)) {
                    e.on_match = rib::RouteMapEntry::OnMatch::go_to;
                    e.goto_sequence = static_cast<std::uint32_t>(*value);
                }
            } else {
                reader.error(v, where + ": on_match must be 'next' or {goto: SEQ} with SEQ after this entry's");
            }
            if (e.action == rib::PolicyAction::deny) reader.error(v, where + ": on_match applies to permit entries only");
        }
        map.entries.push_back(std::move(e));
    });
    std::sort(map.entries.begin(), map.entries.end(), [](const auto& a, const auto& b) { return a.sequence < b.sequence; });
    set.route_maps[name] = std::move(map);
}

// A `policy:` block: lists first, so route maps (read last) can refer to any of them.
void read_policy(Reader& reader, const YAML::Node& node, rib::PolicySet& set) {
    if (!reader.is_map(node, "policy")) return;
    reader.check_keys(node,
                      {"prefix_lists", "as_path_lists", "community_lists", "large_community_lists",
                       "extended_community_lists", "route_maps"},
                      "policy");
    const auto each = [&](const char* key, auto read) {
        const auto block = node[key];
        if (!block) return;
        if (!reader.is_map(block, std::string("policy ") + key)) return;
        for (const auto& item : block) read(reader, item.first.Scalar(), item.second, set);
    };
    each("prefix_lists", read_prefix_list);
    each("as_path_lists", read_as_path_list);
    each("community_lists", read_community_list);
    each("large_community_lists", read_large_community_list);
    each("extended_community_lists", read_extended_community_list);
    each("route_maps", read_route_map);
}

void read_network(Reader& reader, const YAML::Node& node, const rib::PolicySet& policy, bgp::SpeakerConfig& speaker) {
    bgp::OriginatedNetwork network;
    if (node.IsScalar()) {
        auto prefix = reader.prefix(node, "network");
        if (!prefix) return;
        network.prefix = *prefix;
        speaker.networks.push_back(network);
        return;
    }
    if (!reader.is_map(node, "network")) return;
    reader.check_keys(node, {"prefix", "med", "communities", "large_communities", "origin", "route_map"}, "network");
    if (!node["prefix"]) {
        reader.error(node, "network needs a 'prefix'");
        return;
    }
    auto prefix = reader.prefix(node["prefix"], "network prefix");
    if (!prefix) return;
    network.prefix = *prefix;
    if (const auto med = node["med"])
        if (auto value = reader.unsigned_integer(med, "med", 0, 0xffffffffULL)) network.med = static_cast<std::uint32_t>(*value);
    if (const auto list = node["communities"]) {
        if (!list.IsSequence()) reader.error(list, "communities must be a list");
        else
            for (const auto& item : list)
                if (auto value = reader.community(item)) network.communities.push_back(*value);
    }
    if (const auto list = node["large_communities"]) {
        if (!list.IsSequence()) reader.error(list, "large_communities must be a list");
        else
            for (const auto& item : list)
                if (auto value = reader.large_community(item)) network.large_communities.push_back(*value);
    }
    if (const auto origin = node["origin"]) {
        if (auto text = reader.string(origin, "origin")) {
            if (auto value = bgp::parse_origin(*text)) network.origin = *value;
            else reader.error(origin, "origin must be igp, egp or incomplete");
        }
    }
    if (const auto v = node["route_map"])
        network.route_map = resolve(reader, v, "network " + prefix->to_string() + " route_map", "route map",
                                    &rib::PolicySet::route_map, policy);
    speaker.networks.push_back(std::move(network));
}

// `redistribute: [connected, static, {source, metric, route_map}]`.
void read_redistribute(Reader& reader, const YAML::Node& list, const rib::PolicySet& policy, bgp::SpeakerConfig& speaker) {
    if (!list.IsSequence()) {
        reader.error(list, "redistribute must be a list of sources (connected, static)");
        return;
    }
    for (const auto& item : list) {
        bgp::Redistribution redistribution;
        const YAML::Node source = item.IsMap() ? item["source"] : item;
        if (item.IsMap()) reader.check_keys(item, {"source", "metric", "route_map"}, "redistribute entry");
        if (!source) {
            reader.error(item, "redistribute entry needs a 'source' (connected or static)");
            continue;
        }
        const auto name = reader.string(source, "redistribute source");
        if (!name) continue;
        if (*name == "connected") {
            redistribution.source = bgp::Redistribution::Source::connected;
        } else if (*name == "static") {
            redistribution.source = bgp::Redistribution::Source::static_routes;
        } else {
            reader.error(source, "unknown redistribute source '" + *name + "' (connected or static)");
            continue;
        }
        if (item.IsMap()) {
            if (const auto v = item["metric"])
                if (auto value = reader.unsigned_integer(v, "metric", 0, 0xffffffffULL))
                    redistribution.metric = static_cast<std::uint32_t>(*value);
            if (const auto v = item["route_map"])
                redistribution.route_map = resolve(reader, v, "redistribute " + *name + " route_map", "route map",
                                                   &rib::PolicySet::route_map, policy);
        }
        const bool twice = std::any_of(speaker.redistribute.begin(), speaker.redistribute.end(),
                                       [&](const auto& r) { return r.source == redistribution.source; });
        if (twice) reader.error(item, "redistribute " + *name + " is listed twice");
        else speaker.redistribute.push_back(redistribution);
    }
}

// `aggregates: [{prefix, summary_only, as_set}]` (FRR's aggregate-address).
void read_aggregates(Reader& reader, const YAML::Node& list, bgp::SpeakerConfig& speaker) {
    if (!list.IsSequence()) {
        reader.error(list, "aggregates must be a list");
        return;
    }
    for (const auto& node : list) {
        if (!reader.is_map(node, "aggregate")) continue;
        reader.check_keys(node, {"prefix", "summary_only", "as_set"}, "aggregate");
        if (!node["prefix"]) {
            reader.error(node, "aggregate needs a 'prefix'");
            continue;
        }
        auto prefix = reader.prefix(node["prefix"], "aggregate prefix");
        if (!prefix) continue;
        rib::AggregateConfig aggregate;
        aggregate.prefix = *prefix;
        if (const auto v = node["summary_only"]) aggregate.summary_only = reader.boolean(v, "summary_only").value_or(false);
        if (const auto v = node["as_set"]) aggregate.as_set = reader.boolean(v, "as_set").value_or(false);
        const auto& known = speaker.aggregates;
        if (std::any_of(known.begin(), known.end(), [&](const auto& a) { return a.prefix == aggregate.prefix; }))
            reader.error(node["prefix"], "aggregate " + prefix->to_string() + " is configured twice");
        else
            speaker.aggregates.push_back(aggregate);
    }
}

void read_neighbor_policy(Reader& reader, const YAML::Node& node, const rib::PolicySet& set, bgp::NeighborConfig& neighbor) {
    const std::string where = "neighbor '" + neighbor.name + "'";
    if (const auto v = node["route_map_in"]) neighbor.route_map_in = resolve(reader, v, where + " route_map_in", "route map", &rib::PolicySet::route_map, set);
    if (const auto v = node["route_map_out"]) neighbor.route_map_out = resolve(reader, v, where + " route_map_out", "route map", &rib::PolicySet::route_map, set);
    if (const auto v = node["prefix_list_in"]) neighbor.prefix_list_in = resolve(reader, v, where + " prefix_list_in", "prefix list", &rib::PolicySet::prefix_list, set);
    if (const auto v = node["prefix_list_out"])
        neighbor.prefix_list_out = resolve(reader, v, where + " prefix_list_out", "prefix list", &rib::PolicySet::prefix_list, set);
    if (const auto v = node["remove_private_as"]) {
        bool flag = false;
        if (v.IsScalar() && v.Scalar() == "all")
            neighbor.remove_private_as = rib::RemovePrivateAs::all;
        else if (v.IsScalar() && YAML::convert<bool>::decode(v, flag))
            neighbor.remove_private_as = flag ? rib::RemovePrivateAs::yes : rib::RemovePrivateAs::no;
        else
            reader.error(v, where + " remove_private_as must be true, false or all");
    }
    if (const auto v = node["as_override"]) neighbor.as_override = reader.boolean(v, "as_override").value_or(false);
    if (const auto v = node["soft_reconfiguration_inbound"])
        neighbor.soft_reconfiguration_inbound = reader.boolean(v, "soft_reconfiguration_inbound").value_or(false);
    if (const auto v = node["maximum_prefix"]) {
        const auto limit = [&](const YAML::Node& n) {
            if (auto value = reader.unsigned_integer(n, where + " maximum_prefix", 1, 4294967295ULL))
                neighbor.maximum_prefix = static_cast<std::uint32_t>(*value);
        };
        if (v.IsScalar()) {
            limit(v);
        } else if (reader.is_map(v, where + " maximum_prefix")) {
            reader.check_keys(v, {"limit", "warning_percent", "restart", "warning_only"}, "maximum_prefix");
            if (v["limit"]) limit(v["limit"]);
            else reader.error(v, where + " maximum_prefix needs a 'limit'");
            if (const auto w = v["warning_percent"])
                if (auto value = reader.unsigned_integer(w, "warning_percent", 1, 100)) neighbor.maximum_prefix_warning_percent = static_cast<unsigned>(*value);
            if (const auto r = v["restart"])
                if (auto value = reader.unsigned_integer(r, "restart (seconds)", 0, 86400)) neighbor.maximum_prefix_restart = std::chrono::seconds(*value);
            if (const auto w = v["warning_only"]) neighbor.maximum_prefix_warning_only = reader.boolean(w, "warning_only").value_or(false);
        }
    }
}

// The role of each speaker in the file, by name: a neighbour's defaults depend on its
// peer's role (read before the speakers, so order in the file does not matter).
using RolesByName = std::map<std::string, Role, std::less<>>;

void read_neighbor(Reader& reader, const YAML::Node& node, const AzureRole& azure, const RolesByName& roles,
                   bgp::SpeakerConfig& speaker) {
    if (!reader.is_map(node, "neighbor")) return;
    reader.check_keys(node,
                      {"name", "description", "address", "asn", "local_address", "passive", "shutdown", "hold_time",
                       "open_hold_time", "connect_retry", "advertisement_interval", "ebgp_multihop", "next_hop_self", "allowas_in", "sender_side_loop_detection",
                       "weight", "families", "extended_message", "next_hop", "route_map_in", "route_map_out",
                       "prefix_list_in", "prefix_list_out", "remove_private_as", "as_override", "maximum_prefix",
                       "peer_role", "interface", "password", "ttl_security", "soft_reconfiguration_inbound"},
                      "neighbor");
    bgp::NeighborConfig neighbor;
    bool complete = true;
    // Role defaults first, so that every key below overrides them.
    Role peer_role = Role::none;
    if (const auto v = node["peer_role"]) {
        if (auto text = reader.string(v, "peer_role")) {
            if (auto parsed = parse_role(*text)) peer_role = *parsed;
            else reader.error(v, "peer_role must be ce, msee, er-gateway or vpn-gateway, not '" + *text + "'");
        }
    } else if (const auto name = node["name"]; name && name.IsScalar()) {
        if (const auto it = roles.find(name.Scalar()); it != roles.end()) peer_role = it->second;
    }
    apply_neighbor_defaults(azure, peer_role, *speaker.policy, neighbor);
    if (const auto address = node["address"]) {
        if (auto value = reader.endpoint(address, "neighbor address", std::uint16_t{179})) neighbor.remote = *value;
        else complete = false;
    } else {
        reader.error(node, "neighbor needs an 'address' (the peer's transport ADDRESS[:PORT])");
        complete = false;
    }
    if (const auto asn = node["asn"]) {
        if (auto value = reader.unsigned_integer(asn, "asn", 1, max_asn)) neighbor.remote_as = static_cast<std::uint32_t>(*value);
        else complete = false;
    } else {
        reader.error(node, "neighbor needs an 'asn'");
        complete = false;
    }
    neighbor.name = node["name"] ? reader.string(node["name"], "neighbor name").value_or("")
                                 : neighbor.remote.address.to_string();
    if (const auto v = node["description"]) neighbor.description = reader.string(v, "description").value_or("");
    if (const auto v = node["local_address"]) neighbor.local_address = reader.address(v, "local_address");
    if (const auto v = node["passive"]) neighbor.passive = reader.boolean(v, "passive").value_or(false);
    if (const auto v = node["shutdown"]) neighbor.enabled = !reader.boolean(v, "shutdown").value_or(false);
    if (const auto v = node["hold_time"]) {
        if (auto value = reader.unsigned_integer(v, "hold_time", 0, 65535)) {
            if (*value == 1 || *value == 2) reader.error(v, "hold_time must be 0 or at least 3 seconds (RFC 4271 §4.2)");
            if (azure.role == Role::vpn_gateway && *value != vpn_gateway_hold_time)
                reader.error(v, "a vpn-gateway's hold time is fixed at 180 s (keepalive 60 s), as in Azure");
            neighbor.hold_time = static_cast<std::uint16_t>(*value);
        }
    }
    if (const auto v = node["open_hold_time"])
        if (auto value = reader.unsigned_integer(v, "open_hold_time", 3, 65535))
            neighbor.open_hold_time = std::chrono::seconds(*value);
    if (const auto v = node["connect_retry"])
        if (auto value = reader.unsigned_integer(v, "connect_retry", 1, 65535)) neighbor.connect_retry = std::chrono::seconds(*value);
    if (const auto v = node["advertisement_interval"])
        if (auto value = reader.unsigned_integer(v, "advertisement_interval", 0, 600))
            neighbor.advertisement_interval = std::chrono::seconds(*value);
    if (const auto v = node["ebgp_multihop"])
        if (auto value = reader.unsigned_integer(v, "ebgp_multihop", 1, 255)) neighbor.ebgp_multihop = static_cast<unsigned>(*value);
    if (const auto v = node["ttl_security"]) {
        // RFC 5082 GTSM: 255 is the TTL of a directly connected peer, so at most 254 hops.
        if (auto value = reader.unsigned_integer(v, "ttl_security", 1, 254)) neighbor.ttl_security = static_cast<unsigned>(*value);
        // GTSM sends with TTL 255 whatever the distance; FRR refuses the two together too.
        if (node["ebgp_multihop"])
            reader.error(v, "neighbor '" + neighbor.name + "': ttl_security and ebgp_multihop cannot both be set "
                            "(GTSM sends with TTL 255; ttl_security: N already allows a peer N hops away)");
        // A role's default multihop (vpn-gateway) gives way to GTSM.
        neighbor.ebgp_multihop = 0;
    }
    if (const auto v = node["password"]) {
        if (auto text = reader.string(v, "password")) {
            if (text->empty() || text->size() > bgp::max_tcp_md5_key_length)
                reader.error(v, "neighbor '" + neighbor.name + "': password must be 1.." +
                                    std::to_string(bgp::max_tcp_md5_key_length) + " bytes (a TCP-MD5 key, RFC 2385), not " +
                                    std::to_string(text->size()));
            else
                neighbor.password = *text;
        }
    }
    if (const auto v = node["next_hop_self"]) neighbor.next_hop_self = reader.boolean(v, "next_hop_self").value_or(false);
    if (const auto v = node["allowas_in"])
        if (auto value = reader.unsigned_integer(v, "allowas_in", 0, 10)) neighbor.allowas_in = static_cast<unsigned>(*value);
    if (const auto v = node["sender_side_loop_detection"])
        neighbor.sender_side_loop_detection = reader.boolean(v, "sender_side_loop_detection").value_or(false);
    if (const auto v = node["weight"])
        if (auto value = reader.unsigned_integer(v, "weight", 0, 65535)) neighbor.weight = static_cast<std::uint32_t>(*value);
    if (const auto v = node["extended_message"]) neighbor.extended_message = reader.boolean(v, "extended_message").value_or(false);
    if (const auto v = node["families"]) {
        if (!v.IsSequence()) {
            reader.error(v, "families must be a list of ipv4, ipv6");
        } else {
            neighbor.families.clear();
            for (const auto& item : v) {
                auto text = reader.string(item, "family");
                if (text == "ipv4") neighbor.families.push_back({bgp::Afi::ipv4, bgp::Safi::unicast});
                else if (text == "ipv6") neighbor.families.push_back({bgp::Afi::ipv6, bgp::Safi::unicast});
                else if (text) reader.error(item, "family '" + *text + "' is not one of ipv4, ipv6");
            }
        }
    }
    if (const auto v = node["next_hop"]) {
        if (reader.is_map(v, "next_hop")) {
            reader.check_keys(v, {"ipv4", "ipv6"}, "next_hop");
            if (const auto a = v["ipv4"]) {
                neighbor.self_next_hop_v4 = reader.address(a, "next_hop ipv4");
                if (neighbor.self_next_hop_v4 && !neighbor.self_next_hop_v4->is_v4()) reader.error(a, "next_hop ipv4 must be an IPv4 address");
            }
            if (const auto a = v["ipv6"]) {
                neighbor.self_next_hop_v6 = reader.address(a, "next_hop ipv6");
                if (neighbor.self_next_hop_v6 && neighbor.self_next_hop_v6->is_v4()) reader.error(a, "next_hop ipv6 must be an IPv6 address");
            }
        }
    }
    if (const auto v = node["interface"]) {
        neighbor.interface = reader.string(v, "neighbor interface").value_or("");
        const auto& interfaces = speaker.interfaces;
        if (!neighbor.interface.empty() &&
            std::none_of(interfaces.begin(), interfaces.end(), [&](const auto& i) { return i.name == neighbor.interface; }))
            reader.error(v, "neighbor '" + neighbor.name + "': speaker '" + speaker.name + "' has no interface '" +
                                neighbor.interface + "'");
    }
    read_neighbor_policy(reader, node, *speaker.policy, neighbor);
    if (complete) speaker.neighbors.push_back(std::move(neighbor));
}

void read_speaker(Reader& reader, const YAML::Node& node, const std::shared_ptr<const rib::PolicySet>& global,
                  const RolesByName& roles, DaemonConfig& config) {
    if (!reader.is_map(node, "speaker")) return;
    reader.check_keys(node,
                      {"name", "role", "asn", "router_id", "listen", "hostname", "neighbors", "networks",
                       "always_compare_med", "prefer_oldest_external", "maximum_paths", "ebgp_requires_policy", "policy",
                       "interfaces", "static_routes", "fib", "premium_circuit", "vnet", "vnet_addresses", "hop",
                       "vnet_hop", "transit", "source_check", "allow_remote_vnet_traffic", "site", "prefer", "aggregates", "redistribute"},
                      "speaker");
    bgp::SpeakerConfig speaker;
    AzureRole azure;
    if (const auto v = node["role"]) {
        if (auto text = reader.string(v, "role")) {
            if (auto parsed = parse_role(*text)) azure.role = *parsed;
            else reader.error(v, "role must be ce, msee, er-gateway or vpn-gateway, not '" + *text + "'");
        }
    }
    const Role role = azure.role;
    apply_speaker_defaults(role, speaker);
    if (const auto v = node["premium_circuit"]) {
        azure.premium_circuit = reader.boolean(v, "premium_circuit").value_or(false);
        if (role != Role::msee) reader.error(v, "premium_circuit applies to role msee only");
    }
    if (const auto v = node["allow_remote_vnet_traffic"]) {
        azure.allow_remote_vnet_traffic = reader.boolean(v, "allow_remote_vnet_traffic").value_or(true);
        if (role != Role::er_gateway) reader.error(v, "allow_remote_vnet_traffic applies to role er-gateway only");
    }
    // The speaker's own policy objects, falling back to the file's top-level ones.
    auto policy = std::make_shared<rib::PolicySet>(global);
    if (const auto v = node["policy"]) read_policy(reader, v, *policy);
    bool complete = true;
    if (const auto v = node["name"]) speaker.name = reader.string(v, "speaker name").value_or("");
    if (speaker.name.empty()) {
        reader.error(node, "speaker needs a 'name'");
        complete = false;
    }
    if (const auto v = node["asn"]) {
        if (auto value = reader.unsigned_integer(v, "asn", 1, max_asn)) speaker.asn = static_cast<std::uint32_t>(*value);
        else complete = false;
        if (role == Role::ce && is_azure_reserved_asn(speaker.asn))
            reader.error(v, "ASN " + std::to_string(speaker.asn) + " is reserved (by Azure: 8074, 8075, 12076, 65515, "
                                                                  "65517-65520; by IANA: 23456, 64496-64511, 65535-65551) "
                                                                  "and Azure refuses it for a customer router");
    } else if (const auto asn = default_asn(role)) {
        speaker.asn = *asn;
    } else {
        reader.error(node, "speaker '" + speaker.name + "' needs an 'asn'");
        complete = false;
    }
    if (const auto v = node["router_id"]) {
        if (auto value = reader.ipv4_id(v, "router_id")) speaker.router_id = *value;
        else complete = false;
    } else {
        reader.error(node, "speaker '" + speaker.name + "' needs a 'router_id'");
        complete = false;
    }
    if (const auto v = node["listen"]) {
        if (auto value = reader.endpoint(v, "listen", std::nullopt)) speaker.listen = *value;
        else complete = false;
    } else {
        reader.error(node, "speaker '" + speaker.name + "' needs 'listen: ADDRESS:PORT' (its transport socket)");
        complete = false;
    }
    speaker.hostname = node["hostname"] ? reader.string(node["hostname"], "hostname").value_or("") : speaker.name;
    if (const auto v = node["always_compare_med"]) speaker.always_compare_med = reader.boolean(v, "always_compare_med").value_or(false);
    if (const auto v = node["prefer_oldest_external"])
        speaker.prefer_oldest_external = reader.boolean(v, "prefer_oldest_external").value_or(false);
    if (const auto v = node["maximum_paths"])
        if (auto value = reader.unsigned_integer(v, "maximum_paths", 1, 64)) speaker.maximum_paths = static_cast<unsigned>(*value);
    if (const auto v = node["fib"]) speaker.fib = reader.boolean(v, "fib");
    const auto each = [&](const char* key, auto read) {
        const auto list = node[key];
        if (!list) return;
        if (!list.IsSequence()) reader.error(list, std::string(key) + " must be a list");
        else
            for (const auto& item : list) read(reader, item, speaker);
    };
    dataplane::NodeConfig node_config;
    each("interfaces", [&](Reader& r, const YAML::Node& item, bgp::SpeakerConfig& s) {
        read_interface(r, item, s.interfaces, node_config.interface_hops);
    });
    each("static_routes", [&](Reader& r, const YAML::Node& item, bgp::SpeakerConfig& s) {
        read_static_route(r, item, s.static_routes);
    });
    read_speaker_dataplane(reader, node, node_config);
    if (const auto v = node["ebgp_requires_policy"])
        speaker.ebgp_requires_policy = reader.boolean(v, "ebgp_requires_policy").value_or(true);
    if (const auto list = node["networks"]) {
        if (!list.IsSequence()) reader.error(list, "networks must be a list");
        else
            for (const auto& item : list) read_network(reader, item, *policy, speaker);
        if (role == Role::er_gateway && speaker.networks.size() > er_gateway_max_advertised)
            reader.error(list, "an er-gateway advertises at most 1000 prefixes (its VNet and spokes), not " +
                                   std::to_string(speaker.networks.size()));
    }
    if (!node["networks"] && !node_config.vnet.empty() && (role == Role::er_gateway || role == Role::vpn_gateway))
        for (const auto& space : gateway_spaces(config.topology, node_config.vnet))
            speaker.networks.push_back(bgp::OriginatedNetwork{space, std::nullopt, {}, {}, bgp::Origin::igp, nullptr});
    if (const auto v = node["aggregates"]) read_aggregates(reader, v, speaker);
    if (const auto v = node["redistribute"]) read_redistribute(reader, v, *policy, speaker);
    add_role_policy(azure, speaker, *policy);
    speaker.policy = std::move(policy);
    if (const auto list = node["neighbors"]) {
        if (!list.IsSequence()) {
            reader.error(list, "neighbors must be a list");
        } else {
            std::map<std::string, YAML::Mark> names;
            std::map<std::string, YAML::Mark> addresses;
            for (const auto& item : list) {
                const auto before = speaker.neighbors.size();
                read_neighbor(reader, item, azure, roles, speaker);
                if (speaker.neighbors.size() == before) continue;
                const auto& added = speaker.neighbors.back();
                if (!names.emplace(added.name, item.Mark()).second)
                    reader.error(item, "duplicate neighbor name '" + added.name + "' in speaker '" + speaker.name + "'");
                // Peers are told apart by their address (as FRR and BIRD do).
                if (!addresses.emplace(added.remote.address.to_string(), item.Mark()).second)
                    reader.error(item, "two neighbors of speaker '" + speaker.name + "' have address " +
                                           added.remote.address.to_string());
            }
        }
    }
    if (!complete) return;
    node_config.name = speaker.name;
    node_config.kind = dataplane::NodeKind::speaker;
    node_config.role = role;
    node_config.interfaces = speaker.interfaces;
    config.topology.nodes.push_back(std::move(node_config));
    config.speakers.push_back(std::move(speaker));
}

void read_daemon_settings(Reader& reader, const YAML::Node& node, DaemonSettings& settings) {
    if (!reader.is_map(node, "'daemon'")) return;
    reader.check_keys(node,
                      {"user", "group", "admin_clients", "admin_request_bytes", "admin_idle_timeout",
                       "session_read_bytes", "session_update_batch_bytes"},
                      "'daemon'");
    if (const auto v = node["user"]) settings.user = reader.string(v, "daemon user").value_or("");
    if (const auto v = node["group"]) settings.group = reader.string(v, "daemon group").value_or("");
    if (!settings.group.empty() && settings.user.empty())
        reader.error(node["group"], "'group' needs a 'user' (privileges are dropped only to a user)");
    if (const auto v = node["admin_clients"])
        if (auto value = reader.unsigned_integer(v, "admin_clients", 1, 10000)) settings.admin_clients = *value;
    if (const auto v = node["admin_request_bytes"])
        if (auto value = reader.unsigned_integer(v, "admin_request_bytes", 1024, 64ULL * 1024 * 1024))
            settings.admin_request_bytes = *value;
    if (const auto v = node["admin_idle_timeout"])
        if (auto value = reader.unsigned_integer(v, "admin_idle_timeout", 1, 86400))
            settings.admin_idle_timeout = std::chrono::seconds(*value);
    // The reader must hold a whole header at least; 16 MiB is far past any use.
    if (const auto v = node["session_read_bytes"])
        if (auto value = reader.unsigned_integer(v, "session_read_bytes", 4096, 16ULL * 1024 * 1024))
            settings.session_read_bytes = *value;
    if (const auto v = node["session_update_batch_bytes"])
        if (auto value = reader.unsigned_integer(v, "session_update_batch_bytes", 4096, 16ULL * 1024 * 1024))
            settings.session_update_batch_bytes = *value;
}

}  // namespace

LoadedConfig parse_config(const std::string& yaml_text, const std::string& file) {
    LoadedConfig loaded;
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        loaded.errors.push_back({file, static_cast<unsigned>(e.mark.line + 1), static_cast<unsigned>(e.mark.column + 1),
                                 "YAML syntax: " + e.msg});
        return loaded;
    }
    Reader reader(file);
    if (!root || root.IsNull()) {
        loaded.errors.push_back({file, 0, 0, "the file is empty (expected a mapping with 'speakers')"});
        return loaded;
    }
    if (!reader.is_map(root, "the top level")) {
        loaded.errors = reader.take_errors();
        return loaded;
    }
    reader.check_keys(root, {"daemon", "speakers", "policy", "routers", "hosts", "vnets", "links", "externals"},
                      "the top level");
    if (const auto v = root["daemon"]) read_daemon_settings(reader, v, loaded.config.daemon);
    auto global = std::make_shared<rib::PolicySet>();
    if (const auto v = root["policy"]) read_policy(reader, v, *global);
    const std::shared_ptr<const rib::PolicySet> global_policy = std::move(global);
    read_vnets(reader, root, loaded.config);
    const auto speakers = root["speakers"];
    if (!speakers) {
        reader.error(root, "missing 'speakers' (a list of speakers)");
    } else if (!speakers.IsSequence()) {
        reader.error(speakers, "'speakers' must be a list");
    } else {
        std::map<std::string, YAML::Mark> names;
        std::map<std::string, std::string> listeners;
        RolesByName roles;
        for (const auto& item : speakers) {
            if (!item.IsMap() || !item["name"] || !item["name"].IsScalar() || !item["role"] || !item["role"].IsScalar())
                continue;
            if (const auto role = parse_role(item["role"].Scalar())) roles[item["name"].Scalar()] = *role;
        }
        for (const auto& item : speakers) {
            const auto before = loaded.config.speakers.size();
            read_speaker(reader, item, global_policy, roles, loaded.config);
            if (loaded.config.speakers.size() == before) continue;
            const auto& added = loaded.config.speakers.back();
            if (!names.emplace(added.name, item.Mark()).second)
                reader.error(item, "duplicate speaker name '" + added.name + "'");
            const auto listen = added.listen.address.to_string() + ":" + std::to_string(added.listen.port);
            if (auto [it, inserted] = listeners.emplace(listen, added.name); !inserted)
                reader.error(item["listen"], "speakers '" + it->second + "' and '" + added.name + "' both listen on " + listen);
        }
    }
    read_topology(reader, root, loaded.config);
    for (auto& speaker : loaded.config.speakers) {
        speaker.session_read_bytes = loaded.config.daemon.session_read_bytes;
        speaker.session_update_batch_bytes = loaded.config.daemon.session_update_batch_bytes;
    }
    loaded.errors = reader.take_errors();
    return loaded;
}

LoadedConfig load_config_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        LoadedConfig loaded;
        loaded.errors.push_back({path, 0, 0, "cannot open the file"});
        return loaded;
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), path);
}

}  // namespace bgpemu::daemon
