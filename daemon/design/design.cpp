#include "daemon/design/design.hpp"

namespace bgpemu::daemon::design {

IpAddress address_plus(const IpAddress& base, std::uint64_t offset) {
    if (base.is_v4()) return IpAddress::v4(static_cast<std::uint32_t>(base.v4_value() + offset));
    auto bytes = base.bytes();
    for (int i = 15; i >= 0 && offset != 0; --i) {
        const auto sum = static_cast<std::uint64_t>(bytes[static_cast<std::size_t>(i)]) + (offset & 0xff);
        bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(sum);
        offset = (offset >> 8) + (sum >> 8);
    }
    return IpAddress::v6(bytes);
}

std::vector<VpnGatewayDesign::Instance> VpnGatewayDesign::instances() const {
    std::vector<Instance> out;
    for (std::size_t i = 0; i < bgp_peering_addresses.size(); ++i) {
        Instance instance;
        instance.name = active_active ? name + "-instance" + std::to_string(i) : name;
        instance.bgp_peering_address = bgp_peering_addresses[i];
        if (!active_active) instance.vnet_addresses = instance_addresses;
        else if (i < instance_addresses.size()) instance.vnet_addresses = {instance_addresses[i]};
        out.push_back(std::move(instance));
    }
    return out;
}

std::vector<RouteServerDesign::Instance> RouteServerDesign::instances() const {
    std::vector<Instance> out;
    for (std::size_t i = 0; i < addresses.size(); ++i)
        out.push_back({addresses.size() == 1 ? name : name + "-instance" + std::to_string(i), addresses[i]});
    return out;
}

std::string with_length(const IpAddress& address, unsigned length) {
    return address.to_string() + "/" + std::to_string(length);
}

}  // namespace bgpemu::daemon::design
