#include "dataplane/role.hpp"

#include "dataplane/name_table.hpp"

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

std::optional<Role> parse_role(std::string_view text) noexcept { return value_in(role_names, text); }

const char* role_name(Role role) noexcept { return role == Role::host ? "host" : name_in(role_names, role, ""); }

}  // namespace bgpemu::dataplane
