#include "daemon/ctl/design_diff.hpp"

#include "daemon/admin/json_text.hpp"
#include "daemon/ctl/reply_printers.hpp"

namespace bgpemu::daemon::ctl {

namespace json = boost::json;

namespace {

std::string text(const json::value& v) { return plain_text(v); }
std::string text(const json::object& o, std::string_view key) { return plain_text(o, key, "-"); }

// The lines of `before` and `after` that differ, by key: "WHAT KEY: OLD, now NEW".
void compare(const std::map<std::string, std::string>& before, const std::map<std::string, std::string>& after,
             const std::string& what, std::vector<std::string>& out) {
    for (const auto& [key, old] : before) {
        const auto it = after.find(key);
        if (it == after.end()) out.push_back(what + " " + key + ": " + old + ", now none");
        else if (it->second != old) out.push_back(what + " " + key + ": " + old + ", now " + it->second);
    }
    for (const auto& [key, now] : after)
        if (!before.contains(key)) out.push_back(what + " " + key + ": none, now " + now);
}

}  // namespace

std::optional<DesignOutcome> take_outcome(const Exchange& exchange, std::string& why) {
    DesignOutcome out;
    const auto matrix = ask(exchange, {"matrix"}, why);
    if (!matrix) return std::nullopt;
    for (const auto& c : matrix->at("cells").as_array())
        out.cells[text(c.as_object(), "from") + " -> " + text(c.as_object(), "to")] = matrix_label(c.as_object());
    const auto status = ask(exchange, {"status"}, why);
    if (!status) return std::nullopt;
    for (const auto& s : status->at("speakers").as_array()) {
        const auto node = text(s.as_object(), "name");
        const auto rib = ask(exchange, {"show", "rib", node}, why);
        if (!rib) return std::nullopt;
        for (const auto& route : rib->at("routes").as_array())
            for (const auto& p : route.at("paths").as_array()) {
                const auto& path = p.as_object();
                if (!path.contains("best") || !path.at("best").as_bool()) continue;
                const auto* local_pref = path.if_contains("local_pref");
                out.best[node + " " + text(route.as_object(), "prefix")] =
                    "AS path \"" + text(path, "as_path") + "\" from " + text(path, "from") +
                    (local_pref && !local_pref->is_null() ? ", local-pref " + text(*local_pref) : std::string());
            }
    }
    const auto check = ask(exchange, {"check", "symmetry"}, why);
    if (!check) return std::nullopt;
    for (const auto& p : check->at("pairs").as_array()) {
        const auto& pair = p.as_object();
        if (!pair.at("problem").as_bool()) continue;
        auto verdict = text(pair, "verdict");
        if (pair.contains("kind_there")) verdict += " (" + text(pair, "kind_there") + " there, " + text(pair, "kind_back") + " back)";
        out.pairs[text(pair, "from") + " <-> " + text(pair, "to")] = verdict;
    }
    const auto sessions = ask(exchange, {"show", "sessions"}, why);
    if (!sessions) return std::nullopt;
    for (const auto& s : sessions->at("sessions").as_array())
        if (text(s.as_object(), "state") == "Established") out.sessions_up.insert(text(s.as_object(), "node") + " - " + text(s.as_object(), "peer"));
    return out;
}

std::vector<std::string> outcome_changes(const DesignOutcome& before, const DesignOutcome& after) {
    std::vector<std::string> out;
    compare(before.cells, after.cells, "matrix", out);
    compare(before.best, after.best, "best path", out);
    compare(before.pairs, after.pairs, "pair", out);
    for (const auto& s : before.sessions_up)
        if (!after.sessions_up.contains(s)) out.push_back("session " + s + ": Established, now not");
    for (const auto& s : after.sessions_up)
        if (!before.sessions_up.contains(s)) out.push_back("session " + s + ": not up, now Established");
    return out;
}

int run_diff(const Exchange& exchange, const std::string& other_file, bool fail_on_change, unsigned converge_timeout_s,
             std::ostream& out) {
    std::string why;
    const auto status = ask(exchange, {"status"}, why);
    if (!status) {
        out << "diff: " << why << "\n";
        return 3;
    }
    const auto first_file = text(*status, "config");
    const auto outcome_of = [&](const std::string& file) -> std::optional<DesignOutcome> {
        if (!wait_converged(exchange, converge_timeout_s, why)) {
            out << "diff: " << file << ": " << why << "\n";
            return std::nullopt;
        }
        return take_outcome(exchange, why);
    };
    const auto before = outcome_of(first_file);
    if (!before) {
        out << "diff: " << why << "\n";
        return 1;
    }
    if (!ask(exchange, {"reload", other_file}, why)) {
        out << "diff: " << other_file << " refused: " << why << "\n";
        return 2;
    }
    const auto after = outcome_of(other_file);
    // Back to the first file whatever happened, so that the daemon runs what it ran.
    std::string restore_why;
    const bool restored = ask(exchange, {"reload", first_file}, restore_why).has_value() &&
                          wait_converged(exchange, converge_timeout_s, restore_why);
    if (!restored) out << "diff: could not return to " << first_file << ": " << restore_why << "\n";
    if (!after) {
        out << "diff: " << why << "\n";
        return 1;
    }
    const auto changes = outcome_changes(*before, *after);
    out << "from " << first_file << " to " << other_file << ":\n";
    for (const auto& c : changes) out << "  " << c << "\n";
    out << (changes.empty() ? "no change" : std::to_string(changes.size()) + " change(s)") << "\n";
    return !changes.empty() && fail_on_change ? 1 : 0;
}

}  // namespace bgpemu::daemon::ctl
