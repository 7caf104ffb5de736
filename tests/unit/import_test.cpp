// bgpemu-import-azure's library (daemon/import): Azure's JSON of the reference setup, in
// the REST shape and in the flattened `az` shape, imports with its overlay into a design
// that compiles to exactly what configs/azure-interop.yaml compiles to; without the
// overlay, into the CEs and sites Azure's data implies; the other input shapes (an ARM
// template with nested children, a Resource Graph reply); and every class of bad input
// as one error naming its file, JSON path and resource, with nothing written.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "daemon/design/topology_file.hpp"
#include "daemon/import/azure_import.hpp"
#include "temp_file.hpp"

namespace bgpemu::daemon::import {
namespace {

const std::string fixtures = BGPEMU_SOURCE_DIR "/tests/fixtures/azure/";

std::vector<std::string> json_files(const std::string& folder) {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(fixtures + folder))
        if (entry.path().extension() == ".json") out.push_back(entry.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

ImportResult imported(std::vector<std::string> files, std::optional<std::string> overlay = std::nullopt, bool plain = false) {
    ImportRequest request;
    request.files = std::move(files);
    request.overlay = std::move(overlay);
    request.plain_sites = plain;
    return import_azure(request);
}

std::string all(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

// The design without its header (which names the files read).
std::string body(const std::string& design) { return design.substr(design.find("\ntransport:")); }

// What bgpemud --expand prints for `design`, without its first line (which names the file).
std::string expanded(const std::string& design) {
    const test::TempFile file(design, "import");
    const auto out = design::expand_topology_file(file.path.string());
    INFO(all([&] {
        std::vector<std::string> e;
        for (const auto& x : out.errors) e.push_back(x.to_string());
        return e;
    }()));
    REQUIRE(out.errors.empty());
    return out.text.substr(out.text.find('\n'));
}

std::string file_text(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

YAML::Node item_named(const YAML::Node& list, const std::string& name) {
    for (const auto& item : list)
        if (item["name"] && item["name"].Scalar() == name) return item;
    FAIL("no item named " << name);
    return {};
}

}  // namespace

TEST_CASE("the reference's resources, REST and az shapes, import with the overlay into the reference design", "[import]") {
    const auto overlay = fixtures + "reference-overlay.yaml";
    const auto rest = imported(json_files("reference-rest"), overlay);
    const auto az = imported(json_files("reference-az"), overlay);
    INFO(all(rest.errors) << all(az.errors));
    REQUIRE(rest.errors.empty());
    REQUIRE(az.errors.empty());
    // The two shapes are one deployment: the same design, only the header differs.
    CHECK(body(rest.design) == body(az.design));
    // And it is the reference: the same speakers, sessions, links and addresses.
    CHECK(expanded(rest.design) == expanded(file_text(BGPEMU_SOURCE_DIR "/configs/azure-interop.yaml")));
    // The output says what the overlay set.
    CHECK(rest.design.find("# the overlay's CE, made of the derived er1-primary-ce, loc1-lng") != std::string::npos);
    // What was left out is listed, once per type.
    CHECK(std::count(rest.notes.begin(), rest.notes.end(), "ignored: Microsoft.Network/publicIPAddresses (2)") == 1);
    CHECK(std::count(rest.notes.begin(), rest.notes.end(), "ignored: Microsoft.Network/networkSecurityGroups (1)") == 1);
}

TEST_CASE("without an overlay, a CE per circuit link and per local network gateway, a site per customer ASN", "[import]") {
    const auto result = imported(json_files("reference-rest"));
    INFO(all(result.errors));
    REQUIRE(result.errors.empty());
    const auto design = YAML::Load(result.design);
    REQUIRE(design["sites"].size() == 2);
    const auto loc1 = item_named(design["sites"], "as65021");
    CHECK(loc1["asn"].as<int>() == 65021);
    // The site has a tunnel too, so it gets the documented preference of ExpressRoute.
    CHECK(loc1["prefer_expressroute"].as<bool>());
    std::vector<std::string> ces;
    for (const auto& ce : loc1["ces"]) ces.push_back(ce["name"].Scalar());
    CHECK(ces == std::vector<std::string>{"er1-primary-ce", "er1-secondary-ce", "loc1-lng"});
    CHECK(item_named(loc1["ces"], "loc1-lng")["bgp_peering_address"].Scalar() == "10.2.30.125");
    CHECK(item_named(loc1["ces"], "er1-secondary-ce")["expressroute"][0]["link"].Scalar() == "secondary");
    // Azure does not hold the LAN (the gateway's address space is the BGP peer's /32).
    CHECK(loc1["lan_prefixes"][0].Scalar() == "198.18.0.0/24");
    CHECK(result.design.find("# placeholder: Azure does not hold this site's LAN") != std::string::npos);
    const auto loc2 = item_named(design["sites"], "as65020");
    CHECK_FALSE(loc2["prefer_expressroute"]);
    CHECK(item_named(design["connections"], "hub-loc1")["ce"].Scalar() == "loc1-lng");
    // The VNet-to-VNet pair is one connection; the gateways' addresses as Azure has them.
    CHECK(design["connections"].size() == 5);
    const auto hub = item_named(design["vnets"], "hub");
    CHECK(hub["vpn_gateway"]["bgp_peering_address"].Scalar() == "10.10.30.254");
    CHECK(hub["vpn_gateway"]["instance_addresses"][0].Scalar() == "10.10.30.142");
    CHECK(hub["er_gateway"]["instance_addresses"].size() == 3);
    CHECK(item_named(hub["vms"], "hub-vm")["address"].Scalar() == "10.10.30.4");
    CHECK(item_named(design["vnets"], "branch")["vpn_gateway"]["asn"].as<int>() == 65516);

    const auto plain = YAML::Load(imported(json_files("reference-rest"), std::nullopt, true).design);
    CHECK_FALSE(item_named(plain["sites"], "as65021")["prefer_expressroute"]);
    CHECK_FALSE(item_named(plain["sites"], "as65021")["advertise_only_lan"].as<bool>());
}

TEST_CASE("an ARM template with literal values and nested children, and a Resource Graph reply", "[import]") {
    const auto from_template = imported({fixtures + "shapes/template.json"});
    INFO(all(from_template.errors));
    REQUIRE(from_template.errors.empty());
    const auto design = YAML::Load(from_template.design);
    // The nested peering and the top-level child peering join their VNets.
    CHECK(item_named(design["vnets"], "hub")["peerings"][0]["allow_gateway_transit"].as<bool>());
    CHECK(item_named(design["vnets"], "spoke")["peerings"][0]["use_remote_gateways"].as<bool>());
    CHECK(from_template.design.find("# allowForwardedTraffic false toward spoke: read, not modelled") != std::string::npos);
    CHECK(item_named(design["circuits"], "er1")["premium"].as<bool>());
    CHECK(item_named(design["connections"], "hub-er1")["routing_weight"].as<int>() == 10);
    // No address on the ExpressRoute gateway: the GatewaySubnet's first, said so.
    CHECK(item_named(design["vnets"], "hub")["er_gateway"]["instance_addresses"][0].Scalar() == "10.0.255.4");
    CHECK(from_template.design.find("# derived: instance addresses") != std::string::npos);

    const auto graph = imported({fixtures + "shapes/resource-graph.json"});
    INFO(all(graph.errors));
    REQUIRE(graph.errors.empty());
    const auto g = YAML::Load(graph.design);
    // Lowercased types; a peering without its other half is reported, not guessed.
    CHECK_FALSE(item_named(g["vnets"], "hub")["peerings"]);
    CHECK(std::any_of(graph.notes.begin(), graph.notes.end(), [](const std::string& n) {
        return n.find("VNet 'spoke' has no peering back") != std::string::npos;
    }));
    // A connection without BGP: static routes to the gateway's address space.
    const auto connection = item_named(g["connections"], "hub-branch-office");
    CHECK_FALSE(connection["enable_bgp"].as<bool>());
    const auto site = item_named(g["sites"], "branch-office-site");
    CHECK(site["lan_prefixes"].size() == 2);
    CHECK(item_named(site["ces"], "branch-office")["tunnel_address"].Scalar() == "198.51.100.7");
    // Active-active: both BGP addresses (Azure's comma-separated bgpPeeringAddress), one
    // VNet-side address per instance apart from them, and a comment naming the instances.
    const auto vpn_gateway = item_named(g["vnets"], "hub")["vpn_gateway"];
    CHECK(vpn_gateway["active_active"].as<bool>());
    CHECK_FALSE(vpn_gateway["bgp_peering_address"]);
    REQUIRE(vpn_gateway["bgp_peering_addresses"].size() == 2);
    CHECK(vpn_gateway["bgp_peering_addresses"][0].Scalar() == "10.0.255.4");
    CHECK(vpn_gateway["bgp_peering_addresses"][1].Scalar() == "10.0.255.5");
    REQUIRE(vpn_gateway["instance_addresses"].size() == 2);
    CHECK(vpn_gateway["instance_addresses"][0].Scalar() == "10.0.255.6");
    CHECK(vpn_gateway["instance_addresses"][1].Scalar() == "10.0.255.7");
    CHECK(graph.design.find("hub-vpngw-instance0 and -instance1") != std::string::npos);
    // The VNet's region and bgpCommunities, custom and regional, as the design's keys.
    const auto hub = item_named(g["vnets"], "hub");
    CHECK(hub["location"].Scalar() == "westeurope");
    CHECK(hub["bgp_community"].Scalar() == "12076:20010");
    CHECK(hub["regional_community"].Scalar() == "12076:50002");
    CHECK_FALSE(item_named(g["vnets"], "spoke")["bgp_community"]);
    // A route table of the spoke's subnet: its routes, the appliance at its next hop
    // (a VM with IP forwarding in the hub, beside the hub's VM for traces, which moves
    // on to the next address), a route whose next hop is in no VNet left out.
    CHECK(item_named(g["vnets"], "spoke")["route_table"].Scalar() == "spoke-rt");
    const auto table = item_named(g["route_tables"], "spoke-rt");
    CHECK(table["disable_bgp_route_propagation"].as<bool>());
    REQUIRE(table["routes"].size() == 2);
    CHECK(table["routes"][0]["next_hop_type"].Scalar() == "VirtualAppliance");
    CHECK(table["routes"][0]["next_hop_ip_address"].Scalar() == "10.0.0.4");
    CHECK(table["routes"][1]["next_hop_type"].Scalar() == "None");
    const auto nva = item_named(hub["vms"], "hub-nva-10-0-0-4");
    CHECK(nva["ip_forwarding"].as<bool>());
    CHECK(nva["address"].Scalar() == "10.0.0.4");
    CHECK(item_named(hub["vms"], "hub-vm")["address"].Scalar() == "10.0.0.5");
    CHECK(std::any_of(graph.notes.begin(), graph.notes.end(), [](const std::string& n) {
        return n.find("route 'elsewhere' of route table 'spoke-rt' left out") != std::string::npos;
    }));
    // A Route Server (a virtual hub outside Virtual WAN): its instances' addresses, its
    // switch and preference, its BGP connection's NVA (the appliance above) with its ASN.
    const auto rs = hub["route_server"];
    REQUIRE(rs);
    CHECK(rs["addresses"].size() == 2);
    CHECK(rs["branch_to_branch"].as<bool>());
    CHECK(rs["routing_preference"].Scalar() == "ASPath");
    REQUIRE(rs["peers"].size() == 1);
    CHECK(rs["peers"][0].Scalar() == "hub-nva-10-0-0-4");
    CHECK(nva["asn"].as<unsigned>() == 65010);
}

TEST_CASE("child resources listed on their own join their parent by id", "[import]") {
    // As az network vnet peering list and az network express-route peering list print them.
    const std::string s = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network";
    const std::string vnets = R"([{"id": ")" + s + R"(/virtualNetworks/a", "name": "a", "type": "Microsoft.Network/virtualNetworks",
  "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}, "subnets": [{"name": "GatewaySubnet", "addressPrefix": "10.1.255.0/27"}]},
 {"id": ")" + s + R"(/virtualNetworks/b", "name": "b", "type": "Microsoft.Network/virtualNetworks",
  "addressSpace": {"addressPrefixes": ["10.2.0.0/16"]}, "subnets": [{"name": "default", "addressPrefix": "10.2.0.0/24"}]}])";
    const std::string peerings = R"([{"id": ")" + s + R"(/virtualNetworks/a/virtualNetworkPeerings/a-b", "name": "a-b",
  "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "allowGatewayTransit": true,
  "remoteVirtualNetwork": {"id": ")" + s + R"(/virtualNetworks/b"}},
 {"id": ")" + s + R"(/virtualNetworks/b/virtualNetworkPeerings/b-a", "name": "b-a",
  "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "useRemoteGateways": true,
  "remoteVirtualNetwork": {"id": ")" + s + R"(/virtualNetworks/a"}}])";
    const std::string rest = R"([{"id": ")" + s + R"(/virtualNetworkGateways/a-gw", "name": "a-gw", "type": "Microsoft.Network/virtualNetworkGateways",
  "gatewayType": "ExpressRoute", "ipConfigurations": [{"subnet": {"id": ")" + s + R"(/virtualNetworks/a/subnets/GatewaySubnet"}}]},
 {"id": ")" + s + R"(/expressRouteCircuits/c", "name": "c", "type": "Microsoft.Network/expressRouteCircuits", "sku": {"tier": "Standard"}},
 {"id": ")" + s + R"(/expressRouteCircuits/c/peerings/AzurePrivatePeering", "name": "AzurePrivatePeering",
  "type": "Microsoft.Network/expressRouteCircuits/peerings", "peeringType": "AzurePrivatePeering", "peerAsn": 65001,
  "primaryPeerAddressPrefix": "192.168.9.0/30", "secondaryPeerAddressPrefix": "192.168.9.4/30", "state": "Disabled"},
 {"id": ")" + s + R"(/connections/a-c", "name": "a-c", "type": "Microsoft.Network/connections", "connectionType": "ExpressRoute",
  "virtualNetworkGateway1": {"id": ")" + s + R"(/virtualNetworkGateways/a-gw"},
  "peer": {"id": ")" + s + R"(/expressRouteCircuits/c/peerings/AzurePrivatePeering"}}])";
    ImportRequest request;
    request.texts = {{"vnets.json", vnets}, {"peerings.json", peerings}, {"rest.json", rest}};
    const auto result = import_azure(request);
    INFO(all(result.errors));
    REQUIRE(result.errors.empty());
    const auto design = YAML::Load(result.design);
    CHECK(item_named(design["vnets"], "a")["peerings"][0]["vnet"].Scalar() == "b");
    CHECK(item_named(design["vnets"], "b")["peerings"][0]["use_remote_gateways"].as<bool>());
    // The connection's peer names the circuit's private peering: the circuit it is.
    CHECK(item_named(design["connections"], "a-c")["circuit"].Scalar() == "c");
    // A Disabled private peering: both links shut at the derived CEs.
    const auto site = item_named(design["sites"], "as65001");
    CHECK(item_named(site["ces"], "c-primary-ce")["expressroute"][0]["shutdown"].as<bool>());
}

