#include "daemon/ctl/scenario.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "daemon/admin/json_text.hpp"
#include "daemon/ctl/admin_client.hpp"
#include "daemon/ctl/reply_printers.hpp"

namespace bgpemu::daemon::ctl {

namespace json = boost::json;

namespace {

// ---- reading ----

// Each expectation kind: the shape of its value (a FROM TO pair, or a map), and the keys
// its map (or, for a pair, its entry beside it) may hold.
struct ExpectationKind {
    std::string_view name;
    bool pair = false;
    std::vector<std::string_view> keys;
    std::vector<std::string_view> required{};
};
const std::vector<ExpectationKind> expectation_kinds = {
    {"reachable", true, {}},
    {"unreachable", true, {}},
    {"trace", true, {"hops", "first_hop", "hop_count", "through", "avoids", "via"}},
    {"symmetric", true, {}},
    {"established", true, {}},
    {"best", false, {"node", "prefix", "as_path", "local_pref", "from"}, {"node", "prefix"}},
    {"effective_route", false, {"vnet", "prefix", "via", "source", "next_hop_type", "gateway"}, {"vnet", "prefix"}},
    {"matrix", false, {"by", "cells"}, {"cells"}},
    {"no_asymmetric_pairs", false, {}},
};
constexpr std::string_view step_keys[] = {"name", "do", "wait_ms", "converge", "converge_within_ms", "expect"};
constexpr std::string_view top_keys[] = {"name", "converge_timeout_s", "steps"};

class ScenarioReader {
public:
    ScenarioReader(std::string file, std::vector<std::string>& errors) : file_(std::move(file)), errors_(errors) {}

