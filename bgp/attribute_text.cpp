#include "bgp/attribute_text.hpp"

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
