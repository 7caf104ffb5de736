// rib_memory: what one route costs in the RIB, measured rather than estimated.
//
// Builds one speaker's view of a table the way the daemon does: N IPv4 /24s from one
// peer, sharing N / PREFIXES_PER_SET interned attribute sets, a decision pass, and one
// neighbour's Adj-RIB-Out with every best route offered and drained. Prints the
// process's resident memory growth per route after each stage (Linux /proc).
//
//   rib_memory [N] [PREFIXES_PER_SET]     defaults: 1000000 10
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "rib/adj_rib_out.hpp"
#include "rib/attr_store.hpp"
#include "rib/loc_rib.hpp"

using namespace bgpemu;

namespace {

std::size_t resident_bytes() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    return 0;
}

bgp::PathAttributes attribute_set(std::uint32_t n) {
    bgp::PathAttributes a;
    a.origin = bgp::Origin::igp;
    a.has_as_path = true;
    std::vector<std::uint32_t> path{65001};
    for (std::uint32_t i = 0; i < n % 5; ++i) path.push_back(64512 + (n + i) % 1000);
    path.push_back(100000 + n);
    a.as_path = bgp::AsPath({bgp::AsPathSegment{bgp::AsPathSegmentType::as_sequence, path}});
    a.next_hop = bgp::IpAddress::v4(0x7f000033);
    a.med = n % 100;
    a.communities = {(65001u << 16) | (n % 50)};
    return a;
}

}  // namespace

int main(int argc, char** argv) {
    const std::uint32_t routes = argc > 1 ? static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 1000000;
    const std::uint32_t per_set = argc > 2 ? static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10)) : 10;
    const auto start = resident_bytes();
    const auto clock_start = std::chrono::steady_clock::now();
    const auto report = [&](const char* stage) {
        const auto now = resident_bytes();
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count();
        std::printf("%-34s RSS +%7.1f MiB  %6.1f bytes/route  (%.2f s)\n", stage,
                    static_cast<double>(now - start) / (1024.0 * 1024.0),
                    static_cast<double>(now - start) / routes, seconds);
    };

    rib::AttrStore store;
    rib::LocRib loc_rib;
    rib::PeerInfo info;
    info.peer_as = 65001;
    info.local_as = 65000;
    info.external = true;
    info.router_id = 1;
    const auto peer = loc_rib.add_peer(info);
    {
        std::vector<rib::AttrRef> sets;
        for (std::uint32_t i = 0; i < routes; ++i) {
            if (i % per_set == 0) sets.assign(1, store.intern(attribute_set(i / per_set)));
            const auto prefix = bgp::Prefix::make(bgp::IpAddress::v4(0x01000000u + (i << 8)), 24);
            loc_rib.announce(peer, prefix, sets.front());
        }
    }
    report("Loc-RIB paths (before decision)");
    loc_rib.run_decision([](const rib::RouteChange&) {});
    report("Loc-RIB after decision");

    rib::AdjRibOut out;
    loc_rib.for_each_best([&](rib::RouteIndex index, const bgp::Prefix& prefix, const rib::Path& best) {
        out.offer(index, prefix, best.attrs);
    });
    report("+ Adj-RIB-Out pending");
    std::size_t announced = 0;
    while (out.drain(1 << 20, [&](const rib::AttrRef&, std::span<const bgp::Prefix> p) { announced += p.size(); },
                     [](std::span<const bgp::Prefix>) {})) {
    }
    report("+ Adj-RIB-Out drained");
    std::printf("routes %u, attribute sets %zu, announced %zu\n", routes, store.size(), announced);
    return announced == routes ? 0 : 1;
}