    void error(const YAML::Node& at, const std::string& message) {
        // A node without a position (yaml-cpp's for a missing key) throws on Mark().
        auto mark = YAML::Mark::null_mark();
        try {
            mark = at.Mark();
        } catch (const YAML::Exception&) {
        }
        if (mark.is_null()) errors_.push_back(file_ + ": " + message);
        else errors_.push_back(file_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " + message);
    }
    template <typename Keys>
    void refuse_unknown(const YAML::Node& map, const Keys& keys, const std::string& what) {
        for (const auto& item : map) {
            const auto key = item.first.Scalar();
            if (std::find(std::begin(keys), std::end(keys), key) != std::end(keys)) continue;
            std::string known;
            for (const auto& k : keys) known += (known.empty() ? "" : ", ") + std::string(k);
            error(item.first, "unknown key '" + key + "' in " + what + " (known: " + known + ")");
        }
    }
    bool scalar(const YAML::Node& node, const std::string& what) {
        if (node.IsScalar()) return true;
        error(node, what + " must be a single value");
        return false;
    }

    Expectation expectation(const YAML::Node& node) {
        Expectation e;
        e.node = node;
        e.line = node.Mark().line + 1;
        if (!node.IsMap()) {
            error(node, "an expectation is a map such as {reachable: [FROM, TO]}");
            return e;
        }
        const ExpectationKind* kind = nullptr;
        for (const auto& k : expectation_kinds)
            if (node[std::string(k.name)]) {
                if (kind) error(node, "an expectation has one kind; this one has '" + std::string(kind->name) + "' and '" + std::string(k.name) + "'");
                kind = &k;
            }
        if (!kind) {
            std::string known;
            for (const auto& k : expectation_kinds) known += (known.empty() ? "" : ", ") + std::string(k.name);
            error(node, "unknown expectation (known: " + known + ")");
            return e;
        }
        e.kind = std::string(kind->name);
        const auto value = node[e.kind];
        if (kind->pair) {
            std::vector<std::string_view> keys = kind->keys;
            keys.push_back(kind->name);
            refuse_unknown(node, keys, e.kind + " expectation");
            if (!value.IsSequence() || value.size() != 2 || !value[0].IsScalar() || !value[1].IsScalar())
                error(value, e.kind + " takes [FROM, TO]" + (e.kind == "established" ? std::string(" (NODE, PEER)") : std::string()));
            else
                e.text = e.kind + " " + value[0].Scalar() + (e.kind == "established" ? " - " : " -> ") + value[1].Scalar();
            check_values(node);
        } else if (e.kind == "no_asymmetric_pairs") {
            refuse_unknown(node, std::array<std::string_view, 1>{kind->name}, e.kind + " expectation");
            bool on = false;
            if (!value.IsScalar() || !YAML::convert<bool>::decode(value, on) || !on) error(value, "no_asymmetric_pairs takes true");
            e.text = "no asymmetric or one-way pair";
        } else {
            refuse_unknown(node, std::array<std::string_view, 1>{kind->name}, e.kind + " expectation");
            if (!value.IsMap()) {
                error(value, e.kind + " takes a map (" + [&] {
                    std::string keys;
                    for (const auto& k : kind->keys) keys += (keys.empty() ? "" : ", ") + std::string(k);
                    return keys;
                }() + ")");
                return e;
            }
            refuse_unknown(value, kind->keys, e.kind + " expectation");
            for (const auto& key : kind->required)
                if (!value[std::string(key)]) error(value, e.kind + " needs '" + std::string(key) + "'");
            check_values(value);
            e.text = e.kind;
            for (const char* key : {"node", "vnet", "prefix", "by"})
                if (value[key] && value[key].IsScalar()) e.text += " " + value[key].Scalar();
        }
        return e;
    }

    // Values whose form is known: prefixes and addresses parse, counts are numbers.
    void check_values(const YAML::Node& map) {
        if (const auto p = map["prefix"]; p && scalar(p, "prefix") && !looks_like_prefix(p.Scalar()))
            error(p, "'" + p.Scalar() + "' is not a prefix (ADDRESS/LENGTH)");
        if (const auto a = map["first_hop"]; a && scalar(a, "first_hop") && !looks_like_address(a.Scalar()))
            error(a, "'" + a.Scalar() + "' is not an IP address");
        for (const char* key : {"hop_count", "local_pref"})
            if (const auto n = map[key]; n) {
                unsigned long value = 0;
                if (!n.IsScalar() || !YAML::convert<unsigned long>::decode(n, value)) error(n, std::string(key) + " must be a whole number");
            }
        for (const char* key : {"hops", "through", "avoids"})
            if (const auto list = map[key]; list && !list.IsSequence()) error(list, std::string(key) + " is a list");
        if (const auto via = map["via"]; via && scalar(via, "via")) {
            static const std::vector<std::string> kinds = {"ExpressRoute", "VPN", "ExpressRoute+VPN", "peering", "direct", "system", "none"};
            if (std::find(kinds.begin(), kinds.end(), via.Scalar()) == kinds.end())
                error(via, "via '" + via.Scalar() + "' is not one of ExpressRoute, VPN, ExpressRoute+VPN, peering, direct (a trace), system, none (a route)");
        }
        if (const auto cells = map["cells"]; cells && !cells.IsMap()) error(cells, "cells is a map of \"FROM -> TO\": LABEL");
    }

    static bool looks_like_address(const std::string& text) {
        return !text.empty() && text.find_first_not_of("0123456789abcdefABCDEF.:") == std::string::npos &&
               (std::count(text.begin(), text.end(), '.') == 3 || text.find(':') != std::string::npos);
    }
    static bool looks_like_prefix(const std::string& text) {
        const auto slash = text.find('/');
        if (slash == std::string::npos || !looks_like_address(text.substr(0, slash))) return false;
        const auto length = text.substr(slash + 1);
        if (length.empty() || length.size() > 3 || length.find_first_not_of("0123456789") != std::string::npos) return false;
        return std::stoi(length) <= (text.find(':') == std::string::npos ? 32 : 128);
    }

private:
    std::string file_;
    std::vector<std::string>& errors_;
};

std::vector<std::string> words_of(const std::string& text) {
    std::vector<std::string> words;
    std::istringstream in(text);
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

// ---- running ----

std::string text(const json::value& v) { return plain_text(v); }
std::string text(const json::object& o, std::string_view key) { return plain_text(o, key); }

// "*" matches any hop; a trailing "x" stands for any last digit ("10.10.30.13x").
bool hop_matches(const std::string& want, const std::string& seen) {
    if (want == "*") return true;
    if (!want.empty() && want.back() == 'x') return seen.size() == want.size() && seen.compare(0, want.size() - 1, want, 0, want.size() - 1) == 0;
    return want == seen;
}

std::string joined(const std::vector<std::string>& items, const char* between = ", ") {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : between) + i;
    return out;
}

std::string refusal(const json::value& reply) {
    if (reply.is_object())
        if (const auto* e = reply.as_object().if_contains("error"); e && e->is_object())
            return text(e->as_object(), "message") + " (" + text(e->as_object(), "code") + ")";
    return "unexpected reply " + to_json_text(reply);
}

class Runner {
public:
    Runner(const Scenario& scenario, const Exchange& exchange, std::ostream& report)
        : scenario_(scenario), exchange_(exchange), report_(report) {}

