// The speaker's own import and export rules (bgp/speaker/route_rules.hpp), without a
// session: each rule on a path built here, against what the RFCs and FRR do.
#include <catch2/catch.hpp>

#include "bgp/speaker/route_rules.hpp"

namespace bgpemu::bgp {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

PathAttributes path(const char* as_path) {
    PathAttributes attributes;
    attributes.origin = Origin::igp;
    attributes.as_path = *AsPath::parse(as_path);
    attributes.has_as_path = true;
    attributes.next_hop = ip("192.0.2.1");
    return attributes;
}

ExportContext toward_ebgp() {
    ExportContext neighbor;
    neighbor.external = true;
    neighbor.peer_as = 65002;
    neighbor.local_as = 65001;
    neighbor.transport_address = ip("10.0.0.1");
    return neighbor;
}

ExportContext toward_ibgp() {
    ExportContext neighbor = toward_ebgp();
    neighbor.external = false;
    neighbor.peer_as = 65001;
    return neighbor;
}

}  // namespace

TEST_CASE("Import: an eBGP path starts with the peer's AS and holds ours at most allowas_in times", "[rules]") {
    const ImportContext ebgp{.external = true, .peer_as = 65002, .local_as = 65001, .allowas_in = 0};
    CHECK(import_refusal(path("65002 65010"), ebgp) == nullptr);
    CHECK(std::string(import_refusal(path("65003 65010"), ebgp)) == "AS_PATH does not start with the peer's AS");
    CHECK(std::string(import_refusal(path("65002 65001 65010"), ebgp)) == "AS_PATH holds our own AS (loop)");

    ImportContext allowas = ebgp;
    allowas.allowas_in = 1;
    CHECK(import_refusal(path("65002 65001 65010"), allowas) == nullptr);
    CHECK(import_refusal(path("65002 65001 65001"), allowas) != nullptr);

    // iBGP: no first-AS rule (an empty path is ours), the loop rule still holds.
    const ImportContext ibgp{.external = false, .peer_as = 65001, .local_as = 65001, .allowas_in = 0};
    CHECK(import_refusal(path(""), ibgp) == nullptr);
    CHECK(import_refusal(path("65003"), ibgp) == nullptr);
    CHECK(import_refusal(path("65003 65001"), ibgp) != nullptr);
}

TEST_CASE("RFC 8212 blocks an eBGP direction without policy, and only that", "[rules]") {
    CHECK(blocked_by_rfc8212(true, true, false));
    CHECK_FALSE(blocked_by_rfc8212(true, true, true));
    CHECK_FALSE(blocked_by_rfc8212(true, false, false));  // iBGP
    CHECK_FALSE(blocked_by_rfc8212(false, true, false));  // turned off
}

TEST_CASE("Export filter: iBGP split horizon, RFC 1997 communities, sender-side loop detection", "[rules]") {
    const auto plain = path("65010");
    CHECK(export_refusal(plain, false, toward_ebgp()) == nullptr);
    CHECK(export_refusal(plain, true, toward_ebgp()) == nullptr);  // iBGP-learned goes to eBGP
    CHECK(export_refusal(plain, true, toward_ibgp()) != nullptr);  // but not to iBGP
    CHECK(export_refusal(plain, false, toward_ibgp()) == nullptr);

    auto no_advertise = plain;
    no_advertise.communities = {well_known_community::no_advertise};
    CHECK(export_refusal(no_advertise, false, toward_ebgp()) != nullptr);
    CHECK(export_refusal(no_advertise, false, toward_ibgp()) != nullptr);

    for (const auto community : {well_known_community::no_export, well_known_community::no_export_subconfed}) {
        auto no_export = plain;
        no_export.communities = {100, community};
        CHECK(export_refusal(no_export, false, toward_ebgp()) != nullptr);
        CHECK(export_refusal(no_export, false, toward_ibgp()) == nullptr);
    }

    const auto through_peer = path("65010 65002 65020");
    CHECK(export_refusal(through_peer, false, toward_ebgp()) == nullptr);
    auto detecting = toward_ebgp();
    detecting.sender_side_loop_detection = true;
    CHECK(export_refusal(through_peer, false, detecting) != nullptr);
    CHECK(export_refusal(plain, false, detecting) == nullptr);
}

