// Configuration errors as "line:column: message" strings, for the tests of the
// router-level reader (config_test) and of designs (design_test).
#pragma once

#include <string>
#include <vector>

#include "daemon/config/config.hpp"

namespace bgpemu::test {

inline std::vector<std::string> positioned(const std::vector<daemon::ConfigError>& errors) {
    std::vector<std::string> out;
    for (const auto& e : errors) out.push_back(std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message);
    return out;
}

// Whether one of `errors` is at `position` ("line:column") and says `words`.
inline bool has_error(const std::vector<std::string>& errors, const std::string& position, const std::string& words) {
    for (const auto& e : errors)
        if (e.rfind(position + ": ", 0) == 0 && e.find(words) != std::string::npos) return true;
    return false;
}

// Every error, one per line, for failure messages.
inline std::string joined(const std::vector<std::string>& errors) {
    std::string all;
    for (const auto& e : errors) all += e + "\n";
    return all;
}

}  // namespace bgpemu::test
