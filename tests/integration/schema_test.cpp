// The admin socket's JSON is a stable, versioned API: every reply of protocol version 1
// has a JSON Schema in daemon/admin/schemas/v1/ (one file per command, plus the success and
// error envelopes). This test runs bgpemud on the reference topology
// (configs/azure-interop.yaml, only its port changed), sends every command in each of
// its variants through `bgpemuctl --json`, and validates each reply line against its
// command's schema and the envelope. It also renames and adds a key in every successful
// reply and checks that the schema refuses that, so a schema that accepts anything
// cannot pass, and that no reply writes a number in exponent form. The same replies over
// HTTP (daemon.http) validate against the same schemas, beside what the HTTP server must
// refuse. First, the validator itself (json_schema.hpp) on a small schema.
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "http_client.hpp"
#include "json_schema.hpp"
#include "daemon/admin/command_table.hpp"
#include "daemon_comparison.hpp"
#include "process.hpp"
#include "routers.hpp"

namespace bgpemu::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// ---- The validator ----------------------------------------------------------------------------

std::set<std::string> violation_paths(const JsonSchema& schema, const char* instance) {
    std::set<std::string> paths;
    for (const auto& v : schema.validate(json::parse(instance))) paths.insert(v.path);
    return paths;
}

bool valid(const JsonSchema& schema, const char* instance) {
    const auto violations = schema.validate(json::parse(instance));
    UNSCOPED_INFO(instance << " -> " << (violations.empty() ? "valid\n" : to_string(violations)));
    return violations.empty();
}

const char* const test_schema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "a test schema",
  "type": "object",
  "required": ["name", "count", "items"],
  "properties": {
    "name": {"type": "string"},
    "count": {"type": "integer", "minimum": 1},
    "ratio": {"type": "number", "minimum": 0},
    "label": {"type": ["string", "null"]},
    "mode": {"type": "string", "enum": ["fast", "slow"]},
    "version": {"const": 1},
    "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
    "legacy": {"$ref": "#/definitions/legacy"},
    "either": {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": ["yes", "no"]}]}
  },
  "additionalProperties": false,
  "$defs": {
    "item": {
      "type": "object",
      "required": ["kind"],
      "properties": {"kind": {"type": "string"}, "size": {"type": "integer"}, "why": {"type": "string"}},
      "additionalProperties": false,
      "oneOf": [
        {"properties": {"kind": {"const": "sized"}, "why": false}, "required": ["size"]},
        {"properties": {"kind": {"const": "silent"}, "size": false}, "required": ["why"]}
      ]
    }
  },
  "definitions": {"legacy": {"type": "integer"}}
})";

}  // namespace

