// The admin protocol's command handlers: one JSON request in, one JSON reply out
// (protocol version 1; the commands, their keys and their reply schemas are the command
// table's, daemon/admin/command_table.hpp). One handler per table entry, registered in
// the constructor, whatever transport carries the request (the admin socket, HTTP).
// Runs on the daemon's io_context, so it reads the speakers directly; actions go through
// the speakers' own operations (Session::reset, Speaker::announce_network ...), never
// around them.
//
// Request: {"version": 1, "command": "show rib", "node": "hub-ergw", "prefix": "10.2.30.0/25"}
// Reply:   {"version": 1, "ok": true, "result": {...}}
//      or  {"version": 1, "ok": false, "error": {"code": "unknown_node", "message": "..."}}
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "bgp/speaker/speaker.hpp"
#include "daemon/archive/mrt_archive.hpp"
#include "daemon/bmp/bmp_exporter.hpp"
#include "daemon/emulation/emulation.hpp"

namespace bgpemu::daemon {

inline constexpr int admin_protocol_version = 1;

// An event as `show events` lists it and the HTTP server's event stream sends it.
[[nodiscard]] boost::json::object event_json(const Event& event);

// What a configuration reload did: the errors that refused it (the running topology is
// then untouched), or the changes it made.
struct ReloadOutcome {
    std::vector<std::string> errors;
    std::vector<std::string> changes;
};

// What a command answers: a JSON value or, for a result of a million entries (a check
// over every pair of hosts), its JSON text, written as it is computed with no tree of
// it in memory.
class CommandResult {
public:
    CommandResult(boost::json::value value) : value_(std::move(value)) {}  // NOLINT: every handler's value
    [[nodiscard]] static CommandResult json_text(std::string text) {
        CommandResult out{boost::json::value()};
        out.text_ = std::move(text);
        return out;
    }
    void append_to(std::string& out) const;
    [[nodiscard]] boost::json::value value() &&;

private:
    boost::json::value value_;
    std::optional<std::string> text_;
};

class AdminCommands {
public:
    AdminCommands(std::vector<std::unique_ptr<bgp::Speaker>>& speakers, std::string config_file);

    // One request line (without its newline) to one reply line (without its newline).
    [[nodiscard]] std::string handle_line(std::string_view line);
    [[nodiscard]] boost::json::object handle(const boost::json::object& request);
    // A reply: its envelope (version, ok, error) and, when ok, the result apart from it,
    // so a result written as text is sent as it is.
    struct Reply {
        boost::json::object envelope;
        CommandResult result;
        [[nodiscard]] bool ok() const { return envelope.at("ok").as_bool(); }
        [[nodiscard]] std::string text() const;  // the reply as one line of JSON
    };
    [[nodiscard]] Reply respond(const boost::json::object& request);
    // Whether a handler is registered under this command name (the table's test).
    [[nodiscard]] bool handles(std::string_view command) const { return handlers_.find(command) != handlers_.end(); }
    // What `reload` runs (the daemon's SIGHUP handler).
    // Reads the topology file again, or `file` in its place (which becomes the daemon's file).
    void set_reload(std::function<ReloadOutcome(const std::optional<std::string>& file)> reload) { reload_ = std::move(reload); }
    // The data plane that trace, ping, link and VNet `show fib` work on.
    void set_emulation(Emulation* emulation) { emulation_ = emulation; }
    // The MRT archive whose counters the metrics report (null: none).
    void set_mrt_archive(const MrtArchive* archive) { mrt_archive_ = archive; }
    // The BMP exporter that `show bmp` and the metrics report on (null: none).
    void set_bmp_exporter(const BmpExporter* exporter) { bmp_exporter_ = exporter; }
    // How late the event loop ran a timer (the daemon measures it each second).
    void note_loop_lag(std::chrono::steady_clock::duration lag);
    // `show metrics`' text: the Prometheus exposition the HTTP server's /metrics serves.
    [[nodiscard]] std::string metrics_text() const;

private:
    using Handler = std::function<CommandResult(const boost::json::object&)>;
    void register_handlers();

    [[nodiscard]] boost::json::value status() const;
    [[nodiscard]] boost::json::value show_sessions(const boost::json::object& request) const;
    [[nodiscard]] boost::json::value show_rib(const boost::json::object& request) const;
    [[nodiscard]] boost::json::value show_memory(const boost::json::object& request) const;
    [[nodiscard]] boost::json::value show_metrics() const;
    [[nodiscard]] boost::json::value show_bmp() const;
    [[nodiscard]] boost::json::value dump_rib(const boost::json::object& request) const;
    [[nodiscard]] boost::json::value show_fib(const boost::json::object& request) const;
    [[nodiscard]] boost::json::value session_action(const boost::json::object& request, std::string_view action);
    [[nodiscard]] boost::json::value announce(const boost::json::object& request);
    [[nodiscard]] boost::json::value reload(const boost::json::object& request);
    [[nodiscard]] boost::json::value withdraw(const boost::json::object& request);
    [[nodiscard]] boost::json::value inject(const boost::json::object& request);

    [[nodiscard]] boost::json::value effective_routes_json(std::size_t vnet, std::optional<std::size_t> table) const;
    [[nodiscard]] boost::json::value trace(const boost::json::object& request) const;
    [[nodiscard]] boost::json::value ping(const boost::json::object& request) const;
    [[nodiscard]] boost::json::value link(const boost::json::object& request);
    [[nodiscard]] boost::json::value show_links() const;
    [[nodiscard]] boost::json::value show_topology() const;
    [[nodiscard]] boost::json::value show_events(const boost::json::object& request) const;
    [[nodiscard]] boost::json::value converged(const boost::json::object& request) const;
    [[nodiscard]] CommandResult check(const boost::json::object& request) const;
    [[nodiscard]] boost::json::value matrix(const boost::json::object& request) const;
    [[nodiscard]] const dataplane::Network& network() const;
    // The node's Azure role in the emulated network (none without one, or unknown).
    [[nodiscard]] dataplane::Role role_of(std::string_view node) const;
    [[nodiscard]] dataplane::ProbeSource probe_source(const boost::json::object& request) const;
    // The probe's destination, of the family `from` sends.
    [[nodiscard]] bgp::IpAddress probe_destination(const boost::json::object& request, const dataplane::ProbeSource& from) const;

    [[nodiscard]] bgp::Speaker& node(const boost::json::object& request) const;

    std::map<std::string, Handler, std::less<>> handlers_;
    std::vector<std::unique_ptr<bgp::Speaker>>& speakers_;
    std::string config_file_;
    std::function<ReloadOutcome(const std::optional<std::string>& file)> reload_;
    Emulation* emulation_ = nullptr;
    const MrtArchive* mrt_archive_ = nullptr;
    const BmpExporter* bmp_exporter_ = nullptr;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration loop_lag_{};
    std::chrono::steady_clock::duration loop_lag_max_{};
};

}  // namespace bgpemu::daemon
