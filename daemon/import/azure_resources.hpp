// Azure Resource Manager JSON as `az` and the REST API return it, read into resources
// that join by id. Two shapes are one here: the REST shape (`properties: {...}`, also
// `az resource show` and Resource Graph) and the flattened shape of the
// `az network ...` commands (the same properties at the top level): a field is looked
// up on the object first, then in its `properties`. Property names, types and ids
// compare case-insensitively, as ARM's do. Every value keeps its file and JSON path,
// so that an error can name both.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bgpemu::daemon::import {

struct Resource;

// One problem of the input: the file, the JSON path, the resource it belongs to.
struct ImportError {
    std::string file;
    std::string path;      // "$.value[2].properties.peerings[0]"; empty: the file as a whole
    std::string resource;  // "Microsoft.Network/expressRouteCircuits 'er1'"; empty: none
    std::string message;
    [[nodiscard]] std::string to_string() const;
};

class Diagnostics;

// A JSON value and where it is. An absent field is a Field too (present() false), so
// that a chain of lookups needs no checks between its steps.
class Field {
public:
    Field() = default;
    Field(const boost::json::value* value, std::string path, const Resource* resource)
        : value_(value), path_(std::move(path)), resource_(resource) {}

    [[nodiscard]] bool present() const { return value_ != nullptr && !value_->is_null(); }
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] const Resource* resource() const { return resource_; }

    // The member `name` of this object, or of its `properties`.
    [[nodiscard]] Field operator[](std::string_view name) const;
    // The elements of an array (an error when present and not one).
    [[nodiscard]] std::vector<Field> items(Diagnostics& d) const;

    [[nodiscard]] std::optional<std::string> string(Diagnostics& d) const;
    [[nodiscard]] std::optional<std::int64_t> integer(Diagnostics& d, std::int64_t min, std::int64_t max) const;
    [[nodiscard]] std::optional<bool> boolean(Diagnostics& d) const;
    // A string field or a list of strings: one element each (Azure writes both, as
    // "a,b" too: bgpPeeringAddress of an active-active gateway).
    [[nodiscard]] std::vector<std::string> strings(Diagnostics& d) const;

private:
    const boost::json::value* value_ = nullptr;
    std::string path_;
    const Resource* resource_ = nullptr;
};

struct Resource {
    std::string file;
    std::string type;  // as written; compare with is()
    std::string id;    // as written; a template's resources get "/providers/TYPE/NAME"
    std::string name;
    bool from_template = false;
    Field body;
    [[nodiscard]] bool is(std::string_view azure_type) const;
    [[nodiscard]] std::string label() const { return type + " '" + name + "'"; }
};

class Diagnostics {
public:
    void error(const Field& at, std::string message);
    void file_error(const std::string& file, std::string message) { errors_.push_back({file, "", "", std::move(message)}); }
    void note(std::string text) { notes_.push_back(std::move(text)); }
    [[nodiscard]] const std::vector<ImportError>& errors() const { return errors_; }
    [[nodiscard]] const std::vector<std::string>& notes() const { return notes_; }

private:
    std::vector<ImportError> errors_;
    std::vector<std::string> notes_;
};

// ASCII case-folded, the comparison ARM uses for ids, types and property names.
[[nodiscard]] std::string folded(std::string_view text);

// Every resource of the files read, in the order read; ids resolve to them.
class Resources {
public:
    // Reads one file: a resource, an array of them, a list reply (`value`), a Resource
    // Graph reply (`data`) or an ARM template (`resources`, child resources nested).
    void read_file(const std::string& path, Diagnostics& d);
    void read_text(const std::string& text, const std::string& file, Diagnostics& d);

    [[nodiscard]] const std::vector<std::unique_ptr<Resource>>& all() const { return resources_; }
    // The resource an id names: by the whole id, or else (a template's literal ids)
    // by its part from "/providers/" on when one resource alone has it.
    [[nodiscard]] const Resource* find(std::string_view id) const;
    // The resource of `type` `reference` names (`{"id": ...}`), reported when absent.
    [[nodiscard]] const Resource* resolve(const Field& reference, std::string_view type, Diagnostics& d) const;
    // Reports `id` (of `type`, written at `at`) as absent from the input.
    void missing(const Field& at, std::string_view type, const std::string& id, Diagnostics& d) const;
    // Standalone child resources (`.../virtualNetworkPeerings/x` listed on their own)
    // by the id of their parent.
    [[nodiscard]] std::vector<const Resource*> children(const Resource& parent, std::string_view child_type) const;

private:
    struct TemplateParent {
        std::string type;
        std::string name;  // "hub", or "hub/child" for a grandchild
    };
    void add(const boost::json::value& value, const std::string& path, const std::string& file, Diagnostics& d,
             const TemplateParent* within);
    std::vector<std::unique_ptr<boost::json::value>> documents_;
    std::vector<std::unique_ptr<Resource>> resources_;
    std::map<std::string, const Resource*> by_id_;                  // folded id
    std::map<std::string, std::vector<const Resource*>> by_tail_;   // folded id from "/providers/"
};

// The parent of an id: ".../virtualNetworks/hub/subnets/default" -> ".../virtualNetworks/hub".
[[nodiscard]] std::string parent_id(std::string_view id);

}  // namespace bgpemu::daemon::import