TEST_CASE("the JSON Schema validator accepts what the schema allows and nothing else", "[schema]") {
    const JsonSchema schema(json::parse(test_schema));
    SECTION("good instances") {
        CHECK(valid(schema, R"({"name": "a", "count": 1, "items": []})"));
        CHECK(valid(schema, R"({"name": "a", "count": 2.0, "ratio": 0.5, "label": null, "mode": "slow", "version": 1,
                               "items": [{"kind": "sized", "size": 3}, {"kind": "silent", "why": "x"}],
                               "legacy": 4, "either": "yes"})"));
        CHECK(valid(schema, R"({"name": "a", "count": 3, "ratio": 7, "label": "l", "items": [], "either": false})"));
    }
    SECTION("bad instances, each violation at its path") {
        // Missing required key; renamed key (not allowed, and the old one is missing).
        CHECK(violation_paths(schema, R"({"name": "a", "items": []})") == std::set<std::string>{"$"});
        CHECK(violation_paths(schema, R"({"name": "a", "counts": 1, "items": []})") ==
              std::set<std::string>{"$", "$.counts"});
        // Wrong types: integer vs number, string vs null, array vs object.
        CHECK(violation_paths(schema, R"({"name": "a", "count": 1.5, "items": []})") == std::set<std::string>{"$.count"});
        CHECK(violation_paths(schema, R"({"name": null, "count": 1, "items": {}})") ==
              std::set<std::string>{"$.name", "$.items"});
        CHECK(violation_paths(schema, R"({"name": "a", "count": 1, "items": [], "label": 5})") ==
              std::set<std::string>{"$.label"});
        CHECK(violation_paths(schema, R"({"name": "a", "count": 1, "items": [], "ratio": "1"})") ==
              std::set<std::string>{"$.ratio"});
        // minimum, enum, const.
        CHECK(violation_paths(schema, R"({"name": "a", "count": 0, "items": []})") == std::set<std::string>{"$.count"});
        CHECK(violation_paths(schema, R"({"name": "a", "count": 1, "items": [], "ratio": -0.1})") ==
              std::set<std::string>{"$.ratio"});
        CHECK(violation_paths(schema, R"({"name": "a", "count": 1, "items": [], "mode": "medium"})") ==
              std::set<std::string>{"$.mode"});
        CHECK(violation_paths(schema, R"({"name": "a", "count": 1, "items": [], "version": 2})") ==
              std::set<std::string>{"$.version"});
        // items through $ref, and oneOf: neither alternative, both keys, an extra key.
        CHECK(violation_paths(schema, R"({"name": "a", "count": 1, "items": [{"kind": "sized"}]})") ==
              std::set<std::string>{"$.items[0]"});
        CHECK(violation_paths(schema, R"({"name": "a", "count": 1, "items": [{"kind": "sized", "size": 1, "why": "w"}]})") ==
              std::set<std::string>{"$.items[0]", "$.items[0].why"});
        CHECK(violation_paths(schema, R"({"name": "a", "count": 1, "items": [{"kind": "silent", "why": "w", "x": 1}]})") ==
              std::set<std::string>{"$.items[0].x"});
        CHECK(violation_paths(schema, R"({"name": "a", "count": 1, "items": [{"kind": "sized", "size": "3"}]})") ==
              std::set<std::string>{"$.items[0].size"});
        // $ref into #/definitions; anyOf.
        CHECK(violation_paths(schema, R"({"name": "a", "count": 1, "items": [], "legacy": "4"})") ==
              std::set<std::string>{"$.legacy"});
        CHECK(violation_paths(schema, R"({"name": "a", "count": 1, "items": [], "either": "maybe"})") ==
              std::set<std::string>{"$.either"});
        // Not an object at all.
        CHECK(violation_paths(schema, R"([1, 2])") == std::set<std::string>{"$"});
    }
    SECTION("oneOf matching two alternatives is a violation") {
        const JsonSchema both(json::parse(R"({"oneOf": [{"type": "integer"}, {"type": "number"}]})"));
        CHECK(valid(both, "1.5"));
        CHECK_FALSE(both.validate(json::parse("1")).empty());
    }
    SECTION("a schema keyword the validator does not check is reported, a dangling $ref too") {
        const JsonSchema unsupported(json::parse(R"({"type": "string", "pattern": "^a"})"));
        CHECK_FALSE(unsupported.validate(json::parse(R"("abc")")).empty());
        const JsonSchema dangling(json::parse(R"({"$ref": "#/$defs/nowhere"})"));
        CHECK_FALSE(dangling.validate(json::parse("1")).empty());
        // Also where no instance goes: a branch of oneOf, a definition.
        CHECK(schema.check_schema().empty());
        const JsonSchema hidden(json::parse(R"({"oneOf": [{"type": "null"}, {"type": "strin"}],
                                               "$defs": {"x": {"format": "ipv4"}, "y": {"$ref": "#/$defs/z"}}})"));
        std::set<std::string> problems;
        for (const auto& v : hidden.check_schema()) problems.insert(v.path);
        CHECK(problems == std::set<std::string>{"#.oneOf[1].type", "#.$defs.x", "#.$defs.y.$ref"});
    }
    SECTION("JSON equality for enum and const: numbers by value, objects in any order") {
        CHECK(json_equal(json::parse("1"), json::parse("1.0")));
        CHECK(json_equal(json::parse("18446744073709551615"), json::parse("18446744073709551615")));
        CHECK_FALSE(json_equal(json::parse("-1"), json::parse("18446744073709551615")));
        CHECK(json_equal(json::parse(R"({"a": 1, "b": [true, null]})"), json::parse(R"({"b": [true, null], "a": 1})")));
        CHECK_FALSE(json_equal(json::parse(R"({"a": 1})"), json::parse(R"({"a": 1, "b": 2})")));
        CHECK_FALSE(json_equal(json::parse(R"("1")"), json::parse("1")));
    }
}

namespace {

// ---- The daemon's replies ---------------------------------------------------------------------

const std::string schema_dir = std::string(BGPEMU_SOURCE_DIR) + "/daemon/admin/schemas/v1/";

// Whether JSON text writes a number in exponent form (6E-1, 8.1E1): the replies write
// plain decimals, as GoBGP's and FRR's JSON does.
bool has_exponent_number(std::string_view text) {
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if ((c == 'e' || c == 'E') && i > 0 && (std::isdigit(static_cast<unsigned char>(text[i - 1])) != 0)) {
            return true;  // outside strings, only a number has a letter e after a digit
        }
    }
    return false;
}

// Every schema file, by name; which of them a reply was checked against; how many
// reply lines were validated.
struct Schemas {
    std::map<std::string, JsonSchema> by_name;
    std::set<std::string> used;
    int replies = 0;

    Schemas() {
        for (const auto& entry : std::filesystem::directory_iterator(schema_dir))
            if (entry.path().extension() == ".json")
                by_name.emplace(entry.path().filename().string(), JsonSchema::from_file(entry.path().string()));
    }

    const JsonSchema& get(const std::string& name) {
        used.insert(name);
        const auto found = by_name.find(name);
        if (found == by_name.end()) FAIL("no schema " << schema_dir << name);
        return found->second;
    }

    // Validates one reply line against `schema` and the envelope it must share with every
    // reply; for a success, a result key renamed or added must then fail the schema.
    json::value check(const std::string& schema, const std::string& what, const std::string& line) {
        INFO(what << " -> " << line);
        json::error_code error;
        auto reply = json::parse(line, error);
        REQUIRE_FALSE(error);
        ++replies;
        CHECK_FALSE(has_exponent_number(line));
        const auto violations = get(schema).validate(reply);
        INFO("violations of " << schema << ":\n" << to_string(violations));
        CHECK(violations.empty());
        const bool ok = reply.is_object() && reply.as_object().contains("ok") && reply.at("ok") == true;
        const auto envelope = get(ok ? "envelope.json" : "error.json").validate(reply);
        INFO("violations of the envelope:\n" << to_string(envelope));
        CHECK(envelope.empty());
        if (ok && schema != "envelope.json" && reply.at("result").is_object()) {
            const auto& result = reply.at("result").as_object();
            for (const auto& member : result) {
                auto renamed = reply;
                auto& r = renamed.at("result").as_object();
                r[std::string(member.key()) + "_renamed"] = member.value();
                r.erase(member.key());
                INFO("result key \"" << std::string(member.key()) << "\" renamed");
                CHECK_FALSE(get(schema).validate(renamed).empty());
            }
            auto added = reply;
            added.at("result").as_object()["an_added_key"] = 1;
            CHECK_FALSE(get(schema).validate(added).empty());
        }
        return reply;
    }
};

struct Daemon {
    TempDir dir{"bgpemu-schema"};
    std::optional<BgpemuDaemon> process;

    Daemon() {
        // A BMP station nobody listens at: `show bmp` has a stream to report, not connected.
        const auto yaml = read_source("configs/azure-interop.yaml", test_port(9)) + "\nbmp: [{address: 127.0.0.1, port: " +
                          std::to_string(test_port(43)) + ", speakers: [hub-ergw]}]\n";
        process.emplace(yaml, dir.path());
    }

    // `bgpemuctl --json WORDS...`; bounded by `timeout`.
    CommandResult ctl(const std::vector<std::string>& words, std::chrono::milliseconds timeout = 15s) const {
        std::vector<std::string> argv{BGPEMU_BGPEMUCTL_PATH, "--socket", process->socket().string(), "--json"};
        argv.insert(argv.end(), words.begin(), words.end());
        return run_command(argv, timeout);
    }

    // One raw line on the admin socket, its one reply line (empty when none came in 10 s).
    std::string raw(const std::string& line) const { return unix_socket_exchange(process->socket(), line + "\n"); }
};

std::string joined(const std::vector<std::string>& words) {
    std::string out = "bgpemuctl --json";
    for (const auto& w : words) out += " " + w;
    return out;
}

}  // namespace

TEST_CASE("every admin reply matches its protocol version 1 schema", "[integration][schema]") {
    // What Boost.JSON would write for doubles, and what the replies write.
    CHECK(has_exponent_number(R"({"rtt_ms":6.000000000000001E-1})"));
    CHECK(has_exponent_number("[8.1E1]"));
    CHECK_FALSE(has_exponent_number(R"({"rtt_ms":0.6,"delay_ms":81,"why":"1E1 \"2e3\""})"));
    Schemas schemas;
    const std::set<std::string> expected_files = {
        "envelope.json",    "error.json",      "status.json",     "show-sessions.json", "show-rib.json",
        "show-fib.json",    "show-memory.json", "session.json",   "announce.json",      "withdraw.json",
        "reload.json",      "trace.json",      "ping.json",       "link.json",          "show-links.json",
        "show-events.json", "converged.json",  "check.json",      "matrix.json",        "dump-rib.json",
        "show-topology.json", "show-metrics.json", "inject.json", "show-bmp.json"};
    std::set<std::string> files;
    for (const auto& [name, schema] : schemas.by_name) files.insert(name);
    REQUIRE(files == expected_files);
    // Each schema is a JSON Schema (2020-12) whose keywords this validator all checks.
    for (const auto& [name, schema] : schemas.by_name) {
        INFO(name << ":\n" << to_string(schema.check_schema()));
        CHECK(schema.document().at("$schema") == "https://json-schema.org/draft/2020-12/schema");
        CHECK(schema.check_schema().empty());
    }

    Daemon daemon;
    // A command through bgpemuctl, its reply checked against `schema`; `ok`: whether it
    // must succeed. Returns the reply.
    const auto send = [&](const std::string& schema, const std::vector<std::string>& words, bool ok = true,
                          std::chrono::milliseconds timeout = 15s) {
        const auto run = daemon.ctl(words, timeout);
        INFO(joined(words) << " -> exit " << run.exit_code << "\n" << run.output);
        REQUIRE(run.exit_code >= 0);
        REQUIRE(run.exit_code != 2);  // usage error: the test's words are wrong
        REQUIRE(run.exit_code != 3);  // the daemon could not be reached
        const auto line = run.output.substr(0, run.output.find('\n'));
        const auto reply = schemas.check(schema, joined(words), line);
        CHECK(reply.at("ok") == ok);
        return reply;
    };
    const auto converge = [&] {
        const auto reply = send("converged.json", {"wait", "converged", "--timeout", "60"}, true, 75s);
        if (!(reply.at("result").at("converged") == true)) UNSCOPED_INFO("bgpemud log:\n" << daemon.process->log());
        REQUIRE(reply.at("result").at("converged") == true);
    };
    converge();

    {  // every command and variant
        send("status.json", {"status"});
        send("envelope.json", {"status"});
        send("show-sessions.json", {"show", "sessions"});
        send("show-sessions.json", {"show", "sessions", "loc1-ce2"});  // its session is Idle (link shut)
        // show rib: the Loc-RIB, one prefix (a best path and a loser; an ECMP pair), in, out.
        send("show-rib.json", {"show", "rib", "loc1-ce1"});
        send("show-rib.json", {"show", "rib", "loc1-ce1", "10.10.30.0/24"});
        send("show-rib.json", {"show", "rib", "hub-ergw", "10.17.30.0/24"});
        send("show-rib.json", {"show", "rib", "loc1-ce1", "--in", "hub-vpngw"});
        send("show-rib.json", {"show", "rib", "loc1-ce1", "--out", "er1-msee1"});
        send("show-rib.json", {"show", "rib", "loc1-ce1", "10.2.30.0/25", "--out", "hub-vpngw"});
        send("show-rib.json", {"show", "rib", "loc1-ce1", "192.0.2.0/24"});  // no such route: empty routes
        // show fib: a speaker, a router, a VNet, lookups (hit, with a source, miss).
        send("show-fib.json", {"show", "fib", "loc1-ce1"});
        send("show-fib.json", {"show", "fib", "loc1-lan"});
        send("show-fib.json", {"show", "fib", "hub"});
        send("show-fib.json", {"show", "fib", "hub-vm"});  // a VM: its subnet's effective routes
        send("show-fib.json", {"show", "fib", "loc1-ce1", "10.10.30.4"});
        send("show-fib.json", {"show", "fib", "loc1-ce1", "10.10.30.4", "10.2.30.10"});
        send("show-fib.json", {"show", "fib", "loc1-lan", "10.2.30.10"});
        send("show-fib.json", {"show", "fib", "loc1-ce1", "203.0.113.1"});
        send("show-memory.json", {"show", "memory"});
        send("show-memory.json", {"show", "memory", "hub-ergw"});
        const auto bmp = send("show-bmp.json", {"show", "bmp"});
        CHECK(bmp.at("result").at("streams").as_array().size() == 1);
        // trace: one path, all paths (ECMP), unreachable, with a source address.
        send("trace.json", {"trace", "hub", "loc1-vm"});
        send("trace.json", {"trace", "loc2-vm", "hub-vm", "--all-paths"});
        send("trace.json", {"trace", "branch", "loc2-vm"});
        send("trace.json", {"trace", "loc1-vm", "hub-vm", "--source", "10.2.30.10"});
        send("ping.json", {"ping", "hub", "loc1-vm"});
        send("ping.json", {"ping", "branch", "loc2-vm"});
        send("show-links.json", {"show", "links"});
        send("show-topology.json", {"show", "topology"});
        send("show-metrics.json", {"show", "metrics"});
        send("converged.json", {"request", R"({"version": 1, "command": "converged"})"});
        // Not converged (not quiet for ten minutes yet): straight on the socket, since
        // bgpemuctl asks a "converged" request again until it says true.
        const auto not_yet = schemas.check("converged.json", "raw: converged, quiet_ms 600000",
                                           daemon.raw(R"({"version": 1, "command": "converged", "quiet_ms": 600000})"));
        CHECK(not_yet.at("result").at("converged") == false);
        send("check.json", {"check"});
        send("check.json", {"check", "symmetry"});
        send("check.json", {"check", "symmetry", "loc1-vm", "hub-vm"});
        send("check.json", {"check", "branch-vm", "loc2-vm"});
        send("matrix.json", {"matrix"});
        send("matrix.json", {"matrix", "--by", "vnet"});
        send("dump-rib.json", {"dump", "rib", "hub-ergw", "unused.mrt"});
        send("dump-rib.json", {"dump", "rib", "loc1-ce1", "unused.mrt", "--all-paths"});
        // A real dump for inject (bgpemuctl writes it without --json).
        const auto dump = (daemon.dir.path() / "hub-ergw.mrt").string();
        REQUIRE(run_command({BGPEMU_BGPEMUCTL_PATH, "--socket", daemon.process->socket().string(), "dump", "rib", "hub-ergw", dump}).exit_code == 0);
        send("inject.json", {"inject", "remote-ergw", dump, "--max", "2"});
        send("inject.json", {"inject", "remote-ergw", "--clear"});
        send("error.json", {"inject", "remote-ergw", "/nonexistent.mrt"}, false);

        // The ExpressRoute link down and up again (and up once more: no change).
        send("link.json", {"link", "down", "loc1-ce1", "er1-msee1"});
        converge();
        send("show-sessions.json", {"show", "sessions", "loc1-ce1"});
        send("ping.json", {"ping", "loc1-vm", "hub-vm"});
        send("show-fib.json", {"show", "fib", "hub"});
        send("check.json", {"check"});
        send("show-events.json", {"show", "events"});
        send("link.json", {"link", "up", "loc1-ce1", "er1-msee1"});
        send("link.json", {"link", "up", "loc1-ce1:er1--er1-msee1:ce"});
        converge();

        // Sessions: reset one, shut another down and enable it again.
        send("session.json", {"session", "reset", "er1-msee1", "loc1-ce1", "schema test"});
        send("session.json", {"session", "shutdown", "loc2-ce2", "er2-msee2"});
        send("show-sessions.json", {"show", "sessions", "loc2-ce2"});
        send("session.json", {"session", "enable", "loc2-ce2", "er2-msee2"});
        converge();

        // announce with every attribute, seen by the neighbour, then withdrawn.
        send("announce.json", {"announce", "loc1-ce1", "10.2.30.128/25", "med", "10", "origin", "egp", "community",
                               "65021:7", "large-community", "65021:1:1"});
        converge();
        send("show-rib.json", {"show", "rib", "loc1-ce1", "10.2.30.128/25"});
        send("show-rib.json", {"show", "rib", "loc1-ce1", "--out", "er1-msee1"});
        send("withdraw.json", {"withdraw", "loc1-ce1", "10.2.30.128/25"});
        converge();

        // reload of the unchanged file.
        send("reload.json", {"reload"});
        converge();
        send("show-events.json", {"show", "events", "5"});
        send("status.json", {"status"});
    }

    {  // errors
        send("error.json", {"request", R"({"command": "nope"})"}, false);                         // unknown_command
        send("error.json", {"request", R"({"version": 2, "command": "status"})"}, false);         // unsupported_version
        send("error.json", {"request", R"({"command": "show rib"})"}, false);                     // missing_argument
        send("error.json", {"show", "rib", "no-such-node"}, false);                               // unknown_node
        send("error.json", {"show", "rib", "loc1-ce1", "not-a-prefix"}, false);                   // bad_argument
        send("error.json", {"request", R"({"command": "show events", "limit": 0})"}, false);      // bad_argument
        send("error.json", {"show", "rib", "loc1-ce1", "--in", "nobody"}, false);                 // unknown_peer
        send("error.json", {"session", "reset", "loc1-ce1", "nobody"}, false);                    // unknown_peer
        send("error.json", {"withdraw", "loc1-ce1", "198.51.100.0/24"}, false);                   // not_originated
        send("error.json", {"ping", "hub", "no-such-host"}, false);                               // unknown_destination
        send("error.json", {"trace", "no-such-node", "hub-vm"}, false);                           // unknown_node
        send("error.json", {"link", "down", "no-such-link"}, false);                              // unknown_link
        send("error.json", {"reload", "/nonexistent/topology.yaml"}, false);                      // config_invalid
        // Straight on the socket: not JSON, not an object, a line over 64 KiB.
        schemas.check("error.json", "raw: not JSON", daemon.raw("{not json"));
        schemas.check("error.json", "raw: not an object", daemon.raw("[1]"));
        schemas.check("error.json", "raw: a line too long", daemon.raw(std::string(70 * 1024, 'x')));
        // And the daemon still answers.
        send("status.json", {"status"});
    }

    // Every schema file was checked against at least one reply.
    CHECK(schemas.used == expected_files);
    WARN(schemas.replies << " reply lines validated against " << schemas.used.size() << " schemas");
}

TEST_CASE("the HTTP API: the same replies and schemas, changes only with the token, garbage refused", "[integration][schema][http]") {
    Schemas schemas;
    TempDir dir{"bgpemu-http"};
    const std::string token = "test-token-" + std::to_string(::getpid()) + "-0123456789abcdef";
    write_file(dir.path() / "token", token + "\n");
    const auto port = test_port(13);
    const auto yaml = read_source("configs/azure-interop.yaml", test_port(12)) + "\ndaemon:\n  http: {listen: 127.0.0.1:" +
                      std::to_string(port) + ", allow_changes: true, token_file: " + (dir.path() / "token").string() +
                      ", clients: 6, idle_timeout: 2, request_bytes: 8192}\n";
    BgpemuDaemon daemon(yaml, dir.path());
    REQUIRE(wait_until([&] { return http_request(port, "GET", "/api/v1/status").status == 200; }, 10s));
    REQUIRE(daemon.converged(60s));
    const std::string bearer = "Authorization: Bearer " + token;
    const std::string json_type = "application/json";

    // Every read the command table has, each reply against its command's schema.
    std::set<std::string> commands_read;
    const auto get = [&](const std::string& schema, const std::string& target, unsigned status = 200) {
        auto reply = http_request(port, "GET", target);
        INFO("GET " << target << " -> " << reply.status << "\n" << reply.body);
        CHECK(reply.status == status);
        CHECK(reply.headers["content-type"] == json_type);
        const auto parsed = schemas.check(schema, "GET " + target, reply.body.substr(0, reply.body.find('\n')));
        if (status == 200) commands_read.insert(std::string(parsed.at("result").is_object() ? target : ""));
        return parsed;
    };
    get("status.json", "/api/v1/status");
    get("show-sessions.json", "/api/v1/show/sessions");
    get("show-sessions.json", "/api/v1/show/sessions?node=loc1-ce1");
    get("show-rib.json", "/api/v1/show/rib?node=hub-ergw");
    get("show-rib.json", "/api/v1/show/rib?node=loc1-ce1&prefix=10.10.30.0%2F24");
    get("show-rib.json", "/api/v1/show/rib?node=loc1-ce1&out=er1-msee1");
    get("show-fib.json", "/api/v1/show/fib?node=hub-ergw");
    get("show-fib.json", "/api/v1/show/fib?node=hub");
    get("show-memory.json", "/api/v1/show/memory");
    get("show-metrics.json", "/api/v1/show/metrics");
    get("show-bmp.json", "/api/v1/show/bmp");
    get("dump-rib.json", "/api/v1/dump/rib?node=hub-ergw&all_paths=true");
    get("show-links.json", "/api/v1/show/links");
    get("show-topology.json", "/api/v1/show/topology");
    get("show-events.json", "/api/v1/show/events?limit=5");
    const auto trace = get("trace.json", "/api/v1/trace?from=loc1-vm&to=hub-vm&all_paths=true");
    CHECK(trace.at("result").at("paths").at(0).at("kind") == "ExpressRoute");
    get("ping.json", "/api/v1/ping?from=loc1-vm&to=hub-vm");
    get("converged.json", "/api/v1/converged?quiet_ms=0");
    get("check.json", "/api/v1/check?what=symmetry");
    get("matrix.json", "/api/v1/matrix?by=vnet");
    // The same errors as on the socket, with their HTTP status.
    get("error.json", "/api/v1/show/rib?node=no-such-node", 404);
    get("error.json", "/api/v1/show/rib?node=hub-ergw&prefix=10.0.0.1%2F8", 400);
    get("error.json", "/api/v1/trace?from=loc1-vm", 400);
    get("error.json", "/api/v1/show/events?limit=many", 400);
    get("error.json", "/api/v1/no/such/command", 404);
    get("error.json", "/api/v1/link?action=down&link=x", 405);
    get("error.json", "/nothing-here", 404);
    // Every read of the command table was asked for above.
    for (const auto& command : daemon::command_table()) {
        if (command.changes_state) continue;
        std::string path = "/api/v1/" + std::string(command.name);
        std::replace(path.begin(), path.end(), ' ', '/');
        INFO(command.name);
        CHECK(std::any_of(commands_read.begin(), commands_read.end(),
                          [&](const std::string& t) { return t == path || t.rfind(path + "?", 0) == 0; }));
    }

    // The web view's files, and no token in them.
    auto page = http_request(port, "GET", "/");
    CHECK(page.status == 200);
    CHECK(page.headers["content-type"].rfind("text/html", 0) == 0);
    CHECK(page.headers["content-security-policy"].find("default-src 'none'") != std::string::npos);
    CHECK(page.body.find("<html") != std::string::npos);
    CHECK(page.body.find(token) == std::string::npos);

    // Metrics: Prometheus's own checker reads them, and they say what show sessions does.
    auto metrics = http_request(port, "GET", "/metrics");
    REQUIRE(metrics.status == 200);
    CHECK(metrics.headers["content-type"].rfind("text/plain; version=0.0.4", 0) == 0);
    write_file(dir.path() / "metrics.txt", metrics.body);
    REQUIRE(std::filesystem::exists("/usr/bin/promtool"));  // Debian's prometheus: contrib/scripts/deps.sh test
    const auto lint = run_command({"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + (dir.path() / "metrics.txt").string()});
    INFO(lint.output);
    CHECK(lint.exit_code == 0);
    CHECK(metrics.body.find("bgpemu_session_up{node=\"loc1-ce1\",peer=\"er1-msee1\"} 1\n") != std::string::npos);
    CHECK(count_occurrences(metrics.body, "\nbgpemu_session_up{") == count_occurrences(daemon.ctl({"show", "sessions"}).output, "\"peer\":"));

    const std::string link_down = R"({"action":"down","a":"loc1-ce1","b":"er1-msee1"})";
    const auto post = [&](const std::string& target, const std::string& body, const std::vector<std::string>& headers) {
        auto reply = http_request(port, "POST", target, headers, body);
        INFO("POST " << target << " " << body << " -> " << reply.status << "\n" << reply.body);
        return reply;
    };
    SECTION("changes: refused without the token, with a wrong one, from another origin; done with it") {
        CHECK(post("/api/v1/link", link_down, {}).status == 401);
        CHECK(post("/api/v1/link", link_down, {"Authorization: Bearer " + token + "x"}).status == 401);
        CHECK(post("/api/v1/link", link_down, {"Authorization: Basic " + token}).status == 401);
        CHECK(post("/api/v1/link", link_down, {bearer, "Origin: http://attacker.example"}).status == 403);
        CHECK(post("/api/v1/link", link_down, {bearer, "Host: attacker.example"}).status == 403);
        CHECK(daemon.session_state("loc1-ce1", "er1-msee1") == "Established");  // none of them did anything
        for (const auto& refused : {post("/api/v1/link", link_down, {}), post("/api/v1/link", link_down, {bearer, "Origin: http://x"})})
            schemas.check("error.json", "a refused change", refused.body.substr(0, refused.body.find('\n')));

        // The event stream sees what the change does.
        HttpConnection events(port);
        REQUIRE(events.send("GET /api/v1/events HTTP/1.1\r\nHost: localhost:" + std::to_string(port) + "\r\n\r\n"));
        REQUIRE(events.read_until("retry:", 5s));
        CHECK(events.seen().find("Content-Type: text/event-stream") != std::string::npos);
        // The page's own origin may change things.
        const auto done = post("/api/v1/link", link_down, {bearer, "Origin: http://127.0.0.1:" + std::to_string(port)});
        CHECK(done.status == 200);
        schemas.check("link.json", "POST /api/v1/link", done.body.substr(0, done.body.find('\n')));
        CHECK(events.read_until("event: link\n", 5s));
        CHECK(events.read_until("loc1-ce1 - er1-msee1 down", 5s));
        CHECK(events.read_until("event: routes\n", 5s));
        CHECK(daemon.session_state("loc1-ce1", "er1-msee1") != "Established");
        const auto over_vpn = get("trace.json", "/api/v1/trace?from=loc1-vm&to=hub-vm");
        CHECK(over_vpn.at("result").at("paths").at(0).at("kind") == "VPN");

        const auto shutdown = post("/api/v1/session/shutdown", R"({"node":"loc1-ce1","peer":"hub-vpngw"})", {bearer});
        CHECK(shutdown.status == 200);
        schemas.check("session.json", "POST /api/v1/session/shutdown", shutdown.body.substr(0, shutdown.body.find('\n')));
        CHECK(wait_until([&] {
            return http_request(port, "GET", "/metrics").body.find(
                       "bgpemu_session_notifications_sent_total{node=\"loc1-ce1\",peer=\"hub-vpngw\",code=\"6\"} 1\n") != std::string::npos;
        }, 5s));
        CHECK(post("/api/v1/session/enable", R"({"node":"loc1-ce1","peer":"hub-vpngw"})", {bearer}).status == 200);
        CHECK(post("/api/v1/link", R"({"action":"up","a":"loc1-ce1","b":"er1-msee1"})", {bearer}).status == 200);
        CHECK(post("/api/v1/link", R"({"action":"sideways","link":"x"})", {bearer}).status == 400);
        CHECK(daemon.converged(30s));
        CHECK(daemon.session_state("loc1-ce1", "er1-msee1") == "Established");
    }
    SECTION("garbage, oversized and slow requests leave the server serving") {
        {
            HttpConnection garbage(port);
            REQUIRE(garbage.send("NOT HTTP AT ALL\r\n\r\n"));
            CHECK(garbage.read_reply().status == 400);
        }
        {
            HttpConnection oversized(port);
            (void)oversized.send("GET /api/v1/status HTTP/1.1\r\nHost: localhost\r\nX-Filler: " + std::string(20000, 'x') + "\r\n\r\n");
            CHECK(oversized.read_reply().status == 413);
        }
        CHECK(post("/api/v1/link", "{\"action\":\"down\",\"link\":\"" + std::string(10000, 'x') + "\"}", {bearer}).status == 413);
        CHECK(post("/api/v1/link", "{not json", {bearer}).status == 400);
        // A slow client is closed after idle_timeout (2 s) and holds nothing meanwhile.
        HttpConnection slow(port);
        REQUIRE(slow.send("GET /api/v1/status HTTP/1.1\r\nHost: local"));
        CHECK(http_request(port, "GET", "/api/v1/status").status == 200);
        CHECK(slow.closed_within(6s));
        // More clients than `clients` (6): the one past them is told so.
        std::vector<std::unique_ptr<HttpConnection>> idle;
        for (int i = 0; i < 6; ++i) idle.push_back(std::make_unique<HttpConnection>(port));
        HttpConnection one_too_many(port);
        CHECK(one_too_many.read_reply().status == 503);
        idle.clear();
        CHECK(wait_until([&] { return http_request(port, "GET", "/api/v1/status").status == 200; }, 5s));
    }
    CHECK(daemon.process().running());
}

}  // namespace bgpemu::test
