#include "daemon/import/azure_resources.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace bgpemu::daemon::import {

namespace json = boost::json;

std::string ImportError::to_string() const {
    std::string out = file;
    if (!path.empty()) out += ": " + path;
    if (!resource.empty()) out += " (" + resource + ")";
    return out + ": " + message;
}

void Diagnostics::error(const Field& at, std::string message) {
    const auto* r = at.resource();
    const bool named = r && !r->type.empty() && !r->name.empty();
    errors_.push_back({r ? r->file : std::string(), at.path(), named ? r->label() : std::string(), std::move(message)});
}

std::string folded(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string parent_id(std::string_view id) {
    auto end = id.rfind('/');
    if (end == std::string_view::npos || end == 0) return {};
    end = id.rfind('/', end - 1);
    return end == std::string_view::npos ? std::string() : std::string(id.substr(0, end));
}

namespace {

const json::value* member(const json::object& object, std::string_view name, std::string& key) {
    const auto want = folded(name);
    for (const auto& entry : object)
        if (folded(entry.key()) == want) {
            key = std::string(entry.key());
            return &entry.value();
        }
    return nullptr;
}

// "[parameters('x')]" is an ARM template expression; "[[" escapes a literal bracket.
bool is_expression(std::string_view text) { return text.size() >= 2 && text.front() == '[' && text[1] != '[' && text.back() == ']'; }

std::string kind_of(const json::value& v) {
    switch (v.kind()) {
        case json::kind::object: return "an object";
        case json::kind::array: return "a list";
        case json::kind::string: return "a string";
        case json::kind::bool_: return "a boolean";
        case json::kind::null: return "null";
        default: return "a number";
    }
}

}  // namespace

Field Field::operator[](std::string_view name) const {
    if (!present() || !value_->is_object()) return Field(nullptr, path_ + "." + std::string(name), resource_);
    const auto& object = value_->as_object();
    std::string key;
    if (const auto* v = member(object, name, key)) return Field(v, path_ + "." + key, resource_);
    std::string properties;
    if (const auto* p = member(object, "properties", properties); p && p->is_object())
        if (const auto* v = member(p->as_object(), name, key)) return Field(v, path_ + "." + properties + "." + key, resource_);
    return Field(nullptr, path_ + "." + std::string(name), resource_);
}

std::vector<Field> Field::items(Diagnostics& d) const {
    std::vector<Field> out;
    if (!present()) return out;
    if (!value_->is_array()) {
        d.error(*this, "expected a list, found " + kind_of(*value_));
        return out;
    }
    const auto& array = value_->as_array();
    for (std::size_t i = 0; i < array.size(); ++i) out.emplace_back(&array[i], path_ + "[" + std::to_string(i) + "]", resource_);
    return out;
}

std::optional<std::string> Field::string(Diagnostics& d) const {
    if (!present()) return std::nullopt;
    if (!value_->is_string()) {
        d.error(*this, "expected a string, found " + kind_of(*value_));
        return std::nullopt;
    }
    std::string text(value_->as_string());
    if (resource_ && resource_->from_template && is_expression(text)) {
        d.error(*this, "'" + text + "' is an ARM template expression, which the importer does not evaluate: give it the "
                       "deployed resources (az resource show --ids ..., az network ... list) or literal values");
        return std::nullopt;
    }
    return text;
}

std::optional<std::int64_t> Field::integer(Diagnostics& d, std::int64_t min, std::int64_t max) const {
    if (!present()) return std::nullopt;
    std::optional<std::int64_t> n;
    if (value_->is_int64()) n = value_->as_int64();
    else if (value_->is_uint64() && value_->as_uint64() <= static_cast<std::uint64_t>(max)) n = static_cast<std::int64_t>(value_->as_uint64());
    else if (value_->is_double() && value_->as_double() == static_cast<double>(static_cast<std::int64_t>(value_->as_double())))
        n = static_cast<std::int64_t>(value_->as_double());
    if (!n || *n < min || *n > max) {
        d.error(*this, "expected a whole number " + std::to_string(min) + ".." + std::to_string(max) + ", found " +
                           (value_->is_string() ? "\"" + std::string(value_->as_string()) + "\"" : json::serialize(*value_)));
        return std::nullopt;
    }
    return n;
}

std::optional<bool> Field::boolean(Diagnostics& d) const {
    if (!present()) return std::nullopt;
    if (!value_->is_bool()) {
        d.error(*this, "expected true or false, found " + kind_of(*value_));
        return std::nullopt;
    }
    return value_->as_bool();
}

std::vector<std::string> Field::strings(Diagnostics& d) const {
    std::vector<std::string> out;
    const auto split = [&](const std::string& text) {
        std::istringstream parts(text);
        for (std::string part; std::getline(parts, part, ',');) {
            part.erase(0, part.find_first_not_of(' '));
            part.erase(part.find_last_not_of(' ') + 1);
            if (!part.empty()) out.push_back(part);
        }
    };
    if (!present()) return out;
    if (value_->is_array()) {
        for (const auto& item : items(d))
            if (auto s = item.string(d)) split(*s);
    } else if (auto s = string(d)) {
        split(*s);
    }
    return out;
}

bool Resource::is(std::string_view azure_type) const { return folded(type) == folded(azure_type); }

void Resources::read_file(const std::string& path, Diagnostics& d) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return d.file_error(path, "cannot open the file");
    std::ostringstream text;
    text << in.rdbuf();
    read_text(text.str(), path, d);
}

