// Base64 (RFC 4648 §4, with padding): how binary results (an MRT dump) travel in the
// admin protocol's JSON replies.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bgpemu::daemon {

// `bytes` is any octets (a std::string holds them as well as text).
[[nodiscard]] std::string base64_encode(std::string_view bytes);
// Nullopt for text that is not base64.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace bgpemu::daemon
