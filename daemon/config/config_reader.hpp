// The YAML walker behind the config reader: typed accessors that report every problem
// with its file, line and column (and carry on) instead of throwing. Shared by
// config.cpp (speakers, policy) and topology_config.cpp (routers, hosts, VNets, links).
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <initializer_list>
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

    // Reports keys of `map` outside `known`.
    void check_keys(const YAML::Node& map, std::initializer_list<std::string_view> known, std::string_view what) {
        for (const auto& entry : map) {
            const auto key = entry.first.Scalar();
            bool found = false;
            for (auto k : known) found = found || k == key;
            if (!found) {
                std::string list;
                for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
                error(entry.first, "unknown key '" + key + "' in " + std::string(what) + " (expected one of: " + list + ")");
            }
        }
    }

    bool is_map(const YAML::Node& node, std::string_view what) {
        if (node.IsMap()) return true;
        error(node, std::string(what) + " must be a mapping");
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

    std::vector<ConfigError> take_errors() { return std::move(errors_); }
    [[nodiscard]] std::size_t error_count() const noexcept { return errors_.size(); }

private:
    std::string file_;
    std::vector<ConfigError> errors_;
};

}  // namespace bgpemu::daemon::detail
