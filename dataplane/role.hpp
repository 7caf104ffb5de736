// The part a node plays in an Azure hybrid design. The data plane derives each role's hop
// behaviour from it (a VPN gateway transits, an ExpressRoute gateway is silent toward the
// MSEEs, ...) and the daemon's Azure presets derive each speaker's policy from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bgpemu::dataplane {

// `host` is a VM or LAN host (never a speaker); `none` a plain router or speaker (in a
// VNet: a network virtual appliance).
enum class Role : std::uint8_t { none, host, ce, msee, er_gateway, vpn_gateway, route_server };

// The names the configuration uses: "ce", "msee", "er-gateway", "vpn-gateway",
// "route-server" (a node's `role`; "host" is not written, it is implied by the `hosts`
// section).
[[nodiscard]] std::optional<Role> parse_role(std::string_view text) noexcept;
// "" for none, "host", "ce", "msee", "er-gateway", "vpn-gateway", "route-server".
[[nodiscard]] const char* role_name(Role role) noexcept;
// The names a `role` may have, for messages: "ce, msee, ... or route-server".
[[nodiscard]] std::string role_choices();

// An Azure VNet gateway (ExpressRoute or VPN).
[[nodiscard]] constexpr bool is_gateway(Role role) noexcept {
    return role == Role::er_gateway || role == Role::vpn_gateway;
}

}  // namespace bgpemu::dataplane
