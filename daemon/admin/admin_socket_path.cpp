#include "daemon/admin/admin_socket_path.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace bgpemu::daemon {

std::filesystem::path default_admin_socket_path() {
    if (const char* explicit_path = std::getenv("BGPEMU_SOCKET"); explicit_path && *explicit_path)
        return explicit_path;
    if (::geteuid() == 0) return "/run/bgpemu/bgpemud.sock";
    if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && *runtime)
        return std::filesystem::path(runtime) / "bgpemud.sock";
    return "/tmp/bgpemud-" + std::to_string(::geteuid()) + ".sock";
}

}  // namespace bgpemu::daemon
