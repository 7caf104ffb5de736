// From Azure's resources to a design: VNets with their gateways and peerings,
// circuits from their private peering, connections; then what Azure does not hold,
// derived (a CE per circuit link and per local network gateway, a site per customer
// ASN, a VM per VNet and a host per site for traces), the overlay merged over it, and
// the text checked by the design compiler before anything is returned.
//
// Property names are the REST API's for Microsoft.Network (virtualNetworks,
// virtualNetworkGateways, expressRouteCircuits, connections, localNetworkGateways,
// routeTables, and virtualHubs for Route Server):
// learn.microsoft.com/rest/api/virtualnetwork, /rest/api/expressroute,
// /rest/api/network-gateway.
#include "daemon/import/azure_import.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "bgp/wire/ip.hpp"
#include "daemon/design/design.hpp"
#include "daemon/design/topology_file.hpp"
#include "daemon/import/design_tree.hpp"
#include "dataplane/topology.hpp"

namespace bgpemu::daemon::import {

namespace {

using bgp::IpAddress;
using bgp::Prefix;
using design::address_plus;

namespace type {
constexpr std::string_view vnet = "Microsoft.Network/virtualNetworks";
constexpr std::string_view gateway = "Microsoft.Network/virtualNetworkGateways";
constexpr std::string_view circuit = "Microsoft.Network/expressRouteCircuits";
constexpr std::string_view connection = "Microsoft.Network/connections";
constexpr std::string_view local_gateway = "Microsoft.Network/localNetworkGateways";
constexpr std::string_view route_table = "Microsoft.Network/routeTables";
// A Route Server is a virtual hub outside Virtual WAN (az network routeserver list).
constexpr std::string_view virtual_hub = "Microsoft.Network/virtualHubs";
// Child resources, when listed on their own (az network vnet peering list, ...).
constexpr std::string_view vnet_peering = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings";
constexpr std::string_view subnet = "Microsoft.Network/virtualNetworks/subnets";
constexpr std::string_view circuit_peering = "Microsoft.Network/expressRouteCircuits/peerings";
constexpr std::string_view hub_ip_configuration = "Microsoft.Network/virtualHubs/ipConfigurations";
constexpr std::string_view hub_bgp_connection = "Microsoft.Network/virtualHubs/bgpConnections";
}  // namespace type

constexpr std::uint32_t azure_gateway_asn = 65515;
// Subnets Azure's services own: no VM of ours goes there.
constexpr std::string_view service_subnets[] = {"GatewaySubnet", "AzureFirewallSubnet", "AzureFirewallManagementSubnet",
                                                "AzureBastionSubnet", "RouteServerSubnet"};
// Where a site's LAN goes when Azure does not hold it: RFC 2544's benchmarking range,
// which no deployment routes, one /24 per site.
const Prefix placeholder_lans = *Prefix::parse("198.18.0.0/15");
// ASNs for sites whose connections run no BGP (the design needs one per site).
constexpr std::uint32_t placeholder_asn = 64512;

std::string text_of(const Prefix& p) { return p.to_string(); }
std::string text_of(const IpAddress& a) { return a.to_string(); }

template <typename T>
YAML::Node flow_list(const std::vector<T>& items) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& item : items) out.push_back(text_of(item));
    return out;
}

bool is_service_subnet(const std::string& name) {
    return std::any_of(std::begin(service_subnets), std::end(service_subnets), [&](std::string_view s) { return folded(s) == folded(name); });
}

struct Subnet {
    std::string name;
    Prefix prefix;
    std::string route_table_id;  // routeTable.id; empty: none
};

struct Vnet {
    const Resource* resource = nullptr;
    std::string name;
    YAML::Node node;
    std::vector<Prefix> spaces;
    std::vector<Subnet> subnets;
    std::vector<Field> peerings;
    bool has_er = false;
    bool has_vpn = false;
    [[nodiscard]] const Subnet* gateway_subnet() const {
        for (const auto& s : subnets)
            if (folded(s.name) == "gatewaysubnet") return &s;
        return nullptr;
    }
    // The subnet of the VM derived for traces: the first that is not a service's and
    // has room for Azure's four reserved addresses and one more.
    [[nodiscard]] const Subnet* vm_subnet() const {
        for (const auto& s : subnets)
            if (!is_service_subnet(s.name) && s.prefix.length() + 3 <= bgp::max_prefix_length(s.prefix.afi())) return &s;
        return nullptr;
    }
};

struct Gateway {
    Vnet* vnet = nullptr;
    bool expressroute = false;
    bool bgp = true;
    std::uint32_t asn = azure_gateway_asn;
};

struct Circuit {
    std::string name;
    bool usable = false;  // it has an AzurePrivatePeering
    std::vector<Field> global_reach;  // its private peering's connections to other circuits
};

// A CE Azure's resources imply, before it is placed in a site.
struct DerivedCe {
    YAML::Node node;
    std::uint32_t asn = 0;
    std::vector<Prefix> lan;  // what its local network gateway says is behind it
    bool asn_placeholder = false;
    std::string why;          // how it was derived, for the output's comment
};

class Importer {
public:
    Importer(const Resources& resources, Diagnostics& d, bool plain_sites) : res_(resources), d_(d), plain_sites_(plain_sites) {}

    void run() {
        // Loopback addresses and an unprivileged port, so that the design runs as it is.
        tree_.root["transport"]["pool"] = "127.65.0.0/16";
        tree_.root["transport"]["port"] = 1179;
        tree_.comment(tree_.root["transport"], "loopback addresses and an unprivileged port (doc/guide/designs.md)");
        std::map<std::string, int> ignored;
        for (const auto& r : res_.all()) {
            if (r->is(type::vnet)) vnet(*r);
            else if (!(r->is(type::gateway) || r->is(type::circuit) || r->is(type::connection) || r->is(type::local_gateway) ||
                       r->is(type::vnet_peering) || r->is(type::subnet) || r->is(type::circuit_peering) ||
                       r->is(type::route_table) || r->is(type::virtual_hub) || r->is(type::hub_ip_configuration) ||
                       r->is(type::hub_bgp_connection)))
                ++ignored[r->type];
        }
        for (const auto& r : res_.all())
            if (r->is(type::route_table)) route_table(*r);
        for (const auto& r : res_.all())
            if (r->is(type::virtual_hub)) route_server(*r);
        for (auto& v : vnets_) route_tables_of(v);
        for (const auto& [t, n] : ignored) d_.note("ignored: " + t + " (" + std::to_string(n) + ")");
        for (const auto& r : res_.all())
            if (r->is(type::gateway)) gateway(*r);
        for (const auto& r : res_.all())
            if (r->is(type::circuit)) circuit(*r);
        global_reach();
        for (const auto& r : res_.all())
            if (r->is(type::connection)) connection(*r);
        if (gateways_.empty() && d_.errors().empty())
            d_.file_error(res_.all().empty() ? "input" : res_.all().front()->file,
                          "the input holds no virtual network gateway, so nothing of it routes: add the JSON of "
                          "az network vnet-gateway list (and of the circuits and connections)");
        vnet2vnet_pairs();
        for (auto& v : vnets_) peerings(v);
        sites();
    }

