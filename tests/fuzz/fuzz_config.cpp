// libFuzzer target for the configuration loader: bytes in, as `bgpemud --config FILE`
// would read them (parse_topology: YAML, a design compiled into the router-level form,
// speakers, policy, roles, the data plane and the checks across the whole file).
//
// Beyond the sanitizers, we check what config.hpp promises: the loader reports every
// problem as a ConfigError and never throws; each error names the file, has a message,
// and a position inside the input (line and column, 1-based; only "the file is empty"
// has none). A file the loader accepts must then be usable the
// way the daemon uses it: the data plane is built from its topology and a speaker is
// constructed from each speaker's configuration (on an io_context that never runs, so
// nothing is bound or connected).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include "bgp/speaker/speaker.hpp"
#include "daemon/config/config.hpp"
#include "daemon/design/topology_file.hpp"
#include "dataplane/network.hpp"

namespace {

using namespace bgpemu;

constexpr const char* file_name = "fuzz.yaml";

[[noreturn]] void broken_promise(const std::string& what) {
    std::fprintf(stderr, "config loader broke its contract: %s\n", what.c_str());
    std::abort();
}

void check_error(const daemon::ConfigError& error, std::size_t lines) {
    if (error.file != file_name) broken_promise("error names file '" + error.file + "'");
    if (error.message.empty()) broken_promise("error without a message");
    if ((error.line == 0) != (error.column == 0)) broken_promise("half a position: " + error.to_string());
    // Only an empty file is an error about the file as a whole; everything else has a place.
    if (error.line == 0 && error.message.find("the file is empty") != 0)
        broken_promise("an error without a position: " + error.to_string());
    // yaml-cpp may point one line past the last newline (the end of the input).
    if (error.line > lines + 1) broken_promise("position past the end of the input: " + error.to_string());
}

// What the daemon does with a config that loaded: the data plane, then the speakers.
void use(const daemon::DaemonConfig& config) {
    static boost::asio::io_context io(1);  // never run
    static const auto log = std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
    const dataplane::Network network(config.topology);
    std::vector<std::unique_ptr<bgp::Speaker>> speakers;
    for (const auto& speaker : config.speakers) speakers.push_back(std::make_unique<bgp::Speaker>(io, speaker, log));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    daemon::LoadedConfig loaded;
    try {
        loaded = daemon::design::parse_topology(text, file_name);
    } catch (const std::exception& e) {
        broken_promise(std::string("parse_topology threw: ") + e.what());
    } catch (...) {
        broken_promise("parse_topology threw something not derived from std::exception");
    }
    for (const auto& error : loaded.errors) check_error(error, lines);
    if (!loaded.ok()) return 0;
    try {
        use(loaded.config);
    } catch (const std::exception& e) {
        broken_promise(std::string("a loaded config could not be used: ") + e.what());
    }
    return 0;
}
