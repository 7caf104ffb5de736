#pragma once
// Runs the Catch2 session of the test binary it is linked into. Catch2 v2 declares its
// Session class only in the translation unit that compiles its implementation
// (catch_session.cpp), so the mains that add checks of their own before the tests run
// (catch_main.cpp, codec_pcap_main.cpp, tests/integration/integration_main.cpp) call
// this instead: the implementation, about half a minute of compiling, is built once.

namespace bgpemu::test {

int run_catch_session(int argc, char** argv);

}  // namespace bgpemu::test
