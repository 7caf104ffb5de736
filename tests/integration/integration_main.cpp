// Catch2 main for the integration tests that need outside BGP implementations: exits 77
// (CTest reports it as skipped) when one is not installed, so a machine without them
// says "skipped", never "passed". Compiled once per set of peers: by default FRR and
// BIRD; with BGPEMU_NEEDS_GOBGP_EXABGP, GoBGP and ExaBGP.
//
// Built without bgpemu_warnings, like tests/unit/catch_main.cpp (Catch2's implementation
// trips GCC 12 false positives under ASan).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <iostream>

#ifdef BGPEMU_NEEDS_GOBGP_EXABGP
#include "peers_more.hpp"
#else
#include "routers.hpp"
#endif

int main(int argc, char** argv) {
#ifdef BGPEMU_NEEDS_GOBGP_EXABGP
    if (!bgpemu::test::gobgpd_path() || !bgpemu::test::gobgp_cli_path() || !bgpemu::test::exabgp_path()) {
        std::cout << "SKIP: GoBGP (gobgpd, gobgp) or ExaBGP (exabgp) is not installed; "
                     "install them with: bash contrib/scripts/deps.sh test\n";
        return 77;
    }
#else
    if (!bgpemu::test::frr_bgpd_path() || !bgpemu::test::bird_path()) {
        std::cout << "SKIP: FRR (/usr/lib/frr/bgpd) or BIRD (bird) is not installed; "
                     "install them with: bash contrib/scripts/deps.sh test\n";
        return 77;
    }
#endif
    return Catch::Session().run(argc, argv);
}