void Resources::read_text(const std::string& text, const std::string& file, Diagnostics& d) {
    json::stream_parser parser;
    json::error_code ec;
    const auto used = parser.write_some(text.data(), text.size(), ec);
    if (!ec) parser.finish(ec);
    if (ec) {
        const auto at = std::min(used, text.size());
        const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
        const auto line_start = text.rfind('\n', at == 0 ? 0 : at - 1);
        const auto column = at - (line_start == std::string::npos || at == 0 ? 0 : line_start + 1) + 1;
        return d.file_error(file, "not JSON: " + ec.message() + " at line " + std::to_string(line) + ", column " + std::to_string(column));
    }
    documents_.push_back(std::make_unique<json::value>(parser.release()));
    const auto& root = *documents_.back();
    const auto each = [&](const json::array& list, const std::string& path, bool in_template) {
        for (std::size_t i = 0; i < list.size(); ++i) {
            const auto item_path = path + "[" + std::to_string(i) + "]";
            const TemplateParent top;
            add(list[i], item_path, file, d, in_template ? &top : nullptr);
        }
    };
    if (root.is_array()) return each(root.as_array(), "$", false);
    if (!root.is_object()) return d.file_error(file, "expected a resource (an object) or a list of resources, found " + kind_of(root));
    const auto& object = root.as_object();
    std::string key;
    if (!member(object, "type", key)) {
        for (const char* list : {"resources", "value", "data"}) {
            const auto* v = member(object, list, key);
            if (!v) continue;
            if (!v->is_array()) return d.file_error(file, "$." + key + ": expected a list of resources, found " + kind_of(*v));
            return each(v->as_array(), "$." + key, std::string_view(list) == "resources");
        }
    }
    add(root, "$", file, d, nullptr);
}