    std::vector<Outcome> run() {
        for (std::size_t i = 0; i < scenario_.steps.size(); ++i) {
            const auto& step = scenario_.steps[i];
            const auto name = step.name.empty() ? "step " + std::to_string(i + 1) : step.name;
            // Convergence time: from the step's start to the daemon's last change (the quiet
            // period that tells convergence apart is not part of it).
            const auto start_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();
            std::optional<Outcome> done;
            if (step.command) {
                const auto reply = send(step.command->request);
                const bool ok = reply.is_object() && reply.as_object().contains("result");
                done = Outcome{name, "", step.line, ok, ok ? step.command_text : step.command_text + ": " + refusal(reply)};
            }
            if (step.wait_ms) std::this_thread::sleep_for(std::chrono::milliseconds(*step.wait_ms));
            std::string why;
            std::int64_t last_change_ms = 0;
            const bool converged = !step.converge || wait_converged(exchange_, scenario_.converge_timeout_s, why, &last_change_ms);
            const auto ms = std::max<std::int64_t>(0, last_change_ms - start_ms);
            const auto took = step.converge && converged ? " (converged in " + std::to_string(ms) + " ms)" : std::string();
            if (done) record(done->step, "", done->line, done->passed, done->detail + took);
            if (!converged) record(name, "converged", step.line, false, why);
            else if (step.converge_within_ms)
                record(name, "converged within " + std::to_string(*step.converge_within_ms) + " ms", step.line,
                       ms <= static_cast<std::int64_t>(*step.converge_within_ms), "converged in " + std::to_string(ms) + " ms");
            for (const auto& e : step.expect) check(name, e);
        }
        return std::move(outcomes_);
    }

private:
    json::value send(const json::object& request) {
        std::string error;
        const auto reply = exchange_(request, error);
        if (!reply) return json::object{{"error", json::object{{"message", "cannot talk to bgpemud: " + error}, {"code", "no_daemon"}}}};
        return *reply;
    }
    std::optional<json::object> ask(const std::vector<std::string>& words, std::string& why) {
        return ctl::ask(exchange_, words, why);
    }

    void record(const std::string& step, const std::string& expectation, unsigned line, bool passed, std::string detail) {
        report_ << (passed ? "PASS  " : "FAIL  ") << scenario_.file << ":" << line << "  " << step << ": "
                << (expectation.empty() ? std::string() : expectation + ": ") << detail << "\n";
        outcomes_.push_back({step, expectation, line, passed, std::move(detail)});
    }


    void check(const std::string& step, const Expectation& e) {
        std::string seen;
        bool passed = false;
        try {
            passed = evaluate(e, seen);
        } catch (const std::exception& x) {
            seen = std::string("unexpected reply (") + x.what() + ")";
        }
        record(step, e.text, e.line, passed, seen);
    }

