#include "json_schema.hpp"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace bgpemu::test {

namespace json = boost::json;

namespace {

// Keywords that only describe: never checked, never an error.
const std::set<std::string_view> annotations = {"$schema", "$id",     "title",   "description", "$comment",
                                                "examples", "default", "$defs",   "definitions"};
// Keywords this validator checks.
const std::set<std::string_view> checked = {"$ref",     "type",     "enum",     "const",                "minimum",
                                            "maximum",  "properties", "required", "additionalProperties", "items",
                                            "minItems", "maxItems", "oneOf",    "anyOf",                "allOf",
                                            "not"};

constexpr int max_ref_depth = 64;

bool is_integer(const json::value& v) {
    if (v.is_int64() || v.is_uint64()) return true;
    if (!v.is_double()) return false;
    const double d = v.get_double();
    return std::isfinite(d) && std::trunc(d) == d;
}

std::string kind_of(const json::value& v) {
    switch (v.kind()) {
        case json::kind::null: return "null";
        case json::kind::bool_: return "boolean";
        case json::kind::int64:
        case json::kind::uint64: return "integer";
        case json::kind::double_: return is_integer(v) ? "integer (written as a number)" : "number";
        case json::kind::string: return "string";
        case json::kind::array: return "array";
        case json::kind::object: return "object";
    }
    return "?";
}

bool has_type(const json::value& v, std::string_view name) {
    if (name == "null") return v.is_null();
    if (name == "boolean") return v.is_bool();
    if (name == "integer") return is_integer(v);
    if (name == "number") return v.is_number();
    if (name == "string") return v.is_string();
    if (name == "array") return v.is_array();
    if (name == "object") return v.is_object();
    return false;
}

bool known_type(std::string_view name) {
    return name == "null" || name == "boolean" || name == "integer" || name == "number" || name == "string" ||
           name == "array" || name == "object";
}

double number_of(const json::value& v) {
    if (v.is_int64()) return static_cast<double>(v.get_int64());
    if (v.is_uint64()) return static_cast<double>(v.get_uint64());
    return v.get_double();
}

std::string member_path(const std::string& path, std::string_view key) {
    bool plain = !key.empty();
    for (const char c : key)
        plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '$');
    return plain ? path + "." + std::string(key) : path + "[" + json::serialize(json::value(key)) + "]";
}

std::string element_path(const std::string& path, std::size_t index) { return path + "[" + std::to_string(index) + "]"; }

// "~1" is '/', "~0" is '~' (RFC 6901).
std::string unescape_pointer_token(std::string_view token) {
    std::string out;
    for (std::size_t i = 0; i < token.size(); ++i) {
        if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
            out += token[i + 1] == '0' ? '~' : '/';
            ++i;
        } else {
            out += token[i];
        }
    }
    return out;
}

class Validator {
public:
    explicit Validator(const json::value& root) : root_(root) {}

