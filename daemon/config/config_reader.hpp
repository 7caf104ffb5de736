// The YAML walker behind the config reader: typed accessors that report every problem
// with its file, line and column (and carry on) instead of throwing, and the `{key,
// reader}` tables every section is read with. Shared by every section reader (config.cpp,
// the *_section.cpp files and topology_config.cpp).
#pragma once

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "bgp/wire/attribute_text.hpp"
#include "bgp/wire/ip.hpp"
#include "bgp/session/transport_endpoint.hpp"
#include "daemon/config/config.hpp"

namespace bgpemu::daemon::detail {

using bgp::IpAddress;
using bgp::Prefix;

// Walks the YAML tree, collecting errors with their positions instead of throwing.
class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    void error(const YAML::Node& node, std::string message) {
        // The node of a missing key (yaml-cpp's invalid "zombie" node) has no position and
        // throws on Mark(): callers report a missing key at its parent, and this keeps a
        // slip from escaping the loader as an exception.
        auto mark = YAML::Mark::null_mark();
        try {
            mark = node.Mark();
        } catch (const YAML::InvalidNode&) {
        }
        if (mark.is_null())
            errors_.push_back({file_, 0, 0, std::move(message)});
        else
            errors_.push_back({file_, static_cast<unsigned>(mark.line + 1), static_cast<unsigned>(mark.column + 1),
                               std::move(message)});
    }
    void error_at(const YAML::Mark& mark, std::string message) {
        errors_.push_back({file_, static_cast<unsigned>(mark.line + 1), static_cast<unsigned>(mark.column + 1),
                           std::move(message)});
    }

    // Reports each key of `map` that `known` does not name, listing those it does.
    template <typename Names>
    void refuse_unknown_keys(const YAML::Node& map, const Names& known, std::string_view what) {
        for (const auto& entry : map) {
            const auto key = entry.first.Scalar();
            if (std::any_of(std::begin(known), std::end(known), [&](const auto& k) { return name_of(k) == key; })) continue;
            std::string list;
            for (const auto& k : known) list += (list.empty() ? "" : ", ") + std::string(name_of(k));
            error(entry.first, "unknown key '" + key + "' in " + std::string(what) + " (expected one of: " + list + ")");
        }
    }

    bool is_map(const YAML::Node& node, std::string_view what) {
        if (node.IsMap()) return true;
        error(node, std::string(what) + " must be a mapping");
        return false;
    }

    bool is_list(const YAML::Node& node, std::string_view what) {
        if (node.IsSequence()) return true;
        error(node, std::string(what) + " must be a list");
        return false;
    }

    std::optional<std::string> string(const YAML::Node& node, std::string_view what) {
        if (!node.IsScalar()) {
            error(node, std::string(what) + " must be a string");
            return std::nullopt;
        }
        return node.Scalar();
    }

