// JSON text for the admin protocol's replies. Boost.JSON writes a double in exponent
// form (0.6 as 6E-1, 81.0 as 8.1E1); replies write every number as a plain decimal
// (0.6, 81), as GoBGP's and FRR's JSON output does, so that people and scripts read
// delays and times as they are. Everything else is written as Boost.JSON writes it.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace bgpemu::daemon {

[[nodiscard]] std::string to_json_text(const boost::json::value& value);
void append_json_text(std::string& out, const boost::json::value& value);
// A string as JSON text (quoted and escaped), for replies written without a JSON tree.
void append_json_string(std::string& out, std::string_view text);

// A reply value as its clients compare and print it: a string's contents, anything else
// as its JSON text; a member that is absent reads `absent`.
[[nodiscard]] std::string plain_text(const boost::json::value& value);
[[nodiscard]] std::string plain_text(const boost::json::object& object, std::string_view key, std::string_view absent = "");

// A number of milliseconds as replies carry it: rounded to the microsecond (at most
// three decimals).
[[nodiscard]] double reply_milliseconds(double ms);

}  // namespace bgpemu::daemon