    void check(const json::value& schema, const json::value& instance, const std::string& path,
               std::vector<SchemaViolation>& out, int depth) const {
        if (depth > max_ref_depth) {
            out.push_back({path, "schema: $ref nested deeper than " + std::to_string(max_ref_depth) + " (a cycle?)"});
            return;
        }
        if (schema.is_bool()) {
            if (!schema.get_bool()) out.push_back({path, "no value is allowed here (schema false)"});
            return;
        }
        if (!schema.is_object()) {
            out.push_back({path, "schema: a schema must be an object or a boolean"});
            return;
        }
        const auto& s = schema.get_object();
        for (const auto& member : s) {
            const std::string_view key = member.key();
            if (!checked.count(key) && !annotations.count(key))
                out.push_back({path, "schema: keyword \"" + std::string(key) + "\" is not supported by this validator"});
        }
        if (const auto* ref = s.if_contains("$ref")) check_ref(*ref, instance, path, out, depth);
        if (const auto* type = s.if_contains("type")) check_type(*type, instance, path, out);
        if (const auto* list = s.if_contains("enum")) {
            if (!list->is_array()) {
                out.push_back({path, "schema: enum must be a list"});
            } else {
                bool found = false;
                for (const auto& candidate : list->get_array()) found = found || json_equal(candidate, instance);
                if (!found)
                    out.push_back({path, "value " + json::serialize(instance) + " is not one of " + json::serialize(*list)});
            }
        }
        if (const auto* value = s.if_contains("const"); value && !json_equal(*value, instance))
            out.push_back({path, "value " + json::serialize(instance) + " is not the constant " + json::serialize(*value)});
        if (const auto* minimum = s.if_contains("minimum"); minimum && instance.is_number()) {
            if (!minimum->is_number()) out.push_back({path, "schema: minimum must be a number"});
            else if (number_of(instance) < number_of(*minimum))
                out.push_back({path, json::serialize(instance) + " is less than the minimum " + json::serialize(*minimum)});
        }
        if (const auto* maximum = s.if_contains("maximum"); maximum && instance.is_number()) {
            if (!maximum->is_number()) out.push_back({path, "schema: maximum must be a number"});
            else if (number_of(instance) > number_of(*maximum))
                out.push_back({path, json::serialize(instance) + " is more than the maximum " + json::serialize(*maximum)});
        }
        if (instance.is_object()) check_object(s, instance.get_object(), path, out, depth);
        if (instance.is_array()) check_array(s, instance.get_array(), path, out, depth);
        check_combinations(s, instance, path, out, depth);
    }

private:
    const json::value& root_;

    void check_ref(const json::value& ref, const json::value& instance, const std::string& path,
                   std::vector<SchemaViolation>& out, int depth) const {
        if (!ref.is_string() || !ref.get_string().starts_with("#")) {
            out.push_back({path, "schema: $ref must be a pointer into the same document (\"#/$defs/...\")"});
            return;
        }
        const std::string_view pointer = std::string_view(ref.get_string()).substr(1);
        const json::value* target = &root_;
        std::size_t at = 0;
        while (target != nullptr && at < pointer.size()) {
            if (pointer[at] != '/') {
                target = nullptr;
                break;
            }
            const auto next = pointer.find('/', at + 1);
            const auto token = unescape_pointer_token(pointer.substr(at + 1, next == std::string_view::npos ? next : next - at - 1));
            if (target->is_object()) {
                target = target->get_object().if_contains(token);
            } else if (target->is_array()) {
                std::size_t index = 0;
                try {
                    index = std::stoul(token);
                } catch (const std::exception&) {
                    index = target->get_array().size();
                }
                target = index < target->get_array().size() ? &target->get_array()[index] : nullptr;
            } else {
                target = nullptr;
            }
            at = next == std::string_view::npos ? pointer.size() : next;
        }
        if (target == nullptr) {
            out.push_back({path, "schema: $ref " + std::string(ref.get_string()) + " points nowhere"});
            return;
        }
        check(*target, instance, path, out, depth + 1);
    }

    static void check_type(const json::value& type, const json::value& instance, const std::string& path,
                           std::vector<SchemaViolation>& out) {
        std::vector<std::string_view> names;
        if (type.is_string()) names.push_back(type.get_string());
        else if (type.is_array())
            for (const auto& name : type.get_array())
                if (name.is_string()) names.push_back(name.get_string());
        if (names.empty() || (type.is_array() && names.size() != type.get_array().size())) {
            out.push_back({path, "schema: type must be a type name or a list of them"});
            return;
        }
        bool matched = false;
        for (const auto name : names) {
            if (!known_type(name)) out.push_back({path, "schema: unknown type \"" + std::string(name) + "\""});
            matched = matched || has_type(instance, name);
        }
        if (!matched) out.push_back({path, "expected " + json::serialize(type) + ", got " + kind_of(instance)});
    }

