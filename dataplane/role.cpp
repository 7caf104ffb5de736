#include "dataplane/role.hpp"

namespace bgpemu::dataplane {

std::optional<Role> parse_role(std::string_view text) noexcept {
    if (text == "ce") return Role::ce;
    if (text == "msee") return Role::msee;
    if (text == "er-gateway") return Role::er_gateway;
    if (text == "vpn-gateway") return Role::vpn_gateway;
    return std::nullopt;
}

const char* role_name(Role role) noexcept {
    switch (role) {
        case Role::none: return "";
        case Role::host: return "host";
        case Role::ce: return "ce";
        case Role::msee: return "msee";
        case Role::er_gateway: return "er-gateway";
        case Role::vpn_gateway: return "vpn-gateway";
    }
    return "";
}

}  // namespace bgpemu::dataplane
