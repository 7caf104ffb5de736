#include "daemon/design/topology_file.hpp"

#include <fstream>
#include <sstream>

#include "daemon/design/compile.hpp"
#include "daemon/design/design.hpp"
#include "daemon/design/router_configs.hpp"

namespace bgpemu::daemon::design {

namespace {

// The top-level keys of a design: its own, then the router-level sections it may mix in.
constexpr std::string_view design_keys[] = {"transport", "vnets", "circuits", "connections", "global_reach", "sites",
                                       "daemon", "policy", "mrt", "bmp", "route_tables", "speakers", "routers", "hosts", "externals", "links"};

struct Compiled {
    Design source;
    CompiledDesign design;
    std::vector<ConfigError> errors;
    bool is_design = false;
    YAML::Node root;
};

Compiled compile_text(const std::string& yaml_text, const std::string& file) {
    Compiled out;
    try {
        out.root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        out.errors.push_back({file, static_cast<unsigned>(e.mark.line + 1), static_cast<unsigned>(e.mark.column + 1),
                              "YAML syntax: " + e.msg});
        return out;
    }
    out.is_design = is_design(out.root);
    if (!out.is_design) return out;
    detail::Reader reader(file);
    reader.refuse_unknown_keys(out.root, design_keys, "the top level of a design");
    out.source = read_design(reader, out.root, file);
    if (reader.error_count() == 0) out.design = compile_design(reader, out.source, out.root);
    out.errors = reader.take_errors();
    return out;
}

}  // namespace

std::string read_file_text(const std::string& path, std::vector<ConfigError>& errors) {
    std::ifstream in(path);
    if (!in) {
        errors.push_back({path, 0, 0, "cannot open the file"});
        return {};
    }
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

LoadedConfig parse_topology(const std::string& yaml_text, const std::string& file) {
    auto compiled = compile_text(yaml_text, file);
    if (!compiled.errors.empty()) {
        LoadedConfig loaded;
        loaded.errors = std::move(compiled.errors);
        return loaded;
    }
    if (!compiled.is_design) return parse_config(yaml_text, file);
    auto loaded = parse_config(compiled.design.root, file);
    // An error in a compiled node has no position of its own: it is reported where the
    // design wrote the first node it names (or, naming none, at the top of the file).
    for (auto& error : loaded.errors) {
        if (error.line != 0) continue;
        error.line = 1;
        error.column = 1;
        auto first = std::string::npos;
        for (const auto& [name, mark] : compiled.design.origins) {
            const auto at = error.message.find("'" + name + "'");
            if (at >= first) continue;
            first = at;
            error.line = static_cast<unsigned>(mark.line + 1);
            error.column = static_cast<unsigned>(mark.column + 1);
        }
        error.message = "in what the design compiles to: " + error.message;
    }
    return loaded;
}

LoadedConfig load_topology_file(const std::string& path) {
    LoadedConfig loaded;
    const auto text = read_file_text(path, loaded.errors);
    if (!loaded.errors.empty()) return loaded;
    return parse_topology(text, path);
}

namespace {

// A file read, compiled and loaded as a whole: what is printed from a design (its
// router-level form, a router's configuration) comes only from one that loads.
struct Checked {
    std::string text;
    Compiled compiled;
    std::vector<ConfigError> errors;
};

Checked checked(const std::string& path) {
    Checked out;
    out.text = read_file_text(path, out.errors);
    if (!out.errors.empty()) return out;
    out.compiled = compile_text(out.text, path);
    out.errors = std::move(out.compiled.errors);
    if (out.errors.empty() && out.compiled.is_design) out.errors = parse_topology(out.text, path).errors;
    return out;
}

}  // namespace

Expanded expand_topology_file(const std::string& path) {
    auto file = checked(path);
    Expanded out{{}, std::move(file.errors)};
    if (!out.errors.empty()) return out;
    if (!file.compiled.is_design) {
        out.text = std::move(file.text);
        return out;
    }
    // One top-level section at a time, a blank line between them.
    out.text = "# The router-level form of " + path + ", as bgpemud --expand compiled it.\n";
    for (const auto& section : file.compiled.design.root) {
        YAML::Emitter emitter;
        emitter.SetIndent(2);
        emitter << YAML::BeginMap << YAML::Key << section.first << YAML::Value << section.second << YAML::EndMap;
        out.text += "\n" + std::string(emitter.c_str()) + "\n";
    }
    return out;
}

Expanded router_config_file(const std::string& path, const std::string& node, bool bird) {
    auto file = checked(path);
    Expanded out{{}, std::move(file.errors)};
    if (!out.errors.empty()) return out;
    if (!file.compiled.is_design) {
        out.errors.push_back({path, 0, 0, "not a design: router configurations are written from a design's CEs"});
        return out;
    }
    auto config = router_config(file.compiled.source, file.compiled.design, node,
                                bird ? RouterSoftware::bird : RouterSoftware::frr, path);
    if (!config.error.empty()) out.errors.push_back({path, 0, 0, config.error});
    out.text = std::move(config.text);
    return out;
}

}  // namespace bgpemu::daemon::design