    bool evaluate(const Expectation& e, std::string& seen) {
        const auto& n = e.node;
        const auto value = n[e.kind];
        std::string why;
        if (e.kind == "reachable" || e.kind == "unreachable") {
            const auto r = ask({"ping", value[0].Scalar(), value[1].Scalar()}, why);
            if (!r) return seen = why, false;
            const bool reachable = r->at("reachable").as_bool();
            seen = reachable ? "reachable" : "unreachable";
            return reachable == (e.kind == "reachable");
        }
        if (e.kind == "symmetric") {
            const auto r = ask({"check", "symmetry", value[0].Scalar(), value[1].Scalar()}, why);
            if (!r) return seen = why, false;
            const auto& pair = r->at("pairs").as_array().at(0).as_object();
            const auto verdict = text(pair, "verdict");
            seen = verdict;
            if (pair.contains("kind_there")) seen += " (" + text(pair, "kind_there") + " there, " + text(pair, "kind_back") + " back)";
            return verdict == "symmetric" || verdict == "same-kind";
        }
        if (e.kind == "established") {
            const auto r = ask({"show", "sessions", value[0].Scalar()}, why);
            if (!r) return seen = why, false;
            for (const auto& s : r->at("sessions").as_array())
                if (text(s.as_object(), "peer") == value[1].Scalar()) {
                    seen = text(s.as_object(), "state");
                    return seen == "Established";
                }
            return seen = value[0].Scalar() + " has no neighbour " + value[1].Scalar(), false;
        }
        if (e.kind == "no_asymmetric_pairs") {
            const auto r = ask({"check", "symmetry"}, why);
            if (!r) return seen = why, false;
            std::vector<std::string> problems;
            for (const auto& p : r->at("pairs").as_array())
                if (p.at("problem").as_bool())
                    problems.push_back(text(p.as_object(), "from") + " <-> " + text(p.as_object(), "to") + " " + text(p.as_object(), "verdict"));
            seen = problems.empty() ? std::to_string(r->at("pairs").as_array().size()) + " pair(s), none asymmetric" : joined(problems);
            return problems.empty();
        }
        if (e.kind == "trace") return trace(n, value, seen);
        if (e.kind == "best") return best(value, seen);
        if (e.kind == "effective_route") return effective_route(value, seen);
        return matrix(value, seen);
    }

    bool trace(const YAML::Node& n, const YAML::Node& pair, std::string& seen) {
        std::string why;
        const auto r = ask({"trace", pair[0].Scalar(), pair[1].Scalar()}, why);
        if (!r) return seen = why, false;
        const auto& path = r->at("paths").as_array().at(0).as_object();
        std::vector<std::string> hops, nodes;
        for (const auto& h : path.at("hops").as_array())
            hops.push_back(h.at("address").is_null() ? "*" : text(h.at("address")));
        for (const auto& v : path.at("nodes").as_array()) nodes.push_back(text(v));
        const auto verdict = text(path, "verdict");
        seen = verdict + " at " + text(path, "at") + ", hops " + joined(hops) + (path.contains("kind") ? ", " + text(path, "kind") : "");
        std::vector<std::string> wrong;
        if (verdict != "delivered") wrong.push_back("not delivered");
        if (const auto want = n["hops"]) {
            bool same = want.size() == hops.size();
            for (std::size_t i = 0; same && i < hops.size(); ++i) same = hop_matches(want[i].Scalar(), hops[i]);
            if (!same) {
                std::vector<std::string> expected;
                for (const auto& h : want) expected.push_back(h.Scalar());
                wrong.push_back("hops expected " + joined(expected));
            }
        }
        if (const auto first = n["first_hop"]; first && (hops.empty() || hops[0] != first.Scalar()))
            wrong.push_back("first hop expected " + first.Scalar());
        if (const auto count = n["hop_count"]; count && hops.size() != count.as<std::size_t>())
            wrong.push_back("hop count expected " + count.Scalar());
        for (const auto& node : n["through"])
            if (std::find(nodes.begin(), nodes.end(), node.Scalar()) == nodes.end()) wrong.push_back("does not pass " + node.Scalar());
        for (const auto& node : n["avoids"])
            if (std::find(nodes.begin(), nodes.end(), node.Scalar()) != nodes.end()) wrong.push_back("passes " + node.Scalar());
        if (const auto via = n["via"]; via && text(path, "kind") != via.Scalar()) wrong.push_back("expected via " + via.Scalar());
        if (!wrong.empty()) seen = joined(wrong, "; ") + " (seen: " + seen + ")";
        return wrong.empty();
    }