// `within`: inside an ARM template, the resource a nested one belongs to (its type and
// name are relative to it; blank at the template's top level).
void Resources::add(const json::value& value, const std::string& path, const std::string& file, Diagnostics& d,
                    const TemplateParent* within) {
    auto resource = std::make_unique<Resource>();
    resource->file = file;
    resource->from_template = within != nullptr;
    resource->body = Field(&value, path, resource.get());
    if (!value.is_object()) return d.file_error(file, path + ": expected a resource (an object), found " + kind_of(value));
    const auto type = resource->body["type"].string(d);
    const auto name = resource->body["name"].string(d);
    const auto id = resource->body["id"].string(d);
    if (!type) return d.file_error(file, path + ": a resource needs a 'type' (such as Microsoft.Network/virtualNetworks)");
    resource->type = *type;
    TemplateParent as_parent;
    if (within) {
        if (!name) {
            if (!resource->body["name"].present()) d.file_error(file, path + ": a template resource needs a 'name'");
            return;
        }
        if (!within->type.empty() && type->find('/') == std::string::npos) resource->type = within->type + "/" + *type;
        as_parent.type = resource->type;
        as_parent.name = within->name.empty() || name->find('/') != std::string::npos ? *name : within->name + "/" + *name;
        // The id ARM gives it, without subscription and group: types and names interleave.
        const auto split = [](const std::string& text) {
            std::vector<std::string> parts;
            std::istringstream s(text);
            for (std::string part; std::getline(s, part, '/');) parts.push_back(part);
            return parts;
        };
        const auto types = split(resource->type);
        const auto names = split(as_parent.name);
        if (types.size() != names.size() + 1)
            return d.file_error(file, path + ": type '" + resource->type + "' takes " + std::to_string(types.size() - 1) +
                                          " name segment(s), name '" + as_parent.name + "' has " + std::to_string(names.size()));
        resource->id = "/providers/" + types[0];
        for (std::size_t i = 0; i < names.size(); ++i) resource->id += "/" + types[i + 1] + "/" + names[i];
        resource->name = names.back();
    } else {
        if (!id) return d.file_error(file, path + ": a resource needs an 'id' (its Azure resource id)");
        resource->id = *id;
        resource->name = name.value_or(resource->id.substr(resource->id.rfind('/') + 1));
    }
    const auto key = folded(resource->id);
    if (const auto it = by_id_.find(key); it != by_id_.end()) {
        d.note("read twice: " + resource->id + " (" + it->second->file + " and " + file + "); the first is used");
        return;
    }
    const auto* added = resource.get();
    by_id_.emplace(key, added);
    if (const auto at = key.rfind("/providers/"); at != std::string::npos) by_tail_[key.substr(at)].push_back(added);
    resources_.push_back(std::move(resource));
    if (!within) return;
    // A template's child resources may be nested in their parent.
    const auto* nested = value.as_object().if_contains("resources");
    if (nested && nested->is_array()) {
        const auto& list = nested->as_array();
        for (std::size_t i = 0; i < list.size(); ++i) add(list[i], path + ".resources[" + std::to_string(i) + "]", file, d, &as_parent);
    }
}

const Resource* Resources::find(std::string_view id) const {
    const auto key = folded(id);
    if (const auto it = by_id_.find(key); it != by_id_.end()) return it->second;
    const auto at = key.rfind("/providers/");
    if (at == std::string::npos) return nullptr;
    const auto it = by_tail_.find(key.substr(at));
    return it != by_tail_.end() && it->second.size() == 1 ? it->second.front() : nullptr;
}

const Resource* Resources::resolve(const Field& reference, std::string_view type, Diagnostics& d) const {
    if (!reference.present()) return nullptr;
    const auto id_field = reference["id"];
    const auto id = id_field.string(d);
    if (!id) {
        if (!id_field.present()) d.error(reference, "a reference needs an 'id'");
        return nullptr;
    }
    const auto* found = find(*id);
    if (!found) {
        missing(id_field, type, *id, d);
        return nullptr;
    }
    if (!found->is(type)) {
        d.error(id_field, "refers to " + found->label() + ", not to a " + std::string(type.substr(type.rfind('/') + 1)));
        return nullptr;
    }
    return found;
}

void Resources::missing(const Field& at, std::string_view type, const std::string& id, Diagnostics& d) const {
    d.error(at, "refers to " + std::string(type) + " '" + id.substr(id.rfind('/') + 1) + "' (" + id +
                    "), which the input does not hold: add its JSON to the files imported");
}

std::vector<const Resource*> Resources::children(const Resource& parent, std::string_view child_type) const {
    std::vector<const Resource*> out;
    const auto type = parent.type + "/" + std::string(child_type);
    const auto key = folded(parent.id);
    for (const auto& r : resources_)
        if (r->is(type) && folded(parent_id(r->id)) == key) out.push_back(r.get());
    return out;
}

}  // namespace bgpemu::daemon::import