    // The design's keys in the order its guide writes them; others after.
    void order_keys() {
        static const std::map<std::string, std::vector<std::string>> orders = {
            {"vnets", {"name", "address_spaces", "location", "bgp_community", "regional_community", "peerings", "route_table",
                       "gateway_route_table", "er_gateway", "vpn_gateway", "route_server", "vms"}},
            {"connections", {"name", "type", "vnet", "circuit", "ce", "remote_vnet", "routing_weight", "enable_bgp", "delay_ms", "shutdown"}},
            {"sites", {"name", "asn", "transport_pool", "link_pool", "lan_prefixes", "advertise", "prefer_expressroute",
                       "advertise_only_lan", "ibgp", "lan_router", "hosts", "ces"}},
            {"ces", {"name", "router_id", "lan_link", "lan_address", "expressroute", "bgp_peering_address", "tunnel_address", "external"}},
        };
        const auto order = [](YAML::Node map, const std::vector<std::string>& keys) {
            const auto rank = [&](const std::string& key) { return std::find(keys.begin(), keys.end(), key) - keys.begin(); };
            // Sorted by index: assigning one YAML::Node to another changes the node the
            // first refers to (here, the map's own entries), so a sort must not move them.
            std::vector<std::pair<std::string, YAML::Node>> entries;
            for (const auto& item : map) entries.emplace_back(item.first.Scalar(), item.second);
            std::vector<std::size_t> sorted(entries.size());
            for (std::size_t i = 0; i < sorted.size(); ++i) sorted[i] = i;
            std::stable_sort(sorted.begin(), sorted.end(), [&](std::size_t a, std::size_t b) { return rank(entries[a].first) < rank(entries[b].first); });
            for (const auto& entry : entries) map.remove(entry.first);
            for (const auto i : sorted) map[entries[i].first] = entries[i].second;
        };
        for (const char* section : {"vnets", "connections", "sites"})
            if (const auto list = tree_.root[section]; list && list.IsSequence())
                for (auto item : list) {
                    if (!item.IsMap()) continue;
                    order(item, orders.at(section));
                    if (std::string_view(section) == "sites" && item["ces"] && item["ces"].IsSequence())
                        for (auto ce : item["ces"])
                            if (ce.IsMap()) order(ce, orders.at("ces"));
                }
    }

    // After the overlay: a VM per VNet and a host per site where none is given, a
    // placeholder LAN where Azure holds none.
    void fill_in() {
        for (auto v : tree_.root["vnets"]) {
            // An appliance the importer placed is no VM for traces.
            if (v["vms"] && v["vms"].IsSequence() &&
                std::any_of(v["vms"].begin(), v["vms"].end(), [](const YAML::Node& vm) { return !vm["ip_forwarding"]; }))
                continue;
            const auto it = std::find_if(vnets_.begin(), vnets_.end(), [&](const Vnet& x) { return x.name == v["name"].Scalar(); });
            if (it == vnets_.end()) continue;
            if (const auto* s = it->vm_subnet()) {
                YAML::Node vm(YAML::NodeType::Map);
                vm["name"] = unique(it->name + "-vm");
                std::uint64_t offset = 4;
                while (appliances_.contains(address_plus(s->prefix.address(), offset))) ++offset;
                vm["address"] = text_of(address_plus(s->prefix.address(), offset));
                v["vms"].push_back(vm);
                tree_.comment(v["vms"], "derived: a VM for traces, at the first address Azure gives out in subnet '" + s->name +
                                           "' (it keeps the first four)" + (offset > 4 ? " that no appliance has" : ""));
            }
        }
        int placeholder = 0;
        for (auto s : tree_.root["sites"]) {
            if (!s["lan_prefixes"]) {
                const auto lan = Prefix::make(address_plus(placeholder_lans.address(), static_cast<std::uint64_t>(placeholder++) * 256), 24);
                s["lan_prefixes"].push_back(text_of(lan));
                tree_.comment(s["lan_prefixes"], "placeholder: Azure does not hold this site's LAN; name it in the overlay (lan_prefixes)");
            }
            if (s["hosts"] || s["lan_router"]) continue;
            const auto lans = s["lan_prefixes"];
            if (!lans.IsSequence() || lans.size() == 0 || !lans[0].IsScalar()) continue;  // the design check says why
            const auto lan = Prefix::parse(lans[0].Scalar());
            const auto ces = s["ces"] ? s["ces"].size() : 0;
            // Room for the network address, the CEs' addresses and the host.
            const auto host_bits = lan ? std::min(16U, bgp::max_prefix_length(lan->afi()) - lan->length()) : 0U;
            if (!lan || ces + 2 >= (1U << host_bits)) continue;
            YAML::Node host(YAML::NodeType::Map);
            const auto name = s["name"].IsScalar() ? s["name"].Scalar() : "site";
            host["name"] = unique(name + "-vm");
            host["address"] = text_of(address_plus(lan->address(), ces + 1));
            s["hosts"].push_back(host);
            tree_.comment(s["hosts"], "derived: a host for traces, after the CEs' addresses on the LAN");
        }
    }

    DesignTree& tree() { return tree_; }

private:
    // A name of the design, made of Azure's: letters, digits, '.', '_', '-', once.
    std::string unique(const std::string& azure_name) {
        std::string base;
        for (const char c : azure_name) base += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '-';
        if (base.empty()) base = "unnamed";
        auto name = base;
        for (int n = 2; !names_.insert(name).second; ++n) name = base + "-" + std::to_string(n);
        if (name != azure_name) d_.note("named '" + name + "' in the design: '" + azure_name + "'");
        return name;
    }

    YAML::Node list(const char* key) {
        if (!tree_.root[key]) tree_.root[key] = YAML::Node(YAML::NodeType::Sequence);
        return tree_.root[key];
    }
    YAML::Node append(const char* key, const YAML::Node& item) {
        auto l = list(key);
        l.push_back(item);
        return l[l.size() - 1];
    }