    bool best(const YAML::Node& want, std::string& seen) {
        std::string why;
        const auto r = ask({"show", "rib", want["node"].Scalar(), want["prefix"].Scalar()}, why);
        if (!r) return seen = why, false;
        const json::object* best = nullptr;
        for (const auto& route : r->at("routes").as_array())
            if (text(route.as_object(), "prefix") == want["prefix"].Scalar())
                for (const auto& p : route.at("paths").as_array())
                    if (!best && p.as_object().contains("best") && p.at("best").as_bool()) best = &p.as_object();
        if (!best) return seen = "no best path for " + want["prefix"].Scalar(), false;
        seen = "AS path \"" + text(*best, "as_path") + "\", local-pref " + text(*best, "local_pref") + ", from " + text(*best, "from");
        bool ok = true;
        if (want["as_path"]) ok = ok && text(*best, "as_path") == want["as_path"].Scalar();
        if (want["local_pref"]) ok = ok && text(*best, "local_pref") == want["local_pref"].Scalar();
        if (want["from"]) ok = ok && text(*best, "from") == want["from"].Scalar();
        return ok;
    }

    bool effective_route(const YAML::Node& want, std::string& seen) {
        std::string why;
        const auto r = ask({"show", "fib", want["vnet"].Scalar()}, why);
        if (!r) return seen = why, false;
        const json::object* active = nullptr;
        for (const auto& route : r->at("effective_routes").as_array())
            if (text(route.as_object(), "prefix") == want["prefix"].Scalar() && text(route.as_object(), "state") == "Active")
                active = &route.as_object();
        const auto via = !active ? std::string("none") : active->contains("via") ? text(*active, "via") : std::string("system");
        seen = "via " + via;
        if (!active) return !want["via"] || via == want["via"].Scalar();
        std::vector<std::string> gateways;
        for (const auto& g : active->at("gateways").as_array()) gateways.push_back(text(g));
        seen += ", source " + text(*active, "source") + ", next hop type " + text(*active, "next_hop_type") +
                (gateways.empty() ? std::string() : ", gateways " + joined(gateways));
        bool ok = !want["via"] || via == want["via"].Scalar();
        if (want["source"]) ok = ok && text(*active, "source") == want["source"].Scalar();
        if (want["next_hop_type"]) ok = ok && text(*active, "next_hop_type") == want["next_hop_type"].Scalar();
        if (want["gateway"]) ok = ok && std::find(gateways.begin(), gateways.end(), want["gateway"].Scalar()) != gateways.end();
        return ok;
    }

    bool matrix(const YAML::Node& want, std::string& seen) {
        std::string why;
        const auto by = want["by"] ? want["by"].Scalar() : std::string("host");
        const auto r = ask({"matrix", "--by", by}, why);
        if (!r) return seen = why, false;
        std::map<std::string, std::string> labels;
        for (const auto& c : r->at("cells").as_array())
            labels[text(c.as_object(), "from") + " -> " + text(c.as_object(), "to")] = matrix_label(c.as_object());
        std::vector<std::string> wrong;
        for (const auto& cell : want["cells"]) {
            const auto key = cell.first.Scalar();
            const auto it = labels.find(key);
            const auto now = it == labels.end() ? std::string("(no such cell)") : it->second;
            if (now != cell.second.Scalar()) wrong.push_back(key + ": expected " + cell.second.Scalar() + ", seen " + now);
        }
        seen = wrong.empty() ? std::to_string(want["cells"].size()) + " cell(s) as expected" : joined(wrong, "; ");
        return wrong.empty();
    }

