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

std::string with_length(const IpAddress& address, unsigned length) {
    return address.to_string() + "/" + std::to_string(length);
}

}  // namespace bgpemu::daemon::design
