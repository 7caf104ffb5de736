// Test helpers: hex fixtures in, bytes out.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "bgp/wire/bytes.hpp"

namespace bgpemu::test {

// Bytes from a hex fixture ("ffff 0013 04"); throws on a malformed fixture so a typo in a
// test fails loudly instead of testing the wrong bytes.
inline bgp::Bytes hex(std::string_view text) {
    auto bytes = bgp::bytes_from_hex(text);
    if (!bytes) throw std::invalid_argument("bad hex fixture: " + std::string(text));
    return *bytes;
}

inline std::string to_hex(const bgp::Bytes& bytes) { return bgp::bytes_to_hex(bytes); }

}  // namespace bgpemu::test
