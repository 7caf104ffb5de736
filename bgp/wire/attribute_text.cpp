#include "bgp/wire/attribute_text.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace bgpemu::bgp {

namespace {

constexpr std::array<std::pair<std::string_view, std::uint32_t>, 5> well_known_names = {{
    {"no-export", well_known_community::no_export},
    {"no-advertise", well_known_community::no_advertise},
    {"no-export-subconfed", well_known_community::no_export_subconfed},
    {"blackhole", well_known_community::blackhole},
    {"graceful-shutdown", well_known_community::graceful_shutdown},
}};

// A whole decimal number not above `max`, or nullopt.
std::optional<std::uint64_t> number(std::string_view text, std::uint64_t max) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value > max) return std::nullopt;
    return value;
}

}  // namespace

std::optional<std::uint32_t> parse_community(std::string_view text) {
    for (const auto& [name, value] : well_known_names)
        if (text == name) return value;
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto high = number(text.substr(0, colon), 0xffff);
    const auto low = number(text.substr(colon + 1), 0xffff);
    if (!high || !low) return std::nullopt;
    return static_cast<std::uint32_t>((*high << 16) | *low);
}

std::string community_to_string(std::uint32_t community) {
    for (const auto& [name, value] : well_known_names)
        if (community == value) return std::string(name);
    return std::to_string(community >> 16) + ":" + std::to_string(community & 0xffff);
}

std::optional<LargeCommunity> parse_large_community(std::string_view text) {
    std::uint32_t parts[3] = {};
    for (int i = 0; i < 3; ++i) {
        const auto stop = i < 2 ? text.find(':') : text.size();
        if (stop == std::string_view::npos) return std::nullopt;
        const auto value = number(text.substr(0, stop), 0xffffffffULL);
        if (!value) return std::nullopt;
        parts[i] = static_cast<std::uint32_t>(*value);
        text.remove_prefix(i < 2 ? stop + 1 : stop);
    }
    return LargeCommunity{parts[0], parts[1], parts[2]};
}

std::string to_string(const LargeCommunity& community) {
    return std::to_string(community.global_admin) + ":" + std::to_string(community.local_data1) + ":" +
           std::to_string(community.local_data2);
}

namespace {

// RFC 4360 §3 and RFC 5668: the high-order type octets and the two subtypes we name.
constexpr std::uint64_t ext_two_octet_as = 0x00;
constexpr std::uint64_t ext_ipv4_address = 0x01;
constexpr std::uint64_t ext_four_octet_as = 0x02;
constexpr std::uint64_t ext_route_target = 0x02;
constexpr std::uint64_t ext_route_origin = 0x03;

std::uint64_t ext_value(std::uint64_t type, std::uint64_t subtype, std::uint64_t global, unsigned global_bits,
                        std::uint64_t local) {
    return (type << 56) | (subtype << 48) | (global << (48 - global_bits)) | local;
}

}  // namespace

std::optional<std::uint64_t> parse_extended_community(std::string_view text) {
    if (text.size() == 18 && text.substr(0, 2) == "0x") {
        std::uint64_t value = 0;
        const auto [end, ec] = std::from_chars(text.data() + 2, text.data() + text.size(), value, 16);
        if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
        return value;
    }
    std::uint64_t subtype = 0;
    if (text.substr(0, 3) == "rt:") {
        subtype = ext_route_target;
        text.remove_prefix(3);
    } else if (text.substr(0, 4) == "soo:") {
        subtype = ext_route_origin;
        text.remove_prefix(4);
    } else {
        return std::nullopt;
    }
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto global = text.substr(0, colon);
    const auto local = text.substr(colon + 1);
    if (global.find('.') != std::string_view::npos) {
        const auto address = IpAddress::parse(global);
        const auto nn = number(local, 0xffff);
        if (!address || !address->is_v4() || !nn) return std::nullopt;
        return ext_value(ext_ipv4_address, subtype, address->v4_value(), 32, *nn);
    }
    const auto asn = number(global, 0xffffffffULL);
    if (!asn) return std::nullopt;
    if (*asn <= 0xffff) {
        const auto nn = number(local, 0xffffffffULL);
        if (!nn) return std::nullopt;
        return ext_value(ext_two_octet_as, subtype, *asn, 16, *nn);
    }
    const auto nn = number(local, 0xffff);
    if (!nn) return std::nullopt;
    return ext_value(ext_four_octet_as, subtype, *asn, 32, *nn);
}

std::string extended_community_to_string(std::uint64_t community) {
    const std::uint64_t type = community >> 56;
    const std::uint64_t subtype = (community >> 48) & 0xff;
    const char* kind = subtype == ext_route_target ? "rt:" : subtype == ext_route_origin ? "soo:" : nullptr;
    if (kind) {
        const std::uint64_t global32 = (community >> 16) & 0xffffffffULL;
        const std::uint64_t local16 = community & 0xffff;
        if (type == ext_two_octet_as)
            return kind + std::to_string((community >> 32) & 0xffff) + ":" + std::to_string(community & 0xffffffffULL);
        if (type == ext_ipv4_address)
            return kind + IpAddress::v4(static_cast<std::uint32_t>(global32)).to_string() + ":" + std::to_string(local16);
        if (type == ext_four_octet_as && global32 > 0xffff)
            return kind + std::to_string(global32) + ":" + std::to_string(local16);
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex = "0x";
    for (int shift = 60; shift >= 0; shift -= 4) hex += digits[(community >> shift) & 0xf];
    return hex;
}

std::optional<Origin> parse_origin(std::string_view text) {
    if (text == "igp") return Origin::igp;
    if (text == "egp") return Origin::egp;
    if (text == "incomplete") return Origin::incomplete;
    return std::nullopt;
}

std::string_view to_string(Origin origin) noexcept {
    switch (origin) {
    case Origin::igp: return "igp";
    case Origin::egp: return "egp";
    case Origin::incomplete: return "incomplete";
    }
    return "?";
}

}  // namespace bgpemu::bgp
