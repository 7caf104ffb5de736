#include "daemon/admin/command_table.hpp"

#include <algorithm>

namespace bgpemu::daemon {

namespace {

using enum ValueType;

std::vector<CommandDescriptor> make_table() {
    const Argument node{.key = "node", .required = true};
    const Argument optional_node{.key = "node"};
    const Argument prefix_argument{.key = "prefix", .type = prefix, .required = true};
    const Argument source{.key = "source", .type = address};
    const Positional node_word{.key = "node", .name = "NODE"};
    const Positional prefix_word{.key = "prefix", .name = "PREFIX"};
    const std::vector<Positional> from_to{{.key = "from", .name = "FROM"}, {.key = "to", .name = "TO"}};
    const Option source_option{.word = "--source", .key = "source", .value_name = "ADDRESS"};
    const auto session = [&](std::string_view name, std::string_view help, bool takes_message) {
        CommandDescriptor command{.name = name,
                                  .arguments = {node, {.key = "peer", .required = true}},
                                  .forms = {{node_word, {.key = "peer", .name = "PEER"}}},
                                  .help = help,
                                  .changes_state = true,
                                  .schema = "session.json"};
        if (takes_message) {
            command.arguments.push_back({.key = "message"});
            command.forms[0].push_back({.key = "message", .name = "MESSAGE", .optional_level = 1});
        }
        return command;
    };
    return {
        {.name = "status", .forms = {{}}, .help = "the daemon and its speakers", .schema = "status.json"},
        {.name = "show sessions",
         .arguments = {optional_node},
         .forms = {{{.key = "node", .name = "NODE", .optional_level = 1}}},
         .help = "BGP sessions (all, or one speaker's)",
         .schema = "show-sessions.json"},
        {.name = "show rib",
         .arguments = {node, {.key = "prefix", .type = prefix}, {.key = "in"}, {.key = "out"}},
         .forms = {{node_word, {.key = "prefix", .name = "PREFIX", .optional_level = 1}}},
         .options = {{.word = "--in", .key = "in", .value_name = "PEER", .exclusive_group = 1},
                     {.word = "--out", .key = "out", .value_name = "PEER", .exclusive_group = 1}},
         .help = "Loc-RIB paths; for one prefix, why the best won; --in: only the paths accepted from PEER; "
                 "--out: what PEER has been sent",
         .schema = "show-rib.json"},
        {.name = "show fib",
         .arguments = {node, {.key = "address", .type = address}, source},
         .forms = {{node_word,
                    {.key = "address", .name = "ADDRESS", .optional_level = 1},
                    {.key = "source", .name = "SOURCE", .optional_level = 2}}},
         .help = "forwarding table of a speaker, router or host (connected, static, BGP by distance), or a "
                 "VNet's effective routes; with ADDRESS, the longest match and the next hop the flow "
                 "SOURCE -> ADDRESS takes",
         .schema = "show-fib.json"},
        {.name = "show memory",
         .arguments = {optional_node},
         .forms = {{{.key = "node", .name = "NODE", .optional_level = 1}}},
         .help = "memory by kind of object, bytes per route",
         .schema = "show-memory.json"},
        {.name = "show metrics",
         .forms = {{}},
         .help = "the daemon's, speakers' and sessions' metrics in Prometheus's text format (what the HTTP "
                 "server's /metrics serves)",
         .schema = "show-metrics.json"},
        {.name = "show bmp",
         .forms = {{}},
         .help = "BMP monitoring stations (RFC 7854): each station's stream of each speaker, whether it "
                 "is connected, and what it has been sent",
         .schema = "show-bmp.json"},
        {.name = "dump rib",
         .arguments = {node, {.key = "file", .required = true, .local = true}, {.key = "all_paths", .type = flag}},
         .forms = {{node_word, {.key = "file", .name = "FILE"}}},
         .options = {{.word = "--all-paths", .key = "all_paths"}},
         .help = "write NODE's Loc-RIB to FILE as an MRT TABLE_DUMP_V2 dump (RFC 6396), best paths or "
                 "--all-paths every candidate; bgpdump reads it",
         .schema = "dump-rib.json"},
        {.name = "inject",
         .arguments = {node,
                       {.key = "file", .type = path},
                       {.key = "peer", .type = address},
                       {.key = "max", .type = integer},
                       {.key = "clear", .type = flag}},
         .forms = {{node_word, {.key = "file", .name = "FILE"}}, {node_word}},
         .options = {{.word = "--peer", .key = "peer", .value_name = "ADDRESS"},
                     {.word = "--max", .key = "max", .value_name = "N"},
                     {.word = "--clear", .key = "clear"}},
         .help = "load the routes of an MRT file (a TABLE_DUMP_V2 table or BGP4MP updates; the daemon reads "
                 "FILE) into NODE as its own, with their recorded AS paths and attributes, exported as its "
                 "networks are: one path per prefix, of --peer ADDRESS's routes only, at most --max N; "
                 "--clear withdraws them all",
         .changes_state = true,
         .schema = "inject.json"},
        {.name = "show links", .forms = {{}}, .help = "emulated links and their state", .schema = "show-links.json"},
        {.name = "show topology",
         .forms = {{}},
         .help = "the emulated network's nodes (kind, Azure role, site, circuit, VNet, AS) and VNets (address "
                 "spaces, peerings, gateways, hosts): what the web view draws",
         .schema = "show-topology.json"},
        {.name = "show events",
         .arguments = {{.key = "limit", .type = integer}},
         .forms = {{{.key = "limit", .name = "N", .optional_level = 1}}},
         .help = "the last N (default 100) session, link and reload events",
         .schema = "show-events.json"},
        session("session reset", "reset the session (Cease/Administrative Reset); it reconnects", true),
        session("session shutdown",
                "shut the session down (Cease/Administrative Shutdown); it stays down until enabled", true),
        session("session enable", "start a session that is shut down", false),
        {.name = "announce",
         .arguments = {node,
                       prefix_argument,
                       {.key = "med", .type = integer},
                       {.key = "origin", .choices = {"igp", "egp", "incomplete"}},
                       {.key = "communities", .type = text_list},
                       {.key = "large_communities", .type = text_list}},
         .forms = {{node_word, prefix_word}},
         .options = {{.word = "med", .key = "med", .value_name = "N"},
                     {.word = "origin", .key = "origin", .value_name = "O"},
                     {.word = "community", .key = "communities", .value_name = "C"},
                     {.word = "large-community", .key = "large_communities", .value_name = "L"}},
         .help = "originate PREFIX from NODE",
         .changes_state = true,
         .schema = "announce.json"},
        {.name = "withdraw",
         .arguments = {node, prefix_argument},
         .forms = {{node_word, prefix_word}},
         .help = "stop originating PREFIX",
         .changes_state = true,
         .schema = "withdraw.json"},
        {.name = "reload",
         .arguments = {{.key = "file", .type = path}},
         .forms = {{{.key = "file", .name = "FILE", .optional_level = 1}}},
         .help = "read the config file again, or FILE in its place (the daemon's file from then on), and apply "
                 "the difference (as SIGHUP does); refused, with every error, when the file is invalid",
         .changes_state = true,
         .schema = "reload.json"},
        {.name = "trace",
         .arguments = {{.key = "from", .required = true},
                       {.key = "to", .required = true},
                       source,
                       {.key = "all_paths", .type = flag}},
         .forms = {from_to},
         .options = {source_option, {.word = "--all-paths", .key = "all_paths"}},
         .help = "the hops a probe from FROM (host, VNet or node) to TO (address or host) answers, through "
                 "the live FIBs; --all-paths lists every ECMP branch",
         .schema = "trace.json"},
        {.name = "ping",
         .arguments = {{.key = "from", .required = true}, {.key = "to", .required = true}, source},
         .forms = {from_to},
         .options = {source_option},
         .help = "reachable both ways (there and back)?",
         .schema = "ping.json"},
        {.name = "link",
         .arguments = {{.key = "action", .required = true, .choices = {"down", "up"}},
                       {.key = "link"},
                       {.key = "a"},
                       {.key = "b"}},
         .forms = {{{.key = "action", .name = "ACTION"}, {.key = "link", .name = "LINK"}},
                   {{.key = "action", .name = "ACTION"}, {.key = "a", .name = "A"}, {.key = "b", .name = "B"}}},
         .help = "fail or restore a link (by name, or by the two nodes it joins): its sessions drop at once, "
                 "routes are withdrawn over BGP",
         .changes_state = true,
         .schema = "link.json"},
        {.name = "converged",
         .words = "wait converged",
         .arguments = {{.key = "quiet_ms", .type = integer}, {.key = "timeout_s", .type = integer, .local = true}},
         .forms = {{}},
         .options = {{.word = "--timeout", .key = "timeout_s", .value_name = "S"},
                     {.word = "--quiet", .key = "quiet_ms", .value_name = "MS"}},
         .help = "return when sessions and routes have settled and nothing changed for MS ms (default "
                 "1000); exit 1 after S seconds (default 60)",
         .schema = "converged.json",
         .poll_until = "converged"},
        {.name = "check",
         .arguments = {{.key = "what", .choices = {"symmetry", "all"}}, {.key = "from"}, {.key = "to"}},
         .forms = {{{.key = "from", .name = "FROM", .optional_level = 1}, {.key = "to", .name = "TO", .optional_level = 1}}},
         .options = {{.word = "symmetry", .key = "what", .constant = "symmetry", .leading = true}},
         .help = "forward and return paths of every pair of hosts (or one): asymmetric (ExpressRoute one "
                 "way, VPN the other) or one-way pairs; without `symmetry` also prefix limits and "
                 "overlaps; exit 1 when a problem is found",
         .schema = "check.json"},
        {.name = "matrix",
         .arguments = {{.key = "by", .choices = {"host", "vnet", "site"}}, {.key = "expect", .local = true}},
         .forms = {{}},
         .options = {{.word = "--by", .key = "by", .value_name = "GROUPING"},
                     {.word = "--expect", .key = "expect", .value_name = "FILE"}},
         .help = "the reachability matrix: every ordered pair of networks (--by vnet: VNets and the hosts "
                 "outside them; --by site: VNets and sites; --by host, the default: hosts), reachable or not and how (ExpressRoute, VPN, "
                 "peering, through which MSEEs, gateways and appliances), probed both ways; --expect FILE (a saved "
                 "`--json matrix`) exits 1 when a cell differs",
         .schema = "matrix.json"},
    };
}

std::string option_text(const CommandDescriptor& command, const Option& option) {
    std::string out(option.word);
    if (option.value_name.empty()) return out;
    const auto* argument = command.argument(option.key);
    if (argument != nullptr && !argument->choices.empty()) {
        out += ' ';
        for (std::size_t i = 0; i < argument->choices.size(); ++i)
            out += (i == 0 ? "" : "|") + std::string(argument->choices[i]);
    } else {
        out += " " + std::string(option.value_name);
    }
    return out;
}

// "[--in PEER | --out PEER]", "[community C]...": each option, alternatives together.
std::string options_text(const CommandDescriptor& command, bool leading) {
    std::string out;
    for (std::size_t i = 0; i < command.options.size(); ++i) {
        const auto& option = command.options[i];
        if (option.leading != leading) continue;
        if (option.exclusive_group != 0 &&
            std::any_of(command.options.begin(), command.options.begin() + static_cast<std::ptrdiff_t>(i),
                        [&](const Option& o) { return o.exclusive_group == option.exclusive_group; }))
            continue;  // written with the first of its group
        std::string alternatives = option_text(command, option);
        for (std::size_t j = i + 1; j < command.options.size(); ++j)
            if (option.exclusive_group != 0 && command.options[j].exclusive_group == option.exclusive_group)
                alternatives += " | " + option_text(command, command.options[j]);
        const auto* argument = command.argument(option.key);
        const bool repeated = argument != nullptr && argument->type == ValueType::text_list;
        out += " [" + alternatives + "]" + (repeated ? "..." : "");
    }
    return out;
}

std::string positional_text(const CommandDescriptor& command, const Positional& positional) {
    const auto* argument = command.argument(positional.key);
    if (argument == nullptr || argument->choices.empty()) return std::string(positional.name);
    std::string out;
    for (const auto choice : argument->choices) out += (out.empty() ? "" : "|") + std::string(choice);
    return out;
}

}  // namespace

const Argument* CommandDescriptor::argument(std::string_view key) const noexcept {
    for (const auto& a : arguments)
        if (a.key == key) return &a;
    return nullptr;
}

const std::vector<CommandDescriptor>& command_table() {
    static const std::vector<CommandDescriptor> table = make_table();
    return table;
}

const CommandDescriptor* find_command(std::string_view name) {
    for (const auto& command : command_table())
        if (command.name == name) return &command;
    return nullptr;
}

std::string command_names() {
    std::string out;
    for (const auto& command : command_table()) out += (out.empty() ? "" : ", ") + std::string(command.name);
    return out;
}

std::vector<std::string> usage_lines(const CommandDescriptor& command) {
    std::vector<std::string> lines;
    for (const auto& form : command.forms) {
        std::string line(command.cli_words());
        line += options_text(command, true);
        int open = 0;  // optional levels whose bracket is open
        for (const auto& positional : form) {
            if (positional.optional_level > open) {
                line += " [";
                ++open;
            } else {
                line += ' ';
            }
            line += positional_text(command, positional);
        }
        line += std::string(static_cast<std::size_t>(open), ']');
        line += options_text(command, false);
        lines.push_back(std::move(line));
    }
    return lines;
}

}  // namespace bgpemu::daemon
