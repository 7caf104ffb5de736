#include "daemon/admin/json_text.hpp"

#include <charconv>
#include <cmath>

#include <boost/json/serialize.hpp>

namespace bgpemu::daemon {

namespace json = boost::json;

namespace {

void append_double(std::string& out, double value) {
    // JSON has no infinity or NaN; no reply computes one, but if one did it reads null.
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    // The shortest decimal that reads back as the same double, never in exponent form.
    char buffer[400];  // the longest fixed form of a double (1.8e308) fits
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
    out.append(buffer, result.ptr);
}

}  // namespace

void append_json_text(std::string& out, const json::value& value) {
    switch (value.kind()) {
        case json::kind::double_:
            append_double(out, value.get_double());
            return;
        case json::kind::array: {
            out += '[';
            bool first = true;
            for (const auto& item : value.get_array()) {
                if (!first) out += ',';
                first = false;
                append_json_text(out, item);
            }
            out += ']';
            return;
        }
        case json::kind::object: {
            out += '{';
            bool first = true;
            for (const auto& member : value.get_object()) {
                if (!first) out += ',';
                first = false;
                out += json::serialize(json::string_view(member.key()));
                out += ':';
                append_json_text(out, member.value());
            }
            out += '}';
            return;
        }
        default:
            out += json::serialize(value);  // strings (escaped), integers, booleans, null
            return;
    }
}

std::string to_json_text(const json::value& value) {
    std::string out;
    append_json_text(out, value);
    return out;
}

double reply_milliseconds(double ms) { return std::round(ms * 1000.0) / 1000.0; }

std::string plain_text(const json::value& value) {
    return value.is_string() ? std::string(value.as_string()) : to_json_text(value);
}

std::string plain_text(const json::object& object, std::string_view key, std::string_view absent) {
    const auto* value = object.if_contains(key);
    return value ? plain_text(*value) : std::string(absent);
}

}  // namespace bgpemu::daemon
