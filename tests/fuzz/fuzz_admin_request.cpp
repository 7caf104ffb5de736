// libFuzzer target for the admin socket's request handling: bytes in, cut into lines
// as the admin server cuts them (one request per line, a trailing CR dropped, blank
// lines skipped), each line handed to AdminCommands::handle_line in turn, so that one
// input can take a link down and then trace across it.
//
// The daemon state is built afresh for every input from the small topology below: two
// speakers, an external router, a LAN router, a host on the LAN and a VM in a VNet, and
// the links between them. It runs on an io_context that is only ever polled, and every
// neighbour is passive and no speaker listens, so nothing is bound or connected:
// sessions stay Idle/Active, the Loc-RIBs hold the originated networks, and the FIBs
// the connected and static routes. `reload` reads a temporary copy of the same file.
//
// Beyond the sanitizers, we check the protocol promised in doc/reference/admin-protocol.md:
// handle_line never throws, and each reply is one line of JSON, an object with
// "version": 1 and either "ok": true with a "result", or "ok": false with an "error"
// {"code", "message"} whose code is one of the documented ones. To see the replies to
// one input: BGPEMU_FUZZ_PRINT=1 fuzz_admin_request FILE.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include "bgp/speaker/speaker.hpp"
#include "daemon/admin/admin_commands.hpp"
#include "daemon/config/config.hpp"
#include "daemon/emulation/emulation.hpp"

namespace {

using namespace bgpemu;
namespace json = boost::json;

// Every neighbour passive (so start() connects nowhere); addresses distinct from the
// other test topologies'. ce peers with the gateway over a link and with an external
// router; the gateway serves VNet hub, where vm lives; pc sits on lan's LAN.
constexpr std::string_view topology_yaml = R"(
policy:
  prefix_lists:
    own: [{seq: 10, action: permit, prefix: 10.20.0.0/16, le: 24}]
  route_maps:
    from-gw:
      - {seq: 10, action: permit, set: {local_pref: 200}}
speakers:
  - name: ce
    asn: 64950
    router_id: 10.20.255.1
    listen: 127.77.0.1:1179
    ebgp_requires_policy: false
    maximum_paths: 2
    networks:
      - 10.20.0.0/24
      - {prefix: 2001:db8:20::/48, med: 5, communities: ["64950:1"]}
    interfaces:
      - {name: lan, address: 10.20.1.1/30}
      - {name: gw, address: 192.168.77.1/30}
      - {name: ext, address: 192.168.78.1/30}
    static_routes:
      - {prefix: 10.20.0.0/24, next_hop: 10.20.1.2}
      - {prefix: 10.99.0.0/16, blackhole: true}
    neighbors:
      - {name: gw, address: 127.77.0.2:1179, asn: 65515, passive: true, route_map_in: from-gw,
         prefix_list_out: own, maximum_prefix: {limit: 10, warning_percent: 50}}
      - {name: ext, address: 127.77.0.3:1179, asn: 64951, passive: true}
  - name: gw
    role: er-gateway
    router_id: 10.30.255.4
    listen: 127.77.0.2:1179
    vnet: hub
    vnet_addresses: [10.30.255.4]
    interfaces:
      - {name: ce, address: 192.168.77.2/30}
    neighbors:
      - {name: ce, address: 127.77.0.1:1179, asn: 64950, passive: true}
externals:
  - name: ext
    asn: 64951
    interfaces:
      - {name: ce, address: 192.168.78.2/30}
    static_routes:
      - {prefix: 0.0.0.0/0, next_hop: 192.168.78.1}
    prefer: [ce]
routers:
  - name: lan
    interfaces:
      - {name: pc, address: 10.20.0.1/24}
      - {name: ce, address: 10.20.1.2/30}
    static_routes:
      - {prefix: 0.0.0.0/0, next_hop: 10.20.1.1}
hosts:
  - {name: pc, address: 10.20.0.10/24, gateway: 10.20.0.1}
  - {name: vm, vnet: hub, address: 10.30.0.4}
vnets:
  - {name: hub, address_spaces: [10.30.0.0/16]}
links:
  - {a: pc, b: lan:pc, delay_ms: 0.1}
  - {a: lan:ce, b: ce:lan}
  - {a: ce:gw, b: gw:ce, delay_ms: 2}
  - {name: to-ext, a: ce:ext, b: ext:ce, delay_ms: 1}
)";

constexpr std::string_view error_codes[] = {
    "bad_request",     "request_too_long",    "unsupported_version", "unknown_command", "missing_argument",
    "bad_argument",    "unknown_node",        "unknown_peer",        "not_originated",  "config_invalid",
    "unknown_destination", "unknown_link",    "ambiguous_link",      "no_fib",          "no_topology",
    "unsupported",
};

// Requests per input: enough for a few state changes before the questions.
constexpr std::size_t max_lines = 16;

[[noreturn]] void broken_promise(const std::string& what, std::string_view line, std::string_view reply = {}) {
    std::fprintf(stderr, "admin commands broke their contract: %s\n  request: %.*s\n  reply: %.*s\n", what.c_str(),
                 static_cast<int>(line.size()), line.data(), static_cast<int>(reply.size()), reply.data());
    std::abort();
}