    const Scenario& scenario_;
    const Exchange& exchange_;
    std::ostream& report_;
    std::vector<Outcome> outcomes_;
};

std::string xml_escaped(const std::string& text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace

Scenario read_scenario(const std::string& path, std::vector<std::string>& errors) {
    std::ifstream in(path);
    if (!in) {
        errors.push_back(path + ": cannot open the file");
        Scenario none;
        none.file = path;
        return none;
    }
    std::stringstream text;
    text << in.rdbuf();
    return read_scenario_text(text.str(), path, errors);
}

Scenario read_scenario_text(const std::string& yaml, const std::string& path, std::vector<std::string>& errors) {
    Scenario scenario;
    scenario.file = path;
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
        errors.push_back(path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg);
        return scenario;
    }
    ScenarioReader r(path, errors);
    if (!root.IsMap() || !root["steps"] || !root["steps"].IsSequence()) {
        errors.push_back(path + ": a scenario is a map with 'steps' (a list)");
        return scenario;
    }
    r.refuse_unknown(root, top_keys, "the scenario");
    if (root["name"] && r.scalar(root["name"], "name")) scenario.name = root["name"].Scalar();
    if (const auto t = root["converge_timeout_s"]) {
        if (!t.IsScalar() || !YAML::convert<unsigned>::decode(t, scenario.converge_timeout_s) || scenario.converge_timeout_s == 0)
            r.error(t, "converge_timeout_s must be a whole number of seconds, 1 or more");
    }
    for (const auto& node : root["steps"]) {
        Step step;
        step.line = node.Mark().line + 1;
        if (!node.IsMap()) {
            r.error(node, "a step is a map (name, do, wait_ms, converge, expect)");
            continue;
        }
        r.refuse_unknown(node, step_keys, "a step");
        if (node["name"] && r.scalar(node["name"], "name")) step.name = node["name"].Scalar();
        if (const auto d = node["do"]; d && r.scalar(d, "do")) {
            step.command_text = d.Scalar();
            try {
                step.command = parse_command_line(words_of(d.Scalar()));
            } catch (const UsageError& e) {
                r.error(d, "'" + d.Scalar() + "' is not a bgpemuctl command: " + e.what());
            }
        }
        if (const auto w = node["wait_ms"]) {
            unsigned ms = 0;
            if (!w.IsScalar() || !YAML::convert<unsigned>::decode(w, ms)) r.error(w, "wait_ms must be a whole number of milliseconds");
            else step.wait_ms = ms;
        }
        if (const auto w = node["converge_within_ms"]) {
            unsigned ms = 0;
            if (!w.IsScalar() || !YAML::convert<unsigned>::decode(w, ms)) r.error(w, "converge_within_ms must be a whole number of milliseconds");
            else step.converge_within_ms = ms;
        }
        if (const auto c = node["converge"]) {
            if (!c.IsScalar() || !YAML::convert<bool>::decode(c, step.converge)) r.error(c, "converge is true or false");
        }
        if (const auto expect = node["expect"]) {
            if (!expect.IsSequence()) r.error(expect, "expect is a list of expectations");
            else
                for (const auto& e : expect) step.expect.push_back(r.expectation(e));
        }
        scenario.steps.push_back(std::move(step));
    }
    return scenario;
}

std::optional<json::object> ask(const Exchange& exchange, const std::vector<std::string>& words, std::string& why) {
    const auto line = parse_command_line(words);
    const auto reply = exchange(line.request, why);
    if (!reply) {
        why = "cannot talk to bgpemud: " + why;
        return std::nullopt;
    }
    if (reply->is_object())
        if (const auto* r = reply->as_object().if_contains("result"); r && r->is_object()) return r->as_object();
    why = refusal(*reply);
    return std::nullopt;
}

bool wait_converged(const Exchange& exchange, unsigned timeout_s, std::string& why, std::int64_t* last_change_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    for (;;) {
        const auto result = ask(exchange, {"wait", "converged"}, why);
        if (result && result->at("converged").as_bool()) {
            if (last_change_ms) *last_change_ms = result->at("last_change_ms").to_number<std::int64_t>();
            return true;
        }
        if (result) {
            std::vector<std::string> waiting;
            for (const auto& w : result->at("waiting_for").as_array()) waiting.push_back(text(w));
            why = "not converged after " + std::to_string(timeout_s) + " s: waiting for " + joined(waiting, "; ");
        }
        if (!result || std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

std::vector<std::string> unknown_names(const Scenario& scenario, const std::vector<std::string>& known) {
    std::vector<std::string> out;
    const auto check = [&](const YAML::Node& name, const char* what) {
        if (!name || !name.IsScalar() || ScenarioReader::looks_like_address(name.Scalar())) return;
        if (std::find(known.begin(), known.end(), name.Scalar()) != known.end()) return;
        const auto mark = name.Mark();
        out.push_back(scenario.file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": unknown " +
                      what + " '" + name.Scalar() + "' (the daemon has no node or VNet of that name)");
    };
    for (const auto& step : scenario.steps)
        for (const auto& e : step.expect) {
            if (e.kind.empty()) continue;
            const auto value = e.node[e.kind];
            // An `established` peer and a best path's `from` are neighbour names, which an
            // outside peer has without being a node.
            if (value.IsSequence() && value.size() == 2) {
                check(value[0], e.kind == "established" ? "node" : "host or node");
                if (e.kind != "established") check(value[1], "host or node");
            }
            for (const char* key : {"node", "vnet", "gateway"}) check(value.IsMap() ? value[key] : YAML::Node(), key);
            for (const char* list : {"through", "avoids"})
                if (e.node[list] && e.node[list].IsSequence())
                    for (const auto& name : e.node[list]) check(name, "node");
        }
    return out;
}

std::vector<Outcome> run_scenario(const Scenario& scenario, const Exchange& exchange, std::ostream& report) {
    return Runner(scenario, exchange, report).run();
}

std::vector<std::string> check_names_against_daemon(const Scenario& scenario, const Exchange& exchange) {
    std::string why;
    const auto status = ask(exchange, {"status"}, why);
    if (!status) return {scenario.file + ": " + why};
    std::vector<std::string> known;
    for (const char* list : {"nodes", "vnets"})
        if (const auto* names = status->if_contains(list); names && names->is_array())
            for (const auto& n : names->as_array()) known.push_back(text(n));
    return unknown_names(scenario, known);
}

int verify_scenario(const std::string& file, const std::string& junit, const Exchange& exchange, bool json, std::ostream& out,
                    std::ostream& err) {
    std::vector<std::string> errors;
    const auto scenario = read_scenario(file, errors);
    if (errors.empty()) errors = check_names_against_daemon(scenario, exchange);
    for (const auto& e : errors) err << e << "\n";
    if (!errors.empty()) {
        err << errors.size() << " error(s) in " << file << "; nothing run\n";
        return 2;
    }
    const auto outcomes = run_scenario(scenario, exchange, json ? err : out);
    const auto failed = std::count_if(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return !o.passed; });
    if (json) out << json::serialize(outcomes_json(scenario, outcomes)) << "\n";
    else out << outcomes.size() - static_cast<std::size_t>(failed) << " passed, " << failed << " failed\n";
    if (!junit.empty()) {
        std::ofstream xml(junit, std::ios::trunc);
        xml << junit_xml(scenario, outcomes);
        if (!xml.flush()) {
            err << "cannot write " << junit << "\n";
            return 2;
        }
    }
    return failed == 0 ? 0 : 1;
}

Exchange socket_exchange(const std::string& socket_path) {
    return [socket_path](const json::object& request, std::string& why) -> std::optional<json::value> {
        const auto reply = exchange(socket_path, json::serialize(request), why);
        if (!reply) return std::nullopt;
        json::error_code e;
        auto value = json::parse(*reply, e);
        if (e) {
            why = "the daemon's reply is not JSON";
            return std::nullopt;
        }
        return value;
    };
}

std::string junit_xml(const Scenario& scenario, const std::vector<Outcome>& outcomes) {
    const auto failures = std::count_if(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return !o.passed; });
    const auto suite = scenario.name.empty() ? scenario.file : scenario.name;
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<testsuites>\n  <testsuite name=\"" + xml_escaped(suite) + "\" tests=\"" + std::to_string(outcomes.size()) +
           "\" failures=\"" + std::to_string(failures) + "\">\n";
    for (const auto& o : outcomes) {
        const auto name = o.expectation.empty() ? std::string("do") : o.expectation;
        out += "    <testcase classname=\"" + xml_escaped(o.step) + "\" name=\"" + xml_escaped(name) + "\" file=\"" +
               xml_escaped(scenario.file) + "\" line=\"" + std::to_string(o.line) + "\"";
        if (o.passed) {
            out += "/>\n";
            continue;
        }
        out += ">\n      <failure message=\"" + xml_escaped(o.detail) + "\"/>\n    </testcase>\n";
    }
    return out + "  </testsuite>\n</testsuites>\n";
}

json::value outcomes_json(const Scenario& scenario, const std::vector<Outcome>& outcomes) {
    json::array results;
    std::size_t failed = 0;
    for (const auto& o : outcomes) {
        failed += !o.passed;
        results.push_back(json::object{{"step", o.step}, {"expectation", o.expectation}, {"line", o.line},
                                       {"passed", o.passed}, {"detail", o.detail}});
    }
    return json::object{{"scenario", scenario.name.empty() ? scenario.file : scenario.name},
                        {"passed", outcomes.size() - failed},
                        {"failed", failed},
                        {"results", std::move(results)}};
}

}  // namespace bgpemu::daemon::ctl