    std::optional<std::uint64_t> unsigned_integer(const YAML::Node& node, std::string_view what, std::uint64_t min,
                                                  std::uint64_t max) {
        if (!node.IsScalar()) {
            error(node, std::string(what) + " must be a number");
            return std::nullopt;
        }
        const auto& text = node.Scalar();
        std::uint64_t value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc{} || end != text.data() + text.size()) {
            error(node, std::string(what) + " must be a whole number, not '" + text + "'");
            return std::nullopt;
        }
        if (value < min || value > max) {
            error(node, std::string(what) + " " + text + " is out of range (" + std::to_string(min) + ".." +
                            std::to_string(max) + ")");
            return std::nullopt;
        }
        return value;
    }

    std::optional<bool> boolean(const YAML::Node& node, std::string_view what) {
        bool value = false;
        if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
            error(node, std::string(what) + " must be true or false");
            return std::nullopt;
        }
        return value;
    }

    std::optional<IpAddress> address(const YAML::Node& node, std::string_view what) {
        auto text = string(node, what);
        if (!text) return std::nullopt;
        auto address = IpAddress::parse(*text);
        if (!address) error(node, std::string(what) + ": '" + *text + "' is not an IPv4 or IPv6 address");
        return address;
    }

    std::optional<std::uint32_t> ipv4_id(const YAML::Node& node, std::string_view what) {
        auto value = address(node, what);
        if (!value) return std::nullopt;
        if (!value->is_v4() || value->v4_value() == 0) {
            error(node, std::string(what) + " must be a non-zero IPv4 address (dotted quad)");
            return std::nullopt;
        }
        return value->v4_value();
    }

    std::optional<Prefix> prefix(const YAML::Node& node, std::string_view what) {
        auto text = string(node, what);
        if (!text) return std::nullopt;
        auto prefix = Prefix::parse(*text);
        if (!prefix) error(node, std::string(what) + ": '" + *text + "' is not a prefix (address/length)");
        return prefix;
    }

    // "address:port", "[v6]:port", or a bare address with `default_port`.
    std::optional<bgp::TransportEndpoint> endpoint(const YAML::Node& node, std::string_view what,
                                                   std::optional<std::uint16_t> default_port) {
        auto text = string(node, what);
        if (!text) return std::nullopt;
        std::string host = *text;
        std::optional<std::uint16_t> port = default_port;
        std::string port_text;
        if (!host.empty() && host.front() == '[') {
            const auto close = host.find(']');
            if (close != std::string::npos && close + 1 < host.size() && host[close + 1] == ':')
                port_text = host.substr(close + 2);
            host = host.substr(1, close == std::string::npos ? std::string::npos : close - 1);
        } else if (std::count(host.begin(), host.end(), ':') == 1) {
            port_text = host.substr(host.find(':') + 1);
            host = host.substr(0, host.find(':'));
        }
        if (!port_text.empty()) {
            unsigned value = 0;
            const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
            if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
                error(node, std::string(what) + ": bad port '" + port_text + "' (1..65535)");
                return std::nullopt;
            }
            port = static_cast<std::uint16_t>(value);
        }
        auto address = IpAddress::parse(host);
        if (!address) {
            error(node, std::string(what) + ": '" + host + "' is not an IP address (want ADDRESS:PORT)");
            return std::nullopt;
        }
        if (!port) {
            error(node, std::string(what) + ": a port is required (ADDRESS:PORT)");
            return std::nullopt;
        }
        return bgp::TransportEndpoint{*address, *port};
    }

    std::optional<std::uint32_t> community(const YAML::Node& node) {
        auto text = string(node, "community");
        if (!text) return std::nullopt;
        if (auto value = bgp::parse_community(*text)) return value;
        error(node, "community '" + *text + "' must be ASN:VALUE (each 0..65535) or a well-known name");
        return std::nullopt;
    }

    std::optional<bgp::LargeCommunity> large_community(const YAML::Node& node) {
        auto text = string(node, "large community");
        if (!text) return std::nullopt;
        if (auto value = bgp::parse_large_community(*text)) return value;
        error(node, "large community '" + *text + "' must be GLOBAL:LOCAL1:LOCAL2 (each 0..4294967295)");
        return std::nullopt;
    }

    [[nodiscard]] const std::string& file() const noexcept { return file_; }
    std::vector<ConfigError> take_errors() { return std::move(errors_); }
    [[nodiscard]] std::size_t error_count() const noexcept { return errors_.size(); }

private:
    static std::string_view name_of(std::string_view name) { return name; }
    template <typename Key>
    static std::string_view name_of(const Key& key) { return key.name; }

    std::string file_;
    std::vector<ConfigError> errors_;
};

// One key of a section and how it is read into `Target` (what the section fills, with
// whatever the readers need beside it). A section's table is the one list of its keys:
// read_section refuses every other key, naming the table's, and reads the keys in table
// order, so a row may rely on the rows above it (a role before the keys it presets). A
// row without `read` is a key the section reads itself before the others (a name, or
// what every other key depends on).
template <typename Target>
struct Key {
    std::string_view name;
    void (*read)(Reader& reader, const YAML::Node& value, Target& target) = nullptr;
    // When the key is absent: a default, or the error "needs a ..." at the section.
    void (*absent)(Reader& reader, const YAML::Node& section, Target& target) = nullptr;
};

// The keys of `section` in table order (not checking for unknown ones).
template <typename Target, std::size_t N>
void read_keys(Reader& reader, const YAML::Node& section, const Key<Target> (&table)[N], Target& target) {
    for (const auto& key : table) {
        if (!key.read) continue;
        if (const auto value = section[std::string(key.name)]) key.read(reader, value, target);
        else if (key.absent) key.absent(reader, section, target);
    }
}

template <typename Target, std::size_t N>
void read_section(Reader& reader, const YAML::Node& section, const Key<Target> (&table)[N], std::string_view what,
                  Target& target) {
    reader.refuse_unknown_keys(section, table, what);
    read_keys(reader, section, table, target);
}

}  // namespace bgpemu::daemon::detail
