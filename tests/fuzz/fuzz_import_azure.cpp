// libFuzzer target for the importer: bytes in, as one JSON file given to
// bgpemu-import-azure (any shape: a resource, a list, a list reply, a Resource Graph
// reply, an ARM template).
//
// Beyond the sanitizers, we check what azure_import.hpp promises: the importer never
// throws; either it reports errors, each naming the file, and returns no design, or it
// returns a design that loads as bgpemud would load it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "daemon/design/topology_file.hpp"
#include "daemon/import/azure_import.hpp"

namespace {

constexpr const char* file_name = "fuzz.json";

[[noreturn]] void broken_promise(const std::string& what) {
    std::fprintf(stderr, "importer broke its contract: %s\n", what.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    bgpemu::daemon::import::ImportRequest request;
    request.texts.emplace_back(file_name, std::string(reinterpret_cast<const char*>(data), size));
    bgpemu::daemon::import::ImportResult result;
    try {
        result = bgpemu::daemon::import::import_azure(request);
    } catch (const std::exception& e) {
        broken_promise(std::string("threw ") + e.what());
    } catch (...) {
        broken_promise("threw a non-standard exception");
    }
    if (!result.errors.empty()) {
        if (!result.design.empty()) broken_promise("a design and errors");
        for (const auto& e : result.errors)
            if (e.rfind(file_name, 0) != 0 && e.rfind("the design the import made", 0) != 0) broken_promise("an error naming no file: " + e);
        return 0;
    }
    if (result.design.empty()) broken_promise("neither a design nor an error");
    if (!bgpemu::daemon::design::parse_topology(result.design, "imported.yaml").errors.empty())
        broken_promise("a design that does not load:\n" + result.design);
    return 0;
}
