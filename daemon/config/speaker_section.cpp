// One entry of `speakers`: identity, decision options, what it originates (networks,
// aggregates, redistribution), its data-plane keys, its Azure role (whose presets come
// first and whose constraints are checked on the file's values), then its neighbours.
#include <algorithm>

#include "daemon/azure/constraints.hpp"
#include "daemon/config/sections.hpp"
#include "daemon/config/topology_config.hpp"

namespace bgpemu::daemon::detail {

namespace {

// ---- networks ----

struct NetworkRead {
    const rib::PolicySet& policy;
    bgp::OriginatedNetwork network{};
    std::optional<bgp::Prefix> prefix{};
};

template <typename T>
void read_list(Reader& reader, const YAML::Node& list, const char* what, std::vector<T>& out,
               std::optional<T> (Reader::*read_one)(const YAML::Node&)) {
    if (!reader.is_list(list, what)) return;
    for (const auto& item : list)
        if (auto value = (reader.*read_one)(item)) out.push_back(*value);
}

constexpr Key<NetworkRead> network_keys[] = {
    {"prefix", [](Reader& r, const YAML::Node& v, NetworkRead& n) { n.prefix = r.prefix(v, "network prefix"); },
     [](Reader& r, const YAML::Node& node, NetworkRead&) { r.error(node, "network needs a 'prefix'"); }},
    {"med",
     [](Reader& r, const YAML::Node& v, NetworkRead& n) {
         if (auto value = r.unsigned_integer(v, "med", 0, 0xffffffffULL)) n.network.med = static_cast<std::uint32_t>(*value);
     }},
    {"communities",
     [](Reader& r, const YAML::Node& v, NetworkRead& n) {
         read_list(r, v, "communities", n.network.communities, &Reader::community);
     }},
    {"large_communities",
     [](Reader& r, const YAML::Node& v, NetworkRead& n) {
         read_list(r, v, "large_communities", n.network.large_communities, &Reader::large_community);
     }},
    {"origin",
     [](Reader& r, const YAML::Node& v, NetworkRead& n) {
         auto text = r.string(v, "origin");
         if (!text) return;
         if (auto value = bgp::parse_origin(*text)) n.network.origin = *value;
         else r.error(v, "origin must be igp, egp or incomplete");
     }},
    {"route_map",
     [](Reader& r, const YAML::Node& v, NetworkRead& n) {
         if (n.prefix) n.network.route_map = resolve_route_map(r, v, "network " + n.prefix->to_string() + " route_map", n.policy);
     }},
};

// A prefix, or `{prefix, med, communities, large_communities, origin, route_map}`.
void read_network(Reader& reader, const YAML::Node& node, const rib::PolicySet& policy, bgp::SpeakerConfig& speaker) {
    NetworkRead read{policy};
    if (node.IsScalar()) {
        read.prefix = reader.prefix(node, "network");
    } else if (reader.is_map(node, "network")) {
        read_section(reader, node, network_keys, "network", read);
    }
    if (!read.prefix) return;
    read.network.prefix = *read.prefix;
    speaker.networks.push_back(std::move(read.network));
}

// ---- redistribute: [connected, static, {source, metric, route_map}] ----

struct RedistributionRead {
    const rib::PolicySet& policy;
    bgp::Redistribution redistribution{};
    std::optional<std::string> source{};  // set once valid
};

void read_redistribute_source(Reader& reader, const YAML::Node& node, RedistributionRead& read) {
    const auto name = reader.string(node, "redistribute source");
    if (!name) return;
    if (*name == "connected") read.redistribution.source = bgp::Redistribution::Source::connected;
    else if (*name == "static") read.redistribution.source = bgp::Redistribution::Source::static_routes;
    else return reader.error(node, "unknown redistribute source '" + *name + "' (connected or static)");
    read.source = *name;
}

constexpr Key<RedistributionRead> redistribute_keys[] = {
    {"source", read_redistribute_source,
     [](Reader& r, const YAML::Node& item, RedistributionRead&) {
         r.error(item, "redistribute entry needs a 'source' (connected or static)");
     }},
    {"metric",
     [](Reader& r, const YAML::Node& v, RedistributionRead& x) {
         if (auto value = r.unsigned_integer(v, "metric", 0, 0xffffffffULL))
             x.redistribution.metric = static_cast<std::uint32_t>(*value);
     }},
    {"route_map",
     [](Reader& r, const YAML::Node& v, RedistributionRead& x) {
         if (x.source)
             x.redistribution.route_map = resolve_route_map(r, v, "redistribute " + *x.source + " route_map", x.policy);
     }},
};

void read_redistribute(Reader& reader, const YAML::Node& list, const rib::PolicySet& policy, bgp::SpeakerConfig& speaker) {
    if (!list.IsSequence()) {
        reader.error(list, "redistribute must be a list of sources (connected, static)");
        return;
    }
    for (const auto& item : list) {
        RedistributionRead read{policy};
        if (item.IsMap()) read_section(reader, item, redistribute_keys, "redistribute entry", read);
        else read_redistribute_source(reader, item, read);
        if (!read.source) continue;
        const bool twice = std::any_of(speaker.redistribute.begin(), speaker.redistribute.end(),
                                       [&](const auto& r) { return r.source == read.redistribution.source; });
        if (twice) reader.error(item, "redistribute " + *read.source + " is listed twice");
        else speaker.redistribute.push_back(read.redistribution);
    }
}

// ---- aggregates: [{prefix, summary_only, as_set}] (FRR's aggregate-address) ----

struct AggregateRead {
    rib::AggregateConfig aggregate{};
    std::optional<bgp::Prefix> prefix{};
};

constexpr Key<AggregateRead> aggregate_keys[] = {
    {"prefix", [](Reader& r, const YAML::Node& v, AggregateRead& a) { a.prefix = r.prefix(v, "aggregate prefix"); },
     [](Reader& r, const YAML::Node& node, AggregateRead&) { r.error(node, "aggregate needs a 'prefix'"); }},
    {"summary_only",
     [](Reader& r, const YAML::Node& v, AggregateRead& a) {
         a.aggregate.summary_only = r.boolean(v, "summary_only").value_or(false);
     }},
    {"as_set",
     [](Reader& r, const YAML::Node& v, AggregateRead& a) { a.aggregate.as_set = r.boolean(v, "as_set").value_or(false); }},
};

void read_aggregates(Reader& reader, const YAML::Node& list, bgp::SpeakerConfig& speaker) {
    if (!reader.is_list(list, "aggregates")) return;
    for (const auto& node : list) {
        if (!reader.is_map(node, "aggregate")) continue;
        AggregateRead read;
        read_section(reader, node, aggregate_keys, "aggregate", read);
        if (!read.prefix) continue;
        read.aggregate.prefix = *read.prefix;
        const auto& known = speaker.aggregates;
        if (std::any_of(known.begin(), known.end(), [&](const auto& a) { return a.prefix == read.aggregate.prefix; }))
            reader.error(node["prefix"], "aggregate " + read.prefix->to_string() + " is configured twice");
        else
            speaker.aggregates.push_back(read.aggregate);
    }
}

// ---- the speaker ----

struct SpeakerRead {
    YAML::Node node{};
    DaemonConfig& config;
    bgp::SpeakerConfig speaker{};
    AzureRole azure{};
    // The speaker's own policy objects, falling back to the file's top-level ones.
    std::shared_ptr<rib::PolicySet> policy{};
    dataplane::NodeConfig node_config{};
    std::optional<YAML::Node> neighbors{};  // read last, once the role's policy exists
    bool complete = true;

