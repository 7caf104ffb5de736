#include "dataplane/role.hpp"

#include <utility>

namespace bgpemu::dataplane {

namespace {

// The names the configuration writes; a plain router or speaker (none) and a host have
// none to write.
constexpr std::pair<Role, const char*> role_names[] = {
    {Role::ce, "ce"},
    {Role::msee, "msee"},
    {Role::er_gateway, "er-gateway"},
    {Role::vpn_gateway, "vpn-gateway"},
    {Role::route_server, "route-server"},
};

}  // namespace

std::optional<Role> parse_role(std::string_view text) noexcept {
    for (const auto& [role, name] : role_names)
        if (text == name) return role;
    return std::nullopt;
}

const char* role_name(Role role) noexcept {
    if (role == Role::host) return "host";
    for (const auto& [value, name] : role_names)
        if (value == role) return name;
    return "";
}

}  // namespace bgpemu::dataplane