    std::optional<Prefix> prefix(const Field& at, std::optional<std::string> text) {
        if (!text) return std::nullopt;
        const auto p = Prefix::parse(*text);
        if (!p) d_.error(at, "'" + *text + "' is not a prefix");
        return p;
    }
    std::optional<IpAddress> address(const Field& at, std::optional<std::string> text) {
        if (!text) return std::nullopt;
        const auto a = IpAddress::parse(*text);
        if (!a) d_.error(at, "'" + *text + "' is not an IP address");
        return a;
    }
    std::vector<IpAddress> addresses(const Field& at) {
        std::vector<IpAddress> out;
        for (const auto& s : at.strings(d_))
            if (auto a = address(at, s)) out.push_back(*a);
        return out;
    }
    // The list field `key` of a resource and the standalone child resources of `child_type`.
    std::vector<Field> with_children(const Resource& r, const char* key, std::string_view child_type) {
        auto out = r.body[key].items(d_);
        for (const auto* child : res_.children(r, child_type.substr(child_type.rfind('/') + 1))) out.push_back(child->body);
        return out;
    }

    // A route table: its routes as the design's, each VirtualAppliance next hop an
    // appliance of the VNet that holds its address.
    void route_table(const Resource& r) {
        YAML::Node node(YAML::NodeType::Map);
        const auto name = unique(r.name);
        node["name"] = name;
        if (r.body["disableBgpRoutePropagation"].boolean(d_).value_or(false)) node["disable_bgp_route_propagation"] = true;
        YAML::Node routes(YAML::NodeType::Sequence);
        for (const auto& route : r.body["routes"].items(d_)) {
            const auto route_name = route["name"].string(d_).value_or("");
            const auto to = prefix(route["addressPrefix"], route["addressPrefix"].string(d_));
            if (!to) {
                d_.error(route, "a route needs an addressPrefix (a prefix; service tags are not modelled)");
                continue;
            }
            const auto type_field = route["nextHopType"];
            const auto type_text = type_field.string(d_).value_or("");
            std::optional<dataplane::UserNextHop> next_hop_type;
            for (const auto candidate : {dataplane::UserNextHop::virtual_appliance, dataplane::UserNextHop::virtual_network_gateway,
                                         dataplane::UserNextHop::vnet_local, dataplane::UserNextHop::internet, dataplane::UserNextHop::none})
                if (folded(dataplane::user_next_hop_name(candidate)) == folded(type_text)) next_hop_type = candidate;
            if (!next_hop_type) {
                d_.error(type_field, "nextHopType is VirtualAppliance, VirtualNetworkGateway, VnetLocal, Internet or None");
                continue;
            }
            YAML::Node entry(YAML::NodeType::Map);
            if (!route_name.empty()) entry["name"] = route_name;
            entry["address_prefix"] = text_of(*to);
            entry["next_hop_type"] = dataplane::user_next_hop_name(*next_hop_type);
            if (*next_hop_type == dataplane::UserNextHop::virtual_appliance) {
                const auto at = route["nextHopIpAddress"];
                const auto hop = address(at, at.string(d_));
                if (!hop) {
                    d_.error(route, "a VirtualAppliance route needs a nextHopIpAddress");
                    continue;
                }
                const auto holder = std::find_if(vnets_.begin(), vnets_.end(), [&](const Vnet& v) {
                    return std::any_of(v.spaces.begin(), v.spaces.end(), [&](const Prefix& p) { return p.contains(*hop); });
                });
                if (holder == vnets_.end()) {
                    d_.note("route '" + route_name + "' of route table '" + r.name + "' left out: its next hop " + text_of(*hop) +
                            " is in none of the VNets read");
                    continue;
                }
                entry["next_hop_ip_address"] = text_of(*hop);
                appliance(*holder, *hop, "the next hop of route table '" + r.name + "'");
            }
            routes.push_back(entry);
        }
        if (routes.size() > 0) node["routes"] = routes;
        append("route_tables", node);
        route_table_names_[folded(r.id)] = name;
    }

    // A Route Server: its addresses, its branch-to-branch switch and preference, and a
    // peer for each BGP connection, the NVA at its peerIp an appliance with its peerAsn.
    void route_server(const Resource& r) {
        if (r.body["virtualWan"].present()) return d_.note("virtual hub '" + r.name + "' belongs to a Virtual WAN, which is not modelled; left out");
        const auto configurations = with_children(r, "ipConfigurations", type::hub_ip_configuration);
        if (configurations.empty()) return d_.error(r.body, "a Route Server needs ipConfigurations (its RouteServerSubnet)");
        const auto subnet = configurations.front()["subnet"]["id"];
        const auto subnet_id = subnet.string(d_);
        if (!subnet_id) return d_.error(subnet, "the Route Server's ipConfigurations need subnet.id (the RouteServerSubnet of its VNet)");
        auto* v = vnet_of(res_.find(parent_id(*subnet_id)));
        if (!v) return res_.missing(subnet, type::vnet, parent_id(*subnet_id), d_);
        const auto addresses = this->addresses(r.body["virtualRouterIps"]);
        if (addresses.empty()) return d_.error(r.body, "a Route Server needs virtualRouterIps (its instances' addresses)");
        YAML::Node node(YAML::NodeType::Map);
        node["name"] = unique(r.name);
        node["addresses"] = flow_list(std::vector<IpAddress>(addresses.begin(), addresses.begin() + std::min<std::size_t>(2, addresses.size())));
        YAML::Node peers(YAML::NodeType::Sequence);
        for (const auto& connection : with_children(r, "bgpConnections", type::hub_bgp_connection)) {
            const auto at = connection["peerIp"];
            const auto peer = address(at, at.string(d_));
            const auto asn = connection["peerAsn"].integer(d_, 1, 65535);
            if (!peer || !asn) {
                d_.error(connection, "a Route Server's BGP connection needs peerIp and peerAsn (a 16-bit ASN)");
                continue;
            }
            auto vm = appliance(*v, *peer, "Route Server '" + r.name + "'");
            vm["asn"] = *asn;
            peers.push_back(vm["name"].Scalar());
        }
        node["peers"] = peers;
        if (r.body["allowBranchToBranchTraffic"].boolean(d_).value_or(false)) node["branch_to_branch"] = true;
        if (const auto preference = r.body["hubRoutingPreference"].string(d_))
            for (const auto candidate : {dataplane::RoutingPreference::express_route, dataplane::RoutingPreference::vpn_gateway,
                                         dataplane::RoutingPreference::as_path})
                if (folded(dataplane::routing_preference_name(candidate)) == folded(*preference))
                    node["routing_preference"] = dataplane::routing_preference_name(candidate);
        v->node["route_server"] = node;
    }