    void missing(Reader& reader, const std::string& what) {
        reader.error(node, "speaker '" + speaker.name + "' needs " + what);
        complete = false;
    }
};

template <typename Fill>
void each_item(Reader& reader, const YAML::Node& list, const char* what, const Fill& fill) {
    if (reader.is_list(list, what))
        for (const auto& item : list) fill(item);
}

// In the order they are read: the role (its presets) before the keys that override
// them, the speaker's policy before what refers to it, the VNet before the networks a
// gateway derives from it.
constexpr Key<SpeakerRead> speaker_keys[] = {
    {"name",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         s.speaker.name = r.string(v, "speaker name").value_or("");
         if (s.speaker.name.empty()) {
             r.error(s.node, "speaker needs a 'name'");
             s.complete = false;
         }
     },
     [](Reader& r, const YAML::Node& node, SpeakerRead& s) {
         r.error(node, "speaker needs a 'name'");
         s.complete = false;
     }},
    {"role",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         if (auto text = r.string(v, "role")) {
             if (auto parsed = parse_role(*text)) s.azure.role = *parsed;
             else r.error(v, "role must be " + dataplane::role_choices() + ", not '" + *text + "'");
         }
         apply_speaker_defaults(s.azure.role, s.speaker);
     }},
    {"branch_to_branch",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         s.node_config.branch_to_branch = r.boolean(v, "branch_to_branch").value_or(false);
         if (auto refused = refuse_route_server_option(s.azure.role, "branch_to_branch")) r.error(v, *refused);
     }},
    {"routing_preference",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         const auto text = r.string(v, "routing_preference").value_or("");
         if (const auto preference = dataplane::parse_routing_preference(text)) s.node_config.routing_preference = *preference;
         else r.error(v, "routing_preference must be ExpressRoute, VpnGateway or ASPath, not '" + text + "'");
         if (auto refused = refuse_route_server_option(s.azure.role, "routing_preference")) r.error(v, *refused);
     }},
    {"premium_circuit",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         s.azure.premium_circuit = r.boolean(v, "premium_circuit").value_or(false);
         if (auto refused = refuse_premium_circuit(s.azure.role)) r.error(v, *refused);
     }},
    {"allow_remote_vnet_traffic",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         s.azure.allow_remote_vnet_traffic = r.boolean(v, "allow_remote_vnet_traffic").value_or(true);
         if (auto refused = refuse_allow_remote_vnet_traffic(s.azure.role)) r.error(v, *refused);
     }},
    {"policy", [](Reader& r, const YAML::Node& v, SpeakerRead& s) { read_policy(r, v, *s.policy); }},
    {"asn",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         if (auto value = r.unsigned_integer(v, "asn", 1, max_asn)) s.speaker.asn = static_cast<std::uint32_t>(*value);
         else s.complete = false;
         if (auto refused = refuse_asn(s.azure.role, s.speaker.asn)) r.error(v, *refused);
     },
     [](Reader& r, const YAML::Node&, SpeakerRead& s) {
         if (const auto asn = default_asn(s.azure.role)) s.speaker.asn = *asn;
         else s.missing(r, "an 'asn'");
     }},
    {"router_id",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         if (auto value = r.ipv4_id(v, "router_id")) s.speaker.router_id = *value;
         else s.complete = false;
     },
     [](Reader& r, const YAML::Node&, SpeakerRead& s) { s.missing(r, "a 'router_id'"); }},
    {"listen",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         if (auto value = r.endpoint(v, "listen", std::nullopt)) s.speaker.listen = *value;
         else s.complete = false;
     },
     [](Reader& r, const YAML::Node&, SpeakerRead& s) { s.missing(r, "'listen: ADDRESS:PORT' (its transport socket)"); }},
    {"hostname", [](Reader& r, const YAML::Node& v, SpeakerRead& s) { s.speaker.hostname = r.string(v, "hostname").value_or(""); },
     [](Reader&, const YAML::Node&, SpeakerRead& s) { s.speaker.hostname = s.speaker.name; }},
    {"always_compare_med",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         s.speaker.always_compare_med = r.boolean(v, "always_compare_med").value_or(false);
     }},
    {"prefer_oldest_external",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         s.speaker.prefer_oldest_external = r.boolean(v, "prefer_oldest_external").value_or(false);
     }},
    {"maximum_paths",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         if (auto value = r.unsigned_integer(v, "maximum_paths", 1, 64)) s.speaker.maximum_paths = static_cast<unsigned>(*value);
     }},
    {"fib", [](Reader& r, const YAML::Node& v, SpeakerRead& s) { s.speaker.fib = r.boolean(v, "fib"); }},
    {"interfaces",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         each_item(r, v, "interfaces", [&](const YAML::Node& item) {
             read_interface(r, item, s.speaker.interfaces, s.node_config.interface_hops);
         });
     }},
    {"static_routes",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         each_item(r, v, "static_routes", [&](const YAML::Node& item) { read_static_route(r, item, s.speaker.static_routes); });
     }},
    // The data plane: the VNet a gateway serves and its instances' addresses, hop model
    // overrides, and a daemon per site.
    {"vnet", [](Reader& r, const YAML::Node& v, SpeakerRead& s) { s.node_config.vnet = r.string(v, "vnet").value_or(""); }},
    {"vnet_addresses",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         if (s.node_config.vnet.empty()) r.error(v, "vnet_addresses needs 'vnet' (the VNet this gateway serves)");
         if (!v.IsSequence()) return r.error(v, "vnet_addresses must be a list of addresses");
         for (const auto& item : v)
             if (auto address = r.address(item, "vnet address")) s.node_config.vnet_addresses.push_back(*address);
     }},
    {"hop", [](Reader& r, const YAML::Node& v, SpeakerRead& s) { s.node_config.hop = read_hop(r, v, "hop"); }},
    {"vnet_hop", [](Reader& r, const YAML::Node& v, SpeakerRead& s) { s.node_config.vnet_hop = read_hop(r, v, "vnet_hop"); }},
    {"transit", [](Reader& r, const YAML::Node& v, SpeakerRead& s) { s.node_config.transit = r.boolean(v, "transit"); }},
    {"source_check",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         s.node_config.source_check = r.boolean(v, "source_check").value_or(true);
     }},
    {"site", [](Reader& r, const YAML::Node& v, SpeakerRead& s) { s.node_config.site = r.string(v, "site").value_or(""); }},
    {"circuit",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) { s.node_config.circuit = r.string(v, "circuit").value_or(""); }},
    {"prefer", [](Reader& r, const YAML::Node& v, SpeakerRead& s) { read_prefer(r, v, s.node_config); }},
    {"ebgp_requires_policy",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         s.speaker.ebgp_requires_policy = r.boolean(v, "ebgp_requires_policy").value_or(true);
     }},
    {"networks",
     [](Reader& r, const YAML::Node& v, SpeakerRead& s) {
         each_item(r, v, "networks", [&](const YAML::Node& item) { read_network(r, item, *s.policy, s.speaker); });
         std::vector<Prefix> prefixes;
         for (const auto& network : s.speaker.networks) prefixes.push_back(network.prefix);
         if (auto refused = refuse_advertised_count(s.azure.role, prefixes)) r.error(v, *refused);
     },
     // A gateway without `networks` advertises its VNet and the spokes that use it.
     [](Reader&, const YAML::Node&, SpeakerRead& s) {
         for (auto& space : gateway_networks(s.azure.role, s.config.topology, s.node_config.vnet))
             s.speaker.networks.push_back(
                 bgp::OriginatedNetwork{space.prefix, std::nullopt, std::move(space.communities), {}, bgp::Origin::igp, nullptr});
     }},
    {"aggregates", [](Reader& r, const YAML::Node& v, SpeakerRead& s) { read_aggregates(r, v, s.speaker); }},
    {"redistribute", [](Reader& r, const YAML::Node& v, SpeakerRead& s) { read_redistribute(r, v, *s.policy, s.speaker); }},
    {"neighbors", [](Reader&, const YAML::Node& v, SpeakerRead& s) { s.neighbors = v; }},
};