TEST_CASE("Global Reach: a private peering's connection to another circuit's", "[import][global-reach]") {
    const std::string s = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network";
    const auto circuit = [&](const std::string& name, const std::string& links, const std::string& connections) {
        return R"({"id": ")" + s + "/expressRouteCircuits/" + name + R"(", "name": ")" + name +
               R"(", "type": "Microsoft.Network/expressRouteCircuits", "sku": {"tier": "Premium"},
  "properties": {"peerings": [{"name": "AzurePrivatePeering", "properties": {"peeringType": "AzurePrivatePeering", "peerASN": 65001,
  "primaryPeerAddressPrefix": ")" + links + R"(.0/30", "secondaryPeerAddressPrefix": ")" + links + R"(.4/30", "connections": [)" +
               connections + "]}}]}}";
    };
    const auto reach = [&](const std::string& peer) {
        return R"({"name": "c-to-d", "properties": {"addressPrefix": "192.168.40.0/29", "peerExpressRouteCircuitPeering": {"id": ")" + s +
               "/expressRouteCircuits/" + peer + R"(/peerings/AzurePrivatePeering"}}})";
    };
    const auto input = [&](const std::string& connections) {
        return R"([{"id": ")" + s + R"(/virtualNetworks/a", "name": "a", "type": "Microsoft.Network/virtualNetworks",
  "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}, "subnets": [{"name": "GatewaySubnet", "addressPrefix": "10.1.255.0/27"}]},
 {"id": ")" + s + R"(/virtualNetworkGateways/a-gw", "name": "a-gw", "type": "Microsoft.Network/virtualNetworkGateways",
  "gatewayType": "ExpressRoute", "ipConfigurations": [{"subnet": {"id": ")" + s + R"(/virtualNetworks/a/subnets/GatewaySubnet"}}]},
 )" + circuit("c", "192.168.9", connections) + ",\n " + circuit("d", "192.168.10", "") + R"(,
 {"id": ")" + s + R"(/connections/a-c", "name": "a-c", "type": "Microsoft.Network/connections", "connectionType": "ExpressRoute",
  "virtualNetworkGateway1": {"id": ")" + s + R"(/virtualNetworkGateways/a-gw"}, "peer": {"id": ")" + s + R"(/expressRouteCircuits/c"}}])";
    };
    ImportRequest request;
    request.texts = {{"all.json", input(reach("d"))}};
    const auto result = import_azure(request);
    INFO(all(result.errors));
    REQUIRE(result.errors.empty());
    const auto design = YAML::Load(result.design);
    REQUIRE(design["global_reach"].size() == 1);
    const auto link = design["global_reach"][0];
    CHECK(link["name"].Scalar() == "c-to-d");
    CHECK(link["circuits"][0].Scalar() == "c");
    CHECK(link["circuits"][1].Scalar() == "d");
    CHECK(link["address_prefix"].Scalar() == "192.168.40.0/29");

    // A connection to a circuit the input lacks: named, with where it is.
    ImportRequest missing;
    missing.texts = {{"all.json", input(reach("nowhere"))}};
    const auto refused = import_azure(missing);
    REQUIRE_FALSE(refused.errors.empty());
    CHECK(all(refused.errors).find("nowhere") != std::string::npos);
    CHECK(all(refused.errors).find("peerExpressRouteCircuitPeering") != std::string::npos);
}

