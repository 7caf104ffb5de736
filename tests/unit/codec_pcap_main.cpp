// Catch2 main for codec_pcap_test: exits 77, which CTest reports as skipped
// (SKIP_RETURN_CODE), when tshark is not installed.
//
// Built apart from the tests and without bgpemu_warnings, like catch_main.cpp: the Catch2
// implementation compiled here trips GCC 12's -Wmaybe-uninitialized inside <regex> once
// ASan is on, a false positive that -Werror would turn into a failed build.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <filesystem>
#include <iostream>
#include <optional>

namespace bgpemu::test {
std::optional<std::filesystem::path> find_tshark();  // codec_pcap_test.cpp
}

int main(int argc, char** argv) {
    if (!bgpemu::test::find_tshark()) {
        std::cout << "SKIP: tshark not found in PATH (install it with: bash contrib/scripts/deps.sh test)\n";
        return 77;
    }
    return Catch::Session().run(argc, argv);
}
