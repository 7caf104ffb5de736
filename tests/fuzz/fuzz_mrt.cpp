// libFuzzer target for the MRT reader (rib/mrt.hpp, what `bgpemuctl inject` reads): bytes
// in, as a file's content. Beyond the sanitizers, we check what inject relies on: every
// route names a peer the file listed, and a file read without error reads the same
// when written again as the table dump of a Loc-RIB holding its routes and read back
// (the round trip keeps each route's prefix, peer and AS path).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "rib/attr_store.hpp"
#include "rib/loc_rib.hpp"
#include "rib/mrt.hpp"

namespace {

using namespace bgpemu;

[[noreturn]] void broken_promise(const std::string& what) {
    std::fprintf(stderr, "MRT reader broke its contract: %s\n", what.c_str());
    std::abort();
}

// (prefix, peer) -> AS path: one route per prefix and peer, the last one given, as a
// Loc-RIB keeps them.
std::map<std::pair<std::string, std::string>, std::string> routes_of(const rib::MrtContents& contents) {
    std::map<std::pair<std::string, std::string>, std::string> out;
    for (const auto& route : contents.routes) {
        const auto& peer = contents.peers[route.peer];
        out.insert_or_assign(std::pair{route.prefix.to_string(), peer.address.to_string() + "/" + std::to_string(peer.as)},
                             route.attributes.as_path.to_string());
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto read = rib::read_mrt(bgp::ByteSpan(reinterpret_cast<const std::byte*>(data), size));
    if (std::holds_alternative<std::string>(read)) {
        if (std::get<std::string>(read).rfind("MRT record at offset ", 0) != 0) broken_promise("an error that names no offset");
        return 0;
    }
    const auto& contents = std::get<rib::MrtContents>(read);
    for (const auto& route : contents.routes)
        if (route.peer >= contents.peers.size()) broken_promise("a route of a peer the file did not list");

    // Into a Loc-RIB, one peer per distinct (address, AS), and out again as a table dump.
    rib::AttrStore store;
    rib::LocRib loc_rib;
    std::map<std::pair<std::string, std::uint32_t>, rib::PeerId> peers;
    for (const auto& route : contents.routes) {
        const auto& from = contents.peers[route.peer];
        auto& id = peers[{from.address.to_string(), from.as}];
        if (id == 0) {
            rib::PeerInfo info;
            info.peer_as = from.as;
            info.local_as = 65000;
            info.external = true;
            info.router_id = from.router_id;
            info.address = from.address;
            id = loc_rib.add_peer(info);
        }
        loc_rib.announce(id, route.prefix, store.intern(route.attributes));
    }
    loc_rib.run_decision([](const rib::RouteChange&) {});
    bgp::Bytes dump;
    rib::write_table_dump_v2(loc_rib, {.timestamp = 1, .collector_id = 1, .view_name = "fuzz", .local_as = 65000, .all_paths = true}, dump);
    const auto again = rib::read_mrt(dump);
    if (!std::holds_alternative<rib::MrtContents>(again)) broken_promise("its own dump does not read back: " + std::get<std::string>(again));
    if (routes_of(std::get<rib::MrtContents>(again)) != routes_of(contents)) broken_promise("the round trip changed a route");
    return 0;
}
