#include "daemon/ctl/command_line.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>
#include <sstream>

#include <boost/json/parse.hpp>

namespace bgpemu::daemon::ctl {

namespace json = boost::json;

namespace {

constexpr std::size_t usage_column = 42;  // where help starts, as in most tools' --help
constexpr std::size_t line_width = 92;  // help lines of about 50 characters

std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        const auto space = text.find(' ');
        out.push_back(text.substr(0, space));
        if (space == std::string_view::npos) break;
        text.remove_prefix(space + 1);
    }
    return out;
}

std::string usage_of(const CommandDescriptor& command) {
    std::string out;
    for (const auto& line : usage_lines(command)) out += (out.empty() ? "usage: bgpemuctl " : "   or: bgpemuctl ") + line;
    return out;
}

// The descriptor whose words begin `words`, and how many words they are; or a
// UsageError that lists what may follow the words that did match.
std::pair<const CommandDescriptor*, std::size_t> find_descriptor(const std::vector<std::string>& words) {
    const CommandDescriptor* best = nullptr;
    std::size_t best_length = 0;
    std::size_t longest_partial = 0;  // words matched by some descriptor, wholly or not
    for (const auto& command : command_table()) {
        const auto own = split_words(command.cli_words());
        std::size_t matched = 0;
        while (matched < own.size() && matched < words.size() && own[matched] == words[matched]) ++matched;
        longest_partial = std::max(longest_partial, matched);
        if (matched == own.size() && matched > best_length) {
            best = &command;
            best_length = matched;
        }
    }
    if (best != nullptr) return {best, best_length};
    if (longest_partial == 0) throw UsageError("unknown command '" + words[0] + "'");
    // "session takes reset, shutdown or enable, not 'restart'"
    std::set<std::string> next;
    std::vector<std::string> ordered;
    for (const auto& command : command_table()) {
        const auto own = split_words(command.cli_words());
        if (own.size() <= longest_partial) continue;
        if (!std::equal(own.begin(), own.begin() + static_cast<std::ptrdiff_t>(longest_partial), words.begin())) continue;
        if (next.insert(std::string(own[longest_partial])).second) ordered.emplace_back(own[longest_partial]);
    }
    std::string prefix;
    for (std::size_t i = 0; i < longest_partial; ++i) prefix += (i ? " " : "") + words[i];
    std::string choices;
    for (std::size_t i = 0; i < ordered.size(); ++i)
        choices += (i == 0 ? "" : i + 1 == ordered.size() ? " or " : ", ") + ordered[i];
    if (words.size() == longest_partial) throw UsageError(prefix + " takes " + choices);
    throw UsageError(prefix + " takes " + choices + ", not '" + words[longest_partial] + "'");
}

// A word as the argument's JSON value.
json::value convert(const CommandDescriptor& command, const Argument& argument, std::string_view name,
                    const std::string& word) {
    if (argument.type == ValueType::integer) {
        long long value = 0;
        const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), value);
        if (error != std::errc() || end != word.data() + word.size())
            throw UsageError(std::string(name) + " must be a number, not '" + word + "' (" + usage_of(command) + ")");
        return value;
    }
    // The daemon runs elsewhere: a file is named from where bgpemuctl runs.
    if (argument.type == ValueType::path) return json::value(std::filesystem::absolute(word).string());
    return json::value(word);
}

// Into the request, or for a local argument beside it; a list argument gathers every word.
void set(CommandLine& line, const Argument& argument, json::value value) {
    auto& target = argument.local ? line.local : line.request;
    if (argument.type == ValueType::text_list) {
        auto& list = target[argument.key];
        if (!list.is_array()) list = json::array{};
        list.as_array().push_back(std::move(value));
    } else {
        target[argument.key] = std::move(value);
    }
}

const Argument& argument_of(const CommandDescriptor& command, std::string_view key) {
    const auto* argument = command.argument(key);
    if (argument == nullptr) throw std::logic_error("the command table's \"" + std::string(command.name) + "\" has no key \"" + std::string(key) + "\"");
    return *argument;
}

// Whether `count` positional words fit `form`: all its required ones, then whole
// optional levels in order.
bool fits(const std::vector<Positional>& form, std::size_t count) {
    std::size_t filled = 0;
    for (const auto& positional : form)
        if (positional.optional_level == 0) ++filled;
    if (count == filled) return true;
    for (int level = 1; filled < count; ++level) {
        const auto size = static_cast<std::size_t>(std::count_if(
            form.begin(), form.end(), [&](const Positional& p) { return p.optional_level == level; }));
        if (size == 0) return false;
        filled += size;
    }
    return filled == count;
}

std::size_t required_count(const CommandDescriptor& command) {
    std::size_t fewest = SIZE_MAX;
    for (const auto& form : command.forms)
        fewest = std::min<std::size_t>(fewest, static_cast<std::size_t>(std::count_if(
                                                   form.begin(), form.end(), [](const Positional& p) { return p.optional_level == 0; })));
    return fewest == SIZE_MAX ? 0 : fewest;
}