    // One appliance per address (a VM with IP forwarding), for a route's next hop or a
    // Route Server's peer; the VM's entry.
    YAML::Node appliance(Vnet& v, const IpAddress& address, const std::string& why) {
        if (const auto it = appliances_.find(address); it != appliances_.end()) return it->second;
        YAML::Node vm(YAML::NodeType::Map);
        vm["name"] = unique(v.name + "-nva-" + [&] {
            auto text = text_of(address);
            std::replace(text.begin(), text.end(), '.', '-');
            std::replace(text.begin(), text.end(), ':', '-');
            return text;
        }());
        vm["address"] = text_of(address);
        vm["ip_forwarding"] = true;
        v.node["vms"].push_back(vm);
        tree_.comment(v.node["vms"], "derived: a network virtual appliance, for " + why);
        auto entry = v.node["vms"][v.node["vms"].size() - 1];
        appliances_.emplace(address, entry);
        return entry;
    }

    // Which of a VNet's subnets use a route table: the GatewaySubnet's is its
    // gateway_route_table, that of the subnet its VM is derived in its route_table.
    void route_tables_of(Vnet& v) {
        const auto name_of = [&](const Subnet& s) -> std::optional<std::string> {
            if (s.route_table_id.empty()) return std::nullopt;
            const auto it = route_table_names_.find(folded(s.route_table_id));
            if (it != route_table_names_.end()) return it->second;
            d_.note("VNet '" + v.name + "': subnet '" + s.name + "' uses route table " + s.route_table_id + ", which is not in the input");
            return std::nullopt;
        };
        const auto* vm = v.vm_subnet();
        for (const auto& s : v.subnets) {
            const auto table = name_of(s);
            if (!table) continue;
            if (&s == v.gateway_subnet()) v.node["gateway_route_table"] = *table;
            else if (&s == vm) v.node["route_table"] = *table;
            else if (!is_service_subnet(s.name))
                d_.note("VNet '" + v.name + "': route table '" + *table + "' of subnet '" + s.name +
                        "' not applied: the design's VMs of the VNet sit in subnet '" + (vm ? vm->name : std::string("?")) + "'");
        }
    }

    void vnet(const Resource& r) {
        Vnet v;
        v.resource = &r;
        v.name = unique(r.name);
        const auto space = r.body["addressSpace"]["addressPrefixes"];
        for (const auto& item : space.items(d_))
            if (auto p = prefix(item, item.string(d_))) v.spaces.push_back(*p);
        if (v.spaces.empty()) d_.error(space, "a virtual network needs addressSpace.addressPrefixes");
        for (const auto& s : with_children(r, "subnets", type::subnet)) {
            auto p = prefix(s["addressPrefix"], s["addressPrefix"].string(d_));
            if (!p)
                for (const auto& item : s["addressPrefixes"].items(d_))
                    if ((p = prefix(item, item.string(d_)))) break;
            if (p) v.subnets.push_back({s["name"].string(d_).value_or(""), *p, s["routeTable"]["id"].string(d_).value_or("")});
        }
        v.peerings = with_children(r, "virtualNetworkPeerings", type::vnet_peering);
        v.node = YAML::Node(YAML::NodeType::Map);
        v.node["name"] = v.name;
        v.node["address_spaces"] = flow_list(v.spaces);
        if (const auto location = r.body["location"].string(d_)) v.node["location"] = *location;
        // bgpCommunities: the custom one, and the region's that Azure fills in beside it.
        const auto communities = r.body["bgpCommunities"];
        if (const auto custom = communities["virtualNetworkCommunity"].string(d_)) v.node["bgp_community"] = *custom;
        if (const auto regional = communities["regionalCommunity"].string(d_)) v.node["regional_community"] = *regional;
        v.node = append("vnets", v.node);
        if (const auto location = r.body["location"].string(d_)) tree_.comment(v.node, "VNet '" + r.name + "', " + *location);
        by_resource_[&r] = vnets_.size();
        vnets_.push_back(std::move(v));
    }

    Vnet* vnet_of(const Resource* r) {
        const auto it = by_resource_.find(r);
        return it == by_resource_.end() ? nullptr : &vnets_[it->second];
    }

