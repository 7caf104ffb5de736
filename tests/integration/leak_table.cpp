#include "leak_table.hpp"

#include "process.hpp"
#include "rib/attr_store.hpp"
#include "rib/loc_rib.hpp"
#include "rib/mrt.hpp"

namespace bgpemu::test {

void write_leak_table(const std::filesystem::path& file, unsigned count) {
    rib::AttrStore store;
    rib::LocRib loc_rib;
    rib::PeerInfo internet;
    internet.peer_as = 64999;
    internet.local_as = 65021;
    internet.external = true;
    internet.router_id = 0x0a0a0a0a;
    internet.address = *bgp::IpAddress::parse("192.0.2.1");
    const auto peer = loc_rib.add_peer(internet);
    bgp::PathAttributes attributes;
    attributes.origin = bgp::Origin::igp;
    attributes.as_path = *bgp::AsPath::parse("64999 64998");
    attributes.has_as_path = true;
    attributes.next_hop = internet.address;
    const auto interned = store.intern(attributes);
    for (unsigned i = 0; i < count; ++i)
        loc_rib.announce(peer, bgp::Prefix::make(bgp::IpAddress::v4(0x64400000U + (i << 8)), 24), interned);
    loc_rib.run_decision([](const rib::RouteChange&) {});
    bgp::Bytes dump;
    rib::write_table_dump_v2(loc_rib, {.timestamp = 1, .collector_id = 1, .view_name = "leak", .local_as = 65021, .all_paths = false}, dump);
    write_file(file, std::string(reinterpret_cast<const char*>(dump.data()), dump.size()));
}

}  // namespace bgpemu::test