CommandLine raw_request(const std::vector<std::string>& words) {
    if (words.size() < 2) throw UsageError("usage: bgpemuctl request JSON");
    json::error_code error;
    auto value = json::parse(words[1], error);
    if (error || !value.is_object()) throw UsageError("request takes one JSON object");
    CommandLine line;
    line.request = std::move(value.as_object());
    if (const auto* name = line.request.if_contains("command"); name != nullptr && name->is_string())
        line.command = find_command(name->get_string());
    return line;
}

void wrap(std::ostringstream& out, std::string_view text, std::size_t column, std::size_t width) {
    std::size_t used = column;
    bool first = true;
    for (const auto word : split_words(text)) {
        if (!first && used + 1 + word.size() > width) {
            out << "\n" << std::string(column, ' ');
            used = column;
            first = true;
        }
        if (!first) {
            out << ' ';
            ++used;
        }
        out << word;
        used += word.size();
        first = false;
    }
    out << "\n";
}

}  // namespace

CommandLine parse_command_line(const std::vector<std::string>& words) {
    if (words.empty()) throw UsageError("no command given");
    if (words[0] == "request") return raw_request(words);
    const auto [command, length] = find_descriptor(words);
    CommandLine line;
    line.command = command;
    line.request = json::object{{"version", 1}, {"command", command->name}};

    const auto required = required_count(*command);
    std::vector<std::string> positional;
    for (std::size_t i = length; i < words.size(); ++i) {
        const auto& word = words[i];
        const bool dashed = word.rfind("--", 0) == 0;
        const auto option = std::find_if(command->options.begin(), command->options.end(),
                                         [&](const Option& o) { return o.word == word; });
        if (option == command->options.end() || (!dashed && positional.size() < required)) {
            if (dashed) throw UsageError("unknown option '" + word + "' (" + usage_of(*command) + ")");
            positional.push_back(word);
            continue;
        }
        const auto& argument = argument_of(*command, option->key);
        if (option->value_name.empty()) {
            set(line, argument, option->constant.empty() ? json::value(true) : json::value(option->constant));
            continue;
        }
        if (i + 1 >= words.size())
            throw UsageError("'" + word + "' needs " + std::string(option->value_name) + " (" + usage_of(*command) + ")");
        set(line, argument, convert(*command, argument, "'" + word + "'", words[++i]));
    }

    const auto form = std::find_if(command->forms.begin(), command->forms.end(),
                                   [&](const auto& f) { return fits(f, positional.size()); });
    if (form == command->forms.end()) throw UsageError(usage_of(*command));
    for (std::size_t i = 0; i < positional.size(); ++i) {
        const auto& spec = (*form)[i];
        const auto& argument = argument_of(*command, spec.key);
        if (!argument.choices.empty() &&
            std::find(argument.choices.begin(), argument.choices.end(), positional[i]) == argument.choices.end()) {
            std::string choices;
            for (std::size_t c = 0; c < argument.choices.size(); ++c)
                choices += (c == 0 ? "" : c + 1 == argument.choices.size() ? " or " : ", ") + std::string(argument.choices[c]);
            throw UsageError(std::string(command->cli_words()) + " takes " + choices + ", not '" + positional[i] + "'");
        }
        set(line, argument, convert(*command, argument, spec.name, positional[i]));
    }
    return line;
}

std::string usage_text() {
    std::ostringstream out;
    out << "Usage: bgpemuctl [--socket PATH] [--json] COMMAND\n\nCommands:\n";
    const auto entry = [&](const std::vector<std::string>& lines, std::string_view help) {
        for (std::size_t i = 0; i + 1 < lines.size(); ++i) out << "  " << lines[i] << "\n";
        const auto& last = lines.back();
        out << "  " << last;
        if (2 + last.size() + 2 <= usage_column) out << std::string(usage_column - 2 - last.size(), ' ');
        else out << "\n" << std::string(usage_column, ' ');
        wrap(out, help, usage_column, line_width);
    };
    for (const auto& command : command_table()) entry(usage_lines(command), command.help);
    entry({"request JSON"}, "send one raw request object");
    entry({"verify SCENARIO [--junit FILE]"},
          "run a scenario file's steps and check its expectations (doc/guide/scenarios.md); exit 1 when one "
          "fails, 2 when the file has errors; --junit writes JUnit XML, --json the results as JSON");
    entry({"diff FILE [--fail-on-change]"},
          "what changes when the daemon runs FILE instead of its file: matrix cells, best paths, asymmetric "
          "pairs, sessions; then back to its file; --fail-on-change exits 1 when anything changed");
    out << R"(
Options:
  --socket PATH   the admin socket (default: $BGPEMU_SOCKET, /run/bgpemu/bgpemud.sock as
                  root, else $XDG_RUNTIME_DIR/bgpemud.sock or /tmp/bgpemud-UID.sock)
  --json          print the daemon's JSON reply as it is
  --version, --help
)";
    return out.str();
}

}  // namespace bgpemu::daemon::ctl
