// `show metrics`: the daemon, its speakers and their sessions in the Prometheus text
// exposition format (version 0.0.4), which the HTTP server serves at /metrics and
// `bgpemuctl show metrics` prints. Names and labels follow Prometheus's conventions:
// base units (seconds, bytes), `_total` on counters, the standard `process_*` names for
// the process; one family per metric, every sample of it under one HELP and TYPE.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

#include "daemon/admin/admin_commands.hpp"
#include "daemon/version.hpp"

namespace bgpemu::daemon {

namespace json = boost::json;

namespace {

// The families, in the order they are written.
struct Family {
    const char* name;
    const char* type;  // counter, gauge
    const char* help;
};
constexpr Family families[] = {
    {"bgpemu_build_info", "gauge", "the daemon's version (always 1)"},
    {"process_resident_memory_bytes", "gauge", "resident memory of the daemon"},
    {"process_open_fds", "gauge", "open file descriptors of the daemon"},
    {"process_start_time_seconds", "gauge", "when the daemon started, seconds since the Unix epoch"},
    {"bgpemu_event_loop_lag_seconds", "gauge", "how late the event loop ran a timer due each second, last measurement"},
    {"bgpemu_event_loop_lag_max_seconds", "gauge", "the longest event loop lag since the daemon started"},
    {"bgpemu_links_up", "gauge", "emulated links up"},
    {"bgpemu_links", "gauge", "emulated links"},
    {"bgpemu_mrt_records_total", "counter", "MRT records queued for the archive (mrt:)"},
    {"bgpemu_mrt_bytes_written_total", "counter", "bytes the MRT archive wrote"},
    {"bgpemu_mrt_dropped_records_total", "counter", "MRT records dropped because the writer was behind (mrt.queue_bytes)"},
    {"bgpemu_mrt_write_errors_total", "counter", "MRT writes that failed (a full disk, a file that cannot be opened)"},
    {"bgpemu_bmp_stream_up", "gauge", "1 when the BMP station (bmp:) is connected for the speaker"},
    {"bgpemu_bmp_connects_total", "counter", "connections made to the BMP station for the speaker"},
    {"bgpemu_bmp_messages_total", "counter", "BMP messages queued for the station"},
    {"bgpemu_bmp_bytes_sent_total", "counter", "bytes the BMP station was sent"},
    {"bgpemu_bmp_overflows_total", "counter", "BMP connections closed because the station fell queue_bytes behind"},
    {"bgpemu_speaker_routes", "gauge", "prefixes in the speaker's Loc-RIB"},
    {"bgpemu_speaker_paths", "gauge", "paths in the speaker's Loc-RIB, best and alternatives"},
    {"bgpemu_speaker_attribute_sets", "gauge", "distinct path attribute sets the speaker holds"},
    {"bgpemu_speaker_memory_bytes", "gauge", "bytes of the speaker's RIBs (attribute sets, Loc-RIB entries, index, Adj-RIB-Out)"},
    {"bgpemu_session_state", "gauge",
     "the session's FSM state, numbered as BGP4-MIB's bgpPeerState: 1 Idle, 2 Connect, 3 Active, 4 OpenSent, "
     "5 OpenConfirm, 6 Established"},
    {"bgpemu_session_up", "gauge", "1 when the session is Established"},
    {"bgpemu_session_state_seconds", "gauge", "seconds since the session's last state change"},
    {"bgpemu_session_prefixes_accepted", "gauge", "prefixes accepted from the peer (after import policy)"},
    {"bgpemu_session_prefixes_advertised", "gauge", "prefixes advertised to the peer"},
    {"bgpemu_session_messages_received_total", "counter", "BGP messages received"},
    {"bgpemu_session_messages_sent_total", "counter", "BGP messages sent"},
    {"bgpemu_session_updates_received_total", "counter", "UPDATE messages received"},
    {"bgpemu_session_updates_sent_total", "counter", "UPDATE messages sent"},
    {"bgpemu_session_notifications_received_total", "counter", "NOTIFICATION messages received, by error code (0: a code past 7)"},
    {"bgpemu_session_notifications_sent_total", "counter", "NOTIFICATION messages sent, by error code (0: a code past 7)"},
    {"bgpemu_session_established_total", "counter", "times the session reached Established (its flaps are this minus one)"},
};

// A label value as the format wants it: backslash, double quote and newline escaped.
std::string escaped(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

// Samples gathered by family name, written family by family.
class Exposition {
public:
    using Labels = std::vector<std::pair<std::string_view, std::string>>;
    void add(std::string_view family, const Labels& labels, double value) {
        std::ostringstream line;
        line << family;
        if (!labels.empty()) {
            line << '{';
            for (std::size_t i = 0; i < labels.size(); ++i)
                line << (i == 0 ? "" : ",") << labels[i].first << "=\"" << escaped(labels[i].second) << '"';
            line << '}';
        }
        // Counts as integers however large; measurements to nine significant digits.
        line << ' ';
        if (value == std::floor(value) && std::fabs(value) < 9.0e15) line << static_cast<std::int64_t>(value);
        else line << std::setprecision(9) << value;
        line << '\n';
        samples_[std::string(family)] += line.str();
    }
    [[nodiscard]] std::string text() const {
        std::string out;
        for (const auto& family : families) {
            const auto found = samples_.find(family.name);
            if (found == samples_.end()) continue;
            out += std::string("# HELP ") + family.name + " " + family.help + "\n";
            out += std::string("# TYPE ") + family.name + " " + family.type + "\n";
            out += found->second;
        }
        return out;
    }

private:
    std::map<std::string, std::string, std::less<>> samples_;
};

std::uint64_t resident_memory() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size = 0;
    std::uint64_t resident = 0;
    if (!(statm >> size >> resident)) return 0;
    return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::size_t open_fds() {
    std::error_code error;
    std::size_t count = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", error);
         !error && it != std::filesystem::directory_iterator(); it.increment(error))
        ++count;
    return count;
}

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

void AdminCommands::note_loop_lag(std::chrono::steady_clock::duration lag) {
    loop_lag_ = lag;
    loop_lag_max_ = std::max(loop_lag_max_, lag);
}

std::string AdminCommands::metrics_text() const {
    Exposition out;
    out.add("bgpemu_build_info", {{"version", std::string(bgpemu::version)}}, 1);
    out.add("process_resident_memory_bytes", {}, static_cast<double>(resident_memory()));
    out.add("process_open_fds", {}, static_cast<double>(open_fds()));
    const auto started = std::chrono::system_clock::now() - (std::chrono::steady_clock::now() - started_);
    out.add("process_start_time_seconds", {},
            std::floor(std::chrono::duration<double>(started.time_since_epoch()).count()));
    out.add("bgpemu_event_loop_lag_seconds", {}, seconds(loop_lag_));
    out.add("bgpemu_event_loop_lag_max_seconds", {}, seconds(loop_lag_max_));
    if (emulation_ != nullptr) {
        const auto& links = emulation_->network().links();
        out.add("bgpemu_links", {}, static_cast<double>(links.size()));
        out.add("bgpemu_links_up", {}, static_cast<double>(std::count_if(links.begin(), links.end(), [](const auto& l) { return l.up; })));
    }
    if (mrt_archive_ != nullptr) {
        const auto counters = mrt_archive_->counters();
        out.add("bgpemu_mrt_records_total", {}, static_cast<double>(counters.records));
        out.add("bgpemu_mrt_bytes_written_total", {}, static_cast<double>(counters.bytes_written));
        out.add("bgpemu_mrt_dropped_records_total", {}, static_cast<double>(counters.dropped_records));
        out.add("bgpemu_mrt_write_errors_total", {}, static_cast<double>(counters.write_errors));
    }
    if (bmp_exporter_ != nullptr) {
        for (const auto& stream : bmp_exporter_->status()) {
            const Exposition::Labels labels{{"station", stream.station}, {"node", stream.speaker}};
            out.add("bgpemu_bmp_stream_up", labels, stream.connected ? 1 : 0);
            out.add("bgpemu_bmp_connects_total", labels, static_cast<double>(stream.connects));
            out.add("bgpemu_bmp_messages_total", labels, static_cast<double>(stream.messages));
            out.add("bgpemu_bmp_bytes_sent_total", labels, static_cast<double>(stream.bytes_sent));
            out.add("bgpemu_bmp_overflows_total", labels, static_cast<double>(stream.overflows));
        }
    }
    const auto now = std::chrono::steady_clock::now();
    for (const auto& speaker : speakers_) {
        const std::string& name = speaker->config().name;
        const auto use = speaker->memory_use();
        out.add("bgpemu_speaker_routes", {{"node", name}}, static_cast<double>(speaker->loc_rib().route_count()));
        out.add("bgpemu_speaker_paths", {{"node", name}}, static_cast<double>(speaker->loc_rib().path_count()));
        out.add("bgpemu_speaker_attribute_sets", {{"node", name}}, static_cast<double>(use.attribute_sets));
        out.add("bgpemu_speaker_memory_bytes", {{"node", name}},
                static_cast<double>(use.attribute_bytes + use.loc_rib_entry_bytes + use.prefix_index_bytes + use.adj_rib_out_bytes));
        for (std::size_t i = 0; i < speaker->neighbor_count(); ++i) {
            const auto& session = speaker->session(i);
            const auto& stats = session.stats();
            const Exposition::Labels labels{{"node", name}, {"peer", speaker->neighbor_config(i).name}};
            out.add("bgpemu_session_state", labels, static_cast<double>(static_cast<int>(session.state()) + 1));
            out.add("bgpemu_session_up", labels, session.established() ? 1 : 0);
            out.add("bgpemu_session_state_seconds", labels, std::floor(seconds(now - stats.state_since)));
            out.add("bgpemu_session_prefixes_accepted", labels, static_cast<double>(speaker->accepted_count(i)));
            out.add("bgpemu_session_prefixes_advertised", labels, static_cast<double>(speaker->advertised_count(i)));
            out.add("bgpemu_session_messages_received_total", labels, static_cast<double>(stats.messages_in));
            out.add("bgpemu_session_messages_sent_total", labels, static_cast<double>(stats.messages_out));
            out.add("bgpemu_session_updates_received_total", labels, static_cast<double>(stats.updates_in));
            out.add("bgpemu_session_updates_sent_total", labels, static_cast<double>(stats.updates_out));
            for (std::size_t code = 0; code < stats.notifications_in.size(); ++code) {
                // Only the codes seen, and Cease always, so that the family is never empty.
                const bool shown = code == 6;
                auto with_code = labels;
                with_code.emplace_back("code", std::to_string(code));
                if (shown || stats.notifications_in[code] != 0)
                    out.add("bgpemu_session_notifications_received_total", with_code, static_cast<double>(stats.notifications_in[code]));
                if (shown || stats.notifications_out[code] != 0)
                    out.add("bgpemu_session_notifications_sent_total", with_code, static_cast<double>(stats.notifications_out[code]));
            }
            out.add("bgpemu_session_established_total", labels, static_cast<double>(stats.established_transitions));
        }
    }
    return out.text();
}

json::value AdminCommands::show_metrics() const { return json::object{{"text", metrics_text()}}; }

json::value AdminCommands::show_bmp() const {
    json::array streams;
    if (bmp_exporter_ != nullptr)
        for (const auto& stream : bmp_exporter_->status())
            streams.push_back(json::object{{"station", stream.station},
                                           {"node", stream.speaker},
                                           {"connected", stream.connected},
                                           {"connects", stream.connects},
                                           {"messages", stream.messages},
                                           {"bytes_sent", stream.bytes_sent},
                                           {"overflows", stream.overflows},
                                           {"last_error", stream.last_error}});
    return json::object{{"streams", std::move(streams)}};
}

}  // namespace bgpemu::daemon
