// Catch2 main for the interop tests: exits 77 (CTest reports it as skipped) when FRR or
// BIRD is not installed, so a machine without them says "skipped", never "passed".
//
// Built without bgpemu_warnings, like tests/unit/catch_main.cpp (Catch2's implementation
// trips GCC 12 false positives under ASan).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <iostream>

#include "routers.hpp"

int main(int argc, char** argv) {
    if (!bgpemu::test::frr_bgpd_path() || !bgpemu::test::bird_path()) {
        std::cout << "SKIP: FRR (/usr/lib/frr/bgpd) or BIRD (bird) is not installed; "
                     "install them with: bash contrib/scripts/deps.sh test\n";
        return 77;
    }
    return Catch::Session().run(argc, argv);
}
