#include "daemon/azure/regional_communities.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace bgpemu::daemon {

namespace {

// Each region with the number of its communities: 12076:50NNN on private peering
// (12076:51NNN on Microsoft peering), as "ExpressRoute routing requirements" lists them.
struct Region {
    std::string_view name;  // ARM location
    std::uint32_t number;
};
constexpr Region regions[] = {
    {"westeurope", 2},          {"northeurope", 3},        {"eastus", 4},              {"eastus2", 5},
    {"westus", 6},              {"northcentralus", 7},     {"southcentralus", 8},      {"centralus", 9},
    {"eastasia", 10},           {"southeastasia", 11},     {"japaneast", 12},          {"japanwest", 13},
    {"brazilsouth", 14},        {"australiaeast", 15},     {"australiasoutheast", 16}, {"centralindia", 17},
    {"westindia", 18},          {"southindia", 19},        {"canadacentral", 20},      {"canadaeast", 21},
    {"uksouth", 24},            {"ukwest", 25},            {"westus2", 26},            {"westcentralus", 27},
    {"koreasouth", 28},         {"koreacentral", 29},      {"francecentral", 30},      {"francesouth", 31},
    {"australiacentral", 32},   {"australiacentral2", 33}, {"southafricanorth", 34},   {"southafricawest", 35},
    {"uaenorth", 36},           {"uaecentral", 37},        {"switzerlandnorth", 38},   {"switzerlandwest", 39},
    {"germanynorth", 40},       {"germanywestcentral", 41}, {"norwayeast", 42},        {"norwaywest", 43},
    {"westus3", 44},            {"newzealandnorth", 59},
};

}  // namespace

std::optional<std::uint32_t> regional_community(std::string_view location) {
    std::string key;
    for (const char c : location)
        if (c != ' ') key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto* found = std::find_if(std::begin(regions), std::end(regions), [&](const Region& r) { return r.name == key; });
    if (found == std::end(regions)) return std::nullopt;
    return (microsoft_community_asn << 16) | (50000 + found->number);
}

}  // namespace bgpemu::daemon