    void gateway(const Resource& r) {
        const auto kind_field = r.body["gatewayType"];
        const auto kind = folded(kind_field.string(d_).value_or(""));
        if (kind != "vpn" && kind != "expressroute") {
            if (kind_field.present()) d_.error(kind_field, "gatewayType is Vpn or ExpressRoute");
            else d_.error(r.body, "a virtual network gateway needs a gatewayType (Vpn or ExpressRoute)");
            return;
        }
        const auto configurations = r.body["ipConfigurations"].items(d_);
        if (configurations.empty()) return d_.error(r.body, "a virtual network gateway needs ipConfigurations (its GatewaySubnet)");
        const auto subnet = configurations.front()["subnet"]["id"];
        const auto subnet_id = subnet.string(d_);
        if (!subnet_id) return d_.error(subnet, "the gateway's ipConfigurations need subnet.id (the GatewaySubnet of its VNet)");
        auto* v = vnet_of(res_.find(parent_id(*subnet_id)));
        if (!v) return res_.missing(subnet, type::vnet, parent_id(*subnet_id), d_);
        Gateway g;
        g.vnet = v;
        g.expressroute = kind == "expressroute";
        const auto bgp = r.body["bgpSettings"];
        std::vector<IpAddress> bgp_addresses;
        for (const auto& entry : bgp["bgpPeeringAddresses"].items(d_))
            for (const auto& a : addresses(entry["defaultBgpIpAddresses"])) bgp_addresses.push_back(a);
        if (bgp_addresses.empty()) bgp_addresses = addresses(bgp["bgpPeeringAddress"]);
        std::vector<IpAddress> private_addresses;
        for (const auto& c : configurations)
            if (auto a = address(c["privateIPAddress"], c["privateIPAddress"].string(d_))) private_addresses.push_back(*a);
        const auto* gateway_subnet = v->gateway_subnet();
        const auto sku = r.body["sku"]["name"].string(d_);
        YAML::Node node(YAML::NodeType::Map);
        node["name"] = unique(r.name);
        std::vector<std::string> notes;
        if (sku) notes.push_back("sku " + *sku);
        const bool active_active = !g.expressroute && r.body["activeActive"].boolean(d_).value_or(false);
        // The instances' VNet-side addresses: where traces show the gateway.
        auto instances = g.expressroute ? bgp_addresses : private_addresses;
        if (instances.empty()) instances = g.expressroute ? private_addresses : bgp_addresses;
        if (instances.empty() && gateway_subnet) {
            instances = {address_plus(gateway_subnet->prefix.address(), 4), address_plus(gateway_subnet->prefix.address(), 5)};
            notes.push_back("derived: instance addresses, the GatewaySubnet's first two Azure gives out");
        }
        if (instances.empty()) return d_.error(r.body, "cannot place the gateway: it shows no addresses and its VNet no GatewaySubnet");
        if (g.expressroute) {
            if (v->has_er) return d_.error(r.body, "VNet '" + v->name + "' has a second ExpressRoute gateway");
            v->has_er = true;
            node["instance_addresses"] = flow_list(instances);
            if (const auto remote = r.body["allowRemoteVnetTraffic"].boolean(d_)) node["allow_remote_vnet_traffic"] = *remote;
        } else {
            if (v->has_vpn) return d_.error(r.body, "VNet '" + v->name + "' has a second VPN gateway");
            v->has_vpn = true;
            g.bgp = r.body["enableBgp"].boolean(d_).value_or(false);
            g.asn = static_cast<std::uint32_t>(bgp["asn"].integer(d_, 1, 4294967295LL).value_or(azure_gateway_asn));
            if (g.asn != azure_gateway_asn) node["asn"] = g.asn;
            // One BGP address per instance: two for an active-active gateway.
            const std::size_t count = active_active ? 2 : 1;
            std::vector<IpAddress> peering(bgp_addresses.begin(), bgp_addresses.begin() + std::min(count, bgp_addresses.size()));
            if (active_active && peering.size() < 2)
                return d_.error(bgp, "an active-active gateway needs two BGP peering addresses (bgpPeeringAddresses, one per instance)");
            if (peering.empty() && gateway_subnet) {
                // Azure gives a VPN gateway's BGP address from the top of its GatewaySubnet.
                const auto& p = gateway_subnet->prefix;
                peering.push_back(address_plus(p.address(), (1ULL << std::min(32U, bgp::max_prefix_length(p.afi()) - p.length())) - 2));
                notes.push_back("derived: bgp_peering_address, the GatewaySubnet's last usable address");
            }
            if (peering.empty()) peering.push_back(instances.front());
            if (active_active) {
                node["active_active"] = true;
                node["bgp_peering_addresses"] = flow_list(peering);
                notes.push_back("active-active: two instances, " + node["name"].Scalar() + "-instance0 and -instance1, each with its tunnel and session to every peer");
            } else {
                node["bgp_peering_address"] = text_of(peering.front());
            }
            // The emulated gateway holds its BGP addresses apart from its VNet-side ones:
            // one VNet-side address per instance when active-active.
            const auto taken = [&](const IpAddress& a) { return std::find(peering.begin(), peering.end(), a) != peering.end(); };
            std::erase_if(instances, taken);
            if (active_active && instances.size() > 2) instances.resize(2);
            if (gateway_subnet)
                for (std::uint64_t offset = 4; instances.size() < count && offset < 64; ++offset)
                    if (const auto a = address_plus(gateway_subnet->prefix.address(), offset);
                        gateway_subnet->prefix.contains(a) && !taken(a) &&
                        std::find(instances.begin(), instances.end(), a) == instances.end())
                        instances.push_back(a);
            if (instances.size() < count) return d_.error(r.body, "cannot place the gateway's instances: its VNet has no GatewaySubnet");
            node["instance_addresses"] = flow_list(instances);
            std::vector<std::string> custom;
            for (const auto& entry : bgp["bgpPeeringAddresses"].items(d_))
                for (const auto& a : entry["customBgpIpAddresses"].strings(d_)) custom.push_back(a);
            if (!custom.empty()) notes.push_back("custom (APIPA) BGP addresses read, not used: " + [&] {
                std::string s;
                for (const auto& c : custom) s += (s.empty() ? "" : ", ") + c;
                return s;
            }());
            if (const auto weight = bgp["peerWeight"].integer(d_, 0, 100); weight && *weight) notes.push_back("peerWeight " + std::to_string(*weight));
            if (!g.bgp) notes.push_back("enableBgp false: its connections run static routes");
        }
        const char* key = g.expressroute ? "er_gateway" : "vpn_gateway";
        v->node[key] = node;
        for (const auto& n : notes) tree_.comment(v->node[key], n);
        gateways_[&r] = g;
    }

    // Global Reach: each connection of a circuit's private peering to another circuit's
    // (peerExpressRouteCircuitPeering), once per pair of circuits, with its /29.
    void global_reach() {
        std::set<std::pair<std::string, std::string>> linked;
        for (const auto& r : res_.all()) {
            const auto it = circuits_.find(r.get());
            if (it == circuits_.end() || !it->second.usable) continue;
            const auto& c = it->second;
            for (const auto& connection : c.global_reach) {
                const auto peer = connection["peerExpressRouteCircuitPeering"]["id"];
                const auto peer_id = peer.string(d_);
                if (!peer_id) {
                    d_.error(connection, "a Global Reach connection needs peerExpressRouteCircuitPeering.id (the other circuit's private peering)");
                    continue;
                }
                const auto circuit_id = folded(*peer_id).find("/peerings/") != std::string::npos ? parent_id(*peer_id) : *peer_id;
                const auto* other = res_.find(circuit_id);
                if (!other) {
                    res_.missing(peer, type::circuit, circuit_id, d_);
                    continue;
                }
                const auto found = circuits_.find(other);
                if (found == circuits_.end()) {
                    d_.error(peer, "refers to " + other->label() + ", not to a circuit's private peering");
                    continue;
                }
                if (&found->second == &c) {
                    d_.error(peer, "a Global Reach connection links two different circuits, not '" + r->name + "' with itself");
                    continue;
                }
                if (!found->second.usable) {
                    d_.note("Global Reach from circuit '" + r->name + "' to '" + other->name + "' left out: '" + other->name +
                            "' has no AzurePrivatePeering");
                    continue;
                }
                if (!linked.insert(std::minmax(c.name, found->second.name)).second) continue;
                YAML::Node node(YAML::NodeType::Map);
                if (const auto name = connection["name"].string(d_)) node["name"] = *name;
                node["circuits"].push_back(c.name);
                node["circuits"].push_back(found->second.name);
                node["circuits"].SetStyle(YAML::EmitterStyle::Flow);
                const auto address = connection["addressPrefix"];
                if (const auto p = prefix(address, address.string(d_))) node["address_prefix"] = text_of(*p);
                else if (!address.present()) d_.error(connection, "a Global Reach connection needs an addressPrefix (a /29)");
                append("global_reach", node);
            }
        }
    }

