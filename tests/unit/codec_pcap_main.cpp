// Catch2 main for codec_pcap_test: exits 77, which CTest reports as skipped
// (SKIP_RETURN_CODE), when tshark is not installed.
#include "catch_session.hpp"

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
    return bgpemu::test::run_catch_session(argc, argv);
}
