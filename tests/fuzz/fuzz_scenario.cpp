// libFuzzer target for scenario files (`bgpemuctl verify`, `bgpemud --verify`): bytes in,
// as the file's text. Beyond the sanitizers, we check what scenario.hpp promises: the
// reader never throws, and every error names the file; a file it accepts has a parsed
// command for every `do` and a kind for every expectation, which is what the runner
// relies on.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "daemon/ctl/scenario.hpp"

namespace {

constexpr const char* file_name = "fuzz.yaml";

[[noreturn]] void broken_promise(const std::string& what) {
    std::fprintf(stderr, "scenario reader broke its contract: %s\n", what.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> errors;
    bgpemu::daemon::ctl::Scenario scenario;
    try {
        scenario = bgpemu::daemon::ctl::read_scenario_text(std::string(reinterpret_cast<const char*>(data), size), file_name, errors);
    } catch (const std::exception& e) {
        broken_promise(std::string("threw ") + e.what());
    } catch (...) {
        broken_promise("threw a non-standard exception");
    }
    for (const auto& e : errors)
        if (e.rfind(file_name, 0) != 0) broken_promise("an error naming no file: " + e);
    if (!errors.empty()) return 0;
    for (const auto& step : scenario.steps) {
        if (!step.command_text.empty() && !step.command) broken_promise("a `do` without its command");
        for (const auto& e : step.expect)
            if (e.kind.empty()) broken_promise("an expectation of no kind");
    }
    // What the runner checks against a daemon's names must hold up too.
    (void)bgpemu::daemon::ctl::unknown_names(scenario, {"a", "b"});
    return 0;
}
