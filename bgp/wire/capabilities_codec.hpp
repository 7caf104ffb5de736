// Internal to the codec: the capability triples <code, length, value> of RFC 5492 §4 that
// fill the Capabilities Optional Parameter of OPEN. open.cpp frames the parameters; this
// part knows what each capability's value means. Declared here (not in codec.hpp) so the
// tests can drive one capability at a time without building an OPEN around it.
#pragma once

#include <cstddef>
#include <optional>

#include "bgp/wire/bytes.hpp"
#include "bgp/wire/capabilities.hpp"
#include "bgp/wire/wire_error.hpp"

namespace bgpemu::bgp {

// The largest Capability Value: the Capability Length field is one octet (RFC 5492 §4).
inline constexpr std::size_t max_capability_value = 255;

// Decodes every triple in `triples` (the value of one Capabilities Optional Parameter)
// into `capabilities`, merging with what earlier parameters of the same OPEN carried:
// a speaker may send one parameter per capability (FRR) or one for all (BIRD), and the
// result must not depend on which (RFC 5492 §4). Returns the OPEN Message Error to send
// when a triple or a value is malformed.
[[nodiscard]] std::optional<WireError> decode_capability_triples(WireReader triples, Capabilities& capabilities);

// Appends every capability in `capabilities` as triples, in ascending Capability Code
// order (unknown ones at their code, in their stored order): one canonical encoding for
// a given Capabilities value, so encoded OPENs can be compared byte for byte.
void encode_capability_triples(const Capabilities& capabilities, WireWriter& writer);

// OPEN Message Error / Unspecific: RFC 4271 §6.2 prescribes subcode 0 when an Optional
// Parameter is recognized but malformed, which covers a malformed capability as well.
[[nodiscard]] inline WireError malformed_open(std::size_t offset, const char* reason) {
    return WireError{ErrorAction::session_reset, ErrorCode::open_message, 0, {}, offset, reason};
}

}  // namespace bgpemu::bgp
