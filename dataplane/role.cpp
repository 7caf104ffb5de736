#include "dataplane/role.hpp"

#include <iterator>
#include <string>

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

std::string role_choices() {
    std::string out;
    for (std::size_t i = 0; i < std::size(role_names); ++i)
        out += (i == 0 ? "" : i + 1 == std::size(role_names) ? " or " : ", ") + std::string(role_names[i].second);
    return out;
}

}  // namespace bgpemu::dataplane