TEST_CASE("IPv6 private peering: the peering's ipv6PeeringConfig gives the circuit its /126 links", "[import][ipv6]") {
    const std::string s = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network";
    const auto input = [&](const std::string& ipv6) {
        return R"([{"id": ")" + s + R"(/virtualNetworks/a", "name": "a", "type": "Microsoft.Network/virtualNetworks",
  "addressSpace": {"addressPrefixes": ["10.1.0.0/16", "fd00:1::/48"]}, "subnets": [{"name": "GatewaySubnet", "addressPrefix": "10.1.255.0/27"}]},
 {"id": ")" + s + R"(/virtualNetworkGateways/a-gw", "name": "a-gw", "type": "Microsoft.Network/virtualNetworkGateways",
  "gatewayType": "ExpressRoute", "ipConfigurations": [{"subnet": {"id": ")" + s + R"(/virtualNetworks/a/subnets/GatewaySubnet"}}]},
 {"id": ")" + s + R"(/expressRouteCircuits/c", "name": "c", "type": "Microsoft.Network/expressRouteCircuits",
  "properties": {"peerings": [{"name": "AzurePrivatePeering", "properties": {"peeringType": "AzurePrivatePeering", "peerASN": 65001,
  "primaryPeerAddressPrefix": "192.168.9.0/30", "secondaryPeerAddressPrefix": "192.168.9.4/30", "ipv6PeeringConfig": )" + ipv6 + R"(}}]}},
 {"id": ")" + s + R"(/connections/a-c", "name": "a-c", "type": "Microsoft.Network/connections", "connectionType": "ExpressRoute",
  "virtualNetworkGateway1": {"id": ")" + s + R"(/virtualNetworkGateways/a-gw"}, "peer": {"id": ")" + s + R"(/expressRouteCircuits/c"}}])";
    };
    const auto run = [&](const std::string& ipv6) {
        ImportRequest request;
        request.texts = {{"all.json", input(ipv6)}};
        return import_azure(request);
    };
    const auto result = run(R"({"primaryPeerAddressPrefix": "2001:db8:ff::/126", "secondaryPeerAddressPrefix": "2001:db8:ff::4/126"})");
    INFO(all(result.errors));
    REQUIRE(result.errors.empty());
    const auto circuit = item_named(YAML::Load(result.design)["circuits"], "c");
    CHECK(circuit["ipv6_peering"]["primary_peer_address_prefix"].Scalar() == "2001:db8:ff::/126");
    CHECK(circuit["ipv6_peering"]["secondary_peer_address_prefix"].Scalar() == "2001:db8:ff::4/126");
    // It compiles into dual-stack links.
    CHECK(expanded(result.design).find("address: [192.168.9.1/30, 2001:db8:ff::1/126]") != std::string::npos);

    const auto disabled = run(R"({"primaryPeerAddressPrefix": "2001:db8:ff::/126", "secondaryPeerAddressPrefix": "2001:db8:ff::4/126", "state": "Disabled"})");
    REQUIRE(disabled.errors.empty());
    CHECK_FALSE(item_named(YAML::Load(disabled.design)["circuits"], "c")["ipv6_peering"]);
    const auto wrong = run(R"({"primaryPeerAddressPrefix": "2001:db8:ff::/64", "secondaryPeerAddressPrefix": "2001:db8:ff::4/126"})");
    REQUIRE_FALSE(wrong.errors.empty());
    CHECK(all(wrong.errors).find("'2001:db8:ff::/64' is not an IPv6 /126") != std::string::npos);
    CHECK(all(wrong.errors).find("ipv6PeeringConfig") != std::string::npos);
}

