#include "daemon/import/design_tree.hpp"

#include <algorithm>
#include <optional>

namespace bgpemu::daemon::import {

void DesignTree::comment(const YAML::Node& node, std::string text) { comments.emplace_back(node, std::move(text)); }

std::vector<std::string> DesignTree::comments_of(const YAML::Node& node) const {
    std::vector<std::string> out;
    for (const auto& [n, text] : comments)
        if (n.is(node)) out.push_back(text);
    return out;
}

YAML::Node DesignTree::find(const char* list, const char* key, const std::string& value) const {
    if (const auto items = root[list]; items && items.IsSequence())
        for (const auto& item : items)
            if (item.IsMap() && item[key] && item[key].IsScalar() && item[key].Scalar() == value) return item;
    return YAML::Node(YAML::NodeType::Undefined);
}

// ---- the text ----
namespace {

constexpr std::size_t line_width = 110;

std::string scalar_text(const YAML::Node& node) {
    const auto& s = node.Scalar();
    const bool plain = !s.empty() && s.front() != '-' && s != "null" && s != "~" &&
                       std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '/' || c == '-'; });
    if (plain) return s;
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') out += "\\n";
        else out += c;
    }
    return out + "\"";
}

class Writer {
public:
    explicit Writer(const DesignTree& tree) : tree_(tree) {}

    void top(const std::string& key, const YAML::Node& value) {
        if (!out_.empty()) out_ += "\n";
        entry(key + ": ", value, 0);
    }
    std::string take() { return std::move(out_); }

private:
    bool flowable(const YAML::Node& node) const {
        if (!tree_.comments_of(node).empty() && !node.IsScalar()) return false;
        if (node.IsScalar() || node.IsNull()) return true;
        for (const auto& item : node) {
            const auto& value = node.IsMap() ? item.second : item;
            if (!tree_.comments_of(value).empty() || !flowable(value)) return false;
        }
        return true;
    }
    std::string flow(const YAML::Node& node) const {
        if (node.IsNull()) return "null";
        if (node.IsScalar()) return scalar_text(node);
        std::string out = node.IsMap() ? "{" : "[";
        for (const auto& item : node) {
            if (out.size() > 1) out += ", ";
            out += node.IsMap() ? item.first.Scalar() + ": " + flow(item.second) : flow(item);
        }
        return out + (node.IsMap() ? "}" : "]");
    }
    void comments(const YAML::Node& node, std::size_t indent) {
        for (const auto& text : tree_.comments_of(node)) out_ += std::string(indent, ' ') + "# " + text + "\n";
    }
    void entry(const std::string& lead, const YAML::Node& node, std::size_t indent) {
        comments(node, indent);
        if (flowable(node)) {
            const auto text = flow(node);
            if (indent + lead.size() + text.size() <= line_width || node.IsScalar()) {
                out_ += std::string(indent, ' ') + lead + text + "\n";
                return;
            }
        }
        if (node.IsMap() && lead == "- ") {
            // The map's first key on the dash's line.
            Writer inner(tree_);
            for (const auto& item : node) inner.entry(item.first.Scalar() + ": ", item.second, indent + 2);
            auto text = inner.take();
            std::size_t first = 0;
            while (text.compare(first + indent + 2, 1, "#") == 0) first = text.find('\n', first) + 1;
            text.replace(first, indent + 2, std::string(indent, ' ') + "- ");
            out_ += text;
            return;
        }
        out_ += std::string(indent, ' ') + lead.substr(0, lead.size() - 1) + "\n";
        for (const auto& item : node) {
            if (node.IsMap()) entry(item.first.Scalar() + ": ", item.second, indent + 2);
            else entry("- ", item, indent + 2);
        }
    }

    const DesignTree& tree_;
    std::string out_;
};

}  // namespace

std::string design_text(const DesignTree& tree, const std::vector<std::string>& header) {
    std::string out;
    for (const auto& line : header) out += line.empty() ? "#\n" : "# " + line + "\n";
    Writer writer(tree);
    for (const auto& item : tree.root) writer.top(item.first.Scalar(), item.second);
    return out + (out.empty() ? "" : "\n") + writer.take();
}

