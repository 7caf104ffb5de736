// A table of an enumeration's values and the names the configuration writes for them,
// read both ways: one list per enumeration instead of a switch each way.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace bgpemu::dataplane {

template <typename Enum, std::size_t N>
[[nodiscard]] constexpr const char* name_in(const std::pair<Enum, const char*> (&table)[N], Enum value,
                                            const char* unknown) noexcept {
    for (const auto& [entry, name] : table)
        if (entry == value) return name;
    return unknown;
}

template <typename Enum, std::size_t N>
[[nodiscard]] constexpr std::optional<Enum> value_in(const std::pair<Enum, const char*> (&table)[N],
                                                     std::string_view text) noexcept {
    for (const auto& [entry, name] : table)
        if (text == name) return entry;
    return std::nullopt;
}

}  // namespace bgpemu::dataplane
