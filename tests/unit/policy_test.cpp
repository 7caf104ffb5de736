// Routing policy (rib/policy.hpp): prefix lists with ge/le, AS-path lists with FRR's
// regex dialect, community lists, route maps with continue semantics, and the
// per-neighbour AS-path rewrites (remove-private-as, as-override), each against the
// behaviour FRR and Cisco IOS document.
#include <catch2/catch.hpp>

#include <algorithm>

#include "bgp/wire/attribute_text.hpp"
#include "rib/policy.hpp"

namespace bgpemu::rib {
namespace {

bgp::Prefix prefix(const char* text) { return *bgp::Prefix::parse(text); }
bgp::AsPath path(const char* text) { return *bgp::AsPath::parse(text); }

PrefixListEntry entry(PolicyAction action, const char* p, unsigned ge = 0, unsigned le = 0) {
    PrefixListEntry e;
    e.action = action;
    e.prefix = prefix(p);
    e.ge = static_cast<std::uint8_t>(ge);
    e.le = static_cast<std::uint8_t>(le);
    return e;
}

AsPathList regex_list(std::initializer_list<std::pair<PolicyAction, const char*>> lines) {
    AsPathList list;
    for (const auto& [action, text] : lines) {
        AsPathListEntry e;
        e.action = action;
        e.kind = AsPathListEntry::Kind::regex;
        e.text = text;
        e.regex = compile_as_path_regex(text);
        list.entries.push_back(std::move(e));
    }
    return list;
}

bgp::PathAttributes attributes(const char* as_path) {
    bgp::PathAttributes a;
    a.origin = bgp::Origin::igp;
    a.as_path = path(as_path);
    a.has_as_path = true;
    a.next_hop = bgp::IpAddress::parse("192.0.2.1");
    return a;
}

}  // namespace

TEST_CASE("prefix lists: exact, ge, le and ranges, first match wins, implicit deny", "[policy][prefix_list]") {
    const auto permit = PolicyAction::permit;
    SECTION("without ge/le only the prefix itself matches") {
        const auto e = entry(permit, "10.2.30.0/25");
        CHECK(e.matches(prefix("10.2.30.0/25")));
        CHECK_FALSE(e.matches(prefix("10.2.30.0/26")));
        CHECK_FALSE(e.matches(prefix("10.2.30.0/24")));
        CHECK_FALSE(e.matches(prefix("10.2.30.128/25")));
    }
    SECTION("le: the prefix and more-specifics up to le") {
        const auto e = entry(permit, "10.0.0.0/8", 0, 24);
        CHECK(e.matches(prefix("10.0.0.0/8")));
        CHECK(e.matches(prefix("10.200.0.0/16")));
        CHECK(e.matches(prefix("10.1.2.0/24")));
        CHECK_FALSE(e.matches(prefix("10.1.2.0/25")));
        CHECK_FALSE(e.matches(prefix("11.0.0.0/8")));
    }
    SECTION("ge: more-specifics from ge to the family's maximum") {
        const auto e = entry(permit, "10.0.0.0/8", 16);
        CHECK_FALSE(e.matches(prefix("10.0.0.0/8")));
        CHECK_FALSE(e.matches(prefix("10.0.0.0/15")));
        CHECK(e.matches(prefix("10.0.0.0/16")));
        CHECK(e.matches(prefix("10.9.9.9/32")));
    }
    SECTION("ge and le together") {
        const auto e = entry(permit, "0.0.0.0/0", 25, 27);
        CHECK_FALSE(e.matches(prefix("192.0.2.0/24")));
        CHECK(e.matches(prefix("192.0.2.0/25")));
        CHECK(e.matches(prefix("192.0.2.32/27")));
        CHECK_FALSE(e.matches(prefix("192.0.2.32/28")));
    }
    SECTION("families never mix") {
        CHECK_FALSE(entry(permit, "0.0.0.0/0", 0, 32).matches(prefix("2001:db8::/32")));
        CHECK(entry(permit, "2001:db8::/32", 0, 48).matches(prefix("2001:db8:1::/48")));
        CHECK_FALSE(entry(permit, "2001:db8::/32", 0, 48).matches(prefix("2001:db8:1::/64")));
    }
    SECTION("the first matching entry decides; no match denies") {
        PrefixList list;
        list.entries = {entry(PolicyAction::deny, "10.1.0.0/16", 0, 32), entry(permit, "10.0.0.0/8", 0, 32)};
        CHECK_FALSE(list.permits(prefix("10.1.5.0/24")));
        CHECK(list.permits(prefix("10.2.5.0/24")));
        CHECK_FALSE(list.permits(prefix("192.0.2.0/24")));
        CHECK_FALSE(PrefixList{}.permits(prefix("192.0.2.0/24")));
    }
}

TEST_CASE("AS-path lists: FRR's regex dialect and the simple matches", "[policy][as_path]") {
    const auto permit = PolicyAction::permit;
    SECTION("_ is a delimiter: start, end, space, set braces") {
        const auto list = regex_list({{permit, "_12076_"}});
        CHECK(list.permits(path("12076")));
        CHECK(list.permits(path("65515 12076 65021")));
        CHECK(list.permits(path("65515 {12076,65021}")));
        CHECK_FALSE(list.permits(path("112076 65021")));
        CHECK_FALSE(list.permits(path("120761")));
    }
    SECTION("anchors: from a neighbour, originated by, empty path") {
        CHECK(regex_list({{permit, "^12076_"}}).permits(path("12076 65021")));
        CHECK_FALSE(regex_list({{permit, "^12076_"}}).permits(path("65021 12076")));
        CHECK(regex_list({{permit, "_65021$"}}).permits(path("12076 65021")));
        CHECK(regex_list({{permit, "^$"}}).permits(path("")));
        CHECK_FALSE(regex_list({{permit, "^$"}}).permits(path("65001")));
    }
    SECTION("a deny line before a broader permit") {
        const auto list = regex_list({{PolicyAction::deny, "_65516_"}, {permit, ".*"}});
        CHECK_FALSE(list.permits(path("65515 65516")));
        CHECK(list.permits(path("65515")));
    }
    SECTION("simple matches: contains, originates from, length") {
        AsPathListEntry contains;
        contains.kind = AsPathListEntry::Kind::contains;
        contains.value = 65020;
        AsPathListEntry origin;
        origin.kind = AsPathListEntry::Kind::originates_from;
        origin.value = 65020;
        AsPathListEntry shorter;
        shorter.kind = AsPathListEntry::Kind::length_at_most;
        shorter.value = 2;
        const auto p = path("12076 65020 65030");
        CHECK(contains.matches(p, p.to_string()));
        CHECK_FALSE(origin.matches(p, p.to_string()));
        CHECK(origin.matches(path("12076 65020"), "12076 65020"));
        CHECK_FALSE(shorter.matches(p, p.to_string()));
        // AS_SET counts one (RFC 4271 §9.1.2.2).
        CHECK(shorter.matches(path("12076 {1,2,3}"), "12076 {1,2,3}"));
    }
    SECTION("a bad regex is an exception the config reader turns into an error") {
        CHECK_THROWS_AS(compile_as_path_regex("(12076"), std::regex_error);
    }
}

// FRR's "AS Path Regular Expressions" (inherited from Quagga): POSIX-style `.`, `*`,
// `+`, `?`, `^`, `$`, brackets and alternation, plus `_`, which matches a space, a comma,
// an AS_SET's braces, a confederation segment's parentheses, the beginning or the end of
// the path, so that `_7675_` is "any path with AS 7675". Each row: a pattern, paths it
// must match, paths it must not (paths in our text form: AS_SET as {a,b}, confederation
// sequence as (a b)).
TEST_CASE("AS-path regular expressions: FRR's documented dialect, table-driven", "[policy][as_path][regex]") {
    struct Row {
        const char* pattern;
        std::vector<const char*> match;
        std::vector<const char*> no_match;
    };
    const std::vector<Row> table = {
        // The empty path: a route originated in our own AS (or an iBGP peer's).
        {"^$", {""}, {"65000", "0"}},
        // Anything at all, the empty path included: the usual "permit the rest".
        {".*", {"", "65000", "65001 65002 {1,2}"}, {}},
        // A path through AS 65000 anywhere, as a whole ASN only.
        {"_65000_",
         {"65000", "65001 65000", "65000 65001", "65001 65000 65002", "65001 {65000,65002}", "65001 {65002,65000}",
          "(65000) 65001", "(65003 65000) 65001"},
         {"", "165000", "650001", "65001 650000", "65001 165000 65002", "{650001}"}},
        // Received from AS 65000 (its first ASN).
        {"^65000_", {"65000", "65000 65001", "65000 65000 65001"}, {"", "65001 65000", "650001", "650000 1"}},
        // Originated by AS 65000 (its last ASN).
        {"_65000$", {"65000", "65001 65000", "65002 65001 65000"}, {"", "65000 65001", "165000", "1 650000"}},
        // Exactly one ASN, 65000: a directly connected neighbour's own routes.
        {"^65000$", {"65000"}, {"65000 65000", "165000", "65001"}},
        // From either of two neighbours (alternation in a group).
        {"^(65001|65002)_", {"65001", "65002 65100", "65001 65002"}, {"65003 65001", "650012", "165001 1", ""}},
        // Any non-empty path (a digit somewhere).
        {"[0-9]+", {"1", "65000 65001", "{65000}"}, {""}},
        // Exactly one AS of any number: the neighbour originated it.
        {"^[0-9]+$", {"1", "65000", "4200000000"}, {"", "65000 65001", "{65000}"}},
        // Any ASN from 65000 to 65009, as a whole ASN.
        {"_6500[0-9]_", {"65000", "1 65009 2", "{1,65005}"}, {"6500", "65010", "650001", "1 165001"}},
        // The neighbour 65000 prepended itself (seen at least twice, back to back).
        {"^65000_65000_", {"65000 65000", "65000 65000 65001"}, {"65000", "65000 65001 65000"}},
        // 65000 then exactly one more AS, which originated the route.
        {"^65000_[0-9]+$", {"65000 1", "65000 65001"}, {"65000", "65000 1 2", "65001 65000"}},
        // Optional prepend: 65000 once or twice, then the end.
        {"^65000(_65000)?$", {"65000", "65000 65000"}, {"65000 65000 65000", "65000 65001"}},
        // One or more 65000s and nothing else.
        {"^65000(_65000)+$", {"65000 65000", "65000 65000 65000"}, {"65000", "65000 65001"}},
        // Through 65001 and later through 65003, with something between: the first `_`
        // after 65001 takes the only space of "65001 65003", so that path does not match,
        // in FRR's POSIX regex as here (`_65001_(.*_)?65003_` is the pattern for both).
        {"_65001_.*_65003_", {"65001 65002 65003", "1 65001 2 3 65003 4"}, {"65001 65003", "65003 65001", "65001"}},
        {"_65001_(.*_)?65003_", {"65001 65003", "65001 65002 65003"}, {"65003 65001", "65001 165003"}},
        // `.` is any one character, inside an ASN too.
        {"^6500.$", {"65000", "65009"}, {"6500", "650000", "65000 1"}},
    };
    for (const auto& row : table) {
        const auto list = regex_list({{PolicyAction::permit, row.pattern}});
        for (const char* text : row.match) {
            INFO("pattern " << row.pattern << " must match '" << text << "'");
            CHECK(list.permits(path(text)));
        }
        for (const char* text : row.no_match) {
            INFO("pattern " << row.pattern << " must not match '" << text << "'");
            CHECK_FALSE(list.permits(path(text)));
        }
    }
}

TEST_CASE("community lists: an entry needs every community it names", "[policy][community]") {
    CommunityList list;
    list.entries = {{PolicyAction::deny, {0xfde80001}}, {PolicyAction::permit, {0xfde80002, 0xfde80003}}};
    CHECK_FALSE(list.permits({0xfde80001, 0xfde80002, 0xfde80003}));  // the deny matches first
    CHECK(list.permits({0xfde80002, 0xfde80003, 0xfde80009}));
    CHECK_FALSE(list.permits({0xfde80002}));
    CHECK_FALSE(list.permits({}));
    LargeCommunityList large;
    large.entries = {{PolicyAction::permit, {bgp::LargeCommunity{65000, 1, 2}}}};
    CHECK(large.permits({bgp::LargeCommunity{65000, 1, 2}, bgp::LargeCommunity{1, 1, 1}}));
    CHECK_FALSE(large.permits({bgp::LargeCommunity{65000, 1, 3}}));
}

TEST_CASE("route maps: match, set, deny, continue and the implicit deny", "[policy][route_map]") {
    PrefixList customer;
    customer.entries = {entry(PolicyAction::permit, "10.2.30.0/24", 0, 32)};
    const auto from_12076 = regex_list({{PolicyAction::permit, "^12076_"}});

    RouteMap map;
    RouteMapEntry refuse;  // 10: deny the customer's own space
    refuse.sequence = 10;
    refuse.action = PolicyAction::deny;
    refuse.match.prefix_list = &customer;
    RouteMapEntry prefer;  // 20: ExpressRoute paths get local-pref 200 and go on
    prefer.sequence = 20;
    prefer.match.as_path = &from_12076;
    prefer.set.local_pref = 200;
    prefer.set.communities_add = {0xfde80001};
    prefer.on_match = RouteMapEntry::OnMatch::next;
    RouteMapEntry skip;  // 30: a route with MED 77 gets MED 1 (one section jumps over it)
    skip.sequence = 30;
    skip.match.med = 77;
    skip.set.med = 1;
    RouteMapEntry tag;  // 40: everything else still here gets a prepend
    tag.sequence = 40;
    tag.set.as_path_prepend = {65021, 65021};
    map.entries = {refuse, prefer, skip, tag};
    CHECK(map.depends_on_prefix());

    SECTION("a deny entry stops at once") {
        auto a = attributes("12076");
        PolicyRoute route{prefix("10.2.30.0/25"), a, RouteSource::ebgp, "msee"};
        CHECK_FALSE(map.apply(route));
    }
    SECTION("on_match next: both entries' sets apply") {
        auto a = attributes("12076");
        PolicyRoute route{prefix("10.10.30.0/24"), a, RouteSource::ebgp, "msee"};
        REQUIRE(map.apply(route));
        CHECK(a.local_pref == std::optional<std::uint32_t>(200));
        CHECK(a.communities == std::vector<std::uint32_t>{0xfde80001});
        CHECK(a.as_path.to_string() == "65021 65021 12076");
        CHECK_FALSE(a.med);
    }
    SECTION("without a match in 20, the route falls through to 40") {
        auto a = attributes("65515");
        PolicyRoute route{prefix("10.10.30.0/24"), a, RouteSource::ebgp, "vpngw"};
        REQUIRE(map.apply(route));
        CHECK_FALSE(a.local_pref);
        CHECK(a.as_path.to_string() == "65021 65021 65515");
    }
    SECTION("goto skips the entries in between") {
        map.entries[1].on_match = RouteMapEntry::OnMatch::go_to;
        map.entries[1].goto_sequence = 40;
        auto a = attributes("12076");
        a.med = 77;
        PolicyRoute route{prefix("10.10.30.0/24"), a, RouteSource::ebgp, "msee"};
        REQUIRE(map.apply(route));
        CHECK(a.med == std::optional<std::uint32_t>(77));  // entry 30 skipped
        CHECK(a.as_path.to_string() == "65021 65021 12076");
    }
    SECTION("no entry matches: the implicit deny") {
        RouteMap only_ibgp;
        RouteMapEntry e;
        e.match.source = RouteSource::ibgp;
        only_ibgp.entries = {e};
        CHECK_FALSE(only_ibgp.depends_on_prefix());
        auto a = attributes("65001");
        PolicyRoute route{prefix("192.0.2.0/24"), a, RouteSource::ebgp, "x"};
        CHECK_FALSE(only_ibgp.apply(route));
        route.source = RouteSource::ibgp;
        CHECK(only_ibgp.apply(route));
    }
    SECTION("matching neighbour, local-pref (default 100), origin, next hop") {
        PrefixList hop;
        hop.entries = {entry(PolicyAction::permit, "192.0.2.0/24", 0, 32)};
        RouteMap m;
        RouteMapEntry e;
        e.match.neighbor = "msee";
        e.match.local_pref = 100;
        e.match.origin = bgp::Origin::igp;
        e.match.next_hop = &hop;
        m.entries = {e};
        auto a = attributes("65001");
        PolicyRoute route{prefix("198.51.100.0/24"), a, RouteSource::ebgp, "msee"};
        CHECK(m.apply(route));
        route.neighbor = "other";
        CHECK_FALSE(m.apply(route));
        route.neighbor = "msee";
        a.next_hop = bgp::IpAddress::parse("198.51.100.1");
        CHECK_FALSE(m.apply(route));
    }
}

TEST_CASE("set clauses: communities replace/add/delete, AS-path exclude, next hop", "[policy][route_map]") {
    RouteMapSet set;
    auto a = attributes("65001 65002 65001 65003");
    a.communities = {3, 1, 2};
    a.large_communities = {bgp::LargeCommunity{1, 1, 1}};
    set.communities_delete = {2};
    set.communities_add = {5, 1};
    set.as_path_exclude = {65001};
    set.next_hop = bgp::IpAddress::parse("10.255.0.1");
    set.large_communities_replace = true;
    set.apply(a);
    CHECK(a.communities == std::vector<std::uint32_t>{1, 3, 5});
    CHECK(a.large_communities.empty());
    CHECK(a.as_path.to_string() == "65002 65003");
    CHECK(a.next_hop == bgp::IpAddress::parse("10.255.0.1"));

    RouteMapSet none;
    none.communities_replace = true;  // "set community none"
    none.apply(a);
    CHECK(a.communities.empty());
}

TEST_CASE("set weight: the path carries the speaker-local weight; no set leaves it unset", "[policy][route_map][weight]") {
    const auto from_12076 = regex_list({{PolicyAction::permit, "^12076_"}});
    RouteMap map;
    RouteMapEntry heavy;  // 10: ExpressRoute paths get weight 200
    heavy.sequence = 10;
    heavy.match.as_path = &from_12076;
    heavy.set.weight = 200;
    RouteMapEntry rest;  // 20: everything else passes untouched
    rest.sequence = 20;
    map.entries = {heavy, rest};

    auto er = attributes("12076 65020");
    PolicyRoute er_route{prefix("10.2.30.0/24"), er, RouteSource::ebgp, "msee"};
    REQUIRE(map.apply(er_route));
    CHECK(er.weight == std::optional<std::uint32_t>(200));

    auto vpn = attributes("65515");
    PolicyRoute vpn_route{prefix("10.2.30.0/24"), vpn, RouteSource::ebgp, "vpngw"};
    REQUIRE(map.apply(vpn_route));
    CHECK_FALSE(vpn.weight);  // the neighbour's weight will apply

    // A later set overrides an earlier one (weight 0 is a value, not "unset").
    RouteMapSet zero;
    zero.weight = 0;
    zero.apply(er);
    CHECK(er.weight == std::optional<std::uint32_t>(0));
}

TEST_CASE("extended communities: FRR's rt/soo text forms and their RFC 4360 octets", "[policy][extcommunity]") {
    using bgp::extended_community_to_string;
    using bgp::parse_extended_community;
    // Table: text, the 8 octets (type, subtype, global administrator, local administrator).
    const std::pair<const char*, std::uint64_t> forms[] = {
        {"rt:65000:100", 0x0002'fde8'0000'0064ULL},         // 2-octet AS specific, route target
        {"soo:65000:100", 0x0003'fde8'0000'0064ULL},        // route origin
        {"rt:65000:4294967295", 0x0002'fde8'ffff'ffffULL},  // 32-bit local administrator
        {"rt:4200000000:7", 0x0202'fa56'ea00'0007ULL},      // 4-octet AS specific (RFC 5668)
        {"soo:192.0.2.1:300", 0x0103'c000'0201'012cULL},    // IPv4-address specific
        {"0x02020000fde80064", 0x0202'0000'fde8'0064ULL},   // 4-octet type holding a 2-octet ASN
        {"0x030b000000000001", 0x030b'0000'0000'0001ULL},   // neither rt nor soo
    };
    for (const auto& [text, value] : forms) {
        INFO(text);
        CHECK(parse_extended_community(text) == std::optional<std::uint64_t>(value));
        CHECK(extended_community_to_string(value) == text);
    }
    for (const char* bad : {"rt:65000", "rt:4200000000:65536", "soo:192.0.2.1:65536", "rt:2001:db8::1:1", "rx:1:1",
                            "65000:100", "rt:4294967296:1", "0x12", "rt:-1:1"}) {
        INFO(bad);
        CHECK_FALSE(parse_extended_community(bad));
    }
}

TEST_CASE("extended-community lists and set extended_communities: match, add, delete, delete by list", "[policy][extcommunity]") {
    const auto rt = [](const char* text) { return *bgp::parse_extended_community(text); };
    ExtendedCommunityList vnet_a;  // deny one site's origin, permit the VNet's route target
    vnet_a.entries = {{PolicyAction::deny, {rt("soo:65020:1")}}, {PolicyAction::permit, {rt("rt:65515:10")}}};
    CHECK(vnet_a.permits({rt("rt:65515:10"), rt("rt:65515:20")}));
    CHECK_FALSE(vnet_a.permits({rt("rt:65515:10"), rt("soo:65020:1")}));  // the deny comes first
    CHECK_FALSE(vnet_a.permits({rt("rt:65515:20")}));
    CHECK_FALSE(vnet_a.permits({}));

    RouteMap map;
    RouteMapEntry tag;  // routes of VNet A: swap its route target for B's, add our origin
    tag.sequence = 10;
    tag.match.extended_community = &vnet_a;
    tag.set.extended_communities_delete_list = &vnet_a;
    tag.set.extended_communities_add = {rt("rt:65515:20"), rt("soo:65021:1")};
    map.entries = {tag};

    auto a = attributes("65515");
    a.extended_communities = {rt("rt:65515:10"), 0x030b'0000'0000'0001ULL};
    PolicyRoute route{prefix("10.10.30.0/24"), a, RouteSource::ebgp, "gw"};
    REQUIRE(map.apply(route));
    std::vector<std::uint64_t> expected{rt("rt:65515:20"), rt("soo:65021:1"), 0x030b'0000'0000'0001ULL};
    std::sort(expected.begin(), expected.end());
    CHECK(a.extended_communities == expected);

    auto other = attributes("65515");
    other.extended_communities = {rt("rt:65515:30")};
    PolicyRoute other_route{prefix("10.11.30.0/24"), other, RouteSource::ebgp, "gw"};
    CHECK_FALSE(map.apply(other_route));  // no entry matches: the implicit deny

    RouteMapSet set;  // delete by value, then replace
    set.extended_communities_delete = {rt("soo:65021:1")};
    set.apply(a);
    CHECK(std::find(a.extended_communities.begin(), a.extended_communities.end(), rt("soo:65021:1")) ==
          a.extended_communities.end());
    CHECK(a.extended_communities.size() == 2);
    RouteMapSet none;
    none.extended_communities_replace = true;
    none.apply(a);
    CHECK(a.extended_communities.empty());
}

TEST_CASE("remove-private-as with Cisco's semantics, and as-override", "[policy][as_path]") {
    SECTION("yes: a path of private ASNs only is emptied") {
        auto p = path("65515");
        remove_private_as(p, RemovePrivateAs::yes, 65021);
        CHECK(p.to_string().empty());
        auto q = path("65515 65516 4200000001");
        remove_private_as(q, RemovePrivateAs::yes, 65021);
        CHECK(q.empty());
    }
    SECTION("yes: a path with a public AS is left alone") {
        auto p = path("65515 12076 65021");
        remove_private_as(p, RemovePrivateAs::yes, 65020);
        CHECK(p.to_string() == "65515 12076 65021");
    }
    SECTION("yes: a path holding the peer's own AS is left alone") {
        auto p = path("65515 65021");
        remove_private_as(p, RemovePrivateAs::yes, 65021);
        CHECK(p.to_string() == "65515 65021");
    }
    SECTION("all: every private ASN goes, public ones stay") {
        auto p = path("65515 12076 65021 {64512,3356}");
        remove_private_as(p, RemovePrivateAs::all, 65020);
        CHECK(p.to_string() == "12076 {3356}");
    }
    SECTION("no: nothing changes") {
        auto p = path("65515");
        remove_private_as(p, RemovePrivateAs::no, 65021);
        CHECK(p.to_string() == "65515");
    }
    SECTION("private ranges (RFC 6996)") {
        CHECK(is_private_as(64512));
        CHECK(is_private_as(65534));
        CHECK_FALSE(is_private_as(65535));
        CHECK_FALSE(is_private_as(64511));
        CHECK(is_private_as(4200000000U));
        CHECK(is_private_as(4294967294U));
        CHECK_FALSE(is_private_as(4294967295U));
        CHECK_FALSE(is_private_as(12076));
    }
    SECTION("as-override replaces every occurrence of the peer's AS") {
        auto p = path("65515 65021 65515");
        override_as(p, 65515, 12076);
        CHECK(p.to_string() == "12076 65021 12076");
    }
}

TEST_CASE("policy sets: names resolve in the own scope first, then the parent's", "[policy]") {
    auto global = std::make_shared<PolicySet>();
    global->prefix_lists["shared"] = PrefixList{"shared", {}};
    global->route_maps["rm"] = RouteMap{"rm-global", {}};
    PolicySet local(global);
    local.route_maps["rm"] = RouteMap{"rm-local", {}};
    CHECK(local.prefix_list("shared") == &global->prefix_lists["shared"]);
    CHECK(local.route_map("rm")->name == "rm-local");
    CHECK(global->route_map("rm")->name == "rm-global");
    CHECK(local.as_path_list("nope") == nullptr);
}

}  // namespace bgpemu::rib