TEST_CASE("Export toward eBGP: next hop self, MED of another AS dropped, our AS prepended", "[rules]") {
    auto attributes = path("65010");
    attributes.med = 50;
    attributes.local_pref = 300;
    attributes.weight = 7;
    attributes.originator_id = 0x0a000009;
    attributes.cluster_list = {0x0a000001};
    const auto neighbor = toward_ebgp();

    prepare_export(attributes, neighbor);
    CHECK(attributes.next_hop == ip("10.0.0.1"));
    CHECK_FALSE(attributes.med);
    CHECK(attributes.local_pref == 300u);  // the route map still sees it
    finish_export(attributes, neighbor);
    CHECK(attributes.as_path.to_string() == "65001 65010");
    CHECK_FALSE(attributes.local_pref);
    CHECK_FALSE(attributes.weight);
    CHECK_FALSE(attributes.originator_id);
    CHECK(attributes.cluster_list.empty());

    // Our own origination keeps its MED toward eBGP.
    auto local = path("");
    local.med = 10;
    auto from_us = neighbor;
    from_us.local = true;
    prepare_export(local, from_us);
    CHECK(local.med == 10u);
}

TEST_CASE("Export toward eBGP: remove-private-as and as-override come before our AS", "[rules]") {
    auto neighbor = toward_ebgp();
    neighbor.remove_private_as = rib::RemovePrivateAs::all;
    auto attributes = path("64512 3356 65100");
    prepare_export(attributes, neighbor);
    finish_export(attributes, neighbor);
    CHECK(attributes.as_path.to_string() == "65001 3356");

    neighbor = toward_ebgp();
    neighbor.as_override = true;
    attributes = path("65010 65002");
    prepare_export(attributes, neighbor);
    finish_export(attributes, neighbor);
    CHECK(attributes.as_path.to_string() == "65001 65010 65001");
}

TEST_CASE("Export toward iBGP: next hop kept unless self, LOCAL_PREF defaults to 100", "[rules]") {
    auto attributes = path("65010");
    auto neighbor = toward_ibgp();
    prepare_export(attributes, neighbor);
    CHECK(attributes.next_hop == ip("192.0.2.1"));
    finish_export(attributes, neighbor);
    CHECK(attributes.as_path.to_string() == "65010");
    CHECK(attributes.local_pref == 100u);

    neighbor.next_hop_self = true;
    neighbor.self_next_hop_v4 = ip("10.9.9.9");
    attributes = path("65010");
    attributes.local_pref = 200;
    prepare_export(attributes, neighbor);
    finish_export(attributes, neighbor);
    CHECK(attributes.next_hop == ip("10.9.9.9"));
    CHECK(attributes.local_pref == 200u);
}

TEST_CASE("Export next hop over IPv6: the transport address, or v4-mapped over an IPv4 session", "[rules]") {
    auto attributes = path("65010");
    attributes.next_hop.reset();
    attributes.mp_next_hop = ip("2001:db8::1");
    attributes.mp_next_hop_link_local = ip("fe80::1");
    prepare_export(attributes, toward_ebgp());
    CHECK(attributes.mp_next_hop == ip("::ffff:10.0.0.1"));
    CHECK_FALSE(attributes.mp_next_hop_link_local);

    auto over_v6 = toward_ebgp();
    over_v6.transport_address = ip("2001:db8::99");
    attributes.mp_next_hop = ip("2001:db8::1");
    prepare_export(attributes, over_v6);
    CHECK(attributes.mp_next_hop == ip("2001:db8::99"));
}

}  // namespace bgpemu::bgp