void check_reply(std::string_view line, const std::string& reply) {
    if (reply.find('\n') != std::string::npos) broken_promise("the reply is more than one line", line, reply);
    json::error_code error;
    const auto parsed = json::parse(reply, error);
    if (error) broken_promise("the reply is not JSON: " + error.message(), line, reply);
    if (!parsed.is_object()) broken_promise("the reply is not an object", line, reply);
    const auto& object = parsed.as_object();
    const auto* version = object.if_contains("version");
    if (version == nullptr || !version->is_int64() || version->as_int64() != daemon::admin_protocol_version)
        broken_promise("the reply's version is not 1", line, reply);
    const auto* ok = object.if_contains("ok");
    if (ok == nullptr || !ok->is_bool()) broken_promise("the reply has no boolean \"ok\"", line, reply);
    const bool has_result = object.contains("result");
    const auto* failure = object.if_contains("error");
    if (object.size() != 3) broken_promise("the reply has keys beside version, ok and result|error", line, reply);
    if (ok->as_bool()) {
        if (!has_result) broken_promise("\"ok\": true without a result", line, reply);
        return;
    }
    if (failure == nullptr || !failure->is_object()) broken_promise("\"ok\": false without an error object", line, reply);
    const auto& e = failure->as_object();
    const auto* code = e.if_contains("code");
    const auto* message = e.if_contains("message");
    if (code == nullptr || !code->is_string() || message == nullptr || !message->is_string() || e.size() != 2)
        broken_promise("the error is not {code, message}", line, reply);
    bool known = false;
    for (const auto documented : error_codes) known = known || code->as_string() == documented;
    if (!known) broken_promise("undocumented error code", line, reply);
}

// The topology file, written once; `reload` reads it back. It is unlinked at once and
// read through /proc/self/fd, so nothing is left in /tmp however the fuzzer exits.
const std::string& config_path() {
    static const std::string path = [] {
        char name[] = "/tmp/bgpemu-fuzz-admin-XXXXXX";
        const int fd = ::mkstemp(name);
        if (fd < 0) {
            std::perror("mkstemp");
            std::abort();
        }
        ::unlink(name);
        if (::write(fd, topology_yaml.data(), topology_yaml.size()) != static_cast<ssize_t>(topology_yaml.size())) {
            std::perror("write");
            std::abort();
        }
        return "/proc/self/fd/" + std::to_string(fd);  // the descriptor stays open until exit
    }();
    return path;
}

const daemon::DaemonConfig& loaded_config() {
    static const daemon::DaemonConfig config = [] {
        auto loaded = daemon::load_config_file(config_path());
        for (const auto& error : loaded.errors) std::fprintf(stderr, "%s\n", error.to_string().c_str());
        if (!loaded.ok()) std::abort();
        return std::move(loaded.config);
    }();
    return config;
}

// The daemon between its start and its first io.run(), minus the sockets (see main.cpp).
struct Daemon {
    boost::asio::io_context io{1};
    std::shared_ptr<spdlog::logger> log =
        std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
    std::vector<std::unique_ptr<bgp::Speaker>> speakers;
    std::unique_ptr<daemon::Emulation> emulation;
    std::unique_ptr<daemon::AdminCommands> commands;

    Daemon() {
        const auto& config = loaded_config();
        for (const auto& speaker : config.speakers) speakers.push_back(std::make_unique<bgp::Speaker>(io, speaker, log));
        emulation = std::make_unique<daemon::Emulation>(speakers, config.topology);
        commands = std::make_unique<daemon::AdminCommands>(speakers, config_path());
        commands->set_emulation(emulation.get());
        commands->set_reload([this](const std::optional<std::string>& file) { return reload(file); });
        for (auto& speaker : speakers) speaker->start();
        emulation->attach();
    }
    ~Daemon() {
        for (auto& speaker : speakers) speaker->stop("fuzz input done");
        poll();
    }
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // The file never changes, so every speaker is reconfigured in place (main.cpp's
    // reload also adds, removes and re-creates speakers, which would listen and connect).
    // A reload from another file is refused: speakers would come and go.
    daemon::ReloadOutcome reload(const std::optional<std::string>& file) {
        daemon::ReloadOutcome outcome;
        if (file && *file != config_path()) {
            outcome.errors.push_back(*file + ": this daemon reloads only its own file");
            return outcome;
        }
        const auto next = daemon::load_config_file(config_path());
        if (!next.ok()) {
            for (const auto& error : next.errors) outcome.errors.push_back(error.to_string());
            return outcome;
        }
        for (auto& speaker : speakers)
            for (const auto& config : next.config.speakers)
                if (config.name == speaker->config().name && speaker->can_reconfigure(config))
                    for (auto& change : speaker->reconfigure(config)) outcome.changes.push_back(change);
        emulation->replace_topology(next.config.topology);
        emulation->record("reload", std::to_string(outcome.changes.size()) + " change(s)");
        return outcome;
    }

    // What the io_context would run before the next request arrives; bounded, since a
    // handler may schedule another.
    void poll() {
        for (int i = 0; i < 10000 && io.poll_one() > 0; ++i) {
        }
        io.restart();
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // BGPEMU_FUZZ_PRINT=1 prints each request and its reply (to look at one input).
    static const bool print_replies = std::getenv("BGPEMU_FUZZ_PRINT") != nullptr;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    Daemon daemon;
    std::size_t start = 0;
    for (std::size_t lines = 0; start <= input.size() && lines < max_lines; ++lines) {
        auto end = input.find('\n', start);
        if (end == std::string_view::npos) end = input.size();
        auto line = input.substr(start, end - start);
        start = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // the server skips blank lines
        std::string reply;
        try {
            reply = daemon.commands->handle_line(line);
        } catch (const std::exception& e) {
            broken_promise(std::string("handle_line threw: ") + e.what(), line);
        } catch (...) {
            broken_promise("handle_line threw something not derived from std::exception", line);
        }
        check_reply(line, reply);
        if (print_replies)
            std::printf("-> %.*s\n<- %s\n", static_cast<int>(line.size()), line.data(), reply.c_str());
        daemon.poll();
    }
    return 0;
}
