#include "daemon/config.hpp"

#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "bgp/attribute_text.hpp"

namespace bgpemu::daemon {

std::string ConfigError::to_string() const {
    if (line == 0) return file + ": " + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {

using bgp::IpAddress;
using bgp::Prefix;

// Walks the YAML tree, collecting errors with their positions instead of throwing.
class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    void error(const YAML::Node& node, std::string message) {
        const auto mark = node.Mark();
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

private:
    std::string file_;
    std::vector<ConfigError> errors_;
};

constexpr std::uint64_t max_asn = 4294967295ULL;

void read_network(Reader& reader, const YAML::Node& node, bgp::SpeakerConfig& speaker) {
    bgp::OriginatedNetwork network;
    if (node.IsScalar()) {
        auto prefix = reader.prefix(node, "network");
        if (!prefix) return;
        network.prefix = *prefix;
        speaker.networks.push_back(network);
        return;
    }
    if (!reader.is_map(node, "network")) return;
    reader.check_keys(node, {"prefix", "med", "communities", "large_communities", "origin"}, "network");
    if (!node["prefix"]) {
        reader.error(node, "network needs a 'prefix'");
        return;
    }
    auto prefix = reader.prefix(node["prefix"], "network prefix");
    if (!prefix) return;
    network.prefix = *prefix;
    if (const auto med = node["med"])
        if (auto value = reader.unsigned_integer(med, "med", 0, 0xffffffffULL)) network.med = static_cast<std::uint32_t>(*value);
    if (const auto list = node["communities"]) {
        if (!list.IsSequence()) reader.error(list, "communities must be a list");
        else
            for (const auto& item : list)
                if (auto value = reader.community(item)) network.communities.push_back(*value);
    }
    if (const auto list = node["large_communities"]) {
        if (!list.IsSequence()) reader.error(list, "large_communities must be a list");
        else
            for (const auto& item : list)
                if (auto value = reader.large_community(item)) network.large_communities.push_back(*value);
    }
    if (const auto origin = node["origin"]) {
        if (auto text = reader.string(origin, "origin")) {
            if (auto value = bgp::parse_origin(*text)) network.origin = *value;
            else reader.error(origin, "origin must be igp, egp or incomplete");
        }
    }
    speaker.networks.push_back(std::move(network));
}

void read_neighbor(Reader& reader, const YAML::Node& node, bgp::SpeakerConfig& speaker) {
    if (!reader.is_map(node, "neighbor")) return;
    reader.check_keys(node,
                      {"name", "description", "address", "asn", "local_address", "passive", "shutdown", "hold_time",
                       "connect_retry", "advertisement_interval", "ebgp_multihop", "next_hop_self", "allowas_in", "sender_side_loop_detection",
                       "weight", "families", "extended_message", "next_hop"},
                      "neighbor");
    bgp::NeighborConfig neighbor;
    bool complete = true;
    if (const auto address = node["address"]) {
        if (auto value = reader.endpoint(address, "neighbor address", std::uint16_t{179})) neighbor.remote = *value;
        else complete = false;
    } else {
        reader.error(node, "neighbor needs an 'address' (the peer's transport ADDRESS[:PORT])");
        complete = false;
    }
    if (const auto asn = node["asn"]) {
        if (auto value = reader.unsigned_integer(asn, "asn", 1, max_asn)) neighbor.remote_as = static_cast<std::uint32_t>(*value);
        else complete = false;
    } else {
        reader.error(node, "neighbor needs an 'asn'");
        complete = false;
    }
    neighbor.name = node["name"] ? reader.string(node["name"], "neighbor name").value_or("")
                                 : neighbor.remote.address.to_string();
    if (const auto v = node["description"]) neighbor.description = reader.string(v, "description").value_or("");
    if (const auto v = node["local_address"]) neighbor.local_address = reader.address(v, "local_address");
    if (const auto v = node["passive"]) neighbor.passive = reader.boolean(v, "passive").value_or(false);
    if (const auto v = node["shutdown"]) neighbor.enabled = !reader.boolean(v, "shutdown").value_or(false);
    if (const auto v = node["hold_time"]) {
        if (auto value = reader.unsigned_integer(v, "hold_time", 0, 65535)) {
            if (*value == 1 || *value == 2) reader.error(v, "hold_time must be 0 or at least 3 seconds (RFC 4271 §4.2)");
            neighbor.hold_time = static_cast<std::uint16_t>(*value);
        }
    }
    if (const auto v = node["connect_retry"])
        if (auto value = reader.unsigned_integer(v, "connect_retry", 1, 65535)) neighbor.connect_retry = std::chrono::seconds(*value);
    if (const auto v = node["advertisement_interval"])
        if (auto value = reader.unsigned_integer(v, "advertisement_interval", 0, 600))
            neighbor.advertisement_interval = std::chrono::seconds(*value);
    if (const auto v = node["ebgp_multihop"])
        if (auto value = reader.unsigned_integer(v, "ebgp_multihop", 1, 255)) neighbor.ebgp_multihop = static_cast<unsigned>(*value);
    if (const auto v = node["next_hop_self"]) neighbor.next_hop_self = reader.boolean(v, "next_hop_self").value_or(false);
    if (const auto v = node["allowas_in"])
        if (auto value = reader.unsigned_integer(v, "allowas_in", 0, 10)) neighbor.allowas_in = static_cast<unsigned>(*value);
    if (const auto v = node["sender_side_loop_detection"])
        neighbor.sender_side_loop_detection = reader.boolean(v, "sender_side_loop_detection").value_or(false);
    if (const auto v = node["weight"])
        if (auto value = reader.unsigned_integer(v, "weight", 0, 65535)) neighbor.weight = static_cast<std::uint32_t>(*value);
    if (const auto v = node["extended_message"]) neighbor.extended_message = reader.boolean(v, "extended_message").value_or(false);
    if (const auto v = node["families"]) {
        if (!v.IsSequence()) {
            reader.error(v, "families must be a list of ipv4, ipv6");
        } else {
            neighbor.families.clear();
            for (const auto& item : v) {
                auto text = reader.string(item, "family");
                if (text == "ipv4") neighbor.families.push_back({bgp::Afi::ipv4, bgp::Safi::unicast});
                else if (text == "ipv6") neighbor.families.push_back({bgp::Afi::ipv6, bgp::Safi::unicast});
                else if (text) reader.error(item, "family '" + *text + "' is not one of ipv4, ipv6");
            }
        }
    }
    if (const auto v = node["next_hop"]) {
        if (reader.is_map(v, "next_hop")) {
            reader.check_keys(v, {"ipv4", "ipv6"}, "next_hop");
            if (const auto a = v["ipv4"]) {
                neighbor.self_next_hop_v4 = reader.address(a, "next_hop ipv4");
                if (neighbor.self_next_hop_v4 && !neighbor.self_next_hop_v4->is_v4()) reader.error(a, "next_hop ipv4 must be an IPv4 address");
            }
            if (const auto a = v["ipv6"]) {
                neighbor.self_next_hop_v6 = reader.address(a, "next_hop ipv6");
                if (neighbor.self_next_hop_v6 && neighbor.self_next_hop_v6->is_v4()) reader.error(a, "next_hop ipv6 must be an IPv6 address");
            }
        }
    }
    if (complete) speaker.neighbors.push_back(std::move(neighbor));
}

void read_speaker(Reader& reader, const YAML::Node& node, DaemonConfig& config) {
    if (!reader.is_map(node, "speaker")) return;
    reader.check_keys(node,
                      {"name", "asn", "router_id", "listen", "hostname", "neighbors", "networks", "always_compare_med",
                       "prefer_oldest_external", "maximum_paths"},
                      "speaker");
    bgp::SpeakerConfig speaker;
    bool complete = true;
    if (const auto v = node["name"]) speaker.name = reader.string(v, "speaker name").value_or("");
    if (speaker.name.empty()) {
        reader.error(node, "speaker needs a 'name'");
        complete = false;
    }
    if (const auto v = node["asn"]) {
        if (auto value = reader.unsigned_integer(v, "asn", 1, max_asn)) speaker.asn = static_cast<std::uint32_t>(*value);
        else complete = false;
    } else {
        reader.error(node, "speaker '" + speaker.name + "' needs an 'asn'");
        complete = false;
    }
    if (const auto v = node["router_id"]) {
        if (auto value = reader.ipv4_id(v, "router_id")) speaker.router_id = *value;
        else complete = false;
    } else {
        reader.error(node, "speaker '" + speaker.name + "' needs a 'router_id'");
        complete = false;
    }
    if (const auto v = node["listen"]) {
        if (auto value = reader.endpoint(v, "listen", std::nullopt)) speaker.listen = *value;
        else complete = false;
    } else {
        reader.error(node, "speaker '" + speaker.name + "' needs 'listen: ADDRESS:PORT' (its transport socket)");
        complete = false;
    }
    speaker.hostname = node["hostname"] ? reader.string(node["hostname"], "hostname").value_or("") : speaker.name;
    if (const auto v = node["always_compare_med"]) speaker.always_compare_med = reader.boolean(v, "always_compare_med").value_or(false);
    if (const auto v = node["prefer_oldest_external"])
        speaker.prefer_oldest_external = reader.boolean(v, "prefer_oldest_external").value_or(false);
    if (const auto v = node["maximum_paths"])
        if (auto value = reader.unsigned_integer(v, "maximum_paths", 1, 64)) speaker.maximum_paths = static_cast<unsigned>(*value);
    if (const auto list = node["networks"]) {
        if (!list.IsSequence()) reader.error(list, "networks must be a list");
        else
            for (const auto& item : list) read_network(reader, item, speaker);
    }
    if (const auto list = node["neighbors"]) {
        if (!list.IsSequence()) {
            reader.error(list, "neighbors must be a list");
        } else {
            std::map<std::string, YAML::Mark> names;
            std::map<std::string, YAML::Mark> addresses;
            for (const auto& item : list) {
                const auto before = speaker.neighbors.size();
                read_neighbor(reader, item, speaker);
                if (speaker.neighbors.size() == before) continue;
                const auto& added = speaker.neighbors.back();
                if (!names.emplace(added.name, item.Mark()).second)
                    reader.error(item, "duplicate neighbor name '" + added.name + "' in speaker '" + speaker.name + "'");
                // Peers are told apart by their address (as FRR and BIRD do).
                if (!addresses.emplace(added.remote.address.to_string(), item.Mark()).second)
                    reader.error(item, "two neighbors of speaker '" + speaker.name + "' have address " +
                                           added.remote.address.to_string());
            }
        }
    }
    if (complete) config.speakers.push_back(std::move(speaker));
}

}  // namespace

LoadedConfig parse_config(const std::string& yaml_text, const std::string& file) {
    LoadedConfig loaded;
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        loaded.errors.push_back({file, static_cast<unsigned>(e.mark.line + 1), static_cast<unsigned>(e.mark.column + 1),
                                 "YAML syntax: " + e.msg});
        return loaded;
    }
    Reader reader(file);
    if (!root || root.IsNull()) {
        loaded.errors.push_back({file, 0, 0, "the file is empty (expected a mapping with 'speakers')"});
        return loaded;
    }
    if (!reader.is_map(root, "the top level")) {
        loaded.errors = reader.take_errors();
        return loaded;
    }
    reader.check_keys(root, {"speakers"}, "the top level");
    const auto speakers = root["speakers"];
    if (!speakers) {
        reader.error(root, "missing 'speakers' (a list of speakers)");
    } else if (!speakers.IsSequence()) {
        reader.error(speakers, "'speakers' must be a list");
    } else {
        std::map<std::string, YAML::Mark> names;
        std::map<std::string, std::string> listeners;
        for (const auto& item : speakers) {
            const auto before = loaded.config.speakers.size();
            read_speaker(reader, item, loaded.config);
            if (loaded.config.speakers.size() == before) continue;
            const auto& added = loaded.config.speakers.back();
            if (!names.emplace(added.name, item.Mark()).second)
                reader.error(item, "duplicate speaker name '" + added.name + "'");
            const auto listen = added.listen.address.to_string() + ":" + std::to_string(added.listen.port);
            if (auto [it, inserted] = listeners.emplace(listen, added.name); !inserted)
                reader.error(item["listen"], "speakers '" + it->second + "' and '" + added.name + "' both listen on " + listen);
        }
    }
    loaded.errors = reader.take_errors();
    return loaded;
}

LoadedConfig load_config_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        LoadedConfig loaded;
        loaded.errors.push_back({path, 0, 0, "cannot open the file"});
        return loaded;
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), path);
}

}  // namespace bgpemu::daemon
