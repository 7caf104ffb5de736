// Where bgpemud's admin socket is when --socket does not say: one rule for the daemon
// and bgpemuctl, so both find the same file.
#pragma once

#include <filesystem>

namespace bgpemu::daemon {

// $BGPEMU_SOCKET if set; else /run/bgpemu/bgpemud.sock for root, $XDG_RUNTIME_DIR/bgpemud.sock,
// or /tmp/bgpemud-UID.sock.
[[nodiscard]] std::filesystem::path default_admin_socket_path();

}  // namespace bgpemu::daemon
