#include "daemon/admin/admin_commands.hpp"

#include <optional>
#include <stdexcept>

#include "daemon/admin/command_table.hpp"
#include "daemon/admin/json_text.hpp"
#include "daemon/admin/request_arguments.hpp"

namespace bgpemu::daemon {

namespace json = boost::json;

AdminCommands::AdminCommands(std::vector<std::unique_ptr<bgp::Speaker>>& speakers, std::string config_file)
    : speakers_(speakers), config_file_(std::move(config_file)) {
    register_handlers();
}

// One handler per entry of the command table; the handlers live beside their kin in
// speaker_commands.cpp (the control plane) and network_commands.cpp (the data plane).
void AdminCommands::register_handlers() {
    const auto request_free = [this](json::value (AdminCommands::*handler)() const) {
        return [this, handler](const json::object&) { return (this->*handler)(); };
    };
    const auto reading = [this](json::value (AdminCommands::*handler)(const json::object&) const) {
        return [this, handler](const json::object& request) { return (this->*handler)(request); };
    };
    const auto changing = [this](json::value (AdminCommands::*handler)(const json::object&)) {
        return [this, handler](const json::object& request) { return (this->*handler)(request); };
    };
    const auto session = [this](std::string_view action) {
        return [this, action](const json::object& request) { return session_action(request, action); };
    };
    handlers_ = {
        {"status", request_free(&AdminCommands::status)},
        {"show sessions", reading(&AdminCommands::show_sessions)},
        {"show rib", reading(&AdminCommands::show_rib)},
        {"show fib", reading(&AdminCommands::show_fib)},
        {"show memory", reading(&AdminCommands::show_memory)},
        {"show metrics", request_free(&AdminCommands::show_metrics)},
        {"show bmp", request_free(&AdminCommands::show_bmp)},
        {"dump rib", reading(&AdminCommands::dump_rib)},
        {"show links", request_free(&AdminCommands::show_links)},
        {"show topology", request_free(&AdminCommands::show_topology)},
        {"show events", reading(&AdminCommands::show_events)},
        {"session reset", session("reset")},
        {"session shutdown", session("shutdown")},
        {"session enable", session("enable")},
        {"announce", changing(&AdminCommands::announce)},
        {"withdraw", changing(&AdminCommands::withdraw)},
        {"inject", changing(&AdminCommands::inject)},
        {"reload", [this](const json::object& request) { return reload(request); }},
        {"trace", reading(&AdminCommands::trace)},
        {"ping", reading(&AdminCommands::ping)},
        {"link", changing(&AdminCommands::link)},
        {"converged", reading(&AdminCommands::converged)},
        {"check", [this](const json::object& request) { return check(request); }},
        {"matrix", reading(&AdminCommands::matrix)},
    };
    // The table and the handlers name the same commands, or the daemon does not start.
    for (const auto& command : command_table())
        if (!handles(command.name))
            throw std::logic_error("the command table's \"" + std::string(command.name) + "\" has no handler");
    for (const auto& [name, handler] : handlers_)
        if (find_command(name) == nullptr)
            throw std::logic_error("the handler of \"" + name + "\" has no entry in the command table");
}

std::string AdminCommands::handle_line(std::string_view line) {
    json::error_code error;
    const auto request = json::parse(line, error);
    if (error || !request.is_object()) {
        json::object reply{{"version", admin_protocol_version}, {"ok", false}};
        reply["error"] = json::object{
            {"code", "bad_request"},
            {"message", error ? "the request is not valid JSON: " + error.message()
                              : std::string("the request must be a JSON object")}};
        return to_json_text(reply);
    }
    return respond(request.as_object()).text();
}

void CommandResult::append_to(std::string& out) const {
    if (text_) out += *text_;
    else append_json_text(out, value_);
}

json::value CommandResult::value() && {
    if (!text_) return std::move(value_);
    return json::parse(*text_);
}

std::string AdminCommands::Reply::text() const {
    if (!ok()) return to_json_text(envelope);
    // The envelope's members, then the result as its "result" member.
    auto out = to_json_text(envelope);
    out.pop_back();
    out += ",\"result\":";
    result.append_to(out);
    out += '}';
    return out;
}

json::object AdminCommands::handle(const json::object& request) {
    auto reply = respond(request);
    if (reply.ok()) reply.envelope["result"] = std::move(reply.result).value();
    return std::move(reply.envelope);
}

AdminCommands::Reply AdminCommands::respond(const json::object& request) {
    json::object reply{{"version", admin_protocol_version}};
    std::optional<CommandResult> result;
    try {
        if (const auto* version = field(request, "version");
            version != nullptr && !(version->is_int64() && version->as_int64() == admin_protocol_version))
            throw CommandError("unsupported_version", "this daemon speaks admin protocol version 1");
        const auto name = required_string(request, "command");
        const auto* command = find_command(name);
        const auto handler = handlers_.find(name);
        if (command == nullptr || handler == handlers_.end())
            throw CommandError("unknown_command", "unknown command \"" + name + "\" (expected " + command_names() + ")");
        check_arguments(*command, request);
        // A command that changes nothing runs to its end before anything else can change
        // the speakers: the external routers' inferred FIBs hold meanwhile.
        std::optional<Emulation::ExternalFibCache> external_fibs;
        if (emulation_ != nullptr && !command->changes_state) external_fibs.emplace(*emulation_);
        result.emplace(handler->second(request));
        reply["ok"] = true;
    } catch (const CommandError& e) {
        reply["ok"] = false;
        reply["error"] = json::object{{"code", e.code}, {"message", e.what()}};
    }
    if (!result) return Reply{std::move(reply), json::value()};
    return Reply{std::move(reply), std::move(*result)};
}

bgp::Speaker& AdminCommands::node(const json::object& request) const {
    const auto name = required_string(request, "node");
    for (auto& speaker : speakers_)
        if (speaker->config().name == name) return *speaker;
    throw CommandError("unknown_node", "no speaker named \"" + name + "\"");
}

dataplane::Role AdminCommands::role_of(std::string_view node) const {
    if (emulation_ == nullptr) return dataplane::Role::none;
    const auto& network = emulation_->network();
    const auto index = network.find_node(node);
    return index ? network.nodes()[*index].role : dataplane::Role::none;
}

json::value AdminCommands::reload(const json::object& request) {
    if (!reload_) throw CommandError("unsupported", "this daemon cannot reload its configuration");
    const auto file = optional_string(request, "file");
    const auto outcome = reload_(file);
    if (!outcome.errors.empty()) {
        std::string message = "the new configuration was refused; the running one is kept:";
        for (const auto& error : outcome.errors) message += "\n" + error;
        throw CommandError("config_invalid", message);
    }
    json::array changes;
    for (const auto& change : outcome.changes) changes.push_back(json::value(change));
    if (file) config_file_ = *file;
    return json::object{{"config", config_file_}, {"changes", std::move(changes)}};
}

}  // namespace bgpemu::daemon