    void circuit(const Resource& r) {
        auto& c = circuits_[&r];
        c.name = unique(r.name);
        const Field* private_peering = nullptr;
        const auto peerings = with_children(r, "peerings", type::circuit_peering);
        for (const auto& p : peerings)
            if (folded(p["peeringType"].string(d_).value_or(p["name"].string(d_).value_or(""))) == "azureprivatepeering") private_peering = &p;
        if (!private_peering) {
            d_.note("circuit '" + r.name + "' has no AzurePrivatePeering: left out, with its connections");
            return;
        }
        const auto& p = *private_peering;
        const auto asn = p["peerASN"].integer(d_, 1, 4294967295LL);
        if (!asn && !p["peerASN"].present()) d_.error(p, "the private peering needs a peerASN (the customer's ASN)");
        YAML::Node node(YAML::NodeType::Map);
        node["name"] = c.name;
        const char* keys[2] = {"primaryPeerAddressPrefix", "secondaryPeerAddressPrefix"};
        const char* design_keys[2] = {"primary_peer_address_prefix", "secondary_peer_address_prefix"};
        bool complete = asn.has_value();
        for (int i = 0; i < 2; ++i) {
            const auto f = p[keys[i]];
            const auto link = prefix(f, f.string(d_));
            if (!f.present()) d_.error(p, std::string("the private peering needs a ") + keys[i] + " (a /30)");
            if (link && link->afi() == bgp::Afi::ipv4 && link->length() != 30)
                d_.error(f, "'" + link->to_string() + "' is not a /30: a private peering link is a /30, the customer's router on "
                                                       "its first usable address, Microsoft's on the second");
            if (!link || link->length() != 30) complete = false;
            else node[design_keys[i]] = text_of(*link);
        }
        if (!complete) return;
        // Dual stack: the private peering's ipv6PeeringConfig, a /126 per link (a
        // Disabled one is left out).
        if (const auto v6 = p["ipv6PeeringConfig"];
            v6.present() && folded(v6["state"].string(d_).value_or("enabled")) != "disabled") {
            YAML::Node links(YAML::NodeType::Map);
            for (int i = 0; i < 2; ++i) {
                const auto f = v6[keys[i]];
                const auto link = prefix(f, f.string(d_));
                if (!f.present()) d_.error(v6, std::string("ipv6PeeringConfig needs a ") + keys[i] + " (a /126)");
                else if (link && (link->afi() != bgp::Afi::ipv6 || link->length() != 126))
                    d_.error(f, "'" + link->to_string() + "' is not an IPv6 /126: an IPv6 private peering link is a /126");
                else if (link) links[design_keys[i]] = text_of(*link);
            }
            if (links.size() == 2) {
                links.SetStyle(YAML::EmitterStyle::Flow);
                node["ipv6_peering"] = links;
            }
        }
        c.global_reach = p["connections"].items(d_);
        if (folded(r.body["sku"]["tier"].string(d_).value_or("")) == "premium") node["premium"] = true;
        if (const auto key = p["sharedKey"].string(d_); key && !key->empty()) node["shared_key"] = *key;
        node = append("circuits", node);
        c.usable = true;
        std::string about = "circuit '" + r.name + "'";
        if (const auto tier = r.body["sku"]["tier"].string(d_)) about += ", " + *tier;
        const auto provider = r.body["serviceProviderProperties"];
        if (const auto name = provider["serviceProviderName"].string(d_)) about += ", " + *name;
        if (const auto location = provider["peeringLocation"].string(d_)) about += " at " + *location;
        if (const auto mbps = provider["bandwidthInMbps"].integer(d_, 0, 1000000000)) about += ", " + std::to_string(*mbps) + " Mbps";
        if (const auto vlan = p["vlanId"].integer(d_, 0, 4095)) about += "; private peering VLAN " + std::to_string(*vlan);
        tree_.comment(node, about);
        if (folded(r.body["sku"]["tier"].string(d_).value_or("")) == "local")
            tree_.comment(node, "Local: it reaches the VNets of its peering location's region only (not modelled)");
        const bool disabled = folded(p["state"].string(d_).value_or("enabled")) == "disabled";
        for (int i = 0; i < 2; ++i) {
            DerivedCe ce;
            ce.asn = static_cast<std::uint32_t>(*asn);
            ce.node = YAML::Node(YAML::NodeType::Map);
            ce.node["name"] = unique(c.name + (i == 0 ? "-primary-ce" : "-secondary-ce"));
            YAML::Node link(YAML::NodeType::Map);
            link["circuit"] = c.name;
            link["link"] = i == 0 ? "primary" : "secondary";
            if (disabled) link["shutdown"] = true;
            ce.node["expressroute"].push_back(link);
            ce.why = "derived: the CE on " + c.name + "'s " + (i == 0 ? "primary" : "secondary") +
                                         " link, AS " + std::to_string(*asn) + " (peerASN), on the /30's first usable address" +
                                         (disabled ? "; the private peering is Disabled: the link is shut" : "");
            ces_.push_back(std::move(ce));
        }
    }

    // The CE at the far end of a local network gateway, made once.
    std::string local_gateway_ce(const Resource& lng) {
        if (const auto it = lng_ces_.find(&lng); it != lng_ces_.end()) return it->second;
        DerivedCe ce;
        ce.node = YAML::Node(YAML::NodeType::Map);
        const auto name = unique(lng.name);
        ce.node["name"] = name;
        const auto bgp = lng.body["bgpSettings"];
        std::optional<IpAddress> peer;
        if (bgp.present()) {
            ce.asn = static_cast<std::uint32_t>(bgp["asn"].integer(d_, 1, 4294967295LL).value_or(0));
            if (!ce.asn) d_.error(bgp, "bgpSettings needs an asn");
            peer = address(bgp["bgpPeeringAddress"], bgp["bgpPeeringAddress"].string(d_));
            if (!peer) d_.error(bgp, "bgpSettings needs a bgpPeeringAddress");
            else ce.node["bgp_peering_address"] = text_of(*peer);
        }
        for (const auto& item : lng.body["localNetworkAddressSpace"]["addressPrefixes"].items(d_)) {
            const auto p = prefix(item, item.string(d_));
            // With BGP the address space often holds just the peer's /32: not a LAN.
            if (p && !(peer && p->length() == bgp::max_prefix_length(p->afi()) && p->contains(*peer))) ce.lan.push_back(*p);
        }
        const auto public_ip = lng.body["gatewayIpAddress"].string(d_);
        std::string why = "derived: the router behind local network gateway '" + lng.name + "'";
        if (public_ip) why += " (" + *public_ip + ")";
        if (!peer) {
            // Without BGP its tunnel still needs an address: the public one Azure holds.
            const auto tunnel = address(lng.body["gatewayIpAddress"], public_ip);
            if (!tunnel) d_.error(lng.body, "a local network gateway without bgpSettings needs a gatewayIpAddress (the tunnel's end)");
            else ce.node["tunnel_address"] = text_of(*tunnel);
            ce.asn_placeholder = true;
        }
        if (bgp.present()) why += ", AS " + std::to_string(ce.asn) + " and its BGP address from bgpSettings";
        ce.why = why;
        ces_.push_back(std::move(ce));
        lng_ces_[&lng] = name;
        return name;
    }

