// The `bmp:` section's settings, plain data: daemon/config fills them, the exporter
// (bmp_exporter.hpp) carries them out.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bgpemu::daemon {

// One monitoring station (RFC 7854): where it listens, which speakers it watches (each
// over a connection of its own, as a router would), and which of their tables.
struct BmpStation {
    std::string address;
    std::uint16_t port = 0;
    std::vector<std::string> speakers;  // empty: every speaker
    bool pre_policy = true;    // each neighbour's Adj-RIB-In as received
    bool post_policy = true;   // ... and after import policy
    bool loc_rib = false;      // the best paths (RFC 9069)
    bool adj_rib_out = false;  // what each neighbour is sent, after export policy (RFC 8671)
    std::chrono::seconds stats_interval{0};  // 0: no Statistics Reports
    std::chrono::seconds reconnect_max{30};  // the back-off between attempts doubles up to this
    std::size_t queue_bytes = 16 * 1024 * 1024;  // waiting for a slow station; past it, a reconnect and a fresh dump

    bool operator==(const BmpStation&) const = default;
};

struct BmpSettings {
    std::vector<BmpStation> stations;
    bool operator==(const BmpSettings&) const = default;
    // Whether some station watches the pre-policy Adj-RIB-In of `speaker`: then its
    // neighbours keep what they received (as soft reconfiguration inbound does), for the
    // dump a station gets when it connects.
    [[nodiscard]] bool pre_policy_of(const std::string& speaker) const {
        for (const auto& station : stations) {
            if (!station.pre_policy) continue;
            if (station.speakers.empty()) return true;
            for (const auto& name : station.speakers)
                if (name == speaker) return true;
        }
        return false;
    }
};

}  // namespace bgpemu::daemon
