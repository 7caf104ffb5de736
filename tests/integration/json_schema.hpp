// A small JSON Schema validator for the subset the admin protocol's schemas use
// (daemon/admin/schemas/v1/): type (a name or a list of names; "integer" is a number without
// a fraction), properties, required, additionalProperties (true/false or a schema),
// items (one schema for every element), minItems, maxItems, enum, const, oneOf, anyOf,
// allOf, not, minimum, maximum, and $ref to a JSON pointer inside the same document
// ("#/$defs/walk", "#/definitions/walk"). Annotations ($schema, $id, title,
// description, $comment, examples, default) are ignored; any other keyword is itself
// reported as a violation, so a schema never relies on a check this validator does not
// make.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace bgpemu::test {

struct SchemaViolation {
    std::string path;     // where in the instance: "$", "$.result.sessions[0].state"
    std::string message;  // what is wrong there
};

class JsonSchema {
public:
    explicit JsonSchema(boost::json::value schema);
    // Reads and parses a schema file; throws std::runtime_error when it is not JSON.
    [[nodiscard]] static JsonSchema from_file(const std::string& path);

    // Every violation found, empty when `instance` is valid.
    [[nodiscard]] std::vector<SchemaViolation> validate(const boost::json::value& instance) const;

    // Problems of the schema itself, wherever they are (also in branches no instance
    // reaches): a keyword outside the subset, a malformed type, a dangling $ref.
    [[nodiscard]] std::vector<SchemaViolation> check_schema() const;

    [[nodiscard]] const boost::json::value& document() const noexcept { return schema_; }

private:
    boost::json::value schema_;
};

// The violations one per line ("$.result.x: expected integer, got string").
[[nodiscard]] std::string to_string(const std::vector<SchemaViolation>& violations);

// JSON equality as JSON Schema defines it: numbers by value (1 == 1.0, int64 == uint64),
// objects regardless of key order.
[[nodiscard]] bool json_equal(const boost::json::value& a, const boost::json::value& b);

}  // namespace bgpemu::test
