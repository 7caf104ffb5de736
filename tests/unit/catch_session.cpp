// Catch2's implementation, compiled once for every test binary. Built without
// bgpemu_warnings: the implementation trips GCC 12 false positives (-Wmaybe-uninitialized
// inside <regex>) once ASan is on, which -Werror would turn into a failed build.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "catch_session.hpp"

namespace bgpemu::test {

int run_catch_session(int argc, char** argv) { return Catch::Session().run(argc, argv); }

}  // namespace bgpemu::test
