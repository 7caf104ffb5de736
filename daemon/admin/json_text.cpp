#include "daemon/admin/json_text.hpp"

#include <charconv>
#include <cmath>


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

// A string as JSON (RFC 8259 §7), straight into `out`: a reply can hold a million of
// them, and a temporary per string was most of the writing.
void append_json_string(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t plain = 0;  // the start of the run not yet copied
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(text.data() + plain, i - plain);
        plain = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xf];
        }
    }
    out.append(text.data() + plain, text.size() - plain);
    out += '"';
}

namespace {

template <typename Integer>
void append_integer(std::string& out, Integer value) {
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
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
                append_json_string(out, member.key());
                out += ':';
                append_json_text(out, member.value());
            }
            out += '}';
            return;
        }
        case json::kind::string:
            append_json_string(out, value.get_string());
            return;
        case json::kind::int64:
            append_integer(out, value.get_int64());
            return;
        case json::kind::uint64:
            append_integer(out, value.get_uint64());
            return;
        case json::kind::bool_:
            out += value.get_bool() ? "true" : "false";
            return;
        case json::kind::null:
            out += "null";
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
