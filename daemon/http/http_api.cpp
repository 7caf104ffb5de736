#include "daemon/http/http_api.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "daemon/admin/admin_commands.hpp"

namespace bgpemu::daemon::http {

namespace json = boost::json;

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

ApiError refused(unsigned status, std::string code, std::string message) {
    return ApiError{status, std::move(code), std::move(message), {}};
}

// %XX escapes, and in a query '+' for a space (HTML forms write them so).
std::optional<std::string> percent_decode(std::string_view text, bool query) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            const int high = hex_digit(text[i + 1]);
            const int low = hex_digit(text[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            c = static_cast<char>(high * 16 + low);
            i += 2;
        } else if (c == '+' && query) {
            c = ' ';
        }
        if (c == '\0') return std::nullopt;
        out += c;
    }
    return out;
}

// The request's value of `argument` from its query text.
std::variant<json::value, ApiError> typed(const Argument& argument, const std::string& text) {
    const auto bad = [&](const char* want) {
        return refused(400, "bad_argument", "\"" + std::string(argument.key) + "\" must be " + want + ", not \"" + text + "\"");
    };
    switch (argument.type) {
    case ValueType::integer: {
        std::int64_t value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc{} || end != text.data() + text.size()) return bad("a whole number");
        return json::value(value);
    }
    case ValueType::flag:
        // `?all_paths` alone says yes, as a command line's `--all-paths` does.
        if (text.empty() || text == "true" || text == "1") return json::value(true);
        if (text == "false" || text == "0") return json::value(false);
        return bad("true or false");
    default:
        return json::value(text);
    }
}

struct CodeStatus {
    std::string_view code;
    unsigned status;
};
// The admin protocol's error codes as HTTP statuses; any other code is a 400.
constexpr CodeStatus code_statuses[] = {
    {"unknown_command", 404},   {"unknown_node", 404},    {"unknown_peer", 404},   {"unknown_link", 404},
    {"unknown_destination", 404}, {"ambiguous_link", 409}, {"not_originated", 409}, {"no_topology", 409},
    {"no_fib", 409},            {"config_invalid", 422},  {"unsupported", 501},
};

}  // namespace

std::optional<Target> parse_target(std::string_view target) {
    if (target.empty() || target.front() != '/') return std::nullopt;
    const auto question = target.find('?');
    Target out;
    auto path = percent_decode(target.substr(0, question), false);
    if (!path) return std::nullopt;
    out.path = std::move(*path);
    if (question == std::string_view::npos) return out;
    auto query = target.substr(question + 1);
    if (const auto hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto equals = pair.find('=');
        auto key = percent_decode(pair.substr(0, equals), true);
        auto value = percent_decode(equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1), true);
        if (!key || !value) return std::nullopt;
        out.query.emplace_back(std::move(*key), std::move(*value));
    }
    return out;
}

std::variant<ApiCall, ApiError> api_call(std::string_view method, const Target& target, std::string_view body) {
    std::string name(std::string_view(target.path).substr(api_prefix.size()));
    while (!name.empty() && name.back() == '/') name.pop_back();
    for (auto& c : name)
        if (c == '/') c = ' ';
    const auto* command = find_command(name);
    if (command == nullptr)
        return refused(404, "unknown_command",
                        "no command at " + target.path + " (the commands, '/' for their spaces: " + command_names() + ")");
    const bool post = method == "POST";
    if (!(command->changes_state ? post : method == "GET"))
        return ApiError{405, "method_not_allowed",
                        std::string(command->name) + (command->changes_state ? " changes state: use POST" : " is a read: use GET"),
                        command->changes_state ? "POST" : "GET"};
    ApiCall call{command, {}};
    if (post) {
        if (body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
            json::error_code error;
            auto parsed = json::parse(body, error);
            if (error) return refused(400, "bad_request", "the body is not valid JSON: " + error.message());
            if (!parsed.is_object()) return refused(400, "bad_request", "the body must be a JSON object");
            call.request = std::move(parsed.as_object());
        }
        if (!target.query.empty()) return refused(400, "bad_request", "a POST takes its keys in the JSON body, not the query");
    } else {
        for (const auto& [key, text] : target.query) {
            const auto* argument = command->argument(key);
            if (argument == nullptr || argument->local) {
                // The admin protocol's own check names it, with the keys there are.
                call.request[key] = text;
                continue;
            }
            auto value = typed(*argument, text);
            if (auto* error = std::get_if<ApiError>(&value)) return std::move(*error);
            auto& slot = call.request[key];
            if (argument->type == ValueType::text_list) {
                if (!slot.is_array()) slot = json::array();
                slot.as_array().push_back(std::get<json::value>(std::move(value)));
            } else {
                if (!slot.is_null()) return refused(400, "bad_argument", "\"" + key + "\" is given twice");
                slot = std::get<json::value>(std::move(value));
            }
        }
    }
    call.request["version"] = admin_protocol_version;
    call.request["command"] = command->name;
    return call;
}

unsigned status_of(const json::object& reply) {
    const auto* ok = reply.if_contains("ok");
    if (ok != nullptr && ok->is_bool() && ok->as_bool()) return 200;
    const auto* error = reply.if_contains("error");
    const auto* code = error != nullptr && error->is_object() ? error->as_object().if_contains("code") : nullptr;
    if (code != nullptr && code->is_string())
        for (const auto& [name, status] : code_statuses)
            if (code->as_string() == name) return status;
    return 400;
}

json::object error_reply(std::string_view code, std::string_view message) {
    json::object reply{{"version", admin_protocol_version}, {"ok", false}};
    reply["error"] = json::object{{"code", code}, {"message", message}};
    return reply;
}

bool loopback_host(std::string_view host) {
    // The port, unless it is the end of an IPv6 literal.
    if (const auto colon = host.rfind(':'); colon != std::string_view::npos && host.find(']') == std::string_view::npos)
        host = host.substr(0, colon);
    else if (host.size() > 2 && host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string_view::npos) return false;
        return host.substr(1, close - 1) == "::1";
    }
    if (host == "localhost") return true;
    // 127.0.0.0/8 as a dotted quad.
    if (host.substr(0, 4) != "127.") return false;
    int dots = 0;
    for (const char c : host) {
        if (c == '.') ++dots;
        else if (c < '0' || c > '9') return false;
    }
    return dots == 3;
}

bool same_origin(std::string_view origin, std::string_view host) {
    constexpr std::string_view scheme = "http://";
    return !host.empty() && origin.size() == scheme.size() + host.size() && origin.substr(0, scheme.size()) == scheme &&
           origin.substr(scheme.size()) == host;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() <= scheme.size()) return std::nullopt;
    // The scheme's name is case-insensitive (RFC 9110 §11.1).
    for (std::size_t i = 0; i < scheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(authorization[i])) != std::tolower(static_cast<unsigned char>(scheme[i])))
            return std::nullopt;
    auto token = authorization.substr(scheme.size());
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    return token;
}

bool tokens_equal(std::string_view given, std::string_view expected) noexcept {
    // Every byte of the longer is read whatever the others hold; the lengths differing
    // is folded in last.
    const std::size_t length = std::max(given.size(), expected.size());
    unsigned char difference = 0;
    for (std::size_t i = 0; i < length; ++i) {
        const auto a = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
        const auto b = i < expected.size() ? static_cast<unsigned char>(expected[i]) : 0;
        difference = static_cast<unsigned char>(difference | (a ^ b));
    }
    return difference == 0 && given.size() == expected.size() && !expected.empty();
}

}  // namespace bgpemu::daemon::http
