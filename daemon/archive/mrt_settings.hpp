// The `mrt:` section's settings, plain data: daemon/config fills them, the archive
// (mrt_archive.hpp) carries them out.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace bgpemu::daemon {

// `mrt:`: the MRT archive (RFC 6396) the daemon writes, as BIRD's `mrtdump` and FRR's
// `dump bgp` do: each speaker's Loc-RIB every `table_interval`, and with `updates` every
// message its sessions receive and their state changes. File names are strftime
// patterns (UTC) in which {node} is the speaker's name, relative to `dir`.
struct MrtSettings {
    std::string dir;  // empty: no archive
    std::chrono::seconds table_interval{0};  // 0: no table dumps
    bool updates = false;
    bool sent = false;  // with updates: the messages the speakers send, too
    std::chrono::seconds rotate{0};  // a new update file this often; 0: one per run
    std::vector<std::string> speakers;  // empty: every speaker
    std::string table_file = "{node}.rib.%Y%m%d.%H%M%S.mrt";
    std::string updates_file = "{node}.updates.%Y%m%d.%H%M%S.mrt";
    std::size_t queue_bytes = 64 * 1024 * 1024;  // waiting for the writer; past it, records are dropped
    [[nodiscard]] bool enabled() const noexcept { return !dir.empty(); }
};

}  // namespace bgpemu::daemon
