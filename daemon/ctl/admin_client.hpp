// bgpemuctl's side of the admin socket: one request line out, one reply line back,
// within a bounded wait; plain POSIX sockets, so bgpemuctl links no Boost.Asio.
#pragma once

#include <optional>
#include <string>

namespace bgpemu::daemon::ctl {

// The reply line (without its newline), or nullopt with `error` saying why not.
[[nodiscard]] std::optional<std::string> exchange(const std::string& socket_path, const std::string& request,
                                                  std::string& error);

}  // namespace bgpemu::daemon::ctl
