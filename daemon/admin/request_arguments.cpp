#include "daemon/admin/request_arguments.hpp"

#include <algorithm>

namespace bgpemu::daemon {

namespace json = boost::json;

namespace {

std::string quoted(std::string_view key) { return "\"" + std::string(key) + "\""; }

// "\"down\" or \"up\"", "\"igp\", \"egp\" or \"incomplete\"".
std::string choices_text(const Argument& argument) {
    std::string out;
    for (std::size_t i = 0; i < argument.choices.size(); ++i) {
        if (i > 0) out += i + 1 == argument.choices.size() ? " or " : ", ";
        out += quoted(argument.choices[i]);
    }
    return out;
}

void check_type(const Argument& argument, const json::value& value) {
    const auto bad = [&](const std::string& what) { throw CommandError("bad_argument", quoted(argument.key) + " must be " + what); };
    switch (argument.type) {
        case ValueType::text:
        case ValueType::prefix:
        case ValueType::address:
        case ValueType::path:
            if (!value.is_string()) bad("a string");
            if (!argument.choices.empty() &&
                std::find(argument.choices.begin(), argument.choices.end(), std::string_view(value.get_string())) ==
                    argument.choices.end())
                bad(choices_text(argument));
            return;
        case ValueType::integer:
            if (!value.is_int64() && !value.is_uint64()) bad("a whole number");
            return;
        case ValueType::flag:
            if (!value.is_bool()) bad("true or false");
            return;
        case ValueType::text_list:
            if (!value.is_array() || !std::all_of(value.get_array().begin(), value.get_array().end(),
                                                  [](const json::value& item) { return item.is_string(); }))
                bad("a list of strings");
            return;
    }
}

}  // namespace

void check_arguments(const CommandDescriptor& command, const json::object& request) {
    for (const auto& argument : command.arguments) {
        if (argument.local) continue;
        const auto* value = request.if_contains(argument.key);
        if (value == nullptr) {
            if (argument.required) throw CommandError("missing_argument", "the request needs " + quoted(argument.key));
            continue;
        }
        check_type(argument, *value);
    }
}

const json::value* field(const json::object& request, std::string_view key) { return request.if_contains(key); }

std::string required_string(const json::object& request, std::string_view key) {
    const auto* value = field(request, key);
    if (value == nullptr) throw CommandError("missing_argument", "the request needs " + quoted(key));
    if (!value->is_string()) throw CommandError("bad_argument", quoted(key) + " must be a string");
    return std::string(value->get_string());
}

std::optional<std::string> optional_string(const json::object& request, std::string_view key) {
    if (field(request, key) == nullptr) return std::nullopt;
    return required_string(request, key);
}

bool optional_bool(const json::object& request, std::string_view key) {
    const auto* value = field(request, key);
    if (value == nullptr) return false;
    if (!value->is_bool()) throw CommandError("bad_argument", quoted(key) + " must be true or false");
    return value->get_bool();
}

bgp::Prefix required_prefix(const json::object& request) {
    const auto text = required_string(request, "prefix");
    const auto prefix = bgp::Prefix::parse(text);
    if (!prefix) throw CommandError("bad_argument", quoted(text) + " is not a prefix (address/length, host bits zero)");
    return *prefix;
}

bgp::IpAddress required_address(const json::object& request, std::string_view key) {
    const auto text = required_string(request, key);
    const auto address = bgp::IpAddress::parse(text);
    if (!address) throw CommandError("bad_argument", quoted(text) + " is not an IPv4 or IPv6 address");
    return *address;
}

}  // namespace bgpemu::daemon