// ---- the overlay ----
namespace {

std::string scalar_of(const YAML::Node& map, const char* key) {
    return map.IsMap() && map[key] && map[key].IsScalar() ? map[key].Scalar() : std::string();
}

// Merges `from` over `into`: maps key by key, anything else replaced. Returns the keys set.
std::vector<std::string> merge_map(YAML::Node into, const YAML::Node& from) {
    std::vector<std::string> set;
    for (const auto& item : from) {
        const auto key = item.first.Scalar();
        if (into[key] && into[key].IsMap() && item.second.IsMap()) merge_map(into[key], item.second);
        else into[key] = YAML::Clone(item.second);
        set.push_back(key);
    }
    return set;
}

std::string listed(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

// A CE's circuit link as "er1/primary", for matching.
std::string link_key(const YAML::Node& link) {
    const auto which = scalar_of(link, "link");
    return scalar_of(link, "circuit") + "/" + (which.empty() ? "primary" : which);
}
std::vector<std::string> links_of(const YAML::Node& ce) {
    std::vector<std::string> out;
    if (const auto er = ce["expressroute"]; er && er.IsSequence())
        for (const auto& link : er) out.push_back(link_key(link));
    return out;
}

class OverlayMerge {
public:
    OverlayMerge(DesignTree& tree, const std::string& file, Diagnostics& d) : tree_(tree), file_(file), d_(d) {}

    void run(const YAML::Node& overlay) {
        if (!overlay.IsMap()) return error(overlay, "an overlay is a design-file fragment: a map of sections (vnets, sites, ...)");
        for (const auto& item : overlay) {
            const auto key = item.first.Scalar();
            if (key == "sites") sites(item.second);
            else if (key == "vnets" || key == "circuits" || key == "connections") by_name(key, item.second);
            else if (key == "transport" && tree_.root[key] && item.second.IsMap()) {
                merge_map(tree_.root[key], item.second);
                tree_.comment(tree_.root[key], "set by the overlay");
            } else {
                tree_.root[key] = YAML::Clone(item.second);
                tree_.comment(tree_.root[key], "from the overlay");
            }
        }
    }

private:
    void error(const YAML::Node& at, const std::string& message) {
        const auto mark = at.Mark();
        d_.file_error(file_, "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) + ": " + message);
    }
    bool is_list_of_named(const YAML::Node& list, const std::string& what) {
        if (!list.IsSequence()) {
            error(list, what + " is a list");
            return false;
        }
        for (const auto& item : list)
            if (scalar_of(item, "name").empty() && !(what == "sites" && item.IsMap() && item["asn"])) {
                error(item, "each of " + what + " needs a 'name'" + (what == "sites" ? " or an 'asn'" : ""));
                return false;
            }
        return true;
    }
    YAML::Node list(const std::string& key) {
        if (!tree_.root[key]) tree_.root[key] = YAML::Node(YAML::NodeType::Sequence);
        return tree_.root[key];
    }
    void merged(YAML::Node node, const std::vector<std::string>& keys) { tree_.comment(node, "the overlay set: " + listed(keys)); }

    void by_name(const std::string& key, const YAML::Node& items) {
        if (!is_list_of_named(items, key)) return;
        for (const auto& item : items) {
            if (auto existing = tree_.find(key.c_str(), "name", scalar_of(item, "name"))) {
                merged(existing, merge_map(existing, item));
            } else {
                list(key).push_back(YAML::Clone(item));
                tree_.comment(list(key)[list(key).size() - 1], "added by the overlay");
            }
        }
    }

    void sites(const YAML::Node& items) {
        if (!is_list_of_named(items, "sites")) return;
        auto derived = list("sites");
        // The CEs Azure's resources gave, before the overlay takes any.
        std::vector<YAML::Node> derived_ces;
        for (const auto& site : derived)
            if (site["ces"] && site["ces"].IsSequence())
                for (const auto& ce : site["ces"]) derived_ces.push_back(ce);
        std::vector<YAML::Node> taken;
        for (const auto& site : items) {
            std::optional<YAML::Node> found;
            for (YAML::Node s : derived)
                if ((!scalar_of(site, "name").empty() && scalar_of(s, "name") == scalar_of(site, "name")) ||
                    (!scalar_of(site, "asn").empty() && scalar_of(s, "asn") == scalar_of(site, "asn")))
                    found = s;
            const bool added = !found;
            if (added) {
                derived.push_back(YAML::Node(YAML::NodeType::Map));
                found = derived[derived.size() - 1];
            }
            auto target = *found;
            YAML::Node rest(YAML::NodeType::Map);
            for (const auto& item : site)
                if (item.first.Scalar() != "ces") rest[item.first.Scalar()] = item.second;
            const auto keys = merge_map(target, rest);
            if (added) tree_.comment(target, "added by the overlay");
            else if (!keys.empty()) merged(target, keys);
            if (const auto ces = site["ces"]) {
                if (!is_list_of_named(ces, "ces")) continue;
                for (const auto& ce : ces) take_ce(target, ce, derived_ces, taken);
            }
        }
        // Sites the overlay emptied of CEs are gone; the CEs it took are in their new site.
        YAML::Node kept(YAML::NodeType::Sequence);
        for (auto site : derived) {
            if (site["ces"] && site["ces"].IsSequence()) {
                YAML::Node ces(YAML::NodeType::Sequence);
                for (const auto& ce : site["ces"])
                    if (std::none_of(taken.begin(), taken.end(), [&](const YAML::Node& t) { return t.is(ce); })) ces.push_back(ce);
                if (ces.size() == 0) continue;
                site["ces"] = ces;
            }
            kept.push_back(site);
        }
        tree_.root["sites"] = kept;
    }

    // The overlay's CE `ce`, made of the derived CEs it matches, into site `target`.
    void take_ce(YAML::Node target, const YAML::Node& ce, const std::vector<YAML::Node>& derived_ces, std::vector<YAML::Node>& taken) {
        const auto name = scalar_of(ce, "name");
        const auto links = links_of(ce);
        YAML::Node result(YAML::NodeType::Map);
        result["name"] = name;
        std::vector<std::string> merged_names;
        for (const auto& d : derived_ces) {
            if (std::any_of(taken.begin(), taken.end(), [&](const YAML::Node& t) { return t.is(d); })) continue;
            const auto their_links = links_of(d);
            const bool same_link = std::any_of(their_links.begin(), their_links.end(),
                                               [&](const std::string& l) { return std::find(links.begin(), links.end(), l) != links.end(); });
            const bool same_peer = !scalar_of(ce, "bgp_peering_address").empty() &&
                                   scalar_of(ce, "bgp_peering_address") == scalar_of(d, "bgp_peering_address");
            if (scalar_of(d, "name") != name && !same_link && !same_peer) continue;
            taken.push_back(d);
            merged_names.push_back(scalar_of(d, "name"));
            for (const auto& item : d) {
                const auto key = item.first.Scalar();
                if (key == "name") continue;
                if (key == "expressroute" && result[key]) {
                    for (const auto& link : item.second) result[key].push_back(link);
                } else if (!result[key]) {
                    result[key] = item.second;
                }
            }
            rename_ce(scalar_of(d, "name"), name);
        }
        std::vector<std::string> keys;
        for (const auto& item : ce) {
            const auto key = item.first.Scalar();
            if (key == "name") continue;
            keys.push_back(key);
            if (key != "expressroute" || !result[key]) {
                result[key] = YAML::Clone(item.second);
                continue;
            }
            for (const auto& link : item.second) {
                bool found = false;
                for (auto mine : result[key])
                    if (link_key(mine) == link_key(link)) {
                        merge_map(mine, link);
                        found = true;
                    }
                if (!found) result[key].push_back(YAML::Clone(link));
            }
        }
        if (!target["ces"]) target["ces"] = YAML::Node(YAML::NodeType::Sequence);
        target["ces"].push_back(result);
        const auto added = target["ces"][target["ces"].size() - 1];
        if (merged_names.empty()) tree_.comment(added, "added by the overlay");
        else
            tree_.comment(added, "the overlay's CE, made of the derived " + listed(merged_names) +
                                     (keys.empty() ? std::string() : "; the overlay set: " + listed(keys)));
    }

    void rename_ce(const std::string& from, const std::string& to) {
        if (from == to) return;
        if (const auto connections = tree_.root["connections"]; connections && connections.IsSequence())
            for (auto c : connections)
                if (scalar_of(c, "ce") == from) c["ce"] = to;
    }

    DesignTree& tree_;
    const std::string& file_;
    Diagnostics& d_;
};

}  // namespace

void merge_overlay(DesignTree& tree, const YAML::Node& overlay, const std::string& file, Diagnostics& d) {
    OverlayMerge(tree, file, d).run(overlay);
}

}  // namespace bgpemu::daemon::import
