// bgpemuctl: the command line for a running bgpemud, over its admin socket.
//
// Turns words into one JSON request (admin protocol version 1) by the command table,
// sends it, and prints the reply with the command's printer (or as the raw JSON with
// --json). Exit status: 0 done, 1 the daemon refused the request (or the answer is a
// failure: not reachable, not converged, a problem found), 2 usage error, 3 the daemon
// could not be reached.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "daemon/admin/admin_socket_path.hpp"
#include "daemon/admin/json_text.hpp"
#include "daemon/ctl/admin_client.hpp"
#include "daemon/ctl/command_line.hpp"
#include "daemon/ctl/design_diff.hpp"
#include "daemon/ctl/reply_printers.hpp"
#include "daemon/ctl/scenario.hpp"
#include "daemon/version.hpp"

namespace json = boost::json;
namespace ctl = bgpemu::daemon::ctl;

namespace {

constexpr std::int64_t default_poll_seconds = 60;

std::string text(const json::object& object, std::string_view key) { return bgpemu::daemon::plain_text(object, key, "-"); }

// --json: the reply as it is, and the exit status the tables would give. Not converged,
// not reachable and a problem found are failures too.
int print_raw(const json::object& reply, const std::string& reply_text, bool ok) {
    std::cout << reply_text << "\n";
    const auto* result = reply.if_contains("result");
    const auto flag = [&](const char* key) {
        const auto* value = result && result->is_object() ? result->as_object().if_contains(key) : nullptr;
        return !value || !value->is_bool() || value->as_bool();
    };
    const auto* problems = result && result->is_object() ? result->as_object().if_contains("problems") : nullptr;
    const bool clean = !problems || !problems->is_int64() || problems->as_int64() == 0;
    return ok && flag("converged") && flag("reachable") && clean ? 0 : 1;
}

// `bgpemuctl verify SCENARIO [--junit FILE]`: the scenario's steps and expectations
// against the daemon at `socket_path`.
int verify(const std::vector<std::string>& words, const std::string& socket_path, bool raw_json) {
    std::string file, junit;
    for (std::size_t i = 1; i < words.size(); ++i) {
        if (words[i] == "--junit" && i + 1 < words.size()) junit = words[++i];
        else if (file.empty() && words[i].rfind("--", 0) != 0) file = words[i];
        else {
            std::cerr << "bgpemuctl: verify takes SCENARIO [--junit FILE], not '" << words[i] << "'\n";
            return 2;
        }
    }
    if (file.empty()) {
        std::cerr << "bgpemuctl: verify needs a scenario file\n";
        return 2;
    }
    std::string error;
    if (!ctl::exchange(socket_path, R"({"version": 1, "command": "status"})", error)) {
        std::cerr << "bgpemuctl: cannot talk to bgpemud at " << socket_path << ": " << error << " (is it running? --socket PATH)\n";
        return 3;
    }
    return ctl::verify_scenario(file, junit, ctl::socket_exchange(socket_path), raw_json, std::cout, std::cerr);
}

// `bgpemuctl diff FILE [--fail-on-change]`: what changes when the daemon runs FILE.
int diff(const std::vector<std::string>& words, const std::string& socket_path) {
    std::string file;
    bool fail_on_change = false;
    for (std::size_t i = 1; i < words.size(); ++i) {
        if (words[i] == "--fail-on-change") fail_on_change = true;
        else if (file.empty() && words[i].rfind("--", 0) != 0) file = words[i];
        else {
            std::cerr << "bgpemuctl: diff takes FILE [--fail-on-change], not '" << words[i] << "'\n";
            return 2;
        }
    }
    if (file.empty()) {
        std::cerr << "bgpemuctl: diff needs the other topology file\n";
        return 2;
    }
    return ctl::run_diff(ctl::socket_exchange(socket_path), std::filesystem::absolute(file).string(), fail_on_change, 60, std::cout);
}

}  // namespace