void read_neighbors(Reader& reader, const YAML::Node& list, const AzureRole& azure, SpeakersRead& speakers,
                    bgp::SpeakerConfig& speaker) {
    if (!reader.is_list(list, "neighbors")) return;
    std::set<std::string> names;
    std::set<std::string> addresses;
    for (const auto& item : list) {
        const auto before = speaker.neighbors.size();
        read_neighbor(reader, item, azure, speakers, speaker);
        if (speaker.neighbors.size() == before) continue;
        const auto& added = speaker.neighbors.back();
        if (!names.insert(added.name).second)
            reader.error(item, "duplicate neighbor name '" + added.name + "' in speaker '" + speaker.name + "'");
        // Peers are told apart by their address (as FRR and BIRD do).
        if (!addresses.insert(added.remote.address.to_string()).second)
            reader.error(item, "two neighbors of speaker '" + speaker.name + "' have address " +
                                   added.remote.address.to_string());
    }
}

}  // namespace

void read_speaker(Reader& reader, const YAML::Node& node, SpeakersRead& speakers, DaemonConfig& config) {
    if (!reader.is_map(node, "speaker")) return;
    SpeakerRead read{node, config};
    read.policy = std::make_shared<rib::PolicySet>(speakers.global_policy);
    read_section(reader, node, speaker_keys, "speaker", read);
    auto& speaker = read.speaker;
    // An ExpressRoute gateway beside a Route Server filters the circuit's routes more.
    if (read.neighbors && read.neighbors->IsSequence())
        for (const auto& item : *read.neighbors) {
            if (!item.IsMap()) continue;
            Role peer = Role::none;
            if (const auto r = item["peer_role"]; r && r.IsScalar()) peer = parse_role(r.Scalar()).value_or(Role::none);
            else if (const auto n = item["name"]; n && n.IsScalar())
                if (const auto it = speakers.roles.find(n.Scalar()); it != speakers.roles.end()) peer = it->second;
            read.azure.peers_with_route_server = read.azure.peers_with_route_server || peer == Role::route_server;
        }
    add_role_policy(read.azure, speaker, *read.policy);
    speaker.policy = std::move(read.policy);
    if (read.neighbors) read_neighbors(reader, *read.neighbors, read.azure, speakers, speaker);
    if (!read.complete) return;
    auto& node_config = read.node_config;
    node_config.name = speaker.name;
    node_config.kind = dataplane::NodeKind::speaker;
    node_config.role = read.azure.role;
    node_config.interfaces = speaker.interfaces;
    config.topology.nodes.push_back(std::move(node_config));
    config.speakers.push_back(std::move(speaker));
}

}  // namespace bgpemu::daemon::detail
