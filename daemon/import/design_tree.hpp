// The design an import builds: a YAML tree in the design file's keys, with the comments
// its text carries (what was derived, what the overlay set). Shared by the steps of
// azure_import.cpp: derive from the resources, merge the overlay, write the text.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "daemon/import/azure_resources.hpp"

namespace bgpemu::daemon::import {

struct DesignTree {
    YAML::Node root{YAML::NodeType::Map};
    std::vector<std::pair<YAML::Node, std::string>> comments;

    // Adds a comment line above `node` in the text.
    void comment(const YAML::Node& node, std::string text);
    [[nodiscard]] std::vector<std::string> comments_of(const YAML::Node& node) const;
    // The item of `root[list]` whose `key` is `value`, or an undefined node.
    [[nodiscard]] YAML::Node find(const char* list, const char* key, const std::string& value) const;
};

// The design's text: `header` as comment lines, then the tree, short maps and lists in
// flow style as a hand-written design has them.
[[nodiscard]] std::string design_text(const DesignTree& tree, const std::vector<std::string>& header);

// Merges the overlay (a design-file fragment, `file` for its errors) into the derived
// design: sites match by name or ASN, CEs by name, by the circuit links they name, or
// by their bgp_peering_address (so one CE can take the parts Azure shows as several);
// VNets, circuits and connections by name; other keys are the overlay's. Each merge is
// noted in the comments.
void merge_overlay(DesignTree& tree, const YAML::Node& overlay, const std::string& file, Diagnostics& d);

}  // namespace bgpemu::daemon::import
