// The admin protocol's commands, one descriptor each: the request's "command" and the
// keys it takes with their types, how bgpemuctl writes it (words, positional arguments,
// options), its help text, whether it changes state, and the JSON Schema of its reply.
//
// Every transport reads this one table: the daemon registers one handler per descriptor
// and checks each request's keys against it (AdminCommands); bgpemuctl builds requests
// and its usage text from it and has one printer per descriptor; the HTTP transport
// (daemon/http) maps a descriptor to GET (a read) or POST (a change) with the same
// keys. Plain data, no JSON and no Boost.Asio, so that every client links it cheaply.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bgpemu::daemon {

// What a request key holds.
enum class ValueType {
    text,       // a JSON string
    prefix,     // a JSON string: ADDRESS/LENGTH, host bits zero
    address,    // a JSON string: an IPv4 or IPv6 address
    integer,    // a JSON integer
    flag,       // a JSON boolean
    text_list,  // a JSON array of strings
    path,       // a JSON string: a file the daemon reads; bgpemuctl makes it absolute where it runs
};

// One key of a request object, besides "version" and "command".
struct Argument {
    std::string_view key{};
    ValueType type = ValueType::text;
    bool required = false;
    std::vector<std::string_view> choices{};  // the only values allowed, when not empty
    bool local = false;  // bgpemuctl's own: never sent to the daemon
};

// A word of bgpemuctl's command line after the command's words, filling `key`.
// Required ones come first; then optional levels: all words of level n or none, and
// level n + 1 only after level n (`show fib NODE [ADDRESS [SOURCE]]`, `check [FROM TO]`).
struct Positional {
    std::string_view key{};
    std::string_view name{};  // NODE; an argument with choices is written as them (down|up)
    int optional_level = 0;
};

// A word of bgpemuctl's command line that names what follows it (`--in PEER`,
// `med N`) or stands alone (`--all-paths`, `symmetry`). Words that do not start with
// "--" are only taken as options once the required positional words are there, so a
// node may be called `med`.
struct Option {
    std::string_view word{};
    std::string_view key{};
    std::string_view value_name{};  // "PEER"; empty: the option takes no value
    std::string_view constant{};    // without a value: the string it sets (empty: true)
    int exclusive_group = 0;      // options sharing a group are alternatives: [--in PEER | --out PEER]
    bool leading = false;         // written before the positional words in the usage line
};

struct CommandDescriptor {
    std::string_view name{};   // the request's "command"
    std::string_view words{};  // what bgpemuctl's user types, when not the name
    std::vector<Argument> arguments{};
    std::vector<std::vector<Positional>> forms{};  // the positional syntaxes, tried in order
    std::vector<Option> options{};
    std::string_view help{};
    bool changes_state = false;
    std::string_view schema{};      // the reply's file in daemon/admin/schemas/v1
    std::string_view poll_until{};  // bgpemuctl asks again until this result key is true

    [[nodiscard]] std::string_view cli_words() const noexcept { return words.empty() ? name : words; }
    [[nodiscard]] const Argument* argument(std::string_view key) const noexcept;
};

// The table, in the order help lists it.
[[nodiscard]] const std::vector<CommandDescriptor>& command_table();
// By the request's "command"; null when there is none of that name.
[[nodiscard]] const CommandDescriptor* find_command(std::string_view name);
// "status, show sessions, ..., check": what an unknown command's error lists.
[[nodiscard]] std::string command_names();
// The usage line of each form: "show rib NODE [PREFIX] [--in PEER | --out PEER]".
[[nodiscard]] std::vector<std::string> usage_lines(const CommandDescriptor& command);

// The schema files besides the commands': every reply's envelope, and the error reply.
inline constexpr std::string_view success_envelope_schema = "envelope.json";
inline constexpr std::string_view error_schema = "error.json";

}  // namespace bgpemu::daemon