    void connection(const Resource& r) {
        const auto kind_field = r.body["connectionType"];
        const auto kind = folded(kind_field.string(d_).value_or(""));
        const auto* gateway_resource = res_.resolve(r.body["virtualNetworkGateway1"], type::gateway, d_);
        if (!r.body["virtualNetworkGateway1"].present()) return d_.error(r.body, "a connection needs virtualNetworkGateway1");
        if (kind != "expressroute" && kind != "ipsec" && kind != "vnet2vnet") {
            if (!kind_field.present()) return d_.error(r.body, "a connection needs a connectionType (ExpressRoute, IPsec or Vnet2Vnet)");
            d_.note("connection '" + r.name + "': type " + kind_field.string(d_).value_or("?") + " left out");
            return;
        }
        const auto it = gateways_.find(gateway_resource);
        if (it == gateways_.end()) return;
        const auto& g = it->second;
        YAML::Node node(YAML::NodeType::Map);
        node["name"] = unique(r.name);
        node["vnet"] = g.vnet->name;
        const auto weight = r.body["routingWeight"].integer(d_, 0, 32000).value_or(0);
        const bool bgp = r.body["enableBgp"].boolean(d_).value_or(kind == "expressroute");
        if (kind == "expressroute") {
            node["type"] = "expressroute";
            if (!g.expressroute) return d_.error(r.body["virtualNetworkGateway1"], "an ExpressRoute connection needs an ExpressRoute gateway");
            const auto peer = r.body["peer"];
            if (!peer.present()) return d_.error(r.body, "an ExpressRoute connection needs a peer (its circuit)");
            // The circuit, or (some replies) its private peering.
            auto circuit_id = peer["id"].string(d_);
            if (!circuit_id) return d_.error(peer, "a reference needs an 'id'");
            if (folded(*circuit_id).find("/peerings/") != std::string::npos) circuit_id = parent_id(*circuit_id);
            const auto* circuit_resource = res_.find(*circuit_id);
            if (!circuit_resource) return res_.missing(peer["id"], type::circuit, *circuit_id, d_);
            const auto c = circuits_.find(circuit_resource);
            if (c == circuits_.end()) return d_.error(peer["id"], "refers to " + circuit_resource->label() + ", not to a circuit");
            if (!c->second.usable) return;
            node["circuit"] = c->second.name;
            if (weight) node["routing_weight"] = weight;
        } else if (kind == "ipsec") {
            node["type"] = "ipsec";
            if (g.expressroute) return d_.error(r.body["virtualNetworkGateway1"], "an IPsec connection needs a VPN gateway");
            const auto* lng = res_.resolve(r.body["localNetworkGateway2"], type::local_gateway, d_);
            if (!r.body["localNetworkGateway2"].present()) return d_.error(r.body, "an IPsec connection needs localNetworkGateway2");
            if (!lng) return;
            node["ce"] = local_gateway_ce(*lng);
            if (!bgp || !g.bgp) node["enable_bgp"] = false;
            node = append("connections", node);
            if (weight) tree_.comment(node, "routingWeight " + std::to_string(weight) + " read");
            return;
        } else {
            if (g.expressroute) return d_.error(r.body["virtualNetworkGateway1"], "a VNet-to-VNet connection needs VPN gateways");
            const auto* other = res_.resolve(r.body["virtualNetworkGateway2"], type::gateway, d_);
            if (!r.body["virtualNetworkGateway2"].present()) return d_.error(r.body, "a Vnet2Vnet connection needs virtualNetworkGateway2");
            const auto o = gateways_.find(other);
            if (o == gateways_.end()) return;
            if (o->second.expressroute) return d_.error(r.body["virtualNetworkGateway2"], "a VNet-to-VNet connection needs VPN gateways");
            node["type"] = "vnet2vnet";
            node["remote_vnet"] = o->second.vnet->name;
            if (!bgp || !g.bgp || !o->second.bgp) node["enable_bgp"] = false;
            halves_.push_back({node, r.name, g.vnet->name, o->second.vnet->name});
            return;
        }
        append("connections", node);
    }

    // Azure runs a VNet-to-VNet connection once each side has its connection resource.
    void vnet2vnet_pairs() {
        std::set<std::size_t> used;
        for (std::size_t i = 0; i < halves_.size(); ++i) {
            if (used.contains(i)) continue;
            bool paired = false;
            for (std::size_t j = i + 1; j < halves_.size() && !paired; ++j)
                if (!used.contains(j) && halves_[j].from == halves_[i].to && halves_[j].to == halves_[i].from) {
                    used.insert(j);
                    paired = true;
                    auto node = append("connections", halves_[i].node);
                    tree_.comment(node, "with its reverse, connection '" + halves_[j].azure_name + "'");
                }
            if (!paired)
                d_.note("connection '" + halves_[i].azure_name + "' (" + halves_[i].from + " to " + halves_[i].to +
                        "): the input has no connection back, which a VNet-to-VNet connection needs; left out");
        }
    }

