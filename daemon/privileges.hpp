// Dropping root after start-up (see doc/developer/robustness.md, "Privileges").
//
// Started as root (to bind port 179, say), the daemon binds every listener and its admin
// socket first, then becomes an unprivileged user and keeps exactly one capability,
// CAP_NET_BIND_SERVICE, so that a reload can still add a speaker on a low port. Nothing
// else needs privileges: TCP-MD5 keys and IP_MINTTL are set by any user on their own
// sockets.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace bgpemu::daemon {

struct DroppedPrivileges {
    unsigned uid = 0;
    unsigned gid = 0;
};

// Becomes `user` (and `group`, empty: the user's primary group); hands the admin socket
// file at `admin_socket` to them first, so that they can remove it on exit. Fails, with a
// sentence saying why, when the process is not root, the user or group does not exist, or
// any step does not take (the daemon must then stop rather than run as root by mistake).
[[nodiscard]] std::optional<std::string> drop_privileges(const std::string& user, const std::string& group,
                                                         const std::filesystem::path& admin_socket,
                                                         DroppedPrivileges& dropped);

}  // namespace bgpemu::daemon