    void check_object(const json::object& s, const json::object& instance, const std::string& path,
                      std::vector<SchemaViolation>& out, int depth) const {
        const json::object* properties = nullptr;
        if (const auto* p = s.if_contains("properties")) {
            if (p->is_object()) properties = &p->get_object();
            else out.push_back({path, "schema: properties must be an object"});
        }
        if (const auto* required = s.if_contains("required")) {
            if (!required->is_array()) {
                out.push_back({path, "schema: required must be a list"});
            } else {
                for (const auto& key : required->get_array()) {
                    if (!key.is_string()) out.push_back({path, "schema: required must list strings"});
                    else if (!instance.contains(key.get_string()))
                        out.push_back({path, "required key \"" + std::string(key.get_string()) + "\" is missing"});
                }
            }
        }
        const json::value* additional = s.if_contains("additionalProperties");
        for (const auto& member : instance) {
            const auto child = member_path(path, member.key());
            if (properties != nullptr) {
                if (const auto* property = properties->if_contains(member.key())) {
                    check(*property, member.value(), child, out, depth);
                    continue;
                }
            }
            if (additional == nullptr) continue;
            if (additional->is_bool() && !additional->get_bool())
                out.push_back({child, "key \"" + std::string(member.key()) + "\" is not allowed here"});
            else check(*additional, member.value(), child, out, depth);
        }
    }

    void check_array(const json::object& s, const json::array& instance, const std::string& path,
                     std::vector<SchemaViolation>& out, int depth) const {
        if (const auto* items = s.if_contains("items")) {
            if (items->is_array()) out.push_back({path, "schema: items must be one schema (the tuple form is not supported)"});
            else
                for (std::size_t i = 0; i < instance.size(); ++i) check(*items, instance[i], element_path(path, i), out, depth);
        }
        for (const auto* keyword : {"minItems", "maxItems"}) {
            const auto* bound = s.if_contains(keyword);
            if (bound == nullptr) continue;
            if (!is_integer(*bound)) {
                out.push_back({path, std::string("schema: ") + keyword + " must be a whole number"});
                continue;
            }
            const auto limit = static_cast<std::size_t>(number_of(*bound));
            const bool minimum = std::string_view(keyword) == "minItems";
            if (minimum ? instance.size() < limit : instance.size() > limit)
                out.push_back({path, std::to_string(instance.size()) + " items, " + (minimum ? "at least " : "at most ") +
                                         std::to_string(limit) + " allowed"});
        }
    }

    void check_combinations(const json::object& s, const json::value& instance, const std::string& path,
                            std::vector<SchemaViolation>& out, int depth) const {
        for (const auto* keyword : {"oneOf", "anyOf", "allOf"}) {
            const auto* list = s.if_contains(keyword);
            if (list == nullptr) continue;
            if (!list->is_array() || list->get_array().empty()) {
                out.push_back({path, std::string("schema: ") + keyword + " must be a non-empty list"});
                continue;
            }
            const auto& alternatives = list->get_array();
            std::vector<std::vector<SchemaViolation>> results(alternatives.size());
            std::vector<std::size_t> matching;
            for (std::size_t i = 0; i < alternatives.size(); ++i) {
                check(alternatives[i], instance, path, results[i], depth);
                if (results[i].empty()) matching.push_back(i);
            }
            const std::string name(keyword);
            if (name == "allOf") {
                for (auto& r : results) out.insert(out.end(), r.begin(), r.end());
            } else if (matching.empty()) {
                // The alternative that came closest explains best what is wrong.
                std::size_t closest = 0;
                for (std::size_t i = 1; i < results.size(); ++i)
                    if (results[i].size() < results[closest].size()) closest = i;
                out.push_back({path, "matches none of the " + std::to_string(alternatives.size()) + " alternatives of " +
                                         name + "; the closest, #" + std::to_string(closest) + ", says:"});
                out.insert(out.end(), results[closest].begin(), results[closest].end());
            } else if (name == "oneOf" && matching.size() > 1) {
                out.push_back({path, "matches alternatives #" + std::to_string(matching[0]) + " and #" +
                                         std::to_string(matching[1]) + " of oneOf; exactly one must match"});
            }
        }
        if (const auto* negated = s.if_contains("not")) {
            std::vector<SchemaViolation> ignored;
            check(*negated, instance, path, ignored, depth);
            if (ignored.empty()) out.push_back({path, "value " + json::serialize(instance) + " matches the schema of \"not\""});
        }
    }
};

}  // namespace