    void peerings(Vnet& v) {
        YAML::Node out(YAML::NodeType::Sequence);
        std::vector<std::string> forwarded_off;
        for (const auto& p : v.peerings) {
            const auto label = "peering '" + p["name"].string(d_).value_or("?") + "' of VNet '" + v.name + "'";
            const auto* remote_resource = res_.resolve(p["remoteVirtualNetwork"], type::vnet, d_);
            if (!p["remoteVirtualNetwork"].present()) {
                d_.error(p, "a peering needs remoteVirtualNetwork");
                continue;
            }
            auto* remote = vnet_of(remote_resource);
            if (!remote) continue;
            if (folded(p["peeringState"].string(d_).value_or("connected")) == "disconnected") {
                d_.note(label + " is Disconnected: left out");
                continue;
            }
            const bool back = std::any_of(remote->peerings.begin(), remote->peerings.end(), [&](const Field& q) {
                const auto id = q["remoteVirtualNetwork"]["id"].string(d_);
                return id && res_.find(*id) == v.resource;
            });
            if (!back) {
                d_.note(label + ": VNet '" + remote->name + "' has no peering back (Azure connects a peering configured on both sides); left out");
                continue;
            }
            YAML::Node node(YAML::NodeType::Map);
            node["vnet"] = remote->name;
            if (p["allowGatewayTransit"].boolean(d_).value_or(false)) node["allow_gateway_transit"] = true;
            if (p["useRemoteGateways"].boolean(d_).value_or(false)) node["use_remote_gateways"] = true;
            // Azure's filter of what a peer forwards from elsewhere (an NVA's traffic);
            // gateway transit does not depend on it, and bgpemu routes without it.
            if (const auto forwarded = p["allowForwardedTraffic"].boolean(d_); forwarded && !*forwarded)
                forwarded_off.push_back(remote->name);
            out.push_back(node);
        }
        if (out.size()) v.node["peerings"] = out;
        for (const auto& peer : forwarded_off)
            tree_.comment(v.node["peerings"], "allowForwardedTraffic false toward " + peer + ": read, not modelled (it filters NVA traffic, not gateway transit)");
    }

    // A site per customer ASN, holding the CEs of that ASN.
    void sites() {
        std::map<std::uint32_t, YAML::Node> by_asn;
        std::set<std::uint32_t> taken;
        for (const auto& ce : ces_)
            if (!ce.asn_placeholder) taken.insert(ce.asn);
        std::uint32_t next_placeholder = placeholder_asn;
        for (auto& ce : ces_) {
            auto asn = ce.asn;
            std::string why;
            if (ce.asn_placeholder) {
                while (taken.contains(next_placeholder)) ++next_placeholder;
                asn = next_placeholder;
                taken.insert(asn);
                why = "placeholder ASN: the site runs no BGP with Azure";
            }
            auto [at, added] = by_asn.try_emplace(asn);
            auto& site = at->second;
            if (added) {
                site = YAML::Node(YAML::NodeType::Map);
                site["name"] = unique(ce.asn_placeholder ? ce.node["name"].Scalar() + "-site" : "as" + std::to_string(asn));
                site["asn"] = asn;
                if (plain_sites_) site["advertise_only_lan"] = false;
                site = append("sites", site);
                tree_.comment(site, "derived: a site per customer ASN" + (why.empty() ? std::string() : "; " + why) +
                                        (plain_sites_ ? "; plain: no CE policy" : "; the documented CE policy: advertise only the LAN"));
            }
            // The documented route map prefers ExpressRoute where the site also has a VPN.
            if (!plain_sites_ && ce.node["bgp_peering_address"] && !site["prefer_expressroute"]) {
                site["prefer_expressroute"] = true;
                tree_.comment(site["prefer_expressroute"], "derived: ExpressRoute over the VPN (local preference 200)");
            }
            for (const auto& p : ce.lan) {
                bool present = false;
                for (const auto& q : site["lan_prefixes"]) present = present || q.Scalar() == text_of(p);
                if (!present) site["lan_prefixes"].push_back(text_of(p));
            }
            site["ces"].push_back(ce.node);
            tree_.comment(site["ces"][site["ces"].size() - 1], ce.why);
        }
    }

    struct Half {
        YAML::Node node;
        std::string azure_name, from, to;
    };

    const Resources& res_;
    Diagnostics& d_;
    bool plain_sites_;
    DesignTree tree_;
    std::set<std::string> names_;
    std::map<std::string, std::string> route_table_names_;  // by folded resource id
    std::map<IpAddress, YAML::Node> appliances_;
    std::vector<Vnet> vnets_;
    std::map<const Resource*, std::size_t> by_resource_;
    std::map<const Resource*, Gateway> gateways_;
    std::map<const Resource*, Circuit> circuits_;
    std::map<const Resource*, std::string> lng_ces_;
    std::vector<DerivedCe> ces_;
    std::vector<Half> halves_;
};

}  // namespace

ImportResult import_azure(const ImportRequest& request) {
    ImportResult result;
    Diagnostics d;
    Resources resources;
    for (const auto& file : request.files) resources.read_file(file, d);
    for (const auto& [name, text] : request.texts) resources.read_text(text, name, d);
    Importer importer(resources, d, request.plain_sites);
    if (d.errors().empty()) importer.run();
    auto& tree = importer.tree();
    if (d.errors().empty() && request.overlay) {
        try {
            merge_overlay(tree, YAML::LoadFile(*request.overlay), *request.overlay, d);
        } catch (const YAML::BadFile&) {
            d.file_error(*request.overlay, "cannot open the file");
        } catch (const YAML::Exception& e) {
            d.file_error(*request.overlay, "line " + std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1) +
                                               ": " + e.msg);
        }
    }
    for (const auto& e : d.errors()) result.errors.push_back(e.to_string());
    result.notes = d.notes();
    if (!result.errors.empty()) return result;
    try {
        importer.fill_in();
        importer.order_keys();
    } catch (const YAML::Exception& e) {
        // Only an overlay can give a key a shape the derived design never has.
        result.errors.push_back(request.overlay.value_or("the overlay") + ": a key of the overlay has a shape the design does not take (" +
                                e.msg + "); bgpemud --check on the design says which");
        return result;
    }
    std::vector<std::string> header = {"Imported by bgpemu-import-azure from:"};
    for (const auto& f : request.files) header.push_back("  " + f);
    if (request.overlay) header.push_back("with the overlay " + *request.overlay);
    header.push_back("What Azure holds is as read; what it does not is marked 'derived:' or 'placeholder:'.");
    for (const auto& n : result.notes) header.push_back("note: " + n);
    auto text = design_text(tree, header);
    // What the import wrote must compile: an error here is the overlay's or ours, named
    // at the design text's line.
    const auto loaded = design::parse_topology(text, request.output_name);
    if (!loaded.errors.empty()) {
        std::vector<std::string> lines;
        for (std::size_t at = 0; at <= text.size();) {
            const auto end = text.find('\n', at);
            lines.push_back(text.substr(at, end == std::string::npos ? std::string::npos : end - at));
            if (end == std::string::npos) break;
            at = end + 1;
        }
        for (const auto& e : loaded.errors) {
            auto line = e.to_string();
            if (e.line > 0 && e.line <= lines.size()) line += "\n    " + std::to_string(e.line) + " | " + lines[e.line - 1];
            result.errors.push_back("the design the import made does not compile: " + line);
        }
        return result;
    }
    result.design = std::move(text);
    return result;
}

}  // namespace bgpemu::daemon::import