int main(int argc, char** argv) {
    std::string socket_path;
    bool raw_json = false;
    std::vector<std::string> words;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << ctl::usage_text();
            return 0;
        }
        if (arg == "--version") {
            std::cout << "bgpemuctl " << bgpemu::version << "\n";
            return 0;
        }
        if (arg == "--json") {
            raw_json = true;
        } else if (arg == "--socket" || arg == "-s") {
            if (++i >= argc) {
                std::cerr << "bgpemuctl: --socket needs a path\n";
                return 2;
            }
            socket_path = argv[i];
        } else {
            words.push_back(arg);
        }
    }
    if (socket_path.empty()) socket_path = bgpemu::daemon::default_admin_socket_path().string();

    if (!words.empty() && words[0] == "verify") return verify(words, socket_path, raw_json);
    if (!words.empty() && words[0] == "diff") return diff(words, socket_path);
    ctl::CommandLine line;
    try {
        line = ctl::parse_command_line(words);
    } catch (const ctl::UsageError& e) {
        std::cerr << "bgpemuctl: " << e.what() << "\n\n" << ctl::usage_text();
        return 2;
    }
    // A command that waits for a state (`wait converged`) asks again until the daemon
    // says so, or its timeout.
    const bool polled = line.command != nullptr && !line.command->poll_until.empty() && words[0] != "request";
    const auto* timeout = line.local.if_contains("timeout_s");
    const auto poll_seconds = timeout != nullptr ? timeout->as_int64() : default_poll_seconds;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(poll_seconds);
    const auto request_text = json::serialize(line.request);
    std::string error;
    auto reply_text = ctl::exchange(socket_path, request_text, error);
    while (polled && reply_text && std::chrono::steady_clock::now() < deadline) {
        json::error_code e;
        const auto reply = json::parse(*reply_text, e);
        if (e || !reply.is_object() || !reply.as_object().contains("result")) break;
        const auto* done = reply.at("result").as_object().if_contains(line.command->poll_until);
        if (done == nullptr || !done->is_bool() || done->as_bool()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        reply_text = ctl::exchange(socket_path, request_text, error);
    }
    if (!reply_text) {
        std::cerr << "bgpemuctl: cannot talk to bgpemud at " << socket_path << ": " << error
                  << " (is it running? --socket PATH)\n";
        return 3;
    }
    json::error_code parse_error;
    // One arena for the whole reply (a check's can hold a million pairs): no allocation
    // per value, and nothing to free value by value.
    const auto reply = json::parse(*reply_text, parse_error, json::make_shared_resource<json::monotonic_resource>());
    if (parse_error || !reply.is_object()) {
        std::cerr << "bgpemuctl: the daemon's reply is not JSON: " << *reply_text << "\n";
        return 1;
    }
    const auto& object = reply.as_object();
    const bool ok = object.contains("ok") && object.at("ok").is_bool() && object.at("ok").as_bool();
    if (raw_json) return print_raw(object, *reply_text, ok);
    if (!ok) {
        const auto* e = object.if_contains("error");
        std::cerr << "bgpemuctl: "
                  << (e && e->is_object() ? text(e->as_object(), "message") + " (" + text(e->as_object(), "code") + ")"
                                          : *reply_text)
                  << "\n";
        return 1;
    }
    const auto& result = object.at("result");
    const auto printer = line.command != nullptr ? ctl::printer_for(line.command->name) : nullptr;
    try {
        if (printer != nullptr && result.is_object())
            return printer(result.as_object(), ctl::PrintContext{line.request, line.local, polled, poll_seconds});
        std::cout << bgpemu::daemon::to_json_text(result) << "\n";
    } catch (const std::exception& e) {
        // A reply of another shape (a newer daemon): show it rather than fail.
        std::cerr << "bgpemuctl: unexpected reply layout (" << e.what() << "); raw reply:\n";
        std::cout << *reply_text << "\n";
    }
    return 0;
}