bool json_equal(const json::value& a, const json::value& b) {
    if (a.is_number() && b.is_number()) {
        if (a.is_double() || b.is_double()) return number_of(a) == number_of(b);
        if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
        if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
        const auto& i = a.is_int64() ? a : b;
        const auto& u = a.is_int64() ? b : a;
        return i.get_int64() >= 0 && static_cast<std::uint64_t>(i.get_int64()) == u.get_uint64();
    }
    if (a.kind() != b.kind()) return false;
    if (a.is_array()) {
        const auto& x = a.get_array();
        const auto& y = b.get_array();
        if (x.size() != y.size()) return false;
        for (std::size_t i = 0; i < x.size(); ++i)
            if (!json_equal(x[i], y[i])) return false;
        return true;
    }
    if (a.is_object()) {
        const auto& x = a.get_object();
        const auto& y = b.get_object();
        if (x.size() != y.size()) return false;
        for (const auto& member : x) {
            const auto* other = y.if_contains(member.key());
            if (other == nullptr || !json_equal(member.value(), *other)) return false;
        }
        return true;
    }
    return a == b;
}

JsonSchema::JsonSchema(json::value schema) : schema_(std::move(schema)) {}

JsonSchema JsonSchema::from_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream text;
    text << in.rdbuf();
    json::error_code error;
    auto value = json::parse(text.str(), error);
    if (error) throw std::runtime_error(path + " is not JSON: " + error.message());
    return JsonSchema(std::move(value));
}

std::vector<SchemaViolation> JsonSchema::validate(const json::value& instance) const {
    std::vector<SchemaViolation> out;
    Validator(schema_).check(schema_, instance, "$", out, 0);
    return out;
}

namespace {

// Every subschema of `schema` (at schema path `path`), checked for what `Validator`
// would only find when an instance reaches it.
void check_subschemas(const json::value& root, const json::value& schema, const std::string& path,
                      std::vector<SchemaViolation>& out) {
    if (schema.is_bool()) return;
    if (!schema.is_object()) {
        out.push_back({path, "schema: a schema must be an object or a boolean"});
        return;
    }
    const auto& s = schema.get_object();
    for (const auto& member : s) {
        const std::string_view key = member.key();
        const auto& value = member.value();
        const auto here = member_path(path, key);
        if (!checked.count(key) && !annotations.count(key)) {
            out.push_back({path, "schema: keyword \"" + std::string(key) + "\" is not supported by this validator"});
        } else if (key == "$defs" || key == "definitions" || key == "properties") {
            if (!value.is_object()) out.push_back({here, "schema: must be an object of schemas"});
            else
                for (const auto& sub : value.get_object()) check_subschemas(root, sub.value(), member_path(here, sub.key()), out);
        } else if (key == "items" || key == "additionalProperties" || key == "not") {
            check_subschemas(root, value, here, out);
        } else if (key == "oneOf" || key == "anyOf" || key == "allOf") {
            if (!value.is_array() || value.get_array().empty()) out.push_back({here, "schema: must be a non-empty list"});
            else
                for (std::size_t i = 0; i < value.get_array().size(); ++i)
                    check_subschemas(root, value.get_array()[i], element_path(here, i), out);
        } else if (key == "$ref") {
            // Resolved by validating anything against {"$ref": ...}: only a dangling or
            // malformed reference is reported, never the instance.
            std::vector<SchemaViolation> found;
            Validator(root).check(json::object{{"$ref", value}}, json::value(nullptr), here, found, 0);
            for (auto& v : found)
                if (v.message.rfind("schema: $ref", 0) == 0) out.push_back(std::move(v));
        } else if (key == "type") {
            std::vector<SchemaViolation> found;
            Validator(root).check(json::object{{"type", value}}, json::value(nullptr), here, found, 0);
            for (auto& v : found)
                if (v.message.rfind("schema:", 0) == 0) out.push_back(std::move(v));
        }
    }
}

}  // namespace

std::vector<SchemaViolation> JsonSchema::check_schema() const {
    std::vector<SchemaViolation> out;
    check_subschemas(schema_, schema_, "#", out);
    return out;
}

std::string to_string(const std::vector<SchemaViolation>& violations) {
    std::string out;
    for (const auto& v : violations) out += v.path + ": " + v.message + "\n";
    return out;
}

}  // namespace bgpemu::test