TEST_CASE("bad input: one error naming the file, the JSON path and the resource; nothing written", "[import]") {
    struct Case {
        const char* file;
        const char* where;    // "$..." path, or the file-level position
        const char* message;  // part of the message
    };
    const Case cases[] = {
        {"not-json.json", "not JSON", "at line 3, column 1"},
        {"no-id.json", "$[1]", "a resource needs an 'id'"},
        {"no-type.json", "$.value[0]", "a resource needs a 'type'"},
        {"dangling-reference.json", "$[2].properties.peer.id (Microsoft.Network/connections 'hub-er1')",
         "refers to Microsoft.Network/expressRouteCircuits 'er1'"},
        {"not-a-30.json", "$.properties.peerings[0].properties.primaryPeerAddressPrefix (Microsoft.Network/expressRouteCircuits 'er1')",
         "'192.168.1.0/29' is not a /30"},
        {"no-peer-asn.json", "$.peerings[0] (Microsoft.Network/expressRouteCircuits 'er1')", "needs a peerASN"},
        {"template-expression.json", "$.resources[0].name", "is an ARM template expression"},
    };
    for (const auto& c : cases) {
        const auto path = fixtures + "errors/" + c.file;
        const auto result = imported({path});
        INFO(c.file << ":\n" << all(result.errors));
        CHECK(result.design.empty());
        REQUIRE(result.errors.size() == 1);
        CHECK(result.errors[0].rfind(path + ": ", 0) == 0);
        CHECK(result.errors[0].find(c.where) != std::string::npos);
        CHECK(result.errors[0].find(c.message) != std::string::npos);
    }
    // An overlay that is not a design fragment, at its line.
    const auto overlay = imported(json_files("reference-rest"), fixtures + "errors/overlay-not-a-map.yaml");
    REQUIRE(overlay.errors.size() == 1);
    CHECK(overlay.errors[0].find("overlay-not-a-map.yaml: line 1, column 1: an overlay is a design-file fragment") != std::string::npos);
    // An overlay that breaks the design: the compiler's error, at the design's line.
    const test::TempFile bad(R"(sites: [{asn: 65021, ces: [{name: loc1-ce1, expressroute: [{circuit: er9, link: primary}]}]}])", "overlay");
    const auto broken = imported(json_files("reference-rest"), bad.path.string());
    REQUIRE_FALSE(broken.errors.empty());
    CHECK(broken.design.empty());
    CHECK(broken.errors[0].find("the design the import made does not compile") != std::string::npos);
    CHECK(broken.errors[0].find("no circuit 'er9'") != std::string::npos);
}

}  // namespace bgpemu::daemon::import
